/*
 * test_pipe_process.c - pipes between real processes (fork, and an exec'd
 * peer that receives its pipe over a UNIX socket).
 *
 * Long counts are divided by 10 with COSMOSB_TEST_QUICK=1. Children never
 * use Criterion assertions: they check with CHILD_CHECK and _exit; the parent
 * asserts on their exit status. alarm() is used only as a hang guard.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

#ifndef COSMOSB_TEST_PEER_PATH
#error "COSMOSB_TEST_PEER_PATH must name the cosmosb_test_peer executable"
#endif

#define FOREVER COSMOSB_TIMEOUT_FOREVER

static cosmosb_pipe_t *mkpipe(uint32_t mode, uint32_t cap, uint32_t slot, uint32_t maxp)
{
    cosmosb_pipe_config_t cfg;
    cr_assert_eq(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.mode = mode;
    cfg.capacity = cap;
    cfg.slot_size = slot;
    cfg.max_producers = maxp;
    cosmosb_pipe_t *c = NULL;
    ASSERT_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    cr_assert_not_null(c);
    return c;
}

/* In a child: attach to the inherited pipe as a producer. */
static cosmosb_pipe_t *child_attach(const cosmosb_pipe_t *c)
{
    cosmosb_pipe_t *p = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(c), cosmosb_pipe_eventfd(c), &p), COSMOSB_OK);
    return p;
}

/* Pins the calling process to one CPU: CPU 0 if allowed, else the first allowed one. */
static int pin_one_cpu(void)
{
    cpu_set_t cur, one;
    if (sched_getaffinity(0, sizeof cur, &cur) != 0)
        return -1;
    int cpu = CPU_ISSET(0, &cur) ? 0 : -1;
    for (int i = 0; cpu < 0 && i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &cur))
            cpu = i;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof one, &one) == 0 ? cpu : -1;
}

static void write_int(int fd, int v)
{
    ssize_t n;
    do {
        n = write(fd, &v, sizeof v);
    } while (n < 0 && errno == EINTR);
}

static int read_int(int fd)
{
    int v = 0x7fffffff;
    ssize_t n;
    do {
        n = read(fd, &v, sizeof v);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof v ? v : 0x7ffffffe;
}

/* A start barrier between the parent and its children: children report that they
 * attached and wait for "go", so no producer can finish and close before the
 * others have attached (which would legitimately end the pipe with ECLOSED). */
struct barrier {
    int ready[2];
    int go[2];
};

static void barrier_init(struct barrier *b)
{
    cr_assert_eq(pipe(b->ready), 0);
    cr_assert_eq(pipe(b->go), 0);
}

static void barrier_child(struct barrier *b)
{
    if (!b)
        return;
    char x = 'r';
    CHILD_CHECK(write(b->ready[1], &x, 1) == 1);
    CHILD_CHECK(read(b->go[0], &x, 1) == 1);
}

static void barrier_parent(struct barrier *b, int n)
{
    char x;
    for (int i = 0; i < n; i++)
        cr_assert_eq(read(b->ready[0], &x, 1), 1, "a child died before attaching");
    for (int i = 0; i < n; i++)
        cr_assert_eq(write(b->go[1], "g", 1), 1);
    close(b->ready[0]);
    close(b->ready[1]);
    close(b->go[0]);
    close(b->go[1]);
}

static int readable_now(int fd)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLIN | POLLHUP));
}

/* Receives one message and checks it against tu_fill(who, seq). */
static void expect_filled(cosmosb_pipe_t *c, uint32_t who, uint64_t seq, uint32_t maxlen)
{
    uint8_t buf[256];
    cosmosb_msg_info_t info;
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, &info, FOREVER), COSMOSB_OK);
    uint32_t prod;
    uint64_t s;
    cr_assert(tu_check(buf, info.len, &prod, &s), "message damaged (len %u)", info.len);
    cr_assert_eq(prod, who);
    cr_assert_eq(s, seq, "got message %llu, expected %llu", (unsigned long long)s,
                 (unsigned long long)seq);
    cr_assert_eq(info.len, tu_len(seq, maxlen));
    cr_assert_eq(info.type_id, seq);
}

/* ------------------------------------------------------------------------ */
/* SPSC: one million messages, in order, intact                             */
/* ------------------------------------------------------------------------ */

struct spsc_arg {
    cosmosb_pipe_t *c;
    uint64_t n;
};

static int spsc_producer(void *a)
{
    struct spsc_arg *sa = a;
    cosmosb_pipe_t *p = child_attach(sa->c);
    uint8_t msg[64];
    for (uint64_t seq = 0; seq < sa->n; seq++) {
        uint32_t len = tu_len(seq, 64);
        if (seq % 3 == 0) { /* write in place */
            cosmosb_slot_t s;
            CHILD_CHECK_RC(cosmosb_pipe_reserve(p, 0, FOREVER, &s), COSMOSB_OK);
            tu_fill(s.data, len, 0, seq);
            CHILD_CHECK_RC(cosmosb_pipe_commit(p, &s, seq, len), COSMOSB_OK);
        } else {
            tu_fill(msg, len, 0, seq);
            CHILD_CHECK_RC(cosmosb_pipe_send(p, seq, msg, len, 0, FOREVER), COSMOSB_OK);
        }
    }
    cosmosb_pipe_stats_t st;
    CHILD_CHECK_RC(cosmosb_pipe_stats(p, &st), COSMOSB_OK);
    CHILD_CHECK(st.sent == sa->n);
    cosmosb_pipe_close(p);
    return 0;
}

Test(process, spsc_fifo_million, .timeout = 300)
{
    const uint64_t N = tu_scale(1000000);
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_SPSC, 256, 64, 1);
    struct spsc_arg a = {c, N};
    pid_t pid = tu_fork(spsc_producer, &a, 280);
    cr_assert_gt(pid, 0);
    uint8_t buf[64];
    for (uint64_t seq = 0; seq < N; seq++) {
        cosmosb_msg_info_t info;
        const uint8_t *data = buf;
        cosmosb_msg_view_t v;
        if (seq % 5 == 0) { /* read in place */
            ASSERT_RC(cosmosb_pipe_peek(c, &v, FOREVER), COSMOSB_OK);
            info = v.info;
            memcpy(buf, v.data, info.len <= sizeof buf ? info.len : sizeof buf);
        } else {
            ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, &info, FOREVER), COSMOSB_OK);
        }
        uint32_t prod;
        uint64_t s;
        cr_assert_eq(info.len, tu_len(seq, 64), "message %llu: len %u", (unsigned long long)seq,
                     info.len);
        cr_assert(tu_check(data, info.len, &prod, &s), "message %llu damaged", (unsigned long long)seq);
        cr_assert_eq(s, seq, "got %llu, expected %llu", (unsigned long long)s, (unsigned long long)seq);
        cr_assert_eq(info.type_id, seq);
        cr_assert_eq(info.producer, 0u);
        if (seq % 5 == 0)
            ASSERT_RC(cosmosb_pipe_consume(c, &v), COSMOSB_OK);
    }
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, NULL, FOREVER), COSMOSB_ECLOSED);
    cr_assert(tu_wait_ok(pid));
    cosmosb_pipe_stats_t st;
    ASSERT_RC(cosmosb_pipe_stats(c, &st), COSMOSB_OK);
    cr_assert_eq(st.received, N);
    cosmosb_pipe_close(c);
}

/* ------------------------------------------------------------------------ */
/* MPSC: 2 producers, 10 million messages, no loss, no duplicate            */
/* ------------------------------------------------------------------------ */

struct mpsc_arg {
    cosmosb_pipe_t *c;
    uint32_t who;
    uint64_t n;
    int batch;
    int pin;
    struct barrier *bar;
};

static int mpsc_producer(void *a)
{
    struct mpsc_arg *ma = a;
    if (ma->pin)
        CHILD_CHECK(pin_one_cpu() >= 0);
    cosmosb_pipe_t *p = child_attach(ma->c);
    barrier_child(ma->bar);
    uint8_t msgs[32][16];
    cosmosb_send_item_t it[32];
    uint64_t seq = 0;
    while (seq < ma->n) {
        if (ma->batch) {
            uint32_t n = (uint32_t)(1 + seq % 32);
            if (n > ma->n - seq)
                n = (uint32_t)(ma->n - seq);
            for (uint32_t i = 0; i < n; i++) {
                tu_fill(msgs[i], 16, ma->who, seq + i);
                it[i].type_id = seq + i;
                it[i].data = msgs[i];
                it[i].len = 16;
                it[i].reserved = 0;
            }
            int rc = cosmosb_pipe_send_batch(p, it, n, 0, FOREVER);
            CHILD_CHECK(rc >= 1 && rc <= (int)n);
            seq += (uint64_t)rc;
        } else {
            tu_fill(msgs[0], 16, ma->who, seq);
            CHILD_CHECK_RC(cosmosb_pipe_send(p, seq, msgs[0], 16, 0, FOREVER), COSMOSB_OK);
            seq++;
        }
    }
    cosmosb_pipe_close(p);
    return 0;
}

/* Receives until every producer is gone; checks per-producer sequence. */
static void mpsc_consume(cosmosb_pipe_t *c, int np, const uint64_t *expect_n, uint64_t *got)
{
    uint32_t index_of[8];
    for (int i = 0; i < np; i++) {
        got[i] = 0;
        index_of[i] = UINT32_MAX;
    }
    uint8_t bufs[32][16];
    cosmosb_recv_item_t it[32];
    for (int i = 0; i < 32; i++) {
        it[i].buf = bufs[i];
        it[i].buf_size = 16;
        it[i].reserved = 0;
    }
    for (uint64_t round = 0;; round++) {
        int n = cosmosb_pipe_recv_batch(c, it, (round & 1) ? 32 : 1, 0, FOREVER);
        if (n == COSMOSB_ECLOSED)
            break;
        cr_assert_gt(n, 0, "recv_batch: %d (%s)", n, cosmosb_err_name(n));
        for (int k = 0; k < n; k++) {
            uint32_t who;
            uint64_t seq;
            cr_assert_eq(it[k].info.len, 16u);
            cr_assert(tu_check(bufs[k], 16, &who, &seq), "damaged message");
            cr_assert_lt(who, (uint32_t)np);
            cr_assert_eq(it[k].info.type_id, seq);
            cr_assert_eq(seq, got[who], "producer %u: got %llu, expected %llu (loss or duplicate)",
                         who, (unsigned long long)seq, (unsigned long long)got[who]);
            if (index_of[who] == UINT32_MAX)
                index_of[who] = it[k].info.producer;
            cr_assert_eq(it[k].info.producer, index_of[who]);
            got[who]++;
        }
    }
    for (int i = 0; i < np; i++)
        cr_assert_eq(got[i], expect_n[i], "producer %d: %llu of %llu", i, (unsigned long long)got[i],
                     (unsigned long long)expect_n[i]);
    for (int i = 0; i < np; i++)
        for (int j = i + 1; j < np; j++)
            cr_assert_neq(index_of[i], index_of[j]);
}

Test(process, mpsc_two_producers_ten_million, .timeout = 600)
{
    const uint64_t per = tu_scale(5000000);
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_MPSC, 1024, 16, 2);
    struct barrier bar;
    barrier_init(&bar);
    struct mpsc_arg a0 = {c, 0, per, 0, 0, &bar}, a1 = {c, 1, per, 1, 0, &bar};
    pid_t p0 = tu_fork(mpsc_producer, &a0, 580);
    pid_t p1 = tu_fork(mpsc_producer, &a1, 580);
    cr_assert(p0 > 0 && p1 > 0);
    barrier_parent(&bar, 2);
    uint64_t expect[2] = {per, per}, got[2];
    mpsc_consume(c, 2, expect, got);
    cr_assert(tu_wait_ok(p0));
    cr_assert(tu_wait_ok(p1));
    cosmosb_pipe_stats_t st;
    ASSERT_RC(cosmosb_pipe_stats(c, &st), COSMOSB_OK);
    cr_assert_eq(st.received, 2 * per);
    cr_assert_eq(st.rejected_corrupt, 0u);
    cosmosb_pipe_close(c);
}

Test(process, mpsc_producers_sharing_one_cpu, .timeout = 300)
{
    const uint64_t per = tu_scale(1000000);
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_MPSC, 256, 16, 2);
    struct barrier bar;
    barrier_init(&bar);
    struct mpsc_arg a0 = {c, 0, per, 0, 1, &bar}, a1 = {c, 1, per, 1, 1, &bar};
    pid_t p0 = tu_fork(mpsc_producer, &a0, 280);
    pid_t p1 = tu_fork(mpsc_producer, &a1, 280);
    cr_assert(p0 > 0 && p1 > 0);
    barrier_parent(&bar, 2);
    uint64_t expect[2] = {per, per}, got[2];
    mpsc_consume(c, 2, expect, got);
    cr_assert(tu_wait_ok(p0));
    cr_assert(tu_wait_ok(p1));
    cosmosb_pipe_close(c);
}

/* ------------------------------------------------------------------------ */
/* 1 million blocking round trips with no spinning: no lost wakeup          */
/* ------------------------------------------------------------------------ */

struct pong_arg {
    cosmosb_pipe_t *b; /* parent's consumer; the child produces into it */
    int sock;          /* to share pipe A (the child consumes it) */
    int other;         /* the parent's end, closed in the child */
};

static int pong(void *a)
{
    struct pong_arg *pa = a;
    close(pa->other);
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 4;
    cfg.slot_size = 8;
    cosmosb_pipe_t *ca = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_create(&cfg, &ca), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_pipe_share(ca, pa->sock), COSMOSB_OK);
    cosmosb_pipe_t *pb = child_attach(pa->b);
    CHILD_CHECK_RC(cosmosb_pipe_set_spin_ns(ca, 0), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_pipe_set_spin_ns(pb, 0), COSMOSB_OK);
    for (;;) {
        uint64_t v;
        int rc = cosmosb_pipe_recv(ca, &v, sizeof v, NULL, FOREVER);
        if (rc == COSMOSB_ECLOSED)
            break;
        CHILD_CHECK_RC(rc, COSMOSB_OK);
        v++;
        CHILD_CHECK_RC(cosmosb_pipe_send(pb, v, &v, sizeof v, 0, FOREVER), COSMOSB_OK);
    }
    cosmosb_pipe_stats_t st;
    CHILD_CHECK_RC(cosmosb_pipe_stats(ca, &st), COSMOSB_OK);
    CHILD_CHECK(st.sleeps > 0);
    cosmosb_pipe_close(pb);
    cosmosb_pipe_close(ca);
    return 0;
}

Test(process, blocking_round_trips_spin_zero, .timeout = 900)
{
    const uint64_t N = tu_scale(1000000);
    cosmosb_pipe_t *cb = mkpipe(COSMOSB_PIPE_SPSC, 4, 8, 1);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct pong_arg a = {cb, sv[1], sv[0]};
    pid_t pid = tu_fork(pong, &a, 880);
    cr_assert_gt(pid, 0);
    close(sv[1]);
    cosmosb_pipe_t *pa = NULL;
    cosmosb_peer_cred_t cred;
    ASSERT_RC(cosmosb_pipe_attach_socket(sv[0], &pa, &cred), COSMOSB_OK);
    cr_assert_eq(cred.pid, (int32_t)pid);
    close(sv[0]);
    ASSERT_RC(cosmosb_pipe_set_spin_ns(pa, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_set_spin_ns(cb, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < N; i++) {
        uint64_t v = i * 2;
        ASSERT_RC(cosmosb_pipe_send(pa, v, &v, sizeof v, 0, FOREVER), COSMOSB_OK);
        uint64_t r = 0;
        ASSERT_RC(cosmosb_pipe_recv(cb, &r, sizeof r, NULL, FOREVER), COSMOSB_OK);
        cr_assert_eq(r, v + 1, "round trip %llu: got %llu", (unsigned long long)i,
                     (unsigned long long)r);
    }
    cosmosb_pipe_stats_t st;
    ASSERT_RC(cosmosb_pipe_stats(cb, &st), COSMOSB_OK);
    cr_assert_eq(st.received, N);
    cr_assert_gt(st.sleeps, 0u, "a consumer with spin budget 0 never slept");
    cosmosb_pipe_close(pa);
    uint64_t r;
    ASSERT_RC(cosmosb_pipe_recv(cb, &r, sizeof r, NULL, FOREVER), COSMOSB_ECLOSED);
    cr_assert(tu_wait_ok(pid));
    cosmosb_pipe_close(cb);
}

/* ------------------------------------------------------------------------ */
/* full-pipe blocking                                                       */
/* ------------------------------------------------------------------------ */

struct full_arg {
    cosmosb_pipe_t *c;
    int note; /* write end of a pipe(2) to the parent */
    uint64_t n;
};

static int full_producer(void *a)
{
    struct full_arg *fa = a;
    cosmosb_pipe_t *p = child_attach(fa->c);
    CHILD_CHECK_RC(cosmosb_pipe_set_spin_ns(p, 0), COSMOSB_OK);
    uint8_t msg[64];
    for (uint64_t i = 0; i < 4; i++) {
        tu_fill(msg, tu_len(i, 64), 0, i);
        CHILD_CHECK_RC(cosmosb_pipe_send(p, i, msg, tu_len(i, 64), 0, 0), COSMOSB_OK);
    }
    tu_fill(msg, tu_len(4, 64), 0, 4);
    CHILD_CHECK_RC(cosmosb_pipe_send(p, 4, msg, tu_len(4, 64), 0, 0), COSMOSB_EFULL);
    CHILD_CHECK_RC(cosmosb_pipe_send(p, 4, msg, tu_len(4, 64), 0, 2000000), COSMOSB_ETIMEDOUT);
    write_int(fa->note, 1); /* about to block */
    int rc = cosmosb_pipe_send(p, 4, msg, tu_len(4, 64), 0, FOREVER);
    write_int(fa->note, rc);
    CHILD_CHECK_RC(rc, COSMOSB_OK);
    for (uint64_t i = 5; i < fa->n; i++) {
        tu_fill(msg, tu_len(i, 64), 0, i);
        CHILD_CHECK_RC(cosmosb_pipe_send(p, i, msg, tu_len(i, 64), 0, FOREVER), COSMOSB_OK);
    }
    cosmosb_pipe_stats_t st;
    CHILD_CHECK_RC(cosmosb_pipe_stats(p, &st), COSMOSB_OK);
    CHILD_CHECK(st.sleeps > 0);
    cosmosb_pipe_close(p);
    return 0;
}

Test(process, sender_blocks_on_full_pipe_until_drained, .timeout = 60)
{
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_SPSC, 4, 64, 1);
    int note[2];
    cr_assert_eq(pipe(note), 0);
    struct full_arg a = {c, note[1], 2000};
    pid_t pid = tu_fork(full_producer, &a, 50);
    cr_assert_gt(pid, 0);
    close(note[1]);
    ASSERT_RC(read_int(note[0]), 1);
    /* the sender is (about to be) blocked; give a wrong implementation time to return */
    tu_sleep_ms(100);
    cr_assert(!readable_now(note[0]), "send on a full pipe returned while the pipe was still full");
    cosmosb_pipe_stats_t st;
    ASSERT_RC(cosmosb_pipe_stats(c, &st), COSMOSB_OK);
    cr_expect_eq(st.queued, 4u, "consumer stats.queued is %u with a full 4-slot pipe", st.queued);
    /* one receive unblocks it */
    expect_filled(c, 0, 0, 64);
    ASSERT_RC(read_int(note[0]), COSMOSB_OK);
    for (uint64_t i = 1; i < a.n; i++)
        expect_filled(c, 0, i, 64);
    uint8_t buf[64];
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, NULL, FOREVER), COSMOSB_ECLOSED);
    cr_assert(tu_wait_ok(pid));
    close(note[0]);
    cosmosb_pipe_close(c);
}

/* ------------------------------------------------------------------------ */
/* peer death and clean close                                               */
/* ------------------------------------------------------------------------ */

struct die_arg {
    cosmosb_pipe_t *c;
    int sends;
    int close_instead; /* close cleanly instead of dying */
};

static int send_then_die(void *a)
{
    struct die_arg *da = a;
    cosmosb_pipe_t *p = child_attach(da->c);
    for (int i = 0; i < da->sends; i++) {
        uint8_t msg[64];
        tu_fill(msg, tu_len((uint64_t)i, 64), 0, (uint64_t)i);
        CHILD_CHECK_RC(cosmosb_pipe_send(p, (uint64_t)i, msg, tu_len((uint64_t)i, 64), 0, FOREVER),
                       COSMOSB_OK);
    }
    tu_sleep_ms(100); /* let the parent block first */
    if (da->close_instead) {
        cosmosb_pipe_close(p);
        return 0;
    }
    raise(SIGKILL);
    return 9;
}

static void consumer_sees_producer_leave(int sends, int close_instead)
{
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_SPSC, 16, 64, 1);
    struct die_arg a = {c, sends, close_instead};
    pid_t pid = tu_fork(send_then_die, &a, 20);
    cr_assert_gt(pid, 0);
    for (int i = 0; i < sends; i++)
        expect_filled(c, 0, (uint64_t)i, 64);
    if (sends == 0) {
        /* wait until the producer is attached, without receiving */
        while (cosmosb_pipe_check_peer(c) == COSMOSB_EAGAIN)
            tu_sleep_ms(1);
    }
    alarm(3); /* hang guard: the brief's bound is 1 s after the death */
    uint8_t buf[64];
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, NULL, FOREVER),
              close_instead ? COSMOSB_ECLOSED : COSMOSB_EPEERDEAD);
    alarm(0);
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, NULL, 0),
              close_instead ? COSMOSB_ECLOSED : COSMOSB_EPEERDEAD);
    ASSERT_RC(cosmosb_pipe_check_peer(c), close_instead ? COSMOSB_ECLOSED : COSMOSB_EPEERDEAD);
    int st = tu_wait(pid);
    if (close_instead)
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
    else
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status 0x%x", st);
    cosmosb_pipe_close(c);
}

Test(process, blocked_consumer_sees_killed_producer, .timeout = 30)
{
    consumer_sees_producer_leave(5, 0);
}

Test(process, blocked_consumer_sees_killed_idle_producer, .timeout = 30)
{
    consumer_sees_producer_leave(0, 0);
}

Test(process, blocked_consumer_sees_closed_producer, .timeout = 30)
{
    consumer_sees_producer_leave(5, 1);
}

struct owner_arg {
    int sock;
    int close_instead;
    int other; /* the parent's end of the socket pair, closed in the child */
};

/* A consumer in a child: shares its pipe, waits for "full", then dies or closes. */
static int consumer_then_die(void *a)
{
    struct owner_arg *oa = a;
    close(oa->other);
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 4;
    cosmosb_pipe_t *c = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_pipe_share(c, oa->sock), COSMOSB_OK);
    char b;
    CHILD_CHECK(read(oa->sock, &b, 1) == 1 && b == 'F');
    tu_sleep_ms(100); /* let the parent block first */
    if (oa->close_instead) {
        cosmosb_pipe_close(c);
        /* stay alive until the parent is done: a close, not a death */
        CHILD_CHECK(read(oa->sock, &b, 1) >= 0);
        return 0;
    }
    raise(SIGKILL);
    return 9;
}

static void producer_sees_consumer_leave(int close_instead)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct owner_arg a = {sv[1], close_instead, sv[0]};
    pid_t pid = tu_fork(consumer_then_die, &a, 20);
    cr_assert_gt(pid, 0);
    close(sv[1]);
    cosmosb_pipe_t *p = NULL;
    cosmosb_peer_cred_t cred;
    ASSERT_RC(cosmosb_pipe_attach_socket(sv[0], &p, &cred), COSMOSB_OK);
    cr_assert_eq(cred.pid, (int32_t)pid);
    uint64_t v = 0;
    for (int i = 0; i < 4; i++)
        ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_EFULL);
    ASSERT_RC(cosmosb_pipe_check_peer(p), COSMOSB_OK);
    cr_assert_eq(write(sv[0], "F", 1), 1);
    alarm(3); /* hang guard */
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, FOREVER),
              close_instead ? COSMOSB_ECLOSED : COSMOSB_EPEERDEAD);
    alarm(0);
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, FOREVER),
              close_instead ? COSMOSB_ECLOSED : COSMOSB_EPEERDEAD);
    cosmosb_slot_t s;
    ASSERT_RC(cosmosb_pipe_reserve(p, 0, FOREVER, &s),
              close_instead ? COSMOSB_ECLOSED : COSMOSB_EPEERDEAD);
    ASSERT_RC(cosmosb_pipe_check_peer(p), close_instead ? COSMOSB_ECLOSED : COSMOSB_EPEERDEAD);
    cosmosb_pipe_close(p);
    close(sv[0]);
    int st = tu_wait(pid);
    if (close_instead)
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
    else
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status 0x%x", st);
}

Test(process, blocked_producer_sees_killed_consumer, .timeout = 30)
{
    producer_sees_consumer_leave(0);
}

Test(process, blocked_producer_sees_closed_consumer, .timeout = 30)
{
    producer_sees_consumer_leave(1);
}

/* ------------------------------------------------------------------------ */
/* two producers on one CPU; one is stopped or killed mid-send              */
/* ------------------------------------------------------------------------ */

struct victim_arg {
    cosmosb_pipe_t *c;
    int stop_with_reservation; /* reserve, half-write, SIGSTOP ourselves */
    struct barrier *bar;
};

static int victim(void *a)
{
    struct victim_arg *va = a;
    CHILD_CHECK(pin_one_cpu() >= 0);
    cosmosb_pipe_t *p = child_attach(va->c);
    barrier_child(va->bar);
    uint8_t msg[32];
    if (va->stop_with_reservation) {
        for (uint64_t i = 0; i < 10; i++) {
            tu_fill(msg, tu_len(i, 32), 1, i);
            CHILD_CHECK_RC(cosmosb_pipe_send(p, i, msg, tu_len(i, 32), 0, FOREVER), COSMOSB_OK);
        }
        cosmosb_slot_t s;
        CHILD_CHECK_RC(cosmosb_pipe_reserve(p, 0, FOREVER, &s), COSMOSB_OK);
        memset(s.data, 0xEE, 8);
        raise(SIGSTOP);
        return 9; /* never reached: we are killed while stopped */
    }
    /* tight loop until killed, alternating send and reserve/commit */
    for (uint64_t i = 0;; i++) {
        uint32_t len = tu_len(i, 32);
        if (i & 1) {
            cosmosb_slot_t s;
            CHILD_CHECK_RC(cosmosb_pipe_reserve(p, 0, FOREVER, &s), COSMOSB_OK);
            tu_fill(s.data, len, 1, i);
            CHILD_CHECK_RC(cosmosb_pipe_commit(p, &s, i, len), COSMOSB_OK);
        } else {
            tu_fill(msg, len, 1, i);
            CHILD_CHECK_RC(cosmosb_pipe_send(p, i, msg, len, 0, FOREVER), COSMOSB_OK);
        }
    }
    return 0;
}

static int survivor(void *a)
{
    struct mpsc_arg *ma = a;
    CHILD_CHECK(pin_one_cpu() >= 0);
    cosmosb_pipe_t *p = child_attach(ma->c);
    barrier_child(ma->bar);
    uint8_t msg[32];
    for (uint64_t i = 0; i < ma->n; i++) {
        uint32_t len = tu_len(i, 32);
        tu_fill(msg, len, 0, i);
        CHILD_CHECK_RC(cosmosb_pipe_send(p, i, msg, len, 0, FOREVER), COSMOSB_OK);
    }
    cosmosb_pipe_close(p);
    return 0;
}

/* Receives one message (FOREVER); returns the producer (0 survivor, 1 victim) or -1 when gone. */
static int recv_pinned(cosmosb_pipe_t *c, uint64_t *next)
{
    uint8_t buf[32];
    cosmosb_msg_info_t info;
    int rc = cosmosb_pipe_recv(c, buf, sizeof buf, &info, FOREVER);
    if (rc == COSMOSB_EPEERDEAD || rc == COSMOSB_ECLOSED)
        return -1;
    ASSERT_RC(rc, COSMOSB_OK);
    uint32_t who;
    uint64_t seq;
    cr_assert(tu_check(buf, info.len, &who, &seq), "damaged or half-written message (len %u)",
              info.len);
    cr_assert_lt(who, 2u);
    cr_assert_eq(info.len, tu_len(seq, 32));
    cr_assert_eq(seq, next[who], "producer %u: got %llu, expected %llu", who, (unsigned long long)seq,
                 (unsigned long long)next[who]);
    next[who]++;
    return (int)who;
}

Test(process, producer_killed_mid_send_on_shared_cpu, .timeout = 120)
{
    const uint64_t N = tu_scale(300000);
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_MPSC, 64, 32, 2);
    struct barrier bar;
    barrier_init(&bar);
    struct victim_arg va = {c, 0, &bar};
    struct mpsc_arg sa = {c, 0, N, 0, 1, &bar};
    pid_t v = tu_fork(victim, &va, 110);
    pid_t s = tu_fork(survivor, &sa, 110);
    cr_assert(v > 0 && s > 0);
    barrier_parent(&bar, 2);
    uint64_t seed = (uint64_t)getpid() * 2654435761u + tu_now_ns();
    uint64_t kill_at = 1000 + tu_rand(&seed) % 20000;
    uint64_t next[2] = {0, 0};
    int killed = 0;
    alarm(100); /* hang guard: the consumer must never stall */
    for (;;) {
        int who = recv_pinned(c, next);
        if (who < 0)
            break;
        if (!killed && next[1] >= kill_at) {
            kill(v, SIGKILL); /* somewhere in its tight loop: maybe mid-reserve */
            killed = 1;
        }
    }
    alarm(0);
    cr_assert(killed, "the victim sent only %llu messages", (unsigned long long)next[1]);
    cr_assert_eq(next[0], N, "survivor: %llu of %llu delivered", (unsigned long long)next[0],
                 (unsigned long long)N);
    cr_assert_geq(next[1], kill_at);
    int st = tu_wait(v);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "victim status 0x%x", st);
    cr_assert(tu_wait_ok(s));
    cosmosb_pipe_close(c);
}

Test(process, stopped_producer_with_reservation_does_not_stall_others, .timeout = 120)
{
    const uint64_t N = tu_scale(300000);
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_MPSC, 64, 32, 2);
    struct victim_arg va = {c, 1, NULL};
    pid_t v = tu_fork(victim, &va, 110);
    cr_assert_gt(v, 0);
    int st = 0;
    cr_assert_eq(waitpid(v, &st, WUNTRACED), v);
    cr_assert(WIFSTOPPED(st), "victim did not stop (status 0x%x)", st);
    /* the victim holds a reservation and is not running; the survivor shares its CPU */
    struct mpsc_arg sa = {c, 0, N, 0, 1, NULL};
    pid_t s = tu_fork(survivor, &sa, 110);
    cr_assert_gt(s, 0);
    uint64_t next[2] = {0, 0};
    alarm(100);
    while (next[0] < N || next[1] < 10)
        cr_assert_geq(recv_pinned(c, next), 0);
    alarm(0);
    cr_assert(tu_wait_ok(s));
    /* nothing more: the uncommitted slot never shows up */
    uint8_t buf[32];
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, NULL, 0), COSMOSB_EAGAIN);
    kill(v, SIGKILL);
    st = tu_wait(v);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    alarm(3);
    int rc = cosmosb_pipe_recv(c, buf, sizeof buf, NULL, FOREVER);
    alarm(0);
    cr_assert(rc == COSMOSB_EPEERDEAD || rc == COSMOSB_ECLOSED, "after both left: %s",
              cosmosb_err_name(rc));
    cr_assert_eq(next[1], 10u);
    cosmosb_pipe_close(c);
}

/* ------------------------------------------------------------------------ */
/* an exec'd peer                                                           */
/* ------------------------------------------------------------------------ */

static pid_t spawn_peer(const char *mode, int fd, uint64_t count)
{
    char fds[16], counts[32];
    snprintf(fds, sizeof fds, "%d", fd);
    snprintf(counts, sizeof counts, "%llu", (unsigned long long)count);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* keep exactly this descriptor across exec */
        int fl = fcntl(fd, F_GETFD);
        if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) != 0)
            _exit(126);
        execl(COSMOSB_TEST_PEER_PATH, "cosmosb_test_peer", mode, fds, counts, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void run_socket_peer(const char *mode)
{
    const uint64_t N = tu_scale(200000);
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_SPSC, 128, 64, 1);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    pid_t pid = spawn_peer(mode, sv[1], N);
    cr_assert_gt(pid, 0);
    close(sv[1]);
    ASSERT_RC(cosmosb_pipe_share(c, sv[0]), COSMOSB_OK);
    /* the peer acknowledges with a descriptor; the kernel tells us who it is */
    int ack = -1;
    uint32_t n = 0, tag = 0;
    cosmosb_peer_cred_t cred;
    ASSERT_RC(cosmosb_fd_recv(sv[0], &ack, 1, &n, &tag, &cred), COSMOSB_OK);
    cr_assert_eq(n, 1u);
    cr_assert_eq(tag, (uint32_t)pid);
    cr_assert_eq(cred.pid, (int32_t)pid, "credentials say pid %d, the peer is %d", cred.pid, (int)pid);
    cr_assert_eq(cred.uid, (uint32_t)getuid());
    cr_assert_eq(cred.gid, (uint32_t)getgid());
    close(ack);
    for (uint64_t i = 0; i < N; i++)
        expect_filled(c, 7, i, 64);
    uint8_t buf[64];
    int die = strcmp(mode, "die") == 0;
    alarm(5);
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, NULL, FOREVER),
              die ? COSMOSB_EPEERDEAD : COSMOSB_ECLOSED);
    alarm(0);
    int st = tu_wait(pid);
    if (die)
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "peer status 0x%x", st);
    else
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "peer status 0x%x", st);
    close(sv[0]);
    cosmosb_pipe_close(c);
}

Test(process, execd_peer_over_unix_socket, .timeout = 120)
{
    run_socket_peer("socket");
}

Test(process, execd_peer_dies_after_sending, .timeout = 120)
{
    run_socket_peer("die");
}

Test(process, execd_peer_by_inheritance, .timeout = 120)
{
    const uint64_t N = tu_scale(100000);
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_SPSC, 128, 64, 1);
    int fd = fcntl(cosmosb_pipe_fd(c), F_DUPFD_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    pid_t pid = spawn_peer("inherit", fd, N);
    cr_assert_gt(pid, 0);
    close(fd);
    for (uint64_t i = 0; i < N; i++)
        expect_filled(c, 7, i, 64);
    uint8_t buf[64];
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, NULL, FOREVER), COSMOSB_ECLOSED);
    cr_assert(tu_wait_ok(pid));
    cosmosb_pipe_close(c);
}

/* ------------------------------------------------------------------------ */
/* producer slots: concurrent attach, churn, reaping of the dead            */
/* ------------------------------------------------------------------------ */

struct racer_arg {
    cosmosb_pipe_t *c;
    int go;        /* read end: wait for the start signal */
    int done;      /* read end: hold the slot until the parent closes it */
    int close1, close2; /* the parent's write ends, closed in the child */
};

static int attach_racer(void *a)
{
    struct racer_arg *ra = a;
    close(ra->close1);
    close(ra->close2);
    char b;
    CHILD_CHECK(read(ra->go, &b, 1) == 1);
    cosmosb_pipe_t *p = NULL;
    int rc = cosmosb_pipe_attach(cosmosb_pipe_fd(ra->c), -1, &p);
    if (rc == COSMOSB_EBUSY)
        return 10;
    CHILD_CHECK_RC(rc, COSMOSB_OK);
    uint64_t me = (uint64_t)getpid();
    CHILD_CHECK_RC(cosmosb_pipe_send(p, me, &me, 8, 0, FOREVER), COSMOSB_OK);
    CHILD_CHECK(read(ra->done, &b, 1) >= 0); /* EOF when the parent is done */
    cosmosb_pipe_close(p);
    return 0;
}

Test(process, concurrent_attach_takes_each_slot_once, .timeout = 60)
{
    enum { SLOTS = 4, RACERS = 10 };
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_MPSC, 8, 8, SLOTS);
    int go[2], done[2];
    cr_assert_eq(pipe(go), 0);
    cr_assert_eq(pipe(done), 0);
    struct racer_arg a = {c, go[0], done[0], go[1], done[1]};
    pid_t pid[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pid[i] = tu_fork(attach_racer, &a, 50);
        cr_assert_gt(pid[i], 0);
    }
    cr_assert_eq(write(go[1], "gggggggggg", RACERS), RACERS);
    /* exactly SLOTS of them get in, each with its own producer index */
    uint32_t seen_index[SLOTS];
    uint64_t seen_pid[SLOTS];
    for (int k = 0; k < SLOTS; k++) {
        uint64_t v;
        cosmosb_msg_info_t info;
        ASSERT_RC(cosmosb_pipe_recv(c, &v, 8, &info, FOREVER), COSMOSB_OK);
        seen_index[k] = info.producer;
        seen_pid[k] = v;
        for (int j = 0; j < k; j++) {
            cr_assert_neq(seen_index[j], info.producer, "two producers share slot %u", info.producer);
            cr_assert_neq(seen_pid[j], v);
        }
    }
    close(done[1]); /* the winners close */
    int winners = 0, busy = 0;
    for (int i = 0; i < RACERS; i++) {
        int st = tu_wait(pid[i]);
        cr_assert(WIFEXITED(st), "racer status 0x%x", st);
        if (WEXITSTATUS(st) == 0)
            winners++;
        else if (WEXITSTATUS(st) == 10)
            busy++;
        else
            cr_assert(0, "racer exited with %d", WEXITSTATUS(st));
    }
    cr_assert_eq(winners, SLOTS);
    cr_assert_eq(busy, RACERS - SLOTS);
    uint64_t v;
    ASSERT_RC(cosmosb_pipe_recv(c, &v, 8, NULL, FOREVER), COSMOSB_ECLOSED);
    close(go[0]);
    close(go[1]);
    close(done[0]);
    cosmosb_pipe_close(c);
}

struct churn_arg {
    cosmosb_pipe_t *c;
    uint32_t who;
    int rounds;
    int per_round;
    int die_each_round; /* SIGKILL the attached process at the end of each round */
};

/* One round in a grandchild so that it can die; the child retries attach on EBUSY. */
static int churn_round(struct churn_arg *ca, int round)
{
    cosmosb_pipe_t *p = NULL;
    uint64_t t0 = tu_now_ns();
    int rc;
    while ((rc = cosmosb_pipe_attach(cosmosb_pipe_fd(ca->c), -1, &p)) == COSMOSB_EBUSY) {
        CHILD_CHECK(tu_now_ns() - t0 < 20000000000ull); /* a slot must come back */
        tu_sleep_ms(1);
    }
    CHILD_CHECK_RC(rc, COSMOSB_OK);
    for (int i = 0; i < ca->per_round; i++) {
        uint8_t msg[32];
        uint64_t seq = (uint64_t)round * (uint64_t)ca->per_round + (uint64_t)i;
        tu_fill(msg, 24, ca->who, seq);
        CHILD_CHECK_RC(cosmosb_pipe_send(p, seq, msg, 24, 0, FOREVER), COSMOSB_OK);
    }
    if (ca->die_each_round)
        raise(SIGKILL);
    cosmosb_pipe_close(p);
    return 0;
}

static int churner(void *a)
{
    struct churn_arg *ca = a;
    for (int r = 0; r < ca->rounds; r++) {
        fflush(NULL);
        pid_t g = fork();
        CHILD_CHECK(g >= 0);
        if (g == 0)
            _exit(churn_round(ca, r));
        int st = tu_wait(g);
        if (ca->die_each_round)
            CHILD_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        else
            CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    return 0;
}

static void churn(int die_each_round)
{
    enum { NP = 3, SLOTS = 2 };
    const int rounds = die_each_round ? 6 : 30, per = 50;
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_MPSC, 16, 32, SLOTS);
    struct churn_arg a[NP];
    pid_t pid[NP];
    for (int i = 0; i < NP; i++) {
        a[i] = (struct churn_arg){c, (uint32_t)i, rounds, per, die_each_round};
        pid[i] = tu_fork(churner, &a[i], 110);
        cr_assert_gt(pid[i], 0);
    }
    uint64_t next[NP] = {0};
    uint64_t total = 0, want = (uint64_t)NP * (uint64_t)rounds * (uint64_t)per;
    uint64_t t0 = tu_now_ns();
    while (total < want) {
        uint8_t buf[32];
        cosmosb_msg_info_t info;
        /* bounded waits: between rounds nobody may be attached (ECLOSED / EPEERDEAD
         * are then the right answers); the consumer must reap dead producers so their
         * slots come back (see short_waits_still_notice_dead_producer for waits
         * shorter than the liveness period) */
        int rc = cosmosb_pipe_recv(c, buf, sizeof buf, &info, 500000000ull);
        if (rc == COSMOSB_ETIMEDOUT || rc == COSMOSB_ECLOSED || rc == COSMOSB_EPEERDEAD ||
            rc == COSMOSB_EAGAIN) {
            cr_assert_lt(tu_now_ns() - t0, 90000000000ull, "stalled at %llu of %llu",
                         (unsigned long long)total, (unsigned long long)want);
            if (rc != COSMOSB_ETIMEDOUT)
                tu_sleep_ms(1);
            continue;
        }
        ASSERT_RC(rc, COSMOSB_OK);
        uint32_t who;
        uint64_t seq;
        cr_assert(tu_check(buf, info.len, &who, &seq), "damaged message");
        cr_assert_lt(who, (uint32_t)NP);
        cr_assert_lt(info.producer, (uint32_t)SLOTS);
        cr_assert_eq(seq, next[who], "producer %u: got %llu, expected %llu", who,
                     (unsigned long long)seq, (unsigned long long)next[who]);
        next[who]++;
        total++;
    }
    for (int i = 0; i < NP; i++)
        cr_assert(tu_wait_ok(pid[i]));
    cosmosb_pipe_stats_t st;
    ASSERT_RC(cosmosb_pipe_stats(c, &st), COSMOSB_OK);
    cr_assert_geq(st.producers_reaped, (uint32_t)(NP * rounds - SLOTS));
    cosmosb_pipe_close(c);
}

Test(process, producer_churn_reuses_slots, .timeout = 120)
{
    churn(0);
}

Test(process, killed_producers_slots_are_reaped, .timeout = 120)
{
    churn(1);
}

struct late_arg {
    cosmosb_pipe_t *c;
    unsigned delay_ms;
    int hold;      /* read end: stay attached until EOF */
    int hold_peer; /* the parent's write end, closed in the child */
};

static int late_sender(void *a)
{
    struct late_arg *la = a;
    close(la->hold_peer);
    if (la->hold >= 0) { /* the idle producer: attach and hold */
        cosmosb_pipe_t *p = child_attach(la->c);
        char b;
        CHILD_CHECK(read(la->hold, &b, 1) >= 0);
        cosmosb_pipe_close(p);
        return 0;
    }
    tu_sleep_ms(la->delay_ms);
    cosmosb_pipe_t *p = child_attach(la->c);
    uint64_t v = 4242;
    CHILD_CHECK_RC(cosmosb_pipe_send(p, v, &v, 8, 0, FOREVER), COSMOSB_OK);
    cosmosb_pipe_close(p);
    return 0;
}

Test(process, sleeping_consumer_sees_late_producer, .timeout = 30)
{
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_MPSC, 8, 8, 4);
    ASSERT_RC(cosmosb_pipe_set_spin_ns(c, 0), COSMOSB_OK);
    int hold[2];
    cr_assert_eq(pipe(hold), 0);
    struct late_arg idle = {c, 0, hold[0], hold[1]};
    pid_t pi = tu_fork(late_sender, &idle, 25);
    while (cosmosb_pipe_check_peer(c) == COSMOSB_EAGAIN)
        tu_sleep_ms(1);
    struct late_arg late = {c, 150, -1, hold[1]};
    pid_t pl = tu_fork(late_sender, &late, 25);
    alarm(10);
    uint64_t v = 0;
    ASSERT_RC(cosmosb_pipe_recv(c, &v, 8, NULL, FOREVER), COSMOSB_OK);
    alarm(0);
    cr_assert_eq(v, 4242u);
    cr_assert(tu_wait_ok(pl));
    close(hold[1]);
    cr_assert(tu_wait_ok(pi));
    close(hold[0]);
    cosmosb_pipe_close(c);
}

static int attach_then_die(void *a)
{
    cosmosb_pipe_t *p = child_attach(a);
    uint64_t v = 1;
    CHILD_CHECK_RC(cosmosb_pipe_send(p, v, &v, 8, 0, FOREVER), COSMOSB_OK);
    raise(SIGKILL);
    return 9;
}

Test(process, short_waits_still_notice_dead_producer, .timeout = 30)
{
    /* an event loop that receives with a 20 ms timeout, over and over */
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_SPSC, 8, 8, 1);
    pid_t pid = tu_fork(attach_then_die, c, 20);
    int st = tu_wait(pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    uint64_t v;
    ASSERT_RC(cosmosb_pipe_recv(c, &v, 8, NULL, FOREVER), COSMOSB_OK);
    uint64_t t0 = tu_now_ns();
    int rc;
    do {
        rc = cosmosb_pipe_recv(c, &v, 8, NULL, 20000000ull);
    } while (rc == COSMOSB_ETIMEDOUT && tu_now_ns() - t0 < 3000000000ull);
    cr_expect_eq(rc, COSMOSB_EPEERDEAD,
                 "repeated 20 ms receives on a pipe whose only producer is dead: %s after 3 s",
                 cosmosb_err_name(rc));
    /* the same with timeout 0 polling */
    cosmosb_pipe_t *c2 = mkpipe(COSMOSB_PIPE_SPSC, 8, 8, 1);
    pid = tu_fork(attach_then_die, c2, 20);
    st = tu_wait(pid);
    ASSERT_RC(cosmosb_pipe_recv(c2, &v, 8, NULL, FOREVER), COSMOSB_OK);
    t0 = tu_now_ns();
    do {
        rc = cosmosb_pipe_recv(c2, &v, 8, NULL, 0);
        if (rc == COSMOSB_EAGAIN)
            tu_sleep_ms(5);
    } while (rc == COSMOSB_EAGAIN && tu_now_ns() - t0 < 1000000000ull);
    /* timeout 0 is the no-syscall fast path: it may keep answering EAGAIN (the
     * header does not say it must look at liveness); report what it does */
    cr_log_info("polling with timeout 0 a pipe whose only producer is dead: %s after 1 s",
                cosmosb_err_name(rc));
    cr_assert(rc == COSMOSB_EPEERDEAD || rc == COSMOSB_EAGAIN, "%s", cosmosb_err_name(rc));
    /* check_peer (documented as making a system call) notices */
    ASSERT_RC(cosmosb_pipe_check_peer(c2), COSMOSB_EPEERDEAD);
    cosmosb_pipe_close(c2);
    cosmosb_pipe_close(c);
}

static int consumer_dies_at_once(void *a)
{
    struct owner_arg *oa = a;
    close(oa->other);
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 4;
    cosmosb_pipe_t *c = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_pipe_share(c, oa->sock), COSMOSB_OK);
    char b;
    CHILD_CHECK(read(oa->sock, &b, 1) == 1);
    raise(SIGKILL);
    return 9;
}

Test(process, short_waits_still_notice_dead_consumer, .timeout = 30)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct owner_arg a = {sv[1], 0, sv[0]};
    pid_t pid = tu_fork(consumer_dies_at_once, &a, 20);
    close(sv[1]);
    cosmosb_pipe_t *p = NULL;
    ASSERT_RC(cosmosb_pipe_attach_socket(sv[0], &p, NULL), COSMOSB_OK);
    uint64_t v = 0;
    for (int i = 0; i < 4; i++)
        ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_OK);
    cr_assert_eq(write(sv[0], "F", 1), 1);
    int st = tu_wait(pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    /* a sender that retries with a 20 ms timeout, over and over */
    uint64_t t0 = tu_now_ns();
    int rc;
    do {
        rc = cosmosb_pipe_send(p, 1, &v, 8, 0, 20000000ull);
    } while (rc == COSMOSB_ETIMEDOUT && tu_now_ns() - t0 < 3000000000ull);
    cr_expect_eq(rc, COSMOSB_EPEERDEAD,
                 "repeated 20 ms sends to a full pipe whose consumer is dead: %s after 3 s",
                 cosmosb_err_name(rc));
    ASSERT_RC(cosmosb_pipe_check_peer(p), COSMOSB_EPEERDEAD);
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, FOREVER), COSMOSB_EPEERDEAD);
    cosmosb_pipe_close(p);
    close(sv[0]);
}

/* ------------------------------------------------------------------------ */
/* a dead peer is reported within a second (README)                         */
/* ------------------------------------------------------------------------ */

#include <pthread.h>

/* Kills pid after delay_ms, from a thread of the process that is blocked on the pipe. */
struct killer {
    pid_t pid;
    unsigned delay_ms;
    uint64_t t_kill;
};

static void *kill_later(void *a)
{
    struct killer *k = a;
    tu_sleep_ms(k->delay_ms);
    kill(k->pid, SIGKILL);
    k->t_kill = tu_now_ns();
    return NULL;
}

/* A producer in a child: attaches, says so, and waits to be killed. */
struct attach_wait_arg {
    int fds[2]; /* "attached" goes to fds[1] */
    const cosmosb_pipe_t *c;
};

static int attach_and_wait(void *a)
{
    struct attach_wait_arg *aw = a;
    (void)child_attach(aw->c);
    write_int(aw->fds[1], 1);
    for (;;)
        pause();
    return 0;
}

/* The call that reported the dead peer returned at t_ret: not before the kill, and less than a second after it. */
static void expect_reported_within_a_second(const struct killer *k, uint64_t t_ret, const char *what)
{
    cr_assert_neq(k->t_kill, 0u);
    cr_assert_geq(t_ret + 1000000ull, k->t_kill, "%s returned %.3f ms before the peer was killed", what,
                  (double)(k->t_kill - t_ret) / 1e6);
    uint64_t lat = t_ret > k->t_kill ? t_ret - k->t_kill : 0;
    cr_assert_lt(lat, 1000000000ull, "%s reported the killed peer %.3f ms after the kill (README: within a second)",
                 what, (double)lat / 1e6);
}

Test(process, blocked_receive_reports_a_killed_producer_within_a_second, .timeout = 30)
{
    cosmosb_pipe_t *c = mkpipe(COSMOSB_PIPE_SPSC, 16, 64, 1);
    struct attach_wait_arg arg;
    cr_assert_eq(pipe(arg.fds), 0);
    arg.c = c;
    pid_t pid = tu_fork(attach_and_wait, &arg, 20);
    cr_assert_gt(pid, 0);
    cr_assert_eq(read_int(arg.fds[0]), 1, "the producer did not attach");
    struct killer k = {pid, 300, 0};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, kill_later, &k), 0);
    alarm(10); /* hang guard */
    uint8_t buf[64];
    int rc = cosmosb_pipe_recv(c, buf, sizeof buf, NULL, FOREVER);
    uint64_t t_ret = tu_now_ns();
    alarm(0);
    cr_assert_eq(pthread_join(th, NULL), 0);
    ASSERT_RC(rc, COSMOSB_EPEERDEAD);
    expect_reported_within_a_second(&k, t_ret, "a receive blocked forever");
    int st = tu_wait(pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status 0x%x", st);
    close(arg.fds[0]);
    close(arg.fds[1]);
    cosmosb_pipe_close(c);
}

/* A consumer in a child: shares a pipe of 4 slots and waits to be killed. */
static int share_and_wait(void *a)
{
    struct owner_arg *oa = a;
    close(oa->other);
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 4;
    cosmosb_pipe_t *c = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_pipe_share(c, oa->sock), COSMOSB_OK);
    for (;;)
        pause();
    return 0;
}

Test(process, blocked_send_reports_a_killed_consumer_within_a_second, .timeout = 30)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct owner_arg a = {sv[1], 0, sv[0]};
    pid_t pid = tu_fork(share_and_wait, &a, 20);
    cr_assert_gt(pid, 0);
    close(sv[1]);
    cosmosb_pipe_t *p = NULL;
    ASSERT_RC(cosmosb_pipe_attach_socket(sv[0], &p, NULL), COSMOSB_OK);
    uint64_t v = 0;
    for (int i = 0; i < 4; i++)
        ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_EFULL);
    struct killer k = {pid, 300, 0};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, kill_later, &k), 0);
    alarm(10); /* hang guard */
    int rc = cosmosb_pipe_send(p, 1, &v, 8, 0, FOREVER);
    uint64_t t_ret = tu_now_ns();
    alarm(0);
    cr_assert_eq(pthread_join(th, NULL), 0);
    ASSERT_RC(rc, COSMOSB_EPEERDEAD);
    expect_reported_within_a_second(&k, t_ret, "a send blocked forever");
    int st = tu_wait(pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status 0x%x", st);
    cosmosb_pipe_close(p);
    close(sv[0]);
}

/*
 * test_typed_process.c - typed messages between real processes: a forked
 * sender and a forked receiver, an exec'd peer in both roles (it gets its
 * pipe over a UNIX socket), derived messages to base-only receivers in the
 * other process, the pump skipping a receiver whose sender died, and the pump
 * asleep in the Linux wait set hook woken by a message from another process.
 *
 * Children never use Criterion assertions: they check with CHILD_CHECK and
 * _exit; the parent asserts on their exit status.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"
#include "test_typed_stream.h"

#ifndef COSMOSB_TEST_TYPED_PEER_PATH
#error "COSMOSB_TEST_TYPED_PEER_PATH must name the cosmosb_test_typed_peer executable"
#endif

#define FOREVER COSMOSB_TIMEOUT_FOREVER
#define SEC 1000000000ull

static cosmosb_pipe_t *mkpipe(uint32_t cap, uint32_t slot)
{
    cosmosb_pipe_config_t cfg;
    ASSERT_RC(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.capacity = cap;
    cfg.slot_size = slot;
    cosmosb_pipe_t *c = NULL;
    ASSERT_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    return c;
}

static cosmosb_receiver_t *mkreceiver(cosmosb_pipe_t *c, uint32_t trust, void **mem)
{
    cosmosb_receiver_config_t cfg;
    ASSERT_RC(cosmosb_receiver_config_init(&cfg), COSMOSB_OK);
    cfg.trust = trust;
    size_t sz = cosmosb_receiver_memsize(&cfg);
    *mem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    cosmosb_receiver_t *rx = NULL;
    ASSERT_RC(cosmosb_receiver_init(*mem, sz, c, &cfg, &rx), COSMOSB_OK);
    return rx;
}

/* Receives messages 0..n-1 of the stream (the invalid ones are rejected on the way), then the end. */
static void receive_stream(cosmosb_receiver_t *rx, uint64_t n, int end_rc)
{
    for (size_t k = 0; k < TSTREAM_NACCEPTED; k++)
        ASSERT_RC(cosmosb_receiver_accept(rx, tstream_accepted[k], NULL, NULL), COSMOSB_OK);
    uint64_t i = 0;
    for (;;) {
        cosmosb_typed_msg_t msg;
        int rc = cosmosb_receiver_recv(rx, &msg, 30 * SEC);
        if (rc != COSMOSB_OK) {
            ASSERT_RC(rc, end_rc);
            break;
        }
        while (tstream_bad(i))
            i++;
        cr_assert_lt(i, n);
        int line = tstream_check(i, &msg);
        cr_assert_eq(line, 0, "message %llu (%s, delivered as %s) wrong: test_typed_stream.h:%d",
                     (unsigned long long)i, tstream_type(i)->name, msg.schema->name, line);
        ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
        i++;
    }
    uint64_t anc, bad;
    tstream_expect(n, &anc, &bad);
    cosmosb_receiver_stats_t st;
    ASSERT_RC(cosmosb_receiver_stats(rx, &st), COSMOSB_OK);
    cr_assert_eq(st.delivered, n - bad, "delivered %llu of %llu", (unsigned long long)st.delivered,
                 (unsigned long long)(n - bad));
    cr_assert_eq(st.rejected_total, bad);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_BOOL], bad);
    cr_assert_eq(st.delivered_as_ancestor, anc);
    cr_assert_gt(anc, 0u);
}

/* ------------------------------------------------------------------------- */
/* Forked peers                                                              */
/* ------------------------------------------------------------------------- */

struct sender_arg {
    int fd, efd;
    uint64_t n;
};

static int fork_sender(void *p)
{
    struct sender_arg *a = p;
    cosmosb_pipe_t *tx = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_attach(a->fd, a->efd, &tx), COSMOSB_OK);
    _Alignas(8) uint8_t buf[1024];
    cosmosb_typed_tag_t tags[TSTREAM_NTYPES];
    for (size_t k = 0; k < TSTREAM_NTYPES; k++)
        CHILD_CHECK_RC(cosmosb_typed_tag_init(tstream_types[k], &tags[k]), COSMOSB_OK);
    for (uint64_t i = 0; i < a->n; i++) {
        tstream_fill(i, buf);
        const cosmosb_schema_t *t = tstream_type(i);
        if (i & 1) {
            CHILD_CHECK_RC(cosmosb_typed_send(tx, t, buf, 0, FOREVER), COSMOSB_OK);
        } else {
            size_t k = 0;
            while (tstream_types[k] != t)
                k++;
            CHILD_CHECK_RC(cosmosb_typed_send_tagged(tx, &tags[k], buf, 0, FOREVER), COSMOSB_OK);
        }
    }
    cosmosb_pipe_close(tx);
    return 0;
}

static void forked_sender(uint32_t trust)
{
    const uint64_t n = tu_scale(50000);
    cosmosb_pipe_t *c = mkpipe(64, 512);
    void *mem;
    cosmosb_receiver_t *rx = mkreceiver(c, trust, &mem);
    struct sender_arg a = {cosmosb_pipe_fd(c), cosmosb_pipe_eventfd(c), n};
    pid_t pid = tu_fork(fork_sender, &a, 120);
    cr_assert_gt(pid, 0);
    receive_stream(rx, n, COSMOSB_ECLOSED);
    cr_assert(tu_wait_ok(pid));
    cosmosb_pipe_close(c);
    free(mem);
}

Test(typed_process, forked_sender_base_only_receiver_copy, .timeout = 120)
{
    forked_sender(COSMOSB_TRUST_COPY);
}

Test(typed_process, forked_sender_base_only_receiver_in_place, .timeout = 120)
{
    forked_sender(COSMOSB_TRUST_IN_PLACE);
}

struct receiver_arg {
    int sock;
    uint64_t n;
    uint32_t trust;
};

/* The receiver in the child: it creates the pipe and shares it with the parent. */
static int fork_receiver(void *p)
{
    struct receiver_arg *a = p;
    cosmosb_pipe_t *c = NULL;
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 16;
    cfg.slot_size = 512;
    CHILD_CHECK_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_pipe_share(c, a->sock), COSMOSB_OK);
    cosmosb_receiver_config_t rcfg;
    cosmosb_receiver_config_init(&rcfg);
    rcfg.trust = a->trust;
    size_t sz = cosmosb_receiver_memsize(&rcfg);
    void *mem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    cosmosb_receiver_t *rx = NULL;
    CHILD_CHECK_RC(cosmosb_receiver_init(mem, sz, c, &rcfg, &rx), COSMOSB_OK);
    /* only demo.Order: every demo.LimitOrder arrives as it */
    CHILD_CHECK_RC(cosmosb_receiver_accept(rx, &demo_order_schema, NULL, NULL), COSMOSB_OK);
    for (uint64_t i = 0; i < a->n; i++) {
        cosmosb_typed_msg_t msg;
        CHILD_CHECK_RC(cosmosb_receiver_recv(rx, &msg, 30 * SEC), COSMOSB_OK);
        const demo_order *o = msg.data;
        CHILD_CHECK(msg.schema == &demo_order_schema);
        CHILD_CHECK(msg.type_id == cosmosb_schema_type_id(&demo_limit_order_schema));
        CHILD_CHECK(msg.len == sizeof(demo_limit_order));
        CHILD_CHECK(o->id == i);
        CHILD_CHECK(o->side == (int32_t)(i & 1));
        CHILD_CHECK(o->urgent <= 1);
        CHILD_CHECK(strcmp(o->symbol, "XYZ") == 0);
        CHILD_CHECK(msg.in_place == (a->trust == COSMOSB_TRUST_IN_PLACE ? 1u : 0u));
        CHILD_CHECK_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    }
    cosmosb_typed_msg_t msg;
    CHILD_CHECK_RC(cosmosb_receiver_recv(rx, &msg, 30 * SEC), COSMOSB_ECLOSED);
    cosmosb_receiver_stats_t st;
    CHILD_CHECK_RC(cosmosb_receiver_stats(rx, &st), COSMOSB_OK);
    CHILD_CHECK(st.delivered == a->n);
    CHILD_CHECK(st.delivered_as_ancestor == a->n);
    CHILD_CHECK(st.rejected_total == a->n / 10u);
    CHILD_CHECK(st.rejected[COSMOSB_REJECT_ENUM] == a->n / 10u);
    cosmosb_pipe_close(c);
    free(mem);
    return 0;
}

static void forked_receiver(uint32_t trust)
{
    const uint64_t n = tu_scale(20000);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct receiver_arg a = {sv[1], n, trust};
    pid_t pid = tu_fork(fork_receiver, &a, 120);
    cr_assert_gt(pid, 0);
    close(sv[1]);
    cosmosb_pipe_t *tx = NULL;
    cosmosb_peer_cred_t cred;
    ASSERT_RC(cosmosb_pipe_attach_socket(sv[0], &tx, &cred), COSMOSB_OK);
    cr_assert_eq(cred.pid, (int32_t)pid);
    demo_limit_order lo;
    memset(&lo, 0, sizeof lo);
    strcpy(lo.base.symbol, "XYZ");
    for (uint64_t i = 0; i < n; i++) {
        lo.base.id = i;
        lo.base.side = (int32_t)(i & 1);
        lo.base.urgent = (uint8_t)((i >> 1) & 1);
        lo.limit = (double)i;
        ASSERT_RC(cosmosb_typed_send(tx, &demo_limit_order_schema, &lo, 0, FOREVER), COSMOSB_OK);
        if (i % 10 == 9) { /* an invalid one in between: never delivered */
            demo_limit_order bad = lo;
            bad.base.side = 5;
            ASSERT_RC(cosmosb_typed_send(tx, &demo_limit_order_schema, &bad, 0, FOREVER), COSMOSB_OK);
        }
    }
    cosmosb_pipe_close(tx);
    cr_assert(tu_wait_ok(pid), "the receiving process found a wrong message");
    close(sv[0]);
}

Test(typed_process, forked_receiver_gets_derived_as_base_copy, .timeout = 120)
{
    forked_receiver(COSMOSB_TRUST_COPY);
}

Test(typed_process, forked_receiver_gets_derived_as_base_in_place, .timeout = 120)
{
    forked_receiver(COSMOSB_TRUST_IN_PLACE);
}

/* ------------------------------------------------------------------------- */
/* An exec'd peer                                                            */
/* ------------------------------------------------------------------------- */

static pid_t spawn_peer(const char *mode, int fd, uint64_t count, const char *trust)
{
    char fds[16], counts[32];
    snprintf(fds, sizeof fds, "%d", fd);
    snprintf(counts, sizeof counts, "%llu", (unsigned long long)count);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fl = fcntl(fd, F_GETFD);
        if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) != 0)
            _exit(126);
        execl(COSMOSB_TEST_TYPED_PEER_PATH, "cosmosb_test_typed_peer", mode, fds, counts, trust, (char *)NULL);
        _exit(127);
    }
    return pid;
}

Test(typed_process, execd_peer_sends_stream_to_base_only_receiver, .timeout = 120)
{
    const uint64_t n = tu_scale(30000);
    cosmosb_pipe_t *c = mkpipe(64, 512);
    void *mem;
    cosmosb_receiver_t *rx = mkreceiver(c, COSMOSB_TRUST_COPY, &mem);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    pid_t pid = spawn_peer("send", sv[1], n, "copy");
    cr_assert_gt(pid, 0);
    close(sv[1]);
    ASSERT_RC(cosmosb_pipe_share(c, sv[0]), COSMOSB_OK);
    receive_stream(rx, n, COSMOSB_ECLOSED);
    int st = tu_wait(pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "peer status 0x%x", st);
    close(sv[0]);
    cosmosb_pipe_close(c);
    free(mem);
}

static void execd_receiver(const char *trust)
{
    const uint64_t n = tu_scale(30000);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    pid_t pid = spawn_peer("recv", sv[1], n, trust);
    cr_assert_gt(pid, 0);
    close(sv[1]);
    cosmosb_pipe_t *tx = NULL;
    cosmosb_peer_cred_t cred;
    ASSERT_RC(cosmosb_pipe_attach_socket(sv[0], &tx, &cred), COSMOSB_OK);
    cr_assert_eq(cred.pid, (int32_t)pid);
    _Alignas(8) uint8_t buf[1024];
    for (uint64_t i = 0; i < n; i++) {
        tstream_fill(i, buf);
        ASSERT_RC(cosmosb_typed_send(tx, tstream_type(i), buf, 0, FOREVER), COSMOSB_OK);
    }
    cosmosb_pipe_close(tx);
    int st = tu_wait(pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "peer status 0x%x", st);
    close(sv[0]);
}

Test(typed_process, execd_peer_receives_stream_as_bases_copy, .timeout = 120)
{
    execd_receiver("copy");
}

Test(typed_process, execd_peer_receives_stream_as_bases_in_place, .timeout = 120)
{
    execd_receiver("inplace");
}

/* ------------------------------------------------------------------------- */
/* The pump across processes                                                 */
/* ------------------------------------------------------------------------- */

struct ptrace {
    uint32_t n;
    uint32_t val[256];
    char who[256];
};

struct pctx {
    struct ptrace *tr;
    char tag;
};

static void on_d0(void *ctx, cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg)
{
    (void)rx;
    struct pctx *p = ctx;
    if (p->tr->n < 256) {
        p->tr->val[p->tr->n] = ((const ts_d0 *)msg->data)->id;
        p->tr->who[p->tr->n] = p->tag;
    }
    p->tr->n++;
}

struct die_arg {
    int fd, efd;
    uint32_t n;
};

static int send_and_die(void *p)
{
    struct die_arg *a = p;
    cosmosb_pipe_t *tx = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_attach(a->fd, a->efd, &tx), COSMOSB_OK);
    for (uint32_t i = 0; i < a->n; i++) {
        ts_d0 d = {1000 + i, 1};
        CHILD_CHECK_RC(cosmosb_typed_send(tx, &ts_d0_schema, &d, 0, FOREVER), COSMOSB_OK);
    }
    raise(SIGKILL);
    return 3;
}

/* Two pipes a and b, a copying receiver on each (handler on_d0, traced in tr), and a core pump over
 * both, a first (no wait hook). */
struct two_rx {
    cosmosb_pipe_t *ca, *cb;
    void *ma, *mb, *pmem;
    cosmosb_receiver_t *ra, *rb;
    struct ptrace tr;
    struct pctx pa, pb;
    cosmosb_pump_t *pump;
};

static void two_rx_open(struct two_rx *t)
{
    memset(t, 0, sizeof *t);
    t->ca = mkpipe(16, 128);
    t->cb = mkpipe(16, 128);
    t->ra = mkreceiver(t->ca, COSMOSB_TRUST_COPY, &t->ma);
    t->rb = mkreceiver(t->cb, COSMOSB_TRUST_COPY, &t->mb);
    t->pa = (struct pctx){&t->tr, 'a'};
    t->pb = (struct pctx){&t->tr, 'b'};
    ASSERT_RC(cosmosb_receiver_accept(t->ra, &ts_d0_schema, on_d0, &t->pa), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(t->rb, &ts_d0_schema, on_d0, &t->pb), COSMOSB_OK);
    size_t psz = cosmosb_pump_memsize(2);
    t->pmem = aligned_alloc(8, (psz + 7u) & ~(size_t)7u);
    ASSERT_RC(cosmosb_pump_init(t->pmem, psz, 2, &t->pump), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(t->pump, t->ra), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(t->pump, t->rb), COSMOSB_OK);
}

static void two_rx_close(struct two_rx *t)
{
    cosmosb_pipe_close(t->ca);
    cosmosb_pipe_close(t->cb);
    free(t->ma);
    free(t->mb);
    free(t->pmem);
}

Test(typed_process, pump_skips_a_receiver_whose_sender_died, .timeout = 120)
{
    struct two_rx t;
    two_rx_open(&t);
    cosmosb_pipe_t *ca = t.ca, *cb = t.cb;
    cosmosb_pump_t *pump = t.pump; /* a's receiver, the dying sender's, comes first */
    cosmosb_pipe_t *tb = NULL;
    ASSERT_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(cb), cosmosb_pipe_eventfd(cb), &tb), COSMOSB_OK);

    struct die_arg a = {cosmosb_pipe_fd(ca), cosmosb_pipe_eventfd(ca), 3};
    pid_t pid = tu_fork(send_and_die, &a, 60);
    cr_assert_gt(pid, 0);
    int st = tu_wait(pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status 0x%x", st);
    for (uint32_t i = 0; i < 5; i++) {
        ts_d0 d = {2000 + i, 0};
        ASSERT_RC(cosmosb_typed_send(tb, &ts_d0_schema, &d, 0, 0), COSMOSB_OK);
    }
    /* what the dead sender committed is still delivered, first (higher priority) */
    cr_assert_eq(cosmosb_pump_run(pump, 100, 0), 8);
    for (uint32_t i = 0; i < 8; i++) {
        cr_assert_eq(t.tr.val[i], i < 3 ? 1000 + i : 2000 + i - 3);
        cr_assert_eq(t.tr.who[i], i < 3 ? 'a' : 'b');
    }
    /* then the dead peer is reported, and the other receiver keeps being served */
    int rc = COSMOSB_EAGAIN;
    uint64_t end = tu_now_ns() + 10 * SEC;
    uint32_t served = 0;
    while (rc != COSMOSB_EPEERDEAD && tu_now_ns() < end) {
        ts_d0 d = {3000 + served, 1};
        ASSERT_RC(cosmosb_typed_send(tb, &ts_d0_schema, &d, 0, 0), COSMOSB_OK);
        cr_assert_eq(cosmosb_pump_run(pump, 10, 0), 1, "the live receiver was not served");
        cr_assert_eq(t.tr.val[t.tr.n - 1], 3000 + served);
        cr_assert_eq(t.tr.who[t.tr.n - 1], 'b');
        served++;
        rc = cosmosb_pump_run(pump, 10, 0);
        cr_assert(rc == COSMOSB_EAGAIN || rc == COSMOSB_EPEERDEAD, "pump: %s", cosmosb_err_name(rc));
        tu_sleep_ms(10);
    }
    ASSERT_RC(rc, COSMOSB_EPEERDEAD);
    for (uint32_t i = 0; i < 3; i++) {
        ts_d0 d = {4000 + i, 0};
        ASSERT_RC(cosmosb_typed_send(tb, &ts_d0_schema, &d, i == 1 ? COSMOSB_MSG_URGENT : 0, 0), COSMOSB_OK);
    }
    cr_assert_eq(cosmosb_pump_run(pump, 10, SEC), 3);
    cr_assert_eq(t.tr.val[t.tr.n - 3], 4001u); /* the urgent one first */
    cr_assert_eq(t.tr.val[t.tr.n - 2], 4000u);
    cr_assert_eq(t.tr.val[t.tr.n - 1], 4002u);
    /* with every sender gone, the pump reports an error instead of waiting */
    cosmosb_pipe_close(tb);
    rc = cosmosb_pump_run(pump, 10, 5 * SEC);
    cr_assert(rc == COSMOSB_EPEERDEAD || rc == COSMOSB_ECLOSED, "pump with no live sender: %s",
              cosmosb_err_name(rc));
    two_rx_close(&t);
}

/* Attaches, sends a->n messages and stays alive until killed. */
static int send_and_stay(void *p)
{
    struct die_arg *a = p;
    cosmosb_pipe_t *tx = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_attach(a->fd, a->efd, &tx), COSMOSB_OK);
    for (uint32_t i = 0; i < a->n; i++) {
        ts_d0 d = {1000 + i, 1};
        CHILD_CHECK_RC(cosmosb_typed_send(tx, &ts_d0_schema, &d, 0, FOREVER), COSMOSB_OK);
    }
    for (;;)
        pause();
    return 3;
}

/*
 * Review 19: a core pump with several receivers and no wait hook only ever
 * receives with timeout 0, which never looks at liveness: with every sender
 * killed it polled until its deadline (for ever without one). It now looks on
 * each pipe's schedule, and the death is reported.
 */
Test(typed_process, pump_without_a_wait_hook_reports_senders_that_died, .timeout = 120)
{
    struct two_rx t;
    two_rx_open(&t);
    cosmosb_pipe_t *ca = t.ca, *cb = t.cb;
    cosmosb_pump_t *pump = t.pump;
    struct die_arg da = {cosmosb_pipe_fd(ca), cosmosb_pipe_eventfd(ca), 1};
    struct die_arg db = {cosmosb_pipe_fd(cb), cosmosb_pipe_eventfd(cb), 1};
    pid_t ka = tu_fork(send_and_stay, &da, 60), kb = tu_fork(send_and_stay, &db, 60);
    cr_assert(ka > 0 && kb > 0);
    /* Both messages handled while their senders live (their pipes have seen them attach). */
    int got = 0;
    uint64_t end = tu_now_ns() + 10 * SEC;
    while (got < 2 && tu_now_ns() < end) {
        int rc = cosmosb_pump_run(pump, 10, SEC / 10);
        cr_assert(rc > 0 || rc == COSMOSB_ETIMEDOUT, "pump: %s", cosmosb_err_name(rc));
        got += rc > 0 ? rc : 0;
    }
    cr_assert_eq(got, 2);
    kill(ka, SIGKILL);
    kill(kb, SIGKILL);
    tu_wait(ka);
    tu_wait(kb);
    int rc = cosmosb_pump_run(pump, 10, 5 * SEC);
    cr_assert_eq(rc, COSMOSB_EPEERDEAD, "pump with every sender dead: %s", cosmosb_err_name(rc));
    two_rx_close(&t);
}

/* The wait hook: tells the child (once) that the pump is about to sleep, then sleeps in the wait set. */
struct hook_ctx {
    cosmosb_waitset_t *ws;
    int sock;
    int calls;
    int told;
};

static int waitset_hook(void *ctx, uint64_t timeout_ns)
{
    struct hook_ctx *h = ctx;
    h->calls++;
    if (!h->told) {
        char c = 'g';
        if (write(h->sock, &c, 1) != 1)
            return COSMOSB_EIO;
        h->told = 1;
    }
    return cosmosb_waitset_pump_wait(h->ws, timeout_ns);
}

struct late_arg {
    int fd, efd, sock;
};

static int late_sender(void *p)
{
    struct late_arg *a = p;
    cosmosb_pipe_t *tx = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_attach(a->fd, a->efd, &tx), COSMOSB_OK);
    char c;
    CHILD_CHECK(read(a->sock, &c, 1) == 1); /* the pump is going to sleep */
    ts_d0 d = {777, 1};
    CHILD_CHECK_RC(cosmosb_typed_send(tx, &ts_d0_schema, &d, 0, FOREVER), COSMOSB_OK);
    CHILD_CHECK(read(a->sock, &c, 1) == 1); /* stay attached until the parent is done */
    cosmosb_pipe_close(tx);
    return 0;
}

Test(typed_process, pump_sleeps_in_the_waitset_and_another_process_wakes_it, .timeout = 120)
{
    cosmosb_pipe_t *ca = mkpipe(16, 128), *cb = mkpipe(16, 128);
    void *ma, *mb;
    cosmosb_receiver_t *ra = mkreceiver(ca, COSMOSB_TRUST_COPY, &ma);
    cosmosb_receiver_t *rb = mkreceiver(cb, COSMOSB_TRUST_IN_PLACE, &mb);
    struct ptrace tr;
    memset(&tr, 0, sizeof tr);
    struct pctx pa = {&tr, 'a'}, pb = {&tr, 'b'};
    ASSERT_RC(cosmosb_receiver_accept(ra, &ts_d0_schema, on_d0, &pa), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rb, &ts_d0_schema, on_d0, &pb), COSMOSB_OK);
    cosmosb_pipe_t *ta = NULL; /* our own sender on A keeps it alive */
    ASSERT_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(ca), cosmosb_pipe_eventfd(ca), &ta), COSMOSB_OK);
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws, ca), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws, cb), COSMOSB_OK);
    size_t psz = cosmosb_pump_memsize(2);
    void *pmem = aligned_alloc(8, (psz + 7u) & ~(size_t)7u);
    cosmosb_pump_t *pump;
    ASSERT_RC(cosmosb_pump_init(pmem, psz, 2, &pump), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(pump, ra), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(pump, rb), COSMOSB_OK);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct hook_ctx h = {ws, sv[0], 0, 0};
    ASSERT_RC(cosmosb_pump_set_wait(pump, waitset_hook, &h), COSMOSB_OK);
    struct late_arg la = {cosmosb_pipe_fd(cb), cosmosb_pipe_eventfd(cb), sv[1]};
    pid_t pid = tu_fork(late_sender, &la, 60);
    cr_assert_gt(pid, 0);
    /* nothing is queued: the pump sleeps in the hook; the child sends only once told so */
    int rc = cosmosb_pump_run(pump, 1, 30 * SEC);
    cr_assert_eq(rc, 1, "pump: %s", rc < 0 ? cosmosb_err_name(rc) : "handled");
    cr_assert(h.told, "the pump never slept");
    cr_assert_geq(h.calls, 1);
    cr_assert_eq(tr.n, 1u);
    cr_assert_eq(tr.val[0], 777u);
    cr_assert_eq(tr.who[0], 'b');
    /* a second message from ourselves, while we are the only one left sending */
    ts_d0 d = {778, 0};
    ASSERT_RC(cosmosb_typed_send(ta, &ts_d0_schema, &d, 0, 0), COSMOSB_OK);
    cr_assert_eq(cosmosb_pump_run(pump, 4, SEC), 1);
    cr_assert_eq(tr.val[1], 778u);
    cr_assert_eq(tr.who[1], 'a');
    char c = 'q';
    cr_assert_eq(write(sv[0], &c, 1), 1);
    cr_assert(tu_wait_ok(pid));
    close(sv[0]);
    close(sv[1]);
    cosmosb_waitset_destroy(ws);
    cosmosb_pipe_close(ta);
    cosmosb_pipe_close(ca);
    cosmosb_pipe_close(cb);
    free(ma);
    free(mb);
    free(pmem);
}

static int slow_sender(void *p)
{
    struct late_arg *a = p;
    cosmosb_pipe_t *tx = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_attach(a->fd, a->efd, &tx), COSMOSB_OK);
    tu_sleep_ms(50); /* most likely the pump is asleep by now (the test passes either way) */
    ts_d0 bad = {1, 2}, good = {555, 1};
    CHILD_CHECK_RC(cosmosb_typed_send(tx, &ts_d0_schema, &bad, 0, FOREVER), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_typed_send(tx, &ts_d0_schema, &good, 0, FOREVER), COSMOSB_OK);
    char c;
    CHILD_CHECK(read(a->sock, &c, 1) == 1);
    cosmosb_pipe_close(tx);
    return 0;
}

Test(typed_process, pump_with_one_receiver_blocks_on_its_pipe, .timeout = 120)
{
    cosmosb_pipe_t *c = mkpipe(16, 128);
    void *m;
    cosmosb_receiver_t *rx = mkreceiver(c, COSMOSB_TRUST_COPY, &m);
    struct ptrace tr;
    memset(&tr, 0, sizeof tr);
    struct pctx pc = {&tr, 'x'};
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, on_d0, &pc), COSMOSB_OK);
    size_t psz = cosmosb_pump_memsize(1);
    void *pmem = aligned_alloc(8, (psz + 7u) & ~(size_t)7u);
    cosmosb_pump_t *pump;
    ASSERT_RC(cosmosb_pump_init(pmem, psz, 1, &pump), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(pump, rx), COSMOSB_OK);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct late_arg la = {cosmosb_pipe_fd(c), cosmosb_pipe_eventfd(c), sv[1]};
    pid_t pid = tu_fork(slow_sender, &la, 60);
    cr_assert_gt(pid, 0);
    int rc = cosmosb_pump_run(pump, 8, 30 * SEC);
    cr_assert_eq(rc, 1, "pump: %s", rc < 0 ? cosmosb_err_name(rc) : "handled");
    cr_assert_eq(tr.n, 1u);
    cr_assert_eq(tr.val[0], 555u);
    cosmosb_receiver_stats_t st;
    ASSERT_RC(cosmosb_receiver_stats(rx, &st), COSMOSB_OK);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_BOOL], 1u);
    ASSERT_RC(cosmosb_pump_run(pump, 8, 0), COSMOSB_EAGAIN);
    char ch = 'q';
    cr_assert_eq(write(sv[0], &ch, 1), 1);
    cr_assert(tu_wait_ok(pid));
    /* the sender has gone: a blocking run reports it instead of waiting out its timeout */
    ASSERT_RC(cosmosb_pump_run(pump, 8, 30 * SEC), COSMOSB_ECLOSED);
    close(sv[0]);
    close(sv[1]);
    cosmosb_pipe_close(c);
    free(m);
    free(pmem);
}

static int counting_waitset_hook(void *ctx, uint64_t timeout_ns)
{
    struct hook_ctx *h = ctx;
    h->calls++;
    return cosmosb_waitset_pump_wait(h->ws, timeout_ns);
}

/* A receiver whose sender died stays "ready" in a wait set (a receive reports the
 * departure at once): a blocking pump must report that, not wake and wait again forever. */
Test(typed_process, pump_in_a_waitset_reports_a_dead_sender_instead_of_spinning, .timeout = 120)
{
    cosmosb_pipe_t *ca = mkpipe(16, 128), *cb = mkpipe(16, 128);
    void *ma, *mb;
    cosmosb_receiver_t *ra = mkreceiver(ca, COSMOSB_TRUST_COPY, &ma);
    cosmosb_receiver_t *rb = mkreceiver(cb, COSMOSB_TRUST_COPY, &mb);
    struct ptrace tr;
    memset(&tr, 0, sizeof tr);
    struct pctx pa = {&tr, 'a'}, pb = {&tr, 'b'};
    ASSERT_RC(cosmosb_receiver_accept(ra, &ts_d0_schema, on_d0, &pa), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rb, &ts_d0_schema, on_d0, &pb), COSMOSB_OK);
    cosmosb_pipe_t *tb = NULL;
    ASSERT_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(cb), cosmosb_pipe_eventfd(cb), &tb), COSMOSB_OK);
    struct die_arg a = {cosmosb_pipe_fd(ca), cosmosb_pipe_eventfd(ca), 1};
    pid_t pid = tu_fork(send_and_die, &a, 60);
    cr_assert_gt(pid, 0);
    int st = tu_wait(pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status 0x%x", st);
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws, ca), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws, cb), COSMOSB_OK);
    size_t psz = cosmosb_pump_memsize(2);
    void *pmem = aligned_alloc(8, (psz + 7u) & ~(size_t)7u);
    cosmosb_pump_t *pump;
    ASSERT_RC(cosmosb_pump_init(pmem, psz, 2, &pump), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(pump, ra), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(pump, rb), COSMOSB_OK);
    struct hook_ctx h = {ws, -1, 0, 0};
    ASSERT_RC(cosmosb_pump_set_wait(pump, counting_waitset_hook, &h), COSMOSB_OK);
    /* the dead sender's last message is still handled */
    cr_assert_eq(cosmosb_pump_run(pump, 8, 10 * SEC), 1);
    cr_assert_eq(tr.val[0], 1000u);
    /* then, with B idle: the departure is reported (it may take the pipe up to a second to notice) */
    int rc = 0;
    for (int i = 0; i < 5 && rc != COSMOSB_EPEERDEAD; i++) {
        h.calls = 0;
        rc = cosmosb_pump_run(pump, 8, 3 * SEC);
        cr_assert(rc == COSMOSB_EPEERDEAD || rc == COSMOSB_ETIMEDOUT, "pump: %s", cosmosb_err_name(rc));
    }
    ASSERT_RC(rc, COSMOSB_EPEERDEAD);
    cr_assert_leq(h.calls, 16, "the pump woke %d times without anything to do", h.calls);
    /* B is still served while A is dead */
    ts_d0 d = {9, 0};
    ASSERT_RC(cosmosb_typed_send(tb, &ts_d0_schema, &d, 0, 0), COSMOSB_OK);
    cr_assert_eq(cosmosb_pump_run(pump, 8, 10 * SEC), 1);
    cr_assert_eq(tr.val[1], 9u);
    cr_assert_eq(tr.who[1], 'b');
    /* without a wait hook the pump polls; at its deadline it reports the error too */
    ASSERT_RC(cosmosb_pump_set_wait(pump, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_run(pump, 8, 20000000ull), COSMOSB_EPEERDEAD);
    cosmosb_waitset_destroy(ws);
    cosmosb_pipe_close(tb);
    cosmosb_pipe_close(ca);
    cosmosb_pipe_close(cb);
    free(ma);
    free(mb);
    free(pmem);
}

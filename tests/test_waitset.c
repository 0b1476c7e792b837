/*
 * test_waitset.c - one receiver waiting on many pipes (waitset.h), and the
 * eventfd notification path for poll/epoll loops (COSMOSB_PIPE_EVENTFD,
 * cosmosb_pipe_arm_notify, cosmosb_pipe_eventfd).
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

#define FOREVER COSMOSB_TIMEOUT_FOREVER
#define MS 1000000ull

static cosmosb_pipe_t *mkpipe(uint32_t cap, uint32_t flags)
{
    cosmosb_pipe_config_t cfg;
    cr_assert_eq(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.capacity = cap;
    cfg.slot_size = 64;
    cfg.flags = flags;
    cosmosb_pipe_t *c = NULL;
    ASSERT_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    return c;
}

static cosmosb_pipe_t *attach_to(const cosmosb_pipe_t *c)
{
    cosmosb_pipe_t *p = NULL;
    int rc = cosmosb_pipe_attach(cosmosb_pipe_fd(c), cosmosb_pipe_eventfd(c), &p);
    if (rc != COSMOSB_OK)
        return NULL;
    return p;
}

/* Drains the consumer's eventfd, as pipe_linux.h asks before receiving. */
static void drain_efd(const cosmosb_pipe_t *c)
{
    uint64_t x = 0;
    ASSERT_RC(cosmosb_pipe_eventfd_drain(c, &x), COSMOSB_OK);
    cr_assert_gt(x, 0u);
}

static int pollin(int fd, int ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    int n;
    do {
        n = poll(&pfd, 1, ms);
    } while (n < 0 && errno == EINTR);
    return n == 1 && (pfd.revents & POLLIN);
}

Test(waitset, api_errors)
{
    cosmosb_waitset_t *ws = NULL;
    cosmosb_pipe_t *ready = NULL;
    ASSERT_RC(cosmosb_waitset_create(NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    cr_assert_not_null(ws);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &ready), COSMOSB_EINVAL); /* empty set */
    ASSERT_RC(cosmosb_waitset_wait(NULL, 0, &ready), COSMOSB_EINVAL);
    cosmosb_pipe_t *c = mkpipe(8, 0);
    cosmosb_pipe_t *p = attach_to(c);
    cr_assert_not_null(p);
    ASSERT_RC(cosmosb_waitset_add(ws, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_waitset_add(NULL, c), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_waitset_add(ws, p), COSMOSB_EROLE);
    ASSERT_RC(cosmosb_waitset_remove(ws, c), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_waitset_add(ws, c), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws, c), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_waitset_remove(ws, p), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_waitset_remove(ws, c), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_remove(ws, c), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &ready), COSMOSB_EINVAL);
    cosmosb_waitset_destroy(ws);
    cosmosb_waitset_destroy(NULL);
    cosmosb_pipe_close(p);
    cosmosb_pipe_close(c);
}

Test(waitset, capacity_limit)
{
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    cosmosb_pipe_t **pipes = calloc(COSMOSB_WAITSET_MAX + 1, sizeof *pipes);
    for (unsigned i = 0; i <= COSMOSB_WAITSET_MAX; i++) {
        cosmosb_pipe_config_t cfg;
        cosmosb_pipe_config_init(&cfg);
        cfg.capacity = 2;
        cfg.slot_size = 8;
        ASSERT_RC(cosmosb_pipe_create(&cfg, &pipes[i]), COSMOSB_OK);
        ASSERT_RC(cosmosb_waitset_add(ws, pipes[i]), i < COSMOSB_WAITSET_MAX ? COSMOSB_OK : COSMOSB_ENOMEM);
    }
    cosmosb_pipe_t *ready = NULL;
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &ready), COSMOSB_EAGAIN);
    cosmosb_waitset_destroy(ws);
    for (unsigned i = 0; i <= COSMOSB_WAITSET_MAX; i++)
        cosmosb_pipe_close(pipes[i]);
    free(pipes);
}

Test(waitset, timeouts_and_ready_in_process)
{
    cosmosb_pipe_t *c[3], *p[3];
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < 3; i++) {
        c[i] = mkpipe(8, 0);
        p[i] = attach_to(c[i]);
        cr_assert_not_null(p[i]);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
    }
    cosmosb_pipe_t *ready = NULL;
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &ready), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_waitset_wait(ws, 5 * MS, &ready), COSMOSB_ETIMEDOUT);
    ASSERT_RC(cosmosb_waitset_wait(ws, 1000, &ready), COSMOSB_ETIMEDOUT);
    uint64_t v = 42;
    ASSERT_RC(cosmosb_pipe_send(p[1], 1, &v, 8, 0, 0), COSMOSB_OK);
    ready = NULL;
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &ready), COSMOSB_OK);
    cr_assert_eq(ready, c[1]);
    /* still queued: a waiting call returns at once */
    ready = NULL;
    ASSERT_RC(cosmosb_waitset_wait(ws, FOREVER, &ready), COSMOSB_OK);
    cr_assert_eq(ready, c[1]);
    uint64_t r = 0;
    ASSERT_RC(cosmosb_pipe_recv(ready, &r, 8, NULL, 0), COSMOSB_OK);
    cr_assert_eq(r, 42u);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &ready), COSMOSB_EAGAIN);
    /* urgent messages count too */
    ASSERT_RC(cosmosb_pipe_send(p[2], 1, &v, 8, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_wait(ws, 5 * MS, &ready), COSMOSB_OK);
    cr_assert_eq(ready, c[2]);
    ASSERT_RC(cosmosb_pipe_recv(ready, &r, 8, NULL, 0), COSMOSB_OK);
    /* a removed pipe is no longer watched */
    ASSERT_RC(cosmosb_waitset_remove(ws, c[0]), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_send(p[0], 1, &v, 8, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &ready), COSMOSB_EAGAIN);
    /* a pipe whose only producer closed is reported ready; the receive says why */
    cosmosb_pipe_close(p[1]);
    p[1] = NULL;
    ASSERT_RC(cosmosb_waitset_wait(ws, FOREVER, &ready), COSMOSB_OK);
    cr_assert_eq(ready, c[1]);
    ASSERT_RC(cosmosb_pipe_recv(ready, &r, 8, NULL, 0), COSMOSB_ECLOSED);
    cosmosb_waitset_destroy(ws);
    for (int i = 0; i < 3; i++) {
        cosmosb_pipe_close(p[i]);
        cosmosb_pipe_close(c[i]);
    }
}

Test(waitset, round_robin_no_starvation)
{
    cosmosb_pipe_t *c[3], *p[3];
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < 3; i++) {
        c[i] = mkpipe(64, 0);
        p[i] = attach_to(c[i]);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
        for (uint64_t k = 0; k < 50; k++)
            ASSERT_RC(cosmosb_pipe_send(p[i], k, &k, 8, 0, 0), COSMOSB_OK);
    }
    int seen[3] = {0, 0, 0};
    for (int round = 0; round < 6; round++) {
        cosmosb_pipe_t *ready = NULL;
        ASSERT_RC(cosmosb_waitset_wait(ws, 0, &ready), COSMOSB_OK);
        int idx = ready == c[0] ? 0 : ready == c[1] ? 1 : ready == c[2] ? 2 : -1;
        cr_assert_geq(idx, 0, "ready is not one of the set's pipes");
        seen[idx]++;
        uint64_t v;
        ASSERT_RC(cosmosb_pipe_recv(ready, &v, 8, NULL, 0), COSMOSB_OK);
    }
    for (int i = 0; i < 3; i++)
        cr_assert_gt(seen[i], 0, "pipe %d starved: ready counts %d %d %d", i, seen[0], seen[1],
                     seen[2]);
    cosmosb_waitset_destroy(ws);
    for (int i = 0; i < 3; i++) {
        cosmosb_pipe_close(p[i]);
        cosmosb_pipe_close(c[i]);
    }
}

/* ------------------------------------------------------------------------ */
/* three pipes fed by three processes                                       */
/* ------------------------------------------------------------------------ */

struct feeder_arg {
    cosmosb_pipe_t *c;
    uint32_t who;
    uint64_t n;
    unsigned first_delay_ms;
    int die_instead; /* attach, wait, SIGKILL */
};

static int feeder(void *a)
{
    struct feeder_arg *fa = a;
    cosmosb_pipe_t *p = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(fa->c), cosmosb_pipe_eventfd(fa->c), &p),
                   COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_pipe_set_spin_ns(p, 0), COSMOSB_OK);
    if (fa->first_delay_ms)
        tu_sleep_ms(fa->first_delay_ms);
    if (fa->die_instead)
        raise(SIGKILL);
    uint64_t seed = fa->who + 1;
    uint8_t msg[64];
    for (uint64_t i = 0; i < fa->n; i++) {
        uint32_t len = tu_len(i, 64);
        tu_fill(msg, len, fa->who, i);
        CHILD_CHECK_RC(cosmosb_pipe_send(p, i, msg, len, 0, FOREVER), COSMOSB_OK);
        /* irregular pacing, so the receiver goes to sleep now and then */
        if (tu_rand(&seed) % 2000 == 0)
            tu_sleep_ms(1);
    }
    cosmosb_pipe_close(p);
    return 0;
}

Test(waitset, three_pipes_three_processes, .timeout = 120)
{
    const uint64_t N = tu_scale(100000);
    cosmosb_pipe_t *c[3];
    struct feeder_arg fa[3];
    pid_t pid[3];
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < 3; i++) {
        c[i] = mkpipe(64, 0);
        ASSERT_RC(cosmosb_pipe_set_spin_ns(c[i], 0), COSMOSB_OK);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
        fa[i] = (struct feeder_arg){c[i], (uint32_t)i, N + (uint64_t)i * 1000, (unsigned)(i * 20), 0};
    }
    for (int i = 0; i < 3; i++) {
        pid[i] = tu_fork(feeder, &fa[i], 110);
        cr_assert_gt(pid[i], 0);
    }
    uint64_t next[3] = {0, 0, 0};
    int open = 3, waits = 0;
    while (open > 0) {
        cosmosb_pipe_t *ready = NULL;
        ASSERT_RC(cosmosb_waitset_wait(ws, FOREVER, &ready), COSMOSB_OK);
        waits++;
        int idx = ready == c[0] ? 0 : ready == c[1] ? 1 : ready == c[2] ? 2 : -1;
        cr_assert_geq(idx, 0, "ready is not one of the set's pipes");
        for (;;) {
            uint8_t buf[64];
            cosmosb_msg_info_t info;
            int rc = cosmosb_pipe_recv(ready, buf, sizeof buf, &info, 0);
            if (rc == COSMOSB_EAGAIN)
                break;
            if (rc == COSMOSB_ECLOSED) {
                ASSERT_RC(cosmosb_waitset_remove(ws, ready), COSMOSB_OK);
                open--;
                break;
            }
            ASSERT_RC(rc, COSMOSB_OK);
            uint32_t who;
            uint64_t seq;
            cr_assert(tu_check(buf, info.len, &who, &seq), "damaged message");
            cr_assert_eq(who, (uint32_t)idx, "message of producer %u on pipe %d", who, idx);
            cr_assert_eq(seq, next[idx], "pipe %d: got %llu, expected %llu", idx,
                         (unsigned long long)seq, (unsigned long long)next[idx]);
            next[idx]++;
        }
    }
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(next[i], fa[i].n, "pipe %d: %llu of %llu", i, (unsigned long long)next[i],
                     (unsigned long long)fa[i].n);
        cr_assert(tu_wait_ok(pid[i]));
    }
    cr_log_info("%d waits for %llu messages", waits, (unsigned long long)(next[0] + next[1] + next[2]));
    cosmosb_waitset_destroy(ws);
    for (int i = 0; i < 3; i++)
        cosmosb_pipe_close(c[i]);
}

Test(waitset, sleeping_waiter_woken_by_one_message, .timeout = 30)
{
    cosmosb_pipe_t *c[3];
    pid_t pid[3];
    struct feeder_arg fa[3];
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < 3; i++) {
        c[i] = mkpipe(8, 0);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
    }
    /* producers attach to all three; only pipe 2 gets a message, after a delay */
    for (int i = 0; i < 3; i++) {
        fa[i] = (struct feeder_arg){c[i], (uint32_t)i, i == 2 ? 1u : 0u, i == 2 ? 150u : 2000u, 0};
        pid[i] = tu_fork(feeder, &fa[i], 20);
    }
    alarm(10);
    cosmosb_pipe_t *ready = NULL;
    ASSERT_RC(cosmosb_waitset_wait(ws, FOREVER, &ready), COSMOSB_OK);
    cr_assert_eq(ready, c[2], "woken for the wrong pipe");
    uint8_t buf[64];
    cosmosb_msg_info_t info;
    ASSERT_RC(cosmosb_pipe_recv(ready, buf, sizeof buf, &info, 0), COSMOSB_OK);
    alarm(0);
    cr_assert(tu_wait_ok(pid[2]));
    /* the silent producers are still attached; they are no longer needed */
    for (int i = 0; i < 2; i++) {
        kill(pid[i], SIGKILL);
        tu_wait(pid[i]);
    }
    cosmosb_waitset_destroy(ws);
    for (int i = 0; i < 3; i++)
        cosmosb_pipe_close(c[i]);
}

Test(waitset, dead_producer_wakes_the_waiter, .timeout = 30)
{
    cosmosb_pipe_t *c[2];
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < 2; i++) {
        c[i] = mkpipe(8, 0);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
    }
    struct feeder_arg live = {c[1], 1, 0, 3000, 0};
    struct feeder_arg dead = {c[0], 0, 0, 150, 1};
    pid_t pl = tu_fork(feeder, &live, 20);
    pid_t pd = tu_fork(feeder, &dead, 20);
    alarm(4); /* hang guard: death must be noticed within a second */
    cosmosb_pipe_t *ready = NULL;
    ASSERT_RC(cosmosb_waitset_wait(ws, FOREVER, &ready), COSMOSB_OK);
    cr_assert_eq(ready, c[0]);
    uint8_t buf[64];
    ASSERT_RC(cosmosb_pipe_recv(ready, buf, sizeof buf, NULL, 0), COSMOSB_EPEERDEAD);
    alarm(0);
    int st = tu_wait(pd);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    /* the other pipe's producer was alive all along: it was not reported */
    cr_assert_eq(waitpid(pl, &st, WNOHANG), 0, "the live producer exited early");
    ASSERT_RC(cosmosb_pipe_recv(c[1], buf, sizeof buf, NULL, 0), COSMOSB_EAGAIN);
    kill(pl, SIGKILL);
    tu_wait(pl);
    cosmosb_waitset_destroy(ws);
    for (int i = 0; i < 2; i++)
        cosmosb_pipe_close(c[i]);
}

/* ------------------------------------------------------------------------ */
/* eventfd notification                                                     */
/* ------------------------------------------------------------------------ */

Test(eventfd, arm_notify_in_process)
{
    cosmosb_pipe_t *c = mkpipe(8, COSMOSB_PIPE_EVENTFD);
    int efd = cosmosb_pipe_eventfd(c);
    cr_assert_geq(efd, 0, "COSMOSB_PIPE_EVENTFD pipe has no eventfd");
    int fl = fcntl(efd, F_GETFL);
    cr_assert(fl >= 0 && (fl & O_NONBLOCK), "the eventfd is not non-blocking");
    cosmosb_pipe_t *p = attach_to(c);
    cr_assert_not_null(p);
    uint64_t v = 1, r;
    /* nothing queued: arming succeeds, nothing to read yet */
    ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_OK);
    cr_assert(!pollin(efd, 0), "eventfd readable before any message");
    /* a send makes it readable */
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_OK);
    cr_assert(pollin(efd, 1000), "eventfd not readable after a send");
    drain_efd(c);
    /* queued data: arm refuses */
    ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pipe_recv(c, &r, 8, NULL, 0), COSMOSB_OK);
    /* drained: arm again; sends without an arm do not have to notify, but an armed one must */
    ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_OK);
    cr_assert(!pollin(efd, 0), "eventfd readable with nothing sent");
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    cr_assert(pollin(efd, 1000), "eventfd not readable after an urgent send");
    drain_efd(c);
    ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pipe_recv(c, &r, 8, NULL, 0), COSMOSB_OK);
    /* many cycles: no notification is ever lost */
    for (uint64_t i = 0; i < 1000; i++) {
        ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_OK);
        cr_assert(!pollin(efd, 0), "cycle %llu: readable before the send", (unsigned long long)i);
        ASSERT_RC(cosmosb_pipe_send(p, i, &i, 8, 0, 0), COSMOSB_OK);
        cr_assert(pollin(efd, 1000), "cycle %llu: notification lost", (unsigned long long)i);
        drain_efd(c);
        ASSERT_RC(cosmosb_pipe_recv(c, &r, 8, NULL, 0), COSMOSB_OK);
        cr_assert_eq(r, i);
    }
    /* the producer handle cannot arm */
    ASSERT_RC(cosmosb_pipe_arm_notify(p), COSMOSB_EROLE);
    cosmosb_pipe_close(p);
    cosmosb_pipe_close(c);
}

Test(eventfd, epoll_loop)
{
    cosmosb_pipe_t *c = mkpipe(8, COSMOSB_PIPE_EVENTFD);
    int efd = cosmosb_pipe_eventfd(c);
    cr_assert_geq(efd, 0);
    cosmosb_pipe_t *p = attach_to(c);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    cr_assert_geq(ep, 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77};
    cr_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), 0);
    uint64_t got = 0;
    for (uint64_t i = 0; i < 100; i++) {
        uint64_t r;
        while (cosmosb_pipe_recv(c, &r, 8, NULL, 0) == COSMOSB_OK)
            cr_assert_eq(r, got++);
        if (cosmosb_pipe_arm_notify(c) == COSMOSB_EAGAIN)
            continue;
        struct epoll_event out;
        cr_assert_eq(epoll_wait(ep, &out, 1, 0), 0, "round %llu: event with nothing sent",
                     (unsigned long long)i);
        ASSERT_RC(cosmosb_pipe_send(p, i, &i, 8, 0, 0), COSMOSB_OK);
        cr_assert_eq(epoll_wait(ep, &out, 1, 1000), 1, "round %llu: no event", (unsigned long long)i);
        cr_assert_eq(out.data.u64, 77u);
        drain_efd(c);
    }
    uint64_t r;
    while (cosmosb_pipe_recv(c, &r, 8, NULL, 0) == COSMOSB_OK)
        cr_assert_eq(r, got++);
    cr_assert_eq(got, 100u);
    close(ep);
    cosmosb_pipe_close(p);
    cosmosb_pipe_close(c);
}

struct efd_child_arg {
    int sock;
    uint64_t n;
    int other; /* the parent's end, closed in the child */
};

static int efd_child(void *a)
{
    struct efd_child_arg *ea = a;
    close(ea->other);
    cosmosb_pipe_t *p = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_attach_socket(ea->sock, &p, NULL), COSMOSB_OK);
    CHILD_CHECK(cosmosb_pipe_eventfd(p) >= 0);
    for (uint64_t i = 0; i < ea->n; i++) {
        char b;
        /* one message per "go" from the parent */
        CHILD_CHECK(read(ea->sock, &b, 1) == 1);
        CHILD_CHECK_RC(cosmosb_pipe_send(p, i, &i, 8, 0, FOREVER), COSMOSB_OK);
    }
    cosmosb_pipe_close(p);
    return 0;
}

Test(eventfd, send_from_another_process_makes_fd_readable, .timeout = 60)
{
    cosmosb_pipe_t *c = mkpipe(8, COSMOSB_PIPE_EVENTFD);
    int efd = cosmosb_pipe_eventfd(c);
    cr_assert_geq(efd, 0);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    const uint64_t N = 200;
    struct efd_child_arg a = {sv[1], N, sv[0]};
    pid_t pid = tu_fork(efd_child, &a, 50);
    cr_assert_gt(pid, 0);
    close(sv[1]);
    ASSERT_RC(cosmosb_pipe_share(c, sv[0]), COSMOSB_OK);
    for (uint64_t i = 0; i < N; i++) {
        uint64_t r;
        ASSERT_RC(cosmosb_pipe_recv(c, &r, 8, NULL, 0), COSMOSB_EAGAIN);
        ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_OK);
        cr_assert(!pollin(efd, 0), "round %llu: readable before the send", (unsigned long long)i);
        cr_assert_eq(write(sv[0], "g", 1), 1);
        cr_assert(pollin(efd, 5000), "round %llu: poll() never saw the other process's send",
                  (unsigned long long)i);
        drain_efd(c);
        ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_EAGAIN);
        ASSERT_RC(cosmosb_pipe_recv(c, &r, 8, NULL, 0), COSMOSB_OK);
        cr_assert_eq(r, i);
    }
    uint64_t r;
    ASSERT_RC(cosmosb_pipe_recv(c, &r, 8, NULL, FOREVER), COSMOSB_ECLOSED);
    cr_assert(tu_wait_ok(pid));
    close(sv[0]);
    cosmosb_pipe_close(c);
}

Test(waitset, short_waits_still_notice_dead_producer, .timeout = 30)
{
    cosmosb_pipe_t *c[2];
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < 2; i++) {
        c[i] = mkpipe(8, 0);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
    }
    struct feeder_arg dead = {c[1], 1, 0, 1, 1};
    pid_t pd = tu_fork(feeder, &dead, 20);
    int st = tu_wait(pd);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    /* the producer attached and died before the waits began; an event loop
     * waits 20 ms at a time */
    cosmosb_pipe_t *ready = NULL;
    uint64_t t0 = tu_now_ns();
    int rc;
    do {
        rc = cosmosb_waitset_wait(ws, 20 * MS, &ready);
    } while (rc == COSMOSB_ETIMEDOUT && tu_now_ns() - t0 < 3000000000ull);
    cr_assert_eq(rc, COSMOSB_OK, "20 ms waits over a pipe whose producer is dead: %s after 3 s",
                 cosmosb_err_name(rc));
    cr_assert_eq(ready, c[1]);
    uint8_t buf[64];
    ASSERT_RC(cosmosb_pipe_recv(ready, buf, sizeof buf, NULL, 0), COSMOSB_EPEERDEAD);
    cosmosb_waitset_destroy(ws);
    for (int i = 0; i < 2; i++)
        cosmosb_pipe_close(c[i]);
}

/* A finite timeout is a limit in ns relative to the call (waitset.h): a 50 ms wait on pipes that stay
 * empty reports ETIMEDOUT, not before 45 ms, and (generously) within 2 s. */
Test(waitset, a_finite_timeout_is_a_relative_limit_in_ns, .timeout = 30)
{
    cosmosb_pipe_t *c[2], *p[2];
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < 2; i++) {
        c[i] = mkpipe(8, 0);
        p[i] = attach_to(c[i]);
        cr_assert_not_null(p[i]);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
    }
    for (int k = 0; k < 2; k++) {
        cosmosb_pipe_t *ready = NULL;
        uint64_t t0 = tu_now_ns();
        ASSERT_RC(cosmosb_waitset_wait(ws, 50 * MS, &ready), COSMOSB_ETIMEDOUT);
        uint64_t el = tu_now_ns() - t0;
        cr_assert_geq(el, 45 * MS, "a 50 ms wait returned ETIMEDOUT after %.3f ms", (double)el / 1e6);
        cr_assert_lt(el, 2000 * MS, "a 50 ms wait returned ETIMEDOUT after %.3f ms", (double)el / 1e6);
        t0 = tu_now_ns();
        ASSERT_RC(cosmosb_waitset_pump_wait(ws, 50 * MS), COSMOSB_ETIMEDOUT);
        el = tu_now_ns() - t0;
        cr_assert_geq(el, 45 * MS, "a 50 ms pump wait returned ETIMEDOUT after %.3f ms", (double)el / 1e6);
        cr_assert_lt(el, 2000 * MS, "a 50 ms pump wait returned ETIMEDOUT after %.3f ms", (double)el / 1e6);
    }
    cosmosb_waitset_destroy(ws);
    for (int i = 0; i < 2; i++) {
        cosmosb_pipe_close(p[i]);
        cosmosb_pipe_close(c[i]);
    }
}

/* A dead producer is reported within a second (README), also to a wait set blocked forever. */
#include <pthread.h>

struct ws_killer {
    pid_t pid;
    uint64_t t_kill;
};

static void *ws_kill_later(void *a)
{
    struct ws_killer *k = a;
    tu_sleep_ms(300);
    kill(k->pid, SIGKILL);
    k->t_kill = tu_now_ns();
    return NULL;
}

Test(waitset, a_killed_producer_is_reported_within_a_second, .timeout = 30)
{
    cosmosb_pipe_t *c[2];
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < 2; i++) {
        c[i] = mkpipe(8, 0);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
    }
    /* producers attach to both and stay silent for 20 s; the one of pipe 1 is killed */
    struct feeder_arg fa[2] = {{c[0], 0, 0, 20000, 0}, {c[1], 1, 0, 20000, 0}};
    pid_t pid[2];
    for (int i = 0; i < 2; i++)
        pid[i] = tu_fork(feeder, &fa[i], 30);
    for (int i = 0; i < 2; i++) {
        uint64_t t0 = tu_now_ns();
        while (cosmosb_pipe_check_peer(c[i]) == COSMOSB_EAGAIN) {
            cr_assert_lt(tu_now_ns() - t0, 10000000000ull, "producer %d never attached", i);
            tu_sleep_ms(1);
        }
    }
    struct ws_killer k = {pid[1], 0};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, ws_kill_later, &k), 0);
    alarm(10); /* hang guard */
    cosmosb_pipe_t *ready = NULL;
    int rc = cosmosb_waitset_wait(ws, FOREVER, &ready);
    uint64_t t_ret = tu_now_ns();
    alarm(0);
    cr_assert_eq(pthread_join(th, NULL), 0);
    ASSERT_RC(rc, COSMOSB_OK);
    cr_assert_eq(ready, c[1]);
    cr_assert_geq(t_ret + 1000000ull, k.t_kill, "the wait returned before the kill");
    uint64_t lat = t_ret > k.t_kill ? t_ret - k.t_kill : 0;
    cr_assert_lt(lat, 1000000000ull, "the killed producer was reported %.3f ms after the kill", (double)lat / 1e6);
    uint8_t buf[64];
    ASSERT_RC(cosmosb_pipe_recv(ready, buf, sizeof buf, NULL, 0), COSMOSB_EPEERDEAD);
    ASSERT_RC(cosmosb_pipe_recv(c[0], buf, sizeof buf, NULL, 0), COSMOSB_EAGAIN);
    for (int i = 0; i < 2; i++) {
        kill(pid[i], SIGKILL);
        tu_wait(pid[i]);
    }
    cosmosb_waitset_destroy(ws);
    for (int i = 0; i < 2; i++)
        cosmosb_pipe_close(c[i]);
}

/* ------------------------------------------------------------------------ */
/* the eventfd against a hostile peer (docs/pipe.md, "Notification")         */
/* ------------------------------------------------------------------------ */

/* Either side can make the shared eventfd description blocking and fill its counter: any write blocks. */
static void make_blocking_and_full(int efd)
{
    int fl = fcntl(efd, F_GETFL);
    cr_assert(fl >= 0);
    cr_assert_eq(fcntl(efd, F_SETFL, fl & ~O_NONBLOCK), 0);
    uint64_t v = 0xfffffffffffffffeull;
    cr_assert_eq(write(efd, &v, sizeof v), (ssize_t)sizeof v);
}

/* A hostile producer sets NOTIFY (bit 1) in its own control line's `sleeping` word (white box: producer
 * block 0 at the header's producer_offset, byte 40; `sleeping` is the fourth word of the block) and
 * blocks the eventfd: the consumer that frees a slot must not write to it. It used to, and a receive
 * with timeout 0 never returned (pipe fuzzing). */
Test(eventfd, a_producers_notify_bit_never_makes_the_consumer_write, .timeout = 20)
{
    cosmosb_pipe_t *c = mkpipe(8, COSMOSB_PIPE_EVENTFD);
    cosmosb_pipe_t *p = attach_to(c);
    cr_assert_not_null(p);
    uint64_t v = 7, r;
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_OK);
    make_blocking_and_full(cosmosb_pipe_eventfd(p));
    int fd = cosmosb_pipe_fd(c);
    off_t sz = lseek(fd, 0, SEEK_END);
    uint8_t *m = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    cr_assert(m != MAP_FAILED);
    uint8_t *pipe = m + 64; /* after the region header */
    uint64_t producer_offset;
    memcpy(&producer_offset, pipe + 40, 8);
    cr_assert(producer_offset > 0 && producer_offset < (uint64_t)sz);
    __atomic_store_n((uint32_t *)(void *)(pipe + producer_offset + 12), 2u, __ATOMIC_SEQ_CST);
    ASSERT_RC(cosmosb_pipe_recv(c, &r, 8, NULL, 0), COSMOSB_OK); /* frees a slot: wakes the producer */
    cr_assert_eq(r, 7u);
    munmap(m, (size_t)sz);
    cosmosb_pipe_close(p);
    cosmosb_pipe_close(c);
}

/* A hostile consumer asks for a notification and blocks the eventfd: the producer's send skips the
 * write instead of blocking in it (a send with timeout 0 used to block for good). */
Test(eventfd, a_blocking_full_eventfd_never_blocks_a_send, .timeout = 20)
{
    cosmosb_pipe_t *c = mkpipe(8, COSMOSB_PIPE_EVENTFD);
    cosmosb_pipe_t *p = attach_to(c);
    cr_assert_not_null(p);
    ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_OK);
    make_blocking_and_full(cosmosb_pipe_eventfd(c));
    uint64_t v = 9, r;
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_recv(c, &r, 8, NULL, 0), COSMOSB_OK);
    cr_assert_eq(r, 9u);
    cosmosb_pipe_close(p);
    cosmosb_pipe_close(c);
}

/* A hostile producer shares the eventfd's open file description: it clears O_NONBLOCK and drains the
 * counter between the consumer's poll and its read. cosmosb_pipe_eventfd_drain() still returns at once
 * (a plain read(2) blocked for good; review 25). The test's .timeout is the watchdog. */
Test(eventfd, a_producer_clearing_o_nonblock_never_blocks_the_drain, .timeout = 20)
{
    cosmosb_pipe_t *c = mkpipe(8, COSMOSB_PIPE_EVENTFD);
    cosmosb_pipe_t *p = attach_to(c);
    cr_assert_not_null(p);
    int cefd = cosmosb_pipe_eventfd(c), pefd = cosmosb_pipe_eventfd(p);
    cr_assert(cefd >= 0 && pefd >= 0 && cefd != pefd);
    uint64_t v = 3, got = 0;
    ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_OK);
    cr_assert(pollin(cefd, 1000), "eventfd not readable after a send");
    /* the producer, between the consumer's poll and its read: */
    int fl = fcntl(pefd, F_GETFL);
    cr_assert_geq(fl, 0);
    cr_assert_eq(fcntl(pefd, F_SETFL, fl & ~O_NONBLOCK), 0);
    cr_assert(!(fcntl(cefd, F_GETFL) & O_NONBLOCK), "the flag is not shared: the test proves nothing");
    cr_assert_eq(read(pefd, &got, sizeof got), (ssize_t)sizeof got);
    ASSERT_RC(cosmosb_pipe_eventfd_drain(c, &got), COSMOSB_EAGAIN);
    /* and it still reads a counter that is set, blocking flag or not */
    ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_EAGAIN); /* the message is still queued */
    uint64_t r;
    ASSERT_RC(cosmosb_pipe_recv(c, &r, 8, NULL, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_arm_notify(c), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_send(p, 2, &v, 8, 0, 0), COSMOSB_OK);
    got = 0;
    ASSERT_RC(cosmosb_pipe_eventfd_drain(c, &got), COSMOSB_OK);
    cr_assert_eq(got, 1u);
    ASSERT_RC(cosmosb_pipe_eventfd_drain(c, NULL), COSMOSB_EAGAIN);
    /* bad arguments */
    ASSERT_RC(cosmosb_pipe_eventfd_drain(NULL, NULL), COSMOSB_EINVAL);
    cosmosb_pipe_t *plain = mkpipe(8, 0);
    ASSERT_RC(cosmosb_pipe_eventfd_drain(plain, NULL), COSMOSB_EINVAL);
    cosmosb_pipe_close(plain);
    cosmosb_pipe_close(p);
    cosmosb_pipe_close(c);
}

/* A pipe closed while still in a wait set: cosmosb_pipe_close() takes it out of the set, so the next wait
 * does not read the freed handle (a use-after-free under ASan before; review 25). A pipe is in one set at a
 * time (its close can leave one set only): COSMOSB_EBUSY for a second one. */
Test(waitset, closing_a_pipe_removes_it_from_its_set, .timeout = 30)
{
    cosmosb_waitset_t *ws = NULL, *ws2 = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_create(&ws2), COSMOSB_OK);
    cosmosb_pipe_t *c1 = mkpipe(8, 0), *c2 = mkpipe(8, 0), *r = NULL;
    ASSERT_RC(cosmosb_waitset_add(ws, c1), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws, c2), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws2, c1), COSMOSB_EBUSY);
    cosmosb_pipe_close(c1);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &r), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_waitset_wait(ws, 10 * MS, &r), COSMOSB_ETIMEDOUT);
    /* c2 alone is left: a message on it is found */
    cosmosb_pipe_t *p2 = attach_to(c2);
    cr_assert_not_null(p2);
    uint64_t v = 5;
    ASSERT_RC(cosmosb_pipe_send(p2, 1, &v, 8, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_wait(ws, FOREVER, &r), COSMOSB_OK);
    cr_assert_eq(r, c2);
    /* removal and destruction both free the pipe for another set */
    ASSERT_RC(cosmosb_waitset_remove(ws, c2), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws2, c2), COSMOSB_OK);
    cosmosb_waitset_destroy(ws2);
    ASSERT_RC(cosmosb_waitset_add(ws, c2), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &r), COSMOSB_OK);
    cosmosb_pipe_close(p2);
    cosmosb_pipe_close(c2);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &r), COSMOSB_EINVAL); /* empty now */
    cosmosb_waitset_destroy(ws);
}

/* A core handle (memory of the caller's) closed with cosmosb_pipe_close_endpoint() while in a set: the
 * wait reports COSMOSB_EINVAL and names it, instead of calling it ready on every wait (recv then gave an
 * undocumented EINVAL). */
Test(waitset, a_closed_core_handle_in_the_set_is_einval_not_ready, .timeout = 30)
{
    cosmosb_pipe_config_t cfg;
    ASSERT_RC(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.capacity = 8;
    cfg.slot_size = 64;
    uint64_t size = 0;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &size), COSMOSB_OK);
    void *shm = aligned_alloc(COSMOSB_CACHELINE, (size_t)size);
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, cfg.max_producers);
    void *hm = malloc(hs);
    cr_assert(shm && hm);
    cosmosb_pipe_t *core = NULL, *r = NULL;
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm, size, &cfg, cosmosb_linux_platform(), NULL, &core),
              COSMOSB_OK);
    cosmosb_pipe_t *c2 = mkpipe(8, 0);
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws, c2), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_add(ws, core), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &r), COSMOSB_EAGAIN);
    cosmosb_pipe_close_endpoint(core);
    for (int i = 0; i < 3; i++) {
        r = NULL;
        ASSERT_RC(cosmosb_waitset_wait(ws, 10 * MS, &r), COSMOSB_EINVAL);
        cr_assert_eq(r, core, "the wait does not name the closed pipe");
    }
    ASSERT_RC(cosmosb_waitset_remove(ws, core), COSMOSB_OK);
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &r), COSMOSB_EAGAIN);
    cosmosb_waitset_destroy(ws);
    cosmosb_pipe_close(c2);
    free(hm);
    free(shm);
}

/* In the child: from now on membarrier() fails with EPERM (a seccomp profile that refuses it). */
static int refuse_membarrier(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

static int degraded_child(void *arg)
{
    (void)arg;
    cosmosb_pipe_config_t cfg;
    CHILD_CHECK_RC(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.capacity = 8;
    cfg.slot_size = 64;
    cosmosb_pipe_t *c = NULL, *r = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK); /* registered for heavy barriers */
    CHILD_CHECK(refuse_membarrier());
    cosmosb_waitset_t *ws = NULL;
    CHILD_CHECK_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_waitset_add(ws, c), COSMOSB_OK);
    /* the first wait's heavy barrier fails (the pipe degrades) and its liveness look is done */
    CHILD_CHECK_RC(cosmosb_waitset_wait(ws, 5 * MS, &r), COSMOSB_ETIMEDOUT);
    cosmosb_pipe_stats_t s0, s1;
    CHILD_CHECK_RC(cosmosb_pipe_stats(c, &s0), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_waitset_wait(ws, 60 * MS, &r), COSMOSB_ETIMEDOUT);
    CHILD_CHECK_RC(cosmosb_pipe_stats(c, &s1), COSMOSB_OK);
    /* 1 ms slices: many sleeps; one sleep until the deadline (the next liveness look is 200 ms away) before */
    if (s1.sleeps - s0.sleeps < 2) {
        fprintf(stderr, "degraded wait slept %llu time(s) in 60 ms\n", (unsigned long long)(s1.sleeps - s0.sleeps));
        return 1;
    }
    cosmosb_waitset_destroy(ws);
    cosmosb_pipe_close(c);
    return 0;
}

/* docs/pipe.md, section 9: a side whose heavy barrier (membarrier) fails sleeps in 1 ms slices, so that a
 * wakeup its light-publishing producers lose costs at most 1 ms. The wait set slept until its next
 * liveness look or the deadline instead (review 25). Counted in the pipe's sleeps, not timed. */
Test(waitset, a_degraded_pipe_makes_the_set_sleep_in_short_slices, .timeout = 60)
{
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (q < 0 || !(q & MEMBARRIER_CMD_GLOBAL_EXPEDITED))
        cr_skip_test("no membarrier GLOBAL_EXPEDITED here: pipes never use heavy barriers");
    pid_t pid = tu_fork(degraded_child, NULL, 30);
    cr_assert_gt(pid, 0);
    cr_assert(tu_wait_ok(pid), "the wait set did not sleep in degraded slices");
}

static unsigned g_heavy_calls;
static int (*g_heavy_real)(void *);

/* The pipes' shared memory, and their consumer_heavy words as each heavy barrier call found them. */
static void *const *g_heavy_shm;
static int g_heavy_n;
static uint32_t g_heavy_seen[8]; /* g_heavy_n <= 8 */

/* consumer_heavy of the pipe at shm: header line 1, byte 84 (docs/pipe.md, "Layout"). */
static uint32_t consumer_heavy_word(const void *shm)
{
    return *(const volatile uint32_t *)(const void *)((const char *)shm + 84);
}

static int counting_heavy_barrier(void *ctx)
{
    g_heavy_calls++;
    for (int i = 0; g_heavy_shm && i < g_heavy_n && i < 8; i++)
        g_heavy_seen[i] = consumer_heavy_word(g_heavy_shm[i]);
    return g_heavy_real(ctx);
}

/* One round of the wait set puts one heavy barrier (membarrier) between all its pipes' announcements and
 * their re-checks, not one per pipe (review 25: 38 us per cosmosb_waitset_wait(0) with 128 pipes). Core
 * handles on a copy of the Linux platform count the calls. */
Test(waitset, one_heavy_barrier_per_round_whatever_the_number_of_pipes, .timeout = 30)
{
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (q < 0 || !(q & MEMBARRIER_CMD_GLOBAL_EXPEDITED))
        cr_skip_test("no membarrier GLOBAL_EXPEDITED here: pipes never use heavy barriers");
    enum { N = 8 };
    /* One platform table per pipe, each with its own ctx, as Linux pipes have (review 27: calls were
     * shared only between pipes of the same ctx, so Linux pipes still made one per pipe). */
    static cosmosb_platform_t plat[N];
    static int ctx_of[N];
    for (int i = 0; i < N; i++) {
        plat[i] = *cosmosb_linux_platform();
        plat[i].ctx = &ctx_of[i];
    }
    g_heavy_real = plat[0].heavy_barrier;
    cr_assert_not_null(g_heavy_real);
    for (int i = 0; i < N; i++)
        plat[i].heavy_barrier = counting_heavy_barrier;
    cosmosb_pipe_config_t cfg;
    ASSERT_RC(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.capacity = 8;
    cfg.slot_size = 64;
    uint64_t size = 0;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &size), COSMOSB_OK);
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, cfg.max_producers);
    void *shm[N], *hm[N];
    cosmosb_pipe_t *c[N], *r = NULL;
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < N; i++) {
        shm[i] = aligned_alloc(COSMOSB_CACHELINE, (size_t)size);
        hm[i] = malloc(hs);
        cr_assert(shm[i] && hm[i]);
        ASSERT_RC(cosmosb_pipe_open_consumer(hm[i], hs, shm[i], size, &cfg, &plat[i], NULL, &c[i]), COSMOSB_OK);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
    }
    g_heavy_calls = 0;
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &r), COSMOSB_EAGAIN);
    cr_assert_eq(g_heavy_calls, 1u, "%u heavy barriers for one round over %d pipes", g_heavy_calls, N);
    g_heavy_calls = 0;
    ASSERT_RC(cosmosb_waitset_wait(ws, 2 * MS, &r), COSMOSB_ETIMEDOUT);
    cr_assert_geq(g_heavy_calls, 1u);
    cr_assert_lt(g_heavy_calls, (unsigned)N, "%u heavy barriers in a 2 ms wait (a few rounds) over %d pipes",
                 g_heavy_calls, N);
    /* Frequent sleepers (docs/pipe.md): round after round with nothing to receive, each pipe asks its
     * wakers to fence after four frequent sleeps, and the rounds stop issuing heavy barriers (five for
     * ten rounds if no round waits 1 ms for the CPU: the first is not frequent, the fifth switches).
     * And a pipe's switch to FENCE (2) comes before the round's heavy barrier, which must find it
     * there: the barrier is what covers wakers that still read HEAVY (1). Deciding pipe by pipe stored
     * FENCE for every pipe after the first only after the round's one barrier. */
    g_heavy_shm = shm;
    g_heavy_n = N;
    g_heavy_calls = 0;
    int switched = 0;
    for (int k = 0; k < 10; k++) {
        uint32_t before[N];
        unsigned calls = g_heavy_calls;
        for (int i = 0; i < N; i++)
            before[i] = consumer_heavy_word(shm[i]);
        ASSERT_RC(cosmosb_waitset_wait(ws, 0, &r), COSMOSB_EAGAIN);
        for (int i = 0; i < N; i++) {
            if (before[i] != 1u || consumer_heavy_word(shm[i]) != 2u)
                continue;
            switched++;
            cr_assert_gt(g_heavy_calls, calls, "round %d: pipe %d switched to FENCE without a heavy barrier", k, i);
            cr_assert_eq(g_heavy_seen[i], 2u, "round %d: the heavy barrier ran before pipe %d stored FENCE", k, i);
        }
    }
    g_heavy_shm = NULL;
    cr_assert_eq(switched, N, "%d of %d pipes switched to FENCE in ten rounds of frequent sleeps", switched, N);
    cr_assert_leq(g_heavy_calls, 7u, "%u heavy barriers in ten rounds of frequent sleeps", g_heavy_calls);
    g_heavy_calls = 0;
    for (int k = 0; k < 3; k++)
        ASSERT_RC(cosmosb_waitset_wait(ws, 0, &r), COSMOSB_EAGAIN);
    cr_assert_leq(g_heavy_calls, 1u, "%u heavy barriers in three more rounds", g_heavy_calls);
    /* A busy set: a pipe with a message is found without announcing anything, so without any barrier
     * (review 27: every pipe was announced first, one barrier per pipe per call). */
    size_t phs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    void *pm = malloc(phs);
    cosmosb_pipe_t *pr = NULL;
    ASSERT_RC(cosmosb_pipe_open_producer(pm, phs, shm[N - 1], size, &plat[N - 1], NULL, &pr), COSMOSB_OK);
    uint64_t v = 42;
    ASSERT_RC(cosmosb_pipe_send(pr, 1, &v, sizeof v, 0, COSMOSB_TIMEOUT_NONE), COSMOSB_OK);
    g_heavy_calls = 0;
    ASSERT_RC(cosmosb_waitset_wait(ws, 0, &r), COSMOSB_OK);
    cr_assert_eq(r, c[N - 1]);
    cr_assert_eq(g_heavy_calls, 0u, "%u heavy barriers to find a pipe with a message", g_heavy_calls);
    cosmosb_pipe_close_endpoint(pr);
    free(pm);
    for (int i = 0; i < N; i++) {
        ASSERT_RC(cosmosb_waitset_remove(ws, c[i]), COSMOSB_OK);
        cosmosb_pipe_close_endpoint(c[i]);
        free(hm[i]);
        free(shm[i]);
    }
    cosmosb_waitset_destroy(ws);
}

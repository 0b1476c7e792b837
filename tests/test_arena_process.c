/*
 * test_arena_process.c - arenas between real processes: read-only
 * receivers (the kernel refuses their writes), writers forked from the
 * creator, fan-out to receiver processes, and the crash test: children
 * that allocate, build trees, share and release are SIGKILLed at random
 * points (at least 1000 times; COSMOSB_TEST_LONG=1 for 20000), and after
 * each reap the arena's usage is back to what the survivor holds and every
 * surviving object is intact.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

static cosmosb_arena_t *create_arena(uint64_t data, uint32_t block, uint32_t opb, uint32_t maxp, uint32_t maxt)
{
    cosmosb_arena_config_t cfg;
    ASSERT_RC(cosmosb_arena_config_init(&cfg), COSMOSB_OK);
    cfg.data_size = data;
    cfg.block_size = block;
    cfg.objects_per_block = opb;
    cfg.max_participants = maxp;
    cfg.max_transfers = maxt;
    cosmosb_arena_t *a = NULL;
    ASSERT_RC(cosmosb_arena_create(&cfg, &a), COSMOSB_OK);
    return a;
}

static void fill(uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 31u + i);
}

static int check_fill(const uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(seed * 31u + i))
            return 0;
    return 1;
}

static void write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(4);
        p += k;
        n -= (size_t)k;
    }
}

static int read_full(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return 0;
        got += (size_t)k;
    }
    return 1;
}

/* ---- read-only receivers ------------------------------------------------ */

static void segv_exit(int sig)
{
    (void)sig;
    _exit(42);
}

struct ro_arg {
    int sock;
};

static int ro_child(void *argp)
{
    struct ro_arg *arg = argp;
    cosmosb_arena_t *b;
    cosmosb_peer_cred_t cred;
    CHILD_CHECK_RC(cosmosb_arena_attach_socket(arg->sock, 0, &b, &cred), COSMOSB_OK);
    CHILD_CHECK(cred.pid == (int32_t)getppid());
    /* a writer is refused: the data area is sealed */
    cosmosb_arena_t *w;
    CHILD_CHECK_RC(cosmosb_arena_attach_fds(cosmosb_arena_meta_fd(b), cosmosb_arena_data_fd(b), COSMOSB_ARENA_WRITER, &w),
                   COSMOSB_EPERM);
    uint32_t me = cosmosb_arena_participant(b);
    write_all(arg->sock, &me, sizeof me);
    cosmosb_ref_t t;
    CHILD_CHECK(read_full(arg->sock, &t, sizeof t));
    CHILD_CHECK_RC(cosmosb_arena_accept(b, &t), COSMOSB_OK);
    const void *d;
    uint32_t sz;
    CHILD_CHECK_RC(cosmosb_arena_resolve(b, &t, 77, &d, &sz), COSMOSB_OK);
    CHILD_CHECK(sz == 4096 && check_fill(d, sz, 5));
    CHILD_CHECK_RC(cosmosb_arena_alloc(b, 1, 10, 0, &t, NULL), COSMOSB_EPERM);
    /* the kernel refuses every way to write: a new writable mapping, mprotect, write(2), reopening */
    int fd = cosmosb_arena_data_fd(b);
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHILD_CHECK(m == MAP_FAILED);
    uintptr_t page = (uintptr_t)d & ~(uintptr_t)4095;
    CHILD_CHECK(mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) != 0);
    uint8_t byte = 1;
    CHILD_CHECK(pwrite(fd, &byte, 1, 0) < 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rw = open(path, O_RDWR);
    if (rw >= 0) {
        m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
        CHILD_CHECK(m == MAP_FAILED);
        CHILD_CHECK(pwrite(rw, &byte, 1, 0) < 0);
        close(rw);
    }
    /* and a plain store into the frozen object faults */
    fflush(NULL);
    pid_t g = fork();
    if (g == 0) {
        /* Our own handler, so that sanitizers (which trap SIGSEGV) report it the same way. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = segv_exit;
        sigaction(SIGSEGV, &sa, NULL);
        ((volatile uint8_t *)(uintptr_t)d)[0] = 0xff;
        _exit(0); /* must not get here */
    }
    int st = tu_wait(g);
    CHILD_CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) || (WIFEXITED(st) && WEXITSTATUS(st) == 42));
    CHILD_CHECK(check_fill(d, sz, 5));
    CHILD_CHECK_RC(cosmosb_arena_release(b, &t), COSMOSB_OK);
    cosmosb_arena_close(b);
    return 0;
}

Test(arena_process, receivers_cannot_write_frozen_data, .timeout = 60)
{
    cosmosb_arena_t *a = create_arena(1 << 20, 4096, 32, 4, 16);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ASSERT_RC(cosmosb_arena_share(a, sv[0], 0), COSMOSB_ESTATE); /* not sealed: read-only sharing refused */
    ASSERT_RC(cosmosb_arena_seal(a), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_seal(a), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_share(a, sv[0], COSMOSB_ARENA_SHARE_WRITABLE), COSMOSB_ESTATE);
    /* the creator still writes through its own mapping */
    cosmosb_ref_t r, t;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(a, 77, 4096, 0, &r, &p), COSMOSB_OK);
    fill(p, 4096, 5);
    ASSERT_RC(cosmosb_arena_freeze(a, &r), COSMOSB_OK);
    struct ro_arg arg = {sv[1]};
    pid_t pid = tu_fork(ro_child, &arg, 30);
    ASSERT_RC(cosmosb_arena_share(a, sv[0], 0), COSMOSB_OK);
    uint32_t who;
    cr_assert(read_full(sv[0], &who, sizeof who));
    ASSERT_RC(cosmosb_arena_give(a, &r, who, &t), COSMOSB_OK);
    write_all(sv[0], &t, sizeof t);
    cr_assert(tu_wait_ok(pid));
    const void *d;
    ASSERT_RC(cosmosb_arena_resolve(a, &r, 77, &d, NULL), COSMOSB_OK);
    cr_assert(check_fill(d, 4096, 5));
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    cosmosb_arena_stats_t s;
    ASSERT_RC(cosmosb_arena_stats(a, &s), COSMOSB_OK);
    cr_assert_eq(s.live_objects, 0u);
    cr_assert_eq(s.participants, 1u);
    close(sv[0]);
    close(sv[1]);
    cosmosb_arena_close(a);
}

/* ---- writers forked from the creator -------------------------------------- */

struct fork_arg {
    cosmosb_arena_t *parent;
    int wr;
};

static int writer_child(void *argp)
{
    struct fork_arg *arg = argp;
    cosmosb_arena_t *c;
    CHILD_CHECK_RC(cosmosb_arena_fork_join(arg->parent, &c), COSMOSB_OK);
    cosmosb_arena_forget(arg->parent);
    for (uint32_t i = 0; i < 50; i++) {
        cosmosb_ref_t r, t;
        void *p;
        CHILD_CHECK_RC(cosmosb_arena_alloc(c, 1000 + i, 100 + i * 50, 0, &r, &p), COSMOSB_OK);
        fill(p, 100 + i * 50, i);
        CHILD_CHECK_RC(cosmosb_arena_freeze(c, &r), COSMOSB_OK);
        CHILD_CHECK_RC(cosmosb_arena_give(c, &r, 0, &t), COSMOSB_OK);
        CHILD_CHECK_RC(cosmosb_arena_release(c, &r), COSMOSB_OK);
        write_all(arg->wr, &t, sizeof t);
    }
    cosmosb_arena_close(c); /* leaves with transfers in flight: a zombie until the parent takes them */
    return 0;
}

Test(arena_process, forked_writers_share_after_seal, .timeout = 60)
{
    cosmosb_arena_t *a = create_arena(4 << 20, 4096, 32, 4, 64);
    ASSERT_RC(cosmosb_arena_seal(a), COSMOSB_OK); /* a fork keeps the writable mapping */
    int pp[2];
    cr_assert_eq(pipe(pp), 0);
    struct fork_arg arg = {a, pp[1]};
    pid_t pid = tu_fork(writer_child, &arg, 30);
    close(pp[1]);
    cr_assert(tu_wait_ok(pid));
    for (uint32_t i = 0; i < 50; i++) {
        cosmosb_ref_t t;
        cr_assert(read_full(pp[0], &t, sizeof t));
        ASSERT_RC(cosmosb_arena_accept(a, &t), COSMOSB_OK);
        const void *d;
        uint32_t sz;
        ASSERT_RC(cosmosb_arena_resolve(a, &t, 1000 + i, &d, &sz), COSMOSB_OK);
        cr_assert_eq(sz, 100 + i * 50);
        cr_assert(check_fill(d, sz, i));
        ASSERT_RC(cosmosb_arena_release(a, &t), COSMOSB_OK);
    }
    close(pp[0]);
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    cosmosb_arena_stats_t s;
    ASSERT_RC(cosmosb_arena_stats(a, &s), COSMOSB_OK);
    cr_assert_eq(s.live_objects, 0u);
    cr_assert_eq(s.zombies, 0u);
    cr_assert_eq(s.blocks_free, s.blocks_total, "the child's blocks came back");
    cosmosb_arena_close(a);
}

/* ---- fan-out to receiver processes ------------------------------------- */

struct fan_arg {
    int sock;
    int die_before_accept;
};

static int fan_child(void *argp)
{
    struct fan_arg *arg = argp;
    cosmosb_arena_t *b;
    CHILD_CHECK_RC(cosmosb_arena_attach_socket(arg->sock, 0, &b, NULL), COSMOSB_OK);
    uint32_t me = cosmosb_arena_participant(b);
    write_all(arg->sock, &me, sizeof me);
    cosmosb_ref_t t;
    CHILD_CHECK(read_full(arg->sock, &t, sizeof t));
    if (arg->die_before_accept)
        raise(SIGKILL);
    CHILD_CHECK_RC(cosmosb_arena_accept(b, &t), COSMOSB_OK);
    const void *d;
    uint32_t sz;
    CHILD_CHECK_RC(cosmosb_arena_resolve(b, &t, 9, &d, &sz), COSMOSB_OK);
    CHILD_CHECK(sz == 65536 && check_fill(d, sz, 9));
    write_all(arg->sock, &me, sizeof me); /* "done reading" */
    char c;
    CHILD_CHECK(read(arg->sock, &c, 1) == 1);
    CHILD_CHECK_RC(cosmosb_arena_release(b, &t), COSMOSB_OK);
    cosmosb_arena_close(b);
    return 0;
}

Test(arena_process, fan_out_to_eight_processes, .timeout = 60)
{
    enum { N = 8 };
    cosmosb_arena_t *a = create_arena(4 << 20, 4096, 32, 10, 16);
    ASSERT_RC(cosmosb_arena_seal(a), COSMOSB_OK);
    cosmosb_ref_t r, t;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(a, 9, 65536, 0, &r, &p), COSMOSB_OK);
    fill(p, 65536, 9);
    ASSERT_RC(cosmosb_arena_freeze(a, &r), COSMOSB_OK);
    int sv[N][2];
    pid_t pid[N];
    struct fan_arg arg[N];
    for (int i = 0; i < N; i++) {
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
        arg[i] = (struct fan_arg){sv[i][1], i == 3};
        pid[i] = tu_fork(fan_child, &arg[i], 30);
        ASSERT_RC(cosmosb_arena_share(a, sv[i][0], 0), COSMOSB_OK);
    }
    for (int i = 0; i < N; i++) {
        uint32_t who;
        cr_assert(read_full(sv[i][0], &who, sizeof who));
        ASSERT_RC(cosmosb_arena_give(a, &r, who, &t), COSMOSB_OK);
        write_all(sv[i][0], &t, sizeof t);
    }
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK); /* the creator lets go: only the transfers hold it */
    for (int i = 0; i < N; i++) {
        uint32_t who;
        if (i == 3)
            continue;
        cr_assert(read_full(sv[i][0], &who, sizeof who), "receiver %d read the object", i);
    }
    cosmosb_arena_stats_t s;
    ASSERT_RC(cosmosb_arena_stats(a, &s), COSMOSB_OK);
    cr_assert_eq(s.live_objects, 1u, "one object for eight receivers, no copy");
    int st = tu_wait(pid[3]);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    for (int i = 0; i < N; i++) {
        if (i != 3) {
            write_all(sv[i][0], "x", 1);
            cr_assert(tu_wait_ok(pid[i]));
        }
        close(sv[i][0]);
        close(sv[i][1]);
    }
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK); /* reaps the killed receiver: its transfer is cancelled */
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_stats(a, &s), COSMOSB_OK);
    cr_assert_eq(s.live_objects, 0u);
    cr_assert_eq(s.participants, 1u);
    cr_assert_eq(s.zombies, 0u);
    cosmosb_arena_close(a);
}

/* ---- crash reaping --------------------------------------------------------- */

#define SURVIVORS 12

struct crash_arg {
    cosmosb_arena_t *parent;
    int wr;
    uint32_t seed;
    cosmosb_ref_t survivors[SURVIVORS];
};

/* A busy participant: allocates (small, big, trees), shares with the parent, releases, until killed. */
static int crash_child(void *argp)
{
    struct crash_arg *arg = argp;
    cosmosb_arena_t *c;
    CHILD_CHECK_RC(cosmosb_arena_fork_join(arg->parent, &c), COSMOSB_OK);
    uint32_t me = cosmosb_arena_participant(c);
    cosmosb_ref_t hello = {me, 0, 0, 0};
    write_all(arg->wr, &hello, sizeof hello);
    uint32_t x = arg->seed | 1u;
    cosmosb_ref_t mine[32];
    int n = 0;
    for (uint64_t op = 0;; op++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        uint32_t what = x % 16u;
        if (what < 6 && n < 32) { /* allocate a leaf or a parent of some of ours */
            uint32_t size = (x >> 8) % 600u, kids = (what == 5 && n) ? 1u + (x >> 20) % 3u : 0u;
            if ((x >> 4) % 64u == 0)
                size = 9000u + (x >> 12) % 5000u; /* a run of blocks now and then */
            cosmosb_ref_t r;
            void *p;
            int rc = cosmosb_arena_alloc(c, 500, size + 4u, kids, &r, &p);
            if (rc == COSMOSB_ENOMEM)
                continue;
            CHILD_CHECK_RC(rc, COSMOSB_OK);
            memcpy(p, &size, 4);
            fill((uint8_t *)p + 4, size, size);
            for (uint32_t k = 0; k < kids; k++)
                CHILD_CHECK_RC(cosmosb_arena_add_child(c, &r, &mine[(x >> (k * 3)) % (uint32_t)n]), COSMOSB_OK);
            CHILD_CHECK_RC(cosmosb_arena_freeze(c, &r), COSMOSB_OK);
            mine[n++] = r;
        } else if (what < 9 && n) { /* give one to the parent */
            cosmosb_ref_t t;
            int rc = cosmosb_arena_give(c, &mine[x % (uint32_t)n], 0, &t);
            if (rc == COSMOSB_ENOMEM)
                continue;
            CHILD_CHECK_RC(rc, COSMOSB_OK);
            write_all(arg->wr, &t, sizeof t);
        } else if (what < 13 && n) { /* release one */
            uint32_t i = x % (uint32_t)n;
            CHILD_CHECK_RC(cosmosb_arena_release(c, &mine[i]), COSMOSB_OK);
            mine[i] = mine[--n];
        } else if (what < 15) { /* borrow a survivor for a moment */
            cosmosb_ref_t *s = &arg->survivors[x % SURVIVORS];
            CHILD_CHECK_RC(cosmosb_arena_acquire(c, s), COSMOSB_OK);
            CHILD_CHECK_RC(cosmosb_arena_release(c, s), COSMOSB_OK);
        } else {
            CHILD_CHECK_RC(cosmosb_arena_poll(c, NULL), COSMOSB_OK);
        }
    }
}

/* SIGKILLs a forked participant `rounds` times (arena of maxp participants); checks after every reap. */
static void sigkill_rounds(uint32_t maxp, uint32_t rounds)
{
    cosmosb_arena_t *a = create_arena(4 << 20, 4096, 64, maxp, 256);
    /* the survivor's own objects, a small tree among them */
    struct crash_arg arg;
    memset(&arg, 0, sizeof arg);
    arg.parent = a;
    for (int i = 0; i < SURVIVORS; i++) {
        void *p;
        uint32_t kids = i >= SURVIVORS - 2 ? 2u : 0u;
        ASSERT_RC(cosmosb_arena_alloc(a, 900 + (uint64_t)i, 256, kids, &arg.survivors[i], &p), COSMOSB_OK);
        fill(p, 256, 900u + (uint32_t)i);
        for (uint32_t k = 0; k < kids; k++)
            ASSERT_RC(cosmosb_arena_add_child(a, &arg.survivors[i], &arg.survivors[k]), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_freeze(a, &arg.survivors[i]), COSMOSB_OK);
    }
    cosmosb_arena_stats_t base, s;
    ASSERT_RC(cosmosb_arena_stats(a, &base), COSMOSB_OK);
    srand(tu_seed(2026u));
    uint64_t accepted = 0, declined = 0, graph_deaths = 0;
    for (uint32_t round = 0; round < rounds; round++) {
        int pp[2];
        cr_assert_eq(pipe(pp), 0);
        arg.wr = pp[1];
        arg.seed = (uint32_t)rand();
        pid_t pid = tu_fork(crash_child, &arg, 30);
        close(pp[1]);
        cosmosb_ref_t hello;
        int got_hello = 0;
        /* kill it at a random point: right away (mid-join, say), or after up to 3 ms of work counted
         * from its hello, so that a slow machine (TSan, a loaded CI) still sees it work before it dies:
         * counted from the fork, the 3 ms once ran out before a single transfer in 100 kills */
        uint32_t delay = (uint32_t)rand() % 8u == 0 ? 0u : (uint32_t)rand() % 3000u;
        if (delay) {
            got_hello = read_full(pp[0], &hello, sizeof hello); /* 0: it ended first (checked below) */
            struct timespec ts = {0, (long)delay * 1000L};
            nanosleep(&ts, NULL);
        }
        kill(pid, SIGKILL);
        int st = tu_wait(pid);
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "round %u: the child ended by itself (status %#x)",
                  round, st);
        /* take what it sent before it died */
        cosmosb_ref_t t;
        while (read_full(pp[0], &t, sizeof t)) {
            if (!got_hello) {
                hello = t;
                got_hello = 1;
                continue;
            }
            ASSERT_RC(cosmosb_arena_accept(a, &t), COSMOSB_OK);
            const void *d;
            uint32_t sz, size;
            ASSERT_RC(cosmosb_arena_resolve(a, &t, 500, &d, &sz), COSMOSB_OK);
            memcpy(&size, d, 4);
            cr_assert_eq(sz, size + 4u);
            cr_assert(check_fill((const uint8_t *)d + 4, size, size), "round %u: a shared object is damaged", round);
            ASSERT_RC(cosmosb_arena_release(a, &t), COSMOSB_OK);
            accepted++;
        }
        close(pp[0]);
        if (got_hello) {
            /* transfers it made but never sent (killed in between) */
            uint32_t n = 0;
            ASSERT_RC(cosmosb_arena_decline_from(a, hello.object, &n), COSMOSB_OK);
            declined += n;
        }
        if (cosmosb_arena_stats(a, &s) == COSMOSB_OK && s.live_objects != base.live_objects)
            graph_deaths++;
        ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_stats(a, &s), COSMOSB_OK);
        cr_assert_eq(s.participants, 1u, "round %u", round);
        cr_assert_eq(s.zombies, 0u, "round %u", round);
        cr_assert_eq(s.transfers_live, 0u, "round %u", round);
        cr_assert_eq(s.live_objects, base.live_objects, "round %u: %u live objects, %u expected", round,
                     s.live_objects, base.live_objects);
        cr_assert_eq(s.object_bytes, base.object_bytes, "round %u", round);
        cr_assert_eq(s.blocks_free, base.blocks_free, "round %u: %u free blocks, %u expected", round,
                     s.blocks_free, base.blocks_free);
        if (round % 50 == 0 || round == rounds - 1)
            for (int i = 0; i < SURVIVORS; i++) {
                const void *d;
                ASSERT_RC(cosmosb_arena_resolve(a, &arg.survivors[i], 900 + (uint64_t)i, &d, NULL), COSMOSB_OK);
                cr_assert(check_fill(d, 256, 900u + (uint32_t)i), "round %u: survivor %d damaged", round, i);
            }
    }
    cr_log_info("%u kills: %llu objects received from the dying, %llu unsent transfers declined, %llu rounds "
                "with objects left for the reaper, %u graph-lock operations completed for the dead",
                rounds, (unsigned long long)accepted, (unsigned long long)declined, (unsigned long long)graph_deaths,
                s.recoveries);
    cr_assert_gt(accepted, 0u);
    cr_assert_gt(graph_deaths, 0u, "the reaper always had something to do");
    for (int i = SURVIVORS - 1; i >= 0; i--)
        ASSERT_RC(cosmosb_arena_release(a, &arg.survivors[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_stats(a, &s), COSMOSB_OK);
    cr_assert_eq(s.live_objects, 0u);
    cosmosb_arena_close(a);
}

Test(arena_process, sigkill_at_random_points_leaves_no_trace, .timeout = 900)
{
    const char *lng = getenv("COSMOSB_TEST_LONG");
    sigkill_rounds(8, (lng && lng[0] == '1') ? 20000u : tu_quick() ? 200u : 1000u);
}

/* The same with 64 participants: two holder words, so every free check of a
 * frozen object closes it first (docs/arena.md, "Closing"), and the child
 * also dies holding objects CLOSING. */
Test(arena_process, sigkill_with_two_holder_words_leaves_no_trace, .timeout = 900)
{
    const char *lng = getenv("COSMOSB_TEST_LONG");
    sigkill_rounds(64, (lng && lng[0] == '1') ? 5000u : tu_quick() ? 100u : 500u);
}

static int filler_child(void *argp)
{
    struct fork_arg *arg = argp;
    cosmosb_arena_t *c;
    CHILD_CHECK_RC(cosmosb_arena_fork_join(arg->parent, &c), COSMOSB_OK);
    cosmosb_ref_t r;
    void *p;
    while (cosmosb_arena_alloc(c, 1, 3000, 0, &r, &p) == COSMOSB_OK)
        ;
    write_all(arg->wr, "f", 1);
    for (;;)
        pause();
}

Test(arena_process, allocation_reaps_dead_participants_by_itself, .timeout = 60)
{
    cosmosb_arena_t *a = create_arena(64 * 4096, 4096, 32, 4, 16);
    int pp[2];
    cr_assert_eq(pipe(pp), 0);
    struct fork_arg arg = {a, pp[1]};
    pid_t pid = tu_fork(filler_child, &arg, 30);
    char c;
    cr_assert_eq(read(pp[0], &c, 1), 1);
    cosmosb_ref_t r;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(a, 1, 3000, 0, &r, &p), COSMOSB_ENOMEM); /* full, and its filler is alive */
    kill(pid, SIGKILL);
    tu_wait(pid);
    uint64_t t0 = tu_now_ns();
    ASSERT_RC(cosmosb_arena_alloc(a, 1, 3000, 0, &r, &p), COSMOSB_OK); /* reaped on the way */
    cr_log_info("allocation that reaped a dead participant holding 64 blocks: %.2f ms",
                (double)(tu_now_ns() - t0) / 1e6);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    close(pp[0]);
    close(pp[1]);
    cosmosb_arena_close(a);
}

/*
 * Pids mean something only inside one pid namespace (eleventh review): a
 * participant in another namespace asked pidfd_open() about the creator's
 * pid in its own namespace, found nobody, and reaped the live creator (whose
 * objects were then freed under it); the creator, likewise, judged it by an
 * unrelated pid. A participant outside the creator's namespace then joined
 * without an id, and its death was the application's to assert. With
 * liveness locks (docs/liveness.md), which do not depend on the namespace,
 * it joins with a flagged id: it judges the creator alive, and the creator
 * reaps it by itself once it is killed. (Without a lock it still joins
 * without an id.) Needs CAP_SYS_ADMIN for unshare(CLONE_NEWPID); skipped
 * without it.
 */
struct ns_arg {
    cosmosb_arena_t *parent;
    int wr;
};

static int ns_grandchild(struct ns_arg *arg)
{
    /* Never outlive the test: when our parent goes (it goes when the test process goes), so do we.
     * (getppid() says 0 here: our parent is outside our namespace.) */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        return 1;
    cosmosb_arena_t *g;
    CHILD_CHECK_RC(cosmosb_arena_fork_join(arg->parent, &g), COSMOSB_OK);
    cosmosb_arena_forget(arg->parent);
    uint32_t me = cosmosb_arena_participant(g);
    cosmosb_arena_participant_stats_t ps;
    CHILD_CHECK_RC(cosmosb_arena_participant_stats(g, me, &ps), COSMOSB_OK);
    /* A flagged id (a liveness lock): our pid alone would mean nothing to the others. */
    CHILD_CHECK((ps.self_id & 0x40000000u) && (ps.self_id & 0x3fffffu) == (uint32_t)getpid());
    uint32_t reaped = 7;
    CHILD_CHECK_RC(cosmosb_arena_poll(g, &reaped), COSMOSB_OK); /* the creator's pid is nobody here */
    CHILD_CHECK(reaped == 0);
    cosmosb_arena_stats_t s;
    CHILD_CHECK_RC(cosmosb_arena_stats(g, &s), COSMOSB_OK);
    CHILD_CHECK(s.participants == 2 && s.zombies == 0);
    uint8_t msg[5] = {'j'};
    memcpy(msg + 1, &me, 4);
    write_all(arg->wr, msg, sizeof msg);
    for (;;)
        pause();
}

static int ns_child(void *argp)
{
    struct ns_arg *arg = argp;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() == 1)
        return 1;
    uint8_t msg[5] = {'s'};
    if (unshare(CLONE_NEWPID) != 0) {
        write_all(arg->wr, msg, sizeof msg); /* not permitted here: the test is skipped */
        return 0;
    }
    fflush(NULL);
    pid_t g = fork(); /* pid 1 of the new namespace */
    if (g == 0)
        _exit(ns_grandchild(arg));
    int32_t gp = (int32_t)g;
    msg[0] = 'g';
    memcpy(msg + 1, &gp, 4);
    write_all(arg->wr, msg, sizeof msg);
    int st = tu_wait(g);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 0 : 1;
}

static cosmosb_arena_stats_t stats_of(cosmosb_arena_t *a)
{
    cosmosb_arena_stats_t s;
    ASSERT_RC(cosmosb_arena_stats(a, &s), COSMOSB_OK);
    return s;
}

Test(arena_process, a_participant_in_another_pid_namespace_is_judged_by_its_liveness_lock, .timeout = 60)
{
    cosmosb_arena_t *a = create_arena(64 * 4096, 4096, 32, 4, 16);
    cosmosb_ref_t x;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(a, 1, 64, 0, &x, &p), COSMOSB_OK);
    fill(p, 64, 5);
    ASSERT_RC(cosmosb_arena_freeze(a, &x), COSMOSB_OK);
    int pp[2];
    cr_assert_eq(pipe(pp), 0);
    struct ns_arg arg = {a, pp[1]};
    pid_t c = tu_fork(ns_child, &arg, 30);
    close(pp[1]); /* a child that fails closes the pipe: no hang on a read */
    /* Two messages of 5 bytes (atomic pipe writes), in either order: the grandchild's pid from the
     * child ('g') and the grandchild's participant index once it has polled ('j'). */
    int32_t g = 0;
    uint32_t gidx = UINT32_MAX;
    for (int k = 0; k < 2; k++) {
        uint8_t msg[5];
        cr_assert(read_full(pp[0], msg, sizeof msg), "a child failed before it reported");
        if (msg[0] == 's') {
            tu_wait(c);
            cosmosb_arena_close(a);
            cr_skip_test("unshare(CLONE_NEWPID) is not permitted here");
        }
        cr_assert(msg[0] == 'g' || msg[0] == 'j', "unexpected message '%c'", msg[0]);
        memcpy(msg[0] == 'g' ? (void *)&g : (void *)&gidx, msg + 1, 4);
    }
    cr_assert(g > 0 && gidx != UINT32_MAX);
    /* It polled and reaped nobody: our object is intact. */
    const void *d;
    ASSERT_RC(cosmosb_arena_resolve(a, &x, 1, &d, NULL), COSMOSB_OK);
    cr_assert(check_fill(d, 64, 5));
    uint32_t reaped = 7;
    ASSERT_RC(cosmosb_arena_poll(a, &reaped), COSMOSB_OK);
    cr_assert_eq(reaped, 0u);
    cr_assert_eq(stats_of(a).participants, 2u);
    /* Killed, it is reaped by our poll: its lock is gone. (Asked by its pid, 1 in its namespace, it
     * would have looked alive for ever: our namespace's pid 1 is init.) */
    kill((pid_t)g, SIGKILL);
    cr_assert_eq(tu_wait(c), 0);
    ASSERT_RC(cosmosb_arena_poll(a, &reaped), COSMOSB_OK);
    cr_assert_eq(reaped, 1u);
    cr_assert_eq(stats_of(a).participants, 1u);
    ASSERT_RC(cosmosb_arena_reap(a, gidx), COSMOSB_EAGAIN); /* nothing left to reap */
    ASSERT_RC(cosmosb_arena_release(a, &x), COSMOSB_OK);
    cr_assert_eq(stats_of(a).live_objects, 0u);
    close(pp[0]);
    cosmosb_arena_close(a);
}

/* ---- attach refuses memfds whose size could still change (arena_linux.h) ---- */


/* A copy of the memfd fd in a new memfd (created with or without sealing support) with `seals` added. */
static int copy_memfd(int fd, int allow_sealing, int seals)
{
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    size_t size = (size_t)st.st_size;
    int c = memfd_create("cosmosb-copy", MFD_CLOEXEC | (allow_sealing ? MFD_ALLOW_SEALING : 0u));
    cr_assert_geq(c, 0);
    cr_assert_eq(ftruncate(c, st.st_size), 0);
    void *src = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    void *dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c, 0);
    cr_assert(src != MAP_FAILED && dst != MAP_FAILED);
    memcpy(dst, src, size);
    munmap(src, size);
    munmap(dst, size);
    if (seals)
        cr_assert_eq(fcntl(c, F_ADD_SEALS, seals), 0);
    return c;
}

Test(arena_process, attach_refuses_memfds_whose_size_is_not_sealed, .timeout = 60)
{
    cosmosb_arena_t *a = create_arena(1 << 20, 4096, 32, 4, 8);
    cosmosb_ref_t r;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(a, 3, 100, 0, &r, &p), COSMOSB_OK);
    fill(p, 100, 4);
    ASSERT_RC(cosmosb_arena_freeze(a, &r), COSMOSB_OK);
    const int size_seals = F_SEAL_SHRINK | F_SEAL_GROW;
    struct {
        int meta_sealing, meta_seals, data_sealing, data_seals, want;
    } cases[] = {
        {1, size_seals | F_SEAL_SEAL, 1, size_seals | F_SEAL_SEAL, COSMOSB_OK}, /* control: good copies attach */
        {1, size_seals, 1, size_seals, COSMOSB_OK},
        {1, 0, 1, 0, COSMOSB_EBADF},
        {1, 0, 1, size_seals, COSMOSB_EBADF},
        {1, size_seals, 1, 0, COSMOSB_EBADF},
        {1, F_SEAL_SHRINK, 1, size_seals, COSMOSB_EBADF},
        {1, size_seals, 1, F_SEAL_GROW, COSMOSB_EBADF},
        {1, F_SEAL_GROW | F_SEAL_SEAL, 1, size_seals, COSMOSB_EBADF},
        {1, size_seals, 1, F_SEAL_SHRINK | F_SEAL_SEAL, COSMOSB_EBADF},
        {0, 0, 1, size_seals, COSMOSB_EBADF}, /* no sealing support: F_SEAL_SEAL only */
        {1, size_seals, 0, 0, COSMOSB_EBADF},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (uint32_t flags = 0; flags <= COSMOSB_ARENA_WRITER; flags += COSMOSB_ARENA_WRITER) {
            int mfd = copy_memfd(cosmosb_arena_meta_fd(a), cases[i].meta_sealing, cases[i].meta_seals);
            int dfd = copy_memfd(cosmosb_arena_data_fd(a), cases[i].data_sealing, cases[i].data_seals);
            cosmosb_arena_t *b = NULL;
            int rc = cosmosb_arena_attach_fds(mfd, dfd, flags, &b);
            cr_expect_eq(rc, cases[i].want, "case %zu (meta seals %#x, data seals %#x, flags %u): %s, expected %s", i,
                         (unsigned)cases[i].meta_seals, (unsigned)cases[i].data_seals, flags, cosmosb_err_name(rc),
                         cosmosb_err_name(cases[i].want));
            if (rc == COSMOSB_OK) {
                const void *d;
                uint32_t sz = 0;
                ASSERT_RC(cosmosb_arena_resolve(b, &r, 3, &d, &sz), COSMOSB_OK);
                cr_expect(sz == 100 && check_fill(d, 100, 4), "the copy holds the object");
                cosmosb_arena_close(b);
            }
            close(mfd);
            close(dfd);
        }
    }
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    cosmosb_arena_close(a);
}

/* review 21: hugetlbfs memfds can lose pages under a sealed size (a hole punched, the pool dry): SIGBUS.
 * check_memfd takes tmpfs memfds only, for meta and data alike. */
static int hugetlb_memfd(void)
{
    int fd = memfd_create("cosmosb-huge", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, 2 << 20) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

Test(arena_process, attach_refuses_hugetlb_memfds, .timeout = 60)
{
    int probe = hugetlb_memfd();
    if (probe < 0)
        cr_skip_test("this kernel refuses a sealed memfd_create(MFD_HUGETLB)");
    close(probe);
    cosmosb_arena_t *a = create_arena(1 << 20, 4096, 32, 4, 8);
    const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
    for (int which = 0; which < 2; which++) {
        for (uint32_t flags = 0; flags <= COSMOSB_ARENA_WRITER; flags += COSMOSB_ARENA_WRITER) {
            int mfd = which == 0 ? hugetlb_memfd() : copy_memfd(cosmosb_arena_meta_fd(a), 1, seals);
            int dfd = which == 1 ? hugetlb_memfd() : copy_memfd(cosmosb_arena_data_fd(a), 1, seals);
            cr_assert(mfd >= 0 && dfd >= 0);
            cosmosb_arena_t *b = NULL;
            int rc = cosmosb_arena_attach_fds(mfd, dfd, flags, &b);
            cr_expect_eq(rc, COSMOSB_EBADF, "hugetlb %s, flags %u: %s", which == 0 ? "meta" : "data", flags,
                         cosmosb_err_name(rc));
            if (rc == COSMOSB_OK)
                cosmosb_arena_close(b);
            close(mfd);
            close(dfd);
        }
    }
    cosmosb_arena_close(a);
}

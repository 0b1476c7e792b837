/*
 * test_pipe_threads.c - the same protocols between threads of one process,
 * so that ThreadSanitizer (which cannot see across processes) checks the
 * library's memory ordering: every payload byte written before a send must
 * be visible after the matching receive, with no data race reported.
 *
 * Counts are divided by 10 with COSMOSB_TEST_QUICK=1.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

#define FOREVER COSMOSB_TIMEOUT_FOREVER

struct shm_pipe {
    uint8_t *shm;
    uint64_t size;
    const cosmosb_platform_t *plat;
    void *cmem;
    cosmosb_pipe_t *c;
};

static void sp_open(struct shm_pipe *sp, const cosmosb_platform_t *plat, uint32_t mode, uint32_t cap,
                    uint32_t slot, uint32_t maxp)
{
    cosmosb_pipe_config_t cfg;
    cr_assert_eq(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.mode = mode;
    cfg.capacity = cap;
    cfg.slot_size = slot;
    cfg.max_producers = maxp;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &sp->size), COSMOSB_OK);
    sp->shm = aligned_alloc(64, (size_t)sp->size);
    cr_assert_not_null(sp->shm);
    sp->plat = plat;
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, maxp);
    sp->cmem = malloc(hs);
    ASSERT_RC(cosmosb_pipe_open_consumer(sp->cmem, hs, sp->shm, sp->size, &cfg, plat, NULL, &sp->c),
              COSMOSB_OK);
}

static void sp_close(struct shm_pipe *sp)
{
    cosmosb_pipe_close_endpoint(sp->c);
    free(sp->cmem);
    free(sp->shm);
}

struct prod_arg {
    struct shm_pipe *sp;
    uint32_t who;
    uint64_t n;
    int style;  /* 0 send, 1 reserve/commit, 2 batch, 3 mixed with urgent */
    uint64_t spin_ns;
    int failed; /* written by the thread, read after join */
    void *mem;        /* handle memory, opened by the main thread */
    cosmosb_pipe_t *p;
};

/*
 * Every producer attaches before any thread starts: a pipe whose producers
 * have all left reports COSMOSB_ECLOSED until another attaches, so a
 * producer that attached only after the others finished would make the
 * consumer's FOREVER receive end early (a property of the test, not a bug).
 */
static void attach_producer(struct prod_arg *pa)
{
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    pa->mem = malloc(hs);
    cr_assert_not_null(pa->mem);
    ASSERT_RC(cosmosb_pipe_open_producer(pa->mem, hs, pa->sp->shm, pa->sp->size, pa->sp->plat, NULL, &pa->p),
              COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_set_spin_ns(pa->p, pa->spin_ns), COSMOSB_OK);
}

static void *producer_thread(void *a)
{
    struct prod_arg *pa = a;
    void *mem = pa->mem;
    cosmosb_pipe_t *p = pa->p;
    uint8_t msgs[16][64];
    cosmosb_send_item_t it[16];
    uint64_t seq = 0;
    while (seq < pa->n && !pa->failed) {
        uint32_t len = tu_len(seq, 64);
        int style = pa->style == 3 ? (int)(seq % 3) : pa->style;
        if (style == 0) {
            tu_fill(msgs[0], len, pa->who, seq);
            if (cosmosb_pipe_send(p, seq, msgs[0], len, 0, FOREVER) != 0)
                pa->failed = __LINE__;
            seq++;
        } else if (style == 1) {
            cosmosb_slot_t s;
            if (cosmosb_pipe_reserve(p, 0, FOREVER, &s) != 0) {
                pa->failed = __LINE__;
                break;
            }
            tu_fill(s.data, len, pa->who, seq);
            if (cosmosb_pipe_commit(p, &s, seq, len) != 0)
                pa->failed = __LINE__;
            seq++;
        } else {
            uint32_t n = (uint32_t)(1 + seq % 16);
            if (n > pa->n - seq)
                n = (uint32_t)(pa->n - seq);
            for (uint32_t i = 0; i < n; i++) {
                uint32_t l = tu_len(seq + i, 64);
                tu_fill(msgs[i], l, pa->who, seq + i);
                it[i] = (cosmosb_send_item_t){.type_id = seq + i, .data = msgs[i], .len = l};
            }
            int rc = cosmosb_pipe_send_batch(p, it, n, 0, FOREVER);
            if (rc < 1 || rc > (int)n)
                pa->failed = __LINE__;
            else
                seq += (uint64_t)rc;
        }
    }
    cosmosb_pipe_close_endpoint(p);
    free(mem);
    return NULL;
}

/* Consumer loop on the calling thread: recv, peek/consume and batches in turn. */
static void consume_all(struct shm_pipe *sp, int np, const uint64_t *n)
{
    uint64_t next[8] = {0};
    uint64_t total = 0, want = 0;
    for (int i = 0; i < np; i++)
        want += n[i];
    uint8_t bufs[8][64];
    cosmosb_recv_item_t items[8];
    for (int i = 0; i < 8; i++)
        items[i] = (cosmosb_recv_item_t){.buf = bufs[i], .buf_size = 64};
    for (uint64_t round = 0; total < want; round++) {
        const uint8_t *data[8];
        cosmosb_msg_info_t info[8];
        cosmosb_msg_view_t view;
        int got = 0;
        switch (round % 3) {
        case 0: {
            int rc = cosmosb_pipe_recv(sp->c, bufs[0], 64, &info[0], FOREVER);
            ASSERT_RC(rc, COSMOSB_OK);
            data[0] = bufs[0];
            got = 1;
            break;
        }
        case 1:
            ASSERT_RC(cosmosb_pipe_peek(sp->c, &view, FOREVER), COSMOSB_OK);
            data[0] = view.data;
            info[0] = view.info;
            got = 1;
            break;
        default:
            got = cosmosb_pipe_recv_batch(sp->c, items, 8, 0, FOREVER);
            cr_assert_gt(got, 0, "recv_batch: %s", cosmosb_err_name(got));
            for (int k = 0; k < got; k++) {
                data[k] = bufs[k];
                info[k] = items[k].info;
            }
        }
        for (int k = 0; k < got; k++) {
            uint32_t who;
            uint64_t seq;
            cr_assert(tu_check(data[k], info[k].len, &who, &seq), "damaged payload (len %u)",
                      info[k].len);
            cr_assert_lt(who, (uint32_t)np);
            cr_assert_eq(seq, next[who], "producer %u: got %llu, expected %llu", who,
                         (unsigned long long)seq, (unsigned long long)next[who]);
            cr_assert_eq(info[k].len, tu_len(seq, 64));
            cr_assert_eq(info[k].type_id, seq);
            next[who]++;
            total++;
        }
        if (round % 3 == 1)
            ASSERT_RC(cosmosb_pipe_consume(sp->c, &view), COSMOSB_OK);
    }
    for (int i = 0; i < np; i++)
        cr_assert_eq(next[i], n[i]);
}

static void run_threads(const cosmosb_platform_t *plat, uint32_t mode, int np, int style,
                        uint64_t per, uint64_t spin_ns, uint32_t cap)
{
    struct shm_pipe sp;
    sp_open(&sp, plat, mode, cap, 64, (uint32_t)np);
    cosmosb_pipe_set_spin_ns(sp.c, spin_ns);
    pthread_t th[8];
    struct prod_arg pa[8];
    uint64_t n[8];
    for (int i = 0; i < np; i++) {
        n[i] = per;
        pa[i] = (struct prod_arg){&sp, (uint32_t)i, per, style == 4 ? i % 4 : style, spin_ns, 0, NULL, NULL};
        attach_producer(&pa[i]);
    }
    for (int i = 0; i < np; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, producer_thread, &pa[i]), 0);
    consume_all(&sp, np, n);
    for (int i = 0; i < np; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_assert_eq(pa[i].failed, 0, "producer %d failed at line %d", i, pa[i].failed);
    }
    uint8_t buf[64];
    ASSERT_RC(cosmosb_pipe_recv(sp.c, buf, sizeof buf, NULL, FOREVER), COSMOSB_ECLOSED);
    sp_close(&sp);
}

Test(threads, spsc_linux_platform, .timeout = 120)
{
    run_threads(cosmosb_linux_platform(), COSMOSB_PIPE_SPSC, 1, 3, tu_scale(300000), 50000, 64);
}

Test(threads, spsc_default_platform, .timeout = 120)
{
    run_threads(cosmosb_platform_default(), COSMOSB_PIPE_SPSC, 1, 3, tu_scale(300000), 50000, 64);
}

Test(threads, mpsc_three_producers_all_styles, .timeout = 120)
{
    run_threads(cosmosb_linux_platform(), COSMOSB_PIPE_MPSC, 3, 4, tu_scale(200000), 50000, 32);
}

Test(threads, mpsc_spin_zero_small_ring, .timeout = 120)
{
    run_threads(cosmosb_linux_platform(), COSMOSB_PIPE_MPSC, 2, 4, tu_scale(100000), 0, 4);
}

/* ------------------------------------------------------------------------ */
/* blocking ping-pong between threads with no spinning                      */
/* ------------------------------------------------------------------------ */

struct pong_targ {
    struct shm_pipe *a; /* main -> thread (thread consumes: opened by main, handed over) */
    struct shm_pipe *b; /* thread -> main */
    uint64_t n;
    int failed;
};

static void *pong_thread(void *arg)
{
    struct pong_targ *t = arg;
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    void *mem = malloc(hs);
    cosmosb_pipe_t *pb = NULL;
    if (cosmosb_pipe_open_producer(mem, hs, t->b->shm, t->b->size, t->b->plat, NULL, &pb) != 0) {
        t->failed = __LINE__;
        free(mem);
        return NULL;
    }
    cosmosb_pipe_set_spin_ns(pb, 0);
    for (uint64_t i = 0; i < t->n; i++) {
        uint64_t v;
        if (cosmosb_pipe_recv(t->a->c, &v, 8, NULL, FOREVER) != 0 || v != 2 * i) {
            t->failed = __LINE__;
            break;
        }
        v++;
        if (cosmosb_pipe_send(pb, v, &v, 8, 0, FOREVER) != 0) {
            t->failed = __LINE__;
            break;
        }
    }
    cosmosb_pipe_close_endpoint(pb);
    free(mem);
    return NULL;
}

/* N blocking round trips between this thread and another, both ends on plat, nobody spinning. */
static void ping_pong_on(const cosmosb_platform_t *plat, uint64_t N)
{
    struct shm_pipe a, b;
    sp_open(&a, plat, COSMOSB_PIPE_SPSC, 2, 8, 1);
    sp_open(&b, plat, COSMOSB_PIPE_SPSC, 2, 8, 1);
    cosmosb_pipe_set_spin_ns(a.c, 0); /* used by the thread */
    cosmosb_pipe_set_spin_ns(b.c, 0);
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    void *mem = malloc(hs);
    cosmosb_pipe_t *pa = NULL;
    ASSERT_RC(cosmosb_pipe_open_producer(mem, hs, a.shm, a.size, a.plat, NULL, &pa), COSMOSB_OK);
    cosmosb_pipe_set_spin_ns(pa, 0);
    struct pong_targ t = {&a, &b, N, 0};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, pong_thread, &t), 0);
    for (uint64_t i = 0; i < N; i++) {
        uint64_t v = 2 * i;
        ASSERT_RC(cosmosb_pipe_send(pa, v, &v, 8, 0, FOREVER), COSMOSB_OK);
        uint64_t r;
        ASSERT_RC(cosmosb_pipe_recv(b.c, &r, 8, NULL, FOREVER), COSMOSB_OK);
        cr_assert_eq(r, v + 1);
    }
    cr_assert_eq(pthread_join(th, NULL), 0);
    cr_assert_eq(t.failed, 0, "pong thread failed at line %d", t.failed);
    cosmosb_pipe_close_endpoint(pa);
    free(mem);
    sp_close(&a);
    sp_close(&b);
}

Test(threads, blocking_ping_pong_spin_zero, .timeout = 300)
{
    ping_pong_on(cosmosb_linux_platform(), tu_scale(100000));
}

/* ------------------------------------------------------------------------ */
/* a wait set fed by threads                                                */
/* ------------------------------------------------------------------------ */

struct ws_targ {
    cosmosb_pipe_t *c;
    uint32_t who;
    uint64_t n;
    int failed;
};

static void *ws_feeder(void *arg)
{
    struct ws_targ *t = arg;
    cosmosb_pipe_t *p = NULL;
    if (cosmosb_pipe_attach(cosmosb_pipe_fd(t->c), cosmosb_pipe_eventfd(t->c), &p) != 0) {
        t->failed = __LINE__;
        return NULL;
    }
    cosmosb_pipe_set_spin_ns(p, 0);
    uint8_t msg[64];
    for (uint64_t i = 0; i < t->n; i++) {
        uint32_t len = tu_len(i, 64);
        tu_fill(msg, len, t->who, i);
        if (cosmosb_pipe_send(p, i, msg, len, 0, FOREVER) != 0) {
            t->failed = __LINE__;
            break;
        }
    }
    cosmosb_pipe_close(p);
    return NULL;
}

Test(threads, waitset_three_feeder_threads, .timeout = 120)
{
    const uint64_t N = tu_scale(50000);
    cosmosb_pipe_t *c[3];
    struct ws_targ t[3];
    pthread_t th[3];
    cosmosb_waitset_t *ws = NULL;
    ASSERT_RC(cosmosb_waitset_create(&ws), COSMOSB_OK);
    for (int i = 0; i < 3; i++) {
        cosmosb_pipe_config_t cfg;
        cosmosb_pipe_config_init(&cfg);
        cfg.capacity = 16;
        ASSERT_RC(cosmosb_pipe_create(&cfg, &c[i]), COSMOSB_OK);
        cosmosb_pipe_set_spin_ns(c[i], 0);
        ASSERT_RC(cosmosb_waitset_add(ws, c[i]), COSMOSB_OK);
        t[i] = (struct ws_targ){c[i], (uint32_t)i, N, 0};
    }
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, ws_feeder, &t[i]), 0);
    uint64_t next[3] = {0, 0, 0};
    int open = 3;
    while (open > 0) {
        cosmosb_pipe_t *ready = NULL;
        ASSERT_RC(cosmosb_waitset_wait(ws, FOREVER, &ready), COSMOSB_OK);
        int idx = ready == c[0] ? 0 : ready == c[1] ? 1 : ready == c[2] ? 2 : -1;
        cr_assert_geq(idx, 0);
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
            cr_assert(tu_check(buf, info.len, &who, &seq));
            cr_assert_eq(who, (uint32_t)idx);
            cr_assert_eq(seq, next[idx]);
            next[idx]++;
        }
    }
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_assert_eq(t[i].failed, 0, "feeder %d failed at line %d", i, t[i].failed);
        cr_assert_eq(next[i], N);
    }
    cosmosb_waitset_destroy(ws);
    for (int i = 0; i < 3; i++)
        cosmosb_pipe_close(c[i]);
}

/* ------------------------------------------------------------------------ */
/* a counting platform: which hooks (system calls on Linux) were used       */
/* ------------------------------------------------------------------------ */

#include <linux/membarrier.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The Linux platform with every hook that makes a system call counted (now_ns is
 * clock_gettime in the vDSO: not counted). wait32 also counts how its calls ended. */
struct cplat {
    cosmosb_platform_t plat; /* the table given to the library; ctx points here */
    const cosmosb_platform_t *real;
    atomic_ulong wait_enter, wait_ok, wait_timeout, wake, notify, heavy, alive, self, yield;
    atomic_ulong max_slice_ns; /* the longest timeout a wait32 was given */
};

static int cp_wait32(void *ctx, const void *addr, uint32_t expected, uint64_t timeout_ns)
{
    struct cplat *c = ctx;
    atomic_fetch_add(&c->wait_enter, 1);
    unsigned long seen = atomic_load(&c->max_slice_ns);
    while (timeout_ns > seen && !atomic_compare_exchange_weak(&c->max_slice_ns, &seen, (unsigned long)timeout_ns))
        ;
    int rc = c->real->wait32(c->real->ctx, addr, expected, timeout_ns);
    atomic_fetch_add(rc == COSMOSB_OK ? &c->wait_ok : &c->wait_timeout, 1);
    return rc;
}

static void cp_wake32(void *ctx, const void *addr, uint32_t count)
{
    struct cplat *c = ctx;
    atomic_fetch_add(&c->wake, 1);
    c->real->wake32(c->real->ctx, addr, count);
}

static void cp_notify(void *ctx, void *channel)
{
    struct cplat *c = ctx;
    atomic_fetch_add(&c->notify, 1);
    if (c->real->notify)
        c->real->notify(c->real->ctx, channel);
}

static int cp_heavy(void *ctx)
{
    struct cplat *c = ctx;
    atomic_fetch_add(&c->heavy, 1);
    return c->real->heavy_barrier(c->real->ctx);
}

static int cp_alive(void *ctx, uint32_t id)
{
    struct cplat *c = ctx;
    atomic_fetch_add(&c->alive, 1);
    return c->real->peer_alive(c->real->ctx, id);
}

static uint32_t cp_self(void *ctx)
{
    struct cplat *c = ctx;
    atomic_fetch_add(&c->self, 1);
    return c->real->self_id(c->real->ctx);
}

static void cp_yield(void *ctx)
{
    struct cplat *c = ctx;
    atomic_fetch_add(&c->yield, 1);
    c->real->yield(c->real->ctx);
}

static uint64_t cp_now(void *ctx)
{
    struct cplat *c = ctx;
    return c->real->now_ns(c->real->ctx);
}

static int cp_heavy_register(void *ctx)
{
    struct cplat *c = ctx;
    return c->real->heavy_barrier_register ? c->real->heavy_barrier_register(c->real->ctx) : -1;
}

static void cplat_init(struct cplat *c)
{
    memset(c, 0, sizeof *c);
    c->real = cosmosb_linux_platform();
    cr_assert(c->real->wait32 && c->real->wake32 && c->real->now_ns && c->real->yield &&
              c->real->peer_alive && c->real->self_id && c->real->heavy_barrier);
    c->plat = *c->real;
    c->plat.ctx = c;
    c->plat.wait32 = cp_wait32;
    c->plat.wake32 = cp_wake32;
    c->plat.notify = cp_notify;
    c->plat.heavy_barrier = cp_heavy;
    c->plat.heavy_barrier_register = cp_heavy_register;
    c->plat.peer_alive = cp_alive;
    c->plat.self_id = cp_self;
    c->plat.yield = cp_yield;
    c->plat.now_ns = cp_now;
}

static void cplat_reset(struct cplat *c)
{
    atomic_ulong *all[] = {&c->wait_enter, &c->wait_ok, &c->wait_timeout, &c->wake, &c->notify,
                           &c->heavy, &c->alive, &c->self, &c->yield, &c->max_slice_ns};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        atomic_store(all[i], 0);
}

static void cplat_expect_no_syscall(struct cplat *c, const char *who)
{
    cr_expect_eq(atomic_load(&c->wait_enter), 0u, "%s: %lu wait32", who, atomic_load(&c->wait_enter));
    cr_expect_eq(atomic_load(&c->wake), 0u, "%s: %lu wake32", who, atomic_load(&c->wake));
    cr_expect_eq(atomic_load(&c->notify), 0u, "%s: %lu notify", who, atomic_load(&c->notify));
    cr_expect_eq(atomic_load(&c->heavy), 0u, "%s: %lu heavy_barrier", who, atomic_load(&c->heavy));
    cr_expect_eq(atomic_load(&c->alive), 0u, "%s: %lu peer_alive", who, atomic_load(&c->alive));
    cr_expect_eq(atomic_load(&c->self), 0u, "%s: %lu self_id", who, atomic_load(&c->self));
    cr_expect_eq(atomic_load(&c->yield), 0u, "%s: %lu yield", who, atomic_load(&c->yield));
}

static cosmosb_pipe_t *open_producer_on(struct shm_pipe *sp, const cosmosb_platform_t *plat, void **mem)
{
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    *mem = malloc(hs);
    cr_assert_not_null(*mem);
    cosmosb_pipe_t *p = NULL;
    ASSERT_RC(cosmosb_pipe_open_producer(*mem, hs, sp->shm, sp->size, plat, NULL, &p), COSMOSB_OK);
    return p;
}

/* A call blocked in another thread: a receive on the consumer or a send on a producer. */
struct blocked {
    cosmosb_pipe_t *h;
    int rc;
    uint64_t t_ret;
};

static void *blocked_call(void *arg)
{
    struct blocked *b = arg;
    uint64_t v = 77;
    if (cosmosb_pipe_role(b->h) == COSMOSB_ROLE_CONSUMER)
        b->rc = cosmosb_pipe_recv(b->h, &v, sizeof v, NULL, FOREVER);
    else
        b->rc = cosmosb_pipe_send(b->h, v, &v, sizeof v, 0, FOREVER);
    b->t_ret = tu_now_ns();
    return NULL;
}

/* Waits until the handle on platform c has gone to sleep at least once. */
static void wait_until_asleep(struct cplat *c)
{
    uint64_t t0 = tu_now_ns();
    while (atomic_load(&c->wait_enter) == 0) {
        cr_assert_lt(tu_now_ns() - t0, 10000000000ull, "the blocked call never slept");
        tu_sleep_ms(1);
    }
}

/* "No system call unless the other side is asleep" (README): sends and receives between two awake
 * handles never reach a platform hook that makes a system call; when the consumer does sleep, the
 * same counters see the producer's wake (so they would see one made without a sleeper). */
Test(threads, no_system_call_unless_the_other_side_is_asleep, .timeout = 60)
{
    struct cplat cc, cp;
    cplat_init(&cc);
    cplat_init(&cp);
    struct shm_pipe sp;
    sp_open(&sp, &cc.plat, COSMOSB_PIPE_SPSC, 8, 64, 1);
    void *pmem;
    cosmosb_pipe_t *p = open_producer_on(&sp, &cp.plat, &pmem);
    uint64_t v = 99, r;
    /* one message first: a consumer that discovers a newly attached producer checks the
     * other producers' liveness once (a system call per attach, not per message) */
    ASSERT_RC(cosmosb_pipe_send(p, v, &v, 8, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_recv(sp.c, &r, 8, NULL, 0), COSMOSB_OK);
    cplat_reset(&cc);
    cplat_reset(&cp);
    for (uint64_t i = 0; i < 1000; i++) {
        v = i;
        ASSERT_RC(cosmosb_pipe_send(p, v, &v, 8, 0, 0), COSMOSB_OK);
        ASSERT_RC(cosmosb_pipe_recv(sp.c, &r, 8, NULL, 0), COSMOSB_OK);
        cr_assert_eq(r, v);
        /* waiting calls whose condition already holds */
        ASSERT_RC(cosmosb_pipe_send(p, v, &v, 8, COSMOSB_MSG_URGENT, FOREVER), COSMOSB_OK);
        ASSERT_RC(cosmosb_pipe_recv(sp.c, &r, 8, NULL, FOREVER), COSMOSB_OK);
        cr_assert_eq(r, v);
        /* fill the lane (a full lane with timeout 0), then drain it in one batch */
        for (uint64_t k = 0; k < 8; k++)
            ASSERT_RC(cosmosb_pipe_send(p, k, &k, 8, 0, 0), COSMOSB_OK);
        ASSERT_RC(cosmosb_pipe_send(p, v, &v, 8, 0, 0), COSMOSB_EFULL);
        uint64_t bufs[8];
        cosmosb_recv_item_t items[8];
        for (int k = 0; k < 8; k++)
            items[k] = (cosmosb_recv_item_t){.buf = &bufs[k], .buf_size = 8};
        ASSERT_RC(cosmosb_pipe_recv_batch(sp.c, items, 8, COSMOSB_BATCH_BULK, FOREVER), 8);
        ASSERT_RC(cosmosb_pipe_recv(sp.c, &r, 8, NULL, 0), COSMOSB_EAGAIN);
        /* zero copy both ways */
        cosmosb_slot_t s;
        ASSERT_RC(cosmosb_pipe_reserve(p, 0, FOREVER, &s), COSMOSB_OK);
        memcpy(s.data, &v, 8);
        ASSERT_RC(cosmosb_pipe_commit(p, &s, v, 8), COSMOSB_OK);
        cosmosb_msg_view_t view;
        ASSERT_RC(cosmosb_pipe_peek(sp.c, &view, FOREVER), COSMOSB_OK);
        ASSERT_RC(cosmosb_pipe_consume(sp.c, &view), COSMOSB_OK);
    }
    cplat_expect_no_syscall(&cc, "consumer");
    cplat_expect_no_syscall(&cp, "producer");
    cosmosb_pipe_stats_t cs, ps;
    ASSERT_RC(cosmosb_pipe_stats(sp.c, &cs), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_stats(p, &ps), COSMOSB_OK);
    cr_expect_eq(cs.wakeups_sent + cs.sleeps + ps.wakeups_sent + ps.sleeps, 0u,
                 "consumer woke %llu / slept %llu, producer woke %llu / slept %llu",
                 (unsigned long long)cs.wakeups_sent, (unsigned long long)cs.sleeps,
                 (unsigned long long)ps.wakeups_sent, (unsigned long long)ps.sleeps);
    cr_assert_eq(ps.sent, 1u + 11000u);
    /* now the consumer sleeps: the producer's send wakes it, once */
    ASSERT_RC(cosmosb_pipe_set_spin_ns(sp.c, 0), COSMOSB_OK);
    struct blocked b = {sp.c, 1, 0};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, blocked_call, &b), 0);
    wait_until_asleep(&cc);
    v = 5;
    ASSERT_RC(cosmosb_pipe_send(p, v, &v, 8, 0, 0), COSMOSB_OK);
    cr_assert_eq(pthread_join(th, NULL), 0);
    ASSERT_RC(b.rc, COSMOSB_OK);
    cr_assert_eq(atomic_load(&cp.wake), 1u, "a sleeping consumer was woken by %lu wake32 calls",
                 atomic_load(&cp.wake));
    ASSERT_RC(cosmosb_pipe_stats(p, &ps), COSMOSB_OK);
    cr_assert_eq(ps.wakeups_sent, 1u);
    cosmosb_pipe_close_endpoint(p);
    free(pmem);
    sp_close(&sp);
}

/*
 * "Sleepers on the other side are woken" (pipe.h, cosmosb_pipe_close_endpoint): a call blocked
 * forever returns ECLOSED within 500 ms of the close, and it was woken by the close: the sleep in
 * progress ended early instead of running out its time slice (the periodic liveness check would
 * otherwise notice the close too, within 200 ms, so the time alone cannot tell). A wake can, very
 * rarely, land just as a slice ends; so up to three rounds are tried and one must show the wake.
 */
static void close_wakes_the_other_side(int close_producer)
{
    int woken_rounds = 0;
    for (int round = 0; round < 3 && woken_rounds == 0; round++) {
        struct cplat sleeper;
        cplat_init(&sleeper);
        struct shm_pipe sp;
        sp_open(&sp, close_producer ? &sleeper.plat : cosmosb_linux_platform(), COSMOSB_PIPE_SPSC, 2, 8, 1);
        void *pmem;
        cosmosb_pipe_t *p = open_producer_on(&sp, close_producer ? cosmosb_linux_platform() : &sleeper.plat, &pmem);
        uint64_t v = 1;
        if (!close_producer) {
            ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_OK);
            ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_OK);
            ASSERT_RC(cosmosb_pipe_send(p, 1, &v, 8, 0, 0), COSMOSB_EFULL);
        }
        struct blocked b = {close_producer ? sp.c : p, 1, 0};
        ASSERT_RC(cosmosb_pipe_set_spin_ns(b.h, 0), COSMOSB_OK);
        cplat_reset(&sleeper);
        pthread_t th;
        cr_assert_eq(pthread_create(&th, NULL, blocked_call, &b), 0);
        wait_until_asleep(&sleeper);
        tu_sleep_ms(5); /* well inside its first 200 ms slice */
        unsigned long ok_before = atomic_load(&sleeper.wait_ok);
        uint64_t t_close = tu_now_ns();
        cosmosb_pipe_close_endpoint(close_producer ? p : sp.c);
        cr_assert_eq(pthread_join(th, NULL), 0);
        ASSERT_RC(b.rc, COSMOSB_ECLOSED);
        cr_assert_lt(b.t_ret - t_close, 500 * 1000000ull, "the %s saw the close after %.3f ms",
                     close_producer ? "receive" : "send", (double)(b.t_ret - t_close) / 1e6);
        if (atomic_load(&sleeper.wait_ok) > ok_before)
            woken_rounds++;
        else
            fprintf(stderr, "round %d: the %s ended its sleep by timeout (%lu slices), not by the close's wake\n",
                    round, close_producer ? "receive" : "send", atomic_load(&sleeper.wait_timeout));
        if (close_producer)
            cosmosb_pipe_close_endpoint(sp.c);
        else
            cosmosb_pipe_close_endpoint(p);
        free(pmem);
        free(sp.cmem);
        free(sp.shm);
    }
    cr_assert_gt(woken_rounds, 0, "in 3 rounds, no %s blocked forever was woken by the %s's close",
                 close_producer ? "receive" : "send", close_producer ? "producer" : "consumer");
}

Test(threads, producer_close_wakes_a_sleeping_receive, .timeout = 60)
{
    close_wakes_the_other_side(1);
}

Test(threads, consumer_close_wakes_a_sleeping_send, .timeout = 60)
{
    close_wakes_the_other_side(0);
}

/*
 * The fallbacks of the wake-up protocol (platform.h, heavy_barrier): without heavy barriers the core
 * puts a full fence on every send and receive, and no wakeup may be lost: every sleep of a blocking
 * ping-pong ends by a wake, none by running out its slice (a lost one costs a 200 ms slice; two are
 * tolerated for a thread descheduled that long on a loaded machine).
 */
Test(threads, blocking_ping_pong_with_full_fences_loses_no_wakeup, .timeout = 300)
{
    struct cplat c;
    cplat_init(&c);
    c.plat.heavy_barrier = NULL;
    c.plat.heavy_barrier_register = NULL;
    ping_pong_on(&c.plat, tu_scale(20000));
    cr_assert_gt(atomic_load(&c.wait_enter), 0u, "nobody slept: the sleep path was not run");
    cr_assert_eq(atomic_load(&c.heavy), 0u);
    cr_assert_leq(atomic_load(&c.wait_timeout), 2u, "%lu of %lu sleeps ended by their slice, not by a wake",
                  atomic_load(&c.wait_timeout), atomic_load(&c.wait_enter));
}

/* Whether this kernel gives the library heavy barriers at all (membarrier GLOBAL_EXPEDITED). */
static int heavy_barriers_here(void)
{
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    return q >= 0 && (q & MEMBARRIER_CMD_GLOBAL_EXPEDITED);
}

/*
 * Frequent sleepers (docs/pipe.md): a blocking ping-pong sleeps on every message, so after a few sleeps
 * each side asks its wakers to fence and stops issuing heavy barriers (a membarrier costs up to 20 us
 * on a VM whose inter-processor interrupts exit to the hypervisor: the spin-0 round trip was 1.22x the
 * raw futex ping-pong with one per sleep, 1.06x without). And the switch loses no wakeup: no sleep ends
 * by its slice (two tolerated for a thread descheduled that long on a loaded machine).
 */
Test(threads, a_frequent_sleeper_asks_its_wakers_to_fence_and_loses_no_wakeup, .timeout = 300)
{
    if (!heavy_barriers_here())
        cr_skip_test("no membarrier GLOBAL_EXPEDITED here: pipes never use heavy barriers");
    struct cplat c;
    cplat_init(&c);
    uint64_t n = tu_scale(4000);
    ping_pong_on(&c.plat, n);
    unsigned long sleeps = atomic_load(&c.wait_enter), heavy = atomic_load(&c.heavy);
    cr_log_info("%lu round trips: %lu sleeps, %lu heavy barriers", (unsigned long)n, sleeps, heavy);
    cr_assert_gt(sleeps, n / 2, "only %lu sleeps in %lu round trips: the sleep path was not run", sleeps,
                 (unsigned long)n);
    cr_assert_geq(heavy, 1u, "no heavy barrier at all: the sides never slept in HEAVY mode");
    cr_assert_lt(heavy * 4, sleeps, "%lu heavy barriers for %lu sleeps: frequent sleepers kept issuing them",
                 heavy, sleeps);
    cr_assert_leq(atomic_load(&c.wait_timeout), 2u, "%lu of %lu sleeps ended by their slice, not by a wake",
                  atomic_load(&c.wait_timeout), sleeps);
}

static atomic_ulong g_fake_ns;

/* A clock that moves 1 us per look, and jumps when the test says so: "frequent" never depends on load. */
static uint64_t fake_now(void *ctx)
{
    (void)ctx;
    return atomic_fetch_add(&g_fake_ns, 1000) + 1000;
}

/*
 * The consumer's mode, step by step (wait_prepare announces a sleep and runs the sleeper's barrier
 * without sleeping). Four frequent sleeps in a row: FENCE, no more heavy barriers. A sleep after 256
 * messages or after 1 ms: HEAVY again, one heavy barrier per sleep. The consumer's word in the pipe
 * header, which producers read per publish, follows.
 */
Test(threads, a_sleepers_mode_follows_how_often_it_sleeps)
{
    if (!heavy_barriers_here())
        cr_skip_test("no membarrier GLOBAL_EXPEDITED here: pipes never use heavy barriers");
    struct cplat c;
    cplat_init(&c);
    c.plat.now_ns = fake_now;
    atomic_store(&g_fake_ns, 5000000000ull);
    struct shm_pipe sp;
    sp_open(&sp, &c.plat, COSMOSB_PIPE_SPSC, 512, 8, 1);
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    void *mem = malloc(hs);
    cosmosb_pipe_t *pr = NULL;
    ASSERT_RC(cosmosb_pipe_open_producer(mem, hs, sp.shm, sp.size, &c.plat, NULL, &pr), COSMOSB_OK);
    cosmosb_wait_token_t tok;
    /* The first five sleeps: HEAVY (the first is not frequent: no sleep before it; the fifth is the
     * fourth frequent one in a row, the switch, which still takes its heavy barrier). */
    for (int k = 0; k < 5; k++)
        ASSERT_RC(cosmosb_pipe_wait_prepare(sp.c, &tok), COSMOSB_OK);
    cr_assert_eq(atomic_load(&c.heavy), 5u, "%lu heavy barriers in the first five sleeps", atomic_load(&c.heavy));
    atomic_store(&c.heavy, 0);
    for (int k = 0; k < 10; k++)
        ASSERT_RC(cosmosb_pipe_wait_prepare(sp.c, &tok), COSMOSB_OK);
    cr_assert_eq(atomic_load(&c.heavy), 0u, "%lu heavy barriers in FENCE mode", atomic_load(&c.heavy));
    /* 300 messages between two sleeps: HEAVY again, at once and for the next (not yet frequent) sleeps */
    for (uint64_t i = 0; i < 300; i++) {
        ASSERT_RC(cosmosb_pipe_send(pr, 1, &i, sizeof i, 0, COSMOSB_TIMEOUT_NONE), COSMOSB_OK);
        uint64_t v;
        ASSERT_RC(cosmosb_pipe_recv(sp.c, &v, sizeof v, NULL, COSMOSB_TIMEOUT_NONE), COSMOSB_OK);
        cr_assert_eq(v, i);
    }
    ASSERT_RC(cosmosb_pipe_wait_prepare(sp.c, &tok), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_wait_prepare(sp.c, &tok), COSMOSB_OK);
    cr_assert_eq(atomic_load(&c.heavy), 2u, "%lu heavy barriers after a busy stretch", atomic_load(&c.heavy));
    /* FENCE again, then a sleep 2 ms after the one before: HEAVY */
    for (int k = 0; k < 4; k++)
        ASSERT_RC(cosmosb_pipe_wait_prepare(sp.c, &tok), COSMOSB_OK);
    atomic_store(&c.heavy, 0);
    ASSERT_RC(cosmosb_pipe_wait_prepare(sp.c, &tok), COSMOSB_OK);
    cr_assert_eq(atomic_load(&c.heavy), 0u, "FENCE mode expected before the pause");
    atomic_fetch_add(&g_fake_ns, 2000000);
    ASSERT_RC(cosmosb_pipe_wait_prepare(sp.c, &tok), COSMOSB_OK);
    cr_assert_eq(atomic_load(&c.heavy), 1u, "%lu heavy barriers for a sleep 2 ms after the last", atomic_load(&c.heavy));
    /* The producer's side, on a full lane: a send with a 100 us timeout sleeps and re-checks a few dozen
     * times (the clock moves 1 us per look): five heavy barriers, then FENCE; the next send none. */
    uint64_t i = 0;
    while (cosmosb_pipe_send(pr, 1, &i, sizeof i, 0, COSMOSB_TIMEOUT_NONE) == COSMOSB_OK)
        i++;
    cr_assert_eq(i, 512u, "the lane holds %lu", (unsigned long)i);
    atomic_fetch_add(&g_fake_ns, 2000000);
    atomic_store(&c.heavy, 0);
    ASSERT_RC(cosmosb_pipe_send(pr, 1, &i, sizeof i, 0, 100000), COSMOSB_ETIMEDOUT);
    cr_assert_eq(atomic_load(&c.heavy), 5u, "%lu heavy barriers in a producer's frequent sleeps", atomic_load(&c.heavy));
    ASSERT_RC(cosmosb_pipe_send(pr, 1, &i, sizeof i, 0, 100000), COSMOSB_ETIMEDOUT);
    cr_assert_eq(atomic_load(&c.heavy), 5u, "%lu heavy barriers: the producer stayed in HEAVY mode", atomic_load(&c.heavy));
    cosmosb_pipe_close_endpoint(pr);
    free(mem);
    sp_close(&sp);
}

static int cp_heavy_fails(void *ctx)
{
    struct cplat *c = ctx;
    atomic_fetch_add(&c->heavy, 1);
    return -1;
}

/*
 * A heavy barrier that fails at run time (registered, then refused): the sleeper cannot be sure the
 * light wakers see it, so from then on it sleeps in short slices (1 ms: a missed wake costs that much,
 * never a 200 ms slice), and every message still arrives in order.
 */
Test(threads, a_failing_heavy_barrier_degrades_to_short_sleeps, .timeout = 300)
{
    struct cplat c;
    cplat_init(&c);
    c.plat.heavy_barrier = cp_heavy_fails;
    ping_pong_on(&c.plat, tu_scale(2000));
    cr_assert_gt(atomic_load(&c.heavy), 0u, "no heavy barrier was tried: the path was not run");
    cr_assert_gt(atomic_load(&c.wait_enter), 0u);
    cr_assert_leq(atomic_load(&c.max_slice_ns), 1000000u, "a degraded sleeper slept up to %lu ns at once",
                  atomic_load(&c.max_slice_ns));
}

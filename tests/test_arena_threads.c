/*
 * test_arena_threads.c - the arena protocols between threads of one
 * process, so that ThreadSanitizer can check their memory ordering: four
 * participants pass objects (some with children) around a ring of MPSC
 * pipes, each accepting, checking every byte, forwarding or releasing,
 * while all of them borrow the same shared objects. At the end nothing is
 * left in the arena.
 *
 * Counts are divided by 10 with COSMOSB_TEST_QUICK=1.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

#define NT 4
#define SHARED 8

struct world {
    uint8_t *meta, *data;
    uint64_t ms, ds;
    size_t hs;
    void *pipe_shm[NT];
    uint64_t pipe_size;
    cosmosb_pipe_t *inbox[NT];     /* consumer handles, one per thread */
    void *inbox_mem[NT];
    cosmosb_ref_t shared[SHARED];
    uint64_t per_thread;
    atomic_int failed;
    atomic_uint done;              /* threads that finished sending */
};

struct targ {
    struct world *w;
    int id;
    cosmosb_arena_t *a; /* joined by the main thread, so that participant index == id */
};

static void fill(uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 13u);
}

static int check(const uint8_t *p, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(seed + i * 13u))
            return 0;
    return 1;
}

#define T_CHECK(cond)                                                        \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "thread: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            atomic_store(&w->failed, __LINE__);                              \
            goto out;                                                        \
        }                                                                    \
    } while (0)

/* A message: the transfer, and how many hops it has left. */
struct msg {
    cosmosb_ref_t ref;
    uint32_t hops;
    uint32_t seed;
};

static void *run(void *p)
{
    struct targ *t = p;
    struct world *w = t->w;
    cosmosb_arena_t *a = t->a;
    cosmosb_pipe_t *out = NULL;
    void *pmem = NULL;
    size_t phs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    pmem = malloc(phs);
    int next = (t->id + 1) % NT;
    T_CHECK(cosmosb_pipe_open_producer(pmem, phs, w->pipe_shm[next], w->pipe_size, NULL, NULL, &out) == 0);
    uint32_t x = 0x9e3779b9u * (uint32_t)(t->id + 1);
    uint64_t sent = 0, handled = 0;
    while (sent < w->per_thread || atomic_load(&w->done) < NT) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        /* receive and handle what arrived */
        struct msg m;
        cosmosb_msg_info_t info;
        while (cosmosb_pipe_recv(w->inbox[t->id], &m, sizeof m, &info, 0) == COSMOSB_OK) {
            T_CHECK(cosmosb_arena_accept(a, &m.ref) == COSMOSB_OK);
            const void *d;
            uint32_t sz;
            T_CHECK(cosmosb_arena_resolve(a, &m.ref, 7, &d, &sz) == COSMOSB_OK);
            T_CHECK(check(d, sz, m.seed));
            uint32_t nk = 0;
            cosmosb_ref_t kids[2];
            T_CHECK(cosmosb_arena_inspect(a, &m.ref, NULL, kids, 2, &nk) == COSMOSB_OK);
            for (uint32_t k = 0; k < nk && k < 2; k++) {
                T_CHECK(cosmosb_arena_resolve(a, &kids[k], 7, &d, &sz) == COSMOSB_OK);
                T_CHECK(check(d, sz, m.seed + 1u + k));
            }
            if (m.hops > 0 && atomic_load(&w->done) < NT) {
                struct msg f = m;
                f.hops--;
                int rc = cosmosb_arena_give(a, &m.ref, (uint32_t)next + 1u, &f.ref);
                T_CHECK(rc == COSMOSB_OK || rc == COSMOSB_ENOMEM);
                if (rc == COSMOSB_OK)
                    T_CHECK(cosmosb_pipe_send(out, 1, &f, sizeof f, 0, COSMOSB_TIMEOUT_FOREVER) == COSMOSB_OK);
            }
            T_CHECK(cosmosb_arena_release(a, &m.ref) == COSMOSB_OK);
            handled++;
        }
        if (sent < w->per_thread) {
            /* a new object, with children now and then */
            uint32_t seed = x, nk = (x >> 7) % 4u == 0 ? 2u : 0u, size = 16u + (x >> 11) % 700u;
            cosmosb_ref_t kid[2], r, tr;
            void *pp;
            for (uint32_t k = 0; k < nk; k++) {
                T_CHECK(cosmosb_arena_alloc(a, 7, 32, 0, &kid[k], &pp) == COSMOSB_OK);
                fill(pp, 32, seed + 1u + k);
                T_CHECK(cosmosb_arena_freeze(a, &kid[k]) == COSMOSB_OK);
            }
            int rc = cosmosb_arena_alloc(a, 7, size, nk, &r, &pp);
            if (rc == COSMOSB_ENOMEM) {
                for (uint32_t k = 0; k < nk; k++)
                    T_CHECK(cosmosb_arena_release(a, &kid[k]) == COSMOSB_OK);
                (void)cosmosb_arena_poll(a, NULL);
                continue;
            }
            T_CHECK(rc == COSMOSB_OK);
            fill(pp, size, seed);
            for (uint32_t k = 0; k < nk; k++) {
                T_CHECK(cosmosb_arena_add_child(a, &r, &kid[k]) == COSMOSB_OK);
                T_CHECK(cosmosb_arena_release(a, &kid[k]) == COSMOSB_OK);
            }
            T_CHECK(cosmosb_arena_freeze(a, &r) == COSMOSB_OK);
            rc = cosmosb_arena_give(a, &r, (uint32_t)next + 1u, &tr);
            if (rc == COSMOSB_ENOMEM) { /* too many in flight: drop it and go on receiving */
                T_CHECK(cosmosb_arena_release(a, &r) == COSMOSB_OK);
                continue;
            }
            T_CHECK(rc == COSMOSB_OK);
            struct msg m2 = {tr, x % 3u, seed};
            T_CHECK(cosmosb_pipe_send(out, 1, &m2, sizeof m2, 0, COSMOSB_TIMEOUT_FOREVER) == COSMOSB_OK);
            T_CHECK(cosmosb_arena_release(a, &r) == COSMOSB_OK);
            if (++sent == w->per_thread)
                atomic_fetch_add(&w->done, 1);
            /* borrow a shared object */
            cosmosb_ref_t *s = &w->shared[x % SHARED];
            T_CHECK(cosmosb_arena_acquire(a, s) == COSMOSB_OK);
            const void *d;
            uint32_t sz;
            T_CHECK(cosmosb_arena_resolve(a, s, 7, &d, &sz) == COSMOSB_OK);
            T_CHECK(check(d, sz, 1000u + (uint32_t)(x % SHARED)));
            T_CHECK(cosmosb_arena_release(a, s) == COSMOSB_OK);
        }
        if (atomic_load(&w->failed))
            break;
    }
    /* drain the last forwarded messages addressed to us: wait until our
     * predecessor has finished and our inbox stays empty */
    for (int idle = 0; idle < 100 && !atomic_load(&w->failed);) {
        struct msg m;
        cosmosb_msg_info_t info;
        if (cosmosb_pipe_recv(w->inbox[t->id], &m, sizeof m, &info, 1000000u) == COSMOSB_OK) {
            T_CHECK(cosmosb_arena_accept(a, &m.ref) == COSMOSB_OK);
            T_CHECK(cosmosb_arena_release(a, &m.ref) == COSMOSB_OK);
            idle = 0;
        } else {
            idle++;
        }
    }
out:
    (void)handled;
    if (out)
        cosmosb_pipe_close_endpoint(out);
    free(pmem);
    /* the main thread makes us leave once everyone stopped sending (messages still in our inbox are declined then) */
    return NULL;
}

Test(arena_threads, ring_of_participants_pass_objects, .timeout = 300)
{
    struct world *w = calloc(1, sizeof *w);
    cr_assert_not_null(w);
    cosmosb_arena_config_t cfg;
    ASSERT_RC(cosmosb_arena_config_init(&cfg), COSMOSB_OK);
    cfg.data_size = 8 << 20;
    cfg.block_size = 16384;
    cfg.objects_per_block = 128;
    cfg.max_participants = NT + 1;
    cfg.max_transfers = 1024;
    ASSERT_RC(cosmosb_arena_memsize(&cfg, &w->ms, &w->ds), COSMOSB_OK);
    w->meta = aligned_alloc(64, (w->ms + 63) & ~63ull);
    w->data = aligned_alloc(64, (w->ds + 63) & ~63ull);
    ASSERT_RC(cosmosb_arena_format(w->meta, w->ms, w->ds, &cfg, 5150), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_handle_memsize(w->meta, w->ms, &w->hs), COSMOSB_OK);
    /* the ring: one MPSC pipe per thread (its inbox), 512 slots */
    cosmosb_pipe_config_t pc;
    ASSERT_RC(cosmosb_pipe_config_init(&pc), COSMOSB_OK);
    pc.mode = COSMOSB_PIPE_MPSC;
    pc.max_producers = 2;
    pc.capacity = 512;
    pc.slot_size = sizeof(struct msg);
    ASSERT_RC(cosmosb_pipe_memsize(&pc, &w->pipe_size), COSMOSB_OK);
    for (int i = 0; i < NT; i++) {
        w->pipe_shm[i] = aligned_alloc(64, (w->pipe_size + 63) & ~63ull);
        size_t chs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 2);
        w->inbox_mem[i] = malloc(chs);
        ASSERT_RC(cosmosb_pipe_open_consumer(w->inbox_mem[i], chs, w->pipe_shm[i], w->pipe_size, &pc, NULL, NULL,
                                             &w->inbox[i]),
                  COSMOSB_OK);
    }
    /* shared objects made by a setup participant that stays joined */
    void *smem = malloc(w->hs);
    cosmosb_arena_t *s;
    ASSERT_RC(cosmosb_arena_join(smem, w->hs, w->meta, w->ms, w->data, w->data, w->ds, NULL, &s), COSMOSB_OK);
    for (int i = 0; i < SHARED; i++) {
        void *p;
        ASSERT_RC(cosmosb_arena_alloc(s, 7, 128, 0, &w->shared[i], &p), COSMOSB_OK);
        fill(p, 128, 1000u + (uint32_t)i);
        ASSERT_RC(cosmosb_arena_freeze(s, &w->shared[i]), COSMOSB_OK);
    }
    w->per_thread = tu_scale(20000);
    pthread_t th[NT];
    struct targ ta[NT];
    void *tmem[NT];
    for (int i = 0; i < NT; i++) {
        tmem[i] = malloc(w->hs);
        ta[i] = (struct targ){w, i, NULL};
        ASSERT_RC(cosmosb_arena_join(tmem[i], w->hs, w->meta, w->ms, w->data, w->data, w->ds, NULL, &ta[i].a),
                  COSMOSB_OK);
        cr_assert_eq(cosmosb_arena_participant(ta[i].a), (uint32_t)i + 1u);
    }
    for (int i = 0; i < NT; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, run, &ta[i]), 0);
    for (int i = 0; i < NT; i++)
        cr_assert_eq(pthread_join(th[i], NULL), 0);
    cr_assert_eq(atomic_load(&w->failed), 0, "a thread failed at line %d", atomic_load(&w->failed));
    /* messages left in inboxes: their addressees accept and release them, then everybody leaves */
    for (int i = 0; i < NT; i++) {
        struct msg m;
        cosmosb_msg_info_t info;
        while (cosmosb_pipe_recv(w->inbox[i], &m, sizeof m, &info, 0) == COSMOSB_OK) {
            ASSERT_RC(cosmosb_arena_accept(ta[i].a, &m.ref), COSMOSB_OK);
            ASSERT_RC(cosmosb_arena_release(ta[i].a, &m.ref), COSMOSB_OK);
        }
    }
    for (int i = 0; i < NT; i++)
        ASSERT_RC(cosmosb_arena_poll(ta[i].a, NULL), COSMOSB_OK);
    for (int i = 0; i < NT; i++) {
        cosmosb_arena_leave(ta[i].a);
        free(tmem[i]);
    }
    for (int i = 0; i < SHARED; i++)
        ASSERT_RC(cosmosb_arena_release(s, &w->shared[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(s, NULL), COSMOSB_OK);
    cosmosb_arena_stats_t st;
    ASSERT_RC(cosmosb_arena_stats(s, &st), COSMOSB_OK);
    cr_assert_eq(st.live_objects, 0u, "%u objects left", st.live_objects);
    cr_assert_eq(st.transfers_live, 0u);
    cr_assert_eq(st.zombies, 0u);
    cosmosb_arena_leave(s);
    for (int i = 0; i < NT; i++) {
        cosmosb_pipe_close_endpoint(w->inbox[i]);
        free(w->inbox_mem[i]);
        free(w->pipe_shm[i]);
    }
    free(smem);
    free(w->meta);
    free(w->data);
    free(w);
}

/*
 * The last releases of one object race: A allocates it and gives it to B,
 * C borrows it from A (acquire while A holds it), then all three drop it at
 * once (A's release and the reclaim of its transfer unit, B's release of
 * what it accepted, C's release), so each of them may find its bit the only
 * one left and take the sole-holder fast path (docs/arena.md, "Release")
 * while the others clear their bits and check. Exactly one may free it: A
 * allocates again at once in the same small blocks (entries are reused every
 * 32 objects), so a second free, or a free that lands late, clobbers an
 * object A is filling and its freeze or a resolve fails; a missed free shows
 * in the final count.
 */
struct race {
    cosmosb_arena_t *a[3];
    uint32_t pid[3];
    cosmosb_ref_t x, t;
    uint32_t seed;
    uint64_t rounds;
    atomic_ullong seq, go;
    atomic_uint acks;
    atomic_int failed;
};

struct rarg {
    struct race *r;
    int id;
};

static int race_wait(struct race *r, atomic_ullong *v, uint64_t want)
{
    while (atomic_load(v) != want) {
        if (atomic_load(&r->failed))
            return 0;
        sched_yield(); /* three threads may share fewer CPUs */
    }
    return 1;
}

#define R_CHECK(cond)                                                          \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "race thread %d: %s:%d: %s\n", id, __FILE__, __LINE__, #cond); \
            atomic_store(&r->failed, __LINE__);                                \
            return NULL;                                                       \
        }                                                                      \
    } while (0)

static void *race_run(void *p)
{
    struct race *r = ((struct rarg *)p)->r;
    int id = ((struct rarg *)p)->id;
    cosmosb_arena_t *a = r->a[id];
    const void *d;
    uint32_t sz;
    for (uint64_t i = 1; i <= r->rounds; i++) {
        if (id == 0) {
            cosmosb_ref_t x, t;
            void *pp;
            uint32_t seed = (uint32_t)i * 2654435761u;
            R_CHECK(cosmosb_arena_alloc(a, 7, 40, 0, &x, &pp) == COSMOSB_OK);
            fill(pp, 40, seed);
            R_CHECK(cosmosb_arena_freeze(a, &x) == COSMOSB_OK);
            R_CHECK(cosmosb_arena_resolve(a, &x, 7, &d, &sz) == COSMOSB_OK && check(d, 40, seed));
            int rc;
            while ((rc = cosmosb_arena_give(a, &x, r->pid[1], &t)) == COSMOSB_ENOMEM)
                (void)cosmosb_arena_reclaim(a);
            R_CHECK(rc == COSMOSB_OK);
            r->x = x;
            r->t = t;
            r->seed = seed;
            atomic_store(&r->acks, 0);
            atomic_store(&r->seq, i); /* publishes x, t, seed */
            while (atomic_load(&r->acks) != 2) {
                if (atomic_load(&r->failed))
                    return NULL;
                sched_yield();
            }
            atomic_store(&r->go, i);
            R_CHECK(cosmosb_arena_release(a, &x) == COSMOSB_OK);
            R_CHECK(cosmosb_arena_reclaim(a) == COSMOSB_OK); /* drops the unit of the accepted transfer */
        } else {
            if (!race_wait(r, &r->seq, i))
                return NULL;
            cosmosb_ref_t ref = id == 1 ? r->t : r->x;
            uint32_t seed = r->seed;
            if (id == 1)
                R_CHECK(cosmosb_arena_accept(a, &ref) == COSMOSB_OK);
            else
                R_CHECK(cosmosb_arena_acquire(a, &ref) == COSMOSB_OK); /* A lends it: it waits for our ack */
            R_CHECK(cosmosb_arena_resolve(a, &ref, 7, &d, &sz) == COSMOSB_OK && check(d, sz, seed));
            atomic_fetch_add(&r->acks, 1);
            if (!race_wait(r, &r->go, i))
                return NULL;
            R_CHECK(cosmosb_arena_release(a, &ref) == COSMOSB_OK);
        }
    }
    return NULL;
}

Test(arena_threads, last_releases_race_sole_holder_fast_path, .timeout = 300)
{
    cosmosb_arena_config_t cfg;
    ASSERT_RC(cosmosb_arena_config_init(&cfg), COSMOSB_OK);
    cfg.data_size = 64 << 10;
    cfg.block_size = 4096;
    cfg.objects_per_block = 32;
    cfg.max_participants = 3;
    cfg.max_transfers = 64;
    uint64_t ms, ds;
    size_t hs;
    ASSERT_RC(cosmosb_arena_memsize(&cfg, &ms, &ds), COSMOSB_OK);
    uint8_t *meta = aligned_alloc(64, (ms + 63) & ~63ull), *data = aligned_alloc(64, (ds + 63) & ~63ull);
    ASSERT_RC(cosmosb_arena_format(meta, ms, ds, &cfg, 5151), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_handle_memsize(meta, ms, &hs), COSMOSB_OK);
    struct race *r = calloc(1, sizeof *r);
    void *mem[3];
    for (int i = 0; i < 3; i++) {
        mem[i] = malloc(hs);
        ASSERT_RC(cosmosb_arena_join(mem[i], hs, meta, ms, data, data, ds, NULL, &r->a[i]), COSMOSB_OK);
        r->pid[i] = cosmosb_arena_participant(r->a[i]);
    }
    r->rounds = tu_scale(50000);
    pthread_t th[3];
    struct rarg ra[3];
    for (int i = 0; i < 3; i++) {
        ra[i] = (struct rarg){r, i};
        cr_assert_eq(pthread_create(&th[i], NULL, race_run, &ra[i]), 0);
    }
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_join(th[i], NULL), 0);
    cr_assert_eq(atomic_load(&r->failed), 0, "a thread failed at line %d", atomic_load(&r->failed));
    ASSERT_RC(cosmosb_arena_reclaim(r->a[0]), COSMOSB_OK);
    cosmosb_arena_stats_t st;
    ASSERT_RC(cosmosb_arena_stats(r->a[0], &st), COSMOSB_OK);
    cr_assert_eq(st.live_objects, 0u, "%u objects left", st.live_objects);
    cr_assert_eq(st.transfers_live, 0u);
    for (int i = 0; i < 3; i++) {
        cosmosb_arena_leave(r->a[i]);
        free(mem[i]);
    }
    free(r);
    free(meta);
    free(data);
}

/*
 * Holder bits of more than 32 participants live in several 32-bit words
 * (docs/arena.md, "Who holds what"), and a free check reads them one after
 * the other. No object here is ever free to go: every one is held by at
 * least one thread the whole time (xw->held counts the threads that hold it
 * and have not started to release it; a thread releases only if it can take
 * that count from n >= 2 to n - 1, and borrowers count themselves only once
 * their acquire returned, so every acquire has a lender holding the object
 * for the whole call, the documented contract). Threads whose participants
 * sit in different holder words keep acquiring and releasing a few shared
 * frozen objects, so the holders of an object keep moving from one word to
 * another: a borrower in a low word acquires from lenders in a high word,
 * which then release, while a third participant drops its bit and checks.
 * A checker that read the low word before the borrower's bit was set and
 * the high word after the lenders cleared theirs would see every word empty
 * and free an object that is held. Every holder checks its object (same
 * generation, intact bytes) after acquiring and again before releasing; a
 * failed check, an acquire or release that finds the object gone, or a
 * leak at the end is a violation. The run lasts a fixed time (2 s with
 * COSMOSB_TEST_QUICK=1), or until every object was lost.
 */
#define XW_OBJS 3
#define XW_MAXT 8
#define XW_SIZE 96u
#define XW_TYPE 11u

struct xw {
    cosmosb_ref_t ref[XW_OBJS];
    uint32_t seed[XW_OBJS];
    atomic_int held[XW_OBJS]; /* threads holding it that have not started to release it: >= 1 throughout */
    atomic_int lost[XW_OBJS]; /* a violation was seen on it: left alone from then on */
    atomic_uint violations;
    atomic_int stop;
    atomic_ullong first_ns; /* when the first violation was seen (0: none) */
    uint64_t t0, deadline;
};

struct xw_arg {
    struct xw *w;
    cosmosb_arena_t *a;
    uint32_t id;
    uint8_t holds[XW_OBJS]; /* private to the thread until it is joined */
    uint64_t ops;
};

static void xw_violation(struct xw *w, uint32_t id, uint32_t o, const char *what, int rc)
{
    int zero = 0;
    if (!atomic_compare_exchange_strong(&w->lost[o], &zero, 1))
        return; /* counted once per object */
    uint64_t t = tu_now_ns() - w->t0;
    unsigned long long none = 0;
    (void)atomic_compare_exchange_strong(&w->first_ns, &none, t);
    unsigned n = atomic_fetch_add(&w->violations, 1) + 1;
    fprintf(stderr, "holders_across_words: thread %u, object %u: %s (%d %s) after %.3f s\n", id, o, what, rc,
            cosmosb_err_name(rc), (double)t / 1e9);
    if (n == XW_OBJS)
        atomic_store(&w->stop, 1);
}

/* Resolves o through t's handle: same generation, intact bytes. Returns 0 or the error code (-1: bytes). */
static int xw_intact(struct xw *w, cosmosb_arena_t *a, uint32_t o)
{
    const void *d;
    uint32_t sz;
    int rc = cosmosb_arena_resolve(a, &w->ref[o], XW_TYPE, &d, &sz);
    if (rc)
        return rc;
    return sz == XW_SIZE && check(d, sz, w->seed[o]) ? 0 : -1;
}

static void *xw_run(void *p)
{
    struct xw_arg *t = p;
    struct xw *w = t->w;
    uint32_t x = 0x9e3779b9u * (t->id + 7u);
    while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
        if ((t->ops & 1023u) == 0 && tu_now_ns() >= w->deadline)
            break;
        t->ops++;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        uint32_t o = x % XW_OBJS;
        if (atomic_load_explicit(&w->lost[o], memory_order_relaxed))
            continue;
        int rc;
        if (t->holds[o]) {
            if ((rc = xw_intact(w, t->a, o)) != 0) {
                xw_violation(w, t->id, o, "held object no longer resolves intact", rc);
                continue;
            }
            /* Give it up only if another thread holds it (and keeps holding it until we are done). */
            int n = atomic_load(&w->held[o]);
            if (n < 2 || !atomic_compare_exchange_strong(&w->held[o], &n, n - 1))
                continue;
            t->holds[o] = 0;
            if ((rc = cosmosb_arena_release(t->a, &w->ref[o])) != COSMOSB_OK)
                xw_violation(w, t->id, o, "release of a held object failed", rc);
        } else {
            if ((x >> 20) % 3u != 0)
                continue; /* acquire less often than release: few holders per object */
            /* held[o] >= 1: a lender holds it for the whole call. */
            if ((rc = cosmosb_arena_acquire(t->a, &w->ref[o])) != COSMOSB_OK) {
                xw_violation(w, t->id, o, "acquire with a lender failed", rc);
                continue;
            }
            if ((rc = xw_intact(w, t->a, o)) != 0) {
                xw_violation(w, t->id, o, "just acquired object does not resolve intact", rc);
                t->holds[o] = 1;
                continue;
            }
            t->holds[o] = 1;
            atomic_fetch_add(&w->held[o], 1);
        }
    }
    return NULL;
}

/*
 * Runs the test above in an arena of maxp participants with nt threads
 * whose participant indices are part[0..nt-1] (the other slots up to the
 * highest are joined and stay idle). Returns the number of violations.
 */
static unsigned xw_test(uint32_t maxp, const uint32_t *part, uint32_t nt, uint32_t seconds)
{
    cosmosb_arena_config_t cfg;
    ASSERT_RC(cosmosb_arena_config_init(&cfg), COSMOSB_OK);
    cfg.data_size = 64 << 10;
    cfg.block_size = 4096;
    cfg.objects_per_block = 32;
    cfg.max_participants = maxp;
    cfg.max_transfers = 4;
    uint64_t ms, ds;
    size_t hs;
    ASSERT_RC(cosmosb_arena_memsize(&cfg, &ms, &ds), COSMOSB_OK);
    uint8_t *meta = aligned_alloc(64, (ms + 63) & ~63ull), *data = aligned_alloc(64, (ds + 63) & ~63ull);
    cr_assert(meta && data);
    ASSERT_RC(cosmosb_arena_format(meta, ms, ds, &cfg, 5152), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_handle_memsize(meta, ms, &hs), COSMOSB_OK);
    cr_assert(nt >= 2 && nt <= XW_MAXT);
    uint32_t top = 0;
    for (uint32_t i = 0; i < nt; i++) {
        cr_assert(part[i] < maxp);
        if (part[i] > top)
            top = part[i];
    }
    /* join slots 0..top in order: slot i is participant i */
    uint32_t nj = top + 1;
    cosmosb_arena_t **h = calloc(nj, sizeof *h);
    void **mem = calloc(nj, sizeof *mem);
    cr_assert(h && mem);
    for (uint32_t i = 0; i < nj; i++) {
        mem[i] = malloc(hs);
        ASSERT_RC(cosmosb_arena_join(mem[i], hs, meta, ms, data, data, ds, NULL, &h[i]), COSMOSB_OK);
        cr_assert_eq(cosmosb_arena_participant(h[i]), i);
    }
    struct xw *w = calloc(1, sizeof *w);
    struct xw_arg ta[XW_MAXT];
    cr_assert(w);
    memset(ta, 0, sizeof ta);
    for (uint32_t i = 0; i < nt; i++)
        ta[i] = (struct xw_arg){.w = w, .a = h[part[i]], .id = part[i]};
    /* each object allocated by one of the threads (its first holder) */
    for (uint32_t o = 0; o < XW_OBJS; o++) {
        struct xw_arg *t = &ta[o % nt];
        void *pp;
        w->seed[o] = 0x51ed27u * (o + 1u);
        ASSERT_RC(cosmosb_arena_alloc(t->a, XW_TYPE, XW_SIZE, 0, &w->ref[o], &pp), COSMOSB_OK);
        fill(pp, XW_SIZE, w->seed[o]);
        ASSERT_RC(cosmosb_arena_freeze(t->a, &w->ref[o]), COSMOSB_OK);
        t->holds[o] = 1;
        atomic_store(&w->held[o], 1);
    }
    w->t0 = tu_now_ns();
    w->deadline = w->t0 + (uint64_t)(tu_quick() ? 2u : seconds) * 1000000000ull;
    pthread_t th[XW_MAXT];
    for (uint32_t i = 0; i < nt; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, xw_run, &ta[i]), 0);
    uint64_t ops = 0;
    for (uint32_t i = 0; i < nt; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        ops += ta[i].ops;
    }
    unsigned v = atomic_load(&w->violations);
    /* everything still held goes; then nothing may be left */
    for (uint32_t i = 0; i < nt; i++)
        for (uint32_t o = 0; o < XW_OBJS; o++)
            if (ta[i].holds[o] && !atomic_load(&w->lost[o]))
                ASSERT_RC(cosmosb_arena_release(ta[i].a, &w->ref[o]), COSMOSB_OK);
    cosmosb_arena_stats_t st;
    ASSERT_RC(cosmosb_arena_stats(h[0], &st), COSMOSB_OK);
    fprintf(stderr,
            "holders_across_words: %u participants (%u holder words), %u threads, %llu operations in %.1f s, "
            "%u violations (first after %.3f s), %u objects left\n",
            maxp, (maxp + 31u) / 32u, nt, (unsigned long long)ops, (double)(tu_now_ns() - w->t0) / 1e9, v,
            (double)atomic_load(&w->first_ns) / 1e9, st.live_objects);
    cr_expect_eq(st.live_objects, 0u, "%u objects left", st.live_objects);
    cr_expect_eq(st.zombies, 0u);
    for (uint32_t i = 0; i < nj; i++) {
        cosmosb_arena_leave(h[i]);
        free(mem[i]);
    }
    free(h);
    free(mem);
    free(w);
    free(meta);
    free(data);
    return v;
}

Test(arena_threads, holders_across_words_never_freed_while_held, .timeout = 300)
{
    /* three threads in holder word 0, three in word 1 */
    static const uint32_t part[] = {1, 2, 3, 33, 34, 35};
    unsigned v = xw_test(64, part, 6, 15);
    cr_assert_eq(v, 0u, "%u objects were freed while held", v);
}

Test(arena_threads, holders_in_one_word_never_freed_while_held, .timeout = 300)
{
    /* the same with one holder word (each free check reads it at once): the control */
    static const uint32_t part[] = {1, 2, 3, 29, 30, 31};
    unsigned v = xw_test(32, part, 6, 4);
    cr_assert_eq(v, 0u, "%u objects were freed while held", v);
}

/*
 * Participant lifecycle races (found by an audit, reproduced before the fix):
 *
 * 1. A participant that has just joined a slot is never reaped on the id of
 *    the slot's previous occupant. One thread joins and leaves again and
 *    again, with a fresh platform id each time (the previous ones count as
 *    dead); the main thread polls. Before the fix a poll read ALIVE (new
 *    generation) and then the previous occupant's id, and reaped the live
 *    joiner: 5 times in 1.9 M polls.
 * 2. A giver that leaves while its addressee accepts leaks nothing. Before
 *    the fix, leave decided "nothing pinned, slot FREE" from a scan taken
 *    before its final CAS while the accepter, seeing the giver still ALIVE,
 *    left the settling to it: the giver's bit stayed on the object for good
 *    (leaked within a few dozen rounds).
 */
static _Atomic uint32_t lc_cur_id = 2;   /* the joiner's current id; 1 is the poller */
static _Atomic int lc_stop;
static _Thread_local uint32_t lc_my_id;

static uint32_t lc_self_id(void *ctx)
{
    (void)ctx;
    return lc_my_id;
}

static int lc_peer_alive(void *ctx, uint32_t id)
{
    (void)ctx;
    if (id == 0)
        return COSMOSB_PEER_UNKNOWN;
    return (id == 1 || id == atomic_load(&lc_cur_id)) ? COSMOSB_PEER_ALIVE : COSMOSB_PEER_DEAD;
}

struct lc {
    uint8_t *meta, *data;
    uint64_t ms, ds;
    size_t hs;
    cosmosb_platform_t plat;
    uint64_t deadline;
    unsigned long joins, bad;
    _Atomic int phase; /* leave test: 0 idle, 1 reference ready */
    _Atomic int gone;  /* leave test: the giver left */
    cosmosb_ref_t ref;
    uint32_t dest;
};

static void lc_init(struct lc *c, uint32_t maxp)
{
    memset(c, 0, sizeof *c);
    cosmosb_arena_config_t cfg;
    ASSERT_RC(cosmosb_arena_config_init(&cfg), COSMOSB_OK);
    cfg.data_size = 1 << 20;
    cfg.block_size = 65536;
    cfg.max_participants = maxp;
    cfg.max_transfers = 16;
    ASSERT_RC(cosmosb_arena_memsize(&cfg, &c->ms, &c->ds), COSMOSB_OK);
    c->meta = aligned_alloc(64, (c->ms + 63) & ~63ull);
    c->data = aligned_alloc(64, (c->ds + 63) & ~63ull);
    cr_assert(c->meta && c->data);
    ASSERT_RC(cosmosb_arena_format(c->meta, c->ms, c->ds, &cfg, 0x11fe), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_handle_memsize(c->meta, c->ms, &c->hs), COSMOSB_OK);
    c->plat = *cosmosb_platform_default();
    c->plat.self_id = lc_self_id;
    c->plat.peer_alive = lc_peer_alive;
    c->deadline = tu_now_ns() + (tu_quick() ? 1000000000ull : 3000000000ull);
}

static void *lc_joiner(void *arg)
{
    struct lc *c = arg;
    void *hm = aligned_alloc(64, (c->hs + 63) & ~(size_t)63);
    while (hm && !atomic_load(&lc_stop)) {
        lc_my_id = atomic_load(&lc_cur_id);
        cosmosb_arena_t *a;
        if (cosmosb_arena_join(hm, c->hs, c->meta, c->ms, c->data, c->data, c->ds, &c->plat, &a) != COSMOSB_OK)
            continue;
        c->joins++;
        cosmosb_arena_leave(a);
        atomic_fetch_add(&lc_cur_id, 1); /* that incarnation is dead now */
    }
    free(hm);
    return NULL;
}

Test(arena_threads, a_joining_participant_is_never_reaped_on_an_old_id, .timeout = 120)
{
    struct lc c;
    lc_init(&c, 2);
    atomic_store(&lc_stop, 0);
    lc_my_id = 1;
    void *hm = aligned_alloc(64, (c.hs + 63) & ~(size_t)63);
    cosmosb_arena_t *r;
    ASSERT_RC(cosmosb_arena_join(hm, c.hs, c.meta, c.ms, c.data, c.data, c.ds, &c.plat, &r), COSMOSB_OK);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, lc_joiner, &c), 0);
    unsigned long polls = 0, wrong = 0;
    while (tu_now_ns() < c.deadline) {
        uint32_t n = 0;
        ASSERT_RC(cosmosb_arena_poll(r, &n), COSMOSB_OK);
        wrong += n; /* every incarnation leaves by itself: nobody is ever dead while still in its slot */
        polls++;
    }
    atomic_store(&lc_stop, 1);
    pthread_join(t, NULL);
    cr_log_info("%lu polls, %lu joins, %lu live participants reaped", polls, c.joins, wrong);
    cr_assert_gt(c.joins, 100ul, "the joiner hardly ran (%lu joins)", c.joins);
    cr_assert_eq(wrong, 0ul, "%lu live participants reaped in %lu polls (%lu joins)", wrong, polls, c.joins);
    cosmosb_arena_stats_t st;
    ASSERT_RC(cosmosb_arena_stats(r, &st), COSMOSB_OK);
    cr_assert_eq(st.participants, 1u);
    cr_assert_eq(st.zombies, 0u);
    cosmosb_arena_leave(r);
    free(hm);
    free(c.meta);
    free(c.data);
}

static void *lc_giver(void *arg)
{
    struct lc *c = arg;
    void *hm = aligned_alloc(64, (c->hs + 63) & ~(size_t)63);
    lc_my_id = 1; /* the giver's incarnations leave by themselves: never dead while in their slot */
    while (hm && !atomic_load(&lc_stop)) {
        cosmosb_arena_t *g;
        cosmosb_ref_t r, t;
        void *p;
        if (cosmosb_arena_join(hm, c->hs, c->meta, c->ms, c->data, c->data, c->ds, &c->plat, &g) != COSMOSB_OK ||
            cosmosb_arena_alloc(g, 7, 32, 0, &r, &p) != COSMOSB_OK || cosmosb_arena_freeze(g, &r) != COSMOSB_OK ||
            cosmosb_arena_give(g, &r, c->dest, &t) != COSMOSB_OK || cosmosb_arena_release(g, &r) != COSMOSB_OK) {
            c->bad++;
            break;
        }
        c->ref = t;
        atomic_store(&c->phase, 1); /* the accepter goes now, while we leave */
        cosmosb_arena_leave(g);
        atomic_store(&c->gone, 1);
        while (atomic_load(&c->phase) != 0 && !atomic_load(&lc_stop))
            sched_yield();
    }
    free(hm);
    atomic_store(&c->gone, 1);
    return NULL;
}

Test(arena_threads, a_giver_leaving_while_its_transfer_is_accepted_leaks_nothing, .timeout = 120)
{
    struct lc c;
    lc_init(&c, 2);
    atomic_store(&lc_stop, 0);
    lc_my_id = 1;
    void *hm = aligned_alloc(64, (c.hs + 63) & ~(size_t)63);
    cosmosb_arena_t *r;
    ASSERT_RC(cosmosb_arena_join(hm, c.hs, c.meta, c.ms, c.data, NULL, c.ds, &c.plat, &r), COSMOSB_OK);
    c.dest = cosmosb_arena_participant(r);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, lc_giver, &c), 0);
    unsigned long rounds = 0, accepted = 0;
    while (tu_now_ns() < c.deadline) {
        while (atomic_load(&c.phase) != 1 && tu_now_ns() < c.deadline && !c.bad)
            ;
        if (atomic_load(&c.phase) != 1)
            break;
        cosmosb_ref_t ref = c.ref;
        if (cosmosb_arena_accept(r, &ref) == COSMOSB_OK) { /* or ESTALE: the leave cancelled it first */
            accepted++;
            ASSERT_RC(cosmosb_arena_release(r, &ref), COSMOSB_OK);
        }
        while (!atomic_load(&c.gone))
            ;
        atomic_store(&c.gone, 0);
        ASSERT_RC(cosmosb_arena_poll(r, NULL), COSMOSB_OK); /* settles what a zombie giver left */
        cosmosb_arena_stats_t st;
        ASSERT_RC(cosmosb_arena_stats(r, &st), COSMOSB_OK);
        cr_assert_eq(st.live_objects, 0u, "round %lu: the giver's object leaked (%u live, %u participants, %u zombies)",
                     rounds, st.live_objects, st.participants, st.zombies);
        rounds++;
        atomic_store(&c.phase, 0);
    }
    atomic_store(&lc_stop, 1);
    atomic_store(&c.phase, 0);
    pthread_join(t, NULL);
    cr_log_info("%lu rounds, %lu accepted", rounds, accepted);
    cr_assert_eq(c.bad, 0ul, "the giver failed");
    cr_assert_gt(rounds, 100ul);
    cr_assert_gt(accepted, 0ul);
    cosmosb_arena_leave(r);
    free(hm);
    free(c.meta);
    free(c.data);
}

/*
 * test_arena_interleave.c - races of the arena protocol made deterministic.
 *
 * The arena core is linked here in a variant built with test points
 * (COSMOSB_TEST_POINTS, lib/core/arena_internal.h): a hook set on one
 * handle runs at a named step of that handle's own operation, and makes
 * other participants act right there. Each test below replays an
 * interleaving that a review found (docs/arena.md) and fails if the fix is
 * undone; the plain library, which every other test and the benchmarks
 * use, has no test points.
 */
#include "arena_fixture.h"
#include "core/arena_internal.h"

#ifndef COSMOSB_TEST_POINTS
#error "test_arena_interleave needs the arena core built with COSMOSB_TEST_POINTS"
#endif

/* What a hook needs to know: the fixture, the object it waits for, and what it did. */
struct race {
    struct afx *f;
    uint32_t nobjects;
    cosmosb_ref_t x, t;
    cosmosb_arena_t *h; /* the other participant that acts at the points */
    int closed, released, join_rc, acquired;
    cosmosb_arena_t *newcomer;
    uint8_t *hdr;                /* a header in data */
    volatile uint32_t *nchildren; /* its entry's child count in meta */
};

/* White box: a participant record's id (it follows the state word). */
static volatile uint32_t *sid(struct afx *f, uint32_t p)
{
    return part_state(f, p) + 1;
}

#define W_FROZEN(gen) (2u | ((uint32_t)(gen) << 12))
#define W_CLOSING(part, gen) (4u | (((uint32_t)(part) + 1u) << 4) | ((uint32_t)(gen) << 12))

/*
 * A reap passes over the objects twice (docs/arena.md, "Reaping", steps 5
 * and 7). x is pinned by d's LIVE transfer to h in the first pass (d's bit
 * stays); right after the reaper's first look at x, h accepts the transfer
 * (d is being reaped, so h leaves d's bit to the reaper). In the second
 * pass, as the reaper meets x, h releases x (several holder words, so it
 * closes x first) and sees d's bit; once the reaper has read x's state, h
 * reopens x, drops its own bit and finds d's bit still set (or not): the
 * free is left to whoever drops d's bit.
 */
static void closer_between_reaper_steps(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct race *r = ctx;
    (void)a;
    if (arg != r->x.object)
        return;
    volatile uint32_t *st = obj_state(r->f, r->x.object, r->nobjects);
    if (point == COSMOSB__AP_REAP_STATE_READ && !r->acquired) {
        ASSERT_RC(cosmosb_arena_accept(r->h, &r->t), COSMOSB_OK); /* first pass: h takes its transfer */
        r->acquired = 1;
    } else if (point == COSMOSB__AP_REAP_OBJECT && r->acquired && !r->closed) {
        /* second pass: h's CAS FROZEN -> CLOSING(h) of its sole-holder release, which then reads d's bit */
        cr_assert_eq(*st, W_FROZEN(r->x.generation), "x %#x", *st);
        *st = W_CLOSING(cosmosb_arena_participant(r->h), r->x.generation);
        r->closed = 1;
    } else if (point == COSMOSB__AP_REAP_STATE_READ && r->closed && !r->released) {
        /* h saw a holder: it reopens x, then its release drops its bit and runs the free check */
        *st = W_FROZEN(r->x.generation);
        ASSERT_RC(cosmosb_arena_release(r->h, &r->t), COSMOSB_OK);
        r->released = 1;
    }
}

/*
 * Fourth review, finding 2: reap_objects read an object's state before it
 * dropped the dead participant's bit, and decided from that stale state. A
 * releaser that had closed the object (CLOSING) and seen the dead one's
 * bit reopened it, dropped its own bit and left the free to the bit's
 * owner; the reaper, having read CLOSING, skipped the free check after
 * dropping the bit: in the reap's second pass nothing looks at the object
 * again, and it stayed FROZEN with no holder, for good.
 */
Test(arena_interleave, reaper_decides_from_the_state_after_its_bit_drop)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 64, 16); /* 64 participants: two holder words, closing in use */
    struct race r = {.f = &f, .nobjects = 256u * 32u};
    cosmosb_arena_t *reaper = fx_join(&f, 0, 1);
    r.h = fx_join(&f, 1, 0);
    cosmosb_arena_t *d = fx_join(&f, 2, 1);
    r.x = make(d, 5, 64, 0, 1);
    ASSERT_RC(cosmosb_arena_give(d, &r.x, cosmosb_arena_participant(r.h), &r.t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(d, &r.x), COSMOSB_OK); /* d's bit stays: its LIVE transfer pins x */
    fx_kill(&f, 2);                                        /* d dies with its transfer in flight */
    cosmosb__arena_set_test_point(reaper, closer_between_reaper_steps, &r);
    uint32_t reaped = 0;
    ASSERT_RC(cosmosb_arena_poll(reaper, &reaped), COSMOSB_OK);
    cosmosb__arena_set_test_point(reaper, NULL, NULL);
    cr_assert_eq(reaped, 1u);
    cr_assert(r.acquired && r.closed && r.released, "the interleaving did not happen (%d %d %d)", r.acquired,
              r.closed, r.released);
    cr_assert_eq(stats(reaper).live_objects, 0u, "x has no holder left but was never freed");
    ASSERT_RC(cosmosb_arena_resolve(reaper, &r.x, 5, NULL, NULL), COSMOSB_ESTALE);
    assert_empty(reaper);
    cr_assert_eq(stats(reaper).zombies, 0u);
    fx_free(&f);
}

/*
 * The receiver settles the zombie giver's transfer (it found no LIVE
 * transfer of the giver left for x and is about to drop the giver's bit):
 * right then a poller tries to reap the zombie, and a newcomer tries to
 * join its slot and take a reference to x.
 */
static void rejoin_while_settling(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct race *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_SETTLE_CHECKED || arg != r->x.object || r->closed)
        return;
    r->closed = 1;
    ASSERT_RC(cosmosb_arena_poll(r->h, NULL), COSMOSB_OK); /* the poller */
    struct afx *f = r->f;
    f->mem[3] = aligned_alloc(64, (f->hs + 63) & ~(size_t)63);
    cr_assert_not_null(f->mem[3]);
    r->join_rc = cosmosb_arena_join(f->mem[3], f->hs, f->meta, f->ms, f->data, NULL, f->ds, &f->plat[3], &f->h[3]);
    if (r->join_rc == COSMOSB_OK) {
        r->newcomer = f->h[3];
        r->acquired = cosmosb_arena_acquire(r->newcomer, &r->x) == COSMOSB_OK;
    }
}

/*
 * Third-session fix without a test until now (docs/arena.md, "Transfers"):
 * a settler of a gone giver used to check the giver's transfers and then
 * clear its bit without owning the giver's record. A reap of the giver, a
 * join of its slot and an acquire by the newcomer in between, and the bit
 * cleared was the newcomer's: x was freed while the newcomer held it. Now
 * the settler holds the zombie's mark meanwhile: the reap waits, the slot
 * stays taken.
 */
Test(arena_interleave, a_settler_never_drops_a_newcomers_bit)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 3, 16); /* three slots: the newcomer can only take the giver's */
    struct race r = {.f = &f, .join_rc = 1};
    cosmosb_arena_t *recv = fx_join(&f, 0, 0);
    cosmosb_arena_t *giver = fx_join(&f, 1, 1);
    r.h = fx_join(&f, 2, 1); /* the poller */
    cr_assert_eq(cosmosb_arena_participant(giver), 1u);
    cosmosb_ref_t x = make(giver, 6, 64, 0, 2), t;
    ASSERT_RC(cosmosb_arena_give(giver, &x, 0, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(giver, &x), COSMOSB_OK); /* only its transfer pins x now */
    fx_kill(&f, 1);
    ASSERT_RC(cosmosb_arena_poll(r.h, NULL), COSMOSB_OK);
    cr_assert_eq(stats(r.h).zombies, 1u, "the giver is a zombie while its transfer is in flight");
    r.x = x;
    cosmosb__arena_set_test_point(recv, rejoin_while_settling, &r);
    ASSERT_RC(cosmosb_arena_accept(recv, &t), COSMOSB_OK);
    cosmosb__arena_set_test_point(recv, NULL, NULL);
    cr_assert(r.closed, "the receiver never settled the giver's transfer");
    if (r.newcomer) {
        /* the slot was free to join while the settle ran: the newcomer's reference must survive */
        cr_assert(r.acquired);
        ASSERT_RC(cosmosb_arena_release(recv, &t), COSMOSB_OK);
        cr_assert(intact(r.newcomer, &x, 6, 64, 2), "x was freed while the newcomer held it");
        ASSERT_RC(cosmosb_arena_release(r.newcomer, &x), COSMOSB_OK);
    } else {
        ASSERT_RC(r.join_rc, COSMOSB_EBUSY);
        ASSERT_RC(cosmosb_arena_poll(r.h, NULL), COSMOSB_OK); /* now the zombie is reaped, its slot freed */
        cosmosb_arena_t *n = fx_join(&f, 3, 0);
        cr_assert_eq(cosmosb_arena_participant(n), 1u);
        ASSERT_RC(cosmosb_arena_acquire(n, &t), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_release(recv, &t), COSMOSB_OK);
        cr_assert(intact(n, &t, 6, 64, 2), "x was freed while the newcomer held it");
        ASSERT_RC(cosmosb_arena_release(n, &t), COSMOSB_OK);
    }
    assert_empty(r.h);
    cr_assert_eq(stats(r.h).zombies, 0u);
    fx_free(&f);
}

/* A hostile writer rewrites object x's header in data right after the reader checked it. */
static void rewrite_header_after_check(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct race *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_HEADER_CHECKED || arg != r->x.object || r->closed)
        return;
    r->closed = 1;
    volatile uint32_t *hdr = (volatile uint32_t *)(void *)r->hdr; /* type_id, size, max_children, magic, ... */
    hdr[2] = 0xffffffffu;     /* size */
    hdr[3] = 65535u;          /* max_children */
    hdr[7] = 0xffffff00u;     /* payload_off */
    *r->nchildren = 60000u;   /* and the child count in meta */
}

/* Where object x's header is: the offset table at the start of its block names it. */
static uint8_t *header_of(struct afx *f, cosmosb_ref_t x, uint32_t opb_shift, uint32_t block)
{
    uint8_t *bd = f->data + (uint64_t)(x.object >> opb_shift) * block;
    return bd + ((volatile uint32_t *)(void *)bd)[x.object & ((1u << opb_shift) - 1u)];
}

/*
 * Fuzzing (fifth review): an object header lives in data, which every
 * writer can change at any moment. resolve, writable, inspect, add_child
 * and the free of a parent checked the header and then read its fields
 * again: a writer changing them in between got resolve to return a
 * pointer 4 GiB outside the arena and add_child to write a child slot far
 * past the data. Now the checked copy is all that is used.
 */
Test(arena_interleave, a_header_rewritten_after_its_check_is_not_read_again)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *w = fx_join(&f, 0, 1), *rd = fx_join(&f, 1, 0);
    struct race r = {.f = &f};
    cosmosb_ref_t kid = make(w, 3, 16, 0, 1), par = make(w, 4, 64, 2, 2);
    r.x = par;
    r.hdr = header_of(&f, par, 5, 4096);
    r.nchildren = obj_state(&f, par.object, 256u * 32u) + 2; /* nchildren follows state and graph */
    cr_assert_eq(((volatile uint32_t *)(void *)r.hdr)[3], 2u, "white-box layout: max_children");
    uint8_t *keep = malloc(64);
    cr_assert_not_null(keep);
    memcpy(keep, r.hdr, 64);

    /* add_child of the writer itself (its own header: a second writer is the hostile one) */
    cosmosb__arena_set_test_point(w, rewrite_header_after_check, &r);
    int rc = cosmosb_arena_add_child(w, &par, &kid);
    cosmosb__arena_set_test_point(w, NULL, NULL);
    cr_assert(r.closed);
    cr_assert_neq(rc, COSMOSB_OK, "add_child wrote child slot 60000 of an object with room for 2");

    /* resolve and inspect by a reader */
    memcpy(r.hdr, keep, 64);
    *r.nchildren = 0;
    ASSERT_RC(cosmosb_arena_freeze(w, &par), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_acquire(rd, &par), COSMOSB_OK);
    r.closed = 0;
    cosmosb__arena_set_test_point(rd, rewrite_header_after_check, &r);
    const void *d = NULL;
    uint32_t sz = 0;
    rc = cosmosb_arena_resolve(rd, &par, 4, &d, &sz);
    cr_assert(r.closed);
    if (rc == COSMOSB_OK)
        cr_assert((const uint8_t *)d >= f.data && (const uint8_t *)d + sz <= f.data + f.ds,
                  "resolve returned %u bytes at %p, outside the data area [%p, +%llu)", sz, d, (void *)f.data,
                  (unsigned long long)f.ds);
    memcpy(r.hdr, keep, 64);
    *r.nchildren = 0;
    r.closed = 0;
    cosmosb_ref_t kids[4];
    uint32_t n = 0;
    rc = cosmosb_arena_inspect(rd, &par, NULL, kids, 4, &n);
    cr_assert(r.closed);
    cr_assert(rc != COSMOSB_OK || n <= 2, "inspect reported %u children of an object with room for 2", n);
    cosmosb__arena_set_test_point(rd, NULL, NULL);

    memcpy(r.hdr, keep, 64);
    *r.nchildren = 0;
    ASSERT_RC(cosmosb_arena_release(rd, &par), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(w, &par), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(w, &kid), COSMOSB_OK);
    assert_empty(w);
    free(keep);
    fx_free(&f);
}

/* The poller found slot arg reapable (a leave at its last step, id 0): right then the leaver's CAS to
 * FREE lands and a newcomer joins the slot and allocates. */
static void leave_and_rejoin_after_the_check(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct race *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_POLL_CHECKED || arg != 1u || r->closed)
        return;
    r->closed = 1;
    *part_state(r->f, 1) = P_WORD(0, 0, 1); /* the leaver's CAS LEAVING(aux 1) -> FREE */
    r->newcomer = fx_join(r->f, 2, 1);
    cr_assert_eq(cosmosb_arena_participant(r->newcomer), 1u);
    r->x = make(r->newcomer, 8, 64, 0, 5);
}

/*
 * Fifth review, finding A: a poll judged a record by one read and reaped by
 * another. On a platform without liveness (the core's default: no ids, no
 * peer_alive) it saw a leave at its last step, then the slot was freed and
 * joined, and the second read (ALIVE, id 0, nothing to ask) let it reap
 * the newcomer while it ran. Now the mark is CASed from the very word that
 * was judged: a new generation in the slot is left alone.
 */
Test(arena_interleave, a_poll_never_reaps_a_newcomer_in_a_judged_slot)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    for (int i = 0; i < 3; i++) { /* no ids, no liveness */
        f.plat[i].self_id = NULL;
        f.plat[i].peer_alive = NULL;
    }
    struct race r = {.f = &f};
    cosmosb_arena_t *p = fx_join(&f, 0, 1);
    fx_join(&f, 1, 1);
    cr_assert_eq(*part_state(&f, 1), P_WORD(1, 0, 1));
    *part_state(&f, 1) = P_WORD(4, 1, 1); /* the leaver at its last step ... */
    *sid(&f, 1) = 0;                      /* ... its NOID zeroed */
    f.h[1] = NULL;
    cosmosb__arena_set_test_point(p, leave_and_rejoin_after_the_check, &r);
    ASSERT_RC(cosmosb_arena_poll(p, NULL), COSMOSB_OK);
    cosmosb__arena_set_test_point(p, NULL, NULL);
    cr_assert(r.closed, "the poll never judged the leaver's slot");
    cr_assert_eq(*part_state(&f, 1), P_WORD(1, 0, 2), "the newcomer was reaped: %#x", *part_state(&f, 1));
    cr_assert(intact(r.newcomer, &r.x, 8, 64, 5));
    ASSERT_RC(cosmosb_arena_release(r.newcomer, &r.x), COSMOSB_OK);
    assert_empty(p);
    fx_free(&f);
}

/* A's check of its run's head has seen every entry FREE: right then another participant's check frees the
 * run, and C takes a new run at the same head and holds its object. */
static void new_run_after_the_scan(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct race *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_BLOCK_SCANNED || arg != (r->t.object >> 5) || r->closed)
        return;
    r->closed = 1;
    (void)stats(r->h); /* another checker: the run goes back to the pool */
    r->x = make(r->newcomer, 9, 5000, 0, 6);
    cr_assert_eq(r->x.object >> 5, r->t.object >> 5, "the new run has the same head");
}

/*
 * Fifth review, finding E: a block check that found a run's head empty
 * freed the run by whatever RETIRED word it read again, not the one it had
 * checked: delayed past the run's free and a new run of the same head, it
 * returned the new run (and its live object) to the pool. Now the run is
 * freed only from exactly the word that was checked.
 */
Test(arena_interleave, a_delayed_check_never_frees_a_later_run)
{
    struct afx f;
    fx_init(&f, 4 * 4096, 4096, 32, 4, 16);
    struct race r = {.f = &f};
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    r.newcomer = fx_join(&f, 1, 1); /* C */
    r.h = fx_join(&f, 2, 0);        /* another checker */
    cosmosb_arena_t *d = fx_join(&f, 3, 1);
    r.t = make(a, 9, 5000, 0, 1); /* a run of two blocks; its head is retired at once */
    cosmosb__arena_set_test_point(a, new_run_after_the_scan, &r);
    ASSERT_RC(cosmosb_arena_release(a, &r.t), COSMOSB_OK); /* the free checks the head */
    cosmosb__arena_set_test_point(a, NULL, NULL);
    cr_assert(r.closed, "the check never reached the head");
    cr_assert(intact(r.newcomer, &r.x, 9, 5000, 6), "C's run was freed under its object");
    cosmosb_ref_t y = make(d, 9, 5000, 0, 7); /* the next run goes elsewhere ... */
    cr_assert(intact(r.newcomer, &r.x, 9, 5000, 6), "... and does not overwrite C's object");
    ASSERT_RC(cosmosb_arena_release(d, &y), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(r.newcomer, &r.x), COSMOSB_OK);
    assert_empty(a);
    fx_free(&f);
}


/*
 * Seventh review, finding F1: a poll read a FREE record, then its reserved
 * id, asked the platform, found the reserver dead and gave the reservation
 * back; but the reserver had claimed the record (and died) in between, so
 * its id was zeroed under a claimed record: never reaped, the slot lost.
 * Now the verdict comes first, then the record must still be FREE (a dead
 * reserver claims nothing any more). The race is replayed in peer_alive.
 */
static int g_race;
static struct afx *g_f;
static int racy_alive(void *ctx, uint32_t id)
{
    if (g_race && id == g_f->ids[1]) {
        g_race = 0;
        /* joiner 1, which reserved slot 1 before the poll read its id, now does its claim CAS
         * FREE(0) -> ALIVE(1) (the next instruction of cosmosb_arena_join) and is killed right after */
        uint32_t expect = P_WORD(0, 0, 0);
        cr_assert(__atomic_compare_exchange_n((uint32_t *)part_state(g_f, 1), &expect, P_WORD(1, 0, 1), 0,
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
        g_f->dead[id] = 1;
    }
    return fake_alive(ctx, id);
}

Test(arena_interleave, a_poll_never_gives_back_a_reservation_its_reserver_claimed)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    g_f = &f;
    f.plat[0].peer_alive = racy_alive;
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    *sid(&f, 1) = f.ids[1]; /* joiner 1 reserved slot 1 (its CAS 0 -> id) */
    g_race = 1;
    uint32_t n = 9;
    ASSERT_RC(cosmosb_arena_poll(s0, &n), COSMOSB_OK); /* reads FREE, reads id 2, asks peer_alive ... */
    fprintf(stderr, "after poll 1: slot 1 state %#x id %u (reaped %u)\n", *part_state(&f, 1), *sid(&f, 1), n);
    for (int i = 0; i < 3; i++) {
        s0->next_poll = 0;
        ASSERT_RC(cosmosb_arena_poll(s0, &n), COSMOSB_OK);
    }
    uint32_t p;
    fprintf(stderr, "after 3 more polls: slot 1 state %#x id %u (reaped %u), reap(1) -> %d\n", *part_state(&f, 1),
            *sid(&f, 1), n, cosmosb_arena_reap(s0, 1));
    f.mem[2] = aligned_alloc(64, (f.hs + 63) & ~(size_t)63);
    int rc = cosmosb_arena_join(f.mem[2], f.hs, f.meta, f.ms, f.data, f.data, f.ds, &f.plat[2], &f.h[2]);
    fprintf(stderr, "a new joiner: rc %d; find_participant(2) -> %d\n", rc, cosmosb_arena_find_participant(s0, 2, &p));
    cr_assert_eq(rc, COSMOSB_OK, "slot 1 is lost for good: ALIVE with id 0, its process dead");
    fx_free(&f);
}

/* The same race, with a reserver that claims, allocates and is killed: everything it held comes back. */
static int g_race_b;
static int racy_alive_b(void *ctx, uint32_t id)
{
    if (g_race_b && id == g_f->ids[1]) {
        g_race_b = 0;
        *sid(g_f, 1) = 0;                 /* (memory-identical: J's reservation is the one the poll read) */
        cosmosb_arena_t *j = fx_join(g_f, 1, 1); /* J reserves and claims slot 1 ... */
        cr_assert_eq(cosmosb_arena_participant(j), 1u);
        for (int i = 0; i < 3; i++)
            (void)make(j, 9, 200, 0, (uint8_t)i); /* ... allocates and holds ... */
        fx_kill(g_f, 1);                  /* ... and is killed */
    }
    return fake_alive(ctx, id);
}

Test(arena_interleave, a_reserver_that_claims_works_and_dies_is_reaped)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    g_f = &f;
    f.plat[0].peer_alive = racy_alive_b;
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    *sid(&f, 1) = f.ids[1]; /* J reserved slot 1 */
    g_race_b = 1;
    uint32_t n = 0, tot = 0;
    for (int i = 0; i < 4; i++) {
        s0->next_poll = 0;
        ASSERT_RC(cosmosb_arena_poll(s0, &n), COSMOSB_OK);
        tot += n;
    }
    cosmosb_arena_stats_t st = stats(s0);
    fprintf(stderr, "after 4 polls: slot 1 state %#x id %u, reaped %u; live objects %u, blocks free %u/%u, "
                    "participants %u\n", *part_state(&f, 1), *sid(&f, 1), tot, st.live_objects, st.blocks_free,
            st.blocks_total, st.participants);
    cr_assert_eq(st.live_objects, 0u, "a dead participant's objects are held for good");
    fx_free(&f);
}

/*
 * Seventh review, finding F2: a joiner without an id claimed a free slot
 * that an id-joiner had reserved and died on, and was then judged by that
 * dead id and reaped alive. A joiner without an id passes such a slot by
 * until a poll gives the reservation back.
 */
Test(arena_interleave, a_joiner_without_an_id_passes_a_reserved_slot_by)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    *sid(&f, 1) = f.ids[1]; /* id-joiner 1 reserved slot 1 ... */
    f.dead[f.ids[1]] = 1;   /* ... and was killed before its claim */
    f.plat[2].self_id = NULL;
    f.mem[2] = aligned_alloc(64, (f.hs + 63) & ~(size_t)63);
    cr_assert_not_null(f.mem[2]);
    ASSERT_RC(cosmosb_arena_join(f.mem[2], f.hs, f.meta, f.ms, f.data, f.data, f.ds, &f.plat[2], &f.h[2]),
              COSMOSB_EBUSY);
    ASSERT_RC(cosmosb_arena_poll(s0, NULL), COSMOSB_OK); /* gives the dead reservation back */
    cosmosb_arena_t *n2 = fx_join(&f, 2, 1);
    cr_assert_eq(cosmosb_arena_participant(n2), 1u);
    cr_assert_eq(*sid(&f, 1), 0xffffffffu, "a participant without an id carries NOID");
    cosmosb_ref_t r = make(n2, 5, 64, 0, 3);
    uint32_t n = 9;
    ASSERT_RC(cosmosb_arena_poll(s0, &n), COSMOSB_OK);
    cr_assert_eq(n, 0u, "a live participant without an id was reaped");
    cr_assert(intact(n2, &r, 5, 64, 3));
    ASSERT_RC(cosmosb_arena_release(n2, &r), COSMOSB_OK);
    fx_free(&f);
}

/* The leaver (no id) is at its last step, its NOID still in its record: a poll must not free the slot
 * now (the leaver still writes to it). */
static void poll_at_the_last_step(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct race *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_LEAVE_LAST_STEP || arg != 1u || r->closed)
        return;
    r->closed = 1;
    ASSERT_RC(cosmosb_arena_poll(r->h, NULL), COSMOSB_OK);
    cr_assert_eq(*part_state(r->f, 1), P_WORD(4, 1, 1), "the slot was freed under a leaver still writing to it");
}

/*
 * Eighth and ninth reviews: a leaver whose platform has no id had id 0 in
 * its record all its life, so a poll freed its slot at its last step, and
 * its id store (zeroing whatever nonzero id it read) then wiped the next
 * occupant's id: that one was never reaped. A participant without an id
 * now carries NOID (joiners reserve with it, so a stale reservation never
 * lands on a running record either), a poll never frees a running record
 * with NOID, and a leaver zeroes its own id only, by CAS.
 */
Test(arena_interleave, a_leaver_without_an_id_never_zeroes_a_newcomers_id)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 3, 16);
    f.plat[1].self_id = NULL; /* the leaver's platform has no id */
    struct race r = {.f = &f};
    r.h = fx_join(&f, 0, 1);
    cosmosb_arena_t *l = fx_join(&f, 1, 1);
    cr_assert_eq(*sid(&f, 1), 0xffffffffu);
    cosmosb__arena_set_test_point(l, poll_at_the_last_step, &r);
    cosmosb_arena_leave(l);
    f.h[1] = NULL;
    cr_assert(r.closed, "the leave never reached its last step");
    cr_assert_eq(*part_state(&f, 1) & 0xfu, 0u, "the leave did not end FREE");
    cr_assert_eq(*sid(&f, 1), 0u, "a FREE record's id is 0");
    cosmosb_arena_t *n = fx_join(&f, 2, 1); /* a joiner with an id takes the slot */
    cr_assert_eq(cosmosb_arena_participant(n), 1u);
    cr_assert_eq(*sid(&f, 1), f.ids[2]);
    uint32_t p = 99;
    ASSERT_RC(cosmosb_arena_find_participant(r.h, f.ids[2], &p), COSMOSB_OK);
    cr_assert_eq(p, 1u);
    (void)make(n, 4, 64, 0, 1);
    fx_kill(&f, 2); /* and its death is reaped */
    uint32_t reaped = 0;
    ASSERT_RC(cosmosb_arena_poll(r.h, &reaped), COSMOSB_OK);
    cr_assert_eq(reaped, 1u);
    assert_empty(r.h);
    fx_free(&f);
}

/*
 * Ninth review: a joiner with an id, stalled between its look at a FREE
 * record and its reservation, reserved (0 -> its id) the record of a
 * participant without an id that had joined meanwhile, then died before
 * giving it back: a poll reaped the live participant on the dead id. Such
 * participants carry NOID now, so the stale reservation fails.
 */
Test(arena_interleave, a_stale_reservation_never_lands_on_a_running_record)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    f.plat[1].self_id = NULL;
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    cosmosb_arena_t *nid = fx_join(&f, 1, 1); /* without an id */
    cosmosb_ref_t r = make(nid, 5, 64, 0, 3);
    /* the stalled joiner (id 3) resumes: its reservation CAS 0 -> 3 on slot 1 */
    uint32_t expect = 0;
    int landed = __atomic_compare_exchange_n((uint32_t *)(void *)sid(&f, 1), &expect, f.ids[2], 0, __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST);
    cr_assert(!landed, "a stale reservation landed on a running record");
    f.dead[f.ids[2]] = 1; /* and dies */
    uint32_t n = 9;
    ASSERT_RC(cosmosb_arena_poll(s0, &n), COSMOSB_OK);
    cr_assert_eq(n, 0u);
    cr_assert(intact(nid, &r, 5, 64, 3));
    ASSERT_RC(cosmosb_arena_release(nid, &r), COSMOSB_OK);
    fx_free(&f);
}

/*
 * Tenth review: a joiner without an id killed between its reservation
 * (NOID) and its claim leaves a FREE record no poll can judge. The
 * application, asserting the death, reaps the slot: the reservation goes
 * back. (A joiner that was alive after all still claims, its state CAS not
 * looking at the id, and writes its own id back over the 0; join has no
 * test point to replay that here.)
 */
Test(arena_interleave, an_applications_reap_gives_back_a_dead_joiners_reservation)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    f.plat[1].self_id = NULL;
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    *sid(&f, 1) = 0xffffffffu; /* a joiner without an id reserved slot 1 and was killed */
    for (int i = 0; i < 3; i++)
        ASSERT_RC(cosmosb_arena_poll(s0, NULL), COSMOSB_OK);
    cr_assert_eq(*sid(&f, 1), 0xffffffffu, "a poll cannot judge NOID");
    ASSERT_RC(cosmosb_arena_reap(s0, 1), COSMOSB_OK); /* the application asserts its death */
    cr_assert_eq(*sid(&f, 1), 0u);
    cosmosb_arena_t *n = fx_join(&f, 1, 1); /* the slot can be joined again (here by one without an id) */
    cr_assert_eq(cosmosb_arena_participant(n), 1u);
    cr_assert_eq(*sid(&f, 1), 0xffffffffu, "a claimed record carries its occupant's id");
    fx_free(&f);
}

/* The joiner has reserved slot arg: right then an application, taking it for a dead joiner, reaps the slot
 * (the reservation goes back to 0). */
static void give_back_after_the_reservation(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct race *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_JOIN_RESERVED || arg != 1u || r->closed)
        return;
    r->closed = 1;
    cr_assert_eq(*sid(r->f, 1), 0xffffffffu);
    ASSERT_RC(cosmosb_arena_reap(r->h, 1), COSMOSB_OK);
    cr_assert_eq(*sid(r->f, 1), 0u);
}

/*
 * A live joiner whose reservation was given back (an application reaped
 * the slot, wrongly taking it for a dead joiner's) still claims, its state
 * CAS not looking at the id, and writes its own id back: a claimed record
 * never runs with id 0, where a stale reservation could land.
 */
Test(arena_interleave, a_claimer_restores_its_given_back_reservation)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    f.plat[1].self_id = NULL;
    struct race r = {.f = &f};
    r.h = fx_join(&f, 0, 1);
    f.mem[1] = aligned_alloc(64, (f.hs + 63) & ~(size_t)63);
    cr_assert_not_null(f.mem[1]);
    cosmosb__arena_set_join_point(f.mem[1], give_back_after_the_reservation, &r);
    ASSERT_RC(cosmosb_arena_join(f.mem[1], f.hs, f.meta, f.ms, f.data, f.data, f.ds, &f.plat[1], &f.h[1]),
              COSMOSB_OK);
    cr_assert(r.closed, "the join never reserved slot 1");
    cr_assert_eq(cosmosb_arena_participant(f.h[1]), 1u);
    cr_assert_eq(*sid(&f, 1), 0xffffffffu, "the claimed record runs with id %#x", *sid(&f, 1));
    cosmosb__arena_set_test_point(f.h[1], NULL, NULL);
    fx_free(&f);
}

/*
 * Eleventh review: a transfer of a leaver accepted (and the object released
 * by its taker) after the leaver's last scan of its transfers, while it
 * still frees other objects. The settler found the leaver LEAVING and left
 * the settling to it, the leaver ended a zombie keeping its bit, and the
 * object outlived its last holder until somebody polled. Now the settler
 * flags the record (LEAVE_SETTLED), the leaver's CAS to ZOMBIE fails, and it
 * scans again: everything is free when the leave returns, no poll needed.
 */
struct late_settle {
    cosmosb_arena_t *a, *v;
    cosmosb_ref_t p, q, ta, tv;
    int step;
};

static void settle_during_leave(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct late_settle *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_HEADER_CHECKED)
        return;
    if (arg == r->q.object && r->step == 0) { /* leave's first loop frees q: A takes p and lets it go */
        r->step = 1;
        ASSERT_RC(cosmosb_arena_accept(r->a, &r->ta), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_release(r->a, &r->ta), COSMOSB_OK);
    } else if (arg == r->p.object && r->step == 1) { /* after the last scan, freeing p: V takes x, lets it go */
        r->step = 2;
        ASSERT_RC(cosmosb_arena_accept(r->v, &r->tv), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_release(r->v, &r->tv), COSMOSB_OK);
    }
}

Test(arena_interleave, a_transfer_settled_late_in_a_leave_is_settled_by_the_leaver)
{
    struct afx f;
    fx_init(&f, 1 << 20, 64u << 10, 64, 8, 16);
    cosmosb_arena_t *l = fx_join(&f, 0, 1);
    struct late_settle r = {.a = fx_join(&f, 1, 0), .v = fx_join(&f, 2, 0)};
    cosmosb_ref_t pc = make(l, 9, 32, 0, 1), qc = make(l, 9, 32, 0, 2);
    r.p = make(l, 9, 32, 1, 3);
    r.q = make(l, 9, 32, 1, 4);
    cosmosb_ref_t x = make(l, 9, 32, 0, 5);
    ASSERT_RC(cosmosb_arena_add_child(l, &r.p, &pc), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(l, &r.q, &qc), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_freeze(l, &r.p), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_freeze(l, &r.q), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(l, &pc), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(l, &qc), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(l, &r.p, cosmosb_arena_participant(r.a), &r.ta), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(l, &x, cosmosb_arena_participant(r.v), &r.tv), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(l, &r.p), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(l, &x), COSMOSB_OK);
    cosmosb__arena_set_test_point(l, settle_during_leave, &r);
    cosmosb_arena_leave(l);
    f.h[0] = NULL;
    cr_assert_eq(r.step, 2, "the interleaving did not happen (step %d)", r.step);
    ASSERT_RC(cosmosb_arena_resolve(r.v, &x, 9, NULL, NULL), COSMOSB_ESTALE);
    cosmosb_arena_stats_t s = stats(r.v);
    cr_assert_eq(s.live_objects, 0u, "%u objects outlive their last holder", s.live_objects);
    cr_assert_eq(s.zombies, 0u);
    cr_assert_eq(s.participants, 2u);
    fx_free(&f);
}

/*
 * The same gap in a reap: the dead giver's transfer accepted (and released)
 * during the reaper's second pass over the objects, after its last scan of
 * the transfers. The reaper ended the giver a zombie keeping its bit; now it
 * settles the zombie's pins once more after its reap.
 */
static void settle_during_reap(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct late_settle *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_REAP_OBJECT || arg != 0 || ++r->step != 2)
        return; /* object 0 is met once per pass over the objects: act in the second pass */
    ASSERT_RC(cosmosb_arena_accept(r->v, &r->tv), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(r->v, &r->tv), COSMOSB_OK);
}

Test(arena_interleave, a_transfer_settled_late_in_a_reap_is_settled_by_the_reaper)
{
    struct afx f;
    fx_init(&f, 1 << 20, 64u << 10, 64, 8, 16);
    cosmosb_arena_t *d = fx_join(&f, 0, 1);
    cosmosb_arena_t *reaper = fx_join(&f, 1, 0);
    struct late_settle r = {.v = fx_join(&f, 2, 0)};
    cosmosb_ref_t x = make(d, 9, 32, 0, 5);
    ASSERT_RC(cosmosb_arena_give(d, &x, cosmosb_arena_participant(r.v), &r.tv), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(d, &x), COSMOSB_OK);
    fx_kill(&f, 0); /* d dies with its transfer in flight */
    cosmosb__arena_set_test_point(reaper, settle_during_reap, &r);
    ASSERT_RC(cosmosb_arena_reap(reaper, 0), COSMOSB_OK);
    cosmosb__arena_set_test_point(reaper, NULL, NULL);
    cr_assert_eq(r.step, 2, "the interleaving did not happen (step %d)", r.step);
    ASSERT_RC(cosmosb_arena_resolve(reaper, &x, 9, NULL, NULL), COSMOSB_ESTALE);
    cosmosb_arena_stats_t s = stats(reaper);
    cr_assert_eq(s.live_objects, 0u, "%u objects outlive their last holder", s.live_objects);
    /* The record stays a zombie with nothing left, as after any settle: the next poll frees the slot. */
    ASSERT_RC(cosmosb_arena_poll(reaper, NULL), COSMOSB_OK);
    cr_assert_eq(stats(reaper).zombies, 0u);
    fx_free(&f);
}

/* Participant p's record as a settler leaves a leaver's: LEAVING, aux LEAVE_SETTLED, same generation. */
static void flag_leave_settled(struct afx *f, uint32_t p)
{
    volatile uint32_t *st = part_state(f, p);
    *st = (*st & ~0xffu) | 4u | (2u << 4);
}

/* A LEAVE_SETTLED flag with no transfer of the leaver left can only be a hostile peer's: the leaver
 * clears it and still leaves in full (its slot free, nothing of it left behind). */
struct forged_flag {
    struct afx *f;
    cosmosb_ref_t q;
    int done;
};

static void forge_settled_flag(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct forged_flag *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_HEADER_CHECKED || arg != r->q.object || r->done)
        return;
    r->done = 1;
    flag_leave_settled(r->f, 0);
}

Test(arena_interleave, a_forged_settled_flag_never_keeps_a_leaver_from_leaving)
{
    struct afx f;
    fx_init(&f, 1 << 20, 64u << 10, 64, 8, 16);
    cosmosb_arena_t *l = fx_join(&f, 0, 1);
    cosmosb_arena_t *other = fx_join(&f, 1, 0);
    struct forged_flag r = {.f = &f};
    cosmosb_ref_t qc = make(l, 9, 32, 0, 2);
    r.q = make(l, 9, 32, 1, 4);
    ASSERT_RC(cosmosb_arena_add_child(l, &r.q, &qc), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_freeze(l, &r.q), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(l, &qc), COSMOSB_OK);
    cosmosb__arena_set_test_point(l, forge_settled_flag, &r);
    cosmosb_arena_leave(l);
    f.h[0] = NULL;
    cr_assert(r.done, "the interleaving did not happen");
    cr_assert_eq(*part_state(&f, 0) & 0xfu, 0u, "the leaver's record is not free: %#x", *part_state(&f, 0));
    cosmosb_arena_stats_t s = stats(other);
    cr_assert_eq(s.participants, 1u);
    cr_assert_eq(s.zombies, 0u);
    cr_assert_eq(s.live_objects, 0u);
    fx_free(&f);
}

/* Twelfth review: flags can keep coming (one settler after another), right up to the leaver's final
 * CAS; with nothing pinned a flag asks for nothing, and the leave still ends with its slot free (one
 * retry after clearing a flag used to strand the record LEAVING for as long as its process lived). */
static void flag_at_the_final_cas(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg)
{
    struct forged_flag *r = ctx;
    (void)a;
    if (point != COSMOSB__AP_LEAVE_FINAL_CAS || arg != 0)
        return;
    r->done = 1;
    flag_leave_settled(r->f, 0);
}

Test(arena_interleave, a_flag_at_the_leavers_last_cas_never_strands_it)
{
    struct afx f;
    fx_init(&f, 1 << 20, 64u << 10, 64, 8, 16);
    cosmosb_arena_t *l = fx_join(&f, 0, 1);
    cosmosb_arena_t *other = fx_join(&f, 1, 0);
    struct forged_flag r = {.f = &f};
    cosmosb_ref_t x = make(l, 9, 32, 0, 2), t;
    ASSERT_RC(cosmosb_arena_give(l, &x, cosmosb_arena_participant(other), &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_accept(other, &t), COSMOSB_OK); /* settled before the leave: nothing pinned */
    ASSERT_RC(cosmosb_arena_release(l, &x), COSMOSB_OK);
    cosmosb__arena_set_test_point(l, flag_at_the_final_cas, &r);
    cosmosb_arena_leave(l);
    f.h[0] = NULL;
    cr_assert(r.done, "the interleaving did not happen");
    cr_assert_eq(*part_state(&f, 0) & 0xfu, 0u, "the leaver's record is not free: %#x", *part_state(&f, 0));
    cosmosb_arena_stats_t s = stats(other);
    cr_assert_eq(s.participants, 1u);
    cr_assert_eq(s.zombies, 0u);
    cr_assert(intact(other, &t, 9, 32, 2));
    ASSERT_RC(cosmosb_arena_release(other, &t), COSMOSB_OK);
    cr_assert_eq(stats(other).live_objects, 0u);
    fx_free(&f);
}

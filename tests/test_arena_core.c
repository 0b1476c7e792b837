/*
 * test_arena_core.c - the arena core in one process: participants are
 * handles on the same meta/data memory, each with a fake platform whose
 * liveness the test controls (a participant "dies" by being abandoned and
 * marked dead). Lifetimes, transfers, fan-out, object graphs, exhaustion,
 * runs of blocks, stale and forged references, reaping, and a random
 * operation sequence checked against a model.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

#include "arena_fixture.h"
#include "core/arena_layout.h" /* white box: meta words a hostile peer rewrites */

Test(arena_core, config_and_geometry_errors)
{
    cosmosb_arena_config_t c;
    uint64_t ms, ds;
    ASSERT_RC(cosmosb_arena_config_init(NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_arena_config_init(&c), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_memsize(&c, &ms, &ds), COSMOSB_OK);
    cr_assert_eq(ds, 64u << 20);
    cr_assert_gt(ms, 0u);
    cosmosb_arena_config_t bad = c;
    bad.block_size = 5000;
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_EINVAL);
    bad = c;
    bad.block_size = 2048;
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_EINVAL);
    bad = c;
    bad.objects_per_block = 48;
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_EINVAL);
    bad = c;
    bad.block_size = 4096;
    bad.objects_per_block = 4096; /* the offset table would fill the block */
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_EINVAL);
    bad = c;
    bad.max_participants = 0;
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_EINVAL);
    bad.max_participants = 256;
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_EINVAL);
    bad = c;
    bad.max_transfers = 4096;
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_EINVAL);
    bad = c;
    bad.data_size = 0;
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_EINVAL);
    bad = c;
    bad.reserved[1] = 1;
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_EINVAL);
    bad = c;
    bad.data_size = 100000; /* rounded up to whole blocks */
    bad.block_size = 4096;
    ASSERT_RC(cosmosb_arena_memsize(&bad, &ms, &ds), COSMOSB_OK);
    cr_assert_eq(ds, 25u * 4096u);
    ASSERT_RC(cosmosb_arena_memsize(NULL, &ms, &ds), COSMOSB_EINVAL);
}

Test(arena_core, format_and_join_validate_everything)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    size_t hs;
    ASSERT_RC(cosmosb_arena_format(f.meta, f.ms, f.ds, &f.cfg, 0), COSMOSB_EINVAL); /* id 0 */
    ASSERT_RC(cosmosb_arena_format(f.meta + 8, f.ms - 8, f.ds, &f.cfg, 1), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_arena_format(f.meta, f.ms - 64, f.ds, &f.cfg, 1), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_arena_format(f.meta, f.ms, f.ds - 4096, &f.cfg, 1), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_arena_format(f.meta, f.ms, f.ds, &f.cfg, 77), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_handle_memsize(f.meta, f.ms, &hs), COSMOSB_OK);
    cr_assert_eq(hs, f.hs);
    void *mem = aligned_alloc(64, (hs + 63) & ~(size_t)63);
    cosmosb_arena_t *a;
    ASSERT_RC(cosmosb_arena_join(mem, hs - 1, f.meta, f.ms, f.data, f.data, f.ds, NULL, &a), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_arena_join(mem, hs, f.meta, f.ms - 64, f.data, f.data, f.ds, NULL, &a), COSMOSB_ECORRUPT);
    ASSERT_RC(cosmosb_arena_join(mem, hs, f.meta, f.ms, f.data, f.data, f.ds - 1, NULL, &a), COSMOSB_ECORRUPT);
    ASSERT_RC(cosmosb_arena_join((uint8_t *)mem + 4, hs, f.meta, f.ms, f.data, f.data, f.ds, NULL, &a),
              COSMOSB_EINVAL);
    /* every header word flipped in turn is refused or harmless, never a crash */
    for (uint32_t off = 0; off < 72; off += 4) {
        if (off == 16)
            continue; /* the arena id: any non-zero value is a valid id */
        uint32_t *w = (uint32_t *)(void *)(f.meta + off), keep = *w;
        *w ^= 0x00010001u;
        int rc = cosmosb_arena_join(mem, hs, f.meta, f.ms, f.data, f.data, f.ds, NULL, &a);
        cr_assert(rc == COSMOSB_ECORRUPT || rc == COSMOSB_EVERSION || rc == COSMOSB_ENOMEM,
                  "header word at %u flipped: %s", off, cosmosb_err_name(rc));
        *w = keep;
    }
    uint32_t *abi = (uint32_t *)(void *)(f.meta + 4);
    (*abi)++;
    ASSERT_RC(cosmosb_arena_join(mem, hs, f.meta, f.ms, f.data, f.data, f.ds, NULL, &a), COSMOSB_EVERSION);
    (*abi)--;
    ASSERT_RC(cosmosb_arena_join(mem, hs, f.meta, f.ms, f.data, f.data, f.ds, NULL, &a), COSMOSB_OK);
    cr_assert_eq(cosmosb_arena_id(a), 77u);
    cr_assert_eq(cosmosb_arena_participant(a), 0u);
    /* slots run out */
    void *more[4];
    cosmosb_arena_t *b[4];
    for (int i = 0; i < 3; i++) {
        more[i] = aligned_alloc(64, (hs + 63) & ~(size_t)63);
        ASSERT_RC(cosmosb_arena_join(more[i], hs, f.meta, f.ms, f.data, NULL, f.ds, NULL, &b[i]), COSMOSB_OK);
    }
    more[3] = aligned_alloc(64, (hs + 63) & ~(size_t)63);
    ASSERT_RC(cosmosb_arena_join(more[3], hs, f.meta, f.ms, f.data, NULL, f.ds, NULL, &b[3]), COSMOSB_EBUSY);
    cosmosb_arena_leave(b[1]); /* a clean leave frees the slot */
    ASSERT_RC(cosmosb_arena_join(more[3], hs, f.meta, f.ms, f.data, NULL, f.ds, NULL, &b[3]), COSMOSB_OK);
    cr_assert_eq(cosmosb_arena_participant(b[3]), 2u);
    cosmosb_arena_leave(b[0]);
    cosmosb_arena_leave(b[2]);
    cosmosb_arena_leave(b[3]);
    cosmosb_arena_leave(a);
    cr_assert_eq(cosmosb_arena_participant(a), COSMOSB_ARENA_NO_PARTICIPANT);
    cr_assert_eq(cosmosb_arena_id(NULL), 0u);
    cosmosb_arena_leave(NULL);
    for (int i = 0; i < 4; i++)
        free(more[i]);
    free(mem);
    fx_free(&f);
}

Test(arena_core, lifetime_alloc_freeze_resolve_release)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_stats_t base = stats(a);
    cr_assert_eq(base.blocks_free, base.blocks_total);
    cosmosb_ref_t r;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(a, 42, 100, 0, &r, &p), COSMOSB_OK);
    cr_assert_eq(((uintptr_t)p) & 15u, 0u, "payloads are 16-byte aligned");
    memset(p, 9, 100);
    /* not frozen: cannot be resolved, given or acquired */
    ASSERT_RC(cosmosb_arena_resolve(a, &r, 0, NULL, NULL), COSMOSB_ESTATE);
    cosmosb_ref_t t;
    ASSERT_RC(cosmosb_arena_give(a, &r, 0, &t), COSMOSB_ESTATE);
    ASSERT_RC(cosmosb_arena_acquire(a, &r), COSMOSB_ESTATE);
    void *w;
    uint32_t sz;
    ASSERT_RC(cosmosb_arena_writable(a, &r, &w, &sz), COSMOSB_OK);
    cr_assert_eq(w, p);
    cr_assert_eq(sz, 100u);
    ASSERT_RC(cosmosb_arena_freeze(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_freeze(a, &r), COSMOSB_ESTATE);
    ASSERT_RC(cosmosb_arena_writable(a, &r, &w, &sz), COSMOSB_ESTATE);
    const void *d;
    ASSERT_RC(cosmosb_arena_resolve(a, &r, 42, &d, &sz), COSMOSB_OK);
    cr_assert_eq(sz, 100u);
    cr_assert_eq(((const uint8_t *)d)[99], 9);
    ASSERT_RC(cosmosb_arena_resolve(a, &r, 43, &d, &sz), COSMOSB_ETYPE);
    cosmosb_arena_stats_t s = stats(a);
    cr_assert_eq(s.live_objects, 1u);
    cr_assert_eq(s.frozen_objects, 1u);
    cr_assert_eq(s.blocks_free, s.blocks_total - 1u);
    /* two references, released one by one */
    ASSERT_RC(cosmosb_arena_acquire(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_resolve(a, &r, 42, &d, &sz), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_resolve(a, &r, 42, &d, &sz), COSMOSB_ESTALE);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_ESTALE);
    ASSERT_RC(cosmosb_arena_acquire(a, &r), COSMOSB_ESTALE);
    assert_empty(a);
    /* an unfrozen object released by its allocator is freed too */
    ASSERT_RC(cosmosb_arena_alloc(a, 1, 10, 0, &r, &p), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    assert_empty(a);
    fx_free(&f);
}

/*
 * A writer that makes more objects than a block holds, then releases them
 * all, again and again, keeps using the few blocks it retired last (they
 * are the warm ones) instead of walking through the whole arena.
 */
Test(arena_core, writer_reuses_the_blocks_it_retired_last)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16); /* 256 blocks of 32 objects */
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    enum { BATCH = 3 * 32 + 5, CYCLES = 50 };
    static cosmosb_ref_t r[BATCH];
    uint8_t used[256] = { 0 };
    uint32_t distinct = 0;
    for (int c = 0; c < CYCLES; c++) {
        for (int i = 0; i < BATCH; i++) {
            void *p;
            ASSERT_RC(cosmosb_arena_alloc(a, 7, 64, 0, &r[i], &p), COSMOSB_OK);
            memset(p, c, 64);
            uint32_t b = r[i].object / 32u;
            cr_assert_lt(b, 256u);
            if (!used[b]++)
                distinct++;

        }
        for (int i = 0; i < BATCH; i++)
            ASSERT_RC(cosmosb_arena_release(a, &r[i]), COSMOSB_OK);
        assert_empty(a);
    }
    /* A cycle spans 4 or 5 blocks. Taking blocks round-robin from the pool
     * would use about 200 different ones over the 50 cycles; the private list
     * of the last 16 retired blocks keeps it to a few (25 seen: a block that
     * sits unused while 16 others are retired drops off the list). */
    cr_assert_leq(distinct, 50u, "%u distinct blocks used over %d cycles", distinct, CYCLES);
    cosmosb_arena_stats_t s = stats(a);
    cr_assert_geq(s.blocks_free, s.blocks_total - 5u, "free %u of %u", s.blocks_free, s.blocks_total);
    fx_free(&f);
}

/* White box: object state words (obj_state in arena_fixture.h). */
#define W_FROZEN(gen) (2u | ((uint32_t)(gen) << 12))
#define W_CLOSING(part, gen) (4u | (((uint32_t)(part) + 1u) << 4) | ((uint32_t)(gen) << 12))

/*
 * More than 32 participants (two holder words): an object left CLOSING by a
 * participant that died while checking it is still readable and releasable,
 * is reopened by a new holder, and is freed once the dead closer is reaped.
 */
Test(arena_core, closing_left_by_a_dead_closer)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 64, 16); /* 256 blocks of 32 objects, 64 participants */
    const uint32_t nobj = 256u * 32u;
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 0);
    cosmosb_arena_t *c = fx_join(&f, 2, 0);
    cr_assert_eq(cosmosb_arena_participant(b), 1u);
    cosmosb_ref_t x = make(a, 5, 40, 0, 3);
    volatile uint32_t *st = obj_state(&f, x.object, nobj);
    cr_assert_eq(*st, W_FROZEN(x.generation), "white-box layout: state word %#x", *st);

    /* b "dies" in the middle of a free check of x: CLOSING(b) */
    *st = W_CLOSING(1, x.generation);
    fx_kill(&f, 1);
    cr_assert(intact(a, &x, 5, 40, 3), "a holder still reads a CLOSING object");
    /* c borrows it from a (a holds it all along): c reopens it and holds it */
    ASSERT_RC(cosmosb_arena_acquire(c, &x), COSMOSB_OK);
    cr_assert_eq(*st, W_FROZEN(x.generation), "acquire reopened it: %#x", *st);
    ASSERT_RC(cosmosb_arena_release(c, &x), COSMOSB_OK);
    cr_assert(intact(a, &x, 5, 40, 3));

    /* again CLOSING(b); now its last holder leaves: the check is left to the closer (dead) ... */
    *st = W_CLOSING(1, x.generation);
    ASSERT_RC(cosmosb_arena_release(a, &x), COSMOSB_OK);
    cr_assert_eq(stats(a).live_objects, 1u, "nobody may free it while CLOSING(b) stands");
    /* ... until b is reaped: its reaper reopens it and frees it */
    uint32_t reaped = 0;
    ASSERT_RC(cosmosb_arena_poll(a, &reaped), COSMOSB_OK);
    cr_assert_eq(reaped, 1u);
    assert_empty(a);
    ASSERT_RC(cosmosb_arena_resolve(a, &x, 5, NULL, NULL), COSMOSB_ESTALE);
    (void)b;
    fx_free(&f);
}

/*
 * White box: a graph lock left by an earlier incarnation of a slot that a
 * new participant occupies now is stolen (the lock word carries the
 * holder's record generation), instead of being waited on forever as the
 * live new occupant's lock.
 */
Test(arena_core, graph_lock_of_a_previous_occupant_is_stolen, .timeout = 20)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 0);
    cr_assert_eq(cosmosb_arena_participant(b), 1u);
    /* slot 1's first incarnation had generation 1: a lock word of generation 0 is an earlier one's */
    volatile uint32_t *lock = (volatile uint32_t *)(void *)(f.meta + 80);
    *lock = 2u; /* holder 1 + 1, generation 0 */
    cosmosb_ref_t child = make(a, 3, 16, 0, 1), parent = make(a, 4, 16, 1, 2);
    ASSERT_RC(cosmosb_arena_add_child(a, &parent, &child), COSMOSB_OK); /* takes the lock: must steal it */
    cr_assert_eq(*lock, 0u, "unlocked after add_child");
    ASSERT_RC(cosmosb_arena_freeze(a, &parent), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &child), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &parent), COSMOSB_OK);
    assert_empty(a);
    (void)b;
    fx_free(&f);
}



/*
 * A reaper R that died holding the REAPING mark of D's record: when R is
 * reaped, its marks go back to ZOMBIE, so D is still reaped after R's slot
 * is joined again (the mark names a slot, not an incarnation: left alone,
 * it made every poll answer "someone else is reaping D" for as long as
 * the newcomer lived).
 */
Test(arena_core, marks_of_a_dead_reaper_are_handed_back)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *p = fx_join(&f, 0, 1);
    fx_join(&f, 1, 1); /* R */
    cosmosb_arena_t *d = fx_join(&f, 2, 1);
    cr_assert_eq(*part_state(&f, 2), P_WORD(1, 0, 1), "white-box layout: %#x", *part_state(&f, 2));
    cosmosb_ref_t z = make(d, 7, 64, 0, 1);
    (void)z;
    fx_kill(&f, 2);                             /* D dies holding z ... */
    *part_state(&f, 2) = P_WORD(2, 1 + 1, 1);   /* ... R took D's mark ... */
    fx_kill(&f, 1);                             /* ... and died reaping it */
    ASSERT_RC(cosmosb_arena_reap(p, 1), COSMOSB_OK); /* the application reaps R (D is left for later) */
    fx_join(&f, 1, 1);                               /* R's slot joined again */
    for (int i = 0; i < 3; i++)
        ASSERT_RC(cosmosb_arena_poll(p, NULL), COSMOSB_OK);
    cosmosb_arena_stats_t s = stats(p);
    cr_assert_eq(s.live_objects, 0u, "D's object is never reclaimed (%u live)", s.live_objects);
    cr_assert_eq(s.zombies, 0u);
    fx_free(&f);
}

/*
 * A participant that is LEAVING still runs: a mark it holds (it reaps a
 * dead lock holder or settles a zombie on its way out) is not taken over by
 * a poll while its process lives, or two reapers would run at once (one of
 * them dropping bits of a participant that joined the freed slot meanwhile).
 */
Test(arena_core, a_leaving_reapers_mark_is_not_taken_over)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *p = fx_join(&f, 0, 1);
    fx_join(&f, 1, 1); /* L */
    cosmosb_arena_t *d = fx_join(&f, 2, 1);
    (void)make(d, 7, 64, 0, 1);
    fx_kill(&f, 2);
    *part_state(&f, 1) = P_WORD(4, 0, 1);     /* L is leaving (its process alive) ... */
    *part_state(&f, 2) = P_WORD(2, 1 + 1, 1); /* ... and reaping D */
    for (int i = 0; i < 3; i++) {
        ASSERT_RC(cosmosb_arena_poll(p, NULL), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_reap(p, 2), COSMOSB_EAGAIN);
    }
    cr_assert_eq(*part_state(&f, 2), P_WORD(2, 1 + 1, 1), "L's mark was taken: %#x", *part_state(&f, 2));
    cr_assert_eq(stats(p).live_objects, 1u);
    /* L's process dies: now its mark is taken over and D reaped */
    fx_kill(&f, 1);
    ASSERT_RC(cosmosb_arena_poll(p, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(p, NULL), COSMOSB_OK);
    (void)cosmosb_arena_reap(p, 2);
    cr_assert_eq(stats(p).live_objects, 0u);
    fx_free(&f);
}

/*
 * A participant whose platform has no ids (id 0) and that is in the middle
 * of its leave is never reaped by a poll of a participant whose platform has
 * ids: only the leave's last step (marked in the record) is reaped at once.
 */
Test(arena_core, a_leaver_without_an_id_is_not_reaped_midway)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    fx_join(&f, 1, 1);
    *part_state(&f, 1) = P_WORD(4, 0, 1); /* LEAVING, midway ... */
    *(part_state(&f, 1) + 1) = 0;         /* ... on a platform without ids */
    for (int i = 0; i < 3; i++)
        ASSERT_RC(cosmosb_arena_poll(s0, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_reap(s0, 1), COSMOSB_EBUSY);
    cr_assert_eq(*part_state(&f, 1), P_WORD(4, 0, 1), "reaped midway: %#x", *part_state(&f, 1));
    *part_state(&f, 1) = P_WORD(1, 0, 1); /* back to ALIVE for a clean leave at the end */
    *(part_state(&f, 1) + 1) = f.ids[1];
    fx_free(&f);
}

/* The library's internal graph lock, for the white-box test below (not part of the API). */
int cosmosb__arena_lock(cosmosb_arena_t *a);

/*
 * A leaver whose last references free a parent (which takes the graph
 * lock) while the lock's holder is dead: the lock waiter only marks the
 * holder gone, it does not reap it from inside the leave (a nested reap
 * overwrote the leaver's list of pinned objects, and the leaver then freed
 * an object its LIVE transfer still pinned: the addressee's accept failed).
 */
Test(arena_core, a_leave_that_meets_a_dead_lock_holder_keeps_its_pins, .timeout = 30)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    cosmosb_arena_t *l = fx_join(&f, 1, 1);
    cosmosb_arena_t *h = fx_join(&f, 2, 1);
    cosmosb_arena_t *ad = fx_join(&f, 3, 0);
    /* l: a parent with one child (lower indices), then x, given to ad (a LIVE transfer pins x) */
    cosmosb_ref_t par = make(l, 5, 64, 1, 1), ch = make(l, 6, 64, 0, 2);
    ASSERT_RC(cosmosb_arena_add_child(l, &par, &ch), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_freeze(l, &par), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(l, &ch), COSMOSB_OK);
    cosmosb_ref_t x = make(l, 7, 64, 0, 3), tx;
    ASSERT_RC(cosmosb_arena_give(l, &x, 3, &tx), COSMOSB_OK);
    /* h gives y to ad (its own pin list is not empty), takes the graph lock and dies in it */
    cosmosb_ref_t y = make(h, 8, 64, 0, 4), ty;
    ASSERT_RC(cosmosb_arena_give(h, &y, 3, &ty), COSMOSB_OK);
    ASSERT_RC(cosmosb__arena_lock(h), COSMOSB_OK);
    fx_kill(&f, 2);
    /* l leaves (its process lives on): freeing the parent waits for the dead holder's lock */
    cosmosb_arena_leave(l);
    f.h[1] = NULL;
    ASSERT_RC(cosmosb_arena_accept(ad, &tx), COSMOSB_OK); /* x is still pinned by its transfer */
    cr_assert(intact(ad, &tx, 7, 64, 3));
    ASSERT_RC(cosmosb_arena_accept(ad, &ty), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(ad, &tx), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(ad, &ty), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(s0, NULL), COSMOSB_OK);
    assert_empty(s0);
    cr_assert_eq(stats(s0).zombies, 0u);
    fx_free(&f);
}

/*
 * A leaver killed after zeroing its id, just before its CAS to FREE (it
 * holds nothing then): its LEAVING record with id 0 is reaped by the next
 * poll, and the slot can be joined again (it used to be lost for good).
 */
Test(arena_core, a_leaver_killed_at_its_last_step_frees_its_slot)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    fx_join(&f, 1, 1);
    cr_assert_eq(*part_state(&f, 1), P_WORD(1, 0, 1));
    *part_state(&f, 1) = P_WORD(4, 1, 1);             /* LEAVING, at its last step ... */
    *(part_state(&f, 1) + 1) = 0;                      /* ... with its id zeroed (self_id follows state) */
    fx_kill(&f, 1);
    f.h[1] = NULL;
    ASSERT_RC(cosmosb_arena_poll(s0, NULL), COSMOSB_OK);
    cr_assert_eq(*part_state(&f, 1) & 0xfu, 0u, "the slot is still taken: %#x", *part_state(&f, 1));
    fx_join(&f, 1, 1);
    cr_assert_eq(cosmosb_arena_participant(f.h[1]), 1u);
    fx_free(&f);
}


/*
 * A leaver at its last step (LEAVING, aux 1) whose id is still in the
 * record is alive until its process is dead: a poll must not free its
 * slot, or the leaver's id store (zeroing) lands on the record of the next
 * participant to join the slot, who then can never be reaped (and a death
 * of it holding the graph lock would block the arena for good).
 */
Test(arena_core, a_live_leaver_at_its_last_step_keeps_its_slot)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    fx_join(&f, 1, 1);
    cr_assert_eq(*part_state(&f, 1), P_WORD(1, 0, 1));
    *part_state(&f, 1) = P_WORD(4, 1, 1); /* LEAVING at its last step, its id not zeroed yet, process alive */
    for (int i = 0; i < 3; i++)
        ASSERT_RC(cosmosb_arena_poll(s0, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_reap(s0, 1), COSMOSB_EBUSY);
    cr_assert_eq(*part_state(&f, 1), P_WORD(4, 1, 1), "a live leaver's slot was freed: %#x", *part_state(&f, 1));
    cr_assert_eq(*(part_state(&f, 1) + 1), f.ids[1]);
    /* its process dies before the id store: now the slot is freed, and can be joined again */
    fx_kill(&f, 1);
    ASSERT_RC(cosmosb_arena_poll(s0, NULL), COSMOSB_OK);
    cr_assert_eq(*part_state(&f, 1) & 0xfu, 0u, "the dead leaver's slot is still taken: %#x", *part_state(&f, 1));
    cr_assert_eq(*(part_state(&f, 1) + 1), 0u, "a free record carries no id");
    fx_join(&f, 1, 1);
    cr_assert_eq(*(part_state(&f, 1) + 1), f.ids[1]);
    fx_free(&f);
}

/* White box: the state word of block b (records of 16 bytes after those of the participants). */
static volatile uint32_t *block_state(struct afx *f, uint32_t maxp, uint32_t b)
{
    return (volatile uint32_t *)(void *)(f->meta + 192u + (uint64_t)maxp * 320u + (uint64_t)b * 16u);
}

/* Records a block state word; fails if the same FREE or RETIRED word was seen before. */
static void seen_once(uint32_t *seen, uint32_t *n, uint32_t w, const char *what)
{
    for (uint32_t i = 0; i < *n; i++)
        cr_assert_neq(seen[i], w, "block state word %#x came back (%s): a checker that read it earlier and was "
                                  "delayed would free the block under a live object", w, what);
    seen[(*n)++] = w;
}

/*
 * A block that served as the tail of a run goes back to the pool with the
 * next of its own generations: no FREE or RETIRED word of a block ever
 * comes back (a tail used to be freed with the generation head + t, so the
 * block reached RETIRED(g) twice, and a block check delayed between its
 * scan and its CAS freed it while an object in it was held).
 */
Test(arena_core, block_state_words_never_come_back_after_a_run)
{
    struct afx f;
    fx_init(&f, 3 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1), *d = fx_join(&f, 1, 1), *b = fx_join(&f, 2, 1);
    uint32_t seen[16], n = 0;
    volatile uint32_t *b2 = block_state(&f, 4, 2);
    cr_assert_eq(*b2 & 0xfu, 0u, "white-box layout: %#x", *b2);
    seen_once(seen, &n, *b2, "initial FREE");
    cosmosb_ref_t keep = make(a, 1, 64, 0, 1); /* a keeps block 0 */
    for (int round = 0; round < 3; round++) {
        /* a run of blocks 1 and 2, freed at once */
        cosmosb_ref_t run = make(a, 9, 5000, 0, 2);
        cr_assert_eq(run.object >> 5, 1u, "the run starts at block 1");
        cr_assert_eq(*b2 & 0xfu, 3u, "block 2 is the run's tail: %#x", *b2);
        ASSERT_RC(cosmosb_arena_release(a, &run), COSMOSB_OK);
        seen_once(seen, &n, *b2, "FREE after the run");
        /* d takes block 1, b takes block 2 and retires it with an object held */
        cosmosb_ref_t y = make(d, 1, 64, 0, 3), x = make(b, 1, 64, 0, 4), big;
        cr_assert_eq(x.object >> 5, 2u);
        void *p;
        ASSERT_RC(cosmosb_arena_alloc(b, 1, 3900, 0, &big, &p), COSMOSB_ENOMEM);
        cr_assert_eq(*b2 & 0xfu, 2u, "retired with x held: %#x", *b2);
        seen_once(seen, &n, *b2, "RETIRED");
        ASSERT_RC(cosmosb_arena_release(b, &x), COSMOSB_OK);
        (void)stats(a); /* checks retired blocks: block 2 is empty now */
        seen_once(seen, &n, *b2, "FREE after the check");
        ASSERT_RC(cosmosb_arena_release(d, &y), COSMOSB_OK);
        cosmosb_arena_leave(d); /* block 1 back to the pool */
        d = fx_join(&f, 1, 1);
        cosmosb_arena_leave(b);
        b = fx_join(&f, 2, 1);
        (void)stats(a);
    }
    ASSERT_RC(cosmosb_arena_release(a, &keep), COSMOSB_OK);
    assert_empty(a);
    fx_free(&f);
}

/*
 * A hostile peer writes a graph-lock word naming a live participant that
 * does not hold the lock (fuzzing found it: one word, and every survivor
 * that attached a child, freed a parent or reaped spun forever). Now a
 * waiter gives up after a second (at once for the same hold it gave up on
 * before): add_child answers ETIMEDOUT, a parent's free is undone (its
 * object stays, holder-less) and retried by the next poll of anyone (the
 * one that gave up has left meanwhile), and a reap waits (the dead one
 * becomes a zombie with everything it held: reaping without the lock could
 * meet its half-done graph work). Once the word is gone, all is reclaimed.
 */
Test(arena_core, a_forged_lock_word_never_hangs_a_survivor, .timeout = 60)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *w = fx_join(&f, 0, 1);
    fx_join(&f, 1, 1); /* p: alive, never takes the lock */
    cosmosb_arena_t *d = fx_join(&f, 2, 1);
    cosmosb_arena_t *o = fx_join(&f, 3, 0);
    cosmosb_ref_t kid = make(w, 3, 16, 0, 1), par = make(w, 4, 64, 1, 2), other = make(w, 5, 64, 1, 3);
    ASSERT_RC(cosmosb_arena_add_child(w, &par, &kid), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_freeze(w, &par), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(w, &kid), COSMOSB_OK);
    (void)make(d, 6, 64, 0, 4);
    volatile uint32_t *lock = (volatile uint32_t *)(void *)(f.meta + 80);
    cr_assert_eq(*lock, 0u);
    *lock = 2u | (1u << 8); /* "held by participant 1, generation 1": p, alive */

    ASSERT_RC(cosmosb_arena_add_child(w, &other, &par), COSMOSB_ETIMEDOUT);
    ASSERT_RC(cosmosb_arena_add_child(w, &other, &par), COSMOSB_ETIMEDOUT); /* at once now */
    ASSERT_RC(cosmosb_arena_release(w, &par), COSMOSB_OK); /* its free cannot take the lock: undone */
    cr_assert_eq(stats(w).live_objects, 4u, "par, kid, other and d's object");
    fx_kill(&f, 2);
    uint32_t reaped = 9;
    ASSERT_RC(cosmosb_arena_poll(w, &reaped), COSMOSB_OK);
    cr_assert_eq(reaped, 0u, "a reap without the graph lock");
    cr_assert_eq(stats(w).zombies, 1u, "d waits as a zombie");
    cr_assert_eq(stats(w).live_objects, 4u, "d's object is untouched");
    cr_assert_eq(*lock, 2u | (1u << 8), "nobody took the forged lock");
    ASSERT_RC(cosmosb_arena_release(w, &other), COSMOSB_OK);
    cosmosb_arena_leave(w); /* the one that put off par's free leaves */
    f.h[0] = NULL;

    *lock = 0; /* the word goes away: anyone's next poll reaps d and frees what was put off */
    ASSERT_RC(cosmosb_arena_poll(o, NULL), COSMOSB_OK);
    assert_empty(o);
    cr_assert_eq(stats(o).zombies, 0u);
    fx_free(&f);
}

static uint32_t g_yields; /* yields left before the simulated holder lets go (see below) */

/* The waiter's platform yield: the lock's (simulated) holder finishes after a few of them. */
static void holder_finishes_soon(void *ctx)
{
    (void)ctx;
    if (g_yields && --g_yields == 0) {
        volatile uint32_t *lock = (volatile uint32_t *)(void *)(g_fx->meta + 80);
        volatile uint32_t *seq = lock + 1;
        *lock = 0;
        (*seq)++;
    }
}

/*
 * A waiter gives up at once only on the same hold it waited a second for:
 * after that holder's unlock, a later (real, short) hold by the same
 * participant, with the same lock word, is waited for as usual (a first
 * version remembered the word alone and then failed every short hold of
 * that participant after 64 spins).
 */
Test(arena_core, a_later_hold_of_the_same_holder_is_waited_for, .timeout = 60)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    f.plat[0].yield = holder_finishes_soon;
    cosmosb_arena_t *w = fx_join(&f, 0, 1);
    fx_join(&f, 1, 1); /* p */
    cosmosb_ref_t kid = make(w, 3, 16, 0, 1), par = make(w, 4, 64, 1, 2);
    volatile uint32_t *lock = (volatile uint32_t *)(void *)(f.meta + 80), *seq = lock + 1;
    *lock = 2u | (1u << 8); /* p holds it, and stays stopped */
    ASSERT_RC(cosmosb_arena_add_child(w, &par, &kid), COSMOSB_ETIMEDOUT);
    *lock = 0; /* p unlocks ... */
    (*seq)++;
    *lock = 2u | (1u << 8); /* ... and takes it again, this time for a short while */
    g_yields = 1000;
    ASSERT_RC(cosmosb_arena_add_child(w, &par, &kid), COSMOSB_OK);
    cr_assert_eq(g_yields, 0u);
    ASSERT_RC(cosmosb_arena_freeze(w, &par), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(w, &kid), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(w, &par), COSMOSB_OK);
    assert_empty(w);
    fx_free(&f);
}

/*
 * A joiner with an id reserves a free slot by its id before it claims it,
 * so a claimed record carries its id from the first instant (a joiner
 * killed right after its claim used to leave ALIVE with id 0: never reaped,
 * the slot lost for good; the SIGKILL test met it under TSan). A joiner
 * killed between its reservation and its claim leaves a FREE record with
 * its id: other joiners pass it by, and the next poll gives it back.
 */
Test(arena_core, a_joiner_killed_before_its_claim_gives_its_reservation_back)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 2, 16);
    cosmosb_arena_t *s0 = fx_join(&f, 0, 1);
    cr_assert_eq(*part_state(&f, 1), P_WORD(0, 0, 0));
    *(part_state(&f, 1) + 1) = f.ids[1]; /* joiner 1 reserved slot 1 ... */
    f.dead[f.ids[1]] = 1;                /* ... and was killed before its claim */
    f.mem[2] = aligned_alloc(64, (f.hs + 63) & ~(size_t)63);
    cr_assert_not_null(f.mem[2]);
    ASSERT_RC(cosmosb_arena_join(f.mem[2], f.hs, f.meta, f.ms, f.data, f.data, f.ds, &f.plat[2], &f.h[2]),
              COSMOSB_EBUSY);
    cr_assert_eq(*(part_state(&f, 1) + 1), f.ids[1], "a failed join leaves another's reservation alone");
    ASSERT_RC(cosmosb_arena_poll(s0, NULL), COSMOSB_OK);
    cr_assert_eq(*(part_state(&f, 1) + 1), 0u, "the dead joiner's reservation is still there");
    cosmosb_arena_t *j = fx_join(&f, 2, 1);
    cr_assert_eq(cosmosb_arena_participant(j), 1u);
    cr_assert_eq(*(part_state(&f, 1) + 1), f.ids[2], "a claimed record carries its occupant's id");
    fx_free(&f);
}

Test(arena_core, receive_only_participant_cannot_write)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 0);
    cosmosb_ref_t r, t;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(b, 1, 10, 0, &r, &p), COSMOSB_EPERM);
    r = make(a, 5, 64, 0, 3);
    ASSERT_RC(cosmosb_arena_give(a, &r, 1, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_accept(b, &t), COSMOSB_OK);
    cr_assert(intact(b, &t, 5, 64, 3));
    ASSERT_RC(cosmosb_arena_writable(b, &t, &p, NULL), COSMOSB_EPERM);
    ASSERT_RC(cosmosb_arena_freeze(b, &t), COSMOSB_EPERM);
    ASSERT_RC(cosmosb_arena_add_child(b, &t, &t), COSMOSB_EPERM);
    ASSERT_RC(cosmosb_arena_release(b, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    assert_empty(a);
    fx_free(&f);
}

Test(arena_core, transfers_accept_decline_and_misuse)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 8);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 0);
    cosmosb_arena_t *c = fx_join(&f, 2, 0);
    cosmosb_ref_t r = make(a, 5, 32, 0, 1), t, t2;
    ASSERT_RC(cosmosb_arena_give(a, &r, 3, &t), COSMOSB_ERANGE); /* slot 3 not joined */
    ASSERT_RC(cosmosb_arena_give(a, &r, 200, &t), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_arena_give(b, &r, 0, &t), COSMOSB_ESTATE); /* b does not hold it */
    ASSERT_RC(cosmosb_arena_give(a, &r, 1, &t), COSMOSB_OK);
    cr_assert_neq(t.transfer, 0u);
    ASSERT_RC(cosmosb_arena_accept(c, &t), COSMOSB_EPERM);  /* addressed to b */
    ASSERT_RC(cosmosb_arena_decline(c, &t), COSMOSB_EPERM);
    ASSERT_RC(cosmosb_arena_accept(b, &r), COSMOSB_EINVAL); /* no token */
    ASSERT_RC(cosmosb_arena_check_ref(b, &t, 5), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_check_ref(b, &t, 6), COSMOSB_ETYPE);
    ASSERT_RC(cosmosb_arena_check_ref(c, &t, 5), COSMOSB_EPERM);
    /* the giver lets go before the addressee takes it: the transfer keeps it alive */
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    cr_assert(intact(b, &t, 5, 32, 1));
    ASSERT_RC(cosmosb_arena_accept(b, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_accept(b, &t), COSMOSB_ESTALE); /* once */
    ASSERT_RC(cosmosb_arena_check_ref(b, &t, 5), COSMOSB_ESTALE);
    cr_assert(intact(b, &t, 5, 32, 1));
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK); /* a reclaims its settled transfer */
    cr_assert(intact(b, &t, 5, 32, 1), "b's accepted reference keeps it");
    ASSERT_RC(cosmosb_arena_release(b, &t), COSMOSB_OK);
    assert_empty(a);
    /* decline: the transfer goes, the object dies when the giver reclaims */
    r = make(a, 5, 32, 0, 2);
    ASSERT_RC(cosmosb_arena_give(a, &r, 2, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(a, &r, 2, &t2), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_decline(c, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_decline(c, &t), COSMOSB_ESTALE);
    ASSERT_RC(cosmosb_arena_accept(c, &t), COSMOSB_ESTALE);
    uint32_t n = 99;
    ASSERT_RC(cosmosb_arena_decline_from(c, 0, &n), COSMOSB_OK);
    cr_assert_eq(n, 1u);
    ASSERT_RC(cosmosb_arena_decline_from(c, 77, &n), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    assert_empty(a);
    /* transfer table exhaustion: max_transfers outstanding, then ENOMEM; accepting frees room */
    r = make(a, 5, 32, 0, 3);
    cosmosb_ref_t ts[8];
    for (int i = 0; i < 8; i++)
        ASSERT_RC(cosmosb_arena_give(a, &r, 1, &ts[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(a, &r, 1, &t), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_arena_accept(b, &ts[3]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(a, &r, 1, &t), COSMOSB_OK);
    cosmosb_arena_stats_t s = stats(a);
    cr_assert_eq(s.transfers_live, 8u);
    for (int i = 0; i < 8; i++)
        if (i != 3)
            ASSERT_RC(cosmosb_arena_accept(b, &ts[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_decline(b, &t), COSMOSB_OK);
    cosmosb_arena_participant_stats_t ps;
    ASSERT_RC(cosmosb_arena_participant_stats(a, 1, &ps), COSMOSB_OK);
    cr_assert_eq(ps.objects_held, 1u);
    cr_assert_eq(ps.state, 1u);
    for (int i = 0; i < 8; i++)
        ASSERT_RC(cosmosb_arena_release(b, &ts[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(b, &ts[0]), COSMOSB_ESTATE); /* b has none left */
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    assert_empty(a);
    fx_free(&f);
}

Test(arena_core, fan_out_to_eight_receivers)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 9, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *rx[8];
    for (int i = 0; i < 8; i++)
        rx[i] = fx_join(&f, i + 1, 0);
    cosmosb_ref_t r = make(a, 9, 3000, 0, 77), t[8];
    for (int i = 0; i < 8; i++)
        ASSERT_RC(cosmosb_arena_give(a, &r, (uint32_t)i + 1u, &t[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    cosmosb_arena_stats_t s = stats(a);
    cr_assert_eq(s.transfers_live, 8u);
    cr_assert_eq(s.live_objects, 1u, "one object, no copy");
    for (int i = 0; i < 8; i++) {
        ASSERT_RC(cosmosb_arena_accept(rx[i], &t[i]), COSMOSB_OK);
        cr_assert(intact(rx[i], &t[i], 9, 3000, 77));
    }
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(stats(a).live_objects, 1u, "alive while receiver %d holds it", i);
        ASSERT_RC(cosmosb_arena_release(rx[i], &t[i]), COSMOSB_OK);
    }
    assert_empty(a);
    fx_free(&f);
}

Test(arena_core, object_graphs_release_children_iteratively)
{
    struct afx f;
    fx_init(&f, 4 << 20, 4096, 64, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 0);
    /* a tree: two leaves shared by two parents, one root */
    cosmosb_ref_t l1 = make(a, 1, 16, 0, 1), l2 = make(a, 1, 16, 0, 2);
    cosmosb_ref_t p1, p2, root;
    void *pp;
    ASSERT_RC(cosmosb_arena_alloc(a, 2, 8, 2, &p1, &pp), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_alloc(a, 2, 8, 1, &p2, &pp), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(a, &p1, &l1), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(a, &p1, &l2), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(a, &p1, &l2), COSMOSB_ENOMEM); /* list full */
    ASSERT_RC(cosmosb_arena_add_child(a, &p2, &l2), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(a, &p2, &p1), COSMOSB_ESTATE); /* p1 not frozen */
    ASSERT_RC(cosmosb_arena_freeze(a, &p1), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_freeze(a, &p2), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(a, &p1, &l1), COSMOSB_ESTATE); /* p1 frozen */
    ASSERT_RC(cosmosb_arena_alloc(a, 3, 8, 2, &root, &pp), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(a, &root, &p1), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(a, &root, &p2), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_freeze(a, &root), COSMOSB_OK);
    /* the builder drops everything but the root */
    ASSERT_RC(cosmosb_arena_release(a, &l1), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &l2), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &p1), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &p2), COSMOSB_OK);
    cr_assert_eq(stats(a).live_objects, 5u);
    cr_assert(intact(a, &l2, 1, 16, 2), "children live while their parents do");
    /* the root travels; its children are found by inspect */
    cosmosb_ref_t t, kids[4];
    uint32_t n;
    uint64_t type;
    ASSERT_RC(cosmosb_arena_give(a, &root, 1, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &root), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_accept(b, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_inspect(b, &t, &type, kids, 4, &n), COSMOSB_OK);
    cr_assert_eq(type, 3u);
    cr_assert_eq(n, 2u);
    ASSERT_RC(cosmosb_arena_inspect(b, &kids[0], &type, kids + 2, 2, &n), COSMOSB_OK);
    cr_assert_eq(n, 2u);
    cr_assert(intact(b, &kids[2], 1, 16, 1));
    /* b keeps a leaf of its own, then drops the root: everything else goes */
    ASSERT_RC(cosmosb_arena_acquire(b, &kids[3]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(b, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    cr_assert_eq(stats(a).live_objects, 1u);
    cr_assert(intact(b, &kids[3], 1, 16, 2));
    ASSERT_RC(cosmosb_arena_release(b, &kids[3]), COSMOSB_OK);
    assert_empty(a);

    /* a chain 20000 deep is freed by one release, with no recursion */
    cosmosb_ref_t prev = make(a, 1, 0, 0, 0);
    for (int i = 0; i < 20000; i++) {
        cosmosb_ref_t cur;
        ASSERT_RC(cosmosb_arena_alloc(a, 1, 0, 1, &cur, &pp), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_add_child(a, &cur, &prev), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_freeze(a, &cur), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_release(a, &prev), COSMOSB_OK);
        prev = cur;
    }
    cr_assert_eq(stats(a).live_objects, 20001u);
    ASSERT_RC(cosmosb_arena_release(a, &prev), COSMOSB_OK);
    assert_empty(a);
    fx_free(&f);
}

Test(arena_core, exhaustion_is_clean_and_large_objects_take_runs)
{
    struct afx f;
    fx_init(&f, 64 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    static cosmosb_ref_t objs[4096];
    int n = 0, rc;
    void *p;
    while ((rc = cosmosb_arena_alloc(a, 7, 500, 0, &objs[n], &p)) == COSMOSB_OK) {
        memset(p, (int)(n & 0xff), 500);
        ASSERT_RC(cosmosb_arena_freeze(a, &objs[n]), COSMOSB_OK);
        n++;
        cr_assert_lt(n, 4096);
    }
    ASSERT_RC(rc, COSMOSB_ENOMEM);
    cr_assert_eq(n, 64 * 7, "7 objects of 532 bytes per 4 KiB block");
    cosmosb_arena_stats_t s = stats(a);
    cr_assert_eq(s.blocks_free, 0u);
    for (int i = 0; i < n; i++) {
        const void *d;
        ASSERT_RC(cosmosb_arena_resolve(a, &objs[i], 7, &d, NULL), COSMOSB_OK);
        cr_assert_eq(((const uint8_t *)d)[499], (uint8_t)(i & 0xff), "object %d intact after ENOMEM", i);
    }
    /* free every other block's worth: a run of 3 blocks still cannot fit, single blocks can */
    for (int i = 0; i < n; i++)
        if ((i / 7) % 2 == 0)
            ASSERT_RC(cosmosb_arena_release(a, &objs[i]), COSMOSB_OK);
    cosmosb_ref_t big;
    ASSERT_RC(cosmosb_arena_alloc(a, 8, 10000, 0, &big, &p), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_arena_alloc(a, 8, 3000, 0, &big, &p), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &big), COSMOSB_OK);
    for (int i = 0; i < n; i++)
        if ((i / 7) % 2 == 1)
            ASSERT_RC(cosmosb_arena_release(a, &objs[i]), COSMOSB_OK);
    assert_empty(a);
    /* now runs fit: a 150 KiB object takes 37 blocks and gives them back */
    uint32_t before = stats(a).blocks_free;
    ASSERT_RC(cosmosb_arena_alloc(a, 8, 150000, 0, &big, &p), COSMOSB_OK);
    memset(p, 0x3c, 150000);
    ASSERT_RC(cosmosb_arena_freeze(a, &big), COSMOSB_OK);
    s = stats(a);
    cr_assert_eq(before - s.blocks_free, 37u, "%u blocks taken", before - s.blocks_free);
    const void *d;
    uint32_t sz;
    ASSERT_RC(cosmosb_arena_resolve(a, &big, 8, &d, &sz), COSMOSB_OK);
    cr_assert_eq(sz, 150000u);
    cr_assert_eq(((const uint8_t *)d)[149999], 0x3c);
    ASSERT_RC(cosmosb_arena_alloc(a, 8, 64 * 4096, 0, &big, &p), COSMOSB_ENOMEM); /* larger than the arena */
    ASSERT_RC(cosmosb_arena_release(a, &big), COSMOSB_OK);
    cr_assert_eq(stats(a).blocks_free, before);
    assert_empty(a);
    fx_free(&f);
}

Test(arena_core, stale_and_forged_references_are_refused)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 0);
    cosmosb_ref_t r = make(a, 5, 40, 0, 5), x, t;
    x = r;
    x.arena_id++;
    ASSERT_RC(cosmosb_arena_resolve(a, &x, 0, NULL, NULL), COSMOSB_ERANGE);
    x = r;
    x.object = 0xfffffff0u;
    ASSERT_RC(cosmosb_arena_resolve(a, &x, 0, NULL, NULL), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_arena_release(a, &x), COSMOSB_ERANGE);
    x = r;
    x.generation++;
    ASSERT_RC(cosmosb_arena_resolve(a, &x, 0, NULL, NULL), COSMOSB_ESTALE);
    x.generation = 0xffffffffu;
    ASSERT_RC(cosmosb_arena_resolve(a, &x, 0, NULL, NULL), COSMOSB_ESTALE);
    cosmosb_ref_t null = COSMOSB_REF_NULL;
    cr_assert_neq(cosmosb_arena_resolve(a, &null, 0, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_resolve(a, NULL, 0, NULL, NULL), COSMOSB_EINVAL);
    /* a freed object's reference stays stale when its slot is reused */
    cosmosb_ref_t old = r;
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    for (int i = 0; i < 100; i++) {
        cosmosb_ref_t n = make(a, 6, 40, 0, 6);
        ASSERT_RC(cosmosb_arena_resolve(a, &old, 0, NULL, NULL), COSMOSB_ESTALE);
        ASSERT_RC(cosmosb_arena_release(a, &n), COSMOSB_OK);
    }
    /* forged transfer tokens: random values never crash and never accept */
    r = make(a, 5, 40, 0, 7);
    ASSERT_RC(cosmosb_arena_give(a, &r, 1, &t), COSMOSB_OK);
    srand(tu_seed(12345u));
    for (int i = 0; i < 20000; i++) {
        x = t;
        switch (i % 4) {
        case 0: x.transfer = (uint32_t)rand() * 2654435761u; break;
        case 1: x.transfer ^= 1u << (rand() % 32); break;
        case 2: x.object = (uint32_t)rand() % 4096u; break;
        default: x.generation ^= 1u << (rand() % 20); break;
        }
        if (memcmp(&x, &t, sizeof x) == 0)
            continue;
        int rc = cosmosb_arena_accept(b, &x);
        cr_assert_neq(rc, COSMOSB_OK, "a forged token was accepted (case %d)", i % 4);
        cr_assert(tu_is_code(rc));
        rc = cosmosb_arena_decline(b, &x);
        cr_assert_neq(rc, COSMOSB_OK);
    }
    ASSERT_RC(cosmosb_arena_accept(b, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(b, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    assert_empty(a);
    fx_free(&f);
}

Test(arena_core, reaping_drops_exactly_what_the_dead_held)
{
    struct afx f;
    fx_init(&f, 2 << 20, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 1);
    cosmosb_arena_t *c = fx_join(&f, 2, 0);
    /* a's own object, also held by b */
    cosmosb_ref_t shared = make(a, 1, 100, 0, 11), ts, tb;
    ASSERT_RC(cosmosb_arena_give(a, &shared, 1, &ts), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_accept(b, &ts), COSMOSB_OK);
    /* b's objects: one only it holds, an unfrozen one, a tree, a big run, and one in flight to c */
    cosmosb_ref_t mine = make(b, 2, 100, 0, 12), unfrozen, leaf = make(b, 3, 10, 0, 13), parent, big;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(b, 2, 50, 0, &unfrozen, &p), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_alloc(b, 4, 10, 1, &parent, &p), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(b, &parent, &leaf), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_freeze(b, &parent), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(b, &leaf), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_alloc(b, 5, 20000, 0, &big, &p), COSMOSB_OK);
    cosmosb_ref_t gift = make(b, 6, 64, 0, 14);
    ASSERT_RC(cosmosb_arena_give(b, &gift, 2, &tb), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(b, &gift), COSMOSB_OK);
    /* a transfer from a to b that b never takes */
    cosmosb_ref_t orphan = make(a, 7, 8, 0, 15), to;
    ASSERT_RC(cosmosb_arena_give(a, &orphan, 1, &to), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &orphan), COSMOSB_OK);
    cr_assert_eq(stats(a).live_objects, 8u);

    /* b dies */
    fx_kill(&f, 1);
    ASSERT_RC(cosmosb_arena_reap(a, 0), COSMOSB_EINVAL); /* itself */
    ASSERT_RC(cosmosb_arena_reap(a, 2), COSMOSB_EBUSY);  /* c is alive */
    ASSERT_RC(cosmosb_arena_reap(a, 3), COSMOSB_EAGAIN); /* nobody there */
    ASSERT_RC(cosmosb_arena_reap(a, 1), COSMOSB_OK);
    cosmosb_arena_stats_t s = stats(a);
    cr_assert_eq(s.zombies, 1u, "b's transfer to c is in flight: b stays a zombie");
    cr_assert_eq(s.participants, 2u);
    /* what survives: a's shared object, b's gift in flight to c; a's transfer to b was cancelled */
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    s = stats(a);
    cr_assert_eq(s.live_objects, 2u, "live objects after the reap: %u", s.live_objects);
    cr_assert(intact(a, &shared, 1, 100, 11));
    ASSERT_RC(cosmosb_arena_resolve(a, &mine, 0, NULL, NULL), COSMOSB_ESTALE);
    ASSERT_RC(cosmosb_arena_resolve(a, &parent, 0, NULL, NULL), COSMOSB_ESTALE);
    ASSERT_RC(cosmosb_arena_resolve(a, &leaf, 0, NULL, NULL), COSMOSB_ESTALE);
    /* c takes the gift of the dead b: the zombie settles and its slot is free again */
    ASSERT_RC(cosmosb_arena_accept(c, &tb), COSMOSB_OK);
    cr_assert(intact(c, &tb, 6, 64, 14));
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    s = stats(a);
    cr_assert_eq(s.zombies, 0u);
    cr_assert_eq(s.live_objects, 2u);
    ASSERT_RC(cosmosb_arena_release(c, &tb), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &shared), COSMOSB_OK);
    assert_empty(a);
    cr_assert_eq(stats(a).blocks_free, stats(a).blocks_total - 1u, "only a's current block is in use");
    /* the slot is reusable */
    cosmosb_arena_t *b2 = fx_join(&f, 1, 1);
    cr_assert_eq(cosmosb_arena_participant(b2), 1u);
    cosmosb_ref_t again = make(b2, 1, 10, 0, 1);
    ASSERT_RC(cosmosb_arena_release(b2, &again), COSMOSB_OK);
    fx_free(&f);
}

Test(arena_core, automatic_reap_when_full)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 1);
    cosmosb_ref_t r;
    void *p;
    int n = 0;
    while (cosmosb_arena_alloc(b, 1, 3000, 0, &r, &p) == COSMOSB_OK)
        n++;
    cr_assert_eq(n, 16);
    ASSERT_RC(cosmosb_arena_alloc(a, 1, 3000, 0, &r, &p), COSMOSB_ENOMEM); /* b alive: nothing to reap */
    fx_kill(&f, 1);
    ASSERT_RC(cosmosb_arena_alloc(a, 1, 3000, 0, &r, &p), COSMOSB_OK); /* the allocator reaps b by itself */
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    assert_empty(a);
    fx_free(&f);
}

/* ---- random operations against a model ---------------------------------- */

struct mobj {
    cosmosb_ref_t ref;
    int holds[NP];       /* references each participant holds (model) */
    cosmosb_ref_t xfer[NP][4];
    int xfrom[NP][4];    /* who gave each of them */
    int nx[NP];          /* transfers addressed to participant i, not yet taken */
    uint8_t seed;
    uint32_t size;
    int live;
};

Test(arena_core, random_operations_match_model)
{
    struct afx f;
    enum { P = 5, OBJ = 300 };
    fx_init(&f, 2 << 20, 4096, 64, P, 64);
    for (int i = 0; i < P; i++)
        fx_join(&f, i, i < 3);
    static struct mobj m[OBJ];
    memset(m, 0, sizeof m);
    int outstanding[P] = {0}; /* live transfers per giver (max_transfers = 64) */
    srand(tu_seed(4242u));
    uint64_t steps = tu_scale(200000);
    for (uint64_t step = 0; step < steps; step++) {
        int o = rand() % OBJ, who = rand() % P, op = rand() % 6;
        struct mobj *x = &m[o];
        cosmosb_arena_t *h = f.h[who];
        if (!x->live) {
            if (who >= 3)
                continue;
            x->size = (uint32_t)(rand() % 2000);
            x->seed = (uint8_t)rand();
            x->ref = make(h, 100 + (uint64_t)o, x->size, 0, x->seed);
            memset(x->holds, 0, sizeof x->holds);
            memset(x->nx, 0, sizeof x->nx);
            x->holds[who] = 1;
            x->live = 1;
            continue;
        }
        switch (op) {
        case 0: /* acquire */
            if (x->holds[who]) {
                ASSERT_RC(cosmosb_arena_acquire(h, &x->ref), COSMOSB_OK);
                x->holds[who]++;
            }
            break;
        case 1: case 2: { /* release */
            if (!x->holds[who]) {
                ASSERT_RC(cosmosb_arena_release(h, &x->ref), COSMOSB_ESTATE);
                break;
            }
            ASSERT_RC(cosmosb_arena_release(h, &x->ref), COSMOSB_OK);
            x->holds[who]--;
            break;
        }
        case 3: { /* give to someone */
            int to = rand() % P;
            if (x->holds[who] && x->nx[to] < 4) {
                int rc = cosmosb_arena_give(h, &x->ref, (uint32_t)to, &x->xfer[to][x->nx[to]]);
                if (outstanding[who] == 64) {
                    ASSERT_RC(rc, COSMOSB_ENOMEM);
                    break;
                }
                ASSERT_RC(rc, COSMOSB_OK);
                x->xfrom[to][x->nx[to]] = who;
                outstanding[who]++;
                x->nx[to]++;
            }
            break;
        }
        case 4: /* accept one addressed to us */
            if (x->nx[who]) {
                x->nx[who]--;
                ASSERT_RC(cosmosb_arena_accept(h, &x->xfer[who][x->nx[who]]), COSMOSB_OK);
                outstanding[x->xfrom[who][x->nx[who]]]--;
                x->holds[who]++;
            }
            break;
        default: /* decline one */
            if (x->nx[who]) {
                x->nx[who]--;
                ASSERT_RC(cosmosb_arena_decline(h, &x->xfer[who][x->nx[who]]), COSMOSB_OK);
                outstanding[x->xfrom[who][x->nx[who]]]--;
            }
            break;
        }
        int alive = 0;
        for (int i = 0; i < P; i++)
            alive += x->holds[i] + x->nx[i];
        if (!alive) {
            for (int i = 0; i < P; i++)
                ASSERT_RC(cosmosb_arena_poll(f.h[i], NULL), COSMOSB_OK);
            ASSERT_RC(cosmosb_arena_resolve(f.h[0], &x->ref, 0, NULL, NULL), COSMOSB_ESTALE);
            x->live = 0;
        } else if ((step & 63) == 0) {
            cr_assert(intact(f.h[who], &x->ref, 100 + (uint64_t)o, x->size, x->seed), "object %d damaged", o);
        }
        if ((step % 4096) == 0) {
            for (int i = 0; i < P; i++)
                ASSERT_RC(cosmosb_arena_poll(f.h[i], NULL), COSMOSB_OK);
            uint32_t want = 0;
            for (int k = 0; k < OBJ; k++)
                want += (uint32_t)m[k].live;
            cr_assert_eq(stats(f.h[0]).live_objects, want, "step %llu", (unsigned long long)step);
        }
    }
    /* everyone lets go */
    for (int k = 0; k < OBJ; k++) {
        for (int i = 0; i < P; i++) {
            while (m[k].holds[i]-- > 0)
                ASSERT_RC(cosmosb_arena_release(f.h[i], &m[k].ref), COSMOSB_OK);
            while (m[k].nx[i]-- > 0)
                ASSERT_RC(cosmosb_arena_decline(f.h[i], &m[k].xfer[i][m[k].nx[i]]), COSMOSB_OK);
        }
    }
    for (int i = 0; i < P; i++)
        ASSERT_RC(cosmosb_arena_poll(f.h[i], NULL), COSMOSB_OK);
    assert_empty(f.h[0]);
    fx_free(&f);
}

static void scribble_rounds(uint32_t maxp);

Test(arena_core, scribbled_meta_never_crashes)
{
    scribble_rounds(4);
}

/* The same with two holder words: garbage also meets the closing check (CLOSING states, reopening). */
Test(arena_core, scribbled_meta_never_crashes_two_holder_words)
{
    scribble_rounds(64);
}

static void scribble_rounds(uint32_t maxp)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, maxp, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 0);
    srand(tu_seed(99u));
    cosmosb_ref_t keep[64];
    int nk = 0;
    for (int round = 0; round < (int)tu_scale(3000); round++) {
        /* a hostile participant writes garbage somewhere in meta past the geometry */
        uint64_t off = 80 + ((uint64_t)rand() * 4u) % (f.ms - 84);
        off &= ~3ull;
        *(uint32_t *)(void *)(f.meta + off) = (uint32_t)rand() * 2654435761u;
        cosmosb_ref_t r, t;
        void *p;
        if (cosmosb_arena_alloc(a, 1, (uint32_t)(rand() % 3000), (uint32_t)(rand() % 3), &r, &p) == COSMOSB_OK) {
            (void)cosmosb_arena_freeze(a, &r);
            if (cosmosb_arena_give(a, &r, 1, &t) == COSMOSB_OK && cosmosb_arena_accept(b, &t) == COSMOSB_OK) {
                const void *d;
                uint32_t sz;
                if (cosmosb_arena_resolve(b, &t, 0, &d, &sz) == COSMOSB_OK && sz)
                    (void)((volatile const uint8_t *)d)[sz - 1]; /* inside the arena, whatever meta says */
                (void)cosmosb_arena_release(b, &t);
            }
            if (nk < 64 && rand() % 2)
                keep[nk++] = r;
            else
                (void)cosmosb_arena_release(a, &r);
        }
        if (nk && rand() % 3 == 0)
            (void)cosmosb_arena_release(a, &keep[--nk]);
        if (round % 50 == 0) {
            (void)cosmosb_arena_poll(a, NULL);
            cosmosb_arena_stats_t s;
            ASSERT_RC(cosmosb_arena_stats(a, &s), COSMOSB_OK);
        }
    }
    /* nothing is asserted about the state: only that every call returned and nothing was touched outside */
    fx_free(&f);
}

/* Takes references with acquire until it fails; returns how many this participant then holds
 * (starting from `held`), and the failure in *rc. Stops at 70000 so a missing limit cannot loop. */
static uint32_t acquire_until_refused(cosmosb_arena_t *h, const cosmosb_ref_t *r, uint32_t held, int *rc)
{
    while ((*rc = cosmosb_arena_acquire(h, r)) == COSMOSB_OK && held < 70000u)
        held++;
    return held;
}

static void release_n(cosmosb_arena_t *h, const cosmosb_ref_t *r, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        int rc = cosmosb_arena_release(h, r);
        if (rc != COSMOSB_OK)
            cr_assert(0, "release %u of %u: %s", i + 1, n, cosmosb_err_name(rc));
    }
}

/* arena.h: a participant holds at most 65535 references to one object; acquire (and accept) beyond
 * that gives EOVERFLOW and takes nothing, so releasing the 65535 lets the object be freed. */
Test(arena_core, acquire_stops_at_65535_references_and_takes_nothing_more)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 8);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 0);
    cosmosb_ref_t r = make(a, 5, 32, 0, 1), t;
    int rc;
    uint32_t held = acquire_until_refused(a, &r, 1, &rc); /* the allocation's reference + acquires */
    ASSERT_RC(rc, COSMOSB_EOVERFLOW);
    cr_assert_eq(held, 65535u, "acquire was refused with %u references held", held);
    ASSERT_RC(cosmosb_arena_acquire(a, &r), COSMOSB_EOVERFLOW);
    cr_assert(intact(a, &r, 5, 32, 1));
    /* the limit is per participant: another one still takes references */
    ASSERT_RC(cosmosb_arena_give(a, &r, 1, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_accept(b, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_acquire(b, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(b, &t), COSMOSB_OK);
    /* exactly 65535 releases: the refused acquires took nothing */
    release_n(a, &r, 65535);
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_ESTATE);
    cr_assert_eq(stats(a).live_objects, 1u, "b's reference keeps the object");
    cr_assert(intact(b, &t, 5, 32, 1));
    ASSERT_RC(cosmosb_arena_release(b, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    const void *d;
    ASSERT_RC(cosmosb_arena_resolve(a, &r, 5, &d, NULL), COSMOSB_ESTALE);
    assert_empty(a);
    fx_free(&f);
}

Test(arena_core, accept_stops_at_65535_references_and_the_transfer_stays)
{
    struct afx f;
    fx_init(&f, 1 << 20, 4096, 32, 4, 8);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_arena_t *b = fx_join(&f, 1, 0);
    cosmosb_ref_t r = make(a, 6, 32, 0, 2), t1, t2;
    ASSERT_RC(cosmosb_arena_give(a, &r, 1, &t1), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(a, &r, 1, &t2), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_accept(b, &t1), COSMOSB_OK);
    int rc;
    uint32_t held = acquire_until_refused(b, &t1, 1, &rc);
    ASSERT_RC(rc, COSMOSB_EOVERFLOW);
    cr_assert_eq(held, 65535u, "acquire was refused with %u references held", held);
    /* accepting a 65536th is refused, and the transfer is still there to accept later */
    ASSERT_RC(cosmosb_arena_accept(b, &t2), COSMOSB_EOVERFLOW);
    ASSERT_RC(cosmosb_arena_check_ref(b, &t2, 6), COSMOSB_OK);
    cr_assert_eq(stats(a).transfers_live, 1u);
    ASSERT_RC(cosmosb_arena_release(b, &t1), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_accept(b, &t2), COSMOSB_OK);
    cr_assert_eq(stats(a).transfers_live, 0u);
    /* b holds exactly 65535 again */
    ASSERT_RC(cosmosb_arena_acquire(b, &t1), COSMOSB_EOVERFLOW);
    release_n(b, &t1, 65535);
    ASSERT_RC(cosmosb_arena_release(b, &t1), COSMOSB_ESTATE);
    cr_assert(intact(a, &r, 6, 32, 2));
    ASSERT_RC(cosmosb_arena_release(a, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
    const void *d;
    ASSERT_RC(cosmosb_arena_resolve(a, &r, 6, &d, NULL), COSMOSB_ESTALE);
    assert_empty(a);
    fx_free(&f);
}

/* ------------------------------------------------------------------------------------------------
 * A hostile participant rewrites meta (object state words, block words) to make the writer's
 * allocator take again the storage of objects the writer still holds. Meta is writable by all, so
 * such objects may look dead to everybody else; but the allocator itself never hands out bytes of an
 * object it holds by its own, private bookkeeping (docs/arena.md, section 9, "Its own objects").
 * The bytes are checked through the pointers alloc returned (resolve refuses the scribbled entries).
 */

/* White box: where block b's state word is (the layout's header geometry fields, read back). */
static volatile uint32_t *blk_state(struct afx *f, uint32_t b)
{
    const struct cosmosb__arena_hdr *h = (const struct cosmosb__arena_hdr *)(const void *)f->meta;
    uint64_t off = sizeof *h + (uint64_t)h->max_participants * h->part_stride + (uint64_t)b * h->block_stride;
    return (volatile uint32_t *)(void *)(f->meta + off);
}

static volatile uint32_t *ent_state(struct afx *f, uint32_t idx)
{
    const struct cosmosb__arena_hdr *h = (const struct cosmosb__arena_hdr *)(const void *)f->meta;
    uint64_t nobj = (uint64_t)h->nblocks * h->objects_per_block;
    uint64_t obj_off = (sizeof *h + (uint64_t)h->max_participants * h->part_stride +
                        (uint64_t)h->nblocks * h->block_stride + 63u) & ~63ull;
    cr_assert_lt(idx, nobj);
    return (volatile uint32_t *)(void *)(f->meta + obj_off + (uint64_t)idx * h->obj_stride);
}

/* Every object entry "FREE, next generation"; every block word "FREE, next generation". */
static void forge_all_free(struct afx *f)
{
    const struct cosmosb__arena_hdr *h = (const struct cosmosb__arena_hdr *)(const void *)f->meta;
    for (uint32_t i = 0; i < h->nblocks * h->objects_per_block; i++) {
        volatile uint32_t *w = ent_state(f, i);
        *w = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FREE, 0, COSMOSB__OBJ_GEN(*w) + 1u);
    }
    for (uint32_t b = 0; b < h->nblocks; b++) {
        volatile uint32_t *w = blk_state(f, b);
        *w = COSMOSB__BLK_WORD(COSMOSB__BLK_FREE, 0, COSMOSB__BLK_GEN(*w) + 1u);
    }
}

struct held {
    uint8_t *p;
    uint32_t size;
    uint8_t seed;
};

static void pat(uint8_t *p, uint32_t n, uint8_t s)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(s + i * 13u);
}

static int pat_ok(const uint8_t *p, uint32_t n, uint8_t s)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(s + i * 13u))
            return 0;
    return 1;
}

static void fill(struct held *o, uint8_t seed)
{
    o->seed = seed;
    pat(o->p, o->size, seed);
}

static int untouched(const struct held *o)
{
    return pat_ok(o->p, o->size, o->seed);
}

/* Allocates until ENOMEM (or max), filling each object; the objects are dropped (released) at once
 * or kept as the caller says; returns how many it allocated. */
static int alloc_and_fill_until_full(cosmosb_arena_t *a, uint32_t size, int max)
{
    int n = 0;
    cosmosb_ref_t r;
    void *p;
    while (n < max && cosmosb_arena_alloc(a, 5, size, 0, &r, &p) == COSMOSB_OK) {
        memset(p, 0xa5, size);
        (void)cosmosb_arena_release(a, &r);
        n++;
    }
    return n;
}

Test(arena_core, scribbled_state_words_never_make_the_allocator_overwrite_what_it_holds)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    /* Holds 10 objects of the current block (entries 0-9), then the hostile peer marks everything free. */
    struct held o[10];
    cosmosb_ref_t r[10];
    for (int i = 0; i < 10; i++) {
        void *p;
        ASSERT_RC(cosmosb_arena_alloc(a, 5, 200, 0, &r[i], &p), COSMOSB_OK);
        o[i].p = p;
        o[i].size = 200;
        fill(&o[i], (uint8_t)(i * 31 + 1));
        ASSERT_RC(cosmosb_arena_freeze(a, &r[i]), COSMOSB_OK);
    }
    forge_all_free(&f);
    /* The block fills, the allocator looks whether it is empty to start it over, then takes others. */
    int n = alloc_and_fill_until_full(a, 200, 5000);
    cr_assert_gt(n, 100, "the allocator still works: %d objects", n);
    for (int i = 0; i < 10; i++)
        cr_expect(untouched(&o[i]), "object %d, held by its allocator, was overwritten", i);
    fx_free(&f);
}

Test(arena_core, a_held_run_is_never_taken_again_whatever_the_block_words_say)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    struct held o;
    cosmosb_ref_t r;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 5 * 4096, 0, &r, &p), COSMOSB_OK); /* a run of 6 blocks */
    o.p = p;
    o.size = 5 * 4096;
    fill(&o, 77);
    ASSERT_RC(cosmosb_arena_freeze(a, &r), COSMOSB_OK);
    forge_all_free(&f);
    int n = alloc_and_fill_until_full(a, 1000, 5000);
    cr_assert_gt(n, 10, "the allocator still works: %d objects", n);
    n = 0;
    while (n < 40 && cosmosb_arena_alloc(a, 5, 3 * 4096, 0, &r, &p) == COSMOSB_OK) { /* runs of 4 */
        memset(p, 0xa5, 3 * 4096);
        (void)cosmosb_arena_release(a, &r);
        n++;
    }
    cr_expect(untouched(&o), "the run its allocator holds was overwritten");
    fx_free(&f);
}

Test(arena_core, scribbled_block_words_never_hand_out_a_block_of_what_the_allocator_holds)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    /* Objects held in several retired blocks (7 of 500 bytes fill a block). */
    struct held o[40];
    for (int i = 0; i < 40; i++) {
        cosmosb_ref_t r;
        void *p;
        ASSERT_RC(cosmosb_arena_alloc(a, 5, 500, 0, &r, &p), COSMOSB_OK);
        o[i].p = p;
        o[i].size = 500;
        fill(&o[i], (uint8_t)(i * 7 + 3));
        ASSERT_RC(cosmosb_arena_freeze(a, &r), COSMOSB_OK);
    }
    /* Only the block words: the held blocks look free in the pool; their entries stay as they are. */
    const struct cosmosb__arena_hdr *h = (const struct cosmosb__arena_hdr *)(const void *)f.meta;
    for (uint32_t b = 0; b < h->nblocks; b++) {
        volatile uint32_t *w = blk_state(&f, b);
        *w = COSMOSB__BLK_WORD(COSMOSB__BLK_FREE, 0, COSMOSB__BLK_GEN(*w) + 1u);
    }
    int n = alloc_and_fill_until_full(a, 500, 5000);
    cr_assert_gt(n, 10, "the allocator still works: %d objects", n);
    for (int i = 0; i < 40; i++)
        cr_expect(untouched(&o[i]), "object %d, held by its allocator, was overwritten", i);
    fx_free(&f);
}

/* Fills the first block (32 entries of 64 bytes, references in r), releases them all, and allocates
 * once more: the block starts over, the new object (kept) at entry 0, the cursor at entry 1. */
static void fill_block_then_start_over(cosmosb_arena_t *a, cosmosb_ref_t r[32])
{
    cosmosb_ref_t x;
    void *p;
    for (int i = 0; i < 32; i++) {
        ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &r[i], &p), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_freeze(a, &r[i]), COSMOSB_OK);
    }
    for (int i = 0; i < 32; i++)
        ASSERT_RC(cosmosb_arena_release(a, &r[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &x, &p), COSMOSB_OK);
    cr_assert_eq(x.object, r[0].object, "white box: the block is reused in place");
}

/* An entry of the writer's current block at or behind its cursor holds no object: the writer
 * allocates there next. A peer that makes such an entry look FROZEN again (its old header still
 * matches) cannot make the writer take a reference to bytes it is about to hand out. */
Test(arena_core, a_reference_into_the_allocators_unused_entries_is_stale)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t r[32];
    fill_block_then_start_over(a, r);
    volatile uint32_t *w = ent_state(&f, r[5].object);
    cr_assert_eq(COSMOSB__OBJ_STATE(*w), COSMOSB__OBJ_FREE);
    *w = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, r[5].generation); /* entry 5 "frozen" again */
    ASSERT_RC(cosmosb_arena_acquire(a, &r[5]), COSMOSB_ESTALE);
    fx_free(&f);
}

/* Random forgeries of entry and block words while the writer allocates, keeps and releases: what
 * it keeps is never overwritten. */
Test(arena_core, random_forgeries_never_make_the_allocator_overwrite_what_it_holds)
{
    struct afx f;
    fx_init(&f, 32 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    const struct cosmosb__arena_hdr *h = (const struct cosmosb__arena_hdr *)(const void *)f.meta;
    uint32_t nobj = h->nblocks * h->objects_per_block;
    srand(tu_seed(4242u));
    enum { KEEP = 48 };
    struct held o[KEEP];
    cosmosb_ref_t kr[KEEP];
    int nk = 0;
    for (int round = 0; round < (int)tu_scale(20000); round++) {
        int what = rand() % 10;
        if (what == 0) { /* an entry "free" */
            volatile uint32_t *w = ent_state(&f, (uint32_t)rand() % nobj);
            *w = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FREE, 0, COSMOSB__OBJ_GEN(*w) + (uint32_t)(rand() % 2));
        } else if (what == 1) { /* a block "free" */
            volatile uint32_t *w = blk_state(&f, (uint32_t)rand() % h->nblocks);
            *w = COSMOSB__BLK_WORD(COSMOSB__BLK_FREE, 0, COSMOSB__BLK_GEN(*w) + 1u);
        } else if (what == 2 && nk) { /* one of ours let go (it may be stale by now: ignore the answer) */
            int k = rand() % nk;
            (void)cosmosb_arena_release(a, &kr[k]);
            o[k] = o[nk - 1];
            kr[k] = kr[nk - 1];
            nk--;
        } else {
            uint32_t size = rand() % 8 == 0 ? 4096u + (uint32_t)(rand() % 8192) : 16u + (uint32_t)(rand() % 1500);
            cosmosb_ref_t r;
            void *p;
            if (cosmosb_arena_alloc(a, 5, size, 0, &r, &p) != COSMOSB_OK)
                continue;
            struct held t = {p, size, 0};
            fill(&t, (uint8_t)rand());
            if (nk < KEEP && rand() % 3 == 0) {
                o[nk] = t;
                kr[nk++] = r;
            } else {
                (void)cosmosb_arena_release(a, &r);
            }
        }
        if (round % 64 == 0)
            for (int k = 0; k < nk; k++)
                cr_assert(untouched(&o[k]), "round %d: a kept object of %u bytes was overwritten", round, o[k].size);
    }
    for (int k = 0; k < nk; k++)
        cr_assert(untouched(&o[k]), "a kept object of %u bytes was overwritten", o[k].size);
    fx_free(&f);
}

/* An entry the writer's allocator skips (not clean FREE: here a peer made it look FROZEN, with its
 * old header still in data) gets no object in the block's new life; its old header is never found
 * again, so a reference to it, once taken, resolves to nothing (the bytes are the next object's). */
Test(arena_core, a_skipped_entry_never_resolves_to_bytes_the_allocator_hands_out)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t r[32], y;
    void *p;
    fill_block_then_start_over(a, r);
    *ent_state(&f, r[1].object) = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, r[1].generation);
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &y, &p), COSMOSB_OK);
    cr_assert_eq(y.object, r[2].object, "white box: entry 1 is skipped");
    memset(p, 0x5a, 64);
    int rc = cosmosb_arena_acquire(a, &r[1]);
    if (rc == COSMOSB_OK) {
        const void *d;
        rc = cosmosb_arena_resolve(a, &r[1], 5, &d, NULL);
        cr_expect_neq(rc, COSMOSB_OK, "the skipped entry resolved to %s the new object's bytes",
                      rc == COSMOSB_OK && d == p ? "exactly" : "");
        ASSERT_RC(cosmosb_arena_release(a, &r[1]), COSMOSB_OK);
    }
    fx_free(&f);
}

/* ---- review 23: runs over the allocator's current block, revived run headers */

static volatile uint32_t *blk_aux(struct afx *f, uint32_t b)
{
    return blk_state(f, b) + 1; /* struct cosmosb__arena_block: state, aux, used, tail_gen */
}

static void set_blk(struct afx *f, uint32_t b, uint32_t kind, uint32_t part)
{
    volatile uint32_t *w = blk_state(f, b);
    *w = COSMOSB__BLK_WORD(kind, part, COSMOSB__BLK_GEN(*w) + 1u);
}

/* A: a run the allocator claims may cover its own current block (the block word forged FREE); the
 * fast path then hands out bytes of that run, which the allocator holds. */
Test(arena_core, a_run_is_never_claimed_over_the_allocators_current_block)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t ra, rx, rb;
    void *pa, *px, *pb;
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &ra, &pa), COSMOSB_OK); /* current block 0, cursor at 1 */
    ASSERT_RC(cosmosb_arena_release(a, &ra), COSMOSB_OK);              /* nothing held in block 0 */
    set_blk(&f, 0, COSMOSB__BLK_FREE, 0);                              /* hostile: block 0 "free" */
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 5000, 0, &rx, &px), COSMOSB_OK); /* a run of 2 */
    cr_log_info("run X at object %u (block %u)", rx.object, rx.object / 32u);
    pat(px, 5000, 77);
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &rb, &pb), COSMOSB_OK); /* fast path, block 0 entry 1 */
    memset(pb, 0x5a, 64);
    int inside = (uint8_t *)pb >= (uint8_t *)px && (uint8_t *)pb < (uint8_t *)px + 5000;
    cr_log_info("B at object %u, %s X's bytes", rb.object, inside ? "INSIDE" : "outside");
    cr_expect(pat_ok(px, 5000, 77), "the run X, held by its allocator, was overwritten by B");
    fx_free(&f);
}

/* Frees a 6-block run at block 0 (its header stays in data), makes blocks 0 (and 1) look taken. */
static cosmosb_ref_t stale_run_at_0(struct afx *f, cosmosb_arena_t *a, int also1)
{
    cosmosb_ref_t r0;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 5 * 4096, 0, &r0, &p), COSMOSB_OK);
    cr_assert_eq(r0.object, 0u);
    pat(p, 5 * 4096, 9);
    ASSERT_RC(cosmosb_arena_freeze(a, &r0), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &r0), COSMOSB_OK);
    cr_assert_eq(COSMOSB__BLK_KIND(*blk_state(f, 0)), COSMOSB__BLK_FREE);
    set_blk(f, 0, COSMOSB__BLK_OWNED, 1); /* hostile: block 0 looks taken by participant 1 */
    if (also1)
        set_blk(f, 1, COSMOSB__BLK_OWNED, 1);
    return r0;
}
static void resurrect(struct afx *f, const cosmosb_ref_t *r0)
{
    *ent_state(f, 0) = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, r0->generation);
    *blk_aux(f, 0) = 6;
}

/* B: a stale run header at entry 0 of another block, made FROZEN again, is acquired although its
 * extent covers the allocator's current block: the fast path hands out bytes of what it holds. */
Test(arena_core, a_revived_run_over_the_allocators_current_block_is_stale)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t r0 = stale_run_at_0(&f, a, 0), ra, rb;
    void *pa, *pb;
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &ra, &pa), COSMOSB_OK);
    cr_assert_eq(ra.object / 32u, 1u, "white box: current block 1");
    resurrect(&f, &r0);
    int rc = cosmosb_arena_acquire(a, &r0);
    cr_expect_eq(rc, COSMOSB_ESTALE, "acquire of the revived run: %s", cosmosb_err_name(rc));
    if (rc != COSMOSB_OK) {
        fx_free(&f);
        return;
    }
    const void *d;
    uint32_t sz;
    ASSERT_RC(cosmosb_arena_resolve(a, &r0, 5, &d, &sz), COSMOSB_OK);
    int overlaps = 0;
    for (int k = 0; k < 20; k++) {
        ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &rb, &pb), COSMOSB_OK);
        if ((const uint8_t *)pb >= (const uint8_t *)d && (const uint8_t *)pb < (const uint8_t *)d + sz)
            overlaps++;
        ASSERT_RC(cosmosb_arena_release(a, &rb), COSMOSB_OK);
    }
    cr_expect_eq(overlaps, 0, "%d of 20 new objects lie inside the %u bytes of the object the writer holds", overlaps,
                 sz);
    ASSERT_RC(cosmosb_arena_release(a, &r0), COSMOSB_OK);
    fx_free(&f);
}

/* F (fuzz/fuzz_arena.c): an old object of the allocator's current block, below its cursor, made FROZEN
 * again with a header that now reaches the cursor's bytes, is acquired: the fast path then hands out
 * bytes of what the allocator holds. */
Test(arena_core, a_revived_entry_reaching_the_allocators_cursor_is_stale)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t ra, rx, rb;
    void *pa, *px, *pb;
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &ra, &pa), COSMOSB_OK); /* entry 0, kept */
    ASSERT_RC(cosmosb_arena_freeze(a, &ra), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &rx, &px), COSMOSB_OK); /* entry 1 */
    cr_assert_eq(rx.object, 1u, "white box: block 0, entry 1");
    ASSERT_RC(cosmosb_arena_freeze(a, &rx), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &rx), COSMOSB_OK); /* freed; the cursor is at entry 2 */
    /* hostile: entry 1 FROZEN again with its old generation, its header stretched to the block's end */
    *ent_state(&f, rx.object) = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, rx.generation);
    struct cosmosb__arena_objhdr *oh =
        (struct cosmosb__arena_objhdr *)(void *)((uint8_t *)px - COSMOSB_ARENA_OBJECT_HEADER);
    uint32_t at = (uint32_t)((uint8_t *)oh - f.data);
    oh->size = 4096u - at - COSMOSB_ARENA_OBJECT_HEADER;
    int rc = cosmosb_arena_acquire(a, &rx);
    cr_expect_eq(rc, COSMOSB_ESTALE, "acquire of the stretched entry: %s", cosmosb_err_name(rc));
    if (rc == COSMOSB_OK) {
        const void *d;
        uint32_t sz;
        ASSERT_RC(cosmosb_arena_resolve(a, &rx, 5, &d, &sz), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &rb, &pb), COSMOSB_OK);
        cr_expect(!((const uint8_t *)pb >= (const uint8_t *)d && (const uint8_t *)pb < (const uint8_t *)d + sz),
                  "the new object lies inside the %u bytes of the object the writer holds", sz);
    }
    fx_free(&f);
}

/* G (fuzz/fuzz_arena.c, docs/arena.md section 9, "Counts are per generation"): another writer allocates
 * over an object the allocator holds (simulated: entry and header of the next generation, FROZEN). The
 * allocator still counts the old object at that entry. Acquire and accept of the new object are refused
 * (they raised the old count, with no check); release, give, add_child and freeze of a reference of the
 * new generation are refused too (a release took the old object's count to 0). And the allocator's own
 * old reference still holds: its bytes are never handed out again. */
Test(arena_core, counts_of_an_older_object_at_the_same_entry_do_not_count_the_new_one)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t rx, rn, ry, rp, rt;
    void *px, *py, *pp;
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &rx, &px), COSMOSB_OK); /* X, held by the allocator */
    pat(px, 64, 17);
    ASSERT_RC(cosmosb_arena_freeze(a, &rx), COSMOSB_OK);
    /* hostile (another writer's allocation over X): the entry and X's header name the next generation */
    uint32_t g2 = (rx.generation + 1u) & 0xfffffu;
    *ent_state(&f, rx.object) = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, g2);
    ((struct cosmosb__arena_objhdr *)(void *)((uint8_t *)px - COSMOSB_ARENA_OBJECT_HEADER))->generation = g2;
    rn = rx;
    rn.generation = g2;
    int rc = cosmosb_arena_acquire(a, &rn);
    cr_expect_eq(rc, COSMOSB_ESTALE, "acquire of the new object under the old count: %s", cosmosb_err_name(rc));
    ASSERT_RC(cosmosb_arena_release(a, &rn), COSMOSB_ESTATE); /* never held by this caller */
    ASSERT_RC(cosmosb_arena_give(a, &rn, 0, &rt), COSMOSB_ESTATE);
    ASSERT_RC(cosmosb_arena_alloc(a, 6, 64, 1, &rp, &pp), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_add_child(a, &rp, &rn), COSMOSB_ESTATE);
    /* another participant that holds the new object gives it to the allocator: accept is refused */
    cosmosb_arena_t *o = fx_join(&f, 1, 1);
    ASSERT_RC(cosmosb_arena_acquire(o, &rn), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(o, &rn, 0, &rt), COSMOSB_OK);
    rc = cosmosb_arena_accept(a, &rt);
    cr_expect_eq(rc, COSMOSB_ESTALE, "accept of the new object under the old count: %s", cosmosb_err_name(rc));
    ASSERT_RC(cosmosb_arena_release(o, &rn), COSMOSB_OK);
    /* the same as an unfrozen object of the new generation: neither writable nor freezable */
    *ent_state(&f, rx.object) = COSMOSB__OBJ_WORD(COSMOSB__OBJ_ALLOC, 0, g2);
    ASSERT_RC(cosmosb_arena_freeze(a, &rn), COSMOSB_ESTATE);
    void *w;
    ASSERT_RC(cosmosb_arena_writable(a, &rn, &w, NULL), COSMOSB_ESTATE);
    *ent_state(&f, rx.object) = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, g2);
    /* the old count stands: X's bytes are not handed out while the allocator counts X */
    for (int k = 0; k < 200; k++) {
        ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &ry, &py), COSMOSB_OK);
        cr_assert(!((uint8_t *)py + 64 > (uint8_t *)px && (uint8_t *)py < (uint8_t *)px + 64),
                  "allocation %d lies over X, which the allocator holds", k);
        ASSERT_RC(cosmosb_arena_release(a, &ry), COSMOSB_OK);
    }
    cr_expect(pat_ok(px, 64, 17), "X changed");
    fx_free(&f);
}

/* C: holding (then releasing) a resurrected stale run whose extent overlaps a run the allocator
 * really holds overwrites run_head of that run's tails; the allocator then claims them. */
static void clobber(int do_acquire)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t r0 = stale_run_at_0(&f, a, 1), r1, ry;
    void *p1, *py;
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 2 * 4096, 0, &r1, &p1), COSMOSB_OK); /* run of 3 */
    cr_assert_eq(r1.object, 2u * 32u, "white box: R1 at blocks 2..4");
    pat(p1, 2 * 4096, 55);
    ASSERT_RC(cosmosb_arena_freeze(a, &r1), COSMOSB_OK); /* kept */
    if (do_acquire) {
        resurrect(&f, &r0);
        int rc = cosmosb_arena_acquire(a, &r0); /* refused (ESTALE); were it taken, it is let go again */
        cr_expect_eq(rc, COSMOSB_ESTALE, "acquire of the revived run: %s", cosmosb_err_name(rc));
        if (rc == COSMOSB_OK)
            ASSERT_RC(cosmosb_arena_release(a, &r0), COSMOSB_OK);
    }
    set_blk(&f, 3, COSMOSB__BLK_FREE, 0); /* hostile: R1's tails "free" */
    set_blk(&f, 4, COSMOSB__BLK_FREE, 0);
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 4096, 0, &ry, &py), COSMOSB_OK); /* run of 2 */
    cr_log_info("%s: new run at block %u", do_acquire ? "after acquire+release" : "control", ry.object / 32u);
    memset(py, 0xa5, 4096);
    cr_expect(pat_ok(p1, 2 * 4096, 55), "R1, a run its allocator holds, was overwritten");
    fx_free(&f);
}
Test(arena_core, a_held_runs_tails_stay_out_of_the_allocators_reach)
{
    clobber(0);
}

Test(arena_core, a_revived_run_cannot_take_over_the_record_of_a_held_run)
{
    clobber(1);
}

/* D: honest: two writers and a receiver, transfers both ways, runs and small objects; at the end
 * everything is released and every block is back in the pool. */
Test(arena_core, two_writers_and_a_receiver_give_back_every_block)
{
    struct afx f;
    fx_init(&f, 64 * 4096, 4096, 32, 4, 64);
    cosmosb_arena_t *w[2] = {fx_join(&f, 0, 1), fx_join(&f, 1, 1)};
    cosmosb_arena_t *rcv = fx_join(&f, 2, 0);
    enum { K = 64 };
    cosmosb_ref_t held[2][K];
    int nh[2] = {0, 0};
    srand(tu_seed(23u));
    for (int round = 0; round < (int)tu_scale(20000); round++) {
        int me = rand() % 2, other = 1 - me;
        int what = rand() % 6;
        if (what <= 2) {
            uint32_t size = rand() % 6 == 0 ? 4096u + (uint32_t)(rand() % 9000) : 16u + (uint32_t)(rand() % 1200);
            cosmosb_ref_t r;
            void *p;
            int rc = cosmosb_arena_alloc(w[me], 5, size, 0, &r, &p);
            if (rc != COSMOSB_OK) {
                cr_assert_eq(rc, COSMOSB_ENOMEM);
                continue;
            }
            ASSERT_RC(cosmosb_arena_freeze(w[me], &r), COSMOSB_OK);
            if (nh[me] < K)
                held[me][nh[me]++] = r;
            else
                ASSERT_RC(cosmosb_arena_release(w[me], &r), COSMOSB_OK);
        } else if (what == 3 && nh[me]) { /* give to the other writer, which accepts */
            int k = rand() % nh[me];
            cosmosb_ref_t t;
            ASSERT_RC(cosmosb_arena_give(w[me], &held[me][k], (uint32_t)other, &t), COSMOSB_OK);
            if (nh[other] < K && cosmosb_arena_accept(w[other], &t) == COSMOSB_OK) {
                held[other][nh[other]++] = held[me][k];
            } else {
                ASSERT_RC(cosmosb_arena_decline(w[other], &t), COSMOSB_OK);
            }
            if (rand() % 2) {
                ASSERT_RC(cosmosb_arena_release(w[me], &held[me][k]), COSMOSB_OK);
                held[me][k] = held[me][--nh[me]];
            }
        } else if (what == 4 && nh[me]) {
            int k = rand() % nh[me];
            ASSERT_RC(cosmosb_arena_release(w[me], &held[me][k]), COSMOSB_OK);
            held[me][k] = held[me][--nh[me]];
        } else if (what == 5 && nh[me]) { /* the receiver holds one for a while */
            int k = rand() % nh[me];
            if (cosmosb_arena_acquire(rcv, &held[me][k]) == COSMOSB_OK)
                ASSERT_RC(cosmosb_arena_release(rcv, &held[me][k]), COSMOSB_OK);
        }
    }
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < nh[m]; k++)
            ASSERT_RC(cosmosb_arena_release(w[m], &held[m][k]), COSMOSB_OK);
    for (int m = 0; m < 2; m++)
        ASSERT_RC(cosmosb_arena_reclaim(w[m]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(rcv, NULL), COSMOSB_OK);
    cosmosb_arena_stats_t s = stats(rcv);
    cr_log_info("before leave: live %u, free blocks %u of %u", s.live_objects, s.blocks_free, s.blocks_total);
    cr_expect_eq(s.live_objects, 0u);
    cr_expect_geq(s.blocks_free + 2u, s.blocks_total, "only the two current blocks may be out of the pool");
    cosmosb_arena_leave(w[0]);
    cosmosb_arena_leave(w[1]);
    f.h[0] = f.h[1] = NULL;
    ASSERT_RC(cosmosb_arena_poll(rcv, NULL), COSMOSB_OK);
    s = stats(rcv);
    cr_log_info("after leave: live %u, free blocks %u of %u", s.live_objects, s.blocks_free, s.blocks_total);
    cr_expect_eq(s.blocks_free, s.blocks_total, "blocks left out of the pool after both writers left");
    fx_free(&f);
}

/* Review 24: an old small-object header left inside the head block of a run the writer has just allocated
 * (the run's payload not written there yet): made FROZEN again, it is acquired and resolves to bytes
 * of the run the writer holds and is writing. */
Test(arena_core, a_revived_entry_inside_a_held_run_is_stale)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t r[3], rb, rcc, rr;
    void *p[3], *pb, *pcc, *pr;
    for (int i = 0; i < 3; i++) {
        ASSERT_RC(cosmosb_arena_alloc(a, 5, 200, 0, &r[i], &p[i]), COSMOSB_OK);
        pat(p[i], 200, (uint8_t)(40 + i));
        ASSERT_RC(cosmosb_arena_freeze(a, &r[i]), COSMOSB_OK);
    }
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 3800, 0, &rb, &pb), COSMOSB_OK);  /* block 1 */
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 3800, 0, &rcc, &pcc), COSMOSB_OK); /* block 2 (current) */
    cr_assert_eq(rb.object / 32u, 1u);
    cr_assert_eq(rcc.object / 32u, 2u);
    for (int i = 0; i < 3; i++)
        ASSERT_RC(cosmosb_arena_release(a, &r[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(a, &rb), COSMOSB_OK);
    (void)stats(a); /* block checks: blocks 0 and 1 back to the pool */
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 5000, 0, &rr, &pr), COSMOSB_OK); /* run of 2 */
    cr_log_info("run at block %u", rr.object / 32u);
    cr_assert_eq(rr.object, 0u, "white box: the run at blocks 0-1");
    memset(pr, 0x11, 64); /* the writer fills its run progressively: first 64 bytes so far */
    /* hostile receiver: entry 1 of block 0 (old object r[1]) looks FROZEN again */
    *ent_state(&f, r[1].object) = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, r[1].generation);
    int rc = cosmosb_arena_acquire(a, &r[1]);
    cr_expect_eq(rc, COSMOSB_ESTALE, "acquire of the revived entry inside the held run: %s", cosmosb_err_name(rc));
    if (rc == COSMOSB_OK) {
        const void *d;
        uint32_t sz;
        int rr = cosmosb_arena_resolve(a, &r[1], 5, &d, &sz);
        cr_log_info("resolve: %s", cosmosb_err_name(rr));
        int inside = rr == COSMOSB_OK && (const uint8_t *)d >= (const uint8_t *)pr && (const uint8_t *)d < (const uint8_t *)pr + 5000;
        cr_log_info("it resolves to %u bytes %s the run the writer holds", sz, inside ? "INSIDE" : "outside");
        memset(pr, 0x22, 5000); /* the writer writes its run */
        cr_expect(!inside, "a held object's bytes alias the writer's own run (changed: %s)",
                  inside && !pat_ok(d, 200, 41) ? "yes" : "no");
        ASSERT_RC(cosmosb_arena_release(a, &r[1]), COSMOSB_OK);
    }
    fx_free(&f);
}

/* Review 24 (honest use): a writer accepts back its own run (its record of it stale), and an honest run next to
 * its current block; two writers. Both must be accepted. */
Test(arena_core, honest_runs_are_accepted_back_and_next_to_the_current_block)
{
    struct afx f;
    fx_init(&f, 32 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *w1 = fx_join(&f, 0, 1), *w2 = fx_join(&f, 1, 1), *rv = fx_join(&f, 2, 0);
    cosmosb_ref_t s, run, t, back, t2, run2;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(w1, 5, 64, 0, &s, &p), COSMOSB_OK); /* w1 current block 0 */
    ASSERT_RC(cosmosb_arena_freeze(w1, &s), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_alloc(w1, 5, 9000, 0, &run, &p), COSMOSB_OK); /* run next to it */
    cr_log_info("w1 small at block %u, run at block %u", s.object / 32u, run.object / 32u);
    ASSERT_RC(cosmosb_arena_freeze(w1, &run), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(w1, &run, 2, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(w1, &run), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_accept(rv, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_reclaim(w1), COSMOSB_OK); /* w1 holds nothing of the run now */
    ASSERT_RC(cosmosb_arena_give(rv, &t, 0, &back), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(rv, &t), COSMOSB_OK);
    int rc = cosmosb_arena_accept(w1, &back);
    cr_expect_eq(rc, COSMOSB_OK, "w1 accepting back its own run: %s", cosmosb_err_name(rc));
    /* w2: a run right after w1's current block? w2's current block first */
    cosmosb_ref_t s2;
    ASSERT_RC(cosmosb_arena_alloc(w2, 5, 64, 0, &s2, &p), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_alloc(w2, 5, 9000, 0, &run2, &p), COSMOSB_OK);
    cr_log_info("w2 small at block %u, run at block %u", s2.object / 32u, run2.object / 32u);
    ASSERT_RC(cosmosb_arena_freeze(w2, &run2), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(w2, &run2, 0, &t2), COSMOSB_OK);
    rc = cosmosb_arena_accept(w1, &t2);
    cr_expect_eq(rc, COSMOSB_OK, "w1 accepting w2's run: %s", cosmosb_err_name(rc));
    fx_free(&f);
}

/* Review 24: the writer holds a small object S (honest, block 1); a revived stale run header at block 0
 * whose extent covers block 1 is acquired although honest runs never cover a block with a live object:
 * the writer then holds two objects whose bytes overlap. */
Test(arena_core, a_revived_run_over_a_block_of_a_held_object_is_stale)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t r0 = stale_run_at_0(&f, a, 0), rs, rz;
    void *ps, *pz;
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 3800, 0, &rs, &ps), COSMOSB_OK);
    cr_assert_eq(rs.object / 32u, 1u, "white box: S in block 1");
    pat(ps, 3800, 3);
    ASSERT_RC(cosmosb_arena_freeze(a, &rs), COSMOSB_OK);
    for (uint32_t b = 2; b < 6; b++)
        set_blk(&f, b, COSMOSB__BLK_OWNED, 1); /* hostile: blocks 2-5 look taken */
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 3800, 0, &rz, &pz), COSMOSB_OK);
    cr_log_info("current block now %u", rz.object / 32u);
    resurrect(&f, &r0);
    int rc = cosmosb_arena_acquire(a, &r0);
    cr_expect_eq(rc, COSMOSB_ESTALE, "acquire of a revived run covering a block of a held object: %s",
                 cosmosb_err_name(rc));
    if (rc == COSMOSB_OK) {
        const void *d;
        uint32_t sz;
        ASSERT_RC(cosmosb_arena_resolve(a, &r0, 5, &d, &sz), COSMOSB_OK);
        int cover = (const uint8_t *)ps >= (const uint8_t *)d && (const uint8_t *)ps < (const uint8_t *)d + sz;
        cr_log_info("the revived run's %u bytes %s S", sz, cover ? "COVER" : "do not cover");
        cr_expect(!cover, "two held objects overlap");
        ASSERT_RC(cosmosb_arena_release(a, &r0), COSMOSB_OK);
    }
    fx_free(&f);
}

/* Review 24: a block started over in place: its first new object A covers old headers of entries 1-9 of
 * the block's previous life. Once the block is retired, entry 5 made FROZEN again is acquired and
 * resolves into A, which the writer holds. */
Test(arena_core, a_revived_entry_beyond_the_used_part_of_a_retired_block_never_resolves)
{
    struct afx f;
    fx_init(&f, 16 * 4096, 4096, 32, 4, 16);
    cosmosb_arena_t *a = fx_join(&f, 0, 1);
    cosmosb_ref_t r[10], ra, rz;
    void *p, *pa, *pz;
    for (int i = 0; i < 10; i++) {
        ASSERT_RC(cosmosb_arena_alloc(a, 5, 64, 0, &r[i], &p), COSMOSB_OK);
        ASSERT_RC(cosmosb_arena_freeze(a, &r[i]), COSMOSB_OK);
    }
    for (int i = 0; i < 10; i++)
        ASSERT_RC(cosmosb_arena_release(a, &r[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 3800, 0, &ra, &pa), COSMOSB_OK); /* block 0 started over */
    cr_assert_eq(ra.object, 0u, "white box: A at entry 0 of block 0");
    memset(pa, 0x11, 64); /* only its start written so far */
    ASSERT_RC(cosmosb_arena_alloc(a, 5, 3800, 0, &rz, &pz), COSMOSB_OK); /* block 0 retired */
    cr_assert_eq(rz.object / 32u, 1u);
    *ent_state(&f, r[5].object) = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, r[5].generation);
    int rc = cosmosb_arena_acquire(a, &r[5]);
    cr_log_info("acquire of entry 5 (beyond used) of the retired block: %s", cosmosb_err_name(rc));
    if (rc == COSMOSB_OK) {
        const void *d;
        int rr = cosmosb_arena_resolve(a, &r[5], 5, &d, NULL);
        cr_log_info("resolve: %s", cosmosb_err_name(rr));
        int inside = rr == COSMOSB_OK && (const uint8_t *)d >= (const uint8_t *)pa && (const uint8_t *)d < (const uint8_t *)pa + 3800;
        cr_log_info("it resolves %s A, which the writer holds", inside ? "INSIDE" : "outside");
        cr_expect(!inside, "a revived stale entry aliases the writer's live object A");
        ASSERT_RC(cosmosb_arena_release(a, &r[5]), COSMOSB_OK);
    }
    fx_free(&f);
}

/* Review 24 (honest use): two writers and a receiver; graphs, acquire, give/accept in every direction (back to the
 * allocator too), runs. No honest accept or acquire may be refused; at the end every block is free. */
Test(arena_core, honest_graphs_acquire_and_give_back_every_block)
{
    struct afx f;
    fx_init(&f, 64 * 4096, 4096, 32, 4, 64);
    cosmosb_arena_t *h[3] = {fx_join(&f, 0, 1), fx_join(&f, 1, 1), fx_join(&f, 2, 0)};
    enum { K = 48 };
    cosmosb_ref_t held[3][K];
    int nh[3] = {0, 0, 0};
    srand(tu_seed(2424u));
    int refused = 0, allocs = 0, enomem = 0;
    for (int round = 0; round < (int)tu_scale(20000); round++) {
        int me = rand() % 3, what = rand() % 8;
        if (what <= 2 && me < 2 && nh[me] < K) {
            uint32_t size = rand() % 6 == 0 ? 4096u + (uint32_t)(rand() % 9000) : 16u + (uint32_t)(rand() % 1000);
            uint32_t maxc = rand() % 3 == 0 ? 2u : 0u;
            cosmosb_ref_t r;
            void *p;
            int rc = cosmosb_arena_alloc(h[me], 5, size, maxc, &r, &p);
            if (rc != COSMOSB_OK) {
                cr_assert_eq(rc, COSMOSB_ENOMEM);
                enomem++;
                if (size < 3000) {
                    uint32_t fb = 0;
                    for (uint32_t b = 0; b < 64; b++)
                        fb += COSMOSB__BLK_KIND(*blk_state(&f, b)) == COSMOSB__BLK_FREE;
                    if (fb)
                        cr_log_info("small ENOMEM with %u free blocks", fb);
                    cr_expect_eq(fb, 0u);
                }
                continue;
            }
            allocs++;
            memset(p, 0x33, size);
            for (uint32_t c = 0; c < maxc && nh[me] > 0; c++) {
                cosmosb_ref_t ch = held[me][rand() % nh[me]];
                int arc = cosmosb_arena_add_child(h[me], &r, &ch);
                cr_assert(arc == COSMOSB_OK || arc == COSMOSB_ESTATE, "add_child: %s", cosmosb_err_name(arc));
            }
            ASSERT_RC(cosmosb_arena_freeze(h[me], &r), COSMOSB_OK);
            held[me][nh[me]++] = r;
        } else if (what == 3 && nh[me] > 0) {
            int k = rand() % nh[me], to = (me + 1 + rand() % 2) % 3;
            if (nh[to] >= K)
                continue;
            cosmosb_ref_t t;
            ASSERT_RC(cosmosb_arena_give(h[me], &held[me][k], (uint32_t)to, &t), COSMOSB_OK);
            int rc = cosmosb_arena_accept(h[to], &t);
            if (rc != COSMOSB_OK) {
                refused++;
                cr_log_info("honest accept refused: %s (object %u)", cosmosb_err_name(rc), t.object);
                ASSERT_RC(cosmosb_arena_decline(h[to], &t), COSMOSB_OK);
                continue;
            }
            t.transfer = 0;
            held[to][nh[to]++] = t;
            if (rand() % 2) {
                ASSERT_RC(cosmosb_arena_release(h[me], &held[me][k]), COSMOSB_OK);
                held[me][k] = held[me][--nh[me]];
            }
        } else if (what == 4 && nh[me] > 0 && nh[me] < K) {
            cosmosb_ref_t r = held[me][rand() % nh[me]];
            int rc = cosmosb_arena_acquire(h[me], &r);
            if (rc != COSMOSB_OK) {
                refused++;
                cr_log_info("honest acquire refused: %s", cosmosb_err_name(rc));
                continue;
            }
            held[me][nh[me]++] = r;
        } else if (what == 5 && nh[me] > 0) {
            cosmosb_ref_t r = held[me][rand() % nh[me]], ch[2];
            uint32_t n = 0;
            ASSERT_RC(cosmosb_arena_inspect(h[me], &r, NULL, ch, 2, &n), COSMOSB_OK);
            for (uint32_t c = 0; c < n && c < 2; c++) {
                ASSERT_RC(cosmosb_arena_resolve(h[me], &ch[c], 5, NULL, NULL), COSMOSB_OK);
                if (nh[me] < K) { /* a child seen through a held parent may be acquired */
                    int rc = cosmosb_arena_acquire(h[me], &ch[c]);
                    if (rc != COSMOSB_OK) {
                        refused++;
                        cr_log_info("honest acquire of a child refused: %s", cosmosb_err_name(rc));
                    } else
                        held[me][nh[me]++] = ch[c];
                }
            }
        } else if (nh[me] > 0) {
            int k = rand() % nh[me];
            ASSERT_RC(cosmosb_arena_release(h[me], &held[me][k]), COSMOSB_OK);
            held[me][k] = held[me][--nh[me]];
        }
    }
    for (int p = 0; p < 3; p++)
        while (nh[p] > 0)
            ASSERT_RC(cosmosb_arena_release(h[p], &held[p][--nh[p]]), COSMOSB_OK);
    for (int p = 0; p < 3; p++)
        ASSERT_RC(cosmosb_arena_poll(h[p], NULL), COSMOSB_OK);
    cosmosb_arena_stats_t s = stats(h[2]);
    uint32_t free_blocks = 0;
    for (uint32_t b = 0; b < 64; b++)
        free_blocks += COSMOSB__BLK_KIND(*blk_state(&f, b)) == COSMOSB__BLK_FREE;
    cr_log_info("allocs %d enomem %d refused %d live %u free blocks %u", allocs, enomem, refused, s.live_objects,
                free_blocks);
    cr_expect_eq(refused, 0);
    cr_expect_eq(s.live_objects, 0u);
    cr_expect_geq(free_blocks, 62u, "blocks not back: %u free of 64 (2 current blocks allowed)", free_blocks);
    fx_free(&f);
}

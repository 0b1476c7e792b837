/*
 * arena_fixture.h - an arena in private memory with NP participant handles
 * in one process, each with a fake platform whose liveness the test
 * controls (a participant "dies" by being abandoned and marked dead), and
 * the white-box addresses of a few shared words. Shared by the arena's
 * one-process tests (test_arena_core, test_arena_interleave).
 */
#ifndef COSMOSB_TEST_ARENA_FIXTURE_H
#define COSMOSB_TEST_ARENA_FIXTURE_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

#define NP 12

struct afx {
    cosmosb_arena_config_t cfg;
    uint64_t ms, ds;
    uint8_t *meta, *data;
    size_t hs;
    void *mem[NP];
    cosmosb_arena_t *h[NP];
    cosmosb_platform_t plat[NP];
    uint32_t ids[NP];
    int dead[NP + 1]; /* indexed by id */
};

static inline uint32_t fake_self(void *ctx)
{
    return *(const uint32_t *)ctx;
}

static struct afx *g_fx; /* the fixture the fake peer_alive looks at (tests run one at a time) */

static inline int fake_alive(void *ctx, uint32_t id)
{
    (void)ctx;
    if (id == 0 || id > NP)
        return COSMOSB_PEER_UNKNOWN;
    return g_fx->dead[id] ? COSMOSB_PEER_DEAD : COSMOSB_PEER_ALIVE;
}

static inline void fx_init(struct afx *f, uint64_t data_size, uint32_t block, uint32_t opb, uint32_t maxp, uint32_t maxt)
{
    memset(f, 0, sizeof *f);
    g_fx = f;
    ASSERT_RC(cosmosb_arena_config_init(&f->cfg), COSMOSB_OK);
    f->cfg.data_size = data_size;
    f->cfg.block_size = block;
    f->cfg.objects_per_block = opb;
    f->cfg.max_participants = maxp;
    f->cfg.max_transfers = maxt;
    ASSERT_RC(cosmosb_arena_memsize(&f->cfg, &f->ms, &f->ds), COSMOSB_OK);
    f->meta = aligned_alloc(64, (f->ms + 63) & ~63ull);
    f->data = aligned_alloc(64, (f->ds + 63) & ~63ull);
    cr_assert(f->meta && f->data);
    memset(f->data, 0xee, f->ds); /* garbage: nothing may depend on zeroed data */
    ASSERT_RC(cosmosb_arena_format(f->meta, f->ms, f->ds, &f->cfg, 0xa7e4a), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_handle_memsize(f->meta, f->ms, &f->hs), COSMOSB_OK);
    for (int i = 0; i < NP; i++) {
        f->ids[i] = (uint32_t)i + 1u;
        f->plat[i] = *cosmosb_platform_default();
        f->plat[i].ctx = &f->ids[i];
        f->plat[i].self_id = fake_self;
        f->plat[i].peer_alive = fake_alive;
    }
}

/* Joins participant slot i of the fixture (writer or receive-only). */
static inline cosmosb_arena_t *fx_join(struct afx *f, int i, int writer)
{
    if (!f->mem[i])
        f->mem[i] = aligned_alloc(64, (f->hs + 63) & ~(size_t)63);
    cr_assert_not_null(f->mem[i]);
    f->dead[f->ids[i]] = 0;
    ASSERT_RC(cosmosb_arena_join(f->mem[i], f->hs, f->meta, f->ms, f->data, writer ? f->data : NULL, f->ds,
                                 &f->plat[i], &f->h[i]),
              COSMOSB_OK);
    return f->h[i];
}

/* Participant i dies: its handle is abandoned (no leave), its liveness says dead. */
static inline void fx_kill(struct afx *f, int i)
{
    f->dead[f->ids[i]] = 1;
    f->h[i] = NULL;
}

static inline void fx_free(struct afx *f)
{
    for (int i = 0; i < NP; i++) {
        if (f->h[i])
            cosmosb_arena_leave(f->h[i]);
        free(f->mem[i]);
    }
    free(f->meta);
    free(f->data);
    g_fx = NULL;
}

static inline cosmosb_arena_stats_t stats(cosmosb_arena_t *a)
{
    cosmosb_arena_stats_t s;
    ASSERT_RC(cosmosb_arena_stats(a, &s), COSMOSB_OK);
    return s;
}

/* Allocates, fills with a pattern derived from seed, freezes. */
static inline cosmosb_ref_t make(cosmosb_arena_t *a, uint64_t type, uint32_t size, uint32_t maxc, uint8_t seed)
{
    cosmosb_ref_t r;
    void *p = NULL;
    ASSERT_RC(cosmosb_arena_alloc(a, type, size, maxc, &r, &p), COSMOSB_OK);
    for (uint32_t i = 0; i < size; i++)
        ((uint8_t *)p)[i] = (uint8_t)(seed + i * 7u);
    if (!maxc)
        ASSERT_RC(cosmosb_arena_freeze(a, &r), COSMOSB_OK);
    return r;
}

static inline int intact(cosmosb_arena_t *a, const cosmosb_ref_t *r, uint64_t type, uint32_t size, uint8_t seed)
{
    const void *d;
    uint32_t sz;
    if (cosmosb_arena_resolve(a, r, type, &d, &sz) != COSMOSB_OK || sz != size)
        return 0;
    for (uint32_t i = 0; i < size; i++)
        if (((const uint8_t *)d)[i] != (uint8_t)(seed + i * 7u))
            return 0;
    return 1;
}

/* What is in use besides the allocators' current blocks: live objects and their bytes. */
static inline void assert_empty(cosmosb_arena_t *a)
{
    cosmosb_arena_stats_t s = stats(a);
    cr_assert_eq(s.live_objects, 0u, "live objects: %u", s.live_objects);
    cr_assert_eq(s.object_bytes, 0u);
    cr_assert_eq(s.transfers_live, 0u, "live transfers: %u", s.transfers_live);
}

/* White box: the state word of participant record p (header of 192 bytes, records of 320 with 16 transfers). */
static inline volatile uint32_t *part_state(struct afx *f, uint32_t p)
{
    return (volatile uint32_t *)(void *)(f->meta + 192u + (uint64_t)p * 320u);
}

#define P_WORD(kind, aux, gen) ((uint32_t)(kind) | ((uint32_t)(aux) << 4) | ((uint32_t)(gen) << 12))

/*
 * White box: the state word of object idx in meta. Object entries are the
 * last area of meta (docs/arena.md, "Layout"); with 2 holder words an entry
 * is 32 bytes and the area ends exactly at the end of meta.
 */
static inline volatile uint32_t *obj_state(struct afx *f, uint32_t idx, uint32_t nobjects)
{
    uint64_t off = f->ms - (uint64_t)nobjects * 32u + (uint64_t)idx * 32u;
    return (volatile uint32_t *)(void *)(f->meta + off);
}

#endif /* COSMOSB_TEST_ARENA_FIXTURE_H */

/*
 * arena_open.c - arena geometry, formatting, joining and leaving, stats.
 */
#include "core/arena_internal.h"

static int is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static uint32_t log2_u32(uint32_t v)
{
    uint32_t s = 0;
    while ((1u << s) < v)
        s++;
    return s;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

int cosmosb__arena_geometry(uint32_t block_size, uint32_t opb, uint32_t maxp, uint32_t maxt, uint64_t data_size,
                            struct cosmosb__arena_geom *g)
{
    if (!is_pow2(block_size) || block_size < 4096u || block_size > (16u << 20))
        return COSMOSB_EINVAL;
    if (!is_pow2(opb) || opb < 32u || opb > 4096u)
        return COSMOSB_EINVAL;
    if (maxp == 0 || maxp > COSMOSB_ARENA_MAX_PARTICIPANTS || maxt == 0 || maxt > COSMOSB_ARENA_MAX_TRANSFERS)
        return COSMOSB_EINVAL;
    uint32_t first_off = (uint32_t)round_up((uint64_t)opb * 4u, 16);
    if (first_off + COSMOSB_ARENA_OBJECT_HEADER + 16u > block_size)
        return COSMOSB_EINVAL; /* the offset table would leave no room for objects */
    if (data_size == 0 || data_size > ((uint64_t)COSMOSB_ARENA_MAX_BLOCKS << 24))
        return COSMOSB_EINVAL;
    uint32_t shift = log2_u32(block_size);
    uint64_t nblocks = (data_size + block_size - 1) >> shift;
    if (nblocks == 0 || nblocks > COSMOSB_ARENA_MAX_BLOCKS)
        return COSMOSB_EINVAL;
    if ((nblocks << log2_u32(opb)) > COSMOSB__ARENA_MAX_OBJECTS)
        return COSMOSB_EINVAL;
    g->block_shift = shift;
    g->opb_shift = log2_u32(opb);
    g->nblocks = (uint32_t)nblocks;
    g->maxp = maxp;
    g->maxt = maxt;
    g->hw = (maxp + 31u) / 32u;
    g->first_off = first_off;
    g->nobjects = (uint32_t)(nblocks << g->opb_shift);
    g->block_size = block_size;
    g->data_size = nblocks << shift;
    g->part_stride = (uint32_t)round_up(sizeof(struct cosmosb__arena_part) +
                                        (uint64_t)maxt * sizeof(struct cosmosb__arena_xfer), 64);
    g->block_stride = (uint32_t)sizeof(struct cosmosb__arena_block);
    g->obj_stride = (uint32_t)round_up(sizeof(struct cosmosb__arena_obj) + (uint64_t)g->hw * 4u, 16);
    g->part_off = sizeof(struct cosmosb__arena_hdr);
    g->block_off = g->part_off + (uint64_t)maxp * g->part_stride;
    g->obj_off = round_up(g->block_off + nblocks * g->block_stride, 64);
    g->meta_size = round_up(g->obj_off + (uint64_t)g->nobjects * g->obj_stride, 64);
    return COSMOSB_OK;
}

int cosmosb_arena_config_init(cosmosb_arena_config_t *cfg)
{
    if (!cfg)
        return COSMOSB_EINVAL;
    *cfg = (cosmosb_arena_config_t){0};
    cfg->data_size = 64u << 20;
    cfg->block_size = 64u << 10;
    cfg->objects_per_block = 256;
    cfg->max_participants = 32;
    cfg->max_transfers = 1024;
    return COSMOSB_OK;
}

static int cfg_geometry(const cosmosb_arena_config_t *cfg, struct cosmosb__arena_geom *g)
{
    if (!cfg || cfg->reserved[0] || cfg->reserved[1])
        return COSMOSB_EINVAL;
    return cosmosb__arena_geometry(cfg->block_size, cfg->objects_per_block, cfg->max_participants,
                                   cfg->max_transfers, cfg->data_size, g);
}

int cosmosb_arena_memsize(const cosmosb_arena_config_t *cfg, uint64_t *meta_size, uint64_t *data_size)
{
    struct cosmosb__arena_geom g;
    int rc = cfg_geometry(cfg, &g);
    if (rc)
        return rc;
    if (meta_size)
        *meta_size = g.meta_size;
    if (data_size)
        *data_size = g.data_size;
    return COSMOSB_OK;
}

static size_t handle_bytes(const struct cosmosb__arena_geom *g)
{
    return (size_t)round_up(sizeof(struct cosmosb_arena), 8) + (size_t)g->nobjects * sizeof(struct cosmosb__arena_count) +
           (size_t)g->maxt * 3u * sizeof(uint32_t) + (size_t)g->nblocks * 2u * sizeof(uint32_t);
}

/* Reads a 32/64-bit geometry field exactly once. */
static uint32_t rd32(const uint32_t *f)
{
    return *(const volatile uint32_t *)f;
}

static uint64_t rd64(const uint64_t *f)
{
    return *(const volatile uint64_t *)f;
}

/* Validates a formatted header against our own computation of the geometry. */
static int header_geometry(const void *meta, uint64_t meta_size, struct cosmosb__arena_geom *g, uint32_t *arena_id)
{
    if (!meta || ((uintptr_t)meta & 63u))
        return COSMOSB_EINVAL;
    if (meta_size < sizeof(struct cosmosb__arena_hdr))
        return COSMOSB_ECORRUPT;
    const struct cosmosb__arena_hdr *h = meta;
    /* Acquire: pairs with format's release of the magic (the geometry before it). */
    if (cosmosb__load_acquire((const cosmosb__au32 *)(const void *)&h->magic) != COSMOSB__ARENA_MAGIC)
        return COSMOSB_ECORRUPT;
    if (rd32(&h->abi_version) != COSMOSB_ABI_VERSION || rd32(&h->layout_version) != COSMOSB__ARENA_LAYOUT_VERSION)
        return COSMOSB_EVERSION;
    if (rd32(&h->header_size) != sizeof(*h))
        return COSMOSB_ECORRUPT;
    uint32_t bs = rd32(&h->block_size);
    uint32_t nb = rd32(&h->nblocks);
    if (cosmosb__arena_geometry(bs, rd32(&h->objects_per_block), rd32(&h->max_participants),
                                rd32(&h->max_transfers), (uint64_t)nb * bs, g))
        return COSMOSB_ECORRUPT;
    if (g->nblocks != nb || g->hw != rd32(&h->holder_words) || g->part_stride != rd32(&h->part_stride) ||
        g->block_stride != rd32(&h->block_stride) || g->obj_stride != rd32(&h->obj_stride) ||
        g->data_size != rd64(&h->data_size) || g->meta_size != rd64(&h->meta_size) || g->meta_size > meta_size)
        return COSMOSB_ECORRUPT;
    *arena_id = rd32(&h->arena_id);
    if (*arena_id == 0)
        return COSMOSB_ECORRUPT;
    return COSMOSB_OK;
}

int cosmosb_arena_handle_memsize(const void *meta, uint64_t meta_size, size_t *size)
{
    struct cosmosb__arena_geom g;
    uint32_t id;
    if (!meta || !size)
        return COSMOSB_EINVAL;
    int rc = header_geometry(meta, meta_size, &g, &id);
    if (rc)
        return rc;
    *size = handle_bytes(&g);
    return COSMOSB_OK;
}

int cosmosb_arena_format(void *meta, uint64_t meta_size, uint64_t data_size, const cosmosb_arena_config_t *cfg,
                         uint32_t arena_id)
{
    struct cosmosb__arena_geom g;
    if (!meta || ((uintptr_t)meta & 63u) || arena_id == 0)
        return COSMOSB_EINVAL;
    int rc = cfg_geometry(cfg, &g);
    if (rc)
        return rc;
    if (meta_size < g.meta_size || data_size < g.data_size)
        return COSMOSB_ENOMEM;
    __builtin_memset(meta, 0, (size_t)g.meta_size);
    struct cosmosb__arena_hdr *h = meta;
    h->abi_version = COSMOSB_ABI_VERSION;
    h->layout_version = COSMOSB__ARENA_LAYOUT_VERSION;
    h->header_size = sizeof(*h);
    h->arena_id = arena_id;
    h->block_size = (uint32_t)g.block_size;
    h->objects_per_block = 1u << g.opb_shift;
    h->nblocks = g.nblocks;
    h->max_participants = g.maxp;
    h->max_transfers = g.maxt;
    h->holder_words = g.hw;
    h->part_stride = g.part_stride;
    h->block_stride = g.block_stride;
    h->obj_stride = g.obj_stride;
    h->data_size = g.data_size;
    h->meta_size = g.meta_size;
    /* Every word of a fresh arena is 0: blocks FREE (gen 0), objects FREE and
     * clean (gen 0), participants FREE, transfers FREE, the lock free. */
    /* Release: the magic is the last word written, for peers mapping early. */
    cosmosb__store_release((cosmosb__au32 *)(void *)&h->magic, COSMOSB__ARENA_MAGIC);
    return COSMOSB_OK;
}

uint64_t cosmosb__arena_now(struct cosmosb_arena *a)
{
    if (a->plat.now_ns)
        return a->plat.now_ns(a->plat.ctx);
    a->virtual_clock += 50; /* no clock: as for pipes, every look counts 50 ns */
    return a->virtual_clock;
}

#ifdef COSMOSB_TEST_POINTS
void cosmosb__arena_set_test_point(struct cosmosb_arena *a,
                                   void (*fn)(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg),
                                   void *ctx)
{
    a->test_point = fn;
    a->test_ctx = ctx;
}

void cosmosb__arena_set_join_point(void *handle_mem,
                                   void (*fn)(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg),
                                   void *ctx)
{
    struct cosmosb_arena *a = handle_mem;
    a->magic = COSMOSB__ARENA_JOIN_HOOK_MAGIC;
    a->test_point = fn;
    a->test_ctx = ctx;
}
#endif

int cosmosb_arena_join(void *handle_mem, size_t handle_size, void *meta, uint64_t meta_size, const void *data,
                       void *data_writable, uint64_t data_size, const cosmosb_platform_t *platform,
                       cosmosb_arena_t **out)
{
    struct cosmosb__arena_geom g;
    uint32_t id;
    if (!handle_mem || !data || !out || ((uintptr_t)handle_mem & 7u))
        return COSMOSB_EINVAL;
    int rc = header_geometry(meta, meta_size, &g, &id);
    if (rc)
        return rc;
    if (data_size < g.data_size)
        return COSMOSB_ECORRUPT;
    if (handle_size < handle_bytes(&g))
        return COSMOSB_ENOMEM;

    struct cosmosb_arena *a = handle_mem;
#ifdef COSMOSB_TEST_POINTS
    /* A hook set on the handle memory before the join (cosmosb__arena_set_join_point) survives it. */
    int hooked = a->magic == COSMOSB__ARENA_JOIN_HOOK_MAGIC;
    void (*keep_point)(void *, const struct cosmosb_arena *, int, uint32_t) = hooked ? a->test_point : NULL;
    void *keep_ctx = hooked ? a->test_ctx : NULL;
#endif
    *a = (struct cosmosb_arena){0};
#ifdef COSMOSB_TEST_POINTS
    a->test_point = keep_point;
    a->test_ctx = keep_ctx;
#endif
    a->g = g;
    a->arena_id = id;
    a->meta = meta;
    a->objs = (uint8_t *)meta + g.obj_off;
    a->hdr = meta;
    a->data = data;
    a->wdata = data_writable;
    a->flags = data_writable ? COSMOSB_ARENA_WRITER : 0;
    a->plat = platform ? *platform : *cosmosb_platform_default();
    uint8_t *tail = (uint8_t *)handle_mem + round_up(sizeof(struct cosmosb_arena), 8);
    /* The counts first: the tail is 8-aligned, as they need. */
    a->counts = (struct cosmosb__arena_count *)(void *)tail;
    a->xfree = (uint32_t *)(void *)(a->counts + g.nobjects);
    a->xobj = a->xfree + g.maxt;
    a->scratch = a->xobj + g.maxt;
    a->run_blocks = a->scratch + g.maxt;
    a->run_head = a->run_blocks + g.nblocks;
    __builtin_memset(a->counts, 0, (size_t)g.nobjects * sizeof(struct cosmosb__arena_count));
    __builtin_memset(a->xobj, 0, (size_t)g.maxt * sizeof(uint32_t));
    __builtin_memset(a->run_blocks, 0, (size_t)g.nblocks * 2u * sizeof(uint32_t));
    uint32_t me = a->plat.self_id ? a->plat.self_id(a->plat.ctx) : 0u;
    if (me == 0u)
        me = COSMOSB__PART_NOID; /* no id: we reserve with NOID (never asked about, never reaped by a poll) */

    for (uint32_t p = 0; p < g.maxp; p++) {
        struct cosmosb__arena_part *rec = cosmosb__apart(a, p);
        /* Acquire: a FREE record was reset by its reaper before its release. */
        uint32_t w = cosmosb__load_acquire(&rec->state);
        if (COSMOSB__PART_KIND(w) != COSMOSB__PART_FREE)
            continue;
        uint32_t gen = (COSMOSB__PART_GEN(w) + 1u) & 0xfffffu;
        /* The free slot is first reserved by our id (docs/arena.md, "Join"; NOID without one): a FREE
         * record's id is 0 (its freer zeroed it), and only the joiner whose id it holds claims it, so a
         * claimed record carries its occupant's id from the first instant (a joiner killed right after
         * its claim is reaped like anyone; it used to leave ALIVE with id 0, a slot lost for good), and
         * a running record's id is never 0, so a stale reservation cannot land on it (ninth review).
         * SC CAS: against other joiners, and before the claim that publishes it. */
        if (cosmosb__cas_val_seq_cst(&rec->self_id, 0, me) != 0)
            continue;
        COSMOSB__ARENA_POINT(a, COSMOSB__AP_JOIN_RESERVED, p);
        /* SC CAS: claiming a slot must be atomic against other joiners; it
         * orders our claim before everything we do as this participant. */
        if (cosmosb__cas_val_seq_cst(&rec->state, w, COSMOSB__PART_WORD(COSMOSB__PART_ALIVE, 0, gen)) != w) {
            /* SC CAS: the reservation goes back (nobody else writes an id into a reserved record) */
            (void)cosmosb__cas_val_seq_cst(&rec->self_id, me, 0);
            continue;
        }
        /* The record is ours now: any other id in it is a stale joiner's passing reservation, or 0 if
         * an application gave ours back taking us for a dead joiner (cosmosb_arena_reap of a FREE record
         * with NOID): put ours back. SC CAS: against that joiner's give-back; bounded (each failure is
         * another joiner's CAS, and a stale one fails its claim and gives back once). */
        for (uint32_t round = 0; round < 64u; round++) {
            uint32_t cur = cosmosb__load_seq_cst(&rec->self_id);
            if (cur == me || cosmosb__cas_val_seq_cst(&rec->self_id, cur, me) == cur)
                break;
        }
        /* Relaxed: read by others only after they see ALIVE (SC above). */
        cosmosb__store_relaxed(&rec->flags, a->flags);
        /* Our transfer entries: FREE, each keeping its tgen (a stale token never matches). */
        for (uint32_t e = 0; e < g.maxt; e++) {
            struct cosmosb__arena_xfer *x = cosmosb__axfer(a, p, e);
            uint32_t tg = COSMOSB__XFER_TGEN(cosmosb__load_relaxed(&x->word));
            /* Release: nobody accepts a FREE entry; a later LIVE store publishes the rest. */
            cosmosb__store_release(&x->word, COSMOSB__XFER_WORD(COSMOSB__XFER_FREE, 0, tg));
            a->xfree[a->xfree_n++] = g.maxt - 1u - e;
        }
        a->self = p;
        a->self_gen = gen;
        a->self_id = me;
        a->myw = p >> 5;
        a->mybit = 1u << (p & 31u);
        a->hold_off = (uint32_t)sizeof(struct cosmosb__arena_obj) + 4u * a->myw;
        a->magic = COSMOSB__ARENA_HANDLE_MAGIC;
        *out = a;
        return COSMOSB_OK;
    }
    return COSMOSB_EBUSY;
}

uint32_t cosmosb_arena_participant(const cosmosb_arena_t *a)
{
    return cosmosb__acheck(a) ? COSMOSB_ARENA_NO_PARTICIPANT : a->self;
}

uint32_t cosmosb_arena_id(const cosmosb_arena_t *a)
{
    return cosmosb__acheck(a) ? 0 : a->arena_id;
}

int cosmosb_arena_find_participant(cosmosb_arena_t *a, uint32_t self_id, uint32_t *participant)
{
    int rc = cosmosb__acheck(a);
    if (rc || !participant)
        return rc ? rc : COSMOSB_EINVAL;
    for (uint32_t p = 0; p < a->g.maxp; p++) {
        struct cosmosb__arena_part *rec = cosmosb__apart(a, p);
        /* Acquire: an ALIVE record carries its occupant's id (reserved before the claim; NOID without one). */
        if (COSMOSB__PART_KIND(cosmosb__load_acquire(&rec->state)) != COSMOSB__PART_ALIVE)
            continue;
        uint32_t id = cosmosb__load_relaxed(&rec->self_id);
        if (id != COSMOSB__PART_NOID &&
            (id == self_id || ((id & COSMOSB__ID_HOST_FLAG) && (id & COSMOSB__ID_HOST_MASK) == self_id))) {
            *participant = p;
            return COSMOSB_OK;
        }
    }
    return COSMOSB_EAGAIN;
}

int cosmosb_arena_stats(cosmosb_arena_t *a, cosmosb_arena_stats_t *st)
{
    int rc = cosmosb__acheck(a);
    if (rc || !st)
        return rc ? rc : COSMOSB_EINVAL;
    *st = (cosmosb_arena_stats_t){0};
    st->data_size = a->g.data_size;
    st->blocks_total = a->g.nblocks;
    /* Empty retired blocks go back to the pool as we count (they are free in all but name).
     * Relaxed loads otherwise: statistics, not synchronisation. */
    for (uint32_t b = 0; b < a->g.nblocks; b++) {
        cosmosb__arena_block_check(a, b);
        if (COSMOSB__BLK_KIND(cosmosb__load_relaxed(&cosmosb__ablock(a, b)->state)) == COSMOSB__BLK_FREE)
            st->blocks_free++;
    }
    st->bytes_in_use = (uint64_t)(st->blocks_total - st->blocks_free) << a->g.block_shift;
    st->recoveries = cosmosb__load_relaxed(&a->hdr->recoveries);
    for (uint32_t i = 0; i < a->g.nobjects; i++) {
        uint32_t w = cosmosb__load_relaxed(&cosmosb__aobj(a, i)->state);
        uint32_t s = COSMOSB__OBJ_STATE(w);
        if (s == COSMOSB__OBJ_FREE)
            continue;
        st->live_objects++;
        if (COSMOSB__OBJ_IS_FROZEN(s))
            st->frozen_objects++;
        struct cosmosb__arena_objinfo oi;
        if (cosmosb__arena_header(a, i, COSMOSB__OBJ_GEN(w), &oi) == COSMOSB_OK)
            st->object_bytes += (uint64_t)oi.payload_off + oi.size;
    }
    for (uint32_t p = 0; p < a->g.maxp; p++) {
        uint32_t k = COSMOSB__PART_KIND(cosmosb__load_relaxed(&cosmosb__apart(a, p)->state));
        if (k == COSMOSB__PART_ALIVE || k == COSMOSB__PART_LEAVING)
            st->participants++;
        else if (k != COSMOSB__PART_FREE)
            st->zombies++;
        if (k == COSMOSB__PART_FREE)
            continue;
        for (uint32_t e = 0; e < a->g.maxt; e++)
            if (COSMOSB__XFER_STATE(cosmosb__load_relaxed(&cosmosb__axfer(a, p, e)->word)) == COSMOSB__XFER_LIVE)
                st->transfers_live++;
    }
    return COSMOSB_OK;
}

int cosmosb_arena_participant_stats(cosmosb_arena_t *a, uint32_t p, cosmosb_arena_participant_stats_t *st)
{
    int rc = cosmosb__acheck(a);
    if (rc || !st)
        return rc ? rc : COSMOSB_EINVAL;
    if (p >= a->g.maxp)
        return COSMOSB_ERANGE;
    *st = (cosmosb_arena_participant_stats_t){0};
    struct cosmosb__arena_part *rec = cosmosb__apart(a, p);
    /* Relaxed loads: statistics. */
    uint32_t k = COSMOSB__PART_KIND(cosmosb__load_relaxed(&rec->state));
    st->state = (k == COSMOSB__PART_ALIVE || k == COSMOSB__PART_LEAVING) ? 1u
                : k == COSMOSB__PART_REAPING                             ? 2u
                : k == COSMOSB__PART_ZOMBIE                              ? 3u
                                                                         : 0u;
    st->self_id = cosmosb__load_relaxed(&rec->self_id);
    st->flags = cosmosb__load_relaxed(&rec->flags) & COSMOSB_ARENA_WRITER;
    uint32_t w = p >> 5, bit = 1u << (p & 31u);
    for (uint32_t i = 0; i < a->g.nobjects; i++)
        if (cosmosb__load_relaxed(&cosmosb__aholders(a, i)[w]) & bit)
            st->objects_held++;
    if (k != COSMOSB__PART_FREE)
        for (uint32_t e = 0; e < a->g.maxt; e++)
            if (COSMOSB__XFER_STATE(cosmosb__load_relaxed(&cosmosb__axfer(a, p, e)->word)) == COSMOSB__XFER_LIVE)
                st->transfers_live++;
    return COSMOSB_OK;
}

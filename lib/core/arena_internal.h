/*
 * arena_internal.h - the private (process-local) side of an arena handle,
 * and the helpers shared by the arena's source files.
 *
 * A handle keeps the geometry it validated at join in private memory, and
 * computes every address from it, so nothing a peer writes into meta can
 * move an access outside the arena. Shared words are read into locals and
 * checked.
 */
#ifndef COSMOSB_CORE_ARENA_INTERNAL_H
#define COSMOSB_CORE_ARENA_INTERNAL_H

#include "cosmosb/arena.h"
#include "cosmosb/error.h"
#include "cosmosb/version.h"
#include "core/atomic.h"
#include "core/arena_layout.h"

#define COSMOSB__ARENA_HANDLE_MAGIC 0x48414d43u /* "CMAH" */
#define COSMOSB__ARENA_MAX_OBJECTS (1u << 26)
/* How often a waiting graph-lock taker looks at the holder's liveness (spins). */
#define COSMOSB__ARENA_LOCK_CHECK 1024u
/* Retired blocks an allocator checks for emptiness while it looks for a free block. */
#define COSMOSB__ARENA_CLAIM_CHECKS 8u
/* Blocks we retired that an allocation looks at first (private list). */
#define COSMOSB__ARENA_RECENT 16u
/* Longest wait for the graph lock while its holder looks alive: past it the holder is taken to be
 * stuck, or the lock word forged by a hostile peer, and the waiter gives up (docs/arena.md, "Graph lock"). */
#define COSMOSB__ARENA_LOCK_TIMEOUT_NS 1000000000ull
/* lock_waits: any number (outside a poll); one full wait left (in a poll); spent (the rest of that poll
 * gives up on a live-looking holder after a short spin). */
#define COSMOSB__LOCK_WAITS_ANY 0u
#define COSMOSB__LOCK_WAITS_ONE 1u
#define COSMOSB__LOCK_WAITS_SPENT 2u
/* Minimum time between two liveness sweeps of cosmosb_arena_poll. */
#define COSMOSB__ARENA_POLL_NS 20000000ull

struct cosmosb__arena_geom {
    uint32_t block_shift, opb_shift, nblocks, maxp, maxt, hw;
    uint32_t part_stride, block_stride, obj_stride, first_off, nobjects;
    uint64_t block_size, data_size, meta_size, part_off, block_off, obj_off;
};

/*
 * Our private count of one entry: own references (low 16 bits of n) and
 * transfers in flight (high 16), and the generation of the object they
 * count (set when n leaves 0). Counts alone would also count a later
 * object at the same entry, which another writer can allocate over one we
 * hold (docs/arena.md, section 9, "Counts are per generation"). The
 * allocation fast path writes both (gcc 12 emits two 4-byte stores).
 */
struct cosmosb__arena_count {
    _Alignas(8) uint32_t n; /* 8-aligned: a compiler may write the pair with one store */
    uint32_t gen;
};

struct cosmosb_arena {
    uint32_t magic;   /* COSMOSB__ARENA_HANDLE_MAGIC while open */
    uint32_t self;    /* participant index */
    uint32_t flags;   /* COSMOSB_ARENA_WRITER */
    uint32_t arena_id;
    uint32_t self_gen;   /* generation of our participant record */
    uint32_t self_id;    /* the platform id we joined with (COSMOSB__PART_NOID: the platform has none) */
    uint32_t myw, mybit; /* our holder word and bit */
    struct cosmosb__arena_geom g;
    uint8_t *meta;
    uint8_t *objs;        /* meta + g.obj_off: the object entries */
    uint32_t hold_off;    /* byte offset of our holder word within an object entry */
    const uint8_t *data;
    uint8_t *wdata;       /* NULL for a receive-only participant */
    struct cosmosb__arena_hdr *hdr;
    cosmosb_platform_t plat;
    /* bump allocation */
    uint32_t cur_block;   /* block index + 1; 0: none */
    uint32_t cur_entry;   /* next entry index in it */
    uint32_t cur_off;     /* next free byte in it */
    uint32_t cur_limit;   /* entries in cur_block: objects_per_block, or 0 with no block (the fast path's bound) */
    uint32_t cur_idx;     /* object index of entry cur_entry */
    struct cosmosb__arena_obj *cur_e; /* its entry */
    uint8_t *cur_wb;      /* cur_block's data, writable */
    uint32_t recent_head; /* next slot of recent (counts up, wraps) */
    uint32_t recent[COSMOSB__ARENA_RECENT]; /* block index + 1 of blocks we retired last; 0: none */
    /* transfers (private bookkeeping of our own entries) */
    uint32_t xfree_n;     /* entries on the free stack (maxt - xfree_n are outstanding) */
    uint32_t xscan;       /* reclaim cursor */
    uint32_t *xfree;      /* [maxt] free entry indices */
    uint32_t *xobj;       /* [maxt] object index + 1 of an entry in use, 0 if free */
    uint32_t *scratch;    /* [maxt] reaping scratch */
    struct cosmosb__arena_count *counts; /* [nobjects] our references, per entry, and the generation counted */
    /* Runs we hold, so that our allocator never takes one of their blocks whatever meta says (docs/arena.md,
     * section 9, "Its own objects"). Written when we begin to hold the object at entry 0 of a block. */
    uint32_t *run_blocks; /* [nblocks] blocks spanned by the object at entry 0 of block b (1: not a run) */
    uint32_t *run_head;   /* [nblocks] head + 1 of the run we last began to hold with b as a tail; 0: none */
    void *host;           /* owned by the hosted layer (lib/os), NULL for a core handle */
    uint32_t lock_stuck;     /* a graph-lock word we waited on in vain (0: none) ... */
    uint32_t lock_stuck_seq; /* ... and lock_seq then: the same hold met again is given up on at once */
    uint32_t lock_waits;     /* COSMOSB__LOCK_WAITS_*: full lock waits left in this poll */
    uint64_t next_poll;   /* time of the next liveness sweep */
    uint64_t virtual_clock;
#ifdef COSMOSB_TEST_POINTS
    void (*test_point)(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg);
    void *test_ctx;
#endif
};

/*
 * Test points: only in the library variant built for the interleaving tests
 * (tests/test_arena_interleave.c, compiled with COSMOSB_TEST_POINTS), never
 * in a library that is installed or benchmarked. A hook set on one handle
 * runs at the named points of that handle's own operations, so a test can
 * make another participant act at exactly the step a race needs.
 */
enum cosmosb__arena_point {
    COSMOSB__AP_REAP_OBJECT = 1,      /* reap_objects: at object arg, nothing done to it yet */
    COSMOSB__AP_REAP_STATE_READ,      /* reap_objects: object arg's state read, nothing decided from it yet */
    COSMOSB__AP_SETTLE_CHECKED,       /* settle: no LIVE transfer of the giver pins object arg; its bit not dropped yet */
    COSMOSB__AP_HEADER_CHECKED,       /* arena_header: object arg's header read and checked, about to return */
    COSMOSB__AP_BLOCK_SCANNED,        /* block_check: every entry of retired block arg seen FREE; nothing decided */
    COSMOSB__AP_POLL_CHECKED,         /* poll: participant arg found reapable by its record word; not marked yet */
    COSMOSB__AP_LEAVE_LAST_STEP,      /* leave: our record is LEAVING(aux 1) (arg: our index); our id not zeroed yet */
    COSMOSB__AP_JOIN_RESERVED,        /* join: record arg reserved by our id, not claimed yet (a hook set on the
                                       * handle memory before cosmosb_arena_join survives it) */
    COSMOSB__AP_LEAVE_FINAL_CAS       /* leave: about to try its final CAS (arg: the attempt, from 0) */
};
#ifdef COSMOSB_TEST_POINTS
#define COSMOSB__ARENA_POINT(a, point, arg)                                                                           \
    do {                                                                                                               \
        if ((a)->test_point)                                                                                           \
            (a)->test_point((a)->test_ctx, (a), (point), (arg));                                                       \
    } while (0)
/* Handle memory not joined yet, with a hook for the join's own points. */
#define COSMOSB__ARENA_JOIN_HOOK_MAGIC 0x4b4f4854u /* "THOK" */
void cosmosb__arena_set_join_point(void *handle_mem,
                                   void (*fn)(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg),
                                   void *ctx);
void cosmosb__arena_set_test_point(struct cosmosb_arena *a,
                                   void (*fn)(void *ctx, const struct cosmosb_arena *a, int point, uint32_t arg),
                                   void *ctx);
#else
#define COSMOSB__ARENA_POINT(a, point, arg) ((void)0)
#endif

/* ---- addressing, from private geometry only */

static inline struct cosmosb__arena_part *cosmosb__apart(const struct cosmosb_arena *a, uint32_t p)
{
    return (struct cosmosb__arena_part *)(void *)(a->meta + a->g.part_off + (uint64_t)p * a->g.part_stride);
}

static inline struct cosmosb__arena_xfer *cosmosb__axfer(const struct cosmosb_arena *a, uint32_t p, uint32_t e)
{
    return (struct cosmosb__arena_xfer *)(void *)(a->meta + a->g.part_off + (uint64_t)p * a->g.part_stride +
                                                  sizeof(struct cosmosb__arena_part) +
                                                  (uint64_t)e * sizeof(struct cosmosb__arena_xfer));
}

static inline struct cosmosb__arena_block *cosmosb__ablock(const struct cosmosb_arena *a, uint32_t b)
{
    return (struct cosmosb__arena_block *)(void *)(a->meta + a->g.block_off + (uint64_t)b * a->g.block_stride);
}

static inline struct cosmosb__arena_obj *cosmosb__aobj(const struct cosmosb_arena *a, uint32_t idx)
{
    return (struct cosmosb__arena_obj *)(void *)(a->objs + (uint64_t)idx * a->g.obj_stride);
}

static inline cosmosb__au32 *cosmosb__aholders(const struct cosmosb_arena *a, uint32_t idx)
{
    return (cosmosb__au32 *)(void *)((uint8_t *)cosmosb__aobj(a, idx) + sizeof(struct cosmosb__arena_obj));
}

/* Our own holder word in object entry e. */
static inline cosmosb__au32 *cosmosb__amyhold(const struct cosmosb_arena *a, struct cosmosb__arena_obj *e)
{
    return (cosmosb__au32 *)(void *)((uint8_t *)e + a->hold_off);
}

static inline const uint8_t *cosmosb__ablock_data(const struct cosmosb_arena *a, uint32_t b)
{
    return a->data + ((uint64_t)b << a->g.block_shift);
}

static inline uint32_t cosmosb__aobj_block(const struct cosmosb_arena *a, uint32_t idx)
{
    return idx >> a->g.opb_shift;
}

static inline uint32_t cosmosb__aobj_entry(const struct cosmosb_arena *a, uint32_t idx)
{
    return idx & ((1u << a->g.opb_shift) - 1u);
}

static inline int cosmosb__acheck(const struct cosmosb_arena *a)
{
    return (a && a->magic == COSMOSB__ARENA_HANDLE_MAGIC) ? COSMOSB_OK : COSMOSB_EINVAL;
}

/* Is id a platform id that liveness can be asked about (not 0, not COSMOSB__PART_NOID)? */
static inline int cosmosb__aid_known(uint32_t id)
{
    return id != 0u && id != COSMOSB__PART_NOID;
}

/* Is participant p unable to act any more (reaped, being reaped, zombie, free), or leaving (it settles
 * nothing more: docs/arena.md, "Leaving")? */
static inline int cosmosb__apart_gone(const struct cosmosb_arena *a, uint32_t p)
{
    if (p >= a->g.maxp)
        return 1;
    /* SC: ordered with the transfer CASes and holder-bit updates it is checked against (docs/arena.md). */
    uint32_t w = cosmosb__load_seq_cst(&cosmosb__apart(a, p)->state);
    return COSMOSB__PART_KIND(w) != COSMOSB__PART_ALIVE;
}

/*
 * The entry of a reference: bounds, arena and generation checked; *ep the
 * entry, *word its state (acquire). The address is computed before the
 * acquire load, which keeps the compiler from reading the handle again.
 */
static inline int cosmosb__arena_lookup(const struct cosmosb_arena *a, const cosmosb_ref_t *ref,
                                        struct cosmosb__arena_obj **ep, uint32_t *word)
{
    if (!ref)
        return COSMOSB_EINVAL;
    uint32_t idx = ref->object, gen = ref->generation;
    if (ref->arena_id != a->arena_id || idx >= a->g.nobjects)
        return COSMOSB_ERANGE;
    struct cosmosb__arena_obj *e = cosmosb__aobj(a, idx);
    /* Acquire: pairs with the freeze (release) and with the allocation's publication. */
    uint32_t w = cosmosb__load_acquire(&e->state);
    if (COSMOSB__OBJ_GEN(w) != gen) /* one compare: a generation above the 20-bit mask never matches */
        return COSMOSB_ESTALE;
    *ep = e;
    *word = w;
    return COSMOSB_OK;
}

#define COSMOSB__OWN(c) ((c) & 0xffffu)
#define COSMOSB__UNITS(c) ((c) >> 16)
#define COSMOSB__UNIT 0x10000u

/* Do our own references (not only transfers in flight) hold idx of generation gen? */
static inline int cosmosb__arena_own(const struct cosmosb_arena *a, uint32_t idx, uint32_t gen)
{
    return COSMOSB__OWN(a->counts[idx].n) != 0 && a->counts[idx].gen == gen;
}

/* arena_open.c */
int cosmosb__arena_geometry(uint32_t block_size, uint32_t opb, uint32_t maxp, uint32_t maxt, uint64_t data_size,
                            struct cosmosb__arena_geom *g);
uint64_t cosmosb__arena_now(struct cosmosb_arena *a);

/* arena_objects.c */
int cosmosb__arena_entry(const struct cosmosb_arena *a, const cosmosb_ref_t *ref, uint32_t *word);
/* An object header as checked: a private copy of its fields (the header lives in data, which any writer
 * can change at any time: nothing read from it is read twice) and where it is. */
struct cosmosb__arena_objinfo {
    const uint8_t *at;       /* the header in data: use only for addresses, never to read a field again */
    uint64_t type_id;
    uint32_t size, max_children, payload_off;
};
int cosmosb__arena_header(const struct cosmosb_arena *a, uint32_t idx, uint32_t gen,
                          struct cosmosb__arena_objinfo *out);
/* Whether this handle still holds object idx of generation gen by its own bookkeeping: references of its
 * own or transfers of it in flight (private counts, with the generation they count), and the object's
 * header in data names that generation (data is not writable by receivers: review 22). Unlike the state
 * word in meta, no receiver can change either. */
static inline int cosmosb__arena_we_hold(const struct cosmosb_arena *a, uint32_t idx, uint32_t gen)
{
    struct cosmosb__arena_objinfo info;
    return idx < a->g.nobjects && a->counts[idx].n != 0 && a->counts[idx].gen == gen &&
           cosmosb__arena_header(a, idx, gen, &info) == COSMOSB_OK;
}
/* Acquire and accept, before they begin to hold idx of generation gen: 0 if honest use never makes that
 * hold (docs/arena.md section 9, "Its own objects"; they refuse it, ESTALE), else 1. */
int cosmosb__arena_may_hold_slow(struct cosmosb_arena *a, uint32_t idx, uint32_t gen);
static inline int cosmosb__arena_may_hold(struct cosmosb_arena *a, uint32_t idx, uint32_t gen)
{
    uint32_t b = cosmosb__aobj_block(a, idx);
    /* The common case without a call (it costs a receiver's every accept): not entry 0 (no extent to
     * note), not in our current block, no run we hold has b as a tail (no record names b), and b is not
     * the head block of a run we hold. Exactly what the slow path allows for such an entry. */
    if (cosmosb__aobj_entry(a, idx) != 0 && a->cur_block != b + 1u && a->run_head[b] == 0 &&
        (a->run_blocks[b] <= 1u || a->counts[(size_t)b << a->g.opb_shift].n == 0))
        return 1;
    return cosmosb__arena_may_hold_slow(a, idx, gen);
}
void cosmosb__arena_drop_bit(struct cosmosb_arena *a, uint32_t idx, uint32_t part);
void cosmosb__arena_try_free(struct cosmosb_arena *a, uint32_t idx);
int cosmosb__arena_decide_free(struct cosmosb_arena *a, uint32_t idx);
int cosmosb__arena_hold_check(struct cosmosb_arena *a, uint32_t idx, uint32_t gen);
void cosmosb__arena_free_dying(struct cosmosb_arena *a, uint32_t idx);
void cosmosb__arena_finish_free(struct cosmosb_arena *a, uint32_t idx, uint32_t gen);
void cosmosb__arena_block_check(struct cosmosb_arena *a, uint32_t b);
void cosmosb__arena_retire(struct cosmosb_arena *a, uint32_t b, uint32_t part);
void cosmosb__arena_run_free(struct cosmosb_arena *a, uint32_t b, uint32_t w);
void cosmosb__arena_unref_own(struct cosmosb_arena *a, uint32_t idx);

/* arena_graph.c */
int cosmosb__arena_lock(struct cosmosb_arena *a);
void cosmosb__arena_unlock(struct cosmosb_arena *a);
void cosmosb__arena_process_dying(struct cosmosb_arena *a);
void cosmosb__arena_push_dying(struct cosmosb_arena *a, uint32_t idx);

/* arena_transfer.c */
void cosmosb__arena_reclaim(struct cosmosb_arena *a, uint32_t max);
int cosmosb__arena_has_live_transfer(const struct cosmosb_arena *a, uint32_t part, uint32_t idx);
void cosmosb__arena_settle(struct cosmosb_arena *a, uint32_t part, uint32_t idx);

/* arena_reap.c */
int cosmosb__arena_reap_dead(struct cosmosb_arena *a, uint32_t force);
int cosmosb__arena_poll_due(struct cosmosb_arena *a);

#endif /* COSMOSB_CORE_ARENA_INTERNAL_H */

/*
 * arena_objects.c - blocks and objects: claiming and retiring blocks,
 * allocation, freezing, resolving, acquiring, releasing and freeing.
 *
 * Holder bits (one per participant, in the object's meta entry) say who
 * holds an object; each participant counts its own references privately.
 * An object dies when no holder bit is set and no parent holds it (graph
 * count 0): whoever sees that after changing its own part tries the CAS to
 * DYING, and exactly one wins. The protocol is in docs/arena.md.
 */
#include "core/arena_internal.h"
#include "core/compiler.h"

static uint32_t round16(uint32_t v)
{
    return (v + 15u) & ~15u;
}

/* ---------------------------------------------------------------- our own objects */

/* Is block b a tail of a run we hold (by our counts of its head), other than one headed at block except? */
static int in_held_run(const struct cosmosb_arena *a, uint32_t b, uint32_t except)
{
    uint32_t h1 = a->run_head[b];
    if (h1 == 0 || h1 - 1u >= b || h1 - 1u == except)
        return 0;
    uint32_t h = h1 - 1u;
    return a->counts[(size_t)h << a->g.opb_shift].n != 0 && a->run_blocks[h] > b - h;
}

/* Do our counts name any of the first n entries of block b? */
static int counted_in_first(const struct cosmosb_arena *a, uint32_t b, uint32_t n)
{
    const struct cosmosb__arena_count *c = a->counts + ((size_t)b << a->g.opb_shift);
    uint32_t any = 0;
    for (uint32_t i = 0; i < n; i++)
        any |= c[i].n;
    return any != 0;
}

/* Do our counts name any entry of block b? */
static int counted_in(const struct cosmosb_arena *a, uint32_t b)
{
    return counted_in_first(a, b, 1u << a->g.opb_shift);
}

/*
 * Does this handle hold, by its private bookkeeping, an object stored in
 * block b: one whose entry is in b (own references or transfers in flight:
 * counts), or a run with b as a tail? No peer can write either. The
 * allocator asks before it takes a block or starts one over (not when it
 * returns a retired block to the pool: only its own taking matters, and the
 * scan would cost every block's return), so whatever a hostile participant
 * writes into meta (entry state words "free", block words "free"), it never
 * hands out bytes of an object it holds itself (docs/arena.md, section 9,
 * "Its own objects").
 */
static int we_use_block(const struct cosmosb_arena *a, uint32_t b)
{
    return counted_in(a, b) || in_held_run(a, b, UINT32_MAX);
}

/* Clears the offsets of entries from..end of block b (one we own): no old header of the block's earlier
 * lives can be found through them any more, so a peer that makes such an entry look FROZEN again cannot
 * make us hold bytes that now belong to another object (review 24). */
static void clear_offsets(struct cosmosb_arena *a, uint32_t b, uint32_t from)
{
    uint32_t *ot = (uint32_t *)(void *)(a->wdata + ((uint64_t)b << a->g.block_shift));
    uint32_t n = 1u << a->g.opb_shift;
    if (from < n)
        __builtin_memset(ot + from, 0, (size_t)(n - from) * sizeof *ot);
}

/* May we take block b for allocation (claim it, alone or in a run)? Not our current block (its word may
 * have been made FREE by a peer: a run over it would put the cursor's bytes inside the run; review 23),
 * nor one we use. */
static int may_take_block(const struct cosmosb_arena *a, uint32_t b)
{
    return a->cur_block != b + 1u && !we_use_block(a, b);
}

/* We begin to hold the object at entry 0 of block h, which spans k blocks: remember a run's extent. */
static void note_head(struct cosmosb_arena *a, uint32_t h, uint32_t k)
{
    if (k == 0)
        k = 1;
    if (k > a->g.nblocks - h)
        k = a->g.nblocks - h;
    a->run_blocks[h] = k;
    for (uint32_t t = 1; t < k; t++)
        a->run_head[h + t] = h + 1u;
}

/*
 * Blocks spanned by the object of generation gen at entry 0 of block h, by
 * its header in data (which receivers cannot write; every field read once);
 * 1 if the header does not check.
 */
static uint32_t head_blocks(const struct cosmosb_arena *a, uint32_t h, uint32_t gen)
{
    const uint8_t *bd = cosmosb__ablock_data(a, h);
    uint64_t room = (uint64_t)(a->g.nblocks - h) << a->g.block_shift;
    uint32_t off = *(const volatile uint32_t *)(const void *)bd;
    if (off < a->g.first_off || (off & 15u) || (uint64_t)off + COSMOSB_ARENA_OBJECT_HEADER > room)
        return 1;
    const volatile struct cosmosb__arena_objhdr *oh =
        (const volatile struct cosmosb__arena_objhdr *)(const volatile void *)(bd + off);
    uint32_t size = oh->size, pay = oh->payload_off;
    if (oh->magic != COSMOSB__ARENA_OBJ_MAGIC || oh->object != (h << a->g.opb_shift) || oh->generation != gen)
        return 1;
    uint64_t end = (uint64_t)off + pay + size;
    if (end > room)
        end = room;
    return (uint32_t)((end + a->g.block_size - 1u) >> a->g.block_shift);
}

/*
 * Acquire and accept call this before they begin to hold object idx of
 * generation gen (our count goes from 0 to 1). An entry of our current
 * block from our cursor on holds no object (we allocate there next; a
 * peer that made it look FROZEN again cannot make us hold bytes we are
 * about to hand out), nor does one below it reach the cursor's bytes:
 * returns 0, the caller refuses (ESTALE). Otherwise
 * remembers the extent of an object at entry 0 (a run) and returns 1.
 */
int cosmosb__arena_may_hold_slow(struct cosmosb_arena *a, uint32_t idx, uint32_t gen)
{
    uint32_t b = cosmosb__aobj_block(a, idx), i = cosmosb__aobj_entry(a, idx);
    if (a->cur_block == b + 1u && i >= a->cur_entry)
        return 0;
    /* Below the cursor, our current block's honest objects end where the cursor's bytes begin: one
     * whose header reaches past them is an old header made to look alive again (or enlarged), and
     * holding it would let the fast path hand out its bytes (found by fuzz/fuzz_arena.c). */
    if (a->cur_block == b + 1u) {
        struct cosmosb__arena_objinfo oi;
        if (cosmosb__arena_header(a, idx, gen, &oi) == COSMOSB_OK &&
            (uint64_t)(oi.at - cosmosb__ablock_data(a, b)) + oi.payload_off + oi.size > a->cur_off)
            return 0;
    }
    /* No other object lives in a block of a run we hold: neither in a tail, nor at another entry of its
     * head block (an old offset there names an old header inside the run; review 24). */
    if (in_held_run(a, b, UINT32_MAX) ||
        (i != 0 && a->counts[(size_t)b << a->g.opb_shift].n != 0 && a->run_blocks[b] > 1u))
        return 0;
    if (i == 0) {
        uint32_t k = head_blocks(a, b, gen);
        if (k > a->g.nblocks - b)
            k = a->g.nblocks - b;
        /* Honest runs never overlap what we hold or our current block: such an extent comes from an old
         * header made to look alive again. Refused, so that it can neither cover the bytes our cursor
         * hands out nor take over the record of a run we hold (review 23). */
        for (uint32_t t = b; t < b + k; t++)
            if ((t != b && a->cur_block == t + 1u) || in_held_run(a, t, b) || (t != b && counted_in(a, t)))
                return 0; /* nor over a block where we hold anything (review 24) */
        note_head(a, b, k);
    }
    return 1;
}

/* ---------------------------------------------------------------- blocks */

/* Tries to take block b for bump allocation; w is its state as last read. */
static int try_claim(struct cosmosb_arena *a, uint32_t b, uint32_t w)
{
    struct cosmosb__arena_block *blk = cosmosb__ablock(a, b);
    if (COSMOSB__BLK_KIND(w) != COSMOSB__BLK_FREE || !may_take_block(a, b))
        return 0;
    /* SC CAS: claims the block against other claimers; acquires its freer's work. */
    if (cosmosb__cas_val_seq_cst(&blk->state, w, COSMOSB__BLK_WORD(COSMOSB__BLK_OWNED, a->self, COSMOSB__BLK_GEN(w))) !=
        w)
        return 0;
    /* Relaxed: aux and used of an owned block are read by others only after
     * its retirement (a CAS), or by reapers after it died. */
    cosmosb__store_relaxed(&blk->aux, 1);
    cosmosb__store_relaxed(&blk->used, 1u << a->g.opb_shift);
    return 1;
}

/* Puts block index + 1 at the head of our private list of retired blocks (once). */
static void remember_retired(struct cosmosb_arena *a, uint32_t b1)
{
    for (uint32_t k = 0; k < COSMOSB__ARENA_RECENT; k++)
        if (a->recent[k] == b1)
            a->recent[k] = 0;
    a->recent[a->recent_head++ % COSMOSB__ARENA_RECENT] = b1;
}

/*
 * Claims a free block for bump allocation; COSMOSB_ENOMEM if none. First
 * the blocks we retired last (private list, newest first: their memory is
 * likely still in our caches; each is returned to the pool first if it has
 * emptied), then the pool from the shared hint, looking at up to
 * max_checks retired blocks on the way (an empty one is returned first).
 */
static int claim_block(struct cosmosb_arena *a, uint32_t *out, uint32_t max_checks)
{
    for (uint32_t k = 0; k < COSMOSB__ARENA_RECENT; k++) {
        uint32_t r = a->recent[(a->recent_head - 1u - k) % COSMOSB__ARENA_RECENT];
        if (r == 0 || r > a->g.nblocks)
            continue;
        cosmosb__arena_block_check(a, r - 1u);
        /* Relaxed: only a filter; the CAS in try_claim decides. */
        if (try_claim(a, r - 1u, cosmosb__load_relaxed(&cosmosb__ablock(a, r - 1u)->state))) {
            a->recent[(a->recent_head - 1u - k) % COSMOSB__ARENA_RECENT] = 0;
            *out = r - 1u;
            return COSMOSB_OK;
        }
    }
    uint32_t checks = 0;
    /* Relaxed: a hint; any value is checked against the bound. */
    uint32_t start = cosmosb__load_relaxed(&a->hdr->alloc_hint);
    if (start >= a->g.nblocks)
        start = 0;
    for (uint32_t n = 0, b = start; n < a->g.nblocks; n++, b++) {
        if (b >= a->g.nblocks)
            b = 0;
        struct cosmosb__arena_block *blk = cosmosb__ablock(a, b);
        /* Relaxed: only a filter; the CAS decides. */
        uint32_t w = cosmosb__load_relaxed(&blk->state);
        if (COSMOSB__BLK_KIND(w) == COSMOSB__BLK_RETIRED && checks < max_checks) {
            checks++; /* an empty retired block on the way is as good as a free one */
            cosmosb__arena_block_check(a, b);
            w = cosmosb__load_relaxed(&blk->state);
        }
        if (!try_claim(a, b, w))
            continue;
        cosmosb__store_relaxed(&a->hdr->alloc_hint, b + 1u < a->g.nblocks ? b + 1u : 0u);
        *out = b;
        return COSMOSB_OK;
    }
    return COSMOSB_ENOMEM;
}

/*
 * Raises block t's tail_gen to generation g unless it is newer already
 * (20-bit serial order). Written before the CAS that makes t a tail, so it
 * is right even if the claimer dies right after that CAS; monotone, so a
 * claimer that read an older FREE word and lost its CAS cannot lower it.
 * So when t is freed as a tail, with tail_gen + 1, that generation is newer
 * than every word t has had.
 */
static void raise_tail_gen(struct cosmosb__arena_block *t, uint32_t g)
{
    /* Relaxed: a value only; the CAS loop is bounded by the number of concurrent raisers (each round
     * either stores or sees a newer value). */
    uint32_t cur = cosmosb__load_relaxed(&t->tail_gen);
    for (uint32_t round = 0; round < 64u; round++) {
        uint32_t ahead = (g - cur) & COSMOSB__BLK_GEN_MASK;
        if (ahead == 0 || ahead > COSMOSB__BLK_GEN_MASK / 2u)
            return; /* cur is g or newer */
        /* SC CAS (the atomics layer has no weaker one; relaxed would do: published by the tail CAS). */
        uint32_t seen = cosmosb__cas_val_seq_cst(&t->tail_gen, cur, g);
        if (seen == cur)
            return;
        cur = seen;
    }
}

/*
 * Returns tail t of the run headed by head to the pool, with the next of
 * its own generations (kept in tail_gen while it was a tail), so that no
 * block state word ever comes back (a stale RETIRED check or orphan CAS
 * would otherwise succeed on a later incarnation). Called only by the one
 * who owns the run's head (its claimer rolling back, or its freer): no
 * other run of this head exists meanwhile, so TAIL(head) is ours.
 */
static void tail_free(struct cosmosb_arena *a, uint32_t head, uint32_t t)
{
    struct cosmosb__arena_block *blk = cosmosb__ablock(a, t);
    uint32_t tw = COSMOSB__BLK_WORD(COSMOSB__BLK_TAIL, 0, head);
    /* Relaxed: written by the run's claimer after its tail CAS, before anything that hands the run to
     * us (its retirement CAS, or our own claim); any value is only a generation. */
    uint32_t gen = cosmosb__load_relaxed(&blk->tail_gen);
    /* SC CAS: only a tail of this head goes back (a block claimed since is left alone). */
    (void)cosmosb__cas_val_seq_cst(&blk->state, tw, COSMOSB__BLK_WORD(COSMOSB__BLK_FREE, 0, gen + 1u));
}

/* Claims k contiguous free blocks (k >= 2); the head is OWNED, the others TAIL(head). */
static int claim_run(struct cosmosb_arena *a, uint32_t k, uint32_t *out)
{
    if (k > a->g.nblocks)
        return COSMOSB_ENOMEM;
    for (uint32_t h = 0; h + k <= a->g.nblocks; h++) {
        uint32_t j;
        for (j = 0; j < k; j++) /* Relaxed: a filter; the CASes decide. */
            if (COSMOSB__BLK_KIND(cosmosb__load_relaxed(&cosmosb__ablock(a, h + j)->state)) != COSMOSB__BLK_FREE ||
                !may_take_block(a, h + j))
                break;
        if (j < k) {
            h += j; /* the next candidate starts after the busy block */
            continue;
        }
        struct cosmosb__arena_block *head = cosmosb__ablock(a, h);
        uint32_t w = cosmosb__load_relaxed(&head->state);
        if (COSMOSB__BLK_KIND(w) != COSMOSB__BLK_FREE)
            continue;
        uint32_t owned = COSMOSB__BLK_WORD(COSMOSB__BLK_OWNED, a->self, COSMOSB__BLK_GEN(w));
        /* SC CAS: claims the head first; a reaper that finds it OWNED by us after our death frees the run by aux. */
        if (cosmosb__cas_val_seq_cst(&head->state, w, owned) != w)
            continue;
        /* Relaxed: published to reapers by our later SC operations. */
        cosmosb__store_relaxed(&head->aux, k);
        cosmosb__store_relaxed(&head->used, 1); /* one object per run */
        for (j = 1; j < k; j++) {
            struct cosmosb__arena_block *t = cosmosb__ablock(a, h + j);
            uint32_t tw = cosmosb__load_relaxed(&t->state);
            if (COSMOSB__BLK_KIND(tw) != COSMOSB__BLK_FREE)
                break;
            raise_tail_gen(t, COSMOSB__BLK_GEN(tw)); /* before the claim: a claimer dying after it leaves it right */
            /* SC CAS: claims a tail. */
            if (cosmosb__cas_val_seq_cst(&t->state, tw, COSMOSB__BLK_WORD(COSMOSB__BLK_TAIL, 0, h)) != tw)
                break;
        }
        if (j == k) {
            *out = h;
            return COSMOSB_OK;
        }
        while (--j >= 1) /* roll back: tails first, then the head */
            tail_free(a, h, h + j);
        /* SC CAS: give the head back. Its aux still says k until its next claim sets it (a FREE block's
         * aux means nothing): were we to die in between, a reaper of ours frees the whole run by it,
         * and no tail of this head is ever left behind (docs/arena.md, "Blocks"). The head goes back
         * with the next generation: no block state word ever comes back. */
        (void)cosmosb__cas_val_seq_cst(&head->state, owned,
                                       COSMOSB__BLK_WORD(COSMOSB__BLK_FREE, 0, COSMOSB__BLK_GEN(w) + 1u));
    }
    return COSMOSB_ENOMEM;
}

/*
 * Returns a run head's blocks to the pool. w is the head's state as the
 * caller knows it: RETIRED(g) as read before the scan that found the run
 * empty (CASed from exactly that word, so a check delayed past the run's
 * free and a new run of the same head fails), or FREEING(me) (a reaper
 * finishing a dead freer's work).
 */
void cosmosb__arena_run_free(struct cosmosb_arena *a, uint32_t b, uint32_t w)
{
    struct cosmosb__arena_block *head = cosmosb__ablock(a, b);
    uint32_t freeing = COSMOSB__BLK_WORD(COSMOSB__BLK_FREEING, a->self, COSMOSB__BLK_GEN(w));
    if (COSMOSB__BLK_KIND(w) == COSMOSB__BLK_RETIRED) {
        /* SC CAS: exactly one freer, of this incarnation of the run. */
        if (cosmosb__cas_val_seq_cst(&head->state, w, freeing) != w)
            return;
    } else if (w != freeing) {
        return;
    }
    /* Relaxed: the run length, bounded by the arena whatever a peer wrote. */
    uint32_t k = cosmosb__load_relaxed(&head->aux);
    if (k > a->g.nblocks - b)
        k = a->g.nblocks - b;
    for (uint32_t j = 1; j < k; j++)
        tail_free(a, b, b + j);
    cosmosb__store_relaxed(&head->aux, 1);
    /* Release: the tails are free before the head is. */
    cosmosb__store_release(&head->state, COSMOSB__BLK_WORD(COSMOSB__BLK_FREE, 0, COSMOSB__BLK_GEN(w) + 1u));
}

/*
 * Returns a RETIRED block to the pool if every entry in it is FREE. A
 * retired block gets no new objects, so entries only go from live to FREE:
 * once a scan sees them all FREE they stay so. Freers do not scan (a free
 * touches no block state); the block is checked when it is retired, when an
 * allocator looks for blocks, and by reapers and stats.
 */
void cosmosb__arena_block_check(struct cosmosb_arena *a, uint32_t b)
{
    struct cosmosb__arena_block *blk = cosmosb__ablock(a, b);
    /* Acquire: a RETIRED state; the CAS below decides. */
    uint32_t w = cosmosb__load_acquire(&blk->state);
    if (COSMOSB__BLK_KIND(w) != COSMOSB__BLK_RETIRED)
        return;
    uint32_t first = b << a->g.opb_shift, n = 1u << a->g.opb_shift;
    /* Relaxed: written before the retirement CAS we acquired; bounded whatever it says. */
    uint32_t used = cosmosb__load_relaxed(&blk->used);
    if (used < n)
        n = used;
    for (uint32_t i = 0; i < n; i++) /* Acquire: an entry's FREE was stored last by its freer. */
        if (COSMOSB__OBJ_STATE(cosmosb__load_acquire(&cosmosb__aobj(a, first + i)->state)) != COSMOSB__OBJ_FREE)
            return;
    COSMOSB__ARENA_POINT(a, COSMOSB__AP_BLOCK_SCANNED, b);
    /* Relaxed: aux of a retired block changes only in run_free (a later incarnation's aux only leads to a
     * CAS from our word w, which then fails). */
    if (cosmosb__load_relaxed(&blk->aux) > 1u) {
        cosmosb__arena_run_free(a, b, w);
        return;
    }
    /* SC CAS: exactly one freer; the generation defeats a stale RETIRED. */
    (void)cosmosb__cas_val_seq_cst(&blk->state, w, COSMOSB__BLK_WORD(COSMOSB__BLK_FREE, 0, COSMOSB__BLK_GEN(w) + 1u));
}

/* Ends bump allocation in block b (owned by part), and frees it if it is empty. */
void cosmosb__arena_retire(struct cosmosb_arena *a, uint32_t b, uint32_t part)
{
    struct cosmosb__arena_block *blk = cosmosb__ablock(a, b);
    if (part == a->self && a->cur_block == b + 1u) {
        cosmosb__store_relaxed(&blk->used, a->cur_entry); /* Relaxed: published by the CAS below */
        clear_offsets(a, b, a->cur_entry); /* entries this life never used keep no old offsets */
    }
    uint32_t w = cosmosb__load_relaxed(&blk->state);
    if (COSMOSB__BLK_KIND(w) != COSMOSB__BLK_OWNED || COSMOSB__BLK_PART(w) != part)
        return;
    /* SC CAS: ends allocation in it; then we see whether it is empty already. */
    if (cosmosb__cas_val_seq_cst(&blk->state, w, COSMOSB__BLK_WORD(COSMOSB__BLK_RETIRED, 0, COSMOSB__BLK_GEN(w))) != w)
        return;
    cosmosb__arena_block_check(a, b);
}

/* ---------------------------------------------------------------- objects */

int cosmosb__arena_entry(const struct cosmosb_arena *a, const cosmosb_ref_t *ref, uint32_t *word)
{
    struct cosmosb__arena_obj *e;
    return cosmosb__arena_lookup(a, ref, &e, word);
}

/*
 * Finds and checks an object's header in data (bounds, magic, identity) and
 * copies it: every field is read once (volatile loads), checked, and used
 * from the copy only. Data is writable by every writer, so a hostile one
 * may change a header at any moment; a field read again after the check
 * (child capacity, payload offset, size) could point anywhere.
 */
int cosmosb__arena_header(const struct cosmosb_arena *a, uint32_t idx, uint32_t gen,
                          struct cosmosb__arena_objinfo *out)
{
    uint32_t b = cosmosb__aobj_block(a, idx), i = cosmosb__aobj_entry(a, idx);
    const uint8_t *bd = cosmosb__ablock_data(a, b);
    uint32_t off = *(const volatile uint32_t *)(const void *)(bd + (uint64_t)i * 4u);
    uint64_t span = a->g.block_size;
    if (i == 0) {
        /* A run head spans aux blocks. Relaxed: bounded below whatever it says. */
        uint32_t k = cosmosb__load_relaxed(&cosmosb__ablock(a, b)->aux);
        if (k > 1u && k <= a->g.nblocks - b)
            span = (uint64_t)k << a->g.block_shift;
    }
    if (off < a->g.first_off || (off & 15u) || (uint64_t)off + COSMOSB_ARENA_OBJECT_HEADER > span)
        return COSMOSB_ECORRUPT;
    const volatile struct cosmosb__arena_objhdr *oh =
        (const volatile struct cosmosb__arena_objhdr *)(const volatile void *)(bd + off);
    uint32_t maxc = oh->max_children, pay = oh->payload_off, size = oh->size;
    if (oh->magic != COSMOSB__ARENA_OBJ_MAGIC || oh->object != idx || oh->generation != gen)
        return COSMOSB_ECORRUPT;
    if (maxc > COSMOSB_ARENA_MAX_CHILDREN || pay != round16(COSMOSB_ARENA_OBJECT_HEADER + 8u * maxc) ||
        (uint64_t)off + pay + size > span)
        return COSMOSB_ECORRUPT;
    out->at = bd + off;
    out->type_id = oh->type_id;
    out->size = size;
    out->max_children = maxc;
    out->payload_off = pay;
    COSMOSB__ARENA_POINT(a, COSMOSB__AP_HEADER_CHECKED, idx);
    return COSMOSB_OK;
}

/*
 * Are the first n entries of block b (one we own) all FREE? Then no object
 * lives in its data, and its owner may bump-allocate in it again from the
 * start without retiring it (no shared state changes: it stays OWNED, its
 * `used` stays the whole block for reapers). Entries of an owned block only
 * go from live to FREE except by our own allocation, so the answer is final.
 */
static int block_empty(const struct cosmosb_arena *a, uint32_t b, uint32_t n)
{
    /* Entry addresses from locals: the acquire loads would make the compiler re-read the handle each time. */
    const uint8_t *e = (const uint8_t *)cosmosb__aobj(a, b << a->g.opb_shift);
    uint32_t stride = a->g.obj_stride;
    for (uint32_t i = 0; i < n; i++, e += stride) /* Acquire: an entry's FREE was stored last by its freer. */
        if (COSMOSB__OBJ_STATE(cosmosb__load_acquire(&((const struct cosmosb__arena_obj *)(const void *)e)->state)) !=
            COSMOSB__OBJ_FREE)
            return 0;
    /* And nothing in it is ours by our own bookkeeping (a scribbled FREE). Only its first n entries can
     * be counted: those from the cursor on never are (section 9, "Its own objects"). */
    return !counted_in_first(a, b, n) && !in_held_run(a, b, UINT32_MAX);
}

/*
 * Takes entry idx (clean FREE of generation gen, in block b which we own)
 * for a new object at byte off of the block: our holder bit, the ALLOC
 * state, the offset table and the object header.
 */
static inline void take_entry(struct cosmosb_arena *a, struct cosmosb__arena_obj *e, uint8_t *wb, uint32_t i,
                              uint32_t idx, uint32_t gen, uint32_t off, uint32_t pay, uint64_t type_id, uint32_t size,
                              uint32_t max_children, cosmosb_ref_t *ref, void **data)
{
    struct cosmosb__arena_objhdr *oh = (struct cosmosb__arena_objhdr *)(void *)(wb + off);
    /* A clean FREE entry of a block we own is written by nobody but us,
     * and its holder words are 0 (a free needs them all clear), so plain
     * stores suffice. Relaxed: published by the release below, so no
     * reaper ever sees an ALLOC object without its holder bit. (A stale
     * acquire elsewhere may set and clear its own bit meanwhile: it backs
     * off when it sees the new state.) */
    cosmosb__store_relaxed(cosmosb__amyhold(a, e), a->mybit);
    /* Relaxed: the entry is ours alone until it is frozen and shared. */
    cosmosb__store_relaxed(&e->graph, 0);
    cosmosb__store_relaxed(&e->nchildren, 0);
    cosmosb__store_relaxed(&e->next, 0);
    /* Release: takes the entry; pairs with reapers' and resolvers' acquire of the state. */
    cosmosb__store_release(&e->state, COSMOSB__OBJ_WORD(COSMOSB__OBJ_ALLOC, 0, gen));
    ((uint32_t *)(void *)wb)[i] = off;
    oh->type_id = type_id;
    oh->size = size;
    oh->max_children = max_children;
    oh->magic = COSMOSB__ARENA_OBJ_MAGIC;
    oh->generation = gen;
    oh->object = idx;
    oh->payload_off = pay;
    a->counts[idx] = (struct cosmosb__arena_count){1, gen};
    *ref = (cosmosb_ref_t){idx, gen, a->arena_id, 0};
    if (data)
        *data = (uint8_t *)oh + pay;
}

/* Points the bump cursor at entry i, byte off of block b (b + 1 == a->cur_block), or at nothing. */
static void set_cursor(struct cosmosb_arena *a, uint32_t i, uint32_t off)
{
    a->cur_entry = i;
    a->cur_off = off;
    if (!a->cur_block) {
        a->cur_limit = 0;
        return;
    }
    uint32_t b = a->cur_block - 1u;
    a->cur_limit = 1u << a->g.opb_shift;
    a->cur_idx = (b << a->g.opb_shift) | i;
    a->cur_e = i < a->cur_limit ? cosmosb__aobj(a, a->cur_idx) : NULL;
    a->cur_wb = a->wdata + ((uint64_t)b << a->g.block_shift);
}

/* Everything but the fast path of cosmosb_arena_alloc: new blocks, runs, reclaiming, reaping. */
COSMOSB__NOINLINE static int alloc_slow(struct cosmosb_arena *a, uint64_t type_id, uint32_t size, uint32_t max_children,
                                        cosmosb_ref_t *ref, void **data)
{
    uint32_t pay = round16(COSMOSB_ARENA_OBJECT_HEADER + 8u * max_children);
    uint64_t need = (uint64_t)pay + round16(size);
    if ((uint64_t)a->g.first_off + need > a->g.data_size)
        return COSMOSB_ENOMEM;
    int big = need > a->g.block_size - a->g.first_off;
    cosmosb__arena_reclaim(a, 2);

    int reaped = 0, rc;
    /* Bounded: each round either uses an entry, skips a stale one (at most
     * objects_per_block per block) or claims another block or run. */
    for (uint32_t round = 0; round < 2u * a->g.nblocks + 64u; round++) {
        uint32_t b = 0, i = 0, off = a->g.first_off;
        if (big) {
            uint32_t k = (uint32_t)((a->g.first_off + need + a->g.block_size - 1u) >> a->g.block_shift);
            rc = claim_run(a, k, &b);
        } else {
            if (a->cur_block && ((a->cur_entry >> a->g.opb_shift) != 0 || a->cur_off + need > a->g.block_size)) {
                if (block_empty(a, a->cur_block - 1u, a->cur_entry)) {
                    /* everything in it was freed: bump again from the start, still OWNED */
                    set_cursor(a, 0, a->g.first_off);
                } else {
                    cosmosb__arena_retire(a, a->cur_block - 1u, a->self);
                    remember_retired(a, a->cur_block);
                    a->cur_block = 0;
                    set_cursor(a, 0, 0);
                }
            }
            rc = COSMOSB_OK;
            if (!a->cur_block) {
                rc = claim_block(a, &b, COSMOSB__ARENA_CLAIM_CHECKS);
                if (rc == COSMOSB_ENOMEM) /* then look at every retired block */
                    rc = claim_block(a, &b, a->g.nblocks);
            }
            if (!a->cur_block && rc == COSMOSB_OK) {
                a->cur_block = b + 1u;
                set_cursor(a, 0, a->g.first_off);
            }
            if (rc == COSMOSB_OK) {
                b = a->cur_block - 1u;
                i = a->cur_entry;
                off = a->cur_off;
            }
        }
        if (rc != COSMOSB_OK) {
            if (reaped)
                return COSMOSB_ENOMEM;
            /* Out of blocks: reclaim our transfers and reap dead participants, then try once more. */
            reaped = 1;
            cosmosb__arena_reclaim(a, a->g.maxt);
            (void)cosmosb__arena_reap_dead(a, 1);
            continue;
        }
        uint32_t idx = (b << a->g.opb_shift) | i;
        struct cosmosb__arena_obj *e = cosmosb__aobj(a, idx);
        /* Acquire: a clean FREE entry was fully released by its freer. */
        uint32_t w = cosmosb__load_acquire(&e->state);
        uint32_t gen = COSMOSB__OBJ_GEN(w);
        /* An entry we hold by our own counts is not free, whatever its word says (a scribble). */
        if (w != COSMOSB__OBJ_WORD(COSMOSB__OBJ_FREE, 0, gen) || a->counts[idx].n != 0) {
            if (big) /* a run head's entry 0 still being cleaned: give the run back, retry */
                cosmosb__arena_retire(a, b, a->self);
            else {
                /* A stale entry (only a scribble, or a block returned to the pool by a forged `used`,
                 * leaves one here): skip it, with its offset cleared, so that no old header of it is
                 * ever found again in this block's new life: a peer that makes it look FROZEN cannot
                 * make us hold bytes we hand out (docs/arena.md, section 9, "Its own objects"). */
                if (a->counts[idx].n == 0)
                    ((uint32_t *)(void *)(a->wdata + ((uint64_t)b << a->g.block_shift)))[i] = 0;
                set_cursor(a, i + 1u, off);
            }
            continue;
        }
        take_entry(a, e, a->wdata + ((uint64_t)b << a->g.block_shift), i, idx, gen, off, pay, type_id, size,
                   max_children, ref, data);
        if (big)
            clear_offsets(a, b, 1); /* the run head's other entries keep no old offsets */
        if (i == 0) /* a run's extent (or 1 block): what our allocator must not take while we hold it */
            note_head(a, b, big ? (uint32_t)((off + need + a->g.block_size - 1u) >> a->g.block_shift) : 1u);
        if (big)
            cosmosb__arena_retire(a, b, a->self); /* one object per run */
        else
            set_cursor(a, i + 1u, off + (uint32_t)need);
        return COSMOSB_OK;
    }
    return COSMOSB_ENOMEM; /* only stale entries found: their freers' reapers will clean them */
}

int cosmosb_arena_alloc(cosmosb_arena_t *a, uint64_t type_id, uint32_t size, uint32_t max_children,
                        cosmosb_ref_t *ref, void **data)
{
    int rc = cosmosb__acheck(a);
    if (rc || !ref)
        return rc ? rc : COSMOSB_EINVAL;
    if (!a->wdata)
        return COSMOSB_EPERM;
    if (max_children > COSMOSB_ARENA_MAX_CHILDREN || size > UINT32_MAX - 16u)
        return COSMOSB_EINVAL;
    uint32_t pay = round16(COSMOSB_ARENA_OBJECT_HEADER + 8u * max_children);
    uint64_t need = (uint64_t)pay + round16(size);
    /* Fast path, straight-line: room in the block we own, its next entry
     * clean, no transfers outstanding to look at. Everything else (and a
     * stale next entry) goes the general way. */
    uint32_t i = a->cur_entry, off = a->cur_off;
    if (COSMOSB__LIKELY(i < a->cur_limit && off + need <= a->g.block_size && a->xfree_n == a->g.maxt)) {
        /* Every handle field is read before the acquire below (which orders later loads after it). */
        struct cosmosb__arena_obj *e = a->cur_e;
        uint8_t *wb = a->cur_wb;
        uint32_t idx = a->cur_idx, stride = a->g.obj_stride;
        /* Acquire: a clean FREE entry was fully released by its freer. */
        uint32_t w = cosmosb__load_acquire(&e->state);
        /* Our counts of the entries from the cursor on are 0 (docs/arena.md, section 9, "Its own
         * objects"): no check of them here. */
        if (COSMOSB__LIKELY(w == COSMOSB__OBJ_WORD(COSMOSB__OBJ_FREE, 0, COSMOSB__OBJ_GEN(w)))) {
            a->cur_entry = i + 1u;
            a->cur_off = off + (uint32_t)need;
            a->cur_idx = idx + 1u;
            a->cur_e = (struct cosmosb__arena_obj *)(void *)((uint8_t *)e + stride); /* one past the block's last: never used */
            take_entry(a, e, wb, i, idx, COSMOSB__OBJ_GEN(w), off, pay, type_id, size, max_children, ref, data);
            return COSMOSB_OK;
        }
    }
    return alloc_slow(a, type_id, size, max_children, ref, data);
}

/* The entry of a reference to an object this participant allocated and has not frozen. */
static inline int own_unfrozen(struct cosmosb_arena *a, const cosmosb_ref_t *ref, struct cosmosb__arena_obj **ep,
                               uint32_t *word)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    if (!a->wdata)
        return COSMOSB_EPERM;
    /* Handle fields first: the acquire in lookup would make the compiler read them again. */
    const struct cosmosb__arena_count *counts = a->counts;
    uint32_t mybit = a->mybit, hold_off = a->hold_off;
    if ((rc = cosmosb__arena_lookup(a, ref, ep, word)) != 0)
        return rc;
    if (COSMOSB__OBJ_STATE(*word) != COSMOSB__OBJ_ALLOC)
        return COSMOSB__OBJ_IS_FROZEN(COSMOSB__OBJ_STATE(*word)) ? COSMOSB_ESTATE : COSMOSB_ESTALE;
    /* Relaxed: our own bit, set by us. */
    if (COSMOSB__OWN(counts[ref->object].n) == 0 || counts[ref->object].gen != COSMOSB__OBJ_GEN(*word) ||
        !(cosmosb__load_relaxed((cosmosb__au32 *)(void *)((uint8_t *)*ep + hold_off)) & mybit))
        return COSMOSB_ESTATE;
    return COSMOSB_OK;
}

int cosmosb_arena_writable(cosmosb_arena_t *a, const cosmosb_ref_t *ref, void **data, uint32_t *size)
{
    uint32_t w;
    struct cosmosb__arena_obj *e;
    int rc = own_unfrozen(a, ref, &e, &w);
    if (rc)
        return rc;
    if (!data)
        return COSMOSB_EINVAL;
    struct cosmosb__arena_objinfo oi;
    if ((rc = cosmosb__arena_header(a, ref->object, COSMOSB__OBJ_GEN(w), &oi)) != 0)
        return rc;
    uint64_t pos = (uint64_t)(oi.at - a->data) + oi.payload_off;
    *data = a->wdata + pos;
    if (size)
        *size = oi.size;
    return COSMOSB_OK;
}

int cosmosb_arena_freeze(cosmosb_arena_t *a, const cosmosb_ref_t *ref)
{
    uint32_t w;
    struct cosmosb__arena_obj *e;
    int rc = own_unfrozen(a, ref, &e, &w);
    if (rc)
        return rc;
    /* Release: everything written to the object before is visible to whoever
     * acquires the FROZEN state. A plain store: an ALLOC object we hold is
     * changed by nobody else (a free needs our bit clear). */
    cosmosb__store_release(&e->state, COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, COSMOSB__OBJ_GEN(w)));
    return COSMOSB_OK;
}

/* A frozen object's entry and header. */
static int frozen(struct cosmosb_arena *a, const cosmosb_ref_t *ref, uint32_t *word,
                  struct cosmosb__arena_objinfo *oh)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    if ((rc = cosmosb__arena_entry(a, ref, word)) != 0)
        return rc;
    uint32_t s = COSMOSB__OBJ_STATE(*word);
    if (!COSMOSB__OBJ_IS_FROZEN(s))
        return s == COSMOSB__OBJ_ALLOC ? COSMOSB_ESTATE : COSMOSB_ESTALE;
    return oh ? cosmosb__arena_header(a, ref->object, COSMOSB__OBJ_GEN(*word), oh) : COSMOSB_OK;
}

int cosmosb_arena_resolve(cosmosb_arena_t *a, const cosmosb_ref_t *ref, uint64_t type_id, const void **data,
                          uint32_t *size)
{
    uint32_t w;
    struct cosmosb__arena_objinfo oi;
    int rc = frozen(a, ref, &w, &oi);
    if (rc)
        return rc;
    if (type_id && oi.type_id != type_id)
        return COSMOSB_ETYPE;
    if (data)
        *data = oi.at + oi.payload_off;
    if (size)
        *size = oi.size;
    return COSMOSB_OK;
}

int cosmosb_arena_inspect(cosmosb_arena_t *a, const cosmosb_ref_t *ref, uint64_t *type_id, cosmosb_ref_t *children,
                          uint32_t max, uint32_t *count)
{
    uint32_t w;
    struct cosmosb__arena_objinfo oi;
    int rc = frozen(a, ref, &w, &oi);
    if (rc)
        return rc;
    if (max && !children)
        return COSMOSB_EINVAL;
    /* Relaxed: fixed once the object is frozen (changed only by add_child before). */
    uint32_t n = cosmosb__load_relaxed(&cosmosb__aobj(a, ref->object)->nchildren);
    if (n > oi.max_children)
        return COSMOSB_ECORRUPT;
    /* Within the checked header: the list holds max_children entries before the payload. */
    const volatile struct cosmosb__arena_child *c =
        (const volatile struct cosmosb__arena_child *)(const volatile void *)(oi.at + COSMOSB_ARENA_OBJECT_HEADER);
    for (uint32_t k = 0; k < n && k < max; k++)
        children[k] = (cosmosb_ref_t){c[k].object, c[k].generation, a->arena_id, 0};
    if (type_id)
        *type_id = oi.type_id;
    if (count)
        *count = n;
    return COSMOSB_OK;
}

int cosmosb_arena_acquire(cosmosb_arena_t *a, const cosmosb_ref_t *ref)
{
    uint32_t w;
    int rc = frozen(a, ref, &w, NULL);
    if (rc)
        return rc;
    uint32_t idx = ref->object;
    struct cosmosb__arena_count *c = &a->counts[idx];
    if (c->n) {
        /* We count an older object at this entry (only after another writer allocated over it): the new
         * one is refused until that count is gone (docs/arena.md, section 9). */
        if (c->gen != COSMOSB__OBJ_GEN(w))
            return COSMOSB_ESTALE;
        if (COSMOSB__OWN(c->n) == 0xffffu)
            return COSMOSB_EOVERFLOW;
        c->n++;
        return COSMOSB_OK;
    }
    if (!cosmosb__arena_may_hold(a, idx, COSMOSB__OBJ_GEN(w)))
        return COSMOSB_ESTALE;
    cosmosb__au32 *hold = cosmosb__aholders(a, idx);
    /* SC: set our bit, then look again: a freer that decided before our bit
     * was set has changed the state, and we back off; one that looks after
     * sees the bit; a closer still looking is stopped (docs/arena.md, "Acquire"). */
    (void)cosmosb__fetch_or_seq_cst(&hold[a->myw], a->mybit);
    if (!cosmosb__arena_hold_check(a, idx, COSMOSB__OBJ_GEN(w))) {
        (void)cosmosb__fetch_and_seq_cst(&hold[a->myw], ~a->mybit);
        /* Our transient bit may have made a last releaser of whatever lives in the entry now
         * leave the free to us: check (docs/arena.md, "Acquire"). */
        cosmosb__arena_try_free(a, idx);
        return COSMOSB_ESTALE;
    }
    *c = (struct cosmosb__arena_count){1, COSMOSB__OBJ_GEN(w)};
    return COSMOSB_OK;
}

void cosmosb__arena_drop_bit(struct cosmosb_arena *a, uint32_t idx, uint32_t part)
{
    /* SC: ordered before the emptiness check of try_free (ours or another's). */
    (void)cosmosb__fetch_and_seq_cst(&cosmosb__aholders(a, idx)[part >> 5], ~(1u << (part & 31u)));
}

/* Sole holder release with several holder words (docs/arena.md, "Closing"); as sole_release. */
COSMOSB__NOINLINE static int sole_release_words(struct cosmosb_arena *a, uint32_t idx, struct cosmosb__arena_obj *e,
                                                uint32_t w)
{
    uint32_t s = COSMOSB__OBJ_STATE(w), gen = COSMOSB__OBJ_GEN(w);
    uint32_t closing = COSMOSB__OBJ_WORD(COSMOSB__OBJ_CLOSING, a->self + 1u, gen);
    uint32_t dying = COSMOSB__OBJ_WORD(COSMOSB__OBJ_DYING, a->self + 1u, gen);
    /* An ALLOC object gets no new holder (taking a reference needs it FROZEN),
     * so reading the words one by one is enough. A FROZEN one is closed first
     * (SC CAS: before the loads below; it fails if another closer that read
     * our word before our bit was set got there first, or on a scribbled
     * word: then the slow path). */
    if (s == COSMOSB__OBJ_FROZEN && cosmosb__cas_val_seq_cst(&e->state, w, closing) != w)
        return 0;
    cosmosb__au32 *hold = cosmosb__aholders(a, idx);
    int sole = 1;
    for (uint32_t k = 0; sole && k < a->g.hw; k++) /* SC loads: after the close. */
        sole = cosmosb__load_seq_cst(&hold[k]) == (k == a->myw ? a->mybit : 0u);
    /* SC: after the holder words; changed only under the graph lock.
     * Relaxed: nchildren is fixed once frozen; while ALLOC only we change it. */
    sole = sole && cosmosb__load_seq_cst(&e->graph) == 0 && cosmosb__load_relaxed(&e->nchildren) == 0;
    if (s == COSMOSB__OBJ_ALLOC) {
        if (!sole)
            return 0;
        /* Release: a plain store, as nobody else changes an ALLOC object we hold. */
        cosmosb__store_release(&e->state, dying);
    } else if (!sole || cosmosb__cas_val_seq_cst(&e->state, closing, dying) != closing) {
        /* SC CAS: somebody else holds it, or a new holder reopened it: reopen
         * (unless it did already) and take the slow path. */
        (void)cosmosb__cas_val_seq_cst(&e->state, closing, COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, gen));
        return 0;
    }
    /* Release: after DYING, so whoever sees our bit gone also sees DYING. Our word's other bits are 0 or
     * transient bits of stale acquirers, who clear their own anyway. */
    cosmosb__store_release(&hold[a->myw], 0);
    cosmosb__arena_finish_free(a, idx, gen);
    return 1;
}

/*
 * Sole holder fast path of the last release (docs/arena.md, "Release"): if
 * our bit is the only one set, no parent holds the object and it has no
 * children, nobody else can change its state (every free needs all bits
 * clear, and no new holder can appear without a lender or a LIVE transfer,
 * both of which hold a bit), so we take it to DYING with a plain store
 * while our bit still pins it, then clear the bit and free it: no
 * read-modify-write at all (with one holder word; with several, see
 * sole_release_words). w is the object's state word as we read it after
 * our last reference went. Returns 0, having changed nothing, if the path
 * does not apply.
 */
static inline int sole_release(struct cosmosb_arena *a, uint32_t idx, struct cosmosb__arena_obj *e, uint32_t w)
{
    uint32_t s = COSMOSB__OBJ_STATE(w);
    if ((s != COSMOSB__OBJ_ALLOC && s != COSMOSB__OBJ_FROZEN) || COSMOSB__OBJ_AUX(w) != 0)
        return 0;
    /* Several holder words cannot be read at once: see sole_release_words. */
    if (a->g.hw != 1)
        return sole_release_words(a, idx, e, w);
    cosmosb__au32 *mine = cosmosb__amyhold(a, e);
    /* Acquire loads, holder word before graph: a holder that dropped its bit
     * after raising the graph count (add_child) is seen with its raise. */
    if (cosmosb__load_acquire(mine) != a->mybit)
        return 0;
    /* Acquire: after the holder words (above); changed only under the graph lock. */
    if (cosmosb__load_acquire(&e->graph) != 0 ||
        /* Relaxed: fixed once frozen; while ALLOC only we change it (add_child). */
        cosmosb__load_relaxed(&e->nchildren) != 0)
        return 0;
    uint32_t gen = COSMOSB__OBJ_GEN(w);
    /* Release: after the loads above; a plain store, as nobody else changes the state while our bit is set. */
    cosmosb__store_release(&e->state, COSMOSB__OBJ_WORD(COSMOSB__OBJ_DYING, a->self + 1u, gen));
    /* Release: after DYING, so whoever sees our bit gone also sees DYING (its try_free CAS fails). A plain
     * store: the word's other bits are 0 or transient bits of stale acquirers, who clear their own anyway. */
    cosmosb__store_release(mine, 0);
    cosmosb__arena_finish_free(a, idx, gen);
    return 1;
}

/* Our last reference to idx went: drop our bit and free the object if nobody holds it. */
void cosmosb__arena_unref_own(struct cosmosb_arena *a, uint32_t idx)
{
    struct cosmosb__arena_obj *e = cosmosb__aobj(a, idx);
    /* Relaxed: nobody but us changes the state of an object our bit holds; any value is checked. */
    if (sole_release(a, idx, e, cosmosb__load_relaxed(&e->state)))
        return;
    cosmosb__arena_drop_bit(a, idx, a->self);
    cosmosb__arena_try_free(a, idx);
}

/* Are all holder words of e zero? SC loads, one word after another. */
static int holders_clear(const struct cosmosb_arena *a, uint32_t idx)
{
    cosmosb__au32 *hold = cosmosb__aholders(a, idx);
    for (uint32_t k = 0; k < a->g.hw; k++)
        if (cosmosb__load_seq_cst(&hold[k]) != 0)
            return 0;
    return 1;
}

/*
 * The free decision, after a holder bit or a graph count of idx went down
 * (ours or a dead participant's): returns 1 if nobody holds idx any more
 * and we moved it to DYING(me), 0 otherwise (somebody holds it, or another
 * participant is deciding and will finish the job). docs/arena.md, "Release"
 * and "Closing".
 *
 * With one holder word, one SC load sees every holder at once: no holder
 * and no parent then means no holder can appear any more (taking a
 * reference needs an existing one), so a CAS to DYING is the decision. With
 * several words the loads are not one snapshot: a holder can appear in a
 * word already read while its lender leaves from one not read yet. So a
 * FROZEN object is first CLOSED (CAS to CLOSING(me)) and the words are read
 * again: whoever sets a holder bit afterwards also CASes CLOSING back to
 * FROZEN before it counts as a holder (hold_check), so our CAS CLOSING ->
 * DYING succeeds only if no holder appeared since the close. If we see a
 * holder, we reopen (CAS back to FROZEN) and look again: a holder that left
 * while we were closing saw CLOSING and left the decision to us. An ALLOC
 * object gets no new holders (taking a reference needs it FROZEN).
 */
int cosmosb__arena_decide_free(struct cosmosb_arena *a, uint32_t idx)
{
    struct cosmosb__arena_obj *e = cosmosb__aobj(a, idx);
    for (uint32_t round = 0; round < COSMOSB__OBJ_CLOSE_ROUNDS; round++) {
        /* SC loads: after the caller's own change (a cleared bit or graph count),
         * so that of two last droppers at least one sees everything clear. */
        uint32_t w = cosmosb__load_seq_cst(&e->state);
        uint32_t s = COSMOSB__OBJ_STATE(w), gen = COSMOSB__OBJ_GEN(w);
        if ((s != COSMOSB__OBJ_ALLOC && s != COSMOSB__OBJ_FROZEN) || COSMOSB__OBJ_AUX(w))
            return 0; /* already freed or being freed, or CLOSING: its closer decides */
        /* SC, the graph count after the holder words: add_child raises the count
         * before its caller drops its bit, so seeing that bit gone means seeing the raise. */
        if (!holders_clear(a, idx) || cosmosb__load_seq_cst(&e->graph) != 0)
            return 0;
        uint32_t dying = COSMOSB__OBJ_WORD(COSMOSB__OBJ_DYING, a->self + 1u, gen);
        if (a->g.hw == 1 || s == COSMOSB__OBJ_ALLOC)
            /* SC CAS: exactly one freer; nobody can take a reference any more
             * (acquire backs off when it sees the state change). */
            return cosmosb__cas_val_seq_cst(&e->state, w, dying) == w;
        uint32_t closing = COSMOSB__OBJ_WORD(COSMOSB__OBJ_CLOSING, a->self + 1u, gen);
        /* SC CAS: close; from now on a new holder reopens it before it holds. */
        if (cosmosb__cas_val_seq_cst(&e->state, w, closing) != w)
            continue;
        /* SC loads: every word read after the close. */
        if (holders_clear(a, idx) && cosmosb__load_seq_cst(&e->graph) == 0) {
            /* SC CAS: fails only if a new holder reopened it; then look again. */
            if (cosmosb__cas_val_seq_cst(&e->state, closing, dying) == closing)
                return 1;
            continue;
        }
        /* SC CAS: reopen (unless a new holder did already), then look again. */
        (void)cosmosb__cas_val_seq_cst(&e->state, closing, COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, gen));
    }
    return 0; /* holders kept coming and going for all the rounds (only a hostile peer does that) */
}

/*
 * After setting our holder bit on idx (SC): is it still FROZEN in
 * generation gen? A CLOSING of that generation is reopened (CAS back to
 * FROZEN): we hold it now, so its closer must not free it.
 */
int cosmosb__arena_hold_check(struct cosmosb_arena *a, uint32_t idx, uint32_t gen)
{
    struct cosmosb__arena_obj *e = cosmosb__aobj(a, idx);
    uint32_t frozen = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, gen);
    for (uint32_t round = 0; round < COSMOSB__OBJ_CLOSE_ROUNDS; round++) {
        /* SC: after our SC bit set (docs/arena.md, "Acquire"). */
        uint32_t w = cosmosb__load_seq_cst(&e->state);
        if (w == frozen)
            return 1;
        if (COSMOSB__OBJ_STATE(w) != COSMOSB__OBJ_CLOSING || COSMOSB__OBJ_GEN(w) != (gen & COSMOSB__OBJ_GEN_MASK))
            return 0;
        /* SC CAS: against the closer's CAS to DYING; whoever wins decides. */
        if (cosmosb__cas_val_seq_cst(&e->state, w, frozen) == w)
            return 1;
    }
    return 0;
}

void cosmosb__arena_try_free(struct cosmosb_arena *a, uint32_t idx)
{
    if (cosmosb__arena_decide_free(a, idx))
        cosmosb__arena_free_dying(a, idx);
}

/* idx is DYING with us as its freer: release its children, then free it. */
void cosmosb__arena_free_dying(struct cosmosb_arena *a, uint32_t idx)
{
    /* Relaxed: changed only under the graph lock, by add_child of its allocator (gone now). */
    if (cosmosb__load_relaxed(&cosmosb__aobj(a, idx)->nchildren) == 0) {
        cosmosb__arena_finish_free(a, idx, COSMOSB__OBJ_GEN(cosmosb__load_relaxed(&cosmosb__aobj(a, idx)->state)));
        return;
    }
    if (cosmosb__arena_lock(a) != COSMOSB_OK) {
        /* The lock stayed held by a participant that looks alive (stuck, or a forged word): the free is
         * undone (FROZEN with no holder; SC CAS: it is ours while DYING(me)), and the next poll looks for
         * such objects again (docs/arena.md, "Graph lock"): any participant's, so it does not matter
         * whether we poll again or leave. */
        uint32_t gen = COSMOSB__OBJ_GEN(cosmosb__load_relaxed(&cosmosb__aobj(a, idx)->state));
        (void)cosmosb__cas_val_seq_cst(&cosmosb__aobj(a, idx)->state,
                                       COSMOSB__OBJ_WORD(COSMOSB__OBJ_DYING, a->self + 1u, gen),
                                       COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, gen));
        /* SC: after the undo, so a poller that clears the flag sees the object FROZEN. */
        cosmosb__store_seq_cst(&a->hdr->put_off, 1);
        return;
    }
    cosmosb__arena_push_dying(a, idx);
    cosmosb__arena_process_dying(a);
    cosmosb__arena_unlock(a);
}

/*
 * The last step of a free, by the freer named in DYING: FREE with the next
 * generation (every old reference is stale from now on). The object's block
 * is returned to the pool later by whoever checks it (block_check), except a
 * run, whose one object is this one: the run goes back at once.
 */
void cosmosb__arena_finish_free(struct cosmosb_arena *a, uint32_t idx, uint32_t gen)
{
    struct cosmosb__arena_obj *e = cosmosb__aobj(a, idx);
    /* Release: pairs with block_check's acquire: our reads of the object are done. */
    cosmosb__store_release(&e->state, COSMOSB__OBJ_WORD(COSMOSB__OBJ_FREE, 0, gen + 1u));
    if (cosmosb__aobj_entry(a, idx) == 0) {
        uint32_t b = cosmosb__aobj_block(a, idx);
        /* Relaxed: a filter; block_check re-reads the state with acquire. */
        if (cosmosb__load_relaxed(&cosmosb__ablock(a, b)->aux) > 1u)
            cosmosb__arena_block_check(a, b);
    }
}

int cosmosb_arena_release(cosmosb_arena_t *a, const cosmosb_ref_t *ref)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    /* Handle fields first: the acquire in lookup would make the compiler read them again. */
    struct cosmosb__arena_count *counts = a->counts;
    struct cosmosb__arena_obj *e;
    uint32_t w;
    if ((rc = cosmosb__arena_lookup(a, ref, &e, &w)) != 0)
        return rc;
    uint32_t s = COSMOSB__OBJ_STATE(w);
    if (s != COSMOSB__OBJ_ALLOC && !COSMOSB__OBJ_IS_FROZEN(s))
        return COSMOSB_ESTALE;
    uint32_t idx = ref->object, c = counts[idx].n;
    /* One compare for the generation too: w's is the reference's (lookup). */
    if (COSMOSB__OWN(c) == 0 || counts[idx].gen != COSMOSB__OBJ_GEN(w))
        return COSMOSB_ESTATE;
    counts[idx].n = --c;
    /* w is the state now: nobody else changes the state of an object our bit holds. */
    if (c == 0 && !sole_release(a, idx, e, w)) {
        cosmosb__arena_drop_bit(a, idx, a->self);
        cosmosb__arena_try_free(a, idx);
    }
    if (a->xfree_n != a->g.maxt)
        cosmosb__arena_reclaim(a, 2);
    return COSMOSB_OK;
}

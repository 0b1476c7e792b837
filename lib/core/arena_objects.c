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

static uint32_t round16(uint32_t v)
{
    return (v + 15u) & ~15u;
}

/* ---------------------------------------------------------------- blocks */

/* Claims a free block for bump allocation; COSMOSB_ENOMEM if none. */
static int claim_block(struct cosmosb_arena *a, uint32_t *out)
{
    /* Relaxed: a hint; any value is checked against the bound. */
    uint32_t start = cosmosb__load_relaxed(&a->hdr->alloc_hint);
    if (start >= a->g.nblocks)
        start = 0;
    for (uint32_t n = 0, b = start; n < a->g.nblocks; n++, b++) {
        if (b >= a->g.nblocks)
            b = 0;
        struct cosmosb__arena_block *blk = cosmosb__ablock(a, b);
        /* Relaxed: only a filter; the CAS below decides. */
        uint32_t w = cosmosb__load_relaxed(&blk->state);
        if (COSMOSB__BLK_KIND(w) != COSMOSB__BLK_FREE)
            continue;
        /* SC CAS: claims the block against other claimers; acquires its freer's work. */
        if (cosmosb__cas_val_seq_cst(&blk->state, w, COSMOSB__BLK_WORD(COSMOSB__BLK_OWNED, a->self,
                                                                         COSMOSB__BLK_GEN(w))) != w)
            continue;
        /* Relaxed: aux of an owned block is read only by the owner, and by reapers after it died. */
        cosmosb__store_relaxed(&blk->aux, 1);
        cosmosb__store_relaxed(&a->hdr->alloc_hint, b + 1u < a->g.nblocks ? b + 1u : 0u);
        *out = b;
        return COSMOSB_OK;
    }
    return COSMOSB_ENOMEM;
}

static void tail_free(struct cosmosb_arena *a, uint32_t head, uint32_t t)
{
    struct cosmosb__arena_block *blk = cosmosb__ablock(a, t);
    uint32_t tw = COSMOSB__BLK_WORD(COSMOSB__BLK_TAIL, 0, head);
    /* SC CAS: only a tail of this head goes back (a block claimed since is left alone). */
    (void)cosmosb__cas_val_seq_cst(&blk->state, tw, COSMOSB__BLK_WORD(COSMOSB__BLK_FREE, 0, head + t));
}

/* Claims k contiguous free blocks (k >= 2); the head is OWNED, the others TAIL(head). */
static int claim_run(struct cosmosb_arena *a, uint32_t k, uint32_t *out)
{
    if (k > a->g.nblocks)
        return COSMOSB_ENOMEM;
    for (uint32_t h = 0; h + k <= a->g.nblocks; h++) {
        uint32_t j;
        for (j = 0; j < k; j++) /* Relaxed: a filter; the CASes decide. */
            if (COSMOSB__BLK_KIND(cosmosb__load_relaxed(&cosmosb__ablock(a, h + j)->state)) != COSMOSB__BLK_FREE)
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
        for (j = 1; j < k; j++) {
            struct cosmosb__arena_block *t = cosmosb__ablock(a, h + j);
            uint32_t tw = cosmosb__load_relaxed(&t->state);
            if (COSMOSB__BLK_KIND(tw) != COSMOSB__BLK_FREE ||
                /* SC CAS: claims a tail. */
                cosmosb__cas_val_seq_cst(&t->state, tw, COSMOSB__BLK_WORD(COSMOSB__BLK_TAIL, 0, h)) != tw)
                break;
        }
        if (j == k) {
            *out = h;
            return COSMOSB_OK;
        }
        while (--j >= 1) /* roll back: tails first, then the head */
            tail_free(a, h, h + j);
        cosmosb__store_relaxed(&head->aux, 1);
        /* SC CAS: give the head back. */
        (void)cosmosb__cas_val_seq_cst(&head->state, owned, w);
    }
    return COSMOSB_ENOMEM;
}

/* Returns a run head's blocks to the pool (the head is RETIRED and empty, or FREEING by us). */
void cosmosb__arena_run_free(struct cosmosb_arena *a, uint32_t b)
{
    struct cosmosb__arena_block *head = cosmosb__ablock(a, b);
    /* SC: the state decides who frees. */
    uint32_t w = cosmosb__load_seq_cst(&head->state);
    uint32_t freeing = COSMOSB__BLK_WORD(COSMOSB__BLK_FREEING, a->self, COSMOSB__BLK_GEN(w));
    if (COSMOSB__BLK_KIND(w) == COSMOSB__BLK_RETIRED) {
        /* SC CAS: exactly one freer. */
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

/* Frees a RETIRED block whose live bits are all clear. */
void cosmosb__arena_block_check(struct cosmosb_arena *a, uint32_t b)
{
    struct cosmosb__arena_block *blk = cosmosb__ablock(a, b);
    /* SC: ordered after our own live-bit clear or retirement (the other side checks after its change). */
    uint32_t w = cosmosb__load_seq_cst(&blk->state);
    if (COSMOSB__BLK_KIND(w) != COSMOSB__BLK_RETIRED)
        return;
    uint32_t words = (1u << a->g.opb_shift) >> 5;
    for (uint32_t i = 0; i < words; i++)
        if (cosmosb__load_seq_cst(cosmosb__alive_word(a, b, i << 5)) != 0) /* SC: as above */
            return;
    /* Relaxed: aux of a retired block changes only in run_free. */
    if (cosmosb__load_relaxed(&blk->aux) > 1u) {
        cosmosb__arena_run_free(a, b);
        return;
    }
    /* SC CAS: exactly one freer; the generation defeats a stale RETIRED. */
    (void)cosmosb__cas_val_seq_cst(&blk->state, w, COSMOSB__BLK_WORD(COSMOSB__BLK_FREE, 0, COSMOSB__BLK_GEN(w) + 1u));
}

/* Ends bump allocation in block b (owned by part), and frees it if it is empty. */
void cosmosb__arena_retire(struct cosmosb_arena *a, uint32_t b, uint32_t part)
{
    struct cosmosb__arena_block *blk = cosmosb__ablock(a, b);
    uint32_t w = cosmosb__load_relaxed(&blk->state);
    if (COSMOSB__BLK_KIND(w) != COSMOSB__BLK_OWNED || COSMOSB__BLK_PART(w) != part)
        return;
    /* SC CAS: the retirement is ordered before our look at the live bits (block_check). */
    if (cosmosb__cas_val_seq_cst(&blk->state, w, COSMOSB__BLK_WORD(COSMOSB__BLK_RETIRED, 0, COSMOSB__BLK_GEN(w))) != w)
        return;
    cosmosb__arena_block_check(a, b);
}

/* ---------------------------------------------------------------- objects */

int cosmosb__arena_entry(const struct cosmosb_arena *a, const cosmosb_ref_t *ref, uint32_t *word)
{
    if (!ref)
        return COSMOSB_EINVAL;
    if (ref->arena_id != a->arena_id || ref->object >= a->g.nobjects)
        return COSMOSB_ERANGE;
    /* Acquire: pairs with the freeze (release) and with the allocation's publication. */
    uint32_t w = cosmosb__load_acquire(&cosmosb__aobj(a, ref->object)->state);
    if (COSMOSB__OBJ_GEN(w) != (ref->generation & COSMOSB__OBJ_GEN_MASK) ||
        ref->generation > COSMOSB__OBJ_GEN_MASK)
        return COSMOSB_ESTALE;
    *word = w;
    return COSMOSB_OK;
}

/* Finds and checks an object's header in data (bounds, magic, identity). */
int cosmosb__arena_header(const struct cosmosb_arena *a, uint32_t idx, uint32_t gen,
                          const struct cosmosb__arena_objhdr **out)
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
    const struct cosmosb__arena_objhdr *oh = (const struct cosmosb__arena_objhdr *)(const void *)(bd + off);
    uint32_t maxc = oh->max_children, pay = oh->payload_off, size = oh->size;
    if (oh->magic != COSMOSB__ARENA_OBJ_MAGIC || oh->object != idx || oh->generation != gen)
        return COSMOSB_ECORRUPT;
    if (maxc > COSMOSB_ARENA_MAX_CHILDREN || pay != round16(COSMOSB_ARENA_OBJECT_HEADER + 8u * maxc) ||
        (uint64_t)off + pay + size > span)
        return COSMOSB_ECORRUPT;
    *out = oh;
    return COSMOSB_OK;
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
    if ((uint64_t)a->g.first_off + need > a->g.data_size)
        return COSMOSB_ENOMEM;
    int big = need > a->g.block_size - a->g.first_off;
    cosmosb__arena_reclaim(a, 2);

    int reaped = 0;
    /* Bounded: each round either uses an entry, skips a stale one (at most
     * objects_per_block per block) or claims another block or run. */
    for (uint32_t round = 0; round < 2u * a->g.nblocks + 64u; round++) {
        uint32_t b = 0, i = 0, off = a->g.first_off;
        if (big) {
            uint32_t k = (uint32_t)((a->g.first_off + need + a->g.block_size - 1u) >> a->g.block_shift);
            rc = claim_run(a, k, &b);
        } else {
            if (a->cur_block && ((a->cur_entry >> a->g.opb_shift) != 0 || a->cur_off + need > a->g.block_size)) {
                cosmosb__arena_retire(a, a->cur_block - 1u, a->self);
                a->cur_block = 0;
            }
            rc = COSMOSB_OK;
            if (!a->cur_block && (rc = claim_block(a, &b)) == COSMOSB_OK) {
                a->cur_block = b + 1u;
                a->cur_entry = 0;
                a->cur_off = a->g.first_off;
            }
            if (rc == COSMOSB_OK) {
                b = a->cur_block - 1u;
                i = a->cur_entry++;
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
        cosmosb__au32 *hold = cosmosb__aholders(a, idx);
        /* Acquire: a clean FREE entry was fully released by its freer. */
        uint32_t w = cosmosb__load_acquire(&e->state);
        uint32_t gen = COSMOSB__OBJ_GEN(w);
        if (w != COSMOSB__OBJ_WORD(COSMOSB__OBJ_FREE, 0, gen)) {
            if (big) /* a run head's entry 0 still being cleaned: give the run back, retry */
                cosmosb__arena_retire(a, b, a->self);
            continue; /* a stale entry (its freer has not finished): skip it */
        }
        /* SC: our holder bit is set before the object becomes ALLOC, so no
         * reaper ever sees an ALLOC object without a holder. */
        (void)cosmosb__fetch_or_seq_cst(&hold[a->myw], a->mybit);
        /* SC CAS: takes the entry. */
        if (cosmosb__cas_val_seq_cst(&e->state, w, COSMOSB__OBJ_WORD(COSMOSB__OBJ_ALLOC, 0, gen)) != w) {
            (void)cosmosb__fetch_and_seq_cst(&hold[a->myw], ~a->mybit);
            if (big)
                cosmosb__arena_retire(a, b, a->self);
            continue;
        }
        if (!big)
            a->cur_off += (uint32_t)need;
        /* Relaxed: the entry is ours alone until it is frozen and shared. */
        cosmosb__store_relaxed(&e->graph, 0);
        cosmosb__store_relaxed(&e->nchildren, 0);
        cosmosb__store_relaxed(&e->next, 0);
        uint8_t *wb = a->wdata + ((uint64_t)b << a->g.block_shift);
        ((uint32_t *)(void *)wb)[i] = off;
        struct cosmosb__arena_objhdr *oh = (struct cosmosb__arena_objhdr *)(void *)(wb + off);
        oh->type_id = type_id;
        oh->size = size;
        oh->max_children = max_children;
        oh->magic = COSMOSB__ARENA_OBJ_MAGIC;
        oh->generation = gen;
        oh->object = idx;
        oh->payload_off = pay;
        /* SC: the entry's live bit keeps its block out of the pool. */
        (void)cosmosb__fetch_or_seq_cst(cosmosb__alive_word(a, b, i), 1u << (i & 31u));
        if (big)
            cosmosb__arena_retire(a, b, a->self); /* one object per run */
        a->counts[idx] = 1;
        *ref = (cosmosb_ref_t){idx, gen, a->arena_id, 0};
        if (data)
            *data = (uint8_t *)oh + pay;
        return COSMOSB_OK;
    }
    return COSMOSB_ENOMEM; /* only stale entries found: their freers' reapers will clean them */
}

/* The entry of a reference to an object this participant allocated and has not frozen. */
static int own_unfrozen(struct cosmosb_arena *a, const cosmosb_ref_t *ref, uint32_t *word)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    if (!a->wdata)
        return COSMOSB_EPERM;
    if ((rc = cosmosb__arena_entry(a, ref, word)) != 0)
        return rc;
    if (COSMOSB__OBJ_STATE(*word) != COSMOSB__OBJ_ALLOC)
        return COSMOSB__OBJ_STATE(*word) == COSMOSB__OBJ_FROZEN ? COSMOSB_ESTATE : COSMOSB_ESTALE;
    /* Relaxed: our own bit, set by us. */
    if (COSMOSB__OWN(a->counts[ref->object]) == 0 || !(cosmosb__load_relaxed(&cosmosb__aholders(a, ref->object)[a->myw]) & a->mybit))
        return COSMOSB_ESTATE;
    return COSMOSB_OK;
}

int cosmosb_arena_writable(cosmosb_arena_t *a, const cosmosb_ref_t *ref, void **data, uint32_t *size)
{
    uint32_t w;
    int rc = own_unfrozen(a, ref, &w);
    if (rc)
        return rc;
    if (!data)
        return COSMOSB_EINVAL;
    const struct cosmosb__arena_objhdr *oh;
    if ((rc = cosmosb__arena_header(a, ref->object, COSMOSB__OBJ_GEN(w), &oh)) != 0)
        return rc;
    uint64_t pos = (uint64_t)((const uint8_t *)oh - a->data) + oh->payload_off;
    *data = a->wdata + pos;
    if (size)
        *size = oh->size;
    return COSMOSB_OK;
}

int cosmosb_arena_freeze(cosmosb_arena_t *a, const cosmosb_ref_t *ref)
{
    uint32_t w;
    int rc = own_unfrozen(a, ref, &w);
    if (rc)
        return rc;
    /* SC CAS (release semantics suffice for readers): everything written to
     * the object before is visible to whoever acquires the FROZEN state. */
    if (cosmosb__cas_val_seq_cst(&cosmosb__aobj(a, ref->object)->state, w,
                                 COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, COSMOSB__OBJ_GEN(w))) != w)
        return COSMOSB_ESTALE;
    return COSMOSB_OK;
}

/* A frozen object's entry and header. */
static int frozen(struct cosmosb_arena *a, const cosmosb_ref_t *ref, uint32_t *word,
                  const struct cosmosb__arena_objhdr **oh)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    if ((rc = cosmosb__arena_entry(a, ref, word)) != 0)
        return rc;
    uint32_t s = COSMOSB__OBJ_STATE(*word);
    if (s != COSMOSB__OBJ_FROZEN)
        return s == COSMOSB__OBJ_ALLOC ? COSMOSB_ESTATE : COSMOSB_ESTALE;
    return oh ? cosmosb__arena_header(a, ref->object, COSMOSB__OBJ_GEN(*word), oh) : COSMOSB_OK;
}

int cosmosb_arena_resolve(cosmosb_arena_t *a, const cosmosb_ref_t *ref, uint64_t type_id, const void **data,
                          uint32_t *size)
{
    uint32_t w;
    const struct cosmosb__arena_objhdr *oh;
    int rc = frozen(a, ref, &w, &oh);
    if (rc)
        return rc;
    if (type_id && oh->type_id != type_id)
        return COSMOSB_ETYPE;
    if (data)
        *data = (const uint8_t *)oh + oh->payload_off;
    if (size)
        *size = oh->size;
    return COSMOSB_OK;
}

int cosmosb_arena_inspect(cosmosb_arena_t *a, const cosmosb_ref_t *ref, uint64_t *type_id, cosmosb_ref_t *children,
                          uint32_t max, uint32_t *count)
{
    uint32_t w;
    const struct cosmosb__arena_objhdr *oh;
    int rc = frozen(a, ref, &w, &oh);
    if (rc)
        return rc;
    if (max && !children)
        return COSMOSB_EINVAL;
    /* Relaxed: fixed once the object is frozen (changed only by add_child before). */
    uint32_t n = cosmosb__load_relaxed(&cosmosb__aobj(a, ref->object)->nchildren);
    if (n > oh->max_children)
        return COSMOSB_ECORRUPT;
    const struct cosmosb__arena_child *c = (const struct cosmosb__arena_child *)(const void *)(oh + 1);
    for (uint32_t k = 0; k < n && k < max; k++)
        children[k] = (cosmosb_ref_t){c[k].object, c[k].generation, a->arena_id, 0};
    if (type_id)
        *type_id = oh->type_id;
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
    if (COSMOSB__OWN(a->counts[idx]) == 0xffffu)
        return COSMOSB_EOVERFLOW;
    if (a->counts[idx]) {
        a->counts[idx]++;
        return COSMOSB_OK;
    }
    cosmosb__au32 *hold = cosmosb__aholders(a, idx);
    /* SC: set our bit, then look again: a freer that decided before our bit
     * was set has changed the state, and we back off; one that looks after
     * sees the bit (docs/arena.md, "Acquire"). */
    (void)cosmosb__fetch_or_seq_cst(&hold[a->myw], a->mybit);
    if (cosmosb__load_seq_cst(&cosmosb__aobj(a, idx)->state) != w) {
        (void)cosmosb__fetch_and_seq_cst(&hold[a->myw], ~a->mybit);
        return COSMOSB_ESTALE;
    }
    a->counts[idx] = 1;
    return COSMOSB_OK;
}

void cosmosb__arena_drop_bit(struct cosmosb_arena *a, uint32_t idx, uint32_t part)
{
    /* SC: ordered before the emptiness check of try_free (ours or another's). */
    (void)cosmosb__fetch_and_seq_cst(&cosmosb__aholders(a, idx)[part >> 5], ~(1u << (part & 31u)));
}

/* Our last reference to idx went: drop our bit and free the object if nobody holds it. */
void cosmosb__arena_unref_own(struct cosmosb_arena *a, uint32_t idx)
{
    cosmosb__arena_drop_bit(a, idx, a->self);
    cosmosb__arena_try_free(a, idx);
}

void cosmosb__arena_try_free(struct cosmosb_arena *a, uint32_t idx)
{
    struct cosmosb__arena_obj *e = cosmosb__aobj(a, idx);
    /* SC loads: after the caller's own change (a cleared bit or graph count),
     * so that of two last droppers at least one sees everything clear. */
    uint32_t w = cosmosb__load_seq_cst(&e->state);
    uint32_t s = COSMOSB__OBJ_STATE(w);
    if ((s != COSMOSB__OBJ_ALLOC && s != COSMOSB__OBJ_FROZEN) || COSMOSB__OBJ_AUX(w))
        return;
    if (cosmosb__load_seq_cst(&e->graph) != 0)
        return;
    cosmosb__au32 *hold = cosmosb__aholders(a, idx);
    for (uint32_t k = 0; k < a->g.hw; k++)
        if (cosmosb__load_seq_cst(&hold[k]) != 0)
            return;
    /* SC CAS: exactly one freer; nobody can take a reference any more
     * (acquire backs off when it sees the state change). */
    if (cosmosb__cas_val_seq_cst(&e->state, w, COSMOSB__OBJ_WORD(COSMOSB__OBJ_DYING, a->self + 1u,
                                                                   COSMOSB__OBJ_GEN(w))) != w)
        return;
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
    cosmosb__arena_lock(a);
    cosmosb__arena_push_dying(a, idx);
    cosmosb__arena_process_dying(a);
    cosmosb__arena_unlock(a);
}

/* The last steps of a free: FREE (dirty), clear the live bit, clean, maybe free the block. */
void cosmosb__arena_finish_free(struct cosmosb_arena *a, uint32_t idx, uint32_t gen)
{
    struct cosmosb__arena_obj *e = cosmosb__aobj(a, idx);
    uint32_t dirty = COSMOSB__OBJ_WORD(COSMOSB__OBJ_FREE, a->self + 1u, gen + 1u);
    /* SC: the new generation makes every old reference stale before the
     * entry's memory can be reused (its live bit still holds the block). */
    cosmosb__store_seq_cst(&e->state, dirty);
    uint32_t b = cosmosb__aobj_block(a, idx), i = cosmosb__aobj_entry(a, idx);
    /* SC: cleared only by the freer recorded in the dirty state, once. */
    (void)cosmosb__fetch_and_seq_cst(cosmosb__alive_word(a, b, i), ~(1u << (i & 31u)));
    /* SC CAS: clean; an allocator may take the entry from now on. */
    (void)cosmosb__cas_val_seq_cst(&e->state, dirty, COSMOSB__OBJ_WORD(COSMOSB__OBJ_FREE, 0, gen + 1u));
    cosmosb__arena_block_check(a, b);
}

int cosmosb_arena_release(cosmosb_arena_t *a, const cosmosb_ref_t *ref)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    uint32_t w;
    if ((rc = cosmosb__arena_entry(a, ref, &w)) != 0)
        return rc;
    uint32_t s = COSMOSB__OBJ_STATE(w);
    if (s != COSMOSB__OBJ_ALLOC && s != COSMOSB__OBJ_FROZEN)
        return COSMOSB_ESTALE;
    uint32_t idx = ref->object;
    if (COSMOSB__OWN(a->counts[idx]) == 0)
        return COSMOSB_ESTATE;
    if (--a->counts[idx] == 0)
        cosmosb__arena_unref_own(a, idx);
    cosmosb__arena_reclaim(a, 2);
    return COSMOSB_OK;
}

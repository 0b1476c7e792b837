/*
 * arena_transfer.c - references that travel: give, accept, decline, and
 * the giver's reclaiming of settled transfers.
 *
 * A transfer is an entry in the giver's own table {object, generation,
 * addressee, state}. While it is LIVE it pins the object: the giver counts
 * it among its own references, so its holder bit stays set, and if the
 * giver dies its reaper keeps that bit. The addressee takes it by setting
 * its own holder bit first and then moving the entry LIVE -> TAKEN; a
 * reaper of the addressee moves it to CANCELLED. The giver notices settled
 * entries lazily (on its next calls, or cosmosb_arena_poll) and drops its
 * unit; when the giver is gone, whoever settles an entry also settles the
 * giver's bit (cosmosb__arena_settle). Protocol: docs/arena.md, "Transfers".
 */
#include "core/arena_internal.h"

static void push_free(struct cosmosb_arena *a, uint32_t e)
{
    if (a->xfree_n < a->g.maxt)
        a->xfree[a->xfree_n++] = e;
}

void cosmosb__arena_reclaim(struct cosmosb_arena *a, uint32_t max)
{
    if (a->xfree_n == a->g.maxt)
        return; /* nothing outstanding: the common case costs one compare */
    if (max > a->g.maxt)
        max = a->g.maxt;
    for (uint32_t n = 0; n < max; n++) {
        uint32_t e = a->xscan++;
        if (a->xscan >= a->g.maxt)
            a->xscan = 0;
        if (a->xobj[e] == 0)
            continue;
        struct cosmosb__arena_xfer *x = cosmosb__axfer(a, a->self, e);
        /* Acquire: pairs with the addressee's SC CAS (it took its bit first). */
        uint32_t w = cosmosb__load_acquire(&x->word);
        if (COSMOSB__XFER_STATE(w) == COSMOSB__XFER_LIVE) {
            /* An addressee that left or was replaced will never take it: cancel. */
            uint32_t d = COSMOSB__XFER_DEST(w);
            uint32_t dw = d < a->g.maxp ? cosmosb__load_seq_cst(&cosmosb__apart(a, d)->state) : 0;
            if (COSMOSB__PART_KIND(dw) == COSMOSB__PART_ALIVE &&
                COSMOSB__PART_GEN(dw) == cosmosb__load_relaxed(&x->dest_gen))
                continue;
            /* SC CAS: against the addressee's accept; whoever wins decides. */
            uint32_t seen = cosmosb__cas_val_seq_cst(&x->word, w, (w & ~3u) | COSMOSB__XFER_CANCELLED);
            if (seen != w)
                w = seen;
            else
                w = (w & ~3u) | COSMOSB__XFER_CANCELLED;
            if (COSMOSB__XFER_STATE(w) == COSMOSB__XFER_LIVE)
                continue;
        }
        /* TAKEN, CANCELLED (or a scribbled FREE): our unit goes. Release: the
         * entry is reusable only after we read it. */
        cosmosb__store_release(&x->word, COSMOSB__XFER_WORD(COSMOSB__XFER_FREE, 0, COSMOSB__XFER_TGEN(w)));
        uint32_t idx = a->xobj[e] - 1u;
        a->xobj[e] = 0;
        push_free(a, e);
        if (idx < a->g.nobjects && COSMOSB__UNITS(a->counts[idx].n) && (a->counts[idx].n -= COSMOSB__UNIT) == 0)
            cosmosb__arena_unref_own(a, idx);
    }
}

int cosmosb_arena_reclaim(cosmosb_arena_t *a)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    cosmosb__arena_reclaim(a, a->g.maxt);
    return COSMOSB_OK;
}

int cosmosb__arena_has_live_transfer(const struct cosmosb_arena *a, uint32_t part, uint32_t idx)
{
    for (uint32_t e = 0; e < a->g.maxt; e++) {
        struct cosmosb__arena_xfer *x = cosmosb__axfer(a, part, e);
        /* SC: ordered after the caller's own change of an entry (docs/arena.md, "Settling"). */
        if (COSMOSB__XFER_STATE(cosmosb__load_seq_cst(&x->word)) == COSMOSB__XFER_LIVE &&
            cosmosb__load_relaxed(&x->object) == idx)
            return 1;
    }
    return 0;
}

/*
 * Giver `part` is gone and one of its transfers of idx settled: drop its bit
 * if nothing pins idx any more. Only the owner of the giver's record drops
 * its bits (docs/arena.md, "Settling"): a zombie's record is taken for the
 * time of the settle (ZOMBIE -> REAPING(me) -> ZOMBIE), so it cannot be
 * freed and joined again by a new participant whose bit we would drop. A
 * giver that is LEAVING is told (aux LEAVE_SETTLED: its CAS to ZOMBIE then
 * fails and it scans its transfers again); a giver being reaped is settled
 * by its reaper, which settles its pins once more after its reap; a FREE or
 * ALIVE record has no bit of that giver left.
 */
void cosmosb__arena_settle(struct cosmosb_arena *a, uint32_t part, uint32_t idx)
{
    if (part >= a->g.maxp || idx >= a->g.nobjects)
        return;
    struct cosmosb__arena_part *rec = cosmosb__apart(a, part);
    /* SC: the record state decides who settles; after our change of the transfer (the caller's SC CAS),
     * so either the leaver's CAS to ZOMBIE comes first (we see the zombie) or our flag does (its CAS
     * fails and its scan, after our flag, sees the transfer settled). */
    uint32_t w = cosmosb__load_seq_cst(&rec->state);
    for (int round = 0; round < 4 && COSMOSB__PART_KIND(w) == COSMOSB__PART_LEAVING &&
                        COSMOSB__PART_AUX(w) == 0;
         round++) {
        uint32_t flagged = COSMOSB__PART_WORD(COSMOSB__PART_LEAVING, COSMOSB__PART_LEAVE_SETTLED, COSMOSB__PART_GEN(w));
        /* SC CAS: only from the plain LEAVING word; a failure re-reads (a zombie now, or flagged already). */
        uint32_t seen = cosmosb__cas_val_seq_cst(&rec->state, w, flagged);
        if (seen == w)
            return;
        w = seen;
    }
    if (COSMOSB__PART_KIND(w) != COSMOSB__PART_ZOMBIE)
        return;
    uint32_t mark = COSMOSB__PART_WORD(COSMOSB__PART_REAPING, a->self + 1u, COSMOSB__PART_GEN(w));
    /* SC CAS: take the zombie's mark (one settler or reaper at a time; a dead one's mark is taken over by polls). */
    if (cosmosb__cas_val_seq_cst(&rec->state, w, mark) != w)
        return;
    if (!cosmosb__arena_has_live_transfer(a, part, idx)) {
        COSMOSB__ARENA_POINT(a, COSMOSB__AP_SETTLE_CHECKED, idx);
        cosmosb__arena_drop_bit(a, idx, part);
        cosmosb__arena_try_free(a, idx);
    }
    /* SC CAS: a zombie again; a poll frees its slot once no transfer of it is left. */
    (void)cosmosb__cas_val_seq_cst(&rec->state, mark, w);
}

int cosmosb_arena_give(cosmosb_arena_t *a, const cosmosb_ref_t *ref, uint32_t dest, cosmosb_ref_t *out)
{
    int rc = cosmosb__acheck(a);
    if (rc || !ref || !out)
        return rc ? rc : COSMOSB_EINVAL;
    uint32_t w;
    if ((rc = cosmosb__arena_entry(a, ref, &w)) != 0)
        return rc;
    if (!COSMOSB__OBJ_IS_FROZEN(COSMOSB__OBJ_STATE(w)))
        return COSMOSB__OBJ_STATE(w) == COSMOSB__OBJ_ALLOC ? COSMOSB_ESTATE : COSMOSB_ESTALE;
    uint32_t idx = ref->object;
    if (!cosmosb__arena_own(a, idx, COSMOSB__OBJ_GEN(w)))
        return COSMOSB_ESTATE;
    /* No overflow check of the units: each one is an entry of our transfer table, so they stay below
     * COSMOSB_ARENA_MAX_TRANSFERS (the table being full answers ENOMEM first). */
    _Static_assert(COSMOSB_ARENA_MAX_TRANSFERS < 0xffffu, "transfer units of one object fit in 16 bits");
    if (dest >= a->g.maxp)
        return COSMOSB_ERANGE;
    /* Acquire: the addressee's record, for its generation. */
    uint32_t dw = cosmosb__load_acquire(&cosmosb__apart(a, dest)->state);
    if (COSMOSB__PART_KIND(dw) != COSMOSB__PART_ALIVE)
        return COSMOSB_ERANGE;
    cosmosb__arena_reclaim(a, 2);
    if (a->xfree_n == 0)
        cosmosb__arena_reclaim(a, a->g.maxt);
    if (a->xfree_n == 0)
        return COSMOSB_ENOMEM;
    uint32_t e = a->xfree[--a->xfree_n];
    struct cosmosb__arena_xfer *x = cosmosb__axfer(a, a->self, e);
    uint32_t tg = (COSMOSB__XFER_TGEN(cosmosb__load_relaxed(&x->word)) + 1u) & 0xfffu;
    /* Relaxed: published by the release of the word below. */
    cosmosb__store_relaxed(&x->object, idx);
    cosmosb__store_relaxed(&x->generation, ref->generation);
    cosmosb__store_relaxed(&x->dest_gen, COSMOSB__PART_GEN(dw));
    /* SC (release is what the addressee needs): LIVE publishes the entry;
     * SC orders it before later checks of reapers that scan for it. */
    cosmosb__store_seq_cst(&x->word, COSMOSB__XFER_WORD(COSMOSB__XFER_LIVE, dest, tg));
    a->xobj[e] = idx + 1u;
    a->counts[idx].n += COSMOSB__UNIT;
    *out = (cosmosb_ref_t){idx, ref->generation, a->arena_id, COSMOSB__TOKEN(a->self, e, tg)};
    return COSMOSB_OK;
}

/* Finds the live transfer a reference names, addressed to us. */
static int find_transfer(struct cosmosb_arena *a, const cosmosb_ref_t *ref, struct cosmosb__arena_xfer **xp,
                         uint32_t *word)
{
    int rc = cosmosb__acheck(a);
    if (rc || !ref)
        return rc ? rc : COSMOSB_EINVAL;
    uint32_t t = ref->transfer;
    if (t == 0)
        return COSMOSB_EINVAL;
    uint32_t s = COSMOSB__TOKEN_SENDER(t), e = COSMOSB__TOKEN_ENTRY(t);
    if (s >= a->g.maxp || e >= a->g.maxt || ref->arena_id != a->arena_id || ref->object >= a->g.nobjects)
        return COSMOSB_ERANGE;
    struct cosmosb__arena_xfer *x = cosmosb__axfer(a, s, e);
    /* Acquire: pairs with the giver's store of LIVE (object, generation before it). */
    uint32_t w = cosmosb__load_acquire(&x->word);
    if (COSMOSB__XFER_STATE(w) != COSMOSB__XFER_LIVE || COSMOSB__XFER_TGEN(w) != COSMOSB__TOKEN_TGEN(t))
        return COSMOSB_ESTALE;
    if (COSMOSB__XFER_DEST(w) != a->self || cosmosb__load_relaxed(&x->dest_gen) != a->self_gen)
        return COSMOSB_EPERM;
    if (cosmosb__load_relaxed(&x->object) != ref->object || cosmosb__load_relaxed(&x->generation) != ref->generation)
        return COSMOSB_ESTALE;
    *xp = x;
    *word = w;
    return COSMOSB_OK;
}

int cosmosb_arena_accept(cosmosb_arena_t *a, const cosmosb_ref_t *ref)
{
    struct cosmosb__arena_xfer *x;
    uint32_t w, ow;
    int rc = find_transfer(a, ref, &x, &w);
    if (rc)
        return rc;
    if ((rc = cosmosb__arena_entry(a, ref, &ow)) != 0)
        return rc;
    if (!COSMOSB__OBJ_IS_FROZEN(COSMOSB__OBJ_STATE(ow)))
        return COSMOSB_ESTALE;
    uint32_t idx = ref->object, gen = COSMOSB__OBJ_GEN(ow);
    struct cosmosb__arena_count *c = &a->counts[idx];
    /* An older object we still count at this entry refuses the new one, as in acquire. */
    if (c->n != 0 && c->gen != gen)
        return COSMOSB_ESTALE;
    if (COSMOSB__OWN(c->n) == 0xffffu)
        return COSMOSB_EOVERFLOW;
    if (c->n == 0 && !cosmosb__arena_may_hold(a, idx, gen))
        return COSMOSB_ESTALE;
    if (c->n++ == 0) {
        c->gen = gen;
        /* SC: our bit is set before the transfer stops pinning the object. */
        (void)cosmosb__fetch_or_seq_cst(&cosmosb__aholders(a, idx)[a->myw], a->mybit);
        if (!cosmosb__arena_hold_check(a, idx, gen)) {
            c->n = 0;
            (void)cosmosb__fetch_and_seq_cst(&cosmosb__aholders(a, idx)[a->myw], ~a->mybit);
            cosmosb__arena_try_free(a, idx); /* as in acquire: our transient bit may have deferred a free */
            return COSMOSB_ESTALE;
        }
    }
    /* SC CAS: LIVE -> TAKEN, against a reaper's cancel or a replay. */
    if (cosmosb__cas_val_seq_cst(&x->word, w, (w & ~3u) | COSMOSB__XFER_TAKEN) != w) {
        if (--c->n == 0) {
            /* Not unref_own: our bit may have been set after the transfer stopped
             * pinning the object, so another freer may be deciding (no fast path). */
            cosmosb__arena_drop_bit(a, idx, a->self);
            cosmosb__arena_try_free(a, idx);
        }
        return COSMOSB_ESTALE;
    }
    uint32_t giver = COSMOSB__TOKEN_SENDER(ref->transfer);
    if (cosmosb__apart_gone(a, giver))
        cosmosb__arena_settle(a, giver, idx);
    return COSMOSB_OK;
}

int cosmosb_arena_decline(cosmosb_arena_t *a, const cosmosb_ref_t *ref)
{
    struct cosmosb__arena_xfer *x;
    uint32_t w;
    int rc = find_transfer(a, ref, &x, &w);
    if (rc)
        return rc;
    /* SC CAS: LIVE -> CANCELLED. */
    if (cosmosb__cas_val_seq_cst(&x->word, w, (w & ~3u) | COSMOSB__XFER_CANCELLED) != w)
        return COSMOSB_ESTALE;
    uint32_t giver = COSMOSB__TOKEN_SENDER(ref->transfer);
    if (cosmosb__apart_gone(a, giver))
        cosmosb__arena_settle(a, giver, ref->object);
    return COSMOSB_OK;
}

int cosmosb_arena_decline_from(cosmosb_arena_t *a, uint32_t sender, uint32_t *declined)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    if (sender >= a->g.maxp)
        return COSMOSB_ERANGE;
    uint32_t n = 0;
    for (uint32_t e = 0; e < a->g.maxt; e++) {
        struct cosmosb__arena_xfer *x = cosmosb__axfer(a, sender, e);
        /* Acquire: as in find_transfer. */
        uint32_t w = cosmosb__load_acquire(&x->word);
        if (COSMOSB__XFER_STATE(w) != COSMOSB__XFER_LIVE || COSMOSB__XFER_DEST(w) != a->self ||
            cosmosb__load_relaxed(&x->dest_gen) != a->self_gen)
            continue;
        uint32_t idx = cosmosb__load_relaxed(&x->object);
        /* SC CAS: LIVE -> CANCELLED. */
        if (cosmosb__cas_val_seq_cst(&x->word, w, (w & ~3u) | COSMOSB__XFER_CANCELLED) != w)
            continue;
        n++;
        if (cosmosb__apart_gone(a, sender))
            cosmosb__arena_settle(a, sender, idx);
    }
    if (declined)
        *declined = n;
    return COSMOSB_OK;
}

int cosmosb_arena_check_ref(void *ctx, const cosmosb_ref_t *ref, uint64_t target_type_id)
{
    struct cosmosb_arena *a = ctx;
    int rc = cosmosb_arena_resolve(a, ref, target_type_id, NULL, NULL);
    if (rc || ref->transfer == 0)
        return rc;
    struct cosmosb__arena_xfer *x;
    uint32_t w;
    return find_transfer(a, ref, &x, &w);
}

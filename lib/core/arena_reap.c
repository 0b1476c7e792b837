/*
 * arena_reap.c - reaping dead participants, settling zombies, leaving.
 *
 * A reaper first marks the dead participant REAPING (one CAS: one reaper;
 * a reaper that dies is replaced the same way), so that from then on anyone
 * who settles one of its transfers also settles its holder bits. Then, in
 * order: take the graph lock (a lock it held is stolen and its log
 * completed), cancel transfers addressed to it, drop its holder bits except
 * on objects its live transfers pin, take over the frees it left half done,
 * free what nobody holds any more, retire its blocks and finish run frees
 * it left. Every step is idempotent, so a reaper that dies midway is simply
 * replaced. Protocol and death points: docs/arena.md, "Reaping".
 */
#include "core/arena_internal.h"

/* In-place heapsort of u32 (no recursion, no allocation). */
static void sift(uint32_t *v, uint32_t start, uint32_t end)
{
    uint32_t root = start;
    while (2u * root + 1u < end) {
        uint32_t child = 2u * root + 1u;
        if (child + 1u < end && v[child] < v[child + 1u])
            child++;
        if (v[root] >= v[child])
            return;
        uint32_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void sort_u32(uint32_t *v, uint32_t n)
{
    for (uint32_t i = n / 2u; i-- > 0;)
        sift(v, i, n);
    for (uint32_t end = n; end > 1u; end--) {
        uint32_t t = v[0];
        v[0] = v[end - 1u];
        v[end - 1u] = t;
        sift(v, 0, end - 1u);
    }
}

static int contains(const uint32_t *v, uint32_t n, uint32_t key)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2u;
        if (v[mid] < key)
            lo = mid + 1u;
        else if (v[mid] > key)
            hi = mid;
        else
            return 1;
    }
    return 0;
}

/* Objects pinned by the live transfers of part, sorted into a->scratch; frees its settled entries. */
static uint32_t live_pins(struct cosmosb_arena *a, uint32_t part, int free_settled)
{
    uint32_t n = 0;
    for (uint32_t e = 0; e < a->g.maxt; e++) {
        struct cosmosb__arena_xfer *x = cosmosb__axfer(a, part, e);
        /* SC: after the REAPING mark (accepters of its transfers settle from then on). */
        uint32_t w = cosmosb__load_seq_cst(&x->word);
        uint32_t s = COSMOSB__XFER_STATE(w);
        if (s == COSMOSB__XFER_LIVE) {
            /* An addressee that left or was replaced will never take it: cancel it (as its giver would). */
            uint32_t d = COSMOSB__XFER_DEST(w);
            uint32_t dw = d < a->g.maxp ? cosmosb__load_seq_cst(&cosmosb__apart(a, d)->state) : 0;
            if (COSMOSB__PART_KIND(dw) != COSMOSB__PART_ALIVE ||
                COSMOSB__PART_GEN(dw) != cosmosb__load_relaxed(&x->dest_gen)) {
                /* SC CAS: against a late accept. */
                if (cosmosb__cas_val_seq_cst(&x->word, w, (w & ~3u) | COSMOSB__XFER_CANCELLED) == w)
                    continue; /* settled now; freed below on a later pass, or by its giver's reclaim */
                w = cosmosb__load_seq_cst(&x->word);
                if (COSMOSB__XFER_STATE(w) != COSMOSB__XFER_LIVE)
                    continue;
            }
            uint32_t idx = cosmosb__load_relaxed(&x->object);
            if (idx < a->g.nobjects)
                a->scratch[n++] = idx;
        } else if (s != COSMOSB__XFER_FREE && free_settled) {
            /* SC CAS: nobody else writes a settled entry (its giver is gone). */
            (void)cosmosb__cas_val_seq_cst(&x->word, w, COSMOSB__XFER_WORD(COSMOSB__XFER_FREE, 0, COSMOSB__XFER_TGEN(w)));
        }
    }
    sort_u32(a->scratch, n);
    return n;
}

/* Cancels every live transfer addressed to participant d (record generation gen). */
static void cancel_addressed_to(struct cosmosb_arena *a, uint32_t d, uint32_t gen)
{
    for (uint32_t p = 0; p < a->g.maxp; p++) {
        /* Relaxed: a FREE record has no live entries worth scanning; any other is scanned. */
        if (COSMOSB__PART_KIND(cosmosb__load_relaxed(&cosmosb__apart(a, p)->state)) == COSMOSB__PART_FREE)
            continue;
        for (uint32_t e = 0; e < a->g.maxt; e++) {
            struct cosmosb__arena_xfer *x = cosmosb__axfer(a, p, e);
            uint32_t w = cosmosb__load_seq_cst(&x->word); /* SC: against accept's CAS */
            if (COSMOSB__XFER_STATE(w) != COSMOSB__XFER_LIVE || COSMOSB__XFER_DEST(w) != d ||
                cosmosb__load_relaxed(&x->dest_gen) != gen)
                continue;
            uint32_t idx = cosmosb__load_relaxed(&x->object);
            /* SC CAS: LIVE -> CANCELLED (the giver drops its unit when it reclaims). */
            if (cosmosb__cas_val_seq_cst(&x->word, w, (w & ~3u) | COSMOSB__XFER_CANCELLED) == w && p != d &&
                cosmosb__apart_gone(a, p))
                cosmosb__arena_settle(a, p, idx);
        }
    }
}

/* The objects pass of a reap of d: bits, half-done frees, orphans. */
static void reap_objects(struct cosmosb_arena *a, uint32_t d, uint32_t npins)
{
    uint32_t dw = d >> 5, dbit = 1u << (d & 31u);
    for (uint32_t idx = 0; idx < a->g.nobjects; idx++) {
        struct cosmosb__arena_obj *e = cosmosb__aobj(a, idx);
        cosmosb__au32 *hold = cosmosb__aholders(a, idx);
        COSMOSB__ARENA_POINT(a, COSMOSB__AP_REAP_OBJECT, idx);
        /* SC loads: after the REAPING mark. */
        if ((cosmosb__load_seq_cst(&hold[dw]) & dbit) && !contains(a->scratch, npins, idx))
            cosmosb__arena_drop_bit(a, idx, d);
        /* SC: the state is read after our own change (the dropped bit), as every free decision is: a
         * closer that saw d's bit and reopened before this load is seen reopened (and we check); one
         * still CLOSING now reads the holder words again after its reopen, and sees the bit gone. */
        uint32_t w = cosmosb__load_seq_cst(&e->state);
        uint32_t s = COSMOSB__OBJ_STATE(w), aux = COSMOSB__OBJ_AUX(w);
        COSMOSB__ARENA_POINT(a, COSMOSB__AP_REAP_STATE_READ, idx);
        if (s == COSMOSB__OBJ_DYING && aux == d + 1u) {
            /* d died freeing it: we become the freer (SC CAS: against another reaper of d). */
            uint32_t mine = COSMOSB__OBJ_WORD(COSMOSB__OBJ_DYING, a->self + 1u, COSMOSB__OBJ_GEN(w));
            if (cosmosb__cas_val_seq_cst(&e->state, w, mine) == w)
                cosmosb__arena_free_dying(a, idx);
        } else if (s == COSMOSB__OBJ_CLOSING && aux == d + 1u) {
            /* d died checking it: reopen it (SC CAS: against a new holder's reopening), then check it ourselves. */
            (void)cosmosb__cas_val_seq_cst(&e->state, w, COSMOSB__OBJ_WORD(COSMOSB__OBJ_FROZEN, 0, COSMOSB__OBJ_GEN(w)));
            cosmosb__arena_try_free(a, idx);
        } else if (s == COSMOSB__OBJ_ALLOC || s == COSMOSB__OBJ_FROZEN) {
            cosmosb__arena_try_free(a, idx); /* nobody holds it any more (or d held it last) */
        }
    }
}

/* The blocks pass of a reap of d. */
static void reap_blocks(struct cosmosb_arena *a, uint32_t d)
{
    for (uint32_t b = 0; b < a->g.nblocks; b++) {
        struct cosmosb__arena_block *blk = cosmosb__ablock(a, b);
        uint32_t w = cosmosb__load_seq_cst(&blk->state); /* SC: as in block_check */
        uint32_t k = COSMOSB__BLK_KIND(w);
        if (k == COSMOSB__BLK_OWNED && COSMOSB__BLK_PART(w) == d) {
            cosmosb__arena_retire(a, b, d);
        } else if (k == COSMOSB__BLK_FREEING && COSMOSB__BLK_PART(w) == d) {
            uint32_t mine = COSMOSB__BLK_WORD(COSMOSB__BLK_FREEING, a->self, COSMOSB__BLK_GEN(w));
            /* SC CAS: we finish the run free d left. */
            if (cosmosb__cas_val_seq_cst(&blk->state, w, mine) == w)
                cosmosb__arena_run_free(a, b, mine);
        } else if (k == COSMOSB__BLK_RETIRED) {
            cosmosb__arena_block_check(a, b);
        }
        /* TAIL blocks are left alone: a run's tails are freed by whoever frees its head (run_free
         * above, or the claimer's roll-back), never on their own (an orphan check on TAIL(head)
         * cannot tell one run of a head from the next: docs/arena.md, "Blocks"). */
    }
}

/* Reaps d; we own its REAPING mark (record generation gen). COSMOSB_ETIMEDOUT, having done nothing but
 * hand the mark back (d a zombie: the next poll tries again; UNCOUNTED if uncounted, a death no poll has
 * counted yet), if the graph lock could not be taken. */
static int reap_part(struct cosmosb_arena *a, uint32_t d, uint32_t gen, uint32_t uncounted)
{
    struct cosmosb__arena_part *rec = cosmosb__apart(a, d);
    uint32_t mark = COSMOSB__PART_WORD(COSMOSB__PART_REAPING, a->self + 1u, gen);
    /* 1. A graph lock d held is stolen here and its log completed (d is REAPING now: a word naming it is
     * stolen at once). A lock held for a second by somebody that looks alive may be a stealer of d's
     * lock that has not finished d's log yet (stopped, say): without the lock we could meet d's
     * half-processed dying list or half-done add_child, so we stop here, changing nothing of d's. */
    if (cosmosb__arena_lock(a) != COSMOSB_OK) {
        /* SC CAS: only the owner of the mark ends it. */
        (void)cosmosb__cas_val_seq_cst(&rec->state, mark,
                                       COSMOSB__PART_WORD(COSMOSB__PART_ZOMBIE,
                                                          uncounted ? COSMOSB__PART_UNCOUNTED : 0u, gen));
        return COSMOSB_ETIMEDOUT;
    }
    cosmosb__arena_unlock(a);
    /* 2. Transfers addressed to d will never be taken. */
    cancel_addressed_to(a, d, gen);
    /* 3.-4. Holder bits, half-done frees, orphans. */
    uint32_t npins = live_pins(a, d, 1);
    reap_objects(a, d, npins);
    /* 5. Blocks. */
    reap_blocks(a, d);
    /* 6. The record: a zombie while its transfers are in flight, else free for a new participant.
     * Transfers settled since the first scan: their settlers saw d REAPING (not a zombie) and left them
     * to us, the mark's owner (only the owner drops d's bits): a second pass drops the bits those pinned. */
    npins = live_pins(a, d, 1);
    reap_objects(a, d, npins);
    /* Marks d held on other records (it died reaping or settling them): back to ZOMBIE, which the
     * next poll reaps in full; left as REAPING(d), they would block every reaper once d's slot is
     * joined again (the mark names the slot, not the incarnation). */
    for (uint32_t p = 0; p < a->g.maxp; p++) {
        struct cosmosb__arena_part *o = cosmosb__apart(a, p);
        uint32_t ow = cosmosb__load_seq_cst(&o->state); /* SC: the marks decide who reaps */
        if (p != d && COSMOSB__PART_KIND(ow) == COSMOSB__PART_REAPING && COSMOSB__PART_AUX(ow) == d + 1u)
            /* SC CAS: against another reaper taking it over. */
            (void)cosmosb__cas_val_seq_cst(&o->state, ow,
                                           COSMOSB__PART_WORD(COSMOSB__PART_ZOMBIE, 0, COSMOSB__PART_GEN(ow)));
    }
    uint32_t next = COSMOSB__PART_WORD(npins ? COSMOSB__PART_ZOMBIE : COSMOSB__PART_FREE, 0, gen);
    if (!npins) /* Relaxed: published by the CAS; a FREE record's id is 0 (docs/arena.md, "Join") */
        cosmosb__store_relaxed(&rec->self_id, 0);
    /* SC CAS: only the owner of the mark ends it. */
    if (cosmosb__cas_val_seq_cst(&rec->state, mark, next) == mark && npins) {
        /* A transfer settled after the second pass found d REAPING and left it to us: settle d's pins
         * once more, now as any settler of a zombie (under its mark; eleventh review). Each settle
         * changes nothing if its pin is still LIVE or another participant holds the zombie's mark. */
        for (uint32_t k = 0; k < npins; k++)
            cosmosb__arena_settle(a, d, a->scratch[k]);
    }
    return COSMOSB_OK;
}

/*
 * May we reap d, whose record we read as w? COSMOSB_OK, or why not. From a
 * poll (poll != 0) a running participant is reaped only when the platform
 * says its process is dead; from the application (cosmosb_arena_reap) the
 * caller asserts the death, and only a platform answer "alive" refuses.
 */
static int reap_allowed(struct cosmosb_arena *a, uint32_t d, uint32_t w, int poll)
{
    struct cosmosb__arena_part *rec = cosmosb__apart(a, d);
    uint32_t kind = COSMOSB__PART_KIND(w);
    if (kind == COSMOSB__PART_FREE)
        return COSMOSB_EAGAIN;
    if (kind == COSMOSB__PART_ALIVE || kind == COSMOSB__PART_LEAVING) {
        /* Relaxed, after the SC load of w: a joiner wrote its id before its claim (its reservation;
         * NOID without one); never a previous occupant's (docs/arena.md, "Join"). */
        uint32_t id = cosmosb__load_relaxed(&rec->self_id);
        if (kind == COSMOSB__PART_LEAVING && COSMOSB__PART_AUX(w) == COSMOSB__PART_LEAVE_DONE && id == 0)
            /* At the last step of its leave, holding nothing, its id already zeroed: nothing is left
             * for it to write but its CAS to FREE, so reaping it only frees the slot (a leaver still
             * running finds its CAS failed and just returns). With its id still there it may yet
             * zero it: then it is reaped only once its process is dead (below), or a new
             * occupant's id would be zeroed (docs/arena.md, "Leaving"). */
            return COSMOSB_OK;
        if (poll)
            return (cosmosb__aid_known(id) && a->plat.peer_alive &&
                    a->plat.peer_alive(a->plat.ctx, id) == COSMOSB_PEER_DEAD)
                       ? COSMOSB_OK
                       : COSMOSB_EBUSY;
        if (id == 0 && a->plat.self_id)
            return COSMOSB_EBUSY;
        if (cosmosb__aid_known(id) && a->plat.peer_alive && a->plat.peer_alive(a->plat.ctx, id) == COSMOSB_PEER_ALIVE)
            return COSMOSB_EBUSY;
        return COSMOSB_OK; /* the caller asserts its death (no id to ask about, or no answer) */
    }
    if (kind == COSMOSB__PART_REAPING) {
        uint32_t r = COSMOSB__PART_AUX(w) - 1u;
        if (r == a->self)
            return COSMOSB_EAGAIN; /* we are reaping it already (a nested call) */
        /* SC: a reaper that is ALIVE or LEAVING still runs (a leaver reaps too: a dead lock
         * holder, a zombie it settles); ask whether its process is dead. */
        uint32_t rk = r < a->g.maxp ? COSMOSB__PART_KIND(cosmosb__load_seq_cst(&cosmosb__apart(a, r)->state))
                                    : COSMOSB__PART_FREE;
        if (r != d && (rk == COSMOSB__PART_ALIVE || rk == COSMOSB__PART_LEAVING)) {
            uint32_t id = cosmosb__load_relaxed(&cosmosb__apart(a, r)->self_id);
            if (!cosmosb__aid_known(id) || !a->plat.peer_alive || a->plat.peer_alive(a->plat.ctx, id) != COSMOSB_PEER_DEAD)
                return COSMOSB_EAGAIN; /* another live participant is on it */
        }
    }
    return COSMOSB_OK; /* a zombie to settle, a dead reaper's mark to take over (or a garbage word) */
}

/* Is reaping a record judged by word w the reap of a death (to be counted by poll)? A running one, or a
 * zombie whose reap stopped before it was counted; not a leave's last step, a zombie being settled, a
 * dead reaper's mark. */
static uint32_t reap_counts(uint32_t w)
{
    uint32_t kind = COSMOSB__PART_KIND(w);
    return kind == COSMOSB__PART_ALIVE ||
           (kind == COSMOSB__PART_LEAVING && COSMOSB__PART_AUX(w) != COSMOSB__PART_LEAVE_DONE) ||
           (kind == COSMOSB__PART_ZOMBIE && COSMOSB__PART_AUX(w) == COSMOSB__PART_UNCOUNTED);
}

/*
 * Reaps d from exactly the record word w that reap_allowed judged: the
 * mark is taken by a CAS from w, so a record that changed since (the slot
 * freed and joined again: a new generation) is left alone. COSMOSB_EAGAIN
 * if it changed, COSMOSB_ETIMEDOUT if the graph lock could not be taken
 * (see reap_part).
 */
static int reap_from(struct cosmosb_arena *a, uint32_t d, uint32_t w)
{
    struct cosmosb__arena_part *rec = cosmosb__apart(a, d);
    uint32_t gen = COSMOSB__PART_GEN(w);
    /* SC CAS: take the mark (ALIVE and dead, ZOMBIE to settle, or a dead reaper's). */
    if (cosmosb__cas_val_seq_cst(&rec->state, w, COSMOSB__PART_WORD(COSMOSB__PART_REAPING, a->self + 1u, gen)) != w)
        return COSMOSB_EAGAIN;
    return reap_part(a, d, gen, reap_counts(w));
}

int cosmosb_arena_reap(cosmosb_arena_t *a, uint32_t d)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    if (d >= a->g.maxp)
        return COSMOSB_ERANGE;
    if (d == a->self)
        return COSMOSB_EINVAL;
    struct cosmosb__arena_part *rec = cosmosb__apart(a, d);
    /* SC: a FREE record still reserved by NOID was left by a joiner without an id that died before its
     * claim: no poll can judge it (nothing to ask about), so the caller, asserting its death, gives the
     * reservation back (a live joiner that claims anyway puts its id back: "Join"). SC CAS: only NOID. */
    if (COSMOSB__PART_KIND(cosmosb__load_seq_cst(&rec->state)) == COSMOSB__PART_FREE &&
        cosmosb__cas_val_seq_cst(&rec->self_id, COSMOSB__PART_NOID, 0) == COSMOSB__PART_NOID)
        return COSMOSB_OK;
    for (int tries = 0; tries < 8; tries++) {
        /* SC: the mark decides who reaps. */
        uint32_t w = cosmosb__load_seq_cst(&rec->state);
        if ((rc = reap_allowed(a, d, w, 0)) != COSMOSB_OK)
            return rc;
        rc = reap_from(a, d, w);
        if (rc == COSMOSB_OK)
            return COSMOSB_OK;
        if (rc == COSMOSB_ETIMEDOUT)
            return COSMOSB_EAGAIN; /* the graph lock: try again later */
        /* the record changed under us: look again */
    }
    return COSMOSB_EAGAIN;
}

int cosmosb__arena_reap_dead(struct cosmosb_arena *a, uint32_t force)
{
    uint64_t now = cosmosb__arena_now(a);
    if (!force && now < a->next_poll)
        return 0;
    a->next_poll = now + COSMOSB__ARENA_POLL_NS;
    /* One full graph-lock wait for all the reaps of this sweep (a forged lock word costs a second, not
     * one per zombie); a poll has set that already, for its sweep of put-off frees too. */
    uint32_t waits = a->lock_waits;
    if (waits == COSMOSB__LOCK_WAITS_ANY)
        a->lock_waits = COSMOSB__LOCK_WAITS_ONE;
    int reaped = 0;
    for (uint32_t p = 0; p < a->g.maxp; p++) {
        if (p == a->self)
            continue;
        /* SC: the word the decision is made on and the mark CASed from (reap_from); its id is read after it. */
        uint32_t w = cosmosb__load_seq_cst(&cosmosb__apart(a, p)->state);
        uint32_t kind = COSMOSB__PART_KIND(w);
        if (kind == COSMOSB__PART_FREE) {
            /* A joiner killed between reserving this free slot by its id and claiming it: give the
             * reservation back, or no joiner with an id would take the slot again ("Join"). */
            cosmosb__au32 *sid = &cosmosb__apart(a, p)->self_id;
            uint32_t id = cosmosb__load_relaxed(sid); /* Relaxed: the CAS below decides */
            /* Its process dead first, then the record still FREE (SC, after the verdict): a dead
             * reserver makes no claim any more, so the reservation is given back only if it never
             * claimed (read the other way round, a claim made between our look at the state and the
             * verdict lost its occupant's id, and with it the slot: seventh review). Between the
             * look and the CAS nobody else claims: the record is reserved. */
            if (cosmosb__aid_known(id) && a->plat.peer_alive && a->plat.peer_alive(a->plat.ctx, id) == COSMOSB_PEER_DEAD &&
                COSMOSB__PART_KIND(cosmosb__load_seq_cst(&cosmosb__apart(a, p)->state)) == COSMOSB__PART_FREE)
                (void)cosmosb__cas_val_seq_cst(sid, id, 0); /* SC CAS: only that reservation */
            continue;
        }
        if (reap_allowed(a, p, w, 1) != COSMOSB_OK)
            continue;
        COSMOSB__ARENA_POINT(a, COSMOSB__AP_POLL_CHECKED, p);
        /* Counted: participants that died (not a finished leave whose slot we freed). */
        if (reap_from(a, p, w) == COSMOSB_OK && reap_counts(w))
            reaped++;
    }
    if (waits == COSMOSB__LOCK_WAITS_ANY) /* ours to end (a poll ends its own) */
        a->lock_waits = COSMOSB__LOCK_WAITS_ANY;
    return reaped;
}

/*
 * cosmosb_arena_poll at most once per liveness period (COSMOSB__ARENA_POLL_NS since the last sweep), for
 * callers that poll on the way rather than on a timer: the buffer owner, before it answers ENOMEM.
 * Returns 1 if it polled, 0 if the period has not passed yet.
 */
int cosmosb__arena_poll_due(struct cosmosb_arena *a)
{
    if (cosmosb__arena_now(a) < a->next_poll)
        return 0;
    (void)cosmosb_arena_poll(a, NULL);
    return 1;
}

int cosmosb_arena_poll(cosmosb_arena_t *a, uint32_t *reaped)
{
    int rc = cosmosb__acheck(a);
    if (rc)
        return rc;
    a->lock_waits = COSMOSB__LOCK_WAITS_ONE; /* one full graph-lock wait for this whole poll, its reclaim too */
    cosmosb__arena_reclaim(a, a->g.maxt);
    int n = cosmosb__arena_reap_dead(a, 1);
    /* Relaxed: a filter; the exchange decides who sweeps. A hostile peer setting it only costs a sweep. */
    if (cosmosb__load_relaxed(&a->hdr->put_off) && cosmosb__exchange_seq_cst(&a->hdr->put_off, 0)) {
        /* A free gave up on the graph lock and left its object FROZEN with no holder: look for such
         * objects again (the free check of each; one that still cannot take the lock sets it again). */
        for (uint32_t idx = 0; idx < a->g.nobjects; idx++) {
            /* Relaxed: a filter; the free check reads everything again with SC. */
            uint32_t w = cosmosb__load_relaxed(&cosmosb__aobj(a, idx)->state);
            if (COSMOSB__OBJ_STATE(w) == COSMOSB__OBJ_FROZEN && COSMOSB__OBJ_AUX(w) == 0)
                cosmosb__arena_try_free(a, idx);
        }
    }
    a->lock_waits = COSMOSB__LOCK_WAITS_ANY;
    if (reaped)
        *reaped = (uint32_t)n;
    return COSMOSB_OK;
}

/*
 * The final CAS of a leave: our LEAVING record, plain or flagged LEAVE_SETTLED, to `to` (LEAVE_DONE with
 * nothing pinned, or ZOMBIE once the rescan rounds are spent). Either way a flag asks for nothing more:
 * with nothing pinned there is nothing to settle, and a zombie's leftovers are a poll's. Flags may keep
 * coming (one settler after another), so the CAS is retried from whichever of the two words it met
 * (twelfth review: one retry stranded a leaver LEAVING for as long as its process lived). Returns 1 if
 * done, 0 if the record is no longer ours (reaped meanwhile: taken for dead), or changed 64 times.
 */
static int leave_final_cas(struct cosmosb_arena *a, cosmosb__au32 *state, uint32_t leaving, uint32_t settled,
                           uint32_t to)
{
    (void)a; /* read by the test point only */
    uint32_t from = leaving;
    for (uint32_t attempt = 0; attempt < 64u; attempt++) {
        COSMOSB__ARENA_POINT(a, COSMOSB__AP_LEAVE_FINAL_CAS, attempt);
        /* SC CAS: from exactly the word we last saw. */
        uint32_t seen = cosmosb__cas_val_seq_cst(state, from, to);
        if (seen == from)
            return 1;
        if (seen != leaving && seen != settled)
            return 0;
        from = seen;
    }
    return 0;
}

void cosmosb_arena_leave(cosmosb_arena_t *a)
{
    if (cosmosb__acheck(a))
        return;
    struct cosmosb__arena_part *rec = cosmosb__apart(a, a->self);
    uint32_t alive = COSMOSB__PART_WORD(COSMOSB__PART_ALIVE, 0, a->self_gen);
    uint32_t leaving = COSMOSB__PART_WORD(COSMOSB__PART_LEAVING, 0, a->self_gen);
    /* SC CAS: LEAVING before we look at our transfers (docs/arena.md, "Leaving"): from now on whoever
     * settles one of them settles our bit too, as for a reaped giver; reapers and lock stealers still
     * see us running, so nobody takes over our frees. */
    if (cosmosb__cas_val_seq_cst(&rec->state, alive, leaving) != alive) {
        a->magic = 0; /* reaped while we ran (we were taken for dead): nothing of ours is left to drop */
        return;
    }
    cancel_addressed_to(a, a->self, a->self_gen);
    cosmosb__arena_reclaim(a, a->g.maxt);
    uint32_t npins = live_pins(a, a->self, 0);
    for (uint32_t idx = 0; idx < a->g.nobjects; idx++) {
        if (a->counts[idx].n == 0)
            continue;
        if (COSMOSB__UNITS(a->counts[idx].n) && contains(a->scratch, npins, idx)) {
            a->counts[idx].n &= ~0xffffu; /* only our transfers in flight pin it now */
            continue;
        }
        a->counts[idx].n = 0;
        cosmosb__arena_unref_own(a, idx);
    }
    if (a->cur_block) {
        cosmosb__arena_retire(a, a->cur_block - 1u, a->self);
        a->cur_block = 0;
        a->cur_limit = 0;
    }
    npins = live_pins(a, a->self, 0);
    /* Transfers accepted or declined since the scan above: their settlers saw us LEAVING and left the
     * settling to us (only the record's owner drops its bits, so no bit of a later occupant of the slot
     * is ever dropped). */
    for (uint32_t idx = 0; idx < a->g.nobjects; idx++) {
        if (a->counts[idx].n == 0)
            continue;
        a->counts[idx].n = 0;
        if (!contains(a->scratch, npins, idx)) {
            cosmosb__arena_drop_bit(a, idx, a->self);
            cosmosb__arena_try_free(a, idx);
        }
    }
    /* A transfer settled after that scan was LIVE in it, and its settler flagged our record
     * (LEAVE_SETTLED): then our CAS to ZOMBIE below fails, and we clear the flag and scan again,
     * dropping the bits of objects no live transfer pins any more (our bits left are exactly the
     * pinned ones). A settle after our CAS finds a zombie and settles it itself (eleventh review: it
     * used to find us LEAVING and leave the bit to the next poll). Bounded: each round needs a
     * settle, and a settle needs a LIVE transfer of ours, of which there are at most maxt. */
    uint32_t settled = COSMOSB__PART_WORD(COSMOSB__PART_LEAVING, COSMOSB__PART_LEAVE_SETTLED, a->self_gen);
    for (uint32_t round = 0; npins && round <= a->g.maxt; round++) {
        /* SC CAS: a zombie from here on, unless a settler flagged us first. */
        uint32_t seen = cosmosb__cas_val_seq_cst(&rec->state, leaving,
                                                 COSMOSB__PART_WORD(COSMOSB__PART_ZOMBIE, 0, a->self_gen));
        if (seen == leaving) {
            a->magic = 0;
            return;
        }
        /* SC CAS: only we clear the flag; anything else means we were reaped (taken for dead). */
        if (seen != settled || cosmosb__cas_val_seq_cst(&rec->state, settled, leaving) != settled) {
            a->magic = 0;
            return;
        }
        npins = live_pins(a, a->self, 0); /* SC loads, after the flag: the settle is seen */
        for (uint32_t idx = 0; idx < a->g.nobjects; idx++) {
            cosmosb__au32 *hold = cosmosb__aholders(a, idx);
            /* SC: our own bit; only we set or clear it (stale acquirers touch only theirs). */
            if ((cosmosb__load_seq_cst(&hold[a->myw]) & a->mybit) && !contains(a->scratch, npins, idx)) {
                cosmosb__arena_drop_bit(a, idx, a->self);
                cosmosb__arena_try_free(a, idx);
            }
        }
    }
    uint32_t next = COSMOSB__PART_WORD(npins ? COSMOSB__PART_ZOMBIE : COSMOSB__PART_FREE, 0, a->self_gen);
    if (!npins) {
        /* SC CAS: the last step, holding nothing: from here a reaper may free the slot at once
         * (we may die before our id is zeroed: then a poll reaps us once our process is dead, or the
         * application without an id; after it, at once: "Leaving"). */
        uint32_t done = COSMOSB__PART_WORD(COSMOSB__PART_LEAVING, COSMOSB__PART_LEAVE_DONE, a->self_gen);
        if (!leave_final_cas(a, &rec->state, leaving, settled, done)) {
            a->magic = 0; /* reaped meanwhile (taken for dead): nothing of ours is left */
            return;
        }
        leaving = done;
        COSMOSB__ARENA_POINT(a, COSMOSB__AP_LEAVE_LAST_STEP, a->self);
        /* A FREE record's id is 0 ("Join"). Only while our id (NOID without one) is in the record is
         * nobody allowed to free the slot (a live leaver is waited for; a poll never frees a running
         * record with NOID), so we zero our own id and nothing else: SC CAS from it (an eighth review
         * found a leaver without an id zeroing whatever id it read, the next occupant's). */
        (void)cosmosb__cas_val_seq_cst(&rec->self_id, a->self_id, 0); /* ours (NOID without an id) */
    }
    /* A zombie's remaining transfers are settled by their settlers (under its mark) and by polls. */
    if (npins)
        (void)leave_final_cas(a, &rec->state, leaving, settled, next); /* the rounds are spent */
    else
        (void)cosmosb__cas_val_seq_cst(&rec->state, leaving, next); /* SC CAS: LEAVE_DONE -> FREE */
    a->magic = 0;
}

/*
 * arena_graph.c - object graphs: attaching children, and freeing objects
 * that have children, under the arena's graph lock.
 *
 * A child's graph count (how many live parents hold it) changes only under
 * the lock, and every change is announced in the lock's log first (the
 * child and its count before). So when a holder dies in the middle, the
 * next taker compares the count with the log and knows exactly whether the
 * step happened: the log makes each step redoable once, never twice. The
 * objects being freed form a list threaded through their meta entries
 * (head in the log); children that die are inserted after the object being
 * processed, so freeing a deep graph uses no recursion and no stack.
 * Leaf objects never take the lock. Protocol: docs/arena.md, "Graph lock".
 */
#include "core/arena_internal.h"

/* May the lock word v be stolen: garbage, or its holder's incarnation gone (reaped, being reaped, a
 * zombie, free, or the slot taken by a new participant)? A LEAVING holder still runs: not stealable. */
static int lock_orphaned(const struct cosmosb_arena *a, uint32_t v)
{
    uint32_t holder = COSMOSB__LOCK_HOLDER(v);
    if (holder >= a->g.maxp || holder == a->self)
        return 1;
    /* SC: ordered with the reaper's mark, as in apart_gone. */
    uint32_t w = cosmosb__load_seq_cst(&cosmosb__apart(a, holder)->state);
    uint32_t k = COSMOSB__PART_KIND(w);
    return (k != COSMOSB__PART_ALIVE && k != COSMOSB__PART_LEAVING) || COSMOSB__PART_GEN(w) != COSMOSB__LOCK_GEN(v);
}

static void recover(struct cosmosb_arena *a);

/* Is the holder named by lock word v (its incarnation still ALIVE or LEAVING) dead by the platform? Then it
 * is marked a zombie (the next poll reaps it in full) and the next look steals the lock. Not a reap from
 * here: we may be inside a reap or a leave ourselves, whose pin list a nested reap would overwrite. */
static int lock_holder_died(struct cosmosb_arena *a, uint32_t v)
{
    if (!a->plat.peer_alive)
        return 0;
    struct cosmosb__arena_part *hr = cosmosb__apart(a, COSMOSB__LOCK_HOLDER(v)); /* bounded by lock_orphaned */
    /* SC: the holder's record, then its id (written at its join). */
    uint32_t hw = cosmosb__load_seq_cst(&hr->state);
    uint32_t id = cosmosb__load_relaxed(&hr->self_id);
    uint32_t hk = COSMOSB__PART_KIND(hw);
    if ((hk != COSMOSB__PART_ALIVE && hk != COSMOSB__PART_LEAVING) || COSMOSB__PART_GEN(hw) != COSMOSB__LOCK_GEN(v) ||
        !cosmosb__aid_known(id) || a->plat.peer_alive(a->plat.ctx, id) != COSMOSB_PEER_DEAD)
        return 0;
    /* SC CAS: against a reaper taking its mark. */
    (void)cosmosb__cas_val_seq_cst(&hr->state, hw,
                                   COSMOSB__PART_WORD(COSMOSB__PART_ZOMBIE, COSMOSB__PART_UNCOUNTED, COSMOSB__PART_GEN(hw)));
    return 1;
}

/*
 * Takes the graph lock: COSMOSB_OK, or COSMOSB_ETIMEDOUT when a holder that
 * looks alive kept it for COSMOSB__ARENA_LOCK_TIMEOUT_NS (a stuck process,
 * or a word written by a hostile peer that names a live participant: no
 * value makes a waiter spin forever). A dead holder never times a waiter
 * out (it is marked gone and the lock stolen). The same hold that timed
 * out before (same word and same lock_seq: every unlock and every steal
 * bumps it) is given up on after a short spin, and so is any hold once a
 * poll has spent its one full wait (lock_waits), so a poll that meets many
 * zombies or parents under a forged word costs one second, not one each.
 */
int cosmosb__arena_lock(struct cosmosb_arena *a)
{
    struct cosmosb__arena_hdr *h = a->hdr;
    uint32_t me = COSMOSB__LOCK_WORD(a->self, a->self_gen);
    uint64_t deadline = 0;
    uint32_t armed_v = 0, armed_seq = 0; /* the hold we saw when the deadline was set */
    for (uint32_t spins = 0;; spins++) {
        /* Acquire, before the word: the sequence of the hold we see, or an earlier one (never a later:
         * a memo of it can only fail to match a later hold). */
        uint32_t seq = cosmosb__load_acquire(&h->lock_seq);
        /* Relaxed: a filter; the CAS below decides. */
        uint32_t v = cosmosb__load_relaxed(&h->lock);
        if (v == 0) {
            /* SC CAS: takes the lock; acquires the previous holder's log and graph counts. */
            if (cosmosb__cas_val_seq_cst(&h->lock, 0, me) == 0) {
                /* A holder that died after a clean-looking unlock never happens (unlock
                 * clears the log first), but a log left by a stolen-then-dead taker may. */
                a->lock_stuck = 0;
                recover(a);
                return COSMOSB_OK;
            }
            continue;
        }
        if (lock_orphaned(a, v)) {
            /* The holder is gone (reaped, being reaped, departed, its slot
             * taken by a new participant), or the word is garbage: steal the
             * lock and finish what the log describes. SC CAS: one stealer; the
             * holder's generation in the word defeats a steal from a new
             * occupant of the slot that took the lock since we looked. */
            /* SC: a steal starts a hold of its own (the word may be the same: our own stale one), so
             * the sequence changes first (a failed steal only makes a waiter's memo miss). */
            (void)cosmosb__fetch_add_seq_cst(&h->lock_seq, 1);
            if (cosmosb__cas_val_seq_cst(&h->lock, v, me) == v) {
                a->lock_stuck = 0;
                recover(a);
                return COSMOSB_OK;
            }
            continue;
        }
        /* The holder's liveness: every 1024 rounds, and every 16 once we sleep (1 ms a round). */
        if (((spins % COSMOSB__ARENA_LOCK_CHECK) == COSMOSB__ARENA_LOCK_CHECK - 1u || (spins >= 64u && spins % 16u == 0)) &&
            lock_holder_died(a, v))
            continue;
        if (spins >= 64u) {
            /* Acquire, after the word: a later hold with the same word has a later sequence. */
            if ((a->lock_waits == COSMOSB__LOCK_WAITS_SPENT ||
                 (v == a->lock_stuck && cosmosb__load_acquire(&h->lock_seq) == a->lock_stuck_seq)) &&
                !lock_holder_died(a, v))
                return COSMOSB_ETIMEDOUT;
            uint64_t now = cosmosb__arena_now(a);
            if (!deadline) {
                deadline = now + COSMOSB__ARENA_LOCK_TIMEOUT_NS;
                armed_v = v;
                armed_seq = seq;
            } else if (now >= deadline) {
                if (lock_holder_died(a, v))
                    continue;
                /* Remembered only if it is the hold we waited for all along (same word and sequence as
                 * when the deadline was set): a hold that began meanwhile is waited for in full next time. */
                a->lock_stuck = (v == armed_v && seq == armed_seq) ? v : 0u;
                a->lock_stuck_seq = seq;
                if (a->lock_waits == COSMOSB__LOCK_WAITS_ONE)
                    a->lock_waits = COSMOSB__LOCK_WAITS_SPENT;
                return COSMOSB_ETIMEDOUT;
            }
        }
        if (spins < 64u) {
            cosmosb__cpu_relax();
        } else if (a->plat.wait32) {
            /* Acquire: the value we sleep on; pairs with unlock's SC add. */
            uint32_t sseq = cosmosb__load_acquire(&h->lock_seq);
            (void)cosmosb__fetch_add_seq_cst(&h->lock_sleepers, 1); /* SC: seen by unlock after its release */
            if (cosmosb__load_seq_cst(&h->lock) == v)
                (void)a->plat.wait32(a->plat.ctx, (const void *)&h->lock_seq, sseq, 1000000u);
            (void)cosmosb__fetch_add_seq_cst(&h->lock_sleepers, UINT32_MAX); /* SC: -1 */
            if (!a->plat.now_ns) /* no clock: count the sleep (up to 1 ms) on the virtual one */
                a->virtual_clock += 1000000u;
        } else if (a->plat.yield) {
            a->plat.yield(a->plat.ctx);
        } else {
            cosmosb__cpu_relax();
        }
    }
}

void cosmosb__arena_unlock(struct cosmosb_arena *a)
{
    struct cosmosb__arena_hdr *h = a->hdr;
    /* SC: the log is clean before the lock is free. */
    cosmosb__store_seq_cst(&h->log_op, COSMOSB__GLOG_NONE);
    /* SC: the sequence changes before the lock is free, so every hold has one sequence all along
     * (a waiter's memo of a hold never matches the next one); sleepers compare against it (one that
     * went to sleep on the old value returns at once). */
    (void)cosmosb__fetch_add_seq_cst(&h->lock_seq, 1);
    /* Release: our graph updates are visible to the next taker. */
    cosmosb__store_release(&h->lock, 0);
    /* SC: after the release, then look for sleepers. */
    if (cosmosb__load_seq_cst(&h->lock_sleepers) && a->plat.wake32)
        a->plat.wake32(a->plat.ctx, (const void *)&h->lock_seq, UINT32_MAX);
}

static int valid_idx(const struct cosmosb_arena *a, uint32_t v1)
{
    return v1 != 0 && v1 <= a->g.nobjects;
}

void cosmosb__arena_push_dying(struct cosmosb_arena *a, uint32_t idx)
{
    struct cosmosb__arena_hdr *h = a->hdr;
    /* The list is empty here: every taker of the lock finishes it first (recover). */
    /* SC stores throughout the log: a stealer reads them in this order. */
    cosmosb__store_seq_cst(&cosmosb__aobj(a, idx)->next, 0);
    cosmosb__store_seq_cst(&h->log_k, 0);
    cosmosb__store_seq_cst(&h->log_step, 0);
    cosmosb__store_seq_cst(&h->log_obj, idx + 1u);
    cosmosb__store_seq_cst(&h->log_op, COSMOSB__GLOG_FREE);
}

/* Child c's graph count dropped to 0: free it too if nobody holds it (under the lock). */
static void cascade(struct cosmosb_arena *a, uint32_t cur, uint32_t c)
{
    struct cosmosb__arena_obj *ce = cosmosb__aobj(a, c);
    /* After our SC store of its graph count: the same decision as try_free's (exactly one freer). */
    if (!cosmosb__arena_decide_free(a, c))
        return;
    /* Relaxed: we are its freer (DYING(me)); only the generation is read. */
    uint32_t w = cosmosb__load_relaxed(&ce->state);
    /* Relaxed: fixed since c was frozen. */
    if (cosmosb__load_relaxed(&ce->nchildren) == 0) {
        cosmosb__arena_finish_free(a, c, COSMOSB__OBJ_GEN(w));
        return;
    }
    /* Insert c after cur: processed when cur is done. A death between the
     * two stores leaves c DYING by us and unlinked: our reaper takes it over. */
    struct cosmosb__arena_obj *e = cosmosb__aobj(a, cur);
    cosmosb__store_seq_cst(&ce->next, cosmosb__load_seq_cst(&e->next)); /* SC: log order */
    cosmosb__store_seq_cst(&e->next, c + 1u);
}

/* The child list of a dying object (its header in data), and how many are attached. */
static uint32_t children_of(struct cosmosb_arena *a, uint32_t idx, uint32_t gen,
                            const volatile struct cosmosb__arena_child **list)
{
    struct cosmosb__arena_objinfo oi;
    if (cosmosb__arena_header(a, idx, gen, &oi) != COSMOSB_OK)
        return 0; /* a corrupt header: its children are leaked, nothing is read out of bounds */
    /* Relaxed: written under the lock before the object was frozen. */
    uint32_t n = cosmosb__load_relaxed(&cosmosb__aobj(a, idx)->nchildren);
    /* The list holds max_children entries before the payload (the checked copy's capacity bounds n). */
    *list = (const volatile struct cosmosb__arena_child *)(const volatile void *)(oi.at + COSMOSB_ARENA_OBJECT_HEADER);
    return n <= oi.max_children ? n : oi.max_children;
}

void cosmosb__arena_process_dying(struct cosmosb_arena *a)
{
    struct cosmosb__arena_hdr *h = a->hdr;
    /* Bounded: each round finishes one object, and an object is linked at most once per death. */
    for (uint32_t round = 0; round <= a->g.nobjects; round++) {
        /* SC loads of the log: it may have been left by a dead holder. */
        uint32_t head = cosmosb__load_seq_cst(&h->log_obj);
        if (!valid_idx(a, head))
            break;
        uint32_t cur = head - 1u;
        struct cosmosb__arena_obj *e = cosmosb__aobj(a, cur);
        uint32_t w = cosmosb__load_seq_cst(&e->state);
        uint32_t nxt = cosmosb__load_seq_cst(&e->next);
        if (!valid_idx(a, nxt))
            nxt = 0;
        if (COSMOSB__OBJ_STATE(w) != COSMOSB__OBJ_DYING) {
            /* Finished before the holder died (or garbage): pop it. */
            cosmosb__store_seq_cst(&h->log_k, 0);
            cosmosb__store_seq_cst(&h->log_step, 0);
            cosmosb__store_seq_cst(&h->log_obj, nxt);
            continue;
        }
        uint32_t gen = COSMOSB__OBJ_GEN(w);
        uint32_t mine = COSMOSB__OBJ_WORD(COSMOSB__OBJ_DYING, a->self + 1u, gen);
        /* SC CAS: we are its freer from now on (its previous freer is gone or is us). */
        if (w != mine && cosmosb__cas_val_seq_cst(&e->state, w, mine) != w)
            continue; /* changed under us: look again */
        const volatile struct cosmosb__arena_child *list = NULL;
        uint32_t n = children_of(a, cur, gen, &list);
        uint32_t k = cosmosb__load_seq_cst(&h->log_k);
        if (cosmosb__load_seq_cst(&h->log_step) == k + 1u) {
            /* Step k was announced: did its decrement happen? */
            uint32_t c = cosmosb__load_seq_cst(&h->log_child);
            uint32_t before = cosmosb__load_seq_cst(&h->log_before);
            if (c < a->g.nobjects && before != 0 &&
                cosmosb__load_seq_cst(&cosmosb__aobj(a, c)->graph) == before - 1u) {
                k++;
                cosmosb__store_seq_cst(&h->log_k, k);
                cosmosb__store_seq_cst(&h->log_step, 0);
                if (before == 1u)
                    cascade(a, cur, c);
            } else {
                cosmosb__store_seq_cst(&h->log_step, 0);
            }
        }
        for (; k < n; k++) {
            uint32_t c = list[k].object, cg = list[k].generation;
            if (c < a->g.nobjects) {
                struct cosmosb__arena_obj *ce = cosmosb__aobj(a, c);
                uint32_t cw = cosmosb__load_seq_cst(&ce->state);
                uint32_t v = cosmosb__load_seq_cst(&ce->graph);
                if (COSMOSB__OBJ_GEN(cw) == cg && COSMOSB__OBJ_STATE(cw) != COSMOSB__OBJ_FREE && v != 0) {
                    cosmosb__store_seq_cst(&h->log_child, c);
                    cosmosb__store_seq_cst(&h->log_before, v);
                    cosmosb__store_seq_cst(&h->log_step, k + 1u);
                    cosmosb__store_seq_cst(&ce->graph, v - 1u);
                    cosmosb__store_seq_cst(&h->log_k, k + 1u);
                    cosmosb__store_seq_cst(&h->log_step, 0);
                    if (v == 1u)
                        cascade(a, cur, c);
                    continue;
                }
            }
            /* A child that does not match (corrupt meta): skipped, never decremented twice. */
            cosmosb__store_seq_cst(&h->log_k, k + 1u);
        }
        nxt = cosmosb__load_seq_cst(&e->next); /* cascade may have linked children after cur */
        if (!valid_idx(a, nxt))
            nxt = 0;
        cosmosb__arena_finish_free(a, cur, gen);
        cosmosb__store_seq_cst(&h->log_k, 0);
        cosmosb__store_seq_cst(&h->log_obj, nxt);
    }
    cosmosb__store_seq_cst(&h->log_obj, 0);
}

/* We just took the lock: complete whatever a dead holder left in the log. */
static void recover(struct cosmosb_arena *a)
{
    struct cosmosb__arena_hdr *h = a->hdr;
    /* SC: read the log as it was left. */
    uint32_t op = cosmosb__load_seq_cst(&h->log_op);
    if (op != COSMOSB__GLOG_NONE)
        (void)cosmosb__fetch_add_seq_cst(&h->recoveries, 1); /* SC: statistics; never on a fast path */
    if (op == COSMOSB__GLOG_ADD_CHILD) {
        uint32_t p1 = cosmosb__load_seq_cst(&h->log_obj), k = cosmosb__load_seq_cst(&h->log_k);
        uint32_t c = cosmosb__load_seq_cst(&h->log_child), before = cosmosb__load_seq_cst(&h->log_before);
        if (valid_idx(a, p1) && c < a->g.nobjects && cosmosb__load_seq_cst(&h->log_step) == k + 1u) {
            struct cosmosb__arena_obj *pe = cosmosb__aobj(a, p1 - 1u);
            if (cosmosb__load_seq_cst(&pe->nchildren) == k &&
                cosmosb__load_seq_cst(&cosmosb__aobj(a, c)->graph) == before + 1u)
                cosmosb__store_seq_cst(&pe->nchildren, k + 1u); /* the count went up: the child is attached */
        }
    } else if (op == COSMOSB__GLOG_FREE) {
        cosmosb__arena_process_dying(a);
    }
    cosmosb__store_seq_cst(&h->log_step, 0);
    cosmosb__store_seq_cst(&h->log_op, COSMOSB__GLOG_NONE);
}

int cosmosb_arena_add_child(cosmosb_arena_t *a, const cosmosb_ref_t *parent, const cosmosb_ref_t *child)
{
    int rc = cosmosb__acheck(a);
    if (rc || !parent || !child)
        return rc ? rc : COSMOSB_EINVAL;
    if (!a->wdata)
        return COSMOSB_EPERM;
    uint32_t pw, cw;
    if ((rc = cosmosb__arena_entry(a, parent, &pw)) != 0 || (rc = cosmosb__arena_entry(a, child, &cw)) != 0)
        return rc;
    uint32_t p = parent->object, c = child->object;
    /* Relaxed: our own bit. */
    if (COSMOSB__OBJ_STATE(pw) != COSMOSB__OBJ_ALLOC || !cosmosb__arena_own(a, p, COSMOSB__OBJ_GEN(pw)) ||
        !(cosmosb__load_relaxed(&cosmosb__aholders(a, p)[a->myw]) & a->mybit))
        return COSMOSB_ESTATE;
    if (!COSMOSB__OBJ_IS_FROZEN(COSMOSB__OBJ_STATE(cw)) || !cosmosb__arena_own(a, c, COSMOSB__OBJ_GEN(cw)))
        return COSMOSB_ESTATE;
    struct cosmosb__arena_objinfo oi;
    if ((rc = cosmosb__arena_header(a, p, COSMOSB__OBJ_GEN(pw), &oi)) != 0)
        return rc;
    struct cosmosb__arena_hdr *h = a->hdr;
    struct cosmosb__arena_obj *pe = cosmosb__aobj(a, p), *ce = cosmosb__aobj(a, c);
    if ((rc = cosmosb__arena_lock(a)) != 0)
        return rc; /* held for a second by a participant that looks alive: nothing changed */
    /* SC loads and stores under the lock: a stealer replays the log against them. */
    uint32_t k = cosmosb__load_seq_cst(&pe->nchildren);
    uint32_t v = cosmosb__load_seq_cst(&ce->graph);
    if (k >= oi.max_children) { /* the checked copy: the header in data may have changed since */
        rc = COSMOSB_ENOMEM;
    } else if (v == UINT32_MAX) {
        rc = COSMOSB_EOVERFLOW;
    } else {
        struct cosmosb__arena_child *slot =
            (struct cosmosb__arena_child *)(void *)(a->wdata + (oi.at + COSMOSB_ARENA_OBJECT_HEADER - a->data) +
                                                    (uint64_t)k * sizeof(struct cosmosb__arena_child));
        slot->object = c;
        slot->generation = COSMOSB__OBJ_GEN(cw);
        cosmosb__store_seq_cst(&h->log_obj, p + 1u);
        cosmosb__store_seq_cst(&h->log_k, k);
        cosmosb__store_seq_cst(&h->log_child, c);
        cosmosb__store_seq_cst(&h->log_before, v);
        cosmosb__store_seq_cst(&h->log_step, k + 1u);
        cosmosb__store_seq_cst(&h->log_op, COSMOSB__GLOG_ADD_CHILD);
        cosmosb__store_seq_cst(&ce->graph, v + 1u);
        cosmosb__store_seq_cst(&pe->nchildren, k + 1u);
        cosmosb__store_seq_cst(&h->log_step, 0);
    }
    cosmosb__arena_unlock(a);
    return rc;
}

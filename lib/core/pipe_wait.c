/*
 * pipe_wait.c - time, sleeping, waking and peer liveness for pipes.
 *
 * The sleep/wake protocol (docs/pipe.md, "Sleeping and waking"):
 *
 *   sleeper                                   waker
 *   seq = load_acquire(doorbell)              publish index (store_release)
 *   fetch_or(sleeping, SLEEP_FUTEX)  [SC]     fence [SC]
 *   re-check the condition                    if (load(sleeping)):
 *   if still unmet: wait32(doorbell, seq)         bits = exchange(sleeping, 0) [SC]
 *                                                 if bits & FUTEX: fetch_add(doorbell,1); wake32
 *
 * Either the waker's load sees the sleeping bit, or the sleeper's re-check
 * sees the published index (the two SC operations cannot both miss each
 * other). A wake that happens between the re-check and wait32 changed the
 * doorbell, so wait32 returns at once: no wakeup is lost.
 *
 * Asymmetric variant (platforms with heavy_barrier, e.g. Linux membarrier):
 * the sleeper issues heavy_barrier() right after its fetch_or, and the waker
 * replaces its fence by a compiler barrier. The heavy barrier runs a full
 * barrier on every CPU running a registered waker: either the waker's index
 * store was before that barrier (the sleeper's re-check sees it) or its load
 * of `sleeping` is after it (it sees the bit). A waker not running at that
 * moment went through a context switch, itself a full barrier. The fast
 * paths then carry no fence at all; sleeping costs one more system call.
 *
 * Frequent sleepers (sleep_needs_heavy): a registered side that sleeps often
 * stores FENCE in the word its wakers read after their publishing store, and
 * sleeps with the SC fence instead; wakers that read FENCE fence. The switch
 * is made inside a sleep that still issues the heavy barrier, after the store
 * (docs/pipe.md, "Frequent sleepers").
 */
#include "core/pipe_internal.h"

uint64_t cosmosb__now(struct cosmosb_pipe *p)
{
    if (p->plat.now_ns)
        return p->plat.now_ns(p->plat.ctx);
    /* No clock: every look at the time counts as 50 ns, so timeouts still
     * expire (approximately; see platform.h). */
    p->virtual_clock += 50;
    return p->virtual_clock;
}

uint64_t cosmosb__deadline(struct cosmosb_pipe *p, uint64_t timeout_ns)
{
    if (timeout_ns == COSMOSB_TIMEOUT_FOREVER)
        return COSMOSB_TIMEOUT_FOREVER;
    uint64_t now = cosmosb__now(p);
    return (now > UINT64_MAX - 1 - timeout_ns) ? UINT64_MAX - 1 : now + timeout_ns;
}

void cosmosb__wake(struct cosmosb_pipe *p, cosmosb__au32 *sleeping, cosmosb__au32 *doorbell, int notify_ok)
{
    /* SC: take the bits so that exactly one waker pays for the syscall. */
    uint32_t bits = cosmosb__exchange_seq_cst(sleeping, 0);
    if (bits & COSMOSB__SLEEP_FUTEX) {
        /* SC: the doorbell change is what the sleeper's wait32 compares against. */
        cosmosb__fetch_add_seq_cst(doorbell, 1);
        if (p->plat.wake32)
            p->plat.wake32(p->plat.ctx, (const void *)doorbell, UINT32_MAX);
        p->stats.wakeups_sent++;
    }
    /* Only a consumer asks to be notified out of band; a NOTIFY bit in a producer's word is a hostile
     * producer's, which would make us write to a descriptor it controls (it can make the write block). */
    if (notify_ok && (bits & COSMOSB__SLEEP_NOTIFY) && p->plat.notify) {
        p->plat.notify(p->plat.ctx, p->channel);
        p->stats.wakeups_sent++;
    }
}

/*
 * Sleeps on doorbell while it holds seq, until the deadline or the next
 * liveness check, whichever is first. Returns 0 (go and re-check) or
 * COSMOSB_ETIMEDOUT when the deadline has passed.
 */
int cosmosb__sleep(struct cosmosb_pipe *p, cosmosb__au32 *doorbell, uint32_t seq, uint64_t deadline)
{
    uint64_t now = cosmosb__now(p);
    if (deadline != COSMOSB_TIMEOUT_FOREVER && now >= deadline)
        return COSMOSB_ETIMEDOUT;
    p->stats.sleeps++;
    if (!p->plat.wait32) {
        /* No scheduler: spin politely; the caller loops and re-checks. */
        if (p->plat.yield)
            p->plat.yield(p->plat.ctx);
        else
            cosmosb__cpu_relax();
        return COSMOSB_OK;
    }
    uint64_t slice = p->heavy == 2 ? COSMOSB__DEGRADED_SLICE_NS : COSMOSB__LIVENESS_NS;
    if (deadline != COSMOSB_TIMEOUT_FOREVER && deadline - now < slice)
        slice = deadline - now;
    int rc = p->plat.wait32(p->plat.ctx, (const void *)doorbell, seq, slice);
    (void)rc; /* woken, changed, interrupted or sliced: the caller re-checks either way */
    return COSMOSB_OK;
}

/*
 * For a registered side (heavy == 1) that has announced a sleep: decides
 * whether its wakers fence or it issues heavy barriers (docs/pipe.md,
 * "Frequent sleepers"), updates the word they read, and returns 1 if this
 * sleep needs a heavy barrier, 0 if an SC fence serves. Switching to FENCE
 * takes one last heavy barrier: a waker that read HEAVY before it is covered
 * by it, and every waker reads the word after its own publishing store, so
 * one that read HEAVY did that store before the barrier. Switching back to
 * HEAVY needs nothing more than this sleep's heavy barrier (a waker that
 * still reads FENCE only fences needlessly).
 */
static int sleep_needs_heavy(struct cosmosb_pipe *p, uint64_t now)
{
    int consumer = p->role == COSMOSB_ROLE_CONSUMER;
    cosmosb__au32 *word = consumer ? &p->hdr->consumer_heavy : &p->pv[0].ctl->heavy;
    uint64_t done = consumer ? p->stats.received : p->stats.sent;
    int frequent = done - p->sleep_mark < COSMOSB__FREQUENT_MESSAGES && now - p->sleep_time < COSMOSB__FREQUENT_NS;
    p->sleep_mark = done;
    p->sleep_time = now;
    p->frequent_sleeps = frequent ? p->frequent_sleeps + (p->frequent_sleeps < COSMOSB__FREQUENT_SLEEPS) : 0;
    if (p->fence_mode) {
        if (frequent)
            return 0;
        p->fence_mode = 0;
        /* Relaxed: ordered before the wakers' reads by the heavy barrier of this sleep, which follows. */
        cosmosb__store_relaxed(word, COSMOSB__HEAVY_HEAVY);
        return 1;
    }
    if (p->frequent_sleeps >= COSMOSB__FREQUENT_SLEEPS) {
        p->fence_mode = 1;
        /* Relaxed: as above; this sleep still issues the heavy barrier that makes the switch safe. */
        cosmosb__store_relaxed(word, COSMOSB__HEAVY_FENCE);
    }
    return 1;
}

/* Called by a side right after it announced its sleep (fetch_or of its bit). */
void cosmosb__sleeper_barrier(struct cosmosb_pipe *p)
{
    if (p->heavy == 1 && !sleep_needs_heavy(p, cosmosb__now(p))) {
        /* SC fence: our wakers fence too (our word says FENCE), so Dekker holds with fences on both sides. */
        cosmosb__fence_seq_cst();
        return;
    }
    if (p->heavy == 1 && p->plat.heavy_barrier(p->plat.ctx) == 0)
        return; /* the heavy barrier orders every waker's store before its load for us */
    if (p->heavy == 1) {
        /* Cannot guarantee that light wakers see us: from now on we sleep in
         * short slices (bounded delay instead of a lost wakeup). */
        p->heavy = 2;
    }
    /* SC fence: our announcement (the SC fetch_or) before the re-check loads, against the waker's store,
     * SC fence (cosmosb__waker_barrier), sleeping load (Dekker). C11 guarantees that with a fence on
     * both sides; the fetch_or alone is enough on x86 and ARMv8 (LDAR), not on every mapping (RISC-V,
     * POWER, ARMv8.3 LDAPR). Only on the way to sleep: one locked instruction on x86. */
    cosmosb__fence_seq_cst();
}

/*
 * The sleeper barrier of a wait set: every pipe in ps has announced its sleep, none has re-checked yet.
 * A heavy barrier orders every registered waker's accesses on every CPU, whichever pipe asks for it (see
 * platform.h), so one successful call of a hook placed after all the announcements serves every pipe that
 * has the same hook, whatever its context (platform.h: a barrier issued anywhere; a hook whose effect
 * depended on its ctx would break that contract): their announcements all precede it, their re-checks all
 * follow it. A failed call degrades each pipe that relied on it, as cosmosb__sleeper_barrier does; pipes
 * without heavy barriers (or degraded) get the SC fence.
 */
void cosmosb__sleeper_barrier_many(struct cosmosb_pipe *const *ps, uint32_t n)
{
    int (*done)(void *) = NULL;
    int done_ok = 0, fence = 0, have_now = 0;
    uint64_t now = 0;
    /* First every decision, with its store of the pipe's word, then the barriers: a switch to FENCE
     * must come before a heavy barrier of the round (review of the frequent sleepers: deciding pipe by
     * pipe stored FENCE for later pipes after the round's only barrier). */
    for (uint32_t i = 0; i < n; i++) {
        struct cosmosb_pipe *p = ps[i];
        if (p->heavy == 1 && !have_now) {
            /* One look at the clock per round, not per pipe (128 pipes per set). A set whose pipes have
             * different clocks only makes some sleeps look not frequent: heavy barriers, the safe side. */
            now = cosmosb__now(p);
            have_now = 1;
        }
        p->round_heavy = p->heavy == 1 && sleep_needs_heavy(p, now);
    }
    for (uint32_t i = 0; i < n; i++) {
        struct cosmosb_pipe *p = ps[i];
        if (!p->round_heavy) {
            fence = 1; /* not registered, degraded, or asking its wakers to fence: an SC fence serves */
            continue;
        }
        /* One call per hook: a heavy barrier issued anywhere covers every registered process (platform.h),
         * whatever ctx it is called with (review 27: every Linux pipe has a ctx of its own, so matching ctx
         * too made one call per pipe again). */
        if (!done || p->plat.heavy_barrier != done) {
            done = p->plat.heavy_barrier;
            done_ok = done(p->plat.ctx) == 0;
        }
        if (!done_ok) {
            p->heavy = 2; /* as in cosmosb__sleeper_barrier: short slices from now on */
            fence = 1;
        }
    }
    /* SC fence: as in cosmosb__sleeper_barrier, for every pipe not covered by a heavy barrier. */
    if (fence)
        cosmosb__fence_seq_cst();
}

/* Registers this process for heavy barriers; 1 if the asymmetric protocol may be used. */
int cosmosb__heavy_register(struct cosmosb_pipe *p)
{
    if (!p->plat.heavy_barrier || !p->plat.heavy_barrier_register)
        return 0;
    return p->plat.heavy_barrier_register(p->plat.ctx) == 0;
}

/* COSMOSB_PEER_ALIVE / _DEAD / _UNKNOWN for the process behind an owner word. */
int cosmosb__peer_alive(struct cosmosb_pipe *p, uint32_t owner_word)
{
    if (!p->plat.peer_alive)
        return COSMOSB_PEER_UNKNOWN;
    return p->plat.peer_alive(p->plat.ctx, owner_word & ~COSMOSB__OWNER_BIT);
}

/*
 * pipe_internal.h - the private (process-local) side of a pipe handle.
 *
 * A handle keeps its own master copy of every index it owns and of the
 * geometry, so nothing a peer scribbles into shared memory can move its
 * accesses out of bounds. Shared words are only ever read into locals and
 * checked.
 */
#ifndef COSMOSB_CORE_PIPE_INTERNAL_H
#define COSMOSB_CORE_PIPE_INTERNAL_H

#include "cosmosb/pipe.h"
#include "cosmosb/error.h"
#include "core/atomic.h"
#include "core/layout.h"
#include "cosmosb/version.h"

#define COSMOSB__HANDLE_MAGIC 0x48424d43u /* "CMBH" */
#define COSMOSB__DEFAULT_SPIN_NS 50000u
/* Blocked calls look at their peer's liveness at least this often. */
#define COSMOSB__LIVENESS_NS ((uint64_t)COSMOSB_LIVENESS_SLICE_MS * 1000000ull)
/* Sleep slice of a side whose heavy barrier failed (see cosmosb__sleeper_barrier). */
#define COSMOSB__DEGRADED_SLICE_NS 1000000ull
/* A registered side asks its wakers to fence instead of issuing heavy barriers (docs/pipe.md, "Frequent
 * sleepers") after this many sleeps in a row, each less than FREQUENT_NS after the one before and with
 * fewer than FREQUENT_MESSAGES messages handled in between; one sleep that is not frequent returns it to
 * heavy barriers. A heavy barrier costs about a system call or more (20 us on a VM whose inter-processor
 * interrupts exit to the hypervisor), a fence about 5-20 ns per publish: below a few hundred messages per
 * sleep the fences are cheaper. */
#define COSMOSB__FREQUENT_SLEEPS 4u
#define COSMOSB__FREQUENT_NS 1000000ull
#define COSMOSB__FREQUENT_MESSAGES 256u
/* A consumer rescans every producer slot after this many empty polls. */
#define COSMOSB__RESCAN_IDLE 256u

/* A reap scrubs a lane (rather than moving the next producer one lap ahead) once its positions are
 * this far from its last scrub (docs/pipe.md, "Peer death and reaping"). */
#define COSMOSB__SCRUB_DISTANCE 0x80000000u

/* Private view of one lane (SPSC ring). */
struct cosmosb__lane {
    uint8_t *slots;            /* first slot in this process's mapping */
    cosmosb__au32 *tail;       /* shared: producer's index */
    cosmosb__au32 *head;       /* shared: consumer's index */
    uint32_t mask;             /* capacity - 1 */
    uint32_t capacity;
    uint32_t pos;              /* master copy of our own index (tail or head) */
    union {
        uint32_t cached;       /* producer: last value read of the consumer's head */
        uint32_t vouch_end;    /* consumer: positions [vouch_end - capacity, vouch_end) are ready only if the
                                * tail vouches too (the first lap of a producer after a reap without scrub) */
    };
};

/* Consumer's private state for a producer slot. */
#define COSMOSB__PV_FREE 0u    /* no producer known */
#define COSMOSB__PV_ACTIVE 1u  /* attached, being served */
#define COSMOSB__PV_DEAD 2u    /* found dead: drain, then reap */
#define COSMOSB__PV_CLOSED 3u  /* closed cleanly: drain, then reap */
#define COSMOSB__PV_CORRUPT 4u /* indices impossible: quarantined until it dies or closes */

struct cosmosb__producer_view {
    struct cosmosb__producer_ctl *ctl;
    struct cosmosb__lane lane[COSMOSB__LANES];
    uint32_t state;  /* COSMOSB__PV_* */
    uint32_t owner;  /* owner word seen when discovered */
};

/* Consumer's private state for a producer slot that only reaps and the typed receiver's removals use
 * (kept out of cosmosb__producer_view, whose size the receive path multiplies by). */
struct cosmosb__producer_cold {
    uint32_t epoch;                      /* changes at every reap; in views (mod 2^24): one from another
                                          * epoch may name the same position of the next producer of this
                                          * block */
    uint32_t scrubbed[COSMOSB__LANES];   /* position of each lane's last scrub (0: the pipe's creation) */
};

struct cosmosb_pipe {
    uint32_t magic;          /* COSMOSB__HANDLE_MAGIC while open */
    uint32_t role;           /* COSMOSB_ROLE_* */
    uint32_t mode;
    uint32_t slot_size;
    uint32_t slot_stride;
    uint32_t max_producers;
    uint32_t cfg_flags;
    uint32_t self_index;     /* producer: its slot */
    uint32_t peer_id;        /* producer: the consumer's id */
    uint32_t departed;       /* consumer: 0, or ECLOSED/EPEERDEAD of the last producer to leave with none left */
    uint32_t rr;             /* consumer: round-robin start */
    uint32_t seen_attach;    /* consumer: last attach_seq seen */
    uint32_t departing;      /* consumer: served producers in state DEAD or CLOSED */
    uint32_t idle_polls;     /* consumer: empty polls since the last full rescan */
    uint32_t nserving;       /* consumer: entries in serving[] */
    uint8_t serving[COSMOSB_PIPE_MAX_PRODUCERS]; /* consumer: producer slots being served (ACTIVE/DEAD/CLOSED/CORRUPT) */
    uint32_t reserve_valid;  /* producer: bit per lane with an outstanding reservation */
    uint32_t heavy;          /* 0: no heavy barriers; 1: registered, we issue one before sleeping;
                              * 2: registered, but our heavy barrier failed (we sleep in short slices) */
    uint32_t light_publish;  /* producer: we and the consumer are registered for heavy barriers, so a publish
                              * needs no fence while the consumer's word says HEAVY */
    uint32_t fence_mode;     /* registered, but our wakers are asked to fence (our word says FENCE) */
    uint32_t round_heavy;    /* a wait set's round: this pipe's sleep needs the heavy barrier */
    uint32_t frequent_sleeps; /* consecutive sleeps that came soon after the one before (see pipe_wait.c) */
    uint64_t sleep_mark;     /* messages handled (received or sent) at our last sleep */
    uint64_t sleep_time;     /* time of our last sleep */
    uint64_t spin_ns;
    uint64_t virtual_clock;  /* time source when the platform has no clock */
    uint64_t next_liveness;  /* time of the next liveness check while blocked (kept across calls) */
    struct cosmosb__pipe_hdr *hdr;
    uint8_t *base;
    uint64_t size;
    cosmosb_platform_t plat;
    void *channel;
    void *host;              /* owned by the hosted layer (lib/os) */
    cosmosb_pipe_stats_t stats;
    uint32_t capacity;       /* normal lane slots */
    uint32_t urgent_capacity;/* urgent lane slots */
    uint64_t producer_stride;/* bytes per producer block */
    struct cosmosb__producer_cold cold[COSMOSB_PIPE_MAX_PRODUCERS]; /* consumer */
    /* producer: self (1 entry); consumer: max_producers entries */
    struct cosmosb__producer_view pv[];
};

static inline uint32_t cosmosb__lane_of(uint32_t flags)
{
    return (flags & COSMOSB_MSG_URGENT) ? COSMOSB__LANE_URGENT : COSMOSB__LANE_NORMAL;
}

/* A read prefetch hint (no effect on targets without one). */
static inline void cosmosb__prefetch(const void *addr)
{
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(addr, 0, 3);
#else
    (void)addr;
#endif
}

static inline struct cosmosb__slot_hdr *cosmosb__slot(const struct cosmosb_pipe *p,
                                                      const struct cosmosb__lane *l, uint32_t idx)
{
    return (struct cosmosb__slot_hdr *)(void *)(l->slots + (uint64_t)(idx & l->mask) * p->slot_stride);
}

/*
 * Does the sleeper whose word this is sleep with heavy barriers (HEAVY)? A
 * waker asks after its publishing store: the compiler barrier keeps the
 * relaxed load after that store in program order, which is all the switch
 * to FENCE relies on (docs/pipe.md, "Frequent sleepers"). Relaxed: a flag;
 * any value but HEAVY makes the caller fence.
 */
static inline int cosmosb__sleeps_heavy(cosmosb__au32 *word)
{
    __asm__ __volatile__("" ::: "memory");
    return cosmosb__load_relaxed(word) == COSMOSB__HEAVY_HEAVY;
}

/*
 * The waker's half of the sleep/wake protocol, after it published an index:
 * a full fence, or only a compiler barrier when the sleeper issues a heavy
 * (asymmetric) barrier that covers us (docs/pipe.md, "Sleeping and waking").
 */
static inline void cosmosb__waker_barrier(uint32_t light)
{
    if (light)
        __asm__ __volatile__("" ::: "memory");
    else
        cosmosb__fence_seq_cst();
}

/*
 * Blocked calls look at their peer's liveness when this returns 1: at the
 * first sleep of a handle, then at most every COSMOSB__LIVENESS_NS. The
 * schedule lives in the handle, not in one call, so an event loop that waits
 * in short slices (20 ms timeouts) still notices a death.
 */
static inline int cosmosb__liveness_due(struct cosmosb_pipe *p, uint64_t now)
{
    if (now < p->next_liveness)
        return 0;
    p->next_liveness = now + COSMOSB__LIVENESS_NS;
    return 1;
}

/* pipe_consumer.c: cosmosb_pipe_wait_prepare in halves, for a wait set that puts one barrier between
 * all its announcements and all its re-checks. announce: token, then the SC fetch_or of the FUTEX bit.
 * recheck (after a sleeper barrier): COSMOSB_OK (stay announced, sleep), else withdraws the bit and
 * returns EAGAIN (messages) or the departure status. The handle must be a valid consumer. */
void cosmosb__wait_announce(struct cosmosb_pipe *p, cosmosb_wait_token_t *token);
int cosmosb__wait_recheck(struct cosmosb_pipe *p);
int cosmosb__wait_ready(struct cosmosb_pipe *p);

/* pipe_wait.c */
void cosmosb__sleeper_barrier(struct cosmosb_pipe *p);
/* cosmosb__sleeper_barrier for n consumers that have all announced their sleeps (a wait set): one heavy
 * barrier call per distinct hook, not one per pipe. */
void cosmosb__sleeper_barrier_many(struct cosmosb_pipe *const *ps, uint32_t n);
int cosmosb__heavy_register(struct cosmosb_pipe *p);
uint64_t cosmosb__now(struct cosmosb_pipe *p);
uint64_t cosmosb__deadline(struct cosmosb_pipe *p, uint64_t timeout_ns);
/* notify_ok: the sleeper is a consumer (the only side that may ask for an out-of-band notify). */
void cosmosb__wake(struct cosmosb_pipe *p, cosmosb__au32 *sleeping, cosmosb__au32 *doorbell, int notify_ok);
int cosmosb__sleep(struct cosmosb_pipe *p, cosmosb__au32 *doorbell, uint32_t seq, uint64_t deadline);
int cosmosb__peer_alive(struct cosmosb_pipe *p, uint32_t owner_word);

/* pipe_consumer.c */
void cosmosb__consumer_discover(struct cosmosb_pipe *p);
int cosmosb__consumer_check_liveness(struct cosmosb_pipe *p);
uint32_t cosmosb__consumer_queued(struct cosmosb_pipe *p);
uint32_t cosmosb__consumer_view_epoch(const struct cosmosb_pipe *p, const cosmosb_msg_view_t *view);
int cosmosb__consumer_consume_handled(struct cosmosb_pipe *p, const cosmosb_msg_view_t *view, uint32_t epoch);
void cosmosb__producer_view_init(struct cosmosb_pipe *p, struct cosmosb__producer_view *v, uint32_t index);

/*
 * Spin phase of a waiting call. The first steps poll without looking at the
 * clock (a clock read costs ~20 ns, as much as a message), then the clock
 * is read every 32 steps. The deadline is fixed at the first clock read.
 * A step after a poll that reaped a producer (a reap that scrubs rewrites
 * the sequence word of every slot of its lanes, up to 2^21 stores; one in
 * 2^31 / capacity reaps does) reads the clock at once: a hostile producer
 * that keeps getting itself reaped could otherwise stretch a 1 us wait to
 * seconds (pipe fuzzing, docs/pipe.md section 15).
 */
#define COSMOSB__PRESPIN 64u
struct cosmosb__spin {
    uint64_t iter;
    uint64_t start;
    uint64_t deadline;
    uint64_t timeout_ns;
    uint32_t reaps; /* p->stats.producers_reaped at the previous step */
};

static inline void cosmosb__spin_init(struct cosmosb_pipe *p, struct cosmosb__spin *s, uint64_t timeout_ns)
{
    s->iter = 0;
    s->start = 0;
    s->deadline = 0;
    s->timeout_ns = timeout_ns;
    s->reaps = p->stats.producers_reaped;
}

/* Returns 1 while the caller may keep polling, 0 when the budget or the deadline is used up. */
static inline int cosmosb__spin_step(struct cosmosb_pipe *p, struct cosmosb__spin *s)
{
    if (p->spin_ns == 0)
        return 0;
    uint64_t i = ++s->iter;
    int reaped = p->stats.producers_reaped != s->reaps;
    s->reaps = p->stats.producers_reaped;
    if (i < COSMOSB__PRESPIN && p->spin_ns >= 4096u && !reaped) {
        cosmosb__cpu_relax();
        return 1;
    }
    if (s->start == 0) {
        s->start = cosmosb__now(p);
        s->deadline = cosmosb__deadline(p, s->timeout_ns);
    } else if ((i & 31u) == 0 || reaped) {
        uint64_t now = cosmosb__now(p);
        if (now - s->start >= p->spin_ns)
            return 0;
        if (s->deadline != COSMOSB_TIMEOUT_FOREVER && now >= s->deadline)
            return 0;
    }
    cosmosb__cpu_relax();
    return 1;
}

/* The deadline of a wait whose spin phase is over. */
static inline uint64_t cosmosb__spin_deadline(struct cosmosb_pipe *p, struct cosmosb__spin *s)
{
    if (s->start == 0) {
        s->start = 1;
        s->deadline = cosmosb__deadline(p, s->timeout_ns);
    }
    return s->deadline;
}

static inline int cosmosb__check(const struct cosmosb_pipe *p, uint32_t role)
{
    if (!p || p->magic != COSMOSB__HANDLE_MAGIC)
        return COSMOSB_EINVAL;
    if (role && p->role != role)
        return COSMOSB_EROLE;
    return COSMOSB_OK;
}

#endif /* COSMOSB_CORE_PIPE_INTERNAL_H */

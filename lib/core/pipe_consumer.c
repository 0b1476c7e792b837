/*
 * pipe_consumer.c - the receiving end: discovery and reaping of producers,
 * recv, peek/consume, batch receive, waiting, notification.
 *
 * The consumer owns every lane's head (master copy lane->pos, private). The
 * message at position pos of a lane is ready when its slot's seq reads
 * exactly pos + 1 (acquire); anything else means "not yet", so a producer
 * that scribbles over indices or sequence numbers can hide its own messages
 * but never make us read out of bounds. A slot header is read once into
 * private memory and its length checked against the private slot_size
 * before any byte is copied.
 */
#include "core/pipe_internal.h"
#include "core/compiler.h"

static void serving_add(struct cosmosb_pipe *p, uint32_t index)
{
    p->serving[p->nserving++] = (uint8_t)index;
}

static void serving_remove(struct cosmosb_pipe *p, uint32_t index)
{
    for (uint32_t j = 0; j < p->nserving; j++) {
        if (p->serving[j] == index) {
            p->serving[j] = p->serving[--p->nserving];
            break;
        }
    }
    if (p->rr >= p->nserving)
        p->rr = 0;
}

static int serves(const struct cosmosb__producer_view *v)
{
    return v->state == COSMOSB__PV_ACTIVE || v->state == COSMOSB__PV_DEAD || v->state == COSMOSB__PV_CLOSED;
}

static int departing_state(uint32_t state)
{
    return state == COSMOSB__PV_DEAD || state == COSMOSB__PV_CLOSED;
}

static void set_state(struct cosmosb_pipe *p, struct cosmosb__producer_view *v, uint32_t state)
{
    p->departing += (uint32_t)departing_state(state) - (uint32_t)departing_state(v->state);
    v->state = state;
}

static inline int slot_ready(const struct cosmosb_pipe *p, const struct cosmosb__lane *lane, uint32_t pos)
{
    const struct cosmosb__slot_hdr *h = cosmosb__slot(p, lane, pos);
    /* A2: acquire pairs with R1 in the producer: this message's header and payload are visible. */
    if (cosmosb__load_acquire(&h->seq) == pos + 1) {
        /* In the first lap of a producer after a reap without scrub, a seq word may be one the departed
         * producer planted ahead (a hostile one that died: review 13): the new producer's tail must
         * vouch for the position too. Acquire: pairs with its R4, made after its R1 of pos. After that
         * lap the new producer has written every slot itself. */
        if (COSMOSB__UNLIKELY(lane->vouch_end - 1u - pos < lane->capacity))
            return cosmosb__load_acquire(lane->tail) - pos - 1u < lane->capacity;
        return 1;
    }
    /* Not published yet: while we poll the seq line, also pull the slot's
     * next line (a slot of more than 48 payload bytes spans two). The
     * producer writes it before the seq, so when the seq lands the payload
     * line is already on its way instead of being fetched after it. A hint
     * only: it reads nothing the protocol relies on. */
    if (p->slot_stride > COSMOSB__CL)
        cosmosb__prefetch((const uint8_t *)h + COSMOSB__CL);
    return 0;
}

/*
 * How many messages from lane->pos on are ready, up to max. The producer
 * stores its tail (release) after the sequence words of the messages it
 * counts, so a sane tail vouches for a whole run at the cost of one load,
 * where checking each slot's seq would serialise on every slot line, and
 * a waiting batch receiver polls the tail line, not the slot line the
 * producer is writing. An impossible tail (hostile) falls back to the seqs;
 * one that is behind only hides the liar's own messages (or, for a producer
 * that departed, is ignored: see below).
 * Either way a lying producer can only make us read its own lane's slots,
 * whose headers are checked like any other.
 */
static inline uint32_t ready_run(const struct cosmosb_pipe *p, const struct cosmosb__producer_view *v,
                                 const struct cosmosb__lane *lane, uint32_t max)
{
    /* A3: acquire pairs with R4 in the producer: the slots before tail are published. */
    uint32_t n = cosmosb__load_acquire(lane->tail) - lane->pos;
    if (n > lane->capacity)
        n = 0; /* an impossible tail: the seqs are counted */
    else if (!departing_state(v->state))
        return n < max ? n : max;
    /* A producer killed between R1 and R4 left a tail behind its last seqs: for a
     * departed one, the seqs past the tail's run count too (review 15: a bulk receive
     * found fewer than were queued and returned EPEERDEAD). */
    while (n < max && n < lane->capacity && slot_ready(p, lane, lane->pos + n))
        n++;
    return n < max ? n : max;
}

/* Publishes a new head and wakes the producer if it sleeps on a full lane. */
static void release_head(struct cosmosb_pipe *p, struct cosmosb__producer_view *v, struct cosmosb__lane *lane)
{
    /* R2: release; we are done reading the slots before pos. Pairs with A1 in the producer. */
    cosmosb__store_release(lane->head, lane->pos);
    /* Head store before the sleeping load (Dekker with the producer's SC
     * fetch_or): a full fence, or nothing if that producer sleeps with a heavy barrier. */
    cosmosb__waker_barrier(p->heavy && cosmosb__sleeps_heavy(&v->ctl->heavy));
    if (cosmosb__load_relaxed(&v->ctl->sleeping))
        cosmosb__wake(p, &v->ctl->sleeping, &v->ctl->doorbell, 0); /* a producer: never notified */
}

static int lanes_drained(const struct cosmosb_pipe *p, const struct cosmosb__producer_view *v)
{
    for (uint32_t l = 0; l < COSMOSB__LANES; l++)
        if (slot_ready(p, &v->lane[l], v->lane[l].pos))
            return 0;
    return 1;
}

/* Returns a departed producer's slot to the pool (the producer is gone). */
static void reap(struct cosmosb_pipe *p, uint32_t index)
{
    struct cosmosb__producer_view *v = &p->pv[index];
    uint32_t why = (v->state == COSMOSB__PV_CLOSED) ? (uint32_t)-COSMOSB_ECLOSED : (uint32_t)-COSMOSB_EPEERDEAD;
    for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
        struct cosmosb__lane *lane = &v->lane[l];
        /* Nothing the departed producer left behind may pass for the next
         * producer's message (docs/pipe.md, "Peer death and reaping"). An
         * honest producer leaves in each slot q + 1 (a message) or q (a scrub,
         * or 0 from the creation) for a position q from the lane's last scrub
         * up to pos + capacity - 1 (it is never more than capacity ahead of
         * us). So the next producer starts one lap ahead, at pos + capacity:
         * no such word is q + 1 for a position q it will use, as long as the
         * positions stay less than 2^32 from the last scrub (a hostile one's
         * words: the first-lap vouching below). Once they are
         * 2^31 away, the lane is scrubbed instead: slot q gets seq q (never
         * "ready"), and the next producer starts where we are. One scrub per
         * 2^31 positions (2048 reaps at the largest capacity), where every
         * reap used to rewrite every slot (about 28 ms at capacity 2^20).
         * (The distance is taken modulo 2^32: it can only wrap after the
         * producers wrote all the way round, and then every word is recent.)
         * Relaxed: published by the release of owner below. */
        uint32_t next = lane->pos + lane->capacity;
        if (next - p->cold[index].scrubbed[l] >= COSMOSB__SCRUB_DISTANCE) {
            for (uint32_t k = 0; k < lane->capacity; k++)
                cosmosb__store_relaxed(&cosmosb__slot(p, lane, lane->pos + k)->seq, lane->pos + k);
            p->cold[index].scrubbed[l] = lane->pos;
            next = lane->pos;
            lane->vouch_end = next; /* [next - capacity, next): behind us, no vouching needed */
        } else {
            /* A hostile producer is not held to the lap: before it died it may have written q + 1
             * into the slot of a position q of the next lap (review 13: the next producer's first
             * message was lost and the planted one delivered in its name). So through the next
             * producer's first lap, a slot is ready only if its tail vouches too (slot_ready). */
            lane->vouch_end = next + lane->capacity;
        }
        lane->pos = next;
        cosmosb__store_relaxed(lane->tail, next); /* the next producer reads it at its claim */
        cosmosb__store_relaxed(lane->head, next);
    }
    cosmosb__store_relaxed(&v->ctl->closed, 0);
    cosmosb__store_relaxed(&v->ctl->sleeping, 0);
    cosmosb__store_relaxed(&v->ctl->heavy, 0);
    cosmosb__fetch_add_seq_cst(&v->ctl->generation, 1); /* SC: diagnostics only, never on a fast path */
    /* R3: release; the reset above is visible to the next producer's claim CAS. */
    cosmosb__store_release(&v->ctl->owner, 0);
    set_state(p, v, COSMOSB__PV_FREE);
    p->cold[index].epoch++; /* the block's next producer is another one (a close or a death alone changes nothing) */
    v->owner = 0;
    serving_remove(p, index);
    p->stats.producers_reaped++;
    if (p->nserving == 0)
        p->departed = why;
}

/* A served producer was found dead: its committed messages are still delivered, then it is reaped. */
static void mark_dead(struct cosmosb_pipe *p, struct cosmosb__producer_view *v)
{
    if (v->state == COSMOSB__PV_CORRUPT) {
        /* A corrupt one is not served: scrub its next slots so it counts as drained. */
        for (uint32_t l = 0; l < COSMOSB__LANES; l++)
            cosmosb__store_relaxed(&cosmosb__slot(p, &v->lane[l], v->lane[l].pos)->seq, v->lane[l].pos);
    }
    set_state(p, v, COSMOSB__PV_DEAD);
}

/*
 * A served producer's peer_alive said DEAD. A producer that closed and then
 * dropped its liveness (it closes its lock after its close: docs/liveness.md)
 * between our look at `closed` and that verdict has closed, not died: its
 * close is read again, so it departs with ECLOSED, as it meant to.
 */
static void judge_dead(struct cosmosb_pipe *p, struct cosmosb__producer_view *v)
{
    /* Acquire: pairs with the producer's release of closed (after its last message). */
    if (cosmosb__load_acquire(&v->ctl->closed) == 1)
        set_state(p, v, v->state == COSMOSB__PV_CORRUPT ? COSMOSB__PV_DEAD : COSMOSB__PV_CLOSED);
    else
        mark_dead(p, v);
}

/*
 * Looks for new and departed producers. New ones are found first and the
 * closed flags read after, so a producer that closed before another
 * attached (a hand-over from one process to the next) is seen closed in the
 * same scan; and when a new producer appears, the others' liveness is
 * checked, so a killed one is seen dead too. Departing producers are served
 * before the others (find_next), which keeps such hand-overs in order.
 */
void cosmosb__consumer_discover(struct cosmosb_pipe *p)
{
    uint32_t fresh = 0;
    for (uint32_t i = 0; i < p->max_producers; i++) {
        struct cosmosb__producer_view *v = &p->pv[i];
        if (v->state != COSMOSB__PV_FREE)
            continue;
        /* Acquire: pairs with the producer's claim CAS (and with everything that happened before it). */
        uint32_t owner = cosmosb__load_acquire(&v->ctl->owner);
        if (!(owner & COSMOSB__OWNER_BIT))
            continue;
        v->owner = owner;
        set_state(p, v, COSMOSB__PV_ACTIVE);
        serving_add(p, i);
        p->departed = 0;
        fresh++;
    }
    for (uint32_t i = 0; i < p->max_producers; i++) {
        struct cosmosb__producer_view *v = &p->pv[i];
        if (v->state != COSMOSB__PV_ACTIVE && v->state != COSMOSB__PV_CORRUPT)
            continue;
        /* Acquire: pairs with the producer's release of closed (after its last message). */
        if (cosmosb__load_acquire(&v->ctl->closed) == 1)
            set_state(p, v, v->state == COSMOSB__PV_CORRUPT ? COSMOSB__PV_DEAD : COSMOSB__PV_CLOSED);
        else if (cosmosb__load_relaxed(&v->ctl->owner) != v->owner)
            set_state(p, v, COSMOSB__PV_CORRUPT); /* a producer never rewrites its owner word */
        else if (fresh && cosmosb__peer_alive(p, v->owner) == COSMOSB_PEER_DEAD)
            judge_dead(p, v);
    }
    /* Departed producers are reaped once their committed messages are drained. */
    for (uint32_t j = 0; j < p->nserving;) {
        uint32_t i = p->serving[j];
        struct cosmosb__producer_view *v = &p->pv[i];
        if (departing_state(v->state) && lanes_drained(p, v))
            reap(p, i); /* moves another entry into position j */
        else
            j++;
    }
}

/* Rescans the producer slots when a producer announced an attach or a close. */
static inline void maybe_discover(struct cosmosb_pipe *p)
{
    /* Acquire: pairs with the producer's SC add, made after its claim or close. */
    uint32_t seq = cosmosb__load_acquire(&p->hdr->attach_seq);
    if (seq != p->seen_attach) {
        p->seen_attach = seq;
        cosmosb__consumer_discover(p);
    }
}

int cosmosb__consumer_check_liveness(struct cosmosb_pipe *p)
{
    cosmosb__consumer_discover(p);
    uint32_t alive = 0, dead = 0, closed = 0;
    for (uint32_t j = 0; j < p->nserving; j++) {
        struct cosmosb__producer_view *v = &p->pv[p->serving[j]];
        if ((v->state == COSMOSB__PV_ACTIVE || v->state == COSMOSB__PV_CORRUPT) &&
            cosmosb__peer_alive(p, v->owner) == COSMOSB_PEER_DEAD)
            judge_dead(p, v);
        if (v->state == COSMOSB__PV_ACTIVE || v->state == COSMOSB__PV_CORRUPT)
            alive++;
        else if (v->state == COSMOSB__PV_DEAD)
            dead++;
        else if (v->state == COSMOSB__PV_CLOSED)
            closed++;
    }
    cosmosb__consumer_discover(p); /* reaps what was found dead and is drained */
    if (alive)
        return COSMOSB_OK;
    if (dead)
        return COSMOSB_EPEERDEAD;
    if (closed)
        return COSMOSB_ECLOSED;
    return p->departed ? -(int)p->departed : COSMOSB_EAGAIN;
}

uint32_t cosmosb__consumer_queued(struct cosmosb_pipe *p)
{
    maybe_discover(p);
    uint32_t q = 0;
    for (uint32_t j = 0; j < p->nserving; j++) {
        struct cosmosb__producer_view *v = &p->pv[p->serving[j]];
        if (!serves(v))
            continue;
        for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
            struct cosmosb__lane *lane = &v->lane[l];
            /* Acquire: the informative tail, written after the messages it counts. */
            uint32_t n = cosmosb__load_acquire(lane->tail) - lane->pos;
            if (n <= lane->capacity)
                q += n;
        }
    }
    return q;
}

/*
 * Called when a poll found too little: reaps departed producers that are
 * drained and, every COSMOSB__RESCAN_IDLE empty polls, rescans all producer
 * slots even if attach_seq did not move (a hostile producer may rewrite
 * attach_seq to hide another producer's attach; this bounds the delay).
 */
static void idle_rescan(struct cosmosb_pipe *p)
{
    if (p->departing || ++p->idle_polls >= COSMOSB__RESCAN_IDLE) {
        p->idle_polls = 0;
        cosmosb__consumer_discover(p);
    }
}

/* Where the next message is: producer slot, lane, and position in serving[]. */
struct next {
    uint32_t index, lane, j;
};

/* Finds the next message in the first `nlanes` lane classes: urgent lanes of
 * every producer first, then normal lanes; within a lane class departing
 * producers first, then round robin. */
static int find_next_in(struct cosmosb_pipe *p, struct next *nx, uint32_t nlanes)
{
    maybe_discover(p);
    for (uint32_t l = 0; l < nlanes; l++) {
        for (uint32_t j = 0; p->departing && j < p->nserving; j++) {
            struct cosmosb__producer_view *v = &p->pv[p->serving[j]];
            if (departing_state(v->state) && slot_ready(p, &v->lane[l], v->lane[l].pos)) {
                nx->index = p->serving[j];
                nx->lane = l;
                nx->j = j;
                return 1;
            }
        }
        uint32_t j = p->rr;
        for (uint32_t k = 0; k < p->nserving; k++, j++) {
            if (j >= p->nserving)
                j = 0;
            struct cosmosb__producer_view *v = &p->pv[p->serving[j]];
            if (serves(v) && slot_ready(p, &v->lane[l], v->lane[l].pos)) {
                nx->index = p->serving[j];
                nx->lane = l;
                nx->j = j;
                return 1;
            }
        }
    }
    idle_rescan(p);
    return 0;
}

static int find_next(struct cosmosb_pipe *p, struct next *nx)
{
    return find_next_in(p, nx, COSMOSB__LANES);
}

/* Counts ready messages, stopping at `need`. */
static uint32_t count_ready(struct cosmosb_pipe *p, uint32_t need)
{
    maybe_discover(p);
    uint32_t total = 0;
    for (uint32_t j = 0; j < p->nserving && total < need; j++) {
        struct cosmosb__producer_view *v = &p->pv[p->serving[j]];
        if (!serves(v))
            continue;
        for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
            struct cosmosb__lane *lane = &v->lane[l];
            total += ready_run(p, v, lane, need - total);
            if (total >= need)
                break;
        }
    }
    if (total < need)
        idle_rescan(p);
    return total;
}

/* need == 0 asks for one message, found by counting runs (batch receive), not by find_next. */
static int have(struct cosmosb_pipe *p, uint32_t need, struct next *nx)
{
    if (need == 0)
        return count_ready(p, 1) >= 1;
    if (need == 1)
        return find_next(p, nx);
    return count_ready(p, need) >= need;
}

/* Result when nothing is queued: the departure status, or EAGAIN. */
static int empty_status(const struct cosmosb_pipe *p)
{
    if (p->nserving == 0 && p->departed)
        return -(int)p->departed;
    return COSMOSB_EAGAIN;
}

/*
 * A bulk wait (need > 1) that no producer can complete any more: every
 * producer we serve has departed (closed, or died), so what is queued,
 * fewer than `need`, is all there will be until a new producer attaches.
 * Returns its departure status (EPEERDEAD if one of them died, else
 * ECLOSED), or 0 if a producer may still send. The messages left stay for
 * burst receives. A quarantined (CORRUPT) producer counts as one that may
 * still send, as in cosmosb_pipe_check_peer().
 */
static int bulk_departed(const struct cosmosb_pipe *p)
{
    if (p->nserving == 0)
        return p->departed ? -(int)p->departed : 0;
    int dead = 0;
    for (uint32_t j = 0; j < p->nserving; j++) {
        uint32_t s = p->pv[p->serving[j]].state;
        if (!departing_state(s))
            return 0;
        dead |= s == COSMOSB__PV_DEAD;
    }
    return dead ? COSMOSB_EPEERDEAD : COSMOSB_ECLOSED;
}

/* Waits until at least `need` messages are queued; with need == 1, *nx says where. */
static int consumer_wait(struct cosmosb_pipe *p, uint32_t need, uint64_t timeout_ns, struct next *nx)
{
    if (have(p, need, nx))
        return COSMOSB_OK;
    int gone = need > 1 ? bulk_departed(p) : 0;
    if (gone)
        return gone;
    if (timeout_ns == COSMOSB_TIMEOUT_NONE)
        return empty_status(p);
    struct cosmosb__spin spin;
    cosmosb__spin_init(p, &spin, timeout_ns);
    while (cosmosb__spin_step(p, &spin))
        if (have(p, need, nx))
            return COSMOSB_OK;
    uint64_t deadline = cosmosb__spin_deadline(p, &spin);

    struct cosmosb__pipe_hdr *h = p->hdr;
    int rc;
    for (;;) {
        /* Acquire: the doorbell value we sleep on; pairs with the waker's SC add. */
        uint32_t seq = cosmosb__load_acquire(&h->doorbell);
        /* SC: announce the sleep; pairs with the producer's barrier after R1. */
        cosmosb__fetch_or_seq_cst(&h->sleeping, COSMOSB__SLEEP_FUTEX);
        cosmosb__sleeper_barrier(p);
        if (have(p, need, nx)) {
            rc = COSMOSB_OK;
            break;
        }
        if (cosmosb__liveness_due(p, cosmosb__now(p))) {
            (void)cosmosb__consumer_check_liveness(p);
            if (have(p, need, nx)) {
                rc = COSMOSB_OK;
                break;
            }
        }
        if (p->nserving == 0 && p->departed) {
            rc = -(int)p->departed;
            break;
        }
        if (need > 1 && (rc = bulk_departed(p)) != 0)
            break;
        if ((rc = cosmosb__sleep(p, &h->doorbell, seq, deadline)) != 0)
            break;
    }
    /* SC: withdraw the announcement (a producer may have taken it already). */
    cosmosb__fetch_and_seq_cst(&h->sleeping, ~COSMOSB__SLEEP_FUTEX);
    return rc;
}

/* Reads and checks the header of the message at lane->pos into *info. */
static int read_header(struct cosmosb_pipe *p, const struct next *nx, const struct cosmosb__slot_hdr **slot,
                       cosmosb_msg_info_t *info)
{
    struct cosmosb__producer_view *v = &p->pv[nx->index];
    struct cosmosb__lane *lane = &v->lane[nx->lane];
    const struct cosmosb__slot_hdr *h = cosmosb__slot(p, lane, lane->pos);
    /* Read each field once: a hostile producer may be rewriting them. */
    uint32_t len = *(const volatile uint32_t *)&h->len;
    uint64_t type_id = *(const volatile uint64_t *)&h->type_id;
    if (len > p->slot_size) {
        /* A lying header: drop this message, keep the lane. */
        lane->pos++;
        release_head(p, v, lane);
        p->stats.rejected_corrupt++;
        return COSMOSB_ECORRUPT;
    }
    info->type_id = type_id;
    info->len = len;
    info->flags = nx->lane == COSMOSB__LANE_URGENT ? COSMOSB_MSG_URGENT : 0;
    info->producer = nx->index;
    info->reserved = 0;
    *slot = h;
    return COSMOSB_OK;
}

/* Removes the message at the head of nx's lane. */
static void take(struct cosmosb_pipe *p, const struct next *nx)
{
    struct cosmosb__producer_view *v = &p->pv[nx->index];
    struct cosmosb__lane *lane = &v->lane[nx->lane];
    lane->pos++;
    release_head(p, v, lane);
    p->rr = nx->j + 1 >= p->nserving ? 0 : nx->j + 1;
    p->stats.received++;
}

int cosmosb_pipe_recv(cosmosb_pipe_t *p, void *buf, uint32_t buf_size, cosmosb_msg_info_t *info,
                      uint64_t timeout_ns)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    if (!buf && buf_size)
        return COSMOSB_EINVAL;
    cosmosb_msg_info_t local;
    if (!info)
        info = &local;
    struct next nx;
    if ((rc = consumer_wait(p, 1, timeout_ns, &nx)) != 0)
        return rc;
    const struct cosmosb__slot_hdr *h;
    if ((rc = read_header(p, &nx, &h, info)) != 0)
        return rc;
    if (info->len > buf_size || (!buf && info->len))
        return COSMOSB_EMSGSIZE;
    if (info->len)
        __builtin_memcpy(buf, h + 1, info->len);
    take(p, &nx);
    return COSMOSB_OK;
}

/*
 * A view's token_lane: the lane (producer index * LANES + lane) in the low 8
 * bits, the producer's epoch (mod 2^24) above. After a reap that scrubs, the
 * next producer of the block starts at the same position: the epoch keeps a
 * view of the old producer's message from naming the new one's (a position
 * alone told them apart after every other reap).
 */
#define VIEW_LANE_BITS 8u
_Static_assert(COSMOSB_PIPE_MAX_PRODUCERS * COSMOSB__LANES <= (1u << VIEW_LANE_BITS), "lane index fits a view token");
static uint32_t view_token(const struct cosmosb_pipe *p, uint32_t index, uint32_t lane)
{
    return (p->cold[index].epoch << VIEW_LANE_BITS) | (index * COSMOSB__LANES + lane);
}

/* The message a view names, if its producer (same epoch) still has it at the head of its lane. */
static int view_head(struct cosmosb_pipe *p, const cosmosb_msg_view_t *view, struct next *nx)
{
    if (!view)
        return 0;
    uint32_t t = view->token_lane & ((1u << VIEW_LANE_BITS) - 1u);
    if (t >= p->max_producers * COSMOSB__LANES)
        return 0;
    *nx = (struct next){t / COSMOSB__LANES, t % COSMOSB__LANES, 0};
    const struct cosmosb__producer_view *v = &p->pv[nx->index];
    if (v->state == COSMOSB__PV_FREE || view->token_lane != view_token(p, nx->index, nx->lane) ||
        v->lane[nx->lane].pos != view->token_seq)
        return 0;
    for (uint32_t j = 0; j < p->nserving; j++)
        if (p->serving[j] == nx->index)
            nx->j = j;
    return 1;
}

/* Fills a view of the message nx points at (its header checked by read_header). */
static int view_at(struct cosmosb_pipe *p, const struct next *nx, cosmosb_msg_view_t *view)
{
    const struct cosmosb__slot_hdr *h;
    int rc = read_header(p, nx, &h, &view->info);
    if (rc != 0)
        return rc;
    view->data = h + 1;
    view->token_lane = view_token(p, nx->index, nx->lane);
    view->token_seq = p->pv[nx->index].lane[nx->lane].pos;
    return COSMOSB_OK;
}

int cosmosb_pipe_peek(cosmosb_pipe_t *p, cosmosb_msg_view_t *view, uint64_t timeout_ns)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    if (!view)
        return COSMOSB_EINVAL;
    struct next nx;
    if ((rc = consumer_wait(p, 1, timeout_ns, &nx)) != 0)
        return rc;
    return view_at(p, &nx, view);
}

int cosmosb_pipe_peek_urgent(cosmosb_pipe_t *p, cosmosb_msg_view_t *view)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    if (!view)
        return COSMOSB_EINVAL;
    struct next nx;
    /* COSMOSB__LANE_URGENT is lane class 0: look at that class only. */
    if (!find_next_in(p, &nx, COSMOSB__LANE_URGENT + 1u))
        return COSMOSB_EAGAIN;
    return view_at(p, &nx, view);
}

int cosmosb_pipe_consume(cosmosb_pipe_t *p, const cosmosb_msg_view_t *view)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    struct next nx;
    if (!view_head(p, view, &nx))
        return COSMOSB_EINVAL;
    struct cosmosb__producer_view *v = &p->pv[nx.index];
    struct cosmosb__lane *lane = &v->lane[nx.lane];
    /* Also still published: a view a caller makes up must not move a lane past a message not yet sent. */
    if (!serves(v) || !slot_ready(p, lane, lane->pos))
        return COSMOSB_EINVAL;
    take(p, &nx);
    return COSMOSB_OK;
}

/* The full epoch of the producer a view (from a peek of ours) came from; 0 for a view that names none. */
uint32_t cosmosb__consumer_view_epoch(const struct cosmosb_pipe *p, const cosmosb_msg_view_t *view)
{
    uint32_t t = view ? view->token_lane & ((1u << VIEW_LANE_BITS) - 1u) : UINT32_MAX;
    return t < p->max_producers * COSMOSB__LANES ? p->cold[t / COSMOSB__LANES].epoch : 0;
}

/*
 * For the typed receiver, which has handled (delivered or rejected) the
 * message of a view from a peek of ours, in the producer epoch given (all 32
 * bits: the view carries only 24, which 2^24 reaps bring round in seconds,
 * review 16): removes it whatever its sender did to the slot since.
 * cosmosb_pipe_consume() also wants the slot still published; a sender that
 * rewrote its sequence word after the peek made that fail, the message
 * stayed at the head of its lane, and a sender that put the word back had it
 * delivered a second time (pipe fuzzing). A quarantined (CORRUPT)
 * producer's message too (review 15: it came again once the producer
 * closed). The epoch keeps a position the next producer of the block reuses
 * from being taken for the handled one.
 */
int cosmosb__consumer_consume_handled(struct cosmosb_pipe *p, const cosmosb_msg_view_t *view, uint32_t epoch)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    struct next nx;
    if (!view_head(p, view, &nx) || p->cold[nx.index].epoch != epoch)
        return COSMOSB_EINVAL;
    take(p, &nx);
    return COSMOSB_OK;
}

int cosmosb_pipe_recv_batch(cosmosb_pipe_t *p, cosmosb_recv_item_t *items, uint32_t n, uint32_t flags,
                            uint64_t timeout_ns)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    if (n == 0)
        return 0;
    if (!items || n > (uint32_t)INT32_MAX)
        return COSMOSB_EINVAL;
    /* All or nothing, and more than every lane of every producer slot can hold: it could never complete. */
    if ((flags & COSMOSB_BATCH_BULK) &&
        (uint64_t)n > (uint64_t)p->max_producers * ((uint64_t)p->capacity + p->urgent_capacity))
        return COSMOSB_EINVAL;
    for (uint32_t i = 0; i < n; i++)
        if (!items[i].buf && items[i].buf_size)
            return COSMOSB_EINVAL;
    struct next nx;
    if ((rc = consumer_wait(p, (flags & COSMOSB_BATCH_BULK) ? n : 0, timeout_ns, &nx)) != 0)
        return rc;
    uint32_t got = 0;
    int stop = 0;
    /* Lane classes in priority order; in each, departing producers first (pass 0), then round robin. */
    for (uint32_t step = 0; step < 2u * COSMOSB__LANES && got < n && !stop; step++) {
        uint32_t l = step >> 1, pass = step & 1u;
        if (pass == 0 && !p->departing)
            continue;
        uint32_t j = pass ? p->rr : 0;
        for (uint32_t k = 0; k < p->nserving && got < n && !stop; k++, j++) {
            if (j >= p->nserving)
                j = 0;
            uint32_t index = p->serving[j];
            struct cosmosb__producer_view *v = &p->pv[index];
            if (!serves(v) || (pass == 0 && !departing_state(v->state)))
                continue;
            struct cosmosb__lane *lane = &v->lane[l];
            uint32_t taken = 0;
            uint32_t avail = ready_run(p, v, lane, n - got);
            while (got < n && avail > 0) {
                avail--;
                cosmosb_recv_item_t *it = &items[got];
                const struct cosmosb__slot_hdr *h = cosmosb__slot(p, lane, lane->pos);
                uint32_t len = *(const volatile uint32_t *)&h->len;
                uint64_t type_id = *(const volatile uint64_t *)&h->type_id;
                if (len > p->slot_size) {
                    lane->pos++; /* a lying header: dropped and counted */
                    taken++;
                    p->stats.rejected_corrupt++;
                    if (got == 0)
                        rc = COSMOSB_ECORRUPT;
                    stop = 1;
                    break;
                }
                it->info.type_id = type_id;
                it->info.len = len;
                it->info.flags = l == COSMOSB__LANE_URGENT ? COSMOSB_MSG_URGENT : 0;
                it->info.producer = index;
                it->info.reserved = 0;
                if (len > it->buf_size) {
                    if (got == 0)
                        rc = COSMOSB_EMSGSIZE;
                    stop = 1;
                    break;
                }
                if (len)
                    __builtin_memcpy(it->buf, h + 1, len);
                lane->pos++;
                taken++;
                got++;
            }
            if (taken) {
                release_head(p, v, lane);
                p->rr = j + 1 >= p->nserving ? 0 : j + 1;
            }
        }
    }
    p->stats.received += got;
    if (got == 0 && rc)
        return rc;
    return (int)got;
}

void cosmosb__wait_announce(struct cosmosb_pipe *p, cosmosb_wait_token_t *token)
{
    struct cosmosb__pipe_hdr *h = p->hdr;
    /* Acquire: pairs with the waker's SC add. */
    token->expected = cosmosb__load_acquire(&h->doorbell);
    token->addr = (const void *)&h->doorbell;
    token->reserved = 0;
    /* SC: announce the sleep (protocol in pipe_wait.c). */
    cosmosb__fetch_or_seq_cst(&h->sleeping, COSMOSB__SLEEP_FUTEX);
}

/* Would a receive find a message or a departure to report now? Reads only: no announcement, no
 * barrier (the wait set's busy path, review 27). */
int cosmosb__wait_ready(struct cosmosb_pipe *p)
{
    struct next nx;
    return find_next(p, &nx) || empty_status(p) != COSMOSB_EAGAIN;
}

int cosmosb__wait_recheck(struct cosmosb_pipe *p)
{
    struct next nx;
    int rc;
    if (find_next(p, &nx))
        rc = COSMOSB_EAGAIN; /* messages queued */
    else if ((rc = empty_status(p)) == COSMOSB_EAGAIN)
        return COSMOSB_OK; /* stay announced: the caller sleeps */
    /* SC: withdraw the announcement (protocol in pipe_wait.c). */
    cosmosb__fetch_and_seq_cst(&p->hdr->sleeping, ~COSMOSB__SLEEP_FUTEX);
    return rc;
}

int cosmosb_pipe_wait_prepare(cosmosb_pipe_t *p, cosmosb_wait_token_t *token)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    if (!token)
        return COSMOSB_EINVAL;
    cosmosb__wait_announce(p, token);
    cosmosb__sleeper_barrier(p);
    return cosmosb__wait_recheck(p);
}

int cosmosb_pipe_arm_notify(cosmosb_pipe_t *p)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    struct next nx;
    /* SC: announce the request before the last look (protocol in pipe_wait.c). */
    cosmosb__fetch_or_seq_cst(&p->hdr->sleeping, COSMOSB__SLEEP_NOTIFY);
    cosmosb__sleeper_barrier(p);
    if (find_next(p, &nx))
        return COSMOSB_EAGAIN;
    rc = empty_status(p);
    return rc == COSMOSB_EAGAIN ? COSMOSB_OK : rc;
}

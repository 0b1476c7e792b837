/*
 * pipe_producer.c - the sending end: send, reserve/commit, batch send.
 *
 * A producer owns its lanes' tails: the master copy is lane->pos (private);
 * the shared tail is only ever written from it. The consumer's head is read
 * into lane->cached and checked (pos - head <= capacity) before it is used,
 * so a hostile consumer can make us fail, never write out of bounds.
 */
#include "core/pipe_internal.h"

/* Reads the consumer's head and checks it. */
static int refresh_head(struct cosmosb__lane *lane)
{
    /* A1: acquire pairs with R2 in the consumer (it finished reading the
     * slots it released), so we may overwrite them. */
    uint32_t head = cosmosb__load_acquire(lane->head);
    if (lane->pos - head > lane->capacity)
        return COSMOSB_ECORRUPT;
    lane->cached = head;
    return COSMOSB_OK;
}

static inline uint32_t free_slots(const struct cosmosb__lane *lane)
{
    return lane->capacity - (lane->pos - lane->cached);
}

static int consumer_gone(struct cosmosb_pipe *p)
{
    /* Acquire: pairs with the consumer's release when it closes. */
    if (cosmosb__load_acquire(&p->hdr->consumer_state) != COSMOSB__CONSUMER_OPEN)
        return COSMOSB_ECLOSED;
    return COSMOSB_OK;
}

/*
 * Spin steps (one cpu_relax each) between two reads of the consumer's head
 * while a lane is full: 32, or capacity / 8 for a small lane (at least 1), so
 * a waiting producer sees space no later than about an eighth of the lane's
 * turnover after it appeared.
 */
#define COSMOSB__HEAD_POLL_MAX 32u
static inline uint32_t head_poll_steps(const struct cosmosb__lane *lane)
{
    uint32_t k = lane->capacity / 8u;
    return k == 0 ? 1u : (k > COSMOSB__HEAD_POLL_MAX ? COSMOSB__HEAD_POLL_MAX : k);
}

/* make_room once the cached head shows too little room. */
static int make_room_slow(struct cosmosb_pipe *p, struct cosmosb__lane *lane, uint32_t need, uint64_t timeout_ns)
{
    int rc = refresh_head(lane);
    if (rc)
        return rc;
    if (free_slots(lane) >= need)
        return COSMOSB_OK;
    if (timeout_ns == COSMOSB_TIMEOUT_NONE) {
        rc = consumer_gone(p);
        return rc ? rc : COSMOSB_EFULL;
    }

    /* Spin phase: poll the consumer's head for the spin budget, but only
     * every head_poll_steps() steps. The consumer stores head after every
     * message; a producer that re-read it at every step would pull that line
     * away at every message, so each of the consumer's stores would wait for
     * it, and would then find one slot free at a time (streaming with the
     * lane full ran at about half the rate). Reading it less often lets
     * several slots free up between two reads, then fills them in a row. */
    struct cosmosb__spin spin;
    cosmosb__spin_init(p, &spin, timeout_ns);
    const uint32_t every = head_poll_steps(lane);
    uint32_t countdown = every; /* a countdown, not a modulo: no division while spinning */
    while (cosmosb__spin_step(p, &spin)) {
        if (--countdown != 0)
            continue;
        countdown = every;
        if ((rc = refresh_head(lane)) != 0)
            return rc;
        if (free_slots(lane) >= need)
            return COSMOSB_OK;
    }

    /* Sleep phase (protocol in pipe_wait.c). */
    uint64_t deadline = cosmosb__spin_deadline(p, &spin);
    struct cosmosb__producer_ctl *ctl = p->pv[0].ctl;
    for (;;) {
        /* Acquire: the doorbell value we sleep on; pairs with the waker's SC add. */
        uint32_t seq = cosmosb__load_acquire(&ctl->doorbell);
        /* SC: announce the sleep; pairs with the consumer's fence after R2. */
        cosmosb__fetch_or_seq_cst(&ctl->sleeping, COSMOSB__SLEEP_FUTEX);
        cosmosb__sleeper_barrier(p);
        if ((rc = refresh_head(lane)) != 0)
            break;
        if (free_slots(lane) >= need)
            break;
        if ((rc = consumer_gone(p)) != 0)
            break;
        if (cosmosb__liveness_due(p, cosmosb__now(p))) {
            if (cosmosb__peer_alive(p, p->peer_id) == COSMOSB_PEER_DEAD) {
                /* A consumer that closed just before the verdict (it drops its liveness after its
                 * close) closed, it did not die. */
                rc = consumer_gone(p);
                if (rc == 0)
                    rc = COSMOSB_EPEERDEAD;
                break;
            }
        }
        if ((rc = cosmosb__sleep(p, &ctl->doorbell, seq, deadline)) != 0)
            break;
    }
    /* SC: withdraw the announcement (a waker may have taken it already). */
    cosmosb__fetch_and_seq_cst(&ctl->sleeping, ~COSMOSB__SLEEP_FUTEX);
    return rc;
}

/* Waits until `need` slots are free in `lane`. The check on the cached head
 * is inline; the rest (a shared read, maybe a wait) is not. */
static inline int make_room(struct cosmosb_pipe *p, struct cosmosb__lane *lane, uint32_t need, uint64_t timeout_ns)
{
    if (free_slots(lane) >= need)
        return COSMOSB_OK;
    return make_room_slow(p, lane, need, timeout_ns);
}

/* Publishes the message in slot h at lane->pos and advances. */
static inline void commit_slot(struct cosmosb__lane *lane, struct cosmosb__slot_hdr *h)
{
    /* R1: release; the header and payload are visible before seq. Pairs with A2 in the consumer. */
    cosmosb__store_release(&h->seq, lane->pos + 1);
    lane->pos++;
}

/* Updates the informative tail and wakes the consumer if it sleeps. */
static inline void publish(struct cosmosb_pipe *p, struct cosmosb__lane *lane)
{
    /* R4: release; the tail vouches for the seqs before it (the consumer's
     * batch fast path, A3). A plain store on x86 and no extra fence elsewhere
     * that matters: single messages travel by seq (R1/A2). */
    cosmosb__store_release(lane->tail, lane->pos);
    /* Orders the seq store before the sleeping load (Dekker with the
     * consumer's SC fetch_or in its sleep path): a full fence, or nothing when
     * the consumer sleeps with a heavy barrier (see pipe_wait.c). Its word is
     * read after our stores: a stale HEAVY read here is covered by the heavy
     * barrier of the consumer's switch to FENCE (docs/pipe.md). */
    cosmosb__waker_barrier(p->light_publish && cosmosb__sleeps_heavy(&p->hdr->consumer_heavy));
    if (cosmosb__load_relaxed(&p->hdr->sleeping))
        cosmosb__wake(p, &p->hdr->sleeping, &p->hdr->doorbell, 1);
}

static inline void write_header(struct cosmosb__slot_hdr *h, uint64_t type_id, uint32_t len)
{
    h->type_id = type_id;
    h->len = len;
}

int cosmosb_pipe_send(cosmosb_pipe_t *p, uint64_t type_id, const void *data, uint32_t len, uint32_t flags,
                      uint64_t timeout_ns)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_PRODUCER);
    if (rc)
        return rc;
    if (len > p->slot_size)
        return COSMOSB_EMSGSIZE;
    if (!data && len)
        return COSMOSB_EINVAL;
    uint32_t l = cosmosb__lane_of(flags);
    struct cosmosb__lane *lane = &p->pv[0].lane[l];
    if ((rc = make_room(p, lane, 1, timeout_ns)) != 0)
        return rc;
    p->reserve_valid &= ~(1u << l); /* a pending reservation is overwritten */
    struct cosmosb__slot_hdr *h = cosmosb__slot(p, lane, lane->pos);
    write_header(h, type_id, len);
    if (len)
        __builtin_memcpy(h + 1, data, len);
    commit_slot(lane, h);
    publish(p, lane);
    p->stats.sent++;
    return COSMOSB_OK;
}

int cosmosb_pipe_reserve(cosmosb_pipe_t *p, uint32_t flags, uint64_t timeout_ns, cosmosb_slot_t *slot)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_PRODUCER);
    if (rc)
        return rc;
    if (!slot)
        return COSMOSB_EINVAL;
    uint32_t l = cosmosb__lane_of(flags);
    struct cosmosb__lane *lane = &p->pv[0].lane[l];
    if ((rc = make_room(p, lane, 1, timeout_ns)) != 0)
        return rc;
    slot->data = cosmosb__slot(p, lane, lane->pos) + 1;
    slot->capacity = p->slot_size;
    slot->token_lane = l;
    slot->token_seq = lane->pos;
    slot->reserved = 0;
    p->reserve_valid |= 1u << l;
    return COSMOSB_OK;
}

int cosmosb_pipe_commit(cosmosb_pipe_t *p, const cosmosb_slot_t *slot, uint64_t type_id, uint32_t len)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_PRODUCER);
    if (rc)
        return rc;
    if (!slot || slot->token_lane >= COSMOSB__LANES)
        return COSMOSB_EINVAL;
    uint32_t l = slot->token_lane;
    struct cosmosb__lane *lane = &p->pv[0].lane[l];
    if (!(p->reserve_valid & (1u << l)) || slot->token_seq != lane->pos)
        return COSMOSB_EINVAL;
    if (len > p->slot_size)
        return COSMOSB_EMSGSIZE;
    struct cosmosb__slot_hdr *h = cosmosb__slot(p, lane, lane->pos);
    write_header(h, type_id, len);
    p->reserve_valid &= ~(1u << l);
    commit_slot(lane, h);
    publish(p, lane);
    p->stats.sent++;
    return COSMOSB_OK;
}

int cosmosb_pipe_send_batch(cosmosb_pipe_t *p, const cosmosb_send_item_t *items, uint32_t n, uint32_t flags,
                            uint64_t timeout_ns)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_PRODUCER);
    if (rc)
        return rc;
    if (n == 0)
        return 0;
    if (!items || n > (uint32_t)INT32_MAX)
        return COSMOSB_EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        if (items[i].len > p->slot_size)
            return COSMOSB_EMSGSIZE;
        if (!items[i].data && items[i].len)
            return COSMOSB_EINVAL;
    }
    uint32_t l = cosmosb__lane_of(flags);
    struct cosmosb__lane *lane = &p->pv[0].lane[l];
    uint32_t need = (flags & COSMOSB_BATCH_BULK) ? n : 1;
    if (need > lane->capacity)
        return COSMOSB_EINVAL;
    if ((rc = make_room(p, lane, need, timeout_ns)) != 0)
        return rc;
    if (free_slots(lane) < n && (rc = refresh_head(lane)) != 0)
        return rc; /* burst: count the space the consumer has freed since */
    uint32_t k = free_slots(lane);
    if (k > n)
        k = n;
    p->reserve_valid &= ~(1u << l);
    for (uint32_t i = 0; i < k; i++) {
        struct cosmosb__slot_hdr *h = cosmosb__slot(p, lane, lane->pos);
        write_header(h, items[i].type_id, items[i].len);
        if (items[i].len)
            __builtin_memcpy(h + 1, items[i].data, items[i].len);
        commit_slot(lane, h);
    }
    publish(p, lane);
    p->stats.sent += k;
    return (int)k;
}

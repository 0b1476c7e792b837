/*
 * pipe_consumer.c - the receiving end: discovery and reaping of producers,
 * recv, peek/consume, batch receive, waiting, notification.
 *
 * The consumer owns every lane's head (master copy lane->pos, private). A
 * producer's tail is read into lane->cached and checked
 * (tail - head <= capacity); a lane whose indices are impossible is
 * quarantined (its producer state becomes CORRUPT) and the others go on.
 * A slot header is read once into private memory and its length checked
 * against the private slot_size before any byte is copied.
 */
#include "core/pipe_internal.h"

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

/* Publishes a new head and wakes the producer if it sleeps on a full lane. */
static void release_head(struct cosmosb_pipe *p, struct cosmosb__producer_view *v, struct cosmosb__lane *lane)
{
    /* R2: release; we are done reading the slots before pos. Pairs with A1 in the producer. */
    cosmosb__store_release(lane->head, lane->pos);
    /* Head store before the sleeping load (Dekker with the producer's SC
     * fetch_or): a full fence, or nothing if that producer sleeps with a heavy barrier. */
    cosmosb__waker_barrier(p->heavy && cosmosb__load_relaxed(&v->ctl->heavy) == 1);
    if (cosmosb__load_relaxed(&v->ctl->sleeping))
        cosmosb__wake(p, &v->ctl->sleeping, &v->ctl->doorbell);
}

/* Reads a producer's tail and checks it; a bad one quarantines the producer. */
static int refresh_tail(struct cosmosb_pipe *p, struct cosmosb__producer_view *v, struct cosmosb__lane *lane)
{
    /* A2: acquire pairs with R1 in the producer: the slots before tail are written. */
    uint32_t tail = cosmosb__load_acquire(lane->tail);
    if (tail - lane->pos > lane->capacity) {
        v->state = COSMOSB__PV_CORRUPT;
        p->stats.rejected_corrupt++;
        return COSMOSB_ECORRUPT;
    }
    lane->cached = tail;
    return COSMOSB_OK;
}

static int lanes_drained(struct cosmosb__producer_view *v)
{
    for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
        struct cosmosb__lane *lane = &v->lane[l];
        /* Acquire: see every message published before the producer left. */
        uint32_t tail = cosmosb__load_acquire(lane->tail);
        if (tail != lane->pos && tail - lane->pos <= lane->capacity)
            return 0;
    }
    return 1;
}

/* Returns a departed producer's slot to the pool (the producer is gone). */
static void reap(struct cosmosb_pipe *p, uint32_t index)
{
    struct cosmosb__producer_view *v = &p->pv[index];
    uint32_t why = (v->state == COSMOSB__PV_CLOSED) ? (uint32_t)-COSMOSB_ECLOSED : (uint32_t)-COSMOSB_EPEERDEAD;
    for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
        /* Relaxed: published by the release of owner below. */
        cosmosb__store_relaxed(v->lane[l].tail, 0);
        cosmosb__store_relaxed(v->lane[l].head, 0);
        v->lane[l].pos = 0;
        v->lane[l].cached = 0;
    }
    cosmosb__store_relaxed(&v->ctl->closed, 0);
    cosmosb__store_relaxed(&v->ctl->sleeping, 0);
    cosmosb__store_relaxed(&v->ctl->heavy, 0);
    cosmosb__fetch_add_seq_cst(&v->ctl->generation, 1); /* SC: diagnostics only, never on a fast path */
    /* R3: release; the reset above is visible to the next producer's claim CAS. */
    cosmosb__store_release(&v->ctl->owner, 0);
    v->state = COSMOSB__PV_FREE;
    v->owner = 0;
    serving_remove(p, index);
    p->stats.producers_reaped++;
    if (p->nserving == 0)
        p->departed = why;
}

void cosmosb__consumer_discover(struct cosmosb_pipe *p)
{
    p->discover_count = 0;
    for (uint32_t i = 0; i < p->max_producers; i++) {
        struct cosmosb__producer_view *v = &p->pv[i];
        if (v->state == COSMOSB__PV_FREE) {
            /* Acquire: pairs with the producer's claim (nothing else to see yet). */
            uint32_t owner = cosmosb__load_acquire(&v->ctl->owner);
            if (!(owner & COSMOSB__OWNER_BIT))
                continue;
            v->owner = owner;
            v->state = COSMOSB__PV_ACTIVE;
            serving_add(p, i);
            p->departed = 0;
            continue;
        }
        if (v->state == COSMOSB__PV_ACTIVE || v->state == COSMOSB__PV_CORRUPT) {
            /* Acquire: pairs with the producer's release of closed (its last tails). */
            if (cosmosb__load_acquire(&v->ctl->closed) == 1)
                v->state = v->state == COSMOSB__PV_CORRUPT ? COSMOSB__PV_DEAD : COSMOSB__PV_CLOSED;
            else if (cosmosb__load_relaxed(&v->ctl->owner) != v->owner)
                v->state = COSMOSB__PV_CORRUPT; /* a producer never changes its owner word */
            continue;
        }
    }
    /* Departed producers are reaped once their committed messages are drained. */
    for (uint32_t j = 0; j < p->nserving;) {
        uint32_t i = p->serving[j];
        struct cosmosb__producer_view *v = &p->pv[i];
        if ((v->state == COSMOSB__PV_DEAD || v->state == COSMOSB__PV_CLOSED) && lanes_drained(v))
            reap(p, i); /* moves another entry into position j */
        else
            j++;
    }
}

int cosmosb__consumer_check_liveness(struct cosmosb_pipe *p)
{
    cosmosb__consumer_discover(p);
    uint32_t alive = 0, dead = 0, closed = 0;
    for (uint32_t j = 0; j < p->nserving; j++) {
        struct cosmosb__producer_view *v = &p->pv[p->serving[j]];
        if (v->state == COSMOSB__PV_ACTIVE || v->state == COSMOSB__PV_CORRUPT) {
            /* Dead: its committed messages are still delivered, then it is
             * reaped (a corrupt one counts as drained, so at once). */
            if (cosmosb__peer_alive(p, v->owner) == COSMOSB_PEER_DEAD)
                v->state = COSMOSB__PV_DEAD;
        }
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
    uint32_t q = 0;
    for (uint32_t j = 0; j < p->nserving; j++) {
        struct cosmosb__producer_view *v = &p->pv[p->serving[j]];
        if (v->state == COSMOSB__PV_CORRUPT)
            continue;
        for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
            struct cosmosb__lane *lane = &v->lane[l];
            uint32_t n = cosmosb__load_acquire(lane->tail) - lane->pos;
            if (n <= lane->capacity)
                q += n;
        }
    }
    return q;
}

/*
 * Counts queued messages, stopping once `need` are found. Refreshes a lane's
 * tail only when the cached one does not show enough. Returns the count, or
 * ECORRUPT if a lane had to be quarantined.
 */
static int count_available(struct cosmosb_pipe *p, uint32_t need)
{
    uint32_t total = 0;
    int corrupt = 0;
    for (uint32_t j = 0; j < p->nserving && total < need; j++) {
        struct cosmosb__producer_view *v = &p->pv[p->serving[j]];
        for (uint32_t l = 0; l < COSMOSB__LANES && v->state != COSMOSB__PV_CORRUPT; l++) {
            struct cosmosb__lane *lane = &v->lane[l];
            if (lane->cached - lane->pos < need - total && refresh_tail(p, v, lane)) {
                corrupt = 1;
                break;
            }
            total += lane->cached - lane->pos;
        }
    }
    if (total >= need)
        return (int)total;
    return corrupt ? COSMOSB_ECORRUPT : (int)total;
}

/* Checks for messages, looking for new or departed producers when none are queued. */
static int poll_available(struct cosmosb_pipe *p, uint32_t need)
{
    if (++p->discover_count >= COSMOSB__DISCOVER_EVERY)
        cosmosb__consumer_discover(p);
    int n = count_available(p, need);
    if (n < 0 || (uint32_t)n >= need)
        return n;
    cosmosb__consumer_discover(p);
    return count_available(p, need);
}

/* Result when nothing is queued: the departure status, or EAGAIN. */
static int empty_status(const struct cosmosb_pipe *p)
{
    if (p->nserving == 0 && p->departed)
        return -(int)p->departed;
    return COSMOSB_EAGAIN;
}

/* Waits until at least `need` messages are queued. */
static int consumer_wait(struct cosmosb_pipe *p, uint32_t need, uint64_t timeout_ns)
{
    int n = poll_available(p, need);
    if (n < 0 || (uint32_t)n >= need)
        return n < 0 ? n : COSMOSB_OK;
    if (timeout_ns == COSMOSB_TIMEOUT_NONE) {
        int rc = empty_status(p);
        return (rc == COSMOSB_EAGAIN && n > 0) ? COSMOSB_EAGAIN : rc;
    }
    struct cosmosb__spin spin;
    cosmosb__spin_init(&spin, timeout_ns);
    while (cosmosb__spin_step(p, &spin)) {
        n = count_available(p, need);
        if (n < 0 || (uint32_t)n >= need)
            return n < 0 ? n : COSMOSB_OK;
        if ((spin.iter & 1023u) == 0)
            cosmosb__consumer_discover(p);
    }
    uint64_t deadline = cosmosb__spin_deadline(p, &spin);

    struct cosmosb__pipe_hdr *h = p->hdr;
    int rc;
    p->next_liveness = cosmosb__now(p) + COSMOSB__LIVENESS_NS;
    for (;;) {
        /* Acquire: the doorbell value we sleep on; pairs with the waker's SC add. */
        uint32_t seq = cosmosb__load_acquire(&h->doorbell);
        /* SC: announce the sleep; pairs with the producer's fence after R1. */
        cosmosb__fetch_or_seq_cst(&h->sleeping, COSMOSB__SLEEP_FUTEX);
        cosmosb__sleeper_barrier(p);
        n = poll_available(p, need);
        if (n < 0 || (uint32_t)n >= need) {
            rc = n < 0 ? n : COSMOSB_OK;
            break;
        }
        uint64_t now = cosmosb__now(p);
        if (now >= p->next_liveness) {
            p->next_liveness = now + COSMOSB__LIVENESS_NS;
            (void)cosmosb__consumer_check_liveness(p);
            n = count_available(p, need);
            if (n < 0 || (uint32_t)n >= need) {
                rc = n < 0 ? n : COSMOSB_OK;
                break;
            }
        }
        if (p->nserving == 0 && p->departed) {
            rc = -(int)p->departed;
            break;
        }
        if ((rc = cosmosb__sleep(p, &h->doorbell, seq, deadline)) != 0)
            break;
    }
    /* SC: withdraw the announcement (a producer may have taken it already). */
    cosmosb__fetch_and_seq_cst(&h->sleeping, ~COSMOSB__SLEEP_FUTEX);
    return rc;
}

/*
 * Finds the lane of the next message: urgent lanes first, producers round
 * robin. Uses cached tails only (count_available refreshed them).
 */
static int next_lane(struct cosmosb_pipe *p, uint32_t *index, uint32_t *lane_no)
{
    for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
        uint32_t j = p->rr;
        for (uint32_t k = 0; k < p->nserving; k++, j++) {
            if (j >= p->nserving)
                j = 0;
            struct cosmosb__producer_view *v = &p->pv[p->serving[j]];
            if (v->state == COSMOSB__PV_CORRUPT)
                continue;
            struct cosmosb__lane *lane = &v->lane[l];
            if (lane->cached != lane->pos) {
                *index = p->serving[j];
                *lane_no = l;
                p->rr = j + 1 >= p->nserving ? 0 : j + 1;
                return 1;
            }
        }
    }
    return 0;
}

/* Reads and checks the header of the message at lane->pos into *info. */
static int read_header(struct cosmosb_pipe *p, uint32_t index, uint32_t l, const struct cosmosb__slot_hdr **slot,
                       cosmosb_msg_info_t *info)
{
    struct cosmosb__producer_view *v = &p->pv[index];
    struct cosmosb__lane *lane = &v->lane[l];
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
    info->flags = l == COSMOSB__LANE_URGENT ? COSMOSB_MSG_URGENT : 0;
    info->producer = index;
    info->reserved = 0;
    *slot = h;
    return COSMOSB_OK;
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
    if ((rc = consumer_wait(p, 1, timeout_ns)) != 0)
        return rc;
    uint32_t index, l;
    if (!next_lane(p, &index, &l))
        return COSMOSB_EAGAIN; /* unreachable: consumer_wait found one */
    const struct cosmosb__slot_hdr *h;
    if ((rc = read_header(p, index, l, &h, info)) != 0)
        return rc;
    if (info->len > buf_size)
        return COSMOSB_EMSGSIZE;
    if (info->len)
        __builtin_memcpy(buf, h + 1, info->len);
    struct cosmosb__lane *lane = &p->pv[index].lane[l];
    lane->pos++;
    release_head(p, &p->pv[index], lane);
    p->stats.received++;
    return COSMOSB_OK;
}

int cosmosb_pipe_peek(cosmosb_pipe_t *p, cosmosb_msg_view_t *view, uint64_t timeout_ns)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    if (!view)
        return COSMOSB_EINVAL;
    if ((rc = consumer_wait(p, 1, timeout_ns)) != 0)
        return rc;
    uint32_t index, l;
    if (!next_lane(p, &index, &l))
        return COSMOSB_EAGAIN;
    const struct cosmosb__slot_hdr *h;
    if ((rc = read_header(p, index, l, &h, &view->info)) != 0)
        return rc;
    view->data = h + 1;
    view->token_lane = index * COSMOSB__LANES + l;
    view->token_seq = p->pv[index].lane[l].pos;
    return COSMOSB_OK;
}

int cosmosb_pipe_consume(cosmosb_pipe_t *p, const cosmosb_msg_view_t *view)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    if (!view || view->token_lane >= p->max_producers * COSMOSB__LANES)
        return COSMOSB_EINVAL;
    uint32_t index = view->token_lane / COSMOSB__LANES, l = view->token_lane % COSMOSB__LANES;
    struct cosmosb__producer_view *v = &p->pv[index];
    struct cosmosb__lane *lane = &v->lane[l];
    if (v->state == COSMOSB__PV_FREE || v->state == COSMOSB__PV_CORRUPT || lane->pos != view->token_seq ||
        lane->cached == lane->pos)
        return COSMOSB_EINVAL;
    lane->pos++;
    release_head(p, v, lane);
    p->stats.received++;
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
    if ((rc = consumer_wait(p, (flags & COSMOSB_BATCH_BULK) ? n : 1, timeout_ns)) != 0)
        return rc;
    uint32_t got = 0;
    int stop = 0;
    for (uint32_t l = 0; l < COSMOSB__LANES && got < n && !stop; l++) {
        uint32_t j = p->rr;
        for (uint32_t k = 0; k < p->nserving && got < n && !stop; k++, j++) {
            if (j >= p->nserving)
                j = 0;
            uint32_t index = p->serving[j];
            struct cosmosb__producer_view *v = &p->pv[index];
            if (v->state == COSMOSB__PV_CORRUPT)
                continue;
            struct cosmosb__lane *lane = &v->lane[l];
            uint32_t taken = 0;
            while (got < n && lane->cached != lane->pos) {
                cosmosb_recv_item_t *it = &items[got];
                const struct cosmosb__slot_hdr *h = cosmosb__slot(p, lane, lane->pos);
                uint32_t len = *(const volatile uint32_t *)&h->len;
                uint64_t type_id = *(const volatile uint64_t *)&h->type_id;
                if (len > p->slot_size) {
                    lane->pos++;
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
                if (len > it->buf_size || (!it->buf && len)) {
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

int cosmosb_pipe_wait_prepare(cosmosb_pipe_t *p, cosmosb_wait_token_t *token)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    if (!token)
        return COSMOSB_EINVAL;
    struct cosmosb__pipe_hdr *h = p->hdr;
    /* Acquire: pairs with the waker's SC add. */
    uint32_t seq = cosmosb__load_acquire(&h->doorbell);
    /* SC: announce the sleep (protocol in pipe_wait.c). */
    cosmosb__fetch_or_seq_cst(&h->sleeping, COSMOSB__SLEEP_FUTEX);
    cosmosb__sleeper_barrier(p);
    int n = poll_available(p, 1);
    if (n != 0) {
        cosmosb__fetch_and_seq_cst(&h->sleeping, ~COSMOSB__SLEEP_FUTEX);
        return n < 0 ? n : COSMOSB_EAGAIN;
    }
    rc = empty_status(p);
    if (rc != COSMOSB_EAGAIN) {
        cosmosb__fetch_and_seq_cst(&h->sleeping, ~COSMOSB__SLEEP_FUTEX);
        return rc;
    }
    token->addr = (const void *)&h->doorbell;
    token->expected = seq;
    token->reserved = 0;
    return COSMOSB_OK;
}

int cosmosb_pipe_arm_notify(cosmosb_pipe_t *p)
{
    int rc = cosmosb__check(p, COSMOSB_ROLE_CONSUMER);
    if (rc)
        return rc;
    /* SC: announce the request before the last look (protocol in pipe_wait.c). */
    cosmosb__fetch_or_seq_cst(&p->hdr->sleeping, COSMOSB__SLEEP_NOTIFY);
    cosmosb__sleeper_barrier(p);
    int n = poll_available(p, 1);
    if (n != 0)
        return n < 0 ? n : COSMOSB_EAGAIN;
    rc = empty_status(p);
    return rc == COSMOSB_EAGAIN ? COSMOSB_OK : rc;
}

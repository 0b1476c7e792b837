/*
 * pipe_open.c - pipe geometry, formatting, attaching, closing, stats.
 */
#include "core/pipe_internal.h"

struct geometry {
    uint32_t capacity, urgent_capacity, slot_size, slot_stride, max_producers;
    uint64_t producer_stride, total_size;
};

static int is_pow2(uint32_t v)
{
    return v >= 2 && (v & (v - 1)) == 0;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Checks the geometry fields and computes the derived sizes. */
static int geometry_compute(uint32_t mode, uint32_t capacity, uint32_t urgent_capacity,
                            uint32_t slot_size, uint32_t max_producers, struct geometry *g)
{
    if (mode != COSMOSB_PIPE_SPSC && mode != COSMOSB_PIPE_MPSC)
        return COSMOSB_EINVAL;
    if (urgent_capacity == 0)
        urgent_capacity = capacity;
    if (!is_pow2(capacity) || capacity > COSMOSB_PIPE_MAX_CAPACITY)
        return COSMOSB_EINVAL;
    if (!is_pow2(urgent_capacity) || urgent_capacity > COSMOSB_PIPE_MAX_CAPACITY)
        return COSMOSB_EINVAL;
    if (slot_size == 0 || slot_size > COSMOSB_PIPE_MAX_SLOT_SIZE)
        return COSMOSB_EINVAL;
    if (max_producers == 0 || max_producers > COSMOSB_PIPE_MAX_PRODUCERS)
        return COSMOSB_EINVAL;
    if (mode == COSMOSB_PIPE_SPSC && max_producers != 1)
        return COSMOSB_EINVAL;
    g->capacity = capacity;
    g->urgent_capacity = urgent_capacity;
    g->slot_size = (uint32_t)round_up(slot_size, 8);
    g->slot_stride = (uint32_t)round_up(sizeof(struct cosmosb__slot_hdr) + (uint64_t)g->slot_size, 16);
    g->max_producers = max_producers;
    /* Bounded above: 2^20 slots * (2^20 + 16) bytes * 64 producers < 2^48. */
    g->producer_stride = COSMOSB__BLOCK_SLOTS_OFF +
                         round_up((uint64_t)urgent_capacity * g->slot_stride, COSMOSB__CL) +
                         round_up((uint64_t)capacity * g->slot_stride, COSMOSB__CL);
    g->total_size = sizeof(struct cosmosb__pipe_hdr) + (uint64_t)max_producers * g->producer_stride;
    return COSMOSB_OK;
}

int cosmosb_pipe_config_init(cosmosb_pipe_config_t *cfg)
{
    if (!cfg)
        return COSMOSB_EINVAL;
    cfg->mode = COSMOSB_PIPE_SPSC;
    cfg->capacity = 1024;
    cfg->urgent_capacity = 0;
    cfg->slot_size = 64;
    cfg->max_producers = 1;
    cfg->flags = 0;
    return COSMOSB_OK;
}

int cosmosb_pipe_memsize(const cosmosb_pipe_config_t *cfg, uint64_t *size)
{
    struct geometry g;
    if (!cfg || !size)
        return COSMOSB_EINVAL;
    int rc = geometry_compute(cfg->mode, cfg->capacity, cfg->urgent_capacity, cfg->slot_size,
                              cfg->max_producers, &g);
    if (rc)
        return rc;
    *size = g.total_size;
    return COSMOSB_OK;
}

size_t cosmosb_pipe_handle_memsize(uint32_t role, uint32_t max_producers)
{
    if (role == COSMOSB_ROLE_PRODUCER)
        return sizeof(struct cosmosb_pipe) + sizeof(struct cosmosb__producer_view);
    if (role == COSMOSB_ROLE_CONSUMER && max_producers >= 1 && max_producers <= COSMOSB_PIPE_MAX_PRODUCERS)
        return sizeof(struct cosmosb_pipe) + (size_t)max_producers * sizeof(struct cosmosb__producer_view);
    return 0;
}

/* Private view of producer block `index`, computed from the private geometry only. */
void cosmosb__producer_view_init(struct cosmosb_pipe *p, struct cosmosb__producer_view *v, uint32_t index)
{
    uint8_t *block = p->base + sizeof(struct cosmosb__pipe_hdr) + (uint64_t)index * p->producer_stride;
    uint32_t ucap = p->urgent_capacity;
    uint32_t cap = p->capacity;
    v->ctl = (struct cosmosb__producer_ctl *)(void *)block;
    for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
        struct cosmosb__lane *lane = &v->lane[l];
        lane->tail = &((struct cosmosb__index_line *)(void *)(block + COSMOSB__BLOCK_TAIL_OFF(l)))->value;
        lane->head = &((struct cosmosb__index_line *)(void *)(block + COSMOSB__BLOCK_HEAD_OFF(l)))->value;
        lane->capacity = (l == COSMOSB__LANE_URGENT) ? ucap : cap;
        lane->mask = lane->capacity - 1;
        lane->pos = 0;
        lane->cached = 0; /* consumer: vouch_end 0, [-capacity, 0): positions never asked for until 2^32 later */
    }
    v->lane[COSMOSB__LANE_URGENT].slots = block + COSMOSB__BLOCK_SLOTS_OFF;
    v->lane[COSMOSB__LANE_NORMAL].slots =
        block + COSMOSB__BLOCK_SLOTS_OFF + round_up((uint64_t)ucap * p->slot_stride, COSMOSB__CL);
    v->state = COSMOSB__PV_FREE;
    v->owner = 0;
}

static void handle_init(struct cosmosb_pipe *p, uint32_t role, const struct geometry *g, uint32_t mode,
                        uint32_t flags, void *shared, const cosmosb_platform_t *platform, void *channel)
{
    *p = (struct cosmosb_pipe){0};
    p->role = role;
    p->mode = mode;
    p->slot_size = g->slot_size;
    p->slot_stride = g->slot_stride;
    p->max_producers = g->max_producers;
    p->cfg_flags = flags;
    p->spin_ns = COSMOSB__DEFAULT_SPIN_NS;
    p->hdr = (struct cosmosb__pipe_hdr *)shared;
    p->base = (uint8_t *)shared;
    p->size = g->total_size;
    p->plat = platform ? *platform : *cosmosb_platform_default();
    p->channel = channel;
    p->stats.capacity = g->capacity;
    p->stats.urgent_capacity = g->urgent_capacity;
    p->stats.slot_size = g->slot_size;
    p->stats.max_producers = g->max_producers;
    p->stats.role = role;
    p->capacity = g->capacity;
    p->urgent_capacity = g->urgent_capacity;
    p->producer_stride = g->producer_stride;
}

static uint32_t self_id(const cosmosb_platform_t *plat)
{
    return plat->self_id ? plat->self_id(plat->ctx) : 0;
}

int cosmosb_pipe_open_consumer(void *handle_mem, size_t handle_size, void *shared, uint64_t shared_size,
                               const cosmosb_pipe_config_t *cfg, const cosmosb_platform_t *platform,
                               void *channel, cosmosb_pipe_t **out)
{
    struct geometry g;
    if (!handle_mem || !shared || !cfg || !out)
        return COSMOSB_EINVAL;
    if (((uintptr_t)handle_mem & 7u) || ((uintptr_t)shared & 15u))
        return COSMOSB_EINVAL;
    int rc = geometry_compute(cfg->mode, cfg->capacity, cfg->urgent_capacity, cfg->slot_size,
                              cfg->max_producers, &g);
    if (rc)
        return rc;
    if (shared_size < g.total_size || handle_size < cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, g.max_producers))
        return COSMOSB_ENOMEM;

    struct cosmosb_pipe *p = (struct cosmosb_pipe *)handle_mem;
    handle_init(p, COSMOSB_ROLE_CONSUMER, &g, cfg->mode, cfg->flags, shared, platform, channel);

    __builtin_memset(shared, 0, (size_t)g.total_size);
    struct cosmosb__pipe_hdr *h = p->hdr;
    h->abi_version = COSMOSB_ABI_VERSION;
    h->layout_version = COSMOSB__PIPE_LAYOUT_VERSION;
    h->header_size = (uint32_t)sizeof(*h);
    h->mode = cfg->mode;
    h->capacity = g.capacity;
    h->urgent_capacity = g.urgent_capacity;
    h->slot_size = g.slot_size;
    h->slot_stride = g.slot_stride;
    h->max_producers = g.max_producers;
    h->flags = cfg->flags;
    h->producer_offset = sizeof(*h);
    h->producer_stride = g.producer_stride;
    h->total_size = g.total_size;
    /* Relaxed: nobody else can see this memory until the creator hands it out
     * (an fd transfer or thread creation orders it). */
    p->heavy = (uint32_t)cosmosb__heavy_register(p);
    cosmosb__store_relaxed(&h->consumer_heavy, p->heavy ? COSMOSB__HEAVY_HEAVY : COSMOSB__HEAVY_NONE);
    cosmosb__store_relaxed(&h->consumer_id, self_id(&p->plat));
    cosmosb__store_relaxed(&h->consumer_state, COSMOSB__CONSUMER_OPEN);
    /* Release: the magic is the last word written, for peers mapping early. */
    cosmosb__store_release((cosmosb__au32 *)(void *)&h->magic, COSMOSB__PIPE_MAGIC);

    for (uint32_t i = 0; i < g.max_producers; i++)
        cosmosb__producer_view_init(p, &p->pv[i], i);
    p->magic = COSMOSB__HANDLE_MAGIC;
    *out = p;
    return COSMOSB_OK;
}

/* Reads one 32-bit header field exactly once (the peer may be rewriting it). */
static uint32_t read_once_u32(const uint32_t *f)
{
    return *(const volatile uint32_t *)f;
}

static uint64_t read_once_u64(const uint64_t *f)
{
    return *(const volatile uint64_t *)f;
}

int cosmosb_pipe_open_producer(void *handle_mem, size_t handle_size, void *shared, uint64_t shared_size,
                               const cosmosb_platform_t *platform, void *channel, cosmosb_pipe_t **out)
{
    struct geometry g;
    if (!handle_mem || !shared || !out)
        return COSMOSB_EINVAL;
    if (((uintptr_t)handle_mem & 7u) || ((uintptr_t)shared & 15u))
        return COSMOSB_EINVAL;
    if (handle_size < cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0))
        return COSMOSB_ENOMEM;
    if (shared_size < sizeof(struct cosmosb__pipe_hdr))
        return COSMOSB_ECORRUPT;

    struct cosmosb__pipe_hdr *h = (struct cosmosb__pipe_hdr *)shared;
    /* Acquire: pairs with the creator's release of the magic. */
    if (cosmosb__load_acquire((cosmosb__au32 *)(void *)&h->magic) != COSMOSB__PIPE_MAGIC)
        return COSMOSB_ECORRUPT;
    if (read_once_u32(&h->abi_version) != COSMOSB_ABI_VERSION ||
        read_once_u32(&h->layout_version) != COSMOSB__PIPE_LAYOUT_VERSION)
        return COSMOSB_EVERSION;
    uint32_t mode = read_once_u32(&h->mode);
    uint32_t flags = read_once_u32(&h->flags);
    if (read_once_u32(&h->header_size) != sizeof(*h))
        return COSMOSB_ECORRUPT;
    if (geometry_compute(mode, read_once_u32(&h->capacity), read_once_u32(&h->urgent_capacity),
                         read_once_u32(&h->slot_size), read_once_u32(&h->max_producers), &g))
        return COSMOSB_ECORRUPT;
    /* Every derived field must agree with what we computed ourselves. */
    if (g.slot_size != read_once_u32(&h->slot_size) || g.slot_stride != read_once_u32(&h->slot_stride) ||
        read_once_u64(&h->producer_offset) != sizeof(*h) ||
        read_once_u64(&h->producer_stride) != g.producer_stride ||
        read_once_u64(&h->total_size) != g.total_size || g.total_size > shared_size)
        return COSMOSB_ECORRUPT;

    struct cosmosb_pipe *p = (struct cosmosb_pipe *)handle_mem;
    handle_init(p, COSMOSB_ROLE_PRODUCER, &g, mode, flags, shared, platform, channel);
    /* Acquire: pairs with the consumer's release when it closes. */
    if (cosmosb__load_acquire(&h->consumer_state) != COSMOSB__CONSUMER_OPEN)
        return COSMOSB_ECLOSED;
    p->peer_id = cosmosb__load_relaxed(&h->consumer_id);
    p->heavy = (uint32_t)cosmosb__heavy_register(p);
    /* Light publishing only if the consumer's heavy barriers cover us: both registered; each publish
     * then also reads whether the consumer sleeps with them right now. Relaxed: a flag, re-read per publish. */
    p->light_publish = p->heavy && cosmosb__load_relaxed(&h->consumer_heavy) != COSMOSB__HEAVY_NONE;

    uint32_t me = COSMOSB__OWNER_BIT | (self_id(&p->plat) & ~COSMOSB__OWNER_BIT);
    struct cosmosb__producer_view *v = &p->pv[0];
    for (uint32_t i = 0; i < g.max_producers; i++) {
        cosmosb__producer_view_init(p, v, i);
        /* SC CAS: claiming a slot must be atomic against other producers; it
         * also acquires the consumer's reset of the slot (release of owner=0). */
        if (cosmosb__cas_val_seq_cst(&v->ctl->owner, 0, me) != 0)
            continue;
        for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
            struct cosmosb__lane *lane = &v->lane[l];
            lane->pos = cosmosb__load_relaxed(lane->tail); /* ours from now on */
            lane->cached = cosmosb__load_acquire(lane->head);
            if (lane->pos - lane->cached > lane->capacity) {
                /* Impossible indices: give the slot back untouched. */
                cosmosb__store_release(&v->ctl->owner, 0);
                return COSMOSB_ECORRUPT;
            }
        }
        /* Relaxed: read by the consumer on every release_head, a stale 0 only costs it a fence. */
        cosmosb__store_relaxed(&v->ctl->heavy, p->heavy ? COSMOSB__HEAVY_HEAVY : COSMOSB__HEAVY_NONE);
        /* SC: tells the consumer to look for new producers (it polls attach_seq). */
        cosmosb__fetch_add_seq_cst(&h->attach_seq, 1);
        v->owner = me;
        v->state = COSMOSB__PV_ACTIVE;
        p->self_index = i;
        p->magic = COSMOSB__HANDLE_MAGIC;
        *out = p;
        return COSMOSB_OK;
    }
    return COSMOSB_EBUSY;
}

void cosmosb_pipe_close_endpoint(cosmosb_pipe_t *p)
{
    if (cosmosb__check(p, 0))
        return;
    if (p->role == COSMOSB_ROLE_PRODUCER) {
        struct cosmosb__producer_view *v = &p->pv[0];
        /* Release: every message we published is visible before "closed". */
        cosmosb__store_release(&v->ctl->closed, 1);
        cosmosb__fetch_add_seq_cst(&p->hdr->attach_seq, 1); /* SC: the consumer rescans */
        cosmosb__fence_seq_cst(); /* SC: pairs with the consumer's sleeping bit (see pipe_wait.c) */
        if (cosmosb__load_relaxed(&p->hdr->sleeping))
            cosmosb__wake(p, &p->hdr->sleeping, &p->hdr->doorbell, 1);
    } else {
        /* Release: our last head stores are visible before "closed". */
        cosmosb__store_release(&p->hdr->consumer_state, COSMOSB__CONSUMER_CLOSED);
        cosmosb__fence_seq_cst(); /* SC: pairs with each producer's sleeping bit */
        for (uint32_t i = 0; i < p->max_producers; i++) {
            struct cosmosb__producer_ctl *ctl = p->pv[i].ctl;
            if (cosmosb__load_relaxed(&ctl->sleeping))
                cosmosb__wake(p, &ctl->sleeping, &ctl->doorbell, 0); /* producers: never notified */
        }
    }
    p->magic = 0;
}

int cosmosb_pipe_set_spin_ns(cosmosb_pipe_t *p, uint64_t spin_ns)
{
    int rc = cosmosb__check(p, 0);
    if (rc)
        return rc;
    p->spin_ns = spin_ns;
    return COSMOSB_OK;
}

uint32_t cosmosb_pipe_role(const cosmosb_pipe_t *p)
{
    return cosmosb__check(p, 0) ? 0 : p->role;
}

int cosmosb_pipe_stats(const cosmosb_pipe_t *cp, cosmosb_pipe_stats_t *stats)
{
    int rc = cosmosb__check(cp, 0);
    if (rc || !stats)
        return rc ? rc : COSMOSB_EINVAL;
    struct cosmosb_pipe *p = (struct cosmosb_pipe *)(uintptr_t)cp;
    *stats = p->stats;
    if (p->role == COSMOSB_ROLE_CONSUMER) {
        stats->queued = cosmosb__consumer_queued(p);
        stats->producers_attached = p->nserving;
    } else {
        uint32_t q = 0;
        for (uint32_t l = 0; l < COSMOSB__LANES; l++) {
            struct cosmosb__lane *lane = &p->pv[0].lane[l];
            uint32_t used = lane->pos - cosmosb__load_acquire(lane->head);
            q += used > lane->capacity ? lane->capacity : used;
        }
        stats->queued = q;
    }
    return COSMOSB_OK;
}

int cosmosb_pipe_check_peer(cosmosb_pipe_t *p)
{
    int rc = cosmosb__check(p, 0);
    if (rc)
        return rc;
    if (p->role == COSMOSB_ROLE_PRODUCER) {
        /* Acquire: pairs with the consumer's release on close. */
        if (cosmosb__load_acquire(&p->hdr->consumer_state) != COSMOSB__CONSUMER_OPEN)
            return COSMOSB_ECLOSED;
        if (cosmosb__peer_alive(p, p->peer_id) == COSMOSB_PEER_DEAD)
            /* Acquire, again: a consumer that closed just before the verdict (it drops its liveness
             * after its close) closed, it did not die. */
            return cosmosb__load_acquire(&p->hdr->consumer_state) != COSMOSB__CONSUMER_OPEN ? COSMOSB_ECLOSED
                                                                                        : COSMOSB_EPEERDEAD;
        return COSMOSB_OK;
    }
    return cosmosb__consumer_check_liveness(p);
}

/* receiver.c - the single point of entry: typed messages checked before user code sees them. */
#include "cosmosb/receiver.h"
#include "core/schema_internal.h"
#include "core/receiver_internal.h"
#include "core/pipe_internal.h"

#define RECEIVER_MAGIC 0x43425258u /* "CBRX" */
#define MAX_TYPES 4096u
/* Invalid messages one call without a finite deadline (timeout 0, urgent only) rejects before it gives
 * up with EAGAIN: a sender that keeps the pipe full of them cannot hold such a call forever. */
#define MAX_REJECTS_PER_CALL 1024u

struct rx_type {
    const cosmosb_schema_t *schema;
    uint64_t id;
    uint32_t min_size;
    uint32_t reserved;
    cosmosb_handler_fn handler;
    void *ctx;
    struct cosmosb__plan plan; /* the type's rules, flattened for whole messages */
};

enum { OUT_NONE = 0, OUT_COPY = 1, OUT_IN_PLACE = 2 };

struct cosmosb_receiver {
    uint32_t magic;
    uint32_t trust;
    uint32_t max_types;
    uint32_t max_size;
    uint32_t ntypes;
    uint32_t hash_mask;
    uint32_t outstanding;    /* OUT_*: the message last delivered and not yet released */
    uint32_t cur_type;       /* index in types[] of that message's accepted type */
    uint32_t in_callback;    /* 1 while on_reject or a handler runs: a nested receive would corrupt ours */
    uint32_t stop;           /* set by cosmosb__receiver_interrupt(): the receive ends after this reject */
    cosmosb_pipe_t *pipe;
    cosmosb_validate_hooks_t hooks;
    cosmosb_reject_fn on_reject;
    void *reject_ctx;
    cosmosb_msg_view_t view; /* OUT_IN_PLACE: the slot to consume on release */
    uint32_t view_epoch;     /* OUT_IN_PLACE: its producer's epoch at the peek (all 32 bits) */
    const void *out_data;    /* data pointer of the outstanding message */
    struct rx_type *types;
    uint32_t *hash;          /* type index + 1, or 0 */
    uint8_t *buf;            /* private copy, max_size bytes, 8-aligned */
    cosmosb_receiver_stats_t stats;
};

static size_t align8(size_t v)
{
    return (v + 7u) & ~(size_t)7u;
}

static uint32_t hash_cap(uint32_t n)
{
    uint32_t cap = 2;
    while (cap < 2u * n)
        cap <<= 1;
    return cap;
}

int cosmosb_receiver_config_init(cosmosb_receiver_config_t *cfg)
{
    if (!cfg)
        return COSMOSB_EINVAL;
    __builtin_memset(cfg, 0, sizeof *cfg);
    cfg->trust = COSMOSB_TRUST_COPY;
    cfg->max_types = 16;
    cfg->max_size = 4096;
    return COSMOSB_OK;
}

static int config_ok(const cosmosb_receiver_config_t *cfg)
{
    return cfg && (cfg->trust == COSMOSB_TRUST_COPY || cfg->trust == COSMOSB_TRUST_IN_PLACE) &&
           cfg->max_types >= 1u && cfg->max_types <= MAX_TYPES && cfg->max_size >= 1u &&
           cfg->max_size <= COSMOSB_SCHEMA_MAX_SIZE;
}

size_t cosmosb_receiver_memsize(const cosmosb_receiver_config_t *cfg)
{
    if (!config_ok(cfg))
        return 0;
    return align8(sizeof(struct cosmosb_receiver)) + align8(sizeof(struct rx_type) * cfg->max_types) +
           align8(sizeof(uint32_t) * hash_cap(cfg->max_types)) + align8(cfg->max_size);
}

int cosmosb_receiver_init(void *mem, size_t size, cosmosb_pipe_t *pipe, const cosmosb_receiver_config_t *cfg,
                          cosmosb_receiver_t **out)
{
    size_t need = cosmosb_receiver_memsize(cfg);
    if (!mem || !out || !pipe || need == 0 || size < need || ((uintptr_t)mem & 7u))
        return COSMOSB_EINVAL;
    uint32_t role = cosmosb_pipe_role(pipe);
    if (role == 0)
        return COSMOSB_EINVAL;
    if (role != COSMOSB_ROLE_CONSUMER)
        return COSMOSB_EROLE;
    __builtin_memset(mem, 0, need);
    uint8_t *p = (uint8_t *)mem;
    struct cosmosb_receiver *rx = (struct cosmosb_receiver *)p;
    p += align8(sizeof *rx);
    rx->types = (struct rx_type *)p;
    p += align8(sizeof(struct rx_type) * cfg->max_types);
    rx->hash = (uint32_t *)p;
    p += align8(sizeof(uint32_t) * hash_cap(cfg->max_types));
    rx->buf = p;
    rx->magic = RECEIVER_MAGIC;
    rx->trust = cfg->trust;
    rx->max_types = cfg->max_types;
    rx->max_size = cfg->max_size;
    rx->hash_mask = hash_cap(cfg->max_types) - 1u;
    rx->pipe = pipe;
    rx->hooks = cfg->hooks;
    rx->on_reject = cfg->on_reject;
    rx->reject_ctx = cfg->reject_ctx;
    *out = rx;
    return COSMOSB_OK;
}

static int valid(const cosmosb_receiver_t *rx)
{
    return rx && rx->magic == RECEIVER_MAGIC;
}

/* Index + 1 of the accepted type with this id, or 0. */
static uint32_t lookup(const cosmosb_receiver_t *rx, uint64_t id)
{
    uint32_t i = (uint32_t)(id ^ (id >> 32)) & rx->hash_mask;
    for (;;) {
        uint32_t e = rx->hash[i];
        if (e == 0 || rx->types[e - 1u].id == id)
            return e;
        i = (i + 1u) & rx->hash_mask;
    }
}

int cosmosb_receiver_accept(cosmosb_receiver_t *rx, const cosmosb_schema_t *schema, cosmosb_handler_fn handler,
                            void *ctx)
{
    if (!valid(rx) || cosmosb_schema_check(schema) != COSMOSB_OK)
        return COSMOSB_EINVAL;
    if (schema->size > rx->max_size)
        return COSMOSB_EMSGSIZE;
    uint64_t id = cosmosb_schema_type_id(schema);
    uint32_t e = lookup(rx, id);
    if (e) {
        struct rx_type *t = &rx->types[e - 1u];
        /* Another descriptor of the id: only a copy of the accepted one (another translation unit's)
         * may replace the handler, since messages stay checked against the first. Before review 20 a
         * same-named descriptor of the same size and version with other rules was taken too. */
        if (!cosmosb__schema_same(t->schema, schema))
            return COSMOSB_EINCOMPAT; /* two names with one hash, or another type of this name */
        t->handler = handler;
        t->ctx = ctx;
        return COSMOSB_OK;
    }
    if (rx->ntypes >= rx->max_types)
        return COSMOSB_ENOMEM;
    struct rx_type *t = &rx->types[rx->ntypes];
    t->schema = schema;
    t->id = id;
    t->min_size = cosmosb_schema_min_size(schema);
    cosmosb__plan_build(&t->plan, schema);
    t->handler = handler;
    t->ctx = ctx;
    uint32_t i = (uint32_t)(id ^ (id >> 32)) & rx->hash_mask;
    while (rx->hash[i] != 0)
        i = (i + 1u) & rx->hash_mask;
    rx->hash[i] = ++rx->ntypes;
    return COSMOSB_OK;
}

/* Rejects the peeked message: consumes it, counts it, tells the callback. */
static void reject(cosmosb_receiver_t *rx, const cosmosb_msg_view_t *view, uint32_t epoch,
                   const cosmosb_validate_error_t *err)
{
    (void)cosmosb__consumer_consume_handled(rx->pipe, view, epoch);
    uint32_t reason = err->reason < COSMOSB_REJECT_COUNT ? err->reason : COSMOSB_REJECT_HEADER;
    rx->stats.rejected_total++;
    rx->stats.rejected[reason]++;
    if (rx->on_reject) {
        cosmosb_reject_info_t info;
        info.type_id = view->info.type_id;
        info.len = view->info.len;
        info.producer = view->info.producer;
        info.err = *err;
        /* The callback may not receive on rx: the receive that called us still runs (a nested one
         * would fill rx->buf / rx->view under it). Such calls return EBUSY meanwhile. */
        rx->in_callback = 1;
        rx->on_reject(rx->reject_ctx, rx, &info);
        rx->in_callback = 0;
    }
}

static void set_err(cosmosb_validate_error_t *err, uint32_t reason, uint32_t offset)
{
    err->reason = reason;
    err->offset = offset;
    err->field = NULL;
    err->hook_error = 0;
    err->reserved = 0;
}

/*
 * Checks the message at `view` and fills `msg`. Everything read from the slot
 * is read once into private memory before it is used: the header, each
 * ancestor id, and (in copy mode) the struct bytes.
 * Returns 1 if delivered, 0 if rejected (err says why).
 */
static int process(cosmosb_receiver_t *rx, const cosmosb_msg_view_t *view, cosmosb_typed_msg_t *msg,
                   cosmosb_validate_error_t *err)
{
    const uint8_t *slot = (const uint8_t *)view->data;
    uint32_t len = view->info.len; /* checked against the slot size by the pipe */
    cosmosb_typed_header_t h;
    if (len < sizeof h) {
        set_err(err, COSMOSB_REJECT_HEADER, 0);
        return 0;
    }
    __builtin_memcpy(&h, slot, sizeof h);
    if (h.magic != COSMOSB_TYPED_MAGIC || h.depth > COSMOSB_SCHEMA_MAX_DEPTH || len < 8u + 16u * h.depth) {
        set_err(err, COSMOSB_REJECT_HEADER, 0);
        return 0;
    }
    uint32_t hsize = 8u + 16u * h.depth;
    uint32_t body = len - hsize;
    /* The bytes that belong to the type it is delivered as: all of them for
     * the real type, the sender's size of the ancestor otherwise. */
    uint32_t present = body;
    uint32_t e = lookup(rx, view->info.type_id);
    uint32_t as_ancestor = 0;
    for (uint32_t i = 0; !e && i < h.depth; i++) {
        cosmosb_typed_ancestor_t anc;
        __builtin_memcpy(&anc, slot + 8u + 16u * i, sizeof anc);
        e = lookup(rx, anc.type_id);
        as_ancestor = 1;
        if (e && anc.size > body) {
            set_err(err, COSMOSB_REJECT_HEADER, 8u + 16u * i);
            return 0; /* an ancestor larger than the whole message: a lying header */
        }
        present = anc.size;
    }
    if (!e) {
        set_err(err, COSMOSB_REJECT_TYPE, 0);
        return 0;
    }
    const struct rx_type *t = &rx->types[e - 1u];
    if (present < t->min_size) {
        set_err(err, COSMOSB_REJECT_SHORT, present);
        return 0;
    }
    uint32_t size = t->schema->size;
    const uint8_t *data;
    uint32_t in_place;
    if (rx->trust == COSMOSB_TRUST_COPY || present < size) {
        uint32_t n = present < size ? present : size;
        __builtin_memcpy(rx->buf, slot + hsize, n);
        if (n < size)
            __builtin_memset(rx->buf + n, 0, size - n);
        data = rx->buf;
        in_place = 0;
    } else {
        data = slot + hsize;
        in_place = 1;
    }
    /* A whole message (the usual case) runs the flattened rules; a short one
     * (an older sender) the walk that knows which fields are absent. */
    int vrc = present >= size && t->plan.usable ? cosmosb__plan_validate(&t->plan, data, &rx->hooks, err)
                                                : cosmosb__schema_validate_body(t->schema, data, present, &rx->hooks, err);
    if (vrc != COSMOSB_OK)
        return 0;
    msg->data = data;
    msg->schema = t->schema;
    msg->type_id = view->info.type_id;
    msg->len = body;
    msg->version = h.version;
    msg->in_place = in_place;
    msg->present = present < size ? present : size; /* what was validated (finding 4, docs/fuzzing.md) */
    msg->info = view->info;
    rx->cur_type = e - 1u;
    rx->stats.delivered++;
    rx->stats.delivered_as_ancestor += as_ancestor;
    rx->stats.copied += !in_place;
    return 1;
}

static int receive(cosmosb_receiver_t *rx, cosmosb_typed_msg_t *msg, uint64_t timeout_ns, int urgent_only)
{
    if (!valid(rx) || !msg)
        return COSMOSB_EINVAL;
    if (rx->outstanding != OUT_NONE || rx->in_callback)
        return COSMOSB_EBUSY;
    rx->stop = 0;
    /* A finite timeout is for the whole call: a rejected message does not restart it
     * (a sender trickling invalid messages could otherwise hold the call forever). */
    struct cosmosb_pipe *clock = (struct cosmosb_pipe *)rx->pipe;
    int finite = !urgent_only && timeout_ns != COSMOSB_TIMEOUT_NONE && timeout_ns != COSMOSB_TIMEOUT_FOREVER;
    uint64_t deadline = finite ? cosmosb__deadline(clock, timeout_ns) : 0;
    uint64_t wait = timeout_ns;
    for (uint32_t rejected = 0;;) {
        cosmosb_msg_view_t view;
        int rc = urgent_only ? cosmosb_pipe_peek_urgent(rx->pipe, &view) : cosmosb_pipe_peek(rx->pipe, &view, wait);
        if (rc != COSMOSB_OK)
            return rc; /* a finite wait ends with ETIMEDOUT from the pipe, or at our deadline check below */
        /* Handled messages are removed by position, whatever the sender did to the slot meanwhile
         * (cosmosb__consumer_consume_handled: never delivered twice). */
        uint32_t epoch = cosmosb__consumer_view_epoch(rx->pipe, &view);
        cosmosb_validate_error_t err;
        set_err(&err, COSMOSB_REJECT_NONE, 0);
        if (!process(rx, &view, msg, &err)) {
            reject(rx, &view, epoch, &err);
            if (rx->stop) {
                /* Its pump's list changed in the callback: the pump looks again before anything more
                 * is taken from this pipe (the receiver may no longer be in it). */
                rx->stop = 0;
                return COSMOSB_EAGAIN;
            }
            /* Bounded whatever the sender does (it may queue a new invalid message for each one we
             * reject): a finite call ends at its deadline, a try-once call after MAX_REJECTS_PER_CALL. */
            if (finite) {
                uint64_t now = cosmosb__now(clock);
                if (now >= deadline)
                    return COSMOSB_ETIMEDOUT;
                wait = deadline - now;
            } else if (timeout_ns != COSMOSB_TIMEOUT_FOREVER && ++rejected >= MAX_REJECTS_PER_CALL) {
                return COSMOSB_EAGAIN;
            }
            continue;
        }
        if (msg->in_place) {
            rx->view = view;
            rx->view_epoch = epoch;
            rx->outstanding = OUT_IN_PLACE;
        } else {
            /* The copy is ours: give the slot back to the sender at once. */
            (void)cosmosb__consumer_consume_handled(rx->pipe, &view, epoch);
            rx->outstanding = OUT_COPY;
        }
        rx->out_data = msg->data;
        return COSMOSB_OK;
    }
}

int cosmosb_receiver_recv(cosmosb_receiver_t *rx, cosmosb_typed_msg_t *msg, uint64_t timeout_ns)
{
    return receive(rx, msg, timeout_ns, 0);
}

int cosmosb_receiver_recv_urgent(cosmosb_receiver_t *rx, cosmosb_typed_msg_t *msg)
{
    return receive(rx, msg, COSMOSB_TIMEOUT_NONE, 1);
}

int cosmosb_receiver_release(cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg)
{
    if (!valid(rx) || !msg || rx->outstanding == OUT_NONE || msg->data != rx->out_data)
        return COSMOSB_EINVAL;
    int rc = COSMOSB_OK;
    if (rx->outstanding == OUT_IN_PLACE)
        rc = cosmosb__consumer_consume_handled(rx->pipe, &rx->view, rx->view_epoch);
    rx->outstanding = OUT_NONE;
    rx->out_data = NULL;
    return rc;
}

void cosmosb__receiver_drop_outstanding(cosmosb_receiver_t *rx)
{
    if (!valid(rx) || rx->outstanding == OUT_NONE)
        return;
    if (rx->outstanding == OUT_IN_PLACE)
        (void)cosmosb__consumer_consume_handled(rx->pipe, &rx->view, rx->view_epoch);
    rx->outstanding = OUT_NONE;
    rx->out_data = NULL;
}

void cosmosb__receiver_interrupt(cosmosb_receiver_t *rx)
{
    if (valid(rx))
        rx->stop = 1;
}

/* Calls the handler of the message just received, then releases it. */
int cosmosb__receiver_deliver(cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg)
{
    const struct rx_type *t = &rx->types[rx->cur_type];
    if (t->handler) {
        /* Even should the handler release the message, it may not receive on rx before we do. */
        rx->in_callback = 1;
        t->handler(t->ctx, rx, msg);
        rx->in_callback = 0;
    }
    return cosmosb_receiver_release(rx, msg);
}

int cosmosb_receiver_dispatch(cosmosb_receiver_t *rx, uint32_t max, uint64_t timeout_ns)
{
    /* The count is returned as an int: more than INT32_MAX could not be (cosmosb_pipe_recv_batch's rule). */
    if (!valid(rx) || max == 0 || max > (uint32_t)INT32_MAX)
        return COSMOSB_EINVAL;
    if (rx->in_callback)
        return COSMOSB_EBUSY;
    int handled = 0;
    while ((uint32_t)handled < max) {
        cosmosb_typed_msg_t msg;
        int rc = cosmosb_receiver_recv(rx, &msg, handled ? COSMOSB_TIMEOUT_NONE : timeout_ns);
        if (rc != COSMOSB_OK)
            return handled ? handled : rc;
        (void)cosmosb__receiver_deliver(rx, &msg);
        handled++;
    }
    return handled;
}

int cosmosb_receiver_stats(const cosmosb_receiver_t *rx, cosmosb_receiver_stats_t *stats)
{
    if (!valid(rx) || !stats)
        return COSMOSB_EINVAL;
    *stats = rx->stats;
    return COSMOSB_OK;
}

uint32_t cosmosb_receiver_trust(const cosmosb_receiver_t *rx)
{
    return valid(rx) ? rx->trust : COSMOSB_TRUST_COPY;
}

cosmosb_pipe_t *cosmosb_receiver_pipe(const cosmosb_receiver_t *rx)
{
    return valid(rx) ? rx->pipe : NULL;
}

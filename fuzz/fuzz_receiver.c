/*
 * fuzz_receiver.c - fuzz harness: typed messages whose header, type ids,
 * ancestor records, sizes and bytes come from the input, through a real
 * pipe, into a typed receiver (receiver.h) that accepts some of the types of
 * tests/test_schema_types.h.
 *
 * The input picks the trust mode (copy or in place, with REF / WINDOW hooks
 * whose verdict depends on the field's bytes) and then drives up to
 * FUZZ_RX_OPS operations: honest typed sends of valid messages, raw sends of
 * forged typed messages (magic, depth, versions, ancestor ids and sizes, pipe
 * type id, length, body bytes from the input, or a valid body with a few
 * bytes changed), scribbles on the pipe memory, receive / receive urgent /
 * release / dispatch. Every delivered message must be of an accepted type,
 * readable for its schema's size (in the slot when in place), and must pass
 * cosmosb_schema_validate() again; every result must be 0, a count or a
 * COSMOSB_E* code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "fuzz_common.h"
#include "test_schema_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_RX_OPS = 64, FUZZ_RX_SLOT = 1024, FUZZ_RX_CAPACITY = 8 };

static const cosmosb_schema_t *const rx_accepted[] = {
    &ts_scalars_schema, &ts_point_schema, &ts_misc_schema, &ts_mix_schema,    &demo_order_schema,
    &ts_d0_schema,      &ts_d2_schema,    &ts_d5_schema,   &ts_n0_schema,     &ts_n4_schema,
    &ts_evo2_schema,    &ts_zbad2_schema, &ts_many16_schema, &ts_holder_schema,
};
#define RX_NACCEPTED (sizeof rx_accepted / sizeof rx_accepted[0])
#define RX_NTYPES (sizeof ts_all_types / sizeof ts_all_types[0])

struct rx_fixture {
    struct fuzz_host host;
    cosmosb_platform_t plat;
    cosmosb_pipe_config_t cfg;
    uint64_t shm_size;
    uint8_t *shm;
    void *consumer_mem, *producer_mem, *receiver_mem;
    cosmosb_pipe_t *consumer, *producer;
    cosmosb_receiver_t *rx;
    cosmosb_validate_hooks_t hooks;
    uint32_t trust;
    uint32_t in_handler;
};

/* Hooks: the verdict depends only on the field's bytes, so it is deterministic. */
static int rx_check_ref(void *ctx, const cosmosb_ref_t *ref, uint64_t target_type_id)
{
    (void)ctx;
    (void)target_type_id;
    return ref->object & 1u ? COSMOSB_ESTALE : COSMOSB_OK;
}

static int rx_check_window(void *ctx, const cosmosb_window_t *window, uint32_t required_rights)
{
    (void)ctx;
    (void)required_rights;
    uint8_t first;
    memcpy(&first, window, 1);
    return first & 1u ? COSMOSB_ERANGE : COSMOSB_OK;
}

static int is_accepted(const cosmosb_schema_t *s)
{
    for (size_t i = 0; i < RX_NACCEPTED; i++)
        if (rx_accepted[i] == s)
            return 1;
    return 0;
}

static void check_delivered(struct rx_fixture *f, const cosmosb_typed_msg_t *msg, const char *what)
{
    FUZZ_CHECK(msg->schema && is_accepted(msg->schema), "%s: delivered as a type not accepted (%p)", what,
               (const void *)msg->schema);
    FUZZ_CHECK(msg->data != NULL, "%s: no data", what);
    uint32_t size = msg->schema->size;
    if (msg->in_place) {
        const uint8_t *d = msg->data;
        FUZZ_CHECK(f->trust == COSMOSB_TRUST_IN_PLACE, "%s: in place in copy mode", what);
        FUZZ_CHECK(d >= f->shm && (uint64_t)(d - f->shm) + size <= f->shm_size,
                   "%s: in-place data %p+%u outside the pipe", what, msg->data, size);
    }
    /* Readable for the schema's size (ASan), and valid as that type. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, msg->data, size);
    /* present: what the receiver says it validated of the accepted type (len counts the derived type's
     * bytes when delivered as an ancestor: finding 4). */
    FUZZ_CHECK(msg->present <= size && msg->present <= msg->len, "%s: present %u of size %u, len %u", what,
               msg->present, size, msg->len);
    uint32_t present = msg->present;
    cosmosb_validate_error_t err;
    int rc = cosmosb_schema_validate(msg->schema, copy, present,
                                     f->trust == COSMOSB_TRUST_IN_PLACE ? &f->hooks : NULL, &err);
    FUZZ_CHECK(rc == COSMOSB_OK, "%s: delivered %s (len %u) fails validation: reason %u field %s", what,
               msg->schema->name, msg->len, err.reason, err.field ? err.field : "-");
    free(copy);
}

static void rx_handler(void *ctx, cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg)
{
    struct rx_fixture *f = ctx;
    (void)rx;
    check_delivered(f, msg, "dispatch");
    cosmosb_typed_msg_t again;
    /* receiving from inside the handler is refused, not re-entered */
    FUZZ_CHECK(cosmosb_receiver_recv(f->rx, &again, 0) == COSMOSB_EBUSY, "recv inside a handler");
}

static void rx_on_reject(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *info)
{
    (void)ctx;
    (void)rx;
    FUZZ_CHECK(info->err.reason > 0 && info->err.reason < COSMOSB_REJECT_COUNT, "reject reason %u",
               info->err.reason);
}

static void setup(struct rx_fixture *f, struct fuzz_input *in)
{
    memset(f, 0, sizeof *f);
    fuzz_host_init(&f->host, &f->plat);
    cosmosb_pipe_config_init(&f->cfg);
    f->cfg.capacity = FUZZ_RX_CAPACITY;
    f->cfg.urgent_capacity = 2;
    f->cfg.slot_size = FUZZ_RX_SLOT;
    cosmosb_pipe_memsize(&f->cfg, &f->shm_size);
    f->shm = aligned_alloc(64, (size_t)f->shm_size);
    memset(f->shm, 0xA5, (size_t)f->shm_size);
    size_t cs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 1);
    size_t ps = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    f->consumer_mem = malloc(cs);
    f->producer_mem = malloc(ps);
    int rc = cosmosb_pipe_open_consumer(f->consumer_mem, cs, f->shm, f->shm_size, &f->cfg, &f->plat, NULL,
                                        &f->consumer);
    FUZZ_CHECK(rc == COSMOSB_OK, "open_consumer %d", rc);
    f->host.self = 2;
    rc = cosmosb_pipe_open_producer(f->producer_mem, ps, f->shm, f->shm_size, &f->plat, NULL, &f->producer);
    FUZZ_CHECK(rc == COSMOSB_OK, "open_producer %d", rc);
    f->host.self = 1;

    cosmosb_receiver_config_t rcfg;
    cosmosb_receiver_config_init(&rcfg);
    f->trust = fuzz_u8(in) & 1 ? COSMOSB_TRUST_IN_PLACE : COSMOSB_TRUST_COPY;
    rcfg.trust = f->trust;
    rcfg.max_types = 32;
    rcfg.on_reject = rx_on_reject;
    if (f->trust == COSMOSB_TRUST_IN_PLACE) {
        f->hooks.check_ref = rx_check_ref;
        f->hooks.check_window = rx_check_window;
        rcfg.hooks = f->hooks;
    }
    size_t rs = cosmosb_receiver_memsize(&rcfg);
    f->receiver_mem = aligned_alloc(8, (rs + 7u) & ~(size_t)7u);
    rc = cosmosb_receiver_init(f->receiver_mem, rs, f->consumer, &rcfg, &f->rx);
    FUZZ_CHECK(rc == COSMOSB_OK, "receiver_init %d", rc);
    for (size_t i = 0; i < RX_NACCEPTED; i++) {
        rc = cosmosb_receiver_accept(f->rx, rx_accepted[i], rx_handler, f);
        FUZZ_CHECK(rc == COSMOSB_OK, "accept %s: %d", rx_accepted[i]->name, rc);
    }
}

static void teardown(struct rx_fixture *f)
{
    cosmosb_pipe_close_endpoint(f->producer);
    cosmosb_pipe_close_endpoint(f->consumer);
    free(f->producer_mem);
    free(f->consumer_mem);
    free(f->receiver_mem);
    free(f->shm);
}

static const cosmosb_schema_t *pick_type(struct fuzz_input *in)
{
    return ts_all_types[fuzz_u8(in) % RX_NTYPES];
}

/* A type id: one of the known types (or one of their ancestors), or any 64 bits. */
static uint64_t pick_type_id(struct fuzz_input *in)
{
    uint8_t k = fuzz_u8(in);
    if (k < 0xf0)
        return cosmosb_schema_type_id(ts_all_types[k % RX_NTYPES]);
    return k == 0xff ? fuzz_u64(in) : k & 0xf;
}

static uint32_t near_size(struct fuzz_input *in, uint32_t size)
{
    uint8_t k = fuzz_u8(in);
    if (k < 0x80)
        return size;
    if (k < 0xe0)
        return size + (uint32_t)(int32_t)(int8_t)fuzz_u8(in);
    return fuzz_nasty_u32(in);
}

/* Forges a typed message and sends it raw. */
static void send_forged(struct rx_fixture *f, struct fuzz_input *in, uint32_t flags)
{
    uint8_t msg[FUZZ_RX_SLOT];
    memset(msg, 0, sizeof msg);
    const cosmosb_schema_t *type = pick_type(in);
    cosmosb_typed_tag_t tag;
    int rc = cosmosb_typed_tag_init(type, &tag);
    FUZZ_CHECK(rc == COSMOSB_OK, "tag_init %s: %d", type->name, rc);
    memcpy(msg, tag.header, tag.header_size);
    uint32_t header_size = tag.header_size;
    uint8_t forge = fuzz_u8(in);
    if (forge & 1) { /* header: magic, depth, version */
        uint16_t magic = fuzz_u8(in) & 1 ? COSMOSB_TYPED_MAGIC : fuzz_u16(in);
        uint16_t depth = (uint16_t)(fuzz_u8(in) % 11u);
        if (fuzz_u8(in) == 0xff)
            depth = fuzz_u16(in);
        uint32_t version = fuzz_u8(in) & 1 ? type->version : fuzz_nasty_u32(in);
        memcpy(msg, &magic, 2);
        memcpy(msg + 2, &depth, 2);
        memcpy(msg + 4, &version, 4);
        header_size = 8u + 16u * (depth <= COSMOSB_SCHEMA_MAX_DEPTH ? depth : COSMOSB_SCHEMA_MAX_DEPTH);
    }
    if (forge & 2) { /* ancestor records */
        for (uint32_t a = 0; a < COSMOSB_SCHEMA_MAX_DEPTH; a++) {
            if (!(fuzz_u8(in) & 1))
                continue;
            cosmosb_typed_ancestor_t rec;
            const cosmosb_schema_t *as = pick_type(in);
            rec.type_id = fuzz_u8(in) & 1 ? cosmosb_schema_type_id(as) : pick_type_id(in);
            rec.size = near_size(in, as->size);
            rec.version = fuzz_u8(in) & 1 ? as->version : fuzz_nasty_u32(in);
            memcpy(msg + 8 + 16 * a, &rec, sizeof rec);
        }
    }
    /* body: a valid message with a few bytes changed, or input bytes */
    uint32_t body_max = FUZZ_RX_SLOT - header_size;
    if (forge & 4) {
        fuzz_bytes(in, msg + header_size, fuzz_u8(in) % 96u < body_max ? fuzz_u8(in) % 96u : 0);
    } else {
        uint64_t seed = fuzz_u64(in) | 1;
        if (type->size <= body_max)
            ts_fill_valid(type, msg + header_size, &seed);
        for (int k = fuzz_u8(in) % 4; k > 0; k--) {
            uint32_t at = fuzz_u16(in) % (type->size ? type->size : 1);
            if (at < body_max)
                msg[header_size + at] = fuzz_u8(in);
        }
    }
    uint32_t len = header_size + type->size;
    if (forge & 8)
        len = header_size + near_size(in, type->size);
    if (forge & 16)
        len = fuzz_u16(in);
    if (len > FUZZ_RX_SLOT)
        len = FUZZ_RX_SLOT;
    uint64_t type_id = forge & 32 ? pick_type_id(in) : tag.type_id;
    rc = cosmosb_pipe_send(f->producer, type_id, msg, len, flags, 0);
    FUZZ_CHECK_RESULT(rc, "send forged");
}

static void send_valid(struct rx_fixture *f, struct fuzz_input *in, uint32_t flags)
{
    const cosmosb_schema_t *type = pick_type(in);
    uint8_t msg[FUZZ_RX_SLOT];
    uint64_t seed = fuzz_u64(in) | 1;
    if (type->size > sizeof msg)
        return;
    ts_fill_valid(type, msg, &seed);
    int rc = cosmosb_typed_send(f->producer, type, msg, flags, 0);
    FUZZ_CHECK_RESULT(rc, "typed_send");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in;
    struct rx_fixture f;
    fuzz_input_init(&in, data, size);
    setup(&f, &in);
    cosmosb_typed_msg_t held;
    memset(&held, 0, sizeof held);
    int holding = 0;
    for (int step = 0; step < FUZZ_RX_OPS && fuzz_input_left(&in); step++) {
        uint8_t op = fuzz_u8(&in);
        uint32_t flags = op & 0x80 ? COSMOSB_MSG_URGENT : 0;
        int rc;
        switch (op % 8) {
        case 0:
            send_valid(&f, &in, flags);
            break;
        case 1:
        case 2:
            send_forged(&f, &in, flags);
            break;
        case 3:
        case 4: { /* receive (normal or urgent only), then maybe release */
            cosmosb_typed_msg_t msg;
            rc = op & 0x40 ? cosmosb_receiver_recv_urgent(f.rx, &msg)
                           : cosmosb_receiver_recv(f.rx, &msg, fuzz_timeout(&in));
            FUZZ_CHECK_RESULT(rc, "receiver_recv");
            if (rc == COSMOSB_OK) {
                FUZZ_CHECK(!holding, "a second message delivered while one is held");
                check_delivered(&f, &msg, "recv");
                held = msg;
                holding = 1;
            } else if (holding) {
                FUZZ_CHECK(rc == COSMOSB_EBUSY, "recv while holding a message: %d", rc);
            }
            if (holding && op & 0x20) {
                rc = cosmosb_receiver_release(f.rx, &held);
                FUZZ_CHECK(rc == COSMOSB_OK, "release: %d", rc);
                holding = 0;
            }
            break;
        }
        case 5:
            if (holding) {
                rc = cosmosb_receiver_release(f.rx, &held);
                FUZZ_CHECK(rc == COSMOSB_OK, "release: %d", rc);
                holding = 0;
            } else {
                rc = cosmosb_receiver_release(f.rx, &held); /* released already, or never received */
                FUZZ_CHECK(rc == COSMOSB_EINVAL, "release with nothing outstanding: %d", rc);
            }
            break;
        case 6: {
            rc = cosmosb_receiver_dispatch(f.rx, 1u + fuzz_u8(&in) % 8u, fuzz_timeout(&in));
            FUZZ_CHECK(rc >= 0 || fuzz_is_result(rc), "dispatch returned %d", rc);
            if (holding)
                FUZZ_CHECK(rc == COSMOSB_EBUSY || rc < 0, "dispatch while holding a message: %d", rc);
            break;
        }
        default: {
            cosmosb_receiver_stats_t st;
            FUZZ_CHECK_RESULT(cosmosb_receiver_stats(f.rx, &st), "receiver_stats");
            if (op & 0x40) /* the sender rewrites shared memory (maybe a held in-place slot) */
                fuzz_scribble(&in, f.shm, (size_t)f.shm_size);
            break;
        }
        }
    }
    if (holding)
        cosmosb_receiver_release(f.rx, &held);
    teardown(&f);
    return 0;
}

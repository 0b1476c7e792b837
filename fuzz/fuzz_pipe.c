/*
 * fuzz_pipe.c - fuzz harness: a pipe consumer (and its producers) against a
 * peer that scribbles on the shared pipe memory.
 *
 * The input picks an SPSC or MPSC geometry, then drives up to FUZZ_PIPE_OPS
 * operations: honest sends (send, reserve/commit, send_batch, urgent or not),
 * raw writes of input bytes at input-chosen offsets of the shared memory,
 * consumer operations (recv, peek/consume, peek_urgent, recv_batch, stats,
 * check_peer, wait_prepare, arm_notify), producer deaths, closes and
 * re-attaches. The shared memory is malloc'd with exactly
 * cosmosb_pipe_memsize() bytes and every receive buffer with exactly its
 * declared size, so ASan reports any read or write outside them; every
 * returned view must lie inside the pipe and every result must be 0, a count
 * or a COSMOSB_E* code. The platform (fuzz_common.h) has a virtual clock, so
 * every bounded wait ends and a loop that does not is reported.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_PIPE_OPS = 200, FUZZ_PIPE_PRODUCERS = 2 };

struct pipe_fixture {
    struct fuzz_host host;
    cosmosb_platform_t plat;
    cosmosb_pipe_config_t cfg;
    uint64_t shm_size;
    uint8_t *shm;
    size_t consumer_size, producer_size;
    void *consumer_mem;
    void *producer_mem[FUZZ_PIPE_PRODUCERS];
    cosmosb_pipe_t *consumer;
    cosmosb_pipe_t *producer[FUZZ_PIPE_PRODUCERS];
    uint32_t slot_size; /* as the consumer reports it (rounded up) */
};

static volatile uint64_t fuzz_pipe_sink;

static int inside_shm(const struct pipe_fixture *f, const void *p, uint64_t len)
{
    const uint8_t *b = p;
    return b >= f->shm && len <= f->shm_size && (uint64_t)(b - f->shm) <= f->shm_size - len;
}

static void attach_producer(struct pipe_fixture *f, int i)
{
    f->host.self = 2u + (uint32_t)i;
    f->host.dead_mask &= ~(1u << f->host.self);
    int rc = cosmosb_pipe_open_producer(f->producer_mem[i], f->producer_size, f->shm, f->shm_size,
                                        &f->plat, NULL, &f->producer[i]);
    FUZZ_CHECK_RESULT(rc, "open_producer");
    if (rc != COSMOSB_OK)
        f->producer[i] = NULL;
    f->host.self = 1;
}

static int setup(struct pipe_fixture *f, struct fuzz_input *in)
{
    memset(f, 0, sizeof *f);
    fuzz_host_init(&f->host, &f->plat);
    cosmosb_pipe_config_init(&f->cfg);
    uint8_t g = fuzz_u8(in);
    f->cfg.mode = g & 1 ? COSMOSB_PIPE_MPSC : COSMOSB_PIPE_SPSC;
    f->cfg.capacity = 2u << ((g >> 1) & 3);        /* 2..16 */
    f->cfg.urgent_capacity = (g >> 3) & 1 ? 2u : 0; /* 0 = same as capacity */
    f->cfg.slot_size = 1u + fuzz_u8(in) % 64u;
    f->cfg.max_producers = f->cfg.mode == COSMOSB_PIPE_MPSC ? 1u + (g >> 4) % 3u : 1u;
    if (cosmosb_pipe_memsize(&f->cfg, &f->shm_size) != COSMOSB_OK)
        return -1;
    f->shm = aligned_alloc(64, (size_t)f->shm_size);
    f->consumer_size = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, f->cfg.max_producers);
    f->producer_size = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    f->consumer_mem = malloc(f->consumer_size);
    for (int i = 0; i < FUZZ_PIPE_PRODUCERS; i++)
        f->producer_mem[i] = malloc(f->producer_size);
    memset(f->shm, 0xA5, (size_t)f->shm_size);
    int rc = cosmosb_pipe_open_consumer(f->consumer_mem, f->consumer_size, f->shm, f->shm_size,
                                        &f->cfg, &f->plat, NULL, &f->consumer);
    FUZZ_CHECK(rc == COSMOSB_OK, "open_consumer: %d", rc);
    cosmosb_pipe_set_spin_ns(f->consumer, 0);
    cosmosb_pipe_stats_t st;
    cosmosb_pipe_stats(f->consumer, &st);
    f->slot_size = st.slot_size;
    int nprod = f->cfg.mode == COSMOSB_PIPE_MPSC && f->cfg.max_producers > 1 ? 2 : 1;
    for (int i = 0; i < nprod; i++)
        attach_producer(f, i);
    return 0;
}

static void teardown(struct pipe_fixture *f)
{
    for (int i = 0; i < FUZZ_PIPE_PRODUCERS; i++) {
        if (f->producer[i])
            cosmosb_pipe_close_endpoint(f->producer[i]);
        free(f->producer_mem[i]);
    }
    if (f->consumer)
        cosmosb_pipe_close_endpoint(f->consumer);
    free(f->consumer_mem);
    free(f->shm);
}

static void check_info(const struct pipe_fixture *f, const cosmosb_msg_info_t *info, uint32_t buf_size,
                       const char *what)
{
    FUZZ_CHECK(info->len <= buf_size, "%s: len %u > buffer %u", what, info->len, buf_size);
    FUZZ_CHECK(info->len <= f->slot_size, "%s: len %u > slot %u", what, info->len, f->slot_size);
    FUZZ_CHECK(info->producer < f->cfg.max_producers, "%s: producer %u", what, info->producer);
    FUZZ_CHECK((info->flags & ~COSMOSB_MSG_URGENT) == 0, "%s: flags 0x%x", what, info->flags);
}

static void check_view(const struct pipe_fixture *f, const cosmosb_msg_view_t *v, const char *what)
{
    check_info(f, &v->info, f->slot_size, what);
    FUZZ_CHECK(v->info.len == 0 || inside_shm(f, v->data, v->info.len), "%s: view %p+%u outside the pipe",
               what, v->data, v->info.len);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < v->info.len; i++)
        sum += ((const volatile uint8_t *)v->data)[i];
    fuzz_pipe_sink += sum;
}

static void producer_op(struct pipe_fixture *f, struct fuzz_input *in, uint8_t op)
{
    int i = (op >> 4) & 1;
    cosmosb_pipe_t *p = f->producer[i];
    if (!p) {
        if ((op >> 5) & 1)
            attach_producer(f, i);
        return;
    }
    uint32_t flags = fuzz_u8(in) & 1 ? COSMOSB_MSG_URGENT : 0;
    uint64_t timeout = fuzz_timeout(in);
    int rc;
    switch (op & 3) {
    case 0: { /* send */
        uint8_t msg[80];
        uint32_t len = fuzz_u8(in) % (f->slot_size + 9);
        if (len > sizeof msg)
            len = sizeof msg;
        memset(msg, (int)len, sizeof msg);
        uint64_t type = fuzz_u64(in);
        rc = cosmosb_pipe_send(p, type, msg, len, flags, timeout);
        FUZZ_CHECK_RESULT(rc, "send");
        if (len > f->slot_size)
            FUZZ_CHECK(rc == COSMOSB_EMSGSIZE, "send of %u > slot %u: %d", len, f->slot_size, rc);
        break;
    }
    case 1: { /* reserve + commit */
        cosmosb_slot_t s;
        rc = cosmosb_pipe_reserve(p, flags, timeout, &s);
        FUZZ_CHECK_RESULT(rc, "reserve");
        if (rc == COSMOSB_OK) {
            FUZZ_CHECK(inside_shm(f, s.data, s.capacity), "reserved slot %p+%u outside the pipe", s.data,
                       s.capacity);
            memset(s.data, 0x3c, s.capacity);
            uint32_t len = fuzz_u8(in) % (s.capacity + 4);
            rc = cosmosb_pipe_commit(p, &s, fuzz_u32(in), len);
            FUZZ_CHECK_RESULT(rc, "commit");
        }
        break;
    }
    case 2: { /* send_batch */
        cosmosb_send_item_t items[8];
        uint8_t payload[8][16];
        uint32_t n = 1u + fuzz_u8(in) % 8u;
        for (uint32_t k = 0; k < n; k++) {
            memset(payload[k], (int)k, sizeof payload[k]);
            items[k].type_id = k;
            items[k].data = payload[k];
            items[k].len = fuzz_u8(in) % 17u;
            items[k].reserved = 0;
        }
        uint32_t bulk = fuzz_u8(in) & 1 ? COSMOSB_BATCH_BULK : 0;
        rc = cosmosb_pipe_send_batch(p, items, n, flags | bulk, timeout);
        FUZZ_CHECK(rc >= 0 ? rc <= (int)n : fuzz_is_result(rc), "send_batch returned %d", rc);
        break;
    }
    default: { /* bookkeeping, close, death */
        uint8_t what = fuzz_u8(in) % 4;
        cosmosb_pipe_stats_t st;
        if (what == 0) {
            FUZZ_CHECK_RESULT(cosmosb_pipe_stats(p, &st), "stats(producer)");
            FUZZ_CHECK_RESULT(cosmosb_pipe_check_peer(p), "check_peer(producer)");
        } else if (what == 1) {
            cosmosb_pipe_close_endpoint(p);
            f->producer[i] = NULL;
        } else if (what == 2) {
            /* dies: its handle is gone, the consumer finds it dead through the host */
            f->host.dead_mask |= 1u << (2u + (uint32_t)i);
            f->producer[i] = NULL;
        } else {
            f->host.dead_mask ^= 1u << (2u + (uint32_t)i); /* liveness flickers (pid reuse) */
        }
        break;
    }
    }
}

static void consumer_op(struct pipe_fixture *f, struct fuzz_input *in, uint8_t op)
{
    cosmosb_pipe_t *c = f->consumer;
    uint64_t timeout = fuzz_timeout(in);
    int rc;
    switch (op % 6) {
    case 0: { /* recv into an exactly sized buffer */
        uint32_t bs = fuzz_u8(in) & 1 ? f->slot_size : fuzz_u8(in) % (f->slot_size + 1);
        uint8_t *buf = malloc(bs ? bs : 1);
        cosmosb_msg_info_t info;
        memset(&info, 0, sizeof info);
        rc = cosmosb_pipe_recv(c, buf, bs, &info, timeout);
        FUZZ_CHECK_RESULT(rc, "recv");
        if (rc == COSMOSB_OK) {
            check_info(f, &info, bs, "recv");
        } else if (rc == COSMOSB_EMSGSIZE) {
            FUZZ_CHECK(info.len > bs && info.len <= f->slot_size, "recv EMSGSIZE with len %u (buffer %u)",
                       info.len, bs);
        }
        free(buf);
        break;
    }
    case 1:
    case 2: { /* peek (or peek_urgent) + consume */
        cosmosb_msg_view_t v;
        rc = op % 6 == 1 ? cosmosb_pipe_peek(c, &v, timeout) : cosmosb_pipe_peek_urgent(c, &v);
        FUZZ_CHECK_RESULT(rc, "peek");
        if (rc == COSMOSB_OK) {
            check_view(f, &v, "peek");
            if (fuzz_u8(in) % 4 != 0) {
                uint8_t mangle = fuzz_u8(in);
                if (mangle & 0x80) /* a stale or mistaken view must be refused, not trusted */
                    v.token_seq += mangle & 0x7f;
                FUZZ_CHECK_RESULT(cosmosb_pipe_consume(c, &v), "consume");
            }
        }
        break;
    }
    case 3: { /* recv_batch */
        enum { N = 6 };
        cosmosb_recv_item_t items[N];
        uint32_t n = 1u + fuzz_u8(in) % N;
        for (uint32_t k = 0; k < n; k++) {
            items[k].buf_size = fuzz_u8(in) % (f->slot_size + 1);
            items[k].buf = malloc(items[k].buf_size ? items[k].buf_size : 1);
            items[k].reserved = 0;
        }
        uint32_t bulk = fuzz_u8(in) & 1 ? COSMOSB_BATCH_BULK : 0;
        rc = cosmosb_pipe_recv_batch(c, items, n, bulk, timeout);
        FUZZ_CHECK(rc >= 0 ? rc <= (int)n : fuzz_is_result(rc), "recv_batch returned %d", rc);
        for (int k = 0; k < rc; k++)
            check_info(f, &items[k].info, items[k].buf_size, "recv_batch");
        for (uint32_t k = 0; k < n; k++)
            free(items[k].buf);
        break;
    }
    case 4: { /* bookkeeping */
        cosmosb_pipe_stats_t st;
        FUZZ_CHECK_RESULT(cosmosb_pipe_stats(c, &st), "stats(consumer)");
        FUZZ_CHECK_RESULT(cosmosb_pipe_check_peer(c), "check_peer(consumer)");
        break;
    }
    default: { /* multi-pipe wait protocol and notification */
        cosmosb_wait_token_t tok;
        rc = cosmosb_pipe_wait_prepare(c, &tok);
        FUZZ_CHECK_RESULT(rc, "wait_prepare");
        if (rc == COSMOSB_OK)
            FUZZ_CHECK(inside_shm(f, tok.addr, 4), "wait token %p outside the pipe", tok.addr);
        FUZZ_CHECK_RESULT(cosmosb_pipe_arm_notify(c), "arm_notify");
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in;
    struct pipe_fixture f;
    fuzz_input_init(&in, data, size);
    if (setup(&f, &in) != 0) {
        teardown(&f);
        return 0;
    }
    for (int step = 0; step < FUZZ_PIPE_OPS && fuzz_input_left(&in); step++) {
        uint8_t op = fuzz_u8(&in);
        switch (op >> 6) {
        case 0:
            producer_op(&f, &in, op);
            break;
        case 1:
        case 2:
            consumer_op(&f, &in, op);
            break;
        default:
            if (op & 0x20) /* the header and first lane indices */
                fuzz_scribble(&in, f.shm, f.shm_size < 512 ? (size_t)f.shm_size : 512);
            else
                fuzz_scribble(&in, f.shm, (size_t)f.shm_size);
            break;
        }
    }
    /* Drain what is left: must end. */
    for (int k = 0; k < 64; k++) {
        uint8_t buf[64];
        int rc = cosmosb_pipe_recv(f.consumer, buf, sizeof buf, NULL, 0);
        FUZZ_CHECK_RESULT(rc, "final recv");
        if (rc != COSMOSB_OK && rc != COSMOSB_ECORRUPT && rc != COSMOSB_EMSGSIZE)
            break;
        if (rc == COSMOSB_EMSGSIZE)
            break;
    }
    teardown(&f);
    return 0;
}

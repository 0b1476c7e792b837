/*
 * test_pipe_core.c - the core pipe API (pipe.h) on plain malloc'd memory,
 * in one process, with the default (spinning) platform and with the Linux
 * platform. Every test named PTEST runs once with each.
 *
 * The shared memory is allocated with exactly cosmosb_pipe_memsize() bytes
 * and filled with garbage before the consumer formats it, so an ASan build
 * sees any access outside it and formatting cannot rely on zeroed memory.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

#define PTEST(name)                                                                          \
    static void name##_body(const cosmosb_platform_t *plat);                                \
    Test(core_default, name, .timeout = 120) { name##_body(cosmosb_platform_default()); }   \
    Test(core_linux, name, .timeout = 120) { name##_body(cosmosb_linux_platform()); }       \
    static void name##_body(const cosmosb_platform_t *plat)

#define MAXP 8
#define MS 1000000ull

struct fx {
    cosmosb_pipe_config_t cfg;
    const cosmosb_platform_t *plat;
    uint64_t size;
    uint8_t *shm;
    void *cmem;
    cosmosb_pipe_t *c;
    void *pmem[MAXP];
    cosmosb_pipe_t *p[MAXP];
};

static void cfg_make(cosmosb_pipe_config_t *cfg, uint32_t mode, uint32_t cap, uint32_t ucap,
                     uint32_t slot, uint32_t maxp)
{
    cr_assert_eq(cosmosb_pipe_config_init(cfg), COSMOSB_OK);
    cfg->mode = mode;
    cfg->capacity = cap;
    cfg->urgent_capacity = ucap;
    cfg->slot_size = slot;
    cfg->max_producers = maxp;
}

static void fx_open(struct fx *f, const cosmosb_platform_t *plat, uint32_t mode, uint32_t cap,
                    uint32_t ucap, uint32_t slot, uint32_t maxp)
{
    memset(f, 0, sizeof *f);
    f->plat = plat;
    cfg_make(&f->cfg, mode, cap, ucap, slot, maxp);
    ASSERT_RC(cosmosb_pipe_memsize(&f->cfg, &f->size), COSMOSB_OK);
    cr_assert_gt(f->size, 0u);
    cr_assert_eq(f->size % COSMOSB_CACHELINE, 0u);
    f->shm = aligned_alloc(COSMOSB_CACHELINE, (size_t)f->size);
    cr_assert_not_null(f->shm);
    memset(f->shm, 0xA5, (size_t)f->size);
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, maxp);
    cr_assert_gt(hs, 0u);
    f->cmem = malloc(hs);
    cr_assert_not_null(f->cmem);
    ASSERT_RC(cosmosb_pipe_open_consumer(f->cmem, hs, f->shm, f->size, &f->cfg, plat, NULL, &f->c),
              COSMOSB_OK);
    cr_assert_not_null(f->c);
    cr_assert_eq(cosmosb_pipe_role(f->c), COSMOSB_ROLE_CONSUMER);
}

static int fx_add(struct fx *f, int i)
{
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    cr_assert_gt(hs, 0u);
    if (!f->pmem[i])
        f->pmem[i] = malloc(hs);
    cr_assert_not_null(f->pmem[i]);
    f->p[i] = NULL;
    int rc = cosmosb_pipe_open_producer(f->pmem[i], hs, f->shm, f->size, f->plat, NULL, &f->p[i]);
    if (rc == COSMOSB_OK) {
        cr_assert_not_null(f->p[i]);
        cr_assert_eq(cosmosb_pipe_role(f->p[i]), COSMOSB_ROLE_PRODUCER);
    } else {
        f->p[i] = NULL;
    }
    return rc;
}

static void fx_close_producer(struct fx *f, int i)
{
    if (f->p[i])
        cosmosb_pipe_close_endpoint(f->p[i]);
    f->p[i] = NULL;
}

static void fx_free(struct fx *f)
{
    for (int i = 0; i < MAXP; i++) {
        fx_close_producer(f, i);
        free(f->pmem[i]);
        f->pmem[i] = NULL;
    }
    if (f->c)
        cosmosb_pipe_close_endpoint(f->c);
    f->c = NULL;
    free(f->cmem);
    free(f->shm);
}

static int send_u64(cosmosb_pipe_t *p, uint64_t v, uint32_t flags, uint64_t timeout)
{
    return cosmosb_pipe_send(p, v + 1000, &v, sizeof v, flags, timeout);
}

static int recv_u64(cosmosb_pipe_t *c, uint64_t *v, cosmosb_msg_info_t *info, uint64_t timeout)
{
    cosmosb_msg_info_t tmp;
    if (!info)
        info = &tmp;
    memset(info, 0x5a, sizeof *info);
    int rc = cosmosb_pipe_recv(c, v, sizeof *v, info, timeout);
    if (rc == COSMOSB_OK) {
        cr_assert_eq(info->len, sizeof *v);
        cr_assert_eq(info->type_id, *v + 1000, "type_id %llu for value %llu",
                     (unsigned long long)info->type_id, (unsigned long long)*v);
        cr_assert_eq(info->reserved, 0u);
    }
    return rc;
}

static void expect_u64(cosmosb_pipe_t *c, uint64_t want, uint32_t want_flags)
{
    uint64_t v = ~0ull;
    cosmosb_msg_info_t info;
    ASSERT_RC(recv_u64(c, &v, &info, 0), COSMOSB_OK);
    cr_assert_eq(v, want, "received %llu, expected %llu", (unsigned long long)v,
                 (unsigned long long)want);
    cr_assert_eq(info.flags & COSMOSB_MSG_URGENT, want_flags & COSMOSB_MSG_URGENT,
                 "flags 0x%x for %llu", info.flags, (unsigned long long)v);
}

static cosmosb_pipe_stats_t stats_of(const cosmosb_pipe_t *p)
{
    cosmosb_pipe_stats_t s;
    memset(&s, 0xee, sizeof s);
    ASSERT_RC(cosmosb_pipe_stats(p, &s), COSMOSB_OK);
    return s;
}

static void expect_queued_at(const cosmosb_pipe_t *p, uint64_t want, int line)
{
    uint32_t q = stats_of(p).queued;
    cr_expect_eq(q, want, "line %d: stats.queued is %u, expected %llu (%s handle)", line, q,
                 (unsigned long long)want,
                 cosmosb_pipe_role(p) == COSMOSB_ROLE_CONSUMER ? "consumer" : "producer");
}
#define expect_queued(p, n) expect_queued_at((p), (n), __LINE__)

/* ------------------------------------------------------------------------ */
/* configuration                                                            */
/* ------------------------------------------------------------------------ */

Test(config, init_defaults)
{
    cosmosb_pipe_config_t cfg;
    memset(&cfg, 0xff, sizeof cfg);
    ASSERT_RC(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cr_assert_eq(cfg.mode, COSMOSB_PIPE_SPSC);
    cr_assert_eq(cfg.capacity, 1024u);
    cr_assert_eq(cfg.slot_size, 64u);
    cr_assert_eq(cfg.max_producers, 1u);
    cr_assert_eq(cfg.flags, 0u);
    cr_assert(cfg.urgent_capacity == 0 || cfg.urgent_capacity == 1024u);
    ASSERT_RC(cosmosb_pipe_config_init(NULL), COSMOSB_EINVAL);
    uint64_t sz = 0;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &sz), COSMOSB_OK);
    cr_assert_gt(sz, 1024u * 64u);
}

static int memsize_rc(uint32_t mode, uint32_t cap, uint32_t ucap, uint32_t slot, uint32_t maxp)
{
    cosmosb_pipe_config_t cfg;
    cfg_make(&cfg, mode, cap, ucap, slot, maxp);
    uint64_t sz = 0;
    return cosmosb_pipe_memsize(&cfg, &sz);
}

Test(config, memsize_validation)
{
    const uint32_t S = COSMOSB_PIPE_SPSC, M = COSMOSB_PIPE_MPSC;
    ASSERT_RC(memsize_rc(S, 16, 0, 64, 1), COSMOSB_OK);
    ASSERT_RC(memsize_rc(S, 2, 2, 1, 1), COSMOSB_OK);
    ASSERT_RC(memsize_rc(M, 16, 4, 64, 3), COSMOSB_OK);
    ASSERT_RC(memsize_rc(M, 16, 0, 64, COSMOSB_PIPE_MAX_PRODUCERS), COSMOSB_OK);
    ASSERT_RC(memsize_rc(S, COSMOSB_PIPE_MAX_CAPACITY, 0, 8, 1), COSMOSB_OK);
    ASSERT_RC(memsize_rc(S, 16, 0, COSMOSB_PIPE_MAX_SLOT_SIZE, 1), COSMOSB_OK);
    /* capacity: zero, one, not a power of two, too big */
    ASSERT_RC(memsize_rc(S, 0, 0, 64, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 1, 0, 64, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 3, 0, 64, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 1000, 0, 64, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 0x80000001u, 0, 64, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, COSMOSB_PIPE_MAX_CAPACITY * 2, 0, 64, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 0x80000000u, 0, 64, 1), COSMOSB_EINVAL);
    /* urgent capacity: not a power of two, too big */
    ASSERT_RC(memsize_rc(S, 16, 3, 64, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 16, 6, 64, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 16, COSMOSB_PIPE_MAX_CAPACITY * 2, 64, 1), COSMOSB_EINVAL);
    /* slot size: zero, too big */
    ASSERT_RC(memsize_rc(S, 16, 0, 0, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 16, 0, COSMOSB_PIPE_MAX_SLOT_SIZE + 1, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 16, 0, UINT32_MAX, 1), COSMOSB_EINVAL);
    /* producers: SPSC with 0 or 2, MPSC with 0 or too many */
    ASSERT_RC(memsize_rc(S, 16, 0, 64, 2), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(S, 16, 0, 64, 0), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(M, 16, 0, 64, 0), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(M, 16, 0, 64, COSMOSB_PIPE_MAX_PRODUCERS + 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(M, 16, 0, 64, UINT32_MAX), COSMOSB_EINVAL);
    /* mode */
    ASSERT_RC(memsize_rc(0, 16, 0, 64, 1), COSMOSB_EINVAL);
    ASSERT_RC(memsize_rc(3, 16, 0, 64, 1), COSMOSB_EINVAL);
    /* NULLs */
    cosmosb_pipe_config_t cfg;
    cfg_make(&cfg, S, 16, 0, 64, 1);
    uint64_t sz;
    ASSERT_RC(cosmosb_pipe_memsize(NULL, &sz), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, NULL), COSMOSB_EINVAL);
}

Test(config, memsize_grows_with_geometry)
{
    cosmosb_pipe_config_t cfg;
    uint64_t a, b, c, d, e;
    cfg_make(&cfg, COSMOSB_PIPE_MPSC, 16, 0, 64, 1);
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &a), COSMOSB_OK);
    cfg.capacity = 32;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &b), COSMOSB_OK);
    cfg.capacity = 16;
    cfg.slot_size = 256;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &c), COSMOSB_OK);
    cfg.slot_size = 64;
    cfg.max_producers = 4;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &d), COSMOSB_OK);
    cfg.max_producers = 1;
    cfg.urgent_capacity = 64;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &e), COSMOSB_OK);
    cr_assert_gt(b, a);
    cr_assert_gt(c, a);
    cr_assert_gt(d, a);
    cr_assert_gt(e, a);
    /* every byte of every slot must fit: 2 lanes * capacity * slot_size at least */
    cr_assert_geq(a, 2u * 16u * 64u);
    cr_assert_geq(d, 4u * 2u * 16u * 64u);
    uint64_t all[] = {a, b, c, d, e};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(all[i] % COSMOSB_CACHELINE, 0u);
}

Test(config, memsize_of_the_largest_pipe_fits_64_bits)
{
    cosmosb_pipe_config_t cfg;
    cfg_make(&cfg, COSMOSB_PIPE_MPSC, COSMOSB_PIPE_MAX_CAPACITY, COSMOSB_PIPE_MAX_CAPACITY,
             COSMOSB_PIPE_MAX_SLOT_SIZE, COSMOSB_PIPE_MAX_PRODUCERS);
    uint64_t sz = 0;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &sz), COSMOSB_OK);
    /* 64 producers * 2 lanes * 2^20 slots * 2^20 bytes = 2^47 bytes of payload alone */
    cr_assert_geq(sz, (uint64_t)1 << 47);
}

Test(config, handle_memsize)
{
    size_t pc = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    size_t c1 = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 1);
    size_t c64 = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, COSMOSB_PIPE_MAX_PRODUCERS);
    cr_assert_gt(pc, 0u);
    cr_assert_gt(c1, 0u);
    cr_assert_geq(c64, c1);
    cr_assert_eq(cosmosb_pipe_handle_memsize(0, 1), 0u);
    cr_assert_eq(cosmosb_pipe_handle_memsize(3, 1), 0u);
    cr_assert_eq(cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 0), 0u);
    cr_assert_eq(cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, COSMOSB_PIPE_MAX_PRODUCERS + 1),
                 0u);
}

PTEST(open_consumer_validation)
{
    cosmosb_pipe_config_t cfg;
    cfg_make(&cfg, COSMOSB_PIPE_SPSC, 16, 0, 64, 1);
    uint64_t size;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &size), COSMOSB_OK);
    uint8_t *shm = aligned_alloc(64, (size_t)size);
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 1);
    void *hm = malloc(hs);
    cosmosb_pipe_t *c = NULL;
    ASSERT_RC(cosmosb_pipe_open_consumer(NULL, hs, shm, size, &cfg, plat, NULL, &c), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, NULL, size, &cfg, plat, NULL, &c), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm, size, NULL, plat, NULL, &c), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm, size, &cfg, plat, NULL, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs - 1, shm, size, &cfg, plat, NULL, &c), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm, size - 1, &cfg, plat, NULL, &c), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm, size - 64, &cfg, plat, NULL, &c), COSMOSB_ENOMEM);
    /* alignment: handle memory 8 bytes, shared memory 16 bytes */
    uint8_t *hm_raw = malloc(hs + 8);
    ASSERT_RC(cosmosb_pipe_open_consumer(hm_raw + 4, hs, shm, size, &cfg, plat, NULL, &c),
              COSMOSB_EINVAL);
    free(hm_raw);
    uint8_t *shm_big = aligned_alloc(64, (size_t)size + 64);
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm_big + 8, size, &cfg, plat, NULL, &c),
              COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm_big + 16, size, &cfg, plat, NULL, &c),
              COSMOSB_OK);
    cosmosb_pipe_close_endpoint(c);
    free(shm_big);
    cosmosb_pipe_config_t bad = cfg;
    bad.capacity = 12;
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm, size, &bad, plat, NULL, &c), COSMOSB_EINVAL);
    bad = cfg;
    bad.max_producers = 2;
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm, size, &bad, plat, NULL, &c), COSMOSB_EINVAL);
    bad = cfg;
    bad.slot_size = 0;
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm, size, &bad, plat, NULL, &c), COSMOSB_EINVAL);
    /* a consumer handle sized for 1 producer cannot serve an 8-producer pipe */
    cosmosb_pipe_config_t m8;
    cfg_make(&m8, COSMOSB_PIPE_MPSC, 16, 0, 64, 8);
    uint64_t size8;
    ASSERT_RC(cosmosb_pipe_memsize(&m8, &size8), COSMOSB_OK);
    uint8_t *shm8 = aligned_alloc(64, (size_t)size8);
    if (cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 8) > hs)
        ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm8, size8, &m8, plat, NULL, &c),
                  COSMOSB_ENOMEM);
    /* a larger shared block than needed is fine */
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm8, size8, &cfg, plat, NULL, &c), COSMOSB_OK);
    cosmosb_pipe_close_endpoint(c);
    /* and the exact size, with the NULL platform meaning the default one */
    ASSERT_RC(cosmosb_pipe_open_consumer(hm, hs, shm, size, &cfg, NULL, NULL, &c), COSMOSB_OK);
    cosmosb_pipe_close_endpoint(c);
    free(shm8);
    free(hm);
    free(shm);
}

PTEST(open_producer_validation)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 16, 0, 64, 1);
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    void *hm = malloc(hs);
    cosmosb_pipe_t *p = NULL;
    ASSERT_RC(cosmosb_pipe_open_producer(NULL, hs, f.shm, f.size, plat, NULL, &p), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_open_producer(hm, hs, NULL, f.size, plat, NULL, &p), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_open_producer(hm, hs, f.shm, f.size, plat, NULL, NULL), COSMOSB_EINVAL);
    int rc = cosmosb_pipe_open_producer(hm, hs - 1, f.shm, f.size, plat, NULL, &p);
    cr_assert(rc == COSMOSB_EINVAL || rc == COSMOSB_ENOMEM, "small handle: %s", cosmosb_err_name(rc));
    /* a mapping shorter than the pipe it claims to hold */
    rc = cosmosb_pipe_open_producer(hm, hs, f.shm, f.size - 64, plat, NULL, &p);
    cr_assert(rc == COSMOSB_ECORRUPT || rc == COSMOSB_EINVAL, "short mapping: %s", cosmosb_err_name(rc));
    rc = cosmosb_pipe_open_producer(hm, hs, f.shm, 16, plat, NULL, &p);
    cr_assert(rc == COSMOSB_ECORRUPT || rc == COSMOSB_EINVAL, "16-byte mapping: %s", cosmosb_err_name(rc));
    /* memory that was never formatted */
    uint8_t *zero = aligned_alloc(64, (size_t)f.size);
    memset(zero, 0, (size_t)f.size);
    ASSERT_RC(cosmosb_pipe_open_producer(hm, hs, zero, f.size, plat, NULL, &p), COSMOSB_ECORRUPT);
    memset(zero, 0xA5, (size_t)f.size);
    ASSERT_RC(cosmosb_pipe_open_producer(hm, hs, zero, f.size, plat, NULL, &p), COSMOSB_ECORRUPT);
    free(zero);
    /* the failures above took no producer slot */
    ASSERT_RC(cosmosb_pipe_open_producer(hm, hs, f.shm, f.size, plat, NULL, &p), COSMOSB_OK);
    ASSERT_RC(send_u64(p, 7, 0, 0), COSMOSB_OK);
    expect_u64(f.c, 7, 0);
    cosmosb_pipe_close_endpoint(p);
    free(hm);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* basic data path                                                          */
/* ------------------------------------------------------------------------ */

PTEST(fifo_with_content)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 64, 0, 200, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    uint32_t slot = stats_of(f.c).slot_size;
    cr_assert_geq(slot, 200u);
    uint8_t out[256], in[256];
    uint64_t sent = 0, got = 0;
    for (int round = 0; round < 20; round++) {
        for (int k = 0; k < 50; k++, sent++) {
            uint32_t len = tu_len(sent, 200);
            tu_fill(out, len, 5, sent);
            ASSERT_RC(cosmosb_pipe_send(f.p[0], sent * 3 + 1, out, len, 0, 0), COSMOSB_OK);
        }
        for (int k = 0; k < 50; k++, got++) {
            cosmosb_msg_info_t info;
            memset(&info, 0x77, sizeof info);
            ASSERT_RC(cosmosb_pipe_recv(f.c, in, sizeof in, &info, 0), COSMOSB_OK);
            uint32_t prod;
            uint64_t seq;
            cr_assert_eq(info.len, tu_len(got, 200));
            cr_assert(tu_check(in, info.len, &prod, &seq), "payload of message %llu damaged",
                      (unsigned long long)got);
            cr_assert_eq(seq, got);
            cr_assert_eq(prod, 5u);
            cr_assert_eq(info.type_id, got * 3 + 1);
            cr_assert_eq(info.flags, 0u);
            cr_assert_eq(info.producer, 0u);
            cr_assert_eq(info.reserved, 0u);
        }
    }
    uint64_t v;
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    fx_free(&f);
}

PTEST(zero_length_and_full_slot_messages)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 24, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    uint32_t slot = stats_of(f.p[0]).slot_size;
    cr_assert_eq(slot % 8, 0u, "slot_size %u is not rounded to 8", slot);
    cr_assert_geq(slot, 24u);
    uint8_t *big = malloc(slot);
    for (uint32_t i = 0; i < slot; i++)
        big[i] = (uint8_t)(i * 13 + 1);
    ASSERT_RC(cosmosb_pipe_send(f.p[0], 42, NULL, 0, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_send(f.p[0], 43, big, slot, 0, 0), COSMOSB_OK);
    cosmosb_msg_info_t info;
    ASSERT_RC(cosmosb_pipe_recv(f.c, NULL, 0, &info, 0), COSMOSB_OK);
    cr_assert_eq(info.len, 0u);
    cr_assert_eq(info.type_id, 42u);
    uint8_t *in = malloc(slot); /* exactly the slot size: ASan sees any overrun */
    ASSERT_RC(cosmosb_pipe_recv(f.c, in, slot, NULL, 0), COSMOSB_OK); /* info may be NULL */
    cr_assert_eq(memcmp(in, big, slot), 0);
    free(in);
    free(big);
    fx_free(&f);
}

PTEST(wrap_around_many_times)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 4, 2, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    uint64_t seed = 12345, sent = 0, got = 0, usent = 0, ugot = 0;
    const uint64_t N = 200000;
    while (got < N) {
        unsigned k = (unsigned)(tu_rand(&seed) % 5);
        for (unsigned i = 0; i < k && sent - got < 4; i++)
            ASSERT_RC(send_u64(f.p[0], sent++, 0, 0), COSMOSB_OK);
        if (tu_rand(&seed) % 8 == 0 && usent - ugot < 2)
            ASSERT_RC(send_u64(f.p[0], (1ull << 40) + usent++, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
        if (sent - got == 4)
            ASSERT_RC(send_u64(f.p[0], 999, 0, 0), COSMOSB_EFULL);
        unsigned r = (unsigned)(tu_rand(&seed) % 5);
        for (unsigned i = 0; i < r && (got < sent || ugot < usent); i++) {
            if (ugot < usent)
                expect_u64(f.c, (1ull << 40) + ugot++, COSMOSB_MSG_URGENT);
            else
                expect_u64(f.c, got++, 0);
        }
    }
    while (ugot < usent)
        expect_u64(f.c, (1ull << 40) + ugot++, COSMOSB_MSG_URGENT);
    uint64_t v;
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    cosmosb_pipe_stats_t s = stats_of(f.c);
    cr_assert_eq(s.received, got + ugot);
    cr_assert_eq(stats_of(f.p[0]).sent, sent + usent);
    fx_free(&f);
}

PTEST(msgsize_both_ways)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 32, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    uint32_t slot = stats_of(f.c).slot_size;
    uint8_t buf[128] = {0};
    /* sending more than a slot holds fails and queues nothing */
    ASSERT_RC(cosmosb_pipe_send(f.p[0], 1, buf, slot + 1, 0, 0), COSMOSB_EMSGSIZE);
    ASSERT_RC(cosmosb_pipe_send(f.p[0], 1, buf, UINT32_MAX, 0, 0), COSMOSB_EMSGSIZE);
    ASSERT_RC(cosmosb_pipe_send(f.p[0], 1, buf, slot + 1, COSMOSB_MSG_URGENT, 0), COSMOSB_EMSGSIZE);
    expect_queued(f.c, 0u);
    ASSERT_RC(cosmosb_pipe_recv(f.c, buf, sizeof buf, NULL, 0), COSMOSB_EAGAIN);
    /* a receive buffer too small keeps the message and says how big it is */
    uint8_t msg[20];
    for (int i = 0; i < 20; i++)
        msg[i] = (uint8_t)(100 + i);
    ASSERT_RC(cosmosb_pipe_send(f.p[0], 77, msg, 20, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 5, 0, 0), COSMOSB_OK);
    cosmosb_msg_info_t info;
    memset(&info, 0, sizeof info);
    uint8_t *small = malloc(19);
    ASSERT_RC(cosmosb_pipe_recv(f.c, small, 19, &info, 0), COSMOSB_EMSGSIZE);
    cr_assert_eq(info.len, 20u);
    free(small);
    ASSERT_RC(cosmosb_pipe_recv(f.c, NULL, 0, &info, 0), COSMOSB_EMSGSIZE);
    cr_assert_eq(info.len, 20u);
    expect_queued(f.c, 2u);
    /* a peek still sees it, and an exact-size buffer receives it */
    cosmosb_msg_view_t view;
    ASSERT_RC(cosmosb_pipe_peek(f.c, &view, 0), COSMOSB_OK);
    cr_assert_eq(view.info.len, 20u);
    cr_assert_eq(view.info.type_id, 77u);
    uint8_t *exact = malloc(20);
    memset(&info, 0, sizeof info);
    ASSERT_RC(cosmosb_pipe_recv(f.c, exact, 20, &info, 0), COSMOSB_OK);
    cr_assert_eq(info.len, 20u);
    cr_assert_eq(info.type_id, 77u);
    cr_assert_eq(memcmp(exact, msg, 20), 0);
    free(exact);
    expect_u64(f.c, 5, 0);
    fx_free(&f);
}

PTEST(full_pipe_efull_and_timeout)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < 8; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    expect_queued(f.c, 8u);
    expect_queued(f.p[0], 8u);
    ASSERT_RC(send_u64(f.p[0], 100, 0, 0), COSMOSB_EFULL);
    ASSERT_RC(send_u64(f.p[0], 100, 0, 1 * MS), COSMOSB_ETIMEDOUT);
    ASSERT_RC(send_u64(f.p[0], 100, 0, 1000), COSMOSB_ETIMEDOUT);
    cosmosb_slot_t slot;
    ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 0, &slot), COSMOSB_EFULL);
    ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 1 * MS, &slot), COSMOSB_ETIMEDOUT);
    cosmosb_send_item_t it = {.type_id = 1100, .data = &(uint64_t){100}, .len = 8};
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], &it, 1, 0, 0), COSMOSB_EFULL);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], &it, 1, COSMOSB_BATCH_BULK, 0), COSMOSB_EFULL);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], &it, 1, 0, 1 * MS), COSMOSB_ETIMEDOUT);
    expect_queued(f.c, 8u);
    /* the urgent lane is separate: it still has room */
    ASSERT_RC(send_u64(f.p[0], 200, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    expect_u64(f.c, 200, COSMOSB_MSG_URGENT);
    /* one receive makes room for exactly one */
    expect_u64(f.c, 0, 0);
    ASSERT_RC(send_u64(f.p[0], 8, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 9, 0, 0), COSMOSB_EFULL);
    for (uint64_t i = 1; i <= 8; i++)
        expect_u64(f.c, i, 0);
    uint64_t v;
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    fx_free(&f);
}

PTEST(empty_pipe_eagain_and_timeout)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    uint64_t v;
    cosmosb_msg_view_t view;
    cosmosb_recv_item_t it = {.buf = &v, .buf_size = 8};
    /* no producer attached yet: nothing to receive, nobody died */
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pipe_check_peer(f.c), COSMOSB_EAGAIN);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 1 * MS), COSMOSB_ETIMEDOUT);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 1 * MS), COSMOSB_ETIMEDOUT);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 1000), COSMOSB_ETIMEDOUT);
    ASSERT_RC(cosmosb_pipe_peek(f.c, &view, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pipe_peek(f.c, &view, 1 * MS), COSMOSB_ETIMEDOUT);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, &it, 1, 0, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, &it, 1, COSMOSB_BATCH_BULK, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, &it, 1, 0, 1 * MS), COSMOSB_ETIMEDOUT);
    /* a message queued before a waiting receive is returned at once */
    ASSERT_RC(send_u64(f.p[0], 3, 0, 0), COSMOSB_OK);
    ASSERT_RC(recv_u64(f.c, &v, NULL, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK);
    cr_assert_eq(v, 3u);
    ASSERT_RC(send_u64(f.p[0], 4, 0, 0), COSMOSB_OK);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 1 * MS), COSMOSB_OK);
    cr_assert_eq(v, 4u);
    fx_free(&f);
}

PTEST(urgent_lane_first_fifo_within_lanes)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 64, 16, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    /* interleave: normal 0..39, urgent 1000..1014 */
    uint64_t n = 0, u = 1000;
    uint64_t seed = 77;
    while (n < 40 || u < 1015) {
        if (u < 1015 && (n == 40 || tu_rand(&seed) % 3 == 0))
            ASSERT_RC(send_u64(f.p[0], u++, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
        else
            ASSERT_RC(send_u64(f.p[0], n++, 0, 0), COSMOSB_OK);
    }
    for (uint64_t i = 1000; i < 1008; i++)
        expect_u64(f.c, i, COSMOSB_MSG_URGENT);
    /* urgent messages sent while normal ones wait still overtake them */
    ASSERT_RC(send_u64(f.p[0], 2000, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    for (uint64_t i = 1008; i < 1015; i++)
        expect_u64(f.c, i, COSMOSB_MSG_URGENT);
    expect_u64(f.c, 2000, COSMOSB_MSG_URGENT);
    for (uint64_t i = 0; i < 20; i++)
        expect_u64(f.c, i, 0);
    ASSERT_RC(send_u64(f.p[0], 2001, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    expect_u64(f.c, 2001, COSMOSB_MSG_URGENT);
    for (uint64_t i = 20; i < 40; i++)
        expect_u64(f.c, i, 0);
    uint64_t v;
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    fx_free(&f);
}

PTEST(urgent_capacity_is_separate)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 16, 4, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    cosmosb_pipe_stats_t s = stats_of(f.c);
    cr_assert_eq(s.capacity, 16u);
    cr_assert_eq(s.urgent_capacity, 4u);
    for (uint64_t i = 0; i < 4; i++)
        ASSERT_RC(send_u64(f.p[0], 100 + i, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 104, COSMOSB_MSG_URGENT, 0), COSMOSB_EFULL);
    for (uint64_t i = 0; i < 16; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 16, 0, 0), COSMOSB_EFULL);
    expect_queued(f.c, 20u);
    for (uint64_t i = 0; i < 4; i++)
        expect_u64(f.c, 100 + i, COSMOSB_MSG_URGENT);
    for (uint64_t i = 0; i < 16; i++)
        expect_u64(f.c, i, 0);
    fx_free(&f);

    /* urgent_capacity 0 means "same as capacity" */
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    cr_assert_eq(stats_of(f.c).urgent_capacity, 8u);
    for (uint64_t i = 0; i < 8; i++)
        ASSERT_RC(send_u64(f.p[0], i, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 8, COSMOSB_MSG_URGENT, 0), COSMOSB_EFULL);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* zero-copy: reserve/commit, peek/consume                                  */
/* ------------------------------------------------------------------------ */

static int slot_in(const struct fx *f, const void *p, uint32_t len)
{
    const uint8_t *b = p;
    return b >= f->shm && b + len <= f->shm + f->size;
}

PTEST(reserve_commit)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 4, 4, 40, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    cosmosb_slot_t s1, s2, su;
    memset(&s1, 0, sizeof s1);
    ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 0, &s1), COSMOSB_OK);
    cr_assert_not_null(s1.data);
    cr_assert_geq(s1.capacity, 40u);
    cr_assert_eq(s1.capacity, stats_of(f.p[0]).slot_size);
    cr_assert(slot_in(&f, s1.data, s1.capacity), "reserved slot outside the pipe memory");
    /* reserving again without committing returns the same slot */
    ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 0, &s2), COSMOSB_OK);
    cr_assert_eq(s2.data, s1.data);
    cr_assert_eq(s2.token_lane, s1.token_lane);
    cr_assert_eq(s2.token_seq, s1.token_seq);
    cr_assert_eq(s2.capacity, s1.capacity);
    /* nothing visible before the commit */
    uint8_t buf[64];
    ASSERT_RC(cosmosb_pipe_recv(f.c, buf, sizeof buf, NULL, 0), COSMOSB_EAGAIN);
    expect_queued(f.c, 0u);
    memcpy(s1.data, "hello, in place", 16);
    /* wrong tokens, too long, wrong role */
    cosmosb_slot_t bad = s1;
    bad.token_seq += 1;
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &bad, 9, 16), COSMOSB_EINVAL);
    bad = s1;
    bad.token_seq -= 1;
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &bad, 9, 16), COSMOSB_EINVAL);
    bad = s1;
    bad.token_lane = 7;
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &bad, 9, 16), COSMOSB_EINVAL);
    bad = s1;
    bad.token_lane = s1.token_lane ^ 1u; /* the other lane has no reservation */
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &bad, 9, 16), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &s1, 9, s1.capacity + 1), COSMOSB_EMSGSIZE);
    ASSERT_RC(cosmosb_pipe_commit(f.c, &s1, 9, 16), COSMOSB_EROLE);
    ASSERT_RC(cosmosb_pipe_recv(f.c, buf, sizeof buf, NULL, 0), COSMOSB_EAGAIN);
    /* the right commit publishes it */
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &s1, 9, 16), COSMOSB_OK);
    /* a second commit of the same reservation is refused */
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &s1, 9, 16), COSMOSB_EINVAL);
    cosmosb_msg_info_t info;
    ASSERT_RC(cosmosb_pipe_recv(f.c, buf, sizeof buf, &info, 0), COSMOSB_OK);
    cr_assert_eq(info.len, 16u);
    cr_assert_eq(info.type_id, 9u);
    cr_assert_eq(info.flags & COSMOSB_MSG_URGENT, 0u);
    cr_assert_str_eq((char *)buf, "hello, in place");
    ASSERT_RC(cosmosb_pipe_recv(f.c, buf, sizeof buf, NULL, 0), COSMOSB_EAGAIN);

    /* one reservation per lane: normal and urgent at once, committed in any order */
    ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 0, &s1), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_reserve(f.p[0], COSMOSB_MSG_URGENT, 0, &su), COSMOSB_OK);
    cr_assert_neq(su.data, s1.data);
    cr_assert(slot_in(&f, su.data, su.capacity));
    memcpy(s1.data, &(uint64_t){50}, 8);
    memcpy(su.data, &(uint64_t){60}, 8);
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &su, 1060, 8), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &s1, 1050, 8), COSMOSB_OK);
    expect_u64(f.c, 60, COSMOSB_MSG_URGENT);
    expect_u64(f.c, 50, 0);

    /* a zero-length commit, and reserve/commit interleaved with send, in order */
    ASSERT_RC(send_u64(f.p[0], 1, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 0, &s1), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_commit(f.p[0], &s1, 5, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 2, 0, 0), COSMOSB_OK);
    expect_u64(f.c, 1, 0);
    ASSERT_RC(cosmosb_pipe_recv(f.c, NULL, 0, &info, 0), COSMOSB_OK);
    cr_assert_eq(info.len, 0u);
    cr_assert_eq(info.type_id, 5u);
    expect_u64(f.c, 2, 0);

    /* reserve/commit wraps around like send */
    for (uint64_t i = 0; i < 1000; i++) {
        ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 0, &s1), COSMOSB_OK);
        cr_assert(slot_in(&f, s1.data, s1.capacity));
        memcpy(s1.data, &i, 8);
        ASSERT_RC(cosmosb_pipe_commit(f.p[0], &s1, i + 1000, 8), COSMOSB_OK);
        expect_u64(f.c, i, 0);
    }
    /* reserve on a full lane */
    for (uint64_t i = 0; i < 4; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 0, &s1), COSMOSB_EFULL);
    ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 1000, &s1), COSMOSB_ETIMEDOUT);
    fx_free(&f);
}

PTEST(peek_consume)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 4, 32, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < 5; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    cosmosb_msg_view_t v1, v2;
    ASSERT_RC(cosmosb_pipe_peek(f.c, &v1, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_peek(f.c, &v2, 0), COSMOSB_OK);
    cr_assert_eq(v1.data, v2.data);
    cr_assert_eq(v1.token_lane, v2.token_lane);
    cr_assert_eq(v1.token_seq, v2.token_seq);
    cr_assert_eq(memcmp(&v1.info, &v2.info, sizeof v1.info), 0);
    cr_assert_eq(v1.info.len, 8u);
    cr_assert_eq(v1.info.type_id, 1000u);
    cr_assert(slot_in(&f, v1.data, v1.info.len));
    uint64_t x;
    memcpy(&x, v1.data, 8);
    cr_assert_eq(x, 0u);
    expect_queued(f.c, 5u);
    /* a forged view is refused and changes nothing */
    cosmosb_msg_view_t bad = v1;
    bad.token_seq += 1;
    ASSERT_RC(cosmosb_pipe_consume(f.c, &bad), COSMOSB_EINVAL);
    bad = v1;
    bad.token_lane = 9;
    ASSERT_RC(cosmosb_pipe_consume(f.c, &bad), COSMOSB_EINVAL);
    bad = v1;
    bad.token_lane ^= 1u;
    ASSERT_RC(cosmosb_pipe_consume(f.c, &bad), COSMOSB_EINVAL);
    expect_queued(f.c, 5u);
    ASSERT_RC(cosmosb_pipe_consume(f.c, &v1), COSMOSB_OK);
    expect_queued(f.c, 4u);
    /* consuming the same view twice is refused */
    ASSERT_RC(cosmosb_pipe_consume(f.c, &v1), COSMOSB_EINVAL);
    expect_queued(f.c, 4u);
    /* the next peek gives the next message; recv after peek gets the same one */
    ASSERT_RC(cosmosb_pipe_peek(f.c, &v2, 0), COSMOSB_OK);
    memcpy(&x, v2.data, 8);
    cr_assert_eq(x, 1u);
    expect_u64(f.c, 1, 0);
    /* an urgent message overtakes at the next peek */
    ASSERT_RC(send_u64(f.p[0], 77, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_peek(f.c, &v2, 0), COSMOSB_OK);
    memcpy(&x, v2.data, 8);
    cr_assert_eq(x, 77u);
    cr_assert(v2.info.flags & COSMOSB_MSG_URGENT);
    ASSERT_RC(cosmosb_pipe_consume(f.c, &v2), COSMOSB_OK);
    /* peek/consume many times around the ring */
    for (uint64_t i = 2; i < 5; i++) {
        ASSERT_RC(cosmosb_pipe_peek(f.c, &v2, 0), COSMOSB_OK);
        memcpy(&x, v2.data, 8);
        cr_assert_eq(x, i);
        ASSERT_RC(cosmosb_pipe_consume(f.c, &v2), COSMOSB_OK);
    }
    for (uint64_t i = 0; i < 1000; i++) {
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
        ASSERT_RC(cosmosb_pipe_peek(f.c, &v2, 0), COSMOSB_OK);
        cr_assert(slot_in(&f, v2.data, v2.info.len));
        memcpy(&x, v2.data, 8);
        cr_assert_eq(x, i);
        cr_assert_eq(v2.info.type_id, i + 1000);
        ASSERT_RC(cosmosb_pipe_consume(f.c, &v2), COSMOSB_OK);
    }
    ASSERT_RC(cosmosb_pipe_peek(f.c, &v2, 0), COSMOSB_EAGAIN);
    cr_assert_eq(stats_of(f.c).received, 1005u + 1u);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* batches                                                                  */
/* ------------------------------------------------------------------------ */

static void items_u64(cosmosb_send_item_t *it, uint64_t *vals, uint32_t n, uint64_t first)
{
    for (uint32_t i = 0; i < n; i++) {
        vals[i] = first + i;
        it[i].type_id = vals[i] + 1000;
        it[i].data = &vals[i];
        it[i].len = 8;
        it[i].reserved = 0;
    }
}

PTEST(send_batch_bulk_and_burst)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 4, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    cosmosb_send_item_t it[16];
    uint64_t vals[16];
    items_u64(it, vals, 5, 0);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 5, COSMOSB_BATCH_BULK, 0), 5);
    expect_queued(f.c, 5u);
    /* bulk of 4 with 3 free: all or nothing -> nothing */
    items_u64(it, vals, 4, 5);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 4, COSMOSB_BATCH_BULK, 0), COSMOSB_EFULL);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 4, COSMOSB_BATCH_BULK, 1000), COSMOSB_ETIMEDOUT);
    expect_queued(f.c, 5u);
    cr_assert_eq(stats_of(f.p[0]).sent, 5u);
    /* bulk larger than the lane can ever hold */
    cosmosb_send_item_t many[9];
    uint64_t mvals[9];
    items_u64(many, mvals, 9, 100);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], many, 9, COSMOSB_BATCH_BULK, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], many, 5, COSMOSB_BATCH_BULK | COSMOSB_MSG_URGENT, 0),
              COSMOSB_EINVAL);
    /* n == 0 */
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 0, 0, 0), 0);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 0, COSMOSB_BATCH_BULK, 0), 0);
    expect_queued(f.c, 5u);
    /* burst of 4 with 3 free: 3 */
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 4, 0, 0), 3);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it + 3, 1, 0, 0), COSMOSB_EFULL);
    for (uint64_t i = 0; i < 8; i++)
        expect_u64(f.c, i, 0);
    /* the fourth (value 8) was not sent */
    uint64_t v;
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    /* a bulk batch with one oversized item sends nothing */
    uint8_t big[64] = {0};
    items_u64(it, vals, 4, 20);
    it[2].data = big;
    it[2].len = stats_of(f.p[0]).slot_size + 1;
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 4, COSMOSB_BATCH_BULK, 0), COSMOSB_EMSGSIZE);
    expect_queued(f.c, 0u);
    /* urgent batch goes to the urgent lane */
    items_u64(it, vals, 3, 50);
    ASSERT_RC(send_u64(f.p[0], 40, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 3, COSMOSB_MSG_URGENT | COSMOSB_BATCH_BULK, 0), 3);
    expect_u64(f.c, 50, COSMOSB_MSG_URGENT);
    expect_u64(f.c, 51, COSMOSB_MSG_URGENT);
    expect_u64(f.c, 52, COSMOSB_MSG_URGENT);
    expect_u64(f.c, 40, 0);
    /* batches wrap around: 5 at a time on an 8-slot lane */
    uint64_t next_send = 0, next_recv = 0;
    for (int r = 0; r < 2000; r++) {
        items_u64(it, vals, 5, next_send);
        ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 5, (r & 1) ? COSMOSB_BATCH_BULK : 0, 0), 5);
        next_send += 5;
        while (next_recv < next_send)
            expect_u64(f.c, next_recv++, 0);
    }
    fx_free(&f);
}

static void items_for(cosmosb_recv_item_t *it, uint64_t *vals, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        it[i].buf = &vals[i];
        it[i].buf_size = 8;
        it[i].reserved = 0;
    }
}

/* A bulk receive that can never complete returns at once: EINVAL beyond what every lane can hold, the
 * departure status once every producer has gone (what is left stays for burst receives). */
PTEST(recv_batch_bulk_that_can_never_complete_returns_at_once)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, 8, 4, 8, 2);
    uint64_t vals[32];
    cosmosb_recv_item_t it[32];
    items_for(it, vals, 32);
    /* 2 producer slots x (8 + 4) = 24 messages at most */
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 25, COSMOSB_BATCH_BULK, COSMOSB_TIMEOUT_FOREVER), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 25, 0, 0), COSMOSB_EAGAIN); /* a burst may ask for more */
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    ASSERT_RC(fx_add(&f, 1), COSMOSB_OK);
    for (uint64_t i = 0; i < 3; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    for (uint64_t i = 3; i < 5; i++)
        ASSERT_RC(send_u64(f.p[1], i, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 8, COSMOSB_BATCH_BULK, 1000), COSMOSB_ETIMEDOUT);
    fx_close_producer(&f, 0);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 8, COSMOSB_BATCH_BULK, 1000), COSMOSB_ETIMEDOUT); /* one is left */
    fx_close_producer(&f, 1);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 8, COSMOSB_BATCH_BULK, COSMOSB_TIMEOUT_FOREVER), COSMOSB_ECLOSED);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 8, COSMOSB_BATCH_BULK, 0), COSMOSB_ECLOSED);
    expect_queued(f.c, 5u);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 5, COSMOSB_BATCH_BULK, COSMOSB_TIMEOUT_FOREVER), 5);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 8, 0, 0), COSMOSB_ECLOSED);
    /* a new producer: bulk receives wait for it again */
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 9, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 2, COSMOSB_BATCH_BULK, 1000), COSMOSB_ETIMEDOUT);
    ASSERT_RC(send_u64(f.p[0], 10, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 2, COSMOSB_BATCH_BULK, COSMOSB_TIMEOUT_FOREVER), 2);
    cr_assert_eq(vals[0], 9u);
    cr_assert_eq(vals[1], 10u);
    fx_free(&f);
}

static int g_bulk_dead;
static int bulk_peer_alive(void *ctx, uint32_t id)
{
    (void)ctx;
    (void)id;
    return g_bulk_dead ? COSMOSB_PEER_DEAD : COSMOSB_PEER_ALIVE;
}

/*
 * A producer that died with 3 messages queued: a bulk receive of 4 returns
 * EPEERDEAD at once, one of 3 gets them. With killed_mid_send, the third is
 * as far as its R1 (header, payload, seq) and the producer died before its
 * tail (R4): review 15 found a bulk receive counting by the tail alone, one
 * message short, returning EPEERDEAD for the bulk of 3 too.
 */
static void bulk_after_a_death(int killed_mid_send)
{
    cosmosb_platform_t plat = *cosmosb_linux_platform();
    plat.peer_alive = bulk_peer_alive;
    g_bulk_dead = 0;
    struct fx f;
    fx_open(&f, &plat, COSMOSB_PIPE_SPSC, 8, 4, 8, 1);
    uint64_t vals[8];
    cosmosb_recv_item_t it[8];
    items_for(it, vals, 8);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < (killed_mid_send ? 2u : 3u); i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    if (killed_mid_send) {
        cosmosb_slot_t s;
        ASSERT_RC(cosmosb_pipe_reserve(f.p[0], 0, 0, &s), COSMOSB_OK);
        uint8_t *hdr = (uint8_t *)s.data - 16;
        uint64_t v2 = 2, type = 1002;
        uint32_t len = 8;
        memcpy(s.data, &v2, 8);
        memcpy(hdr + 4, &len, 4);
        memcpy(hdr + 8, &type, 8);
        __atomic_store_n((uint32_t *)(void *)hdr, s.token_seq + 1u, __ATOMIC_RELEASE);
    }
    g_bulk_dead = 1;
    ASSERT_RC(cosmosb_pipe_check_peer(f.c), COSMOSB_EPEERDEAD); /* found dead; its 3 messages are kept */
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 4, COSMOSB_BATCH_BULK, COSMOSB_TIMEOUT_FOREVER), COSMOSB_EPEERDEAD);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 3, COSMOSB_BATCH_BULK, COSMOSB_TIMEOUT_FOREVER), 3);
    for (uint64_t i = 0; i < 3; i++)
        cr_assert_eq(vals[i], i);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 4, 0, 0), COSMOSB_EPEERDEAD);
    f.p[0] = NULL; /* "dead": its handle is not closed */
    fx_free(&f);
}

Test(core_linux, recv_batch_bulk_after_a_producer_died_returns_peerdead_at_once, .timeout = 30)
{
    bulk_after_a_death(0);
}

Test(core_linux, recv_batch_bulk_counts_the_last_message_of_a_producer_killed_before_its_tail, .timeout = 30)
{
    bulk_after_a_death(1);
}

PTEST(recv_batch_bulk_and_burst)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 16, 4, 32, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    uint64_t vals[16];
    cosmosb_recv_item_t it[16];
    for (int i = 0; i < 16; i++) {
        it[i].buf = &vals[i];
        it[i].buf_size = 8;
        it[i].reserved = 0;
    }
    for (uint64_t i = 0; i < 6; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    /* bulk of 8 with 6 queued: nothing received */
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 8, COSMOSB_BATCH_BULK, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 8, COSMOSB_BATCH_BULK, 1000), COSMOSB_ETIMEDOUT);
    expect_queued(f.c, 6u);
    /* bulk of 4: exactly 4 */
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 4, COSMOSB_BATCH_BULK, 0), 4);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(vals[i], (uint64_t)i);
        cr_assert_eq(it[i].info.len, 8u);
        cr_assert_eq(it[i].info.type_id, (uint64_t)i + 1000);
    }
    /* burst of 10 with 2 queued: as many as possible = 2 */
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 10, 0, 0), 2);
    cr_assert_eq(vals[0], 4u);
    cr_assert_eq(vals[1], 5u);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 10, 0, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 0, 0, 0), 0);
    /* urgent messages come first inside a batch */
    for (uint64_t i = 0; i < 3; i++)
        ASSERT_RC(send_u64(f.p[0], 10 + i, 0, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < 2; i++)
        ASSERT_RC(send_u64(f.p[0], 20 + i, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    int got = 0;
    uint64_t expect[] = {20, 21, 10, 11, 12};
    while (got < 5) {
        int rc = cosmosb_pipe_recv_batch(f.c, it, 16, 0, 0);
        cr_assert_gt(rc, 0, "recv_batch: %s", cosmosb_err_name(rc));
        for (int i = 0; i < rc; i++, got++) {
            cr_assert_lt(got, 5);
            cr_assert_eq(vals[i], expect[got]);
            cr_assert_eq(!!(it[i].info.flags & COSMOSB_MSG_URGENT), got < 2);
        }
    }
    /* a message that does not fit its item stops the batch */
    uint8_t p20[20] = {1};
    ASSERT_RC(send_u64(f.p[0], 30, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 31, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_send(f.p[0], 555, p20, 20, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 32, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 4, 0, 0), 2);
    cr_assert_eq(vals[0], 30u);
    cr_assert_eq(vals[1], 31u);
    ASSERT_RC(cosmosb_pipe_recv_batch(f.c, it, 4, 0, 0), COSMOSB_EMSGSIZE);
    expect_queued(f.c, 2u);
    uint8_t b20[24];
    cosmosb_msg_info_t info;
    ASSERT_RC(cosmosb_pipe_recv(f.c, b20, sizeof b20, &info, 0), COSMOSB_OK);
    cr_assert_eq(info.type_id, 555u);
    expect_u64(f.c, 32, 0);
    /* many rounds around the ring */
    uint64_t s = 0, r = 0;
    for (int round = 0; round < 3000; round++) {
        for (int k = 0; k < 7; k++)
            ASSERT_RC(send_u64(f.p[0], s++, 0, 0), COSMOSB_OK);
        int n = cosmosb_pipe_recv_batch(f.c, it, 7, COSMOSB_BATCH_BULK, 0);
        cr_assert_eq(n, 7, "round %d: %d", round, n);
        for (int i = 0; i < n; i++)
            cr_assert_eq(vals[i], r++);
    }
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* roles and arguments                                                      */
/* ------------------------------------------------------------------------ */

PTEST(role_errors)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    cosmosb_pipe_t *c = f.c, *p = f.p[0];
    uint64_t v = 1;
    cosmosb_slot_t slot;
    cosmosb_send_item_t si = {.type_id = 1, .data = &v, .len = 8};
    cosmosb_recv_item_t ri = {.buf = &v, .buf_size = 8};
    cosmosb_msg_view_t view;
    cosmosb_wait_token_t tok;
    EXPECT_RC(cosmosb_pipe_send(c, 1, &v, 8, 0, 0), COSMOSB_EROLE);
    EXPECT_RC(cosmosb_pipe_reserve(c, 0, 0, &slot), COSMOSB_EROLE);
    EXPECT_RC(cosmosb_pipe_send_batch(c, &si, 1, 0, 0), COSMOSB_EROLE);
    ASSERT_RC(send_u64(p, 1, 0, 0), COSMOSB_OK);
    EXPECT_RC(cosmosb_pipe_reserve(p, 0, 0, &slot), COSMOSB_OK);
    EXPECT_RC(cosmosb_pipe_commit(c, &slot, 1, 0), COSMOSB_EROLE);
    EXPECT_RC(cosmosb_pipe_recv(p, &v, 8, NULL, 0), COSMOSB_EROLE);
    EXPECT_RC(cosmosb_pipe_peek(p, &view, 0), COSMOSB_EROLE);
    EXPECT_RC(cosmosb_pipe_peek(c, &view, 0), COSMOSB_OK);
    EXPECT_RC(cosmosb_pipe_consume(p, &view), COSMOSB_EROLE);
    EXPECT_RC(cosmosb_pipe_recv_batch(p, &ri, 1, 0, 0), COSMOSB_EROLE);
    EXPECT_RC(cosmosb_pipe_arm_notify(p), COSMOSB_EROLE);
    EXPECT_RC(cosmosb_pipe_wait_prepare(p, &tok), COSMOSB_EROLE);
    /* the wrong-role calls changed nothing */
    EXPECT_RC(cosmosb_pipe_consume(c, &view), COSMOSB_OK);
    EXPECT_RC(cosmosb_pipe_commit(p, &slot, 1001, 0), COSMOSB_OK);
    cosmosb_msg_info_t info;
    EXPECT_RC(cosmosb_pipe_recv(c, NULL, 0, &info, 0), COSMOSB_OK);
    cr_assert_eq(info.type_id, 1001u);
    expect_queued(c, 0u);
    cr_assert_eq(stats_of(p).sent, 2u);
    cr_assert_eq(stats_of(c).role, COSMOSB_ROLE_CONSUMER);
    cr_assert_eq(stats_of(p).role, COSMOSB_ROLE_PRODUCER);
    cr_assert_eq(cosmosb_pipe_role(NULL), 0u);
    fx_free(&f);
}

PTEST(null_arguments)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    cosmosb_pipe_t *c = f.c, *p = f.p[0];
    uint64_t v = 1;
    cosmosb_slot_t slot;
    cosmosb_send_item_t si = {.type_id = 1, .data = &v, .len = 8};
    cosmosb_recv_item_t ri = {.buf = &v, .buf_size = 8};
    cosmosb_msg_view_t view;
    cosmosb_pipe_stats_t st;
    cosmosb_wait_token_t tok;
    EXPECT_RC(cosmosb_pipe_send(NULL, 1, &v, 8, 0, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_send(p, 1, NULL, 8, 0, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_reserve(NULL, 0, 0, &slot), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_reserve(p, 0, 0, NULL), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_commit(NULL, &slot, 1, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_commit(p, NULL, 1, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_send_batch(NULL, &si, 1, 0, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_send_batch(p, NULL, 1, 0, 0), COSMOSB_EINVAL);
    si.data = NULL;
    EXPECT_RC(cosmosb_pipe_send_batch(p, &si, 1, COSMOSB_BATCH_BULK, 0), COSMOSB_EINVAL);
    expect_queued(c, 0u); /* a refused call queued nothing */
    ASSERT_RC(send_u64(p, 1, 0, 0), COSMOSB_OK);
    EXPECT_RC(cosmosb_pipe_recv(NULL, &v, 8, NULL, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_recv(c, NULL, 8, NULL, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_peek(NULL, &view, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_peek(c, NULL, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_consume(NULL, &view), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_consume(c, NULL), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_recv_batch(NULL, &ri, 1, 0, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_recv_batch(c, NULL, 1, 0, 0), COSMOSB_EINVAL);
    ri.buf = NULL;
    EXPECT_RC(cosmosb_pipe_recv_batch(c, &ri, 1, 0, 0), COSMOSB_EINVAL);
    expect_queued(c, 1u); /* a refused call removed nothing */
    EXPECT_RC(cosmosb_pipe_stats(NULL, &st), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_stats(c, NULL), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_set_spin_ns(NULL, 0), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_check_peer(NULL), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_arm_notify(NULL), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_wait_prepare(NULL, &tok), COSMOSB_EINVAL);
    EXPECT_RC(cosmosb_pipe_wait_prepare(c, NULL), COSMOSB_EINVAL);
    cosmosb_pipe_close_endpoint(NULL);
    expect_u64(c, 1, 0);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* stats                                                                    */
/* ------------------------------------------------------------------------ */

PTEST(stats_counters)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, 16, 8, 48, 3);
    cosmosb_pipe_stats_t s = stats_of(f.c);
    cr_assert_eq(s.role, COSMOSB_ROLE_CONSUMER);
    cr_assert_eq(s.capacity, 16u);
    cr_assert_eq(s.urgent_capacity, 8u);
    cr_assert_eq(s.slot_size, 48u);
    cr_assert_eq(s.max_producers, 3u);
    cr_assert_eq(s.sent, 0u);
    cr_assert_eq(s.received, 0u);
    cr_assert_eq(s.queued, 0u);
    cr_assert_eq(s.rejected_corrupt, 0u);
    cr_assert_eq(s.producers_attached, 0u);
    cr_assert_eq(s.producers_reaped, 0u);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    ASSERT_RC(fx_add(&f, 1), COSMOSB_OK);
    s = stats_of(f.p[0]);
    cr_assert_eq(s.role, COSMOSB_ROLE_PRODUCER);
    cr_assert_eq(s.capacity, 16u);
    cr_assert_eq(s.urgent_capacity, 8u);
    cr_assert_eq(s.slot_size, 48u);
    cr_assert_eq(s.max_producers, 3u);
    for (uint64_t i = 0; i < 10; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < 3; i++)
        ASSERT_RC(send_u64(f.p[0], i, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < 4; i++)
        ASSERT_RC(send_u64(f.p[1], i, 0, 0), COSMOSB_OK);
    cr_assert_eq(stats_of(f.p[0]).sent, 13u);
    expect_queued(f.p[0], 13u);
    cr_assert_eq(stats_of(f.p[1]).sent, 4u);
    expect_queued(f.p[1], 4u);
    expect_queued(f.c, 17u);
    uint64_t v;
    for (int i = 0; i < 5; i++)
        ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_OK);
    s = stats_of(f.c);
    cr_assert_eq(s.received, 5u);
    cr_assert_eq(s.queued, 12u);
    cr_assert_eq(s.producers_attached, 2u);
    cr_assert_eq(s.sent, 0u);
    cr_assert_eq(s.rejected_corrupt, 0u);
    cr_assert_eq(stats_of(f.p[0]).queued + stats_of(f.p[1]).queued, 12u);
    cr_assert_eq(stats_of(f.p[0]).received, 0u);
    while (recv_u64(f.c, &v, NULL, 0) == COSMOSB_OK) {
    }
    cr_assert_eq(stats_of(f.c).received, 17u);
    expect_queued(f.c, 0u);
    expect_queued(f.p[0], 0u);
    fx_close_producer(&f, 1);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    s = stats_of(f.c);
    cr_assert_eq(s.producers_attached, 1u);
    cr_assert_eq(s.producers_reaped, 1u);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* reaping: the next producer starts a lap ahead (docs/pipe.md section 11)  */
/* ------------------------------------------------------------------------ */

/* A message's sequence word: the slot header {seq, len, type_id} just before its payload. */
static volatile uint32_t *seq_word_of(const cosmosb_msg_view_t *v)
{
    return (volatile uint32_t *)(uintptr_t)((const uint8_t *)v->data - 16);
}

PTEST(a_reap_leaves_the_slots_alone_and_the_next_producer_starts_a_lap_ahead)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, 16, 8, 8, 2);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    volatile uint32_t *seq[5];
    uint32_t was[5];
    for (uint64_t i = 0; i < 5; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    for (int i = 0; i < 5; i++) {
        cosmosb_msg_view_t view;
        ASSERT_RC(cosmosb_pipe_peek(f.c, &view, 0), COSMOSB_OK);
        seq[i] = seq_word_of(&view);
        was[i] = *seq[i];
        cr_assert_eq(was[i], (uint32_t)i + 1u, "position %d: seq %u", i, was[i]);
        ASSERT_RC(cosmosb_pipe_consume(f.c, &view), COSMOSB_OK);
    }
    fx_close_producer(&f, 0);
    uint64_t v;
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_ECLOSED); /* reaped */
    cr_assert_eq(stats_of(f.c).producers_reaped, 1u);
    for (int i = 0; i < 5; i++) /* no scrub: a reap used to rewrite every slot of both lanes */
        cr_assert_eq(*seq[i], was[i], "the reap rewrote slot %d (%u)", i, *seq[i]);

    ASSERT_RC(fx_add(&f, 1), COSMOSB_OK); /* the same block, the next producer */
    ASSERT_RC(send_u64(f.p[1], 42, 0, 0), COSMOSB_OK);
    cosmosb_msg_view_t view;
    ASSERT_RC(cosmosb_pipe_peek(f.c, &view, 0), COSMOSB_OK);
    cr_assert_eq(view.info.producer, 0u);
    cr_assert_eq(*seq_word_of(&view), 5u + 16u + 1u, "the next producer's first message is at position %u",
                 *seq_word_of(&view) - 1u);
    ASSERT_RC(cosmosb_pipe_consume(f.c, &view), COSMOSB_OK);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    for (uint64_t i = 0; i < 40; i++) { /* and the lane goes on, round and round */
        ASSERT_RC(send_u64(f.p[1], i, 0, 0), COSMOSB_OK);
        expect_u64(f.c, i, 0);
    }
    fx_free(&f);
}

/*
 * Review 13: a hostile producer is not held to the lap. Before it departs it
 * writes, into the slot of its next position q, a header and a payload with
 * seq q + capacity + 1: "published" for the position where the next
 * producer of the block starts after a reap that moves it a lap ahead. That
 * planted message used to be delivered in the next producer's name, and the
 * next producer's first message lost. Through the next producer's first lap
 * its tail must vouch for a slot too. Both lanes.
 */
PTEST(a_sequence_word_planted_by_a_departed_producer_never_passes_for_the_next_ones_message)
{
    for (int urgent = 0; urgent < 2; urgent++) {
        uint32_t flags = urgent ? COSMOSB_MSG_URGENT : 0, cap = urgent ? 4u : 8u;
        struct fx f;
        fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 4, 64, 1);
        ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
        for (uint64_t i = 0; i < 3; i++)
            ASSERT_RC(send_u64(f.p[0], i, flags, 0), COSMOSB_OK);
        cosmosb_slot_t s;
        ASSERT_RC(cosmosb_pipe_reserve(f.p[0], flags, 0, &s), COSMOSB_OK);
        uint8_t *hdr = (uint8_t *)s.data - 16;
        uint64_t forged = 0xbad, type = 0xbad + 1000;
        uint32_t len = 8;
        memcpy(s.data, &forged, 8);
        memcpy(hdr + 4, &len, 4);
        memcpy(hdr + 8, &type, 8);
        __atomic_store_n((uint32_t *)(void *)hdr, s.token_seq + cap + 1u, __ATOMIC_RELEASE);
        fx_close_producer(&f, 0); /* departs; writes nothing more */
        for (uint64_t i = 0; i < 3; i++)
            expect_u64(f.c, i, flags);
        uint64_t v;
        ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_ECLOSED); /* drained and reaped */
        ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);                   /* the next producer of the block */
        int rc = recv_u64(f.c, &v, NULL, 0);
        cr_assert_eq(rc, COSMOSB_EAGAIN, "lane %d: %s, value %#llx before the new producer sent anything", urgent,
                     cosmosb_err_name(rc), (unsigned long long)v);
        for (uint64_t i = 10; i < 10u + 2u * cap; i++) { /* two laps, one message at a time */
            ASSERT_RC(send_u64(f.p[0], i, flags, 0), COSMOSB_OK);
            expect_u64(f.c, i, flags);
        }
        ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
        fx_free(&f);
    }
}

/*
 * Slot 0's word holds seq 1, from position 0. Producers that come and go
 * without a message move the next one a lap ahead each time; without the
 * scrub every 2^31 positions, the 4096th would start at position 2^32 = 0
 * (capacity 2^20), where that old word reads "published", and a producer
 * that closes without sending (its seqs are then authoritative) would have
 * position 0's message delivered again, and its block never reaped.
 */
Test(core_linux, an_old_sequence_word_never_passes_for_a_new_message_two_to_the_32_positions_later, .timeout = 300)
{
    struct fx f;
    fx_open(&f, cosmosb_linux_platform(), COSMOSB_PIPE_MPSC, COSMOSB_PIPE_MAX_CAPACITY, 64, 8, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    uint64_t v;
    for (uint64_t q = 0; q < COSMOSB_PIPE_MAX_CAPACITY; q++) { /* every slot written once, in order */
        ASSERT_RC(send_u64(f.p[0], q, 0, 0), COSMOSB_OK);
        ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_OK);
        cr_assert_eq(v, q);
    }
    uint32_t laps = (uint32_t)(0x100000000ull / COSMOSB_PIPE_MAX_CAPACITY);
    for (uint32_t k = 0; k < laps + 2u; k++) {
        if (k > 0)
            ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
        fx_close_producer(&f, 0);
        int rc = recv_u64(f.c, &v, NULL, 0);
        cr_assert_eq(rc, COSMOSB_ECLOSED, "producer %u: %s (value %llu)", k, cosmosb_err_name(rc),
                     (unsigned long long)v);
        cr_assert_eq(stats_of(f.c).producers_reaped, k + 1u);
    }
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK); /* and it still works */
    ASSERT_RC(send_u64(f.p[0], 7, 0, 0), COSMOSB_OK);
    expect_u64(f.c, 7, 0);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* MPSC                                                                     */
/* ------------------------------------------------------------------------ */

PTEST(mpsc_per_producer_fifo_and_info_producer)
{
    enum { NP = 4, PER = 3000 };
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, 16, 4, 24, NP);
    for (int i = 0; i < NP; i++)
        ASSERT_RC(fx_add(&f, i), COSMOSB_OK);
    uint64_t next_send[NP] = {0}, next_recv[NP] = {0}, next_usend[NP] = {0}, next_urecv[NP] = {0};
    uint32_t index_of[NP];
    for (int i = 0; i < NP; i++)
        index_of[i] = UINT32_MAX;
    uint64_t seed = 4242, total = 0, priority_violations = 0;
    while (total < (uint64_t)NP * PER) {
        /* random sends from random producers */
        for (int k = (int)(tu_rand(&seed) % 12); k > 0; k--) {
            int i = (int)(tu_rand(&seed) % NP);
            int urgent = tu_rand(&seed) % 5 == 0;
            if (urgent) {
                uint64_t val = ((uint64_t)i << 32) | (1ull << 31) | next_usend[i];
                int rc = send_u64(f.p[i], val, COSMOSB_MSG_URGENT, 0);
                cr_assert(rc == COSMOSB_OK || rc == COSMOSB_EFULL, "%s", cosmosb_err_name(rc));
                if (rc == COSMOSB_OK)
                    next_usend[i]++;
            } else if (next_send[i] < PER) {
                uint64_t val = ((uint64_t)i << 32) | next_send[i];
                int rc = send_u64(f.p[i], val, 0, 0);
                cr_assert(rc == COSMOSB_OK || rc == COSMOSB_EFULL, "%s", cosmosb_err_name(rc));
                if (rc == COSMOSB_OK)
                    next_send[i]++;
            }
        }
        uint64_t uq = 0;
        for (int i = 0; i < NP; i++)
            uq += next_usend[i] - next_urecv[i];
        for (int k = (int)(tu_rand(&seed) % 12); k > 0; k--) {
            uint64_t v;
            cosmosb_msg_info_t info;
            int rc = recv_u64(f.c, &v, &info, 0);
            if (rc == COSMOSB_EAGAIN)
                break;
            ASSERT_RC(rc, COSMOSB_OK);
            int i = (int)(v >> 32);
            cr_assert_lt(i, NP);
            cr_assert_lt(info.producer, (uint32_t)NP);
            if (index_of[i] == UINT32_MAX) {
                for (int j = 0; j < NP; j++)
                    cr_assert_neq(index_of[j], info.producer, "two producers share index %u",
                                  info.producer);
                index_of[i] = info.producer;
            }
            cr_assert_eq(info.producer, index_of[i], "producer %d reported as %u", i, info.producer);
            if (v & (1ull << 31)) {
                cr_assert(info.flags & COSMOSB_MSG_URGENT);
                cr_assert_eq(v & 0x7fffffffu, next_urecv[i], "urgent FIFO broken for producer %d", i);
                next_urecv[i]++;
                uq--;
            } else {
                if (uq != 0)
                    priority_violations++;
                cr_assert_eq(info.flags & COSMOSB_MSG_URGENT, 0u);
                cr_assert_eq(v & 0xffffffffu, next_recv[i], "FIFO broken for producer %d", i);
                next_recv[i]++;
                total++;
            }
        }
    }
    for (int i = 0; i < NP; i++)
        cr_assert_eq(next_recv[i], (uint64_t)PER);
    cr_expect_eq(priority_violations, 0u,
                 "%llu normal messages were received while urgent ones were queued",
                 (unsigned long long)priority_violations);
    fx_free(&f);
}

PTEST(mpsc_ebusy_and_slot_reclaim)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, 8, 0, 16, 2);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    ASSERT_RC(fx_add(&f, 1), COSMOSB_OK);
    ASSERT_RC(fx_add(&f, 2), COSMOSB_EBUSY);
    /* producer 1 leaves three messages behind */
    for (uint64_t i = 0; i < 3; i++)
        ASSERT_RC(send_u64(f.p[1], 100 + i, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 1, 0, 0), COSMOSB_OK);
    fx_close_producer(&f, 1);
    /* its slot is not free while its messages wait */
    ASSERT_RC(fx_add(&f, 2), COSMOSB_EBUSY);
    /* they are all delivered */
    int seen = 0, seen0 = 0;
    uint64_t v;
    cosmosb_msg_info_t info;
    uint64_t next = 100;
    uint32_t index1 = UINT32_MAX;
    for (int k = 0; k < 4; k++) {
        ASSERT_RC(recv_u64(f.c, &v, &info, 0), COSMOSB_OK);
        if (v >= 100) {
            index1 = info.producer;
            cr_assert_eq(v, next++);
            seen++;
        } else {
            seen0++;
        }
    }
    cr_assert_eq(seen, 3);
    cr_assert_eq(seen0, 1);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    /* drained: a new producer takes the slot */
    ASSERT_RC(fx_add(&f, 2), COSMOSB_OK);
    ASSERT_RC(fx_add(&f, 3), COSMOSB_EBUSY);
    ASSERT_RC(send_u64(f.p[2], 7, 0, 0), COSMOSB_OK);
    ASSERT_RC(recv_u64(f.c, &v, &info, 0), COSMOSB_OK);
    cr_assert_eq(v, 7u);
    cr_assert_eq(info.producer, index1, "the reclaimed slot should be index %u, got %u", index1,
                 info.producer);
    cosmosb_pipe_stats_t s = stats_of(f.c);
    cr_assert_geq(s.producers_reaped, 1u);
    cr_assert_eq(s.producers_attached, 2u);
    /* repeated attach/close cycles never leak slots */
    for (int r = 0; r < 200; r++) {
        fx_close_producer(&f, 2);
        ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
        ASSERT_RC(fx_add(&f, 2), COSMOSB_OK);
        ASSERT_RC(send_u64(f.p[2], (uint64_t)r, 0, 0), COSMOSB_OK);
        ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_OK);
        cr_assert_eq(v, (uint64_t)r);
    }
    fx_free(&f);
}

PTEST(spsc_second_producer_ebusy)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    ASSERT_RC(fx_add(&f, 1), COSMOSB_EBUSY);
    ASSERT_RC(send_u64(f.p[0], 5, 0, 0), COSMOSB_OK);
    fx_close_producer(&f, 0);
    ASSERT_RC(fx_add(&f, 1), COSMOSB_EBUSY);
    expect_u64(f.c, 5, 0);
    uint64_t v;
    int rc = recv_u64(f.c, &v, NULL, 0);
    cr_assert(rc == COSMOSB_ECLOSED || rc == COSMOSB_EAGAIN, "%s", cosmosb_err_name(rc));
    ASSERT_RC(fx_add(&f, 1), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[1], 6, 0, 0), COSMOSB_OK);
    expect_u64(f.c, 6, 0);
    fx_free(&f);
}

PTEST(urgent_from_newly_attached_producer_first)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, 64, 8, 16, 4);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < 20; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    expect_u64(f.c, 0, 0);
    /* a producer that attaches now and sends urgent overtakes queued normal messages */
    ASSERT_RC(fx_add(&f, 1), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[1], 500, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    expect_u64(f.c, 500, COSMOSB_MSG_URGENT);
    expect_u64(f.c, 1, 0);
    fx_free(&f);
}

PTEST(new_producer_seen_by_waiting_consumer)
{
    /* a consumer that already polled an empty pipe sees a producer attached later */
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, 8, 0, 16, 4);
    uint64_t v;
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    for (int i = 0; i < 300; i++)
        ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    ASSERT_RC(fx_add(&f, 3), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[3], 9, 0, 0), COSMOSB_OK);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_OK);
    cr_assert_eq(v, 9u);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* closing                                                                  */
/* ------------------------------------------------------------------------ */

PTEST(producer_close_drains_then_eclosed)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_check_peer(f.c), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_check_peer(f.p[0]), COSMOSB_OK);
    for (uint64_t i = 0; i < 3; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 9, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    fx_close_producer(&f, 0);
    expect_u64(f.c, 9, COSMOSB_MSG_URGENT);
    for (uint64_t i = 0; i < 3; i++)
        expect_u64(f.c, i, 0);
    uint64_t v;
    cosmosb_msg_view_t view;
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_ECLOSED);
    ASSERT_RC(recv_u64(f.c, &v, NULL, COSMOSB_TIMEOUT_FOREVER), COSMOSB_ECLOSED);
    ASSERT_RC(cosmosb_pipe_peek(f.c, &view, COSMOSB_TIMEOUT_FOREVER), COSMOSB_ECLOSED);
    ASSERT_RC(cosmosb_pipe_check_peer(f.c), COSMOSB_ECLOSED);
    fx_free(&f);
}

PTEST(consumer_close)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, 4, 0, 16, 2);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < 4; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    cosmosb_pipe_close_endpoint(f.c);
    f.c = NULL;
    /* a sender on a full lane learns the consumer is gone instead of waiting */
    ASSERT_RC(send_u64(f.p[0], 4, 0, 10 * MS), COSMOSB_ECLOSED);
    ASSERT_RC(send_u64(f.p[0], 4, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_ECLOSED);
    ASSERT_RC(cosmosb_pipe_check_peer(f.p[0]), COSMOSB_ECLOSED);
    /* nobody can attach to a closed pipe */
    ASSERT_RC(fx_add(&f, 1), COSMOSB_ECLOSED);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* multi-pipe wait protocol                                                 */
/* ------------------------------------------------------------------------ */

PTEST(wait_prepare_token)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    cosmosb_wait_token_t tok;
    ASSERT_RC(send_u64(f.p[0], 1, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_wait_prepare(f.c, &tok), COSMOSB_EAGAIN);
    expect_u64(f.c, 1, 0);
    for (uint64_t i = 0; i < 50; i++) {
        memset(&tok, 0, sizeof tok);
        ASSERT_RC(cosmosb_pipe_wait_prepare(f.c, &tok), COSMOSB_OK);
        cr_assert_not_null(tok.addr);
        cr_assert(slot_in(&f, tok.addr, 4), "token word outside the pipe");
        cr_assert_eq((uintptr_t)tok.addr % 4, 0u);
        uint32_t now;
        memcpy(&now, tok.addr, 4);
        cr_assert_eq(now, tok.expected, "word changed with no sender");
        /* a send after prepare changes the word, so a futex sleep would not be missed */
        ASSERT_RC(send_u64(f.p[0], i, (i & 1) ? COSMOSB_MSG_URGENT : 0, 0), COSMOSB_OK);
        memcpy(&now, tok.addr, 4);
        cr_assert_neq(now, tok.expected, "send after wait_prepare did not ring the doorbell");
        expect_u64(f.c, i, (i & 1) ? COSMOSB_MSG_URGENT : 0);
    }
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* a random model check: every operation against a reference model          */
/* ------------------------------------------------------------------------ */

#define MQ 64
struct mlane {
    uint64_t v[MQ];
    unsigned head, n, cap;
};

static void mpush(struct mlane *l, uint64_t v)
{
    cr_assert_lt(l->n, l->cap);
    l->v[(l->head + l->n++) % MQ] = v;
}

static uint64_t mpop(struct mlane *l)
{
    uint64_t v = l->v[l->head];
    l->head = (l->head + 1) % MQ;
    l->n--;
    return v;
}

PTEST(random_operations_match_model)
{
    enum { NP = 2, CAP = 8, UCAP = 4 };
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, CAP, UCAP, 40, NP);
    struct mlane m[NP][2];
    memset(m, 0, sizeof m);
    for (int i = 0; i < NP; i++) {
        ASSERT_RC(fx_add(&f, i), COSMOSB_OK);
        m[i][0].cap = UCAP;
        m[i][1].cap = CAP;
    }
    uint64_t seed = 99, tag = 1, priority_violations = 0;
    uint8_t buf[64], payload[64];
    for (int step = 0; step < 30000; step++) {
        unsigned op = (unsigned)(tu_rand(&seed) % 7);
        int i = (int)(tu_rand(&seed) % NP);
        int urgent = tu_rand(&seed) % 4 == 0;
        struct mlane *l = &m[i][urgent ? 0 : 1];
        uint32_t fl = urgent ? COSMOSB_MSG_URGENT : 0;
        unsigned total = 0, utotal = 0;
        for (int j = 0; j < NP; j++) {
            total += m[j][0].n + m[j][1].n;
            utotal += m[j][0].n;
        }
        if (op == 0 || op == 1) { /* send */
            uint64_t v = ((uint64_t)i << 56) | ((uint64_t)urgent << 48) | tag++;
            uint32_t len = 8 + (uint32_t)(tu_rand(&seed) % 33);
            memset(payload, (int)(v & 0xff), sizeof payload);
            memcpy(payload, &v, 8);
            int rc = cosmosb_pipe_send(f.p[i], v, payload, len, fl, 0);
            if (l->n < l->cap) {
                ASSERT_RC(rc, COSMOSB_OK);
                mpush(l, v | ((uint64_t)len << 40));
            } else {
                ASSERT_RC(rc, COSMOSB_EFULL);
            }
        } else if (op == 2) { /* reserve/commit */
            cosmosb_slot_t s;
            int rc = cosmosb_pipe_reserve(f.p[i], fl, 0, &s);
            if (l->n < l->cap) {
                ASSERT_RC(rc, COSMOSB_OK);
                uint64_t v = ((uint64_t)i << 56) | ((uint64_t)urgent << 48) | tag++;
                memset(s.data, (int)(v & 0xff), 12);
                memcpy(s.data, &v, 8);
                ASSERT_RC(cosmosb_pipe_commit(f.p[i], &s, v, 12), COSMOSB_OK);
                mpush(l, v | (12ull << 40));
            } else {
                ASSERT_RC(rc, COSMOSB_EFULL);
            }
        } else if (op == 3) { /* send_batch */
            cosmosb_send_item_t it[6];
            uint64_t vals[6];
            uint32_t n = 1 + (uint32_t)(tu_rand(&seed) % 6);
            int bulk = tu_rand(&seed) % 2;
            for (uint32_t k = 0; k < n; k++) {
                vals[k] = ((uint64_t)i << 56) | ((uint64_t)urgent << 48) | (tag + k);
                it[k].type_id = vals[k];
                it[k].data = &vals[k];
                it[k].len = 8;
                it[k].reserved = 0;
            }
            int rc = cosmosb_pipe_send_batch(f.p[i], it, n, fl | (bulk ? COSMOSB_BATCH_BULK : 0), 0);
            unsigned fr = l->cap - l->n;
            int want;
            if (bulk)
                want = n > l->cap ? COSMOSB_EINVAL : (n <= fr ? (int)n : COSMOSB_EFULL);
            else
                want = fr == 0 ? COSMOSB_EFULL : (int)(n < fr ? n : fr);
            ASSERT_RC(rc, want);
            for (int k = 0; k < rc; k++)
                mpush(l, vals[k] | (8ull << 40));
            if (rc > 0)
                tag += (uint64_t)rc;
        } else if (op == 4 || op == 5) { /* recv or peek/consume */
            cosmosb_msg_info_t info;
            const uint8_t *data;
            cosmosb_msg_view_t view;
            int rc;
            if (op == 4) {
                rc = cosmosb_pipe_recv(f.c, buf, sizeof buf, &info, 0);
                data = buf;
            } else {
                rc = cosmosb_pipe_peek(f.c, &view, 0);
                info = view.info;
                data = view.data;
            }
            if (total == 0) {
                ASSERT_RC(rc, COSMOSB_EAGAIN);
                continue;
            }
            ASSERT_RC(rc, COSMOSB_OK);
            int src = (int)(info.type_id >> 56), ur = (int)((info.type_id >> 48) & 1);
            cr_assert_lt(src, NP);
            if (utotal > 0 && !ur)
                priority_violations++;
            cr_assert_eq(!!(info.flags & COSMOSB_MSG_URGENT), ur);
            struct mlane *ml = &m[src][ur ? 0 : 1];
            cr_assert_gt(ml->n, 0u);
            uint64_t want = mpop(ml);
            uint64_t want_id = (want & 0xffffffffffull) | ((uint64_t)src << 56) | ((uint64_t)ur << 48);
            cr_assert_eq(info.type_id, want_id,
                         "got %llx want %llx", (unsigned long long)info.type_id,
                         (unsigned long long)want);
            cr_assert_eq(info.len, (uint32_t)((want >> 40) & 0xff));
            uint64_t v;
            memcpy(&v, data, 8);
            cr_assert_eq(v, info.type_id);
            for (uint32_t k = 8; k < info.len; k++)
                cr_assert_eq(data[k], (uint8_t)(v & 0xff));
            if (op == 5)
                ASSERT_RC(cosmosb_pipe_consume(f.c, &view), COSMOSB_OK);
        } else { /* stats */
            expect_queued(f.c, total);
            expect_queued(f.p[i], m[i][0].n + m[i][1].n);
        }
    }
    cr_expect_eq(priority_violations, 0u,
                 "%llu normal messages were received while urgent ones were queued",
                 (unsigned long long)priority_violations);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* small deterministic cases that pin down single behaviours                */
/* ------------------------------------------------------------------------ */

PTEST(urgent_first_across_known_producers)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_MPSC, 16, 4, 16, 2);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    ASSERT_RC(fx_add(&f, 1), COSMOSB_OK);
    /* the consumer knows both producers: it received from each */
    ASSERT_RC(send_u64(f.p[0], 1, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[1], 2, 0, 0), COSMOSB_OK);
    uint64_t v;
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_OK);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_OK);
    /* producer 0 queues normal messages, then producer 1 an urgent one */
    ASSERT_RC(send_u64(f.p[0], 10, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 11, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[1], 100, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    expect_u64(f.c, 100, COSMOSB_MSG_URGENT);
    expect_u64(f.c, 10, 0);
    expect_u64(f.c, 11, 0);
    /* and the other way round */
    ASSERT_RC(send_u64(f.p[1], 20, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 200, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    expect_u64(f.c, 200, COSMOSB_MSG_URGENT);
    expect_u64(f.c, 20, 0);
    fx_free(&f);
}

PTEST(consumer_stats_queued_counts_unreceived_producers)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 1, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 2, 0, 0), COSMOSB_OK);
    /* no receive yet: the consumer's stats still count what waits for it */
    cr_assert_eq(stats_of(f.c).queued, 2u, "consumer stats.queued %u before the first receive",
                 stats_of(f.c).queued);
    fx_free(&f);
}

PTEST(burst_send_fills_every_free_slot)
{
    struct fx f;
    fx_open(&f, plat, COSMOSB_PIPE_SPSC, 8, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    /* 5 of 8 slots used, then all received */
    for (uint64_t i = 0; i < 5; i++)
        ASSERT_RC(send_u64(f.p[0], i, 0, 0), COSMOSB_OK);
    for (uint64_t i = 0; i < 5; i++)
        expect_u64(f.c, i, 0);
    /* the lane is empty again: a burst of 5 sends 5 ("as many as possible"), not
     * the 3 that the producer saw free before the consumer drained the lane */
    cosmosb_send_item_t it[5];
    uint64_t vals[5];
    items_u64(it, vals, 5, 5);
    ASSERT_RC(cosmosb_pipe_send_batch(f.p[0], it, 5, 0, 0), 5);
    for (uint64_t i = 5; i < 10; i++)
        expect_u64(f.c, i, 0);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* timeouts are a relative limit in nanoseconds (pipe.h, "Timeouts")        */
/* ------------------------------------------------------------------------ */

/* Elapsed time of a call that must return `want` after its 50 ms timeout:
 * not before 45 ms (the timeout is a limit in ns, relative to the call), and
 * within a generous 2 s (it does expire). */
#define TMO_NS (50 * MS)
#define EXPECT_TIMED_OUT(call)                                                                    \
    do {                                                                                          \
        uint64_t t0_ = tu_now_ns();                                                               \
        ASSERT_RC((call), COSMOSB_ETIMEDOUT);                                                     \
        uint64_t el_ = tu_now_ns() - t0_;                                                         \
        cr_expect(el_ >= 45 * MS, "%s with a 50 ms timeout returned after %.3f ms", #call,        \
                  (double)el_ / 1e6);                                                             \
        cr_expect_lt(el_, 2000 * MS, "%s with a 50 ms timeout returned after %.3f ms", #call,     \
                     (double)el_ / 1e6);                                                          \
    } while (0)

Test(core_linux, finite_timeouts_are_a_relative_limit_in_ns, .timeout = 60)
{
    struct fx f;
    fx_open(&f, cosmosb_linux_platform(), COSMOSB_PIPE_SPSC, 2, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    uint64_t v;
    cosmosb_msg_view_t view;
    cosmosb_recv_item_t ri = {.buf = &v, .buf_size = 8};
    /* receiving from an empty pipe */
    EXPECT_TIMED_OUT(recv_u64(f.c, &v, NULL, TMO_NS));
    EXPECT_TIMED_OUT(cosmosb_pipe_peek(f.c, &view, TMO_NS));
    EXPECT_TIMED_OUT(cosmosb_pipe_recv_batch(f.c, &ri, 1, 0, TMO_NS));
    /* sending into a full pipe */
    ASSERT_RC(send_u64(f.p[0], 1, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 2, 0, 0), COSMOSB_OK);
    ASSERT_RC(send_u64(f.p[0], 3, 0, 0), COSMOSB_EFULL);
    EXPECT_TIMED_OUT(send_u64(f.p[0], 3, 0, TMO_NS));
    cosmosb_slot_t slot;
    EXPECT_TIMED_OUT(cosmosb_pipe_reserve(f.p[0], 0, TMO_NS, &slot));
    cosmosb_send_item_t it = {.type_id = 1003, .data = &(uint64_t){3}, .len = 8};
    EXPECT_TIMED_OUT(cosmosb_pipe_send_batch(f.p[0], &it, 1, 0, TMO_NS));
    /* nothing was lost or added by the timed-out calls */
    expect_u64(f.c, 1, 0);
    expect_u64(f.c, 2, 0);
    ASSERT_RC(recv_u64(f.c, &v, NULL, 0), COSMOSB_EAGAIN);
    fx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* the spin budget (cosmosb_pipe_set_spin_ns)                               */
/* ------------------------------------------------------------------------ */

/*
 * A platform with a virtual clock, so that "spins for its budget, then
 * sleeps" is checked without measuring anything: every look at the clock
 * advances it by 1 µs, and wait32 sleeps through its whole slice (advances
 * the clock by it) and reports a timeout. It records when the first sleep
 * began.
 */
struct vclock {
    uint64_t t;
    uint64_t waits;
    uint64_t first_wait_at;
};

static uint64_t vc_now(void *ctx)
{
    struct vclock *v = ctx;
    v->t += 1000;
    return v->t;
}

static int vc_wait32(void *ctx, const void *addr, uint32_t expected, uint64_t timeout_ns)
{
    struct vclock *v = ctx;
    (void)addr;
    (void)expected;
    if (v->waits++ == 0)
        v->first_wait_at = v->t;
    v->t += timeout_ns == COSMOSB_TIMEOUT_FOREVER ? 1000 * MS : timeout_ns;
    return COSMOSB_ETIMEDOUT;
}

/* One blocked call of the handle h (receive on an empty pipe, or send on a full one) with a 20 ms
 * (virtual) timeout; returns the virtual time from the call to its first sleep (UINT64_MAX: it never
 * slept) and checks that the stats agree. */
static uint64_t vc_time_to_sleep(struct vclock *vc, cosmosb_pipe_t *h)
{
    uint64_t sleeps0 = stats_of(h).sleeps;
    vc->waits = 0;
    uint64_t t0 = vc->t;
    uint64_t v = 7;
    if (cosmosb_pipe_role(h) == COSMOSB_ROLE_CONSUMER)
        ASSERT_RC(recv_u64(h, &v, NULL, 20 * MS), COSMOSB_ETIMEDOUT);
    else
        ASSERT_RC(send_u64(h, v, 0, 20 * MS), COSMOSB_ETIMEDOUT);
    cr_assert_geq(vc->t - t0, 20 * MS, "a 20 ms timeout expired after %llu virtual ns",
                  (unsigned long long)(vc->t - t0));
    uint64_t slept = stats_of(h).sleeps - sleeps0;
    cr_assert_eq(slept != 0, vc->waits != 0, "stats.sleeps went up by %llu, wait32 called %llu times",
                 (unsigned long long)slept, (unsigned long long)vc->waits);
    return vc->waits ? vc->first_wait_at - t0 : UINT64_MAX;
}

Test(core_vclock, spin_budget_is_spent_before_sleeping)
{
    struct vclock vc = {0};
    cosmosb_platform_t plat = *cosmosb_platform_default();
    plat.ctx = &vc;
    plat.now_ns = vc_now;
    plat.wait32 = vc_wait32;
    struct fx f;
    fx_open(&f, &plat, COSMOSB_PIPE_SPSC, 2, 0, 16, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    /* consumer on an empty pipe; producer on a full one */
    for (int side = 0; side < 2; side++) {
        cosmosb_pipe_t *h = side == 0 ? f.c : f.p[0];
        if (side == 1) {
            ASSERT_RC(send_u64(f.p[0], 1, 0, 0), COSMOSB_OK);
            ASSERT_RC(send_u64(f.p[0], 2, 0, 0), COSMOSB_OK);
        }
        const char *who = side == 0 ? "receive" : "send";
        /* the default budget is 50 µs */
        uint64_t d = vc_time_to_sleep(&vc, h);
        cr_assert(d >= 50000 && d < 1 * MS, "default budget: %s slept after %llu ns", who,
                  (unsigned long long)d);
        /* 0 sleeps at once: it does not spend the default budget first */
        ASSERT_RC(cosmosb_pipe_set_spin_ns(h, 0), COSMOSB_OK);
        d = vc_time_to_sleep(&vc, h);
        cr_assert_lt(d, 50000u, "spin 0: %s slept after %llu ns", who, (unsigned long long)d);
        /* a 1 ms budget is spent before the first sleep */
        ASSERT_RC(cosmosb_pipe_set_spin_ns(h, 1 * MS), COSMOSB_OK);
        d = vc_time_to_sleep(&vc, h);
        cr_assert(d >= 1 * MS && d < 20 * MS, "spin 1 ms: %s slept after %llu ns", who,
                  (unsigned long long)d);
        /* a budget longer than the timeout: the call spins to its deadline and never sleeps */
        ASSERT_RC(cosmosb_pipe_set_spin_ns(h, UINT64_MAX), COSMOSB_OK);
        d = vc_time_to_sleep(&vc, h);
        cr_assert_eq(d, UINT64_MAX, "huge budget: %s slept after %llu ns of a 20 ms wait", who,
                     (unsigned long long)d);
    }
    expect_u64(f.c, 1, 0);
    expect_u64(f.c, 2, 0);
    fx_free(&f);
}

/*
 * A peer that closes and then drops its liveness (the Linux layer closes its
 * liveness lock after its close: docs/liveness.md) between the survivor's
 * look at its close and the survivor's liveness verdict has closed, not
 * died. The platform below closes the peer from inside peer_alive and then
 * answers DEAD, the worst moment: the survivor must report ECLOSED.
 */
struct close_then_dead {
    cosmosb_platform_t plat;
    cosmosb_pipe_t *victim;
    uint32_t calls;
};

static int ctd_peer_alive(void *ctx, uint32_t id)
{
    struct close_then_dead *c = ctx;
    (void)id;
    c->calls++;
    if (c->victim) {
        cosmosb_pipe_close_endpoint(c->victim);
        c->victim = NULL;
    }
    return COSMOSB_PEER_DEAD;
}

static uint32_t ctd_self_id(void *ctx)
{
    (void)ctx;
    return 4242;
}

static void ctd_init(struct close_then_dead *c)
{
    memset(c, 0, sizeof *c);
    c->plat = *cosmosb_platform_default();
    c->plat.ctx = c;
    c->plat.peer_alive = ctd_peer_alive;
    c->plat.self_id = ctd_self_id;
}

Test(core_hooks, a_producer_that_closes_just_before_the_liveness_verdict_has_closed)
{
    struct close_then_dead h;
    ctd_init(&h);
    struct fx f;
    fx_open(&f, &h.plat, COSMOSB_PIPE_SPSC, 4, 0, 64, 1);
    ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
    uint64_t v = 5;
    ASSERT_RC(cosmosb_pipe_send(f.p[0], 1, &v, sizeof v, 0, 0), COSMOSB_OK);
    h.victim = f.p[0];
    f.p[0] = NULL; /* closed by the hook */
    ASSERT_RC(cosmosb_pipe_check_peer(f.c), COSMOSB_ECLOSED);
    cr_assert_gt(h.calls, 0u);
    cosmosb_msg_info_t info;
    ASSERT_RC(cosmosb_pipe_recv(f.c, &v, sizeof v, &info, 0), COSMOSB_OK); /* its message is delivered */
    cr_assert_eq(v, 5u);
    ASSERT_RC(cosmosb_pipe_recv(f.c, &v, sizeof v, &info, 0), COSMOSB_ECLOSED);
    fx_free(&f);
}

Test(core_hooks, a_consumer_that_closes_just_before_the_liveness_verdict_has_closed)
{
    for (int blocked = 0; blocked < 2; blocked++) {
        struct close_then_dead h;
        ctd_init(&h);
        struct fx f;
        fx_open(&f, &h.plat, COSMOSB_PIPE_SPSC, 2, 0, 64, 1);
        ASSERT_RC(fx_add(&f, 0), COSMOSB_OK);
        h.victim = f.c;
        f.c = NULL; /* closed by the hook */
        if (blocked) {
            /* A send blocked on a full lane: its first sleep asks about the consumer. */
            uint64_t v = 1;
            ASSERT_RC(cosmosb_pipe_send(f.p[0], 1, &v, sizeof v, 0, 0), COSMOSB_OK);
            ASSERT_RC(cosmosb_pipe_send(f.p[0], 1, &v, sizeof v, 0, 0), COSMOSB_OK);
            ASSERT_RC(cosmosb_pipe_send(f.p[0], 1, &v, sizeof v, 0, 50 * MS), COSMOSB_ECLOSED);
        } else {
            ASSERT_RC(cosmosb_pipe_check_peer(f.p[0]), COSMOSB_ECLOSED);
        }
        cr_assert_eq(h.calls, 1u, "blocked %d: %u verdicts", blocked, h.calls);
        fx_free(&f);
    }
}

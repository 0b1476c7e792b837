/*
 * fuzz_common.h - helpers shared by the libcosmosb fuzz harnesses (fuzz/).
 *
 * fuzz_input: reads the fuzzer's bytes as a stream of small integers (zero
 * once exhausted), so each harness is a loop of input-chosen operations.
 * fuzz_platform: a deterministic host (cosmosb_platform_t) with a virtual
 * clock that every look at the time and every wait advances, so a bounded
 * timeout always expires after a bounded number of steps, whatever the
 * shared memory says; peer liveness is chosen by the harness.
 * FUZZ_CHECK: a broken promise aborts (libFuzzer reports it as a crash).
 */
#ifndef COSMOSB_FUZZ_COMMON_H
#define COSMOSB_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"

#define FUZZ_CHECK(cond, ...)                                                        \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: broken promise: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* 0, or one of the library's negative COSMOSB_E* codes. */
static inline int fuzz_is_result(int rc)
{
    return rc == 0 || (rc <= -1 && rc >= COSMOSB__ERR_MIN);
}

#define FUZZ_CHECK_RESULT(rc, what) \
    FUZZ_CHECK(fuzz_is_result(rc), "%s returned %d, not 0 or a COSMOSB_E* code", what, (rc))

struct fuzz_input {
    const uint8_t *data;
    size_t size;
    size_t pos;
};

static inline void fuzz_input_init(struct fuzz_input *in, const uint8_t *data, size_t size)
{
    in->data = data;
    in->size = size;
    in->pos = 0;
}

static inline int fuzz_input_left(const struct fuzz_input *in)
{
    return in->pos < in->size;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
    uint16_t lo = fuzz_u8(in);
    return (uint16_t)(lo | (uint16_t)fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
    uint32_t lo = fuzz_u16(in);
    return lo | (uint32_t)fuzz_u16(in) << 16;
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
    uint64_t lo = fuzz_u32(in);
    return lo | (uint64_t)fuzz_u32(in) << 32;
}

/* Copies up to n input bytes into dst (zero-filling the rest); returns how many came from the input. */
static inline size_t fuzz_bytes(struct fuzz_input *in, void *dst, size_t n)
{
    size_t avail = in->size - in->pos;
    size_t take = n < avail ? n : avail;
    if (take)
        memcpy(dst, in->data + in->pos, take);
    if (take < n)
        memset((uint8_t *)dst + take, 0, n - take);
    in->pos += take;
    return take;
}

/* Words that make indices, lengths and counts interesting. */
static inline uint32_t fuzz_nasty_u32(struct fuzz_input *in)
{
    static const uint32_t nasty[] = {0,          1,          2,          3,          7,
                                     8,          15,         16,         63,         64,
                                     0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu,
                                     0x10000u};
    return nasty[fuzz_u8(in) % (sizeof nasty / sizeof nasty[0])];
}

/* Writes input-chosen garbage at an input-chosen offset of [base, base+size). */
static inline void fuzz_scribble(struct fuzz_input *in, uint8_t *base, size_t size)
{
    if (size < 8)
        return;
    size_t off = (size_t)fuzz_u32(in) % (size - 7);
    switch (fuzz_u8(in) % 6) {
    case 0:
        base[off] = fuzz_u8(in);
        break;
    case 1: {
        uint32_t w = fuzz_u32(in);
        memcpy(base + (off & ~(size_t)3), &w, 4);
        break;
    }
    case 2: {
        uint32_t w = fuzz_nasty_u32(in);
        memcpy(base + (off & ~(size_t)3), &w, 4);
        break;
    }
    case 3: { /* an index nudged by a little */
        uint32_t w;
        memcpy(&w, base + (off & ~(size_t)3), 4);
        w += (uint32_t)(int32_t)(int8_t)fuzz_u8(in);
        memcpy(base + (off & ~(size_t)3), &w, 4);
        break;
    }
    case 4: {
        uint64_t w = fuzz_u64(in);
        memcpy(base + (off & ~(size_t)7), &w, 8);
        break;
    }
    default: { /* a run of input bytes */
        size_t n = fuzz_u8(in) % 32;
        if (n > size - off)
            n = size - off;
        fuzz_bytes(in, base + off, n);
        break;
    }
    }
}

/* ------------------------------------------------------------------------ */
/* A deterministic platform. */

struct fuzz_host {
    uint64_t now;          /* virtual nanoseconds */
    uint32_t self;         /* what self_id returns next */
    uint32_t dead_mask;    /* peer ids 1..31 whose bit is set are dead */
    uint64_t hook_calls;   /* every hook call, to bound the work per input */
};

#define FUZZ_HOOK_BUDGET 2000000u

static inline void fuzz_host_step(struct fuzz_host *h)
{
    h->hook_calls++;
    FUZZ_CHECK(h->hook_calls < FUZZ_HOOK_BUDGET, "%llu platform calls for one input: a loop that does not end",
               (unsigned long long)h->hook_calls);
}

static inline int fuzz_host_wait32(void *ctx, const void *addr, uint32_t expected, uint64_t timeout_ns)
{
    struct fuzz_host *h = ctx;
    (void)addr;
    (void)expected;
    fuzz_host_step(h);
    /* Nobody else runs: sleeping would never end. Pretend the time passed. */
    h->now += timeout_ns < 1000000u ? timeout_ns + 1 : 1000000u;
    return COSMOSB_ETIMEDOUT;
}

static inline void fuzz_host_wake32(void *ctx, const void *addr, uint32_t count)
{
    (void)addr;
    (void)count;
    fuzz_host_step(ctx);
}

static inline uint64_t fuzz_host_now(void *ctx)
{
    struct fuzz_host *h = ctx;
    fuzz_host_step(h);
    h->now += 1000;
    return h->now;
}

static inline void fuzz_host_yield(void *ctx)
{
    struct fuzz_host *h = ctx;
    fuzz_host_step(h);
    h->now += 1000;
}

static inline int fuzz_host_peer_alive(void *ctx, uint32_t peer_id)
{
    struct fuzz_host *h = ctx;
    fuzz_host_step(h);
    uint32_t low = peer_id & 0x3fffffu;
    if (low >= 1 && low < 32)
        return (h->dead_mask >> low) & 1u ? COSMOSB_PEER_DEAD : COSMOSB_PEER_ALIVE;
    return COSMOSB_PEER_UNKNOWN;
}

static inline uint32_t fuzz_host_self_id(void *ctx)
{
    struct fuzz_host *h = ctx;
    return h->self;
}

static inline void fuzz_host_notify(void *ctx, void *channel)
{
    (void)channel;
    fuzz_host_step(ctx);
}

static inline void fuzz_host_init(struct fuzz_host *h, cosmosb_platform_t *plat)
{
    memset(h, 0, sizeof *h);
    h->now = 1000000000u;
    h->self = 1;
    memset(plat, 0, sizeof *plat);
    plat->ctx = h;
    plat->wait32 = fuzz_host_wait32;
    plat->wake32 = fuzz_host_wake32;
    plat->now_ns = fuzz_host_now;
    plat->yield = fuzz_host_yield;
    plat->peer_alive = fuzz_host_peer_alive;
    plat->self_id = fuzz_host_self_id;
    plat->notify = fuzz_host_notify;
}

/* A bounded timeout: none, a few microseconds, or a millisecond (virtual). */
static inline uint64_t fuzz_timeout(struct fuzz_input *in)
{
    switch (fuzz_u8(in) % 4) {
    case 0:
        return 2000;
    case 1:
        return 1000000;
    default:
        return COSMOSB_TIMEOUT_NONE;
    }
}

#endif /* COSMOSB_FUZZ_COMMON_H */

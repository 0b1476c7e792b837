/*
 * peer_ck.c: Concurrency Kit's ck_ring as a peer of libcosmosb (built only
 * when pkg-config finds `ck`, Debian's libck-dev).
 *
 * The ring and its buffer live in anonymous MAP_SHARED memory made before
 * fork, so producer and consumer are separate processes, as for libcosmosb.
 * Messages are copied into and out of the ring by value with the typed
 * interface CK_RING_PROTOTYPE (one instance per payload size), which is how
 * ck_ring carries data that is not a pointer. ck_ring has no batch call and
 * no way to sleep: a batch is `batch` single calls, and waiting is polling.
 */
#include "bench_internal.h"
#include "bench_peers.h"

#include <ck_ring.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ck8 {
    unsigned char b[8];
};
struct ck64 {
    unsigned char b[64];
};
struct ck512 {
    unsigned char b[512];
};
CK_RING_PROTOTYPE(ck8, ck8)
CK_RING_PROTOTYPE(ck64, ck64)
CK_RING_PROTOTYPE(ck512, ck512)

/* One ring in shared memory: the ck_ring (its indices on their own lines)
 * and then the buffer of `cap` entries. */
struct ck_shm {
    _Alignas(64) struct ck_ring ring;
    _Alignas(64) unsigned char buf[];
};

static size_t ck_shm_size(uint32_t cap, uint32_t payload)
{
    return sizeof(struct ck_shm) + (size_t)cap * payload;
}

static struct ck_shm *ck_shm_new(uint32_t cap, uint32_t payload)
{
    struct ck_shm *s = bench_shared_alloc(ck_shm_size(cap, payload));
    if (s)
        ck_ring_init(&s->ring, cap);
    return s;
}

/* The typed calls, chosen by payload size. `mp`: the multi-producer enqueue. */
static bool ck_put(struct ck_shm *s, uint32_t payload, bool mp, void *msg)
{
    switch (payload) {
    case 8:
        return mp ? ck_ring_enqueue_mpsc_ck8(&s->ring, (struct ck8 *)(void *)s->buf, msg)
                  : ck_ring_enqueue_spsc_ck8(&s->ring, (struct ck8 *)(void *)s->buf, msg);
    case 64:
        return mp ? ck_ring_enqueue_mpsc_ck64(&s->ring, (struct ck64 *)(void *)s->buf, msg)
                  : ck_ring_enqueue_spsc_ck64(&s->ring, (struct ck64 *)(void *)s->buf, msg);
    default:
        return mp ? ck_ring_enqueue_mpsc_ck512(&s->ring, (struct ck512 *)(void *)s->buf, msg)
                  : ck_ring_enqueue_spsc_ck512(&s->ring, (struct ck512 *)(void *)s->buf, msg);
    }
}

static bool ck_get(struct ck_shm *s, uint32_t payload, void *msg)
{
    switch (payload) {
    case 8: return ck_ring_dequeue_spsc_ck8(&s->ring, (struct ck8 *)(void *)s->buf, msg);
    case 64: return ck_ring_dequeue_spsc_ck64(&s->ring, (struct ck64 *)(void *)s->buf, msg);
    default: return ck_ring_dequeue_spsc_ck512(&s->ring, (struct ck512 *)(void *)s->buf, msg);
    }
}

static uint64_t get_seq(const unsigned char *m)
{
    uint64_t s;
    memcpy(&s, m, sizeof s);
    return s;
}

/* ===== round trip: two SPSC rings of 64 entries, busy polling ============ */

struct ck_rt {
    struct ck_shm *dir[2]; /* [0]: to the echo side, [1]: back */
    unsigned char msg[BENCH_RT_MSG];
};

static int ckrt_prepare(void *st)
{
    struct ck_rt *s = st;
    s->dir[0] = ck_shm_new(64, BENCH_RT_MSG);
    s->dir[1] = ck_shm_new(64, BENCH_RT_MSG);
    memset(s->msg, 0x5a, sizeof s->msg);
    return s->dir[0] && s->dir[1] ? 0 : -ENOMEM;
}

static int ckrt_echo(void *st, uint64_t n)
{
    struct ck_rt *s = st;
    unsigned char m[BENCH_RT_MSG];
    for (uint64_t seq = 1; seq <= n; seq++) {
        while (!ck_get(s->dir[0], BENCH_RT_MSG, m))
            bench_cpu_relax();
        if (get_seq(m) != seq)
            return 1;
        while (!ck_put(s->dir[1], BENCH_RT_MSG, false, m))
            bench_cpu_relax();
    }
    return 0;
}

static int ckrt_ping(void *st, uint64_t seq)
{
    struct ck_rt *s = st;
    memcpy(s->msg, &seq, sizeof seq);
    while (!ck_put(s->dir[0], BENCH_RT_MSG, false, s->msg))
        bench_cpu_relax();
    while (!ck_get(s->dir[1], BENCH_RT_MSG, s->msg))
        bench_cpu_relax();
    return get_seq(s->msg) == seq ? 0 : -EPROTO;
}

static void ckrt_cleanup(void *st)
{
    struct ck_rt *s = st;
    for (int i = 0; i < 2; i++)
        bench_shared_free(s->dir[i], ck_shm_size(64, BENCH_RT_MSG));
}

int bench_rt_ck(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    static const rt_impl_t impl = { ckrt_prepare, ckrt_echo, NULL, ckrt_ping, ckrt_cleanup };
    struct ck_rt s = { 0 };
    return bench_run_rt(&impl, &s, p, r);
}

/* ===== streaming ========================================================== */

struct ck_stream {
    struct ck_shm *shm;
    uint32_t cap;
    bool mp;
};

static int cks_prepare(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct ck_stream *s = st;
    if (p->payload != 8 && p->payload != 64 && p->payload != 512)
        return -EINVAL;
    s->cap = p->capacity ? p->capacity : 1024;
    s->mp = nprod > 1;
    s->shm = ck_shm_new(s->cap, p->payload);
    return s->shm ? 0 : -ENOMEM;
}

static int cks_produce(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count)
{
    struct ck_stream *s = st;
    unsigned char *buf = malloc((size_t)p->payload * p->batch);
    if (!buf)
        return -ENOMEM;
    memset(buf, 0xa5, (size_t)p->payload * p->batch);
    for (uint64_t sent = 0; sent < count;) {
        uint64_t k = count - sent < p->batch ? count - sent : p->batch;
        for (uint64_t i = 0; i < k; i++) {
            uint64_t seq = SEQ_MAKE(idx, sent + i);
            memcpy(buf + i * p->payload, &seq, sizeof seq);
        }
        for (uint64_t i = 0; i < k; i++) {
            while (!ck_put(s->shm, p->payload, s->mp, buf + i * p->payload))
                bench_cpu_relax();
        }
        sent += k;
    }
    free(buf);
    return 0;
}

static int cks_consume(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                       bench_stream_result_t *r)
{
    struct ck_stream *s = st;
    unsigned char *buf = malloc((size_t)p->payload * p->batch);
    if (!buf)
        return -ENOMEM;
    uint64_t expect[2] = { 0, 0 };
    uint64_t got = 0, idle = 0, t0 = bench_now_ns();
    int rc = 0;
    while (got < total) {
        uint64_t want = total - got < p->batch ? total - got : p->batch, k = 0;
        while (k < want && ck_get(s->shm, p->payload, buf + k * p->payload))
            k++;
        if (k == 0) {
            bench_cpu_relax();
            /* A producer stalled for good (preempted in the middle of an MP enqueue) would
             * hold the consumer here: the time budget ends such a measurement. */
            if (p->time_budget_ns && (++idle & 1023) == 0 && bench_now_ns() - t0 > p->time_budget_ns) {
                r->stopped = true;
                r->delivered = got;
                break;
            }
            continue;
        }
        for (uint64_t i = 0; i < k; i++) {
            if (bench_check_seq(get_seq(buf + i * p->payload), expect, nprod, r) != 0) {
                rc = -EPROTO;
                goto out;
            }
        }
        got += k;
        if (p->time_budget_ns && (got & 65535) < k && bench_now_ns() - t0 > p->time_budget_ns && got < total) {
            r->stopped = true;
            r->delivered = got;
            break;
        }
    }
out:
    free(buf);
    return rc;
}

static void cks_cleanup(void *st, const bench_stream_params_t *p)
{
    struct ck_stream *s = st;
    bench_shared_free(s->shm, ck_shm_size(s->cap, p->payload));
}

int bench_stream_ck(const bench_stream_params_t *p, uint32_t nprod, bench_stream_result_t *r)
{
    static const stream_impl_t impl = { cks_prepare, NULL, cks_produce, NULL, cks_consume, cks_cleanup };
    struct ck_stream s = { 0 };
    return bench_run_stream(&impl, &s, p, nprod, r);
}

/* ===== instruction count phases (run under callgrind) ====================== */

#define OPC_CAP 1024u

void *bench_opc_ck_new(void)
{
    return ck_shm_new(OPC_CAP, 64);
}

__attribute__((noinline)) void bench_opc_ck_send(void *ring, unsigned n)
{
    struct ck64 m;
    memset(&m, 0x5a, sizeof m);
    for (unsigned i = 0; i < n; i++) {
        memcpy(m.b, &i, sizeof i);
        if (!ck_ring_enqueue_spsc_ck64(&((struct ck_shm *)ring)->ring, (struct ck64 *)(void *)((struct ck_shm *)ring)->buf, &m))
            abort();
    }
}

__attribute__((noinline)) void bench_opc_ck_recv(void *ring, unsigned n)
{
    struct ck64 m;
    for (unsigned i = 0; i < n; i++) {
        if (!ck_ring_dequeue_spsc_ck64(&((struct ck_shm *)ring)->ring, (struct ck64 *)(void *)((struct ck_shm *)ring)->buf, &m))
            abort();
        __asm__ __volatile__("" : : "r"(&m) : "memory");
    }
}

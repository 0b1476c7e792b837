/*
 * peer_dpdk.c: DPDK's rte_ring as a peer of libcosmosb (built only when
 * pkg-config finds `libdpdk`, Debian's libdpdk-dev).
 *
 * No EAL: rte_ring_init() lays a ring out in memory we provide, anonymous
 * MAP_SHARED memory made before fork, so producer and consumer are separate
 * processes (rte_ring_create would need rte_eal_init and hugepages, and puts
 * the ring in the same kind of shared memory). Elements are the messages
 * themselves, copied by value (the _elem API with esize = payload). SP/SC
 * ring for one producer, MP/SC (the default "MT" enqueue) for two. Batches
 * use the burst calls. rte_ring cannot sleep: waiting is polling.
 */
#include "bench_internal.h"
#include "bench_peers.h"

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t get_seq(const unsigned char *m)
{
    uint64_t s;
    memcpy(&s, m, sizeof s);
    return s;
}

struct rte_shm {
    struct rte_ring *ring;
    size_t size;
};

static int rte_shm_new(struct rte_shm *s, const char *name, uint32_t cap, uint32_t esize, unsigned flags)
{
    ssize_t sz = rte_ring_get_memsize_elem(esize, cap);
    if (sz < 0)
        return (int)sz;
    s->size = (size_t)sz;
    s->ring = bench_shared_alloc(s->size);
    if (!s->ring)
        return -ENOMEM;
    int rc = rte_ring_init(s->ring, name, cap, flags);
    if (rc != 0) {
        bench_shared_free(s->ring, s->size);
        s->ring = NULL;
    }
    return rc;
}

static void rte_shm_free(struct rte_shm *s)
{
    bench_shared_free(s->ring, s->size);
    s->ring = NULL;
}

/* ===== round trip: two SP/SC rings of 64 entries, busy polling ========== */

struct rte_rt {
    struct rte_shm dir[2]; /* [0]: to the echo side, [1]: back */
    unsigned char msg[BENCH_RT_MSG];
};

static int rtert_prepare(void *st)
{
    struct rte_rt *s = st;
    memset(s->msg, 0x5a, sizeof s->msg);
    int rc = rte_shm_new(&s->dir[0], "cbench-rt0", 64, BENCH_RT_MSG, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (rc == 0)
        rc = rte_shm_new(&s->dir[1], "cbench-rt1", 64, BENCH_RT_MSG, RING_F_SP_ENQ | RING_F_SC_DEQ);
    return rc;
}

static int rtert_echo(void *st, uint64_t n)
{
    struct rte_rt *s = st;
    unsigned char m[BENCH_RT_MSG];
    for (uint64_t seq = 1; seq <= n; seq++) {
        while (rte_ring_dequeue_elem(s->dir[0].ring, m, BENCH_RT_MSG) != 0)
            bench_cpu_relax();
        if (get_seq(m) != seq)
            return 1;
        while (rte_ring_enqueue_elem(s->dir[1].ring, m, BENCH_RT_MSG) != 0)
            bench_cpu_relax();
    }
    return 0;
}

static int rtert_ping(void *st, uint64_t seq)
{
    struct rte_rt *s = st;
    memcpy(s->msg, &seq, sizeof seq);
    while (rte_ring_enqueue_elem(s->dir[0].ring, s->msg, BENCH_RT_MSG) != 0)
        bench_cpu_relax();
    while (rte_ring_dequeue_elem(s->dir[1].ring, s->msg, BENCH_RT_MSG) != 0)
        bench_cpu_relax();
    return get_seq(s->msg) == seq ? 0 : -EPROTO;
}

static void rtert_cleanup(void *st)
{
    struct rte_rt *s = st;
    rte_shm_free(&s->dir[0]);
    rte_shm_free(&s->dir[1]);
}

int bench_rt_rte(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    static const rt_impl_t impl = { rtert_prepare, rtert_echo, NULL, rtert_ping, rtert_cleanup };
    struct rte_rt s;
    memset(&s, 0, sizeof s);
    return bench_run_rt(&impl, &s, p, r);
}

/* ===== streaming ========================================================== */

struct rte_stream {
    struct rte_shm shm;
};

static int rtes_prepare(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct rte_stream *s = st;
    if (p->payload % 4 != 0)
        return -EINVAL;
    unsigned flags = RING_F_SC_DEQ | (nprod > 1 ? 0 : RING_F_SP_ENQ);
    return rte_shm_new(&s->shm, "cbench-stream", p->capacity ? p->capacity : 1024, p->payload, flags);
}

static int rtes_produce(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count)
{
    struct rte_stream *s = st;
    struct rte_ring *rg = s->shm.ring;
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
        if (p->batch == 1) {
            while (rte_ring_enqueue_elem(rg, buf, p->payload) != 0)
                bench_cpu_relax();
        } else {
            /* Burst: as many as fit; the rest next. */
            uint64_t done = 0;
            while (done < k) {
                unsigned n = rte_ring_enqueue_burst_elem(rg, buf + done * p->payload, p->payload,
                                                         (unsigned)(k - done), NULL);
                if (n == 0)
                    bench_cpu_relax();
                done += n;
            }
        }
        sent += k;
    }
    free(buf);
    return 0;
}

static int rtes_consume(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                        bench_stream_result_t *r)
{
    struct rte_stream *s = st;
    struct rte_ring *rg = s->shm.ring;
    unsigned char *buf = malloc((size_t)p->payload * p->batch);
    if (!buf)
        return -ENOMEM;
    uint64_t expect[2] = { 0, 0 };
    uint64_t got = 0, idle = 0, t0 = bench_now_ns();
    int rc = 0;
    while (got < total) {
        uint64_t want = total - got < p->batch ? total - got : p->batch, k;
        if (p->batch == 1)
            k = rte_ring_dequeue_elem(rg, buf, p->payload) == 0 ? 1 : 0;
        else
            k = rte_ring_dequeue_burst_elem(rg, buf, p->payload, (unsigned)want, NULL);
        if (k == 0) {
            bench_cpu_relax();
            /* Two producers on one CPU: one preempted between its head and tail updates
             * stalls the other (and the consumer); the time budget ends the measurement. */
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

static void rtes_cleanup(void *st, const bench_stream_params_t *p)
{
    struct rte_stream *s = st;
    (void)p;
    rte_shm_free(&s->shm);
}

int bench_stream_rte(const bench_stream_params_t *p, uint32_t nprod, bench_stream_result_t *r)
{
    static const stream_impl_t impl = { rtes_prepare, NULL, rtes_produce, NULL, rtes_consume, rtes_cleanup };
    struct rte_stream s;
    memset(&s, 0, sizeof s);
    return bench_run_stream(&impl, &s, p, nprod, r);
}

/* ===== instruction count phases (run under callgrind) ====================== */

#define OPC_CAP 1024u

void *bench_opc_rte_new(void)
{
    struct rte_shm *s = calloc(1, sizeof *s);
    if (s && rte_shm_new(s, "cbench-opc", OPC_CAP, 64, RING_F_SP_ENQ | RING_F_SC_DEQ) != 0) {
        free(s);
        s = NULL;
    }
    return s ? s->ring : NULL;
}

__attribute__((noinline)) void bench_opc_rte_send(void *ring, unsigned n)
{
    unsigned char m[64];
    memset(m, 0x5a, sizeof m);
    for (unsigned i = 0; i < n; i++) {
        memcpy(m, &i, sizeof i);
        if (rte_ring_enqueue_elem(ring, m, sizeof m) != 0)
            abort();
    }
}

__attribute__((noinline)) void bench_opc_rte_recv(void *ring, unsigned n)
{
    unsigned char m[64];
    for (unsigned i = 0; i < n; i++) {
        if (rte_ring_dequeue_elem(ring, m, sizeof m) != 0)
            abort();
        __asm__ __volatile__("" : : "r"(m) : "memory");
    }
}

__attribute__((noinline)) void bench_opc_rte_send32(void *ring, unsigned n)
{
    unsigned char m[32 * 64];
    memset(m, 0x5a, sizeof m);
    for (unsigned i = 0; i < n; i += 32) {
        memcpy(m, &i, sizeof i);
        if (rte_ring_enqueue_burst_elem(ring, m, 64, 32, NULL) != 32)
            abort();
    }
}

__attribute__((noinline)) void bench_opc_rte_recv32(void *ring, unsigned n)
{
    unsigned char m[32 * 64];
    for (unsigned i = 0; i < n; i += 32) {
        if (rte_ring_dequeue_burst_elem(ring, m, 64, 32, NULL) != 32)
            abort();
        __asm__ __volatile__("" : : "r"(m) : "memory");
    }
}

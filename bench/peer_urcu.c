/*
 * peer_urcu.c: liburcu's wait-free concurrent queue (cds_wfcq) as an MPSC
 * peer of libcosmosb (built only when pkg-config finds `liburcu-cds`,
 * Debian's liburcu-dev).
 *
 * cds_wfcq links nodes by pointer, so it works inside one process only: the
 * producers and the consumer are threads here (libcosmosb's MPSC figures are
 * between processes). The queue is unbounded; to compare like with like,
 * each producer has a pool of `capacity` nodes (the ring size of the other
 * systems) and the consumer gives every node back through a per-producer
 * wait-free stack (cds_wfs_push; the producer takes them all at once with
 * __cds_wfs_pop_all when its free list is empty). A batch is enqueued as a
 * private queue spliced into the shared one (__cds_wfcq_splice_blocking),
 * and the consumer of a batch splices the whole shared queue out at once.
 * The static (_LGPL_SOURCE) inline versions are used, as a performance user
 * would. Waiting is polling (the consumer's empty check does not sleep).
 */
#define _LGPL_SOURCE 1
#include "bench_internal.h"
#include "bench_peers.h"

#include <urcu/wfcqueue.h>
#include <urcu/wfstack.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unode {
    struct cds_wfcq_node q; /* first: the queue links it */
    struct cds_wfs_node s;  /* for the way back */
    uint32_t prod;
    unsigned char payload[]; /* `payload` bytes */
};

struct uprod {
    struct cds_wfs_stack back; /* nodes the consumer has finished with */
    unsigned char *pool;
    pthread_t thread;
    int cpu;
    uint32_t idx;
    uint64_t count;
    int rc;
    struct ushared *sh;
};

struct ushared {
    _Alignas(64) struct cds_wfcq_head head;
    _Alignas(64) struct cds_wfcq_tail tail;
    _Alignas(64) atomic_int go;
    atomic_int stop;
    const bench_stream_params_t *p;
    size_t node_size;
    struct uprod prod[2];
};

static int pin_thread(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static struct unode *node_at(struct uprod *pr, size_t node_size, uint32_t i)
{
    return (struct unode *)(void *)(pr->pool + (size_t)i * node_size);
}

static void *producer(void *arg)
{
    struct uprod *pr = arg;
    struct ushared *sh = pr->sh;
    const bench_stream_params_t *p = sh->p;
    pin_thread(pr->cpu);
    /* Local free list: a chain of wfs nodes taken from `back`, or the pool at first. */
    uint32_t cap = p->capacity ? p->capacity : 1024, fresh = 0;
    struct cds_wfs_head *freelist = NULL;
    struct cds_wfs_node *next_free = NULL;
    while (!atomic_load_explicit(&sh->go, memory_order_acquire))
        sched_yield();
    struct __cds_wfcq_head bhead;
    struct cds_wfcq_tail btail;
    for (uint64_t sent = 0; sent < pr->count;) {
        uint64_t k = pr->count - sent < p->batch ? pr->count - sent : p->batch;
        if (k > 1)
            __cds_wfcq_init(&bhead, &btail);
        for (uint64_t i = 0; i < k; i++) {
            struct unode *n;
            if (fresh < cap) {
                n = node_at(pr, sh->node_size, fresh++);
            } else {
                while (!next_free) {
                    if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
                        return NULL;
                    freelist = __cds_wfs_pop_all(&pr->back);
                    next_free = freelist ? cds_wfs_first(freelist) : NULL;
                    if (!next_free)
                        bench_cpu_relax();
                }
                struct cds_wfs_node *w = next_free;
                next_free = cds_wfs_next_blocking(w);
                n = caa_container_of(w, struct unode, s);
            }
            cds_wfcq_node_init(&n->q);
            n->prod = pr->idx;
            uint64_t seq = SEQ_MAKE(pr->idx, sent + i);
            memset(n->payload, 0xa5, p->payload);
            memcpy(n->payload, &seq, sizeof seq);
            if (k == 1)
                cds_wfcq_enqueue(&sh->head, &sh->tail, &n->q);
            else
                cds_wfcq_enqueue(&bhead, &btail, &n->q);
        }
        if (k > 1)
            __cds_wfcq_splice_blocking(&sh->head, &sh->tail, &bhead, &btail);
        sent += k;
    }
    return NULL;
}

static int consume_node(struct ushared *sh, struct cds_wfcq_node *qn, unsigned char *buf, uint64_t *expect,
                        uint32_t nprod, bench_stream_result_t *r)
{
    struct unode *n = caa_container_of(qn, struct unode, q);
    memcpy(buf, n->payload, sh->p->payload);
    uint32_t idx = n->prod;
    cds_wfs_node_init(&n->s);
    if (idx >= nprod) {
        snprintf(r->what, sizeof r->what, "bad producer index %u", idx);
        return -1;
    }
    cds_wfs_push(&sh->prod[idx].back, &n->s);
    uint64_t seq;
    memcpy(&seq, buf, sizeof seq);
    return bench_check_seq(seq, expect, nprod, r);
}

int bench_stream_urcu(const bench_stream_params_t *p, uint32_t nprod, bench_stream_result_t *r)
{
    memset(r, 0, sizeof *r);
    if (nprod < 1 || nprod > 2)
        return r->err = -EINVAL;
    struct ushared *sh = calloc(1, sizeof *sh);
    unsigned char *buf = malloc(p->payload);
    if (!sh || !buf) {
        free(sh);
        free(buf);
        return r->err = -ENOMEM;
    }
    uint32_t cap = p->capacity ? p->capacity : 1024;
    sh->p = p;
    sh->node_size = (sizeof(struct unode) + p->payload + 63u) & ~(size_t)63u;
    cds_wfcq_init(&sh->head, &sh->tail);
    int rc = 0;
    uint32_t started = 0;
    uint64_t per = p->messages / nprod;
    for (uint32_t i = 0; i < nprod; i++) {
        struct uprod *pr = &sh->prod[i];
        cds_wfs_init(&pr->back);
        pr->pool = aligned_alloc(64, sh->node_size * cap);
        if (!pr->pool) {
            rc = -ENOMEM;
            goto out;
        }
        memset(pr->pool, 0, sh->node_size * cap);
        pr->sh = sh;
        pr->idx = i;
        pr->count = per;
        pr->cpu = i == 0 ? p->cpu_producer : p->cpu_producer2;
    }
    pin_thread(p->cpu_consumer);
    for (uint32_t i = 0; i < nprod; i++) {
        if (pthread_create(&sh->prod[i].thread, NULL, producer, &sh->prod[i]) != 0) {
            rc = -EAGAIN;
            snprintf(r->what, sizeof r->what, "pthread_create");
            atomic_store(&sh->stop, 1);
            goto join;
        }
        started++;
    }
    uint64_t expect[2] = { 0, 0 }, got = 0, total = per * nprod, idle = 0;
    uint64_t t0 = bench_now_ns();
    atomic_store_explicit(&sh->go, 1, memory_order_release);
    struct __cds_wfcq_head lhead;
    struct cds_wfcq_tail ltail;
    while (got < total) {
        if (p->batch == 1) {
            struct cds_wfcq_node *qn = __cds_wfcq_dequeue_nonblocking(&sh->head, &sh->tail);
            if (qn && qn != CDS_WFCQ_WOULDBLOCK) {
                if (consume_node(sh, qn, buf, expect, nprod, r) != 0) {
                    rc = -EPROTO;
                    break;
                }
                got++;
                continue;
            }
        } else if (!cds_wfcq_empty(&sh->head, &sh->tail)) {
            /* Take the whole queue, then walk it privately. */
            __cds_wfcq_init(&lhead, &ltail);
            __cds_wfcq_splice_blocking(&lhead, &ltail, &sh->head, &sh->tail);
            struct cds_wfcq_node *qn, *nx;
            uint64_t k = 0;
            __cds_wfcq_for_each_blocking_safe(&lhead, &ltail, qn, nx)
            {
                if (consume_node(sh, qn, buf, expect, nprod, r) != 0) {
                    rc = -EPROTO;
                    break;
                }
                k++;
            }
            got += k;
            if (rc != 0)
                break;
            continue;
        }
        bench_cpu_relax();
        if (p->time_budget_ns && (++idle & 1023) == 0 && bench_now_ns() - t0 > p->time_budget_ns) {
            r->stopped = true;
            r->delivered = got;
            break;
        }
    }
    uint64_t t1 = bench_now_ns();
    if (rc == 0) {
        r->seconds = (double)(t1 - t0) / 1e9;
        r->msgs_per_s = (double)(r->stopped ? r->delivered : got) / r->seconds;
    }
    atomic_store(&sh->stop, 1);
join:
    for (uint32_t i = 0; i < started; i++)
        pthread_join(sh->prod[i].thread, NULL);
out:
    bench_pin(p->cpu_consumer);
    for (uint32_t i = 0; i < nprod; i++)
        free(sh->prod[i].pool);
    free(sh);
    free(buf);
    r->err = rc;
    return rc;
}

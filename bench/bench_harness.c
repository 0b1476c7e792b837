/* bench_harness.c: fork, pin, synchronise, time. Shared by every mechanism. */
#include "bench_internal.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- round trips -------------------------------------------------------- */

struct rt_child_arg {
    const rt_impl_t *impl;
    void *st;
    uint64_t n;
};

static int rt_child(void *arg)
{
    struct rt_child_arg *a = arg;
    return a->impl->echo(a->st, a->n) == 0 ? 0 : 1;
}

int bench_run_rt(const rt_impl_t *impl, void *st, const bench_rt_params_t *p, bench_rt_result_t *r)
{
    memset(r, 0, sizeof *r);
    uint64_t *samples = malloc((size_t)p->samples * sizeof *samples);
    if (!samples) {
        r->err = -ENOMEM;
        snprintf(r->what, sizeof r->what, "malloc");
        return r->err;
    }
    int rc = impl->prepare ? impl->prepare(st) : 0;
    if (rc != 0) {
        r->err = rc;
        snprintf(r->what, sizeof r->what, "prepare failed (%d)", rc);
        free(samples);
        return rc;
    }
    bench_pin(p->cpu_a);
    struct rt_child_arg ca = { impl, st, (uint64_t)p->warmup + p->samples };
    int pid = bench_fork(p->cpu_b, rt_child, &ca);
    if (pid < 0) {
        r->err = -errno;
        snprintf(r->what, sizeof r->what, "fork: %s", strerror(errno));
        impl->cleanup(st);
        free(samples);
        return r->err;
    }
    rc = impl->parent_init ? impl->parent_init(st) : 0;
    if (rc != 0) {
        snprintf(r->what, sizeof r->what, "parent init failed (%d)", rc);
        goto fail;
    }
    uint64_t seq = 1;
    for (uint32_t i = 0; i < p->warmup; i++, seq++) {
        if ((rc = impl->ping(st, seq)) != 0) {
            snprintf(r->what, sizeof r->what, "warm-up round trip %u failed (%d)", i, rc);
            goto fail;
        }
    }
    uint64_t prev = bench_now_ns();
    for (uint32_t i = 0; i < p->samples; i++, seq++) {
        if ((rc = impl->ping(st, seq)) != 0) {
            snprintf(r->what, sizeof r->what, "round trip %u failed (%d)", i, rc);
            goto fail;
        }
        uint64_t t = bench_now_ns();
        samples[i] = t - prev;
        prev = t;
    }
    int st_child = bench_wait(pid);
    pid = -1;
    if (st_child != 0) {
        rc = -EIO;
        snprintf(r->what, sizeof r->what, "echo child exited with status %d", st_child);
        goto fail;
    }
    bench_percentiles(samples, p->samples, &r->median_ns, &r->p99_ns);
    r->p999_ns = bench_quantile_sorted(samples, p->samples, 0.999);
    if (p->samples_out)
        memcpy(p->samples_out, samples, (size_t)p->samples * sizeof *samples);
    impl->cleanup(st);
    free(samples);
    return 0;
fail:
    r->err = rc ? rc : -EIO;
    if (pid > 0) {
        kill(pid, SIGKILL);
        bench_wait(pid);
    }
    impl->cleanup(st);
    free(samples);
    return r->err;
}

/* ---- streaming ---------------------------------------------------------- */

struct stream_ctl {
    _Alignas(64) atomic_uint ready;
    _Alignas(64) atomic_uint go;
};

struct stream_child_arg {
    const stream_impl_t *impl;
    void *st;
    const bench_stream_params_t *p;
    struct stream_ctl *ctl;
    uint32_t idx;
    uint64_t count;
};

static int stream_child(void *arg)
{
    struct stream_child_arg *a = arg;
    int rc = a->impl->producer_init ? a->impl->producer_init(a->st, a->p, a->idx) : 0;
    if (rc != 0) {
        fprintf(stderr, "bench: producer %u init failed (%d)\n", a->idx, rc);
        return 2;
    }
    /* Release/acquire: the producer's setup happens before the consumer starts the clock. */
    atomic_fetch_add_explicit(&a->ctl->ready, 1, memory_order_release);
    while (!atomic_load_explicit(&a->ctl->go, memory_order_acquire))
        sched_yield();
    rc = a->impl->produce(a->st, a->p, a->idx, a->count);
    if (rc != 0) {
        fprintf(stderr, "bench: producer %u failed (%d)\n", a->idx, rc);
        return 3;
    }
    return 0;
}

int bench_run_stream(const stream_impl_t *impl, void *st, const bench_stream_params_t *p,
                     uint32_t nprod, bench_stream_result_t *r)
{
    memset(r, 0, sizeof *r);
    int pids[2] = { -1, -1 };
    if (nprod < 1 || nprod > 2) {
        r->err = -EINVAL;
        return r->err;
    }
    struct stream_ctl *ctl = bench_shared_alloc(sizeof *ctl);
    if (!ctl) {
        r->err = -ENOMEM;
        snprintf(r->what, sizeof r->what, "mmap");
        return r->err;
    }
    int rc = impl->prepare ? impl->prepare(st, p, nprod) : 0;
    if (rc != 0) {
        r->err = rc;
        snprintf(r->what, sizeof r->what, "prepare failed (%d)", rc);
        bench_shared_free(ctl, sizeof *ctl);
        return rc;
    }
    bench_pin(p->cpu_consumer);
    struct stream_child_arg ca[2];
    uint64_t per = p->messages / nprod;
    for (uint32_t i = 0; i < nprod; i++) {
        ca[i] = (struct stream_child_arg){ impl, st, p, ctl, i, per };
        pids[i] = bench_fork(i == 0 ? p->cpu_producer : p->cpu_producer2, stream_child, &ca[i]);
        if (pids[i] < 0) {
            rc = -errno;
            snprintf(r->what, sizeof r->what, "fork: %s", strerror(errno));
            goto fail;
        }
    }
    rc = impl->consumer_init ? impl->consumer_init(st, p, nprod) : 0;
    if (rc != 0) {
        snprintf(r->what, sizeof r->what, "consumer init failed (%d)", rc);
        goto fail;
    }
    while (atomic_load_explicit(&ctl->ready, memory_order_acquire) < nprod) {
        for (uint32_t i = 0; i < nprod; i++) {
            int wst;
            if (waitpid(pids[i], &wst, WNOHANG) == pids[i]) {
                pids[i] = -1;
                rc = -EIO;
                snprintf(r->what, sizeof r->what, "producer %u exited before the start", i);
                goto fail;
            }
        }
        struct timespec ts = { 0, 100000 };
        nanosleep(&ts, NULL);
    }
    uint64_t t0 = bench_now_ns();
    atomic_store_explicit(&ctl->go, 1, memory_order_release);
    rc = impl->consume(st, p, nprod, per * nprod, r);
    uint64_t t1 = bench_now_ns();
    if (rc != 0)
        goto fail;
    uint64_t delivered = per * nprod;
    if (r->stopped) {
        /* The consumer stopped on its time budget: the producers may be
         * blocked on a full ring (or stalled by a preempted peer) for good. */
        delivered = r->delivered;
        for (uint32_t i = 0; i < nprod; i++) {
            kill(pids[i], SIGKILL);
            bench_wait(pids[i]);
            pids[i] = -1;
        }
    }
    for (uint32_t i = 0; i < nprod; i++) {
        if (pids[i] < 0)
            continue;
        int s = bench_wait(pids[i]);
        pids[i] = -1;
        if (s != 0) {
            rc = -EIO;
            snprintf(r->what, sizeof r->what, "producer %u exited with status %d", i, s);
            goto fail;
        }
    }
    r->seconds = (double)(t1 - t0) / 1e9;
    r->msgs_per_s = (double)delivered / r->seconds;
    impl->cleanup(st, p);
    bench_shared_free(ctl, sizeof *ctl);
    return 0;
fail:
    r->err = rc ? rc : -EIO;
    for (uint32_t i = 0; i < nprod; i++) {
        if (pids[i] > 0) {
            kill(pids[i], SIGKILL);
            bench_wait(pids[i]);
        }
    }
    impl->cleanup(st, p);
    bench_shared_free(ctl, sizeof *ctl);
    return r->err;
}

int bench_check_seq(uint64_t seq, uint64_t *expect, uint32_t nprod, bench_stream_result_t *r)
{
    uint32_t idx = SEQ_PROD(seq);
    if (idx >= nprod || SEQ_NUM(seq) != expect[idx]) {
        snprintf(r->what, sizeof r->what, "sequence error: producer %u got %llu, expected %llu",
                 idx, (unsigned long long)SEQ_NUM(seq),
                 (unsigned long long)(idx < nprod ? expect[idx] : 0));
        return -1;
    }
    expect[idx]++;
    return 0;
}

int bench_write_full(int fd, const void *buf, size_t n)
{
    const char *b = buf;
    while (n > 0) {
        ssize_t k = write(fd, b, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

int bench_read_full(int fd, void *buf, size_t n)
{
    char *b = buf;
    while (n > 0) {
        ssize_t k = read(fd, b, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (k == 0)
            return -EPIPE;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

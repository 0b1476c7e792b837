/*
 * bench_internal.h: the two measurement harnesses shared by every
 * mechanism (baselines.c, cosmosb_cases.c). A mechanism supplies a few
 * callbacks; the harness forks, pins, synchronises the start, times and
 * reports.
 */
#ifndef COSMOSB_BENCH_INTERNAL_H
#define COSMOSB_BENCH_INTERNAL_H

#include "bench.h"

#include <stdatomic.h>

/* One round-trip mechanism. `st` is the mechanism's own state. */
typedef struct rt_impl {
    /* In the measuring process, before fork: create what both sides inherit. */
    int (*prepare)(void *st);
    /* In the echo child: answer `n` round trips, then return 0 (or non-zero on error). */
    int (*echo)(void *st, uint64_t n);
    /* In the measuring process, after fork (may be NULL). */
    int (*parent_init)(void *st);
    /* One round trip carrying `seq`; 0, or a negative code. */
    int (*ping)(void *st, uint64_t seq);
    /* In the measuring process, at the end (after the child exited or was killed). */
    void (*cleanup)(void *st);
} rt_impl_t;

int bench_run_rt(const rt_impl_t *impl, void *st, const bench_rt_params_t *p, bench_rt_result_t *r);

/* One streaming mechanism. */
typedef struct stream_impl {
    /* Before fork, in the consumer. */
    int (*prepare)(void *st, const bench_stream_params_t *p, uint32_t nprod);
    /* In producer child `idx`: attach (may be done here), then the harness waits for "go". */
    int (*producer_init)(void *st, const bench_stream_params_t *p, uint32_t idx);
    /* In producer child `idx`: send `count` messages carrying producer-tagged sequence numbers. */
    int (*produce)(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count);
    /* In the consumer after fork (may be NULL). */
    int (*consumer_init)(void *st, const bench_stream_params_t *p, uint32_t nprod);
    /* Receive and check `total` messages; 0, or a negative code (r->what filled). */
    int (*consume)(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                   bench_stream_result_t *r);
    void (*cleanup)(void *st, const bench_stream_params_t *p);
} stream_impl_t;

int bench_run_stream(const stream_impl_t *impl, void *st, const bench_stream_params_t *p,
                     uint32_t nprod, bench_stream_result_t *r);

/* Message sequence numbers: producer index in the top byte, count below. */
#define SEQ_MAKE(idx, n) (((uint64_t)(idx) << 56) | (uint64_t)(n))
#define SEQ_PROD(s) ((uint32_t)((s) >> 56))
#define SEQ_NUM(s) ((s) & ((UINT64_C(1) << 56) - 1))

/* Checks one received sequence number against per-producer expectations; 0 or -1 (r->what set). */
int bench_check_seq(uint64_t seq, uint64_t *expect, uint32_t nprod, bench_stream_result_t *r);

/* write(2)/read(2) of exactly n bytes; 0 or -errno (-EPIPE on end of file). */
int bench_write_full(int fd, const void *buf, size_t n);
int bench_read_full(int fd, void *buf, size_t n);

#endif /* COSMOSB_BENCH_INTERNAL_H */

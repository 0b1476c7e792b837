/*
 * bench.h: the measurements of the libcosmosb benchmark, as a small static
 * helper library (cosmosb_benchlib) shared by bench/cosmosb_bench.c and
 * examples/demo.
 *
 * Every measurement forks real peer processes pinned to CPUs, so the figures
 * are cross-process and cross-CPU. The calling process plays the measuring
 * side (the round-trip initiator, the streaming consumer); children are
 * killed if it dies (PR_SET_PDEATHSIG). Nothing here is thread-safe: one
 * measurement at a time per process.
 */
#ifndef COSMOSB_BENCH_H
#define COSMOSB_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* ---- utilities (bench_util.c) ---------------------------------------- */

/** Monotonic clock in nanoseconds (vDSO clock_gettime). */
uint64_t bench_now_ns(void);
/** Pins the calling process to @p cpu; a negative cpu lets it run on every online CPU. Returns 0 or -errno. */
int bench_pin(int cpu);
/** Number of CPUs the process may run on. */
int bench_ncpus(void);
/** Anonymous MAP_SHARED zeroed memory, aligned to a page; NULL on failure. */
void *bench_shared_alloc(size_t size);
void bench_shared_free(void *p, size_t size);
/**
 * Forks a child that pins itself to @p cpu, dies with its parent, runs
 * fn(arg) and _exit()s with its return value. Returns the pid or -1.
 */
int bench_fork(int cpu, int (*fn)(void *arg), void *arg);
/** Waits for @p pid; returns its exit status (0..255), or 128+signal, or -1. */
int bench_wait(int pid);
/** Busy-wait pause hint. */
void bench_cpu_relax(void);
/** Median and p99 (in ns) of @p n samples (sorted in place). */
void bench_percentiles(uint64_t *samples, size_t n, double *median, double *p99);
/** The @p q quantile (0..1) of @p n samples already sorted. */
double bench_quantile_sorted(const uint64_t *samples, size_t n, double q);
/** Prints to stderr unless progress is switched off (bench_quiet). */
void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool bench_quiet;

/* ---- round trips --------------------------------------------------------- */

/** Size of every round-trip message: a 64-byte message whose first 8 bytes are a sequence number. */
#define BENCH_RT_MSG 64u

typedef struct bench_rt_params {
    uint32_t samples; /**< measured round trips (each one timed) */
    uint32_t warmup;  /**< untimed round trips first */
    int cpu_a;        /**< CPU of the measuring process (-1: free) */
    int cpu_b;        /**< CPU of the echo process (-1: free) */
    uint64_t *samples_out; /**< if not NULL: receives the `samples` round-trip times in ns (sorted) */
} bench_rt_params_t;

typedef struct bench_rt_result {
    double median_ns; /**< median round trip */
    double p99_ns;    /**< 99th percentile */
    double p999_ns;   /**< 99.9th percentile */
    int err;          /**< 0, or a negative code (libcosmosb or -errno) on failure */
    char what[96];    /**< what failed, when err != 0 */
} bench_rt_result_t;

/** Raw 64-byte shared-memory ping-pong: one cache line each way, seq + payload, busy polling (hardware limit). */
int bench_rt_raw_shm(const bench_rt_params_t *p, bench_rt_result_t *r);
/** Diagnostic: a bare ring ping-pong with 80-byte slots (16-byte header + 64-byte payload) like
 *  libcosmosb's, published by a tail index on its own line; busy polling, no checks. */
int bench_rt_ring_layout(const bench_rt_params_t *p, bench_rt_result_t *r);
/** Diagnostic: the same, published by a sequence word in each slot header (no tail line). */
int bench_rt_ring_slotseq(const bench_rt_params_t *p, bench_rt_result_t *r);
/** Raw futex ping-pong: a shared word each way, FUTEX_WAIT/FUTEX_WAKE, no spinning (kernel limit). */
int bench_rt_futex(const bench_rt_params_t *p, bench_rt_result_t *r);
/** Two pipe(2)s, a 64-byte write and a blocking read each way. */
int bench_rt_pipe(const bench_rt_params_t *p, bench_rt_result_t *r);
/** A UNIX stream socketpair, 64 bytes each way. */
int bench_rt_uds(const bench_rt_params_t *p, bench_rt_result_t *r);
/** A UNIX seqpacket socketpair, one 64-byte record each way. */
int bench_rt_seqpacket(const bench_rt_params_t *p, bench_rt_result_t *r);
/** A shared 64-byte slot each way, signalled by an eventfd each way (blocking read). */
int bench_rt_eventfd(const bench_rt_params_t *p, bench_rt_result_t *r);
/** Two libcosmosb SPSC pipes (one each way), 64-byte payloads, recv with TIMEOUT_FOREVER.
 *  @p spin_ns: the spin budget of both ends; UINT64_MAX keeps the library default. */
int bench_rt_cosmosb(const bench_rt_params_t *p, uint64_t spin_ns, bench_rt_result_t *r);

/* ---- one-way streaming ------------------------------------------------- */

typedef struct bench_stream_params {
    uint64_t messages; /**< total messages (over all producers) */
    uint32_t payload;  /**< bytes per message, >= 8 (the first 8 are a sequence number) */
    uint32_t batch;    /**< messages per send / receive call (1 or more) */
    int cpu_consumer;  /**< CPU of the measuring consumer (-1: free) */
    int cpu_producer;  /**< CPU of the (first) producer */
    int cpu_producer2; /**< CPU of the second producer (MPSC only) */
    uint32_t capacity; /**< ring slots (shared-memory rings); 0 = 1024 */
    bool drain;        /**< pipe(2)/socket: the reader takes up to 64 KiB per read(2) instead of one batch */
    uint64_t time_budget_ns; /**< if not 0: a consumer that honours it (the peers' MPSC cases) stops after
                                  this long and reports the messages it got (r->delivered); 0 = none */
} bench_stream_params_t;

typedef struct bench_stream_result {
    double msgs_per_s; /**< messages delivered and checked per second */
    double seconds;    /**< elapsed time of the measurement */
    bool stopped;       /**< set by a consumer that stopped early on its time budget */
    uint64_t delivered; /**< then: the messages it checked; the producers are killed and the rate is
                             delivered / time */
    int err;           /**< 0, or negative on failure (including a sequence error) */
    char what[96];
} bench_stream_result_t;

/** An ideal bare SPSC ring (Lamport, cached indices, slots of `payload` bytes) in shared memory: the limit. */
int bench_stream_ring(const bench_stream_params_t *p, bench_stream_result_t *r);
/** Diagnostic: the same ring with libcosmosb's slot layout (a 16-byte header before each payload,
 *  stride rounded up to 16 bytes): what the layout costs by itself. */
int bench_stream_ring_hdr(const bench_stream_params_t *p, bench_stream_result_t *r);
/** Diagnostic: the same slots published by a sequence word in each header (the consumer polls the
 *  slots, there is no shared tail; the consumer's head is still one store per batch). */
int bench_stream_ring_slotseq(const bench_stream_params_t *p, bench_stream_result_t *r);
/** pipe(2): one write(2) per batch of messages; one read(2) per batch (or up to 64 KiB with `drain`). */
int bench_stream_pipe(const bench_stream_params_t *p, bench_stream_result_t *r);
/** UNIX stream socket, same pattern as pipe(2). */
int bench_stream_uds(const bench_stream_params_t *p, bench_stream_result_t *r);
/** libcosmosb SPSC pipe (send/recv, or send_batch/recv_batch when batch > 1). */
int bench_stream_cosmosb(const bench_stream_params_t *p, uint64_t spin_ns, bench_stream_result_t *r);
/** libcosmosb MPSC pipe with two producers (cpu_producer and cpu_producer2), FIFO checked per producer. */
int bench_stream_cosmosb_mpsc(const bench_stream_params_t *p, uint64_t spin_ns, bench_stream_result_t *r);

/** Spin budget meaning "keep the library's default". */
#define BENCH_SPIN_DEFAULT UINT64_MAX
/** Spin budget used for busy polling: effectively never sleeps. */
#define BENCH_SPIN_BUSY (UINT64_MAX / 2)

#endif /* COSMOSB_BENCH_H */

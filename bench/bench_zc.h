/*
 * bench_zc.h: the large-data benchmarks of libcosmosb (part of
 * cosmosb_benchlib): buffer windows against copying mechanisms
 * (bench_bulk.c, `cosmosb-bench --only bulk`) and arena objects against
 * malloc/free plus a copy (bench_arena.c, `cosmosb-bench --only arena`).
 *
 * Every measurement forks real peer processes; the calling process is the
 * consumer. Nothing here is thread-safe: one measurement at a time.
 */
#ifndef COSMOSB_BENCH_ZC_H
#define COSMOSB_BENCH_ZC_H

#include "bench.h"

/* ---- bulk: one large payload per message, producer -> consumer --------- */

enum bench_bulk_mech {
    BULK_WINDOWS,      /* libcosmosb buffer windows: a 40-byte window travels in a libcosmosb pipe */
    BULK_COSMOSB_COPY, /* libcosmosb pipe, payload copied through 64 KiB slots (send/recv) */
    BULK_PIPE,         /* pipe(2), default size */
    BULK_PIPE_1M,      /* pipe(2) enlarged to 1 MiB with F_SETPIPE_SZ */
    BULK_UDS,          /* UNIX stream socketpair, default buffers */
    BULK_MECH_COUNT
};

/** Name of a mechanism, for tables. */
const char *bench_bulk_name(enum bench_bulk_mech m);

typedef struct bench_bulk_params {
    uint64_t payload;  /**< bytes per message: a multiple of 8, >= 16 */
    uint64_t messages; /**< timed messages */
    int touch;         /**< 1: the producer fills every byte, the consumer reads (sums) every byte;
                            0: only the first and last 8 bytes (windows only: the per-message cost) */
    int cpu_consumer;  /**< CPU of the measuring consumer (-1: free) */
    int cpu_producer;  /**< CPU of the producer */
    uint64_t ring;     /**< windows: bytes of the ring buffer (0: 4 payloads, at least 4 MiB, when every byte is
                            touched; 64 payloads otherwise) */
} bench_bulk_params_t;

typedef struct bench_bulk_result {
    double gbytes_per_s; /**< payload bytes delivered and checked per second / 1e9 */
    double ns_per_msg;   /**< elapsed time per message */
    double seconds;
    int err;
    char what[96];
} bench_bulk_result_t;

/** One measurement. Every payload carries a checksum that the consumer verifies. 0 or a negative code. */
int bench_bulk(enum bench_bulk_mech mech, const bench_bulk_params_t *p, bench_bulk_result_t *r);

/** Options of the report sections below. */
typedef struct bench_zc_opts {
    int quick;          /**< tiny counts (smoke test) */
    int repeat;         /**< runs per figure (median [min-max]) */
    int cpu_a, cpu_b;   /**< consumer CPU, producer CPU (-1: unpinned) */
    unsigned watchdog_s;/**< alarm() per measurement (0: none) */
} bench_zc_opts_t;

/** Measures and prints (markdown, stdout) the bulk section. Returns the number of failed measurements. */
int bench_bulk_report(const bench_zc_opts_t *o);

/** Measures and prints (markdown, stdout) the arena section. Returns the number of failed measurements. */
int bench_arena_report(const bench_zc_opts_t *o);

#endif /* COSMOSB_BENCH_ZC_H */

/*
 * bench_peers.h: the mechanisms of cosmosb-bench beyond bench.h: more kernel
 * IPC (UNIX seqpacket sockets, POSIX message queues), memcpy bandwidth, and
 * the peer libraries from Debian's packages (Concurrency Kit ck_ring, DPDK
 * rte_ring, liburcu wfcqueue, Eclipse iceoryx through its C binding).
 *
 * Each peer is optional at build time: bench/CMakeLists.txt compiles its
 * file only when pkg-config (or CMake, for iceoryx) finds it, and defines
 * COSMOSB_BENCH_HAVE_CK, _DPDK, _URCU or _ICEORYX. COSMOSB_BENCH_MISSING is a
 * string naming the peers that were not found (empty when all were).
 */
#ifndef COSMOSB_BENCH_PEERS_H
#define COSMOSB_BENCH_PEERS_H

#include "bench.h"

/* ---- kernel IPC (bench/kernel_more.c) ---------------------------------- */

/** POSIX message queues, one each way, mq_send / blocking mq_receive of 64 bytes. */
int bench_rt_mq(const bench_rt_params_t *p, bench_rt_result_t *r);
/** UNIX seqpacket socket: one record per message (batch 1), or sendmmsg/recvmmsg of a batch. */
int bench_stream_seqpacket(const bench_stream_params_t *p, bench_stream_result_t *r);
/** POSIX message queue of `capacity` messages (fewer if the kernel refuses): one mq_send and one
 *  mq_receive per message (the API has no batch call). */
int bench_stream_mq(const bench_stream_params_t *p, bench_stream_result_t *r);
/** memcpy bandwidth in one process: copies @p size bytes again and again for about @p seconds;
 *  returns bytes per second (0 on failure). */
double bench_memcpy_bps(size_t size, double seconds);

/* ---- peers --------------------------------------------------------------- */

#ifdef COSMOSB_BENCH_HAVE_CK
/** Concurrency Kit ck_ring in shared memory, messages copied in and out by value (CK_RING_PROTOTYPE):
 *  busy-polling round trip over two SPSC rings. */
int bench_rt_ck(const bench_rt_params_t *p, bench_rt_result_t *r);
/** ck_ring streaming: SPSC with one producer, ck_ring_enqueue_mpsc with two (cpu_producer2).
 *  ck_ring has no batch call: a batch is `batch` single calls. */
int bench_stream_ck(const bench_stream_params_t *p, uint32_t nprod, bench_stream_result_t *r);
#endif

#ifdef COSMOSB_BENCH_HAVE_DPDK
/** DPDK rte_ring (rte_ring_init on shared memory, no EAL), elements of the payload size copied by
 *  value: busy-polling round trip over two SP/SC rings. */
int bench_rt_rte(const bench_rt_params_t *p, bench_rt_result_t *r);
/** rte_ring streaming: SP/SC with one producer, MP/SC with two; burst calls for batches. */
int bench_stream_rte(const bench_stream_params_t *p, uint32_t nprod, bench_stream_result_t *r);
#endif

#ifdef COSMOSB_BENCH_HAVE_URCU
/** liburcu wait-free concurrent queue (cds_wfcq), in one process: `nprod` producer threads and the
 *  consumer thread, nodes from per-producer pools returned through a wait-free stack (cds_wfs). */
int bench_stream_urcu(const bench_stream_params_t *p, uint32_t nprod, bench_stream_result_t *r);
#endif

#ifdef COSMOSB_BENCH_HAVE_ICEORYX
/** Starts iox-roudi (found in PATH) for this run; 0, or -1 with @p why filled. Idempotent. */
int bench_iox_start(char *why, size_t len);
/** Stops the RouDi started by bench_iox_start (SIGTERM, then waits). */
void bench_iox_stop(void);
/** iceoryx publish/subscribe round trip, 64-byte chunks (loan, write, publish; take, read, release),
 *  busy polling (`waitset` false) or blocking in an iox WaitSet (`waitset` true). */
int bench_rt_iox(const bench_rt_params_t *p, bool waitset, bench_rt_result_t *r);
/** iceoryx streaming: one publisher, one subscriber (queue 256, BLOCK_PRODUCER / WAIT_FOR_CONSUMER),
 *  busy polling or WaitSet; a batch is `batch` loans and publishes (no batch call). */
int bench_stream_iox(const bench_stream_params_t *p, bool waitset, bench_stream_result_t *r);
/** iceoryx large payloads: the producer loans a chunk of @p payload bytes and fills every byte in
 *  place (word i of message n is n + i), the consumer takes it, sums every word, checks, releases;
 *  polling take. GB/s of payload in @p gbytes_per_s. 0 or a negative code (@p what filled). */
int bench_bulk_iox(uint32_t payload, uint64_t messages, int cpu_consumer, int cpu_producer, double *gbytes_per_s,
                   char *what, size_t what_len);
#endif

/* ---- the peers section of cosmosb-bench (bench_peers_report.c) -------- */

typedef struct bench_peers_opts {
    int quick;           /**< tiny counts (smoke test) */
    int repeat;          /**< runs per figure (median [min-max]) */
    int cpu_a, cpu_b;    /**< measuring CPU, peer CPU (-1: unpinned) */
    unsigned watchdog_s; /**< alarm() per measurement (0: none) */
    uint32_t capacity;   /**< ring slots of every ring (libcosmosb, ideal, ck, rte, mq, urcu pool) */
    const char *plot_dir;/**< if not NULL: write the CDF and throughput data there and render PNGs with gnuplot */
    int opcount;         /**< 1: also count instructions per operation with valgrind --tool=callgrind */
    const char *self_exe;/**< path of this program (for callgrind) */
} bench_peers_opts_t;

/** Measures and prints (markdown, stdout) the peers section: round trips (median, p99, p99.9),
 *  streaming, MPSC with two producers, memcpy bandwidth, a summary with the ratio of libcosmosb to
 *  every other system, and optionally the plots and the instruction counts. Returns the number of
 *  failed measurements. */
int bench_peers_report(const bench_peers_opts_t *o);

/** Instruction counts only (`--only opcount`). Returns the number of failures. */
int bench_opcount_report(const bench_peers_opts_t *o);

/** The child side of the instruction count: `cosmosb-bench --opcount-child MECH CYCLES`, run under
 *  callgrind. Returns the exit status. */
int bench_opcount_child(const char *mech, long cycles);

/* Phases of the instruction count, one pair per mechanism (noinline, so that callgrind's
 * --toggle-collect can select them by name). `n` operations of 64-byte messages each. */
#ifdef COSMOSB_BENCH_HAVE_CK
void *bench_opc_ck_new(void);
void bench_opc_ck_send(void *ring, unsigned n);
void bench_opc_ck_recv(void *ring, unsigned n);
#endif
#ifdef COSMOSB_BENCH_HAVE_DPDK
void *bench_opc_rte_new(void);
void bench_opc_rte_send(void *ring, unsigned n);
void bench_opc_rte_recv(void *ring, unsigned n);
void bench_opc_rte_send32(void *ring, unsigned n);
void bench_opc_rte_recv32(void *ring, unsigned n);
#endif

#endif /* COSMOSB_BENCH_PEERS_H */

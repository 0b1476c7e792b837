/*
 * bench_peers_report.c: the peers section of cosmosb-bench (`--only peers`,
 * part of the default run): libcosmosb against the kernel's IPC (pipe(2),
 * UNIX stream and seqpacket sockets, an eventfd-signalled slot, POSIX
 * message queues, a raw futex), the limits (raw cache-line ping-pong, an
 * ideal SPSC ring, memcpy) and the peer libraries that were found at build
 * time (ck_ring, DPDK rte_ring, liburcu wfcqueue, iceoryx), all measured in
 * the same interleaved rounds. Prints the figures (median [min-max] over
 * --repeat runs), a summary with the ratio of libcosmosb to every other
 * system, and optionally writes gnuplot plots and counts instructions per
 * operation under callgrind.
 */
#include "bench_internal.h"
#include "bench_missing.h"
#include "bench_peers.h"
#include "bench_zc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PR_MAX_REPEAT 32

/* ---- series ---------------------------------------------------------------- */

typedef struct pser {
    double v[PR_MAX_REPEAT];
    int n;
    int err;
    bool skip; /* not available in this build or run */
} pser_t;

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ps_med(const pser_t *s)
{
    if (s->n == 0)
        return 0;
    double t[PR_MAX_REPEAT];
    memcpy(t, s->v, (size_t)s->n * sizeof t[0]);
    qsort(t, (size_t)s->n, sizeof t[0], cmp_dbl);
    return s->n % 2 ? t[s->n / 2] : (t[s->n / 2 - 1] + t[s->n / 2]) / 2;
}

static bool ps_ok(const pser_t *s)
{
    return s->n > 0 && !s->err && !s->skip;
}

static void ps_add(pser_t *s, double v)
{
    if (s->n < PR_MAX_REPEAT)
        s->v[s->n++] = v;
}

static const char *ps_fmt(char *buf, size_t len, const pser_t *s, double scale)
{
    if (s->skip) {
        snprintf(buf, len, "not built");
        return buf;
    }
    if (!ps_ok(s)) {
        snprintf(buf, len, "error");
        return buf;
    }
    double med = ps_med(s) * scale;
    int prec = med >= 100 ? 1 : med >= 10 ? 2 : med >= 1 ? 2 : 3;
    if (s->n == 1) {
        snprintf(buf, len, "%.*f", prec, med);
    } else {
        double lo = s->v[0], hi = s->v[0];
        for (int i = 1; i < s->n; i++) {
            lo = s->v[i] < lo ? s->v[i] : lo;
            hi = s->v[i] > hi ? s->v[i] : hi;
        }
        snprintf(buf, len, "%.*f [%.*f-%.*f]", prec, med, prec, lo * scale, prec, hi * scale);
    }
    return buf;
}

static const char *ratio(char *buf, size_t len, double num, double den)
{
    if (den <= 0 || num <= 0)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.2fx", num / den);
    return buf;
}

/* The [min-max] ranges of two repeated series overlap (a difference that the repetitions do not resolve). */
static bool ps_overlap(const pser_t *a, const pser_t *b)
{
    if (a->n < 2 || b->n < 2)
        return false;
    double alo = a->v[0], ahi = a->v[0], blo = b->v[0], bhi = b->v[0];
    for (int i = 1; i < a->n; i++) {
        alo = a->v[i] < alo ? a->v[i] : alo;
        ahi = a->v[i] > ahi ? a->v[i] : ahi;
    }
    for (int i = 1; i < b->n; i++) {
        blo = b->v[i] < blo ? b->v[i] : blo;
        bhi = b->v[i] > bhi ? b->v[i] : bhi;
    }
    return alo <= bhi && blo <= ahi;
}

static int g_fail;
static const char *volatile g_what = "";

static void report_fail(const char *what, const char *detail, int rc)
{
    bench_progress("FAILED: %s (%d)\n", detail, rc);
    fprintf(stderr, "cosmosb-bench: %s failed: %s (%d)\n", what, detail, rc);
    g_fail++;
}

/* ---- availability ---------------------------------------------------------- */

#ifdef COSMOSB_BENCH_HAVE_ICEORYX
static bool g_iox_up;
static char g_iox_why[200];
#endif

/* ---- round trips ------------------------------------------------------------ */

static int rt_cosmosb_busy(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    return bench_rt_cosmosb(p, BENCH_SPIN_BUSY, r);
}
static int rt_cosmosb_default(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    return bench_rt_cosmosb(p, BENCH_SPIN_DEFAULT, r);
}
static int rt_cosmosb_spin0(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    return bench_rt_cosmosb(p, 0, r);
}
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
static int rt_iox_busy(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    return bench_rt_iox(p, false, r);
}
static int rt_iox_ws(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    return bench_rt_iox(p, true, r);
}
#endif

enum { RTM_BUSY, RTM_DEFAULT, RTM_BLOCK };
static const char *const rt_mode_name[] = { "busy poll", "spin, then sleep", "blocking" };

typedef struct prt_case {
    const char *name;
    const char *file; /* short name for plot data */
    int mode;
    int (*fn)(const bench_rt_params_t *, bench_rt_result_t *);
    bool cosmosb;
} prt_case_t;

static const prt_case_t prt_cases[] = {
    { "raw 64-byte shared-memory ping-pong (limit)", "raw_shm", RTM_BUSY, bench_rt_raw_shm, false },
    { "**libcosmosb** (spin budget huge)", "cosmosb_busy", RTM_BUSY, rt_cosmosb_busy, true },
#ifdef COSMOSB_BENCH_HAVE_CK
    { "Concurrency Kit ck_ring SPSC", "ck_ring", RTM_BUSY, bench_rt_ck, false },
#endif
#ifdef COSMOSB_BENCH_HAVE_DPDK
    { "DPDK rte_ring SP/SC", "rte_ring", RTM_BUSY, bench_rt_rte, false },
#endif
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    { "iceoryx 2.0 (C binding), polling take", "iceoryx_busy", RTM_BUSY, rt_iox_busy, false },
#endif
    { "**libcosmosb** (default spin budget)", "cosmosb_default", RTM_DEFAULT, rt_cosmosb_default, true },
    { "raw futex ping-pong (limit)", "futex", RTM_BLOCK, bench_rt_futex, false },
    { "**libcosmosb** (spin 0: sleep at once)", "cosmosb_spin0", RTM_BLOCK, rt_cosmosb_spin0, true },
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    { "iceoryx 2.0 (C binding), WaitSet", "iceoryx_waitset", RTM_BLOCK, rt_iox_ws, false },
#endif
    { "eventfd-signalled shared slot", "eventfd", RTM_BLOCK, bench_rt_eventfd, false },
    { "pipe(2)", "pipe", RTM_BLOCK, bench_rt_pipe, false },
    { "UNIX stream socket", "uds_stream", RTM_BLOCK, bench_rt_uds, false },
    { "UNIX seqpacket socket", "uds_seqpacket", RTM_BLOCK, bench_rt_seqpacket, false },
    { "POSIX message queue", "posix_mq", RTM_BLOCK, bench_rt_mq, false },
};
#define N_PRT (sizeof prt_cases / sizeof prt_cases[0])

static pser_t prt_med[N_PRT], prt_p99[N_PRT], prt_p999[N_PRT];
static uint64_t *prt_samples[N_PRT]; /* pooled samples of the last repetition (sorted), for the CDF */
static size_t prt_nsamples[N_PRT];

static bool prt_available(size_t k)
{
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    if (prt_cases[k].fn == rt_iox_busy || prt_cases[k].fn == rt_iox_ws)
        return g_iox_up;
#endif
    (void)k;
    return true;
}

static void measure_prt(const bench_peers_opts_t *o)
{
    uint32_t rounds = o->quick ? 2 : 5;
    uint32_t busy_n = o->quick ? 10000 : 100000, block_n = o->quick ? 1000 : 10000;
    for (size_t k = 0; k < N_PRT; k++) {
        uint32_t n = (prt_cases[k].mode == RTM_BLOCK ? block_n : busy_n) / rounds * rounds;
        prt_samples[k] = malloc((size_t)n * sizeof(uint64_t));
        prt_nsamples[k] = n;
        if (!prt_samples[k]) {
            fprintf(stderr, "cosmosb-bench: out of memory\n");
            exit(1);
        }
        if (!prt_available(k))
            prt_med[k].skip = prt_p99[k].skip = prt_p999[k].skip = true;
    }
    for (int rep = 0; rep < o->repeat; rep++) {
        bool failed[N_PRT] = { false };
        for (uint32_t round = 0; round < rounds; round++) {
            for (size_t k = 0; k < N_PRT; k++) {
                const prt_case_t *c = &prt_cases[k];
                if (failed[k] || prt_med[k].skip)
                    continue;
                uint32_t per = (uint32_t)(prt_nsamples[k] / rounds);
                bench_rt_params_t p = {
                    .samples = per,
                    .warmup = per / 10 + 1,
                    .cpu_a = o->cpu_a,
                    .cpu_b = o->cpu_b,
                    .samples_out = prt_samples[k] + (size_t)round * per,
                };
                bench_rt_result_t r;
                bench_progress("[peers: round trip %d/%d, round %u/%u] %-48s ", rep + 1, o->repeat, round + 1,
                               rounds, c->name);
                g_what = c->name;
                alarm(o->watchdog_s);
                int rc = c->fn(&p, &r);
                alarm(0);
                if (rc != 0) {
                    report_fail(c->name, r.what, rc);
                    prt_med[k].err = prt_p99[k].err = prt_p999[k].err = 1;
                    failed[k] = true;
                    continue;
                }
                bench_progress("median %8.2f us  p99 %8.2f us\n", r.median_ns / 1e3, r.p99_ns / 1e3);
            }
        }
        for (size_t k = 0; k < N_PRT; k++) {
            if (failed[k] || prt_med[k].skip)
                continue;
            double med, p99;
            bench_percentiles(prt_samples[k], prt_nsamples[k], &med, &p99);
            ps_add(&prt_med[k], med);
            ps_add(&prt_p99[k], p99);
            ps_add(&prt_p999[k], bench_quantile_sorted(prt_samples[k], prt_nsamples[k], 0.999));
        }
    }
}

/* ---- streaming --------------------------------------------------------------- */

static int st_cosmosb_busy(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_cosmosb(p, BENCH_SPIN_BUSY, r);
}
static int st_cosmosb_default(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_cosmosb(p, BENCH_SPIN_DEFAULT, r);
}
#ifdef COSMOSB_BENCH_HAVE_CK
static int st_ck(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_ck(p, 1, r);
}
#endif
#ifdef COSMOSB_BENCH_HAVE_DPDK
static int st_rte(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_rte(p, 1, r);
}
#endif
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
static int st_iox_busy(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_iox(p, false, r);
}
static int st_iox_ws(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_iox(p, true, r);
}
#endif

typedef struct pst_case {
    const char *name;
    const char *file;
    int mode;
    bool fast; /* shared-memory ring: the large message count */
    int (*fn)(const bench_stream_params_t *, bench_stream_result_t *);
} pst_case_t;

static const pst_case_t pst_cases[] = {
    { "ideal bare SPSC ring (limit)", "ideal_ring", RTM_BUSY, true, bench_stream_ring },
    { "**libcosmosb** (spin budget huge)", "cosmosb_busy", RTM_BUSY, true, st_cosmosb_busy },
#ifdef COSMOSB_BENCH_HAVE_CK
    { "Concurrency Kit ck_ring SPSC", "ck_ring", RTM_BUSY, true, st_ck },
#endif
#ifdef COSMOSB_BENCH_HAVE_DPDK
    { "DPDK rte_ring SP/SC", "rte_ring", RTM_BUSY, true, st_rte },
#endif
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    { "iceoryx, polling take", "iceoryx_busy", RTM_BUSY, false, st_iox_busy },
#endif
    { "**libcosmosb** (default spin budget)", "cosmosb_default", RTM_DEFAULT, true, st_cosmosb_default },
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    { "iceoryx, WaitSet", "iceoryx_waitset", RTM_BLOCK, false, st_iox_ws },
#endif
    { "pipe(2)", "pipe", RTM_BLOCK, false, bench_stream_pipe },
    { "UNIX stream socket", "uds_stream", RTM_BLOCK, false, bench_stream_uds },
    { "UNIX seqpacket socket", "uds_seqpacket", RTM_BLOCK, false, bench_stream_seqpacket },
    { "POSIX message queue", "posix_mq", RTM_BLOCK, false, bench_stream_mq },
};
#define N_PST (sizeof pst_cases / sizeof pst_cases[0])

static const uint32_t pst_payloads[] = { 8, 64, 512 };
static const uint32_t pst_batches[] = { 1, 32 };
#define N_PP 3
#define N_PB 2
static pser_t pst_res[N_PP][N_PB][N_PST];

static bool pst_available(size_t k)
{
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    if (pst_cases[k].fn == st_iox_busy || pst_cases[k].fn == st_iox_ws)
        return g_iox_up;
#endif
    (void)k;
    return true;
}

static int run_one_stream(const char *label, int (*fn)(const bench_stream_params_t *, bench_stream_result_t *),
                          const bench_stream_params_t *p, unsigned watchdog_s, double *out)
{
    bench_stream_result_t r;
    g_what = label;
    alarm(watchdog_s);
    int rc = fn(p, &r);
    alarm(0);
    if (rc != 0) {
        report_fail(label, r.what, rc);
        return rc;
    }
    bench_progress("%9.3f M msg/s (%.2f s)%s\n", r.msgs_per_s / 1e6, r.seconds,
                   r.stopped ? " (stopped on its time budget)" : "");
    *out = r.msgs_per_s;
    return 0;
}

static void measure_pst(const bench_peers_opts_t *o)
{
    uint32_t rounds = o->quick ? 1 : 3;
    uint64_t fast_small = o->quick ? 400000 : 6000000, fast_large = o->quick ? 100000 : 1500000;
    uint64_t slow_b1 = o->quick ? 20000 : 300000, slow_b32 = o->quick ? 60000 : 1200000;
    char label[160];
    for (size_t k = 0; k < N_PST; k++)
        if (!pst_available(k))
            for (int pi = 0; pi < N_PP; pi++)
                for (int bi = 0; bi < N_PB; bi++)
                    pst_res[pi][bi][k].skip = true;
    for (int pi = 0; pi < N_PP; pi++) {
        for (int bi = 0; bi < N_PB; bi++) {
            for (int rep = 0; rep < o->repeat; rep++) {
                pser_t rounds_v[N_PST];
                memset(rounds_v, 0, sizeof rounds_v);
                bool failed[N_PST] = { false };
                for (uint32_t round = 0; round < rounds; round++) {
                    for (size_t k = 0; k < N_PST; k++) {
                        const pst_case_t *c = &pst_cases[k];
                        if (failed[k] || pst_res[pi][bi][k].skip)
                            continue;
                        uint64_t n = c->fast ? (pst_payloads[pi] > 64 ? fast_large : fast_small)
                                             : (pst_batches[bi] > 1 ? slow_b32 : slow_b1);
                        if (!c->fast && pst_payloads[pi] > 64)
                            n /= 2;
                        bench_stream_params_t p = {
                            .messages = n / rounds,
                            .payload = pst_payloads[pi],
                            .batch = pst_batches[bi],
                            .cpu_consumer = o->cpu_a,
                            .cpu_producer = o->cpu_b,
                            .cpu_producer2 = o->cpu_b,
                            .capacity = o->capacity,
                        };
                        snprintf(label, sizeof label, "%s, %u B, batch %u", c->name, p.payload, p.batch);
                        bench_progress("[peers: streaming %d/%d, round %u/%u] %-58s ", rep + 1, o->repeat,
                                       round + 1, rounds, label);
                        double v;
                        if (run_one_stream(label, c->fn, &p, o->watchdog_s, &v) != 0) {
                            failed[k] = true;
                            pst_res[pi][bi][k].err = 1;
                            continue;
                        }
                        ps_add(&rounds_v[k], v);
                    }
                }
                for (size_t k = 0; k < N_PST; k++)
                    if (!failed[k] && rounds_v[k].n > 0)
                        ps_add(&pst_res[pi][bi][k], ps_med(&rounds_v[k]));
            }
        }
    }
}

/* ---- MPSC, two producers ------------------------------------------------------ */

static int mp_cosmosb(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_cosmosb_mpsc(p, BENCH_SPIN_DEFAULT, r);
}
#ifdef COSMOSB_BENCH_HAVE_CK
static int mp_ck(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_ck(p, 2, r);
}
#endif
#ifdef COSMOSB_BENCH_HAVE_DPDK
static int mp_rte(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_rte(p, 2, r);
}
#endif
#ifdef COSMOSB_BENCH_HAVE_URCU
static int mp_urcu(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    return bench_stream_urcu(p, 2, r);
}
#endif

static const pst_case_t pmp_cases[] = {
    { "**libcosmosb** MPSC (default spin budget; processes)", "cosmosb", RTM_DEFAULT, true, mp_cosmosb },
#ifdef COSMOSB_BENCH_HAVE_DPDK
    { "DPDK rte_ring MP/SC (processes)", "rte_ring", RTM_BUSY, true, mp_rte },
#endif
#ifdef COSMOSB_BENCH_HAVE_CK
    { "Concurrency Kit ck_ring MPSC (processes)", "ck_ring", RTM_BUSY, true, mp_ck },
#endif
#ifdef COSMOSB_BENCH_HAVE_URCU
    { "liburcu wfcqueue (threads of one process)", "urcu_wfcq", RTM_BUSY, true, mp_urcu },
#endif
};
#define N_PMP (sizeof pmp_cases / sizeof pmp_cases[0])
/* [placement: 0 producers on separate CPUs, 1 sharing one CPU][batch index] */
static pser_t pmp_res[2][N_PB][N_PMP];
static bool pmp_stopped[2][N_PB][N_PMP];

static void measure_pmp(const bench_peers_opts_t *o)
{
    uint32_t rounds = o->quick ? 1 : 3;
    uint64_t n = o->quick ? 200000 : 3000000;
    uint64_t budget = o->quick ? 300000000ull : 1000000000ull;
    char label[160];
    for (int rep = 0; rep < o->repeat; rep++) {
        for (int pl = 0; pl < 2; pl++) {
            for (int bi = 0; bi < N_PB; bi++) {
                pser_t rounds_v[N_PMP];
                memset(rounds_v, 0, sizeof rounds_v);
                bool failed[N_PMP] = { false };
                for (uint32_t round = 0; round < rounds; round++) {
                    for (size_t k = 0; k < N_PMP; k++) {
                        if (failed[k])
                            continue;
                        bench_stream_params_t p = {
                            .messages = n / rounds,
                            .payload = 64,
                            .batch = pst_batches[bi],
                            /* Separate CPUs: the consumer floats (two CPUs only). */
                            .cpu_consumer = pl == 0 ? -1 : o->cpu_a,
                            .cpu_producer = o->cpu_b,
                            .cpu_producer2 = pl == 0 ? o->cpu_a : o->cpu_b,
                            .capacity = o->capacity,
                            .time_budget_ns = budget,
                        };
                        snprintf(label, sizeof label, "%s, %s, batch %u", pmp_cases[k].file,
                                 pl == 0 ? "producers on 2 CPUs" : "producers share 1 CPU", p.batch);
                        bench_progress("[peers: MPSC %d/%d, round %u/%u] %-58s ", rep + 1, o->repeat, round + 1,
                                       rounds, label);
                        bench_stream_result_t r;
                        g_what = label;
                        alarm(o->watchdog_s);
                        int rc = pmp_cases[k].fn(&p, &r);
                        alarm(0);
                        if (rc != 0) {
                            report_fail(label, r.what, rc);
                            failed[k] = true;
                            pmp_res[pl][bi][k].err = 1;
                            continue;
                        }
                        bench_progress("%9.3f M msg/s (%.2f s)%s\n", r.msgs_per_s / 1e6, r.seconds,
                                       r.stopped ? " (stopped on its time budget)" : "");
                        if (r.stopped)
                            pmp_stopped[pl][bi][k] = true;
                        ps_add(&rounds_v[k], r.msgs_per_s);
                    }
                }
                for (size_t k = 0; k < N_PMP; k++)
                    if (!failed[k] && rounds_v[k].n > 0)
                        ps_add(&pmp_res[pl][bi][k], ps_med(&rounds_v[k]));
            }
        }
    }
    bench_pin(o->cpu_a);
}

/* ---- large payloads: libcosmosb windows against iceoryx chunks ----------------- */

static const uint64_t plg_sizes[2] = { 1ull << 20, 64ull << 20 };
enum { PLG_WINDOWS, PLG_IOX, PLG_N };
static pser_t plg_res[2][PLG_N];

static void measure_plg(const bench_peers_opts_t *o)
{
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    uint32_t rounds = o->quick ? 1 : 3;
    double bytes = o->quick ? 6e7 : 3e9; /* per system per round */
    if (!g_iox_up) {
        for (int si = 0; si < 2; si++)
            plg_res[si][PLG_IOX].skip = true;
    }
    for (int rep = 0; rep < o->repeat; rep++) {
        for (int si = 0; si < 2; si++) {
            pser_t rv[PLG_N];
            memset(rv, 0, sizeof rv);
            for (uint32_t round = 0; round < rounds; round++) {
                for (int k = 0; k < PLG_N; k++) {
                    if (plg_res[si][k].skip || plg_res[si][k].err)
                        continue;
                    uint64_t n = (uint64_t)(bytes / (double)plg_sizes[si]);
                    if (n < 3)
                        n = 3;
                    const char *name = k == PLG_WINDOWS ? "libcosmosb buffer windows" : "iceoryx chunks (polling take)";
                    bench_progress("[peers: large payloads %d/%d, round %u/%u] %-31s %3llu MiB ", rep + 1, o->repeat,
                                   round + 1, rounds, name, (unsigned long long)(plg_sizes[si] >> 20));
                    g_what = name;
                    double gbps = 0;
                    char what[96] = "";
                    int rc;
                    alarm(o->watchdog_s);
                    if (k == PLG_WINDOWS) {
                        bench_bulk_params_t bp = {
                            .payload = plg_sizes[si], .messages = n, .touch = 1, .cpu_consumer = o->cpu_a, .cpu_producer = o->cpu_b
                        };
                        bench_bulk_result_t br;
                        rc = bench_bulk(BULK_WINDOWS, &bp, &br);
                        gbps = br.gbytes_per_s;
                        snprintf(what, sizeof what, "%s", br.what);
                    } else {
                        rc = bench_bulk_iox((uint32_t)plg_sizes[si], n, o->cpu_a, o->cpu_b, &gbps, what, sizeof what);
                    }
                    alarm(0);
                    if (rc != 0) {
                        report_fail(name, what, rc);
                        plg_res[si][k].err = 1;
                        continue;
                    }
                    bench_progress("%8.2f GB/s\n", gbps);
                    ps_add(&rv[k], gbps * 1e9);
                }
            }
            for (int k = 0; k < PLG_N; k++)
                if (!plg_res[si][k].err && rv[k].n > 0)
                    ps_add(&plg_res[si][k], ps_med(&rv[k]));
        }
    }
#else
    (void)o;
    for (int si = 0; si < 2; si++)
        plg_res[si][PLG_WINDOWS].skip = plg_res[si][PLG_IOX].skip = true;
#endif
}

static void print_plg(void)
{
    char a[64], b[64], d[32];
    if (plg_res[0][PLG_IOX].skip)
        return;
    printf("### Large payloads against iceoryx (GB/s, every byte written by the producer and read by the consumer)\n\n");
    printf("libcosmosb: buffer windows (the producer fills a slice of a shared buffer in place, a 40-byte window "
           "travels in a pipe; the same code as the large-payload section). iceoryx: the producer loans a chunk of "
           "the payload size from RouDi's pool, fills it in place and publishes it; the consumer takes it, sums "
           "every 64-bit word and releases it. Both check the sum. Median of the rounds; \"vs\": libcosmosb "
           "divided by iceoryx.\n\n");
    printf("| payload | libcosmosb windows | iceoryx chunks | vs |\n|---:|---:|---:|---:|\n");
    for (int si = 0; si < 2; si++) {
        bool ok = ps_ok(&plg_res[si][0]) && ps_ok(&plg_res[si][1]);
        printf("| %llu MiB | %s | %s | %s |\n", (unsigned long long)(plg_sizes[si] >> 20),
               ps_fmt(a, sizeof a, &plg_res[si][PLG_WINDOWS], 1e-9), ps_fmt(b, sizeof b, &plg_res[si][PLG_IOX], 1e-9),
               ok ? ratio(d, sizeof d, ps_med(&plg_res[si][0]), ps_med(&plg_res[si][1])) : "n/a");
    }
    printf("\n");
}

/* ---- memcpy ------------------------------------------------------------------- */

static pser_t pmc_res[2];
static const size_t pmc_sizes[2] = { (size_t)1 << 20, (size_t)64 << 20 };

static void measure_memcpy(const bench_peers_opts_t *o)
{
    bench_pin(o->cpu_a);
    for (int rep = 0; rep < o->repeat; rep++) {
        for (int i = 0; i < 2; i++) {
            bench_progress("[peers: memcpy %d/%d] %3zu MiB %42s ", rep + 1, o->repeat, pmc_sizes[i] >> 20, "");
            double bps = bench_memcpy_bps(pmc_sizes[i], o->quick ? 0.05 : 0.3);
            if (bps <= 0) {
                report_fail("memcpy", "malloc", -ENOMEM);
                pmc_res[i].err = 1;
                continue;
            }
            bench_progress("%8.2f GB/s\n", bps / 1e9);
            ps_add(&pmc_res[i], bps);
        }
    }
}

/* ---- printing --------------------------------------------------------------------- */

static size_t prt_find(const char *file)
{
    for (size_t k = 0; k < N_PRT; k++)
        if (strcmp(prt_cases[k].file, file) == 0)
            return k;
    return N_PRT;
}

static size_t pst_find(const char *file)
{
    for (size_t k = 0; k < N_PST; k++)
        if (strcmp(pst_cases[k].file, file) == 0)
            return k;
    return N_PST;
}

static void print_prt(const bench_peers_opts_t *o)
{
    char a[64], b[64], c[64], d[32];
    printf("### Round trip against the peers and the kernel, 64-byte messages, CPU %d <-> CPU %d\n\n", o->cpu_a,
           o->cpu_b);
    printf("Two processes; every message carries a sequence number that the other side checks. %zu round trips "
           "per busy row, %zu per blocking row, in interleaved rounds (every system once per round, in turn), "
           "percentiles over all of them. \"vs libcosmosb\": the system's median divided by libcosmosb's in the "
           "same mode (busy poll against libcosmosb busy, blocking against libcosmosb spin 0), so above 1.00x "
           "libcosmosb is faster. ck_ring and rte_ring carry the message by value in a ring in shared memory; "
           "iceoryx loans, publishes, takes and releases a chunk.\n\n",
           prt_nsamples[prt_find("raw_shm")], prt_nsamples[prt_find("futex")]);
    printf("| system | waiting | median µs | p99 µs | p99.9 µs | vs libcosmosb |\n");
    printf("|---|---|---:|---:|---:|---:|\n");
    size_t cb = prt_find("cosmosb_busy"), c0 = prt_find("cosmosb_spin0");
    for (size_t k = 0; k < N_PRT; k++) {
        const prt_case_t *cs = &prt_cases[k];
        size_t ref = cs->mode == RTM_BLOCK ? c0 : cb;
        const char *rs = cs->cosmosb ? "-" : ratio(d, sizeof d, ps_med(&prt_med[k]), ps_med(&prt_med[ref]));
        if (!ps_ok(&prt_med[k]) || !ps_ok(&prt_med[ref]))
            rs = cs->cosmosb ? "-" : "n/a";
        printf("| %s | %s | %s | %s | %s | %s |\n", cs->name, rt_mode_name[cs->mode],
               ps_fmt(a, sizeof a, &prt_med[k], 1e-3), ps_fmt(b, sizeof b, &prt_p99[k], 1e-3),
               ps_fmt(c, sizeof c, &prt_p999[k], 1e-3), rs);
    }
    printf("\n");
}

static void print_pst(const bench_peers_opts_t *o)
{
    char v[64], d[32];
    printf("### Streaming against the peers and the kernel (million messages per second), producer CPU %d, "
           "consumer CPU %d\n\n",
           o->cpu_b, o->cpu_a);
    printf("One producer process, one consumer process; the consumer copies every message out and checks its "
           "sequence number. Rings of %u slots. Batch 32: libcosmosb send_batch/recv_batch, rte_ring burst calls, "
           "sendmmsg/recvmmsg for seqpacket, one write/read of 32 messages for pipe(2) and the stream socket; "
           "ck_ring, iceoryx and POSIX queues have no batch call (32 single calls). Median of the rounds. "
           "\"vs\": libcosmosb divided by the system, same mode (busy against libcosmosb busy, blocking "
           "against libcosmosb's default spin-then-sleep), so above 1.00x libcosmosb is faster.\n\n",
           o->capacity);
    printf("| system | waiting |");
    for (int pi = 0; pi < N_PP; pi++)
        for (int bi = 0; bi < N_PB; bi++)
            printf(" %u B x%u |", pst_payloads[pi], pst_batches[bi]);
    printf(" vs, 64 B x1 | vs, 64 B x32 |\n|---|---|");
    for (int i = 0; i < N_PP * N_PB + 2; i++)
        printf("---:|");
    printf("\n");
    size_t cb = pst_find("cosmosb_busy"), cd = pst_find("cosmosb_default");
    for (size_t k = 0; k < N_PST; k++) {
        const pst_case_t *c = &pst_cases[k];
        printf("| %s | %s |", c->name, rt_mode_name[c->mode]);
        for (int pi = 0; pi < N_PP; pi++)
            for (int bi = 0; bi < N_PB; bi++)
                printf(" %s |", ps_fmt(v, sizeof v, &pst_res[pi][bi][k], 1e-6));
        size_t ref = c->mode == RTM_BLOCK ? cd : cb;
        for (int bi = 0; bi < N_PB; bi++) {
            if (k == cb || k == cd || !ps_ok(&pst_res[1][bi][k]) || !ps_ok(&pst_res[1][bi][ref]))
                printf(" %s |", k == cb || k == cd ? "-" : "n/a");
            else
                printf(" %s |", ratio(d, sizeof d, ps_med(&pst_res[1][bi][ref]), ps_med(&pst_res[1][bi][k])));
        }
        printf("\n");
    }
    printf("\n");
}

static void print_pmp(void)
{
    char v[64], d[32];
    printf("### MPSC, two producers, 64-byte messages (million messages per second)\n\n");
    printf("Two CPUs only: \"2 CPUs\" puts a producer on each CPU (the consumer floats), \"1 CPU\" puts both "
           "producers on one CPU (time-sliced by the scheduler) and the consumer on the other. A producer "
           "preempted in the middle of a multi-producer enqueue stalls the others in rte_ring and ck_ring "
           "(they must wait for its slot before publishing theirs); libcosmosb gives each producer its own "
           "ring. A measurement that stalls stops after its time budget and reports the messages it got "
           "(marked *). wfcqueue links nodes by pointer and so runs between threads of one process. \"vs\": "
           "libcosmosb divided by the system.\n\n");
    printf("| system | 2 CPUs, x1 | 2 CPUs, x32 | 1 CPU, x1 | 1 CPU, x32 | vs, 1 CPU x1 | vs, 1 CPU x32 |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|\n");
    for (size_t k = 0; k < N_PMP; k++) {
        printf("| %s |", pmp_cases[k].name);
        for (int pl = 0; pl < 2; pl++)
            for (int bi = 0; bi < N_PB; bi++)
                printf(" %s%s |", ps_fmt(v, sizeof v, &pmp_res[pl][bi][k], 1e-6), pmp_stopped[pl][bi][k] ? "*" : "");
        for (int bi = 0; bi < N_PB; bi++) {
            if (k == 0 || !ps_ok(&pmp_res[1][bi][k]) || !ps_ok(&pmp_res[1][bi][0]))
                printf(" %s |", k == 0 ? "-" : "n/a");
            else
                printf(" %s |", ratio(d, sizeof d, ps_med(&pmp_res[1][bi][0]), ps_med(&pmp_res[1][bi][k])));
        }
        printf("\n");
    }
    printf("\n");
}

static void print_memcpy(void)
{
    char v[64];
    printf("### memcpy bandwidth (one process, GB/s)\n\n| size | memcpy |\n|---:|---:|\n");
    for (int i = 0; i < 2; i++)
        printf("| %zu MiB | %s |\n", pmc_sizes[i] >> 20, ps_fmt(v, sizeof v, &pmc_res[i], 1e-9));
    printf("\nThe copy limit for large payloads: a receiver that must have its own copy of 64 MiB cannot do "
           "better than this.\n\n");
}

/* One row of the summary: libcosmosb's figure against one other system's. */
static void sum_row(const char *workload, const char *sys, const char *mode, const pser_t *cos, const pser_t *peer,
                    bool lower_better, double scale, const char *unit)
{
    char a[64], b[64], d[32];
    if (peer->skip)
        return;
    const char *verdict = "n/a";
    if (ps_ok(cos) && ps_ok(peer)) {
        double adv = lower_better ? ps_med(peer) / ps_med(cos) : ps_med(cos) / ps_med(peer);
        ratio(d, sizeof d, adv, 1);
        verdict = strstr(sys, "(limit)") ? "(a limit, not a peer)"
                  : adv >= 0.995            ? "yes"
                  : ps_overlap(cos, peer)   ? "no, within the spread"
                                            : "**no**";
    } else {
        snprintf(d, sizeof d, "n/a");
    }
    printf("| %s | %s | %s | %s %s | %s %s | %s | %s |\n", workload, sys, mode, ps_fmt(a, sizeof a, cos, scale), unit,
           ps_fmt(b, sizeof b, peer, scale), unit, d, verdict);
}

static void print_summary(void)
{
    printf("### Summary: libcosmosb against every other system, same run\n\n");
    printf("\"advantage\" is how many times better libcosmosb's median is (lower latency or higher "
           "throughput); \"at least equal\" is yes when it is 1.00x or more, \"no, within the spread\" when it is "
           "less but the [min-max] ranges of the repeated runs overlap (the repetitions do not resolve the "
           "difference), **no** otherwise. Same mode on both sides: busy "
           "polling against libcosmosb busy polling, blocking against libcosmosb blocking (round trips: spin 0; "
           "streaming: the default spin-then-sleep). Limits (raw ping-pong, futex, ideal ring) are not peers: "
           "they show what is left.\n\n");
    printf("| workload | other system | mode | libcosmosb | other | advantage | at least equal |\n");
    printf("|---|---|---|---:|---:|---:|---|\n");
    size_t cb = prt_find("cosmosb_busy"), c0 = prt_find("cosmosb_spin0");
    for (size_t k = 0; k < N_PRT; k++) {
        if (prt_cases[k].cosmosb || prt_cases[k].mode == RTM_DEFAULT)
            continue;
        size_t ref = prt_cases[k].mode == RTM_BLOCK ? c0 : cb;
        sum_row("round trip 64 B, median", prt_cases[k].name, rt_mode_name[prt_cases[k].mode], &prt_med[ref],
                &prt_med[k], true, 1e-3, "µs");
        sum_row("round trip 64 B, p99", prt_cases[k].name, rt_mode_name[prt_cases[k].mode], &prt_p99[ref],
                &prt_p99[k], true, 1e-3, "µs");
        sum_row("round trip 64 B, p99.9", prt_cases[k].name, rt_mode_name[prt_cases[k].mode], &prt_p999[ref],
                &prt_p999[k], true, 1e-3, "µs");
    }
    size_t sb = pst_find("cosmosb_busy"), sd = pst_find("cosmosb_default");
    char wl[64];
    for (int pi = 0; pi < N_PP; pi++) {
        for (int bi = 0; bi < N_PB; bi++) {
            snprintf(wl, sizeof wl, "streaming %u B, batch %u", pst_payloads[pi], pst_batches[bi]);
            for (size_t k = 0; k < N_PST; k++) {
                if (k == sb || k == sd)
                    continue;
                size_t ref = pst_cases[k].mode == RTM_BLOCK ? sd : sb;
                sum_row(wl, pst_cases[k].name, rt_mode_name[pst_cases[k].mode], &pst_res[pi][bi][ref],
                        &pst_res[pi][bi][k], false, 1e-6, "M/s");
            }
        }
    }
    for (int si = 0; si < 2; si++) {
        snprintf(wl, sizeof wl, "large payload %llu MiB", (unsigned long long)(plg_sizes[si] >> 20));
        sum_row(wl, "iceoryx chunks (polling take)", "busy poll", &plg_res[si][PLG_WINDOWS], &plg_res[si][PLG_IOX],
                false, 1e-9, "GB/s");
    }
    for (int pl = 0; pl < 2; pl++) {
        for (int bi = 0; bi < N_PB; bi++) {
            snprintf(wl, sizeof wl, "MPSC 2 producers, %s, batch %u", pl ? "1 CPU" : "2 CPUs", pst_batches[bi]);
            for (size_t k = 1; k < N_PMP; k++)
                sum_row(wl, pmp_cases[k].name, rt_mode_name[pmp_cases[k].mode], &pmp_res[pl][bi][0],
                        &pmp_res[pl][bi][k], false, 1e-6, "M/s");
        }
    }
    printf("\n");
}

/* ---- plots ------------------------------------------------------------------------ */

static FILE *open_in(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "cosmosb-bench: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static void write_plots(const char *dir)
{
    mkdir(dir, 0755);
    /* CDF data: one file per system, about 2000 points, denser in the tail. */
    for (size_t k = 0; k < N_PRT; k++) {
        if (!ps_ok(&prt_med[k]))
            continue;
        char name[96];
        snprintf(name, sizeof name, "rt_cdf_%s.dat", prt_cases[k].file);
        FILE *f = open_in(dir, name);
        if (!f)
            continue;
        size_t n = prt_nsamples[k];
        fprintf(f, "# round-trip latency CDF of %s (%s): latency_us fraction\n", prt_cases[k].name,
                rt_mode_name[prt_cases[k].mode]);
        for (int i = 0; i <= 2000; i++) {
            double q = i < 1000 ? i / 1000.0 * 0.99 : 0.99 + (i - 1000) / 1000.0 * 0.01;
            if (q > 1)
                q = 1;
            double v = bench_quantile_sorted(prt_samples[k], n, q >= 1 ? 0.999999 : q);
            fprintf(f, "%.4f %.6f\n", v / 1e3, q);
        }
        fclose(f);
    }
    FILE *f = open_in(dir, "throughput.dat");
    if (f) {
        fprintf(f, "# system \"64 B batch 1\" \"64 B batch 32\" (M msg/s, medians; 0 = not measured)\n");
        for (size_t k = 0; k < N_PST; k++) {
            if (pst_res[1][0][k].skip)
                continue;
            char nm[96];
            snprintf(nm, sizeof nm, "%s", pst_cases[k].file);
            fprintf(f, "\"%s\" %.4f %.4f\n", nm, ps_ok(&pst_res[1][0][k]) ? ps_med(&pst_res[1][0][k]) / 1e6 : 0,
                    ps_ok(&pst_res[1][1][k]) ? ps_med(&pst_res[1][1][k]) / 1e6 : 0);
        }
        for (size_t k = 0; k < N_PMP; k++) {
            fprintf(f, "\"MPSC %s, 1 CPU\" %.4f %.4f\n", pmp_cases[k].file,
                    ps_ok(&pmp_res[1][0][k]) ? ps_med(&pmp_res[1][0][k]) / 1e6 : 0,
                    ps_ok(&pmp_res[1][1][k]) ? ps_med(&pmp_res[1][1][k]) / 1e6 : 0);
        }
        fclose(f);
    }
    f = open_in(dir, "plots.gp");
    if (!f)
        return;
    fprintf(f, "# Written by cosmosb-bench; run with: gnuplot plots.gp (in this directory)\n"
               "set terminal pngcairo size 1100,700 font ',10'\nset grid\nset key bottom right\n"
               "set logscale x\nset xlabel 'round trip (µs, log scale)'\nset ylabel 'fraction of round trips'\n"
               "set yrange [0:1]\n");
    /* Two views of each distribution: the CDF (linear fraction: the body) and the tail
     * (fraction slower than x on a log scale: p99, p99.9 and beyond). libcosmosb thick. */
    for (int tail = 0; tail < 2; tail++) {
        if (tail)
            fprintf(f, "set logscale y\nset yrange [0.0001:1]\nset key top right\n"
                       "set ylabel 'fraction of round trips slower than x (log scale)'\n");
        for (int blocking = 0; blocking < 2; blocking++) {
            fprintf(f, "set output 'rt_%s_%s.png'\nset title 'Round-trip latency %s, 64 B, %s'\nplot ",
                    tail ? "tail" : "cdf", blocking ? "blocking" : "busy", tail ? "tail (1 - CDF)" : "CDF",
                    blocking ? "blocking (sleeping) receivers"
                             : "busy-polling receivers (libcosmosb default spin included)");
            bool first = true;
            for (size_t k = 0; k < N_PRT; k++) {
                if (!ps_ok(&prt_med[k]) || (prt_cases[k].mode == RTM_BLOCK) != (blocking == 1))
                    continue;
                char title[128];
                snprintf(title, sizeof title, "%s", prt_cases[k].name);
                for (char *c = title; *c; c++)
                    if (*c == '*' || *c == '\'' || *c == '_')
                        *c = ' ';
                fprintf(f, "%s'rt_cdf_%s.dat' using 1:%s with lines lw %d title '%s'", first ? "" : ", \\\n     ",
                        prt_cases[k].file, tail ? "(1-$2)" : "2", prt_cases[k].cosmosb ? 4 : 2, title);
                first = false;
            }
            fprintf(f, "\n");
        }
    }
    fprintf(f, "unset logscale x\nset logscale y\nset yrange [*:*]\nset xlabel ''\n"
               "set ylabel 'million messages per second (log scale)'\n"
               "set title 'Throughput, 64-byte messages (medians)'\nset style data histograms\n"
               "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\nset key top right\n"
               "set xtics rotate by -35 noenhanced\nset bmargin 9\nset rmargin 10\nset output 'throughput.png'\n"
               "plot 'throughput.dat' using 2:xtic(1) title 'batch 1', '' using 3 title 'batch 32'\n");
    fclose(f);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot plots.gp", dir);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "cosmosb-bench: gnuplot failed or is missing (%d); the data and plots.gp are in %s\n", rc,
                dir);
    else
        bench_progress("plots written to %s (rt_cdf_*.png, rt_tail_*.png, throughput.png)\n", dir);
}

/* ---- the report ------------------------------------------------------------------- */

static void print_built(void)
{
    printf("Peers built into this binary:");
    int n = 0;
#ifdef COSMOSB_BENCH_HAVE_CK
    printf("%s Concurrency Kit ck_ring", n++ ? "," : "");
#endif
#ifdef COSMOSB_BENCH_HAVE_DPDK
    printf("%s DPDK rte_ring", n++ ? "," : "");
#endif
#ifdef COSMOSB_BENCH_HAVE_URCU
    printf("%s liburcu wfcqueue", n++ ? "," : "");
#endif
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    printf("%s iceoryx (C binding)", n++ ? "," : "");
#endif
    printf("%s.", n ? "" : " none");
    if (COSMOSB_BENCH_MISSING[0])
        printf(" **Missing at build time** (rows left out): %s.", COSMOSB_BENCH_MISSING);
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    if (!g_iox_up)
        printf(" **iceoryx left out at run time**: %s.", g_iox_why);
#endif
    printf("\n\n");
}

int bench_peers_report(const bench_peers_opts_t *o)
{
    g_fail = 0;
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    g_iox_up = bench_iox_start(g_iox_why, sizeof g_iox_why) == 0;
    if (!g_iox_up)
        fprintf(stderr, "cosmosb-bench: iceoryx left out: %s\n", g_iox_why);
#endif
    measure_prt(o);
    measure_pst(o);
    measure_pmp(o);
    measure_plg(o);
    measure_memcpy(o);
#ifdef COSMOSB_BENCH_HAVE_ICEORYX
    if (g_iox_up)
        bench_iox_stop();
#endif
    printf("## libcosmosb against the peers and the kernel\n\n");
    print_built();
    print_prt(o);
    print_pst(o);
    print_pmp();
    print_plg();
    print_memcpy();
    print_summary();
    if (o->plot_dir) {
        write_plots(o->plot_dir);
        printf("Plots: `%s/rt_cdf_busy.png`, `%s/rt_cdf_blocking.png` (latency CDF per system), "
               "`%s/rt_tail_busy.png`, `%s/rt_tail_blocking.png` (the same, 1 - CDF on a log scale: the tail), "
               "`%s/throughput.png` (64 B throughput per system).\n\n",
               o->plot_dir, o->plot_dir, o->plot_dir, o->plot_dir, o->plot_dir);
    }
    if (o->opcount)
        g_fail += bench_opcount_report(o);
    for (size_t k = 0; k < N_PRT; k++) {
        free(prt_samples[k]);
        prt_samples[k] = NULL;
    }
    fflush(stdout);
    return g_fail;
}

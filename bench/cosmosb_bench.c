/*
 * cosmosb-bench: libcosmosb side by side with the limits (raw shared-memory
 * ping-pong, raw futex ping-pong, an ideal bare SPSC ring) and with the usual
 * kernel mechanisms (pipe(2), UNIX stream socket, eventfd-signalled slot), all
 * in the same run, cross-process and pinned to two CPUs.
 *
 *   cosmosb-bench [--quick] [--repeat N] [--capacity N] [--only rt|stream|bulk|arena|schema] [--quiet]
 *
 * Progress goes to stderr, the markdown table to stdout. The PASS/MISS marks
 * against the brief's targets are information: the exit status is 0 unless a
 * measurement failed (an error, a lost or reordered message, a hang).
 */
#include "bench.h"
#include "bench_zc.h"
#include "bench_peers.h"
#include "bench_schema.h"

#include <cosmosb/cosmosb.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_REPEAT 32

/* ---- configuration ------------------------------------------------------ */

typedef struct mode {
    const char *name;
    uint32_t rt_busy_samples, rt_busy_warmup;
    uint32_t rt_block_samples, rt_block_warmup;
    uint64_t shm_msgs_small;  /* shared-memory rings, payload <= 64 */
    uint64_t shm_msgs_large;  /* shared-memory rings, payload 512 */
    uint64_t sys_msgs_single; /* pipe(2) / socket, batch 1 */
    uint64_t sys_msgs_batch;  /* pipe(2) / socket, batch 32 */
    unsigned watchdog_s;      /* per measurement */
    uint32_t rt_rounds;       /* round trips: samples split into this many interleaved rounds */
    uint32_t st_rounds;       /* streaming: messages split likewise */
} mode_t_;

/* Figures above are totals per mechanism; they are split into interleaved
 * rounds (every mechanism runs once per round, in turn) so that a change of
 * machine state during the run (on this VM the cross-CPU latency moves by 4x
 * from one minute to the next) hits all mechanisms alike. */
static const mode_t_ mode_quick = { "quick", 20000, 2000, 2000, 200, 1000000, 400000, 60000, 200000, 60, 2, 1 };
static const mode_t_ mode_full = { "default", 200000, 20000, 20000, 1000, 25000000, 6000000, 1000000, 4000000, 180, 10, 5 };

static int g_repeat = 1;
static bool g_do_rt = true, g_do_stream = true;
static bool g_do_bulk = true, g_do_arena = true; /* bench_bulk.c, bench_arena.c */
static bool g_do_schema = true; /* bench_schema.c */
static bool g_do_peers = true, g_do_opcount = false; /* bench_peers_report.c, bench_opcount.c */
static const char *g_plot_dir; /* --plots DIR */
static int g_cpu_a = 0, g_cpu_b = 1;
static uint32_t g_capacity = 1024; /* ring slots, the same for libcosmosb and the ideal ring */
static int g_failures = 0;
static const struct mode *g_mode;

/* ---- watchdog ----------------------------------------------------------- */

static const char *volatile g_current = "";

static void on_alarm(int sig)
{
    (void)sig;
    static const char m[] = "\ncosmosb-bench: a measurement hung (watchdog): ";
    ssize_t rc = write(2, m, sizeof m - 1);
    rc = write(2, g_current, strlen(g_current));
    rc = write(2, "\n", 1);
    (void)rc;
    _exit(3); /* children die with us (PR_SET_PDEATHSIG) */
}

/* ---- series of repeated values ----------------------------------------- */

typedef struct series {
    double v[MAX_REPEAT];
    int n;
    int err;
} series_t;

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double s_median(const series_t *s)
{
    if (s->n == 0)
        return 0;
    double t[MAX_REPEAT];
    memcpy(t, s->v, (size_t)s->n * sizeof t[0]);
    qsort(t, (size_t)s->n, sizeof t[0], cmp_d);
    return s->n % 2 ? t[s->n / 2] : (t[s->n / 2 - 1] + t[s->n / 2]) / 2;
}

static double s_min(const series_t *s)
{
    double m = s->v[0];
    for (int i = 1; i < s->n; i++)
        m = s->v[i] < m ? s->v[i] : m;
    return m;
}

static double s_max(const series_t *s)
{
    double m = s->v[0];
    for (int i = 1; i < s->n; i++)
        m = s->v[i] > m ? s->v[i] : m;
    return m;
}

static bool s_ok(const series_t *s)
{
    return s->n > 0 && !s->err;
}

/* Formats a value (already scaled) with its spread when repeated. */
static const char *fmt_val(char *buf, size_t len, const series_t *s, double scale, int prec)
{
    if (!s_ok(s)) {
        snprintf(buf, len, "error");
    } else if (s->n == 1) {
        snprintf(buf, len, "%.*f", prec, s->v[0] * scale);
    } else {
        snprintf(buf, len, "%.*f [%.*f-%.*f]", prec, s_median(s) * scale, prec, s_min(s) * scale, prec,
                 s_max(s) * scale);
    }
    return buf;
}

static const char *fmt_ratio(char *buf, size_t len, const series_t *num, const series_t *den)
{
    if (!s_ok(num) || !s_ok(den) || s_median(den) == 0)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.2fx", s_median(num) / s_median(den));
    return buf;
}

/* ---- round trips ------------------------------------------------------- */

enum rt_kind { RT_RAW_SHM, RT_RING_LAYOUT, RT_RING_SLOTSEQ, RT_COSMOSB_BUSY, RT_COSMOSB_DEFAULT, RT_FUTEX, RT_COSMOSB_SPIN0, RT_EVENTFD, RT_PIPE,
               RT_UDS, RT_COUNT };

static const struct rt_case {
    const char *name;
    const char *kind;
    int busy;
    enum rt_kind limit; /* which limit the ratio is taken against */
} rt_cases[RT_COUNT] = {
    [RT_RAW_SHM] = { "raw 64-byte shared-memory ping-pong (hardware limit)", "busy poll", 1, RT_RAW_SHM },
    [RT_RING_LAYOUT] = { "diagnostic: bare ring, 80-byte slots (16 B header + 64 B), tail index line", "busy poll", 1,
                         RT_RAW_SHM },
    [RT_RING_SLOTSEQ] = { "diagnostic: bare ring, 80-byte slots, sequence word in each slot header", "busy poll", 1,
                          RT_RAW_SHM },
    [RT_COSMOSB_BUSY] = { "**libcosmosb**, busy polling (spin budget huge)", "busy poll", 1, RT_RAW_SHM },
    [RT_COSMOSB_DEFAULT] = { "**libcosmosb**, default spin-then-sleep", "spin, then futex", 1, RT_RAW_SHM },
    [RT_FUTEX] = { "raw futex ping-pong (kernel limit)", "blocking", 0, RT_FUTEX },
    [RT_COSMOSB_SPIN0] = { "**libcosmosb**, spin 0 (sleep at once)", "blocking", 0, RT_FUTEX },
    [RT_EVENTFD] = { "eventfd-signalled shared slot", "blocking", 0, RT_FUTEX },
    [RT_PIPE] = { "pipe(2)", "blocking", 0, RT_FUTEX },
    [RT_UDS] = { "UNIX stream socket", "blocking", 0, RT_FUTEX },
};

static series_t rt_med[RT_COUNT], rt_p99[RT_COUNT], rt_p999[RT_COUNT];

static int run_rt_case(enum rt_kind k, const bench_rt_params_t *p, bench_rt_result_t *r)
{
    switch (k) {
    case RT_RAW_SHM: return bench_rt_raw_shm(p, r);
    case RT_RING_LAYOUT: return bench_rt_ring_layout(p, r);
    case RT_RING_SLOTSEQ: return bench_rt_ring_slotseq(p, r);
    case RT_COSMOSB_BUSY: return bench_rt_cosmosb(p, BENCH_SPIN_BUSY, r);
    case RT_COSMOSB_DEFAULT: return bench_rt_cosmosb(p, BENCH_SPIN_DEFAULT, r);
    case RT_FUTEX: return bench_rt_futex(p, r);
    case RT_COSMOSB_SPIN0: return bench_rt_cosmosb(p, 0, r);
    case RT_EVENTFD: return bench_rt_eventfd(p, r);
    case RT_PIPE: return bench_rt_pipe(p, r);
    case RT_UDS: return bench_rt_uds(p, r);
    default: return -EINVAL;
    }
}

static void measure_rt(const mode_t_ *m)
{
    uint64_t *all[RT_COUNT];
    for (int k = 0; k < RT_COUNT; k++) {
        uint32_t n = rt_cases[k].busy ? m->rt_busy_samples : m->rt_block_samples;
        all[k] = malloc((size_t)n * sizeof(uint64_t));
        if (!all[k]) {
            fprintf(stderr, "cosmosb-bench: out of memory\n");
            exit(1);
        }
    }
    for (int rep = 0; rep < g_repeat; rep++) {
        bool failed[RT_COUNT] = { false };
        for (uint32_t round = 0; round < m->rt_rounds; round++) {
            for (int k = 0; k < RT_COUNT; k++) {
                const struct rt_case *c = &rt_cases[k];
                if (failed[k])
                    continue;
                uint32_t total = c->busy ? m->rt_busy_samples : m->rt_block_samples;
                uint32_t per = total / m->rt_rounds;
                bench_rt_params_t p = {
                    .samples = per,
                    .warmup = (c->busy ? m->rt_busy_warmup : m->rt_block_warmup) / m->rt_rounds + 1,
                    .cpu_a = g_cpu_a,
                    .cpu_b = g_cpu_b,
                    .samples_out = all[k] + (size_t)round * per,
                };
                bench_rt_result_t r;
                bench_progress("[round trip %d/%d, round %u/%u] %-55s ", rep + 1, g_repeat, round + 1, m->rt_rounds,
                               c->name);
                g_current = c->name;
                alarm(m->watchdog_s);
                int rc = run_rt_case((enum rt_kind)k, &p, &r);
                alarm(0);
                if (rc != 0) {
                    bench_progress("FAILED: %s (%d)\n", r.what, rc);
                    fprintf(stderr, "cosmosb-bench: %s failed: %s (%d)\n", c->name, r.what, rc);
                    rt_med[k].err = rt_p99[k].err = rt_p999[k].err = 1;
                    failed[k] = true;
                    g_failures++;
                    continue;
                }
                bench_progress("median %8.2f us  p99 %8.2f us\n", r.median_ns / 1e3, r.p99_ns / 1e3);
            }
        }
        for (int k = 0; k < RT_COUNT; k++) {
            if (failed[k])
                continue;
            uint32_t total = (rt_cases[k].busy ? m->rt_busy_samples : m->rt_block_samples) / m->rt_rounds * m->rt_rounds;
            double med, p99;
            bench_percentiles(all[k], total, &med, &p99);
            rt_med[k].v[rt_med[k].n++] = med;
            rt_p99[k].v[rt_p99[k].n++] = p99;
            rt_p999[k].v[rt_p999[k].n++] = bench_quantile_sorted(all[k], total, 0.999);
        }
    }
    for (int k = 0; k < RT_COUNT; k++)
        free(all[k]);
}

static void print_rt(const mode_t_ *m)
{
    char a[64], b[64], c[32], d[64];
    printf("### Round trip, 64-byte messages, two processes pinned to CPU %d and CPU %d\n\n", g_cpu_a, g_cpu_b);
    printf("%u timed round trips per busy-polling row, %u per blocking row, taken in %u interleaved rounds "
           "(each mechanism once per round, in turn); the ratio is the median against the limit of the same "
           "kind (raw shared memory for busy polling, raw futex for blocking).\n\n",
           m->rt_busy_samples / m->rt_rounds * m->rt_rounds, m->rt_block_samples / m->rt_rounds * m->rt_rounds,
           m->rt_rounds);
    printf("| mechanism | waiting | median µs | p99 µs | p99.9 µs | ratio to limit |\n");
    printf("|---|---|---:|---:|---:|---:|\n");
    for (int k = 0; k < RT_COUNT; k++) {
        const struct rt_case *cs = &rt_cases[k];
        printf("| %s | %s | %s | %s | %s | %s |\n", cs->name, cs->kind, fmt_val(a, sizeof a, &rt_med[k], 1e-3, 2),
               fmt_val(b, sizeof b, &rt_p99[k], 1e-3, 2), fmt_val(d, sizeof d, &rt_p999[k], 1e-3, 2),
               (int)cs->limit == k ? "1.00x (limit)" : fmt_ratio(c, sizeof c, &rt_med[k], &rt_med[cs->limit]));
    }
    printf("\n");
}

/* ---- streaming ---------------------------------------------------------- */

enum st_mech { ST_RING, ST_RING_HDR, ST_RING_SLOTSEQ, ST_COSMOSB, ST_COSMOSB_DEF, ST_PIPE, ST_UDS, ST_PIPE_DRAIN, ST_UDS_DRAIN,
               ST_MECH_COUNT };
static const char *const st_mech_name[ST_MECH_COUNT] = { "ideal ring", "ideal ring, 16-byte headers",
                                                          "ideal ring, per-slot sequence words",
                                                          "libcosmosb busy", "libcosmosb default spin",
                                                          "pipe(2)", "UNIX socket", "pipe(2), reader drains",
                                                          "UNIX socket, reader drains" };
/* The draining-reader variants run for this payload only. */
#define DRAIN_PAYLOAD 64u

static const uint32_t st_payloads[] = { 8, 64, 512 };
static const uint32_t st_batches[] = { 1, 32 };
#define N_PAYLOADS (sizeof st_payloads / sizeof st_payloads[0])
#define N_BATCHES (sizeof st_batches / sizeof st_batches[0])

static series_t st_res[N_PAYLOADS][N_BATCHES][ST_MECH_COUNT];

/* MPSC with two producers, on separate CPUs or sharing one. */
enum st_extra { EX_MPSC_SPLIT_B1, EX_MPSC_SHARED_B1, EX_MPSC_SPLIT_B32, EX_MPSC_SHARED_B32, EX_COUNT };
static series_t st_extra[EX_COUNT];

static int run_stream(enum st_mech mech, const bench_stream_params_t *p, bench_stream_result_t *r)
{
    switch (mech) {
    case ST_RING: return bench_stream_ring(p, r);
    case ST_RING_HDR: return bench_stream_ring_hdr(p, r);
    case ST_RING_SLOTSEQ: return bench_stream_ring_slotseq(p, r);
    case ST_COSMOSB: return bench_stream_cosmosb(p, BENCH_SPIN_BUSY, r);
    case ST_COSMOSB_DEF: return bench_stream_cosmosb(p, BENCH_SPIN_DEFAULT, r);
    case ST_PIPE:
    case ST_PIPE_DRAIN: return bench_stream_pipe(p, r);
    case ST_UDS:
    case ST_UDS_DRAIN: return bench_stream_uds(p, r);
    default: return -EINVAL;
    }
}

/* Reports one run; on failure marks the series. Returns 0 or -1. */
static int record_stream(series_t *s, const char *label, int rc, const bench_stream_result_t *r)
{
    if (rc != 0) {
        bench_progress("FAILED: %s (%d)\n", r->what, rc);
        fprintf(stderr, "cosmosb-bench: %s failed: %s (%d)\n", label, r->what, rc);
        s->err = 1;
        g_failures++;
        return -1;
    }
    bench_progress("%9.2f M msg/s (%.2f s)\n", r->msgs_per_s / 1e6, r->seconds);
    return 0;
}

static void measure_stream(const mode_t_ *m)
{
    char label[128];
    for (size_t pi = 0; pi < N_PAYLOADS; pi++) {
        for (size_t bi = 0; bi < N_BATCHES; bi++) {
            for (int rep = 0; rep < g_repeat; rep++) {
                series_t rounds[ST_MECH_COUNT];
                memset(rounds, 0, sizeof rounds);
                bool failed[ST_MECH_COUNT] = { false };
                for (uint32_t round = 0; round < m->st_rounds; round++) {
                    for (int mech = 0; mech < ST_MECH_COUNT; mech++) {
                        bool drain = mech == ST_PIPE_DRAIN || mech == ST_UDS_DRAIN;
                        if (failed[mech] || (drain && st_payloads[pi] != DRAIN_PAYLOAD))
                            continue;
                        bool shm = mech == ST_RING || mech == ST_RING_HDR || mech == ST_RING_SLOTSEQ || mech == ST_COSMOSB ||
                                   mech == ST_COSMOSB_DEF;
                        bench_stream_params_t p = {
                            .messages = shm ? (st_payloads[pi] > 64 ? m->shm_msgs_large : m->shm_msgs_small)
                                            : (st_batches[bi] > 1 ? m->sys_msgs_batch : m->sys_msgs_single),
                            .payload = st_payloads[pi],
                            .batch = st_batches[bi],
                            .cpu_consumer = g_cpu_a,
                            .cpu_producer = g_cpu_b,
                            .cpu_producer2 = g_cpu_b,
                            .capacity = g_capacity,
                            .drain = drain,
                        };
                        if (!shm && st_payloads[pi] > 64)
                            p.messages /= 2;
                        p.messages /= m->st_rounds;
                        snprintf(label, sizeof label, "%s, %u B, batch %u", st_mech_name[mech], p.payload, p.batch);
                        bench_progress("[streaming %d/%d, round %u/%u] %-40s ", rep + 1, g_repeat, round + 1,
                                       m->st_rounds, label);
                        g_current = st_mech_name[mech];
                        bench_stream_result_t r;
                        alarm(m->watchdog_s);
                        int rc = run_stream((enum st_mech)mech, &p, &r);
                        alarm(0);
                        if (record_stream(&st_res[pi][bi][mech], label, rc, &r) != 0) {
                            failed[mech] = true;
                            continue;
                        }
                        rounds[mech].v[rounds[mech].n++] = r.msgs_per_s;
                    }
                }
                /* The median round: a round disturbed by something else on
                 * the machine does not drag the figure down. */
                for (int mech = 0; mech < ST_MECH_COUNT; mech++) {
                    series_t *s = &st_res[pi][bi][mech];
                    if (!failed[mech] && rounds[mech].n > 0)
                        s->v[s->n++] = s_median(&rounds[mech]);
                }
            }
        }
    }
    static const struct {
        const char *name;
        uint32_t batch;
        bool split; /* producers on different CPUs */
    } ex[EX_COUNT] = {
        [EX_MPSC_SPLIT_B1] = { "MPSC 2 producers on CPU 0 + CPU 1, batch 1", 1, true },
        [EX_MPSC_SHARED_B1] = { "MPSC 2 producers both on CPU 1, batch 1", 1, false },
        [EX_MPSC_SPLIT_B32] = { "MPSC 2 producers on CPU 0 + CPU 1, batch 32", 32, true },
        [EX_MPSC_SHARED_B32] = { "MPSC 2 producers both on CPU 1, batch 32", 32, false },
    };
    for (int rep = 0; rep < g_repeat; rep++) {
        series_t rounds[EX_COUNT];
        memset(rounds, 0, sizeof rounds);
        bool failed[EX_COUNT] = { false };
        for (uint32_t round = 0; round < m->st_rounds; round++) {
            for (int e = 0; e < EX_COUNT; e++) {
                if (failed[e])
                    continue;
                bench_stream_params_t p = {
                    .messages = m->shm_msgs_small / 2 / m->st_rounds,
                    .payload = 64,
                    .batch = ex[e].batch,
                    /* Two CPUs only: with a producer on each CPU the consumer
                     * floats; otherwise it has CPU A to itself. */
                    .cpu_consumer = ex[e].split ? -1 : g_cpu_a,
                    .cpu_producer = g_cpu_b,
                    .cpu_producer2 = ex[e].split ? g_cpu_a : g_cpu_b,
                    .capacity = g_capacity,
                };
                bench_progress("[MPSC %d/%d, round %u/%u] %-45s ", rep + 1, g_repeat, round + 1, m->st_rounds,
                               ex[e].name);
                g_current = ex[e].name;
                bench_stream_result_t r;
                alarm(m->watchdog_s);
                int rc = bench_stream_cosmosb_mpsc(&p, BENCH_SPIN_DEFAULT, &r);
                alarm(0);
                if (record_stream(&st_extra[e], ex[e].name, rc, &r) != 0) {
                    failed[e] = true;
                    continue;
                }
                rounds[e].v[rounds[e].n++] = r.msgs_per_s;
            }
        }
        for (int e = 0; e < EX_COUNT; e++) {
            if (!failed[e] && rounds[e].n > 0)
                st_extra[e].v[st_extra[e].n++] = s_median(&rounds[e]);
        }
    }
    bench_pin(g_cpu_a);
}

static void print_stream(void)
{
    char v[ST_MECH_COUNT][64], r1[32], r2[32], r3[32], r4[32];
    printf("### One-way streaming, producer on CPU %d, consumer on CPU %d (million messages per second)\n\n",
           g_cpu_b, g_cpu_a);
    printf("Every message carries a sequence number that the consumer checks. libcosmosb: SPSC pipe, "
           "%u slots, cosmosb_pipe_send/recv, or cosmosb_pipe_send_batch/recv_batch for batch 32, busy polling "
           "(\"busy\") or the default spin-then-sleep (\"default\"). Ideal ring: %u slots, payload copied in and "
           "out, one index publication per batch. pipe(2) and socket: one write(2) and one read(2) per batch, "
           "as libcosmosb makes one call per batch (a reader that drains 64 KiB per read(2) is below). Each figure is the median of %u interleaved rounds (each mechanism once per "
           "round, in turn). Ratios are for libcosmosb busy.\n\n",
           g_capacity, g_capacity, g_mode->st_rounds);
    printf("| payload | batch | ideal ring | libcosmosb busy | libcosmosb default | pipe(2) | UNIX socket | "
           "cosmosb / ideal | cosmosb / pipe | cosmosb / socket | default / busy |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t pi = 0; pi < N_PAYLOADS; pi++) {
        for (size_t bi = 0; bi < N_BATCHES; bi++) {
            series_t *s = st_res[pi][bi];
            for (int mech = 0; mech < ST_MECH_COUNT; mech++)
                fmt_val(v[mech], sizeof v[mech], &s[mech], 1e-6, s[mech].n > 0 && s_median(&s[mech]) < 1e7 ? 2 : 1);
            printf("| %u B | %u | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", st_payloads[pi], st_batches[bi],
                   v[ST_RING], v[ST_COSMOSB], v[ST_COSMOSB_DEF], v[ST_PIPE], v[ST_UDS],
                   fmt_ratio(r1, sizeof r1, &s[ST_COSMOSB], &s[ST_RING]),
                   fmt_ratio(r2, sizeof r2, &s[ST_COSMOSB], &s[ST_PIPE]),
                   fmt_ratio(r3, sizeof r3, &s[ST_COSMOSB], &s[ST_UDS]),
                   fmt_ratio(r4, sizeof r4, &s[ST_COSMOSB_DEF], &s[ST_COSMOSB]));
        }
    }
    printf("\n");

    printf("### Where libcosmosb's streaming time goes (diagnostic, M msg/s, same rounds)\n\n");
    printf("The ideal ring again with slots like libcosmosb's: a 16-byte header (type id, length, flags) "
           "before each payload and the stride rounded up to 16 bytes, published either by the tail index "
           "(\"headers\") or by a sequence word in each slot's header that the consumer polls (\"slot seq\"); "
           "no checks, no function calls. Ratios: \"headers / ideal\" is what the header and stride cost by "
           "themselves; \"libcosmosb / headers\" and \"libcosmosb / slot seq\" what libcosmosb costs on top of "
           "a bare ring with the same slots.\n\n");
    printf("| payload | batch | ideal ring | headers | slot seq | libcosmosb busy | headers / ideal | "
           "libcosmosb / headers | libcosmosb / slot seq |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t pi = 0; pi < N_PAYLOADS; pi++) {
        for (size_t bi = 0; bi < N_BATCHES; bi++) {
            series_t *s = st_res[pi][bi];
            printf("| %u B | %u | %s | %s | %s | %s | %s | %s | %s |\n", st_payloads[pi], st_batches[bi],
                   fmt_val(v[0], sizeof v[0], &s[ST_RING], 1e-6, 1),
                   fmt_val(v[1], sizeof v[1], &s[ST_RING_HDR], 1e-6, 1),
                   fmt_val(v[2], sizeof v[2], &s[ST_RING_SLOTSEQ], 1e-6, 1),
                   fmt_val(v[3], sizeof v[3], &s[ST_COSMOSB], 1e-6, 1),
                   fmt_ratio(r1, sizeof r1, &s[ST_RING_HDR], &s[ST_RING]),
                   fmt_ratio(r2, sizeof r2, &s[ST_COSMOSB], &s[ST_RING_HDR]),
                   fmt_ratio(r3, sizeof r3, &s[ST_COSMOSB], &s[ST_RING_SLOTSEQ]));
        }
    }
    printf("\n");

    printf("### pipe(2) and UNIX socket with a reader that drains up to 64 KiB per read(2), %u-byte payloads\n\n",
           DRAIN_PAYLOAD);
    printf("The best case for a byte stream: the reader is not charged one system call per message or batch "
           "(the writer still makes one write(2) per batch). Same rounds as the table above.\n\n");
    printf("| batch | pipe(2), draining | UNIX socket, draining | cosmosb busy / pipe | cosmosb busy / socket |\n");
    printf("|---:|---:|---:|---:|---:|\n");
    for (size_t pi = 0; pi < N_PAYLOADS; pi++) {
        if (st_payloads[pi] != DRAIN_PAYLOAD)
            continue;
        for (size_t bi = 0; bi < N_BATCHES; bi++) {
            series_t *s = st_res[pi][bi];
            printf("| %u | %s | %s | %s | %s |\n", st_batches[bi],
                   fmt_val(v[0], sizeof v[0], &s[ST_PIPE_DRAIN], 1e-6, 2),
                   fmt_val(v[1], sizeof v[1], &s[ST_UDS_DRAIN], 1e-6, 2),
                   fmt_ratio(r1, sizeof r1, &s[ST_COSMOSB], &s[ST_PIPE_DRAIN]),
                   fmt_ratio(r2, sizeof r2, &s[ST_COSMOSB], &s[ST_UDS_DRAIN]));
        }
    }
    printf("\n");

    printf("### libcosmosb MPSC, two producers (64-byte payloads, default spin-then-sleep, M msg/s)\n\n");
    printf("Each producer has its own rings, so a producer preempted in the middle of a send delays nobody "
           "else. Two CPUs only: with a producer on each CPU the consumer floats between them; with both "
           "producers on CPU %d the consumer has CPU %d to itself. Median of %u interleaved rounds.\n\n",
           g_cpu_b, g_cpu_a, g_mode->st_rounds);
    printf("| producers | batch 1 | batch 32 |\n|---|---:|---:|\n");
    printf("| on separate CPUs | %s | %s |\n", fmt_val(v[0], sizeof v[0], &st_extra[EX_MPSC_SPLIT_B1], 1e-6, 2),
           fmt_val(v[1], sizeof v[1], &st_extra[EX_MPSC_SPLIT_B32], 1e-6, 2));
    printf("| sharing one CPU | %s | %s |\n", fmt_val(v[2], sizeof v[2], &st_extra[EX_MPSC_SHARED_B1], 1e-6, 2),
           fmt_val(v[3], sizeof v[3], &st_extra[EX_MPSC_SHARED_B32], 1e-6, 2));
    printf("| shared / separate | %s | %s |\n",
           fmt_ratio(r1, sizeof r1, &st_extra[EX_MPSC_SHARED_B1], &st_extra[EX_MPSC_SPLIT_B1]),
           fmt_ratio(r2, sizeof r2, &st_extra[EX_MPSC_SHARED_B32], &st_extra[EX_MPSC_SPLIT_B32]));
    printf("\n");
}

/* ---- targets ------------------------------------------------------------ */

static void target(const char *what, const series_t *num, const series_t *den, double bound, bool at_most)
{
    if ((num->n == 0 && !num->err) || (den->n == 0 && !den->err))
        return; /* not measured in this run (--only) */
    if (!s_ok(num) || !s_ok(den) || s_median(den) == 0) {
        printf("| %s | n/a | n/a | n/a |\n", what);
        return;
    }
    double ratio = s_median(num) / s_median(den);
    bool pass = at_most ? ratio <= bound : ratio >= bound;
    printf("| %s | %s %.2gx | %.2fx | %s |\n", what, at_most ? "<=" : ">=", bound, ratio, pass ? "PASS" : "**MISS**");
}

static void print_targets(void)
{
    printf("### Targets from the brief (section 5), medians of this run\n\n");
    printf("| target | bound | measured | mark |\n|---|---:|---:|---|\n");
    target("busy round trip / raw shared-memory ping-pong", &rt_med[RT_COSMOSB_BUSY], &rt_med[RT_RAW_SHM], 1.5, true);
    target("default spin round trip / raw shared-memory ping-pong", &rt_med[RT_COSMOSB_DEFAULT], &rt_med[RT_RAW_SHM],
           1.5, true);
    target("blocking round trip, spin 0 / raw futex ping-pong", &rt_med[RT_COSMOSB_SPIN0], &rt_med[RT_FUTEX], 1.2,
           true);
    series_t *s64 = st_res[1][0], *s64b = st_res[1][1];
    target("64 B streaming / pipe(2)", &s64[ST_COSMOSB], &s64[ST_PIPE], 10, false);
    target("64 B streaming / UNIX socket", &s64[ST_COSMOSB], &s64[ST_UDS], 10, false);
    target("64 B streaming / ideal ring", &s64[ST_COSMOSB], &s64[ST_RING], 0.5, false);
    target("64 B batch 32 / ideal ring batch 32", &s64b[ST_COSMOSB], &s64b[ST_RING], 0.7, false);
    printf("\nAlso, for information (not targets of the brief):\n\n");
    printf("| comparison | bound | measured | mark |\n|---|---:|---:|---|\n");
    target("the limit itself: ideal ring 64 B / pipe(2)", &s64[ST_RING], &s64[ST_PIPE], 10, false);
    target("64 B streaming / pipe(2) with a draining reader", &s64[ST_COSMOSB], &s64[ST_PIPE_DRAIN], 10, false);
    target("64 B streaming / UNIX socket with a draining reader", &s64[ST_COSMOSB], &s64[ST_UDS_DRAIN], 10, false);
    target("busy round trip / bare ring, 80-byte slots, tail index", &rt_med[RT_COSMOSB_BUSY], &rt_med[RT_RING_LAYOUT],
           1.5, true);
    target("busy round trip / bare ring, 80-byte slots, slot sequence words", &rt_med[RT_COSMOSB_BUSY],
           &rt_med[RT_RING_SLOTSEQ], 1.5, true);
    target("8 B streaming / ideal ring", &st_res[0][0][ST_COSMOSB], &st_res[0][0][ST_RING], 0.5, false);
    target("512 B streaming / ideal ring", &st_res[2][0][ST_COSMOSB], &st_res[2][0][ST_RING], 0.5, false);
    target("8 B batch 32 / ideal ring batch 32", &st_res[0][1][ST_COSMOSB], &st_res[0][1][ST_RING], 0.7, false);
    target("512 B batch 32 / ideal ring batch 32", &st_res[2][1][ST_COSMOSB], &st_res[2][1][ST_RING], 0.7, false);
    target("64 B default spin / busy polling", &st_res[1][0][ST_COSMOSB_DEF], &st_res[1][0][ST_COSMOSB], 0.8, false);
    target("MPSC producers sharing a CPU / on separate CPUs, batch 1", &st_extra[EX_MPSC_SHARED_B1],
           &st_extra[EX_MPSC_SPLIT_B1], 0.5, false);
    printf("\n");
}

/* ---- machine ------------------------------------------------------------ */

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ' || *c == '\t')
                    c++;
                c[strcspn(c, "\n")] = 0;
                snprintf(buf, len, "%s", c);
            }
            break;
        }
    }
    fclose(f);
}

static void loadavg(char *buf, size_t len)
{
    snprintf(buf, len, "?");
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return;
    double a = 0, b = 0, c = 0;
    if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
        snprintf(buf, len, "%.2f %.2f %.2f", a, b, c);
    fclose(f);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cosmosb-bench [--quick] [--repeat N] [--capacity N] [--only rt|stream|bulk|arena|schema] [--quiet]\n"
               "  --quick     a few seconds in all (smoke test; figures are rough)\n"
               "  --repeat N  run every measurement N times (1..%d); report median [min-max]\n"
               "  --capacity N  ring slots for the streaming rings (power of two, 64..65536; default 1024)\n"
               "  --only rt   only the round trips; --only stream: only the streaming\n"
               "  --only bulk only the large payloads (buffer windows vs copies)\n"
               "  --only arena only the arena (allocation, transfer, fan-out, reclaim vs malloc and copies)\n"
               "  --only schema only typed messages (validation cost vs bare send/recv)\n"
               "  --only peers only libcosmosb against the peers and more kernel IPC (round trips with p99.9,\n"
               "              streaming, MPSC, memcpy, summary with ratios); --only opcount: instruction counts\n"
               "  --plots DIR write latency CDFs and a throughput bar chart (gnuplot PNGs) into DIR\n"
               "  --opcount   also count instructions per send/receive with valgrind --tool=callgrind\n"
               "  --quiet     no progress on stderr\n"
               "Progress on stderr, markdown table on stdout. Exit status 1 if a measurement failed.\n",
            MAX_REPEAT);
}

int main(int argc, char **argv)
{
    const mode_t_ *m = &mode_full;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            m = &mode_quick;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > MAX_REPEAT) {
                usage(stderr);
                return 2;
            }
            g_repeat = (int)n;
        } else if (strcmp(argv[i], "--capacity") == 0 && i + 1 < argc) {
            char *end;
            unsigned long n = strtoul(argv[++i], &end, 10);
            if (*end || n < 64 || n > 65536 || (n & (n - 1))) {
                usage(stderr);
                return 2;
            }
            g_capacity = (uint32_t)n;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            i++;
            bool rt = strcmp(argv[i], "rt") == 0, stream = strcmp(argv[i], "stream") == 0;
            bool bulk = strcmp(argv[i], "bulk") == 0, arena = strcmp(argv[i], "arena") == 0;
            bool peers = strcmp(argv[i], "peers") == 0, opcount = strcmp(argv[i], "opcount") == 0;
            bool schema = strcmp(argv[i], "schema") == 0;
            if (rt || stream || bulk || arena || peers || opcount || schema) {
                g_do_schema = schema;
                g_do_peers = peers;
                g_do_opcount = opcount;
                g_do_rt = rt;
                g_do_stream = stream;
                g_do_bulk = bulk;
                g_do_arena = arena;
            } else {
                usage(stderr);
                return 2;
            }
        } else if (strcmp(argv[i], "--plots") == 0 && i + 1 < argc) {
            g_plot_dir = argv[++i];
        } else if (strcmp(argv[i], "--opcount") == 0) {
            g_do_opcount = true;
        } else if (strcmp(argv[i], "--opcount-child") == 0 && i + 2 < argc) {
            /* Internal: the measured side of the instruction count, run under callgrind. */
            return bench_opcount_child(argv[i + 1], strtol(argv[i + 2], NULL, 10));
        } else if (strcmp(argv[i], "--quiet") == 0) {
            bench_quiet = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    g_mode = m;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (bench_ncpus() < 2) {
        g_cpu_a = g_cpu_b = -1;
        fprintf(stderr, "cosmosb-bench: fewer than 2 CPUs available; running unpinned\n");
    }

    char model[256];
    cpu_model(model, sizeof model);
    struct utsname u;
    uname(&u);
    printf("## cosmosb-bench (%s mode, repeat %d)\n\n", m->name, g_repeat);
    char load0[64];
    loadavg(load0, sizeof load0);
    printf("libcosmosb %s; %ld CPUs online, %s; Linux %s %s; load average before the run %s\n\n",
           cosmosb_version_string(), sysconf(_SC_NPROCESSORS_ONLN), model, u.release, u.machine, load0);
    if (g_repeat > 1)
        printf("Each figure is the median of %d runs, with [min-max] over the runs; ratios use the medians.\n\n",
               g_repeat);
    fflush(stdout);

    uint64_t t0 = bench_now_ns();
    if (g_do_rt)
        measure_rt(m);
    if (g_do_stream)
        measure_stream(m);
    double secs = (double)(bench_now_ns() - t0) / 1e9;

    if (g_do_rt)
        print_rt(m);
    if (g_do_stream)
        print_stream();
    if (g_do_rt || g_do_stream)
        print_targets();
    /* Large data (bench_bulk.c, bench_arena.c): measured and printed by their own module, after the tables above. */
    bench_zc_opts_t zc = { m == &mode_quick, g_repeat, g_cpu_a, g_cpu_b, m->watchdog_s };
    uint64_t t1 = bench_now_ns();
    if (g_do_bulk)
        g_failures += bench_bulk_report(&zc);
    if (g_do_arena)
        g_failures += bench_arena_report(&zc);
    if (g_do_schema)
        g_failures += bench_schema_report(&zc);
    /* Peers and more kernel IPC (bench_peers_report.c), instruction counts (bench_opcount.c). */
    bench_peers_opts_t po = { m == &mode_quick, g_repeat, g_cpu_a, g_cpu_b, m->watchdog_s, g_capacity,
                              g_plot_dir, g_do_opcount, "/proc/self/exe" };
    char self[4096];
    ssize_t self_len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (self_len > 0) {
        self[self_len] = 0;
        po.self_exe = self;
    }
    if (g_do_peers)
        g_failures += bench_peers_report(&po);
    else if (g_do_opcount)
        g_failures += bench_opcount_report(&po);
    secs += (double)(bench_now_ns() - t1) / 1e9;
    printf("Total time %.0f s.%s\n", secs,
           g_failures ? " **Some measurements failed; see stderr.**" : "");
    return g_failures ? 1 : 0;
}

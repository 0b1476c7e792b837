/*
 * bench_schema.c: what typed messages cost on top of bare pipe messages.
 *
 * One process, one thread, one SPSC pipe whose producer and consumer handles
 * are both held by the measuring process (the producer attaches to the
 * consumer's descriptors): each batch of 64 messages is sent, then received,
 * and the two phases are timed apart. So the figures are CPU cost per message
 * on the sending and on the receiving side, without the cross-CPU cache
 * traffic that a two-process run adds to both alike (the round-trip and
 * streaming sections measure that).
 *
 * Paths, for a 64-byte message (a string and an enum among scalars) and a
 * 1 KiB message (a string, an enum, 120 doubles, 16 bools):
 *   - bare: cosmosb_pipe_send / cosmosb_pipe_recv of the struct (no header,
 *     no check; the receiver copies it out, as a typed COPY receive does);
 *   - typed COPY: cosmosb_typed_send_tagged / cosmosb_receiver_recv +
 *     cosmosb_receiver_release, trust mode COPY (copy to private memory,
 *     validate the copy: the default);
 *   - typed IN_PLACE: the same with trust mode IN_PLACE (validated and read in
 *     the ring slot; the slot is freed on release);
 *   - validate alone: cosmosb_schema_validate() on a private copy;
 *   - typed COPY of the same layouts without rules (integers where the types
 *     have CHARS, ENUM and BOOL): the difference to typed COPY is what the
 *     receiver's validation costs.
 * Then the same paths between two processes (a producer process streaming to
 * the measuring consumer, busy polling), in messages per second.
 * Every receive checks the message's sequence number, so a lost, reordered or
 * corrupted message fails the measurement.
 */
#include "bench_internal.h"
#include "bench_schema.h"

#include <cosmosb/cosmosb.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A typical small message: 64 bytes with a string and an enum. */
#define BS_SMALL_FIELDS(F)   \
    F(U64, seq)              \
    F(U64, ts_ns)            \
    F(CHARS, symbol, 16)     \
    F(ENUM, side, 0, 2)      \
    F(U32, qty)              \
    F(F64, price)            \
    F(F64, stop)             \
    F(U32, account)          \
    F(BOOL, urgent)
COSMOSB_SCHEMA(bs_small, "bench.Order", 1, BS_SMALL_FIELDS)

/* A 1 KiB message. */
#define BS_LARGE_FIELDS(F)      \
    F(U64, seq)                 \
    F(CHARS, name, 32)          \
    F(ENUM, unit, 0, 7)         \
    F(U32, n)                   \
    F(ARRAY, F64, samples, 120) \
    F(ARRAY, BOOL, valid, 16)
COSMOSB_SCHEMA(bs_large, "bench.Samples", 1, BS_LARGE_FIELDS)

/* The same layouts with no rule to check (integers where the types above have
 * CHARS, ENUM and BOOL): the receive cost of a typed message minus validation. */
#define BS_SMALL_PLAIN_FIELDS(F) \
    F(U64, seq)                  \
    F(U64, ts_ns)                \
    F(ARRAY, U8, symbol, 16)     \
    F(I32, side)                 \
    F(U32, qty)                  \
    F(F64, price)                \
    F(F64, stop)                 \
    F(U32, account)              \
    F(U8, urgent)
COSMOSB_SCHEMA(bs_small_plain, "bench.PlainOrder", 1, BS_SMALL_PLAIN_FIELDS)
#define BS_LARGE_PLAIN_FIELDS(F) \
    F(U64, seq)                  \
    F(ARRAY, U8, name, 32)       \
    F(I32, unit)                 \
    F(U32, n)                    \
    F(ARRAY, F64, samples, 120)  \
    F(ARRAY, U8, valid, 16)
COSMOSB_SCHEMA(bs_large_plain, "bench.PlainSamples", 1, BS_LARGE_PLAIN_FIELDS)

COSMOSB_STATIC_ASSERT(sizeof(bs_small) == 64, "bench.Order is 64 bytes");
COSMOSB_STATIC_ASSERT(sizeof(bs_small_plain) == 64, "bench.PlainOrder is 64 bytes");
COSMOSB_STATIC_ASSERT(sizeof(bs_large_plain) == 1024, "bench.PlainSamples is 1 KiB");
COSMOSB_STATIC_ASSERT(sizeof(bs_large) == 1024, "bench.Samples is 1 KiB");

#define BS_BATCH 64u
#define BS_CAPACITY 256u
#define BS_TYPE_BARE UINT64_C(0xb0b0000000000301)
#define BS_MAX_RUNS 64

enum bs_path { BS_BARE, BS_COPY, BS_IN_PLACE, BS_COPY_PLAIN, BS_VALIDATE, BS_PATH_COUNT };

static const char *const bs_path_name[BS_PATH_COUNT] = {
    "bare cosmosb_pipe_send / cosmosb_pipe_recv",
    "typed, trust COPY (default): typed_send_tagged / receiver_recv + release",
    "typed, trust IN_PLACE: typed_send_tagged / receiver_recv + release",
    "typed, trust COPY, same layout without rules (no CHARS, ENUM, BOOL)",
    "cosmosb_schema_validate alone (private copy)",
};

typedef struct bs_runs {
    double send[BS_MAX_RUNS]; /* ns per message */
    double recv[BS_MAX_RUNS];
    int n;
    int err;
} bs_runs_t;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    if (n <= 0)
        return 0;
    double t[BS_MAX_RUNS];
    memcpy(t, v, (size_t)n * sizeof t[0]);
    qsort(t, (size_t)n, sizeof t[0], cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static void fill_small(bs_small *m, uint64_t seq)
{
    memset(m, 0, sizeof *m);
    m->seq = seq;
    m->ts_ns = seq * 1000u;
    memcpy(m->symbol, "ACME.XNAS", 10);
    m->side = (int32_t)(seq % 3u);
    m->qty = 100;
    m->price = 101.25;
    m->stop = 99.5;
    m->account = 42;
    m->urgent = (uint8_t)(seq & 1u);
}

static void fill_large(bs_large *m, uint64_t seq)
{
    memset(m, 0, sizeof *m);
    m->seq = seq;
    memcpy(m->name, "sensor-array-7/temperature", 27);
    m->unit = 3;
    m->n = 120;
    for (int i = 0; i < 120; i++)
        m->samples[i] = 20.0 + i * 0.125;
    for (int i = 0; i < 16; i++)
        m->valid[i] = (uint8_t)(i & 1);
}

/* One measurement of `messages` messages; adds a run to *r. Returns 0 or 1 (failure). */
static int bs_measure(enum bs_path path, int large, uint64_t messages, bs_runs_t *r)
{
    const cosmosb_schema_t *schema = large ? &bs_large_schema : &bs_small_schema;
    if (path == BS_COPY_PLAIN)
        schema = large ? &bs_large_plain_schema : &bs_small_plain_schema;
    uint32_t size = schema->size;
    static bs_large msgs[BS_BATCH]; /* big enough for either type */
    static unsigned char buf[2048] __attribute__((aligned(8)));
    uint64_t t_send = 0, t_recv = 0;
    const char *what = "";
    int rc = 0;
    uint64_t bad = 0;

    for (uint32_t i = 0; i < BS_BATCH; i++) {
        if (large)
            fill_large(&msgs[i], 0);
        else
            fill_small((bs_small *)&msgs[i], 0);
    }

    if (path == BS_VALIDATE) {
        memcpy(buf, &msgs[0], size);
        cosmosb_validate_error_t err;
        uint64_t t0 = bench_now_ns();
        for (uint64_t i = 0; i < messages; i++)
            bad += cosmosb_schema_validate(schema, buf, size, NULL, &err) != COSMOSB_OK;
        t_recv = bench_now_ns() - t0;
        if (bad) {
            fprintf(stderr, "bench schema: validate refused a valid message\n");
            r->err = 1;
            return 1;
        }
        if (r->n < BS_MAX_RUNS) {
            r->send[r->n] = 0;
            r->recv[r->n] = (double)t_recv / (double)messages;
            r->n++;
        }
        return 0;
    }

    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = BS_CAPACITY;
    cfg.slot_size = COSMOSB_TYPED_HEADER_MAX + size;
    cosmosb_pipe_t *cons = NULL, *prod = NULL;
    cosmosb_receiver_t *rx = NULL;
    void *rx_mem = NULL;
    cosmosb_typed_tag_t tag;
    if ((rc = cosmosb_pipe_create(&cfg, &cons)) != COSMOSB_OK) {
        what = "cosmosb_pipe_create";
        goto out;
    }
    if ((rc = cosmosb_pipe_attach(cosmosb_pipe_fd(cons), cosmosb_pipe_eventfd(cons), &prod)) != COSMOSB_OK) {
        what = "cosmosb_pipe_attach";
        goto out;
    }
    if (path != BS_BARE) {
        cosmosb_receiver_config_t rcfg;
        cosmosb_receiver_config_init(&rcfg);
        rcfg.trust = path == BS_IN_PLACE ? COSMOSB_TRUST_IN_PLACE : COSMOSB_TRUST_COPY;
        size_t need = cosmosb_receiver_memsize(&rcfg);
        rx_mem = aligned_alloc(64, (need + 63u) & ~(size_t)63u);
        if (!rx_mem) {
            rc = COSMOSB_ENOMEM;
            what = "aligned_alloc";
            goto out;
        }
        if ((rc = cosmosb_receiver_init(rx_mem, need, cons, &rcfg, &rx)) != COSMOSB_OK ||
            (rc = cosmosb_receiver_accept(rx, schema, NULL, NULL)) != COSMOSB_OK ||
            (rc = cosmosb_typed_tag_init(schema, &tag)) != COSMOSB_OK) {
            what = "receiver setup";
            goto out;
        }
    }

    uint64_t seq = 0, expect = 0;
    /* One untimed batch first: page faults of the fresh ring are not timed. */
    uint64_t warm = BS_CAPACITY;
    for (uint64_t done = 0; done < warm + messages; done += BS_BATCH) {
        int timed = done >= warm;
        uint64_t t0 = bench_now_ns();
        for (uint32_t i = 0; i < BS_BATCH; i++) {
            /* The sequence number is the first member of both types. */
            memcpy(&msgs[i], &seq, sizeof seq);
            seq++;
            if (path == BS_BARE)
                rc = cosmosb_pipe_send(prod, BS_TYPE_BARE, &msgs[i], size, 0, COSMOSB_TIMEOUT_NONE);
            else
                rc = cosmosb_typed_send_tagged(prod, &tag, &msgs[i], 0, COSMOSB_TIMEOUT_NONE);
            if (rc != COSMOSB_OK) {
                what = "send";
                goto out;
            }
        }
        uint64_t t1 = bench_now_ns();
        for (uint32_t i = 0; i < BS_BATCH; i++) {
            uint64_t got;
            if (path == BS_BARE) {
                cosmosb_msg_info_t info;
                rc = cosmosb_pipe_recv(cons, buf, sizeof buf, &info, COSMOSB_TIMEOUT_NONE);
                if (rc != COSMOSB_OK) {
                    what = "cosmosb_pipe_recv";
                    goto out;
                }
                memcpy(&got, buf, sizeof got);
                bad += info.len != size;
            } else {
                cosmosb_typed_msg_t m;
                rc = cosmosb_receiver_recv(rx, &m, COSMOSB_TIMEOUT_NONE);
                if (rc != COSMOSB_OK) {
                    what = "cosmosb_receiver_recv";
                    goto out;
                }
                memcpy(&got, m.data, sizeof got);
                bad += m.in_place != (path == BS_IN_PLACE);
                if ((rc = cosmosb_receiver_release(rx, &m)) != COSMOSB_OK) {
                    what = "cosmosb_receiver_release";
                    goto out;
                }
            }
            bad += got != expect++;
        }
        uint64_t t2 = bench_now_ns();
        if (timed) {
            t_send += t1 - t0;
            t_recv += t2 - t1;
        }
    }
    if (bad) {
        rc = -1;
        what = "a message was lost, reordered, corrupted or took the wrong path";
        goto out;
    }
    if (rx) {
        cosmosb_receiver_stats_t st;
        cosmosb_receiver_stats(rx, &st);
        if (st.rejected_total) {
            rc = -1;
            what = "the receiver rejected a valid message";
            goto out;
        }
    }
    if (r->n < BS_MAX_RUNS) {
        r->send[r->n] = (double)t_send / (double)messages;
        r->recv[r->n] = (double)t_recv / (double)messages;
        r->n++;
    }
    rc = 0;
out:
    if (prod)
        cosmosb_pipe_close(prod);
    if (cons)
        cosmosb_pipe_close(cons);
    free(rx_mem);
    if (rc != 0) {
        fprintf(stderr, "bench schema: %s, %u B: %s: %s\n", bs_path_name[path], size, what,
                rc < 0 && rc != -1 ? cosmosb_strerror(rc) : "check failed");
        r->err = 1;
        return 1;
    }
    return 0;
}

/* ===== two processes: streaming throughput ================================ */

/* The producer process sends typed (or bare) messages as fast as it can; the
 * consumer (the measuring process) receives them through a receiver (or
 * cosmosb_pipe_recv) and checks each sequence number. Busy polling. */
struct bs_stream {
    enum bs_path path;
    int large;
    cosmosb_pipe_t *cons, *prod;
    cosmosb_receiver_t *rx;
};

static const cosmosb_schema_t *bs_schema(enum bs_path path, int large)
{
    if (path == BS_COPY_PLAIN)
        return large ? &bs_large_plain_schema : &bs_small_plain_schema;
    return large ? &bs_large_schema : &bs_small_schema;
}

static int bst_prepare(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct bs_stream *s = st;
    (void)nprod;
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = p->capacity ? p->capacity : 1024;
    cfg.slot_size = COSMOSB_TYPED_HEADER_MAX + bs_schema(s->path, s->large)->size;
    int rc = cosmosb_pipe_create(&cfg, &s->cons);
    if (rc == 0)
        cosmosb_pipe_set_spin_ns(s->cons, BENCH_SPIN_BUSY);
    return rc;
}

static int bst_producer_init(void *st, const bench_stream_params_t *p, uint32_t idx)
{
    struct bs_stream *s = st;
    (void)p;
    (void)idx;
    int rc = cosmosb_pipe_attach(cosmosb_pipe_fd(s->cons), cosmosb_pipe_eventfd(s->cons), &s->prod);
    if (rc == 0)
        cosmosb_pipe_set_spin_ns(s->prod, BENCH_SPIN_BUSY);
    return rc;
}

static int bst_produce(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count)
{
    struct bs_stream *s = st;
    const cosmosb_schema_t *schema = bs_schema(s->path, s->large);
    static bs_large msg; /* big enough for either type */
    cosmosb_typed_tag_t tag;
    (void)p;
    if (s->large)
        fill_large(&msg, 0);
    else
        fill_small((bs_small *)&msg, 0);
    int rc = cosmosb_typed_tag_init(schema, &tag);
    for (uint64_t n = 0; rc == 0 && n < count; n++) {
        uint64_t seq = SEQ_MAKE(idx, n);
        memcpy(&msg, &seq, sizeof seq);
        if (s->path == BS_BARE)
            rc = cosmosb_pipe_send(s->prod, BS_TYPE_BARE, &msg, schema->size, 0, COSMOSB_TIMEOUT_FOREVER);
        else
            rc = cosmosb_typed_send_tagged(s->prod, &tag, &msg, 0, COSMOSB_TIMEOUT_FOREVER);
    }
    cosmosb_pipe_close(s->prod);
    return rc;
}

static int bst_consumer_init(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct bs_stream *s = st;
    (void)p;
    (void)nprod;
    if (s->path == BS_BARE)
        return 0;
    cosmosb_receiver_config_t rcfg;
    cosmosb_receiver_config_init(&rcfg);
    rcfg.trust = s->path == BS_IN_PLACE ? COSMOSB_TRUST_IN_PLACE : COSMOSB_TRUST_COPY;
    int rc = cosmosb_receiver_create(s->cons, &rcfg, &s->rx);
    if (rc == 0)
        rc = cosmosb_receiver_accept(s->rx, bs_schema(s->path, s->large), NULL, NULL);
    return rc;
}

static int bst_consume(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                       bench_stream_result_t *r)
{
    struct bs_stream *s = st;
    static unsigned char buf[2048] __attribute__((aligned(8)));
    uint64_t expect[2] = { 0, 0 };
    (void)p;
    for (uint64_t got = 0; got < total; got++) {
        uint64_t seq;
        int rc;
        if (s->path == BS_BARE) {
            cosmosb_msg_info_t info;
            rc = cosmosb_pipe_recv(s->cons, buf, sizeof buf, &info, COSMOSB_TIMEOUT_FOREVER);
            memcpy(&seq, buf, sizeof seq);
        } else {
            cosmosb_typed_msg_t m;
            rc = cosmosb_receiver_recv(s->rx, &m, COSMOSB_TIMEOUT_FOREVER);
            if (rc == 0) {
                memcpy(&seq, m.data, sizeof seq);
                rc = cosmosb_receiver_release(s->rx, &m);
            }
        }
        if (rc != 0) {
            snprintf(r->what, sizeof r->what, "receive after %llu messages: %s", (unsigned long long)got,
                     cosmosb_strerror(rc));
            return rc;
        }
        if (bench_check_seq(seq, expect, nprod, r) != 0)
            return -1;
    }
    return 0;
}

static void bst_cleanup(void *st, const bench_stream_params_t *p)
{
    struct bs_stream *s = st;
    (void)p;
    cosmosb_receiver_destroy(s->rx);
    s->rx = NULL;
    cosmosb_pipe_close(s->cons);
    s->cons = NULL;
}

static const stream_impl_t bst_impl = { bst_prepare, bst_producer_init, bst_produce, bst_consumer_init,
                                        bst_consume, bst_cleanup };

/* One streaming measurement; adds msgs/s to r->recv (send unused). Returns 0 or 1. */
static int bs_stream(const bench_zc_opts_t *o, enum bs_path path, int large, uint64_t messages, bs_runs_t *r)
{
    struct bs_stream s;
    memset(&s, 0, sizeof s);
    s.path = path;
    s.large = large;
    bench_stream_params_t p = {
        .messages = messages,
        .payload = bs_schema(path, large)->size,
        .batch = 1,
        .cpu_consumer = o->cpu_a,
        .cpu_producer = o->cpu_b,
        .cpu_producer2 = o->cpu_b,
        .capacity = 1024,
    };
    bench_stream_result_t res;
    memset(&res, 0, sizeof res);
    if (o->watchdog_s)
        alarm(o->watchdog_s);
    int rc = bench_run_stream(&bst_impl, &s, &p, 1, &res);
    alarm(0);
    if (rc != 0) {
        fprintf(stderr, "bench schema: streaming, %s, %u B: %s (%d)\n", bs_path_name[path], p.payload, res.what, rc);
        r->err = 1;
        return 1;
    }
    if (r->n < BS_MAX_RUNS) {
        r->send[r->n] = 0;
        r->recv[r->n] = res.msgs_per_s;
        r->n++;
    }
    return 0;
}

static const char *bs_fmt(char *buf, size_t len, const bs_runs_t *r, int which)
{
    if (r->err || r->n == 0)
        snprintf(buf, len, "error");
    else if (which == 0)
        snprintf(buf, len, "%.1f", median(r->send, r->n));
    else if (which == 1)
        snprintf(buf, len, "%.1f", median(r->recv, r->n));
    else {
        double s[BS_MAX_RUNS];
        for (int i = 0; i < r->n; i++)
            s[i] = r->send[i] + r->recv[i];
        snprintf(buf, len, "%.1f", median(s, r->n));
    }
    return buf;
}

static double bs_med(const bs_runs_t *r, int which)
{
    if (r->err || r->n == 0)
        return 0;
    if (which == 0)
        return median(r->send, r->n);
    if (which == 1)
        return median(r->recv, r->n);
    double s[BS_MAX_RUNS];
    for (int i = 0; i < r->n; i++)
        s[i] = r->send[i] + r->recv[i];
    return median(s, r->n);
}

static const char *bs_ratio(char *buf, size_t len, double num, double den)
{
    if (num <= 0 || den <= 0)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.2fx", num / den);
    return buf;
}

int bench_schema_report(const bench_zc_opts_t *o)
{
    int quick = o->quick;
    int rounds = quick ? 1 : 5, repeat = o->repeat < 1 ? 1 : o->repeat;
    int failures = 0;
    bs_runs_t res[2][BS_PATH_COUNT], str[2][BS_PATH_COUNT];
    memset(res, 0, sizeof res);
    memset(str, 0, sizeof str);
    bench_pin(o->cpu_a);

    for (int rep = 0; rep < repeat; rep++) {
        for (int round = 0; round < rounds; round++) {
            for (int large = 0; large < 2; large++) {
                for (int p = 0; p < BS_PATH_COUNT; p++) {
                    uint64_t n = quick ? 20000 : (large ? 500000 : 2000000);
                    if (res[large][p].err)
                        continue;
                    bench_progress("[schema %d/%d, round %d/%d] %s B, %s\n", rep + 1, repeat, round + 1, rounds,
                                   large ? "1024" : "64", bs_path_name[p]);
                    failures += bs_measure((enum bs_path)p, large, n, &res[large][p]);
                }
                for (int p = 0; p < BS_VALIDATE; p++) {
                    uint64_t n = quick ? 20000 : (large ? 500000 : 2000000);
                    if (str[large][p].err)
                        continue;
                    bench_progress("[schema %d/%d, round %d/%d] streaming %s B, %s\n", rep + 1, repeat, round + 1,
                                   rounds, large ? "1024" : "64", bs_path_name[p]);
                    failures += bs_stream(o, (enum bs_path)p, large, n, &str[large][p]);
                }
            }
        }
    }
    bench_pin(-1);

    char a[32], b[32], c[32], d[32];
    int nruns = rounds * repeat;
    printf("### Typed messages: what the schema layer costs (one process, ns per message)\n\n");
    printf("One thread holds both ends of an SPSC pipe (256 slots) and sends batches of %u messages, then "
           "receives them; the send and receive phases are timed apart, so these are CPU costs per message "
           "with warm caches and no cross-CPU traffic. Typed: cosmosb_typed_send_tagged (8-byte header, then "
           "the struct) and cosmosb_receiver_recv + cosmosb_receiver_release; bare: cosmosb_pipe_send and "
           "cosmosb_pipe_recv of the same struct. The 64 B type has a CHARS[16] and an ENUM among "
           "scalars and a BOOL; the 1 KiB type a CHARS[32], an ENUM, 120 F64 and 16 BOOLs. Median of %d "
           "runs, pinned to CPU %d.\n\n",
           BS_BATCH, nruns, o->cpu_a);
    printf("| message | path | send | receive | send + receive | receive / bare receive |\n"
           "|---:|---|---:|---:|---:|---:|\n");
    for (int large = 0; large < 2; large++) {
        double bare_recv = bs_med(&res[large][BS_BARE], 1);
        for (int p = 0; p < BS_PATH_COUNT; p++) {
            const bs_runs_t *r = &res[large][p];
            printf("| %s | %s | %s | %s | %s | %s |\n", large ? "1 KiB" : "64 B", bs_path_name[p],
                   p == BS_VALIDATE ? "-" : bs_fmt(a, sizeof a, r, 0), bs_fmt(b, sizeof b, r, 1),
                   p == BS_VALIDATE ? "-" : bs_fmt(c, sizeof c, r, 2),
                   p == BS_BARE ? "1.00x" : bs_ratio(d, sizeof d, bs_med(r, 1), bare_recv));
        }
    }
    printf("\n| ratio | 64 B | 1 KiB |\n|---|---:|---:|\n");
    double vin[2], frac[2];
    for (int large = 0; large < 2; large++) {
        double copy = bs_med(&res[large][BS_COPY], 1), plain = bs_med(&res[large][BS_COPY_PLAIN], 1);
        vin[large] = copy - plain;
        frac[large] = copy > 0 && plain > 0 ? vin[large] / copy : 0;
    }
    printf("| validation inside the receiver: typed COPY receive minus the same without rules, ns | %.1f | %.1f |\n",
           vin[0], vin[1]);
    printf("| the same, as a fraction of the typed COPY receive | %.0f%% | %.0f%% |\n", frac[0] * 100.0,
           frac[1] * 100.0);
    printf("| cosmosb_schema_validate alone / typed COPY receive | %s | %s |\n",
           bs_ratio(a, sizeof a, bs_med(&res[0][BS_VALIDATE], 1), bs_med(&res[0][BS_COPY], 1)),
           bs_ratio(b, sizeof b, bs_med(&res[1][BS_VALIDATE], 1), bs_med(&res[1][BS_COPY], 1)));
    printf("| cosmosb_schema_validate alone / typed IN_PLACE receive | %s | %s |\n",
           bs_ratio(a, sizeof a, bs_med(&res[0][BS_VALIDATE], 1), bs_med(&res[0][BS_IN_PLACE], 1)),
           bs_ratio(b, sizeof b, bs_med(&res[1][BS_VALIDATE], 1), bs_med(&res[1][BS_IN_PLACE], 1)));
    printf("| typed COPY send + receive / bare send + receive | %s | %s |\n",
           bs_ratio(a, sizeof a, bs_med(&res[0][BS_COPY], 2), bs_med(&res[0][BS_BARE], 2)),
           bs_ratio(b, sizeof b, bs_med(&res[1][BS_COPY], 2), bs_med(&res[1][BS_BARE], 2)));
    printf("| typed IN_PLACE send + receive / bare send + receive | %s | %s |\n",
           bs_ratio(a, sizeof a, bs_med(&res[0][BS_IN_PLACE], 2), bs_med(&res[0][BS_BARE], 2)),
           bs_ratio(b, sizeof b, bs_med(&res[1][BS_IN_PLACE], 2), bs_med(&res[1][BS_BARE], 2)));
    printf("| typed IN_PLACE receive / typed COPY receive | %s | %s |\n",
           bs_ratio(a, sizeof a, bs_med(&res[0][BS_IN_PLACE], 1), bs_med(&res[0][BS_COPY], 1)),
           bs_ratio(b, sizeof b, bs_med(&res[1][BS_IN_PLACE], 1), bs_med(&res[1][BS_COPY], 1)));
    printf("\n");

    printf("### Typed messages between two processes (streaming, million messages per second)\n\n");
    printf("A producer process on CPU %d sends as fast as it can through an SPSC pipe of 1024 slots; the "
           "consumer on CPU %d receives and checks every sequence number; both busy-poll. Same types and paths "
           "as above. Median of %d runs.\n\n",
           o->cpu_b, o->cpu_a, nruns);
    printf("| path | 64 B | 1 KiB | 64 B / bare | 1 KiB / bare |\n|---|---:|---:|---:|---:|\n");
    for (int p = 0; p < BS_VALIDATE; p++) {
        double v0 = bs_med(&str[0][p], 1), v1 = bs_med(&str[1][p], 1);
        printf("| %s | %s | %s | %s | %s |\n", bs_path_name[p],
               str[0][p].err ? "error" : (snprintf(a, sizeof a, "%.2f", v0 / 1e6), a),
               str[1][p].err ? "error" : (snprintf(b, sizeof b, "%.2f", v1 / 1e6), b),
               bs_ratio(c, sizeof c, v0, bs_med(&str[0][BS_BARE], 1)),
               bs_ratio(d, sizeof d, v1, bs_med(&str[1][BS_BARE], 1)));
    }
    printf("\n");
    return failures;
}

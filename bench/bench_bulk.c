/*
 * bench_bulk.c: large payloads from a producer process to a consumer
 * process. The producer fills every byte of each payload (word i of message
 * `seq` is seq + i), the consumer reads every byte (sums the words) and
 * checks the sum, so a lost, stale or torn payload is an error.
 *
 *   windows          the producer allocates a slice of a ring buffer
 *                    (cosmosb_buffer_alloc), fills it in place, gives a
 *                    read-only window to the consumer and sends the 40-byte
 *                    window in a libcosmosb pipe; the consumer accepts,
 *                    resolves, sums in place, releases. No payload byte is
 *                    copied.
 *   libcosmosb copy  the producer fills a private buffer and sends it in
 *                    64 KiB chunks through a libcosmosb pipe (copy in); the
 *                    consumer receives the chunks into a private buffer
 *                    (copy out) and sums it.
 *   pipe(2), pipe(2) with F_SETPIPE_SZ 1 MiB, UNIX stream socket: the same,
 *                    one write(2)/read(2) loop per payload.
 *
 * Pipes carrying windows or chunks busy-poll (as iceoryx's and the other
 * shared-memory figures do); pipe(2) and the socket block in the kernel.
 */
#include "bench_internal.h"
#include "bench_zc.h"

#include <cosmosb/cosmosb.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BULK_TYPE_WINDOW UINT64_C(0xb0b0000000000101)
#define BULK_TYPE_CHUNK UINT64_C(0xb0b0000000000102)
#define CHUNK (64u * 1024u)      /* libcosmosb copy: bytes per slot */
#define RING_MIN (4ull << 20)    /* windows: ring buffer of at least 4 MiB (as many bytes as the copying
                                    libcosmosb pipe's 64 slots of 64 KiB) ... */
#define RING_PAYLOADS 4u         /* ... and at least 4 payloads (every byte touched) */
#define RING_PAYLOADS_CTL 64u    /* ... or exactly 64 payloads when the bytes are not touched (sparse: only the
                                    touched pages are ever allocated), so that every size has as many
                                    messages in flight and the figure is the per-message cost alone */

static const char *const mech_names[BULK_MECH_COUNT] = {
    [BULK_WINDOWS] = "libcosmosb windows",
    [BULK_COSMOSB_COPY] = "libcosmosb pipe, copying 64 KiB chunks",
    [BULK_PIPE] = "pipe(2)",
    [BULK_PIPE_1M] = "pipe(2), F_SETPIPE_SZ 1 MiB",
    [BULK_UDS] = "UNIX socket",
};

const char *bench_bulk_name(enum bench_bulk_mech m)
{
    return (unsigned)m < BULK_MECH_COUNT ? mech_names[m] : "?";
}

/* ---- payload contents --------------------------------------------------- */

static void fill_words(uint64_t *p, uint64_t n, uint64_t seq)
{
    for (uint64_t i = 0; i < n; i++)
        p[i] = seq + i;
}

static uint64_t sum_words(const uint64_t *p, uint64_t n)
{
    uint64_t a = 0, b = 0, c = 0, d = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        a += p[i];
        b += p[i + 1];
        c += p[i + 2];
        d += p[i + 3];
    }
    for (; i < n; i++)
        a += p[i];
    return a + b + c + d;
}

static uint64_t expected_sum(uint64_t n, uint64_t seq)
{
    return n * seq + n * (n - 1) / 2; /* modulo 2^64 on both sides */
}

/* Producer side: write message `seq` into p (every word, or first and last only). */
static void produce_bytes(uint64_t *p, uint64_t n, uint64_t seq, int touch)
{
    if (touch) {
        fill_words(p, n, seq);
    } else {
        p[0] = seq;
        p[n - 1] = seq + n - 1;
    }
}

/* Consumer side: 0 if p holds message `seq`. */
static int check_bytes(const uint64_t *p, uint64_t n, uint64_t seq, int touch, bench_stream_result_t *r)
{
    if (touch) {
        uint64_t s = sum_words(p, n);
        if (s != expected_sum(n, seq)) {
            snprintf(r->what, sizeof r->what, "checksum error in message %llu", (unsigned long long)seq);
            return -1;
        }
    } else if (p[0] != seq || p[n - 1] != seq + n - 1) {
        snprintf(r->what, sizeof r->what, "bad payload in message %llu", (unsigned long long)seq);
        return -1;
    }
    return 0;
}

/* ---- state shared by the callbacks ---------------------------------- */

struct bulk {
    enum bench_bulk_mech mech;
    uint64_t payload, words, ring, warm;
    int touch;
    uint64_t seq; /* next message (each process counts its own) */
    int fd[2];    /* pipe(2) [0] read [1] write, or socketpair [0] consumer [1] producer */
    cosmosb_pipe_t *cons, *prod;
    cosmosb_bufmgr_t *mgr;
    uint32_t buf_id, dest;
    uint64_t *priv;
};

static void set_busy(cosmosb_pipe_t *p)
{
    cosmosb_pipe_set_spin_ns(p, BENCH_SPIN_BUSY);
}

static int bulk_prepare(void *stp, const bench_stream_params_t *sp, uint32_t nprod)
{
    (void)sp;
    (void)nprod;
    struct bulk *s = stp;
    cosmosb_pipe_config_t cfg;
    int rc;
    switch (s->mech) {
    case BULK_WINDOWS:
    case BULK_COSMOSB_COPY:
        if (s->mech == BULK_WINDOWS && socketpair(AF_UNIX, SOCK_STREAM, 0, s->fd) != 0)
            return -errno;
        cosmosb_pipe_config_init(&cfg);
        cfg.capacity = 64;
        cfg.slot_size = s->mech == BULK_WINDOWS ? (uint32_t)sizeof(cosmosb_window_t) : CHUNK;
        if ((rc = cosmosb_pipe_create(&cfg, &s->cons)) != 0)
            return rc;
        set_busy(s->cons);
        return 0;
    case BULK_PIPE:
    case BULK_PIPE_1M:
        if (pipe(s->fd) != 0)
            return -errno;
        if (s->mech == BULK_PIPE_1M && fcntl(s->fd[1], F_SETPIPE_SZ, 1 << 20) < 0)
            return -errno;
        return 0;
    case BULK_UDS:
        return socketpair(AF_UNIX, SOCK_STREAM, 0, s->fd) != 0 ? -errno : 0;
    default:
        return -EINVAL;
    }
}

static int windows_send(struct bulk *s, uint64_t seq)
{
    cosmosb_window_t w, t;
    void *p;
    int rc;
    while ((rc = cosmosb_buffer_alloc(s->mgr, s->buf_id, s->payload, &w, &p)) == COSMOSB_ENOMEM)
        bench_cpu_relax(); /* the ring is full of slices the consumer still holds */
    if (rc != 0)
        return rc;
    produce_bytes(p, s->words, seq, s->touch);
    if ((rc = cosmosb_window_give(s->mgr, &w, s->dest, &t)) != 0)
        return rc;
    if ((rc = cosmosb_window_release(s->mgr, &w)) != 0) /* the transfer keeps the slice alive */
        return rc;
    return cosmosb_pipe_send(s->prod, BULK_TYPE_WINDOW, &t, sizeof t, 0, COSMOSB_TIMEOUT_FOREVER);
}

static int windows_recv(struct bulk *s, uint64_t seq, bench_stream_result_t *r)
{
    cosmosb_window_t t;
    cosmosb_msg_info_t info;
    const void *d;
    int rc = cosmosb_pipe_recv(s->cons, &t, sizeof t, &info, COSMOSB_TIMEOUT_FOREVER);
    if (rc == 0 && (info.type_id != BULK_TYPE_WINDOW || info.len != sizeof t || t.length != s->payload))
        rc = COSMOSB_ECORRUPT;
    if (rc == 0)
        rc = cosmosb_window_accept(s->mgr, &t);
    if (rc == 0)
        rc = cosmosb_window_resolve(s->mgr, &t, &d);
    if (rc != 0) {
        snprintf(r->what, sizeof r->what, "window %llu: %s", (unsigned long long)seq, cosmosb_strerror(rc));
        return rc;
    }
    if (check_bytes(d, s->words, seq, s->touch, r) != 0)
        return -EIO;
    return cosmosb_window_release(s->mgr, &t);
}

static int copy_send(struct bulk *s, uint64_t seq)
{
    produce_bytes(s->priv, s->words, seq, 1);
    const unsigned char *b = (const unsigned char *)s->priv;
    for (uint64_t off = 0; off < s->payload; off += CHUNK) {
        uint64_t n = s->payload - off < CHUNK ? s->payload - off : CHUNK;
        int rc = cosmosb_pipe_send(s->prod, BULK_TYPE_CHUNK, b + off, (uint32_t)n, 0, COSMOSB_TIMEOUT_FOREVER);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int copy_recv(struct bulk *s, uint64_t seq, bench_stream_result_t *r)
{
    unsigned char *b = (unsigned char *)s->priv;
    for (uint64_t off = 0; off < s->payload; off += CHUNK) {
        uint64_t n = s->payload - off < CHUNK ? s->payload - off : CHUNK;
        cosmosb_msg_info_t info;
        int rc = cosmosb_pipe_recv(s->cons, b + off, (uint32_t)n, &info, COSMOSB_TIMEOUT_FOREVER);
        if (rc == 0 && (info.type_id != BULK_TYPE_CHUNK || info.len != n))
            rc = COSMOSB_ECORRUPT;
        if (rc != 0) {
            snprintf(r->what, sizeof r->what, "chunk of %llu: %s", (unsigned long long)seq, cosmosb_strerror(rc));
            return rc;
        }
    }
    return check_bytes(s->priv, s->words, seq, 1, r) ? -EIO : 0;
}

static int stream_send(struct bulk *s, uint64_t seq)
{
    produce_bytes(s->priv, s->words, seq, 1);
    return bench_write_full(s->fd[1], s->priv, s->payload);
}

static int stream_recv(struct bulk *s, uint64_t seq, bench_stream_result_t *r)
{
    int rc = bench_read_full(s->fd[0], s->priv, s->payload);
    if (rc != 0) {
        snprintf(r->what, sizeof r->what, "read of %llu: %s", (unsigned long long)seq, strerror(-rc));
        return rc;
    }
    return check_bytes(s->priv, s->words, seq, 1, r) ? -EIO : 0;
}

static int send_one(struct bulk *s)
{
    uint64_t seq = s->seq++;
    switch (s->mech) {
    case BULK_WINDOWS: return windows_send(s, seq);
    case BULK_COSMOSB_COPY: return copy_send(s, seq);
    default: return stream_send(s, seq);
    }
}

static int recv_one(struct bulk *s, bench_stream_result_t *r)
{
    uint64_t seq = s->seq++;
    switch (s->mech) {
    case BULK_WINDOWS: return windows_recv(s, seq, r);
    case BULK_COSMOSB_COPY: return copy_recv(s, seq, r);
    default: return stream_recv(s, seq, r);
    }
}

static uint64_t *alloc_private(uint64_t bytes)
{
    uint64_t *p = aligned_alloc(64, (size_t)bytes);
    if (p)
        memset(p, 0, (size_t)bytes); /* fault it in before the clock starts */
    return p;
}

static int bulk_producer_init(void *stp, const bench_stream_params_t *sp, uint32_t idx)
{
    (void)sp;
    (void)idx;
    struct bulk *s = stp;
    int rc;
    s->seq = 1;
    switch (s->mech) {
    case BULK_WINDOWS:
        close(s->fd[0]);
        if ((rc = cosmosb_bufmgr_create(NULL, 1024, &s->mgr)) != 0 ||
            (rc = cosmosb_buffer_create(s->mgr, s->ring, COSMOSB_BUFFER_RING, &s->buf_id)) != 0 ||
            (rc = cosmosb_bufmgr_share(s->mgr, s->fd[1])) != 0)
            return rc;
        if ((rc = bench_read_full(s->fd[1], &s->dest, sizeof s->dest)) != 0)
            return rc;
        break;
    case BULK_COSMOSB_COPY:
        break;
    case BULK_PIPE:
    case BULK_PIPE_1M:
        close(s->fd[0]);
        break;
    case BULK_UDS:
        close(s->fd[0]);
        s->fd[0] = -1;
        break;
    default:
        return -EINVAL;
    }
    if (s->mech == BULK_WINDOWS || s->mech == BULK_COSMOSB_COPY) {
        if ((rc = cosmosb_pipe_attach(cosmosb_pipe_fd(s->cons), cosmosb_pipe_eventfd(s->cons), &s->prod)) != 0)
            return rc;
        set_busy(s->prod);
    }
    if (s->mech != BULK_WINDOWS && !(s->priv = alloc_private(s->payload)))
        return -ENOMEM;
    /* Warm-up (untimed): one lap of the ring, so that both sides' page tables are populated. */
    for (uint64_t i = 0; i < s->warm; i++)
        if ((rc = send_one(s)) != 0)
            return rc;
    return 0;
}

static int bulk_consumer_init(void *stp, const bench_stream_params_t *sp, uint32_t nprod)
{
    (void)sp;
    (void)nprod;
    struct bulk *s = stp;
    int rc;
    s->seq = 1;
    switch (s->mech) {
    case BULK_WINDOWS: {
        close(s->fd[1]);
        s->fd[1] = -1;
        if ((rc = cosmosb_bufmgr_attach_socket(s->fd[0], &s->mgr, NULL)) != 0)
            return rc;
        uint32_t me = cosmosb_arena_participant(cosmosb_bufmgr_arena(s->mgr));
        if ((rc = bench_write_full(s->fd[0], &me, sizeof me)) != 0)
            return rc;
        break;
    }
    case BULK_PIPE:
    case BULK_PIPE_1M:
        close(s->fd[1]);
        s->fd[1] = -1;
        break;
    case BULK_UDS:
        close(s->fd[1]);
        s->fd[1] = -1;
        break;
    default:
        break;
    }
    if (s->mech != BULK_WINDOWS && !(s->priv = alloc_private(s->payload)))
        return -ENOMEM;
    bench_stream_result_t r;
    for (uint64_t i = 0; i < s->warm; i++)
        if ((rc = recv_one(s, &r)) != 0) {
            fprintf(stderr, "bench bulk: warm-up: %s\n", r.what);
            return rc;
        }
    return 0;
}

static int bulk_produce(void *stp, const bench_stream_params_t *sp, uint32_t idx, uint64_t count)
{
    (void)sp;
    (void)idx;
    struct bulk *s = stp;
    for (uint64_t i = 0; i < count; i++) {
        int rc = send_one(s);
        if (rc != 0) {
            fprintf(stderr, "bench bulk: %s: send %llu failed (%d)\n", mech_names[s->mech], (unsigned long long)i,
                    rc);
            return rc;
        }
    }
    if (s->mech == BULK_WINDOWS) {
        /* Stay until the consumer has released the last slices (the owner leaving is fine too, but
         * this keeps the measurement about transfers, not departures). */
        cosmosb_pipe_close(s->prod);
        uint32_t sync;
        (void)bench_read_full(s->fd[1], &sync, sizeof sync);
        cosmosb_bufmgr_close(s->mgr);
        return 0;
    }
    if (s->mech == BULK_COSMOSB_COPY)
        cosmosb_pipe_close(s->prod);
    return 0;
}

static int bulk_consume(void *stp, const bench_stream_params_t *sp, uint32_t nprod, uint64_t total,
                        bench_stream_result_t *r)
{
    (void)sp;
    (void)nprod;
    struct bulk *s = stp;
    for (uint64_t i = 0; i < total; i++) {
        int rc = recv_one(s, r);
        if (rc != 0)
            return rc;
    }
    if (s->mech == BULK_WINDOWS) {
        uint32_t done = 1;
        (void)bench_write_full(s->fd[0], &done, sizeof done);
    }
    return 0;
}

static void bulk_cleanup(void *stp, const bench_stream_params_t *sp)
{
    (void)sp;
    struct bulk *s = stp;
    if (s->mgr)
        cosmosb_bufmgr_close(s->mgr);
    if (s->cons)
        cosmosb_pipe_close(s->cons);
    for (int i = 0; i < 2; i++)
        if (s->fd[i] >= 0)
            close(s->fd[i]);
    free(s->priv);
    memset(s, 0, sizeof *s);
}

static const stream_impl_t bulk_impl = {
    .prepare = bulk_prepare,
    .producer_init = bulk_producer_init,
    .produce = bulk_produce,
    .consumer_init = bulk_consumer_init,
    .consume = bulk_consume,
    .cleanup = bulk_cleanup,
};

int bench_bulk(enum bench_bulk_mech mech, const bench_bulk_params_t *p, bench_bulk_result_t *r)
{
    memset(r, 0, sizeof *r);
    if ((unsigned)mech >= BULK_MECH_COUNT || p->payload < 16 || p->payload % 8 || p->payload > UINT32_MAX ||
        p->messages == 0 || (!p->touch && mech != BULK_WINDOWS)) {
        r->err = -EINVAL;
        snprintf(r->what, sizeof r->what, "bad parameters");
        return r->err;
    }
    struct bulk s = {
        .mech = mech,
        .payload = p->payload,
        .words = p->payload / 8,
        .touch = p->touch,
        .fd = { -1, -1 },
    };
    if (mech == BULK_WINDOWS) {
        uint64_t ring = (uint64_t)(p->touch ? RING_PAYLOADS : RING_PAYLOADS_CTL) * ((p->payload + 4095) & ~UINT64_C(4095));
        s.ring = ring < RING_MIN && p->touch ? RING_MIN : ring;
        if (p->ring)
            s.ring = (p->ring + 4095) & ~UINT64_C(4095);
        if (s.ring < p->payload) {
            r->err = -EINVAL;
            snprintf(r->what, sizeof r->what, "ring smaller than a payload");
            return r->err;
        }
        s.warm = s.ring / p->payload + 1;
    } else {
        s.warm = 2;
    }
    bench_stream_params_t sp = {
        .messages = p->messages,
        .payload = (uint32_t)p->payload,
        .batch = 1,
        .cpu_consumer = p->cpu_consumer,
        .cpu_producer = p->cpu_producer,
        .cpu_producer2 = p->cpu_producer,
    };
    bench_stream_result_t sr;
    int rc = bench_run_stream(&bulk_impl, &s, &sp, 1, &sr);
    r->err = sr.err;
    memcpy(r->what, sr.what, sizeof r->what);
    if (rc != 0)
        return rc;
    r->seconds = sr.seconds;
    r->ns_per_msg = sr.seconds * 1e9 / (double)p->messages;
    r->gbytes_per_s = (double)p->payload * (double)p->messages / sr.seconds / 1e9;
    return 0;
}

/* ---- the report section ------------------------------------------------- */

#define BULK_MAX_RUNS 64
#define BIG_RING (32ull << 20)

typedef struct runs {
    double v[BULK_MAX_RUNS];
    int n, err;
} runs_t;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double runs_median(const runs_t *s)
{
    if (s->n == 0)
        return 0;
    double t[BULK_MAX_RUNS];
    memcpy(t, s->v, (size_t)s->n * sizeof t[0]);
    qsort(t, (size_t)s->n, sizeof t[0], cmp_double);
    return s->n % 2 ? t[s->n / 2] : (t[s->n / 2 - 1] + t[s->n / 2]) / 2;
}

static const char *runs_fmt(char *buf, size_t len, const runs_t *s, int prec)
{
    if (s->err || s->n == 0) {
        snprintf(buf, len, s->err ? "error" : "-");
        return buf;
    }
    double lo = s->v[0], hi = s->v[0];
    for (int i = 1; i < s->n; i++) {
        lo = s->v[i] < lo ? s->v[i] : lo;
        hi = s->v[i] > hi ? s->v[i] : hi;
    }
    if (s->n == 1)
        snprintf(buf, len, "%.*f", prec, s->v[0]);
    else
        snprintf(buf, len, "%.*f [%.*f-%.*f]", prec, runs_median(s), prec, lo, prec, hi);
    return buf;
}

static const char *ratio_fmt(char *buf, size_t len, const runs_t *a, const runs_t *b)
{
    if (a->err || b->err || a->n == 0 || b->n == 0 || runs_median(b) == 0)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.1fx", runs_median(a) / runs_median(b));
    return buf;
}

static void runs_add(runs_t *s, double v)
{
    if (s->n < BULK_MAX_RUNS)
        s->v[s->n++] = v;
}

/* Runs one measurement with the watchdog; records GB/s (touch) or ns per message (no touch). */
static int measure_one(const bench_zc_opts_t *o, enum bench_bulk_mech mech, uint64_t payload, uint64_t messages,
                       int touch, uint64_t ring, runs_t *out)
{
    if (out->err)
        return 0;
    bench_bulk_params_t p = { payload, messages, touch, o->cpu_a, o->cpu_b, ring };
    bench_bulk_result_t r;
    bench_progress("[bulk] %-40s %6llu KiB x %-6llu %s%s ", bench_bulk_name(mech), (unsigned long long)(payload >> 10),
                   (unsigned long long)messages, touch ? "" : "(bytes untouched)", ring ? " (32 MiB ring)" : "");
    if (o->watchdog_s)
        alarm(o->watchdog_s);
    int rc = bench_bulk(mech, &p, &r);
    if (o->watchdog_s)
        alarm(0);
    if (rc != 0) {
        bench_progress("FAILED: %s (%d)\n", r.what, rc);
        fprintf(stderr, "cosmosb-bench: bulk %s failed: %s (%d)\n", bench_bulk_name(mech), r.what, rc);
        out->err = 1;
        return 1;
    }
    bench_progress("%8.2f GB/s %10.0f ns/msg\n", r.gbytes_per_s, r.ns_per_msg);
    runs_add(out, touch ? r.gbytes_per_s : r.ns_per_msg);
    return 0;
}

static void target_line(const char *what, const char *bound, double measured, const char *unit, int pass, int ok)
{
    if (!ok)
        printf("| %s | %s | n/a | n/a |\n", what, bound);
    else
        printf("| %s | %s | %.2f%s | %s |\n", what, bound, measured, unit, pass ? "PASS" : "**MISS**");
}

int bench_bulk_report(const bench_zc_opts_t *o)
{
    static const uint64_t sizes[] = { 1ull << 20, 64ull << 20 };
    enum { NSIZES = 2 };
    /* Bytes moved per mechanism per round: the slow mechanisms get fewer. */
    static const double budget_full[BULK_MECH_COUNT] = {
        [BULK_WINDOWS] = 4e9, [BULK_COSMOSB_COPY] = 2e9, [BULK_PIPE] = 0.5e9, [BULK_PIPE_1M] = 1e9, [BULK_UDS] = 1e9
    };
    int rounds = o->quick ? 1 : 3;
    int repeat = o->repeat < 1 ? 1 : o->repeat;
    int failures = 0;
    runs_t gb[NSIZES][BULK_MECH_COUNT];
    memset(gb, 0, sizeof gb);
    static const uint64_t ctl_sizes[] = { 4096, 1ull << 20, 64ull << 20 };
    enum { NCTL = 3 };
    runs_t ctl[NCTL], big;
    memset(ctl, 0, sizeof ctl);
    memset(&big, 0, sizeof big);

    for (int rep = 0; rep < repeat; rep++) {
        for (int round = 0; round < rounds; round++) {
            for (int si = 0; si < NSIZES; si++) {
                for (int m = 0; m < BULK_MECH_COUNT; m++) {
                    double budget = budget_full[m] / (o->quick ? 64.0 : 1.0);
                    uint64_t n = (uint64_t)(budget / (double)sizes[si]);
                    if (n < 2)
                        n = 2;
                    failures += measure_one(o, (enum bench_bulk_mech)m, sizes[si], n, 1, 0, &gb[si][m]);
                }
            }
            /* Diagnostic: the same windows with a ring 8 times larger (out of the caches). */
            failures += measure_one(o, BULK_WINDOWS, sizes[0], (uint64_t)(budget_full[BULK_WINDOWS] /
                                    (o->quick ? 64.0 : 1.0) / (double)sizes[0]), 1, BIG_RING, &big);
            for (int ci = 0; ci < NCTL; ci++)
                failures += measure_one(o, BULK_WINDOWS, ctl_sizes[ci], o->quick ? 2000 : 100000, 0, 0, &ctl[ci]);
        }
    }
    bench_pin(o->cpu_a);

    char a[64], b[64], c[64], d[64], e[64], f[32], g[32], h[32], i2[32];
    printf("### Large payloads: windows against copies (GB/s, producer on CPU %d, consumer on CPU %d)\n\n",
           o->cpu_b, o->cpu_a);
    printf("The producer fills every byte of each payload (64-bit word i of message n is n + i), the consumer "
           "reads every byte (sums the words) and checks the sum. **Windows**: the producer allocates a slice "
           "of a ring buffer (4 MiB, as much as the copying pipe's slots, or 4 payloads if larger), fills it in place, gives the consumer a "
           "read-only window and sends the 40-byte window through a libcosmosb pipe; the consumer accepts, "
           "resolves, sums in place and releases. **libcosmosb copy**: the producer fills a private buffer and "
           "sends it in 64 KiB chunks through a libcosmosb pipe (64 slots of 64 KiB, send/recv copy in and out); "
           "the consumer sums its private copy. **pipe(2)** (default 64 KiB, or 1 MiB with F_SETPIPE_SZ) and a "
           "**UNIX stream socket** (default buffers): write(2)/read(2) of the whole payload, then the sum. "
           "libcosmosb pipes busy-poll; pipe(2) and the socket block. Each figure: median [min-max] of %d runs "
           "(%d interleaved rounds x %d repeats); ratios of medians.\n\n",
           rounds * repeat, rounds, repeat);
    printf("| payload | windows | libcosmosb copy | pipe(2) | pipe(2) 1 MiB | UNIX socket | windows / pipe(2) | "
           "windows / pipe(2) 1 MiB | windows / socket | windows / copy |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int si = 0; si < NSIZES; si++) {
        runs_t *s = gb[si];
        printf("| %llu MiB | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", (unsigned long long)(sizes[si] >> 20),
               runs_fmt(a, sizeof a, &s[BULK_WINDOWS], 2), runs_fmt(b, sizeof b, &s[BULK_COSMOSB_COPY], 2),
               runs_fmt(c, sizeof c, &s[BULK_PIPE], 2), runs_fmt(d, sizeof d, &s[BULK_PIPE_1M], 2),
               runs_fmt(e, sizeof e, &s[BULK_UDS], 2), ratio_fmt(f, sizeof f, &s[BULK_WINDOWS], &s[BULK_PIPE]),
               ratio_fmt(g, sizeof g, &s[BULK_WINDOWS], &s[BULK_PIPE_1M]),
               ratio_fmt(h, sizeof h, &s[BULK_WINDOWS], &s[BULK_UDS]),
               ratio_fmt(i2, sizeof i2, &s[BULK_WINDOWS], &s[BULK_COSMOSB_COPY]));
    }
    printf("\n");
    printf("Where the bytes live matters more than how they travel: the same windows, 1 MiB payloads, with a "
           "32 MiB ring instead of 4 MiB (the producer writes, and the consumer reads, memory that has left the "
           "caches since its last use): %s GB/s, %s of the 4 MiB ring.\n\n",
           runs_fmt(a, sizeof a, &big, 2), ratio_fmt(f, sizeof f, &big, &gb[0][BULK_WINDOWS]));

    printf("### Windows: cost per message when the bytes are not touched (ns per message)\n\n");
    printf("The same windows path (allocate a slice, give, send the window, receive, accept, resolve, release) "
           "with only the first and last 8 bytes written and checked: what a message costs apart from the "
           "bytes. The ring holds 64 payloads, so every size has as many messages in flight. "
           "Busy polling; %d runs per figure.\n\n",
           rounds * repeat);
    printf("| payload | ns per message | relative to 4 KiB |\n|---:|---:|---:|\n");
    for (int ci = 0; ci < NCTL; ci++) {
        if (ctl_sizes[ci] < (1u << 20))
            printf("| %llu KiB | %s | %s |\n", (unsigned long long)(ctl_sizes[ci] >> 10),
                   runs_fmt(a, sizeof a, &ctl[ci], 0), ratio_fmt(f, sizeof f, &ctl[ci], &ctl[0]));
        else
            printf("| %llu MiB | %s | %s |\n", (unsigned long long)(ctl_sizes[ci] >> 20),
                   runs_fmt(a, sizeof a, &ctl[ci], 0), ratio_fmt(f, sizeof f, &ctl[ci], &ctl[0]));
    }
    printf("\n");

    printf("Targets (issue 5), medians of this run:\n\n");
    printf("| target | bound | measured | mark |\n|---|---:|---:|---|\n");
    runs_t *w1 = &gb[0][BULK_WINDOWS], *p1 = &gb[0][BULK_PIPE];
    int ok1 = !w1->err && w1->n > 0, okp = ok1 && !p1->err && p1->n > 0 && runs_median(p1) > 0;
    target_line("windows, 1 MiB, GB/s (iceoryx measured the same way: 10.2)", ">= 10", ok1 ? runs_median(w1) : 0,
                " GB/s", ok1 && runs_median(w1) >= 10.0, ok1);
    double rp = okp ? runs_median(w1) / runs_median(p1) : 0;
    target_line("windows / pipe(2), 1 MiB", ">= 20x", rp, "x", rp >= 20.0, okp);
    int okc = !ctl[0].err && !ctl[2].err && ctl[0].n > 0 && ctl[2].n > 0 && runs_median(&ctl[0]) > 0;
    double rc = okc ? runs_median(&ctl[2]) / runs_median(&ctl[0]) : 0;
    target_line("per-message cost, 64 MiB / 4 KiB (bytes untouched)", "<= 1.5x", rc, "x", rc <= 1.5, okc);
    printf("\n");
    fflush(stdout);
    return failures;
}

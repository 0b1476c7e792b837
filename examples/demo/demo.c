/*
 * cosmosb-demo: two processes talking through libcosmosb pipes.
 *
 *   1. The parent creates a pipe (it will receive on it) and starts a child
 *      with fork + exec, giving it only one end of a UNIX socket.
 *   2. The parent hands the pipe to the child over the socket
 *      (cosmosb_pipe_share); the child attaches as the sender
 *      (cosmosb_pipe_attach_socket) and prints who sent it (kernel-checked
 *      credentials). The child creates its own pipe and hands it back the
 *      same way, so each side receives on a pipe it owns.
 *   3. Typed messages: the child sends a few messages declared with
 *      COSMOSB_SCHEMA, one of them urgent, one of a derived type the parent
 *      does not know, and one forged; the parent's receiver validates each
 *      before delivering it: the urgent one comes first, the derived one is
 *      delivered as its base type, the forged one is rejected and counted.
 *   4. A short request/reply ping-pong.
 *   5. Zero copy: the child fills 8 MiB of a shared buffer (a sealed memfd),
 *      hands the parent the buffer manager over the socket and sends a
 *      40-byte window through its pipe; the parent reads the 8 MiB in place
 *      (mapped read-only) and checks them. Then "bye".
 *   6. A side-by-side table: round-trip latency and 64-byte streaming for
 *      libcosmosb, pipe(2) and a UNIX socket, and 4 MiB payloads through
 *      buffer windows against pipe(2) and the socket, measured now on this
 *      machine (the measurement code is bench/'s, linked in as
 *      cosmosb_benchlib).
 *
 *   cosmosb-demo [--no-table]
 */
#include <cosmosb/cosmosb.h>

#include "bench.h"
#include "bench_zc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Typed messages (step 3): one declaration gives the struct and its schema
 * descriptor; the type id is the FNV-1a hash of the qualified name. */
#define DEMO_TEXT_FIELDS(F) F(CHARS, text, 48) /* NUL within 48 bytes */
COSMOSB_SCHEMA(demo_text, "demo.Text", 1, DEMO_TEXT_FIELDS)
#define DEMO_POINT_FIELDS(F) F(I32, x) F(I32, y)
COSMOSB_SCHEMA(demo_point, "demo.Point", 1, DEMO_POINT_FIELDS)
#define DEMO_TEMPERATURE_FIELDS(F) F(CHARS, sensor, 16) F(F64, celsius)
COSMOSB_SCHEMA(demo_temperature, "demo.Temperature", 1, DEMO_TEMPERATURE_FIELDS)
/* Derived: a newer sender's richer reading; the parent knows only its base. */
#define DEMO_CPU_TEMPERATURE_FIELDS(F) F(U32, core) F(ENUM, throttle, 0, 2) /* 0 none, 1 soft, 2 hard */
COSMOSB_SCHEMA_DERIVED(demo_cpu_temperature, "demo.CpuTemperature", 1, demo_temperature,
                       DEMO_CPU_TEMPERATURE_FIELDS)

/* Untyped messages (steps 4 and 5): raw 64-bit ids agreed by both programs. */
#define DEMO_REQUEST UINT64_C(0x64656d6f00000010)     /* struct demo_request */
#define DEMO_REPLY UINT64_C(0x64656d6f00000011)       /* struct demo_reply */
#define DEMO_BULK_REQ UINT64_C(0x64656d6f00000020)    /* empty: "send me something big" */
#define DEMO_BULK UINT64_C(0x64656d6f00000021)        /* struct demo_bulk: a window, not the bytes */
#define DEMO_BYE UINT64_C(0x64656d6f000000ff)         /* empty */

struct demo_request {
    uint32_t id;
    int32_t a, b;
};
struct demo_reply {
    uint32_t id;
    int32_t sum;
};
struct demo_bulk {
    cosmosb_window_t window; /* 40 bytes naming 8 MiB in the child's buffer */
    uint64_t sum;            /* sum of its 64-bit words, for the parent to check */
};

#define BULK_BYTES (8u << 20)

#define SLOT 128u
#define TIMEOUT_NS (UINT64_C(5) * 1000000000u) /* nothing here should take 5 s */

static const char *type_name(uint64_t t)
{
    switch (t) {
    case DEMO_REQUEST: return "REQUEST";
    case DEMO_REPLY: return "REPLY";
    case DEMO_BULK_REQ: return "BULK_REQ";
    case DEMO_BULK: return "BULK";
    case DEMO_BYE: return "BYE";
    default: return "?";
    }
}

static int fail(const char *who, const char *what, int rc)
{
    fprintf(stderr, "[%s] %s: %s\n", who, what, rc < 0 ? cosmosb_strerror(rc) : strerror(rc));
    return 1;
}

static void new_config(cosmosb_pipe_config_t *cfg)
{
    cosmosb_pipe_config_init(cfg);
    cfg->capacity = 64;
    cfg->slot_size = SLOT;
}

/* ===== the child: attached over the socket it inherited ================ */

/* Zero copy, sender side: 8 MiB written once into a shared buffer; a window travels. */
static int child_bulk(int sock, cosmosb_pipe_t *to_parent, cosmosb_bufmgr_t **out)
{
    cosmosb_bufmgr_t *m = NULL;
    uint32_t buf, parent;
    cosmosb_window_t w, t;
    void *p;
    int rc = cosmosb_bufmgr_create(NULL, 16, &m);
    if (rc == 0)
        rc = cosmosb_buffer_create(m, BULK_BYTES, COSMOSB_BUFFER_HEAP, &buf);
    if (rc == 0)
        rc = cosmosb_buffer_alloc(m, buf, BULK_BYTES, &w, &p);
    if (rc != 0)
        return fail("child ", "cosmosb_bufmgr_create/buffer_create/buffer_alloc", rc);
    struct demo_bulk msg = { .sum = 0 };
    uint64_t *words = p;
    for (uint64_t i = 0; i < BULK_BYTES / 8; i++) {
        words[i] = i * UINT64_C(0x9e3779b97f4a7c15);
        msg.sum += words[i];
    }
    /* The buffer manager travels over the socket: the parent maps the buffer read-only. */
    if ((rc = cosmosb_bufmgr_share(m, sock)) != 0)
        return fail("child ", "cosmosb_bufmgr_share", rc);
    if (read(sock, &parent, sizeof parent) != (ssize_t)sizeof parent)
        return fail("child ", "read", errno);
    /* A reference to the slice for the parent, read-only; ours goes, the transfer keeps the bytes. */
    if ((rc = cosmosb_window_give(m, &w, parent, &t)) != 0 || (rc = cosmosb_window_release(m, &w)) != 0)
        return fail("child ", "cosmosb_window_give", rc);
    msg.window = t;
    if ((rc = cosmosb_pipe_send(to_parent, DEMO_BULK, &msg, sizeof msg, 0, TIMEOUT_NS)) != 0)
        return fail("child ", "cosmosb_pipe_send", rc);
    *out = m;
    return 0;
}

/* A message that lies: it claims to be a demo.Temperature (the right type id,
 * a well-formed typed header) but its sensor name has no NUL within its 16
 * bytes, so whoever printed it as a C string would read past its end. The
 * parent's receiver rejects it before any code of the parent sees it. */
static int send_forged(cosmosb_pipe_t *to_parent)
{
    unsigned char raw[sizeof(cosmosb_typed_header_t) + sizeof(demo_temperature)];
    cosmosb_typed_header_t h = { COSMOSB_TYPED_MAGIC, 0, 1 };
    demo_temperature t;
    memset(&t, 0, sizeof t);
    memset(t.sensor, 'X', sizeof t.sensor);
    t.celsius = 1e9;
    memcpy(raw, &h, sizeof h);
    memcpy(raw + sizeof h, &t, sizeof t);
    return cosmosb_pipe_send(to_parent, cosmosb_schema_type_id(&demo_temperature_schema), raw, sizeof raw, 0,
                             TIMEOUT_NS);
}

static int child_main(int sock)
{
    cosmosb_pipe_t *to_parent = NULL, *inbox = NULL;
    cosmosb_peer_cred_t cred;
    int rc = cosmosb_pipe_attach_socket(sock, &to_parent, &cred);
    if (rc != 0)
        return fail("child ", "cosmosb_pipe_attach_socket", rc);
    printf("[child ] pid %d: attached to the parent's pipe; it came from pid %d (uid %u, gid %u), "
           "my parent is %d\n",
           (int)getpid(), (int)cred.pid, cred.uid, cred.gid, (int)getppid());
    if ((pid_t)cred.pid != getppid()) {
        fprintf(stderr, "[child ] the pipe did not come from my parent: refusing it\n");
        return 1;
    }

    /* Our own pipe, for the parent's requests. */
    cosmosb_pipe_config_t cfg;
    new_config(&cfg);
    if ((rc = cosmosb_pipe_create(&cfg, &inbox)) != 0)
        return fail("child ", "cosmosb_pipe_create", rc);
    if ((rc = cosmosb_pipe_share(inbox, sock)) != 0)
        return fail("child ", "cosmosb_pipe_share", rc);

    /* Typed messages: each carries its type id, its version and its
     * ancestors' ids before the struct. The alert goes on the urgent lane. */
    demo_text hello = { "hello from the child" };
    demo_point pt = { 3, -4 };
    demo_temperature temp = { "gpu0", 47.5 };
    demo_cpu_temperature cpu = { .base = { "cpu0", 71.0 }, .core = 3, .throttle = 1 };
    demo_text alert = { "disk almost full" };
    if ((rc = cosmosb_typed_send(to_parent, &demo_text_schema, &hello, 0, TIMEOUT_NS)) != 0 ||
        (rc = cosmosb_typed_send(to_parent, &demo_point_schema, &pt, 0, TIMEOUT_NS)) != 0 ||
        (rc = cosmosb_typed_send(to_parent, &demo_temperature_schema, &temp, 0, TIMEOUT_NS)) != 0 ||
        (rc = send_forged(to_parent)) != 0 ||
        (rc = cosmosb_typed_send(to_parent, &demo_cpu_temperature_schema, &cpu, 0, TIMEOUT_NS)) != 0 ||
        (rc = cosmosb_typed_send(to_parent, &demo_text_schema, &alert, COSMOSB_MSG_URGENT, TIMEOUT_NS)) != 0)
        return fail("child ", "cosmosb_typed_send", rc);
    /* Tell the parent all six are queued (so it sees the urgent one overtake). */
    char go = 'g';
    if (write(sock, &go, 1) != 1)
        return fail("child ", "write", errno);

    /* Serve requests until BYE. */
    cosmosb_bufmgr_t *bulk = NULL;
    for (;;) {
        unsigned char buf[SLOT];
        cosmosb_msg_info_t info;
        rc = cosmosb_pipe_recv(inbox, buf, sizeof buf, &info, TIMEOUT_NS);
        if (rc != 0)
            return fail("child ", "cosmosb_pipe_recv", rc);
        if (info.type_id == DEMO_BYE)
            break;
        if (info.type_id == DEMO_BULK_REQ) {
            if (child_bulk(sock, to_parent, &bulk) != 0)
                return 1;
            continue;
        }
        if (info.type_id != DEMO_REQUEST || info.len != sizeof(struct demo_request)) {
            fprintf(stderr, "[child ] unexpected message type %s (%u bytes)\n", type_name(info.type_id), info.len);
            return 1;
        }
        struct demo_request req;
        memcpy(&req, buf, sizeof req);
        struct demo_reply rep = { req.id, req.a + req.b };
        if ((rc = cosmosb_pipe_send(to_parent, DEMO_REPLY, &rep, sizeof rep, 0, TIMEOUT_NS)) != 0)
            return fail("child ", "cosmosb_pipe_send", rc);
    }
    cosmosb_pipe_stats_t st;
    cosmosb_pipe_stats(to_parent, &st);
    printf("[child ] got BYE; I sent %llu messages, woke the parent %llu times; exiting\n",
           (unsigned long long)st.sent, (unsigned long long)st.wakeups_sent);
    fflush(stdout);
    cosmosb_bufmgr_close(bulk);
    cosmosb_pipe_close(inbox);
    cosmosb_pipe_close(to_parent);
    return 0;
}

/* ===== the parent ======================================================= */

/* A validated message: its strings are NUL-terminated, its enums in range. */
static void print_message(const cosmosb_typed_msg_t *m)
{
    printf("[parent] received %-16s (%2u bytes%s): ", m->schema->name, m->len,
           m->info.flags & COSMOSB_MSG_URGENT ? ", urgent" : "");
    if (m->schema == &demo_text_schema) {
        const demo_text *t = m->data;
        printf("\"%s\"\n", t->text);
    } else if (m->schema == &demo_point_schema) {
        const demo_point *p = m->data;
        printf("x=%d y=%d\n", (int)p->x, (int)p->y);
    } else if (m->schema == &demo_temperature_schema) {
        const demo_temperature *t = m->data;
        printf("%s at %.1f C\n", t->sensor, t->celsius);
        if (m->type_id != cosmosb_schema_type_id(m->schema))
            printf("[parent]   delivered as its base demo.Temperature: its real type 0x%016llx (version %u) "
                   "is unknown here\n[parent]   but derives from demo.Temperature; I read the first %u of its "
                   "%u bytes\n",
                   (unsigned long long)m->type_id, m->version, m->schema->size, m->len);
    }
}

/* Called by the receiver for each message it refuses (already consumed). */
static void on_reject(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *ri)
{
    (void)ctx;
    (void)rx;
    printf("[parent] REJECTED a message claiming type 0x%016llx (%u bytes): %s check failed in field \"%s\" at "
           "offset %u;\n[parent]   consumed and counted, never delivered\n",
           (unsigned long long)ri->type_id, ri->len, cosmosb_reject_reason_name(ri->err.reason),
           ri->err.field ? ri->err.field : "-", ri->err.offset);
}

/* Step 3: the single point of entry. A receiver on the inbox accepts three
 * types; every message is checked (in a private copy) before it is delivered. */
static int typed_step(cosmosb_pipe_t *inbox)
{
    cosmosb_receiver_config_t rcfg;
    cosmosb_receiver_t *rx = NULL;
    cosmosb_receiver_config_init(&rcfg); /* trust COPY: copy, then validate */
    rcfg.on_reject = on_reject;
    int rc = cosmosb_receiver_create(inbox, &rcfg, &rx);
    if (rc == 0)
        rc = cosmosb_receiver_accept(rx, &demo_text_schema, NULL, NULL);
    if (rc == 0)
        rc = cosmosb_receiver_accept(rx, &demo_point_schema, NULL, NULL);
    if (rc == 0)
        rc = cosmosb_receiver_accept(rx, &demo_temperature_schema, NULL, NULL);
    if (rc != 0)
        return fail("parent", "cosmosb_receiver_create/accept", rc);
    printf("[parent] the child queued a demo.Text, a demo.Point, a demo.Temperature, a forged message, a\n"
           "[parent] demo.CpuTemperature (derived from demo.Temperature), then a demo.Text on the urgent lane;\n"
           "[parent] my receiver accepts demo.Text, demo.Point and demo.Temperature (type 0x%016llx):\n",
           (unsigned long long)cosmosb_schema_type_id(&demo_temperature_schema));
    for (int i = 0; i < 5; i++) {
        cosmosb_typed_msg_t m;
        if ((rc = cosmosb_receiver_recv(rx, &m, TIMEOUT_NS)) != 0) {
            cosmosb_receiver_destroy(rx);
            return fail("parent", "cosmosb_receiver_recv", rc);
        }
        print_message(&m);
        cosmosb_receiver_release(rx, &m);
    }
    cosmosb_receiver_stats_t st;
    cosmosb_receiver_stats(rx, &st);
    printf("[parent] receiver counters: %llu delivered (%llu as an ancestor type), %llu rejected (%llu string)\n",
           (unsigned long long)st.delivered, (unsigned long long)st.delivered_as_ancestor,
           (unsigned long long)st.rejected_total, (unsigned long long)st.rejected[COSMOSB_REJECT_STRING]);
    cosmosb_receiver_destroy(rx);
    if (st.delivered != 5 || st.delivered_as_ancestor != 1 || st.rejected_total != 1 ||
        st.rejected[COSMOSB_REJECT_STRING] != 1) {
        fprintf(stderr, "[parent] unexpected receiver counters\n");
        return 1;
    }
    return 0;
}

/* Zero copy, receiver side: 40 bytes arrive through the pipe, 8 MiB are read in place. */
static int parent_bulk(cosmosb_pipe_t *inbox, cosmosb_pipe_t *to_child, int sock)
{
    int rc;
    cosmosb_bufmgr_t *m = NULL;
    cosmosb_peer_cred_t cred;
    printf("[parent] zero copy: asking the child for %u MiB\n", BULK_BYTES >> 20);
    if ((rc = cosmosb_pipe_send(to_child, DEMO_BULK_REQ, NULL, 0, 0, TIMEOUT_NS)) != 0)
        return fail("parent", "cosmosb_pipe_send", rc);
    if ((rc = cosmosb_bufmgr_attach_socket(sock, &m, &cred)) != 0)
        return fail("parent", "cosmosb_bufmgr_attach_socket", rc);
    uint32_t me = cosmosb_arena_participant(cosmosb_bufmgr_arena(m));
    if (write(sock, &me, sizeof me) != (ssize_t)sizeof me)
        return fail("parent", "write", errno);
    struct demo_bulk msg;
    cosmosb_msg_info_t info;
    if ((rc = cosmosb_pipe_recv(inbox, &msg, sizeof msg, &info, TIMEOUT_NS)) != 0)
        return fail("parent", "cosmosb_pipe_recv", rc);
    if (info.type_id != DEMO_BULK || info.len != sizeof msg) {
        fprintf(stderr, "[parent] expected BULK, got %s\n", type_name(info.type_id));
        return 1;
    }
    uint64_t t0 = bench_now_ns();
    const void *d;
    if ((rc = cosmosb_window_accept(m, &msg.window)) != 0 || (rc = cosmosb_window_resolve(m, &msg.window, &d)) != 0)
        return fail("parent", "cosmosb_window_accept/resolve", rc);
    const uint64_t *words = d;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < msg.window.length / 8; i++)
        sum += words[i];
    double ms = (double)(bench_now_ns() - t0) / 1e6;
    void *wp;
    int wr = cosmosb_window_resolve_writable(m, &msg.window, &wp);
    printf("[parent] received BULK: a %u-byte message holding a window on %llu bytes of the child's buffer "
           "(memfd, mapped read-only here); sum of its words %s; read in place in %.2f ms (%.1f GB/s, the first "
           "touch of a fresh mapping: page faults included), no byte copied; writing through it: %s\n",
           info.len, (unsigned long long)msg.window.length, sum == msg.sum ? "matches" : "DIFFERS", ms,
           (double)msg.window.length / (ms * 1e6), cosmosb_strerror(wr));
    cosmosb_window_release(m, &msg.window);
    cosmosb_bufmgr_close(m);
    if (sum != msg.sum || msg.window.length != BULK_BYTES || wr != COSMOSB_EPERM)
        return 1;
    return 0;
}

static int conversation(cosmosb_pipe_t *inbox, int sock, pid_t child)
{
    int rc;
    if ((rc = cosmosb_pipe_share(inbox, sock)) != 0)
        return fail("parent", "cosmosb_pipe_share", rc);

    cosmosb_pipe_t *to_child = NULL;
    cosmosb_peer_cred_t cred;
    if ((rc = cosmosb_pipe_attach_socket(sock, &to_child, &cred)) != 0)
        return fail("parent", "cosmosb_pipe_attach_socket", rc);
    printf("[parent] attached to the child's pipe; it came from pid %d (uid %u, gid %u)%s\n", (int)cred.pid,
           cred.uid, cred.gid, (pid_t)cred.pid == child ? ", my child: accepted" : "");
    if ((pid_t)cred.pid != child) {
        fprintf(stderr, "[parent] the pipe did not come from my child: refusing it\n");
        cosmosb_pipe_close(to_child);
        return 1;
    }

    char go;
    if (read(sock, &go, 1) != 1)
        return fail("parent", "read", errno);
    if (typed_step(inbox) != 0)
        return 1;

    printf("[parent] request/reply ping-pong:\n");
    double first = 0, last = 0;
    for (uint32_t id = 1; id <= 5; id++) {
        struct demo_request req = { id, (int32_t)(id * 10), (int32_t)id };
        uint64_t t0 = bench_now_ns();
        if ((rc = cosmosb_pipe_send(to_child, DEMO_REQUEST, &req, sizeof req, 0, TIMEOUT_NS)) != 0)
            return fail("parent", "cosmosb_pipe_send", rc);
        struct demo_reply rep;
        cosmosb_msg_info_t info;
        if ((rc = cosmosb_pipe_recv(inbox, &rep, sizeof rep, &info, TIMEOUT_NS)) != 0)
            return fail("parent", "cosmosb_pipe_recv", rc);
        uint64_t t1 = bench_now_ns();
        if (info.type_id != DEMO_REPLY || rep.id != id || rep.sum != req.a + req.b) {
            fprintf(stderr, "[parent] bad reply\n");
            return 1;
        }
        last = (double)(t1 - t0) / 1e3;
        if (id == 1)
            first = last;
        printf("[parent]   %d + %d = %d   (round trip %.1f us)\n", (int)req.a, (int)req.b, (int)rep.sum, last);
    }
    if (first > 5 * last)
        printf("[parent]   the first round trip had to wake the child from its futex sleep; the next ones\n"
               "[parent]   found it still spinning (default spin budget before sleeping: 50 us)\n");
    if (parent_bulk(inbox, to_child, sock) != 0)
        return 1;
    if ((rc = cosmosb_pipe_send(to_child, DEMO_BYE, NULL, 0, 0, TIMEOUT_NS)) != 0)
        return fail("parent", "cosmosb_pipe_send", rc);
    cosmosb_pipe_close(to_child);
    return 0;
}

/* ===== the side-by-side table =========================================== */

static int table(void)
{
    int cpus = bench_ncpus() >= 2 ? 2 : 1;
    int ca = cpus == 2 ? 0 : -1, cb = cpus == 2 ? 1 : -1;
    printf("\nSide by side, measured now (processes pinned to CPU 0 and CPU 1; "
           "the full benchmark is `bash scripts/bench.sh`):\n\n");
    fflush(stdout);

    bench_rt_params_t busy = { .samples = 20000, .warmup = 2000, .cpu_a = ca, .cpu_b = cb };
    bench_rt_params_t blocking = { .samples = 2000, .warmup = 200, .cpu_a = ca, .cpu_b = cb };
    bench_rt_result_t rt[3];
    bench_stream_params_t sp = {
        .messages = 2000000, .payload = 64, .batch = 1, .cpu_consumer = ca, .cpu_producer = cb, .capacity = 1024
    };
    bench_stream_params_t ss = sp;
    ss.messages = 200000;
    bench_stream_result_t st[3];
    int rc = 0;
    rc |= bench_rt_cosmosb(&busy, BENCH_SPIN_DEFAULT, &rt[0]);
    rc |= bench_rt_pipe(&blocking, &rt[1]);
    rc |= bench_rt_uds(&blocking, &rt[2]);
    rc |= bench_stream_cosmosb(&sp, BENCH_SPIN_DEFAULT, &st[0]);
    rc |= bench_stream_pipe(&ss, &st[1]);
    rc |= bench_stream_uds(&ss, &st[2]);
    bench_pin(-1);
    if (rc != 0) {
        for (int i = 0; i < 3; i++) {
            if (rt[i].err)
                fprintf(stderr, "round trip %d failed: %s\n", i, rt[i].what);
            if (st[i].err)
                fprintf(stderr, "streaming %d failed: %s\n", i, st[i].what);
        }
        return 1;
    }
    static const char *const names[3] = { "libcosmosb", "pipe(2)", "UNIX socket" };
    printf("| 64-byte messages | round trip, median | p99 | streaming, one way | libcosmosb is |\n");
    printf("|---|---:|---:|---:|---|\n");
    for (int i = 0; i < 3; i++) {
        char cmp[80] = "";
        if (i > 0) {
            double lat = rt[i].median_ns / rt[0].median_ns, thr = st[0].msgs_per_s / st[i].msgs_per_s;
            snprintf(cmp, sizeof cmp, "%.*fx faster, %.*fx the throughput", lat < 10 ? 1 : 0, lat,
                     thr < 10 ? 1 : 0, thr);
        }
        printf("| %s | %.2f us | %.2f us | %.2f M msg/s | %s |\n", names[i], rt[i].median_ns / 1e3,
               rt[i].p99_ns / 1e3, st[i].msgs_per_s / 1e6, cmp);
    }
    printf("\nlibcosmosb here uses its default spin-then-sleep waiting (recv with COSMOSB_TIMEOUT_FOREVER); "
           "pipe(2) and the socket block in the kernel.\n\n");

    /* Large data: 4 MiB per message, the writer fills every byte, the reader reads every byte. */
    static const enum bench_bulk_mech bm[3] = { BULK_WINDOWS, BULK_PIPE, BULK_UDS };
    static const uint64_t bn[3] = { 200, 25, 50 };
    bench_bulk_result_t br[3];
    for (int i = 0; i < 3; i++) {
        bench_bulk_params_t bp = { .payload = 4u << 20, .messages = bn[i], .touch = 1, .cpu_consumer = ca,
                                   .cpu_producer = cb };
        if (bench_bulk(bm[i], &bp, &br[i]) != 0) {
            fprintf(stderr, "%s failed: %s\n", bench_bulk_name(bm[i]), br[i].what);
            bench_pin(-1);
            return 1;
        }
    }
    bench_pin(-1);
    printf("| 4 MiB messages | throughput | per message | libcosmosb is |\n");
    printf("|---|---:|---:|---|\n");
    static const char *const bnames[3] = { "libcosmosb buffer windows (zero copy)", "pipe(2)", "UNIX socket" };
    for (int i = 0; i < 3; i++) {
        char cmp[48] = "";
        if (i > 0) {
            double x = br[0].gbytes_per_s / br[i].gbytes_per_s;
            snprintf(cmp, sizeof cmp, "%.*fx the throughput", x < 10 ? 1 : 0, x);
        }
        printf("| %s | %.2f GB/s | %.0f us | %s |\n", bnames[i], br[i].gbytes_per_s, br[i].ns_per_msg / 1e3, cmp);
    }
    printf("\nThe producer fills every byte of each 4 MiB payload and the consumer reads (sums) every byte; with "
           "windows the bytes are written once into a shared buffer and only a 40-byte window travels through "
           "a libcosmosb pipe (busy polling), with pipe(2) and the socket they are copied through the kernel.\n");
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return child_main(atoi(argv[2]));
    bool want_table = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-table") == 0) {
            want_table = false;
        } else {
            fprintf(stderr, "usage: %s [--no-table]\n", argv[0]);
            return 2;
        }
    }
    printf("libcosmosb %s demo: two processes, one pipe each way\n\n", cosmosb_version_string());

    cosmosb_pipe_config_t cfg;
    new_config(&cfg);
    cosmosb_pipe_t *inbox = NULL;
    int rc = cosmosb_pipe_create(&cfg, &inbox);
    if (rc != 0)
        return fail("parent", "cosmosb_pipe_create", rc);
    printf("[parent] pid %d: created a pipe (memfd region fd %d, %u slots of %u bytes)\n", (int)getpid(),
           cosmosb_pipe_fd(inbox), cfg.capacity, cfg.slot_size);

    /* The child gets one socket end and nothing else: the pipe travels over it. */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return fail("parent", "socketpair", errno);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return fail("parent", "fork", errno);
    if (pid == 0) {
        char fdarg[16];
        int fd = dup(sv[1]); /* without close-on-exec */
        snprintf(fdarg, sizeof fdarg, "%d", fd);
        execl("/proc/self/exe", argv[0], "--child", fdarg, (char *)NULL);
        fprintf(stderr, "[child ] exec: %s\n", strerror(errno));
        _exit(127);
    }
    close(sv[1]);
    printf("[parent] started child pid %d (fork + exec); it holds only a UNIX socket\n", (int)pid);

    int failed = conversation(inbox, sv[0], pid);
    int status = 0;
    waitpid(pid, &status, 0);
    close(sv[0]);
    cosmosb_pipe_stats_t st;
    cosmosb_pipe_stats(inbox, &st);
    printf("[parent] child exited with status %d; I received %llu messages and slept %llu times\n",
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), (unsigned long long)st.received,
           (unsigned long long)st.sleeps);
    cosmosb_pipe_close(inbox);
    if (failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;

    if (want_table && table() != 0)
        return 1;
    return 0;
}

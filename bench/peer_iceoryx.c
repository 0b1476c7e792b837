/*
 * peer_iceoryx.c: Eclipse iceoryx through its C binding as a peer of
 * libcosmosb (built only when CMake finds iceoryx_binding_c, Debian's
 * libiceoryx-binding-c-dev; the RouDi daemon `iox-roudi` comes from the
 * `iceoryx` package).
 *
 * The benchmark starts RouDi itself (bench_iox_start) and stops it at the
 * end. An iceoryx runtime is a per-process singleton that cannot be moved
 * across fork, so every iceoryx measurement runs in a fresh child process
 * (the measuring side) that forks the other side; each registers its own
 * runtime after fork. Messages are chunks loaned from RouDi's pools: the
 * sender loans, writes and publishes; the receiver takes, reads and
 * releases (the zero-copy API, iceoryx's intended use). Subscribers are
 * lossless: queue 256, QueueFullPolicy_BLOCK_PRODUCER with
 * ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER. Waiting is either busy polling
 * of iox_sub_take_chunk or blocking in a WaitSet on HAS_DATA.
 */
#include "bench_internal.h"
#include "bench_peers.h"

#include <iceoryx_binding_c/enums.h>
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/types.h>
#include <iceoryx_binding_c/wait_set.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ===== RouDi ================================================================ */

static pid_t g_roudi = -1;
static char g_roudi_log[64], g_roudi_cfg[64];

/* RouDi's built-in pools (its documented default configuration) plus pools for
 * the large-payload comparison: 1 MiB and 64 MiB payloads (and a chunk header). */
static const char roudi_config[] = "[general]\nversion = 1\n\n[[segment]]\n\n"
                                   "[[segment.mempool]]\nsize = 128\ncount = 10000\n\n"
                                   "[[segment.mempool]]\nsize = 1024\ncount = 5000\n\n"
                                   "[[segment.mempool]]\nsize = 16384\ncount = 1000\n\n"
                                   "[[segment.mempool]]\nsize = 131072\ncount = 200\n\n"
                                   "[[segment.mempool]]\nsize = 524288\ncount = 50\n\n"
                                   "[[segment.mempool]]\nsize = 1048576\ncount = 30\n\n"
                                   "[[segment.mempool]]\nsize = 4194304\ncount = 10\n\n"
                                   "[[segment.mempool]]\nsize = 67108864\ncount = 8\n";

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static bool log_says(const char *path, const char *what, char *first, size_t len)
{
    char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    if (first) {
        /* The last non-empty line, for an error message. */
        char *end = buf + n;
        while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
            *--end = 0;
        char *line = strrchr(buf, '\n');
        snprintf(first, len, "%.100s", line ? line + 1 : buf);
    }
    return strstr(buf, what) != NULL;
}

int bench_iox_start(char *why, size_t len)
{
    if (g_roudi > 0)
        return 0;
    snprintf(g_roudi_log, sizeof g_roudi_log, "/tmp/cosmosb-bench-roudi-%ld.log", (long)getpid());
    snprintf(g_roudi_cfg, sizeof g_roudi_cfg, "/tmp/cosmosb-bench-roudi-%ld.toml", (long)getpid());
    int cfd = open(g_roudi_cfg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (cfd < 0 || write(cfd, roudi_config, sizeof roudi_config - 1) != (ssize_t)(sizeof roudi_config - 1)) {
        snprintf(why, len, "cannot write %s: %s", g_roudi_cfg, strerror(errno));
        if (cfd >= 0)
            close(cfd);
        return -1;
    }
    close(cfd);
    int fd = open(g_roudi_log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        snprintf(why, len, "cannot create %s: %s", g_roudi_log, strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, len, "fork: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (pid == 0) {
        /* RouDi goes when the benchmark goes, whatever happens to it. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(99);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        execlp("iox-roudi", "iox-roudi", "--log-level", "warning", "--config-file", g_roudi_cfg, (char *)NULL);
        fprintf(stderr, "exec iox-roudi: %s\n", strerror(errno));
        _exit(127);
    }
    close(fd);
    char last[160] = "";
    for (int i = 0; i < 200; i++) { /* up to 10 s */
        if (log_says(g_roudi_log, "RouDi is ready for clients", NULL, 0)) {
            g_roudi = pid;
            return 0;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            log_says(g_roudi_log, "", last, sizeof last);
            snprintf(why, len, "iox-roudi exited at start (%.100s)", last[0] ? last : "no output");
            unlink(g_roudi_log);
            unlink(g_roudi_cfg);
            return -1;
        }
        sleep_ms(50);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    snprintf(why, len, "iox-roudi did not become ready within 10 s");
    unlink(g_roudi_log);
    unlink(g_roudi_cfg);
    return -1;
}

void bench_iox_stop(void)
{
    if (g_roudi <= 0)
        return;
    kill(g_roudi, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(g_roudi, NULL, WNOHANG) == g_roudi) {
            g_roudi = -1;
            unlink(g_roudi_log);
            unlink(g_roudi_cfg);
            return;
        }
        sleep_ms(50);
    }
    kill(g_roudi, SIGKILL);
    waitpid(g_roudi, NULL, 0);
    g_roudi = -1;
    unlink(g_roudi_log);
    unlink(g_roudi_cfg);
}

/* ===== a runtime, a publisher and a subscriber per process ================ */

static unsigned g_instance; /* distinct service instances per measurement */

struct iox_end {
    iox_pub_storage_t pub_storage;
    iox_sub_storage_t sub_storage;
    iox_ws_storage_t ws_storage;
    iox_pub_t pub;
    iox_sub_t sub;
    iox_ws_t ws;
};

static void iox_runtime_up(const char *role)
{
    char name[64];
    snprintf(name, sizeof name, "cbench-%s-%ld", role, (long)getpid());
    iox_set_loglevel(Iceoryx_LogLevel_Error);
    iox_runtime_init(name);
}

/* Publisher on topic `pub_event` (NULL: none), subscriber on `sub_event` (NULL: none). */
static int iox_end_open(struct iox_end *e, const char *instance, const char *pub_event, const char *sub_event,
                        bool waitset, uint64_t queue)
{
    memset(e, 0, sizeof *e);
    if (pub_event) {
        iox_pub_options_t po;
        iox_pub_options_init(&po);
        po.historyCapacity = 0;
        po.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
        e->pub = iox_pub_init(&e->pub_storage, "cosmosb-bench", instance, pub_event, &po);
        if (!e->pub)
            return -EIO;
    }
    if (sub_event) {
        iox_sub_options_t so;
        iox_sub_options_init(&so);
        so.queueCapacity = queue;
        so.historyRequest = 0;
        so.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
        e->sub = iox_sub_init(&e->sub_storage, "cosmosb-bench", instance, sub_event, &so);
        if (!e->sub)
            return -EIO;
        if (waitset) {
            e->ws = iox_ws_init(&e->ws_storage);
            if (!e->ws || iox_ws_attach_subscriber_state(e->ws, e->sub, SubscriberState_HAS_DATA, 0, NULL) !=
                              WaitSetResult_SUCCESS)
                return -EIO;
        }
    }
    return 0;
}

/* Waits (up to 10 s) until our publisher has a subscriber and our subscriber is subscribed. */
static int iox_end_wait_connected(struct iox_end *e)
{
    for (int i = 0; i < 10000; i++) {
        bool ok = (!e->pub || iox_pub_has_subscribers(e->pub)) &&
                  (!e->sub || iox_sub_get_subscription_state(e->sub) == SubscribeState_SUBSCRIBED);
        if (ok)
            return 0;
        sleep_ms(1);
    }
    return -ETIMEDOUT;
}

static void iox_end_close(struct iox_end *e)
{
    if (e->ws) {
        iox_ws_detach_subscriber_state(e->ws, e->sub, SubscriberState_HAS_DATA);
        iox_ws_deinit(e->ws);
    }
    if (e->sub)
        iox_sub_deinit(e->sub);
    if (e->pub)
        iox_pub_deinit(e->pub);
    memset(e, 0, sizeof *e);
}

static int iox_send(struct iox_end *e, const void *msg, uint32_t len)
{
    void *chunk = NULL;
    enum iox_AllocationResult a;
    while ((a = iox_pub_loan_chunk(e->pub, &chunk, len)) != AllocationResult_SUCCESS) {
        if (a != AllocationResult_RUNNING_OUT_OF_CHUNKS && a != AllocationResult_TOO_MANY_CHUNKS_ALLOCATED_IN_PARALLEL)
            return -EIO;
        bench_cpu_relax();
    }
    memcpy(chunk, msg, len);
    iox_pub_publish_chunk(e->pub, chunk);
    return 0;
}

/* Takes one chunk, copies it out (the receiver reads every byte) and releases it. */
static int iox_recv(struct iox_end *e, void *msg, uint32_t len)
{
    const void *chunk = NULL;
    for (;;) {
        enum iox_ChunkReceiveResult c = iox_sub_take_chunk(e->sub, &chunk);
        if (c == ChunkReceiveResult_SUCCESS)
            break;
        if (c != ChunkReceiveResult_NO_CHUNK_AVAILABLE)
            return -EIO;
        if (e->ws) {
            iox_notification_info_t info[1];
            uint64_t missed = 0;
            iox_ws_wait(e->ws, info, 1, &missed);
        } else {
            bench_cpu_relax();
        }
    }
    memcpy(msg, chunk, len);
    iox_sub_release_chunk(e->sub, chunk);
    return 0;
}

/* Large payloads, in place: word i of message `seq` is seq + i; the receiver
 * sums every word and checks the sum. */
static int iox_send_fill(struct iox_end *e, uint32_t len, uint64_t seq)
{
    void *chunk = NULL;
    enum iox_AllocationResult a;
    while ((a = iox_pub_loan_aligned_chunk(e->pub, &chunk, len, 8)) != AllocationResult_SUCCESS) {
        if (a != AllocationResult_RUNNING_OUT_OF_CHUNKS && a != AllocationResult_TOO_MANY_CHUNKS_ALLOCATED_IN_PARALLEL)
            return -EIO;
        bench_cpu_relax();
    }
    uint64_t *w = chunk;
    for (uint64_t i = 0; i < len / 8; i++)
        w[i] = seq + i;
    iox_pub_publish_chunk(e->pub, chunk);
    return 0;
}

static int iox_recv_sum(struct iox_end *e, uint32_t len, uint64_t *seq)
{
    const void *chunk = NULL;
    for (;;) {
        enum iox_ChunkReceiveResult c = iox_sub_take_chunk(e->sub, &chunk);
        if (c == ChunkReceiveResult_SUCCESS)
            break;
        if (c != ChunkReceiveResult_NO_CHUNK_AVAILABLE)
            return -EIO;
        bench_cpu_relax();
    }
    const uint64_t *w = chunk;
    uint64_t n = len / 8, sum = 0;
    for (uint64_t i = 0; i < n; i++)
        sum += w[i];
    *seq = w[0];
    /* Sum of seq + i for i < n. */
    uint64_t want = *seq * n + n * (n - 1) / 2;
    iox_sub_release_chunk(e->sub, chunk);
    return sum == want ? 0 : -EPROTO;
}

/* ===== isolation: every iceoryx measurement in a fresh process ============ */

struct iso_rt {
    const rt_impl_t *impl;
    void *st;
    bench_rt_params_t p;
    bench_rt_result_t *r; /* shared */
};

static int iso_rt_child(void *arg)
{
    struct iso_rt *a = arg;
    bench_run_rt(a->impl, a->st, &a->p, a->r);
    return 0;
}

static int run_rt_isolated(const rt_impl_t *impl, void *st, const bench_rt_params_t *p, bench_rt_result_t *r)
{
    memset(r, 0, sizeof *r);
    size_t ssize = sizeof(bench_rt_result_t) + (size_t)p->samples * sizeof(uint64_t);
    unsigned char *shm = bench_shared_alloc(ssize);
    if (!shm)
        return r->err = -ENOMEM;
    struct iso_rt a = { impl, st, *p, (bench_rt_result_t *)(void *)shm };
    a.p.samples_out = (uint64_t *)(void *)(shm + sizeof(bench_rt_result_t));
    a.r->err = -EIO;
    snprintf(a.r->what, sizeof a.r->what, "measuring process died");
    int pid = bench_fork(p->cpu_a, iso_rt_child, &a);
    if (pid < 0) {
        bench_shared_free(shm, ssize);
        return r->err = -errno;
    }
    int st_child = bench_wait(pid);
    *r = *a.r;
    if (st_child != 0 && r->err == 0) {
        r->err = -EIO;
        snprintf(r->what, sizeof r->what, "measuring process exited with status %d", st_child);
    }
    if (r->err == 0 && p->samples_out)
        memcpy(p->samples_out, a.p.samples_out, (size_t)p->samples * sizeof(uint64_t));
    bench_shared_free(shm, ssize);
    return r->err;
}

struct iso_stream {
    const stream_impl_t *impl;
    void *st;
    const bench_stream_params_t *p;
    bench_stream_result_t *r; /* shared */
};

static int iso_stream_child(void *arg)
{
    struct iso_stream *a = arg;
    bench_run_stream(a->impl, a->st, a->p, 1, a->r);
    return 0;
}

static int run_stream_isolated(const stream_impl_t *impl, void *st, const bench_stream_params_t *p,
                               bench_stream_result_t *r)
{
    memset(r, 0, sizeof *r);
    bench_stream_result_t *shr = bench_shared_alloc(sizeof *shr);
    if (!shr)
        return r->err = -ENOMEM;
    shr->err = -EIO;
    snprintf(shr->what, sizeof shr->what, "measuring process died");
    struct iso_stream a = { impl, st, p, shr };
    int pid = bench_fork(p->cpu_consumer, iso_stream_child, &a);
    if (pid < 0) {
        bench_shared_free(shr, sizeof *shr);
        return r->err = -errno;
    }
    int st_child = bench_wait(pid);
    *r = *shr;
    if (st_child != 0 && r->err == 0) {
        r->err = -EIO;
        snprintf(r->what, sizeof r->what, "measuring process exited with status %d", st_child);
    }
    bench_shared_free(shr, sizeof *shr);
    return r->err;
}

/* ===== round trip ========================================================== */

struct iox_rt {
    bool waitset;
    char instance[48];
    struct iox_end end; /* in the measuring process */
    unsigned char msg[BENCH_RT_MSG];
};

static int ioxrt_prepare(void *st)
{
    struct iox_rt *s = st;
    snprintf(s->instance, sizeof s->instance, "rt-%ld-%u", (long)getpid(), g_instance++);
    memset(s->msg, 0x5a, sizeof s->msg);
    return 0;
}

static int ioxrt_echo(void *st, uint64_t n)
{
    struct iox_rt *s = st;
    struct iox_end e;
    unsigned char m[BENCH_RT_MSG];
    int rc = 1;
    iox_runtime_up("echo");
    if (iox_end_open(&e, s->instance, "pong", "ping", s->waitset, 256) != 0 || iox_end_wait_connected(&e) != 0) {
        fprintf(stderr, "bench iceoryx echo: could not connect\n");
        goto out;
    }
    for (uint64_t seq = 1; seq <= n; seq++) {
        uint64_t got;
        if (iox_recv(&e, m, sizeof m) != 0)
            goto out;
        memcpy(&got, m, sizeof got);
        if (got != seq || iox_send(&e, m, sizeof m) != 0)
            goto out;
    }
    /* The last reply stays in the measuring side's queue after we go: chunks are
     * counted references in RouDi's pools. */
    rc = 0;
out:
    iox_end_close(&e);
    iox_runtime_shutdown();
    return rc;
}

static int ioxrt_parent_init(void *st)
{
    struct iox_rt *s = st;
    iox_runtime_up("ping");
    int rc = iox_end_open(&s->end, s->instance, "ping", "pong", s->waitset, 256);
    if (rc == 0)
        rc = iox_end_wait_connected(&s->end);
    return rc;
}

static int ioxrt_ping(void *st, uint64_t seq)
{
    struct iox_rt *s = st;
    uint64_t got;
    memcpy(s->msg, &seq, sizeof seq);
    int rc = iox_send(&s->end, s->msg, sizeof s->msg);
    if (rc == 0)
        rc = iox_recv(&s->end, s->msg, sizeof s->msg);
    memcpy(&got, s->msg, sizeof got);
    return rc ? rc : got == seq ? 0 : -EPROTO;
}

static void ioxrt_cleanup(void *st)
{
    struct iox_rt *s = st;
    (void)s;
}

int bench_rt_iox(const bench_rt_params_t *p, bool waitset, bench_rt_result_t *r)
{
    static const rt_impl_t impl = { ioxrt_prepare, ioxrt_echo, ioxrt_parent_init, ioxrt_ping, ioxrt_cleanup };
    struct iox_rt s;
    memset(&s, 0, sizeof s);
    s.waitset = waitset;
    return run_rt_isolated(&impl, &s, p, r);
}

/* ===== streaming ============================================================ */

struct iox_stream {
    bool waitset;
    bool bulk; /* large payloads: written and read in place in the chunk (zero-copy) */
    char instance[48];
    struct iox_end end; /* publisher in the producer, subscriber in the consumer */
};

static int ioxs_prepare(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct iox_stream *s = st;
    (void)p;
    (void)nprod;
    snprintf(s->instance, sizeof s->instance, "st-%ld-%u", (long)getpid(), g_instance++);
    return 0;
}

static int ioxs_producer_init(void *st, const bench_stream_params_t *p, uint32_t idx)
{
    struct iox_stream *s = st;
    (void)p;
    (void)idx;
    iox_runtime_up("prod");
    int rc = iox_end_open(&s->end, s->instance, "data", NULL, false, 0);
    if (rc == 0)
        rc = iox_end_wait_connected(&s->end);
    return rc;
}

static int ioxs_produce(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count)
{
    struct iox_stream *s = st;
    unsigned char *m = malloc(p->payload);
    int rc = m ? 0 : -ENOMEM;
    if (m)
        memset(m, 0xa5, p->payload);
    for (uint64_t n = 0; n < count && rc == 0; n++) {
        uint64_t seq = SEQ_MAKE(idx, n);
        if (s->bulk) {
            rc = iox_send_fill(&s->end, p->payload, seq);
            continue;
        }
        memcpy(m, &seq, sizeof seq);
        rc = iox_send(&s->end, m, p->payload);
    }
    /* Leave the publisher up until the consumer has everything: the harness kills us after. */
    while (rc == 0 && iox_pub_has_subscribers(s->end.pub))
        sleep_ms(1);
    iox_end_close(&s->end);
    iox_runtime_shutdown();
    free(m);
    return rc;
}

static int ioxs_consumer_init(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct iox_stream *s = st;
    (void)p;
    (void)nprod;
    iox_runtime_up("cons");
    /* Large payloads: 4 in the queue, as libcosmosb's windows get a ring of 4 payloads
     * (and RouDi's pools hold 30 chunks of 1 MiB, 8 of 64 MiB). */
    return iox_end_open(&s->end, s->instance, NULL, "data", s->waitset, s->bulk ? 4 : 256);
}

static int ioxs_consume(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                        bench_stream_result_t *r)
{
    struct iox_stream *s = st;
    unsigned char *m = malloc(p->payload);
    uint64_t expect[2] = { 0, 0 };
    int rc = m ? 0 : -ENOMEM;
    for (uint64_t got = 0; got < total && rc == 0; got++) {
        if (s->bulk) {
            uint64_t seq;
            rc = iox_recv_sum(&s->end, p->payload, &seq);
            if (rc == -EPROTO)
                snprintf(r->what, sizeof r->what, "checksum error in message %llu", (unsigned long long)got);
            if (rc == 0 && bench_check_seq(seq, expect, nprod, r) != 0)
                rc = -EPROTO;
            continue;
        }
        rc = iox_recv(&s->end, m, p->payload);
        if (rc != 0) {
            snprintf(r->what, sizeof r->what, "take failed after %llu messages", (unsigned long long)got);
            break;
        }
        uint64_t seq;
        memcpy(&seq, m, sizeof seq);
        if (bench_check_seq(seq, expect, nprod, r) != 0)
            rc = -EPROTO;
    }
    /* Unsubscribing lets the producer go. */
    iox_end_close(&s->end);
    free(m);
    return rc;
}

static void ioxs_cleanup(void *st, const bench_stream_params_t *p)
{
    (void)st;
    (void)p;
}

static int iox_stream_run(const bench_stream_params_t *p, bool waitset, bool bulk, bench_stream_result_t *r);

int bench_stream_iox(const bench_stream_params_t *p, bool waitset, bench_stream_result_t *r)
{
    return iox_stream_run(p, waitset, false, r);
}

int bench_bulk_iox(uint32_t payload, uint64_t messages, int cpu_consumer, int cpu_producer, double *gbytes_per_s,
                   char *what, size_t what_len)
{
    bench_stream_params_t p = {
        .messages = messages,
        .payload = payload,
        .batch = 1,
        .cpu_consumer = cpu_consumer,
        .cpu_producer = cpu_producer,
        .cpu_producer2 = cpu_producer,
    };
    bench_stream_result_t r;
    int rc = iox_stream_run(&p, false, true, &r);
    if (rc != 0)
        snprintf(what, what_len, "%s", r.what);
    else
        *gbytes_per_s = r.msgs_per_s * payload / 1e9;
    return rc;
}

static int iox_stream_run(const bench_stream_params_t *p, bool waitset, bool bulk, bench_stream_result_t *r)
{
    static const stream_impl_t impl = { ioxs_prepare, ioxs_producer_init, ioxs_produce, ioxs_consumer_init,
                                        ioxs_consume, ioxs_cleanup };
    struct iox_stream s;
    memset(&s, 0, sizeof s);
    s.waitset = waitset;
    s.bulk = bulk;
    return run_stream_isolated(&impl, &s, p, r);
}

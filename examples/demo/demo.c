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
 *   3. The child sends a few messages of different types, one of them urgent;
 *      the parent prints them (the urgent one comes first).
 *   4. A short request/reply ping-pong, then "bye".
 *   5. A side-by-side table: round-trip latency and 64-byte streaming for
 *      libcosmosb, pipe(2) and a UNIX socket, measured now on this machine
 *      (the measurement code is bench/'s, linked in as cosmosb_benchlib).
 *
 *   cosmosb-demo [--no-table]
 */
#include <cosmosb/cosmosb.h>

#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Message types: stable 64-bit ids agreed by both programs. (Later versions
 * of the library derive them from schema declarations.) */
#define DEMO_HELLO UINT64_C(0x64656d6f00000001)       /* text */
#define DEMO_POINT UINT64_C(0x64656d6f00000002)       /* struct demo_point */
#define DEMO_TEMPERATURE UINT64_C(0x64656d6f00000003) /* struct demo_temperature */
#define DEMO_ALERT UINT64_C(0x64656d6f00000004)       /* text, sent urgent */
#define DEMO_REQUEST UINT64_C(0x64656d6f00000010)     /* struct demo_request */
#define DEMO_REPLY UINT64_C(0x64656d6f00000011)       /* struct demo_reply */
#define DEMO_BYE UINT64_C(0x64656d6f000000ff)         /* empty */

struct demo_point {
    int32_t x, y;
};
struct demo_temperature {
    char sensor[16];
    double celsius;
};
struct demo_request {
    uint32_t id;
    int32_t a, b;
};
struct demo_reply {
    uint32_t id;
    int32_t sum;
};

#define SLOT 128u
#define TIMEOUT_NS (UINT64_C(5) * 1000000000u) /* nothing here should take 5 s */

static const char *type_name(uint64_t t)
{
    switch (t) {
    case DEMO_HELLO: return "HELLO";
    case DEMO_POINT: return "POINT";
    case DEMO_TEMPERATURE: return "TEMPERATURE";
    case DEMO_ALERT: return "ALERT";
    case DEMO_REQUEST: return "REQUEST";
    case DEMO_REPLY: return "REPLY";
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

    /* A few typed messages; the alert goes on the urgent lane. */
    static const char hello[] = "hello from the child";
    struct demo_point pt = { 3, -4 };
    struct demo_temperature temp = { "cpu0", 47.5 };
    static const char alert[] = "disk almost full";
    if ((rc = cosmosb_pipe_send(to_parent, DEMO_HELLO, hello, sizeof hello, 0, TIMEOUT_NS)) != 0 ||
        (rc = cosmosb_pipe_send(to_parent, DEMO_POINT, &pt, sizeof pt, 0, TIMEOUT_NS)) != 0 ||
        (rc = cosmosb_pipe_send(to_parent, DEMO_TEMPERATURE, &temp, sizeof temp, 0, TIMEOUT_NS)) != 0 ||
        (rc = cosmosb_pipe_send(to_parent, DEMO_ALERT, alert, sizeof alert, COSMOSB_MSG_URGENT, TIMEOUT_NS)) != 0)
        return fail("child ", "cosmosb_pipe_send", rc);
    /* Tell the parent all four are queued (so it sees the urgent one overtake). */
    char go = 'g';
    if (write(sock, &go, 1) != 1)
        return fail("child ", "write", errno);

    /* Serve requests until BYE. */
    for (;;) {
        unsigned char buf[SLOT];
        cosmosb_msg_info_t info;
        rc = cosmosb_pipe_recv(inbox, buf, sizeof buf, &info, TIMEOUT_NS);
        if (rc != 0)
            return fail("child ", "cosmosb_pipe_recv", rc);
        if (info.type_id == DEMO_BYE)
            break;
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
    cosmosb_pipe_close(inbox);
    cosmosb_pipe_close(to_parent);
    return 0;
}

/* ===== the parent ======================================================= */

static void print_message(const cosmosb_msg_info_t *info, const unsigned char *buf)
{
    printf("[parent] received %-11s (type 0x%016llx, %2u bytes%s): ", type_name(info->type_id),
           (unsigned long long)info->type_id, info->len, info->flags & COSMOSB_MSG_URGENT ? ", urgent" : "");
    switch (info->type_id) {
    case DEMO_HELLO:
    case DEMO_ALERT:
        printf("\"%.*s\"\n", (int)strnlen((const char *)buf, info->len), (const char *)buf);
        break;
    case DEMO_POINT: {
        struct demo_point p;
        memcpy(&p, buf, sizeof p);
        printf("x=%d y=%d\n", (int)p.x, (int)p.y);
        break;
    }
    case DEMO_TEMPERATURE: {
        struct demo_temperature t;
        memcpy(&t, buf, sizeof t);
        t.sensor[sizeof t.sensor - 1] = 0;
        printf("%s at %.1f C\n", t.sensor, t.celsius);
        break;
    }
    default:
        printf("(not shown)\n");
    }
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
    printf("[parent] the child queued HELLO, POINT, TEMPERATURE, then ALERT on the urgent lane:\n");
    for (int i = 0; i < 4; i++) {
        unsigned char buf[SLOT];
        cosmosb_msg_info_t info;
        if ((rc = cosmosb_pipe_recv(inbox, buf, sizeof buf, &info, TIMEOUT_NS)) != 0)
            return fail("parent", "cosmosb_pipe_recv", rc);
        print_message(&info, buf);
    }

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
           "pipe(2) and the socket block in the kernel.\n");
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

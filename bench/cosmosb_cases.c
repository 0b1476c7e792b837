/*
 * cosmosb_cases.c: the libcosmosb side of the benchmark, through the public
 * Linux API only (cosmosb_pipe_create / attach / share / attach_socket and
 * the pipe.h operations), as an application would use it.
 */
#include "bench_internal.h"

#include <cosmosb/cosmosb.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BENCH_TYPE_PING UINT64_C(0xb0b0000000000001)
#define BENCH_TYPE_DATA UINT64_C(0xb0b0000000000002)

static void set_spin(cosmosb_pipe_t *p, uint64_t spin_ns)
{
    if (p && spin_ns != BENCH_SPIN_DEFAULT)
        cosmosb_pipe_set_spin_ns(p, spin_ns);
}

static uint64_t get_seq(const unsigned char *m)
{
    uint64_t s;
    memcpy(&s, m, sizeof s);
    return s;
}

/* ===== round trip: two SPSC pipes, one each way ========================= */

/* The measuring process creates pipe `up` (it receives on it) before fork;
 * the echo child attaches to it through the inherited descriptors. The child
 * creates pipe `down` (it receives on it) and hands it over the socket, as a
 * real receiver would. */
struct cosmosb_rt {
    uint64_t spin_ns;
    int sock[2];              /* [0] measuring side, [1] echo side */
    cosmosb_pipe_t *up_cons;  /* measuring side: receives replies */
    cosmosb_pipe_t *down_prod;/* measuring side: sends requests */
    unsigned char msg[BENCH_RT_MSG];
};

static int crt_prepare(void *st)
{
    struct cosmosb_rt *s = st;
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 64;
    cfg.slot_size = BENCH_RT_MSG;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s->sock) != 0)
        return -errno;
    int rc = cosmosb_pipe_create(&cfg, &s->up_cons);
    if (rc != 0) {
        fprintf(stderr, "bench: cosmosb_pipe_create: %s\n", cosmosb_strerror(rc));
        return rc;
    }
    set_spin(s->up_cons, s->spin_ns);
    return 0;
}

static int crt_echo(void *st, uint64_t n)
{
    struct cosmosb_rt *s = st;
    cosmosb_pipe_t *up_prod = NULL, *down_cons = NULL;
    unsigned char m[BENCH_RT_MSG];
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 64;
    cfg.slot_size = BENCH_RT_MSG;
    int rc = cosmosb_pipe_attach(cosmosb_pipe_fd(s->up_cons), cosmosb_pipe_eventfd(s->up_cons), &up_prod);
    if (rc != 0) {
        fprintf(stderr, "bench echo: attach: %s\n", cosmosb_strerror(rc));
        return 1;
    }
    if ((rc = cosmosb_pipe_create(&cfg, &down_cons)) != 0 ||
        (rc = cosmosb_pipe_share(down_cons, s->sock[1])) != 0) {
        fprintf(stderr, "bench echo: create/share: %s\n", cosmosb_strerror(rc));
        return 1;
    }
    set_spin(up_prod, s->spin_ns);
    set_spin(down_cons, s->spin_ns);
    for (uint64_t seq = 1; seq <= n; seq++) {
        cosmosb_msg_info_t info;
        rc = cosmosb_pipe_recv(down_cons, m, sizeof m, &info, COSMOSB_TIMEOUT_FOREVER);
        if (rc != 0 || info.len != sizeof m || get_seq(m) != seq) {
            fprintf(stderr, "bench echo: recv %llu: %s\n", (unsigned long long)seq, cosmosb_strerror(rc));
            return 1;
        }
        rc = cosmosb_pipe_send(up_prod, BENCH_TYPE_PING, m, sizeof m, 0, COSMOSB_TIMEOUT_FOREVER);
        if (rc != 0) {
            fprintf(stderr, "bench echo: send: %s\n", cosmosb_strerror(rc));
            return 1;
        }
    }
    /* Let the measuring side read the last reply before our end closes. */
    cosmosb_pipe_close(up_prod);
    cosmosb_pipe_close(down_cons);
    return 0;
}

static int crt_parent_init(void *st)
{
    struct cosmosb_rt *s = st;
    cosmosb_peer_cred_t cred;
    int rc = cosmosb_pipe_attach_socket(s->sock[0], &s->down_prod, &cred);
    if (rc != 0) {
        fprintf(stderr, "bench: cosmosb_pipe_attach_socket: %s\n", cosmosb_strerror(rc));
        return rc;
    }
    set_spin(s->down_prod, s->spin_ns);
    return 0;
}

static int crt_ping(void *st, uint64_t seq)
{
    struct cosmosb_rt *s = st;
    memcpy(s->msg, &seq, sizeof seq);
    int rc = cosmosb_pipe_send(s->down_prod, BENCH_TYPE_PING, s->msg, sizeof s->msg, 0,
                               COSMOSB_TIMEOUT_FOREVER);
    if (rc != 0) {
        fprintf(stderr, "bench: send %llu: %s\n", (unsigned long long)seq, cosmosb_strerror(rc));
        return rc;
    }
    cosmosb_msg_info_t info;
    rc = cosmosb_pipe_recv(s->up_cons, s->msg, sizeof s->msg, &info, COSMOSB_TIMEOUT_FOREVER);
    if (rc != 0) {
        fprintf(stderr, "bench: recv %llu: %s\n", (unsigned long long)seq, cosmosb_strerror(rc));
        return rc;
    }
    return get_seq(s->msg) == seq ? 0 : -EPROTO;
}

static void crt_cleanup(void *st)
{
    struct cosmosb_rt *s = st;
    cosmosb_pipe_close(s->down_prod);
    cosmosb_pipe_close(s->up_cons);
    close(s->sock[0]);
    close(s->sock[1]);
}

int bench_rt_cosmosb(const bench_rt_params_t *p, uint64_t spin_ns, bench_rt_result_t *r)
{
    static const rt_impl_t impl = { crt_prepare, crt_echo, crt_parent_init, crt_ping, crt_cleanup };
    struct cosmosb_rt s;
    memset(&s, 0, sizeof s);
    s.spin_ns = spin_ns;
    s.sock[0] = s.sock[1] = -1;
    return bench_run_rt(&impl, &s, p, r);
}

/* ===== streaming: SPSC or MPSC pipe ===================================== */

struct cosmosb_stream {
    uint64_t spin_ns;
    uint32_t mode;
    cosmosb_pipe_t *cons; /* made before fork; producers attach to its descriptors */
    cosmosb_pipe_t *prod; /* in a producer child */
};

static int cst_prepare(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct cosmosb_stream *s = st;
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.mode = s->mode;
    cfg.max_producers = nprod;
    cfg.capacity = p->capacity ? p->capacity : 1024;
    cfg.slot_size = p->payload;
    int rc = cosmosb_pipe_create(&cfg, &s->cons);
    if (rc != 0) {
        fprintf(stderr, "bench: cosmosb_pipe_create: %s\n", cosmosb_strerror(rc));
        return rc;
    }
    set_spin(s->cons, s->spin_ns);
    return 0;
}

static int cst_producer_init(void *st, const bench_stream_params_t *p, uint32_t idx)
{
    struct cosmosb_stream *s = st;
    (void)p;
    (void)idx;
    int rc = cosmosb_pipe_attach(cosmosb_pipe_fd(s->cons), cosmosb_pipe_eventfd(s->cons), &s->prod);
    if (rc != 0) {
        fprintf(stderr, "bench: cosmosb_pipe_attach: %s\n", cosmosb_strerror(rc));
        return rc;
    }
    set_spin(s->prod, s->spin_ns);
    return 0;
}

static int cst_produce(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count)
{
    struct cosmosb_stream *s = st;
    size_t bytes = (size_t)p->payload * p->batch;
    unsigned char *buf = malloc(bytes);
    cosmosb_send_item_t *items = calloc(p->batch, sizeof *items);
    int rc = 0;
    if (!buf || !items) {
        rc = -ENOMEM;
        goto out;
    }
    memset(buf, 0xa5, bytes);
    for (uint32_t i = 0; i < p->batch; i++) {
        items[i].type_id = BENCH_TYPE_DATA;
        items[i].data = buf + (size_t)i * p->payload;
        items[i].len = p->payload;
    }
    if (p->batch == 1) {
        for (uint64_t n = 0; n < count; n++) {
            uint64_t seq = SEQ_MAKE(idx, n);
            memcpy(buf, &seq, sizeof seq);
            rc = cosmosb_pipe_send(s->prod, BENCH_TYPE_DATA, buf, p->payload, 0, COSMOSB_TIMEOUT_FOREVER);
            if (rc != 0)
                goto out;
        }
    } else {
        uint64_t sent = 0;
        while (sent < count) {
            uint32_t want = count - sent < p->batch ? (uint32_t)(count - sent) : p->batch;
            for (uint32_t i = 0; i < want; i++) {
                uint64_t seq = SEQ_MAKE(idx, sent + i);
                memcpy(buf + (size_t)i * p->payload, &seq, sizeof seq);
            }
            /* Burst mode: as many as fit (at least one); send the rest next. */
            uint32_t done = 0;
            while (done < want) {
                int k = cosmosb_pipe_send_batch(s->prod, items + done, want - done, 0, COSMOSB_TIMEOUT_FOREVER);
                if (k <= 0) {
                    rc = k < 0 ? k : -EPROTO;
                    goto out;
                }
                done += (uint32_t)k;
            }
            sent += want;
        }
    }
out:
    if (rc != 0)
        fprintf(stderr, "bench producer %u: error %d (%s)\n", idx, rc, cosmosb_strerror(rc));
    free(items);
    free(buf);
    /* Committed messages stay for the consumer after close. */
    cosmosb_pipe_close(s->prod);
    return rc;
}

static int cst_consume(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                       bench_stream_result_t *r)
{
    struct cosmosb_stream *s = st;
    size_t bytes = (size_t)p->payload * p->batch;
    unsigned char *buf = malloc(bytes);
    cosmosb_recv_item_t *items = calloc(p->batch, sizeof *items);
    uint64_t expect[2] = { 0, 0 };
    int rc = 0;
    if (!buf || !items) {
        rc = -ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < p->batch; i++) {
        items[i].buf = buf + (size_t)i * p->payload;
        items[i].buf_size = p->payload;
    }
    uint64_t got = 0;
    while (got < total) {
        if (p->batch == 1) {
            cosmosb_msg_info_t info;
            rc = cosmosb_pipe_recv(s->cons, buf, p->payload, &info, COSMOSB_TIMEOUT_FOREVER);
            if (rc != 0) {
                snprintf(r->what, sizeof r->what, "recv after %llu messages: %s",
                         (unsigned long long)got, cosmosb_strerror(rc));
                goto out;
            }
            if (bench_check_seq(get_seq(buf), expect, nprod, r) != 0) {
                rc = -EPROTO;
                goto out;
            }
            got++;
        } else {
            uint32_t want = total - got < p->batch ? (uint32_t)(total - got) : p->batch;
            int k = cosmosb_pipe_recv_batch(s->cons, items, want, 0, COSMOSB_TIMEOUT_FOREVER);
            if (k <= 0) {
                rc = k < 0 ? k : -EPROTO;
                snprintf(r->what, sizeof r->what, "recv_batch after %llu messages: %s",
                         (unsigned long long)got, cosmosb_strerror(rc));
                goto out;
            }
            for (int i = 0; i < k; i++) {
                if (bench_check_seq(get_seq(items[i].buf), expect, nprod, r) != 0) {
                    rc = -EPROTO;
                    goto out;
                }
            }
            got += (uint64_t)k;
        }
    }
out:
    free(items);
    free(buf);
    return rc;
}

static void cst_cleanup(void *st, const bench_stream_params_t *p)
{
    struct cosmosb_stream *s = st;
    (void)p;
    cosmosb_pipe_close(s->cons);
    s->cons = NULL;
}

static const stream_impl_t cst_impl = { cst_prepare, cst_producer_init, cst_produce, NULL,
                                        cst_consume, cst_cleanup };

int bench_stream_cosmosb(const bench_stream_params_t *p, uint64_t spin_ns, bench_stream_result_t *r)
{
    struct cosmosb_stream s;
    memset(&s, 0, sizeof s);
    s.spin_ns = spin_ns;
    s.mode = COSMOSB_PIPE_SPSC;
    return bench_run_stream(&cst_impl, &s, p, 1, r);
}

int bench_stream_cosmosb_mpsc(const bench_stream_params_t *p, uint64_t spin_ns, bench_stream_result_t *r)
{
    struct cosmosb_stream s;
    memset(&s, 0, sizeof s);
    s.spin_ns = spin_ns;
    s.mode = COSMOSB_PIPE_MPSC;
    return bench_run_stream(&cst_impl, &s, p, 2, r);
}

/*
 * kernel_more.c: more of the kernel's own IPC (UNIX seqpacket sockets, POSIX
 * message queues) and memcpy bandwidth, for cosmosb-bench. None of these use
 * libcosmosb.
 */
#include "bench_internal.h"
#include "bench_peers.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint64_t get_seq(const unsigned char *m)
{
    uint64_t s;
    memcpy(&s, m, sizeof s);
    return s;
}

static void put_seq(unsigned char *m, uint64_t s)
{
    memcpy(m, &s, sizeof s);
}

/* ===== POSIX message queues ============================================== */

/* Opens an anonymous queue: created under a unique name and unlinked at
 * once; the descriptor is inherited by fork. Tries `maxmsg`, then halves it
 * while the kernel refuses (msg_max, RLIMIT_MSGQUEUE). */
static mqd_t mq_open_anon(long maxmsg, long msgsize, long *got)
{
    static unsigned counter;
    char name[64];
    for (; maxmsg >= 1; maxmsg /= 2) {
        snprintf(name, sizeof name, "/cosmosb-bench-%ld-%u", (long)getpid(), counter++);
        struct mq_attr a = { .mq_flags = 0, .mq_maxmsg = maxmsg, .mq_msgsize = msgsize, .mq_curmsgs = 0 };
        mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
        if (q != (mqd_t)-1) {
            mq_unlink(name);
            if (got)
                *got = maxmsg;
            return q;
        }
        if (errno != EINVAL && errno != EMFILE && errno != ENOMEM)
            return (mqd_t)-1;
    }
    return (mqd_t)-1;
}

struct mq_rt {
    mqd_t q[2]; /* [0]: to the echo side, [1]: back */
    unsigned char msg[BENCH_RT_MSG];
};

static int mqrt_prepare(void *st)
{
    struct mq_rt *s = st;
    s->q[0] = mq_open_anon(8, BENCH_RT_MSG, NULL);
    if (s->q[0] == (mqd_t)-1)
        return -errno;
    s->q[1] = mq_open_anon(8, BENCH_RT_MSG, NULL);
    if (s->q[1] == (mqd_t)-1) {
        int e = -errno;
        mq_close(s->q[0]);
        s->q[0] = (mqd_t)-1;
        return e;
    }
    return 0;
}

static int mq_recv_full(mqd_t q, unsigned char *m, size_t len)
{
    for (;;) {
        ssize_t k = mq_receive(q, (char *)m, len, NULL);
        if (k >= 0)
            return (size_t)k == len ? 0 : -EPROTO;
        if (errno != EINTR)
            return -errno;
    }
}

static int mq_send_full(mqd_t q, const unsigned char *m, size_t len)
{
    for (;;) {
        if (mq_send(q, (const char *)m, len, 0) == 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

static int mqrt_echo(void *st, uint64_t n)
{
    struct mq_rt *s = st;
    unsigned char m[BENCH_RT_MSG];
    for (uint64_t seq = 1; seq <= n; seq++) {
        if (mq_recv_full(s->q[0], m, sizeof m) != 0 || get_seq(m) != seq)
            return 1;
        if (mq_send_full(s->q[1], m, sizeof m) != 0)
            return 1;
    }
    return 0;
}

static int mqrt_ping(void *st, uint64_t seq)
{
    struct mq_rt *s = st;
    put_seq(s->msg, seq);
    int rc = mq_send_full(s->q[0], s->msg, sizeof s->msg);
    if (rc == 0)
        rc = mq_recv_full(s->q[1], s->msg, sizeof s->msg);
    if (rc == 0 && get_seq(s->msg) != seq)
        rc = -EPROTO;
    return rc;
}

static void mqrt_cleanup(void *st)
{
    struct mq_rt *s = st;
    for (int i = 0; i < 2; i++)
        if (s->q[i] != (mqd_t)-1)
            mq_close(s->q[i]);
}

int bench_rt_mq(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    static const rt_impl_t impl = { mqrt_prepare, mqrt_echo, NULL, mqrt_ping, mqrt_cleanup };
    struct mq_rt s = { .q = { (mqd_t)-1, (mqd_t)-1 } };
    return bench_run_rt(&impl, &s, p, r);
}

struct mq_stream {
    mqd_t q;
};

static int mqs_prepare(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct mq_stream *s = st;
    (void)nprod;
    s->q = mq_open_anon(p->capacity ? p->capacity : 1024, p->payload, NULL);
    return s->q == (mqd_t)-1 ? -errno : 0;
}

static int mqs_produce(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count)
{
    struct mq_stream *s = st;
    unsigned char *m = malloc(p->payload);
    if (!m)
        return -ENOMEM;
    memset(m, 0xa5, p->payload);
    int rc = 0;
    for (uint64_t n = 0; n < count && rc == 0; n++) {
        put_seq(m, SEQ_MAKE(idx, n));
        rc = mq_send_full(s->q, m, p->payload);
    }
    free(m);
    return rc;
}

static int mqs_consume(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                       bench_stream_result_t *r)
{
    struct mq_stream *s = st;
    unsigned char *m = malloc(p->payload);
    uint64_t expect[2] = { 0, 0 };
    int rc = m ? 0 : -ENOMEM;
    for (uint64_t got = 0; got < total && rc == 0; got++) {
        rc = mq_recv_full(s->q, m, p->payload);
        if (rc != 0) {
            snprintf(r->what, sizeof r->what, "mq_receive after %llu messages: %s", (unsigned long long)got,
                     strerror(-rc));
            break;
        }
        if (bench_check_seq(get_seq(m), expect, nprod, r) != 0)
            rc = -EPROTO;
    }
    free(m);
    return rc;
}

static void mqs_cleanup(void *st, const bench_stream_params_t *p)
{
    struct mq_stream *s = st;
    (void)p;
    if (s->q != (mqd_t)-1)
        mq_close(s->q);
}

int bench_stream_mq(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    static const stream_impl_t impl = { mqs_prepare, NULL, mqs_produce, NULL, mqs_consume, mqs_cleanup };
    struct mq_stream s = { .q = (mqd_t)-1 };
    return bench_run_stream(&impl, &s, p, 1, r);
}

/* ===== UNIX seqpacket streaming ========================================== */

struct sp_stream {
    int fd[2]; /* fd[0]: consumer end, fd[1]: producer end */
};

static int sps_prepare(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct sp_stream *s = st;
    (void)p;
    (void)nprod;
    return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s->fd) == 0 ? 0 : -errno;
}

/* Batch 1: one send(2) per record. Batch > 1: one sendmmsg(2) per batch of
 * records (as libcosmosb makes one call per batch). */
static int sps_produce(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count)
{
    struct sp_stream *s = st;
    size_t bytes = (size_t)p->payload * p->batch;
    unsigned char *buf = malloc(bytes);
    struct iovec *iov = calloc(p->batch, sizeof *iov);
    struct mmsghdr *mh = calloc(p->batch, sizeof *mh);
    int rc = 0;
    if (!buf || !iov || !mh) {
        rc = -ENOMEM;
        goto out;
    }
    memset(buf, 0xa5, bytes);
    close(s->fd[0]);
    for (uint32_t i = 0; i < p->batch; i++) {
        iov[i].iov_base = buf + (size_t)i * p->payload;
        iov[i].iov_len = p->payload;
        mh[i].msg_hdr.msg_iov = &iov[i];
        mh[i].msg_hdr.msg_iovlen = 1;
    }
    for (uint64_t sent = 0; sent < count && rc == 0;) {
        uint64_t k = count - sent < p->batch ? count - sent : p->batch;
        for (uint64_t i = 0; i < k; i++)
            put_seq(buf + i * p->payload, SEQ_MAKE(idx, sent + i));
        if (p->batch == 1) {
            rc = bench_write_full(s->fd[1], buf, p->payload);
            sent++;
            continue;
        }
        uint64_t done = 0;
        while (done < k) {
            int n = sendmmsg(s->fd[1], mh + done, (unsigned)(k - done), 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                rc = -errno;
                break;
            }
            done += (uint64_t)n;
        }
        sent += k;
    }
out:
    free(mh);
    free(iov);
    free(buf);
    return rc;
}

static int sps_consume(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                       bench_stream_result_t *r)
{
    struct sp_stream *s = st;
    size_t bytes = (size_t)p->payload * p->batch;
    unsigned char *buf = malloc(bytes);
    struct iovec *iov = calloc(p->batch, sizeof *iov);
    struct mmsghdr *mh = calloc(p->batch, sizeof *mh);
    uint64_t expect[2] = { 0, 0 };
    int rc = 0;
    if (!buf || !iov || !mh) {
        rc = -ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < p->batch; i++) {
        iov[i].iov_base = buf + (size_t)i * p->payload;
        iov[i].iov_len = p->payload;
        mh[i].msg_hdr.msg_iov = &iov[i];
        mh[i].msg_hdr.msg_iovlen = 1;
    }
    for (uint64_t got = 0; got < total;) {
        uint64_t want = total - got < p->batch ? total - got : p->batch;
        int n;
        if (p->batch == 1) {
            ssize_t k = read(s->fd[0], buf, p->payload);
            n = k == (ssize_t)p->payload ? 1 : (k < 0 ? -1 : -2);
            if (k >= 0 && n == -2) {
                snprintf(r->what, sizeof r->what, "short record (%zd bytes)", k);
                rc = -EPROTO;
                goto out;
            }
        } else {
            /* MSG_WAITFORONE: block for the first record, then take what is there. */
            n = recvmmsg(s->fd[0], mh, (unsigned)want, MSG_WAITFORONE, NULL);
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            snprintf(r->what, sizeof r->what, "recv after %llu messages: %s", (unsigned long long)got,
                     strerror(errno));
            goto out;
        }
        if (n == 0) {
            rc = -EPIPE;
            snprintf(r->what, sizeof r->what, "end of stream after %llu messages", (unsigned long long)got);
            goto out;
        }
        for (int i = 0; i < n; i++) {
            if (p->batch > 1 && mh[i].msg_len != p->payload) {
                snprintf(r->what, sizeof r->what, "short record (%u bytes)", mh[i].msg_len);
                rc = -EPROTO;
                goto out;
            }
            if (bench_check_seq(get_seq(buf + (size_t)i * p->payload), expect, nprod, r) != 0) {
                rc = -EPROTO;
                goto out;
            }
        }
        got += (uint64_t)n;
    }
out:
    free(mh);
    free(iov);
    free(buf);
    return rc;
}

static void sps_cleanup(void *st, const bench_stream_params_t *p)
{
    struct sp_stream *s = st;
    (void)p;
    close(s->fd[0]);
    close(s->fd[1]);
}

int bench_stream_seqpacket(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    static const stream_impl_t impl = { sps_prepare, NULL, sps_produce, NULL, sps_consume, sps_cleanup };
    struct sp_stream s = { .fd = { -1, -1 } };
    return bench_run_stream(&impl, &s, p, 1, r);
}

/* ===== memcpy bandwidth =================================================== */

double bench_memcpy_bps(size_t size, double seconds)
{
    unsigned char *src = malloc(size), *dst = malloc(size);
    if (!src || !dst) {
        free(src);
        free(dst);
        return 0;
    }
    memset(src, 0x5a, size);
    memset(dst, 0xa5, size); /* fault both in before timing */
    uint64_t budget = (uint64_t)(seconds * 1e9), bytes = 0;
    uint64_t t0 = bench_now_ns(), t1 = t0;
    while (t1 - t0 < budget) {
        memcpy(dst, src, size);
        /* Keep the copy: the compiler must not drop it. */
        __asm__ __volatile__("" : : "r"(dst) : "memory");
        src[bytes % size] ^= 1;
        bytes += size;
        t1 = bench_now_ns();
    }
    free(src);
    free(dst);
    return (double)bytes / ((double)(t1 - t0) / 1e9);
}

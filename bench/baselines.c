/*
 * baselines.c: the mechanisms libcosmosb is compared with, none of which use
 * the library.
 *
 * Limits (what the hardware and the kernel allow with no library at all):
 *  - raw shared-memory ping-pong: one 64-byte cache line each way whose first
 *    word is a sequence number, busy polling;
 *  - raw futex ping-pong: the same lines, but the reader sleeps in FUTEX_WAIT
 *    and the writer always calls FUTEX_WAKE (no spinning at all);
 *  - an ideal bare SPSC ring: Lamport's ring with cached indices, payload
 *    copied in and out, nothing else (no header, no checks, no sleeping).
 * Competitors: pipe(2), a UNIX stream socket, an eventfd-signalled shared slot.
 */
#include "bench_internal.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A 64-byte message line: the sequence word and the rest of the payload. */
struct msg_line {
    _Alignas(64) _Atomic uint64_t seq;
    unsigned char rest[BENCH_RT_MSG - sizeof(uint64_t)];
};
_Static_assert(sizeof(struct msg_line) == 64, "one cache line");

/* A per-message header like libcosmosb's (type id, length, flags). */
struct msg_hdr {
    uint64_t type_id;
    uint32_t len;
    uint32_t flags;
};

/* A slot header whose first word is the slot's sequence number: the
 * producer stores it last (release) and the consumer polls it (acquire). */
struct seq_hdr {
    _Atomic uint32_t seq;
    uint32_t len;
    uint64_t type_id;
};
_Static_assert(sizeof(struct seq_hdr) == 16, "16-byte header");

static void fill_msg(unsigned char *m, uint64_t seq)
{
    memcpy(m, &seq, sizeof seq);
}

static uint64_t msg_seq(const unsigned char *m)
{
    uint64_t s;
    memcpy(&s, m, sizeof s);
    return s;
}

/* ===== raw shared-memory ping-pong (busy polling) ======================= */

struct shm_rt {
    struct msg_line *lines; /* [0]: to the echo side, [1]: back */
    unsigned char payload[BENCH_RT_MSG - 8];
    unsigned char sink[BENCH_RT_MSG - 8];
};

static int shm_prepare(void *st)
{
    struct shm_rt *s = st;
    s->lines = bench_shared_alloc(2 * sizeof(struct msg_line));
    memset(s->payload, 0x5a, sizeof s->payload);
    return s->lines ? 0 : -ENOMEM;
}

static inline uint64_t shm_wait_seq(struct msg_line *l, uint64_t want)
{
    uint64_t v;
    /* Acquire: the rest of the line written before the seq is visible. */
    while ((v = atomic_load_explicit(&l->seq, memory_order_acquire)) != want)
        bench_cpu_relax();
    return v;
}

static int shm_echo(void *st, uint64_t n)
{
    struct shm_rt *s = st;
    for (uint64_t seq = 1; seq <= n; seq++) {
        shm_wait_seq(&s->lines[0], seq);
        memcpy(s->sink, s->lines[0].rest, sizeof s->sink);
        memcpy(s->lines[1].rest, s->sink, sizeof s->sink);
        /* Release: the payload before the seq that announces it. */
        atomic_store_explicit(&s->lines[1].seq, seq, memory_order_release);
    }
    return 0;
}

static int shm_ping(void *st, uint64_t seq)
{
    struct shm_rt *s = st;
    memcpy(s->lines[0].rest, s->payload, sizeof s->payload);
    atomic_store_explicit(&s->lines[0].seq, seq, memory_order_release);
    shm_wait_seq(&s->lines[1], seq);
    memcpy(s->sink, s->lines[1].rest, sizeof s->sink);
    return 0;
}

static void shm_cleanup(void *st)
{
    struct shm_rt *s = st;
    bench_shared_free(s->lines, 2 * sizeof(struct msg_line));
}

int bench_rt_raw_shm(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    static const rt_impl_t impl = { shm_prepare, shm_echo, NULL, shm_ping, shm_cleanup };
    struct shm_rt s = { 0 };
    return bench_run_rt(&impl, &s, p, r);
}

/* ===== bare ring ping-pong with libcosmosb's layout (diagnostic) ======== */

/* Per direction: a ring of 64 slots of 80 bytes (16-byte header + 64-byte
 * payload, so a slot spans two cache lines and neighbours share a line),
 * published either by a tail index alone on its cache line or by a sequence
 * word in each slot's header, polled by the reader. No checks, no function
 * calls, no sleeping: what such a layout costs by itself. */
#define LRING_SLOTS 64u
#define LRING_STRIDE (sizeof(struct msg_hdr) + BENCH_RT_MSG)

struct lring_dir {
    _Alignas(64) _Atomic uint64_t tail;
    _Alignas(64) unsigned char slots[LRING_SLOTS * LRING_STRIDE];
};

struct lring_rt {
    struct lring_dir *dirs; /* [0]: to the echo side, [1]: back */
    bool slot_seq;          /* publish by a sequence word in each slot header instead of the tail line */
    unsigned char msg[BENCH_RT_MSG];
};

static int lring_prepare(void *st)
{
    struct lring_rt *s = st;
    s->dirs = bench_shared_alloc(2 * sizeof(struct lring_dir));
    memset(s->msg, 0x5a, sizeof s->msg);
    return s->dirs ? 0 : -ENOMEM;
}

static void lring_put(struct lring_dir *d, bool slot_seq, uint64_t seq, const unsigned char *msg)
{
    unsigned char *slot = d->slots + (seq % LRING_SLOTS) * LRING_STRIDE;
    if (slot_seq) {
        struct seq_hdr *sh = (struct seq_hdr *)(void *)slot;
        sh->len = BENCH_RT_MSG;
        sh->type_id = 0xb0b0;
        memcpy(slot + sizeof *sh, msg, BENCH_RT_MSG);
        /* Release: header and payload before the slot's sequence word. */
        atomic_store_explicit(&sh->seq, (uint32_t)seq, memory_order_release);
        return;
    }
    struct msg_hdr h = { 0xb0b0, BENCH_RT_MSG, 0 };
    memcpy(slot, &h, sizeof h);
    memcpy(slot + sizeof h, msg, BENCH_RT_MSG);
    /* Release: header and payload before the index. */
    atomic_store_explicit(&d->tail, seq, memory_order_release);
}

static int lring_get(struct lring_dir *d, bool slot_seq, uint64_t seq, unsigned char *msg)
{
    const unsigned char *slot = d->slots + (seq % LRING_SLOTS) * LRING_STRIDE;
    if (slot_seq) {
        const struct seq_hdr *sh = (const struct seq_hdr *)(const void *)slot;
        /* Acquire: pairs with the writer's release of the slot's sequence word. */
        while (atomic_load_explicit(&sh->seq, memory_order_acquire) != (uint32_t)seq)
            bench_cpu_relax();
        memcpy(msg, slot + sizeof *sh, BENCH_RT_MSG);
        return sh->len == BENCH_RT_MSG && msg_seq(msg) == seq ? 0 : -EPROTO;
    }
    /* Acquire: pairs with the writer's release of the index. */
    while (atomic_load_explicit(&d->tail, memory_order_acquire) != seq)
        bench_cpu_relax();
    struct msg_hdr h;
    memcpy(&h, slot, sizeof h);
    memcpy(msg, slot + sizeof h, BENCH_RT_MSG);
    return h.len == BENCH_RT_MSG && msg_seq(msg) == seq ? 0 : -EPROTO;
}

static int lring_echo(void *st, uint64_t n)
{
    struct lring_rt *s = st;
    unsigned char m[BENCH_RT_MSG];
    for (uint64_t seq = 1; seq <= n; seq++) {
        if (lring_get(&s->dirs[0], s->slot_seq, seq, m) != 0)
            return 1;
        lring_put(&s->dirs[1], s->slot_seq, seq, m);
    }
    return 0;
}

static int lring_ping(void *st, uint64_t seq)
{
    struct lring_rt *s = st;
    fill_msg(s->msg, seq);
    lring_put(&s->dirs[0], s->slot_seq, seq, s->msg);
    return lring_get(&s->dirs[1], s->slot_seq, seq, s->msg);
}

static void lring_cleanup(void *st)
{
    struct lring_rt *s = st;
    bench_shared_free(s->dirs, 2 * sizeof(struct lring_dir));
}

static const rt_impl_t lring_impl = { lring_prepare, lring_echo, NULL, lring_ping, lring_cleanup };

int bench_rt_ring_layout(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    struct lring_rt s = { 0 };
    return bench_run_rt(&lring_impl, &s, p, r);
}

int bench_rt_ring_slotseq(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    struct lring_rt s = { .slot_seq = true };
    return bench_run_rt(&lring_impl, &s, p, r);
}

/* ===== raw futex ping-pong (no spinning) ================================ */

/* The futex word is the low half of the line's sequence word (little-endian
 * x86/arm64); the message counter fits 32 bits in every run here. */
struct futex_line {
    _Alignas(64) _Atomic uint32_t word;
    unsigned char rest[BENCH_RT_MSG - sizeof(uint32_t)];
};

struct futex_rt {
    struct futex_line *lines;
    unsigned char payload[BENCH_RT_MSG - 4];
    unsigned char sink[BENCH_RT_MSG - 4];
};

static long sys_futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
    return syscall(SYS_futex, (uint32_t *)addr, op, val, NULL, NULL, 0);
}

static int futex_prepare(void *st)
{
    struct futex_rt *s = st;
    s->lines = bench_shared_alloc(2 * sizeof(struct futex_line));
    memset(s->payload, 0x5a, sizeof s->payload);
    return s->lines ? 0 : -ENOMEM;
}

static int futex_wait_for(struct futex_line *l, uint32_t want)
{
    uint32_t v;
    /* Acquire pairs with the writer's release store of the word. Sleep at
     * once while the word is not the wanted one: no spinning. */
    while ((v = atomic_load_explicit(&l->word, memory_order_acquire)) != want) {
        if (sys_futex(&l->word, FUTEX_WAIT, v) != 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
    }
    return 0;
}

static void futex_post(struct futex_line *l, uint32_t v)
{
    atomic_store_explicit(&l->word, v, memory_order_release);
    sys_futex(&l->word, FUTEX_WAKE, 1);
}

static int futex_echo(void *st, uint64_t n)
{
    struct futex_rt *s = st;
    for (uint64_t seq = 1; seq <= n; seq++) {
        if (futex_wait_for(&s->lines[0], (uint32_t)seq) != 0)
            return 1;
        memcpy(s->sink, s->lines[0].rest, sizeof s->sink);
        memcpy(s->lines[1].rest, s->sink, sizeof s->sink);
        futex_post(&s->lines[1], (uint32_t)seq);
    }
    return 0;
}

static int futex_ping(void *st, uint64_t seq)
{
    struct futex_rt *s = st;
    memcpy(s->lines[0].rest, s->payload, sizeof s->payload);
    futex_post(&s->lines[0], (uint32_t)seq);
    int rc = futex_wait_for(&s->lines[1], (uint32_t)seq);
    memcpy(s->sink, s->lines[1].rest, sizeof s->sink);
    return rc;
}

static void futex_cleanup(void *st)
{
    struct futex_rt *s = st;
    bench_shared_free(s->lines, 2 * sizeof(struct futex_line));
}

int bench_rt_futex(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    static const rt_impl_t impl = { futex_prepare, futex_echo, NULL, futex_ping, futex_cleanup };
    struct futex_rt s = { 0 };
    return bench_run_rt(&impl, &s, p, r);
}

/* ===== pipe(2) and UNIX socket round trips ============================== */

struct fd_rt {
    int is_socket; /* 0: two pipes; 1: UNIX stream socketpair; 2: UNIX seqpacket socketpair */
    int a[2]; /* measuring side -> echo side: read a[0], write a[1] (pipe) */
    int b[2]; /* echo side -> measuring side */
    unsigned char msg[BENCH_RT_MSG];
};

static int fd_prepare(void *st)
{
    struct fd_rt *s = st;
    if (s->is_socket) {
        /* One socketpair: a[1] is the measuring end, a[0] the echo end. */
        if (socketpair(AF_UNIX, s->is_socket == 2 ? SOCK_SEQPACKET : SOCK_STREAM, 0, s->a) != 0)
            return -errno;
        s->b[0] = s->a[1];
        s->b[1] = s->a[0];
        return 0;
    }
    if (pipe(s->a) != 0)
        return -errno;
    if (pipe(s->b) != 0) {
        int e = -errno;
        close(s->a[0]);
        close(s->a[1]);
        return e;
    }
    return 0;
}

static int fd_echo(void *st, uint64_t n)
{
    struct fd_rt *s = st;
    unsigned char m[BENCH_RT_MSG];
    for (uint64_t seq = 1; seq <= n; seq++) {
        if (bench_read_full(s->a[0], m, sizeof m) != 0 || msg_seq(m) != seq)
            return 1;
        if (bench_write_full(s->b[1], m, sizeof m) != 0)
            return 1;
    }
    return 0;
}

static int fd_ping(void *st, uint64_t seq)
{
    struct fd_rt *s = st;
    fill_msg(s->msg, seq);
    int rc = bench_write_full(s->a[1], s->msg, sizeof s->msg);
    if (rc == 0)
        rc = bench_read_full(s->b[0], s->msg, sizeof s->msg);
    if (rc == 0 && msg_seq(s->msg) != seq)
        rc = -EPROTO;
    return rc;
}

static void fd_cleanup(void *st)
{
    struct fd_rt *s = st;
    close(s->a[0]);
    close(s->a[1]);
    if (!s->is_socket) {
        close(s->b[0]);
        close(s->b[1]);
    }
}

static const rt_impl_t fd_rt_impl = { fd_prepare, fd_echo, NULL, fd_ping, fd_cleanup };

int bench_rt_pipe(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    struct fd_rt s = { 0 };
    return bench_run_rt(&fd_rt_impl, &s, p, r);
}

int bench_rt_uds(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    struct fd_rt s = { .is_socket = 1 };
    return bench_run_rt(&fd_rt_impl, &s, p, r);
}

int bench_rt_seqpacket(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    /* A 64-byte record each way; bench_read_full gets it in one read(2). */
    struct fd_rt s = { .is_socket = 2 };
    return bench_run_rt(&fd_rt_impl, &s, p, r);
}

/* ===== eventfd-signalled shared slot ==================================== */

struct efd_rt {
    unsigned char *slots; /* two 64-byte slots in shared memory */
    int efd[2];           /* [0]: to the echo side, [1]: back */
    unsigned char msg[BENCH_RT_MSG];
};

static int efd_prepare(void *st)
{
    struct efd_rt *s = st;
    s->slots = bench_shared_alloc(2 * 64);
    if (!s->slots)
        return -ENOMEM;
    s->efd[0] = eventfd(0, 0);
    s->efd[1] = eventfd(0, 0);
    if (s->efd[0] < 0 || s->efd[1] < 0)
        return -errno;
    return 0;
}

static int efd_signal(int fd)
{
    uint64_t one = 1;
    return bench_write_full(fd, &one, sizeof one);
}

static int efd_wait(int fd)
{
    uint64_t v;
    return bench_read_full(fd, &v, sizeof v);
}

/* The eventfd write/read pair is a system call each side, which orders the
 * slot's plain stores before the reader's loads. */
static int efd_echo(void *st, uint64_t n)
{
    struct efd_rt *s = st;
    unsigned char m[BENCH_RT_MSG];
    for (uint64_t seq = 1; seq <= n; seq++) {
        if (efd_wait(s->efd[0]) != 0)
            return 1;
        memcpy(m, s->slots, sizeof m);
        if (msg_seq(m) != seq)
            return 1;
        memcpy(s->slots + 64, m, sizeof m);
        if (efd_signal(s->efd[1]) != 0)
            return 1;
    }
    return 0;
}

static int efd_ping(void *st, uint64_t seq)
{
    struct efd_rt *s = st;
    fill_msg(s->msg, seq);
    memcpy(s->slots, s->msg, sizeof s->msg);
    int rc = efd_signal(s->efd[0]);
    if (rc == 0)
        rc = efd_wait(s->efd[1]);
    if (rc == 0) {
        memcpy(s->msg, s->slots + 64, sizeof s->msg);
        if (msg_seq(s->msg) != seq)
            rc = -EPROTO;
    }
    return rc;
}

static void efd_cleanup(void *st)
{
    struct efd_rt *s = st;
    if (s->efd[0] >= 0)
        close(s->efd[0]);
    if (s->efd[1] >= 0)
        close(s->efd[1]);
    bench_shared_free(s->slots, 2 * 64);
}

int bench_rt_eventfd(const bench_rt_params_t *p, bench_rt_result_t *r)
{
    static const rt_impl_t impl = { efd_prepare, efd_echo, NULL, efd_ping, efd_cleanup };
    struct efd_rt s = { .efd = { -1, -1 } };
    return bench_run_rt(&impl, &s, p, r);
}

/* ===== ideal bare SPSC ring (streaming limit) =========================== */

/* Lamport's ring: the producer owns `tail`, the consumer owns `head`, each on
 * its own cache line; each side caches the other's index and re-reads it only
 * when the ring looks full (producer) or empty (consumer). */
struct ideal_ring {
    _Alignas(64) _Atomic uint64_t tail;
    _Alignas(64) _Atomic uint64_t head;
    _Alignas(64) unsigned char slots[];
};

struct ring_st {
    struct ideal_ring *ring;
    size_t map_size;
    uint32_t cap;   /* slots, power of two */
    uint32_t slot;  /* slot stride: payload rounded up to 8, or header + payload rounded up to 16 */
    uint32_t hdr;   /* 0, or the bytes of a per-message header written before the payload */
    bool slot_seq;  /* the header starts with a sequence word published per slot (no shared tail) */
};



static int ring_prepare(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct ring_st *s = st;
    (void)nprod;
    s->cap = p->capacity ? p->capacity : 1024;
    s->slot = s->hdr ? (p->payload + s->hdr + 15u) & ~15u : (p->payload + 7u) & ~7u;
    s->map_size = sizeof(struct ideal_ring) + (size_t)s->cap * s->slot;
    s->ring = bench_shared_alloc(s->map_size);
    return s->ring ? 0 : -ENOMEM;
}

static int ring_produce(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count)
{
    struct ring_st *s = st;
    struct ideal_ring *rg = s->ring;
    const uint64_t mask = s->cap - 1;
    unsigned char *buf = malloc((size_t)p->payload * p->batch);
    if (!buf)
        return -ENOMEM;
    memset(buf, 0xa5, (size_t)p->payload * p->batch);
    uint64_t tail = 0, head_cache = 0, sent = 0;
    while (sent < count) {
        uint64_t want = count - sent < p->batch ? count - sent : p->batch;
        for (uint32_t i = 0; i < want; i++)
            fill_msg(buf + (size_t)i * p->payload, SEQ_MAKE(idx, sent + i));
        uint64_t done = 0;
        while (done < want) {
            uint64_t room = s->cap - (tail - head_cache);
            if (room == 0) {
                /* Acquire: the consumer finished reading those slots. */
                head_cache = atomic_load_explicit(&rg->head, memory_order_acquire);
                room = s->cap - (tail - head_cache);
                if (room == 0) {
                    bench_cpu_relax();
                    continue;
                }
            }
            uint64_t k = want - done < room ? want - done : room;
            for (uint64_t i = 0; i < k; i++) {
                unsigned char *slot = rg->slots + ((tail + i) & mask) * s->slot;
                if (s->slot_seq) {
                    struct seq_hdr *h = (struct seq_hdr *)(void *)slot;
                    h->len = p->payload;
                    h->type_id = 0xb0b0;
                    memcpy(slot + sizeof *h, buf + (done + i) * p->payload, p->payload);
                    /* Release: header and payload before the slot's sequence word. */
                    atomic_store_explicit(&h->seq, (uint32_t)(tail + i + 1), memory_order_release);
                    continue;
                }
                if (s->hdr) {
                    struct msg_hdr h = { 0xb0b0, p->payload, 0 };
                    memcpy(slot, &h, sizeof h);
                    slot += s->hdr;
                }
                memcpy(slot, buf + (done + i) * p->payload, p->payload);
            }
            tail += k;
            /* Release: the slots' contents before the new tail. */
            atomic_store_explicit(&rg->tail, tail, memory_order_release);
            done += k;
        }
        sent += want;
    }
    free(buf);
    return 0;
}

static int ring_consume(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                        bench_stream_result_t *r)
{
    struct ring_st *s = st;
    struct ideal_ring *rg = s->ring;
    const uint64_t mask = s->cap - 1;
    unsigned char *buf = malloc((size_t)p->payload * p->batch);
    if (!buf)
        return -ENOMEM;
    uint64_t expect[2] = { 0, 0 };
    uint64_t head = 0, tail_cache = 0, got = 0;
    int rc = 0;
    while (got < total) {
        uint64_t avail = tail_cache - head;
        if (s->slot_seq) {
            /* Acquire: pairs with the producer's release of each slot's sequence word. */
            avail = 0;
            while (avail < p->batch &&
                   atomic_load_explicit(&((struct seq_hdr *)(void *)(rg->slots + ((head + avail) & mask) * s->slot))->seq,
                                        memory_order_acquire) == (uint32_t)(head + avail + 1))
                avail++;
            if (avail == 0) {
                bench_cpu_relax();
                continue;
            }
        } else if (avail == 0) {
            /* Acquire: pairs with the producer's release of tail. */
            tail_cache = atomic_load_explicit(&rg->tail, memory_order_acquire);
            avail = tail_cache - head;
            if (avail == 0) {
                bench_cpu_relax();
                continue;
            }
        }
        uint64_t k = avail < p->batch ? avail : p->batch;
        for (uint64_t i = 0; i < k; i++) {
            const unsigned char *slot = rg->slots + ((head + i) & mask) * s->slot;
            if (s->slot_seq) {
                const struct seq_hdr *h = (const struct seq_hdr *)(const void *)slot;
                if (h->len != p->payload) {
                    snprintf(r->what, sizeof r->what, "bad header length %u", h->len);
                    rc = -EPROTO;
                    goto out;
                }
                slot += sizeof *h;
            } else if (s->hdr) {
                struct msg_hdr h;
                memcpy(&h, slot, sizeof h);
                if (h.len != p->payload) {
                    snprintf(r->what, sizeof r->what, "bad header length %u", h.len);
                    rc = -EPROTO;
                    goto out;
                }
                slot += s->hdr;
            }
            memcpy(buf + i * p->payload, slot, p->payload);
        }
        head += k;
        /* Release: our reads of the slots are done before the producer reuses them. */
        atomic_store_explicit(&rg->head, head, memory_order_release);
        for (uint64_t i = 0; i < k; i++) {
            if (bench_check_seq(msg_seq(buf + i * p->payload), expect, nprod, r) != 0) {
                rc = -EPROTO;
                goto out;
            }
        }
        got += k;
    }
out:
    free(buf);
    return rc;
}

static void ring_cleanup(void *st, const bench_stream_params_t *p)
{
    struct ring_st *s = st;
    (void)p;
    bench_shared_free(s->ring, s->map_size);
}

static const stream_impl_t ring_impl = { ring_prepare, NULL, ring_produce, NULL, ring_consume, ring_cleanup };

int bench_stream_ring(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    struct ring_st s = { 0 };
    return bench_run_stream(&ring_impl, &s, p, 1, r);
}

int bench_stream_ring_hdr(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    struct ring_st s = { .hdr = sizeof(struct msg_hdr) };
    return bench_run_stream(&ring_impl, &s, p, 1, r);
}

int bench_stream_ring_slotseq(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    struct ring_st s = { .hdr = sizeof(struct seq_hdr), .slot_seq = true };
    return bench_run_stream(&ring_impl, &s, p, 1, r);
}

/* ===== pipe(2) and UNIX socket streaming ================================ */

#define FD_STREAM_CHUNK 65536u

struct fd_stream {
    int is_socket;
    int fd[2]; /* read fd[0], write fd[1] */
};

static int fds_prepare(void *st, const bench_stream_params_t *p, uint32_t nprod)
{
    struct fd_stream *s = st;
    (void)p;
    (void)nprod;
    if (s->is_socket)
        return socketpair(AF_UNIX, SOCK_STREAM, 0, s->fd) == 0 ? 0 : -errno;
    return pipe(s->fd) == 0 ? 0 : -errno;
}

/* One write(2) per batch of messages. */
static int fds_produce(void *st, const bench_stream_params_t *p, uint32_t idx, uint64_t count)
{
    struct fd_stream *s = st;
    size_t bytes = (size_t)p->payload * p->batch;
    unsigned char *buf = malloc(bytes);
    if (!buf)
        return -ENOMEM;
    memset(buf, 0xa5, bytes);
    close(s->fd[0]);
    int rc = 0;
    for (uint64_t sent = 0; sent < count && rc == 0;) {
        uint64_t k = count - sent < p->batch ? count - sent : p->batch;
        for (uint64_t i = 0; i < k; i++)
            fill_msg(buf + i * p->payload, SEQ_MAKE(idx, sent + i));
        rc = bench_write_full(s->fd[1], buf, (size_t)k * p->payload);
        sent += k;
    }
    free(buf);
    return rc;
}

/* Symmetric with the writer: one read(2) of a whole batch (as libcosmosb's
 * consumer makes one recv or recv_batch call per batch). With `drain` the
 * reader takes whatever is there, up to 64 KiB per read(2): the best case
 * for a byte stream (it is not charged one system call per message). */
static int fds_consume(void *st, const bench_stream_params_t *p, uint32_t nprod, uint64_t total,
                       bench_stream_result_t *r)
{
    struct fd_stream *s = st;
    size_t bytes = (size_t)p->payload * p->batch;
    unsigned char *buf = malloc((bytes > FD_STREAM_CHUNK ? bytes : FD_STREAM_CHUNK) + p->payload);
    if (!buf)
        return -ENOMEM;
    uint64_t expect[2] = { 0, 0 };
    uint64_t got = 0;
    size_t have = 0;
    int rc = 0;
    while (got < total) {
        size_t want = p->drain ? FD_STREAM_CHUNK : (size_t)p->payload * p->batch - have;
        if (!p->drain && (uint64_t)p->batch > total - got)
            want = (size_t)p->payload * (total - got) - have;
        ssize_t k = read(s->fd[0], buf + have, want);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            snprintf(r->what, sizeof r->what, "read: %s", strerror(errno));
            break;
        }
        if (k == 0) {
            rc = -EPIPE;
            snprintf(r->what, sizeof r->what, "unexpected end of stream after %llu messages",
                     (unsigned long long)got);
            break;
        }
        have += (size_t)k;
        size_t off = 0;
        while (have - off >= p->payload) {
            if (bench_check_seq(msg_seq(buf + off), expect, nprod, r) != 0) {
                rc = -EPROTO;
                goto out;
            }
            off += p->payload;
            got++;
        }
        memmove(buf, buf + off, have - off);
        have -= off;
    }
out:
    free(buf);
    return rc;
}

static void fds_cleanup(void *st, const bench_stream_params_t *p)
{
    struct fd_stream *s = st;
    (void)p;
    close(s->fd[0]);
    close(s->fd[1]);
}

static const stream_impl_t fds_impl = { fds_prepare, NULL, fds_produce, NULL, fds_consume, fds_cleanup };

int bench_stream_pipe(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    struct fd_stream s = { 0 };
    return bench_run_stream(&fds_impl, &s, p, 1, r);
}

int bench_stream_uds(const bench_stream_params_t *p, bench_stream_result_t *r)
{
    struct fd_stream s = { .is_socket = 1 };
    return bench_run_stream(&fds_impl, &s, p, 1, r);
}

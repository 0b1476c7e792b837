/*
 * test_pipe_corrupt.c - a hostile peer.
 *
 * With the pipe's shared memory in hand, scribble garbage over it (header,
 * ring indices, slot headers, payloads) while both ends keep calling the API.
 * Every call must return 0, a count, or a negative COSMOSB_E* code: never
 * crash, never hang, never read or write outside the shared memory or the
 * caller's buffers. The shared memory is malloc'd with exactly
 * cosmosb_pipe_memsize() bytes and receive buffers with exactly their
 * declared size, so an ASan build reports any overrun. Criterion runs each
 * test in its own process and reports a crash; its timeout catches a hang.
 *
 * The tests know nothing of the layout: the words that hold indices and slot
 * headers are found by diffing the memory around sends and receives.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

struct cfx {
    cosmosb_pipe_config_t cfg;
    const cosmosb_platform_t *plat;
    uint64_t size;
    uint8_t *shm;
    size_t csize, psize;
    void *cmem;
    cosmosb_pipe_t *c;
    void *pmem[2];
    cosmosb_pipe_t *p[2];
    uint32_t slot_size;
};

static void cfx_init(struct cfx *f, uint32_t mode, uint32_t cap, uint32_t ucap, uint32_t slot,
                     uint32_t maxp)
{
    memset(f, 0, sizeof *f);
    f->plat = cosmosb_linux_platform();
    cr_assert_eq(cosmosb_pipe_config_init(&f->cfg), COSMOSB_OK);
    f->cfg.mode = mode;
    f->cfg.capacity = cap;
    f->cfg.urgent_capacity = ucap;
    f->cfg.slot_size = slot;
    f->cfg.max_producers = maxp;
    ASSERT_RC(cosmosb_pipe_memsize(&f->cfg, &f->size), COSMOSB_OK);
    f->shm = aligned_alloc(64, (size_t)f->size);
    cr_assert_not_null(f->shm);
    f->csize = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, maxp);
    f->psize = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    f->cmem = malloc(f->csize);
    f->pmem[0] = malloc(f->psize);
    f->pmem[1] = malloc(f->psize);
}

/* (Re)formats the pipe and attaches nprod producers. */
static void cfx_open(struct cfx *f, int nprod)
{
    for (int i = 0; i < 2; i++)
        if (f->p[i]) {
            cosmosb_pipe_close_endpoint(f->p[i]);
            f->p[i] = NULL;
        }
    if (f->c) {
        cosmosb_pipe_close_endpoint(f->c);
        f->c = NULL;
    }
    memset(f->shm, 0xA5, (size_t)f->size);
    ASSERT_RC(cosmosb_pipe_open_consumer(f->cmem, f->csize, f->shm, f->size, &f->cfg, f->plat, NULL,
                                         &f->c),
              COSMOSB_OK);
    for (int i = 0; i < nprod; i++)
        ASSERT_RC(cosmosb_pipe_open_producer(f->pmem[i], f->psize, f->shm, f->size, f->plat, NULL,
                                             &f->p[i]),
                  COSMOSB_OK);
    cosmosb_pipe_stats_t st;
    ASSERT_RC(cosmosb_pipe_stats(f->c, &st), COSMOSB_OK);
    f->slot_size = st.slot_size;
}

static void cfx_free(struct cfx *f)
{
    for (int i = 0; i < 2; i++) {
        if (f->p[i])
            cosmosb_pipe_close_endpoint(f->p[i]);
        free(f->pmem[i]);
    }
    if (f->c)
        cosmosb_pipe_close_endpoint(f->c);
    free(f->cmem);
    free(f->shm);
}

#define CHECK_CODE(rc, what)                                                                 \
    cr_assert((rc) == 0 || tu_is_code(rc), "%s returned %d, not a COSMOSB_E* code", what, (rc))

static int in_shm(const struct cfx *f, const void *p, uint64_t len)
{
    const uint8_t *b = p;
    return b >= f->shm && len <= f->size && b + len <= f->shm + f->size;
}

static uint64_t pick_timeout(uint64_t *seed)
{
    switch (tu_rand(seed) % 8) {
    case 0:
        return 1000;      /* 1 us */
    case 1:
        return 200000;    /* 200 us */
    default:
        return 0;
    }
}

static volatile uint64_t sink;

/* One random API call on a random end; checks the result is sane. */
static void random_call(struct cfx *f, uint64_t *seed)
{
    int pi = f->p[1] && (tu_rand(seed) & 1) ? 1 : 0;
    cosmosb_pipe_t *p = f->p[pi];
    cosmosb_pipe_t *c = f->c;
    uint32_t fl = tu_rand(seed) % 3 == 0 ? COSMOSB_MSG_URGENT : 0;
    uint64_t to = pick_timeout(seed);
    int rc;
    switch (tu_rand(seed) % 12) {
    case 0:
    case 1: { /* send */
        uint8_t msg[512];
        uint32_t len = (uint32_t)(tu_rand(seed) % (f->slot_size + 8));
        if (len > sizeof msg)
            len = sizeof msg;
        memset(msg, (int)len, len);
        rc = cosmosb_pipe_send(p, tu_rand(seed), msg, len, fl, to);
        CHECK_CODE(rc, "send");
        if (len > f->slot_size)
            ASSERT_RC(rc, COSMOSB_EMSGSIZE);
        break;
    }
    case 2: { /* reserve + commit */
        cosmosb_slot_t s;
        rc = cosmosb_pipe_reserve(p, fl, to, &s);
        CHECK_CODE(rc, "reserve");
        if (rc == COSMOSB_OK) {
            cr_assert(in_shm(f, s.data, s.capacity), "reserved slot %p+%u outside the pipe", s.data,
                      s.capacity);
            cr_assert_eq(s.capacity, f->slot_size);
            memset(s.data, 0x3c, s.capacity);
            uint32_t len = (uint32_t)(tu_rand(seed) % (s.capacity + 4));
            rc = cosmosb_pipe_commit(p, &s, tu_rand(seed), len);
            CHECK_CODE(rc, "commit");
        }
        break;
    }
    case 3: { /* send_batch */
        cosmosb_send_item_t it[8];
        uint8_t data[8][16];
        uint32_t n = 1 + (uint32_t)(tu_rand(seed) % 8);
        for (uint32_t i = 0; i < n; i++) {
            memset(data[i], (int)i, 16);
            it[i].type_id = i;
            it[i].data = data[i];
            it[i].len = (uint32_t)(tu_rand(seed) % 17);
            it[i].reserved = 0;
        }
        uint32_t bf = tu_rand(seed) & 1 ? COSMOSB_BATCH_BULK : 0;
        rc = cosmosb_pipe_send_batch(p, it, n, fl | bf, to);
        cr_assert(rc >= 0 ? rc <= (int)n : tu_is_code(rc), "send_batch returned %d", rc);
        break;
    }
    case 4:
    case 5:
    case 6: { /* recv into an exactly sized buffer */
        uint32_t bs = (uint32_t)(tu_rand(seed) % (f->slot_size + 1));
        if (tu_rand(seed) & 1)
            bs = f->slot_size;
        uint8_t *buf = malloc(bs ? bs : 1);
        cosmosb_msg_info_t info;
        memset(&info, 0, sizeof info);
        rc = cosmosb_pipe_recv(c, buf, bs, &info, to);
        CHECK_CODE(rc, "recv");
        if (rc == COSMOSB_OK) {
            cr_assert_leq(info.len, bs, "recv: len %u > buffer %u", info.len, bs);
            cr_assert_leq(info.len, f->slot_size);
            cr_assert_lt(info.producer, f->cfg.max_producers);
            cr_assert_eq(info.flags & ~COSMOSB_MSG_URGENT, 0u, "recv: flags 0x%x", info.flags);
        } else if (rc == COSMOSB_EMSGSIZE) {
            cr_assert_gt(info.len, bs);
            cr_assert_leq(info.len, f->slot_size, "EMSGSIZE with an impossible len %u", info.len);
        }
        free(buf);
        break;
    }
    case 7:
    case 8: { /* peek (+ consume) */
        cosmosb_msg_view_t v;
        rc = cosmosb_pipe_peek(c, &v, to);
        CHECK_CODE(rc, "peek");
        if (rc == COSMOSB_OK) {
            cr_assert_leq(v.info.len, f->slot_size, "peek: len %u", v.info.len);
            cr_assert(v.info.len == 0 || in_shm(f, v.data, v.info.len),
                      "peek: view %p+%u outside the pipe", v.data, v.info.len);
            uint64_t sum = 0;
            for (uint32_t i = 0; i < v.info.len; i++)
                sum += ((const volatile uint8_t *)v.data)[i];
            sink += sum;
            if (tu_rand(seed) % 4 != 0) {
                rc = cosmosb_pipe_consume(c, &v);
                CHECK_CODE(rc, "consume");
            }
        }
        break;
    }
    case 9: { /* recv_batch */
        enum { N = 6 };
        cosmosb_recv_item_t it[N];
        uint32_t n = 1 + (uint32_t)(tu_rand(seed) % N);
        for (uint32_t i = 0; i < n; i++) {
            it[i].buf_size = (uint32_t)(tu_rand(seed) % (f->slot_size + 1));
            it[i].buf = malloc(it[i].buf_size ? it[i].buf_size : 1);
            it[i].reserved = 0;
        }
        uint32_t bf = tu_rand(seed) & 1 ? COSMOSB_BATCH_BULK : 0;
        rc = cosmosb_pipe_recv_batch(c, it, n, bf, to);
        cr_assert(rc >= 0 ? rc <= (int)n : tu_is_code(rc), "recv_batch returned %d", rc);
        for (int i = 0; i < rc; i++)
            cr_assert_leq(it[i].info.len, it[i].buf_size, "recv_batch: len %u > buffer %u",
                          it[i].info.len, it[i].buf_size);
        for (uint32_t i = 0; i < n; i++)
            free(it[i].buf);
        break;
    }
    case 10: { /* bookkeeping calls */
        cosmosb_pipe_stats_t st;
        CHECK_CODE(cosmosb_pipe_stats(c, &st), "stats");
        CHECK_CODE(cosmosb_pipe_stats(p, &st), "stats");
        CHECK_CODE(cosmosb_pipe_check_peer(c), "check_peer(consumer)");
        CHECK_CODE(cosmosb_pipe_check_peer(p), "check_peer(producer)");
        break;
    }
    default: { /* multi-pipe wait protocol */
        cosmosb_wait_token_t tok;
        rc = cosmosb_pipe_wait_prepare(c, &tok);
        CHECK_CODE(rc, "wait_prepare");
        if (rc == COSMOSB_OK)
            cr_assert(in_shm(f, tok.addr, 4), "wait token outside the pipe");
        CHECK_CODE(cosmosb_pipe_arm_notify(c), "arm_notify");
        break;
    }
    }
}

static const uint32_t nasty32[] = {0,          1,          2,          3,          7,
                                   8,          15,         16,         0x7fffffffu, 0x80000000u,
                                   0x80000001u, 0xfffffffeu, 0xffffffffu, 0x10000u,  0xffffu};

/* Writes garbage at a random place in [lo, hi) (4-aligned for word writes). */
static void scribble_range(uint8_t *base, uint64_t lo, uint64_t hi, uint64_t *seed)
{
    if (hi <= lo + 8)
        return;
    uint64_t off = lo + tu_rand(seed) % (hi - lo - 8);
    switch (tu_rand(seed) % 5) {
    case 0: /* one random byte */
        base[off] = (uint8_t)tu_rand(seed);
        break;
    case 1: { /* one random word */
        uint32_t w = (uint32_t)tu_rand(seed);
        memcpy(base + (off & ~3ull), &w, 4);
        break;
    }
    case 2: { /* a nasty word */
        uint32_t w = nasty32[tu_rand(seed) % (sizeof nasty32 / sizeof nasty32[0])];
        memcpy(base + (off & ~3ull), &w, 4);
        break;
    }
    case 3: { /* a word nudged by a small amount (indices just off by a few) */
        uint32_t w;
        memcpy(&w, base + (off & ~3ull), 4);
        w += (uint32_t)(tu_rand(seed) % 64) - 32u;
        memcpy(base + (off & ~3ull), &w, 4);
        break;
    }
    default: { /* 8 random bytes */
        uint64_t w = tu_rand(seed);
        memcpy(base + (off & ~7ull), &w, 8);
        break;
    }
    }
}

/* Offsets whose bytes differ between two snapshots, as 4-aligned word offsets. */
static size_t diff_words(const uint8_t *a, const uint8_t *b, uint64_t size, uint64_t *out,
                         size_t n, size_t max)
{
    for (uint64_t off = 0; off + 4 <= size; off += 4) {
        if (memcmp(a + off, b + off, 4) == 0)
            continue;
        int dup = 0;
        for (size_t i = 0; i < n && !dup; i++)
            dup = out[i] == off;
        if (!dup && n < max)
            out[n++] = off;
    }
    return n;
}

/* ------------------------------------------------------------------------ */

static void scribble_anywhere(uint32_t mode, int nprod, uint64_t seed0)
{
    struct cfx f;
    cfx_init(&f, mode, 8, 4, 40, (uint32_t)nprod);
    cfx_open(&f, nprod);
    uint64_t seed = seed0;
    const int rounds = 10000;
    for (int r = 0; r < rounds; r++) {
        if (r % 500 == 499)
            cfx_open(&f, nprod); /* start again from a sane pipe now and then */
        /* sane traffic first, so indices and slots hold real values */
        for (int k = (int)(tu_rand(&seed) % 4); k > 0; k--)
            random_call(&f, &seed);
        int n = 1 + (int)(tu_rand(&seed) % 3);
        for (int k = 0; k < n; k++) {
            if (tu_rand(&seed) % 2)
                scribble_range(f.shm, 0, 256 < f.size ? 256 : f.size, &seed); /* header area */
            else
                scribble_range(f.shm, 0, f.size, &seed);
        }
        for (int k = 1 + (int)(tu_rand(&seed) % 6); k > 0; k--)
            random_call(&f, &seed);
    }
    cfx_free(&f);
}

Test(corrupt, scribble_anywhere_spsc, .timeout = 240)
{
    scribble_anywhere(COSMOSB_PIPE_SPSC, 1, 0x1234567ull);
}

Test(corrupt, scribble_anywhere_mpsc, .timeout = 240)
{
    scribble_anywhere(COSMOSB_PIPE_MPSC, 2, 0xfeedbeefull);
}

/* Finds the words written by sends, receives, reserves and peeks. */
static size_t find_live_words(struct cfx *f, int who, uint64_t *out, size_t max)
{
    uint8_t *snap = malloc((size_t)f->size);
    size_t n = 0;
    uint64_t seed = 5;
    for (int round = 0; round < 3 * 8; round++) {
        for (int urgent = 0; urgent < 2; urgent++) {
            uint32_t fl = urgent ? COSMOSB_MSG_URGENT : 0;
            uint8_t msg[40];
            memset(msg, round + 1, sizeof msg);
            memcpy(snap, f->shm, (size_t)f->size);
            ASSERT_RC(cosmosb_pipe_send(f->p[who], 0x1111 * (uint64_t)(round + 1), msg,
                                        8 + (uint32_t)(tu_rand(&seed) % 32), fl, 0),
                      COSMOSB_OK);
            n = diff_words(snap, f->shm, f->size, out, n, max);
            memcpy(snap, f->shm, (size_t)f->size);
            uint8_t buf[64];
            ASSERT_RC(cosmosb_pipe_recv(f->c, buf, sizeof buf, NULL, 0), COSMOSB_OK);
            n = diff_words(snap, f->shm, f->size, out, n, max);
        }
    }
    free(snap);
    return n;
}

Test(corrupt, scribble_indices_and_slot_headers, .timeout = 240)
{
    struct cfx f;
    cfx_init(&f, COSMOSB_PIPE_MPSC, 8, 4, 40, 2);
    cfx_open(&f, 2);
    uint64_t live[4096];
    size_t n = find_live_words(&f, 0, live, 4096);
    n = find_live_words(&f, 1, live + n, 4096 - n) + n;
    cr_assert_gt(n, 8u, "sending and receiving changed only %zu words", n);
    uint64_t seed = 0xabcdef;
    for (int r = 0; r < 10000; r++) {
        if (r % 400 == 399)
            cfx_open(&f, 2);
        for (int k = (int)(tu_rand(&seed) % 4); k > 0; k--)
            random_call(&f, &seed);
        uint64_t off = live[tu_rand(&seed) % n];
        uint32_t w;
        switch (tu_rand(&seed) % 3) {
        case 0:
            w = nasty32[tu_rand(&seed) % (sizeof nasty32 / sizeof nasty32[0])];
            break;
        case 1:
            memcpy(&w, f.shm + off, 4);
            w += (uint32_t)(tu_rand(&seed) % 64) - 32u;
            break;
        default:
            w = (uint32_t)tu_rand(&seed);
        }
        memcpy(f.shm + off, &w, 4);
        for (int k = 1 + (int)(tu_rand(&seed) % 6); k > 0; k--)
            random_call(&f, &seed);
    }
    cfx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* corrupted headers at attach                                              */
/* ------------------------------------------------------------------------ */

static int attach_rc(struct cfx *f)
{
    cosmosb_pipe_t *p = NULL;
    int rc = cosmosb_pipe_open_producer(f->pmem[1], f->psize, f->shm, f->size, f->plat, NULL, &p);
    if (rc == COSMOSB_OK) {
        cr_assert_not_null(p);
        f->p[1] = p;
    }
    return rc;
}

Test(corrupt, garbage_header_refused_at_attach, .timeout = 120)
{
    struct cfx f;
    cfx_init(&f, COSMOSB_PIPE_MPSC, 8, 4, 40, 2);
    uint64_t seed = 31337;
    for (int r = 0; r < 2000; r++) {
        cfx_open(&f, 0);
        for (int i = 0; i < 64; i += 8) {
            uint64_t w = tu_rand(&seed);
            memcpy(f.shm + i, &w, 8);
        }
        int rc = attach_rc(&f);
        cr_assert(rc == COSMOSB_ECORRUPT || rc == COSMOSB_EVERSION,
                  "round %d: open_producer on a garbage header returned %d (%s)", r, rc,
                  cosmosb_err_name(rc));
    }
    /* all zero, all ones */
    cfx_open(&f, 0);
    memset(f.shm, 0, 64);
    ASSERT_RC(attach_rc(&f), COSMOSB_ECORRUPT);
    cfx_open(&f, 0);
    memset(f.shm, 0xff, (size_t)f.size);
    int rc = attach_rc(&f);
    cr_assert(rc == COSMOSB_ECORRUPT || rc == COSMOSB_EVERSION, "%s", cosmosb_err_name(rc));
    /* the magic alone */
    cfx_open(&f, 0);
    f.shm[0] ^= 0x01;
    ASSERT_RC(attach_rc(&f), COSMOSB_ECORRUPT);
    cfx_free(&f);
}

Test(corrupt, wrong_abi_version_gives_eversion, .timeout = 60)
{
    struct cfx f;
    cfx_init(&f, COSMOSB_PIPE_MPSC, 8, 4, 40, 2);
    int found = 0;
    /* the header holds COSMOSB_ABI_VERSION somewhere; bump each candidate word */
    for (uint64_t off = 0; off < 64; off += 4) {
        cfx_open(&f, 0);
        uint32_t w;
        memcpy(&w, f.shm + off, 4);
        if (w != COSMOSB_ABI_VERSION)
            continue;
        w = COSMOSB_ABI_VERSION + 1;
        memcpy(f.shm + off, &w, 4);
        int rc = attach_rc(&f);
        if (rc == COSMOSB_EVERSION)
            found = 1;
        if (f.p[1]) {
            cosmosb_pipe_close_endpoint(f.p[1]);
            f.p[1] = NULL;
        }
    }
    cr_assert(found, "no header word equal to COSMOSB_ABI_VERSION yields COSMOSB_EVERSION when changed");
    cfx_free(&f);
}

Test(corrupt, every_header_bit_flip_is_safe, .timeout = 240)
{
    struct cfx f;
    cfx_init(&f, COSMOSB_PIPE_MPSC, 8, 4, 40, 2);
    uint64_t seed = 77;
    int accepted = 0, refused = 0;
    for (int byte = 0; byte < 192; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            cfx_open(&f, 1);
            f.shm[byte] ^= (uint8_t)(1u << bit);
            int rc = attach_rc(&f);
            cr_assert(rc == COSMOSB_OK || rc == COSMOSB_ECORRUPT || rc == COSMOSB_EVERSION ||
                          rc == COSMOSB_EBUSY || rc == COSMOSB_ECLOSED || rc == COSMOSB_EINVAL,
                      "byte %d bit %d: open_producer returned %d (%s)", byte, bit, rc,
                      cosmosb_err_name(rc));
            if (rc == COSMOSB_OK)
                accepted++;
            else
                refused++;
            /* whatever was accepted must stay inside the memory: push traffic through */
            for (int k = 0; k < 40; k++)
                random_call(&f, &seed);
        }
    }
    cr_assert_gt(refused, 0);
    cr_log_info("header bit flips: %d accepted, %d refused", accepted, refused);
    cfx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* one producer's lane corrupted: the other producer is unaffected           */
/* ------------------------------------------------------------------------ */

static void send_fill(cosmosb_pipe_t *p, uint64_t seq, uint32_t who, int *rc_out)
{
    uint8_t msg[40];
    uint32_t len = tu_len(seq, 40);
    tu_fill(msg, len, who, seq);
    *rc_out = cosmosb_pipe_send(p, seq, msg, len, 0, 0);
}

Test(corrupt, corrupt_lane_does_not_hurt_other_producer, .timeout = 240)
{
    struct cfx f;
    cfx_init(&f, COSMOSB_PIPE_MPSC, 16, 4, 40, 2);
    cfx_open(&f, 2);
    uint64_t a_words[2048], b_words[2048];
    size_t na = find_live_words(&f, 0, a_words, 2048);
    size_t nb = find_live_words(&f, 1, b_words, 2048);
    /* keep only the words that A's traffic touches and B's does not */
    size_t n = 0;
    for (size_t i = 0; i < na; i++) {
        int shared = 0;
        for (size_t j = 0; j < nb && !shared; j++)
            shared = a_words[i] == b_words[j];
        if (!shared)
            a_words[n++] = a_words[i];
    }
    cr_assert_gt(n, 4u, "could not find producer A's lane words");
    /* learn B's producer index from a clean message */
    int rc;
    send_fill(f.p[1], 0, 2, &rc);
    ASSERT_RC(rc, COSMOSB_OK);
    uint8_t buf[64];
    cosmosb_msg_info_t info;
    ASSERT_RC(cosmosb_pipe_recv(f.c, buf, sizeof buf, &info, 0), COSMOSB_OK);
    uint32_t b_index = info.producer;
    uint32_t prod;
    uint64_t seq;
    cr_assert(tu_check(buf, info.len, &prod, &seq) && seq == 0 && prod == 2);

    const uint64_t N = 20000;
    uint64_t seed = 2024, b_next_send = 1, b_next_recv = 1, a_seq = 0;
    uint64_t corrupt_seen = 0, iterations = 0;
    while (b_next_recv < N) {
        cr_assert_lt(++iterations, 50 * N, "consumer stalled: B at %llu of %llu",
                     (unsigned long long)b_next_recv, (unsigned long long)N);
        /* the hostile side: garbage into A's lane, and A keeps sending */
        for (int k = (int)(tu_rand(&seed) % 3); k > 0; k--) {
            uint64_t off = a_words[tu_rand(&seed) % n];
            uint32_t w = tu_rand(&seed) & 1 ? (uint32_t)tu_rand(&seed)
                                            : nasty32[tu_rand(&seed) % (sizeof nasty32 / 4)];
            memcpy(f.shm + off, &w, 4);
        }
        if (tu_rand(&seed) & 1) {
            send_fill(f.p[0], a_seq++, 1, &rc);
            CHECK_CODE(rc, "send(A)");
        }
        /* the honest side */
        for (int k = (int)(tu_rand(&seed) % 4); k > 0 && b_next_send < N; k--) {
            send_fill(f.p[1], b_next_send, 2, &rc);
            if (rc == COSMOSB_EFULL)
                break;
            ASSERT_RC(rc, COSMOSB_OK);
            b_next_send++;
        }
        for (int k = (int)(tu_rand(&seed) % 6); k > 0; k--) {
            uint8_t *rb = malloc(f.slot_size);
            memset(&info, 0, sizeof info);
            rc = cosmosb_pipe_recv(f.c, rb, f.slot_size, &info, 0);
            CHECK_CODE(rc, "recv");
            if (rc == COSMOSB_ECORRUPT)
                corrupt_seen++;
            if (rc == COSMOSB_OK) {
                cr_assert_leq(info.len, f.slot_size);
                if (info.producer == b_index) {
                    cr_assert(tu_check(rb, info.len, &prod, &seq) && prod == 2,
                              "B's message damaged");
                    cr_assert_eq(seq, b_next_recv, "B's FIFO broken: got %llu, expected %llu",
                                 (unsigned long long)seq, (unsigned long long)b_next_recv);
                    cr_assert_eq(info.type_id, seq);
                    b_next_recv++;
                }
            }
            free(rb);
            if (rc == COSMOSB_EAGAIN)
                break;
        }
    }
    cosmosb_pipe_stats_t st;
    ASSERT_RC(cosmosb_pipe_stats(f.c, &st), COSMOSB_OK);
    cr_log_info("B delivered %llu; ECORRUPT returned %llu times; rejected_corrupt %llu",
                (unsigned long long)b_next_recv, (unsigned long long)corrupt_seen,
                (unsigned long long)st.rejected_corrupt);
    /* Whether garbage is reported (ECORRUPT, rejected_corrupt) or only hides the
     * hostile producer's own messages is the implementation's choice; what
     * matters above is that B lost nothing and nothing went out of bounds. */
    cfx_free(&f);
}

/* ------------------------------------------------------------------------ */
/* the hosted layer: a corrupted memfd pipe is refused at attach            */
/* ------------------------------------------------------------------------ */

Test(corrupt, hosted_attach_refuses_corrupted_pipe, .timeout = 60)
{
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 8;
    uint64_t seed = 4711;
    for (int r = 0; r < 200; r++) {
        cosmosb_pipe_t *c = NULL, *p = NULL;
        ASSERT_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
        int fd = cosmosb_pipe_fd(c);
        cr_assert_geq(fd, 0);
        struct stat sb;
        cr_assert_eq(fstat(fd, &sb), 0);
        uint8_t *m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        cr_assert_neq(m, MAP_FAILED);
        /* garbage over the first 256 bytes (region header and pipe header), or,
         * every other round, over the pipe header only (the region header is the
         * first 64 bytes, see region.h) */
        size_t lim = sb.st_size < 256 ? (size_t)sb.st_size : 256;
        if (r == 0) {
            memset(m, 0, lim);
        } else if (r == 1) {
            memset(m + 64, 0, lim - 64);
        } else {
            for (size_t i = (r & 1) ? 64 : 0; i + 8 <= lim; i += 8) {
                uint64_t w = tu_rand(&seed);
                memcpy(m + i, &w, 8);
            }
        }
        int rc = cosmosb_pipe_attach(fd, -1, &p);
        cr_assert(rc == COSMOSB_ECORRUPT || rc == COSMOSB_EVERSION,
                  "round %d: attach to a garbage pipe returned %d (%s)", r, rc, cosmosb_err_name(rc));
        munmap(m, (size_t)sb.st_size);
        cosmosb_pipe_close(c);
    }
}

/* ------------------------------------------------------------------------ */
/* a hostile process scribbling concurrently                                */
/* ------------------------------------------------------------------------ */

struct hostile_arg {
    int fd;
    uint64_t seed;
    int with_producer;
};

static int hostile_child(void *arg)
{
    struct hostile_arg *a = arg;
    struct stat sb;
    CHILD_CHECK(fstat(a->fd, &sb) == 0);
    uint8_t *m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
    CHILD_CHECK(m != MAP_FAILED);
    cosmosb_pipe_t *p = NULL;
    if (a->with_producer)
        CHILD_CHECK_RC(cosmosb_pipe_attach(a->fd, -1, &p), COSMOSB_OK);
    uint64_t seed = a->seed;
    /* until killed: send, and scribble over the pipe (the region header, the
     * first 64 bytes, is left alone; everything after it is fair game) */
    for (uint64_t i = 0;; i++) {
        if (p) {
            uint8_t msg[64];
            memset(msg, (int)i, sizeof msg);
            (void)cosmosb_pipe_send(p, i, msg, (uint32_t)(i % 65), (uint32_t)(i & 1), 0);
        }
        /* mostly honest traffic, with bursts of garbage now and then, so the
         * consumer is often reading while bytes change under it */
        if (i % 512 == 0)
            for (int k = (int)(tu_rand(&seed) % 4); k >= 0; k--)
                scribble_range(m, 64, (uint64_t)sb.st_size, &seed);
    }
    return 0;
}

Test(corrupt, concurrent_hostile_process, .timeout = 120)
{
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.mode = COSMOSB_PIPE_MPSC;
    cfg.max_producers = 2;
    cfg.capacity = 16;
    cfg.urgent_capacity = 4;
    cfg.slot_size = 64;
    cosmosb_pipe_t *c = NULL;
    ASSERT_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    struct hostile_arg ha = {cosmosb_pipe_fd(c), 99, 1};
    pid_t pid = tu_fork(hostile_child, &ha, 100);
    cr_assert_gt(pid, 0);
    uint64_t seed = 3;
    const int ops = (int)tu_scale(200000);
    int ok = 0;
    for (int i = 0; i < ops; i++) {
        uint64_t to = tu_rand(&seed) % 16 == 0 ? 1000 : 0;
        if (tu_rand(&seed) & 1) {
            uint32_t bs = (uint32_t)(tu_rand(&seed) % 65);
            uint8_t *buf = malloc(bs ? bs : 1);
            cosmosb_msg_info_t info;
            memset(&info, 0, sizeof info);
            int rc = cosmosb_pipe_recv(c, buf, bs, &info, to);
            CHECK_CODE(rc, "recv");
            if (rc == COSMOSB_OK) {
                ok++;
                cr_assert_leq(info.len, bs);
            }
            free(buf);
        } else {
            cosmosb_msg_view_t v;
            int rc = cosmosb_pipe_peek(c, &v, to);
            CHECK_CODE(rc, "peek");
            if (rc == COSMOSB_OK) {
                cr_assert_leq(v.info.len, 64u);
                uint64_t sum = 0;
                for (uint32_t k = 0; k < v.info.len; k++)
                    sum += ((const volatile uint8_t *)v.data)[k];
                sink += sum;
                CHECK_CODE(cosmosb_pipe_consume(c, &v), "consume");
            }
        }
    }
    kill(pid, SIGKILL);
    int st = tu_wait(pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "hostile child ended early (status 0x%x)",
              st);
    /* after the hostile peer is gone, the consumer still answers sanely */
    for (int i = 0; i < 1000; i++) {
        uint8_t buf[64];
        int rc = cosmosb_pipe_recv(c, buf, sizeof buf, NULL, 0);
        CHECK_CODE(rc, "recv after death");
    }
    uint8_t buf[64];
    int rc = cosmosb_pipe_recv(c, buf, sizeof buf, NULL, 200000000ull);
    CHECK_CODE(rc, "recv after death");
    cr_log_info("received %d messages from the hostile peer", ok);
    cosmosb_pipe_close(c);
}

/*
 * A hostile producer that keeps getting itself reaped (it marks producer blocks attached and closed
 * again and again; here from the consumer's own peer_alive hook, which each discovery calls, so the
 * replay is exact) makes every poll of a waiting consumer reap, and a reap rewrites every slot of its
 * lanes. A receive with a 1 us timeout used to poll 64 times before it first read the clock (seconds
 * on a big pipe, pipe fuzzing); now the step after a reap reads the clock, so it ends after a few.
 */
#define STORM_PRODUCERS 5u
struct storm {
    uint8_t *pipe;
    uint64_t producer_offset, producer_stride;
    unsigned pair, armed, on;
};
static struct storm g_storm;

static void storm_arm(unsigned i)
{
    struct storm *st = &g_storm;
    uint32_t *ctl = (uint32_t *)(void *)(st->pipe + st->producer_offset + i * st->producer_stride);
    ctl[1] = 1;                                                                      /* closed */
    __atomic_store_n(&ctl[0], 0x80000000u | (uint32_t)getpid(), __ATOMIC_RELEASE);  /* owner */
    __atomic_fetch_add((uint32_t *)(void *)(st->pipe + 88), 1u, __ATOMIC_SEQ_CST); /* attach_seq */
    st->armed++;
}

static int storm_alive(void *ctx, uint32_t pid)
{
    (void)ctx;
    (void)pid;
    if (g_storm.on) {
        g_storm.pair = g_storm.pair == 1 ? 3 : 1; /* the pair this discovery is not reaping */
        storm_arm(g_storm.pair);
        storm_arm(g_storm.pair + 1);
    }
    return COSMOSB_PEER_ALIVE;
}

Test(corrupt, a_producer_reaped_again_and_again_never_stretches_a_short_wait, .timeout = 60)
{
    cosmosb_pipe_config_t cfg;
    ASSERT_RC(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.mode = COSMOSB_PIPE_MPSC;
    cfg.max_producers = STORM_PRODUCERS;
    cfg.capacity = 1024;
    cfg.slot_size = 8;
    uint64_t size;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &size), COSMOSB_OK);
    void *shm = aligned_alloc(COSMOSB_CACHELINE, (size_t)size);
    cr_assert_not_null(shm);
    memset(&g_storm, 0, sizeof g_storm);
    g_storm.pipe = shm;
    g_storm.pair = 1;
    cosmosb_platform_t plat = *cosmosb_linux_platform();
    plat.peer_alive = storm_alive;
    size_t cs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, STORM_PRODUCERS);
    size_t ps = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    void *cmem = malloc(cs), *pmem = malloc(ps);
    cosmosb_pipe_t *c, *p;
    ASSERT_RC(cosmosb_pipe_open_consumer(cmem, cs, shm, size, &cfg, &plat, NULL, &c), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_open_producer(pmem, ps, shm, size, NULL, NULL, &p), COSMOSB_OK); /* honest, block 0 */
    memcpy(&g_storm.producer_offset, (uint8_t *)shm + 40, 8);
    memcpy(&g_storm.producer_stride, (uint8_t *)shm + 48, 8);
    cr_assert(g_storm.producer_offset > 0 && g_storm.producer_stride > 0 &&
              g_storm.producer_offset + STORM_PRODUCERS * g_storm.producer_stride <= size);
    char buf[16];
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, NULL, 0), COSMOSB_EAGAIN); /* discovers the honest one */
    g_storm.on = 1;
    storm_arm(1);
    storm_arm(2);
    g_storm.armed = 0;
    cosmosb_pipe_stats_t before, after;
    ASSERT_RC(cosmosb_pipe_stats(c, &before), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_recv(c, buf, sizeof buf, NULL, 1000), COSMOSB_ETIMEDOUT);
    ASSERT_RC(cosmosb_pipe_stats(c, &after), COSMOSB_OK);
    g_storm.on = 0;
    uint32_t reaps = after.producers_reaped - before.producers_reaped;
    cr_log_info("a 1 us receive under a reap storm: %u reaps", reaps);
    cr_assert_gt(reaps, 0u, "the storm did not happen");
    cr_assert_leq(reaps, 32u, "a 1 us receive reaped %u producer blocks before it looked at the clock", reaps);
    cosmosb_pipe_close_endpoint(p);
    cosmosb_pipe_close_endpoint(c);
    free(cmem);
    free(pmem);
    free(shm);
}

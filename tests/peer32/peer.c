/*
 * peer.c - a 64-bit process and a 32-bit process share pipes, arena objects
 * and buffer windows through the same memory (one layout for every bitness).
 *
 * The same source is built twice: 64-bit (cosmosb_peer64, linked with the
 * library as usual) and 32-bit (cosmosb_peer32, built with -m32 from the
 * library's sources). The test runs
 *
 *     cosmosb_peer64 PATH/TO/cosmosb_peer32
 *
 * which forks and execs the 32-bit peer with one end of a UNIX socket pair.
 * Then both sides do the same thing, symmetrically:
 *
 *   1. create a pipe (receiving end) and a buffer manager (an arena plus a
 *      1 MiB buffer) and share them over the socket (SCM_RIGHTS);
 *   2. attach to the other side's pipe as its sender and to its buffer
 *      manager as a receive-only participant;
 *   3. send a typed "hello" (pointer width, participant index in the other's
 *      arena, a 64-bit marker), receive the other's;
 *      (every message type is declared with COSMOSB_SCHEMA, sent with
 *      cosmosb_typed_send() and received through a copy-mode receiver whose
 *      hooks check REF and WINDOW fields against the sender's arena and
 *      buffers, so the schema layout itself crosses the bitness boundary)
 *   4. allocate a frozen table object in its own arena and a buffer slice,
 *      give the other side a reference to the table and a narrowed read-only
 *      window, and send both in a typed "gift" message;
 *   5. receive the other's gift: accept, resolve and check the table and the
 *      window bytes from the formulas, release them, and answer with a typed
 *      "ack" carrying the checksums it computed;
 *   6. check the ack against its own checksums, release its objects and see
 *      its arena empty again.
 *
 * Exit status 0 only if both sides passed and they really had different
 * pointer widths (32 and 64).
 *
 * A kernel without i386 emulation cannot exec the 32-bit peer (ENOEXEC):
 * with `--runner qemu-i386` (user-mode emulation, the same pid, host
 * syscalls, futexes and shared mappings) the peer runs under it instead;
 * without a runner the test reports itself skipped (exit 77).
 *
 * The second mode, sizes a 32-bit process cannot map,
 *
 *     cosmosb_peer64 --big PATH/TO/cosmosb_peer32
 *
 * has the 64-bit parent share a buffer manager with a 4 GiB + 64 KiB buffer,
 * an arena with 4 GiB + 16 MiB of data and a region of 4 GiB + 4 KiB (all
 * sparse memfds, never touched), then a small buffer manager. The 32-bit
 * child must get COSMOSB_ENOMEM from each big attach (not a mapping truncated
 * to the low 32 bits of the size, trusted at its full size), COSMOSB_ENOMEM
 * when it creates a 5 GiB buffer, a 4 GiB + 16 MiB arena or a 4 GiB region
 * itself, and then still work normally: small buffers and arenas of its own,
 * and a window of the parent's small buffer, read and checked.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cosmosb/cosmosb.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define T_TABLE UINT64_C(0x03089c2ad0fded42) /* FNV-1a("peer32.Table"): arena object type */
#define MARKER UINT64_C(0x0123456789abcdef)
#define TIMEOUT_NS UINT64_C(20000000000) /* a bound against hangs, not a measurement */

#define TABLE_ENTRIES 300u
#define BUF_SIZE (1u << 20)
#define SLICE_LEN 8192u
#define WIN_OFF 100u
#define WIN_LEN 5000u

/* Message types. 64-bit members follow odd numbers of 32-bit ones on
 * purpose: i386 would put them at 4-byte offsets, the schema macros align
 * them to 8 explicitly (checked below, and by the peer). */
#define HELLO_FIELDS(F) F(U32, pointer_bits) F(U32, participant) F(U32, pid) F(U64, marker)
COSMOSB_SCHEMA(peer_hello, "peer32.Hello", 1, HELLO_FIELDS)
#define GIFT_FIELDS(F)                                                                            \
    F(U32, pointer_bits) F(WINDOW, window, COSMOSB_WIN_READ) F(REF, table, "peer32.Table")       \
    F(U32, table_sum) F(U32, window_sum) F(U32, entries) F(U64, marker) F(CHARS, note, 12)
COSMOSB_SCHEMA(peer_gift, "peer32.Gift", 1, GIFT_FIELDS)
#define ACK_FIELDS(F)                                                                              \
    F(U32, table_sum) F(U32, window_sum) F(I32, table_rc) F(I32, window_rc) F(U32, pointer_bits) \
    F(BOOL, ok)
COSMOSB_SCHEMA(peer_ack, "peer32.Ack", 1, ACK_FIELDS)
_Static_assert(sizeof(peer_hello) == 24 && offsetof(peer_hello, marker) == 16, "hello layout");
_Static_assert(offsetof(peer_gift, window) == 8 && offsetof(peer_gift, table) == 48 &&
                   offsetof(peer_gift, marker) == 80 && sizeof(peer_gift) == 104,
               "gift layout");
_Static_assert(sizeof(peer_ack) == 24, "ack layout");

/* The big mode: each size needs more than 32 bits. */
#define BIG_BUFFER ((UINT64_C(4) << 30) + (UINT64_C(64) << 10))
#define BIG_DATA ((UINT64_C(4) << 30) + (UINT64_C(16) << 20)) /* 257 blocks of 16 MiB */
#define BIG_REGION (UINT64_C(4) << 30)                        /* payload; plus a header page */
#define HUGE_BUFFER (UINT64_C(5) << 30)
#define REGION_TAG 0x42494752u /* "RGIB" */

static const char *me = "?";
static int failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "[%s] FAIL %s:%d: %s: ", me, __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
            failures++;                                                      \
        }                                                                    \
    } while (0)
static int rc_is(int rc, int want, const char *expr, int line)
{
    if (rc == want)
        return 1;
    fprintf(stderr, "[%s] FAIL %s:%d: %s = %s, expected %s\n", me, __FILE__, line, expr, cosmosb_err_name(rc),
            cosmosb_err_name(want));
    failures++;
    return 0;
}
#define RC(expr, want) rc_is((expr), (want), #expr, __LINE__)

/* Contents depend on who made them, so each side checks the other's data. */
static uint32_t table_value(uint32_t bits, uint32_t i) { return i * 2654435761u + bits; }
static uint8_t buffer_byte(uint32_t bits, uint64_t off) { return (uint8_t)(off * 31u + bits); }

static uint32_t checksum(const void *p, uint64_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (uint64_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* Receives one message through the receiver and copies it out if it is of type want. */
static int recv_typed(cosmosb_receiver_t *rx, const cosmosb_schema_t *want, void *out)
{
    cosmosb_typed_msg_t msg;
    if (!RC(cosmosb_receiver_recv(rx, &msg, TIMEOUT_NS), COSMOSB_OK))
        return 0;
    int ok = msg.schema == want && msg.type_id == cosmosb_schema_type_id(want) && msg.len == want->size;
    CHECK(ok, "got %s (%u bytes), expected %s", msg.schema->name, msg.len, want->name);
    if (ok)
        memcpy(out, msg.data, want->size);
    RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    return ok;
}

/* Runs one side; returns the other side's pointer width (0 on failure). */
static uint32_t run(int sock, pid_t peer)
{
    const uint32_t bits = (uint32_t)(sizeof(void *) * 8);
    cosmosb_pipe_config_t pcfg;
    cosmosb_pipe_t *rx = NULL, *tx = NULL;
    cosmosb_bufmgr_t *mine = NULL, *theirs = NULL;
    cosmosb_arena_config_t acfg;
    cosmosb_peer_cred_t cred;
    cosmosb_receiver_t *recv = NULL;
    void *recv_mem = NULL;
    uint32_t bid = 0, peer_bits = 0;

    /* 1. Our pipe and buffer manager, shared with the peer. */
    cosmosb_pipe_config_init(&pcfg);
    pcfg.capacity = 16;
    pcfg.slot_size = 128;
    cosmosb_arena_config_init(&acfg);
    acfg.data_size = 1u << 20;
    acfg.block_size = 16384;
    acfg.max_participants = 4;
    if (!RC(cosmosb_pipe_create(&pcfg, &rx), COSMOSB_OK) || !RC(cosmosb_pipe_share(rx, sock), COSMOSB_OK) ||
        !RC(cosmosb_bufmgr_create(&acfg, 16, &mine), COSMOSB_OK) ||
        !RC(cosmosb_buffer_create(mine, BUF_SIZE, COSMOSB_BUFFER_HEAP, &bid), COSMOSB_OK) ||
        !RC(cosmosb_bufmgr_share(mine, sock), COSMOSB_OK))
        goto out;

    /* 2. The peer's, in the same order. */
    if (!RC(cosmosb_pipe_attach_socket(sock, &tx, &cred), COSMOSB_OK))
        goto out;
    CHECK(cred.pid == peer, "pipe came from pid %d, expected %d", (int)cred.pid, (int)peer);
    if (!RC(cosmosb_bufmgr_attach_socket(sock, &theirs, NULL), COSMOSB_OK))
        goto out;
    cosmosb_arena_t *my_arena = cosmosb_bufmgr_arena(mine), *their_arena = cosmosb_bufmgr_arena(theirs);

    /* Our pipe's typed receiver: references and windows in messages must name
     * live objects of the peer's arena and buffers, given to us. */
    cosmosb_receiver_config_t rcfg;
    cosmosb_receiver_config_init(&rcfg);
    rcfg.hooks.check_ref = cosmosb_arena_check_ref;
    rcfg.hooks.ref_ctx = their_arena;
    rcfg.hooks.check_window = cosmosb_bufmgr_check_window;
    rcfg.hooks.window_ctx = theirs;
    size_t rsize = cosmosb_receiver_memsize(&rcfg);
    recv_mem = aligned_alloc(8, (rsize + 7u) & ~(size_t)7u);
    if (!recv_mem || !RC(cosmosb_receiver_init(recv_mem, rsize, rx, &rcfg, &recv), COSMOSB_OK) ||
        !RC(cosmosb_receiver_accept(recv, &peer_hello_schema, NULL, NULL), COSMOSB_OK) ||
        !RC(cosmosb_receiver_accept(recv, &peer_gift_schema, NULL, NULL), COSMOSB_OK) ||
        !RC(cosmosb_receiver_accept(recv, &peer_ack_schema, NULL, NULL), COSMOSB_OK))
        goto out;

    /* 3. Hello both ways. */
    peer_hello hi = {bits, cosmosb_arena_participant(their_arena), (uint32_t)getpid(), MARKER}, peer_hi;
    if (!RC(cosmosb_typed_send(tx, &peer_hello_schema, &hi, 0, TIMEOUT_NS), COSMOSB_OK) ||
        !recv_typed(recv, &peer_hello_schema, &peer_hi))
        goto out;
    CHECK(peer_hi.marker == MARKER && peer_hi.pid == (uint32_t)peer, "hello fields");
    CHECK(peer_hi.pointer_bits == 32 || peer_hi.pointer_bits == 64, "peer bits %u", peer_hi.pointer_bits);

    /* 4. A frozen table and a slice; references and a window for the peer. */
    cosmosb_ref_t table, table_gift;
    cosmosb_window_t slice, part, win_gift;
    void *p;
    peer_gift g = {.entries = TABLE_ENTRIES, .pointer_bits = bits, .marker = MARKER};
    snprintf(g.note, sizeof g.note, "%u-bit", bits);
    if (!RC(cosmosb_arena_alloc(my_arena, T_TABLE, TABLE_ENTRIES * 4u, 0, &table, &p), COSMOSB_OK))
        goto out;
    for (uint32_t i = 0; i < TABLE_ENTRIES; i++)
        ((uint32_t *)p)[i] = table_value(bits, i);
    g.table_sum = checksum(p, TABLE_ENTRIES * 4u);
    if (!RC(cosmosb_arena_freeze(my_arena, &table), COSMOSB_OK) ||
        !RC(cosmosb_arena_give(my_arena, &table, peer_hi.participant, &table_gift), COSMOSB_OK) ||
        !RC(cosmosb_buffer_alloc(mine, bid, SLICE_LEN, &slice, &p), COSMOSB_OK))
        goto out;
    for (uint32_t i = 0; i < SLICE_LEN; i++)
        ((uint8_t *)p)[i] = buffer_byte(bits, slice.offset + i);
    g.window_sum = checksum((uint8_t *)p + WIN_OFF, WIN_LEN);
    if (!RC(cosmosb_window_narrow(&slice, WIN_OFF, WIN_LEN, COSMOSB_WIN_READ, &part), COSMOSB_OK) ||
        !RC(cosmosb_window_give(mine, &part, peer_hi.participant, &win_gift), COSMOSB_OK))
        goto out;
    g.table = table_gift;
    g.window = win_gift;
    peer_gift pg, forged = g;
    forged.table.generation ^= 0x10u; /* a stale reference: the peer's receiver must drop this one */
    if (!RC(cosmosb_typed_send(tx, &peer_gift_schema, &forged, 0, TIMEOUT_NS), COSMOSB_OK) ||
        !RC(cosmosb_typed_send(tx, &peer_gift_schema, &g, 0, TIMEOUT_NS), COSMOSB_OK) ||
        !recv_typed(recv, &peer_gift_schema, &pg))
        goto out;

    /* 5. The peer's gift, checked from the formulas with the peer's width. */
    peer_ack a = {0, 0, 0, 0, bits, 0};
    char note[12];
    snprintf(note, sizeof note, "%u-bit", peer_hi.pointer_bits);
    CHECK(strcmp(pg.note, note) == 0, "note '%s', expected '%s'", pg.note, note);
    const void *q;
    uint32_t size = 0;
    CHECK(pg.marker == MARKER && pg.entries == TABLE_ENTRIES && pg.pointer_bits == peer_hi.pointer_bits, "gift fields");
    a.table_rc = cosmosb_arena_accept(their_arena, &pg.table);
    if (a.table_rc == 0)
        a.table_rc = cosmosb_arena_resolve(their_arena, &pg.table, T_TABLE, &q, &size);
    if (a.table_rc == 0) {
        CHECK(size == TABLE_ENTRIES * 4u, "table size %u", size);
        for (uint32_t i = 0; i < TABLE_ENTRIES && size == TABLE_ENTRIES * 4u; i++)
            CHECK(((const uint32_t *)q)[i] == table_value(pg.pointer_bits, i), "table[%u]", i);
        a.table_sum = checksum(q, size);
        RC(cosmosb_arena_release(their_arena, &pg.table), COSMOSB_OK);
    }
    CHECK(a.table_rc == 0, "table: %s", cosmosb_err_name(a.table_rc));
    a.window_rc = cosmosb_window_accept(theirs, &pg.window);
    if (a.window_rc == 0)
        a.window_rc = cosmosb_window_resolve(theirs, &pg.window, &q);
    if (a.window_rc == 0) {
        uint32_t bad = 0;
        CHECK(pg.window.length == WIN_LEN, "window length %llu", (unsigned long long)pg.window.length);
        for (uint64_t i = 0; i < pg.window.length; i++)
            bad += ((const uint8_t *)q)[i] != buffer_byte(pg.pointer_bits, pg.window.offset + i);
        CHECK(bad == 0, "%u window bytes differ", bad);
        a.window_sum = checksum(q, pg.window.length);
        void *w;
        RC(cosmosb_window_resolve_writable(theirs, &pg.window, &w), COSMOSB_EPERM);
        RC(cosmosb_window_release(theirs, &pg.window), COSMOSB_OK);
    }
    CHECK(a.window_rc == 0, "window: %s", cosmosb_err_name(a.window_rc));
    CHECK(a.table_sum == pg.table_sum && a.window_sum == pg.window_sum, "checksums of the peer's gift");
    a.ok = a.table_rc == 0 && a.window_rc == 0 && a.table_sum == pg.table_sum && a.window_sum == pg.window_sum;

    /* 6. The peer's verdict on ours. */
    peer_ack pa;
    if (!RC(cosmosb_typed_send(tx, &peer_ack_schema, &a, 0, TIMEOUT_NS), COSMOSB_OK) ||
        !recv_typed(recv, &peer_ack_schema, &pa))
        goto out;
    cosmosb_receiver_stats_t rs;
    if (RC(cosmosb_receiver_stats(recv, &rs), COSMOSB_OK))
        CHECK(rs.delivered == 3 && rs.rejected_total == 1 && rs.rejected[COSMOSB_REJECT_REF] == 1,
              "receiver: %llu delivered, %llu rejected (%llu for the reference)", (unsigned long long)rs.delivered,
              (unsigned long long)rs.rejected_total, (unsigned long long)rs.rejected[COSMOSB_REJECT_REF]);
    CHECK(pa.ok == 1 && pa.table_rc == 0 && pa.window_rc == 0, "peer: table %s, window %s", cosmosb_err_name(pa.table_rc),
          cosmosb_err_name(pa.window_rc));
    CHECK(pa.table_sum == g.table_sum && pa.window_sum == g.window_sum, "peer computed %x/%x, we %x/%x",
          pa.table_sum, pa.window_sum, g.table_sum, g.window_sum);
    RC(cosmosb_arena_release(my_arena, &table), COSMOSB_OK);
    RC(cosmosb_window_release(mine, &slice), COSMOSB_OK);
    RC(cosmosb_arena_reclaim(my_arena), COSMOSB_OK);
    RC(cosmosb_arena_resolve(my_arena, &table, T_TABLE, &q, NULL), COSMOSB_ESTALE);
    cosmosb_arena_stats_t st;
    if (RC(cosmosb_arena_stats(my_arena, &st), COSMOSB_OK))
        CHECK(st.live_objects == 0, "%u objects still alive in our arena", st.live_objects);
    peer_bits = peer_hi.pointer_bits;
    printf("[%s] %u-bit side: typed hello, a frozen arena table (%u entries) and a %u-byte window exchanged "
           "with a %u-bit peer, validated by its receiver (a forged reference rejected) and verified\n",
           me, bits, TABLE_ENTRIES, WIN_LEN, peer_bits);
out:
    /* Each side waits for the other's last message before it closes anything. */
    cosmosb_pipe_close(tx);
    cosmosb_bufmgr_close(theirs);
    cosmosb_pipe_close(rx); /* the receiver lived in recv_mem: nothing to close */
    free(recv_mem);
    cosmosb_bufmgr_close(mine);
    return failures ? 0 : peer_bits;
}

static int send_all(int sock, const void *buf, size_t n)
{
    for (const uint8_t *p = buf; n;) {
        ssize_t k = send(sock, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return 0;
        p += k;
        n -= (size_t)k;
    }
    return 1;
}

static int recv_all(int sock, void *buf, size_t n)
{
    for (uint8_t *p = buf; n;) {
        ssize_t k = read(sock, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return 0;
        p += k;
        n -= (size_t)k;
    }
    return 1;
}

/* An arena geometry with few blocks, so that even the big one has a small meta area. */
static void big_arena_config(cosmosb_arena_config_t *cfg, uint64_t data_size)
{
    cosmosb_arena_config_init(cfg);
    cfg->data_size = data_size;
    cfg->block_size = 16u << 20;
    cfg->objects_per_block = 32;
    cfg->max_participants = 4;
}

/* The 64-bit parent of the big mode: shares the big objects, then a window of a small buffer. */
static void big_parent(int sock)
{
    cosmosb_bufmgr_t *big = NULL, *small = NULL;
    cosmosb_arena_t *arena = NULL;
    cosmosb_region_t *region = NULL;
    cosmosb_arena_config_t acfg;
    cosmosb_window_t slice, part, gift;
    uint32_t bid = 0, sbid = 0, participant = 0;
    uint8_t verdict = 0;
    void *p;

    /* Created, sized and mapped here (sparse: nothing below touches their data pages). */
    big_arena_config(&acfg, BIG_DATA);
    if (!RC(cosmosb_bufmgr_create(NULL, 4, &big), COSMOSB_OK) ||
        !RC(cosmosb_buffer_create(big, BIG_BUFFER, COSMOSB_BUFFER_HEAP, &bid), COSMOSB_OK) ||
        !RC(cosmosb_arena_create(&acfg, &arena), COSMOSB_OK) || !RC(cosmosb_arena_seal(arena), COSMOSB_OK) ||
        !RC(cosmosb_region_create("peer32-big", COSMOSB_REGION_RAW, BIG_REGION, &region), COSMOSB_OK))
        goto out;
    int rfd = cosmosb_region_fd(region);
    if (!RC(cosmosb_bufmgr_share(big, sock), COSMOSB_OK) || !RC(cosmosb_arena_share(arena, sock, 0), COSMOSB_OK) ||
        !RC(cosmosb_fd_send(sock, &rfd, 1, REGION_TAG), COSMOSB_OK))
        goto out;

    /* The small manager: the child reads a window of it after its refusals. */
    if (!RC(cosmosb_bufmgr_create(NULL, 4, &small), COSMOSB_OK) ||
        !RC(cosmosb_buffer_create(small, BUF_SIZE, COSMOSB_BUFFER_HEAP, &sbid), COSMOSB_OK) ||
        !RC(cosmosb_buffer_alloc(small, sbid, SLICE_LEN, &slice, &p), COSMOSB_OK))
        goto out;
    for (uint32_t i = 0; i < SLICE_LEN; i++)
        ((uint8_t *)p)[i] = buffer_byte(64, slice.offset + i);
    if (!RC(cosmosb_bufmgr_share(small, sock), COSMOSB_OK))
        goto out;
    if (!recv_all(sock, &participant, sizeof participant)) {
        CHECK(0, "the child sent no participant index (it failed or crashed before)");
        goto out;
    }
    if (!RC(cosmosb_window_narrow(&slice, 0, SLICE_LEN, COSMOSB_WIN_READ, &part), COSMOSB_OK) ||
        !RC(cosmosb_window_give(small, &part, participant, &gift), COSMOSB_OK))
        goto out;
    CHECK(send_all(sock, &gift, sizeof gift), "sending the window");
    CHECK(recv_all(sock, &verdict, sizeof verdict) && verdict == 1, "the child's verdict on the window: %u", verdict);
    RC(cosmosb_window_release(small, &slice), COSMOSB_OK);
out:
    cosmosb_bufmgr_close(small);
    cosmosb_region_close(region);
    cosmosb_arena_close(arena);
    cosmosb_bufmgr_close(big);
}

/* The 32-bit child of the big mode: refuses what it cannot map, then works normally. */
static void big_child(int sock)
{
    cosmosb_bufmgr_t *m = NULL, *theirs = NULL;
    cosmosb_arena_t *a = NULL;
    cosmosb_region_t *r = NULL;
    cosmosb_arena_config_t acfg;
    cosmosb_window_t w;
    uint32_t id = 0, n = 0, tag = 0;
    int fd = -1;
    void *p;
    const void *q;

    CHECK(sizeof(void *) == 4, "the big mode needs a 32-bit child, this one has %u-bit pointers",
          (unsigned)(sizeof(void *) * 8));
    /* The parent's big objects, in the order it sent them; each attach reads
     * its whole message, so the socket stays in step whatever it returns.
     * A handle made anyway is closed unused: its recorded sizes are not what
     * it mapped. */
    RC(cosmosb_bufmgr_attach_socket(sock, &m, NULL), COSMOSB_ENOMEM);
    cosmosb_bufmgr_close(m);
    m = NULL;
    RC(cosmosb_arena_attach_socket(sock, 0, &a, NULL), COSMOSB_ENOMEM);
    cosmosb_arena_close(a);
    a = NULL;
    if (!RC(cosmosb_fd_recv(sock, &fd, 1, &n, &tag, NULL), COSMOSB_OK) || n != 1 || tag != REGION_TAG) {
        CHECK(0, "the region's descriptor: %u descriptors, tag %#x", n, tag);
        goto out;
    }
    RC(cosmosb_region_attach(fd, COSMOSB_REGION_RAW, &r), COSMOSB_ENOMEM);
    close(fd);
    cosmosb_region_close(r);
    r = NULL;

    /* Our own: too big for us to create, whatever the library would record (same: closed unused). */
    if (!RC(cosmosb_bufmgr_create(NULL, 4, &m), COSMOSB_OK))
        goto out;
    RC(cosmosb_buffer_create(m, HUGE_BUFFER, COSMOSB_BUFFER_HEAP, &id), COSMOSB_ENOMEM);
    big_arena_config(&acfg, BIG_DATA);
    RC(cosmosb_arena_create(&acfg, &a), COSMOSB_ENOMEM);
    cosmosb_arena_close(a);
    a = NULL;
    RC(cosmosb_region_create("peer32-big", COSMOSB_REGION_RAW, BIG_REGION, &r), COSMOSB_ENOMEM);
    cosmosb_region_close(r);
    r = NULL;

    /* Small sizes still work: a buffer and an arena of our own, written and released. */
    cosmosb_window_t slice;
    cosmosb_ref_t ref;
    if (!RC(cosmosb_buffer_create(m, BUF_SIZE, COSMOSB_BUFFER_HEAP, &id), COSMOSB_OK) ||
        !RC(cosmosb_buffer_alloc(m, id, SLICE_LEN, &slice, &p), COSMOSB_OK))
        goto out;
    memset(p, 0x5a, SLICE_LEN);
    RC(cosmosb_window_release(m, &slice), COSMOSB_OK);
    big_arena_config(&acfg, 1u << 20);
    acfg.block_size = 16384;
    if (!RC(cosmosb_arena_create(&acfg, &a), COSMOSB_OK) ||
        !RC(cosmosb_arena_alloc(a, T_TABLE, TABLE_ENTRIES * 4u, 0, &ref, &p), COSMOSB_OK))
        goto out;
    memset(p, 0xa5, TABLE_ENTRIES * 4u);
    RC(cosmosb_arena_release(a, &ref), COSMOSB_OK);

    /* And the parent's small manager: a window read and checked. */
    if (!RC(cosmosb_bufmgr_attach_socket(sock, &theirs, NULL), COSMOSB_OK))
        goto out;
    uint32_t participant = cosmosb_arena_participant(cosmosb_bufmgr_arena(theirs));
    if (!send_all(sock, &participant, sizeof participant) || !recv_all(sock, &w, sizeof w)) {
        CHECK(0, "exchanging the window with the parent");
        goto out;
    }
    uint8_t verdict = 0;
    if (RC(cosmosb_window_accept(theirs, &w), COSMOSB_OK) && RC(cosmosb_window_resolve(theirs, &w, &q), COSMOSB_OK)) {
        uint32_t bad = 0;
        for (uint64_t i = 0; i < w.length; i++)
            bad += ((const uint8_t *)q)[i] != buffer_byte(64, w.offset + i);
        CHECK(w.length == SLICE_LEN && bad == 0, "window of %llu bytes, %u differ", (unsigned long long)w.length, bad);
        verdict = w.length == SLICE_LEN && bad == 0;
        RC(cosmosb_window_release(theirs, &w), COSMOSB_OK);
    }
    CHECK(send_all(sock, &verdict, sizeof verdict), "sending the verdict");
    if (failures == 0)
        printf("[%s] COSMOSB_ENOMEM for the parent's 4 GiB + 64 KiB buffer, 4 GiB + 16 MiB arena and 4 GiB "
               "region, and for our own 5 GiB buffer and such an arena and region; small ones work\n",
               me);
out:
    cosmosb_bufmgr_close(theirs);
    cosmosb_region_close(r);
    cosmosb_arena_close(a);
    cosmosb_bufmgr_close(m);
}

/* Execs the peer (through runner if there is one) with its arguments; never returns. */
static void exec_peer(const char *runner, const char *peer_exe, const char *mode, const char *fd)
{
    if (runner)
        execl(runner, runner, peer_exe, mode, fd, (char *)NULL);
    else
        execl(peer_exe, peer_exe, mode, fd, (char *)NULL);
    int e = errno;
    if (e != ENOEXEC)
        fprintf(stderr, "exec %s: %s\n", runner ? runner : peer_exe, strerror(e));
    _exit(e == ENOEXEC ? 77 : 127);
}

/*
 * Can this machine run peer_exe? Some kernels cannot run i386 programs (no IA32 emulation, as in some
 * VMs): exec fails with ENOEXEC. Then *runner (if given) runs it under user-mode emulation, or the test
 * is skipped (77), not failed. Any other exec failure, or a peer that does not answer --probe with 0,
 * is a failure.
 */
static int probe_exec(const char *peer_exe, const char **runner)
{
    for (int round = 0; round < 2; round++) {
        const char *r = round ? *runner : NULL;
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0)
            exec_peer(r, peer_exe, "--probe", NULL);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            if (r)
                printf("[%s] this kernel cannot run %s itself: run under %s\n", me, peer_exe, r);
            else
                *runner = NULL;
            return 0;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 77 || r) {
            fprintf(stderr, "[%s] FAIL: %s%s%s --probe exited with status 0x%x\n", me, r ? r : "", r ? " " : "",
                    peer_exe, status);
            return 1;
        }
        if (!*runner) {
            printf("SKIP: this kernel cannot run %s (exec: %s) and no --runner was given\n", peer_exe,
                   strerror(ENOEXEC));
            return 77;
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    const uint32_t bits = (uint32_t)(sizeof(void *) * 8);
    if (argc == 2 && strcmp(argv[1], "--probe") == 0)
        return 0;
    if (argc == 3 && strcmp(argv[1], "--big-child") == 0) {
        me = bits == 32 ? "32-bit child" : "child";
        big_child(atoi(argv[2]));
        return failures ? 1 : 0;
    }
    if (argc == 3 && strcmp(argv[1], "--child") == 0) {
        me = bits == 32 ? "32-bit child" : "child";
        uint32_t peer_bits = run(atoi(argv[2]), getppid());
        if (peer_bits == 0)
            return 1;
        CHECK(peer_bits != bits, "the parent has the same pointer width (%u)", bits);
        return failures ? 1 : 0;
    }
    int big = 0, k = 1;
    const char *runner = NULL;
    for (; k < argc - 1; k++) {
        if (strcmp(argv[k], "--big") == 0)
            big = 1;
        else if (strcmp(argv[k], "--runner") == 0 && k + 2 < argc)
            runner = argv[++k];
        else
            break;
    }
    if (k != argc - 1) {
        fprintf(stderr, "usage: %s [--big] [--runner EMULATOR] PEER_EXECUTABLE\n", argv[0]);
        return 2;
    }
    const char *peer_exe = argv[argc - 1];
    me = bits == 64 ? "64-bit parent" : "parent";
    int rc = probe_exec(peer_exe, &runner);
    if (rc != 0)
        return rc;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        perror("socketpair");
        return 1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        char fd[16];
        close(sv[0]);
        if (fcntl(sv[1], F_SETFD, 0) != 0)
            _exit(126);
        snprintf(fd, sizeof fd, "%d", sv[1]);
        exec_peer(runner, peer_exe, big ? "--big-child" : "--child", fd);
    }
    close(sv[1]);
    uint32_t peer_bits = 0;
    if (big)
        big_parent(sv[0]);
    else
        peer_bits = run(sv[0], pid);
    close(sv[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the peer exited with status 0x%x", status);
    if (big) {
        if (failures)
            return 1;
        printf("[%s] OK: the 32-bit peer refused what it cannot map (COSMOSB_ENOMEM), then worked normally\n", me);
        return 0;
    }
    CHECK(peer_bits != 0 && peer_bits != bits, "peer pointer width %u, ours %u", peer_bits, bits);
    if (failures)
        return 1;
    printf("[%s] OK: one layout for a %u-bit and a %u-bit process\n", me, bits, peer_bits);
    return 0;
}

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
 * pointer widths (32 and 64). Every message is checked by type id and size.
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

#define T_HELLO UINT64_C(0x69ccf4f92d5e79ce) /* FNV-1a("peer32.Hello") */
#define T_GIFT UINT64_C(0x2d8f14472b13989c)  /* FNV-1a("peer32.Gift") */
#define T_ACK UINT64_C(0x3acbac6f83dd9603)   /* FNV-1a("peer32.Ack") */
#define T_TABLE UINT64_C(0x03089c2ad0fded42) /* FNV-1a("peer32.Table"): arena object type */
#define MARKER UINT64_C(0x0123456789abcdef)
#define TIMEOUT_NS UINT64_C(20000000000) /* a bound against hangs, not a measurement */

#define TABLE_ENTRIES 300u
#define BUF_SIZE (1u << 20)
#define SLICE_LEN 8192u
#define WIN_OFF 100u
#define WIN_LEN 5000u

/* Messages: fixed-width fields, 64-bit ones at 8-byte offsets (i386 aligns
 * uint64_t to 4 inside structs: explicit layout, checked below). */
struct hello {
    uint32_t pointer_bits;
    uint32_t participant; /* the sender's index in the receiver's arena */
    uint32_t pid;
    uint32_t reserved;
    uint64_t marker;
};
struct gift {
    cosmosb_ref_t table;
    cosmosb_window_t window;
    uint32_t table_sum;
    uint32_t window_sum;
    uint32_t entries;
    uint32_t pointer_bits;
    uint64_t marker;
};
struct ack {
    uint32_t table_sum;
    uint32_t window_sum;
    int32_t table_rc;
    int32_t window_rc;
    uint32_t pointer_bits;
    uint32_t reserved;
};
_Static_assert(sizeof(struct hello) == 24 && offsetof(struct hello, marker) == 16, "hello layout");
_Static_assert(sizeof(struct gift) == 80 && offsetof(struct gift, window) == 16 && offsetof(struct gift, marker) == 72,
               "gift layout");
_Static_assert(sizeof(struct ack) == 24, "ack layout");

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

static int recv_typed(cosmosb_pipe_t *rx, uint64_t type, void *buf, uint32_t len)
{
    cosmosb_msg_info_t info;
    if (!RC(cosmosb_pipe_recv(rx, buf, len, &info, TIMEOUT_NS), COSMOSB_OK))
        return 0;
    CHECK(info.type_id == type && info.len == len, "type %llx len %u, expected %llx len %u",
          (unsigned long long)info.type_id, info.len, (unsigned long long)type, len);
    return info.type_id == type && info.len == len;
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

    /* 3. Hello both ways. */
    struct hello hi = {bits, cosmosb_arena_participant(their_arena), (uint32_t)getpid(), 0, MARKER}, peer_hi;
    if (!RC(cosmosb_pipe_send(tx, T_HELLO, &hi, sizeof hi, 0, TIMEOUT_NS), COSMOSB_OK) ||
        !recv_typed(rx, T_HELLO, &peer_hi, sizeof peer_hi))
        goto out;
    CHECK(peer_hi.marker == MARKER && peer_hi.pid == (uint32_t)peer && peer_hi.reserved == 0, "hello fields");
    CHECK(peer_hi.pointer_bits == 32 || peer_hi.pointer_bits == 64, "peer bits %u", peer_hi.pointer_bits);

    /* 4. A frozen table and a slice; references and a window for the peer. */
    cosmosb_ref_t table, table_gift;
    cosmosb_window_t slice, part, win_gift;
    void *p;
    struct gift g = {.entries = TABLE_ENTRIES, .pointer_bits = bits, .marker = MARKER};
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
    struct gift pg;
    if (!RC(cosmosb_pipe_send(tx, T_GIFT, &g, sizeof g, 0, TIMEOUT_NS), COSMOSB_OK) ||
        !recv_typed(rx, T_GIFT, &pg, sizeof pg))
        goto out;

    /* 5. The peer's gift, checked from the formulas with the peer's width. */
    struct ack a = {0, 0, 0, 0, bits, 0};
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

    /* 6. The peer's verdict on ours. */
    struct ack pa;
    if (!RC(cosmosb_pipe_send(tx, T_ACK, &a, sizeof a, 0, TIMEOUT_NS), COSMOSB_OK) ||
        !recv_typed(rx, T_ACK, &pa, sizeof pa))
        goto out;
    CHECK(pa.table_rc == 0 && pa.window_rc == 0, "peer: table %s, window %s", cosmosb_err_name(pa.table_rc),
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
    printf("[%s] %u-bit side: hello, a frozen arena table (%u entries) and a %u-byte window exchanged with a "
           "%u-bit peer; both verified by the other side\n",
           me, bits, TABLE_ENTRIES, WIN_LEN, peer_bits);
out:
    /* Each side waits for the other's last message before it closes anything. */
    cosmosb_pipe_close(tx);
    cosmosb_bufmgr_close(theirs);
    cosmosb_pipe_close(rx);
    cosmosb_bufmgr_close(mine);
    return failures ? 0 : peer_bits;
}

int main(int argc, char **argv)
{
    const uint32_t bits = (uint32_t)(sizeof(void *) * 8);
    if (argc == 3 && strcmp(argv[1], "--child") == 0) {
        me = bits == 32 ? "32-bit child" : "child";
        uint32_t peer_bits = run(atoi(argv[2]), getppid());
        if (peer_bits == 0)
            return 1;
        CHECK(peer_bits != bits, "the parent has the same pointer width (%u)", bits);
        return failures ? 1 : 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s PEER_EXECUTABLE\n", argv[0]);
        return 2;
    }
    me = bits == 64 ? "64-bit parent" : "parent";
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
        execl(argv[1], argv[1], "--child", fd, (char *)NULL);
        fprintf(stderr, "exec %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    close(sv[1]);
    uint32_t peer_bits = run(sv[0], pid);
    close(sv[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the peer exited with status 0x%x", status);
    CHECK(peer_bits != 0 && peer_bits != bits, "peer pointer width %u, ours %u", peer_bits, bits);
    if (failures)
        return 1;
    printf("[%s] OK: one layout for a %u-bit and a %u-bit process\n", me, bits, peer_bits);
    return 0;
}

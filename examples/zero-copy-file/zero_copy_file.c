/*
 * cosmosb-zero-copy-file: one process streams a file through buffer windows
 * to another process, which checksums it (CRC-32, as zlib computes it).
 *
 *   cosmosb-zero-copy-file FILE [--chunk BYTES] [--ring BYTES]
 *
 *   1. The sender (this process) creates a buffer manager with one ring
 *      buffer (a sealed memfd) and starts the receiver with fork + exec,
 *      giving it only one end of a UNIX socket.
 *   2. The manager travels over the socket (cosmosb_bufmgr_share); the
 *      receiver maps the buffer read-only (the kernel refuses it any
 *      writable mapping). The receiver creates a libcosmosb pipe for the
 *      windows and hands it back the same way.
 *   3. The sender read(2)s the file straight into slices of the ring
 *      (cosmosb_buffer_read: the bytes go from the page cache into shared
 *      memory once), gives the receiver a read-only window on each filled
 *      slice and sends the 40-byte window through the pipe. When the ring
 *      is full it waits until the receiver releases the oldest slice.
 *   4. The receiver accepts each window, checksums the bytes in place and
 *      releases it; at the end it reports the byte count and the CRC-32.
 *
 * Output: the receiver's CRC-32 and byte count, and the throughput. Exit 0
 * if everything was received in order, 1 otherwise.
 */
#define _GNU_SOURCE
#include <cosmosb/cosmosb.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG_WINDOW UINT64_C(0x7a63660000000001) /* payload: cosmosb_window_t */
#define MSG_END UINT64_C(0x7a63660000000002)    /* payload: uint64_t total bytes */
#define TIMEOUT_NS (UINT64_C(10) * 1000000000u)

struct result {
    uint64_t bytes;
    uint64_t windows;
    uint32_t crc;
    uint32_t ok;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int fail(const char *who, const char *what, int rc)
{
    fprintf(stderr, "[%s] %s: %s\n", who, what, rc < 0 ? cosmosb_strerror(rc) : strerror(rc));
    return 1;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n > 0) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *b = p;
    while (n > 0) {
        ssize_t k = read(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* ---- CRC-32 (IEEE 802.3, reflected, as zlib's crc32()), slicing by 8 ---- */

static uint32_t crc_table[8][256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

/* crc: the running value, starting at 0 (pre- and post-inversion inside, as zlib). */
static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
    uint32_t c = ~crc;
    while (n >= 8) {
        uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        lo ^= c;
        c = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^ crc_table[5][(lo >> 16) & 0xff] ^
            crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
            crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--)
        c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

/* ===== the receiver (exec'ed with one socket) ========================== */

static int receiver(int sock)
{
    cosmosb_bufmgr_t *m = NULL;
    cosmosb_peer_cred_t cred;
    int rc = cosmosb_bufmgr_attach_socket(sock, &m, &cred);
    if (rc != 0)
        return fail("receiver", "cosmosb_bufmgr_attach_socket", rc);
    if ((pid_t)cred.pid != getppid()) {
        fprintf(stderr, "[receiver] the buffers did not come from my parent: refusing them\n");
        return 1;
    }
    uint32_t me = cosmosb_arena_participant(cosmosb_bufmgr_arena(m));
    if (write_all(sock, &me, sizeof me) != 0)
        return fail("receiver", "write", errno);

    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_t *inbox = NULL;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 64;
    cfg.slot_size = sizeof(cosmosb_window_t);
    if ((rc = cosmosb_pipe_create(&cfg, &inbox)) != 0 || (rc = cosmosb_pipe_share(inbox, sock)) != 0)
        return fail("receiver", "cosmosb_pipe_create/share", rc);
    printf("[receiver] pid %d: mapped the sender's buffers read-only (participant %u); waiting for windows\n",
           (int)getpid(), me);

    struct result res = { 0, 0, 0, 0 };
    uint64_t next_offset = UINT64_MAX; /* windows of a ring come in order, wrapping at most to 0 */
    for (;;) {
        union {
            cosmosb_window_t w;
            uint64_t total;
        } msg;
        cosmosb_msg_info_t info;
        if ((rc = cosmosb_pipe_recv(inbox, &msg, sizeof msg, &info, TIMEOUT_NS)) != 0)
            return fail("receiver", "cosmosb_pipe_recv", rc);
        if (info.type_id == MSG_END && info.len == sizeof msg.total) {
            res.ok = msg.total == res.bytes;
            break;
        }
        if (info.type_id != MSG_WINDOW || info.len != sizeof msg.w) {
            fprintf(stderr, "[receiver] unexpected message\n");
            return 1;
        }
        const cosmosb_window_t *w = &msg.w;
        if ((rc = cosmosb_window_accept(m, w)) != 0)
            return fail("receiver", "cosmosb_window_accept", rc);
        if (w->rights & COSMOSB_WIN_WRITE) {
            fprintf(stderr, "[receiver] a window with the WRITE right\n");
            return 1;
        }
        if (next_offset != UINT64_MAX && w->offset != next_offset && w->offset != 0)
            fprintf(stderr, "[receiver] note: window at %" PRIu64 ", after the previous one ended at %" PRIu64 "\n",
                    w->offset, next_offset);
        const void *d;
        if ((rc = cosmosb_window_resolve(m, w, &d)) != 0)
            return fail("receiver", "cosmosb_window_resolve", rc);
        res.crc = crc_update(res.crc, d, (size_t)w->length);
        res.bytes += w->length;
        res.windows++;
        next_offset = w->offset + ((w->length + COSMOSB_SLICE_ALIGN - 1) & ~(uint64_t)(COSMOSB_SLICE_ALIGN - 1));
        if ((rc = cosmosb_window_release(m, w)) != 0) /* the sender may reuse these bytes now */
            return fail("receiver", "cosmosb_window_release", rc);
    }
    printf("[receiver] %" PRIu64 " bytes in %" PRIu64 " windows, crc32 %08x\n", res.bytes, res.windows, res.crc);
    if (write_all(sock, &res, sizeof res) != 0)
        return fail("receiver", "write", errno);
    cosmosb_pipe_close(inbox);
    cosmosb_bufmgr_close(m);
    return res.ok ? 0 : 1;
}

/* ===== the sender ======================================================= */

static uint64_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end == 'K' || *end == 'k')
        v <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        v <<= 20, end++;
    else if (*end == 'G' || *end == 'g')
        v <<= 30, end++;
    return *end ? 0 : (uint64_t)v;
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s FILE [--chunk BYTES] [--ring BYTES]   (sizes may end in K, M or G)\n", argv0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    crc_init();
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return receiver(atoi(argv[2]));
    const char *path = NULL;
    uint64_t chunk = 1u << 20, ring = 16u << 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc) {
            chunk = parse_size(argv[++i]);
        } else if (strcmp(argv[i], "--ring") == 0 && i + 1 < argc) {
            ring = parse_size(argv[++i]);
        } else if (!path && argv[i][0] != '-') {
            path = argv[i];
        } else {
            usage(argv[0]);
            return 2;
        }
    }
    if (!path || chunk == 0 || ring < chunk) {
        usage(argv[0]);
        return 2;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail("sender", path, errno);
    struct stat st;
    fstat(fd, &st);

    cosmosb_bufmgr_t *m = NULL;
    uint32_t buf;
    int rc = cosmosb_bufmgr_create(NULL, 1024, &m);
    if (rc != 0 || (rc = cosmosb_buffer_create(m, ring, COSMOSB_BUFFER_RING, &buf)) != 0)
        return fail("sender", "cosmosb_bufmgr_create/buffer_create", rc);
    printf("[sender  ] pid %d: %s (%lld bytes); ring buffer of %" PRIu64 " bytes (memfd %d), chunks of %" PRIu64
           " bytes\n",
           (int)getpid(), path, (long long)st.st_size, ring, cosmosb_buffer_fd(m, buf), chunk);

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return fail("sender", "socketpair", errno);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return fail("sender", "fork", errno);
    if (pid == 0) {
        char fdarg[16];
        int cfd = dup(sv[1]); /* without close-on-exec: the only thing the receiver inherits */
        snprintf(fdarg, sizeof fdarg, "%d", cfd);
        execl("/proc/self/exe", argv[0], "--child", fdarg, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    int sock = sv[0];
    uint32_t dest;
    cosmosb_pipe_t *tx = NULL;
    cosmosb_peer_cred_t cred;
    if ((rc = cosmosb_bufmgr_share(m, sock)) != 0)
        return fail("sender", "cosmosb_bufmgr_share", rc);
    if (read_all(sock, &dest, sizeof dest) != 0)
        return fail("sender", "the receiver did not answer", EIO);
    if ((rc = cosmosb_pipe_attach_socket(sock, &tx, &cred)) != 0)
        return fail("sender", "cosmosb_pipe_attach_socket", rc);
    if ((pid_t)cred.pid != pid) {
        fprintf(stderr, "[sender  ] the pipe did not come from my child\n");
        return 1;
    }

    uint64_t total = 0, windows = 0, waits = 0, read_ns = 0;
    uint64_t t0 = now_ns();
    for (;;) {
        cosmosb_window_t w, ro, t;
        while ((rc = cosmosb_buffer_alloc(m, buf, chunk, &w, NULL)) == COSMOSB_ENOMEM) {
            waits++; /* the ring is full: the receiver still holds the oldest slice */
            sched_yield();
        }
        if (rc != 0)
            return fail("sender", "cosmosb_buffer_alloc", rc);
        uint64_t got = 0, r0 = now_ns();
        rc = cosmosb_buffer_read(m, &w, fd, &got); /* read(2) straight into the slice */
        read_ns += now_ns() - r0;
        if (rc != 0)
            return fail("sender", "cosmosb_buffer_read", rc);
        if (got > 0) {
            if ((rc = cosmosb_window_narrow(&w, 0, got, COSMOSB_WIN_READ, &ro)) != 0 ||
                (rc = cosmosb_window_give(m, &ro, dest, &t)) != 0)
                return fail("sender", "cosmosb_window_narrow/give", rc);
        }
        if ((rc = cosmosb_window_release(m, &w)) != 0) /* the transfer keeps the slice for the receiver */
            return fail("sender", "cosmosb_window_release", rc);
        if (got == 0)
            break;
        if ((rc = cosmosb_pipe_send(tx, MSG_WINDOW, &t, sizeof t, 0, TIMEOUT_NS)) != 0)
            return fail("sender", "cosmosb_pipe_send", rc);
        total += got;
        windows++;
        if (got < chunk)
            break; /* a short count means end of file */
    }
    if ((rc = cosmosb_pipe_send(tx, MSG_END, &total, sizeof total, 0, TIMEOUT_NS)) != 0)
        return fail("sender", "cosmosb_pipe_send", rc);
    struct result res;
    if (read_all(sock, &res, sizeof res) != 0)
        return fail("sender", "no result from the receiver", EIO);
    uint64_t t1 = now_ns();
    int status = 0;
    waitpid(pid, &status, 0);
    double secs = (double)(t1 - t0) / 1e9;
    printf("[sender  ] sent %" PRIu64 " bytes in %" PRIu64 " windows of at most %" PRIu64 " bytes; waited for the "
           "ring %" PRIu64 " times\n",
           total, windows, chunk, waits);
    printf("[sender  ] receiver: %" PRIu64 " bytes, crc32 %08x\n", res.bytes, res.crc);
    printf("throughput: %.2f GB/s end to end (%.3f s; read(2) into the slices took %.3f s of it), "
           "no byte copied between the processes\n",
           (double)total / secs / 1e9, secs, (double)read_ns / 1e9);
    printf("crc32 %08x bytes %" PRIu64 "\n", res.crc, res.bytes);
    cosmosb_pipe_close(tx);
    cosmosb_bufmgr_close(m);
    close(sock);
    close(fd);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !res.ok || res.bytes != total ||
        total != (uint64_t)st.st_size) {
        fprintf(stderr, "[sender  ] FAILED: receiver status %d, %" PRIu64 "/%" PRIu64 " bytes\n", status, res.bytes,
                total);
        return 1;
    }
    return 0;
}

/*
 * fuzz_bufmgr.c - fuzz harness: the buffer manager's socket attach path
 * (buffer_linux.h) and window checks (buffer.h) against a peer that sends
 * whatever the input says.
 *
 * Once per process an owner manager is created with three buffers (heap,
 * ring, sealed heap), and a pool of descriptors a hostile peer could pass:
 * the arena's and the buffers' memfds, an unsealed memfd, a sealed memfd of
 * an odd size, /dev/null, a pipe. Per input, over a fresh socketpair, the
 * peer side writes a sequence of input-chosen frames (honest shares of all or
 * some buffers, descriptor messages with input-chosen descriptors and tags,
 * raw bytes, counts and id lists), then shuts its side down, so every read
 * ends. The receiver side runs cosmosb_bufmgr_attach_socket() and
 * cosmosb_bufmgr_update_socket(); with a view, it resolves, checks, accepts,
 * declines and releases windows, honest ones the owner gave it and forged
 * ones. Checked: results are 0 or COSMOSB_E* codes, resolved bytes lie in
 * the window's buffer mapping (ASan), and no descriptor leaks: the process
 * has as many open descriptors after each input as before it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cosmosb/cosmosb.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_BUF_FRAMES = 12, FUZZ_BUF_OPS = 32, FUZZ_BUF_POOL = 9, FUZZ_BUF_BUFFERS = 3 };

#define ARENA_SHARE_TAG 0x41524e41u /* as lib/os/linux/arena_linux.c */
#define BUF_SHARE_TAG 0x42554600u   /* as lib/os/linux/buffer_linux.c */

static struct {
    int ready;
    cosmosb_bufmgr_t *owner;
    uint32_t ids[FUZZ_BUF_BUFFERS];
    int pool[FUZZ_BUF_POOL];
} g;

static int count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static int sealed_memfd(size_t size)
{
    int fd = memfd_create("fuzz_odd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)size) != 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void global_setup(void)
{
    if (g.ready)
        return;
    int rc = cosmosb_bufmgr_create(NULL, 64, &g.owner);
    FUZZ_CHECK(rc == COSMOSB_OK, "bufmgr_create %d", rc);
    static const uint32_t mode[FUZZ_BUF_BUFFERS] = {COSMOSB_BUFFER_HEAP, COSMOSB_BUFFER_RING, COSMOSB_BUFFER_HEAP};
    for (int i = 0; i < FUZZ_BUF_BUFFERS; i++) {
        rc = cosmosb_buffer_create(g.owner, 65536, mode[i], &g.ids[i]);
        FUZZ_CHECK(rc == COSMOSB_OK, "buffer_create %d", rc);
    }
    rc = cosmosb_buffer_seal(g.owner, g.ids[2]);
    FUZZ_CHECK(rc == COSMOSB_OK, "buffer_seal %d", rc);
    cosmosb_arena_t *a = cosmosb_bufmgr_arena(g.owner);
    g.pool[0] = cosmosb_arena_meta_fd(a);
    g.pool[1] = cosmosb_arena_data_fd(a);
    for (int i = 0; i < FUZZ_BUF_BUFFERS; i++)
        g.pool[2 + i] = cosmosb_buffer_fd(g.owner, g.ids[i]);
    g.pool[5] = memfd_create("fuzz_unsealed", MFD_CLOEXEC); /* writable, size may change */
    FUZZ_CHECK(g.pool[5] >= 0 && ftruncate(g.pool[5], 65536) == 0, "memfd");
    g.pool[6] = sealed_memfd(100); /* size sealed, not a page multiple, writable */
    g.pool[7] = open("/dev/null", O_RDWR | O_CLOEXEC);
    int p[2];
    FUZZ_CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
    g.pool[8] = p[0]; /* p[1] stays open so reads of p[0] would block: a fd nobody should read */
    for (int i = 0; i < FUZZ_BUF_POOL; i++)
        FUZZ_CHECK(g.pool[i] >= 0, "pool fd %d", i);
    g.ready = 1;
}

static uint32_t pick_id(struct fuzz_input *in)
{
    uint8_t k = fuzz_u8(in);
    if (k < 0xf0)
        return g.ids[k % FUZZ_BUF_BUFFERS];
    return k == 0xff ? fuzz_u32(in) : k & 0xf;
}

static void write_frames(struct fuzz_input *in, int tx)
{
    int nframes = fuzz_u8(in) % FUZZ_BUF_FRAMES;
    for (int k = 0; k < nframes; k++) {
        uint8_t kind = fuzz_u8(in);
        int rc = 0;
        switch (kind % 6) {
        case 0:
            rc = cosmosb_bufmgr_share(g.owner, tx);
            break;
        case 1: {
            uint32_t ids[FUZZ_BUF_BUFFERS];
            uint32_t n = fuzz_u8(in) % (FUZZ_BUF_BUFFERS + 1);
            for (uint32_t i = 0; i < n; i++)
                ids[i] = g.ids[fuzz_u8(in) % FUZZ_BUF_BUFFERS];
            rc = cosmosb_bufmgr_share_some(g.owner, tx, ids, n);
            break;
        }
        case 2: { /* descriptors of the input's choice with a tag of its choice */
            int fds[4];
            uint32_t n = 1u + fuzz_u8(in) % 4u;
            for (uint32_t i = 0; i < n; i++)
                fds[i] = g.pool[fuzz_u8(in) % FUZZ_BUF_POOL];
            uint8_t t = fuzz_u8(in);
            uint32_t tag = t < 0x80 ? ARENA_SHARE_TAG : t < 0xf0 ? BUF_SHARE_TAG | (t & 0xf) : fuzz_u32(in);
            rc = cosmosb_fd_send(tx, fds, n, tag);
            break;
        }
        case 3: { /* raw bytes */
            uint8_t raw[64];
            size_t n = fuzz_bytes(in, raw, fuzz_u8(in) % sizeof raw);
            if (n && write(tx, raw, n) < 0)
                rc = COSMOSB_EIO;
            break;
        }
        case 4: { /* a count */
            uint32_t n = fuzz_u8(in) & 0x80 ? fuzz_u32(in) : fuzz_u8(in) % 10u;
            if (write(tx, &n, sizeof n) < 0)
                rc = COSMOSB_EIO;
            break;
        }
        default: { /* a list of ids */
            uint32_t ids[8];
            uint32_t n = fuzz_u8(in) % 8u;
            for (uint32_t i = 0; i < n; i++)
                ids[i] = pick_id(in);
            if (n && write(tx, ids, n * sizeof ids[0]) < 0)
                rc = COSMOSB_EIO;
            break;
        }
        }
        FUZZ_CHECK_RESULT(rc, "peer frame");
    }
}

static cosmosb_window_t forge_window(struct fuzz_input *in)
{
    cosmosb_window_t w;
    memset(&w, 0, sizeof w);
    w.buffer_id = pick_id(in);
    w.slice = fuzz_u8(in) & 1 ? fuzz_nasty_u32(in) : fuzz_u8(in);
    w.generation = fuzz_u8(in) & 1 ? fuzz_nasty_u32(in) : fuzz_u8(in);
    w.rights = fuzz_u8(in) & 0x80 ? fuzz_u32(in) : fuzz_u8(in) & 3u;
    w.offset = fuzz_u8(in) & 1 ? fuzz_u64(in) : fuzz_u16(in);
    w.length = fuzz_u8(in) & 1 ? fuzz_u64(in) : fuzz_u16(in);
    w.transfer = fuzz_u8(in) & 1 ? fuzz_u32(in) : 0;
    return w;
}

static void window_ops(struct fuzz_input *in, cosmosb_bufmgr_t *rx)
{
    cosmosb_window_t owned[4];
    int nowned = 0;
    uint32_t dest = cosmosb_arena_participant(cosmosb_bufmgr_arena(rx));
    for (int step = 0; step < FUZZ_BUF_OPS && fuzz_input_left(in); step++) {
        uint8_t op = fuzz_u8(in);
        cosmosb_window_t w;
        int honest = 0;
        if (op & 0x80 && nowned < 4) { /* the owner makes a window and gives it */
            void *p = NULL;
            uint32_t id = g.ids[fuzz_u8(in) % 2];
            uint64_t len = 1u + fuzz_u16(in) % 4096u;
            int rc = cosmosb_buffer_alloc(g.owner, id, len, &owned[nowned], &p);
            FUZZ_CHECK_RESULT(rc, "buffer_alloc");
            if (rc != COSMOSB_OK)
                continue;
            memset(p, 0x5a, (size_t)len);
            rc = cosmosb_window_give(g.owner, &owned[nowned], dest, &w);
            FUZZ_CHECK_RESULT(rc, "window_give");
            nowned++;
            if (rc != COSMOSB_OK)
                continue;
            honest = 1;
            uint8_t mangle = fuzz_u8(in);
            if (mangle & 1)
                w.offset += fuzz_u16(in);
            if (mangle & 2)
                w.length += fuzz_u16(in);
            if (mangle & 4)
                w.rights |= COSMOSB_WIN_WRITE;
            honest = !(mangle & 7);
        } else {
            w = forge_window(in);
        }
        const void *data = NULL;
        int rc = cosmosb_window_resolve(rx, &w, &data);
        FUZZ_CHECK_RESULT(rc, "window_resolve");
        if (rc == COSMOSB_OK && data && w.length) {
            volatile uint8_t sum = 0;
            for (uint64_t k = 0; k < w.length; k += 512)
                sum = (uint8_t)(sum + ((const uint8_t *)data)[k]);
            sum = (uint8_t)(sum + ((const uint8_t *)data)[w.length - 1]);
            (void)sum;
        }
        void *wdata = NULL;
        FUZZ_CHECK(cosmosb_window_resolve_writable(rx, &w, &wdata) != COSMOSB_OK, "a receiver got a writable window");
        FUZZ_CHECK_RESULT(cosmosb_bufmgr_check_window(rx, &w, fuzz_u8(in) & 3u), "check_window");
        switch (fuzz_u8(in) % 4) {
        case 0:
            rc = cosmosb_window_accept(rx, &w);
            FUZZ_CHECK_RESULT(rc, "window_accept");
            if (rc == COSMOSB_OK)
                FUZZ_CHECK_RESULT(cosmosb_window_release(rx, &w), "window_release");
            break;
        case 1:
            FUZZ_CHECK_RESULT(cosmosb_window_decline(rx, &w), "window_decline");
            break;
        case 2:
            FUZZ_CHECK_RESULT(cosmosb_window_release(rx, &w), "window_release (not held)");
            break;
        default: {
            cosmosb_buffer_stats_t st;
            FUZZ_CHECK_RESULT(cosmosb_buffer_stats(rx, w.buffer_id, &st), "buffer_stats");
            break;
        }
        }
        (void)honest;
    }
    /* The owner gives back what it made (declining what the receiver left is the receiver's close). */
    for (int i = nowned - 1; i >= 0; i--)
        FUZZ_CHECK_RESULT(cosmosb_window_release(g.owner, &owned[i]), "owner window_release");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in;
    fuzz_input_init(&in, data, size);
    global_setup();
    int fds_before = count_open_fds();
    int sv[2];
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
    write_frames(&in, sv[1]);
    shutdown(sv[1], SHUT_WR); /* every read the receiver makes ends */
    cosmosb_bufmgr_t *rx = NULL;
    cosmosb_peer_cred_t cred;
    int rc = cosmosb_bufmgr_attach_socket(sv[0], &rx, &cred);
    FUZZ_CHECK_RESULT(rc, "bufmgr_attach_socket");
    if (rc == COSMOSB_OK) {
        FUZZ_CHECK(rx != NULL, "attach gave no view");
        FUZZ_CHECK_RESULT(cosmosb_bufmgr_update_socket(rx, sv[0]), "bufmgr_update_socket");
        window_ops(&in, rx);
        cosmosb_bufmgr_close(rx);
    }
    close(sv[0]);
    close(sv[1]);
    /* transfers the receiver left undone go back to the owner */
    FUZZ_CHECK_RESULT(cosmosb_arena_reclaim(cosmosb_bufmgr_arena(g.owner)), "owner reclaim");
    int fds_after = count_open_fds();
    FUZZ_CHECK(fds_after == fds_before, "%d descriptors open after the input, %d before", fds_after, fds_before);
    return 0;
}

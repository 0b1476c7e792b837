/*
 * buffer_linux.c - memfd buffers for the buffer manager: creation and
 * sealing (F_SEAL_FUTURE_WRITE at once, F_SEAL_WRITE on request), sharing
 * by descriptor, read-only attach that refuses buffers the kernel would let
 * the receiver write, and reads straight into slices.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"
#include "core/buffer_internal.h"
#include "cosmosb/buffer_linux.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#define BUF_SHARE_TAG 0x42554600u /* "\0FUB" | count */
#define MAX_BUFFER_SIZE (1ull << 46)

struct host_buf {
    uint32_t id;
    int fd;
    void *map;      /* current mapping (read-write for the owner until it tries to seal) */
    uint64_t size;
    int readonly;   /* map is read-only (always, but for the owner's until cosmosb_buffer_seal) */
};

struct host_mgr {
    cosmosb_arena_t *arena; /* owned */
    int owner;
    uint32_t n;
    struct host_buf bufs[COSMOSB_BUFMGR_MAX_BUFFERS];
};

static struct host_mgr *host_of(const cosmosb_bufmgr_t *m)
{
    return m ? m->host : NULL;
}

static struct host_buf *host_buf(struct host_mgr *h, uint32_t id)
{
    for (uint32_t i = 0; i < h->n; i++)
        if (h->bufs[i].id == id)
            return &h->bufs[i];
    return NULL;
}

static int seal_check(cosmosb_bufmgr_t *m, uint32_t id);

static int wrap(cosmosb_arena_t *arena, uint32_t max_slices, int owner, cosmosb_bufmgr_t **out)
{
    size_t hs = cosmosb_bufmgr_handle_memsize(max_slices);
    struct host_mgr *h = calloc(1, sizeof *h);
    void *mem = hs ? malloc(hs) : NULL;
    cosmosb_bufmgr_t *m;
    int rc = (!h || !mem) ? COSMOSB_ENOMEM : cosmosb_bufmgr_open(mem, hs, arena, max_slices, &m);
    if (rc) {
        free(h);
        free(mem);
        return rc;
    }
    h->arena = arena;
    h->owner = owner;
    m->host = h;
    m->seal_check = seal_check;
    *out = m;
    return COSMOSB_OK;
}

int cosmosb_bufmgr_create(const cosmosb_arena_config_t *cfg, uint32_t max_slices, cosmosb_bufmgr_t **out)
{
    if (!out || max_slices == 0)
        return COSMOSB_EINVAL;
    cosmosb_arena_config_t def;
    if (!cfg) {
        cosmosb_arena_config_init(&def);
        def.data_size = 4u << 20;
        def.block_size = 16u << 10;
        cfg = &def;
    }
    cosmosb_arena_t *a;
    int rc = cosmosb_arena_create(cfg, &a);
    if (rc)
        return rc;
    /* Slice descriptors are written only by us: receivers map the arena's data read-only. */
    if ((rc = cosmosb_arena_seal(a)) != 0 || (rc = wrap(a, max_slices, 1, out)) != 0) {
        cosmosb_arena_close(a);
        return rc;
    }
    return COSMOSB_OK;
}

static uint64_t page_round(uint64_t v)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    return (v + page - 1) / page * page;
}

int cosmosb_buffer_create(cosmosb_bufmgr_t *m, uint64_t size, uint32_t mode, uint32_t *buffer_id)
{
    struct host_mgr *h = host_of(m);
    if (!h || !buffer_id || size == 0 || size > MAX_BUFFER_SIZE ||
        (mode != COSMOSB_BUFFER_RING && mode != COSMOSB_BUFFER_HEAP))
        return COSMOSB_EINVAL;
    if (!h->owner)
        return COSMOSB_EPERM;
    if (h->n >= COSMOSB_BUFMGR_MAX_BUFFERS)
        return COSMOSB_ENOMEM;
    size = page_round(size);
    if (!cosmosb__linux_mappable(size))
        return COSMOSB_ENOMEM;
    int rc, fd = memfd_create("cosmosb-buffer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return errno == EINVAL ? COSMOSB_ENOTSUP : cosmosb__linux_err(errno);
    void *map = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0) {
        rc = errno == EINVAL ? COSMOSB_ENOTSUP : cosmosb__linux_err(errno);
        goto fail;
    }
    map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        rc = cosmosb__linux_err(errno);
        goto fail;
    }
    /* Our mapping stays writable; every later one anywhere is read-only. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) != 0) {
        rc = errno == EINVAL ? COSMOSB_ENOTSUP : cosmosb__linux_err(errno);
        goto fail;
    }
    uint32_t id = 0;
    while (id == 0 || host_buf(h, id)) {
        if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
            id = (uint32_t)getpid() * 2654435761u + h->n + 1u;
    }
    if ((rc = cosmosb_bufmgr_add_buffer(m, id, map, map, size, mode, 0)) != 0)
        goto fail;
    h->bufs[h->n++] = (struct host_buf){id, fd, map, size, 0};
    *buffer_id = id;
    return COSMOSB_OK;
fail:
    if (map != MAP_FAILED)
        munmap(map, (size_t)size);
    close(fd);
    return rc;
}

/*
 * Replaces the view's mapping of b by a read-only one (flags: MAP_SHARED or MAP_PRIVATE, see below) at
 * the same address, so that pointers the owner resolved stay valid (they only lose the right to write).
 * Should the kernel refuse that (no memory for the new mapping), it is made anywhere; should that fail
 * too, the view has no mapping of b any more: its windows resolve to COSMOSB_EIO, releases still work.
 */
static int remap_readonly(cosmosb_bufmgr_t *m, uint32_t id, struct host_buf *b, int flags)
{
    void *ro = mmap(b->map, (size_t)b->size, PROT_READ, flags | MAP_FIXED, b->fd, 0);
    int rc = COSMOSB_OK;
    if (ro == MAP_FAILED) {
        rc = cosmosb__linux_err(errno);
        munmap(b->map, (size_t)b->size); /* whatever is left of it */
        ro = mmap(NULL, (size_t)b->size, PROT_READ, flags, b->fd, 0);
    }
    b->map = ro == MAP_FAILED ? NULL : ro;
    b->readonly = 1;
    (void)cosmosb__bufmgr_drop_writable(m, id, b->map);
    return b->map ? COSMOSB_OK : rc;
}

/*
 * Kernels without the Linux 6.7 change to seal accounting (mainline before
 * 6.7; Debian 12's before 6.1.153, which has it backported) count every
 * shared mapping of a file as writable, read-only ones included:
 * F_SEAL_WRITE fails with EBUSY while one exists, and once it is set no
 * shared mapping can be made, not even a read-only one. So the owner's
 * read-only view is made private for the seal (a private mapping that
 * nobody writes through reads the file's own pages), and receivers map a
 * buffer sealed that way privately when a shared mapping is refused
 * (map_received). Its bytes never change again, so a private mapping reads
 * exactly them. Once sealed, the owner's view becomes shared again where
 * the kernel allows it (then not even the owner can make it writable, as
 * for receivers). Where the seal fails, others may still write, and the
 * view goes back to a shared mapping, which sees their writes.
 */

/* After the seal: the view shared (and so never writable again) if the kernel maps sealed files shared
 * (a probe first: a MAP_FIXED refused after unmapping would lose the view), else left private. */
static void share_sealed_view(cosmosb_bufmgr_t *m, uint32_t id, struct host_buf *b)
{
    void *probe = mmap(NULL, (size_t)b->size, PROT_READ, MAP_SHARED, b->fd, 0);
    if (probe == MAP_FAILED)
        return;
    munmap(probe, (size_t)b->size);
    (void)remap_readonly(m, id, b, MAP_SHARED);
}
int cosmosb_buffer_seal(cosmosb_bufmgr_t *m, uint32_t id)
{
    struct host_mgr *h = host_of(m);
    if (!h)
        return COSMOSB_EINVAL;
    struct host_buf *b = host_buf(h, id);
    if (!b)
        return COSMOSB_ERANGE;
    int rc, seals = fcntl(b->fd, F_GET_SEALS);
    if (seals < 0)
        return cosmosb__linux_err(errno);
    if (seals & F_SEAL_WRITE) {
        /* Sealed already: by us, or by another holder of the file after our seal failed (our writable
         * mapping was gone then, or the kernel would have refused). Either way: sealed in our view too. */
        if (!b->readonly && (rc = remap_readonly(m, id, b, MAP_PRIVATE)) != 0)
            return rc;
        share_sealed_view(m, id, b);
        return cosmosb_bufmgr_mark_sealed(m, id, b->map);
    }
    /* Sealed against new seals (a receiver holding a descriptor of the same file can add F_SEAL_SEAL):
     * F_SEAL_WRITE can never come; refused before anything changes, the buffer stays writable. */
    if (seals & F_SEAL_SEAL)
        return COSMOSB_EPERM;
    /* F_SEAL_WRITE needs every writable mapping gone, ours too. It cannot be made again
     * (F_SEAL_FUTURE_WRITE), so from here on the buffer is read-only for us, sealed or not. */
    if ((rc = remap_readonly(m, id, b, MAP_PRIVATE)) != 0)
        return rc;
    if (fcntl(b->fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        /* Another writable mapping (a process forked while the buffer was writable; on kernels with the
         * old seal accounting any shared mapping, a receiver's too): not sealed, and windows from it say so; the caller may
         * try again once that mapping is gone. EPERM: a holder added F_SEAL_SEAL since our look above;
         * the buffer stays read-only for us, unsealed. Others may write it: back to a shared view (if
         * that fails, the private one stays: it reads the same pages until written, and we never write). */
        int err = errno;
        (void)remap_readonly(m, id, b, MAP_SHARED);
        return err == EBUSY ? COSMOSB_EBUSY : cosmosb__linux_err(err);
    }
    share_sealed_view(m, id, b);
    (void)cosmosb_bufmgr_mark_sealed(m, id, b->map);
    return COSMOSB_OK;
}

/* The view's seal_check: has the buffer been sealed since we mapped it? Then mark it so. */
static int seal_check(cosmosb_bufmgr_t *m, uint32_t id)
{
    struct host_mgr *h = host_of(m);
    struct host_buf *b = h ? host_buf(h, id) : NULL;
    if (!b)
        return 0;
    int seals = fcntl(b->fd, F_GET_SEALS);
    if (seals < 0 || !(seals & F_SEAL_WRITE))
        return 0;
    b->readonly = 1;
    return cosmosb_bufmgr_mark_sealed(m, id, b->map) == COSMOSB_OK;
}

static int write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? cosmosb__linux_err(errno) : COSMOSB_EIO;
        p += k;
        n -= (size_t)k;
    }
    return COSMOSB_OK;
}

/* n bytes from the peer's socket, every wait bounded by the call's deadline d; descriptors riding along
 * are closed without lingering (review 22: read() let the kernel close them in our thread). */
static int read_full(int sock, void *buf, size_t n, const struct cosmosb__linux_deadline *d)
{
    uint8_t *p = buf;
    while (n) {
        int rc = cosmosb__linux_deadline_wait(sock, d);
        if (rc)
            return rc;
        ssize_t k = cosmosb__linux_recv_bytes(sock, p, n, cosmosb__linux_deadline_flags(d), NULL);
        /* EAGAIN under a deadline: readable a moment ago, taken since (another reader): wait again */
        if (k < 0 && (errno == EINTR || (errno == EAGAIN && cosmosb__linux_deadline_flags(d))))
            continue;
        if (k <= 0)
            return k < 0 ? cosmosb__linux_err(errno) : COSMOSB_ECLOSED;
        p += k;
        n -= (size_t)k;
    }
    return COSMOSB_OK;
}

int cosmosb_bufmgr_share_some(cosmosb_bufmgr_t *m, int sock, const uint32_t *which, uint32_t n)
{
    struct host_mgr *h = host_of(m);
    if (!h || (n && !which) || n > COSMOSB_BUFMGR_MAX_BUFFERS)
        return COSMOSB_EINVAL;
    int fds[COSMOSB_BUFMGR_MAX_BUFFERS];
    uint32_t ids[COSMOSB_BUFMGR_MAX_BUFFERS + 1];
    ids[0] = n;
    for (uint32_t i = 0; i < n; i++) {
        struct host_buf *b = host_buf(h, which[i]);
        if (!b)
            return COSMOSB_ERANGE;
        fds[i] = b->fd;
        ids[i + 1] = b->id;
    }
    int rc = cosmosb_arena_share(h->arena, sock, 0);
    if (rc)
        return rc;
    /* Then the count, one message with the buffers' descriptors, and their ids, in the byte stream. */
    if ((rc = write_all(sock, ids, sizeof ids[0])) != 0 || n == 0)
        return rc;
    if ((rc = cosmosb_fd_send(sock, fds, n, BUF_SHARE_TAG | n)) != 0)
        return rc;
    return write_all(sock, ids + 1, (size_t)n * sizeof ids[0]);
}

int cosmosb_bufmgr_share(cosmosb_bufmgr_t *m, int sock)
{
    struct host_mgr *h = host_of(m);
    if (!h)
        return COSMOSB_EINVAL;
    uint32_t ids[COSMOSB_BUFMGR_MAX_BUFFERS];
    for (uint32_t i = 0; i < h->n; i++)
        ids[i] = h->bufs[i].id;
    return cosmosb_bufmgr_share_some(m, sock, ids, h->n);
}

/* Maps a received buffer read-only, after checking that the kernel protects it from our writes. */
static int map_received(cosmosb_bufmgr_t *m, struct host_mgr *h, int fd, uint32_t id)
{
    /* Seals first, size second: the size is final only once they are set (see cosmosb_region_attach). */
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW) ||
        !(seals & (F_SEAL_FUTURE_WRITE | F_SEAL_WRITE)))
        return COSMOSB_EBADF; /* its size could change, or we could write it */
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY)
        return COSMOSB_EBADF; /* we could not map it for reading (it was EPERM from mmap: review 21) */
    struct stat st;
    if (fstat(fd, &st) != 0)
        return errno == EOVERFLOW ? COSMOSB_ENOMEM : COSMOSB_EBADF; /* EOVERFLOW: too big for our off_t */
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 || !cosmosb__linux_is_tmpfs(fd))
        return COSMOSB_EBADF; /* tmpfs only: a hugetlbfs memfd can lose pages under us (SIGBUS) */
    uint64_t size = (uint64_t)st.st_size;
    if (size & (COSMOSB_SLICE_ALIGN - 1u))
        return COSMOSB_ECORRUPT;
    if (!cosmosb__linux_mappable(size))
        return COSMOSB_ENOMEM; /* a 64-bit owner's buffer of 4 GiB or more, say */
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0)
        return cosmosb__linux_err(errno);
    void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, dup, 0);
    if (map == MAP_FAILED && errno == EPERM && (seals & F_SEAL_WRITE))
        /* With the old seal accounting (see cosmosb_buffer_seal) a file sealed with F_SEAL_WRITE refuses
         * every shared mapping: its bytes never change, so a private read-only mapping reads exactly them. */
        map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, dup, 0);
    if (map == MAP_FAILED) {
        int rc = errno == EACCES ? COSMOSB_EBADF : cosmosb__linux_err(errno); /* as cosmosb_region_attach */
        close(dup);
        return rc;
    }
    int rc = cosmosb_bufmgr_add_buffer(m, id, map, NULL, size, COSMOSB_BUFFER_HEAP, (seals & F_SEAL_WRITE) != 0);
    if (rc) {
        munmap(map, (size_t)size);
        close(dup);
        return rc;
    }
    h->bufs[h->n++] = (struct host_buf){id, dup, map, size, 1};
    return COSMOSB_OK;
}

/* Receives the buffer part of a share: count, descriptors, ids; every read bounded by the call's deadline d. */
static int recv_buffers(cosmosb_bufmgr_t *m, struct host_mgr *h, int sock, const struct cosmosb__linux_deadline *d)
{
    uint32_t n;
    int rc = read_full(sock, &n, sizeof n, d);
    if (rc)
        return rc;
    if (n > COSMOSB_BUFMGR_MAX_BUFFERS)
        return COSMOSB_ECORRUPT;
    if (n == 0)
        return COSMOSB_OK;
    int fds[COSMOSB_BUFMGR_MAX_BUFFERS];
    uint32_t got = 0, tag = 0, ids[COSMOSB_BUFMGR_MAX_BUFFERS];
    if ((rc = cosmosb__linux_fd_recv(sock, fds, COSMOSB_BUFMGR_MAX_BUFFERS, &got, &tag, NULL, d)) != 0)
        return rc;
    if (got != n || tag != (BUF_SHARE_TAG | n))
        rc = COSMOSB_ECORRUPT;
    else
        rc = read_full(sock, ids, (size_t)n * sizeof ids[0], d);
    for (uint32_t i = 0; rc == COSMOSB_OK && i < n; i++) {
        if (ids[i] == 0) {
            rc = COSMOSB_ECORRUPT; /* no buffer has id 0: a bad share, not a bad argument of ours (review 21) */
            break;
        }
        if (host_buf(h, ids[i]))
            continue; /* known from an earlier share */
        if (h->n >= COSMOSB_BUFMGR_MAX_BUFFERS)
            rc = COSMOSB_ENOMEM;
        else
            rc = map_received(m, h, fds[i], ids[i]);
    }
    for (uint32_t i = 0; i < got; i++)
        cosmosb__linux_close_received(fds[i]); /* kept ones were duplicated by map_received */
    return rc;
}

int cosmosb_bufmgr_attach_socket(int sock, cosmosb_bufmgr_t **out, cosmosb_peer_cred_t *cred)
{
    if (!out)
        return COSMOSB_EINVAL;
    /* Up to 38 reads: the socket's SO_RCVTIMEO bounds all of them together, not each one (review 21). */
    struct cosmosb__linux_deadline d;
    cosmosb__linux_deadline_start(sock, &d);
    cosmosb_arena_t *a;
    int rc = cosmosb__linux_arena_attach_socket(sock, 0, &a, cred, &d);
    if (rc)
        return rc;
    cosmosb_bufmgr_t *m;
    if ((rc = wrap(a, 0, 0, &m)) != 0) {
        cosmosb_arena_close(a);
        return rc;
    }
    if ((rc = recv_buffers(m, host_of(m), sock, &d)) != 0) {
        cosmosb_bufmgr_close(m);
        return rc;
    }
    *out = m;
    return COSMOSB_OK;
}

int cosmosb_bufmgr_update_socket(cosmosb_bufmgr_t *m, int sock)
{
    struct host_mgr *h = host_of(m);
    if (!h)
        return COSMOSB_EINVAL;
    /* As cosmosb_bufmgr_attach_socket(): one deadline, the socket's SO_RCVTIMEO, for all the reads. */
    struct cosmosb__linux_deadline d;
    cosmosb__linux_deadline_start(sock, &d);
    /* The arena part again: its descriptors are the ones we have; drop them. */
    int fds[2];
    uint32_t n = 0, tag = 0;
    int rc = cosmosb__linux_fd_recv(sock, fds, 2, &n, &tag, NULL, &d);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < n; i++)
        cosmosb__linux_close_received(fds[i]);
    return recv_buffers(m, h, sock, &d);
}

int cosmosb_buffer_fd(const cosmosb_bufmgr_t *m, uint32_t id)
{
    struct host_mgr *h = host_of(m);
    struct host_buf *b = h ? host_buf(h, id) : NULL;
    return b ? b->fd : -1;
}

static int fill_window(cosmosb_bufmgr_t *m, const cosmosb_window_t *w, int fd, int sock_flags, int use_recv,
                       uint64_t *got)
{
    void *p;
    uint64_t done = 0;
    int rc = cosmosb_window_resolve_writable(m, w, &p);
    if (got)
        *got = 0;
    if (rc)
        return rc;
    while (done < w->length) {
        size_t want = (size_t)(w->length - done > (1u << 30) ? (1u << 30) : w->length - done);
        /* A socket's descriptors riding along the data are closed by us, without lingering (review 21). */
        int mflags = 0;
        ssize_t k = use_recv ? cosmosb__linux_recv_bytes(fd, (uint8_t *)p + done, want, sock_flags, &mflags)
                             : read(fd, (uint8_t *)p + done, want);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = cosmosb__linux_err(errno);
            break;
        }
        if (k == 0)
            break; /* end of file or stream (or a zero-length datagram: the same to us) */
        if ((uint64_t)k > want)
            k = (ssize_t)want; /* never count more than was stored (recv flags are checked, but be sure) */
        done += (uint64_t)k;
        if (mflags & MSG_TRUNC) {
            rc = COSMOSB_EMSGSIZE; /* a datagram longer than the room left: its tail is lost, say so */
            break;
        }
    }
    if (got)
        *got = done;
    return rc;
}

int cosmosb_buffer_read(cosmosb_bufmgr_t *m, const cosmosb_window_t *w, int fd, uint64_t *got)
{
    return fill_window(m, w, fd, 0, 0, got);
}

/* The recv flags that keep "bytes stored = bytes counted, each byte once": MSG_PEEK would store the same
 * bytes again and again, MSG_TRUNC would count a datagram's full length, MSG_OOB and MSG_ERRQUEUE read
 * something else (review 21). */
#define BUFFER_RECV_FLAGS (MSG_DONTWAIT | MSG_WAITALL | MSG_NOSIGNAL)

int cosmosb_buffer_recv(cosmosb_bufmgr_t *m, const cosmosb_window_t *w, int sock, int flags, uint64_t *got)
{
    if (flags & ~BUFFER_RECV_FLAGS) {
        if (got)
            *got = 0;
        return COSMOSB_EINVAL;
    }
    return fill_window(m, w, sock, flags, 1, got);
}

void cosmosb_bufmgr_close(cosmosb_bufmgr_t *m)
{
    struct host_mgr *h = host_of(m);
    if (!h) {
        return; /* a core view: its memory and arena are the caller's */
    }
    for (uint32_t i = 0; i < h->n; i++) {
        if (h->bufs[i].map)
            munmap(h->bufs[i].map, (size_t)h->bufs[i].size);
        close(h->bufs[i].fd);
    }
    m->magic = 0;
    cosmosb_arena_close(h->arena);
    free(h);
    free(m);
}

/*
 * pipe_linux.c - pipes in sealed memfd regions, with the Linux platform.
 *
 * One allocation per handle: the core handle (cosmosb_pipe_handle_memsize)
 * followed by the hosted state. The region fd (and the optional eventfd)
 * are the capability handed to producers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"

#define PIPE_SHARE_TAG 0x50424d43u /* "CMBP" */
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

static size_t align8(size_t v)
{
    return (v + 7u) & ~(size_t)7u;
}

static struct cosmosb__linux_pipe *host_of(const cosmosb_pipe_t *p)
{
    if (cosmosb__check(p, 0))
        return NULL;
    return (struct cosmosb__linux_pipe *)p->host;
}

static void *alloc_handle(size_t handle_size, struct cosmosb__linux_pipe **lp)
{
    size_t off = align8(handle_size);
    uint8_t *mem = calloc(1, off + sizeof(struct cosmosb__linux_pipe));
    if (!mem)
        return NULL;
    *lp = (struct cosmosb__linux_pipe *)(void *)(mem + off);
    (*lp)->event_fd = -1;
    (*lp)->live.lock_fd = -1;
    (*lp)->live.check_fd = -1;
    return mem;
}

int cosmosb_pipe_create(const cosmosb_pipe_config_t *cfg, cosmosb_pipe_t **out)
{
    uint64_t size;
    if (!out)
        return COSMOSB_EINVAL;
    int rc = cosmosb_pipe_memsize(cfg, &size);
    if (rc)
        return rc;
    size_t hsize = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, cfg->max_producers);
    struct cosmosb__linux_pipe *lp;
    void *mem = alloc_handle(hsize, &lp);
    if (!mem)
        return COSMOSB_ENOMEM;
    if ((rc = cosmosb_region_create("cosmosb-pipe", COSMOSB_REGION_PIPE, size, &lp->region)) != 0)
        goto fail;
    if (cfg->flags & COSMOSB_PIPE_EVENTFD) {
        lp->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (lp->event_fd < 0) {
            rc = cosmosb__linux_err(errno);
            goto fail;
        }
    }
    /* The liveness lock before the core publishes our id (consumer_id). */
    cosmosb_platform_t plat;
    cosmosb__linux_live_open(&lp->live, cosmosb_region_fd(lp->region));
    cosmosb__linux_live_platform(&lp->live, 0, &plat);
    cosmosb_pipe_t *p;
    rc = cosmosb_pipe_open_consumer(mem, hsize, cosmosb_region_payload(lp->region),
                                    cosmosb_region_payload_size(lp->region), cfg, &plat, lp, &p);
    if (rc)
        goto fail;
    p->host = lp;
    *out = p;
    return COSMOSB_OK;
fail:
    cosmosb__linux_live_close(&lp->live);
    if (lp->event_fd >= 0)
        close(lp->event_fd);
    cosmosb_region_close(lp->region);
    free(mem);
    return rc;
}

/*
 * Is fd an eventfd? Where /proc can be read its link says eventfd, and its
 * inode is anonymous (no file type bits: not a pipe, a socket, a device or a
 * file; other anonymous inodes, timerfd or signalfd, refuse a write with
 * EINVAL anyway: none raises SIGPIPE or blocks). The link first: it names the
 * file without asking its file system, while fstat() of a FUSE file asks the
 * FUSE server, which the peer may be and may never answer (review 21). And
 * /proc/thread-self: a thread with a descriptor table of its own
 * (unshare(CLONE_FILES)) finds its descriptor there, while /proc/self/fd is
 * the thread-group leader's table, where fd may be another file (as in
 * liveness.c). Where readlink is refused (no /proc, a seccomp profile: any
 * errno) only the fstat() check is left, and a FUSE file then can block it.
 */
static int is_eventfd(int fd)
{
    char path[64], link[64];
    int thread_self = access("/proc/thread-self/fd", F_OK) == 0;
    snprintf(path, sizeof path, "%s/%d", thread_self ? "/proc/thread-self/fd" : "/proc/self/fd", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n >= 0) {
        link[n] = '\0';
        if (strcmp(link, "anon_inode:[eventfd]") != 0)
            return 0;
    }
    /* An eventfd by its link (an anonymous inode: fstat cannot block), or readlink refused (no /proc, a
     * seccomp profile's EPERM, ENOSYS or ENOENT: review 15): the inode check alone, as before. A descriptor
     * that is not open fails fstat. */
    struct stat st;
    return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == 0;
}

int cosmosb_pipe_attach(int region_fd, int event_fd, cosmosb_pipe_t **out)
{
    if (!out)
        return COSMOSB_EINVAL;
    size_t hsize = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    struct cosmosb__linux_pipe *lp;
    void *mem = alloc_handle(hsize, &lp);
    if (!mem)
        return COSMOSB_ENOMEM;
    int rc = cosmosb_region_attach(region_fd, COSMOSB_REGION_PIPE, &lp->region);
    if (rc)
        goto fail;
    if (event_fd >= 0) {
        /* Only an eventfd: a producer writes to it, and a pipe or socket whose reader is gone would
         * kill it with SIGPIPE, a FUSE file could block it (Linux-layer audit). */
        if (!is_eventfd(event_fd)) {
            rc = COSMOSB_EBADF;
            goto fail;
        }
        lp->event_fd = fcntl(event_fd, F_DUPFD_CLOEXEC, 0);
        if (lp->event_fd < 0) {
            rc = errno == EBADF ? COSMOSB_EBADF : cosmosb__linux_err(errno);
            goto fail;
        }
    }
    /* The liveness lock before the core publishes our id (the owner word). */
    cosmosb_platform_t plat;
    cosmosb__linux_live_open(&lp->live, cosmosb_region_fd(lp->region));
    cosmosb__linux_live_platform(&lp->live, 0, &plat);
    cosmosb_pipe_t *p;
    rc = cosmosb_pipe_open_producer(mem, hsize, cosmosb_region_payload(lp->region),
                                    cosmosb_region_payload_size(lp->region), &plat, lp, &p);
    if (rc)
        goto fail;
    p->host = lp;
    *out = p;
    return COSMOSB_OK;
fail:
    cosmosb__linux_live_close(&lp->live);
    if (lp->event_fd >= 0)
        close(lp->event_fd);
    cosmosb_region_close(lp->region);
    free(mem);
    return rc;
}

int cosmosb_pipe_share(const cosmosb_pipe_t *p, int sock)
{
    struct cosmosb__linux_pipe *lp = host_of(p);
    if (!lp)
        return COSMOSB_EINVAL;
    int fds[2] = {cosmosb_region_fd(lp->region), lp->event_fd};
    return cosmosb_fd_send(sock, fds, lp->event_fd >= 0 ? 2u : 1u, PIPE_SHARE_TAG);
}

int cosmosb_pipe_attach_socket(int sock, cosmosb_pipe_t **out, cosmosb_peer_cred_t *cred)
{
    if (!out)
        return COSMOSB_EINVAL;
    int fds[2];
    uint32_t n = 0, tag = 0;
    int rc = cosmosb_fd_recv(sock, fds, 2, &n, &tag, cred);
    if (rc)
        return rc;
    if (tag != PIPE_SHARE_TAG)
        rc = COSMOSB_ECORRUPT;
    else
        rc = cosmosb_pipe_attach(fds[0], n > 1 ? fds[1] : -1, out);
    for (uint32_t i = 0; i < n; i++)
        cosmosb__linux_close_received(fds[i]); /* the handle holds its own duplicates */
    return rc;
}

int cosmosb_pipe_fd(const cosmosb_pipe_t *p)
{
    struct cosmosb__linux_pipe *lp = host_of(p);
    return lp ? cosmosb_region_fd(lp->region) : -1;
}

int cosmosb_pipe_eventfd(const cosmosb_pipe_t *p)
{
    struct cosmosb__linux_pipe *lp = host_of(p);
    return lp ? lp->event_fd : -1;
}

void cosmosb_pipe_close(cosmosb_pipe_t *p)
{
    struct cosmosb__linux_pipe *lp = host_of(p);
    if (!lp) {
        cosmosb_pipe_close_endpoint(p); /* a core handle: the memory is the caller's */
        return;
    }
    if (lp->waitset)
        (void)cosmosb_waitset_remove(lp->waitset, p); /* the set must not keep a pointer to freed memory */
    cosmosb_pipe_close_endpoint(p);
    cosmosb__linux_live_close(&lp->live); /* only now: until the close, peers must see us alive */
    if (lp->event_fd >= 0)
        close(lp->event_fd);
    cosmosb_region_close(lp->region);
    free(p);
}

/*
 * The consumer's eventfd shares its open file description with every producer that holds it, so a
 * producer can clear O_NONBLOCK and drain the counter between our poll and our read: a plain read would
 * then block for good (review 25). RWF_NOWAIT makes this one read non-blocking whatever the shared flag
 * says (eventfds honour it from Linux 5.12). Older kernels refuse the flag (EOPNOTSUPP) or preadv2
 * (ENOSYS); there only poll + read is left, with the race above between the two.
 */
int cosmosb_pipe_eventfd_drain(const cosmosb_pipe_t *p, uint64_t *count)
{
    struct cosmosb__linux_pipe *lp = host_of(p);
    if (!lp || lp->event_fd < 0)
        return COSMOSB_EINVAL;
    uint64_t v = 0;
    struct iovec iov = {.iov_base = &v, .iov_len = sizeof v};
    ssize_t n;
    do {
        n = preadv2(lp->event_fd, &iov, 1, -1, RWF_NOWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EOPNOTSUPP || errno == EINVAL || errno == ENOSYS)) {
        struct pollfd pfd = {.fd = lp->event_fd, .events = POLLIN, .revents = 0};
        int r;
        do {
            r = poll(&pfd, 1, 0);
        } while (r < 0 && errno == EINTR);
        if (r < 0)
            return cosmosb__linux_err(errno);
        if (r == 0 || !(pfd.revents & POLLIN))
            return COSMOSB_EAGAIN;
        do {
            n = read(lp->event_fd, &v, sizeof v);
        } while (n < 0 && errno == EINTR);
    }
    if (n < 0)
        return errno == EAGAIN ? COSMOSB_EAGAIN : cosmosb__linux_err(errno);
    if (n != (ssize_t)sizeof v)
        return COSMOSB_EIO;
    if (count)
        *count = v;
    return COSMOSB_OK;
}

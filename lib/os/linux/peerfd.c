/* peerfd.c - checks and cleanup for descriptors received from a peer; receiving from a peer's socket
 * (one deadline for a whole call). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"

/* statfs(2) f_type of tmpfs/shmem: plain memfds live there (linux/magic.h spells it TMPFS_MAGIC). */
#define PEERFD_TMPFS_MAGIC 0x01021994

int cosmosb__linux_is_tmpfs(int fd)
{
    struct statfs sfs;
    if (fstatfs(fd, &sfs) != 0)
        return 0;
    return sfs.f_type == PEERFD_TMPFS_MAGIC;
}

void cosmosb__linux_close_received(int fd)
{
    if (fd < 0)
        return;
    /* A socket with SO_LINGER {1, N} and unsent data makes its last close() wait up to N seconds. Linger
     * off, the close returns at once (the kernel still sends the queue in the background). On anything
     * but a socket this fails with ENOTSOCK and does nothing: no I/O, no file system asked. */
    struct linger off = {.l_onoff = 0, .l_linger = 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof off);
    (void)close(fd);
}

void cosmosb__linux_close_received_cmsgs(struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || (c->cmsg_type != SCM_RIGHTS && c->cmsg_type != COSMOSB__LINUX_SCM_PIDFD) ||
            c->cmsg_len < CMSG_LEN(0))
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            cosmosb__linux_close_received(fd);
        }
    }
}

ssize_t cosmosb__linux_recv_bytes(int sock, void *buf, size_t len, int flags, int *msg_flags)
{
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    union {
        char buf[COSMOSB__LINUX_CMSG_ROOM];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    ssize_t k = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
    if (k >= 0)
        cosmosb__linux_close_received_cmsgs(&msg);
    if (msg_flags)
        *msg_flags = k >= 0 ? msg.msg_flags : 0;
    return k;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail with a valid clock id and pointer */
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void cosmosb__linux_deadline_start(int sock, struct cosmosb__linux_deadline *d)
{
    d->active = 0;
    d->at_ns = 0;
    struct timeval tv;
    socklen_t len = sizeof tv;
    /* SO_RCVTIMEO is only read, never set: the user's value stays as it was, and no other thread using
     * the socket meanwhile sees another one. */
    if (getsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) != 0 || len != sizeof tv)
        return; /* not a socket, say: the first read reports it */
    if (tv.tv_sec <= 0 && tv.tv_usec <= 0)
        return; /* no timeout: every read blocks, as before */
    int fl = fcntl(sock, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK))
        return; /* non-blocking: every read returns at once, as before */
    /* 2^31 s (68 years) at most: the sum stays far below INT64_MAX (the kernel's own limit is lower) */
    int64_t sec = (int64_t)tv.tv_sec;
    if (sec > INT32_MAX)
        sec = INT32_MAX;
    d->at_ns = mono_ns() + sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
    d->active = 1;
}

int cosmosb__linux_deadline_wait(int sock, const struct cosmosb__linux_deadline *d)
{
    if (!d || !d->active)
        return COSMOSB_OK;
    for (;;) {
        int64_t left = d->at_ns - mono_ns();
        /* milliseconds rounded up (poll's unit): never wake before the deadline and find time left
         * but a timeout of 0; past it, 0 (bytes already queued are still taken) */
        int64_t ms = left <= 0 ? 0 : (left + 999999) / 1000000;
        struct pollfd p = {.fd = sock, .events = POLLIN, .revents = 0};
        int r = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
        if (r > 0)
            return COSMOSB_OK; /* readable, or hung up, or in error: the read says which */
        if (r < 0 && errno != EINTR)
            return cosmosb__linux_err(errno);
        if (r == 0 && ms == 0)
            return COSMOSB_EAGAIN; /* as a read timed out by SO_RCVTIMEO */
        /* interrupted, or woken at the deadline rounded up: look at the clock again */
    }
}

int cosmosb__linux_deadline_flags(const struct cosmosb__linux_deadline *d)
{
    return d && d->active ? MSG_DONTWAIT : 0;
}

/* peerfd.c - checks and cleanup for descriptors received from a peer. */
#include <string.h>
#include <sys/socket.h>
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

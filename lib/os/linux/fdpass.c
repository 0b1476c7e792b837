/*
 * fdpass.c - file descriptors over UNIX sockets (SCM_RIGHTS) and peer
 * credentials (SO_PEERCRED).
 *
 * Each message carries a 12-byte body {magic, tag, nfds} so that a receiver
 * can tell a libcosmosb descriptor message from anything else on the socket,
 * and the sender's credentials (SCM_CREDENTIALS, checked by the kernel), so
 * the receiver learns who sent this very message. SO_PEERCRED alone would
 * name whoever created the socket, which after socketpair()+fork() is the
 * parent on both ends.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"

#define FDPASS_SCM_PIDFD COSMOSB__LINUX_SCM_PIDFD

#define FDPASS_MAGIC 0x46424d43u /* "CMBF" */

struct fdpass_body {
    uint32_t magic;
    uint32_t tag;
    uint32_t nfds;
};

int cosmosb_fd_send(int sock, const int *fds, uint32_t nfds, uint32_t tag)
{
    if (sock < 0 || !fds || nfds == 0 || nfds > COSMOSB_FDPASS_MAX_FDS)
        return COSMOSB_EINVAL;
    struct fdpass_body body = {FDPASS_MAGIC, tag, nfds};
    struct iovec iov = {.iov_base = &body, .iov_len = sizeof body};
    union {
        char buf[CMSG_SPACE(sizeof(int) * COSMOSB_FDPASS_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = CMSG_SPACE(sizeof(int) * nfds) + CMSG_SPACE(sizeof(struct ucred))};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    c = CMSG_NXTHDR(&msg, c);
    struct ucred me = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof me);
    memcpy(CMSG_DATA(c), &me, sizeof me);
    ssize_t n;
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return cosmosb__linux_err(errno);
    return n == (ssize_t)sizeof body ? COSMOSB_OK : COSMOSB_EIO;
}

/* Descriptors we received and do not hand out: closed without lingering (cosmosb__linux_close_received). */
static void close_all(int *fds, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        cosmosb__linux_close_received(fds[i]);
}

int cosmosb_fd_recv(int sock, int *fds, uint32_t max_fds, uint32_t *nfds, uint32_t *tag, cosmosb_peer_cred_t *cred)
{
    return cosmosb__linux_fd_recv(sock, fds, max_fds, nfds, tag, cred, NULL);
}

int cosmosb__linux_fd_recv(int sock, int *fds, uint32_t max_fds, uint32_t *nfds, uint32_t *tag,
                           cosmosb_peer_cred_t *cred, const struct cosmosb__linux_deadline *d)
{
    if (sock < 0 || !fds || !nfds || max_fds == 0)
        return COSMOSB_EINVAL;
    *nfds = 0;
    struct fdpass_body body;
    struct iovec iov = {.iov_base = &body, .iov_len = sizeof body};
    union {
        /* the descriptors, the credentials, and a pidfd the kernel adds with SO_PASSPIDFD (without room
         * for it, 3 descriptors or more came back MSG_CTRUNC: review 15); room for as many descriptors as
         * one message can carry, so that the kernel never closes the excess itself (review 21) */
        char buf[COSMOSB__LINUX_CMSG_ROOM];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    int one = 1;
    (void)setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    struct ucred sender;
    int have_sender = 0;
    ssize_t n;
    int again;
    do {
        int rc = cosmosb__linux_deadline_wait(sock, d); /* the call's deadline, if it has one */
        if (rc)
            return rc;
        msg.msg_controllen = sizeof ctl.buf;
        msg.msg_flags = 0;
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | cosmosb__linux_deadline_flags(d));
        /* EAGAIN under a deadline: readable a moment ago, taken since (another reader): wait again */
        again = n < 0 && (errno == EINTR || (errno == EAGAIN && cosmosb__linux_deadline_flags(d)));
    } while (again);
    if (n < 0)
        return cosmosb__linux_err(errno);
    /* The control messages first, even when n == 0: a zero-length datagram or sequenced packet can carry
     * descriptors, which the kernel has installed already (review 21). */
    int got[COSMOSB_FDPASS_MAX_FDS];
    uint32_t ngot = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
            c->cmsg_len >= CMSG_LEN(sizeof sender)) {
            memcpy(&sender, CMSG_DATA(c), sizeof sender);
            have_sender = 1;
            continue;
        }
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == FDPASS_SCM_PIDFD && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            /* The kernel adds the sender's pidfd to every message when the application set
             * SO_PASSPIDFD on the socket (Linux 6.5): not ours to keep. */
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
            cosmosb__linux_close_received(fd);
            continue;
        }
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (ngot < COSMOSB_FDPASS_MAX_FDS)
                got[ngot++] = fd;
            else
                cosmosb__linux_close_received(fd);
        }
    }
    if (n == 0) {
        if (ngot == 0 && !(msg.msg_flags & MSG_CTRUNC))
            return COSMOSB_ECLOSED; /* end of stream (or an empty message without descriptors) */
        close_all(got, ngot);
        return COSMOSB_ECORRUPT; /* an empty message that carried descriptors: not ours, not the end */
    }
    if (msg.msg_flags & MSG_CTRUNC) {
        close_all(got, ngot);
        return COSMOSB_EMSGSIZE;
    }
    /* MSG_TRUNC: a datagram or packet longer than the body (its tail was dropped): not ours either. */
    if (n != (ssize_t)sizeof body || (msg.msg_flags & MSG_TRUNC) || body.magic != FDPASS_MAGIC ||
        body.nfds != ngot || ngot == 0) {
        close_all(got, ngot);
        return COSMOSB_ECORRUPT;
    }
    if (ngot > max_fds) {
        close_all(got, ngot);
        return COSMOSB_EMSGSIZE;
    }
    if (cred) {
        if (have_sender) {
            cred->pid = (int32_t)sender.pid;
            cred->uid = (uint32_t)sender.uid;
            cred->gid = (uint32_t)sender.gid;
        } else {
            int rc = cosmosb_peer_credentials(sock, cred);
            if (rc) {
                close_all(got, ngot);
                return rc;
            }
        }
    }
    memcpy(fds, got, sizeof(int) * ngot);
    *nfds = ngot;
    if (tag)
        *tag = body.tag;
    return COSMOSB_OK;
}

int cosmosb_peer_credentials(int sock, cosmosb_peer_cred_t *cred)
{
    if (!cred)
        return COSMOSB_EINVAL;
    if (sock < 0)
        return COSMOSB_EBADF;
    struct ucred uc;
    socklen_t len = sizeof uc;
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
        return cosmosb__linux_err(errno);
    cred->pid = (int32_t)uc.pid;
    cred->uid = (uint32_t)uc.uid;
    cred->gid = (uint32_t)uc.gid;
    return COSMOSB_OK;
}

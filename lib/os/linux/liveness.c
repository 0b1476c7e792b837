/*
 * liveness.c - liveness locks: a claim on a shared memfd that the kernel
 * holds for a participant exactly as long as its process can still use it.
 *
 * A pid alone says too little: a dead participant's pid may be taken by an
 * unrelated process, and a participant that called exec() has lost its
 * mappings while its pid lives on. Both looked alive until that process
 * exited. So each handle of this layer also takes a shared (read) lock on
 * byte `pid` of the memfd it uses, through an open file description of its
 * own (a reopen of /proc/self/fd/N, O_CLOEXEC): the kernel drops an open
 * file description's locks when its last descriptor is closed, which exit
 * and exec (O_CLOEXEC) do. Its id then carries COSMOSB__LINUX_ID_LOCKED, and
 * a peer is DEAD if its pid is dead (pidfd, as before; this also covers a
 * forked child that inherited the descriptor and outlives its parent) or if
 * nobody holds a lock on its byte (F_OFD_GETLK, through a descriptor that
 * holds no lock itself). An id without the flag (no /proc to reopen from, a
 * core handle on cosmosb_linux_platform(), an older library) is judged by
 * its pid alone, as before: the flag is the participant's own statement
 * that it holds the lock, so nobody is judged dead for lacking one it never
 * took. docs/arena.md and docs/pipe.md, "Liveness locks".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"

/* The lock on byte pid: a read lock, so that handles of one process (each with its own open file
 * description) all hold it at once. */
static struct flock byte_of(uint32_t pid, short type)
{
    struct flock l = {0};
    l.l_type = type;
    l.l_whence = SEEK_SET;
    l.l_start = (off_t)pid;
    l.l_len = 1;
    l.l_pid = 0; /* required for the F_OFD_* commands */
    return l;
}

void cosmosb__linux_live_open(struct cosmosb__linux_live *lv, int file_fd)
{
    lv->check_fd = file_fd;
    lv->lock_fd = -1;
    uint32_t pid = (uint32_t)getpid();
    lv->id = pid;
    if (pid == 0 || pid > COSMOSB__LINUX_ID_PID_MASK || file_fd < 0)
        return;
    char path[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", file_fd);
    /* A new open file description (a dup would share the one the peers got with SCM_RIGHTS, which
     * would then hold our lock for them too). Read-only: a read lock needs no more. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* no /proc (or no access): judged by the pid alone */
    struct flock l = byte_of(pid, F_RDLCK);
    if (fcntl(fd, F_OFD_SETLK, &l) != 0) {
        close(fd);
        return;
    }
    lv->lock_fd = fd;
    lv->id = pid | COSMOSB__LINUX_ID_LOCKED;
}

void cosmosb__linux_live_close(struct cosmosb__linux_live *lv)
{
    if (lv->lock_fd >= 0)
        close(lv->lock_fd); /* in a forked child, its copy only: the parent's lock stays */
    lv->lock_fd = -1;
}

static uint32_t live_self_id(void *ctx)
{
    return ((const struct cosmosb__linux_live *)ctx)->id;
}

static int live_peer_alive(void *ctx, uint32_t id)
{
    const struct cosmosb__linux_live *lv = ctx;
    int r = cosmosb_linux_platform()->peer_alive(NULL, id); /* the pid */
    if (r != COSMOSB_PEER_ALIVE || !(id & COSMOSB__LINUX_ID_LOCKED))
        return r;
    /* Asked through check_fd, which holds no lock (a look through the holder's own open file
     * description would not see that description's lock). */
    struct flock l = byte_of(id & COSMOSB__LINUX_ID_PID_MASK, F_WRLCK);
    if (fcntl(lv->check_fd, F_OFD_GETLK, &l) != 0)
        return COSMOSB_PEER_UNKNOWN;
    return l.l_type == F_UNLCK ? COSMOSB_PEER_DEAD : COSMOSB_PEER_ALIVE;
}

void cosmosb__linux_live_platform(struct cosmosb__linux_live *lv, cosmosb_platform_t *plat)
{
    *plat = *cosmosb_linux_platform();
    plat->ctx = lv;
    plat->self_id = live_self_id;
    plat->peer_alive = live_peer_alive;
}

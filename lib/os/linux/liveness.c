/*
 * liveness.c - liveness locks: a claim on a shared memfd that the kernel
 * holds for a participant exactly as long as its process can still use it.
 *
 * A pid alone says too little: a dead participant's pid may be taken by an
 * unrelated process, a participant that called exec() has lost its mappings
 * while its pid lives on, and a pid means nothing outside its own pid
 * namespace. So each handle of this layer also takes a shared (read) lock
 * through an open file description of its own (a reopen of
 * /proc/self/fd/N, O_CLOEXEC) on the byte at offset (pid << 32 | ns), ns
 * being its pid namespace's inode: the kernel drops an open file
 * description's locks when its last descriptor is closed, which exit and
 * exec (O_CLOEXEC) do. Its id then carries COSMOSB__LINUX_ID_LOCKED.
 *
 * The verdict on a flagged id (F_OFD_GETLK, through a descriptor that holds
 * no lock itself): a lock on the byte of our own namespace means a peer of
 * our namespace, whose pid then decides too (a forked child that inherited
 * the descriptor keeps the lock of a dead parent); a lock on a byte of the
 * same pid and another namespace means a live peer there (its pid cannot be
 * asked from here); no lock on any of them, DEAD. An id without the flag (no
 * /proc, a core handle on cosmosb_linux_platform(), an older library) is
 * judged by its pid alone, as before: the flag is the participant's own
 * statement that it holds the lock, so nobody is judged dead for lacking one
 * it never took. docs/liveness.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"

/* Lock offsets need 54 bits: a 32-bit build without _FILE_OFFSET_BITS=64 takes and reads no locks. */
#define LOCKS_FIT (sizeof(off_t) >= 8)

/* The tag of our pid namespace (the low 32 bits of its inode; they are 32-bit proc inode numbers), 0 if
 * /proc cannot tell. */
static uint32_t ns_tag(void)
{
    struct stat st;
    return stat("/proc/self/ns/pid", &st) == 0 ? (uint32_t)st.st_ino : 0u;
}

/* Bytes [pid << 32 | ns, + len): a read lock, so that the handles of one process (each with its own
 * open file description) all hold it at once. */
static struct flock range_of(uint32_t pid, uint32_t ns, uint64_t len, short type)
{
    struct flock l = {0};
    l.l_type = type;
    l.l_whence = SEEK_SET;
    l.l_start = (off_t)(((uint64_t)pid << 32) | ns);
    l.l_len = (off_t)len;
    l.l_pid = 0; /* required for the F_OFD_* commands */
    return l;
}

void cosmosb__linux_live_open(struct cosmosb__linux_live *lv, int file_fd)
{
    lv->check_fd = file_fd;
    lv->lock_fd = -1;
    lv->ns = ns_tag();
    uint32_t pid = (uint32_t)getpid();
    lv->id = pid;
    if (!LOCKS_FIT || pid == 0 || pid > COSMOSB__LINUX_ID_PID_MAX || file_fd < 0)
        return;
    char path[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", file_fd);
    /* A new open file description (a dup would share the one the peers got with SCM_RIGHTS, which
     * would then hold our lock for them too). Read-only: a read lock needs no more. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* no /proc, no access, no descriptor left: judged by the pid alone */
    struct flock l = range_of(pid, lv->ns, 1, F_RDLCK);
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

/* Is some lock held on the range? 1 yes, 0 no, -1 the question failed. */
static int locked(int fd, uint32_t pid, uint32_t ns, uint64_t len)
{
    struct flock l = range_of(pid, ns, len, F_WRLCK);
    if (fcntl(fd, F_OFD_GETLK, &l) != 0)
        return -1;
    return l.l_type != F_UNLCK;
}

static int live_peer_alive(void *ctx, uint32_t id)
{
    const struct cosmosb__linux_live *lv = ctx;
    if (!(id & COSMOSB__LINUX_ID_LOCKED) || !LOCKS_FIT)
        /* The pid alone, where it means something: never one of another namespace. */
        return lv->foreign ? COSMOSB_PEER_UNKNOWN : cosmosb_linux_platform()->peer_alive(NULL, id);
    uint32_t pid = id & COSMOSB__LINUX_ID_PID_MASK;
    if (pid == 0 || pid > COSMOSB__LINUX_ID_PID_MAX)
        return COSMOSB_PEER_UNKNOWN; /* not an id we make: a scribble */
    /* Asked through check_fd, which holds no lock (a look through the holder's own open file
     * description would not see that description's lock). */
    int same = locked(lv->check_fd, pid, lv->ns, 1);
    if (same < 0)
        return COSMOSB_PEER_UNKNOWN;
    if (same) {
        /* A peer of our namespace, or a forked child holding a copy of its lock: the pid tells. With
         * no namespace tag (no /proc/self/ns) we cannot be sure the pid is one of ours: alive. */
        return lv->ns ? cosmosb_linux_platform()->peer_alive(NULL, pid) : COSMOSB_PEER_ALIVE;
    }
    /* Any lock of that pid number, whatever the namespace: a live peer in another one. */
    int any = locked(lv->check_fd, pid, 0, (uint64_t)1 << 32);
    if (any < 0)
        return COSMOSB_PEER_UNKNOWN;
    return any ? COSMOSB_PEER_ALIVE : COSMOSB_PEER_DEAD;
}

void cosmosb__linux_live_platform(struct cosmosb__linux_live *lv, int foreign, cosmosb_platform_t *plat)
{
    lv->foreign = foreign;
    *plat = *cosmosb_linux_platform();
    plat->ctx = lv;
    plat->self_id = live_self_id;
    plat->peer_alive = live_peer_alive;
}

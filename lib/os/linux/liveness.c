/*
 * liveness.c - liveness locks: a claim on a shared memfd that the kernel
 * holds for a participant exactly as long as its process can still use it.
 *
 * A pid alone says too little: a dead participant's pid may be taken by
 * another process, a participant that called exec() has lost its mappings
 * while its pid lives on, and a pid means nothing outside its own pid
 * namespace. So each handle of this layer also takes a shared (read) lock
 * through an open file description of its own (a reopen of
 * /proc/thread-self/fd/N, O_CLOEXEC) on the byte at (tag << 54 | pid << 32 |
 * ns): tag is 8 random bits of the handle's, ns its pid namespace's inode.
 * The kernel drops an open file description's locks when its last
 * descriptor is closed, which exit and exec (O_CLOEXEC) do. Its id is then
 * pid | tag << 22 | COSMOSB__LINUX_ID_LOCKED.
 *
 * The verdict on a flagged id (F_OFD_GETLK, through a descriptor that holds
 * no lock itself): a lock on the byte of our own namespace means a peer of
 * our namespace, whose pid then decides too (a forked child that inherited
 * the descriptor keeps the lock of a dead parent), unless that pid is dead
 * and another namespace holds a lock of the same tag and pid; a lock of the
 * same tag and pid in another namespace means a live peer there (its pid
 * cannot be asked from here); no lock, DEAD. An id without the flag (no
 * /proc, a core handle on cosmosb_linux_platform(), an older library) is
 * judged by its pid alone, as before: the flag is the participant's own
 * statement that it holds the lock, so nobody is judged dead for lacking one
 * it never took. docs/liveness.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"

/* Lock offsets need 62 bits: a 32-bit build without _FILE_OFFSET_BITS=64 takes and reads no locks. */
#define LOCKS_FIT (sizeof(off_t) >= 8)
#define SPAN ((uint64_t)1 << 32) /* the bytes of one (tag, pid): one per namespace */

/* The tag of our pid namespace (the low 32 bits of its inode; they are 32-bit proc inode numbers), 0 if
 * /proc cannot tell. */
static uint32_t ns_tag(void)
{
    struct stat st;
    if (stat("/proc/self/ns/pid", &st) != 0)
        return 0u;
    /* Wider numbers would alias once cut to 32 bits: none then (review 18). A shift, not a compare:
     * ino_t is 32 bits in some builds. */
    uint64_t ino = (uint64_t)st.st_ino;
    return (ino >> 16 >> 16) ? 0u : (uint32_t)ino;
}

/* A handle's random tag: two handles with one pid number (pid 1 of two containers, a dead
 * participant's pid reused by another one) lock different bytes, 255 times in 256. */
static uint32_t handle_tag(const void *salt)
{
    uint8_t t = 0;
    if (getrandom(&t, sizeof t, GRND_NONBLOCK) != (ssize_t)sizeof t) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t = (uint8_t)((uint64_t)ts.tv_nsec ^ ((uint64_t)(uintptr_t)salt >> 4));
    }
    return t;
}

/* The first byte of (tag, pid): bytes [base, base + SPAN) are that pair's, one per namespace. */
static uint64_t base_of(uint32_t tag, uint32_t pid)
{
    return ((uint64_t)tag << 54) | ((uint64_t)pid << 32);
}

static struct flock range_of(uint64_t start, uint64_t len, short type)
{
    struct flock l = {0};
    l.l_type = type;
    l.l_whence = SEEK_SET;
    l.l_start = (off_t)start;
    l.l_len = (off_t)len;
    l.l_pid = 0; /* required for the F_OFD_* commands */
    return l;
}

/* Is some lock held on [start, start + len) (seen through fd, which holds none)? 1 yes, 0 no, -1 the
 * question failed. */
static int locked(int fd, uint64_t start, uint64_t len)
{
    if (len == 0)
        return 0;
    struct flock l = range_of(start, len, F_WRLCK);
    if (fcntl(fd, F_OFD_GETLK, &l) != 0)
        return -1;
    return l.l_type != F_UNLCK;
}

/* Is fd the file (dev, ino)? */
static int same_file(int fd, uint64_t dev, uint64_t ino)
{
    struct stat st;
    return fstat(fd, &st) == 0 && (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino;
}

/*
 * A new open file description of the file behind file_fd, or -1. /proc/thread-self first: a thread
 * with a descriptor table of its own (unshare(CLONE_FILES)) finds its descriptor there, while
 * /proc/self/fd names the thread-group leader's table, where N may be another file (review 17). The
 * result is checked to be the same file either way.
 */
static int reopen(int file_fd, uint64_t dev, uint64_t ino)
{
    static const char *const dirs[2] = {"/proc/thread-self/fd", "/proc/self/fd"};
    for (int i = 0; i < 2; i++) {
        char path[48];
        snprintf(path, sizeof path, "%s/%d", dirs[i], file_fd);
        /* A new open file description (a dup would share the one the peers got with SCM_RIGHTS, which
         * would then hold our lock for them too). Read-only: a read lock needs no more. */
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (same_file(fd, dev, ino))
            return fd;
        close(fd);
    }
    return -1;
}

void cosmosb__linux_live_open(struct cosmosb__linux_live *lv, int file_fd)
{
    lv->check_fd = file_fd;
    lv->lock_fd = -1;
    lv->check_dev = lv->check_ino = 0;
    lv->ns = ns_tag();
    uint32_t pid = (uint32_t)getpid();
    lv->id = pid;
    struct stat st;
    if (file_fd < 0 || fstat(file_fd, &st) != 0)
        return; /* and DEAD is never answered through it (dead_unless_moved) */
    lv->check_dev = (uint64_t)st.st_dev;
    lv->check_ino = (uint64_t)st.st_ino;
    if (!LOCKS_FIT || pid == 0 || pid >= COSMOSB__LINUX_ID_PID_LIMIT)
        return;
    int fd = reopen(file_fd, lv->check_dev, lv->check_ino);
    if (fd < 0)
        return; /* no /proc, no access, no descriptor left: judged by the pid alone */
    /* A byte nobody holds yet (another handle of ours with the same tag, or a hostile lock over it:
     * then another tag), so that what is seen there afterwards is our lock. */
    for (int attempt = 0; attempt < 4; attempt++) {
        uint32_t tag = handle_tag(lv);
        uint64_t at = base_of(tag, pid) | lv->ns;
        if (locked(file_fd, at, 1) != 0)
            continue;
        struct flock l = range_of(at, 1, F_RDLCK), q = range_of(at, 1, F_WRLCK);
        /* Seen from check_fd, as what it is (a read lock of an open file description: l_pid -1), or it
         * is no lock to anybody: only then may our id say so. An emulation or a seccomp filter that
         * answers 0 and does nothing leaves q as it was (review 18: the flag was set with no lock, and
         * every peer took the live handle for dead). */
        if (fcntl(fd, F_OFD_SETLK, &l) != 0 || fcntl(file_fd, F_OFD_GETLK, &q) != 0 || q.l_type != F_RDLCK ||
            q.l_pid != -1)
            break;
        lv->lock_fd = fd;
        lv->id = pid | (tag << COSMOSB__LINUX_ID_TAG_SHIFT) | COSMOSB__LINUX_ID_LOCKED;
        return;
    }
    close(fd);
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

/*
 * A DEAD verdict, if check_fd is still the memfd we asked about. An application that closed it (a
 * closefrom() it should not have made) may have another file under that number now, where no lock is
 * ever found: without this look it took every live peer for dead (review 18).
 */
static int dead_unless_moved(const struct cosmosb__linux_live *lv)
{
    if (!same_file(lv->check_fd, lv->check_dev, lv->check_ino))
        return COSMOSB_PEER_UNKNOWN;
    return COSMOSB_PEER_DEAD;
}

static int live_peer_alive(void *ctx, uint32_t id)
{
    const struct cosmosb__linux_live *lv = ctx;
    if (!(id & COSMOSB__LINUX_ID_LOCKED) || !LOCKS_FIT)
        /* The pid alone, where it means something: never one of another namespace. */
        return lv->foreign ? COSMOSB_PEER_UNKNOWN : cosmosb_linux_platform()->peer_alive(NULL, id);
    uint32_t pid = id & COSMOSB__LINUX_ID_PID_MASK;
    uint32_t tag = (id >> COSMOSB__LINUX_ID_TAG_SHIFT) & COSMOSB__LINUX_ID_TAG_MASK;
    if (pid == 0)
        return COSMOSB_PEER_UNKNOWN; /* not an id we make: a scribble */
    /* Asked through check_fd, which holds no lock (a look through the holder's own open file
     * description would not see that description's lock). */
    uint64_t base = base_of(tag, pid), mine = base | lv->ns;
    int same = locked(lv->check_fd, mine, 1);
    if (same < 0)
        return COSMOSB_PEER_UNKNOWN;
    if (same) {
        /* A peer of our namespace, or a forked child holding a copy of its lock: the pid tells. With
         * no namespace tag (no /proc/self/ns) we cannot be sure the pid is one of ours: alive. */
        int r = lv->ns ? cosmosb_linux_platform()->peer_alive(NULL, pid) : COSMOSB_PEER_ALIVE;
        if (r != COSMOSB_PEER_DEAD)
            return r;
        /* Dead here: the lock is a leftover (a forked child's, or a hostile one's), but a peer of
         * another namespace with the same tag and pid may be the one asked about: look there too
         * (review 17: a live peer in a container was reaped). */
        int below = locked(lv->check_fd, base, mine - base);
        int above = locked(lv->check_fd, mine + 1, base + SPAN - mine - 1);
        if (below < 0 || above < 0)
            return COSMOSB_PEER_UNKNOWN;
        return below || above ? COSMOSB_PEER_ALIVE : dead_unless_moved(lv);
    }
    /* Any lock of that tag and pid, whatever the namespace: a live peer in another one. */
    int any = locked(lv->check_fd, base, SPAN);
    if (any < 0)
        return COSMOSB_PEER_UNKNOWN;
    return any ? COSMOSB_PEER_ALIVE : dead_unless_moved(lv);
}

void cosmosb__linux_live_platform(struct cosmosb__linux_live *lv, int foreign, cosmosb_platform_t *plat)
{
    lv->foreign = foreign;
    *plat = *cosmosb_linux_platform();
    plat->ctx = lv;
    plat->self_id = live_self_id;
    plat->peer_alive = live_peer_alive;
}

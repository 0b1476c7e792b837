/* linux_internal.h - shared helpers of the hosted Linux layer (never in lib/core). */
#ifndef COSMOSB_LINUX_INTERNAL_H
#define COSMOSB_LINUX_INTERNAL_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "cosmosb/cosmosb.h"
#include "core/pipe_internal.h"

/* errno -> COSMOSB_E*: the one place where host errors are translated. */
int cosmosb__linux_err(int errno_value);

/* Whether this process can size and map an object of size bytes: mmap takes
 * a size_t, ftruncate an off_t, and a cast to either would silently truncate
 * a larger 64-bit size (4 GiB and more in a 32-bit process, 2 GiB without a
 * 64-bit off_t) while the full size is recorded and trusted. Sizes that fail
 * this are COSMOSB_ENOMEM: this process cannot hold that much. */
_Static_assert(sizeof(off_t) <= sizeof(uint64_t), "off_t fits in 64 bits");
static inline int cosmosb__linux_mappable(uint64_t size)
{
    const uint64_t off_max = ((uint64_t)1 << (sizeof(off_t) * CHAR_BIT - 1)) - 1u;
    return size <= SIZE_MAX && size <= off_max;
}

/* Whether fd is a file of tmpfs (shmem), where plain memfds live. A memfd_create(MFD_HUGETLB) file
 * lives on hugetlbfs instead: its holder can punch holes in it whatever its seals say (fallocate
 * PUNCH_HOLE needs no write seal there) and the huge page pool can run dry, so its mappings can
 * fault with SIGBUS although the size is sealed. Attaches refuse anything else (COSMOSB_EBADF). */
int cosmosb__linux_is_tmpfs(int fd);

/* Closes a descriptor received from a peer that we do not keep (every error path, and the originals
 * an attach has duplicated). A socket the peer chose could carry SO_LINGER {1, N} and a full send queue,
 * and its last close() would then block N seconds whatever SO_RCVTIMEO says: linger is switched off
 * first (ENOTSOCK on anything else, ignored). A FUSE file's flush on close cannot be bounded this way. */
void cosmosb__linux_close_received(int fd);
/* SCM_PIDFD (Linux 6.5), spelled out for older headers. */
#ifdef SCM_PIDFD
#define COSMOSB__LINUX_SCM_PIDFD SCM_PIDFD
#else
#define COSMOSB__LINUX_SCM_PIDFD 0x04
#endif
/* Room for the control data of any one message: SCM_MAX_FD (253) descriptors, credentials, a pidfd and
 * some more. A smaller buffer makes the kernel close the descriptors that do not fit itself, in our
 * context, with the lingering wait above. */
#define COSMOSB__LINUX_CMSG_ROOM 4096u
/* Closes, as cosmosb__linux_close_received(), every descriptor (SCM_RIGHTS, SCM_PIDFD) in msg's control data. */
struct msghdr;
void cosmosb__linux_close_received_cmsgs(struct msghdr *msg);
/* recvmsg of up to len bytes from a peer's socket, with room for the descriptors that may ride along:
 * they are closed here, without lingering (else the kernel closes them in our thread, and a lingering
 * socket's close waits). recvmsg's result and errno; *msg_flags (if not NULL) its msg_flags. */
ssize_t cosmosb__linux_recv_bytes(int sock, void *buf, size_t len, int flags, int *msg_flags);

/* One deadline for a whole call that reads a socket several times (cosmosb_bufmgr_attach_socket: up to
 * 38 reads). SO_RCVTIMEO bounds one read: a peer sending a byte just before each timeout would stretch
 * the call to 38 timeouts (review 21). The deadline is the call's start plus the socket's SO_RCVTIMEO;
 * each read first waits (poll) at most the time left, then reads with MSG_DONTWAIT. The socket's options
 * are never changed. Inactive (every read blocks as the socket says) when SO_RCVTIMEO is 0 (no timeout),
 * when it cannot be read (not a socket: the read reports that), or when the socket is O_NONBLOCK (each
 * read returns at once as before). */
struct cosmosb__linux_deadline {
    int active;
    int64_t at_ns; /* CLOCK_MONOTONIC */
};
void cosmosb__linux_deadline_start(int sock, struct cosmosb__linux_deadline *d);
/* Waits until sock is readable (or hung up, or in error: the read says which) or the deadline passes
 * (COSMOSB_EAGAIN, as a timed-out read); COSMOSB_OK at once if d is NULL or inactive. Past the deadline,
 * bytes already queued are still taken (a wait of 0): only waiting is refused. */
int cosmosb__linux_deadline_wait(int sock, const struct cosmosb__linux_deadline *d);
/* The recv flags a read under d adds: MSG_DONTWAIT if active (the wait came first), else 0. */
int cosmosb__linux_deadline_flags(const struct cosmosb__linux_deadline *d);
/* cosmosb_fd_recv() with every wait bounded by d (NULL: as cosmosb_fd_recv). */
int cosmosb__linux_fd_recv(int sock, int *fds, uint32_t max_fds, uint32_t *nfds, uint32_t *tag,
                           cosmosb_peer_cred_t *cred, const struct cosmosb__linux_deadline *d);
/* cosmosb_arena_attach_socket() with its read bounded by d (NULL: as cosmosb_arena_attach_socket). */
int cosmosb__linux_arena_attach_socket(int sock, uint32_t flags, cosmosb_arena_t **out, cosmosb_peer_cred_t *cred,
                                       const struct cosmosb__linux_deadline *d);

/* Liveness locks (liveness.c): an id with the LOCKED bit holds a read lock on byte (tag << 54 | pid << 32
 * | its pid namespace's inode) of the shared memfd, taken through an open file description of its own;
 * the id is pid | tag << 22 | LOCKED (pids stay below PID_MAX_LIMIT, 2^22). */
#define COSMOSB__LINUX_ID_LOCKED 0x40000000u
#define COSMOSB__LINUX_ID_PID_MASK 0x3fffffu
#define COSMOSB__LINUX_ID_PID_LIMIT 0x400000u
#define COSMOSB__LINUX_ID_TAG_SHIFT 22u
#define COSMOSB__LINUX_ID_TAG_MASK 0xffu
struct cosmosb__linux_live {
    int check_fd;  /* a descriptor of the memfd that holds no lock (not owned): liveness is asked through it */
    int lock_fd;   /* our own open file description, holding our lock; -1: none */
    uint32_t id;   /* what self_id gives: the pid, with its tag and ID_LOCKED if lock_fd holds the lock */
    uint32_t ns;   /* our pid namespace's tag (0: unknown) */
    uint64_t check_dev, check_ino; /* the memfd check_fd was at the open (0: unknown, never DEAD) */
    int foreign;   /* ids without the flag are pids of another namespace: never judged */
};
/* Takes our lock on the memfd file_fd (which stays open while lv is used). Never fails: without
 * /proc or a lock, lv->id is the plain pid, judged as before. */
void cosmosb__linux_live_open(struct cosmosb__linux_live *lv, int file_fd);
/* Drops the lock (after the participant has left: until then peers must see it alive). */
void cosmosb__linux_live_close(struct cosmosb__linux_live *lv);
/* The Linux platform with self_id and peer_alive of lv (lv must outlive every copy of *plat);
 * foreign: plain pids in shared memory are another namespace's (docs/liveness.md). */
void cosmosb__linux_live_platform(struct cosmosb__linux_live *lv, int foreign, cosmosb_platform_t *plat);

/* Hosted state hung off a pipe handle (cosmosb_pipe.host). */
struct cosmosb__linux_pipe {
    cosmosb_region_t *region;
    int event_fd;
    struct cosmosb__linux_live live; /* this endpoint's liveness lock on the region's memfd */
    cosmosb_waitset_t *waitset;      /* the one wait set this consumer is in (NULL: none); close removes it */
};

#endif

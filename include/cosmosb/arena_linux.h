/**
 * @file arena_linux.h
 * @brief Arenas on Linux: two sealed memfds, data read-only for receivers, passed as descriptors.
 *
 * cosmosb_arena_create() makes the meta and data areas as memfds sealed
 * against shrinking and growing (no peer can truncate them and SIGBUS the
 * others; attaches take plain tmpfs memfds only, since a memfd_create(MFD_HUGETLB)
 * file can lose pages under a sealed size: holes punched, the huge page pool
 * dry), maps both, formats the arena and joins it as participant 0, a
 * writer. Writers are the creator and processes forked from it (they keep
 * its writable mapping: cosmosb_arena_fork_join()), plus, before sealing,
 * processes given the arena with ::COSMOSB_ARENA_SHARE_WRITABLE.
 * cosmosb_arena_seal() then adds `F_SEAL_FUTURE_WRITE` to data: from then on
 * the kernel refuses every new writable mapping of it, so a receiver that
 * got the descriptors (cosmosb_arena_share(), cosmosb_arena_attach_socket())
 * maps data read-only and can neither write a frozen object nor obtain a
 * writable mapping. Liveness comes from pidfds plus a liveness lock each
 * participant holds on the meta memfd, which the kernel drops when the
 * process exits or calls exec() (docs/liveness.md; closing descriptors a
 * handle opened, as a closefrom() would, makes it look dead too); dead
 * participants are reaped by cosmosb_arena_poll() and automatically when an
 * allocation finds the arena full. Pids mean something only inside
 * one pid namespace, liveness locks in any: a process in another pid
 * namespace than the arena's creator is judged by its lock, and judges the
 * others by theirs; one that cannot take the lock joins without an id (it
 * is never reaped by a poll, only by cosmosb_arena_reap(), and its polls
 * reap nobody by liveness).
 *
 * @par Concurrency
 * As arena.h: one thread per handle. Create, attach, fork_join and close
 * touch no shared state of other handles except the arena itself.
 */
#ifndef COSMOSB_ARENA_LINUX_H
#define COSMOSB_ARENA_LINUX_H

#include "cosmosb/arena.h"
#include "cosmosb/fdpass.h"

COSMOSB_BEGIN_DECLS

/** @brief cosmosb_arena_share() flag: the peer may join as a writer (only before cosmosb_arena_seal()). */
#define COSMOSB_ARENA_SHARE_WRITABLE 0x1u

/**
 * @brief Creates an arena in two new sealed memfds and joins it as a writer.
 * @param[in] cfg the geometry (cosmosb_arena_config_init() for the defaults).
 * @param[out] out the creator's handle (participant 0).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (bad configuration); ::COSMOSB_ENOMEM (no memory, or an area
 *         larger than this process can map: 4 GiB or more in a 32-bit process, 2 GiB if the library
 *         was built without a 64-bit `off_t`); ::COSMOSB_ENOTSUP (no memfd sealing); ::COSMOSB_EIO.
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_arena_create(const cosmosb_arena_config_t *cfg, cosmosb_arena_t **out);

/**
 * @brief Seals the data area against new writable mappings (F_SEAL_FUTURE_WRITE).
 *
 * Existing writable mappings (this process, processes forked from it, writers
 * attached before) keep working; every later attach maps data read-only and
 * cannot change that.
 * @param[in] arena a handle created by cosmosb_arena_create() (or a fork of it).
 * @return ::COSMOSB_OK (also if already sealed); ::COSMOSB_EINVAL;
 *         ::COSMOSB_ENOTSUP if the kernel lacks F_SEAL_FUTURE_WRITE (Linux < 5.1); ::COSMOSB_EIO.
 * @par Concurrency: thread-safe with respect to other handles.
 */
COSMOSB_API int cosmosb_arena_seal(cosmosb_arena_t *arena);

/**
 * @brief Sends the arena's descriptors over a connected UNIX socket.
 * @param[in] arena a hosted handle.
 * @param[in] sock connected AF_UNIX socket.
 * @param[in] flags 0 (the arena must be sealed: the peer will only read) or ::COSMOSB_ARENA_SHARE_WRITABLE
 *            (the arena must not be sealed yet: the peer may write).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ESTATE if the seal state does not match @p flags;
 *         the errors of cosmosb_fd_send().
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_arena_share(cosmosb_arena_t *arena, int sock, uint32_t flags);

/**
 * @brief Receives an arena sent by cosmosb_arena_share() and joins it.
 *
 * Validates both descriptors (sealed memfds whose sizes agree with the
 * meta header) before trusting anything. Data is mapped writable only if
 * @p flags has ::COSMOSB_ARENA_WRITER and the kernel allows it (not sealed).
 * Blocks until a whole message has arrived (it reads a blocking socket; a
 * peer that sends part of a message and stops keeps the call waiting). To
 * bound the wait, set SO_RCVTIMEO on the socket: the call then returns
 * ::COSMOSB_EAGAIN, and a socket that timed out part way through a message
 * is out of step and must be closed. This call reads the socket once, so
 * SO_RCVTIMEO bounds the whole call (cosmosb_bufmgr_attach_socket(), which
 * reads it many times, bounds all its reads together by SO_RCVTIMEO too).
 * Descriptors received and not kept are closed as cosmosb_fd_recv() says: a peer's
 * lingering socket cannot hold the call, a FUSE file's flush on close can (unbounded).
 * @param[in] sock connected AF_UNIX socket.
 * @param[in] flags 0 (receive-only) or ::COSMOSB_ARENA_WRITER.
 * @param[out] out the new handle.
 * @param[out] cred kernel-checked credentials of the sender (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_ECORRUPT (not an arena message, bad header);
 *         ::COSMOSB_EBADF (not sealed memfds, or not tmpfs ones: hugetlb memfds are refused); ::COSMOSB_EPERM (writer asked, data sealed; or a
 *         meta memfd sealed against writes); ::COSMOSB_EAGAIN (SO_RCVTIMEO expired);
 *         ::COSMOSB_ENOMEM (no memory, or an area larger than this process can map, as in
 *         cosmosb_arena_create(): a 64-bit creator's arena of 4 GiB or more sent to a 32-bit process);
 *         the errors of cosmosb_arena_join() and cosmosb_fd_recv().
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_arena_attach_socket(int sock, uint32_t flags, cosmosb_arena_t **out,
                                            cosmosb_peer_cred_t *cred);

/**
 * @brief Joins an arena from its two descriptors (inherited, or received by other means).
 * @param[in] meta_fd the meta memfd (duplicated; the caller keeps its own).
 * @param[in] data_fd the data memfd (duplicated).
 * @param[in] flags 0 or ::COSMOSB_ARENA_WRITER.
 * @param[out] out the new handle.
 * @return as cosmosb_arena_attach_socket().
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_arena_attach_fds(int meta_fd, int data_fd, uint32_t flags, cosmosb_arena_t **out);

/**
 * @brief In a child process after fork(): joins the inherited arena as a new participant.
 *
 * The child keeps the parent's mappings (a writer stays a writer even after
 * cosmosb_arena_seal()) and gets its own participant slot and private
 * state. The parent's handle must not be used in the child (close it with
 * cosmosb_arena_forget() there, or just never touch it).
 * @param[in] parent the parent's handle, as inherited.
 * @param[out] out the child's handle.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ENOMEM; ::COSMOSB_EBUSY (no free participant slot).
 * @par Concurrency: call in the child, before any other use of the arena there.
 */
COSMOSB_API int cosmosb_arena_fork_join(const cosmosb_arena_t *parent, cosmosb_arena_t **out);

/**
 * @brief In a child after fork(): frees the inherited copy of the parent's handle without leaving.
 *
 * Unmaps nothing that the child's own handles use (mappings are shared and
 * reference counted between handles of one process).
 * @param[in] arena the inherited parent handle (NULL: nothing).
 * @par Concurrency: one thread.
 */
COSMOSB_API void cosmosb_arena_forget(cosmosb_arena_t *arena);

/**
 * @brief Leaves the arena (cosmosb_arena_leave()), unmaps it and closes its descriptors.
 * @param[in] arena a hosted handle, or a core handle (then only cosmosb_arena_leave()); NULL: nothing.
 * @par Concurrency: one thread; no other call on the handle.
 */
COSMOSB_API void cosmosb_arena_close(cosmosb_arena_t *arena);

/**
 * @brief The meta area's descriptor (owned by the handle; do not close).
 * @param[in] arena a hosted handle.
 * @return The descriptor, or -1 for a core handle or NULL.
 * @par Concurrency: any thread.
 */
COSMOSB_API int cosmosb_arena_meta_fd(const cosmosb_arena_t *arena);

/**
 * @brief The data area's descriptor (owned by the handle; do not close).
 * @param[in] arena a hosted handle.
 * @return The descriptor, or -1 for a core handle or NULL.
 * @par Concurrency: any thread.
 */
COSMOSB_API int cosmosb_arena_data_fd(const cosmosb_arena_t *arena);

COSMOSB_END_DECLS

#endif /* COSMOSB_ARENA_LINUX_H */

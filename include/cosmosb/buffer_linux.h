/**
 * @file buffer_linux.h
 * @brief Buffer managers on Linux: memfd buffers the kernel keeps read-only for receivers, I/O straight into slices.
 *
 * cosmosb_bufmgr_create() makes the manager's arena (for slice objects,
 * sealed at once so receivers map it read-only) and becomes its owner.
 * cosmosb_buffer_create() adds a memfd buffer: sized (sparse until touched),
 * sealed against shrinking and growing, mapped writable by the owner, then
 * sealed with `F_SEAL_FUTURE_WRITE`: every later mapping, in any process, is
 * read-only, and `write(2)`, `mprotect` or reopening through /proc cannot
 * change that. cosmosb_buffer_seal() goes further for data that must never
 * change again: the owner drops its writable mapping and adds `F_SEAL_WRITE`;
 * from then on nobody, the owner included, can change the bytes, and windows
 * on it carry ::COSMOSB_WIN_SEALED.
 *
 * Receivers get the arena and the buffers by descriptor
 * (cosmosb_bufmgr_share() / cosmosb_bufmgr_attach_socket()); a buffer that
 * is not kernel-protected against their writes is refused.
 *
 * @par Concurrency
 * As buffer.h: one thread per view.
 */
#ifndef COSMOSB_BUFFER_LINUX_H
#define COSMOSB_BUFFER_LINUX_H

#include "cosmosb/buffer.h"
#include "cosmosb/arena_linux.h"

COSMOSB_BEGIN_DECLS

/**
 * @brief Creates a buffer manager: its arena (for slice objects) and the owner's view.
 * @param[in] cfg the arena's geometry (NULL: 4 MiB of 16 KiB blocks, 256 objects each, 32 participants, 1024 transfers).
 * @param[in] max_slices slices the owner may have outstanding at once (1 .. 2^20).
 * @param[out] out the owner's view.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ENOMEM; errors of cosmosb_arena_create() and cosmosb_arena_seal().
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_bufmgr_create(const cosmosb_arena_config_t *cfg, uint32_t max_slices, cosmosb_bufmgr_t **out);

/**
 * @brief Adds a new memfd buffer to the owner's manager.
 * @param[in] mgr the owner's view (from cosmosb_bufmgr_create()).
 * @param[in] size bytes (rounded up to a page; up to 2^46).
 * @param[in] mode ::COSMOSB_BUFFER_RING or ::COSMOSB_BUFFER_HEAP.
 * @param[out] buffer_id its identifier (random, not 0).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_EPERM (not the owner's view);
 *         ::COSMOSB_ENOMEM (no memory, ::COSMOSB_BUFMGR_MAX_BUFFERS already, or @p size larger than this
 *         process can map: 4 GiB or more in a 32-bit process, 2 GiB if the library was built without a
 *         64-bit `off_t`); ::COSMOSB_ENOTSUP (no sealing).
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_buffer_create(cosmosb_bufmgr_t *mgr, uint64_t size, uint32_t mode, uint32_t *buffer_id);

/**
 * @brief Makes a buffer immutable forever (F_SEAL_WRITE): the owner's writable mapping is dropped first.
 *
 * The owner's mapping is replaced by a read-only one at the same address,
 * so pointers it resolved stay valid for reading. On kernels without the
 * Linux 6.7 change to seal accounting (docs/buffers.md, "Limits") every
 * shared mapping counts as writable, so a receiver that mapped the buffer
 * before the seal makes it fail with ::COSMOSB_EBUSY there: seal before
 * sharing (receivers that map a sealed buffer later get a private
 * read-only mapping on such kernels).
 *
 * Slices already allocated stay valid (read-only); no new slice can be
 * allocated in it; windows given from it carry ::COSMOSB_WIN_SEALED.
 * Receivers that mapped it before learn of the seal from the first such
 * window. Calling it again on a sealed buffer returns ::COSMOSB_OK.
 * @param[in] mgr the owner's view.
 * @param[in] buffer_id the buffer.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE (unknown buffer);
 *         ::COSMOSB_EBUSY if another writable mapping of it exists (a process forked while it was
 *         writable), or if a receiver pinned pages of its read-only mapping (vmsplice(2) into a
 *         pipe it keeps full: the kernel cannot tell pinned pages from pages being written): the
 *         owner's writable mapping is gone already and cannot come back, so the buffer is read-only
 *         for the owner (cosmosb_buffer_alloc() gives ::COSMOSB_EPERM) but not sealed, and windows
 *         from it do not claim it, until the mapping or the pin is gone (a hostile receiver can keep
 *         it until it exits); call again then. Seal before sharing to leave receivers no such hold;
 *         ::COSMOSB_EPERM if the buffer can never be sealed (a holder of one of its descriptors added
 *         F_SEAL_SEAL): nothing changed, it stays writable (unless the seal was added while this call
 *         ran: then it is read-only for the owner, as after ::COSMOSB_EBUSY); ::COSMOSB_EIO.
 * @par Concurrency: one thread per view; receivers keep reading meanwhile.
 */
COSMOSB_API int cosmosb_buffer_seal(cosmosb_bufmgr_t *mgr, uint32_t buffer_id);

/**
 * @brief Sends the manager (its arena, then every buffer with its id) over a connected UNIX socket.
 *
 * Call it again after creating more buffers; the peer receives those with cosmosb_bufmgr_update_socket().
 * @param[in] mgr a hosted view.
 * @param[in] sock connected AF_UNIX stream socket.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; errors of cosmosb_arena_share() and cosmosb_fd_send().
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_bufmgr_share(cosmosb_bufmgr_t *mgr, int sock);

/**
 * @brief Like cosmosb_bufmgr_share(), but sends only the listed buffers.
 *
 * Windows restrict what a receiver resolves, not what its mapping could read:
 * a receiver that must not see some bytes at all (a packet's payload, say)
 * should not get the buffer holding them. Put such bytes in another buffer
 * (header split) and share only the buffers each receiver needs.
 * @param[in] mgr a hosted view.
 * @param[in] sock connected AF_UNIX stream socket.
 * @param[in] ids the buffers to send (each known to @p mgr).
 * @param[in] n how many (0 .. ::COSMOSB_BUFMGR_MAX_BUFFERS).
 * @return as cosmosb_bufmgr_share(), plus ::COSMOSB_ERANGE for an unknown id.
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_bufmgr_share_some(cosmosb_bufmgr_t *mgr, int sock, const uint32_t *ids, uint32_t n);

/**
 * @brief Receives a manager sent by cosmosb_bufmgr_share() and joins it as a receive-only participant.
 *
 * Blocks until the whole share (several messages) has arrived; a peer that
 * sends part of it and stops keeps the call waiting. To bound the wait, set
 * SO_RCVTIMEO on the socket: it bounds the whole call, not each of its reads
 * (a share takes up to 38: the arena message, the 4-byte count, the
 * descriptors, up to 8 ids of 4 bytes). The call reads SO_RCVTIMEO when it
 * starts, and every read waits (poll(2)) at most the time left until then;
 * a peer that trickles its share one byte at a time cannot stretch it (review
 * 21: it took 5.6 s with a 0.2 s SO_RCVTIMEO and one byte every 150 ms). Past
 * that deadline the call returns ::COSMOSB_EAGAIN, and the socket, out of
 * step part way through a share, must be closed. The socket's options are
 * never changed. SO_RCVTIMEO 0 (the default): no deadline, the call blocks
 * as long as the share takes. A socket with O_NONBLOCK is read as before:
 * ::COSMOSB_EAGAIN as soon as a read would wait.
 * Descriptors received and not kept are closed as cosmosb_fd_recv() says: a peer's
 * lingering socket cannot hold the call, a FUSE file's flush on close can (unbounded).
 * @param[in] sock connected AF_UNIX stream socket.
 * @param[out] out the receiver's view.
 * @param[out] cred kernel-checked credentials of the sender (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_ECORRUPT (unexpected messages, a buffer id 0 among them);
 *         ::COSMOSB_EBADF (a buffer that is not a sealed tmpfs memfd (hugetlb memfds are refused),
 *         that the kernel would let this process write, or whose descriptor cannot be mapped for
 *         reading: opened O_WRONLY); ::COSMOSB_ENOMEM (no
 *         memory, or a buffer larger than this process can map, as in cosmosb_buffer_create(): a 64-bit
 *         owner's buffer of 4 GiB or more sent to a 32-bit process); errors of cosmosb_arena_attach_socket().
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_bufmgr_attach_socket(int sock, cosmosb_bufmgr_t **out, cosmosb_peer_cred_t *cred);

/**
 * @brief Receives the buffers of a later cosmosb_bufmgr_share() (ones already known are skipped).
 *
 * Blocks as cosmosb_bufmgr_attach_socket() does: SO_RCVTIMEO bounds the whole call.
 * @param[in] mgr the receiver's view.
 * @param[in] sock the socket.
 * @return as cosmosb_bufmgr_attach_socket().
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_bufmgr_update_socket(cosmosb_bufmgr_t *mgr, int sock);

/**
 * @brief The descriptor of a buffer (owned by the view; do not close).
 * @param[in] mgr a hosted view.
 * @param[in] buffer_id the buffer.
 * @return The descriptor, or -1.
 * @par Concurrency: any thread.
 */
COSMOSB_API int cosmosb_buffer_fd(const cosmosb_bufmgr_t *mgr, uint32_t buffer_id);

/**
 * @brief Reads from a file descriptor straight into a writable window (no intermediate copy).
 *
 * Calls read(2) until the window is full or the descriptor reports end of
 * file; a short count means end of file.
 * @param[in] mgr the owner's view.
 * @param[in] window a window with the WRITE right.
 * @param[in] fd the descriptor (file, pipe, socket).
 * @param[out] got bytes read (may be NULL).
 * @return ::COSMOSB_OK; errors of cosmosb_window_resolve_writable(); ::COSMOSB_EAGAIN (non-blocking
 *         descriptor with nothing yet; `*got` says what was read); errno translated.
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_buffer_read(cosmosb_bufmgr_t *mgr, const cosmosb_window_t *window, int fd, uint64_t *got);

/**
 * @brief Receives from a socket straight into a writable window (recv(2) with @p flags, until full or end of stream).
 *
 * On a datagram or sequenced-packet socket each datagram goes after the
 * previous one; a datagram longer than the room left is cut by the kernel,
 * and the call stops there with ::COSMOSB_EMSGSIZE. A zero-length datagram
 * reads as end of stream (recv(2) returns 0 for both): the call stops there
 * with ::COSMOSB_OK and a short `*got`, and the datagrams after it stay
 * queued for the next call. Descriptors that ride
 * along the data (SCM_RIGHTS) are closed at once, as cosmosb_fd_recv()
 * closes those it refuses.
 * @param[in] mgr the owner's view.
 * @param[in] window a window with the WRITE right.
 * @param[in] sock the socket.
 * @param[in] flags 0 or recv(2) flags among MSG_DONTWAIT, MSG_WAITALL and MSG_NOSIGNAL; any other
 *            (MSG_PEEK would store the same bytes again and again, MSG_TRUNC would count a
 *            datagram's full length rather than what was stored, MSG_OOB, MSG_ERRQUEUE) is
 *            ::COSMOSB_EINVAL, before anything is read.
 * @param[out] got bytes received (may be NULL), the kept part of a cut datagram included; never
 *             more than the window's length.
 * @return as cosmosb_buffer_read(); ::COSMOSB_EINVAL (a flag not listed above);
 *         ::COSMOSB_EMSGSIZE (a datagram was cut: its tail is lost).
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_buffer_recv(cosmosb_bufmgr_t *mgr, const cosmosb_window_t *window, int sock, int flags,
                                    uint64_t *got);

/**
 * @brief Closes a hosted view: leaves the arena (its slice references go), unmaps the buffers, closes descriptors.
 * @param[in] mgr the view (NULL: nothing).
 * @par Concurrency: one thread; no other call on the view.
 */
COSMOSB_API void cosmosb_bufmgr_close(cosmosb_bufmgr_t *mgr);

COSMOSB_END_DECLS

#endif /* COSMOSB_BUFFER_LINUX_H */

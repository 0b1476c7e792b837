/**
 * @file fdpass.h
 * @brief Passing file descriptors between processes over UNIX sockets (Linux).
 *
 * Capabilities (regions, pipes, eventfds) travel as file descriptors with
 * SCM_RIGHTS. The receiving side learns who sent them from the kernel
 * (SCM_CREDENTIALS attached to each message, or SO_PEERCRED for the socket),
 * never from the message body.
 *
 * @par Concurrency
 * Each call is thread-safe; concurrent calls on one socket interleave
 * whole messages as the kernel does.
 */
#ifndef COSMOSB_FDPASS_H
#define COSMOSB_FDPASS_H

#include "cosmosb/defs.h"

COSMOSB_BEGIN_DECLS

/** @brief Most descriptors one cosmosb_fd_send() can carry. */
#define COSMOSB_FDPASS_MAX_FDS 8u

/** @brief Credentials of the process at the other end of a UNIX socket. */
typedef struct cosmosb_peer_cred {
    int32_t pid; /**< process id (in the receiver's pid namespace) */
    uint32_t uid; /**< user id */
    uint32_t gid; /**< group id */
} cosmosb_peer_cred_t;

/**
 * @brief Sends descriptors and a small tag over a connected UNIX socket.
 * @param[in] sock connected AF_UNIX socket (stream or seqpacket).
 * @param[in] fds descriptors to send (they stay open here).
 * @param[in] nfds how many, 1..COSMOSB_FDPASS_MAX_FDS.
 * @param[in] tag 32-bit value delivered with them (for the application's use).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_EBADF if a descriptor is bad;
 *         ::COSMOSB_ECLOSED if the peer is gone; ::COSMOSB_EIO.
 * @par Concurrency: thread-safe. Blocks until the kernel accepts the message.
 */
COSMOSB_API int cosmosb_fd_send(int sock, const int *fds, uint32_t nfds, uint32_t tag);

/**
 * @brief Receives descriptors sent with cosmosb_fd_send().
 * @param[in] sock connected AF_UNIX socket.
 * @param[out] fds array of @p max_fds entries; receives new descriptors (close-on-exec).
 * @param[in] max_fds its size.
 * @param[out] nfds how many were received.
 * @param[out] tag the sender's tag (may be NULL).
 * @param[out] cred credentials of the process that sent this message, as checked
 *             by the kernel (SCM_CREDENTIALS; SO_PEERCRED if absent); may be NULL.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ECLOSED on end of stream (or an
 *         empty datagram without descriptors); ::COSMOSB_ECORRUPT if the message is not a
 *         cosmosb fd message, an empty datagram that carried descriptors included (any
 *         descriptors it carried are closed); ::COSMOSB_EMSGSIZE if more
 *         descriptors arrived than fit (all are closed); ::COSMOSB_EIO.
 *
 * Descriptors it does not hand out (a refused message, ones beyond what fits) are closed
 * with lingering switched off first, so a peer's socket with SO_LINGER and a full send
 * queue cannot hold the call in close(). A FUSE file's flush on close is answered by its
 * FUSE server, which may be the peer: that close cannot be bounded, and neither can the
 * call. On success the descriptors are handed out as received.
 * @par Concurrency: thread-safe. Blocks until a message arrives.
 */
COSMOSB_API int cosmosb_fd_recv(int sock, int *fds, uint32_t max_fds, uint32_t *nfds,
                                uint32_t *tag, cosmosb_peer_cred_t *cred);

/**
 * @brief Reads the credentials of the peer of a connected UNIX socket (SO_PEERCRED).
 * @param[in] sock the socket.
 * @param[out] cred filled in.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_EBADF; ::COSMOSB_EIO.
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_peer_credentials(int sock, cosmosb_peer_cred_t *cred);

COSMOSB_END_DECLS

#endif /* COSMOSB_FDPASS_H */

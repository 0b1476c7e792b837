/**
 * @file pipe_linux.h
 * @brief Pipes in memfd regions, with futex sleeping, pidfd liveness and eventfd (Linux).
 *
 * The receiver creates a pipe (it is the pipe's owner) and hands it to chosen
 * senders as file descriptors: by inheritance across fork()/exec(), or over a
 * UNIX socket with cosmosb_pipe_share() / cosmosb_pipe_attach_socket(). The
 * descriptors are the capability: whoever holds them may send, nobody else can
 * find the pipe. All send/receive operations of pipe.h apply to the handles
 * made here.
 *
 * A handle belongs to the process that opened it: its identity (pid) is
 * what the peer checks for liveness, together with a liveness lock the
 * handle holds on the region's memfd until it is closed, which the kernel
 * drops when the process exits or calls exec() (docs/liveness.md: a peer
 * that exec'd, or whose pid was reused, is found dead; closing descriptors
 * a handle opened, as a closefrom() would, makes it look dead too). After
 * fork(), the child must attach its own handle (cosmosb_pipe_attach() on the
 * inherited descriptor) rather than use the parent's.
 *
 * @par Concurrency
 * Create, attach and close are thread-safe with respect to other handles;
 * a handle itself follows the rules in pipe.h.
 */
#ifndef COSMOSB_PIPE_LINUX_H
#define COSMOSB_PIPE_LINUX_H

#include "cosmosb/defs.h"
#include "cosmosb/pipe.h"
#include "cosmosb/fdpass.h"

COSMOSB_BEGIN_DECLS

/**
 * @brief Creates a pipe in a new sealed memfd region and opens its consumer end.
 * @param[in] cfg geometry (see cosmosb_pipe_config_init()).
 * @param[out] out the consumer handle; close it with cosmosb_pipe_close().
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL for a bad config; ::COSMOSB_ENOMEM; ::COSMOSB_EIO.
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_pipe_create(const cosmosb_pipe_config_t *cfg, cosmosb_pipe_t **out);

/**
 * @brief Attaches as a producer to a pipe given by its descriptors.
 *
 * @p region_fd is validated as in cosmosb_region_attach(), then the pipe header
 * as in cosmosb_pipe_open_producer(). Both descriptors are duplicated; the caller
 * keeps its own.
 *
 * @param[in] region_fd the pipe's region (from cosmosb_pipe_fd() in the creator).
 * @param[in] event_fd the pipe's eventfd (cosmosb_pipe_eventfd()), or -1 if it has none (or
 *            if the consumer is not trusted: docs/pipe.md, "Notification and hostile peers").
 *            Only an eventfd is taken: the producer writes to it, and another kind of file
 *            (a pipe or socket whose reader is gone) could kill it with SIGPIPE. It is
 *            recognised by its /proc/thread-self/fd link before anything asks its file
 *            system (an fstat() of a FUSE file the peer serves could block for good); in a
 *            process without /proc only fstat() is left, and that protection with it.
 * @param[out] out the producer handle; close it with cosmosb_pipe_close().
 * @return ::COSMOSB_OK; ::COSMOSB_EBADF (also for an @p event_fd that is not an eventfd);
 *         ::COSMOSB_EPERM (a region memfd sealed against writes); ::COSMOSB_ECORRUPT; ::COSMOSB_EVERSION;
 *         ::COSMOSB_EBUSY if all producer slots are taken; ::COSMOSB_ECLOSED;
 *         ::COSMOSB_EINVAL; ::COSMOSB_ENOMEM; ::COSMOSB_EIO.
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_pipe_attach(int region_fd, int event_fd, cosmosb_pipe_t **out);

/**
 * @brief Sends the pipe's descriptors to another process over a UNIX socket.
 * @param[in] pipe the consumer handle (or any handle of the pipe).
 * @param[in] sock connected AF_UNIX socket.
 * @return as cosmosb_fd_send(); ::COSMOSB_EINVAL for NULL.
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_pipe_share(const cosmosb_pipe_t *pipe, int sock);

/**
 * @brief Receives a pipe's descriptors from a UNIX socket and attaches as a producer.
 *
 * Blocks until the message has arrived (set SO_RCVTIMEO on the socket to bound
 * the wait: ::COSMOSB_EAGAIN; this call reads the socket once, so SO_RCVTIMEO
 * bounds the whole call). Takes the pipe's eventfd if one was sent; a
 * producer that does not trust the consumer receives the descriptors with
 * cosmosb_fd_recv() instead and calls cosmosb_pipe_attach() with -1.
 * Descriptors received and not kept are closed as cosmosb_fd_recv() says: a peer's
 * lingering socket cannot hold the call, a FUSE file's flush on close can (unbounded).
 * @param[in] sock connected AF_UNIX socket.
 * @param[out] out the producer handle.
 * @param[out] cred credentials of the process that sent the pipe (may be NULL);
 *             check them before trusting the pipe's consumer.
 * @return as cosmosb_fd_recv() and cosmosb_pipe_attach().
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_pipe_attach_socket(int sock, cosmosb_pipe_t **out, cosmosb_peer_cred_t *cred);

/**
 * @brief The pipe's region descriptor (owned by the handle).
 * @param[in] pipe a handle made by this layer.
 * @return The fd, or -1 for NULL or a handle from the core API.
 * @par Concurrency: any thread.
 */
COSMOSB_API int cosmosb_pipe_fd(const cosmosb_pipe_t *pipe);

/**
 * @brief The pipe's eventfd (owned by the handle), if created with ::COSMOSB_PIPE_EVENTFD.
 *
 * On the consumer: poll it for POLLIN after cosmosb_pipe_arm_notify() returned
 * ::COSMOSB_OK; the next message makes it readable. Drain it with
 * cosmosb_pipe_eventfd_drain() before receiving, so that it does not stay
 * readable. Do not read(2) it directly: the descriptor shares its open file
 * description (and so its O_NONBLOCK flag) with every producer holding the
 * eventfd, and a hostile producer can clear O_NONBLOCK and drain the counter
 * between the consumer's poll and its read, which would then block for good.
 *
 * Wake-ups through the eventfd have no time bound: a producer killed after
 * publishing and before its eventfd write, or one attached with @c event_fd -1,
 * never writes it. Poll with a timeout of at most ::COSMOSB_LIVENESS_SLICE_MS
 * and, whether or not the fd became readable, receive with timeout 0 and call
 * cosmosb_pipe_check_peer() (cosmosb_pipe_arm_notify() shows the loop).
 *
 * @param[in] pipe a handle.
 * @return The fd, or -1 if the pipe has none.
 * @par Concurrency: any thread.
 */
COSMOSB_API int cosmosb_pipe_eventfd(const cosmosb_pipe_t *pipe);

/**
 * @brief Reads (and so resets) the consumer's eventfd counter without ever blocking.
 *
 * Never blocks, whatever the descriptor's O_NONBLOCK flag says (a producer
 * sharing the open file description can clear it): the read uses
 * preadv2(RWF_NOWAIT), which eventfds honour from Linux 5.12. On older kernels
 * (RWF_NOWAIT refused) it falls back to poll() with timeout 0 and read(): a
 * hostile producer that clears O_NONBLOCK and drains the counter between the
 * two can still block that read there; a consumer on such a kernel that does
 * not trust its producers creates its pipes without ::COSMOSB_PIPE_EVENTFD.
 *
 * @param[in] pipe a handle made by this layer, with an eventfd (normally the consumer's).
 * @param[out] count the counter's value before the read (may be NULL).
 * @return ::COSMOSB_OK (the counter was non-zero; it is zero now); ::COSMOSB_EAGAIN (it was zero);
 *         ::COSMOSB_EINVAL (NULL, a core handle, or a pipe without eventfd); ::COSMOSB_EIO.
 * @par Concurrency: any thread (it reads the descriptor once; concurrent drains split the counts).
 */
COSMOSB_API int cosmosb_pipe_eventfd_drain(const cosmosb_pipe_t *pipe, uint64_t *count);

/**
 * @brief Closes this end (see cosmosb_pipe_close_endpoint()), unmaps, closes descriptors, frees.
 *
 * A consumer still in a wait set is first removed from it (cosmosb_waitset_remove()), so
 * the set never keeps a pointer to the freed handle. Given a core handle
 * (cosmosb_pipe_open_consumer()), this is cosmosb_pipe_close_endpoint(), which does not:
 * remove such a handle from its wait set first.
 * @param[in] pipe a handle made by this layer; NULL is ignored.
 * @par Concurrency: no other call on the handle may be in progress; a consumer in
 *      a wait set is closed on the set's thread, never while cosmosb_waitset_wait()
 *      runs (the removal changes the set).
 */
COSMOSB_API void cosmosb_pipe_close(cosmosb_pipe_t *pipe);

/**
 * @brief The Linux platform table: futex wait/wake, CLOCK_MONOTONIC, sched_yield,
 *        pidfd-based liveness, getpid, eventfd notification.
 * @return Pointer to a constant table with static storage. Never fails.
 * @par Concurrency: any thread; every hook is thread-safe.
 */
COSMOSB_API const cosmosb_platform_t *cosmosb_linux_platform(void);

COSMOSB_END_DECLS

#endif /* COSMOSB_PIPE_LINUX_H */

/**
 * @file waitset.h
 * @brief Waiting on many pipes at once (Linux).
 *
 * A receiver with several input pipes sleeps once for all of them: the wait
 * marks every pipe's consumer as sleeping, checks each once more, then sleeps
 * on all their doorbells together with futex_waitv(). A sender wakes the
 * receiver only when it actually sleeps. For an epoll/poll loop instead, create
 * pipes with ::COSMOSB_PIPE_EVENTFD and use cosmosb_pipe_arm_notify(); such a
 * loop must poll with a timeout of at most ::COSMOSB_LIVENESS_SLICE_MS and then
 * receive (timeout 0) and call cosmosb_pipe_check_peer() on each pipe, since an
 * eventfd wake-up can be lost for good (a wait set's sleeps are sliced for it).
 *
 * @par Concurrency
 * A wait set belongs to the consumer thread of its pipes: one thread at a time.
 */
#ifndef COSMOSB_WAITSET_H
#define COSMOSB_WAITSET_H

#include "cosmosb/defs.h"
#include "cosmosb/pipe.h"

COSMOSB_BEGIN_DECLS

/** @brief Most pipes in one wait set (the kernel's futex_waitv limit). */
#define COSMOSB_WAITSET_MAX 128u

/** @brief Opaque wait set. */
typedef struct cosmosb_waitset cosmosb_waitset_t;

/**
 * @brief Creates an empty wait set.
 * @param[out] out the new set.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ENOMEM.
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_waitset_create(cosmosb_waitset_t **out);

/**
 * @brief Adds a consumer pipe to the set.
 *
 * The set keeps a pointer to the handle. A handle made by pipe_linux.h
 * (cosmosb_pipe_create()) is in one set at a time, and cosmosb_pipe_close()
 * takes it out of that set. A core handle (cosmosb_pipe_open_consumer()) must
 * be removed with cosmosb_waitset_remove() before its memory is freed; one
 * closed with cosmosb_pipe_close_endpoint() while still in the set makes
 * cosmosb_waitset_wait() fail with ::COSMOSB_EINVAL. Since the close changes the set,
 * a member is closed only on the set's thread, never during cosmosb_waitset_wait().
 * One set per pipe also means a receiver's pipe cannot be in two pumps made by
 * cosmosb_pump_create(), nor in a pump and a set of the application's.
 *
 * @param[in,out] ws the set.
 * @param[in] pipe a consumer handle (not already in the set).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (NULL, duplicate); ::COSMOSB_EROLE (a producer);
 *         ::COSMOSB_EBUSY (a pipe_linux.h handle already in another set);
 *         ::COSMOSB_ENOMEM if the set already holds COSMOSB_WAITSET_MAX pipes.
 * @par Concurrency: the set's thread only.
 */
COSMOSB_API int cosmosb_waitset_add(cosmosb_waitset_t *ws, cosmosb_pipe_t *pipe);

/**
 * @brief Removes a pipe from the set.
 * @param[in,out] ws the set.
 * @param[in] pipe a pipe in the set.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL if it is not in the set.
 * @par Concurrency: the set's thread only.
 */
COSMOSB_API int cosmosb_waitset_remove(cosmosb_waitset_t *ws, cosmosb_pipe_t *pipe);

/**
 * @brief Waits until one of the pipes has a message (or its producers are gone).
 *
 * Pipes are checked round robin, so a busy pipe cannot starve the others.
 *
 * @param[in,out] ws the set.
 * @param[in] timeout_ns ::COSMOSB_TIMEOUT_NONE, a limit in ns, or ::COSMOSB_TIMEOUT_FOREVER.
 * @param[out] ready a pipe to receive from (a receive on it will not wait, but may
 *             report ::COSMOSB_EPEERDEAD or ::COSMOSB_ECLOSED); with ::COSMOSB_EINVAL for an
 *             invalid member, that member (remove it).
 * @return ::COSMOSB_OK; ::COSMOSB_EAGAIN (timeout 0 and nothing ready);
 *         ::COSMOSB_ETIMEDOUT; ::COSMOSB_EINVAL (NULL, empty set, or a member that is no longer an
 *         open consumer: a core handle closed with cosmosb_pipe_close_endpoint() while in the set;
 *         reported when no other member is ready: a ready one is returned first);
 *         ::COSMOSB_EIO.
 * @par Concurrency: the set's thread only; blocking.
 */
COSMOSB_API int cosmosb_waitset_wait(cosmosb_waitset_t *ws, uint64_t timeout_ns,
                                     cosmosb_pipe_t **ready);

/**
 * @brief Wait hook for a typed message pump (see pump.h, cosmosb_pump_set_wait()).
 *
 * Sleeps on every pipe of the set at once (one futex_waitv), like
 * cosmosb_waitset_wait(). Add the pump's receivers' pipes to the set first.
 * @param[in] ws the set (a `cosmosb_waitset_t *`).
 * @param[in] timeout_ns how long at most.
 * @return ::COSMOSB_OK (a pipe is ready or reports a departed peer);
 *         ::COSMOSB_ETIMEDOUT; ::COSMOSB_EAGAIN; ::COSMOSB_EINVAL; ::COSMOSB_EIO.
 * @par Concurrency: the set's thread only; blocking.
 */
COSMOSB_API int cosmosb_waitset_pump_wait(void *ws, uint64_t timeout_ns);

/**
 * @brief Frees the set (the pipes are not closed, and may join another set). NULL is ignored.
 * @param[in] ws the set.
 * @par Concurrency: the set's thread only.
 */
COSMOSB_API void cosmosb_waitset_destroy(cosmosb_waitset_t *ws);

COSMOSB_END_DECLS

#endif /* COSMOSB_WAITSET_H */

/**
 * @file pump.h
 * @brief A message pump over several typed receivers, in priority order, urgent lanes first.
 *
 * The pump owns no pipe: it holds an ordered list of receivers (first added =
 * highest priority). Each step takes the first urgent message of the first
 * receiver that has one; if none has, the first normal message of the first
 * receiver that has one; and calls the handler registered for the accepted
 * type (cosmosb_receiver_accept()). When nothing is queued it waits through a
 * wait hook: on Linux, cosmosb_waitset_pump_wait() sleeps on all the pipes at
 * once (one doorbell); without a hook it polls, yielding through the first
 * pipe's platform hooks, which works in a kernel with no scheduler.
 *
 * Freestanding; lives in caller memory.
 */
#ifndef COSMOSB_PUMP_H
#define COSMOSB_PUMP_H

#include "cosmosb/defs.h"
#include "cosmosb/receiver.h"

COSMOSB_BEGIN_DECLS

/** @brief Opaque pump (lives in caller memory). */
typedef struct cosmosb_pump cosmosb_pump_t;

/**
 * @brief Waits until one of the pump's pipes may have a message.
 * @param ctx the hook's context.
 * @param timeout_ns how long at most.
 * @return ::COSMOSB_OK (something may be ready), ::COSMOSB_ETIMEDOUT, or another negative code (returned by the pump).
 */
typedef int (*cosmosb_pump_wait_fn)(void *ctx, uint64_t timeout_ns);

/**
 * @brief Bytes a pump over up to @p max_receivers receivers needs.
 * @param[in] max_receivers 1..256.
 * @return the size, or 0 if out of range.
 * @par Concurrency: pure function.
 */
COSMOSB_API size_t cosmosb_pump_memsize(uint32_t max_receivers);

/**
 * @brief Makes an empty pump in @p mem.
 * @param[out] mem cosmosb_pump_memsize() bytes, aligned to 8.
 * @param[in] size bytes at @p mem.
 * @param[in] max_receivers capacity.
 * @param[out] out the pump (nothing to free).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL.
 * @par Concurrency: a pump and its receivers are used by one thread at a time.
 */
COSMOSB_API int cosmosb_pump_init(void *mem, size_t size, uint32_t max_receivers, cosmosb_pump_t **out);

/**
 * @brief Appends a receiver (lower priority than those added before).
 *
 * A pump made by cosmosb_pump_create() also waits on the receiver's pipe from
 * then on; if the pipe cannot join its wait set, the receiver is not added and
 * the wait set's error is returned (see cosmosb_waitset_add()).
 *
 * May be called from a handler or an `on_reject` callback of this pump's
 * running cosmosb_pump_run(): the run serves the receiver from its next step
 * (a message on it, urgent ones first, is handled by the same run if it may
 * handle more). An `on_reject` callback that adds (or removes) a receiver ends
 * the run's receive that called it, so nothing more is taken from that receiver's
 * pipe before the run looks at its new list.
 * @param[in,out] pump the pump.
 * @param[in] rx the receiver (must stay valid while it is in the pump).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (also: a created pump already waits on the receiver's pipe,
 *         through another receiver); ::COSMOSB_ENOMEM (full); ::COSMOSB_EBUSY (already there).
 * @par Concurrency: the pump's thread (also from its handlers and `on_reject` callbacks).
 */
COSMOSB_API int cosmosb_pump_add(cosmosb_pump_t *pump, cosmosb_receiver_t *rx);

/**
 * @brief Removes a receiver (for example one whose producers died); the others keep their order.
 *
 * A pump made by cosmosb_pump_create() also stops waiting on the receiver's pipe.
 * The receiver and its pipe are not closed; once removed, the pump no longer
 * uses them, and they may be destroyed (not from the receiver's own handler
 * or `on_reject` callback: the receive that called it still runs).
 *
 * May be called from a handler or an `on_reject` callback of this pump's
 * running cosmosb_pump_run(), for any receiver, its own included: from its
 * next step the run no longer receives on it (messages still queued on it
 * stay in its pipe), and an `on_reject` callback that removes a receiver ends
 * the run's receive that called it (nothing more is taken from that pipe). The run
 * goes on with the others in their order; if none is left, it ends and
 * returns how many messages it handled (0 if none). Its time source, the
 * first receiver's pipe, is then read from the new first receiver.
 * @param[in,out] pump the pump.
 * @param[in] rx a receiver added before.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE (not in this pump).
 * @par Concurrency: the pump's thread (also from its handlers and `on_reject` callbacks).
 */
COSMOSB_API int cosmosb_pump_remove(cosmosb_pump_t *pump, cosmosb_receiver_t *rx);

/**
 * @brief Number of receivers in the pump.
 * @param[in] pump the pump.
 * @return the count (0 for NULL).
 * @par Concurrency: the pump's thread.
 */
COSMOSB_API uint32_t cosmosb_pump_count(const cosmosb_pump_t *pump);

/**
 * @brief Sets how the pump sleeps when nothing is queued.
 * @param[in,out] pump the pump.
 * @param[in] wait the hook (NULL: poll and yield).
 * @param[in] ctx passed to @p wait.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL.
 * @par Concurrency: the pump's thread.
 */
COSMOSB_API int cosmosb_pump_set_wait(cosmosb_pump_t *pump, cosmosb_pump_wait_fn wait, void *ctx);

/**
 * @brief Handles up to @p max messages in priority order; waits up to @p timeout_ns for the first.
 *
 * A receiver whose pipe reports an error (a dead or closed peer, a corrupt
 * lane) is skipped for this call; the first such error is returned if nothing
 * could be handled: at once when the wait hook wakes the pump for nothing else
 * (a pipe whose senders are gone stays ready in a wait set), else at the deadline.
 * Without a wait hook the pump looks at its pipes' liveness itself, each on its
 * pipe's schedule (about every 200 ms), so senders that died are reported then.
 *
 * Handlers and `on_reject` callbacks may add and remove receivers of this pump
 * (cosmosb_pump_add(), cosmosb_pump_remove()): each step reads the list anew,
 * starting over from the top when a callback changed it during the step, so
 * the priority order holds and a removed receiver is not received on again.
 * A receiver whose callback changed the list has had its turn: the restarted
 * step skips it (so a sender whose every message is rejected by such a
 * callback cannot keep the others from being served), and a step restarts at
 * most 64 times.
 * The timeout is counted on the first receiver's pipe clock, from the new
 * first receiver's once the first is removed.
 * @param[in,out] pump the pump.
 * @param[in] max the most messages to handle, 1..INT32_MAX (::COSMOSB_EINVAL otherwise).
 * @param[in] timeout_ns how long to wait when nothing is queued.
 * @return how many messages were handled (>= 1; 0 only if handlers or callbacks removed every receiver,
 *         or destroyed a created pump, before any was handled); ::COSMOSB_EAGAIN (timeout 0, nothing queued);
 *         ::COSMOSB_ETIMEDOUT; ::COSMOSB_EINVAL; ::COSMOSB_EBUSY (called while this pump runs:
 *         from one of its handlers or on_reject callbacks); or a receiver's error (see above).
 * @par Concurrency: the pump's thread; handlers run on it.
 */
COSMOSB_API int cosmosb_pump_run(cosmosb_pump_t *pump, uint32_t max, uint64_t timeout_ns);

COSMOSB_END_DECLS

#endif /* COSMOSB_PUMP_H */

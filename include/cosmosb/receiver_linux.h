/**
 * @file receiver_linux.h
 * @brief Hosted helpers for typed receivers and pumps: heap allocation instead of caller memory.
 *
 * The core API (receiver.h, pump.h) works on memory the caller provides; on
 * Linux these helpers allocate it with malloc and free it again. A pump made
 * here waits on all its receivers' pipes at once through a wait set
 * (futex_waitv), so it sleeps without polling.
 */
#ifndef COSMOSB_RECEIVER_LINUX_H
#define COSMOSB_RECEIVER_LINUX_H

#include "cosmosb/defs.h"
#include "cosmosb/receiver.h"
#include "cosmosb/pump.h"

COSMOSB_BEGIN_DECLS

/**
 * @brief Allocates and initialises a receiver on the consumer end @p pipe.
 * @param[in] pipe a consumer handle (must outlive the receiver).
 * @param[in] cfg options (NULL: the defaults of cosmosb_receiver_config_init()).
 * @param[out] out the receiver; free it with cosmosb_receiver_destroy().
 * @return ::COSMOSB_OK; ::COSMOSB_ENOMEM; the errors of cosmosb_receiver_init().
 * @par Concurrency: thread-safe; the receiver is then used by one thread at a time.
 */
COSMOSB_API int cosmosb_receiver_create(cosmosb_pipe_t *pipe, const cosmosb_receiver_config_t *cfg,
                                        cosmosb_receiver_t **out);

/**
 * @brief Frees a receiver made by cosmosb_receiver_create() (its pipe stays open). NULL is ignored.
 *
 * An outstanding in-place message is consumed first. Never from the
 * receiver's own handler or `on_reject` callback (the receive that called
 * it still uses the receiver).
 * @param[in] rx the receiver.
 * @par Concurrency: the receiver's thread.
 */
COSMOSB_API void cosmosb_receiver_destroy(cosmosb_receiver_t *rx);

/**
 * @brief Allocates a pump over @p n receivers (in priority order) that sleeps on all their pipes at once.
 * @param[in] receivers the receivers, highest priority first (they must outlive the pump).
 * @param[in] n how many (1 .. ::COSMOSB_WAITSET_MAX).
 * @param[out] out the pump; free it with cosmosb_pump_destroy().
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ENOMEM; the errors of cosmosb_waitset_add().
 * @par Concurrency: thread-safe; the pump is then used by one thread at a time.
 */
COSMOSB_API int cosmosb_pump_create(cosmosb_receiver_t *const *receivers, uint32_t n, cosmosb_pump_t **out);

/**
 * @brief Frees a pump made by cosmosb_pump_create() (receivers and pipes stay). NULL is ignored.
 *
 * May be called from a handler or an `on_reject` callback of the pump's own
 * cosmosb_pump_run(): the run then handles no more messages and frees the
 * pump as it returns (the count handled so far, 0 if none).
 * @param[in] pump the pump.
 * @par Concurrency: the pump's thread.
 */
COSMOSB_API void cosmosb_pump_destroy(cosmosb_pump_t *pump);

COSMOSB_END_DECLS

#endif /* COSMOSB_RECEIVER_LINUX_H */

/**
 * @file receiver.h
 * @brief Typed messages on pipes: the sender's side and the single point of entry on the receiver's side.
 *
 * A typed message is a pipe message whose slot type id is the id of its most
 * derived type and whose payload is a small header (::cosmosb_typed_header_t,
 * followed by one ::cosmosb_typed_ancestor_t per ancestor, nearest first) and
 * then the struct. cosmosb_typed_send() writes one straight into a ring slot.
 *
 * A receiver wraps the consumer end of a pipe. It is told which types it
 * accepts (cosmosb_receiver_accept()); every message is validated against the
 * accepted type before user code sees it. A message of an unknown type is
 * delivered as its nearest accepted ancestor (the real type id stays visible
 * in ::cosmosb_typed_msg_t::type_id); a message that fails validation is
 * consumed, counted per reason, reported to the optional callback and never
 * delivered.
 *
 * Trust modes (per receiver, chosen by the receiving side):
 * - ::COSMOSB_TRUST_COPY (the default): the message is copied into memory
 *   private to the receiver and validated there, so a sender that keeps
 *   writing into the slot after commit cannot change what was checked.
 * - ::COSMOSB_TRUST_IN_PLACE: the message is validated and delivered in the
 *   ring slot (no copy). Sound only if every producer of the pipe is trusted
 *   not to rewrite committed slots.
 *
 * A message from an older sender (shorter than the accepted type) is always
 * copied, with the missing fields zero; a longer one (newer sender, or a
 * derived type) is delivered with its extra bytes ignored.
 *
 * Freestanding: the receiver lives in memory the caller provides
 * (cosmosb_receiver_memsize(), cosmosb_receiver_init()).
 */
#ifndef COSMOSB_RECEIVER_H
#define COSMOSB_RECEIVER_H

#include "cosmosb/defs.h"
#include "cosmosb/pipe.h"
#include "cosmosb/schema.h"

COSMOSB_BEGIN_DECLS

/** @brief Magic of ::cosmosb_typed_header_t. */
#define COSMOSB_TYPED_MAGIC 0xC5B1u

/**
 * @brief Header at the start of a typed message's payload (8 bytes, then `depth` ::cosmosb_typed_ancestor_t).
 *
 * The struct bytes follow at offset `8 + 16 * depth`.
 */
typedef struct cosmosb_typed_header {
    uint16_t magic;   /**< ::COSMOSB_TYPED_MAGIC */
    uint16_t depth;   /**< number of ancestor records that follow (0 .. ::COSMOSB_SCHEMA_MAX_DEPTH) */
    uint32_t version; /**< the sender's version of the message's type */
} cosmosb_typed_header_t;

COSMOSB_STATIC_ASSERT(sizeof(cosmosb_typed_header_t) == 8, "typed header is 8 bytes");

/**
 * @brief One ancestor of a typed message's type, as the sender's build declares it (16 bytes).
 *
 * `size` tells the receiver how many bytes of the struct belong to that
 * ancestor in the sender's build: a message delivered as an ancestor is read
 * as a message of exactly that many bytes, so an older base inside a derived
 * type is never mistaken for a newer one (its appended fields read as absent,
 * not as the derived type's own fields).
 */
typedef struct cosmosb_typed_ancestor {
    uint64_t type_id; /**< the ancestor's type id */
    uint32_t size;    /**< sizeof the ancestor's struct in the sender's build (at most the message's struct bytes) */
    uint32_t version; /**< the sender's version of the ancestor */
} cosmosb_typed_ancestor_t;

COSMOSB_STATIC_ASSERT(sizeof(cosmosb_typed_ancestor_t) == 16, "ancestor record is 16 bytes");

/** @brief Largest typed-message header: 8 bytes plus the deepest ancestor list. */
#define COSMOSB_TYPED_HEADER_MAX (8u + 16u * COSMOSB_SCHEMA_MAX_DEPTH)

/**
 * @brief A type prepared for sending: its id and header, computed once.
 *
 * Plain data; one tag serves any number of threads and pipes.
 */
typedef struct cosmosb_typed_tag {
    const cosmosb_schema_t *schema; /**< the type */
    uint64_t type_id;               /**< its id */
    uint32_t header_size;           /**< bytes of header before the struct */
    uint32_t size;                  /**< bytes of the struct */
    uint64_t header[1u + 2u * COSMOSB_SCHEMA_MAX_DEPTH]; /**< the header bytes (first header_size bytes) */
} cosmosb_typed_tag_t;

/**
 * @brief Prepares a type for sending.
 * @param[in] schema the type (must pass cosmosb_schema_check()).
 * @param[out] tag filled in.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL.
 * @par Concurrency: reentrant.
 */
COSMOSB_API int cosmosb_typed_tag_init(const cosmosb_schema_t *schema, cosmosb_typed_tag_t *tag);

/**
 * @brief Sends one typed message, written straight into a ring slot (one copy).
 * @param[in,out] pipe a producer handle.
 * @param[in] tag the prepared type.
 * @param[in] msg the struct (`tag->size` bytes).
 * @param[in] flags ::COSMOSB_MSG_URGENT or 0.
 * @param[in] timeout_ns how long to wait for space.
 * @return as cosmosb_pipe_send(); ::COSMOSB_EMSGSIZE if header plus struct exceed the slot size;
 *         ::COSMOSB_EINVAL (NULL arguments, or a tag not as cosmosb_typed_tag_init() makes it: a
 *         header size other than 8 plus 16 per ancestor up to ::COSMOSB_TYPED_HEADER_MAX, a size other
 *         than its schema's, or above ::COSMOSB_SCHEMA_MAX_SIZE); nothing is reserved then.
 * @par Concurrency: as cosmosb_pipe_send().
 */
COSMOSB_API int cosmosb_typed_send_tagged(cosmosb_pipe_t *pipe, const cosmosb_typed_tag_t *tag, const void *msg,
                                          uint32_t flags, uint64_t timeout_ns);

/**
 * @brief Sends one typed message (prepares the tag on every call; see cosmosb_typed_send_tagged()).
 * @param[in,out] pipe a producer handle.
 * @param[in] schema the message's type.
 * @param[in] msg the struct (`schema->size` bytes).
 * @param[in] flags ::COSMOSB_MSG_URGENT or 0.
 * @param[in] timeout_ns how long to wait for space.
 * @return as cosmosb_typed_send_tagged(); ::COSMOSB_EINVAL for a malformed descriptor.
 * @par Concurrency: as cosmosb_pipe_send().
 */
COSMOSB_API int cosmosb_typed_send(cosmosb_pipe_t *pipe, const cosmosb_schema_t *schema, const void *msg,
                                   uint32_t flags, uint64_t timeout_ns);

/** @brief Trust mode: copy to private memory, validate the copy (default; safe against any sender). */
#define COSMOSB_TRUST_COPY 0u
/** @brief Trust mode: validate and deliver in the ring slot (only for trusted producers). */
#define COSMOSB_TRUST_IN_PLACE 1u

/** @brief Opaque typed receiving end (lives in caller memory). */
typedef struct cosmosb_receiver cosmosb_receiver_t;

/** @brief A validated message, as delivered. Valid until cosmosb_receiver_release(). */
typedef struct cosmosb_typed_msg {
    const void *data;               /**< the struct, validated, as the accepted type (`schema->size` bytes readable) */
    const cosmosb_schema_t *schema; /**< the accepted type it is delivered as */
    uint64_t type_id;               /**< the message's real (most derived) type id */
    uint32_t len;                   /**< bytes of struct the sender sent (may be more or less than `schema->size`) */
    uint32_t version;               /**< the sender's version of the real type */
    uint32_t in_place;              /**< 1 if `data` points into the ring slot, 0 if into private memory */
    uint32_t present;               /**< bytes of the accepted type that the sender sent and that were validated:
                                     *   `len` capped at `schema->size` for the real type, the ancestor's share the
                                     *   header declares (capped too) when delivered as an ancestor; the fields
                                     *   beyond it read as zero (absent).
                                     *   Decide from this, not from `len`, whether an appended field was sent. */
    cosmosb_msg_info_t info;        /**< the pipe header (producer, lane) */
} cosmosb_typed_msg_t;

/** @brief What the optional reject callback is told. */
typedef struct cosmosb_reject_info {
    uint64_t type_id;             /**< the slot's type id */
    uint32_t len;                 /**< payload length */
    uint32_t producer;            /**< producer slot it came from */
    cosmosb_validate_error_t err; /**< reason and place */
} cosmosb_reject_info_t;

/**
 * @brief Called for each rejected message (after it was consumed), from inside the receive that rejected it.
 *
 * It runs on the receiver's thread while that receive is still in progress: it
 * may not receive on @p rx itself (cosmosb_receiver_recv(),
 * cosmosb_receiver_recv_urgent() and cosmosb_receiver_dispatch() on @p rx return
 * ::COSMOSB_EBUSY meanwhile, as does cosmosb_pump_run() on a pump that is running).
 * It may add receivers to and remove them from a running pump, @p rx included
 * (cosmosb_pump_add(), cosmosb_pump_remove()).
 */
typedef void (*cosmosb_reject_fn)(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *info);

/**
 * @brief Called by cosmosb_receiver_dispatch() / the pump for each delivered message.
 *
 * The message is released when the handler returns. Meanwhile receiving on
 * @p rx returns ::COSMOSB_EBUSY (cosmosb_receiver_recv(),
 * cosmosb_receiver_recv_urgent(), cosmosb_receiver_dispatch()), even if the
 * handler released the message itself, and so does cosmosb_pump_run() on the
 * pump that called the handler. A handler may add receivers to and remove them
 * from the pump that called it, @p rx included (cosmosb_pump_add(), cosmosb_pump_remove()).
 */
typedef void (*cosmosb_handler_fn)(void *ctx, cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg);

/** @brief Options of a receiver. Start from cosmosb_receiver_config_init(). */
typedef struct cosmosb_receiver_config {
    uint32_t trust;                 /**< ::COSMOSB_TRUST_COPY (default) or ::COSMOSB_TRUST_IN_PLACE */
    uint32_t max_types;             /**< how many types it may accept (default 16) */
    uint32_t max_size;              /**< largest accepted struct in bytes (default 4096) */
    uint32_t reserved;              /**< 0 */
    cosmosb_validate_hooks_t hooks; /**< REF / WINDOW checks (default none: such fields must be null / empty) */
    cosmosb_reject_fn on_reject;    /**< optional */
    void *reject_ctx;               /**< passed to on_reject */
} cosmosb_receiver_config_t;

/** @brief Counters of a receiver (private to it, exact). */
typedef struct cosmosb_receiver_stats {
    uint64_t delivered;                         /**< messages delivered */
    uint64_t delivered_as_ancestor;             /**< of which as an ancestor of their real type */
    uint64_t copied;                            /**< of which delivered from a private copy */
    uint64_t rejected_total;                    /**< messages rejected */
    uint64_t rejected[COSMOSB_REJECT_COUNT];    /**< per ::cosmosb_reject_reason_t */
} cosmosb_receiver_stats_t;

/**
 * @brief Fills a config with the defaults.
 * @param[out] cfg the config.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL.
 * @par Concurrency: reentrant.
 */
COSMOSB_API int cosmosb_receiver_config_init(cosmosb_receiver_config_t *cfg);

/**
 * @brief Bytes a receiver with this config needs.
 * @param[in] cfg the config.
 * @return the size, or 0 if the config is invalid.
 * @par Concurrency: pure function.
 */
COSMOSB_API size_t cosmosb_receiver_memsize(const cosmosb_receiver_config_t *cfg);

/**
 * @brief Makes a receiver on the consumer end @p pipe, in @p mem.
 * @param[out] mem cosmosb_receiver_memsize() bytes, aligned to 8.
 * @param[in] size bytes at @p mem.
 * @param[in] pipe a consumer handle (it stays owned by the caller and must outlive the receiver).
 * @param[in] cfg the options.
 * @param[out] out the receiver (nothing to free: it lives in @p mem).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_EROLE (a producer handle).
 * @par Concurrency: a receiver is used by one thread at a time, like its pipe's consumer end.
 */
COSMOSB_API int cosmosb_receiver_init(void *mem, size_t size, cosmosb_pipe_t *pipe,
                                      const cosmosb_receiver_config_t *cfg, cosmosb_receiver_t **out);

/**
 * @brief Accepts a type (and therefore every type derived from it), with an optional handler.
 * @param[in,out] rx the receiver.
 * @param[in] schema the type (it must outlive the receiver).
 * @param[in] handler called by cosmosb_receiver_dispatch() (may be NULL for pull-style receiving).
 * @param[in] ctx passed to @p handler.
 * @return ::COSMOSB_OK (replaces the handler if already accepted, by this descriptor or by one
 *         describing the same type: name, version, size, alignment, base, every field with its rule,
 *         nested types; e.g. a copy from another translation unit); ::COSMOSB_EINVAL (malformed
 *         descriptor); ::COSMOSB_ENOMEM (max_types reached); ::COSMOSB_EMSGSIZE (larger than max_size);
 *         ::COSMOSB_EINCOMPAT (a different type with the same id is accepted: another name with the
 *         same hash, or the same name with any other difference; nothing changes).
 * @par Concurrency: the receiver's thread.
 */
COSMOSB_API int cosmosb_receiver_accept(cosmosb_receiver_t *rx, const cosmosb_schema_t *schema,
                                        cosmosb_handler_fn handler, void *ctx);

/**
 * @brief Receives the next valid message (rejected ones are consumed and counted on the way).
 *
 * However many invalid messages a sender queues, the call ends: with a
 * finite timeout at its deadline (::COSMOSB_ETIMEDOUT), with timeout 0 after
 * rejecting 1024 of them (::COSMOSB_EAGAIN: call again). Only
 * ::COSMOSB_TIMEOUT_FOREVER waits for a valid message whatever comes.
 * @param[in,out] rx the receiver (the previous message must have been released).
 * @param[out] msg the message.
 * @param[in] timeout_ns how long to wait (for the whole call).
 * @return ::COSMOSB_OK; ::COSMOSB_EBUSY (previous message not released, or called from this
 *         receiver's on_reject callback or from a handler it is running); the pipe's
 *         errors (::COSMOSB_EAGAIN, ::COSMOSB_ETIMEDOUT, ::COSMOSB_ECORRUPT, ::COSMOSB_EPEERDEAD, ...).
 * @par Concurrency: the receiver's thread.
 */
COSMOSB_API int cosmosb_receiver_recv(cosmosb_receiver_t *rx, cosmosb_typed_msg_t *msg, uint64_t timeout_ns);

/**
 * @brief Receives only from the urgent lanes, without waiting.
 * @param[in,out] rx the receiver.
 * @param[out] msg the message.
 * @return as cosmosb_receiver_recv() with timeout 0; ::COSMOSB_EAGAIN when no urgent message is queued.
 * @par Concurrency: the receiver's thread.
 */
COSMOSB_API int cosmosb_receiver_recv_urgent(cosmosb_receiver_t *rx, cosmosb_typed_msg_t *msg);

/**
 * @brief Gives back the message from the last receive (frees its ring slot if it was in place).
 * @param[in,out] rx the receiver.
 * @param[in] msg that message.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (not the outstanding message).
 * @par Concurrency: the receiver's thread.
 */
COSMOSB_API int cosmosb_receiver_release(cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg);

/**
 * @brief Receives up to @p max messages and calls the handler of each one's accepted type.
 *
 * A message whose accepted type has no handler is released undelivered and
 * counted as delivered. Waits (up to @p timeout_ns) only for the first message.
 * @param[in,out] rx the receiver.
 * @param[in] max the most messages to handle, 1..INT32_MAX (::COSMOSB_EINVAL otherwise).
 * @param[in] timeout_ns how long to wait for the first.
 * @return how many were handled (>= 1), or a negative code as cosmosb_receiver_recv()
 *         (::COSMOSB_EBUSY from this receiver's on_reject callback or handlers).
 * @par Concurrency: the receiver's thread; handlers run on it.
 */
COSMOSB_API int cosmosb_receiver_dispatch(cosmosb_receiver_t *rx, uint32_t max, uint64_t timeout_ns);

/**
 * @brief Reads the receiver's counters.
 * @param[in] rx the receiver.
 * @param[out] stats filled in.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL.
 * @par Concurrency: the receiver's thread.
 */
COSMOSB_API int cosmosb_receiver_stats(const cosmosb_receiver_t *rx, cosmosb_receiver_stats_t *stats);

/**
 * @brief The receiver's trust mode.
 * @param[in] rx the receiver.
 * @return ::COSMOSB_TRUST_COPY or ::COSMOSB_TRUST_IN_PLACE (COPY for NULL).
 * @par Concurrency: any thread.
 */
COSMOSB_API uint32_t cosmosb_receiver_trust(const cosmosb_receiver_t *rx);

/**
 * @brief The pipe the receiver reads.
 * @param[in] rx the receiver.
 * @return the consumer handle, or NULL.
 * @par Concurrency: any thread.
 */
COSMOSB_API cosmosb_pipe_t *cosmosb_receiver_pipe(const cosmosb_receiver_t *rx);

COSMOSB_END_DECLS

#endif /* COSMOSB_RECEIVER_H */

/**
 * @file pipe.h
 * @brief Lock-free point-to-point pipes (SPSC and MPSC) in shared memory.
 *
 * A pipe carries messages from one or more producers to exactly one consumer.
 * Each message is a small header (64-bit type id, length, flags) and an inline
 * payload of at most `slot_size` bytes, copied into a ring slot. Every
 * producer owns its own pair of single-producer rings (an urgent lane and a
 * normal lane); the consumer merges them. So a producer that is preempted or
 * killed in the middle of a send never makes the consumer or another producer
 * wait (see docs/pipe.md). Order is FIFO per producer and lane; the urgent
 * lanes are always drained before the normal ones.
 *
 * This header is the freestanding core API: it works on memory the caller
 * provides and reaches the host only through a ::cosmosb_platform_t. On Linux,
 * pipe_linux.h wraps it with memfd regions, futex and pidfd.
 *
 * @par Synchronization
 * | call                                  | consumer handle | producer handle |
 * |---------------------------------------|-----------------|-----------------|
 * | send, reserve/commit, send_batch      | ::COSMOSB_EROLE | one thread at a time per handle |
 * | recv, peek/consume, recv_batch        | one thread at a time per handle | ::COSMOSB_EROLE |
 * | stats, set_spin_ns                    | same thread as the operations | same |
 * Different handles (each producer, the consumer) are used concurrently from
 * different threads or processes without any lock. All operations are
 * lock-free when they do not wait; waiting sleeps through the platform hooks.
 *
 * @par Timeouts
 * Every operation that may wait takes `timeout_ns`: ::COSMOSB_TIMEOUT_NONE (0)
 * tries once, ::COSMOSB_TIMEOUT_FOREVER waits as long as needed, any other
 * value is a relative limit in nanoseconds. Waiting first spins for the
 * handle's spin budget (cosmosb_pipe_set_spin_ns()), then sleeps.
 */
#ifndef COSMOSB_PIPE_H
#define COSMOSB_PIPE_H

#include "cosmosb/defs.h"
#include "cosmosb/platform.h"

COSMOSB_BEGIN_DECLS

/** @brief Opaque handle to one end (producer or consumer) of a pipe. */
typedef struct cosmosb_pipe cosmosb_pipe_t;

/** @brief Pipe mode: exactly one producer. */
#define COSMOSB_PIPE_SPSC 1u
/** @brief Pipe mode: up to `max_producers` producers, each with its own rings. */
#define COSMOSB_PIPE_MPSC 2u

/** @brief Largest `max_producers` a pipe accepts. */
#define COSMOSB_PIPE_MAX_PRODUCERS 64u
/** @brief Largest per-lane capacity (slots). */
#define COSMOSB_PIPE_MAX_CAPACITY (1u << 20)
/** @brief Largest payload per slot, in bytes. */
#define COSMOSB_PIPE_MAX_SLOT_SIZE (1u << 20)

/** @brief Config flag: the consumer can be woken through an eventfd (hosted layer). */
#define COSMOSB_PIPE_EVENTFD 0x1u

/** @brief Message flag: send on (or received from) the urgent lane. */
#define COSMOSB_MSG_URGENT 0x1u

/** @brief Batch flag: all n messages or none (DPDK "bulk"). Default is "burst": as many as possible, at least one. */
#define COSMOSB_BATCH_BULK 0x100u

/** @brief Role of a handle: the single receiving end. */
#define COSMOSB_ROLE_CONSUMER 1u
/** @brief Role of a handle: one sending end. */
#define COSMOSB_ROLE_PRODUCER 2u

/** @brief Geometry and options of a pipe, chosen by its creator (the consumer). */
typedef struct cosmosb_pipe_config {
    uint32_t mode;            /**< ::COSMOSB_PIPE_SPSC or ::COSMOSB_PIPE_MPSC */
    uint32_t capacity;        /**< slots in each producer's normal lane; power of two, 2..COSMOSB_PIPE_MAX_CAPACITY */
    uint32_t urgent_capacity; /**< slots in each producer's urgent lane; power of two; 0 = same as capacity */
    uint32_t slot_size;       /**< largest payload in bytes; 1..COSMOSB_PIPE_MAX_SLOT_SIZE (rounded up to 8) */
    uint32_t max_producers;   /**< 1 for SPSC; 1..COSMOSB_PIPE_MAX_PRODUCERS for MPSC */
    uint32_t flags;           /**< COSMOSB_PIPE_* flags */
} cosmosb_pipe_config_t;

/** @brief Who sent a received message, and what it is. */
typedef struct cosmosb_msg_info {
    uint64_t type_id;  /**< type id given by the sender (schemas give it meaning) */
    uint32_t len;      /**< payload length in bytes (checked against slot_size) */
    uint32_t flags;    /**< ::COSMOSB_MSG_URGENT if it came on the urgent lane */
    uint32_t producer; /**< index of the producer slot it came from (0 for SPSC) */
    uint32_t reserved; /**< zero */
} cosmosb_msg_info_t;

/** @brief A message read in place (peek). Valid until consumed. */
typedef struct cosmosb_msg_view {
    const void *data;        /**< payload inside the ring slot (may still be written by a hostile sender) */
    cosmosb_msg_info_t info; /**< header fields, copied to private memory and checked */
    uint32_t token_lane;     /**< internal: which lane it came from, and its producer's incarnation */
    uint32_t token_seq;      /**< internal: its position in that lane */
} cosmosb_msg_view_t;

/** @brief A ring slot reserved for writing in place. Valid until committed. */
typedef struct cosmosb_slot {
    void *data;          /**< where to write the payload */
    uint32_t capacity;   /**< how many bytes may be written (the pipe's slot_size) */
    uint32_t token_lane; /**< internal */
    uint32_t token_seq;  /**< internal */
    uint32_t reserved;   /**< zero */
} cosmosb_slot_t;

/** @brief One message of a batch send. */
typedef struct cosmosb_send_item {
    uint64_t type_id;   /**< type id to put in the header */
    const void *data;   /**< payload (may be NULL when len is 0) */
    uint32_t len;       /**< payload length, at most slot_size */
    uint32_t reserved;  /**< zero */
} cosmosb_send_item_t;

/** @brief One message of a batch receive: `buf`/`buf_size` in, the rest out. */
typedef struct cosmosb_recv_item {
    void *buf;               /**< destination for the payload */
    uint32_t buf_size;       /**< its size in bytes */
    uint32_t reserved;       /**< zero */
    cosmosb_msg_info_t info; /**< filled in on return */
} cosmosb_recv_item_t;

/** @brief Counters of one handle (process-private, exact for this handle). */
typedef struct cosmosb_pipe_stats {
    uint64_t sent;              /**< messages sent through this handle (producer) */
    uint64_t received;          /**< messages received through this handle (consumer) */
    uint64_t rejected_corrupt;  /**< headers or indices found corrupt (consumer) */
    uint64_t wakeups_sent;      /**< times this handle entered the kernel to wake a peer */
    uint64_t sleeps;            /**< times this handle went to sleep (a wait set's sleep counts for each of its pipes) */
    uint32_t producers_attached;/**< producers attached right now (consumer) */
    uint32_t producers_reaped;  /**< producer slots reclaimed after death or close (consumer) */
    uint32_t queued;            /**< messages waiting in all lanes (consumer) or in this producer's lanes (producer) */
    uint32_t capacity;          /**< slots per normal lane */
    uint32_t urgent_capacity;   /**< slots per urgent lane */
    uint32_t slot_size;         /**< payload bytes per slot */
    uint32_t max_producers;     /**< producer slots in the pipe */
    uint32_t role;              /**< ::COSMOSB_ROLE_CONSUMER or ::COSMOSB_ROLE_PRODUCER */
} cosmosb_pipe_stats_t;

/**
 * @brief Fills @p cfg with defaults: SPSC, capacity 1024, slot_size 64, one producer.
 * @param[out] cfg the config to initialise.
 * @return ::COSMOSB_OK, or ::COSMOSB_EINVAL if @p cfg is NULL.
 * @par Concurrency: any thread; touches only @p cfg.
 */
COSMOSB_API int cosmosb_pipe_config_init(cosmosb_pipe_config_t *cfg);

/**
 * @brief Computes how many bytes of shared memory a pipe with this config needs.
 * @param[in] cfg geometry to check.
 * @param[out] size bytes needed (a multiple of COSMOSB_CACHELINE).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL for a NULL argument or an invalid
 *         geometry (capacity not a power of two, sizes out of range, SPSC with
 *         more than one producer); ::COSMOSB_EOVERFLOW if the size does not fit 64 bits.
 * @par Concurrency: any thread; pure function.
 */
COSMOSB_API int cosmosb_pipe_memsize(const cosmosb_pipe_config_t *cfg, uint64_t *size);

/**
 * @brief Bytes of private memory a handle needs (for cosmosb_pipe_open_consumer() and
 *        cosmosb_pipe_open_producer()).
 * @param[in] role ::COSMOSB_ROLE_CONSUMER or ::COSMOSB_ROLE_PRODUCER.
 * @param[in] max_producers the pipe's max_producers (ignored for producers).
 * @return The size in bytes, or 0 if the arguments are invalid.
 * @par Concurrency: any thread; pure function.
 */
COSMOSB_API size_t cosmosb_pipe_handle_memsize(uint32_t role, uint32_t max_producers);

/**
 * @brief Formats shared memory as a new pipe and opens its consumer end.
 *
 * The consumer is the pipe's creator and owner. The shared memory must stay
 * mapped for the handle's lifetime; its first byte must be 16-byte aligned
 * (COSMOSB_CACHELINE alignment is best for speed).
 *
 * @param[out] handle_mem private memory of cosmosb_pipe_handle_memsize() bytes, 8-byte aligned.
 * @param[in] handle_size its size.
 * @param[out] shared shared memory to format.
 * @param[in] shared_size its size, at least cosmosb_pipe_memsize().
 * @param[in] cfg geometry.
 * @param[in] platform host hooks (copied; NULL = cosmosb_platform_default()).
 * @param[in] channel opaque value passed to the platform's notify hook (may be NULL).
 * @param[out] out the consumer handle (points into @p handle_mem).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL for bad arguments, geometry or alignment
 *         (handle 8 bytes, shared memory 16 bytes); ::COSMOSB_ENOMEM if a memory block is too small.
 * @par Concurrency: the shared memory must not be in use by anyone else yet.
 */
COSMOSB_API int cosmosb_pipe_open_consumer(void *handle_mem, size_t handle_size, void *shared,
                                           uint64_t shared_size, const cosmosb_pipe_config_t *cfg,
                                           const cosmosb_platform_t *platform, void *channel,
                                           cosmosb_pipe_t **out);

/**
 * @brief Attaches to an existing pipe as a producer, taking a free producer slot.
 *
 * The header is validated (magic, ABI version, mode, geometry consistent with
 * @p shared_size) before anything in it is used; geometry is then kept in
 * private memory, so later scribbles on the header cannot move this handle's
 * accesses out of bounds.
 *
 * @param[out] handle_mem private memory of cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0) bytes.
 * @param[in] handle_size its size.
 * @param[in,out] shared the mapped pipe memory.
 * @param[in] shared_size the size of the mapping.
 * @param[in] platform host hooks (copied; NULL = default).
 * @param[in] channel opaque value passed to the platform's notify hook.
 * @param[out] out the producer handle.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL for bad arguments; ::COSMOSB_ECORRUPT
 *         if the header is not a valid pipe; ::COSMOSB_EVERSION if it was made by an
 *         incompatible ABI; ::COSMOSB_EBUSY if every producer slot is taken;
 *         ::COSMOSB_ECLOSED if the consumer has closed the pipe.
 * @par Concurrency: any number of producers may attach concurrently (lock-free slot claim).
 */
COSMOSB_API int cosmosb_pipe_open_producer(void *handle_mem, size_t handle_size, void *shared,
                                           uint64_t shared_size, const cosmosb_platform_t *platform,
                                           void *channel, cosmosb_pipe_t **out);

/**
 * @brief Closes this end of the pipe in shared memory (the handle memory is the caller's).
 *
 * A closing producer leaves its committed messages for the consumer, which
 * reclaims the slot once they are drained. A closing consumer makes blocked
 * and later senders fail with ::COSMOSB_ECLOSED. Sleepers on the other side
 * are woken.
 *
 * A consumer in a wait set (waitset.h) is not removed from it here: remove it with
 * cosmosb_waitset_remove() first (a wait on a set holding a closed handle fails with
 * ::COSMOSB_EINVAL, and one holding freed handle memory reads freed memory).
 *
 * @param[in,out] pipe the handle; it must not be used afterwards. NULL is ignored.
 * @par Concurrency: no other call on the same handle may be in progress.
 */
COSMOSB_API void cosmosb_pipe_close_endpoint(cosmosb_pipe_t *pipe);

/**
 * @brief Copies a message into the pipe.
 * @param[in,out] pipe a producer handle.
 * @param[in] type_id type id for the header.
 * @param[in] data payload (may be NULL if @p len is 0).
 * @param[in] len payload length, at most slot_size.
 * @param[in] flags ::COSMOSB_MSG_URGENT or 0.
 * @param[in] timeout_ns how long to wait for space (see @ref pipe.h "Timeouts").
 * @return ::COSMOSB_OK; ::COSMOSB_EFULL if the lane is full and @p timeout_ns is 0;
 *         ::COSMOSB_ETIMEDOUT if still full at the deadline; ::COSMOSB_EMSGSIZE if
 *         @p len exceeds slot_size; ::COSMOSB_ECLOSED / ::COSMOSB_EPEERDEAD if the
 *         consumer closed / died while the lane was full; ::COSMOSB_ECORRUPT if the
 *         consumer's index is impossible; ::COSMOSB_EROLE on a consumer handle.
 * @par Concurrency: one thread at a time per producer handle; lock-free when it does not wait.
 * @par Memory ordering: the payload is visible to the consumer before the message is (release).
 */
COSMOSB_API int cosmosb_pipe_send(cosmosb_pipe_t *pipe, uint64_t type_id, const void *data,
                                  uint32_t len, uint32_t flags, uint64_t timeout_ns);

/**
 * @brief Reserves the next slot for writing in place (zero copy).
 *
 * Fill `slot->data` with at most `slot->capacity` bytes, then call
 * cosmosb_pipe_commit(). Until then the consumer sees nothing. Reserving again
 * without committing returns the same slot.
 *
 * @param[in,out] pipe a producer handle.
 * @param[in] flags ::COSMOSB_MSG_URGENT or 0.
 * @param[in] timeout_ns how long to wait for space.
 * @param[out] slot the reserved slot.
 * @return as cosmosb_pipe_send() (except ::COSMOSB_EMSGSIZE).
 * @par Concurrency: one thread at a time per producer handle.
 */
COSMOSB_API int cosmosb_pipe_reserve(cosmosb_pipe_t *pipe, uint32_t flags, uint64_t timeout_ns,
                                     cosmosb_slot_t *slot);

/**
 * @brief Publishes a slot obtained from cosmosb_pipe_reserve().
 * @param[in,out] pipe the producer handle that reserved it.
 * @param[in] slot the reservation (must be the latest one of its lane).
 * @param[in] type_id type id for the header.
 * @param[in] len bytes written, at most slot->capacity.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL if @p slot is not the current reservation;
 *         ::COSMOSB_EMSGSIZE if @p len is too large; ::COSMOSB_EROLE on a consumer.
 * @par Concurrency: one thread at a time per producer handle; wait-free.
 * @par Memory ordering: release, as cosmosb_pipe_send().
 */
COSMOSB_API int cosmosb_pipe_commit(cosmosb_pipe_t *pipe, const cosmosb_slot_t *slot,
                                    uint64_t type_id, uint32_t len);

/**
 * @brief Sends several messages with one synchronisation.
 * @param[in,out] pipe a producer handle.
 * @param[in] items the messages, in order.
 * @param[in] n how many (at most the lane's capacity with ::COSMOSB_BATCH_BULK).
 * @param[in] flags ::COSMOSB_MSG_URGENT, ::COSMOSB_BATCH_BULK.
 * @param[in] timeout_ns how long to wait for space (for all @p n in bulk mode, for at least one in burst mode).
 * @return the number sent (n in bulk mode, 1..n in burst mode), or a negative code
 *         as cosmosb_pipe_send(); ::COSMOSB_EINVAL if bulk @p n exceeds the capacity.
 *         Returns 0 only when @p n is 0.
 * @par Concurrency: one thread at a time per producer handle.
 */
COSMOSB_API int cosmosb_pipe_send_batch(cosmosb_pipe_t *pipe, const cosmosb_send_item_t *items,
                                        uint32_t n, uint32_t flags, uint64_t timeout_ns);

/**
 * @brief Copies the next message out of the pipe (urgent lanes first).
 * @param[in,out] pipe the consumer handle.
 * @param[out] buf destination for the payload.
 * @param[in] buf_size its size.
 * @param[out] info header of the message (may be NULL).
 * @param[in] timeout_ns how long to wait for a message.
 * @return ::COSMOSB_OK; ::COSMOSB_EAGAIN if empty and @p timeout_ns is 0;
 *         ::COSMOSB_ETIMEDOUT; ::COSMOSB_EMSGSIZE if the payload does not fit
 *         (the message stays queued and `info->len` says how big it is);
 *         ::COSMOSB_ECORRUPT if a message header is impossible (the bad
 *         message is dropped and counted; a producer that rewrites its owner
 *         word is quarantined; other producers keep working); ::COSMOSB_EPEERDEAD /
 *         ::COSMOSB_ECLOSED if the pipe is empty and its last producer died /
 *         closed (and no other producer is attached: the status clears when
 *         one attaches); ::COSMOSB_EROLE on a producer handle.
 * @par Concurrency: one thread at a time on the consumer handle; lock-free when it does not wait.
 * @par Memory ordering: acquire; the payload written before the sender's commit is visible.
 */
COSMOSB_API int cosmosb_pipe_recv(cosmosb_pipe_t *pipe, void *buf, uint32_t buf_size,
                                  cosmosb_msg_info_t *info, uint64_t timeout_ns);

/**
 * @brief Returns the next message in place without removing it.
 *
 * `view->data` points into the shared slot. The header fields in `view->info`
 * were copied and checked, but an untrusted sender can still change the
 * payload bytes while you read them: validate copies, not the slot (see docs).
 *
 * @param[in,out] pipe the consumer handle.
 * @param[out] view the message.
 * @param[in] timeout_ns how long to wait for a message.
 * @return as cosmosb_pipe_recv() (without ::COSMOSB_EMSGSIZE).
 * @par Concurrency: one thread at a time on the consumer handle.
 */
COSMOSB_API int cosmosb_pipe_peek(cosmosb_pipe_t *pipe, cosmosb_msg_view_t *view,
                                  uint64_t timeout_ns);

/**
 * @brief Like cosmosb_pipe_peek() with timeout 0, but looks at the urgent lanes only.
 *
 * Lets a receiver that serves several pipes drain every pipe's urgent lane
 * before any normal lane (the typed message pump does). Remove the message
 * with cosmosb_pipe_consume().
 *
 * @param[in,out] pipe the consumer handle.
 * @param[out] view the message.
 * @return ::COSMOSB_OK; ::COSMOSB_EAGAIN if no urgent message is queued;
 *         ::COSMOSB_ECORRUPT as cosmosb_pipe_recv(); ::COSMOSB_EROLE; ::COSMOSB_EINVAL.
 *         Never reports a departed producer (a normal receive does).
 * @par Concurrency: one thread at a time on the consumer handle; never waits.
 */
COSMOSB_API int cosmosb_pipe_peek_urgent(cosmosb_pipe_t *pipe, cosmosb_msg_view_t *view);

/**
 * @brief Removes the message returned by the last cosmosb_pipe_peek() or cosmosb_pipe_peek_urgent().
 * @param[in,out] pipe the consumer handle.
 * @param[in] view the view from cosmosb_pipe_peek().
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL if @p view is not the message at the head of its lane.
 * @par Concurrency: one thread at a time on the consumer handle; wait-free.
 * @par Memory ordering: release; the slot may be reused by the sender afterwards.
 */
COSMOSB_API int cosmosb_pipe_consume(cosmosb_pipe_t *pipe, const cosmosb_msg_view_t *view);

/**
 * @brief Receives several messages with one synchronisation per lane.
 * @param[in,out] pipe the consumer handle.
 * @param[in,out] items buffers in, messages out.
 * @param[in] n how many items.
 * @param[in] flags ::COSMOSB_BATCH_BULK for all-or-nothing.
 * @param[in] timeout_ns how long to wait (for all @p n in bulk mode, for at least one in burst mode).
 * @return number received, or a negative code as cosmosb_pipe_recv(). A message
 *         that does not fit its item stops the batch (returned count excludes it;
 *         ::COSMOSB_EMSGSIZE if it is the first). Returns 0 only when @p n is 0.
 *         In bulk mode: ::COSMOSB_EINVAL if @p n exceeds what all lanes of all
 *         producer slots can hold; ::COSMOSB_EPEERDEAD or ::COSMOSB_ECLOSED at
 *         once, whatever the timeout, when fewer than @p n are queued and every
 *         producer has died or closed (the messages left stay for burst receives).
 * @par Concurrency: one thread at a time on the consumer handle.
 */
COSMOSB_API int cosmosb_pipe_recv_batch(cosmosb_pipe_t *pipe, cosmosb_recv_item_t *items,
                                        uint32_t n, uint32_t flags, uint64_t timeout_ns);

/**
 * @brief Sets how long a waiting call spins before it sleeps.
 * @param[in,out] pipe either end.
 * @param[in] spin_ns spin budget in nanoseconds; 0 sleeps at once (lowest CPU use),
 *            larger values keep a busy conversation at busy-poll latency.
 *            The default is 50000 (50 µs).
 * @return ::COSMOSB_OK or ::COSMOSB_EINVAL for a NULL handle.
 * @par Concurrency: same thread as the handle's operations.
 */
COSMOSB_API int cosmosb_pipe_set_spin_ns(cosmosb_pipe_t *pipe, uint64_t spin_ns);

/**
 * @brief Reads the handle's counters and the pipe's occupancy.
 * @param[in] pipe either end.
 * @param[out] stats filled in.
 * @return ::COSMOSB_OK or ::COSMOSB_EINVAL.
 * @par Concurrency: same thread as the handle's operations.
 */
COSMOSB_API int cosmosb_pipe_stats(const cosmosb_pipe_t *pipe, cosmosb_pipe_stats_t *stats);

/**
 * @brief Checks whether the peer is still there.
 *
 * For a producer: the consumer. For the consumer: any producer (returns
 * ::COSMOSB_OK while at least one producer is attached and alive). Dead
 * producers found here are reaped once their messages are drained.
 *
 * @param[in,out] pipe either end.
 * @return ::COSMOSB_OK if alive; ::COSMOSB_EPEERDEAD; ::COSMOSB_ECLOSED;
 *         ::COSMOSB_EAGAIN (consumer with no producer attached yet);
 *         ::COSMOSB_EINVAL.
 * @par Concurrency: same thread as the handle's operations. Makes a system call on Linux.
 */
COSMOSB_API int cosmosb_pipe_check_peer(cosmosb_pipe_t *pipe);

/**
 * @brief Arms an out-of-band notification (platform notify hook; eventfd on Linux).
 *
 * After a successful arm the next message sent triggers the platform's
 * notify hook once. Typical loop: receive with timeout 0 until
 * ::COSMOSB_EAGAIN, arm, and if arm returns ::COSMOSB_OK poll the fd with a
 * timeout of at most ::COSMOSB_LIVENESS_SLICE_MS; then, readable or not,
 * drain the fd (cosmosb_pipe_eventfd_drain() on Linux), call
 * cosmosb_pipe_check_peer() and start over.
 *
 * The notification has no time bound, unlike the library's own sleeps: a
 * producer killed after publishing and before its notify, or one that attached
 * without the notification channel (cosmosb_pipe_attach() with @c event_fd -1),
 * never sends it, and a poll without timeout would then sleep for good with a
 * message queued or its producer dead. The timeout bounds that to one slice.
 *
 * @param[in,out] pipe the consumer handle.
 * @return ::COSMOSB_OK armed (nothing queued); ::COSMOSB_EAGAIN messages are
 *         already queued (receive them first); ::COSMOSB_EROLE; ::COSMOSB_EINVAL.
 * @par Concurrency: consumer thread only.
 * @par Memory ordering: sequentially consistent with the senders' publication, so no notification is lost.
 */
COSMOSB_API int cosmosb_pipe_arm_notify(cosmosb_pipe_t *pipe);

/** @brief A futex word and the value to wait on, for waiting on several pipes at once. */
typedef struct cosmosb_wait_token {
    const void *addr;   /**< 32-bit word in the pipe's shared memory (the consumer doorbell) */
    uint32_t expected;  /**< sleep only while the word still holds this value */
    uint32_t reserved;  /**< zero */
} cosmosb_wait_token_t;

/**
 * @brief Announces that the consumer is about to sleep, for multi-pipe waits.
 *
 * Marks the consumer as sleeping (so senders will wake its doorbell), then
 * checks once more for messages. If none are queued the caller may sleep on
 * `token->addr` while it holds `token->expected` (futex compare semantics), for
 * example with futex_waitv over several pipes; a sender that publishes after
 * this call changes the word and wakes it, so no wakeup is lost.
 *
 * @param[in,out] pipe the consumer handle.
 * @param[out] token where and on what value to sleep.
 * @return ::COSMOSB_OK (sleep now); ::COSMOSB_EAGAIN (messages are queued; receive
 *         them); ::COSMOSB_EPEERDEAD / ::COSMOSB_ECLOSED (empty and the last producer
 *         died / closed); ::COSMOSB_EROLE; ::COSMOSB_EINVAL.
 * @par Concurrency: consumer thread only.
 * @par Memory ordering: sequentially consistent with the senders' publication.
 */
COSMOSB_API int cosmosb_pipe_wait_prepare(cosmosb_pipe_t *pipe, cosmosb_wait_token_t *token);

/**
 * @brief Role of a handle.
 * @param[in] pipe a handle.
 * @return ::COSMOSB_ROLE_CONSUMER, ::COSMOSB_ROLE_PRODUCER, or 0 for NULL.
 * @par Concurrency: any thread.
 */
COSMOSB_API uint32_t cosmosb_pipe_role(const cosmosb_pipe_t *pipe);

COSMOSB_END_DECLS

#endif /* COSMOSB_PIPE_H */

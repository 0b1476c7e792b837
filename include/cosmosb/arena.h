/**
 * @file arena.h
 * @brief The immutable arena: ref-counted objects in shared memory, built once, shared by reference.
 *
 * An arena is two shared areas: **data** (object bytes, written only by
 * writer participants and mapped read-only by the others) and **meta**
 * (reference holders, block and object states, transfers; writable by every
 * participant). Processes or kernel tasks join it as numbered participants
 * (at most `max_participants`, fixed at creation). An object's life:
 *
 *   1. cosmosb_arena_alloc(): a writer bump-allocates it in a block it owns
 *      (blocks come from a lock-free pool; a big object takes a run of
 *      blocks) and gets a reference plus a writable pointer;
 *   2. it fills the bytes and may attach frozen children
 *      (cosmosb_arena_add_child(): the parent then holds a reference to each);
 *   3. cosmosb_arena_freeze(): from now on the object never changes;
 *   4. it shares the object: cosmosb_arena_give() makes a reference for
 *      another participant (a transfer) that travels in a message; the
 *      addressee takes it with cosmosb_arena_accept(), resolves it to a const
 *      pointer (cosmosb_arena_resolve()) and releases it when done.
 *
 * An object lives while any participant holds a reference to it, any
 * transfer of it is outstanding, or a live parent holds it. Releasing the
 * last reference to a parent releases its children, iteratively. A block
 * returns to the pool when every object in it is dead.
 *
 * **Crash reaping.** References are accounted per participant: holder bits
 * in meta say which participants hold each object; how many times is
 * private to each participant. When a participant dies (SIGKILL at any
 * instruction) any survivor reaps it with cosmosb_arena_reap(): exactly the
 * references the dead one held are dropped, its unfinished allocations
 * freed, the blocks it owned retired, transfers addressed to it cancelled;
 * transfers it made that are still in flight stay valid until their
 * addressee accepts or declines them. The protocol and every point where a
 * death can occur are described in docs/arena.md.
 *
 * **Hostile peers.** Every index and offset read from meta or data is
 * checked before use; a corrupt arena yields ::COSMOSB_ECORRUPT, never an
 * out-of-bounds access or a hang. A participant that scribbles on meta can
 * make objects die early or leak (meta must be writable by all), never make
 * a survivor read outside the arena.
 *
 * The core never allocates: the caller provides the meta and data areas and
 * the handle memory (sizes from cosmosb_arena_memsize() and
 * cosmosb_arena_handle_memsize()). On Linux, arena_linux.h creates the two
 * areas as sealed memfds, maps data read-only for receivers, and passes
 * them as file descriptors.
 *
 * @par Concurrency
 * A handle (one participant) is used by one thread at a time. Different
 * handles, in any threads and processes, operate concurrently without locks
 * except for the graph lock, taken only when an object that has children is
 * freed or gets a child (never by leaf objects).
 */
#ifndef COSMOSB_ARENA_H
#define COSMOSB_ARENA_H

#include "cosmosb/defs.h"
#include "cosmosb/platform.h"
#include "cosmosb/ref.h"

COSMOSB_BEGIN_DECLS

/** @brief Opaque handle: one participant's view of an arena. */
typedef struct cosmosb_arena cosmosb_arena_t;

/** @brief Largest number of participants of one arena. */
#define COSMOSB_ARENA_MAX_PARTICIPANTS 255u
/** @brief Largest number of outstanding transfers per participant. */
#define COSMOSB_ARENA_MAX_TRANSFERS 4095u
/** @brief Largest number of blocks of one arena (2^20). */
#define COSMOSB_ARENA_MAX_BLOCKS 1048576u
/** @brief Largest number of children of one object. */
#define COSMOSB_ARENA_MAX_CHILDREN 65535u
/** @brief Bytes of the per-object header in data that precede the child list and payload. */
#define COSMOSB_ARENA_OBJECT_HEADER 32u
/** @brief Value of cosmosb_arena_participant() for a handle with no slot (never returned for an open handle). */
#define COSMOSB_ARENA_NO_PARTICIPANT UINT32_MAX

/** @brief Join flag: this participant writes objects (its data mapping is writable). */
#define COSMOSB_ARENA_WRITER 0x1u

/** @brief Geometry of an arena. Initialise with cosmosb_arena_config_init(). */
typedef struct cosmosb_arena_config {
    uint64_t data_size;         /**< bytes of object data; rounded up to a whole number of blocks (default 64 MiB) */
    uint32_t block_size;        /**< bytes per block: a power of two, 4096 .. 16 MiB (default 64 KiB) */
    uint32_t objects_per_block; /**< object entries per block: a multiple of 32, 32 .. 4096 (default 256) */
    uint32_t max_participants;  /**< 1 .. 255 (default 32); up to 32 the last release of an object takes no read-modify-write, above 32 that of a frozen object takes two CASes (docs/arena.md, "Closing") */
    uint32_t max_transfers;     /**< outstanding transfers per participant, 1 .. 4095 (default 1024) */
    uint32_t reserved[2];       /**< must be 0 */
} cosmosb_arena_config_t;

/** @brief Usage counters of an arena (a consistent-enough snapshot, not atomic as a whole). */
typedef struct cosmosb_arena_stats {
    uint64_t data_size;          /**< bytes of the data area */
    uint64_t bytes_in_use;       /**< bytes of blocks not in the pool (owned, retired or in runs) */
    uint64_t object_bytes;       /**< bytes of live objects (headers, child lists and payloads) */
    uint32_t blocks_total;       /**< blocks in the arena */
    uint32_t blocks_free;        /**< blocks in the pool */
    uint32_t live_objects;       /**< objects allocated and not yet freed (including unfrozen ones) */
    uint32_t frozen_objects;     /**< of those, frozen */
    uint32_t participants;       /**< participants alive (joined, not reaped) */
    uint32_t zombies;            /**< dead or departed participants kept until their transfers resolve, or dead ones marked by a graph-lock waiter until the next cosmosb_arena_poll() reaps them */
    uint32_t transfers_live;     /**< transfers made and not yet accepted or declined (all participants) */
    uint32_t recoveries;         /**< graph-lock operations completed on behalf of a holder that died (since creation) */
} cosmosb_arena_stats_t;

/** @brief What one participant holds (see cosmosb_arena_participant_stats()). */
typedef struct cosmosb_arena_participant_stats {
    uint32_t state;              /**< 0 free, 1 alive, 2 being reaped, 3 zombie */
    uint32_t self_id;            /**< the platform identifier it joined with (on Linux the pid, with a tag in bits 22..29 and bit 30 if it holds a liveness lock); 0xffffffff if its platform has none */
    uint32_t objects_held;       /**< objects whose holder bit it has */
    uint32_t transfers_live;     /**< its transfers not yet accepted or declined */
    uint32_t flags;              /**< COSMOSB_ARENA_WRITER if it writes */
    uint32_t reserved;           /**< 0 */
} cosmosb_arena_participant_stats_t;

/**
 * @brief Fills @p cfg with the defaults (64 MiB of data in 64 KiB blocks, 256 objects per block, 32 participants, 1024 transfers each).
 * @param[out] cfg the configuration.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL if @p cfg is NULL.
 * @par Concurrency: thread-safe (writes only @p cfg).
 */
COSMOSB_API int cosmosb_arena_config_init(cosmosb_arena_config_t *cfg);

/**
 * @brief Computes the sizes of the meta and data areas for a configuration.
 * @param[in] cfg the configuration.
 * @param[out] meta_size bytes of the meta area (may be NULL).
 * @param[out] data_size bytes of the data area: `cfg->data_size` rounded up to whole blocks (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL if the configuration is out of range
 *         (see the fields of ::cosmosb_arena_config_t; at most 2^20 blocks;
 *         the block's offset table must leave room for objects).
 * @par Concurrency: thread-safe (pure).
 */
COSMOSB_API int cosmosb_arena_memsize(const cosmosb_arena_config_t *cfg, uint64_t *meta_size, uint64_t *data_size);

/**
 * @brief Bytes of handle memory needed to join an arena.
 *
 * @param[in] meta the arena's meta area (formatted by cosmosb_arena_format()); its geometry is read and checked.
 * @param[in] meta_size bytes of @p meta.
 * @param[out] size bytes to pass to cosmosb_arena_join() (private memory: a
 *             16-bit reference count per object slot, plus bookkeeping).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL if a pointer is NULL;
 *         ::COSMOSB_ECORRUPT or ::COSMOSB_EVERSION if @p meta is not a valid arena header.
 * @par Concurrency: thread-safe (reads only).
 */
COSMOSB_API int cosmosb_arena_handle_memsize(const void *meta, uint64_t meta_size, size_t *size);

/**
 * @brief Formats fresh meta memory as an empty arena (every block free).
 *
 * @param[out] meta meta area of at least the size given by cosmosb_arena_memsize(), 64-byte aligned; zeroed here.
 * @param[in] meta_size its size.
 * @param[in] data_size size of the data area that goes with it (as given by cosmosb_arena_memsize()).
 * @param[in] cfg the geometry.
 * @param[in] arena_id identifier stored in every reference; not 0 (pick it at random so that references to another arena are refused).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (bad configuration, NULL, misaligned, @p arena_id 0);
 *         ::COSMOSB_ENOMEM if @p meta_size or @p data_size is too small.
 * @par Concurrency: not thread-safe: nobody may use the memory during formatting.
 * @par Memory ordering: the header's magic is stored last with release; join acquires it.
 */
COSMOSB_API int cosmosb_arena_format(void *meta, uint64_t meta_size, uint64_t data_size,
                                     const cosmosb_arena_config_t *cfg, uint32_t arena_id);

/**
 * @brief Joins an arena as a new participant.
 *
 * Validates the meta header (magic, ABI and layout version, geometry against
 * the given sizes), then claims a free participant slot for the caller
 * (`platform->self_id` identifies it for liveness checks).
 *
 * @param[out] handle_mem private memory for the handle, 8-byte aligned, of cosmosb_arena_handle_memsize() bytes.
 * @param[in] handle_size its size.
 * @param[in,out] meta the meta area (writable).
 * @param[in] meta_size its size.
 * @param[in] data the data area (readable; may be a read-only mapping).
 * @param[in] data_writable the same data area mapped writable, or NULL for a receive-only participant.
 * @param[in] data_size its size.
 * @param[in] platform host hooks (peer_alive and self_id for reaping, wait32/wake32 for the graph lock), or NULL for cosmosb_platform_default().
 * @param[out] out the handle.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (NULL, misaligned); ::COSMOSB_ENOMEM
 *         (handle memory too small); ::COSMOSB_ECORRUPT / ::COSMOSB_EVERSION
 *         (not an arena, or sizes disagree); ::COSMOSB_EBUSY if every
 *         participant slot is taken (reap dead participants first).
 * @par Concurrency: thread-safe with respect to other participants.
 */
COSMOSB_API int cosmosb_arena_join(void *handle_mem, size_t handle_size, void *meta, uint64_t meta_size,
                                   const void *data, void *data_writable, uint64_t data_size,
                                   const cosmosb_platform_t *platform, cosmosb_arena_t **out);

/**
 * @brief Leaves the arena: drops every reference this participant holds, as reaping would.
 *
 * Objects only it held are freed; its blocks are retired; transfers it made
 * that are still outstanding stay valid for their addressees (its slot is
 * kept as a zombie until they resolve). The handle is invalid afterwards.
 * @param[in] arena the handle (NULL or a closed handle: nothing happens).
 * @par Concurrency: one thread, no other call on the same handle.
 */
COSMOSB_API void cosmosb_arena_leave(cosmosb_arena_t *arena);

/**
 * @brief This participant's index (the `dest` that others give it transfers with).
 * @param[in] arena the handle.
 * @return The index, or ::COSMOSB_ARENA_NO_PARTICIPANT for a bad handle.
 * @par Concurrency: any thread.
 */
COSMOSB_API uint32_t cosmosb_arena_participant(const cosmosb_arena_t *arena);

/**
 * @brief The arena's identifier (stored in every reference).
 * @param[in] arena the handle.
 * @return The id, or 0 for a bad handle.
 * @par Concurrency: any thread.
 */
COSMOSB_API uint32_t cosmosb_arena_id(const cosmosb_arena_t *arena);

/**
 * @brief Finds the participant that joined with a given platform identifier (a pid on Linux).
 * @param[in] arena the handle.
 * @param[in] self_id the identifier; a participant's identifier with bit 30 set is matched on its
 *            low 22 bits (the platform's own data above, see cosmosb_platform_t::self_id), so a pid
 *            finds a Linux participant. A participant without an identifier is never found. The
 *            first record in the joined state with that identifier is given: after pid reuse it
 *            may be a dead one that no poll has reaped yet.
 * @param[out] participant its index.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_EAGAIN if no joined participant has that identifier.
 * @par Concurrency: one thread per handle; lock-free.
 */
COSMOSB_API int cosmosb_arena_find_participant(cosmosb_arena_t *arena, uint32_t self_id, uint32_t *participant);

/**
 * @brief Allocates an object (not yet frozen) and returns a reference and a writable pointer.
 *
 * The caller holds one reference. The payload is not zeroed. Data layout:
 * a 32-byte header (type, size, child capacity), the child list, then the
 * payload, 16-byte aligned.
 *
 * @param[in] arena a writer handle.
 * @param[in] type_id the object's type (a schema type id; 0 is allowed and means untyped).
 * @param[in] size payload bytes (0 .. what fits in the arena).
 * @param[in] max_children how many children cosmosb_arena_add_child() may attach (0 .. 65535).
 * @param[out] ref reference to the new object.
 * @param[out] data writable pointer to its payload (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_EPERM for a receive-only
 *         participant; ::COSMOSB_ENOMEM if no block (or run of blocks) is
 *         free even after reaping dead participants; ::COSMOSB_ECORRUPT if
 *         the arena's meta is inconsistent.
 * @par Concurrency: one thread per handle; lock-free (a block claim is a CAS, usually none).
 */
COSMOSB_API int cosmosb_arena_alloc(cosmosb_arena_t *arena, uint64_t type_id, uint32_t size,
                                    uint32_t max_children, cosmosb_ref_t *ref, void **data);

/**
 * @brief Returns the writable payload of an object this participant allocated and has not frozen.
 * @param[in] arena the writer handle that allocated it.
 * @param[in] ref the object.
 * @param[out] data writable payload.
 * @param[out] size payload bytes (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_EPERM (receive-only);
 *         ::COSMOSB_ESTALE; ::COSMOSB_ESTATE if frozen or not allocated by this participant.
 * @par Concurrency: one thread per handle; wait-free.
 */
COSMOSB_API int cosmosb_arena_writable(cosmosb_arena_t *arena, const cosmosb_ref_t *ref, void **data, uint32_t *size);

/**
 * @brief Attaches a frozen child to an unfrozen parent; the parent holds a reference to it.
 *
 * Children are built first (the child must be frozen), so object graphs
 * have no cycles. The caller must hold a reference to @p child; it may
 * release it afterwards.
 *
 * @param[in] arena the writer handle that allocated @p parent.
 * @param[in] parent an unfrozen object allocated by this participant.
 * @param[in] child a frozen object of the same arena held by the caller.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ESTALE; ::COSMOSB_ESTATE
 *         (parent frozen / child not frozen / not held); ::COSMOSB_ENOMEM if
 *         the parent's child list is full; ::COSMOSB_EOVERFLOW if the child
 *         has 2^32-1 parents; ::COSMOSB_ETIMEDOUT if the graph lock stayed held for a second by
 *         a participant that looks alive (a stuck process, or a lock word forged by a hostile peer;
 *         nothing changed), or at once if this handle gave up on the same holder before.
 * @par Concurrency: one thread per handle; takes the graph lock (short).
 */
COSMOSB_API int cosmosb_arena_add_child(cosmosb_arena_t *arena, const cosmosb_ref_t *parent,
                                        const cosmosb_ref_t *child);

/**
 * @brief Freezes an object: it can never change again and can now be shared.
 * @param[in] arena the writer handle that allocated it.
 * @param[in] ref the object.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ESTALE; ::COSMOSB_ESTATE if already frozen or not this participant's.
 * @par Concurrency: one thread per handle; wait-free.
 * @par Memory ordering: release: every byte written before is visible to whoever resolves the object.
 */
COSMOSB_API int cosmosb_arena_freeze(cosmosb_arena_t *arena, const cosmosb_ref_t *ref);

/**
 * @brief Checks a reference and returns a const pointer to the object's payload.
 *
 * Checks the arena id, the index, that the object is frozen with the same
 * generation, its header (bounds within its block or run) and, if
 * @p type_id is not 0, its type. The caller should hold a reference (its
 * own, or an accepted transfer) while it reads; otherwise the object may be
 * freed and its memory reused under it (reads stay inside the arena).
 *
 * @param[in] arena the handle.
 * @param[in] ref the reference.
 * @param[in] type_id the expected type, or 0 for any.
 * @param[out] data const pointer to the payload (may be NULL).
 * @param[out] size payload bytes (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE (index out of
 *         range, or another arena's id); ::COSMOSB_ESTALE (freed or reused);
 *         ::COSMOSB_ESTATE (not frozen); ::COSMOSB_ETYPE; ::COSMOSB_ECORRUPT (header out of bounds).
 * @par Concurrency: one thread per handle; wait-free.
 * @par Memory ordering: acquire: sees every byte written before the freeze.
 */
COSMOSB_API int cosmosb_arena_resolve(cosmosb_arena_t *arena, const cosmosb_ref_t *ref, uint64_t type_id,
                                      const void **data, uint32_t *size);

/**
 * @brief Returns the type and child list of a frozen object.
 * @param[in] arena the handle.
 * @param[in] ref the object (frozen).
 * @param[out] type_id its type (may be NULL).
 * @param[out] children up to @p max references to its children (no transfer token; may be NULL if @p max is 0).
 * @param[in] max capacity of @p children.
 * @param[out] count number of children (may exceed @p max; may be NULL).
 * @return as cosmosb_arena_resolve().
 * @par Concurrency: one thread per handle; wait-free.
 */
COSMOSB_API int cosmosb_arena_inspect(cosmosb_arena_t *arena, const cosmosb_ref_t *ref, uint64_t *type_id,
                                      cosmosb_ref_t *children, uint32_t max, uint32_t *count);

/**
 * @brief Takes one more reference to an object.
 *
 * Works whether or not the caller already holds one. A caller that does not
 * (a borrowed reference) must know that someone else holds the object for
 * the duration of the call, as with any reference count; a reference to an
 * object that was already freed gives ::COSMOSB_ESTALE and nothing is taken.
 * So does an object that cannot be alive by the caller's own bookkeeping (it
 * would lie where the caller allocates next, or overlap what the caller holds:
 * an old object made to look alive by a hostile peer; docs/arena.md section 9).
 * @param[in] arena the handle.
 * @param[in] ref the object (frozen).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE; ::COSMOSB_ESTALE;
 *         ::COSMOSB_ESTATE (not frozen); ::COSMOSB_EOVERFLOW (65535 references by this participant).
 * @par Concurrency: one thread per handle; lock-free.
 */
COSMOSB_API int cosmosb_arena_acquire(cosmosb_arena_t *arena, const cosmosb_ref_t *ref);

/**
 * @brief Drops one reference this participant holds; the last one anywhere frees the object.
 *
 * Freeing releases the object's children (iteratively, under the graph
 * lock if it has any) and returns its block to the pool when the block is
 * empty. Transfers that this participant made and that were accepted or
 * declined since the last call are reclaimed too. If the graph lock stays
 * held for a second by a participant that looks alive (stuck, or a forged
 * lock word), the free of an object with children is put off: the object
 * stays allocated with no holder, and the next cosmosb_arena_poll() of any
 * participant frees it once the lock can be taken.
 * @param[in] arena the handle.
 * @param[in] ref the object.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE; ::COSMOSB_ESTALE;
 *         ::COSMOSB_ESTATE if this participant holds no reference to it.
 * @par Concurrency: one thread per handle; lock-free for leaf objects.
 */
COSMOSB_API int cosmosb_arena_release(cosmosb_arena_t *arena, const cosmosb_ref_t *ref);

/**
 * @brief Makes a reference for another participant: a transfer that travels in a message.
 *
 * The object stays alive for the addressee until it accepts or declines the
 * transfer, even if the giver releases its own reference or dies meanwhile.
 * Giving to N participants costs N transfers and no copy of the data.
 * @param[in] arena the handle (it must hold a reference to the object).
 * @param[in] ref the object (frozen).
 * @param[in] dest the addressee's participant index.
 * @param[out] out the reference to send (it carries the transfer token).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE (bad @p dest);
 *         ::COSMOSB_ESTALE; ::COSMOSB_ESTATE (not frozen, or not held by the
 *         caller); ::COSMOSB_ENOMEM (max_transfers outstanding: the
 *         addressees have not accepted yet).
 * @par Concurrency: one thread per handle; lock-free.
 * @par Memory ordering: release: the addressee that accepts sees the object.
 */
COSMOSB_API int cosmosb_arena_give(cosmosb_arena_t *arena, const cosmosb_ref_t *ref, uint32_t dest,
                                   cosmosb_ref_t *out);

/**
 * @brief Takes ownership of a transfer addressed to this participant.
 *
 * Afterwards the caller holds one reference (release it with
 * cosmosb_arena_release()). Each transfer can be accepted once.
 * @param[in] arena the addressee's handle.
 * @param[in] ref a reference made by cosmosb_arena_give() for this participant.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (NULL, or no transfer token);
 *         ::COSMOSB_ERANGE; ::COSMOSB_ESTALE (the transfer was already
 *         accepted, declined or cancelled, or the object is gone, or cannot be
 *         alive by the caller's own bookkeeping, as for cosmosb_arena_acquire());
 *         ::COSMOSB_EPERM (addressed to someone else); ::COSMOSB_EOVERFLOW.
 * @par Concurrency: one thread per handle; lock-free.
 */
COSMOSB_API int cosmosb_arena_accept(cosmosb_arena_t *arena, const cosmosb_ref_t *ref);

/**
 * @brief Refuses a transfer addressed to this participant (for example in a rejected message).
 * @param[in] arena the addressee's handle.
 * @param[in] ref the transfer.
 * @return as cosmosb_arena_accept().
 * @par Concurrency: one thread per handle; lock-free.
 */
COSMOSB_API int cosmosb_arena_decline(cosmosb_arena_t *arena, const cosmosb_ref_t *ref);

/**
 * @brief Declines every outstanding transfer that @p sender made to this participant.
 *
 * Call it when you know no message from @p sender is still on its way (for
 * example after a pipe reported that producer's departure and you drained
 * its messages): a sender killed between cosmosb_arena_give() and sending
 * its message leaves a transfer that nobody would otherwise accept.
 * @param[in] arena the addressee's handle.
 * @param[in] sender the giver's participant index.
 * @param[out] declined how many were declined (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE.
 * @par Concurrency: one thread per handle; lock-free.
 */
COSMOSB_API int cosmosb_arena_decline_from(cosmosb_arena_t *arena, uint32_t sender, uint32_t *declined);

/**
 * @brief Schema validation hook for arena reference fields.
 *
 * Matches the schema layer's `check_ref` hook: @p ctx is a `cosmosb_arena_t *`.
 * Checks without taking anything: the reference resolves (frozen, same
 * generation, type @p target_type_id unless 0) and, if it carries a
 * transfer token, the transfer is outstanding and addressed to this
 * participant.
 * @param[in] ctx the receiving participant's handle.
 * @param[in] ref the reference found in a message.
 * @param[in] target_type_id the type the schema field declares (0: any).
 * @return ::COSMOSB_OK or the error cosmosb_arena_resolve() / cosmosb_arena_accept() would give.
 * @par Concurrency: as cosmosb_arena_resolve().
 */
COSMOSB_API int cosmosb_arena_check_ref(void *ctx, const cosmosb_ref_t *ref, uint64_t target_type_id);

/**
 * @brief Drops, now, this participant's units for transfers that were accepted or declined.
 *
 * A giver notices settled transfers lazily (a couple per call); call this
 * when the objects they pinned should be freed at once (the buffer manager
 * does before it reports a buffer full). No liveness check, no system call.
 * @param[in] arena the handle.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL.
 * @par Concurrency: one thread per handle; lock-free for leaf objects.
 */
COSMOSB_API int cosmosb_arena_reclaim(cosmosb_arena_t *arena);

/**
 * @brief Reclaims this participant's accepted or declined transfers and reaps dead participants.
 *
 * Checks every other participant's liveness (platform `peer_alive`) and
 * reaps the dead ones (see cosmosb_arena_reap()), and retries frees that
 * were put off because the graph lock stayed held (see
 * cosmosb_arena_release()). Cheap when nothing happened: call it from an
 * event loop or after a burst of sends. While the graph lock stays held by
 * a participant that looks alive, one call waits for it a second at most
 * in all.
 * @param[in] arena the handle.
 * @param[out] reaped number of participants reaped by this call (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ECORRUPT.
 * @par Concurrency: one thread per handle; several participants may reap at once (each dead one is reaped once).
 */
COSMOSB_API int cosmosb_arena_poll(cosmosb_arena_t *arena, uint32_t *reaped);

/**
 * @brief Reaps one participant that the caller knows is dead (or that never comes back).
 *
 * Drops exactly the references it held, frees what only it held (children
 * included), completes or undoes what it was doing when it died, retires
 * its blocks and cancels transfers addressed to it. Its own outstanding
 * transfers stay valid (the slot becomes a zombie until they resolve).
 * A free slot still reserved by a joiner without a platform id that died
 * before its claim (no poll can judge it) is given back by this call.
 * @param[in] arena a survivor's handle.
 * @param[in] participant the dead participant.
 * @return ::COSMOSB_OK (reaped, or such a reservation given back); ::COSMOSB_EINVAL (itself, or a bad handle);
 *         ::COSMOSB_ERANGE; ::COSMOSB_EBUSY if it is alive according to
 *         `peer_alive` (a live participant is never reaped);
 *         ::COSMOSB_EAGAIN if there is nothing to do now: it is not joined,
 *         another live participant is reaping it, or the graph lock stayed
 *         held for a second by a participant that looks alive (a stuck
 *         process or a forged lock word; nothing of the dead one was touched
 *         and it is left a zombie: call again, or let cosmosb_arena_poll()
 *         retry).
 * @par Concurrency: one thread per handle; concurrent reapers cooperate.
 */
COSMOSB_API int cosmosb_arena_reap(cosmosb_arena_t *arena, uint32_t participant);

/**
 * @brief Usage counters (computed by a scan of meta; empty retired blocks are returned to the pool on the way).
 * @param[in] arena the handle.
 * @param[out] stats the counters.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL.
 * @par Concurrency: one thread per handle; lock-free (it may return empty blocks to the pool).
 */
COSMOSB_API int cosmosb_arena_stats(cosmosb_arena_t *arena, cosmosb_arena_stats_t *stats);

/**
 * @brief What one participant holds (computed by a scan of meta).
 * @param[in] arena the handle.
 * @param[in] participant the participant to describe.
 * @param[out] stats its counters.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE.
 * @par Concurrency: one thread per handle; reads only.
 */
COSMOSB_API int cosmosb_arena_participant_stats(cosmosb_arena_t *arena, uint32_t participant,
                                                cosmosb_arena_participant_stats_t *stats);

COSMOSB_END_DECLS

#endif /* COSMOSB_ARENA_H */

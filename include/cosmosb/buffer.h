/**
 * @file buffer.h
 * @brief The buffer manager: windows onto large shared buffers, backed by ref-counted slices.
 *
 * A buffer manager owns up to ::COSMOSB_BUFMGR_MAX_BUFFERS large buffers
 * (on Linux sealed memfds, sparse until touched) and allocates **slices** of
 * them, in one of two modes per buffer: a **ring** (streaming, like a NIC
 * receive ring: slices are taken in order and space comes back in order) or
 * a **heap** (first fit, any order). Only the manager's owner allocates;
 * other participants receive read rights only, with read-only mappings.
 *
 * A slice is an object of the manager's arena (arena.h) whose payload says
 * which bytes of which buffer it covers. So slices are reference counted,
 * shared, transferred, released and reaped after a crash exactly like
 * arena objects (no second mechanism): a **window** (window.h) names a
 * byte range inside a slice plus rights, and carries the slice's arena
 * generation; giving a window to another participant is giving it a
 * reference to the slice. The bytes of a slice are reused only after every
 * reference to it, in every process, is gone: the owner notices that
 * lazily (its next allocation, which also reaps killed receivers when it
 * finds no room) and takes the range back.
 *
 * Windows received from peers are checked on every use: the buffer id, the
 * slice (alive, same generation, a slice of that buffer), the range inside
 * the slice, the rights, and the sealed property.
 *
 * @par Concurrency
 * A manager handle is used by one thread at a time (it contains an arena
 * handle). Handles of different participants operate concurrently.
 */
#ifndef COSMOSB_BUFFER_H
#define COSMOSB_BUFFER_H

#include "cosmosb/defs.h"
#include "cosmosb/arena.h"
#include "cosmosb/window.h"

COSMOSB_BEGIN_DECLS

/** @brief Opaque handle: one participant's view of a buffer manager. */
typedef struct cosmosb_bufmgr cosmosb_bufmgr_t;

/** @brief Most buffers one manager holds. */
#define COSMOSB_BUFMGR_MAX_BUFFERS 8u
/** @brief Arena type id of slice objects (FNV-1a 64 of "cosmosb.Slice"). */
#define COSMOSB_SLICE_TYPE_ID UINT64_C(0x2a1dc47edb3ff935)
/** @brief Slices start on, and are sized in multiples of, this many bytes. */
#define COSMOSB_SLICE_ALIGN 64u

/** @brief Buffer mode: slices taken in order, space returned in order (streaming). */
#define COSMOSB_BUFFER_RING 1u
/** @brief Buffer mode: first-fit allocation, space returned in any order. */
#define COSMOSB_BUFFER_HEAP 2u

/**
 * @brief Bytes of handle memory for a manager view that may have up to @p max_slices slices outstanding.
 * @param[in] max_slices how many slices this participant may have allocated and not yet reclaimed
 *            (receivers, which allocate none, pass 0).
 * @return The size, or 0 if @p max_slices exceeds 2^20.
 * @par Concurrency: pure.
 */
COSMOSB_API size_t cosmosb_bufmgr_handle_memsize(uint32_t max_slices);

/**
 * @brief Opens a manager view over an arena handle (the arena holds the slice objects).
 * @param[out] mem handle memory (8-byte aligned) of cosmosb_bufmgr_handle_memsize() bytes.
 * @param[in] size its size.
 * @param[in] arena the participant's arena handle (the view uses it; it stays the caller's to close after the view).
 * @param[in] max_slices as given to cosmosb_bufmgr_handle_memsize().
 * @param[out] out the view.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ENOMEM (memory too small).
 * @par Concurrency: thread-safe (touches only its arguments).
 */
COSMOSB_API int cosmosb_bufmgr_open(void *mem, size_t size, cosmosb_arena_t *arena, uint32_t max_slices,
                                    cosmosb_bufmgr_t **out);

/**
 * @brief The arena handle under a view.
 * @param[in] mgr the view.
 * @return The arena handle, or NULL for a bad handle.
 * @par Concurrency: any thread.
 */
COSMOSB_API cosmosb_arena_t *cosmosb_bufmgr_arena(const cosmosb_bufmgr_t *mgr);

/**
 * @brief Makes a buffer known to this view (the owner after creating it, receivers after receiving it).
 *
 * @param[in] mgr the view.
 * @param[in] buffer_id the buffer's identifier (not 0; the same in every process).
 * @param[in] base its readable mapping.
 * @param[in] writable the same memory mapped writable, or NULL (receivers, sealed buffers).
 * @param[in] size bytes (a multiple of ::COSMOSB_SLICE_ALIGN).
 * @param[in] mode ::COSMOSB_BUFFER_RING or ::COSMOSB_BUFFER_HEAP (used only by the allocating owner).
 * @param[in] sealed nonzero if nobody can ever write the bytes again (F_SEAL_WRITE on Linux).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_EBUSY if the id is known already;
 *         ::COSMOSB_ENOMEM if the view has ::COSMOSB_BUFMGR_MAX_BUFFERS buffers.
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_bufmgr_add_buffer(cosmosb_bufmgr_t *mgr, uint32_t buffer_id, const void *base, void *writable,
                                          uint64_t size, uint32_t mode, uint32_t sealed);

/**
 * @brief Marks a known buffer sealed in this view (after its bytes became immutable) and drops its writable mapping.
 * @param[in] mgr the view.
 * @param[in] buffer_id the buffer.
 * @param[in] base its new readable mapping (the writable one is gone).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE (unknown id).
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_bufmgr_mark_sealed(cosmosb_bufmgr_t *mgr, uint32_t buffer_id, const void *base);

/**
 * @brief Allocates a slice of a buffer and returns a read-write window on all of it.
 *
 * The caller holds one reference to the slice (release it with
 * cosmosb_window_release(), usually after giving windows to receivers).
 * Space of slices that died is taken back first. When that leaves no room,
 * the manager's arena is polled (cosmosb_arena_poll(), at most once per
 * liveness period of 20 ms) before ::COSMOSB_ENOMEM is returned, so the
 * space a killed receiver held comes back by allocating alone; retrying
 * within a period costs no sweep. That poll may wait, once, up to a second
 * for the arena's graph lock held by a participant that looks alive (see
 * cosmosb_arena_poll()). In a ring buffer the slice
 * goes after the last one (wrapping to the start when the end is too
 * short) and fails while the oldest slice there is still held.
 *
 * @param[in] mgr the owner's view (its arena handle is a writer).
 * @param[in] buffer_id the buffer.
 * @param[in] length bytes (> 0; rounded up to ::COSMOSB_SLICE_ALIGN inside, the window has exactly @p length).
 * @param[out] window the window (READ|WRITE rights, no transfer).
 * @param[out] data writable pointer to the bytes (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE (unknown buffer);
 *         ::COSMOSB_EPERM (no writable mapping); ::COSMOSB_ESTATE (sealed buffer);
 *         ::COSMOSB_ENOMEM (no room in the buffer, the slice table is full, or the arena is full);
 *         errors of cosmosb_arena_alloc().
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_buffer_alloc(cosmosb_bufmgr_t *mgr, uint32_t buffer_id, uint64_t length,
                                     cosmosb_window_t *window, void **data);

/**
 * @brief Checks a window and returns a const pointer to its first byte.
 * @param[in] mgr the view.
 * @param[in] window the window (possibly from a peer).
 * @param[out] data the bytes (length `window->length`).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (NULL, unknown rights bits, reserved field set);
 *         ::COSMOSB_ERANGE (unknown buffer, or the range is not inside its slice);
 *         ::COSMOSB_ESTALE (the slice was released or reused); ::COSMOSB_EPERM (no READ right);
 *         ::COSMOSB_ESTATE (claims SEALED on a buffer that is not sealed); ::COSMOSB_ECORRUPT
 *         (slice descriptor out of bounds); errors of cosmosb_arena_resolve().
 * @par Concurrency: one thread per view; wait-free.
 */
COSMOSB_API int cosmosb_window_resolve(cosmosb_bufmgr_t *mgr, const cosmosb_window_t *window, const void **data);

/**
 * @brief Like cosmosb_window_resolve(), for writing: needs the WRITE right and a writable mapping.
 * @param[in] mgr the view.
 * @param[in] window the window.
 * @param[out] data the writable bytes.
 * @return as cosmosb_window_resolve(), plus ::COSMOSB_EPERM without WRITE right or writable mapping,
 *         ::COSMOSB_ESTATE if the buffer is sealed.
 * @par Concurrency: one thread per view; wait-free.
 */
COSMOSB_API int cosmosb_window_resolve_writable(cosmosb_bufmgr_t *mgr, const cosmosb_window_t *window, void **data);

/**
 * @brief Makes a window for another participant: a transfer of the slice reference, with rights narrowed.
 *
 * The window may be narrowed first with cosmosb_window_narrow(); the WRITE
 * right is never given away (receivers map read-only).
 * @param[in] mgr the view (it must hold the slice).
 * @param[in] window the window to give (no transfer token).
 * @param[in] dest the addressee's participant index in the arena.
 * @param[out] out the window to send; its addressee takes it with cosmosb_window_accept().
 * @return ::COSMOSB_OK; errors of cosmosb_window_resolve() and cosmosb_arena_give().
 * @par Concurrency: one thread per view; lock-free.
 */
COSMOSB_API int cosmosb_window_give(cosmosb_bufmgr_t *mgr, const cosmosb_window_t *window, uint32_t dest,
                                    cosmosb_window_t *out);

/**
 * @brief Takes ownership of a window given to this participant (its slice reference).
 * @param[in] mgr the addressee's view.
 * @param[in] window the window received (with its transfer token).
 * @return ::COSMOSB_OK; errors of cosmosb_window_resolve() and cosmosb_arena_accept().
 * @par Concurrency: one thread per view; lock-free.
 */
COSMOSB_API int cosmosb_window_accept(cosmosb_bufmgr_t *mgr, const cosmosb_window_t *window);

/**
 * @brief Refuses a window given to this participant.
 * @param[in] mgr the addressee's view.
 * @param[in] window the window.
 * @return as cosmosb_arena_decline().
 * @par Concurrency: one thread per view; lock-free.
 */
COSMOSB_API int cosmosb_window_decline(cosmosb_bufmgr_t *mgr, const cosmosb_window_t *window);

/**
 * @brief Drops one reference to the window's slice; the last one anywhere lets the owner reuse the bytes.
 * @param[in] mgr the view.
 * @param[in] window any window on the slice.
 * @return as cosmosb_arena_release().
 * @par Concurrency: one thread per view; lock-free.
 */
COSMOSB_API int cosmosb_window_release(cosmosb_bufmgr_t *mgr, const cosmosb_window_t *window);

/**
 * @brief Schema validation hook for buffer-window fields.
 *
 * Matches the schema layer's `check_window` hook: @p ctx is a
 * `cosmosb_bufmgr_t *`. The window must resolve, carry at least
 * @p required_rights, and if it has a transfer token, the transfer must be
 * outstanding and addressed to this participant. Nothing is taken.
 * @param[in] ctx the receiving view.
 * @param[in] window the window found in a message.
 * @param[in] required_rights rights the field declares (COSMOSB_WIN_READ usually).
 * @return ::COSMOSB_OK or the error that resolving or accepting would give.
 * @par Concurrency: as cosmosb_window_resolve().
 */
COSMOSB_API int cosmosb_bufmgr_check_window(void *ctx, const cosmosb_window_t *window, uint32_t required_rights);

/** @brief Usage of one buffer as seen by its owner. */
typedef struct cosmosb_buffer_stats {
    uint64_t size;          /**< bytes */
    uint64_t bytes_in_use;  /**< bytes of slices not yet reclaimed (alive, or dead but not yet noticed) */
    uint32_t slices;        /**< such slices */
    uint32_t mode;          /**< COSMOSB_BUFFER_RING or _HEAP */
    uint32_t sealed;        /**< nonzero if sealed */
    uint32_t reserved;      /**< 0 */
} cosmosb_buffer_stats_t;

/**
 * @brief Takes back the space of dead slices now, and reports a buffer's usage.
 * @param[in] mgr the owner's view.
 * @param[in] buffer_id the buffer.
 * @param[out] stats its usage after reclaiming.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL; ::COSMOSB_ERANGE (unknown buffer).
 * @par Concurrency: one thread per view.
 */
COSMOSB_API int cosmosb_buffer_stats(cosmosb_bufmgr_t *mgr, uint32_t buffer_id, cosmosb_buffer_stats_t *stats);

COSMOSB_END_DECLS

#endif /* COSMOSB_BUFFER_H */

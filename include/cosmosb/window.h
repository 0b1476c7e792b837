/**
 * @file window.h
 * @brief Buffer windows: small values naming a byte range of a large shared buffer.
 *
 * A window {buffer, slice, generation, rights, offset, length, transfer} is
 * what travels in a message instead of bulk bytes (schema field kind "buffer
 * window"). It can be copied freely and narrowed to a sub-window, never
 * widened; rights can only be dropped. The slice it lies in is a
 * ref-counted arena object; a window made by cosmosb_window_give() also
 * carries a transfer token, which its addressee takes with
 * cosmosb_window_accept(). Resolving a window against its buffer checks the
 * buffer id, bounds, rights and the slice generation (see buffer.h);
 * nothing in a window received from a peer is trusted.
 *
 * The layout is fixed (40 bytes, no padding, identical for 32-bit and 64-bit
 * processes and every compiler).
 */
#ifndef COSMOSB_WINDOW_H
#define COSMOSB_WINDOW_H

#include "cosmosb/defs.h"

COSMOSB_BEGIN_DECLS

/** @brief Right: the holder may read the bytes of the window. */
#define COSMOSB_WIN_READ 0x1u
/** @brief Right: the holder may write the bytes (only the buffer's owner can use it). */
#define COSMOSB_WIN_WRITE 0x2u
/** @brief Property: the buffer is sealed (`F_SEAL_WRITE`): nobody can change these bytes any more. */
#define COSMOSB_WIN_SEALED 0x100u
/** @brief Every rights bit that has a meaning; other bits make a window invalid. */
#define COSMOSB_WIN_RIGHTS_MASK (COSMOSB_WIN_READ | COSMOSB_WIN_WRITE)
/** @brief Every bit a valid window may carry in `rights`. */
#define COSMOSB_WIN_VALID_MASK (COSMOSB_WIN_RIGHTS_MASK | COSMOSB_WIN_SEALED)

/**
 * @brief A window onto a buffer (plain data, copy freely).
 *
 * The all-zero value is the empty window: no buffer, no bytes.
 */
typedef struct cosmosb_window {
    uint32_t buffer_id;  /**< identifier of the buffer (random, chosen when it was created) */
    uint32_t slice;      /**< index of the ref-counted slice the window lies in */
    uint32_t generation; /**< generation of that slice when the window was made */
    uint32_t rights;     /**< COSMOSB_WIN_READ / _WRITE, plus the COSMOSB_WIN_SEALED property */
    uint64_t offset;     /**< first byte, counted from the start of the buffer */
    uint64_t length;     /**< number of bytes */
    uint32_t transfer;   /**< 0, or the token of a transfer of the slice (cosmosb_window_give()) */
    uint32_t reserved;   /**< 0 */
} cosmosb_window_t;

COSMOSB_STATIC_ASSERT(sizeof(cosmosb_window_t) == 40, "cosmosb_window_t is 40 bytes on every target");
COSMOSB_STATIC_ASSERT(offsetof(cosmosb_window_t, offset) == 16, "cosmosb_window_t layout");
COSMOSB_STATIC_ASSERT(offsetof(cosmosb_window_t, length) == 24, "cosmosb_window_t layout");
COSMOSB_STATIC_ASSERT(offsetof(cosmosb_window_t, transfer) == 32, "cosmosb_window_t layout");

/**
 * @brief Makes a sub-window: a range inside @p w with at most its rights.
 *
 * @param[in] w the window to narrow (not modified; may alias @p out).
 * @param[in] rel_offset start of the sub-window, counted from `w->offset`.
 * @param[in] length bytes in the sub-window.
 * @param[in] keep_rights rights to keep (ANDed with `w->rights`; the
 *            ::COSMOSB_WIN_SEALED property is always kept).
 * @param[out] out the sub-window. It keeps @p w's transfer token: a
 *             narrowed copy of a transfer still names the same transfer.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL if a pointer is NULL or @p w carries
 *         unknown rights bits; ::COSMOSB_ERANGE if
 *         `rel_offset + length > w->length` (including overflow). On error
 *         @p out is not written.
 * @par Concurrency: pure function on caller memory, any thread.
 */
COSMOSB_API int cosmosb_window_narrow(const cosmosb_window_t *w, uint64_t rel_offset, uint64_t length,
                                      uint32_t keep_rights, cosmosb_window_t *out);

/**
 * @brief Tells whether @p inner lies within @p outer with no more rights.
 *
 * Same buffer, slice and generation; `inner`'s range inside `outer`'s;
 * `inner`'s rights a subset of `outer`'s; the same SEALED property.
 *
 * @param[in] outer the wider window.
 * @param[in] inner the window to check.
 * @return true if @p inner could have been made from @p outer by
 *         cosmosb_window_narrow(); false otherwise or if a pointer is NULL.
 * @par Concurrency: pure function, any thread.
 */
COSMOSB_API bool cosmosb_window_within(const cosmosb_window_t *outer, const cosmosb_window_t *inner);

COSMOSB_END_DECLS

#endif /* COSMOSB_WINDOW_H */

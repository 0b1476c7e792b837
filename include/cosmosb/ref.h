/**
 * @file ref.h
 * @brief The arena reference: a small value that names a frozen object in an arena.
 *
 * A reference is what travels in a message instead of the object's bytes
 * (schema field kind "arena reference"). It holds an object index, never a
 * pointer, plus the generation of the object when the reference was made, so
 * a reference to an object that was released and whose memory was reused is
 * detected (::COSMOSB_ESTALE) instead of read. A reference made by
 * cosmosb_arena_give() also carries a transfer token: it stands for a
 * reference that its addressee takes with cosmosb_arena_accept(). Nothing in
 * a reference is trusted: resolving one checks the arena id, the bounds, the
 * generation and the type (see arena.h).
 *
 * The layout is fixed (16 bytes of 32-bit fields, no padding, the same for
 * 32-bit and 64-bit processes and every compiler), so references can sit
 * inside messages exchanged between any two peers.
 */
#ifndef COSMOSB_REF_H
#define COSMOSB_REF_H

#include "cosmosb/defs.h"

COSMOSB_BEGIN_DECLS

/**
 * @brief A reference to an object in an arena (plain data, copy freely).
 *
 * The all-zero value is the null reference (::COSMOSB_REF_NULL): no object.
 * Arena ids are never 0, so no real reference is all zero.
 */
typedef struct cosmosb_ref {
    uint32_t object;     /**< index of the object in its arena */
    uint32_t generation; /**< generation of the object when the reference was made */
    uint32_t arena_id;   /**< identifier of the arena (never 0; chosen at creation) */
    uint32_t transfer;   /**< 0, or the token of a transfer made by cosmosb_arena_give() */
} cosmosb_ref_t;

COSMOSB_STATIC_ASSERT(sizeof(cosmosb_ref_t) == 16, "cosmosb_ref_t is 16 bytes on every target");
COSMOSB_STATIC_ASSERT(offsetof(cosmosb_ref_t, generation) == 4, "cosmosb_ref_t layout");
COSMOSB_STATIC_ASSERT(offsetof(cosmosb_ref_t, arena_id) == 8, "cosmosb_ref_t layout");
COSMOSB_STATIC_ASSERT(offsetof(cosmosb_ref_t, transfer) == 12, "cosmosb_ref_t layout");

/** @brief Initializer of the null reference. */
#define COSMOSB_REF_NULL {0, 0, 0, 0}

/**
 * @brief Tells whether a reference is the null reference (all fields zero).
 * @param[in] ref the reference (not NULL).
 * @return true for the null reference.
 * @par Concurrency: pure function, any thread.
 */
static inline bool cosmosb_ref_is_null(const cosmosb_ref_t *ref)
{
    return ref->object == 0 && ref->generation == 0 && ref->arena_id == 0 && ref->transfer == 0;
}

COSMOSB_END_DECLS

#endif /* COSMOSB_REF_H */

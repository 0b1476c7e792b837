/**
 * @file defs.h
 * @brief Compiler and export macros shared by every libcosmosb header.
 *
 * Only freestanding C11 headers are included here, so this file is safe in a
 * kernel build. Nothing in it has state.
 */
#ifndef COSMOSB_DEFS_H
#define COSMOSB_DEFS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/**
 * @def COSMOSB_API
 * @brief Marks a symbol exported from the shared library.
 *
 * The library is built with `-fvisibility=hidden`; only declarations carrying
 * this macro are part of the ABI. Static builds define `COSMOSB_STATIC` (the
 * CMake targets and pkg-config files do it for you) so the attribute is a
 * no-op there.
 */
#if defined(COSMOSB_STATIC)
#define COSMOSB_API
#elif defined(COSMOSB_BUILDING) && (defined(__GNUC__) || defined(__clang__))
#define COSMOSB_API __attribute__((visibility("default")))
#else
#define COSMOSB_API
#endif

/**
 * @def COSMOSB_STATIC_ASSERT
 * @brief Compile-time check usable in public headers from C11 and C++11.
 */
#ifdef __cplusplus
#define COSMOSB_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define COSMOSB_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/** @brief Size, in bytes, that every shared cache-line-separated field is padded to (the same on every target). */
#define COSMOSB_CACHELINE 64u

/** @brief Timeout value meaning "try once, never wait". */
#define COSMOSB_TIMEOUT_NONE ((uint64_t)0)
/** @brief Timeout value meaning "wait as long as it takes". */
#define COSMOSB_TIMEOUT_FOREVER UINT64_MAX
/**
 * @brief The liveness slice, in milliseconds: a waiting call of this library sleeps at most this long
 *        before it looks again (and at its peers' liveness).
 *
 * A loop that waits on a pipe's eventfd (cosmosb_pipe_arm_notify()) must poll with a timeout of
 * at most this much too: an eventfd wake-up can be lost for good (docs/pipe.md, section 9).
 */
#define COSMOSB_LIVENESS_SLICE_MS 200u

#ifdef __cplusplus
#define COSMOSB_BEGIN_DECLS extern "C" {
#define COSMOSB_END_DECLS }
#else
/** @brief Opens a C-linkage block when included from C++. */
#define COSMOSB_BEGIN_DECLS
/** @brief Closes a C-linkage block when included from C++. */
#define COSMOSB_END_DECLS
#endif

#endif /* COSMOSB_DEFS_H */

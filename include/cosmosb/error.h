/**
 * @file error.h
 * @brief The single error space of libcosmosb.
 *
 * Every function that can fail returns `0` (or a count) on success and a
 * negative `COSMOSB_E*` code on failure. The values are fixed and do not
 * depend on the host's errno, so a code means the same thing in a Linux
 * process, in a kernel and in a language binding. There is no global or
 * thread-local error state.
 */
#ifndef COSMOSB_ERROR_H
#define COSMOSB_ERROR_H

#include "cosmosb/defs.h"

/**
 * @brief X-macro listing every error: XX(NAME, value, "message").
 *
 * Used to generate the enum, cosmosb_strerror() and cosmosb_err_name().
 */
#define COSMOSB_ERR_MAP(XX)                                                         \
    XX(EINVAL, -1, "invalid argument")                                              \
    XX(ENOMEM, -2, "out of memory or no space left in the region")                  \
    XX(EAGAIN, -3, "nothing available right now (try again)")                       \
    XX(ETIMEDOUT, -4, "timed out")                                                  \
    XX(EFULL, -5, "pipe is full")                                                   \
    XX(EMSGSIZE, -6, "message larger than the slot or the receive buffer")          \
    XX(ECORRUPT, -7, "shared memory is corrupt (peer bug or hostile peer)")         \
    XX(EPEERDEAD, -8, "peer process died")                                          \
    XX(ECLOSED, -9, "peer closed its end")                                          \
    XX(EBADF, -10, "bad or foreign file descriptor")                                \
    XX(EVERSION, -11, "incompatible ABI or layout version")                         \
    XX(EBUSY, -12, "resource busy (no free producer slot, or operation pending)")   \
    XX(ENOTSUP, -13, "operation not supported by this platform or object")          \
    XX(EPERM, -14, "permission denied")                                             \
    XX(EIO, -15, "operating system call failed")                                    \
    XX(EROLE, -16, "operation not allowed for this endpoint's role")                \
    XX(EOVERFLOW, -17, "counter or size overflow")                                  \
    XX(ETYPE, -18, "object of another type than the one asked for")                 \
    XX(EBADMSG, -19, "message failed schema validation")                            \
    XX(ESTALE, -20, "stale handle: the object was released or its memory reused")   \
    XX(ERANGE, -21, "offset or length outside the object, window or buffer")        \
    XX(EINCOMPAT, -22, "incompatible schema or type change")                        \
    XX(ESTATE, -23, "object in the wrong state for this operation")

/** @brief Error codes. All failures are negative; success is ::COSMOSB_OK. */
typedef enum cosmosb_err {
    COSMOSB_OK = 0, /**< success */
#define COSMOSB__ERR_ENUM(name, value, msg) COSMOSB_##name = (value),
    COSMOSB_ERR_MAP(COSMOSB__ERR_ENUM)
#undef COSMOSB__ERR_ENUM
    COSMOSB__ERR_MIN = -23 /**< lowest code in use (internal bound) */
} cosmosb_err_t;

COSMOSB_BEGIN_DECLS

/**
 * @brief Returns a human-readable message for an error code.
 * @param[in] err a value returned by any libcosmosb function.
 * @return A static string; "success" for 0 and "unknown error" for values
 *         that are not codes. Never fails, never allocates.
 * @par Concurrency: any thread, any time.
 */
COSMOSB_API const char *cosmosb_strerror(int err);

/**
 * @brief Returns the symbolic name of an error code ("COSMOSB_EFULL").
 * @param[in] err a value returned by any libcosmosb function.
 * @return A static string; "COSMOSB_OK" for 0, "COSMOSB_UNKNOWN" otherwise.
 * @par Concurrency: any thread, any time.
 */
COSMOSB_API const char *cosmosb_err_name(int err);

COSMOSB_END_DECLS

#endif /* COSMOSB_ERROR_H */

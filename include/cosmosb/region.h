/**
 * @file region.h
 * @brief Shared memory regions: sealed memfd areas passed as file descriptors (Linux).
 *
 * A region is created with memfd_create(), sized, and sealed with
 * F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, so no peer can truncate it and
 * make the others fault (SIGBUS); attach takes plain (tmpfs) memfds only, as
 * hugetlbfs ones can lose pages under a sealed size. It has no name in /dev/shm and needs no
 * daemon: it travels only as a file descriptor (inheritance or SCM_RIGHTS, see
 * fdpass.h). Its first 64 bytes are a header (magic, ABI version, kind, size,
 * payload offset) that cosmosb_region_attach() validates against fstat() and
 * the seals before anything else in the region is trusted. Inside a region
 * every reference is an offset from its start, never a pointer.
 *
 * @par Concurrency
 * A region handle may be read (base, size, fd) from any thread. Create, attach
 * and close are not synchronised with other calls on the same handle.
 */
#ifndef COSMOSB_REGION_H
#define COSMOSB_REGION_H

#include "cosmosb/defs.h"

COSMOSB_BEGIN_DECLS

/** @brief Opaque handle to a mapped region. */
typedef struct cosmosb_region cosmosb_region_t;

/** @brief Region kind: holds one pipe. */
#define COSMOSB_REGION_PIPE 1u
/** @brief Region kind: raw bytes for the application (no structure imposed). */
#define COSMOSB_REGION_RAW 2u
/** @brief Kind value accepted by cosmosb_region_attach() to mean "any kind". */
#define COSMOSB_REGION_ANY 0u

/**
 * @brief Creates, sizes, seals and maps a new region.
 * @param[in] debug_name name shown in /proc/PID/fd (not a global name; may be NULL); at most
 *            249 bytes (memfd_create's limit), ::COSMOSB_EINVAL if longer.
 * @param[in] kind ::COSMOSB_REGION_PIPE or ::COSMOSB_REGION_RAW, stored in the header.
 * @param[in] payload_size usable bytes after the header (> 0).
 * @param[out] out the new region; its payload is zero-filled.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (bad argument: another kind, ::COSMOSB_REGION_ANY
 *         included, or a debug name over 249 bytes);
 *         ::COSMOSB_ENOMEM if memory, mappings or descriptors (EMFILE, ENFILE)
 *         are exhausted, or if the region is larger than this process can map (4 GiB or
 *         more in a 32-bit process, 2 GiB if the library was built without a 64-bit
 *         `off_t`); ::COSMOSB_ENOTSUP if the kernel lacks memfd sealing;
 *         ::COSMOSB_EIO for other system errors.
 * @par Concurrency: thread-safe (touches no shared state).
 */
COSMOSB_API int cosmosb_region_create(const char *debug_name, uint32_t kind, uint64_t payload_size,
                                      cosmosb_region_t **out);

/**
 * @brief Maps a region received as a file descriptor, after validating it.
 *
 * Checks, in this order and before trusting any byte: that @p fd is a memfd
 * carrying the grow, shrink and seal-seal seals (so its size is final), that
 * its fstat() size is plausible (seals first: once shrinking and growing are
 * sealed the size cannot change under the mapping), then the header's magic, ABI version, kind,
 * and that the recorded sizes equal the real size. The fd is duplicated; the
 * caller keeps ownership of @p fd.
 *
 * @param[in] fd file descriptor of the region.
 * @param[in] kind expected kind, or ::COSMOSB_REGION_ANY.
 * @param[out] out the mapped region.
 * @return ::COSMOSB_OK; ::COSMOSB_EBADF if @p fd is not an open memfd or lacks the
 *         seals, was not opened O_RDWR, or is not on tmpfs (a memfd_create(MFD_HUGETLB) file is refused: its holder
 *         can take pages away under a sealed size, and the mapping would fault with SIGBUS); ::COSMOSB_ECORRUPT if the header is not a libcosmosb header or
 *         disagrees with the real size; ::COSMOSB_EVERSION for another ABI;
 *         ::COSMOSB_EINVAL for a kind mismatch or NULL argument; ::COSMOSB_ENOMEM (no memory,
 *         no descriptor left for the duplicate (EMFILE, ENFILE), or a region larger than this
 *         process can map, as in cosmosb_region_create());
 *         ::COSMOSB_EPERM for a memfd sealed against writes; ::COSMOSB_EIO.
 * @par Concurrency: thread-safe.
 */
COSMOSB_API int cosmosb_region_attach(int fd, uint32_t kind, cosmosb_region_t **out);

/**
 * @brief Unmaps the region and closes its descriptor. NULL is ignored.
 * @param[in] region the region; invalid afterwards.
 * @par Concurrency: no other call on @p region may be in progress.
 */
COSMOSB_API void cosmosb_region_close(cosmosb_region_t *region);

/**
 * @brief Start of the payload (after the header) in this process's mapping.
 * @param[in] region the region.
 * @return The address, 64-byte aligned, or NULL if @p region is NULL.
 * @par Concurrency: any thread.
 */
COSMOSB_API void *cosmosb_region_payload(const cosmosb_region_t *region);

/**
 * @brief Usable payload size in bytes.
 * @param[in] region the region.
 * @return The size, or 0 if @p region is NULL.
 * @par Concurrency: any thread.
 */
COSMOSB_API uint64_t cosmosb_region_payload_size(const cosmosb_region_t *region);

/**
 * @brief Kind recorded in the header when the region was created.
 * @param[in] region the region.
 * @return The kind, or 0 if @p region is NULL.
 * @par Concurrency: any thread.
 */
COSMOSB_API uint32_t cosmosb_region_kind(const cosmosb_region_t *region);

/**
 * @brief The region's file descriptor (owned by the region; dup it to keep it).
 * @param[in] region the region.
 * @return The fd, or -1 if @p region is NULL.
 * @par Concurrency: any thread.
 */
COSMOSB_API int cosmosb_region_fd(const cosmosb_region_t *region);

COSMOSB_END_DECLS

#endif /* COSMOSB_REGION_H */

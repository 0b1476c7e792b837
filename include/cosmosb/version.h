/**
 * @file version.h
 * @brief Library version: compile-time macros and a run-time query.
 */
#ifndef COSMOSB_VERSION_H
#define COSMOSB_VERSION_H

#include "cosmosb/defs.h"

/** @brief Major version: changes when the C ABI or the shared-memory layout breaks. */
#define COSMOSB_VERSION_MAJOR 0
/** @brief Minor version: changes when features are added compatibly. */
#define COSMOSB_VERSION_MINOR 1
/** @brief Patch version: bug fixes only. */
#define COSMOSB_VERSION_PATCH 0
/** @brief The version as one number, 0xMMmmpp. */
#define COSMOSB_VERSION_HEX \
    ((COSMOSB_VERSION_MAJOR << 16) | (COSMOSB_VERSION_MINOR << 8) | COSMOSB_VERSION_PATCH)

/**
 * @brief Shared-memory ABI version written into every region and pipe header.
 *
 * Two processes can talk only if they agree on it; attach checks it and fails
 * with ::COSMOSB_EVERSION otherwise.
 */
#define COSMOSB_ABI_VERSION 1u

COSMOSB_BEGIN_DECLS

/**
 * @brief Returns the version of the library actually linked, as COSMOSB_VERSION_HEX.
 * @return The run-time version number. Never fails.
 * @par Concurrency: any thread, any time (pure function).
 */
COSMOSB_API uint32_t cosmosb_version(void);

/**
 * @brief Returns the version of the library actually linked, as "MAJOR.MINOR.PATCH".
 * @return A static NUL-terminated string. Never fails.
 * @par Concurrency: any thread, any time (pure function).
 */
COSMOSB_API const char *cosmosb_version_string(void);

COSMOSB_END_DECLS

#endif /* COSMOSB_VERSION_H */

/* version.c - run-time version query. */
#include "cosmosb/version.h"

#define COSMOSB__STR2(x) #x
#define COSMOSB__STR(x) COSMOSB__STR2(x)

uint32_t cosmosb_version(void)
{
    return COSMOSB_VERSION_HEX;
}

const char *cosmosb_version_string(void)
{
    return COSMOSB__STR(COSMOSB_VERSION_MAJOR) "." COSMOSB__STR(COSMOSB_VERSION_MINOR) "." COSMOSB__STR(
        COSMOSB_VERSION_PATCH);
}

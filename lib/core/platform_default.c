/* platform_default.c - the hook table for hosts without a scheduler: all NULL. */
#include "cosmosb/platform.h"

static const cosmosb_platform_t cosmosb__default_platform = {0};

const cosmosb_platform_t *cosmosb_platform_default(void)
{
    return &cosmosb__default_platform;
}

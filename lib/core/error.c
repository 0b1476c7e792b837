/* error.c - names and messages of the COSMOSB_E* codes (static strings, no state). */
#include "cosmosb/error.h"

const char *cosmosb_strerror(int err)
{
    switch (err) {
    case COSMOSB_OK:
        return "success";
#define COSMOSB__ERR_MSG(name, value, msg) \
    case COSMOSB_##name:                   \
        return msg;
        COSMOSB_ERR_MAP(COSMOSB__ERR_MSG)
#undef COSMOSB__ERR_MSG
    default:
        return "unknown error";
    }
}

const char *cosmosb_err_name(int err)
{
    switch (err) {
    case COSMOSB_OK:
        return "COSMOSB_OK";
#define COSMOSB__ERR_NAME(name, value, msg) \
    case COSMOSB_##name:                    \
        return "COSMOSB_" #name;
        COSMOSB_ERR_MAP(COSMOSB__ERR_NAME)
#undef COSMOSB__ERR_NAME
    default:
        return "COSMOSB_UNKNOWN";
    }
}

/* linux_internal.h - shared helpers of the hosted Linux layer (never in lib/core). */
#ifndef COSMOSB_LINUX_INTERNAL_H
#define COSMOSB_LINUX_INTERNAL_H

#include "cosmosb/cosmosb.h"
#include "core/pipe_internal.h"

/* errno -> COSMOSB_E*: the one place where host errors are translated. */
int cosmosb__linux_err(int errno_value);

/* Hosted state hung off a pipe handle (cosmosb_pipe.host). */
struct cosmosb__linux_pipe {
    cosmosb_region_t *region;
    int event_fd;
};

#endif

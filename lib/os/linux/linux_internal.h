/* linux_internal.h - shared helpers of the hosted Linux layer (never in lib/core). */
#ifndef COSMOSB_LINUX_INTERNAL_H
#define COSMOSB_LINUX_INTERNAL_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "cosmosb/cosmosb.h"
#include "core/pipe_internal.h"

/* errno -> COSMOSB_E*: the one place where host errors are translated. */
int cosmosb__linux_err(int errno_value);

/* Whether this process can size and map an object of size bytes: mmap takes
 * a size_t, ftruncate an off_t, and a cast to either would silently truncate
 * a larger 64-bit size (4 GiB and more in a 32-bit process, 2 GiB without a
 * 64-bit off_t) while the full size is recorded and trusted. Sizes that fail
 * this are COSMOSB_ENOMEM: this process cannot hold that much. */
_Static_assert(sizeof(off_t) <= sizeof(uint64_t), "off_t fits in 64 bits");
static inline int cosmosb__linux_mappable(uint64_t size)
{
    const uint64_t off_max = ((uint64_t)1 << (sizeof(off_t) * CHAR_BIT - 1)) - 1u;
    return size <= SIZE_MAX && size <= off_max;
}

/* Hosted state hung off a pipe handle (cosmosb_pipe.host). */
struct cosmosb__linux_pipe {
    cosmosb_region_t *region;
    int event_fd;
};

#endif

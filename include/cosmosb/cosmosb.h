/**
 * @file cosmosb.h
 * @brief Umbrella header: includes every public libcosmosb header.
 *
 * Freestanding (kernel) code should include only the core headers it needs:
 * defs.h, version.h, error.h, platform.h, pipe.h, ref.h, window.h, arena.h,
 * buffer.h, schema.h, receiver.h, pump.h. The Linux-only headers
 * (region.h, fdpass.h, pipe_linux.h, waitset.h) are included here unless
 * COSMOSB_FREESTANDING is defined.
 */
#ifndef COSMOSB_COSMOSB_H
#define COSMOSB_COSMOSB_H

#include "cosmosb/defs.h"
#include "cosmosb/version.h"
#include "cosmosb/error.h"
#include "cosmosb/platform.h"
#include "cosmosb/pipe.h"
#include "cosmosb/ref.h"
#include "cosmosb/window.h"
#include "cosmosb/arena.h"
#include "cosmosb/buffer.h"
#include "cosmosb/schema.h"
#include "cosmosb/receiver.h"
#include "cosmosb/pump.h"
#ifndef COSMOSB_FREESTANDING
#include "cosmosb/region.h"
#include "cosmosb/fdpass.h"
#include "cosmosb/pipe_linux.h"
#include "cosmosb/waitset.h"
#include "cosmosb/arena_linux.h"
#include "cosmosb/buffer_linux.h"
#include "cosmosb/receiver_linux.h"
#endif

#endif /* COSMOSB_COSMOSB_H */

/**
 * @file platform.h
 * @brief The hook table through which the freestanding core reaches its host.
 *
 * The core never calls the operating system. Whenever it must sleep, wake a
 * sleeper, read the clock or ask whether a peer is still alive it calls one of
 * these hooks. The Linux layer supplies a table built on futex, clock_gettime
 * and pidfd (cosmosb_linux_platform()); a kernel supplies its own, or uses
 * cosmosb_platform_default(), which spins and never sleeps and therefore works
 * in a kernel with no scheduler.
 *
 * Every hook may be NULL; the core then falls back to the default behaviour
 * described on each field. See docs/porting.md for the contract in prose.
 */
#ifndef COSMOSB_PLATFORM_H
#define COSMOSB_PLATFORM_H

#include "cosmosb/defs.h"

COSMOSB_BEGIN_DECLS

/** @brief Result of cosmosb_platform_t::peer_alive: the peer is running. */
#define COSMOSB_PEER_ALIVE 1
/** @brief Result of cosmosb_platform_t::peer_alive: the peer has exited or was killed. */
#define COSMOSB_PEER_DEAD 0
/** @brief Result of cosmosb_platform_t::peer_alive: the host cannot tell. */
#define COSMOSB_PEER_UNKNOWN (-1)

/**
 * @brief Host services used by the core. Plain data; copy it freely.
 *
 * The table is read, never written, by the library; one table can serve many
 * pipes and threads at once as long as the hooks themselves are thread-safe.
 */
typedef struct cosmosb_platform {
    /** Opaque pointer handed back as the first argument of every hook. */
    void *ctx;
    /**
     * Sleep while the 32-bit word at @p addr (in shared memory) still equals
     * @p expected, for at most @p timeout_ns nanoseconds (COSMOSB_TIMEOUT_FOREVER:
     * no limit). Spurious returns are allowed. Returns 0 when woken or when the
     * word differed, ::COSMOSB_ETIMEDOUT on timeout, another negative code on
     * failure. NULL: the core spins calling @ref yield instead.
     */
    int (*wait32)(void *ctx, const void *addr, uint32_t expected, uint64_t timeout_ns);
    /**
     * Wake up to @p count sleepers in wait32() on @p addr (UINT32_MAX: all).
     * NULL: nothing is done (correct when wait32 is NULL too).
     */
    void (*wake32)(void *ctx, const void *addr, uint32_t count);
    /**
     * Monotonic time in nanoseconds. NULL: the core advances a private
     * virtual clock by 50 ns each time it looks at the time (once per spin or
     * yield step), so timeouts still expire but are approximate.
     */
    uint64_t (*now_ns)(void *ctx);
    /** Give the CPU to someone else for a moment. NULL: a CPU pause hint. */
    void (*yield)(void *ctx);
    /**
     * Tell whether the process (or task) with the identifier @p peer_id is
     * still alive: ::COSMOSB_PEER_ALIVE, ::COSMOSB_PEER_DEAD or
     * ::COSMOSB_PEER_UNKNOWN. The identifier is whatever @ref self_id returned
     * in the peer. NULL: always unknown, so peer death is never reported.
     */
    int (*peer_alive)(void *ctx, uint32_t peer_id);
    /**
     * Identifier of the calling process or task (a pid on Linux), called when
     * an endpoint or participant opens. NULL: 0. Use at most 31 bits (pipes
     * keep the top bit for themselves). An identifier with bit 30 set carries
     * data of the host's own in bits 22 to 30, and is matched on its low 22
     * bits where the application gives one (cosmosb_arena_find_participant()).
     * The Linux layer does so for handles that hold a liveness lock
     * (docs/liveness.md).
     */
    uint32_t (*self_id)(void *ctx);
    /**
     * A receiver asked to be notified out of band (for example through an
     * eventfd it polls). Called by a sender after it published a message and
     * saw that request. @p channel identifies the pipe (the pointer given to
     * the core when the endpoint was opened). NULL: nothing is done.
     */
    void (*notify)(void *ctx, void *channel);
    /**
     * Register the calling process for heavy_barrier(): after it, any
     * heavy_barrier() issued anywhere executes a full memory barrier on every
     * CPU currently running a thread of this process (Linux:
     * membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED)). Returns 0 on
     * success. NULL, or an error: the core puts a full fence on every send and
     * receive instead of relying on peers' heavy barriers.
     */
    int (*heavy_barrier_register)(void *ctx);
    /**
     * Asymmetric barrier issued by a side about to sleep, so that the wakers'
     * fast paths need no fence (see docs/pipe.md). Returns 0 on success.
     * Its effect may not depend on @p ctx: a wait set calls it once for all
     * its pipes that share the hook, with one of their contexts.
     * NULL: the core uses full fences on the fast paths.
     */
    int (*heavy_barrier)(void *ctx);
    /** Optional diagnostic sink; @p level 0 = error, 1 = warning, 2 = info. NULL: silent. */
    void (*log)(void *ctx, int level, const char *message);
} cosmosb_platform_t;

/**
 * @brief Returns a table for hosts with no scheduler: every hook NULL.
 *
 * Waiting spins with a pause hint, timeouts count iterations, peers are never
 * reported dead. Suitable for a bare-metal kernel's first bring-up.
 *
 * @return Pointer to a constant table with static storage. Never fails.
 * @par Concurrency: any thread, any time.
 */
COSMOSB_API const cosmosb_platform_t *cosmosb_platform_default(void);

COSMOSB_END_DECLS

#endif /* COSMOSB_PLATFORM_H */

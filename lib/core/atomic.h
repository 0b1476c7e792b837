/*
 * atomic.h - the only place in libcosmosb that touches atomic primitives.
 *
 * Every shared word is a 32-bit unsigned integer (cosmosb__au32): 32-bit
 * atomics are lock-free on every target we support (x86, x86_64, arm64,
 * riscv64, Cortex-M3+), while 8/16-bit read-modify-writes and 64-bit
 * atomics are library calls on some of them (see docs/porting.md). Callers
 * name the memory order in the function name, and give the reason in a
 * comment at the call site.
 *
 * Backends: C11 <stdatomic.h> (default, also the freestanding build) or
 * libatomic_ops (COSMOSB_ATOMICS_AO, for toolchains without C11 atomics).
 */
#ifndef COSMOSB_CORE_ATOMIC_H
#define COSMOSB_CORE_ATOMIC_H

#include <stdint.h>
#include <limits.h>

#if defined(COSMOSB_ATOMICS_AO)
/* ---------------------------------------------------------------- libatomic_ops */
#include <atomic_ops.h>

typedef volatile unsigned int cosmosb__au32;
_Static_assert(sizeof(unsigned int) == 4, "32-bit unsigned int required");

static inline uint32_t cosmosb__load_relaxed(const cosmosb__au32 *p) { return AO_int_load(p); }
static inline uint32_t cosmosb__load_acquire(const cosmosb__au32 *p) { return AO_int_load_acquire(p); }
static inline void cosmosb__store_relaxed(cosmosb__au32 *p, uint32_t v) { AO_int_store(p, v); }
static inline void cosmosb__store_release(cosmosb__au32 *p, uint32_t v) { AO_int_store_release(p, v); }
static inline uint32_t cosmosb__load_seq_cst(const cosmosb__au32 *p) { return AO_int_load_full(p); }
static inline void cosmosb__store_seq_cst(cosmosb__au32 *p, uint32_t v) { AO_int_store_full(p, v); }
static inline uint32_t cosmosb__fetch_add_seq_cst(cosmosb__au32 *p, uint32_t v) { return AO_int_fetch_and_add_full(p, v); }
static inline uint32_t cosmosb__cas_val_seq_cst(cosmosb__au32 *p, uint32_t expect, uint32_t desired)
{
    return AO_int_fetch_compare_and_swap_full(p, expect, desired);
}
static inline void cosmosb__fence_seq_cst(void) { AO_nop_full(); }

#else
/* ---------------------------------------------------------------- C11 */
#include <stdatomic.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COSMOSB__TSAN 1
#endif
#endif

#if ATOMIC_INT_LOCK_FREE != 2
#error "libcosmosb needs always-lock-free 32-bit atomics (ATOMIC_INT_LOCK_FREE == 2)"
#endif
_Static_assert(sizeof(unsigned int) == 4, "32-bit unsigned int required");

typedef _Atomic uint32_t cosmosb__au32;
_Static_assert(sizeof(cosmosb__au32) == 4, "atomic u32 must be 4 bytes in shared memory");

static inline uint32_t cosmosb__load_relaxed(const cosmosb__au32 *p)
{
    return atomic_load_explicit((cosmosb__au32 *)(uintptr_t)p, memory_order_relaxed);
}
static inline uint32_t cosmosb__load_acquire(const cosmosb__au32 *p)
{
    return atomic_load_explicit((cosmosb__au32 *)(uintptr_t)p, memory_order_acquire);
}
static inline void cosmosb__store_relaxed(cosmosb__au32 *p, uint32_t v)
{
    atomic_store_explicit(p, v, memory_order_relaxed);
}
static inline void cosmosb__store_release(cosmosb__au32 *p, uint32_t v)
{
    atomic_store_explicit(p, v, memory_order_release);
}
static inline uint32_t cosmosb__load_seq_cst(const cosmosb__au32 *p)
{
    return atomic_load_explicit((cosmosb__au32 *)(uintptr_t)p, memory_order_seq_cst);
}
static inline void cosmosb__store_seq_cst(cosmosb__au32 *p, uint32_t v)
{
    atomic_store_explicit(p, v, memory_order_seq_cst);
}
static inline uint32_t cosmosb__fetch_add_seq_cst(cosmosb__au32 *p, uint32_t v)
{
    return atomic_fetch_add_explicit(p, v, memory_order_seq_cst);
}
/* Returns the value found; the swap happened iff it equals expect. */
static inline uint32_t cosmosb__cas_val_seq_cst(cosmosb__au32 *p, uint32_t expect, uint32_t desired)
{
    atomic_compare_exchange_strong_explicit(p, &expect, desired, memory_order_seq_cst,
                                            memory_order_seq_cst);
    return expect;
}
static inline void cosmosb__fence_seq_cst(void)
{
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__) && !defined(COSMOSB__TSAN)
    /* A locked RMW on the stack is a full barrier on x86 and costs ~1-2 ns,
     * where clang's mfence costs ~16 ns here (gcc 12 already does this). */
    __asm__ __volatile__("lock orl $0, (%%rsp)" ::: "memory", "cc");
#else
    atomic_thread_fence(memory_order_seq_cst);
#endif
}
#endif

/* fetch_or / fetch_and / exchange: native in C11 (a single locked
 * instruction on x86 when the result is unused), CAS loops with
 * libatomic_ops (which has no fetch-or returning the old value on every
 * target). Same semantics either way: SC, returns the old value. */
#if defined(COSMOSB_ATOMICS_AO)
static inline uint32_t cosmosb__fetch_or_seq_cst(cosmosb__au32 *p, uint32_t bits)
{
    uint32_t old = cosmosb__load_relaxed(p);
    for (;;) {
        uint32_t seen = cosmosb__cas_val_seq_cst(p, old, old | bits);
        if (seen == old)
            return old;
        old = seen;
    }
}
static inline uint32_t cosmosb__fetch_and_seq_cst(cosmosb__au32 *p, uint32_t bits)
{
    uint32_t old = cosmosb__load_relaxed(p);
    for (;;) {
        uint32_t seen = cosmosb__cas_val_seq_cst(p, old, old & bits);
        if (seen == old)
            return old;
        old = seen;
    }
}
static inline uint32_t cosmosb__exchange_seq_cst(cosmosb__au32 *p, uint32_t v)
{
    uint32_t old = cosmosb__load_relaxed(p);
    for (;;) {
        uint32_t seen = cosmosb__cas_val_seq_cst(p, old, v);
        if (seen == old)
            return old;
        old = seen;
    }
}
#else
static inline uint32_t cosmosb__fetch_or_seq_cst(cosmosb__au32 *p, uint32_t bits)
{
    return atomic_fetch_or_explicit(p, bits, memory_order_seq_cst);
}
static inline uint32_t cosmosb__fetch_and_seq_cst(cosmosb__au32 *p, uint32_t bits)
{
    return atomic_fetch_and_explicit(p, bits, memory_order_seq_cst);
}
static inline uint32_t cosmosb__exchange_seq_cst(cosmosb__au32 *p, uint32_t v)
{
    return atomic_exchange_explicit(p, v, memory_order_seq_cst);
}
#endif

/* A hint to the CPU that we are spinning (no memory effect). */
static inline void cosmosb__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

#endif /* COSMOSB_CORE_ATOMIC_H */

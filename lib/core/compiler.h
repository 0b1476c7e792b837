/*
 * compiler.h - hints to the compiler, with portable fallbacks.
 *
 * Only what changes code layout, never semantics: a slow path kept out of
 * line so the fast path stays straight-line, and branch expectations.
 */
#ifndef COSMOSB_CORE_COMPILER_H
#define COSMOSB_CORE_COMPILER_H

#if defined(__GNUC__) || defined(__clang__)
#define COSMOSB__NOINLINE __attribute__((noinline))
#define COSMOSB__LIKELY(x) __builtin_expect(!!(x), 1)
#define COSMOSB__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define COSMOSB__NOINLINE
#define COSMOSB__LIKELY(x) (x)
#define COSMOSB__UNLIKELY(x) (x)
#endif

#endif /* COSMOSB_CORE_COMPILER_H */

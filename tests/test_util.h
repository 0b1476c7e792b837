/*
 * test_util.h - small helpers shared by the Criterion tests.
 *
 * Forked children must never use Criterion's assertions (they would talk to
 * the runner from the wrong process): they use CHILD_CHECK and leave with
 * _exit(), and the parent asserts on their exit status.
 */
#ifndef COSMOSB_TEST_UTIL_H
#define COSMOSB_TEST_UTIL_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cosmosb/cosmosb.h"

/* True when COSMOSB_TEST_QUICK=1: long counts are divided by 10. */
static inline int tu_quick(void)
{
    const char *q = getenv("COSMOSB_TEST_QUICK");
    return q && q[0] && strcmp(q, "0") != 0;
}

static inline uint64_t tu_scale(uint64_t n)
{
    return tu_quick() ? n / 10 : n;
}

/* The seed of a randomized test: its fixed default, or COSMOSB_TEST_SEED (any number) mixed into it, so
 * that a soak can run the same tests through other sequences (README, "Tests"). */
static inline unsigned tu_seed(unsigned dflt)
{
    const char *e = getenv("COSMOSB_TEST_SEED");
    unsigned s = dflt;
    if (e && e[0])
        s = dflt ^ (unsigned)(strtoul(e, NULL, 0) * 2654435761u);
    return s;
}

static inline uint64_t tu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void tu_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Is rc a defined libcosmosb error code? */
static inline int tu_is_code(int rc)
{
    return rc <= -1 && rc >= COSMOSB__ERR_MIN;
}

/* In a forked child: report and leave with a distinctive status. */
#define CHILD_CHECK(cond)                                                                   \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "child %d: %s:%d: check failed: %s\n", (int)getpid(), __FILE__, \
                    __LINE__, #cond);                                                       \
            _exit(3);                                                                       \
        }                                                                                   \
    } while (0)

#define CHILD_CHECK_RC(expr, want)                                                          \
    do {                                                                                    \
        int tu_rc_ = (expr);                                                                \
        if (tu_rc_ != (want)) {                                                             \
            fprintf(stderr, "child %d: %s:%d: %s returned %d (%s), expected %d (%s)\n",     \
                    (int)getpid(), __FILE__, __LINE__, #expr, tu_rc_,                       \
                    cosmosb_err_name(tu_rc_), (int)(want), cosmosb_err_name(want));         \
            _exit(3);                                                                       \
        }                                                                                   \
    } while (0)

/* In the Criterion process: assert that expr returns want, naming both codes. */
#define ASSERT_RC(expr, want)                                                               \
    do {                                                                                    \
        int tu_rc_ = (expr);                                                                \
        int tu_want_ = (want);                                                              \
        cr_assert_eq(tu_rc_, tu_want_, "%s returned %d (%s), expected %d (%s)", #expr,      \
                     tu_rc_, cosmosb_err_name(tu_rc_), tu_want_, cosmosb_err_name(tu_want_)); \
    } while (0)

/* Like ASSERT_RC but the test goes on after a failure (cr_expect). */
#define EXPECT_RC(expr, want)                                                               \
    do {                                                                                    \
        int tu_rc_ = (expr);                                                                \
        int tu_want_ = (want);                                                              \
        cr_expect_eq(tu_rc_, tu_want_, "%s returned %d (%s), expected %d (%s)", #expr,      \
                     tu_rc_, cosmosb_err_name(tu_rc_), tu_want_, cosmosb_err_name(tu_want_)); \
    } while (0)

/* Forks; the child sets a hang guard, runs fn(arg) and _exits with its return value. */
static inline pid_t tu_fork(int (*fn)(void *), void *arg, unsigned alarm_s)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(alarm_s);
        int rc = fn(arg);
        _exit(rc);
    }
    return pid;
}

/* Waits for pid; returns its raw wait status (or -1). */
static inline int tu_wait(pid_t pid)
{
    int st = 0;
    pid_t r;
    do {
        r = waitpid(pid, &st, 0);
    } while (r < 0 && errno == EINTR);
    return r == pid ? st : -1;
}

/* Waits for pid; true if it exited with status 0. Prints what happened otherwise. */
static inline int tu_wait_ok(pid_t pid)
{
    int st = tu_wait(pid);
    if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 1;
    if (st == -1)
        fprintf(stderr, "waitpid(%d) failed\n", (int)pid);
    else if (WIFEXITED(st))
        fprintf(stderr, "child %d exited with %d\n", (int)pid, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        fprintf(stderr, "child %d killed by signal %d\n", (int)pid, WTERMSIG(st));
    return 0;
}

/* xorshift64* PRNG: deterministic, seeded per test. */
static inline uint64_t tu_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Deterministic payload byte i of message (producer, seq). */
static inline uint8_t tu_pat(uint32_t producer, uint64_t seq, uint32_t i)
{
    return (uint8_t)((seq * 131u) ^ (producer * 29u) ^ (i * 7u) ^ (i >> 3));
}

/* Writes a payload: [producer u32][pad u32][seq u64] then pattern bytes. len >= 16. */
static inline void tu_fill(uint8_t *buf, uint32_t len, uint32_t producer, uint64_t seq)
{
    memcpy(buf, &producer, 4);
    memset(buf + 4, 0, 4);
    memcpy(buf + 8, &seq, 8);
    for (uint32_t i = 16; i < len; i++)
        buf[i] = tu_pat(producer, seq, i);
}

/* Checks a payload written by tu_fill; returns 1 if intact. */
static inline int tu_check(const uint8_t *buf, uint32_t len, uint32_t *producer, uint64_t *seq)
{
    *producer = UINT32_MAX;
    *seq = UINT64_MAX;
    if (len < 16)
        return 0;
    memcpy(producer, buf, 4);
    memcpy(seq, buf + 8, 8);
    for (uint32_t i = 16; i < len; i++)
        if (buf[i] != tu_pat(*producer, *seq, i))
            return 0;
    return 1;
}

/* Length used for message seq: between 16 and max (inclusive). */
static inline uint32_t tu_len(uint64_t seq, uint32_t max)
{
    return 16u + (uint32_t)(seq * 7u % (max - 15u));
}

#endif /* COSMOSB_TEST_UTIL_H */

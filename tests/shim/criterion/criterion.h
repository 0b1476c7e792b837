/*
 * tests/shim/criterion/criterion.h - a minimal stand-in for Criterion, used
 * only where Criterion itself cannot run: under ThreadSanitizer, Criterion's
 * BoxFort sandbox fails to start ("Could not initialize inheritable arena",
 * Snaipe/Criterion#274). It implements exactly the subset the libcosmosb
 * tests use: Test(suite, name, .timeout = s), the cr_assert and cr_expect
 * families, cr_skip_test (the test passes, its reason printed) and cr_log_*.
 * Each test runs in its own forked process (no exec), as with Criterion; a
 * crash or a timeout fails the test, not the run.
 *
 * Selected by the CMake option COSMOSB_TEST_CRITERION_SHIM (on by default in
 * COSMOSB_SANITIZE=thread builds). The runner is tests/shim/criterion_shim.c.
 */
#ifndef COSMOSB_CRITERION_SHIM_H
#define COSMOSB_CRITERION_SHIM_H

#include <stdio.h>
#include <string.h>

struct cr_shim_test {
    const char *suite_name;
    const char *test_name;
    void (*test_fn)(void);
    double timeout;  /* seconds; 0 = none */
    int shim_sentinel;
    struct cr_shim_test *next;
};

void cr_shim_register(struct cr_shim_test *t);
void cr_shim_fail(int fatal, const char *file, int line, const char *expr, const char *fmt, ...);
void cr_shim_log(const char *level, const char *fmt, ...);
void cr_shim_skip(const char *fmt, ...);

#define CR_SHIM_TEST_(suite, name, ...)                                                      \
    static void cr_shim_fn_##suite##_##name(void);                                           \
    static struct cr_shim_test cr_shim_t_##suite##_##name = {                                \
        .suite_name = #suite, .test_name = #name, .test_fn = cr_shim_fn_##suite##_##name,   \
        __VA_ARGS__};     \
    __attribute__((constructor)) static void cr_shim_reg_##suite##_##name(void)              \
    {                                                                                        \
        cr_shim_register(&cr_shim_t_##suite##_##name);                                       \
    }                                                                                        \
    static void cr_shim_fn_##suite##_##name(void)

#define Test(...) CR_SHIM_TEST_(__VA_ARGS__, .shim_sentinel = 0)

/* The trailing "" gives every check a (possibly empty) format string. */
#define CR_SHIM_CHECK_(fatal, cond, expr, ...)                                               \
    do {                                                                                     \
        if (!(cond))                                                                         \
            cr_shim_fail((fatal), __FILE__, __LINE__, (expr), __VA_ARGS__);                  \
    } while (0)
#define CR_SHIM_BOOL_(fatal, cond, ...) CR_SHIM_CHECK_(fatal, cond, #cond, __VA_ARGS__)
#define CR_SHIM_CMP_(fatal, op, a, b, ...)                                                   \
    CR_SHIM_CHECK_(fatal, (a)op(b), "(" #a ") " #op " (" #b ")", __VA_ARGS__)
#define CR_SHIM_STR_(fatal, op, a, b, ...)                                                   \
    CR_SHIM_CHECK_(fatal, strcmp((a), (b)) op 0, "strcmp(" #a ", " #b ") " #op " 0", __VA_ARGS__)
#define CR_SHIM_NULL_(fatal, op, p, ...)                                                     \
    CR_SHIM_CHECK_(fatal, (const void *)(p)op NULL, "(" #p ") " #op " NULL", __VA_ARGS__)

#define cr_assert(...) CR_SHIM_BOOL_(1, __VA_ARGS__, "")
#define cr_expect(...) CR_SHIM_BOOL_(0, __VA_ARGS__, "")
#define cr_assert_eq(...) CR_SHIM_CMP_(1, ==, __VA_ARGS__, "")
#define cr_assert_neq(...) CR_SHIM_CMP_(1, !=, __VA_ARGS__, "")
#define cr_assert_lt(...) CR_SHIM_CMP_(1, <, __VA_ARGS__, "")
#define cr_assert_leq(...) CR_SHIM_CMP_(1, <=, __VA_ARGS__, "")
#define cr_assert_gt(...) CR_SHIM_CMP_(1, >, __VA_ARGS__, "")
#define cr_assert_geq(...) CR_SHIM_CMP_(1, >=, __VA_ARGS__, "")
#define cr_expect_eq(...) CR_SHIM_CMP_(0, ==, __VA_ARGS__, "")
#define cr_expect_neq(...) CR_SHIM_CMP_(0, !=, __VA_ARGS__, "")
#define cr_expect_lt(...) CR_SHIM_CMP_(0, <, __VA_ARGS__, "")
#define cr_expect_gt(...) CR_SHIM_CMP_(0, >, __VA_ARGS__, "")
#define cr_expect_leq(...) CR_SHIM_CMP_(0, <=, __VA_ARGS__, "")
#define cr_expect_geq(...) CR_SHIM_CMP_(0, >=, __VA_ARGS__, "")
#define cr_assert_str_eq(...) CR_SHIM_STR_(1, ==, __VA_ARGS__, "")
#define cr_assert_str_neq(...) CR_SHIM_STR_(1, !=, __VA_ARGS__, "")
#define cr_expect_str_eq(...) CR_SHIM_STR_(0, ==, __VA_ARGS__, "")
#define cr_expect_str_neq(...) CR_SHIM_STR_(0, !=, __VA_ARGS__, "")
#define cr_assert_null(...) CR_SHIM_NULL_(1, ==, __VA_ARGS__, "")
#define cr_assert_not_null(...) CR_SHIM_NULL_(1, !=, __VA_ARGS__, "")
#define cr_expect_null(...) CR_SHIM_NULL_(0, ==, __VA_ARGS__, "")
#define cr_expect_not_null(...) CR_SHIM_NULL_(0, !=, __VA_ARGS__, "")

#define cr_skip_test(...) cr_shim_skip(__VA_ARGS__)
#define cr_log_info(...) cr_shim_log("----", __VA_ARGS__)
#define cr_log_warn(...) cr_shim_log("WARN", __VA_ARGS__)
#define cr_log_error(...) cr_shim_log("ERR ", __VA_ARGS__)

#endif /* COSMOSB_CRITERION_SHIM_H */

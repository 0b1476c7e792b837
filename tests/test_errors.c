/*
 * test_errors.c - the error space (cosmosb_strerror, cosmosb_err_name) and
 * the version functions.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cosmosb/cosmosb.h"

struct err_row {
    int code;
    const char *name;
    const char *msg;
};

static const struct err_row rows[] = {
#define ROW(name, value, msg) {COSMOSB_##name, "COSMOSB_" #name, msg},
    COSMOSB_ERR_MAP(ROW)
#undef ROW
};
#define NROWS (sizeof rows / sizeof rows[0])

Test(errors, every_code_has_its_message_and_name)
{
    cr_assert_eq(NROWS, 23u);
    for (size_t i = 0; i < NROWS; i++) {
        const char *m = cosmosb_strerror(rows[i].code);
        const char *n = cosmosb_err_name(rows[i].code);
        cr_assert_not_null(m, "strerror(%d) is NULL", rows[i].code);
        cr_assert_not_null(n, "err_name(%d) is NULL", rows[i].code);
        cr_expect_str_eq(m, rows[i].msg, "strerror(%d)", rows[i].code);
        cr_expect_str_eq(n, rows[i].name, "err_name(%d)", rows[i].code);
    }
}

Test(errors, codes_are_distinct_negative_and_contiguous)
{
    int seen[24] = {0};
    for (size_t i = 0; i < NROWS; i++) {
        int c = rows[i].code;
        cr_assert(c < 0 && c >= COSMOSB__ERR_MIN, "code %d out of range", c);
        cr_assert_eq(seen[-c], 0, "code %d used twice", c);
        seen[-c] = 1;
    }
    for (int c = 1; c <= 23; c++)
        cr_expect(seen[c], "code -%d missing", c);
    cr_assert_eq(COSMOSB__ERR_MIN, -23);
    cr_assert_eq(COSMOSB_OK, 0);
    /* The fixed values are ABI: spot-check a few. */
    cr_assert_eq(COSMOSB_EINVAL, -1);
    cr_assert_eq(COSMOSB_EFULL, -5);
    cr_assert_eq(COSMOSB_ECORRUPT, -7);
    cr_assert_eq(COSMOSB_EPEERDEAD, -8);
    cr_assert_eq(COSMOSB_EROLE, -16);
    cr_assert_eq(COSMOSB_EOVERFLOW, -17);
    cr_assert_eq(COSMOSB_ETYPE, -18);
    cr_assert_eq(COSMOSB_ESTATE, -23);
}

Test(errors, messages_are_distinct)
{
    for (size_t i = 0; i < NROWS; i++)
        for (size_t j = i + 1; j < NROWS; j++) {
            cr_expect_str_neq(cosmosb_strerror(rows[i].code), cosmosb_strerror(rows[j].code));
            cr_expect_str_neq(cosmosb_err_name(rows[i].code), cosmosb_err_name(rows[j].code));
        }
}

Test(errors, success)
{
    cr_assert_str_eq(cosmosb_strerror(0), "success");
    cr_assert_str_eq(cosmosb_err_name(0), "COSMOSB_OK");
}

Test(errors, unknown_codes)
{
    static const int unknown[] = {1, 2, 17, 100, -24, -25, -100, -1000, 12345, INT_MAX, INT_MIN,
                                  INT_MIN + 1, INT_MAX - 1};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *m = cosmosb_strerror(unknown[i]);
        const char *n = cosmosb_err_name(unknown[i]);
        cr_assert_not_null(m);
        cr_assert_not_null(n);
        cr_expect_str_eq(m, "unknown error", "strerror(%d)", unknown[i]);
        cr_expect_str_eq(n, "COSMOSB_UNKNOWN", "err_name(%d)", unknown[i]);
    }
}

Test(errors, strings_are_static)
{
    /* Same pointer on every call: static storage, nothing allocated. */
    for (int c = COSMOSB__ERR_MIN - 2; c <= 2; c++) {
        cr_expect_eq(cosmosb_strerror(c), cosmosb_strerror(c));
        cr_expect_eq(cosmosb_err_name(c), cosmosb_err_name(c));
    }
}

Test(version, number)
{
    cr_assert_eq(cosmosb_version(), (uint32_t)COSMOSB_VERSION_HEX);
    cr_assert_eq(cosmosb_version() >> 16, (uint32_t)COSMOSB_VERSION_MAJOR);
    cr_assert_eq((cosmosb_version() >> 8) & 0xffu, (uint32_t)COSMOSB_VERSION_MINOR);
    cr_assert_eq(cosmosb_version() & 0xffu, (uint32_t)COSMOSB_VERSION_PATCH);
}

Test(version, string)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", COSMOSB_VERSION_MAJOR, COSMOSB_VERSION_MINOR,
             COSMOSB_VERSION_PATCH);
    const char *s = cosmosb_version_string();
    cr_assert_not_null(s);
    cr_assert_str_eq(s, want);
    cr_assert_eq(s, cosmosb_version_string());
}

/* COSMOSB_ABI_VERSION is checked where the library uses it: a pipe header whose ABI word differs is
 * refused with COSMOSB_EVERSION (test_pipe_corrupt.c), as is an arena's (test_arena_core.c). */

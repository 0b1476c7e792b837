/*
 * test_window.c - narrowing and containment of buffer windows, and the fixed
 * layout of the reference and window values.
 */
#include <criterion/criterion.h>
#include <stddef.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

static cosmosb_window_t base(void)
{
    return (cosmosb_window_t){.buffer_id = 7, .slice = 3, .generation = 9,
                              .rights = COSMOSB_WIN_READ | COSMOSB_WIN_WRITE, .offset = 4096, .length = 1000};
}

Test(window, narrow_inside_keeps_identity_and_drops_rights)
{
    cosmosb_window_t w = base(), n;
    ASSERT_RC(cosmosb_window_narrow(&w, 100, 200, COSMOSB_WIN_READ, &n), COSMOSB_OK);
    cr_assert_eq(n.buffer_id, 7u);
    cr_assert_eq(n.slice, 3u);
    cr_assert_eq(n.generation, 9u);
    cr_assert_eq(n.offset, 4196u);
    cr_assert_eq(n.length, 200u);
    cr_assert_eq(n.rights, COSMOSB_WIN_READ);
    cr_assert(cosmosb_window_within(&w, &n));
    cr_assert(!cosmosb_window_within(&n, &w), "a window is never within a narrower one");
    /* rights can only shrink: asking for WRITE back gives nothing */
    cosmosb_window_t m;
    ASSERT_RC(cosmosb_window_narrow(&n, 0, 10, COSMOSB_WIN_READ | COSMOSB_WIN_WRITE, &m), COSMOSB_OK);
    cr_assert_eq(m.rights, COSMOSB_WIN_READ);
    /* the whole window and an empty window at its end are fine */
    ASSERT_RC(cosmosb_window_narrow(&w, 0, 1000, ~0u, &m), COSMOSB_OK);
    cr_assert_eq(m.rights, w.rights);
    ASSERT_RC(cosmosb_window_narrow(&w, 1000, 0, ~0u, &m), COSMOSB_OK);
    cr_assert_eq(m.length, 0u);
    /* in place */
    ASSERT_RC(cosmosb_window_narrow(&w, 10, 10, COSMOSB_WIN_READ, &w), COSMOSB_OK);
    cr_assert_eq(w.offset, 4106u);
}

Test(window, narrow_never_widens)
{
    cosmosb_window_t w = base(), n = {0};
    cosmosb_window_t before = n;
    ASSERT_RC(cosmosb_window_narrow(&w, 0, 1001, ~0u, &n), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_window_narrow(&w, 1001, 0, ~0u, &n), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_window_narrow(&w, 999, 2, ~0u, &n), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_window_narrow(&w, UINT64_MAX, 2, ~0u, &n), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_window_narrow(&w, 1, UINT64_MAX, ~0u, &n), COSMOSB_ERANGE);
    cosmosb_window_t far = w;
    far.offset = UINT64_MAX - 10;
    far.length = 1000; /* a forged window whose end wraps */
    ASSERT_RC(cosmosb_window_narrow(&far, 100, 1, ~0u, &n), COSMOSB_ERANGE);
    cr_assert(memcmp(&n, &before, sizeof n) == 0, "out is untouched on error");
}

Test(window, sealed_is_kept_and_unknown_bits_refused)
{
    cosmosb_window_t w = base(), n;
    w.rights = COSMOSB_WIN_READ | COSMOSB_WIN_SEALED;
    ASSERT_RC(cosmosb_window_narrow(&w, 0, 1, 0, &n), COSMOSB_OK);
    cr_assert_eq(n.rights, COSMOSB_WIN_SEALED, "rights dropped, the sealed property kept");
    cr_assert(cosmosb_window_within(&w, &n));
    w.rights |= 0x80u;
    ASSERT_RC(cosmosb_window_narrow(&w, 0, 1, ~0u, &n), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_window_narrow(NULL, 0, 1, ~0u, &n), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_window_narrow(&w, 0, 1, ~0u, NULL), COSMOSB_EINVAL);
}

Test(window, within_checks_identity_range_and_rights)
{
    cosmosb_window_t w = base(), n;
    ASSERT_RC(cosmosb_window_narrow(&w, 10, 10, ~0u, &n), COSMOSB_OK);
    cr_assert(cosmosb_window_within(&w, &n));
    cosmosb_window_t x = n;
    x.buffer_id++;
    cr_assert(!cosmosb_window_within(&w, &x));
    x = n; x.slice++;
    cr_assert(!cosmosb_window_within(&w, &x));
    x = n; x.generation++;
    cr_assert(!cosmosb_window_within(&w, &x));
    x = n; x.offset = 4095;
    cr_assert(!cosmosb_window_within(&w, &x));
    x = n; x.length = 991;
    cr_assert(!cosmosb_window_within(&w, &x));
    x = n; x.rights |= COSMOSB_WIN_SEALED;
    cr_assert(!cosmosb_window_within(&w, &x));
    cosmosb_window_t ro;
    ASSERT_RC(cosmosb_window_narrow(&w, 0, 1000, COSMOSB_WIN_READ, &ro), COSMOSB_OK);
    cr_assert(!cosmosb_window_within(&ro, &w), "more rights than the outer window");
    cr_assert(!cosmosb_window_within(NULL, &w));
    cr_assert(!cosmosb_window_within(&w, NULL));
}

Test(window, value_layouts_are_fixed)
{
    cr_assert_eq(sizeof(cosmosb_ref_t), 16u);
    cr_assert_eq(offsetof(cosmosb_ref_t, object), 0u);
    cr_assert_eq(offsetof(cosmosb_ref_t, generation), 4u);
    cr_assert_eq(offsetof(cosmosb_ref_t, arena_id), 8u);
    cr_assert_eq(offsetof(cosmosb_ref_t, transfer), 12u);
    cr_assert_eq(sizeof(cosmosb_window_t), 40u);
    cr_assert_eq(offsetof(cosmosb_window_t, buffer_id), 0u);
    cr_assert_eq(offsetof(cosmosb_window_t, slice), 4u);
    cr_assert_eq(offsetof(cosmosb_window_t, generation), 8u);
    cr_assert_eq(offsetof(cosmosb_window_t, rights), 12u);
    cr_assert_eq(offsetof(cosmosb_window_t, offset), 16u);
    cr_assert_eq(offsetof(cosmosb_window_t, length), 24u);
    cr_assert_eq(offsetof(cosmosb_window_t, transfer), 32u);
    cosmosb_ref_t null = COSMOSB_REF_NULL;
    cr_assert(cosmosb_ref_is_null(&null));
    null.generation = 1;
    cr_assert(!cosmosb_ref_is_null(&null));
}

/*
 * test_schema.c - schema descriptors (schema.h) without pipes: type ids,
 * computed layouts against offsetof/sizeof, the descriptor check on every
 * declared type and on hand-made malformed descriptors, introspection,
 * minimum sizes, the compatibility checker (every verdict and its reason),
 * field-by-field validation, the registry and its JSON export.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"
#include "test_schema_types.h"

/* ------------------------------------------------------------------------- */
/* Type ids                                                                  */
/* ------------------------------------------------------------------------- */

Test(schema_id, fnv1a_64_known_vectors)
{
    cr_assert_eq(cosmosb_schema_id_of(""), UINT64_C(0xcbf29ce484222325));
    cr_assert_eq(cosmosb_schema_id_of("a"), UINT64_C(0xaf63dc4c8601ec8c));
    cr_assert_eq(cosmosb_schema_id_of("foobar"), UINT64_C(0x85944171f73967e8));
    cr_assert_eq(cosmosb_schema_id_of("demo.Order"), UINT64_C(0xa51d3c6020aac280));
    cr_assert_eq(cosmosb_schema_id_of(NULL), 0u);
    cr_assert_eq(cosmosb_schema_type_id(NULL), 0u);
    cr_assert_eq(cosmosb_schema_type_id(&demo_order_schema), UINT64_C(0xa51d3c6020aac280));
    /* the buffer manager's slice type id is documented as FNV-1a of its name */
    cr_assert_eq(cosmosb_schema_id_of("cosmosb.Slice"), COSMOSB_SLICE_TYPE_ID);
    /* bytes above 0x7f are hashed as unsigned bytes */
    cr_assert_eq(cosmosb_schema_id_of("\xc3\xa9"),
                 ((((UINT64_C(0xcbf29ce484222325) ^ 0xc3u) * UINT64_C(0x100000001b3)) ^ 0xa9u) *
                  UINT64_C(0x100000001b3)));
}

Test(schema_id, versions_share_the_id_and_every_type_has_its_own)
{
    cr_assert_eq(cosmosb_schema_type_id(&ts_evo1_schema), cosmosb_schema_type_id(&ts_evo2_schema));
    for (size_t i = 0; i < TS_ALL_TYPES_N; i++) {
        uint64_t id = cosmosb_schema_type_id(ts_all_types[i]);
        cr_assert_eq(id, cosmosb_schema_id_of(ts_all_types[i]->name));
        for (size_t j = 0; j < i; j++)
            if (strcmp(ts_all_types[i]->name, ts_all_types[j]->name) != 0)
                cr_assert_neq(id, cosmosb_schema_type_id(ts_all_types[j]), "%s vs %s", ts_all_types[i]->name,
                              ts_all_types[j]->name);
    }
}

/* ------------------------------------------------------------------------- */
/* Layouts: cosmosb_schema_field() against the C compiler                    */
/* ------------------------------------------------------------------------- */

static void check_field(const cosmosb_schema_t *s, uint32_t index, const char *name, uint32_t kind, size_t offset,
                        size_t size, uint32_t count)
{
    cosmosb_field_info_t fi;
    memset(&fi, 0x5a, sizeof fi);
    ASSERT_RC(cosmosb_schema_field(s, index, &fi), COSMOSB_OK);
    cr_assert_str_eq(fi.name, name, "%s field %u", s->name, index);
    cr_assert_eq(fi.kind, kind, "%s.%s kind %u, expected %u", s->name, name, fi.kind, kind);
    cr_assert_eq(fi.offset, (uint32_t)offset, "%s.%s at %u, the compiler says %zu", s->name, name, fi.offset,
                 offset);
    cr_assert_eq(fi.size, (uint32_t)size, "%s.%s has %u bytes, the compiler says %zu", s->name, name, fi.size, size);
    cr_assert_eq(fi.count, count, "%s.%s count %u, expected %u", s->name, name, fi.count, count);
}

#define MSIZE(T, m) sizeof(((T *)0)->m)
#define FIELD(T, i, m, k, n) check_field(&T##_schema, (i), #m, COSMOSB_FIELD_##k, offsetof(T, m), MSIZE(T, m), (n))

static void check_sizes(const cosmosb_schema_t *s, size_t size, size_t align, uint32_t nfields)
{
    ASSERT_RC(cosmosb_schema_check(s), COSMOSB_OK);
    cr_assert_eq(s->size, (uint32_t)size, "%s", s->name);
    cr_assert_eq(s->align, (uint32_t)align, "%s", s->name);
    cr_assert_eq(cosmosb_schema_field_count(s), nfields, "%s has %u fields", s->name, cosmosb_schema_field_count(s));
    cosmosb_field_info_t fi;
    ASSERT_RC(cosmosb_schema_field(s, nfields, &fi), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_schema_field(s, UINT32_MAX, &fi), COSMOSB_ERANGE);
}

Test(schema_layout, scalars_every_kind)
{
    check_sizes(&ts_scalars_schema, sizeof(ts_scalars), _Alignof(ts_scalars), 11);
    FIELD(ts_scalars, 0, u8, U8, 1);
    FIELD(ts_scalars, 1, u64, U64, 1);
    FIELD(ts_scalars, 2, u16, U16, 1);
    FIELD(ts_scalars, 3, i8, I8, 1);
    FIELD(ts_scalars, 4, u32, U32, 1);
    FIELD(ts_scalars, 5, i64, I64, 1);
    FIELD(ts_scalars, 6, i16, I16, 1);
    FIELD(ts_scalars, 7, f32, F32, 1);
    FIELD(ts_scalars, 8, i32, I32, 1);
    FIELD(ts_scalars, 9, f64, F64, 1);
    FIELD(ts_scalars, 10, flag, BOOL, 1);
    cr_assert_eq(offsetof(ts_scalars, u64), 8u, "64-bit members are aligned to 8");
    cr_assert_eq(sizeof(ts_scalars) % 8u, 0u);
}

Test(schema_layout, misc_every_other_kind)
{
    check_sizes(&ts_misc_schema, sizeof(ts_misc), _Alignof(ts_misc), 14);
    FIELD(ts_misc, 0, tag, U8, 1);
    FIELD(ts_misc, 1, side, ENUM, 1);
    FIELD(ts_misc, 2, symbol, CHARS, 1);
    FIELD(ts_misc, 3, legs, U32, 3);
    FIELD(ts_misc, 4, bits, BOOL, 5);
    FIELD(ts_misc, 5, big, U64, 2);
    FIELD(ts_misc, 6, origin, STRUCT, 1);
    FIELD(ts_misc, 7, pad1, U8, 1);
    FIELD(ts_misc, 8, path, STRUCT, 3);
    FIELD(ts_misc, 9, chart, REF, 1);
    FIELD(ts_misc, 10, any, REF, 1);
    FIELD(ts_misc, 11, pad2, U16, 1);
    FIELD(ts_misc, 12, attachment, WINDOW, 1);
    FIELD(ts_misc, 13, tail, I8, 3);
    cosmosb_field_info_t fi;
    ASSERT_RC(cosmosb_schema_field(&ts_misc_schema, 1, &fi), COSMOSB_OK);
    cr_assert_eq(fi.min, -3);
    cr_assert_eq(fi.max, 7);
    cr_assert_eq(fi.since, 1u);
    cr_assert_null(fi.type);
    cr_assert_null(fi.target);
    ASSERT_RC(cosmosb_schema_field(&ts_misc_schema, 6, &fi), COSMOSB_OK);
    cr_assert_eq(fi.type, &ts_point_schema);
    ASSERT_RC(cosmosb_schema_field(&ts_misc_schema, 8, &fi), COSMOSB_OK);
    cr_assert_eq(fi.type, &ts_point_schema);
    cr_assert_eq(fi.size, 3u * sizeof(ts_point));
    ASSERT_RC(cosmosb_schema_field(&ts_misc_schema, 9, &fi), COSMOSB_OK);
    cr_assert_str_eq(fi.target, "test.Chart");
    cr_assert_eq(fi.target_id, cosmosb_schema_id_of("test.Chart"));
    cr_assert_eq(fi.rights, 0u);
    ASSERT_RC(cosmosb_schema_field(&ts_misc_schema, 10, &fi), COSMOSB_OK);
    cr_assert_null(fi.target, "an empty target means any type");
    cr_assert_eq(fi.target_id, 0u);
    ASSERT_RC(cosmosb_schema_field(&ts_misc_schema, 12, &fi), COSMOSB_OK);
    cr_assert_eq(fi.rights, COSMOSB_WIN_READ);
    cr_assert_eq(fi.size, 40u);
    cr_assert_eq(offsetof(ts_misc, attachment) % 8u, 0u);
    ASSERT_RC(cosmosb_schema_field(NULL, 0, &fi), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_field(&ts_misc_schema, 0, NULL), COSMOSB_EINVAL);
    cr_assert_eq(cosmosb_schema_field_count(NULL), 0u);
}

Test(schema_layout, sixty_four_bit_after_thirty_two_bit)
{
    check_sizes(&ts_mix_schema, sizeof(ts_mix), _Alignof(ts_mix), 7);
    FIELD(ts_mix, 0, a, U32, 1);
    FIELD(ts_mix, 1, b, U64, 1);
    FIELD(ts_mix, 2, c, U8, 1);
    FIELD(ts_mix, 3, d, F64, 1);
    FIELD(ts_mix, 4, e, U16, 1);
    FIELD(ts_mix, 5, f, I64, 1);
    FIELD(ts_mix, 6, g, F32, 1);
    /* the layout rule is fixed: the same numbers on 32-bit targets */
    cr_assert_eq(offsetof(ts_mix, b), 8u);
    cr_assert_eq(offsetof(ts_mix, d), 24u);
    cr_assert_eq(offsetof(ts_mix, f), 40u);
    cr_assert_eq(sizeof(ts_mix), 56u);
    cr_assert_eq(_Alignof(ts_mix), 8u);
}

Test(schema_layout, nested_and_derived)
{
    check_sizes(&ts_point_schema, sizeof(ts_point), _Alignof(ts_point), 4);
    FIELD(ts_point, 0, x, I32, 1);
    FIELD(ts_point, 1, y, I32, 1);
    FIELD(ts_point, 2, visible, BOOL, 1);
    FIELD(ts_point, 3, color, ENUM, 1);

    check_sizes(&demo_order_schema, sizeof(demo_order), _Alignof(demo_order), 8);
    FIELD(demo_order, 0, id, U64, 1);
    FIELD(demo_order, 1, symbol, CHARS, 1);
    FIELD(demo_order, 2, side, ENUM, 1);
    FIELD(demo_order, 3, price, F64, 1);
    FIELD(demo_order, 4, urgent, BOOL, 1);
    FIELD(demo_order, 5, legs, U32, 4);
    FIELD(demo_order, 6, chart, REF, 1);
    FIELD(demo_order, 7, attachment, WINDOW, 1);
    cosmosb_field_info_t fi;
    ASSERT_RC(cosmosb_schema_field(&demo_order_schema, 5, &fi), COSMOSB_OK);
    cr_assert_eq(fi.since, 1u);
    ASSERT_RC(cosmosb_schema_field(&demo_order_schema, 6, &fi), COSMOSB_OK);
    cr_assert_eq(fi.since, 2u, "fields after SINCE(2) were added in version 2");
    ASSERT_RC(cosmosb_schema_field(&demo_order_schema, 7, &fi), COSMOSB_OK);
    cr_assert_eq(fi.since, 2u);

    /* a derived type's own fields, with offsets from the start of the derived struct */
    check_sizes(&demo_limit_order_schema, sizeof(demo_limit_order), _Alignof(demo_limit_order), 2);
    FIELD(demo_limit_order, 0, limit, F64, 1);
    FIELD(demo_limit_order, 1, valid_s, U32, 1);
    cr_assert_eq(offsetof(demo_limit_order, limit), sizeof(demo_order));
    cr_assert_eq(demo_limit_order_schema.base, &demo_order_schema);

    check_sizes(&ts_d1_schema, sizeof(ts_d1), _Alignof(ts_d1), 2);
    FIELD(ts_d1, 0, big, U64, 1);
    FIELD(ts_d1, 1, mode, ENUM, 1);
    check_sizes(&ts_d2_schema, sizeof(ts_d2), _Alignof(ts_d2), 2);
    FIELD(ts_d2, 0, small, U8, 1);
    FIELD(ts_d2, 1, name, CHARS, 1);
    check_sizes(&ts_d3_schema, sizeof(ts_d3), _Alignof(ts_d3), 1);
    FIELD(ts_d3, 0, at, STRUCT, 1);
    FIELD(ts_d4, 0, v4, I16, 1);
    FIELD(ts_d5, 0, v5, F64, 1);
    FIELD(ts_d6, 0, v6, BOOL, 1);
    FIELD(ts_d7, 0, v7, BOOL, 3);
    FIELD(ts_d8, 0, v8, ENUM, 1);
    check_sizes(&ts_d8_schema, sizeof(ts_d8), _Alignof(ts_d8), 1);
    FIELD(ts_n8, 0, in, STRUCT, 1);
    FIELD(ts_n8, 1, l8, U8, 1);
    check_sizes(&ts_n8_schema, sizeof(ts_n8), _Alignof(ts_n8), 2);

    check_sizes(&ts_holder_schema, sizeof(ts_holder), _Alignof(ts_holder), 4);
    FIELD(ts_holder, 0, a, U8, 1);
    FIELD(ts_holder, 1, inner, STRUCT, 1);
    FIELD(ts_holder, 2, arr, STRUCT, 2);
    FIELD(ts_holder, 3, last, BOOL, 1);
    check_sizes(&ts_evo1_schema, sizeof(ts_evo1), _Alignof(ts_evo1), 3);
    check_sizes(&ts_evo2_schema, sizeof(ts_evo2), _Alignof(ts_evo2), 8);
    FIELD(ts_evo2, 3, extra, U64, 1);
    FIELD(ts_evo2, 4, flag2, BOOL, 1);
    FIELD(ts_evo2, 5, e2, ENUM, 1);
    FIELD(ts_evo2, 6, note, CHARS, 1);
    FIELD(ts_evo2, 7, where, STRUCT, 1);
    for (uint32_t i = 0; i < 8; i++) {
        ASSERT_RC(cosmosb_schema_field(&ts_evo2_schema, i, &fi), COSMOSB_OK);
        cr_assert_eq(fi.since, i < 3 ? 1u : 2u, "field %u", i);
    }
}

Test(schema_layout, every_declared_type_passes_the_check)
{
    for (size_t i = 0; i < TS_ALL_TYPES_N; i++)
        ASSERT_RC(cosmosb_schema_check(ts_all_types[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_check(&ts_zbad1_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_check(&ts_n8_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_check(&ts_d8_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_check(NULL), COSMOSB_EINVAL);
}

Test(schema_layout, min_size_is_the_end_of_the_last_version_one_field)
{
    cr_assert_eq(cosmosb_schema_min_size(NULL), 0u);
    cr_assert_eq(cosmosb_schema_min_size(&ts_scalars_schema), offsetof(ts_scalars, flag) + 1u);
    cr_assert_eq(cosmosb_schema_min_size(&ts_mix_schema), offsetof(ts_mix, g) + 4u);
    cr_assert_eq(cosmosb_schema_min_size(&ts_misc_schema), offsetof(ts_misc, tail) + 3u);
    cr_assert_eq(cosmosb_schema_min_size(&demo_order_schema), offsetof(demo_order, legs) + 16u);
    cr_assert_eq(cosmosb_schema_min_size(&ts_evo1_schema), offsetof(ts_evo1, flag) + 1u);
    cr_assert_eq(cosmosb_schema_min_size(&ts_evo2_schema), offsetof(ts_evo2, flag) + 1u);
    /* a derived message always carries its whole base */
    cr_assert_eq(cosmosb_schema_min_size(&demo_limit_order_schema), offsetof(demo_limit_order, valid_s) + 4u);
    cr_assert_eq(cosmosb_schema_min_size(&ts_d3_schema), offsetof(ts_d3, at) + sizeof(ts_point));
    cr_assert_eq(cosmosb_schema_min_size(&ts_d1_schema), offsetof(ts_d1, mode) + 4u);
}

Test(schema_layout, is_a_follows_the_base_chain)
{
    cr_assert(cosmosb_schema_is_a(&ts_d8_schema, &ts_d0_schema));
    cr_assert(cosmosb_schema_is_a(&ts_d8_schema, &ts_d8_schema));
    cr_assert(cosmosb_schema_is_a(&ts_d3_schema, &ts_d2_schema));
    cr_assert(!cosmosb_schema_is_a(&ts_d2_schema, &ts_d3_schema));
    cr_assert(!cosmosb_schema_is_a(&ts_d2_schema, &demo_order_schema));
    cr_assert(cosmosb_schema_is_a(&demo_limit_order_schema, &demo_order_schema));
    cr_assert(cosmosb_schema_is_a(&ts_evo2_schema, &ts_evo1_schema), "versions of one type share the name");
    cr_assert(!cosmosb_schema_is_a(NULL, &ts_d0_schema));
    cr_assert(!cosmosb_schema_is_a(&ts_d0_schema, NULL));
}

/* ------------------------------------------------------------------------- */
/* Malformed descriptors                                                     */
/* ------------------------------------------------------------------------- */

#define MUT_MAX 32
struct mut {
    cosmosb_field_t f[MUT_MAX];
    cosmosb_schema_t s;
};

/* A private copy of a descriptor (its field table too), to damage one thing at a time. */
static void mut_init(struct mut *m, const cosmosb_schema_t *from)
{
    cr_assert_leq(from->field_count, MUT_MAX);
    memset(m, 0, sizeof *m);
    memcpy(m->f, from->fields, sizeof(cosmosb_field_t) * from->field_count);
    m->s = *from;
    m->s.fields = m->f;
    ASSERT_RC(cosmosb_schema_check(&m->s), COSMOSB_OK); /* the undamaged copy is fine */
}

#define REFUSED(m, what)                                                                                  \
    cr_assert_eq(cosmosb_schema_check(&(m).s), COSMOSB_EINVAL, "not refused: %s", what)

/* Index of a named entry of a descriptor copy. */
static uint32_t mut_find(const struct mut *m, const char *name)
{
    for (uint32_t i = 0; i < m->s.field_count; i++)
        if (m->f[i].name && strcmp(m->f[i].name, name) == 0)
            return i;
    cr_assert(0, "no field %s", name);
    return 0;
}

Test(schema_check, refuses_a_descriptor_that_does_not_match_its_struct)
{
    struct mut m;
    mut_init(&m, &ts_misc_schema);
    m.s.size += 8;
    REFUSED(m, "size too big");
    mut_init(&m, &ts_misc_schema);
    m.s.size -= 8;
    REFUSED(m, "size too small");
    mut_init(&m, &ts_misc_schema);
    m.s.align = 4;
    REFUSED(m, "alignment too small");
    mut_init(&m, &ts_misc_schema);
    m.s.align = 16;
    REFUSED(m, "alignment too big");
    mut_init(&m, &ts_misc_schema);
    m.s.align = 3;
    REFUSED(m, "alignment not a power of two");
    mut_init(&m, &ts_misc_schema);
    m.s.align = 0;
    REFUSED(m, "alignment 0");
    mut_init(&m, &ts_misc_schema);
    m.s.size = 0;
    REFUSED(m, "size 0");
    mut_init(&m, &ts_misc_schema);
    m.s.field_count--;
    REFUSED(m, "a field missing");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "legs")].count = 10;
    REFUSED(m, "array longer than the member");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "legs")].elem_size = 8;
    REFUSED(m, "U32 of 8 bytes");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "legs")].elem_align = 2;
    REFUSED(m, "U32 aligned to 2");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "big")].elem_align = 4;
    REFUSED(m, "U64 aligned to 4");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "chart")].elem_align = 8;
    REFUSED(m, "REF aligned to 8");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "attachment")].elem_size = 32;
    REFUSED(m, "WINDOW of 32 bytes");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "origin")].elem_size = 12;
    REFUSED(m, "STRUCT of the wrong size");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "origin")].elem_align = 8;
    REFUSED(m, "STRUCT of the wrong alignment");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "symbol")].elem_align = 2;
    REFUSED(m, "CHARS aligned to 2");
}

Test(schema_check, refuses_bad_entries)
{
    struct mut m;
    static const uint32_t bad_kinds[] = {0, 18, 99, 0x80000001u};
    for (size_t k = 0; k < sizeof bad_kinds / sizeof bad_kinds[0]; k++) {
        mut_init(&m, &ts_misc_schema);
        m.f[mut_find(&m, "legs")].kind = bad_kinds[k];
        REFUSED(m, "unknown kind");
    }
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "tag")].kind = COSMOSB_FIELD_SINCE;
    REFUSED(m, "a SINCE marker with a name");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "tag")].count = 0;
    REFUSED(m, "zero count");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "origin")].count = 0;
    REFUSED(m, "zero count struct");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "tag")].name = NULL;
    REFUSED(m, "field without a name");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "tag")].name = "";
    REFUSED(m, "field with an empty name");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "tag")].reserved = 1;
    REFUSED(m, "reserved not 0");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "origin")].type = NULL;
    REFUSED(m, "STRUCT without type");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "origin")].type = &m.s;
    REFUSED(m, "STRUCT of itself");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "tag")].type = &ts_point_schema;
    REFUSED(m, "type on a U8");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "tag")].target = "test.Chart";
    REFUSED(m, "target on a U8");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "side")].min = 8;
    REFUSED(m, "enum min > max");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "side")].min = (int64_t)INT32_MIN - 1;
    REFUSED(m, "enum min below int32");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "side")].max = (int64_t)INT32_MAX + 1;
    REFUSED(m, "enum max above int32");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "side")].min = 7; /* min == max: one value, fine */
    ASSERT_RC(cosmosb_schema_check(&m.s), COSMOSB_OK);
    m.f[mut_find(&m, "side")].min = INT32_MIN;
    m.f[mut_find(&m, "side")].max = INT32_MAX;
    ASSERT_RC(cosmosb_schema_check(&m.s), COSMOSB_OK);
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "attachment")].rights = COSMOSB_WIN_SEALED;
    REFUSED(m, "window rights outside the mask");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "attachment")].rights = 0x80;
    REFUSED(m, "unknown window right");
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "attachment")].rights = COSMOSB_WIN_READ | COSMOSB_WIN_WRITE;
    ASSERT_RC(cosmosb_schema_check(&m.s), COSMOSB_OK);

    /* descriptor-level fields */
    mut_init(&m, &ts_misc_schema);
    m.s.name = NULL;
    REFUSED(m, "no name");
    mut_init(&m, &ts_misc_schema);
    m.s.name = "";
    REFUSED(m, "empty name");
    mut_init(&m, &ts_misc_schema);
    m.s.version = 0;
    REFUSED(m, "version 0");
    mut_init(&m, &ts_misc_schema);
    m.s.fields = NULL;
    REFUSED(m, "field_count without fields");
    mut_init(&m, &ts_misc_schema);
    m.s.field_count = 0;
    REFUSED(m, "no fields and no base");
}

/* Hand-made descriptors whose layout is right, so only the rule under test can refuse them. */
static cosmosb_field_t hf(const char *name, uint32_t kind, uint32_t count, uint32_t esize, uint32_t ealign)
{
    cosmosb_field_t f;
    memset(&f, 0, sizeof f);
    f.name = name;
    f.kind = kind;
    f.count = count;
    f.elem_size = esize;
    f.elem_align = ealign;
    return f;
}

static cosmosb_schema_t hs(const char *name, uint32_t version, uint32_t size, uint32_t align, uint32_t n,
                           const cosmosb_field_t *fields, const cosmosb_schema_t *base)
{
    cosmosb_schema_t s = {name, version, size, align, n, fields, base};
    return s;
}

/* Review 20: names were taken whatever their bytes, and the JSON export wrote them as they are, so the
 * project's own reader refused the library's output. Type, field and REF target names must be UTF-8. */
Test(schema_check, names_must_be_well_formed_utf8)
{
    static const char *const bad[] = {
        "test.\xff",            /* never in UTF-8 */
        "test.\x80x",           /* a stray continuation byte */
        "test.\xc0\xaf",        /* overlong "/" */
        "test.\xe0\x80\xaf",    /* overlong, three bytes */
        "test.\xf0\x80\x80\xaf", /* overlong, four bytes */
        "test.\xed\xa0\x80",    /* a surrogate, U+D800 */
        "test.\xed\xbf\xbf",    /* a surrogate, U+DFFF */
        "test.\xf4\x90\x80\x80", /* above U+10FFFF */
        "test.\xe2\x82",        /* truncated at the end */
        "test.\xe2\x82x",       /* truncated in the middle */
        "test.\xc3",            /* truncated, two bytes */
    };
    static const char *const good[] = {
        "test.\xc3\xa9t\xc3\xa9",  /* U+00E9 */
        "test.\xe2\x82\xac",       /* U+20AC */
        "test.\xed\x9f\xbf",       /* U+D7FF, just below the surrogates */
        "test.\xef\xbf\xbd",       /* U+FFFD */
        "test.\xf0\x9f\x98\x80",   /* U+1F600 */
        "test.\xf4\x8f\xbf\xbf",   /* U+10FFFF */
    };
    struct mut m;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mut_init(&m, &ts_misc_schema);
        m.s.name = bad[i];
        REFUSED(m, "type name not UTF-8");
        mut_init(&m, &ts_misc_schema);
        m.f[mut_find(&m, "tag")].name = bad[i];
        REFUSED(m, "field name not UTF-8");
        mut_init(&m, &ts_misc_schema);
        m.f[mut_find(&m, "chart")].target = bad[i];
        REFUSED(m, "REF target not UTF-8");
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        mut_init(&m, &ts_misc_schema);
        m.s.name = good[i];
        m.f[mut_find(&m, "tag")].name = good[i];
        m.f[mut_find(&m, "chart")].target = good[i];
        ASSERT_RC(cosmosb_schema_check(&m.s), COSMOSB_OK);
    }
    /* A base's and a nested type's names are checked too. */
    struct mut base, d;
    mut_init(&base, &ts_d0_schema);
    base.s.name = bad[0];
    mut_init(&d, &ts_d1_schema);
    d.s.base = &base.s;
    REFUSED(d, "base name not UTF-8");
    struct mut pt;
    mut_init(&pt, &ts_point_schema);
    pt.f[mut_find(&pt, "x")].name = bad[5];
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "origin")].type = &pt.s;
    REFUSED(m, "nested field name not UTF-8");
}

/* Review 20: introspection and validation trust a checked descriptor, but a missing field table
 * (fields NULL, field_count > 0) was dereferenced. A cheap guard refuses it (EINVAL, or 0). */
Test(schema_check, a_missing_field_table_is_refused_not_dereferenced)
{
    _Alignas(8) uint8_t data[256];
    memset(data, 0, sizeof data);
    cosmosb_field_info_t info;
    struct mut m;
    cr_assert_leq(ts_misc_schema.size, sizeof data);
    mut_init(&m, &ts_misc_schema);
    m.s.fields = NULL;
    ASSERT_RC(cosmosb_schema_check(&m.s), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_validate(&m.s, data, m.s.size, NULL, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_validate(&m.s, data, 4, NULL, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_field(&m.s, 0, &info), COSMOSB_EINVAL);
    cr_assert_eq(cosmosb_schema_min_size(&m.s), 0u);
    cr_assert_eq(cosmosb_schema_field_count(&m.s), 0u);
    /* A base without its table. */
    struct mut base, d;
    mut_init(&base, &ts_d0_schema);
    base.s.fields = NULL;
    mut_init(&d, &ts_d1_schema);
    d.s.base = &base.s;
    ASSERT_RC(cosmosb_schema_validate(&d.s, data, d.s.size, NULL, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_field(&d.s, 0, &info), COSMOSB_EINVAL);
    cr_assert_eq(cosmosb_schema_min_size(&d.s), 0u);
    /* A nested type without its table: not refused by the cheap guard, but never dereferenced. */
    struct mut pt;
    mut_init(&pt, &ts_point_schema);
    pt.s.fields = NULL;
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "origin")].type = &pt.s;
    (void)cosmosb_schema_validate(&m.s, data, m.s.size, NULL, NULL);
    ASSERT_RC(cosmosb_schema_field(&m.s, 0, &info), COSMOSB_OK);
}

Test(schema_check, hand_made_rules)
{
    cosmosb_field_t f[4];
    cosmosb_schema_t s;
    /* the control: {U32 a; U32 b} */
    f[0] = hf("a", COSMOSB_FIELD_U32, 1, 4, 4);
    f[1] = hf("b", COSMOSB_FIELD_U32, 1, 4, 4);
    s = hs("h.T", 1, 8, 4, 2, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_OK);
    /* REF and WINDOW are single values */
    f[0] = hf("r", COSMOSB_FIELD_REF, 2, 16, 4);
    s = hs("h.T", 1, 32, 4, 1, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    f[0].count = 1;
    s.size = 16;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_OK);
    f[0] = hf("w", COSMOSB_FIELD_WINDOW, 2, 40, 8);
    s = hs("h.T", 1, 80, 8, 1, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    /* CHARS: one element of n bytes, n > 0 */
    f[0] = hf("c", COSMOSB_FIELD_CHARS, 2, 3, 1);
    s = hs("h.T", 1, 6, 1, 1, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    f[0] = hf("a", COSMOSB_FIELD_U8, 1, 1, 1);
    f[1] = hf("c", COSMOSB_FIELD_CHARS, 1, 0, 1);
    s = hs("h.T", 1, 1, 1, 2, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    /* the size limit, exactly and one past; and an element count whose byte size overflows 32 bits */
    f[0] = hf("c", COSMOSB_FIELD_CHARS, 1, COSMOSB_SCHEMA_MAX_SIZE, 1);
    s = hs("h.T", 1, COSMOSB_SCHEMA_MAX_SIZE, 1, 1, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_OK);
    f[0].elem_size++;
    s.size++;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    f[0] = hf("a", COSMOSB_FIELD_U64, 0x20000000u, 8, 8); /* 2^32 bytes: 0 in 32-bit arithmetic */
    s = hs("h.T", 1, 8, 8, 1, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    f[0].count = 0x20000001u; /* 2^32 + 8 bytes: 8 in 32-bit arithmetic */
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    /* size not a multiple of the alignment */
    f[0] = hf("a", COSMOSB_FIELD_U32, 1, 4, 4);
    f[1] = hf("b", COSMOSB_FIELD_U8, 1, 1, 1);
    s = hs("h.T", 1, 5, 4, 2, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    s.size = 8;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_OK);
}

Test(schema_check, since_markers)
{
    cosmosb_field_t f[5];
    cosmosb_schema_t s;
    f[0] = hf("a", COSMOSB_FIELD_U32, 1, 4, 4);
    f[1] = hf(NULL, COSMOSB_FIELD_SINCE, 2, 0, 1);
    f[2] = hf("b", COSMOSB_FIELD_U32, 1, 4, 4);
    f[3] = hf(NULL, COSMOSB_FIELD_SINCE, 3, 0, 1);
    f[4] = hf("c", COSMOSB_FIELD_U32, 1, 4, 4);
    s = hs("h.S", 3, 12, 4, 5, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_OK);
    cr_assert_eq(cosmosb_schema_field_count(&s), 3u, "markers are not fields");
    cr_assert_eq(cosmosb_schema_min_size(&s), 4u);
    cosmosb_field_info_t fi;
    ASSERT_RC(cosmosb_schema_field(&s, 2, &fi), COSMOSB_OK);
    cr_assert_str_eq(fi.name, "c");
    cr_assert_eq(fi.since, 3u);
    cr_assert_eq(fi.offset, 8u);
    f[3].count = 2;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL); /* not increasing */
    f[3].count = 1;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL); /* going down */
    f[3].count = 4;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL); /* above the type's version */
    f[3].count = 3;
    f[1].count = 1;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL); /* SINCE(1) is no step */
    f[1].count = 2;
    f[1].target = "x";
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL); /* a marker carries nothing */
    f[1].target = NULL;
    f[1].type = &ts_point_schema;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    f[1].type = NULL;
    f[1].name = "m";
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    f[1].name = NULL;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_OK);
    s.version = 2;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL); /* SINCE(3) in version 2 */

    /* the example type: SINCE(2) in a version-2 type, and damaged copies of it */
    struct mut m;
    mut_init(&m, &demo_order_schema);
    m.s.version = 1;
    REFUSED(m, "SINCE(2) in version 1");
    mut_init(&m, &demo_order_schema);
    for (uint32_t i = 0; i < m.s.field_count; i++)
        if (m.f[i].kind == COSMOSB_FIELD_SINCE)
            m.f[i].count = 3;
    REFUSED(m, "SINCE(3) in version 2");
}

Test(schema_check, nesting_and_derivation_limits)
{
    ASSERT_RC(cosmosb_schema_check(&ts_n8_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_check(&ts_n9_schema), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_check(&ts_d8_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_check(&ts_d9_schema), COSMOSB_EINVAL);
    /* a type that embeds a too-deep type is refused too */
    cosmosb_field_t f[1];
    f[0] = hf("n", COSMOSB_FIELD_STRUCT, 1, sizeof(ts_n9), _Alignof(ts_n9));
    f[0].type = &ts_n9_schema;
    cosmosb_schema_t s = hs("h.Outer", 1, sizeof(ts_n9), _Alignof(ts_n9), 1, f, NULL);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    f[0].type = &ts_n8_schema;
    f[0].elem_size = s.size = sizeof(ts_n8);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL); /* 9 levels again */
    f[0].type = &ts_n7_schema;
    f[0].elem_size = s.size = sizeof(ts_n7);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_OK);

    /* cycles end with EINVAL, not a hang: a type its own base, two types that contain each other */
    struct mut m;
    mut_init(&m, &ts_d1_schema);
    m.s.base = &m.s;
    REFUSED(m, "own base");
    cosmosb_field_t fa[1], fb[1];
    cosmosb_schema_t a, b;
    fa[0] = hf("b", COSMOSB_FIELD_STRUCT, 1, 4, 4);
    fa[0].type = &b;
    fb[0] = hf("a", COSMOSB_FIELD_STRUCT, 1, 4, 4);
    fb[0].type = &a;
    a = hs("h.A", 1, 4, 4, 1, fa, NULL);
    b = hs("h.B", 1, 4, 4, 1, fb, NULL);
    ASSERT_RC(cosmosb_schema_check(&a), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_check(&b), COSMOSB_EINVAL);
}

Test(schema_check, bases_and_nested_types_are_checked_too)
{
    struct mut base, der, inner, outer;
    /* a derived type whose base is damaged */
    mut_init(&base, &demo_order_schema);
    base.f[mut_find(&base, "side")].min = 2; /* min > max */
    mut_init(&der, &demo_limit_order_schema);
    der.s.base = &base.s;
    REFUSED(der, "damaged base");
    /* a base larger than the derived type, or more aligned */
    mut_init(&der, &ts_d1_schema);
    der.s.base = &ts_misc_schema;
    REFUSED(der, "base larger than the type");
    /* a type with a base but no fields of its own is fine (layout: the base) */
    cosmosb_schema_t s = hs("h.Same", 1, sizeof(ts_d0), _Alignof(ts_d0), 0, NULL, &ts_d0_schema);
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_OK);
    cr_assert_eq(cosmosb_schema_min_size(&s), sizeof(ts_d0));
    s.size += 8;
    ASSERT_RC(cosmosb_schema_check(&s), COSMOSB_EINVAL);
    /* a nested type that is damaged */
    mut_init(&inner, &ts_point_schema);
    inner.f[mut_find(&inner, "color")].kind = 77;
    mut_init(&outer, &ts_misc_schema);
    outer.f[mut_find(&outer, "origin")].type = &inner.s;
    REFUSED(outer, "damaged nested type");
}

/* ------------------------------------------------------------------------- */
/* Compatibility                                                             */
/* ------------------------------------------------------------------------- */

/* Variants of "test.Evo" (ts_evo1 is version 1: a U32, kind ENUM 0..3, flag BOOL). */
#define CV_NARROW(F) F(U32, a) F(ENUM, kind, 0, 2) F(BOOL, flag)
COSMOSB_SCHEMA(cv_narrow, "test.Evo", 2, CV_NARROW)
#define CV_RENAMED(F) F(U32, aa) F(ENUM, kind, 0, 3) F(BOOL, flag)
COSMOSB_SCHEMA(cv_renamed, "test.Evo", 2, CV_RENAMED)
#define CV_KIND(F) F(I32, a) F(ENUM, kind, 0, 3) F(BOOL, flag)
COSMOSB_SCHEMA(cv_kind, "test.Evo", 2, CV_KIND)
#define CV_COUNT(F) F(ARRAY, U32, a, 2) F(ENUM, kind, 0, 3) F(BOOL, flag)
COSMOSB_SCHEMA(cv_count, "test.Evo", 2, CV_COUNT)
#define CV_PADDING(F) F(U32, a) F(ENUM, kind, 0, 3) F(BOOL, flag) F(SINCE, 2) F(U8, late)
COSMOSB_SCHEMA(cv_padding, "test.Evo", 2, CV_PADDING)
#define CV_NOSINCE(F) F(U32, a) F(ENUM, kind, 0, 3) F(BOOL, flag) F(U64, extra)
COSMOSB_SCHEMA(cv_nosince, "test.Evo", 2, CV_NOSINCE)
#define CV_ENUM0(F) F(U32, a) F(ENUM, kind, 0, 3) F(BOOL, flag) F(SINCE, 2) F(U32, x) F(ENUM, e, -5, -1)
COSMOSB_SCHEMA(cv_enum0, "test.Evo", 2, CV_ENUM0)
#define CV_STRUCT0(F) F(U32, a) F(ENUM, kind, 0, 3) F(BOOL, flag) F(SINCE, 2) F(STRUCT, ts_d1, d)
COSMOSB_SCHEMA(cv_struct0, "test.Evo", 2, CV_STRUCT0)
#define CV_STRUCTOK(F) F(U32, a) F(ENUM, kind, 0, 3) F(BOOL, flag) F(SINCE, 2) F(STRUCT, ts_point, p)
COSMOSB_SCHEMA(cv_structok, "test.Evo", 2, CV_STRUCTOK)
#define CV_V3(F) TS_EVO2_FIELDS(F) F(SINCE, 3) F(U8, more)
COSMOSB_SCHEMA(cv_v3, "test.Evo", 3, CV_V3)
#define CV_V3BAD(F) TS_EVO2_FIELDS(F) F(U8, more)
COSMOSB_SCHEMA(cv_v3bad, "test.Evo", 3, CV_V3BAD)
#define CV_DERIVED(F) F(U32, b)
COSMOSB_SCHEMA_DERIVED(cv_derived, "test.Evo", 2, ts_point, CV_DERIVED)

/* Removing the last field keeps the size here ({U32, U16, U8} and {U32, U16} are both 8 bytes). */
#define CV_RM1(F) F(U32, a) F(U16, b) F(U8, c)
COSMOSB_SCHEMA(cv_rm1, "test.Rm", 1, CV_RM1)
#define CV_RM2(F) F(U32, a) F(U16, b)
COSMOSB_SCHEMA(cv_rm2, "test.Rm", 2, CV_RM2)
#define CV_SH1(F) F(U32, a) F(U32, b)
COSMOSB_SCHEMA(cv_sh1, "test.Sh", 1, CV_SH1)
#define CV_SH2(F) F(U32, a)
COSMOSB_SCHEMA(cv_sh2, "test.Sh", 2, CV_SH2)

/* Same name, kind and size, another offset: a nested type of equal size but larger alignment. */
#define CV_P1(F) F(U32, x) F(U32, y)
COSMOSB_SCHEMA(cv_p1, "test.OffP", 1, CV_P1)
#define CV_P2(F) F(U64, x)
COSMOSB_SCHEMA(cv_p2, "test.OffP", 1, CV_P2)
#define CV_OFF1(F) F(U8, a) F(STRUCT, cv_p1, p)
COSMOSB_SCHEMA(cv_off1, "test.Off", 1, CV_OFF1)
#define CV_OFF2(F) F(U8, a) F(STRUCT, cv_p2, p)
COSMOSB_SCHEMA(cv_off2, "test.Off", 2, CV_OFF2)
/* A nested type changed incompatibly, same layout around it. */
#define CV_PN(F) F(I32, x) F(I32, y) F(BOOL, visible) F(ENUM, color, 0, 1)
COSMOSB_SCHEMA(cv_pn, "test.Point", 2, CV_PN)
#define CV_NEST1(F) F(U8, a) F(STRUCT, ts_point, p)
COSMOSB_SCHEMA(cv_nest1, "test.Nest", 1, CV_NEST1)
#define CV_NEST2(F) F(U8, a) F(STRUCT, cv_pn, p)
COSMOSB_SCHEMA(cv_nest2, "test.Nest", 2, CV_NEST2)

#define CV_WIN1(F) F(WINDOW, w, COSMOSB_WIN_READ)
COSMOSB_SCHEMA(cv_win1, "test.Win", 1, CV_WIN1)
#define CV_WIN2(F) F(WINDOW, w, COSMOSB_WIN_READ | COSMOSB_WIN_WRITE)
COSMOSB_SCHEMA(cv_win2, "test.Win", 2, CV_WIN2)
#define CV_WIN0(F) F(WINDOW, w, 0)
COSMOSB_SCHEMA(cv_win0, "test.Win", 2, CV_WIN0)
#define CV_REF1(F) F(REF, r, "a.X")
COSMOSB_SCHEMA(cv_ref1, "test.Ref", 1, CV_REF1)
#define CV_REF2(F) F(REF, r, "a.Y")
COSMOSB_SCHEMA(cv_ref2, "test.Ref", 2, CV_REF2)
#define CV_REF3(F) F(REF, r, "")
COSMOSB_SCHEMA(cv_ref3, "test.Ref", 2, CV_REF3)
#define CV_REF4(F) F(REF, r, "a.X")
COSMOSB_SCHEMA(cv_ref4, "test.Ref", 2, CV_REF4)

/* A field appended in version 2 relabelled as a version-1 field: the minimum size grows. */
#define CV_MV2(F) F(U32, a) F(SINCE, 2) F(U32, b)
COSMOSB_SCHEMA(cv_mv2, "test.Mv", 2, CV_MV2)
#define CV_MV3(F) F(U32, a) F(U32, b)
COSMOSB_SCHEMA(cv_mv3, "test.Mv", 3, CV_MV3)
#define CV_MV4(F) F(U32, a) F(SINCE, 3) F(U32, b)
COSMOSB_SCHEMA(cv_mv4, "test.Mv", 3, CV_MV4)

/* A base that grew under a derived type. */
#define CV_BB1(F) F(U32, a)
COSMOSB_SCHEMA(cv_bb1, "test.BG", 1, CV_BB1)
#define CV_BB2(F) F(U32, a) F(SINCE, 2) F(U32, b)
COSMOSB_SCHEMA(cv_bb2, "test.BG", 2, CV_BB2)
#define CV_BD(F) F(U32, z)
COSMOSB_SCHEMA_DERIVED(cv_bd1, "test.BGD", 1, cv_bb1, CV_BD)
COSMOSB_SCHEMA_DERIVED(cv_bd2, "test.BGD", 1, cv_bb2, CV_BD)
/* A compatible change in a base: widened enum. */
#define CV_BE1(F) F(ENUM, k, 0, 1) F(U32, a)
COSMOSB_SCHEMA(cv_be1, "test.BE", 1, CV_BE1)
#define CV_BE2(F) F(ENUM, k, 0, 9) F(U32, a)
COSMOSB_SCHEMA(cv_be2, "test.BE", 2, CV_BE2)
#define CV_BED(F) F(U64, z)
COSMOSB_SCHEMA_DERIVED(cv_bed1, "test.BED", 1, cv_be1, CV_BED)
COSMOSB_SCHEMA_DERIVED(cv_bed2, "test.BED", 1, cv_be2, CV_BED)
#define CV_BEN(F) F(ENUM, k, 1, 1) F(U32, a)
COSMOSB_SCHEMA(cv_ben, "test.BE", 2, CV_BEN)
COSMOSB_SCHEMA_DERIVED(cv_bedn, "test.BED", 1, cv_ben, CV_BED)

static void compatible(const cosmosb_schema_t *o, const cosmosb_schema_t *n)
{
    char reason[COSMOSB_SCHEMA_REASON_MAX];
    memset(reason, 'x', sizeof reason);
    int rc = cosmosb_schema_compatible(o, n, reason, sizeof reason);
    cr_assert_eq(rc, COSMOSB_OK, "%s v%u -> v%u: %s (%s)", o->name, o->version, n->version, cosmosb_err_name(rc),
                 reason);
}

/* Incompatible, with a reason that names the place and contains `why`. */
static void incompatible(const cosmosb_schema_t *o, const cosmosb_schema_t *n, const char *where, const char *why)
{
    char reason[COSMOSB_SCHEMA_REASON_MAX];
    memset(reason, 'x', sizeof reason);
    int rc = cosmosb_schema_compatible(o, n, reason, sizeof reason);
    cr_assert_eq(rc, COSMOSB_EINCOMPAT, "%s v%u -> v%u: %s, expected EINCOMPAT (%s)", o->name, o->version,
                 n->version, cosmosb_err_name(rc), why);
    cr_assert_not_null(memchr(reason, '\0', sizeof reason), "reason not terminated");
    cr_assert_not_null(strstr(reason, why), "reason \"%s\" does not say \"%s\"", reason, why);
    cr_assert(strncmp(reason, where, strlen(where)) == 0 && reason[strlen(where)] == ':',
              "reason \"%s\" does not start with \"%s:\"", reason, where);
    /* no reason buffer is fine too */
    ASSERT_RC(cosmosb_schema_compatible(o, n, NULL, 0), COSMOSB_EINCOMPAT);
}

Test(schema_compat, compatible_changes)
{
    for (size_t i = 0; i < TS_ALL_TYPES_N; i++)
        compatible(ts_all_types[i], ts_all_types[i]);
    compatible(&ts_evo1_schema, &ts_evo2_schema); /* appended after SINCE(2), enum widened both ways */
    compatible(&ts_evo1_schema, &cv_v3_schema);
    compatible(&ts_evo2_schema, &cv_v3_schema); /* the new field after SINCE(3) */
    compatible(&ts_evo1_schema, &cv_structok_schema);  /* an appended struct whose zero value is valid */
    compatible(&cv_win2_schema, &cv_win0_schema);             /* rights may be dropped */
    compatible(&cv_win1_schema, &cv_win0_schema);
    compatible(&cv_ref1_schema, &cv_ref4_schema);             /* same target */
    compatible(&cv_bed1_schema, &cv_bed2_schema);             /* a base's enum widened */
    compatible(&cv_mv2_schema, &cv_mv4_schema); /* an appended field relabelled later: the minimum size stays */
    compatible(&cv_mv3_schema, &cv_mv4_schema); /* ... or shrinks: more messages are accepted */
    compatible(&ts_zbad1_schema, &ts_zbad1_schema);
    char reason[COSMOSB_SCHEMA_REASON_MAX] = "junk";
    ASSERT_RC(cosmosb_schema_compatible(&ts_evo1_schema, &ts_evo2_schema, reason, sizeof reason), COSMOSB_OK);
}

Test(schema_compat, every_incompatible_verdict_and_its_reason)
{
    incompatible(&ts_evo1_schema, &cv_renamed_schema, "test.Evo.a", "field renamed or removed");
    incompatible(&ts_evo1_schema, &cv_kind_schema, "test.Evo.a", "kind changed");
    incompatible(&ts_evo1_schema, &cv_count_schema, "test.Evo.a", "size or element count changed");
    incompatible(&cv_off1_schema, &cv_off2_schema, "test.Off.p", "offset changed");
    incompatible(&cv_rm1_schema, &cv_rm2_schema, "test.Rm.c", "field removed");
    incompatible(&cv_sh1_schema, &cv_sh2_schema, "test.Sh", "type shrank");
    incompatible(&ts_evo1_schema, &cv_narrow_schema, "test.Evo.kind", "enum range narrowed");
    incompatible(&ts_evo2_schema, &ts_evo1_schema, "test.Evo", "version went down");
    incompatible(&ts_evo1_schema, &cv_padding_schema, "test.Evo.late", "appended field lies inside the old size");
    incompatible(&ts_evo1_schema, &cv_nosince_schema, "test.Evo.extra",
                 "appended field needs a SINCE marker above the old version 1");
    incompatible(&ts_evo2_schema, &cv_v3bad_schema, "test.Evo.more",
                 "appended field needs a SINCE marker above the old version 2");
    incompatible(&ts_evo1_schema, &cv_enum0_schema, "test.Evo.e", "appended enum must accept 0");
    incompatible(&ts_zbad1_schema, &ts_zbad2_schema, "test.ZeroBad.e", "appended enum must accept 0");
    incompatible(&ts_evo1_schema, &cv_struct0_schema, "test.Evo.d", "appended struct must accept all zeros");
    incompatible(&cv_win1_schema, &cv_win2_schema, "test.Win.w", "window requires more rights");
    incompatible(&cv_win0_schema, &cv_win2_schema, "test.Win.w", "window requires more rights");
    incompatible(&cv_ref1_schema, &cv_ref2_schema, "test.Ref.r", "reference target type changed");
    incompatible(&cv_ref1_schema, &cv_ref3_schema, "test.Ref.r", "reference target type changed");
    incompatible(&cv_bd1_schema, &cv_bd2_schema, "test.BGD", "base type grew");
    incompatible(&cv_bed1_schema, &cv_bedn_schema, "test.BE.k", "enum range narrowed");
    incompatible(&ts_evo1_schema, &ts_point_schema, "test.Point", "type name changed");
    incompatible(&ts_evo1_schema, &cv_derived_schema, "test.Evo", "base type added or removed");
    incompatible(&cv_derived_schema, &ts_evo2_schema, "test.Evo", "base type added or removed");
    incompatible(&cv_nest1_schema, &cv_nest2_schema, "test.Point.color", "enum range narrowed");
    incompatible(&cv_mv2_schema, &cv_mv3_schema, "test.Mv.b", "field moved into version 1");
    cr_assert_gt(cosmosb_schema_min_size(&cv_mv3_schema), cosmosb_schema_min_size(&cv_mv2_schema));
}

Test(schema_compat, arguments_and_reason_buffer)
{
    char reason[COSMOSB_SCHEMA_REASON_MAX];
    ASSERT_RC(cosmosb_schema_compatible(NULL, &ts_evo1_schema, reason, sizeof reason), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_compatible(&ts_evo1_schema, NULL, reason, sizeof reason), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_compatible(&ts_n9_schema, &ts_n9_schema, reason, sizeof reason), COSMOSB_EINVAL);
    cr_assert_str_eq(reason, "malformed descriptor");
    ASSERT_RC(cosmosb_schema_compatible(&ts_d8_schema, &ts_d9_schema, reason, sizeof reason), COSMOSB_EINVAL);
    /* a short buffer gets a terminated prefix */
    char full[COSMOSB_SCHEMA_REASON_MAX], small[8];
    memset(small, 'x', sizeof small);
    ASSERT_RC(cosmosb_schema_compatible(&ts_evo1_schema, &cv_narrow_schema, full, sizeof full), COSMOSB_EINCOMPAT);
    ASSERT_RC(cosmosb_schema_compatible(&ts_evo1_schema, &cv_narrow_schema, small, sizeof small), COSMOSB_EINCOMPAT);
    cr_assert_eq(strlen(small), sizeof small - 1u);
    cr_assert(strncmp(small, full, sizeof small - 1u) == 0);
    /* a huge buffer: never more than COSMOSB_SCHEMA_REASON_MAX bytes written */
    char big[COSMOSB_SCHEMA_REASON_MAX * 2];
    memset(big, 'x', sizeof big);
    ASSERT_RC(cosmosb_schema_compatible(&ts_evo1_schema, &cv_nosince_schema, big, sizeof big), COSMOSB_EINCOMPAT);
    cr_assert_lt(strlen(big), COSMOSB_SCHEMA_REASON_MAX);
    for (size_t i = COSMOSB_SCHEMA_REASON_MAX; i < sizeof big; i++)
        cr_assert_eq(big[i], 'x', "byte %zu written", i);
    /* size 1: just the NUL */
    small[0] = 'x';
    ASSERT_RC(cosmosb_schema_compatible(&ts_evo1_schema, &cv_narrow_schema, small, 1), COSMOSB_EINCOMPAT);
    cr_assert_eq(small[0], '\0');
}

/* ------------------------------------------------------------------------- */
/* Validation                                                                */
/* ------------------------------------------------------------------------- */

static void misc_valid(ts_misc *m)
{
    memset(m, 0, sizeof *m);
    m->tag = 9;
    m->side = -3;
    strcpy(m->symbol, "ABCDEFGHIJKL"); /* 12 chars + NUL: exactly full */
    m->legs[0] = 0xffffffffu;
    m->bits[0] = 1;
    m->bits[4] = 1;
    m->big[1] = UINT64_MAX;
    m->origin.x = -1;
    m->origin.visible = 1;
    m->origin.color = 2;
    m->path[2].color = 1;
    m->path[1].visible = 1;
    m->tail[2] = -128;
}

struct hook_log {
    int calls;
    int rc;
    uint64_t last_target;
    uint32_t last_rights;
    cosmosb_ref_t last_ref;
    cosmosb_window_t last_window;
};

static int ref_hook(void *ctx, const cosmosb_ref_t *ref, uint64_t target)
{
    struct hook_log *l = ctx;
    l->calls++;
    l->last_target = target;
    l->last_ref = *ref;
    return l->rc;
}

static int window_hook(void *ctx, const cosmosb_window_t *w, uint32_t rights)
{
    struct hook_log *l = ctx;
    l->calls++;
    l->last_rights = rights;
    l->last_window = *w;
    return l->rc;
}

/* Validates and checks the outcome: rc OK, or EBADMSG with this reason, field and offset. */
static void expect_verdict(const cosmosb_schema_t *s, const void *data, uint32_t present,
                           const cosmosb_validate_hooks_t *hooks, uint32_t reason, const char *field, size_t offset)
{
    cosmosb_validate_error_t err;
    memset(&err, 0x5a, sizeof err);
    int rc = cosmosb_schema_validate(s, data, present, hooks, &err);
    if (reason == COSMOSB_REJECT_NONE) {
        cr_assert_eq(rc, COSMOSB_OK, "%s: %s (reason %s, field %s)", s->name, cosmosb_err_name(rc),
                     cosmosb_reject_reason_name(err.reason), err.field ? err.field : "-");
        cr_assert_eq(err.reason, COSMOSB_REJECT_NONE);
        return;
    }
    cr_assert_eq(rc, COSMOSB_EBADMSG, "%s: %s, expected EBADMSG (%s)", s->name, cosmosb_err_name(rc),
                 cosmosb_reject_reason_name(reason));
    cr_assert_eq(err.reason, reason, "reason %s, expected %s", cosmosb_reject_reason_name(err.reason),
                 cosmosb_reject_reason_name(reason));
    if (field)
        cr_assert(err.field && strcmp(err.field, field) == 0, "field %s, expected %s", err.field ? err.field : "NULL",
                  field);
    cr_assert_eq(err.offset, (uint32_t)offset, "offset %u, expected %zu", err.offset, offset);
    cr_assert_eq(err.reserved, 0u);
    /* NULL err is allowed */
    ASSERT_RC(cosmosb_schema_validate(s, data, present, hooks, NULL), COSMOSB_EBADMSG);
}

#define OK_(s, d) expect_verdict((s), (d), (uint32_t)sizeof *(d), NULL, COSMOSB_REJECT_NONE, NULL, 0)
#define BAD_(s, d, r, f, off) expect_verdict((s), (d), (uint32_t)sizeof *(d), NULL, COSMOSB_REJECT_##r, (f), (off))

Test(schema_validate, scalars_accept_every_bit_pattern_bool_does_not)
{
    ts_scalars v;
    memset(&v, 0xff, sizeof v);
    v.flag = 1;
    OK_(&ts_scalars_schema, &v);
    v.flag = 0;
    OK_(&ts_scalars_schema, &v);
    for (unsigned b = 2; b < 256; b++) {
        v.flag = (uint8_t)b;
        BAD_(&ts_scalars_schema, &v, BOOL, "flag", offsetof(ts_scalars, flag));
    }
    ASSERT_RC(cosmosb_schema_validate(NULL, &v, sizeof v, NULL, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_validate(&ts_scalars_schema, NULL, sizeof v, NULL, NULL), COSMOSB_EINVAL);
    cr_assert_str_eq(cosmosb_reject_reason_name(COSMOSB_REJECT_BOOL), "bool");
    cr_assert_str_eq(cosmosb_reject_reason_name(COSMOSB_REJECT_ENUM), "enum");
    cr_assert_str_eq(cosmosb_reject_reason_name(COSMOSB_REJECT_COUNT), "unknown");
    for (uint32_t r = 0; r < COSMOSB_REJECT_COUNT; r++)
        cr_assert_str_neq(cosmosb_reject_reason_name(r), "unknown");
}

Test(schema_validate, derived_types_nested_in_another)
{
    ts_holder h;
    memset(&h, 0, sizeof h);
    h.arr[0].mode = 1;
    h.arr[1].mode = 4;
    h.inner.base.mode = 2;
    OK_(&ts_holder_schema, &h);
    h.arr[1].base.ok = 2; /* a base field of a nested derived element */
    BAD_(&ts_holder_schema, &h, BOOL, "ok", offsetof(ts_holder, arr) + sizeof(ts_d1) + offsetof(ts_d0, ok));
    h.arr[1].base.ok = 0;
    h.inner.base.mode = 5;
    BAD_(&ts_holder_schema, &h, ENUM, "mode", offsetof(ts_holder, inner) + offsetof(ts_d1, mode));
    h.inner.base.mode = 1;
    memset(h.inner.name, 'n', sizeof h.inner.name);
    BAD_(&ts_holder_schema, &h, STRING, "name", offsetof(ts_holder, inner) + offsetof(ts_d2, name));
    h.inner.name[6] = 0;
    h.last = 3;
    BAD_(&ts_holder_schema, &h, BOOL, "last", offsetof(ts_holder, last));
}

Test(schema_validate, every_rule_of_misc)
{
    ts_misc m;
    misc_valid(&m);
    OK_(&ts_misc_schema, &m);
    /* enum bounds */
    m.side = -4;
    BAD_(&ts_misc_schema, &m, ENUM, "side", offsetof(ts_misc, side));
    m.side = 8;
    BAD_(&ts_misc_schema, &m, ENUM, "side", offsetof(ts_misc, side));
    m.side = INT32_MIN;
    BAD_(&ts_misc_schema, &m, ENUM, "side", offsetof(ts_misc, side));
    m.side = 7;
    OK_(&ts_misc_schema, &m);
    /* chars: a NUL somewhere within the n bytes */
    memset(m.symbol, 'z', sizeof m.symbol);
    BAD_(&ts_misc_schema, &m, STRING, "symbol", offsetof(ts_misc, symbol));
    m.symbol[12] = '\0';
    OK_(&ts_misc_schema, &m);
    m.symbol[0] = '\0';
    OK_(&ts_misc_schema, &m);
    /* each element of a BOOL array, at its own offset */
    for (int i = 0; i < 5; i++) {
        misc_valid(&m);
        m.bits[i] = 2;
        BAD_(&ts_misc_schema, &m, BOOL, "bits", offsetof(ts_misc, bits) + (size_t)i);
    }
    /* nested struct and struct array: the nested field's name, the absolute offset */
    misc_valid(&m);
    m.origin.visible = 3;
    BAD_(&ts_misc_schema, &m, BOOL, "visible", offsetof(ts_misc, origin) + offsetof(ts_point, visible));
    misc_valid(&m);
    m.origin.color = 3;
    BAD_(&ts_misc_schema, &m, ENUM, "color", offsetof(ts_misc, origin) + offsetof(ts_point, color));
    for (int i = 0; i < 3; i++) {
        misc_valid(&m);
        m.path[i].color = -1;
        BAD_(&ts_misc_schema, &m, ENUM, "color",
             offsetof(ts_misc, path) + (size_t)i * sizeof(ts_point) + offsetof(ts_point, color));
    }
    /* the first failing field is reported */
    misc_valid(&m);
    m.bits[1] = 9;
    m.side = 100;
    BAD_(&ts_misc_schema, &m, ENUM, "side", offsetof(ts_misc, side));
}

Test(schema_validate, refs_and_windows_through_hooks)
{
    ts_misc m;
    misc_valid(&m);
    struct hook_log rl, wl;
    memset(&rl, 0, sizeof rl);
    memset(&wl, 0, sizeof wl);
    cosmosb_validate_hooks_t hooks = {ref_hook, &rl, window_hook, &wl};
    /* null refs and empty windows need no hook, and no hook is asked about them */
    OK_(&ts_misc_schema, &m);
    expect_verdict(&ts_misc_schema, &m, sizeof m, &hooks, COSMOSB_REJECT_NONE, NULL, 0);
    cr_assert_eq(rl.calls + wl.calls, 0);
    /* a non-null ref without a hook: refused with ENOTSUP */
    m.chart.arena_id = 5;
    BAD_(&ts_misc_schema, &m, REF, "chart", offsetof(ts_misc, chart));
    cosmosb_validate_error_t err;
    ASSERT_RC(cosmosb_schema_validate(&ts_misc_schema, &m, sizeof m, NULL, &err), COSMOSB_EBADMSG);
    cr_assert_eq(err.hook_error, COSMOSB_ENOTSUP);
    cosmosb_validate_hooks_t window_only = {NULL, NULL, window_hook, &wl};
    ASSERT_RC(cosmosb_schema_validate(&ts_misc_schema, &m, sizeof m, &window_only, &err), COSMOSB_EBADMSG);
    cr_assert_eq(err.reason, COSMOSB_REJECT_REF);
    cr_assert_eq(err.hook_error, COSMOSB_ENOTSUP);
    /* with a hook: it sees the ref and the target's id, and decides */
    rl.rc = COSMOSB_OK;
    expect_verdict(&ts_misc_schema, &m, sizeof m, &hooks, COSMOSB_REJECT_NONE, NULL, 0);
    cr_assert_eq(rl.calls, 1);
    cr_assert_eq(rl.last_target, cosmosb_schema_id_of("test.Chart"));
    cr_assert_eq(rl.last_ref.arena_id, 5u);
    rl.rc = COSMOSB_ESTALE;
    ASSERT_RC(cosmosb_schema_validate(&ts_misc_schema, &m, sizeof m, &hooks, &err), COSMOSB_EBADMSG);
    cr_assert_eq(err.reason, COSMOSB_REJECT_REF);
    cr_assert_eq(err.hook_error, COSMOSB_ESTALE);
    cr_assert_str_eq(err.field, "chart");
    /* a REF with an empty target asks for any type (0) */
    m.chart.arena_id = 0;
    m.any.object = 3;
    rl.rc = COSMOSB_OK;
    expect_verdict(&ts_misc_schema, &m, sizeof m, &hooks, COSMOSB_REJECT_NONE, NULL, 0);
    cr_assert_eq(rl.last_target, 0u);
    cr_assert_eq(rl.last_ref.object, 3u);
    m.any.object = 0;
    m.any.transfer = 1; /* any nonzero word makes it non-null */
    BAD_(&ts_misc_schema, &m, REF, "any", offsetof(ts_misc, any));
    m.any.transfer = 0;
    /* windows: one nonzero byte anywhere makes it non-empty */
    m.attachment.reserved = 1;
    BAD_(&ts_misc_schema, &m, WINDOW, "attachment", offsetof(ts_misc, attachment));
    ASSERT_RC(cosmosb_schema_validate(&ts_misc_schema, &m, sizeof m, &window_only, &err), COSMOSB_OK);
    cr_assert_eq(wl.last_rights, COSMOSB_WIN_READ, "the field's required rights reach the hook");
    cr_assert_eq(wl.last_window.reserved, 1u);
    wl.rc = COSMOSB_EPERM;
    ASSERT_RC(cosmosb_schema_validate(&ts_misc_schema, &m, sizeof m, &hooks, &err), COSMOSB_EBADMSG);
    cr_assert_eq(err.reason, COSMOSB_REJECT_WINDOW);
    cr_assert_eq(err.hook_error, COSMOSB_EPERM);
    cr_assert_eq(err.offset, offsetof(ts_misc, attachment));
    m.attachment.reserved = 0;
    m.attachment.length = 1;
    cosmosb_validate_hooks_t ref_only = {ref_hook, &rl, NULL, NULL};
    ASSERT_RC(cosmosb_schema_validate(&ts_misc_schema, &m, sizeof m, &ref_only, &err), COSMOSB_EBADMSG);
    cr_assert_eq(err.reason, COSMOSB_REJECT_WINDOW);
    cr_assert_eq(err.hook_error, COSMOSB_ENOTSUP);
}

Test(schema_validate, short_truncated_and_absent_fields)
{
    ts_evo2 v;
    memset(&v, 0, sizeof v);
    v.kind = 5;
    v.flag = 1;
    v.extra = 77;
    v.flag2 = 1;
    v.e2 = -2;
    strcpy(v.note, "hello");
    v.where.visible = 1;
    OK_(&ts_evo2_schema, &v);
    uint32_t min = cosmosb_schema_min_size(&ts_evo2_schema);
    cr_assert_eq(min, 9u);
    expect_verdict(&ts_evo2_schema, &v, min - 1u, NULL, COSMOSB_REJECT_SHORT, NULL, min - 1u);
    expect_verdict(&ts_evo2_schema, &v, 0, NULL, COSMOSB_REJECT_SHORT, NULL, 0);
    /* fields entirely past `present` are absent and not looked at (the caller zero-fills them) */
    ts_evo2 g = v;
    g.flag2 = 9;
    g.e2 = 99;
    memset(g.note, 'x', sizeof g.note);
    g.where.color = 42;
    expect_verdict(&ts_evo2_schema, &g, min, NULL, COSMOSB_REJECT_NONE, NULL, 0);
    expect_verdict(&ts_evo2_schema, &g, 12, NULL, COSMOSB_REJECT_NONE, NULL, 0);
    expect_verdict(&ts_evo2_schema, &g, (uint32_t)offsetof(ts_evo2, extra), NULL, COSMOSB_REJECT_NONE, NULL, 0);
    expect_verdict(&ts_evo2_schema, &g, (uint32_t)offsetof(ts_evo2, flag2), NULL, COSMOSB_REJECT_NONE, NULL, 0);
    /* present fields are checked */
    expect_verdict(&ts_evo2_schema, &g, (uint32_t)offsetof(ts_evo2, flag2) + 1u, NULL, COSMOSB_REJECT_BOOL, "flag2",
                   offsetof(ts_evo2, flag2));
    /* a message ending inside a field */
    for (uint32_t cut = (uint32_t)offsetof(ts_evo2, extra) + 1u; cut < offsetof(ts_evo2, extra) + 8u; cut++)
        expect_verdict(&ts_evo2_schema, &v, cut, NULL, COSMOSB_REJECT_TRUNCATED, "extra", offsetof(ts_evo2, extra));
    expect_verdict(&ts_evo2_schema, &v, (uint32_t)offsetof(ts_evo2, note) + 3u, NULL, COSMOSB_REJECT_TRUNCATED,
                   "note", offsetof(ts_evo2, note));
    expect_verdict(&ts_evo2_schema, &v, (uint32_t)offsetof(ts_evo2, where) + 15u, NULL, COSMOSB_REJECT_TRUNCATED,
                   "where", offsetof(ts_evo2, where));
    /* an absent field whose zero value its own rule refuses: the caller would zero-fill it, so it is refused */
    ts_zbad2 z = {1, 2, 3};
    expect_verdict(&ts_zbad2_schema, &z, sizeof(ts_zbad1), NULL, COSMOSB_REJECT_ENUM, "e", offsetof(ts_zbad2, e));
    expect_verdict(&ts_zbad2_schema, &z, sizeof z, NULL, COSMOSB_REJECT_NONE, NULL, 0);
    cv_struct0 sz;
    memset(&sz, 0, sizeof sz);
    expect_verdict(&cv_struct0_schema, &sz, sizeof(ts_evo1), NULL, COSMOSB_REJECT_ENUM, "d",
                   offsetof(cv_struct0, d));
    sz.d.mode = 1;
    expect_verdict(&cv_struct0_schema, &sz, sizeof sz, NULL, COSMOSB_REJECT_NONE, NULL, 0);
    /* longer than the struct: the tail is ignored */
    uint8_t longer[sizeof v + 32];
    memset(longer, 0xee, sizeof longer);
    memcpy(longer, &v, sizeof v);
    expect_verdict(&ts_evo2_schema, longer, sizeof longer, NULL, COSMOSB_REJECT_NONE, NULL, 0);
    /* a derived type: the base's fields are checked too, at their offsets */
    demo_limit_order d;
    memset(&d, 0, sizeof d);
    d.base.side = 1;
    d.limit = 2.5;
    OK_(&demo_limit_order_schema, &d);
    d.base.side = 2;
    BAD_(&demo_limit_order_schema, &d, ENUM, "side", offsetof(demo_order, side));
    d.base.side = 0;
    d.base.legs[0] = 1;
    memset(d.base.symbol, 'q', sizeof d.base.symbol);
    BAD_(&demo_limit_order_schema, &d, STRING, "symbol", offsetof(demo_order, symbol));
    d.base.symbol[15] = 0;
    expect_verdict(&demo_limit_order_schema, &d, cosmosb_schema_min_size(&demo_limit_order_schema) - 1u, NULL,
                   COSMOSB_REJECT_SHORT, NULL, cosmosb_schema_min_size(&demo_limit_order_schema) - 1u);
    /* deep chains: a field of every level */
    ts_d8 e;
    memset(&e, 0, sizeof e);
    e.base.base.base.base.base.base.base.mode = 1;
    OK_(&ts_d8_schema, &e);
    e.base.base.base.base.base.base.base.base.ok = 2;
    BAD_(&ts_d8_schema, &e, BOOL, "ok", offsetof(ts_d0, ok));
    e.base.base.base.base.base.base.base.base.ok = 1;
    e.base.v7[2] = 5;
    BAD_(&ts_d8_schema, &e, BOOL, "v7", offsetof(ts_d7, v7) + 2u);
    e.base.v7[2] = 0;
    e.v8 = 2;
    BAD_(&ts_d8_schema, &e, ENUM, "v8", offsetof(ts_d8, v8));
    e.v8 = -1;
    e.base.base.base.base.base.at.color = 7;
    BAD_(&ts_d8_schema, &e, ENUM, "color", offsetof(ts_d3, at) + offsetof(ts_point, color));
    /* nesting 8 deep: the innermost BOOL */
    ts_n8 n;
    memset(&n, 0, sizeof n);
    OK_(&ts_n8_schema, &n);
    n.in.in.in.in.in.in.in.in.leaf = 2;
    BAD_(&ts_n8_schema, &n, BOOL, "leaf", 0);
}

/* ------------------------------------------------------------------------- */
/* Registry                                                                  */
/* ------------------------------------------------------------------------- */

static cosmosb_schema_registry_t *reg_make(uint32_t max, void **mem)
{
    size_t sz = cosmosb_schema_registry_memsize(max);
    cr_assert_gt(sz, 0u);
    *mem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    cr_assert_not_null(*mem);
    memset(*mem, 0xa5, sz);
    cosmosb_schema_registry_t *reg = NULL;
    ASSERT_RC(cosmosb_schema_registry_init(*mem, sz, max, &reg), COSMOSB_OK);
    cr_assert_not_null(reg);
    cr_assert_eq(cosmosb_schema_registry_count(reg), 0u);
    return reg;
}

static int reg_index(const cosmosb_schema_registry_t *reg, const cosmosb_schema_t *s)
{
    for (uint32_t i = 0; i < cosmosb_schema_registry_count(reg); i++)
        if (cosmosb_schema_registry_at(reg, i) == s)
            return (int)i;
    return -1;
}

Test(schema_registry, init_arguments)
{
    cr_assert_eq(cosmosb_schema_registry_memsize(0), 0u);
    cr_assert_eq(cosmosb_schema_registry_memsize(65537), 0u);
    cr_assert_gt(cosmosb_schema_registry_memsize(65536), 0u);
    size_t sz = cosmosb_schema_registry_memsize(4);
    uint64_t *mem = malloc(sz + 16);
    cosmosb_schema_registry_t *reg;
    ASSERT_RC(cosmosb_schema_registry_init(NULL, sz, 4, &reg), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_registry_init(mem, sz - 1, 4, &reg), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_registry_init((char *)mem + 4, sz, 4, &reg), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_registry_init(mem, sz, 0, &reg), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_registry_init(mem, sz, 4, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_registry_init(mem, sz, 4, &reg), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(reg, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_n9_schema), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_registry_add(NULL, &ts_d0_schema), COSMOSB_EINVAL);
    cr_assert_eq(cosmosb_schema_registry_count(reg), 0u);
    cr_assert_eq(cosmosb_schema_registry_count(NULL), 0u);
    cr_assert_null(cosmosb_schema_registry_at(reg, 0));
    cr_assert_null(cosmosb_schema_registry_at(NULL, 0));
    cr_assert_null(cosmosb_schema_registry_find(NULL, 1));
    cr_assert_null(cosmosb_schema_registry_find(reg, cosmosb_schema_id_of("test.D0")));
    size_t need = 0;
    char buf[8];
    ASSERT_RC(cosmosb_schema_registry_json(NULL, buf, sizeof buf, &need), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_schema_registry_json(reg, NULL, 5, &need), COSMOSB_EINVAL);
    free(mem);
}

Test(schema_registry, bases_and_nested_types_once_in_dependency_order)
{
    void *mem;
    cosmosb_schema_registry_t *reg = reg_make(64, &mem);
    /* ts_d3: bases d0, d1, d2 and the nested ts_point */
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_d3_schema), COSMOSB_OK);
    cr_assert_eq(cosmosb_schema_registry_count(reg), 5u);
    const cosmosb_schema_t *want[] = {&ts_d0_schema, &ts_d1_schema, &ts_d2_schema, &ts_point_schema, &ts_d3_schema};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_neq(reg_index(reg, want[i]), -1, "%s missing", want[i]->name);
        cr_assert_eq(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(want[i])), want[i]);
    }
    cr_assert_lt(reg_index(reg, &ts_d0_schema), reg_index(reg, &ts_d1_schema));
    cr_assert_lt(reg_index(reg, &ts_d2_schema), reg_index(reg, &ts_d3_schema));
    cr_assert_lt(reg_index(reg, &ts_point_schema), reg_index(reg, &ts_d3_schema));
    /* again, and types it already has: nothing new */
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_d3_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_d1_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_point_schema), COSMOSB_OK);
    cr_assert_eq(cosmosb_schema_registry_count(reg), 5u);
    /* ts_misc: ts_point is there already; only ts_misc is new */
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_misc_schema), COSMOSB_OK);
    cr_assert_eq(cosmosb_schema_registry_count(reg), 6u);
    cr_assert_eq(cosmosb_schema_registry_at(reg, 5), &ts_misc_schema);
    /* every declared type: each appears exactly once */
    for (size_t i = 0; i < TS_ALL_TYPES_N; i++) {
        if (ts_all_types[i] == &ts_evo2_schema)
            continue; /* same id as ts_evo1 */
        ASSERT_RC(cosmosb_schema_registry_add(reg, ts_all_types[i]), COSMOSB_OK);
    }
    uint32_t n = cosmosb_schema_registry_count(reg);
    for (uint32_t i = 0; i < n; i++) {
        const cosmosb_schema_t *s = cosmosb_schema_registry_at(reg, i);
        cr_assert_not_null(s);
        cr_assert_eq(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(s)), s);
        for (uint32_t j = 0; j < i; j++)
            cr_assert_str_neq(cosmosb_schema_registry_at(reg, j)->name, s->name, "%s twice", s->name);
        if (s->base)
            cr_assert_lt(reg_index(reg, s->base), (int)i, "%s listed before its base", s->name);
    }
    /* n8 brought n0..n7; d8 brought d4..d7 */
    cr_assert_neq(reg_index(reg, &ts_n5_schema), -1);
    cr_assert_neq(reg_index(reg, &ts_d6_schema), -1);
    cr_assert_null(cosmosb_schema_registry_at(reg, n));
    cr_assert_null(cosmosb_schema_registry_find(reg, cosmosb_schema_id_of("test.Nothing")));
    free(mem);
}

Test(schema_registry, full_is_all_or_nothing)
{
    void *mem;
    cosmosb_schema_registry_t *reg = reg_make(4, &mem);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_mix_schema), COSMOSB_OK);
    /* ts_d3 needs 5 entries, 3 are left */
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_d3_schema), COSMOSB_ENOMEM);
    cr_assert_eq(cosmosb_schema_registry_count(reg), 1u, "nothing of a failed add stays");
    cr_assert_null(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(&ts_d0_schema)));
    cr_assert_null(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(&ts_point_schema)));
    cr_assert_eq(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(&ts_mix_schema)), &ts_mix_schema);
    /* what fits still goes in, and then the registry is exactly full */
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_d2_schema), COSMOSB_OK);
    cr_assert_eq(cosmosb_schema_registry_count(reg), 4u);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_point_schema), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_d1_schema), COSMOSB_OK); /* already there */
    cr_assert_eq(cosmosb_schema_registry_count(reg), 4u);
    for (uint32_t i = 0; i < 4; i++) {
        const cosmosb_schema_t *s = cosmosb_schema_registry_at(reg, i);
        cr_assert_eq(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(s)), s);
    }
    free(mem);
}

/* Another "test.Point" with a different layout, nested in a type of its own. */
#define RG_POINT(F) F(I64, x) F(I64, y)
COSMOSB_SCHEMA(rg_point, "test.Point", 1, RG_POINT)
#define RG_HOLDER(F) F(U32, n) F(STRUCT, ts_mix, m) F(STRUCT, rg_point, p)
COSMOSB_SCHEMA(rg_holder, "test.Holder", 1, RG_HOLDER)

/* Review 20: one "test.RegE" v1 with an enum of 0..1, another of 0..9: the registry took the wider one
 * after the narrower (a one-way compatibility check; the export kept 0..1), not the other way round. */
#define RG_E_NARROW(F) F(ENUM, e, 0, 1)
COSMOSB_SCHEMA(rg_e_narrow, "test.RegE", 1, RG_E_NARROW)
#define RG_E_WIDE(F) F(ENUM, e, 0, 9)
COSMOSB_SCHEMA(rg_e_wide, "test.RegE", 1, RG_E_WIDE)
COSMOSB_SCHEMA(rg_e_copy, "test.RegE", 1, RG_E_NARROW)

Test(schema_registry, same_name_needs_the_same_type_in_either_order)
{
    void *mem1, *mem2;
    cosmosb_schema_registry_t *a = reg_make(4, &mem1), *b = reg_make(4, &mem2);
    ASSERT_RC(cosmosb_schema_registry_add(a, &rg_e_narrow_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(a, &rg_e_wide_schema), COSMOSB_EINCOMPAT);
    ASSERT_RC(cosmosb_schema_registry_add(a, &rg_e_copy_schema), COSMOSB_OK); /* the same type */
    ASSERT_RC(cosmosb_schema_registry_add(b, &rg_e_wide_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(b, &rg_e_narrow_schema), COSMOSB_EINCOMPAT);
    cr_assert_eq(cosmosb_schema_registry_count(a), 1u);
    cr_assert_eq(cosmosb_schema_registry_count(b), 1u);
    /* Any other difference of rule too: WINDOW rights, a REF target, a SINCE marker moved. */
    struct mut m;
    mut_init(&m, &ts_misc_schema);
    ASSERT_RC(cosmosb_schema_registry_add(a, &ts_misc_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(a, &m.s), COSMOSB_OK);
    m.f[mut_find(&m, "attachment")].rights = 0;
    ASSERT_RC(cosmosb_schema_registry_add(a, &m.s), COSMOSB_EINCOMPAT);
    mut_init(&m, &ts_misc_schema);
    m.f[mut_find(&m, "chart")].target = "test.Other";
    ASSERT_RC(cosmosb_schema_registry_add(a, &m.s), COSMOSB_EINCOMPAT);
    ASSERT_RC(cosmosb_schema_registry_add(b, &ts_evo2_schema), COSMOSB_OK);
    mut_init(&m, &ts_evo2_schema);
    ASSERT_RC(cosmosb_schema_registry_add(b, &m.s), COSMOSB_OK);
    uint32_t x = mut_find(&m, "extra"); /* "extra" moved into version 1: same layout, other minimum size */
    cr_assert_eq(m.f[x - 1u].kind, COSMOSB_FIELD_SINCE);
    cosmosb_field_t tmp = m.f[x - 1u];
    m.f[x - 1u] = m.f[x];
    m.f[x] = tmp;
    ASSERT_RC(cosmosb_schema_check(&m.s), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(b, &m.s), COSMOSB_EINCOMPAT);
    free(mem1);
    free(mem2);
}

Test(schema_registry, same_id_different_layout_is_incompatible)
{
    void *mem;
    cosmosb_schema_registry_t *reg = reg_make(16, &mem);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_evo1_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_evo2_schema), COSMOSB_EINCOMPAT);
    cr_assert_eq(cosmosb_schema_registry_count(reg), 1u);
    cr_assert_eq(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(&ts_evo1_schema)), &ts_evo1_schema);
    /* an identical copy of a registered descriptor is the same type */
    struct mut m;
    mut_init(&m, &ts_evo1_schema);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &m.s), COSMOSB_OK);
    cr_assert_eq(cosmosb_schema_registry_count(reg), 1u);
    /* a nested type that clashes: the whole add fails and leaves nothing behind */
    ASSERT_RC(cosmosb_schema_registry_add(reg, &ts_misc_schema), COSMOSB_OK); /* brings test.Point */
    uint32_t before = cosmosb_schema_registry_count(reg);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &rg_holder_schema), COSMOSB_EINCOMPAT);
    cr_assert_eq(cosmosb_schema_registry_count(reg), before);
    cr_assert_null(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(&rg_holder_schema)));
    cr_assert_null(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(&ts_mix_schema)),
                   "a nested type added before the clash was not taken back");
    cr_assert_eq(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(&ts_point_schema)), &ts_point_schema);
    free(mem);
}

/* ------------------------------------------------------------------------- */
/* JSON export                                                               */
/* ------------------------------------------------------------------------- */

/* A name JSON must escape. */
#define JS_ODD(F) F(U8, a)
COSMOSB_SCHEMA(js_odd, "odd.\"quoted\"\\back\tslash\x01\x7f\xc3\xa9", 1, JS_ODD)
/* The widest enum range (number formatting at the int32 limits). */
#define JS_WIDE(F) F(ENUM, wide, INT32_MIN, INT32_MAX) F(ENUM, neg, -7, -7)
COSMOSB_SCHEMA(js_wide, "js.Wide", 1, JS_WIDE)
/* A derived type with no fields of its own (an empty field list). */
static const cosmosb_schema_t js_alias_schema = {"js.Alias", 1, sizeof(ts_d0), _Alignof(ts_d0), 0, NULL, &ts_d0_schema};

static const char *kind_json(uint32_t k)
{
    static const char *const n[] = {"?", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64",
                                    "f32", "f64", "bool", "enum", "chars", "struct", "ref", "window"};
    return k < sizeof n / sizeof n[0] ? n[k] : "?";
}

/* What python3 must find in the document: one line per type and per field. */
static size_t expected_summary(const cosmosb_schema_registry_t *reg, char *out, size_t size)
{
    size_t pos = 0;
    for (uint32_t i = 0; i < cosmosb_schema_registry_count(reg); i++) {
        const cosmosb_schema_t *s = cosmosb_schema_registry_at(reg, i);
        char name[128];
        size_t k = 0;
        for (const unsigned char *p = (const unsigned char *)s->name; *p && k + 5 < sizeof name; p++)
            k += (size_t)snprintf(name + k, sizeof name - k, "%02x", *p);
        pos += (size_t)snprintf(out + pos, size - pos, "T %s 0x%016llx %u %u %u %u %s %u\n", name,
                                (unsigned long long)cosmosb_schema_type_id(s), s->version, s->size, s->align,
                                cosmosb_schema_min_size(s), s->base ? s->base->name : "null",
                                cosmosb_schema_field_count(s));
        for (uint32_t f = 0; f < cosmosb_schema_field_count(s); f++) {
            cosmosb_field_info_t fi;
            ASSERT_RC(cosmosb_schema_field(s, f, &fi), COSMOSB_OK);
            pos += (size_t)snprintf(out + pos, size - pos, "F %s %s %u %u %u %u", fi.name, kind_json(fi.kind),
                                    fi.offset, fi.size, fi.count, fi.since);
            if (fi.kind == COSMOSB_FIELD_ENUM)
                pos += (size_t)snprintf(out + pos, size - pos, " %lld %lld", (long long)fi.min, (long long)fi.max);
            else if (fi.kind == COSMOSB_FIELD_STRUCT)
                pos += (size_t)snprintf(out + pos, size - pos, " %s", fi.type->name);
            else if (fi.kind == COSMOSB_FIELD_REF)
                pos += (size_t)snprintf(out + pos, size - pos, " %s 0x%016llx", fi.target ? fi.target : "null",
                                        (unsigned long long)fi.target_id);
            else if (fi.kind == COSMOSB_FIELD_WINDOW)
                pos += (size_t)snprintf(out + pos, size - pos, " %u", fi.rights);
            pos += (size_t)snprintf(out + pos, size - pos, "\n");
        }
        cr_assert_lt(pos, size);
    }
    return pos;
}

/* Parses the document with Python's json module (strict) and prints the same summary. */
static const char json_script[] =
    "import json,sys\n"
    "d=json.load(open(sys.argv[1],encoding='utf-8'),strict=True)\n"
    "assert d['format']=='cosmosb-schemas' and d['format_version']==1, 'header'\n"
    "assert set(d)=={'format','format_version','types'}, sorted(d)\n"
    "for t in d['types']:\n"
    "  n=t['name'].encode('utf-8').hex()\n"
    "  print('T',n,t['id'],t['version'],t['size'],t['align'],t['min_size'],"
    "t['base'] if t['base'] is not None else 'null',len(t['fields']))\n"
    "  for f in t['fields']:\n"
    "    x=[f['name'],f['kind'],f['offset'],f['size'],f['count'],f['since']]\n"
    "    if f['kind']=='enum': x+=[f['min'],f['max']]\n"
    "    if f['kind']=='struct': x+=[f['type']]\n"
    "    if f['kind']=='ref': x+=[f['target'] if f['target'] is not None else 'null',f['target_id']]\n"
    "    if f['kind']=='window': x+=[f['rights']]\n"
    "    print('F',*x)\n";

Test(schema_json, well_formed_and_complete, .timeout = 60)
{
    void *mem;
    cosmosb_schema_registry_t *reg = reg_make(128, &mem);
    for (size_t i = 0; i < TS_ALL_TYPES_N; i++)
        if (ts_all_types[i] != &ts_evo2_schema)
            ASSERT_RC(cosmosb_schema_registry_add(reg, ts_all_types[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &js_odd_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &js_wide_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &js_alias_schema), COSMOSB_OK);
    size_t need = 0;
    ASSERT_RC(cosmosb_schema_registry_json(reg, NULL, 0, &need), COSMOSB_EMSGSIZE);
    cr_assert_gt(need, 100u);
    char *doc = malloc(need);
    size_t need2 = 0;
    ASSERT_RC(cosmosb_schema_registry_json(reg, doc, need, &need2), COSMOSB_OK);
    cr_assert_eq(need2, need);
    cr_assert_eq(strlen(doc) + 1u, need);
    ASSERT_RC(cosmosb_schema_registry_json(reg, doc, need, NULL), COSMOSB_OK);

    char path[] = "/tmp/cosmosb_schema_json_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, doc, need - 1u), (ssize_t)(need - 1u));
    close(fd);
    char spath[] = "/tmp/cosmosb_schema_py_XXXXXX";
    fd = mkstemp(spath);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, json_script, sizeof json_script - 1u), (ssize_t)(sizeof json_script - 1u));
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "python3 %s %s", spath, path);
    fflush(NULL);
    FILE *py = popen(cmd, "r");
    cr_assert_not_null(py);
    size_t cap = 1 << 16, got = 0;
    char *out = malloc(cap);
    size_t n;
    while ((n = fread(out + got, 1, cap - got - 1u, py)) > 0)
        got += n;
    out[got] = '\0';
    int st = pclose(py);
    unlink(path);
    unlink(spath);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "python3 could not parse the export (status 0x%x):\n%s", st,
              doc);
    char *want = malloc(cap);
    size_t wlen = expected_summary(reg, want, cap);
    cr_assert_eq(got, wlen, "python3 read:\n%s\nexpected:\n%s", out, want);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    free(doc);
    free(mem);
}

Test(schema_json, short_buffers)
{
    void *mem;
    cosmosb_schema_registry_t *reg = reg_make(16, &mem);
    /* empty registry: still a document */
    char small[128];
    size_t need = 0;
    ASSERT_RC(cosmosb_schema_registry_json(reg, small, sizeof small, &need), COSMOSB_OK);
    cr_assert_str_eq(small, "{\"format\":\"cosmosb-schemas\",\"format_version\":1,\"types\":[]}\n");
    cr_assert_eq(need, strlen(small) + 1u);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &demo_limit_order_schema), COSMOSB_OK);
    ASSERT_RC(cosmosb_schema_registry_json(reg, NULL, 0, &need), COSMOSB_EMSGSIZE);
    char *full = malloc(need);
    ASSERT_RC(cosmosb_schema_registry_json(reg, full, need, NULL), COSMOSB_OK);
    cr_assert(strstr(full, "\"name\":\"demo.LimitOrder\"") != NULL);
    cr_assert(strstr(full, "\"base\":\"demo.Order\"") != NULL);
    cr_assert(strstr(full, "\"id\":\"0xa51d3c6020aac280\"") != NULL);
    /* every size below `need`: EMSGSIZE, a NUL-terminated prefix, the same `need`, nothing written past size */
    char *buf = malloc(need + 8);
    for (size_t size = 1; size < need; size += (size < 64 ? 1 : 37)) {
        memset(buf, '#', need + 8);
        size_t n2 = 0;
        ASSERT_RC(cosmosb_schema_registry_json(reg, buf, size, &n2), COSMOSB_EMSGSIZE);
        cr_assert_eq(n2, need);
        cr_assert_eq(strlen(buf), size - 1u, "size %zu", size);
        cr_assert(strncmp(buf, full, size - 1u) == 0);
        for (size_t i = size; i < need + 8; i++)
            cr_assert_eq(buf[i], '#', "byte %zu written with size %zu", i, size);
    }
    size_t n3 = 0;
    ASSERT_RC(cosmosb_schema_registry_json(reg, buf, need - 1u, &n3), COSMOSB_EMSGSIZE);
    cr_assert_eq(n3, need);
    ASSERT_RC(cosmosb_schema_registry_json(reg, buf, need, &n3), COSMOSB_OK);
    cr_assert_str_eq(buf, full);
    free(buf);
    free(full);
    free(mem);
}

/* Types that nest structs whose field sits in the root of a derivation chain: 6 nesting
 * levels x 4 types per chain. Each limit holds (nesting <= 8, derivation <= 8), so the
 * descriptor is valid; the path from the outermost type to the innermost is 24 types long. */
#define DEEP_LEVELS 6
#define DEEP_CHAIN 4
struct deep {
    cosmosb_field_t f[DEEP_LEVELS + 1][DEEP_CHAIN];
    cosmosb_schema_t s[DEEP_LEVELS + 1][DEEP_CHAIN];
    char names[DEEP_LEVELS + 1][DEEP_CHAIN][24];
};

static const cosmosb_schema_t *deep_build(struct deep *d)
{
    memset(d, 0, sizeof *d);
    const cosmosb_schema_t *inner = NULL;
    for (int k = DEEP_LEVELS; k >= 0; k--) {
        for (int j = 0; j < DEEP_CHAIN; j++) {
            snprintf(d->names[k][j], sizeof d->names[k][j], "deep.L%d.C%d", k, j);
            cosmosb_field_t *f = &d->f[k][j];
            cosmosb_schema_t *s = &d->s[k][j];
            const cosmosb_schema_t *base = j ? &d->s[k][j - 1] : NULL;
            if (j == 0 && inner) {
                *f = hf("in", COSMOSB_FIELD_STRUCT, 1, inner->size, inner->align);
                f->type = inner;
            } else {
                *f = hf("v", COSMOSB_FIELD_U32, 1, 4, 4);
            }
            *s = hs(d->names[k][j], 1, (base ? base->size : 0u) + f->elem_size, 4, 1, f, base);
        }
        inner = &d->s[k][DEEP_CHAIN - 1];
    }
    return inner;
}

Test(schema_registry, deep_nesting_of_derived_types)
{
    static struct deep d;
    const cosmosb_schema_t *top = deep_build(&d);
    ASSERT_RC(cosmosb_schema_check(top), COSMOSB_OK);
    void *mem;
    cosmosb_schema_registry_t *reg = reg_make(64, &mem);
    ASSERT_RC(cosmosb_schema_registry_add(reg, top), COSMOSB_OK);
    cr_assert_eq(cosmosb_schema_registry_count(reg), (uint32_t)((DEEP_LEVELS + 1) * DEEP_CHAIN));
    for (int k = 0; k <= DEEP_LEVELS; k++)
        for (int j = 0; j < DEEP_CHAIN; j++)
            cr_assert_eq(cosmosb_schema_registry_find(reg, cosmosb_schema_type_id(&d.s[k][j])), &d.s[k][j]);
    /* the compatibility check and validation handle it too */
    char reason[COSMOSB_SCHEMA_REASON_MAX];
    ASSERT_RC(cosmosb_schema_compatible(top, top, reason, sizeof reason), COSMOSB_OK);
    uint8_t *zero = calloc(1, top->size);
    ASSERT_RC(cosmosb_schema_validate(top, zero, top->size, NULL, NULL), COSMOSB_OK);
    free(zero);
    free(mem);
}

Test(schema_registry, thousands_of_types)
{
    enum { N = 5000 };
    static cosmosb_schema_t s[N];
    static char names[N][16];
    static const cosmosb_field_t f[1] = {{"v", COSMOSB_FIELD_U64, 1, 8, 8, 0, 0, NULL, NULL, 0, 0}};
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "reg.T%d", i);
        s[i] = hs(names[i], 1, 8, 8, 1, f, NULL);
    }
    void *mem;
    cosmosb_schema_registry_t *reg = reg_make(N, &mem);
    for (int i = 0; i < N; i++)
        ASSERT_RC(cosmosb_schema_registry_add(reg, &s[i]), COSMOSB_OK);
    static cosmosb_schema_t extra;
    extra = hs("reg.Extra", 1, 8, 8, 1, f, NULL);
    ASSERT_RC(cosmosb_schema_registry_add(reg, &extra), COSMOSB_ENOMEM);
    cr_assert_eq(cosmosb_schema_registry_count(reg), (uint32_t)N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(cosmosb_schema_registry_at(reg, (uint32_t)i), &s[i]);
        cr_assert_eq(cosmosb_schema_registry_find(reg, cosmosb_schema_id_of(names[i])), &s[i]);
    }
    cr_assert_null(cosmosb_schema_registry_find(reg, cosmosb_schema_id_of("reg.Extra")));
    size_t need = 0;
    ASSERT_RC(cosmosb_schema_registry_json(reg, NULL, 0, &need), COSMOSB_EMSGSIZE);
    cr_assert_gt(need, (size_t)N * 100u);
    char *doc = malloc(need);
    ASSERT_RC(cosmosb_schema_registry_json(reg, doc, need, NULL), COSMOSB_OK);
    cr_assert(strstr(doc, "\"name\":\"reg.T4999\"") != NULL);
    free(doc);
    free(mem);
}

/*
 * test_schema_types.h - message types declared with COSMOSB_SCHEMA for the
 * schema tests (test_schema.c, test_receiver.c, test_typed_process.c,
 * test_schema_fuzz.c, typed_peer_main.c). Every field kind, 64-bit members
 * after 32-bit ones, nesting, derivation chains and two versions of one type.
 */
#ifndef COSMOSB_TEST_SCHEMA_TYPES_H
#define COSMOSB_TEST_SCHEMA_TYPES_H

#include <string.h>

#include "cosmosb/cosmosb.h"

/* Every scalar kind, ordered so that alignment padding appears everywhere. */
#define TS_SCALARS_FIELDS(F) \
    F(U8, u8)                \
    F(U64, u64)              \
    F(U16, u16)              \
    F(I8, i8)                \
    F(U32, u32)              \
    F(I64, i64)              \
    F(I16, i16)              \
    F(F32, f32)              \
    F(I32, i32)              \
    F(F64, f64)              \
    F(BOOL, flag)
COSMOSB_SCHEMA(ts_scalars, "test.Scalars", 1, TS_SCALARS_FIELDS)

/* A small nested type with a rule of its own (a BOOL and an ENUM). */
#define TS_POINT_FIELDS(F) \
    F(I32, x)              \
    F(I32, y)              \
    F(BOOL, visible)       \
    F(ENUM, color, 0, 2)
COSMOSB_SCHEMA(ts_point, "test.Point", 1, TS_POINT_FIELDS)

/* Every other kind: enum, chars, arrays, struct, struct array, ref, window. */
#define TS_MISC_FIELDS(F)                \
    F(U8, tag)                           \
    F(ENUM, side, -3, 7)                 \
    F(CHARS, symbol, 13)                 \
    F(ARRAY, U32, legs, 3)               \
    F(ARRAY, BOOL, bits, 5)              \
    F(ARRAY, U64, big, 2)                \
    F(STRUCT, ts_point, origin)          \
    F(U8, pad1)                          \
    F(STRUCT_ARRAY, ts_point, path, 3)   \
    F(REF, chart, "test.Chart")          \
    F(REF, any, "")                      \
    F(U16, pad2)                         \
    F(WINDOW, attachment, COSMOSB_WIN_READ) \
    F(ARRAY, I8, tail, 3)
COSMOSB_SCHEMA(ts_misc, "test.Misc", 1, TS_MISC_FIELDS)

/* 64-bit members right after 32-bit ones (the explicit 8-byte alignment). */
#define TS_MIX_FIELDS(F) \
    F(U32, a)            \
    F(U64, b)            \
    F(U8, c)             \
    F(F64, d)            \
    F(U16, e)            \
    F(I64, f)            \
    F(F32, g)
COSMOSB_SCHEMA(ts_mix, "test.Mix", 1, TS_MIX_FIELDS)

/* The example of schema.h. */
#define DEMO_ORDER_FIELDS(F)         \
    F(U64, id)                       \
    F(CHARS, symbol, 16)             \
    F(ENUM, side, 0, 1)              \
    F(F64, price)                    \
    F(BOOL, urgent)                  \
    F(ARRAY, U32, legs, 4)           \
    F(SINCE, 2)                      \
    F(REF, chart, "demo.Chart")      \
    F(WINDOW, attachment, COSMOSB_WIN_READ)
COSMOSB_SCHEMA(demo_order, "demo.Order", 2, DEMO_ORDER_FIELDS)
#define DEMO_LIMIT_FIELDS(F) F(F64, limit) F(U32, valid_s)
COSMOSB_SCHEMA_DERIVED(demo_limit_order, "demo.LimitOrder", 1, demo_order, DEMO_LIMIT_FIELDS)

/* A derivation chain: ts_d0 <- ts_d1 <- ... <- ts_d8 (8 ancestors, the most
 * allowed) and ts_d9 (one too many). Each level adds a field of another kind. */
#define TS_D0_FIELDS(F) F(U32, id) F(BOOL, ok)
COSMOSB_SCHEMA(ts_d0, "test.D0", 1, TS_D0_FIELDS)
#define TS_D1_FIELDS(F) F(U64, big) F(ENUM, mode, 1, 4)
COSMOSB_SCHEMA_DERIVED(ts_d1, "test.D1", 1, ts_d0, TS_D1_FIELDS)
#define TS_D2_FIELDS(F) F(U8, small) F(CHARS, name, 7)
COSMOSB_SCHEMA_DERIVED(ts_d2, "test.D2", 1, ts_d1, TS_D2_FIELDS)
#define TS_D3_FIELDS(F) F(STRUCT, ts_point, at)
COSMOSB_SCHEMA_DERIVED(ts_d3, "test.D3", 1, ts_d2, TS_D3_FIELDS)
#define TS_D4_FIELDS(F) F(I16, v4)
COSMOSB_SCHEMA_DERIVED(ts_d4, "test.D4", 1, ts_d3, TS_D4_FIELDS)
#define TS_D5_FIELDS(F) F(F64, v5)
COSMOSB_SCHEMA_DERIVED(ts_d5, "test.D5", 1, ts_d4, TS_D5_FIELDS)
#define TS_D6_FIELDS(F) F(BOOL, v6)
COSMOSB_SCHEMA_DERIVED(ts_d6, "test.D6", 1, ts_d5, TS_D6_FIELDS)
#define TS_D7_FIELDS(F) F(ARRAY, BOOL, v7, 3)
COSMOSB_SCHEMA_DERIVED(ts_d7, "test.D7", 1, ts_d6, TS_D7_FIELDS)
#define TS_D8_FIELDS(F) F(ENUM, v8, -1, 1)
COSMOSB_SCHEMA_DERIVED(ts_d8, "test.D8", 1, ts_d7, TS_D8_FIELDS)
#define TS_D9_FIELDS(F) F(U8, v9)
COSMOSB_SCHEMA_DERIVED(ts_d9, "test.D9", 1, ts_d8, TS_D9_FIELDS)

/* Nesting: ts_n8 holds ts_n7 ... holds ts_n0 (8 levels, the most allowed); ts_n9 one more. */
#define TS_N0_FIELDS(F) F(BOOL, leaf) F(U8, pad)
COSMOSB_SCHEMA(ts_n0, "test.N0", 1, TS_N0_FIELDS)
#define TS_N1_FIELDS(F) F(STRUCT, ts_n0, in) F(U8, l1)
COSMOSB_SCHEMA(ts_n1, "test.N1", 1, TS_N1_FIELDS)
#define TS_N2_FIELDS(F) F(STRUCT, ts_n1, in) F(U8, l2)
COSMOSB_SCHEMA(ts_n2, "test.N2", 1, TS_N2_FIELDS)
#define TS_N3_FIELDS(F) F(STRUCT, ts_n2, in) F(U8, l3)
COSMOSB_SCHEMA(ts_n3, "test.N3", 1, TS_N3_FIELDS)
#define TS_N4_FIELDS(F) F(STRUCT, ts_n3, in) F(U8, l4)
COSMOSB_SCHEMA(ts_n4, "test.N4", 1, TS_N4_FIELDS)
#define TS_N5_FIELDS(F) F(STRUCT, ts_n4, in) F(U8, l5)
COSMOSB_SCHEMA(ts_n5, "test.N5", 1, TS_N5_FIELDS)
#define TS_N6_FIELDS(F) F(STRUCT, ts_n5, in) F(U8, l6)
COSMOSB_SCHEMA(ts_n6, "test.N6", 1, TS_N6_FIELDS)
#define TS_N7_FIELDS(F) F(STRUCT, ts_n6, in) F(U8, l7)
COSMOSB_SCHEMA(ts_n7, "test.N7", 1, TS_N7_FIELDS)
#define TS_N8_FIELDS(F) F(STRUCT, ts_n7, in) F(U8, l8)
COSMOSB_SCHEMA(ts_n8, "test.N8", 1, TS_N8_FIELDS)
#define TS_N9_FIELDS(F) F(STRUCT, ts_n8, in) F(U8, l9)
COSMOSB_SCHEMA(ts_n9, "test.N9", 1, TS_N9_FIELDS)

/* Two versions of one type ("test.Evo"): v2 appends fields after SINCE(2). */
#define TS_EVO1_FIELDS(F) \
    F(U32, a)             \
    F(ENUM, kind, 0, 3)   \
    F(BOOL, flag)
COSMOSB_SCHEMA(ts_evo1, "test.Evo", 1, TS_EVO1_FIELDS)
#define TS_EVO2_FIELDS(F) \
    F(U32, a)             \
    F(ENUM, kind, -1, 5)  \
    F(BOOL, flag)         \
    F(SINCE, 2)           \
    F(U64, extra)         \
    F(BOOL, flag2)        \
    F(ENUM, e2, -2, 2)    \
    F(CHARS, note, 6)     \
    F(STRUCT, ts_point, where)
COSMOSB_SCHEMA(ts_evo2, "test.Evo", 2, TS_EVO2_FIELDS)

/* Appended fields whose zero value is refused by their own rule (legal to
 * declare, refused by the compatibility check): v1 senders leave them zero. */
#define TS_ZBAD1_FIELDS(F) F(U32, a) F(U32, b)
COSMOSB_SCHEMA(ts_zbad1, "test.ZeroBad", 1, TS_ZBAD1_FIELDS)
#define TS_ZBAD2_FIELDS(F) F(U32, a) F(U32, b) F(SINCE, 2) F(ENUM, e, 1, 5)
COSMOSB_SCHEMA(ts_zbad2, "test.ZeroBad", 2, TS_ZBAD2_FIELDS)

/* Many rules: 16 (8 nested points of 2 rules each) and 20 (more than a receiver flattens). */
#define TS_MANY16_FIELDS(F) F(U16, n) F(STRUCT_ARRAY, ts_point, pts, 8)
COSMOSB_SCHEMA(ts_many16, "test.Many16", 1, TS_MANY16_FIELDS)
#define TS_MANY20_FIELDS(F) F(STRUCT_ARRAY, ts_point, pts, 9) F(ARRAY, BOOL, flags, 3) F(ENUM, last, 0, 0)
COSMOSB_SCHEMA(ts_many20, "test.Many20", 1, TS_MANY20_FIELDS)

/* Derived types nested in another (their bases' rules apply inside the outer struct). */
#define TS_HOLDER_FIELDS(F) F(U8, a) F(STRUCT, ts_d2, inner) F(STRUCT_ARRAY, ts_d1, arr, 2) F(BOOL, last)
COSMOSB_SCHEMA(ts_holder, "test.NestedDerived", 1, TS_HOLDER_FIELDS)

/* One of each, for loops over "every declared type". */
static const cosmosb_schema_t *const ts_all_types[] __attribute__((unused)) = {
    &ts_scalars_schema, &ts_point_schema, &ts_misc_schema, &ts_mix_schema, &demo_order_schema,
    &demo_limit_order_schema, &ts_d0_schema, &ts_d1_schema, &ts_d2_schema, &ts_d3_schema,
    &ts_d4_schema, &ts_d5_schema, &ts_d6_schema, &ts_d7_schema, &ts_d8_schema,
    &ts_n0_schema, &ts_n1_schema, &ts_n4_schema, &ts_n8_schema, &ts_evo1_schema, &ts_evo2_schema,
    &ts_zbad2_schema, &ts_many16_schema, &ts_many20_schema, &ts_holder_schema,
};
#define TS_ALL_TYPES_N (sizeof ts_all_types / sizeof ts_all_types[0])

/* xorshift64* (the same generator as tu_rand, for files that do not include test_util.h). */
static inline uint64_t ts_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Fills the fields of type s at p (its base first) with random valid values:
 * any bits for integers and floats, 0/1 for BOOL, an in-range ENUM, CHARS
 * with a NUL somewhere, nested structs likewise, null REF and empty WINDOW. */
static inline void ts_fill_fields(const cosmosb_schema_t *s, uint8_t *p, uint64_t *rng)
{
    if (s->base)
        ts_fill_fields(s->base, p, rng);
    uint32_t n = cosmosb_schema_field_count(s);
    for (uint32_t i = 0; i < n; i++) {
        cosmosb_field_info_t fi;
        if (cosmosb_schema_field(s, i, &fi) != COSMOSB_OK)
            return;
        uint32_t esize = fi.size / fi.count;
        for (uint32_t e = 0; e < fi.count; e++) {
            uint8_t *q = p + fi.offset + e * esize;
            switch (fi.kind) {
            case COSMOSB_FIELD_BOOL:
                *q = (uint8_t)(ts_rand(rng) & 1u);
                break;
            case COSMOSB_FIELD_ENUM: {
                uint64_t span = (uint64_t)(fi.max - fi.min) + 1u;
                int32_t v = (int32_t)(fi.min + (int64_t)(ts_rand(rng) % span));
                memcpy(q, &v, sizeof v);
                break;
            }
            case COSMOSB_FIELD_CHARS:
                for (uint32_t k = 0; k < esize; k++)
                    q[k] = (uint8_t)('a' + ts_rand(rng) % 26u);
                q[ts_rand(rng) % esize] = 0;
                break;
            case COSMOSB_FIELD_STRUCT:
                ts_fill_fields(fi.type, q, rng);
                break;
            case COSMOSB_FIELD_REF:
            case COSMOSB_FIELD_WINDOW:
                memset(q, 0, esize);
                break;
            default:
                for (uint32_t k = 0; k < esize; k++)
                    q[k] = (uint8_t)ts_rand(rng);
                break;
            }
        }
    }
}

/* A whole valid message of type s (padding zero). */
static inline void ts_fill_valid(const cosmosb_schema_t *s, void *msg, uint64_t *rng)
{
    memset(msg, 0, s->size);
    ts_fill_fields(s, (uint8_t *)msg, rng);
}

#endif /* COSMOSB_TEST_SCHEMA_TYPES_H */

/*
 * test_typed_stream.h - a deterministic stream of typed messages shared by
 * test_typed_process.c and its exec'd peer (typed_peer_main.c).
 *
 * Message i has a type from a fixed cycle (plain, derived, 8-deep derived,
 * an old version, ...) and random valid contents seeded by i; every 13th is
 * made invalid (a BOOL of 2 in the base of ts_d8). A receiver that accepts
 * only the "base" set gets the derived ones as their ancestors and the old
 * version zero-extended.
 */
#ifndef COSMOSB_TEST_TYPED_STREAM_H
#define COSMOSB_TEST_TYPED_STREAM_H

#include <string.h>

#include "test_schema_types.h"

static const cosmosb_schema_t *const tstream_types[] = {
    &ts_misc_schema, &demo_limit_order_schema, &ts_d8_schema,      &ts_evo1_schema,
    &ts_d3_schema,   &demo_order_schema,       &ts_mix_schema,
};
#define TSTREAM_NTYPES (sizeof tstream_types / sizeof tstream_types[0])

/* What the receiver accepts: bases only (and the newer version of test.Evo). */
static const cosmosb_schema_t *const tstream_accepted[] = {
    &ts_misc_schema, &demo_order_schema, &ts_d0_schema, &ts_evo2_schema, &ts_mix_schema,
};
#define TSTREAM_NACCEPTED (sizeof tstream_accepted / sizeof tstream_accepted[0])

static inline int tstream_bad(uint64_t i)
{
    return i % 13u == 12u;
}

static inline const cosmosb_schema_t *tstream_type(uint64_t i)
{
    return tstream_bad(i) ? &ts_d8_schema : tstream_types[i % TSTREAM_NTYPES];
}

/* The type message i is delivered as. */
static inline const cosmosb_schema_t *tstream_as(uint64_t i)
{
    const cosmosb_schema_t *t = tstream_type(i);
    if (t == &demo_limit_order_schema)
        return &demo_order_schema;
    if (t == &ts_d8_schema || t == &ts_d3_schema)
        return &ts_d0_schema;
    if (t == &ts_evo1_schema)
        return &ts_evo2_schema;
    return t;
}

/* The bytes of message i (tstream_type(i)->size of them; buf 8-aligned, 1024 bytes). */
static inline void tstream_fill(uint64_t i, void *buf)
{
    uint64_t seed = i * 0x9e3779b97f4a7c15ull + 1u;
    ts_fill_valid(tstream_type(i), buf, &seed);
    if (tstream_bad(i))
        ((ts_d0 *)buf)->ok = 2;
}

/* Whether a delivered message is message i, as it must be delivered. Returns 0 if fine, else a line number. */
static inline int tstream_check(uint64_t i, const cosmosb_typed_msg_t *msg)
{
    _Alignas(8) uint8_t want[1024];
    const cosmosb_schema_t *t = tstream_type(i);
    const cosmosb_schema_t *as = tstream_as(i);
    if (tstream_bad(i))
        return __LINE__;
    tstream_fill(i, want);
    if (msg->schema != as)
        return __LINE__;
    if (msg->type_id != cosmosb_schema_type_id(t) || msg->len != t->size || msg->version != t->version)
        return __LINE__;
    uint32_t common = t->size < as->size ? t->size : as->size;
    if (memcmp(msg->data, want, common) != 0)
        return __LINE__;
    for (uint32_t k = common; k < as->size; k++)
        if (((const uint8_t *)msg->data)[k] != 0)
            return __LINE__;
    if (cosmosb_schema_validate(as, msg->data, as->size, NULL, NULL) != COSMOSB_OK)
        return __LINE__;
    return 0;
}

/* How many of messages 0..n-1 are delivered as an ancestor, and how many are invalid. */
static inline void tstream_expect(uint64_t n, uint64_t *as_ancestor, uint64_t *bad)
{
    *as_ancestor = 0;
    *bad = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (tstream_bad(i)) {
            ++*bad;
            continue;
        }
        const cosmosb_schema_t *t = tstream_type(i);
        *as_ancestor += cosmosb_schema_type_id(t) != cosmosb_schema_type_id(tstream_as(i));
    }
}

#endif /* COSMOSB_TEST_TYPED_STREAM_H */

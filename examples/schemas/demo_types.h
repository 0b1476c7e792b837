/*
 * demo_types.h: the message types of a small trading demo, declared once and
 * shared by every program that sends or receives them (and by the build step
 * that exports their JSON). Together they use every field kind.
 *
 * Evolution so far:
 *   release 1: demo.Point v1, demo.Order v1, demo.Quote v1
 *   release 2: demo.Order v2 appends chart, attachment, where, expires_ns
 *              (after a SINCE(2) marker); demo.LimitOrder v1 (derived from
 *              demo.Order) and demo.Route v1 are new.
 * The JSON of release 1 is committed next to this file
 * (demo_types.v1.json); the build checks that these declarations can still
 * replace it (`cosmosb-schema check`).
 */
#ifndef DEMO_TYPES_H
#define DEMO_TYPES_H

#include <cosmosb/schema.h>

/* A nested type (STRUCT fields below). */
#define DEMO_POINT_FIELDS(F) \
    F(F32, x)                \
    F(F32, y)
COSMOSB_SCHEMA(demo_point, "demo.Point", 1, DEMO_POINT_FIELDS)

/* Sides of an order (ENUM range 0..1). */
enum { DEMO_BUY = 0, DEMO_SELL = 1 };

#define DEMO_ORDER_FIELDS(F)                        \
    F(U64, id)                                      \
    F(CHARS, symbol, 16)     /* NUL within 16 */    \
    F(ENUM, side, 0, 1)      /* DEMO_BUY, DEMO_SELL */ \
    F(I32, qty)                                     \
    F(F64, price)                                   \
    F(BOOL, urgent)                                 \
    F(U8, venue)                                    \
    F(U16, flags)                                   \
    F(ARRAY, U32, legs, 4)                          \
    F(I8, priority)                                 \
    F(I16, tick)                                    \
    F(SINCE, 2)              /* appended in v2 */   \
    F(REF, chart, "demo.Chart")                     \
    F(WINDOW, attachment, COSMOSB_WIN_READ)         \
    F(STRUCT, demo_point, where)                    \
    F(I64, expires_ns)
COSMOSB_SCHEMA(demo_order, "demo.Order", 2, DEMO_ORDER_FIELDS)

/* Derived: starts with `demo_order base;`; a receiver that accepts only
 * demo.Order receives it as a demo.Order. */
#define DEMO_LIMIT_ORDER_FIELDS(F) \
    F(F64, limit)                  \
    F(U32, valid_s)                \
    F(F32, slippage)
COSMOSB_SCHEMA_DERIVED(demo_limit_order, "demo.LimitOrder", 1, demo_order, DEMO_LIMIT_ORDER_FIELDS)

#define DEMO_QUOTE_FIELDS(F)   \
    F(CHARS, symbol, 16)       \
    F(F64, bid)                \
    F(F64, ask)                \
    F(ARRAY, BOOL, stale, 2)   \
    F(U64, ts_ns)
COSMOSB_SCHEMA(demo_quote, "demo.Quote", 1, DEMO_QUOTE_FIELDS)

/* Arrays of nested structs. */
#define DEMO_ROUTE_FIELDS(F)                 \
    F(U32, hops)                             \
    F(STRUCT_ARRAY, demo_point, path, 4)     \
    F(ARRAY, I16, cost, 4)
COSMOSB_SCHEMA(demo_route, "demo.Route", 1, DEMO_ROUTE_FIELDS)

#endif /* DEMO_TYPES_H */

/**
 * @file schema.h
 * @brief Typed message schemas: one C declaration gives the struct and its runtime descriptor.
 *
 * A message type is declared once, with a list of fields:
 *
 * @code
 * #define DEMO_ORDER_FIELDS(F)                        \
 *     F(U64,   id)                                    \
 *     F(CHARS, symbol, 16)                            \
 *     F(ENUM,  side, 0, 1)          (0 = buy, 1 = sell) \
 *     F(F64,   price)                                 \
 *     F(BOOL,  urgent)                                \
 *     F(ARRAY, U32, legs, 4)                          \
 *     F(SINCE, 2)                   (fields added in version 2) \
 *     F(REF,   chart, "demo.Chart")                   \
 *     F(WINDOW, attachment, COSMOSB_WIN_READ)
 * COSMOSB_SCHEMA(demo_order, "demo.Order", 2, DEMO_ORDER_FIELDS)
 * @endcode
 *
 * yields `typedef struct demo_order {...} demo_order;` and
 * `static const cosmosb_schema_t demo_order_schema`. A derived type embeds its
 * base as its first member, named `base`:
 *
 * @code
 * #define DEMO_LIMIT_FIELDS(F) F(F64, limit) F(U32, valid_s)
 * COSMOSB_SCHEMA_DERIVED(demo_limit_order, "demo.LimitOrder", 1, demo_order, DEMO_LIMIT_FIELDS)
 * @endcode
 *
 * Field kinds (the first argument of `F`):
 * | kind | arguments | C member | rule checked on receipt |
 * |---|---|---|---|
 * | `U8` `U16` `U32` `U64` `I8` `I16` `I32` `I64` | name | `uintN_t` / `intN_t` | none |
 * | `F32` `F64` | name | `float` / `double` | none |
 * | `BOOL` | name | `uint8_t` | 0 or 1 |
 * | `ENUM` | name, min, max | `int32_t` | min <= value <= max |
 * | `CHARS` | name, n | `char[n]` | a NUL within the n bytes |
 * | `ARRAY` | element kind (a scalar kind or BOOL), name, n | `T[n]` | each element |
 * | `STRUCT` | type, name | the nested type (declared with COSMOSB_SCHEMA) | its fields |
 * | `STRUCT_ARRAY` | type, name, n | `type[n]` | each element |
 * | `REF` | name, target type name (`""`: any) | ::cosmosb_ref_t | null, or the arena hook accepts it |
 * | `WINDOW` | name, required rights | ::cosmosb_window_t | empty, or the buffer hook accepts it |
 * | `SINCE` | version | (none) | marks the fields after it as appended in that version |
 *
 * There is no pointer kind: a raw pointer cannot be declared. 64-bit members
 * (U64, I64, F64, WINDOW) are aligned to 8 bytes explicitly, so a type has the
 * same layout in 32-bit and 64-bit processes and with every compiler.
 *
 * The descriptor does not store offsets: the library computes them from the
 * kinds with the C layout rule (each member at the next multiple of its
 * alignment) and cosmosb_schema_check() verifies that the result matches
 * `sizeof` and `_Alignof` of the declared struct, so a descriptor that does
 * not describe its struct is refused before any message is validated.
 *
 * The type id is the 64-bit FNV-1a hash of the UTF-8 bytes of the fully
 * qualified name (offset basis 0xcbf29ce484222325, prime 0x100000001b3), the
 * same on every platform and in every language; versions of one type share
 * it. See docs/schemas.md.
 *
 * Everything here is freestanding: no allocation; registries use memory the
 * caller provides. Descriptors are constant data, safe to share between threads.
 */
#ifndef COSMOSB_SCHEMA_H
#define COSMOSB_SCHEMA_H

#include "cosmosb/defs.h"
#include "cosmosb/ref.h"
#include "cosmosb/window.h"

COSMOSB_BEGIN_DECLS

/** @brief Field kinds (values are part of the ABI and of the JSON export). */
typedef enum cosmosb_field_kind {
    COSMOSB_FIELD_U8 = 1,      /**< uint8_t */
    COSMOSB_FIELD_U16 = 2,     /**< uint16_t */
    COSMOSB_FIELD_U32 = 3,     /**< uint32_t */
    COSMOSB_FIELD_U64 = 4,     /**< uint64_t (aligned to 8) */
    COSMOSB_FIELD_I8 = 5,      /**< int8_t */
    COSMOSB_FIELD_I16 = 6,     /**< int16_t */
    COSMOSB_FIELD_I32 = 7,     /**< int32_t */
    COSMOSB_FIELD_I64 = 8,     /**< int64_t (aligned to 8) */
    COSMOSB_FIELD_F32 = 9,     /**< float */
    COSMOSB_FIELD_F64 = 10,    /**< double (aligned to 8) */
    COSMOSB_FIELD_BOOL = 11,   /**< uint8_t holding 0 or 1 */
    COSMOSB_FIELD_ENUM = 12,   /**< int32_t within [min, max] */
    COSMOSB_FIELD_CHARS = 13,  /**< char[n], NUL-terminated within its n bytes */
    COSMOSB_FIELD_STRUCT = 14, /**< a nested schema type, by value */
    COSMOSB_FIELD_REF = 15,    /**< ::cosmosb_ref_t, an arena reference */
    COSMOSB_FIELD_WINDOW = 16, /**< ::cosmosb_window_t, a buffer window (aligned to 8) */
    COSMOSB_FIELD_SINCE = 17   /**< not a field: the entries after it appeared in version `count` */
} cosmosb_field_kind_t;

struct cosmosb_schema;

/**
 * @brief One entry of a descriptor's field table (constant data, made by the macros).
 *
 * A field of `count` elements of `elem_size` bytes each (arrays have
 * `count` > 1; CHARS has `count` 1 and `elem_size` n). Entries of kind
 * ::COSMOSB_FIELD_SINCE are markers, not fields.
 */
typedef struct cosmosb_field {
    const char *name;                  /**< member name (NULL for SINCE markers) */
    uint32_t kind;                     /**< ::cosmosb_field_kind_t of each element */
    uint32_t count;                    /**< number of elements (SINCE: the version) */
    uint32_t elem_size;                /**< bytes of one element */
    uint32_t elem_align;               /**< alignment of one element */
    int64_t min;                       /**< ENUM: lowest accepted value */
    int64_t max;                       /**< ENUM: highest accepted value */
    const struct cosmosb_schema *type; /**< STRUCT: the nested type */
    const char *target;                /**< REF: qualified name of the target type ("" or NULL: any) */
    uint32_t rights;                   /**< WINDOW: rights the window must carry */
    uint32_t reserved;                 /**< 0 */
} cosmosb_field_t;

/** @brief A type's runtime descriptor (constant data, made by COSMOSB_SCHEMA()). */
typedef struct cosmosb_schema {
    const char *name;                  /**< fully qualified name, e.g. "demo.Order" */
    uint32_t version;                  /**< version of this declaration (1, 2, ...) */
    uint32_t size;                     /**< sizeof the C struct */
    uint32_t align;                    /**< _Alignof the C struct */
    uint32_t field_count;              /**< entries in @ref fields (markers included) */
    const cosmosb_field_t *fields;     /**< own fields, in declaration order */
    const struct cosmosb_schema *base; /**< the base type (the struct's first member `base`), or NULL */
} cosmosb_schema_t;

/** @brief Deepest derivation chain (a type and its ancestors beyond itself). */
#define COSMOSB_SCHEMA_MAX_DEPTH 8u
/** @brief Deepest nesting of STRUCT fields inside one another. */
#define COSMOSB_SCHEMA_MAX_NESTING 8u
/** @brief Largest struct a schema may describe, in bytes. */
#define COSMOSB_SCHEMA_MAX_SIZE (1u << 20)

/* ------------------------------------------------------------------------- */
/* Declaration macros                                                        */
/* ------------------------------------------------------------------------- */

/** @cond COSMOSB_INTERNAL */
#ifdef __cplusplus
#define COSMOSB__ALIGNAS(n) alignas(n)
#define COSMOSB__ALIGNOF(t) alignof(t)
#else
#define COSMOSB__ALIGNAS(n) _Alignas(n)
#define COSMOSB__ALIGNOF(t) _Alignof(t)
#endif
#if defined(__GNUC__) || defined(__clang__)
#define COSMOSB__MAYBE_UNUSED __attribute__((unused))
#else
#define COSMOSB__MAYBE_UNUSED
#endif

#define COSMOSB__CTYPE_U8 uint8_t
#define COSMOSB__CTYPE_U16 uint16_t
#define COSMOSB__CTYPE_U32 uint32_t
#define COSMOSB__CTYPE_U64 COSMOSB__ALIGNAS(8) uint64_t
#define COSMOSB__CTYPE_I8 int8_t
#define COSMOSB__CTYPE_I16 int16_t
#define COSMOSB__CTYPE_I32 int32_t
#define COSMOSB__CTYPE_I64 COSMOSB__ALIGNAS(8) int64_t
#define COSMOSB__CTYPE_F32 float
#define COSMOSB__CTYPE_F64 COSMOSB__ALIGNAS(8) double
#define COSMOSB__CTYPE_BOOL uint8_t
#define COSMOSB__SIZE_U8 1
#define COSMOSB__SIZE_U16 2
#define COSMOSB__SIZE_U32 4
#define COSMOSB__SIZE_U64 8
#define COSMOSB__SIZE_I8 1
#define COSMOSB__SIZE_I16 2
#define COSMOSB__SIZE_I32 4
#define COSMOSB__SIZE_I64 8
#define COSMOSB__SIZE_F32 4
#define COSMOSB__SIZE_F64 8
#define COSMOSB__SIZE_BOOL 1

/* Struct members. */
#define COSMOSB__DECL(kind, ...) COSMOSB__DECL_##kind(__VA_ARGS__)
#define COSMOSB__DECL_U8(name) COSMOSB__CTYPE_U8 name;
#define COSMOSB__DECL_U16(name) COSMOSB__CTYPE_U16 name;
#define COSMOSB__DECL_U32(name) COSMOSB__CTYPE_U32 name;
#define COSMOSB__DECL_U64(name) COSMOSB__CTYPE_U64 name;
#define COSMOSB__DECL_I8(name) COSMOSB__CTYPE_I8 name;
#define COSMOSB__DECL_I16(name) COSMOSB__CTYPE_I16 name;
#define COSMOSB__DECL_I32(name) COSMOSB__CTYPE_I32 name;
#define COSMOSB__DECL_I64(name) COSMOSB__CTYPE_I64 name;
#define COSMOSB__DECL_F32(name) COSMOSB__CTYPE_F32 name;
#define COSMOSB__DECL_F64(name) COSMOSB__CTYPE_F64 name;
#define COSMOSB__DECL_BOOL(name) COSMOSB__CTYPE_BOOL name;
#define COSMOSB__DECL_ENUM(name, lo, hi) int32_t name;
#define COSMOSB__DECL_CHARS(name, n) char name[n];
#define COSMOSB__DECL_ARRAY(ek, name, n) COSMOSB__CTYPE_##ek name[n];
#define COSMOSB__DECL_STRUCT(type, name) type name;
#define COSMOSB__DECL_STRUCT_ARRAY(type, name, n) type name[n];
#define COSMOSB__DECL_REF(name, target) cosmosb_ref_t name;
#define COSMOSB__DECL_WINDOW(name, rights) COSMOSB__ALIGNAS(8) cosmosb_window_t name;
#define COSMOSB__DECL_SINCE(version)

/* Field table entries: name, kind, count, elem_size, elem_align, min, max, type, target, rights, reserved. */
#define COSMOSB__ENTRY(name, kind, count, esize, ealign, lo, hi, type, target, rights) \
    {name, kind, count, esize, ealign, lo, hi, type, target, rights, 0},
#define COSMOSB__SCALAR(ek, name, n) \
    COSMOSB__ENTRY(#name, COSMOSB_FIELD_##ek, n, COSMOSB__SIZE_##ek, COSMOSB__SIZE_##ek, 0, 0, NULL, NULL, 0)
#define COSMOSB__DESC(kind, ...) COSMOSB__DESC_##kind(__VA_ARGS__)
#define COSMOSB__DESC_U8(name) COSMOSB__SCALAR(U8, name, 1)
#define COSMOSB__DESC_U16(name) COSMOSB__SCALAR(U16, name, 1)
#define COSMOSB__DESC_U32(name) COSMOSB__SCALAR(U32, name, 1)
#define COSMOSB__DESC_U64(name) COSMOSB__SCALAR(U64, name, 1)
#define COSMOSB__DESC_I8(name) COSMOSB__SCALAR(I8, name, 1)
#define COSMOSB__DESC_I16(name) COSMOSB__SCALAR(I16, name, 1)
#define COSMOSB__DESC_I32(name) COSMOSB__SCALAR(I32, name, 1)
#define COSMOSB__DESC_I64(name) COSMOSB__SCALAR(I64, name, 1)
#define COSMOSB__DESC_F32(name) COSMOSB__SCALAR(F32, name, 1)
#define COSMOSB__DESC_F64(name) COSMOSB__SCALAR(F64, name, 1)
#define COSMOSB__DESC_BOOL(name) COSMOSB__SCALAR(BOOL, name, 1)
#define COSMOSB__DESC_ENUM(name, lo, hi) \
    COSMOSB__ENTRY(#name, COSMOSB_FIELD_ENUM, 1, 4, 4, (lo), (hi), NULL, NULL, 0)
#define COSMOSB__DESC_CHARS(name, n) COSMOSB__ENTRY(#name, COSMOSB_FIELD_CHARS, 1, (n), 1, 0, 0, NULL, NULL, 0)
#define COSMOSB__DESC_ARRAY(ek, name, n) COSMOSB__SCALAR(ek, name, (n))
#define COSMOSB__DESC_STRUCT(type, name)                                                               \
    COSMOSB__ENTRY(#name, COSMOSB_FIELD_STRUCT, 1, sizeof(type), COSMOSB__ALIGNOF(type), 0, 0, \
                   &type##_schema, NULL, 0)
#define COSMOSB__DESC_STRUCT_ARRAY(type, name, n)                                                        \
    COSMOSB__ENTRY(#name, COSMOSB_FIELD_STRUCT, (n), sizeof(type), COSMOSB__ALIGNOF(type), 0, 0, \
                   &type##_schema, NULL, 0)
#define COSMOSB__DESC_REF(name, target) \
    COSMOSB__ENTRY(#name, COSMOSB_FIELD_REF, 1, 16, 4, 0, 0, NULL, target, 0)
#define COSMOSB__DESC_WINDOW(name, rights) \
    COSMOSB__ENTRY(#name, COSMOSB_FIELD_WINDOW, 1, 40, 8, 0, 0, NULL, NULL, (rights))
#define COSMOSB__DESC_SINCE(version) \
    COSMOSB__ENTRY(NULL, COSMOSB_FIELD_SINCE, (version), 0, 1, 0, 0, NULL, NULL, 0)

#define COSMOSB__SCHEMA_TABLE(T, qname, version, base_desc, FIELDS)                                  \
    static const cosmosb_field_t T##__fields[] COSMOSB__MAYBE_UNUSED = {FIELDS(COSMOSB__DESC)};       \
    static const cosmosb_schema_t T##_schema COSMOSB__MAYBE_UNUSED = {                              \
        qname, (version), (uint32_t)sizeof(T), (uint32_t)COSMOSB__ALIGNOF(T),                        \
        (uint32_t)(sizeof(T##__fields) / sizeof(T##__fields[0])), T##__fields, base_desc};
/** @endcond */

/**
 * @brief Declares a message type: the struct `T` and its descriptor `T_schema`.
 * @param T the C type name (a typedef of `struct T` is made).
 * @param qname the fully qualified name, a string literal ("pkg.Type"): its hash is the type id.
 * @param version this declaration's version (1 for the first).
 * @param FIELDS a macro taking one argument `F` and expanding to `F(kind, ...)` entries.
 *
 * Both are file-scope and `static`, so the macro can sit in a header shared by
 * senders and receivers. The macro is a complete declaration: write no `;` after it.
 */
#define COSMOSB_SCHEMA(T, qname, version, FIELDS)  \
    typedef struct T {                             \
        FIELDS(COSMOSB__DECL)                      \
    } T;                                           \
    COSMOSB__SCHEMA_TABLE(T, qname, version, NULL, FIELDS)

/**
 * @brief Declares a type derived from @p BASE: its struct starts with `BASE base;`.
 * @param T the C type name.
 * @param qname the fully qualified name.
 * @param version this declaration's version.
 * @param BASE a type declared earlier with COSMOSB_SCHEMA() or COSMOSB_SCHEMA_DERIVED().
 * @param FIELDS the fields appended after the base, as for COSMOSB_SCHEMA().
 */
#define COSMOSB_SCHEMA_DERIVED(T, qname, version, BASE, FIELDS) \
    typedef struct T {                                          \
        BASE base;                                              \
        FIELDS(COSMOSB__DECL)                                   \
    } T;                                                        \
    COSMOSB__SCHEMA_TABLE(T, qname, version, &BASE##_schema, FIELDS)

/* ------------------------------------------------------------------------- */
/* Type ids, checks, introspection                                           */
/* ------------------------------------------------------------------------- */

/**
 * @brief The stable 64-bit type id of a fully qualified name (FNV-1a, 64 bit).
 * @param[in] name the name (NUL-terminated UTF-8); NULL gives 0.
 * @return the id. The same on every platform and in every language.
 * @par Concurrency: pure function, any thread.
 */
COSMOSB_API uint64_t cosmosb_schema_id_of(const char *name);

/**
 * @brief The type id of a descriptor (cosmosb_schema_id_of() of its name).
 * @param[in] schema the descriptor (NULL gives 0).
 * @return the id.
 * @par Concurrency: pure function, any thread.
 */
COSMOSB_API uint64_t cosmosb_schema_type_id(const cosmosb_schema_t *schema);

/**
 * @brief Checks that a descriptor is well formed and describes its struct.
 *
 * Names (of the type, its fields, REF targets) are well-formed UTF-8 (no
 * overlong forms, no surrogates, nothing above U+10FFFF), as the JSON export
 * needs. Every entry has a known kind and sane sizes; ENUM ranges are ordered and
 * fit int32; nested types and bases are themselves valid; derivation depth at
 * most ::COSMOSB_SCHEMA_MAX_DEPTH and nesting at most
 * ::COSMOSB_SCHEMA_MAX_NESTING; SINCE markers have increasing versions not
 * above the type's; and the layout computed from the kinds has exactly the
 * descriptor's size and alignment.
 * @param[in] schema the descriptor.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (the descriptor is malformed or does not match its struct).
 * @par Concurrency: pure function on constant data, any thread.
 */
COSMOSB_API int cosmosb_schema_check(const cosmosb_schema_t *schema);

/** @brief One field as introspection reports it (offsets computed by the library). */
typedef struct cosmosb_field_info {
    const char *name;                  /**< member name */
    uint32_t kind;                     /**< ::cosmosb_field_kind_t of each element */
    uint32_t offset;                   /**< byte offset in the struct (derived types: from the struct's start) */
    uint32_t size;                     /**< bytes of the whole field (all elements) */
    uint32_t count;                    /**< elements (1 for a single value) */
    uint32_t since;                    /**< version of the type that added the field */
    uint32_t rights;                   /**< WINDOW: required rights */
    int64_t min;                       /**< ENUM: lowest value */
    int64_t max;                       /**< ENUM: highest value */
    const cosmosb_schema_t *type;      /**< STRUCT: nested type */
    const char *target;                /**< REF: target type name, or NULL for any */
    uint64_t target_id;                /**< REF: target type id, or 0 for any */
} cosmosb_field_info_t;

/**
 * @brief Number of own fields of a type (markers excluded; the base's fields are not counted).
 * @param[in] schema a descriptor that passes cosmosb_schema_check().
 * @return the count, or 0 for NULL.
 * @par Concurrency: pure function, any thread.
 */
COSMOSB_API uint32_t cosmosb_schema_field_count(const cosmosb_schema_t *schema);

/**
 * @brief Describes own field number @p index (0-based, markers skipped).
 * @param[in] schema a descriptor that passes cosmosb_schema_check().
 * @param[in] index the field.
 * @param[out] info filled in.
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (NULL, or the type or a base has field_count > 0 and no
 *         fields table); ::COSMOSB_ERANGE (no such field).
 * @par Concurrency: pure function, any thread.
 */
COSMOSB_API int cosmosb_schema_field(const cosmosb_schema_t *schema, uint32_t index, cosmosb_field_info_t *info);

/**
 * @brief Bytes every version of the type has: the end of its last version-1 field.
 *
 * A message shorter than this is rejected; a longer one that ends before
 * `size` comes from an older sender and its missing fields read as zero.
 * @param[in] schema a descriptor that passes cosmosb_schema_check().
 * @return the size in bytes, or 0 for NULL (or a type or base with field_count > 0 and no fields table).
 * @par Concurrency: pure function, any thread.
 */
COSMOSB_API uint32_t cosmosb_schema_min_size(const cosmosb_schema_t *schema);

/**
 * @brief Tells whether @p schema is @p ancestor or derives from it.
 * @param[in] schema a type.
 * @param[in] ancestor another type.
 * @return true if the names match along the base chain.
 * @par Concurrency: pure function, any thread.
 */
COSMOSB_API bool cosmosb_schema_is_a(const cosmosb_schema_t *schema, const cosmosb_schema_t *ancestor);

/** @brief Longest reason cosmosb_schema_compatible() writes, including the NUL. */
#define COSMOSB_SCHEMA_REASON_MAX 160u

/**
 * @brief Tells whether @p new_schema can replace @p old_schema without breaking peers.
 *
 * Compatible means: same name; version not lower; same base chain
 * (by name, each base compatible); every old field still there with the same
 * name, kind, count, element size, offset and rules (ENUM range may widen,
 * WINDOW rights may not grow, REF target unchanged, nested types compatible,
 * an appended field never relabelled as a version-1 field: the minimum size would grow);
 * appended fields start at or after the old size (never in its tail padding),
 * are marked with a SINCE greater than the old version, and accept zero (an
 * appended ENUM must include 0 in its range), because older senders leave them
 * zero.
 * @param[in] old_schema the type as deployed.
 * @param[in] new_schema the proposed replacement.
 * @param[out] reason when incompatible, a one-line explanation (may be NULL).
 * @param[in] reason_size bytes at @p reason (at most ::COSMOSB_SCHEMA_REASON_MAX are used).
 * @return ::COSMOSB_OK (compatible); ::COSMOSB_EINCOMPAT (with a reason);
 *         ::COSMOSB_EINVAL (NULL, or a descriptor fails cosmosb_schema_check()).
 * @par Concurrency: pure function, any thread.
 */
COSMOSB_API int cosmosb_schema_compatible(const cosmosb_schema_t *old_schema, const cosmosb_schema_t *new_schema,
                                          char *reason, size_t reason_size);

/* ------------------------------------------------------------------------- */
/* Validation                                                                */
/* ------------------------------------------------------------------------- */

/** @brief Why a message was refused (indexes ::cosmosb_receiver_stats_t::rejected). */
typedef enum cosmosb_reject_reason {
    COSMOSB_REJECT_NONE = 0,       /**< not rejected */
    COSMOSB_REJECT_TYPE = 1,       /**< neither the type nor any ancestor is accepted (counted; the receive goes on) */
    COSMOSB_REJECT_HEADER = 2,     /**< the typed-message header is malformed */
    COSMOSB_REJECT_SHORT = 3,      /**< shorter than the accepted type's minimum size */
    COSMOSB_REJECT_TRUNCATED = 4,  /**< the message ends inside a field */
    COSMOSB_REJECT_BOOL = 5,       /**< a BOOL is neither 0 nor 1 */
    COSMOSB_REJECT_ENUM = 6,       /**< an ENUM is out of range */
    COSMOSB_REJECT_STRING = 7,     /**< a CHARS field has no NUL */
    COSMOSB_REJECT_REF = 8,        /**< an arena reference was refused (or no arena hook) */
    COSMOSB_REJECT_WINDOW = 9,     /**< a buffer window was refused (or no buffer hook) */
    COSMOSB_REJECT_COUNT = 10      /**< number of reasons */
} cosmosb_reject_reason_t;

/**
 * @brief Returns a short name for a rejection reason ("bool", "enum", ...).
 * @param[in] reason a ::cosmosb_reject_reason_t.
 * @return a static string ("unknown" for other values).
 * @par Concurrency: pure function, any thread.
 */
COSMOSB_API const char *cosmosb_reject_reason_name(uint32_t reason);

/** @brief Checks an arena reference found in a message (see cosmosb_arena_check_ref()). */
typedef int (*cosmosb_check_ref_fn)(void *ctx, const cosmosb_ref_t *ref, uint64_t target_type_id);
/** @brief Checks a buffer window found in a message (see cosmosb_bufmgr_check_window()). */
typedef int (*cosmosb_check_window_fn)(void *ctx, const cosmosb_window_t *window, uint32_t required_rights);

/** @brief Hooks that give REF and WINDOW fields their meaning during validation. */
typedef struct cosmosb_validate_hooks {
    cosmosb_check_ref_fn check_ref;       /**< NULL: every non-null reference is refused */
    void *ref_ctx;                        /**< passed to check_ref (a `cosmosb_arena_t *`) */
    cosmosb_check_window_fn check_window; /**< NULL: every non-empty window is refused */
    void *window_ctx;                     /**< passed to check_window (a `cosmosb_bufmgr_t *`) */
} cosmosb_validate_hooks_t;

/** @brief Where validation failed. */
typedef struct cosmosb_validate_error {
    uint32_t reason;     /**< ::cosmosb_reject_reason_t */
    uint32_t offset;     /**< byte offset of the failing field in the message body */
    const char *field;   /**< its name (static, from the descriptor), or NULL */
    int hook_error;      /**< the hook's return code for REF / WINDOW, else 0 */
    uint32_t reserved;   /**< 0 */
} cosmosb_validate_error_t;

/**
 * @brief Validates the bytes of one message as type @p schema.
 *
 * Fields that lie entirely at or after @p present (the message's length) are
 * absent: the caller zero-fills them (an older sender), so zero must pass their
 * rules (an absent ENUM whose range excludes 0 is ::COSMOSB_REJECT_ENUM); a field
 * that @p present cuts in two is ::COSMOSB_REJECT_TRUNCATED. Validate bytes nobody can change
 * any more (a private copy, or sealed memory): see docs/schemas.md.
 * @param[in] schema a descriptor that passes cosmosb_schema_check().
 * @param[in] data the struct bytes (at least `min(present, schema->size)` readable).
 * @param[in] present bytes of the message body.
 * @param[in] hooks REF and WINDOW checks (may be NULL: such fields must then be null/empty).
 * @param[out] err where it failed (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_EBADMSG (see @p err); ::COSMOSB_EINVAL (NULL schema or data, or
 *         the type or a base with field_count > 0 and no fields table; such a nested type's fields
 *         are not checked, as it has none: call cosmosb_schema_check() for the whole descriptor).
 * @par Concurrency: reentrant; the hooks decide the rest.
 */
COSMOSB_API int cosmosb_schema_validate(const cosmosb_schema_t *schema, const void *data, uint32_t present,
                                        const cosmosb_validate_hooks_t *hooks, cosmosb_validate_error_t *err);

/* ------------------------------------------------------------------------- */
/* Registry and JSON export                                                  */
/* ------------------------------------------------------------------------- */

/** @brief A set of known types in caller-provided memory (for introspection and export). */
typedef struct cosmosb_schema_registry cosmosb_schema_registry_t;

/**
 * @brief Bytes a registry of up to @p max_types types needs.
 * @param[in] max_types capacity (1..65536).
 * @return the size, or 0 if @p max_types is out of range.
 * @par Concurrency: pure function.
 */
COSMOSB_API size_t cosmosb_schema_registry_memsize(uint32_t max_types);

/**
 * @brief Makes an empty registry in @p mem.
 * @param[out] mem at least cosmosb_schema_registry_memsize(max_types) bytes, aligned to 8.
 * @param[in] size bytes at @p mem.
 * @param[in] max_types capacity.
 * @param[out] out the registry (it lives in @p mem; nothing to free).
 * @return ::COSMOSB_OK; ::COSMOSB_EINVAL (NULL, misaligned, too small, bad capacity).
 * @par Concurrency: not thread-safe; the registry is then read-only after setup or guarded by the caller.
 */
COSMOSB_API int cosmosb_schema_registry_init(void *mem, size_t size, uint32_t max_types,
                                             cosmosb_schema_registry_t **out);

/**
 * @brief Adds a type, its base chain and its nested types (each once).
 * @param[in,out] reg the registry.
 * @param[in] schema the type.
 * @return ::COSMOSB_OK (also if already there); ::COSMOSB_EINVAL (malformed descriptor);
 *         ::COSMOSB_ENOMEM (full; nothing added); ::COSMOSB_EINCOMPAT (another type with
 *         the same id is registered: another name with the same hash, or the same name with any
 *         difference in version, size, alignment, base, fields, their rules or nested types;
 *         nothing added). A descriptor describing the same type as a registered one (a copy from
 *         another translation unit) is already there.
 * @par Concurrency: one thread at a time per registry.
 */
COSMOSB_API int cosmosb_schema_registry_add(cosmosb_schema_registry_t *reg, const cosmosb_schema_t *schema);

/**
 * @brief Number of types in the registry.
 * @param[in] reg the registry.
 * @return the count (0 for NULL).
 * @par Concurrency: readers may run concurrently once no thread adds.
 */
COSMOSB_API uint32_t cosmosb_schema_registry_count(const cosmosb_schema_registry_t *reg);

/**
 * @brief The type at position @p index (in order of addition; bases before derived types).
 * @param[in] reg the registry.
 * @param[in] index 0 .. count-1.
 * @return the descriptor, or NULL if out of range.
 * @par Concurrency: as cosmosb_schema_registry_count().
 */
COSMOSB_API const cosmosb_schema_t *cosmosb_schema_registry_at(const cosmosb_schema_registry_t *reg, uint32_t index);

/**
 * @brief Finds a type by id.
 * @param[in] reg the registry.
 * @param[in] type_id the id.
 * @return the descriptor, or NULL.
 * @par Concurrency: as cosmosb_schema_registry_count().
 */
COSMOSB_API const cosmosb_schema_t *cosmosb_schema_registry_find(const cosmosb_schema_registry_t *reg,
                                                                 uint64_t type_id);

/**
 * @brief Writes the registry's types as JSON (format in docs/schemas.md).
 *
 * Writes at most @p size bytes including a terminating NUL; if the output did
 * not fit, @p needed tells how many bytes (with the NUL) a second call needs.
 * @param[in] reg the registry.
 * @param[out] buf destination (may be NULL when @p size is 0).
 * @param[in] size bytes at @p buf.
 * @param[out] needed bytes the whole document needs, including the NUL (may be NULL).
 * @return ::COSMOSB_OK; ::COSMOSB_EMSGSIZE (did not fit: @p buf holds a truncated, NUL-terminated prefix);
 *         ::COSMOSB_EINVAL.
 * @par Concurrency: as cosmosb_schema_registry_count().
 */
COSMOSB_API int cosmosb_schema_registry_json(const cosmosb_schema_registry_t *reg, char *buf, size_t size,
                                             size_t *needed);

COSMOSB_END_DECLS

#endif /* COSMOSB_SCHEMA_H */

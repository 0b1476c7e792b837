/* schema_internal.h - helpers shared by the schema sources (descriptor walking, strings). */
#ifndef COSMOSB_SCHEMA_INTERNAL_H
#define COSMOSB_SCHEMA_INTERNAL_H

#include "cosmosb/schema.h"
#include "cosmosb/error.h"

/* Walks a type's own fields in order, computing each one's offset with the C
 * layout rule. The first own field comes after the base struct. */
struct cosmosb__field_walk {
    const cosmosb_schema_t *schema;
    uint32_t next;   /* next entry of schema->fields to look at */
    uint32_t cur;    /* first byte after the last field */
    uint32_t since;  /* version of the entries being walked */
    uint32_t align;  /* largest alignment so far */
    uint32_t index;  /* own field number (markers skipped) of the field last returned */
};

static inline uint32_t cosmosb__align_up(uint32_t v, uint32_t a)
{
    return (v + (a - 1u)) & ~(a - 1u);
}

static inline void cosmosb__walk_init(struct cosmosb__field_walk *w, const cosmosb_schema_t *s)
{
    w->schema = s;
    w->next = 0;
    w->cur = s->base ? s->base->size : 0u;
    w->since = 1u;
    w->align = s->base ? s->base->align : 1u;
    w->index = UINT32_MAX;
}

/* Next own field (markers consumed on the way); NULL at the end. Needs a
 * descriptor that passed cosmosb_schema_check() (no overflow possible then);
 * a table that is missing (fields NULL, field_count > 0) is walked as empty. */
static inline const cosmosb_field_t *cosmosb__walk_next(struct cosmosb__field_walk *w, uint32_t *offset)
{
    const cosmosb_schema_t *s = w->schema;
    while (s->fields && w->next < s->field_count) {
        const cosmosb_field_t *f = &s->fields[w->next++];
        if (f->kind == COSMOSB_FIELD_SINCE) {
            w->since = f->count;
            continue;
        }
        uint32_t off = cosmosb__align_up(w->cur, f->elem_align);
        w->cur = off + f->elem_size * f->count;
        if (f->elem_align > w->align)
            w->align = f->elem_align;
        w->index++;
        *offset = off;
        return f;
    }
    return NULL;
}

static inline int cosmosb__streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* Whether the type and its bases (as far as a checked descriptor can reach) have their field
 * tables: the cheap guard of the introspection and validation calls, which trust the rest
 * (review 20: fields NULL with field_count > 0 was dereferenced). */
static inline int cosmosb__fields_present(const cosmosb_schema_t *s)
{
    uint32_t depth = 0;
    for (const cosmosb_schema_t *b = s; b && depth <= COSMOSB_SCHEMA_MAX_DEPTH; b = b->base, depth++)
        if (b->field_count && !b->fields)
            return 0;
    return 1;
}

static inline int cosmosb__str_empty(const char *s)
{
    return !s || !*s;
}

static inline int cosmosb__is_pow2(uint32_t v)
{
    return v && !(v & (v - 1u));
}

/* Size and alignment a kind implies (0 for STRUCT and CHARS, which carry their own). */
uint32_t cosmosb__kind_size(uint32_t kind);

/* Whether two checked descriptors describe the same type: name, version, size, alignment, base,
 * every entry (SINCE markers included) with its rule (ENUM range, REF target, WINDOW rights), and
 * nested types, compared deeply. Identical copies (one per translation unit) are the same type. */
int cosmosb__schema_same(const cosmosb_schema_t *a, const cosmosb_schema_t *b);

/* Whether an all-zero value of the type passes validation (every appended field must). */
int cosmosb__schema_zero_ok(const cosmosb_schema_t *s, uint32_t nesting);

/*
 * A type's checks flattened for whole messages (present >= size): one entry
 * per field that has a rule (BOOL, ENUM, CHARS, REF, WINDOW), nested structs
 * and bases expanded, in the order the generic walk checks them, with
 * absolute offsets. The receiver builds one per accepted type, so a message
 * costs a loop over its rules instead of a walk over every field. A type with
 * more rules than fit is validated by the generic walk (usable = 0).
 */
#define COSMOSB__PLAN_MAX 16u
struct cosmosb__check_op {
    uint32_t offset;              /* absolute offset of the first element */
    uint32_t kind;                /* ::cosmosb_field_kind_t (never STRUCT) */
    uint32_t count;               /* elements */
    uint32_t elem_size;           /* bytes per element */
    int32_t min, max;             /* ENUM: the range (checked to fit int32) */
    const cosmosb_field_t *field; /* the descriptor entry (name, target, rights) */
};
struct cosmosb__plan {
    uint32_t usable; /* 1 if ops[] holds every rule of the type */
    uint32_t n;      /* entries in ops[] */
    struct cosmosb__check_op ops[COSMOSB__PLAN_MAX];
};

/* Builds the plan of a descriptor that passed cosmosb_schema_check(). */
void cosmosb__plan_build(struct cosmosb__plan *plan, const cosmosb_schema_t *schema);

/* Validates a whole message (at least schema->size bytes at data) with a usable plan: the
 * same verdict, reason, offset and field as cosmosb__schema_validate_body(). */
int cosmosb__plan_validate(const struct cosmosb__plan *plan, const void *data, const cosmosb_validate_hooks_t *hooks,
                           cosmosb_validate_error_t *err);

/* cosmosb_schema_validate() without the argument and minimum-size checks (the receiver caches those). */
int cosmosb__schema_validate_body(const cosmosb_schema_t *schema, const void *data, uint32_t present,
                                  const cosmosb_validate_hooks_t *hooks, cosmosb_validate_error_t *err);

/* Whether reg is an initialised registry (schema_registry.c). */
int cosmosb__registry_valid(const cosmosb_schema_registry_t *reg);

#endif /* COSMOSB_SCHEMA_INTERNAL_H */

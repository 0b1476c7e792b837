/* schema_validate.c - checks the bytes of one message against a type, field by field. */
#include "core/schema_internal.h"

struct vctx {
    const cosmosb_validate_hooks_t *hooks;
    cosmosb_validate_error_t *err;
};

static int fail(struct vctx *v, uint32_t reason, uint32_t offset, const char *field, int hook_error)
{
    if (v->err) {
        v->err->reason = reason;
        v->err->offset = offset;
        v->err->field = field;
        v->err->hook_error = hook_error;
        v->err->reserved = 0;
    }
    return COSMOSB_EBADMSG;
}

static int all_zero(const uint8_t *p, uint32_t n)
{
    uint8_t acc = 0;
    for (uint32_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

static int check_type(struct vctx *v, const cosmosb_schema_t *s, const uint8_t *data, uint32_t at,
                      uint32_t present, uint32_t nesting);

/* Eight bytes at a time (loads through memcpy: any alignment, one load where
 * the target allows it). */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static inline uint64_t load8(const uint8_t *p)
{
    uint64_t w;
    __builtin_memcpy(&w, p, sizeof w);
    return w;
}

/* Whether n bytes at p contain a 0 byte. */
static int has_nul(const uint8_t *p, uint32_t n)
{
    uint32_t i = 0;
    for (; i + 8u <= n; i += 8u) {
        uint64_t w = load8(p + i);
        if ((w - ONES) & ~w & HIGHS)
            return 1;
    }
    for (; i < n; i++)
        if (p[i] == 0)
            return 1;
    return 0;
}

/* Index of the first byte above 1 among n bytes at p, or n. */
static uint32_t first_non_bool(const uint8_t *p, uint32_t n)
{
    uint32_t i = 0;
    for (; i + 8u <= n; i += 8u)
        if (load8(p + i) & ~ONES)
            break;
    for (; i < n; i++)
        if (p[i] > 1u)
            return i;
    return n;
}

/* One element of field f at data + at (absolute offset `at` in the message). */
static int check_element(struct vctx *v, const cosmosb_field_t *f, const uint8_t *data, uint32_t at,
                         uint32_t nesting)
{
    const uint8_t *p = data + at;
    switch (f->kind) {
    case COSMOSB_FIELD_BOOL:
        if (*p > 1u)
            return fail(v, COSMOSB_REJECT_BOOL, at, f->name, 0);
        return COSMOSB_OK;
    case COSMOSB_FIELD_ENUM: {
        int32_t e;
        __builtin_memcpy(&e, p, sizeof e);
        if (e < f->min || e > f->max)
            return fail(v, COSMOSB_REJECT_ENUM, at, f->name, 0);
        return COSMOSB_OK;
    }
    case COSMOSB_FIELD_CHARS:
        if (has_nul(p, f->elem_size))
            return COSMOSB_OK;
        return fail(v, COSMOSB_REJECT_STRING, at, f->name, 0);
    case COSMOSB_FIELD_STRUCT:
        return check_type(v, f->type, data, at, UINT32_MAX, nesting + 1u);
    case COSMOSB_FIELD_REF: {
        cosmosb_ref_t ref;
        __builtin_memcpy(&ref, p, sizeof ref);
        if (cosmosb_ref_is_null(&ref))
            return COSMOSB_OK;
        if (!v->hooks || !v->hooks->check_ref)
            return fail(v, COSMOSB_REJECT_REF, at, f->name, COSMOSB_ENOTSUP);
        uint64_t target = cosmosb__str_empty(f->target) ? 0u : cosmosb_schema_id_of(f->target);
        int rc = v->hooks->check_ref(v->hooks->ref_ctx, &ref, target);
        if (rc != COSMOSB_OK)
            return fail(v, COSMOSB_REJECT_REF, at, f->name, rc);
        return COSMOSB_OK;
    }
    case COSMOSB_FIELD_WINDOW: {
        cosmosb_window_t w;
        __builtin_memcpy(&w, p, sizeof w);
        if (all_zero((const uint8_t *)&w, sizeof w))
            return COSMOSB_OK;
        if (!v->hooks || !v->hooks->check_window)
            return fail(v, COSMOSB_REJECT_WINDOW, at, f->name, COSMOSB_ENOTSUP);
        int rc = v->hooks->check_window(v->hooks->window_ctx, &w, f->rights);
        if (rc != COSMOSB_OK)
            return fail(v, COSMOSB_REJECT_WINDOW, at, f->name, rc);
        return COSMOSB_OK;
    }
    default:
        return COSMOSB_OK; /* integers and floats: every bit pattern is a value */
    }
}

static int needs_check(uint32_t kind)
{
    switch (kind) {
    case COSMOSB_FIELD_BOOL:
    case COSMOSB_FIELD_ENUM:
    case COSMOSB_FIELD_CHARS:
    case COSMOSB_FIELD_STRUCT:
    case COSMOSB_FIELD_REF:
    case COSMOSB_FIELD_WINDOW:
        return 1;
    default:
        return 0;
    }
}

/* Checks type s laid out at absolute offset `at`; only bytes below `present`
 * (absolute) were sent. Nested structs are always whole (present = UINT32_MAX). */
static int check_type(struct vctx *v, const cosmosb_schema_t *s, const uint8_t *data, uint32_t at,
                      uint32_t present, uint32_t nesting)
{
    if (nesting > COSMOSB_SCHEMA_MAX_NESTING)
        return fail(v, COSMOSB_REJECT_TRUNCATED, at, NULL, 0); /* unreachable for checked descriptors */
    /* Each level of the base chain checks its own fields. */
    uint32_t depth = 0;
    for (const cosmosb_schema_t *b = s; b && depth <= COSMOSB_SCHEMA_MAX_DEPTH; b = b->base, depth++) {
        struct cosmosb__field_walk w;
        cosmosb__walk_init(&w, b);
        uint32_t off;
        const cosmosb_field_t *f;
        while ((f = cosmosb__walk_next(&w, &off)) != NULL) {
            uint32_t start = at + off;
            uint32_t size = f->elem_size * f->count;
            if (present != UINT32_MAX) {
                if (start >= present) {
                    /* Absent (this and every later field): the caller zero-fills it, so zero
                     * must pass its rule; only an ENUM range without 0 can refuse it. */
                    if ((f->kind == COSMOSB_FIELD_ENUM && (f->min > 0 || f->max < 0)) ||
                        (f->kind == COSMOSB_FIELD_STRUCT && !cosmosb__schema_zero_ok(f->type, nesting + 1u)))
                        return fail(v, COSMOSB_REJECT_ENUM, start, f->name, 0);
                    continue;
                }
                if (present - start < size)
                    return fail(v, COSMOSB_REJECT_TRUNCATED, start, f->name, 0);
            }
            if (!needs_check(f->kind))
                continue;
            if (f->kind == COSMOSB_FIELD_BOOL) {
                /* Every element at once; the first bad one is reported. */
                uint32_t i = first_non_bool(data + start, f->count);
                if (i < f->count)
                    return fail(v, COSMOSB_REJECT_BOOL, start + i, f->name, 0);
                continue;
            }
            for (uint32_t i = 0; i < f->count; i++) {
                int rc = check_element(v, f, data, start + i * f->elem_size, nesting);
                if (rc)
                    return rc;
            }
        }
    }
    return COSMOSB_OK;
}

/* ------------------------------------------------------------------------- */
/* Plans: the rules of a type flattened once, for whole messages              */
/* ------------------------------------------------------------------------- */

/* Mirrors check_type(): the same order (own fields, then each base; nested
 * structs element by element, depth first). Returns 0, or -1 when full. */
static int plan_type(struct cosmosb__plan *plan, const cosmosb_schema_t *s, uint32_t at, uint32_t nesting)
{
    if (nesting > COSMOSB_SCHEMA_MAX_NESTING)
        return -1;
    uint32_t depth = 0;
    for (const cosmosb_schema_t *b = s; b && depth <= COSMOSB_SCHEMA_MAX_DEPTH; b = b->base, depth++) {
        struct cosmosb__field_walk w;
        cosmosb__walk_init(&w, b);
        uint32_t off;
        const cosmosb_field_t *f;
        while ((f = cosmosb__walk_next(&w, &off)) != NULL) {
            uint32_t start = at + off;
            if (f->kind == COSMOSB_FIELD_STRUCT) {
                for (uint32_t i = 0; i < f->count; i++)
                    if (plan_type(plan, f->type, start + i * f->elem_size, nesting + 1u) != 0)
                        return -1;
                continue;
            }
            if (!needs_check(f->kind))
                continue;
            if (plan->n >= COSMOSB__PLAN_MAX)
                return -1;
            struct cosmosb__check_op *op = &plan->ops[plan->n++];
            op->offset = start;
            op->kind = f->kind;
            op->count = f->count;
            op->elem_size = f->elem_size;
            op->min = f->kind == COSMOSB_FIELD_ENUM ? (int32_t)f->min : 0;
            op->max = f->kind == COSMOSB_FIELD_ENUM ? (int32_t)f->max : 0;
            op->field = f;
        }
    }
    return 0;
}

void cosmosb__plan_build(struct cosmosb__plan *plan, const cosmosb_schema_t *schema)
{
    plan->n = 0;
    plan->usable = plan_type(plan, schema, 0, 0) == 0;
}

int cosmosb__plan_validate(const struct cosmosb__plan *plan, const void *data, const cosmosb_validate_hooks_t *hooks,
                           cosmosb_validate_error_t *err)
{
    struct vctx v = {hooks, err};
    const uint8_t *d = (const uint8_t *)data;
    for (uint32_t k = 0; k < plan->n; k++) {
        const struct cosmosb__check_op *op = &plan->ops[k];
        const uint8_t *p = d + op->offset;
        switch (op->kind) {
        case COSMOSB_FIELD_BOOL: {
            uint32_t i = first_non_bool(p, op->count);
            if (i < op->count)
                return fail(&v, COSMOSB_REJECT_BOOL, op->offset + i, op->field->name, 0);
            continue;
        }
        case COSMOSB_FIELD_ENUM:
            for (uint32_t i = 0; i < op->count; i++) {
                int32_t e;
                __builtin_memcpy(&e, p + 4u * i, sizeof e);
                if (e < op->min || e > op->max)
                    return fail(&v, COSMOSB_REJECT_ENUM, op->offset + 4u * i, op->field->name, 0);
            }
            continue;
        case COSMOSB_FIELD_CHARS: /* one element (cosmosb_schema_check) */
            if (!has_nul(p, op->elem_size))
                return fail(&v, COSMOSB_REJECT_STRING, op->offset, op->field->name, 0);
            continue;
        default:
            break;
        }
        for (uint32_t i = 0; i < op->count; i++) {
            int rc = check_element(&v, op->field, d, op->offset + i * op->elem_size, 0);
            if (rc)
                return rc;
        }
    }
    return COSMOSB_OK;
}

int cosmosb__schema_validate_body(const cosmosb_schema_t *schema, const void *data, uint32_t present,
                                  const cosmosb_validate_hooks_t *hooks, cosmosb_validate_error_t *err)
{
    struct vctx v = {hooks, err};
    if (present >= schema->size)
        present = UINT32_MAX; /* all there */
    return check_type(&v, schema, (const uint8_t *)data, 0, present, 0);
}

int cosmosb_schema_validate(const cosmosb_schema_t *schema, const void *data, uint32_t present,
                            const cosmosb_validate_hooks_t *hooks, cosmosb_validate_error_t *err)
{
    if (!schema || !data || !cosmosb__fields_present(schema))
        return COSMOSB_EINVAL;
    if (err) {
        err->reason = COSMOSB_REJECT_NONE;
        err->offset = 0;
        err->field = NULL;
        err->hook_error = 0;
        err->reserved = 0;
    }
    struct vctx v = {hooks, err};
    /* The minimum size is at most the size: a whole message needs no walk for it. */
    if (present < schema->size && present < cosmosb_schema_min_size(schema))
        return fail(&v, COSMOSB_REJECT_SHORT, present, NULL, 0);
    return cosmosb__schema_validate_body(schema, data, present, hooks, err);
}

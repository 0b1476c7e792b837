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
        for (uint32_t i = 0; i < f->elem_size; i++)
            if (p[i] == 0)
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
            for (uint32_t i = 0; i < f->count; i++) {
                int rc = check_element(v, f, data, start + i * f->elem_size, nesting);
                if (rc)
                    return rc;
            }
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
    if (!schema || !data)
        return COSMOSB_EINVAL;
    if (err) {
        err->reason = COSMOSB_REJECT_NONE;
        err->offset = 0;
        err->field = NULL;
        err->hook_error = 0;
        err->reserved = 0;
    }
    struct vctx v = {hooks, err};
    if (present < cosmosb_schema_min_size(schema))
        return fail(&v, COSMOSB_REJECT_SHORT, present, NULL, 0);
    return cosmosb__schema_validate_body(schema, data, present, hooks, err);
}

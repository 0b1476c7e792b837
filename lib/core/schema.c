/* schema.c - type ids, descriptor checks, introspection and the compatibility check. */
#include "core/schema_internal.h"

/* ------------------------------------------------------------------------- */
/* Type ids: FNV-1a, 64 bit                                                  */
/* ------------------------------------------------------------------------- */

/* h * 0x100000001b3 with shifts and adds only, so 32-bit targets need no
 * libgcc multiply helper: 0x100000001b3 = 2^40 + 2^8 + 2^7 + 2^5 + 2^4 + 2^1 + 2^0. */
static inline uint64_t fnv_mul(uint64_t h)
{
    return (h << 40) + (h << 8) + (h << 7) + (h << 5) + (h << 4) + (h << 1) + h;
}

uint64_t cosmosb_schema_id_of(const char *name)
{
    if (!name)
        return 0;
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h = fnv_mul(h);
    }
    return h;
}

uint64_t cosmosb_schema_type_id(const cosmosb_schema_t *schema)
{
    return schema ? cosmosb_schema_id_of(schema->name) : 0;
}

uint32_t cosmosb__kind_size(uint32_t kind)
{
    switch (kind) {
    case COSMOSB_FIELD_U8:
    case COSMOSB_FIELD_I8:
    case COSMOSB_FIELD_BOOL:
        return 1;
    case COSMOSB_FIELD_U16:
    case COSMOSB_FIELD_I16:
        return 2;
    case COSMOSB_FIELD_U32:
    case COSMOSB_FIELD_I32:
    case COSMOSB_FIELD_F32:
    case COSMOSB_FIELD_ENUM:
        return 4;
    case COSMOSB_FIELD_U64:
    case COSMOSB_FIELD_I64:
    case COSMOSB_FIELD_F64:
        return 8;
    case COSMOSB_FIELD_REF:
        return 16;
    case COSMOSB_FIELD_WINDOW:
        return 40;
    default:
        return 0;
    }
}

static uint32_t kind_align(uint32_t kind)
{
    switch (kind) {
    case COSMOSB_FIELD_REF:
        return 4;
    case COSMOSB_FIELD_WINDOW:
        return 8;
    default:
        return cosmosb__kind_size(kind);
    }
}

/* ------------------------------------------------------------------------- */
/* Descriptor check                                                          */
/* ------------------------------------------------------------------------- */

static int check_type(const cosmosb_schema_t *s, uint32_t nesting);

/*
 * Whether a NUL-terminated string is well-formed UTF-8: no stray continuation byte, no
 * truncated sequence, no overlong form, no surrogate (U+D800..U+DFFF), nothing above U+10FFFF.
 * Names are exported in JSON as they are (review 20: a name that was not UTF-8 made the
 * library's own export unreadable by its reader).
 */
static int utf8_ok(const char *str)
{
    const unsigned char *p = (const unsigned char *)str;
    while (*p) {
        unsigned char c = *p++;
        if (c < 0x80u)
            continue;
        uint32_t n, cp;
        if (c >= 0xC2u && c <= 0xDFu) {
            n = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0u && c <= 0xEFu) {
            n = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0u && c <= 0xF4u) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return 0; /* a continuation byte, C0/C1 (always overlong), or F5..FF */
        }
        for (uint32_t i = 0; i < n; i++, p++) {
            if ((*p & 0xC0u) != 0x80u) /* the NUL ends a truncated sequence here too */
                return 0;
            cp = (cp << 6) | (*p & 0x3Fu);
        }
        if ((n == 2 && (cp < 0x800u || (cp >= 0xD800u && cp <= 0xDFFFu))) || (n == 3 && (cp < 0x10000u || cp > 0x10FFFFu)))
            return 0;
    }
    return 1;
}

static int check_entry(const cosmosb_schema_t *s, const cosmosb_field_t *f, uint32_t nesting)
{
    if (!f->name || !*f->name || !utf8_ok(f->name) || f->count == 0 || f->reserved != 0)
        return COSMOSB_EINVAL;
    if (f->target && !utf8_ok(f->target))
        return COSMOSB_EINVAL;
    uint32_t expect_size = cosmosb__kind_size(f->kind);
    switch (f->kind) {
    case COSMOSB_FIELD_CHARS:
        if (f->elem_size == 0 || f->elem_align != 1 || f->count != 1)
            return COSMOSB_EINVAL;
        break;
    case COSMOSB_FIELD_STRUCT:
        if (!f->type || f->type == s)
            return COSMOSB_EINVAL;
        if (nesting + 1u > COSMOSB_SCHEMA_MAX_NESTING)
            return COSMOSB_EINVAL;
        if (check_type(f->type, nesting + 1u) != COSMOSB_OK)
            return COSMOSB_EINVAL;
        if (f->elem_size != f->type->size || f->elem_align != f->type->align)
            return COSMOSB_EINVAL;
        break;
    case COSMOSB_FIELD_ENUM:
        if (f->min > f->max || f->min < INT32_MIN || f->max > INT32_MAX)
            return COSMOSB_EINVAL;
        /* fall through */
    default:
        if (expect_size == 0 || f->elem_size != expect_size || f->elem_align != kind_align(f->kind))
            return COSMOSB_EINVAL;
        if (f->kind == COSMOSB_FIELD_WINDOW && (f->rights & ~COSMOSB_WIN_RIGHTS_MASK))
            return COSMOSB_EINVAL;
        if ((f->kind == COSMOSB_FIELD_REF || f->kind == COSMOSB_FIELD_WINDOW) && f->count != 1)
            return COSMOSB_EINVAL;
        break;
    }
    if (f->kind != COSMOSB_FIELD_STRUCT && f->type)
        return COSMOSB_EINVAL;
    if (f->kind != COSMOSB_FIELD_REF && f->target)
        return COSMOSB_EINVAL;
    if ((uint64_t)f->elem_size * f->count > COSMOSB_SCHEMA_MAX_SIZE)
        return COSMOSB_EINVAL;
    return COSMOSB_OK;
}

/* Checks one type (its base chain too); `nesting` counts STRUCT levels above it. */
static int check_type(const cosmosb_schema_t *s, uint32_t nesting)
{
    /* The base chain, iteratively: bounded depth, bases valid on their own. */
    uint32_t depth = 0;
    for (const cosmosb_schema_t *b = s; b; b = b->base) {
        if (depth++ > COSMOSB_SCHEMA_MAX_DEPTH)
            return COSMOSB_EINVAL;
        if (cosmosb__str_empty(b->name) || !utf8_ok(b->name) || b->version == 0 || b->size == 0 ||
            b->size > COSMOSB_SCHEMA_MAX_SIZE || !cosmosb__is_pow2(b->align) || b->align > 64u ||
            (b->size & (b->align - 1u)) || (b->field_count && !b->fields))
            return COSMOSB_EINVAL;
        if (b->base && (b->base->size > b->size || b->base->align > b->align))
            return COSMOSB_EINVAL;
    }
    for (const cosmosb_schema_t *b = s; b; b = b->base) {
        uint64_t cur = b->base ? b->base->size : 0u;
        uint32_t align = b->base ? b->base->align : 1u;
        uint32_t since = 1u;
        uint32_t own = 0;
        for (uint32_t i = 0; i < b->field_count; i++) {
            const cosmosb_field_t *f = &b->fields[i];
            if (f->kind == COSMOSB_FIELD_SINCE) {
                if (f->count <= since || f->count > b->version || f->name || f->type || f->target)
                    return COSMOSB_EINVAL;
                since = f->count;
                continue;
            }
            int rc = check_entry(b, f, nesting);
            if (rc)
                return rc;
            if (!cosmosb__is_pow2(f->elem_align) || f->elem_align > 64u)
                return COSMOSB_EINVAL;
            uint64_t a = f->elem_align;
            cur = (cur + a - 1u) & ~(a - 1u);
            cur += (uint64_t)f->elem_size * f->count;
            if (cur > COSMOSB_SCHEMA_MAX_SIZE)
                return COSMOSB_EINVAL;
            if (f->elem_align > align)
                align = f->elem_align;
            own++;
        }
        if (own == 0 && !b->base)
            return COSMOSB_EINVAL;
        uint64_t size = (cur + align - 1u) & ~(uint64_t)(align - 1u);
        if (size != b->size || align != b->align)
            return COSMOSB_EINVAL;
    }
    return COSMOSB_OK;
}

int cosmosb_schema_check(const cosmosb_schema_t *schema)
{
    if (!schema)
        return COSMOSB_EINVAL;
    return check_type(schema, 0);
}

/* ------------------------------------------------------------------------- */
/* Introspection                                                             */
/* ------------------------------------------------------------------------- */

uint32_t cosmosb_schema_field_count(const cosmosb_schema_t *schema)
{
    if (!schema || !schema->fields)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < schema->field_count; i++)
        n += schema->fields[i].kind != COSMOSB_FIELD_SINCE;
    return n;
}

int cosmosb_schema_field(const cosmosb_schema_t *schema, uint32_t index, cosmosb_field_info_t *info)
{
    if (!schema || !info || !cosmosb__fields_present(schema))
        return COSMOSB_EINVAL;
    struct cosmosb__field_walk w;
    cosmosb__walk_init(&w, schema);
    uint32_t off;
    const cosmosb_field_t *f;
    while ((f = cosmosb__walk_next(&w, &off)) != NULL) {
        if (w.index != index)
            continue;
        info->name = f->name;
        info->kind = f->kind;
        info->offset = off;
        info->size = f->elem_size * f->count;
        info->count = f->count;
        info->since = w.since;
        info->rights = f->kind == COSMOSB_FIELD_WINDOW ? f->rights : 0u;
        info->min = f->kind == COSMOSB_FIELD_ENUM ? f->min : 0;
        info->max = f->kind == COSMOSB_FIELD_ENUM ? f->max : 0;
        info->type = f->type;
        info->target = cosmosb__str_empty(f->target) ? NULL : f->target;
        info->target_id = info->target ? cosmosb_schema_id_of(info->target) : 0u;
        return COSMOSB_OK;
    }
    return COSMOSB_ERANGE;
}

uint32_t cosmosb_schema_min_size(const cosmosb_schema_t *schema)
{
    if (!schema || !cosmosb__fields_present(schema))
        return 0;
    /* A derived message always carries its whole base struct (a base that grew
     * moves the derived fields, which the compatibility check refuses). */
    uint32_t min = schema->base ? schema->base->size : 0u;
    struct cosmosb__field_walk w;
    cosmosb__walk_init(&w, schema);
    uint32_t off;
    const cosmosb_field_t *f;
    while ((f = cosmosb__walk_next(&w, &off)) != NULL) {
        if (w.since > 1u)
            break;
        min = off + f->elem_size * f->count;
    }
    return min;
}

bool cosmosb_schema_is_a(const cosmosb_schema_t *schema, const cosmosb_schema_t *ancestor)
{
    if (!schema || !ancestor)
        return false;
    uint32_t depth = 0;
    for (const cosmosb_schema_t *s = schema; s && depth <= COSMOSB_SCHEMA_MAX_DEPTH; s = s->base, depth++)
        if (s == ancestor || cosmosb__streq(s->name, ancestor->name))
            return true;
    return false;
}

const char *cosmosb_reject_reason_name(uint32_t reason)
{
    switch (reason) {
    case COSMOSB_REJECT_NONE:
        return "none";
    case COSMOSB_REJECT_TYPE:
        return "type";
    case COSMOSB_REJECT_HEADER:
        return "header";
    case COSMOSB_REJECT_SHORT:
        return "short";
    case COSMOSB_REJECT_TRUNCATED:
        return "truncated";
    case COSMOSB_REJECT_BOOL:
        return "bool";
    case COSMOSB_REJECT_ENUM:
        return "enum";
    case COSMOSB_REJECT_STRING:
        return "string";
    case COSMOSB_REJECT_REF:
        return "ref";
    case COSMOSB_REJECT_WINDOW:
        return "window";
    default:
        return "unknown";
    }
}

/* ------------------------------------------------------------------------- */
/* Compatibility                                                             */
/* ------------------------------------------------------------------------- */

int cosmosb__schema_zero_ok(const cosmosb_schema_t *s, uint32_t nesting)
{
    if (nesting > COSMOSB_SCHEMA_MAX_NESTING)
        return 0;
    for (const cosmosb_schema_t *b = s; b; b = b->base) {
        for (uint32_t i = 0; i < b->field_count; i++) {
            const cosmosb_field_t *f = &b->fields[i];
            if (f->kind == COSMOSB_FIELD_ENUM && (f->min > 0 || f->max < 0))
                return 0;
            if (f->kind == COSMOSB_FIELD_STRUCT && !cosmosb__schema_zero_ok(f->type, nesting + 1u))
                return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------------- */
/* Equality of two descriptors                                               */
/* ------------------------------------------------------------------------- */

static int same_type(const cosmosb_schema_t *a, const cosmosb_schema_t *b, uint32_t level);

static int same_entry(const cosmosb_field_t *fa, const cosmosb_field_t *fb, uint32_t level)
{
    if (fa->kind != fb->kind || fa->count != fb->count)
        return 0;
    if (fa->kind == COSMOSB_FIELD_SINCE)
        return 1;
    if (!cosmosb__streq(fa->name, fb->name) || fa->elem_size != fb->elem_size || fa->elem_align != fb->elem_align)
        return 0;
    switch (fa->kind) {
    case COSMOSB_FIELD_ENUM:
        return fa->min == fb->min && fa->max == fb->max;
    case COSMOSB_FIELD_WINDOW:
        return fa->rights == fb->rights;
    case COSMOSB_FIELD_REF:
        return cosmosb__streq(cosmosb__str_empty(fa->target) ? "" : fa->target,
                              cosmosb__str_empty(fb->target) ? "" : fb->target);
    case COSMOSB_FIELD_STRUCT:
        return same_type(fa->type, fb->type, level + 1u);
    default:
        return 1;
    }
}

static int same_type(const cosmosb_schema_t *a, const cosmosb_schema_t *b, uint32_t level)
{
    if (a == b)
        return 1;
    /* Checked descriptors have at most (MAX_DEPTH + 1) * (MAX_NESTING + 1) levels of bases and nested types. */
    if (!a || !b || level >= (COSMOSB_SCHEMA_MAX_DEPTH + 1u) * (COSMOSB_SCHEMA_MAX_NESTING + 1u))
        return 0;
    if (!cosmosb__streq(a->name, b->name) || a->version != b->version || a->size != b->size ||
        a->align != b->align || a->field_count != b->field_count || !a->base != !b->base)
        return 0;
    if (a->base && !same_type(a->base, b->base, level + 1u))
        return 0;
    if (a->field_count && (!a->fields || !b->fields))
        return 0;
    for (uint32_t i = 0; i < a->field_count; i++)
        if (!same_entry(&a->fields[i], &b->fields[i], level))
            return 0;
    return 1;
}

int cosmosb__schema_same(const cosmosb_schema_t *a, const cosmosb_schema_t *b)
{
    return same_type(a, b, 0);
}

/* A small string builder for the reason (no libc). */
struct reason {
    char *buf;
    size_t size;
    size_t pos;
};

static void r_str(struct reason *r, const char *s)
{
    for (; s && *s; s++)
        if (r->buf && r->pos + 1u < r->size)
            r->buf[r->pos++] = *s;
    if (r->buf && r->size)
        r->buf[r->pos < r->size ? r->pos : r->size - 1u] = '\0';
}

static void r_u32(struct reason *r, uint32_t v)
{
    char tmp[11];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    char out[11];
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    r_str(r, out);
}

static int incompat(struct reason *r, const char *type, const char *field, const char *what)
{
    r_str(r, type);
    if (field) {
        r_str(r, ".");
        r_str(r, field);
    }
    r_str(r, ": ");
    r_str(r, what);
    return COSMOSB_EINCOMPAT;
}

static int compat_type(const cosmosb_schema_t *o, const cosmosb_schema_t *n, struct reason *r, uint32_t nesting);

static int compat_field(const cosmosb_schema_t *n, const cosmosb_field_t *of, uint32_t ooff,
                        const cosmosb_field_t *nf, uint32_t noff, struct reason *r, uint32_t nesting)
{
    if (!cosmosb__streq(of->name, nf->name))
        return incompat(r, n->name, of->name, "field renamed or removed (fields may only be appended)");
    if (of->kind != nf->kind)
        return incompat(r, n->name, of->name, "kind changed");
    if (of->count != nf->count || of->elem_size != nf->elem_size)
        return incompat(r, n->name, of->name, "size or element count changed");
    if (ooff != noff)
        return incompat(r, n->name, of->name, "offset changed");
    switch (of->kind) {
    case COSMOSB_FIELD_ENUM:
        if (nf->min > of->min || nf->max < of->max)
            return incompat(r, n->name, of->name, "enum range narrowed (old senders may send the old values)");
        break;
    case COSMOSB_FIELD_WINDOW:
        if (nf->rights & ~of->rights)
            return incompat(r, n->name, of->name, "window requires more rights than before");
        break;
    case COSMOSB_FIELD_REF:
        if (!cosmosb__streq(cosmosb__str_empty(of->target) ? "" : of->target,
                            cosmosb__str_empty(nf->target) ? "" : nf->target))
            return incompat(r, n->name, of->name, "reference target type changed");
        break;
    case COSMOSB_FIELD_STRUCT:
        if (nesting + 1u > COSMOSB_SCHEMA_MAX_NESTING)
            return incompat(r, n->name, of->name, "nesting too deep");
        return compat_type(of->type, nf->type, r, nesting + 1u);
    default:
        break;
    }
    return COSMOSB_OK;
}

static int compat_type(const cosmosb_schema_t *o, const cosmosb_schema_t *n, struct reason *r, uint32_t nesting)
{
    if (!cosmosb__streq(o->name, n->name))
        return incompat(r, n->name, NULL, "type name changed (it is the type id)");
    if (n->version < o->version)
        return incompat(r, n->name, NULL, "version went down");
    if (!o->base != !n->base)
        return incompat(r, n->name, NULL, "base type added or removed");
    if (o->base) {
        int rc = compat_type(o->base, n->base, r, nesting);
        if (rc)
            return rc;
        if (o->base->size != n->base->size)
            return incompat(r, n->name, NULL, "base type grew, which moves this type's own fields");
    }
    if (n->size < o->size)
        return incompat(r, n->name, NULL, "type shrank");
    struct cosmosb__field_walk ow, nw;
    cosmosb__walk_init(&ow, o);
    cosmosb__walk_init(&nw, n);
    const cosmosb_field_t *of, *nf;
    uint32_t ooff = 0, noff = 0;
    while ((of = cosmosb__walk_next(&ow, &ooff)) != NULL) {
        nf = cosmosb__walk_next(&nw, &noff);
        if (!nf)
            return incompat(r, n->name, of->name, "field removed");
        int rc = compat_field(n, of, ooff, nf, noff, r, nesting);
        if (rc)
            return rc;
        if (nw.since == 1u && ow.since > 1u)
            return incompat(r, n->name, of->name,
                            "field moved into version 1 (older senders without it would be refused as short)");
    }
    while ((nf = cosmosb__walk_next(&nw, &noff)) != NULL) {
        if (noff < o->size)
            return incompat(r, n->name, nf->name, "appended field lies inside the old size (its tail padding)");
        if (nw.since <= o->version) {
            (void)incompat(r, n->name, nf->name, "appended field needs a SINCE marker above the old version ");
            r_u32(r, o->version);
            return COSMOSB_EINCOMPAT;
        }
        if (nf->kind == COSMOSB_FIELD_ENUM && (nf->min > 0 || nf->max < 0))
            return incompat(r, n->name, nf->name, "appended enum must accept 0 (older senders leave it zero)");
        if (nf->kind == COSMOSB_FIELD_STRUCT && !cosmosb__schema_zero_ok(nf->type, nesting + 1u))
            return incompat(r, n->name, nf->name, "appended struct must accept all zeros (older senders leave it zero)");
    }
    return COSMOSB_OK;
}

int cosmosb_schema_compatible(const cosmosb_schema_t *old_schema, const cosmosb_schema_t *new_schema,
                              char *reason, size_t reason_size)
{
    struct reason r = {reason, reason_size > COSMOSB_SCHEMA_REASON_MAX ? COSMOSB_SCHEMA_REASON_MAX : reason_size, 0};
    if (reason && reason_size)
        reason[0] = '\0';
    if (cosmosb_schema_check(old_schema) != COSMOSB_OK || cosmosb_schema_check(new_schema) != COSMOSB_OK) {
        r_str(&r, "malformed descriptor");
        return COSMOSB_EINVAL;
    }
    return compat_type(old_schema, new_schema, &r, 0);
}

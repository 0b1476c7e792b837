/*
 * schema_json_read.c: the JSON of cosmosb_schema_registry_json() back into
 * runtime descriptors (see schema_json_read.h). Hosted C11.
 *
 * Two stages: a small strict JSON parser (RFC 8259: objects, arrays,
 * strings with every escape, numbers, true/false/null; nesting bounded;
 * duplicate keys refused) into a tree, then the descriptors built from the
 * tree and checked against the library's own computation. Nothing read from
 * the document is trusted before it is checked: the layout of each type is
 * verified from its own fields before cosmosb_schema_check() recurses into
 * nested types, so a hostile document cannot make the check walk an
 * exponential tree.
 */
#include "schema_json_read.h"

#include <cosmosb/error.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------- */
/* JSON tree                                                                 */
/* ------------------------------------------------------------------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jv {
    enum jtype t;
    int b;          /* J_BOOL */
    int is_int;     /* J_NUM: an integer that fits int64 */
    int64_t i;      /* J_NUM when is_int */
    char *s;        /* J_STR: NUL-terminated UTF-8 (no NUL inside: \u0000 is refused) */
    size_t n;       /* J_ARR / J_OBJ: number of items */
    struct jv *items;
    char **keys;    /* J_OBJ: the key of each item */
    size_t line;    /* where the value starts, for messages */
} jv_t;

#define JSON_MAX_DEPTH 32
#define JSON_MAX_FILE (64u << 20)
/* Bounds while parsing (review 20: a value costs a 64-byte node, so a document of small values took
 * about 32 times its size in memory, and nothing bounded an array before it was built):
 * - at most one value per JSON_BYTES_PER_VALUE bytes of input (plus a few): an export spends at least 7
 *   bytes per value (the shortest member, `"max":0}`), so every document in the format fits;
 * - at most JSON_MAX_ITEMS items in an array (the reader takes at most 65536 types, and 65536 fields a
 *   type) and JSON_MAX_KEYS keys in an object (a type has 8, a field at most 8; duplicate keys are
 *   looked for by comparing each key with the previous ones, which stays cheap this way).
 * Containers are shrunk to their size when they close, so the tree costs at most about 64 bytes per
 * value: some 13 times the input, not 32. */
#define JSON_BYTES_PER_VALUE 5u
#define JSON_MAX_ITEMS 65536u
#define JSON_MAX_KEYS 64u

typedef struct parser {
    const char *p, *end;
    size_t line;
    const char *line_start;
    int depth;
    int oom;
    char *err;
    size_t err_size;
    size_t values;     /* values parsed so far */
    size_t max_values; /* the budget: see JSON_BYTES_PER_VALUE */
} parser_t;

static void set_err(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t size, const char *fmt, ...)
{
    if (!err || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

static int perr(parser_t *ps, const char *what)
{
    set_err(ps->err, ps->err_size, "JSON error at line %zu, column %zu: %s", ps->line,
            (size_t)(ps->p - ps->line_start) + 1u, what);
    return -1;
}

static void jv_free(jv_t *v)
{
    if (!v)
        return;
    free(v->s);
    for (size_t i = 0; i < v->n; i++) {
        jv_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

static void skip_ws(parser_t *ps)
{
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == '\n') {
            ps->line++;
            ps->line_start = ps->p + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
        ps->p++;
    }
}

static int hex4(parser_t *ps, uint32_t *out)
{
    if (ps->end - ps->p < 4)
        return perr(ps, "truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *ps->p++;
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return perr(ps, "bad hex digit in \\u escape");
    }
    *out = v;
    return 0;
}

/* Growable byte buffer for strings. */
typedef struct sbuf {
    char *b;
    size_t n, cap;
} sbuf_t;

static int sb_put(sbuf_t *sb, char c)
{
    if (sb->n + 1u >= sb->cap) {
        size_t cap = sb->cap ? sb->cap * 2u : 32u;
        char *nb = realloc(sb->b, cap);
        if (!nb)
            return -1;
        sb->b = nb;
        sb->cap = cap;
    }
    sb->b[sb->n++] = c;
    sb->b[sb->n] = '\0';
    return 0;
}

static int sb_utf8(sbuf_t *sb, uint32_t cp)
{
    int rc = 0;
    if (cp < 0x80u) {
        rc |= sb_put(sb, (char)cp);
    } else if (cp < 0x800u) {
        rc |= sb_put(sb, (char)(0xC0u | (cp >> 6)));
        rc |= sb_put(sb, (char)(0x80u | (cp & 0x3Fu)));
    } else if (cp < 0x10000u) {
        rc |= sb_put(sb, (char)(0xE0u | (cp >> 12)));
        rc |= sb_put(sb, (char)(0x80u | ((cp >> 6) & 0x3Fu)));
        rc |= sb_put(sb, (char)(0x80u | (cp & 0x3Fu)));
    } else {
        rc |= sb_put(sb, (char)(0xF0u | (cp >> 18)));
        rc |= sb_put(sb, (char)(0x80u | ((cp >> 12) & 0x3Fu)));
        rc |= sb_put(sb, (char)(0x80u | ((cp >> 6) & 0x3Fu)));
        rc |= sb_put(sb, (char)(0x80u | (cp & 0x3Fu)));
    }
    return rc;
}

/* Length of a well-formed UTF-8 sequence starting at p (at most `avail` bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80u)
        return 1;
    if (c >= 0xC2u && c <= 0xDFu) {
        n = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0u && c <= 0xEFu) {
        n = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0u && c <= 0xF4u) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((n == 3 && (cp < 0x800u || (cp >= 0xD800u && cp <= 0xDFFFu))) || (n == 4 && (cp < 0x10000u || cp > 0x10FFFFu)))
        return 0;
    return n;
}

static int parse_string(parser_t *ps, char **out)
{
    sbuf_t sb = {NULL, 0, 0};
    ps->p++; /* the opening quote */
    if (sb_put(&sb, 'x') != 0) { /* makes an empty string non-NULL */
        ps->oom = 1;
        return perr(ps, "out of memory");
    }
    sb.n = 0;
    sb.b[0] = '\0';
    for (;;) {
        if (ps->p >= ps->end) {
            free(sb.b);
            return perr(ps, "unterminated string");
        }
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            *out = sb.b;
            return 0;
        }
        if (c < 0x20u) {
            free(sb.b);
            return perr(ps, "control character in a string");
        }
        int rc = 0;
        if (c == '\\') {
            ps->p++;
            if (ps->p >= ps->end) {
                free(sb.b);
                return perr(ps, "unterminated escape");
            }
            char e = *ps->p++;
            switch (e) {
            case '"': rc = sb_put(&sb, '"'); break;
            case '\\': rc = sb_put(&sb, '\\'); break;
            case '/': rc = sb_put(&sb, '/'); break;
            case 'b': rc = sb_put(&sb, '\b'); break;
            case 'f': rc = sb_put(&sb, '\f'); break;
            case 'n': rc = sb_put(&sb, '\n'); break;
            case 'r': rc = sb_put(&sb, '\r'); break;
            case 't': rc = sb_put(&sb, '\t'); break;
            case 'u': {
                uint32_t cp, lo;
                if (hex4(ps, &cp) != 0) {
                    free(sb.b);
                    return -1;
                }
                if (cp >= 0xD800u && cp <= 0xDBFFu) {
                    if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                        free(sb.b);
                        return perr(ps, "lone high surrogate in \\u escape");
                    }
                    ps->p += 2;
                    if (hex4(ps, &lo) != 0) {
                        free(sb.b);
                        return -1;
                    }
                    if (lo < 0xDC00u || lo > 0xDFFFu) {
                        free(sb.b);
                        return perr(ps, "bad low surrogate in \\u escape");
                    }
                    cp = 0x10000u + ((cp - 0xD800u) << 10) + (lo - 0xDC00u);
                } else if (cp >= 0xDC00u && cp <= 0xDFFFu) {
                    free(sb.b);
                    return perr(ps, "lone low surrogate in \\u escape");
                } else if (cp == 0) {
                    free(sb.b);
                    return perr(ps, "\\u0000 in a string (names are C strings)");
                }
                rc = sb_utf8(&sb, cp);
                break;
            }
            default:
                free(sb.b);
                ps->p--;
                return perr(ps, "unknown escape");
            }
        } else {
            size_t n = utf8_len((const unsigned char *)ps->p, (size_t)(ps->end - ps->p));
            if (n == 0) {
                free(sb.b);
                return perr(ps, "invalid UTF-8 in a string");
            }
            for (size_t i = 0; i < n && rc == 0; i++)
                rc = sb_put(&sb, ps->p[i]);
            ps->p += n;
        }
        if (rc != 0) {
            free(sb.b);
            ps->oom = 1;
            return perr(ps, "out of memory");
        }
    }
}

static int parse_number(parser_t *ps, jv_t *v)
{
    int neg = 0;
    if (ps->p < ps->end && *ps->p == '-') {
        neg = 1;
        ps->p++;
    }
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return perr(ps, "bad number");
    int overflow = 0;
    uint64_t mag = 0;
    if (*ps->p == '0') {
        ps->p++;
    } else {
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            uint64_t d = (uint64_t)(*ps->p - '0');
            if (mag > (UINT64_MAX - d) / 10u)
                overflow = 1;
            else
                mag = mag * 10u + d;
            ps->p++;
        }
    }
    int integral = 1;
    if (ps->p < ps->end && *ps->p == '.') {
        integral = 0;
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return perr(ps, "bad number: digits expected after '.'");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integral = 0;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return perr(ps, "bad number: digits expected in the exponent");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    v->t = J_NUM;
    v->is_int = 0;
    if (integral && !overflow) {
        if (!neg && mag <= (uint64_t)INT64_MAX) {
            v->is_int = 1;
            v->i = (int64_t)mag;
        } else if (neg && mag <= (uint64_t)INT64_MAX + 1u) {
            v->is_int = 1;
            v->i = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
        }
    }
    return 0;
}

static int parse_value(parser_t *ps, jv_t *v);

static int push_item(parser_t *ps, jv_t *v, size_t *cap, char *key)
{
    if (v->n >= (v->t == J_OBJ ? JSON_MAX_KEYS : JSON_MAX_ITEMS))
        return perr(ps, v->t == J_OBJ ? "more than 64 keys in an object" : "more than 65536 items in an array");
    if (v->n == *cap) {
        size_t nc = *cap ? *cap * 2u : 4u;
        jv_t *ni = realloc(v->items, nc * sizeof *ni);
        if (!ni) {
            ps->oom = 1;
            return perr(ps, "out of memory");
        }
        v->items = ni;
        if (v->t == J_OBJ) {
            char **nk = realloc(v->keys, nc * sizeof *nk);
            if (!nk) {
                ps->oom = 1;
                return perr(ps, "out of memory");
            }
            v->keys = nk;
        }
        *cap = nc;
    }
    memset(&v->items[v->n], 0, sizeof v->items[v->n]);
    if (v->t == J_OBJ)
        v->keys[v->n] = key;
    v->n++;
    return 0;
}

static int parse_container(parser_t *ps, jv_t *v, int obj)
{
    if (++ps->depth > JSON_MAX_DEPTH)
        return perr(ps, "nested too deeply");
    v->t = obj ? J_OBJ : J_ARR;
    ps->p++;
    size_t cap = 0;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
        ps->p++;
        ps->depth--;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (obj) {
            if (ps->p >= ps->end || *ps->p != '"')
                return perr(ps, "a key (string) expected");
            if (parse_string(ps, &key) != 0)
                return -1;
            for (size_t i = 0; i < v->n; i++) {
                if (strcmp(v->keys[i], key) == 0) {
                    free(key);
                    return perr(ps, "duplicate key");
                }
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                return perr(ps, "':' expected");
            }
            ps->p++;
        }
        if (push_item(ps, v, &cap, key) != 0) {
            free(key);
            return -1;
        }
        if (parse_value(ps, &v->items[v->n - 1u]) != 0)
            return -1;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
            ps->p++;
            ps->depth--;
            /* Give back the room the doubling left over: only open containers hold any. */
            if (cap > v->n) {
                jv_t *ni = realloc(v->items, v->n * sizeof *ni);
                if (ni)
                    v->items = ni;
                if (obj) {
                    char **nk = realloc(v->keys, v->n * sizeof *nk);
                    if (nk)
                        v->keys = nk;
                }
            }
            return 0;
        }
        return perr(ps, obj ? "',' or '}' expected" : "',' or ']' expected");
    }
}

static int parse_lit(parser_t *ps, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n) != 0)
        return perr(ps, "unexpected character");
    ps->p += n;
    return 0;
}

static int parse_value(parser_t *ps, jv_t *v)
{
    skip_ws(ps);
    v->line = ps->line;
    if (ps->p >= ps->end)
        return perr(ps, "unexpected end of input");
    if (++ps->values > ps->max_values)
        return perr(ps, "more values than a cosmosb-schemas document of this size can hold");
    switch (*ps->p) {
    case '{':
        return parse_container(ps, v, 1);
    case '[':
        return parse_container(ps, v, 0);
    case '"':
        v->t = J_STR;
        return parse_string(ps, &v->s);
    case 't':
        v->t = J_BOOL;
        v->b = 1;
        return parse_lit(ps, "true");
    case 'f':
        v->t = J_BOOL;
        return parse_lit(ps, "false");
    case 'n':
        v->t = J_NULL;
        return parse_lit(ps, "null");
    default:
        return parse_number(ps, v);
    }
}

/* ------------------------------------------------------------------------- */
/* Descriptors                                                               */
/* ------------------------------------------------------------------------- */

typedef struct doc_type {
    cosmosb_schema_t s;
    cosmosb_field_t *fields;
    char **strings;   /* owned strings (names, targets) */
    size_t nstrings;
    char *base_name;  /* resolved in the link pass */
    char **struct_names; /* per entry of fields: nested type name (STRUCT) or NULL */
    uint64_t id;
    uint32_t min_size;
    uint32_t nfields;  /* entries, markers included */
    size_t nalloc;     /* entries allocated in fields[] and struct_names[] */
    /* What the document says of each own field, checked against the library. */
    uint32_t *offsets, *sizes, *counts;
    uint32_t nown;
    size_t line;
} doc_type_t;

struct schema_doc {
    doc_type_t *types;
    uint32_t n;
    uint32_t mask;   /* slots - 1 */
    uint32_t *slots; /* index by name: type index + 1, or 0 (open addressing on the type id) */
};

static const char *const kind_names[] = {"?",    "u8",   "u16",   "u32",    "u64", "i8",     "i16",  "i32", "i64",
                                         "f32",  "f64",  "bool",  "enum",   "chars", "struct", "ref", "window",
                                         "since"};

const char *schema_doc_kind_name(uint32_t kind)
{
    return kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

static uint32_t kind_of(const char *name)
{
    for (uint32_t k = 1; k < COSMOSB_FIELD_SINCE; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return 0; /* "since" is not a field kind in the export */
}

/* Alignment of one element of a kind (STRUCT: taken from the nested type in the link pass). */
static uint32_t kind_align(uint32_t kind)
{
    switch (kind) {
    case COSMOSB_FIELD_U8:
    case COSMOSB_FIELD_I8:
    case COSMOSB_FIELD_BOOL:
    case COSMOSB_FIELD_CHARS:
        return 1;
    case COSMOSB_FIELD_U16:
    case COSMOSB_FIELD_I16:
        return 2;
    case COSMOSB_FIELD_U32:
    case COSMOSB_FIELD_I32:
    case COSMOSB_FIELD_F32:
    case COSMOSB_FIELD_ENUM:
    case COSMOSB_FIELD_REF:
        return 4;
    default:
        return 8;
    }
}

static const jv_t *get(const jv_t *obj, const char *key)
{
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

typedef struct bctx {
    char *err;
    size_t err_size;
    int oom;
} bctx_t;

static int berr(bctx_t *b, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int berr(bctx_t *b, size_t line, const char *fmt, ...)
{
    char msg[SCHEMA_DOC_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    set_err(b->err, b->err_size, "line %zu: %s", line, msg);
    return -1;
}

static int get_str(bctx_t *b, const jv_t *obj, const char *key, const char *what, const char **out)
{
    const jv_t *v = get(obj, key);
    *out = "";
    if (!v || v->t != J_STR)
        return berr(b, obj->line, "%s: \"%s\" must be a string", what, key);
    *out = v->s;
    return 0;
}

static int get_int(bctx_t *b, const jv_t *obj, const char *key, const char *what, int64_t lo, int64_t hi,
                   int64_t *out)
{
    const jv_t *v = get(obj, key);
    if (!v || v->t != J_NUM || !v->is_int)
        return berr(b, obj->line, "%s: \"%s\" must be an integer", what, key);
    if (v->i < lo || v->i > hi)
        return berr(b, v->line, "%s: \"%s\" = %lld is out of range [%lld, %lld]", what, key, (long long)v->i,
                    (long long)lo, (long long)hi);
    *out = v->i;
    return 0;
}

static int parse_id(const char *s, uint64_t *out)
{
    if (strlen(s) != 18 || s[0] != '0' || s[1] != 'x')
        return -1;
    uint64_t v = 0;
    for (int i = 2; i < 18; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint64_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint64_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static char *keep(bctx_t *b, doc_type_t *t, const char *s)
{
    char *c = strdup(s);
    char **ns = c ? realloc(t->strings, (t->nstrings + 1u) * sizeof *ns) : NULL;
    if (!ns) {
        free(c);
        b->oom = 1;
        set_err(b->err, b->err_size, "out of memory");
        return NULL;
    }
    t->strings = ns;
    t->strings[t->nstrings++] = c;
    return c;
}

static void type_free(doc_type_t *t)
{
    for (size_t i = 0; i < t->nstrings; i++)
        free(t->strings[i]);
    free(t->strings);
    if (t->struct_names)
        for (size_t i = 0; i < t->nalloc; i++)
            free(t->struct_names[i]);
    free(t->struct_names);
    free(t->base_name);
    free(t->fields);
    free(t->offsets);
    free(t->sizes);
    free(t->counts);
}

#define U32_MAXV ((int64_t)UINT32_MAX)

/* One type object: everything but the links (base, nested types). */
static int build_type(bctx_t *b, const jv_t *o, doc_type_t *t)
{
    const char *name = "", *ids = "";
    int64_t version, size, align, min_size;
    t->line = o->line;
    if (o->t != J_OBJ)
        return berr(b, o->line, "a type must be an object");
    if (get_str(b, o, "name", "type", &name) != 0)
        return -1;
    if (!*name)
        return berr(b, o->line, "type: empty name");
    char what[200];
    snprintf(what, sizeof what, "type %.150s", name);
    if (get_str(b, o, "id", what, &ids) != 0 || get_int(b, o, "version", what, 1, U32_MAXV, &version) != 0 ||
        get_int(b, o, "size", what, 1, COSMOSB_SCHEMA_MAX_SIZE, &size) != 0 ||
        get_int(b, o, "align", what, 1, 64, &align) != 0 ||
        get_int(b, o, "min_size", what, 0, COSMOSB_SCHEMA_MAX_SIZE, &min_size) != 0)
        return -1;
    if (parse_id(ids, &t->id) != 0)
        return berr(b, o->line, "%s: \"id\" must be \"0x\" and 16 hex digits", what);
    if (t->id != cosmosb_schema_id_of(name))
        return berr(b, o->line, "%s: id %s is not the FNV-1a 64 hash of the name (0x%016llx)", what, ids,
                    (unsigned long long)cosmosb_schema_id_of(name));
    const jv_t *base = get(o, "base");
    if (!base || (base->t != J_NULL && base->t != J_STR))
        return berr(b, o->line, "%s: \"base\" must be null or a type name", what);
    const jv_t *fields = get(o, "fields");
    if (!fields || fields->t != J_ARR)
        return berr(b, o->line, "%s: \"fields\" must be an array", what);
    if (fields->n > 65536u)
        return berr(b, o->line, "%s: too many fields", what);

    if (!(t->s.name = keep(b, t, name)))
        return -1;
    t->s.version = (uint32_t)version;
    t->s.size = (uint32_t)size;
    t->s.align = (uint32_t)align;
    t->min_size = (uint32_t)min_size;
    if (base->t == J_STR && !(t->base_name = strdup(base->s))) {
        b->oom = 1;
        set_err(b->err, b->err_size, "out of memory");
        return -1;
    }
    /* At most one SINCE marker before each field. */
    size_t max_entries = fields->n * 2u + 1u;
    t->fields = calloc(max_entries, sizeof *t->fields);
    t->struct_names = calloc(max_entries, sizeof *t->struct_names);
    t->nalloc = t->struct_names ? max_entries : 0;
    t->offsets = calloc(fields->n + 1u, sizeof *t->offsets);
    t->sizes = calloc(fields->n + 1u, sizeof *t->sizes);
    t->counts = calloc(fields->n + 1u, sizeof *t->counts);
    if (!t->fields || !t->struct_names || !t->offsets || !t->sizes || !t->counts) {
        b->oom = 1;
        set_err(b->err, b->err_size, "out of memory");
        return -1;
    }
    uint32_t since = 1, e = 0;
    for (size_t i = 0; i < fields->n; i++) {
        const jv_t *f = &fields->items[i];
        const char *fname = "", *kname = "";
        int64_t off, fsize, count, fsince;
        if (f->t != J_OBJ)
            return berr(b, f->line, "%s: a field must be an object", what);
        if (get_str(b, f, "name", what, &fname) != 0)
            return -1;
        char fwhat[400];
        snprintf(fwhat, sizeof fwhat, "%s, field %.150s", what, fname);
        if (!*fname)
            return berr(b, f->line, "%s: empty field name", what);
        if (get_str(b, f, "kind", fwhat, &kname) != 0 ||
            get_int(b, f, "offset", fwhat, 0, COSMOSB_SCHEMA_MAX_SIZE, &off) != 0 ||
            get_int(b, f, "size", fwhat, 1, COSMOSB_SCHEMA_MAX_SIZE, &fsize) != 0 ||
            get_int(b, f, "count", fwhat, 1, COSMOSB_SCHEMA_MAX_SIZE, &count) != 0 ||
            get_int(b, f, "since", fwhat, 1, version, &fsince) != 0)
            return -1;
        uint32_t kind = kind_of(kname);
        if (kind == 0)
            return berr(b, f->line, "%s: unknown kind \"%s\"", fwhat, kname);
        if (fsize % count != 0)
            return berr(b, f->line, "%s: size %lld is not a multiple of count %lld", fwhat, (long long)fsize,
                        (long long)count);
        if ((uint32_t)fsince < since)
            return berr(b, f->line, "%s: \"since\" went down (fields are appended in version order)", fwhat);
        if ((uint32_t)fsince > since) {
            since = (uint32_t)fsince;
            cosmosb_field_t *m = &t->fields[e++];
            m->kind = COSMOSB_FIELD_SINCE;
            m->count = since;
            m->elem_align = 1;
        }
        cosmosb_field_t *d = &t->fields[e];
        if (!(d->name = keep(b, t, fname)))
            return -1;
        d->kind = kind;
        d->count = (uint32_t)count;
        d->elem_size = (uint32_t)(fsize / count);
        d->elem_align = kind_align(kind);
        switch (kind) {
        case COSMOSB_FIELD_ENUM: {
            int64_t lo, hi;
            if (get_int(b, f, "min", fwhat, INT32_MIN, INT32_MAX, &lo) != 0 ||
                get_int(b, f, "max", fwhat, INT32_MIN, INT32_MAX, &hi) != 0)
                return -1;
            d->min = lo;
            d->max = hi;
            break;
        }
        case COSMOSB_FIELD_STRUCT: {
            const char *tn = "";
            if (get_str(b, f, "type", fwhat, &tn) != 0)
                return -1;
            if (!(t->struct_names[e] = strdup(tn))) {
                b->oom = 1;
                set_err(b->err, b->err_size, "out of memory");
                return -1;
            }
            break;
        }
        case COSMOSB_FIELD_REF: {
            const jv_t *tg = get(f, "target");
            const char *tid = "";
            uint64_t id;
            if (!tg || (tg->t != J_NULL && tg->t != J_STR))
                return berr(b, f->line, "%s: \"target\" must be null or a type name", fwhat);
            if (get_str(b, f, "target_id", fwhat, &tid) != 0)
                return -1;
            if (parse_id(tid, &id) != 0)
                return berr(b, f->line, "%s: \"target_id\" must be \"0x\" and 16 hex digits", fwhat);
            if (tg->t == J_STR && *tg->s) {
                if (!(d->target = keep(b, t, tg->s)))
                    return -1;
                if (id != cosmosb_schema_id_of(tg->s))
                    return berr(b, f->line, "%s: target_id is not the id of \"%s\"", fwhat, tg->s);
            } else if (id != 0) {
                return berr(b, f->line, "%s: a reference to any type has target_id 0", fwhat);
            }
            break;
        }
        case COSMOSB_FIELD_WINDOW: {
            int64_t rights;
            if (get_int(b, f, "rights", fwhat, 0, U32_MAXV, &rights) != 0)
                return -1;
            d->rights = (uint32_t)rights;
            break;
        }
        default:
            break;
        }
        t->offsets[t->nown] = (uint32_t)off;
        t->sizes[t->nown] = (uint32_t)fsize;
        t->counts[t->nown] = (uint32_t)count;
        t->nown++;
        e++;
    }
    t->nfields = e;
    t->s.fields = t->fields;
    t->s.field_count = e;
    return 0;
}

/*
 * The index of the types by name: a hash table on the type id (the names' FNV-1a hash). Review 20:
 * names were made unique by comparing every pair and each link looked its type up in the whole list,
 * so 65,536 types took 46 s. Returns 0, -2 (out of memory), or the index + 1 of a type whose name
 * an earlier type already has.
 */
static long index_build(schema_doc_t *doc)
{
    uint32_t cap = 2;
    while (cap < 2u * doc->n)
        cap <<= 1;
    doc->slots = calloc(cap, sizeof *doc->slots);
    if (!doc->slots)
        return -2;
    doc->mask = cap - 1u;
    for (uint32_t i = 0; i < doc->n; i++) {
        uint32_t h = (uint32_t)(doc->types[i].id ^ (doc->types[i].id >> 32)) & doc->mask;
        for (;; h = (h + 1u) & doc->mask) {
            uint32_t e = doc->slots[h];
            if (e == 0) {
                doc->slots[h] = i + 1u;
                break;
            }
            if (strcmp(doc->types[e - 1u].s.name, doc->types[i].s.name) == 0)
                return (long)i + 1;
        }
    }
    return 0;
}

/* A type by name, through the index (built by link_and_check before any lookup: every document
 * handed out went through it). */
static doc_type_t *find_type(const schema_doc_t *doc, const char *name)
{
    uint64_t id = cosmosb_schema_id_of(name);
    for (uint32_t h = (uint32_t)(id ^ (id >> 32)) & doc->mask;; h = (h + 1u) & doc->mask) {
        uint32_t e = doc->slots[h];
        if (e == 0)
            return NULL;
        if (strcmp(doc->types[e - 1u].s.name, name) == 0)
            return &doc->types[e - 1u];
    }
}

/*
 * Verifies a type's layout from its own fields alone, with the declared
 * sizes of its base and nested types: offsets, size and alignment by the C
 * rule. Done for every type before cosmosb_schema_check() recurses, so the
 * recursion only ever sees consistent sizes (the nested types of a type fit
 * in it, which bounds the whole walk by the type's bytes).
 */
static int verify_layout(bctx_t *b, const doc_type_t *t)
{
    uint64_t cur = t->s.base ? t->s.base->size : 0u;
    uint32_t align = t->s.base ? t->s.base->align : 1u;
    uint32_t own = 0;
    for (uint32_t i = 0; i < t->nfields; i++) {
        const cosmosb_field_t *f = &t->fields[i];
        if (f->kind == COSMOSB_FIELD_SINCE)
            continue;
        uint32_t a = f->elem_align;
        if (a == 0 || (a & (a - 1u)) || a > 64u)
            return berr(b, t->line, "type %s, field %s: bad alignment %u", t->s.name, f->name, a);
        cur = (cur + a - 1u) & ~(uint64_t)(a - 1u);
        if (cur != t->offsets[own])
            return berr(b, t->line, "type %s, field %s: offset %u, but the C layout puts it at %llu", t->s.name,
                        f->name, t->offsets[own], (unsigned long long)cur);
        cur += (uint64_t)f->elem_size * f->count;
        if (cur > COSMOSB_SCHEMA_MAX_SIZE)
            return berr(b, t->line, "type %s: larger than %u bytes", t->s.name, COSMOSB_SCHEMA_MAX_SIZE);
        if (a > align)
            align = a;
        own++;
    }
    uint64_t size = (cur + align - 1u) & ~(uint64_t)(align - 1u);
    if (size != t->s.size || align != t->s.align)
        return berr(b, t->line, "type %s: size %u / align %u, but its fields give %llu / %u", t->s.name, t->s.size,
                    t->s.align, (unsigned long long)size, align);
    return 0;
}

static int link_and_check(bctx_t *b, schema_doc_t *doc)
{
    /* Names are unique (and indexed for the links). */
    long dup = index_build(doc);
    if (dup == -2) {
        b->oom = 1;
        set_err(b->err, b->err_size, "out of memory");
        return -1;
    }
    if (dup > 0)
        return berr(b, doc->types[dup - 1].line, "type %s appears twice", doc->types[dup - 1].s.name);
    /* Links by name. */
    for (uint32_t i = 0; i < doc->n; i++) {
        doc_type_t *t = &doc->types[i];
        if (t->base_name) {
            doc_type_t *bt = find_type(doc, t->base_name);
            if (!bt)
                return berr(b, t->line, "type %s: base %s is not in the document", t->s.name, t->base_name);
            if (bt == t)
                return berr(b, t->line, "type %s derives from itself", t->s.name);
            t->s.base = &bt->s;
        }
        for (uint32_t k = 0; k < t->nfields; k++) {
            if (!t->struct_names[k])
                continue;
            doc_type_t *nt = find_type(doc, t->struct_names[k]);
            if (!nt)
                return berr(b, t->line, "type %s, field %s: type %s is not in the document", t->s.name,
                            t->fields[k].name, t->struct_names[k]);
            if (nt == t)
                return berr(b, t->line, "type %s, field %s: a type cannot contain itself", t->s.name,
                            t->fields[k].name);
            if (t->fields[k].elem_size != nt->s.size)
                return berr(b, t->line, "type %s, field %s: element size %u is not the size of %s (%u)", t->s.name,
                            t->fields[k].name, t->fields[k].elem_size, nt->s.name, nt->s.size);
            t->fields[k].type = &nt->s;
            t->fields[k].elem_align = nt->s.align;
        }
    }
    for (uint32_t i = 0; i < doc->n; i++)
        if (verify_layout(b, &doc->types[i]) != 0)
            return -1;
    /* Now the library's own check and computation must agree with the document. */
    for (uint32_t i = 0; i < doc->n; i++) {
        doc_type_t *t = &doc->types[i];
        if (cosmosb_schema_check(&t->s) != COSMOSB_OK)
            return berr(b, t->line,
                        "type %s: cosmosb_schema_check() refuses the descriptor (a kind's size, an enum range, "
                        "window rights, SINCE versions, derivation depth or nesting)",
                        t->s.name);
        if (cosmosb_schema_min_size(&t->s) != t->min_size)
            return berr(b, t->line, "type %s: min_size %u, but the fields give %u", t->s.name, t->min_size,
                        cosmosb_schema_min_size(&t->s));
        if (cosmosb_schema_field_count(&t->s) != t->nown)
            return berr(b, t->line, "type %s: field count mismatch", t->s.name);
        for (uint32_t k = 0; k < t->nown; k++) {
            cosmosb_field_info_t fi;
            if (cosmosb_schema_field(&t->s, k, &fi) != COSMOSB_OK || fi.offset != t->offsets[k] ||
                fi.size != t->sizes[k] || fi.count != t->counts[k])
                return berr(b, t->line, "type %s: field %u does not match the library's layout", t->s.name, k);
        }
    }
    return 0;
}

void schema_doc_free(schema_doc_t *doc)
{
    if (!doc)
        return;
    for (uint32_t i = 0; i < doc->n; i++)
        type_free(&doc->types[i]);
    free(doc->types);
    free(doc->slots);
    free(doc);
}

int schema_doc_parse(const char *json, size_t len, schema_doc_t **out, char *err, size_t err_size)
{
    if (err && err_size)
        err[0] = '\0';
    if (!json || !out) {
        set_err(err, err_size, "no input");
        return -1;
    }
    *out = NULL;
    parser_t ps = {json, json + len, 1, json, 0, 0, err, err_size, 0, len / JSON_BYTES_PER_VALUE + 64u};
    /* A UTF-8 byte order mark is tolerated. */
    if (len >= 3 && memcmp(json, "\xEF\xBB\xBF", 3) == 0)
        ps.p += 3;
    jv_t root;
    memset(&root, 0, sizeof root);
    int rc = parse_value(&ps, &root);
    if (rc == 0) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            rc = perr(&ps, "trailing characters after the document");
    }
    if (rc != 0) {
        jv_free(&root);
        return ps.oom ? -2 : -1;
    }
    bctx_t b = {err, err_size, 0};
    schema_doc_t *doc = NULL;
    const jv_t *fmt, *ver, *types;
    if (root.t != J_OBJ) {
        rc = berr(&b, root.line, "the document must be an object");
        goto done;
    }
    fmt = get(&root, "format");
    ver = get(&root, "format_version");
    types = get(&root, "types");
    if (!fmt || fmt->t != J_STR || strcmp(fmt->s, "cosmosb-schemas") != 0) {
        rc = berr(&b, root.line, "not a cosmosb-schemas document (\"format\" must be \"cosmosb-schemas\")");
        goto done;
    }
    if (!ver || ver->t != J_NUM || !ver->is_int || ver->i != 1) {
        rc = berr(&b, root.line, "unsupported \"format_version\" (this reader knows 1)");
        goto done;
    }
    if (!types || types->t != J_ARR) {
        rc = berr(&b, root.line, "\"types\" must be an array");
        goto done;
    }
    if (types->n > 65536u) {
        rc = berr(&b, types->line, "too many types");
        goto done;
    }
    doc = calloc(1, sizeof *doc);
    if (!doc || !(doc->types = calloc(types->n + 1u, sizeof *doc->types))) {
        b.oom = 1;
        rc = -1;
        set_err(err, err_size, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < types->n; i++) {
        doc->n++;
        if ((rc = build_type(&b, &types->items[i], &doc->types[i])) != 0)
            goto done;
    }
    rc = link_and_check(&b, doc);
done:
    jv_free(&root);
    if (rc != 0) {
        schema_doc_free(doc);
        return b.oom ? -2 : -1;
    }
    *out = doc;
    return 0;
}

int schema_doc_load(const char *path, schema_doc_t **out, char *err, size_t err_size)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        set_err(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        if (f != stdin)
            fclose(f);
        set_err(err, err_size, "out of memory");
        return -2;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= JSON_MAX_FILE) {
                free(buf);
                if (f != stdin)
                    fclose(f);
                set_err(err, err_size, "%s: larger than %u MiB", path, JSON_MAX_FILE >> 20);
                return -1;
            }
            char *nb = realloc(buf, cap * 2u);
            if (!nb) {
                free(buf);
                if (f != stdin)
                    fclose(f);
                set_err(err, err_size, "out of memory");
                return -2;
            }
            buf = nb;
            cap *= 2u;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(buf);
        set_err(err, err_size, "%s: read error", path);
        return -1;
    }
    char msg[SCHEMA_DOC_ERR_MAX];
    int rc = schema_doc_parse(buf, n, out, msg, sizeof msg);
    free(buf);
    if (rc != 0)
        set_err(err, err_size, "%s: %s", path, msg);
    return rc;
}

uint32_t schema_doc_count(const schema_doc_t *doc)
{
    return doc ? doc->n : 0u;
}

const cosmosb_schema_t *schema_doc_at(const schema_doc_t *doc, uint32_t index)
{
    return doc && index < doc->n ? &doc->types[index].s : NULL;
}

const cosmosb_schema_t *schema_doc_find(const schema_doc_t *doc, const char *name)
{
    if (!doc || !name)
        return NULL;
    const doc_type_t *t = find_type(doc, name);
    return t ? &t->s : NULL;
}

/* schema_json.c - the registry's types as JSON, for bindings and tools (format in docs/schemas.md). */
#include "core/schema_internal.h"

/* ------------------------------------------------------------------------- */
/* JSON export                                                               */
/* ------------------------------------------------------------------------- */

struct out {
    char *buf;
    size_t size;
    size_t pos; /* bytes the whole document needs so far (may exceed size) */
};

static void put_c(struct out *o, char c)
{
    if (o->buf && o->pos + 1u < o->size)
        o->buf[o->pos] = c;
    o->pos++;
}

static void put_s(struct out *o, const char *s)
{
    while (*s)
        put_c(o, *s++);
}

/* A JSON string with escapes (names are the caller's; escape what JSON requires). */
static void put_q(struct out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put_c(o, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            put_c(o, '\\');
            put_c(o, (char)*p);
        } else if (*p < 0x20u) {
            put_s(o, "\\u00");
            put_c(o, hex[*p >> 4]);
            put_c(o, hex[*p & 15u]);
        } else {
            put_c(o, (char)*p);
        }
    }
    put_c(o, '"');
}

static void put_u64(struct out *o, uint64_t v)
{
    char tmp[21];
    int n = 0;
    /* Division by 10 of a 64-bit value would call a libgcc helper on 32-bit
     * targets; subtract powers of ten instead. */
    static const uint64_t pow10[] = {10000000000000000000ull, 1000000000000000000ull, 100000000000000000ull,
                                     10000000000000000ull,    1000000000000000ull,    100000000000000ull,
                                     10000000000000ull,       1000000000000ull,       100000000000ull,
                                     10000000000ull,          1000000000ull,          100000000ull,
                                     10000000ull,             1000000ull,             100000ull,
                                     10000ull,                1000ull,                100ull,
                                     10ull,                   1ull};
    int started = 0;
    for (unsigned i = 0; i < sizeof pow10 / sizeof pow10[0]; i++) {
        char d = '0';
        while (v >= pow10[i]) {
            v -= pow10[i];
            d++;
        }
        if (d != '0' || started || i + 1u == sizeof pow10 / sizeof pow10[0]) {
            tmp[n++] = d;
            started = 1;
        }
    }
    tmp[n] = '\0';
    put_s(o, tmp);
}

static void put_i64(struct out *o, int64_t v)
{
    if (v < 0) {
        put_c(o, '-');
        put_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(o, (uint64_t)v);
    }
}

static void put_hex64(struct out *o, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    put_s(o, "\"0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        put_c(o, hex[(v >> shift) & 15u]);
    put_c(o, '"');
}

static const char *kind_name(uint32_t kind)
{
    static const char *const names[] = {"?",    "u8",   "u16",  "u32",   "u64",    "i8",
                                        "i16",  "i32",  "i64",  "f32",   "f64",    "bool",
                                        "enum", "chars", "struct", "ref", "window", "since"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static void put_key(struct out *o, const char *key)
{
    put_q(o, key);
    put_c(o, ':');
}

static void put_type(struct out *o, const cosmosb_schema_t *s)
{
    put_s(o, "{");
    put_key(o, "name");
    put_q(o, s->name);
    put_s(o, ",");
    put_key(o, "id");
    put_hex64(o, cosmosb_schema_type_id(s));
    put_s(o, ",");
    put_key(o, "version");
    put_u64(o, s->version);
    put_s(o, ",");
    put_key(o, "size");
    put_u64(o, s->size);
    put_s(o, ",");
    put_key(o, "align");
    put_u64(o, s->align);
    put_s(o, ",");
    put_key(o, "min_size");
    put_u64(o, cosmosb_schema_min_size(s));
    put_s(o, ",");
    put_key(o, "base");
    if (s->base)
        put_q(o, s->base->name);
    else
        put_s(o, "null");
    put_s(o, ",");
    put_key(o, "fields");
    put_s(o, "[");
    uint32_t n = cosmosb_schema_field_count(s);
    for (uint32_t i = 0; i < n; i++) {
        cosmosb_field_info_t fi;
        if (cosmosb_schema_field(s, i, &fi) != COSMOSB_OK)
            break;
        put_s(o, i ? ",\n    {" : "\n    {");
        put_key(o, "name");
        put_q(o, fi.name);
        put_s(o, ",");
        put_key(o, "kind");
        put_q(o, kind_name(fi.kind));
        put_s(o, ",");
        put_key(o, "offset");
        put_u64(o, fi.offset);
        put_s(o, ",");
        put_key(o, "size");
        put_u64(o, fi.size);
        put_s(o, ",");
        put_key(o, "count");
        put_u64(o, fi.count);
        put_s(o, ",");
        put_key(o, "since");
        put_u64(o, fi.since);
        if (fi.kind == COSMOSB_FIELD_ENUM) {
            put_s(o, ",");
            put_key(o, "min");
            put_i64(o, fi.min);
            put_s(o, ",");
            put_key(o, "max");
            put_i64(o, fi.max);
        } else if (fi.kind == COSMOSB_FIELD_STRUCT) {
            put_s(o, ",");
            put_key(o, "type");
            put_q(o, fi.type->name);
        } else if (fi.kind == COSMOSB_FIELD_REF) {
            put_s(o, ",");
            put_key(o, "target");
            if (fi.target)
                put_q(o, fi.target);
            else
                put_s(o, "null");
            put_s(o, ",");
            put_key(o, "target_id");
            put_hex64(o, fi.target_id);
        } else if (fi.kind == COSMOSB_FIELD_WINDOW) {
            put_s(o, ",");
            put_key(o, "rights");
            put_u64(o, fi.rights);
        }
        put_s(o, "}");
    }
    put_s(o, n ? "\n  ]}" : "]}");
}

int cosmosb_schema_registry_json(const cosmosb_schema_registry_t *reg, char *buf, size_t size, size_t *needed)
{
    if (!cosmosb__registry_valid(reg) || (!buf && size))
        return COSMOSB_EINVAL;
    uint32_t count = cosmosb_schema_registry_count(reg);
    struct out o = {buf, size, 0};
    put_s(&o, "{\"format\":\"cosmosb-schemas\",\"format_version\":1,\"types\":[");
    for (uint32_t i = 0; i < count; i++) {
        put_s(&o, i ? ",\n  " : "\n  ");
        put_type(&o, cosmosb_schema_registry_at(reg, i));
    }
    put_s(&o, count ? "\n]}\n" : "]}\n");
    if (needed)
        *needed = o.pos + 1u;
    if (buf && size)
        buf[o.pos < size ? o.pos : size - 1u] = '\0';
    return o.pos < size ? COSMOSB_OK : COSMOSB_EMSGSIZE;
}

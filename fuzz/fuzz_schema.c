/*
 * fuzz_schema.c - fuzz harness: schema descriptors (schema.h) built from
 * input bytes, through cosmosb_schema_check() and, when they pass, every
 * function that trusts a checked descriptor.
 *
 * The input makes up to FUZZ_SCHEMA_TYPES descriptors: names (well-formed or
 * not), versions, field tables (kinds, counts, element sizes and alignments,
 * ENUM ranges, REF targets, WINDOW rights, SINCE markers), bases and nested
 * types pointing at each other (cycles included). In "raw" mode size and
 * alignment come from the input too; in "laid out" mode the harness computes
 * them as a C compiler would and links types only forward, so that many
 * descriptors pass the check. Field tables are malloc'd with exactly
 * field_count entries (ASan). For descriptors that pass: introspection
 * (field_count, field, min_size, is_a), cosmosb_schema_compatible() between
 * pairs, cosmosb_schema_validate() of input bytes over a buffer of exactly
 * the type's size, a registry, its JSON export, and reading the export back
 * with tools/schema_json_read.c, which must accept what the library wrote.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "fuzz_common.h"
#include "schema_json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_SCHEMA_TYPES = 4, FUZZ_SCHEMA_FIELDS = 8, FUZZ_SCHEMA_NAME = 16 };

struct schema_set {
    cosmosb_schema_t type[FUZZ_SCHEMA_TYPES];
    cosmosb_field_t *fields[FUZZ_SCHEMA_TYPES];
    char names[FUZZ_SCHEMA_TYPES * (FUZZ_SCHEMA_FIELDS + 2)][FUZZ_SCHEMA_NAME];
    int nnames;
    int ntypes;
};

static const char *const type_names[] = {"t.A", "t.B", "t.C", "t.D", "t.A", ""};
static const char *const field_names[] = {"a", "b", "c", "base", "x1", ""};

/* A name: a usual one, or input bytes (maybe not UTF-8), or NULL. */
static const char *pick_name(struct schema_set *s, struct fuzz_input *in, const char *const *usual, size_t nusual)
{
    uint8_t k = fuzz_u8(in);
    if (k < 0xe0)
        return usual[k % nusual];
    if (k == 0xff || s->nnames >= (int)(sizeof s->names / sizeof s->names[0]))
        return NULL;
    char *n = s->names[s->nnames++];
    size_t len = fuzz_u8(in) % FUZZ_SCHEMA_NAME;
    fuzz_bytes(in, n, len);
    n[len] = '\0';
    return n;
}

static void canonical_size(uint32_t kind, uint32_t *size, uint32_t *align)
{
    static const uint8_t sz[] = {0, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 1, 4, 1, 0, 16, 40, 0};
    static const uint8_t al[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 1, 4, 1, 1, 4, 8, 1};
    *size = kind < sizeof sz ? sz[kind] : 1;
    *align = kind < sizeof al ? al[kind] : 1;
}

static uint32_t round_up(uint32_t v, uint32_t a)
{
    return a ? (v + a - 1u) / a * a : v;
}

static void build(struct schema_set *s, struct fuzz_input *in)
{
    memset(s, 0, sizeof *s);
    uint8_t mode = fuzz_u8(in);
    int laid_out = mode & 1;
    s->ntypes = 1 + (mode >> 1) % FUZZ_SCHEMA_TYPES;
    /* Laid out: build from the last type to the first, linking only forward. */
    for (int t = s->ntypes - 1; t >= 0; t--) {
        cosmosb_schema_t *ty = &s->type[t];
        ty->name = pick_name(s, in, type_names, sizeof type_names / sizeof type_names[0]);
        ty->version = 1u + fuzz_u8(in) % 4u;
        uint8_t b = fuzz_u8(in);
        int base = b % (FUZZ_SCHEMA_TYPES + 2);
        if (base < FUZZ_SCHEMA_TYPES && base < s->ntypes && (!laid_out || base > t))
            ty->base = &s->type[base];
        uint32_t n = fuzz_u8(in) % (FUZZ_SCHEMA_FIELDS + 1);
        s->fields[t] = n ? calloc(n, sizeof(cosmosb_field_t)) : NULL;
        ty->fields = s->fields[t];
        ty->field_count = n;
        if (n && (b & 0x80) && !laid_out) { /* a count without a table */
            ty->fields = NULL;
        }
        uint32_t offset = ty->base ? ty->base->size : 0, align = ty->base ? ty->base->align : 1;
        uint32_t since = 1;
        for (uint32_t i = 0; i < n; i++) {
            cosmosb_field_t *f = &s->fields[t][i];
            uint8_t k = fuzz_u8(in);
            f->kind = k < 0xf0 ? 1u + k % 17u : fuzz_nasty_u32(in);
            f->name = f->kind == COSMOSB_FIELD_SINCE ? NULL
                                                     : pick_name(s, in, field_names, sizeof field_names / sizeof field_names[0]);
            uint8_t c = fuzz_u8(in);
            f->count = c < 0xf0 ? 1u + c % 4u : fuzz_nasty_u32(in);
            canonical_size(f->kind, &f->elem_size, &f->elem_align);
            if (f->kind == COSMOSB_FIELD_CHARS) {
                f->elem_size = 1u + fuzz_u8(in) % 24u;
                f->count = 1;
            }
            if (f->kind == COSMOSB_FIELD_STRUCT) {
                int nt = fuzz_u8(in) % (FUZZ_SCHEMA_TYPES + 1);
                if (nt < s->ntypes && (!laid_out || nt > t)) {
                    f->type = &s->type[nt];
                    f->elem_size = f->type->size;
                    f->elem_align = f->type->align;
                }
            }
            if (f->kind == COSMOSB_FIELD_ENUM) {
                f->min = (int8_t)fuzz_u8(in);
                f->max = f->min + fuzz_u8(in) % 8;
                if (fuzz_u8(in) == 0xff) {
                    f->min = (int64_t)fuzz_u64(in);
                    f->max = (int64_t)fuzz_u64(in);
                }
            }
            if (f->kind == COSMOSB_FIELD_REF)
                f->target = pick_name(s, in, type_names, sizeof type_names / sizeof type_names[0]);
            if (f->kind == COSMOSB_FIELD_WINDOW)
                f->rights = fuzz_u8(in) & 0x80 ? fuzz_u32(in) : fuzz_u8(in) & 3u;
            if (f->kind == COSMOSB_FIELD_SINCE) {
                since += fuzz_u8(in) % 3u;
                f->count = since;
                f->elem_size = 0;
                f->elem_align = 0;
                continue;
            }
            if (!laid_out) {
                uint8_t r = fuzz_u8(in);
                if (r & 1)
                    f->elem_size = fuzz_u8(in) & 1 ? fuzz_nasty_u32(in) : fuzz_u8(in);
                if (r & 2)
                    f->elem_align = fuzz_u8(in) & 1 ? fuzz_nasty_u32(in) : fuzz_u8(in);
                continue;
            }
            if (f->count > 64)
                f->count = 1;
            uint32_t ea = f->elem_align ? f->elem_align : 1;
            offset = round_up(offset, ea) + f->elem_size * f->count;
            if (ea > align)
                align = ea;
        }
        if (laid_out) {
            ty->align = align;
            ty->size = round_up(offset, align);
            if (ty->version < since)
                ty->version = since;
        } else {
            ty->align = fuzz_u8(in) & 1 ? 1u << (fuzz_u8(in) % 6u) : fuzz_nasty_u32(in);
            ty->size = fuzz_u8(in) & 1 ? fuzz_u16(in) : fuzz_nasty_u32(in);
        }
    }
}

static void exercise_checked(struct schema_set *s, struct fuzz_input *in, int t)
{
    const cosmosb_schema_t *ty = &s->type[t];
    uint32_t n = cosmosb_schema_field_count(ty);
    for (uint32_t i = 0; i <= n; i++) {
        cosmosb_field_info_t fi;
        int rc = cosmosb_schema_field(ty, i, &fi);
        FUZZ_CHECK_RESULT(rc, "schema_field");
        if (rc == COSMOSB_OK)
            FUZZ_CHECK(fi.offset <= ty->size && fi.size <= ty->size - fi.offset, "field %u at %u+%u outside %u", i,
                       fi.offset, fi.size, ty->size);
    }
    uint32_t min = cosmosb_schema_min_size(ty);
    FUZZ_CHECK(min <= ty->size, "min_size %u > size %u", min, ty->size);
    /* validation of input bytes over exactly the struct's size */
    uint8_t *bytes = malloc(ty->size ? ty->size : 1);
    fuzz_bytes(in, bytes, ty->size);
    uint32_t present = fuzz_u8(in) & 1 ? ty->size : fuzz_u16(in) % (ty->size + 1u);
    cosmosb_validate_error_t err;
    int rc = cosmosb_schema_validate(ty, bytes, present, NULL, &err);
    FUZZ_CHECK(rc == COSMOSB_OK || rc == COSMOSB_EBADMSG, "validate returned %d", rc);
    if (rc == COSMOSB_EBADMSG)
        FUZZ_CHECK(err.reason > 0 && err.reason < COSMOSB_REJECT_COUNT && err.offset <= ty->size,
                   "validate: reason %u offset %u", err.reason, err.offset);
    free(bytes);
}

static void exercise_registry(struct schema_set *s, const int *ok)
{
    size_t rs = cosmosb_schema_registry_memsize(FUZZ_SCHEMA_TYPES * 4);
    void *mem = malloc(rs);
    cosmosb_schema_registry_t *reg = NULL;
    int rc = cosmosb_schema_registry_init(mem, rs, FUZZ_SCHEMA_TYPES * 4, &reg);
    FUZZ_CHECK(rc == COSMOSB_OK, "registry_init %d", rc);
    for (int t = 0; t < s->ntypes; t++)
        if (ok[t])
            FUZZ_CHECK_RESULT(cosmosb_schema_registry_add(reg, &s->type[t]), "registry_add");
    size_t needed = 0;
    rc = cosmosb_schema_registry_json(reg, NULL, 0, &needed);
    FUZZ_CHECK_RESULT(rc, "registry_json (size)");
    if (needed) {
        char *json = malloc(needed);
        rc = cosmosb_schema_registry_json(reg, json, needed, &needed);
        FUZZ_CHECK(rc == COSMOSB_OK, "registry_json into %zu bytes: %d", needed, rc);
        schema_doc_t *doc = NULL;
        char err[SCHEMA_DOC_ERR_MAX];
        size_t len = strnlen(json, needed);
        rc = schema_doc_parse(json, len, &doc, err, sizeof err);
        FUZZ_CHECK(rc == 0, "the reader refuses the library's export (%s):\n%.*s", err, (int)len, json);
        FUZZ_CHECK(schema_doc_count(doc) == cosmosb_schema_registry_count(reg), "%u types read back, %u exported",
                   schema_doc_count(doc), cosmosb_schema_registry_count(reg));
        schema_doc_free(doc);
        free(json);
    }
    free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in;
    static struct schema_set s;
    fuzz_input_init(&in, data, size);
    build(&s, &in);
    int ok[FUZZ_SCHEMA_TYPES] = {0};
    for (int t = 0; t < s.ntypes; t++) {
        int rc = cosmosb_schema_check(&s.type[t]);
        FUZZ_CHECK(rc == COSMOSB_OK || rc == COSMOSB_EINVAL, "schema_check returned %d", rc);
        ok[t] = rc == COSMOSB_OK;
        (void)cosmosb_schema_type_id(&s.type[t]);
    }
    for (int t = 0; t < s.ntypes; t++)
        if (ok[t])
            exercise_checked(&s, &in, t);
    for (int a = 0; a < s.ntypes; a++)
        for (int b = 0; b < s.ntypes; b++) {
            if (!ok[a] || !ok[b])
                continue;
            char reason[COSMOSB_SCHEMA_REASON_MAX] = "";
            int rc = cosmosb_schema_compatible(&s.type[a], &s.type[b], reason, sizeof reason);
            FUZZ_CHECK(rc == COSMOSB_OK || rc == COSMOSB_EINCOMPAT, "compatible returned %d", rc);
            FUZZ_CHECK(strnlen(reason, sizeof reason) < sizeof reason, "reason not terminated");
            (void)cosmosb_schema_is_a(&s.type[a], &s.type[b]);
        }
    exercise_registry(&s, ok);
    for (int t = 0; t < FUZZ_SCHEMA_TYPES; t++)
        free(s.fields[t]);
    return 0;
}

/*
 * test_schema_json: the JSON export read back by tools/schema_json_read.c.
 *
 *  1. Round trip: the types of examples/schemas/demo_types.h are registered
 *     and exported; the reader rebuilds descriptors that pass
 *     cosmosb_schema_check(), are compatible with the originals both ways,
 *     have the same ids, sizes, alignments, minimum sizes and the same
 *     fields (name, kind, offset, size, count, since, rules); exporting the
 *     rebuilt descriptors gives the same document byte for byte; messages
 *     validate the same way against either.
 *  2. Robustness: every prefix of the document, and many single-byte
 *     corruptions of it, are either refused with a message or (rarely, when
 *     the corruption keeps it consistent) accepted as descriptors that pass
 *     cosmosb_schema_check(); never a crash (ASan builds check the rest).
 *  3. Specific refusals: inconsistent offsets, a wrong id, an unknown kind,
 *     cycles, a missing nested type, duplicate keys, deep nesting.
 *
 * `test_schema_json --export FILE` only writes the JSON of the types (for
 * tests/test_cli.sh).
 *
 * Exit status 0 if every check passed; each failure is printed.
 */
#include "demo_types.h"
#include "schema_json_read.h"

#include <cosmosb/error.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                      \
    do {                                                      \
        if (!(cond)) {                                        \
            failures++;                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                     \
            fprintf(stderr, "\n");                            \
        }                                                     \
    } while (0)

static const cosmosb_schema_t *const all_types[] = {&demo_order_schema, &demo_limit_order_schema, &demo_quote_schema,
                                                    &demo_route_schema, &demo_point_schema};
#define NTYPES (sizeof all_types / sizeof all_types[0])

static char *export_json(const cosmosb_schema_t *const *types, size_t n)
{
    static uint64_t mem[4096];
    cosmosb_schema_registry_t *reg;
    if (cosmosb_schema_registry_init(mem, sizeof mem, 64, &reg) != COSMOSB_OK)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (cosmosb_schema_registry_add(reg, types[i]) != COSMOSB_OK)
            return NULL;
    size_t need = 0;
    if (cosmosb_schema_registry_json(reg, NULL, 0, &need) != COSMOSB_EMSGSIZE)
        return NULL;
    char *json = malloc(need);
    if (json && cosmosb_schema_registry_json(reg, json, need, NULL) != COSMOSB_OK) {
        free(json);
        return NULL;
    }
    return json;
}

static int same_str(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static void compare_types(const cosmosb_schema_t *o, const cosmosb_schema_t *r)
{
    char reason[COSMOSB_SCHEMA_REASON_MAX];
    CHECK(cosmosb_schema_check(r) == COSMOSB_OK, "%s: rebuilt descriptor fails cosmosb_schema_check", o->name);
    CHECK(cosmosb_schema_type_id(o) == cosmosb_schema_type_id(r), "%s: id differs", o->name);
    CHECK(o->version == r->version && o->size == r->size && o->align == r->align, "%s: version/size/align differ",
          o->name);
    CHECK(cosmosb_schema_min_size(o) == cosmosb_schema_min_size(r), "%s: min_size differs", o->name);
    CHECK(!o->base == !r->base && (!o->base || strcmp(o->base->name, r->base->name) == 0), "%s: base differs",
          o->name);
    int rc = cosmosb_schema_compatible(o, r, reason, sizeof reason);
    CHECK(rc == COSMOSB_OK, "%s: original -> rebuilt incompatible: %s", o->name, reason);
    rc = cosmosb_schema_compatible(r, o, reason, sizeof reason);
    CHECK(rc == COSMOSB_OK, "%s: rebuilt -> original incompatible: %s", o->name, reason);
    uint32_t n = cosmosb_schema_field_count(o);
    CHECK(n == cosmosb_schema_field_count(r), "%s: field count differs", o->name);
    for (uint32_t k = 0; k < n; k++) {
        cosmosb_field_info_t a, b;
        CHECK(cosmosb_schema_field(o, k, &a) == COSMOSB_OK && cosmosb_schema_field(r, k, &b) == COSMOSB_OK,
              "%s: field %u", o->name, k);
        CHECK(same_str(a.name, b.name) && a.kind == b.kind && a.offset == b.offset && a.size == b.size &&
                  a.count == b.count && a.since == b.since && a.rights == b.rights && a.min == b.min &&
                  a.max == b.max && same_str(a.target, b.target) && a.target_id == b.target_id,
              "%s: field %s differs", o->name, a.name);
        CHECK(!a.type == !b.type && (!a.type || strcmp(a.type->name, b.type->name) == 0),
              "%s: field %s nested type differs", o->name, a.name);
    }
}

/* Validation gives the same verdict with the original and the rebuilt descriptor. */
static void compare_validation(const cosmosb_schema_t *o, const cosmosb_schema_t *r)
{
    unsigned char buf[512];
    if (o->size > sizeof buf)
        return;
    unsigned seed = 12345u;
    for (int trial = 0; trial < 2000; trial++) {
        memset(buf, 0, sizeof buf);
        /* Mostly-valid messages: zeros with a few random bytes. */
        for (int j = 0; j < 3; j++) {
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 8) % o->size] = (unsigned char)(seed >> 20);
        }
        seed = seed * 1103515245u + 12345u;
        uint32_t present = trial & 1 ? o->size : (uint32_t)((seed >> 8) % (o->size + 1u));
        cosmosb_validate_error_t ea, eb;
        int ra = cosmosb_schema_validate(o, buf, present, NULL, &ea);
        int rb = cosmosb_schema_validate(r, buf, present, NULL, &eb);
        CHECK(ra == rb && ea.reason == eb.reason && ea.offset == eb.offset, "%s: validation differs (trial %d)",
              o->name, trial);
    }
}

static void test_round_trip(const char *json)
{
    schema_doc_t *doc = NULL;
    char err[SCHEMA_DOC_ERR_MAX];
    int rc = schema_doc_parse(json, strlen(json), &doc, err, sizeof err);
    CHECK(rc == 0, "parse of the export failed: %s", err);
    if (rc != 0)
        return;
    CHECK(schema_doc_count(doc) == NTYPES, "expected %zu types, got %u", NTYPES, schema_doc_count(doc));
    const cosmosb_schema_t *rebuilt[NTYPES];
    for (size_t i = 0; i < NTYPES; i++) {
        const cosmosb_schema_t *r = schema_doc_find(doc, all_types[i]->name);
        rebuilt[i] = r;
        CHECK(r != NULL, "%s missing", all_types[i]->name);
        if (r) {
            compare_types(all_types[i], r);
            compare_validation(all_types[i], r);
        }
    }
    /* Same document again from the rebuilt descriptors. */
    char *again = export_json(rebuilt, NTYPES);
    CHECK(again && strcmp(again, json) == 0, "re-export of the rebuilt descriptors differs");
    free(again);
    /* A derived message is still a demo.Order to the rebuilt descriptors. */
    CHECK(cosmosb_schema_is_a(schema_doc_find(doc, "demo.LimitOrder"), schema_doc_find(doc, "demo.Order")),
          "rebuilt LimitOrder is not an Order");
    schema_doc_free(doc);
}

static void expect_refused(const char *what, const char *json, const char *needle)
{
    schema_doc_t *doc = NULL;
    char err[SCHEMA_DOC_ERR_MAX];
    err[0] = '\0';
    int rc = schema_doc_parse(json, strlen(json), &doc, err, sizeof err);
    CHECK(rc == -1 && doc == NULL, "%s: accepted", what);
    CHECK(needle == NULL || strstr(err, needle) != NULL, "%s: message \"%s\" lacks \"%s\"", what, err, needle);
    schema_doc_free(doc);
}

/* Replaces the first occurrence of `from` in `json` by `to` (returns a malloc'ed copy). */
static char *replaced(const char *json, const char *from, const char *to)
{
    const char *at = strstr(json, from);
    if (!at)
        return NULL;
    size_t n = strlen(json) - strlen(from) + strlen(to) + 1u;
    char *out = malloc(n);
    if (!out)
        return NULL;
    size_t pre = (size_t)(at - json);
    memcpy(out, json, pre);
    strcpy(out + pre, to);
    strcat(out, at + strlen(from));
    return out;
}

static void refuse_edit(const char *json, const char *what, const char *from, const char *to, const char *needle)
{
    char *bad = replaced(json, from, to);
    CHECK(bad != NULL, "%s: pattern %s not found", what, from);
    if (bad)
        expect_refused(what, bad, needle);
    free(bad);
}

static void test_refusals(const char *json)
{
    expect_refused("empty", "", "unexpected end");
    expect_refused("not JSON", "hello", NULL);
    expect_refused("array", "[]", "must be an object");
    expect_refused("other format", "{\"format\":\"x\",\"format_version\":1,\"types\":[]}", "cosmosb-schemas");
    expect_refused("format version 2", "{\"format\":\"cosmosb-schemas\",\"format_version\":2,\"types\":[]}",
                   "format_version");
    expect_refused("duplicate key", "{\"format\":\"cosmosb-schemas\",\"format\":\"cosmosb-schemas\"}", "duplicate");
    expect_refused("trailing", "{\"format\":\"cosmosb-schemas\",\"format_version\":1,\"types\":[]} x", "trailing");
    expect_refused("trailing comma", "{\"format\":\"cosmosb-schemas\",\"format_version\":1,\"types\":[],}", NULL);
    expect_refused("NUL escape", "{\"format\":\"cosmosb\\u0000\"}", "u0000");
    expect_refused("lone surrogate", "{\"format\":\"\\ud800\"}", "surrogate");
    expect_refused("bad UTF-8", "{\"format\":\"\xff\"}", "UTF-8");
    char deep[200];
    memset(deep, '[', sizeof deep);
    deep[sizeof deep - 1] = '\0';
    expect_refused("deep nesting", deep, "nested too deeply");

    refuse_edit(json, "offset moved", "\"name\":\"qty\",\"kind\":\"i32\",\"offset\":28",
                "\"name\":\"qty\",\"kind\":\"i32\",\"offset\":32", "C layout");
    refuse_edit(json, "wrong id", "0xa51d3c6020aac280", "0xa51d3c6020aac281", "FNV-1a");
    refuse_edit(json, "unknown kind", "\"kind\":\"i32\"", "\"kind\":\"pointer\"", "unknown kind");
    refuse_edit(json, "size of a type", "\"size\":136", "\"size\":144", "fields give");
    refuse_edit(json, "min_size", "\"min_size\":64", "\"min_size\":60", "min_size");
    refuse_edit(json, "missing nested type", "\"type\":\"demo.Point\"", "\"type\":\"demo.Nowhere\"",
                "not in the document");
    refuse_edit(json, "missing base", "\"base\":\"demo.Order\"", "\"base\":\"demo.Nowhere\"", "not in the document");
    refuse_edit(json, "self base", "\"base\":\"demo.Order\"", "\"base\":\"demo.LimitOrder\"", "itself");
    refuse_edit(json, "enum range reversed", "\"min\":0,\"max\":1", "\"min\":2,\"max\":1", "cosmosb_schema_check");
    refuse_edit(json, "window rights", "\"rights\":1", "\"rights\":4", "cosmosb_schema_check");
    refuse_edit(json, "target id", "\"target_id\":\"0x8b551d8a72827a40\"", "\"target_id\":\"0x0000000000000000\"",
                "target_id");
    refuse_edit(json, "since above version", "\"since\":2", "\"since\":3", "out of range");
    refuse_edit(json, "fraction", "\"count\":4", "\"count\":4.0", "integer");
}

/* A growable string for generated documents. */
struct gbuf {
    char *b;
    size_t n, cap;
};

static void gput(struct gbuf *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gput(struct gbuf *g, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = g->b ? vsnprintf(g->b + g->n, g->cap - g->n, fmt, ap) : -1;
        va_end(ap);
        if (k >= 0 && (size_t)k < g->cap - g->n) {
            g->n += (size_t)k;
            return;
        }
        size_t cap = g->cap ? g->cap * 2u : 1u << 16;
        char *nb = realloc(g->b, cap);
        if (!nb) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        g->b = nb;
        g->cap = cap;
    }
}

/*
 * Review 20: the reader made names unique by comparing every pair and looked each link up in the whole
 * list (65,536 types took 46 s; this test's bound is ctest's timeout), and it parsed any number of values
 * (a 64-byte node each: about 32 times the input in memory) and array items before looking at them.
 */
static void test_large_documents(void)
{
    /* The most types the reader takes; every other one derives from the last (each link a lookup).
     * Round 1 gives type n-2 the name of type 7: refused as a name twice. */
    const uint32_t n = 65536u;
    struct gbuf g = {NULL, 0, 0};
    char last[32];
    snprintf(last, sizeof last, "t%06u", n - 1u);
    for (int round = 0; round < 2; round++) {
        g.n = 0;
        gput(&g, "{\"format\":\"cosmosb-schemas\",\"format_version\":1,\"types\":[");
        for (uint32_t i = 0; i < n; i++) {
            char nm[32];
            snprintf(nm, sizeof nm, "t%06u", round && i == n - 2u ? 7u : i);
            unsigned long long id = (unsigned long long)cosmosb_schema_id_of(nm);
            if (i + 1u < n)
                gput(&g,
                     "%s{\"name\":\"%s\",\"id\":\"0x%016llx\",\"version\":1,\"size\":1,\"align\":1,"
                     "\"min_size\":1,\"base\":\"%s\",\"fields\":[]}",
                     i ? ",\n" : "", nm, id, last);
            else
                gput(&g,
                     ",\n{\"name\":\"%s\",\"id\":\"0x%016llx\",\"version\":1,\"size\":1,\"align\":1,"
                     "\"min_size\":1,\"base\":null,\"fields\":[{\"name\":\"a\",\"kind\":\"u8\",\"offset\":0,"
                     "\"size\":1,\"count\":1,\"since\":1}]}",
                     nm, id);
        }
        gput(&g, "]}\n");
        if (round) {
            expect_refused("a name twice among many", g.b, "t000007 appears twice");
            break;
        }
        schema_doc_t *doc = NULL;
        char err[SCHEMA_DOC_ERR_MAX];
        err[0] = '\0';
        int rc = schema_doc_parse(g.b, g.n, &doc, err, sizeof err);
        CHECK(rc == 0, "%u types refused: %s", n, err);
        if (rc != 0)
            continue;
        CHECK(schema_doc_count(doc) == n, "%u types read of %u", schema_doc_count(doc), n);
        const cosmosb_schema_t *top = schema_doc_find(doc, last);
        CHECK(top && top->base == NULL, "the last type is not found");
        for (uint32_t i = 0; top && i + 1u < n; i += 4099u) {
            char nm[32];
            snprintf(nm, sizeof nm, "t%06u", i);
            const cosmosb_schema_t *t = schema_doc_find(doc, nm);
            CHECK(t && t == schema_doc_at(doc, i) && t->base == top, "type %s not linked to its base", nm);
        }
        CHECK(schema_doc_find(doc, "t999999") == NULL, "a type that is not there is found");
        schema_doc_free(doc);
    }

    /* Small values: one per 2 bytes is more than a document of the format can have. */
    g.n = 0;
    gput(&g, "{\"format\":\"cosmosb-schemas\",\"format_version\":1,\"types\":[],\"pad\":[0");
    for (int i = 0; i < 20000; i++)
        gput(&g, ",0");
    gput(&g, "]}");
    expect_refused("a document of small values", g.b, "more values");
    /* Long arrays and wide objects are refused while they are parsed. */
    g.n = 0;
    gput(&g, "{\"format\":\"cosmosb-schemas\",\"format_version\":1,\"types\":[],\"pad\":[\"xxxxxxxx\"");
    for (uint32_t i = 0; i < 65536u; i++)
        gput(&g, ",\"xxxxxxxx\"");
    gput(&g, "]}");
    expect_refused("an array of 65537 items", g.b, "more than 65536 items");
    g.n = 0;
    gput(&g, "{\"format\":\"cosmosb-schemas\",\"format_version\":1,\"types\":[],\"pad\":{\"key0\":\"xxxxxxxx\"");
    for (int i = 1; i < 65; i++)
        gput(&g, ",\"key%d\":\"xxxxxxxx\"", i);
    gput(&g, "}}");
    expect_refused("an object of 65 keys", g.b, "more than 64 keys");
    /* Names made twice are found through the index too. */
    g.n = 0;
    gput(&g, "{\"format\":\"cosmosb-schemas\",\"format_version\":1,\"types\":[");
    for (int i = 0; i < 3; i++)
        gput(&g,
             "%s{\"name\":\"%s\",\"id\":\"0x%016llx\",\"version\":1,\"size\":1,\"align\":1,\"min_size\":1,"
             "\"base\":null,\"fields\":[{\"name\":\"a\",\"kind\":\"u8\",\"offset\":0,\"size\":1,\"count\":1,"
             "\"since\":1}]}",
             i ? "," : "", i == 2 ? "x.A" : i ? "x.B" : "x.A", (unsigned long long)cosmosb_schema_id_of(i == 1 ? "x.B" : "x.A"));
    gput(&g, "]}");
    expect_refused("a name twice", g.b, "appears twice");
    free(g.b);
}

/* Truncations and byte corruptions: refused, or consistent; never a crash. */
static void test_corruptions(const char *json)
{
    size_t len = strlen(json);
    unsigned accepted = 0;
    for (size_t cut = 0; cut < len; cut++) {
        schema_doc_t *doc = NULL;
        int rc = schema_doc_parse(json, cut, &doc, NULL, 0);
        /* Only a whole document (up to trailing white space) may parse. */
        if (rc == 0) {
            CHECK(strspn(json + cut, " \n\r\t") == len - cut, "prefix of %zu bytes accepted", cut);
            schema_doc_free(doc);
        }
    }
    char *copy = malloc(len + 1u);
    if (!copy)
        return;
    static const char subst[] = "0123456789\"{}[],:-ax \\.";
    unsigned seed = 777u;
    for (int trial = 0; trial < 20000; trial++) {
        memcpy(copy, json, len + 1u);
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 4) % len;
        seed = seed * 1103515245u + 12345u;
        copy[at] = subst[(seed >> 8) % (sizeof subst - 1u)];
        schema_doc_t *doc = NULL;
        if (schema_doc_parse(copy, len, &doc, NULL, 0) == 0) {
            accepted++;
            for (uint32_t i = 0; i < schema_doc_count(doc); i++)
                CHECK(cosmosb_schema_check(schema_doc_at(doc, i)) == COSMOSB_OK,
                      "corruption at %zu accepted an invalid descriptor", at);
            schema_doc_free(doc);
        }
    }
    free(copy);
    printf("corruptions: %u of 20000 single-byte edits still gave a consistent document (e.g. a digit of a field's "
           "name or an enum bound)\n",
           accepted);
}

int main(int argc, char **argv)
{
    char *json = export_json(all_types, NTYPES);
    if (!json) {
        fprintf(stderr, "FAIL: export\n");
        return 1;
    }
    if (argc == 3 && strcmp(argv[1], "--export") == 0) {
        /* For tests/test_cli.sh: just write the JSON of the current types. */
        FILE *f = fopen(argv[2], "w");
        int bad = !f || fputs(json, f) < 0;
        if (f)
            bad |= fclose(f) != 0;
        free(json);
        return bad;
    }
    test_round_trip(json);
    test_refusals(json);
    test_large_documents();
    test_corruptions(json);
    free(json);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_schema_json: all checks passed\n");
    return 0;
}

/*
 * fuzz_schema_json.c - fuzz harness: the schema JSON reader of the
 * cosmosb-schema tool (tools/schema_json_read.c) on input text.
 *
 * The input is the document. The reader must return 0, -1 or -2 and never
 * read past the text (it is handed a malloc'd copy of exactly the input's
 * length, not NUL-terminated). When it accepts, every descriptor it built
 * must pass cosmosb_schema_check(), introspect, validate a zero-filled
 * struct of exactly its size without crashing, be compared with every other
 * (cosmosb_schema_compatible()), and the whole set, exported again with
 * cosmosb_schema_registry_json(), must be read back with as many types.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "fuzz_common.h"
#include "schema_json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_JSON_MAX = 1 << 16 };

static void round_trip(schema_doc_t *doc)
{
    uint32_t n = schema_doc_count(doc);
    size_t rs = cosmosb_schema_registry_memsize(n ? n : 1);
    void *mem = malloc(rs);
    cosmosb_schema_registry_t *reg = NULL;
    int rc = cosmosb_schema_registry_init(mem, rs, n ? n : 1, &reg);
    FUZZ_CHECK(rc == COSMOSB_OK, "registry_init %d", rc);
    for (uint32_t i = 0; i < n; i++)
        FUZZ_CHECK_RESULT(cosmosb_schema_registry_add(reg, schema_doc_at(doc, i)), "registry_add");
    size_t needed = 0;
    FUZZ_CHECK_RESULT(cosmosb_schema_registry_json(reg, NULL, 0, &needed), "registry_json (size)");
    if (needed) {
        char *json = malloc(needed);
        rc = cosmosb_schema_registry_json(reg, json, needed, &needed);
        FUZZ_CHECK(rc == COSMOSB_OK, "registry_json %d", rc);
        schema_doc_t *again = NULL;
        char err[SCHEMA_DOC_ERR_MAX];
        size_t len = strnlen(json, needed);
        rc = schema_doc_parse(json, len, &again, err, sizeof err);
        FUZZ_CHECK(rc == 0, "export of an accepted document refused (%s):\n%.*s", err, (int)len, json);
        FUZZ_CHECK(schema_doc_count(again) == cosmosb_schema_registry_count(reg), "%u types back, %u exported",
                   schema_doc_count(again), cosmosb_schema_registry_count(reg));
        schema_doc_free(again);
        free(json);
    }
    free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_JSON_MAX)
        return 0;
    char *text = malloc(size ? size : 1);
    if (size)
        memcpy(text, data, size);
    schema_doc_t *doc = NULL;
    char err[SCHEMA_DOC_ERR_MAX];
    err[0] = '\0';
    int rc = schema_doc_parse(text, size, &doc, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1 || rc == -2, "schema_doc_parse returned %d", rc);
    FUZZ_CHECK(strnlen(err, sizeof err) < sizeof err, "error message not terminated");
    if (rc == 0) {
        uint32_t n = schema_doc_count(doc);
        for (uint32_t i = 0; i < n; i++) {
            const cosmosb_schema_t *s = schema_doc_at(doc, i);
            FUZZ_CHECK(s != NULL, "type %u missing", i);
            FUZZ_CHECK(cosmosb_schema_check(s) == COSMOSB_OK, "type %u (%s) accepted but fails the check", i,
                       s->name);
            FUZZ_CHECK(schema_doc_find(doc, s->name) != NULL, "type %s not found by name", s->name);
            uint32_t nf = cosmosb_schema_field_count(s);
            for (uint32_t f = 0; f < nf; f++) {
                cosmosb_field_info_t fi;
                FUZZ_CHECK(cosmosb_schema_field(s, f, &fi) == COSMOSB_OK, "field %u of %s", f, s->name);
            }
            uint8_t *zero = calloc(1, s->size ? s->size : 1);
            cosmosb_validate_error_t verr;
            rc = cosmosb_schema_validate(s, zero, s->size, NULL, &verr);
            FUZZ_CHECK(rc == COSMOSB_OK || rc == COSMOSB_EBADMSG, "validate %d", rc);
            free(zero);
            for (uint32_t j = 0; j < n && j < 8; j++) {
                char reason[COSMOSB_SCHEMA_REASON_MAX] = "";
                rc = cosmosb_schema_compatible(s, schema_doc_at(doc, j), reason, sizeof reason);
                FUZZ_CHECK(rc == COSMOSB_OK || rc == COSMOSB_EINCOMPAT, "compatible %d", rc);
            }
        }
        round_trip(doc);
        schema_doc_free(doc);
    }
    free(text);
    return 0;
}

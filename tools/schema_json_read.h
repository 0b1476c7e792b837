/*
 * schema_json_read.h: reads the JSON that cosmosb_schema_registry_json()
 * writes and rebuilds runtime ::cosmosb_schema_t descriptors from it, as a
 * language binding does (hosted C: malloc, stdio).
 *
 * Every type of the document becomes a descriptor with its field table
 * (SINCE markers put back where a field's "since" goes up), its base and its
 * nested types linked by name. The result is then checked: every descriptor
 * must pass cosmosb_schema_check(), and its type id, size, alignment,
 * minimum size and every field's offset, size and count, as the library
 * computes them, must equal what the document says. A document that was
 * edited into something inconsistent is refused with a message naming the
 * place.
 *
 * Used by tools/cosmosb_schema.c and by the tests in tools/.
 */
#ifndef COSMOSB_SCHEMA_JSON_READ_H
#define COSMOSB_SCHEMA_JSON_READ_H

#include <cosmosb/schema.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A parsed document: the descriptors and the memory behind them. */
typedef struct schema_doc schema_doc_t;

/** Longest error message the readers write, including the NUL. */
#define SCHEMA_DOC_ERR_MAX 256u

/**
 * Parses a document held in memory.
 * @param json the text (need not be NUL-terminated).
 * @param len its length in bytes.
 * @param out the document; free it with schema_doc_free().
 * @param err on failure, a one-line message (may be NULL).
 * @param err_size bytes at @p err.
 * @return 0, or -1 (bad JSON, not a cosmosb-schemas document, inconsistent
 *         descriptors: see @p err; also more than one value per 5 bytes of
 *         input, an array of more than 65536 items or an object of more than
 *         64 keys, refused while parsing), or -2 (out of memory).
 */
int schema_doc_parse(const char *json, size_t len, schema_doc_t **out, char *err, size_t err_size);

/**
 * Reads and parses a file ("-" reads standard input).
 * @return as schema_doc_parse(); -1 also when the file cannot be read.
 */
int schema_doc_load(const char *path, schema_doc_t **out, char *err, size_t err_size);

/** Number of types in the document (in the document's order). */
uint32_t schema_doc_count(const schema_doc_t *doc);

/** The descriptor of type number @p index, or NULL. */
const cosmosb_schema_t *schema_doc_at(const schema_doc_t *doc, uint32_t index);

/** The descriptor named @p name, or NULL. */
const cosmosb_schema_t *schema_doc_find(const schema_doc_t *doc, const char *name);

/** Frees a document and its descriptors (NULL is ignored). */
void schema_doc_free(schema_doc_t *doc);

/** The JSON name of a field kind ("u8", "enum", ...), or "?" (the names schema_json.c writes). */
const char *schema_doc_kind_name(uint32_t kind);

#ifdef __cplusplus
}
#endif

#endif /* COSMOSB_SCHEMA_JSON_READ_H */

/*
 * cosmosb-schema: type ids, compatibility between two JSON exports of a
 * schema registry, and a readable listing of one.
 *
 *   cosmosb-schema id NAME...               the type id of each qualified name
 *   cosmosb-schema check OLD.json NEW.json  can NEW replace OLD? (exit 0 yes, 1 no, 2 bad input)
 *   cosmosb-schema show FILE.json           the types, their fields and rules
 *
 * The JSON is what cosmosb_schema_registry_json() writes (docs/schemas.md).
 * `check` rebuilds runtime descriptors from both files (tools/schema_json_read.c,
 * as a language binding would) and runs cosmosb_schema_compatible() for every
 * type of OLD against the type of the same name in NEW. A type of OLD missing
 * from NEW is incompatible (its receivers and senders would lose it); a type
 * only in NEW is new and fine.
 */
#include "schema_json_read.h"

#include <cosmosb/error.h>
#include <cosmosb/schema.h>
#include <cosmosb/window.h>

#include <stdio.h>
#include <string.h>

#define EXIT_INCOMPAT 1
#define EXIT_BADINPUT 2

static void usage(FILE *f)
{
    fprintf(f, "usage: cosmosb-schema id NAME...\n"
               "       cosmosb-schema check OLD.json NEW.json\n"
               "       cosmosb-schema show FILE.json\n"
               "  id     print the 64-bit type id (FNV-1a of the UTF-8 name) of each name\n"
               "  check  compare two JSON exports (cosmosb_schema_registry_json): every type of OLD\n"
               "         must have a compatible replacement in NEW; exit 0 if all are compatible,\n"
               "         1 if one is not, 2 on bad input\n"
               "  show   list the types of a JSON export with their fields, offsets and rules\n"
               "A file name \"-\" reads standard input.\n");
}

static int cmd_id(int argc, char **argv)
{
    if (argc < 1) {
        usage(stderr);
        return EXIT_BADINPUT;
    }
    for (int i = 0; i < argc; i++)
        printf("0x%016llx  %s\n", (unsigned long long)cosmosb_schema_id_of(argv[i]), argv[i]);
    return 0;
}

static schema_doc_t *load(const char *path)
{
    schema_doc_t *doc = NULL;
    char err[SCHEMA_DOC_ERR_MAX + 1024];
    if (schema_doc_load(path, &doc, err, sizeof err) != 0) {
        fprintf(stderr, "cosmosb-schema: %s\n", err);
        return NULL;
    }
    return doc;
}

static int cmd_check(int argc, char **argv)
{
    if (argc != 2) {
        usage(stderr);
        return EXIT_BADINPUT;
    }
    schema_doc_t *old_doc = load(argv[0]);
    if (!old_doc)
        return EXIT_BADINPUT;
    schema_doc_t *new_doc = load(argv[1]);
    if (!new_doc) {
        schema_doc_free(old_doc);
        return EXIT_BADINPUT;
    }
    int status = 0;
    uint32_t ok = 0, bad = 0, added = 0;
    for (uint32_t i = 0; i < schema_doc_count(old_doc); i++) {
        const cosmosb_schema_t *o = schema_doc_at(old_doc, i);
        const cosmosb_schema_t *n = schema_doc_find(new_doc, o->name);
        if (!n) {
            printf("INCOMPATIBLE  %s v%u: missing from %s (a type may not be removed)\n", o->name, o->version,
                   argv[1]);
            bad++;
            status = EXIT_INCOMPAT;
            continue;
        }
        char reason[COSMOSB_SCHEMA_REASON_MAX];
        int rc = cosmosb_schema_compatible(o, n, reason, sizeof reason);
        if (rc == COSMOSB_OK) {
            printf("compatible    %s v%u -> v%u%s\n", o->name, o->version, n->version,
                   o->version == n->version ? " (unchanged version)" : "");
            ok++;
        } else if (rc == COSMOSB_EINCOMPAT) {
            printf("INCOMPATIBLE  %s v%u -> v%u: %s\n", o->name, o->version, n->version, reason);
            bad++;
            status = EXIT_INCOMPAT;
        } else {
            /* The reader checked both descriptors, so this is not expected. */
            printf("ERROR         %s: %s (%s)\n", o->name, cosmosb_strerror(rc), reason);
            schema_doc_free(old_doc);
            schema_doc_free(new_doc);
            return EXIT_BADINPUT;
        }
    }
    for (uint32_t i = 0; i < schema_doc_count(new_doc); i++) {
        const cosmosb_schema_t *n = schema_doc_at(new_doc, i);
        if (!schema_doc_find(old_doc, n->name)) {
            printf("new           %s v%u\n", n->name, n->version);
            added++;
        }
    }
    printf("%u compatible, %u incompatible, %u new: %s\n", ok, bad, added,
           status ? "NEW cannot replace OLD" : "NEW can replace OLD");
    schema_doc_free(old_doc);
    schema_doc_free(new_doc);
    return status;
}

static void rights_str(char *buf, size_t len, uint32_t rights)
{
    snprintf(buf, len, "%s%s%s", rights & COSMOSB_WIN_READ ? "read" : "",
             (rights & COSMOSB_WIN_READ) && (rights & COSMOSB_WIN_WRITE) ? "+" : "",
             rights & COSMOSB_WIN_WRITE ? "write" : "");
    if (!rights)
        snprintf(buf, len, "none");
}

static int cmd_show(int argc, char **argv)
{
    if (argc != 1) {
        usage(stderr);
        return EXIT_BADINPUT;
    }
    schema_doc_t *doc = load(argv[0]);
    if (!doc)
        return EXIT_BADINPUT;
    for (uint32_t i = 0; i < schema_doc_count(doc); i++) {
        const cosmosb_schema_t *s = schema_doc_at(doc, i);
        printf("%s%s  version %u  id 0x%016llx\n", i ? "\n" : "", s->name, s->version,
               (unsigned long long)cosmosb_schema_type_id(s));
        printf("  size %u, align %u, min_size %u (older senders: at least this many bytes)\n", s->size, s->align,
               cosmosb_schema_min_size(s));
        if (s->base)
            printf("  derives from %s (bytes 0..%u are the base)\n", s->base->name, s->base->size - 1u);
        printf("  %6s %6s  %-22s %-20s %5s  %s\n", "offset", "size", "kind", "name", "since", "rule on receipt");
        uint32_t n = cosmosb_schema_field_count(s);
        for (uint32_t k = 0; k < n; k++) {
            cosmosb_field_info_t fi;
            if (cosmosb_schema_field(s, k, &fi) != COSMOSB_OK)
                break;
            char kind[160], rule[200], r[32];
            const char *kn = schema_doc_kind_name(fi.kind);
            rule[0] = '\0';
            if (fi.kind == COSMOSB_FIELD_STRUCT)
                snprintf(kind, sizeof kind, "%s", fi.type->name);
            else if (fi.kind == COSMOSB_FIELD_CHARS)
                snprintf(kind, sizeof kind, "chars[%u]", fi.size);
            else
                snprintf(kind, sizeof kind, "%s", kn);
            if (fi.count > 1 && fi.kind != COSMOSB_FIELD_CHARS) {
                size_t l = strlen(kind);
                snprintf(kind + l, sizeof kind - l, "[%u]", fi.count);
            }
            switch (fi.kind) {
            case COSMOSB_FIELD_BOOL:
                snprintf(rule, sizeof rule, "0 or 1");
                break;
            case COSMOSB_FIELD_ENUM:
                snprintf(rule, sizeof rule, "%lld <= value <= %lld", (long long)fi.min, (long long)fi.max);
                break;
            case COSMOSB_FIELD_CHARS:
                snprintf(rule, sizeof rule, "a NUL within the %u bytes", fi.size);
                break;
            case COSMOSB_FIELD_STRUCT:
                snprintf(rule, sizeof rule, "the fields of %s", fi.type->name);
                break;
            case COSMOSB_FIELD_REF:
                snprintf(rule, sizeof rule, "null, or an arena reference to %s (arena hook)",
                         fi.target ? fi.target : "any type");
                break;
            case COSMOSB_FIELD_WINDOW:
                rights_str(r, sizeof r, fi.rights);
                snprintf(rule, sizeof rule, "empty, or a window with rights %s (buffer hook)", r);
                break;
            default:
                break;
            }
            char line[512];
            snprintf(line, sizeof line, "  %6u %6u  %-22s %-20s %5u  %s", fi.offset, fi.size, kind, fi.name, fi.since,
                     rule);
            size_t l = strlen(line);
            while (l && line[l - 1] == ' ')
                line[--l] = '\0';
            puts(line);
        }
    }
    schema_doc_free(doc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_BADINPUT;
    }
    if (strcmp(argv[1], "id") == 0)
        return cmd_id(argc - 2, argv + 2);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(argv[1], "show") == 0)
        return cmd_show(argc - 2, argv + 2);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return EXIT_BADINPUT;
}

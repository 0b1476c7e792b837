/*
 * schemas_export: registers the types of demo_types.h and writes the
 * registry's JSON (cosmosb_schema_registry_json) to a file or stdout.
 *
 *   schemas-export [OUT.json]
 *
 * The build-step workflow (examples/schemas/CMakeLists.txt does it as a test):
 *   1. export the JSON of the types as they are now;
 *   2. compare it with the JSON committed at the previous release:
 *        cosmosb-schema check demo_types.v1.json current.json
 *   3. refuse the change if that exits non-zero (an incompatible edit), and
 *      commit the new JSON at each release.
 */
#include "demo_types.h"

#include <cosmosb/error.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    static const cosmosb_schema_t *const types[] = {&demo_order_schema, &demo_limit_order_schema,
                                                    &demo_quote_schema, &demo_route_schema};
    uint64_t mem[1024]; /* 8-aligned memory for the registry */
    cosmosb_schema_registry_t *reg;
    if (argc > 2) {
        fprintf(stderr, "usage: schemas-export [OUT.json]\n");
        return 2;
    }
    int rc = cosmosb_schema_registry_init(mem, sizeof mem, 16, &reg);
    for (size_t i = 0; rc == COSMOSB_OK && i < sizeof types / sizeof types[0]; i++)
        rc = cosmosb_schema_registry_add(reg, types[i]); /* adds bases and nested types too */
    if (rc != COSMOSB_OK) {
        fprintf(stderr, "schemas-export: registry: %s\n", cosmosb_strerror(rc));
        return 1;
    }
    size_t need = 0;
    cosmosb_schema_registry_json(reg, NULL, 0, &need); /* how big */
    char *json = malloc(need);
    if (!json || cosmosb_schema_registry_json(reg, json, need, NULL) != COSMOSB_OK) {
        fprintf(stderr, "schemas-export: out of memory\n");
        free(json);
        return 1;
    }
    FILE *out = argc == 2 ? fopen(argv[1], "w") : stdout;
    if (!out) {
        perror(argv[1]);
        free(json);
        return 1;
    }
    int bad = fputs(json, out) < 0;
    if (out != stdout)
        bad |= fclose(out) != 0;
    free(json);
    return bad;
}

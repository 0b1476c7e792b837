/* schema_registry.c - a set of known types in caller memory: lookup by id, iteration. */
#include "core/schema_internal.h"

#define REGISTRY_MAGIC 0x43425247u /* "CBRG" */
#define MAX_TYPES 65536u

struct reg_entry {
    const cosmosb_schema_t *schema;
    uint64_t id;
};

struct cosmosb_schema_registry {
    uint32_t magic;
    uint32_t max_types;
    uint32_t count;
    uint32_t hash_mask; /* hash table size - 1 (a power of two >= 2 * max_types) */
    struct reg_entry *entries;
    uint32_t *hash;     /* entry index + 1, or 0 for empty */
};

static uint32_t hash_cap(uint32_t max_types)
{
    uint32_t cap = 2;
    while (cap < 2u * max_types)
        cap <<= 1;
    return cap;
}

static size_t align8(size_t v)
{
    return (v + 7u) & ~(size_t)7u;
}

size_t cosmosb_schema_registry_memsize(uint32_t max_types)
{
    if (max_types == 0 || max_types > MAX_TYPES)
        return 0;
    return align8(sizeof(struct cosmosb_schema_registry)) + align8(sizeof(struct reg_entry) * max_types) +
           sizeof(uint32_t) * hash_cap(max_types);
}

int cosmosb_schema_registry_init(void *mem, size_t size, uint32_t max_types, cosmosb_schema_registry_t **out)
{
    size_t need = cosmosb_schema_registry_memsize(max_types);
    if (!mem || !out || need == 0 || size < need || ((uintptr_t)mem & 7u))
        return COSMOSB_EINVAL;
    uint8_t *p = (uint8_t *)mem;
    struct cosmosb_schema_registry *r = (struct cosmosb_schema_registry *)p;
    p += align8(sizeof *r);
    r->entries = (struct reg_entry *)p;
    p += align8(sizeof(struct reg_entry) * max_types);
    r->hash = (uint32_t *)p;
    r->magic = REGISTRY_MAGIC;
    r->max_types = max_types;
    r->count = 0;
    r->hash_mask = hash_cap(max_types) - 1u;
    __builtin_memset(r->hash, 0, sizeof(uint32_t) * hash_cap(max_types));
    *out = r;
    return COSMOSB_OK;
}

static int valid(const cosmosb_schema_registry_t *r)
{
    return r && r->magic == REGISTRY_MAGIC;
}

int cosmosb__registry_valid(const cosmosb_schema_registry_t *reg)
{
    return valid(reg);
}

/* Index + 1 of the entry with this id, or 0. */
static uint32_t lookup(const cosmosb_schema_registry_t *r, uint64_t id)
{
    uint32_t i = (uint32_t)(id ^ (id >> 32)) & r->hash_mask;
    for (;;) {
        uint32_t e = r->hash[i];
        if (e == 0)
            return 0;
        if (r->entries[e - 1u].id == id)
            return e;
        i = (i + 1u) & r->hash_mask;
    }
}

static void insert_hash(cosmosb_schema_registry_t *r, uint32_t index)
{
    uint64_t id = r->entries[index].id;
    uint32_t i = (uint32_t)(id ^ (id >> 32)) & r->hash_mask;
    while (r->hash[i] != 0)
        i = (i + 1u) & r->hash_mask;
    r->hash[i] = index + 1u;
}

/* Two descriptors of one id must describe the same type to share a registry (deep equality, the
 * receiver's rule): before review 20 a one-way compatibility check merged them, so adding a type whose
 * enum was wider than the registered one's succeeded, the other order not, and the export kept the first. */
static int same_layout(const cosmosb_schema_t *a, const cosmosb_schema_t *b)
{
    return cosmosb__schema_same(a, b);
}

static int add_one(cosmosb_schema_registry_t *r, const cosmosb_schema_t *s, uint32_t level)
{
    /* A checked descriptor has at most MAX_NESTING + 1 struct levels of at most
     * MAX_DEPTH + 1 types each (bases and nested types are both one level here). */
    if (level >= (COSMOSB_SCHEMA_MAX_DEPTH + 1u) * (COSMOSB_SCHEMA_MAX_NESTING + 1u))
        return COSMOSB_EINVAL;
    uint64_t id = cosmosb_schema_type_id(s);
    uint32_t e = lookup(r, id);
    if (e) {
        return same_layout(r->entries[e - 1u].schema, s) ? COSMOSB_OK : COSMOSB_EINCOMPAT;
    }
    /* Bases and nested types first, so the registry lists dependencies before their users. */
    int rc;
    if (s->base && (rc = add_one(r, s->base, level + 1u)) != COSMOSB_OK)
        return rc;
    for (uint32_t i = 0; i < s->field_count; i++) {
        const cosmosb_field_t *f = &s->fields[i];
        if (f->kind == COSMOSB_FIELD_STRUCT && (rc = add_one(r, f->type, level + 1u)) != COSMOSB_OK)
            return rc;
    }
    if (lookup(r, id)) /* a nested type may have added a same-named type: layouts must agree */
        return same_layout(r->entries[lookup(r, id) - 1u].schema, s) ? COSMOSB_OK : COSMOSB_EINCOMPAT;
    if (r->count >= r->max_types)
        return COSMOSB_ENOMEM;
    r->entries[r->count].schema = s;
    r->entries[r->count].id = id;
    insert_hash(r, r->count);
    r->count++;
    return COSMOSB_OK;
}

int cosmosb_schema_registry_add(cosmosb_schema_registry_t *reg, const cosmosb_schema_t *schema)
{
    if (!valid(reg) || cosmosb_schema_check(schema) != COSMOSB_OK)
        return COSMOSB_EINVAL;
    uint32_t before = reg->count;
    int rc = add_one(reg, schema, 0);
    if (rc != COSMOSB_OK && reg->count != before) {
        /* All or nothing: drop what this call added and rebuild the hash table. */
        reg->count = before;
        __builtin_memset(reg->hash, 0, sizeof(uint32_t) * (reg->hash_mask + 1u));
        for (uint32_t i = 0; i < reg->count; i++)
            insert_hash(reg, i);
    }
    return rc;
}

uint32_t cosmosb_schema_registry_count(const cosmosb_schema_registry_t *reg)
{
    return valid(reg) ? reg->count : 0u;
}

const cosmosb_schema_t *cosmosb_schema_registry_at(const cosmosb_schema_registry_t *reg, uint32_t index)
{
    if (!valid(reg) || index >= reg->count)
        return NULL;
    return reg->entries[index].schema;
}

const cosmosb_schema_t *cosmosb_schema_registry_find(const cosmosb_schema_registry_t *reg, uint64_t type_id)
{
    if (!valid(reg))
        return NULL;
    uint32_t e = lookup(reg, type_id);
    return e ? reg->entries[e - 1u].schema : NULL;
}

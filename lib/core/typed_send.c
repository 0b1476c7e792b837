/* typed_send.c - the sending side of typed messages: header, ancestors, one copy into the slot. */
#include "cosmosb/receiver.h"
#include "cosmosb/error.h"

int cosmosb_typed_tag_init(const cosmosb_schema_t *schema, cosmosb_typed_tag_t *tag)
{
    if (!tag || cosmosb_schema_check(schema) != COSMOSB_OK)
        return COSMOSB_EINVAL;
    __builtin_memset(tag->header, 0, sizeof tag->header);
    uint32_t depth = 0;
    for (const cosmosb_schema_t *b = schema->base; b; b = b->base) {
        if (depth >= COSMOSB_SCHEMA_MAX_DEPTH)
            return COSMOSB_EINVAL; /* unreachable: cosmosb_schema_check() bounds the depth */
        cosmosb_typed_ancestor_t a = {cosmosb_schema_type_id(b), b->size, b->version};
        __builtin_memcpy(&tag->header[1u + 2u * depth++], &a, sizeof a);
    }
    cosmosb_typed_header_t h = {COSMOSB_TYPED_MAGIC, (uint16_t)depth, schema->version};
    __builtin_memcpy(&tag->header[0], &h, sizeof h);
    tag->schema = schema;
    tag->type_id = cosmosb_schema_type_id(schema);
    tag->header_size = 8u + 16u * depth;
    tag->size = schema->size;
    return COSMOSB_OK;
}

int cosmosb_typed_send_tagged(cosmosb_pipe_t *pipe, const cosmosb_typed_tag_t *tag, const void *msg,
                              uint32_t flags, uint64_t timeout_ns)
{
    /* A tag is plain data the caller may have changed: its sizes are checked against what
     * cosmosb_typed_tag_init() can make before they size a copy (review 20: a size of 0xFFFFFFF8
     * wrapped header + size to 0 and copied 4 GiB). With them bounded, len cannot wrap. */
    if (!tag || !msg || !tag->schema || tag->header_size < 8u || tag->header_size > COSMOSB_TYPED_HEADER_MAX ||
        (tag->header_size - 8u) % 16u != 0u || tag->size != tag->schema->size || tag->size == 0u ||
        tag->size > COSMOSB_SCHEMA_MAX_SIZE)
        return COSMOSB_EINVAL;
    cosmosb_slot_t slot;
    int rc = cosmosb_pipe_reserve(pipe, flags, timeout_ns, &slot);
    if (rc != COSMOSB_OK)
        return rc;
    uint32_t len = tag->header_size + tag->size;
    if (len > slot.capacity)
        return COSMOSB_EMSGSIZE; /* the reservation stays; the next send reuses the slot */
    uint8_t *dst = (uint8_t *)slot.data;
    __builtin_memcpy(dst, tag->header, tag->header_size);
    __builtin_memcpy(dst + tag->header_size, msg, tag->size);
    return cosmosb_pipe_commit(pipe, &slot, tag->type_id, len);
}

int cosmosb_typed_send(cosmosb_pipe_t *pipe, const cosmosb_schema_t *schema, const void *msg, uint32_t flags,
                       uint64_t timeout_ns)
{
    cosmosb_typed_tag_t tag;
    int rc = cosmosb_typed_tag_init(schema, &tag);
    if (rc != COSMOSB_OK)
        return rc;
    return cosmosb_typed_send_tagged(pipe, &tag, msg, flags, timeout_ns);
}

/*
 * buffer_internal.h - the private side of a buffer manager view (shared by
 * lib/core/buffer.c and the hosted layer, which hangs its state on `host`).
 */
#ifndef COSMOSB_CORE_BUFFER_INTERNAL_H
#define COSMOSB_CORE_BUFFER_INTERNAL_H

#include "cosmosb/buffer.h"
#include "cosmosb/error.h"

#define BUFMGR_MAGIC 0x4d42424du   /* "MBBM" */
#define SLICE_MAGIC 0x45434c53u    /* "SLCE" */
#define MAX_SLICES (1u << 20)

/* Payload of a slice object (frozen at allocation). */
struct slice_desc {
    uint32_t magic;
    uint32_t buffer_id;
    uint64_t offset;
    uint64_t length; /* rounded up to COSMOSB_SLICE_ALIGN */
    uint64_t reserved;
};
_Static_assert(sizeof(struct slice_desc) == 32, "slice descriptor");

struct slice_rec {
    uint32_t object, generation;
    uint32_t buf;      /* index in bufs[] */
    uint32_t reserved;
    uint64_t offset, length;
};

struct buf_rec {
    uint32_t id, mode, sealed, reserved;
    const uint8_t *base;
    uint8_t *wbase;
    uint64_t size;
    uint64_t head; /* ring: where the next slice goes */
};

struct cosmosb_bufmgr {
    uint32_t magic;
    uint32_t max_slices;
    uint32_t nbufs;
    uint32_t nslices;
    cosmosb_arena_t *arena;
    struct buf_rec bufs[COSMOSB_BUFMGR_MAX_BUFFERS];
    struct slice_rec *slices; /* [max_slices], sorted by (buf, offset) */
    void *host;               /* owned by the hosted layer (lib/os), NULL for a core view */
    /* Set by the hosted layer: asked when a window claims SEALED for a buffer this view knows unsealed
     * (the buffer may have been sealed since it was mapped); returns nonzero if it is sealed now, having
     * marked it so. NULL: no way to know more than at mapping time. */
    int (*seal_check)(struct cosmosb_bufmgr *m, uint32_t buffer_id);
};

/* The view's writable mapping of a buffer is gone (base: the readable one, NULL if the view lost every
 * mapping of it: its windows then resolve to COSMOSB_EIO): no allocation in it any more, windows from it
 * not marked SEALED unless it is marked so. */
int cosmosb__bufmgr_drop_writable(cosmosb_bufmgr_t *m, uint32_t id, const void *base);

#endif /* COSMOSB_CORE_BUFFER_INTERNAL_H */

/* receiver_linux.c - heap-allocated receivers and pumps; pumps sleep on a wait set. */
#include <stdlib.h>

#include "cosmosb/receiver_linux.h"
#include "cosmosb/waitset.h"
#include "cosmosb/error.h"
#include "core/receiver_internal.h"
#include "core/pump_internal.h"

int cosmosb_receiver_create(cosmosb_pipe_t *pipe, const cosmosb_receiver_config_t *cfg, cosmosb_receiver_t **out)
{
    cosmosb_receiver_config_t def;
    if (!out)
        return COSMOSB_EINVAL;
    if (!cfg) {
        cosmosb_receiver_config_init(&def);
        cfg = &def;
    }
    size_t size = cosmosb_receiver_memsize(cfg);
    if (size == 0)
        return COSMOSB_EINVAL;
    void *mem = aligned_alloc(8, (size + 7u) & ~(size_t)7u);
    if (!mem)
        return COSMOSB_ENOMEM;
    int rc = cosmosb_receiver_init(mem, size, pipe, cfg, out);
    if (rc != COSMOSB_OK)
        free(mem);
    return rc;
}

void cosmosb_receiver_destroy(cosmosb_receiver_t *rx)
{
    if (!cosmosb_receiver_pipe(rx))
        return;
    /* An outstanding in-place message still holds its slot: give it back. */
    cosmosb__receiver_drop_outstanding(rx);
    free(rx); /* the receiver is the first object of its allocation */
}

/* The pump's allocation: the wait set pointer, then the pump itself. */
struct pump_box {
    cosmosb_waitset_t *ws;
    uint64_t pump[]; /* cosmosb_pump_memsize() bytes, 8-aligned */
};

static int add_to_waitset(void *ws, cosmosb_receiver_t *rx)
{
    return cosmosb_waitset_add((cosmosb_waitset_t *)ws, cosmosb_receiver_pipe(rx));
}

static void drop_from_waitset(void *ws, cosmosb_receiver_t *rx)
{
    (void)cosmosb_waitset_remove((cosmosb_waitset_t *)ws, cosmosb_receiver_pipe(rx));
}

int cosmosb_pump_create(cosmosb_receiver_t *const *receivers, uint32_t n, cosmosb_pump_t **out)
{
    if (!receivers || !out || n == 0 || n > COSMOSB_WAITSET_MAX)
        return COSMOSB_EINVAL;
    size_t psize = cosmosb_pump_memsize(n);
    if (psize == 0)
        return COSMOSB_EINVAL;
    struct pump_box *box = malloc(sizeof *box + psize);
    if (!box)
        return COSMOSB_ENOMEM;
    int rc = cosmosb_waitset_create(&box->ws);
    if (rc != COSMOSB_OK) {
        free(box);
        return rc;
    }
    cosmosb_pump_t *pump = NULL;
    rc = cosmosb_pump_init(box->pump, psize, n, &pump);
    if (rc == COSMOSB_OK) {
        rc = cosmosb_pump_set_wait(pump, cosmosb_waitset_pump_wait, box->ws);
        /* Every receiver added, now or later by cosmosb_pump_add(), has its pipe in the wait set. */
        cosmosb__pump_set_hooks(pump, add_to_waitset, drop_from_waitset);
    }
    for (uint32_t i = 0; rc == COSMOSB_OK && i < n; i++)
        rc = cosmosb_pump_add(pump, receivers[i]);
    if (rc != COSMOSB_OK) {
        cosmosb_waitset_destroy(box->ws);
        free(box);
        return rc;
    }
    *out = pump;
    return COSMOSB_OK;
}

static void free_pump(cosmosb_pump_t *pump)
{
    struct pump_box *box = (struct pump_box *)((char *)pump - offsetof(struct pump_box, pump));
    cosmosb_waitset_destroy(box->ws);
    free(box);
}

void cosmosb_pump_destroy(cosmosb_pump_t *pump)
{
    if (!pump)
        return;
    /* From a handler of the pump's own run (review 22: the run wrote to the freed pump): it frees it
     * on its way out. */
    if (cosmosb__pump_free_later(pump, free_pump))
        return;
    free_pump(pump);
}

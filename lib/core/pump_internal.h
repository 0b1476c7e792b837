/* pump_internal.h - what the hosted layer needs of the pump beyond the public API. */
#ifndef COSMOSB_PUMP_INTERNAL_H
#define COSMOSB_PUMP_INTERNAL_H

#include "cosmosb/pump.h"

/* Called by cosmosb_pump_add() with the wait hook's context once the receiver
 * is in the list, so a hosted pump can wait on the receiver's pipe too. A
 * negative code undoes the add, and cosmosb_pump_add() returns it. */
typedef int (*cosmosb__pump_add_fn)(void *wait_ctx, cosmosb_receiver_t *rx);

/* Called by cosmosb_pump_remove() with the wait hook's context, so a hosted
 * pump can drop the receiver's pipe from its wait set. */
typedef void (*cosmosb__pump_remove_fn)(void *wait_ctx, cosmosb_receiver_t *rx);

/* Installs those callbacks (NULL: none). cosmosb_pump_set_wait() clears both. */
void cosmosb__pump_set_hooks(cosmosb_pump_t *pump, cosmosb__pump_add_fn on_add, cosmosb__pump_remove_fn on_remove);

/* Frees a pump the hosted layer allocated. */
typedef void (*cosmosb__pump_free_fn)(cosmosb_pump_t *pump);

/* For a destroy called from a handler or callback of the pump's own run:
 * returns 1 and leaves the pump alone, which cosmosb_pump_run() then frees
 * with free_fn on its way out (it handles nothing more); 0 if the pump is
 * not running, and the caller frees it now. */
int cosmosb__pump_free_later(cosmosb_pump_t *pump, cosmosb__pump_free_fn free_fn);

#endif /* COSMOSB_PUMP_INTERNAL_H */

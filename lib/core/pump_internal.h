/* pump_internal.h - what the hosted layer needs of the pump beyond the public API. */
#ifndef COSMOSB_PUMP_INTERNAL_H
#define COSMOSB_PUMP_INTERNAL_H

#include "cosmosb/pump.h"

/* Called by cosmosb_pump_remove() with the wait hook's context, so a hosted
 * pump can drop the receiver's pipe from its wait set. */
typedef void (*cosmosb__pump_remove_fn)(void *wait_ctx, cosmosb_receiver_t *rx);

/* Installs that callback (NULL: none). */
void cosmosb__pump_set_on_remove(cosmosb_pump_t *pump, cosmosb__pump_remove_fn fn);

#endif /* COSMOSB_PUMP_INTERNAL_H */

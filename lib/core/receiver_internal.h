/* receiver_internal.h - what the pump needs of the receiver beyond the public API. */
#ifndef COSMOSB_RECEIVER_INTERNAL_H
#define COSMOSB_RECEIVER_INTERNAL_H

#include "cosmosb/receiver.h"

/* Calls the handler registered for the accepted type of the message just
 * received on rx (if any), then releases the message. */
int cosmosb__receiver_deliver(cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg);

/* Releases the outstanding message, if any (consumes its slot if in place). */
void cosmosb__receiver_drop_outstanding(cosmosb_receiver_t *rx);

/* Asks the receive running on rx (the pump's, whose on_reject callback added or
 * removed a receiver of the pump) to return COSMOSB_EAGAIN once the callback
 * returns, instead of taking more messages. Each receive clears the request when it starts. */
void cosmosb__receiver_interrupt(cosmosb_receiver_t *rx);

#endif /* COSMOSB_RECEIVER_INTERNAL_H */

/* pump.c - dispatch over several typed receivers: priority order, every urgent lane first. */
#include "cosmosb/pump.h"
#include "cosmosb/error.h"
#include "core/pipe_internal.h"
#include "core/receiver_internal.h"
#include "core/pump_internal.h"

#define PUMP_MAGIC 0x43425055u /* "CBPU" */
#define MAX_RECEIVERS 256u

struct cosmosb_pump {
    uint32_t magic;
    uint32_t max;
    uint32_t n;
    uint32_t running; /* 1 while cosmosb_pump_run() runs (handlers and on_reject callbacks included) */
    cosmosb_pump_wait_fn wait;
    void *wait_ctx;
    cosmosb__pump_add_fn on_add;       /* hosted layer: wait on the receiver's pipe too */
    cosmosb__pump_remove_fn on_remove; /* hosted layer: forget the receiver's pipe in its wait set */
    cosmosb__pump_free_fn free_later;  /* hosted layer: destroyed by a handler of its run, freed at its end */
    cosmosb_receiver_t *rx[];
};

size_t cosmosb_pump_memsize(uint32_t max_receivers)
{
    if (max_receivers == 0 || max_receivers > MAX_RECEIVERS)
        return 0;
    return sizeof(struct cosmosb_pump) + sizeof(cosmosb_receiver_t *) * max_receivers;
}

int cosmosb_pump_init(void *mem, size_t size, uint32_t max_receivers, cosmosb_pump_t **out)
{
    size_t need = cosmosb_pump_memsize(max_receivers);
    if (!mem || !out || need == 0 || size < need || ((uintptr_t)mem & 7u))
        return COSMOSB_EINVAL;
    __builtin_memset(mem, 0, need);
    struct cosmosb_pump *p = (struct cosmosb_pump *)mem;
    p->magic = PUMP_MAGIC;
    p->max = max_receivers;
    *out = p;
    return COSMOSB_OK;
}

static int valid(const cosmosb_pump_t *p)
{
    return p && p->magic == PUMP_MAGIC;
}

int cosmosb_pump_add(cosmosb_pump_t *pump, cosmosb_receiver_t *rx)
{
    if (!valid(pump) || !cosmosb_receiver_pipe(rx))
        return COSMOSB_EINVAL;
    for (uint32_t i = 0; i < pump->n; i++)
        if (pump->rx[i] == rx)
            return COSMOSB_EBUSY;
    if (pump->n >= pump->max)
        return COSMOSB_ENOMEM;
    pump->rx[pump->n++] = rx;
    if (pump->on_add) {
        /* A created pump sleeps on its wait set: a receiver whose pipe is not in it would
         * never wake the pump. Could it not be added, the receiver is not added either. */
        int rc = pump->on_add(pump->wait_ctx, rx);
        if (rc != COSMOSB_OK) {
            pump->rx[--pump->n] = NULL;
            return rc;
        }
    }
    return COSMOSB_OK;
}

int cosmosb_pump_remove(cosmosb_pump_t *pump, cosmosb_receiver_t *rx)
{
    if (!valid(pump) || !rx)
        return COSMOSB_EINVAL;
    for (uint32_t i = 0; i < pump->n; i++) {
        if (pump->rx[i] != rx)
            continue;
        /* Keep the order of the others: it is their priority. */
        for (uint32_t k = i + 1u; k < pump->n; k++)
            pump->rx[k - 1u] = pump->rx[k];
        pump->n--;
        if (pump->on_remove)
            pump->on_remove(pump->wait_ctx, rx);
        return COSMOSB_OK;
    }
    return COSMOSB_ERANGE;
}

uint32_t cosmosb_pump_count(const cosmosb_pump_t *pump)
{
    return valid(pump) ? pump->n : 0u;
}

void cosmosb__pump_set_hooks(cosmosb_pump_t *pump, cosmosb__pump_add_fn on_add, cosmosb__pump_remove_fn on_remove)
{
    if (valid(pump)) {
        pump->on_add = on_add;
        pump->on_remove = on_remove;
    }
}

int cosmosb_pump_set_wait(cosmosb_pump_t *pump, cosmosb_pump_wait_fn wait, void *ctx)
{
    if (!valid(pump))
        return COSMOSB_EINVAL;
    pump->wait = wait;
    pump->wait_ctx = ctx;
    pump->on_add = NULL; /* a hosted pump's wait set is no longer the context */
    pump->on_remove = NULL;
    return COSMOSB_OK;
}

/*
 * Handles one message if any is queued: the first urgent one in priority
 * order, else the first normal one. Returns 1 if one was handled, 0 if none
 * is queued; *first_err collects the first error other than EAGAIN, and
 * *all_failed stays 1 only if every receiver reported such an error.
 */
static int step(cosmosb_pump_t *pump, int *first_err, int *all_failed)
{
    cosmosb_typed_msg_t msg;
    for (uint32_t i = 0; i < pump->n; i++) {
        int rc = cosmosb_receiver_recv_urgent(pump->rx[i], &msg);
        if (rc == COSMOSB_OK) {
            (void)cosmosb__receiver_deliver(pump->rx[i], &msg);
            return 1;
        }
    }
    *all_failed = 1;
    for (uint32_t i = 0; i < pump->n; i++) {
        int rc = cosmosb_receiver_recv(pump->rx[i], &msg, COSMOSB_TIMEOUT_NONE);
        if (rc == COSMOSB_OK) {
            (void)cosmosb__receiver_deliver(pump->rx[i], &msg);
            *all_failed = 0;
            return 1;
        }
        if (rc == COSMOSB_EAGAIN) {
            *all_failed = 0;
        } else if (*first_err == 0) {
            *first_err = rc;
        }
    }
    return 0;
}

static int run(cosmosb_pump_t *pump, uint32_t max, uint64_t timeout_ns)
{
    int handled = 0;
    int first_err = 0;
    int all_failed = 0;
    /* Time comes from the first receiver's pipe (its platform hooks). */
    struct cosmosb_pipe *clock = (struct cosmosb_pipe *)cosmosb_receiver_pipe(pump->rx[0]);
    uint64_t deadline = 0;
    int have_deadline = 0;
    int woken = 0; /* the wait hook said a pipe may be ready */
    for (;;) {
        while ((uint32_t)handled < max && !pump->free_later && step(pump, &first_err, &all_failed))
            handled++;
        if (handled || pump->free_later) /* a handler or callback destroyed the pump: the run ends */
            return handled;
        if (all_failed)
            return first_err;
        /* Woken, nothing to handle, a receiver's error: that error is what woke us (a pipe
         * whose producers are gone stays ready in a wait set), so waiting again would spin. */
        if (woken && first_err)
            return first_err;
        if (timeout_ns == COSMOSB_TIMEOUT_NONE)
            return first_err ? first_err : COSMOSB_EAGAIN;
        if (pump->n == 1 && !pump->wait) {
            /* One input: its own blocking receive sleeps on the pipe's doorbell. */
            cosmosb_typed_msg_t msg;
            int rc = cosmosb_receiver_recv(pump->rx[0], &msg, timeout_ns);
            if (rc != COSMOSB_OK)
                return rc;
            (void)cosmosb__receiver_deliver(pump->rx[0], &msg);
            handled = 1;
            timeout_ns = COSMOSB_TIMEOUT_NONE;
            continue;
        }
        if (!have_deadline) {
            deadline = cosmosb__deadline(clock, timeout_ns);
            have_deadline = 1;
        }
        uint64_t now = cosmosb__now(clock);
        if (deadline != COSMOSB_TIMEOUT_FOREVER && now >= deadline)
            return first_err ? first_err : COSMOSB_ETIMEDOUT;
        if (pump->wait) {
            uint64_t left = deadline == COSMOSB_TIMEOUT_FOREVER ? COSMOSB_TIMEOUT_FOREVER : deadline - now;
            int rc = pump->wait(pump->wait_ctx, left);
            if (rc != COSMOSB_OK && rc != COSMOSB_ETIMEDOUT && rc != COSMOSB_EAGAIN)
                return rc;
            woken = rc == COSMOSB_OK;
        } else {
            /* No wait hook: a try-once receive never looks at liveness, so a pump whose senders all
             * died would poll until its deadline (for ever without one). Look on each pipe's own
             * schedule (every COSMOSB__LIVENESS_NS): a death is then reported like any departure. */
            for (uint32_t i = 0; i < pump->n; i++) {
                struct cosmosb_pipe *pp = (struct cosmosb_pipe *)cosmosb_receiver_pipe(pump->rx[i]);
                if (cosmosb__liveness_due(pp, cosmosb__now(pp))) /* its own clock: pipes may have different platforms */
                    (void)cosmosb_pipe_check_peer(pp);
            }
            if (clock->plat.yield)
                clock->plat.yield(clock->plat.ctx);
            else
                cosmosb__cpu_relax();
        }
        first_err = 0;
    }
}

int cosmosb_pump_run(cosmosb_pump_t *pump, uint32_t max, uint64_t timeout_ns)
{
    /* The count is returned as an int: more than INT32_MAX could not be (cosmosb_pipe_recv_batch's rule). */
    if (!valid(pump) || max == 0 || max > (uint32_t)INT32_MAX || pump->n == 0)
        return COSMOSB_EINVAL;
    /* From a handler or an on_reject callback of this pump's run: the outer run holds a message of
     * one of its receivers and is in the middle of a step. */
    if (pump->running)
        return COSMOSB_EBUSY;
    pump->running = 1;
    int rc = run(pump, max, timeout_ns);
    pump->running = 0;
    if (pump->free_later)
        pump->free_later(pump); /* last use of pump: cosmosb_pump_destroy() from a handler of this run */
    return rc;
}

int cosmosb__pump_free_later(cosmosb_pump_t *pump, cosmosb__pump_free_fn free_fn)
{
    if (!valid(pump) || !pump->running)
        return 0;
    pump->free_later = free_fn;
    return 1;
}

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
    /* Receivers may be added and removed by handlers and on_reject callbacks of the running pump: */
    uint32_t gen;     /* bumped by each add and remove: a step that sees it change starts over */
    uint32_t timing;  /* 1 once the run counts its timeout: t_then is a reading of rx[0]'s clock */
    uint32_t rebase;  /* rx[0] changed since t_then: the new one's clock is not comparable with it */
    uint32_t reserved;
    uint64_t t_left;  /* the run's time left as of t_then (COSMOSB_TIMEOUT_FOREVER: no limit) */
    uint64_t t_then;
    cosmosb_receiver_t *cur; /* the receiver the run is receiving on (its on_reject may run) */
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

/* Counts the time since the run's last reading, on the clock of the first receiver's pipe (the
 * time source of the run). Only while rx[0] is in the pump: its pipe may be gone once removed. */
static void tick(cosmosb_pump_t *pump)
{
    struct cosmosb_pipe *clock = (struct cosmosb_pipe *)cosmosb_receiver_pipe(pump->rx[0]);
    uint64_t now = cosmosb__now(clock);
    if (!pump->rebase && pump->t_left != COSMOSB_TIMEOUT_FOREVER) {
        uint64_t spent = now > pump->t_then ? now - pump->t_then : 0;
        pump->t_left = spent < pump->t_left ? pump->t_left - spent : 0;
    }
    pump->t_then = now;
    pump->rebase = 0;
}

/* The list changed (from a handler or callback of the run, or between runs). */
static void changed(cosmosb_pump_t *pump)
{
    pump->gen++;
    /* A receive of the run is in progress (we are in its on_reject callback): it takes nothing
     * more, and the step looks at the new list from the top. */
    if (pump->cur)
        cosmosb__receiver_interrupt(pump->cur);
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
         * never wake the pump. Could it not be added, the receiver is not added either.
         * (Safe from a handler: the run never holds the wait set while handlers run.) */
        int rc = pump->on_add(pump->wait_ctx, rx);
        if (rc != COSMOSB_OK) {
            pump->rx[--pump->n] = NULL;
            return rc;
        }
    }
    if (pump->n == 1) {
        pump->rebase = 1; /* a new first receiver: a new time source ... */
        if (pump->timing)
            tick(pump); /* ... counted from now (review 26: waiting for the next tick let callbacks that
                         * changed the first receiver on every reject stretch a timeout 150 times) */
    }
    changed(pump);
    return COSMOSB_OK;
}

int cosmosb_pump_remove(cosmosb_pump_t *pump, cosmosb_receiver_t *rx)
{
    if (!valid(pump) || !rx)
        return COSMOSB_EINVAL;
    for (uint32_t i = 0; i < pump->n; i++) {
        if (pump->rx[i] != rx)
            continue;
        /* The run's time source goes: count the time on it up to now, while it is still ours. */
        if (i == 0 && pump->timing)
            tick(pump);
        /* Keep the order of the others: it is their priority. */
        for (uint32_t k = i + 1u; k < pump->n; k++)
            pump->rx[k - 1u] = pump->rx[k];
        pump->rx[--pump->n] = NULL;
        if (i == 0) {
            pump->rebase = 1;
            if (pump->timing && pump->n)
                tick(pump); /* the new first receiver's clock counts from now, as in add */
        }
        if (pump->on_remove)
            pump->on_remove(pump->wait_ctx, rx);
        changed(pump);
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

/* A receive of the run on rx; the pump notes it so that an add or a remove from its on_reject
 * callback ends it (cosmosb__receiver_interrupt). */
static int recv_on(cosmosb_pump_t *pump, cosmosb_receiver_t *rx, cosmosb_typed_msg_t *msg, uint64_t timeout_ns,
                   int urgent)
{
    pump->cur = rx;
    int rc = urgent ? cosmosb_receiver_recv_urgent(rx, msg) : cosmosb_receiver_recv(rx, msg, timeout_ns);
    pump->cur = NULL;
    return rc;
}

/* Times a step looks at the list again because on_reject callbacks changed it: each restart skips the
 * receiver whose callback changed it, so a step ends after at most this many (the rest wait for the
 * next step), however the senders and callbacks behave. */
#define MAX_STEP_RESTARTS 64u

/*
 * Handles one message if any is queued: the first urgent one in priority
 * order, else the first normal one. Returns 1 if one was handled, 0 if none
 * is queued; *first_err collects the first error other than EAGAIN, and
 * *all_failed stays 1 only if every receiver reported such an error.
 * Each receiver is read from the list just before its receive, and nothing
 * is looked up after a handler returns: handlers and on_reject callbacks may
 * add and remove receivers. When a callback changed the list, the step starts
 * over on the new one (a removal shifts the others; an added receiver may
 * have an urgent message), so no receiver is skipped and the order holds.
 */
static int in_list(cosmosb_receiver_t *const *list, uint32_t n, const cosmosb_receiver_t *rx)
{
    for (uint32_t k = 0; k < n; k++)
        if (list[k] == rx)
            return 1;
    return 0;
}

static int step(cosmosb_pump_t *pump, int *first_err, int *all_failed)
{
    cosmosb_typed_msg_t msg;
    const int err0 = *first_err;
    /* Receivers whose receive a change of the list cut short in this step: they had their turn, and
     * the step goes on without them (review 26: a callback that changed the list on every reject made
     * every restart reject the first receiver's next message, and the others were never looked at). */
    cosmosb_receiver_t *done[MAX_STEP_RESTARTS];
    uint32_t ndone = 0;
    cosmosb_receiver_t *rx;
again:
    for (uint32_t gen = pump->gen, i = 0; i < pump->n; i++) {
        rx = pump->rx[i];
        if (in_list(done, ndone, rx))
            continue;
        int rc = recv_on(pump, rx, &msg, COSMOSB_TIMEOUT_NONE, 1);
        if (rc == COSMOSB_OK) {
            (void)cosmosb__receiver_deliver(rx, &msg);
            return 1;
        }
        if (pump->gen != gen)
            goto changed;
    }
    *all_failed = 1;
    for (uint32_t gen = pump->gen, i = 0; i < pump->n; i++) {
        rx = pump->rx[i];
        if (in_list(done, ndone, rx)) {
            *all_failed = 0; /* it had its turn: not a failure */
            continue;
        }
        int rc = recv_on(pump, rx, &msg, COSMOSB_TIMEOUT_NONE, 0);
        if (rc == COSMOSB_OK) {
            (void)cosmosb__receiver_deliver(rx, &msg);
            *all_failed = 0;
            return 1;
        }
        if (pump->gen != gen)
            goto changed;
        if (rc == COSMOSB_EAGAIN) {
            *all_failed = 0;
        } else if (*first_err == 0) {
            *first_err = rc;
        }
    }
    if (pump->n == 0)
        *all_failed = 0; /* none left (removed by callbacks): not an error, the run ends */
    return 0;
changed:
    *first_err = err0; /* errors of receivers that may be gone */
    *all_failed = 0;
    if (pump->free_later)
        return 0; /* a callback destroyed the pump: nothing more is handled */
    if (ndone == MAX_STEP_RESTARTS)
        return 0; /* like a try-once receive after too many rejects: nothing this time */
    done[ndone++] = rx;
    goto again;
}

static int run(cosmosb_pump_t *pump, uint32_t max, uint64_t timeout_ns)
{
    int handled = 0;
    int first_err = 0;
    int all_failed = 0;
    int woken = 0; /* the wait hook said a pipe may be ready */
    pump->timing = 0;
    for (;;) {
        while ((uint32_t)handled < max && !pump->free_later && pump->n && step(pump, &first_err, &all_failed))
            handled++;
        if (handled || pump->free_later) /* a handler or callback destroyed the pump: the run ends */
            return handled;
        if (pump->n == 0) /* callbacks removed every receiver: the run ends, nothing handled */
            return 0;
        if (all_failed)
            return first_err;
        /* Woken, nothing to handle, a receiver's error: that error is what woke us (a pipe
         * whose producers are gone stays ready in a wait set), so waiting again would spin. */
        if (woken && first_err)
            return first_err;
        if (timeout_ns == COSMOSB_TIMEOUT_NONE)
            return first_err ? first_err : COSMOSB_EAGAIN;
        /* Time comes from the first receiver's pipe (its platform hooks), read again each round:
         * callbacks may have removed that receiver, and tick() then counted its time up to then. */
        if (!pump->timing) {
            pump->t_left = timeout_ns;
            pump->rebase = 1;
            pump->timing = 1;
        }
        tick(pump);
        uint64_t left = pump->t_left;
        if (left == 0)
            return first_err ? first_err : COSMOSB_ETIMEDOUT;
        if (pump->n == 1 && !pump->wait) {
            /* One input: its own blocking receive sleeps on the pipe's doorbell. */
            cosmosb_typed_msg_t msg;
            cosmosb_receiver_t *rx = pump->rx[0];
            uint32_t gen = pump->gen;
            int rc = recv_on(pump, rx, &msg, left, 0);
            if (rc == COSMOSB_OK) {
                (void)cosmosb__receiver_deliver(rx, &msg);
                handled = 1;
                timeout_ns = COSMOSB_TIMEOUT_NONE;
                continue;
            }
            if (pump->gen == gen)
                return rc;
            first_err = 0; /* its on_reject changed the list: look again */
            continue;
        }
        if (pump->wait) {
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
            struct cosmosb_pipe *clock = (struct cosmosb_pipe *)cosmosb_receiver_pipe(pump->rx[0]);
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
    if (!valid(pump) || max == 0 || max > (uint32_t)INT32_MAX)
        return COSMOSB_EINVAL;
    /* From a handler or an on_reject callback of this pump's run: the outer run holds a message of
     * one of its receivers and is in the middle of a step. */
    if (pump->running)
        return COSMOSB_EBUSY;
    if (pump->n == 0)
        return COSMOSB_EINVAL;
    pump->running = 1;
    int rc = run(pump, max, timeout_ns);
    pump->running = 0;
    pump->timing = 0;
    if (pump->free_later)
        pump->free_later(pump); /* last use of pump: cosmosb_pump_destroy() from a handler of this run */
    return rc;
}

int cosmosb__pump_free_later(cosmosb_pump_t *pump, cosmosb__pump_free_fn free_fn)
{
    if (!valid(pump) || !pump->running)
        return 0;
    pump->free_later = free_fn;
    changed(pump); /* from an on_reject callback: its receive takes nothing more (review 26) */
    return 1;
}

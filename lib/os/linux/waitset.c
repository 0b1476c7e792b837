/*
 * waitset.c - one sleep for many pipes, with futex_waitv (Linux >= 5.16).
 *
 * Each round: cosmosb_pipe_wait_prepare() on every pipe (marks the consumer
 * sleeping on that pipe and checks it once more), then one futex_waitv()
 * over all their doorbells. A sender that publishes after the prepare
 * changes its pipe's doorbell, so the wait returns at once: no lost wakeup.
 * Sleeps are sliced so that producer deaths are noticed (cosmosb_pipe_check_peer),
 * and cut to 1 ms while a pipe's heavy barrier has failed (a wakeup may be lost).
 * Without futex_waitv the set sleeps on one doorbell in short slices.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#define WAITV_FUTEX_32 2u
#define FALLBACK_SLICE_NS 1000000ull

struct waitv_entry { /* struct futex_waitv of <linux/futex.h> */
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t reserved;
};

struct cosmosb_waitset {
    uint32_t n;
    uint32_t rr;
    uint64_t next_liveness; /* next look at the producers' liveness; kept across waits */
    cosmosb_pipe_t *pipes[COSMOSB_WAITSET_MAX];
    struct waitv_entry w[COSMOSB_WAITSET_MAX];
};

int cosmosb_waitset_create(cosmosb_waitset_t **out)
{
    if (!out)
        return COSMOSB_EINVAL;
    *out = calloc(1, sizeof **out);
    return *out ? COSMOSB_OK : COSMOSB_ENOMEM;
}

/* The Linux layer's state of p, or NULL for a core handle (cosmosb_pipe_open_consumer: no back-link). */
static struct cosmosb__linux_pipe *linux_of(cosmosb_pipe_t *p)
{
    return (struct cosmosb__linux_pipe *)p->host;
}

void cosmosb_waitset_destroy(cosmosb_waitset_t *ws)
{
    if (!ws)
        return;
    for (uint32_t i = 0; i < ws->n; i++) {
        struct cosmosb__linux_pipe *lp = linux_of(ws->pipes[i]);
        if (lp && lp->waitset == ws)
            lp->waitset = NULL;
    }
    free(ws);
}

int cosmosb_waitset_add(cosmosb_waitset_t *ws, cosmosb_pipe_t *p)
{
    if (!ws || cosmosb__check(p, 0))
        return COSMOSB_EINVAL;
    if (p->role != COSMOSB_ROLE_CONSUMER)
        return COSMOSB_EROLE;
    for (uint32_t i = 0; i < ws->n; i++)
        if (ws->pipes[i] == p)
            return COSMOSB_EINVAL;
    struct cosmosb__linux_pipe *lp = linux_of(p);
    if (lp && lp->waitset)
        return COSMOSB_EBUSY; /* in another set: its close could remove it from one only */
    if (ws->n >= COSMOSB_WAITSET_MAX)
        return COSMOSB_ENOMEM;
    ws->pipes[ws->n++] = p;
    if (lp)
        lp->waitset = ws;
    return COSMOSB_OK;
}

int cosmosb_waitset_remove(cosmosb_waitset_t *ws, cosmosb_pipe_t *p)
{
    if (!ws)
        return COSMOSB_EINVAL;
    for (uint32_t i = 0; i < ws->n; i++) {
        if (ws->pipes[i] == p) {
            struct cosmosb__linux_pipe *lp = linux_of(p);
            if (lp && lp->waitset == ws)
                lp->waitset = NULL;
            ws->pipes[i] = ws->pipes[--ws->n];
            if (ws->rr >= ws->n)
                ws->rr = 0;
            return COSMOSB_OK;
        }
    }
    return COSMOSB_EINVAL;
}

static void cancel(cosmosb_waitset_t *ws, uint32_t count)
{
    for (uint32_t k = 0; k < count; k++) {
        cosmosb_pipe_t *p = ws->pipes[(ws->rr + k) % ws->n];
        /* SC: withdraw the sleep announcement made by wait_prepare. */
        cosmosb__fetch_and_seq_cst(&p->hdr->sleeping, ~COSMOSB__SLEEP_FUTEX);
    }
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int cosmosb_waitset_wait(cosmosb_waitset_t *ws, uint64_t timeout_ns, cosmosb_pipe_t **ready)
{
    if (!ws || !ready || ws->n == 0)
        return COSMOSB_EINVAL;
    uint64_t start = mono_ns();
    uint64_t deadline = timeout_ns == COSMOSB_TIMEOUT_FOREVER ? UINT64_MAX
                        : start > UINT64_MAX - 1 - timeout_ns ? UINT64_MAX - 1 : start + timeout_ns;
    for (;;) {
        /* Busy path first: a pipe with a message (or a departure to report) needs no announcement and no
         * barrier. Announcing every pipe first made a busy set pay one barrier per pipe per call and the
         * producers a wake for each announcement withdrawn (review 27: 1308 us instead of 3 us per wait
         * and receive over 128 busy pipes). */
        for (uint32_t k = 0; k < ws->n; k++) {
            uint32_t i = (ws->rr + k) % ws->n;
            if (cosmosb__check(ws->pipes[i], COSMOSB_ROLE_CONSUMER) == COSMOSB_OK && cosmosb__wait_ready(ws->pipes[i])) {
                *ready = ws->pipes[i];
                ws->rr = (i + 1) % ws->n;
                return COSMOSB_OK;
            }
        }
        /* Then cosmosb_pipe_wait_prepare on every pipe, with one sleeper barrier for all of them (review
         * 25: one membarrier per pipe cost 38 us per round with 128 pipes): announce all, barrier, re-check. */
        uint32_t prepared = 0;
        for (uint32_t k = 0; k < ws->n; k++) {
            uint32_t i = (ws->rr + k) % ws->n;
            if (cosmosb__check(ws->pipes[i], COSMOSB_ROLE_CONSUMER) != COSMOSB_OK) {
                /* Not an open consumer any more (a core handle closed with cosmosb_pipe_close_endpoint while
                 * in the set): reporting it ready would make every wait return at once. */
                cancel(ws, prepared);
                *ready = ws->pipes[i];
                return COSMOSB_EINVAL;
            }
            cosmosb_wait_token_t tok;
            cosmosb__wait_announce(ws->pipes[i], &tok);
            ws->w[k] = (struct waitv_entry){.val = tok.expected, .uaddr = (uint64_t)(uintptr_t)tok.addr,
                                            .flags = WAITV_FUTEX_32};
            prepared++;
        }
        cosmosb__sleeper_barrier_many(ws->pipes, ws->n);
        for (uint32_t k = 0; k < ws->n; k++) {
            uint32_t i = (ws->rr + k) % ws->n;
            int rc = cosmosb__wait_recheck(ws->pipes[i]);
            if (rc != COSMOSB_OK) {
                cancel(ws, prepared); /* recheck withdrew this pipe's bit already; the others' now */
                *ready = ws->pipes[i];
                ws->rr = (i + 1) % ws->n;
                return COSMOSB_OK; /* messages (EAGAIN), or a departure to report (EPEERDEAD, ECLOSED) */
            }
        }
        uint64_t now = mono_ns();
        if (timeout_ns == COSMOSB_TIMEOUT_NONE) {
            cancel(ws, prepared);
            return COSMOSB_EAGAIN;
        }
        if (now >= deadline) {
            cancel(ws, prepared);
            return COSMOSB_ETIMEDOUT;
        }
        if (now >= ws->next_liveness) {
            /* Due (the schedule survives short waits): look, then prepare again. */
            cancel(ws, prepared);
            ws->next_liveness = now + COSMOSB__LIVENESS_NS;
            for (uint32_t i = 0; i < ws->n; i++)
                (void)cosmosb_pipe_check_peer(ws->pipes[i]);
            continue;
        }
        uint64_t until = deadline < ws->next_liveness ? deadline : ws->next_liveness;
        /* A pipe whose heavy barrier failed (heavy == 2) cannot count on its light wakers seeing the
         * sleeping bit: sleep in its short slices, as cosmosb__sleep does (docs/pipe.md, section 9). */
        int degraded = 0;
        for (uint32_t k = 0; k < prepared; k++) {
            cosmosb_pipe_t *p = ws->pipes[(ws->rr + k) % ws->n];
            degraded |= p->heavy == 2;
            p->stats.sleeps++;
        }
        if (degraded && until - now > COSMOSB__DEGRADED_SLICE_NS)
            until = now + COSMOSB__DEGRADED_SLICE_NS;
        struct timespec abs = {.tv_sec = (time_t)(until / 1000000000u), .tv_nsec = (long)(until % 1000000000u)};
        long rc = syscall(SYS_futex_waitv, ws->w, ws->n, 0, &abs, CLOCK_MONOTONIC);
        int err = rc < 0 ? errno : 0;
        cancel(ws, prepared);
        if (rc < 0 && err == ENOSYS) {
            /* Old kernel: sleep briefly on the first doorbell, then look at all again. */
            uint64_t slice = until - now < FALLBACK_SLICE_NS ? until - now : FALLBACK_SLICE_NS;
            cosmosb_linux_platform()->wait32(NULL, (const void *)(uintptr_t)ws->w[0].uaddr,
                                             (uint32_t)ws->w[0].val, slice);
        } else if (rc < 0 && err != ETIMEDOUT && err != EAGAIN && err != EINTR) {
            return cosmosb__linux_err(err);
        }
    }
}

int cosmosb_waitset_pump_wait(void *ws, uint64_t timeout_ns)
{
    cosmosb_pipe_t *ready = NULL;
    return cosmosb_waitset_wait((cosmosb_waitset_t *)ws, timeout_ns, &ready);
}

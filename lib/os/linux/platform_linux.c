/*
 * platform_linux.c - the Linux hook table: futex, CLOCK_MONOTONIC,
 * sched_yield, pidfd liveness, getpid, eventfd notification.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int linux_wait32(void *ctx, const void *addr, uint32_t expected, uint64_t timeout_ns)
{
    (void)ctx;
    struct timespec ts, *tsp = NULL;
    if (timeout_ns != COSMOSB_TIMEOUT_FOREVER) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
        ts.tv_nsec = (long)(timeout_ns % 1000000000u);
        tsp = &ts;
    }
    /* Not FUTEX_PRIVATE: the word is shared between processes. */
    long rc = syscall(SYS_futex, addr, FUTEX_WAIT, expected, tsp, NULL, 0);
    if (rc == 0)
        return COSMOSB_OK;
    if (errno == ETIMEDOUT)
        return COSMOSB_ETIMEDOUT;
    if (errno == EAGAIN || errno == EINTR)
        return COSMOSB_OK;
    return cosmosb__linux_err(errno);
}

static void linux_wake32(void *ctx, const void *addr, uint32_t count)
{
    (void)ctx;
    int n = count > (uint32_t)INT_MAX ? INT_MAX : (int)count;
    (void)syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

static uint64_t linux_now_ns(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void linux_yield(void *ctx)
{
    (void)ctx;
    sched_yield();
}

/*
 * A pidfd becomes readable when its process has exited, zombie or not,
 * which kill(pid, 0) cannot tell. Without pidfd_open (Linux < 5.3) we fall
 * back to kill(). A pid alone does not tell reuse or exec() apart: the
 * handles of this layer add a liveness lock (liveness.c).
 */
static int linux_peer_alive(void *ctx, uint32_t id)
{
    (void)ctx;
    /* A liveness lock's flag and tag off (liveness.c); a plain pid is below 2^22 anyway. */
    uint32_t pid = (id & COSMOSB__LINUX_ID_LOCKED) ? id & COSMOSB__LINUX_ID_PID_MASK : id;
    if (pid == 0 || pid > (uint32_t)INT_MAX)
        return COSMOSB_PEER_UNKNOWN;
    int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (fd < 0) {
        if (errno == ESRCH)
            return COSMOSB_PEER_DEAD;
        if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
            return COSMOSB_PEER_ALIVE;
        return errno == ESRCH ? COSMOSB_PEER_DEAD : COSMOSB_PEER_UNKNOWN;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int rc = poll(&pfd, 1, 0);
    close(fd);
    if (rc < 0)
        return COSMOSB_PEER_UNKNOWN;
    return (rc > 0 && (pfd.revents & (POLLIN | POLLHUP))) ? COSMOSB_PEER_DEAD : COSMOSB_PEER_ALIVE;
}

static uint32_t linux_self_id(void *ctx)
{
    (void)ctx;
    return (uint32_t)getpid();
}

/*
 * The eventfd's open file description is shared with the consumer, who can
 * clear its O_NONBLOCK and fill its counter: a plain write would then block
 * the producer for good. A write of 1 blocks only when the counter has no
 * room for it, so we write only when poll says it has (a hostile consumer
 * that fills it between our look and our write can still block us:
 * docs/pipe.md, "Notification"; the producer that does not trust its
 * consumer attaches without the eventfd).
 */
static void linux_notify(void *ctx, void *channel)
{
    (void)ctx;
    struct cosmosb__linux_pipe *lp = channel;
    if (!lp || lp->event_fd < 0)
        return;
    struct pollfd pfd = {.fd = lp->event_fd, .events = POLLOUT};
    if (poll(&pfd, 1, 0) != 1 || (pfd.revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) != POLLOUT)
        return; /* full (only the consumer fills it that far; it is not woken this way), or in error */
    uint64_t one = 1;
    ssize_t n = write(lp->event_fd, &one, sizeof one);
    (void)n; /* EAGAIN: the counter is saturated, the reader is notified anyway */
}

/* Registration is per process and permanent; repeating it is harmless. */
static int linux_heavy_register(void *ctx)
{
    (void)ctx;
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0 ? 0 : COSMOSB_ENOTSUP;
}

static int linux_heavy_barrier(void *ctx)
{
    (void)ctx;
    return syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0 ? 0 : COSMOSB_EIO;
}

static const cosmosb_platform_t cosmosb__linux_platform = {
    .ctx = NULL,
    .wait32 = linux_wait32,
    .wake32 = linux_wake32,
    .now_ns = linux_now_ns,
    .yield = linux_yield,
    .peer_alive = linux_peer_alive,
    .self_id = linux_self_id,
    .notify = linux_notify,
    .heavy_barrier_register = linux_heavy_register,
    .heavy_barrier = linux_heavy_barrier,
    .log = NULL,
};

const cosmosb_platform_t *cosmosb_linux_platform(void)
{
    return &cosmosb__linux_platform;
}

/*
 * kernel.c - the architecture-independent part of a minimal hobby kernel
 * that hosts libcosmosb.
 *
 * The architecture part (x86_64/ or riscv64/: boot.S, arch.c) starts the
 * CPU, supplies a console, the four mem* functions libcosmosb-freestanding.a
 * needs, the task switch and a way to end the run, then calls k_main(). This
 * file supplies the rest of what the library needs from a host: memory,
 * cooperative tasks and the platform hook table (wait32/wake32 block and
 * wake tasks on a word, like a futex). The IPC scenario itself is in
 * ipc_demo.c. k_main() ends with arch_exit(): success only if every check
 * passed.
 *
 * Time is virtual: the clock advances 1 µs each time anybody looks at it,
 * and when every task is blocked it jumps to the earliest wait deadline.
 * The run is therefore deterministic and never depends on the host's speed.
 *
 * Tasks are cooperative, unless the architecture part preempts them (the
 * x86_64 kernel built with K_PREEMPT: a timer interrupt calls k_preempt()).
 * Every piece of scheduler state is touched with interrupts off
 * (arch_irq_save/restore), and the scheduler itself always runs with
 * interrupts off.
 */
#include "kernel.h"

#include <stdarg.h>
#include <stdatomic.h>

/* --------------------------------------------------------------- printf */

static void k_putc(char c)
{
    if (c == '\n')
        arch_putc('\r');
    arch_putc(c);
}

static void k_puts(const char *s)
{
    while (*s)
        k_putc(*s++);
}

static void k_putu(uint64_t v, unsigned base, int neg)
{
    char buf[24];
    int i = 0;
    do {
        buf[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        k_putc('-');
    while (i)
        k_putc(buf[--i]);
}

void k_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            k_putc(*p);
            continue;
        }
        int lng = 0;
        p++;
        while (*p == 'l' || *p == 'z') {
            lng++;
            p++;
        }
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            k_puts(s ? s : "(null)");
            break;
        }
        case 'c':
            k_putc((char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            k_putu(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10, v < 0);
            break;
        }
        case 'u':
            k_putu(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0);
            break;
        case 'x':
            k_putu(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0);
            break;
        case 'p':
            k_puts("0x");
            k_putu((uintptr_t)va_arg(ap, void *), 16, 0);
            break;
        case '%':
            k_putc('%');
            break;
        default:
            k_putc('?');
            break;
        }
        if (!*p)
            break;
    }
    va_end(ap);
}

uint32_t k_failures;

int k_expect_rc(int rc, int want, const char *what, const char *file, int line)
{
    if (rc == want)
        return 1;
    k_printf("FAIL %s:%d: %s returned %s (%d), expected %s\n", file, line, what, cosmosb_err_name(rc), rc,
             cosmosb_err_name(want));
    k_failures++;
    return 0;
}

/* --------------------------------------------------------------- memory */

static _Alignas(4096) uint8_t k_pool[4u << 20];
static uint64_t k_pool_used;

void *k_alloc(uint64_t size, uint64_t align)
{
    uint64_t start = (k_pool_used + align - 1) & ~(align - 1);
    if (start > sizeof k_pool || size > sizeof k_pool - start) {
        k_printf("FAIL: k_alloc: out of memory (%lu bytes)\n", (unsigned long)size);
        arch_exit(0);
    }
    k_pool_used = start + size;
    return k_pool + start;
}

/* ----------------------------------------------------------------- tasks */

#define K_MAX_TASKS 6
#define K_STACK 32768
#define K_MAX_WAIT 4
#define K_NO_DEADLINE UINT64_MAX

enum { T_FREE, T_READY, T_BLOCKED, T_DONE };

struct k_task {
    uint64_t sp;                    /* saved stack pointer (k_switch layout) */
    uint32_t state, id;
    const char *name;
    k_entry_t entry;
    const void *wait_addr[K_MAX_WAIT];
    uint32_t nwait;
    int timed_out;
    uint64_t deadline;              /* virtual ns, or K_NO_DEADLINE */
    _Alignas(16) uint8_t stack[K_STACK];
};

static struct k_task k_tasks[K_MAX_TASKS];
static uint32_t k_ntasks;
static struct k_task *k_current; /* NULL: the boot (scheduler) context */
static uint64_t k_sched_sp;
static uint64_t k_vclock;
static uint64_t k_nswitch, k_nsleep, k_nwake, k_ntimeout;

static uint64_t k_npreempt;

/* Switches from the current task to the scheduler; the caller has interrupts off. */
static void k_to_scheduler(void)
{
    k_switch(&k_current->sp, k_sched_sp);
}

static void k_task_start(void)
{
    arch_task_irq_on(); /* a new task runs with interrupts on if the kernel preempts */
    k_current->entry();
    (void)arch_irq_save();
    k_current->state = T_DONE;
    k_to_scheduler();
    for (;;) /* never resumed */
        arch_halt();
}

uint32_t k_task_create(const char *name, k_entry_t entry)
{
    if (k_ntasks == K_MAX_TASKS) {
        k_printf("FAIL: too many tasks\n");
        arch_exit(0);
    }
    struct k_task *t = &k_tasks[k_ntasks];
    t->id = ++k_ntasks;
    t->name = name;
    t->entry = entry;
    t->deadline = K_NO_DEADLINE;
    t->sp = arch_task_init(t->stack + K_STACK, k_task_start);
    t->state = T_READY;
    return t->id;
}

uint32_t k_self(void)
{
    return k_current ? k_current->id : 0;
}

void k_yield(void)
{
    unsigned long f = arch_irq_save();
    if (k_current)
        k_to_scheduler();
    arch_irq_restore(f);
}

/* Called by the timer interrupt handler (interrupts off, end of interrupt sent). */
void k_preempt(void)
{
    if (!k_current)
        return; /* the scheduler itself is never preempted (it runs with interrupts off) */
    k_npreempt++;
    k_to_scheduler(); /* the task stays READY; it resumes here and returns from the interrupt */
}

uint64_t k_preemptions(void)
{
    return k_npreempt;
}

/* Runs tasks round robin until all are done. Returns 0 on deadlock. */
static int k_run(void)
{
    uint32_t next = 0;
    for (;;) {
        struct k_task *t = NULL;
        for (uint32_t i = 0; i < k_ntasks; i++) {
            uint32_t j = (next + i) % k_ntasks;
            if (k_tasks[j].state == T_READY) {
                t = &k_tasks[j];
                next = j + 1;
                break;
            }
        }
        if (t) {
            k_current = t;
            k_nswitch++;
            k_switch(&k_sched_sp, t->sp);
            k_current = NULL;
            continue;
        }
        /* Nobody can run: all done, or time jumps to the first deadline. */
        struct k_task *first = NULL;
        uint32_t done = 0;
        for (uint32_t i = 0; i < k_ntasks; i++) {
            struct k_task *u = &k_tasks[i];
            if (u->state == T_DONE)
                done++;
            else if (u->state == T_BLOCKED && u->deadline != K_NO_DEADLINE &&
                     (!first || u->deadline < first->deadline))
                first = u;
        }
        if (done == k_ntasks)
            return 1;
        if (!first) {
            k_printf("FAIL: deadlock: every task waits forever\n");
            for (uint32_t i = 0; i < k_ntasks; i++)
                k_printf("  task %u %s: state %u\n", k_tasks[i].id, k_tasks[i].name, k_tasks[i].state);
            return 0;
        }
        if (first->deadline > k_vclock)
            k_vclock = first->deadline;
        first->state = T_READY;
        first->timed_out = 1;
        first->nwait = 0;
        k_ntimeout++;
    }
}

/* Blocks the current task on n words until woken or until timeout_ns (virtual) passes. */
static int k_block(const void *const *addr, const uint32_t *expected, uint32_t n, uint64_t timeout_ns)
{
    struct k_task *t = k_current;
    if (!t || n == 0 || n > K_MAX_WAIT)
        return COSMOSB_EINVAL;
    unsigned long f = arch_irq_save(); /* the compare and the block: no switch in between */
    for (uint32_t i = 0; i < n; i++) {
        /* Relaxed: one CPU and no task switch until the block below (interrupts
         * are off), so no waker can run in between (the futex guarantee). */
        if (atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)addr[i], memory_order_relaxed) != expected[i]) {
            arch_irq_restore(f);
            return COSMOSB_OK;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        t->wait_addr[i] = addr[i];
    t->nwait = n;
    t->timed_out = 0;
    t->deadline = (timeout_ns == COSMOSB_TIMEOUT_FOREVER || timeout_ns > K_NO_DEADLINE - 1 - k_vclock)
                      ? K_NO_DEADLINE
                      : k_vclock + timeout_ns;
    t->state = T_BLOCKED;
    k_nsleep++;
    k_to_scheduler();
    int timed_out = t->timed_out;
    arch_irq_restore(f);
    return timed_out ? COSMOSB_ETIMEDOUT : COSMOSB_OK;
}

void k_wait_any(const void *const *addr, const uint32_t *expected, uint32_t n)
{
    (void)k_block(addr, expected, n, COSMOSB_TIMEOUT_FOREVER);
}

/* ------------------------------------------------------ platform hooks */

static int k_hook_wait32(void *ctx, const void *addr, uint32_t expected, uint64_t timeout_ns)
{
    (void)ctx;
    return k_block(&addr, &expected, 1, timeout_ns);
}

static void k_hook_wake32(void *ctx, const void *addr, uint32_t count)
{
    (void)ctx;
    unsigned long f = arch_irq_save();
    for (uint32_t i = 0; i < k_ntasks && count; i++) {
        struct k_task *t = &k_tasks[i];
        if (t->state != T_BLOCKED)
            continue;
        for (uint32_t w = 0; w < t->nwait; w++) {
            if (t->wait_addr[w] == addr) {
                t->state = T_READY;
                t->nwait = 0;
                t->deadline = K_NO_DEADLINE;
                k_nwake++;
                count--;
                break;
            }
        }
    }
    arch_irq_restore(f);
}

static uint64_t k_hook_now_ns(void *ctx)
{
    (void)ctx;
    unsigned long f = arch_irq_save(); /* the scheduler may move the clock too */
    uint64_t now = k_vclock += 1000;   /* virtual time: each look costs 1 µs */
    arch_irq_restore(f);
    return now;
}

static void k_hook_yield(void *ctx)
{
    (void)ctx;
    k_yield();
}

static int k_hook_peer_alive(void *ctx, uint32_t id)
{
    (void)ctx;
    if (id == 0 || id > k_ntasks)
        return COSMOSB_PEER_UNKNOWN;
    return k_tasks[id - 1].state == T_DONE ? COSMOSB_PEER_DEAD : COSMOSB_PEER_ALIVE;
}

static uint32_t k_hook_self_id(void *ctx)
{
    (void)ctx;
    return k_self();
}

/* One CPU: whenever a side is about to sleep, no other task is running (a
 * preempted one went through an interrupt and a switch, each a full barrier
 * on this CPU), so the "barrier on every CPU running a peer" that
 * heavy_barrier promises is already true. This lets
 * the pipes' fast paths run without fences (docs/pipe.md). A multiprocessor
 * kernel would need an IPI here, or should leave these two hooks NULL. */
static int k_hook_heavy_register(void *ctx)
{
    (void)ctx;
    return 0;
}

static int k_hook_heavy_barrier(void *ctx)
{
    (void)ctx;
    atomic_signal_fence(memory_order_seq_cst); /* compiler barrier only: see above */
    return 0;
}

static void k_hook_log(void *ctx, int level, const char *msg)
{
    (void)ctx;
    k_printf("cosmosb[%d]: %s\n", level, msg);
}

const cosmosb_platform_t k_platform = {
    .ctx = NULL,
    .wait32 = k_hook_wait32,
    .wake32 = k_hook_wake32,
    .now_ns = k_hook_now_ns,
    .yield = k_hook_yield,
    .peer_alive = k_hook_peer_alive,
    .self_id = k_hook_self_id,
    .notify = NULL,
    .heavy_barrier_register = k_hook_heavy_register,
    .heavy_barrier = k_hook_heavy_barrier,
    .log = k_hook_log,
};

/* ----------------------------------------------------------------- main */

void k_main(void)
{
    k_printf("\nkernel: libcosmosb %s example kernel, %s\n", cosmosb_version_string(), arch_name);
    arch_describe();
    k_ipc_demo_start();
    arch_preempt_start(); /* no-op unless the architecture part preempts tasks */
    int finished = k_run();
    arch_preempt_stop();
    k_printf("kernel: %u tasks finished; %lu task switches (%lu by timer preemption), %lu sleeps in wait32, "
             "%lu wakeups by wake32, %lu timed-out waits\n",
             k_ntasks, (unsigned long)k_nswitch, (unsigned long)k_npreempt, (unsigned long)k_nsleep,
             (unsigned long)k_nwake, (unsigned long)k_ntimeout);
    if (finished)
        k_ipc_demo_report();
    if (!finished || k_failures) {
        k_printf("kernel: %u check(s) FAILED\n", k_failures);
        k_printf("kernel: exit: FAILURE\n");
        arch_exit(0);
    }
    k_printf("kernel: ALL CHECKS PASSED\n");
    k_printf("kernel: exit: success\n");
    arch_exit(1);
}

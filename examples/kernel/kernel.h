/*
 * kernel.h - the few services of the example kernel (kernel.c) that the IPC
 * demo (ipc_demo.c) uses: a serial console, a bump allocator, cooperative
 * tasks, and the libcosmosb platform hook table built on them.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include <cosmosb/cosmosb.h>

/* The four functions libcosmosb-freestanding.a needs from its host. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Console (COM1). k_printf knows %s %c %d %u %x %p with optional l / ll / z. */
void k_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Memory: a bump allocator over a static pool (never freed). Aborts the boot if exhausted. */
void *k_alloc(uint64_t size, uint64_t align);

/* Tasks: cooperative, one CPU. Ids start at 1. */
typedef void (*k_entry_t)(void);
uint32_t k_task_create(const char *name, k_entry_t entry);
void k_yield(void);
uint32_t k_self(void);
/* Blocks until one of the n words at addr[i] is woken (wake32), unless one of
 * them no longer holds expected[i] (futex compare, over several words). */
void k_wait_any(const void *const *addr, const uint32_t *expected, uint32_t n);

/* The platform hook table of this kernel (wait32/wake32 block and wake tasks). */
extern const cosmosb_platform_t k_platform;

/* Checks: every failure is printed and counted; the kernel exits with failure if any. */
extern uint32_t k_failures;
#define K_CHECK(cond, ...)                                                 \
    do {                                                                   \
        if (!(cond)) {                                                     \
            k_printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);       \
            k_printf(__VA_ARGS__);                                         \
            k_printf("\n");                                                \
            k_failures++;                                                  \
        }                                                                  \
    } while (0)
/* Checks that rc (a libcosmosb return code) equals want; evaluates to (rc == want). */
int k_expect_rc(int rc, int want, const char *what, const char *file, int line);
#define K_RC(rc, want, what) k_expect_rc((rc), (want), (what), __FILE__, __LINE__)

/* Architecture part (x86_64/arch.c, riscv64/arch.c and their boot.S). */
extern const char arch_name[];
void arch_putc(char c);                   /* one byte to the console */
void arch_describe(void);                 /* prints what the boot loader told us (may print nothing) */
__attribute__((noreturn)) void arch_exit(int ok); /* ends the run: QEMU exits, success or failure */
void arch_halt(void);                     /* stops the CPU until an interrupt (none are enabled) */
/* Prepares a new task's stack so that k_switch() to the returned stack pointer
 * starts start() with a correctly aligned stack. */
uint64_t arch_task_init(uint8_t *stack_top, void (*start)(void));
/* Interrupts: save the state and disable / restore it. Tasks that may be
 * preempted run with interrupts on; the scheduler always runs with them off. */
unsigned long arch_irq_save(void);
void arch_irq_restore(unsigned long flags);
void arch_task_irq_on(void);              /* a new task's interrupt state (on if preempting) */
int arch_preempts(void);                  /* 1 if this build preempts tasks with a timer */
void arch_preempt_start(void);            /* starts the preemption timer, if this build preempts */
void arch_preempt_stop(void);             /* stops it */
/* The timer interrupt handler calls this (interrupts off): switches to the scheduler. */
void k_preempt(void);
uint64_t k_preemptions(void);             /* timer preemptions so far */
/* Saves the callee-saved registers on the current stack, stores the stack
 * pointer in *save_sp and resumes the context saved at next_sp (boot.S). */
void k_switch(uint64_t *save_sp, uint64_t next_sp);
/* The architecture-independent kernel, called once the console works. */
__attribute__((noreturn)) void k_main(void);

/* The IPC scenario (ipc_demo.c): creates its tasks; k_ipc_demo_report() runs after they end. */
void k_ipc_demo_start(void);
void k_ipc_demo_report(void);

#endif /* KERNEL_H */

/*
 * arch.c - the RISC-V 64 part of the example kernel (QEMU -machine virt):
 * the NS16550 UART at 0x10000000 as console, the mem* functions, task frames
 * for k_switch (boot.S), and the end of the run through the SiFive test
 * device at 0x100000. Its "fail" command carries an exit status: 33 on
 * success and 35 on failure, as on x86_64, so that an ordinary power-off
 * (status 0) never counts as a pass.
 */
#include "kernel.h"

const char arch_name[] = "riscv64 machine mode";

#define UART0 ((volatile uint8_t *)(uintptr_t)0x10000000u)
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20u
#define TEST_DEVICE ((volatile uint32_t *)(uintptr_t)0x100000u)
#define TEST_EXIT(code) (((uint32_t)(code) << 16) | 0x3333u) /* QEMU exits with status code */

void arch_putc(char c)
{
    for (uint32_t i = 0; i < 100000 && !(UART0[UART_LSR] & UART_LSR_THRE); i++)
        ;
    UART0[UART_THR] = (uint8_t)c;
}

void arch_halt(void)
{
    __asm__ __volatile__("wfi");
}

void arch_exit(int ok)
{
    *TEST_DEVICE = ok ? TEST_EXIT(33) : TEST_EXIT(35);
    for (;;)
        arch_halt();
}

void arch_describe(void)
{
}

/* Interrupts are never enabled on riscv64 (mstatus.MIE stays 0): tasks are
 * cooperative, and these have nothing to do. */
unsigned long arch_irq_save(void)
{
    return 0;
}

void arch_irq_restore(unsigned long flags)
{
    (void)flags;
}

void arch_task_irq_on(void)
{
}

int arch_preempts(void)
{
    return 0;
}

void arch_preempt_start(void)
{
}

void arch_preempt_stop(void)
{
}

uint64_t arch_task_init(uint8_t *stack_top, void (*start)(void))
{
    /* The frame k_switch restores: ra = start, s0-s11 = 0; 112 bytes keep sp 16-aligned. */
    uint64_t *sp = (uint64_t *)(void *)(stack_top - 112);
    for (int i = 0; i < 14; i++)
        sp[i] = 0;
    sp[0] = (uint64_t)(uintptr_t)start;
    return (uint64_t)(uintptr_t)sp;
}

/* ------------------------------------------------------------ mem* (host side) */
/* Byte loops through volatile pointers: the compiler cannot turn them back into calls. */

void *memcpy(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const volatile unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    volatile unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const volatile unsigned char *s = src;
    if ((uintptr_t)d <= (uintptr_t)s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

void arch_entry(void);

/* Called by boot.S on hart 0 with a stack and a zeroed .bss. */
void arch_entry(void)
{
    k_main();
}

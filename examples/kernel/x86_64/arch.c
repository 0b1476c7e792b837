/*
 * arch.c - the x86_64 part of the example kernel: COM1 console, the mem*
 * functions, task frames for k_switch (boot.S), and the end of the run
 * through QEMU's isa-debug-exit device (status 33 = success, 35 = failure).
 */
#include "kernel.h"

const char arch_name[] = "x86_64 long mode";

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

#define COM1 0x3F8
#define DEBUG_EXIT_PORT 0xF4 /* QEMU -device isa-debug-exit,iobase=0xf4: exit status (v << 1) | 1 */

static void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB on */
    outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8 bits, no parity, one stop bit */
    outb(COM1 + 2, 0xC7); /* FIFO on, cleared */
}

void arch_putc(char c)
{
    for (uint32_t i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
        __asm__ __volatile__("pause");
    outb(COM1, (uint8_t)c);
}

void arch_halt(void)
{
    __asm__ __volatile__("cli; hlt");
}

void arch_exit(int ok)
{
    outb(DEBUG_EXIT_PORT, ok ? 0x10 : 0x11); /* QEMU exits with 33 / 35 */
    for (;;)
        arch_halt();
}

uint64_t arch_task_init(uint8_t *stack_top, void (*start)(void))
{
    /* k_switch pops six registers and returns into start, which then sees
     * the stack as if it had been called (rsp = 8 mod 16). */
    uint64_t *sp = (uint64_t *)(void *)stack_top;
    *--sp = 0;                          /* start's return address: none */
    *--sp = (uint64_t)(uintptr_t)start; /* where k_switch's ret goes */
    for (int i = 0; i < 6; i++)
        *--sp = 0;                      /* rbx rbp r12 r13 r14 r15 */
    return (uint64_t)(uintptr_t)sp;
}

/* ------------------------------------------------------------ mem* (host side) */
/* rep movsb / stosb: short, correct, and the compiler cannot turn them back into calls. */

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    __asm__ __volatile__("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    if ((uintptr_t)dst <= (uintptr_t)src || (uintptr_t)dst >= (uintptr_t)src + n)
        return memcpy(dst, src, n);
    /* Overlapping, destination above: copy backwards. */
    unsigned char *d = (unsigned char *)dst + n - 1;
    const unsigned char *s = (const unsigned char *)src + n - 1;
    __asm__ __volatile__("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
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

/* ----------------------------------------------------------------- entry */

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower; /* KiB below 1 MiB (flags bit 0) */
    uint32_t mem_upper; /* KiB above 1 MiB (flags bit 0) */
};

static uint32_t boot_info;

void arch_describe(void)
{
    const struct multiboot_info *mbi = (const struct multiboot_info *)(uintptr_t)boot_info;
    if (mbi->flags & 1u)
        k_printf("kernel: multiboot: %u KiB of memory above 1 MiB\n", mbi->mem_upper);
}

void arch_entry(uint32_t magic, uint32_t info);

/* Called by boot.S in long mode with the multiboot registers. */
void arch_entry(uint32_t magic, uint32_t info)
{
    serial_init();
    if (magic != 0x2BADB002u) {
        k_printf("FAIL: not started by a multiboot loader (eax %x)\n", magic);
        arch_exit(0);
    }
    boot_info = info;
    k_main();
}

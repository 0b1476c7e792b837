/*
 * arch.c - the x86_64 part of the example kernel: COM1 console, the mem*
 * functions, task frames for k_switch (boot.S), an IDT (CPU exceptions end
 * the run with a message), optional timer preemption (built with
 * K_PREEMPT=1: the 8254 PIT at 1 kHz on IRQ 0 of the remapped 8259 PIC), and
 * the end of the run through QEMU's isa-debug-exit device (status 33 =
 * success, 35 = failure).
 */
#include "kernel.h"

#ifndef K_PREEMPT
#define K_PREEMPT 0
#endif

#if K_PREEMPT
const char arch_name[] = "x86_64 long mode, timer-preempted tasks";
#else
const char arch_name[] = "x86_64 long mode";
#endif

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

/* ------------------------------------------------------------- interrupts */

#define RFLAGS_IF 0x200ul

unsigned long arch_irq_save(void)
{
    unsigned long flags;
    __asm__ __volatile__("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
    return flags & RFLAGS_IF;
}

void arch_irq_restore(unsigned long flags)
{
    if (flags & RFLAGS_IF)
        __asm__ __volatile__("sti" : : : "memory");
}

void arch_task_irq_on(void)
{
    if (K_PREEMPT)
        __asm__ __volatile__("sti" : : : "memory");
}

struct idt_entry {
    uint16_t off0;
    uint16_t selector;
    uint8_t ist;
    uint8_t type; /* 0x8E: present, ring 0, 64-bit interrupt gate (clears IF) */
    uint16_t off1;
    uint32_t off2;
    uint32_t zero;
};
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry");

struct __attribute__((packed)) idt_ptr {
    uint16_t limit;
    uint64_t base;
};

extern const char exc_stubs[]; /* irq.S: 32 stubs of 16 bytes */
void irq0_stub(void);
void spurious_stub(void);
void arch_exception(uint32_t vector);
void arch_timer_irq(void);

static struct idt_entry idt[48];

static void idt_set(uint32_t vector, const void *handler)
{
    uint64_t a = (uint64_t)(uintptr_t)handler;
    idt[vector] = (struct idt_entry){(uint16_t)a, 0x08, 0, 0x8E, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0};
}

static void idt_init(void)
{
    for (uint32_t v = 0; v < 32; v++)
        idt_set(v, exc_stubs + 16u * v);
    idt_set(32, (const void *)(uintptr_t)irq0_stub);
    idt_set(39, (const void *)(uintptr_t)spurious_stub);
    idt_set(47, (const void *)(uintptr_t)spurious_stub);
    struct idt_ptr p = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
    __asm__ __volatile__("lidt %0" : : "m"(p));
}

void arch_exception(uint32_t vector)
{
    k_printf("FAIL: CPU exception %u\n", vector);
    arch_exit(0);
}

void arch_timer_irq(void)
{
    outb(0x20, 0x20); /* end of interrupt to the master PIC */
    k_preempt();
}

int arch_preempts(void)
{
    return K_PREEMPT;
}

void arch_preempt_start(void)
{
    if (!K_PREEMPT)
        return;
    /* 8259 PICs: IRQs 0-7 to vectors 32-39, 8-15 to 40-47; only IRQ 0 unmasked. */
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, 0x20);
    outb(0xA1, 0x28);
    outb(0x21, 0x04);
    outb(0xA1, 0x02);
    outb(0x21, 0x01);
    outb(0xA1, 0x01);
    outb(0x21, 0xFE);
    outb(0xA1, 0xFF);
    /* 8254 PIT channel 0, rate generator, 1193182 Hz / 1193 = 1 kHz. Interrupts
     * stay off here: the scheduler runs with them off, tasks with them on. */
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xFF);
    outb(0x40, 1193 >> 8);
}

void arch_preempt_stop(void)
{
    if (K_PREEMPT)
        outb(0x21, 0xFF); /* mask every IRQ */
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
    idt_init();
    if (magic != 0x2BADB002u) {
        k_printf("FAIL: not started by a multiboot loader (eax %x)\n", magic);
        arch_exit(0);
    }
    boot_info = info;
    k_main();
}

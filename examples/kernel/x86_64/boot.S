/*
 * boot.S - multiboot (v1) entry of the example kernel, and its context switch.
 *
 * A multiboot loader (QEMU -kernel, GRUB) starts us in 32-bit protected mode
 * with paging off, EAX = 0x2BADB002 and EBX = the multiboot information. The
 * 32-bit code below zeroes .bss, checks that the CPU has long mode, builds
 * page tables that identity-map the first GiB with 2 MiB pages, enables PAE,
 * EFER.LME and paging, loads a GDT with a 64-bit code segment and jumps to
 * 64-bit code, which calls arch_entry(magic, info) in arch.c. SSE is never
 * enabled: the kernel and libcosmosb-freestanding.a are compiled with
 * -mgeneral-regs-only.
 *
 * The object is an ELF64 file (the .code32 part uses only 32-bit absolute
 * relocations); the build converts the linked kernel to ELF32 with objcopy,
 * because QEMU's multiboot loader refuses ELF64 files.
 */

#define MB_MAGIC    0x1BADB002
#define MB_FLAGS    0x00000003          /* page-align modules, give memory info */
#define MB_BOOT_EAX 0x2BADB002

#define CR0_PE      0x00000001
#define CR0_PG      0x80000000
#define CR4_PAE     0x00000020
#define MSR_EFER    0xC0000080
#define EFER_LME    0x00000100
#define PTE_P_RW    0x003               /* present, writable */
#define PDE_2M      0x083               /* present, writable, 2 MiB page */

        .section .multiboot, "a"
        .balign 4
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

        .section .bss
        .balign 4096
pml4:   .skip   4096
pdpt:   .skip   4096
pd:     .skip   4096
        .balign 16
boot_stack:
        .skip   16384
boot_stack_top:

        .section .data
        .balign 8
boot_magic: .long 0
boot_info:  .long 0

        .balign 8
gdt:
        .quad   0                       /* null */
        .quad   0x00209A0000000000      /* 0x08: code, present, ring 0, L (64-bit) */
        .quad   0x0000920000000000      /* 0x10: data, present, writable */
gdt_end:
gdt_ptr:
        .word   gdt_end - gdt - 1
        .long   gdt

        .section .text.boot, "ax"
        .code32
        .globl  _start
_start:
        cli
        cld
        mov     %eax, boot_magic
        mov     %ebx, boot_info

        /* Zero .bss (page tables and stack live there). */
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb
        mov     $boot_stack_top, %esp

        /* Long mode available? cpuid 0x80000001, EDX bit 29. */
        mov     $0x80000000, %eax
        cpuid
        cmp     $0x80000001, %eax
        jb      no_long_mode
        mov     $0x80000001, %eax
        cpuid
        test    $(1 << 29), %edx
        jz      no_long_mode

        /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB: identity map of 1 GiB. */
        mov     $pdpt, %eax
        or      $PTE_P_RW, %eax
        mov     %eax, pml4
        mov     $pd, %eax
        or      $PTE_P_RW, %eax
        mov     %eax, pdpt
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        shl     $21, %eax
        or      $PDE_2M, %eax
        mov     %eax, pd(, %ecx, 8)
        inc     %ecx
        cmp     $512, %ecx
        jne     1b

        mov     $pml4, %eax
        mov     %eax, %cr3
        mov     %cr4, %eax
        or      $CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_LME, %eax
        wrmsr
        mov     %cr0, %eax
        or      $(CR0_PG | CR0_PE), %eax
        mov     %eax, %cr0

        lgdt    gdt_ptr
        ljmp    $0x08, $long_mode_entry

no_long_mode:
        /* Tell the serial port and stop (no C code can run in 32-bit mode here). */
        mov     $no_lm_msg, %esi
2:      movb    (%esi), %al
        test    %al, %al
        jz      3f
        mov     $0x3F8, %dx
        outb    %al, %dx
        inc     %esi
        jmp     2b
3:      mov     $0x11, %al              /* isa-debug-exit: QEMU exits with status 35 */
        mov     $0xF4, %dx
        outb    %al, %dx
4:      hlt
        jmp     4b

        .code64
long_mode_entry:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     %ax, %fs
        mov     %ax, %gs
        mov     $boot_stack_top, %esp   /* zero-extends into %rsp: the stack is below 4 GiB */
        xor     %ebp, %ebp
        mov     boot_magic(%rip), %edi
        mov     boot_info(%rip), %esi
        call    arch_entry
5:      cli
        hlt
        jmp     5b

/*
 * void k_switch(uint64_t *save_sp, uint64_t next_sp)
 *
 * Saves the callee-saved registers of the current context on its stack,
 * stores its stack pointer in *save_sp, and resumes the context whose stack
 * pointer is next_sp (saved by an earlier k_switch, or prepared by
 * k_task_create with the same layout).
 */
        .text
        .globl  k_switch
k_switch:
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, (%rdi)
        mov     %rsi, %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        ret

        .section .rodata
no_lm_msg:
        .asciz  "boot: this CPU has no long mode\n"

        .section .note.GNU-stack, "", @progbits

/*
 * irq.S - x86_64 interrupt entry points of the example kernel.
 *
 * exc_stubs: 32 stubs of 16 bytes, one per CPU exception vector; each
 * passes its vector to arch_exception(), which reports it and ends the run
 * (a fault in the kernel fails the test instead of triple-faulting).
 * irq0_stub: the timer interrupt (PIC IRQ 0, vector 32) of the preempting
 * build: saves the caller-saved registers (the C handler preserves the
 * others), calls arch_timer_irq() - which may switch to another task and
 * come back much later - and returns with iretq. The CPU aligns the stack
 * to 16 and pushes 5 words; with 9 more the call sees the ABI's alignment.
 * spurious_stub: returns at once (spurious IRQ 7 / 15 of the 8259s).
 */
        .text
        .balign 16
        .globl  exc_stubs
exc_stubs:
        .set    vec, 0
        .rept   32
        .balign 16
        cli
        mov     $vec, %edi
        jmp     exc_common
        .set    vec, vec + 1
        .endr

exc_common:
        and     $-16, %rsp
        call    arch_exception          /* does not return */
1:      cli
        hlt
        jmp     1b

        .globl  irq0_stub
irq0_stub:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        cld
        call    arch_timer_irq
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rax
        iretq

        .globl  spurious_stub
spurious_stub:
        iretq

        .section .note.GNU-stack, "", @progbits

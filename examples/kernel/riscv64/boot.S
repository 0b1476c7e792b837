/*
 * boot.S - entry of the example kernel on RISC-V 64 (QEMU -machine virt
 * -bios none), and its context switch.
 *
 * QEMU jumps to the ELF entry at 0x80000000 in machine mode, with a0 = hart
 * id. Hart 0 sets its stack, zeroes .bss, turns the FPU on (mstatus.FS: the
 * lp64d ABI may use FP registers, and they trap while FS is off) and calls
 * arch_entry(); other harts park. Interrupts stay off (mie = 0); paging is
 * off in machine mode.
 */
        .section .text.boot, "ax"
        .globl  _start
_start:
        csrr    t0, mhartid
        bnez    t0, park
        la      sp, boot_stack_top
        la      t0, __bss_start
        la      t1, __bss_end
1:      bgeu    t0, t1, 2f
        sd      zero, 0(t0)
        addi    t0, t0, 8
        j       1b
2:      li      t0, (1 << 13)           /* mstatus.FS = Initial */
        csrs    mstatus, t0
        call    arch_entry
park:   wfi
        j       park

/*
 * void k_switch(uint64_t *save_sp, uint64_t next_sp)
 *
 * Saves ra and s0-s11 on the current stack, stores the stack pointer in
 * *save_sp and resumes the context saved at next_sp (or prepared by
 * arch_task_init with the same 112-byte frame: ra at 0, s0-s11 at 8..96).
 */
        .text
        .globl  k_switch
k_switch:
        addi    sp, sp, -112
        sd      ra, 0(sp)
        sd      s0, 8(sp)
        sd      s1, 16(sp)
        sd      s2, 24(sp)
        sd      s3, 32(sp)
        sd      s4, 40(sp)
        sd      s5, 48(sp)
        sd      s6, 56(sp)
        sd      s7, 64(sp)
        sd      s8, 72(sp)
        sd      s9, 80(sp)
        sd      s10, 88(sp)
        sd      s11, 96(sp)
        sd      sp, 0(a0)
        mv      sp, a1
        ld      ra, 0(sp)
        ld      s0, 8(sp)
        ld      s1, 16(sp)
        ld      s2, 24(sp)
        ld      s3, 32(sp)
        ld      s4, 40(sp)
        ld      s5, 48(sp)
        ld      s6, 56(sp)
        ld      s7, 64(sp)
        ld      s8, 72(sp)
        ld      s9, 80(sp)
        ld      s10, 88(sp)
        ld      s11, 96(sp)
        addi    sp, sp, 112
        ret

        .section .bss
        .balign 16
boot_stack:
        .skip   16384
boot_stack_top:

        .section .note.GNU-stack, "", @progbits

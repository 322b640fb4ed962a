/* start.S: reset entry of the qemu-rv32 board (QEMU virt, -bios none: the reset ROM jumps here
 * in machine mode). Sets the global and stack pointers and the trap vector, copies .data,
 * zeroes .bss and calls qmoe_app_main(). */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, _estack
    la t0, qmoe_rv_trap
    csrw mtvec, t0
    la t0, _sidata
    la t1, _sdata
    la t2, _edata
1:  bgeu t1, t2, 2f
    lw t3, 0(t0)
    sw t3, 0(t1)
    addi t0, t0, 4
    addi t1, t1, 4
    j 1b
2:  la t1, _sbss
    la t2, _ebss
3:  bgeu t1, t2, 4f
    sw zero, 0(t1)
    addi t1, t1, 4
    j 3b
4:  call qmoe_app_main
5:  wfi
    j 5b

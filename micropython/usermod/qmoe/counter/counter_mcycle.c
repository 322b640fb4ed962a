/* The qmoe module's counter on RISC-V (MicroPython's QEMU port runs in machine mode): the cycle
 * CSR, which QEMU derives from the instruction count under `-icount shift=0`. */
#include <stdint.h>

#include "../qmoe_mp.h"

uint32_t qmoe_mp_counter(void)
{
    uint32_t c;
    __asm__ volatile("csrr %0, mcycle" : "=r"(c));
    return c;
}

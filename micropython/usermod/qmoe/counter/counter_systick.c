/* The qmoe module's counter on MicroPython's QEMU port for Cortex-M (mps2): SysTick, which the
 * port runs from the 25 MHz processor clock with a 1 ms reload (ports/qemu/mcu/arm/ticks.c), as
 * milliseconds * counts per millisecond + counts into the current millisecond. Under QEMU with
 * `-icount shift=0` one count is 40 emulated instructions. */
#include <stdint.h>

#include "../qmoe_mp.h"

#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)

uintptr_t ticks_ms(void); /* ports/qemu/mcu/arm/ticks.c */

uint32_t qmoe_mp_counter(void)
{
    uint32_t per_ms = SYST_RVR + 1u;
    uint32_t ms, cvr, pending;
    do { /* the millisecond interrupt ran between the reads: read again */
        ms = (uint32_t)ticks_ms();
        cvr = SYST_CVR;
        pending = SCB_ICSR & ICSR_PENDSTSET;
    } while ((uint32_t)ticks_ms() != ms);
    if (pending) {
        /* SysTick wrapped but its interrupt has not run yet (it is taken a few instructions
         * later, or interrupts are masked): the count is already in the next millisecond, which
         * ticks_ms() does not show yet. Without this the counter would step back 1 ms. */
        cvr = SYST_CVR;
        ms += 1u;
    }
    /* SysTick pends its interrupt as the count enters 0 and reloads on the next count, so a
     * millisecond reads 0, RVR, RVR-1, ..., 1: 0 is its first count, not its last (counting 0 as
     * the last put the counter 1 ms ahead for one count, then it stepped back). */
    return ms * per_ms + (cvr == 0u ? 0u : per_ms - cvr);
}

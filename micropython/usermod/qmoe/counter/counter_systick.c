/* The qmoe module's counter on MicroPython's QEMU port for Cortex-M (mps2): SysTick, which the
 * port runs from the 25 MHz processor clock with a 1 ms reload (ports/qemu/mcu/arm/ticks.c), as
 * milliseconds * counts per millisecond + counts into the current millisecond. Under QEMU with
 * `-icount shift=0` one count is 40 emulated instructions. */
#include <stdint.h>

#include "../qmoe_mp.h"

#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

uintptr_t ticks_ms(void); /* ports/qemu/mcu/arm/ticks.c */

uint32_t qmoe_mp_counter(void)
{
    uint32_t per_ms = SYST_RVR + 1u;
    uint32_t ms, cvr;
    do { /* a millisecond boundary between the two reads: read again */
        ms = (uint32_t)ticks_ms();
        cvr = SYST_CVR;
    } while ((uint32_t)ticks_ms() != ms);
    return ms * per_ms + (per_ms - 1u - cvr);
}

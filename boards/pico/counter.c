/* pico counter: the RP2040's 64-bit microsecond timer, low word read raw (TIMERAWL at
 * 0x40054028: no latching, so reading it has no side effect on the SDK's own timer use; RP2040
 * datasheet, 4.6 "Timer"). The Cortex-M0+ has no DWT cycle counter, and SysTick may be taken by
 * the Arduino mbed core's RTOS, so the counter is this 1 MHz timer: 1000 ns per count, wrapping
 * after 71.6 minutes. */
#include <stdint.h>

#include "../../firmware/drivers/qmoe_board.h"

#define TIMERAWL (*(volatile uint32_t *)0x40054028u)

void qmoe_board_counter_start(void)
{
    /* The timer runs from boot (both the Pico SDK and the Arduino core start its tick). */
}

uint32_t qmoe_board_counter_raw(void)
{
    return TIMERAWL;
}

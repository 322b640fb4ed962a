/* nano33ble counter: DWT CYCCNT of the nRF52840's Cortex-M4F, at the CPU clock (64 MHz).
 * Enabled through DEMCR.TRCENA and DWT_CTRL.CYCCNTENA (Armv7-M Architecture Reference Manual,
 * C1.8 "The Data Watchpoint and Trace unit"); the Arduino mbed core does not use the DWT. */
#include <stdint.h>

#include "../../firmware/drivers/qmoe_board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define DEMCR REG(0xE000EDFCu)
#define DWT_CTRL REG(0xE0001000u)
#define DWT_CYCCNT REG(0xE0001004u)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL_CYCCNTENA 1u

void qmoe_board_counter_start(void)
{
    DEMCR |= DEMCR_TRCENA;
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

uint32_t qmoe_board_counter_raw(void)
{
    return DWT_CYCCNT;
}

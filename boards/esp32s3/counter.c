/* esp32s3 counter: CCOUNT, the Xtensa LX7 core's cycle counter (special register 234), at the
 * CPU clock (240 MHz in this project's builds). It counts the cycles of the core that reads it;
 * the app's task is pinned to one core by both Arduino (loopTask) and ESP-IDF (main task). */
#include <stdint.h>

#include "../../firmware/drivers/qmoe_board.h"

void qmoe_board_counter_start(void)
{
    /* CCOUNT runs from reset; nothing to enable. */
}

uint32_t qmoe_board_counter_raw(void)
{
    uint32_t ccount;

    __asm__ __volatile__("rsr %0, ccount" : "=a"(ccount));
    return ccount;
}

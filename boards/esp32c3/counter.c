/* esp32c3 counter: the core's cycle count. The ESP32-C3 has no standard mcycle CSR; its machine
 * performance counter plays that role (ESP32-C3 Technical Reference Manual, "Performance
 * Counter"): mpcer (CSR 0x7E0) selects the event, 1 = clock cycles; mpcmr (0x7E1) = 1 counts;
 * mpccr (0x7E2) is the 32-bit count, at the CPU clock (160 MHz). ESP-IDF reads the same CSR for
 * esp_cpu_get_cycle_count(). */
#include <stdint.h>

#include "../../firmware/drivers/qmoe_board.h"

#define CSR_MPCER 0x7E0
#define CSR_MPCMR 0x7E1
#define CSR_MPCCR 0x7E2
#define STR(x) #x
#define XSTR(x) STR(x)

void qmoe_board_counter_start(void)
{
    __asm__ __volatile__("csrw " XSTR(CSR_MPCER) ", %0" ::"r"(1u));
    __asm__ __volatile__("csrw " XSTR(CSR_MPCMR) ", %0" ::"r"(1u));
}

uint32_t qmoe_board_counter_raw(void)
{
    uint32_t count;

    __asm__ __volatile__("csrr %0, " XSTR(CSR_MPCCR) : "=r"(count));
    return count;
}

/* The qmoe module's counter where the port's mp_hal_ticks_cpu() counts CPU cycles (ESP32: the
 * Xtensa CCOUNT register). */
#include "py/mphal.h"
#include "../qmoe_mp.h"

uint32_t qmoe_mp_counter(void)
{
    return (uint32_t)mp_hal_ticks_cpu();
}

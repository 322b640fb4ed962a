/* The qmoe module's counter on any port: mp_hal_ticks_us(), in microseconds. */
#include "py/mphal.h"
#include "../qmoe_mp.h"

uint32_t qmoe_mp_counter(void)
{
    return (uint32_t)mp_hal_ticks_us();
}

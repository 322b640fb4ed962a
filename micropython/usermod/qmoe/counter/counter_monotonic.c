/* The qmoe module's counter on the unix port: CLOCK_MONOTONIC in nanoseconds (low 32 bits). */
#include <time.h>

#include "../qmoe_mp.h"

uint32_t qmoe_mp_counter(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

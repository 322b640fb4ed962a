/* qmoe_port_window_energy() of the ports without a power sensor (native and the emulated boards):
 * no energy is measured, so a window reports 0 uJ over 0 readings. */
#include "qmoe_port.h"

void qmoe_port_window_energy(uint32_t *energy_uj, uint32_t *samples)
{
    *energy_uj = 0;
    *samples = 0;
}

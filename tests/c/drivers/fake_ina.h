/* fake_ina.h: a fake I2C bus carrying one INA219 or INA226, for host tests of qmoe_ina2xx.c and
 * qmoe_energy.c (tests/test_real_boards.py). It implements qmoe_i2c.h and models the registers
 * as the datasheets (SBOS448, SBOS547) describe them, from a true shunt and bus voltage:
 *
 *   INA219: shunt = V_shunt / 10 uV; bus = (V_bus / 4 mV) << 3 | CNVR;
 *           current = shunt x CAL / 4096; power = current x (bus >> 3) / 5000
 *   INA226: shunt = V_shunt / 2.5 uV; bus = V_bus / 1.25 mV;
 *           current = shunt x CAL / 2048; power = current x bus / 20000
 *
 * Every transfer advances a fake counter by `fake_ina_transfer_counts`, so tests can check that
 * sampling time is cut out of qmoe_energy_now(). */
#ifndef FAKE_INA_H
#define FAKE_INA_H

#include <stdint.h>

void fake_ina_attach(int chip, uint8_t address);     /* chip 219 or 226; 0: nothing on the bus */
void fake_ina_set(int64_t shunt_nv, int64_t bus_uv); /* the true voltages */
uint16_t fake_ina_register(uint8_t reg);             /* what a read of `reg` returns now */
void fake_ina_fail_reads(uint32_t n);                /* the next n reads fail (NACK) */

extern uint32_t fake_counter;             /* the board counter qmoe_energy reads */
extern uint32_t fake_ina_transfer_counts; /* counter counts one bus transfer takes */
extern uint32_t fake_ina_transfers;       /* transfers so far */
uint32_t fake_counter_read(void);

#endif /* FAKE_INA_H */

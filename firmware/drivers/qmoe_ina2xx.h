/* qmoe_ina2xx.h: TI INA219 and INA226 current/power monitors over I2C (datasheets SBOS448 and
 * SBOS547). Integer arithmetic only; the bus is reached through qmoe_i2c.h.
 *
 * Register map (16-bit, big-endian on the wire; a read sets the register pointer with a
 * one-byte write, then reads two bytes):
 *
 *   reg   INA219                              INA226
 *   0x00  configuration (0x399F after reset)  configuration (0x4127 after reset)
 *   0x01  shunt voltage, signed, LSB 10 uV    shunt voltage, signed, LSB 2.5 uV
 *   0x02  bus voltage: bits 15..3, LSB 4 mV;  bus voltage, LSB 1.25 mV
 *         bit 1 CNVR, bit 0 OVF
 *   0x03  power, LSB 20 x current LSB         power, LSB 25 x current LSB
 *   0x04  current, signed, LSB current LSB    current, signed, LSB current LSB
 *   0x05  calibration (bit 0 unused)          calibration (bit 15 unused)
 *   0xFE  -                                   manufacturer ID 0x5449
 *   0xFF  -                                   die ID 0x2260
 *
 * Calibration (the datasheets' equations, with the current LSB in nA and the shunt in uOhm):
 *   INA219: CAL = trunc(0.04096 / (current_LSB x R)) = 40 960 000 000 000 / (lsb_nA x R_uOhm)
 *   INA226: CAL = trunc(0.00512 / (current_LSB x R)) =  5 120 000 000 000 / (lsb_nA x R_uOhm)
 * The current LSB is the smallest that covers the maximum expected current in 15 bits,
 * ceil(I_max / 32767), raised if the calibration would not fit its register.
 * Example (INA219 datasheet): R = 0.1 Ohm, current LSB 100 uA -> CAL = 4096, power LSB 2 mW.
 */
#ifndef QMOE_INA2XX_H
#define QMOE_INA2XX_H

#include <stdint.h>

#include "qmoe_status.h"

#define QMOE_INA_REG_CONFIG 0x00u
#define QMOE_INA_REG_SHUNT 0x01u
#define QMOE_INA_REG_BUS 0x02u
#define QMOE_INA_REG_POWER 0x03u
#define QMOE_INA_REG_CURRENT 0x04u
#define QMOE_INA_REG_CALIBRATION 0x05u
#define QMOE_INA226_REG_MANUFACTURER 0xFEu
#define QMOE_INA226_REG_DIE 0xFFu

#define QMOE_INA_CONFIG_RESET 0x8000u
#define QMOE_INA219_CONFIG_DEFAULT 0x399Fu
#define QMOE_INA226_MANUFACTURER_TI 0x5449u
#define QMOE_INA226_DIE 0x226u /* bits 15..4 of the die ID register */

typedef enum { QMOE_INA219 = 219, QMOE_INA226 = 226 } qmoe_ina_chip_t;

/* One sensor, as set up by qmoe_ina_setup(). */
typedef struct {
    qmoe_ina_chip_t chip;
    uint8_t address;         /* 7-bit I2C address */
    uint32_t shunt_uohm;     /* shunt resistance, micro-ohms */
    uint32_t current_lsb_na; /* current register LSB, nA */
    uint16_t calibration;    /* calibration register value */
    uint16_t config;         /* configuration register value */
    uint32_t conversion_us;  /* time between two new power results */
} qmoe_ina_t;

/* The calibration register value for a current LSB and a shunt; 0 when it does not fit the
 * register (the LSB is too small for this shunt) or an argument is 0. */
uint16_t qmoe_ina_calibration(qmoe_ina_chip_t chip, uint32_t shunt_uohm, uint32_t current_lsb_na);

/* Fill `ina` without touching the bus: current LSB, calibration, configuration (INA219: 16 V
 * bus range, the smallest shunt range that holds max current x shunt, 8-sample averaging at
 * 12 bits, continuous; INA226: 4-sample averaging, 1.1 ms conversions, continuous).
 * QMOE_ERR_ARG for an unknown chip, a 0 shunt or current, an address outside 0x40..0x4F, or a
 * full-scale shunt voltage beyond the chip's range (INA219 320 mV, INA226 81.92 mV). */
qmoe_status_t qmoe_ina_setup(qmoe_ina_t *ina, qmoe_ina_chip_t chip, uint8_t address,
                             uint32_t shunt_uohm, uint32_t max_current_ma);

/* Reset the sensor, check that it is the chip `ina` names (INA219: configuration reads 0x399F
 * after reset; INA226: manufacturer and die IDs), write configuration and calibration and read
 * the calibration back. QMOE_ERR_NO_DEVICE when it does not answer or is another chip. */
qmoe_status_t qmoe_ina_init(const qmoe_ina_t *ina);

/* Register values to physical units (no bus traffic). */
int32_t qmoe_ina_shunt_nv(qmoe_ina_chip_t chip, uint16_t reg);
uint32_t qmoe_ina_bus_uv(qmoe_ina_chip_t chip, uint16_t reg);
int32_t qmoe_ina_current_ua(const qmoe_ina_t *ina, uint16_t reg);
uint32_t qmoe_ina_power_uw(const qmoe_ina_t *ina, uint16_t reg);

/* Read one measurement. QMOE_ERR_IO when the bus transfer fails. */
qmoe_status_t qmoe_ina_read_shunt_nv(const qmoe_ina_t *ina, int32_t *nv);
qmoe_status_t qmoe_ina_read_bus_uv(const qmoe_ina_t *ina, uint32_t *uv);
qmoe_status_t qmoe_ina_read_current_ua(const qmoe_ina_t *ina, int32_t *ua);
qmoe_status_t qmoe_ina_read_power_uw(const qmoe_ina_t *ina, uint32_t *uw);

#endif /* QMOE_INA2XX_H */

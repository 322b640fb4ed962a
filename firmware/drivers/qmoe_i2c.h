/* qmoe_i2c.h: the I2C hook a board supplies for the power-sensor driver (qmoe_ina2xx.h).
 *
 * Two blocking transfers with a 7-bit address, each a complete transaction ending in STOP.
 * The framework glue (port_arduino.cpp, port_espidf.c, port_picosdk.c) implements them with
 * Arduino's Wire, the ESP-IDF I2C master driver or the Pico SDK; the host tests use a fake bus.
 */
#ifndef QMOE_I2C_H
#define QMOE_I2C_H

#include <stddef.h>
#include <stdint.h>

#include "qmoe_status.h"

/* Bring up the bus (pins and clock come from the build configuration). */
qmoe_status_t qmoe_i2c_init(void);

/* Write `n` bytes to the device at `address`. QMOE_ERR_IO on NACK or bus error. */
qmoe_status_t qmoe_i2c_write(uint8_t address, const uint8_t *data, size_t n);

/* Read `n` bytes from the device at `address`. QMOE_ERR_IO on NACK or bus error. */
qmoe_status_t qmoe_i2c_read(uint8_t address, uint8_t *data, size_t n);

#endif /* QMOE_I2C_H */

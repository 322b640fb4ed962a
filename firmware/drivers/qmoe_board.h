/* qmoe_board.h: how a real board's port is split (esp32s3, esp32c3, nano33ble, pico).
 *
 * qmoe_port.h is implemented by three parts, so that the framework-specific code stays small:
 *
 * - port_core.c (portable, here): qmoe_port_init(), qmoe_port_counter(), qmoe_port_marker() and
 *   qmoe_port_window_energy(), with the power sensor (qmoe_ina2xx.h) and its window integration
 *   (qmoe_energy.h) when the build enables one;
 * - the board's counter (boards/<name>/counter.c: CCOUNT, mcycle, DWT CYCCNT, RP2040 timer):
 *   qmoe_board_counter_start() and qmoe_board_counter_raw();
 * - the framework glue (arduino/, espidf/, picosdk/): qmoe_port_read(), qmoe_port_write(),
 *   qmoe_port_wait_for_input(), the entry point that calls qmoe_app_main(), and the hooks below
 *   plus qmoe_i2c.h.
 *
 * The build configuration (a generated header every source includes first, see
 * docs/boards.md) defines QMOE_BOARD_NAME, QMOE_APP_COUNTS_PER_MS, QMOE_SERIAL_BAUD,
 * QMOE_MARKER_PIN (-1: none) and, with a sensor, QMOE_POWER_SENSOR = 1, QMOE_INA_CHIP (219 or
 * 226), QMOE_INA_ADDRESS, QMOE_INA_SHUNT_UOHM, QMOE_INA_MAX_CURRENT_MA, QMOE_I2C_SDA and
 * QMOE_I2C_SCL (-1: the framework's default pins).
 */
#ifndef QMOE_BOARD_H
#define QMOE_BOARD_H

#include <stdint.h>

#include "qmoe_status.h"

/* Counter (boards/<name>/counter.c). */
void qmoe_board_counter_start(void);
uint32_t qmoe_board_counter_raw(void);

/* Framework glue. */
qmoe_status_t qmoe_board_serial_init(void);
void qmoe_board_marker_init(void);
void qmoe_board_marker_set(int high);

/* Energy of the last marker window from the power sensor: uJ and the number of sensor
 * readings; both 0 on a board built without a sensor or whose sensor did not answer. The
 * benchmark app puts them in RUN_WINDOW_REPLY's energy_uj and energy_samples. */
void qmoe_port_window_energy(uint32_t *energy_uj, uint32_t *samples);

/* 1 when the sensor was found at qmoe_port_init(). */
int qmoe_port_has_power_sensor(void);

#endif /* QMOE_BOARD_H */

/* qmoe_board.h: how a real board's port is split (esp32s3, esp32c3, nano33ble, pico). Internal to
 * the real boards' ports: each part includes it by relative path.
 *
 * The port contract (qmoe_port.h) is implemented by three parts, each function by exactly one of
 * them, so that the framework-specific code stays small:
 *
 * - port_core.c (portable, here): qmoe_port_init(), qmoe_port_counter(), qmoe_port_marker() and
 *   qmoe_port_window_energy(), with the power sensor (qmoe_ina2xx.h) and its window integration
 *   (qmoe_energy.h) when the build enables one;
 * - the board's counter (boards/<name>/counter.c: CCOUNT, mcycle, DWT CYCCNT, RP2040 timer):
 *   qmoe_board_counter_start() and qmoe_board_counter_raw();
 * - the framework glue (arduino/, espidf/, picosdk/): qmoe_port_read(), qmoe_port_write(),
 *   qmoe_port_wait_for_input(), the entry point that calls qmoe_app_main(), and the hooks below
 *   plus qmoe_i2c.h;
 * - qmoe_port_board() comes from boards/common/board_name.c, as on every port.
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

#endif /* QMOE_BOARD_H */

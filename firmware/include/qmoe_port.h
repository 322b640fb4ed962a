/* qmoe_port.h: the port contract, what a board supplies to the qmoe firmware: init, serial bytes
 * in and out, a counter, a GPIO marker, its name and the energy of a marker window. Everything
 * else in firmware/ is portable C99 on top of these calls.
 *
 * Every port defines each function below exactly once. A port is one folder boards/<name>/ with
 * a board.toml listing the port's sources: port.c for the boards that run here (with the shared
 * parts in boards/common/), or for the real boards the portable firmware/drivers/port_core.c
 * plus a counter and framework glue (firmware/drivers/qmoe_board.h describes that split).
 * docs/boards.md describes the profile fields and how to add a board.
 *
 * Entry point: the application defines `int qmoe_app_main(void)`. The port's start-up code calls
 * it once the C environment is ready (bare metal: after .data is copied, .bss zeroed and the
 * stack set; native: from main() after parsing its command line). An application calls
 * qmoe_port_init() first.
 *
 * Threading: single-threaded. Only the port's own interrupt handlers run concurrently with the
 * application, and none of these functions may be called from an interrupt handler.
 */
#ifndef QMOE_PORT_H
#define QMOE_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "qmoe_status.h"

/* The application's entry point, called by the port's start-up code. Never returns on bare
 * metal (a return parks the core); on native its value is the process exit status. */
int qmoe_app_main(void);

/* Bring up the serial device, its receive interrupt, the counter and the marker pin.
 * Returns QMOE_OK, or QMOE_ERR_NO_DEVICE when the serial device cannot be opened (native). */
qmoe_status_t qmoe_port_init(void);

/* Copy up to `max` received bytes into `buf` without blocking. Returns how many were copied:
 * 0 when none are available now. */
int qmoe_port_read(uint8_t *buf, size_t max);

/* Send `n` bytes; returns once all are queued in or sent by the serial device. Bytes written
 * while no host is connected (native, QEMU TCP serial) are dropped. */
void qmoe_port_write(const uint8_t *buf, size_t n);

/* Sleep until a received byte may be available (WFI with the UART receive interrupt enabled on
 * bare metal, poll() on native). May return early (spurious wake-up): callers loop on
 * qmoe_port_read(). Returns at once if bytes are already buffered. */
void qmoe_port_wait_for_input(void);

/* A free-running 32-bit up-counter that wraps modulo 2^32. Its unit is the board profile's
 * `counter.unit` with `counter.per_tick` units per count (e.g. 40 emulated instructions per
 * count on qemu-m4); take differences with unsigned arithmetic. */
uint32_t qmoe_port_counter(void);

/* Drive the energy-window GPIO marker high (nonzero) or low (0). No-op on boards without one. */
void qmoe_port_marker(int high);

/* The board's name as in its board.toml (e.g. "qemu-m4"); a static string. */
const char *qmoe_port_board(void);

/* The energy of the last marker window from the board's power sensor (an INA219/INA226 on the
 * real boards, firmware/drivers/port_core.c), in uJ, and the number of sensor readings; both 0
 * on a board built without a sensor or whose sensor did not answer
 * (boards/common/no_power_sensor.c). RUN_WINDOW reports them. */
void qmoe_port_window_energy(uint32_t *energy_uj, uint32_t *samples);

#endif /* QMOE_PORT_H */

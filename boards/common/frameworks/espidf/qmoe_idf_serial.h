/* qmoe_idf_serial.h: the byte channel under the ESP-IDF port (port_espidf.c). One of
 * serial_usb_jtag.c (the chip's USB-Serial-JTAG: ESP32-S3 "USB" connector) and serial_uart.c
 * (UART0 through the board's USB bridge: ESP32-C3-DevKitM-1) is compiled, as the board's
 * board.toml lists. */
#ifndef QMOE_IDF_SERIAL_H
#define QMOE_IDF_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "freertos/FreeRTOS.h"
#include "qmoe_status.h"

/* Install the driver. */
qmoe_status_t qmoe_idf_serial_init(void);

/* Up to `max` bytes, waiting at most `wait` ticks for the first; returns how many. */
int qmoe_idf_serial_read(uint8_t *buf, size_t max, TickType_t wait);

/* Queue all `n` bytes (blocks while the driver's buffer is full). */
void qmoe_idf_serial_write(const uint8_t *buf, size_t n);

#endif /* QMOE_IDF_SERIAL_H */

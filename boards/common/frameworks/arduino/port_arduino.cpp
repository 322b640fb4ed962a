/* port_arduino.cpp: framework glue for the PlatformIO Arduino projects (qmoe_board.h).
 *
 * Serial is the core's `Serial` (USB CDC on the Nano 33 BLE, the Pico and the ESP32-S3 with
 * ARDUINO_USB_CDC_ON_BOOT=1; UART0 through the USB bridge on the ESP32-C3-DevKitM-1), the marker
 * is a digital pin, the power sensor is on `Wire`. Arduino's setup() runs the app, which never
 * returns. Everything else is in port_core.c and the board's counter.c.
 *
 * The task watchdog (Arduino-ESP32, FreeRTOS): the app runs in Arduino's loop task and yields
 * only while it waits for a request (delay(1) below), never inside or between the inferences of a
 * RUN_WINDOW, so that no scheduler work lands in a timed window or its energy. A window longer
 * than the watchdog's timeout (5 s) would starve the idle task of the core the app runs on; on a
 * single-core chip (ESP32-C3) that is the idle task the core's watchdog watches, and its report
 * would land on the protocol's UART. So setup() takes that idle task off the watchdog first, as
 * the ESP-IDF projects do with CONFIG_ESP_TASK_WDT_INIT=n. Other cores keep their watchdog.
 */
#include <Arduino.h>
#include <Wire.h>

extern "C" {
#include "../../../../firmware/drivers/qmoe_board.h"
#include "../../../../firmware/drivers/qmoe_i2c.h"
#include "qmoe_port.h"
}

#ifndef QMOE_SERIAL_BAUD
#error "QMOE_SERIAL_BAUD must come from the build configuration"
#endif
#ifndef QMOE_MARKER_PIN
#define QMOE_MARKER_PIN (-1)
#endif
#ifndef QMOE_I2C_SDA
#define QMOE_I2C_SDA (-1)
#endif
#ifndef QMOE_I2C_SCL
#define QMOE_I2C_SCL (-1)
#endif

#define I2C_HZ 400000u

/* Take the idle task of the core running the app off the task watchdog (see above). */
static void release_idle_watchdog(void)
{
#if defined(ARDUINO_ARCH_ESP32)
#if !defined(CONFIG_FREERTOS_UNICORE)
    if (xPortGetCoreID() == 1) {
        disableCore1WDT();
        return;
    }
#endif
    disableCore0WDT();
#endif
}

void setup()
{
    release_idle_watchdog();
    (void)qmoe_app_main();
}

void loop()
{
}

extern "C" qmoe_status_t qmoe_board_serial_init(void)
{
    Serial.begin(QMOE_SERIAL_BAUD);
    return QMOE_OK;
}

extern "C" int qmoe_port_read(uint8_t *buf, size_t max)
{
    size_t n = 0;

    while (n < max && Serial.available() > 0) {
        const int c = Serial.read();
        if (c < 0) {
            break;
        }
        buf[n++] = (uint8_t)c;
    }
    return (int)n;
}

extern "C" void qmoe_port_write(const uint8_t *buf, size_t n)
{
    (void)Serial.write(buf, n);
}

extern "C" void qmoe_port_wait_for_input(void)
{
    /* A 1 ms sleep lets the core's USB and RTOS tasks run; it never delays a measured block. */
    if (Serial.available() <= 0) {
        delay(1);
    }
}

extern "C" void qmoe_board_marker_init(void)
{
    if (QMOE_MARKER_PIN >= 0) {
        pinMode(QMOE_MARKER_PIN, OUTPUT);
    }
}

extern "C" void qmoe_board_marker_set(int high)
{
    if (QMOE_MARKER_PIN >= 0) {
        digitalWrite(QMOE_MARKER_PIN, high ? HIGH : LOW);
    }
}

extern "C" qmoe_status_t qmoe_i2c_init(void)
{
#if defined(ARDUINO_ARCH_ESP32)
    /* Only the ESP32 core lets a sketch choose the I2C pins. */
    if (QMOE_I2C_SDA >= 0 && QMOE_I2C_SCL >= 0) {
        Wire.begin(QMOE_I2C_SDA, QMOE_I2C_SCL);
    } else {
        Wire.begin();
    }
#else
    Wire.begin();
#endif
    Wire.setClock(I2C_HZ);
    return QMOE_OK;
}

extern "C" qmoe_status_t qmoe_i2c_write(uint8_t address, const uint8_t *data, size_t n)
{
    Wire.beginTransmission(address);
    if (Wire.write(data, n) != n) {
        (void)Wire.endTransmission();
        return QMOE_ERR_IO;
    }
    return Wire.endTransmission() == 0 ? QMOE_OK : QMOE_ERR_IO;
}

extern "C" qmoe_status_t qmoe_i2c_read(uint8_t address, uint8_t *data, size_t n)
{
    if (Wire.requestFrom(address, (uint8_t)n) != n) {
        return QMOE_ERR_IO;
    }
    for (size_t i = 0; i < n; ++i) {
        data[i] = (uint8_t)Wire.read();
    }
    return QMOE_OK;
}

/* port_picosdk.c: framework glue for the Pico SDK CMake project (qmoe_board.h). Serial is the
 * SDK's stdio over USB CDC (the project sets PICO_STDIO_DEFAULT_CRLF=0: bytes pass unchanged),
 * the marker is a GPIO, the power sensor is on i2c0. main() runs the app. */
#include "hardware/gpio.h"
#include "hardware/i2c.h"
#include "pico/stdlib.h"
#include "../../../../firmware/drivers/qmoe_board.h"
#include "../../../../firmware/drivers/qmoe_i2c.h"
#include "qmoe_port.h"

#ifndef QMOE_MARKER_PIN
#define QMOE_MARKER_PIN (-1)
#endif
#ifndef QMOE_I2C_SDA
#define QMOE_I2C_SDA 4 /* GP4 / GP5: i2c0 on the Pico's pins 6 and 7 */
#endif
#ifndef QMOE_I2C_SCL
#define QMOE_I2C_SCL 5
#endif

#define I2C_HZ 400000u
#define WAIT_US 100000u

static int pending = -1; /* a byte taken by qmoe_port_wait_for_input(), not yet read */

int main(void)
{
    (void)qmoe_app_main();
    for (;;) {
        tight_loop_contents();
    }
}

qmoe_status_t qmoe_board_serial_init(void)
{
    return stdio_init_all() ? QMOE_OK : QMOE_ERR_NO_DEVICE;
}

int qmoe_port_read(uint8_t *buf, size_t max)
{
    size_t n = 0;

    if (max > 0u && pending >= 0) {
        buf[n++] = (uint8_t)pending;
        pending = -1;
    }
    while (n < max) {
        const int c = getchar_timeout_us(0);
        if (c < 0) {
            break;
        }
        buf[n++] = (uint8_t)c;
    }
    return (int)n;
}

void qmoe_port_write(const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        putchar_raw(buf[i]);
    }
    stdio_flush();
}

void qmoe_port_wait_for_input(void)
{
    if (pending < 0) {
        const int c = getchar_timeout_us(WAIT_US);
        if (c >= 0) {
            pending = c;
        }
    }
}

void qmoe_board_marker_init(void)
{
    if (QMOE_MARKER_PIN >= 0) {
        gpio_init(QMOE_MARKER_PIN);
        gpio_set_dir(QMOE_MARKER_PIN, GPIO_OUT);
    }
}

void qmoe_board_marker_set(int high)
{
    if (QMOE_MARKER_PIN >= 0) {
        gpio_put(QMOE_MARKER_PIN, high != 0);
    }
}

qmoe_status_t qmoe_i2c_init(void)
{
    (void)i2c_init(i2c0, I2C_HZ);
    gpio_set_function(QMOE_I2C_SDA, GPIO_FUNC_I2C);
    gpio_set_function(QMOE_I2C_SCL, GPIO_FUNC_I2C);
    gpio_pull_up(QMOE_I2C_SDA);
    gpio_pull_up(QMOE_I2C_SCL);
    return QMOE_OK;
}

qmoe_status_t qmoe_i2c_write(uint8_t address, const uint8_t *data, size_t n)
{
    return i2c_write_blocking(i2c0, address, data, n, false) == (int)n ? QMOE_OK : QMOE_ERR_IO;
}

qmoe_status_t qmoe_i2c_read(uint8_t address, uint8_t *data, size_t n)
{
    return i2c_read_blocking(i2c0, address, data, n, false) == (int)n ? QMOE_OK : QMOE_ERR_IO;
}

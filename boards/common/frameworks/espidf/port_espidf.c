/* port_espidf.c: framework glue for the ESP-IDF projects (qmoe_board.h; ESP-IDF >= 5.2 for the
 * i2c_master driver). app_main() runs the app in the main task, which never returns. The byte
 * channel is qmoe_idf_serial.h; the marker is a GPIO; the power sensor is on I2C port 0. */
#include "driver/gpio.h"
#include "driver/i2c_master.h"
#include "../../../../firmware/drivers/qmoe_board.h"
#include "../../../../firmware/drivers/qmoe_i2c.h"
#include "qmoe_idf_serial.h"
#include "qmoe_port.h"

#ifndef QMOE_MARKER_PIN
#define QMOE_MARKER_PIN (-1)
#endif

#define I2C_HZ 400000u
#define I2C_TIMEOUT_MS 10
#define WAIT_TICKS pdMS_TO_TICKS(100)

static int pending = -1; /* a byte taken by qmoe_port_wait_for_input(), not yet read */
static i2c_master_dev_handle_t sensor_dev;
static uint8_t sensor_address;

void app_main(void)
{
    (void)qmoe_app_main();
}

qmoe_status_t qmoe_board_serial_init(void)
{
    return qmoe_idf_serial_init();
}

int qmoe_port_read(uint8_t *buf, size_t max)
{
    size_t n = 0;

    if (max == 0u) {
        return 0;
    }
    if (pending >= 0) {
        buf[n++] = (uint8_t)pending;
        pending = -1;
    }
    return (int)n + qmoe_idf_serial_read(buf + n, max - n, 0);
}

void qmoe_port_write(const uint8_t *buf, size_t n)
{
    qmoe_idf_serial_write(buf, n);
}

void qmoe_port_wait_for_input(void)
{
    uint8_t c;

    /* Blocking in the driver lets the idle task run (no busy loop, no watchdog). */
    if (pending < 0 && qmoe_idf_serial_read(&c, 1, WAIT_TICKS) == 1) {
        pending = c;
    }
}

void qmoe_board_marker_init(void)
{
    if (QMOE_MARKER_PIN >= 0) {
        gpio_reset_pin((gpio_num_t)QMOE_MARKER_PIN);
        gpio_set_direction((gpio_num_t)QMOE_MARKER_PIN, GPIO_MODE_OUTPUT);
    }
}

void qmoe_board_marker_set(int high)
{
    if (QMOE_MARKER_PIN >= 0) {
        gpio_set_level((gpio_num_t)QMOE_MARKER_PIN, high ? 1u : 0u);
    }
}

#if defined(QMOE_POWER_SENSOR) && QMOE_POWER_SENSOR
qmoe_status_t qmoe_i2c_init(void)
{
    i2c_master_bus_handle_t bus;
    const i2c_master_bus_config_t bus_cfg = {
        .i2c_port = I2C_NUM_0,
        .sda_io_num = (gpio_num_t)QMOE_I2C_SDA,
        .scl_io_num = (gpio_num_t)QMOE_I2C_SCL,
        .clk_source = I2C_CLK_SRC_DEFAULT,
        .glitch_ignore_cnt = 7,
        .flags.enable_internal_pullup = true,
    };
    const i2c_device_config_t dev_cfg = {
        .dev_addr_length = I2C_ADDR_BIT_LEN_7,
        .device_address = QMOE_INA_ADDRESS,
        .scl_speed_hz = I2C_HZ,
    };

    if (i2c_new_master_bus(&bus_cfg, &bus) != ESP_OK ||
        i2c_master_bus_add_device(bus, &dev_cfg, &sensor_dev) != ESP_OK) {
        return QMOE_ERR_NO_DEVICE;
    }
    sensor_address = QMOE_INA_ADDRESS;
    return QMOE_OK;
}
#else
qmoe_status_t qmoe_i2c_init(void)
{
    return QMOE_ERR_UNSUPPORTED;
}
#endif

/* The ESP-IDF master driver binds a handle to one device: the sensor's address. */
qmoe_status_t qmoe_i2c_write(uint8_t address, const uint8_t *data, size_t n)
{
    if (sensor_dev == NULL || address != sensor_address) {
        return QMOE_ERR_ARG;
    }
    return i2c_master_transmit(sensor_dev, data, n, I2C_TIMEOUT_MS) == ESP_OK ? QMOE_OK
                                                                              : QMOE_ERR_IO;
}

qmoe_status_t qmoe_i2c_read(uint8_t address, uint8_t *data, size_t n)
{
    if (sensor_dev == NULL || address != sensor_address) {
        return QMOE_ERR_ARG;
    }
    return i2c_master_receive(sensor_dev, data, n, I2C_TIMEOUT_MS) == ESP_OK ? QMOE_OK
                                                                             : QMOE_ERR_IO;
}

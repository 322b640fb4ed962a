/* serial_uart.c: qmoe_idf_serial.h on UART0 (the console pins, wired to the board's USB
 * bridge). The project's sdkconfig turns the console off so the app owns UART0. */
#include "driver/uart.h"
#include "qmoe_idf_serial.h"

#ifndef QMOE_SERIAL_BAUD
#error "QMOE_SERIAL_BAUD must come from the build configuration"
#endif

#define PORT UART_NUM_0
#define RX_BUFFER 2048
#define TX_BUFFER 2048

qmoe_status_t qmoe_idf_serial_init(void)
{
    const uart_config_t cfg = {
        .baud_rate = QMOE_SERIAL_BAUD,
        .data_bits = UART_DATA_8_BITS,
        .parity = UART_PARITY_DISABLE,
        .stop_bits = UART_STOP_BITS_1,
        .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
        .source_clk = UART_SCLK_DEFAULT,
    };

    if (uart_driver_install(PORT, RX_BUFFER, TX_BUFFER, 0, NULL, 0) != ESP_OK ||
        uart_param_config(PORT, &cfg) != ESP_OK) {
        return QMOE_ERR_NO_DEVICE;
    }
    return QMOE_OK;
}

int qmoe_idf_serial_read(uint8_t *buf, size_t max, TickType_t wait)
{
    const int n = uart_read_bytes(PORT, buf, (uint32_t)max, wait);

    return n > 0 ? n : 0;
}

void qmoe_idf_serial_write(const uint8_t *buf, size_t n)
{
    (void)uart_write_bytes(PORT, buf, n);
}

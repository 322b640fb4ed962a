/* serial_usb_jtag.c: qmoe_idf_serial.h on the USB-Serial-JTAG controller (ESP-IDF >= 5.0). */
#include "driver/usb_serial_jtag.h"
#include "qmoe_idf_serial.h"

#define RX_BUFFER 2048u
#define TX_BUFFER 2048u

qmoe_status_t qmoe_idf_serial_init(void)
{
    usb_serial_jtag_driver_config_t cfg = {
        .tx_buffer_size = TX_BUFFER,
        .rx_buffer_size = RX_BUFFER,
    };

    return usb_serial_jtag_driver_install(&cfg) == ESP_OK ? QMOE_OK : QMOE_ERR_NO_DEVICE;
}

int qmoe_idf_serial_read(uint8_t *buf, size_t max, TickType_t wait)
{
    const int n = usb_serial_jtag_read_bytes(buf, (uint32_t)max, wait);

    return n > 0 ? n : 0;
}

void qmoe_idf_serial_write(const uint8_t *buf, size_t n)
{
    /* Without a host reading, the driver times out and the bytes are dropped (qmoe_port.h). */
    (void)usb_serial_jtag_write_bytes(buf, n, pdMS_TO_TICKS(100));
}

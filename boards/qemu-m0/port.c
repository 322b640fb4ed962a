/* qemu-m0 port: QEMU `-M microbit` (BBC micro:bit v1, nRF51822, Cortex-M0 at 16 MHz).
 *
 * Serial: nRF51 UART0 at 0x40002000, interrupt = NVIC IRQ 2 (peripheral ID 2) on the RXDRDY
 * event; a write waits for TXDRDY after each byte. Counter and sleep: ../common/cortex_m.c.
 * Marker: GPIO P0.03 (the micro:bit's edge-connector pad 0) through OUTSET/OUTCLR.
 */
#include "../common/cortex_m.h"
#include "qmoe_port.h"
#include "../common/rx_ring.h"

#define UART_BASE 0x40002000u
#define UART_STARTRX QMOE_CM_REG(UART_BASE + 0x000u)
#define UART_STARTTX QMOE_CM_REG(UART_BASE + 0x008u)
#define UART_RXDRDY QMOE_CM_REG(UART_BASE + 0x108u)
#define UART_TXDRDY QMOE_CM_REG(UART_BASE + 0x11Cu)
#define UART_INTENSET QMOE_CM_REG(UART_BASE + 0x304u)
#define UART_INTENCLR QMOE_CM_REG(UART_BASE + 0x308u)
#define UART_ENABLE QMOE_CM_REG(UART_BASE + 0x500u)
#define UART_PSELTXD QMOE_CM_REG(UART_BASE + 0x50Cu)
#define UART_PSELRXD QMOE_CM_REG(UART_BASE + 0x514u)
#define UART_RXD QMOE_CM_REG(UART_BASE + 0x518u)
#define UART_TXD QMOE_CM_REG(UART_BASE + 0x51Cu)
#define UART_BAUDRATE QMOE_CM_REG(UART_BASE + 0x524u)
#define UART_IRQ 2u

#define INTEN_RXDRDY (1u << 2)
#define ENABLE_UART 4u
#define BAUDRATE_115200 0x01D7E000u
#define PIN_TX 24u /* micro:bit USB serial TX */
#define PIN_RX 25u /* micro:bit USB serial RX */

#define GPIO_OUTSET QMOE_CM_REG(0x50000508u)
#define GPIO_OUTCLR QMOE_CM_REG(0x5000050Cu)
#define GPIO_DIRSET QMOE_CM_REG(0x50000518u)
#define MARKER_PIN 3u

void qmoe_cm_irq2(void)
{
    while (UART_RXDRDY) {
        if (!qmoe_rx_room()) {
            qmoe_uart_rx_irq(0);
            return;
        }
        UART_RXDRDY = 0; /* clear before reading: reading RXD re-raises it if more bytes wait */
        qmoe_rx_push((uint8_t)UART_RXD);
    }
}

void qmoe_uart_rx_irq(int on)
{
    if (on) {
        UART_INTENSET = INTEN_RXDRDY;
    } else {
        UART_INTENCLR = INTEN_RXDRDY;
    }
}

qmoe_status_t qmoe_port_init(void)
{
    UART_PSELTXD = PIN_TX;
    UART_PSELRXD = PIN_RX;
    UART_BAUDRATE = BAUDRATE_115200;
    UART_ENABLE = ENABLE_UART;
    UART_TXDRDY = 0;
    UART_STARTTX = 1;
    UART_STARTRX = 1;
    UART_INTENSET = INTEN_RXDRDY;
    qmoe_cm_nvic_enable(UART_IRQ);
    qmoe_cm_counter_start();
    GPIO_DIRSET = 1u << MARKER_PIN;
    qmoe_port_marker(0);
    return QMOE_OK;
}

void qmoe_port_write(const uint8_t *buf, size_t n)
{
    size_t i;

    for (i = 0; i < n; ++i) {
        UART_TXDRDY = 0;
        UART_TXD = buf[i];
        while (!UART_TXDRDY) {
        }
    }
}

void qmoe_port_marker(int high)
{
    if (high) {
        GPIO_OUTSET = 1u << MARKER_PIN;
    } else {
        GPIO_OUTCLR = 1u << MARKER_PIN;
    }
}

/* qemu-m4 port: QEMU `-M mps2-an386` (Arm MPS2 with the AN386 FPGA image, Cortex-M4F).
 *
 * Serial: CMSDK APB UART0 at 0x40004000, receive interrupt = NVIC IRQ 0 (transmit is IRQ 1, not
 * used: a write waits for the one-byte transmit buffer). Counter and sleep: ../common/cortex_m.c.
 * Marker: bit 0 of the FPGAIO LED register (0x40028000); QEMU models the register, so the
 * marker's state can be read back, but no pin or current exists under emulation.
 */
#include "../common/cortex_m.h"
#include "qmoe_port.h"
#include "../common/rx_ring.h"

#define UART_BASE 0x40004000u
#define UART_DATA QMOE_CM_REG(UART_BASE + 0x00u)
#define UART_STATE QMOE_CM_REG(UART_BASE + 0x04u)
#define UART_CTRL QMOE_CM_REG(UART_BASE + 0x08u)
#define UART_INTSTATUS QMOE_CM_REG(UART_BASE + 0x0Cu) /* write 1 to clear */
#define UART_BAUDDIV QMOE_CM_REG(UART_BASE + 0x10u)
#define UART_RX_IRQ 0u

#define STATE_TXFULL 0x1u
#define STATE_RXFULL 0x2u
#define CTRL_TX_EN 0x1u
#define CTRL_RX_EN 0x2u
#define CTRL_RX_INTEN 0x8u
#define INT_RX 0x2u

#define PCLK_HZ 25000000u
#define BAUD 115200u

#define FPGAIO_LED QMOE_CM_REG(0x40028000u)

void qmoe_cm_irq0(void)
{
    UART_INTSTATUS = INT_RX;
    while (UART_STATE & STATE_RXFULL) {
        if (!qmoe_rx_room()) {
            qmoe_uart_rx_irq(0);
            return;
        }
        qmoe_rx_push((uint8_t)UART_DATA);
    }
}

void qmoe_uart_rx_irq(int on)
{
    /* The UART keeps its RX interrupt status set until cleared, so gate it at the NVIC. */
    if (on) {
        qmoe_cm_nvic_enable(UART_RX_IRQ);
    } else {
        qmoe_cm_nvic_disable(UART_RX_IRQ);
    }
}

qmoe_status_t qmoe_port_init(void)
{
    UART_BAUDDIV = PCLK_HZ / BAUD;
    UART_CTRL = CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_INTEN;
    qmoe_cm_nvic_enable(UART_RX_IRQ);
    qmoe_cm_counter_start();
    qmoe_port_marker(0);
    return QMOE_OK;
}

void qmoe_port_write(const uint8_t *buf, size_t n)
{
    size_t i;

    for (i = 0; i < n; ++i) {
        while (UART_STATE & STATE_TXFULL) {
        }
        UART_DATA = buf[i];
    }
}

void qmoe_port_marker(int high)
{
    FPGAIO_LED = high ? 1u : 0u;
}

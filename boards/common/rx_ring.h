/* rx_ring.h: received bytes between a bare-metal port's UART interrupt handler (producer) and
 * qmoe_port_read() (consumer), for single-core boards.
 *
 * The handler asks qmoe_rx_room() before taking each byte out of the UART. When the ring is full
 * the handler turns the UART's receive interrupt off instead (bytes then wait in the UART, which
 * back-pressures the sender) and the next qmoe_port_read() that frees space turns it on again.
 * Nothing is dropped.
 */
#ifndef QMOE_RX_RING_H
#define QMOE_RX_RING_H

#include <stdint.h>

/* Implemented by each bare-metal port: enable (1) or disable (0) the UART receive interrupt. */
void qmoe_uart_rx_irq(int on);

/* Interrupt handler only: nonzero when one more byte fits. Zero means the ring is full; the
 * handler must leave the byte in the UART and call qmoe_uart_rx_irq(0). */
int qmoe_rx_room(void);

/* Interrupt handler only: store one byte (after qmoe_rx_room() said it fits). */
void qmoe_rx_push(uint8_t byte);

/* Nonzero when no received byte is waiting (call with interrupts masked to sleep race-free). */
int qmoe_rx_empty(void);

#endif /* QMOE_RX_RING_H */

/* rx_ring.c: the receive ring of the bare-metal ports and their qmoe_port_read(). */
#include "rx_ring.h"

#include "qmoe_port.h"

#define RX_RING_SIZE 256u /* a power of two; indices run freely and wrap modulo 2^16 */

static uint8_t ring[RX_RING_SIZE];
static volatile uint16_t head; /* written by the interrupt handler only */
static volatile uint16_t tail; /* written by qmoe_port_read() only */
static volatile uint8_t throttled;

int qmoe_rx_room(void)
{
    if ((uint16_t)(head - tail) >= RX_RING_SIZE) {
        throttled = 1;
        return 0;
    }
    return 1;
}

void qmoe_rx_push(uint8_t byte)
{
    uint16_t h = head;

    ring[h % RX_RING_SIZE] = byte;
    head = (uint16_t)(h + 1u);
}

int qmoe_rx_empty(void)
{
    return head == tail;
}

int qmoe_port_read(uint8_t *buf, size_t max)
{
    size_t n = 0;
    uint16_t t = tail;

    while (n < max && t != head) {
        buf[n++] = ring[t % RX_RING_SIZE];
        t = (uint16_t)(t + 1u);
    }
    tail = t;
    if (n > 0 && throttled) {
        throttled = 0;
        qmoe_uart_rx_irq(1);
    }
    return (int)n;
}

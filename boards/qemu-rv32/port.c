/* qemu-rv32 port: QEMU `qemu-system-riscv32 -M virt -bios none` (RV32IMC, machine mode).
 *
 * Serial: NS16550A at 0x10000000, its interrupt = PLIC source 10, routed to hart 0 machine
 * mode (PLIC context 0); a write waits for THRE after each byte. Counter: the low 32 bits of
 * mcycle, which QEMU derives from the instruction count under -icount (one count per emulated
 * instruction). Sleep: WFI with mstatus.MIE clear, so a byte arriving between the check and the
 * WFI still wakes the hart (WFI wakes on any pending interrupt enabled in mie). Marker: none
 * (the virt machine has no GPIO); qmoe_port_marker() is a no-op.
 */
#include "qmoe_port.h"
#include "../common/rx_ring.h"

#define REG8(addr) (*(volatile uint8_t *)(addr))
#define REG32(addr) (*(volatile uint32_t *)(addr))

#define UART_BASE 0x10000000u
#define UART_RBR REG8(UART_BASE + 0u) /* read: receive buffer; write: THR */
#define UART_THR REG8(UART_BASE + 0u)
#define UART_DLL REG8(UART_BASE + 0u) /* with LCR.DLAB */
#define UART_IER REG8(UART_BASE + 1u)
#define UART_DLM REG8(UART_BASE + 1u) /* with LCR.DLAB */
#define UART_LCR REG8(UART_BASE + 3u)
#define UART_MCR REG8(UART_BASE + 4u)
#define UART_LSR REG8(UART_BASE + 5u)
#define UART_IRQ 10u

#define IER_RX_AVAILABLE 0x01u
#define LCR_DLAB 0x80u
#define LCR_8N1 0x03u
#define MCR_OUT2 0x08u
#define LSR_DATA_READY 0x01u
#define LSR_THR_EMPTY 0x20u
#define UART_CLOCK_HZ 3686400u
#define BAUD 115200u

#define PLIC_BASE 0x0C000000u
#define PLIC_PRIORITY(irq) REG32(PLIC_BASE + 4u * (irq))
#define PLIC_ENABLE_CTX0 REG32(PLIC_BASE + 0x2000u)
#define PLIC_THRESHOLD_CTX0 REG32(PLIC_BASE + 0x200000u)
#define PLIC_CLAIM_CTX0 REG32(PLIC_BASE + 0x200004u)

#define MIE_MEIE (1u << 11)
#define MSTATUS_MIE (1u << 3)
#define MCAUSE_MACHINE_EXTERNAL 0x8000000Bu

static void uart_isr(void)
{
    while (UART_LSR & LSR_DATA_READY) {
        if (!qmoe_rx_room()) {
            qmoe_uart_rx_irq(0);
            return;
        }
        qmoe_rx_push(UART_RBR);
    }
}

/* The trap vector (mtvec, direct mode: 4-byte aligned). Only the PLIC's external interrupt is enabled. */
__attribute__((interrupt("machine"), aligned(4), used)) void qmoe_rv_trap(void)
{
    uint32_t cause;

    __asm volatile("csrr %0, mcause" : "=r"(cause));
    if (cause == MCAUSE_MACHINE_EXTERNAL) {
        uint32_t irq = PLIC_CLAIM_CTX0;

        if (irq == UART_IRQ) {
            uart_isr();
        }
        if (irq != 0u) {
            PLIC_CLAIM_CTX0 = irq; /* complete */
        }
        return;
    }
    for (;;) { /* an exception: nothing to return to */
        __asm volatile("wfi");
    }
}

void qmoe_uart_rx_irq(int on)
{
    UART_IER = on ? IER_RX_AVAILABLE : 0u;
}

qmoe_status_t qmoe_port_init(void)
{
    uint32_t divisor = UART_CLOCK_HZ / (16u * BAUD);

    /* The FIFOs stay off (FCR untouched): enabling them flushes the receiver, which would drop
     * bytes a host sent before this point. Without them the UART holds one byte and
     * back-pressures the sender, which is all the interrupt handler needs. */
    UART_IER = 0;
    UART_LCR = LCR_DLAB;
    UART_DLL = (uint8_t)(divisor & 0xFFu);
    UART_DLM = (uint8_t)(divisor >> 8);
    UART_LCR = LCR_8N1;
    UART_MCR = MCR_OUT2;
    UART_IER = IER_RX_AVAILABLE;

    PLIC_PRIORITY(UART_IRQ) = 1;
    PLIC_ENABLE_CTX0 = 1u << UART_IRQ;
    PLIC_THRESHOLD_CTX0 = 0;
    __asm volatile("csrs mie, %0" : : "r"(MIE_MEIE));
    __asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE));
    return QMOE_OK;
}

void qmoe_port_write(const uint8_t *buf, size_t n)
{
    size_t i;

    for (i = 0; i < n; ++i) {
        while (!(UART_LSR & LSR_THR_EMPTY)) {
        }
        UART_THR = buf[i];
    }
}

void qmoe_port_wait_for_input(void)
{
    __asm volatile("csrc mstatus, %0" : : "r"(MSTATUS_MIE) : "memory");
    if (qmoe_rx_empty()) {
        __asm volatile("wfi" ::: "memory");
    }
    __asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE) : "memory");
}

uint32_t qmoe_port_counter(void)
{
    uint32_t v;

    __asm volatile("csrr %0, mcycle" : "=r"(v));
    return v;
}

void qmoe_port_marker(int high)
{
    (void)high;
}

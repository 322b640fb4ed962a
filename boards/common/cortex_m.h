/* cortex_m.h: what the Cortex-M ports (qemu-m4, qemu-m0, later nano33ble and pico) share:
 * interrupt handler names, NVIC enable/disable and the system registers they touch.
 *
 * cortex_m.c holds the vector table, the reset handler, the SysTick-based qmoe_port_counter()
 * and qmoe_port_wait_for_input(). A port defines the handler of the interrupt its UART raises as
 * qmoe_cm_irq<N> (N = the NVIC interrupt number) and enables it with qmoe_cm_nvic_enable(N).
 */
#ifndef QMOE_CORTEX_M_H
#define QMOE_CORTEX_M_H

#include <stdint.h>

#define QMOE_CM_REG(addr) (*(volatile uint32_t *)(addr))

#define QMOE_CM_NVIC_ISER QMOE_CM_REG(0xE000E100u) /* set-enable, IRQs 0..31 */
#define QMOE_CM_NVIC_ICER QMOE_CM_REG(0xE000E180u) /* clear-enable, IRQs 0..31 */

/* Number of external interrupts in the vector table (both QEMU machines model 32). */
#define QMOE_CM_NUM_IRQ 32

static inline void qmoe_cm_nvic_enable(unsigned irq)
{
    QMOE_CM_NVIC_ISER = 1u << irq;
}

static inline void qmoe_cm_nvic_disable(unsigned irq)
{
    QMOE_CM_NVIC_ICER = 1u << irq;
    __asm volatile("dsb\n\tisb" ::: "memory");
}

/* Start the SysTick extension behind qmoe_port_counter(); called by the port's qmoe_port_init(). */
void qmoe_cm_counter_start(void);

#endif /* QMOE_CORTEX_M_H */

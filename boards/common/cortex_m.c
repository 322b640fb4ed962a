/* cortex_m.c: start-up and timing shared by the Cortex-M ports.
 *
 * - Vector table (placed in .vectors by the board's linker script) with weak handlers
 *   qmoe_cm_irq0..31 that a port overrides for the interrupts it uses.
 * - Reset handler: enables the FPU when compiled for one, copies .data, zeroes .bss, calls
 *   qmoe_app_main().
 * - qmoe_port_counter(): SysTick on the processor clock, 24 bits counting down, extended in
 *   software to a 32-bit up-counter (the SysTick interrupt counts wraps). DWT CYCCNT is not used:
 *   it reads 0 under QEMU and is absent on Cortex-M0.
 * - qmoe_port_wait_for_input(): WFI with PRIMASK set, so that a byte arriving between the check
 *   and the WFI still wakes the core (a pending interrupt ends WFI even while masked).
 */
#include "cortex_m.h"

#include "qmoe_port.h"
#include "rx_ring.h"

#define SYST_CSR QMOE_CM_REG(0xE000E010u)
#define SYST_RVR QMOE_CM_REG(0xE000E014u)
#define SYST_CVR QMOE_CM_REG(0xE000E018u)
#define SCB_ICSR QMOE_CM_REG(0xE000ED04u)
#define SCB_CPACR QMOE_CM_REG(0xE000ED88u)

#define SYST_CSR_ENABLE 0x1u
#define SYST_CSR_TICKINT 0x2u
#define SYST_CSR_CLKSOURCE 0x4u /* 1 = processor clock */
#define SYST_MAX 0x00FFFFFFu
#define ICSR_PENDSTSET (1u << 26)

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];

static volatile uint32_t systick_wraps;

static void default_handler(void)
{
    for (;;) {
        __asm volatile("bkpt #0");
    }
}

void qmoe_cm_reset(void);
void qmoe_cm_systick(void);

/* clang-format off */
#define WEAK_IRQ(n) void qmoe_cm_irq##n(void) __attribute__((weak, alias("default_handler")));
WEAK_IRQ(0) WEAK_IRQ(1) WEAK_IRQ(2) WEAK_IRQ(3) WEAK_IRQ(4) WEAK_IRQ(5) WEAK_IRQ(6) WEAK_IRQ(7)
WEAK_IRQ(8) WEAK_IRQ(9) WEAK_IRQ(10) WEAK_IRQ(11) WEAK_IRQ(12) WEAK_IRQ(13) WEAK_IRQ(14)
WEAK_IRQ(15) WEAK_IRQ(16) WEAK_IRQ(17) WEAK_IRQ(18) WEAK_IRQ(19) WEAK_IRQ(20) WEAK_IRQ(21)
WEAK_IRQ(22) WEAK_IRQ(23) WEAK_IRQ(24) WEAK_IRQ(25) WEAK_IRQ(26) WEAK_IRQ(27) WEAK_IRQ(28)
WEAK_IRQ(29) WEAK_IRQ(30) WEAK_IRQ(31)

typedef void (*vector_t)(void);

__attribute__((section(".vectors"), used)) static const vector_t vectors[16 + QMOE_CM_NUM_IRQ] = {
    (vector_t)(uintptr_t)_estack, qmoe_cm_reset,
    default_handler, /* NMI */
    default_handler, /* HardFault */
    default_handler, default_handler, default_handler, /* MemManage, BusFault, UsageFault */
    0, 0, 0, 0,
    default_handler, /* SVCall */
    default_handler, /* DebugMonitor */
    0,
    default_handler, /* PendSV */
    qmoe_cm_systick,
    qmoe_cm_irq0, qmoe_cm_irq1, qmoe_cm_irq2, qmoe_cm_irq3, qmoe_cm_irq4, qmoe_cm_irq5,
    qmoe_cm_irq6, qmoe_cm_irq7, qmoe_cm_irq8, qmoe_cm_irq9, qmoe_cm_irq10, qmoe_cm_irq11,
    qmoe_cm_irq12, qmoe_cm_irq13, qmoe_cm_irq14, qmoe_cm_irq15, qmoe_cm_irq16, qmoe_cm_irq17,
    qmoe_cm_irq18, qmoe_cm_irq19, qmoe_cm_irq20, qmoe_cm_irq21, qmoe_cm_irq22, qmoe_cm_irq23,
    qmoe_cm_irq24, qmoe_cm_irq25, qmoe_cm_irq26, qmoe_cm_irq27, qmoe_cm_irq28, qmoe_cm_irq29,
    qmoe_cm_irq30, qmoe_cm_irq31,
};
/* clang-format on */

void qmoe_cm_reset(void)
{
    uint32_t *src = _sidata;
    uint32_t *dst;

#if defined(__ARM_FP)
    SCB_CPACR |= 0xFu << 20; /* full access to CP10 and CP11 (the FPU) */
    __asm volatile("dsb\n\tisb" ::: "memory");
#endif
    for (dst = _sdata; dst < _edata; ++dst) {
        *dst = *src++;
    }
    for (dst = _sbss; dst < _ebss; ++dst) {
        *dst = 0;
    }
    (void)qmoe_app_main();
    for (;;) {
        __asm volatile("wfi");
    }
}

void qmoe_cm_systick(void)
{
    systick_wraps = systick_wraps + 1u;
}

void qmoe_cm_counter_start(void)
{
    systick_wraps = 0;
    SYST_RVR = SYST_MAX;
    SYST_CVR = 0; /* any write clears the count; it reloads on the next clock */
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

uint32_t qmoe_port_counter(void)
{
    uint32_t hi;
    uint32_t lo;
    uint32_t pending;

    do {
        hi = systick_wraps;
        lo = SYST_CVR;
        pending = SCB_ICSR & ICSR_PENDSTSET;
    } while (hi != systick_wraps);
    if (pending) {
        /* Wrapped but not yet counted (interrupts masked): count it here. */
        lo = SYST_CVR;
        hi += 1u;
    }
    /* The interrupt fires as the count enters 0, so 0 is the first tick of the new period. */
    return (hi << 24) | ((0u - lo) & SYST_MAX);
}

void qmoe_port_wait_for_input(void)
{
    __asm volatile("cpsid i" ::: "memory");
    if (qmoe_rx_empty()) {
        __asm volatile("dsb\n\twfi" ::: "memory");
    }
    __asm volatile("cpsie i\n\tisb" ::: "memory");
}

/* echo_main.c: test-only app that proves a port (tests/test_boards.py drives it).
 *
 * Every received byte is echoed back, except two commands:
 *   '?'  replies "board=<name> counter=<value>\n" (qmoe_port_counter() now)
 *   '!'  replies "work=<delta> iterations=<n>\n": the counter delta of a fixed spin loop of n
 *        iterations of two instructions each (subtract, branch), started right after a counter
 *        edge. Under QEMU -icount the delta is an exact, repeatable function of the instruction
 *        count, which lets a test check the profile's counter.per_tick.
 */
#include "qmoe_port.h"

#define SPIN_ITERATIONS 100000u

static void spin(uint32_t n)
{
#if defined(__thumb__)
    __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+l"(n) : : "cc");
#elif defined(__riscv)
    __asm volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(n));
#else
    volatile uint32_t i = n;
    while (i > 0u) {
        i = i - 1u;
    }
#endif
}

static void write_str(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0') {
        ++n;
    }
    qmoe_port_write((const uint8_t *)s, n);
}

static void write_u32(uint32_t v)
{
    uint8_t digits[10];
    size_t n = 0;

    do {
        digits[sizeof digits - 1u - n] = (uint8_t)('0' + v % 10u);
        v /= 10u;
        ++n;
    } while (v != 0u);
    qmoe_port_write(&digits[sizeof digits - n], n);
}

static void reply_work(void)
{
    uint32_t edge = qmoe_port_counter();
    uint32_t start;

    while ((start = qmoe_port_counter()) == edge) {
    }
    spin(SPIN_ITERATIONS);
    write_str("work=");
    write_u32(qmoe_port_counter() - start);
    write_str(" iterations=");
    write_u32(SPIN_ITERATIONS);
    write_str("\n");
}

static void reply_board(void)
{
    uint32_t now = qmoe_port_counter();

    write_str("board=");
    write_str(qmoe_port_board());
    write_str(" counter=");
    write_u32(now);
    write_str("\n");
}

int qmoe_app_main(void)
{
    uint8_t buf[64];

    if (qmoe_port_init() != QMOE_OK) {
        return 1;
    }
    for (;;) {
        int n = qmoe_port_read(buf, sizeof buf);
        int i;
        int from = 0;

        if (n == 0) {
            qmoe_port_wait_for_input();
            continue;
        }
        for (i = 0; i < n; ++i) {
            if (buf[i] == '?' || buf[i] == '!') {
                qmoe_port_write(&buf[from], (size_t)(i - from));
                from = i + 1;
                if (buf[i] == '?') {
                    reply_board();
                } else {
                    reply_work();
                }
            }
        }
        qmoe_port_write(&buf[from], (size_t)(n - from));
    }
}

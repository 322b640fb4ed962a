/* drivers_main.c: host harness for the power-sensor driver and its window integration, driven by
 * tests/test_real_boards.py over a fake INA219/INA226 (fake_ina.h). One command per input line,
 * one reply line per command (numbers in decimal):
 *
 *   attach CHIP ADDR                 -> "ok"            put a chip (219, 226, 0 = none) on the bus
 *   cal CHIP SHUNT_UOHM LSB_NA       -> "cal VALUE"     qmoe_ina_calibration()
 *   setup CHIP ADDR SHUNT_UOHM MAX_MA -> "setup ST LSB_NA CAL CONFIG CONV_US"
 *   init                             -> "init ST"       qmoe_ina_init() with the last setup
 *   truth SHUNT_NV BUS_UV            -> "ok"            the fake's true voltages
 *   read                             -> "read ST SHUNT_NV BUS_UV CURRENT_UA POWER_UW
 *                                         RAW_SHUNT RAW_BUS RAW_CURRENT RAW_POWER"
 *   fail N                           -> "ok"            the next N bus reads fail
 *   window SENSOR CPS N WORK XFER    -> "window UJ SAMPLES FAILURES MIN MAX SUM RAW"
 *       N inferences of WORK counts each between qmoe_energy_begin() and _end(), a counter of CPS
 *       counts per second, XFER counts per bus transfer, SENSOR 0/1: without / with the sensor.
 *       MIN, MAX, SUM: the app's per-inference counter differences; RAW: raw counts elapsed.
 */
#include <stdio.h>
#include <string.h>

#include "fake_ina.h"
#include "../../../firmware/drivers/qmoe_energy.h"
#include "../../../firmware/drivers/qmoe_ina2xx.h"

static qmoe_ina_t ina;

static void window(int with_sensor, unsigned cps, unsigned n, unsigned work, unsigned xfer)
{
    qmoe_energy_t e;
    uint32_t uj = 0;
    uint32_t samples = 0;
    uint32_t min = UINT32_MAX;
    uint32_t max = 0;
    unsigned long long sum = 0;
    uint32_t start;
    uint32_t prev;

    fake_ina_transfer_counts = xfer;
    qmoe_energy_init(&e, with_sensor ? &ina : NULL, fake_counter_read, cps);
    start = fake_counter;
    qmoe_energy_begin(&e);
    prev = qmoe_energy_now(&e);
    for (unsigned i = 0; i < n; ++i) {
        uint32_t now;
        uint32_t d;

        fake_counter += work;
        now = qmoe_energy_now(&e);
        d = now - prev;
        prev = now;
        sum += d;
        min = d < min ? d : min;
        max = d > max ? d : max;
    }
    qmoe_energy_end(&e);
    qmoe_energy_result(&e, &uj, &samples);
    printf("window %u %u %u %u %u %llu %u\n", (unsigned)uj, (unsigned)samples, (unsigned)e.failures,
           (unsigned)min, (unsigned)max, sum, (unsigned)(fake_counter - start));
}

int main(void)
{
    char line[256];

    while (fgets(line, sizeof line, stdin) != NULL) {
        char cmd[16] = {0};
        long long a = 0, b = 0, c = 0, d = 0, f = 0;
        const int k = sscanf(line, "%15s %lli %lli %lli %lli %lli", cmd, &a, &b, &c, &d, &f);

        if (k < 1) {
            continue;
        }
        if (strcmp(cmd, "attach") == 0) {
            fake_ina_attach((int)a, (uint8_t)b);
            puts("ok");
        } else if (strcmp(cmd, "cal") == 0) {
            printf("cal %u\n",
                   (unsigned)qmoe_ina_calibration((qmoe_ina_chip_t)a, (uint32_t)b, (uint32_t)c));
        } else if (strcmp(cmd, "setup") == 0) {
            const qmoe_status_t st =
                qmoe_ina_setup(&ina, (qmoe_ina_chip_t)a, (uint8_t)b, (uint32_t)c, (uint32_t)d);
            printf("setup %d %u %u %u %u\n", (int)st, (unsigned)ina.current_lsb_na,
                   (unsigned)ina.calibration, (unsigned)ina.config, (unsigned)ina.conversion_us);
        } else if (strcmp(cmd, "init") == 0) {
            printf("init %d\n", (int)qmoe_ina_init(&ina));
        } else if (strcmp(cmd, "truth") == 0) {
            fake_ina_set(a, b);
            puts("ok");
        } else if (strcmp(cmd, "fail") == 0) {
            fake_ina_fail_reads((uint32_t)a);
            puts("ok");
        } else if (strcmp(cmd, "read") == 0) {
            int32_t shunt = 0, current = 0;
            uint32_t bus = 0, power = 0;
            int st = (int)qmoe_ina_read_shunt_nv(&ina, &shunt);

            st |= (int)qmoe_ina_read_bus_uv(&ina, &bus);
            st |= (int)qmoe_ina_read_current_ua(&ina, &current);
            st |= (int)qmoe_ina_read_power_uw(&ina, &power);
            printf("read %d %ld %lu %ld %lu %u %u %u %u\n", st, (long)shunt, (unsigned long)bus,
                   (long)current, (unsigned long)power, fake_ina_register(0x01),
                   fake_ina_register(0x02), fake_ina_register(0x04), fake_ina_register(0x03));
        } else if (strcmp(cmd, "window") == 0) {
            window((int)a, (unsigned)b, (unsigned)c, (unsigned)d, (unsigned)f);
        } else {
            printf("unknown %s\n", cmd);
        }
        fflush(stdout);
    }
    return 0;
}

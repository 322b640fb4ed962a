/* port_core.c: the portable part of the real boards' ports (qmoe_board.h): init, the counter,
 * the marker and the power sensor's window energy. */
#include "qmoe_port.h"

#include "qmoe_board.h"
#include "qmoe_energy.h"
#include "qmoe_i2c.h"
#include "qmoe_ina2xx.h"

#ifndef QMOE_APP_COUNTS_PER_MS
#error "QMOE_APP_COUNTS_PER_MS must come from the build configuration"
#endif
#ifndef QMOE_POWER_SENSOR
#define QMOE_POWER_SENSOR 0
#endif

static qmoe_energy_t energy;
static qmoe_ina_t sensor;
static int sensor_found;

#if QMOE_POWER_SENSOR
static int start_sensor(void)
{
    return qmoe_i2c_init() == QMOE_OK &&
           qmoe_ina_setup(&sensor, (qmoe_ina_chip_t)QMOE_INA_CHIP, QMOE_INA_ADDRESS,
                          QMOE_INA_SHUNT_UOHM, QMOE_INA_MAX_CURRENT_MA) == QMOE_OK &&
           qmoe_ina_init(&sensor) == QMOE_OK;
}
#endif

qmoe_status_t qmoe_port_init(void)
{
    qmoe_status_t st = qmoe_board_serial_init();

    if (st != QMOE_OK) {
        return st;
    }
    qmoe_board_counter_start();
    qmoe_board_marker_init();
    qmoe_board_marker_set(0);
#if QMOE_POWER_SENSOR
    sensor_found = start_sensor();
#endif
    qmoe_energy_init(&energy, sensor_found ? &sensor : (const qmoe_ina_t *)0,
                     qmoe_board_counter_raw, 1000u * (uint32_t)(QMOE_APP_COUNTS_PER_MS));
    return QMOE_OK;
}

uint32_t qmoe_port_counter(void)
{
    return qmoe_energy_now(&energy);
}

void qmoe_port_marker(int high)
{
    /* The sensor is read outside the marker, so a PPK2 window never contains its transfers. */
    if (high) {
        qmoe_energy_begin(&energy);
        qmoe_board_marker_set(1);
    } else {
        qmoe_board_marker_set(0);
        qmoe_energy_end(&energy);
    }
}

void qmoe_port_window_energy(uint32_t *energy_uj, uint32_t *samples)
{
    qmoe_energy_result(&energy, energy_uj, samples);
}

/* qmoe_energy.h: integrate a power sensor's readings over a RUN_WINDOW (docs/energy.md).
 *
 * The window is the time between qmoe_energy_begin() and qmoe_energy_end(), which the port
 * calls around the GPIO marker: begin just before the marker goes high, end just after it goes
 * low. Inside the window the sensor is read whenever the counter is
 * read (qmoe_energy_now(), the port's qmoe_port_counter()) and a new sensor result is due (one
 * conversion time since the last read). The app reads the counter once per inference, so the
 * window gets one sample per conversion time, or one per inference when inferences are longer.
 *
 * Reading the sensor takes bus time. That time is cut out of the counter: qmoe_energy_now()
 * returns the raw counter minus every count spent sampling, so the app's per-inference counts
 * do not include the I2C transfers. Energy is integrated over the same adjusted time, by the
 * trapezoid rule between consecutive samples:
 *
 *   E[uJ] = sum over samples i >= 1 of (P[i-1] + P[i]) / 2 [uW] x (t[i] - t[i-1]) / counts_per_s
 *
 * The first good reading's power also covers the window's start and the last one its end, so a
 * failed reading (not counted in the samples) shortens nothing.
 * With no sensor (ina == NULL) every call is a pass-through and the window reports 0 uJ over 0
 * samples, which the host reads as "this board has no INA219".
 */
#ifndef QMOE_ENERGY_H
#define QMOE_ENERGY_H

#include <stdint.h>

#include "qmoe_ina2xx.h"

typedef uint32_t (*qmoe_energy_clock_t)(void);

typedef struct {
    const qmoe_ina_t *ina;   /* NULL: no sensor */
    qmoe_energy_clock_t raw; /* the board's free-running counter */
    uint32_t counts_per_s;   /* its rate */
    uint32_t period;         /* counts between two sensor reads: one conversion time */
    uint32_t paused;         /* counts spent sampling, cut out of qmoe_energy_now() */
    int open;                /* inside a window */
    uint32_t last_raw;       /* raw counter at the last sample */
    uint32_t last_t;         /* adjusted time of the last sample */
    uint32_t last_uw;        /* power of the last sample */
    uint32_t begin_t;        /* adjusted time the window opened */
    uint32_t first_t;        /* adjusted time and power of its first good sample */
    uint32_t first_uw;
    uint64_t twice_uw_counts; /* sum of (P[i-1] + P[i]) x dt */
    uint32_t samples;         /* readings taken in this window */
    uint32_t failures;        /* readings that failed (not counted in samples) */
    uint32_t energy_uj;       /* result of the last closed window */
    uint32_t result_samples;
} qmoe_energy_t;

/* Set up `e` for sensor `ina` (or NULL) and a counter `raw` running at `counts_per_s`. */
void qmoe_energy_init(qmoe_energy_t *e, const qmoe_ina_t *ina, qmoe_energy_clock_t raw,
                      uint32_t counts_per_s);

/* The counter with sampling time cut out; takes a sample first when one is due in a window. */
uint32_t qmoe_energy_now(qmoe_energy_t *e);

/* Open a window (first sample) / close it (last sample, integrate). */
void qmoe_energy_begin(qmoe_energy_t *e);
void qmoe_energy_end(qmoe_energy_t *e);

/* Energy of the last closed window in uJ and its sample count (0, 0 without a sensor or when
 * no reading succeeded). */
void qmoe_energy_result(const qmoe_energy_t *e, uint32_t *energy_uj, uint32_t *samples);

#endif /* QMOE_ENERGY_H */

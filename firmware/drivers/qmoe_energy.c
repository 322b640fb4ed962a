/* qmoe_energy.c: a power sensor's readings integrated over a marker window; qmoe_energy.h. */
#include "qmoe_energy.h"

#define US_PER_S 1000000u

void qmoe_energy_init(qmoe_energy_t *e, const qmoe_ina_t *ina, qmoe_energy_clock_t raw,
                      uint32_t counts_per_s)
{
    uint64_t period = 1u;

    e->ina = ina;
    e->raw = raw;
    e->counts_per_s = counts_per_s > 0u ? counts_per_s : 1u;
    if (ina != 0) {
        period = (uint64_t)ina->conversion_us * e->counts_per_s / US_PER_S;
    }
    e->period = period == 0u ? 1u : (period > UINT32_MAX / 2u ? UINT32_MAX / 2u : (uint32_t)period);
    e->paused = 0;
    e->open = 0;
    e->last_raw = 0;
    e->last_t = 0;
    e->last_uw = 0;
    e->begin_t = 0;
    e->first_t = 0;
    e->first_uw = 0;
    e->twice_uw_counts = 0;
    e->samples = 0;
    e->failures = 0;
    e->energy_uj = 0;
    e->result_samples = 0;
}

/* Read the sensor and add the trapezoid since the previous reading; the time the read takes is
 * added to `paused`, so it never appears in qmoe_energy_now(). */
static void sample(qmoe_energy_t *e)
{
    const uint32_t start = e->raw();
    const uint32_t t = start - e->paused;
    uint32_t uw = 0;

    if (qmoe_ina_read_power_uw(e->ina, &uw) == QMOE_OK) {
        if (e->samples > 0u) {
            e->twice_uw_counts += ((uint64_t)e->last_uw + uw) * (uint32_t)(t - e->last_t);
        } else {
            e->first_t = t;
            e->first_uw = uw;
        }
        e->last_t = t;
        e->last_uw = uw;
        e->samples += 1u;
    } else {
        e->failures += 1u;
    }
    e->last_raw = start;
    e->paused += e->raw() - start;
}

uint32_t qmoe_energy_now(qmoe_energy_t *e)
{
    const uint32_t now = e->raw();
    const uint32_t adjusted = now - e->paused;

    if (e->open && (uint32_t)(now - e->last_raw) >= e->period) {
        sample(e);
    }
    return adjusted;
}

void qmoe_energy_begin(qmoe_energy_t *e)
{
    if (e->ina == 0) {
        return;
    }
    e->twice_uw_counts = 0;
    e->samples = 0;
    e->failures = 0;
    e->open = 1;
    e->begin_t = e->raw() - e->paused;
    sample(e);
}

void qmoe_energy_end(qmoe_energy_t *e)
{
    uint64_t uj = 0;
    uint32_t end_t;

    if (e->ina == 0 || !e->open) {
        return;
    }
    end_t = e->raw() - e->paused;
    sample(e);
    e->open = 0;
    if (e->samples > 0u) {
        /* Hold the first reading back to the start, the last one on to the end. */
        e->twice_uw_counts += 2u * (uint64_t)e->first_uw * (uint32_t)(e->first_t - e->begin_t);
        e->twice_uw_counts += 2u * (uint64_t)e->last_uw * (uint32_t)(end_t - e->last_t);
        uj = e->twice_uw_counts / 2u / e->counts_per_s;
    }
    e->energy_uj = uj > UINT32_MAX ? UINT32_MAX : (uint32_t)uj;
    e->result_samples = e->samples;
}

void qmoe_energy_result(const qmoe_energy_t *e, uint32_t *energy_uj, uint32_t *samples)
{
    *energy_uj = e->energy_uj;
    *samples = e->result_samples;
}

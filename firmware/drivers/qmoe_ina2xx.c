/* qmoe_ina2xx.c: INA219 / INA226 set-up, calibration and reads. Contract and register map:
 * qmoe_ina2xx.h. */
#include "qmoe_ina2xx.h"

#include "qmoe_i2c.h"

/* CAL x current_LSB[nA] x R[uOhm] = 0.04096 (INA219) or 0.00512 (INA226), scaled by 1e15. */
#define INA219_CAL_SCALE 40960000000000ull
#define INA226_CAL_SCALE 5120000000000ull
#define INA219_CAL_MAX 0xFFFEu /* bit 0 of the register is not used */
#define INA226_CAL_MAX 0x7FFFu /* bit 15 of the register is not used */

/* INA219: BRNG = 0 (16 V), BADC = SADC = 0b1011 (12 bits, 8 samples: 4.26 ms each), MODE = 7
 * (shunt and bus, continuous); the PGA bits (12..11) are chosen from the shunt voltage. */
#define INA219_CONFIG_BASE ((0xBu << 7) | (0xBu << 3) | 0x7u)
#define INA219_CONVERSION_US 8520u /* a shunt plus a bus conversion */
#define INA219_PGA_STEPS 4u
static const uint32_t ina219_range_uv[INA219_PGA_STEPS] = {40000u, 80000u, 160000u, 320000u};

/* INA226: bit 14 reads 1, AVG = 0b001 (4 samples), VBUSCT = VSHCT = 0b100 (1.1 ms), MODE = 7. */
#define INA226_CONFIG ((1u << 14) | (1u << 9) | (4u << 6) | (4u << 3) | 0x7u)
#define INA226_CONVERSION_US 8800u /* 4 x (1.1 ms + 1.1 ms) */
#define INA226_RANGE_UV 81920u

static uint64_t cal_scale(qmoe_ina_chip_t chip)
{
    return chip == QMOE_INA219 ? INA219_CAL_SCALE : INA226_CAL_SCALE;
}

static uint32_t cal_max(qmoe_ina_chip_t chip)
{
    return chip == QMOE_INA219 ? INA219_CAL_MAX : INA226_CAL_MAX;
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
    return (a + b - 1u) / b;
}

uint16_t qmoe_ina_calibration(qmoe_ina_chip_t chip, uint32_t shunt_uohm, uint32_t current_lsb_na)
{
    uint64_t cal;

    if ((chip != QMOE_INA219 && chip != QMOE_INA226) || shunt_uohm == 0u || current_lsb_na == 0u) {
        return 0;
    }
    cal = cal_scale(chip) / ((uint64_t)current_lsb_na * shunt_uohm);
    if (cal > cal_max(chip)) {
        return 0;
    }
    return (uint16_t)(chip == QMOE_INA219 ? cal & INA219_CAL_MAX : cal);
}

qmoe_status_t qmoe_ina_setup(qmoe_ina_t *ina, qmoe_ina_chip_t chip, uint8_t address,
                             uint32_t shunt_uohm, uint32_t max_current_ma)
{
    uint64_t full_scale_uv;
    uint64_t lsb;
    uint32_t pga = 0;

    if (ina == 0 || (chip != QMOE_INA219 && chip != QMOE_INA226) || shunt_uohm == 0u ||
        max_current_ma == 0u || address < 0x40u || address > 0x4Fu) {
        return QMOE_ERR_ARG;
    }
    /* mA x uOhm = nV */
    full_scale_uv = div_ceil((uint64_t)max_current_ma * shunt_uohm, 1000u);
    if (chip == QMOE_INA219) {
        while (pga < INA219_PGA_STEPS && full_scale_uv > ina219_range_uv[pga]) {
            ++pga;
        }
        if (pga == INA219_PGA_STEPS) {
            return QMOE_ERR_ARG;
        }
    } else if (full_scale_uv > INA226_RANGE_UV) {
        return QMOE_ERR_ARG;
    }
    /* Smallest LSB covering max current in 15 bits (SBOS448: I_max / 32767; SBOS547: / 2^15). */
    lsb = div_ceil((uint64_t)max_current_ma * 1000000u, chip == QMOE_INA219 ? 32767u : 32768u);
    if (cal_scale(chip) / (lsb * shunt_uohm) > cal_max(chip)) {
        lsb = div_ceil(cal_scale(chip), (uint64_t)cal_max(chip) * shunt_uohm);
    }
    if (lsb > UINT32_MAX) {
        return QMOE_ERR_ARG;
    }
    ina->chip = chip;
    ina->address = address;
    ina->shunt_uohm = shunt_uohm;
    ina->current_lsb_na = (uint32_t)lsb;
    ina->calibration = qmoe_ina_calibration(chip, shunt_uohm, (uint32_t)lsb);
    if (chip == QMOE_INA219) {
        ina->config = (uint16_t)(INA219_CONFIG_BASE | (pga << 11));
        ina->conversion_us = INA219_CONVERSION_US;
    } else {
        ina->config = (uint16_t)INA226_CONFIG;
        ina->conversion_us = INA226_CONVERSION_US;
    }
    return ina->calibration != 0u ? QMOE_OK : QMOE_ERR_ARG;
}

static qmoe_status_t write_reg(const qmoe_ina_t *ina, uint8_t reg, uint16_t value)
{
    uint8_t bytes[3];

    bytes[0] = reg;
    bytes[1] = (uint8_t)(value >> 8);
    bytes[2] = (uint8_t)(value & 0xFFu);
    return qmoe_i2c_write(ina->address, bytes, sizeof bytes);
}

static qmoe_status_t read_reg(const qmoe_ina_t *ina, uint8_t reg, uint16_t *value)
{
    uint8_t bytes[2];

    if (qmoe_i2c_write(ina->address, &reg, 1) != QMOE_OK ||
        qmoe_i2c_read(ina->address, bytes, sizeof bytes) != QMOE_OK) {
        return QMOE_ERR_IO;
    }
    *value = (uint16_t)(((uint16_t)bytes[0] << 8) | bytes[1]);
    return QMOE_OK;
}

static int is_expected_chip(const qmoe_ina_t *ina)
{
    uint16_t a = 0;
    uint16_t b = 0;

    if (ina->chip == QMOE_INA219) {
        return read_reg(ina, QMOE_INA_REG_CONFIG, &a) == QMOE_OK && a == QMOE_INA219_CONFIG_DEFAULT;
    }
    return read_reg(ina, QMOE_INA226_REG_MANUFACTURER, &a) == QMOE_OK &&
           read_reg(ina, QMOE_INA226_REG_DIE, &b) == QMOE_OK && a == QMOE_INA226_MANUFACTURER_TI &&
           (b >> 4) == QMOE_INA226_DIE;
}

qmoe_status_t qmoe_ina_init(const qmoe_ina_t *ina)
{
    uint16_t cal = 0;

    if (ina == 0 || ina->calibration == 0u) {
        return QMOE_ERR_ARG;
    }
    if (write_reg(ina, QMOE_INA_REG_CONFIG, QMOE_INA_CONFIG_RESET) != QMOE_OK ||
        !is_expected_chip(ina) || write_reg(ina, QMOE_INA_REG_CONFIG, ina->config) != QMOE_OK ||
        write_reg(ina, QMOE_INA_REG_CALIBRATION, ina->calibration) != QMOE_OK ||
        read_reg(ina, QMOE_INA_REG_CALIBRATION, &cal) != QMOE_OK || cal != ina->calibration) {
        return QMOE_ERR_NO_DEVICE;
    }
    return QMOE_OK;
}

int32_t qmoe_ina_shunt_nv(qmoe_ina_chip_t chip, uint16_t reg)
{
    return (int32_t)(int16_t)reg * (chip == QMOE_INA219 ? 10000 : 2500);
}

uint32_t qmoe_ina_bus_uv(qmoe_ina_chip_t chip, uint16_t reg)
{
    return chip == QMOE_INA219 ? (uint32_t)(reg >> 3) * 4000u : (uint32_t)reg * 1250u;
}

int32_t qmoe_ina_current_ua(const qmoe_ina_t *ina, uint16_t reg)
{
    return (int32_t)((int64_t)(int16_t)reg * (int64_t)ina->current_lsb_na / 1000);
}

uint32_t qmoe_ina_power_uw(const qmoe_ina_t *ina, uint16_t reg)
{
    const uint64_t per_lsb = ina->chip == QMOE_INA219 ? 20u : 25u;

    return (uint32_t)((uint64_t)reg * per_lsb * ina->current_lsb_na / 1000u);
}

qmoe_status_t qmoe_ina_read_shunt_nv(const qmoe_ina_t *ina, int32_t *nv)
{
    uint16_t reg = 0;
    qmoe_status_t st = read_reg(ina, QMOE_INA_REG_SHUNT, &reg);

    *nv = st == QMOE_OK ? qmoe_ina_shunt_nv(ina->chip, reg) : 0;
    return st;
}

qmoe_status_t qmoe_ina_read_bus_uv(const qmoe_ina_t *ina, uint32_t *uv)
{
    uint16_t reg = 0;
    qmoe_status_t st = read_reg(ina, QMOE_INA_REG_BUS, &reg);

    *uv = st == QMOE_OK ? qmoe_ina_bus_uv(ina->chip, reg) : 0u;
    return st;
}

qmoe_status_t qmoe_ina_read_current_ua(const qmoe_ina_t *ina, int32_t *ua)
{
    uint16_t reg = 0;
    qmoe_status_t st = read_reg(ina, QMOE_INA_REG_CURRENT, &reg);

    *ua = st == QMOE_OK ? qmoe_ina_current_ua(ina, reg) : 0;
    return st;
}

qmoe_status_t qmoe_ina_read_power_uw(const qmoe_ina_t *ina, uint32_t *uw)
{
    uint16_t reg = 0;
    qmoe_status_t st = read_reg(ina, QMOE_INA_REG_POWER, &reg);

    *uw = st == QMOE_OK ? qmoe_ina_power_uw(ina, reg) : 0u;
    return st;
}

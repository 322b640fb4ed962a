/* fake_ina.c: the fake INA219 / INA226 on a fake I2C bus; fake_ina.h. */
#include "fake_ina.h"

#include "../../../firmware/drivers/qmoe_i2c.h"

uint32_t fake_counter;
uint32_t fake_ina_transfer_counts;
uint32_t fake_ina_transfers;

static int chip;
static uint8_t address;
static uint8_t pointer;
static uint16_t config;
static uint16_t calibration;
static int64_t shunt_nv;
static int64_t bus_uv;
static uint32_t failing_reads;

static void reset(void)
{
    config = chip == 219 ? 0x399Fu : 0x4127u;
    calibration = 0;
}

void fake_ina_attach(int which, uint8_t addr)
{
    chip = which;
    address = addr;
    pointer = 0;
    reset();
}

void fake_ina_set(int64_t shunt, int64_t bus)
{
    shunt_nv = shunt;
    bus_uv = bus;
}

void fake_ina_fail_reads(uint32_t n)
{
    failing_reads = n;
}

uint32_t fake_counter_read(void)
{
    return fake_counter;
}

static int16_t clamp16(int64_t v)
{
    return (int16_t)(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
}

uint16_t fake_ina_register(uint8_t reg)
{
    const int64_t shunt = clamp16(shunt_nv / (chip == 219 ? 10000 : 2500));
    const int64_t bus = chip == 219 ? bus_uv / 4000 : bus_uv / 1250;
    const int64_t current = shunt * calibration / (chip == 219 ? 4096 : 2048);
    const int64_t power = current * bus / (chip == 219 ? 5000 : 20000);

    switch (reg) {
    case 0x00:
        return config;
    case 0x01:
        return (uint16_t)shunt;
    case 0x02:
        return chip == 219 ? (uint16_t)((bus << 3) | 0x2) : (uint16_t)bus;
    case 0x03:
        return (uint16_t)(power < 0 ? -power : power);
    case 0x04:
        return (uint16_t)clamp16(current);
    case 0x05:
        return calibration;
    case 0xFE:
        return chip == 226 ? 0x5449u : 0xFFFFu;
    case 0xFF:
        return chip == 226 ? 0x2260u : 0xFFFFu;
    default:
        return 0xFFFFu;
    }
}

static void write_reg(uint8_t reg, uint16_t value)
{
    if (reg == 0x00) {
        if (value & 0x8000u) {
            reset();
        } else {
            config = value;
        }
    } else if (reg == 0x05) {
        calibration = (uint16_t)(value & (chip == 219 ? 0xFFFEu : 0x7FFFu));
    }
}

qmoe_status_t qmoe_i2c_init(void)
{
    return QMOE_OK;
}

qmoe_status_t qmoe_i2c_write(uint8_t addr, const uint8_t *data, size_t n)
{
    fake_counter += fake_ina_transfer_counts;
    fake_ina_transfers += 1u;
    if (chip == 0 || addr != address || n == 0u) {
        return QMOE_ERR_IO;
    }
    pointer = data[0];
    if (n == 3u) {
        write_reg(pointer, (uint16_t)(((uint16_t)data[1] << 8) | data[2]));
    }
    return n == 1u || n == 3u ? QMOE_OK : QMOE_ERR_IO;
}

qmoe_status_t qmoe_i2c_read(uint8_t addr, uint8_t *data, size_t n)
{
    uint16_t value;

    fake_counter += fake_ina_transfer_counts;
    fake_ina_transfers += 1u;
    if (chip == 0 || addr != address || n != 2u) {
        return QMOE_ERR_IO;
    }
    if (failing_reads > 0u) {
        failing_reads -= 1u;
        return QMOE_ERR_IO;
    }
    value = fake_ina_register(pointer);
    data[0] = (uint8_t)(value >> 8);
    data[1] = (uint8_t)(value & 0xFFu);
    return QMOE_OK;
}

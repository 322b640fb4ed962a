/* glue_stub.c: host stand-ins for a real board's framework glue and counter (qmoe_board.h,
 * qmoe_i2c.h), so that tests/test_real_boards.py can link exactly the portable sources a board
 * project compiles: a link that succeeds proves no source is missing and none is twice. The
 * program only links; it is never run. */
#include "../../../firmware/drivers/qmoe_board.h"
#include "../../../firmware/drivers/qmoe_i2c.h"
#include "qmoe_port.h"

int main(void)
{
    return 0;
}

void qmoe_board_counter_start(void)
{
}

uint32_t qmoe_board_counter_raw(void)
{
    return 0u;
}

qmoe_status_t qmoe_board_serial_init(void)
{
    return QMOE_OK;
}

int qmoe_port_read(uint8_t *buf, size_t max)
{
    (void)buf;
    (void)max;
    return 0;
}

void qmoe_port_write(const uint8_t *buf, size_t n)
{
    (void)buf;
    (void)n;
}

void qmoe_port_wait_for_input(void)
{
}

void qmoe_board_marker_init(void)
{
}

void qmoe_board_marker_set(int high)
{
    (void)high;
}

qmoe_status_t qmoe_i2c_init(void)
{
    return QMOE_ERR_UNSUPPORTED;
}

qmoe_status_t qmoe_i2c_write(uint8_t address, const uint8_t *data, size_t n)
{
    (void)address;
    (void)data;
    (void)n;
    return QMOE_ERR_IO;
}

qmoe_status_t qmoe_i2c_read(uint8_t address, uint8_t *data, size_t n)
{
    (void)address;
    (void)data;
    (void)n;
    return QMOE_ERR_IO;
}

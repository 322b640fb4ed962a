/* qmoe_port_board(): the name comes from the board profile (qmoe.boards.build passes
 * -DQMOE_BOARD_NAME="<name>"), so board.toml stays the only place it is written. */
#include "qmoe_port.h"

#ifndef QMOE_BOARD_NAME
#error "QMOE_BOARD_NAME must be defined by the build (the board profile's name)"
#endif

const char *qmoe_port_board(void)
{
    return QMOE_BOARD_NAME;
}

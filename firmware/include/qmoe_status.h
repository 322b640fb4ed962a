/* qmoe_status.h: the status code every public qmoe call returns.
 *
 * QMOE_OK is 0; errors are small positive numbers so that a host can print them from a serial
 * reply. The runtime extends this list (keep the values stable once released).
 */
#ifndef QMOE_STATUS_H
#define QMOE_STATUS_H

typedef enum {
    QMOE_OK = 0,
    QMOE_ERR_ARG = 1,        /* an argument is NULL, out of range or inconsistent */
    QMOE_ERR_NO_DEVICE = 2,  /* the port could not bring up its serial device or counter */
    QMOE_ERR_IO = 3,         /* a serial read or write failed */
    QMOE_ERR_UNSUPPORTED = 4 /* the board does not provide this feature */
} qmoe_status_t;

#endif /* QMOE_STATUS_H */

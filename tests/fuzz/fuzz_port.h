/* fuzz_port.h: the port the libFuzzer harnesses run the benchmark app on (tests/fuzz/).
 *
 * It stands where a board's port stands (firmware/port/qmoe_port.h): qmoe_port_read() hands the
 * app the fuzzer's bytes in the chunk sizes a port produces, qmoe_port_write() checks that every
 * reply is one whole, valid reply frame, and the counter runs so that the app's idle reset fires
 * once the input has stopped. When nothing is left to read and no frame is pending, the app goes to
 * sleep in qmoe_port_wait_for_input(), which ends the run by jumping back to the harness.
 */
#ifndef QMOE_FUZZ_PORT_H
#define QMOE_FUZZ_PORT_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

/* How qmoe_port_read() cuts the input into reads, as the ports do. */
typedef enum {
    FUZZ_CHUNK_BYTE = 0,   /* one byte per read (a UART RX interrupt per byte) */
    FUZZ_CHUNK_RANDOM = 1, /* 1..64 bytes per read, sizes from a PRNG seeded by the input */
    FUZZ_CHUNK_WHOLE = 2   /* as much as the app asks for (a TCP socket, a USB packet) */
} fuzz_chunking_t;

/* Start a run over data[0..n): `mode_byte` picks the chunking (mode_byte % 3) and seeds the PRNG.
 * `escape` is where qmoe_port_wait_for_input() and the work budget jump (longjmp value 1). */
void fuzz_port_begin(const uint8_t *data, size_t n, uint8_t mode_byte, jmp_buf *escape);

/* Bytes the app has read and reply frames it has written in this run. */
size_t fuzz_port_bytes_read(void);
size_t fuzz_port_frames_written(void);

#endif /* QMOE_FUZZ_PORT_H */

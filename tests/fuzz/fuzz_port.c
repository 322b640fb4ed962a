/* fuzz_port.c: the fuzzing port (fuzz_port.h). */
#include "fuzz_port.h"

#include <stdio.h>
#include <stdlib.h>

#include "qmoe_frame.h"
#include "qmoe_msg.h"
#include "qmoe_port.h"

/* Counter counts per call: with QMOE_APP_COUNTS_PER_MS = 1 the idle reset (100 counts) fires after
 * a few polls, so a half frame at the end of the input is reset and answered, as on a board. */
#define COUNTS_PER_CALL 40u
/* Counter reads a run may make before it is cut short: a RUN_WINDOW of 4e9 inferences is legal,
 * and ending the run there is not a finding. */
#define COUNTER_BUDGET 20000u

static const uint8_t *input;
static size_t input_len;
static size_t input_pos;
static fuzz_chunking_t chunking;
static uint32_t rng;
static jmp_buf *escape_to;
static uint32_t clock_counts;
static uint32_t counter_calls;
static size_t frames_written;

static uint8_t check_buf[QMOE_FRAME_BUFFER_SIZE(QMOE_FRAME_LENGTH_LIMIT)];
static qmoe_frame_parser_t checker;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_port: %s\n", what);
    abort();
}

void fuzz_port_begin(const uint8_t *data, size_t n, uint8_t mode_byte, jmp_buf *escape)
{
    input = data;
    input_len = n;
    input_pos = 0;
    chunking = (fuzz_chunking_t)(mode_byte % 3u);
    rng = 0x9E3779B9u ^ mode_byte;
    escape_to = escape;
    clock_counts = 0;
    counter_calls = 0;
    frames_written = 0;
    if (qmoe_frame_parser_init(&checker, check_buf, sizeof check_buf) != QMOE_OK) {
        fail("cannot set up the reply checker");
    }
}

size_t fuzz_port_bytes_read(void)
{
    return input_pos;
}

size_t fuzz_port_frames_written(void)
{
    return frames_written;
}

static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

qmoe_status_t qmoe_port_init(void)
{
    return QMOE_OK;
}

int qmoe_port_read(uint8_t *buf, size_t max)
{
    size_t left = input_len - input_pos;
    size_t n = left < max ? left : max;
    size_t i;

    if (chunking == FUZZ_CHUNK_BYTE && n > 1u) {
        n = 1u;
    } else if (chunking == FUZZ_CHUNK_RANDOM && n > 1u) {
        size_t want = 1u + next_random() % 64u;
        n = want < n ? want : n;
    }
    for (i = 0; i < n; ++i) {
        buf[i] = input[input_pos + i];
    }
    input_pos += n;
    return (int)n;
}

/* Every write is one reply frame, whole and valid: a reply type or ERROR, nothing left over. */
void qmoe_port_write(const uint8_t *buf, size_t n)
{
    qmoe_frame_result_t res;
    size_t used = qmoe_frame_feed(&checker, buf, n, &res);

    if (res.event != QMOE_FRAME_READY) {
        fail("the app wrote something that is not a valid frame");
    }
    if (used != n) {
        fail("the app wrote bytes after a frame");
    }
    if ((res.type & QMOE_MSG_REPLY) == 0u) {
        fail("the app wrote a frame of a request type");
    }
    (void)qmoe_frame_feed(&checker, (const uint8_t *)0, 0, &res);
    if (res.event != QMOE_FRAME_NONE || qmoe_frame_pending(&checker)) {
        fail("the reply checker holds bytes after a whole frame");
    }
    ++frames_written;
}

void qmoe_port_wait_for_input(void)
{
    if (input_pos >= input_len) {
        longjmp(*escape_to, 1);
    }
}

uint32_t qmoe_port_counter(void)
{
    if (++counter_calls > COUNTER_BUDGET) {
        longjmp(*escape_to, 1);
    }
    clock_counts += COUNTS_PER_CALL;
    return clock_counts;
}

void qmoe_port_marker(int high)
{
    (void)high;
}

const char *qmoe_port_board(void)
{
    return "fuzz";
}

void qmoe_port_window_energy(uint32_t *energy_uj, uint32_t *samples)
{
    *energy_uj = 0;
    *samples = 0;
}

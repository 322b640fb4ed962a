/* fuzz_frame.c: libFuzzer harness for the frame parser (firmware/protocol/qmoe_frame.h).
 *
 * Input: byte 0 sets the parser's maximum payload (so that TOO_LONG is reachable with short
 * inputs), byte 1 seeds the chunk sizes, the rest is the line. The same bytes are parsed three
 * times, one byte per call, in random chunks and all at once, each followed by an idle reset and
 * its drain; the three event sequences must be identical (the parser's result may not depend on
 * how a port cuts its reads), every READY payload must lie inside the parser's buffer and within
 * the maximum payload, and a REJECTED event must name a protocol error. The buffer is allocated at
 * its exact size so that AddressSanitizer sees any write past it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmoe_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 4096u

typedef struct {
    uint8_t event, error, header_ok, version, type, seq;
    uint16_t length;
    uint32_t payload_crc;
} event_t;

typedef struct {
    event_t ev[MAX_EVENTS];
    size_t n;
} trace_t;

static trace_t traces[3];

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_frame: %s\n", what);
    abort();
}

static void record(trace_t *t, const qmoe_frame_parser_t *p, const uint8_t *buf, size_t buf_size,
                   const qmoe_frame_result_t *r)
{
    event_t e;

    memset(&e, 0, sizeof e);
    e.event = (uint8_t)r->event;
    e.error = (uint8_t)r->error;
    e.header_ok = (uint8_t)r->header_ok;
    e.version = r->version;
    e.type = r->type;
    e.seq = r->seq;
    e.length = r->length;
    if (r->event == QMOE_FRAME_READY) {
        if (r->length > p->max_payload) {
            fail("READY with a payload above the maximum");
        }
        if (r->length > 0u && (r->payload < buf || r->payload + r->length > buf + buf_size)) {
            fail("READY payload outside the parser's buffer");
        }
        if (r->error != QMOE_PROTO_OK) {
            fail("READY with an error code");
        }
        e.payload_crc = qmoe_crc32(QMOE_CRC32_INIT, r->payload, r->length);
    } else if (r->event == QMOE_FRAME_REJECTED) {
        if (r->error == QMOE_PROTO_OK || r->error > QMOE_PROTO_INTERNAL) {
            fail("REJECTED without a protocol error");
        }
        if (!r->header_ok && (r->type != 0u || r->seq != 0u || r->length != 0u)) {
            fail("REJECTED with an unreadable header but header fields set");
        }
    }
    if (t->n < MAX_EVENTS) {
        t->ev[t->n++] = e;
    }
}

/* Parse data[0..n) in reads cut by `mode` (0: bytes, 1: random chunks, 2: whole), then reset and
 * drain as the app does after QMOE_FRAME_IDLE_MS of silence. */
static void parse(trace_t *t, const uint8_t *data, size_t n, size_t buf_size, int mode,
                  uint32_t seed)
{
    uint8_t *buf = (uint8_t *)malloc(buf_size);
    qmoe_frame_parser_t p;
    qmoe_frame_result_t r;
    uint32_t rng = seed | 1u;
    size_t pos = 0;
    int pass;

    if (buf == NULL || qmoe_frame_parser_init(&p, buf, buf_size) != QMOE_OK) {
        fail("parser init failed");
    }
    t->n = 0;
    while (pos < n) {
        size_t len = n - pos;
        if (mode == 0) {
            len = 1u;
        } else if (mode == 1) {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            if (len > 1u + rng % 97u) {
                len = 1u + rng % 97u;
            }
        }
        const uint8_t *chunk = data + pos;
        size_t left = len;
        for (;;) {
            size_t used = qmoe_frame_feed(&p, chunk, left, &r);
            if (used > left) {
                fail("feed consumed more bytes than given");
            }
            chunk += used;
            left -= used;
            if (r.event == QMOE_FRAME_NONE) {
                if (left != 0u) {
                    fail("NONE with bytes left");
                }
                break;
            }
            record(t, &p, buf, buf_size, &r);
        }
        pos += len;
    }
    for (pass = 0; pass < 2; ++pass) {
        if (qmoe_frame_pending(&p)) {
            qmoe_frame_reset(&p);
        }
        for (;;) {
            (void)qmoe_frame_feed(&p, (const uint8_t *)0, 0, &r);
            if (r.event == QMOE_FRAME_NONE) {
                break;
            }
            record(t, &p, buf, buf_size, &r);
        }
    }
    if (qmoe_frame_pending(&p)) {
        fail("bytes still pending after a reset and its drain");
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t max_payload;
    size_t k;

    if (size < 2u) {
        return 0;
    }
    /* 0..255, or a full 1024-byte payload as the app has. */
    max_payload = data[0] == 0xFFu ? 1024u : data[0];
    for (k = 0; k < 3u; ++k) {
        parse(&traces[k], data + 2, size - 2u, QMOE_FRAME_BUFFER_SIZE(max_payload), (int)k,
              data[1]);
    }
    for (k = 1; k < 3u; ++k) {
        if (traces[k].n != traces[0].n ||
            memcmp(traces[k].ev, traces[0].ev, traces[0].n * sizeof(event_t)) != 0) {
            fail("the parser's events depend on how the bytes were cut into reads");
        }
    }
    return 0;
}

/* qmoe_frame.h: the framing layer of the qmoe serial protocol (docs/protocol.md).
 *
 * A frame on the wire, all multi-byte fields little-endian:
 *
 *   offset  size  field
 *   0       1     SOF, always 0xA5
 *   1       1     version (QMOE_FRAME_VERSION)
 *   2       1     type (a QMOE_MSG_* value, qmoe_msg.h)
 *   3       1     seq: the host's sequence number, copied into the reply
 *   4       2     length of the payload, 0..max_payload
 *   6       2     header check: CRC-16/CCITT-FALSE of bytes 1..5
 *   8       n     payload
 *   8+n     4     frame check: CRC-32 (IEEE, as zlib.crc32) of bytes 1..7+n
 *
 * Bytes 0..7 keep this layout in every future version, so a parser can always check the header and
 * report BAD_VERSION to a newer host.
 *
 * The parser is an incremental state machine over a buffer the caller provides (no malloc). It
 * never writes outside that buffer, whatever the input. Resynchronization rule: every SOF byte
 * starts a candidate frame; a candidate that fails a check (header CRC, version, length, frame
 * CRC) is reported and only its SOF byte is dropped: the parser re-examines the bytes it had
 * buffered after that SOF, so a valid frame that starts inside a rejected one (after garbage, or
 * after a truncated frame) is still found. An accepted frame is consumed whole.
 *
 * Usage (the result's payload points into the parser's buffer and is valid until the next call):
 *
 *   for (;;) {
 *       size_t used = qmoe_frame_feed(&parser, data, n, &res);
 *       data += used;
 *       n -= used;
 *       if (res.event == QMOE_FRAME_NONE) {
 *           break;              // all n bytes used and nothing pending
 *       }
 *       handle(&res);           // READY: a request; REJECTED: maybe an ERROR reply
 *   }
 *
 * When no byte has arrived for QMOE_FRAME_IDLE_MS while qmoe_frame_pending() is true, call
 * qmoe_frame_reset() and run the same loop with n = 0 (see qmoe_frame_reset()).
 */
#ifndef QMOE_FRAME_H
#define QMOE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qmoe_status.h"

#define QMOE_FRAME_SOF 0xA5u
#define QMOE_FRAME_VERSION 1u
#define QMOE_FRAME_HEADER_SIZE 8u /* SOF, version, type, seq, length (2), header CRC (2) */
#define QMOE_FRAME_CRC_SIZE 4u
#define QMOE_FRAME_OVERHEAD (QMOE_FRAME_HEADER_SIZE + QMOE_FRAME_CRC_SIZE)

/* The largest payload this build accepts; the device reports it in its INFO reply. A board may
 * override it with -DQMOE_FRAME_MAX_PAYLOAD=... (at least QMOE_FRAME_MIN_PAYLOAD). */
#ifndef QMOE_FRAME_MAX_PAYLOAD
#define QMOE_FRAME_MAX_PAYLOAD 1024u
#endif
#define QMOE_FRAME_MIN_PAYLOAD 256u /* every reply of the catalogue fits in 256 bytes */
#define QMOE_FRAME_IDLE_MS 100u     /* silence inside a frame after which the app resets */
#define QMOE_FRAME_LENGTH_LIMIT 0xFFFFu

/* Parser buffer size for a given maximum payload. */
#define QMOE_FRAME_BUFFER_SIZE(max_payload) ((size_t)(max_payload) + QMOE_FRAME_OVERHEAD)

#define QMOE_CRC16_INIT 0xFFFFu /* CRC-16/CCITT-FALSE: poly 0x1021, not reflected, xorout 0 */
#define QMOE_CRC32_INIT 0u      /* zlib convention: the inversions happen inside qmoe_crc32 */

/* The error codes of the protocol, as carried by an ERROR reply. Values are stable. */
typedef enum {
    QMOE_PROTO_OK = 0,
    QMOE_PROTO_BAD_CRC = 1,         /* header or frame CRC mismatch */
    QMOE_PROTO_TRUNCATED = 2,       /* a frame's bytes stopped before its length (idle timeout) */
    QMOE_PROTO_TOO_LONG = 3,        /* header length above the device's max payload */
    QMOE_PROTO_BAD_VERSION = 4,     /* frame version not spoken by the device */
    QMOE_PROTO_UNKNOWN_COMMAND = 5, /* type is not a request the device knows */
    QMOE_PROTO_BAD_LENGTH = 6,      /* payload length wrong for the message type */
    QMOE_PROTO_NO_INPUT = 7,        /* INFER or RUN_WINDOW before a complete LOAD_INPUT */
    QMOE_PROTO_NO_MODEL = 8,        /* the firmware holds no model */
    QMOE_PROTO_OUT_OF_RANGE = 9,    /* a field's value is outside what the device accepts */
    QMOE_PROTO_BUSY = 10,           /* the device cannot take the request now */
    QMOE_PROTO_INTERNAL = 11        /* the runtime failed; the detail says how */
} qmoe_proto_error_t;

typedef enum {
    QMOE_FRAME_NONE = 0,    /* all given bytes consumed, nothing to report */
    QMOE_FRAME_READY = 1,   /* a frame passed every check */
    QMOE_FRAME_REJECTED = 2 /* a candidate frame failed a check; see error and header_ok */
} qmoe_frame_event_t;

/* One parser result. For READY every field is valid. For REJECTED, `error` says why; type, seq
 * and length are valid only when header_ok (the header CRC passed), else they are 0. */
typedef struct {
    qmoe_frame_event_t event;
    qmoe_proto_error_t error;
    bool header_ok;
    uint8_t version;
    uint8_t type;
    uint8_t seq;
    uint16_t length;
    const uint8_t *payload; /* READY only: in the parser buffer, valid until the next call */
} qmoe_frame_result_t;

/* Parser state: O(1) besides the caller's buffer. Treat the fields as private. */
typedef struct {
    uint8_t *buf;
    size_t max_payload;
    size_t len;        /* bytes of the current candidate, buf[0] is its SOF */
    size_t need;       /* the candidate's full size once its header passed, else 0 */
    size_t replay;     /* next buffered byte to re-examine after a rejection */
    size_t replay_end; /* end of the buffered bytes to re-examine */
    bool flushing;     /* qmoe_frame_reset() was called and not yet drained */
} qmoe_frame_parser_t;

/* Set up a parser over `buf` of `buf_size` bytes. The largest accepted payload is
 * buf_size - QMOE_FRAME_OVERHEAD (capped at 0xFFFF); use QMOE_FRAME_BUFFER_SIZE() to size it.
 * Returns QMOE_ERR_ARG when a pointer is NULL or buf_size < QMOE_FRAME_OVERHEAD. */
qmoe_status_t qmoe_frame_parser_init(qmoe_frame_parser_t *p, uint8_t *buf, size_t buf_size);

/* Consume bytes from data[0..n) until an event happens, and return how many were consumed.
 * Bytes re-examined after a rejection or a reset are processed before new ones, so an event can
 * come with 0 bytes consumed. res->event == QMOE_FRAME_NONE means all n bytes were consumed and
 * nothing is pending. data may be NULL when n is 0. */
size_t qmoe_frame_feed(qmoe_frame_parser_t *p, const uint8_t *data, size_t n,
                       qmoe_frame_result_t *res);

/* The input went idle: no more bytes will complete the buffered candidate. The next
 * qmoe_frame_feed() calls then reject that candidate (TRUNCATED when its header had passed;
 * silently when the header was incomplete), re-examine the bytes after its SOF like any other
 * rejection (a complete frame among them is delivered), and repeat until the buffer is empty.
 * A new frame that arrived right after a truncated one is therefore not lost. */
void qmoe_frame_reset(qmoe_frame_parser_t *p);

/* True while bytes of an incomplete candidate are buffered: the app runs its idle timer only then. */
bool qmoe_frame_pending(const qmoe_frame_parser_t *p);

/* Write a whole frame (version QMOE_FRAME_VERSION) into out[0..cap): header, payload, CRCs.
 * payload may already sit at out + QMOE_FRAME_HEADER_SIZE (then nothing is copied: pack the
 * message there first); otherwise it must not overlap out. It may be NULL when len is 0. *out_len gets len + QMOE_FRAME_OVERHEAD. Returns QMOE_ERR_ARG when len is
 * above 0xFFFF or the frame does not fit in cap. */
qmoe_status_t qmoe_frame_encode(uint8_t *out, size_t cap, uint8_t type, uint8_t seq,
                                const uint8_t *payload, size_t len, size_t *out_len);

/* Running CRCs: start from QMOE_CRC16_INIT / QMOE_CRC32_INIT and pass the previous result to
 * continue over more data. qmoe_crc16(QMOE_CRC16_INIT, "123456789", 9) == 0x29B1 and
 * qmoe_crc32(QMOE_CRC32_INIT, "123456789", 9) == 0xCBF43926. */
uint16_t qmoe_crc16(uint16_t crc, const uint8_t *data, size_t n);
uint32_t qmoe_crc32(uint32_t crc, const uint8_t *data, size_t n);

#endif /* QMOE_FRAME_H */

/* qmoe_frame.c: frame parser and encoder. Layout and resynchronization rule in qmoe_frame.h. */
#include "qmoe_frame.h"

#include "qmoe_bytes.h"

qmoe_status_t qmoe_frame_parser_init(qmoe_frame_parser_t *p, uint8_t *buf, size_t buf_size)
{
    if (p == NULL || buf == NULL || buf_size < QMOE_FRAME_OVERHEAD) {
        return QMOE_ERR_ARG;
    }
    p->buf = buf;
    p->max_payload = buf_size - QMOE_FRAME_OVERHEAD;
    if (p->max_payload > QMOE_FRAME_LENGTH_LIMIT) {
        p->max_payload = QMOE_FRAME_LENGTH_LIMIT;
    }
    p->len = 0;
    p->need = 0;
    p->replay = 0;
    p->replay_end = 0;
    p->flushing = false;
    return QMOE_OK;
}

/* Drop the candidate's SOF byte. The bytes after it go back in front of the ones still waiting
 * for re-examination, from the first SOF among them (the bytes before it would be skipped anyway).
 * Invariant: while re-examining, len < replay, so the candidate never overwrites unread bytes. */
static void drop_candidate(qmoe_frame_parser_t *p)
{
    size_t k = 1;
    while (k < p->len && p->buf[k] != QMOE_FRAME_SOF) {
        k++;
    }
    if (k < p->len) {
        size_t rest = p->replay_end > p->replay ? p->replay_end - p->replay : 0;
        qmoe_copy_bytes(p->buf + p->len, p->buf + p->replay, rest);
        p->replay = k;
        p->replay_end = p->len + rest;
    }
    p->len = 0;
    p->need = 0;
}

static void set_header(qmoe_frame_result_t *res, const uint8_t *h)
{
    res->header_ok = true;
    res->version = h[1];
    res->type = h[2];
    res->seq = h[3];
    res->length = qmoe_le16_get(h + 4);
}

static bool reject(qmoe_frame_parser_t *p, qmoe_frame_result_t *res, qmoe_proto_error_t error)
{
    res->event = QMOE_FRAME_REJECTED;
    res->error = error;
    drop_candidate(p);
    return true;
}

static bool check_header(qmoe_frame_parser_t *p, qmoe_frame_result_t *res)
{
    const uint8_t *h = p->buf;
    if (qmoe_crc16(QMOE_CRC16_INIT, h + 1, 5) != qmoe_le16_get(h + 6)) {
        return reject(p, res, QMOE_PROTO_BAD_CRC);
    }
    set_header(res, h);
    if (res->version != QMOE_FRAME_VERSION) {
        return reject(p, res, QMOE_PROTO_BAD_VERSION);
    }
    if (res->length > p->max_payload) {
        return reject(p, res, QMOE_PROTO_TOO_LONG);
    }
    p->need = QMOE_FRAME_OVERHEAD + res->length;
    *res = (qmoe_frame_result_t){0};
    return false;
}

static bool check_frame(qmoe_frame_parser_t *p, qmoe_frame_result_t *res)
{
    size_t body = p->need - QMOE_FRAME_CRC_SIZE;
    set_header(res, p->buf);
    if (qmoe_crc32(QMOE_CRC32_INIT, p->buf + 1, body - 1) != qmoe_le32_get(p->buf + body)) {
        return reject(p, res, QMOE_PROTO_BAD_CRC);
    }
    res->event = QMOE_FRAME_READY;
    res->payload = p->buf + QMOE_FRAME_HEADER_SIZE;
    p->len = 0;
    p->need = 0;
    return true;
}

/* One byte through the state machine: hunting (len 0), header (len < 8), body (len < need). */
static bool step(qmoe_frame_parser_t *p, uint8_t b, qmoe_frame_result_t *res)
{
    if (p->len == 0 && b != QMOE_FRAME_SOF) {
        return false;
    }
    p->buf[p->len++] = b;
    if (p->len == QMOE_FRAME_HEADER_SIZE) {
        return check_header(p, res);
    }
    return p->len == p->need && check_frame(p, res);
}

size_t qmoe_frame_feed(qmoe_frame_parser_t *p, const uint8_t *data, size_t n,
                       qmoe_frame_result_t *res)
{
    size_t used = 0;
    *res = (qmoe_frame_result_t){0};
    for (;;) {
        uint8_t b;
        if (p->replay < p->replay_end) {
            b = p->buf[p->replay++];
        } else if (p->flushing && p->len > 0) {
            if (p->need != 0) {
                set_header(res, p->buf);
                reject(p, res, QMOE_PROTO_TRUNCATED);
                return used;
            }
            drop_candidate(p); /* an incomplete header: indistinguishable from a stray SOF */
            continue;
        } else if (used < n) {
            p->flushing = false;
            b = data[used++];
        } else {
            p->flushing = false;
            return used;
        }
        if (step(p, b, res)) {
            return used;
        }
    }
}

void qmoe_frame_reset(qmoe_frame_parser_t *p)
{
    p->flushing = true;
}

bool qmoe_frame_pending(const qmoe_frame_parser_t *p)
{
    return p->len > 0 || p->replay < p->replay_end;
}

qmoe_status_t qmoe_frame_encode(uint8_t *out, size_t cap, uint8_t type, uint8_t seq,
                                const uint8_t *payload, size_t len, size_t *out_len)
{
    if (out == NULL || out_len == NULL || (payload == NULL && len > 0) ||
        len > QMOE_FRAME_LENGTH_LIMIT || cap < len + QMOE_FRAME_OVERHEAD) {
        return QMOE_ERR_ARG;
    }
    if (len > 0 && payload != out + QMOE_FRAME_HEADER_SIZE) {
        qmoe_copy_bytes(out + QMOE_FRAME_HEADER_SIZE, payload, len);
    }
    out[0] = QMOE_FRAME_SOF;
    out[1] = QMOE_FRAME_VERSION;
    out[2] = type;
    out[3] = seq;
    qmoe_le16_put(out + 4, (uint16_t)len);
    qmoe_le16_put(out + 6, qmoe_crc16(QMOE_CRC16_INIT, out + 1, 5));
    qmoe_le32_put(out + QMOE_FRAME_HEADER_SIZE + len,
                  qmoe_crc32(QMOE_CRC32_INIT, out + 1, QMOE_FRAME_HEADER_SIZE - 1 + len));
    *out_len = len + QMOE_FRAME_OVERHEAD;
    return QMOE_OK;
}

/* fuzz_msg.c: libFuzzer harness for the message codec (firmware/protocol/qmoe_msg.h).
 *
 * Byte 0 picks the operation, the rest is its input, copied to a heap block of its exact size so
 * that AddressSanitizer sees any read past it:
 *   0  LOAD_INPUT unpack: an accepted request's data lies inside the payload and fits total_bytes
 *   1  RUN_WINDOW unpack: accepted only with 4 bytes and n > 0
 *   2  ERROR pack with the rest as the detail text (NUL-terminated copy), into a buffer whose size
 *      comes from the input: the packed size never exceeds it, the detail is cut to 64 bytes
 *   3  INFER_REPLY pack of n_logits from the input into a buffer of input-given size
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmoe_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_msg: %s\n", what);
    abort();
}

static void load_input(const uint8_t *p, size_t n)
{
    qmoe_msg_load_input_t m;

    if (qmoe_msg_load_input_unpack(p, n, &m) != QMOE_PROTO_OK) {
        return;
    }
    if (m.data < p || m.data + m.data_len != p + n || m.data_len == 0u) {
        fail("LOAD_INPUT data outside the payload");
    }
    if ((uint64_t)m.offset + m.data_len > m.total_bytes) {
        fail("LOAD_INPUT chunk past total_bytes accepted");
    }
    if (m.kind != QMOE_INPUT_FEATURES_I8 && m.kind != QMOE_INPUT_PCM_I16) {
        fail("LOAD_INPUT unknown kind accepted");
    }
}

static void run_window(const uint8_t *p, size_t n)
{
    qmoe_msg_run_window_t m;

    if (qmoe_msg_run_window_unpack(p, n, &m) == QMOE_PROTO_OK &&
        (n != QMOE_MSG_RUN_WINDOW_SIZE || m.n == 0u)) {
        fail("RUN_WINDOW accepted with a bad length or n = 0");
    }
}

static void error_pack(const uint8_t *p, size_t n)
{
    qmoe_msg_error_t m;
    char *detail;
    uint8_t *out;
    size_t cap, len = 0, i;

    if (n < 3u) {
        return;
    }
    cap = p[0];
    m.code = p[1];
    m.request_type = p[2];
    detail = (char *)malloc(n - 3u + 1u);
    out = (uint8_t *)malloc(cap > 0u ? cap : 1u);
    if (detail == NULL || out == NULL) {
        fail("out of memory");
    }
    memcpy(detail, p + 3, n - 3u);
    detail[n - 3u] = '\0';
    m.detail = (p[0] & 1u) ? detail : (const char *)0;
    if (qmoe_msg_error_pack(&m, out, cap, &len) == QMOE_OK) {
        if (len > cap || len < QMOE_MSG_ERROR_HEADER_SIZE ||
            len > QMOE_MSG_ERROR_HEADER_SIZE + QMOE_MSG_ERROR_DETAIL_MAX) {
            fail("ERROR packed to a bad size");
        }
        for (i = QMOE_MSG_ERROR_HEADER_SIZE; i < len; ++i) {
            if (out[i] < 0x20u || out[i] > 0x7Eu) {
                fail("ERROR detail holds a non-printable byte");
            }
        }
    }
    free(detail);
    free(out);
}

static void infer_reply_pack(const uint8_t *p, size_t n)
{
    qmoe_msg_infer_reply_t m;
    int16_t *logits;
    uint8_t *out;
    size_t cap, len = 0;

    if (n < 3u) {
        return;
    }
    memset(&m, 0, sizeof m);
    cap = (size_t)p[0] * 4u;
    m.n_logits = p[1];
    m.class_index = p[2];
    logits = (int16_t *)calloc(m.n_logits > 0u ? m.n_logits : 1u, sizeof(int16_t));
    out = (uint8_t *)malloc(cap > 0u ? cap : 1u);
    if (logits == NULL || out == NULL) {
        fail("out of memory");
    }
    m.logits = (p[0] & 1u) ? logits : (const int16_t *)0;
    if (qmoe_msg_infer_reply_pack(&m, out, cap, &len) == QMOE_OK &&
        (len > cap || len != QMOE_MSG_INFER_REPLY_HEADER_SIZE + 2u * m.n_logits)) {
        fail("INFER_REPLY packed to a bad size");
    }
    free(logits);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy;

    if (size < 1u) {
        return 0;
    }
    copy = (uint8_t *)malloc(size - 1u > 0u ? size - 1u : 1u);
    if (copy == NULL) {
        fail("out of memory");
    }
    memcpy(copy, data + 1, size - 1u);
    switch (data[0] % 4u) {
    case 0:
        load_input(copy, size - 1u);
        break;
    case 1:
        run_window(copy, size - 1u);
        break;
    case 2:
        error_pack(copy, size - 1u);
        break;
    default:
        infer_reply_pack(copy, size - 1u);
        break;
    }
    free(copy);
    return 0;
}

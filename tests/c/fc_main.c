/* fc_main.c: host harness for the fully-connected kernels, driven by tests/test_kernels_c.py
 * and bench/kernels_callgrind.py (which also write the cases: bench/kernels_callgrind.py).
 *
 * Reads cases from stdin until end of input and answers each one before reading the next, so a
 * caller may keep the process and send one case at a time. All numbers are little-endian.
 *
 * Case:  "QF" u16 n_in, u16 n_out, u16 row_bytes, u8 format, u8 out_bits, i16 out_min,
 *        i16 out_max, u8 kernel, u16 nulls, u16 batch, u32 weight_len   (23-byte header)
 *        u8 weights[weight_len], i32 bias[n_out], i32 mult[n_out], i8 shift[n_out],
 *        i8 inputs[batch][n_in]
 * Reply: per input vector, i32 status, u32 out_len, u8 out[out_len]
 *
 * `kernel` 0 calls qmoe_fc(), k = 1..7 the kernel for format k (QMOE_FMT_*), so a kernel can be
 * given a layer of another format. Bit b of `nulls` passes NULL instead of: 0 the layer, 1 the
 * input, 2 the output, 3 weights, 4 bias, 5 mult, 6 shift, 7 the scratch context; bit 8 lends
 * one byte less scratch than qmoe_fc_scratch_size() (otherwise exactly that many bytes, NULL for
 * 0, in an allocation of their own). Every array gets its own allocation
 * of exactly its size, so AddressSanitizer reports any read or write past it. The output buffer
 * (n_out bytes for out_bits 8, else 2 * n_out) is filled with 0xa5 before each call and returned
 * whatever the status, so a caller can check that a refused call wrote nothing.
 * Exit status: 0 at end of input, 2 for a malformed case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmoe_fc.h"

#define HEADER_BYTES 23
#define SENTINEL 0xa5

typedef qmoe_status_t (*kernel_fn)(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer,
                                   const int8_t *in, void *out);

static const kernel_fn kernels[] = {
    qmoe_fc,       qmoe_fc_w1a8, qmoe_fc_w2a8, qmoe_fc_wt2a8,
    qmoe_fc_wt5a8, qmoe_fc_w4a8, qmoe_fc_w8a8, qmoe_fc_w16a8,
};

static void die(const char *what)
{
    fprintf(stderr, "fc_main: %s\n", what);
    exit(2);
}

/* A fresh allocation of n bytes (at least 1) read from stdin. */
static void *read_array(size_t n)
{
    void *p = malloc(n > 0 ? n : 1);
    if (p == NULL) {
        die("out of memory");
    }
    if (n > 0 && fread(p, 1, n, stdin) != n) {
        die("truncated case");
    }
    return p;
}

static uint32_t le(const uint8_t *b, int n)
{
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; --i) {
        v = (v << 8) | b[i];
    }
    return v;
}

static int32_t le_i32(const uint8_t *b)
{
    const uint32_t u = le(b, 4);
    return u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

static void write_u32(uint32_t v)
{
    const uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, stdout);
}

/* n little-endian int32 values decoded from a read_array() buffer, which is freed. */
static int32_t *to_i32(uint8_t *raw, size_t n)
{
    int32_t *v = malloc(n > 0 ? 4 * n : 1);
    if (v == NULL) {
        die("out of memory");
    }
    for (size_t i = 0; i < n; ++i) {
        v[i] = le_i32(raw + 4 * i);
    }
    free(raw);
    return v;
}

/* Run one case; return 0 at a clean end of input. */
static int run_case(void)
{
    uint8_t h[HEADER_BYTES];
    const size_t got = fread(h, 1, HEADER_BYTES, stdin);
    if (got == 0 && feof(stdin)) {
        return 0;
    }
    if (got != HEADER_BYTES || h[0] != 'Q' || h[1] != 'F') {
        die("bad case header");
    }
    qmoe_fc_t layer;
    layer.n_in = (uint16_t)le(h + 2, 2);
    layer.n_out = (uint16_t)le(h + 4, 2);
    layer.row_bytes = (uint16_t)le(h + 6, 2);
    layer.format = h[8];
    layer.out_bits = h[9];
    layer.out_min = (int16_t)((int32_t)le(h + 10, 2) - (h[11] & 0x80 ? 65536 : 0));
    layer.out_max = (int16_t)((int32_t)le(h + 12, 2) - (h[13] & 0x80 ? 65536 : 0));
    const uint8_t kernel = h[14];
    const uint32_t nulls = le(h + 15, 2), batch = le(h + 17, 2), weight_len = le(h + 19, 4);
    if (kernel >= sizeof kernels / sizeof kernels[0]) {
        die("bad kernel index");
    }
    uint8_t *weights = read_array(weight_len);
    int32_t *bias = to_i32(read_array(4u * layer.n_out), layer.n_out);
    int32_t *mult = to_i32(read_array(4u * layer.n_out), layer.n_out);
    int8_t *shift = read_array(layer.n_out);
    layer.weights = (nulls & 8) ? NULL : weights;
    layer.bias = (nulls & 16) ? NULL : bias;
    layer.mult = (nulls & 32) ? NULL : mult;
    layer.shift = (nulls & 64) ? NULL : shift;
    const size_t out_len = (size_t)layer.n_out * (layer.out_bits == 8 ? 1u : 2u);
    uint32_t need = qmoe_fc_scratch_size(&layer);
    if ((nulls & 256u) && need > 0u) {
        --need;
    }
    qmoe_fc_ctx_t ctx = {need > 0u ? malloc(need) : NULL, need};
    if (need > 0u && ctx.buf == NULL) {
        die("out of memory");
    }
    for (uint32_t b = 0; b < batch; ++b) {
        int8_t *in = read_array(layer.n_in);
        uint8_t *out = malloc(out_len > 0 ? out_len : 1);
        if (out == NULL) {
            die("out of memory");
        }
        memset(out, SENTINEL, out_len > 0 ? out_len : 1);
        const qmoe_status_t status =
            kernels[kernel]((nulls & 128u) ? NULL : &ctx, (nulls & 1u) ? NULL : &layer,
                            (nulls & 2u) ? NULL : in, (nulls & 4u) ? NULL : out);
        write_u32((uint32_t)status);
        write_u32((uint32_t)out_len);
        fwrite(out, 1, out_len, stdout);
        free(in);
        free(out);
    }
    fflush(stdout);
    free(ctx.buf);
    free(weights);
    free(bias);
    free(mult);
    free(shift);
    return 1;
}

int main(void)
{
    while (run_case()) {
    }
    return 0;
}

/* qmoe_fc.h: fully-connected layers with int8 activations, one kernel per weight format.
 *
 * Semantics: docs/integer-semantics.md ("Fully-connected layer"); weight storage: docs/packing.md.
 * For each output o:
 *     acc = bias[o] + sum_i w[o][i] * in[i]                   (int32; the export proves no
 * overflow) y   = (acc * mult[o] + 2^(shift[o]-1)) >> shift[o]      (64-bit product, arithmetic
 * shift) out[o] = clamp(y, out_min, out_max)                     (int8 or int16 output, see
 * out_bits)
 *
 * Weight formats (docs/packing.md has the bit order with byte examples; rows are padded to
 * row_bytes; the first weight of a byte sits in its lowest bits):
 *   QMOE_FMT_S1   1-bit sign, bit 1 = +1, bit 0 = -1, 8 per byte
 *   QMOE_FMT_S2   2-bit two's complement (-2..1), 4 per byte
 *   QMOE_FMT_T2   ternary, 2 bits: 0b00 = 0, 0b01 = +1, 0b11 = -1, 4 per byte
 *   QMOE_FMT_T5   ternary, 5 trits per byte: byte = sum_k (t_k + 1) * 3^k (<= 242), the last
 *                 byte of a row filled up with zero trits (digit 1), ceil(n_in / 5) bytes a row
 *   QMOE_FMT_S4   4-bit two's complement, 2 per byte, first weight in the low nibble
 *   QMOE_FMT_S8   int8
 *   QMOE_FMT_S16  int16 little-endian
 *
 * Kernels are named by what they compute (w<weight bits>a8): qmoe_fc_w1a8 ... qmoe_fc_w16a8;
 * qmoe_fc() dispatches on layer->format. `in` and `out` must not overlap. Every call returns
 * QMOE_OK or QMOE_ERR_ARG (NULL pointer, format/out_bits mismatch, scratch too small).
 *
 * Scratch (as CMSIS-NN's cmsis_nn_context): a kernel may use qmoe_fc_scratch_size(layer) bytes of
 * working memory that the caller lends it through `ctx` for the call; the kernels have no static
 * or heap memory and keep no large arrays on the stack (at most a few hundred bytes). The size
 * depends on the format and shape only, never on the build variant, so one memory plan (the
 * model's arena, docs/ir.md) serves every board; the reference kernels need none of it but check
 * it all the same. Where qmoe_fc_scratch_size() is 0, `ctx` may be NULL. The buffer must be
 * 8-byte aligned, must not overlap `in`, `out` or the layer's arrays, and its contents are
 * undefined before and after a call.
 *   S1, S2, T2, T5  2048 + 4 * min(n_out, 640)  (lookup tables of 4 byte positions, and int32
 *                   sums of up to 640 rows; 0 when n_out is 0)
 *   S4              16 * ceil(n_in / 8)         (the inputs widened to int16, paired per 8)
 *   S8              8 * ceil(n_in / 4)          (the inputs widened to int16, paired per 4)
 *   S16             0
 */
#ifndef QMOE_FC_H
#define QMOE_FC_H

#include <stdint.h>

#include "qmoe_status.h"

enum {
    QMOE_FMT_S1 = 1,
    QMOE_FMT_S2 = 2,
    QMOE_FMT_T2 = 3,
    QMOE_FMT_T5 = 4,
    QMOE_FMT_S4 = 5,
    QMOE_FMT_S8 = 6,
    QMOE_FMT_S16 = 7
};

/* Working memory lent to a kernel for one call (at least qmoe_fc_scratch_size(layer) bytes). */
typedef struct {
    void *buf;     /* 8-byte aligned */
    uint32_t size; /* bytes */
} qmoe_fc_ctx_t;

typedef struct {
    uint16_t n_in;          /* inputs per output (columns) */
    uint16_t n_out;         /* outputs (rows) */
    uint16_t row_bytes;     /* bytes per packed row, padding included */
    uint8_t format;         /* QMOE_FMT_* */
    uint8_t out_bits;       /* 8: out is int8_t[n_out]; 16: out is int16_t[n_out] */
    int16_t out_min;        /* clamp: 0 for ReLU, -128 for plain int8, -32768 for int16 logits */
    int16_t out_max;        /* clamp: 127 for int8, 32767 for int16 */
    const uint8_t *weights; /* n_out * row_bytes bytes */
    const int32_t *bias;    /* n_out */
    const int32_t *mult;    /* n_out, in [0, 2^31) */
    const int8_t *shift;    /* n_out, in [1, 62] */
} qmoe_fc_t;

qmoe_status_t qmoe_fc_w1a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out);
qmoe_status_t qmoe_fc_w2a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out);
qmoe_status_t qmoe_fc_wt2a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            void *out);
qmoe_status_t qmoe_fc_wt5a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            void *out);
qmoe_status_t qmoe_fc_w4a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out);
qmoe_status_t qmoe_fc_w8a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out);
qmoe_status_t qmoe_fc_w16a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            void *out);

/* The bytes of scratch a kernel may use for `layer` (table above); 0 for NULL or an unknown
 * format. */
uint32_t qmoe_fc_scratch_size(const qmoe_fc_t *layer);

/* Run `layer` with the kernel for its format. */
qmoe_status_t qmoe_fc(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                      void *out);

#endif /* QMOE_FC_H */

/* qmoe_fc_internal.h: helpers shared by the fully-connected kernels (not a public header).
 *
 * Every kernel, reference or optimized, checks its arguments with fc_check() and writes each
 * output with fc_store(), so argument rules, requantization and clamping exist once.
 * Semantics: docs/integer-semantics.md; kernels and build variants: docs/kernels.md.
 */
#ifndef QMOE_FC_INTERNAL_H
#define QMOE_FC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "qmoe_fc.h"

/* requantize() and fc_requantize_clamp() rely on >> of a negative int64 or int32 being an
 * arithmetic shift (floor division by a power of two). C99 leaves it implementation-defined;
 * refuse to compile where it is not. */
typedef char
    qmoe_fc_assert_arithmetic_shift[((int64_t)-1 >> 1) == -1 && ((int32_t)-5 >> 1) == -3 ? 1 : -1];

/* (acc * mult + 2^(shift-1)) >> shift with a 64-bit product: rounds half toward +infinity.
 * Needs 0 <= mult < 2^31 and 1 <= shift <= 62 (fc_check ensures both). */
static inline int64_t requantize(int32_t acc, int32_t mult, int shift)
{
    return ((int64_t)acc * mult + ((int64_t)1 << (shift - 1))) >> shift;
}

static inline int32_t clamp(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

/* clamp(requantize(acc, mult, shift), lo, hi) for shift > 32 (the shifts of scales below 1/4:
 * quantize_multiplier gives shift = 31 - exponent), with one 32x32->64 multiply and no 64-bit
 * shift. The product p's high word is p >> 32, so p >> (shift - 1) is that word shifted by
 * shift - 33, and (p + 2^(shift-1)) >> shift == ((p >> (shift - 1)) + 1) >> 1 (floor division
 * in two steps); the high word lies in [-2^30, 2^30), so adding 1 cannot overflow. */
static inline int32_t fc_requantize_clamp_hi(int32_t acc, int32_t mult, int shift, int32_t lo,
                                             int32_t hi)
{
    const int32_t top = (int32_t)(((int64_t)acc * mult) >> 32);
    const int32_t y = ((top >> (shift - 33)) + 1) >> 1;
    return y < lo ? lo : (y > hi ? hi : y);
}

/* clamp(requantize(acc, mult, shift), lo, hi): fc_requantize_clamp_hi() for shifts above 32,
 * the 64-bit product and shift otherwise. Same range requirements as requantize(). */
static inline int32_t fc_requantize_clamp(int32_t acc, int32_t mult, int shift, int32_t lo,
                                          int32_t hi)
{
    return shift > 32 ? fc_requantize_clamp_hi(acc, mult, shift, lo, hi)
                      : clamp(requantize(acc, mult, shift), lo, hi);
}

/* Bytes one row of n_in weights of `format` needs before row_align padding; 0 for an unknown
 * format. */
static inline uint32_t fc_data_bytes(uint8_t format, uint32_t n_in)
{
    switch (format) {
    case QMOE_FMT_S1:
        return (n_in + 7u) / 8u;
    case QMOE_FMT_S2:
    case QMOE_FMT_T2:
        return (n_in + 3u) / 4u;
    case QMOE_FMT_T5:
        return (n_in + 4u) / 5u;
    case QMOE_FMT_S4:
        return (n_in + 1u) / 2u;
    case QMOE_FMT_S8:
        return n_in;
    case QMOE_FMT_S16:
        return 2u * n_in;
    default:
        return 0u;
    }
}

#define QMOE_FC_LUT_TABLE_BYTES 2048u /* 4 tables of 256 int16 entries (cortex-m4/m4_lut.h) */
#define QMOE_FC_LUT_ROWS 640u         /* rows whose int32 sums are kept while tables go by */

/* qmoe_fc_scratch_size() (the table in qmoe_fc.h) for a layer of `format`; the caller checks the
 * layer is not NULL. One formula for every build variant, mirrored by
 * qmoe_codegen.memory.fc_scratch_bytes. */
static inline uint32_t fc_scratch_need(const qmoe_fc_t *layer)
{
    const uint32_t n_in = layer->n_in, n_out = layer->n_out;
    switch (layer->format) {
    case QMOE_FMT_S1:
    case QMOE_FMT_S2:
    case QMOE_FMT_T2:
    case QMOE_FMT_T5:
        return n_out == 0u ? 0u
                           : QMOE_FC_LUT_TABLE_BYTES +
                                 4u * (n_out < QMOE_FC_LUT_ROWS ? n_out : QMOE_FC_LUT_ROWS);
    case QMOE_FMT_S4:
        return 16u * ((n_in + 7u) / 8u);
    case QMOE_FMT_S8:
        return 8u * ((n_in + 3u) / 4u);
    default:
        return 0u;
    }
}

/* QMOE_OK if the kernel for `format` may run `layer` on `in` into `out`, else QMOE_ERR_ARG:
 * a NULL pointer, layer->format != format, n_in == 0, row_bytes shorter than a packed row,
 * out_bits not 8 or 16, a clamp range that is empty or does not fit the output type, or a
 * channel whose shift is outside [1, 62] or whose multiplier is negative, or scratch that the
 * layer needs (fc_scratch_need) missing, shorter or not 8-byte aligned. Reads shift[] and
 * mult[] once (n_out entries) and writes nothing. fc_check_layer() checks all but the channels
 * (for a kernel that checks them its own way, cortex-m4/qmoe_fc_channels.c); fc_check() is
 * fc_check_layer() and then the channels. */
static inline qmoe_status_t fc_check_layer(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer,
                                           const int8_t *in, const void *out, uint8_t format)
{
    if (layer == NULL || in == NULL || out == NULL || layer->weights == NULL ||
        layer->bias == NULL || layer->mult == NULL || layer->shift == NULL) {
        return QMOE_ERR_ARG;
    }
    if (layer->format != format || layer->n_in == 0) {
        return QMOE_ERR_ARG;
    }
    if (layer->row_bytes < fc_data_bytes(format, layer->n_in)) {
        return QMOE_ERR_ARG;
    }
    if (layer->out_bits == 8) {
        if (layer->out_min < INT8_MIN || layer->out_max > INT8_MAX) {
            return QMOE_ERR_ARG;
        }
    } else if (layer->out_bits != 16) {
        return QMOE_ERR_ARG;
    }
    if (layer->out_min > layer->out_max) {
        return QMOE_ERR_ARG;
    }
    const uint32_t need = fc_scratch_need(layer);
    if (need > 0u &&
        (ctx == NULL || ctx->buf == NULL || ctx->size < need || ((uintptr_t)ctx->buf & 7u) != 0u)) {
        return QMOE_ERR_ARG;
    }
    return QMOE_OK;
}

static inline qmoe_status_t fc_check(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer,
                                     const int8_t *in, const void *out, uint8_t format)
{
    const qmoe_status_t status = fc_check_layer(ctx, layer, in, out, format);
    if (status != QMOE_OK) {
        return status;
    }
    for (uint32_t o = 0; o < layer->n_out; ++o) {
        if (layer->shift[o] < 1 || layer->shift[o] > 62 || layer->mult[o] < 0) {
            return QMOE_ERR_ARG;
        }
    }
    return QMOE_OK;
}

/* The first byte of output row o's packed weights. */
static inline const uint8_t *fc_row(const qmoe_fc_t *layer, uint32_t o)
{
    return layer->weights + (size_t)o * layer->row_bytes;
}

/* Requantize output o's accumulator, clamp it and store it as int8 or int16. */
static inline void fc_store(const qmoe_fc_t *layer, void *out, uint32_t o, int32_t acc)
{
    const int32_t y =
        clamp(requantize(acc, layer->mult[o], layer->shift[o]), layer->out_min, layer->out_max);
    if (layer->out_bits == 8) {
        ((int8_t *)out)[o] = (int8_t)y;
    } else {
        ((int16_t *)out)[o] = (int16_t)y;
    }
}

#endif /* QMOE_FC_INTERNAL_H */

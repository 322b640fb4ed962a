/* qmoe_fc_channels.c (cortex-m4): the per-channel work of the cortex-m4 kernels (the SMLAD
 * kernels w4a8, w8a8, w16a8 and the table-lookup ones), one copy for all (m4_channels.h).
 *
 * The channel check reads 4 shifts as one word: USUB8 subtracts 1 from each byte (wrapping, so a
 * shift of 0 becomes 255) and UQADD8 adds 66 saturating, so a byte's top bit is set exactly when
 * its shift is outside [1, 62] (negative shifts are bytes >= 128); the 4 multipliers are ORed
 * into one sign bit: 17 instructions per 4 channels, where fc_check()'s loop takes 11 per channel.
 *
 * qmoe_m4_rows() is the kernels' row loop (blocks of 3 or 4 rows through the kernel's own
 * function, up to 32 rows per call, then one store call).
 *
 * The store is called once per chunk of rows and reads the clamp range and output width once; a
 * row whose shift is above 32 (every scale below 1/4) costs 23 instructions
 * (fc_requantize_clamp_hi(): SMULL and 32-bit shifts); other shifts call the 64-bit path.
 */
#include "m4_channels.h"
#include "m4_simd.h"
#include "../qmoe_fc_internal.h"

qmoe_status_t qmoe_m4_check_channels(const qmoe_fc_t *layer)
{
    const uint32_t n = layer->n_out;
    const int8_t *shift = layer->shift;
    const int32_t *mult = layer->mult;
    uint32_t bad = 0; /* top bit of a byte: a shift outside [1, 62] */
    int32_t sign = 0; /* sign bit: a negative multiplier */
    uint32_t o = 0;
    for (; o + 4u <= n; o += 4u) {
        bad |= m4_uqadd8(m4_usub8(m4_load(shift + o), 0x01010101u), 0x42424242u);
        sign |= mult[o] | mult[o + 1u] | mult[o + 2u] | mult[o + 3u];
    }
    for (; o < n; ++o) {
        bad |= (uint32_t)(shift[o] < 1 || shift[o] > 62) << 7;
        sign |= mult[o];
    }
    return (bad & 0x80808080u) != 0u || sign < 0 ? QMOE_ERR_ARG : QMOE_OK;
}

qmoe_status_t qmoe_m4_check(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            const void *out, uint8_t format)
{
    if (fc_check_layer(ctx, layer, in, out, format) != QMOE_OK) {
        return QMOE_ERR_ARG;
    }
    return qmoe_m4_check_channels(layer);
}

/* The 64-bit path, out of line: it needs more registers than the row loop has left. */
__attribute__((noinline)) static int32_t requantize_clamp64(int32_t acc, int32_t mult, int shift,
                                                            int32_t lo, int32_t hi)
{
    return clamp(requantize(acc, mult, shift), lo, hi);
}

void qmoe_m4_store_rows(const qmoe_fc_t *layer, void *out, uint32_t o, const int32_t *acc,
                        uint32_t n)
{
    const int32_t lo = layer->out_min, hi = layer->out_max;
    const int32_t *mult = layer->mult + o;
    const int8_t *shift = layer->shift + o;
    const int wide = layer->out_bits != 8;
    for (uint32_t r = 0; r < n; ++r) {
        const int s = shift[r];
        const int32_t y = s > 32 ? fc_requantize_clamp_hi(acc[r], mult[r], s, lo, hi)
                                 : requantize_clamp64(acc[r], mult[r], s, lo, hi);
        if (wide) {
            ((int16_t *)out)[o + r] = (int16_t)y;
        } else {
            ((int8_t *)out)[o + r] = (int8_t)y;
        }
    }
}

#define CHUNK_ROWS 32u /* accumulators kept on the stack between a blocks call and its store */

void qmoe_m4_rows(const qmoe_fc_t *layer, const int8_t *in, void *out, const uint32_t *xw,
                  uint32_t units, uint32_t done, uint32_t block, qmoe_m4_blocks_fn blocks,
                  qmoe_m4_tail_fn tail)
{
    const uint32_t n = layer->n_in, n_out = layer->n_out, chunk = CHUNK_ROWS / block;
    if (n_out < block) { /* too few rows for a block: plain multiply-accumulate */
        for (uint32_t o = 0; o < n_out; ++o) {
            const int32_t acc = layer->bias[o] + tail(fc_row(layer, o), in, 0u, n);
            qmoe_m4_store_rows(layer, out, o, &acc, 1u);
        }
        return;
    }
    for (uint32_t o = 0; o < n_out;) {
        if (n_out - o < block) {
            o = n_out - block; /* a last block over the last rows: some are computed again */
        }
        const uint32_t left = (n_out - o) / block;
        const uint32_t rows = block * (left < chunk ? left : chunk);
        int32_t acc[CHUNK_ROWS];
        blocks(fc_row(layer, o), layer->row_bytes, xw, units, layer->bias + o, acc, rows / block);
        if (done < n) {
            for (uint32_t r = 0; r < rows; ++r) {
                acc[r] += tail(fc_row(layer, o + r), in, done, n);
            }
        }
        qmoe_m4_store_rows(layer, out, o, acc, rows);
        o += rows;
    }
}

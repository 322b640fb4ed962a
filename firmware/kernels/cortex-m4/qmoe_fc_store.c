/* qmoe_fc_store.c (cortex-m4): requantization and store of a block of rows, one copy for the
 * SMLAD kernels (w4a8, w8a8, w16a8). Called once per block of 3 or 4 rows, it reads the clamp
 * range and output width once; a row whose shift is above 32 (every scale below 1/4) costs
 * about 20 instructions (fc_requantize_clamp's 32-bit path), other shifts call the 64-bit one.
 */
#include "m4_store.h"
#include "../qmoe_fc_internal.h"

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
        const int32_t y = s > 32 ? fc_requantize_clamp(acc[r], mult[r], s, lo, hi)
                                 : requantize_clamp64(acc[r], mult[r], s, lo, hi);
        if (wide) {
            ((int16_t *)out)[o + r] = (int16_t)y;
        } else {
            ((int8_t *)out)[o + r] = (int8_t)y;
        }
    }
}

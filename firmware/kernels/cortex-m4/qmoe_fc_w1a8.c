/* qmoe_fc_w1a8.c (cortex-m4): fully-connected layer, 1-bit sign weights (QMOE_FMT_S1), int8
 * activations, by table lookup: one UXTAB, one LDRSH and one ADD per packed byte (8 weights),
 * through the shared table-lookup layer of m4_lut.h (qmoe_fc_lut.c).
 *
 * A byte holds the signs of 8 consecutive inputs x0..x7, bit k = 1 for +1 and 0 for -1
 * (docs/packing.md). Its table entry lo + 16 * hi is P[lo] + Q[hi], the signed sums of x0..x3
 * and x4..x7 (at most 1024 in magnitude, so int16 holds them). The sum of a byte is formed
 * directly, without the reference's 2 * P - S; inputs past n_in count as 0, so a row's padding
 * bits (which read as -1) add nothing. Accumulating bias + partial sums stays inside int32 under
 * the export's bound. Bit-exact with the reference. Contract: qmoe_fc.h.
 */
#include "m4_lut.h"
#include "m4_simd.h"
#include "../qmoe_fc_internal.h"

#define S1_MIN_ROWS 15u /* fewer rows: no tables (m4_lut.h) */

/* The pair words of the 4 inputs in w (x0 in its low byte): pw[k] = (s[2k], s[2k + 1]) with
 * s[b] = the sum over i < 4 of (bit i of b ? x_i : -x_i). With A = (-x0, x0), B0/B1 = A -/+ (x1, x1), S/D = (x2, x2) +/- (x3, x3):
 * pw = B0 - S, B1 - S, B0 + D, B1 + D, B0 - D, B1 - D, B0 + S, B1 + S. 20 instructions. */
static void pair_words(uint32_t pw[8], uint32_t w)
{
    const uint32_t e = m4_sxtb16(w), o = m4_sxtb16_ror8(w), z = e << 16;
    const int16x2_t a = __sasx((int16x2_t)z, (int16x2_t)z);
    const int16x2_t x1 = (int16x2_t)m4_pkhbt(o, o);
    const int16x2_t x2 = (int16x2_t)m4_pkhtb(e, e), x3 = (int16x2_t)m4_pkhtb(o, o);
    const int16x2_t b0 = __ssub16(a, x1), b1 = __sadd16(a, x1);
    const int16x2_t sum = __sadd16(x2, x3), dif = __ssub16(x2, x3);
    pw[0] = (uint32_t)__ssub16(b0, sum);
    pw[1] = (uint32_t)__ssub16(b1, sum);
    pw[2] = (uint32_t)__sadd16(b0, dif);
    pw[3] = (uint32_t)__sadd16(b1, dif);
    pw[4] = (uint32_t)__ssub16(b0, dif);
    pw[5] = (uint32_t)__ssub16(b1, dif);
    pw[6] = (uint32_t)__sadd16(b0, sum);
    pw[7] = (uint32_t)__sadd16(b1, sum);
}

/* The partial sums of the 8 inputs at x (any alignment): P over x0..x3, Q over x4..x7. */
static void pq_words(uint32_t pw[8], uint32_t qw[8], const int8_t *x)
{
    pair_words(pw, m4_load(x));
    pair_words(qw, m4_load(x + 4));
}

static const qmoe_m4_lut_format_t S1 = {8u, S1_MIN_ROWS, pq_words, NULL};

qmoe_status_t qmoe_fc_w1a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out)
{
    const qmoe_status_t status = qmoe_m4_check(ctx, layer, in, out, QMOE_FMT_S1);
    if (status != QMOE_OK) {
        return status;
    }
    qmoe_m4_lut_fc(layer, in, out, &S1, ctx);
    return QMOE_OK;
}

/* qmoe_fc_w2a8.c (cortex-m4): fully-connected layer, 2-bit weights (QMOE_FMT_S2, -2..1), int8
 * activations, by table lookup: one UXTAB, one LDRSH and one ADD per packed byte (4 weights),
 * through the shared table-lookup layer of m4_lut.h (qmoe_fc_lut.c).
 *
 * A byte holds the codes c0..c3 of 4 consecutive inputs x0..x3, c0 in bits 1..0 (docs/packing.md).
 * Its table entry lo + 16 * hi (lo = c0 + 4 c1, hi = c2 + 4 c3) is P[lo] + Q[hi], the partial
 * sums of (x0, x1) and (x2, x3), all 256 entries valid. Bit-exact with the reference.
 * Contract: qmoe_fc.h.
 */
#include "m4_lut.h"
#include "m4_simd.h"
#include "../qmoe_fc_internal.h"

#define S2_MIN_ROWS 15u /* fewer rows: no tables (m4_lut.h) */

/* The pair words of the 2 inputs in the low bytes of w: pw[k] = (s[2k], s[2k + 1]) with
 * s[c0 + 4 c1] = v(c0) x0 + v(c1) x1, v(c) the value of code c (0, 1, -2, -1). With E = (0, x0), O = (-2 x0, -x0) (codes c0 = 0, 1 and 2, 3) and c1 = k >> 1:
 * pw = E, O, E + X1, O + X1, E - 2 X1, O - 2 X1, E - X1, O - X1, X1 = (x1, x1). */
static void pair_words(uint32_t pw[8], uint32_t w)
{
    const uint32_t e = m4_sxtb16(w), o = m4_sxtb16_ror8(w);
    const int16x2_t ev = (int16x2_t)(e << 16), x0 = (int16x2_t)m4_pkhbt(e, e);
    const int16x2_t od = __ssub16(ev, __sadd16(x0, x0));
    const int16x2_t x1 = (int16x2_t)m4_pkhbt(o, o), n1 = __ssub16((int16x2_t)0, x1);
    const int16x2_t m2 = __sadd16(n1, n1);
    pw[0] = (uint32_t)ev;
    pw[1] = (uint32_t)od;
    pw[2] = (uint32_t)__sadd16(ev, x1);
    pw[3] = (uint32_t)__sadd16(od, x1);
    pw[4] = (uint32_t)__sadd16(ev, m2);
    pw[5] = (uint32_t)__sadd16(od, m2);
    pw[6] = (uint32_t)__sadd16(ev, n1);
    pw[7] = (uint32_t)__sadd16(od, n1);
}

/* The partial sums of the 4 inputs at x (any alignment): P over (x0, x1), Q over (x2, x3). */
static void pq_words(uint32_t pw[8], uint32_t qw[8], const int8_t *x)
{
    const uint32_t w = m4_load(x);
    pair_words(pw, w);
    pair_words(qw, w >> 16);
}

static const qmoe_m4_lut_format_t S2 = {4u, S2_MIN_ROWS, pq_words, NULL};

qmoe_status_t qmoe_fc_w2a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out)
{
    const qmoe_status_t status = qmoe_m4_check(ctx, layer, in, out, QMOE_FMT_S2);
    if (status != QMOE_OK) {
        return status;
    }
    qmoe_m4_lut_fc(layer, in, out, &S2, ctx);
    return QMOE_OK;
}

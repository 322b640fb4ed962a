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
#include "../qmoe_fc_internal.h"

#define S2_MIN_ROWS 24u /* fewer rows: no tables (m4_lut.h) */

/* s[c0 + 4 * c1] = w(c0) * a + w(c1) * b, w(c) the 2-bit two's complement value of code c
 * (0, 1, -2, -1). */
static void pair_sums(int32_t s[16], int32_t a, int32_t b)
{
    const int32_t wb[4] = {0, b, -2 * b, -b};
    for (uint32_t c1 = 0; c1 < 4u; ++c1, s += 4) {
        const int32_t v = wb[c1];
        s[0] = v;
        s[1] = v + a;
        s[2] = v - 2 * a;
        s[3] = v - a;
    }
}

/* The partial sums of the 4 inputs at x: over (x0, x1) and over (x2, x3). */
static void pq_sums(int32_t p[16], int32_t q[16], const int8_t *x)
{
    pair_sums(p, x[0], x[1]);
    pair_sums(q, x[2], x[3]);
}

static const qmoe_m4_lut_format_t S2 = {4u, S2_MIN_ROWS, pq_sums, NULL};

qmoe_status_t qmoe_fc_w2a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out)
{
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_S2);
    if (status != QMOE_OK) {
        return status;
    }
    qmoe_m4_lut_fc(layer, in, out, &S2, ctx);
    return QMOE_OK;
}

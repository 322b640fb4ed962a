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
#include "../qmoe_fc_internal.h"

#define S1_MIN_ROWS 24u /* fewer rows: no tables (m4_lut.h) */

/* s[b] = sum over k < 4 of (bit k of b ? x[k] : -x[k]). */
static void quad_sums(int32_t s[16], const int8_t *x)
{
    const int32_t lo[4] = {-x[0] - x[1], x[0] - x[1], x[1] - x[0], x[0] + x[1]};
    const int32_t hi[4] = {-x[2] - x[3], x[2] - x[3], x[3] - x[2], x[2] + x[3]};
    for (uint32_t h = 0; h < 4u; ++h, s += 4) {
        const int32_t v = hi[h];
        s[0] = v + lo[0];
        s[1] = v + lo[1];
        s[2] = v + lo[2];
        s[3] = v + lo[3];
    }
}

/* The partial sums of the 8 inputs at x: over x0..x3 and over x4..x7. */
static void pq_sums(int32_t p[16], int32_t q[16], const int8_t *x)
{
    quad_sums(p, x);
    quad_sums(q, x + 4);
}

static const qmoe_m4_lut_format_t S1 = {8u, S1_MIN_ROWS, pq_sums, NULL};

qmoe_status_t qmoe_fc_w1a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out)
{
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_S1);
    if (status != QMOE_OK) {
        return status;
    }
    qmoe_m4_lut_fc(layer, in, out, &S1, ctx);
    return QMOE_OK;
}

/* qmoe_fc_wt2a8.c (cortex-m4): fully-connected layer, ternary weights at 2 bits (QMOE_FMT_T2),
 * int8 activations, by table lookup: one UXTAB, one LDRSH and one ADD per packed byte (4
 * weights), through the shared table-lookup layer of m4_lut.h (qmoe_fc_lut.c).
 *
 * A weight byte holds 4 codes for 4 consecutive inputs x0..x3 (code 0b00 = 0, 0b01 = +1,
 * 0b11 = -1; docs/packing.md). Its table's index is lo + 16 * hi, lo and hi the codes of (x0, x1)
 * and (x2, x3): with P[lo] and Q[hi] their partial sums, T[lo + 16 hi] = P[lo] + Q[hi], built
 * two entries at a time with SADD16 for the 9 valid hi values only (about 100 instructions per
 * table); entries whose hi holds the invalid code 0b10 are not written, so a byte with that code
 * gives an unspecified sum (unpack() rejects such bytes). Bit-exact with the reference for valid
 * codes. Contract: qmoe_fc.h.
 */
#include "m4_lut.h"
#include "../qmoe_fc_internal.h"

/* One hi value's 16 entries, P + q with q = Q[hi] twice, for the 8 words of P; words 4 and 5
 * repeat words 0 and 1 (lo 8..11 hold the invalid code 0b10 for x1, which reads as 0 like the
 * reference does). Rows of the table are 32 bytes per hi value. */
/* clang-format off */
#define HI_ROW(hi)                                                                                \
    "sadd16 %[ra], %[p01], %[q]\n\t"                                                             \
    "sadd16 %[rb], %[p23], %[q]\n\t"                                                             \
    "strd   %[ra], %[rb], [%[t], #32*" #hi "]\n\t"                                                \
    "strd   %[ra], %[rb], [%[t], #32*" #hi "+16]\n\t"                                             \
    "sadd16 %[ra], %[p45], %[q]\n\t"                                                             \
    "sadd16 %[rb], %[p67], %[q]\n\t"                                                             \
    "strd   %[ra], %[rb], [%[t], #32*" #hi "+8]\n\t"                                              \
    "sadd16 %[ra], %[pcd], %[q]\n\t"                                                             \
    "sadd16 %[rb], %[pef], %[q]\n\t"                                                             \
    "strd   %[ra], %[rb], [%[t], #32*" #hi "+24]\n\t"
/* clang-format on */

/* The table of the 4 inputs at x (any alignment) into t[0..127]: 8 words per hi value; the 7 hi
 * values holding the invalid code 0b10 are not written. With e = (x0, x2), o = (x1, x3) and
 * X1 = (x1, x1): P words (P0, P1) = (0, x0), (P2, P3) = (0, -x0), (x1, x0 + x1), (x1, x1 - x0),
 * (P12, P13) = (-x1, x0 - x1), (-x1, -x0 - x1); Q for hi = 0, 1, 3, 4, 5, 7, 12, 13, 15 is
 * 0, x2, -x2, x3, x2 + x3, x3 - x2, -x3, x2 - x3, -x2 - x3. About 100 instructions. */
static void build_table(uint32_t *t, const int8_t *x)
{
    uint32_t p01, p23, p45, p67, pcd, pef, x2, nx2, x3, q, ra, rb;

    /* clang-format off */
    __asm__ volatile(
        "ldr    %[ra], [%[x]]\n\t"
        "sxtb16 %[rb], %[ra], ror #8\n\t" /* o = (x1, x3) */
        "sxtb16 %[ra], %[ra]\n\t"         /* e = (x0, x2) */
        "lsl    %[p01], %[ra], #16\n\t"
        "rsb    %[p23], %[p01], #0\n\t"
        "pkhbt  %[q], %[rb], %[rb], lsl #16\n\t" /* (x1, x1) */
        "sadd16 %[p45], %[q], %[p01]\n\t"
        "ssub16 %[p67], %[q], %[p01]\n\t"
        "ssub16 %[pcd], %[p01], %[q]\n\t"
        "ssub16 %[pef], %[p23], %[q]\n\t"
        "pkhtb  %[x2], %[ra], %[ra], asr #16\n\t"
        "pkhtb  %[x3], %[rb], %[rb], asr #16\n\t"
        "mov    %[q], #0\n\t"
        "ssub16 %[nx2], %[q], %[x2]\n\t"
        "strd   %[p01], %[p23], [%[t]]\n\t" /* hi = 0: P itself */
        "strd   %[p01], %[p23], [%[t], #16]\n\t"
        "strd   %[p45], %[p67], [%[t], #8]\n\t"
        "strd   %[pcd], %[pef], [%[t], #24]\n\t"
        "mov    %[q], %[x2]\n\t" HI_ROW(1)
        "mov    %[q], %[nx2]\n\t" HI_ROW(3)
        "mov    %[q], %[x3]\n\t" HI_ROW(4)
        "sadd16 %[q], %[x2], %[x3]\n\t" HI_ROW(5)
        "sadd16 %[q], %[nx2], %[x3]\n\t" HI_ROW(7)
        "mov    %[q], #0\n\t"
        "ssub16 %[q], %[q], %[x3]\n\t" HI_ROW(12)
        "ssub16 %[q], %[x2], %[x3]\n\t" HI_ROW(13)
        "ssub16 %[q], %[nx2], %[x3]\n\t" HI_ROW(15)
        : [p01] "=&r"(p01), [p23] "=&r"(p23), [p45] "=&r"(p45), [p67] "=&r"(p67),
          [pcd] "=&r"(pcd), [pef] "=&r"(pef), [x2] "=&r"(x2), [nx2] "=&r"(nx2), [x3] "=&r"(x3),
          [q] "=&r"(q), [ra] "=&r"(ra), [rb] "=&r"(rb)
        : [t] "r"(t), [x] "r"(x)
        : "memory");
    /* clang-format on */
}

/* Tables pay for themselves from 2 rows on: no direct path (min_rows 0, no pq). */
static const qmoe_m4_lut_format_t T2 = {4u, 0u, NULL, build_table};

qmoe_status_t qmoe_fc_wt2a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            void *out)
{
    const qmoe_status_t status = qmoe_m4_check(ctx, layer, in, out, QMOE_FMT_T2);
    if (status != QMOE_OK) {
        return status;
    }
    qmoe_m4_lut_fc(layer, in, out, &T2, ctx);
    return QMOE_OK;
}

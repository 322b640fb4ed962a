/* qmoe_fc_w8a8.c (cortex-m4): fully-connected layer, int8 weights (QMOE_FMT_S8), int8
 * activations, with the ARMv7E-M dual 16-bit multiply-accumulate.
 *
 * Four weights or activations are one word; SXTB16 widens bytes 0 and 2 (and, rotated, 1 and 3)
 * into halfword pairs and SMLAD adds both products to the accumulator. Four rows are computed per
 * pass, so each activation word is loaded and widened once for four rows: per 16 MACs, 5 loads,
 * 10 SXTB16, 8 SMLAD and the loop's compare and branch (25 instructions, 1.56 per MAC). Leftover
 * rows go one at a time, leftover inputs (n_in % 4) byte by byte. Rows need no alignment (LDR
 * reads unaligned words on ARMv7-M). Bit-exact with the reference: the same int32 sum, in another
 * order, which the export's bound keeps inside int32. Contract: qmoe_fc.h.
 */
#include "qmoe_fc_internal.h"
#include "m4_simd.h"

/* Dot products of rows w, w + s, w + 2s, w + 3s with x[0..n-1], added to acc[0..3]. */
static void dot4(const uint8_t *w, uint32_t s, const int8_t *x, uint32_t n, int32_t acc[4])
{
    const uint8_t *p = w, *q = w + 3u * s;
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int8_t *end = x + (n & ~3u);

    if (x < end) {
        uint32_t xe, xo, wv, t;
        /* Rows 1 and 2 are read at p + s and p + 2s before p advances. */
        __asm__("1:\n\t"
                "ldr    %[xe], [%[x]], #4\n\t"
                "sxtb16 %[xo], %[xe], ror #8\n\t"
                "sxtb16 %[xe], %[xe]\n\t"
                "ldr    %[wv], [%[p], %[s]]\n\t"
                "sxtb16 %[t], %[wv]\n\t"
                "sxtb16 %[wv], %[wv], ror #8\n\t"
                "smlad  %[a1], %[t], %[xe], %[a1]\n\t"
                "smlad  %[a1], %[wv], %[xo], %[a1]\n\t"
                "ldr    %[wv], [%[p], %[s], lsl #1]\n\t"
                "sxtb16 %[t], %[wv]\n\t"
                "sxtb16 %[wv], %[wv], ror #8\n\t"
                "smlad  %[a2], %[t], %[xe], %[a2]\n\t"
                "smlad  %[a2], %[wv], %[xo], %[a2]\n\t"
                "ldr    %[wv], [%[q]], #4\n\t"
                "sxtb16 %[t], %[wv]\n\t"
                "sxtb16 %[wv], %[wv], ror #8\n\t"
                "smlad  %[a3], %[t], %[xe], %[a3]\n\t"
                "smlad  %[a3], %[wv], %[xo], %[a3]\n\t"
                "ldr    %[wv], [%[p]], #4\n\t"
                "sxtb16 %[t], %[wv]\n\t"
                "sxtb16 %[wv], %[wv], ror #8\n\t"
                "smlad  %[a0], %[t], %[xe], %[a0]\n\t"
                "smlad  %[a0], %[wv], %[xo], %[a0]\n\t"
                "cmp    %[x], %[end]\n\t"
                "bne    1b"
                : [x] "+&r"(x), [p] "+&r"(p), [q] "+&r"(q), [a0] "+&r"(a0), [a1] "+&r"(a1),
                  [a2] "+&r"(a2), [a3] "+&r"(a3), [xe] "=&r"(xe), [xo] "=&r"(xo),
                  [wv] "=&r"(wv), [t] "=&r"(t)
                : [s] "r"(s), [end] "r"(end)
                : "cc", "memory");
    }
    for (uint32_t i = 0; i < (n & 3u); ++i) {
        const int32_t xi = x[i];
        a0 += (int8_t)p[i] * xi;
        a1 += (int8_t)p[s + i] * xi;
        a2 += (int8_t)p[2u * s + i] * xi;
        a3 += (int8_t)q[i] * xi;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* Dot product of one row with x[0..n-1]. */
static int32_t dot1(const uint8_t *p, const int8_t *x, uint32_t n)
{
    int32_t a = 0;
    const int8_t *end = x + (n & ~3u);

    for (; x < end; x += 4, p += 4) {
        const uint32_t xv = m4_load(x), wv = m4_load(p);
        a = m4_smlad(m4_sxtb16(wv), m4_sxtb16(xv), a);
        a = m4_smlad(m4_sxtb16_ror8(wv), m4_sxtb16_ror8(xv), a);
    }
    for (uint32_t i = 0; i < (n & 3u); ++i) {
        a += (int8_t)p[i] * x[i];
    }
    return a;
}

qmoe_status_t qmoe_fc_w8a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer,
                           const int8_t *in, void *out)
{
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_S8);
    if (status != QMOE_OK) {
        return status;
    }
    fc_rows_by4(layer, in, out, dot4, dot1);
    return QMOE_OK;
}

/* qmoe_fc_w16a8.c (cortex-m4): fully-connected layer, int16 weights (QMOE_FMT_S16), int8
 * activations, with the ARMv7E-M dual 16-bit multiply-accumulate.
 *
 * Two little-endian int16 weights are one word, already the halfword pair SMLAD takes; the
 * activations x0..x3 become the pairs (x0, x1) and (x2, x3) with SXTB16 and PKHBT/PKHTB once per
 * 4 inputs for four rows: per 16 MACs, 1 + 8 loads, 2 SXTB16, 2 packs, 8 SMLAD, compare and
 * branch (23 instructions, 1.44 per MAC). Rows are at least 2-aligned and read with LDR, which
 * takes unaligned words on ARMv7-M. Leftover rows go one at a time, leftover inputs (n_in % 4)
 * one by one. Bit-exact with the reference (same int32 sum in another order, inside int32 by the
 * export's bound). Contract: qmoe_fc.h.
 */
#include "../qmoe_fc_internal.h"
#include "m4_simd.h"
#include "m4_channels.h"

/* Weight i of the row at p: little-endian, sign-extended. */
static inline int32_t s16_weight(const uint8_t *p, uint32_t i)
{
    const int32_t c = p[2u * i] | (p[2u * i + 1u] << 8);
    return c - ((c & 0x8000) << 1);
}

/* (x0, x1) and (x2, x3) of the 4 activations at x. */
static inline void x_pairs(const int8_t *x, uint32_t *x01, uint32_t *x23)
{
    const uint32_t v = m4_load(x), e = m4_sxtb16(v), o = m4_sxtb16_ror8(v);
    *x01 = m4_pkhbt(e, o);
    *x23 = m4_pkhtb(o, e);
}

/* acc[0..3] = bias[0..3] + dot products of rows w, w + s, w + 2s, w + 3s with x[0..n-1]. Not
 * inlined: its loop takes 13 registers, which the caller's loop would not leave it. */
__attribute__((noinline)) static void dot4(const uint8_t *w, uint32_t s, const int8_t *x,
                                           uint32_t n, const int32_t bias[4], int32_t acc[4])
{
    const uint8_t *p = w, *p4 = w + 4, *q = w + 3u * s;
    int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
    const int8_t *end = x + (n & ~3u);

    if (x < end) {
        uint32_t x01, x23, wv;
        __asm__("1:\n\t"
                "ldr    %[wv], [%[x]], #4\n\t"
                "sxtb16 %[x23], %[wv], ror #8\n\t"
                "sxtb16 %[wv], %[wv]\n\t"
                "pkhbt  %[x01], %[wv], %[x23], lsl #16\n\t"
                "pkhtb  %[x23], %[x23], %[wv], asr #16\n\t"
                "ldr    %[wv], [%[p], %[s]]\n\t"
                "smlad  %[a1], %[wv], %[x01], %[a1]\n\t"
                "ldr    %[wv], [%[p4], %[s]]\n\t"
                "smlad  %[a1], %[wv], %[x23], %[a1]\n\t"
                "ldr    %[wv], [%[p], %[s], lsl #1]\n\t"
                "smlad  %[a2], %[wv], %[x01], %[a2]\n\t"
                "ldr    %[wv], [%[p4], %[s], lsl #1]\n\t"
                "smlad  %[a2], %[wv], %[x23], %[a2]\n\t"
                "ldr    %[wv], [%[q], #4]\n\t"
                "smlad  %[a3], %[wv], %[x23], %[a3]\n\t"
                "ldr    %[wv], [%[q]], #8\n\t"
                "smlad  %[a3], %[wv], %[x01], %[a3]\n\t"
                "ldr    %[wv], [%[p4]], #8\n\t"
                "smlad  %[a0], %[wv], %[x23], %[a0]\n\t"
                "ldr    %[wv], [%[p]], #8\n\t"
                "smlad  %[a0], %[wv], %[x01], %[a0]\n\t"
                "cmp    %[x], %[end]\n\t"
                "bne    1b"
                : [x] "+&r"(x), [p] "+&r"(p), [p4] "+&r"(p4), [q] "+&r"(q), [a0] "+&r"(a0),
                  [a1] "+&r"(a1), [a2] "+&r"(a2), [a3] "+&r"(a3), [x01] "=&r"(x01),
                  [x23] "=&r"(x23), [wv] "=&r"(wv)
                : [s] "r"(s), [end] "r"(end)
                : "cc", "memory");
    }
    for (uint32_t i = 0; i < (n & 3u); ++i) {
        const int32_t xi = x[i];
        a0 += s16_weight(p, i) * xi;
        a1 += s16_weight(p + s, i) * xi;
        a2 += s16_weight(p + 2u * s, i) * xi;
        a3 += s16_weight(q, i) * xi;
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
    uint32_t i = 0;
    for (; i + 4u <= n; i += 4u) {
        uint32_t x01, x23;
        x_pairs(x + i, &x01, &x23);
        a = m4_smlad(m4_load(p + 2u * i), x01, a);
        a = m4_smlad(m4_load(p + 2u * i + 4u), x23, a);
    }
    for (; i < n; ++i) {
        a += s16_weight(p, i) * x[i];
    }
    return a;
}

qmoe_status_t qmoe_fc_w16a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            void *out)
{
    if (qmoe_m4_check(ctx, layer, in, out, QMOE_FMT_S16) != QMOE_OK) {
        return QMOE_ERR_ARG;
    }
    const uint32_t n = layer->n_in, s = layer->row_bytes;
    uint32_t o = 0;
    for (; o + 4u <= layer->n_out; o += 4u) {
        int32_t acc[4];
        dot4(fc_row(layer, o), s, in, n, layer->bias + o, acc);
        qmoe_m4_store_rows(layer, out, o, acc, 4u);
    }
    for (; o < layer->n_out; ++o) {
        const int32_t acc = layer->bias[o] + dot1(fc_row(layer, o), in, n);
        qmoe_m4_store_rows(layer, out, o, &acc, 1u);
    }
    return QMOE_OK;
}

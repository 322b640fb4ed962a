/* qmoe_fc_w8a8.c (cortex-m4): fully-connected layer, int8 weights (QMOE_FMT_S8), int8
 * activations, with the ARMv7E-M dual 16-bit multiply-accumulate.
 *
 * The activations are widened once per call into the caller's scratch: per 4 inputs the words
 * (x0, x2) and (x1, x3) of int16 halfwords (SXTB16, and SXTB16 rotated by 8). A word of weights
 * w0..w3 gives the matching pairs the same way, and two SMLAD add its 4 products. Four rows are
 * computed per pass, so one LDRD of widened activations serves 4 rows: per 4 inputs and 4 rows,
 * 1 LDRD, 4 LDR, 8 SXTB16, 8 SMLAD; the loop body holds 16 inputs (86 instructions for 64 MACs,
 * 1.34 per MAC; 6 rows per pass would take all 14 registers and gain 0.01 per MAC). The row loop
 * is qmoe_m4_rows() (cortex-m4/qmoe_fc_channels.c, shared with w4a8): dot4 computes up to 8
 * blocks of 4 rows per call into a stack array, which one qmoe_m4_store_rows() call requantizes
 * and stores; when n_out % 4 != 0 the last block is the last 4 rows (1 to 3 rows computed and
 * stored twice, the same values); a layer of 1 to 3 rows is a plain multiply-accumulate.
 * Leftover inputs (n_in % 4) go byte by byte. Rows need no alignment (LDR reads unaligned words
 * on ARMv7-M). Scratch: 8 * ceil(n_in / 4) bytes
 * (qmoe_fc.h). Bit-exact with the reference: the same int32 sum, in another order, which the
 * export's bound keeps inside int32. Contract: qmoe_fc.h.
 */
#include "../qmoe_fc_internal.h"
#include "m4_simd.h"
#include "m4_channels.h"

/* The weight word wv of one row (loaded by `load`) times the activation pairs xe, xo into acc a. */
#define ROW(a, load)                                                                               \
    load "\n\t"                                                                                    \
         "sxtb16 %[t], %[wv]\n\t"                                                                  \
         "sxtb16 %[wv], %[wv], ror #8\n\t"                                                         \
         "smlad  %[" a "], %[t], %[xe], %[" a "]\n\t"                                              \
         "smlad  %[" a "], %[wv], %[xo], %[" a "]\n\t"

/* One group of 4 inputs for 4 rows: rows 1 and 2 are read at p + s and p + 2s before p moves;
 * GROUP4_NOQ, for the leftover groups, reads row 3 at p + 2s + s through t instead of q. */
#define GROUP4                                                                                     \
    "ldrd   %[xe], %[xo], [%[x]], #8\n\t" ROW("a1", "ldr    %[wv], [%[p], %[s]]")                  \
        ROW("a2", "ldr    %[wv], [%[p], %[s], lsl #1]") ROW("a3", "ldr    %[wv], [%[q]], #4")      \
            ROW("a0", "ldr    %[wv], [%[p]], #4")
#define GROUP4_NOQ                                                                                 \
    "ldrd   %[xe], %[xo], [%[x]], #8\n\t" ROW("a1", "ldr    %[wv], [%[p], %[s]]")                  \
        ROW("a2", "ldr    %[wv], [%[p], %[s], lsl #1]")                                            \
            ROW("a3", "add    %[t], %[p], %[s], lsl #1\n\tldr    %[wv], [%[t], %[s]]")             \
                ROW("a0", "ldr    %[wv], [%[p]], #4")

/* Widens x[0..4g-1] into xw: per 4 inputs the words (x0, x2), (x1, x3). */
static void widen(uint32_t *xw, const int8_t *x, uint32_t groups)
{
    for (uint32_t k = 0; k < groups; ++k, x += 4) {
        const uint32_t v = m4_load(x);
        xw[2u * k] = m4_sxtb16(v);
        xw[2u * k + 1u] = m4_sxtb16_ror8(v);
    }
}

/* `blocks` blocks of 4 rows from w on: acc[4b + r] = bias[4b + r] + the dot product of row
 * w + (4b + r) * s with the 4g widened inputs at xw. */
__attribute__((noinline)) static void dot4(const uint8_t *w, uint32_t s, const uint32_t *xw,
                                           uint32_t groups, const int32_t *bias, int32_t *acc,
                                           uint32_t blocks)
{
    const uint32_t *end4 = xw + 2u * (groups & ~3u), *end = xw + 2u * groups;
    for (; blocks > 0u; --blocks, w += 4u * s, bias += 4, acc += 4) {
        const uint8_t *p = w, *q = w + 3u * s;
        const uint32_t *x = xw;
        int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
        uint32_t xe, xo, wv, t;

        if (x != end4) {
            __asm__("1:\n\t" GROUP4 GROUP4 GROUP4 GROUP4 "cmp    %[x], %[end]\n\t"
                    "bne    1b"
                    : [x] "+&r"(x), [p] "+&r"(p), [q] "+&r"(q), [a0] "+&r"(a0), [a1] "+&r"(a1),
                      [a2] "+&r"(a2), [a3] "+&r"(a3), [xe] "=&r"(xe), [xo] "=&r"(xo),
                      [wv] "=&r"(wv), [t] "=&r"(t)
                    : [s] "r"(s), [end] "r"(end4)
                    : "cc", "memory");
        }
        if (x != end) {
            __asm__("1:\n\t" GROUP4_NOQ "cmp    %[x], %[end]\n\t"
                    "bne    1b"
                    : [x] "+&r"(x), [p] "+&r"(p), [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2),
                      [a3] "+&r"(a3), [xe] "=&r"(xe), [xo] "=&r"(xo), [wv] "=&r"(wv), [t] "=&r"(t)
                    : [s] "r"(s), [end] "r"(end)
                    : "cc", "memory");
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
    }
}

/* Dot product of bytes i0..n-1 of the row at p with x[i0..n-1]. */
static int32_t tail(const uint8_t *p, const int8_t *x, uint32_t i0, uint32_t n)
{
    int32_t a = 0;
    for (uint32_t i = i0; i < n; ++i) {
        a += (int8_t)p[i] * x[i];
    }
    return a;
}

qmoe_status_t qmoe_fc_w8a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out)
{
    if (qmoe_m4_check(ctx, layer, in, out, QMOE_FMT_S8) != QMOE_OK) {
        return QMOE_ERR_ARG;
    }
    const uint32_t groups = layer->n_in / 4u;
    uint32_t *xw = (uint32_t *)ctx->buf;
    widen(xw, in, groups);
    qmoe_m4_rows(layer, in, out, xw, groups, 4u * groups, 4u, dot4, tail);
    return QMOE_OK;
}

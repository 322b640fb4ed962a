/* qmoe_fc_w4a8.c (cortex-m4): fully-connected layer, 4-bit weights (QMOE_FMT_S4), int8
 * activations, with the ARMv7E-M dual 16-bit multiply-accumulate.
 *
 * A word of a row holds weights n0..n7 (n0 in bits 3..0; docs/packing.md), so its low halfword
 * holds n0..n3 and its high halfword n4..n7. One AND with 0xF000F000 of the word shifted left by
 * 12, 8, 4 or 0 leaves the pair (n_k, n_k+4), k = 0..3, in the top nibble of each halfword: the
 * signed halfwords are 4096 * n_k and 4096 * n_k+4, with no sign extension to do. The
 * activations x0..x7 are rearranged once per call, into the caller's scratch, as the matching
 * halfword pairs (x_k, x_k+4) (PKHBT/PKHTB and SXTB16), and one SMLAD per pair adds 4096 times
 * two products. Three rows share each LDRD of pairs: per 24 MACs, 2 LDRD, 3 LDR, 12 ANDs,
 * 12 SMLAD, and per two such steps a compare and branch (60 instructions for 48 MACs, 1.25 per
 * MAC; all 14 registers hold operands). Scratch: 16 * ceil(n_in / 8) bytes (qmoe_fc.h).
 *
 * The scaled sums are exact: at most 256 inputs go into one (4096 * 8 * 128 * 256 = 2^30 < 2^31),
 * then the sum, a multiple of 4096, is shifted down and added to the row's int32 accumulator.
 * The row loop is qmoe_m4_rows() (cortex-m4/qmoe_fc_channels.c, shared with w8a8): dot3
 * computes up to 10 blocks of 3 rows per call into a stack array, which one qmoe_m4_store_rows()
 * call requantizes and stores; when n_out % 3 != 0 the last block is the last 3 rows (1 or 2
 * rows computed and stored twice, the same values); a layer of 1 or 2 rows is a plain
 * multiply-accumulate. Leftover inputs (n_in % 8) go nibble by nibble. Bit-exact with the
 * reference. Contract: qmoe_fc.h.
 */
#include "m4_simd.h"
#include "m4_channels.h"
#include "../qmoe_fc_internal.h"

#define STEP 8u         /* inputs per loop iteration: one word of weights per row */
#define BLOCK_STEPS 32u /* 256 inputs per scaled sum */
#define SCALE_SHIFT 12  /* the scaled sums are 4096 times the dot product */
#define PAIR_MASK 0xF000F000u

/* A 4-bit two's complement code (0..15) as -8..7. */
static inline int32_t s4_value(uint32_t c)
{
    return (int32_t)c - (int32_t)((c & 8u) << 1);
}

/* Weight i of the row at p. */
static inline int32_t s4_weight(const uint8_t *p, uint32_t i)
{
    return s4_value((p[i >> 1] >> (4u * (i & 1u))) & 15u);
}

/* x[0..8 steps - 1] into xw: per 8 inputs the halfword pairs (x0, x4), (x1, x5), (x2, x6),
 * (x3, x7). */
static void widen(uint32_t *xw, const int8_t *x, uint32_t steps)
{
    for (uint32_t k = 0; k < steps; ++k, x += STEP, xw += 4) {
        const uint32_t lo = m4_load(x), hi = m4_load(x + 4);
        const uint32_t a = m4_pkhbt(lo, hi), b = m4_pkhtb(hi, lo);
        xw[0] = m4_sxtb16(a);
        xw[1] = m4_sxtb16_ror8(a);
        xw[2] = m4_sxtb16(b);
        xw[3] = m4_sxtb16_ror8(b);
    }
}

/* One step (8 inputs) of 3 rows: rows 1 and 2 are read at p + s and p + 2s before p moves. */
#define ROW4(a, addr)                                                                              \
    "ldr    %[w], " addr "\n\t"                                                                    \
    "and    %[t], %[mask], %[w], lsl #12\n\t"                                                      \
    "smlad  %[" a "], %[t], %[x04], %[" a "]\n\t"                                                  \
    "and    %[t], %[mask], %[w], lsl #8\n\t"                                                       \
    "smlad  %[" a "], %[t], %[x15], %[" a "]\n\t"                                                  \
    "and    %[t], %[mask], %[w], lsl #4\n\t"                                                       \
    "smlad  %[" a "], %[t], %[x26], %[" a "]\n\t"                                                  \
    "and    %[t], %[mask], %[w]\n\t"                                                               \
    "smlad  %[" a "], %[t], %[x37], %[" a "]\n\t"
#define STEP3                                                                                      \
    "ldrd   %[x04], %[x15], [%[x]], #8\n\t"                                                        \
    "ldrd   %[x26], %[x37], [%[x]], #8\n\t" ROW4("a1", "[%[p], %[s]]")                             \
        ROW4("a2", "[%[p], %[s], lsl #1]") ROW4("a0", "[%[p]], #4")

/* 4096 * (dot products of rows p, p + s, p + 2s with the widened inputs xw), `steps` * 8
 * weights, into a[0..2]: two steps per loop pass, then an odd last step. */
static void scaled3(const uint8_t *p, uint32_t s, const uint32_t *xw, uint32_t steps, int32_t a[3])
{
    const uint32_t *x = xw, *end2 = xw + 4u * (steps & ~1u), *end = xw + 4u * steps;
    const uint32_t mask = PAIR_MASK;
    int32_t a0 = 0, a1 = 0, a2 = 0;
    uint32_t x04, x15, x26, x37, w, t;

    if (x != end2) {
        __asm__("1:\n\t" STEP3 STEP3 "cmp    %[x], %[end]\n\t"
                "bne    1b"
                : [x] "+&r"(x), [p] "+&r"(p), [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2),
                  [x04] "=&r"(x04), [x15] "=&r"(x15), [x26] "=&r"(x26), [x37] "=&r"(x37),
                  [w] "=&r"(w), [t] "=&r"(t)
                : [s] "r"(s), [end] "r"(end2), [mask] "r"(mask)
                : "cc", "memory");
    }
    if (x != end) {
        __asm__(STEP3
                : [x] "+&r"(x), [p] "+&r"(p), [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2),
                  [x04] "=&r"(x04), [x15] "=&r"(x15), [x26] "=&r"(x26), [x37] "=&r"(x37),
                  [w] "=&r"(w), [t] "=&r"(t)
                : [s] "r"(s), [mask] "r"(mask)
                : "memory");
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
}

/* `blocks` blocks of 3 rows from w on: acc[3b + r] = bias[3b + r] + the dot product of the first
 * 8 * steps weights of row w + (3b + r) * s with the widened inputs xw. */
__attribute__((noinline)) static void dot3(const uint8_t *w, uint32_t s, const uint32_t *xw,
                                           uint32_t steps, const int32_t *bias, int32_t *acc,
                                           uint32_t blocks)
{
    for (; blocks > 0u; --blocks, w += 3u * s, bias += 3, acc += 3) {
        int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2];
        for (uint32_t k = 0; k < steps; k += BLOCK_STEPS) {
            int32_t a[3];
            scaled3(w + 4u * k, s, xw + 4u * k, steps - k < BLOCK_STEPS ? steps - k : BLOCK_STEPS,
                    a);
            a0 += a[0] >> SCALE_SHIFT; /* exact: a multiple of 4096; GCC's >> is arithmetic */
            a1 += a[1] >> SCALE_SHIFT;
            a2 += a[2] >> SCALE_SHIFT;
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
    }
}

/* The dot product of weights i0..n-1 of the row at p with x[i0..n-1]. */
static int32_t tail(const uint8_t *p, const int8_t *x, uint32_t i0, uint32_t n)
{
    int32_t a = 0;
    for (uint32_t i = i0; i < n; ++i) {
        a += s4_weight(p, i) * x[i];
    }
    return a;
}

qmoe_status_t qmoe_fc_w4a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out)
{
    if (qmoe_m4_check(ctx, layer, in, out, QMOE_FMT_S4) != QMOE_OK) {
        return QMOE_ERR_ARG;
    }
    const uint32_t steps = layer->n_in / STEP;
    uint32_t *xw = (uint32_t *)ctx->buf;
    widen(xw, in, steps);
    qmoe_m4_rows(layer, in, out, xw, steps, STEP * steps, 3u, dot3, tail);
    return QMOE_OK;
}

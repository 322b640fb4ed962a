/* qmoe_fc_wt5a8.c (cortex-m4): fully-connected layer, ternary weights at 1.6 bits (QMOE_FMT_T5),
 * int8 activations, by table lookup through the shared layer of m4_lut.h (qmoe_fc_lut.c): one
 * UXTAB, one LDRSH and one ADD per packed byte of 5 weights.
 *
 * A byte holds 5 trits as base-3 digits, byte = sum_k (t_k + 1) * 3^k (docs/packing.md), so a
 * byte is itself the index of a 243-entry table of its dot product with its 5 inputs. Rows start
 * on bytes (row_bytes apart), so byte position j holds inputs 5j..5j+4 in every row: the tables
 * of a block are built once per chunk of up to 640 rows and shared by all of them. The last,
 * partial byte of a row (n_in % 5 trits) is looked up with its inputs and zeros, so its padding
 * digits add nothing. Chunks of few rows build no tables: they add P[b % 9] + V[b / 9] per byte
 * (few_rows()).
 *
 * Table of the inputs x0..x4: entry j + 9 c (j = d0 + 3 d1, c = d2 + 3 d3 + 9 d4, d = t + 1) is
 * P[j] + V[c], P over (x0, x1) and V over (x2, x3, x4). Two rows c, c + 1 (c even: 18 entries,
 * 9 aligned words) take 9 SADD16 of the P pairs (loaded by 2 LDM) with V pairs and 2 STM; 6 rows
 * a loop iteration, about 290 instructions per table in all (the last STM also writes entry 243).
 * The entries from 243 on hold no valid byte's sum (unpack() rejects such bytes). Bit-exact with
 * the reference for valid data. Scratch: qmoe_fc.h. Contract: qmoe_fc.h.
 */
#include "m4_lut.h"
#include "m4_simd.h"
#include "../qmoe_fc_internal.h"

#define TRITS_PER_BYTE 5u

/* Rows c and c + 1 (18 entries from entry 9c, c even: word aligned) at e, e advanced: words
 * (P0 P1) (P2 P3) (P4 P5) (P6 P7) + (VA VA), (P8 P0) + (VA VB), then (P1 P2) (P3 P4) (P5 P6)
 * (P7 P8) + (VB VB); the P words come from pw[0..8] by LDM, and go out by STM. */
/* clang-format off */
#define T5_TWO_ROWS(va, vb)                                                                       \
    "pkhbt  %[m], " va ", " vb ", lsl #16\n\t"                                                     \
    "ldm    %[pw], {r0-r4}\n\t"                                                                  \
    "sadd16 r0, r0, " va "\n\t"                                                                  \
    "sadd16 r1, r1, " va "\n\t"                                                                  \
    "sadd16 r2, r2, " va "\n\t"                                                                  \
    "sadd16 r3, r3, " va "\n\t"                                                                  \
    "sadd16 r4, r4, %[m]\n\t"                                                                    \
    "stmia  %[e]!, {r0-r4}\n\t"                                                                  \
    "add    %[m], %[pw], #20\n\t"                                                                \
    "ldm    %[m], {r0-r3}\n\t"                                                                   \
    "sadd16 r0, r0, " vb "\n\t"                                                                  \
    "sadd16 r1, r1, " vb "\n\t"                                                                  \
    "sadd16 r2, r2, " vb "\n\t"                                                                  \
    "sadd16 r3, r3, " vb "\n\t"                                                                  \
    "stmia  %[e]!, {r0-r3}\n\t"
/* clang-format on */

/* (v, v) as two int16 halves. */
static inline uint32_t pair(int32_t v)
{
    return ((uint32_t)v & 0xFFFFu) | ((uint32_t)v << 16);
}

/* The table of the 5 inputs at x into t (256 int16 entries, 243 of them valid, word aligned):
 * rows c = d2 + 3 d3 + 9 d4 of 9 entries, two at a time (T5_TWO_ROWS), 6 a loop iteration (56
 * instructions per 54 entries), about 290 instructions a table in all. */
static void build_table(uint32_t *t, const int8_t *x)
{
    const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4];
    const int32_t sum = x0 + x1, dif = x0 - x1;
    /* P[d0 + 3 d1] = (d0 - 1) x0 + (d1 - 1) x1: -x0-x1, -x1, x0-x1, -x0, 0, x0, x1-x0, x1, x0+x1 */
    const uint32_t pw[9] = {m4_pkhbt((uint32_t)-sum, (uint32_t)-x1),
                            m4_pkhbt((uint32_t)dif, (uint32_t)-x0),
                            (uint32_t)x0 << 16,
                            m4_pkhbt((uint32_t)-dif, (uint32_t)x1),
                            m4_pkhbt((uint32_t)sum, (uint32_t)-sum),
                            m4_pkhbt((uint32_t)-x1, (uint32_t)dif),
                            m4_pkhbt((uint32_t)-x0, 0u),
                            m4_pkhbt((uint32_t)x0, (uint32_t)-dif),
                            m4_pkhbt((uint32_t)x1, (uint32_t)sum)};
    /* V at d2 = 0 for d3 + 3 d4 = 0..8, as pairs */
    const uint32_t d3 = pair(x3), d4 = pair(x4 - 2 * x3); /* d3 += 1; d3 = 0, d4 += 1 */
    uint32_t vb[9], v = pair(-x2 - x3 - x4);
    vb[0] = v;
    vb[1] = v = m4_sadd16(v, d3);
    vb[2] = v = m4_sadd16(v, d3);
    vb[3] = v = m4_sadd16(v, d4);
    vb[4] = v = m4_sadd16(v, d3);
    vb[5] = v = m4_sadd16(v, d3);
    vb[6] = v = m4_sadd16(v, d4);
    vb[7] = v = m4_sadd16(v, d3);
    vb[8] = m4_sadd16(v, d3);
    const uint32_t *src = vb, *end = vb + 8;
    uint32_t *e = t, w, m;
    /* rows 0..23 by 4 iterations of 6 (V of rows 3k and 3k + 3 from vb), rows 24..26 after; the
     * last STM also writes entry 243 */
    /* clang-format off */
    __asm__ volatile("1:\n\t"
                     "ldr    %[v], [%[src]], #4\n\t"
                     "sadd16 %[w], %[v], %[x2]\n\t"
                     T5_TWO_ROWS("%[v]", "%[w]")
                     "sadd16 %[v], %[w], %[x2]\n\t"
                     "ldr    %[w], [%[src]], #4\n\t"
                     T5_TWO_ROWS("%[v]", "%[w]")
                     "sadd16 %[v], %[w], %[x2]\n\t"
                     "sadd16 %[w], %[v], %[x2]\n\t"
                     T5_TWO_ROWS("%[v]", "%[w]")
                     "cmp    %[src], %[end]\n\t"
                     "bne    1b\n\t"
                     "ldr    %[v], [%[src]]\n\t"
                     "sadd16 %[w], %[v], %[x2]\n\t"
                     T5_TWO_ROWS("%[v]", "%[w]")
                     "sadd16 %[v], %[w], %[x2]\n\t"
                     "ldm    %[pw], {r0-r4}\n\t"
                     "sadd16 r0, r0, %[v]\n\t"
                     "sadd16 r1, r1, %[v]\n\t"
                     "sadd16 r2, r2, %[v]\n\t"
                     "sadd16 r3, r3, %[v]\n\t"
                     "sadd16 r4, r4, %[v]\n\t"
                     "stmia  %[e], {r0-r4}"
                     : [e] "+&r"(e), [src] "+&r"(src), [v] "+&r"(v), [w] "=&r"(w), [m] "=&r"(m)
                     : [end] "r"(end), [x2] "r"(pair(x2)), [pw] "r"(pw)
                     : "r0", "r1", "r2", "r3", "r4", "cc", "memory");
    /* clang-format on */
}

/* The tables of a block (4 bytes per row) cost about 1200 instructions, then a row's 4 bytes
 * about 15; few_rows() costs about 30 per byte position and 15 per row's byte: below this many
 * rows ((1200 - 4 * 30) / (4 * 15 - 15)) few_rows() is faster. */
#define T5_MIN_ROWS 24u

/* Rows per chunk: the tables of a block serve this many rows (qmoe_m4_lut_accumulate() takes
 * any number of rows; its sums are in our scratch, sized by fc_scratch_need()). */
#define T5_CHUNK_ROWS QMOE_FC_LUT_ROWS

static const qmoe_m4_lut_format_t T5 = {TRITS_PER_BYTE, 0u, NULL, build_table};

/* pv[0..8] = the 9 sums P[d0 + 3 d1] over (x0, x1), pv[9..35] = the 27 sums V[d2 + 3 d3 + 9 d4]
 * over (x2, x3, x4) (d = trit + 1), so byte b's dot product is pv[b % 9] + pv[9 + b / 9]. */
static void pv_sums(int32_t *pv, const int8_t *x)
{
    const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4];
    for (int32_t t1 = -x1, k1 = 0; k1 < 3; ++k1, t1 += x1, pv += 3) {
        pv[0] = t1 - x0;
        pv[1] = t1;
        pv[2] = t1 + x0;
    }
    for (int32_t t4 = -x4, k4 = 0; k4 < 3; ++k4, t4 += x4) {
        for (int32_t t3 = t4 - x3, k3 = 0; k3 < 3; ++k3, t3 += x3, pv += 3) {
            pv[0] = t3 - x2;
            pv[1] = t3;
            pv[2] = t3 + x2;
        }
    }
}

/* The 5 inputs of byte position k of rows of n inputs: x + 5k, or buf filled with those of
 * x[5k..n-1] that exist and zeros (so a padding digit, or a position past the row, adds 0). */
static const int8_t *position_inputs(const int8_t *x, uint32_t n, uint32_t k, int8_t *buf)
{
    const uint32_t i0 = TRITS_PER_BYTE * k;
    if (i0 + TRITS_PER_BYTE <= n) {
        return x + i0;
    }
    for (uint32_t i = 0; i < TRITS_PER_BYTE; ++i) {
        buf[i] = i0 + i < n ? x[i0 + i] : 0;
    }
    return buf;
}

/* acc[r] += dot product of row r (its ceil(n / 5) bytes at w + r * s) with x[0..n-1], for few
 * rows, two byte positions a pass: their sums by pv_sums() into a[0..35] and a[36..71] (in the
 * scratch the tables would use), then per row and byte c a[c - 9 (c / 9)] + a[9 + c / 9], c / 9
 * as (c * 57) >> 9 (exact for c < 243). An odd last position pairs with the sums of zero inputs
 * (all 0), indexed by its own byte again. */
static __attribute__((noinline)) void few_rows(const uint8_t *w, uint32_t s, const int8_t *x,
                                               uint32_t n, int32_t *acc, uint32_t rows, int32_t *a)
{
    const int32_t *av = a + 9, *b = a + 36, *bv = a + 45;
    const uint32_t bytes = (n + TRITS_PER_BYTE - 1u) / TRITS_PER_BYTE;
    for (uint32_t j = 0; j < bytes; j += 2u) {
        const uint32_t off = j + 1u < bytes ? 1u : 0u;
        int8_t buf[TRITS_PER_BYTE];
        pv_sums(a, position_inputs(x, n, j, buf));
        pv_sums(a + 36, position_inputs(x, n, j + 1u, buf));
        const uint8_t *q = w + j;
        for (int32_t *r = acc, *end = acc + rows; r != end; ++r, q += s) {
            const uint32_t c0 = q[0], c1 = q[off];
            const uint32_t h0 = (c0 * 57u) >> 9, h1 = (c1 * 57u) >> 9;
            *r += a[c0 - 9u * h0] + av[h0] + b[c1 - 9u * h1] + bv[h1];
        }
    }
}

qmoe_status_t qmoe_fc_wt5a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            void *out)
{
    const qmoe_status_t status = qmoe_m4_check(ctx, layer, in, out, QMOE_FMT_T5);
    if (status != QMOE_OK || layer->n_out == 0u) {
        return status;
    }
    uint32_t *tables = (uint32_t *)ctx->buf;
    int32_t *acc = (int32_t *)(void *)(tables + QMOE_M4_LUT_GROUPS * QMOE_M4_LUT_TABLE_WORDS);
    const uint32_t n = layer->n_in, n_out = layer->n_out, s = layer->row_bytes;
    for (uint32_t o = 0; o < n_out; o += T5_CHUNK_ROWS) {
        const uint32_t left = n_out - o;
        const uint32_t rows = left < T5_CHUNK_ROWS ? left : T5_CHUNK_ROWS;
        const uint8_t *w = fc_row(layer, o);
        for (uint32_t r = 0; r < rows; ++r) {
            acc[r] = layer->bias[o + r];
        }
        if (rows < T5_MIN_ROWS) {
            few_rows(w, s, in, n, acc, rows, (int32_t *)(void *)tables);
        } else {
            qmoe_m4_lut_accumulate(w, s, in, n, acc, rows, &T5, tables);
        }
        qmoe_m4_store_rows(layer, out, o, acc, rows);
    }
    return QMOE_OK;
}

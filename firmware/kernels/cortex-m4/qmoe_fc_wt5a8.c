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
 * P[j] + V[c], P over (x0, x1) and V over (x2, x3, x4); 9 entries per c with 5 SADD16 and 5 word
 * stores (unaligned where 9 c is odd; the fifth also writes entry 9 c + 9, rewritten next), all
 * 27 values of c in one assembly loop, about 390 instructions per table in all. The
 * entries from 243 on hold no valid byte's sum (unpack() rejects such bytes). Bit-exact with the
 * reference for valid data. Scratch: qmoe_fc.h. Contract: qmoe_fc.h.
 */
#include "m4_lut.h"
#include "m4_simd.h"
#include "../qmoe_fc_internal.h"

#define TRITS_PER_BYTE 5u

/* The 9 entries j + 9c (j = 0..8) at byte offset OFF of e: P[j] + v, 5 SADD16 and 5 word
 * stores; the fifth also writes entry 9c + 9, rewritten next. */
/* clang-format off */
#define T5_ROW(off)                                                                               \
    "sadd16 %[r], %[p0], %[v]\n\t"                                                               \
    "str    %[r], [%[e], #" #off "]\n\t"                                                         \
    "sadd16 %[r], %[p1], %[v]\n\t"                                                               \
    "str    %[r], [%[e], #" #off " + 4]\n\t"                                                     \
    "sadd16 %[r], %[p2], %[v]\n\t"                                                               \
    "str    %[r], [%[e], #" #off " + 8]\n\t"                                                     \
    "sadd16 %[r], %[p3], %[v]\n\t"                                                               \
    "str    %[r], [%[e], #" #off " + 12]\n\t"                                                    \
    "sadd16 %[r], %[p4], %[v]\n\t"                                                               \
    "str    %[r], [%[e], #" #off " + 16]\n\t"
/* clang-format on */

/* (v, v) as two int16 halves. */
static inline uint32_t pair(int32_t v)
{
    return ((uint32_t)v & 0xFFFFu) | ((uint32_t)v << 16);
}

/* The table of the 5 inputs at x into t (256 int16 entries, 243 of them valid): one loop of 36
 * instructions per 27 entries (3 rows of 9 sharing d3 and d4). */
static void build_table(uint32_t *t, const int8_t *x)
{
    const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4];
    const int32_t sum = x0 + x1, dif = x0 - x1;
    /* P[d0 + 3 d1] = (d0 - 1) x0 + (d1 - 1) x1: -x0-x1, -x1, x0-x1, -x0, 0, x0, x1-x0, x1, x0+x1 */
    const uint32_t p0 = m4_pkhbt((uint32_t)-sum, (uint32_t)-x1);
    const uint32_t p1 = m4_pkhbt((uint32_t)dif, (uint32_t)-x0);
    const uint32_t p2 = (uint32_t)x0 << 16, p3 = m4_pkhbt((uint32_t)-dif, (uint32_t)x1);
    const uint32_t p4 = (uint32_t)sum;
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
    const uint32_t *src = vb, *end = vb + 9;
    uint8_t *e = (uint8_t *)t;
    uint32_t r;
    /* clang-format off */
    __asm__ volatile("1:\n\t"
                     "ldr    %[v], [%[src]], #4\n\t"
                     T5_ROW(0)
                     "sadd16 %[v], %[v], %[x2]\n\t"
                     T5_ROW(18)
                     "sadd16 %[v], %[v], %[x2]\n\t"
                     T5_ROW(36)
                     "add    %[e], %[e], #54\n\t"
                     "cmp    %[src], %[end]\n\t"
                     "bne    1b"
                     : [e] "+&r"(e), [src] "+&r"(src), [v] "=&r"(v), [r] "=&r"(r)
                     : [end] "r"(end), [x2] "r"(pair(x2)), [p0] "r"(p0), [p1] "r"(p1),
                       [p2] "r"(p2), [p3] "r"(p3), [p4] "r"(p4)
                     : "cc", "memory");
    /* clang-format on */
}

/* The tables of a block (4 bytes per row) cost about 1600 instructions; a row's byte then costs
 * under 4 against about 15 in few_rows() (after some 30 per byte position for its sums): below
 * this many rows few_rows() is faster (128 -> 64 with 64 rows: 2.9 against 4.3 per MAC). */
#define T5_MIN_ROWS 30u

/* Rows per chunk: the tables of a block serve this many rows (qmoe_m4_lut_accumulate() takes
 * any number of rows; its sums are in our scratch, sized by fc_scratch_need()). */
#define T5_CHUNK_ROWS QMOE_FC_T5_CHUNK_ROWS

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
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_T5);
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
        for (uint32_t r = 0; r < rows; ++r) {
            fc_store(layer, out, o + r, acc[r]);
        }
    }
    return QMOE_OK;
}

/* qmoe_fc_wt5a8.c (cortex-m4): fully-connected layer, ternary weights at 1.6 bits (QMOE_FMT_T5),
 * int8 activations, by table lookup through the shared layer of m4_lut.h (qmoe_fc_lut.c): one
 * UXTAB, one LDRSH and one ADD per packed byte of 5 weights.
 *
 * A byte holds 5 trits as base-3 digits, byte = sum_k (t_k + 1) * 3^k (docs/packing.md), so a
 * byte is itself the index of a 243-entry table of its dot product with its 5 inputs. Rows start
 * on bytes (row_bytes apart), so byte position j holds inputs 5j..5j+4 in every row: the tables
 * of a block are built once per chunk of rows and shared by all of them. The last, partial byte
 * of a row (n_in % 5 trits) goes through a table of its inputs and zeros, so its padding digits
 * add nothing; chunks of few rows add P[b % 9] + V[b / 9] per byte instead (few_rows()).
 *
 * Table of the inputs x0..x4: entry j + 9 c (j = d0 + 3 d1, c = d2 + 3 d3 + 9 d4, d = t + 1) is
 * P[j] + V[c], P over (x0, x1) and V over (x2, x3, x4); 9 entries per c with 5 SADD16 and 5 word
 * stores (unaligned where 9 c is odd; the fifth also writes entry 9 c + 9, rewritten next). The
 * entries from 243 on hold no valid byte's sum (unpack() rejects such bytes). Bit-exact with the
 * reference for valid data. Scratch: qmoe_fc.h. Contract: qmoe_fc.h.
 */
#include "m4_lut.h"
#include "m4_simd.h"
#include "../qmoe_fc_internal.h"

#define TRITS_PER_BYTE 5u

/* b / 3, exact for every b < 256. */
static inline uint32_t div3(uint32_t b)
{
    return (b * 171u) >> 9;
}

/* Dot product of the first n (<= 5) digits of byte b with x[0..n-1]. */
static int32_t byte_dot(uint32_t b, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    for (uint32_t k = 0; k < n; ++k) {
        const uint32_t q = div3(b);
        sum += ((int32_t)(b - 3u * q) - 1) * x[k];
        b = q;
    }
    return sum;
}

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
    int32_t q[9];
    for (int32_t d1 = 0; d1 < 3; ++d1) {
        for (int32_t d0 = 0; d0 < 3; ++d0) {
            q[d0 + 3 * d1] = (d0 - 1) * x0 + (d1 - 1) * x1;
        }
    }
    uint32_t p[5];
    for (uint32_t k = 0; k < 4u; ++k) {
        p[k] = ((uint32_t)q[2u * k] & 0xFFFFu) | ((uint32_t)q[2u * k + 1u] << 16);
    }
    p[4] = (uint32_t)q[8] & 0xFFFFu;
    uint32_t vb[9], *w = vb; /* V at d2 = 0 for d3 + 3 d4 = 0..8, as pairs */
    for (int32_t v4 = -x4 - x3 - x2, k4 = 0; k4 < 3; ++k4, v4 += x4) {
        for (int32_t v = v4, k3 = 0; k3 < 3; ++k3, v += x3) {
            *w++ = pair(v);
        }
    }
    const uint32_t *src = vb, *end = vb + 9;
    uint8_t *e = (uint8_t *)t;
    uint32_t v, r;
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
                     : [end] "r"(end), [x2] "r"(pair(x2)), [p0] "r"(p[0]), [p1] "r"(p[1]),
                       [p2] "r"(p[2]), [p3] "r"(p[3]), [p4] "r"(p[4])
                     : "cc", "memory");
    /* clang-format on */
}

/* The tables of a block (4 bytes per row) cost about 1800 instructions and save about 21 per
 * row and block over few_rows(): below this many rows, few_rows() is faster. */
#define T5_MIN_ROWS 74u

/* Rows per chunk: the tables of a block serve this many rows (qmoe_m4_lut_accumulate() takes
 * any number of rows; its sums are in our scratch, sized by fc_scratch_need()). */
#define T5_CHUNK_ROWS QMOE_FC_T5_CHUNK_ROWS

static const qmoe_m4_lut_format_t T5 = {TRITS_PER_BYTE, 0u, NULL, build_table};

/* acc[r] += dot product of `whole` bytes of row r (at w + r * s) with x[0..5 whole - 1], for
 * few rows: per byte position the 9 sums P over (x0, x1) and the 27 sums V over (x2, x3, x4),
 * then per row's byte b: P[b % 9] + V[b / 9], b / 9 as (b * 57) >> 9 (exact for b < 243). */
static void few_rows(const uint8_t *w, uint32_t s, const int8_t *x, uint32_t whole, int32_t *acc,
                     uint32_t rows)
{
    for (uint32_t j = 0; j < whole; ++j, x += TRITS_PER_BYTE) {
        const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4];
        int32_t p[9], v[27], *pp = p, *vv = v;
        for (int32_t t1 = -x1, k1 = 0; k1 < 3; ++k1, t1 += x1, pp += 3) {
            pp[0] = t1 - x0;
            pp[1] = t1;
            pp[2] = t1 + x0;
        }
        for (int32_t t4 = -x4, k4 = 0; k4 < 3; ++k4, t4 += x4) {
            for (int32_t t3 = t4 - x3, k3 = 0; k3 < 3; ++k3, t3 += x3, vv += 3) {
                vv[0] = t3 - x2;
                vv[1] = t3;
                vv[2] = t3 + x2;
            }
        }
        const uint8_t *b = w + j;
        for (uint32_t r = 0; r < rows; ++r, b += s) {
            const uint32_t c = *b, hi = (c * 57u) >> 9;
            acc[r] += p[c - 9u * hi] + v[hi];
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
    const uint32_t whole = n / TRITS_PER_BYTE, rest = n % TRITS_PER_BYTE;
    for (uint32_t o = 0; o < n_out; o += T5_CHUNK_ROWS) {
        const uint32_t left = n_out - o;
        const uint32_t rows = left < T5_CHUNK_ROWS ? left : T5_CHUNK_ROWS;
        const uint8_t *w = fc_row(layer, o);
        for (uint32_t r = 0; r < rows; ++r) {
            acc[r] = layer->bias[o + r];
        }
        if (rows < T5_MIN_ROWS) {
            if (rest != 0u) {
                for (uint32_t r = 0; r < rows; ++r) {
                    acc[r] += byte_dot(w[r * s + whole], in + TRITS_PER_BYTE * whole, rest);
                }
            }
            few_rows(w, s, in, whole, acc, rows);
        } else {
            qmoe_m4_lut_accumulate(w, s, in, n, acc, rows, &T5, tables);
        }
        for (uint32_t r = 0; r < rows; ++r) {
            fc_store(layer, out, o + r, acc[r]);
        }
    }
    return QMOE_OK;
}

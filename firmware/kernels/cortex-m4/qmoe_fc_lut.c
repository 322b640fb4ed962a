/* qmoe_fc_lut.c (cortex-m4): the table-lookup layer shared by the s1, s2 and t2 kernels of the
 * cortex-m4 variant. Interface, memory and table layout: m4_lut.h; description: docs/kernels.md.
 *
 * Per block of 4 * per_byte inputs: build the 4 tables, then for every row of the chunk add the
 * entries of its 4 bytes (one word) to its accumulator. Four rows per loop iteration take 59
 * instructions for 16 bytes (64 MACs at 4 weights a byte, 128 at 8): 2 LDRD/STRD pairs for the
 * accumulators, 4 word loads (at p, p + s, p + 2s, p + 3s), per byte UXTB/UXTAB for the index,
 * LDRSH and ADD, one row step, compare and branch. An odd last row and the last partial block
 * (n_in % (4 * per_byte), built with the missing inputs as 0) are read byte by byte, so no byte
 * past a row's data is read.
 * Chunks of fewer than the format's min_rows rows build no tables: per byte position they form
 * the 16 + 16 partial sums P, Q once and add P[b & 15] + Q[b >> 4] for each row's byte b.
 */
#include "m4_lut.h"

#include "../qmoe_fc_internal.h"

#define GROUPS QMOE_M4_LUT_GROUPS
#define TABLE_WORDS QMOE_M4_LUT_TABLE_WORDS
#define CHUNK_ROWS QMOE_FC_LUT_ROWS /* rows whose sums are kept (s1, s2, t2) */
#define MAX_BLOCK (8u * GROUPS)     /* inputs per block with 8 weights per byte */

/* Entry b of the table whose words start at t. */
static inline int32_t entry(const uint32_t *t, uint32_t b)
{
    return (int16_t)(uint16_t)(t[b >> 1] >> (16u * (b & 1u)));
}

/* a += the 4 table entries of the bytes of the word at ADDR (an addressing mode). */
/* clang-format off */
#define ROW_WORD(a, addr)                                                                         \
    "ldr    %[w], " addr "\n\t"                                                                  \
    "uxtb   %[i], %[w]\n\t"                                                                      \
    "ldrsh  %[v], [%[t], %[i], lsl #1]\n\t"                                                      \
    "add    %[" a "], %[" a "], %[v]\n\t"                                                        \
    "uxtab  %[i], %[k1], %[w], ror #8\n\t"                                                       \
    "ldrsh  %[v], [%[t], %[i], lsl #1]\n\t"                                                      \
    "add    %[" a "], %[" a "], %[v]\n\t"                                                        \
    "uxtab  %[i], %[k2], %[w], ror #16\n\t"                                                      \
    "ldrsh  %[v], [%[t], %[i], lsl #1]\n\t"                                                      \
    "add    %[" a "], %[" a "], %[v]\n\t"                                                        \
    "uxtab  %[i], %[k3], %[w], ror #24\n\t"                                                      \
    "ldrsh  %[v], [%[t], %[i], lsl #1]\n\t"                                                      \
    "add    %[" a "], %[" a "], %[v]\n\t"
/* clang-format on */

/* acc[r] += the block's dot product of row r (its word at p + r * s), for `rows` rows (even,
 * >= 2), four per iteration: 59 instructions for 16 bytes (64 MACs at 4 weights a byte). With
 * rows % 4 == 2 the loop starts at its second half (rows 2 and 3 of a group, p moved back by
 * 2s); `rows` then becomes 3s. */
static void lookup_rows(const uint32_t *t, const uint8_t *p, uint32_t s, int32_t *acc,
                        uint32_t rows)
{
    const int32_t *end = acc + rows;
    const uint32_t k1 = 256u, k2 = 512u, k3 = 768u; /* table k starts at entry 256 * k */
    int32_t a0, a1;
    uint32_t w, i, v;

    /* clang-format off */
    __asm__ volatile(
        "tst    %[s3], #2\n\t"
        "add    %[s3], %[s], %[s], lsl #1\n\t"
        "beq    1f\n\t"
        "sub    %[p], %[p], %[s], lsl #1\n\t"
        "b      2f\n"
        "1:\n\t"
        "ldrd   %[a0], %[a1], [%[acc]]\n\t"
        ROW_WORD("a0", "[%[p]]")
        ROW_WORD("a1", "[%[p], %[s]]")
        "strd   %[a0], %[a1], [%[acc]], #8\n"
        "2:\n\t"
        "ldrd   %[a0], %[a1], [%[acc]]\n\t"
        ROW_WORD("a0", "[%[p], %[s], lsl #1]")
        ROW_WORD("a1", "[%[p], %[s3]]")
        "add    %[p], %[p], %[s], lsl #2\n\t"
        "strd   %[a0], %[a1], [%[acc]], #8\n\t"
        "cmp    %[acc], %[end]\n\t"
        "bne    1b"
        : [acc] "+&r"(acc), [p] "+&r"(p), [s3] "+&r"(rows), [a0] "=&r"(a0), [a1] "=&r"(a1),
          [w] "=&r"(w), [i] "=&r"(i), [v] "=&r"(v)
        : [t] "r"(t), [s] "r"(s), [end] "r"(end), [k1] "r"(k1), [k2] "r"(k2), [k3] "r"(k3)
        : "cc", "memory");
    /* clang-format on */
}

/* acc[r] += the dot product of the block's first `bytes` bytes of row r (at p + r * s). */
static void lookup_bytes(const uint32_t *t, const uint8_t *p, uint32_t s, int32_t *acc,
                         uint32_t rows, uint32_t bytes)
{
    for (uint32_t r = 0; r < rows; ++r, p += s) {
        int32_t a = acc[r];
        for (uint32_t j = 0; j < bytes; ++j) {
            a += entry(t + 128u * j, p[j]);
        }
        acc[r] = a;
    }
}

/* The inputs of the block at x, m of them, as a pointer to `want` inputs: x itself if m >= want,
 * else `padded` holding x[0..m-1] and zeros. */
static const int8_t *block_inputs(const int8_t *x, uint32_t m, uint32_t want, int8_t *padded)
{
    if (m >= want) {
        return x;
    }
    for (uint32_t i = 0; i < want; ++i) {
        padded[i] = i < m ? x[i] : 0;
    }
    return padded;
}

/* The first `count` tables of the block x (count * per_byte inputs). */
static void build_tables(uint32_t *t, const int8_t *x, const qmoe_m4_lut_format_t *f,
                         uint32_t count)
{
    for (uint32_t g = 0; g < count; ++g, t += TABLE_WORDS, x += f->per_byte) {
        if (f->table != NULL) {
            f->table(t, x);
        } else {
            uint32_t pw[8], qw[8];
            f->pq(pw, qw, x);
            qmoe_m4_table_words(t, pw, qw);
        }
    }
}

/* acc[r] += row r's dot product (row r at w + r * s) through p and q, one byte position at a
 * time: for chunks too short to pay for tables. */
static void few_rows(const uint8_t *w, uint32_t s, const int8_t *in, uint32_t n, int32_t *acc,
                     uint32_t rows, const qmoe_m4_lut_format_t *f)
{
    const uint32_t pb = f->per_byte, bytes = (n + pb - 1u) / pb;
    int8_t padded[MAX_BLOCK];
    for (uint32_t j = 0; j < bytes; ++j) {
        uint32_t pw[8], qw[8];
        f->pq(pw, qw, block_inputs(in + pb * j, n - pb * j, pb, padded));
        const uint8_t *b = w + j;
        for (uint32_t r = 0; r < rows; ++r, b += s) {
            acc[r] += entry(pw, *b & 15u) + entry(qw, *b >> 4);
        }
    }
}

void qmoe_m4_lut_accumulate(const uint8_t *w, uint32_t s, const int8_t *in, uint32_t n,
                            int32_t *acc, uint32_t rows, const qmoe_m4_lut_format_t *format,
                            uint32_t *tables)
{
    int8_t padded[MAX_BLOCK];
    const uint32_t pb = format->per_byte, block = GROUPS * pb, blocks = n / block;
    const uint32_t tail = n % block, bytes = (tail + pb - 1u) / pb;
    const uint32_t even = rows & ~1u;
    if (rows < format->min_rows) {
        few_rows(w, s, in, n, acc, rows, format);
        return;
    }
    for (uint32_t b = 0; b < blocks; ++b) {
        build_tables(tables, in + block * b, format, GROUPS);
        if (even > 0u) {
            lookup_rows(tables, w + GROUPS * b, s, acc, even);
        }
        lookup_bytes(tables, w + GROUPS * b + even * s, s, acc + even, rows - even, GROUPS);
    }
    if (tail != 0u) {
        build_tables(tables, block_inputs(in + block * blocks, tail, pb * bytes, padded), format,
                     bytes);
        lookup_bytes(tables, w + GROUPS * blocks, s, acc, rows, bytes);
    }
}

void qmoe_m4_lut_fc(const qmoe_fc_t *layer, const int8_t *in, void *out,
                    const qmoe_m4_lut_format_t *format, const qmoe_fc_ctx_t *ctx)
{
    if (layer->n_out == 0u) { /* the only case where ctx may be NULL (no scratch needed) */
        return;
    }
    uint32_t *tables = (uint32_t *)ctx->buf;
    int32_t *acc = (int32_t *)(void *)(tables + GROUPS * TABLE_WORDS);
    for (uint32_t o = 0; o < layer->n_out; o += CHUNK_ROWS) {
        const uint32_t left = layer->n_out - o, rows = left < CHUNK_ROWS ? left : CHUNK_ROWS;
        for (uint32_t r = 0; r < rows; ++r) {
            acc[r] = layer->bias[o + r];
        }
        qmoe_m4_lut_accumulate(fc_row(layer, o), layer->row_bytes, in, layer->n_in, acc, rows,
                               format, tables);
        qmoe_m4_store_rows(layer, out, o, acc, rows);
    }
}

/* One hi value's 16 entries: the 8 words of P pairs plus q = (Q[hi], Q[hi]) from the halfword at
 * qs (Q[hi] in its low half), 32 bytes. */
/* clang-format off */
#define PQ_ROW                                                                                    \
    "ldrh   %[q], [%[qs]], #2\n\t"                                                              \
    "pkhbt  %[q], %[q], %[q], lsl #16\n\t"                                                       \
    "sadd16 %[ra], %[p0], %[q]\n\t"                                                              \
    "sadd16 %[rb], %[p1], %[q]\n\t"                                                              \
    "strd   %[ra], %[rb], [%[t]], #8\n\t"                                                        \
    "sadd16 %[ra], %[p2], %[q]\n\t"                                                              \
    "sadd16 %[rb], %[p3], %[q]\n\t"                                                              \
    "strd   %[ra], %[rb], [%[t]], #8\n\t"                                                        \
    "sadd16 %[ra], %[p4], %[q]\n\t"                                                              \
    "sadd16 %[rb], %[p5], %[q]\n\t"                                                              \
    "strd   %[ra], %[rb], [%[t]], #8\n\t"                                                        \
    "sadd16 %[ra], %[p6], %[q]\n\t"                                                              \
    "sadd16 %[rb], %[p7], %[q]\n\t"                                                              \
    "strd   %[ra], %[rb], [%[t]], #8\n\t"
/* clang-format on */

void qmoe_m4_table_words(uint32_t *table, const uint32_t pw[8], const uint32_t qw[8])
{
    const uint8_t *qs = (const uint8_t *)qw, *end = qs + 32;
    uint32_t *t = table;
    uint32_t qv, ra, rb;
    /* clang-format off */
    __asm__ volatile("1:\n\t" PQ_ROW PQ_ROW
                     "cmp    %[qs], %[end]\n\t"
                     "bne    1b"
                     : [t] "+&r"(t), [qs] "+&r"(qs), [q] "=&r"(qv), [ra] "=&r"(ra), [rb] "=&r"(rb)
                     : [end] "r"(end), [p0] "r"(pw[0]), [p1] "r"(pw[1]), [p2] "r"(pw[2]),
                       [p3] "r"(pw[3]), [p4] "r"(pw[4]), [p5] "r"(pw[5]), [p6] "r"(pw[6]),
                       [p7] "r"(pw[7])
                     : "cc", "memory");
    /* clang-format on */
}

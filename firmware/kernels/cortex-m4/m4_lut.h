/* m4_lut.h: table-lookup fully-connected layers for the cortex-m4 variant (not a public header;
 * qmoe_fc_lut.c implements it, docs/kernels.md describes it).
 *
 * For weight formats whose byte holds the weights of `per_byte` consecutive inputs (s1: 8; s2,
 * t2: 4), a 256-entry int16 table per byte position holds, at index b, the dot product of byte b's
 * weights with those inputs; a row then costs one table lookup and one add per byte. The tables of
 * QMOE_M4_LUT_GROUPS byte positions (one 32-bit word of each row) are built at a time and used by
 * up to QMOE_FC_LUT_ROWS rows (640), whose int32
 * accumulators are kept in an array meanwhile.
 *
 * Memory: QMOE_M4_LUT_GROUPS * 512 = 2048 bytes of tables, then the int32 accumulators of up to
 * that many rows, in the caller's scratch (qmoe_fc_scratch_size(), qmoe_fc.h);
 * under 300 bytes of stack. No static or heap memory.
 */
#ifndef QMOE_M4_LUT_H
#define QMOE_M4_LUT_H

#include <stdint.h>

#include "m4_channels.h"
#include "qmoe_fc.h"
#include "../qmoe_fc_internal.h"

#define QMOE_M4_LUT_GROUPS 4u        /* tables per block: one per byte of a row's word */
#define QMOE_M4_LUT_TABLE_WORDS 128u /* 256 int16 entries, two per word, entry 2k low half */

/* Builds the table of the `per_byte` inputs at x (any alignment) into table[0..127]: entry b =
 * the dot product of the weights that byte b encodes with x[0..per_byte-1]. */
typedef void (*qmoe_m4_table_fn)(uint32_t *table, const int8_t *x);

/* The partial sums of the `per_byte` inputs at x as pair words, pw[k] = (P[2k], P[2k + 1]) and
 * qw[j] = (Q[2j], Q[2j + 1]), the even index in the low half: entry b of the table is
 * P[b & 15] + Q[b >> 4] (for every byte b with valid codes). */
typedef void (*qmoe_m4_pq_fn)(uint32_t pw[8], uint32_t qw[8], const int8_t *x);

/* A weight format as the table-lookup layer sees it. */
typedef struct {
    uint32_t per_byte;      /* weights (consecutive inputs) per byte: 4, 5 (t5) or 8 */
    uint32_t min_rows;      /* below this many rows, look P and Q up directly (no tables) */
    qmoe_m4_pq_fn pq;       /* the partial sums of one byte position */
    qmoe_m4_table_fn table; /* the table builder, or NULL: pq then qmoe_m4_table_words() */
} qmoe_m4_lut_format_t;

/* out = the layer applied to `in` (arguments, scratch included, already checked by the kernel;
 * tables and sums in ctx->buf): bias plus, per row, the table entries of its bytes; then
 * requantized and stored by qmoe_m4_store_rows(). A chunk of fewer than min_rows rows skips the
 * tables and adds p[b & 15] + q[b >> 4] per byte b instead, which costs more per byte but builds
 * nothing. */
void qmoe_m4_lut_fc(const qmoe_fc_t *layer, const int8_t *in, void *out,
                    const qmoe_m4_lut_format_t *format, const qmoe_fc_ctx_t *ctx);

typedef char qmoe_m4_lut_assert_scratch
    [QMOE_M4_LUT_GROUPS * QMOE_M4_LUT_TABLE_WORDS * 4u == QMOE_FC_LUT_TABLE_BYTES ? 1 : -1];

/* acc[r] += the dot product of row r (its bytes at w + r * s) with in[0..n-1], for r < rows
 * (as many as the scratch holds), through tables built in `tables` (QMOE_FC_LUT_TABLE_BYTES,
 * word aligned); n need not fill the last byte (the missing inputs count as 0). */
void qmoe_m4_lut_accumulate(const uint8_t *w, uint32_t s, const int8_t *in, uint32_t n,
                            int32_t *acc, uint32_t rows, const qmoe_m4_lut_format_t *format,
                            uint32_t *tables);

/* table[lo + 16 * hi] = P[lo] + Q[hi] for lo, hi in 0..15 (all 256 entries, two per SADD16),
 * from the pair words pw[k] = (P[2k], P[2k + 1]) and qw[j] = (Q[2j], Q[2j + 1]) (the even index
 * in the low half; |P| + |Q| must fit int16). 14 instructions per 16 entries. */
void qmoe_m4_table_words(uint32_t *table, const uint32_t pw[8], const uint32_t qw[8]);

#endif /* QMOE_M4_LUT_H */

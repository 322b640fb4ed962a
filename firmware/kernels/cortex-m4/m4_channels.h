/* m4_channels.h: the per-channel work shared by the cortex-m4 SMLAD kernels (w4a8, w8a8, w16a8;
 * not a public header), also used by the table-lookup kernels (s1, s2, t2, t5): checking the
 * channels' shift and multiplier, and requantizing and storing rows. One copy in
 * cortex-m4/qmoe_fc_channels.c. */
#ifndef QMOE_M4_CHANNELS_H
#define QMOE_M4_CHANNELS_H

#include <stdint.h>

#include "qmoe_fc.h"

/* fc_check(), with the channels checked by qmoe_m4_check_channels(): QMOE_OK or QMOE_ERR_ARG. */
qmoe_status_t qmoe_m4_check(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            const void *out, uint8_t format);

/* fc_check()'s channel rule, 4 channels per step: QMOE_ERR_ARG if any channel's shift is outside
 * [1, 62] or its multiplier is negative, else QMOE_OK. Reads shift[] and mult[] once. */
qmoe_status_t qmoe_m4_check_channels(const qmoe_fc_t *layer);

/* Outputs o .. o + n - 1 from the accumulators acc[0 .. n-1], each as fc_store() writes it
 * (fc_requantize_clamp(), then int8 or int16); the clamp range and output width are read once. */
void qmoe_m4_store_rows(const qmoe_fc_t *layer, void *out, uint32_t o, const int32_t *acc,
                        uint32_t n);

/* `blocks` blocks of rows from w on (rows of `row_bytes` bytes): acc[k] = bias[k] + the dot
 * product of row k's first `done` weights with the inputs, which the kernel has prepared as xw
 * (`units` groups of them). */
typedef void (*qmoe_m4_blocks_fn)(const uint8_t *w, uint32_t row_bytes, const uint32_t *xw,
                                  uint32_t units, const int32_t *bias, int32_t *acc,
                                  uint32_t blocks);

/* The dot product of weights i0..n-1 of the row at w with in[i0..n-1], one by one. */
typedef int32_t (*qmoe_m4_tail_fn)(const uint8_t *w, const int8_t *in, uint32_t i0, uint32_t n);

/* The row loop of the SMLAD kernels, arguments already checked: blocks of `block` (3 or 4) rows
 * through `blocks` (up to 32 rows per call, into a stack array), inputs done..n_in-1 of each row
 * through `tail`, then one qmoe_m4_store_rows() per call. When n_out is not a multiple of
 * `block`, the last block is the last `block` rows (some computed and stored twice, the same
 * values); a layer of fewer than `block` rows goes through `tail` alone. */
void qmoe_m4_rows(const qmoe_fc_t *layer, const int8_t *in, void *out, const uint32_t *xw,
                  uint32_t units, uint32_t done, uint32_t block, qmoe_m4_blocks_fn blocks,
                  qmoe_m4_tail_fn tail);

#endif /* QMOE_M4_CHANNELS_H */

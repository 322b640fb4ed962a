/* m4_channels.h: the per-channel work shared by the cortex-m4 SMLAD kernels (w4a8, w8a8, w16a8;
 * not a public header): checking the channels' shift and multiplier, and requantizing and
 * storing rows. One copy in cortex-m4/qmoe_fc_channels.c. */
#ifndef QMOE_M4_CHANNELS_H
#define QMOE_M4_CHANNELS_H

#include <stdint.h>

#include "qmoe_fc.h"

/* fc_check()'s channel rule, 4 channels per step: QMOE_ERR_ARG if any channel's shift is outside
 * [1, 62] or its multiplier is negative, else QMOE_OK. Reads shift[] and mult[] once. */
qmoe_status_t qmoe_m4_check_channels(const qmoe_fc_t *layer);

/* Outputs o .. o + n - 1 from the accumulators acc[0 .. n-1], each as fc_store() writes it
 * (fc_requantize_clamp(), then int8 or int16); the clamp range and output width are read once. */
void qmoe_m4_store_rows(const qmoe_fc_t *layer, void *out, uint32_t o, const int32_t *acc,
                        uint32_t n);

#endif /* QMOE_M4_CHANNELS_H */

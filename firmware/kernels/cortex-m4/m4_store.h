/* m4_store.h: the row store shared by the cortex-m4 SMLAD kernels (not a public header). */
#ifndef QMOE_M4_STORE_H
#define QMOE_M4_STORE_H

#include <stdint.h>

#include "qmoe_fc.h"

/* Outputs o .. o + n - 1 from the accumulators acc[0 .. n-1], each as fc_store() writes it
 * (fc_requantize_clamp(), then int8 or int16); the clamp range and output width are read once. */
void qmoe_m4_store_rows(const qmoe_fc_t *layer, void *out, uint32_t o, const int32_t *acc,
                        uint32_t n);

#endif /* QMOE_M4_STORE_H */

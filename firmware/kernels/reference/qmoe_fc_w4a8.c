/* qmoe_fc_w4a8.c: fully-connected layer, 4-bit weights (QMOE_FMT_S4), int8 activations.
 *
 * Reference kernel. Two weights per byte, the first in the low nibble ([1, 2, 3, 4] is stored
 * as 0x21 0x43); a row of odd length ends with a zero high nibble, which is never read.
 * Contract: qmoe_fc.h; bit order: docs/packing.md.
 */
#include "../qmoe_fc_internal.h"

/* A 4-bit two's complement code (0..15) as -8..7. */
static inline int32_t s4_value(uint32_t c)
{
    return (int32_t)c - (int32_t)((c & 8u) << 1);
}

static int32_t row_dot(const uint8_t *p, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    uint32_t i = 0;
    for (; i + 2 <= n; i += 2, ++p) {
        sum += s4_value(*p & 15u) * x[i] + s4_value(*p >> 4) * x[i + 1];
    }
    if (i < n) {
        sum += s4_value(*p & 15u) * x[i];
    }
    return sum;
}

qmoe_status_t qmoe_fc_w4a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out)
{
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_S4);
    if (status != QMOE_OK) {
        return status;
    }
    for (uint32_t o = 0; o < layer->n_out; ++o) {
        fc_store(layer, out, o, layer->bias[o] + row_dot(fc_row(layer, o), in, layer->n_in));
    }
    return QMOE_OK;
}

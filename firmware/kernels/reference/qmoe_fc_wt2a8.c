/* qmoe_fc_wt2a8.c: fully-connected layer, ternary weights at 2 bits (QMOE_FMT_T2), int8
 * activations.
 *
 * Reference kernel, multiply-free: code bit 0 says "non-zero" and bit 1 "negative" (0b00 = 0,
 * 0b01 = +1, 0b11 = -1), so each weight adds, subtracts or skips its activation. Four weights
 * per byte, the first in bits 1..0 ([1, -1, 0, 1] is stored as 0x4d).
 * Contract: qmoe_fc.h; bit order: docs/packing.md.
 */
#include "../qmoe_fc_internal.h"

/* The dot product of the first n (<= 4) ternary weights of byte b with x[0..n-1]. */
static inline int32_t byte_dot(uint32_t b, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    for (uint32_t k = 0; k < n; ++k, b >>= 2) {
        if (b & 1u) {
            sum += (b & 2u) ? -x[k] : x[k];
        }
    }
    return sum;
}

static int32_t row_dot(const uint8_t *p, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4, ++p) {
        sum += byte_dot(*p, x + i, 4);
    }
    if (i < n) {
        sum += byte_dot(*p, x + i, n - i);
    }
    return sum;
}

qmoe_status_t qmoe_fc_wt2a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            void *out)
{
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_T2);
    if (status != QMOE_OK) {
        return status;
    }
    for (uint32_t o = 0; o < layer->n_out; ++o) {
        fc_store(layer, out, o, layer->bias[o] + row_dot(fc_row(layer, o), in, layer->n_in));
    }
    return QMOE_OK;
}

/* qmoe_fc_w1a8.c: fully-connected layer, 1-bit sign weights (QMOE_FMT_S1), int8 activations.
 *
 * Reference kernel. Bit 1 is +1 and bit 0 is -1, eight weights per byte, the first at bit 0
 * ([1, -1, 1, 1, -1, -1, -1, 1] is stored as 0x8d). With P = the sum of the activations whose
 * weight is +1 and S = the sum of all activations,
 *     sum_i w_i * x_i = P - (S - P) = 2 * P - S,
 * so a row costs one conditional add per weight and S is computed once per call. The padding
 * bits of a row's last byte are never read. Contract: qmoe_fc.h; bit order: docs/packing.md.
 */
#include "../qmoe_fc_internal.h"

/* The sum of those of x[0..n-1] (n <= 8) whose bit in b is set. */
static inline int32_t byte_plus(uint32_t b, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    for (uint32_t k = 0; k < n; ++k, b >>= 1) {
        sum += (int32_t)(b & 1u) * x[k];
    }
    return sum;
}

static int32_t row_plus(const uint8_t *p, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8, ++p) {
        sum += byte_plus(*p, x + i, 8);
    }
    if (i < n) {
        sum += byte_plus(*p, x + i, n - i);
    }
    return sum;
}

qmoe_status_t qmoe_fc_w1a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out)
{
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_S1);
    if (status != QMOE_OK) {
        return status;
    }
    int32_t sum_x = 0;
    for (uint32_t i = 0; i < layer->n_in; ++i) {
        sum_x += in[i];
    }
    for (uint32_t o = 0; o < layer->n_out; ++o) {
        const int32_t plus = row_plus(fc_row(layer, o), in, layer->n_in);
        /* 2 * plus - sum_x is the row's dot product, within the layer's bound on its own;
         * adding the bias last keeps every intermediate inside int32. */
        fc_store(layer, out, o, layer->bias[o] + (2 * plus - sum_x));
    }
    return QMOE_OK;
}

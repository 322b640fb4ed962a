/* qmoe_fc_w8a8.c: fully-connected layer, int8 weights (QMOE_FMT_S8), int8 activations.
 *
 * Reference kernel: one multiply-accumulate per weight, in order. Contract: qmoe_fc.h.
 */
#include "../qmoe_fc_internal.h"

static int32_t row_dot(const int8_t *w, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) {
        sum += (int32_t)w[i] * x[i];
    }
    return sum;
}

qmoe_status_t qmoe_fc_w8a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                           void *out)
{
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_S8);
    if (status != QMOE_OK) {
        return status;
    }
    for (uint32_t o = 0; o < layer->n_out; ++o) {
        const int8_t *w = (const int8_t *)fc_row(layer, o);
        fc_store(layer, out, o, layer->bias[o] + row_dot(w, in, layer->n_in));
    }
    return QMOE_OK;
}

/* qmoe_fc_w16a8.c: fully-connected layer, int16 weights (QMOE_FMT_S16), int8 activations.
 *
 * Reference kernel. Weights are little-endian byte pairs whatever the target's byte order, and a
 * row may start at any even offset, so they are assembled from bytes. Contract: qmoe_fc.h.
 */
#include "../qmoe_fc_internal.h"

static int32_t row_dot(const uint8_t *p, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    for (uint32_t i = 0; i < n; ++i, p += 2) {
        const int32_t c = p[0] | (p[1] << 8);
        sum += (c - ((c & 0x8000) << 1)) * x[i]; /* sign-extend 16 bits */
    }
    return sum;
}

qmoe_status_t qmoe_fc_w16a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            void *out)
{
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_S16);
    if (status != QMOE_OK) {
        return status;
    }
    for (uint32_t o = 0; o < layer->n_out; ++o) {
        fc_store(layer, out, o, layer->bias[o] + row_dot(fc_row(layer, o), in, layer->n_in));
    }
    return QMOE_OK;
}

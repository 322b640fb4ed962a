/* qmoe_fc.c: qmoe_fc(), which runs a layer with the kernel of its weight format.
 *
 * Common to every build variant: the kernels it calls come from the variant's source list
 * (firmware/kernels/variants.toml). Contract: qmoe_fc.h.
 */
#include <stddef.h>

#include "qmoe_fc.h"
#include "qmoe_fc_internal.h"

uint32_t qmoe_fc_scratch_size(const qmoe_fc_t *layer)
{
    return layer == NULL ? 0u : fc_scratch_need(layer);
}

qmoe_status_t qmoe_fc(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in, void *out)
{
    if (layer == NULL) {
        return QMOE_ERR_ARG;
    }
    switch (layer->format) {
    case QMOE_FMT_S1:
        return qmoe_fc_w1a8(ctx, layer, in, out);
    case QMOE_FMT_S2:
        return qmoe_fc_w2a8(ctx, layer, in, out);
    case QMOE_FMT_T2:
        return qmoe_fc_wt2a8(ctx, layer, in, out);
    case QMOE_FMT_T5:
        return qmoe_fc_wt5a8(ctx, layer, in, out);
    case QMOE_FMT_S4:
        return qmoe_fc_w4a8(ctx, layer, in, out);
    case QMOE_FMT_S8:
        return qmoe_fc_w8a8(ctx, layer, in, out);
    case QMOE_FMT_S16:
        return qmoe_fc_w16a8(ctx, layer, in, out);
    default:
        return QMOE_ERR_ARG;
    }
}

/* qmoe_model.c: one inference on a generated model — input quantization, router, chosen expert.
 * Semantics: docs/integer-semantics.md; buffer plan: docs/ir.md ("Memory plan"). */
#include <stddef.h>
#include <stdint.h>

#include "qmoe_compiler.h"
#include "qmoe_model.h"
#include "runtime_internal.h"

typedef char qmoe_model_assert_arithmetic_shift[((int64_t)-1 >> 1) == -1 ? 1 : -1];

qmoe_status_t qmoe_model_quantize_input(const qmoe_model_t *model, const int32_t *features,
                                        void *arena, size_t arena_size)
{
    qmoe_status_t st = qmoe_runtime_check(model, arena, arena_size);
    if (st != QMOE_OK) {
        return st;
    }
    const qmoe_input_t *in = &model->input;
    if (features == NULL || model->input_kind != QMOE_INPUT_FRONTEND || in->mu == NULL) {
        return QMOE_ERR_ARG;
    }
    int8_t *x = (int8_t *)arena;
    for (uint16_t i = 0; i < in->n_features; ++i) {
        int shift = in->shift[i];
        if (shift < 1 || shift > 62 || in->mult[i] < 0) {
            return QMOE_ERR_ARG;
        }
        int64_t d = (int64_t)features[i] - in->mu[i];
        int64_t v = (d * in->mult[i] + ((int64_t)1 << (shift - 1))) >> shift;
        x[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
    return QMOE_OK;
}

/* A 32-bit word that may hold any four bytes of the caller's vector (qmoe_compiler.h). */
typedef uint32_t QMOE_MAY_ALIAS input_word_t;

qmoe_status_t qmoe_model_set_input(const qmoe_model_t *model, const int8_t *x, void *arena,
                                   size_t arena_size)
{
    qmoe_status_t st = qmoe_runtime_check(model, arena, arena_size);
    if (st != QMOE_OK || x == NULL) {
        return st != QMOE_OK ? st : QMOE_ERR_ARG;
    }
    const uint8_t *src = (const uint8_t *)x;
    const uint8_t *end = src + model->input.n_features;
    uint8_t *dst = (uint8_t *)arena;
    if (((uintptr_t)src & 3u) == 0u) { /* the arena is 8-byte aligned: copy whole words */
        const input_word_t *sw = (const input_word_t *)(const void *)src;
        const input_word_t *sw_end = sw + model->input.n_features / 4u;
        input_word_t *dw = (input_word_t *)arena;
        while (sw != sw_end) {
            *dw++ = *sw++;
        }
        src = (const uint8_t *)sw;
        dst = (uint8_t *)dw;
    }
    while (src != end) {
        *dst++ = *src++;
    }
    return QMOE_OK;
}

qmoe_status_t qmoe_expert_run(const qmoe_model_t *model, uint8_t expert, void *arena,
                              size_t arena_size, const int16_t **logits, uint16_t *cls)
{
    qmoe_status_t st = qmoe_runtime_check(model, arena, arena_size);
    if (st != QMOE_OK || logits == NULL || cls == NULL || expert >= model->n_experts) {
        return st != QMOE_OK ? st : QMOE_ERR_ARG;
    }
    const qmoe_expert_t *ex = &model->experts[expert];
    if (ex->n_layers == 0 || ex->layers[ex->n_layers - 1].out_bits != 16 ||
        ex->layers[ex->n_layers - 1].n_out != model->n_classes) {
        return QMOE_ERR_ARG;
    }
    uint8_t *base = (uint8_t *)arena;
    const qmoe_fc_ctx_t ctx = qmoe_runtime_scratch(model, arena);
    const int8_t *in = (const int8_t *)base;
    void *out = base;
    for (uint8_t k = 0; k < ex->n_layers; ++k) {
        const qmoe_fc_t *layer = &ex->layers[k];
        uint32_t bytes = (uint32_t)layer->n_out * (layer->out_bits / 8u);
        if (ex->out_offset[k] + bytes > model->scratch_offset) {
            return QMOE_ERR_ARG;
        }
        out = base + ex->out_offset[k];
        st = qmoe_fc(&ctx, layer, in, out);
        if (st != QMOE_OK) {
            return st;
        }
        in = (const int8_t *)out;
    }
    const int16_t *z = (const int16_t *)out;
    uint16_t best = 0;
    for (uint16_t c = 1; c < model->n_classes; ++c) {
        if (z[c] > z[best]) {
            best = c;
        }
    }
    *logits = z;
    *cls = best;
    return QMOE_OK;
}

qmoe_status_t qmoe_model_infer(const qmoe_model_t *model, void *arena, size_t arena_size,
                               qmoe_result_t *result)
{
    if (result == NULL) {
        return QMOE_ERR_ARG;
    }
    qmoe_status_t st = qmoe_router_run(model, arena, arena_size, &result->route);
    if (st != QMOE_OK) {
        return st;
    }
    return qmoe_expert_run(model, result->route.expert, arena, arena_size, &result->logits,
                           &result->cls);
}

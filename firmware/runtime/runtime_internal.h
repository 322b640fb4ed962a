/* runtime_internal.h: helpers shared by the model runner and the router (not a public header). */
#ifndef QMOE_RUNTIME_INTERNAL_H
#define QMOE_RUNTIME_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "qmoe_model.h"

#define QMOE_ALIGN_UP(n, a) (((n) + (a)-1u) / (a) * (a))

/* QMOE_OK when model and arena are usable: non-NULL, the arena 8-byte aligned and at least
 * model->arena_bytes long, the kernels' scratch 8-byte aligned inside it; QMOE_ERR_ARG
 * otherwise. */
static inline qmoe_status_t qmoe_runtime_check(const qmoe_model_t *model, const void *arena,
                                               size_t arena_size)
{
    if (model == NULL || arena == NULL || ((uintptr_t)arena & 7u) != 0u ||
        arena_size < model->arena_bytes || model->n_experts == 0 || model->experts == NULL ||
        (model->scratch_offset & 7u) != 0u || model->scratch_offset > model->arena_bytes ||
        model->scratch_bytes > model->arena_bytes - model->scratch_offset) {
        return QMOE_ERR_ARG;
    }
    return QMOE_OK;
}

/* The kernels' scratch of `model` in `arena` (checked by qmoe_runtime_check). */
static inline qmoe_fc_ctx_t qmoe_runtime_scratch(const qmoe_model_t *model, void *arena)
{
    qmoe_fc_ctx_t ctx = {(uint8_t *)arena + model->scratch_offset, model->scratch_bytes};
    return ctx;
}

#endif /* QMOE_RUNTIME_INTERNAL_H */

/* set_input_bytewise.c: qmoe_model_set_input as it was before the word copy (one byte a step),
 * the baseline of bench/set_input_qemu.py. The bench links it with
 * -Wl,--wrap=qmoe_model_set_input, so the app's calls come here instead of to the runtime's. */
#include <stddef.h>
#include <stdint.h>

#include "qmoe_model.h"
#include "../../firmware/runtime/runtime_internal.h"

qmoe_status_t __wrap_qmoe_model_set_input(const qmoe_model_t *model, const int8_t *x, void *arena,
                                          size_t arena_size);

qmoe_status_t __wrap_qmoe_model_set_input(const qmoe_model_t *model, const int8_t *x, void *arena,
                                          size_t arena_size)
{
    qmoe_status_t st = qmoe_runtime_check(model, arena, arena_size);
    if (st != QMOE_OK || x == NULL) {
        return st != QMOE_OK ? st : QMOE_ERR_ARG;
    }
    int8_t *dst = (int8_t *)arena;
    for (uint16_t i = 0; i < model->input.n_features; ++i) {
        dst[i] = x[i];
    }
    return QMOE_OK;
}

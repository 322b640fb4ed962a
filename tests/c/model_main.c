/* model_main.c: host harness for the model runner. Reads rows from stdin and prints, per row,
 *   cls expert choice uncertainty logit0 logit1 ...
 * Input: first line "features N" (int32 front-end features), "x8 N" (int8 vectors, 4-byte
 * aligned) or "x8u N" (int8 vectors one byte past a word boundary), then N rows of n_features
 * integers. Built with the generated qmoe_model_data.c. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "qmoe_model.h"
#include "qmoe_model_data.h"

static uint64_t arena[(QMOE_MODEL_ARENA_BYTES + 7u) / 8u];

int main(void)
{
    char kind[16];
    int rows;
    if (scanf("%15s %d", kind, &rows) != 2) {
        return 2;
    }
    int features = strcmp(kind, "features") == 0;
    static int32_t f[QMOE_MODEL_N_FEATURES];
    static uint32_t x_words[QMOE_MODEL_N_FEATURES / 4u + 2u];
    int8_t *x = (int8_t *)x_words + (strcmp(kind, "x8u") == 0 ? 1 : 0);
    for (int r = 0; r < rows; ++r) {
        for (unsigned i = 0; i < QMOE_MODEL_N_FEATURES; ++i) {
            long v;
            if (scanf("%ld", &v) != 1) {
                return 3;
            }
            f[i] = (int32_t)v;
            x[i] = (int8_t)v;
        }
        qmoe_status_t st = features ? qmoe_model_quantize_input(&qmoe_model, f, arena, sizeof arena)
                                    : qmoe_model_set_input(&qmoe_model, x, arena, sizeof arena);
        qmoe_result_t res;
        if (st == QMOE_OK) {
            st = qmoe_model_infer(&qmoe_model, arena, sizeof arena, &res);
        }
        if (st != QMOE_OK) {
            printf("error %d\n", (int)st);
            continue;
        }
        printf("%u %u %u %lu", (unsigned)res.cls, (unsigned)res.route.expert,
               (unsigned)res.route.choice, (unsigned long)res.route.uncertainty);
        for (unsigned c = 0; c < QMOE_MODEL_N_CLASSES; ++c) {
            printf(" %d", (int)res.logits[c]);
        }
        printf("\n");
    }
    /* Argument checks: a short or misaligned arena is refused. */
    qmoe_result_t res;
    if (qmoe_model_infer(&qmoe_model, arena, QMOE_MODEL_ARENA_BYTES - 1u, &res) == QMOE_OK ||
        qmoe_model_infer(&qmoe_model, (uint8_t *)arena + 1, sizeof arena - 1u, &res) == QMOE_OK ||
        qmoe_model_infer(NULL, arena, sizeof arena, &res) == QMOE_OK) {
        printf("argument checks failed\n");
        return 4;
    }
    return 0;
}

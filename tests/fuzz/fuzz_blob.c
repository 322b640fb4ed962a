/* fuzz_blob.c: libFuzzer harness for the model-blob loader and the arena setup it feeds
 * (firmware/include/qmoe_blob.h, docs/blob.md).
 *
 * Input: byte 0 holds options, the rest is the blob. Bit 0 set: the harness rewrites the header's
 * total_bytes and body CRC-32 to match the bytes given, so that mutations reach the record checks
 * behind the checksum (a blob that passes the CRC is what a careless or hostile writer produces).
 * The blob is copied into a heap block of exactly its size (malloc: 16-byte aligned on glibc)
 * and the workspace is allocated at exactly the size the loader asks for, so AddressSanitizer
 * sees any access past either. A blob the loader accepts must then run: the harness allocates the model's arena at
 * exactly model->arena_bytes, sets an input from the fuzz bytes and runs qmoe_model_infer; the
 * loader promises that an accepted blob cannot make the runtime read or write out of bounds or
 * overflow a signed integer, which UndefinedBehaviorSanitizer and ASan hold it to. Router choice,
 * expert and class must be in range.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmoe_blob.h"
#include "qmoe_frame.h"
#include "qmoe_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER 72u
#define MAX_ARENA (16u << 20) /* an accepted blob asking for more is refused here, not a bug */

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_blob: %s\n", what);
    abort();
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void run(const qmoe_model_t *model, const uint8_t *data, size_t size)
{
    qmoe_result_t result;
    int8_t *x;
    void *arena;
    size_t i;

    if (model->arena_bytes == 0u || model->arena_bytes > MAX_ARENA) {
        return;
    }
    arena = malloc(model->arena_bytes);
    x = (int8_t *)malloc(model->input.n_features > 0u ? model->input.n_features : 1u);
    if (arena == NULL || x == NULL) {
        fail("out of memory");
    }
    for (i = 0; i < model->input.n_features; ++i) {
        x[i] = (int8_t)(size > 0u ? data[i % size] : 0);
    }
    if (qmoe_model_set_input(model, x, arena, model->arena_bytes) == QMOE_OK &&
        qmoe_model_infer(model, arena, model->arena_bytes, &result) == QMOE_OK) {
        if (result.route.expert >= model->n_experts || result.cls >= model->n_classes) {
            fail("an accepted blob ran to an expert or class out of range");
        }
    }
    free(x);
    free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qmoe_blob_error_t err;
    const qmoe_model_t *model = NULL;
    uint8_t *blob;
    void *work;
    size_t need = 0;
    size_t n;

    if (size < 1u) {
        return 0;
    }
    n = size - 1u;
    blob = (uint8_t *)malloc(n > 0u ? n : 1u);
    if (blob == NULL) {
        fail("out of memory");
    }
    memcpy(blob, data + 1, n);
    if ((data[0] & 1u) && n >= HEADER) {
        put_le32(blob + 16, (uint32_t)n);
        put_le32(blob + 20, qmoe_crc32(QMOE_CRC32_INIT, blob + HEADER, n - HEADER));
    }
    memset(&err, 0, sizeof err);
    if (qmoe_blob_workspace_size(blob, n, &need, &err) == QMOE_OK) {
        work = need > 0u ? malloc(need) : NULL;
        if (need > 0u && work == NULL) {
            fail("out of memory");
        }
        if (qmoe_blob_load(blob, n, work, need, &model, &err) == QMOE_OK) {
            if (model == NULL) {
                fail("load OK without a model");
            }
            run(model, data, size);
        } else if (err.what == NULL) {
            fail("load refused without saying why");
        }
        free(work);
    } else if (err.what == NULL) {
        fail("workspace size refused without saying why");
    }
    free(blob);
    return 0;
}

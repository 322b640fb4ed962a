/* blob_main.c: the C blob loader (firmware/blob/qmoe_blob.c) from the command line, for
 * tests/test_micropython_blob.py. No malloc beyond reading the files (this is a test harness).
 *
 *   blob_main load BLOB              "ok NAME CLASSES EXPERTS ARENA" or "error WHAT|OFFSET|V|E"
 *   blob_main misaligned BLOB        load it from an address 1 byte past 8-byte alignment
 *   blob_main x8 BLOB ROWS           ROWS: int8 rows of n_features; one line per row:
 *                                    "CLASS EXPERT CHOICE UNCERTAINTY LOGIT..."
 *   blob_main pcm BLOB CLIP...       int16 little-endian clips through the front end, same lines
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmoe_blob.h"
#include "qmoe_frontend.h"

static uint64_t blob_mem[(8u << 20) / 8u];
static uint64_t work[8192];
static uint64_t arena[(1u << 20) / 8u];
static uint64_t scratch[(64u << 10) / 8u];

static size_t read_file(const char *path, void *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void print_result(const qmoe_model_t *m, const qmoe_result_t *r)
{
    printf("%u %u %u %u", r->cls, r->route.expert, r->route.choice, (unsigned)r->route.uncertainty);
    for (uint16_t c = 0; c < m->n_classes; ++c) {
        printf(" %d", r->logits[c]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: blob_main load|misaligned|x8|pcm BLOB [FILES...]\n");
        return 2;
    }
    uint8_t *blob = (uint8_t *)blob_mem;
    int misaligned = strcmp(argv[1], "misaligned") == 0;
    size_t n = read_file(argv[2], blob + misaligned, sizeof blob_mem - 1u);
    qmoe_blob_error_t err;
    const qmoe_model_t *m = NULL;
    size_t need = 0;
    qmoe_status_t st = qmoe_blob_workspace_size(blob + misaligned, n, &need, &err);
    if (st == QMOE_OK && need > sizeof work) {
        fprintf(stderr, "workspace %zu too large for the harness\n", need);
        return 2;
    }
    if (st == QMOE_OK) {
        st = qmoe_blob_load(blob + misaligned, n, work, sizeof work, &m, &err);
    }
    if (st != QMOE_OK) {
        printf("error %s|%u|%u|%u\n", err.what, (unsigned)err.offset, (unsigned)err.value,
               (unsigned)err.expected);
        return 1;
    }
    if (m->arena_bytes > sizeof arena) {
        fprintf(stderr, "arena %u too large for the harness\n", (unsigned)m->arena_bytes);
        return 2;
    }
    if (strcmp(argv[1], "load") == 0 || misaligned) {
        printf("ok %s %u %u %u\n", m->name, m->n_classes, m->n_experts, (unsigned)m->arena_bytes);
        return 0;
    }
    qmoe_result_t res;
    if (strcmp(argv[1], "x8") == 0 && argc == 4) {
        static int8_t rows[1u << 20];
        size_t k = read_file(argv[3], rows, sizeof rows), d = m->input.n_features;
        for (size_t r = 0; r + d <= k; r += d) {
            if (qmoe_model_set_input(m, rows + r, arena, sizeof arena) != QMOE_OK ||
                qmoe_model_infer(m, arena, sizeof arena, &res) != QMOE_OK) {
                printf("runtime error\n");
                return 1;
            }
            print_result(m, &res);
        }
        return 0;
    }
    if (strcmp(argv[1], "pcm") == 0 && m->frontend != NULL) {
        static int16_t pcm[1u << 20];
        static int32_t features[4096];
        for (int a = 3; a < argc; ++a) {
            size_t k = read_file(argv[a], pcm, sizeof pcm) / 2u;
            qmoe_frontend_state_t fs;
            if (qmoe_frontend_begin(m->frontend, &fs, scratch, sizeof scratch) != QMOE_OK ||
                qmoe_frontend_push(&fs, pcm, k) != QMOE_OK ||
                qmoe_frontend_finish(&fs, features) != QMOE_OK ||
                qmoe_model_quantize_input(m, features, arena, sizeof arena) != QMOE_OK ||
                qmoe_model_infer(m, arena, sizeof arena, &res) != QMOE_OK) {
                printf("runtime error\n");
                return 1;
            }
            print_result(m, &res);
        }
        return 0;
    }
    fprintf(stderr, "unknown command %s\n", argv[1]);
    return 2;
}

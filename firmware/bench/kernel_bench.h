/* kernel_bench.h: the cases of the kernel-bench app (kernel_bench_main.c), which times the
 * fully-connected kernels of one build variant on a board and returns their outputs.
 *
 * The cases are generated C (bench/kernels_qemu.py writes them from Python test or benchmark
 * layers): const layers, weights, per-channel arrays and inputs, all in flash. The app needs no
 * other data than one output buffer, which the generated file defines with the size its cases need.
 */
#ifndef QMOE_KERNEL_BENCH_H
#define QMOE_KERNEL_BENCH_H

#include <stdint.h>

#include "qmoe_compiler.h"
#include "qmoe_fc.h"

/* Bits of qmoe_bench_case_t.nulls: pass NULL instead of ... (the harness tests/c/fc_main.c uses
 * the same bits; the layer's own pointer fields are generated as NULL directly). */
#define QMOE_BENCH_NULL_LAYER 0x01u
#define QMOE_BENCH_NULL_IN 0x02u
#define QMOE_BENCH_NULL_OUT 0x04u
/* ... or, for the scratch: pass no context at all, or one byte less than the layer needs (the
 * app lends every other call 8192 bytes of 8-byte aligned scratch). */
#define QMOE_BENCH_NULL_CTX 0x80u
#define QMOE_BENCH_SHORT_SCRATCH 0x100u

typedef struct {
    const qmoe_fc_t *layer; /* may differ from the packed data on purpose (refused layers) */
    const int8_t *inputs;   /* batch vectors, in_stride bytes apart */
    uint16_t batch;
    uint16_t in_stride;
    uint16_t out_bytes; /* bytes of output reported per call: n_out * (out_bits == 8 ? 1 : 2) */
    uint8_t kernel;     /* 0: qmoe_fc(), 1..7: the kernel of QMOE_FMT_<kernel> */
    uint16_t nulls;     /* QMOE_BENCH_NULL_*, QMOE_BENCH_SHORT_SCRATCH */
    uint32_t repeats;   /* calls per timed run (>= 1); the outputs are the last call's */
} qmoe_bench_case_t;

extern const qmoe_bench_case_t qmoe_bench_cases[];
extern const uint32_t qmoe_bench_n_cases;
/* At least the largest out_bytes of the cases (and 1), 4-byte aligned. */
extern uint8_t qmoe_bench_out[];

#endif /* QMOE_KERNEL_BENCH_H */

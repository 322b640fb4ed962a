/* kernel_bench_main.c: the kernel-bench app. Times every generated case (kernel_bench.h) with the
 * board's counter and returns each call's status, counter delta and outputs over serial.
 *
 * Protocol (all numbers little-endian). The host sends the byte 'R'; the app answers
 *   header:  "QKB1", u32 n_cases, u32 calib_counts, u32 calib_calls
 *   records: per case, per input vector:
 *            u16 case, u16 input, i32 status, u32 counts, u32 repeats, u16 out_len, out[out_len]
 *   trailer: "QKBE", u32 n_records, u32 sum of every record byte (mod 2^32)
 * and waits for the next 'R'; other bytes are ignored. `counts` is the counter delta of
 * `repeats` back-to-back calls, started right after a counter edge so that the phase is the same
 * on every run. calib_counts is the delta of calib_calls calls of an empty kernel through the same
 * loop: the host subtracts that per-call overhead (bench/kernels_qemu.py). The output buffer is
 * filled with 0xa5 before the first call, so a refused call shows that it wrote nothing.
 */
#include "kernel_bench.h"
#include "qmoe_port.h"

#define CALIB_CALLS 20000u
#define SENTINEL 0xa5u

#define SCRATCH_BYTES 8192u /* more than any case needs: 2048 + 4 * 640 (tables), 8 * 1536 / 4 */

typedef qmoe_status_t (*kernel_fn)(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer,
                                   const int8_t *in, void *out);

static uint64_t scratch[SCRATCH_BYTES / 8u]; /* 8-byte aligned, as qmoe_fc.h asks */

static const kernel_fn kernels[] = {
    qmoe_fc,       qmoe_fc_w1a8, qmoe_fc_w2a8, qmoe_fc_wt2a8,
    qmoe_fc_wt5a8, qmoe_fc_w4a8, qmoe_fc_w8a8, qmoe_fc_w16a8,
};

static uint32_t record_sum;

/* The empty kernel whose calls calibrate the loop overhead. noipa: never inlined or cloned. */
__attribute__((noipa)) static qmoe_status_t
noop_kernel(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in, void *out)
{
    (void)ctx;
    (void)layer;
    (void)in;
    (void)out;
    return QMOE_OK;
}

/* Counter delta of `repeats` calls of fn, from the first counter edge on; *status = last call's. */
__attribute__((noipa)) static uint32_t timed_calls(kernel_fn fn, const qmoe_fc_ctx_t *ctx,
                                                   const qmoe_fc_t *layer, const int8_t *in,
                                                   void *out, uint32_t repeats,
                                                   qmoe_status_t *status)
{
    const uint32_t edge = qmoe_port_counter();
    uint32_t start;
    qmoe_status_t s = QMOE_OK;

    while ((start = qmoe_port_counter()) == edge) {
    }
    for (uint32_t r = 0; r < repeats; ++r) {
        s = fn(ctx, layer, in, out);
    }
    const uint32_t end = qmoe_port_counter();
    *status = s;
    return end - start;
}

static void put(const uint8_t *bytes, uint32_t n, int in_record)
{
    if (in_record) {
        for (uint32_t i = 0; i < n; ++i) {
            record_sum += bytes[i];
        }
    }
    qmoe_port_write(bytes, n);
}

static void put_u32(uint32_t v, int in_record)
{
    const uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, 4, in_record);
}

static void put_u16(uint32_t v)
{
    const uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, 2, 1);
}

static uint32_t run_case(uint32_t c)
{
    const qmoe_bench_case_t *bc = &qmoe_bench_cases[c];
    const kernel_fn fn = kernels[bc->kernel < 8u ? bc->kernel : 0u];
    const uint32_t need = qmoe_fc_scratch_size(bc->layer);
    /* the scratch the layer needs, or one byte less (QMOE_BENCH_SHORT_SCRATCH), or none */
    const qmoe_fc_ctx_t ctx = {
        scratch, (bc->nulls & QMOE_BENCH_SHORT_SCRATCH) && need > 0u ? need - 1u : SCRATCH_BYTES};

    for (uint32_t b = 0; b < bc->batch; ++b) {
        const int8_t *in = bc->inputs + (uint32_t)b * bc->in_stride;
        qmoe_status_t status;

        for (uint32_t i = 0; i < bc->out_bytes; ++i) {
            qmoe_bench_out[i] = SENTINEL;
        }
        const uint32_t counts = timed_calls(
            fn, (bc->nulls & QMOE_BENCH_NULL_CTX) ? 0 : &ctx,
            (bc->nulls & QMOE_BENCH_NULL_LAYER) ? 0 : bc->layer,
            (bc->nulls & QMOE_BENCH_NULL_IN) ? 0 : in,
            (bc->nulls & QMOE_BENCH_NULL_OUT) ? 0 : (void *)qmoe_bench_out, bc->repeats, &status);
        put_u16(c);
        put_u16(b);
        put_u32((uint32_t)status, 1);
        put_u32(counts, 1);
        put_u32(bc->repeats, 1);
        put_u16(bc->out_bytes);
        put(qmoe_bench_out, bc->out_bytes, 1);
    }
    return bc->batch;
}

static void run_all(void)
{
    qmoe_status_t status;
    uint32_t records = 0;

    const uint32_t calib = timed_calls(noop_kernel, 0, 0, 0, 0, CALIB_CALLS, &status);
    put((const uint8_t *)"QKB1", 4, 0);
    put_u32(qmoe_bench_n_cases, 0);
    put_u32(calib, 0);
    put_u32(CALIB_CALLS, 0);
    record_sum = 0;
    for (uint32_t c = 0; c < qmoe_bench_n_cases; ++c) {
        records += run_case(c);
    }
    put((const uint8_t *)"QKBE", 4, 0);
    put_u32(records, 0);
    put_u32(record_sum, 0);
}

int qmoe_app_main(void)
{
    if (qmoe_port_init() != QMOE_OK) {
        return 1;
    }
    for (;;) {
        uint8_t byte;

        if (qmoe_port_read(&byte, 1) == 0) {
            qmoe_port_wait_for_input();
        } else if (byte == 'R') {
            run_all();
        }
    }
}

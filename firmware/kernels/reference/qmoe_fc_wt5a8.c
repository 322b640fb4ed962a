/* qmoe_fc_wt5a8.c: fully-connected layer, ternary weights at 1.6 bits (QMOE_FMT_T5), int8
 * activations.
 *
 * Reference kernel. A byte holds five trits as base-3 digits, least significant first:
 * byte = sum_k (t_k + 1) * 3^k, so [1, -1, 0, 1, 1] is 2 + 0*3 + 1*9 + 2*27 + 2*81 = 0xe3. Each
 * row starts on a byte (row o at weights + o * row_bytes) and holds ceil(n_in / 5) bytes; the
 * unused high digits of its last byte (trit 0) are never read. The digits come out with a
 * division-free divide by 3. Contract: qmoe_fc.h; packing: docs/packing.md.
 */
#include "../qmoe_fc_internal.h"

#define TRITS_PER_BYTE 5u

/* b / 3, exact for every b < 256. */
static inline uint32_t div3(uint32_t b)
{
    return (b * 171u) >> 9;
}

/* The dot product of the first n (<= 5) trits of byte b with x[0..n-1]. */
static inline int32_t byte_dot(uint32_t b, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    for (uint32_t k = 0; k < n; ++k) {
        const uint32_t q = div3(b);
        const int32_t t = (int32_t)(b - 3u * q) - 1;
        sum += t * x[k];
        b = q;
    }
    return sum;
}

/* The dot product of the row at p (n trits) with x[0..n-1]. */
static int32_t row_dot(const uint8_t *p, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    uint32_t i = 0;
    for (; i + TRITS_PER_BYTE <= n; i += TRITS_PER_BYTE, ++p) {
        sum += byte_dot(*p, x + i, TRITS_PER_BYTE);
    }
    if (i < n) { /* the last byte: n % 5 trits, then padding */
        sum += byte_dot(*p, x + i, n - i);
    }
    return sum;
}

qmoe_status_t qmoe_fc_wt5a8(const qmoe_fc_ctx_t *ctx, const qmoe_fc_t *layer, const int8_t *in,
                            void *out)
{
    const qmoe_status_t status = fc_check(ctx, layer, in, out, QMOE_FMT_T5);
    if (status != QMOE_OK) {
        return status;
    }
    for (uint32_t o = 0; o < layer->n_out; ++o) {
        fc_store(layer, out, o, layer->bias[o] + row_dot(fc_row(layer, o), in, layer->n_in));
    }
    return QMOE_OK;
}

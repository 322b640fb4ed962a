/* qmoe_fc_wt5a8.c: fully-connected layer, ternary weights at 1.6 bits (QMOE_FMT_T5), int8
 * activations.
 *
 * Reference kernel. A byte holds five trits as base-3 digits, least significant first:
 * byte = sum_k (t_k + 1) * 3^k, so [1, -1, 0, 1, 1] is 2 + 0*3 + 1*9 + 2*27 + 2*81 = 0xe3. The
 * trits of all rows form one stream (rows are not padded to bytes): row o starts at trit
 * o * n_in, digit (o * n_in) % 5 of byte (o * n_in) / 5, and may share its first and last byte
 * with the neighbouring rows. The digits come out with a division-free divide by 3; the stream's
 * padding trits are never read. Contract: qmoe_fc.h; packing: docs/packing.md.
 */
#include "../qmoe_fc_internal.h"

#define TRITS_PER_BYTE 5u

/* b / 3, exact for every b < 256. */
static inline uint32_t div3(uint32_t b)
{
    return (b * 171u) >> 9;
}

/* The dot product of trits first .. first + n - 1 (first + n <= 5) of byte b with x[0..n-1]. */
static inline int32_t byte_dot(uint32_t b, uint32_t first, const int8_t *x, uint32_t n)
{
    for (uint32_t k = 0; k < first; ++k) {
        b = div3(b);
    }
    int32_t sum = 0;
    for (uint32_t k = 0; k < n; ++k) {
        const uint32_t q = div3(b);
        const int32_t t = (int32_t)(b - 3u * q) - 1;
        sum += t * x[k];
        b = q;
    }
    return sum;
}

/* The dot product of the n trits starting at digit `first` of byte p[0] with x[0..n-1]. */
static int32_t row_dot(const uint8_t *p, uint32_t first, const int8_t *x, uint32_t n)
{
    int32_t sum = 0;
    uint32_t i = 0;
    if (first != 0) { /* the row starts inside a byte it shares with the previous row */
        i = TRITS_PER_BYTE - first < n ? TRITS_PER_BYTE - first : n;
        sum += byte_dot(*p, first, x, i);
        ++p;
    }
    for (; i + TRITS_PER_BYTE <= n; i += TRITS_PER_BYTE, ++p) {
        sum += byte_dot(*p, 0, x + i, TRITS_PER_BYTE);
    }
    if (i < n) { /* the row ends inside a byte it shares with the next row (or the padding) */
        sum += byte_dot(*p, 0, x + i, n - i);
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
        const uint32_t start = fc_t5_row_trit(layer, o);
        const int32_t dot = row_dot(layer->weights + start / TRITS_PER_BYTE, start % TRITS_PER_BYTE,
                                    in, layer->n_in);
        fc_store(layer, out, o, layer->bias[o] + dot);
    }
    return QMOE_OK;
}

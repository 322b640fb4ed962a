/* frontend_frame.c: one frame of the front end (window, FFT, power, mel, log) and the integer
 * log2 / square root. Each step is written as docs/frontend.md ("Per frame") states it.
 */
#include "frontend_internal.h"

void qmoe_frontend_spectrum(const qmoe_frontend_t *fe, const int16_t *ring, uint32_t oldest,
                            int32_t *re, int32_t *im)
{
    const uint32_t n = fe->n_fft;
    const uint32_t mask = n - 1u;
    const unsigned shift = 15u - fe->input_shift;
    const int32_t round = (int32_t)1 << (shift - 1u);
    uint32_t i, h, step, j, a;

    // 1. Window, stored straight into bit-reversed order: re[bitrev[i]] = x[i] is the same
    // permutation as re[i] = x[bitrev[i]] since bit reversal is its own inverse.
    for (i = 0; i < n; i++) {
        int32_t prod = (int32_t)ring[(oldest + i) & mask] * (int32_t)fe->window[i];
        re[fe->bitrev[i]] = (prod + round) >> shift;
        im[i] = 0;
    }

    // 2. Radix-2 decimation in time: stage h combines pairs (a, a + h) with twiddle W^(j * step),
    // j = a mod h. The butterflies of a stage are independent; loop over j outermost so that
    // each twiddle is loaded once per stage.
    for (h = 1u, step = n >> 1; h < n; h <<= 1, step >>= 1) {
        for (j = 0; j < h; j++) {
            const int32_t wr = fe->twiddle_cos[j * step];
            const int32_t wi = fe->twiddle_sin[j * step];
            for (a = j; a < n; a += h << 1) {
                const uint32_t b = a + h;
                const int64_t br = re[b], bi = im[b];
                const int32_t tr = (int32_t)((br * wr - bi * wi + (1 << 14)) >> 15);
                const int32_t ti = (int32_t)((br * wi + bi * wr + (1 << 14)) >> 15);
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] = re[a] + tr;
                im[a] = im[a] + ti;
            }
        }
    }
}

int32_t qmoe_frontend_band_logmel(const qmoe_frontend_t *fe, const int32_t *re, const int32_t *im,
                                  uint16_t m)
{
    const uint16_t *w = fe->mel_weights + fe->mel_offset[m];
    const int32_t *br = re + fe->mel_start[m];
    const int32_t *bi = im + fe->mel_start[m];
    const uint32_t len = fe->mel_len[m];
    uint64_t energy = 0;
    uint32_t i;

    for (i = 0; i < len; i++) {
        // |re|, |im| < 2^30 (docs/frontend.md, "Overflow bounds"): the squares fit uint64 and
        // their sum stays below 2^61.
        const uint32_t ar = (uint32_t)(br[i] < 0 ? -br[i] : br[i]);
        const uint32_t ai = (uint32_t)(bi[i] < 0 ? -bi[i] : bi[i]);
        const uint64_t power = ((uint64_t)ar * ar + (uint64_t)ai * ai) >> fe->power_shift;
        energy += (uint64_t)w[i] * power;
    }
    return qmoe_frontend_ilog2_q8(energy + 1u, fe->log2_table);
}

/* Index of the most significant set bit of v >= 1 (63 - clz), in 32-bit halves. */
static unsigned msb_index(uint64_t v)
{
    uint32_t x = (uint32_t)(v >> 32);
    unsigned p = 32;

    if (x == 0) {
        x = (uint32_t)v;
        p = 0;
    }
    if (x >> 16) {
        x >>= 16;
        p += 16;
    }
    if (x >> 8) {
        x >>= 8;
        p += 8;
    }
    if (x >> 4) {
        x >>= 4;
        p += 4;
    }
    if (x >> 2) {
        x >>= 2;
        p += 2;
    }
    if (x >> 1) {
        p += 1;
    }
    return p;
}

int32_t qmoe_frontend_ilog2_q8(uint64_t v, const uint16_t *log2_table)
{
    const unsigned p = msb_index(v);
    const uint32_t f = (uint32_t)(p >= 16u ? v >> (p - 16u) : v << (16u - p)) & 0xFFFFu;
    const uint32_t lo = log2_table[f >> 8];
    const uint32_t hi = log2_table[(f >> 8) + 1u];
    // The table is non-decreasing, so hi - lo >= 0; y < 2^23.
    const uint32_t y = lo * 256u + (hi - lo) * (f & 0xFFu);

    return (int32_t)(256u * p + ((y + (1u << 14)) >> 15));
}

uint32_t qmoe_frontend_isqrt_u64(uint64_t v)
{
    uint64_t res = 0;
    uint64_t bit = (uint64_t)1 << 62;

    while (bit > v) {  // the leading iterations would only shift res = 0
        bit >>= 2;
    }
    while (bit != 0) {
        if (v >= res + bit) {
            v -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    return (uint32_t)res;
}

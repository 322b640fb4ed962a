/* qmoe_frontend.c: the streaming front end: scratch layout, framing state machine and pooling.
 * The per-frame arithmetic is in frontend_frame.c; the API and formats in qmoe_frontend.h.
 */
#include "qmoe_frontend.h"

#include "frontend_internal.h"

enum { PHASE_IDLE = 0, PHASE_RUNNING = 1, PHASE_FINISHED = 2, PHASE_FAILED = 3 };

/* 1 when fe satisfies the invariants of qmoe_frontend_t (so no table is read out of bounds and
 * the overflow bounds of docs/frontend.md hold), else 0. */
static int valid_config(const qmoe_frontend_t *fe)
{
    uint16_t m;

    if (fe == NULL || fe->window == NULL || fe->twiddle_cos == NULL || fe->twiddle_sin == NULL ||
        fe->bitrev == NULL || fe->mel_start == NULL || fe->mel_len == NULL ||
        fe->mel_offset == NULL || fe->mel_weights == NULL || fe->log2_table == NULL) {
        return 0;
    }
    if (fe->n_fft < QMOE_FRONTEND_MIN_FFT || fe->n_fft > QMOE_FRONTEND_MAX_FFT ||
        fe->log2_n_fft > 15u || fe->n_fft != (1u << fe->log2_n_fft) ||
        fe->input_shift != 15u - fe->log2_n_fft || fe->power_shift != QMOE_FRONTEND_POWER_SHIFT ||
        fe->hop < 1u || fe->hop > fe->n_fft || fe->n_mels < 1u || fe->n_mels > fe->n_fft / 2u ||
        fe->stats == 0u || (fe->stats & ~QMOE_FRONTEND_STAT_ALL) != 0u) {
        return 0;
    }
    for (m = 0; m < fe->n_mels; m++) {
        const uint32_t len = fe->mel_len[m];
        if (len < 1u || fe->mel_start[m] + len > fe->n_fft / 2u + 1u ||
            fe->mel_offset[m] + len > fe->n_mel_weights) {
            return 0;
        }
    }
    return 1;
}

uint32_t qmoe_frontend_n_features(const qmoe_frontend_t *fe)
{
    uint32_t n = 0;
    unsigned bit;

    for (bit = 0; fe != NULL && bit < 8u; bit++) {
        n += (fe->stats >> bit) & 1u;
    }
    return fe != NULL ? n * fe->n_mels : 0u;
}

/* Bytes per band of the accumulators `stats` needs beyond S2, S1, D and L: D2, min, max. */
static size_t optional_band_bytes(uint8_t stats, uint8_t bit)
{
    if ((stats & bit) == 0u) {
        return 0u;
    }
    return bit == QMOE_FRONTEND_STAT_DRMS ? sizeof(uint64_t) : sizeof(uint16_t);
}

size_t qmoe_frontend_scratch_size(const qmoe_frontend_t *fe)
{
    if (!valid_config(fe)) {
        return 0;
    }
    return (size_t)fe->n_mels * (sizeof(uint64_t) + 3u * sizeof(uint32_t) +
                                 optional_band_bytes(fe->stats, QMOE_FRONTEND_STAT_DRMS) +
                                 optional_band_bytes(fe->stats, QMOE_FRONTEND_STAT_MIN) +
                                 optional_band_bytes(fe->stats, QMOE_FRONTEND_STAT_MAX)) +
           (size_t)fe->n_fft * (2u * sizeof(int32_t) + sizeof(int16_t));
}

/* Carve an optional per-band array out of the scratch at *p (NULL when `stats` lacks `bit`). */
static void *optional_array(uint8_t **p, const qmoe_frontend_t *fe, uint8_t bit)
{
    void *at = (fe->stats & bit) != 0u ? (void *)*p : NULL;
    *p += fe->n_mels * optional_band_bytes(fe->stats, bit);
    return at;
}

qmoe_status_t qmoe_frontend_begin(const qmoe_frontend_t *fe, qmoe_frontend_state_t *st,
                                  void *scratch, size_t size)
{
    const size_t need = qmoe_frontend_scratch_size(fe);
    uint8_t *p = (uint8_t *)scratch;
    uint16_t m;

    if (st == NULL) {
        return QMOE_ERR_ARG;
    }
    st->phase = PHASE_IDLE;
    if (scratch == NULL || need == 0u) {
        return QMOE_ERR_ARG;
    }
    if (size < need || (uintptr_t)scratch % QMOE_FRONTEND_SCRATCH_ALIGN != 0u) {
        return QMOE_FRONTEND_ERR_SCRATCH;
    }
    // Largest alignment first, so every array is aligned once the scratch is.
    st->s2 = (uint64_t *)(void *)p;
    p += fe->n_mels * sizeof(uint64_t);
    st->d2 = (uint64_t *)optional_array(&p, fe, QMOE_FRONTEND_STAT_DRMS);
    st->re = (int32_t *)(void *)p;
    p += fe->n_fft * sizeof(int32_t);
    st->im = (int32_t *)(void *)p;
    p += fe->n_fft * sizeof(int32_t);
    st->s1 = (uint32_t *)(void *)p;
    p += fe->n_mels * sizeof(uint32_t);
    st->d = (uint32_t *)(void *)p;
    p += fe->n_mels * sizeof(uint32_t);
    st->logmel = (int32_t *)(void *)p;
    p += fe->n_mels * sizeof(int32_t);
    st->lmin = (uint16_t *)optional_array(&p, fe, QMOE_FRONTEND_STAT_MIN);
    st->lmax = (uint16_t *)optional_array(&p, fe, QMOE_FRONTEND_STAT_MAX);
    st->ring = (int16_t *)(void *)p;
    for (m = 0; m < fe->n_mels; m++) {
        st->s2[m] = 0;
        if (st->d2 != NULL) {
            st->d2[m] = 0;
        }
        if (st->lmin != NULL) {
            st->lmin[m] = 0xFFFFu;
        }
        if (st->lmax != NULL) {
            st->lmax[m] = 0;
        }
        st->s1[m] = 0;
        st->d[m] = 0;
        st->logmel[m] = 0;
    }
    st->fe = fe;
    st->pos = 0;
    st->until_frame = fe->n_fft;
    st->frames = 0;
    st->phase = PHASE_RUNNING;
    return QMOE_OK;
}

/* Compute the frame whose oldest sample is ring[oldest] and add its L to the band statistics. */
static void add_frame(qmoe_frontend_state_t *st, uint32_t oldest)
{
    const qmoe_frontend_t *fe = st->fe;
    uint16_t m;

    qmoe_frontend_spectrum(fe, st->ring, oldest, st->re, st->im);
    for (m = 0; m < fe->n_mels; m++) {
        const int32_t l = qmoe_frontend_band_logmel(fe, st->re, st->im, m);
        // 0 <= L <= 16128 < 2^14 and frames <= 2^17: S1, D < 2^31, S2, D2 < 2^45.
        st->s1[m] += (uint32_t)l;
        st->s2[m] += (uint64_t)((uint32_t)l * (uint32_t)l);
        if (st->frames > 0u) {
            const uint32_t step =
                (uint32_t)(l > st->logmel[m] ? l - st->logmel[m] : st->logmel[m] - l);
            st->d[m] += step;
            if (st->d2 != NULL) {
                st->d2[m] += (uint64_t)(step * step);
            }
        }
        if (st->lmin != NULL && (uint32_t)l < st->lmin[m]) {
            st->lmin[m] = (uint16_t)l;
        }
        if (st->lmax != NULL && (uint32_t)l > st->lmax[m]) {
            st->lmax[m] = (uint16_t)l;
        }
        st->logmel[m] = l;
    }
    st->frames++;
}

qmoe_status_t qmoe_frontend_push(qmoe_frontend_state_t *st, const int16_t *pcm, size_t n)
{
    if (st == NULL || (pcm == NULL && n > 0u)) {
        return QMOE_ERR_ARG;
    }
    if (st->phase != PHASE_RUNNING) {
        return QMOE_FRONTEND_ERR_STATE;
    }
    while (n > 0u) {
        // Copy up to the next frame boundary or the end of the ring, whichever comes first.
        uint32_t take = st->fe->n_fft - st->pos;
        uint32_t i;

        if (take > st->until_frame) {
            take = st->until_frame;
        }
        if (take > n) {
            take = (uint32_t)n;
        }
        for (i = 0; i < take; i++) {
            st->ring[st->pos + i] = pcm[i];
        }
        pcm += take;
        n -= take;
        st->pos = (st->pos + take) & (st->fe->n_fft - 1u);
        st->until_frame -= take;
        if (st->until_frame == 0u) {
            if (st->frames >= QMOE_FRONTEND_MAX_FRAMES) {
                st->phase = PHASE_FAILED;
                return QMOE_FRONTEND_ERR_STATE;
            }
            add_frame(st, st->pos);  // the ring is full: the next write index holds the oldest
            st->until_frame = st->fe->hop;
        }
    }
    return QMOE_OK;
}

qmoe_status_t qmoe_frontend_finish(qmoe_frontend_state_t *st, int32_t *features)
{
    const qmoe_frontend_t *fe;
    uint64_t f;
    uint16_t m;

    if (st == NULL || features == NULL) {
        return QMOE_ERR_ARG;
    }
    if (st->phase != PHASE_RUNNING) {
        return QMOE_FRONTEND_ERR_STATE;
    }
    fe = st->fe;
    if (st->frames == 0u) {  // fewer than N samples: zero-pad at the end to one frame
        uint32_t i;
        for (i = st->pos; i < fe->n_fft; i++) {
            st->ring[i] = 0;
        }
        add_frame(st, 0);
    }
    f = st->frames;
    for (m = 0; m < fe->n_mels; m++) {
        const uint64_t s1 = st->s1[m];
        // F * S2 - S1^2 >= 0 (Cauchy-Schwarz) and F * S2 < 2^62.
        const uint64_t var = (f * st->s2[m] - s1 * s1) / (f * f);
        int32_t value[6];
        int32_t *out = features + m;
        unsigned k;

        value[0] = (int32_t)((s1 + f / 2u) / f);
        value[1] = (int32_t)qmoe_frontend_isqrt_u64(var);
        value[2] = st->lmin != NULL ? st->lmin[m] : 0;
        value[3] = st->lmax != NULL ? st->lmax[m] : 0;
        value[4] = f > 1u ? (int32_t)((st->d[m] + (f - 1u) / 2u) / (f - 1u)) : 0;
        value[5] =
            f > 1u && st->d2 != NULL ? (int32_t)qmoe_frontend_isqrt_u64(st->d2[m] / (f - 1u)) : 0;
        for (k = 0; k < 6u; k++) {  // the selected statistics, n_mels apart, in bit order
            if ((fe->stats >> k) & 1u) {
                *out = value[k];
                out += fe->n_mels;
            }
        }
    }
    st->phase = PHASE_FINISHED;
    return QMOE_OK;
}

/* qmoe_blob.c: check a model blob and build its descriptors in a caller's workspace.
 * Contract: qmoe_blob.h; format: docs/blob.md. Every read of the blob is bounds-checked first;
 * the checks on values are those the runtime relies on for memory safety and for the absence
 * of signed overflow (layer shapes and byte counts, arena offsets, shifts, multipliers, the int32
 * accumulator bound, table indices, the FFT tables).
 */
#include <stddef.h>
#include <stdint.h>

#include "qmoe_blob.h"
#include "../kernels/qmoe_fc_internal.h" /* fc_data_bytes */
#include "qmoe_frame.h"                  /* qmoe_crc32 */
#include "qmoe_frontend.h"

#define MODEL_WORDS 21u
#define EXPERT_WORDS 6u
#define LAYER_WORDS 15u
#define ROUTER_WORDS 52u
#define ROUTER_WORK 5u /* words 5..9: the working-memory offsets h, hm, z, s1, s2 */
#define FRONTEND_WORDS 27u
#define ACC_LIMIT ((uint64_t)1 << 31)

typedef struct {
    const uint8_t *b;
    uint32_t size;
    uint32_t rec_lo, rec_hi; /* the record region [rec_lo, rec_hi) */
    qmoe_blob_error_t *err;
} blob_t;

typedef struct {
    qmoe_model_t model;
    qmoe_router_t router;
    qmoe_frontend_t fe;
} head_t;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static qmoe_status_t fail(blob_t *bl, const char *what, uint32_t offset, uint32_t value,
                          uint32_t expected)
{
    bl->err->what = what;
    bl->err->offset = offset;
    bl->err->value = value;
    bl->err->expected = expected;
    return QMOE_ERR_ARG;
}

static size_t align8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

/* Word i of the record at `rec` (its bounds were checked by record()). */
static uint32_t word(const blob_t *bl, uint32_t rec, uint32_t i)
{
    return rd32(bl->b + rec + 4u * i);
}

/* QMOE_OK if a record of `words` words at `off` lies in the record region, 4-byte aligned. */
static qmoe_status_t record(blob_t *bl, uint32_t off, uint32_t words, const char *what)
{
    if (off % 4u != 0u || off < bl->rec_lo || off > bl->rec_hi || bl->rec_hi - off < 4u * words) {
        return fail(bl, what, off, off, bl->rec_lo);
    }
    return QMOE_OK;
}

/* The array whose (offset, bytes) pair is word i and i+1 of record `rec`: `bytes` must equal
 * `expected`, the offset be a multiple of `align` and the range lie inside the blob after the
 * header. An empty array (0, 0) is allowed only when expected is 0, and gives NULL. */
static const void *ref(blob_t *bl, uint32_t rec, uint32_t i, uint32_t expected, uint32_t align,
                       const char *what, qmoe_status_t *st)
{
    uint32_t off = word(bl, rec, i), bytes = word(bl, rec, i + 1u);
    if (*st != QMOE_OK) {
        return NULL;
    }
    if (bytes != expected) {
        *st = fail(bl, what, rec + 4u * (i + 1u), bytes, expected);
        return NULL;
    }
    if (bytes == 0u) {
        return NULL;
    }
    if (off % align != 0u || off < QMOE_BLOB_HEADER_BYTES || off > bl->size ||
        bl->size - off < bytes) {
        *st = fail(bl, what, rec + 4u * i, off, align);
        return NULL;
    }
    return bl->b + off;
}

/* A NUL-terminated string (word i, i+1 of rec) holding `count` strings back to back; the first
 * is returned and each start stored in out[0..count) when out is not NULL. */
static const char *strings(blob_t *bl, uint32_t rec, uint32_t i, uint32_t count, const char **out,
                           const char *what, qmoe_status_t *st)
{
    uint32_t off = word(bl, rec, i), bytes = word(bl, rec, i + 1u);
    if (*st != QMOE_OK) {
        return NULL;
    }
    if (bytes == 0u || off < QMOE_BLOB_HEADER_BYTES || off > bl->size || bl->size - off < bytes ||
        bl->b[off + bytes - 1u] != 0u) {
        *st = fail(bl, what, rec + 4u * i, off, bytes);
        return NULL;
    }
    const char *s = (const char *)(bl->b + off);
    uint32_t k = 0, start = 0;
    for (uint32_t j = 0; j < bytes; ++j) {
        if (bl->b[off + j] == 0u) {
            if (out != NULL && k < count) {
                out[k] = s + start;
            }
            ++k;
            start = j + 1u;
        }
    }
    if (k != count) {
        *st = fail(bl, what, off, k, count);
        return NULL;
    }
    return s;
}

/* Largest sum of |w| over one row of a layer: exact for int8 and int16 weights, a bound from
 * the format's largest magnitude otherwise (at most 8 * 65535: it cannot overflow). */
static uint64_t row_magnitude(const qmoe_fc_t *fc, uint32_t o)
{
    static const uint8_t max_mag[8] = {0, 1, 2, 2, 2, 8, 128, 0};
    uint64_t sum = 0;
    if (fc->format == QMOE_FMT_S8) {
        const int8_t *w = (const int8_t *)fc_row(fc, o);
        for (uint32_t i = 0; i < fc->n_in; ++i) {
            sum += (uint32_t)(w[i] < 0 ? -w[i] : w[i]);
        }
    } else if (fc->format == QMOE_FMT_S16) {
        const uint8_t *w = fc_row(fc, o);
        for (uint32_t i = 0; i < fc->n_in; ++i) {
            int32_t v = (int16_t)rd16(w + 2u * i);
            sum += (uint32_t)(v < 0 ? -v : v);
        }
    } else {
        sum = (uint64_t)fc->n_in * max_mag[fc->format];
    }
    return sum;
}

/* Per output channel: shift in [1, 62], mult >= 0 and |bias| + 128 * sum |w| < 2^31. */
static qmoe_status_t channels(blob_t *bl, const qmoe_fc_t *fc, const int32_t *mult,
                              const int8_t *shift, uint32_t rec)
{
    for (uint32_t o = 0; o < fc->n_out; ++o) {
        if (shift[o] < 1 || shift[o] > 62) {
            return fail(bl, "requantization shift outside 1..62", rec, (uint32_t)shift[o], o);
        }
        if (mult[o] < 0) {
            return fail(bl, "negative requantization multiplier", rec, (uint32_t)mult[o], o);
        }
        int64_t b = fc->bias[o];
        uint64_t bound = (uint64_t)(b < 0 ? -b : b) + 128u * row_magnitude(fc, o);
        if (bound >= ACC_LIMIT) {
            return fail(bl, "a channel can overflow the int32 accumulator", rec, o, 0);
        }
    }
    return QMOE_OK;
}

/* A layer record at `rec` into *fc, with every check the kernels rely on. */
static qmoe_status_t layer(blob_t *bl, uint32_t rec, qmoe_fc_t *fc)
{
    qmoe_status_t st = record(bl, rec, LAYER_WORDS, "layer record outside the record area");
    if (st != QMOE_OK) {
        return st;
    }
    uint32_t n_in = word(bl, rec, 0), n_out = word(bl, rec, 1), stride = word(bl, rec, 2);
    uint32_t format = word(bl, rec, 3), bits = word(bl, rec, 4);
    int32_t lo = (int32_t)word(bl, rec, 5), hi = (int32_t)word(bl, rec, 6);
    if (n_in < 1u || n_in > 65535u || n_out < 1u || n_out > 65535u) {
        return fail(bl, "layer shape outside 1..65535", rec, n_in > 65535u ? n_in : n_out, 65535);
    }
    if (format < QMOE_FMT_S1 || format > QMOE_FMT_S16) {
        return fail(bl, "unknown weight format", rec + 12u, format, QMOE_FMT_S16);
    }
    uint32_t need = fc_data_bytes((uint8_t)format, n_in);
    if (stride < need || stride > 65535u) {
        return fail(bl, "row_bytes too small for the layer's rows", rec + 8u, stride, need);
    }
    uint32_t weight_bytes = n_out * stride;
    int32_t limit = bits == 8u ? 127 : 32767;
    if ((bits != 8u && bits != 16u) || lo < -limit - 1 || lo > hi || hi > limit) {
        return fail(bl, "output bits or clamp range invalid", rec + 16u, bits, 8);
    }
    fc->n_in = (uint16_t)n_in;
    fc->n_out = (uint16_t)n_out;
    fc->row_bytes = (uint16_t)stride;
    fc->format = (uint8_t)format;
    fc->out_bits = (uint8_t)bits;
    fc->out_min = (int16_t)lo;
    fc->out_max = (int16_t)hi;
    fc->weights = ref(bl, rec, 7, weight_bytes, 4u, "layer weights: wrong size or place", &st);
    fc->bias = ref(bl, rec, 9, 4u * n_out, 4u, "layer biases: wrong size or place", &st);
    fc->mult = ref(bl, rec, 11, 4u * n_out, 4u, "layer multipliers: wrong size or place", &st);
    fc->shift = ref(bl, rec, 13, n_out, 1u, "layer shifts: wrong size or place", &st);
    return st != QMOE_OK ? st : channels(bl, fc, fc->mult, fc->shift, rec);
}

static qmoe_status_t frontend(blob_t *bl, uint32_t rec, qmoe_frontend_t *fe, uint32_t n_feat)
{
    qmoe_status_t st = record(bl, rec, FRONTEND_WORDS, "front-end record outside the record area");
    if (st != QMOE_OK) {
        return st;
    }
    uint32_t v[8];
    for (uint32_t i = 0; i < 8u; ++i) {
        v[i] = word(bl, rec, i);
    }
    const uint32_t stats = word(bl, rec, 26);
    uint32_t n = v[1];
    if (n < QMOE_FRONTEND_MIN_FFT || n > QMOE_FRONTEND_MAX_FFT || v[2] > n || v[3] > n ||
        v[4] > 65535u || v[5] > 11u || v[6] > 15u || v[7] > 63u || stats == 0u ||
        stats > QMOE_FRONTEND_STAT_ALL) {
        return fail(bl, "front-end configuration out of range", rec, n, n_feat);
    }
    fe->sample_rate = v[0];
    fe->n_fft = (uint16_t)n;
    fe->hop = (uint16_t)v[2];
    fe->n_mels = (uint16_t)v[3];
    fe->n_mel_weights = (uint16_t)v[4];
    fe->log2_n_fft = (uint8_t)v[5];
    fe->input_shift = (uint8_t)v[6];
    fe->power_shift = (uint8_t)v[7];
    fe->stats = (uint8_t)stats;
    if (qmoe_frontend_n_features(fe) != n_feat) {
        return fail(bl, "front-end configuration out of range", rec, n, n_feat);
    }
    const char *bad = "front-end table: wrong size or place";
    fe->window = ref(bl, rec, 8, 2u * n, 2u, bad, &st);
    fe->twiddle_cos = ref(bl, rec, 10, n, 2u, bad, &st);
    fe->twiddle_sin = ref(bl, rec, 12, n, 2u, bad, &st);
    fe->bitrev = ref(bl, rec, 14, 2u * n, 2u, bad, &st);
    fe->mel_start = ref(bl, rec, 16, 2u * v[3], 2u, bad, &st);
    fe->mel_len = ref(bl, rec, 18, 2u * v[3], 2u, bad, &st);
    fe->mel_offset = ref(bl, rec, 20, 2u * v[3], 2u, bad, &st);
    fe->mel_weights = ref(bl, rec, 22, 2u * v[4], 2u, bad, &st);
    fe->log2_table = ref(bl, rec, 24, 2u * QMOE_FRONTEND_LOG2_TABLE_LEN, 2u, bad, &st);
    if (st != QMOE_OK) {
        return st;
    }
    if (qmoe_frontend_scratch_size(fe) == 0u) {
        return fail(bl, "front-end tables break the front end's invariants", rec, n, 0);
    }
    for (uint32_t i = 0; i < n; ++i) {
        uint32_t r = 0;
        for (uint32_t k = 0; k < fe->log2_n_fft; ++k) {
            r |= ((i >> k) & 1u) << (fe->log2_n_fft - 1u - k);
        }
        if (fe->bitrev[i] != r) {
            return fail(bl, "front-end bit-reversal table is wrong", rec + 56u, i, r);
        }
    }
    for (uint32_t k = 0; k < n / 2u; ++k) {
        int32_t c = fe->twiddle_cos[k], s = fe->twiddle_sin[k];
        if ((uint32_t)(c * c) + (uint32_t)(s * s) > (1u << 30)) {
            return fail(bl, "front-end twiddle factor larger than 1", rec + 40u, k, 0);
        }
    }
    return QMOE_OK;
}

/* The router's working memory (words 5..9 of its record): every buffer aligned, after the input X,
 * inside the activations (before the kernel scratch), and no two overlapping (they are alive
 * together). The sums exist only for the curiosity router; a softmax router's s1, s2 must be 0. */
static qmoe_status_t router_work(blob_t *bl, uint32_t rec, qmoe_router_t *r, const qmoe_model_t *m)
{
    uint32_t h = r->hidden.n_out, n_e = r->n_experts, end = m->scratch_offset;
    uint32_t n_buf = r->kind == QMOE_ROUTER_CURIOSITY ? 5u : 3u;
    const uint32_t size[5] = {h, h, 2u * n_e, 8u * n_e, 8u * n_e};
    const uint32_t align[5] = {1u, 1u, 2u, 8u, 8u};
    uint32_t at[5];
    for (uint32_t i = 0; i < 5u; ++i) {
        at[i] = word(bl, rec, ROUTER_WORK + i);
        uint32_t where = rec + 4u * (ROUTER_WORK + i);
        if (i >= n_buf) {
            if (at[i] != 0u) {
                return fail(bl, "softmax router with sums in its working memory", where, at[i], 0);
            }
            continue;
        }
        if (at[i] % align[i] != 0u || at[i] < m->input.n_features || at[i] > end ||
            end - at[i] < size[i]) {
            return fail(bl,
                        "router working memory misaligned or outside the arena (or over the "
                        "kernel scratch)",
                        where, at[i], end);
        }
        for (uint32_t j = 0; j < i; ++j) {
            if (at[i] < at[j] + size[j] && at[j] < at[i] + size[i]) {
                return fail(bl, "router working-memory buffers overlap", where, at[i], at[j]);
            }
        }
    }
    r->work.h = at[0];
    r->work.hm = at[1];
    r->work.z = at[2];
    r->work.s1 = at[3];
    r->work.s2 = at[4];
    return QMOE_OK;
}

/* The router record at `rec`: layers, tables, working memory inside the arena. */
static qmoe_status_t router(blob_t *bl, uint32_t rec, qmoe_router_t *r, const qmoe_model_t *m)
{
    qmoe_status_t st = record(bl, rec, ROUTER_WORDS, "router record outside the record area");
    if (st == QMOE_OK) {
        st = layer(bl, rec + 40u, &r->hidden);
    }
    if (st == QMOE_OK) {
        st = layer(bl, rec + 100u, &r->out);
    }
    if (st != QMOE_OK) {
        return st;
    }
    uint32_t kind = word(bl, rec, 0), n_e = word(bl, rec, 1), passes = word(bl, rec, 2);
    uint32_t bins = word(bl, rec, 3);
    uint32_t h = r->hidden.n_out;
    if ((kind != QMOE_ROUTER_SOFTMAX && kind != QMOE_ROUTER_CURIOSITY) || n_e != m->n_experts ||
        bins < 1u || bins > 255u || passes > 64u || word(bl, rec, 4) > 15u) {
        return fail(bl, "router kind, expert count, bins or passes invalid", rec, kind, n_e);
    }
    if (r->hidden.n_in != m->input.n_features || r->hidden.out_bits != 8u || r->out.n_in != h ||
        r->out.n_out != n_e || r->out.out_bits != 16u) {
        return fail(bl, "router layers do not chain input -> hidden -> experts", rec + 40u,
                    r->hidden.n_in, m->input.n_features);
    }
    if (kind == QMOE_ROUTER_CURIOSITY && passes < 1u) {
        return fail(bl, "curiosity router with no passes", rec + 8u, passes, 1);
    }
    if (qmoe_fc_scratch_size(&r->hidden) > m->scratch_bytes ||
        qmoe_fc_scratch_size(&r->out) > m->scratch_bytes) {
        return fail(bl, "router layer needs more kernel scratch than the model lends", rec + 40u,
                    qmoe_fc_scratch_size(&r->hidden), m->scratch_bytes);
    }
    r->kind = (uint8_t)kind;
    r->n_experts = (uint8_t)n_e;
    r->n_passes = (uint8_t)passes;
    r->n_bins = (uint8_t)bins;
    r->logit_frac_bits = (uint8_t)word(bl, rec, 4);
    st = router_work(bl, rec, r, m);
    if (st != QMOE_OK) {
        return st;
    }
    int curious = kind == QMOE_ROUTER_CURIOSITY;
    const char *bad = "router table: wrong size or place";
    r->masked_mult = ref(bl, rec, 40, curious ? 4u * n_e : 0u, 4u, bad, &st);
    r->masked_shift = ref(bl, rec, 42, curious ? n_e : 0u, 1u, bad, &st);
    r->masks = ref(bl, rec, 44, curious ? passes * h : 0u, 1u, bad, &st);
    uint32_t exp_bytes = word(bl, rec, 47);
    r->exp_table = ref(bl, rec, 46, exp_bytes >= 2u && exp_bytes <= 131070u ? exp_bytes & ~1u : 2u,
                       2u, "router exp table: wrong size or place", &st);
    r->exp_len = (uint16_t)(exp_bytes / 2u);
    r->thresholds = ref(bl, rec, 48, 8u * (bins - 1u), 8u, bad, &st);
    r->lut = ref(bl, rec, 50, bins * n_e, 1u, bad, &st);
    if (st != QMOE_OK) {
        return st;
    }
    if (r->exp_table[0] == 0u) {
        return fail(bl, "router exp table starts with 0 (softmax would divide by 0)", rec, 0, 1);
    }
    for (uint32_t i = 0; i < bins * n_e; ++i) {
        if (r->lut[i] >= n_e) {
            return fail(bl, "routing table names an expert that does not exist", rec + 200u,
                        r->lut[i], n_e);
        }
    }
    return curious ? channels(bl, &r->out, r->masked_mult, r->masked_shift, rec + 160u) : QMOE_OK;
}

/* The experts' records: layer chains, arena offsets of the outputs. */
static qmoe_status_t experts(blob_t *bl, uint32_t rec, qmoe_expert_t *ex, qmoe_fc_t *layers,
                             const qmoe_model_t *m)
{
    qmoe_status_t st = QMOE_OK;
    uint32_t used = 0;
    for (uint32_t e = 0; e < m->n_experts && st == QMOE_OK; ++e, rec += 4u * EXPERT_WORDS) {
        uint32_t n = word(bl, rec, 0);
        if (n < 1u || n > 255u) {
            return fail(bl, "expert layer count outside 1..255", rec, n, 255);
        }
        ex[e].n_layers = (uint8_t)n;
        ex[e].label = strings(bl, rec, 1, 1, NULL, "expert label: no NUL-terminated text", &st);
        ex[e].layers = layers + used;
        const uint8_t *offs = ref(bl, rec, 4, 4u * n, 4u, "expert output offsets: wrong size", &st);
        ex[e].out_offset = (const uint32_t *)(const void *)offs;
        uint32_t lrec = word(bl, rec, 3), prev = m->input.n_features;
        for (uint32_t k = 0; k < n && st == QMOE_OK; ++k, lrec += 4u * LAYER_WORDS) {
            qmoe_fc_t *fc = &layers[used + k];
            st = layer(bl, lrec, fc);
            if (st != QMOE_OK) {
                return st;
            }
            uint32_t last = k + 1u == n, bytes = fc->n_out * (fc->out_bits / 8u);
            uint32_t at = rd32(offs + 4u * k);
            if (fc->n_in != prev ||
                (last ? fc->n_out != m->n_classes || fc->out_bits != 16u : fc->out_bits != 8u)) {
                return fail(bl, "expert layers do not chain input -> ... -> class logits", lrec,
                            fc->n_in, prev);
            }
            if (at % 4u != 0u || at > m->scratch_offset || m->scratch_offset - at < bytes) {
                return fail(bl,
                            "expert layer output outside the arena (or over the kernel scratch)",
                            rec + 16u, at, m->scratch_offset);
            }
            if (qmoe_fc_scratch_size(fc) > m->scratch_bytes) {
                return fail(bl, "expert layer needs more kernel scratch than the model lends", lrec,
                            qmoe_fc_scratch_size(fc), m->scratch_bytes);
            }
            prev = fc->n_out;
        }
        used += n;
    }
    return st;
}

/* Header, checksum and the record area; sets bl's fields. */
static qmoe_status_t header(blob_t *bl, const void *blob, size_t size, qmoe_blob_error_t *err)
{
    static const qmoe_blob_error_t none = {"", 0, 0, 0};
    static const union {
        uint16_t u;
        uint8_t b[2];
    } order = {1u};
    qmoe_blob_error_t scratch;
    bl->err = err != NULL ? err : &scratch;
    *bl->err = none;
    bl->b = (const uint8_t *)blob;
    if (blob == NULL) {
        return fail(bl, "no blob given", 0, 0, 0);
    }
    if (order.b[0] != 1u) {
        fail(bl, "the blob is little-endian and this host is not", 0, 0, 0);
        return QMOE_ERR_UNSUPPORTED;
    }
    if ((uintptr_t)blob % QMOE_BLOB_ALIGN != 0u) {
        return fail(bl, "blob not 8-byte aligned in memory", 0, (uint32_t)(uintptr_t)blob % 8u, 0);
    }
    if (size < QMOE_BLOB_HEADER_BYTES) {
        return fail(bl, "truncated: shorter than the header", 0, (uint32_t)size,
                    QMOE_BLOB_HEADER_BYTES);
    }
    const uint8_t *b = bl->b;
    for (uint32_t i = 0; i < 8u; ++i) {
        if (b[i] != (uint8_t)QMOE_BLOB_MAGIC[i]) {
            return fail(bl, "not a qmoe model blob (magic QMOEBLOB missing)", 0, b[i], i);
        }
    }
    if (rd16(b + 8) != QMOE_BLOB_FORMAT_VERSION) {
        return fail(bl, "unsupported blob format version", 8, rd16(b + 8),
                    QMOE_BLOB_FORMAT_VERSION);
    }
    if (rd16(b + 10) < 1u || rd16(b + 10) > QMOE_BLOB_IR_VERSION) {
        return fail(bl, "IR schema version newer than this runtime reads", 10, rd16(b + 10),
                    QMOE_BLOB_IR_VERSION);
    }
    uint32_t total = rd32(b + 16);
    if (rd32(b + 12) != QMOE_BLOB_HEADER_BYTES) {
        return fail(bl, "header size field wrong", 12, rd32(b + 12), QMOE_BLOB_HEADER_BYTES);
    }
    if (size < total) {
        return fail(bl, "truncated: fewer bytes than the header announces", 16, (uint32_t)size,
                    total);
    }
    if (size != total || total < QMOE_BLOB_HEADER_BYTES) {
        return fail(bl, "size differs from the header's total_bytes", 16, (uint32_t)size, total);
    }
    bl->size = total;
    uint32_t crc =
        qmoe_crc32(QMOE_CRC32_INIT, b + QMOE_BLOB_HEADER_BYTES, total - QMOE_BLOB_HEADER_BYTES);
    if (crc != rd32(b + 20)) {
        return fail(bl, "checksum mismatch: the blob is corrupt", 20, crc, rd32(b + 20));
    }
    uint32_t lo = rd32(b + 24), n = rd32(b + 28);
    if (lo < QMOE_BLOB_HEADER_BYTES || lo % 4u != 0u || lo > total || total - lo < n) {
        return fail(bl, "record area outside the blob", 24, lo, n);
    }
    bl->rec_lo = lo;
    bl->rec_hi = lo + n;
    return record(bl, lo, MODEL_WORDS, "model record outside the record area");
}

/* Counts from the model and expert records: workspace bytes. */
static qmoe_status_t workspace(blob_t *bl, size_t *bytes)
{
    uint32_t m = bl->rec_lo, n_e = word(bl, m, 3), n_classes = word(bl, m, 0);
    uint32_t rec = word(bl, m, 18), layers = 0;
    if (n_e < 1u || n_e > 255u || n_classes < 2u || n_classes > 65535u) {
        return fail(bl, "expert or class count out of range", m, n_e, n_classes);
    }
    qmoe_status_t st = record(bl, rec, EXPERT_WORDS * n_e, "expert records outside the area");
    for (uint32_t e = 0; e < n_e && st == QMOE_OK; ++e) {
        layers += word(bl, rec + 4u * EXPERT_WORDS * e, 0) & 0xFFu;
    }
    *bytes = align8(sizeof(head_t)) + align8(n_e * sizeof(qmoe_expert_t)) +
             align8(layers * sizeof(qmoe_fc_t)) + align8(n_classes * sizeof(const char *));
    return st;
}

qmoe_status_t qmoe_blob_workspace_size(const void *blob, size_t size, size_t *bytes,
                                       qmoe_blob_error_t *err)
{
    blob_t bl;
    size_t scratch;
    qmoe_status_t st = header(&bl, blob, size, err);
    return st != QMOE_OK ? st : workspace(&bl, bytes != NULL ? bytes : &scratch);
}

static qmoe_status_t input(blob_t *bl, uint32_t m, qmoe_model_t *model)
{
    qmoe_status_t st = QMOE_OK;
    uint32_t n = model->input.n_features;
    int fe = model->input_kind == QMOE_INPUT_FRONTEND;
    model->input.mu = ref(bl, m, 10, fe ? 4u * n : 0u, 4u, "input means: wrong size", &st);
    model->input.mult = ref(bl, m, 12, fe ? 4u * n : 0u, 4u, "input multipliers: wrong size", &st);
    model->input.shift = ref(bl, m, 14, fe ? n : 0u, 1u, "input shifts: wrong size", &st);
    for (uint32_t i = 0; fe && st == QMOE_OK && i < n; ++i) {
        if (model->input.shift[i] < 1 || model->input.shift[i] > 62 || model->input.mult[i] < 0) {
            return fail(bl, "input quantizer shift or multiplier out of range", m + 48u, i, n);
        }
    }
    return st;
}

qmoe_status_t qmoe_blob_load(const void *blob, size_t size, void *work, size_t work_size,
                             const qmoe_model_t **model, qmoe_blob_error_t *err)
{
    blob_t bl;
    size_t need = 0;
    qmoe_status_t st = header(&bl, blob, size, err);
    if (st == QMOE_OK) {
        st = workspace(&bl, &need);
    }
    if (st != QMOE_OK) {
        return st;
    }
    if (work == NULL || model == NULL || (uintptr_t)work % 8u != 0u || work_size < need) {
        return fail(&bl, "workspace missing, misaligned or too small", 0, (uint32_t)work_size,
                    (uint32_t)need);
    }
    uint32_t m = bl.rec_lo, n_e = word(&bl, m, 3), n_classes = word(&bl, m, 0);
    uint8_t *p = (uint8_t *)work;
    head_t *head = (head_t *)(void *)p;
    qmoe_expert_t *ex = (qmoe_expert_t *)(void *)(p + align8(sizeof(head_t)));
    qmoe_fc_t *layers = (qmoe_fc_t *)(void *)((uint8_t *)ex + align8(n_e * sizeof *ex));
    size_t layers_bytes = need - align8(sizeof(head_t)) - align8(n_e * sizeof *ex) -
                          align8(n_classes * sizeof(const char *));
    const char **names = (const char **)(void *)((uint8_t *)layers + layers_bytes);
    qmoe_model_t *md = &head->model;
    uint32_t kind = word(&bl, m, 1), n_feat = word(&bl, m, 2);
    if ((kind != QMOE_INPUT_FRONTEND && kind != QMOE_INPUT_FEATURES) || n_feat < 1u ||
        n_feat > 65535u || word(&bl, m, 4) < n_feat) {
        return fail(&bl, "input kind, feature count or arena size invalid", m + 4u, kind, n_feat);
    }
    md->input_kind = (uint8_t)kind;
    md->input.n_features = (uint16_t)n_feat;
    md->n_classes = (uint16_t)n_classes;
    md->n_experts = (uint8_t)n_e;
    md->arena_bytes = word(&bl, m, 4);
    md->flash_bytes = word(&bl, m, 5);
    md->scratch_offset = word(&bl, m, 19);
    md->scratch_bytes = word(&bl, m, 20);
    if (md->scratch_offset % 8u != 0u || md->scratch_offset > md->arena_bytes ||
        md->scratch_bytes > md->arena_bytes - md->scratch_offset) {
        return fail(&bl, "kernel scratch outside the arena or not 8-byte aligned", m + 76u,
                    md->scratch_offset, md->arena_bytes);
    }
    md->hash = bl.b + 40;
    md->name = strings(&bl, m, 6, 1, NULL, "model name: no NUL-terminated text", &st);
    strings(&bl, m, 8, n_classes, names, "class names: not one text per class", &st);
    md->class_names = names;
    if (st == QMOE_OK) {
        st = input(&bl, m, md);
    }
    md->frontend = NULL;
    md->router = NULL;
    uint32_t fe_at = word(&bl, m, 16), r_at = word(&bl, m, 17);
    if (st == QMOE_OK && (fe_at != 0u) != (kind == QMOE_INPUT_FRONTEND)) {
        return fail(&bl, "front-end record present iff the input kind is frontend", m + 64u, fe_at,
                    kind);
    }
    if (st == QMOE_OK && fe_at != 0u) {
        st = frontend(&bl, fe_at, &head->fe, n_feat);
        md->frontend = &head->fe;
    }
    if (st == QMOE_OK && (r_at != 0u) != (n_e > 1u)) {
        return fail(&bl, "a router record is needed iff there is more than one expert", m + 68u,
                    r_at, n_e);
    }
    if (st == QMOE_OK && r_at != 0u) {
        st = router(&bl, r_at, &head->router, md);
        md->router = &head->router;
    }
    if (st == QMOE_OK) {
        st = experts(&bl, word(&bl, m, 18), ex, layers, md);
    }
    md->experts = ex;
    *model = st == QMOE_OK ? md : NULL;
    return st;
}

qmoe_status_t qmoe_blob_header(const void *blob, size_t size, qmoe_blob_header_t *out)
{
    blob_t bl;
    qmoe_status_t st = header(&bl, blob, size, NULL);
    if (st != QMOE_OK || out == NULL) {
        return st != QMOE_OK ? st : QMOE_ERR_ARG;
    }
    out->format_version = rd16(bl.b + 8);
    out->ir_version = rd16(bl.b + 10);
    out->total_bytes = bl.size;
    for (uint32_t i = 0; i < QMOE_HASH_BYTES; ++i) {
        out->hash[i] = bl.b[40 + i];
    }
    return QMOE_OK;
}

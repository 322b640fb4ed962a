/* frontend_main.c: host harness for firmware/frontend, driven by tests/test_frontend_c.py.
 *
 * Linked with a generated file that defines the front ends under test and the index
 *   const qmoe_frontend_t *const test_configs[];  const unsigned test_config_count;
 * Reads whitespace-separated commands from stdin; answers each with its lines and a line ".".
 *   size K                        -> S <qmoe_frontend_scratch_size(config K)>
 *   run K DEBUG C c_1..c_C N x_1..x_N
 *        stream the N samples x through config K, pushing chunks of c_1, c_2, ... c_C, c_1, ...
 *        samples (0 is a push of nothing with pcm = NULL). DEBUG 1 also splits the chunks at frame
 *        boundaries and prints each frame's log-mel: L <frame> <l_0> .. <l_{M-1}>.
 *        A failing push prints P <status> <samples pushed before the failing call>; then
 *        F <finish status> [<feature_0> .. <feature_{3M-1}>].
 *   ilog N v_1..v_N               -> I <ilog2_q8(v_i)>...   (uint64 values, config 0's table)
 *   isqrt N v_1..v_N              -> Q <isqrt_u64(v_i)>...
 *   errors K                      -> E <case> <got> <expected>, one line per misuse case
 * Each config keeps one state and one scratch (exactly scratch_size bytes, so ASan sees any
 * overrun) for the whole process; every `run` refills the scratch with 0xA5 before its begin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../firmware/frontend/frontend_internal.h"
#include "qmoe_frontend.h"

extern const qmoe_frontend_t *const test_configs[];
extern const unsigned test_config_count;

#define MAX_CONFIGS 64u

static qmoe_frontend_state_t states[MAX_CONFIGS];
static void *scratches[MAX_CONFIGS];

static void die(const char *what)
{
    fprintf(stderr, "frontend_main: %s\n", what);
    exit(2);
}

/* The next whitespace-separated token, or NULL at end of input. */
static const char *token(void)
{
    static char buf[64];
    size_t n = 0;
    int c;

    while ((c = getchar()) != EOF && (c == ' ' || c == '\n' || c == '\t' || c == '\r')) {
    }
    while (c != EOF && c != ' ' && c != '\n' && c != '\t' && c != '\r') {
        if (n + 1 >= sizeof buf) {
            die("token too long");
        }
        buf[n++] = (char)c;
        c = getchar();
    }
    buf[n] = 0;
    return n ? buf : NULL;
}

static long long number(void)
{
    const char *t = token();
    if (t == NULL) {
        die("missing number");
    }
    return strtoll(t, NULL, 10);
}

static unsigned long long unsigned_number(void)
{
    const char *t = token();
    if (t == NULL) {
        die("missing number");
    }
    return strtoull(t, NULL, 10);
}

/* Read `count` values with `number()` into a fresh exact-size array. */
static long long *read_numbers(size_t count)
{
    long long *v = malloc((count ? count : 1) * sizeof *v);
    size_t i;
    if (v == NULL) {
        die("out of memory");
    }
    for (i = 0; i < count; i++) {
        v[i] = number();
    }
    return v;
}

static unsigned config_index(void)
{
    long long k = number();
    if (k < 0 || (unsigned long long)k >= test_config_count || k >= (long long)MAX_CONFIGS) {
        die("bad config index");
    }
    return (unsigned)k;
}

/* Config k's scratch, refilled with 0xA5 so that nothing can depend on what it held before. */
static void *scratch_for(unsigned k)
{
    const size_t size = qmoe_frontend_scratch_size(test_configs[k]);
    if (scratches[k] == NULL) {
        scratches[k] = malloc(size);
        if (size == 0 || scratches[k] == NULL) {
            die("no scratch");
        }
    }
    memset(scratches[k], 0xA5, size);
    return scratches[k];
}

static void print_logmel(const qmoe_frontend_state_t *st)
{
    uint16_t m;
    printf("L %lu", (unsigned long)st->frames - 1ul);
    for (m = 0; m < st->fe->n_mels; m++) {
        printf(" %ld", (long)st->logmel[m]);
    }
    printf("\n");
}

static void cmd_run(void)
{
    const unsigned k = config_index();
    const qmoe_frontend_t *fe = test_configs[k];
    qmoe_frontend_state_t *st = &states[k];
    const int debug = number() != 0;
    const size_t n_chunks = (size_t)number();
    long long *chunks = read_numbers(n_chunks);
    const size_t n = (size_t)number();
    long long *wide = read_numbers(n);
    int16_t *pcm = malloc((n ? n : 1) * sizeof *pcm);
    int32_t *features = malloc(qmoe_frontend_n_features(fe) * sizeof *features);
    size_t done = 0, c = 0, i;
    qmoe_status_t status;

    if (pcm == NULL || features == NULL || n_chunks == 0) {
        die("bad run");
    }
    for (i = 0; i < n; i++) {
        pcm[i] = (int16_t)wide[i];
    }
    status = qmoe_frontend_begin(fe, st, scratch_for(k), qmoe_frontend_scratch_size(fe));
    if (status != QMOE_OK) {
        die("begin failed");
    }
    while (done < n) {
        size_t take = (size_t)chunks[c++ % n_chunks];
        uint32_t frames = st->frames;
        if (take > n - done) {
            take = n - done;
        }
        if (debug && take > st->until_frame) {
            take = st->until_frame;
        }
        status = qmoe_frontend_push(st, take ? pcm + done : NULL, take);
        if (status != QMOE_OK) {
            printf("P %d %lu\n", (int)status, (unsigned long)done);
            break;
        }
        done += take;
        if (debug && st->frames != frames) {
            print_logmel(st);
        }
    }
    {
        uint32_t frames = st->frames;
        status = qmoe_frontend_finish(st, features);
        if (debug && status == QMOE_OK && st->frames != frames) {
            print_logmel(st);
        }
    }
    printf("F %d", (int)status);
    for (i = 0; status == QMOE_OK && i < qmoe_frontend_n_features(fe); i++) {
        printf(" %ld", (long)features[i]);
    }
    printf("\n");
    free(chunks);
    free(wide);
    free(pcm);
    free(features);
}

static void cmd_math(int is_log)
{
    const size_t n = (size_t)number();
    size_t i;
    printf(is_log ? "I" : "Q");
    for (i = 0; i < n; i++) {
        const uint64_t v = unsigned_number();
        if (is_log) {
            printf(" %ld", (long)qmoe_frontend_ilog2_q8(v, test_configs[0]->log2_table));
        } else {
            printf(" %lu", (unsigned long)qmoe_frontend_isqrt_u64(v));
        }
    }
    printf("\n");
}

static void expect(const char *name, long got, long want)
{
    printf("E %s %ld %ld\n", name, got, want);
}

/* Begin with a copy of `good` broken by `edit`; expects QMOE_ERR_ARG and scratch size 0. */
#define BAD_CONFIG(name, edit)                                                                     \
    do {                                                                                           \
        qmoe_frontend_t bad = *good;                                                               \
        edit;                                                                                      \
        expect(name, (long)qmoe_frontend_begin(&bad, &st, buf, sizeof buf), QMOE_ERR_ARG);         \
        expect(name "_size", (long)qmoe_frontend_scratch_size(&bad), 0);                           \
    } while (0)

static void cmd_errors(void)
{
    const qmoe_frontend_t *good = test_configs[config_index()];
    const size_t need = qmoe_frontend_scratch_size(good);
    static uint64_t buf[8192];
    uint16_t mel[1024];
    qmoe_frontend_state_t st;
    int32_t features[6u * 1024u];
    int16_t pcm[4] = {1, 2, 3, 4};

    if (need + 16u > sizeof buf || good->n_mels > sizeof mel / sizeof mel[0]) {
        die("errors: config too large");
    }
    memset(&st, 0, sizeof st);
    expect("push_before_begin", qmoe_frontend_push(&st, pcm, 4), QMOE_FRONTEND_ERR_STATE);
    expect("finish_before_begin", qmoe_frontend_finish(&st, features), QMOE_FRONTEND_ERR_STATE);
    expect("size_null", (long)qmoe_frontend_scratch_size(NULL), 0);
    expect("begin_null_fe", qmoe_frontend_begin(NULL, &st, buf, sizeof buf), QMOE_ERR_ARG);
    expect("begin_null_state", qmoe_frontend_begin(good, NULL, buf, sizeof buf), QMOE_ERR_ARG);
    expect("begin_null_scratch", qmoe_frontend_begin(good, &st, NULL, need), QMOE_ERR_ARG);
    expect("begin_small", qmoe_frontend_begin(good, &st, buf, need - 1u),
           QMOE_FRONTEND_ERR_SCRATCH);
    expect("push_after_failed_begin", qmoe_frontend_push(&st, pcm, 4), QMOE_FRONTEND_ERR_STATE);
    expect("begin_misaligned", qmoe_frontend_begin(good, &st, (uint8_t *)buf + 4, need + 4u),
           QMOE_FRONTEND_ERR_SCRATCH);
    BAD_CONFIG("n_fft_not_pow2", bad.n_fft = (uint16_t)(bad.n_fft - 1u));
    BAD_CONFIG("n_fft_too_small", (bad.n_fft = 32, bad.log2_n_fft = 5, bad.input_shift = 10));
    BAD_CONFIG("input_shift", bad.input_shift = (uint8_t)(bad.input_shift + 1u));
    BAD_CONFIG("power_shift", bad.power_shift = 7);
    BAD_CONFIG("hop_zero", bad.hop = 0);
    BAD_CONFIG("hop_too_big", bad.hop = (uint16_t)(bad.n_fft + 1u));
    BAD_CONFIG("n_mels_zero", bad.n_mels = 0);
    BAD_CONFIG("n_mels_too_big", bad.n_mels = (uint16_t)(bad.n_fft / 2u + 1u));
    BAD_CONFIG("stats_zero", bad.stats = 0);
    BAD_CONFIG("stats_unknown_bit", bad.stats = (uint8_t)(bad.stats | 0x40u));
    BAD_CONFIG("window_null", bad.window = NULL);
    BAD_CONFIG("log2_table_null", bad.log2_table = NULL);
    BAD_CONFIG("mel_weights_short", bad.n_mel_weights = (uint16_t)(bad.n_mel_weights - 1u));
    memcpy(mel, good->mel_start, good->n_mels * sizeof mel[0]);
    mel[good->n_mels - 1u] = (uint16_t)(good->n_fft / 2u + 2u - good->mel_len[good->n_mels - 1u]);
    BAD_CONFIG("mel_past_nyquist", bad.mel_start = mel);
    memcpy(mel, good->mel_len, good->n_mels * sizeof mel[0]);
    mel[0] = 0;
    BAD_CONFIG("mel_len_zero", bad.mel_len = mel);

    expect("begin_ok", qmoe_frontend_begin(good, &st, buf, need), QMOE_OK);
    expect("push_null_pcm", qmoe_frontend_push(&st, NULL, 1), QMOE_ERR_ARG);
    expect("push_null_state", qmoe_frontend_push(NULL, pcm, 1), QMOE_ERR_ARG);
    expect("push_nothing", qmoe_frontend_push(&st, NULL, 0), QMOE_OK);
    expect("finish_null_features", qmoe_frontend_finish(&st, NULL), QMOE_ERR_ARG);
    expect("finish_null_state", qmoe_frontend_finish(NULL, features), QMOE_ERR_ARG);
    expect("finish_ok", qmoe_frontend_finish(&st, features), QMOE_OK);
    expect("finish_twice", qmoe_frontend_finish(&st, features), QMOE_FRONTEND_ERR_STATE);
    expect("push_after_finish", qmoe_frontend_push(&st, pcm, 4), QMOE_FRONTEND_ERR_STATE);
    expect("begin_again", qmoe_frontend_begin(good, &st, buf, need), QMOE_OK);
}

int main(void)
{
    const char *cmd;

    if (test_config_count > MAX_CONFIGS) {
        die("too many configs");
    }
    while ((cmd = token()) != NULL) {
        if (strcmp(cmd, "size") == 0) {
            printf("S %lu\n",
                   (unsigned long)qmoe_frontend_scratch_size(test_configs[config_index()]));
        } else if (strcmp(cmd, "run") == 0) {
            cmd_run();
        } else if (strcmp(cmd, "ilog") == 0 || strcmp(cmd, "isqrt") == 0) {
            cmd_math(cmd[1] == 'l');
        } else if (strcmp(cmd, "errors") == 0) {
            cmd_errors();
        } else {
            die("unknown command");
        }
        printf(".\n");
    }
    return 0;
}

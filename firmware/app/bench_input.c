/* bench_input.c: LOAD_INPUT — an int8 feature vector copied into X, or an int16 PCM clip streamed
 * through the front end chunk by chunk (the device never holds the whole clip).
 *
 * Chunk rules (docs/protocol.md): offset 0 starts a new input and discards the previous one; any
 * other chunk must continue the input in progress (same kind and total, offset no larger than the
 * bytes held), and only its bytes beyond those already held are used, so a chunk sent again after
 * a lost ack changes nothing. When the last byte arrives a PCM clip is finished and quantized
 * into X. The counter spent in the front end is summed into app_input.frontend_counts.
 */
#include "bench_app.h"
#include "qmoe_port.h"

#define PCM_STAGE 64u /* samples converted from the little-endian bytes per qmoe_frontend_push */

#if QMOE_APP_HAS_FRONTEND
static uint64_t fe_scratch[(QMOE_APP_SCRATCH_BYTES + 7u) / 8u];
static int32_t fe_features[QMOE_APP_N_FEATURES];
static qmoe_frontend_state_t fe_state;

/* Samples a clip may have: QMOE_FRONTEND_MAX_FRAMES frames of n_fft, hop apart. */
static uint64_t max_samples(const qmoe_frontend_t *fe)
{
    return (uint64_t)fe->n_fft + (uint64_t)(QMOE_FRONTEND_MAX_FRAMES - 1u) * fe->hop;
}

static qmoe_status_t begin_pcm(const qmoe_model_t *model)
{
    uint32_t t0 = qmoe_port_counter();
    qmoe_status_t st =
        qmoe_frontend_begin(model->frontend, &fe_state, fe_scratch, sizeof fe_scratch);

    app_input.frontend_counts += qmoe_port_counter() - t0;
    return st;
}

/* Push k bytes of the clip; a sample split across chunks waits in app_input.odd. */
static qmoe_status_t push_pcm(const uint8_t *p, size_t k)
{
    int16_t stage[PCM_STAGE];
    size_t n = 0;
    bool have_low = (app_input.received & 1u) != 0u;
    qmoe_status_t st = QMOE_OK;
    uint32_t t0 = qmoe_port_counter();

    for (size_t i = 0; i < k && st == QMOE_OK; ++i) {
        if (!have_low) {
            app_input.odd = p[i];
            have_low = true;
            continue;
        }
        int32_t v = (int32_t)app_input.odd | ((int32_t)p[i] << 8);
        stage[n++] = (int16_t)(v >= 0x8000 ? v - 0x10000 : v);
        have_low = false;
        if (n == PCM_STAGE) {
            st = qmoe_frontend_push(&fe_state, stage, n);
            n = 0;
        }
    }
    if (st == QMOE_OK && n > 0u) {
        st = qmoe_frontend_push(&fe_state, stage, n);
    }
    app_input.frontend_counts += qmoe_port_counter() - t0;
    return st;
}

/* End the clip: features, then X = quantized features (in the arena, copied to app_x). */
static qmoe_status_t finish_pcm(const qmoe_model_t *model)
{
    const uint8_t *x = (const uint8_t *)app_arena;
    uint32_t t0 = qmoe_port_counter();
    qmoe_status_t st = QMOE_ERR_ARG;

    if (qmoe_frontend_n_features(model->frontend) == QMOE_APP_N_FEATURES &&
        model->input.n_features == QMOE_APP_N_FEATURES) {
        st = qmoe_frontend_finish(&fe_state, fe_features);
    }
    if (st == QMOE_OK) {
        st = qmoe_model_quantize_input(model, fe_features, app_arena, sizeof app_arena);
    }
    for (size_t i = 0; st == QMOE_OK && i < QMOE_APP_N_FEATURES; ++i) {
        app_x[i] = (int8_t)x[i];
    }
    app_input.frontend_counts += qmoe_port_counter() - t0;
    return st;
}
#endif

/* Checks of a chunk at offset 0, which starts a new input; NULL when it is acceptable. */
static const char *start_input(const qmoe_model_t *model, const qmoe_msg_load_input_t *m)
{
    app_input.kind = 0; /* the previous input is gone, whatever happens next */
    app_input.ready = false;
    app_input.received = 0;
    app_input.frontend_counts = 0;
    if (m->kind == QMOE_INPUT_FEATURES_I8) {
        if (m->total_bytes > QMOE_APP_N_FEATURES) {
            return "feature vector longer than the model input";
        }
    } else {
#if QMOE_APP_HAS_FRONTEND
        if (model->frontend == NULL || model->input_kind != QMOE_INPUT_FRONTEND) {
            return "this model takes feature vectors, not PCM";
        }
        if (m->total_bytes / 2u > max_samples(model->frontend)) {
            return "PCM clip longer than the front end's frame limit";
        }
        if (begin_pcm(model) != QMOE_OK) {
            return "front end refused to start";
        }
#else
        (void)model;
        return "this model takes feature vectors, not PCM";
#endif
    }
    app_input.kind = m->kind;
    app_input.total = m->total_bytes;
    return (const char *)0;
}

/* Take the chunk's bytes beyond those already held; NULL on success. */
static const char *take_bytes(const qmoe_model_t *model, const qmoe_msg_load_input_t *m)
{
    uint32_t skip = app_input.received - m->offset; /* offset <= received was checked */

    if (skip >= m->data_len) {
        return (const char *)0; /* all seen before: a retransmission */
    }
    const uint8_t *p = m->data + skip;
    size_t k = m->data_len - skip;

    if (app_input.kind == QMOE_INPUT_FEATURES_I8) {
        /* received + k = offset + data_len <= total_bytes <= QMOE_APP_N_FEATURES */
        for (size_t i = 0; i < k; ++i) {
            app_x[app_input.received + i] = (int8_t)p[i];
        }
        app_input.received += (uint32_t)k;
        app_input.ready = app_input.received == app_input.total;
        return (const char *)0;
    }
#if QMOE_APP_HAS_FRONTEND
    if (push_pcm(p, k) != QMOE_OK) {
        return "front end failed on the clip";
    }
    app_input.received += (uint32_t)k;
    if (app_input.received == app_input.total) {
        if (finish_pcm(model) != QMOE_OK) {
            return "front end or input quantization failed";
        }
        app_input.ready = true;
    }
    return (const char *)0;
#else
    (void)model;
    return "no front end in this build";
#endif
}

void app_handle_load_input(const app_request_t *req)
{
    const qmoe_model_t *model = app_model;
    qmoe_msg_load_input_t m;
    qmoe_msg_load_ack_t ack;
    size_t len = 0;
    const char *why;
    qmoe_proto_error_t err = qmoe_msg_load_input_unpack(req->payload, req->length, &m);

    if (err != QMOE_PROTO_OK) {
        app_send_error(req, err,
                       err == QMOE_PROTO_BAD_LENGTH
                           ? "LOAD_INPUT needs 12 header bytes and 1+ data bytes"
                           : "bad kind, odd PCM size or chunk beyond total_bytes");
        return;
    }
    if (model == NULL) {
        app_send_error(req, QMOE_PROTO_NO_MODEL, "this firmware holds no model");
        return;
    }
    if (m.offset == 0u) {
        why = start_input(model, &m);
        if (why != NULL) {
            app_send_error(req, QMOE_PROTO_OUT_OF_RANGE, why);
            return;
        }
    } else if (m.kind != app_input.kind || m.total_bytes != app_input.total ||
               m.offset > app_input.received) {
        app_send_error(req, QMOE_PROTO_OUT_OF_RANGE, "chunk does not continue the input");
        return;
    }
    why = take_bytes(model, &m);
    if (why != NULL) {
        app_input.kind = 0;
        app_input.ready = false;
        app_send_error(req, QMOE_PROTO_INTERNAL, why);
        return;
    }
    ack.received = app_input.received;
    ack.total_bytes = app_input.total;
    if (qmoe_msg_load_ack_pack(&ack, app_reply_payload(), app_reply_capacity(), &len) == QMOE_OK) {
        app_send_reply(req, len);
    }
}

bool app_input_runnable(const app_request_t *req)
{
    if (app_model == NULL) {
        app_send_error(req, QMOE_PROTO_NO_MODEL, "this firmware holds no model");
        return false;
    }
    if (!app_input.ready) {
        app_send_error(req, QMOE_PROTO_NO_INPUT, "no complete input loaded");
        return false;
    }
    if (app_input.kind == QMOE_INPUT_FEATURES_I8 && app_input.total != QMOE_APP_N_FEATURES) {
        app_send_error(req, QMOE_PROTO_BAD_LENGTH, "feature vector size is not the model's");
        return false;
    }
    return true;
}

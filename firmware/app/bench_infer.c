/* bench_infer.c: INFER (one timed inference on X) and RUN_WINDOW (N back-to-back inferences with
 * the GPIO marker high). The expert consumes X in the arena, so every inference copies it in
 * again from app_x; the copy is part of the measured total.
 */
#include "bench_app.h"
#include "qmoe_port.h"

#define STAMPS 4u /* counter before X is set, after it, after the router, after the expert */

/* One inference on app_x with a counter stamp between the stages. */
static qmoe_status_t run_stages(const qmoe_model_t *model, qmoe_result_t *res,
                                uint32_t stamp[STAMPS])
{
    qmoe_status_t st;

    stamp[0] = qmoe_port_counter();
    st = qmoe_model_set_input(model, app_x, app_arena, sizeof app_arena);
    stamp[1] = qmoe_port_counter();
    if (st == QMOE_OK) {
        st = qmoe_router_run(model, app_arena, sizeof app_arena, &res->route);
    }
    stamp[2] = qmoe_port_counter();
    if (st == QMOE_OK) {
        st = qmoe_expert_run(model, res->route.expert, app_arena, sizeof app_arena, &res->logits,
                             &res->cls);
    }
    stamp[3] = qmoe_port_counter();
    return st;
}

void app_handle_infer(const app_request_t *req)
{
    const qmoe_model_t *model = app_model;
    qmoe_result_t res;
    qmoe_msg_infer_reply_t reply;
    uint32_t stamp[STAMPS];
    size_t len = 0;

    if (req->length != 0u) {
        app_send_error(req, QMOE_PROTO_BAD_LENGTH, "INFER takes an empty payload");
        return;
    }
    if (!app_input_runnable(req)) {
        return;
    }
    if (run_stages(model, &res, stamp) != QMOE_OK) {
        app_send_error(req, QMOE_PROTO_INTERNAL, "the runtime refused the model or arena");
        return;
    }
    reply.status = (uint8_t)QMOE_OK;
    reply.expert = res.route.expert;
    reply.router_choice = res.route.choice;
    reply.class_index = res.cls;
    reply.uncertainty = res.route.uncertainty;
    reply.counter_frontend = app_input.kind == QMOE_INPUT_PCM_I16 ? app_input.frontend_counts : 0u;
    reply.counter_router = stamp[2] - stamp[1];
    reply.counter_expert = stamp[3] - stamp[2];
    reply.counter_total = stamp[3] - stamp[0];
    reply.n_logits = model->n_classes;
    reply.logits = res.logits;
    if (qmoe_msg_infer_reply_pack(&reply, app_reply_payload(), app_reply_capacity(), &len) !=
        QMOE_OK) {
        app_send_error(req, QMOE_PROTO_INTERNAL, "too many logits for one reply");
        return;
    }
    app_send_reply(req, len);
}

void app_handle_run_window(const app_request_t *req)
{
    const qmoe_model_t *model = app_model;
    qmoe_msg_run_window_t m;
    qmoe_msg_run_window_reply_t reply = {0, UINT32_MAX, 0, 0, 0, 0};
    qmoe_result_t res;
    qmoe_status_t st = QMOE_OK;
    size_t len = 0;
    qmoe_proto_error_t err = qmoe_msg_run_window_unpack(req->payload, req->length, &m);

    if (err != QMOE_PROTO_OK) {
        app_send_error(req, err,
                       err == QMOE_PROTO_BAD_LENGTH ? "RUN_WINDOW takes a uint32 N"
                                                    : "N must be at least 1");
        return;
    }
    if (!app_input_runnable(req)) {
        return;
    }
    qmoe_port_marker(1);
    uint32_t prev = qmoe_port_counter();
    for (uint32_t i = 0; i < m.n && st == QMOE_OK; ++i) {
        st = qmoe_model_set_input(model, app_x, app_arena, sizeof app_arena);
        if (st == QMOE_OK) {
            st = qmoe_model_infer(model, app_arena, sizeof app_arena, &res);
        }
        uint32_t now = qmoe_port_counter();
        uint32_t d = now - prev;

        prev = now; /* consecutive stamps: the window total has no gaps and cannot wrap */
        reply.counter_total += d;
        reply.counter_min = d < reply.counter_min ? d : reply.counter_min;
        reply.counter_max = d > reply.counter_max ? d : reply.counter_max;
    }
    qmoe_port_marker(0);
    qmoe_port_window_energy(&reply.energy_uj, &reply.energy_samples);
    if (st != QMOE_OK) {
        app_send_error(req, QMOE_PROTO_INTERNAL, "the runtime refused the model or arena");
        return;
    }
    reply.n = m.n;
    if (qmoe_msg_run_window_reply_pack(&reply, app_reply_payload(), app_reply_capacity(), &len) ==
        QMOE_OK) {
        app_send_reply(req, len);
    }
}

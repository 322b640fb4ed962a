/* qmoe_msg.c: pack the device's replies, unpack the host's requests (layouts in qmoe_msg.h and
 * docs/protocol.md). */
#include "qmoe_msg.h"

#include "qmoe_bytes.h"

qmoe_proto_error_t qmoe_msg_load_input_unpack(const uint8_t *payload, size_t len,
                                              qmoe_msg_load_input_t *m)
{
    if (len <= QMOE_MSG_LOAD_INPUT_HEADER_SIZE) {
        return QMOE_PROTO_BAD_LENGTH;
    }
    m->kind = payload[0];
    m->total_bytes = qmoe_le32_get(payload + 4);
    m->offset = qmoe_le32_get(payload + 8);
    m->data = payload + QMOE_MSG_LOAD_INPUT_HEADER_SIZE;
    m->data_len = len - QMOE_MSG_LOAD_INPUT_HEADER_SIZE;
    if (m->kind != QMOE_INPUT_FEATURES_I8 && m->kind != QMOE_INPUT_PCM_I16) {
        return QMOE_PROTO_OUT_OF_RANGE;
    }
    if (m->kind == QMOE_INPUT_PCM_I16 && (m->total_bytes & 1u) != 0) {
        return QMOE_PROTO_OUT_OF_RANGE;
    }
    if ((uint64_t)m->offset + m->data_len > m->total_bytes) {
        return QMOE_PROTO_OUT_OF_RANGE;
    }
    return QMOE_PROTO_OK;
}

qmoe_proto_error_t qmoe_msg_run_window_unpack(const uint8_t *payload, size_t len,
                                              qmoe_msg_run_window_t *m)
{
    if (len != QMOE_MSG_RUN_WINDOW_SIZE) {
        return QMOE_PROTO_BAD_LENGTH;
    }
    m->n = qmoe_le32_get(payload);
    return m->n == 0 ? QMOE_PROTO_OUT_OF_RANGE : QMOE_PROTO_OK;
}

/* A NUL-padded fixed-size name field; QMOE_ERR_ARG when the string is NULL or too long. */
static qmoe_status_t put_name(uint8_t *out, const char *s)
{
    size_t n = 0;
    if (s == NULL) {
        return QMOE_ERR_ARG;
    }
    for (; n < QMOE_MSG_NAME_SIZE && s[n] != '\0'; n++) {
        out[n] = (uint8_t)s[n];
    }
    if (s[n] != '\0') {
        return QMOE_ERR_ARG; /* longer than the field */
    }
    for (; n < QMOE_MSG_NAME_SIZE; n++) {
        out[n] = 0;
    }
    return QMOE_OK;
}

qmoe_status_t qmoe_msg_info_pack(const qmoe_msg_info_t *m, uint8_t *out, size_t cap, size_t *len)
{
    const char *names[5];
    if (cap < QMOE_MSG_INFO_REPLY_SIZE) {
        return QMOE_ERR_ARG;
    }
    out[0] = m->protocol_version;
    out[1] = m->input_kinds;
    qmoe_le16_put(out + 2, m->max_payload);
    qmoe_le32_put(out + 4, m->clock_hz);
    qmoe_le32_put(out + 8, m->counter_per_tick);
    qmoe_le32_put(out + 12, m->model_flash_bytes);
    qmoe_le32_put(out + 16, m->model_ram_bytes);
    qmoe_copy_bytes(out + 20, m->model_hash, QMOE_MSG_HASH_SIZE);
    names[0] = m->board;
    names[1] = m->core;
    names[2] = m->counter;
    names[3] = m->counter_unit;
    names[4] = m->runtime_version;
    for (size_t i = 0; i < 5; i++) {
        if (put_name(out + 52 + i * QMOE_MSG_NAME_SIZE, names[i]) != QMOE_OK) {
            return QMOE_ERR_ARG;
        }
    }
    *len = QMOE_MSG_INFO_REPLY_SIZE;
    return QMOE_OK;
}

qmoe_status_t qmoe_msg_load_ack_pack(const qmoe_msg_load_ack_t *m, uint8_t *out, size_t cap,
                                     size_t *len)
{
    if (cap < QMOE_MSG_LOAD_ACK_SIZE) {
        return QMOE_ERR_ARG;
    }
    qmoe_le32_put(out, m->received);
    qmoe_le32_put(out + 4, m->total_bytes);
    *len = QMOE_MSG_LOAD_ACK_SIZE;
    return QMOE_OK;
}

qmoe_status_t qmoe_msg_infer_reply_pack(const qmoe_msg_infer_reply_t *m, uint8_t *out, size_t cap,
                                        size_t *len)
{
    size_t size = QMOE_MSG_INFER_REPLY_HEADER_SIZE + 2u * (size_t)m->n_logits;
    if (cap < size || (m->logits == NULL && m->n_logits > 0)) {
        return QMOE_ERR_ARG;
    }
    out[0] = m->status;
    out[1] = m->expert;
    out[2] = m->router_choice;
    out[3] = 0;
    qmoe_le16_put(out + 4, m->class_index);
    qmoe_le16_put(out + 6, m->n_logits);
    qmoe_le32_put(out + 8, m->uncertainty);
    qmoe_le32_put(out + 12, m->counter_frontend);
    qmoe_le32_put(out + 16, m->counter_router);
    qmoe_le32_put(out + 20, m->counter_expert);
    qmoe_le32_put(out + 24, m->counter_total);
    for (size_t i = 0; i < m->n_logits; i++) {
        qmoe_le16_put(out + QMOE_MSG_INFER_REPLY_HEADER_SIZE + 2u * i, (uint16_t)m->logits[i]);
    }
    *len = size;
    return QMOE_OK;
}

qmoe_status_t qmoe_msg_run_window_reply_pack(const qmoe_msg_run_window_reply_t *m, uint8_t *out,
                                             size_t cap, size_t *len)
{
    if (cap < QMOE_MSG_RUN_WINDOW_REPLY_SIZE) {
        return QMOE_ERR_ARG;
    }
    qmoe_le32_put(out, m->n);
    qmoe_le32_put(out + 4, m->counter_min);
    qmoe_le32_put(out + 8, m->counter_max);
    qmoe_le32_put(out + 12, m->energy_uj);
    qmoe_le32_put(out + 16, m->energy_samples);
    qmoe_le32_put(out + 20, (uint32_t)m->counter_total);
    qmoe_le32_put(out + 24, (uint32_t)(m->counter_total >> 32));
    *len = QMOE_MSG_RUN_WINDOW_REPLY_SIZE;
    return QMOE_OK;
}

qmoe_status_t qmoe_msg_error_pack(const qmoe_msg_error_t *m, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = 0;
    size_t i;
    if (m->detail != NULL) {
        while (n < QMOE_MSG_ERROR_DETAIL_MAX && m->detail[n] != '\0') {
            n++;
        }
    }
    if (cap < QMOE_MSG_ERROR_HEADER_SIZE + n) {
        return QMOE_ERR_ARG;
    }
    out[0] = m->code;
    out[1] = m->request_type;
    for (i = 0; i < n; ++i) {
        /* The wire carries printable ASCII only (docs/protocol.md): anything else becomes '?'. */
        uint8_t c = (uint8_t)m->detail[i];
        out[QMOE_MSG_ERROR_HEADER_SIZE + i] = (c >= 0x20u && c <= 0x7Eu) ? c : (uint8_t)'?';
    }
    *len = QMOE_MSG_ERROR_HEADER_SIZE + n;
    return QMOE_OK;
}

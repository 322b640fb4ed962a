/* qmoe_msg.h: the message catalogue carried in qmoe frames (docs/protocol.md has every layout).
 *
 * A request type has bit 7 clear; its reply is the same type with bit 7 set. Any request can
 * instead be answered by ERROR. All fields are little-endian; reserved bytes are sent as 0 and
 * ignored on receipt. The device unpacks requests and packs replies, so those are the functions
 * here; the host side is qmoe.protocol. Unpack functions return the error code the device
 * should reply with (QMOE_PROTO_OK when the request is well-formed).
 */
#ifndef QMOE_MSG_H
#define QMOE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "qmoe_frame.h"
#include "qmoe_status.h"

/* Message types (the frame's type byte). */
#define QMOE_MSG_PING 0x01u       /* any payload, echoed by PONG */
#define QMOE_MSG_INFO 0x02u       /* empty */
#define QMOE_MSG_LOAD_INPUT 0x03u /* qmoe_msg_load_input_t */
#define QMOE_MSG_INFER 0x04u      /* empty */
#define QMOE_MSG_RUN_WINDOW 0x05u /* qmoe_msg_run_window_t */
#define QMOE_MSG_REPLY 0x80u      /* reply type = request type | QMOE_MSG_REPLY */
#define QMOE_MSG_PONG (QMOE_MSG_PING | QMOE_MSG_REPLY)
#define QMOE_MSG_INFO_REPLY (QMOE_MSG_INFO | QMOE_MSG_REPLY)
#define QMOE_MSG_LOAD_ACK (QMOE_MSG_LOAD_INPUT | QMOE_MSG_REPLY)
#define QMOE_MSG_INFER_REPLY (QMOE_MSG_INFER | QMOE_MSG_REPLY)
#define QMOE_MSG_RUN_WINDOW_REPLY (QMOE_MSG_RUN_WINDOW | QMOE_MSG_REPLY)
#define QMOE_MSG_ERROR 0xFEu
#define QMOE_MSG_NO_TYPE 0xFFu /* ERROR's request_type when the request's header was unreadable */

/* Payload sizes. */
#define QMOE_MSG_NAME_SIZE 16u /* printable ASCII, NUL-padded; 16 characters leave no NUL */
#define QMOE_MSG_HASH_SIZE 32u /* SHA-256 of the model IR */
#define QMOE_MSG_INFO_REPLY_SIZE 132u
#define QMOE_MSG_LOAD_INPUT_HEADER_SIZE 12u /* then the chunk's data, at least 1 byte */
#define QMOE_MSG_LOAD_ACK_SIZE 8u
#define QMOE_MSG_INFER_REPLY_HEADER_SIZE 28u /* then n_logits int16 */
#define QMOE_MSG_RUN_WINDOW_SIZE 4u
#define QMOE_MSG_RUN_WINDOW_REPLY_SIZE 28u
#define QMOE_MSG_ERROR_HEADER_SIZE 2u /* then 0..QMOE_MSG_ERROR_DETAIL_MAX printable ASCII */
#define QMOE_MSG_ERROR_DETAIL_MAX 64u

/* Input kinds of LOAD_INPUT, and their bits in INFO's input_kinds. */
typedef enum { QMOE_INPUT_FEATURES_I8 = 1, QMOE_INPUT_PCM_I16 = 2 } qmoe_input_kind_t;
#define QMOE_INPUT_KIND_BIT(kind) (1u << ((kind)-1u))

/* INFO_REPLY. Strings are NUL-terminated here, at most QMOE_MSG_NAME_SIZE characters. */
typedef struct {
    uint8_t protocol_version;  /* QMOE_FRAME_VERSION */
    uint8_t input_kinds;       /* QMOE_INPUT_KIND_BIT() of each kind supported */
    uint16_t max_payload;      /* QMOE_FRAME_MAX_PAYLOAD */
    uint32_t clock_hz;         /* core clock */
    uint32_t counter_per_tick; /* units of counter_unit per counter count (1 for a cycle counter) */
    uint32_t model_flash_bytes;
    uint32_t model_ram_bytes;
    uint8_t model_hash[QMOE_MSG_HASH_SIZE]; /* all zero when no model is built in */
    const char *board;                      /* e.g. "qemu-m4" */
    const char *core;                       /* e.g. "cortex-m4f" */
    const char *counter;         /* e.g. "dwt_cyccnt", "systick", "mcycle", "monotonic" */
    const char *counter_unit;    /* e.g. "cycles", "ns" */
    const char *runtime_version; /* e.g. "0.1.0" */
} qmoe_msg_info_t;

/* LOAD_INPUT: one chunk of an input of total_bytes bytes. offset 0 starts a new input; a chunk
 * may start anywhere up to the bytes received so far, so a retried chunk is harmless. */
typedef struct {
    uint8_t kind; /* qmoe_input_kind_t */
    uint32_t total_bytes;
    uint32_t offset;
    const uint8_t *data; /* points into the request payload */
    size_t data_len;
} qmoe_msg_load_input_t;

/* LOAD_ACK: the contiguous bytes held from offset 0, and the input's total. */
typedef struct {
    uint32_t received;
    uint32_t total_bytes;
} qmoe_msg_load_ack_t;

/* INFER_REPLY. Counters are in the counter's unit (INFO), differences of qmoe_port_counter(). */
typedef struct {
    uint8_t status;        /* the runtime's qmoe_status_t for this inference (0 = OK) */
    uint8_t expert;        /* expert that ran (after the uncertainty lookup table) */
    uint8_t router_choice; /* the router's own top choice */
    uint16_t class_index;
    uint32_t uncertainty; /* summed variance, in the IR's fixed-point unit */
    uint32_t counter_frontend;
    uint32_t counter_router;
    uint32_t counter_expert;
    uint32_t counter_total;
    uint16_t n_logits;
    const int16_t *logits;
} qmoe_msg_infer_reply_t;

/* RUN_WINDOW: n back-to-back inferences on the loaded input, GPIO marker high meanwhile. */
typedef struct {
    uint32_t n;
} qmoe_msg_run_window_t;

typedef struct {
    uint32_t n;
    uint32_t counter_min;    /* fastest single inference, counter units */
    uint32_t counter_max;    /* slowest single inference */
    uint32_t energy_uj;      /* INA219 energy of the window in microjoules; 0 without a sensor */
    uint32_t energy_samples; /* INA219 samples taken; 0 without a sensor */
    uint64_t counter_total;  /* whole window: 64 bits, as 20 s at 240 MHz overflows 2^32 */
} qmoe_msg_run_window_reply_t;

/* ERROR. detail: NUL-terminated text, cut to QMOE_MSG_ERROR_DETAIL_MAX; may be NULL. Bytes outside
 * printable ASCII (0x20..0x7E) are sent as '?'. */
typedef struct {
    uint8_t code;         /* qmoe_proto_error_t */
    uint8_t request_type; /* the offending request's type, or QMOE_MSG_NO_TYPE */
    const char *detail;
} qmoe_msg_error_t;

/* Requests. BAD_LENGTH when the payload size is wrong, OUT_OF_RANGE for a bad field value. */
qmoe_proto_error_t qmoe_msg_load_input_unpack(const uint8_t *payload, size_t len,
                                              qmoe_msg_load_input_t *m);
qmoe_proto_error_t qmoe_msg_run_window_unpack(const uint8_t *payload, size_t len,
                                              qmoe_msg_run_window_t *m);

/* Replies: write the payload into out[0..cap) and its size into *len. QMOE_ERR_ARG when it does
 * not fit, a string is too long, or logits is NULL with n_logits > 0. */
qmoe_status_t qmoe_msg_info_pack(const qmoe_msg_info_t *m, uint8_t *out, size_t cap, size_t *len);
qmoe_status_t qmoe_msg_load_ack_pack(const qmoe_msg_load_ack_t *m, uint8_t *out, size_t cap,
                                     size_t *len);
qmoe_status_t qmoe_msg_infer_reply_pack(const qmoe_msg_infer_reply_t *m, uint8_t *out, size_t cap,
                                        size_t *len);
qmoe_status_t qmoe_msg_run_window_reply_pack(const qmoe_msg_run_window_reply_t *m, uint8_t *out,
                                             size_t cap, size_t *len);
qmoe_status_t qmoe_msg_error_pack(const qmoe_msg_error_t *m, uint8_t *out, size_t cap, size_t *len);

#endif /* QMOE_MSG_H */

/* bench_main.c: the benchmark app's entry point, receive loop and small requests (PING, INFO).
 *
 * Loop: read what the port has, feed it to the frame parser and answer every event; with nothing
 * to read, sleep in qmoe_port_wait_for_input() (WFI on bare metal) unless a frame is half
 * received, in which case poll the counter until QMOE_FRAME_IDLE_MS of silence and then reset
 * the parser (docs/protocol.md, rule 5). LOAD_INPUT is in bench_input.c, INFER and RUN_WINDOW in
 * bench_infer.c. docs/firmware.md describes the app.
 */
#include "bench_app.h"
#include "qmoe_compiler.h"
#include "qmoe_port.h"

#define RX_CHUNK 64u
#define POLL_PAUSE 1000u /* loop iterations between polls while a frame is half received */

const qmoe_model_t *const app_model = QMOE_APP_MODEL;
app_input_t app_input;
int8_t app_x[QMOE_APP_N_FEATURES] QMOE_ALIGN(4); /* aligned: set_input copies words */
uint64_t app_arena[(QMOE_APP_ARENA_BYTES + 7u) / 8u];

static uint8_t rx_buf[QMOE_FRAME_BUFFER_SIZE(QMOE_FRAME_MAX_PAYLOAD)];
static uint8_t tx_buf[QMOE_FRAME_BUFFER_SIZE(QMOE_FRAME_MAX_PAYLOAD)];
static qmoe_frame_parser_t parser;
static bool header_error_sent; /* one BAD_CRC reply per run of unreadable headers */

uint8_t *app_reply_payload(void)
{
    return tx_buf + QMOE_FRAME_HEADER_SIZE;
}

size_t app_reply_capacity(void)
{
    return QMOE_FRAME_MAX_PAYLOAD;
}

static void send_frame(uint8_t type, uint8_t seq, size_t len)
{
    size_t n = 0;

    if (qmoe_frame_encode(tx_buf, sizeof tx_buf, type, seq, app_reply_payload(), len, &n) ==
        QMOE_OK) {
        qmoe_port_write(tx_buf, n);
    }
}

void app_send_reply(const app_request_t *req, size_t len)
{
    send_frame((uint8_t)(req->type | QMOE_MSG_REPLY), req->seq, len);
}

void app_send_error(const app_request_t *req, qmoe_proto_error_t code, const char *detail)
{
    qmoe_msg_error_t err;
    size_t len = 0;

    err.code = (uint8_t)code;
    err.request_type = req->type;
    err.detail = detail;
    if (qmoe_msg_error_pack(&err, app_reply_payload(), app_reply_capacity(), &len) == QMOE_OK) {
        send_frame(QMOE_MSG_ERROR, req->seq, len);
    }
}

static void copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        dst[i] = src[i];
    }
}

static void handle_ping(const app_request_t *req)
{
    /* The request sits in rx_buf and the reply is built in tx_buf: they never overlap. */
    copy_bytes(app_reply_payload(), req->payload, req->length);
    app_send_reply(req, req->length);
}

static void handle_info(const app_request_t *req)
{
    static const uint8_t no_hash[QMOE_MSG_HASH_SIZE];
    const qmoe_model_t *model = app_model;
    qmoe_msg_info_t info;
    size_t len = 0;

    if (req->length != 0u) {
        app_send_error(req, QMOE_PROTO_BAD_LENGTH, "INFO takes an empty payload");
        return;
    }
    info.protocol_version = QMOE_FRAME_VERSION;
    info.input_kinds = 0;
    info.max_payload = (uint16_t)QMOE_FRAME_MAX_PAYLOAD;
    info.clock_hz = QMOE_APP_CLOCK_HZ;
    info.counter_per_tick = QMOE_APP_COUNTER_PER_TICK;
    info.model_flash_bytes = 0;
    info.model_ram_bytes = 0;
    copy_bytes(info.model_hash, no_hash, QMOE_MSG_HASH_SIZE);
    if (model != NULL) {
        info.input_kinds = (uint8_t)QMOE_INPUT_KIND_BIT(QMOE_INPUT_FEATURES_I8);
        if (QMOE_APP_HAS_FRONTEND && model->input_kind == QMOE_INPUT_FRONTEND) {
            info.input_kinds |= (uint8_t)QMOE_INPUT_KIND_BIT(QMOE_INPUT_PCM_I16);
        }
        info.model_flash_bytes = model->flash_bytes;
        info.model_ram_bytes = model->arena_bytes;
        copy_bytes(info.model_hash, model->hash, QMOE_MSG_HASH_SIZE);
    }
    info.board = qmoe_port_board();
    info.core = QMOE_APP_CORE;
    info.counter = QMOE_APP_COUNTER_KIND;
    info.counter_unit = QMOE_APP_COUNTER_UNIT;
    info.runtime_version = QMOE_APP_RUNTIME_VERSION;
    if (qmoe_msg_info_pack(&info, app_reply_payload(), app_reply_capacity(), &len) != QMOE_OK) {
        app_send_error(req, QMOE_PROTO_INTERNAL, "a text field of INFO is too long");
        return;
    }
    app_send_reply(req, len);
}

static void dispatch(const qmoe_frame_result_t *res)
{
    app_request_t req;

    req.type = res->type;
    req.seq = res->seq;
    req.payload = res->payload;
    req.length = res->length;
    switch (res->type) {
    case QMOE_MSG_PING:
        handle_ping(&req);
        break;
    case QMOE_MSG_INFO:
        handle_info(&req);
        break;
    case QMOE_MSG_LOAD_INPUT:
        app_handle_load_input(&req);
        break;
    case QMOE_MSG_INFER:
        app_handle_infer(&req);
        break;
    case QMOE_MSG_RUN_WINDOW:
        app_handle_run_window(&req);
        break;
    default:
        app_send_error(&req, QMOE_PROTO_UNKNOWN_COMMAND, "not a request type this device knows");
        break;
    }
}

static void rejected(const qmoe_frame_result_t *res)
{
    app_request_t req = {QMOE_MSG_NO_TYPE, 0, (const uint8_t *)0, 0};

    if (res->header_ok) {
        req.type = res->type;
        req.seq = res->seq;
        app_send_error(&req, res->error, (const char *)0);
    } else if (!header_error_sent) {
        header_error_sent = true;
        app_send_error(&req, QMOE_PROTO_BAD_CRC, "header check failed");
    }
}

/* A short pause of pure computation between polls of a half-received frame. Under QEMU -icount
 * virtual time advances per instruction while a device-register read costs far more host time
 * than an instruction, so polling alone would stretch the 100 ms idle time to seconds. */
static void pause_briefly(void)
{
    volatile uint32_t n = POLL_PAUSE;

    while (n > 0u) {
        n = n - 1u;
    }
}

/* Run the parser over data[0..n) (n may be 0 after a reset) and answer every event. */
static void feed(const uint8_t *data, size_t n)
{
    for (;;) {
        qmoe_frame_result_t res;
        size_t used = qmoe_frame_feed(&parser, data, n, &res);

        if (used > 0u) {
            data += used;
            n -= used;
        }
        if (res.event == QMOE_FRAME_NONE) {
            return;
        }
        if (res.event == QMOE_FRAME_READY) {
            header_error_sent = false;
            dispatch(&res);
        } else {
            rejected(&res);
        }
    }
}

int qmoe_app_main(void)
{
    uint8_t chunk[RX_CHUNK];
    uint32_t last_byte = 0;

    if (qmoe_port_init() != QMOE_OK ||
        qmoe_frame_parser_init(&parser, rx_buf, sizeof rx_buf) != QMOE_OK) {
        return 1;
    }
    for (;;) {
        int n = qmoe_port_read(chunk, sizeof chunk);

        if (n > 0) {
            feed(chunk, (size_t)n);
            last_byte = qmoe_port_counter(); /* after the work: time answering is not silence */
        } else if (qmoe_frame_pending(&parser)) {
            /* Half a frame: poll, since a sleeping core would never notice the silence. */
            if ((uint32_t)(qmoe_port_counter() - last_byte) >= QMOE_APP_IDLE_COUNTS) {
                qmoe_frame_reset(&parser);
                feed((const uint8_t *)0, 0);
            } else {
                pause_briefly();
            }
        } else {
            qmoe_port_wait_for_input();
        }
    }
}

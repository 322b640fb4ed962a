/* bench_app.h: the benchmark app's shared state and internal calls (not a public header).
 *
 * The app (docs/firmware.md) answers the serial protocol of docs/protocol.md: PING, INFO,
 * LOAD_INPUT, INFER and RUN_WINDOW. Everything lives in static memory sized at build time by
 * the generated model header (qmoe_model_data.h) and the protocol's maximum payload.
 *
 * Build-time facts about the board come as -D defines from qmoe.build (board.toml); each has a
 * default here so that the app also compiles by hand:
 *   QMOE_APP_CORE, QMOE_APP_COUNTER_KIND, QMOE_APP_COUNTER_UNIT, QMOE_APP_RUNTIME_VERSION  strings
 *   QMOE_APP_CLOCK_HZ            core clock (0 when unknown)
 *   QMOE_APP_COUNTER_PER_TICK    counter units per count (integer)
 *   QMOE_APP_COUNTS_PER_MS       counter counts per millisecond (the idle reset's clock)
 * QMOE_APP_NO_MODEL builds the app without a model (every model request gets NO_MODEL).
 */
#ifndef QMOE_BENCH_APP_H
#define QMOE_BENCH_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qmoe_frame.h"
#include "qmoe_frontend.h"
#include "qmoe_model.h"
#include "qmoe_msg.h"

#ifndef QMOE_APP_CORE
#define QMOE_APP_CORE "unknown"
#endif
#ifndef QMOE_APP_COUNTER_KIND
#define QMOE_APP_COUNTER_KIND "unknown"
#endif
#ifndef QMOE_APP_COUNTER_UNIT
#define QMOE_APP_COUNTER_UNIT "unknown"
#endif
#ifndef QMOE_APP_RUNTIME_VERSION
#define QMOE_APP_RUNTIME_VERSION "unknown" /* qmoe.build passes qmoe_codegen.__version__ */
#endif
#ifndef QMOE_APP_CLOCK_HZ
#define QMOE_APP_CLOCK_HZ 0u
#endif
#ifndef QMOE_APP_COUNTER_PER_TICK
#define QMOE_APP_COUNTER_PER_TICK 1u
#endif
#ifndef QMOE_APP_COUNTS_PER_MS
#error "QMOE_APP_COUNTS_PER_MS (counter counts per millisecond) must come from the build"
#endif

#ifdef QMOE_APP_NO_MODEL
#define QMOE_APP_MODEL ((const qmoe_model_t *)0)
#define QMOE_APP_ARENA_BYTES 8u
#define QMOE_APP_N_FEATURES 1u
#define QMOE_APP_SCRATCH_BYTES 0u
#else
#include "qmoe_model_data.h"
#define QMOE_APP_MODEL (&qmoe_model)
#define QMOE_APP_ARENA_BYTES QMOE_MODEL_ARENA_BYTES
#define QMOE_APP_N_FEATURES QMOE_MODEL_N_FEATURES
#define QMOE_APP_SCRATCH_BYTES QMOE_MODEL_FRONTEND_SCRATCH_BYTES
#endif

/* The PCM path (LOAD_INPUT kind 2) exists only in builds whose model has a front end. */
#define QMOE_APP_HAS_FRONTEND (QMOE_APP_SCRATCH_BYTES > 0u)

/* Idle reset of the frame parser (docs/protocol.md, rule 5), in counter counts. */
#define QMOE_APP_IDLE_COUNTS ((uint32_t)(QMOE_FRAME_IDLE_MS * (QMOE_APP_COUNTS_PER_MS)))

/* The one input the app holds (LOAD_INPUT), re-run by INFER and RUN_WINDOW. */
typedef struct {
    uint8_t kind;             /* qmoe_input_kind_t of the input in progress; 0 when none */
    uint32_t total;           /* its total_bytes */
    uint32_t received;        /* bytes held contiguously from offset 0 */
    bool ready;               /* complete, and X holds the model input */
    uint32_t frontend_counts; /* counter spent in the front end for this input (PCM only) */
    uint8_t odd;              /* PCM: the low byte of a sample split across chunks */
} app_input_t;

/* Static memory of the app, defined in bench_main.c. app_model is QMOE_APP_MODEL (NULL in a
 * build without a model). */
extern const qmoe_model_t *const app_model;
extern app_input_t app_input;
extern int8_t app_x[QMOE_APP_N_FEATURES]; /* the loaded int8 model input X */
extern uint64_t app_arena[(QMOE_APP_ARENA_BYTES + 7u) / 8u];

/* A request being answered: its type and seq, for the reply frame. */
typedef struct {
    uint8_t type;
    uint8_t seq;
    const uint8_t *payload;
    uint16_t length;
} app_request_t;

/* Room for a reply payload: it is packed in place, then framed around it. */
uint8_t *app_reply_payload(void);
size_t app_reply_capacity(void);

/* Frame and send the reply of `req` whose payload of `len` bytes sits at app_reply_payload(). */
void app_send_reply(const app_request_t *req, size_t len);

/* Send ERROR(code, req type) with req's seq; detail is printable ASCII or NULL. */
void app_send_error(const app_request_t *req, qmoe_proto_error_t code, const char *detail);

/* Message handlers: each sends exactly one reply frame (the reply or an ERROR). */
void app_handle_load_input(const app_request_t *req);
void app_handle_infer(const app_request_t *req);
void app_handle_run_window(const app_request_t *req);

/* NO_INPUT / BAD_LENGTH / NO_MODEL check shared by INFER and RUN_WINDOW: true when X can run,
 * else the ERROR has been sent. */
bool app_input_runnable(const app_request_t *req);

#endif /* QMOE_BENCH_APP_H */

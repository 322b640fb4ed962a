/* qmoe_mp.h: the MicroPython module `qmoe` over the C runtime (docs/micropython.md).
 *
 * qmoe.Model holds one model (compiled into the firmware, or loaded from a blob with
 * firmware/include/qmoe_blob.h) and everything one inference needs, allocated once when the
 * model is made: the arena, the front end's scratch and features, the int8 input `x`, a Result
 * and a Stream. Model.infer(), Stream.push() and Stream.finish() then allocate nothing: they run
 * the runtime in that memory and update the Result in place.
 */
#ifndef QMOE_MP_H
#define QMOE_MP_H

#include <stdbool.h>
#include <stdint.h>

#include "py/obj.h"
#include "qmoe_frontend.h"
#include "qmoe_model.h"

#define QMOE_MP_FEATURES 1 /* the serial protocol's input kinds (docs/protocol.md) */
#define QMOE_MP_PCM 2
#define QMOE_MP_COUNTER_MASK 0x3FFFFFFFu /* counters wrap at 2^30: small ints, no allocation */

enum { QMOE_MP_FRONTEND, QMOE_MP_ROUTER, QMOE_MP_EXPERT, QMOE_MP_TOTAL, QMOE_MP_STAGES };

typedef struct _qmoe_mp_model_t qmoe_mp_model_t;

/* The outcome of the latest inference of a model, updated in place by every inference. */
typedef struct {
    mp_obj_base_t base;
    uint16_t cls;
    uint8_t expert;
    uint8_t choice;
    uint32_t uncertainty;
    mp_obj_t logits;   /* memoryview 'h' over the model's logits copy */
    mp_obj_t counters; /* memoryview 'I': front end, router, expert, total */
} qmoe_mp_result_t;

/* A clip streamed through the front end in chunks (one per model). */
typedef struct {
    mp_obj_base_t base;
    qmoe_mp_model_t *owner;
    qmoe_frontend_state_t st;
    uint32_t samples;
    uint32_t counts; /* counter spent in the front end for this clip */
    uint8_t odd;     /* low byte of a sample split across chunks */
    bool have_odd;
    bool active;
} qmoe_mp_stream_t;

struct _qmoe_mp_model_t {
    mp_obj_base_t base;
    const qmoe_model_t *model;
    mp_obj_t source; /* the blob's object (kept alive), or None for the built-in model */
    uint64_t *arena;
    size_t arena_bytes;
    uint64_t *scratch; /* front-end scratch, NULL without a front end */
    size_t scratch_bytes;
    int32_t *features; /* n_features, NULL without a front end */
    mp_obj_t x;        /* bytearray(n_features): the int8 input the front end made last */
    int8_t *xbuf;      /* its bytes */
    int16_t *logits;   /* n_classes */
    uint32_t counts[QMOE_MP_STAGES];
    qmoe_mp_result_t *result;
    qmoe_mp_stream_t *stream;
    size_t heap_bytes; /* what the model allocated on the MicroPython heap */
};

extern const mp_obj_type_t qmoe_mp_result_type;
extern const mp_obj_type_t qmoe_mp_stream_type;

/* The board's counter (micropython/usermod/qmoe/counter/), in its own units. */
uint32_t qmoe_mp_counter(void);

/* Raise RuntimeError for a runtime status other than QMOE_OK. */
void qmoe_mp_check(qmoe_status_t st, const char *what);

/* Run router and expert on the X in the arena (input counts already in counts[]), fill the
 * Result and return it. t0: the counter when the call began. */
mp_obj_t qmoe_mp_run(qmoe_mp_model_t *self, uint32_t t0);

/* Start a clip on the model's stream (discarding any clip in progress). */
void qmoe_mp_stream_begin(qmoe_mp_model_t *self);

/* Push the bytes of buf (int16 little-endian samples, possibly split across calls). */
void qmoe_mp_stream_push_bytes(qmoe_mp_stream_t *s, const uint8_t *p, size_t n);

/* End the clip: features, quantized input X, then the model. */
mp_obj_t qmoe_mp_stream_finish_run(qmoe_mp_stream_t *s, uint32_t t0);

#endif /* QMOE_MP_H */

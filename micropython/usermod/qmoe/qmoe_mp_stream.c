/* qmoe_mp_stream.c: qmoe.Result, qmoe.Stream and the inference steps qmoe.Model shares with them
 * (docs/micropython.md). Nothing here allocates: a model's Result and Stream, and the memory they
 * work in, were allocated when the model was made (modqmoe.c).
 */
#include <string.h>

#include "py/binary.h"
#include "py/runtime.h"
#include "qmoe_mp.h"

#define STAGE 64u /* samples converted per qmoe_frontend_push from misaligned or split bytes */

mp_obj_t qmoe_mp_run(qmoe_mp_model_t *self, uint32_t t0)
{
    const qmoe_model_t *m = self->model;
    qmoe_mp_result_t *r = self->result;
    qmoe_route_t route;
    const int16_t *logits;
    uint16_t cls;
    uint32_t t1 = qmoe_mp_counter();
    qmoe_mp_check(qmoe_router_run(m, self->arena, self->arena_bytes, &route), "the router");
    uint32_t t2 = qmoe_mp_counter();
    qmoe_mp_check(qmoe_expert_run(m, route.expert, self->arena, self->arena_bytes, &logits, &cls),
                  "the expert");
    for (uint16_t c = 0; c < m->n_classes; ++c) {
        self->logits[c] = logits[c];
    }
    uint32_t t3 = qmoe_mp_counter();
    self->counts[QMOE_MP_ROUTER] = t2 - t1;
    self->counts[QMOE_MP_EXPERT] = t3 - t2;
    self->counts[QMOE_MP_TOTAL] = t3 - t0;
    r->cls = cls;
    r->expert = route.expert;
    r->choice = route.choice;
    r->uncertainty = route.uncertainty;
    return MP_OBJ_FROM_PTR(r);
}

void qmoe_mp_stream_begin(qmoe_mp_model_t *self)
{
    qmoe_mp_stream_t *s = self->stream;
    uint32_t t0 = qmoe_mp_counter();
    qmoe_mp_check(
        qmoe_frontend_begin(self->model->frontend, &s->st, self->scratch, self->scratch_bytes),
        "the front end");
    s->samples = 0;
    s->have_odd = false;
    s->active = true;
    s->counts = qmoe_mp_counter() - t0;
}

static void push_samples(qmoe_mp_stream_t *s, const int16_t *pcm, size_t n)
{
    qmoe_status_t st = qmoe_frontend_push(&s->st, pcm, n);
    if (st != QMOE_OK) {
        s->active = false;
        mp_raise_ValueError(MP_ERROR_TEXT("PCM clip longer than the front end's frame limit"));
    }
    s->samples += (uint32_t)n;
}

void qmoe_mp_stream_push_bytes(qmoe_mp_stream_t *s, const uint8_t *p, size_t n)
{
    uint32_t t0 = qmoe_mp_counter();
    if (!s->active) {
        mp_raise_ValueError(MP_ERROR_TEXT("stream not started (or finished): call Model.stream()"));
    }
    if (!s->have_odd && ((uintptr_t)p & 1u) == 0u) {
        push_samples(s, (const int16_t *)(const void *)p, n / 2u); /* in place */
        p += n & ~(size_t)1u;
        n &= 1u;
    }
    int16_t stage[STAGE];
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!s->have_odd) {
            s->odd = p[i];
            s->have_odd = true;
            continue;
        }
        stage[k++] = (int16_t)(uint16_t)(s->odd | ((uint16_t)p[i] << 8));
        s->have_odd = false;
        if (k == STAGE) {
            push_samples(s, stage, k);
            k = 0;
        }
    }
    if (k > 0u) {
        push_samples(s, stage, k);
    }
    s->counts += qmoe_mp_counter() - t0;
}

mp_obj_t qmoe_mp_stream_finish_run(qmoe_mp_stream_t *s, uint32_t t0)
{
    qmoe_mp_model_t *self = s->owner;
    uint32_t t1 = qmoe_mp_counter();
    if (!s->active) {
        mp_raise_ValueError(MP_ERROR_TEXT("stream not started (or finished): call Model.stream()"));
    }
    s->active = false;
    if (s->have_odd) {
        mp_raise_ValueError(MP_ERROR_TEXT("PCM stream ended inside a sample (odd byte count)"));
    }
    qmoe_mp_check(qmoe_frontend_finish(&s->st, self->features), "the front end");
    qmoe_mp_check(
        qmoe_model_quantize_input(self->model, self->features, self->arena, self->arena_bytes),
        "the input quantizer");
    memcpy(self->xbuf, self->arena, self->model->input.n_features); /* the expert consumes X */
    self->counts[QMOE_MP_FRONTEND] = s->counts + (qmoe_mp_counter() - t1);
    return qmoe_mp_run(self, t0);
}

/* ---- qmoe.Stream ------------------------------------------------------------------------- */

static mp_obj_t stream_push(mp_obj_t self_in, mp_obj_t buf_in)
{
    qmoe_mp_stream_t *s = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t buf;
    mp_get_buffer_raise(buf_in, &buf, MP_BUFFER_READ);
    if (buf.typecode != 'h' && buf.typecode != 'B' && buf.typecode != 'b' &&
        buf.typecode != BYTEARRAY_TYPECODE) {
        mp_raise_ValueError(MP_ERROR_TEXT("push() takes int16 PCM: an array('h') or bytes"));
    }
    qmoe_mp_stream_push_bytes(s, buf.buf, buf.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(stream_push_obj, stream_push);

static mp_obj_t stream_finish(mp_obj_t self_in)
{
    qmoe_mp_stream_t *s = MP_OBJ_TO_PTR(self_in);
    return qmoe_mp_stream_finish_run(s, qmoe_mp_counter() - s->counts);
}
static MP_DEFINE_CONST_FUN_OBJ_1(stream_finish_obj, stream_finish);

static void stream_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest)
{
    qmoe_mp_stream_t *s = MP_OBJ_TO_PTR(self_in);
    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_samples) {
        dest[0] = mp_obj_new_int_from_uint(s->samples);
    } else if (dest[0] == MP_OBJ_NULL) {
        dest[1] = MP_OBJ_SENTINEL;
    }
}

static const mp_rom_map_elem_t stream_locals[] = {
    {MP_ROM_QSTR(MP_QSTR_push), MP_ROM_PTR(&stream_push_obj)},
    {MP_ROM_QSTR(MP_QSTR_finish), MP_ROM_PTR(&stream_finish_obj)},
};
static MP_DEFINE_CONST_DICT(stream_locals_dict, stream_locals);

MP_DEFINE_CONST_OBJ_TYPE(qmoe_mp_stream_type, MP_QSTR_Stream, MP_TYPE_FLAG_NONE, attr, stream_attr,
                         locals_dict, &stream_locals_dict);

/* ---- qmoe.Result ------------------------------------------------------------------------- */

static void result_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest)
{
    qmoe_mp_result_t *r = MP_OBJ_TO_PTR(self_in);
    if (dest[0] != MP_OBJ_NULL) {
        return; /* read-only */
    }
    if (attr == MP_QSTR_cls) {
        dest[0] = MP_OBJ_NEW_SMALL_INT(r->cls);
    } else if (attr == MP_QSTR_expert) {
        dest[0] = MP_OBJ_NEW_SMALL_INT(r->expert);
    } else if (attr == MP_QSTR_choice) {
        dest[0] = MP_OBJ_NEW_SMALL_INT(r->choice);
    } else if (attr == MP_QSTR_uncertainty) {
        dest[0] = mp_obj_new_int_from_uint(r->uncertainty); /* < 2^30: a small int */
    } else if (attr == MP_QSTR_logits) {
        dest[0] = r->logits;
    } else if (attr == MP_QSTR_counters) {
        dest[0] = r->counters;
    }
}

static void result_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind)
{
    qmoe_mp_result_t *r = MP_OBJ_TO_PTR(self_in);
    (void)kind;
    mp_printf(print, "<qmoe.Result cls=%u expert=%u choice=%u uncertainty=%u>", r->cls, r->expert,
              r->choice, (unsigned)r->uncertainty);
}

MP_DEFINE_CONST_OBJ_TYPE(qmoe_mp_result_type, MP_QSTR_Result, MP_TYPE_FLAG_NONE, attr, result_attr,
                         print, result_print);

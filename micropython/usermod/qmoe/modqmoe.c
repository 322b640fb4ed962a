/* modqmoe.c: the `qmoe` module and qmoe.Model (docs/micropython.md).
 *
 *   m = qmoe.Model()                 # the model compiled into the firmware
 *   m = qmoe.Model("model.qbin")     # a blob from a file (read once into the heap)
 *   m = qmoe.Model(blob_bytes)       # a blob in memory: used in place when it is an 8-byte
 *                                    # aligned bytes object, else copied once
 *   r = m.infer(buf)                 # int16 PCM or int8 features, any buffer -> qmoe.Result
 *   s = m.stream(); s.push(chunk) ...; r = s.finish()
 *   m.info()                         # formats, sizes, arena, heap, counter
 *
 * Everything an inference needs is allocated here, once; infer() allocates nothing.
 */
#include <string.h>

#include "py/binary.h"
#include "py/builtin.h"
#include "py/objarray.h"
#include "py/runtime.h"
#include "qmoe_blob.h"
#include "qmoe_mp.h"

#ifdef QMOE_MP_BUILTIN_MODEL
#include "qmoe_model_data.h"
#endif

#ifndef QMOE_MP_COUNTER_NAME
#define QMOE_MP_COUNTER_NAME "ticks_us"
#endif
#ifndef QMOE_MP_KERNELS
#define QMOE_MP_KERNELS "reference"
#endif

static const char *const format_names[] = {"?", "s1", "s2", "t2", "t5", "s4", "s8", "s16"};

void qmoe_mp_check(qmoe_status_t st, const char *what)
{
    if (st != QMOE_OK) {
        mp_raise_msg_varg(&mp_type_RuntimeError,
                          MP_ERROR_TEXT("qmoe runtime refused %s (status %d)"), what, (int)st);
    }
}

static void *alloc_zeroed(qmoe_mp_model_t *self, size_t bytes)
{
    size_t words = (bytes + 7u) / 8u;
    uint64_t *p = m_new(uint64_t, words > 0u ? words : 1u);
    memset(p, 0, words * 8u);
    self->heap_bytes += words * 8u;
    return p;
}

/* ValueError naming the blob and what the loader found wrong. */
static MP_NORETURN void blob_error(const char *where, const qmoe_blob_error_t *err)
{
    mp_raise_msg_varg(
        &mp_type_ValueError, MP_ERROR_TEXT("model blob %s: %s (at byte %u: %u, expected %u)"),
        where, err->what, (unsigned)err->offset, (unsigned)err->value, (unsigned)err->expected);
}

/* The blob's bytes, 8-byte aligned: a bytes object in place, anything else copied once. */
static const uint8_t *blob_bytes(qmoe_mp_model_t *self, mp_obj_t src, size_t *len)
{
    mp_buffer_info_t buf;
    mp_get_buffer_raise(src, &buf, MP_BUFFER_READ);
    *len = buf.len;
    if (mp_obj_is_type(src, &mp_type_bytes) && ((uintptr_t)buf.buf & 7u) == 0u) {
        self->source = src;
        return (const uint8_t *)buf.buf;
    }
    uint8_t *copy = alloc_zeroed(self, buf.len);
    memcpy(copy, buf.buf, buf.len);
    self->source = mp_obj_new_bytearray_by_ref(buf.len, copy);
    return copy;
}

static void load_blob(qmoe_mp_model_t *self, mp_obj_t src)
{
    const char *where = "(bytes)";
    if (mp_obj_is_str(src)) {
        where = mp_obj_str_get_str(src);
        mp_obj_t args[2] = {src, MP_OBJ_NEW_QSTR(MP_QSTR_rb)};
        mp_obj_t f = mp_call_function_n_kw(MP_OBJ_FROM_PTR(&mp_builtin_open_obj), 2, 0, args);
        mp_obj_t dest[2];
        mp_load_method(f, MP_QSTR_read, dest);
        src = mp_call_method_n_kw(0, 0, dest);
        mp_load_method(f, MP_QSTR_close, dest);
        mp_call_method_n_kw(0, 0, dest);
    }
    size_t len, need = 0;
    const uint8_t *blob = blob_bytes(self, src, &len);
    qmoe_blob_error_t err;
    if (qmoe_blob_workspace_size(blob, len, &need, &err) != QMOE_OK) {
        blob_error(where, &err);
    }
    void *work = alloc_zeroed(self, need);
    if (qmoe_blob_load(blob, len, work, need, &self->model, &err) != QMOE_OK) {
        blob_error(where, &err);
    }
}

static int hex_digit(char c)
{
    char lower = (char)(c | 0x20);
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}

static void check_hash(const qmoe_model_t *model, mp_obj_t want)
{
    uint8_t expect[QMOE_HASH_BYTES];
    mp_buffer_info_t buf;
    if (mp_obj_is_str(want)) {
        size_t n;
        const char *hex = mp_obj_str_get_data(want, &n);
        if (n != 2u * QMOE_HASH_BYTES) {
            mp_raise_ValueError(MP_ERROR_TEXT("hash: 64 hex digits expected"));
        }
        for (size_t i = 0; i < n; ++i) {
            int v = hex_digit(hex[i]);
            if (v < 0) {
                mp_raise_ValueError(MP_ERROR_TEXT("hash: 64 hex digits expected"));
            }
            expect[i / 2u] = (uint8_t)((i % 2u) ? (expect[i / 2u] | v) : (v << 4));
        }
    } else {
        mp_get_buffer_raise(want, &buf, MP_BUFFER_READ);
        if (buf.len != QMOE_HASH_BYTES) {
            mp_raise_ValueError(MP_ERROR_TEXT("hash: 32 bytes expected"));
        }
        memcpy(expect, buf.buf, QMOE_HASH_BYTES);
    }
    if (memcmp(expect, model->hash, QMOE_HASH_BYTES) != 0) {
        mp_raise_msg_varg(&mp_type_ValueError,
                          MP_ERROR_TEXT("model is %02x%02x%02x%02x..., not the expected "
                                        "%02x%02x%02x%02x..."),
                          model->hash[0], model->hash[1], model->hash[2], model->hash[3], expect[0],
                          expect[1], expect[2], expect[3]);
    }
}

/* The per-model memory: arena, front-end scratch and features, input copy, Result, Stream. */
static void allocate(qmoe_mp_model_t *self)
{
    const qmoe_model_t *m = self->model;
    self->arena_bytes = m->arena_bytes;
    self->arena = alloc_zeroed(self, m->arena_bytes);
    if (m->frontend != NULL) {
        self->scratch_bytes = qmoe_frontend_scratch_size(m->frontend);
        self->scratch = alloc_zeroed(self, self->scratch_bytes);
        self->features = alloc_zeroed(self, 4u * m->input.n_features);
    }
    self->xbuf = alloc_zeroed(self, m->input.n_features);
    self->x = mp_obj_new_bytearray_by_ref(m->input.n_features, self->xbuf);
    self->logits = alloc_zeroed(self, 2u * m->n_classes);
    qmoe_mp_result_t *r = mp_obj_malloc(qmoe_mp_result_t, &qmoe_mp_result_type);
    r->logits = mp_obj_new_memoryview('h', m->n_classes, self->logits);
    r->counters = mp_obj_new_memoryview('I', QMOE_MP_STAGES, self->counts);
    self->result = r;
    qmoe_mp_stream_t *s = mp_obj_malloc(qmoe_mp_stream_t, &qmoe_mp_stream_type);
    s->owner = self;
    self->stream = s;
    self->heap_bytes += sizeof *r + sizeof *s + 2u * sizeof(mp_obj_array_t);
}

static mp_obj_t model_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
                               const mp_obj_t *all_args)
{
    enum { ARG_source, ARG_hash };
    static const mp_arg_t allowed[] = {
        {MP_QSTR_source, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE}},
        {MP_QSTR_hash, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE}},
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed), allowed, args);
    qmoe_mp_model_t *self = mp_obj_malloc(qmoe_mp_model_t, type);
    self->source = mp_const_none;
    self->heap_bytes = sizeof *self;
    if (args[ARG_source].u_obj == mp_const_none) {
#ifdef QMOE_MP_BUILTIN_MODEL
        self->model = &qmoe_model;
#else
        mp_raise_ValueError(MP_ERROR_TEXT("no model is compiled into this firmware: "
                                          "give a .qbin path or its bytes"));
#endif
    } else {
        load_blob(self, args[ARG_source].u_obj);
    }
    if (args[ARG_hash].u_obj != mp_const_none) {
        check_hash(self->model, args[ARG_hash].u_obj);
    }
    allocate(self);
    return MP_OBJ_FROM_PTR(self);
}

/* The input kind of `buf`: its typecode when it says ('h' PCM, 'b' features), else `kind`, else
 * the model's own (PCM when it has a front end). */
static int input_kind(const qmoe_model_t *m, const mp_buffer_info_t *buf, mp_int_t kind)
{
    if (kind == QMOE_MP_FEATURES || kind == QMOE_MP_PCM) {
        return (int)kind;
    }
    if (kind != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("kind must be qmoe.PCM or qmoe.FEATURES"));
    }
    switch (buf->typecode) {
    case 'h':
        return QMOE_MP_PCM;
    case 'b':
        return QMOE_MP_FEATURES;
    case 'B':
    case BYTEARRAY_TYPECODE:
        return m->input_kind == QMOE_INPUT_FRONTEND ? QMOE_MP_PCM : QMOE_MP_FEATURES;
    default:
        mp_raise_msg_varg(&mp_type_ValueError,
                          MP_ERROR_TEXT("buffer of typecode '%c': give int16 PCM ('h', bytes) "
                                        "or int8 features ('b', bytes)"),
                          buf->typecode);
    }
}

static mp_obj_t model_infer(size_t n_args, const mp_obj_t *pos, mp_map_t *kw)
{
    enum { ARG_self, ARG_buf, ARG_kind };
    static const mp_arg_t allowed[] = {
        {MP_QSTR_self, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE}},
        {MP_QSTR_buf, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE}},
        {MP_QSTR_kind, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 0}},
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed)];
    mp_arg_parse_all(n_args, pos, kw, MP_ARRAY_SIZE(allowed), allowed, args);
    uint32_t t0 = qmoe_mp_counter();
    qmoe_mp_model_t *self = MP_OBJ_TO_PTR(args[ARG_self].u_obj);
    const qmoe_model_t *m = self->model;
    mp_buffer_info_t buf;
    mp_get_buffer_raise(args[ARG_buf].u_obj, &buf, MP_BUFFER_READ);
    if (input_kind(m, &buf, args[ARG_kind].u_int) == QMOE_MP_PCM) {
        if (m->frontend == NULL) {
            mp_raise_ValueError(MP_ERROR_TEXT("this model has no front end: give its int8 "
                                              "feature vector"));
        }
        if (buf.len % 2u != 0u) {
            mp_raise_msg_varg(&mp_type_ValueError,
                              MP_ERROR_TEXT("PCM buffer of %u bytes: int16 samples need an even "
                                            "number"),
                              (unsigned)buf.len);
        }
        qmoe_mp_stream_begin(self);
        qmoe_mp_stream_push_bytes(self->stream, buf.buf, buf.len);
        return qmoe_mp_stream_finish_run(self->stream, t0);
    }
    if (buf.len != m->input.n_features) {
        mp_raise_msg_varg(&mp_type_ValueError,
                          MP_ERROR_TEXT("feature vector of %u bytes: the model takes %u int8 "
                                        "values"),
                          (unsigned)buf.len, (unsigned)m->input.n_features);
    }
    self->stream->active = false;
    qmoe_mp_check(qmoe_model_set_input(m, buf.buf, self->arena, self->arena_bytes), "the input");
    self->counts[QMOE_MP_FRONTEND] = 0;
    return qmoe_mp_run(self, t0);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(model_infer_obj, 2, model_infer);

static mp_obj_t model_stream(mp_obj_t self_in)
{
    qmoe_mp_model_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->model->frontend == NULL) {
        mp_raise_ValueError(MP_ERROR_TEXT("this model has no front end to stream PCM into"));
    }
    qmoe_mp_stream_begin(self);
    return MP_OBJ_FROM_PTR(self->stream);
}
static MP_DEFINE_CONST_FUN_OBJ_1(model_stream_obj, model_stream);

static void store(mp_obj_t dict, qstr key, mp_obj_t value)
{
    mp_obj_dict_store(dict, MP_OBJ_NEW_QSTR(key), value);
}

static mp_obj_t layer_info(const qmoe_fc_t *fc)
{
    uint32_t bytes = (uint32_t)fc->n_out * fc->row_bytes;
    mp_obj_t t[4] = {
        MP_OBJ_NEW_SMALL_INT(fc->n_in),
        MP_OBJ_NEW_SMALL_INT(fc->n_out),
        mp_obj_new_str_from_cstr(format_names[fc->format <= 7 ? fc->format : 0]),
        mp_obj_new_int_from_uint(bytes),
    };
    return mp_obj_new_tuple(4, t);
}

static mp_obj_t model_info(mp_obj_t self_in)
{
    qmoe_mp_model_t *self = MP_OBJ_TO_PTR(self_in);
    const qmoe_model_t *m = self->model;
    mp_obj_t d = mp_obj_new_dict(0);
    store(d, MP_QSTR_name, mp_obj_new_str_from_cstr(m->name));
    store(d, MP_QSTR_hash, mp_obj_new_bytes(m->hash, QMOE_HASH_BYTES));
    store(d, MP_QSTR_source,
          MP_OBJ_NEW_QSTR(self->source == mp_const_none ? MP_QSTR_firmware : MP_QSTR_blob));
    store(d, MP_QSTR_input, MP_OBJ_NEW_QSTR(m->frontend != NULL ? MP_QSTR_pcm : MP_QSTR_features));
    store(d, MP_QSTR_n_features, MP_OBJ_NEW_SMALL_INT(m->input.n_features));
    store(d, MP_QSTR_n_classes, MP_OBJ_NEW_SMALL_INT(m->n_classes));
    mp_obj_t experts = mp_obj_new_list(0, NULL);
    for (uint8_t e = 0; e < m->n_experts; ++e) {
        const qmoe_expert_t *ex = &m->experts[e];
        mp_obj_t layers = mp_obj_new_list(0, NULL);
        for (uint8_t k = 0; k < ex->n_layers; ++k) {
            mp_obj_list_append(layers, layer_info(&ex->layers[k]));
        }
        mp_obj_t t[2] = {mp_obj_new_str_from_cstr(ex->label), layers};
        mp_obj_list_append(experts, mp_obj_new_tuple(2, t));
    }
    store(d, MP_QSTR_experts, experts);
    const qmoe_router_t *r = m->router;
    store(d, MP_QSTR_router,
          r == NULL ? MP_OBJ_NEW_QSTR(MP_QSTR_none)
                    : MP_OBJ_NEW_QSTR(r->kind == QMOE_ROUTER_CURIOSITY ? MP_QSTR_curiosity
                                                                       : MP_QSTR_softmax));
    store(d, MP_QSTR_passes, MP_OBJ_NEW_SMALL_INT(r == NULL ? 0 : r->n_passes));
    store(d, MP_QSTR_arena_bytes, mp_obj_new_int_from_uint(self->arena_bytes));
    store(d, MP_QSTR_frontend_scratch_bytes, mp_obj_new_int_from_uint(self->scratch_bytes));
    store(d, MP_QSTR_flash_bytes, mp_obj_new_int_from_uint(m->flash_bytes));
    store(d, MP_QSTR_heap_bytes, mp_obj_new_int_from_uint(self->heap_bytes));
    store(d, MP_QSTR_counter, mp_obj_new_str_from_cstr(QMOE_MP_COUNTER_NAME));
    store(d, MP_QSTR_kernels, mp_obj_new_str_from_cstr(QMOE_MP_KERNELS));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(model_info_obj, model_info);

static void model_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest)
{
    qmoe_mp_model_t *self = MP_OBJ_TO_PTR(self_in);
    const qmoe_model_t *m = self->model;
    if (dest[0] != MP_OBJ_NULL) {
        return; /* read-only */
    }
    if (attr == MP_QSTR_x) {
        dest[0] = self->x;
    } else if (attr == MP_QSTR_result) {
        dest[0] = MP_OBJ_FROM_PTR(self->result);
    } else if (attr == MP_QSTR_hash) {
        dest[0] = mp_obj_new_bytes(m->hash, QMOE_HASH_BYTES);
    } else if (attr == MP_QSTR_classes) {
        mp_obj_tuple_t *t = MP_OBJ_TO_PTR(mp_obj_new_tuple(m->n_classes, NULL));
        for (uint16_t c = 0; c < m->n_classes; ++c) {
            t->items[c] = mp_obj_new_str_from_cstr(m->class_names[c]);
        }
        dest[0] = MP_OBJ_FROM_PTR(t);
    } else if (attr == MP_QSTR_n_features) {
        dest[0] = MP_OBJ_NEW_SMALL_INT(m->input.n_features);
    } else {
        dest[1] = MP_OBJ_SENTINEL; /* continue lookup in locals_dict */
    }
}

static const mp_rom_map_elem_t model_locals[] = {
    {MP_ROM_QSTR(MP_QSTR_infer), MP_ROM_PTR(&model_infer_obj)},
    {MP_ROM_QSTR(MP_QSTR_stream), MP_ROM_PTR(&model_stream_obj)},
    {MP_ROM_QSTR(MP_QSTR_info), MP_ROM_PTR(&model_info_obj)},
};
static MP_DEFINE_CONST_DICT(model_locals_dict, model_locals);

static MP_DEFINE_CONST_OBJ_TYPE(qmoe_mp_model_type, MP_QSTR_Model, MP_TYPE_FLAG_NONE, make_new,
                                model_make_new, attr, model_attr, locals_dict, &model_locals_dict);

static mp_obj_t mod_counter(void)
{
    return MP_OBJ_NEW_SMALL_INT(qmoe_mp_counter() & QMOE_MP_COUNTER_MASK);
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_counter_obj, mod_counter);

static const mp_rom_map_elem_t qmoe_globals[] = {
    {MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_qmoe)},
    {MP_ROM_QSTR(MP_QSTR_Model), MP_ROM_PTR(&qmoe_mp_model_type)},
    {MP_ROM_QSTR(MP_QSTR_Result), MP_ROM_PTR(&qmoe_mp_result_type)},
    {MP_ROM_QSTR(MP_QSTR_Stream), MP_ROM_PTR(&qmoe_mp_stream_type)},
    {MP_ROM_QSTR(MP_QSTR_counter), MP_ROM_PTR(&mod_counter_obj)},
    {MP_ROM_QSTR(MP_QSTR_FEATURES), MP_ROM_INT(QMOE_MP_FEATURES)},
    {MP_ROM_QSTR(MP_QSTR_PCM), MP_ROM_INT(QMOE_MP_PCM)},
};
static MP_DEFINE_CONST_DICT(qmoe_globals_dict, qmoe_globals);

const mp_obj_module_t qmoe_user_cmodule = {
    .base = {&mp_type_module},
    .globals = (mp_obj_dict_t *)&qmoe_globals_dict,
};

MP_REGISTER_MODULE(MP_QSTR_qmoe, qmoe_user_cmodule);

/* qmoe_blob.h: load a model blob (`*.qbin`, written by `qmoe-host export --qbin`) in place.
 *
 * The format is docs/blob.md: a 72-byte header (magic "QMOEBLOB", blob format version, IR schema
 * version, sizes, CRC-32 of the body, the IR content hash), records of little-endian uint32
 * words, and the arrays the records point to, each at an 8-byte aligned offset in the element
 * type the runtime reads. The loader checks every field, offset and length before the runtime
 * may touch it; a blob it accepts cannot make the runtime read or write out of bounds or
 * overflow a signed integer. Nothing is copied: the model's arrays point into the blob, which
 * must stay valid (and unchanged) as long as the model is used. No malloc: the descriptors
 * (qmoe_model_t, layers, router, front end, name pointers) go into a caller's workspace of
 * qmoe_blob_workspace_size() bytes.
 *
 * Usage:
 *   qmoe_blob_error_t err;
 *   size_t need;
 *   if (qmoe_blob_workspace_size(blob, size, &need, &err) != QMOE_OK) report(err.what, err.offset);
 *   ... get `need` bytes, 8-byte aligned ...
 *   const qmoe_model_t *model;
 *   if (qmoe_blob_load(blob, size, work, need, &model, &err) != QMOE_OK) report(...);
 *   qmoe_model_infer(model, arena, model->arena_bytes, &result);   // arena as for any model
 *
 * The blob must start at an 8-byte aligned address and the host must be little-endian (every
 * target of qmoe is). Status: QMOE_OK; QMOE_ERR_ARG for a NULL pointer, a misaligned blob or
 * workspace, a workspace too small, or a blob that fails a check (err says which);
 * QMOE_ERR_UNSUPPORTED on a big-endian host.
 */
#ifndef QMOE_BLOB_H
#define QMOE_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "qmoe_model.h"
#include "qmoe_status.h"

#define QMOE_BLOB_MAGIC "QMOEBLOB"
/* 2: the model record ends with the kernel scratch; 3: the router record holds its
 * working-memory offsets (h, hm, z, s1, s2); 4: the front-end record ends with the stats mask;
 * 5: t5 weights are row-padded (row_bytes = ceil(n_in / 5) or more), no longer one stream */
#define QMOE_BLOB_FORMAT_VERSION 5u
#define QMOE_BLOB_IR_VERSION 1u /* the newest IR schema version this runtime reads */
#define QMOE_BLOB_HEADER_BYTES 72u
#define QMOE_BLOB_ALIGN 8u

/* What is wrong with a refused blob: a static English phrase (e.g. "truncated", "checksum
 * mismatch", "layer weights outside the blob") and the byte offset of the field at fault (0 when
 * the blob as a whole is). `value` and `expected` give the numbers where there are two. */
typedef struct {
    const char *what;
    uint32_t offset;
    uint32_t value;
    uint32_t expected;
} qmoe_blob_error_t;

/* The header's facts, readable after qmoe_blob_workspace_size() succeeded. */
typedef struct {
    uint16_t format_version;
    uint16_t ir_version;
    uint32_t total_bytes;
    uint8_t hash[QMOE_HASH_BYTES];
} qmoe_blob_header_t;

/* Check the header and checksum of `blob` (size bytes) and the record structure; set *bytes to
 * the workspace qmoe_blob_load() needs. */
qmoe_status_t qmoe_blob_workspace_size(const void *blob, size_t size, size_t *bytes,
                                       qmoe_blob_error_t *err);

/* Check everything and build the model's descriptors in `work` (8-byte aligned, work_size
 * bytes); *model points into `work` and its arrays into `blob`. */
qmoe_status_t qmoe_blob_load(const void *blob, size_t size, void *work, size_t work_size,
                             const qmoe_model_t **model, qmoe_blob_error_t *err);

/* The header fields of a blob that passed qmoe_blob_workspace_size(). */
qmoe_status_t qmoe_blob_header(const void *blob, size_t size, qmoe_blob_header_t *header);

#endif /* QMOE_BLOB_H */

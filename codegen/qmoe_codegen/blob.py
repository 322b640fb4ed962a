"""Model blobs (`*.qbin`): one IR as a single little-endian binary file that the C runtime loads
in place (firmware/include/qmoe_blob.h) and the golden model reads back (docs/blob.md).

Layout: a 72-byte header (magic, blob format version, IR schema version, sizes, CRC-32 of the body,
the IR content hash), then the records the C loader reads (little-endian uint32 words; array
fields are (offset, byte count) pairs into the blob), then the arrays (each at an 8-byte aligned
offset, in the element type the runtime reads), then the IR as JSON with its arrays referring to
the same bytes. `write_blob(ir)` writes it; `read_blob(data)` checks it in the order the C loader
does and returns the IR, whose content hash must equal the header's.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import IRError
from .frontend import build_tables
from .ir import (
    IR,
    SCHEMA_VERSION,
    Layer,
    check_sealed,
    content_hash,
    from_dict,
    to_dict,
    validate,
)
from .memory import scratch_of
from .modelfile import flatten, unflatten

MAGIC = b"QMOEBLOB"
# 2: the model record ends with the kernel scratch (offset, bytes); 3: the router record holds
# every working-memory offset (h, hm, z, s1, s2); 4: the front-end record ends with the
# pooled-statistics mask; 5: t5 weights are row-padded like every format (row_bytes >= ceil(n_in
# / 5)), no longer one row-unpadded stream with row_bytes 0
FORMAT_VERSION = 5
ALIGN = 8
HEADER = struct.Struct("<8sHHIIIIIII32s")  # 72 bytes, docs/blob.md "Header"
FORMATS = {"s1": 1, "s2": 2, "t2": 3, "t5": 4, "s4": 5, "s8": 6, "s16": 7}  # QMOE_FMT_*
INPUT_KINDS = {"frontend": 1, "features": 2}  # QMOE_INPUT_*
ROUTER_KINDS = {"softmax": 1, "curiosity": 2}  # QMOE_ROUTER_*
# Record sizes in uint32 words (docs/blob.md "Records").
MODEL_WORDS, EXPERT_WORDS, LAYER_WORDS, ROUTER_WORDS, FRONTEND_WORDS = 21, 6, 15, 52, 27
# Front-end tables in the order of qmoe_frontend_t's pointers, with their element type.
FRONTEND_TABLES = (
    ("window", "<i2"),
    ("twiddle_cos", "<i2"),
    ("twiddle_sin", "<i2"),
    ("bitrev", "<u2"),
    ("mel_start", "<u2"),
    ("mel_len", "<u2"),
    ("mel_offset", "<u2"),
    ("mel_weights", "<u2"),
    ("log2_table", "<u2"),
)


class BlobError(IRError):
    """A model blob is truncated, corrupt, foreign or from an unsupported version."""


def _align(n: int, a: int = ALIGN) -> int:
    return (n + a - 1) // a * a


class _Data:
    """The array and string area of a blob: 8-byte aligned pieces, identical ones stored once."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.buf = bytearray()
        self._seen: dict[tuple[str, bytes], int] = {}
        # (bytes, dtype) of an array as given -> [offset, count, stored dtype]: the IR section
        # refers to the runtime's copy instead of storing the array again.
        self.stored: dict[tuple[bytes, str], list] = {}

    def add(self, raw: bytes, key: str = "") -> list[int]:
        """Store `raw`; return [offset, byte count] (offsets count from the start of the blob)."""
        if not raw:
            return [0, 0]
        if (key, raw) not in self._seen:
            self.buf.extend(b"\0" * (_align(len(self.buf)) - len(self.buf)))
            self._seen[(key, raw)] = self.start + len(self.buf)
            self.buf.extend(raw)
        return [self._seen[(key, raw)], len(raw)]

    def array(self, values, dtype: str) -> list[int]:
        """Store `values` as little-endian `dtype`; refuses values the type cannot hold."""
        src = np.asarray(values)
        a = np.ascontiguousarray(src, dtype=dtype)
        if a.size and not np.array_equal(a.astype(np.int64), src.astype(np.int64)):
            raise BlobError(f"array of {src.dtype} values does not fit {dtype}")
        ref = self.add(a.tobytes(), dtype)
        if src.dtype.kind in "iu":
            self.stored[(np.ascontiguousarray(src).tobytes(), src.dtype.str)] = [*ref, dtype]
        return ref

    def ir_array(self, a: np.ndarray) -> list:
        """[offset, byte count, stored dtype, IR dtype, shape] of an IR array."""
        a = np.ascontiguousarray(a)
        found = self.stored.get((a.tobytes(), a.dtype.str))
        if found is None:
            found = [*self.add(a.tobytes(), a.dtype.str), a.dtype.str]
        return [*found, a.dtype.str, list(a.shape)]

    def strings(self, texts: list[str]) -> list[int]:
        """NUL-terminated UTF-8 strings back to back."""
        raw = b"".join(t.encode("utf-8") + b"\0" for t in texts)
        if any("\0" in t for t in texts):
            raise BlobError(f"a name holds a NUL character: {texts!r}")
        return self.add(raw, "str")


def _u32(v: int) -> int:
    return int(v) & 0xFFFFFFFF


def _layer(d: _Data, layer: Layer, mult=None, shift=None) -> list[int]:
    return [
        layer.n_in,
        layer.n_out,
        layer.row_bytes,
        FORMATS[layer.format],
        layer.out_bits,
        _u32(layer.out_min),
        _u32(layer.out_max),
        *d.array(layer.weights, "u1"),
        *d.array(layer.bias, "<i4"),
        *d.array(layer.mult if mult is None else mult, "<i4"),
        *d.array(layer.shift if shift is None else shift, "i1"),
    ]


def _router(d: _Data, ir: IR) -> list[int]:
    r, work = ir.router, ir.memory.router
    words = [
        ROUTER_KINDS[r.kind],
        r.n_experts,
        r.n_passes,
        r.n_bins,
        r.logit_frac_bits,
        work.h,
        work.hm,
        work.z,
        work.s1 or 0,
        work.s2 or 0,
        *_layer(d, r.hidden),
        *_layer(d, r.out),
    ]
    for field, dtype in (("masked_mult", "<i4"), ("masked_shift", "i1"), ("masks", "u1")):
        words += d.array(getattr(r, field), dtype) if r.curiosity else [0, 0]
    words += d.array(r.exp_table, "<u2")
    words += d.array(r.thresholds.astype(np.int64), "<i8")
    words += d.array(r.lut, "u1")
    return words


def _frontend(d: _Data, ir: IR) -> list[int]:
    cfg = ir.frontend
    t = build_tables(cfg)
    words = [
        cfg.sample_rate,
        cfg.n_fft,
        cfg.hop,
        cfg.n_mels,
        int(t.mel_weights.shape[0]),
        cfg.n_fft.bit_length() - 1,
        t.input_shift,
        t.power_shift,
    ]
    for name, dtype in FRONTEND_TABLES:
        words += d.array(getattr(t, name), dtype)
    return [*words, cfg.stats_mask]


def _record_words(ir: IR) -> int:
    n_layers = sum(len(ex.layers) for ex in ir.experts)
    return (
        MODEL_WORDS
        + (FRONTEND_WORDS if ir.frontend is not None else 0)
        + (ROUTER_WORDS if ir.router is not None else 0)
        + EXPERT_WORDS * len(ir.experts)
        + LAYER_WORDS * n_layers
    )


def blob_bytes(ir: IR) -> bytes:
    """The blob of a sealed, valid IR (docs/blob.md)."""
    validate(ir)
    check_sealed(ir, "blob")
    records_at = HEADER.size
    records_bytes = 4 * _record_words(ir)
    d = _Data(_align(records_at + records_bytes))
    inp = ir.input
    has_fe = ir.frontend is not None and inp.kind == "frontend"
    at = records_at + 4 * MODEL_WORDS
    fe_at = at if has_fe else 0
    at += 4 * FRONTEND_WORDS if has_fe else 0
    router_at = at if ir.router is not None else 0
    at += 4 * ROUTER_WORDS if router_at else 0
    experts_at = at
    layers_at = experts_at + 4 * EXPERT_WORDS * len(ir.experts)
    model = [
        ir.n_classes,
        INPUT_KINDS[inp.kind],
        inp.n_features,
        len(ir.experts),
        ir.memory.arena_bytes,
        ir.sizes.total_flash_bytes,
        *d.strings([ir.model.name]),
        *d.strings(list(ir.model.class_names)),
    ]
    for field, dtype in (("mu", "<i4"), ("mult", "<i4"), ("shift", "i1")):
        model += d.array(getattr(inp, field), dtype) if inp.kind == "frontend" else [0, 0]
    model += [fe_at, router_at, experts_at, *scratch_of(ir)]
    records = model + (_frontend(d, ir) if has_fe else [])
    records += _router(d, ir) if router_at else []
    layers: list[int] = []
    for e, ex in enumerate(ir.experts):
        records += [
            len(ex.layers),
            *d.strings([ex.label]),
            layers_at + 4 * len(layers),
            *d.array(np.asarray(ir.memory.experts[e].offsets, np.int64), "<u4"),
        ]
        for layer in ex.layers:
            layers += _layer(d, layer)
    records += layers
    assert len(records) * 4 == records_bytes, (len(records), records_bytes)
    arrays: dict[str, np.ndarray] = {}
    meta = flatten(to_dict(ir), "ir", arrays)
    refs = {k: d.ir_array(a) for k, a in arrays.items()}
    meta_at = d.start + _align(len(d.buf))
    meta_raw = zlib.compress(json.dumps({"ir": meta, "arrays": refs}, sort_keys=True).encode(), 9)
    body = bytearray(d.start - HEADER.size)
    struct.pack_into(f"<{len(records)}I", body, 0, *records)
    body += d.buf + b"\0" * (meta_at - d.start - len(d.buf)) + meta_raw
    total = HEADER.size + len(body)
    header = HEADER.pack(
        MAGIC,
        FORMAT_VERSION,
        ir.version,
        HEADER.size,
        total,
        zlib.crc32(body),
        records_at,
        records_bytes,
        meta_at,
        len(meta_raw),
        bytes.fromhex(ir.hash),
    )
    return header + bytes(body)


def write_blob(ir: IR, path: Path) -> Path:
    """Write the blob of `ir` to `path` (`*.qbin`) atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(blob_bytes(ir))
    tmp.replace(path)
    return path


def _fail(where: str, msg: str) -> BlobError:
    return BlobError(f"{where}: {msg}")


def check_header(data: bytes, where: str = "blob") -> tuple:
    """The header fields after the checks the C loader makes first (BlobError naming the field)."""
    if len(data) < HEADER.size:
        raise _fail(where, f"truncated: {len(data)} bytes, a blob header alone has {HEADER.size}")
    fields = HEADER.unpack_from(data)
    magic, fmt, ir_version, header_bytes, total, crc = fields[:6]
    if magic != MAGIC:
        raise _fail(where, f"not a qmoe model blob: magic {magic!r}, expected {MAGIC!r}")
    if fmt != FORMAT_VERSION:
        why = " (made by an older qmoe: write the blob again)" if fmt < FORMAT_VERSION else ""
        raise _fail(
            where, f"blob format version {fmt}; this qmoe reads version {FORMAT_VERSION}{why}"
        )
    if not 1 <= ir_version <= SCHEMA_VERSION:
        raise _fail(
            where, f"IR schema version {ir_version} is newer than this qmoe's ({SCHEMA_VERSION})"
        )
    if header_bytes != HEADER.size:
        raise _fail(where, f"header_bytes is {header_bytes}, expected {HEADER.size}")
    if len(data) < total:
        raise _fail(where, f"truncated: {len(data)} of the {total} bytes the header announces")
    if len(data) > total:
        raise _fail(where, f"{len(data)} bytes, but the header announces {total}")
    actual = zlib.crc32(data[HEADER.size : total])
    if actual != crc:
        raise _fail(
            where,
            f"checksum mismatch: body CRC-32 is {actual:08x}, header says {crc:08x} (corrupt)",
        )
    return fields


def read_blob(source: bytes | Path, where: str | None = None) -> IR:
    """The IR a blob holds, checked: header, checksum, JSON, arrays, content hash, schema."""
    if isinstance(source, (str, Path)):
        where = where or str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise BlobError(f"{source}: cannot read model blob: {exc}") from exc
    else:
        data = bytes(source)
    where = where or "blob"
    fields = check_header(data, where)
    meta_at, meta_bytes, digest = fields[8], fields[9], fields[10]
    if meta_at < HEADER.size or meta_at + meta_bytes > len(data):
        raise _fail(where, f"IR section [{meta_at}, +{meta_bytes}) lies outside the blob")
    try:
        meta = json.loads(zlib.decompress(data[meta_at : meta_at + meta_bytes]))
        arrays = {}
        for key, (off, nbytes, stored, dtype, shape) in meta["arrays"].items():
            if off % ALIGN or off + nbytes > meta_at or (nbytes and off < HEADER.size):
                raise _fail(where, f"array {key} at [{off}, +{nbytes}) is misplaced")
            count = nbytes // np.dtype(stored).itemsize
            a = np.frombuffer(data, dtype=np.dtype(stored), count=count, offset=off)
            arrays[key] = a.astype(np.dtype(dtype)).reshape(shape)
        raw = unflatten(meta["ir"], arrays)
    except (ValueError, KeyError, TypeError, zlib.error) as exc:
        raise _fail(where, f"IR section is unreadable: {exc}") from exc
    if content_hash(raw) != raw.get("hash") or bytes.fromhex(raw["hash"]) != digest:
        raise _fail(where, "IR content hash does not match the header's (corrupt or edited)")
    typed = from_dict(raw, where)
    validate(typed, where=where)
    return typed


__all__ = [
    "ALIGN",
    "BlobError",
    "FORMAT_VERSION",
    "HEADER",
    "MAGIC",
    "blob_bytes",
    "check_header",
    "read_blob",
    "write_blob",
]

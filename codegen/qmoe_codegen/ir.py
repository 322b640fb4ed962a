"""The integer IR: what codegen, the golden model and the firmware need, and nothing from PyTorch.

An IR is a plain dict (JSON-able, arrays as numpy) with this shape (docs/ir.md has every field):

    schema, version, generator, hash
    model     name, class_names, label_set, source (model file name and arrays digest)
    frontend  FrontendConfig dict, or None for models fed precomputed embeddings
    input     kind ("frontend" | "features"), n_features, mu/mult/shift (integer input quantizer)
    experts   [{name, spec, label, layers: [layer, ...]}]
    router    None | {kind, n_experts, n_passes, hidden: layer, out: layer, masked_mult,
    masked_shift,
                      masks (T, H) uint8, logit_frac_bits, exp_table, thresholds (int64), lut (bins,
                      E)}
    memory    the static buffer plan (qmoe_codegen.memory)
    sizes     flash bytes per layer and in total, bits per weight stored vs nominal

A layer: name, n_in, n_out, format (packing format), row_bytes (0 for t5, a row-unpadded stream),
weights (packed uint8: n_out * row_bytes bytes, t5: ceil(n_out * n_in / 5)), bias (int32),
mult (int64 holding int32 values), shift (int64), out_bits (8 | 16), out_min, out_max, in_scale,
out_scale (floats, informational: the real value of one integer step).

Files (`*.qir`) are zips of ir.json + arrays.npz (read_zip/write_zip). `hash` is the SHA-256 of the
content (everything but `hash` and `generator`), so the device can report which model it runs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from . import __version__, packing
from .errors import IRError
from .modelfile import flatten, read_zip, write_zip

SCHEMA = "qmoe-ir"
SCHEMA_VERSION = 1
GENERATOR = f"qmoe_codegen {__version__}"
SUPPORTED_FORMATS = ("s1", "s2", "t2", "t5", "s4", "s8", "s16")
_NOT_HASHED = ("hash", "generator")


def _canonical(obj, h) -> None:
    """Feed a canonical serialization of obj (dicts sorted, arrays by dtype/shape/bytes) to h."""
    if isinstance(obj, np.ndarray):
        a = np.ascontiguousarray(obj)
        h.update(f"<array {a.dtype.str} {a.shape}>".encode())
        h.update(a.tobytes())
    elif isinstance(obj, dict):
        h.update(b"{")
        for k in sorted(obj):
            h.update(json.dumps(str(k)).encode() + b":")
            _canonical(obj[k], h)
            h.update(b",")
        h.update(b"}")
    elif isinstance(obj, (list, tuple)):
        h.update(b"[")
        for v in obj:
            _canonical(v, h)
            h.update(b",")
        h.update(b"]")
    elif isinstance(obj, np.generic):
        _canonical(obj.item(), h)
    else:
        h.update(json.dumps(obj).encode())


def content_hash(ir: dict) -> str:
    """SHA-256 (hex) of the IR's content, excluding the `hash` and `generator` fields."""
    h = hashlib.sha256()
    _canonical({k: v for k, v in ir.items() if k not in _NOT_HASHED}, h)
    return h.hexdigest()


def seal(ir: dict) -> dict:
    """Set schema, version, generator and the content hash; returns the same dict."""
    ir["schema"] = SCHEMA
    ir["version"] = SCHEMA_VERSION
    ir["generator"] = GENERATOR
    ir["hash"] = content_hash(ir)
    return ir


def save_ir(ir: dict, path: Path) -> Path:
    """Write a sealed IR to `path` (`*.qir`)."""
    validate(ir)
    arrays: dict[str, np.ndarray] = {}
    meta = flatten({k: v for k, v in ir.items()}, "ir", arrays)
    meta["format"] = SCHEMA
    return write_zip(Path(path), meta, arrays, "ir.json", "arrays_sha256")


def load_ir(path: Path) -> dict:
    """Read, check the schema version and content hash, and validate an IR file."""
    meta, _ = read_zip(
        path, "ir.json", SCHEMA, SCHEMA_VERSION, "arrays_sha256", "qmoe IR file", error=IRError
    )
    meta.pop("format", None)
    meta.pop("arrays_sha256", None)
    _restore_lists(meta)
    recorded = meta.get("hash")
    actual = content_hash(meta)
    if recorded != actual:
        raise IRError(
            f"{path}: field 'hash' is {str(recorded)[:16]}… but the content hashes to "
            f"{actual[:16]}…: the file was edited or corrupted; export it again"
        )
    validate(meta, where=str(path))
    return meta


def _restore_lists(ir: dict) -> None:
    """JSON turns tuples into lists; nothing to restore beyond that today (hook for migrations)."""


def _check(cond: bool, where: str, msg: str) -> None:
    if not cond:
        raise IRError(f"{where}: {msg}")


def _finite(x, where: str, field: str) -> None:
    _check(
        x is not None and np.all(np.isfinite(np.asarray(x, dtype=np.float64))),
        where,
        f"field '{field}' has NaN or infinite values",
    )


def validate_layer(layer: dict, where: str, n_in: int | None = None) -> None:
    """Check one layer's fields, shapes, ranges and the int32 no-overflow bound."""
    for f in (
        "n_in",
        "n_out",
        "format",
        "row_bytes",
        "weights",
        "bias",
        "mult",
        "shift",
        "out_bits",
        "out_min",
        "out_max",
    ):
        _check(f in layer, where, f"missing field '{f}'")
    fmt = layer["format"]
    _check(
        fmt in SUPPORTED_FORMATS,
        where,
        f"weight format {fmt!r} is not supported by the runtime (supported: "
        f"{', '.join(SUPPORTED_FORMATS)})",
    )
    n_i, n_o = int(layer["n_in"]), int(layer["n_out"])
    _check(
        n_i >= 1 and n_o >= 1 and n_i <= 65535 and n_o <= 65535,
        where,
        f"shape {n_o}x{n_i} out of range 1..65535",
    )
    if n_in is not None:
        _check(n_i == n_in, where, f"takes {n_i} inputs but its predecessor gives {n_in}")
    rb, stride = packing.row_bytes(fmt, n_i, 1), int(layer["row_bytes"])
    if fmt in packing.STREAM_FORMATS:  # one stream of the whole matrix: no row stride
        _check(
            stride == 0, where, f"row_bytes {stride} for {fmt!r}, a row-unpadded stream: must be 0"
        )
        size = packing.packed_bytes(fmt, (n_o, n_i), 1)
    else:
        _check(stride >= rb, where, f"row_bytes {stride} < {rb} needed")
        size = n_o * stride
    w = np.asarray(layer["weights"])
    _check(
        w.dtype == np.uint8 and w.size == size,
        where,
        f"weights: {w.size} bytes ({w.dtype}), expected {size} uint8",
    )
    for f in ("bias", "mult", "shift"):
        _check(
            np.asarray(layer[f]).shape == (n_o,),
            where,
            f"field '{f}' has shape {np.asarray(layer[f]).shape}, expected ({n_o},)",
        )
    mult, shift = np.asarray(layer["mult"], np.int64), np.asarray(layer["shift"], np.int64)
    _check(bool(np.all((mult >= 0) & (mult < 2**31))), where, "mult outside [0, 2^31)")
    _check(bool(np.all((shift >= 1) & (shift <= 62))), where, "shift outside [1, 62]")
    _check(layer["out_bits"] in (8, 16), where, f"out_bits {layer['out_bits']} is not 8 or 16")
    lim = 127 if layer["out_bits"] == 8 else 32767
    _check(
        -lim - 1 <= layer["out_min"] <= layer["out_max"] <= lim,
        where,
        f"clamp [{layer['out_min']}, {layer['out_max']}] invalid for int{layer['out_bits']}",
    )
    for f in ("in_scale", "out_scale"):
        if f in layer:
            _finite(layer[f], where, f)
    q = _unpack_padded(layer)
    bound = np.abs(np.asarray(layer["bias"], np.int64)) + 128 * np.abs(q.astype(np.int64)).sum(
        axis=1
    )
    worst = int(np.argmax(bound))
    _check(
        int(bound[worst]) < 2**31,
        where,
        f"output channel {worst} can overflow the int32 accumulator (|bias| + 128·Σ|w| = "
        f"{int(bound[worst])} ≥ 2^31)",
    )


def _unpack_padded(layer: dict) -> np.ndarray:
    """Unpack a layer's weights; rows may be padded beyond row_bytes(fmt, n_in, 1) (a larger
    row_bytes), except in a stream format, which is unpacked whole."""
    fmt, n_i, n_o = layer["format"], int(layer["n_in"]), int(layer["n_out"])
    w = np.asarray(layer["weights"])
    if fmt in packing.STREAM_FORMATS:
        return packing.unpack(w.tobytes(), fmt, (n_o, n_i), 1)
    rb, need = int(layer["row_bytes"]), packing.row_bytes(fmt, n_i, 1)
    rows = w.reshape(n_o, rb)[:, :need]
    return packing.unpack(rows.tobytes(), fmt, (n_o, n_i), 1)


def layer_weights(layer: dict) -> np.ndarray:
    """The layer's integer weights (n_out, n_in), unpacked."""
    return _unpack_padded(layer)


def validate(ir: dict, where: str = "IR") -> None:
    """Check the whole IR: schema, shapes along every path, router tables, class count."""
    _check(
        ir.get("schema") == SCHEMA,
        where,
        f"field 'schema' is {ir.get('schema')!r}, expected {SCHEMA!r}",
    )
    v = ir.get("version")
    _check(
        isinstance(v, int) and 1 <= v <= SCHEMA_VERSION,
        where,
        f"schema version {v!r} is newer than this qmoe supports ({SCHEMA_VERSION})",
    )
    model = ir.get("model") or {}
    n_classes = len(model.get("class_names") or [])
    _check(n_classes >= 2, where, "model.class_names needs at least 2 classes")
    inp = ir.get("input") or {}
    n_feat = int(inp.get("n_features", 0))
    _check(n_feat >= 1, where, "input.n_features missing")
    if inp.get("kind") == "frontend":
        for f in ("mu", "mult", "shift"):
            _check(
                np.asarray(inp.get(f)).shape == (n_feat,), f"{where}: input", f"field '{f}' shape"
            )
        _check(
            ir.get("frontend") is not None, where, "input kind 'frontend' needs a frontend section"
        )
    experts = ir.get("experts") or []
    _check(len(experts) >= 1, where, "no experts")
    for e, ex in enumerate(experts):
        n = n_feat
        for k, layer in enumerate(ex["layers"]):
            lw = f"{where}: expert {e} ({ex.get('label', ex.get('spec'))}) layer {k}"
            validate_layer(layer, lw, n)
            n = int(layer["n_out"])
        _check(n == n_classes, f"{where}: expert {e}", f"gives {n} logits for {n_classes} classes")
        _check(ex["layers"][-1]["out_bits"] == 16, f"{where}: expert {e}", "logits must be int16")
    r = ir.get("router")
    if len(experts) > 1:
        _check(r is not None, where, f"{len(experts)} experts but no router")
    if r is not None:
        rw = f"{where}: router"
        validate_layer(r["hidden"], f"{rw} hidden layer", n_feat)
        validate_layer(r["out"], f"{rw} output layer", int(r["hidden"]["n_out"]))
        n_e = len(experts)
        _check(
            int(r["out"]["n_out"]) == n_e, rw, f"gives {r['out']['n_out']} scores for {n_e} experts"
        )
        lut = np.asarray(r["lut"])
        thr = np.asarray(r["thresholds"], dtype=np.int64)
        _check(
            lut.ndim == 2 and lut.shape == (len(thr) + 1, n_e),
            rw,
            f"lut shape {lut.shape}, expected ({len(thr) + 1}, {n_e})",
        )
        _check(
            bool(np.all((lut >= 0) & (lut < n_e))), rw, f"lut names an expert outside 0..{n_e - 1}"
        )
        _check(bool(np.all(np.diff(thr) > 0)), rw, "thresholds are not strictly ascending")
        if r["kind"] == "curiosity":
            masks = np.asarray(r["masks"])
            _check(
                masks.shape == (int(r["n_passes"]), int(r["hidden"]["n_out"])),
                rw,
                f"masks shape {masks.shape}, expected ({r['n_passes']}, {r['hidden']['n_out']})",
            )
            _check(bool(np.all((masks == 0) | (masks == 1))), rw, "masks must be 0/1")
            _check(1 <= int(r["n_passes"]) <= 64, rw, "n_passes must be in 1..64")
            for f in ("masked_mult", "masked_shift"):
                _check(np.asarray(r[f]).shape == (n_e,), rw, f"field '{f}' shape")
        _check(len(np.asarray(r["exp_table"])) >= 1, rw, "empty exp_table")


def check_capacity(
    ir: dict, flash_bytes: int | None = None, ram_bytes: int | None = None, where: str = "model"
) -> None:
    """Refuse, with the numbers, a model whose flash or RAM need exceeds the given capacity."""
    need_flash = int(ir["sizes"]["total_flash_bytes"])
    need_ram = int(ir["memory"]["arena_bytes"])
    if flash_bytes is not None and need_flash > flash_bytes:
        raise IRError(
            f"{where}: needs {need_flash} bytes of flash for weights and tables, the target "
            f"has {flash_bytes} ({need_flash - flash_bytes} bytes too many)"
        )
    if ram_bytes is not None and need_ram > ram_bytes:
        raise IRError(
            f"{where}: needs a {need_ram}-byte activation arena, the target has {ram_bytes} "
            f"bytes of RAM for it ({need_ram - ram_bytes} bytes too many)"
        )

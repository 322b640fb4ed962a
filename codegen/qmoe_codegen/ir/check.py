"""Semantic checks of a typed IR: shapes along every path, value ranges, the int32 no-overflow
bound, router tables, the memory plan (docs/ir.md, "Errors"). Each failure is an IRError naming
the layer or field."""

from __future__ import annotations

import numpy as np

from .. import packing
from ..errors import IRError
from .types import IR, Expert, InputQuantizer, Layer, ModelInfo, Router

SCHEMA = "qmoe-ir"
SCHEMA_VERSION = 1
SUPPORTED_FORMATS = ("s1", "s2", "t2", "t5", "s4", "s8", "s16")


def _check(cond: bool, where: str, msg: str) -> None:
    if not cond:
        raise IRError(f"{where}: {msg}")


def _shape(a: np.ndarray | None, n: int, where: str, field: str) -> None:
    shape = None if a is None else np.asarray(a).shape
    _check(shape == (n,), where, f"field '{field}' has shape {shape}, expected ({n},)")


def validate_layer(layer: Layer, where: str, n_in: int | None = None) -> None:
    """Check one layer's fields, shapes, ranges and the int32 no-overflow bound."""
    fmt = layer.format
    _check(
        fmt in SUPPORTED_FORMATS,
        where,
        f"weight format {fmt!r} is not supported by the runtime (supported: "
        f"{', '.join(SUPPORTED_FORMATS)})",
    )
    n_i, n_o = layer.n_in, layer.n_out
    _check(
        1 <= n_i <= 65535 and 1 <= n_o <= 65535, where, f"shape {n_o}x{n_i} out of range 1..65535"
    )
    if n_in is not None:
        _check(n_i == n_in, where, f"takes {n_i} inputs but its predecessor gives {n_in}")
    rb, stride = packing.row_bytes(fmt, n_i, 1), layer.row_bytes
    _check(stride >= rb, where, f"row_bytes {stride} < {rb} needed")
    size = n_o * stride
    w = layer.weights
    _check(
        w.dtype == np.uint8 and w.size == size,
        where,
        f"weights: {w.size} bytes ({w.dtype}), expected {size} uint8",
    )
    for f in ("bias", "mult", "shift"):
        _shape(getattr(layer, f), n_o, where, f)
    mult, shift = layer.mult.astype(np.int64), layer.shift.astype(np.int64)
    _check(bool(np.all((mult >= 0) & (mult < 2**31))), where, "mult outside [0, 2^31)")
    _check(bool(np.all((shift >= 1) & (shift <= 62))), where, "shift outside [1, 62]")
    _check(layer.out_bits in (8, 16), where, f"out_bits {layer.out_bits} is not 8 or 16")
    lim = 127 if layer.out_bits == 8 else 32767
    _check(
        -lim - 1 <= layer.out_min <= layer.out_max <= lim,
        where,
        f"clamp [{layer.out_min}, {layer.out_max}] invalid for int{layer.out_bits}",
    )
    for f in ("in_scale", "out_scale"):
        v = getattr(layer, f)
        _check(v is None or bool(np.isfinite(v)), where, f"field '{f}' has NaN or infinite values")
    bound = np.abs(layer.bias.astype(np.int64)) + 128 * np.abs(
        layer.unpacked().astype(np.int64)
    ).sum(axis=1)
    worst = int(np.argmax(bound))
    _check(
        int(bound[worst]) < 2**31,
        where,
        f"output channel {worst} can overflow the int32 accumulator (|bias| + 128·Σ|w| = "
        f"{int(bound[worst])} ≥ 2^31)",
    )


def _router(r: Router, where: str, n_feat: int, n_e: int) -> None:
    rw = f"{where}: router"
    _check(r.kind in ("softmax", "curiosity"), rw, f"kind {r.kind!r} is not softmax or curiosity")
    validate_layer(r.hidden, f"{rw} hidden layer", n_feat)
    validate_layer(r.out, f"{rw} output layer", r.hidden.n_out)
    _check(r.out.n_out == n_e, rw, f"gives {r.out.n_out} scores for {n_e} experts")
    _check(r.n_experts == n_e, rw, f"n_experts {r.n_experts}, the model has {n_e} experts")
    lut, thr = r.lut, r.thresholds.astype(np.int64)
    _check(
        lut.ndim == 2 and lut.shape == (len(thr) + 1, n_e),
        rw,
        f"lut shape {lut.shape}, expected ({len(thr) + 1}, {n_e})",
    )
    _check(bool(np.all((lut >= 0) & (lut < n_e))), rw, f"lut names an expert outside 0..{n_e - 1}")
    _check(bool(np.all(np.diff(thr) > 0)), rw, "thresholds are not strictly ascending")
    if r.curiosity:
        h = r.hidden.n_out
        masks = r.masks
        _check(masks is not None, rw, "field 'masks' missing for a curiosity router")
        _check(
            masks.shape == (r.n_passes, h),
            rw,
            f"masks shape {masks.shape}, expected ({r.n_passes}, {h})",
        )
        _check(bool(np.all((masks == 0) | (masks == 1))), rw, "masks must be 0/1")
        _check(1 <= r.n_passes <= 64, rw, "n_passes must be in 1..64")
        _shape(r.masked_mult, n_e, rw, "masked_mult")
        _shape(r.masked_shift, n_e, rw, "masked_shift")
    _check(r.exp_table.ndim == 1 and len(r.exp_table) >= 1, rw, "empty exp_table")


def validate_content(
    model: ModelInfo,
    inp: InputQuantizer,
    experts: tuple[Expert, ...],
    router: Router | None,
    has_frontend: bool,
    where: str = "IR",
) -> None:
    """Check the content sections: classes, input quantizer, every expert's chain, the router."""
    n_classes = len(model.class_names)
    _check(n_classes >= 2, where, "model.class_names needs at least 2 classes")
    n_feat = inp.n_features
    _check(n_feat >= 1, where, "input.n_features missing")
    _check(
        inp.kind in ("frontend", "features"),
        where,
        f"input.kind {inp.kind!r} is not 'frontend' or 'features'",
    )
    if inp.kind == "frontend":
        for f in ("mu", "mult", "shift"):
            _shape(getattr(inp, f), n_feat, f"{where}: input", f)
        _check(has_frontend, where, "input kind 'frontend' needs a frontend section")
    _check(len(experts) >= 1, where, "no experts")
    for e, ex in enumerate(experts):
        _check(len(ex.layers) >= 1, f"{where}: expert {e}", "has no layers")
        n = n_feat
        for k, layer in enumerate(ex.layers):
            validate_layer(layer, f"{where}: expert {e} ({ex.label}) layer {k}", n)
            n = layer.n_out
        _check(n == n_classes, f"{where}: expert {e}", f"gives {n} logits for {n_classes} classes")
        _check(ex.layers[-1].out_bits == 16, f"{where}: expert {e}", "logits must be int16")
    if len(experts) > 1:
        _check(router is not None, where, f"{len(experts)} experts but no router")
    if router is not None:
        _router(router, where, n_feat, len(experts))


def validate(ir: IR, where: str = "IR") -> None:
    """Check the whole IR: schema, content, and that the memory plan fits the model."""
    _check(ir.schema == SCHEMA, where, f"field 'schema' is {ir.schema!r}, expected {SCHEMA!r}")
    _check(
        1 <= ir.version <= SCHEMA_VERSION,
        where,
        f"schema version {ir.version!r} is newer than this qmoe supports ({SCHEMA_VERSION})",
    )
    validate_content(ir.model, ir.input, ir.experts, ir.router, ir.frontend is not None, where)
    m = ir.memory
    _check(
        len(m.experts) == len(ir.experts),
        where,
        f"memory plan has {len(m.experts)} experts, the model {len(ir.experts)}",
    )
    for e, (ex, p) in enumerate(zip(ir.experts, m.experts)):
        _check(
            len(p.offsets) == len(ex.layers),
            where,
            f"memory.experts[{e}].offsets has {len(p.offsets)} entries for {len(ex.layers)} layers",
        )
        for k, (layer, off) in enumerate(zip(ex.layers, p.offsets)):
            _check(
                0 <= off and off + layer.out_bytes <= m.activations_end,
                where,
                f"memory.experts[{e}].offsets[{k}] = {off}: the output of {layer.out_bytes} bytes "
                f"leaves the arena's {m.activations_end} bytes of activations",
            )
    if m.router is not None:
        _check(
            m.router.end <= m.activations_end,
            where,
            f"the router's working memory ends at {m.router.end}, after the arena's "
            f"{m.activations_end} bytes of activations",
        )
    if m.scratch_offset is not None:
        s_bytes = m.scratch_bytes or 0
        _check(
            m.scratch_offset % 8 == 0 and m.scratch_offset + s_bytes <= m.arena_bytes,
            where,
            f"memory.scratch_offset {m.scratch_offset} (+{s_bytes} bytes) is not 8-byte "
            f"aligned inside the {m.arena_bytes}-byte arena",
        )


def check_capacity(
    ir: IR, flash_bytes: int | None = None, ram_bytes: int | None = None, where: str = "model"
) -> None:
    """Refuse, with the numbers, a model whose flash or RAM need exceeds the given capacity."""
    need_flash = ir.sizes.total_flash_bytes
    need_ram = ir.memory.arena_bytes
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

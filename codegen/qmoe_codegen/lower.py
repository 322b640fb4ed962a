"""Lowering: a trained model file (`*.qmoe`) becomes the integer IR (docs/integer-semantics.md).

Reads the model file with json + numpy only. Every real scale becomes an integer multiplier and
shift,
biases become int32, weights are packed, the router's thresholds become integer uncertainty units.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import packing
from .errors import IRError
from .intops import quantize_multiplier
from .ir import IR, Expert, InputQuantizer, Layer, ModelInfo, ModelSource, Router, build
from .kernels import LOGIT_FRAC_BITS, PROB_BITS, exp_table
from .modelfile import read_model_file
from .sizes import size_report

__all__ = ["lower_file", "lower_layer", "lower_mlp", "lower_model", "lower_router", "size_report"]


def _finite(arr, where: str, field: str) -> np.ndarray:
    a = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0].tolist()
        raise IRError(f"{where}: {field} has a NaN or infinite value at index {bad}")
    return a


def _weight_format(spec: str, dense_ternary: bool) -> str:
    if spec == "ternary":
        return packing.format_for("ternary", None, dense_ternary=dense_ternary)
    if spec == "ptq8":
        return packing.format_for("bits", 8)
    if spec.startswith("w") and spec[1:].isdigit():
        return packing.format_for("bits", int(spec[1:]))
    raise IRError(f"weight spec {spec!r} has no integer format")


def _multipliers(real: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    mult, shift = [], []
    for o, r in enumerate(real):
        if r <= 0.0:
            mult.append(0)  # an all-zero weight row: the output is the bias-free zero
            shift.append(1)
            continue
        try:
            m, n = quantize_multiplier(float(r))
        except ValueError as exc:
            raise IRError(f"{where}: output channel {o}: {exc}") from exc
        mult.append(m)
        shift.append(n)
    return np.array(mult, dtype=np.int64), np.array(shift, dtype=np.int64)


def lower_layer(
    lx: dict,
    in_scale: float,
    where: str,
    *,
    out: str,
    dense_ternary: bool = False,
    out_scale: float | None = None,
) -> Layer:
    """One exported QLinear (q, scale, bias) -> IR layer.

    out: "relu8" (hidden, int8 in [0,127] with out_scale = the activation scale), "logits16" (int16
    logits; out_scale is derived from the no-saturation bound) or "scores16" (router scores in units
    of 2^-LOGIT_FRAC_BITS nats).
    """
    if lx.get("q") is None:
        raise IRError(
            f"{where}: float weights ({lx.get('spec')}); the device runs integers only — "
            "train the 'ptq8' variant (int8 post-training quantization of the fp32 model)"
        )
    q = np.asarray(lx["q"], dtype=np.int64)
    s_w = _finite(lx["scale"], where, "weight scale")
    bias = _finite(lx["bias"], where, "bias")
    if not math.isfinite(in_scale) or in_scale <= 0:
        raise IRError(f"{where}: input scale {in_scale!r} must be positive and finite")
    n_out, n_in = q.shape
    if s_w.shape != (n_out,) or bias.shape != (n_out,):
        raise IRError(
            f"{where}: scale/bias shapes {s_w.shape}/{bias.shape} do not match {n_out} outputs"
        )
    acc_scale = s_w * in_scale
    with np.errstate(divide="ignore", invalid="ignore"):
        b_q = np.where(acc_scale > 0, np.rint(bias / np.where(acc_scale > 0, acc_scale, 1.0)), 0.0)
    if np.any(np.abs(b_q) >= 2**31):
        o = int(np.argmax(np.abs(b_q)))
        raise IRError(
            f"{where}: output channel {o}: bias {bias[o]:.4g} does not fit int32 at the "
            f"accumulator scale {acc_scale[o]:.4g}"
        )
    b_q = b_q.astype(np.int64)
    fmt = _weight_format(str(lx["spec"]), dense_ternary)
    if out == "relu8":
        if out_scale is None:
            raise IRError(f"{where}: hidden layer without an activation scale")
        out_scale = float(_finite(out_scale, where, "activation scale"))
        out_bits, lo, hi = 8, 0, 127
    elif out == "logits16":
        bound = np.abs(b_q) + 128 * np.abs(q).sum(axis=1)
        out_scale = float(np.max(acc_scale * bound) / 32767) or 1.0
        out_bits, lo, hi = 16, -32768, 32767
    elif out == "scores16":
        out_scale = 2.0**-LOGIT_FRAC_BITS
        out_bits, lo, hi = 16, -32768, 32767
    else:
        raise ValueError(out)
    mult, shift = _multipliers(acc_scale / out_scale, where)
    try:
        packed = packing.pack(q, fmt, 1)
    except packing.PackingError as exc:
        raise IRError(
            f"{where}: weights do not fit format {fmt!r} of spec {lx['spec']!r}: {exc}"
        ) from exc
    return Layer(
        name=where,
        n_in=int(n_in),
        n_out=int(n_out),
        format=fmt,
        row_bytes=packing.row_bytes(fmt, int(n_in), 1),
        weights=np.frombuffer(packed, dtype=np.uint8),
        bias=b_q.astype(np.int32),
        mult=mult,
        shift=shift,
        out_bits=out_bits,
        out_min=lo,
        out_max=hi,
        in_scale=float(in_scale),
        out_scale=float(out_scale),
    )


def lower_mlp(
    layers: list[dict], input_scale: float, name: str, *, last: str, dense_ternary: bool = False
) -> list[Layer]:
    """Hidden layers (ReLU, int8) then the last layer (`last` output kind)."""
    out, s = [], input_scale
    for k, lx in enumerate(layers):
        where = f"{name} layer {k}"
        if lx.get("norm") is not None:
            raise IRError(
                f"{where}: {lx['norm'].get('kind')} cannot run on integer devices "
                "(per-sample mean, variance and division); train with --norm none or batchnorm"
            )
        hidden = k < len(layers) - 1
        layer = lower_layer(
            lx,
            s,
            where,
            out="relu8" if hidden else last,
            dense_ternary=dense_ternary,
            out_scale=lx.get("act_scale"),
        )
        out.append(layer)
        s = layer.out_scale
    return out


def lower_router(rx: dict, policy: dict | None, input_scale: float, n_experts: int) -> Router:
    """Router export + policy -> IR router (masks, masked multipliers, exp table, LUT)."""
    layers = rx["layers"]
    if len(layers) != 2:
        raise IRError(
            f"router: {len(layers)} layers; the runtime's router is in -> hidden -> experts"
        )
    hidden = lower_layer(
        layers[0],
        input_scale,
        "router hidden layer",
        out="relu8",
        out_scale=layers[0].get("act_scale"),
    )
    out = lower_layer(layers[1], hidden.out_scale, "router output layer", out="scores16")
    kind = rx.get("kind", "softmax")
    extra: dict = {}
    if kind == "curiosity":
        masks = np.asarray(rx["masks"], dtype=np.uint8)
        t = int(masks.shape[0])
        real = (
            np.asarray(layers[1]["scale"], np.float64)
            * hidden.out_scale
            * float(rx["mask_scale"])
            * 2.0**LOGIT_FRAC_BITS
        )
        mm, ms = _multipliers(real, "router masked output layer")
        thr_real = [float(x) for x in (policy or {}).get("thresholds", [])]
        unit = t * t * 2.0 ** (2 * PROB_BITS)
        thr = np.array([math.ceil(x * unit) for x in thr_real], dtype=np.int64)
        if np.any(np.diff(thr) <= 0):
            raise IRError(
                f"router: thresholds {thr_real} collapse to non-ascending integers {thr.tolist()}"
            )
        extra = dict(
            masked_mult=mm,
            masked_shift=ms,
            masks=masks,
            dropout=float(rx.get("dropout", 0.0)),
            thresholds_real=tuple(thr_real),
        )
    else:
        t, thr = 0, np.zeros(0, dtype=np.int64)
    table = (policy or {}).get("table")
    lut = np.asarray(table if table is not None else [list(range(n_experts))], dtype=np.int64)
    if lut.shape != (len(thr) + 1, n_experts):
        raise IRError(
            f"router: policy table shape {lut.shape} does not fit "
            f"{len(thr)} thresholds and {n_experts} experts"
        )
    return Router(
        kind=kind,
        n_experts=n_experts,
        n_passes=t,
        hidden=hidden,
        out=out,
        logit_frac_bits=LOGIT_FRAC_BITS,
        prob_bits=PROB_BITS,
        exp_table=exp_table(),
        thresholds=thr,
        lut=lut.astype(np.uint8),
        **extra,
    )


def lower_model(meta: dict, *, dense_ternary: bool = False, source: str = "") -> IR:
    """Model-file metadata (arrays resolved) -> sealed, validated IR."""
    experts = []
    input_scale = float(meta["input_quant"]["input_scale"])
    for e, ed in enumerate(meta["experts"]):
        ex = ed["export"]
        label = ex.get("label", ex.get("spec"))
        layers = lower_mlp(
            ex["layers"],
            float(ex["input_scale"]),
            f"expert {e} ({label})",
            last="logits16",
            dense_ternary=dense_ternary,
        )
        experts.append(
            Expert(name=f"expert{e}", spec=ex["spec"], label=label, layers=tuple(layers))
        )
    iq = meta["input_quant"]
    n_feat = len(iq["mu"])
    if iq["integer"]:
        inp = InputQuantizer(
            kind="frontend",
            n_features=n_feat,
            scale=input_scale,
            mu=np.asarray(iq["mu"], np.int64).astype(np.int32),
            mult=np.asarray(iq["mult"], np.int64),
            shift=np.asarray(iq["shift"], np.int64),
        )
    else:
        inp = InputQuantizer(kind="features", n_features=n_feat, scale=input_scale)
    router = None
    if meta.get("router") is not None:
        router = lower_router(
            meta["router"]["export"], meta.get("policy"), input_scale, len(experts)
        )
    frontend = None
    if iq["integer"] and meta.get("frontend") is not None:
        from .frontend import FrontendConfig

        frontend = FrontendConfig.from_dict(meta["frontend"])
    model = ModelInfo(
        name=meta.get("name", "model"),
        class_names=tuple(meta["class_names"]),
        label_set=meta.get("label_set", ""),
        source=ModelSource(file=source, arrays_sha256=meta.get("arrays_sha256", "")),
    )
    return build(
        {"model": model, "frontend": frontend, "input": inp, "experts": experts, "router": router}
    )


def lower_file(path: Path, *, dense_ternary: bool = False) -> dict:
    """Read a model file and lower it."""
    meta, _ = read_model_file(path)
    try:
        return lower_model(meta, dense_ternary=dense_ternary, source=Path(path).name)
    except IRError as exc:
        raise IRError(f"{path}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise IRError(f"{path}: model.json is missing or has a bad field: {exc!r}") from None

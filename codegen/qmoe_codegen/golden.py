"""The golden model: runs an IR exactly as the firmware does, on a batch, in numpy.

It is the oracle the firmware is held to (bit-exact): front end (PCM -> int32 features), input
quantizer, router (shared hidden layer, T fixed-mask passes, fixed-point softmax, curiosity, routing
table), the chosen expert's layers, int16 logits and the class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import kernels
from .errors import IRError
from .frontend import batch_features
from .intops import INT8_MAX, INT8_MIN, requantize, saturate
from .ir import IR, Layer


def run_layer(layer: Layer, x: np.ndarray, mult=None, shift=None, w=None) -> np.ndarray:
    """One IR layer on a batch of int8 inputs (B, n_in) -> (B, n_out) int64 values.

    `w`: the layer's unpacked weights when the caller already has them (repeated passes)."""
    return kernels.fc(
        x,
        layer.unpacked() if w is None else w,
        layer.bias,
        layer.mult if mult is None else mult,
        layer.shift if shift is None else shift,
        layer.out_min,
        layer.out_max,
    )


def quantize_input(ir: IR, features: np.ndarray) -> np.ndarray:
    """int32 front-end features (B, D) -> int8 input (B, D) (docs/integer-semantics.md, Input)."""
    inp = ir.input
    if inp.kind != "frontend":
        raise IRError("this model takes precomputed int8 feature vectors, not front-end features")
    f = np.asarray(features, dtype=np.int64)
    return saturate(
        requantize(f - inp.mu.astype(np.int64), inp.mult, inp.shift),
        INT8_MIN,
        INT8_MAX,
    )


@dataclass
class GoldenResult:
    """Every intermediate the firmware reports or a test may compare."""

    x8: np.ndarray  # (B, D) int8 input
    features: np.ndarray | None = None  # (B, D) int32 front-end output
    router_hidden: np.ndarray | None = None  # (B, H)
    router_scores: np.ndarray | None = None  # (B, E) int16, deterministic pass
    probs: np.ndarray | None = None  # (T, B, E) Q15
    u_raw: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (B,)
    choice: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (B,)
    expert: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (B,)
    logits: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (B, C) int16
    cls: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (B,)
    u_q30: np.ndarray = field(
        default_factory=lambda: np.zeros(0, np.int64)
    )  # U_raw // T^2, reported
    layers: dict[int, list[np.ndarray]] = field(default_factory=dict)  # expert -> per-layer outputs


def run_router(ir: IR, x8: np.ndarray, res: GoldenResult) -> None:
    r = ir.router
    b = len(x8)
    if r is None:
        res.choice = res.expert = np.zeros(b, dtype=np.int64)
        res.u_raw = res.u_q30 = np.zeros(b, dtype=np.int64)
        return
    h = run_layer(r.hidden, x8)
    w_out = r.out.unpacked()  # unpacked once for the deterministic and the T masked passes
    z = run_layer(r.out, h, w=w_out)
    res.router_hidden, res.router_scores = h, z
    res.choice = kernels.argmax_first(z)
    if r.curiosity:
        table = r.exp_table.astype(np.uint16)
        passes = []
        for m in r.masks.astype(np.int64):
            zt = run_layer(r.out, h * m[None, :], r.masked_mult, r.masked_shift, w_out)
            passes.append(kernels.softmax_q15(zt, table))
        res.probs = np.stack(passes)
        res.u_raw = kernels.curiosity_raw(res.probs)
        t = r.n_passes
        res.u_q30 = res.u_raw // (t * t)
    else:
        res.u_raw = res.u_q30 = np.zeros(b, dtype=np.int64)
    res.expert = kernels.route(res.u_raw, res.choice, r.thresholds, r.lut)


def run_expert(ir: IR, e: int, x8: np.ndarray) -> list[np.ndarray]:
    """Every layer output of expert e on int8 inputs (B, D)."""
    outs, h = [], x8
    for layer in ir.experts[e].layers:
        h = run_layer(layer, h)
        outs.append(h)
    return outs


def run(
    ir: IR,
    *,
    x8: np.ndarray | None = None,
    features: np.ndarray | None = None,
    pcm: list[np.ndarray] | None = None,
    keep_layers: bool = False,
) -> GoldenResult:
    """Run the model on one kind of input: int16 PCM clips, int32 features or int8 vectors."""
    given = [v is not None for v in (x8, features, pcm)]
    if sum(given) != 1:
        raise ValueError("give exactly one of x8, features, pcm")
    feats = None
    if pcm is not None:
        if ir.frontend is None:
            raise IRError("this model has no front end: give feature vectors")
        feats = batch_features(list(pcm), ir.frontend)
    if features is not None:
        feats = np.asarray(features)
    if feats is not None:
        x8 = quantize_input(ir, feats)
    x8 = np.asarray(x8, dtype=np.int64)
    n = ir.input.n_features
    if x8.ndim != 2 or x8.shape[1] != n or np.any(x8 < INT8_MIN) or np.any(x8 > INT8_MAX):
        raise IRError(f"input must be int8 rows of {n} values, got shape {x8.shape}")
    res = GoldenResult(x8=x8, features=feats)
    run_router(ir, x8, res)
    n_classes = ir.n_classes
    res.logits = np.zeros((len(x8), n_classes), dtype=np.int64)
    for e in np.unique(res.expert):
        rows = np.flatnonzero(res.expert == e)
        outs = run_expert(ir, int(e), x8[rows])
        res.logits[rows] = outs[-1]
        if keep_layers:
            res.layers[int(e)] = outs
    res.cls = kernels.argmax_first(res.logits)
    return res

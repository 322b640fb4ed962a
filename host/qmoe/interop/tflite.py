"""TensorFlow Lite export: one integer expert of a qmoe model as a `.tflite` flatbuffer.

The graph is

    int8 input ─► FULLY_CONNECTED int8 (per-channel weight scales, fused RELU) ─► … ─►
    QUANTIZE int8→int16 (same scale: exact) ─► FULLY_CONNECTED 16x8 ─► int16 logits

because TFLite's int8 FULLY_CONNECTED cannot write int16 outputs and qmoe's last layer writes
int16 logits. `float_io=True` adds QUANTIZE (float32 → int8) in front and DEQUANTIZE behind.

TFLite derives each channel's multiplier from float32 scales (input × weight / output, in double
precision). The weight scales are chosen so that it lands as near qmoe's 31-bit multiplier as a
float32 allows (within about 2^-24 relative); the kernels then round `acc · M · 2^-n` half away
from zero where qmoe rounds half up, which matters only at exact ties of negative values.
`exact_ir` gives the expert with TFLite's own multipliers: the golden model runs it exactly as the
TFLite reference kernels do wherever `tie_free` proves no accumulator can hit a tie. docs/interop.md
has the measured agreement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qmoe.errors import ConfigError, DataError
from qmoe.interop import tflite_fb as fb
from qmoe_codegen.ir import IR, Expert, Layer

EXPORT_WEIGHT_FORMATS = ("s1", "s2", "t2", "t5", "s4", "s8")


# ---- TFLite's multiplier arithmetic ---------------------------------------------------------


def tflite_quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite's QuantizeMultiplier: real = M · 2^shift / 2^31 with M in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    m = int(math.floor(q * 2**31 + 0.5))  # std::round of a positive value
    if m == 2**31:
        m //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return m, shift


def tflite_effective_scale(s_in: float, s_w: float, s_out: float, per_channel: bool) -> float:
    """The real multiplier TFLite derives from float32 scales: per-channel in double precision,
    per-tensor with the input × weight product taken in float32 first."""
    f32 = np.float32
    if per_channel:
        return float(np.float64(f32(s_in)) * np.float64(f32(s_w))) / float(f32(s_out))
    return float(np.float64(f32(s_in) * f32(s_w))) / float(f32(s_out))


def to_qmoe_multiplier(m: int, shift: int, where: str) -> tuple[int, int]:
    """TFLite (M, shift) -> qmoe (M, n) of the same value M · 2^-n (n = 31 − shift)."""
    if m == 0:
        return 0, 1
    n = 31 - shift
    if n < 1:
        raise DataError(
            f"{where}: effective output scale {m * 2.0 ** (shift - 31):.6g} is >= 1; qmoe's "
            "requantization (shift >= 1) cannot represent it"
        )
    if n > 62:
        drop = n - 62
        m, n = (m + (1 << (drop - 1))) >> drop, 62
    return m, n


def _nearest_weight_scale(m: int, n: int, s_in: float, s_out: float) -> np.float32:
    """The float32 weight scale whose TFLite multiplier comes nearest to qmoe's M · 2^-n."""
    target = m * 2.0**-n
    cand = np.float32(target * float(np.float32(s_out)) / float(np.float32(s_in)))
    for _ in range(4):  # start 4 float32 steps below and walk 8 steps up
        cand = np.nextafter(cand, np.float32(0))
    best, best_err = cand, math.inf
    for _ in range(9):
        mt, st = tflite_quantize_multiplier(tflite_effective_scale(s_in, cand, s_out, True))
        err = abs(mt * 2.0 ** (st - 31) - target)
        if err < best_err:
            best, best_err = cand, err
        cand = np.nextafter(cand, np.float32(np.inf))
    return best


def tie_free(layer: Layer) -> bool:
    """True if no reachable accumulator makes `acc · M · 2^-n` an exact tie (…​.5) in a layer whose
    clamp keeps negative values, so that rounding half up (qmoe) and half away from zero (TFLite)
    agree on every input. A tie needs acc to be a multiple of 2^(n − 1 − tz(M)); the bound on
    |acc| is |bias| + 128 · Σ|w| (docs/integer-semantics.md)."""
    if layer.out_min >= 0:  # ReLU: a negative tie rounds to <= 0 either way, clamped to 0
        return True
    bound = np.abs(layer.bias.astype(np.int64)) + 128 * np.abs(
        layer.unpacked().astype(np.int64)
    ).sum(axis=1)
    for m, n, b in zip(layer.mult, layer.shift, bound):
        m, n = int(m), int(n)
        if m == 0:
            continue
        tz = (m & -m).bit_length() - 1
        if n - 1 - tz <= 0 or (1 << (n - 1 - tz)) <= int(b):
            return False
    return True


# ---- export -------------------------------------------------------------------------------


@dataclass
class TfliteExport:
    data: bytes
    expert: int
    label: str
    n_features: int
    n_classes: int
    float_io: bool
    multiplier_error: float  # largest |M_tflite − M_qmoe| / M_qmoe over all channels
    multipliers: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # TFLite's


def _quant(scale) -> dict:
    s = np.atleast_1d(np.asarray(scale, dtype=np.float32))
    return {"scale": s, "zero_point": np.zeros(len(s), dtype=np.int64)}


def _activation(layer: Layer, where: str) -> int:
    lo, hi = layer.out_min, layer.out_max
    top = 32767 if layer.out_bits == 16 else 127
    if (lo, hi) == (-top - 1, top):
        return fb.ACT_NONE
    if (lo, hi) == (0, top):
        return fb.ACT_RELU
    raise ConfigError(
        f"{where}: output clamp [{lo}, {hi}] is neither a ReLU nor the full "
        f"int{layer['out_bits']} range; TFLite has no such fused activation"
    )


def _check_expert(ir: IR, expert: int) -> Expert:
    experts = ir.experts
    if not 0 <= expert < len(experts):
        names = ", ".join(f"{i}: {e.label}" for i, e in enumerate(experts))
        raise ConfigError(f"expert {expert}: the model has experts {names}")
    ex = experts[expert]
    for k, layer in enumerate(ex.layers):
        if layer.format not in EXPORT_WEIGHT_FORMATS:
            raise ConfigError(
                f"expert {expert} ({ex.label}) layer {k}: weight format {layer.format!r} "
                "has no int8 TFLite form (TFLite FULLY_CONNECTED takes int8 weights; export "
                "an expert of 8 bits or fewer)"
            )
    return ex


def tflite_from_ir(ir: IR, expert: int = 0, float_io: bool = False) -> TfliteExport:
    """Build the flatbuffer of expert `expert` of a lowered IR (see the module doc)."""
    ex = _check_expert(ir, expert)
    layers = ex.layers
    n_feat = ir.input.n_features
    s_in = float(layers[0].in_scale or ir.input.scale)
    tensors: list[fb.Tensor] = []
    ops: list[fb.Operator] = []

    def add(t: fb.Tensor) -> int:
        tensors.append(t)
        return len(tensors) - 1

    x = add(fb.Tensor("input_int8", (1, n_feat), fb.INT8, **_quant(s_in)))
    inputs = [x]
    if float_io:
        inputs = [add(fb.Tensor("input", (1, n_feat), fb.FLOAT32))]
        ops.append(fb.Operator(fb.QUANTIZE, inputs, [x], version=1))
    worst, used = 0.0, []
    for k, layer in enumerate(layers):
        where = f"expert {expert} ({ex.label}) layer {k}"
        n_out, n_in = layer.n_out, layer.n_in
        s_out = float(layer.out_scale)
        wide = layer.out_bits == 16
        if wide:
            x16 = add(fb.Tensor(f"layer{k}_input_int16", (1, n_in), fb.INT16, **_quant(s_in)))
            ops.append(fb.Operator(fb.QUANTIZE, [x], [x16], version=4))
            x = x16
        mult = layer.mult.astype(np.int64)
        shift = layer.shift.astype(np.int64)
        w = layer.unpacked().astype(np.int64)
        bias = layer.bias.astype(np.int64)
        s_w = np.zeros(n_out, dtype=np.float32)
        m_t, n_t = np.zeros(n_out, np.int64), np.ones(n_out, np.int64)
        for o in range(n_out):
            if mult[o] == 0:  # qmoe writes 0 whatever the accumulator: so must TFLite
                w[o], bias[o] = 0, 0
                s_w[o] = np.float32(s_out / s_in)
                continue
            s_w[o] = _nearest_weight_scale(int(mult[o]), int(shift[o]), s_in, s_out)
            mt, st = tflite_quantize_multiplier(tflite_effective_scale(s_in, s_w[o], s_out, True))
            m_t[o], n_t[o] = to_qmoe_multiplier(mt, st, f"{where} channel {o}")
            mq = mult[o] * 2.0 ** -shift[o]
            worst = max(worst, abs(m_t[o] * 2.0 ** -n_t[o] - mq) / mq)
        used.append((m_t, n_t))
        q8 = w.astype(np.int8)
        wt = add(fb.Tensor(f"layer{k}_weights", (n_out, n_in), fb.INT8, q8, **_quant(s_w)))
        b_type, b_dtype = (fb.INT64, np.int64) if wide else (fb.INT32, np.int32)
        bt = add(
            fb.Tensor(
                f"layer{k}_bias",
                (n_out,),
                b_type,
                bias.astype(b_dtype),
                **_quant(np.float32(s_in) * s_w),
            )
        )
        name = "logits" if k == len(layers) - 1 else f"layer{k}_output"
        y = add(fb.Tensor(name, (1, n_out), fb.INT16 if wide else fb.INT8, **_quant(s_out)))
        act = _activation(layer, where)
        ops.append(fb.Operator(fb.FULLY_CONNECTED, [x, wt, bt], [y], 7 if wide else 4, act))
        x, s_in = y, s_out
    outputs = [x]
    if float_io:
        outputs = [add(fb.Tensor("logits_float", tensors[x].shape, fb.FLOAT32))]
        ops.append(fb.Operator(fb.DEQUANTIZE, [x], outputs, version=2))
    desc = (
        f"qmoe expert {expert} ({ex.label}) of model {ir.model.name} "
        f"(IR hash {ir.hash[:16]}); classes: {','.join(ir.model.class_names)}"
    )
    data = fb.write_model(fb.Model(tensors, ops, inputs, outputs, desc))
    n_classes = layers[-1].n_out
    return TfliteExport(data, expert, ex.label, n_feat, n_classes, float_io, worst, used)


def exact_ir(ir: IR, exp: TfliteExport) -> IR:
    """The exported expert alone, with TFLite's multipliers: what the .tflite computes, as a qmoe
    IR (same input quantizer and front end), sealed and validated."""
    from dataclasses import replace

    from qmoe_codegen.ir import rebuild

    ex = ir.experts[exp.expert]
    layers = tuple(
        replace(layer, mult=m.copy(), shift=n.copy())
        for layer, (m, n) in zip(ex.layers, exp.multipliers)
    )
    return rebuild(
        ir,
        model=replace(ir.model, name=f"{ir.model.name}-tflite"),
        experts=[replace(ex, name="expert0", layers=layers)],
        router=None,
    )


def load_ir_any(path: Path) -> IR:
    """A model file (`*.qmoe`, lowered here) or an IR file (`*.qir`)."""
    from qmoe_codegen.ir import load_ir
    from qmoe_codegen.lower import lower_file

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: model file not found (expected a .qmoe model or a .qir IR)")
    return load_ir(path) if path.suffix == ".qir" else lower_file(path)


def export_tflite(
    model: Path,
    out: Path,
    expert: int | None = None,
    float_io: bool = False,
    exact_ir_out: Path | None = None,
) -> TfliteExport:
    """Write expert `expert` (default: the only one) of a model or IR file as a .tflite file, and
    with `exact_ir_out` the IR with TFLite's multipliers (`exact_ir`)."""
    from qmoe_codegen.ir import save_ir

    ir = load_ir_any(model)
    if expert is None:
        if len(ir.experts) > 1:
            names = ", ".join(f"{i}: {e.label}" for i, e in enumerate(ir.experts))
            raise ConfigError(f"{model}: a mixture; choose one expert with --expert ({names})")
        expert = 0
    exp = tflite_from_ir(ir, expert, float_io=float_io)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(exp.data)
    if exact_ir_out is not None:
        save_ir(exact_ir(ir, exp), Path(exact_ir_out))
    return exp

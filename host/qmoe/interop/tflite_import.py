"""TensorFlow Lite import: a fully-connected integer `.tflite` model becomes a qmoe IR with one
expert fed int8 vectors (input kind "features").

Only SUPPORTED_OPERATORS are accepted; anything else is refused naming the operator (or tensor)
and the file. Each channel's multiplier is computed from the float32 scales exactly as TFLite
computes it, so the golden model and the firmware run the imported expert as the TFLite reference
kernels do, except where TFLite rounds an exact tie of a negative value away from zero and qmoe
rounds it up (`qmoe.interop.tflite.tie_free` says whether that can happen).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qmoe.errors import ConfigError, DataError
from qmoe.interop import tflite_fb as fb
from qmoe.interop.tflite import (
    tflite_effective_scale,
    tflite_quantize_multiplier,
    to_qmoe_multiplier,
)
from qmoe_codegen.ir import IR

SUPPORTED_OPERATORS = (
    "FULLY_CONNECTED with int8 input and output, int8 weights (zero point 0, one scale per tensor "
    "or per output channel), int32 bias and fused activation NONE, RELU, RELU6 or RELU_N1_TO_1; "
    "or 16x8 (int16 input and output with zero point 0, int8 weights, int64 bias)",
    "QUANTIZE from float32 to int8 at the model input, or between int8 and int16 with the same "
    "scale and zero point 0",
    "DEQUANTIZE to float32 as the last operator",
)


@dataclass
class TfliteImport:
    ir: IR
    notes: list[str]  # what was folded or approximated, one line each


def _type(t: fb.Tensor) -> str:
    return fb.TYPE_NAMES.get(t.type, str(t.type))


def _refuse(op: fb.Operator, k: int, where: str, why: str) -> DataError:
    return DataError(
        f"{where}: operator {k} is {fb.operator_name(op.code)}: {why}. qmoe imports only: "
        + "; ".join(SUPPORTED_OPERATORS)
    )


def _scalar_quant(t: fb.Tensor, where: str) -> tuple[float, int]:
    if t.scale is None or len(t.scale) != 1:
        raise DataError(f"{where}: tensor '{t.name}' needs one quantization scale (per tensor)")
    return float(t.scale[0]), int(t.zero_point[0]) if len(t.zero_point) else 0


def _act_range(act: int, scale: float, zp: int, lo: int, hi: int, where: str) -> tuple[int, int]:
    """TFLite's activation range for a fused activation on a quantized output."""

    def q(v: float) -> int:
        r = v / scale
        return zp + int(math.copysign(math.floor(abs(r) + 0.5), r))  # std::round

    if act == fb.ACT_NONE:
        return lo, hi
    if act == fb.ACT_RELU:
        return max(lo, q(0.0)), hi
    if act == fb.ACT_RELU6:
        return max(lo, q(0.0)), min(hi, q(6.0))
    if act == fb.ACT_RELU_N1_TO_1:
        return max(lo, q(-1.0)), min(hi, q(1.0))
    name = fb.ACTIVATION_NAMES[act] if 0 <= act < len(fb.ACTIVATION_NAMES) else str(act)
    raise DataError(
        f"{where}: fused activation {name} is not supported (NONE, RELU, RELU6, RELU_N1_TO_1 are)"
    )


def _chain(model: fb.Model, where: str) -> tuple[int, list[tuple[int, fb.Operator]]]:
    """Check the operators and walk them from the input: (int8 input tensor, FC ops in order)."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise DataError(
            f"{where}: {len(model.inputs)} inputs and {len(model.outputs)} outputs; qmoe imports "
            "a model with one input and one output"
        )
    ops = model.operators
    for k, op in enumerate(ops):
        if op.code not in (fb.FULLY_CONNECTED, fb.QUANTIZE, fb.DEQUANTIZE):
            why = f"custom operator {op.custom_code!r}" if op.custom_code else "not supported"
            raise _refuse(op, k, where, why)
    x, start = model.inputs[0], 0
    if ops and ops[0].code == fb.QUANTIZE and model.tensors[x].type == fb.FLOAT32:
        x, start = ops[0].outputs[0], 1
    if model.tensors[x].type != fb.INT8:
        raise DataError(
            f"{where}: model input '{model.tensors[x].name}' is {_type(model.tensors[x])}; qmoe "
            "imports models with an int8 input (or float32 followed by QUANTIZE to int8)"
        )
    chain, cur = [], x
    for k in range(start, len(ops)):
        op = ops[k]
        if not op.inputs or op.inputs[0] != cur or len(op.outputs) != 1:
            raise _refuse(op, k, where, "qmoe imports a single chain of layers")
        if op.code == fb.DEQUANTIZE and k != len(ops) - 1:
            raise _refuse(op, k, where, "DEQUANTIZE is supported only as the last operator")
        if op.code == fb.QUANTIZE:
            a, b = model.tensors[op.inputs[0]], model.tensors[op.outputs[0]]
            ok = {a.type, b.type} <= {fb.INT8, fb.INT16}
            if not ok or _scalar_quant(a, where) != _scalar_quant(b, where) or a.zero_point[0]:
                raise _refuse(
                    op, k, where, f"{_type(a)} -> {_type(b)} with a change of scale or zero point"
                )
        if op.code == fb.FULLY_CONNECTED:
            chain.append((k, op))
        cur = op.outputs[0]
    if cur != model.outputs[0]:
        raise DataError(f"{where}: the operators do not end at the model output")
    if not chain:
        raise DataError(f"{where}: no FULLY_CONNECTED operator")
    return x, chain


def _fc_layer(model: fb.Model, k: int, op: fb.Operator, i: int, where: str, notes: list) -> dict:
    """One FULLY_CONNECTED -> an IR layer (int8 hidden / int16 last, fixed later by the caller)."""
    from qmoe_codegen import packing

    lw = f"{where}: operator {k} (FULLY_CONNECTED)"
    if len(op.inputs) < 2:
        raise _refuse(op, k, where, "needs an input and weights")
    xt, wt = model.tensors[op.inputs[0]], model.tensors[op.inputs[1]]
    bt = model.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    yt = model.tensors[op.outputs[0]]
    if op.weights_format != 0:
        raise _refuse(op, k, where, "shuffled weights are not supported")
    if wt.type != fb.INT8 or wt.data is None or wt.data.ndim != 2:
        why = f"weights '{wt.name}' are {_type(wt)}, not a constant int8 matrix"
        raise _refuse(op, k, where, why)
    if xt.type not in (fb.INT8, fb.INT16) or yt.type != xt.type:
        raise _refuse(op, k, where, f"activations {_type(xt)} -> {_type(yt)}")
    wide = xt.type == fb.INT16
    q = wt.data.astype(np.int64)
    n_out, n_in = q.shape
    if wt.scale is None or np.any(wt.zero_point != 0) or len(wt.scale) not in (1, n_out):
        raise DataError(
            f"{lw}: weights '{wt.name}' need zero point 0 and one scale per tensor or per "
            "output channel"
        )
    if bt is not None and (bt.data is None or bt.type != (fb.INT64 if wide else fb.INT32)):
        why = f"bias '{bt.name}' is {_type(bt)}, not a constant int{64 if wide else 32}"
        raise _refuse(op, k, where, why)
    per_channel = len(wt.scale) == n_out and n_out > 1
    s_w = np.broadcast_to(wt.scale.astype(np.float64), (n_out,))
    sx, zx = _scalar_quant(xt, lw)
    sy, zy = _scalar_quant(yt, lw)
    if wide and (zx or zy):
        raise DataError(f"{lw}: a 16x8 layer needs zero points 0, found {zx} and {zy}")
    bias = np.zeros(n_out, np.int64) if bt is None else bt.data.astype(np.int64).reshape(-1)
    if zx:  # TFLite computes Σ w (x − zx): fold −zx Σ w into the bias (exact)
        bias = bias - zx * q.sum(axis=1)
        notes.append(f"layer {i}: input zero point {zx} folded into the bias (exact)")
    mult, shift = [], []
    for o in range(n_out):
        m, s = tflite_quantize_multiplier(tflite_effective_scale(sx, s_w[o], sy, per_channel))
        m, s = to_qmoe_multiplier(m, s, f"{lw} channel {o}")
        mult.append(m)
        shift.append(s)
    full = (-32768, 32767) if wide else (-128, 127)
    lo, hi = _act_range(op.activation, sy, zy, *full, lw)
    fmt = "s8"
    return {
        "name": f"expert 0 layer {i}",
        "n_in": int(n_in),
        "n_out": int(n_out),
        "format": fmt,
        "row_bytes": packing.row_bytes(fmt, int(n_in), 1),
        "weights": np.frombuffer(packing.pack(q, fmt, 1), dtype=np.uint8).copy(),
        "bias": bias,
        "mult": np.array(mult, np.int64),
        "shift": np.array(shift, np.int64),
        "out_bits": 16 if wide else 8,
        "out_min": lo,
        "out_max": hi,
        "in_scale": sx,
        "out_scale": sy,
        "zero_point": zy,
        "tensor": yt.name,
    }


def ir_from_tflite(
    data: bytes, where: str, class_names: list[str] | None = None, name: str = "tflite"
) -> TfliteImport:
    """Turn a supported .tflite flatbuffer into a sealed, validated qmoe IR (one expert)."""
    from qmoe_codegen.ir import build

    model = fb.read_model(data, where)
    x, chain = _chain(model, where)
    s_in, zp_in = _scalar_quant(model.tensors[x], where)
    notes: list[str] = []
    layers = [_fc_layer(model, k, op, i, where, notes) for i, (k, op) in enumerate(chain)]
    for i, layer in enumerate(layers):
        zy, last = layer.pop("zero_point"), i == len(layers) - 1
        tensor = layer.pop("tensor")
        if last:  # logits: qmoe's are the TFLite output minus its zero point (exact)
            layer["out_min"] -= zy
            layer["out_max"] -= zy
            layer["out_bits"] = 16
            if zy:
                notes.append(f"output zero point {zy} subtracted from the logits (exact)")
            continue
        if zy:  # zy + requant(acc) ≈ requant(acc + zy / scale): folded, may differ by one step
            layer["bias"] = layer["bias"] + np.rint(
                zy * 2.0 ** layer["shift"].astype(np.float64) / np.maximum(layer["mult"], 1)
            ).astype(np.int64)
            notes.append(
                f"layer {i}: output zero point {zy} of '{tensor}' folded into the bias "
                "(approximate: an output can differ by one step where its rounding falls "
                "differently)"
            )
        if layer["out_bits"] == 16:  # a 16x8 hidden layer narrowed back to int8 by QUANTIZE
            layer["out_min"] = max(layer["out_min"], -128)
            layer["out_max"] = min(layer["out_max"], 127)
            layer["out_bits"] = 8
        if not -128 <= layer["out_min"] <= layer["out_max"] <= 127:
            raise DataError(
                f"{where}: hidden tensor '{tensor}' spans [{layer['out_min']}, "
                f"{layer['out_max']}]; qmoe's hidden layers write int8"
            )
    for i, layer in enumerate(layers):
        if np.any(np.abs(layer["bias"]) >= 2**31):
            raise DataError(f"{where}: layer {i}: a bias does not fit int32 after folding")
        layer["bias"] = layer["bias"].astype(np.int32)
    n_classes = layers[-1]["n_out"]
    if class_names is None:
        class_names = [f"class_{c}" for c in range(n_classes)]
    if len(class_names) != n_classes:
        raise ConfigError(
            f"{where}: {len(class_names)} class names for a model with {n_classes} outputs"
        )
    inp = {"kind": "features", "n_features": int(layers[0]["n_in"]), "scale": s_in}
    if zp_in:
        inp["zero_point"] = zp_in  # informational: folded into the first layer's bias
    content = {
        "model": {
            "name": name,
            "class_names": list(class_names),
            "label_set": f"tflite-{n_classes}class",
            "source": {"file": Path(where).name, "arrays_sha256": ""},
        },
        "frontend": None,
        "input": inp,
        "experts": [{"name": "expert0", "spec": "tflite-int8", "label": name, "layers": layers}],
        "router": None,
    }
    return TfliteImport(build(content, where), notes)


def import_tflite(
    path: Path, out: Path, class_names: list[str] | None = None, name: str | None = None
) -> TfliteImport:
    """Read a .tflite file and write it as a qmoe IR file (`out`, *.qir)."""
    from qmoe_codegen.ir import save_ir

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: TFLite file not found")
    imp = ir_from_tflite(path.read_bytes(), str(path), class_names, name or path.stem)
    save_ir(imp.ir, Path(out))
    return imp

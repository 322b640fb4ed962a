"""Quantized building blocks: int8 activation fake-quant, fake-quantized Linear, MLP blocks.

`QuantMLP` is the common body of experts and routers: int8-valued input times `input_scale`, then
hidden blocks Linear -> norm -> ReLU -> ActQuant -> Dropout, then a Linear head. Everything it
computes in eval mode is what an integer MCU computes (up to requantization rounding), and
`export_layers()` hands the integers and scales to the lowering step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from qmoe.errors import ConfigError, DataError
from qmoe.quant.spec import (
    SCALE_EPS,
    WeightSpec,
    fake_quant_weight,
    parse_weight_spec,
    quantize_weight,
)

NORMS = ("none", "layernorm", "batchnorm")
ACT_QMIN, ACT_QMAX = -128, 127
CALIBRATION_METHODS = ("max", "percentile")


class ActQuant(nn.Module):
    """Symmetric per-tensor int8 fake quantization of activations.

    scale = absmax / 127; forward gives clamp(round_half_even(x / scale), -128, 127) * scale. With
    `track=True` (QAT) absmax follows the batch absmax during training as an exponential moving
    average (absmax <- momentum * absmax + (1 - momentum) * batch_absmax; the first batch sets it),
    and is frozen in eval mode. With `track=False` (PTQ) only `calibrate()` sets it. Until absmax
    has been set the module passes its input through unchanged. Gradient: clipped straight-through
    estimator (1 inside [-128, 127] * scale, 0 where the value was clamped).
    """

    def __init__(self, momentum: float = 0.9, track: bool = True) -> None:
        super().__init__()
        if not 0.0 <= momentum < 1.0:
            raise ConfigError(f"ActQuant momentum {momentum} must lie in [0, 1)")
        self.momentum = momentum
        self.track = track
        self.register_buffer("absmax", torch.zeros(()))
        self.register_buffer("initialized", torch.zeros((), dtype=torch.bool))

    @property
    def calibrated(self) -> bool:
        """True once absmax has been observed or calibrated."""
        return bool(self.initialized)

    @property
    def scale(self) -> float:
        """Real value of one int8 step (absmax / 127, at least SCALE_EPS / 127)."""
        return max(float(self.absmax), SCALE_EPS) / ACT_QMAX

    @torch.no_grad()
    def observe(self, x: Tensor) -> None:
        """Fold the batch absmax of x into the moving average."""
        m = x.detach().abs().max().to(self.absmax.dtype)
        if self.calibrated:
            self.absmax.mul_(self.momentum).add_((1.0 - self.momentum) * m)
        else:
            self.absmax.copy_(m)
            self.initialized.fill_(True)

    @torch.no_grad()
    def calibrate(self, x: Tensor, method: str = "max", percentile: float = 99.99) -> None:
        """Set absmax from calibration activations: max |x|, or the given percentile of |x|."""
        a = x.detach().abs().flatten().double().cpu().numpy()
        if a.size == 0:
            raise DataError("ActQuant.calibrate: calibration activations are empty")
        if method == "max":
            v = float(a.max())
        elif method == "percentile":
            if not 0.0 < percentile <= 100.0:
                raise ConfigError(f"calibration percentile {percentile} must lie in (0, 100]")
            v = float(np.percentile(a, percentile))
        else:
            raise ConfigError(f"calibration method {method!r} is not one of {CALIBRATION_METHODS}")
        self.absmax.fill_(v)
        self.initialized.fill_(True)

    def forward(self, x: Tensor) -> Tensor:
        if self.training and self.track:
            self.observe(x)
        if not self.calibrated:
            return x
        s = self.scale
        xc = torch.clamp(x, ACT_QMIN * s, ACT_QMAX * s)
        return xc + (torch.round(xc / s) * s - xc).detach()

    def extra_repr(self) -> str:
        return f"momentum={self.momentum}, track={self.track}"


class QLinear(nn.Linear):
    """nn.Linear whose weight is fake-quantized per output channel in the forward pass.

    k-bit and ternary weights are always fake-quantized (QAT, straight-through gradient). int8 PTQ
    ("ptq8") weights stay float until `ptq_int8` switches on the persistent `ptq_on` buffer; fp32
    weights are never quantized. The bias stays float (it becomes int32 at lowering).
    """

    def __init__(
        self, in_features: int, out_features: int, spec: WeightSpec | str = "fp32"
    ) -> None:
        super().__init__(in_features, out_features, bias=True)
        self.spec = parse_weight_spec(spec)
        if self.spec.kind == "ptq8":
            self.register_buffer("ptq_on", torch.zeros((), dtype=torch.bool))

    @property
    def quantizing(self) -> bool:
        """True when the forward pass uses quantized weights."""
        return self.spec.qat or (self.spec.kind == "ptq8" and bool(self.ptq_on))

    def forward(self, x: Tensor) -> Tensor:
        w = fake_quant_weight(self.weight, self.spec) if self.quantizing else self.weight
        return F.linear(x, w, self.bias)

    def export(self) -> dict:
        """Integer weights and float scales of this layer.

        Returns dict(spec=code str, q=int32 (out, in) or None, scale=float64 (out,) or None,
        bias=float64 (out,), weight=float64 (out, in) for fp32 else None).
        """
        bias = self.bias.detach().double().cpu().numpy()
        if not self.spec.quantized:
            w = self.weight.detach().double().cpu().numpy()
            return {"spec": self.spec.code, "q": None, "scale": None, "bias": bias, "weight": w}
        if not self.quantizing:
            raise ConfigError(
                "int8 PTQ layer has not been calibrated: build it with qmoe.quant.ptq_int8"
            )
        q, s = quantize_weight(self.weight, self.spec)
        return {
            "spec": self.spec.code,
            "q": q.cpu().numpy().astype(np.int32),
            "scale": s.double().cpu().numpy(),
            "bias": bias,
            "weight": None,
        }

    def extra_repr(self) -> str:
        return super().extra_repr() + f", spec={self.spec.code}"


def _make_norm(norm: str, n: int) -> nn.Module:
    if norm == "none":
        return nn.Identity()
    if norm == "layernorm":
        return nn.LayerNorm(n)
    if norm == "batchnorm":
        return nn.BatchNorm1d(n)
    raise ConfigError(f"norm {norm!r} is not one of {', '.join(NORMS)}")


def _fold_affine(layer: dict, a: np.ndarray, c: np.ndarray) -> dict:
    """Export of the layer followed by y -> a * y + c (per output), folded into weights and bias.

    For integer formats the sign of a goes into q and |a| into the scale, which is exact because
    every format is symmetric per output row.
    """
    out = dict(layer)
    out["bias"] = a * layer["bias"] + c
    if layer["q"] is None:
        out["weight"] = layer["weight"] * a[:, None]
    else:
        sign = np.where(a < 0, -1, 1).astype(np.int32)
        out["q"] = (layer["q"] * sign[:, None]).astype(np.int32)
        out["scale"] = np.maximum(layer["scale"] * np.abs(a), SCALE_EPS)
    return out


class QBlock(nn.Module):
    """Hidden block: QLinear -> norm -> ReLU -> ActQuant (quantized formats only) -> Dropout."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        spec: WeightSpec | str,
        norm: str = "none",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        spec = parse_weight_spec(spec)
        self.norm_kind = norm
        self.linear = QLinear(in_features, out_features, spec)
        self.norm = _make_norm(norm, out_features)
        self.act = ActQuant(track=spec.qat) if spec.quantized else None
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def pre_act(self, h: Tensor) -> Tensor:
        """Output of Linear -> norm -> ReLU (the input of ActQuant)."""
        return torch.relu(self.norm(self.linear(h)))

    def forward(self, h: Tensor) -> Tensor:
        z = self.pre_act(h)
        if self.act is not None:
            z = self.act(z)
        return self.drop(z)

    def export(self) -> dict:
        """QLinear export with batch norm folded in, plus `act_scale` of the block's int8 output.

        `norm` is None except for layer norm, which cannot be folded nor lowered to integer code
        (per-sample mean, variance, square root and division): its parameters are given as
        dict(kind="layernorm", weight, bias, eps) for host-side comparison only.
        """
        layer = self.linear.export()
        norm = None
        if self.norm_kind == "layernorm":
            ln = self.norm
            norm = {
                "kind": "layernorm",
                "weight": ln.weight.detach().double().cpu().numpy(),
                "bias": ln.bias.detach().double().cpu().numpy(),
                "eps": float(ln.eps),
            }
        elif self.norm_kind == "batchnorm":
            bn = self.norm
            a = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().double().cpu().numpy()
            c = bn.bias.detach().double().cpu().numpy() - a * bn.running_mean.double().cpu().numpy()
            layer = _fold_affine(layer, a, c)
        act_scale = None
        if self.act is not None:
            if not self.act.calibrated:
                raise ConfigError(
                    "activation scale was never observed: train the model (or "
                    "calibrate it with ptq_int8) before exporting"
                )
            act_scale = self.act.scale
        return {**layer, "norm": norm, "relu": True, "act_scale": act_scale}


class QuantMLP(nn.Module):
    """int8-valued input -> hidden QBlocks -> QLinear head; the body of experts and routers."""

    def __init__(
        self,
        in_dim: int,
        hidden: Sequence[int],
        out_dim: int,
        spec: WeightSpec | str,
        input_scale: float,
        norm: str = "none",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not (
            isinstance(input_scale, (int, float)) and math.isfinite(input_scale) and input_scale > 0
        ):
            raise ConfigError(f"input_scale {input_scale!r} must be a positive finite float")
        self.spec = parse_weight_spec(spec)
        self.input_scale = float(input_scale)
        self.in_dim = int(in_dim)
        sizes = [self.in_dim, *[int(h) for h in hidden]]
        self.blocks = nn.ModuleList(
            QBlock(a, b, self.spec, norm, dropout) for a, b in zip(sizes[:-1], sizes[1:])
        )
        self.head = QLinear(sizes[-1], int(out_dim), self.spec)

    def scale_input(self, x_int8: Tensor) -> Tensor:
        """Real-valued input x_int8 * input_scale; DataError unless the shape is (B, in_dim)."""
        if x_int8.dim() != 2 or x_int8.shape[1] != self.in_dim:
            raise DataError(
                f"input has shape {tuple(x_int8.shape)}, expected (batch, {self.in_dim})"
            )
        return x_int8.to(self.head.weight.dtype) * self.input_scale

    def hidden_features(self, x_int8: Tensor) -> Tensor:
        """Output of the last hidden block (int8-valued times its scale for quantized formats)."""
        h = self.scale_input(x_int8)
        for block in self.blocks:
            h = block(h)
        return h

    def forward(self, x_int8: Tensor) -> Tensor:
        return self.head(self.hidden_features(x_int8))

    def linears(self) -> list[QLinear]:
        """Every QLinear, input side first."""
        return [b.linear for b in self.blocks] + [self.head]

    def cost(self) -> dict:
        """Storage and compute on the device.

        weight_bits: sum of weights * storage bits; weight_bytes: per layer the packed weights
        (rounded up to whole bytes) + 4 B bias per output + 4 B scale per output for integer
        formats; macs: multiply-accumulates per inference; bits_per_weight: weight_bits / weights.
        """
        bits = self.spec.storage_bits
        n_weights = weight_bits = weight_bytes = 0
        for lin in self.linears():
            n = lin.in_features * lin.out_features
            n_weights += n
            weight_bits += int(round(n * bits))
            extra = 8 if self.spec.quantized else 4
            weight_bytes += math.ceil(n * bits / 8) + extra * lin.out_features
        return {
            "weight_bits": weight_bits,
            "weight_bytes": weight_bytes,
            "macs": n_weights,
            "bits_per_weight": weight_bits / max(1, n_weights),
        }

    def export_layers(self) -> list[dict]:
        """Per layer: QLinear export (batch norm folded) + `norm`, `relu`, output `act_scale`."""
        head = {**self.head.export(), "norm": None, "relu": False, "act_scale": None}
        return [b.export() for b in self.blocks] + [head]

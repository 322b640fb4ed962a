"""Weight formats and weight quantizers: what each format's integers and scales are.

Every quantized format is symmetric per output channel: row r of a weight matrix is stored as
integers q[r, :] and one float scale s[r] (turned into an integer multiplier and shift at
lowering), so that the device computes with the weight q[r, :] * s[r]. docs/quantization.md is the
reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
from torch import Tensor

from qmoe.errors import ConfigError

KINDS = ("fp32", "ptq8", "bits", "ternary")
SCALE_EPS = 1e-8  # smallest per-row scale: an all-zero row gets q = 0 (or +-1 for 1-bit) and this
VALID_FORMS = (
    "'fp32', 'int8ptq' (also 'ptq8', 'int8-ptq'), 'ternary' (also 'b1.58'), "
    "'1'..'16' (also 'w4', '4-bit')"
)


@dataclass(frozen=True)
class WeightSpec:
    """A weight format. Build it with `parse_weight_spec`.

    kind: "fp32" (float weights), "ptq8" (8-bit post-training quantization), "bits" (k-bit
    quantization-aware training, k = bits) or "ternary" (BitNet b1.58).
    """

    kind: str
    bits: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"weight spec kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.kind == "bits" and (self.bits is None or not 1 <= self.bits <= 16):
            raise ConfigError(f"weight spec 'bits' needs bits in 1..16, got {self.bits!r}")
        if self.kind == "ptq8" and self.bits != 8:
            raise ConfigError(f"weight spec 'ptq8' has bits 8, got {self.bits!r}")
        if self.kind in ("fp32", "ternary") and self.bits is not None:
            raise ConfigError(f"weight spec {self.kind!r} takes no bits, got {self.bits!r}")

    @property
    def label(self) -> str:
        """Human label: "fp32", "int8-ptq", "4-bit", "ternary", "1-bit"."""
        if self.kind == "bits":
            return f"{self.bits}-bit"
        return {"fp32": "fp32", "ptq8": "int8-ptq", "ternary": "ternary"}[self.kind]

    @property
    def code(self) -> str:
        """Canonical string that parse_weight_spec maps back: fp32, ptq8, ternary, w4."""
        return f"w{self.bits}" if self.kind == "bits" else self.kind

    @property
    def storage_bits(self) -> float:
        """Bits per weight as stored on the device: fp32 32, k-bit k, int8 PTQ 8, ternary 2."""
        if self.kind == "fp32":
            return 32.0
        if self.kind == "ternary":
            return 2.0
        return float(self.bits)

    @property
    def quantized(self) -> bool:
        """True for every format whose weights are integers on the device (all but fp32)."""
        return self.kind != "fp32"

    @property
    def qat(self) -> bool:
        """True when the weights are fake-quantized during training (k-bit and ternary)."""
        return self.kind in ("bits", "ternary")

    @property
    def qmax(self) -> int:
        """Largest integer level: 2**(k-1) - 1 for k >= 2 (127 for ptq8), 1 for 1-bit, ternary."""
        if self.kind == "fp32":
            raise ConfigError("weight spec fp32 has no integer levels")
        if self.kind == "ternary" or self.bits == 1:
            return 1
        return 2 ** (self.bits - 1) - 1

    def __str__(self) -> str:
        return self.code


_BITS_RE = re.compile(r"^(?:w)?(\d+)(?:-?bits?)?$")


def parse_weight_spec(s: str | WeightSpec) -> WeightSpec:
    """Parse a weight format (case-insensitive): "fp32", "int8ptq", "ternary", "4", "w4", ...

    Also accepts every `WeightSpec.label` and `WeightSpec.code`, so labels and codes round-trip.
    Raises ConfigError naming the value and listing the valid forms.
    """
    if isinstance(s, WeightSpec):
        return s
    if not isinstance(s, str):
        raise ConfigError(f"weight spec {s!r} is not a string; valid forms: {VALID_FORMS}")
    t = s.strip().lower()
    if t in ("fp32", "float", "float32", "f32"):
        return WeightSpec("fp32")
    if t in ("int8ptq", "ptq8", "int8-ptq", "ptq", "ptq-int8"):
        return WeightSpec("ptq8", 8)
    if t in ("ternary", "b1.58", "1.58", "t"):
        return WeightSpec("ternary")
    m = _BITS_RE.match(t)
    if m and 1 <= int(m.group(1)) <= 16:
        return WeightSpec("bits", int(m.group(1)))
    raise ConfigError(f"weight spec {s!r} is not valid; valid forms: {VALID_FORMS}")


def quantize_weight(w: Tensor, spec: WeightSpec | str) -> tuple[Tensor, Tensor]:
    """Quantize a weight matrix (out, in) per output row: (q, scale), w ~= q * scale[:, None].

    q is a float tensor of integer values, scale has shape (out,). Formats:
      k-bit, k = 2..16 and ptq8: Q = 2**(k-1) - 1, scale = max|w_row| / Q,
        q = clamp(round(w/scale), -Q, Q)
      1-bit: q = +1 where w >= 0 else -1, scale = mean|w_row| (XNOR-Net)
      ternary: scale = mean|w_row|, q = clamp(round(w/scale), -1, 1) (BitNet b1.58)
    Rounding is half to even; a row whose scale would be 0 gets scale SCALE_EPS.
    """
    spec = parse_weight_spec(spec)
    if not spec.quantized:
        raise ConfigError(
            "weight spec fp32 is not quantized: quantize_weight needs an integer format"
        )
    if w.dim() != 2:
        raise ConfigError(
            f"quantize_weight expects a 2-D weight (out, in), got shape {tuple(w.shape)}"
        )
    w = w.detach()
    a = w.abs()
    if spec.kind == "bits" and spec.bits == 1:
        scale = a.mean(dim=1).clamp_min(SCALE_EPS)
        q = torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))
        return q, scale
    qmax = spec.qmax
    if spec.kind == "ternary":
        scale = a.mean(dim=1).clamp_min(SCALE_EPS)
    else:
        scale = (a.amax(dim=1) / qmax).clamp_min(SCALE_EPS)
    q = torch.clamp(torch.round(w / scale[:, None]), -qmax, qmax)
    return q, scale


def fake_quant_weight(w: Tensor, spec: WeightSpec | str) -> Tensor:
    """q * scale in the forward pass; identity gradient to w in the backward pass (plain STE).

    The straight-through estimator is not clipped: weights outside the ternary range (|w| > 1.5 *
    mean|w|) still receive their gradient, as in BitNet. For fp32 the weight is returned unchanged.
    """
    spec = parse_weight_spec(spec)
    if not spec.quantized:
        return w
    q, scale = quantize_weight(w, spec)
    return w + (q * scale[:, None] - w).detach()


def levels(spec: WeightSpec | str) -> int:
    """Distinct integer levels of a quantized format: 2**k - 1, 2 for 1-bit, 3 for ternary."""
    spec = parse_weight_spec(spec)
    if spec.kind == "bits" and spec.bits == 1:
        return 2
    return 2 * spec.qmax + 1

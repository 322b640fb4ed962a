"""Experts: MLP classifiers over int8 feature vectors, in one weight format each.

The paper's expert is an MLP in -> 640 -> 320 -> classes; the default here, (128, 64), fits MCU
flash and RAM. Quantized experts use QLinear layers with the expert's format and an int8 ActQuant
after each hidden ReLU; fp32 experts (and int8 PTQ experts before `ptq_int8`) are plain float.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qmoe.errors import ConfigError
from qmoe.quant.layers import NORMS, QuantMLP
from qmoe.quant.spec import parse_weight_spec


@dataclass(frozen=True)
class ExpertConfig:
    """Shape and format of one expert.

    norm: "none", "batchnorm" (folded into the preceding linear at export: lowerable) or
    "layernorm" (the paper's op; needs per-sample mean, variance, square root and division, so it is
    kept for host comparison only and makes the expert not lowerable).
    """

    in_dim: int
    n_classes: int
    hidden: tuple[int, ...] = (128, 64)
    spec: str = "fp32"
    norm: str = "none"
    dropout: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if int(self.in_dim) < 1:
            raise ConfigError(f"expert in_dim {self.in_dim} must be >= 1")
        if int(self.n_classes) < 2:
            raise ConfigError(f"expert n_classes {self.n_classes} must be >= 2")
        if any(h < 1 for h in self.hidden):
            raise ConfigError(f"expert hidden sizes {self.hidden} must all be >= 1")
        parse_weight_spec(self.spec)
        if self.norm not in NORMS:
            raise ConfigError(f"expert norm {self.norm!r} is not one of {', '.join(NORMS)}")
        if not (math.isfinite(self.dropout) and 0.0 <= self.dropout < 1.0):
            raise ConfigError(f"expert dropout {self.dropout} must lie in [0, 1)")


class Expert(QuantMLP):
    """MLP expert: int8-valued input (B, in_dim) -> float logits (B, n_classes).

    Hidden blocks are Linear -> norm -> ReLU -> ActQuant (quantized formats) -> Dropout (training
    only); the input's real value is x_int8 * input_scale. Calling it returns the logits.
    """

    def __init__(self, cfg: ExpertConfig, input_scale: float) -> None:
        super().__init__(
            cfg.in_dim,
            cfg.hidden,
            cfg.n_classes,
            cfg.spec,
            input_scale,
            norm=cfg.norm,
            dropout=cfg.dropout,
        )
        self.cfg = cfg

    @property
    def lowerable(self) -> bool:
        """True when the integer IR can express this expert: an integer format and no layer norm."""
        return self.spec.quantized and self.cfg.norm != "layernorm"

    @property
    def calibrated(self) -> bool:
        """True when every activation scale is known (always true for fp32)."""
        return all(b.act is None or b.act.calibrated for b in self.blocks) and all(
            lin.quantizing or not lin.spec.quantized for lin in self.linears()
        )

    def export(self) -> dict:
        """What lowering needs: format, shapes, input scale and `layers` (see export_layers)."""
        return {
            "spec": self.spec.code,
            "label": self.spec.label,
            "in_dim": self.cfg.in_dim,
            "n_classes": self.cfg.n_classes,
            "hidden": list(self.cfg.hidden),
            "norm": self.cfg.norm,
            "input_scale": self.input_scale,
            "lowerable": self.lowerable,
            "layers": self.export_layers(),
        }

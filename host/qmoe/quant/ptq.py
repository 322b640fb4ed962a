"""int8 post-training quantization of a float-trained expert (no retraining)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from qmoe.errors import ConfigError, DataError

if TYPE_CHECKING:  # qmoe.experts imports qmoe.quant: no run-time import in this direction
    from qmoe.experts import Expert


@torch.no_grad()
def ptq_int8(
    expert_fp32: Expert, calib_x: Tensor, method: str = "max", percentile: float = 99.99
) -> Expert:
    """Return a new "ptq8" expert: per-channel symmetric int8 weights (Q = 127), int8 activations.

    The weights (and batch-norm statistics) are copied from `expert_fp32`, which is left unchanged.
    Activation scales are calibrated on `calib_x` (int8-valued inputs, training rows only) layer by
    layer, each layer seeing the quantized output of the one before it, as on the device: with
    method "max" the scale is max|activation| / 127 (the default), with "percentile" the given
    percentile of |activation| / 127 (larger values then saturate).
    """
    if expert_fp32.spec.kind not in ("fp32", "ptq8"):
        raise ConfigError(
            "ptq_int8 needs an fp32 (or uncalibrated ptq8) expert, got spec "
            f"{expert_fp32.cfg.spec!r}"
        )
    if calib_x.dim() != 2 or len(calib_x) == 0:
        raise DataError(
            f"ptq_int8: calibration inputs have shape {tuple(calib_x.shape)}, "
            f"expected (n >= 1, {expert_fp32.cfg.in_dim})"
        )
    cfg = dataclasses.replace(expert_fp32.cfg, spec="ptq8")
    new = type(expert_fp32)(cfg, expert_fp32.input_scale)
    for src, dst in zip(expert_fp32.blocks, new.blocks):
        dst.linear.weight.copy_(src.linear.weight)
        dst.linear.bias.copy_(src.linear.bias)
        dst.norm.load_state_dict(src.norm.state_dict())
    new.head.weight.copy_(expert_fp32.head.weight)
    new.head.bias.copy_(expert_fp32.head.bias)
    for lin in new.linears():
        lin.ptq_on.fill_(True)
    new.eval()
    h = new.scale_input(calib_x)
    for block in new.blocks:
        z = block.pre_act(h)
        block.act.calibrate(z, method, percentile)
        h = block.act(z)
    return new

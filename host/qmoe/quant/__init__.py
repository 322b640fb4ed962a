"""Quantized layers: weight formats, int8 activation fake-quant, QLinear, int8 PTQ."""

from qmoe.quant.layers import ActQuant, QBlock, QLinear, QuantMLP
from qmoe.quant.ptq import ptq_int8
from qmoe.quant.spec import (
    WeightSpec,
    fake_quant_weight,
    levels,
    parse_weight_spec,
    quantize_weight,
)

__all__ = [
    "ActQuant",
    "QBlock",
    "QLinear",
    "QuantMLP",
    "WeightSpec",
    "fake_quant_weight",
    "levels",
    "parse_weight_spec",
    "ptq_int8",
    "quantize_weight",
]

"""Flash bytes of a lowered model: per layer (weights, bias, multipliers, shifts), per owner, the
router and input tables, and bits per weight stored vs nominal (docs/ir.md, "sizes")."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from . import packing
from .ir.types import Expert, InputQuantizer, Layer, LayerSize, Router, SizeReport


def _row(owner: str, layer: Layer) -> LayerSize:
    n_w = layer.n_in * layer.n_out
    w_bytes = int(np.asarray(layer.weights).size)
    nominal = packing.FORMATS[layer.format].nominal_bits
    return LayerSize(
        owner=owner,
        layer=layer.name,
        shape=(layer.n_out, layer.n_in),
        format=layer.format,
        weight_bytes=w_bytes,
        param_bytes=4 * layer.n_out + 4 * layer.n_out + layer.n_out,
        bits_per_weight=8.0 * w_bytes / n_w,
        nominal_bits=nominal,
        packing_overhead_pct=100.0 * (8.0 * w_bytes / n_w - nominal) / nominal,
    )


def size_report(
    inp: InputQuantizer, experts: tuple[Expert, ...], router: Router | None
) -> SizeReport:
    """Flash bytes per layer and in total, bits per weight stored vs nominal."""
    rows = [_row(f"expert{e}", layer) for e, ex in enumerate(experts) for layer in ex.layers]
    tables = 0
    if router is not None:
        rows += [_row("router", router.hidden), _row("router", router.out)]
        tables += router.exp_table.size * 2 + router.lut.size + router.thresholds.size * 8
        if router.curiosity:
            tables += router.masks.size // 8 + 1 + 5 * router.n_experts
    if inp.kind == "frontend":
        tables += inp.n_features * 9
    per_owner: dict[str, int] = {}
    for row in rows:
        per_owner[row.owner] = per_owner.get(row.owner, 0) + row.weight_bytes + row.param_bytes
    return SizeReport(
        layers=tuple(rows),
        per_owner_bytes=MappingProxyType(per_owner),
        table_bytes=int(tables),
        total_flash_bytes=int(sum(per_owner.values()) + tables),
    )

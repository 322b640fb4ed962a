"""The integer IR as typed, frozen dataclasses (docs/ir.md has every field and its meaning).

Every node is immutable: change a field with `dataclasses.replace` (then `ir.build` plans, sizes,
validates and seals again). Arrays are numpy arrays marked read-only; their dtypes are those the
lowering writes (weights uint8, bias int32, mult/shift int64, ...). Nodes compare by identity
(`eq=False`): compare IRs by their content hash.

`qmoe_codegen.ir.convert` turns these into the JSON-able dict the `.qir` file and the content hash
are made of, and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np

from .. import packing
from ..frontend import FrontendConfig


def _freeze_arrays(node) -> None:
    """Make every array field of `node` read-only (a read-only copy where the caller's array is
    writable, so that no one else can change the IR behind its hash)."""
    for f in fields(node):
        a = getattr(node, f.name)
        if isinstance(a, np.ndarray) and a.flags.writeable:
            a = a.copy()
            a.flags.writeable = False
            object.__setattr__(node, f.name, a)


class _Frozen:
    def __post_init__(self) -> None:
        _freeze_arrays(self)


@dataclass(frozen=True, eq=False)
class Layer(_Frozen):
    """One fully-connected layer: packed weights, int32 bias, per-channel requantization."""

    name: str
    n_in: int
    n_out: int
    format: str  # packing format: s1 s2 t2 t5 s4 s8 s16 (docs/packing.md)
    row_bytes: int  # bytes per packed row, padding included (the row stride)
    weights: np.ndarray  # uint8, packed
    bias: np.ndarray  # (n_out,) int32
    mult: np.ndarray  # (n_out,) Q31 multipliers (int32 range), int64
    shift: np.ndarray  # (n_out,) 1..62, int64
    out_bits: int  # 8 (hidden) or 16 (logits, scores)
    out_min: int  # the clamp: [0, 127] is ReLU
    out_max: int
    in_scale: float | None = None  # informational: the real value of one input step
    out_scale: float | None = None  # informational: the real value of one output step

    @property
    def out_bytes(self) -> int:
        """Bytes of one output vector."""
        return self.n_out * (self.out_bits // 8)

    def unpacked(self) -> np.ndarray:
        """The integer weights (n_out, n_in); rows may be padded beyond the format's minimum
        row_bytes."""
        w = np.asarray(self.weights)
        shape = (self.n_out, self.n_in)
        need = packing.row_bytes(self.format, self.n_in, 1)
        rows = w.reshape(self.n_out, self.row_bytes)[:, :need]
        return packing.unpack(rows.tobytes(), self.format, shape, 1)


@dataclass(frozen=True, eq=False)
class Expert:
    name: str  # "expert<e>"
    spec: str  # the weight spec it was trained with ("ternary", "w4", "ptq8", ...)
    label: str  # shown to users ("4-bit", "ternary")
    layers: tuple[Layer, ...]


@dataclass(frozen=True, eq=False)
class InputQuantizer(_Frozen):
    """How the int8 input X is made: from int32 front-end features by (mu, mult, shift) when
    `kind` is "frontend"; sent ready by the host when "features" (mu/mult/shift are None)."""

    kind: str  # "frontend" | "features"
    n_features: int
    scale: float  # the real value of one int8 step
    mu: np.ndarray | None = None  # (n_features,) int32
    mult: np.ndarray | None = None  # (n_features,) int64
    shift: np.ndarray | None = None  # (n_features,) int64
    zero_point: int | None = None  # informational (TFLite import: folded into the first bias)


@dataclass(frozen=True, eq=False)
class Router(_Frozen):
    """The router: hidden and output layers, the T fixed dropout masks with their multipliers
    (curiosity only), the fixed-point softmax's exp table and the routing table."""

    kind: str  # "softmax" | "curiosity"
    n_experts: int
    n_passes: int  # T; 0 for softmax
    hidden: Layer
    out: Layer
    logit_frac_bits: int
    prob_bits: int
    exp_table: np.ndarray  # uint16
    thresholds: np.ndarray  # (n_bins - 1,) int64, ascending, U_raw units
    lut: np.ndarray  # (n_bins, n_experts) uint8
    masked_mult: np.ndarray | None = None  # (n_experts,) int64, curiosity only
    masked_shift: np.ndarray | None = None  # (n_experts,) int64, curiosity only
    masks: np.ndarray | None = None  # (T, H) uint8 0/1, curiosity only
    dropout: float | None = None  # curiosity only, informational
    thresholds_real: tuple[float, ...] | None = None  # curiosity only, informational

    @property
    def curiosity(self) -> bool:
        return self.kind == "curiosity"

    @property
    def n_bins(self) -> int:
        return len(self.thresholds) + 1


@dataclass(frozen=True, eq=False)
class ModelSource:
    file: str  # the model file's name
    arrays_sha256: str  # its arrays digest


@dataclass(frozen=True, eq=False)
class ModelInfo:
    name: str
    class_names: tuple[str, ...]
    label_set: str
    source: ModelSource


@dataclass(frozen=True, eq=False)
class ExpertPlan:
    """Where each layer output of one expert lives in the arena."""

    sizes: tuple[int, ...]  # bytes of each layer's output
    offsets: tuple[int, ...]  # arena offset of each layer's output
    peak_bytes: int  # the largest consecutive pair (X counts as output -1)


@dataclass(frozen=True, eq=False)
class RouterPlan:
    """The router's working memory: arena offsets of its buffers, all alive together after X.

    Derived from the router's shape and `MemoryPlan.router_offset` by `qmoe_codegen.memory`
    (the one place that computes it); not stored in `.qir` files. Codegen emits these offsets into
    `qmoe_router_t` and the blob's router record; the firmware uses them as given."""

    h: int  # H int8: the shared hidden layer's output
    hm: int  # H int8: the masked copy of h (one pass)
    z: int  # E int16: scores
    s1: int | None  # E int64: sum of p over the passes (curiosity only)
    s2: int | None  # E int64: sum of p^2 (curiosity only)
    end: int  # first byte after the router's working memory


@dataclass(frozen=True, eq=False)
class MemoryPlan:
    """The static buffer plan of one inference (qmoe_codegen.memory)."""

    arena_bytes: int  # activations, then the kernel scratch
    input_bytes: int  # X at offset 0
    router_bytes: int  # X (8-byte aligned) plus the router's working memory
    router_offset: int  # start of the router's working memory
    experts: tuple[ExpertPlan, ...]
    scratch_offset: int | None = None  # the kernels' scratch, 8-byte aligned, after activations
    scratch_bytes: int | None = None  # (None in IRs made before kernels took scratch)
    router: RouterPlan | None = None  # derived, not stored (see RouterPlan)

    @property
    def activations_end(self) -> int:
        """First byte after the activation buffers (the scratch's start, or the arena's end)."""
        return self.arena_bytes if self.scratch_offset is None else self.scratch_offset


@dataclass(frozen=True, eq=False)
class LayerSize:
    """Flash bytes of one layer and its bits per weight, stored vs nominal."""

    owner: str  # "expert<e>" or "router"
    layer: str
    shape: tuple[int, int]  # (n_out, n_in)
    format: str
    weight_bytes: int
    param_bytes: int
    bits_per_weight: float
    nominal_bits: float
    packing_overhead_pct: float


@dataclass(frozen=True, eq=False)
class SizeReport:
    layers: tuple[LayerSize, ...]
    per_owner_bytes: Mapping[str, int]
    table_bytes: int
    total_flash_bytes: int


@dataclass(frozen=True, eq=False)
class IR:
    """A sealed, validated integer IR (`qmoe_codegen.ir.build`, `load_ir`, `from_dict`)."""

    schema: str
    version: int
    generator: str
    hash: str  # SHA-256 (hex) of the content: every field but hash and generator
    model: ModelInfo
    frontend: FrontendConfig | None
    input: InputQuantizer
    experts: tuple[Expert, ...]
    router: Router | None
    memory: MemoryPlan
    sizes: SizeReport

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.model.class_names

    @property
    def n_classes(self) -> int:
        return len(self.model.class_names)

    @property
    def n_features(self) -> int:
        return self.input.n_features

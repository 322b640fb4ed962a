"""The typed IR to and from its JSON-able dict: the form `.qir` files, blobs and the content hash
are made of (docs/ir.md, "Fields").

`to_dict(from_dict(d))` gives `d` back field for field (same keys, values, array dtypes), so the
content hash of an IR does not depend on which form it passed through. `from_dict` checks the
structure (every field present, of the right kind, no unknown field) and raises IRError naming the
field's path, e.g. `IR: field 'experts[0].layers[1].bias' missing`; the semantic checks (shapes,
ranges, tables) are `qmoe_codegen.ir.check.validate`.
"""

from __future__ import annotations

import numbers
from types import MappingProxyType

import numpy as np

from ..errors import FrontendError, IRError
from ..frontend import FrontendConfig
from .types import (
    IR,
    Expert,
    ExpertPlan,
    InputQuantizer,
    Layer,
    LayerSize,
    MemoryPlan,
    ModelInfo,
    ModelSource,
    Router,
    SizeReport,
)

_LAYER_OPTIONAL = ("in_scale", "out_scale")


class _Reader:
    """Typed reads of one dict of the IR; every error names the field's path."""

    def __init__(self, d, path: str, where: str) -> None:
        self.path, self.where = path, where
        if not isinstance(d, dict):
            self.fail(f"field '{path}' is {type(d).__name__}, expected an object")
        self.d = d
        self.used: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, msg: str):
        raise IRError(f"{self.where}: {msg}")

    def has(self, key: str) -> bool:
        return self.d.get(key) is not None

    def raw(self, key: str, optional: bool = False):
        self.used.add(key)
        if key not in self.d or (optional and self.d[key] is None):
            if optional:
                return None
            self.fail(f"field '{self.name(key)}' missing")
        return self.d[key]

    def int(self, key: str, optional: bool = False) -> int | None:
        v = self.raw(key, optional)
        if v is None and optional:
            return None
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            self.fail(f"field '{self.name(key)}' is {v!r}, expected an integer")
        return int(v)

    def num(self, key: str, optional: bool = False):
        """A real number, kept as given (an int stays an int: the content hash sees its JSON)."""
        v = self.raw(key, optional)
        if v is None and optional:
            return None
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail(f"field '{self.name(key)}' is {v!r}, expected a number")
        return v

    def str(self, key: str) -> str:
        v = self.raw(key)
        if not isinstance(v, str):
            self.fail(f"field '{self.name(key)}' is {v!r}, expected a string")
        return v

    def array(self, key: str, optional: bool = False) -> np.ndarray | None:
        """An integer array (the node it goes into makes it read-only)."""
        v = self.raw(key, optional)
        if v is None and optional:
            return None
        a = np.asarray(v)
        if a.dtype.kind not in "iu":
            self.fail(f"field '{self.name(key)}' holds {a.dtype} values, expected integers")
        return a

    def list(self, key: str) -> list:
        v = self.raw(key)
        if not isinstance(v, (list, tuple)):
            self.fail(f"field '{self.name(key)}' is {type(v).__name__}, expected a list")
        return list(v)

    def sub(self, key: str) -> _Reader:
        return _Reader(self.raw(key), self.name(key), self.where)

    def items(self, key: str):
        """(reader, index) of every object of list field `key`."""
        return [
            _Reader(v, f"{self.name(key)}[{i}]", self.where) for i, v in enumerate(self.list(key))
        ]

    def done(self) -> None:
        unknown = sorted(set(self.d) - self.used)
        if unknown:
            self.fail(
                f"unknown field(s) {', '.join(repr(self.name(k)) for k in unknown)}: written by "
                "a newer qmoe, or edited by hand"
            )


def _ints(r: _Reader, key: str) -> tuple[int, ...]:
    out = []
    for i, v in enumerate(r.list(key)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            r.fail(f"field '{r.name(key)}[{i}]' is {v!r}, expected an integer")
        out.append(int(v))
    return tuple(out)


def layer_from_dict(r: _Reader) -> Layer:
    layer = Layer(
        name=r.str("name"),
        n_in=r.int("n_in"),
        n_out=r.int("n_out"),
        format=r.str("format"),
        row_bytes=r.int("row_bytes"),
        weights=r.array("weights"),
        bias=r.array("bias"),
        mult=r.array("mult"),
        shift=r.array("shift"),
        out_bits=r.int("out_bits"),
        out_min=r.int("out_min"),
        out_max=r.int("out_max"),
        in_scale=r.num("in_scale", optional=True),
        out_scale=r.num("out_scale", optional=True),
    )
    r.done()
    return layer


def layer_to_dict(layer: Layer) -> dict:
    d = {
        "name": layer.name,
        "n_in": layer.n_in,
        "n_out": layer.n_out,
        "format": layer.format,
        "row_bytes": layer.row_bytes,
        "weights": layer.weights,
        "bias": layer.bias,
        "mult": layer.mult,
        "shift": layer.shift,
        "out_bits": layer.out_bits,
        "out_min": layer.out_min,
        "out_max": layer.out_max,
    }
    for f in _LAYER_OPTIONAL:
        if getattr(layer, f) is not None:
            d[f] = getattr(layer, f)
    return d


def _model(r: _Reader) -> ModelInfo:
    names = r.list("class_names")
    if not all(isinstance(n, str) for n in names):
        r.fail(f"field '{r.name('class_names')}' must hold strings")
    src = r.sub("source")
    source = ModelSource(file=src.str("file"), arrays_sha256=src.str("arrays_sha256"))
    src.done()
    info = ModelInfo(
        name=r.str("name"), class_names=tuple(names), label_set=r.str("label_set"), source=source
    )
    r.done()
    return info


def _input(r: _Reader) -> InputQuantizer:
    inp = InputQuantizer(
        kind=r.str("kind"),
        n_features=r.int("n_features"),
        scale=r.num("scale"),
        mu=r.array("mu", optional=True),
        mult=r.array("mult", optional=True),
        shift=r.array("shift", optional=True),
        zero_point=r.int("zero_point", optional=True),
    )
    r.done()
    return inp


def _frontend(r: _Reader) -> FrontendConfig | None:
    d = r.raw("frontend")
    if d is None:
        return None
    try:
        return FrontendConfig.from_dict(d)
    except (FrontendError, TypeError) as exc:
        r.fail(f"field 'frontend': {exc}")


def _router(r: _Reader) -> Router:
    thr_real = r.raw("thresholds_real", optional=True)
    router = Router(
        kind=r.str("kind"),
        n_experts=r.int("n_experts"),
        n_passes=r.int("n_passes"),
        hidden=layer_from_dict(r.sub("hidden")),
        out=layer_from_dict(r.sub("out")),
        logit_frac_bits=r.int("logit_frac_bits"),
        prob_bits=r.int("prob_bits"),
        exp_table=r.array("exp_table"),
        thresholds=r.array("thresholds"),
        lut=r.array("lut"),
        masked_mult=r.array("masked_mult", optional=True),
        masked_shift=r.array("masked_shift", optional=True),
        masks=r.array("masks", optional=True),
        dropout=r.num("dropout", optional=True),
        thresholds_real=None if thr_real is None else tuple(thr_real),
    )
    r.done()
    return router


def _router_dict(router: Router) -> dict:
    d = {
        "kind": router.kind,
        "n_experts": router.n_experts,
        "n_passes": router.n_passes,
        "hidden": layer_to_dict(router.hidden),
        "out": layer_to_dict(router.out),
        "logit_frac_bits": router.logit_frac_bits,
        "prob_bits": router.prob_bits,
        "exp_table": router.exp_table,
        "thresholds": router.thresholds,
        "lut": router.lut,
    }
    for f in ("masked_mult", "masked_shift", "masks", "dropout"):
        if getattr(router, f) is not None:
            d[f] = getattr(router, f)
    if router.thresholds_real is not None:
        d["thresholds_real"] = list(router.thresholds_real)
    return d


def _memory(r: _Reader, router: Router | None) -> MemoryPlan:
    from ..memory import router_plan  # memory imports the types: import it when used

    experts = []
    for er in r.items("experts"):
        experts.append(
            ExpertPlan(
                sizes=_ints(er, "sizes"),
                offsets=_ints(er, "offsets"),
                peak_bytes=er.int("peak_bytes"),
            )
        )
        er.done()
    offset = r.int("router_offset")
    plan = MemoryPlan(
        arena_bytes=r.int("arena_bytes"),
        input_bytes=r.int("input_bytes"),
        router_bytes=r.int("router_bytes"),
        router_offset=offset,
        experts=tuple(experts),
        scratch_offset=r.int("scratch_offset", optional=True),
        scratch_bytes=r.int("scratch_bytes", optional=True),
        router=router_plan(router, offset),
    )
    r.done()
    return plan


def _memory_dict(m: MemoryPlan) -> dict:
    scratch = {}
    if m.scratch_offset is not None:
        scratch["scratch_offset"] = m.scratch_offset
    if m.scratch_bytes is not None:
        scratch["scratch_bytes"] = m.scratch_bytes
    return {
        "arena_bytes": m.arena_bytes,
        **scratch,
        "input_bytes": m.input_bytes,
        "router_bytes": m.router_bytes,
        "router_offset": m.router_offset,
        "experts": [
            {"sizes": list(e.sizes), "peak_bytes": e.peak_bytes, "offsets": list(e.offsets)}
            for e in m.experts
        ],
    }


_SIZE_FIELDS = ("weight_bytes", "param_bytes")
_SIZE_NUMBERS = ("bits_per_weight", "nominal_bits", "packing_overhead_pct")


def _sizes(r: _Reader) -> SizeReport:
    rows = []
    for lr in r.items("layers"):
        shape = _ints(lr, "shape")
        if len(shape) != 2:
            lr.fail(f"field '{lr.name('shape')}' is {list(shape)}, expected [n_out, n_in]")
        rows.append(
            LayerSize(
                owner=lr.str("owner"),
                layer=lr.str("layer"),
                shape=(shape[0], shape[1]),
                format=lr.str("format"),
                **{f: lr.int(f) for f in _SIZE_FIELDS},
                **{f: lr.num(f) for f in _SIZE_NUMBERS},
            )
        )
        lr.done()
    owners = r.sub("per_owner_bytes")
    per_owner = {k: owners.int(k) for k in list(owners.d)}
    report = SizeReport(
        layers=tuple(rows),
        per_owner_bytes=MappingProxyType(per_owner),
        table_bytes=r.int("table_bytes"),
        total_flash_bytes=r.int("total_flash_bytes"),
    )
    r.done()
    return report


def sizes_to_dict(s: SizeReport) -> dict:
    return {
        "layers": [
            {
                "owner": row.owner,
                "layer": row.layer,
                "shape": list(row.shape),
                "format": row.format,
                **{f: getattr(row, f) for f in _SIZE_FIELDS + _SIZE_NUMBERS},
            }
            for row in s.layers
        ],
        "per_owner_bytes": dict(s.per_owner_bytes),
        "table_bytes": s.table_bytes,
        "total_flash_bytes": s.total_flash_bytes,
    }


def _expert(r: _Reader) -> Expert:
    ex = Expert(
        name=r.str("name"),
        spec=r.str("spec"),
        label=r.str("label"),
        layers=tuple(layer_from_dict(lr) for lr in r.items("layers")),
    )
    r.done()
    return ex


def content_from_dict(d: dict, where: str = "IR") -> dict:
    """The content sections of an IR dict as typed nodes: model, frontend, input, experts,
    router (the keyword arguments of `IR` but the plan, sizes and seal)."""
    r = _Reader(d, "", where)
    router = _router(r.sub("router")) if r.has("router") else None
    r.used.add("router")
    return {
        "model": _model(r.sub("model")),
        "frontend": _frontend(r),
        "input": _input(r.sub("input")),
        "experts": tuple(_expert(er) for er in r.items("experts")),
        "router": router,
    }


def from_dict(d: dict, where: str = "IR") -> IR:
    """A typed IR from a sealed IR dict (as `load_ir` reads it), structure checked. Does not
    check the hash or the semantics: `load_ir` and `check.validate` do."""
    r = _Reader(d, "", where)
    content = content_from_dict(
        {k: v for k, v in d.items() if k in ("model", "frontend", "input", "experts", "router")},
        where,
    )
    r.used.update(content)
    ir = IR(
        schema=r.str("schema"),
        version=r.int("version"),
        generator=r.str("generator"),
        hash=r.str("hash"),
        memory=_memory(r.sub("memory"), content["router"]),
        sizes=_sizes(r.sub("sizes")),
        **content,
    )
    r.done()
    return ir


def content_to_dict(ir_or_content) -> dict:
    """The content sections (model, frontend, input, experts, router) as a dict."""
    c = ir_or_content
    get = c.get if isinstance(c, dict) else lambda k: getattr(c, k)
    model, inp, router, fe = get("model"), get("input"), get("router"), get("frontend")
    inp_d = {"kind": inp.kind, "n_features": inp.n_features, "scale": inp.scale}
    for f in ("mu", "mult", "shift", "zero_point"):
        if getattr(inp, f) is not None:
            inp_d[f] = getattr(inp, f)
    return {
        "model": {
            "name": model.name,
            "class_names": list(model.class_names),
            "label_set": model.label_set,
            "source": {"file": model.source.file, "arrays_sha256": model.source.arrays_sha256},
        },
        "frontend": None if fe is None else fe.to_dict(),
        "input": inp_d,
        "experts": [
            {
                "name": ex.name,
                "spec": ex.spec,
                "label": ex.label,
                "layers": [layer_to_dict(layer) for layer in ex.layers],
            }
            for ex in get("experts")
        ],
        "router": None if router is None else _router_dict(router),
    }


def to_dict(ir: IR) -> dict:
    """The IR as the dict `.qir` files hold (arrays stay numpy arrays)."""
    return {
        "schema": ir.schema,
        "version": ir.version,
        "generator": ir.generator,
        "hash": ir.hash,
        **content_to_dict(ir),
        "memory": _memory_dict(ir.memory),
        "sizes": sizes_to_dict(ir.sizes),
    }

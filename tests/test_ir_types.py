"""The typed IR: one loader and one serializer, the content hash unchanged by either, field-naming
errors, immutability, and the router's working-memory plan (docs/ir.md)."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from qmoe_codegen import golden, packing
from qmoe_codegen.blob import blob_bytes, read_blob
from qmoe_codegen.emit import emit_model
from qmoe_codegen.errors import IRError
from qmoe_codegen.ir import (
    IR,
    build,
    content_hash,
    from_dict,
    load_ir,
    rebuild,
    save_ir,
    to_dict,
    validate,
)
from qmoe_codegen.kernels import exp_table
from qmoe_codegen.memory import router_plan
from qmoe_codegen.modelfile import flatten, write_zip

# The hash the dict-based IR code (commit f243ac5, the last before the typed IR) gave
# `_content()`: the typed IR must serialize every field exactly as it did.
DICT_ERA_HASH = "792dcc44454532a4592df7b014bb14b2ec7d7342b33c26335f15ed87eba05198"


def _layer(rng, name: str, n_in: int, n_out: int, last: bool) -> dict:
    q = rng.integers(-7, 8, size=(n_out, n_in))
    return {
        "name": name,
        "n_in": n_in,
        "n_out": n_out,
        "format": "s4",
        "row_bytes": packing.row_bytes("s4", n_in, 1),
        "weights": np.frombuffer(packing.pack(q, "s4", 1), np.uint8).copy(),
        "bias": rng.integers(-500, 500, size=n_out).astype(np.int32),
        "mult": np.full(n_out, 1 << 30, np.int64),
        "shift": np.full(n_out, 40 if last else 38, np.int64),
        "out_bits": 16 if last else 8,
        "out_min": -32768 if last else 0,
        "out_max": 32767 if last else 127,
        "in_scale": 0.03125,
        "out_scale": 0.5 if last else 0.25,
    }


def _content(kind: str = "curiosity") -> dict:
    """A small two-expert model's IR content in the dict form of docs/ir.md (seeded)."""
    rng = np.random.default_rng(3)
    n_x, n_h, n_c, n_e, t = 12, 9, 3, 2, 4
    experts = [
        {
            "name": f"expert{e}",
            "spec": "w4",
            "label": f"4-bit #{e}",
            "layers": [
                _layer(rng, f"expert {e} layer 0", n_x, n_h, False),
                _layer(rng, f"expert {e} layer 1", n_h, n_c, True),
            ],
        }
        for e in range(n_e)
    ]
    router = {
        "kind": kind,
        "n_experts": n_e,
        "hidden": _layer(rng, "router hidden layer", n_x, n_h, False),
        "out": _layer(rng, "router output layer", n_h, n_e, True),
        "logit_frac_bits": 5,
        "prob_bits": 15,
        "exp_table": exp_table(),
    }
    masks = (rng.random((t, n_h)) < 0.7).astype(np.uint8)
    if kind == "curiosity":
        router.update(
            masked_mult=np.full(n_e, 1 << 30, np.int64),
            masked_shift=np.full(n_e, 39, np.int64),
            masks=masks,
            n_passes=t,
            dropout=0.3,
            thresholds=np.array([1000, 5000], np.int64),
            thresholds_real=[0.001, 0.005],
            lut=np.array([[0, 1], [1, 0], [0, 0]], np.uint8),
        )
    else:
        router.update(
            n_passes=0, thresholds=np.zeros(0, np.int64), lut=np.array([[0, 1]], np.uint8)
        )
    return {
        "model": {
            "name": "synthetic",
            "class_names": ["a", "b", "c"],
            "label_set": "synthetic-3",
            "source": {"file": "synthetic.qmoe", "arrays_sha256": ""},
        },
        "frontend": None,
        "input": {"kind": "features", "n_features": n_x, "scale": 0.03125},
        "experts": experts,
        "router": router,
    }


def test_hash_is_the_dict_era_hash():
    """Same model, same hash as before the IR was typed: existing devices and runs still match."""
    ir = build(_content())
    assert ir.hash == DICT_ERA_HASH == content_hash(ir) == content_hash(to_dict(ir))


def test_qir_written_as_a_plain_dict_still_loads(tmp_path):
    """A .qir file as the dict-era code wrote it (flattened dict, ir.json + arrays.npz) loads."""
    d = to_dict(build(_content()))
    arrays: dict = {}
    meta = flatten(d, "ir", arrays)
    meta["format"] = "qmoe-ir"
    path = write_zip(tmp_path / "old.qir", meta, arrays, "ir.json", "arrays_sha256")
    ir = load_ir(path)
    assert isinstance(ir, IR) and ir.hash == DICT_ERA_HASH
    assert ir.experts[1].layers[0].name == "expert 1 layer 0"


def test_ir_without_kernel_scratch_loads_but_is_not_emitted():
    """An IR lowered before the kernels took scratch (no scratch fields) still loads with its hash;
    codegen and the blob writer ask for it to be lowered again."""
    d = to_dict(build(_content()))
    del d["memory"]["scratch_offset"], d["memory"]["scratch_bytes"]
    d["hash"] = content_hash(d)
    ir = from_dict(d)
    validate(ir)
    assert ir.memory.scratch_offset is None and content_hash(ir) == d["hash"]
    for write in (emit_model, blob_bytes):
        with pytest.raises(IRError, match="lower the model again"):
            write(ir)


@pytest.mark.parametrize("kind", ["curiosity", "softmax"])
def test_every_form_keeps_the_hash(tmp_path, kind):
    """dict -> typed -> dict, .qir file and model blob: one hash, and the golden model agrees."""
    ir = build(_content(kind))
    again = from_dict(to_dict(ir))
    filed = load_ir(save_ir(ir, tmp_path / "m.qir"))
    blob = read_blob(blob_bytes(ir))
    assert {ir.hash, again.hash, filed.hash, blob.hash, content_hash(filed)} == {ir.hash}
    assert blob_bytes(blob) == blob_bytes(ir)
    x8 = np.random.default_rng(0).integers(-128, 128, size=(20, ir.n_features))
    for other in (again, filed, blob):
        g, h = golden.run(ir, x8=x8), golden.run(other, x8=x8)
        assert np.array_equal(g.logits, h.logits) and np.array_equal(g.u_raw, h.u_raw)


def test_a_changed_ir_is_not_written_under_its_old_hash(tmp_path):
    ir = build(_content())
    lut = np.ones_like(ir.router.lut)
    stale = dataclasses.replace(ir, router=dataclasses.replace(ir.router, lut=lut))
    for write in (lambda: save_ir(stale, tmp_path / "x.qir"), lambda: blob_bytes(stale)):
        with pytest.raises(IRError, match="export the model again"):
            write()


def test_the_ir_is_immutable():
    ir = build(_content())
    with pytest.raises(dataclasses.FrozenInstanceError):
        ir.router.n_passes = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        ir.experts[0].layers[0].bias[0] = 1
    # a change is a new IR: replace, then build again (plans, validates, seals)
    r = dataclasses.replace(ir.router, lut=np.array([[1, 1], [1, 1], [1, 1]], np.uint8))
    changed = rebuild(ir, router=r)
    assert changed.hash != ir.hash
    x8 = np.zeros((1, ir.n_features), np.int64)
    assert golden.run(changed, x8=x8).expert.tolist() == [1]


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda d: d["experts"][0]["layers"][1].pop("bias"), "experts[0].layers[1].bias"),
        (lambda d: d["router"]["hidden"].update(n_out="9"), "router.hidden.n_out"),
        (lambda d: d["input"].update(colour=1), "input.colour"),
        (lambda d: d["memory"]["experts"][1].pop("offsets"), "memory.experts[1].offsets"),
        (lambda d: d["router"].update(lut=np.zeros((3, 2))), "router.lut"),
        (lambda d: d["sizes"].pop("total_flash_bytes"), "sizes.total_flash_bytes"),
    ],
)
def test_bad_fields_are_named(edit, field):
    d = to_dict(build(_content()))
    edit(d)
    with pytest.raises(IRError, match=re.escape(f"'{field}'")):
        from_dict(d)


def test_semantic_errors_still_name_the_layer():
    d = to_dict(build(_content()))
    d["experts"][1]["layers"][1]["n_in"] = 8
    with pytest.raises(IRError, match=r"expert 1 \(4-bit #1\) layer 1: takes 8 inputs"):
        validate(from_dict(d))
    d = to_dict(build(_content()))
    d["memory"]["experts"][0]["offsets"] = [70, 0]
    with pytest.raises(IRError, match=r"memory.experts\[0\].offsets\[0\] = 70"):
        validate(from_dict(d))


@pytest.mark.parametrize("kind", ["curiosity", "softmax"])
def test_router_plan_is_aligned_disjoint_and_inside_the_arena(kind):
    ir = build(_content(kind))
    p, r = ir.memory.router, ir.router
    assert p is not None and p.h == ir.memory.router_offset >= ir.n_features
    h, e = r.hidden.n_out, r.n_experts
    bufs = [(p.h, h), (p.hm, h), (p.z, 2 * e)]
    assert p.z % 2 == 0
    if kind == "curiosity":
        bufs += [(p.s1, 8 * e), (p.s2, 8 * e)]
        assert p.s1 % 8 == 0 and p.s2 % 8 == 0
    else:
        assert p.s1 is None and p.s2 is None
    for i, (a, n) in enumerate(bufs):
        assert a + n <= p.end <= ir.memory.scratch_offset
        for b, m in bufs[:i]:
            assert a + n <= b or b + m <= a, (bufs, i)
    assert router_plan(r, ir.memory.router_offset).end == p.end == ir.memory.router_bytes

"""Lowering to the integer IR, the golden model, and the IR file's bad-input errors."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from qmoe.modelfile import save_model
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen import golden
from qmoe_codegen.errors import IRError
from qmoe_codegen.ir import (
    check_capacity,
    content_hash,
    from_dict,
    load_ir,
    save_ir,
    to_dict,
    validate,
)
from qmoe_codegen.lower import lower_file, lower_model
from qmoe_codegen.modelfile import read_model_file

BASE = TrainConfig(epochs=30, qat_epochs=15, router_epochs=15)
VARIANTS = {
    "ptq8": dict(experts=["ptq8"]),
    "w4": dict(experts=["4"]),
    "w2": dict(experts=["2"]),
    "w1": dict(experts=["1"]),
    "ternary": dict(experts=["ternary"]),
    "w16": dict(experts=["16"]),
    "curiosity": dict(experts=["ternary", "4", "8"], router="curiosity", policy="curiosity"),
    "softmax": dict(experts=["1", "8"], router="softmax"),
}


@pytest.fixture(scope="module")
def models(builtin_features, tmp_path_factory):
    fd, fe = builtin_features
    out = {}
    d = tmp_path_factory.mktemp("models")
    for name, kw in VARIANTS.items():
        model, split = fit_fold(fd, replace(BASE, **kw), 1, fe)
        out[name] = (model, save_model(model, d / f"{name}.qmoe"), split)
    return out


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_golden_agrees_with_pytorch(models, builtin_features, variant):
    """The integer oracle picks the same class as the fake-quantized PyTorch model (>= 99 %)."""
    fd, _ = builtin_features
    model, path, split = models[variant]
    rows = np.concatenate([split["test"], split["val"]])
    ir = lower_file(path)
    host = model.predict_features(fd.X[rows])
    g = golden.run(ir, features=fd.X[rows])
    agree = float(np.mean(g.cls == host["pred"]))
    assert agree >= 0.99 or np.sum(g.cls != host["pred"]) <= 1, (
        f"{variant}: class agreement {agree:.3f}"
    )
    if model.router is not None:
        assert np.mean(g.choice == host["choice"]) >= 0.97
        assert np.mean(g.expert == host["expert"]) >= 0.95


def test_golden_from_pcm_equals_from_features(models, builtin_root):
    from qmoe.api import load_features
    from qmoe.data import load_clip_pcm, load_dataset

    _, path, _ = models["curiosity"]
    ir = lower_file(path)
    ds = load_dataset("builtin", builtin_root)
    pcm, _, _ = load_clip_pcm(ds.clips[:6], 16000)
    fd, _ = load_features("builtin", builtin_root)
    a = golden.run(ir, pcm=pcm)
    b = golden.run(ir, features=fd.X[:6])
    assert np.array_equal(a.cls, b.cls) and np.array_equal(a.u_raw, b.u_raw)
    assert np.array_equal(a.features, fd.X[:6])


def test_curiosity_in_integers(models, builtin_features):
    """Device uncertainty tracks the host's float uncertainty; masks off -> zero uncertainty."""
    fd, _ = builtin_features
    model, path, split = models["curiosity"]
    ir = lower_file(path)
    x = fd.X[split["test"]]
    g = golden.run(ir, features=x)
    host_u = model.predict_features(x)["uncertainty"]
    r = ir.router
    t = r.n_passes
    dev_u = g.u_raw / (t * t * 2.0**30)
    assert np.corrcoef(dev_u, host_u)[0, 1] > 0.95
    assert np.all(g.probs.sum(axis=-1) <= 2**15 + len(ir.experts))
    r = replace(r, masks=np.ones_like(r.masks), masked_mult=r.out.mult, masked_shift=r.out.shift)
    assert np.all(golden.run(replace(ir, router=r), features=x).u_raw == 0)


def test_ir_round_trip_and_hash(models, tmp_path):
    _, path, _ = models["curiosity"]
    ir = lower_file(path)
    p = save_ir(ir, tmp_path / "m.qir")
    back = load_ir(p)
    assert back.hash == ir.hash == content_hash(back)
    assert lower_file(path).hash == ir.hash, "same model, same IR hash"
    assert from_dict(to_dict(ir)).hash == content_hash(from_dict(to_dict(back))) == ir.hash


def _rewrite_ir(src, dst, fn):
    with zipfile.ZipFile(src) as z:
        meta = json.loads(z.read("ir.json"))
        blob = z.read("arrays.npz")
    fn(meta)
    with zipfile.ZipFile(dst, "w") as z:
        z.writestr("ir.json", json.dumps(meta))
        z.writestr("arrays.npz", blob)
    return dst


def test_bad_ir_files(models, tmp_path):
    _, path, _ = models["w4"]
    p = save_ir(lower_file(path), tmp_path / "m.qir")
    newer = _rewrite_ir(p, tmp_path / "newer.qir", lambda m: m.update(version=7))
    with pytest.raises(IRError, match="version 7"):
        load_ir(newer)
    edited = _rewrite_ir(
        p,
        tmp_path / "edit.qir",
        lambda m: m["model"].update(class_names=m["model"]["class_names"][::-1]),
    )
    with pytest.raises(IRError, match="hash"):
        load_ir(edited)


def test_bad_models_name_the_layer(models, tmp_path):
    _, path, _ = models["w4"]
    meta, _ = read_model_file(path)
    layers = meta["experts"][0]["export"]["layers"]
    layers[1]["scale"] = layers[1]["scale"].copy()
    layers[1]["scale"][3] = np.nan
    with pytest.raises(IRError, match=r"expert 0 .*layer 1.*NaN"):
        lower_model(meta)

    meta, _ = read_model_file(path)
    d = to_dict(lower_model(meta))
    d["experts"][0]["layers"][1]["n_in"] += 1
    with pytest.raises(IRError, match=r"expert 0 .*layer 1"):
        validate(from_dict(d))

    d = to_dict(lower_model(read_model_file(path)[0]))
    d["experts"][0]["layers"][0]["format"] = "s3"
    with pytest.raises(IRError, match="format 's3' is not supported"):
        validate(from_dict(d))

    ir = lower_model(read_model_file(path)[0])
    with pytest.raises(IRError, match="flash"):
        check_capacity(ir, flash_bytes=1000)
    with pytest.raises(IRError, match="RAM"):
        check_capacity(ir, ram_bytes=16)

    _, fp32_path, _ = models["w4"]
    meta, _ = read_model_file(fp32_path)
    meta["experts"][0]["export"]["layers"][0]["q"] = None
    with pytest.raises(IRError, match="ptq8"):
        lower_model(meta)


def test_overflow_bound_is_enforced(models):
    _, path, _ = models["w16"]
    d = to_dict(lower_model(read_model_file(path)[0]))
    layer = d["experts"][0]["layers"][0]
    layer["bias"] = layer["bias"].copy()
    layer["bias"][0] = 2**31 - 1
    with pytest.raises(IRError, match="output channel 0 can overflow"):
        validate(from_dict(d))


def test_memory_plan_is_the_liveness_bound(models):
    _, path, _ = models["curiosity"]
    ir = lower_file(path)
    mem = ir.memory
    n_x = ir.n_features
    for e, ex in enumerate(ir.experts):
        sizes = [n_x] + [layer.n_out * layer.out_bits // 8 for layer in ex.layers]
        pairs = [a + b for a, b in zip(sizes[:-1], sizes[1:])]
        assert mem.experts[e].peak_bytes - max(pairs) <= 6  # alignment padding only
        # consecutive buffers never overlap
        offs = [0, *mem.experts[e].offsets]
        for k in range(1, len(offs)):
            lo_a, hi_a = offs[k - 1], offs[k - 1] + sizes[k - 1]
            lo_b, hi_b = offs[k], offs[k] + sizes[k]
            assert hi_a <= lo_b or hi_b <= lo_a
            assert hi_b <= mem.arena_bytes
    # the router's buffers lie after X, inside the arena
    assert n_x <= mem.router.h < mem.router.hm < mem.router.z < mem.router.s1 < mem.router.s2
    assert mem.router.end <= mem.arena_bytes


def test_dense_ternary_rows_are_padded_to_bytes(models):
    """--dense-ternary: t5 layers store ceil(in/5) bytes a row (at most 4 padding trits a row:
    4.2 % over 1.6 bits on the test model's 96-wide rows) and validate; a short weight array is
    refused."""
    _, path, _ = models["ternary"]
    ir = lower_file(path, dense_ternary=True)
    for row in ir.sizes.layers:
        n_in = row.shape[1]
        padded = 100 * (-(-n_in // 5) * 5 / n_in - 1)
        assert row.format == "t5" and row.packing_overhead_pct == pytest.approx(padded), row
    layer = ir.experts[0].layers[0]
    assert layer.row_bytes == -(-layer.n_in // 5)
    assert len(layer.weights) == layer.n_out * layer.row_bytes
    d = to_dict(ir)
    d["experts"][0]["layers"][0]["weights"] = layer.weights[:-1]
    with pytest.raises(IRError, match="expert 0"):
        validate(from_dict(d))

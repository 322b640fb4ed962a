"""The model file: round trip, provenance, and clear errors for corrupt or incompatible files."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from qmoe.errors import ModelFileError
from qmoe.modelfile import load_model, read_model_file, save_model
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold

CFG = TrainConfig(
    experts=["ternary", "4"], router="curiosity", epochs=8, qat_epochs=4, router_epochs=4
)


@pytest.fixture(scope="module")
def saved(builtin_features, tmp_path_factory):
    fd, fe = builtin_features
    model, split = fit_fold(fd, CFG, 1, fe)
    path = save_model(model, tmp_path_factory.mktemp("m") / "m.qmoe")
    return model, path, fd, split


def test_round_trip_predicts_identically(saved):
    model, path, fd, split = saved
    loaded = load_model(path)
    a = model.predict_features(fd.X[split["test"]])
    b = loaded.predict_features(fd.X[split["test"]])
    for k in ("pred", "expert", "choice"):
        assert np.array_equal(a[k], b[k]), k
    assert np.allclose(a["uncertainty"], b["uncertainty"])
    assert loaded.class_names == model.class_names and loaded.label_set == model.label_set
    assert loaded.frontend == model.frontend


def test_self_describing(saved):
    _, path, fd, _ = saved
    meta, arrays = read_model_file(path)
    assert meta["label_set"] == fd.label_set
    assert meta["provenance"]["test_fold"] == 1
    assert meta["router"]["type"] == "curiosity"
    masks = [k for k in arrays if "mask" in k]
    assert masks, "the fixed dropout masks are stored with the model"
    assert len(meta["experts"]) == 2 and meta["policy"]["table"]


def _rewrite(src, dst, meta_fn=None, blob_fn=None):
    with zipfile.ZipFile(src) as z:
        meta = json.loads(z.read("model.json"))
        blob = z.read("arrays.npz")
    if meta_fn:
        meta_fn(meta)
    if blob_fn:
        blob = blob_fn(blob)
    with zipfile.ZipFile(dst, "w") as z:
        z.writestr("model.json", json.dumps(meta))
        z.writestr("arrays.npz", blob)
    return dst


def test_bad_files_are_named(saved, tmp_path):
    _, path, _, _ = saved
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nope.qmoe")
    junk = tmp_path / "junk.qmoe"
    junk.write_bytes(b"this is not a zip")
    with pytest.raises(ModelFileError, match="junk.qmoe.*not a readable"):
        load_model(junk)
    newer = _rewrite(path, tmp_path / "newer.qmoe", meta_fn=lambda m: m.update(version=99))
    with pytest.raises(ModelFileError, match="version 99"):
        load_model(newer)
    flipped = _rewrite(
        path, tmp_path / "flip.qmoe", blob_fn=lambda b: b[:-100] + bytes([b[-100] ^ 0xFF]) + b[-99:]
    )
    with pytest.raises(ModelFileError, match="corrupt"):
        load_model(flipped)
    other = _rewrite(path, tmp_path / "other.qmoe", meta_fn=lambda m: m.update(format="onnx"))
    with pytest.raises(ModelFileError, match="format"):
        load_model(other)


def test_single_expert_round_trip(builtin_features, tmp_path):
    fd, fe = builtin_features
    model, split = fit_fold(
        fd, replace(CFG, experts=["fp32"], router="none", policy="argmax"), 3, fe
    )
    loaded = load_model(save_model(model, tmp_path / "fp32.qmoe"))
    x = fd.X[split["test"]]
    assert np.array_equal(model.predict_features(x)["pred"], loaded.predict_features(x)["pred"])

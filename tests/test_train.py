"""Training, cross-validation and the end-to-end main job on the built-in data."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qmoe.api import parse_variant, train
from qmoe.errors import ConfigError
from qmoe.train.config import TrainConfig
from qmoe.train.cv import cross_validate, split_fold

FAST = TrainConfig(epochs=40, qat_epochs=20, router_epochs=20)


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match="router"):
        TrainConfig(experts=["4", "8"], router="none")
    with pytest.raises(ConfigError, match="router"):
        TrainConfig(experts=["4"], router="bogus")
    with pytest.raises(ConfigError, match="budget"):
        TrainConfig(experts=["4", "8"], router="curiosity", policy="budget")
    with pytest.raises(ConfigError, match="EXPERTS"):
        parse_variant("@curiosity", FAST)


def test_parse_variant():
    c = parse_variant("ternary,4,8@curiosity", FAST)
    assert (
        c.experts == ["ternary", "4", "8"] and c.router == "curiosity" and c.policy == "curiosity"
    )
    assert parse_variant("4", FAST).router == "none"
    assert parse_variant("4,8", FAST).router == "softmax"
    assert c.name == "moe-curiosity[ternary,4,8]"


def test_folds_are_disjoint_and_cover_everything(builtin_features):
    fd, _ = builtin_features
    seen = np.zeros(len(fd.y), dtype=int)
    for fold in sorted(set(fd.folds.tolist())):
        tr, va, te = split_fold(fd, fold, 0.2, seed=0)
        assert not set(tr) & set(va) and not set(tr) & set(te) and not set(va) & set(te)
        assert len(tr) + len(va) + len(te) == len(fd.y)
        assert np.all(fd.folds[te] == fold) and np.all(fd.folds[tr] != fold)
        seen[te] += 1
    assert np.all(seen == 1), "every clip is tested in exactly one fold"


def test_same_seed_same_result(builtin_features):
    fd, fe = builtin_features
    cfg = replace(FAST, experts=["4"], epochs=10, qat_epochs=5)
    a = cross_validate(fd, cfg, fe, folds=[2], progress=False)
    b = cross_validate(fd, cfg, fe, folds=[2], progress=False)
    assert np.array_equal(a.folds[0].pred, b.folds[0].pred)
    assert a.folds[0].metrics["macro_f1"] == b.folds[0].metrics["macro_f1"]


@pytest.mark.slow
def test_main_job_end_to_end(builtin_features, tmp_path):
    """fp32 and 8-bit clearly above chance and close; ternary, 1-bit and a curiosity mixture run."""
    fd, fe = builtin_features
    variants = ["fp32", "8", "ternary", "1", "ternary,4,8@curiosity"]
    rep = train(
        fd,
        fe,
        [parse_variant(v, FAST) for v in variants],
        tmp_path / "run",
        folds=[1, 2],
        progress=False,
    )
    f1 = {r["variant"]: r["macro_f1_mean"] for r in rep.rows}
    chance = 1.0 / len(fd.class_names)
    assert f1["fp32"] > 3 * chance, rep.table
    assert f1["8"] > 3 * chance, rep.table
    assert abs(f1["fp32"] - f1["8"]) < 0.08, rep.table
    for v in ("ternary", "1", "moe-curiosity[ternary,4,8]"):
        assert f1[v] > chance, rep.table
    # The run folder holds everything the table came from.
    out = rep.out
    assert (out / "summary.csv").exists() and (out / "run.json").exists()
    moe = out / "moe-curiosity_ternary_4_8"
    assert (moe / "model.qmoe").exists() and (moe / "models" / "fold2.qmoe").exists()
    assert (moe / "curiosity" / "fold1_uncertainty.csv").exists()
    assert (moe / "curiosity" / "fold1_uncertainty.png").stat().st_size > 0
    shares = rep.rows[-1]["expert_share"].split("/")
    assert len(shares) == 3

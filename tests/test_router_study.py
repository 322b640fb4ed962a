"""The router study (qmoe.stats.study, qmoe.router_study, `qmoe-host router-study`): Holm, the
stratified Levene / Brown–Forsythe test, the sign-flip test, verdicts over seeds on data whose
answer is known, and a whole quick study on a board that runs here."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from scipy import stats as st

from qmoe.stats.study import Unit, holm, sign_flip_test, stratified_levene, study_verdicts


def test_holm_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 -> 4*0.005, 3*0.01, 2*0.03, max(0.06, 1*0.04); None stays
    assert holm([0.01, 0.04, None, 0.03, 0.005]) == pytest.approx([0.03, 0.06, None, 0.06, 0.02])
    assert holm([0.9, 0.8]) == [1.0, 1.0]  # capped
    assert holm([]) == []


@pytest.mark.parametrize("center", ["mean", "median"])
def test_stratified_levene_with_one_stratum_is_scipys(center):
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 40), rng.normal(3, 2, 55)
    x, is_b = np.r_[a, b], np.r_[np.zeros(40, bool), np.ones(55, bool)]
    w, p = stratified_levene(x, is_b, np.zeros(95, int), center)
    ref = st.levene(a, b, center=center)
    assert w == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)


def test_stratified_levene_does_not_count_shifts_between_strata_as_spread():
    """b has a's values, but its second fold is shifted by 100: pooled, b looks far more spread;
    fold by fold it is exactly as spread as a."""
    rng = np.random.default_rng(2)
    base = rng.normal(0, 1, (2, 30))
    a = base.ravel()
    b = np.r_[base[0], base[1] + 100]
    x = np.r_[a, b]
    is_b = np.r_[np.zeros(60, bool), np.ones(60, bool)]
    strata = np.r_[np.repeat([0, 1], 30), np.repeat([0, 1], 30)]
    assert st.levene(a, b, center="median").pvalue < 1e-6
    w, p = stratified_levene(x, is_b, strata, "median")
    assert w == pytest.approx(0.0, abs=1e-9) and p == pytest.approx(1.0)


def test_sign_flip_exact():
    rng = np.random.default_rng(0)
    assert sign_flip_test(np.ones(4), 100, rng) == pytest.approx(2 / 16)  # all + or all −
    assert sign_flip_test(np.array([1.0, -1.0]), 100, rng) == pytest.approx(1.0)
    big = sign_flip_test(np.ones(20), 5000, rng)  # Monte Carlo: (0 + 1) / (5000 + 1) at best
    assert big == pytest.approx(1 / 5001, rel=0.5)


def _units(shrink: float, seeds=3, folds=4, n=60, f1_gain=0.0, seed=0) -> list[Unit]:
    """Router a: two experts (latency 1000 or 3000 + noise); router b: the same inputs with the
    spread around each cell's median scaled by `shrink` and energy 10 % higher."""
    rng = np.random.default_rng(seed)
    out = []
    for s in range(seeds):
        for k in range(1, folds + 1):
            lat_a = np.where(rng.random(n) < 0.5, 1000.0, 3000.0) + rng.normal(0, 50, n) + 40 * k
            med = np.median(lat_a)
            lat_b = med + shrink * (lat_a - med) + rng.normal(0, 5, n) * (shrink != 1)
            f1_a = 0.8 + 0.02 * rng.standard_normal()
            out.append(Unit(s, k, lat_a, lat_b, f1_a, f1_a + f1_gain, 2.0, 2.2 + 0.01 * k))
    return out


def test_verdicts_find_a_clear_reduction_in_every_seed():
    vs = {v.key: v for v in study_verdicts(_units(0.3), n_boot=300, n_perm=2000)}
    bf = vs["spread_median"]
    assert bf.effect == pytest.approx(-70.0, abs=2)
    assert bf.ci[0] < bf.effect < bf.ci[1] < 0
    assert bf.significant and bf.p_holm >= bf.p
    assert (bf.seeds_significant, bf.seeds_same_direction, bf.seeds) == (3, 3, 3)
    assert "3 of 3 seeds significant alone" in bf.sentence("softmax routing", "curiosity routing")
    perm = vs["spread_permutation"]
    assert perm.significant and perm.effect < 0  # 12 units, all negative: p = 2 / 4096
    assert "cannot go below" in perm.note  # 4 folds per seed: a seed alone cannot reach 0.05
    assert vs["energy"].effect == pytest.approx(100 * (np.exp(np.mean(np.log([1.105, 1.11,
        1.115, 1.12]))) - 1), abs=1e-6)  # fmt: skip
    assert vs["energy"].significant
    # F1 identical in every unit: no test, and it says why
    assert vs["f1"].p is None and not vs["f1"].significant and "nothing to test" in vs["f1"].note


def test_verdicts_without_a_difference_are_not_significant():
    vs = {v.key: v for v in study_verdicts(_units(1.0, f1_gain=0.0), n_boot=200, n_perm=500)}
    for key in ("spread_median", "spread_mean"):
        assert not vs[key].significant and vs[key].effect == pytest.approx(0.0, abs=1e-9)
        assert vs[key].seeds_significant == 0
    assert vs["spread_permutation"].p is None  # no unit differs


def test_holm_applies_across_the_comparisons():
    vs = study_verdicts(_units(0.9, seed=3), n_boot=200, n_perm=500)
    ps = [v.p for v in vs]
    assert [v.p_holm for v in vs] == pytest.approx(holm(ps))


# ------------------------------------------------------------------------ the whole study


@pytest.mark.slow
def test_quick_study_on_native_writes_its_files(tmp_path):
    if shutil.which("gcc") is None:
        pytest.skip("the native board needs gcc")
    from qmoe.router_study import router_study

    said = []
    res = router_study(
        tmp_path / "study",
        tmp_path / "data",
        seeds=2,
        folds=[1, 2],
        n=6,
        quick=True,
        board="native",
        n_boot=200,
        say=said.append,
    )
    assert said[0].startswith("router study: 2 seeds × 2 folds × 2 routers on native")
    assert len(res.units) == 4 and all(len(u.lat_a) == 6 for u in res.units)
    doc = json.loads((tmp_path / "study" / "router_study.json").read_text())
    assert doc["settings"]["seeds"] == [0, 1] and doc["settings"]["board"] == "native"
    assert doc["environment"]["threads"] == 1
    keys = [v["key"] for v in doc["verdicts"]]
    assert keys[:4] == ["spread_median", "spread_mean", "spread_permutation", "f1"]
    md = (tmp_path / "study" / "router_study.md").read_text()
    assert "of 2 seeds significant alone" in md and "## Per seed × fold" in md
    # every device run records the environment, with the seed its model was trained with
    run = json.loads(
        (
            tmp_path / "study" / "seed1" / "device" / "curiosity" / "fold2" / "run" / "run.json"
        ).read_text()
    )
    assert run["environment"]["seed"] == 1 and run["environment"]["torch"]
    train = json.loads((tmp_path / "study" / "seed1" / "train" / "run.json").read_text())
    assert train["environment"]["seed"] == 1


def test_cli_refuses_one_seed(tmp_path):
    from qmoe.cli import run

    assert run(["router-study", "--seeds", "1", "--out", str(tmp_path / "x")]) == 2

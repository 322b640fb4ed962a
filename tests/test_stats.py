"""qmoe.stats and `qmoe-host compare`: tests against scipy, hand computations and synthetic data.

Run folders are small fixtures written here in the exact formats of docs/measure.md (device runs)
and of `qmoe-host train` (results.json per variant).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats as st
from sklearn.metrics import f1_score

from qmoe import runfolder
from qmoe.cli import cli
from qmoe.errors import ConfigError, DataError
from qmoe.stats import (
    bootstrap_ci,
    compare_runs,
    load_run,
    load_runs,
    macro_f1,
    mcnemar_exact,
    tost_paired,
)

CLASSES = [f"c{k}" for k in range(4)]


def device_run(
    folder: Path,
    latency,
    *,
    labels=None,
    preds=None,
    samples=None,
    board="qemu-m4",
    unit="emulated-instructions",
    router="curiosity",
    name=None,
    energy=None,
    torn: str | None = None,
) -> Path:
    """A device run folder as `qmoe-host measure` writes it (docs/measure.md)."""
    n = len(latency)
    labels = list(labels) if labels is not None else [k % 4 for k in range(n)]
    preds = list(preds) if preds is not None else list(labels)
    if samples is None:
        samples = [f"audio/1-{k:04d}-A-0.wav" for k in range(n)]
    folder.mkdir(parents=True)
    run = {
        "qmoe_version": "0.1.0",
        "started": "2026-11-26T15:30:00+0000",
        "board": {
            "name": board,
            "core": "cortex-m4f",
            "clock_hz": 25_000_000,
            "emulated": unit == "emulated-instructions",
            "counter": {"kind": "systick", "unit": unit, "per_tick": 1},
        },
        "device": {},
        "model": {
            "path": "m.qmoe",
            "hash": "0" * 64,
            "name": name or f"moe-{router}[ternary,4,8]",
            "router": router,
            "experts": ["ternary", "4-bit", "8-bit"],
            "label_set": "builtin-4class",
            "class_names": CLASSES,
        },
        "data": {"source": "builtin:x", "folds": [1], "input": "pcm", "samples": n},
        "windows": {"n": 10, "repeats": 1},
    }
    runfolder.write_device_meta(folder, run)
    recs = []
    for i in range(n):
        total = float(latency[i])
        recs.append(
            {
                "i": i,
                "sample": samples[i],
                "fold": 1,
                "label": int(labels[i]),
                "pred": int(preds[i]),
                "expert": 1,
                "choice": 1,
                "uncertainty": 0,
                "logits": [0, 0, 0, 0],
                "counters": {"frontend": 0, "router": 10, "expert": total - 10, "total": total},
                "time_us": None,
                "golden": {"pred": int(preds[i]), "expert": 1, "uncertainty": 0, "match": True},
            }
        )
    runfolder.write_records(folder / runfolder.INFERENCES, recs, torn or "")
    if energy is not None:
        runfolder.write_device_summary(folder, {"energy": energy})
    return folder


def cv_variant(
    folder: Path,
    f1: dict[int, float],
    *,
    name: str,
    router="none",
    label_set="builtin-10class",
    experts=None,
) -> Path:
    """A variant folder of a `qmoe-host train` run (results.json)."""
    folder.mkdir(parents=True)
    res = {
        "variant": name,
        "label_set": label_set,
        "class_names": CLASSES,
        "train_config": {"experts": experts or [name], "router": router},
        "summary": {},
        "folds": [
            {"fold": k, "accuracy": v + 0.05, "macro_f1": v, "weighted_f1": v}
            for k, v in f1.items()
        ],
    }
    runfolder.write_results(folder, res)
    return folder


def by_test(result, name: str):
    (v,) = [v for v in result.verdicts if v.test.startswith(name)]
    return v


def assert_clean(result) -> None:
    """No NaN anywhere in the text or the JSON, every verdict has a sentence."""
    md = result.to_markdown()
    assert "nan" not in md.lower() and "inf" not in md.replace("inference", "").lower()
    json.dumps(result.to_dict(), allow_nan=False)
    assert all(v.sentence and "nan" not in v.sentence for v in result.verdicts)


# ----------------------------------------------------------------------------- device runs


def test_levene_textbook_value_and_scipy(tmp_path):
    # Hand computation: deviations from the means |a - 3| = 2,1,0,1,2 and |b - 6| = 4,2,0,2,4
    # give between-group SS 3.6 (1 df) and within-group SS 14 (8 df): W = 3.6 / (14 / 8) = 72/35.
    a, b = [1, 2, 3, 4, 5], [2, 4, 6, 8, 10]
    r = compare_runs(
        [device_run(tmp_path / "a", a, router="softmax"), device_run(tmp_path / "b", b)]
    )
    lev = by_test(r, "Levene")
    assert lev.statistic == pytest.approx(72 / 35, rel=1e-12)
    assert lev.p == pytest.approx(st.f.sf(72 / 35, 1, 8), rel=1e-9)
    assert lev.effect["std_ratio"] == pytest.approx(2.0)


def test_levene_and_brown_forsythe_match_scipy_and_the_t_identity(tmp_path):
    rng = np.random.default_rng(1)
    xa = np.round(rng.gamma(2.0, 300.0, 120) + 20_000)  # softmax: heavy right tail
    xb = np.round(rng.normal(21_000, 60.0, 150))
    r = compare_runs(
        [device_run(tmp_path / "a", xa, router="softmax"), device_run(tmp_path / "b", xb)],
        n_boot=500,
    )
    for test, center, f in (("Levene", "mean", np.mean), ("Brown", "median", np.median)):
        v = by_test(r, test)
        ref = st.levene(xa, xb, center=center)
        assert v.statistic == pytest.approx(ref.statistic, rel=1e-10)
        assert v.p == pytest.approx(ref.pvalue, rel=1e-8)
        # For two groups the statistic is the squared pooled t of the absolute deviations.
        t = st.ttest_ind(np.abs(xa - f(xa)), np.abs(xb - f(xb))).statistic
        assert v.statistic == pytest.approx(t**2, rel=1e-9)
        assert v.significant
    lev = by_test(r, "Levene")
    pct = 100 * (1 - np.std(xb, ddof=1) / np.std(xa, ddof=1))
    assert lev.sentence.startswith(
        f"curiosity routing reduced latency std by {pct:.0f} % vs softmax routing"
    )
    assert "Levene p" in lev.sentence and "emulated instructions" in lev.sentence
    assert_clean(r)


def test_no_difference_says_so_and_welch_matches_scipy(tmp_path):
    rng = np.random.default_rng(3)
    xa, xb = rng.normal(1000, 20, 200), rng.normal(1000, 20, 200)
    r = compare_runs(
        [
            device_run(tmp_path / "a", xa, unit="cycles", router="softmax"),
            device_run(tmp_path / "b", xb, unit="cycles"),
        ]
    )
    lev = by_test(r, "Levene")
    assert lev.significant == (lev.p < 0.05)
    if not lev.significant:
        assert lev.sentence.startswith("no evidence of a difference in latency variance")
    w = by_test(r, "Welch")
    ref = st.ttest_ind(xb, xa, equal_var=False)
    assert w.statistic == pytest.approx(ref.statistic) and w.p == pytest.approx(ref.pvalue)
    pooled = math.sqrt((199 * xa.var(ddof=1) + 199 * xb.var(ddof=1)) / 398)
    assert w.effect["cohens_d"] == pytest.approx((xb.mean() - xa.mean()) / pooled)
    lo, hi = w.ci
    assert lo < xb.mean() - xa.mean() < hi


def test_std_ratio_ci_covers_the_true_ratio(tmp_path):
    rng = np.random.default_rng(7)
    xa, xb = rng.normal(5000, 100, 400), rng.normal(5000, 50, 400)
    r = compare_runs(
        [device_run(tmp_path / "a", xa, router="softmax"), device_run(tmp_path / "b", xb)],
        n_boot=1000,
    )
    lo, hi = by_test(r, "Levene").ci
    assert lo < 0.5 < hi < 1.0


def test_bootstrap_ci_coverage_on_synthetic_data():
    """A 90 % percentile interval of the mean covers the true mean in about 90 % of samples."""
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(200):
        x = rng.normal(3.0, 1.0, 60)
        lo, hi = bootstrap_ci(lambda u: u.mean(1), [x], n_boot=400, rng=rng, level=0.90)
        hits += lo < 3.0 < hi
    assert 0.82 <= hits / 200 <= 0.97


def test_constant_latency_gives_sentences_not_nan(tmp_path):
    r = compare_runs(
        [
            device_run(tmp_path / "a", [500] * 20, router="softmax"),
            device_run(tmp_path / "b", [400] * 20),
        ]
    )
    for v in r.verdicts[:3]:
        assert v.statistic is None and v.p is None and not v.significant
    assert "did not vary in either run" in by_test(r, "Levene").sentence
    assert "constant in both runs" in by_test(r, "Welch").sentence
    assert_clean(r)
    one = compare_runs(
        [
            device_run(tmp_path / "c", [500] * 20, router="softmax"),
            device_run(tmp_path / "d", [400, 410, 440] * 7),
        ]
    )
    assert "where softmax routing has none" in by_test(one, "Levene").sentence
    assert_clean(one)
    # Two latencies in equal shares: every deviation from the mean is the same, Levene undefined.
    two = compare_runs(
        [
            device_run(tmp_path / "e", [500] * 20, router="softmax"),
            device_run(tmp_path / "f", [400, 420] * 10),
        ]
    )
    assert "deviations from the mean are constant" in by_test(two, "Levene").sentence
    assert by_test(two, "Brown").p is None
    assert_clean(two)


def test_mcnemar_exact_against_hand_computation(tmp_path):
    # 10 samples only A got right, 2 only B, 30 both: p = 2 * P(X <= 2 | n=12, 1/2) = 158/4096.
    assert mcnemar_exact(10, 2) == pytest.approx(2 * (1 + 12 + 66) / 4096, rel=1e-12)
    labels = [k % 4 for k in range(42)]
    pa = list(labels)
    pb = [(y + 1) % 4 if k < 10 else y for k, y in enumerate(labels)]  # B wrong on 0..9
    pa[10], pa[11] = (labels[10] + 1) % 4, (labels[11] + 1) % 4  # A wrong on 10, 11
    lat = np.arange(42.0)
    r = compare_runs(
        [
            device_run(tmp_path / "a", lat, labels=labels, preds=pa, router="softmax"),
            device_run(tmp_path / "b", lat[::-1], labels=labels, preds=pb),
        ]
    )
    v = by_test(r, "McNemar")
    assert (v.effect["a_only_right"], v.effect["b_only_right"]) == (10, 2)
    assert v.p == pytest.approx(158 / 4096) and v.significant
    assert "less accurate" in v.sentence and "McNemar exact p = 0.039" in v.sentence


def test_different_samples_use_fisher(tmp_path):
    r = compare_runs(
        [
            device_run(tmp_path / "a", np.arange(20.0), router="softmax"),
            device_run(
                tmp_path / "b", np.arange(20.0), samples=[f"other/{k}.wav" for k in range(20)]
            ),
        ]
    )
    v = by_test(r, "Fisher")
    assert v.p == pytest.approx(1.0) and not v.significant
    assert v.sentence.startswith("no evidence of a difference in accuracy")


def test_runs_table_has_accuracy_f1_cis_and_energy(tmp_path):
    labels = [k % 4 for k in range(40)]
    preds = [y if k % 5 else (y + 1) % 4 for k, y in enumerate(labels)]
    ea = {"source": "model", "uj_per_inference": 1.0, "label": "energy: modelled from datasheet"}
    eb = dict(ea, uj_per_inference=0.59)
    r = compare_runs(
        [
            device_run(
                tmp_path / "a",
                np.arange(40.0),
                labels=labels,
                preds=preds,
                router="softmax",
                energy=ea,
            ),
            device_run(tmp_path / "b", np.arange(40.0) / 2, labels=labels, preds=preds, energy=eb),
        ]
    )
    row = r.runs[0]
    assert row["accuracy_pct"] == pytest.approx(80.0)
    f1 = 100 * f1_score(labels, preds, labels=range(4), average="macro", zero_division=0)
    assert row["macro_f1_pct"] == pytest.approx(f1)
    assert row["accuracy_ci"][0] < 80.0 < row["accuracy_ci"][1]
    assert row["macro_f1_ci"][0] < f1 < row["macro_f1_ci"][1]
    assert row["f1_per_mj"] == pytest.approx(f1 / 100 / 1e-3)
    e = by_test(r, "ratio")
    assert "uses 41 % less energy per inference" in e.sentence
    assert "modelled from datasheet" in e.sentence
    assert (
        "McNemar" in by_test(r, "McNemar").test
        and "exactly the same" in by_test(r, "McNemar").sentence
    )


def test_units_and_boards_must_match(tmp_path):
    a = device_run(tmp_path / "a", np.arange(10.0), unit="cycles", board="nano33ble")
    b = device_run(tmp_path / "b", np.arange(10.0))
    with pytest.raises(ConfigError, match="counter units differ") as exc:
        compare_runs([a, b], allow_mixed=True)
    assert str(a) in str(exc.value) and "emulated-instructions" in str(exc.value)
    c = device_run(tmp_path / "c", np.arange(10.0), unit="cycles", board="pico")
    with pytest.raises(ConfigError, match="--allow-mixed"):
        compare_runs([a, c])
    assert compare_runs([a, c], allow_mixed=True).verdicts
    with pytest.raises(ConfigError, match="cross-validation"):
        compare_runs([a, cv_variant(tmp_path / "cv", {1: 0.5, 2: 0.6, 3: 0.7}, name="4")])


# ----------------------------------------------------------------------------- CV runs


def test_tost_against_two_one_sided_t_tests_by_hand():
    d = np.array([0.5, -0.3, 0.8, 0.1, -0.2])  # F1 points
    m = 2.0
    n, mean, se = d.size, d.mean(), d.std(ddof=1) / math.sqrt(d.size)
    t_lo, t_hi = (mean + m) / se, (mean - m) / se
    r = tost_paired(d, m)
    assert r["t_lower"] == pytest.approx(t_lo) and r["t_upper"] == pytest.approx(t_hi)
    assert r["p_lower"] == pytest.approx(st.t.sf(t_lo, n - 1))
    assert r["p_upper"] == pytest.approx(st.t.cdf(t_hi, n - 1))
    assert r["p"] == pytest.approx(max(st.t.sf(t_lo, n - 1), st.t.cdf(t_hi, n - 1)))


def test_cv_equivalence_and_paired_tests(tmp_path):
    base = {1: 0.80, 2: 0.78, 3: 0.83, 4: 0.79, 5: 0.81}
    close = {k: v + dv for (k, v), dv in zip(base.items(), [0.004, -0.003, 0.006, 0.001, -0.002])}
    far = {k: v - dv for (k, v), dv in zip(base.items(), [0.05, 0.09, 0.02, 0.07, 0.04])}
    a = cv_variant(tmp_path / "fp32", base, name="fp32")
    b = cv_variant(tmp_path / "4", close, name="4")
    c = cv_variant(tmp_path / "ternary", far, name="ternary")
    r = compare_runs([a, b, c], n_boot=500)
    tost_b = [v for v in r.verdicts if v.test.startswith("TOST") and "4-bit" in v.question][0]
    assert tost_b.significant
    assert tost_b.sentence.startswith("4-bit is equivalent to fp32 within ±2 F1 points (TOST p")
    d = 100 * np.array([close[k] - base[k] for k in base])
    assert tost_b.p == pytest.approx(tost_paired(d, 2.0)["p"])
    lo, hi = tost_b.ci
    assert -2 < lo < d.mean() < hi < 2  # equivalence <=> the 90 % CI lies inside the margin
    tost_c = [v for v in r.verdicts if v.test.startswith("TOST") and "ternary" in v.question][0]
    assert not tost_c.significant
    assert tost_c.sentence.startswith("equivalence of ternary and fp32 not shown within ±2")
    t = [v for v in r.verdicts if v.test == "paired t" and "ternary" in v.question][0]
    ref = st.ttest_rel([far[k] for k in base], [base[k] for k in base])
    assert t.statistic == pytest.approx(ref.statistic) and t.p == pytest.approx(ref.pvalue)
    dc = 100 * np.array([far[k] - base[k] for k in base])
    assert t.effect["cohens_dz"] == pytest.approx(dc.mean() / dc.std(ddof=1))
    assert t.significant and "scored -5.4 F1 points vs fp32" in t.sentence
    w = [v for v in r.verdicts if v.test.startswith("Wilcoxon") and "ternary" in v.question][0]
    assert w.p == pytest.approx(st.wilcoxon(dc).pvalue)
    assert not w.significant and "smallest possible exact p is 0.0625" in w.sentence
    assert_clean(r)


def test_folds_matched_by_number_and_degenerate_cases(tmp_path):
    a = cv_variant(tmp_path / "a", {1: 0.7, 2: 0.6, 3: 0.5, 4: 0.9}, name="a")
    b = cv_variant(tmp_path / "b", {4: 0.9, 3: 0.5, 2: 0.6, 1: 0.7}, name="b")
    r = compare_runs([a, b])
    assert all(v.p is None for v in r.verdicts)
    assert "identical macro-F1 in all 4 folds" in r.verdicts[0].sentence
    c = cv_variant(
        tmp_path / "c", {k: v + 0.01 for k, v in {1: 0.7, 2: 0.6, 3: 0.5, 4: 0.9}.items()}, name="c"
    )
    r = compare_runs([a, c])
    assert "by exactly +1.0 F1 points in every one of 4 folds (inside" in r.verdicts[0].sentence
    d = cv_variant(tmp_path / "d", {1: 0.7, 2: 0.6, 7: 0.1}, name="d")
    r = compare_runs([a, d])
    assert "share 2 fold(s)" in r.verdicts[0].sentence and "at least 3" in r.verdicts[0].sentence
    assert_clean(r)


def test_label_sets_must_match(tmp_path):
    a = cv_variant(tmp_path / "a", {1: 0.7, 2: 0.6, 3: 0.5}, name="a")
    b = cv_variant(tmp_path / "b", {1: 0.7, 2: 0.6, 3: 0.5}, name="b", label_set="esc10")
    with pytest.raises(ConfigError, match="label sets differ"):
        compare_runs([a, b])


# ----------------------------------------------------------------------------- loading


def test_training_run_folder_expands_in_run_order(tmp_path):
    run = tmp_path / "run"
    cv_variant(run / "fp32", {1: 0.5, 2: 0.6, 3: 0.7}, name="fp32")
    cv_variant(
        run / "moe-softmax_ternary_4_8",
        {1: 0.5, 2: 0.6, 3: 0.7},
        name="moe-softmax[ternary,4,8]",
        router="softmax",
        experts=["ternary", "4", "8"],
    )
    cv_variant(
        run / "moe-curiosity_ternary_4_8",
        {1: 0.52, 2: 0.61, 3: 0.69},
        name="moe-curiosity[ternary,4,8]",
        router="curiosity",
        experts=["ternary", "4", "8"],
    )
    runfolder.write_run_json(
        run, {"variants": ["fp32", "moe-softmax[ternary,4,8]", "moe-curiosity[ternary,4,8]"]}
    )
    assert [r.name for r in load_runs(run)] == [
        "fp32",
        "moe-softmax[ternary,4,8]",
        "moe-curiosity[ternary,4,8]",
    ]
    with pytest.raises(DataError, match="3 variants"):
        load_run(run)
    r = compare_runs([run], baseline="moe-softmax[ternary,4,8]")
    assert r.settings["baseline"] == "moe-softmax[ternary,4,8]"
    assert any(
        "curiosity routing" in v.sentence and "softmax routing" in v.sentence for v in r.verdicts
    )
    assert compare_runs([run], baseline="2").settings["baseline"] == "moe-curiosity[ternary,4,8]"
    with pytest.raises(ConfigError, match="expected 0..2"):
        compare_runs([run], baseline=3)


def test_torn_last_line_is_skipped_and_bad_lines_are_named(tmp_path):
    run = load_run(device_run(tmp_path / "a", [1, 2, 3], torn='{"i": 3, "sam'))
    assert run.latency.tolist() == [1, 2, 3] and "torn last line" in run.notes[0]
    bad = device_run(tmp_path / "b", [1, 2, 3])
    lines = (bad / "inferences.jsonl").read_text().splitlines(keepends=True)
    (bad / "inferences.jsonl").write_text(lines[0] + "{oops\n" + lines[2])
    with pytest.raises(DataError, match=r"inferences.jsonl:2: not valid JSON"):
        load_run(bad)
    gone = device_run(tmp_path / "c", [1, 2])
    rows = [json.loads(x) for x in (gone / "inferences.jsonl").read_text().splitlines()]
    del rows[1]["counters"]["total"]
    (gone / "inferences.jsonl").write_text("".join(json.dumps(x) + "\n" for x in rows))
    with pytest.raises(DataError, match=r"inferences.jsonl:2: missing field 'counters.total'"):
        load_run(gone)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="not a run folder"):
        load_run(tmp_path / "empty")


def test_macro_f1_matches_sklearn_row_by_row():
    rng = np.random.default_rng(5)
    y, p = rng.integers(0, 6, (4, 50)), rng.integers(0, 6, (4, 50))
    p[:, :20] = y[:, :20]
    got = macro_f1(y, p, 7)  # class 6 never occurs: F1 0, as with sklearn's labels=range(7)
    for row in range(4):
        ref = f1_score(y[row], p[row], labels=range(7), average="macro", zero_division=0)
        assert got[row] == pytest.approx(ref)


# ----------------------------------------------------------------------------- CLI


def test_cli_compare_writes_markdown_and_json(tmp_path):
    a = cv_variant(tmp_path / "fp32", {1: 0.80, 2: 0.78, 3: 0.83}, name="fp32")
    b = cv_variant(tmp_path / "4", {1: 0.81, 2: 0.77, 3: 0.84}, name="4")
    runner = CliRunner()
    res = runner.invoke(
        cli, ["compare", str(a), str(b), "--f1-margin", "0.05", "--out", str(tmp_path / "c.md")]
    )
    assert res.exit_code == 0, res.output
    assert "within ±5 F1 points" in res.output and "### Verdicts" in res.output
    assert (tmp_path / "c.md").read_text().startswith("# qmoe compare")
    res = runner.invoke(cli, ["compare", str(a), str(b), "--out", str(tmp_path / "c.json")])
    d = json.loads((tmp_path / "c.json").read_text())
    assert [r["name"] for r in d["runs"]] == ["fp32", "4"] and len(d["verdicts"]) == 3
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "qmoe.cli",
            "compare",
            str(a),
            str(b),
            "--out",
            str(tmp_path / "c.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "c.txt" in r.stderr and ".json or .md" in r.stderr, r.stderr

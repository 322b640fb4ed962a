"""`qmoe-host report`: report.md, a self-contained report.html and the PNG plots, for device runs
(docs/measure.md, synthesized here), training run folders, and a mix of both."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qmoe import runfolder
from qmoe.cli import cli
from qmoe.errors import DataError
from qmoe.report import load_runs, summary_lines, write_report
from qmoe.report import plots as P
from qmoe.report.markdown import to_html_body

CLASSES = ["siren", "engine_hum", "rain", "bird_chirps"]
EXPERTS = ["ternary", "4-bit", "8-bit"]
EXPERT_COST = [8000, 13000, 23000]  # counter units per inference of each expert


def write_device_run(
    out: Path,
    *,
    router: str = "curiosity",
    board: str = "qemu-m4",
    unit: str = "emulated-instructions",
    n: int = 60,
    jitter: float = 0.0,
    mismatches: int = 0,
    seed: int = 0,
    summary_uj: float | None = None,
) -> Path:
    """A device run folder in the format of docs/measure.md: experts of different cost, one
    timing window per expert 0 and 2; summary.json with `summary_uj` µJ/inference if given."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True)
    energy_label = "energy: modelled from datasheet"
    if unit == "emulated-instructions":
        energy_label += ", time from emulated instruction counts at 1 IPC"
    run = {
        "qmoe_version": "0.1.0",
        "started": "2026-11-26T15:30:00+0000",
        "board": {
            "name": board,
            "core": "cortex-m4f",
            "clock_hz": 25_000_000,
            "emulated": unit == "emulated-instructions",
            "counter": {
                "kind": "systick" if unit != "ns" else "monotonic",
                "unit": unit,
                "per_tick": 40 if unit == "emulated-instructions" else 1,
            },
        },
        "device": {"protocol_version": 1, "runtime_version": "0.1.0"},
        "model": {
            "path": "runs/demo/m/model.qmoe",
            "hash": "ab" * 32,
            "name": f"moe-{router}[ternary,4,8]",
            "router": router,
            "experts": EXPERTS,
            "expert_flash_bytes": [7962, 13242, 23802],
            "flash_bytes": 47544,
            "arena_bytes": 224,
            "label_set": "builtin-4class",
            "class_names": CLASSES,
        },
        "data": {"source": "builtin:data/builtin", "folds": [1], "input": "pcm", "samples": n},
        "power": {
            "source": "model",
            "label": energy_label,
            "voltage_v": 3.0,
            "active_ma": 3.3,
            "idle_ma": 0.0015,
            "datasheet": "nRF52840 PS v1.7",
        },
        "windows": {"n": 100, "repeats": 2},
    }
    runfolder.write_device_meta(out, run)
    recs = []
    for i in range(n):
        label = i % len(CLASSES)
        pred = label if rng.random() < 0.75 else (label + 1) % len(CLASSES)
        u = int(rng.integers(1, 40) * 2**22)
        expert = min(2, u // 2**24)
        router_c = 5230
        total = router_c + EXPERT_COST[expert] + int(rng.normal(0, jitter) if jitter else 0)
        rec = {
            "i": i,
            "sample": f"audio/1-{i:04d}-A-{label}.wav",
            "fold": 1,
            "label": label,
            "pred": pred,
            "expert": expert,
            "choice": expert,
            "uncertainty": u,
            "logits": [int(x) for x in rng.integers(-200, 200, len(CLASSES))],
            "counters": {
                "frontend": 1_200_345,
                "router": router_c,
                "expert": total - router_c,
                "total": total,
            },
            "time_us": None if unit == "emulated-instructions" else total / 25.0,
            "golden": {
                "pred": pred,
                "expert": expert,
                "uncertainty": u,
                "match": i >= mismatches,
            },
        }
        recs.append(rec)
    # an interrupted run's last line
    runfolder.write_records(
        out / runfolder.INFERENCES, recs, '{"i": 9999, "sample": "cut off mid-li'
    )
    windows = [
        {
            "window": w,
            "sample": "audio/1-0000-A-0.wav",
            "expert": expert,
            "n": 100,
            "total": (5230 + EXPERT_COST[expert]) * 100,
            "min": 5230 + EXPERT_COST[expert],
            "max": 5230 + EXPERT_COST[expert],
            "per_inference": float(5230 + EXPERT_COST[expert]),
            "energy": {
                "source": "model",
                "label": energy_label,
                "uj_per_inference": window_uj(expert),
            },
        }
        for w, expert in enumerate([0, 2])
    ]
    runfolder.write_records(out / runfolder.WINDOWS, windows)
    if summary_uj is not None:
        energy = {"source": "model", "label": energy_label, "uj_per_inference": summary_uj}
        runfolder.write_device_summary(out, {"samples": n, "energy": energy})
    return out


def window_uj(expert: int) -> float:
    """The fixture's modelled µJ per inference of a window on `expert`."""
    return 3.0 * 3.3 * (5230 + EXPERT_COST[expert]) / 25e6 * 1e3


def write_cv_run(out: Path, *, folds: int = 3, seed: int = 0) -> Path:
    """A `qmoe-host train` run folder (host/qmoe/runs.py) with an 8-bit and a curiosity variant."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True)
    variants = {
        "8": ("8", None, ["8"]),
        "moe-curiosity[ternary,8]": ("moe-curiosity_ternary_8", "curiosity", ["ternary", "8"]),
    }
    runfolder.write_run_json(
        out,
        {
            "qmoe_version": "0.1.0",
            "started": "2026-11-26T15:23:04+0000",
            "command": ["qmoe-host", "train"],
            "source": "builtin:/tmp/data",
            "dataset": "builtin",
            "label_set": "builtin-4class",
            "class_names": CLASSES,
            "rows": folds * 8,
            "folds": list(range(1, folds + 1)),
            "skipped": 0,
            "variants": list(variants),
        },
    )
    for name, (folder, router, experts) in variants.items():
        vdir = out / folder
        (vdir / "curiosity").mkdir(parents=True)
        fold_rows, pred_rows = [], ["name,fold,label,pred,expert,uncertainty"]
        for f in range(1, folds + 1):
            y = np.arange(8) % 4
            p = np.where(rng.random(8) < 0.7, y, (y + 1) % 4)
            u = rng.uniform(0.001, 0.01, 8) if router else np.zeros(8)
            cm = np.zeros((4, 4), int)
            np.add.at(cm, (y, p), 1)
            acc = float((y == p).mean())
            fold_rows.append(
                {
                    "fold": f,
                    "accuracy": acc,
                    "macro_f1": acc - 0.02,
                    "weighted_f1": acc - 0.01,
                    "confusion": cm.tolist(),
                }
            )
            pred_rows += [f"audio/{f}-{i}.wav,{f},{y[i]},{p[i]},0,{u[i]:.9g}" for i in range(8)]
            if router:
                np.savetxt(
                    vdir / "curiosity" / f"fold{f}_uncertainty.csv",
                    u,
                    fmt="%.9g",
                    header="uncertainty",
                    comments="",
                )
                (vdir / "curiosity" / f"fold{f}.json").write_text(
                    json.dumps({"fold": f, "thresholds": [0.005], "expert_share": [0.5, 0.5]})
                )
        f1 = [r["macro_f1"] for r in fold_rows]
        acc = [r["accuracy"] for r in fold_rows]
        runfolder.write_results(
            vdir,
            {
                "variant": name,
                "label_set": "builtin-4class",
                "class_names": CLASSES,
                "train_config": {"experts": experts, "router": router},
                "summary": {
                    "accuracy": {"mean": np.mean(acc), "std": np.std(acc, ddof=min(1, folds - 1))},
                    "macro_f1": {"mean": np.mean(f1), "std": np.std(f1, ddof=min(1, folds - 1))},
                    "experts": [
                        {"weight_bytes": 6896 if e == "ternary" else 22736} for e in experts
                    ],
                },
                "folds": fold_rows,
            },
        )
        (vdir / runfolder.PREDICTIONS_CSV).write_text("\n".join(pred_rows) + "\n")
    return out


def check_report(rep, out: Path) -> tuple[str, str]:
    """Every plot exists, is a non-empty PNG, and is referenced from report.md and report.html."""
    md = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert rep.plots, "no plot written"
    for p in rep.plots:
        assert p.exists() and p.stat().st_size > 1000, p
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", p
        assert f"(plots/{p.name})" in md, p.name
    embedded = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', page)
    assert len(embedded) == len(rep.plots)
    assert sorted(p.name for p in (out / "plots").glob("*.png")) == sorted(
        p.name for p in rep.plots
    )
    assert "http://" not in page and "https://" not in page
    assert not re.search(r'(src|href)="(?!data:)', page), "an external reference in the page"
    return md, page


def test_single_emulated_device_run(tmp_path):
    run = write_device_run(tmp_path / "dev")
    out = tmp_path / "report"
    rep = write_report([run], out)
    md, page = check_report(rep, out)
    names = {p.name for p in rep.plots}
    assert {
        "latency_router.png",
        "latency_expert.png",
        "uncertainty_hist.png",
        "uncertainty_per_class.png",
        "f1_vs_size.png",
        "energy.png",
    } <= names
    assert any(n.startswith("confusion_") for n in names)
    # the header: board, clock, counter, energy label, label set, hash, samples, mismatches
    for text in (
        "qemu-m4",
        "cortex-m4f at 25 MHz",
        "emulated instructions",
        "builtin-4class",
        "ab" * 32,
        "modelled from datasheet",
        "0 of 60",
        "2026-11-26",
        "0.1.0",
    ):
        assert text in md, text
    assert "cycles" not in md.lower() and "cycles" not in page.lower()
    assert "WARNING" not in md
    # the cut-off last line of inferences.jsonl is dropped, every complete line kept
    assert rep.runs[0].samples == 60


def test_plot_axes_carry_the_counter_unit():
    for unit, label in [
        ("emulated-instructions", "emulated instructions"),
        ("cycles", "cycles"),
        ("ns", "ns"),
    ]:
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            view = load_runs([write_device_run(Path(d) / "r", unit=unit, jitter=50.0)])
        for build in (P.latency_by_router, P.latency_by_expert):
            fig = build(view)
            assert all(ax.get_xlabel() == f"latency per inference ({label})" for ax in fig.axes)
            P.plt.close(fig)


def test_device_uncertainty_is_converted_to_summed_variance(tmp_path):
    (v,) = load_runs([write_device_run(tmp_path / "d")])
    raw = [
        json.loads(x)["uncertainty"]
        for x in (tmp_path / "d" / "inferences.jsonl").read_text().splitlines()[:-1]
    ]
    assert np.allclose(v.uncertainty, np.array(raw) / 2**30)
    assert 0 < v.uncertainty.max() <= 39 / 256  # at most 39 * 2^22 raw units
    fig = P.uncertainty_hist([v])
    assert "summed variance" in fig.axes[0].get_xlabel()
    P.plt.close(fig)
    softmax = load_runs([write_device_run(tmp_path / "s", router="softmax")])[0]
    assert softmax.uncertainty is None and P.uncertainty_hist([softmax]) is None


def test_energy_from_summary_or_from_the_windows(tmp_path):
    (with_summary,) = load_runs([write_device_run(tmp_path / "a", summary_uj=1.25)])
    assert with_summary.energy_uj == 1.25
    (cut_off,) = load_runs([write_device_run(tmp_path / "b")])
    # no summary.json: the expert-0 and expert-2 windows, weighted by those experts' shares
    n0, n2 = np.sum(cut_off.expert == 0), np.sum(cut_off.expert == 2)
    want = (n0 * window_uj(0) + n2 * window_uj(2)) / (n0 + n2)
    assert n0 and n2 and cut_off.energy_uj == pytest.approx(want)
    assert "1 IPC" in cut_off.energy_label and cut_off.energy_source == "model"


def test_golden_mismatches_are_shown_prominently(tmp_path):
    run = write_device_run(tmp_path / "bad", mismatches=3)
    rep = write_report([run], tmp_path / "r")
    md, page = check_report(rep, tmp_path / "r")
    head = md.split("## All variants")[0]
    assert "WARNING: golden-model mismatch" in head and "3 of 60" in head
    assert "audio/1-0000-A-0.wav" in head
    assert '<blockquote class="warning">' in page
    assert any(line.startswith("WARNING") and "3 of 60" in line for line in rep.summary)


def test_two_device_runs_with_compare_tables(tmp_path):
    a = write_device_run(tmp_path / "cur", router="curiosity", jitter=20.0, seed=1, summary_uj=2.0)
    b = write_device_run(tmp_path / "soft", router="softmax", jitter=900.0, seed=2, summary_uj=2.5)
    rep = write_report([a, b], tmp_path / "r")
    md, page = check_report(rep, tmp_path / "r")
    assert "Every comparison" in md and len(rep.comparisons) == 1
    sec = rep.comparisons[0]
    assert not sec.error, sec.error
    assert sec.verdicts and all(v.sentence in md for v in sec.verdicts)
    assert sec.levene_sentences(), "no Levene verdict on latency variance"
    assert "<table>" in page.split("Every comparison")[-1]
    assert "cycles" not in md.lower()  # both runs count emulated instructions
    lines = summary_lines([a, b])
    assert any("moe-curiosity" in x and "emulated instructions" in x and "µJ" in x for x in lines)
    assert any(s in "\n".join(lines) for s in sec.levene_sentences())


def test_cv_run_folder(tmp_path):
    run = write_cv_run(tmp_path / "cv")
    rep = write_report([run], tmp_path / "r")
    md, _ = check_report(rep, tmp_path / "r")
    names = {p.name for p in rep.plots}
    assert "latency_router.png" not in names and "energy.png" not in names
    assert {"uncertainty_hist.png", "uncertainty_per_class.png", "f1_vs_size.png"} <= names
    assert sum(n.startswith("confusion_") for n in names) == 2
    assert "host cross-validation" in md and "not applicable (no device)" in md
    cur = [v for v in rep.runs if v.router == "curiosity"][0]
    assert cur.uncertainty.size == 3 * 8 and cur.thresholds == [0.005]
    assert cur.confusion.sum() == 24 and cur.size_kind == "weights"
    assert cur.size_bytes == 6896 + 22736
    # one variant folder on its own: the dataset still comes from the training run's run.json
    (one,) = load_runs([run / "moe-curiosity_ternary_8"])
    assert one.name == cur.name and one.dataset == "builtin:/tmp/data"


def test_mix_of_device_and_cv_runs(tmp_path):
    dev = write_device_run(tmp_path / "dev", unit="cycles", jitter=100.0)
    dev2 = write_device_run(tmp_path / "dev2", unit="ns", board="native", router="none")
    cv = write_cv_run(tmp_path / "cv")
    rep = write_report([dev, dev2, cv], tmp_path / "r")
    md, _ = check_report(rep, tmp_path / "r")
    assert len(rep.runs) == 4
    assert rep.runs[1].router is None and rep.runs[1].uncertainty is None  # "router": "none"
    assert "real core clock cycles" in md and "monotonic clock" in md
    # the two device runs differ in board and unit: not compared with each other, and said so
    assert "was not compared" in md
    kinds = {s.title.split(" ")[0] for s in rep.comparisons}
    assert kinds == {"host"}
    fig = P.f1_vs_size(rep.runs)
    assert len(fig.axes[0].texts) == 4  # one labelled point per run
    P.plt.close(fig)


def test_training_run_from_the_trainer(builtin_features, tmp_path):
    """A real (tiny) `train` run folder: models lower, so sizes are flash bytes with a hash."""
    from qmoe.api import parse_variant
    from qmoe.api import train as run_train
    from qmoe.train.config import TrainConfig

    fd, fe = builtin_features
    base = TrainConfig(epochs=2, qat_epochs=1, router_epochs=1)
    configs = [parse_variant(t, base) for t in ("ternary", "ternary,8@curiosity")]
    run_train(fd, fe, configs, tmp_path / "cv", folds=[1, 2], progress=False)
    rep = write_report([tmp_path / "cv"], tmp_path / "r")
    check_report(rep, tmp_path / "r")
    assert all(v.size_kind == "flash" and len(v.model_hash) == 64 for v in rep.runs)


def test_cli_report_and_errors(tmp_path):
    run = write_device_run(tmp_path / "dev")
    r = CliRunner().invoke(cli, ["report", str(run), "--out", str(tmp_path / "r")])
    assert r.exit_code == 0, r.output
    assert "report.html" in r.output and "macro-F1" in r.output
    assert (tmp_path / "r" / "report.html").exists()
    with pytest.raises(DataError, match="nowhere"):
        write_report([tmp_path / "nowhere"], tmp_path / "r2")
    bad = tmp_path / "badunit"
    write_device_run(bad)
    meta = json.loads((bad / "run.json").read_text())
    meta["board"]["counter"]["unit"] = "furlongs"
    (bad / "run.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match="furlongs"):
        load_runs([bad])


def test_markdown_subset_escapes_and_embeds():
    md = "# T\n\n| a | b |\n|---|---|\n| <x> | `c` |\n\n![cap [x]](p.png)\n\n> **WARNING** w"
    body = to_html_body(md, lambda src: "data:image/png;base64,AAAA")
    assert "<h1>T</h1>" in body and "<td>&lt;x&gt;</td>" in body and "<code>c</code>" in body
    assert '<img src="data:image/png;base64,AAAA" alt="cap [x]">' in body
    assert '<blockquote class="warning">' in body


def test_router_verdict_heads_the_report_and_has_its_own_file(tmp_path):
    """Issue 18: curiosity vs softmax (Levene and Brown–Forsythe, their agreement in words) at the
    top of report.md/html and in router_comparison.json/.md."""
    cur = write_device_run(tmp_path / "cur", router="curiosity", jitter=20.0, seed=1)
    soft = write_device_run(tmp_path / "soft", router="softmax", jitter=900.0, seed=2)
    other = write_device_run(tmp_path / "ptq", router="none", seed=3)
    rep = write_report([other, cur, soft], tmp_path / "r")
    md, page = check_report(rep, tmp_path / "r")
    (pair,) = rep.routers
    assert pair.softmax.router == "softmax" and pair.curiosity.router == "curiosity"
    tests = [v.test for v in pair.variance()]
    assert tests == ["Levene (mean)", "Brown–Forsythe (median)"]
    top = md.split("## All variants")[0]
    assert "## Verdicts" in top and "curiosity vs softmax routing on qemu-m4" in top
    assert pair.agreement() in top and "the two tests agree" in pair.agreement()
    assert all(v.sentence in top for v in pair.variance())
    assert page.index("Verdicts") < page.index("All variants")
    data = json.loads((tmp_path / "r" / "router_comparison.json").read_text())
    (p,) = data["pairs"]
    assert p["variance_tests_agree"] is True and p["agreement"] == pair.agreement()
    assert [v["test"] for v in p["variance"]] == tests
    assert len({v["significant"] for v in p["variance"]}) == 1  # the agreement stated above
    assert p["softmax"]["path"] == str(soft) and p["curiosity"]["path"] == str(cur)
    text = (tmp_path / "r" / "router_comparison.md").read_text()
    assert "Levene" in text and "Brown–Forsythe" in text and pair.agreement() in text
    assert any(line.startswith("routers: curiosity vs softmax") for line in rep.summary)


def test_router_verdict_states_a_disagreement(tmp_path):
    from qmoe.report.routers import RouterPair
    from qmoe.stats import Verdict

    cur = load_runs([write_device_run(tmp_path / "c", router="curiosity")])[0]
    soft = load_runs([write_device_run(tmp_path / "s", router="softmax")])[0]

    def v(test, p):
        return Verdict("latency variance", test, 1.0, p, {}, None, p < 0.05, f"{test} says {p}")

    pair = RouterPair("qemu-m4", "cycles", EXPERTS, soft, cur)
    pair.verdicts = [v("Levene (mean)", 0.01), v("Brown–Forsythe (median)", 0.4)]
    text = pair.agreement()
    assert "disagree" in text and "Levene finds a difference" in text
    assert "Brown–Forsythe does not (p = 0.4)" in text and "not a robust one" in text
    assert pair.agree() is False
    pair.verdicts = [v("Levene (mean)", 0.3), v("Brown–Forsythe (median)", 0.02)]
    assert "Brown–Forsythe finds a difference" in pair.agreement() and pair.agree() is False
    pair.verdicts = [v("Levene (mean)", 0.3), v("Brown–Forsythe (median)", 0.6)]
    assert "agree: no difference" in pair.agreement() and pair.agree() is True


def test_report_reads_top_down(tmp_path):
    """One table of every variant, the energy source said once above the details, a title
    without run names, confusion matrices folded in a grid, no unfolded <pre>."""
    runs = [
        write_device_run(tmp_path / "cur", router="curiosity", jitter=20.0, seed=1),
        write_device_run(tmp_path / "soft", router="softmax", jitter=90.0, seed=2),
        write_cv_run(tmp_path / "cv"),
    ]
    rep = write_report(runs, tmp_path / "r")
    md, page = check_report(rep, tmp_path / "r")
    title = md.splitlines()[0]
    assert title == "# qmoe report: 2 device runs on qemu-m4, 2 host cross-validated variants"
    visible = md.split("## Details")[0]
    label = rep.runs[0].energy_label
    assert visible.lower().count(label.lower()) == 1, "the energy source is said once"
    tables = [b for b in visible.split("\n\n") if b.startswith("| ")]
    assert len(tables) == 1, "one table of all variants"
    body = tables[0].splitlines()[2:]
    assert len(body) == 4  # two device models, two host-only variants
    assert "```" not in visible and "<pre>" not in page.split("<h2>Details</h2>")[0]
    folded = page.split("<h2>Details</h2>")[1]
    assert page.count('<img src="data:') == len(rep.plots)
    assert "Confusion matrices (4)</summary>" in folded and '<div class="grid">' in folded
    assert all("confusion" not in x for x in visible.split("## Plots")[1].splitlines())
    assert "white-space: pre-wrap" in page


def test_uncertainty_axis_shows_the_thresholds():
    """A long tail puts the histogram on a log axis, so thresholds near the bulk stay apart."""
    rng = np.random.default_rng(0)
    u = np.concatenate([rng.uniform(1e-4, 5e-4, 200), [0.5], [0.0]])
    bins, log = P.uncertainty_axis(u, [2e-4, 4e-4])
    assert log and bins[0] <= 1e-4 and bins[-1] >= 0.5
    span = np.log10(bins[-1]) - np.log10(bins[0])
    assert (np.log10(4e-4) - np.log10(2e-4)) / span > 0.05  # visibly apart on the axis
    bins, log = P.uncertainty_axis(np.array([1e-3, 2e-3, 3e-3]), [2.5e-3])
    assert not log and bins[0] <= 1e-3 and bins[-1] >= 3e-3


def test_one_fold_has_no_plus_minus(tmp_path):
    run = write_cv_run(tmp_path / "cv", folds=1)
    for v in load_runs([run]):
        assert "±" not in summary_lines([run])[1] and "(1 fold)" in summary_lines([run])[1]
        assert v.folds == 1


@pytest.fixture
def browser():
    from qmoe.errors import QmoeError
    from qmoe.report import browser as B

    try:
        B.chromium()
    except QmoeError as exc:
        pytest.skip(str(exc))
    return B


def test_report_fits_the_window_in_chromium(browser, tmp_path):
    """The page in a real browser (headless Chromium): with every <details> open, nothing is
    wider than a 1280 px or an 800 px window, no box scrolls sideways, every plot decodes, and
    the screenshot's right margin is page background."""
    from PIL import Image

    runs = [
        write_device_run(tmp_path / "cur", router="curiosity", jitter=20.0, seed=1, summary_uj=2.0),
        write_device_run(tmp_path / "soft", router="softmax", jitter=90.0, seed=2, summary_uj=2.5),
        write_cv_run(tmp_path / "cv"),
    ]
    rep = write_report(runs, tmp_path / "r")
    for width in (1280, 800):
        lay = browser.layout(rep.html, width, open_all=True)
        assert lay.fits, lay
        assert lay.details >= 5 and lay.images == len(rep.plots)
    png = browser.screenshot(rep.html, tmp_path / "page.png", 1280)
    im = Image.open(png).convert("RGB")
    assert im.size[0] == 1280 and im.size[1] > 1000
    margin = im.crop((1280 - 60, 0, 1280, im.size[1]))
    assert margin.getextrema() == ((255, 255), (255, 255), (255, 255))  # white: nothing spills


def test_the_browser_check_sees_a_page_too_wide(browser, tmp_path):
    """The check can fail: a <pre> line wider than the window, as the old summary was."""
    page = tmp_path / "wide.html"
    page.write_text(
        "<!DOCTYPE html><html><head><style>pre { overflow-x: auto; }</style></head><body>"
        f"<pre>{'x' * 400}</pre><table><tr><td>{'y' * 400}</td></tr></table></body></html>"
    )
    lay = browser.layout(page, 800)
    assert not lay.fits and lay.clipped and lay.scroll_width > 800

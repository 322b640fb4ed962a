"""The main job end to end (quick settings, few samples): train → build → measure → compare →
report.
"""

from __future__ import annotations

import io
import json
import math

from qmoe.mainjob import DEVICE_VARIANTS, FoldProgress, duration, run_main_job
from qmoe.train.cv import FoldDone


def test_main_job_quick_on_native(tmp_path):
    lines: list[str] = []
    progress = io.StringIO()
    res = run_main_job(
        tmp_path / "runs",
        tmp_path / "data",
        quick=True,
        board="native",
        n=6,
        window_n=3,
        say=lines.append,
        progress=progress,
    )
    folds = progress.getvalue().splitlines()
    assert len(folds) == 8 * 5  # every variant, every fold
    assert folds[-1].startswith("  variant 8/8 moe-curiosity[ternary,4,8]: fold 5/5")
    assert all("left" in f for f in folds)
    assert res.board == "native"
    assert [r.parent.name for r in res.device_runs] == list(DEVICE_VARIANTS)
    for run in res.device_runs:
        s = json.loads((run / "summary.json").read_text())
        assert s["samples"] == 6 and s["mismatches"] == []
    assert (res.report_dir / "report.html").stat().st_size > 0
    text = "\n".join(res.summary)
    assert "golden-model mismatches on the device: 0" in text
    assert "Levene" in text and "Brown–Forsythe" in text and "ns" in text  # native: monotonic ns
    assert "image B" in text and "model B" in text and "whole firmware image" in text
    assert (res.report_dir / "router_comparison.json").exists()
    assert any("image B" in x and "model B" in x for x in lines)
    assert any(line.startswith("[4/4]") for line in lines)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_fold_progress_estimates_the_time_left():
    """Per-variant, per-fold lines with the time left; a variant's own pace counts for its folds."""
    now = [0.0]
    log = io.StringIO()
    p = FoldProgress(["a", "b"], 2, log, clock=lambda: now[0])
    assert math.isnan(p.seconds_left())
    now[0] = 10.0
    p(FoldDone("a", 1, 1, 2, 10.0))
    assert p.seconds_left() == 30.0  # one more fold of a at 10 s, two of b at the mean (10 s)
    now[0] = 30.0
    p(FoldDone("a", 2, 2, 2, 20.0))
    assert p.seconds_left() == 30.0  # b's two folds at the mean so far, 15 s
    now[0] = 35.0
    p(FoldDone("b", 1, 1, 2, 1.0))  # trained in 1 s, but 5 s of wall time since the last fold
    assert p.walls == [10.0, 20.0, 5.0] and p.seconds_left() == 5.0
    lines = log.getvalue().splitlines()
    assert len(lines) == 3  # not a terminal: one plain line per fold, no carriage returns
    assert "\r" not in log.getvalue()
    assert lines[0] == "  variant 1/2 a: fold 1/2 (10.0 s) · 1/4 folds, 10 s so far, ~30 s left"
    assert lines[2].startswith("  variant 2/2 b: fold 1/2 (5.0 s)")
    assert lines[2].endswith("~5 s left")
    assert duration(125) == "2 min 05 s" and duration(3725) == "1 h 02 min"


def test_fold_progress_rewrites_one_line_on_a_terminal():
    tty = _Tty()
    p = FoldProgress(["a"], 2, tty, clock=lambda: 0.0)
    p(FoldDone("a", 1, 1, 2, 1.0))
    p(FoldDone("a", 2, 2, 2, 1.0))
    text = tty.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1


def test_eval_prints_expert_shares_as_text():
    """`eval` names each expert with its share of the inputs, not a raw Python list."""
    from qmoe.api.training import EvalReport, expert_shares

    text = expert_shares(["ternary", "4", "8"], [0.12, 0.33, 0.55])
    assert text == "inputs per expert: ternary 12 %, 4-bit 33 %, 8-bit 55 %"
    assert "[" not in text and "'" not in text
    assert expert_shares(["8"], [1.0]) == "one expert: 8-bit"
    rep = EvalReport(
        "m.qmoe",
        "moe",
        "builtin",
        [1],
        30,
        {"accuracy": 0.5, "macro_f1": 0.4, "expert_share": [0.25, 0.75]},
        ["ternary", "8"],
    )
    assert rep.line().endswith("inputs per expert: ternary 25 %, 8-bit 75 %")

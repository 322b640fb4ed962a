"""The main job end to end (quick settings, few samples): train → build → measure → compare →
report.
"""

from __future__ import annotations

import json

from qmoe.mainjob import DEVICE_VARIANTS, run_main_job


def test_main_job_quick_on_native(tmp_path):
    lines: list[str] = []
    res = run_main_job(
        tmp_path / "runs",
        tmp_path / "data",
        quick=True,
        board="native",
        n=6,
        window_n=3,
        say=lines.append,
    )
    assert res.board == "native"
    assert [r.parent.name for r in res.device_runs] == list(DEVICE_VARIANTS)
    for run in res.device_runs:
        s = json.loads((run / "summary.json").read_text())
        assert s["samples"] == 6 and s["mismatches"] == []
    assert (res.report_dir / "report.html").stat().st_size > 0
    text = "\n".join(res.summary)
    assert "golden-model mismatches on the device: 0" in text
    assert "Levene" in text and "ns" in text  # native latency is a monotonic clock in ns
    assert any(line.startswith("[4/4]") for line in lines)

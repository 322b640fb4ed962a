"""Analysis commands of the API: `qmoe-host compare` and `qmoe-host report`."""

from __future__ import annotations

from pathlib import Path

from qmoe.report import Report, write_report
from qmoe.stats import compare_runs
from qmoe.stats.compare import CompareResult


def compare(
    runs: list[Path],
    *,
    alpha: float = 0.05,
    f1_margin: float = 0.02,
    baseline: str = "0",
    allow_mixed: bool = False,
    n_boot: int = 2000,
    seed: int = 0,
    out: Path | None = None,
) -> CompareResult:
    """`qmoe-host compare`: statistics between device or cross-validation run folders, against
    `baseline` (an index or a name); with `out` (.json or .md) also written there."""
    res = compare_runs(
        list(runs),
        alpha=alpha,
        f1_margin=f1_margin,
        n_boot=n_boot,
        seed=seed,
        baseline=baseline,
        allow_mixed=allow_mixed,
    )
    if out is not None:
        res.write(out)
    return res


def report(
    runs: list[Path],
    out: Path,
    *,
    title: str | None = None,
    alpha: float = 0.05,
    f1_margin: float = 0.02,
) -> Report:
    """`qmoe-host report`: markdown and self-contained HTML report with PNG plots in `out`."""
    return write_report(list(runs), out, title=title, alpha=alpha, f1_margin=f1_margin)

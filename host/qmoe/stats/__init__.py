"""Statistics for `qmoe-host compare`: is a run's latency steadier, its F1 different or equivalent?

Device runs (docs/measure.md) are compared on latency variance (Levene, Brown–Forsythe), mean
latency (Welch), accuracy (McNemar's exact test on paired samples, Fisher's otherwise) and energy;
cross-validation runs on per-fold macro-F1 (paired t, Wilcoxon signed-rank, TOST equivalence).
Every verdict carries a plain sentence. Method and reading: docs/statistics.md.
"""

from qmoe.stats.compare import CompareResult, compare_runs
from qmoe.stats.load import Run, load_run, load_runs, macro_f1
from qmoe.stats.verdicts import Verdict, bootstrap_ci, mcnemar_exact, tost_paired

__all__ = [
    "CompareResult",
    "Run",
    "Verdict",
    "bootstrap_ci",
    "compare_runs",
    "load_run",
    "load_runs",
    "macro_f1",
    "mcnemar_exact",
    "tost_paired",
]

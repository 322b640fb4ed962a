"""`compare_runs`: every run against a baseline, as tables and sentences (docs/statistics.md)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from qmoe.errors import ConfigError
from qmoe.stats.load import Run, load_runs
from qmoe.stats.verdicts import (
    Verdict,
    accuracy_verdict,
    energy_verdict,
    fmt_num,
    fold_verdicts,
    mean_verdict,
    subjects,
    variance_verdicts,
)


def clean_json(obj):
    """JSON-safe copy: numpy scalars to Python, non-finite floats to None."""
    if isinstance(obj, dict):
        return {k: clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
    if isinstance(obj, (np.integer, np.floating)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@dataclass
class CompareResult:
    """The runs compared (one summary dict each) and the verdicts, baseline against each other."""

    runs: list[dict]
    verdicts: list[Verdict]
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Everything as JSON-safe Python objects (no NaN: missing figures are None)."""
        return clean_json(
            {
                "settings": self.settings,
                "runs": self.runs,
                "verdicts": [asdict(v) for v in self.verdicts],
            }
        )

    def to_markdown(self) -> str:
        """The runs table, the verdicts table and one sentence per verdict."""
        s = self.settings
        out = [
            f"baseline: {s.get('baseline', '?')} · alpha {s.get('alpha')} · F1 equivalence "
            f"margin ±{100 * s.get('f1_margin', 0):g} points · bootstrap "
            f"{s.get('n_boot')} resamples (seed {s.get('seed')})",
            "",
            "### Runs",
            "",
        ]
        out += _table(_run_columns(self.runs), self.runs)
        out += [
            "",
            "### Verdicts",
            "",
            "| question | test | statistic | p | effect | CI | significant |",
            "|---|---|---:|---:|---|---|---|",
        ]
        for v in self.verdicts:
            eff = ", ".join(f"{k} {fmt_num(x)}" for k, x in v.effect.items())
            ci = (
                "–"
                if v.ci is None
                else (f"{100 * v.ci_level:g} % [{fmt_num(v.ci[0])}, {fmt_num(v.ci[1])}]")
            )
            out.append(
                f"| {v.question} | {v.test} | {fmt_num(v.statistic)} | {fmt_num(v.p)} "
                f"| {eff} | {ci} | {'yes' if v.significant else 'no'} |"
            )
        out += ["", "### In words", ""] + [f"- {v.sentence}" for v in self.verdicts]
        return "\n".join(out) + "\n"

    def write(self, path: Path) -> Path:
        """Write JSON (.json) or markdown (.md); ConfigError for another suffix."""
        path = Path(path)
        if path.suffix == ".json":
            path.write_text(json.dumps(self.to_dict(), indent=1))
        elif path.suffix == ".md":
            path.write_text("# qmoe compare\n\n" + self.to_markdown())
        else:
            raise ConfigError(f"--out {path}: expected a .json or .md file name")
        return path


def _run_columns(runs: list[dict]) -> list[tuple[str, str]]:
    if runs and runs[0]["kind"] == "device":
        return [
            ("name", "run"),
            ("board", "board"),
            ("unit", "counter unit"),
            ("n", "n"),
            ("accuracy_pct", "accuracy %"),
            ("accuracy_ci", "95 % CI"),
            ("macro_f1_pct", "macro-F1 %"),
            ("macro_f1_ci", "95 % CI"),
            ("latency_mean", "latency mean"),
            ("latency_std", "latency std"),
            ("energy_uj", "µJ / inference"),
            ("f1_per_mj", "F1 / mJ"),
            ("energy_label", "energy source"),
        ]
    return [
        ("name", "run"),
        ("label_set", "label set"),
        ("folds", "folds"),
        ("macro_f1_pct", "macro-F1 % (mean)"),
        ("macro_f1_std_pct", "± std"),
        ("accuracy_pct", "accuracy % (mean)"),
        ("accuracy_std_pct", "± std"),
    ]


def _table(cols: list[tuple[str, str]], rows: list[dict]) -> list[str]:
    def cell(x) -> str:
        if isinstance(x, (list, tuple)):
            return "[" + ", ".join(fmt_num(v) for v in x) + "]" if x else "–"
        return fmt_num(x)

    out = ["| " + " | ".join(h for _, h in cols) + " |", "|" + "---|" * len(cols)]
    return out + ["| " + " | ".join(cell(r.get(k)) for k, _ in cols) + " |" for r in rows]


# ------------------------------------------------------------------------ the comparison


def _check_compatible(runs: list[Run], allow_mixed: bool) -> None:
    kinds = {r.kind for r in runs}
    if len(kinds) > 1:
        dev = next(r for r in runs if r.kind == "device")
        cv = next(r for r in runs if r.kind == "cv")
        raise ConfigError(
            f"cannot compare a device run ({dev.path}) with a cross-validation run "
            f"({cv.path}): compare device runs with device runs, CV with CV"
        )
    first = runs[0]
    for r in runs[1:]:
        if first.kind == "device" and r.unit != first.unit:
            raise ConfigError(
                f"counter units differ: {first.path} counts {first.unit} ({first.board}) and "
                f"{r.path} counts {r.unit} ({r.board}); these are not comparable (emulated "
                "instructions are not cycles); compare runs measured with the same counter"
            )
        if first.kind == "device" and r.board != first.board and not allow_mixed:
            raise ConfigError(
                f"boards differ: {first.path} ran on {first.board} and {r.path} on {r.board}; "
                "pass --allow-mixed to compare them anyway"
            )
        if first.kind == "cv" and r.label_set != first.label_set:
            raise ConfigError(
                f"label sets differ: {first.path} used {first.label_set!r} and {r.path} "
                f"{r.label_set!r}; F1 on different label sets is not comparable"
            )


def _pick_baseline(runs: list[Run], baseline: int | str) -> int:
    """A run's name first (a variant may be called "4"), else its index in the order given."""
    names = [r.name for r in runs]
    if isinstance(baseline, str) and baseline in names:
        return names.index(baseline)
    if isinstance(baseline, str) and not baseline.isdigit():
        raise ConfigError(f"--baseline {baseline!r}: no such run (runs: {', '.join(names)})")
    i = int(baseline)
    if not 0 <= i < len(runs):
        raise ConfigError(
            f"--baseline {i}: expected 0..{len(runs) - 1} (the runs in order) or "
            f"a run's name ({', '.join(names)})"
        )
    return i


def compare_runs(
    paths: Sequence[Path | str],
    *,
    alpha: float = 0.05,
    f1_margin: float = 0.02,
    n_boot: int = 2000,
    seed: int = 0,
    baseline: int | str = 0,
    allow_mixed: bool = False,
) -> CompareResult:
    """Compare every run against the baseline run (a name, else an index; 0 = the first run).

    `paths` are device run folders, CV variant folders or training run folders (one run per
    variant). All runs must be of one kind, one counter unit and (unless `allow_mixed`) one board.
    """
    if not 0 < alpha < 0.5:
        raise ConfigError(f"--alpha {alpha}: expected a value between 0 and 0.5")
    if not 0 < f1_margin < 1:
        raise ConfigError(f"--f1-margin {f1_margin}: expected a fraction of F1, e.g. 0.02")
    if n_boot < 0:
        raise ConfigError(f"n_boot {n_boot}: expected >= 0 (0 = no bootstrap intervals)")
    runs = [r for p in paths for r in load_runs(Path(p))]
    if len(runs) < 2:
        raise ConfigError(f"compare needs at least 2 runs; {len(paths)} path(s) gave {len(runs)}")
    seen: dict[str, int] = {}
    for r in runs:
        seen[r.name] = seen.get(r.name, 0) + 1
    for r in runs:
        if seen[r.name] > 1:
            r.name = f"{r.name} ({r.path.name})"
    _check_compatible(runs, allow_mixed)
    base = _pick_baseline(runs, baseline)
    a = runs[base]
    verdicts: list[Verdict] = []
    for j, b in enumerate(runs):
        if j == base:
            continue
        rng = np.random.default_rng([seed, j])
        sa, sb = subjects(a, b)
        if a.kind == "device":
            verdicts += variance_verdicts(a, b, sa, sb, alpha, n_boot, rng)
            verdicts.append(mean_verdict(a, b, sa, sb, alpha, n_boot, rng))
            verdicts.append(accuracy_verdict(a, b, sa, sb, alpha, n_boot, rng))
            e = energy_verdict(a, b, sa, sb)
            verdicts += [e] if e else []
        else:
            verdicts += fold_verdicts(a, b, sa, sb, alpha, f1_margin, n_boot, rng)
    summaries = [
        r.summary(n_boot=n_boot, rng=np.random.default_rng([seed, 10_000 + i]))
        for i, r in enumerate(runs)
    ]
    settings = {
        "alpha": alpha,
        "f1_margin": f1_margin,
        "n_boot": n_boot,
        "seed": seed,
        "baseline": a.name,
        "allow_mixed": allow_mixed,
    }
    return CompareResult(summaries, verdicts, settings)

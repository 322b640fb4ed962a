"""Run `qmoe.stats.compare_runs` on the groups of runs that can be compared with each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qmoe.errors import QmoeError
from qmoe.report.load import RunView


@dataclass
class CompareSection:
    """Comparison of one group: device runs on one board and counter unit, or CV runs."""

    title: str
    runs: list[str]
    markdown: str = ""
    verdicts: list = field(default_factory=list)
    error: str = ""

    def levene_sentences(self) -> list[str]:
        """The plain sentences of the Levene latency-variance verdicts."""
        return [v.sentence for v in self.verdicts if "levene" in str(v.test).lower()]


def _key(v: RunView) -> tuple:
    if v.kind == "device":
        return ("device", str(v.board.get("name", "")), v.unit)
    return ("cv",)


def _title(v: RunView) -> str:
    if v.kind == "device":
        return f"device runs on {v.board.get('name', '?')} (latency in {v.unit_label})"
    return "host cross-validation runs (per-fold macro-F1)"


def groups(views: list[RunView]) -> list[list[RunView]]:
    """Runs that can be compared: device runs with the same board and counter unit; all CV runs."""
    out: dict[tuple, list[RunView]] = {}
    for v in views:
        out.setdefault(_key(v), []).append(v)
    return list(out.values())


def compare_groups(
    views: list[RunView], *, alpha: float = 0.05, f1_margin: float = 0.02
) -> tuple[list[CompareSection], list[str]]:
    """Compare every group of two or more runs; also return notes on runs left out and why."""
    sections, notes = [], []
    for members in groups(views):
        if len(members) < 2:
            if len(views) > 1:
                notes.append(
                    f"{members[0].name} was not compared: no other run of the same kind "
                    "(device runs need the same board and counter unit)."
                )
            continue
        sec = CompareSection(_title(members[0]), [m.name for m in members])
        paths: list[Path] = list(dict.fromkeys(m.path for m in members))
        try:
            from qmoe.stats import compare_runs
        except ImportError as exc:  # qmoe.stats is written concurrently
            sec.error = f"statistics unavailable: {exc}"
            sections.append(sec)
            continue
        try:
            res = compare_runs(paths, alpha=alpha, f1_margin=f1_margin)
        except QmoeError as exc:
            sec.error = str(exc)
        else:
            sec.markdown = res.to_markdown()
            sec.verdicts = list(res.verdicts)
        sections.append(sec)
    return sections, notes

"""The curiosity-vs-softmax router verdict: the headline of the report and of the main job.

For every pair of device runs that differ only in their router (same board, counter unit and
experts; one softmax, one curiosity), `qmoe.stats.compare_runs` is run with softmax as the
baseline, and its Levene (centre: mean) and Brown–Forsythe (centre: median) verdicts on latency
variance are kept, with a sentence saying whether the two tests agree and, when they do not, what
that means. Written as `router_comparison.json` and `router_comparison.md` (docs/report.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from qmoe.report.load import RunView
from qmoe.runio import write_json_atomic

#: The two tests kept, as `qmoe.stats` names them (prefix of Verdict.test).
TESTS = ("Levene", "Brown–Forsythe")


@dataclass
class RouterPair:
    """One softmax run and one curiosity run on the same board with the same experts."""

    board: str
    unit: str
    experts: list[str]
    softmax: RunView
    curiosity: RunView
    verdicts: list = field(default_factory=list)  # qmoe.stats Verdicts: variance, then the rest
    error: str = ""

    def variance(self) -> list:
        """The Levene and Brown–Forsythe verdicts, in that order."""
        return [v for t in TESTS for v in self.verdicts if str(v.test).startswith(t)]

    def agreement(self) -> str:
        """Whether the two variance tests agree, in words (and what a disagreement means)."""
        lev, bf = (self.variance() + [None, None])[:2]
        if lev is None or bf is None:
            return "the variance tests could not both be run: " + (self.error or "see above")
        if lev.p is None or bf.p is None:
            return "no test was run: " + (lev.sentence if lev.p is None else bf.sentence)
        if lev.significant == bf.significant:
            what = "a difference" if lev.significant else "no difference"
            return (
                f"the two tests agree: {what} in latency variance (Levene p = {lev.p:.2g}, "
                f"Brown–Forsythe p = {bf.p:.2g})."
            )
        says, denies = (lev, bf) if lev.significant else (bf, lev)
        name = lambda v: "Levene" if v is lev else "Brown–Forsythe"  # noqa: E731
        return (
            f"the two tests disagree: {name(says)} finds a difference in latency variance "
            f"(p = {says.p:.2g}) and {name(denies)} does not (p = {denies.p:.2g}). "
            + (
                "Levene measures spread around the mean, so a few outlying latencies can carry "
                "it; Brown–Forsythe, around the median, is robust to them: the difference is not "
                "a robust one."
                if lev.significant
                else "Brown–Forsythe measures spread around the median and Levene around the "
                "mean; the median-centred test seeing a difference the mean-centred one misses "
                "points to skewed latencies (a few slow experts): read the histograms below."
            )
        )

    def headline(self) -> str:
        """One line: which runs, the std of each, the agreement."""
        return (
            f"curiosity vs softmax routing on {self.board} (experts {' / '.join(self.experts)}, "
            f"latency in {self.softmax.unit_label}): {self.agreement()}"
        )

    def to_dict(self) -> dict:
        """JSON-safe: the two runs, every verdict, the agreement sentence."""
        from dataclasses import asdict

        from qmoe.stats.compare import clean_json

        return clean_json(
            {
                "board": self.board,
                "unit": self.unit,
                "experts": self.experts,
                "softmax": {"name": self.softmax.name, "path": str(self.softmax.path)},
                "curiosity": {"name": self.curiosity.name, "path": str(self.curiosity.path)},
                "variance_tests_agree": self.agree(),
                "agreement": self.agreement(),
                "variance": [asdict(v) for v in self.variance()],
                "other_verdicts": [asdict(v) for v in self.verdicts if v not in self.variance()],
                "error": self.error,
            }
        )

    def agree(self) -> bool | None:
        """True/False when both variance tests ran; None when one could not."""
        lev, bf = (self.variance() + [None, None])[:2]
        if lev is None or bf is None or lev.p is None or bf.p is None:
            return None
        return lev.significant == bf.significant


def router_pairs(views: list[RunView]) -> list[RouterPair]:
    """Device runs that differ only in their router, one pair per board/unit/experts."""
    found: dict[tuple, dict[str, RunView]] = {}
    for v in views:
        if v.kind != "device" or v.router not in ("softmax", "curiosity"):
            continue
        key = (str(v.board.get("name", "?")), v.unit or "", tuple(v.expert_names))
        found.setdefault(key, {}).setdefault(v.router, v)
    return [
        RouterPair(board, unit, list(experts), runs["softmax"], runs["curiosity"])
        for (board, unit, experts), runs in found.items()
        if {"softmax", "curiosity"} <= set(runs)
    ]


def compare_routers(views: list[RunView], *, alpha: float = 0.05) -> list[RouterPair]:
    """Every router pair, with the verdicts of `qmoe.stats.compare_runs` (softmax = baseline)."""
    from qmoe.errors import QmoeError
    from qmoe.stats import compare_runs

    pairs = router_pairs(views)
    for pair in pairs:
        try:
            res = compare_runs([pair.softmax.path, pair.curiosity.path], alpha=alpha)
        except QmoeError as exc:
            pair.error = str(exc)
            continue
        pair.verdicts = list(res.verdicts)
    return pairs


def to_markdown(pairs: list[RouterPair], level: int = 1) -> str:
    """The comparison as Markdown: per pair the agreement, each test's sentence, a small table."""
    h = "#" * level
    out = [f"{h} Curiosity vs softmax routing", ""]
    if not pairs:
        return "\n".join(
            out
            + [
                "No pair of device runs that differ only in their router (one softmax, one "
                "curiosity, same board, counter and experts): nothing to compare.",
                "",
            ]
        )
    for p in pairs:
        out += [
            f"{h}# {p.board}, experts {' / '.join(p.experts)} (latency in {p.softmax.unit_label})",
            "",
            f"Runs: `{p.softmax.path}` (softmax, the baseline) and `{p.curiosity.path}` "
            "(curiosity).",
            "",
            f"**Verdict:** {p.agreement()}",
            "",
        ]
        if p.error:
            out += [f"> **Not compared:** {p.error}", ""]
            continue
        out += [f"- {v.sentence}" for v in p.variance()]
        out += [
            "",
            "| test | statistic | p | significant |",
            "|---|---|---|---|",
        ]
        for v in p.variance():
            stat = "–" if v.statistic is None else f"{v.statistic:.4g}"
            pv = "–" if v.p is None else f"{v.p:.3g}"
            out.append(f"| {v.test} | {stat} | {pv} | {'yes' if v.significant else 'no'} |")
        rest = [v for v in p.verdicts if v not in p.variance()]
        if rest:
            out += ["", "Also (same runs):", ""] + [f"- {v.sentence}" for v in rest]
        out.append("")
    return "\n".join(out)


def write_router_comparison(pairs: list[RouterPair], folder: Path) -> list[Path]:
    """`router_comparison.json` and `router_comparison.md` in `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    js = folder / "router_comparison.json"
    write_json_atomic(js, {"pairs": [p.to_dict() for p in pairs]})
    md = folder / "router_comparison.md"
    md.write_text(to_markdown(pairs) + "\n", encoding="utf-8")
    return [js, md]


def read_router_comparison(folder: Path) -> dict:
    """The JSON written by `write_router_comparison` (for tests and tools)."""
    return json.loads((Path(folder) / "router_comparison.json").read_text(encoding="utf-8"))

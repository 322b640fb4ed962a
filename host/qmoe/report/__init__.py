"""`qmoe-host report`: Markdown and a self-contained HTML page with PNG plots for run folders.

Reads device run folders (docs/measure.md) and `qmoe-host train` run folders, draws the plots
(`plots/*.png`), runs `qmoe.stats.compare_runs` on comparable runs, and writes `report.md` and
`report.html` (every plot embedded as a data: URI). `summary_lines` is the one-screen summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qmoe.report import plots as P
from qmoe.report.compare import CompareSection, compare_groups
from qmoe.report.load import RunView, load_runs
from qmoe.report.markdown import to_html_page
from qmoe.report.render import Plot, build_markdown, title_for
from qmoe.report.routers import RouterPair, compare_routers, write_router_comparison
from qmoe.report.summary import summary_from
from qmoe.runio import safe_name

__all__ = [
    "Report",
    "RouterPair",
    "RunView",
    "load_runs",
    "make_plots",
    "summary_lines",
    "write_report",
]


@dataclass
class Report:
    """What `write_report` wrote, and the one-screen summary it printed into report.md."""

    markdown: Path
    html: Path
    plots: list[Path]
    summary: list[str]
    runs: list[RunView]
    comparisons: list[CompareSection]
    routers: list[RouterPair]  # curiosity vs softmax pairs (also in router_comparison.json/.md)
    router_files: list[Path]


def make_plots(views: list[RunView], plots_dir: Path) -> dict[str, Plot]:
    """Draw every plot the runs allow into `plots_dir`; keys name the plot, values the file."""
    captions = {
        "latency_router": (
            "latency per inference, one panel per device run (its router in the title)",
            P.latency_by_router,
        ),
        "latency_expert": (
            "latency per inference coloured by the expert that ran",
            P.latency_by_expert,
        ),
        "uncertainty_hist": (
            "uncertainty of the curiosity router over all inputs",
            P.uncertainty_hist,
        ),
        "uncertainty_per_class": ("mean uncertainty per true class", P.uncertainty_per_class),
        "f1_vs_size": ("macro-F1 against model size", P.f1_vs_size),
        "energy": ("energy per inference, coloured by energy source", P.energy_bars),
    }
    out: dict[str, Plot] = {}
    for key, (caption, build) in captions.items():
        fig = build(views)
        if fig is not None:
            P.save_png(fig, Path(plots_dir) / f"{key}.png")
            out[key] = Plot(f"{key}.png", caption)
    for i, v in enumerate(views, start=1):
        name = f"confusion_{i:02d}_{safe_name(v.name)}.png"
        P.save_png(P.confusion(v), Path(plots_dir) / name)
        out[f"confusion_{i:02d}"] = Plot(name, f"confusion matrix: {v.name}")
    return out


def summary_lines(paths: list[Path]) -> list[str]:
    """The one-screen summary of run folders: per run F1, flash bytes, latency mean/std with its
    unit, modelled energy; the Levene verdicts; golden-model mismatch warnings."""
    views = load_runs([Path(p) for p in paths])
    sections, _ = compare_groups(views)
    return summary_from(views, sections, compare_routers(views))


def write_report(
    paths: list[Path],
    out: Path,
    *,
    title: str | None = None,
    alpha: float = 0.05,
    f1_margin: float = 0.02,
) -> Report:
    """Write `out/report.md`, `out/report.html`, `out/plots/*.png` and the router verdict
    `out/router_comparison.json` / `.md` for the run folders given."""
    views = load_runs([Path(p) for p in paths])
    out = Path(out)
    plots_dir = out / "plots"
    plots_dir.mkdir(parents=True, exist_ok=True)
    for old in plots_dir.glob("*.png"):  # a report rewritten in place keeps no stale plots
        old.unlink()
    sections, notes = compare_groups(views, alpha=alpha, f1_margin=f1_margin)
    pairs = compare_routers(views, alpha=alpha)
    router_files = write_router_comparison(pairs, out)
    summary = summary_from(views, sections, pairs)
    plots = make_plots(views, plots_dir)
    title = title or title_for(views)
    md = build_markdown(views, plots, sections, notes, summary, title, pairs)
    md_path = out / "report.md"
    md_path.write_text(md, encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(to_html_page(md, title, out), encoding="utf-8")
    return Report(
        md_path,
        html_path,
        [plots_dir / p.file for p in plots.values()],
        summary,
        views,
        sections,
        pairs,
        router_files,
    )

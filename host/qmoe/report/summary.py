"""What the report and the one-screen summary share: formatting, latency statistics, energy."""

from __future__ import annotations

from qmoe import energy
from qmoe.measure_summary import latency_stats
from qmoe.report.compare import CompareSection
from qmoe.report.load import RunView
from qmoe.train.metrics import pct_text


def num(x: float) -> str:
    """A counter or byte figure: thousands separators for large values, 3 digits for small ones."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def f1_per_mj(run: RunView) -> float | None:
    """Macro-F1 per millijoule of energy per inference, when the run has an energy figure."""
    if not run.energy_uj or run.energy_uj <= 0:
        return None
    return energy.f1_per_mj(run.macro_f1, run.energy_uj)


def size_text(run: RunView) -> str:
    """Model size with what it counts: flash bytes of the lowered model, or host weight bytes."""
    if not run.size_bytes:
        return "size unknown"
    if run.size_kind == "flash":
        return f"flash {run.size_bytes:,} B"
    return f"weights {run.size_bytes:,} B (float, not deployable)"


def f1_text(run: RunView, label: bool = True) -> str:
    """Macro-F1 in %, with the std over folds for cross-validation runs of 2 folds or more."""
    text = pct_text(run.macro_f1, run.macro_f1_std, run.folds)
    return f"macro-F1 {text} %" if label else text


def mismatch_warning(run: RunView) -> str | None:
    """The warning for a device run whose answers differ from the golden model's."""
    if not run.mismatches:
        return None
    shown = ", ".join(run.mismatches[:5]) + (" …" if len(run.mismatches) > 5 else "")
    return (
        f"{run.name}: {len(run.mismatches)} of {run.golden_checked} inferences differ from "
        f"the golden model (must be 0; first: {shown})"
    )


def run_line(run: RunView) -> str:
    """One summary line for a run: F1, size, latency mean/std with its unit, modelled energy."""
    parts = [f1_text(run), size_text(run)]
    if run.latency is not None and run.latency.size:
        s = latency_stats(run.latency)
        parts.append(
            f"latency {num(s['mean'])} ± {num(s['std'])} {run.unit_label} "
            f"(router {run.router or 'none'})"
        )
    elif run.kind == "cv":
        parts.append(f"router {run.router or 'none'}, host cross-validation (no device latency)")
    if run.energy_uj is not None:
        parts.append(f"{run.energy_uj:.3g} µJ/inference ({run.energy_label or run.energy_source})")
    elif run.kind == "device":
        parts.append("no energy figure")
    return f"{run.name}: " + ", ".join(parts)


def summary_from(views: list[RunView], sections: list[CompareSection], pairs=()) -> list[str]:
    """The one-screen summary: the router verdicts (RouterPair), a line per run, the Levene
    verdicts, compare problems, warnings."""
    n_dev = sum(v.kind == "device" for v in views)
    lines = [
        f"qmoe report: {len(views)} run(s) ({n_dev} device, {len(views) - n_dev} host "
        "cross-validation)"
    ]
    lines += [f"routers: {p.headline()}" for p in pairs]
    lines += [run_line(v) for v in views]
    for sec in sections:
        lines += [f"{sec.title}: {s}" for s in sec.levene_sentences()]
        if sec.error:
            lines.append(f"{sec.title}: not compared: {sec.error}")
    lines += [f"WARNING: {w}" for w in map(mismatch_warning, views) if w]
    return lines

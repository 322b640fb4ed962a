"""The report's figures (matplotlib, Agg backend only). Each builder returns a Figure or None."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from qmoe.report.load import RunView  # noqa: E402
from qmoe.report.summary import latency_stats, num  # noqa: E402

# Paul Tol's "bright" scheme: distinguishable for colour-blind readers and in greyscale print.
COLOURS = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"]
UNCERTAINTY_AXIS = "epistemic uncertainty (summed variance of the router's probabilities)"


def colour(i: int) -> str:
    """The i-th colour of the palette (cycling)."""
    return COLOURS[i % len(COLOURS)]


def _panels(n: int, width: float = 6.5, height: float = 2.7) -> tuple[Figure, list]:
    """n panels: one column up to 2, else two columns (a page-wide figure, not a tower)."""
    cols = 1 if n <= 2 else 2
    rows = -(-n // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(width * (1 if cols == 1 else 1.6), height * rows + 0.3),
        squeeze=False,
        layout="constrained",
    )
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]


def _bins(values: np.ndarray, n: int = 30) -> np.ndarray:
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi <= lo:  # a deterministic counter gives one value: one narrow bin around it
        pad = max(abs(lo) * 0.01, 0.5)
        return np.array([lo - pad, hi + pad])
    return np.linspace(lo, hi, n + 1)


def _device_runs(runs: list[RunView]) -> tuple[list[RunView], dict[str, np.ndarray]]:
    """Runs with latency, and common histogram bins per counter unit (panels stay comparable)."""
    devs = [r for r in runs if r.latency is not None and r.latency.size]
    units = {r.unit for r in devs}
    bins = {u: _bins(np.concatenate([r.latency for r in devs if r.unit == u]), 40) for u in units}
    return devs, bins


def latency_by_router(runs: list[RunView]) -> Figure | None:
    """One panel per device run: the histogram of per-inference latency (router + expert)."""
    devs, bins = _device_runs(runs)
    if not devs:
        return None
    fig, axes = _panels(len(devs))
    for i, (ax, r) in enumerate(zip(axes, devs)):
        s = latency_stats(r.latency)
        ax.hist(r.latency, bins=bins[r.unit], color=colour(i))
        ax.set_title(
            f"{r.name}\nrouter: {r.router or 'none'} · mean {num(s['mean'])}, "
            f"std {num(s['std'])} {r.unit_label}",
            fontsize=9,
        )
        ax.set_xlabel(f"latency per inference ({r.unit_label})")
        ax.set_ylabel("inferences")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def latency_by_expert(runs: list[RunView]) -> Figure | None:
    """One panel per device run of several experts: latency histograms coloured by the expert
    that ran (a single-expert run's panel would repeat latency_by_router's)."""
    devs, bins = _device_runs(runs)
    devs = [r for r in devs if len(r.expert_names) > 1]
    if not devs:
        return None
    fig, axes = _panels(len(devs))
    for ax, r in zip(axes, devs):
        for e, name in enumerate(r.expert_names):
            sel = r.latency[r.expert == e]
            if sel.size:
                ax.hist(
                    sel,
                    bins=bins[r.unit],
                    color=colour(e),
                    alpha=0.8,
                    label=f"{name}: {sel.size} ({100 * sel.size / r.latency.size:.0f} %), "
                    f"mean {num(sel.mean())}",
                )
        ax.set_title(f"{r.name} (router: {r.router or 'none'})", fontsize=9)
        ax.set_xlabel(f"latency per inference ({r.unit_label})")
        ax.set_ylabel("inferences")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(title="expert: inputs, mean", fontsize=7, title_fontsize=7, loc="best")
    return fig


def uncertainty_axis(values: np.ndarray, thresholds: list[float]) -> tuple[np.ndarray, bool]:
    """Histogram bins over the values and thresholds, and whether the axis is logarithmic: it is
    when the positive values span more than a decade, so that thresholds near the bulk of the
    values are not squashed against 0 by a long tail."""
    pos = np.concatenate([values[values > 0], np.asarray(thresholds, np.float64)])
    pos = pos[pos > 0]
    if pos.size >= 2 and pos.max() / pos.min() > 10:
        lo, hi = np.log10(pos.min()), np.log10(pos.max())
        pad = 0.03 * (hi - lo)
        return np.logspace(lo - pad, hi + pad, 31), True
    both = np.concatenate([values, np.asarray(thresholds, np.float64)])
    return _bins(both, 20), False


def uncertainty_hist(runs: list[RunView]) -> Figure | None:
    """One panel per curiosity-routed run: the uncertainty histogram with the policy thresholds
    (a log axis when the values span more than a decade)."""
    cur = [r for r in runs if r.uncertainty is not None and r.uncertainty.size]
    if not cur:
        return None
    fig, axes = _panels(len(cur))
    for i, (ax, r) in enumerate(zip(axes, cur)):
        bins, log = uncertainty_axis(r.uncertainty, r.thresholds)
        shown = r.uncertainty[r.uncertainty > 0] if log else r.uncertainty
        ax.hist(shown, bins=bins, color=colour(i))
        for k, t in enumerate(r.thresholds):
            ax.axvline(
                t,
                color="#cc3311",
                ls="--",
                lw=1.5,
                label=(
                    "policy thresholds"
                    + (" (model of the first fold)" if r.kind == "cv" else " (the model measured)")
                )
                if k == 0
                else None,
            )
        if r.thresholds:
            ax.legend(fontsize=7)
        zeros = int(np.sum(r.uncertainty <= 0)) if log else 0
        ax.set_title(
            f"{r.name} ({r.uncertainty.size} inputs"
            + (f"; {zeros} at 0 not shown on the log axis" if zeros else "")
            + ")",
            fontsize=9,
        )
        if log:
            ax.set_xscale("log")
        ax.set_xlabel(UNCERTAINTY_AXIS + (" (log scale)" if log else ""), fontsize=8)
        ax.set_ylabel("inputs")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def uncertainty_per_class(runs: list[RunView]) -> Figure | None:
    """Mean uncertainty per true class, one bar colour per curiosity-routed run; one panel per
    set of class names (runs on different label sets are not drawn on one axis)."""
    cur = [r for r in runs if r.uncertainty_per_class is not None]
    if not cur:
        return None
    groups: dict[tuple[str, ...], list[RunView]] = {}
    for r in cur:
        groups.setdefault(tuple(r.class_names), []).append(r)
    heights = [
        1.0 + 0.22 * len(names) * len(g) ** 0.5 + 0.2 * len(g) for names, g in groups.items()
    ]
    fig, axes = plt.subplots(
        len(groups),
        1,
        figsize=(6.5, sum(heights) + 0.3),
        squeeze=False,
        height_ratios=heights,
        layout="constrained",
    )
    for ax, (names, group) in zip(axes[:, 0], groups.items()):
        k = len(group)
        height = 0.8 / k
        y = np.arange(len(names))
        for i, r in enumerate(group):
            ax.barh(
                y + (i - (k - 1) / 2) * height,
                np.nan_to_num(r.uncertainty_per_class),
                height=height,
                color=colour(i),
                label=r.name,
            )
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(f"mean {UNCERTAINTY_AXIS}", fontsize=8)
        ax.legend(
            fontsize=7,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            frameon=False,
            title=f"mean uncertainty per true class ({len(names)} classes)",
            title_fontsize=9,
        )
    return fig


def confusion(run: RunView) -> Figure:
    """The confusion matrix (rows: true class, columns: predicted) with counts in the cells."""
    cm = np.asarray(run.confusion)
    n = len(run.class_names)
    size = min(9.0, 2.5 + 0.42 * n)
    fig, ax = plt.subplots(figsize=(size + 0.8, size))
    im = ax.imshow(cm, cmap="Blues")
    ticks = np.arange(n)
    fs = 8 if n <= 12 else 6 if n <= 25 else 4
    ax.set_xticks(ticks, run.class_names, rotation=60, ha="right", fontsize=fs)
    ax.set_yticks(ticks, run.class_names, fontsize=fs)
    if n <= 25:
        top = cm.max() if cm.size else 0
        for (t, p), v in np.ndenumerate(cm):
            if v:
                ax.text(
                    p,
                    t,
                    str(v),
                    ha="center",
                    va="center",
                    fontsize=fs,
                    color="white" if v > top / 2 else "black",
                )
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(
        f"{run.name}: {run.samples} samples, accuracy {100 * run.accuracy:.1f} %", fontsize=9
    )
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="samples")
    fig.tight_layout()
    return fig


def energy_bars(runs: list[RunView]) -> Figure | None:
    """Energy per inference (µJ) of every run that has a figure, labelled with its source."""
    runs = [r for r in runs if r.energy_uj is not None]
    if not runs:
        return None
    labels = sorted({r.energy_label or r.energy_source for r in runs})
    fig, ax = plt.subplots(
        figsize=(6.5, 1.8 + 0.35 * len(runs) + 0.2 * len(labels)), layout="constrained"
    )
    y = np.arange(len(runs))
    ax.barh(
        y,
        [r.energy_uj for r in runs],
        color=[colour(labels.index(r.energy_label or r.energy_source)) for r in runs],
    )
    for i, r in enumerate(runs):
        ax.text(r.energy_uj, i, f" {r.energy_uj:.3g}", va="center", fontsize=8)
    ax.set_yticks(y, [r.name for r in runs], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("energy per inference (µJ; window energy / N)")
    ax.set_title("energy per inference", fontsize=9)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour(i)) for i in range(len(labels))]
    fig.legend(
        handles,
        labels,
        fontsize=7,
        loc="outside lower center",
        title="energy source",
        title_fontsize=7,
    )
    ax.margins(x=0.2)
    return fig


ROUTER_COLOURS = {"none": COLOURS[0], "softmax": COLOURS[1], "curiosity": COLOURS[2]}
KIND_MARKERS = {
    ("device", "flash"): ("s", "device run: F1 on the measured samples"),
    ("cv", "flash"): ("o", "host cross-validation: mean ± std over folds"),
    ("cv", "weights"): ("D", "host only, float weights: weight bytes (no device)"),
}


def _label_offsets(points: list[tuple[float, float]]) -> list[float]:
    """Vertical offsets (points) that keep labels of nearby markers from overprinting."""
    placed: list[tuple[float, float]] = []
    offsets = []
    for x, y in points:
        near = sum(abs(np.log10(x) - px) < 0.12 and abs(y - py) < 2.5 for px, py in placed)
        offsets.append(4.0 - 10.0 * near)
        placed.append((np.log10(x), y))
    return offsets


def f1_vs_size(runs: list[RunView]) -> Figure | None:
    """Macro-F1 against model size: flash bytes of the lowered model (else weight bytes)."""
    runs = [r for r in runs if r.size_bytes]
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(7.0, 5.0), layout="constrained")
    points = [(float(r.size_bytes), 100 * r.macro_f1) for r in runs]
    for r, (x, y), dy in zip(runs, points, _label_offsets(points)):
        marker, _ = KIND_MARKERS.get((r.kind, r.size_kind), ("o", r.kind))
        c = ROUTER_COLOURS.get(r.router or "none", COLOURS[3])
        ax.errorbar(
            x,
            y,
            yerr=None if r.macro_f1_std is None else 100 * r.macro_f1_std,
            fmt=marker,
            color=c,
            capsize=3,
            ms=6,
            alpha=0.9,
            mfc="none" if r.size_kind == "weights" else c,
        )
        ax.annotate(r.name, (x, y), fontsize=7, xytext=(6, dy), textcoords="offset points")
    kinds = {(r.kind, r.size_kind) for r in runs}
    routers = list(dict.fromkeys(r.router or "none" for r in runs))
    handles = [
        plt.Line2D(
            [],
            [],
            ls="",
            marker=m,
            color="#555555",
            mfc="none" if k[1] == "weights" else "#555555",
            label=lab,
        )
        for k, (m, lab) in KIND_MARKERS.items()
        if k in kinds
    ]
    handles += [
        plt.Rectangle((0, 0), 1, 1, color=ROUTER_COLOURS.get(x, COLOURS[3]), label=f"router: {x}")
        for x in routers
    ]
    ax.set_xscale("log")
    ax.set_xlabel("model size (flash bytes, log scale)")
    ax.set_ylabel("macro-F1 (%)")
    ax.set_title("accuracy against model size", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.margins(x=0.25, y=0.1)
    fig.legend(handles=handles, fontsize=7, loc="outside lower center", ncols=2)
    return fig


def save_png(fig: Figure, path: Path, dpi: int = 110) -> Path:
    """Write the figure as PNG (no metadata, so no URL is embedded) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png", metadata={"Software": None})
    plt.close(fig)
    return path

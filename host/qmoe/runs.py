"""Training run folders: everything a training run produced, as JSON, CSV, model files and plots
(the layout and schema: qmoe.runfolder, docs/runs.md)."""

from __future__ import annotations

import csv
import platform
import sys
import time
from pathlib import Path

import numpy as np

from qmoe import __version__
from qmoe.data import FeatureDataset
from qmoe.modelfile import save_model
from qmoe.runfolder import (
    CURIOSITY_DIR,
    MODEL_FILE,
    MODELS_DIR,
    PREDICTIONS_CSV,
    SKIPPED,
    write_results,
    write_run_json,
    write_train_summary,
)
from qmoe.runio import safe_name, write_json_atomic
from qmoe.train.cv import CVResult
from qmoe.train.metrics import pct_text


def write_json(path: Path, obj) -> None:
    """Write `obj` as JSON atomically (qmoe.runio.write_json_atomic): never a torn file."""
    write_json_atomic(path, obj)


def start_run(out: Path, fd: FeatureDataset, extra: dict) -> Path:
    """Create the run folder and write run.json (docs/runs.md) and skipped.txt (every skipped
    input, with its reason).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_run_json(
        out,
        {
            "qmoe_version": __version__,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": sys.argv,
            "python": platform.python_version(),
            "source": fd.source,
            "label_set": fd.label_set,
            "class_names": fd.class_names,
            "rows": int(len(fd.y)),
            "folds": sorted(set(fd.folds.tolist())),
            "skipped": len(fd.skipped),
            **extra,
        },
    )
    if fd.skipped:
        (out / SKIPPED).write_text("".join(f"{f}\t{why}\n" for f, why in fd.skipped))
    return out


def write_variant(out: Path, result: CVResult, fd: FeatureDataset, keep_fold: int) -> Path:
    """Write one variant's per-fold results, predictions, curiosity outputs and model files."""
    vdir = Path(out) / safe_name(result.config.name)
    vdir.mkdir(parents=True, exist_ok=True)
    write_results(
        vdir,
        {
            "variant": result.config.name,
            "label_set": result.label_set,
            "class_names": result.class_names,
            "train_config": result.config.to_dict(),
            "summary": result.summary(),
            "folds": [{"fold": f.fold, **f.metrics} for f in result.folds],
        },
    )
    with open(vdir / PREDICTIONS_CSV, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "fold", "label", "pred", "expert", "uncertainty"])
        for f in result.folds:
            for r, p, e, u in zip(f.rows, f.pred, f.expert, f.uncertainty):
                w.writerow([fd.names[r], f.fold, int(fd.y[r]), int(p), int(e), f"{u:.9g}"])
    for f in result.folds:
        save_model(f.model, vdir / MODELS_DIR / f"fold{f.fold}.qmoe")
        if f.model.router is not None:
            write_curiosity(vdir / CURIOSITY_DIR, f, result.class_names, fd)
    kept = [f for f in result.folds if f.fold == keep_fold] or result.folds[:1]
    if kept:
        save_model(kept[0].model, vdir / MODEL_FILE)
    return vdir


def write_curiosity(cdir: Path, f, class_names: list[str], fd: FeatureDataset) -> None:
    """Raw uncertainty values, histogram, mean per class and share per expert for one fold."""
    cdir.mkdir(parents=True, exist_ok=True)
    u = f.uncertainty
    np.savetxt(
        cdir / f"fold{f.fold}_uncertainty.csv", u, fmt="%.9g", header="uncertainty", comments=""
    )
    counts, edges = np.histogram(u, bins=20)
    write_json(
        cdir / f"fold{f.fold}.json",
        {
            "fold": f.fold,
            "histogram": {"counts": counts.tolist(), "edges": edges.tolist()},
            "mean_per_class": dict(zip(class_names, f.metrics["uncertainty_per_class"])),
            "expert_share": f.metrics["expert_share"],
            "thresholds": f.model.policy.thresholds if f.model.policy else [],
        },
    )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist(u, bins=20, color="#4477aa")
    for t in f.model.policy.thresholds if f.model.policy else []:
        ax.axvline(t, color="#cc3311", ls="--", lw=1)
    ax.set_xlabel("epistemic uncertainty (summed variance)")
    ax.set_ylabel("test clips")
    ax.set_title(f"fold {f.fold}: uncertainty and policy thresholds")
    fig.tight_layout()
    fig.savefig(cdir / f"fold{f.fold}_uncertainty.png", dpi=100)
    plt.close(fig)


def summary_rows(results: list[CVResult]) -> list[dict]:
    """One row per variant: F1/accuracy mean ± std over folds, size, time, expert shares."""
    rows = []
    for r in results:
        s = r.summary()
        experts = s.get("experts", [])
        rows.append(
            {
                "variant": r.config.name,
                "label_set": r.label_set,
                "folds": len(r.folds),
                "accuracy_mean": s["accuracy"]["mean"],
                "accuracy_std": s["accuracy"]["std"],
                "macro_f1_mean": s["macro_f1"]["mean"],
                "macro_f1_std": s["macro_f1"]["std"],
                "weighted_f1_mean": s["weighted_f1"]["mean"],
                "weighted_f1_std": s["weighted_f1"]["std"],
                "weight_bytes": sum(e["weight_bytes"] for e in experts),
                "bits_per_weight": "/".join(f"{e['bits_per_weight']:g}" for e in experts),
                "expert_share": "/".join(f"{x:.2f}" for x in s.get("expert_share", [])),
                "train_seconds_per_fold": s["train_seconds"]["mean"],
            }
        )
    return rows


def write_summary(out: Path, rows: list[dict]) -> None:
    """summary.json and summary.csv of the run folder (qmoe.runfolder.write_train_summary)."""
    write_train_summary(out, rows)


def format_table(rows: list[dict]) -> str:
    """The table printed at the end of a run."""
    head = ["variant", "macro-F1 %", "accuracy %", "weights B", "bits/w", "expert share", "s/fold"]
    body = [
        [
            r["variant"],
            pct_text(r["macro_f1_mean"], r["macro_f1_std"], r["folds"]),
            pct_text(r["accuracy_mean"], r["accuracy_std"], r["folds"]),
            str(r["weight_bytes"]),
            r["bits_per_weight"],
            r["expert_share"] or "-",
            f"{r['train_seconds_per_fold']:.1f}",
        ]
        for r in rows
    ]
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(b) for b in body])

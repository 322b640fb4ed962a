"""Read the run folders `compare` accepts into `Run`s.

- a device run folder (docs/measure.md): run.json with "kind": "device", inferences.jsonl and,
  when the run finished, summary.json;
- a cross-validation variant folder of `qmoe-host train`: results.json (per-fold metrics);
- a training run folder: run.json and one variant folder per variant (one Run each).

qmoe.runfolder reads and checks the files (docs/runs.md); this module keeps what compare needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qmoe import runfolder
from qmoe.errors import DataError
from qmoe.runfolder import CvRun, DeviceRun


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Macro-F1 over classes 0..n_classes-1 (as sklearn with labels=range(n), zero_division=0).

    Works row-wise on 2-D inputs (one row per bootstrap resample) and returns one value per row;
    a 1-D input gives a 1-element array.
    """
    y, p = np.atleast_2d(np.asarray(y_true, np.int64)), np.atleast_2d(np.asarray(y_pred, np.int64))
    rows = y.shape[0]
    offset = (np.arange(rows) * n_classes)[:, None]
    size = rows * n_classes
    hit = y == p
    tp = np.bincount((offset + y)[hit], minlength=size).reshape(rows, n_classes)
    true = np.bincount((offset + y).ravel(), minlength=size).reshape(rows, n_classes)
    pred = np.bincount((offset + p).ravel(), minlength=size).reshape(rows, n_classes)
    denom = true + pred  # 2 tp + fp + fn
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    return f1.mean(axis=1)


@dataclass
class Run:
    """One run to compare: a device run (latency, predictions) or a CV variant (per-fold F1)."""

    name: str
    kind: str  # "device" | "cv"
    path: Path
    label_set: str
    class_names: list[str]
    router: str = ""
    experts: tuple[str, ...] = ()
    board: str = ""
    unit: str = ""
    latency: np.ndarray = field(default_factory=lambda: np.zeros(0))
    samples: list[str] = field(default_factory=list)
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    preds: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    energy: dict | None = None
    fold_f1: dict[int, float] = field(default_factory=dict)
    fold_accuracy: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def display(self) -> str:
        """The name in sentences: a bare bit width reads as `4-bit`."""
        return f"{self.name}-bit" if self.name.isdigit() else self.name

    @property
    def correct(self) -> np.ndarray:
        """Per-inference correctness (device runs)."""
        return self.labels == self.preds

    def paired_with(self, other: Run) -> tuple[np.ndarray, np.ndarray] | None:
        """Correctness of both runs on the samples both measured, in this run's order.

        None when the runs share no sample or a run measured a sample twice. DataError when a
        shared sample has different labels (the runs used different data).
        """
        if len(set(self.samples)) != len(self.samples) or len(set(other.samples)) != len(
            other.samples
        ):
            return None
        where = {s: i for i, s in enumerate(other.samples)}
        ia = [i for i, s in enumerate(self.samples) if s in where]
        if not ia:
            return None
        ib = [where[self.samples[i]] for i in ia]
        bad = [self.samples[i] for i, j in zip(ia, ib) if self.labels[i] != other.labels[j]]
        if bad:
            raise DataError(
                f"{self.path} and {other.path} give sample {bad[0]!r} different labels "
                f"({len(bad)} such samples): they did not measure the same data"
            )
        return self.correct[ia], other.correct[ib]

    def summary(self, *, n_boot: int, rng: np.random.Generator) -> dict:
        """The run's row of the runs table (bootstrap CIs of accuracy and macro-F1 on devices)."""
        from qmoe.stats.verdicts import bootstrap_ci

        out = {
            "name": self.name,
            "kind": self.kind,
            "path": str(self.path),
            "label_set": self.label_set,
            "router": self.router,
            "experts": list(self.experts),
        }
        if self.kind == "cv":
            folds = sorted(self.fold_f1)
            f1 = np.array([self.fold_f1[k] for k in folds])
            acc = np.array([self.fold_accuracy.get(k, np.nan) for k in folds])
            sd = lambda a: float(np.std(a, ddof=1)) if a.size > 1 else 0.0
            return {
                **out,
                "folds": folds,
                "macro_f1_pct": 100 * float(f1.mean()),
                "macro_f1_std_pct": 100 * sd(f1),
                "accuracy_pct": 100 * float(acc.mean()),
                "accuracy_std_pct": 100 * sd(acc),
                "macro_f1_per_fold_pct": {str(k): 100 * self.fold_f1[k] for k in folds},
                "notes": self.notes,
            }
        k = len(self.class_names) or int(max(self.labels.max(), self.preds.max())) + 1
        y, p = self.labels.astype(np.float64), self.preds.astype(np.float64)
        acc_ci = bootstrap_ci(
            lambda u, v: 100 * (u == v).mean(1), [y, p], n_boot=n_boot, rng=rng, paired=True
        )
        f1_ci = bootstrap_ci(
            lambda u, v: 100 * macro_f1(u.astype(np.int64), v.astype(np.int64), k),
            [y, p],
            n_boot=n_boot,
            rng=rng,
            paired=True,
        )
        f1 = float(macro_f1(self.labels, self.preds, k)[0])
        lat = self.latency
        out.update(
            {
                "board": self.board,
                "unit": self.unit,
                "n": int(lat.size),
                "accuracy_pct": 100 * float(self.correct.mean()),
                "accuracy_ci": acc_ci,
                "macro_f1_pct": 100 * f1,
                "macro_f1_ci": f1_ci,
                "latency_mean": float(lat.mean()),
                "latency_std": float(lat.std(ddof=1)) if lat.size > 1 else 0.0,
                "latency_p50": float(np.percentile(lat, 50)),
                "latency_p99": float(np.percentile(lat, 99)),
                "latency_min": float(lat.min()),
                "latency_max": float(lat.max()),
            }
        )
        e = self.energy or {}
        uj = e.get("uj_per_inference")
        out.update(
            {"energy_uj": uj, "energy_label": e.get("label"), "energy_source": e.get("source")}
        )
        if isinstance(uj, (int, float)) and uj > 0:
            from qmoe.energy import f1_per_mj

            out["f1_per_mj"] = f1_per_mj(f1, uj)
        out["notes"] = self.notes
        return out


def _device(d: DeviceRun) -> Run:
    return Run(
        name=d.model.name or d.path.name,
        kind="device",
        path=d.path,
        label_set=d.model.label_set,
        class_names=d.class_names,
        router=d.model.router,
        experts=d.model.experts,
        board=d.board.name,
        unit=d.unit,
        latency=d.column("counters.total", np.float64),
        samples=[r.sample for r in d.inferences],
        labels=d.column("label"),
        preds=d.column("pred"),
        energy=d.energy,
        notes=list(d.notes),
    )


def _cv(c: CvRun) -> Run:
    return Run(
        name=c.variant,
        kind="cv",
        path=c.path,
        label_set=c.label_set,
        class_names=list(c.class_names),
        router=str(c.train_config.get("router", "")),
        experts=c.experts,
        fold_f1={f.fold: f.macro_f1 for f in c.folds},
        fold_accuracy={f.fold: f.accuracy for f in c.folds},
    )


def load_runs(path: Path | str) -> list[Run]:
    """Every run in `path`: one for a device run or CV variant folder, one per variant of a
    training run folder (in the order of its run.json "variants")."""
    folder = given = Path(path)
    if folder.is_file():
        folder = folder.parent
    if not folder.is_dir():
        raise DataError(f"{folder}: no such run folder")
    try:
        runs = runfolder.load_folder(folder)
    except runfolder.NotARunFolder as exc:
        if given == folder:
            raise
        raise DataError(f"{given}: not a run folder (nor is {folder}, which holds it)") from exc
    return [_device(r) if isinstance(r, DeviceRun) else _cv(r) for r in runs]


def load_run(path: Path | str) -> Run:
    """The one run in `path`; DataError for a training run folder of several variants."""
    runs = load_runs(path)
    if len(runs) != 1:
        raise DataError(
            f"{path}: holds {len(runs)} variants ({', '.join(r.name for r in runs)}); "
            "use load_runs, or give one variant's folder"
        )
    return runs[0]

"""Training run folders (`qmoe-host train`, docs/runs.md): typed views, loaders and writers.

A training run folder holds run.json and one variant folder per variant; a variant folder
(results.json, predictions.csv, curiosity/, models/, model.qmoe) can also be read on its own.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qmoe.errors import DataError
from qmoe.runfolder.schema import (
    CURIOSITY_DIR,
    NUM,
    PREDICTIONS_CSV,
    RESULTS_JSON,
    RUN_JSON,
    SUMMARY_CSV,
    SUMMARY_JSON,
    check_format,
    get,
    get_list,
    with_format,
)
from qmoe.runio import read_json_object, write_json_atomic


@dataclass(frozen=True)
class FoldResult:
    """One fold of results.json "folds"."""

    fold: int
    macro_f1: float
    accuracy: float  # NaN when the file has none
    weighted_f1: float | None = None
    confusion: np.ndarray | None = None  # (classes, classes) counts, true x predicted


@dataclass(frozen=True)
class CvRun:
    """One variant folder of a training run, loaded and checked (`load_cv_variant`)."""

    path: Path
    run_format: int
    variant: str
    label_set: str
    class_names: tuple[str, ...]
    train_config: dict
    summary: dict  # results.json "summary": mean and std over folds, expert sizes
    folds: tuple[FoldResult, ...]
    run_meta: dict  # the training run's run.json ({} for a variant folder read alone)

    @property
    def router(self) -> str:
        r = self.train_config.get("router")
        return r if isinstance(r, str) else "none"

    @property
    def experts(self) -> tuple[str, ...]:
        return tuple(str(e) for e in self.train_config.get("experts") or [])

    def summary_stat(self, metric: str, stat: str = "mean") -> float:
        """summary.<metric>.<stat> of results.json, checked."""
        return float(
            get(self.summary, f"{metric}.{stat}", f"{self.path / RESULTS_JSON}: summary", NUM)
        )

    @property
    def weight_bytes(self) -> int:
        """Host weight bytes of every expert (summary.experts[].weight_bytes), 0 when absent."""
        where = f"{self.path / RESULTS_JSON}: summary"
        experts = get_list(self.summary, "experts", where, dict, [])
        return sum(get(e, "weight_bytes", where, int, 0) for e in experts)

    def confusion(self) -> np.ndarray:
        """The confusion matrix summed over folds; DataError naming results.json when a fold lacks
        one."""
        k = len(self.class_names)
        if not self.folds:
            return np.zeros((k, k), np.int64)
        missing = [f.fold for f in self.folds if f.confusion is None]
        if missing:
            raise DataError(
                f"{self.path / RESULTS_JSON}: fold {missing[0]} lacks field 'confusion'"
            )
        return np.sum([f.confusion for f in self.folds], axis=0)

    def predictions(self) -> tuple[np.ndarray, np.ndarray]:
        """(label, uncertainty) of every held-out clip in predictions.csv (empty without one)."""
        path = self.path / PREDICTIONS_CSV
        if not path.exists():
            return np.zeros(0, np.int64), np.zeros(0)
        try:
            with open(path, newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
            return (
                np.array([int(r["label"]) for r in rows], dtype=np.int64),
                np.array([float(r["uncertainty"]) for r in rows]),
            )
        except (KeyError, ValueError, TypeError, csv.Error, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: expected columns label and uncertainty ({exc})") from exc

    def curiosity(self) -> tuple[np.ndarray, list[float]]:
        """Every fold's uncertainty values (curiosity/fold*_uncertainty.csv) and the thresholds of
        the first fold's policy (curiosity/fold*.json)."""
        cdir = self.path / CURIOSITY_DIR
        values = []
        for f in sorted(cdir.glob("fold*_uncertainty.csv")):
            try:
                values.append(np.atleast_1d(np.loadtxt(f, skiprows=1, ndmin=1, dtype=np.float64)))
            except (ValueError, UnicodeDecodeError) as exc:
                raise DataError(
                    f"{f}: expected a header line and one number a line ({exc})"
                ) from exc
        thresholds: list[float] = []
        first = sorted(cdir.glob("fold*.json"))
        if first:
            obj = read_json_object(first[0])
            thresholds = [float(t) for t in get_list(obj, "thresholds", first[0], NUM, [])]
        return (np.concatenate(values) if values else np.zeros(0)), thresholds


def _fold(f, k: int, where: str, n_classes: int) -> FoldResult:
    at = f"{where}: folds[{k}]"
    if not isinstance(f, dict):
        raise DataError(f"{at}: expected an object")
    confusion = None
    if f.get("confusion") is not None:
        rows = get_list(f, "confusion", at, list)
        try:
            confusion = np.array(rows, dtype=np.int64)
        except (ValueError, TypeError, OverflowError) as exc:
            raise DataError(f"{at}: field 'confusion' is not a matrix of counts ({exc})") from exc
        if confusion.shape != (n_classes, n_classes) or (confusion < 0).any():
            raise DataError(
                f"{at}: field 'confusion' has shape {confusion.shape}; expected "
                f"({n_classes}, {n_classes}) non-negative counts (one row per class)"
            )
    return FoldResult(
        fold=get(f, "fold", at, int),
        macro_f1=float(get(f, "macro_f1", at, NUM)),
        accuracy=float(get(f, "accuracy", at, NUM, float("nan"))),
        weighted_f1=get(f, "weighted_f1", at, NUM, None),
        confusion=confusion,
    )


def load_cv_variant(vdir: Path, run_meta: dict | None = None) -> CvRun:
    """A variant folder of a training run (results.json), checked. `run_meta`: the training run's
    run.json; when None, the parent folder's run.json is read if there is one."""
    vdir = Path(vdir)
    rj = vdir / RESULTS_JSON
    res = read_json_object(rj)
    fmt = check_format(res, rj)
    if run_meta is None:
        parent = vdir.parent / RUN_JSON
        run_meta = load_train_meta(vdir.parent) if parent.is_file() else {}
    class_names = tuple(get_list(res, "class_names", rj, str))
    folds = get_list(res, "folds", rj, dict)
    if not folds:
        raise DataError(f"{rj}: field 'folds' is empty")
    return CvRun(
        path=vdir,
        run_format=fmt,
        variant=get(res, "variant", rj, str, vdir.name),
        label_set=get(res, "label_set", rj, str, str(run_meta.get("label_set", ""))),
        class_names=class_names,
        train_config=get(res, "train_config", rj, dict, {}),
        summary=get(res, "summary", rj, dict, {}),
        folds=tuple(_fold(f, k, str(rj), len(class_names)) for k, f in enumerate(folds)),
        run_meta=run_meta,
    )


def load_train_meta(folder: Path) -> dict:
    """run.json of a training run folder, its run_format and variant list checked."""
    path = Path(folder) / RUN_JSON
    meta = read_json_object(path)
    check_format(meta, path)
    get_list(meta, "variants", path, str, [])
    return meta


def variant_dirs(folder: Path) -> list[Path]:
    """The variant folders (holding results.json) of a training run folder, sorted by name."""
    return sorted(p.parent for p in Path(folder).glob(f"*/{RESULTS_JSON}"))


def load_train_run(folder: Path) -> list[CvRun]:
    """Every variant of a training run folder, in the order of run.json "variants" (others after,
    by folder name)."""
    folder = Path(folder)
    meta = load_train_meta(folder) if (folder / RUN_JSON).is_file() else {}
    runs = [load_cv_variant(d, meta) for d in variant_dirs(folder)]
    order = {name: i for i, name in enumerate(meta.get("variants", []))}
    return sorted(runs, key=lambda r: order.get(r.variant, len(order)))


# ---- writers ---------------------------------------------------------------------------------


def write_results(vdir: Path, results: dict) -> Path:
    """results.json of a variant folder, with the current run_format, written atomically."""
    return write_json_atomic(Path(vdir) / RESULTS_JSON, with_format(results))


def write_train_summary(folder: Path, rows: list[dict]) -> None:
    """summary.json (a list of rows) and summary.csv of a training run folder."""
    write_json_atomic(Path(folder) / SUMMARY_JSON, rows)
    if rows:
        with open(Path(folder) / SUMMARY_CSV, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)

"""Read device run folders (docs/measure.md) and training run folders into one view."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qmoe.errors import DataError
from qmoe.runio import read_json, read_jsonl
from qmoe.train.metrics import fold_metrics

#: Device uncertainty is U_raw / T² in units of 2^-30 (docs/integer-semantics.md).
UNCERTAINTY_UNIT = 2.0**-30

#: How each counter unit of docs/measure.md is written in labels. Emulated instruction counts are
#: never called cycles or time.
UNIT_LABELS = {
    "cycles": "cycles",
    "emulated-instructions": "emulated instructions",
    "ns": "ns",
}

COUNTER_MEANING = {
    "cycles": "real core clock cycles",
    "emulated-instructions": "emulated instructions (QEMU -icount: deterministic instruction "
    "counts, not a measure of time; no real jitter)",
    "ns": "nanoseconds of the host's monotonic clock (native build)",
}


@dataclass
class RunView:
    """One device run or one cross-validated variant, reduced to what the report shows."""

    name: str
    kind: str  # "device" | "cv"
    path: Path
    router: str | None
    class_names: list[str]
    label_set: str
    dataset: str
    model_name: str
    model_hash: str
    expert_names: list[str]
    size_bytes: int | None  # flash bytes of the lowered model (or host weight bytes, see size_kind)
    size_kind: str  # "flash" | "weights"
    samples: int
    accuracy: float
    macro_f1: float
    macro_f1_std: float | None  # over folds (CV runs)
    confusion: np.ndarray
    uncertainty: np.ndarray | None  # real summed variance; None when the router is not curiosity
    uncertainty_per_class: np.ndarray | None  # mean uncertainty per true class (NaN: no sample)
    thresholds: list[float] = field(default_factory=list)  # real units, the kept model's policy
    started: str = ""
    qmoe_version: str = ""
    board: dict = field(default_factory=dict)
    unit: str | None = None  # counter unit of docs/measure.md (device runs)
    latency: np.ndarray | None = None  # counters.total per inference, in `unit`
    expert: np.ndarray | None = None  # expert index per inference
    energy_uj: float | None = None  # per inference, median over timing windows
    energy_source: str = ""
    energy_label: str = ""
    golden_checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    device: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)  # the run folder's run.json
    source: Path | None = None  # the folder given on the command line

    @property
    def unit_label(self) -> str:
        """The counter unit as written in labels ("emulated instructions", "cycles", "ns")."""
        return UNIT_LABELS.get(self.unit or "", self.unit or "")


def per_class_mean(labels: np.ndarray, values: np.ndarray, n_classes: int) -> np.ndarray:
    """Mean of `values` per true class (NaN for a class without samples)."""
    out = np.full(n_classes, np.nan)
    for c in range(n_classes):
        sel = labels == c
        if sel.any():
            out[c] = float(values[sel].mean())
    return out


def _field(obj: dict, key: str, where: str):
    if key not in obj:
        raise DataError(f"{where}: field {key!r} is missing")
    return obj[key]


def device_energy(path: Path, expert: np.ndarray, meta: dict) -> dict:
    """Energy per inference of a device run: summary.json's figure (what `compare` reads), or for
    a run without one (cut off), the per-expert timing windows weighted by each expert's share."""
    summary = path / "summary.json"
    if summary.exists():
        e = read_json(summary).get("energy")
        if isinstance(e, dict) and e.get("uj_per_inference") is not None:
            return e
    by_expert: dict[int, list[float]] = {}
    first: dict = {}
    for w in read_jsonl(path / "windows.jsonl"):
        e = w.get("energy")
        first = first or (e if isinstance(e, dict) else {})
        if isinstance(e, dict) and e.get("uj_per_inference") is not None:
            by_expert.setdefault(int(w.get("expert", 0)), []).append(float(e["uj_per_inference"]))
    if not by_expert:  # no figure: keep the label, which says why
        power = meta.get("power") or {}
        return {
            "source": first.get("source", power.get("source", "")),
            "label": first.get("label", power.get("label", "")),
            "uj_per_inference": None,
        }
    share = np.array([np.sum(expert == e) for e in by_expert], dtype=np.float64)
    share = share if share.sum() > 0 else np.ones(len(by_expert))
    uj = float(np.dot(share, [np.median(v) for v in by_expert.values()]) / share.sum())
    return {**first, "uj_per_inference": uj}


def load_device_run(path: Path) -> RunView:
    """A device run folder written by `qmoe-host measure` (docs/measure.md)."""
    path = Path(path)
    meta = read_json(path / "run.json")
    where = str(path / "run.json")
    board = _field(meta, "board", where)
    model = _field(meta, "model", where)
    counter = _field(board, "counter", f"{where}: board")
    unit = _field(counter, "unit", f"{where}: board.counter")
    if unit not in UNIT_LABELS:
        raise DataError(
            f"{where}: board.counter.unit is {unit!r}; expected one of {', '.join(UNIT_LABELS)}"
        )
    class_names = list(_field(model, "class_names", f"{where}: model"))
    recs = read_jsonl(path / "inferences.jsonl")
    if not recs:
        raise DataError(f"{path / 'inferences.jsonl'}: no inferences recorded")
    try:
        y = np.array([r["label"] for r in recs], dtype=np.int64)
        pred = np.array([r["pred"] for r in recs], dtype=np.int64)
        expert = np.array([r["expert"] for r in recs], dtype=np.int64)
        latency = np.array([r["counters"]["total"] for r in recs], dtype=np.float64)
        u = np.array([r.get("uncertainty") or 0 for r in recs], np.float64) * UNCERTAINTY_UNIT
    except (KeyError, TypeError) as exc:
        raise DataError(
            f"{path / 'inferences.jsonl'}: an inference lacks field {exc}; "
            "expected label, pred, expert, uncertainty, counters.total"
        ) from exc
    m = fold_metrics(y, pred, len(class_names))
    golden = [r for r in recs if isinstance(r.get("golden"), dict)]
    energy = device_energy(path, expert, meta)
    router = model.get("router") if model.get("router") not in (None, "", "none") else None
    name = str(model.get("name", path.name))
    return RunView(
        name=f"{name} @ {board.get('name', '?')}",
        kind="device",
        path=path,
        router=router,
        class_names=class_names,
        label_set=str(model.get("label_set", "")),
        dataset=str((meta.get("data") or {}).get("source", "")),
        model_name=name,
        model_hash=str(model.get("hash", "")),
        expert_names=[str(e) for e in model.get("experts", [])] or ["expert 0"],
        size_bytes=model.get("flash_bytes"),
        size_kind="flash",
        samples=len(recs),
        accuracy=m["accuracy"],
        macro_f1=m["macro_f1"],
        macro_f1_std=None,
        confusion=np.asarray(m["confusion"]),
        uncertainty=u if router == "curiosity" else None,
        uncertainty_per_class=per_class_mean(y, u, len(class_names))
        if router == "curiosity"
        else None,
        started=str(meta.get("started", "")),
        qmoe_version=str(meta.get("qmoe_version", "")),
        board=board,
        unit=unit,
        latency=latency,
        expert=expert,
        energy_uj=None
        if energy.get("uj_per_inference") is None
        else float(energy["uj_per_inference"]),
        energy_source=str(energy.get("source", "")),
        energy_label=str(energy.get("label", "")),
        golden_checked=len(golden),
        mismatches=[
            str(r.get("sample", r.get("i"))) for r in golden if not r["golden"].get("match")
        ],
        device=meta.get("device") or {},
        meta=meta,
        source=path,
    )


def _lowered(model_path: Path) -> tuple[int, str] | None:
    """(flash bytes, IR hash) of a model file, or None when it cannot be lowered (fp32 experts)."""
    from qmoe_codegen.errors import CodegenError
    from qmoe_codegen.lower import lower_file

    if not model_path.exists():
        return None
    try:
        ir = lower_file(model_path)
    except CodegenError:
        return None
    return int(ir["sizes"]["total_flash_bytes"]), str(ir["hash"])


def _curiosity(vdir: Path) -> tuple[np.ndarray, list[float]]:
    """Every fold's uncertainty values and the thresholds of the first fold's policy."""
    files = sorted((vdir / "curiosity").glob("fold*_uncertainty.csv"))
    values = [np.atleast_1d(np.loadtxt(f, skiprows=1, ndmin=1)) for f in files]
    thresholds: list[float] = []
    first = sorted((vdir / "curiosity").glob("fold*.json"))
    if first:
        thresholds = [float(t) for t in read_json(first[0]).get("thresholds", [])]
    return (np.concatenate(values) if values else np.zeros(0)), thresholds


def _predictions(vdir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(label, uncertainty) of every held-out clip in predictions.csv."""
    path = vdir / "predictions.csv"
    if not path.exists():
        return np.zeros(0, np.int64), np.zeros(0)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    try:
        return (
            np.array([int(r["label"]) for r in rows], dtype=np.int64),
            np.array([float(r["uncertainty"]) for r in rows]),
        )
    except (KeyError, ValueError) as exc:
        raise DataError(f"{path}: expected columns label and uncertainty ({exc})") from exc


def load_cv_variant(vdir: Path, run_meta: dict) -> RunView:
    """One variant folder of a training run (results.json, predictions.csv, curiosity/)."""
    vdir = Path(vdir)
    res = read_json(vdir / "results.json")
    where = str(vdir / "results.json")
    summary = _field(res, "summary", where)
    folds = _field(res, "folds", where)
    cfg = res.get("train_config") or {}
    class_names = list(_field(res, "class_names", where))
    confusion = (
        np.sum([np.asarray(f["confusion"]) for f in folds], axis=0)
        if folds
        else np.zeros((len(class_names), len(class_names)), np.int64)
    )
    router = cfg.get("router") if cfg.get("router") not in (None, "none") else None
    uncertainty, per_class, thresholds = None, None, []
    if router == "curiosity":
        labels, pred_u = _predictions(vdir)
        per_class = per_class_mean(labels, pred_u, len(class_names))
        uncertainty, thresholds = _curiosity(vdir)
        if uncertainty.size == 0:
            uncertainty = pred_u
    lowered = _lowered(vdir / "model.qmoe")
    weight_bytes = sum(int(e.get("weight_bytes", 0)) for e in summary.get("experts", []))
    return RunView(
        name=str(res.get("variant", vdir.name)),
        kind="cv",
        path=vdir,
        router=router,
        class_names=class_names,
        label_set=str(res.get("label_set", run_meta.get("label_set", ""))),
        dataset=str(run_meta.get("source", "")),
        model_name=str(res.get("variant", vdir.name)),
        model_hash=lowered[1] if lowered else "",
        expert_names=[str(e) for e in cfg.get("experts", [])] or ["expert 0"],
        size_bytes=lowered[0] if lowered else (weight_bytes or None),
        size_kind="flash" if lowered else "weights",
        samples=int(confusion.sum()),
        accuracy=float(summary["accuracy"]["mean"]),
        macro_f1=float(summary["macro_f1"]["mean"]),
        macro_f1_std=float(summary["macro_f1"]["std"]),
        confusion=confusion,
        uncertainty=uncertainty,
        uncertainty_per_class=per_class,
        thresholds=thresholds,
        started=str(run_meta.get("started", "")),
        qmoe_version=str(run_meta.get("qmoe_version", "")),
        meta=run_meta,
        source=vdir,
    )


def run_kind(path: Path) -> str:
    """ "device", "cv-run" (a training run folder) or "cv-variant" (one of its variant folders)."""
    path = Path(path)
    if not path.is_dir():
        raise DataError(
            f"{path}: not a folder; expected a device run folder (run.json with "
            "kind 'device') or a `qmoe-host train` run folder"
        )
    if (path / "results.json").exists():
        return "cv-variant"
    if (path / "run.json").exists():
        meta = read_json(path / "run.json")
        return "device" if meta.get("kind") == "device" else "cv-run"
    raise DataError(
        f"{path}: no run.json or results.json; expected a device run folder "
        "(docs/measure.md) or a `qmoe-host train` run folder"
    )


def load_path(path: Path) -> list[RunView]:
    """The runs in one folder: a device run, a training run (one view per variant) or a variant."""
    path = Path(path)
    kind = run_kind(path)
    if kind == "device":
        return [load_device_run(path)]
    if kind == "cv-variant":
        parent = path.parent / "run.json"
        return [load_cv_variant(path, read_json(parent) if parent.exists() else {})]
    meta = read_json(path / "run.json")
    vdirs = sorted(p.parent for p in path.glob("*/results.json"))
    if not vdirs:
        raise DataError(f"{path}: a training run folder without any <variant>/results.json")
    order = {str(v): i for i, v in enumerate(meta.get("variants", []))}
    views = [load_cv_variant(v, meta) for v in vdirs]
    for v in views:
        v.source = path
    return sorted(views, key=lambda v: order.get(v.name, len(order)))


def load_runs(paths: list[Path]) -> list[RunView]:
    """Every run of every folder given, with names made unique across folders."""
    if not paths:
        raise DataError("no run folder given")
    views = [v for p in paths for v in load_path(Path(p))]
    seen: dict[str, int] = {}
    for v in views:
        seen[v.name] = seen.get(v.name, 0) + 1
        if seen[v.name] > 1:
            v.name = f"{v.name} ({v.path.parent.name if v.kind == 'cv' else v.path.name})"
    return views

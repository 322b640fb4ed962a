"""Device run folders (docs/measure.md) and training run folders, as loaded by qmoe.runfolder
(docs/runs.md), reduced to one view for the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qmoe import runfolder
from qmoe.errors import DataError
from qmoe.runfolder import CvRun, DeviceRun, ModelFacts
from qmoe.train.metrics import fold_metrics
from qmoe_codegen.ir import IR

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
    folds: int = 0  # folds a CV run's figures are over (0 for device runs)

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


def device_energy(run: DeviceRun) -> dict:
    """Energy per inference of a device run: summary.json's figure (what `compare` reads), or for
    a run without one (cut off), the per-expert timing windows weighted by each expert's share."""
    e = run.energy
    if e is not None and e.get("uj_per_inference") is not None:
        return e
    expert = run.column("expert")
    by_expert: dict[int, list[float]] = {}
    first: dict = {}
    for w in run.windows:
        first = first or (w.energy or {})
        if w.energy and w.energy.get("uj_per_inference") is not None:
            by_expert.setdefault(w.expert, []).append(float(w.energy["uj_per_inference"]))
    if not by_expert:  # no figure: keep the label, which says why
        power = run.meta.get("power")
        power = power if isinstance(power, dict) else {}
        return {
            "source": first.get("source", power.get("source", "")),
            "label": first.get("label", power.get("label", "")),
            "uj_per_inference": None,
        }
    share = np.array([np.sum(expert == e) for e in by_expert], dtype=np.float64)
    share = share if share.sum() > 0 else np.ones(len(by_expert))
    uj = float(np.dot(share, [np.median(v) for v in by_expert.values()]) / share.sum())
    return {**first, "uj_per_inference": uj}


def device_thresholds(model: ModelFacts) -> list[float]:
    """The policy thresholds (real units) of the model a device run measured: read from its model
    file when that file is still there and lowers to the hash the run recorded, else none."""
    ir = _ir(Path(model.path)) if model.path else None
    if ir is None or ir.hash != model.hash or ir.router is None:
        return []
    return [float(t) for t in ir.router.thresholds_real or ()]


def device_view(run: DeviceRun) -> RunView:
    """A device run folder written by `qmoe-host measure` (docs/measure.md), loaded by
    qmoe.runfolder, as the report shows it."""
    model, class_names = run.model, run.class_names
    y, pred, expert = run.column("label"), run.column("pred"), run.column("expert")
    u = np.array([r.uncertainty or 0 for r in run.inferences], np.float64) * UNCERTAINTY_UNIT
    m = fold_metrics(y, pred, len(class_names))
    golden = [r for r in run.inferences if r.golden is not None]
    energy = device_energy(run)
    router = model.router if model.router not in ("", "none") else None
    name = model.name or run.path.name
    data = run.meta.get("data")
    return RunView(
        name=f"{name} @ {run.board.name}",
        kind="device",
        path=run.path,
        router=router,
        class_names=class_names,
        label_set=model.label_set,
        dataset=str(data.get("source", "")) if isinstance(data, dict) else "",
        model_name=name,
        model_hash=model.hash,
        expert_names=list(model.experts) or ["expert 0"],
        size_bytes=model.flash_bytes,
        size_kind="flash",
        samples=len(run.inferences),
        accuracy=m["accuracy"],
        macro_f1=m["macro_f1"],
        macro_f1_std=None,
        confusion=np.asarray(m["confusion"]),
        uncertainty=u if router == "curiosity" else None,
        uncertainty_per_class=per_class_mean(y, u, len(class_names))
        if router == "curiosity"
        else None,
        thresholds=device_thresholds(model) if router == "curiosity" else [],
        started=str(run.meta.get("started", "")),
        qmoe_version=str(run.meta.get("qmoe_version", "")),
        board=run.meta["board"],
        unit=run.unit,
        latency=run.column("counters.total", np.float64),
        expert=expert,
        energy_uj=None
        if energy.get("uj_per_inference") is None
        else float(energy["uj_per_inference"]),
        energy_source=str(energy.get("source", "")),
        energy_label=str(energy.get("label", "")),
        golden_checked=len(golden),
        mismatches=[r.sample for r in golden if not r.golden.match],
        device=run.device,
        meta=run.meta,
        source=run.path,
    )


def load_device_run(path: Path) -> RunView:
    """A device run folder written by `qmoe-host measure` (docs/measure.md)."""
    return device_view(runfolder.load_device_run(path))


def _ir(model_path: Path) -> IR | None:
    """The IR a model file lowers to, or None (no such file, or not lowerable: fp32 experts)."""
    from qmoe_codegen.errors import CodegenError
    from qmoe_codegen.lower import lower_file

    if not model_path.is_file():
        return None
    try:
        return lower_file(model_path)
    except CodegenError:
        return None


def _lowered(model_path: Path) -> tuple[int, str] | None:
    """(flash bytes, IR hash) of a model file, or None when it cannot be lowered (fp32 experts)."""
    ir = _ir(model_path)
    return None if ir is None else (ir.sizes.total_flash_bytes, ir.hash)


def cv_view(cv: CvRun) -> RunView:
    """One variant of a training run, loaded by qmoe.runfolder, as the report shows it."""
    run_meta = cv.run_meta
    class_names = list(cv.class_names)
    confusion = cv.confusion()
    router = cv.router if cv.router != "none" else None
    uncertainty, per_class, thresholds = None, None, []
    if router == "curiosity":
        labels, pred_u = cv.predictions()
        per_class = per_class_mean(labels, pred_u, len(class_names))
        uncertainty, thresholds = cv.curiosity()
        if uncertainty.size == 0:
            uncertainty = pred_u
    lowered = _lowered(cv.path / runfolder.MODEL_FILE)
    weight_bytes = cv.weight_bytes
    return RunView(
        name=cv.variant,
        kind="cv",
        path=cv.path,
        router=router,
        class_names=class_names,
        label_set=cv.label_set,
        dataset=str(run_meta.get("source", "")),
        model_name=cv.variant,
        model_hash=lowered[1] if lowered else "",
        expert_names=list(cv.experts) or ["expert 0"],
        size_bytes=lowered[0] if lowered else (weight_bytes or None),
        size_kind="flash" if lowered else "weights",
        samples=int(confusion.sum()),
        accuracy=cv.summary_stat("accuracy"),
        macro_f1=cv.summary_stat("macro_f1"),
        macro_f1_std=cv.summary_stat("macro_f1", "std"),
        confusion=confusion,
        uncertainty=uncertainty,
        uncertainty_per_class=per_class,
        thresholds=thresholds,
        started=str(run_meta.get("started", "")),
        qmoe_version=str(run_meta.get("qmoe_version", "")),
        meta=run_meta,
        source=cv.path,
        folds=len(cv.folds),
    )


def load_cv_variant(vdir: Path, run_meta: dict | None = None) -> RunView:
    """One variant folder of a training run (results.json, predictions.csv, curiosity/)."""
    return cv_view(runfolder.load_cv_variant(vdir, run_meta))


def load_path(path: Path) -> list[RunView]:
    """The runs in one folder: a device run, a training run (one view per variant) or a variant."""
    path = Path(path)
    views = [
        device_view(r) if isinstance(r, DeviceRun) else cv_view(r)
        for r in runfolder.load_folder(path)
    ]
    if runfolder.folder_kind(path) == runfolder.TRAIN_RUN:
        for v in views:
            v.source = path
    return views


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

"""Device run folders (`qmoe-host measure`, docs/measure.md): typed views, the loader, the writers.

The loader checks every field a reader uses, so a damaged or hand-edited folder gives a DataError
naming the file (and line) and the field, never a KeyError or TypeError further on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from qmoe.errors import DataError
from qmoe.runfolder.schema import (
    COUNTER_UNITS,
    INFERENCES,
    KIND_DEVICE,
    NUM,
    RUN_JSON,
    SUMMARY_JSON,
    WINDOWS,
    check_format,
    get,
    get_list,
    with_format,
)
from qmoe.runio import read_json, read_json_object, read_jsonl, write_json_atomic


@dataclass(frozen=True)
class BoardFacts:
    """run.json "board": the board the run was measured on and its counter."""

    name: str
    core: str
    clock_hz: int | None
    emulated: bool | None
    unit: str  # one of COUNTER_UNITS
    counter_kind: str
    per_tick: float


@dataclass(frozen=True)
class ModelFacts:
    """run.json "model": the model the device ran."""

    path: str
    hash: str
    name: str
    router: str  # "none", "softmax" or "curiosity"
    experts: tuple[str, ...]
    class_names: tuple[str, ...]
    label_set: str
    flash_bytes: int | None
    arena_bytes: int | None
    expert_flash_bytes: tuple[int, ...]


@dataclass(frozen=True)
class Golden:
    """The golden model's answer to one inference and whether the device agreed."""

    pred: int
    expert: int
    uncertainty: int | None
    match: bool


@dataclass(frozen=True)
class Counters:
    """An inference's counters, in the run's counter unit (ticks x per_tick already applied)."""

    total: float  # router + expert: the inference proper
    frontend: float | None = None  # the front end's share of loading the clip
    router: float | None = None
    expert: float | None = None


@dataclass(frozen=True)
class Inference:
    """One line of inferences.jsonl. Counters are in the run's counter unit."""

    i: int
    sample: str
    label: int
    pred: int
    expert: int
    counters: Counters
    fold: int | None = None
    choice: int | None = None
    uncertainty: int | None = None  # U_raw / T² in units of 2^-30
    logits: tuple[int, ...] = ()
    time_us: float | None = None
    retried: int = 0  # link.retried
    resyncs: int = 0  # link.resyncs
    golden: Golden | None = None


@dataclass(frozen=True)
class Window:
    """One line of windows.jsonl: `n` back-to-back inferences on one stored input."""

    window: int
    sample: str
    expert: int
    n: int
    total: float
    min: float
    max: float
    per_inference: float
    energy: dict | None = None  # source, label, uj_per_inference (None: no figure), detail


@dataclass(frozen=True)
class DeviceRun:
    """A device run folder, loaded and checked (`load_device_run`)."""

    path: Path
    run_format: int
    meta: dict  # run.json as written
    board: BoardFacts
    model: ModelFacts
    inferences: tuple[Inference, ...]
    windows: tuple[Window, ...] = ()
    summary: dict | None = None  # summary.json; None while the run has not finished
    notes: tuple[str, ...] = ()  # e.g. a torn last line skipped

    @property
    def unit(self) -> str:
        return self.board.unit

    @property
    def class_names(self) -> list[str]:
        return list(self.model.class_names)

    @property
    def energy(self) -> dict | None:
        """summary.json's energy object (checked), or None."""
        e = (self.summary or {}).get("energy")
        return e if isinstance(e, dict) else None

    def column(self, name: str, dtype=np.int64) -> np.ndarray:
        """One field of every inference as an array: column("label"),
        column("counters.total", np.float64)."""
        out = []
        for r in self.inferences:
            for part in name.split("."):
                r = getattr(r, part)
            out.append(r)
        return np.array(out, dtype=dtype)

    @property
    def device(self) -> dict:
        """run.json "device": the INFO reply."""
        d = self.meta.get("device")
        return d if isinstance(d, dict) else {}


def _board(meta: dict, where: Path) -> BoardFacts:
    get(meta, "board", where, dict)
    unit = get(meta, "board.counter.unit", where, str)
    if unit not in COUNTER_UNITS:
        raise DataError(
            f"{where}: board.counter.unit is {unit!r}; expected one of {', '.join(COUNTER_UNITS)}"
        )
    return BoardFacts(
        name=get(meta, "board.name", where, str),
        core=get(meta, "board.core", where, str, ""),
        clock_hz=get(meta, "board.clock_hz", where, int, None),
        emulated=get(meta, "board.emulated", where, bool, None),
        unit=unit,
        counter_kind=get(meta, "board.counter.kind", where, str, ""),
        per_tick=float(get(meta, "board.counter.per_tick", where, NUM, 1)),
    )


def _model(meta: dict, where: Path) -> ModelFacts:
    get(meta, "model", where, dict)
    return ModelFacts(
        path=get(meta, "model.path", where, str, ""),
        hash=get(meta, "model.hash", where, str, ""),
        name=get(meta, "model.name", where, str, ""),
        router=get(meta, "model.router", where, str, "none"),
        experts=tuple(get_list(meta, "model.experts", where, str, [])),
        class_names=tuple(get_list(meta, "model.class_names", where, str)),
        label_set=get(meta, "model.label_set", where, str, ""),
        flash_bytes=get(meta, "model.flash_bytes", where, int, None),
        arena_bytes=get(meta, "model.arena_bytes", where, int, None),
        expert_flash_bytes=tuple(get_list(meta, "model.expert_flash_bytes", where, int, [])),
    )


def _inference(r, k: int, where: str) -> Inference:
    if not isinstance(r, dict):
        raise DataError(f"{where}: expected a JSON object, found {type(r).__name__}")
    i = get(r, "i", where, int, k)
    golden = None
    if isinstance(r.get("golden"), dict):
        golden = Golden(
            pred=get(r, "golden.pred", where, int),
            expert=get(r, "golden.expert", where, int),
            uncertainty=get(r, "golden.uncertainty", where, int, None),
            match=get(r, "golden.match", where, bool),
        )
    opt = lambda key, t: get(r, key, where, t, None)  # noqa: E731
    return Inference(
        i=i,
        sample=str(get(r, "sample", where, (str, int), i)),
        label=get(r, "label", where, int),
        pred=get(r, "pred", where, int),
        expert=get(r, "expert", where, int),
        counters=Counters(
            total=float(get(r, "counters.total", where, NUM)),
            frontend=opt("counters.frontend", NUM),
            router=opt("counters.router", NUM),
            expert=opt("counters.expert", NUM),
        ),
        fold=opt("fold", int),
        choice=opt("choice", int),
        uncertainty=opt("uncertainty", int),
        logits=tuple(get_list(r, "logits", where, int, [])),
        time_us=opt("time_us", NUM),
        retried=get(r, "link.retried", where, int, 0),
        resyncs=get(r, "link.resyncs", where, int, 0),
        golden=golden,
    )


def check_energy(e, where: str, key: str = "energy") -> dict | None:
    """An energy object (docs/energy.md) with its fields checked, or None when absent."""
    if e is None:
        return None
    if not isinstance(e, dict):
        raise DataError(f"{where}: field '{key}' is {type(e).__name__}; expected an object")
    holder = {key: e}
    get(holder, f"{key}.uj_per_inference", where, NUM, None)
    get(holder, f"{key}.source", where, str, "")
    get(holder, f"{key}.label", where, str, "")
    return e


def _window(w, k: int, where: str) -> Window:
    if not isinstance(w, dict):
        raise DataError(f"{where}: expected a JSON object, found {type(w).__name__}")
    n = get(w, "n", where, int)
    if n < 1:
        raise DataError(f"{where}: field 'n' is {n}; expected an integer >= 1")
    return Window(
        window=get(w, "window", where, int, k),
        sample=str(get(w, "sample", where, str, "")),
        expert=get(w, "expert", where, int),
        n=n,
        total=float(get(w, "total", where, NUM)),
        min=float(get(w, "min", where, NUM, 0)),
        max=float(get(w, "max", where, NUM, 0)),
        per_inference=float(get(w, "per_inference", where, NUM)),
        energy=check_energy(w.get("energy"), where),
    )


def read_inferences(path: Path, notes: list[str] | None = None) -> tuple[Inference, ...]:
    """Every complete line of an inferences.jsonl, checked (() when the file does not exist yet)."""
    rows = read_jsonl(path, notes, numbered=True)
    return tuple(_inference(r, k, f"{path}:{no}") for k, (no, r) in enumerate(rows))


def read_run_json(folder: Path, fields: tuple[str, ...] = ()) -> dict:
    """A run folder's run.json as an object, its run_format checked (and `fields` present)."""
    path = Path(folder) / RUN_JSON
    meta = read_json_object(path, fields)
    check_format(meta, path)
    return meta


def load_device_run(folder: Path, *, require_inferences: bool = True) -> DeviceRun:
    """The device run folder `folder` (docs/measure.md), every field checked; DataError naming the
    file, line and field otherwise. A torn last line (a run cut off) is skipped and noted."""
    folder = Path(folder)
    rj = folder / RUN_JSON
    meta = read_run_json(folder)
    fmt = check_format(meta, rj)
    if meta.get("kind") != KIND_DEVICE:
        raise DataError(f"{rj}: field 'kind' is {meta.get('kind')!r}; expected {KIND_DEVICE!r}")
    board, model = _board(meta, rj), _model(meta, rj)
    inf_path = folder / INFERENCES
    if require_inferences and not inf_path.is_file():
        raise DataError(f"{inf_path}: missing (a device run folder holds it)")
    notes: list[str] = []
    inferences = read_inferences(inf_path, notes)
    if require_inferences and not inferences:
        raise DataError(f"{inf_path}: no inferences recorded")
    for r in inferences:
        if not 0 <= r.label < len(model.class_names) or not 0 <= r.pred < len(model.class_names):
            raise DataError(
                f"{inf_path}: inference {r.i} has label {r.label} and pred {r.pred}; expected "
                f"class indices 0..{len(model.class_names) - 1} of run.json model.class_names"
            )
        if r.expert < 0:
            raise DataError(f"{inf_path}: inference {r.i} has expert {r.expert}; expected >= 0")
    wp = folder / WINDOWS
    windows = tuple(
        _window(w, k, f"{wp}:{no}")
        for k, (no, w) in enumerate(read_jsonl(wp, notes, numbered=True))
    )
    summary = None
    sp = folder / SUMMARY_JSON
    if sp.is_file():
        summary = read_json(sp)
        if not isinstance(summary, dict):
            raise DataError(f"{sp}: expected a JSON object, found {type(summary).__name__}")
        check_energy(summary.get("energy"), str(sp))
    return DeviceRun(folder, fmt, meta, board, model, inferences, windows, summary, tuple(notes))


# ---- writers ---------------------------------------------------------------------------------


def write_run_json(folder: Path, meta: dict) -> Path:
    """run.json of a run folder, with the current run_format, written atomically."""
    return write_json_atomic(Path(folder) / RUN_JSON, with_format(meta))


def write_device_meta(folder: Path, meta: dict) -> Path:
    """run.json of a device run: `meta` with kind "device" and the current run_format."""
    return write_run_json(folder, {"kind": KIND_DEVICE, **meta})


def append_record(fh: IO[str], rec: dict) -> None:
    """One line of inferences.jsonl or windows.jsonl, flushed so a cut-off run keeps it."""
    fh.write(json.dumps(rec) + "\n")
    fh.flush()


def write_records(path: Path, recs: list[dict], torn: str = "") -> Path:
    """A whole JSONL file of `recs` (tests and tools; measure appends with append_record).
    `torn` is written after the last line, as a run cut off mid-line leaves it."""
    path = Path(path)
    path.write_text("".join(json.dumps(r) + "\n" for r in recs) + torn, encoding="utf-8")
    return path


def write_device_summary(folder: Path, summary: dict) -> Path:
    """summary.json of a device run, written atomically."""
    return write_json_atomic(Path(folder) / SUMMARY_JSON, summary)


__all__ = [
    "BoardFacts",
    "Counters",
    "DeviceRun",
    "Golden",
    "Inference",
    "ModelFacts",
    "Window",
    "append_record",
    "check_energy",
    "load_device_run",
    "read_inferences",
    "read_run_json",
    "write_device_meta",
    "write_device_summary",
    "write_records",
    "write_run_json",
]

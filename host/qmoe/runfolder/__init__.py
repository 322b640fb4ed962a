"""Run folders: the one place that knows their files, their schema and how to read them
(docs/runs.md).

Two writers use it, `qmoe-host measure` (a device run: `write_device_meta`, `append_record`,
`write_device_summary`) and `qmoe-host train` (a training run: `write_run_json`, `write_results`,
`write_train_summary`); every reader (compare, report, the measure summary, the main job) loads
folders through `load_device_run`, `load_cv_variant`, `load_train_run` or `load_folder`, which
check the run_format and every field they hand on, and raise DataError naming the file and field.
"""

from __future__ import annotations

from pathlib import Path

from qmoe.errors import DataError
from qmoe.runfolder.device import (
    BoardFacts,
    Counters,
    DeviceRun,
    Golden,
    Inference,
    ModelFacts,
    Window,
    append_record,
    check_energy,
    load_device_run,
    read_inferences,
    read_run_json,
    write_device_meta,
    write_device_summary,
    write_records,
    write_run_json,
)
from qmoe.runfolder.schema import (
    COUNTER_UNITS,
    CURIOSITY_DIR,
    FORMAT_FIELD,
    INFERENCES,
    KIND_DEVICE,
    MODEL_FILE,
    MODELS_DIR,
    PREDICTIONS_CSV,
    READABLE_FORMATS,
    RESULTS_JSON,
    RUN_FORMAT,
    RUN_JSON,
    SKIPPED,
    SUMMARY_CSV,
    SUMMARY_JSON,
    SUMMARY_TXT,
    WINDOWS,
    check_format,
)
from qmoe.runfolder.training import (
    CvRun,
    FoldResult,
    load_cv_variant,
    load_train_meta,
    load_train_run,
    variant_dirs,
    write_results,
    write_train_summary,
)

#: What folder_kind answers.
DEVICE, TRAIN_RUN, CV_VARIANT = "device", "cv-run", "cv-variant"

EXPECTED = (
    'expected a device run folder (run.json with "kind": "device", written by qmoe-host measure), '
    "a qmoe-host train run folder (run.json and variant folders holding results.json) or one of "
    "its variant folders (results.json)"
)


class NotARunFolder(DataError):
    """The path is no run folder of any kind (the message says what was expected)."""


def folder_kind(path: Path) -> str:
    """DEVICE, TRAIN_RUN or CV_VARIANT; DataError saying what was expected otherwise."""
    path = Path(path)
    if not path.is_dir():
        what = "a file, not a folder" if path.exists() else "not a folder"
        raise NotARunFolder(f"{path}: no such run folder ({what}); {EXPECTED}")
    if (path / RESULTS_JSON).is_file():
        return CV_VARIANT
    if (path / RUN_JSON).is_file():
        meta = read_run_json(path)
        if meta.get("kind") == KIND_DEVICE:
            return DEVICE
        if variant_dirs(path):
            return TRAIN_RUN
        raise DataError(f"{path}: a training run folder without any <variant>/{RESULTS_JSON}")
    if variant_dirs(path):
        return TRAIN_RUN
    raise NotARunFolder(f"{path}: not a run folder: {EXPECTED}")


def load_folder(path: Path) -> list[DeviceRun | CvRun]:
    """The runs in one folder: one for a device run or a variant folder, one per variant (in
    run.json's order) for a training run."""
    path = Path(path)
    kind = folder_kind(path)
    if kind == DEVICE:
        return [load_device_run(path)]
    if kind == CV_VARIANT:
        return [load_cv_variant(path)]
    return load_train_run(path)


__all__ = [
    "BoardFacts",
    "COUNTER_UNITS",
    "CURIOSITY_DIR",
    "CV_VARIANT",
    "Counters",
    "CvRun",
    "DEVICE",
    "DeviceRun",
    "FORMAT_FIELD",
    "FoldResult",
    "Golden",
    "INFERENCES",
    "Inference",
    "KIND_DEVICE",
    "MODELS_DIR",
    "MODEL_FILE",
    "ModelFacts",
    "NotARunFolder",
    "PREDICTIONS_CSV",
    "READABLE_FORMATS",
    "RESULTS_JSON",
    "RUN_FORMAT",
    "RUN_JSON",
    "SKIPPED",
    "SUMMARY_CSV",
    "SUMMARY_JSON",
    "SUMMARY_TXT",
    "TRAIN_RUN",
    "WINDOWS",
    "Window",
    "append_record",
    "check_energy",
    "check_format",
    "folder_kind",
    "load_cv_variant",
    "load_device_run",
    "load_folder",
    "load_train_meta",
    "load_train_run",
    "read_inferences",
    "read_run_json",
    "variant_dirs",
    "write_device_meta",
    "write_device_summary",
    "write_records",
    "write_results",
    "write_run_json",
    "write_train_summary",
]

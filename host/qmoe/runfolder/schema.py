"""The run-folder schema (docs/runs.md): file names, the format version and checked field access.

Every reader and writer of a run folder takes its file names from here, and every reader checks
the `run_format` of run.json / results.json with `check_format` before it looks at anything else.
"""

from __future__ import annotations

from pathlib import Path

from qmoe.errors import DataError

# ---- file names ---------------------------------------------------------------------------------

#: Device run (`qmoe-host measure`) and training run (`qmoe-host train`): what was run, where, how.
RUN_JSON = "run.json"
#: Device run: one line per inference, appended as answers arrive.
INFERENCES = "inferences.jsonl"
#: Device run: one line per timing window.
WINDOWS = "windows.jsonl"
#: Device run: an object written at the end; training run: one row per variant (a list).
SUMMARY_JSON = "summary.json"
#: Training run: summary.json as a table, and the same table as printed.
SUMMARY_CSV = "summary.csv"
SUMMARY_TXT = "summary.txt"
#: Training run: every input the loader skipped, with its reason (tab-separated).
SKIPPED = "skipped.txt"
#: Variant folder of a training run: per-fold metrics, per-clip predictions, the kept model.
RESULTS_JSON = "results.json"
PREDICTIONS_CSV = "predictions.csv"
MODEL_FILE = "model.qmoe"
MODELS_DIR = "models"
CURIOSITY_DIR = "curiosity"

# ---- the format version -------------------------------------------------------------------------

#: The field of run.json and results.json that names the layout of the folder.
FORMAT_FIELD = "run_format"
#: The layout this qmoe writes. A file without the field is format 1: the layout qmoe wrote
#: before the field existed, which is format 1 unchanged.
RUN_FORMAT = 1
#: The formats this qmoe reads.
READABLE_FORMATS = (1,)

#: Device run: board.counter.unit (docs/measure.md). Emulated instruction counts are not cycles.
COUNTER_UNITS = ("cycles", "emulated-instructions", "ns")

KIND_DEVICE = "device"

NUM = (int, float)


def check_format(obj: dict, where: Path | str) -> int:
    """The run_format of a run.json or results.json object (1 when it has none); DataError naming
    the file and the field for a value this qmoe cannot read (a newer qmoe wrote it)."""
    if FORMAT_FIELD not in obj:
        return 1
    value = obj[FORMAT_FIELD]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise DataError(f"{where}: field '{FORMAT_FIELD}' is {value!r}; expected an integer >= 1")
    if value not in READABLE_FORMATS:
        newer = " (written by a newer qmoe: upgrade qmoe to read it)" if value > RUN_FORMAT else ""
        raise DataError(
            f"{where}: field '{FORMAT_FIELD}' is {value}; this qmoe reads run format(s) "
            f"{', '.join(map(str, READABLE_FORMATS))}{newer}"
        )
    return value


def with_format(obj: dict) -> dict:
    """`obj` with run_format first: what the writers write."""
    return {FORMAT_FIELD: RUN_FORMAT, **{k: v for k, v in obj.items() if k != FORMAT_FIELD}}


_MISSING = object()


def _name(t) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false",
             list: "a list", dict: "an object", type(None): "null"}  # fmt: skip
    ts = t if isinstance(t, tuple) else (t,)
    if set(ts) >= {int, float}:
        ts = tuple(x for x in ts if x is not int)
    return " or ".join(names.get(x, x.__name__) for x in ts)


def get(obj, dotted: str, where: Path | str, types=object, default=_MISSING):
    """obj["a"]["b"] for dotted "a.b", checked to be of `types` (bool is never an int or float);
    `default` when a part is missing and a default is given, else DataError naming `where` and the
    field."""
    cur = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            if default is not _MISSING:
                return default
            raise DataError(f"{where}: missing field '{dotted}'")
        cur = cur[part]
    if default is not _MISSING and cur is None:
        return default
    ts = types if isinstance(types, tuple) else (types,)
    if not isinstance(cur, ts) or (isinstance(cur, bool) and bool not in ts):
        raise DataError(f"{where}: field '{dotted}' is {_short(cur)}; expected {_name(types)}")
    return cur


def get_list(obj, dotted: str, where: Path | str, item, default=_MISSING) -> list:
    """A list field whose items are all of type `item`."""
    value = get(obj, dotted, where, list, default)
    ts = item if isinstance(item, tuple) else (item,)
    for k, x in enumerate(value):
        if not isinstance(x, ts) or (isinstance(x, bool) and bool not in ts):
            raise DataError(
                f"{where}: field '{dotted}[{k}]' is {_short(x)}; expected {_name(item)}"
            )
    return value


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

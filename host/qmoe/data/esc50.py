"""ESC-50 layout: `meta/esc50.csv` plus `audio/*.wav`, five official folds.

The same layout is written by the built-in generator (`qmoe.data.builtin`), whose csv names its
own classes; `load_builtin` reads it with label set "builtin-<N>class".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qmoe.data.tables import (
    class_names_by_index,
    parse_bool,
    parse_int,
    pick_label_set,
    read_csv_rows,
    require_dir,
)
from qmoe.data.types import AudioDataset, Clip
from qmoe.errors import DataError

META_CSV = Path("meta") / "esc50.csv"
AUDIO_DIR = "audio"
COLUMNS = ("filename", "fold", "target", "category", "esc10", "src_file", "take")
REQUIRED_COLUMNS = ("filename", "fold", "target", "category", "esc10")
N_FOLDS = 5
N_CLASSES = 50
LABEL_SETS = ("esc50-50class", "esc10", "esc50-5category", "from-csv")
CATEGORIES = ("animals", "natural", "human", "domestic", "urban")
"""The five major categories; category i holds targets 10*i .. 10*i+9."""


@dataclass(frozen=True)
class _Row:
    line: int
    filename: str
    fold: int
    target: int
    category: str
    esc10: bool


def _read_meta(root: Path, max_target: int | None) -> tuple[Path, list[_Row]]:
    """Parse and check meta/esc50.csv: value ranges, unique file names, audio files present."""
    csv_path = root / META_CSV
    _, raw = read_csv_rows(csv_path, REQUIRED_COLUMNS, "ESC-50 metadata")
    rows: list[_Row] = []
    first_line: dict[str, int] = {}
    for line, r in raw:
        filename = r["filename"].strip()
        if not filename:
            raise DataError(f"{csv_path} line {line}: column 'filename' is empty")
        if filename in first_line:
            raise DataError(
                f"{csv_path} line {line}: filename {filename!r} already listed on "
                f"line {first_line[filename]}"
            )
        first_line[filename] = line
        rows.append(
            _Row(
                line=line,
                filename=filename,
                fold=parse_int(csv_path, line, "fold", r["fold"], 1, N_FOLDS),
                target=parse_int(csv_path, line, "target", r["target"], 0, max_target),
                category=r["category"].strip(),
                esc10=parse_bool(csv_path, line, "esc10", r["esc10"]),
            )
        )
    for row in rows:
        if not (root / AUDIO_DIR / row.filename).is_file():
            raise DataError(
                f"{root / AUDIO_DIR / row.filename}: audio file not found "
                f"(listed in {csv_path} line {row.line})"
            )
    return csv_path, rows


def _dataset(
    name: str, label_set: str, class_names: list[str], root: Path, rows: list[tuple[_Row, int]]
) -> AudioDataset:
    """Build the AudioDataset from (row, label) pairs, keeping the csv's row order."""
    clips = [
        Clip(
            path=root / AUDIO_DIR / row.filename,
            label=label,
            fold=row.fold,
            name=f"{AUDIO_DIR}/{row.filename}",
        )
        for row, label in rows
    ]
    return AudioDataset(
        name=name,
        label_set=label_set,
        class_names=class_names,
        clips=clips,
        folds=sorted({c.fold for c in clips}),
        root=root,
    )


def load_esc50(root: Path, label_set: str | None = None) -> AudioDataset:
    """Read an ESC-50 folder with one of LABEL_SETS (default "esc50-50class").

    "esc50-50class": labels are the csv's targets 0..49, names from `category`.
    "esc10": rows with esc10 True, relabelled 0..9 in order of their original target.
    "esc50-5category": label = target // 10, names CATEGORIES.
    "from-csv": an ESC-50-layout dataset with its own classes: the targets present (any
    integer >= 0), relabelled 0..K-1 in target order, names from `category`; the dataset's
    label set is then "esc50-csv-<K>class".
    """
    root = require_dir(root, "ESC-50 dataset")
    if label_set and label_set.startswith("esc50-csv-"):  # as recorded by a from-csv run
        ds = _from_csv(root)
        if ds.label_set != label_set:
            raise DataError(
                f"{root}: label set {label_set!r} asked for, the csv gives {ds.label_set!r}"
            )
        return ds
    label_set = pick_label_set(label_set, LABEL_SETS, root)
    if label_set == "from-csv":
        return _from_csv(root)
    csv_path, rows = _read_meta(root, N_CLASSES - 1)
    try:
        all_names = class_names_by_index(
            csv_path,
            [(r.target, r.category, r.line) for r in rows],
            N_CLASSES,
            "target",
            "category",
        )
    except DataError as e:
        raise DataError(
            f"{e}; an ESC-50-layout dataset with other classes loads with --label-set from-csv"
        ) from None
    if label_set == "esc50-50class":
        return _dataset("esc50", label_set, all_names, root, [(r, r.target) for r in rows])
    if label_set == "esc50-5category":
        return _dataset(
            "esc50", label_set, list(CATEGORIES), root, [(r, r.target // 10) for r in rows]
        )
    esc10_rows = [r for r in rows if r.esc10]
    targets = sorted({r.target for r in esc10_rows})
    if not targets:
        raise DataError(f"{csv_path}: no row has esc10 True, so the esc10 label set is empty")
    relabel = {t: i for i, t in enumerate(targets)}
    return _dataset(
        "esc50",
        label_set,
        [all_names[t] for t in targets],
        root,
        [(r, relabel[r.target]) for r in esc10_rows],
    )


def _from_csv(root: Path) -> AudioDataset:
    """The "from-csv" label set: the csv's own targets, relabelled 0..K-1 in target order."""
    csv_path, rows = _read_meta(root, None)
    targets = sorted({r.target for r in rows})
    names: dict[int, tuple[str, int]] = {}
    for r in rows:
        first = names.setdefault(r.target, (r.category, r.line))
        if first[0] != r.category:
            raise DataError(
                f"{csv_path} line {r.line}: target {r.target} has category {r.category!r}, "
                f"but line {first[1]} gives it {first[0]!r}"
            )
    relabel = {t: i for i, t in enumerate(targets)}
    return _dataset(
        "esc50",
        f"esc50-csv-{len(targets)}class",
        [names[t][0] for t in targets],
        root,
        [(r, relabel[r.target]) for r in rows],
    )


def load_builtin(root: Path, label_set: str | None = None) -> AudioDataset:
    """Read a folder written by `generate_builtin` (ESC-50 layout, classes named in the csv).

    The only label set is "builtin-<N>class", N being the number of targets in the csv.
    """
    root = require_dir(root, "built-in dataset")
    csv_path, rows = _read_meta(root, None)
    n_classes = max(r.target for r in rows) + 1
    names = class_names_by_index(
        csv_path, [(r.target, r.category, r.line) for r in rows], n_classes, "target", "category"
    )
    label_set = pick_label_set(label_set, (f"builtin-{n_classes}class",), root)
    return _dataset("builtin", label_set, names, root, [(r, r.target) for r in rows])

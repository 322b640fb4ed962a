"""UrbanSound8K layout: `metadata/UrbanSound8K.csv` plus `audio/fold1..fold10/`, ten official
folds (never reshuffled: slices of one recording share a fold)."""

from __future__ import annotations

from pathlib import Path

from qmoe.data.tables import (
    class_names_by_index,
    parse_int,
    pick_label_set,
    read_csv_rows,
    require_dir,
)
from qmoe.data.types import AudioDataset, Clip
from qmoe.errors import DataError

META_CSV = Path("metadata") / "UrbanSound8K.csv"
COLUMNS = ("slice_file_name", "fsID", "start", "end", "salience", "fold", "classID", "class")
REQUIRED_COLUMNS = ("slice_file_name", "fold", "classID", "class")
N_FOLDS = 10
N_CLASSES = 10
LABEL_SETS = ("us8k-10class",)


def load_urbansound8k(root: Path, label_set: str | None = None) -> AudioDataset:
    """Read an UrbanSound8K folder: label = classID (0..9), names from `class`, official folds."""
    root = require_dir(root, "UrbanSound8K dataset")
    label_set = pick_label_set(label_set, LABEL_SETS, root)
    csv_path = root / META_CSV
    _, raw = read_csv_rows(csv_path, REQUIRED_COLUMNS, "UrbanSound8K metadata")
    clips: list[Clip] = []
    pairs: list[tuple[int, str, int]] = []
    first_line: dict[str, int] = {}
    for line, r in raw:
        filename = r["slice_file_name"].strip()
        if not filename:
            raise DataError(f"{csv_path} line {line}: column 'slice_file_name' is empty")
        fold = parse_int(csv_path, line, "fold", r["fold"], 1, N_FOLDS)
        class_id = parse_int(csv_path, line, "classID", r["classID"], 0, N_CLASSES - 1)
        name = f"audio/fold{fold}/{filename}"
        if name in first_line:
            raise DataError(
                f"{csv_path} line {line}: {name!r} already listed on line {first_line[name]}"
            )
        first_line[name] = line
        path = root / name
        if not path.is_file():
            raise DataError(f"{path}: audio file not found (listed in {csv_path} line {line})")
        pairs.append((class_id, r["class"].strip(), line))
        clips.append(Clip(path=path, label=class_id, fold=fold, name=name))
    names = class_names_by_index(csv_path, pairs, N_CLASSES, "classID", "class")
    return AudioDataset(
        name="urbansound8k",
        label_set=label_set,
        class_names=names,
        clips=clips,
        folds=sorted({c.fold for c in clips}),
        root=root,
    )

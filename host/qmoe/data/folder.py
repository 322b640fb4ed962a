"""Any labelled audio folder (`--dataset folder`): one sub-folder per class, or a CSV manifest.

Class folders: `root/<class>/…/*.wav` (audio found at any depth). Files in sub-folders of the
same name, `root/<class>/<group>/…`, form one group across classes (e.g. one speaker or one
recording); a file directly in a class folder is a group of its own. Manifest: a CSV file with
columns `file` and `label` and optionally `fold` (integer >= 1) and `group`; `file` is relative
to the manifest's folder.

Folds come from the manifest's `fold` column, or are drawn: K group-aware folds, stratified by
class where the groups allow it (scikit-learn StratifiedGroupKFold, shuffled with the seed), over
the clips sorted by name, so a group is never split between training and test.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from qmoe.data.audio import AUDIO_SUFFIXES
from qmoe.data.tables import parse_int, pick_label_set, read_csv_rows, require_dir
from qmoe.data.types import AudioDataset, Clip
from qmoe.errors import ConfigError, DataError

MANIFEST_COLUMNS = ("file", "label")
OPTIONAL_COLUMNS = ("fold", "group")


def _scan(root: Path) -> list[tuple[str, str, str]]:
    """(file relative to root, label, group) for every audio file in a class-folder tree.

    Hidden entries (names starting with '.', e.g. qmoe's `.qmoe-cache`) and files whose suffix is
    not in AUDIO_SUFFIXES are not clips; a class folder without audio files is a DataError."""
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        found = ", ".join(p.name for p in classes) or "none"
        raise DataError(
            f"{root}: expected one sub-folder per class (at least 2) holding audio files, or a "
            f"CSV manifest given as --root; found class folders: {found}"
        )
    rows = []
    for folder in classes:
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file()
            and p.suffix.lower() in AUDIO_SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )
        if not files:
            raise DataError(
                f"{folder}: class folder holds no audio files "
                f"(expected files ending in {', '.join(AUDIO_SUFFIXES)})"
            )
        for p in files:
            rel = p.relative_to(folder)
            name = p.relative_to(root).as_posix()
            rows.append((name, folder.name, rel.parts[0] if len(rel.parts) > 1 else name))
    return rows


def _read_manifest(
    path: Path,
) -> tuple[list[tuple[str, str, str]], list[int] | None, dict[str, int]]:
    """Rows (file, label, group), folds or None, and each file's manifest line."""
    columns, raw = read_csv_rows(path, MANIFEST_COLUMNS, "dataset manifest")
    base = path.parent
    rows, folds, line_of = [], [], {}
    has_fold, has_group = "fold" in columns, "group" in columns
    for line, r in raw:
        name, label = r["file"].strip(), r["label"].strip()
        for column, value in (("file", name), ("label", label)):
            if not value:
                raise DataError(f"{path} line {line}: column '{column}' is empty")
        if name in line_of:
            raise DataError(
                f"{path} line {line}: file {name!r} already listed on line {line_of[name]}"
            )
        line_of[name] = line
        if not (base / name).is_file():
            raise DataError(f"{base / name}: audio file not found (listed in {path} line {line})")
        group = r["group"].strip() if has_group else ""
        if has_group and not group:
            raise DataError(f"{path} line {line}: column 'group' is empty")
        rows.append((name, label, group or name))
        if has_fold:
            folds.append(parse_int(path, line, "fold", r["fold"], 1))
    return rows, (folds if has_fold else None), line_of


def _check_given_folds(
    path: Path, rows: list[tuple[str, str, str]], folds: list[int], line_of: dict[str, int]
) -> None:
    """DataError if a group's files sit in more than one fold (it would leak into training)."""
    seen: dict[str, tuple[int, str]] = {}
    for (name, _, group), fold in zip(rows, folds):
        first = seen.setdefault(group, (fold, name))
        if first[0] != fold:
            raise DataError(
                f"{path} line {line_of[name]}: group {group!r} is in fold {fold} here but in "
                f"fold {first[0]} on line {line_of[first[1]]}; a group must stay in one fold"
            )


def group_folds(
    labels: np.ndarray,
    groups: list[str],
    class_names: list[str],
    n_folds: int,
    seed: int,
    where: str,
) -> np.ndarray:
    """1-based folds 1..n_folds that never split a group, stratified by label where possible.

    DataError if there are fewer groups than folds, if a class lives in a single group (it could
    never be both trained on and tested), or if a fold would come out empty."""
    if not isinstance(n_folds, int) or n_folds < 2:
        raise ConfigError(f"n_folds={n_folds!r}: expected an integer >= 2")
    labels = np.asarray(labels, dtype=np.int64)
    uniq = sorted(set(groups))
    if len(uniq) < n_folds:
        raise DataError(
            f"{where}: {len(uniq)} groups for {n_folds} folds; every fold needs a group of its "
            "own (lower n_folds, or split the data into more groups)"
        )
    single = [
        class_names[c]
        for c in range(len(class_names))
        if len({g for g, lab in zip(groups, labels) if lab == c}) < 2
    ]
    if single:
        raise DataError(
            f"{where}: class(es) {', '.join(single)} come from a single group; a class needs "
            "at least two groups to be both trained on and tested"
        )
    index = {g: i for i, g in enumerate(uniq)}
    gid = np.array([index[g] for g in groups])
    folds = np.zeros(len(labels), dtype=np.int64)
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # "least populated class" warnings: stratified where possible
        warnings.simplefilter("ignore", UserWarning)
        for k, (_, test_idx) in enumerate(splitter.split(np.zeros(len(labels)), labels, gid)):
            folds[test_idx] = k + 1
    empty = [k for k in range(1, n_folds + 1) if not np.any(folds == k)]
    if empty:
        raise DataError(f"{where}: fold(s) {empty} came out empty; lower n_folds")
    return folds


def load_folder(
    root: Path, label_set: str | None = None, n_folds: int = 5, seed: int = 0
) -> AudioDataset:
    """Read a class-folder tree (root is a folder) or a manifest (root is a .csv file).

    Class names are the labels sorted; the label set is "folder-<N>class". Folds: see the
    module doc. Raises DataError naming the file, line and column of bad input.
    """
    path = Path(root).expanduser()
    if path.is_file():
        path = path.resolve()
        rows, folds, line_of = _read_manifest(path)
        base = path.parent
    else:
        base = path = require_dir(path, "dataset")
        rows, folds, line_of = _scan(path), None, {}
    class_names = sorted({label for _, label, _ in rows})
    if len(class_names) < 2:
        raise DataError(f"{path}: {len(class_names)} class ({class_names}); need at least 2")
    label_set = pick_label_set(label_set, (f"folder-{len(class_names)}class",), path)
    order = sorted(range(len(rows)), key=lambda i: rows[i][0])
    rows = [rows[i] for i in order]
    labels = np.array([class_names.index(label) for _, label, _ in rows], dtype=np.int64)
    if folds is not None:
        folds = np.array([folds[i] for i in order], dtype=np.int64)
        _check_given_folds(path, rows, folds.tolist(), line_of)
    else:
        folds = group_folds(labels, [g for _, _, g in rows], class_names, n_folds, seed, str(path))
    clips = [
        Clip(path=base / name, label=int(lab), fold=int(f), name=name)
        for (name, _, _), lab, f in zip(rows, labels, folds)
    ]
    return AudioDataset(
        name="folder",
        label_set=label_set,
        class_names=class_names,
        clips=clips,
        folds=sorted({c.fold for c in clips}),
        root=path,
    )


def write_manifest(
    root: Path,
    out: Path,
    group_pattern: str | None = None,
    n_folds: int | None = None,
    seed: int = 0,
) -> AudioDataset:
    """Write a manifest (file, label, group[, fold]) for a class-folder tree and return it loaded.

    `group_pattern`: a regular expression searched in each file's name (without suffix); its first
    capture group (or the whole match) is the file's group, e.g. `^([^_]+)_` for
    `<speaker>_<take>.wav`; a file it does not match is an error naming it. `n_folds`: also draw
    and write group-aware folds (see `group_folds`), freezing the split in the file.
    """
    root = require_dir(Path(root), "dataset")
    rows = _scan(root)
    if group_pattern is not None:
        try:
            rx = re.compile(group_pattern)
        except re.error as exc:
            raise ConfigError(f"group pattern {group_pattern!r}: {exc}") from exc
        grouped = []
        for name, label, _ in rows:
            m = rx.search(Path(name).stem)
            if m is None:
                raise DataError(f"{root / name}: group pattern {group_pattern!r} does not match")
            grouped.append((name, label, m.group(1) if rx.groups else m.group(0)))
        rows = grouped
    out = Path(out)
    base = out.resolve().parent
    files = [Path(root / name).resolve() for name, _, _ in rows]
    names = [
        f.relative_to(base).as_posix() if f.is_relative_to(base) else f.as_posix() for f in files
    ]
    folds = None
    if n_folds is not None:
        class_names = sorted({label for _, label, _ in rows})
        labels = np.array([class_names.index(label) for _, label, _ in rows])
        folds = group_folds(labels, [g for *_, g in rows], class_names, n_folds, seed, str(root))
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(("file", "label", "group", *(("fold",) if folds is not None else ())))
    for i, (name, (_, label, group)) in enumerate(zip(names, rows)):
        w.writerow((name, label, group, *((int(folds[i]),) if folds is not None else ())))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text.getvalue(), encoding="utf-8")
    return load_folder(out, n_folds=n_folds or 5, seed=seed)

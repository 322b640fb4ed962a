"""Reading metadata CSVs and assigning folds, with errors that name the file, line and column."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from qmoe.errors import ConfigError, DataError


def require_dir(root: Path, what: str) -> Path:
    """Return `root` resolved to an absolute path; DataError if it is not an existing folder."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: {what} folder not found (expected an existing directory)")
    return root.resolve()


def read_csv_rows(
    path: Path, required: Sequence[str], what: str
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Read a CSV with a header row; return (columns, [(line number, row as dict), ...]).

    Raises DataError when the file is missing or empty, has no data rows, lacks any of the
    `required` columns (all missing ones are listed), or has a row whose field count differs
    from the header's. Line numbers are 1-based lines of the file (the header is line 1).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"{path}: {what} not found (expected a CSV file with columns {', '.join(required)})"
        )
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            columns = [c.strip() for c in header] if header else []
            for fields in reader:
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue  # blank line
                if len(fields) != len(columns):
                    raise DataError(
                        f"{path} line {reader.line_num}: row has {len(fields)} "
                        f"fields, expected {len(columns)} as in the header"
                    )
                rows.append((reader.line_num, dict(zip(columns, fields))))
    except (UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"{path}: {what} is not a readable UTF-8 CSV file ({e})") from e
    if not columns:
        raise DataError(
            f"{path}: {what} is empty (expected a header row with columns {', '.join(required)})"
        )
    missing = [c for c in required if c not in columns]
    if missing:
        raise DataError(
            f"{path}: {what} lacks column(s) {', '.join(missing)} (found: {', '.join(columns)})"
        )
    if not rows:
        raise DataError(f"{path}: {what} has a header but no data rows")
    return columns, rows


def parse_int(
    path: Path, line: int, column: str, value: str, lo: int | None = None, hi: int | None = None
) -> int:
    """Parse an integer cell; DataError naming file, line, column and value if invalid or out of
    the inclusive range [lo, hi]."""
    text = value.strip()
    try:
        number = int(text)
    except ValueError:
        try:
            as_float = float(text)
        except ValueError:
            as_float = float("nan")
        if not as_float.is_integer():
            raise DataError(
                f"{path} line {line}: column '{column}' is {value!r}, expected an integer"
            ) from None
        number = int(as_float)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        span = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
        raise DataError(
            f"{path} line {line}: column '{column}' value {number} out of range, expected {span}"
        )
    return number


def parse_bool(path: Path, line: int, column: str, value: str) -> bool:
    """Parse True/False/1/0/yes/no (any case); DataError naming file, line and column otherwise."""
    text = value.strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise DataError(f"{path} line {line}: column '{column}' is {value!r}, expected True or False")


def class_names_by_index(
    path: Path,
    pairs: Sequence[tuple[int, str, int]],
    n_classes: int,
    id_column: str,
    name_column: str,
) -> list[str]:
    """Build class_names[i] from (class id, name, line) triples.

    Every id in 0..n_classes-1 must appear, and always with the same name; DataError otherwise.
    """
    names: dict[int, tuple[str, int]] = {}
    for cid, name, line in pairs:
        seen = names.setdefault(cid, (name, line))
        if seen[0] != name:
            raise DataError(
                f"{path} line {line}: {id_column} {cid} has {name_column} {name!r}, "
                f"but line {seen[1]} gives it {seen[0]!r}"
            )
    absent = [i for i in range(n_classes) if i not in names]
    if not absent:
        return [names[i][0] for i in range(n_classes)]
    top = max(names)
    below = max((i for i in names if i != top), default=-1)
    gap = top - below - 1
    if gap >= 2 and 2 * gap >= len(absent):
        # One id far above all others, e.g. a typo 99 among 0..9: name its line.
        raise DataError(
            f"{path} line {names[top][1]}: {id_column} {top} is far above the others (the "
            f"next largest is {below}): it would make {n_classes} classes with no rows for "
            f"{id_column} {_spans(absent)}; expected {id_column}s 0..K-1 without gaps"
        )
    raise DataError(
        f"{path}: no rows for {id_column} {_spans(absent)} "
        f"(expected every class 0..{n_classes - 1})"
    )


def _spans(ids: Sequence[int]) -> str:
    """Sorted ids as ranges: [1, 2, 3, 7] -> "1..3, 7"."""
    spans: list[list[int]] = []
    for i in sorted(ids):
        if spans and i == spans[-1][1] + 1:
            spans[-1][1] = i
        else:
            spans.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}..{b}" for a, b in spans)


def stratified_folds(
    labels: np.ndarray, class_names: Sequence[str], n_folds: int, seed: int, source: str
) -> np.ndarray:
    """Assign 1-based folds 1..n_folds, stratified by label and shuffled with `seed`.

    Every class needs at least n_folds members, so that each fold holds every class;
    DataError naming the short class otherwise. The result depends only on the label sequence,
    n_folds and seed.
    """
    if not isinstance(n_folds, int) or n_folds < 2:
        raise ConfigError(f"n_folds={n_folds!r}: expected an integer >= 2")
    labels = np.asarray(labels, dtype=np.int64)
    counts = np.bincount(labels, minlength=len(class_names))
    short = [f"{class_names[i]!r} ({int(c)})" for i, c in enumerate(counts) if 0 < c < n_folds]
    if short:
        raise DataError(
            f"{source}: class(es) {', '.join(short)} have fewer than n_folds={n_folds} "
            "items; stratified folds need at least n_folds per class "
            "(lower n_folds or add data)"
        )
    folds = np.zeros(len(labels), dtype=np.int64)
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for k, (_, test_idx) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        folds[test_idx] = k + 1
    return folds


def pick_label_set(label_set: str | None, valid: Sequence[str], where: Path) -> str:
    """Return `label_set`, or valid[0] when it is None; DataError listing the valid ones if it
    is not among them."""
    if label_set is None:
        return valid[0]
    if label_set not in valid:
        raise DataError(f"{where}: unknown label set {label_set!r}; valid: {', '.join(valid)}")
    return label_set

"""Precomputed embeddings in the paper's CSV format.

One row per clip: a `class_id` column, numeric feature columns, and optionally `fold`
(1-based), `category` (class name) and `name` (row id). Every other column is a feature.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qmoe.data.tables import class_names_by_index, parse_int, read_csv_rows, stratified_folds
from qmoe.data.types import FeatureDataset
from qmoe.errors import DataError

LABEL_COLUMN = "class_id"
OPTIONAL_COLUMNS = ("fold", "category", "name")


def _feature_matrix(
    path: Path, rows: list[tuple[int, dict[str, str]]], columns: list[str]
) -> np.ndarray:
    """Parse the feature cells as float32; DataError naming line and column of a bad cell."""
    cells = np.array([[r[c] for c in columns] for _, r in rows], dtype=str)
    try:
        X = cells.astype(np.float32)
        bad = ~np.isfinite(X)
    except ValueError:
        X = None
        bad = np.zeros(cells.shape, dtype=bool)
        for idx, text in np.ndenumerate(cells):
            try:
                float(text)
            except ValueError:
                bad[idx] = True
                break
    if X is not None and not bad.any():
        return X
    i, j = (int(v) for v in np.argwhere(bad)[0])
    raise DataError(
        f"{path} line {rows[i][0]}: feature column {columns[j]!r} is "
        f"{str(cells[i, j])!r}, expected a finite number"
    )


def load_embedding_csv(path: Path, n_folds: int = 5, seed: int = 0) -> FeatureDataset:
    """Read an embedding CSV into a FeatureDataset (X float32).

    Labels are `class_id` (0..K-1, K = largest id + 1). Class names come from `category`
    (consistent per class_id, every id in 0..K-1 present) or are "class_<id>". Folds come from
    `fold` (any integer >= 1) or are stratified folds 1..n_folds drawn with `seed`.
    The label set is "csv-<K>class".
    """
    path = Path(path).expanduser().resolve()
    columns, rows = read_csv_rows(path, (LABEL_COLUMN,), "embedding CSV")
    features = [c for c in columns if c != LABEL_COLUMN and c not in OPTIONAL_COLUMNS]
    if not features:
        raise DataError(
            f"{path}: no feature columns (expected numeric columns besides "
            f"{', '.join((LABEL_COLUMN, *OPTIONAL_COLUMNS))})"
        )
    y = np.array(
        [parse_int(path, line, LABEL_COLUMN, r[LABEL_COLUMN], 0) for line, r in rows],
        dtype=np.int64,
    )
    n_classes = int(y.max()) + 1
    if "category" in columns:
        pairs = [(int(c), r["category"].strip(), line) for c, (line, r) in zip(y, rows)]
        class_names = class_names_by_index(path, pairs, n_classes, LABEL_COLUMN, "category")
    else:
        class_names = [f"class_{i}" for i in range(n_classes)]
    if n_classes < 2:
        raise DataError(
            f"{path}: column {LABEL_COLUMN!r} holds only class 0 ({len(y)} rows); a classifier "
            "needs at least 2 classes (class ids 0..K-1, K >= 2)"
        )
    if "fold" in columns:
        folds = np.array(
            [parse_int(path, line, "fold", r["fold"], 1) for line, r in rows], dtype=np.int64
        )
    else:
        folds = stratified_folds(y, class_names, n_folds, seed, str(path))
    if "name" in columns:
        names = [r["name"].strip() for _, r in rows]
    else:
        names = [f"{path.name}:{line}" for line, _ in rows]
    return FeatureDataset(
        X=_feature_matrix(path, rows, features),
        y=y,
        folds=folds,
        names=names,
        class_names=class_names,
        label_set=f"csv-{n_classes}class",
        source=f"csv:{path}",
    )

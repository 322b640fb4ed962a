"""Embedding CSVs in the paper's format, with and without the optional columns."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pytest
from fixtures_audio import write_csv, write_embedding_csv

from qmoe.data import load_embedding_csv
from qmoe.errors import DataError


def test_all_columns(tmp_path):
    written = write_embedding_csv(tmp_path / "e.csv", n_classes=3, per_class=6, dim=4)
    fd = load_embedding_csv(tmp_path / "e.csv")
    assert fd.X.dtype == np.float32 and fd.X.shape == (18, 4)
    np.testing.assert_array_equal(fd.X, written["X"])
    assert fd.y.dtype == np.int64 and fd.y.tolist() == written["y"].tolist()
    assert fd.folds.dtype == np.int64 and fd.folds.tolist() == written["folds"].tolist()
    assert fd.names == written["names"]
    assert fd.class_names == ["cat0", "cat1", "cat2"]
    assert fd.label_set == "csv-3class"
    assert fd.source == f"csv:{(tmp_path / 'e.csv').resolve()}"
    assert fd.skipped == []


def test_minimal_columns_get_stratified_folds(tmp_path):
    written = write_embedding_csv(
        tmp_path / "e.csv", n_classes=4, per_class=10, dim=3, fold=False, category=False, name=False
    )
    fd = load_embedding_csv(tmp_path / "e.csv", n_folds=5, seed=7)
    np.testing.assert_array_equal(fd.X, written["X"])
    assert fd.class_names == ["class_0", "class_1", "class_2", "class_3"]
    assert sorted(set(fd.folds.tolist())) == [1, 2, 3, 4, 5]
    for label in range(4):
        assert Counter(fd.folds[fd.y == label].tolist()) == {k: 2 for k in range(1, 6)}
    assert len(set(fd.names)) == 40 and fd.names[0] == "e.csv:2"  # file line of the row
    again = load_embedding_csv(tmp_path / "e.csv", n_folds=5, seed=7)
    np.testing.assert_array_equal(fd.folds, again.folds)
    other = load_embedding_csv(tmp_path / "e.csv", n_folds=5, seed=8)
    assert not np.array_equal(fd.folds, other.folds)


def test_column_order_does_not_matter(tmp_path):
    write_embedding_csv(tmp_path / "a.csv", fold=True, category=True, name=False)
    with (tmp_path / "a.csv").open() as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0] if c != "class_id"] + ["class_id"]  # label last
    write_csv(tmp_path / "b.csv", rows, columns)
    a, b = load_embedding_csv(tmp_path / "a.csv"), load_embedding_csv(tmp_path / "b.csv")
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.folds, b.folds)


def test_inconsistent_category_names_both_lines(tmp_path):
    rows = [
        {"class_id": 0, "category": "dog", "f0": 1},
        {"class_id": 0, "category": "cat", "f0": 2},
    ]
    write_csv(tmp_path / "e.csv", rows)
    with pytest.raises(DataError, match=r"e\.csv line 3: class_id 0 .*'cat'.*line 2.*'dog'"):
        load_embedding_csv(tmp_path / "e.csv")

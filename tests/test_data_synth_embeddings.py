"""The seeded embedding CSV in the paper's format (`qmoe-host data embeddings`)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from qmoe.cli import cli
from qmoe.data import load_embedding_csv
from qmoe.data.synth_embeddings import PAPER_CATEGORIES, generate_embeddings
from qmoe.errors import ConfigError


def test_paper_format_loads_with_folds_names_and_categories(tmp_path):
    path = generate_embeddings(tmp_path / "e.csv", rows_per_class=5, dim=1536)
    with path.open(newline="") as fh:
        header = next(csv.reader(fh))
    assert header[:4] == ["name", "fold", "category", "class_id"]
    assert header[4:] == [str(i) for i in range(1536)]
    fd = load_embedding_csv(path)
    assert fd.X.shape == (25, 1536) and fd.label_set == "csv-5class"
    assert fd.class_names == list(PAPER_CATEGORIES)
    assert np.all(fd.X >= 0), "softplus of pooled activations: non-negative"
    for c in range(5):  # one row of each class per fold
        assert sorted(fd.folds[fd.y == c].tolist()) == [1, 2, 3, 4, 5]


def test_same_arguments_same_bytes_more_rows_keep_the_first(tmp_path):
    a = generate_embeddings(tmp_path / "a.csv", seed=1, rows_per_class=5, dim=32)
    b = generate_embeddings(tmp_path / "b.csv", seed=1, rows_per_class=5, dim=32)
    c = generate_embeddings(tmp_path / "c.csv", seed=2, rows_per_class=5, dim=32)
    more = generate_embeddings(tmp_path / "m.csv", seed=1, rows_per_class=7, dim=32)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    first = a.read_text().splitlines()
    assert more.read_text().splitlines()[: len(first)] == first


def test_classes_are_separable_but_not_trivially(tmp_path):
    """Nearest class mean on standardized features, fold 1 held out: well above chance (20 %)
    and below 100 %, so a classifier has something to learn and something to miss."""
    fd = load_embedding_csv(generate_embeddings(tmp_path / "e.csv", rows_per_class=40, dim=256))
    train, test = fd.folds != 1, fd.folds == 1
    mu, sd = fd.X[train].mean(0), fd.X[train].std(0) + 1e-6
    z = (fd.X - mu) / sd
    means = np.stack([z[train & (fd.y == c)].mean(0) for c in range(5)])
    pred = np.argmin(((z[test][:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    acc = float(np.mean(pred == fd.y[test]))
    assert 0.4 < acc < 1.0, acc


def test_bad_sizes_name_the_field(tmp_path):
    with pytest.raises(ConfigError, match="rows per class 3: need at least 5"):
        generate_embeddings(tmp_path / "e.csv", rows_per_class=3)
    with pytest.raises(ConfigError, match="dim 0"):
        generate_embeddings(tmp_path / "e.csv", dim=0)
    r = CliRunner().invoke(cli, ["data", "embeddings", "--out", str(tmp_path / "x.csv")])
    assert r.exit_code == 0 and "200 rows x 1536 features, label set csv-5class" in r.output

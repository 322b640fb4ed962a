"""Quinn/ABGQI loader: class folders, stratified seeded folds, deterministic order."""

from __future__ import annotations

from collections import Counter

import pytest
from fixtures_audio import QUINN_CLASSES, write_quinn

from qmoe.data import load_dataset
from qmoe.errors import ConfigError, DataError

PER_CLASS = (7, 6, 5, 8, 5)


@pytest.fixture(scope="module")
def quinn(tmp_path_factory):
    root = tmp_path_factory.mktemp("quinn")
    return root, write_quinn(root, PER_CLASS)


def test_every_audio_file_is_a_clip_once(quinn):
    root, written = quinn
    ds = load_dataset("quinn", root)
    assert ds.label_set == "abgqi-5class"
    assert ds.class_names == list(QUINN_CLASSES)
    expected = {
        p.relative_to(root).as_posix(): QUINN_CLASSES.index(c)
        for c, paths in written.items()
        for p in paths
    }
    assert {c.name: c.label for c in ds.clips} == expected  # notes.txt ignored
    assert len(ds.clips) == sum(PER_CLASS)  # no clip twice
    # Deterministic order: classes in ABGQI order, sorted paths within a class.
    assert [c.name for c in ds.clips] == sorted(
        (c.name for c in ds.clips), key=lambda n: (expected[n], n)
    )


def test_folds_are_stratified(quinn):
    root, _ = quinn
    ds = load_dataset("quinn", root, n_folds=5, seed=3)
    assert ds.folds == [1, 2, 3, 4, 5]
    for label, total in enumerate(PER_CLASS):
        per_fold = Counter(c.fold for c in ds.clips if c.label == label)
        assert sorted(per_fold) == [1, 2, 3, 4, 5]  # every class in every fold
        assert sum(per_fold.values()) == total
        assert max(per_fold.values()) - min(per_fold.values()) <= 1


def test_folds_deterministic_and_seeded(quinn):
    root, _ = quinn
    folds = lambda seed: [(c.name, c.fold) for c in load_dataset("quinn", root, seed=seed).clips]
    assert folds(0) == folds(0)
    assert folds(0) != folds(1)
    assert [c.fold for c in load_dataset("quinn", root, n_folds=2).clips].count(1) in (15, 16)


def test_class_folder_names_are_case_insensitive(tmp_path):
    write_quinn(tmp_path, (5,) * 5)
    (tmp_path / "biophony").rename(tmp_path / "Biophony")
    ds = load_dataset("quinn", tmp_path)
    assert {c.name.split("/")[0] for c in ds.clips if c.label == 1} == {"Biophony"}


def test_too_few_clips_for_the_folds(tmp_path):
    write_quinn(tmp_path, (5, 5, 3, 5, 5))
    with pytest.raises(DataError, match=r"'geophony' \(3\).*n_folds=5"):
        load_dataset("quinn", tmp_path, n_folds=5)
    assert len(load_dataset("quinn", tmp_path, n_folds=3).folds) == 3
    with pytest.raises(ConfigError, match="n_folds"):
        load_dataset("quinn", tmp_path, n_folds=1)

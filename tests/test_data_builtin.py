"""The built-in generator: deterministic bytes, ESC-50 layout the real loader reads, sane audio."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pytest

from qmoe.data import LABEL_SETS, generate_builtin, load_clip_pcm, load_dataset
from qmoe.data.builtin import render_clip
from qmoe.errors import ConfigError

SMALL = {"clips_per_class": 5, "duration_s": 0.5}


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("builtin")
    return root, generate_builtin(root, seed=0, **SMALL)


def test_same_seed_same_bytes_other_seed_differs(small, tmp_path):
    root, _ = small
    generate_builtin(tmp_path / "again", seed=0, **SMALL)
    generate_builtin(tmp_path / "other", seed=1, **SMALL)
    first, again, other = _tree(root), _tree(tmp_path / "again"), _tree(tmp_path / "other")
    assert len(first) == 50 + 1 and first == again
    assert first.keys() == other.keys()
    audio = [k for k in first if k.startswith("audio/")]
    assert all(first[k] != other[k] for k in audio)


def test_clip_independent_of_how_many_are_generated(small, tmp_path):
    root, _ = small
    generate_builtin(tmp_path / "more", seed=0, clips_per_class=7, duration_s=0.5)
    small_tree, more = _tree(root), _tree(tmp_path / "more")
    assert all(more[k] == v for k, v in small_tree.items() if k.startswith("audio/"))
    assert len(more) == 70 + 1


def test_written_in_esc50_layout_and_loaded(small):
    root, ds = small
    with (root / "meta" / "esc50.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["filename", "fold", "target", "category", "esc10", "src_file", "take"]
    assert {r["esc10"] for r in rows} == {"False"}
    loaded = load_dataset("builtin", root)
    assert loaded == ds
    assert loaded.name == "builtin" and len(ds.class_names) >= 8
    assert ds.label_set == f"builtin-{len(ds.class_names)}class" == LABEL_SETS["builtin"][0]
    assert ds.class_names == [
        r["category"]
        for r in sorted(rows, key=lambda r: int(r["target"]))
        if r["filename"].startswith("1-")
    ]
    per_class_fold = Counter((c.label, c.fold) for c in ds.clips)
    assert set(per_class_fold.values()) == {1} and len(per_class_fold) == 5 * len(ds.class_names)
    assert load_dataset("builtin", root, label_set=ds.label_set).clips == ds.clips


def test_audio_is_16bit_at_requested_rate_and_level(small):
    _, ds = small
    pcms, kept, skipped = load_clip_pcm(ds.clips, 16000)
    assert skipped == [] and len(kept) == 50
    for pcm in pcms:
        assert len(pcm) == 8000
        peak = int(np.abs(pcm.astype(np.int32)).max())
        assert 32768 * 10 ** (-24.5 / 20) <= peak <= 32768 * 10 ** (-0.9 / 20)
    # Each file is exactly render_clip(seed, class, k) for its src_file "<class:02d><k:04d>".
    for pcm, clip in list(zip(pcms, kept))[::17]:
        src = clip.name.split("-")[1]
        assert int(src[:2]) == clip.label
        np.testing.assert_array_equal(pcm, render_clip(0, clip.label, int(src[2:]), 16000, 8000))


def test_classes_are_distinguishable_but_not_trivially(small):
    """Nearest class mean of the log spectrum: well above chance (1/N), but not perfect."""
    _, ds = small
    pcms, kept, _ = load_clip_pcm(ds.clips, 16000)
    X = np.array(
        [
            np.log(
                np.abs(np.fft.rfft(p.astype(np.float64)))[:4000].reshape(40, 100).mean(axis=1)
                + 1e-3
            )
            for p in pcms
        ]
    )
    X -= X.mean(axis=1, keepdims=True)  # ignore overall loudness
    y = np.array([c.label for c in kept])
    folds = np.array([c.fold for c in kept])
    hits = 0
    for k in range(1, 6):
        train, test = folds != k, folds == k
        means = np.array([X[train & (y == c)].mean(axis=0) for c in range(len(ds.class_names))])
        pred = np.argmin(((X[test][:, None, :] - means[None]) ** 2).sum(-1), axis=1)
        hits += int((pred == y[test]).sum())
    assert 3 / len(ds.class_names) < hits / len(y) < 1.0


@pytest.mark.parametrize(
    "kwargs",
    [{"clips_per_class": 4}, {"sample_rate": 8000}, {"duration_s": 0.1}, {"seed": -1}],
)
def test_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        generate_builtin(tmp_path, **kwargs)

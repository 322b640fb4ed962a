"""ESC-50 loader on a fixture in ESC-50's exact layout: label sets, folds, class names."""

from __future__ import annotations

import pytest
from fixtures_audio import ESC10_TARGETS, ESC50_CATEGORIES, write_esc50

from qmoe.data import LABEL_SETS, load_clip_pcm, load_dataset


@pytest.fixture(scope="module")
def esc50_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("esc50")
    rows = write_esc50(root)
    return root, rows


def test_default_is_50_class(esc50_root):
    root, rows = esc50_root
    ds = load_dataset("esc50", root)
    assert ds.name == "esc50"
    assert ds.label_set == "esc50-50class" == LABEL_SETS["esc50"][0]
    assert ds.class_names == list(ESC50_CATEGORIES)
    assert len(ds.clips) == len(rows) == 50
    assert ds.folds == [1, 2, 3, 4, 5]
    for clip, row in zip(ds.clips, rows):
        assert clip.label == row["target"]
        assert clip.fold == row["fold"]
        assert clip.name == f"audio/{row['filename']}"
        assert clip.path.is_absolute() and clip.path.is_file()
    assert "esc50-50class" in ds.describe() and "50 classes" in ds.describe()


def test_esc10_relabels_in_target_order(esc50_root):
    root, _ = esc50_root
    ds = load_dataset("esc50", root, label_set="esc10")
    assert ds.label_set == "esc10"
    assert ds.class_names == [ESC50_CATEGORIES[t] for t in sorted(ESC10_TARGETS)]
    assert len(ds.clips) == 10
    for clip in ds.clips:
        original = int(clip.name.rsplit("-", 1)[1].removesuffix(".wav"))
        assert clip.label == sorted(ESC10_TARGETS).index(original)


def test_5category_groups_targets_by_tens(esc50_root):
    root, _ = esc50_root
    ds = load_dataset("esc50", root, label_set="esc50-5category")
    assert ds.class_names == ["animals", "natural", "human", "domestic", "urban"]
    assert len(ds.clips) == 50
    target_of = {c.name: int(c.name.rsplit("-", 1)[1].removesuffix(".wav")) for c in ds.clips}
    assert all(c.label == target_of[c.name] // 10 for c in ds.clips)
    assert sorted({c.label for c in ds.clips}) == [0, 1, 2, 3, 4]
    category_of = {target_of[c.name]: ds.class_names[c.label] for c in ds.clips}
    assert (category_of[0], category_of[25], category_of[42]) == ("animals", "human", "urban")


def test_clips_load_as_int16(esc50_root):
    root, _ = esc50_root
    ds = load_dataset("esc50", root)
    pcms, kept, skipped = load_clip_pcm(ds.clips[:3], 16000)
    assert skipped == [] and kept == ds.clips[:3]
    assert all(p.dtype.name == "int16" and abs(len(p) - 800) <= 1 for p in pcms)

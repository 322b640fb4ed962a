"""The generic folder dataset: class folders or a CSV manifest, group-aware seeded folds, errors
naming file, line and column; ESC-50's from-csv label set."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fixtures_audio import sine, write_esc50

from qmoe.api import load_features
from qmoe.data import load_dataset
from qmoe.data.folder import load_folder
from qmoe.errors import ConfigError, DataError

from support import run_cli

CLASSES = ("cat", "dog", "owl")
SPEAKERS = ("ann", "bob", "cid", "dee", "eve", "fay")


def _wav(path: Path, freq: float = 440.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), sine(freq, 8000, 0.05), 8000, subtype="PCM_16")
    return path


def write_tree(root: Path, per_speaker: int = 2) -> dict[str, str]:
    """root/<class>/<speaker>/<k>.wav for 3 classes × 6 speakers, plus a loose file per class and
    non-audio files; returns {file: speaker group}."""
    groups = {}
    for c, cls in enumerate(CLASSES):
        for s, spk in enumerate(SPEAKERS):
            for k in range(per_speaker):
                _wav(root / cls / spk / f"{k}.wav", 200 + 50 * c + 5 * s + k)
                groups[f"{cls}/{spk}/{k}.wav"] = spk
        _wav(root / cls / "loose.wav")
        groups[f"{cls}/loose.wav"] = f"{cls}/loose.wav"
        (root / cls / "notes.txt").write_text("not audio")
    (root / "README.md").write_text("top-level files are not clips")
    _wav(root / ".hidden" / "x.wav")  # hidden folders (e.g. .qmoe-cache) are not classes
    return groups


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    return root, write_tree(root)


def test_class_folders_load_with_group_aware_folds(tree):
    root, groups = tree
    ds = load_dataset("folder", root, n_folds=3, seed=0)
    assert ds.name == "folder" and ds.label_set == "folder-3class"
    assert ds.class_names == list(CLASSES)
    assert {c.name for c in ds.clips} == set(groups)
    assert all(ds.class_names[c.label] == c.name.split("/")[0] for c in ds.clips)
    assert ds.folds == [1, 2, 3]
    folds_of = defaultdict(set)
    for c in ds.clips:
        folds_of[groups[c.name]].add(c.fold)
    assert all(len(f) == 1 for f in folds_of.values()), "a speaker was split across folds"
    for label in range(3):  # stratified: every class in every fold
        assert {c.fold for c in ds.clips if c.label == label} == {1, 2, 3}


def test_folds_are_seeded(tree):
    root, _ = tree
    a = load_folder(root, n_folds=3, seed=1)
    b = load_folder(root, n_folds=3, seed=1)
    c = load_folder(root, n_folds=3, seed=2)
    assert [x.fold for x in a.clips] == [x.fold for x in b.clips]
    assert [x.fold for x in a.clips] != [x.fold for x in c.clips]


def test_manifest_with_groups_and_folds_written_by_data_manifest(tmp_path):
    root = tmp_path / "flat"
    for c, cls in enumerate(CLASSES):
        for s, spk in enumerate(SPEAKERS):
            _wav(root / cls / f"{spk}_take{s}.wav", 300 + 40 * c + s)
    r = run_cli(
        "data",
        "manifest",
        "--root",
        str(root),
        "--out",
        str(tmp_path / "m.csv"),
        "--group-pattern",
        "^([^_]+)_",
        "--folds",
        "3",
    )
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader((tmp_path / "m.csv").open()))
    assert [k for k in rows[0]] == ["file", "label", "group", "fold"]
    assert {row["group"] for row in rows} == set(SPEAKERS)
    fold_of = {}
    for row in rows:
        assert fold_of.setdefault(row["group"], row["fold"]) == row["fold"]
    ds = load_dataset("folder", tmp_path / "m.csv", n_folds=5, seed=9)  # folds come from the file
    assert {c.name: str(c.fold) for c in ds.clips} == {row["file"]: row["fold"] for row in rows}
    assert all(c.path.is_file() for c in ds.clips)


def _manifest(path: Path, rows: list[list[str]], header=("file", "label")) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.mark.parametrize(
    "rows, header, match",
    [
        ([["a.wav", ""]], ("file", "label"), r"m\.csv line 2: column 'label' is empty"),
        ([["a.wav", "x", "zero"]], ("file", "label", "fold"), r"line 2: column 'fold' is 'zero'"),
        ([["a.wav", "x", "0"]], ("file", "label", "fold"), r"line 2: column 'fold' value 0"),
        ([["a.wav", "x"], ["a.wav", "y"]], ("file", "label"), r"line 3: file 'a.wav' already"),
        ([["gone.wav", "x"]], ("file", "label"), r"gone\.wav: audio file not found .*line 2"),
        (
            [["a.wav", "x", "1", "g"], ["b.wav", "y", "2", "g"]],
            ("file", "label", "fold", "group"),
            r"line 3: group 'g' is in fold 2 here but in fold 1 on line 2",
        ),
        ([["a.wav"]], ("file",), r"lacks column\(s\) label"),
    ],
)
def test_manifest_errors_name_file_line_and_column(tmp_path, rows, header, match):
    _wav(tmp_path / "a.wav")
    _wav(tmp_path / "b.wav")
    with pytest.raises(DataError, match=match):
        load_folder(_manifest(tmp_path / "m.csv", rows, header))


def test_group_rules(tmp_path):
    for cls in ("x", "y"):
        for k in range(4):
            _wav(tmp_path / f"{cls}{k}.wav")
    rows = [[f"{c}{k}.wav", c, f"{c}-g{k % 2}"] for c in "xy" for k in range(4)]
    m = _manifest(tmp_path / "m.csv", rows, ("file", "label", "group"))
    with pytest.raises(DataError, match=r"4 groups for 5 folds"):
        load_folder(m, n_folds=5)
    ds = load_folder(m, n_folds=2)
    group = {r[0]: r[2] for r in rows}
    folds_of = defaultdict(set)
    for c in ds.clips:
        folds_of[group[c.name]].add(c.fold)
    assert ds.folds == [1, 2] and all(len(f) == 1 for f in folds_of.values())
    one = [[f"{c}{k}.wav", c, "same" if c == "x" else f"y{k}"] for c in "xy" for k in range(4)]
    with pytest.raises(DataError, match=r"class\(es\) x come from a single group"):
        load_folder(_manifest(tmp_path / "one.csv", one, ("file", "label", "group")), n_folds=2)
    with pytest.raises(ConfigError, match="n_folds"):
        load_folder(m, n_folds=1)


def test_layout_errors(tmp_path):
    with pytest.raises(DataError, match="folder not found"):
        load_dataset("folder", tmp_path / "nowhere")
    (tmp_path / "only").mkdir()
    with pytest.raises(DataError, match="at least 2"):
        load_dataset("folder", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="class folder holds no audio files"):
        load_dataset("folder", tmp_path)


def test_skip_bad_lists_unreadable_files(tmp_path):
    write_tree(tmp_path / "d", per_speaker=1)
    (tmp_path / "d" / "dog" / "ann" / "broken.wav").write_bytes(b"RIFF not really")
    with pytest.raises(DataError, match=r"broken\.wav"):
        load_features("folder", tmp_path / "d", n_folds=3)
    fd, _ = load_features("folder", tmp_path / "d", skip_bad=True, n_folds=3)
    assert [name for name, _ in fd.skipped] == ["dog/ann/broken.wav"]
    assert len(fd.y) == 3 * (len(SPEAKERS) + 1)
    fm, _ = load_features(
        "folder",
        _manifest(
            tmp_path / "d" / "m.csv",
            [
                ["cat/loose.wav", "cat"],
                ["dog/loose.wav", "dog"],
                ["dog/ann/broken.wav", "dog"],
                ["cat/ann/0.wav", "cat"],
                ["dog/bob/0.wav", "dog"],
            ],
        ),
        skip_bad=True,
        n_folds=2,
    )
    assert [name for name, _ in fm.skipped] == ["dog/ann/broken.wav"] and len(fm.y) == 4


def test_cli_data_info_and_train_on_a_folder(tree, tmp_path):
    root, _ = tree
    r = run_cli("data", "info", "--dataset", "folder", "--root", str(root))
    assert r.returncode == 0, r.stderr
    assert "folder [folder-3class]: 3 classes, 39 clips, 5 folds" in r.stdout


def test_esc50_from_csv_label_set(tmp_path):
    rows = write_esc50(tmp_path)
    keep = {0, 1, 10, 11}
    with (tmp_path / "meta" / "esc50.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if r["target"] in keep)
    with pytest.raises(DataError, match=r"no rows for target 2\b.*--label-set from-csv"):
        load_dataset("esc50", tmp_path)
    ds = load_dataset("esc50", tmp_path, label_set="from-csv")
    assert ds.label_set == "esc50-csv-4class"
    assert ds.class_names == ["dog", "rooster", "rain", "sea_waves"]
    assert sorted(c.label for c in ds.clips) == [0, 1, 2, 3]
    again = load_dataset("esc50", tmp_path, label_set="esc50-csv-4class")  # as a run records it
    assert again.clips == ds.clips
    with pytest.raises(DataError, match="esc50-csv-5class"):
        load_dataset("esc50", tmp_path, label_set="esc50-csv-5class")
    assert np.array_equal(
        load_features("esc50", tmp_path, label_set="from-csv")[0].y, [c.label for c in ds.clips]
    )

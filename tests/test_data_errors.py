"""Every kind of bad input raises DataError naming the file (and line/column/value) at fault."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
import soundfile as sf
from fixtures_audio import (
    write_csv,
    write_embedding_csv,
    write_esc50,
    write_quinn,
    write_urbansound8k,
)

from qmoe.data import load_clip_pcm, load_dataset, load_embedding_csv, read_audio
from qmoe.data.types import Clip, FeatureDataset
from qmoe.errors import ConfigError, DataError

ESC_CSV = "meta/esc50.csv"
US8K_CSV = "metadata/UrbanSound8K.csv"


@pytest.fixture(scope="module")
def esc50_src(tmp_path_factory):
    root = tmp_path_factory.mktemp("esc50src")
    write_esc50(root, clip_s=0.02)
    return root


@pytest.fixture
def esc50(esc50_src, tmp_path):
    """A fresh, writable copy of the ESC-50 fixture."""
    return shutil.copytree(esc50_src, tmp_path / "esc50")


def _edit_csv(path, line, column, value):
    """Set `column` on file line `line` (header is line 1) to `value`."""
    text = path.read_text().splitlines()
    header = text[0].split(",")
    cells = text[line - 1].split(",")
    cells[header.index(column)] = value
    text[line - 1] = ",".join(cells)
    path.write_text("\n".join(text) + "\n")


def _drop_column(path, column):
    rows = [line.split(",") for line in path.read_text().splitlines()]
    i = rows[0].index(column)
    path.write_text("\n".join(",".join(r[:i] + r[i + 1 :]) for r in rows) + "\n")


def _wav(path, n=1600, sr=16000):
    sf.write(str(path), np.zeros(n), sr, subtype="PCM_16")
    return path


@pytest.mark.parametrize("kind", ["esc50", "urbansound8k", "quinn", "builtin"])
def test_missing_root(tmp_path, kind):
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "nope")) + ".*not found"):
        load_dataset(kind, tmp_path / "nope")


def test_unknown_kind_lists_valid(tmp_path):
    with pytest.raises(ConfigError, match="'esc100'.*esc50, urbansound8k, quinn, builtin"):
        load_dataset("esc100", tmp_path)


def test_missing_csv(tmp_path):
    with pytest.raises(DataError, match=re.escape(str(tmp_path / ESC_CSV)) + ".*not found"):
        load_dataset("esc50", tmp_path)
    with pytest.raises(DataError, match=re.escape(str(tmp_path / US8K_CSV)) + ".*not found"):
        load_dataset("urbansound8k", tmp_path)


def test_empty_csv(esc50):
    (esc50 / ESC_CSV).write_text("")
    with pytest.raises(DataError, match=r"esc50\.csv: ESC-50 metadata is empty"):
        load_dataset("esc50", esc50)


def test_csv_missing_columns_are_listed(esc50):
    _drop_column(esc50 / ESC_CSV, "fold")
    _drop_column(esc50 / ESC_CSV, "esc10")
    with pytest.raises(DataError, match=r"esc50\.csv: .*lacks column\(s\) fold, esc10"):
        load_dataset("esc50", esc50)


def test_missing_audio_file(esc50):
    (esc50 / "audio" / "3-100002-A-2.wav").unlink()
    with pytest.raises(
        DataError,
        match=r"audio/3-100002-A-2\.wav: audio file not found "
        r"\(listed in .*esc50\.csv line 4\)",
    ):
        load_dataset("esc50", esc50)


def test_unknown_label_set_lists_valid(esc50):
    with pytest.raises(DataError, match="'esc20'.*esc50-50class, esc10, esc50-5category"):
        load_dataset("esc50", esc50, label_set="esc20")


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("fold", "6", "column 'fold' value 6 out of range, expected 1..5"),
        ("fold", "x", "column 'fold' is 'x', expected an integer"),
        ("target", "50", "column 'target' value 50 out of range, expected 0..49"),
        ("esc10", "maybe", "column 'esc10' is 'maybe', expected True or False"),
    ],
)
def test_bad_esc50_cells_name_line_and_value(esc50, column, value, expected):
    _edit_csv(esc50 / ESC_CSV, 7, column, value)
    with pytest.raises(DataError, match=r"esc50\.csv line 7: " + re.escape(expected)):
        load_dataset("esc50", esc50)


def test_esc50_inconsistent_category(esc50):
    _edit_csv(esc50 / ESC_CSV, 7, "category", "goat")
    _edit_csv(esc50 / ESC_CSV, 7, "target", "0")
    with pytest.raises(DataError, match=r"line 7: target 0 has category 'goat', but line 2"):
        load_dataset("esc50", esc50)


def test_esc50_missing_class(esc50):
    lines = (esc50 / ESC_CSV).read_text().splitlines()
    (esc50 / ESC_CSV).write_text("\n".join(lines[:-1]) + "\n")  # drop target 49
    with pytest.raises(DataError, match="no rows for target 49"):
        load_dataset("esc50", esc50)


def test_us8k_fold_and_class_out_of_range(tmp_path):
    write_urbansound8k(tmp_path, clip_s=0.02)
    _edit_csv(tmp_path / US8K_CSV, 3, "fold", "11")
    with pytest.raises(
        DataError,
        match=r"UrbanSound8K\.csv line 3: column 'fold' value 11 "
        r"out of range, expected 1\.\.10",
    ):
        load_dataset("urbansound8k", tmp_path)
    _edit_csv(tmp_path / US8K_CSV, 3, "fold", "2")
    _edit_csv(tmp_path / US8K_CSV, 4, "classID", "10")
    with pytest.raises(DataError, match=r"line 4: column 'classID' value 10 out of range"):
        load_dataset("urbansound8k", tmp_path)


def test_csv_row_with_wrong_field_count(esc50):
    with (esc50 / ESC_CSV).open("a") as f:
        f.write("extra.wav,1,0\n")
    with pytest.raises(DataError, match=r"esc50\.csv line 52: row has 3 fields, expected 7"):
        load_dataset("esc50", esc50)


def test_quinn_missing_class_folder(tmp_path):
    write_quinn(tmp_path, (5,) * 5)
    shutil.rmtree(tmp_path / "geophony")
    with pytest.raises(DataError, match=r"class folder\(s\) geophony not found"):
        load_dataset("quinn", tmp_path)


def test_quinn_class_folder_without_audio(tmp_path):
    write_quinn(tmp_path, (5,) * 5)
    for p in (tmp_path / "quiet").rglob("*.*"):
        if p.suffix != ".txt":
            p.unlink()
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "quiet")) + ": .*no audio"):
        load_dataset("quinn", tmp_path)


def test_missing_and_empty_audio(tmp_path):
    with pytest.raises(DataError, match=r"gone\.wav: audio file not found"):
        read_audio(tmp_path / "gone.wav", 16000)
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.wav: file is empty \(0 bytes\)"):
        read_audio(tmp_path / "empty.wav", 16000)


def test_non_audio_with_wav_suffix(tmp_path):
    (tmp_path / "notes.wav").write_text("these are some notes, not audio\n" * 10)
    with pytest.raises(DataError, match=r"notes\.wav: not a readable audio file"):
        read_audio(tmp_path / "notes.wav", 16000)


def test_truncated_wav_is_detected(tmp_path):
    data = _wav(tmp_path / "full.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) - 1000])
    # libsndfile alone would silently return the shorter signal:
    assert sf.info(str(tmp_path / "cut.wav")).frames < 1600
    with pytest.raises(
        DataError,
        match=r"cut\.wav: truncated WAV: the header declares 3200 "
        r"bytes of sample data but only 2200 follow",
    ):
        read_audio(tmp_path / "cut.wav", 16000)
    (tmp_path / "header_only.wav").write_bytes(data[:30])
    with pytest.raises(DataError, match=r"header_only\.wav: not a readable audio file"):
        read_audio(tmp_path / "header_only.wav", 16000)


def test_truncated_flac_is_detected(tmp_path):
    sf.write(str(tmp_path / "a.flac"), np.sin(np.arange(16000) / 10), 16000)
    data = (tmp_path / "a.flac").read_bytes()
    (tmp_path / "a.flac").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"a\.flac: .*truncated"):
        read_audio(tmp_path / "a.flac", 16000)


def test_bad_sample_rate_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="sample_rate=0"):
        read_audio(_wav(tmp_path / "a.wav"), 0)


def test_load_clip_pcm_skips_and_reports_every_bad_file(tmp_path):
    good = [_wav(tmp_path / f"g{i}.wav") for i in range(2)]
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "text.wav").write_text("not audio at all " * 20)
    paths = [
        good[0],
        tmp_path / "empty.wav",
        tmp_path / "missing.wav",
        good[1],
        tmp_path / "text.wav",
    ]
    clips = [Clip(path=p, label=0, fold=1, name=p.name) for p in paths]
    with pytest.raises(DataError, match=r"empty\.wav"):
        load_clip_pcm(clips, 16000)
    pcms, kept, skipped = load_clip_pcm(clips, 16000, skip_bad=True)
    assert [c.name for c in kept] == ["g0.wav", "g1.wav"] and len(pcms) == 2
    assert [name for name, _ in skipped] == ["empty.wav", "missing.wav", "text.wav"]
    reasons = [why for _, why in skipped]
    assert "empty" in reasons[0] and "not found" in reasons[1] and "not a readable" in reasons[2]


def test_embedding_csv_non_numeric_cell(tmp_path):
    write_embedding_csv(tmp_path / "e.csv")
    _edit_csv(tmp_path / "e.csv", 5, "f2", "abc")
    with pytest.raises(
        DataError,
        match=r"e\.csv line 5: feature column 'f2' is 'abc', "
        "expected a finite number",
    ):
        load_embedding_csv(tmp_path / "e.csv")
    _edit_csv(tmp_path / "e.csv", 5, "f2", "nan")
    with pytest.raises(DataError, match=r"line 5: feature column 'f2' is 'nan'"):
        load_embedding_csv(tmp_path / "e.csv")


def test_embedding_csv_structure_errors(tmp_path):
    write_csv(tmp_path / "nolabel.csv", [{"label": 0, "f0": 1.0}])
    with pytest.raises(DataError, match=r"nolabel\.csv: .*lacks column\(s\) class_id"):
        load_embedding_csv(tmp_path / "nolabel.csv")
    write_csv(tmp_path / "nofeat.csv", [{"class_id": 0, "fold": 1}])
    with pytest.raises(DataError, match=r"nofeat\.csv: no feature columns"):
        load_embedding_csv(tmp_path / "nofeat.csv")
    write_embedding_csv(tmp_path / "e.csv")
    _edit_csv(tmp_path / "e.csv", 4, "fold", "0")
    with pytest.raises(DataError, match=r"e\.csv line 4: column 'fold' value 0 out of range"):
        load_embedding_csv(tmp_path / "e.csv")
    _edit_csv(tmp_path / "e.csv", 4, "fold", "1")
    _edit_csv(tmp_path / "e.csv", 6, "class_id", "-1")
    with pytest.raises(DataError, match=r"line 6: column 'class_id' value -1 out of range"):
        load_embedding_csv(tmp_path / "e.csv")
    with pytest.raises(DataError, match=r"missing\.csv: embedding CSV not found"):
        load_embedding_csv(tmp_path / "missing.csv")


def test_feature_dataset_checks_lengths():
    with pytest.raises(DataError, match="src: y has 2 entries, expected 3"):
        FeatureDataset(
            X=np.zeros((3, 2)),
            y=np.zeros(2, np.int64),
            folds=np.ones(3, np.int64),
            names=["a", "b", "c"],
            class_names=["x"],
            label_set="s",
            source="src",
        )

"""The espeak-ng keyword set (qmoe.data.speech, `qmoe-host data speech`): layout, voice-disjoint
folds, determinism, and the error when espeak-ng is missing."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from qmoe.data import load_dataset
from qmoe.data import speech as sp
from qmoe.errors import ConfigError

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (tools/setup-toolchains.sh installs it)",
)
SMALL = dict(voices=sp.VOICES[:3], words=("yes", "no", "stop"), pitches=(40,), speeds=(150,))


def _digest(root) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.wav"))
    }


@needs_espeak
def test_small_set_layout_folds_and_determinism(tmp_path):
    manifest = sp.generate_speech(tmp_path / "a", seed=3, n_folds=3, **SMALL)
    with manifest.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 * 3 and {r["label"] for r in rows} == {"yes", "no", "stop"}
    by_voice = {}
    for r in rows:
        by_voice.setdefault(r["group"], set()).add(r["fold"])
    assert len(by_voice) == 3 and all(len(f) == 1 for f in by_voice.values())  # a voice, a fold
    ds = load_dataset("folder", manifest)
    assert len(ds.clips) == 9 and ds.folds == [1, 2, 3] and len(ds.class_names) == 3
    again = sp.generate_speech(tmp_path / "b", seed=3, n_folds=3, **SMALL)
    other = sp.generate_speech(tmp_path / "c", seed=4, n_folds=3, **SMALL)
    a, b, c = (_digest(m.parent) for m in (manifest, again, other))
    assert a == b and a.keys() == c.keys() and a != c
    # the voices really differ (espeak-ng ignores some variants; VOICES lists checked ones)
    clips = {sp.synthesize("stop", v, 50, 150).tobytes() for v in sp.VOICES}
    assert len(clips) == len(sp.VOICES)


def test_missing_espeak_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sp.shutil, "which", lambda _name: None)
    with pytest.raises(ConfigError, match="apt-get install espeak-ng"):
        sp.generate_speech(tmp_path, n_folds=3, **SMALL)
    res = subprocess.run(
        [sys.executable, "-m", "qmoe.cli", "data", "speech", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(tmp_path)},  # no espeak-ng on this PATH
        timeout=120,
    )
    assert res.returncode == 2 and "espeak-ng not found" in res.stderr, res.stderr


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n_folds": 1}, "n_folds"), ({"n_folds": 4}, "n_folds"), ({"seed": -1}, "seed")],
)
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        sp.generate_speech(tmp_path, **{**SMALL, **kwargs})

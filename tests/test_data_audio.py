"""Audio reading: UrbanSound8K's mix of sample rates, bit depths and channel counts."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from fixtures_audio import US8K_CLASSES, US8K_RATES, US8K_SUBTYPES, write_urbansound8k

from qmoe.data import load_clip_pcm, load_dataset, read_audio

TARGET_RATE = 16000


@pytest.fixture(scope="module")
def us8k(tmp_path_factory):
    root = tmp_path_factory.mktemp("us8k")
    return root, write_urbansound8k(root)


def test_fixture_covers_every_format(us8k):
    _, files = us8k
    for rate in US8K_RATES:
        assert {f.channels for f in files if f.sample_rate == rate} == {1, 2}
    for subtype in US8K_SUBTYPES:
        assert {f.channels for f in files if f.subtype == subtype} == {1, 2}
    assert {sf.info(str(us8k[0] / f.name)).subtype for f in files} == set(US8K_SUBTYPES)


def test_loader_uses_official_folds_and_class_names(us8k):
    root, files = us8k
    ds = load_dataset("urbansound8k", root)
    assert ds.label_set == "us8k-10class"
    assert ds.class_names == list(US8K_CLASSES)
    assert ds.folds == list(range(1, 11))
    assert [(c.name, c.label, c.fold) for c in ds.clips] == [
        (f.name, f.class_id, f.fold) for f in files
    ]
    assert all(c.name.startswith(f"audio/fold{c.fold}/") for c in ds.clips)


def test_every_format_loads_as_int16_mono_at_target_rate(us8k):
    root, files = us8k
    ds = load_dataset("urbansound8k", root)
    pcms, kept, skipped = load_clip_pcm(ds.clips, TARGET_RATE)
    assert skipped == [] and len(kept) == len(files)
    for pcm, f in zip(pcms, files):
        label = f"{f.sample_rate} Hz {f.subtype} x{f.channels}"
        assert pcm.dtype == np.int16 and pcm.ndim == 1, label
        assert abs(len(pcm) - f.frames * TARGET_RATE / f.sample_rate) <= 1, label
        # The sine keeps its frequency: spectrum peak within one bin of f.freq.
        spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
        bin_hz = TARGET_RATE / len(pcm)
        assert abs(np.argmax(spectrum) * bin_hz - f.freq) <= bin_hz, label
        # Channels are averaged: stereo has 0.5 and 0.25 amplitude -> 0.375; mono 0.5.
        amplitude = 0.5 if f.channels == 1 else 0.375
        middle = pcm[len(pcm) // 4 : 3 * len(pcm) // 4].astype(np.float64)
        rms = np.sqrt(np.mean(middle**2)) / 32768
        assert rms == pytest.approx(amplitude / np.sqrt(2), rel=0.03), label


def test_16bit_at_target_rate_is_lossless(tmp_path):
    pcm = np.random.default_rng(1).integers(-32768, 32768, 1234).astype(np.int16)
    sf.write(str(tmp_path / "a.wav"), pcm, TARGET_RATE, subtype="PCM_16")
    np.testing.assert_array_equal(read_audio(tmp_path / "a.wav", TARGET_RATE), pcm)


def test_float_beyond_full_scale_saturates(tmp_path):
    sf.write(str(tmp_path / "loud.wav"), np.array([2.0, -2.0, 0.5]), TARGET_RATE, subtype="FLOAT")
    assert read_audio(tmp_path / "loud.wav", TARGET_RATE).tolist() == [32767, -32768, 16384]


def test_flac_reads_like_wav(tmp_path):
    pcm = (np.sin(np.arange(4000) / 7) * 20000).astype(np.int16)
    sf.write(str(tmp_path / "a.flac"), pcm, 8000)
    sf.write(str(tmp_path / "a.wav"), pcm, 8000, subtype="PCM_16")
    np.testing.assert_array_equal(
        read_audio(tmp_path / "a.flac", TARGET_RATE), read_audio(tmp_path / "a.wav", TARGET_RATE)
    )

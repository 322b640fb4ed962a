"""The built-in dataset: seeded procedural sound scenes written in ESC-50's layout.

Each clip is one class's sound (`qmoe.data.synth`) with, drawn from the clip's own random
generator: sometimes a quieter distractor sound of another class, a simple reverb (an
exponentially decaying noise impulse response), pink-to-brown background noise at a random SNR,
and a random overall level. Clip k of class c uses a generator seeded by (seed, c, k) alone, so
it does not depend on how many clips are generated or in which order.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import fftconvolve

from qmoe.data import esc50
from qmoe.data.audio import to_int16
from qmoe.data.synth import CLASSES, colored_noise
from qmoe.data.types import AudioDataset
from qmoe.errors import ConfigError

CLASS_NAMES = tuple(CLASSES)
SNR_DB = (-3.0, 20.0)  # event RMS over background-noise RMS
DISTRACTOR_PROB = 0.5
DISTRACTOR_DB = (-16.0, -4.0)  # distractor RMS relative to the main event's
RT60_S = (0.05, 0.8)
WET = (0.05, 0.6)
PEAK_DBFS = (-24.0, -1.0)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2))) + 1e-12


def _reverb(rng: np.random.Generator, x: np.ndarray, sr: int) -> np.ndarray:
    """Mix in x convolved with an exponentially decaying noise impulse response."""
    rt60 = rng.uniform(*RT60_S)
    t = np.arange(int(rt60 * sr) + 1) / sr
    ir = rng.standard_normal(len(t)) * np.exp(-6.91 * t / rt60)
    wet = fftconvolve(x, ir)[: len(x)]
    return x + rng.uniform(*WET) * wet * (_rms(x) / _rms(wet))


def _distractor(rng: np.random.Generator, class_index: int, n: int, sr: int) -> np.ndarray:
    """Another class's sound, gated to a random segment with soft edges (unit RMS overall)."""
    other = int(rng.integers(len(CLASS_NAMES) - 1))
    other += other >= class_index
    d = CLASSES[CLASS_NAMES[other]](rng, n, sr)
    m = int(rng.uniform(0.25, 0.8) * n)
    start = int(rng.integers(0, n - m + 1))
    gate = np.zeros(n)
    gate[start : start + m] = np.hanning(m)
    d *= gate
    return d / _rms(d)


def render_clip(seed: int, class_index: int, k: int, sample_rate: int, n: int) -> np.ndarray:
    """Render clip k of class `class_index` as int16 PCM of n samples (deterministic in its
    arguments)."""
    seq = np.random.SeedSequence(seed, spawn_key=(class_index, k))
    rng = np.random.Generator(np.random.PCG64(seq))
    x = CLASSES[CLASS_NAMES[class_index]](rng, n, sample_rate)
    if rng.random() < DISTRACTOR_PROB:
        level = 10 ** (rng.uniform(*DISTRACTOR_DB) / 20)
        x = x + level * _rms(x) * _distractor(rng, class_index, n, sample_rate)
    x = _reverb(rng, x, sample_rate)
    noise = colored_noise(rng, n, rng.uniform(1.0, 2.0))
    x = x + noise * _rms(x) / 10 ** (rng.uniform(*SNR_DB) / 20)
    peak = 10 ** (rng.uniform(*PEAK_DBFS) / 20)
    return to_int16(x * peak / max(float(np.max(np.abs(x))), 1e-12))


def _check_args(seed: int, clips_per_class: int, sample_rate: int, duration_s: float) -> None:
    if not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed={seed!r}: expected a non-negative integer")
    if not isinstance(clips_per_class, int) or clips_per_class < esc50.N_FOLDS:
        raise ConfigError(
            f"clips_per_class={clips_per_class!r}: expected an integer >= "
            f"{esc50.N_FOLDS} (one clip per fold at least)"
        )
    if not isinstance(sample_rate, int) or not 16000 <= sample_rate <= 192000:
        raise ConfigError(
            f"sample_rate={sample_rate!r}: expected an integer in 16000..192000 Hz "
            "(the sounds reach 6.5 kHz)"
        )
    if not 0.5 <= duration_s <= 30.0:
        raise ConfigError(f"duration_s={duration_s!r}: expected 0.5..30 seconds")


def generate_builtin(
    out_dir: Path,
    seed: int = 0,
    clips_per_class: int = 40,
    sample_rate: int = 16000,
    duration_s: float = 2.0,
) -> AudioDataset:
    """Write the built-in dataset to out_dir in ESC-50 layout and return it as loaded.

    Writes `meta/esc50.csv` (filename, fold, target, category, esc10=False, src_file, take) and
    `audio/<fold>-<src_file>-A-<target>.wav` (16-bit PCM mono). Clip k of each class goes to
    fold k % 5 + 1, so the folds are balanced per class. The same arguments give byte-identical
    files. The result is `load_builtin(out_dir)` with label set "builtin-<N>class".
    """
    _check_args(seed, clips_per_class, sample_rate, duration_s)
    out_dir = Path(out_dir).expanduser()
    audio_dir = out_dir / esc50.AUDIO_DIR
    audio_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / esc50.META_CSV).parent.mkdir(parents=True, exist_ok=True)
    n = round(duration_s * sample_rate)
    rows = []
    for c, category in enumerate(CLASS_NAMES):
        for k in range(clips_per_class):
            fold = k % esc50.N_FOLDS + 1
            src = f"{c:02d}{k:04d}"
            filename = f"{fold}-{src}-A-{c}.wav"
            pcm = render_clip(seed, c, k, sample_rate, n)
            sf.write(str(audio_dir / filename), pcm, sample_rate, subtype="PCM_16", format="WAV")
            rows.append((filename, fold, c, category, "False", src, "A"))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(esc50.COLUMNS)
    writer.writerows(sorted(rows))
    (out_dir / esc50.META_CSV).write_text(text.getvalue(), encoding="utf-8")
    return esc50.load_builtin(out_dir)

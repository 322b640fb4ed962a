"""The built-in dataset: seeded procedural sound scenes written in ESC-50's layout.

Each clip is one class's sound with, drawn from the clip's own random generator: sometimes a
quieter distractor sound of another class, a simple reverb (an exponentially decaying noise impulse
response), pink-to-brown background noise at a random SNR, and a random overall level. Clip k of
class c uses a generator seeded by (seed, c, k) alone, so it does not depend on how many clips are
generated or in which order.

Two variants (VARIANTS): "default", 10 everyday sounds (`qmoe.data.synth`), and "hard", 16
classes that differ in one parameter (`qmoe.data.synth_hard`) at a lower SNR, with fewer clips.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import fftconvolve

from qmoe.data import esc50, synth, synth_hard
from qmoe.data.audio import to_int16
from qmoe.data.synth import colored_noise
from qmoe.data.types import AudioDataset
from qmoe.errors import ConfigError


@dataclass(frozen=True)
class Variant:
    """The class set and the scene parameters of one variant of the built-in dataset."""

    classes: dict[str, synth.SoundFn]
    snr_db: tuple[float, float]  # event RMS over background-noise RMS
    distractor_prob: float
    distractor_db: tuple[float, float]  # distractor RMS relative to the main event's
    clips_per_class: int  # the default
    rt60_s: tuple[float, float] = (0.05, 0.8)
    wet: tuple[float, float] = (0.05, 0.6)
    peak_dbfs: tuple[float, float] = (-24.0, -1.0)

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(self.classes)


VARIANTS = {
    "default": Variant(synth.CLASSES, (-3.0, 20.0), 0.5, (-16.0, -4.0), 40),
    "hard": Variant(synth_hard.CLASSES, (5.0, 20.0), 0.0, (-16.0, -4.0), 32),
}
CLASS_NAMES = VARIANTS["default"].class_names


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2))) + 1e-12


def _reverb(rng: np.random.Generator, x: np.ndarray, sr: int, v: Variant) -> np.ndarray:
    """Mix in x convolved with an exponentially decaying noise impulse response."""
    rt60 = rng.uniform(*v.rt60_s)
    t = np.arange(int(rt60 * sr) + 1) / sr
    ir = rng.standard_normal(len(t)) * np.exp(-6.91 * t / rt60)
    wet = fftconvolve(x, ir)[: len(x)]
    return x + rng.uniform(*v.wet) * wet * (_rms(x) / _rms(wet))


def _distractor(
    rng: np.random.Generator, class_index: int, n: int, sr: int, v: Variant
) -> np.ndarray:
    """Another class's sound, gated to a random segment with soft edges (unit RMS overall)."""
    other = int(rng.integers(len(v.classes) - 1))
    other += other >= class_index
    d = v.classes[v.class_names[other]](rng, n, sr)
    m = int(rng.uniform(0.25, 0.8) * n)
    start = int(rng.integers(0, n - m + 1))
    gate = np.zeros(n)
    gate[start : start + m] = np.hanning(m)
    d *= gate
    return d / _rms(d)


def render_clip(
    seed: int, class_index: int, k: int, sample_rate: int, n: int, variant: str = "default"
) -> np.ndarray:
    """Render clip k of class `class_index` of `variant` as int16 PCM of n samples
    (deterministic in its arguments)."""
    v = VARIANTS[variant]
    seq = np.random.SeedSequence(seed, spawn_key=(class_index, k))
    rng = np.random.Generator(np.random.PCG64(seq))
    x = v.classes[v.class_names[class_index]](rng, n, sample_rate)
    if rng.random() < v.distractor_prob:
        level = 10 ** (rng.uniform(*v.distractor_db) / 20)
        x = x + level * _rms(x) * _distractor(rng, class_index, n, sample_rate, v)
    x = _reverb(rng, x, sample_rate, v)
    noise = colored_noise(rng, n, rng.uniform(1.0, 2.0))
    x = x + noise * _rms(x) / 10 ** (rng.uniform(*v.snr_db) / 20)
    peak = 10 ** (rng.uniform(*v.peak_dbfs) / 20)
    return to_int16(x * peak / max(float(np.max(np.abs(x))), 1e-12))


def _check_args(
    seed: int, clips_per_class: int, sample_rate: int, duration_s: float, variant: str
) -> None:
    if variant not in VARIANTS:
        raise ConfigError(f"variant {variant!r}: expected one of {', '.join(VARIANTS)}")
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
    clips_per_class: int | None = None,
    sample_rate: int = 16000,
    duration_s: float = 2.0,
    variant: str = "default",
) -> AudioDataset:
    """Write the built-in dataset to out_dir in ESC-50 layout and return it as loaded.

    `variant` is a key of VARIANTS; clips_per_class=None takes the variant's default (40 for
    "default", 32 for "hard").
    Writes `meta/esc50.csv` (filename, fold, target, category, esc10=False, src_file, take) and
    `audio/<fold>-<src_file>-A-<target>.wav` (16-bit PCM mono). Clip k of each class goes to
    fold k % 5 + 1, so the folds are balanced per class. The same arguments give byte-identical
    files. The result is `load_builtin(out_dir)` with label set "builtin-<N>class".
    """
    if clips_per_class is None:
        clips_per_class = VARIANTS.get(variant, VARIANTS["default"]).clips_per_class
    _check_args(seed, clips_per_class, sample_rate, duration_s, variant)
    names = VARIANTS[variant].class_names
    out_dir = Path(out_dir).expanduser()
    audio_dir = out_dir / esc50.AUDIO_DIR
    audio_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / esc50.META_CSV).parent.mkdir(parents=True, exist_ok=True)
    n = round(duration_s * sample_rate)
    rows = []
    for c, category in enumerate(names):
        for k in range(clips_per_class):
            fold = k % esc50.N_FOLDS + 1
            src = f"{c:02d}{k:04d}"
            filename = f"{fold}-{src}-A-{c}.wav"
            pcm = render_clip(seed, c, k, sample_rate, n, variant)
            sf.write(str(audio_dir / filename), pcm, sample_rate, subtype="PCM_16", format="WAV")
            rows.append((filename, fold, c, category, "False", src, "A"))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(esc50.COLUMNS)
    writer.writerows(sorted(rows))
    (out_dir / esc50.META_CSV).write_text(text.getvalue(), encoding="utf-8")
    return esc50.load_builtin(out_dir)

"""A speech-like keyword dataset made here with espeak-ng: 10 words, several voices, noise, reverb.

Each voice is an espeak-ng language voice with a voice variant (e.g. `en-gb-scotland+m2`); each
word is spoken by every voice at several pitches and speeds ("takes"), placed at a random offset
in a fixed-length clip, given a simple room (exponentially decaying noise impulse response),
background noise at a random SNR and a random level. Everything after the synthesis is drawn from
a generator seeded by (seed, voice, word, take), and espeak-ng's output depends only on its
arguments, so the same seed writes the same files.

Layout (the `folder` dataset, docs/datasets.md): `<out>/<word>/<voice>/<word>_<voice>_<take>.wav`
and `<out>/manifest.csv` (file, label, fold, group = voice). The folds never share a voice: the
voices are dealt round-robin into `n_folds` folds, so a model is always tested on voices it never
heard. Load it with `--dataset folder --root <out>/manifest.csv`.

espeak-ng is a Debian package (`apt-get install espeak-ng`; tools/setup-toolchains.sh installs
it); without it `generate_speech` raises ConfigError saying so.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import fftconvolve, resample_poly

from qmoe.data.audio import to_int16
from qmoe.data.synth import colored_noise
from qmoe.errors import ConfigError, DataError

WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
# Ten espeak-ng voices that sound different from each other (language voice + variant). A voice
# such as `en-gb+f1` ignores its variant, so only voices checked to differ are listed.
VOICES = (
    "en-us+m1",
    "en-us+f2",
    "en+m3",
    "en+f1",
    "en-gb-scotland+m2",
    "en-gb-x-rp+f3",
    "en-029+m4",
    "en-gb-x-gbclan+f4",
    "en-gb-x-gbcwmd+m7",
    "en-us-nyc+f5",
)
PITCHES = (30, 50, 70)  # espeak-ng -p, 0..99
SPEEDS = (130, 170)  # espeak-ng -s, words per minute
ESPEAK_RATE = 22050  # espeak-ng's output sample rate


@dataclass(frozen=True)
class Scene:
    """Room, noise and level ranges of a clip."""

    snr_db: tuple[float, float] = (0.0, 20.0)
    rt60_s: tuple[float, float] = (0.1, 0.6)
    wet: tuple[float, float] = (0.1, 0.5)
    peak_dbfs: tuple[float, float] = (-26.0, -3.0)


def espeak_path() -> str:
    """The espeak-ng executable, or ConfigError naming the package that provides it."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ConfigError(
            "espeak-ng not found: install the Debian package espeak-ng "
            "(apt-get install espeak-ng, or tools/setup-toolchains.sh)"
        )
    return exe


def synthesize(word: str, voice: str, pitch: int, speed: int) -> np.ndarray:
    """espeak-ng's rendering of `word` as float64 samples at ESPEAK_RATE."""
    cmd = [espeak_path(), "-v", voice, "-p", str(pitch), "-s", str(speed), "--stdout", word]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        raise DataError(
            f"espeak-ng {' '.join(cmd[1:])}: exit {proc.returncode}: "
            f"{proc.stderr.decode(errors='replace').strip()}"
        )
    x, sr = sf.read(io.BytesIO(proc.stdout), dtype="float64")
    if sr != ESPEAK_RATE:
        raise DataError(f"espeak-ng wrote {sr} Hz audio, expected {ESPEAK_RATE} Hz")
    return x if x.ndim == 1 else x.mean(axis=1)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2))) + 1e-12


def render_clip(
    speech: np.ndarray, rng: np.random.Generator, sample_rate: int, n: int, scene: Scene
) -> np.ndarray:
    """Place espeak-ng `speech` (ESPEAK_RATE) in an n-sample clip with reverb, noise and level."""
    g = np.gcd(sample_rate, ESPEAK_RATE)
    x = resample_poly(speech, sample_rate // g, ESPEAK_RATE // g)
    nz = np.flatnonzero(np.abs(x) > 1e-3 * np.max(np.abs(x)))
    x = x[nz[0] : nz[-1] + 1] if nz.size else x
    x = x[:n]
    clip = np.zeros(n)
    start = int(rng.integers(0, n - len(x) + 1))
    clip[start : start + len(x)] = x
    rt60 = rng.uniform(*scene.rt60_s)
    t = np.arange(int(rt60 * sample_rate) + 1) / sample_rate
    ir = rng.standard_normal(len(t)) * np.exp(-6.91 * t / rt60)
    wet = fftconvolve(clip, ir)[:n]
    clip = clip + rng.uniform(*scene.wet) * wet * (_rms(clip) / _rms(wet))
    # The SNR is relative to the speech's RMS over the clip, as a keyword spotter would hear it.
    noise = colored_noise(rng, n, rng.uniform(0.0, 2.0))
    clip = clip + noise * _rms(clip) / 10 ** (rng.uniform(*scene.snr_db) / 20)
    peak = 10 ** (rng.uniform(*scene.peak_dbfs) / 20)
    return to_int16(clip * peak / max(float(np.max(np.abs(clip))), 1e-12))


def generate_speech(
    out: Path,
    seed: int = 0,
    voices: tuple[str, ...] = VOICES,
    words: tuple[str, ...] = WORDS,
    pitches: tuple[int, ...] = PITCHES,
    speeds: tuple[int, ...] = SPEEDS,
    n_folds: int = 5,
    sample_rate: int = 16000,
    duration_s: float = 1.0,
    scene: Scene | None = None,
) -> Path:
    """Write the dataset into `out` (created; existing files are overwritten) and return the path
    of its manifest. len(words) * len(voices) * len(pitches) * len(speeds) clips."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"seed={seed!r}: expected a non-negative integer")
    if not 2 <= n_folds <= len(voices):
        raise ConfigError(
            f"n_folds={n_folds}: expected 2..{len(voices)} (each fold needs a voice of its own)"
        )
    if len(set(words)) < 2 or len(set(voices)) != len(voices):
        raise ConfigError("words: at least 2 distinct words; voices: no voice twice")
    if not 0.5 <= duration_s <= 10.0:
        raise ConfigError(f"duration_s={duration_s}: expected 0.5..10 s")
    scene = scene or Scene()
    espeak_path()
    n = int(round(duration_s * sample_rate))
    out = Path(out)
    rows = []
    for v, voice in enumerate(voices):
        group = voice.replace("+", "_")
        for w, word in enumerate(words):
            folder = out / word / group
            folder.mkdir(parents=True, exist_ok=True)
            takes = [(p, s) for p in pitches for s in speeds]
            for k, (pitch, speed) in enumerate(takes):
                seq = np.random.SeedSequence(seed, spawn_key=(v, w, k))
                rng = np.random.Generator(np.random.PCG64(seq))
                pcm = render_clip(synthesize(word, voice, pitch, speed), rng, sample_rate, n, scene)
                name = f"{word}_{group}_p{pitch}_s{speed}.wav"
                sf.write(folder / name, pcm, sample_rate, subtype="PCM_16")
                rows.append((f"{word}/{group}/{name}", word, v % n_folds + 1, group))
    manifest = out / "manifest.csv"
    with manifest.open("w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["file", "label", "fold", "group"])
        wr.writerows(rows)
    return manifest

"""Writers of tiny datasets in each real layout (ESC-50, UrbanSound8K, Quinn, embedding CSV).

Use from tests with `from fixtures_audio import write_esc50, ...` (pytest puts tests/ on the
path). Every writer returns what it wrote so tests can compare against it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ESC50_CATEGORIES = (
    "dog", "rooster", "pig", "cow", "frog", "cat", "hen", "insects", "sheep", "crow",
    "rain", "sea_waves", "crackling_fire", "crickets", "chirping_birds", "water_drops", "wind",
    "pouring_water", "toilet_flush", "thunderstorm",
    "crying_baby", "sneezing", "clapping", "breathing", "coughing", "footsteps", "laughing",
    "brushing_teeth", "snoring", "drinking_sipping",
    "door_wood_knock", "mouse_click", "keyboard_typing", "door_wood_creaks", "can_opening",
    "washing_machine", "vacuum_cleaner", "clock_alarm", "clock_tick", "glass_breaking",
    "helicopter", "chainsaw", "siren", "car_horn", "engine", "train", "church_bells", "airplane",
    "fireworks", "hand_saw",
)  # fmt: skip
ESC10_TARGETS = (0, 1, 10, 11, 12, 20, 21, 38, 40, 41)
US8K_CLASSES = (
    "air_conditioner", "car_horn", "children_playing", "dog_bark", "drilling", "engine_idling",
    "gun_shot", "jackhammer", "siren", "street_music",
)  # fmt: skip
US8K_RATES = (8000, 22050, 44100, 48000, 96000)
US8K_SUBTYPES = ("PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT")
QUINN_CLASSES = ("anthropophony", "biophony", "geophony", "quiet", "interference")


def sine(freq: float, sr: int, duration_s: float, amplitude: float = 0.5) -> np.ndarray:
    """A float sine of round(duration_s * sr) samples."""
    t = np.arange(round(duration_s * sr)) / sr
    return amplitude * np.sin(2 * np.pi * freq * t)


def write_esc50(root: Path, clip_s: float = 0.05, sr: int = 44100) -> list[dict]:
    """Write ESC-50's layout with one clip per class (target t in fold t % 5 + 1); return rows."""
    (root / "meta").mkdir(parents=True, exist_ok=True)
    (root / "audio").mkdir(parents=True, exist_ok=True)
    rows = []
    for target, category in enumerate(ESC50_CATEGORIES):
        fold = target % 5 + 1
        src = f"{100000 + target}"
        filename = f"{fold}-{src}-A-{target}.wav"
        sf.write(
            str(root / "audio" / filename),
            sine(200 + 20 * target, sr, clip_s),
            sr,
            subtype="PCM_16",
        )
        rows.append(
            {
                "filename": filename,
                "fold": fold,
                "target": target,
                "category": category,
                "esc10": target in ESC10_TARGETS,
                "src_file": src,
                "take": "A",
            }
        )
    write_csv(root / "meta" / "esc50.csv", rows)
    return rows


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    """Write dict rows as a CSV (columns default to the first row's keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or list(rows[0])
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@dataclass(frozen=True)
class Us8kFile:
    """One UrbanSound8K fixture file and how it was written."""

    name: str  # relative to the dataset root
    sample_rate: int
    subtype: str
    channels: int
    frames: int
    freq: float
    class_id: int
    fold: int


def write_urbansound8k(root: Path, clip_s: float = 0.25, freq: float = 1000.0) -> list[Us8kFile]:
    """Write UrbanSound8K's layout: one file per (rate, subtype) in US8K_RATES x US8K_SUBTYPES,
    mono and stereo alternating (so every rate and every subtype has both). The left channel is
    a sine of `freq` at amplitude 0.5, the right (if any) the same sine at amplitude 0.25."""
    files: list[Us8kFile] = []
    rows = []
    for i, rate in enumerate(US8K_RATES):
        for j, subtype in enumerate(US8K_SUBTYPES):
            idx = i * len(US8K_SUBTYPES) + j
            channels = 1 + (i + j) % 2
            class_id, fold = idx % 10, idx % 10 + 1
            fname = f"{1000 + idx}-{class_id}-0-{idx}.wav"
            x = sine(freq, rate, clip_s)
            data = x if channels == 1 else np.stack([x, 0.5 * x], axis=1)
            folder = root / "audio" / f"fold{fold}"
            folder.mkdir(parents=True, exist_ok=True)
            sf.write(str(folder / fname), data, rate, subtype=subtype)
            files.append(
                Us8kFile(
                    f"audio/fold{fold}/{fname}",
                    rate,
                    subtype,
                    channels,
                    len(x),
                    freq,
                    class_id,
                    fold,
                )
            )
            rows.append(
                {
                    "slice_file_name": fname,
                    "fsID": 1000 + idx,
                    "start": 0.0,
                    "end": clip_s,
                    "salience": 1,
                    "fold": fold,
                    "classID": class_id,
                    "class": US8K_CLASSES[class_id],
                }
            )
    write_csv(root / "metadata" / "UrbanSound8K.csv", rows)
    return files


def write_quinn(
    root: Path, per_class: tuple[int, ...] = (7, 6, 5, 8, 5), clip_s: float = 0.05, sr: int = 16000
) -> dict[str, list[Path]]:
    """Write Quinn's layout: a folder per class, clips spread over nested site folders, plus a
    non-audio file per class that loaders must ignore. Returns class -> audio files written."""
    written: dict[str, list[Path]] = {}
    for c, (name, count) in enumerate(zip(QUINN_CLASSES, per_class)):
        written[name] = []
        for k in range(count):
            folder = root / name / f"site{k % 2}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{name}_{k:03d}.{'flac' if k % 3 == 2 else 'wav'}"
            sf.write(str(path), sine(300 + 100 * c + 10 * k, sr, clip_s), sr)
            written[name].append(path)
        (root / name / "notes.txt").write_text("not audio\n")
    return written


def write_embedding_csv(
    path: Path,
    n_classes: int = 3,
    per_class: int = 6,
    dim: int = 4,
    fold: bool = True,
    category: bool = True,
    name: bool = True,
    seed: int = 0,
) -> dict:
    """Write an embedding CSV in the paper's format; returns the arrays written."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), per_class)
    X = (rng.standard_normal((len(y), dim)) + y[:, None]).astype(np.float32)
    folds = np.arange(len(y)) % 3 + 1
    names = [f"clip_{i:03d}.wav" for i in range(len(y))]
    rows = []
    for i in range(len(y)):
        row: dict = {"class_id": int(y[i])}
        if fold:
            row["fold"] = int(folds[i])
        if category:
            row["category"] = f"cat{y[i]}"
        if name:
            row["name"] = names[i]
        row.update({f"f{j}": repr(float(X[i, j])) for j in range(dim)})
        rows.append(row)
    write_csv(path, rows)
    return {"X": X, "y": y, "folds": folds, "names": names}

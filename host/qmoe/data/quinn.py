"""Quinn et al. (2022) soundscape dataset, ABGQI labels: one folder per class with audio files
inside (searched recursively). There are no official folds: stratified K folds are drawn with a
seed, over the clips in sorted path order, so the split is deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qmoe.data.audio import AUDIO_SUFFIXES
from qmoe.data.tables import pick_label_set, require_dir, stratified_folds
from qmoe.data.types import AudioDataset, Clip
from qmoe.errors import DataError

CLASSES = ("anthropophony", "biophony", "geophony", "quiet", "interference")
LABEL_SETS = ("abgqi-5class",)


def _class_folders(root: Path) -> list[Path]:
    """Find each class folder (name compared case-insensitively); DataError listing the missing."""
    found = {p.name.lower(): p for p in sorted(root.iterdir()) if p.is_dir()}
    missing = [c for c in CLASSES if c not in found]
    if missing:
        present = ", ".join(sorted(p.name for p in found.values())) or "none"
        raise DataError(
            f"{root}: class folder(s) {', '.join(missing)} not found (expected one "
            f"folder per class: {', '.join(CLASSES)}; found: {present})"
        )
    return [found[c] for c in CLASSES]


def load_quinn(
    root: Path, label_set: str | None = None, n_folds: int = 5, seed: int = 0
) -> AudioDataset:
    """Read a Quinn/ABGQI folder; folds 1..n_folds are stratified and shuffled with `seed`.

    Files whose suffix is not in AUDIO_SUFFIXES are not clips and are ignored; a class folder
    without any audio file is a DataError.
    """
    root = require_dir(root, "Quinn/ABGQI dataset")
    label_set = pick_label_set(label_set, LABEL_SETS, root)
    paths: list[Path] = []
    labels: list[int] = []
    for label, folder in enumerate(_class_folders(root)):
        files = sorted(
            p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES
        )
        if not files:
            raise DataError(
                f"{folder}: class folder holds no audio files "
                f"(expected files ending in {', '.join(AUDIO_SUFFIXES)})"
            )
        paths.extend(files)
        labels.extend([label] * len(files))
    folds = stratified_folds(np.array(labels), CLASSES, n_folds, seed, str(root))
    clips = [
        Clip(path=p, label=lab, fold=int(f), name=p.relative_to(root).as_posix())
        for p, lab, f in zip(paths, labels, folds)
    ]
    return AudioDataset(
        name="quinn",
        label_set=label_set,
        class_names=list(CLASSES),
        clips=clips,
        folds=sorted({c.fold for c in clips}),
        root=root,
    )

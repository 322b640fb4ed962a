"""Dataset records shared by every loader: clips of an audio dataset and feature matrices."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qmoe.errors import DataError


@dataclass(frozen=True)
class Clip:
    """One audio clip of a dataset."""

    path: Path  # absolute path of the audio file
    label: int  # index into the dataset's class_names
    fold: int  # 1-based fold number (official folds where the dataset has them)
    name: str  # id relative to the dataset root, e.g. "audio/1-100032-A-0.wav"


@dataclass
class AudioDataset:
    """A list of labelled clips with their folds, as read from a dataset folder."""

    name: str  # "esc50" | "urbansound8k" | "quinn" | "builtin"
    label_set: str  # e.g. "esc50-50class", "esc10", "us8k-10class", "builtin-10class"
    class_names: list[str]
    clips: list[Clip]
    folds: list[int]  # sorted fold numbers present
    root: Path

    def describe(self) -> str:
        """One line: dataset name, label set, number of classes, clips and folds, root."""
        return (
            f"{self.name} [{self.label_set}]: {len(self.class_names)} classes, "
            f"{len(self.clips)} clips, {len(self.folds)} folds ({self.root})"
        )


@dataclass
class FeatureDataset:
    """A feature matrix with labels and folds (precomputed embeddings or front-end output)."""

    X: np.ndarray  # (N, D); float32 for CSV embeddings, int32 for integer front-end features
    y: np.ndarray  # (N,) int64 label indices
    folds: np.ndarray  # (N,) int64 1-based folds
    names: list[str]  # per-row id
    class_names: list[str]
    label_set: str
    source: str  # e.g. "esc50:/path" or "csv:/path/file.csv"
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason) per skipped input

    def __post_init__(self) -> None:
        """Check that the arrays agree in length, so a bad construction fails where it happens."""
        if self.X.ndim != 2:
            raise DataError(f"{self.source}: X must be 2-D (N, D), got shape {self.X.shape}")
        n = self.X.shape[0]
        for what, length in (
            ("y", len(self.y)),
            ("folds", len(self.folds)),
            ("names", len(self.names)),
        ):
            if length != n:
                raise DataError(
                    f"{self.source}: {what} has {length} entries, expected {n} (rows of X)"
                )
        if n and (int(self.y.min()) < 0 or int(self.y.max()) >= len(self.class_names)):
            raise DataError(
                f"{self.source}: labels span {int(self.y.min())}..{int(self.y.max())}, "
                f"expected 0..{len(self.class_names) - 1} (one per class name)"
            )

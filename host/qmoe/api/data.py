"""Data commands of the API: `qmoe-host data builtin`, `data embeddings`, `data info`,
`data manifest`, `data speech`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qmoe.data import (
    AudioDataset,
    FeatureDataset,
    generate_builtin,
    load_dataset,
    load_embedding_csv,
)


def data_builtin(
    out: Path, *, seed: int = 0, clips_per_class: int | None = None, variant: str = "default"
) -> AudioDataset:
    """`qmoe-host data builtin`: write the seeded built-in dataset in ESC-50's layout to `out`
    (`clips_per_class` default: 40, or 32 for the `hard` variant)."""
    return generate_builtin(out, seed=seed, clips_per_class=clips_per_class, variant=variant)


@dataclass
class EmbeddingsReport:
    """`qmoe-host data embeddings`: the CSV written and its rows as the loader reads them."""

    path: Path
    features: FeatureDataset

    def line(self) -> str:
        fd = self.features
        return (
            f"{self.path}: {len(fd.y)} rows x {fd.X.shape[1]} features, label set "
            f"{fd.label_set} ({', '.join(fd.class_names)}), folds {sorted(set(fd.folds.tolist()))}"
        )


def data_embeddings(
    out: Path, *, seed: int = 0, rows_per_class: int = 40, dim: int = 1536
) -> EmbeddingsReport:
    """`qmoe-host data embeddings`: a seeded embedding CSV in the paper's format (5 classes;
    stand-ins, not audio), read back."""
    from qmoe.data.synth_embeddings import generate_embeddings

    path = generate_embeddings(out, seed=seed, rows_per_class=rows_per_class, dim=dim)
    return EmbeddingsReport(path, load_embedding_csv(path))


def data_info(dataset: str, root: Path, label_set: str | None = None) -> AudioDataset:
    """`qmoe-host data info`: check a dataset's layout and read it (`.describe()` says what the
    loader sees)."""
    return load_dataset(dataset, root, label_set=label_set)


def data_manifest(
    root: Path,
    out: Path,
    *,
    group_pattern: str | None = None,
    n_folds: int | None = None,
    seed: int = 0,
) -> AudioDataset:
    """`qmoe-host data manifest`: write a CSV manifest (file, label, group[, fold]) for a folder
    of class sub-folders; return the dataset it describes."""
    from qmoe.data.folder import write_manifest

    return write_manifest(root, out, group_pattern=group_pattern, n_folds=n_folds, seed=seed)


def data_speech(
    out: Path, *, seed: int = 0, voices: int = 10, n_folds: int = 5
) -> tuple[Path, AudioDataset]:
    """`qmoe-host data speech`: write the 10-word espeak-ng keyword set (voice-disjoint folds;
    needs espeak-ng); return its manifest and the dataset it describes."""
    from qmoe.data.speech import VOICES, generate_speech

    manifest = generate_speech(out, seed=seed, voices=VOICES[:voices], n_folds=min(n_folds, voices))
    return manifest, load_dataset("folder", manifest)

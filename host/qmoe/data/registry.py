"""One entry point per source: `load_dataset` for audio datasets, `load_embedding_csv` for
precomputed embeddings, `generate_builtin` for the dataset that needs no download."""

from __future__ import annotations

from pathlib import Path

from qmoe.data import esc50, folder, quinn, urbansound8k
from qmoe.data.builtin import CLASS_NAMES, generate_builtin
from qmoe.data.embedding_csv import load_embedding_csv
from qmoe.data.types import AudioDataset
from qmoe.errors import ConfigError

__all__ = ["LABEL_SETS", "generate_builtin", "load_dataset", "load_embedding_csv"]

LABEL_SETS: dict[str, tuple[str, ...]] = {
    "esc50": esc50.LABEL_SETS,
    "urbansound8k": urbansound8k.LABEL_SETS,
    "quinn": quinn.LABEL_SETS,
    "builtin": (f"builtin-{len(CLASS_NAMES)}class",),
    "folder": ("folder-<N>class",),
}
"""Dataset kind -> valid label_set names; the first is the default. A built-in or generic folder's
label set is "builtin-<N>class" / "folder-<N>class" with N read from the data (the entry here for
builtin is what the default generator writes)."""


def load_dataset(
    kind: str, root: Path, label_set: str | None = None, n_folds: int = 5, seed: int = 0
) -> AudioDataset:
    """Read an audio dataset folder.

    kind in {"esc50", "urbansound8k", "quinn", "builtin", "folder"} ("builtin" = ESC-50 layout
    written by the generator; "folder" = class sub-folders or a CSV manifest, `qmoe.data.folder`).
    label_set=None picks the kind's default (LABEL_SETS[kind][0]). n_folds and seed only matter
    for "quinn" and for "folder" without a fold column; the others use their official folds.
    Raises ConfigError for an unknown kind, DataError for bad data or an unknown label set.
    """
    if kind == "esc50":
        return esc50.load_esc50(root, label_set)
    if kind == "builtin":
        return esc50.load_builtin(root, label_set)
    if kind == "urbansound8k":
        return urbansound8k.load_urbansound8k(root, label_set)
    if kind == "quinn":
        return quinn.load_quinn(root, label_set, n_folds=n_folds, seed=seed)
    if kind == "folder":
        return folder.load_folder(root, label_set, n_folds=n_folds, seed=seed)
    raise ConfigError(f"unknown dataset kind {kind!r}; valid: {', '.join(LABEL_SETS)}")

"""What `--quick` means for the bench scripts that train: a small built-in dataset in a folder of
its own and a few epochs. A quick run checks that a script works and prints its table in seconds;
its figures are not the README's (those come from the full runs).

bench/ is a folder of scripts: running `python bench/x.py` puts bench/ on sys.path, so the
scripts import this module by name.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from qmoe.train.config import TrainConfig

CLIPS_PER_CLASS = 10  # 100 clips, 2 per class per fold
EPOCHS = {"epochs": 20, "qat_epochs": 10, "router_epochs": 10}
HIDDEN = (32, 16)


def quick_config(base: TrainConfig) -> TrainConfig:
    """`base` with the quick epochs and hidden sizes."""
    return replace(base, hidden=HIDDEN, **EPOCHS)


def quick_data(work: Path, seed: int = 0) -> Path:
    """A small built-in dataset under `work` (written once)."""
    from qmoe.data import generate_builtin

    root = Path(work) / "builtin-quick"
    if not (root / "meta" / "esc50.csv").exists():
        generate_builtin(root, seed=seed, clips_per_class=CLIPS_PER_CLASS)
    return root

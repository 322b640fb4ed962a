"""A seeded embedding CSV in the paper's format, so that the paper's setting runs with no download.

The paper trains on precomputed 1536-d EfficientNet embeddings of ESC-50 clips (5 major
categories). Those cannot be fetched here, so `generate_embeddings()` writes stand-ins with the same
shape and columns (docs/datasets.md, "Embedding CSV"): `name`, `fold`, `category`, `class_id`,
then one column per dimension named `0`..`<dim-1>`. They are not audio embeddings and say nothing
about accuracy on ESC-50; they exercise the path (training, the paper-size networks, the device).

Each class has a centre in a small latent space; a row is its class centre plus within-class
variation, mapped to `dim` features by a fixed random projection, plus feature noise, through a
softplus (EfficientNet's pooled activations are non-negative). Class centres are close enough that
an fp32 MLP does not reach 100 %. Row k of class c uses its own generator,
`Generator(PCG64(SeedSequence(seed, spawn_key=(c, k))))`, and the shared projection and centres
use `spawn_key=(SHARED_KEY,)`: the same arguments give byte-identical files.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from qmoe.errors import ConfigError

PAPER_CATEGORIES = ("animals", "natural", "human", "domestic", "urban")
PAPER_DIM = 1536
LATENT_DIM = 16
CENTRE_SPREAD = 0.7  # standard deviation of the class centres in the latent space
WITHIN_CLASS = 1.0  # standard deviation of a row around its class centre
FEATURE_NOISE = 0.5
SHARED_KEY = 2**31 - 1


def _generator(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def generate_embeddings(
    out: Path,
    seed: int = 0,
    rows_per_class: int = 40,
    dim: int = PAPER_DIM,
    categories: tuple[str, ...] = PAPER_CATEGORIES,
    n_folds: int = 5,
) -> Path:
    """Write the CSV to `out` (parent folders created) and return its path.

    Row k of each class goes to fold `k % n_folds + 1`, so folds are balanced per class.
    ConfigError for sizes that cannot make a dataset.
    """
    if len(categories) < 2 or len(set(categories)) != len(categories):
        raise ConfigError(f"categories {list(categories)}: need at least two distinct names")
    if dim < 1:
        raise ConfigError(f"dim {dim}: need at least one feature column")
    if n_folds < 2:
        raise ConfigError(f"n_folds {n_folds}: need at least 2 folds")
    if rows_per_class < n_folds:
        raise ConfigError(f"rows per class {rows_per_class}: need at least {n_folds}, one per fold")
    shared = _generator(seed, SHARED_KEY)
    centres = shared.normal(0.0, CENTRE_SPREAD, (len(categories), LATENT_DIM))
    projection = shared.normal(0.0, 1.0 / np.sqrt(LATENT_DIM), (LATENT_DIM, dim))
    bias = shared.normal(-1.0, 0.5, dim)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "fold", "category", "class_id", *range(dim)])
        for k in range(rows_per_class):
            for c, category in enumerate(categories):
                rng = _generator(seed, c, k)
                z = centres[c] + rng.normal(0.0, WITHIN_CLASS, LATENT_DIM)
                x = np.logaddexp(0.0, z @ projection + bias + rng.normal(0.0, FEATURE_NOISE, dim))
                w.writerow(
                    [f"{category}-{k:04d}", k % n_folds + 1, category, c] + [f"{v:.5g}" for v in x]
                )
    return out

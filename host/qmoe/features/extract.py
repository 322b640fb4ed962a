"""Audio dataset -> integer front-end features, cached on disk.

The cache key covers the front-end configuration and every clip's name, size and modification time,
so a changed file or configuration recomputes; a cache file that does not load is recomputed too,
and a cache folder that cannot be written (a read-only dataset) is not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

import numpy as np

from qmoe.data import AudioDataset, FeatureDataset
from qmoe.data.audio import load_clip_pcm
from qmoe_codegen.frontend import FrontendConfig, batch_features

CACHE_VERSION = 1


def _cache_key(dataset: AudioDataset, cfg: FrontendConfig, skip_bad: bool) -> str:
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "v": CACHE_VERSION,
                "cfg": cfg.to_dict(),
                "skip_bad": skip_bad,
                "label_set": dataset.label_set,
            },
            sort_keys=True,
        ).encode()
    )
    for clip in dataset.clips:
        try:
            st = clip.path.stat()
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        h.update(f"{clip.name}|{clip.label}|{clip.fold}|{stamp}\n".encode())
    return h.hexdigest()[:16]


def extract_features(
    dataset: AudioDataset,
    cfg: FrontendConfig,
    cache_dir: Path | None = None,
    skip_bad: bool = False,
) -> FeatureDataset:
    """Run the integer front end on every clip of `dataset` (int32 features, one row per clip).

    With skip_bad=True unreadable clips are left out and listed in `FeatureDataset.skipped`;
    otherwise the first bad clip raises DataError naming it.
    """
    key = _cache_key(dataset, cfg, skip_bad)
    cache = Path(cache_dir) / f"features-{dataset.name}-{key}.npz" if cache_dir else None
    if cache is not None and cache.exists():
        try:
            with np.load(cache, allow_pickle=False) as z:
                return FeatureDataset(
                    X=z["X"],
                    y=z["y"],
                    folds=z["folds"],
                    names=[str(n) for n in z["names"]],
                    class_names=list(dataset.class_names),
                    label_set=dataset.label_set,
                    source=f"{dataset.name}:{dataset.root}",
                    skipped=[(str(a), str(b)) for a, b in z["skipped"].reshape(-1, 2)],
                )
        except (OSError, KeyError, ValueError):
            pass  # unreadable cache: recompute below
    pcms, kept, skipped = load_clip_pcm(dataset.clips, cfg.sample_rate, skip_bad=skip_bad)
    X = batch_features(pcms, cfg) if pcms else np.zeros((0, cfg.n_features), dtype=np.int32)
    fd = FeatureDataset(
        X=X,
        y=np.array([c.label for c in kept], dtype=np.int64),
        folds=np.array([c.fold for c in kept], dtype=np.int64),
        names=[c.name for c in kept],
        class_names=list(dataset.class_names),
        label_set=dataset.label_set,
        source=f"{dataset.name}:{dataset.root}",
        skipped=list(skipped),
    )
    if cache is not None:
        _write_cache(cache, fd)
    return fd


def _write_cache(cache: Path, fd: FeatureDataset) -> None:
    """Save the features for the next run; a folder that cannot be written (a read-only dataset)
    only costs the recomputation next time."""
    tmp = cache.with_suffix(".tmp.npz")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            tmp,
            X=fd.X,
            y=fd.y,
            folds=fd.folds,
            names=np.array(fd.names, dtype=str),
            skipped=np.array(fd.skipped, dtype=str).reshape(-1, 2),
        )
        tmp.replace(cache)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)

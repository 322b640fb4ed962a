"""Float reference of the integer front end (docs/frontend.md, "Float reference").

The same framing and the same mel triangles as `qmoe_codegen.frontend`, but the ideal arithmetic:
float periodic Hann, numpy's rfft, unquantized mel weights and exact log2. The result is scaled
into the integer pipeline's units, so `float_logmel(pcm, cfg) - frame_logmel(pcm, cfg)` is the
integer front end's error in Q8 log2 units (1 unit = 10 * log10(2) / 256 = 0.01176 dB):

    L = 256 * log2(4096 * 2**power_scale_log2(cfg) * sum_k mel[m, k] * |rfft(pcm * hann)[k]|**2 + 1)

with pcm in int16 units. The pooled statistics are the float versions of `pool_stats`: mean,
population standard deviation and mean absolute frame-to-frame change per band.
"""

from __future__ import annotations

import numpy as np

from qmoe.errors import DataError
from qmoe_codegen.frontend import (
    MEL_ONE,
    FrontendConfig,
    frame_signal,
    mel_filters_float,
    power_scale_log2,
)

__all__ = ["float_features", "float_logmel", "pcm_units"]


def pcm_units(pcm: np.ndarray) -> np.ndarray:
    """A 1-D signal in int16 units (float64): integer arrays as they are, floats times 32768."""
    x = np.asarray(pcm)
    if x.ndim != 1:
        raise DataError(f"pcm: expected a 1-D mono signal, got shape {x.shape}")
    if np.issubdtype(x.dtype, np.integer):
        return x.astype(np.float64)
    if not np.issubdtype(x.dtype, np.floating):
        raise DataError(f"pcm: expected int16 PCM or floats in [-1, 1), got dtype {x.dtype}")
    return x.astype(np.float64) * 32768.0


def float_logmel(pcm_float: np.ndarray, cfg: FrontendConfig) -> np.ndarray:
    """(F, n_mels) float64 log-mel in the integer front end's Q8 log2 units.

    `pcm_float` is either int16 PCM or a float signal in [-1, 1) (scaled by 32768).
    """
    frames = frame_signal(pcm_units(pcm_float), cfg)
    n = cfg.n_fft
    hann = 0.5 * (1.0 - np.cos(2.0 * np.pi * np.arange(n) / n))
    power = np.abs(np.fft.rfft(frames * hann, axis=-1)) ** 2
    energy = power @ mel_filters_float(cfg).T * (MEL_ONE * 2.0 ** power_scale_log2(cfg))
    return 256.0 * np.log2(energy + 1.0)


def float_features(pcm: np.ndarray, cfg: FrontendConfig) -> np.ndarray:
    """(n_features,) float64 statistics of `float_logmel`, in cfg.stats order: mean, population
    std, min, max, mean |step| and RMS step over frames (the step ones 0 for one frame)."""
    lm = float_logmel(pcm, cfg)
    step = np.abs(np.diff(lm, axis=0)) if lm.shape[0] > 1 else np.zeros((1, cfg.n_mels))
    out = {
        "mean": lm.mean(axis=0),
        "std": lm.std(axis=0),
        "min": lm.min(axis=0),
        "max": lm.max(axis=0),
        "delta": step.mean(axis=0),
        "drms": np.sqrt((step**2).mean(axis=0)),
    }
    return np.concatenate([out[s] for s in cfg.stats])

"""Input quantization: per-feature standardization of the front end's integer features to int8.

The front end produces int32 features (docs/frontend.md). Before the first layer of any expert or
router
they become int8 by one integer affine step per feature (docs/integer-semantics.md, "Input"):

    x8[i] = saturate(requantize(f[i] - mu[i], M[i], n[i]), -128, 127)

with mu[i] the training mean (int32) and M[i] / 2**n[i] ~= 1 / (sigma[i] * input_scale). The real
value
the network sees is x8 * input_scale, i.e. the standardized feature z = (f - mu) / sigma clipped at
+-clip_sigmas. Fitting uses floats once; applying is integer-only and is what the device does.

Precomputed float embeddings (CSV) have no integer front end: for them the same standardization is
done
in float on the host and the device receives the int8 vector directly (`apply_float`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .intops import INT8_MAX, INT8_MIN, quantize_multiplier, requantize, saturate

DEFAULT_CLIP_SIGMAS = 4.0


@dataclass
class InputQuant:
    """Per-feature standardization to int8; `integer`: mu/mult/shift apply (front end)."""

    mu: np.ndarray  # (D,) int64 for integer features, float64 for float features
    sigma: np.ndarray  # (D,) float64, > 0
    input_scale: float  # real value of one int8 step (in standard deviations)
    integer: bool
    mult: np.ndarray | None = None  # (D,) int64, Q31 multipliers (integer features only)
    shift: np.ndarray | None = None  # (D,) int64

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Quantize rows of features to int8 values (returned as int8 array)."""
        X = np.asarray(X)
        if X.shape[-1] != self.mu.shape[0]:
            raise ValueError(
                f"input has {X.shape[-1]} features, the input quantizer expects {self.mu.shape[0]}"
            )
        if self.integer:
            if not np.issubdtype(X.dtype, np.integer):
                raise ValueError(
                    f"integer input quantizer needs integer features, got dtype {X.dtype}"
                )
            q = saturate(
                requantize(X.astype(np.int64) - self.mu, self.mult, self.shift), INT8_MIN, INT8_MAX
            )
        else:
            z = (X.astype(np.float64) - self.mu) / (self.sigma * self.input_scale)
            q = np.clip(np.rint(z), INT8_MIN, INT8_MAX)
        return q.astype(np.int8)

    def to_dict(self) -> dict:
        d = {
            "integer": self.integer,
            "input_scale": self.input_scale,
            "mu": self.mu.tolist(),
            "sigma": self.sigma.tolist(),
        }
        if self.integer:
            d["mult"] = self.mult.tolist()
            d["shift"] = self.shift.tolist()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> InputQuant:
        integer = bool(d["integer"])
        dtype = np.int64 if integer else np.float64
        return cls(
            mu=np.asarray(d["mu"], dtype=dtype),
            sigma=np.asarray(d["sigma"], dtype=np.float64),
            input_scale=float(d["input_scale"]),
            integer=integer,
            mult=np.asarray(d["mult"], dtype=np.int64) if integer else None,
            shift=np.asarray(d["shift"], dtype=np.int64) if integer else None,
        )


def fit_input_quant(X_train: np.ndarray, clip_sigmas: float = DEFAULT_CLIP_SIGMAS) -> InputQuant:
    """Fit the standardization on training rows only. Integer X gives an integer-only quantizer."""
    X_train = np.asarray(X_train)
    if X_train.ndim != 2 or X_train.shape[0] < 2:
        raise ValueError(f"need a (rows >= 2, features) training matrix, got shape {X_train.shape}")
    input_scale = clip_sigmas / INT8_MAX
    sigma = X_train.astype(np.float64).std(axis=0)
    integer = np.issubdtype(X_train.dtype, np.integer)
    # A constant feature carries no information: a unit sigma maps it to 0 without dividing by zero.
    sigma = np.where(sigma > 1e-9, sigma, 1.0)
    if not integer:
        return InputQuant(X_train.astype(np.float64).mean(axis=0), sigma, input_scale, False)
    mu = np.rint(X_train.astype(np.float64).mean(axis=0)).astype(np.int64)
    pairs = [quantize_multiplier(1.0 / (s * input_scale)) for s in sigma]
    mult = np.array([m for m, _ in pairs], dtype=np.int64)
    shift = np.array([n for _, n in pairs], dtype=np.int64)
    return InputQuant(mu, sigma, input_scale, True, mult, shift)

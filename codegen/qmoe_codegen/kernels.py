"""Golden integer operators: the numpy mirror of the firmware's kernels and router.

Each function implements one section of docs/integer-semantics.md exactly, vectorized over a batch
(leading axis). The golden model (qmoe_codegen.golden) composes them; the C tests compare against
them.
"""

from __future__ import annotations

import math

import numpy as np

from .intops import requantize, saturate

LOGIT_FRAC_BITS = 5  # router logits are int16 in units of 2^-5 nats
PROB_BITS = 15  # router probabilities are Q15


def fc(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray,
    mult: np.ndarray,
    shift: np.ndarray,
    out_min: int,
    out_max: int,
) -> np.ndarray:
    """Fully-connected layer: clamp(requant(bias + w @ x)). x (B, n_in) int8 values, w (n_out,
    n_in).
    """
    acc = np.asarray(x, dtype=np.int64) @ np.asarray(w, dtype=np.int64).T + np.asarray(
        bias, np.int64
    )
    if np.any(np.abs(acc) >= 2**31):
        raise OverflowError("accumulator left int32: the layer's overflow bound was not checked")
    return saturate(requantize(acc, mult, shift), out_min, out_max)


def exp_table(frac_bits: int = LOGIT_FRAC_BITS, prob_bits: int = PROB_BITS) -> np.ndarray:
    """EXP[k] = round(2^prob_bits * exp(-k / 2^frac_bits)) until it rounds to 0 (uint16).

    Rounding is half up on the float value; the last entry is the last non-zero one.
    """
    one = 1 << prob_bits
    vals = []
    k = 0
    while True:
        v = math.floor(one * math.exp(-k / (1 << frac_bits)) + 0.5)
        if v == 0:
            break
        vals.append(v)
        k += 1
    return np.array(vals, dtype=np.uint16)


def softmax_q15(z: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Fixed-point softmax of int logits z (..., E) -> Q15 probabilities (int64)."""
    z = np.asarray(z, dtype=np.int64)
    d = z.max(axis=-1, keepdims=True) - z
    e = np.where(d < len(table), table[np.minimum(d, len(table) - 1)].astype(np.int64), 0)
    s = e.sum(axis=-1, keepdims=True)  # >= table[0] > 0: the max logit always contributes
    return (e * (1 << PROB_BITS) + s // 2) // s


def curiosity_raw(p: np.ndarray) -> np.ndarray:
    """U_raw = sum_e (T sum_t p^2 - (sum_t p)^2) for Q15 probabilities p (T, B, E) -> (B,)."""
    p = np.asarray(p, dtype=np.int64)
    t = p.shape[0]
    s1 = p.sum(axis=0)
    s2 = (p * p).sum(axis=0)
    return (t * s2 - s1 * s1).sum(axis=-1)


def argmax_first(v: np.ndarray) -> np.ndarray:
    """Index of the largest value along the last axis; ties go to the lowest index."""
    return np.argmax(np.asarray(v), axis=-1)


def route(
    u_raw: np.ndarray, choice: np.ndarray, thresholds: np.ndarray, lut: np.ndarray
) -> np.ndarray:
    """bin = #{k: thresholds[k] <= U_raw}; expert = lut[bin, choice]."""
    bins = np.searchsorted(
        np.asarray(thresholds, dtype=np.int64), np.asarray(u_raw, np.int64), side="right"
    )
    return np.asarray(lut)[bins, np.asarray(choice)]

"""Integer primitives shared by the golden model, the front end and the host.

The semantics are written down in docs/integer-semantics.md; the C runtime implements the same.
All functions work on numpy integer arrays and never on floats, except `quantize_multiplier`, which
turns a real scale into the (multiplier, shift) pair the integer code uses.
"""

from __future__ import annotations

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127
INT16_MIN, INT16_MAX = -32768, 32767
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def quantize_multiplier(real: float) -> tuple[int, int]:
    """Return (M, n) with M in [2**30, 2**31) and n in [1, 62] so that M / 2**n ~= real.

    `real` must be positive and finite. M is rounded to nearest. Scales too small for n <= 62
    give M = 0 (the output is then always 0), too large ones raise ValueError.
    """
    if not math.isfinite(real) or real <= 0.0:
        raise ValueError(f"requantization scale must be positive and finite, got {real!r}")
    mant, exp = math.frexp(real)  # real = mant * 2**exp, mant in [0.5, 1)
    m = int(round(mant * (1 << 31)))
    n = 31 - exp
    if m == 1 << 31:  # mantissa rounded up to 1.0
        m //= 2
        n -= 1
    if n > 62:
        shift_more = n - 62
        m = (m + (1 << (shift_more - 1))) >> shift_more
        n = 62
    if n < 1:
        raise ValueError(f"requantization scale {real!r} is too large (needs shift {n} < 1)")
    return m, n


def requantize(acc: np.ndarray, mult: np.ndarray | int, shift: np.ndarray | int) -> np.ndarray:
    """(acc * M + 2**(n-1)) >> n in int64, arithmetic shift: round half toward +infinity.

    acc must fit int32 and M int32 (0 <= M < 2**31), so the product fits int64 exactly.
    """
    acc = np.asarray(acc, dtype=np.int64)
    mult = np.asarray(mult, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    return (acc * mult + (np.int64(1) << (shift - 1))) >> shift


def saturate(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Clamp to [lo, hi] (inclusive)."""
    return np.clip(np.asarray(x, dtype=np.int64), lo, hi)


def round_div(num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """(num + den // 2) // den for num >= 0, den > 0: round half up, as C's unsigned division."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    return (num + den // 2) // den

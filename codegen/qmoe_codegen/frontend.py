"""Integer log-mel front end: the golden model of the firmware's feature extractor.

The contract is docs/frontend.md; this module is its golden implementation and the C front end in
firmware/ must reproduce its output bit for bit. Per frame of `n_fft` int16 samples:

1. window:  x = (pcm * w + 2**(14-G)) >> (15-G), w the Q15 periodic Hann, G = 15 - log2(n_fft);
2. FFT:     radix-2 decimation in time on int32 values with Q15 twiddles, no per-stage scaling;
3. power:   P = (re**2 + im**2) >> 8 for bins 0..n_fft/2 (int64);
4. mel:     E[m] = sum(W[m, k] * P[k]) with Q12 HTK-scale triangles stored sparsely (int64);
5. log:     L[m] = ilog2_q8(E[m] + 1), log2 in Q8 by a 257-entry Q15 table with interpolation.

A clip is summarized per mel band by pooled statistics of L over its frames, chosen by
`FrontendConfig.stats` from STATS (rounded mean, floor standard deviation, min, max, rounded mean
absolute frame-to-frame change, floor RMS of that change): len(stats) * n_mels int32 features, all
computable while streaming.

Floats are used only to build the tables (once, with the rounding given in the doc); everything
that runs per sample is integer. `>>` of a negative int64 is an arithmetic shift (floor), as numpy
does and as every compiler the firmware targets does (C99 leaves it implementation-defined).
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, fields

import numpy as np

from .errors import FrontendError

__all__ = [
    "BASIC_STATS",
    "MEL_ONE",
    "POWER_SHIFT",
    "STATS",
    "FrontendConfig",
    "FrontendError",
    "FrontendTables",
    "batch_features",
    "build_tables",
    "clip_features",
    "feature_names",
    "fft_int",
    "frame_logmel",
    "frame_signal",
    "ilog2_q8",
    "input_shift",
    "isqrt_u64",
    "mel_filters_float",
    "overflow_bounds",
    "pool_stats",
    "power_scale_log2",
]

Q15_ONE = 32767  # scale of the window and twiddle tables (32768 does not fit int16)
MEL_ONE = 4096  # Q12 weight of a mel triangle's apex
POWER_SHIFT = 8  # P = (re**2 + im**2) >> POWER_SHIFT
LOG2_TABLE_BITS = 8  # log2 table indexed by the 8 bits below the leading one, 2**8 + 1 entries
MAX_FRAMES = 1 << 17  # pooling keeps F * sum(L**2) < 2**63 up to this many frames
_BLOCK_SAMPLES = 1 << 17  # frames x n_fft per vectorized block: cache-sized, results unaffected

# Pooled statistics per band, in feature order; bit i of the C `stats` mask is STATS[i].
STATS = ("mean", "std", "min", "max", "delta", "drms")
BASIC_STATS = ("mean", "std", "delta")


TIE_EPS = 1e-9  # float64 values this close to a half-integer are exact ties (e.g. window[n/4])


def _round_half_up(x: np.ndarray) -> np.ndarray:
    """floor(x + 0.5 + TIE_EPS) of float64 x, as int64: the rounding used for every table.

    The guard makes exact ties round up even when float64 lands an ulp below them, e.g.
    32767 * 0.5 * (1 - cos(pi / 2)) = 16383.499999999998 for an exact 16383.5.
    """
    return np.floor(np.asarray(x, dtype=np.float64) + (0.5 + TIE_EPS)).astype(np.int64)


def _as_int(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        raise FrontendError(f"{name}={value!r}: expected an integer in {lo}..{hi}")
    return int(value)


def _as_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise FrontendError(f"{name}={value!r}: expected a finite number of Hz")
    return float(value)


def _as_stats(value: object) -> tuple[str, ...]:
    """Validated statistics names, in STATS order (the feature order)."""
    if isinstance(value, str):
        value = tuple(v.strip() for v in value.split(",") if v.strip())
    if not isinstance(value, (tuple, list)) or not value:
        raise FrontendError(f"stats={value!r}: expected a non-empty list of {', '.join(STATS)}")
    bad = [v for v in value if v not in STATS]
    if bad or len(set(value)) != len(value):
        raise FrontendError(
            f"stats={list(value)!r}: expected distinct names among {', '.join(STATS)}"
        )
    return tuple(s for s in STATS if s in value)


@dataclass(frozen=True)
class FrontendConfig:
    """Front-end parameters; validated on construction (FrontendError naming the field)."""

    sample_rate: int = 16000
    n_fft: int = 512  # power of two, 64..2048; the frame length
    hop: int = 256
    n_mels: int = 32
    fmin: float = 20.0
    fmax: float | None = None  # None -> sample_rate / 2
    stats: tuple[str, ...] = BASIC_STATS  # pooled statistics per band, a subset of STATS

    def __post_init__(self) -> None:
        sr = _as_int("sample_rate", self.sample_rate, 1000, 384000)
        n = _as_int("n_fft", self.n_fft, 64, 2048)
        if n & (n - 1):
            raise FrontendError(f"n_fft={n}: expected a power of two in 64..2048")
        hop = _as_int("hop", self.hop, 1, n)
        n_mels = _as_int("n_mels", self.n_mels, 1, n // 2)
        fmin = _as_float("fmin", self.fmin)
        fmax = None if self.fmax is None else _as_float("fmax", self.fmax)
        if fmax is not None and not 0.0 < fmax <= sr / 2:
            raise FrontendError(f"fmax={fmax!r}: expected 0 < fmax <= sample_rate / 2 = {sr / 2}")
        top = sr / 2 if fmax is None else fmax
        if not 0.0 <= fmin < top:
            raise FrontendError(f"fmin={fmin!r}: expected 0 <= fmin < fmax = {top} Hz")
        for name, value in zip(
            ("sample_rate", "n_fft", "hop", "n_mels", "fmin", "fmax"),
            (sr, n, hop, n_mels, fmin, fmax),
        ):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "stats", _as_stats(self.stats))
        _mel_tables(self)  # raises FrontendError if a band covers no FFT bin

    @property
    def n_features(self) -> int:
        """Length of a clip's feature vector: len(stats) statistics per mel band."""
        return len(self.stats) * self.n_mels

    @property
    def stats_mask(self) -> int:
        """The C `stats` bit mask: bit i set when STATS[i] is pooled."""
        return sum(1 << STATS.index(s) for s in self.stats)

    @property
    def fmax_hz(self) -> float:
        """The upper mel edge in Hz (fmax, or sample_rate / 2 when fmax is None)."""
        return self.sample_rate / 2 if self.fmax is None else self.fmax

    def to_dict(self) -> dict:
        """Plain JSON-ready dict of every field."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["stats"] = list(self.stats)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> FrontendConfig:
        """Inverse of to_dict; missing keys take defaults, unknown keys raise FrontendError."""
        if not isinstance(d, dict):
            raise FrontendError(f"front-end config: expected a dict, got {type(d).__name__}")
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise FrontendError(
                f"front-end config: unknown field(s) {unknown}, expected "
                f"{[f.name for f in fields(cls)]}"
            )
        return cls(**d)


@dataclass(frozen=True)
class FrontendTables:
    """Every constant the firmware needs, as read-only integer arrays (docs/frontend.md)."""

    window: np.ndarray  # (n_fft,) int16, Q15 periodic Hann
    twiddle_cos: np.ndarray  # (n_fft/2,) int16, Q15 Re(W^k), W = exp(-2*pi*i/n_fft)
    twiddle_sin: np.ndarray  # (n_fft/2,) int16, Q15 Im(W^k) (<= 0)
    bitrev: np.ndarray  # (n_fft,) uint16
    mel_start: np.ndarray  # (n_mels,) uint16, first FFT bin of band m
    mel_len: np.ndarray  # (n_mels,) uint16, number of bins of band m (>= 1)
    mel_offset: np.ndarray  # (n_mels,) uint16, index of band m's first weight in mel_weights
    mel_weights: np.ndarray  # (sum(mel_len),) uint16, Q12
    log2_table: np.ndarray  # (257,) uint16, Q15 log2(1 + i/256)
    input_shift: int  # G: the window step shifts right by 15 - G
    power_shift: int  # P = (re**2 + im**2) >> power_shift

    def arrays(self) -> dict[str, np.ndarray]:
        """The array fields by name, for emitters and serializers."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }


def input_shift(n_fft: int) -> int:
    """G = 15 - log2(n_fft): extra bits of precision given to the windowed samples."""
    return 15 - (int(n_fft).bit_length() - 1)


def power_scale_log2(cfg: FrontendConfig) -> int:
    """2G - 8: P ~= |rfft(pcm * hann)|**2 * 2**(2G - 8), pcm in int16 units, hann peak 1."""
    return 2 * input_shift(cfg.n_fft) - POWER_SHIFT


def _readonly(a: np.ndarray, dtype: type) -> np.ndarray:
    out = np.ascontiguousarray(a, dtype=dtype)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=16)
def _fft_tables(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(twiddle_cos, twiddle_sin, bitrev) for an n-point FFT, n a power of two."""
    k = np.arange(n // 2, dtype=np.float64)
    cos = _round_half_up(Q15_ONE * np.cos(2.0 * np.pi * k / n))
    sin = _round_half_up(-Q15_ONE * np.sin(2.0 * np.pi * k / n))
    bits = n.bit_length() - 1
    rev = [int(format(i, f"0{bits}b")[::-1], 2) for i in range(n)]
    return _readonly(cos, np.int16), _readonly(sin, np.int16), _readonly(rev, np.uint16)


def mel_filters_float(cfg: FrontendConfig) -> np.ndarray:
    """(n_mels, n_fft/2 + 1) float64 HTK-scale triangles, apex 1.0 (not area-normalized)."""
    mel_lo, mel_hi = (2595.0 * np.log10(1.0 + f / 700.0) for f in (cfg.fmin, cfg.fmax_hz))
    edges = 700.0 * (10.0 ** (np.linspace(mel_lo, mel_hi, cfg.n_mels + 2) / 2595.0) - 1.0)
    freqs = np.arange(cfg.n_fft // 2 + 1, dtype=np.float64) * cfg.sample_rate / cfg.n_fft
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lo) / (mid - lo)
    falling = (hi - freqs) / (hi - mid)
    return np.maximum(0.0, np.minimum(rising, falling))


@functools.lru_cache(maxsize=16)
def _mel_tables(cfg: FrontendConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(mel_start, mel_len, mel_offset, mel_weights): Q12 triangles without their zero ends."""
    q = _round_half_up(MEL_ONE * mel_filters_float(cfg))
    starts, lens, weights = [], [], []
    for m, row in enumerate(q):
        nz = np.flatnonzero(row)
        if nz.size == 0:
            raise FrontendError(
                f"n_mels={cfg.n_mels}: mel band {m} of {cfg.fmin}..{cfg.fmax_hz} Hz contains no "
                f"FFT bin at n_fft={cfg.n_fft}; use fewer bands, a larger n_fft or a higher fmin"
            )
        starts.append(nz[0])
        lens.append(nz[-1] - nz[0] + 1)
        weights.append(row[nz[0] : nz[-1] + 1])
    offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
    return (
        _readonly(starts, np.uint16),
        _readonly(lens, np.uint16),
        _readonly(offsets, np.uint16),
        _readonly(np.concatenate(weights), np.uint16),
    )


@functools.lru_cache(maxsize=1)
def _log2_table() -> np.ndarray:
    """T[i] = round_half_up(32768 * log2(1 + i / 256)), i = 0..256, uint16 (T[256] = 32768)."""
    i = np.arange((1 << LOG2_TABLE_BITS) + 1, dtype=np.float64)
    return _readonly(_round_half_up(32768.0 * np.log2(1.0 + i / (1 << LOG2_TABLE_BITS))), np.uint16)


@functools.lru_cache(maxsize=16)
def build_tables(cfg: FrontendConfig) -> FrontendTables:
    """All integer tables of `cfg` (cached per config; the arrays are read-only)."""
    n = cfg.n_fft
    window = _round_half_up(Q15_ONE * 0.5 * (1.0 - np.cos(2.0 * np.pi * np.arange(n) / n)))
    cos, sin, rev = _fft_tables(n)
    start, length, offset, weights = _mel_tables(cfg)
    return FrontendTables(
        window=_readonly(window, np.int16),
        twiddle_cos=cos,
        twiddle_sin=sin,
        bitrev=rev,
        mel_start=start,
        mel_len=length,
        mel_offset=offset,
        mel_weights=weights,
        log2_table=_log2_table(),
        input_shift=input_shift(n),
        power_shift=POWER_SHIFT,
    )


def overflow_bounds(cfg: FrontendConfig) -> dict[str, int]:
    """Proven upper bounds (exact integers) of every intermediate; docs/frontend.md derives them.

    Keys: window_abs (max |x|), fft_abs (max |re|, |im| in any FFT stage), fft_product (max |b*W|
    sum before the shift), power (max P), mel_energy (max E), log_q8 (max L), pool_s2 (max F*S2).
    """
    t = build_tables(cfg)
    n, g = cfg.n_fft, t.input_shift
    w = t.window.astype(object)
    m = int(max(w)) << g  # |x[n]| <= w[n] * 2**G
    energy = sum(int(v) * int(v) for v in w) << (2 * g)  # sum x**2
    fft_product = 0
    for _ in range(n.bit_length() - 1):  # rounding adds at most sqrt(2)/2 < 1 to a modulus
        fft_product = max(fft_product, 2 * m * Q15_ONE + (1 << 14))
        energy = 2 * energy + n * (2 * m + 1)
        m = 2 * m + 1
    mel = (MEL_ONE * energy) >> POWER_SHIFT
    log_q8 = 256 * mel.bit_length()  # ilog2_q8(v) <= 256 * (p + 1) with p = bit_length - 1
    return {
        "window_abs": int(max(w)) << g,
        "fft_abs": m,
        "fft_product": fft_product,
        "power": (m * m) >> POWER_SHIFT,
        "mel_energy": mel,
        "log_q8": log_q8,
        "pool_s2": MAX_FRAMES * MAX_FRAMES * log_q8 * log_q8,
    }


def frame_signal(pcm: np.ndarray, cfg: FrontendConfig) -> np.ndarray:
    """(F, n_fft) frames of a 1-D signal (a view when no padding is needed).

    A signal shorter than n_fft is zero-padded at the end to n_fft; frames start at 0, hop, ...
    while start + n_fft <= len, so F = 1 + (len - n_fft) // hop. Works for any dtype.
    """
    x = np.asarray(pcm)
    if x.ndim != 1:
        raise FrontendError(f"pcm: expected a 1-D mono signal, got shape {x.shape}")
    n, hop = cfg.n_fft, cfg.hop
    if x.shape[0] < n:
        x = np.concatenate([x, np.zeros(n - x.shape[0], dtype=x.dtype)])
    count = 1 + (x.shape[0] - n) // hop
    return np.lib.stride_tricks.as_strided(
        x, shape=(count, n), strides=(x.strides[0] * hop, x.strides[0]), writeable=False
    )


def _fft_stages(re: np.ndarray, im: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> None:
    """In-place DIT butterflies on int64 (B, n) arrays already in bit-reversed order."""
    b, n = re.shape
    half = np.int64(1 << 14)
    h = 1
    while h < n:
        step = n // (2 * h)
        wr, wi = cos[::step], sin[::step]  # W^(j*step), j < h
        r, i = re.reshape(b, step, 2, h), im.reshape(b, step, 2, h)
        ar, br, ai, bi = r[:, :, 0], r[:, :, 1], i[:, :, 0], i[:, :, 1]
        tr = (br * wr - bi * wi + half) >> 15  # int64, arithmetic shift
        ti = (br * wi + bi * wr + half) >> 15
        np.subtract(ar, tr, out=br)
        ar += tr
        np.subtract(ai, ti, out=bi)
        ai += ti
        h *= 2


def fft_int(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The front end's fixed-point FFT of real int32 input (..., n): (re, im) int32, all n bins.

    n must be a power of two in 2..32768 and |x| < 2**(30 - log2 n) (the range the window step
    produces), which keeps every value inside int32 (docs/frontend.md, "Overflow bounds").
    """
    x = np.asarray(x)
    n = x.shape[-1] if x.ndim else 0
    if n < 2 or n > 32768 or n & (n - 1):
        raise FrontendError(f"fft_int: last axis has length {n}, expected a power of two 2..32768")
    if not np.issubdtype(x.dtype, np.integer):
        raise FrontendError(f"fft_int: expected integer input, got dtype {x.dtype}")
    limit = 1 << (31 - n.bit_length())
    if x.size and int(np.abs(x.astype(np.int64)).max()) >= limit:
        raise FrontendError(f"fft_int: |x| must be below 2**{31 - n.bit_length()} for n={n}")
    cos, sin, rev = _fft_tables(n)
    flat = x.reshape(-1, n).astype(np.int64)
    re = np.ascontiguousarray(flat[:, rev])
    im = np.zeros_like(re)
    _fft_stages(re, im, cos.astype(np.int64), sin.astype(np.int64))
    return re.astype(np.int32).reshape(x.shape), im.astype(np.int32).reshape(x.shape)


def _as_uint64(v: np.ndarray, name: str, lo: int) -> np.ndarray:
    arr = np.asarray(v)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.integer):
        raise FrontendError(f"{name}: expected integers in {lo}..2**64-1, got dtype {arr.dtype}")
    if arr.size and int(arr.min()) < lo:
        raise FrontendError(f"{name}: expected integers >= {lo}, got {int(arr.min())}")
    return arr.astype(np.uint64)


def _msb_index(v: np.ndarray) -> np.ndarray:
    """floor(log2 v) of uint64 v >= 1, by binary search (as uint64)."""
    p = np.zeros(v.shape, dtype=np.uint64)
    for s in (32, 16, 8, 4, 2, 1):
        p += np.uint64(s) * ((v >> (p + np.uint64(s))) != 0)
    return p


def ilog2_q8(v: np.ndarray) -> np.ndarray:
    """round(256 * log2 v) within 0.52 for integers 1 <= v < 2**64, as int32 (table-driven).

    p = index of the leading one; f = the 16 bits below it (v shifted left if p < 16);
    i = f >> 8, r = f & 255; y = T[i] * 256 + (T[i+1] - T[i]) * r; L = 256 p + ((y + 2**14) >> 15)
    with T = build_tables(...).log2_table, T[i] = round_half_up(32768 * log2(1 + i / 256)).
    """
    x = _as_uint64(v, "ilog2_q8", 1)
    table = _log2_table().astype(np.uint64)
    p = _msb_index(x)
    sixteen = np.uint64(16)
    right, left = np.maximum(p, sixteen) - sixteen, sixteen - np.minimum(p, sixteen)
    frac = ((x >> right) << left) & np.uint64(0xFFFF)
    i, r = frac >> np.uint64(8), frac & np.uint64(0xFF)
    lo = table[i]
    y = lo * np.uint64(256) + (table[i + np.uint64(1)] - lo) * r
    return (p * np.uint64(256) + ((y + np.uint64(1 << 14)) >> np.uint64(15))).astype(np.int32)


def isqrt_u64(v: np.ndarray) -> np.ndarray:
    """floor(sqrt(v)) for integers 0 <= v < 2**64 (uint64), bit by bit: 32 fixed iterations.

    res = 0; for bit = 2**62, 2**60, ..., 1: if v >= res + bit: v -= res + bit,
    res = (res >> 1) + bit; else res >>= 1. Returns res.
    """
    rem = _as_uint64(v, "isqrt_u64", 0).copy()
    res = np.zeros_like(rem)
    for k in range(31, -1, -1):
        bit = np.uint64(1 << (2 * k))
        trial = res + bit
        take = rem >= trial
        rem -= np.where(take, trial, np.uint64(0))
        res = (res >> np.uint64(1)) + np.where(take, bit, np.uint64(0))
    return res


def _check_pcm(pcm: np.ndarray, where: str) -> np.ndarray:
    x = np.asarray(pcm)
    if x.ndim != 1 or not np.issubdtype(x.dtype, np.integer):
        raise FrontendError(f"{where}: expected 1-D int16 PCM, got dtype {x.dtype} shape {x.shape}")
    if x.dtype != np.int16:
        if x.size and (int(x.min()) < -32768 or int(x.max()) > 32767):
            raise FrontendError(f"{where}: samples {int(x.min())}..{int(x.max())} exceed int16")
        x = x.astype(np.int16)
    return x


def _logmel_block(frames: np.ndarray, t: FrontendTables) -> np.ndarray:
    """(B, n_fft) int16 frames -> (B, n_mels) int32 log-mel energies L."""
    shift = 15 - t.input_shift
    x = (frames.astype(np.int32) * t.window.astype(np.int32) + np.int32(1 << (shift - 1))) >> shift
    re = np.ascontiguousarray(x[:, t.bitrev].astype(np.int64))
    im = np.zeros_like(re)
    _fft_stages(re, im, t.twiddle_cos.astype(np.int64), t.twiddle_sin.astype(np.int64))
    nb = frames.shape[1] // 2 + 1
    power = (re[:, :nb] ** 2 + im[:, :nb] ** 2) >> t.power_shift
    energy = np.empty((frames.shape[0], t.mel_start.shape[0]), dtype=np.int64)
    for m, (s, k, o) in enumerate(zip(t.mel_start, t.mel_len, t.mel_offset)):
        energy[:, m] = power[:, s : s + k] @ t.mel_weights[o : o + k].astype(np.int64)
    return ilog2_q8(energy + 1)


def _logmel_all(frame_sets: list[np.ndarray], t: FrontendTables) -> np.ndarray:
    """Log-mel of every frame of every (F_i, n_fft) array, concatenated, in cache-sized blocks."""
    per_block = max(1, _BLOCK_SAMPLES // t.window.shape[0])
    out, block, size = [], [], 0
    for f in frame_sets:
        for lo in range(0, f.shape[0], per_block):
            block.append(f[lo : lo + per_block])
            size += block[-1].shape[0]
            if size >= per_block:
                out.append(_logmel_block(np.concatenate(block), t))
                block, size = [], 0
    if block:
        out.append(_logmel_block(np.concatenate(block), t))
    return np.concatenate(out)


def frame_logmel(pcm: np.ndarray, cfg: FrontendConfig) -> np.ndarray:
    """(F, n_mels) int32 log2 mel energies in Q8 of int16 PCM, vectorized over frames."""
    return _logmel_all([frame_signal(_check_pcm(pcm, "pcm"), cfg)], build_tables(cfg))


def _pool_segments(
    logmel: np.ndarray, counts: np.ndarray, stats: tuple[str, ...] = BASIC_STATS
) -> np.ndarray:
    """Pool consecutive row segments of `counts` rows each: (len(counts), len(stats) * n_mels)."""
    lm = np.asarray(logmel, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    if counts.size and (counts.min() < 1 or counts.max() > MAX_FRAMES):
        raise FrontendError(
            f"pool_stats: frame count {int(counts.min())}..{int(counts.max())}, "
            f"expected 1..{MAX_FRAMES}"
        )
    ends = np.cumsum(counts)
    starts = ends - counts

    def seg_sum(a: np.ndarray) -> np.ndarray:
        cs = np.concatenate([np.zeros((1, a.shape[1]), np.int64), np.cumsum(a, axis=0)])
        return cs[ends] - cs[starts]

    f = counts[:, None]
    s1, s2 = seg_sum(lm), seg_sum(lm * lm)
    step = np.abs(np.diff(lm, axis=0, prepend=lm[:1]))
    step[starts] = 0  # no difference across the start of a clip
    d, d2 = seg_sum(step), seg_sum(step * step)
    f1 = np.maximum(f - 1, 1)
    out = {
        "mean": lambda: (s1 + f // 2) // f,
        "std": lambda: isqrt_u64((f * s2 - s1 * s1) // (f * f)).astype(np.int64),
        "min": lambda: np.minimum.reduceat(lm, starts, axis=0) if len(starts) else s1,
        "max": lambda: np.maximum.reduceat(lm, starts, axis=0) if len(starts) else s1,
        "delta": lambda: np.where(f > 1, (d + (f - 1) // 2) // f1, 0),
        "drms": lambda: np.where(f > 1, isqrt_u64(d2 // f1).astype(np.int64), 0),
    }
    return np.concatenate([out[s]() for s in stats], axis=1).astype(np.int32)


def pool_stats(logmel: np.ndarray, stats: tuple[str, ...] = BASIC_STATS) -> np.ndarray:
    """(len(stats) * n_mels,) int32 pooled statistics of an (F, n_mels) log-mel array, F >= 1,
    band-major within each statistic: [stat0 of band 0..M-1, stat1 of band 0..M-1, ...]."""
    lm = np.asarray(logmel)
    if lm.ndim != 2 or lm.shape[0] < 1 or not np.issubdtype(lm.dtype, np.integer):
        raise FrontendError(
            f"pool_stats: expected an (F >= 1, n_mels) integer array, got "
            f"dtype {lm.dtype} shape {lm.shape}"
        )
    if lm.size and int(lm.min()) < 0:
        raise FrontendError(f"pool_stats: log-mel values must be >= 0, got {int(lm.min())}")
    return _pool_segments(lm, np.array([lm.shape[0]]), _as_stats(stats))[0]


def clip_features(pcm: np.ndarray, cfg: FrontendConfig) -> np.ndarray:
    """(n_features,) int32 features of one clip: pool_stats(frame_logmel(pcm, cfg), cfg.stats)."""
    return pool_stats(frame_logmel(pcm, cfg), cfg.stats)


def batch_features(pcms: list[np.ndarray], cfg: FrontendConfig) -> np.ndarray:
    """(len(pcms), n_features) int32: clip_features of each clip, computed in shared FFT blocks."""
    frames = [frame_signal(_check_pcm(p, f"pcm[{i}]"), cfg) for i, p in enumerate(pcms)]
    if not frames:
        return np.zeros((0, cfg.n_features), dtype=np.int32)
    counts = np.array([f.shape[0] for f in frames], dtype=np.int64)
    return _pool_segments(_logmel_all(frames, build_tables(cfg)), counts, cfg.stats)


def feature_names(cfg: FrontendConfig) -> list[str]:
    """Names in feature order: mel00_<stat>.. for each statistic of cfg.stats in turn."""
    width = max(2, len(str(cfg.n_mels - 1)))
    return [f"mel{m:0{width}d}_{stat}" for stat in cfg.stats for m in range(cfg.n_mels)]

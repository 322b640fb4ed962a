"""Procedural environmental sounds for the built-in dataset.

Each generator takes (rng, n samples, sample rate) and returns a float64 signal with peak 1.
Every parameter (pitch, rate, timing, timbre) is drawn from `rng`, with ranges that overlap
between related classes (knocks / footsteps / clock ticks, siren / alarm / birds, rain / wind),
so the classes are not separable by one simple statistic.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import fft as sfft
from scipy.signal import butter, fftconvolve, sosfilt

Generator = np.random.Generator
SoundFn = Callable[[Generator, int, int], np.ndarray]


def _normalize(x: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(x)))
    return x / peak if peak > 0 else x


def _band(x: np.ndarray, sr: int, lo: float | None, hi: float | None) -> np.ndarray:
    """Butterworth (order 2) low-, high- or band-pass; cut-offs are clamped below Nyquist."""
    nyq = 0.5 * sr
    lo = None if lo is None else min(lo, 0.9 * nyq)
    hi = None if hi is None else min(hi, 0.95 * nyq)
    if lo is not None and hi is not None and lo < hi:
        sos = butter(2, [lo, hi], btype="bandpass", fs=sr, output="sos")
    elif hi is not None:
        sos = butter(2, hi, btype="lowpass", fs=sr, output="sos")
    else:
        sos = butter(2, lo, btype="highpass", fs=sr, output="sos")
    return sosfilt(sos, x)


def colored_noise(rng: Generator, n: int, alpha: float) -> np.ndarray:
    """Noise with power spectrum ~ 1/f**alpha (0 white, 1 pink, 2 brown), unit RMS."""
    spec = sfft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    x = sfft.irfft(spec / f ** (alpha / 2.0), n)
    x -= x.mean()
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def _place(n: int, starts: np.ndarray, event: Callable[[int], np.ndarray]) -> np.ndarray:
    """Sum event(i) into a buffer of n samples at each start index.

    Starts before 0 (from timing jitter) move to 0; events running past the end are cut.
    """
    out = np.zeros(n)
    for i, s in enumerate(np.maximum(starts, 0).astype(np.int64)):
        if s < n:
            e = event(i)
            m = min(len(e), n - s)
            out[s : s + m] += e[:m]
    return out


def _resonance(rng: Generator, sr: int, freq: float, tau_s: float) -> np.ndarray:
    """A struck resonance: a decaying sine (random phase) with a short noise click on top."""
    t = np.arange(int(6 * tau_s * sr) + 1) / sr
    env = np.exp(-t / tau_s)
    click = rng.standard_normal(len(t)) * np.exp(-t / 0.0015)
    return env * np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi)) + 0.3 * click


def _harmonic_tone(freq: np.ndarray, sr: int, weights: np.ndarray) -> np.ndarray:
    """Sum of harmonics k*freq(t) (k = 1..len(weights)) following an instantaneous frequency.

    Harmonic k is Im(z**k) with z = exp(i*phase), built by repeated multiplication; partials at
    or above 0.45*sr are left out where they would alias.
    """
    z = np.exp(1j * (2 * np.pi * np.cumsum(freq) / sr))
    zk = z.copy()
    out = np.zeros(len(freq))
    for k, w in enumerate(weights, start=1):
        if w:
            out += w * zk.imag * (k * freq < 0.45 * sr)
        zk *= z
    return out


def siren(rng: Generator, n: int, sr: int) -> np.ndarray:
    """Wail (slow) or yelp (fast) frequency sweep with a few harmonics and a pass-by envelope."""
    t = np.arange(n) / sr
    rate = rng.uniform(0.15, 0.8) if rng.random() < 0.5 else rng.uniform(2.0, 6.0)
    fc, dev = rng.uniform(500, 1500), rng.uniform(150, 600)
    freq = fc + dev * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
    x = _harmonic_tone(freq, sr, 1.0 / np.arange(1, 5) ** rng.uniform(1.0, 2.5))
    env = np.exp(-(((t - rng.uniform(0, t[-1])) / rng.uniform(0.6, 3.0)) ** 2))
    return _normalize(x * (0.3 + 0.7 * env))


def engine_hum(rng: Generator, n: int, sr: int) -> np.ndarray:
    """Low harmonic hum with RPM wobble, firing-rate amplitude modulation and rumble noise."""
    t = np.arange(n) / sr
    f0 = rng.uniform(25, 90) * (
        1 + rng.uniform(0.01, 0.06) * np.sin(2 * np.pi * rng.uniform(0.1, 1.0) * t)
    )
    x = _harmonic_tone(f0, sr, np.arange(1, 11) ** -rng.uniform(0.4, 1.5))
    x *= 1 + rng.uniform(0.1, 0.6) * np.sin(np.pi * np.cumsum(f0) / sr)
    x += rng.uniform(0.2, 1.0) * _band(rng.standard_normal(n), sr, None, rng.uniform(150, 600))
    return _normalize(x)


def rain(rng: Generator, n: int, sr: int) -> np.ndarray:
    """Dense random drop impacts (several pitches) over a high-passed noise bed."""
    x = rng.uniform(0.2, 1.0) * _band(rng.standard_normal(n), sr, rng.uniform(400, 2500), None)
    rate = rng.uniform(40, 800)
    for _ in range(4):  # four drop sizes
        count = rng.poisson(rate / 4 * n / sr)
        impulses = np.zeros(n)
        np.add.at(impulses, rng.integers(0, n, count), rng.lognormal(0.0, 0.6, count))
        drop = _resonance(rng, sr, rng.uniform(1200, 6000), rng.uniform(0.001, 0.006))
        x += 2.0 * fftconvolve(impulses, drop)[:n]
    return _normalize(x)


def bird_chirps(rng: Generator, n: int, sr: int) -> np.ndarray:
    """A few frequency-swept chirps with trill, in short phrases."""
    count = int(rng.integers(2, 10))
    starts = np.sort(rng.uniform(0, n * 0.9, count))

    def chirp(_: int) -> np.ndarray:
        m = int(rng.uniform(0.03, 0.2) * sr)
        t = np.arange(m) / sr
        f = np.geomspace(rng.uniform(1800, 5500), rng.uniform(1500, 6000), m)
        f *= 1 + rng.uniform(0, 0.08) * np.sin(2 * np.pi * rng.uniform(20, 80) * t)
        return np.sin(np.pi * t / t[-1]) * _harmonic_tone(f, sr, np.array([1.0, 0.2, 0.05]))

    return _normalize(_place(n, starts, chirp))


def clock_tick(rng: Generator, n: int, sr: int) -> np.ndarray:
    """Regular tick-tock clicks: short high resonances, alternating pitch, slight jitter."""
    period = rng.uniform(0.25, 1.0) * sr
    grid = np.arange(rng.uniform(0, min(period, n / 2)), n, period)
    starts = grid + rng.normal(0, 0.004 * sr, len(grid))
    freqs = rng.uniform(1500, 5000) * np.array([1.0, rng.uniform(0.75, 1.3)])
    tau = rng.uniform(0.001, 0.006)
    return _normalize(_place(n, starts, lambda i: _resonance(rng, sr, freqs[i % 2], tau)))


def alarm_beeps(rng: Generator, n: int, sr: int) -> np.ndarray:
    """Periodic square-ish beeps, sometimes alternating between two tones."""
    on = rng.uniform(0.04, 0.3)
    period = on + rng.uniform(0.05, 0.5)
    f = rng.uniform(900, 3500)
    f2 = f * (rng.uniform(0.6, 0.9) if rng.random() < 0.4 else 1.0)
    t = np.arange(n) / sr
    phase_t = (t + rng.uniform(0, period)) % (2 * period)
    freq = np.where(phase_t < period, f, f2)
    gate = ((phase_t % period) < on).astype(np.float64)
    gate = np.convolve(gate, np.hanning(int(0.004 * sr) + 2), mode="same")
    weights = np.array([1.0, 0.0, rng.uniform(0.1, 0.4), 0.0, rng.uniform(0.05, 0.2)])
    return _normalize(_harmonic_tone(freq, sr, weights) * gate)


def wind(rng: Generator, n: int, sr: int) -> np.ndarray:
    """Low-passed pink/brown noise with slow gusts and sometimes a narrow-band whistle."""
    x = _band(colored_noise(rng, n, rng.uniform(0.5, 2.0)), sr, None, rng.uniform(250, 2000))
    g = _band(colored_noise(rng, n, 2.0), sr, None, rng.uniform(0.5, 3.0))
    gust = np.exp(rng.uniform(0.3, 1.0) * g / (np.std(g) + 1e-12))
    x *= gust
    if rng.random() < 0.4:
        fw = rng.uniform(300, 1500)
        whistle = _band(rng.standard_normal(n), sr, fw * 0.95, fw * 1.05)
        x += rng.uniform(0.1, 0.5) * np.std(x) * gust * whistle / (np.std(whistle) + 1e-12)
    return _normalize(x)


def door_knock(rng: Generator, n: int, sr: int) -> np.ndarray:
    """Groups of 2-5 knocks on wood: low damped resonances with a click."""
    starts: list[float] = []
    pos = rng.uniform(0, 0.4) * sr
    for _ in range(int(rng.integers(1, 3))):
        gap = rng.uniform(0.1, 0.3) * sr
        starts.extend(pos + gap * np.arange(int(rng.integers(2, 6))) + rng.normal(0, 0.01 * sr))
        pos = starts[-1] + rng.uniform(0.4, 1.0) * sr
    f1, f2 = rng.uniform(80, 400), rng.uniform(400, 1400)
    tau = rng.uniform(0.01, 0.05)

    def knock(_: int) -> np.ndarray:
        a = _resonance(rng, sr, f1, tau)
        b = _resonance(rng, sr, f2, tau / 2)
        return rng.uniform(0.6, 1.0) * (a + np.pad(b, (0, len(a) - len(b))) * rng.uniform(0.2, 0.8))

    return _normalize(_place(n, np.array(starts), knock))


def dog_bark(rng: Generator, n: int, sr: int) -> np.ndarray:
    """1-4 barks: short falling harmonic bursts with a formant and breath noise."""
    count = int(rng.integers(1, 5))
    starts = np.sort(rng.uniform(0, n * 0.85, count))
    formant = rng.uniform(700, 2000)

    def bark(_: int) -> np.ndarray:
        m = int(rng.uniform(0.08, 0.3) * sr)
        t = np.arange(m) / sr
        f0 = rng.uniform(250, 700) * np.linspace(1.0, rng.uniform(0.65, 0.95), m)
        k = np.arange(1, 11)
        w = np.exp(-0.5 * ((k * f0.mean() - formant) / 600.0) ** 2) + 0.1 / k
        tone = _harmonic_tone(f0, sr, w / w.max())
        breath = _band(rng.standard_normal(m), sr, formant * 0.6, formant * 1.6)
        env = (1 - np.exp(-t / 0.008)) * np.exp(-t / rng.uniform(0.04, 0.12))
        return env * (tone + rng.uniform(0.1, 0.6) * breath)

    return _normalize(_place(n, starts, bark))


def footsteps(rng: Generator, n: int, sr: int) -> np.ndarray:
    """Steps at walking pace: low thuds (low-passed noise bursts) with a scuff on some."""
    period = rng.uniform(0.3, 0.75) * sr
    grid = np.arange(rng.uniform(0, min(period, n / 2)), n, period)
    starts = grid + rng.normal(0, 0.02 * sr, len(grid))
    cutoff, tau = rng.uniform(120, 700), rng.uniform(0.012, 0.06)
    scuff_level = rng.uniform(0.0, 0.6)

    def step(_: int) -> np.ndarray:
        m = int(6 * tau * sr) + 1
        t = np.arange(m) / sr
        thud = _band(rng.standard_normal(m), sr, None, cutoff) * np.exp(-t / tau)
        scuff = _band(rng.standard_normal(m), sr, 1000, 4000) * np.exp(-t / (tau / 3))
        return rng.uniform(0.5, 1.0) * (thud + scuff_level * scuff)

    return _normalize(_place(n, starts, step))


CLASSES: dict[str, SoundFn] = {
    "siren": siren,
    "engine_hum": engine_hum,
    "rain": rain,
    "bird_chirps": bird_chirps,
    "clock_tick": clock_tick,
    "alarm_beeps": alarm_beeps,
    "wind": wind,
    "door_knock": door_knock,
    "dog_bark": dog_bark,
    "footsteps": footsteps,
}
"""Class name -> generator, in label order."""

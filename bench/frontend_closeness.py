"""Integer front end vs the float reference, and the integer front end's speed.

Run: .venv/bin/python bench/frontend_closeness.py [--n-fft 512] [--clips 400] [--quick]

For each test signal (2 s at 16 kHz, int16) prints the mean and max |integer - float| in dB of the
per-frame log-mel (all bands, and only the bands within 60 dB of the frame's strongest band) and
of the pooled clip features (means, stds, deltas), then the time to featurize `--clips` two-second
clips with batch_features on one core (--quick: 10 clips). 1 Q8 unit of the front end =
10*log10(2)/256 = 0.0118 dB.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from qmoe.data.audio import to_int16
from qmoe.features.floatref import float_features, float_logmel
from qmoe_codegen.frontend import FrontendConfig, batch_features, clip_features, frame_logmel

DB_PER_Q8 = 10 * math.log10(2) / 256


def signals(sr: int, seconds: float, seed: int = 0) -> dict[str, np.ndarray]:
    """Named int16 signals: tones, white noise, chirps at several levels, a tone in noise."""
    t = np.arange(int(sr * seconds)) / sr
    rng = np.random.default_rng(seed)
    sweep = 2 * np.pi * (50 * t + (0.45 * sr - 50) / (2 * seconds) * t**2)
    out = {}
    for db in (0, -20, -40, -60, -80):
        a = 0.999 * 10 ** (db / 20)
        out[f"sine 1000 Hz {db:+d} dBFS"] = a * np.sin(2 * np.pi * 1000 * t)
        out[f"sine 997 Hz {db:+d} dBFS"] = a * np.sin(2 * np.pi * 997 * t)
        out[f"white noise {db:+d} dBFS"] = np.clip(a * 0.3 * rng.standard_normal(t.size), -1, 1)
        out[f"chirp {db:+d} dBFS"] = a * np.sin(sweep)
    out["997 Hz -6 dBFS + noise -50 dBFS"] = 0.5 * np.sin(
        2 * np.pi * 997 * t
    ) + 0.003 * rng.standard_normal(t.size)
    return {k: to_int16(v) for k, v in out.items()}


def closeness(pcm: np.ndarray, cfg: FrontendConfig) -> tuple[float, ...]:
    """(mean, max) dB of log-mel over all bands, over bands within 60 dB, and of the features."""
    li, lf = frame_logmel(pcm, cfg), float_logmel(pcm, cfg)
    d = np.abs(li - lf) * DB_PER_Q8
    near = d[lf >= lf.max(axis=1, keepdims=True) - 60 / DB_PER_Q8]
    f = np.abs(clip_features(pcm, cfg) - float_features(pcm, cfg)) * DB_PER_Q8
    return d.mean(), d.max(), near.mean(), near.max(), f.mean(), f.max()


def main() -> None:
    """Print the closeness table and the batch timing."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-fft", type=int, default=512)
    ap.add_argument("--clips", type=int, default=400)
    ap.add_argument("--quick", action="store_true", help="time 10 clips instead of --clips")
    args = ap.parse_args()
    if args.quick:
        args.clips = 10
    cfg = FrontendConfig(n_fft=args.n_fft, hop=args.n_fft // 2)
    print(f"front end {cfg.to_dict()}; |integer - float| in dB (mean / max)")
    print(f"{'signal':34s} {'log-mel, all':>15s} {'log-mel, <60dB':>15s} {'features':>15s}")
    for name, pcm in signals(cfg.sample_rate, 2.0).items():
        r = closeness(pcm, cfg)
        print(f"{name:34s} {r[0]:7.3f}/{r[1]:7.3f} {r[2]:7.3f}/{r[3]:7.3f} {r[4]:7.3f}/{r[5]:7.3f}")
    rng = np.random.default_rng(1)
    two_s = 2 * cfg.sample_rate
    clips = [
        to_int16(np.clip(rng.uniform(0.01, 0.5) * rng.standard_normal(two_s), -1, 1))
        for _ in range(args.clips)
    ]
    t0 = time.perf_counter()
    feats = batch_features(clips, cfg)
    dt = time.perf_counter() - t0
    print(
        f"batch_features: {args.clips} clips x 2 s -> {feats.shape} in {dt:.2f} s "
        f"({1e3 * dt / args.clips:.2f} ms/clip, one process, numpy only)"
    )


if __name__ == "__main__":
    main()

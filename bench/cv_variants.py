"""Full cross-validation on the built-in dataset: F1 mean ± std and wall time per variant.

    .venv/bin/python bench/cv_variants.py [--data-dir data/builtin] [--out runs/bench-cv]
    .venv/bin/python bench/cv_variants.py --quick   # seconds: 100 clips, few epochs, fold 1 only
    .venv/bin/python bench/cv_variants.py --variant hard   # fp32, 8, 4, ternary, 1 on the hard set

Target (issue 2): all variants together within 10 minutes on 2 cores. Also reports the accuracy cost
of the paper's LayerNorm vs the MCU-friendly default (BatchNorm, folded at export) and no norm.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from qmoe.api import load_features, parse_variant, train
from qmoe.data import generate_builtin
from qmoe.runio import safe_name
from qmoe.train.config import TrainConfig

VARIANTS = ("fp32", "ptq8", "4", "ternary", "ternary,4,8@curiosity")
NORMS = ("layernorm", "none")
HARD_VARIANTS = ("fp32", "8", "4", "ternary", "1")  # the paper's comparison of weight formats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None, help="default: data/builtin[-hard]")
    ap.add_argument("--out", type=Path, default=Path("runs/bench-cv"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--quick", action="store_true", help="a small dataset under --out, few epochs, fold 1"
    )
    ap.add_argument(
        "--variant",
        choices=("default", "hard"),
        default="default",
        help="built-in dataset variant (hard: 16 classes where weight precision shows)",
    )
    args = ap.parse_args()
    hard = args.variant == "hard"
    t0 = time.perf_counter()
    base, folds = TrainConfig(seed=args.seed), None
    data_dir = args.data_dir or Path("data/builtin-hard" if hard else "data/builtin")
    if args.quick:
        from _quick import quick_config, quick_data

        base, folds = quick_config(base), [1]
        data_dir = args.out / "builtin-hard-quick" if hard else quick_data(args.out, args.seed)
    if not (data_dir / "meta" / "esc50.csv").exists():
        n = 10 if args.quick else None
        generate_builtin(data_dir, seed=args.seed, clips_per_class=n, variant=args.variant)
    t_gen = time.perf_counter() - t0
    fd, fe = load_features("builtin", data_dir)
    print(
        f"data + features: {time.perf_counter() - t0:.1f} s (generation {t_gen:.1f} s), "
        f"{len(fd.y)} clips, {fd.label_set}"
    )
    configs = [parse_variant(v, base) for v in (HARD_VARIANTS if hard else VARIANTS)]
    rows = []
    for cfg in configs:
        t = time.perf_counter()
        rep = train(fd, fe, [cfg], args.out / safe_name(cfg.name), folds, progress=False)
        f1 = np.array([f.metrics["macro_f1"] for f in rep.results[0].folds])
        rows.append((cfg.name, rep.rows[0], time.perf_counter() - t, f1))
    paired = "  vs fp32 (paired)" if hard else ""  # per-fold F1 differences to fp32
    print(f"\n{'variant':34s} {'macro-F1 %':>14s} {'accuracy %':>14s} {'wall s':>8s}{paired}")
    for name, r, sec, f1 in rows:
        d = 100 * (f1 - rows[0][3])
        print(
            f"{name:34s} {100 * r['macro_f1_mean']:6.1f} ± {100 * r['macro_f1_std']:4.1f}"
            f"   {100 * r['accuracy_mean']:6.1f} ± {100 * r['accuracy_std']:4.1f} {sec:8.1f}"
            + (f"  {d.mean():+6.1f} ± {d.std():4.1f}" if hard else "")
        )
    if hard:
        print(f"\ntotal wall time: {time.perf_counter() - t0:.1f} s")
        return
    base_f1 = rows[0][1]["macro_f1_mean"]
    print("\nnormalization (fp32 expert): default batchnorm (folded at export) vs the alternatives")
    for norm in NORMS:
        cfg = replace(base, norm=norm)
        rep = train(fd, fe, [cfg], args.out / f"fp32-{norm}", folds, progress=False)
        f1 = rep.rows[0]["macro_f1_mean"]
        print(
            f"  {norm:10s} macro-F1 {100 * f1:5.1f} %  (batchnorm: {100 * base_f1:5.1f} %, "
            f"batchnorm is {100 * (base_f1 - f1):+.1f} points better)"
        )
    print(f"\ntotal wall time: {time.perf_counter() - t0:.1f} s (target: under 600 s on 2 cores)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A long golden run: >= 10,000 inferences on the native board and >= 2,000 on qemu-m4, every
answer checked against the golden model (class, expert, router choice, uncertainty, every logit).

    python bench/long_run.py [--native 10000] [--qemu 2000] [--out build/long-run] [--quick]

Writes a built-in dataset large enough (distinct clips, ESC-50 layout, seeded), trains a curiosity
mixture on a small one, builds it for each board and measures it through `qmoe-host measure`'s API
over all folds, int8 feature inputs. Prints per board: inferences, golden mismatches (target 0),
requests sent again after damage, faults recovered by a resync, seconds. --quick: 200 and 50.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLASSES = 10  # the built-in set's


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--native", type=int, default=10_000)
    ap.add_argument("--qemu", type=int, default=2_000)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "long-run")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.native, args.qemu = 200, 50

    import torch

    from qmoe import boards
    from qmoe.api import load_features
    from qmoe.data import generate_builtin
    from qmoe.device.build import build
    from qmoe.device.run import start
    from qmoe.measure import MeasureConfig, measure
    from qmoe.modelfile import save_model
    from qmoe.train.config import TrainConfig
    from qmoe.train.cv import fit_fold

    torch.set_num_threads(1)
    work = args.out
    work.mkdir(parents=True, exist_ok=True)
    need = max(args.native, args.qemu)
    per_class = max(10, math.ceil(need / CLASSES))
    data = work / f"builtin-{per_class}"
    if not (data / "meta" / "esc50.csv").exists():
        t0 = time.monotonic()
        generate_builtin(data, seed=1, clips_per_class=per_class)
        print(f"wrote {per_class * CLASSES} clips in {time.monotonic() - t0:.0f} s")
    small = work / "builtin-train"
    if not (small / "meta" / "esc50.csv").exists():
        generate_builtin(small, seed=0, clips_per_class=20)
    fd, fe = load_features("builtin", small, cache_dir=work / "cache")
    cfg = TrainConfig(experts=["ternary", "4", "8"], router="curiosity", hidden=(32,),
                      epochs=10, qat_epochs=5, router_epochs=5)  # fmt: skip
    model, _ = fit_fold(fd, cfg, 1, fe)
    model_path = save_model(model, work / "moe.qmoe")

    print(
        f"{'board':10s} {'inferences':>10s} {'mismatches':>10s} {'retried':>8s} "
        f"{'resyncs':>8s} {'seconds':>8s} {'per s':>7s}"
    )
    bad = 0
    for name, n in (("native", args.native), ("qemu-m4", args.qemu)):
        board = boards.load_board(name)
        if shutil.which(board.toolchain.cc) is None or (
            board.run_command and "{elf}" not in board.run_command[0]
            and shutil.which(board.run_command[0]) is None
        ):  # fmt: skip
            print(f"{name:10s} skipped: its compiler or emulator is not installed")
            continue
        elf = build(name, model_path, work / f"fw-{name}").elf
        out = work / f"run-{name}"
        if out.exists():
            shutil.rmtree(out)
        t0 = time.monotonic()
        with start(board, elf) as running:
            res = measure(
                MeasureConfig(
                    port=running.url, model=model_path, out=out, root=data,
                    folds=[1, 2, 3, 4, 5], n=n, input="features", window_n=5, progress=False,
                )
            )  # fmt: skip
        took = time.monotonic() - t0
        s = res.summary
        link = s.get("link", {})
        print(
            f"{name:10s} {s['samples']:10d} {len(res.mismatches):10d} "
            f"{link.get('retried_requests', 0):8d} {link.get('resyncs', 0):8d} {took:8.1f} "
            f"{s['samples'] / took:7.1f}",
            flush=True,
        )
        bad += len(res.mismatches)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

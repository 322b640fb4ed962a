"""Curiosity vs softmax routing over seeds × folds on the device (`qmoe-host router-study`).

    .venv/bin/python bench/router_study.py [--seeds 5] [--out runs/router-study]
    .venv/bin/python bench/router_study.py --quick   # 2 seeds × 2 folds, few clips and epochs

Trains both routed ternary/4/8 mixtures for every seed with each fold held out, measures every
model on qemu-m4 (native where QEMU is missing: said in the output) on its held-out clips, and
prints latency spread (Brown–Forsythe, Levene, a permutation test over seed × fold units), device
macro-F1 and modelled energy of curiosity relative to softmax routing, Holm-adjusted, with the
number of seeds that agree. Writes router_study.json and router_study.md into --out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qmoe.router_study import router_study


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("runs/router-study"))
    ap.add_argument("--data-dir", type=Path, default=None, help="default: data/builtin")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--board", default=None, help="default: qemu-m4, native without QEMU")
    ap.add_argument(
        "--quick", action="store_true", help="2 seeds × folds 1,2, 8 clips per fold, few epochs"
    )
    args = ap.parse_args()
    if args.quick:
        res = router_study(
            args.out,
            args.data_dir or args.out / "builtin-quick",
            seeds=2,
            folds=[1, 2],
            n=8,
            quick=True,
            board=args.board,
        )
    else:
        res = router_study(
            args.out, args.data_dir or Path("data/builtin"), seeds=args.seeds, board=args.board
        )
    print()
    print(res.table())
    print()
    print("\n".join(res.lines()))
    print(f"\ntotal wall time: {res.seconds:.0f} s; written: {args.out / 'router_study.md'}")


if __name__ == "__main__":
    main()

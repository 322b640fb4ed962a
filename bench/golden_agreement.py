"""Golden integer model vs the PyTorch fake-quantized model, on every built-in test clip.

    .venv/bin/python bench/golden_agreement.py [--run runs/demo] [--data-dir data/builtin]
    .venv/bin/python bench/golden_agreement.py --quick   # seconds: a small run of 3 variants

Uses the per-fold models of a demo run (made first if missing): each fold's model is lowered to the
integer IR and run by the golden model on the clips of the fold it held out, so every clip is scored
once. Prints class agreement (target >= 99 % per variant), expert agreement for mixtures, and the
accuracy each side reaches. fp32 has no integer form and is skipped (its integer form is ptq8).
--quick makes its own small run (QUICK_VARIANTS, bench/_quick.py) in a temporary folder, never in
--run.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np

from qmoe.api import DemoSettings, load_features, train_demo
from qmoe.modelfile import load_model
from qmoe_codegen import golden
from qmoe_codegen.errors import IRError
from qmoe_codegen.lower import lower_file

QUICK_VARIANTS = ("ptq8", "ternary", "ternary,4,8@curiosity")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, default=Path("runs/demo"))
    ap.add_argument("--data-dir", type=Path, default=Path("data/builtin"))
    ap.add_argument("--quick", action="store_true", help="a small run of its own, few epochs")
    args = ap.parse_args()
    if args.quick:
        import tempfile

        from _quick import quick_config, quick_data

        from qmoe.train.config import TrainConfig

        work = Path(tempfile.mkdtemp(prefix="qmoe-agree-"))
        args.run, args.data_dir = work / "run", quick_data(work)
        settings = DemoSettings(variants=QUICK_VARIANTS, base=quick_config(TrainConfig()))
        train_demo(args.run, args.data_dir, settings, progress=False)
    elif not (args.run / "summary.csv").exists():
        train_demo(args.run, args.data_dir, progress=False)
    fd, _ = load_features("builtin", args.data_dir)
    print(
        f"{'variant':30s} {'clips':>5s} {'class agree':>12s} {'expert agree':>13s} "
        f"{'acc host':>9s} {'acc golden':>10s} {'s':>5s}"
    )
    for vdir in sorted(p for p in args.run.iterdir() if (p / "models").is_dir()):
        t0 = time.perf_counter()
        n = same_cls = same_exp = ok_h = ok_g = 0
        try:
            for mpath in sorted((vdir / "models").glob("fold*.qmoe")):
                fold = int(mpath.stem[4:])
                rows = np.flatnonzero(fd.folds == fold)
                host = load_model(mpath).predict_features(fd.X[rows])
                g = golden.run(lower_file(mpath), features=fd.X[rows])
                n += len(rows)
                same_cls += int(np.sum(g.cls == host["pred"]))
                same_exp += int(np.sum(g.expert == host["expert"]))
                ok_h += int(np.sum(host["pred"] == fd.y[rows]))
                ok_g += int(np.sum(g.cls == fd.y[rows]))
        except IRError as exc:
            print(f"{vdir.name:30s} skipped: {str(exc).split(': ', 1)[-1][:70]}")
            continue
        print(
            f"{vdir.name:30s} {n:5d} {100 * same_cls / n:11.2f}% {100 * same_exp / n:12.2f}% "
            f"{100 * ok_h / n:8.2f}% {100 * ok_g / n:9.2f}% {time.perf_counter() - t0:5.1f}"
        )
    if args.quick:
        shutil.rmtree(args.run.parent)
    print(
        "\nRemaining gaps come from rounding the host does in float and the device in integers: "
        "activation rounding (half-to-even vs half-up), int32 bias rounding, requantization, the "
        "fixed-point softmax; a clip whose two best logits or whose uncertainty sits at a routing "
        "threshold within that error can flip."
    )


if __name__ == "__main__":
    main()

"""TensorFlow Lite vs the golden model: exported integer experts run in the ai-edge-litert
interpreter, on every built-in clip and on random int8 inputs.

    .venv/bin/python bench/tflite_agreement.py [--data-dir data/builtin] [--random 2000]
    .venv/bin/python bench/tflite_agreement.py --quick   # seconds: 100 clips, small experts

Trains one model per weight format on folds 2-5 (test fold 1), exports it (`qmoe-host interop
tflite-export`) and compares, per kernel set (reference, optimized built-in, default with XNNPACK):
class agreement, the share of int16 logits and int8 hidden activations that differ and by how much.
Then the exact IR (the expert with TFLite's own multipliers) and the file imported back, on the
reference kernels. Needs the `tflite` extra.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from qmoe.api import load_features
from qmoe.data import generate_builtin
from qmoe.interop.tflite import exact_ir, tflite_from_ir, tie_free
from qmoe.interop.tflite_check import KERNELS, compare
from qmoe.interop.tflite_import import ir_from_tflite
from qmoe.modelfile import save_model
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen import golden
from qmoe_codegen.lower import lower_file

SPECS = ("ptq8", "8", "4", "ternary", "1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path("data/builtin"))
    ap.add_argument("--random", type=int, default=2000, help="random int8 rows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("runs/bench-tflite"), help="--quick's data")
    ap.add_argument("--quick", action="store_true", help="a small dataset, few epochs")
    args = ap.parse_args()
    torch.set_num_threads(1)
    base, data_dir = TrainConfig(seed=args.seed), args.data_dir
    if args.quick:
        from _quick import quick_config, quick_data

        base, data_dir, args.random = quick_config(base), quick_data(args.out, args.seed), 200
    elif not (data_dir / "meta" / "esc50.csv").exists():
        generate_builtin(data_dir, seed=args.seed)
    fd, fe = load_features("builtin", data_dir)
    rng = np.random.default_rng(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="qmoe-tflite-"))
    for spec in SPECS:
        t0 = time.perf_counter()
        model, _ = fit_fold(fd, replace(base, experts=[spec]), 1, fe)
        ir = lower_file(save_model(model, tmp / f"{spec}.qmoe"))
        x8 = golden.quantize_input(ir, fd.X)
        rows = rng.integers(-128, 128, (args.random, x8.shape[1]))
        exp = tflite_from_ir(ir, 0)
        print(
            f"\n{spec}: {len(exp.data)} bytes, multipliers within {exp.multiplier_error:.1e} "
            f"(relative) of qmoe's; {len(x8)} clips, {len(rows)} random rows"
        )
        for kernels in KERNELS:
            print(f"  clips   {compare(ir, 0, exp.data, x8, kernels).line()}")
            print(f"  random  {compare(ir, 0, exp.data, rows, kernels).line()}")
        ex = exact_ir(ir, exp)
        proof = all(tie_free(layer) for layer in ex.experts[0].layers)
        print(f"  exact IR (TFLite's multipliers), tie-free by the bound: {proof}")
        print(f"  random  {compare(ex, 0, exp.data, rows, 'reference').line()}")
        imp = ir_from_tflite(exp.data, f"{spec}.tflite", list(ir.model.class_names))
        print(f"  imported back, random  {compare(imp.ir, 0, exp.data, rows, 'reference').line()}")
        print(f"  ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()

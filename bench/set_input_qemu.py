"""Copying the int8 input into the arena (qmoe_model_set_input) on qemu-m4: before and after.

    .venv/bin/python bench/set_input_qemu.py [--repeats 20]
    .venv/bin/python bench/set_input_qemu.py --quick     # seconds: the small model, 5 INFERs

Two 1-bit models fed feature vectors (trained for one epoch on seeded embeddings; the copy does
not depend on the weights): a small one, 96→128→64→10 (the built-in data's 96 features), and the
paper's shape, 1536→640→320→5. Each is built into the benchmark firmware twice for qemu-m4: as the
runtime is (word copy) and with the byte loop the runtime had before (bench/c/set_input_bytewise.c,
linked in place of the runtime's function with -Wl,--wrap). Each image runs under QEMU
(-icount shift=0) and answers INFER on one stored input `--repeats` times; the app stamps the
counter before and after the copy, so copy = total - router - expert, in emulated instructions
(SysTick, 40 a count: a figure is within 40 of the truth, the mean over the repeats closer). The
copy figure includes the call and one counter read. Every answer is compared with the golden model.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

import numpy as np

from qmoe import boards
from qmoe.device.build import build
from qmoe.device.run import start
from qmoe.device.sources import INCLUDE_DIRS, firmware_defines, firmware_sources, kernel_variant
from qmoe.device.toolchain import compile_firmware
from qmoe.protocol import InputKind, Link
from qmoe.protocol.messages import InferRequest
from qmoe_codegen import golden
from qmoe_codegen.ir import IR
from qmoe_codegen.lower import lower_file

BOARD = "qemu-m4"
BASELINE = Path(__file__).resolve().parent / "c" / "set_input_bytewise.c"
WRAP = "-Wl,--wrap=qmoe_model_set_input"
# name -> (features, hidden layers, classes)
MODELS = {"small": (96, (128, 64), 10), "paper": (1536, (640, 320), 5)}


def train_model(work: Path, name: str) -> Path:
    """A 1-bit model of MODELS[name] shape, one epoch on seeded embeddings."""
    import torch

    from qmoe.data import load_embedding_csv
    from qmoe.data.synth_embeddings import generate_embeddings
    from qmoe.modelfile import save_model
    from qmoe.train.config import TrainConfig
    from qmoe.train.cv import fit_fold

    torch.set_num_threads(1)
    dim, hidden, classes = MODELS[name]
    csv = generate_embeddings(
        work / f"{name}.csv",
        rows_per_class=10,
        dim=dim,
        categories=tuple(f"class{c}" for c in range(classes)),
    )
    cfg = TrainConfig(experts=["1"], hidden=hidden, epochs=1, qat_epochs=1)
    model, _ = fit_fold(load_embedding_csv(csv), cfg, 1, None)
    return save_model(model, work / f"{name}.qmoe")


def baseline_image(board: boards.Board, ir: IR, gen: Path, out: Path) -> Path:
    """The firmware with the byte-loop set_input linked in place of the runtime's."""
    tool = board.toolchain
    target = dataclasses.replace(
        board,
        toolchain=dataclasses.replace(
            tool,
            include=tool.include + INCLUDE_DIRS + (gen.resolve(),),
            ldflags=(*tool.ldflags, WRAP),
        ),
    )
    sources = firmware_sources(ir, gen, kernel_variant(board)[1]) + [BASELINE]
    return compile_firmware(target, sources, out, firmware_defines(board), name="firmware")


def copy_counts(board: boards.Board, elf: Path, ir: IR, repeats: int) -> tuple[list, list, int]:
    """(copy, total) instructions of each INFER on one input, and how many answers differ from
    the golden model."""
    rng = np.random.default_rng(0)
    x8 = rng.integers(-128, 128, (1, ir.input.n_features), dtype=np.int8)
    want = golden.run(ir, x8=x8)
    per_tick = board.counter.per_tick
    copy, total, mismatches = [], [], 0
    with start(board, elf) as running, Link.open(running.url) as link:
        link.load_input(int(InputKind.FEATURES_I8), x8[0].tobytes())
        for _ in range(repeats):
            r = link.request(InferRequest())
            copy.append((r.counter_total - r.counter_router - r.counter_expert) * per_tick)
            total.append(r.counter_total * per_tick)
            same = (r.class_index, r.expert, list(r.logits)) == (
                int(want.cls[0]),
                int(want.expert[0]),
                [int(v) for v in want.logits[0]],
            )
            mismatches += not same
    return copy, total, mismatches


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20, help="INFERs per image")
    ap.add_argument("--quick", action="store_true", help="the small model only, 5 INFERs")
    args = ap.parse_args()
    names = ["small"] if args.quick else list(MODELS)
    repeats = 5 if args.quick else args.repeats
    board = boards.load_board(BOARD)
    print(
        f"qmoe_model_set_input on {BOARD}: emulated instructions (-icount shift=0, counted by "
        f"SysTick in steps of {board.counter.per_tick}), mean over {repeats} INFERs\n"
    )
    print(
        f"{'model':26s} {'bytes':>5s} {'before':>7s} {'after':>7s} {'/byte before':>12s} "
        f"{'/byte after':>11s} {'speed-up':>8s} {'share before':>12s} {'share after':>11s} "
        f"{'mismatches':>10s}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in names:
            model = train_model(work, name)
            ir = lower_file(model)
            after = build(BOARD, model, work / f"{name}-after", ir=ir)
            before = baseline_image(board, ir, after.out_dir / "gen", work / f"{name}-before")
            b_copy, b_total, b_bad = copy_counts(board, before, ir, repeats)
            a_copy, a_total, a_bad = copy_counts(board, after.elf, ir, repeats)
            n = ir.input.n_features
            cb, ca = float(np.mean(b_copy)), float(np.mean(a_copy))
            shape = "→".join(str(v) for v in (n, *MODELS[name][1], MODELS[name][2]))
            print(
                f"{name + ' ' + shape + ' 1-bit':26s} {n:5d} {cb:7.0f} {ca:7.0f} {cb / n:12.2f} "
                f"{ca / n:11.2f} {cb / ca:7.1f}× {100 * cb / np.mean(b_total):11.2f}% "
                f"{100 * ca / np.mean(a_total):10.2f}% {b_bad + a_bad:>10d}"
            )
    print(
        "\nbefore: one byte a step (bench/c/set_input_bytewise.c); after: 32-bit words when the "
        "input is 4-byte aligned\n(firmware/runtime/qmoe_model.c). share = copy / (copy + router "
        "+ expert) of one inference."
    )


if __name__ == "__main__":
    main()

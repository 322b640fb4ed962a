"""Whole inferences on the emulated boards, beside TensorFlow Lite Micro's figures (issue 10).

    .venv/bin/python bench/inference_qemu.py                 # about 10 minutes
    .venv/bin/python bench/inference_qemu.py --boards qemu-m4
    .venv/bin/python bench/inference_qemu.py --quick         # CI: the small shape, 2 formats, m4

Through the product path, as a user runs it: each model is trained (one epoch on seeded
embeddings: the weights' values do not change the counts of the SMLAD kernels, and barely those
of the ternary tables), exported, lowered, built into the benchmark firmware for the board
(`qmoe.device.build.build`, the board's kernel variant from firmware/kernels/variants.toml, -Os) and
run under QEMU (-icount shift=0). The app answers INFER with its counter stamped between the stages:
input (the int8 vector copied into the arena; an int8 input needs no quantization on the
device), router, expert, total, in emulated instructions (SysTick on the Cortex-M boards: one
count is 40 or 62.5 instructions, so a stage is within one count; mcycle on RV32). Every answer
is compared with the golden model.

Networks: 1536→640→320→5 (the paper's) and 160→128→64→10, single experts in every weight format
(t5 is the ternary model lowered dense, 1.6 bits per weight), and the paper-shape curiosity
mixture ternary/4/8 (router hidden 32, T = 8 masked passes). /MAC is the whole inference's
instructions per multiply-accumulate of the expert's layers. Flash: the model's constants
(weights, biases, multipliers, tables) and the rest of the image (app, runtime, kernels, port).
The router's T masked passes are measured by building the mixture a second time with its first
mask only (T = 1): passes = T / (T - 1) * (router(T) - router(1)); the rest of the router is the
shared hidden and output layers, the argmax and the table lookup.

A network that does not fit a board (its flash or RAM) is reported with the build's reason; on
qemu-m4 (1 MB of flash, as the nRF52840) it runs on qemu-m4-4mb instead, the same machine and core
with the emulator's 4 MB (the paper-shape int8 expert and the mixture need more than 1 MB).
--quick runs the small shape in two formats (s8, t2) and the small mixture on qemu-m4 only.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qmoe import boards
from qmoe.device.build import build
from qmoe.device.errors import DoesNotFit
from qmoe.device.run import start
from qmoe.protocol import InputKind, Link
from qmoe.protocol.messages import InferRequest
from qmoe_codegen import golden
from qmoe_codegen.errors import IRError
from qmoe_codegen.ir import IR, rebuild
from qmoe_codegen.lower import lower_file

BOARDS = ("qemu-m4", "qemu-m0", "qemu-rv32")
# name -> (features, hidden layers, classes)
SHAPES = {"paper": (1536, (640, 320), 5), "small": (160, (128, 64), 10)}
# format -> (expert spec for training, lower the ternary model dense)
FORMATS = {
    "s1": ("1", False),
    "s2": ("2", False),
    "t2": ("ternary", False),
    "t5": ("ternary", True),
    "s4": ("4", False),
    "s8": ("8", False),
    "s16": ("16", False),
}
MIXTURE = ["ternary", "4", "8"]
# TensorFlow Lite Micro, whole Invoke() of an int8 FC+ReLU network on mps2-an386, -icount shift=0,
# GCC 12.2, release flags (issue 10): (reference, with CMSIS-NN, smallest arena B)
TFLM = {"paper": (7_194_069, 2_287_199, 10_536), "small": (188_870, 67_911, 2_584)}
INPUTS = 3  # INFERs per image, on different inputs
# a board whose memory a network outgrows -> the same core with more (the row names it)
ROOMIER = {"qemu-m4": "qemu-m4-4mb"}


@dataclass
class Row:
    board: str
    shape: str
    fmt: str
    macs: int
    stages: tuple[float, float, float, float] | None = None  # input, router, expert, total
    weights: int = 0
    code: int = 0
    arena: int = 0
    experts: tuple[int, ...] = ()
    mismatches: int = 0
    note: str = ""


def shape_name(shape: str) -> str:
    dim, hidden, classes = SHAPES[shape]
    return "→".join(str(v) for v in (dim, *hidden, classes))


def train(work: Path, shape: str, experts: list[str]) -> Path:
    """A model of SHAPES[shape] with `experts` (a curiosity mixture if several), one epoch."""
    import torch

    from qmoe.data import load_embedding_csv
    from qmoe.data.synth_embeddings import generate_embeddings
    from qmoe.modelfile import save_model
    from qmoe.train.config import TrainConfig
    from qmoe.train.cv import fit_fold

    torch.manual_seed(0)
    torch.set_num_threads(1)
    dim, hidden, classes = SHAPES[shape]
    csv = work / f"{shape}.csv"
    if not csv.exists():
        generate_embeddings(
            csv, rows_per_class=10, dim=dim, categories=tuple(f"c{c}" for c in range(classes))
        )
    router = "curiosity" if len(experts) > 1 else "none"
    cfg = TrainConfig(
        experts=experts, router=router, hidden=hidden, epochs=1, qat_epochs=1, router_epochs=1
    )
    model, _ = fit_fold(load_embedding_csv(csv), cfg, 1, None)
    return save_model(model, work / f"{shape}-{'-'.join(experts)}.qmoe")


def expert_macs(ir: IR, expert: int = 0) -> int:
    return sum(x.n_in * x.n_out for x in ir.experts[expert].layers)


def run_image(board: boards.Board, elf: Path, ir: IR, inputs: np.ndarray) -> tuple:
    """Per input: (input, router, expert, total) instructions, the chosen expert, and whether the
    answer equals the golden model's."""
    want = golden.run(ir, x8=inputs)
    per_tick = board.counter.per_tick
    out = []
    with start(board, elf) as running, Link.open(running.url) as link:
        for i, x in enumerate(inputs):
            link.load_input(int(InputKind.FEATURES_I8), x.tobytes())
            r = link.request(InferRequest())
            stages = (
                (r.counter_total - r.counter_router - r.counter_expert) * per_tick,
                r.counter_router * per_tick,
                r.counter_expert * per_tick,
                r.counter_total * per_tick,
            )
            same = (r.class_index, r.expert, list(r.logits)) == (
                int(want.cls[i]),
                int(want.expert[i]),
                [int(v) for v in want.logits[i]],
            )
            out.append((stages, int(r.expert), same))
    return out


def measure(board_name: str, shape: str, fmt: str, ir: IR, work: Path) -> Row:
    board = boards.load_board(board_name)
    row = Row(board_name, shape, fmt, expert_macs(ir))
    try:
        slug = "".join(c if c.isalnum() else "_" for c in fmt)
        res = build(board_name, None, work / f"{board_name}-{shape}-{slug}", ir=ir)
    except DoesNotFit as exc:
        if board_name in ROOMIER:
            return measure(ROOMIER[board_name], shape, fmt, ir, work)
        row.note = "does not fit: " + str(exc).split(": ", 1)[-1].split(";")[0][:120]
        return row
    rng = np.random.default_rng(0)
    x8 = rng.integers(-128, 128, (INPUTS, ir.input.n_features), dtype=np.int8)
    runs = run_image(board, res.elf, ir, x8)
    row.stages = tuple(float(np.mean([r[0][k] for r in runs])) for k in range(4))
    row.experts = tuple(r[1] for r in runs)
    row.mismatches = sum(not r[2] for r in runs)
    row.weights = res.model_flash_bytes
    row.code = res.sizes["flash"] - res.model_flash_bytes
    row.arena = res.arena_bytes
    shutil.rmtree(res.out_dir, ignore_errors=True)
    return row


def router_passes(board_name: str, ir: IR, full: Row, work: Path) -> float | None:
    """The T masked passes' instructions: the mixture rebuilt with its first mask only."""
    t = ir.router.n_passes
    router = replace(ir.router, masks=ir.router.masks[:1], n_passes=1)
    one = rebuild(ir, router=router)
    short = measure(board_name, full.shape, full.fmt + " T=1", one, work)
    if full.stages is None or short.stages is None or t < 2:
        return None
    return t / (t - 1) * (full.stages[1] - short.stages[1])


def print_rows(rows: list[Row]) -> None:
    head = (
        f"{'board':11s} {'network':16s} {'format':14s} {'MAC':>9s} {'input':>6s} {'router':>8s} "
        f"{'expert':>10s} {'total':>10s} {'/MAC':>6s} {'weights B':>10s} {'code B':>7s} "
        f"{'arena B':>7s} {'golden':>6s}"
    )
    print(head)
    for r in rows:
        lead = f"{r.board:11s} {shape_name(r.shape):16s} {r.fmt:14s} {r.macs:9d}"
        if r.stages is None:
            print(f"{lead}  {r.note}")
            continue
        i, ro, e, t = r.stages
        ok = "ok" if r.mismatches == 0 else f"{r.mismatches} bad"
        print(
            f"{lead} {i:6.0f} {ro:8.0f} {e:10.0f} {t:10.0f} {t / r.macs:6.2f} {r.weights:10d} "
            f"{r.code:7d} {r.arena:7d} {ok:>6s}"
        )


def print_tflm(rows: list[Row]) -> None:
    print(
        "\nTensorFlow Lite Micro, int8 FC+ReLU, whole Invoke() on mps2-an386 (-icount shift=0, "
        "GCC 12.2; issue 10)\nbeside qmoe's int8 expert on qemu-m4 (whole inference):\n"
    )
    print(
        f"{'network':16s} {'TFLM ref':>10s} {'/MAC':>5s} {'TFLM+CMSIS-NN':>13s} {'/MAC':>5s} "
        f"{'TFLM arena B':>12s} {'qmoe s8':>10s} {'/MAC':>5s} {'qmoe arena B':>12s}"
    )
    for shape, (ref, cmsis, arena) in TFLM.items():
        macs = expert_macs_of(shape)
        mine = [
            r for r in rows if r.board.startswith("qemu-m4") and r.shape == shape and r.fmt == "s8"
        ]
        q = mine[0] if mine and mine[0].stages else None
        tail = (
            f"{q.stages[3]:10.0f} {q.stages[3] / macs:5.2f} {q.arena:12d}"
            if q is not None
            else f"{'-':>10s} {'-':>5s} {'-':>12s}"
        )
        print(
            f"{shape_name(shape):16s} {ref:10d} {ref / macs:5.2f} {cmsis:13d} {cmsis / macs:5.2f} "
            f"{arena:12d} {tail}"
        )


def expert_macs_of(shape: str) -> int:
    dim, hidden, classes = SHAPES[shape]
    sizes = [dim, *hidden, classes]
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boards", default=",".join(BOARDS), help="comma-separated board names")
    ap.add_argument("--shapes", default=",".join(SHAPES), help="paper and/or small")
    ap.add_argument(
        "--formats", default=",".join([*FORMATS, "mixture"]), help="formats, and 'mixture'"
    )
    ap.add_argument("--quick", action="store_true", help="small shape, s8 and t2, qemu-m4 only")
    args = ap.parse_args()
    board_names = ["qemu-m4"] if args.quick else args.boards.split(",")
    shapes = ["small"] if args.quick else args.shapes.split(",")
    wanted = ["s8", "t2", "mixture"] if args.quick else args.formats.split(",")
    formats = [f for f in FORMATS if f in wanted]
    mix_shape = "small" if args.quick else "paper"
    print(
        "Whole inference per board: emulated instructions (QEMU -icount shift=0), mean over "
        f"{INPUTS} inputs; /MAC = total / expert MACs\n"
    )
    rows: list[Row] = []
    mix_note = ""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for shape in shapes:
            models: dict[str, Path] = {}
            for fmt in formats:
                spec, dense = FORMATS[fmt]
                if spec not in models:
                    models[spec] = train(work, shape, [spec])
                try:
                    ir = lower_file(models[spec], dense_ternary=dense)
                except IRError as exc:  # e.g. 16-bit weights over 1536 inputs: int32 bound
                    note = "export refused: " + str(exc).split(": ", 1)[-1][:140]
                    rows += [
                        Row(b, shape, fmt, expert_macs_of(shape), note=note) for b in board_names
                    ]
                    continue
                for b in board_names:
                    rows.append(measure(b, shape, fmt, ir, work))
        mix_ir = lower_file(train(work, mix_shape, MIXTURE)) if "mixture" in wanted else None
        for b in board_names if mix_ir is not None else []:
            row = measure(b, mix_shape, "curiosity[t,4,8]", mix_ir, work)
            rows.append(row)
            if b.startswith("qemu-m4") and row.stages is not None:
                passes = router_passes(row.board, mix_ir, row, work)
                s8 = [
                    r
                    for r in rows
                    if r.board.startswith(b) and r.shape == mix_shape and r.fmt == "s8" and r.stages
                ]
                if passes is not None and s8:
                    e8 = s8[0].stages[2]
                    mix_note = (
                        f"curiosity router on {row.board} ({shape_name(mix_shape)}): router "
                        f"{row.stages[1]:.0f} instructions, of which the "
                        f"{mix_ir.router.n_passes} masked passes {passes:.0f} "
                        f"({100 * passes / e8:.2f} % of the s8 expert's {e8:.0f}); shared layers, "
                        f"argmax and table {row.stages[1] - passes:.0f}; experts chosen: "
                        f"{list(row.experts)}"
                    )
    print_rows(rows)
    if mix_note:
        print("\n" + mix_note)
    print_tflm(rows)
    bad = sum(r.mismatches for r in rows)
    print(f"\nanswers differing from the golden model: {bad}")
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

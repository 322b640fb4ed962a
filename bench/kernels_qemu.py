"""Fully-connected kernels on qemu-m4: emulated instructions per MAC, before and after.

Run: .venv/bin/python bench/kernels_qemu.py [--variants reference,cortex-m4] [--sizes] [--quick]

For the int8-activation MLPs 1536→640→320→5 and 160→128→64→10 and every weight format,
each layer of bench/kernels_callgrind.py's `network_cases` (same seeds, same data) is written
into a kernel-bench firmware image (firmware/bench/kernel_bench_main.c) as const arrays, built for
qemu-m4 with one kernel variant (firmware/kernels/variants.toml) and run under
`qemu-system-arm -M mps2-an386 -icount shift=0`. The app calls each kernel back to back until
about TARGET_INSTRUCTIONS have run, from a SysTick edge, and reports the counter delta; one count
is the board profile's `counter.per_tick` (40) emulated instructions. The delta of an empty
kernel through the same loop is subtracted, so a figure is the instructions executed inside one
kernel call (argument check, loops, requantization, stores), within one count per timed run.
These are emulated instructions, not cycles: QEMU counts every Thumb instruction as one.

Images are filled up to the board's flash (linker region) less a reserve for the code; a layer
bigger than that (1536→640 with int16 weights, 1.9 MB) is run as several images of whole rows
and its counts are added. The module also serves tests/test_kernels_m4.py: `QemuM4Runner.run()`
returns every call's status and outputs, compared there with the golden operator.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import kernels_callgrind as kb  # bench/ is on sys.path when a bench script runs
import numpy as np
import serial

from qmoe import boards
from qmoe.device.run import start
from qmoe.device.toolchain import compile_firmware
from qmoe.errors import ConfigError
from qmoe_codegen.cgen import c_array, c_literal, c_struct_init

FcCase = kb.FcCase

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "firmware" / "bench"
APP_SOURCE = BENCH_DIR / "kernel_bench_main.c"
BOARD = "qemu-m4"
CODE_RESERVE = 64 * 1024  # flash kept for the app, port and kernels (about 10 KB are used)
TARGET_INSTRUCTIONS = 2_000_000  # per timed run: one count (40) is then at most 0.002 %
RUN_TIMEOUT_S = 120.0  # one image's whole run
HEADER, TRAILER = struct.Struct("<4sIII"), struct.Struct("<4sII")
RECORD = struct.Struct("<HHiIIH")
NULL_BITS = {"weights": 8, "bias": 16, "mult": 32, "shift": 64}  # FcCase.nulls, in the layer


@dataclass
class Call:
    """One input vector's result: status, outputs (int8 or int16 values; `raw` as sent) and the
    instructions of one call."""

    status: int
    out: np.ndarray
    instructions: float
    raw: bytes


def case_flash_bytes(case: FcCase) -> int:
    """Flash a case's generated arrays take (weights, per-channel arrays, inputs, descriptors)."""
    n_out, n_in = case.q.shape
    return len(case.packed()) + 9 * n_out + case.x.size + 64


def split_rows(case: FcCase, max_bytes: int) -> list[FcCase]:
    """`case` as consecutive blocks of whole rows, each taking at most `max_bytes` of flash."""
    n_out = case.q.shape[0]
    per_row = max(1, math.ceil((case_flash_bytes(case) - case.x.size) / n_out))
    rows = max(1, (max_bytes - case.x.size - 64) // per_row)
    blocks = []
    for r in range(0, n_out, rows):
        s = slice(r, r + rows)
        blocks.append(
            dataclasses.replace(
                case, q=case.q[s], bias=case.bias[s], mult=case.mult[s], shift=case.shift[s]
            )
        )
    return blocks


def _layer_init(i: int, case: FcCase) -> str:
    n_out, n_in = case.q.shape
    h = {
        "n_in": n_in,
        "n_out": n_out,
        "row_bytes": kb.row_bytes(case.fmt, n_in, case.row_align),
        "format": kb.FORMAT_IDS[case.fmt],
        "out_bits": case.out_bits,
        "out_min": case.out_min,
        "out_max": case.out_max,
        **(case.fields or {}),
    }
    types = {
        "n_in": "uint16_t",
        "n_out": "uint16_t",
        "row_bytes": "uint16_t",
        "format": "uint8_t",
        "out_bits": "uint8_t",
        "out_min": "int16_t",
        "out_max": "int16_t",
    }
    fields = {k: c_literal(h[k], t) for k, t in types.items()}
    for name, suffix in (("weights", "w"), ("bias", "b"), ("mult", "m"), ("shift", "s")):
        fields[name] = "NULL" if case.nulls & NULL_BITS[name] else f"c{i}_{suffix}"
    return f"static const qmoe_fc_t c{i}_layer = {c_struct_init(fields)};\n"


def out_bytes(case: FcCase) -> int:
    """Output bytes per call as the harnesses report them (header fields after overrides)."""
    f = case.fields or {}
    return f.get("n_out", case.q.shape[0]) * (1 if f.get("out_bits", case.out_bits) == 8 else 2)


def out_dtype(case: FcCase) -> str:
    """numpy dtype of a case's outputs: int8 for out_bits 8 (after overrides), else int16."""
    return "i1" if (case.fields or {}).get("out_bits", case.out_bits) == 8 else "<i2"


def image_source(cases: list[FcCase], repeats: list[int]) -> str:
    """The generated C file of a kernel-bench image holding `cases` (kernel_bench.h)."""
    parts = [
        "/* GENERATED by bench/kernels_qemu.py: kernel-bench cases. DO NOT EDIT. */\n",
        '#include <stddef.h>\n\n#include "kernel_bench.h"\n\n',
    ]
    descs = []
    for i, case in enumerate(cases):
        n_out, n_in = case.q.shape
        arrays = {
            "weights": (f"c{i}_w", "uint8_t", np.frombuffer(case.packed(), np.uint8)),
            "bias": (f"c{i}_b", "int32_t", case.bias),
            "mult": (f"c{i}_m", "int32_t", case.mult),
            "shift": (f"c{i}_s", "int8_t", case.shift),
        }
        for field, (name, ctype, values) in arrays.items():
            if not case.nulls & NULL_BITS[field]:  # a NULL field's array would be unused
                parts.append(
                    c_array(name, ctype, values, per_line=24, align=4, hex_bytes=ctype == "uint8_t")
                )
        parts.append(c_array(f"c{i}_x", "int8_t", case.x, per_line=24, align=4))
        parts.append(_layer_init(i, case))
        kernel = 0 if case.kernel is None else kb.FORMAT_IDS[case.kernel]
        descs.append(
            c_struct_init(
                {
                    "layer": f"&c{i}_layer",
                    "inputs": f"c{i}_x",
                    "batch": str(len(case.x)),
                    "in_stride": str(n_in),
                    "out_bytes": str(out_bytes(case)),
                    "kernel": str(kernel),
                    "nulls": str(case.nulls & 0x187),  # layer fields are NULL in the layer
                    "repeats": f"{repeats[i]}u",
                },
                indent=8,
            )
        )
    parts.append(
        "const qmoe_bench_case_t qmoe_bench_cases[] = {\n    " + ",\n    ".join(descs) + "\n};\n"
    )
    parts.append(f"const uint32_t qmoe_bench_n_cases = {len(cases)}u;\n")
    size = max([out_bytes(c) for c in cases] + [1])
    parts.append(f"uint8_t qmoe_bench_out[{size}] QMOE_ALIGN(4);\n")
    return "".join(parts)


def plan_images(cases: list[FcCase], budget: int) -> list[list[int]]:
    """Indices of `cases` grouped, in order, into images of at most `budget` bytes of data."""
    images: list[list[int]] = []
    used = budget + 1
    for i, case in enumerate(cases):
        size = case_flash_bytes(case)
        if size > budget:
            raise ConfigError(
                f"case {i} ({case.fmt} {case.q.shape}) needs {size} bytes of flash,"
                f" more than the {budget} an image has: split it by rows"
            )
        if used + size > budget:
            images.append([])
            used = 0
        images[-1].append(i)
        used += size
    return images


def _read_exact(port: serial.SerialBase, n: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < n:
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"kernel-bench app sent {len(data)} of {n} bytes before the "
                f"{RUN_TIMEOUT_S:.0f} s timeout"
            )
        data += port.read(n - len(data))
    return bytes(data)


class QemuM4Runner:
    """Builds kernel-bench images for qemu-m4 with one kernel variant and runs them."""

    def __init__(self, work: Path, variant: str = "reference") -> None:
        board = boards.load_board(BOARD)
        tool = board.toolchain
        include = tool.include + tuple(kb.INCLUDE_DIRS) + (BENCH_DIR,)
        self.board = dataclasses.replace(
            board, toolchain=dataclasses.replace(tool, include=include)
        )
        self.work, self.variant = Path(work), variant
        self.sources = [APP_SOURCE, *kb.kernel_sources(variant)]
        self.budget = board.flash_bytes - CODE_RESERVE
        self.images = 0
        self.label = (
            f"qemu-m4 (mps2-an386, -icount shift=0), emulated instructions, "
            f"{variant} kernels, arm-none-eabi-gcc -Os"
        )

    def build(self, cases: list[FcCase], repeats: list[int]) -> Path:
        """Compile one image holding `cases`; return the ELF."""
        self.images += 1
        out = self.work / f"{self.variant}-{self.images}"
        out.mkdir(parents=True, exist_ok=True)
        gen = out / "bench_cases.c"
        gen.write_text(image_source(cases, repeats))
        return compile_firmware(self.board, [*self.sources, gen], out, name="kernel_bench")

    def run_image(self, elf: Path, cases: list[FcCase]) -> list[list[Call]]:
        """Start `elf` (built from `cases`), ask for one run, and return each case's calls."""
        per_tick = self.board.counter.per_tick
        results: list[list[Call]] = [[] for _ in cases]
        with (
            start(self.board, elf) as running,
            serial.serial_for_url(running.url, timeout=1.0) as port,
        ):
            deadline = time.monotonic() + RUN_TIMEOUT_S
            port.write(b"R")
            magic, n, calib, calib_calls = HEADER.unpack(_read_exact(port, HEADER.size, deadline))
            if magic != b"QKB1" or n != len(cases):
                raise RuntimeError(f"{elf}: bad reply header {magic!r}, {n} cases")
            overhead = calib * per_tick / calib_calls
            total, records = 0, 0
            for _ in range(sum(len(c.x) for c in cases)):
                raw = _read_exact(port, RECORD.size, deadline)
                c, _, status, counts, reps, n_bytes = RECORD.unpack(raw)
                out = _read_exact(port, n_bytes, deadline)
                total += sum(raw) + sum(out)
                values = np.frombuffer(out, out_dtype(cases[c])).astype(np.int64)
                results[c].append(Call(status, values, counts * per_tick / reps - overhead, out))
                records += 1
            magic, n_rec, check = TRAILER.unpack(_read_exact(port, TRAILER.size, deadline))
            if magic != b"QKBE" or n_rec != records or check != total % 2**32:
                raise RuntimeError(
                    f"{elf}: bad trailer {magic!r}: {n_rec} records (read "
                    f"{records}), checksum {check} (computed {total % 2**32})"
                )
        return results

    def run(self, cases: list[FcCase], repeats: list[int] | None = None) -> list[list[Call]]:
        """Run every case (as few images as the flash allows); per case, per input, its Call."""
        repeats = repeats or [1] * len(cases)
        results: list[list[Call]] = []
        for idx in plan_images(cases, self.budget):
            part = [cases[i] for i in idx]
            results += self.run_image(self.build(part, [repeats[i] for i in idx]), part)
        return results

    def count_layers(self, cases: list[FcCase]) -> list[float]:
        """Instructions per call of each case's kernel (batch 1); layers too big for one image
        are split by rows and their blocks' counts added."""
        blocks, owner = [], []
        for i, case in enumerate(cases):
            parts = split_rows(case, self.budget)
            blocks += parts
            owner += [i] * len(parts)
        repeats = [max(1, math.ceil(TARGET_INSTRUCTIONS / b.q.size)) for b in blocks]
        counts = [0.0] * len(cases)
        for i, calls in zip(owner, self.run(blocks, repeats)):
            if calls[0].status != 0:
                raise RuntimeError(f"{cases[i].fmt} {cases[i].q.shape}: status {calls[0].status}")
            counts[i] += calls[0].instructions
        return counts

    def count(self, case: FcCase) -> int:
        """kernels_callgrind.CountBackend: instructions of one call (one image per call)."""
        return round(self.count_layers([case])[0])


def per_mac_tables(work: Path, variants: list[str], networks: list[str] | None = None) -> str:
    """Markdown tables: instructions per MAC per layer and network for each variant, and the
    ratio of the first variant's network figure to each other's (`networks`: those of
    kb.NETWORKS only)."""
    runners = {v: QemuM4Runner(work, v) for v in variants}
    lines = [
        f"Emulated instructions per multiply-accumulate on qemu-m4 ({', '.join(variants)};"
        " arm-none-eabi-gcc -Os, -icount shift=0; counts inside one kernel call):"
    ]
    for name in networks or kb.NETWORKS:
        shape = kb.NETWORKS[name]
        layers = [f"{a}→{b}" for a, b in zip(shape[:-1], shape[1:])]
        head = [
            f"{v} {layer}" if len(variants) > 1 else layer
            for v in variants
            for layer in [*layers, "network"]
        ]
        ratio = [f"{variants[0]}/{v}" for v in variants[1:]]
        lines += [
            "",
            f"| {name} | " + " | ".join(head + ratio) + " |",
            "|---|" + "---:|" * (len(head) + len(ratio)),
        ]
        for fmt in kb.FORMAT_IDS:
            cases = kb.network_cases(shape, fmt)
            macs = [c.q.size for c in cases]
            cells, nets = [], []
            for v in variants:
                counts = runners[v].count_layers(cases)
                nets.append(sum(counts) / sum(macs))
                cells += [f"{n / m:.2f}" for n, m in zip(counts, macs)] + [f"{nets[-1]:.2f}"]
            cells += [f"{nets[0] / n:.1f}×" for n in nets[1:]]
            lines.append(f"| {kb.KERNEL_NAMES[fmt]} ({fmt}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def m4_size_table(work: Path, variants: list[str]) -> str:
    """Markdown table of .text bytes per kernel source of each variant, Cortex-M4F at -Os."""
    sizes = {v: kb.cross_text_sizes("cortex-m4", work, v) for v in variants}
    lines = [
        "Cortex-M4F .text bytes per kernel source (arm-none-eabi-gcc -Os, before linking):",
        "",
        "| variant | source | bytes |",
        "|---|---|---:|",
    ]
    for v in variants:
        for src in kb.kernel_sources(v):
            rel = src.relative_to(kb.KERNELS_DIR).as_posix()
            lines.append(f"| {v} | {rel} | {sizes[v][src.name]} |")
        lines.append(f"| {v} | total | {sum(sizes[v].values())} |")
    return "\n".join(lines)


def main() -> None:
    """Print the per-MAC tables (and, with --sizes, .text per kernel source of each variant)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variants",
        default="reference,cortex-m4",
        help="comma-separated kernel variants (variants.toml); first = baseline",
    )
    parser.add_argument("--sizes", action="store_true", help="also print .text per source")
    parser.add_argument("--quick", action="store_true", help=f"only {kb.QUICK_NETWORK}")
    args = parser.parse_args()
    variants = [v for v in args.variants.split(",") if v]
    networks = [kb.QUICK_NETWORK] if args.quick else None
    with tempfile.TemporaryDirectory() as tmp:
        print(per_mac_tables(Path(tmp), variants, networks))
        if args.sizes:
            print()
            print(m4_size_table(Path(tmp), variants))


if __name__ == "__main__":
    main()

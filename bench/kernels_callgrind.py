"""Instruction counts of the fully-connected kernels per multiply-accumulate, standard shapes.

Run: .venv/bin/python bench/kernels_callgrind.py [--variant reference] [--sizes] [--quick]

For the int8-activation MLPs 1536→640→320→5 and 160→128→64→10 and every weight format, each layer
is run once through tests/c/fc_main.c and the instructions executed inside the kernel (argument
checks, requantization and stores included; the harness's I/O not) are counted by a backend. The
table gives instructions per multiply-accumulate per layer and for the whole network. Counting is
a backend so that others can be added: `callgrind` counts x86-64 instructions of the host build
(gcc -O2) under `valgrind --tool=callgrind --toggle-collect=<kernel>`; a QEMU Cortex-M4 backend
(instructions under `-icount`) comes with the boards. `--sizes` prints the .text bytes of every
kernel source per cross target (gcc -Os), the figure that counts against the 12 KB runtime budget.
`--quick` counts the smaller network only (QUICK_NETWORK).

This module also holds what tests/test_kernels_c.py shares with the bench: the kernel source lists
(firmware/kernels/variants.toml), building the harness, the harness's case format and a random
layer generator that keeps the no-overflow bound of docs/integer-semantics.md.
"""

from __future__ import annotations

import argparse
import io
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from qmoe.ctoolchain import FREESTANDING, PEDANTIC, board_target
from qmoe.errors import ConfigError
from qmoe_codegen.intops import quantize_multiplier
from qmoe_codegen.kernels import fc
from qmoe_codegen.packing import FORMATS, pack, row_bytes, unpack

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
KERNELS_DIR = ROOT / "firmware" / "kernels"
HARNESS_SRC = ROOT / "tests" / "c" / "fc_main.c"
INCLUDE_DIRS = (ROOT / "firmware" / "include",)

FORMAT_IDS = {"s1": 1, "s2": 2, "t2": 3, "t5": 4, "s4": 5, "s8": 6, "s16": 7}  # QMOE_FMT_*
KERNEL_NAMES = {
    "s1": "qmoe_fc_w1a8",
    "s2": "qmoe_fc_w2a8",
    "t2": "qmoe_fc_wt2a8",
    "t5": "qmoe_fc_wt5a8",
    "s4": "qmoe_fc_w4a8",
    "s8": "qmoe_fc_w8a8",
    "s16": "qmoe_fc_w16a8",
}
ACC_LIMIT = 2**31  # |bias| + 128 * sum|q| must stay below this (docs/integer-semantics.md)
NETWORKS = {"1536→640→320→5": (1536, 640, 320, 5), "160→128→64→10": (160, 128, 64, 10)}
QUICK_NETWORK = "160→128→64→10"  # the one network of --quick (here and in kernels_qemu.py)

# Cross targets of the kernels: a board per core, whose board.toml gives the compiler, the machine
# flags and the size tool (qmoe.ctoolchain); compiled -Os freestanding, no link.
CROSS_BOARDS = {"cortex-m4": "qemu-m4", "cortex-m0": "qemu-m0", "rv32imc": "qemu-rv32"}
STRICT_CFLAGS = list(PEDANTIC)


def cross_target(target: str) -> tuple[str, list[str], str]:
    """(compiler, flags, size tool) of a key of CROSS_BOARDS, from its board's board.toml."""
    t = board_target(CROSS_BOARDS[target])
    return t.cc, [*t.machine, *FREESTANDING], t.tool("size")


def kernel_sources(variant: str = "reference") -> list[Path]:
    """The C sources of a kernel build variant, from firmware/kernels/variants.toml."""
    table = tomllib.loads((KERNELS_DIR / "variants.toml").read_text())
    if variant not in table:
        raise ConfigError(
            f"firmware/kernels/variants.toml has no variant {variant!r}; known: {', '.join(table)}"
        )
    return [KERNELS_DIR / s for s in table[variant]["sources"]]


def build_harness(
    out: Path, cflags: list[str], variant: str = "reference", cc: str = "gcc"
) -> Path:
    """Compile tests/c/fc_main.c with the kernels of `variant` into the executable `out`."""
    args = [
        cc,
        *STRICT_CFLAGS,
        *cflags,
        *(f"-I{d}" for d in INCLUDE_DIRS),
        str(HARNESS_SRC),
        *map(str, kernel_sources(variant)),
        "-o",
        str(out),
    ]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"building {out.name} failed:\n{' '.join(args)}\n{proc.stderr}")
    return out


@dataclass
class FcCase:
    """One layer and a batch of inputs, as the harness and the golden operator take them.

    `q` holds the weight values (n_out, n_in); they are packed with `fmt` and `row_align`.
    `kernel` None calls qmoe_fc(), a format name calls that format's kernel; `nulls` is the
    harness's NULL-pointer bit mask and `fields` overrides header fields (n_in, n_out, row_bytes,
    format, out_bits, out_min, out_max) to build invalid layers; a smaller n_in or n_out also cuts
    the inputs or the per-channel arrays sent (the weight bytes are sent whole).
    """

    fmt: str
    q: np.ndarray
    bias: np.ndarray
    mult: np.ndarray
    shift: np.ndarray
    x: np.ndarray
    out_min: int
    out_max: int
    out_bits: int
    row_align: int = 1
    kernel: str | None = None
    nulls: int = 0
    fields: dict[str, int] | None = None

    def packed(self) -> bytes:
        """The weight bytes exactly as the generated C arrays hold them."""
        return pack(self.q, self.fmt, self.row_align)

    def encode(self) -> bytes:
        """The case in fc_main.c's input format."""
        n_out, n_in = self.q.shape
        h = {
            "n_in": n_in,
            "n_out": n_out,
            "row_bytes": row_bytes(self.fmt, n_in, self.row_align),
            "format": FORMAT_IDS[self.fmt],
            "out_bits": self.out_bits,
            "out_min": self.out_min,
            "out_max": self.out_max,
            **(self.fields or {}),
        }
        weights = self.packed()
        kernel = 0 if self.kernel is None else FORMAT_IDS[self.kernel]
        header = struct.pack(
            "<2sHHHBBhhBHHI",
            b"QF",
            h["n_in"],
            h["n_out"],
            h["row_bytes"],
            h["format"],
            h["out_bits"],
            h["out_min"],
            h["out_max"],
            kernel,
            self.nulls,
            len(self.x),
            len(weights),
        )
        rows, cols = min(h["n_out"], n_out), min(h["n_in"], n_in)  # arrays follow the header
        arrays = (
            np.asarray(self.bias[:rows], "<i4"),
            np.asarray(self.mult[:rows], "<i4"),
            np.asarray(self.shift[:rows], "i1"),
            np.asarray(self.x[:, :cols], "i1"),
        )
        return header + weights + b"".join(a.tobytes() for a in arrays)

    def expected(self) -> np.ndarray:
        """Golden outputs (batch, n_out): qmoe_codegen.kernels.fc on the unpacked weights."""
        w = unpack(self.packed(), self.fmt, self.q.shape, self.row_align)
        return fc(self.x, w, self.bias, self.mult, self.shift, self.out_min, self.out_max)


def read_replies(stream: BinaryIO, batch: int, out_bits: int) -> list[tuple[int, np.ndarray]]:
    """Read one case's replies (status, outputs) from the harness; EOFError if it stopped."""
    replies = []
    for _ in range(batch):
        head = stream.read(8)
        if len(head) != 8:
            raise EOFError("fc_main stopped before answering")
        status, n = struct.unpack("<iI", head)
        raw = stream.read(n)
        if len(raw) != n:
            raise EOFError("fc_main stopped in the middle of a reply")
        replies.append((status, np.frombuffer(raw, "i1" if out_bits == 8 else "<i2")))
    return replies


def random_weights(rng: np.random.Generator, fmt: str, n_out: int, n_in: int) -> np.ndarray:
    """Uniform weights of `fmt`; rows scaled down where needed so that 128 * sum|q| is about 2^30
    at most, which leaves about 2^30 for the bias under the no-overflow bound."""
    info = FORMATS[fmt]
    if fmt == "s1":
        return rng.choice(np.array([-1, 1]), size=(n_out, n_in))
    q = rng.integers(info.min_value, info.max_value + 1, size=(n_out, n_in))
    need = np.abs(q).sum(axis=1, keepdims=True) * 128
    return q // np.maximum(1, -(-need // 2**30))  # floor division keeps values in range


def bias_limit(q: np.ndarray) -> np.ndarray:
    """Largest |bias| per row that keeps the no-overflow bound: 2^31 - 1 - 128 * sum|q|."""
    return ACC_LIMIT - 1 - 128 * np.abs(np.asarray(q, np.int64)).sum(axis=1)


def fitted_requant(acc: np.ndarray, out_max: int, rng: np.random.Generator):
    """(mult, shift) per channel mapping the largest |acc| of `acc` (batch, n_out) to about
    out_max times a random factor in [0.5, 2], so that outputs use the range and some clip."""
    amax = np.maximum(np.abs(acc).max(axis=0), 1)
    pairs = [quantize_multiplier(out_max / a * rng.uniform(0.5, 2.0)) for a in amax]
    return (np.array([m for m, _ in pairs], np.int64), np.array([n for _, n in pairs], np.int64))


def random_layer(
    rng: np.random.Generator,
    fmt: str,
    n_in: int,
    n_out: int,
    batch: int = 1,
    out_bits: int = 8,
    relu: bool = True,
    row_align: int = 1,
) -> FcCase:
    """A layer of random weights, biases and inputs with requantization fitted to the outputs."""
    q = random_weights(rng, fmt, n_out, n_in)
    x = rng.integers(-128, 128, size=(batch, n_in))
    spread = np.sqrt((q.astype(np.float64) ** 2).sum(axis=1)) * 74.0  # std of sum q x
    bias = np.clip(rng.normal(0, 1, n_out) * spread, -bias_limit(q), bias_limit(q)).astype(np.int64)
    out_max = 127 if out_bits == 8 else 32767
    out_min = 0 if relu else -out_max - 1
    mult, shift = fitted_requant(x @ q.T.astype(np.int64) + bias, out_max, rng)
    return FcCase(fmt, q, bias, mult, shift, x, out_min, out_max, out_bits, row_align)


class CountBackend(Protocol):
    """Counts the instructions one kernel call executes."""

    label: str

    def count(self, case: FcCase) -> int:
        """Instructions executed inside the kernel for `case` (batch 1, kernel called directly)."""
        ...


class CallgrindBackend:
    """Host build (gcc -O2, no sanitizers) under valgrind's callgrind, collecting in the kernel."""

    def __init__(self, work: Path, variant: str = "reference") -> None:
        if shutil.which("valgrind") is None:
            raise ConfigError("valgrind not found on PATH (apt-get install valgrind)")
        self.work = Path(work)
        self.exe = build_harness(self.work / "fc_bench", ["-O2"], variant)
        self.label = f"callgrind, x86-64 gcc -O2, {variant} kernels"

    def count(self, case: FcCase) -> int:
        """Callgrind's instruction total with collection on only inside the case's kernel."""
        out = self.work / "callgrind.out"
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                f"--toggle-collect={KERNEL_NAMES[case.fmt]}",
                str(self.exe),
            ],
            input=case.encode(),
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"callgrind run failed: {proc.stderr.decode()[-2000:]}")
        status, _ = read_replies(io.BytesIO(proc.stdout), 1, case.out_bits)[0]
        if status != 0:
            raise RuntimeError(f"{KERNEL_NAMES[case.fmt]} returned status {status}")
        for line in out.read_text().splitlines():
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
        raise RuntimeError(f"no instruction total in {out}")


def network_cases(shape: tuple[int, ...], fmt: str, seed: int = 0) -> list[FcCase]:
    """One case per layer of an MLP: ReLU int8 hidden layers, int16 logits; kernels called
    directly."""
    rng = np.random.default_rng(seed)
    cases = []
    for i, (n_in, n_out) in enumerate(zip(shape[:-1], shape[1:])):
        last = i == len(shape) - 2
        case = random_layer(rng, fmt, n_in, n_out, out_bits=16 if last else 8, relu=not last)
        case.kernel = fmt
        cases.append(case)
    return cases


def per_mac_table(backend: CountBackend, networks: list[str] | None = None) -> str:
    """Markdown tables of instructions per MAC per layer and network, one per standard shape
    (`networks`: those of NETWORKS only)."""
    lines = [f"Instructions per multiply-accumulate ({backend.label}):"]
    for name in networks or NETWORKS:
        shape = NETWORKS[name]
        layers = [f"{a}→{b}" for a, b in zip(shape[:-1], shape[1:])]
        lines += [
            "",
            f"| {name} | " + " | ".join(layers) + " | network |",
            "|---|" + "---:|" * (len(layers) + 1),
        ]
        for fmt in FORMAT_IDS:
            cases = network_cases(shape, fmt)
            counts = [backend.count(c) for c in cases]
            macs = [c.q.size for c in cases]
            cells = [f"{n / m:.2f}" for n, m in zip(counts, macs)]
            cells.append(f"{sum(counts) / sum(macs):.2f}")
            lines.append(f"| {KERNEL_NAMES[fmt]} ({fmt}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cross_text_sizes(target: str, work: Path, variant: str = "reference") -> dict[str, int]:
    """Compile each kernel source of `variant` for a cross target (-Werror, no link) and return
    .text bytes (read-only data included, as `size` counts it) per source file name."""
    cc, flags, size_tool = cross_target(target)
    sizes = {}
    for src in kernel_sources(variant):
        obj = Path(work) / f"{target}-{src.stem}.o"
        args = [
            cc,
            *STRICT_CFLAGS,
            *flags,
            *(f"-I{d}" for d in INCLUDE_DIRS),
            "-c",
            str(src),
            "-o",
            str(obj),
        ]
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{target}: compiling {src.name} failed:\n{proc.stderr}")
        out = subprocess.run([size_tool, str(obj)], capture_output=True, text=True, check=True)
        sizes[src.name] = int(out.stdout.splitlines()[1].split()[0])
    return sizes


def size_table(work: Path, variant: str = "reference") -> str:
    """Markdown table of .text bytes per kernel source per cross target present on PATH."""
    targets = [t for t in CROSS_BOARDS if shutil.which(cross_target(t)[0])]
    sizes = {t: cross_text_sizes(t, work, variant) for t in targets}
    lines = [
        f".text bytes per kernel source ({variant}, -Os):",
        "",
        "| source | " + " | ".join(targets) + " |",
        "|---|" + "---:|" * len(targets),
    ]
    for src in kernel_sources(variant):
        lines.append(
            f"| {src.name} | " + " | ".join(str(sizes[t][src.name]) for t in targets) + " |"
        )
    lines.append("| total | " + " | ".join(str(sum(sizes[t].values())) for t in targets) + " |")
    return "\n".join(lines)


def main() -> None:
    """Print the per-MAC instruction table (and, with --sizes, the .text table)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="reference", help="kernel variant (variants.toml)")
    parser.add_argument("--sizes", action="store_true", help="also print .text per cross target")
    parser.add_argument("--quick", action="store_true", help=f"only {QUICK_NETWORK}")
    args = parser.parse_args()
    networks = [QUICK_NETWORK] if args.quick else None
    with tempfile.TemporaryDirectory() as tmp:
        print(per_mac_table(CallgrindBackend(Path(tmp), args.variant), networks))
        if args.sizes:
            print()
            print(size_table(Path(tmp), args.variant))


if __name__ == "__main__":
    main()

"""MicroPython's qmoe module on QEMU Cortex-M4: per-inference overhead of the Python call over the
bare C runtime, the module's code size and the RAM it adds.

Run: .venv/bin/python bench/micropython_overhead.py [--quick]

One int8 expert, 1536→640→320→5 (--quick: 160→128→64→10), with seeded random weights and a
seeded input, is compiled into two images for the same machine, `qemu-system-arm -M mps2-an386
-icount shift=0` (Cortex-M4F), with the same compiler, -Os and the Cortex-M4 kernels:

- the bare benchmark app (board qemu-m4-4mb): RUN_WINDOW of N inferences, per inference
  (set input + router + expert, in C);
- MicroPython with the qmoe module (board mpy-qemu-m4): a Python loop of N `m.infer(x)` calls,
  timed with qmoe.counter(), less the same loop with an empty body, per call; and the module's
  own counters of the C work inside the call.

Both counters are SysTick at 25 MHz: 40 emulated instructions per count (one instruction is 1 ns
of virtual time under -icount shift=0). These are emulated instructions, not cycles. Overhead =
MicroPython per call − bare per inference; the target is ≤ 2 % of the bare figure. Code size: the
linked bytes (linker map) of the module's objects (module glue, runtime, kernels; the model's data
apart). RAM: the module's static data and what qmoe.Model() allocates on the MicroPython heap
(Model.info()['heap_bytes']: arena, input copy, logits, Result and Stream; a model with a front end
adds its scratch and features).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from qmoe.device.build import build
from qmoe.device.micropython.firmware import cache_dir
from qmoe.device.micropython.repl import RawRepl
from qmoe.device.run import start, start_build
from qmoe.protocol import InputKind, Link, RunWindow
from qmoe_codegen import packing
from qmoe_codegen.ir import IR
from qmoe_codegen.ir import build as build_ir

BARE, MPY = "qemu-m4-4mb", "mpy-qemu-m4"
NETWORKS = {"full": (1536, 640, 320, 5), "quick": (160, 128, 64, 10)}
TARGET_PCT = 2.0
# micropython/usermod/qmoe: the MicroPython binding (the counter is the board's counter_*.c)
GLUE = {"modqmoe.o", "qmoe_mp_stream.o", "counter_systick.o"}
SEED = 0


def expert_ir(shape: tuple[int, ...], seed: int = SEED) -> IR:
    """A sealed IR of one int8 expert of `shape` (features in, int16 logits out)."""
    rng = np.random.default_rng(seed)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(shape[:-1], shape[1:])):
        last = k == len(shape) - 2
        q = rng.integers(-127, 128, size=(n_out, n_in))
        layers.append(
            {
                "name": f"layer {k}",
                "n_in": n_in,
                "n_out": n_out,
                "format": "s8",
                "row_bytes": packing.row_bytes("s8", n_in, 1),
                "weights": np.frombuffer(packing.pack(q, "s8", 1), np.uint8).copy(),
                "bias": rng.integers(-5000, 5000, size=n_out).astype(np.int32),
                "mult": np.full(n_out, 1 << 30, np.int64),
                "shift": np.full(n_out, 46 if last else 52, np.int64),
                "out_bits": 16 if last else 8,
                "out_min": -32768 if last else 0,
                "out_max": 32767 if last else 127,
            }
        )
    name = "int8 " + "→".join(map(str, shape))
    content = {
        "model": {
            "name": name,
            "class_names": [f"class{c}" for c in range(shape[-1])],
            "label_set": "synthetic",
            "source": {"file": "bench/micropython_overhead.py", "arrays_sha256": ""},
        },
        "frontend": None,
        "input": {"kind": "features", "n_features": shape[0], "scale": 1.0},
        "experts": [{"name": "expert0", "spec": "int8", "label": "int8", "layers": layers}],
        "router": None,
    }
    return build_ir(content)


def bare_per_inference(ir: IR, x: bytes, n: int, work: Path) -> float:
    """Emulated instructions per inference of the bare app's RUN_WINDOW on qemu-m4-4mb."""
    res = build(BARE, None, work / "bare", ir=ir)
    with start_build(BARE, res.out_dir) as running, Link.open(running.url) as link:
        link.load_input(InputKind.FEATURES_I8, x)
        reply = link.request(RunWindow(n), timeout=600)
    return reply.counter_total * res.board.counter.per_tick / n


TIMING = """
import qmoe, array
m = qmoe.Model()
x = array.array('b', {x!r})
m.infer(x)
c = qmoe.counter
t0 = c()
for _ in range({n}):
    m.infer(x)
t1 = c()
for _ in range({n}):
    pass
t2 = c()
k = m.result.counters
i = m.info()
print((t1 - t0) & 0x3FFFFFFF, (t2 - t1) & 0x3FFFFFFF, k[1], k[2], k[3])
print(i['heap_bytes'], i['kernels'])
"""


def micropython_run(ir: IR, x: bytes, n: int, work: Path) -> dict:
    """Per call (Python, instructions), C inside the call, heap bytes, image and map."""
    res = build(MPY, None, work / "mpy", ir=ir)
    per_tick = res.board.counter.per_tick
    with start(res.board, res.elf) as running, RawRepl(running.url) as repl:
        out = repl.run(TIMING.format(x=np.frombuffer(x, np.int8).tolist(), n=n), timeout=1200)
    loop, empty, router, expert, total, heap, kernels = out.split()
    return {
        "call": (int(loop) - int(empty)) * per_tick / n,
        "inside": int(total) * per_tick,
        "expert": int(expert) * per_tick,
        "heap": int(heap),
        "kernels": kernels,
        "map": cache_dir() / MPY / "model" / "firmware.map",
    }


_MAP_LINE = re.compile(r"^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+\.o)\s*$")


def module_link_sizes(map_path: Path) -> dict[str, int]:
    """Linked bytes of the module's objects by part and kind, from a GNU ld map."""
    sizes: dict[str, int] = {}
    section = ""
    text = map_path.read_text(errors="replace")
    for line in text.split("Linker script and memory map", 1)[-1].splitlines():
        head = line.split()
        if line.startswith(" .") or line.startswith(" COMMON"):
            section = head[0]
            if len(head) < 4:
                continue
            line = " " + " ".join(head[1:])
        m = _MAP_LINE.match(line if line.startswith(" ") else " " + line)
        if not m or "qmoe_model_data" in m.group(2):
            continue
        obj = m.group(2)
        if Path(obj).name in GLUE:
            part = "module glue"
        elif "/firmware/" in obj:
            part = "kernels" if "/kernels/" in obj else "runtime"
        else:
            continue
        kind = "ram" if section.startswith((".bss", ".data", "COMMON")) else "flash"
        sizes[f"{part} {kind}"] = sizes.get(f"{part} {kind}", 0) + int(m.group(1), 16)
        if section.startswith(".data"):
            sizes[f"{part} flash"] = sizes.get(f"{part} flash", 0) + int(m.group(1), 16)
    return sizes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="160→128→64→10 and 2 inferences")
    ap.add_argument("--n", type=int, default=None, help="inferences per timed loop (default 5)")
    args = ap.parse_args()
    shape = NETWORKS["quick" if args.quick else "full"]
    n = args.n or (2 if args.quick else 5)
    ir = expert_ir(shape)
    x = np.random.default_rng(SEED + 1).integers(-128, 128, shape[0]).astype(np.int8).tobytes()
    with tempfile.TemporaryDirectory(prefix="qmoe-mpy-bench-") as tmp:
        bare = bare_per_inference(ir, x, n, Path(tmp))
        mpy = micropython_run(ir, x, n, Path(tmp))
    sizes = module_link_sizes(mpy["map"])
    over = mpy["call"] - bare
    pct = 100.0 * over / bare
    verdict = "meets" if pct <= TARGET_PCT else "misses"
    print(f"int8 expert {'→'.join(map(str, shape))}, qemu mps2-an386 (Cortex-M4F), -icount shift=0")
    print("emulated instructions, not cycles; SysTick counts x 40\n")
    print(f"{'':56s} {'instructions':>14s}")
    rows = [
        (f"bare C runtime, per inference ({BARE} RUN_WINDOW)", bare),
        (f"MicroPython m.infer(x), per call ({MPY})", mpy["call"]),
        ("  of which C inside the call (module counters)", mpy["inside"]),
        ("overhead of the MicroPython call", over),
    ]
    for what, v in rows:
        print(f"{what:56s} {v:>14,.0f}")
    print(f"{'overhead share':56s} {pct:>13.2f} %  ({verdict} the {TARGET_PCT:g} % target)\n")
    print(f"module code and data, linked (kernels {mpy['kernels']}; the model's data apart)")
    for part in ("module glue", "runtime", "kernels"):
        print(
            f"  {part:12s} flash {sizes.get(part + ' flash', 0):>7,d} B"
            f"   static RAM {sizes.get(part + ' ram', 0):>5,d} B"
        )
    flash_total = sum(v for k, v in sizes.items() if k.endswith("flash"))
    ram_total = sum(v for k, v in sizes.items() if k.endswith("ram"))
    print(f"  {'total':12s} flash {flash_total:>7,d} B   static RAM {ram_total:>5,d} B")
    print(
        f"  heap per qmoe.Model() of this model: {mpy['heap']:,d} B "
        f"(arena {ir.memory.arena_bytes:,d} B)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

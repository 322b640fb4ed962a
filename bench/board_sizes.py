"""Flash and RAM of the benchmark firmware per board for a reference model, and the runtime's code
size per board.

    .venv/bin/python bench/board_sizes.py [--model FILE] [--data-dir data/builtin] [--out DIR]
    .venv/bin/python bench/board_sizes.py --quick     # seconds: a small model, one runtime row

Image: `qmoe.device.build.build()` for every board whose compiler is installed. For the boards that
run here, flash and RAM come from the linked image's sections (RAM includes the stack the linker
script reserves). The real boards (runs_here = false) get their projects instead; for them the
table gives what can be known here: our objects (app, runtime, kernels, port, model) compiled
with the board's cross compiler, before linking, and the model's constants. The linked image —
framework (Arduino core, Pico SDK, ESP-IDF), stack, final flash and RAM — only the board's own
build shows (`pio run` prints it). The reference model, unless --model names one, is the README's
curiosity mixture `ternary,4,8` (hidden 128,64) trained on the built-in data with fold 1 held
out.

Runtime code: each runtime source (kernels of the board's variant, and of the reference variant
where the board has its own; model runner and router, front
end, protocol; no model data, no app, no port) compiled alone with the board's compiler and flags
(-Os on the bare-metal boards), summing the allocated sections of the object files: code,
constants and initialized data. Every function is counted, used or not, so this is the whole
runtime a model of any format may need. Target: at most 12 KB on Cortex-M4 (issue 4, section 7).

--quick trains a small mixture on a small built-in dataset (bench/_quick.py) and prints the
runtime row of the first Cortex-M4F board that runs here only; the runtime figure does not
depend on the model.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from qmoe.boards import Board, list_boards
from qmoe.device.build import build
from qmoe.device.projects import ProjectResult
from qmoe.device.result import BuildResult
from qmoe.device.sources import APP_DIR, FIRMWARE, INCLUDE_DIRS, firmware_defines, kernel_variant
from qmoe.device.toolchain import section_sizes
from qmoe_codegen.frontend_c import frontend_scratch_size
from qmoe_codegen.ir import IR
from qmoe_codegen.lower import lower_file

RUNTIME_TARGET_BYTES = 12 * 1024
TARGET_CORE = "cortex-m4f"


def components(board: Board, variant: str | None = None) -> dict[str, list[Path]]:
    """The runtime's source files by component, plus the app's (reported, not counted)."""
    _, kernels = kernel_variant(board, variant)
    return {
        "kernels": kernels,
        "model+router": sorted((FIRMWARE / "runtime").glob("*.c")),
        "front end": sorted((FIRMWARE / "frontend").glob("*.c")),
        "protocol": sorted((FIRMWARE / "protocol").glob("*.c")),
        "app": sorted(APP_DIR.glob("*.c")),
    }


def object_bytes(board: Board, source: Path, work: Path, defines: list[str]) -> int:
    """Flash bytes (allocated, non-bss sections) of one source compiled for the board."""
    obj = work / f"{source.parent.name}_{source.stem}.o"
    includes = [f"-I{d}" for d in (*INCLUDE_DIRS, *board.toolchain.include)]
    cmd = [
        board.toolchain.cc,
        *board.toolchain.cflags,
        *defines,
        *includes,
        "-c",
        str(source),
        "-o",
        str(obj),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}\n{proc.stderr}")
    sizes = section_sizes(obj)
    return sizes["text"] + sizes["data"]


def runtime_sizes(
    board: Board, work: Path, model_gen: Path, variant: str | None = None
) -> dict[str, int]:
    """Bytes per component; the app needs a model header, taken from `model_gen`."""
    defines = [f"-D{k}" if v is None else f"-D{k}={v}" for k, v in firmware_defines(board).items()]
    defines.append(f"-I{model_gen}")
    return {
        name: sum(object_bytes(board, s, work, defines) for s in files)
        for name, files in components(board, variant).items()
    }


def reference_model(data_dir: Path, work: Path, quick: bool = False) -> Path:
    """The README's curiosity mixture, trained on the built-in data with fold 1 held out (with
    `quick`: a small one on a small dataset under `work`)."""
    import torch

    from qmoe.api import load_features, parse_variant
    from qmoe.data import generate_builtin
    from qmoe.modelfile import save_model
    from qmoe.train.config import TrainConfig
    from qmoe.train.cv import fit_fold

    torch.set_num_threads(1)
    base = TrainConfig()
    if quick:
        from _quick import quick_config, quick_data

        data_dir, base = quick_data(work), quick_config(base)
    elif not (data_dir / "meta" / "esc50.csv").exists():
        generate_builtin(data_dir, seed=0, clips_per_class=40)
    fd, fe = load_features("builtin", data_dir)
    model, _ = fit_fold(fd, parse_variant("ternary,4,8@curiosity", base), 1, fe)
    return save_model(model, work / "reference.qmoe")


def capacity(n: int, width: int) -> str:
    """A capacity right-aligned in `width`; '-' for 0 (no limit)."""
    return f"{n:>{width}d}" if n else "-".rjust(width)


def image_row(b: Board, r: BuildResult | ProjectResult, ir: IR) -> str:
    """One row of the image table. A real board's flash and RAM are our objects only (marked *)."""
    model_flash = ir.sizes.total_flash_bytes
    arena = ir.memory.arena_bytes
    if isinstance(r, BuildResult):
        flash, cap_flash, ram, cap_ram, mark = (
            f"{r.sizes['flash']:>8d}",
            b.flash_bytes,
            f"{r.sizes['ram']:>7d}",
            b.ram_bytes,
            " ",
        )
        scratch = r.frontend_scratch_bytes
    else:
        e = r.estimate
        flash, cap_flash, ram, cap_ram, mark = (
            f"{e.code_flash:>8d}",
            r.capacity_flash,
            f"{e.code_ram:>7d}",
            r.capacity_ram,
            "*",
        )
        scratch = frontend_scratch_size(ir.frontend) if ir.frontend else 0
    return (
        f"{b.name:11s} {b.core:13s} {flash}{mark}{capacity(cap_flash, 8)} {ram}{mark}"
        f"{capacity(cap_ram, 7)} {model_flash:>11d} {arena:>6d} {scratch:>10d}"
    )


def real_board_note(real: list[tuple[Board, ProjectResult]], ir: IR) -> list[str]:
    """What the table shows for the real boards, and what only their own build can show."""
    if not real:
        return []
    model_flash = ir.sizes.total_flash_bytes
    lines = [
        "",
        "* real boards (runs_here = false): our objects only — app, runtime, kernels, port and "
        "model compiled with the board's",
        "  cross compiler, before linking (RAM = their data + bss). The linked image (framework, "
        "stack, final flash and RAM)",
        "  only the board's own build shows (`pio run` prints it; docs/boards/<name>.md). "
        "Capacity = the app's flash / RAM.",
        f"{'board':11s} {'compiler':22s} {'code B':>8s} {'model B':>8s} "
        f"{'est. image flash':>16s} {'est. RAM':>9s}  (estimate: + framework + stack, board.toml)",
    ]
    for b, r in real:
        e = r.estimate
        lines.append(
            f"{b.name:11s} {b.toolchain.cc:22s} {e.code_flash - model_flash:>8d} "
            f"{model_flash:>8d} {e.flash:>16d} {e.ram:>9d}"
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="model file (default: train one)")
    ap.add_argument("--data-dir", type=Path, default=Path("data/builtin"))
    ap.add_argument("--out", type=Path, default=None, help="keep the builds here")
    ap.add_argument("--quick", action="store_true", help="a small model, one runtime row")
    args = ap.parse_args()
    work = Path(args.out or tempfile.mkdtemp(prefix="qmoe-sizes-"))
    work.mkdir(parents=True, exist_ok=True)
    model = args.model or reference_model(args.data_dir, work, args.quick)
    ir = lower_file(model)
    # the benchmark app's boards (MicroPython boards: bench/micropython_overhead.py)
    usable = [b for b in list_boards() if shutil.which(b.toolchain.cc) and b.micropython is None]
    app_boards = {b.name for b in list_boards() if b.micropython is None}
    skipped = sorted(app_boards - {b.name for b in usable})

    print(f"image of the benchmark firmware with {model.name}\n")
    print(
        f"{'board':11s} {'core':13s} {'flash B':>8s} {'of':>8s} {'RAM B':>7s} {'of':>7s} "
        f"{'model flash':>11s} {'arena':>6s} {'fe scratch':>10s}"
    )
    results, real = {}, []
    for b in usable:
        r = build(b.name, model, work / b.name, ir=ir)
        results[b.name] = r
        print(image_row(b, r, ir))
        if not isinstance(r, BuildResult):
            real.append((b, r))
    for line in real_board_note(real, ir):
        print(line)

    rows = usable
    if args.quick:
        rows = [b for b in usable if b.core == TARGET_CORE and b.runs_here][:1] or usable[:1]
    names = list(components(usable[0]))
    print("\nruntime code per board (bytes of code, constants and data; every function counted)\n")
    print(
        f"{'board':11s} {'flags':>5s} {'variant':>10s} "
        + " ".join(f"{n:>12s}" for n in names)
        + f" {'runtime':>8s}"
    )
    for b in rows:
        chosen = kernel_variant(b)[0]
        for variant in dict.fromkeys([chosen] if args.quick else [chosen, "reference"]):
            sizes = runtime_sizes(b, work / b.name, results[b.name].out_dir / "gen", variant)
            total = sum(v for k, v in sizes.items() if k != "app")
            opt = next((f for f in b.toolchain.cflags if f.startswith("-O")), "")
            verdict = ""
            if b.core == TARGET_CORE:
                ok = "met" if total <= RUNTIME_TARGET_BYTES else "NOT met"
                verdict = f"  target <= {RUNTIME_TARGET_BYTES}: {ok}"
            print(
                f"{b.name:11s} {opt:>5s} {variant:>10s} "
                + " ".join(f"{sizes[n]:>12d}" for n in names)
                + f" {total:>8d}{verdict}"
            )
    print(
        "\n'runtime' = kernels + model+router + front end + protocol (the app is listed, not "
        "counted)."
    )
    if skipped:
        print(f"not built (compiler not installed): {', '.join(skipped)}")
    print(f"builds in {work}")


if __name__ == "__main__":
    main()

"""Build the benchmark firmware for a board (`qmoe-host build`). docs/firmware.md describes the
app and the build.

`build()` lowers the model to the integer IR, writes the generated C into `<out>/gen/`, checks the
model against the board's capacity (qmoe.device.fit), compiles the app (firmware/app), the
runtime, one kernel variant, the front end and the protocol (qmoe.device.sources) with the board's
toolchain (`qmoe.device.toolchain.compile_firmware`), checks the linked image against the capacity
again and writes `<out>/build.json` (atomically, with absolute paths, so `qmoe-host flash` works
from any folder). Boards that do not run here get projects (qmoe.device.projects), MicroPython
boards MicroPython (qmoe.device.micropython). Nothing branches on a board's name: every board fact
comes from its board.toml.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from qmoe.boards import Board, load_board
from qmoe.device.errors import BoardError, DoesNotFit
from qmoe.device.fit import app_ram_bytes, check_image_fits, check_model_fits
from qmoe.device.micropython.build import Recipe, build_micropython
from qmoe.device.projects import ProjectOptions, ProjectResult, make_project
from qmoe.device.result import BuildResult, model_fields
from qmoe.device.sources import INCLUDE_DIRS, firmware_defines, firmware_sources, kernel_variant
from qmoe.device.toolchain import compile_firmware, section_sizes
from qmoe.errors import ConfigError
from qmoe.runio import make_folder, write_json_atomic
from qmoe_codegen.ir import IR

SANITIZE_FLAGS = (
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
)
_OVERFLOW = re.compile(r"region [`']?(\w+)'? overflowed by (\d+) bytes")


def _lower(
    model_path: Path | None, ir: IR | None, out_dir: Path
) -> tuple[dict | None, Path | None]:
    """The IR (lowered from the model file unless given), saved as <out>/<stem>.qir."""
    from qmoe_codegen.ir import save_ir
    from qmoe_codegen.lower import lower_file

    if ir is None and model_path is None:
        return None, None
    if ir is None:
        ir = lower_file(Path(model_path))
    stem = Path(model_path).stem if model_path is not None else "model"
    return ir, save_ir(ir, out_dir / f"{stem}.qir")


def _frontend_scratch(ir: IR | None) -> int:
    if ir is None or ir.frontend is None:
        return 0
    from qmoe_codegen.frontend_c import frontend_scratch_size

    return int(frontend_scratch_size(ir.frontend))


def _sanitized(board: Board) -> Board:
    if board.toolchain.linker_script is not None:
        raise ConfigError(
            f"board {board.name}: sanitizers need a hosted build (the native "
            "board); this board links bare-metal with a linker script"
        )
    tool = board.toolchain
    return replace(
        board,
        toolchain=replace(
            tool, cflags=tool.cflags + SANITIZE_FLAGS, ldflags=tool.ldflags + SANITIZE_FLAGS[:1]
        ),
    )


def build(
    board_name: str,
    model_path: Path | None,
    out_dir: Path,
    *,
    ir: IR | None = None,
    sanitize: bool = False,
    kernels: str | None = None,
    project: ProjectOptions | None = None,
) -> BuildResult | ProjectResult | Recipe:
    """Build the benchmark firmware for `board_name` with the model at `model_path` into `out_dir`.

    A board that does not run here (runs_here = false) gets its projects instead
    (qmoe.device.projects.make_project, with `project`'s options) and a ProjectResult. A
    MicroPython board (`[micropython]`) gets MicroPython with the qmoe module
    (qmoe.device.micropython.build), or for one that does not run here a Recipe.

    `ir` skips lowering (the IR of that model, already made); without a model and IR the app is
    built with none (it answers NO_MODEL). `sanitize` adds AddressSanitizer and
    UndefinedBehaviorSanitizer (hosted boards only). Raises DoesNotFit, with the numbers, for a
    model or image larger than the board; BoardError when the compiler fails.
    """
    board = load_board(board_name)
    out_dir = make_folder(Path(out_dir).expanduser().resolve(), "build")
    ir, ir_path = _lower(model_path, ir, out_dir)
    scratch = _frontend_scratch(ir)
    if ir is not None:
        check_model_fits(board, ir, scratch)
    variant, kernel_files = kernel_variant(board, kernels)
    gen = out_dir / "gen"
    defines = firmware_defines(board)
    if ir is None:
        defines["QMOE_APP_NO_MODEL"] = None
    else:
        from qmoe_codegen.emit import write_model_sources

        write_model_sources(ir, gen)
    if board.micropython is not None:  # MicroPython with the qmoe module (docs/micropython.md)
        return build_micropython(board, ir, ir_path, out_dir, gen, variant, kernel_files, scratch)
    # ---- real boards (issue 6): a project per build system instead of compiling here --------
    if not board.runs_here:
        return make_project(
            board,
            ir,
            out_dir,
            firmware_sources(ir, gen, kernel_files),
            defines,
            variant,
            gen,
            scratch,
            project,
        )
    # ---- end of real boards ---------------------------------------------------------------
    target = _sanitized(board) if sanitize else board
    target = replace(
        target,
        toolchain=replace(
            target.toolchain, include=target.toolchain.include + INCLUDE_DIRS + (gen.resolve(),)
        ),
    )
    what = f"model {ir.model.name}" if ir is not None else "the app without a model"
    try:
        elf = compile_firmware(
            target, firmware_sources(ir, gen, kernel_files), out_dir, defines, name="firmware"
        )
    except BoardError as exc:
        over = _OVERFLOW.findall(str(exc))
        if not over:
            raise
        need = "; ".join(f"region {r} overflowed by {n} bytes" for r, n in over)
        raise DoesNotFit(
            f"{what} does not fit board {board.name}: linking failed, {need} "
            f"(flash {board.flash_bytes} B, RAM {board.ram_bytes} B; the app needs "
            f"{app_ram_bytes(ir, scratch)} B of RAM before the stack)"
        ) from None
    sizes = section_sizes(elf)
    check_image_fits(board, sizes, what)
    result = BuildResult(
        board,
        out_dir,
        elf,
        ir_path,
        **model_fields(ir),
        kernels=variant,
        sizes=sizes,
        frontend_scratch_bytes=scratch,
        sanitize=sanitize,
    )
    write_json_atomic(out_dir / "build.json", result.to_json(), indent=2)
    return result

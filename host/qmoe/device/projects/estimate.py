"""The image estimate of a real board's project: our objects compiled with the board's cross
compiler (or an allowance where it is not installed), the framework's overhead from the profile,
and a stack allowance; and the refusal, with the numbers, of an image that does not fit.

The estimate is an upper bound: the objects are summed before the linker's --gc-sections drops
what the app does not reach, and each build system adds its own framework's overhead (the Pico SDK
far less than the Arduino mbed core), so every system of a board gets its own estimate."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from qmoe.boards import Board
from qmoe.boards.real import BuildSystem
from qmoe.device.errors import BoardError, DoesNotFit
from qmoe.device.fit import app_ram_bytes
from qmoe.device.toolchain import section_sizes
from qmoe_codegen.ir import IR

# Used for the estimate when the board's compiler is not installed (xtensa-esp32s3-elf-gcc
# here): above every runtime + app + port measured on the boards that compile here.
CODE_ALLOWANCE_FLASH = 64 * 1024
CODE_ALLOWANCE_RAM = 8 * 1024
STACK_ALLOWANCE = 8 * 1024


@dataclass
class Estimate:
    """Flash and RAM the image will need: framework + our objects (+ stack)."""

    flash: int
    ram: int
    code_flash: int  # our objects: text + data (model constants included)
    code_ram: int  # our objects: data + bss
    how: str  # how the objects' sizes were obtained


def compile_objects(
    cc: str,
    cflags: list[str],
    sources: list[Path],
    includes: list[Path],
    header: Path,
    out_dir: Path,
) -> dict[str, int]:
    """Compile each source (`-c`) with the board's cross compiler (or any gcc) and the project's
    configuration header; return the summed section sizes of the objects (text, data, bss,
    flash, ram). BoardError with the compiler's output when one fails."""
    out_dir.mkdir(parents=True, exist_ok=True)
    total = {"text": 0, "data": 0, "bss": 0, "flash": 0, "ram": 0}
    for i, src in enumerate(sources):
        obj = out_dir / f"{i:02d}_{Path(src).stem}.o"
        args = [
            cc,
            *cflags,
            "-include",
            str(header),
            *(f"-I{d}" for d in includes),
            "-c",
            str(src),
            "-o",
            str(obj),
        ]
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BoardError(
                f"{cc} failed on {src} (exit {proc.returncode}):\n"
                f"{' '.join(args)}\n{proc.stderr.strip()}"
            )
        for key, value in section_sizes(obj).items():
            total[key] += value
    return total


def object_sizes(
    board: Board,
    sources: list[Path],
    includes: list[Path],
    header: Path,
    ir: IR | None,
    scratch: int,
    work: Path,
) -> tuple[int, int, str]:
    """(flash, RAM, how) of our objects: compiled with the board's compiler when it is installed
    (summed before the linker drops unused sections: an upper bound), else an allowance."""
    cc = board.toolchain.cc
    if shutil.which(cc) is not None:
        sizes = compile_objects(cc, list(board.toolchain.cflags), sources, includes, header, work)
        return sizes["flash"], sizes["ram"], f"objects compiled with {cc}, before linking"
    model = ir.sizes.total_flash_bytes if ir is not None else 0
    return (
        model + CODE_ALLOWANCE_FLASH,
        app_ram_bytes(ir, scratch) + CODE_ALLOWANCE_RAM,
        f"{cc} not installed: model constants + {CODE_ALLOWANCE_FLASH} B code allowance, "
        f"app buffers + {CODE_ALLOWANCE_RAM} B",
    )


def for_system(system: BuildSystem, code_flash: int, code_ram: int, how: str) -> Estimate:
    """The image estimate of one build system: its framework overhead (board.toml, measured on
    an empty program of that framework) + our objects (+ the stack allowance for RAM)."""
    return Estimate(
        flash=system.overhead_flash_bytes + code_flash,
        ram=system.overhead_ram_bytes + code_ram + STACK_ALLOWANCE,
        code_flash=code_flash,
        code_ram=code_ram,
        how=how,
    )


def check_fits(
    board: Board, what: str, est: Estimate, flash_cap: int, ram_cap: int, flash_where: str
) -> None:
    """Refuse, with the numbers, an image estimate beyond the app's flash (or PSRAM) or RAM."""
    rows = (
        ("flash", est.flash, est.code_flash, flash_cap, flash_where),
        ("RAM", est.ram, est.code_ram, ram_cap, "internal RAM, stack allowance included"),
    )
    for kind, need, ours, cap, where in rows:
        if need > cap:
            raise DoesNotFit(
                f"{what} does not fit board {board.name}: the image needs about {need} bytes of "
                f"{kind} ({where}; our code and data {ours} B, the rest framework), the board has "
                f"{cap} ({need - cap} bytes too many)"
            )

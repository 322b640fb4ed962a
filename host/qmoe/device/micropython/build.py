"""`qmoe-host build` for MicroPython boards (a board profile with `[micropython]`): MicroPython with
the qmoe module and the model compiled in, built here for the boards that run here, and the exact
ESP-IDF recipe for the ESP32-S3 (docs/micropython.md). qmoe.device.build.build() calls
`build_micropython()` here.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from qmoe.boards import Board
from qmoe.device.fit import check_image_fits
from qmoe.device.micropython.firmware import build_image, image_sizes, kernel_args, tree
from qmoe.device.result import BuildResult, model_fields
from qmoe.paths import firmware_dir
from qmoe_codegen.ir import IR

MPY_TAG = "v1.28.0"


@dataclass
class Recipe:
    """What `build` writes for a MicroPython board that does not run here: the files and the
    commands that build and flash it with its SDK."""

    board: Board
    out_dir: Path
    files: list[Path]
    commands: list[str]
    notes: list[str] = field(default_factory=list)

    def table(self) -> str:
        """The recipe as `qmoe-host build` prints it."""
        lines = [
            f"board {self.board.name} ({self.board.core}): MicroPython {MPY_TAG} with the qmoe "
            "module; it does not run here, build it with its SDK:",
            "",
            *self.commands,
            "",
            *self.notes,
            f"files: {', '.join(str(p) for p in self.files)}",
        ]
        return "\n".join(lines)


def build_micropython(
    board: Board,
    ir: IR | None,
    ir_path: Path | None,
    out_dir: Path,
    gen: Path,
    variant: str,
    kernels: list[Path],
    scratch: int,
) -> BuildResult | Recipe:
    """Build MicroPython with the qmoe module (and the model of `ir`, if any) for `board`."""
    out_dir = Path(out_dir)
    if not board.runs_here:
        return esp_idf_recipe(board, ir, out_dir, gen, variant, kernels)
    image = build_image(board, gen if ir is not None else None, out_dir, variant, kernels)
    sizes = image_sizes(image)
    what = f"MicroPython with model {ir.model.name}" if ir else "MicroPython"
    check_image_fits(board, sizes, what)
    result = BuildResult(
        board,
        out_dir,
        image,
        ir_path,
        **model_fields(ir),
        kernels=variant,
        sizes=sizes,
        frontend_scratch_bytes=scratch,
    )
    meta = result.to_json()
    meta["micropython"] = {"tag": MPY_TAG, "port": board.micropython.port}
    (out_dir / "build.json").write_text(json.dumps(meta, indent=2) + "\n")
    return result


def esp_idf_recipe(
    board: Board, ir: IR | None, out_dir: Path, gen: Path, variant: str, kernels: list[Path]
) -> Recipe:
    """The frozen manifest, the build script and the exact commands for an ESP-IDF port."""
    spec = board.micropython
    _, ours = tree()
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / "manifest.py"
    manifest.write_text(
        "# The port's own frozen modules, then qmoe's protocol server (written by qmoe-host).\n"
        'include("$(PORT_DIR)/boards/manifest.py")\n'
        f"include({str(ours / 'frozen' / 'manifest.py')!r})\n"
    )
    k = dict(a.split("=", 1) for a in kernel_args(board, variant, kernels))
    build_dir = f"build-{spec.board}-qmoe"
    defines = {
        "MICROPY_BOARD": spec.board,
        "USER_C_MODULES": str(ours / "usermod" / "micropython.cmake"),
        "MICROPY_FROZEN_MANIFEST": str(manifest.resolve()),
        "QMOE_FIRMWARE": str(firmware_dir()),
        "QMOE_COUNTER": spec.counter,
        "QMOE_KERNEL_VARIANT": k["QMOE_KERNEL_VARIANT"],
        "QMOE_KERNELS": k["QMOE_KERNELS"].replace(" ", ";"),
    }
    if ir is not None:
        defines["QMOE_MODEL_DIR"] = str(gen.resolve())
    idf = " ".join(f"-D {shlex.quote(f'{key}={value}')}" for key, value in defines.items())
    commands = [
        f"# ESP-IDF {spec.idf_version} installed and exported (. $IDF_PATH/export.sh); "
        f"MICROPYTHON = a checkout of MicroPython {MPY_TAG}",
        'make -C "$MICROPYTHON/mpy-cross"',
        f'make -C "$MICROPYTHON/ports/{spec.port}" submodules BOARD={spec.board}',
        f'cd "$MICROPYTHON/ports/{spec.port}"',
        f"idf.py {idf} -B {build_dir} build",
        f"idf.py -B {build_dir} -p /dev/ttyACM0 flash",
    ]
    script = out_dir / "build-micropython.sh"
    script.write_text(
        "#!/bin/sh\n# Build (and flash) MicroPython with the qmoe module; written by qmoe-host.\n"
        'set -e\n: "${MICROPYTHON:?set MICROPYTHON to a checkout of MicroPython '
        f'{MPY_TAG}}}"\n' + "\n".join(c for c in commands[1:]) + "\n"
    )
    script.chmod(0o755)
    notes = [
        "then: qmoe-host measure --micropython --port /dev/ttyACM0 --model MODEL ... "
        "(starts qmoe_serve over the raw REPL)",
    ]
    return Recipe(board, out_dir, [manifest, script], commands, notes)


__all__ = ["MPY_TAG", "Recipe", "build_micropython", "esp_idf_recipe"]

"""Building MicroPython with the qmoe user C module for a board profile with `[micropython]`
(docs/micropython.md): the unix port and the bare-metal QEMU port from the vendored
third_party/micropython, and, for boards that do not run here (ESP32-S3), the exact ESP-IDF recipe.

Builds are cached: the port's objects live in `<cache>/<board>/<with|without model>` (cache:
$QMOE_MICROPYTHON_CACHE, else `build/micropython/` of the source tree) and make rebuilds only what
changed, so a second build of the same board with another model compiles the model's data and
links (seconds). The image is copied to the build folder with `build.json`, as for every board.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from qmoe.boards import Board
from qmoe.boards.micropython import MicroPythonSpec
from qmoe.device.errors import BoardError
from qmoe.device.toolchain import section_sizes
from qmoe.errors import ConfigError
from qmoe.paths import firmware_dir, source_root

CACHE_ENV = "QMOE_MICROPYTHON_CACHE"
NEWLIB_INCLUDE = Path("/usr/include/newlib")  # Debian's libnewlib-dev: C headers only (0.9 MB)
SETUP = "tools/setup-micropython.sh"
MAKE_TIMEOUT_S = 1800


def tree() -> tuple[Path, Path]:
    """(third_party/micropython, micropython/): MicroPython's sources and qmoe's module."""
    root = source_root()
    mpy, ours = root / "third_party" / "micropython", root / "micropython"
    for folder, what in ((mpy, "MicroPython's sources"), (ours, "the qmoe user module")):
        if not (folder.is_dir() and any(folder.iterdir())):
            raise ConfigError(
                f"{folder}: {what} are missing; MicroPython boards build from a source checkout "
                "of qmoe (third_party/micropython/update.sh re-creates the MicroPython subset)"
            )
    return mpy, ours


def cache_dir() -> Path:
    """Where MicroPython builds are kept between runs."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else source_root() / "build" / "micropython"


def _make(args: list[str], log: Path, what: str) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as fh:
        try:
            proc = subprocess.run(
                ["make", *args], stdout=fh, stderr=subprocess.STDOUT, timeout=MAKE_TIMEOUT_S
            )
        except FileNotFoundError:
            raise BoardError("`make` is not installed (MicroPython builds with GNU make)") from None
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        raise BoardError(f"{what} failed (exit {proc.returncode}; full log {log}):\n{tail}")


def mpy_cross() -> Path:
    """MicroPython's cross compiler (freezes qmoe_serve.py), built once into the cache."""
    mpy, _ = tree()
    out = cache_dir() / "mpy-cross"
    exe = out / "mpy-cross"
    _make(
        ["-C", str(mpy / "mpy-cross"), f"BUILD={out}", f"-j{os.cpu_count() or 2}"],
        out / "build.log",
        "building mpy-cross",
    )
    return exe


def _libgcc(board: Board) -> str:
    cc = shutil.which(board.toolchain.cc)
    if cc is None:
        raise BoardError(
            f"board {board.name}: compiler {board.toolchain.cc!r} not found on PATH "
            "(run tools/setup-toolchains.sh)"
        )
    proc = subprocess.run(
        [cc, *board.toolchain.cflags, "-print-libgcc-file-name"], capture_output=True, text=True
    )
    return proc.stdout.strip()


def _newlib() -> str:
    if not (NEWLIB_INCLUDE / "string.h").is_file():
        raise BoardError(
            f"{NEWLIB_INCLUDE}: the C library headers MicroPython's bare-metal ports include are "
            f"missing (Debian package libnewlib-dev; run {SETUP})"
        )
    return str(NEWLIB_INCLUDE)


def kernel_args(board: Board, variant: str, kernels: list[Path]) -> list[str]:
    """QMOE_KERNEL_VARIANT and QMOE_KERNELS for micropython.mk (paths relative to kernels/)."""
    rel = [str(Path(k).resolve().relative_to(firmware_dir() / "kernels")) for k in kernels]
    return [f"QMOE_KERNEL_VARIANT={variant}", f"QMOE_KERNELS={' '.join(rel)}"]


def _copy_if_changed(src: Path, dst: Path) -> None:
    """Copy keeping the old file (and its timestamp) when the content is the same, so make does
    not recompile it."""
    if dst.is_file() and dst.read_bytes() == src.read_bytes():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def make_command(
    board: Board, spec: MicroPythonSpec, build_dir: Path, model_dir: Path | None, kernels: list[str]
) -> list[str]:
    """The make arguments that build `board`'s MicroPython into build_dir."""
    mpy, ours = tree()
    port = mpy / "ports" / spec.port
    args = [
        "-C",
        str(port),
        f"-j{os.cpu_count() or 2}",
        f"BUILD={build_dir}",
        f"USER_C_MODULES={ours / 'usermod'}",
        f"FROZEN_MANIFEST={ours / 'frozen' / 'manifest.py'}",
        # micropython-lib is a submodule not vendored; make only checks its folder has a README
        f"MPY_LIB_DIR={ours / 'frozen'}",
        f"MICROPY_MPYCROSS={mpy_cross()}",
        f"QMOE_FIRMWARE={firmware_dir()}",
        f"QMOE_COUNTER={spec.counter}",
        *kernels,
    ]
    if model_dir is not None:
        args.append(f"QMOE_MODEL_DIR={model_dir}")
    if spec.board:
        args.append(f"BOARD={spec.board}")
    if spec.board_dir is not None:
        args.append(f"BOARD_DIR={spec.board_dir}")
    if spec.variant_dir is not None:
        args.append(f"VARIANT_DIR={spec.variant_dir}")
    fill = {}
    if any("{libgcc}" in a for a in spec.make):
        fill["libgcc"] = _libgcc(board)
    if any("{newlib}" in a for a in spec.make):
        fill["newlib"] = _newlib()
    for arg in spec.make:
        for key, value in fill.items():
            arg = arg.replace("{" + key + "}", value)
        args.append(arg)
    return args


def build_image(
    board: Board, gen: Path | None, out_dir: Path, variant: str, kernels: list[Path]
) -> Path:
    """Build MicroPython for `board` (with the generated model in `gen`, or none) and copy the
    image to `out_dir`; returns the copy."""
    spec = board.micropython
    assert spec is not None
    build_dir = cache_dir() / board.name / ("model" if gen is not None else "nomodel")
    model_dir = None
    if gen is not None:
        model_dir = build_dir / "qmoe-gen"
        for name in ("qmoe_model_data.c", "qmoe_model_data.h"):
            _copy_if_changed(gen / name, model_dir / name)
    args = make_command(board, spec, build_dir, model_dir, kernel_args(board, variant, kernels))
    _make(args, out_dir / "micropython-build.log", f"board {board.name}: building MicroPython")
    image = build_dir / spec.image
    target = Path(out_dir) / spec.image
    shutil.copy2(image, target)
    return target


def module_sizes(board: Board) -> dict[str, int]:
    """Bytes of code, constants and data of the qmoe module's objects in the cached build with a
    model (the module, its runtime and kernels; the model's own data excluded), by section."""
    build_dir = cache_dir() / board.name / "model"
    objs = [p for p in build_dir.rglob("*.o") if _is_module_object(p, build_dir)]
    if not objs:
        raise BoardError(f"board {board.name}: no MicroPython build with a model in {build_dir}")
    size = board.toolchain.size if shutil.which(board.toolchain.size) else "size"
    proc = subprocess.run([size, "-t", *map(str, objs)], capture_output=True, text=True)
    total = proc.stdout.strip().splitlines()[-1].split()
    return {"text": int(total[0]), "data": int(total[1]), "bss": int(total[2])}


def _is_module_object(obj: Path, build_dir: Path) -> bool:
    rel = obj.relative_to(build_dir).as_posix()
    if "qmoe_model_data" in rel:
        return False
    return "/usermod/qmoe/" in f"/{rel}" or "/firmware/" in f"/{rel}"


def write_build_json(out_dir: Path, payload: dict) -> None:
    (Path(out_dir) / "build.json").write_text(json.dumps(payload, indent=2) + "\n")


def image_sizes(image: Path) -> dict[str, int]:
    """text, data, bss, flash, ram of the image (qmoe.device.toolchain.section_sizes)."""
    return section_sizes(image)

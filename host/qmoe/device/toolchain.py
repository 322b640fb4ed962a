"""Compiling firmware for a board with the toolchain of its profile, and the size of the image."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

from qmoe.boards.profile import Board
from qmoe.device.errors import BoardError
from qmoe.errors import ConfigError
from qmoe.paths import firmware_dir

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def compile_firmware(
    board: Board,
    sources: list[Path],
    out_dir: Path,
    defines: dict[str, str | int | None] | None = None,
    *,
    name: str = "firmware",
) -> Path:
    """Compile and link `sources` with the board's port into `out_dir/<name>.elf`; return its path.

    The board's toolchain, flags, port sources, include folders and linker script come from the
    profile; `-DQMOE_BOARD_NAME="<name>"` and `-I firmware/include` (the public headers; internal
    ones are included by relative path) are always added, plus `-DKEY=VALUE` for each of
    `defines` (`-DKEY` for None). A link map is written beside the ELF.
    Raises BoardError if the compiler is missing or fails (with its output).
    """
    tool = board.toolchain
    cc = shutil.which(tool.cc)
    if cc is None:
        raise BoardError(
            f"board {board.name}: compiler {tool.cc!r} not found on PATH "
            "(run tools/setup-toolchains.sh)"
        )
    for key in defines or {}:
        if not _IDENTIFIER.match(key):
            raise ConfigError(f"build define {key!r} is not a C identifier")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    elf = out_dir / f"{name}.elf"
    args = [cc, *tool.cflags, f'-DQMOE_BOARD_NAME="{board.name}"']
    args += [f"-D{k}" if v is None else f"-D{k}={v}" for k, v in (defines or {}).items()]
    args += [f"-I{firmware_dir() / 'include'}", *(f"-I{d}" for d in tool.include)]
    args += [str(Path(s).resolve()) for s in sources] + [str(s) for s in tool.sources]
    if tool.linker_script is not None:
        args += [f"-L{board.folder}", f"-T{tool.linker_script}"]
    args += [*tool.ldflags, f"-Wl,-Map={out_dir / (name + '.map')}", "-o", str(elf), *tool.libs]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BoardError(
            f"board {board.name}: build failed (exit {proc.returncode}):\n"
            f"{' '.join(args)}\n{proc.stderr.strip()}"
        )
    return elf


_SHF_WRITE, _SHF_ALLOC, _SHT_NOBITS = 0x1, 0x2, 8


def section_sizes(elf: Path) -> dict[str, int]:
    """Sizes in bytes from an ELF's section headers, counted as binutils' `size` does.

    text = allocated read-only sections (code, constants, vectors), data = allocated writable
    sections with contents, bss = allocated writable sections without (zeroed data and the
    reserved stack). flash = text + data (data's initial values live in flash), ram = data + bss.
    """
    blob = Path(elf).read_bytes()
    if blob[:4] != b"\x7fELF":
        raise BoardError(f"{elf}: not an ELF file")
    is64, order = blob[4] == 2, "<" if blob[5] == 1 else ">"
    if is64:
        (shoff,) = struct.unpack_from(order + "Q", blob, 0x28)
        shentsize, shnum = struct.unpack_from(order + "HH", blob, 0x3A)
        entry = order + "IIQQQQ"
    else:
        (shoff,) = struct.unpack_from(order + "I", blob, 0x20)
        shentsize, shnum = struct.unpack_from(order + "HH", blob, 0x2E)
        entry = order + "IIIIII"
    sizes = {"text": 0, "data": 0, "bss": 0}
    for i in range(shnum):
        _, sh_type, flags, _, _, size = struct.unpack_from(entry, blob, shoff + i * shentsize)
        if not flags & _SHF_ALLOC:
            continue
        if not flags & _SHF_WRITE:
            sizes["text"] += size
        elif sh_type == _SHT_NOBITS:
            sizes["bss"] += size
        else:
            sizes["data"] += size
    sizes["flash"] = sizes["text"] + sizes["data"]
    sizes["ram"] = sizes["data"] + sizes["bss"]
    return sizes

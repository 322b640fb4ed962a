"""The `[micropython]` table of a board profile: a board whose firmware is MicroPython with the
qmoe user C module (docs/micropython.md, docs/boards.md).

    [micropython]
    port = "qemu"                  # ports/<port> of MicroPython (third_party/micropython/ports/)
    board_dir = "../../micropython/ports/qemu/MPS2_AN386"   # or board = "VIRT_RV32" (the port's)
    image = "firmware.elf"         # what the port's build makes, in its build folder
    counter = "systick"            # micropython/usermod/qmoe/counter/counter_<counter>.c
    make = ["MICROPY_HEAP_SIZE=1048576"]   # more make variables: {libgcc}, {newlib} expand
    launch = "raw-repl"            # how the protocol server starts: "command" (the run command
                                   # does) or "raw-repl" (the host starts it over the REPL)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qmoe.boards.schema import _check_table, _fail, _one_of

PORTS = ("unix", "qemu", "esp32")
LAUNCHES = ("command", "raw-repl", "none")
COUNTERS = ("monotonic", "systick", "mcycle", "ticks_cpu", "ticks_us")
_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "port": (str, True),
    "board": (str, False),
    "board_dir": (str, False),
    "variant_dir": (str, False),
    "image": (str, True),
    "counter": (str, True),
    "make": (list, False),
    "launch": (str, True),
    "idf_version": (str, False),
}


@dataclass(frozen=True)
class MicroPythonSpec:
    """How a MicroPython board is built and started (the `[micropython]` table)."""

    port: str
    board: str
    board_dir: Path | None
    variant_dir: Path | None
    image: str
    counter: str
    make: tuple[str, ...]
    launch: str
    idf_version: str


def parse_micropython(path: Path, table: dict[str, Any] | None) -> MicroPythonSpec | None:
    """Validate `[micropython]` of the profile at `path`; None when the board has none."""
    if table is None:
        return None
    _check_table(path, table, _FIELDS, "micropython")
    _one_of(path, "micropython.port", table["port"], PORTS)
    _one_of(path, "micropython.launch", table["launch"], LAUNCHES)
    _one_of(path, "micropython.counter", table["counter"], COUNTERS)
    folder = path.parent

    def folder_field(key: str) -> Path | None:
        if key not in table:
            return None
        target = (folder / table[key]).resolve()
        if not target.is_dir():
            raise _fail(path, f"micropython.{key}", f"names {table[key]!r}, not a folder")
        return target

    return MicroPythonSpec(
        port=table["port"],
        board=table.get("board", ""),
        board_dir=folder_field("board_dir"),
        variant_dir=folder_field("variant_dir"),
        image=table["image"],
        counter=table["counter"],
        make=tuple(table.get("make", ())),
        launch=table["launch"],
        idf_version=table.get("idf_version", ""),
    )

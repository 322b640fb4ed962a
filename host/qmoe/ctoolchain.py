"""Compiling C for checks and benchmarks through a board's board.toml (tests/support, bench/).

The strict warning flags are defined here once. A board's machine flags (`-mcpu`, `-mthumb`,
`-mfloat-abi`, `-march`, ...) and tool names come from its board.toml, never copied: a check
compiled for "qemu-m4" uses exactly the core options the firmware build uses.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

#: The warning flags every C file of the project compiles clean with (docs/firmware.md).
STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror")
#: STRICT plus ISO C pedantry: generated sources, kernels, front end, harnesses.
PEDANTIC = (*STRICT, "-pedantic")
#: AddressSanitizer and UndefinedBehaviorSanitizer, stopping at the first report.
SANITIZE = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all")
#: Freestanding object code as the firmware builds it (size and symbol checks, no link).
FREESTANDING = ("-Os", "-ffreestanding", "-ffunction-sections")

#: The board whose compiler is the host's (a process on this machine).
HOST_BOARD = "native"


@dataclass(frozen=True)
class Target:
    """A board's C compiler, its machine flags and its binutils (from board.toml)."""

    board: str
    core: str
    cc: str
    machine: tuple[str, ...]

    @property
    def prefix(self) -> str:
        """`arm-none-eabi-` for arm-none-eabi-gcc, "" for the host's cc."""
        return self.cc[: -len("gcc")] if self.cc.endswith("gcc") else ""

    def tool(self, name: str) -> str:
        """A binutils program of this target: tool("size") -> "arm-none-eabi-size"."""
        return f"{self.prefix}{name}"

    @property
    def installed(self) -> bool:
        return shutil.which(self.cc) is not None

    def command(self, *args: str, warnings: tuple[str, ...] = PEDANTIC) -> list[str]:
        """[cc, machine flags, warning flags, *args]."""
        return [self.cc, *self.machine, *warnings, *args]


def machine_flags(cflags: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The `-m...` options of a board's cflags: what selects the core, ISA, ABI and FPU."""
    return tuple(f for f in cflags if f.startswith("-m"))


def board_target(board: str = HOST_BOARD) -> Target:
    """The Target of `board` (a folder of boards/), from its board.toml."""
    from qmoe.boards import load_board

    b = load_board(board)
    return Target(b.name, b.core, b.toolchain.cc, machine_flags(b.toolchain.cflags))

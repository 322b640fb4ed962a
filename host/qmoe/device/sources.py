"""The benchmark app's firmware sources for a board: the kernel variant of its core
(firmware/kernels/variants.toml), the C sources of a build, the include folders and the -D defines
the app takes from the board profile. docs/firmware.md describes the app and the build.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qmoe import __version__
from qmoe.boards import Board
from qmoe.errors import ConfigError
from qmoe.paths import firmware_dir
from qmoe_codegen.ir import IR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FIRMWARE = firmware_dir()
APP_DIR = FIRMWARE / "app"
KERNELS_DIR = FIRMWARE / "kernels"
# The firmware's include path: its public headers only. Internal headers sit beside their sources
# and are included by relative path; builds add the generated model's folder.
INCLUDE_DIRS = (FIRMWARE / "include",)
# INFO's text fields hold 16 characters (docs/protocol.md): the short forms of longer unit names.
INFO_UNIT = {"emulated-instructions": "emu-instructions"}
INFO_TEXT_MAX = 16
NS_PER_MS = 1_000_000  # ns and, under QEMU's -icount shift=0, emulated instructions (1 ns each)


def kernel_variant(board: Board, name: str | None = None) -> tuple[str, list[Path]]:
    """The kernel variant for the board's core from firmware/kernels/variants.toml and its sources.

    `name` picks one explicitly; otherwise the first variant naming the board's core, else the
    portable one (cores = ["any"]). ConfigError if the variant is unknown or not for this core.
    """
    path = KERNELS_DIR / "variants.toml"
    variants = tomllib.loads(path.read_text(encoding="utf-8"))
    if name is None:
        exact = [v for v, spec in variants.items() if board.core in spec.get("cores", [])]
        portable = [v for v, spec in variants.items() if "any" in spec.get("cores", [])]
        if not exact + portable:
            raise ConfigError(f"{path}: no kernel variant for core {board.core!r} and none 'any'")
        name = (exact + portable)[0]
    if name not in variants:
        raise ConfigError(f"{path}: no kernel variant {name!r} (have: {', '.join(variants)})")
    cores = variants[name].get("cores", [])
    if board.core not in cores and "any" not in cores:
        raise ConfigError(
            f"{path}: kernel variant {name!r} runs on {cores}, not on board "
            f"{board.name}'s core {board.core!r}"
        )
    return name, [KERNELS_DIR / s for s in variants[name]["sources"]]


def _text_define(board: Board, field: str, value: str) -> str:
    if (
        len(value) > INFO_TEXT_MAX
        or not all(0x20 <= ord(c) < 0x7F for c in value)
        or any(c in value for c in '"\\')
    ):
        raise ConfigError(
            f"{board.path}: field '{field}' = {value!r} must be at most "
            f"{INFO_TEXT_MAX} printable ASCII characters without quotes or "
            "backslashes (it is sent in the INFO reply)"
        )
    return f'"{value}"'


def counts_per_ms(board: Board) -> int:
    """Counter counts per millisecond: the clock of the app's idle reset of its frame parser."""
    c = board.counter
    if c.unit == "cycles":
        if board.clock_hz <= 0:
            raise ConfigError(f"{board.path}: field 'clock_hz' must be > 0 for a cycle counter")
        per_ms = board.clock_hz / 1000 / c.per_tick
    else:  # ns, and emulated instructions (1 ns of virtual time each under -icount shift=0)
        per_ms = NS_PER_MS / c.per_tick
    return max(1, round(per_ms))


def firmware_defines(board: Board) -> dict[str, str | int | None]:
    """The -D defines the app takes from the board profile (firmware/app/bench_app.h)."""
    c = board.counter
    return {
        "QMOE_APP_CORE": _text_define(board, "core", board.core),
        "QMOE_APP_COUNTER_KIND": _text_define(board, "counter.kind", c.kind),
        "QMOE_APP_COUNTER_UNIT": _text_define(board, "counter.unit", INFO_UNIT.get(c.unit, c.unit)),
        "QMOE_APP_RUNTIME_VERSION": _text_define(board, "runtime version", __version__),
        "QMOE_APP_CLOCK_HZ": f"{board.clock_hz}u",
        # INFO carries an integer: a fractional per_tick (62.5 on qemu-m0) is rounded there.
        "QMOE_APP_COUNTER_PER_TICK": f"{max(1, round(c.per_tick))}u",
        "QMOE_APP_COUNTS_PER_MS": f"{counts_per_ms(board)}u",
    }


def firmware_sources(ir: IR | None, gen_dir: Path, kernels: list[Path]) -> list[Path]:
    """Every C source of the app build: app, runtime, kernels, front end (if used), protocol."""
    parts = [APP_DIR, FIRMWARE / "runtime", FIRMWARE / "protocol"]
    if ir is not None and ir.frontend is not None:
        parts.append(FIRMWARE / "frontend")
    sources = [p for d in parts for p in sorted(d.glob("*.c"))] + list(kernels)
    return sources + ([gen_dir / "qmoe_model_data.c"] if ir is not None else [])

"""Board profiles: read and validate `boards/<name>/board.toml` (fields: docs/boards.md)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from qmoe.boards.micropython import MicroPythonSpec, parse_micropython
from qmoe.boards.real import (
    FlashMethod,
    PowerSensor,
    Project,
    _parse_real_board,
)
from qmoe.boards.schema import _check_table, _existing, _fail, _one_of
from qmoe.errors import ConfigError
from qmoe.paths import boards_dir as default_boards_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


SCHEMA_VERSION = 1
COUNTER_KINDS = ("systick", "mcycle", "monotonic", "dwt", "ccount", "timer")
COUNTER_UNITS = ("emulated-instructions", "cycles", "ns")
SERIAL_HOWS = ("tcp", "pty", "usb-cdc", "uart", "usb-serial-jtag")


@dataclass(frozen=True)
class Toolchain:
    """How to compile and link for a board (`[toolchain]`). Paths are absolute."""

    cc: str
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...]
    libs: tuple[str, ...]
    linker_script: Path | None
    include: tuple[Path, ...]  # a port's vendor headers; qmoe's own: firmware/include, relative
    sources: tuple[Path, ...]
    objcopy: str
    size: str


@dataclass(frozen=True)
class Counter:
    """What `qmoe_port_counter()` counts (`[counter]`): `per_tick` `unit`s per count."""

    kind: str
    unit: str
    per_tick: float
    bits: int


@dataclass(frozen=True)
class Serial:
    """The board's serial line (`[serial]`): baud rate (0 = not a UART) and how it is served."""

    baud: int
    how: str


@dataclass(frozen=True)
class Power:
    """Datasheet power figures for the `model` energy source (`[power]`), with their source."""

    voltage: float
    active_ma: float
    idle_ma: float
    source: str


@dataclass(frozen=True)
class Board:
    """One board profile, as read and validated from its board.toml."""

    name: str
    description: str
    core: str
    arch: str
    fpu: str
    clock_hz: int
    flash_bytes: int
    ram_bytes: int
    runs_here: bool
    emulated: bool
    stands_in_for: str
    toolchain: Toolchain
    counter: Counter
    serial: Serial
    run_command: tuple[str, ...]
    gpio_marker: str | None
    power: Power
    path: Path
    psram_bytes: int = 0
    marker_number: int | None = None  # the marker's pin number in the port's numbering
    datasheet: dict[str, str] = field(default_factory=dict)
    project: Project | None = None
    flash: FlashMethod | None = None
    power_sensor: PowerSensor | None = None
    micropython: MicroPythonSpec | None = None  # the firmware is MicroPython (docs/micropython.md)

    @property
    def folder(self) -> Path:
        """The board's folder (holding board.toml and its port)."""
        return self.path.parent


_TOP_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "schema": (int, True),
    "name": (str, True),
    "description": (str, True),
    "core": (str, True),
    "arch": (str, True),
    "fpu": (str, True),
    "clock_hz": (int, True),
    "flash_bytes": (int, True),
    "ram_bytes": (int, True),
    "runs_here": (bool, True),
    "emulated": (bool, True),
    "stands_in_for": (str, False),
    "toolchain": (dict, True),
    "counter": (dict, True),
    "serial": (dict, True),
    "run": (dict, False),
    "gpio_marker": (dict, True),
    "power": (dict, True),
    "psram_bytes": (int, False),
    "datasheet": (dict, False),
    "project": (dict, False),
    "flash": (dict, False),
    "power_sensor": (dict, False),
    "micropython": (dict, False),
}
_TABLE_FIELDS: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    "toolchain": {
        "cc": (str, True),
        "cflags": (list, True),
        "ldflags": (list, True),
        "libs": (list, True),
        "linker_script": (str, True),
        "include": (list, False),
        "sources": (list, True),
        "objcopy": (str, True),
        "size": (str, True),
    },
    "counter": {
        "kind": (str, True),
        "unit": (str, True),
        "per_tick": ((int, float), True),
        "bits": (int, True),
    },
    "serial": {"baud": (int, True), "how": (str, True)},
    "run": {"command": (list, True)},
    "gpio_marker": {"pin": (str, True), "number": (int, False)},
    "power": {
        "voltage": ((int, float), True),
        "active_ma": ((int, float), True),
        "idle_ma": ((int, float), True),
        "source": (str, True),
    },
    "datasheet": {k: (str, False) for k in ("clock", "memory", "counter", "serial", "marker")},
    "flash": {
        "method": (str, True),
        "chip": (str, False),
        "baud": (int, False),
        "fallback_baud": (int, False),
        "bootloader_offset": (int, False),
        "partition_table_offset": (int, False),
        "app_offset": (int, False),
        "drive": (str, False),
    },
    "power_sensor": {
        "chip": (str, True),
        "address": (int, True),
        "shunt_ohms": ((int, float), True),
        "max_current_a": ((int, float), True),
        "sda": (int, True),
        "scl": (int, True),
        "enabled": (bool, True),
    },
}


def parse_board(path: Path) -> Board:
    """Read and validate one board.toml; raise ConfigError naming the file and field at fault."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read board profile: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    _check_table(path, data, _TOP_FIELDS, "")
    for table, fields in _TABLE_FIELDS.items():
        if table in data:
            _check_table(path, data[table], fields, table)
    if data["schema"] != SCHEMA_VERSION:
        raise _fail(path, "schema", f"is {data['schema']}, this qmoe reads {SCHEMA_VERSION}")
    folder = path.parent
    if data["name"] != folder.name:
        raise _fail(path, "name", f"is {data['name']!r} but the folder is {folder.name!r}")
    for key in ("clock_hz", "flash_bytes", "ram_bytes"):
        if data[key] < 0:
            raise _fail(path, key, f"must be >= 0, got {data[key]}")
    counter, serial, tool = data["counter"], data["serial"], data["toolchain"]
    _one_of(path, "counter.kind", counter["kind"], COUNTER_KINDS)
    _one_of(path, "counter.unit", counter["unit"], COUNTER_UNITS)
    _one_of(path, "serial.how", serial["how"], SERIAL_HOWS)
    if data["emulated"] and counter["unit"] != "emulated-instructions":
        raise _fail(
            path,
            "counter.unit",
            "must be 'emulated-instructions' on an emulated board "
            f"(an emulator counts instructions, not cycles), got {counter['unit']!r}",
        )
    if not counter["per_tick"] > 0:
        raise _fail(path, "counter.per_tick", f"must be > 0, got {counter['per_tick']}")
    if counter["bits"] not in (16, 24, 32, 64):
        raise _fail(path, "counter.bits", f"must be 16, 24, 32 or 64, got {counter['bits']}")
    command = tuple(data.get("run", {}).get("command", ()))
    if data["runs_here"]:
        if not command:
            raise _fail(path, "run.command", "is required when runs_here = true")
        needed = ["{elf}"] + (["{port}"] if serial["how"] == "tcp" else [])
        for placeholder in needed:
            if not any(placeholder in arg for arg in command):
                raise _fail(path, "run.command", f"must contain {placeholder}")
    if not tool["cc"]:
        raise _fail(path, "toolchain.cc", "must name a compiler")
    script = tool["linker_script"]
    toolchain = Toolchain(
        cc=tool["cc"],
        cflags=tuple(tool["cflags"]),
        ldflags=tuple(tool["ldflags"]),
        libs=tuple(tool["libs"]),
        linker_script=_existing(path, folder, "toolchain.linker_script", [script])[0]
        if script
        else None,
        include=_existing(path, folder, "toolchain.include", tool.get("include", [])),
        sources=_existing(path, folder, "toolchain.sources", tool["sources"]),
        objcopy=tool["objcopy"],
        size=tool["size"],
    )
    power = data["power"]
    for key in ("voltage", "active_ma", "idle_ma"):
        if power[key] < 0:
            raise _fail(path, f"power.{key}", f"must be >= 0, got {power[key]}")
    pin = data["gpio_marker"]["pin"]
    return Board(
        name=data["name"],
        description=data["description"],
        core=data["core"],
        arch=data["arch"],
        fpu=data["fpu"],
        clock_hz=data["clock_hz"],
        flash_bytes=data["flash_bytes"],
        ram_bytes=data["ram_bytes"],
        runs_here=data["runs_here"],
        emulated=data["emulated"],
        stands_in_for=data.get("stands_in_for", ""),
        toolchain=toolchain,
        counter=Counter(
            kind=counter["kind"],
            unit=counter["unit"],
            per_tick=float(counter["per_tick"]),
            bits=counter["bits"],
        ),
        serial=Serial(baud=serial["baud"], how=serial["how"]),
        run_command=command,
        gpio_marker=None if pin == "none" else pin,
        power=Power(
            voltage=float(power["voltage"]),
            active_ma=float(power["active_ma"]),
            idle_ma=float(power["idle_ma"]),
            source=power["source"],
        ),
        path=path.resolve(),
        micropython=parse_micropython(path, data.get("micropython")),
        **_parse_real_board(path, data),
    )


def load_board(name: str, boards_dir: Path | None = None) -> Board:
    """Load `boards/<name>/board.toml` (or from `boards_dir`); ConfigError if absent or invalid."""
    root = Path(boards_dir) if boards_dir is not None else default_boards_dir()
    path = root / name / "board.toml"
    if not path.is_file():
        known = ", ".join(b.name for b in list_boards(root)) or "none"
        raise ConfigError(f"no board {name!r}: {path} does not exist (boards: {known})")
    return parse_board(path)


def list_boards(boards_dir: Path | None = None) -> list[Board]:
    """Every board profile under `boards_dir` (default: the repository's boards/), by name."""
    root = Path(boards_dir) if boards_dir is not None else default_boards_dir()
    return [parse_board(p) for p in sorted(root.glob("*/board.toml"))]

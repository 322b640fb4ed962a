"""The real-board parts of a board profile (`runs_here = false`): `[project]` build systems,
`[flash]` method and the `[power_sensor]` (docs/boards.md, "Real boards")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qmoe.boards.schema import _check_table, _existing, _fail, _one_of
from qmoe.errors import ConfigError

# Real boards (runs_here = false): build systems of [project], flash methods, power sensors.
BUILD_SYSTEMS = ("platformio", "espidf", "picosdk")
FLASH_METHODS = ("esptool", "uf2", "platformio")
SENSOR_CHIPS = ("ina219", "ina226")


@dataclass(frozen=True)
class BuildSystem:
    """One build system of a real board's `[project.<name>]`: framework glue sources, the
    framework's own flash/RAM (an estimate, for fit checks) and the system's settings."""

    name: str
    sources: tuple[Path, ...]
    overhead_flash_bytes: int
    overhead_ram_bytes: int
    settings: dict[str, Any]
    versions: str = ""  # the framework versions the project was checked against (docs, files)


@dataclass(frozen=True)
class Project:
    """How `qmoe-host build` makes a project for a real board (`[project]`); the first system is
    the default. `app_flash_bytes` / `app_ram_bytes` are what the application may use."""

    systems: tuple[BuildSystem, ...]
    app_flash_bytes: int
    app_ram_bytes: int
    source: str

    def system(self, name: str) -> BuildSystem:
        """The build system called `name`; ConfigError if the board has none of that name."""
        for system in self.systems:
            if system.name == name:
                return system
        have = ", ".join(s.name for s in self.systems)
        raise ConfigError(f"no build system {name!r} for this board (have: {have})")


@dataclass(frozen=True)
class FlashMethod:
    """How `qmoe-host flash` programs a real board (`[flash]`)."""

    method: str  # esptool | uf2 | platformio
    chip: str = ""  # esptool: the chip the board carries; any other is refused
    baud: int = 0  # esptool: tried first ...
    fallback_baud: int = 0  # ... then this one
    bootloader_offset: int | None = None
    partition_table_offset: int | None = None
    app_offset: int | None = None
    drive: str = ""  # uf2: the volume label of the mass-storage bootloader


@dataclass(frozen=True)
class PowerSensor:
    """An INA219/INA226 on the board's I2C (`[power_sensor]`); compiled in when `enabled`."""

    chip: str
    address: int
    shunt_ohms: float
    max_current_a: float
    sda: int  # -1: the framework's default pin
    scl: int
    enabled: bool


_PROJECT_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "systems": (list, True),
    "app_flash_bytes": (int, True),
    "app_ram_bytes": (int, True),
    "source": (str, True),
    **{name: (dict, False) for name in BUILD_SYSTEMS},
}
_SYSTEM_COMMON: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "sources": (list, True),
    "overhead_flash_bytes": (int, True),
    "overhead_ram_bytes": (int, True),
    "versions": (str, False),  # the framework versions the project was checked against
}
_SYSTEM_FIELDS: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    "platformio": {
        "platform": (str, True),
        "board": (str, True),
        "framework": (str, True),
        "build_flags": (list, False),
        "options": (dict, False),
    },
    "espidf": {
        "target": (str, True),
        "sdkconfig": (list, True),
        "sdkconfig_psram": (list, False),
        "min_version": (str, False),  # the oldest ESP-IDF the generated CMake accepts
    },
    "picosdk": {"board": (str, True), "libraries": (list, True), "min_version": (str, False)},
}


def _parse_project(path: Path, folder: Path, table: dict[str, Any]) -> Project:
    """`[project]` and its `[project.<system>]` tables (real boards)."""
    _check_table(path, table, _PROJECT_FIELDS, "project")
    names = table["systems"]
    if not names:
        raise _fail(path, "project.systems", "must name at least one build system")
    systems = []
    for name in names:
        _one_of(path, "project.systems", name, BUILD_SYSTEMS)
        if name not in table:
            raise _fail(path, "project.systems", f"names {name!r} but [project.{name}] is missing")
        spec = table[name]
        _check_table(path, spec, {**_SYSTEM_COMMON, **_SYSTEM_FIELDS[name]}, f"project.{name}")
        options = spec.get("options", {})
        if not all(isinstance(v, str) for v in options.values()):
            raise _fail(path, f"project.{name}.options", "must map option names to strings")
        sources = _existing(path, folder, f"project.{name}.sources", spec["sources"])
        settings = {k: v for k, v in spec.items() if k not in _SYSTEM_COMMON}
        systems.append(
            BuildSystem(
                name,
                sources,
                spec["overhead_flash_bytes"],
                spec["overhead_ram_bytes"],
                settings,
                spec.get("versions", ""),
            )
        )
    extra = [k for k in BUILD_SYSTEMS if k in table and k not in names]
    if extra:
        raise _fail(path, "project.systems", f"does not name [project.{extra[0]}]")
    for key in ("app_flash_bytes", "app_ram_bytes"):
        if table[key] <= 0:
            raise _fail(path, f"project.{key}", f"must be > 0, got {table[key]}")
    return Project(
        tuple(systems), table["app_flash_bytes"], table["app_ram_bytes"], table["source"]
    )


def _parse_flash(path: Path, table: dict[str, Any]) -> FlashMethod:
    """`[flash]`: the method and, for esptool, the chip, baud rates and image offsets."""
    _one_of(path, "flash.method", table["method"], FLASH_METHODS)
    if table["method"] == "esptool":
        for key in (
            "chip",
            "baud",
            "fallback_baud",
            "bootloader_offset",
            "partition_table_offset",
            "app_offset",
        ):
            if key not in table:
                raise _fail(path, f"flash.{key}", "is required with method = 'esptool'")
    if table["method"] == "uf2" and not table.get("drive"):
        raise _fail(path, "flash.drive", "is required with method = 'uf2' (the volume label)")
    return FlashMethod(**table)


def _parse_sensor(path: Path, table: dict[str, Any]) -> PowerSensor:
    """`[power_sensor]`: an INA219/INA226 and where it sits."""
    _one_of(path, "power_sensor.chip", table["chip"], SENSOR_CHIPS)
    if not 0x40 <= table["address"] <= 0x4F:
        raise _fail(
            path,
            "power_sensor.address",
            f"must be an INA2xx address 0x40..0x4F, got {table['address']:#x}",
        )
    for key in ("shunt_ohms", "max_current_a"):
        if not table[key] > 0:
            raise _fail(path, f"power_sensor.{key}", f"must be > 0, got {table[key]}")
    return PowerSensor(
        table["chip"],
        table["address"],
        float(table["shunt_ohms"]),
        float(table["max_current_a"]),
        table["sda"],
        table["scl"],
        table["enabled"],
    )


def _parse_real_board(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The optional fields real boards use, as Board keyword arguments."""
    if not data["runs_here"] and "micropython" not in data:  # MicroPython boards: their recipe
        for key in ("project", "flash"):
            if key not in data:
                raise _fail(path, key, "is required when runs_here = false (a real board)")
    if data.get("psram_bytes", 0) < 0:
        raise _fail(path, "psram_bytes", f"must be >= 0, got {data['psram_bytes']}")
    return {
        "psram_bytes": data.get("psram_bytes", 0),
        "marker_number": data["gpio_marker"].get("number"),
        "datasheet": dict(data.get("datasheet", {})),
        "project": _parse_project(path, path.parent, data["project"])
        if "project" in data
        else None,
        "flash": _parse_flash(path, data["flash"]) if "flash" in data else None,
        "power_sensor": _parse_sensor(path, data["power_sensor"])
        if "power_sensor" in data
        else None,
    }

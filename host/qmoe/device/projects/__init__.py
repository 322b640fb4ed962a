"""Projects for the real boards (`runs_here = false`): what `qmoe-host build --board esp32s3` makes.

`make_project()` writes, for each build system of the board's `[project]` (PlatformIO, ESP-IDF,
Pico SDK), a complete folder: the exact sources the firmware needs (app, runtime, kernels, front
end, protocol, generated model, port), a generated `qmoe_build_config.h` that every source
includes first (the board facts and options as #defines), and the system's build files. It
estimates the image against the board's capacity before writing anything and refuses, with the
numbers, a model that does not fit; where `pio` is on PATH it builds the default project and
checks the real sizes. docs/boards.md describes the projects; docs/boards/<name>.md the boards.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qmoe import __version__
from qmoe.boards import Board
from qmoe.boards.real import BuildSystem
from qmoe.device.errors import BoardError, DoesNotFit
from qmoe.device.projects.estimate import (
    Estimate,
    check_fits,
    compile_objects,
    for_system,
    object_sizes,
)
from qmoe.device.projects.systems import CONFIG_HEADER, SYSTEMS
from qmoe.device.sources import INCLUDE_DIRS, KERNELS_DIR, kernel_variant
from qmoe.errors import ConfigError
from qmoe.paths import source_root
from qmoe.runio import make_folder, write_json_atomic
from qmoe_codegen.ir import IR

__all__ = [
    "Estimate",
    "ProjectOptions",
    "ProjectResult",
    "SystemProject",
    "arch_specific",
    "check_fits",
    "compile_objects",
    "for_system",
    "make_project",
    "object_sizes",
    "parse_pio_sizes",
    "sensor_defines",
]

PIO_TIMEOUT_S = 3600
SENSOR_RANGE_UV = {"ina219": 320_000, "ina226": 81_920}  # full-scale shunt voltage
_PIO_SIZE = re.compile(r"^(RAM|Flash):.*?used (\d+) bytes from (\d+) bytes", re.M)
_QUOTED_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.M)


@dataclass(frozen=True)
class ProjectOptions:
    """Choices of `qmoe-host build` for a real board."""

    psram: bool = False  # weights in PSRAM (boards with psram_bytes, ESP-IDF project)
    power_sensor: str | None = None  # "ina219", "ina226", "none"; None: the board's default
    sensor_address: int | None = None
    shunt_ohms: float | None = None
    max_current_a: float | None = None
    run_pio: bool = True  # build the PlatformIO project when `pio` is on PATH


@dataclass
class SystemProject:
    """One generated project folder and the commands that build and flash it."""

    system: str
    folder: Path
    build: str
    upload: str
    pio_sizes: dict[str, int] | None = None  # from `pio run`, when it ran
    requirements: str = ""  # what must be installed to build it


@dataclass
class ProjectResult:
    """What `make_project()` wrote and estimated (printed by `qmoe-host build`)."""

    board: Board
    out_dir: Path
    model_name: str
    model_hash: str
    kernels: str
    estimate: Estimate
    capacity_flash: int
    capacity_ram: int
    weights: str
    sensor: str
    projects: list[SystemProject] = field(default_factory=list)
    built: str = (
        "not built: `pio` (PlatformIO) is not on PATH; install what a project below needs "
        "and build it with its command"
    )
    estimates: dict[str, Estimate] = field(default_factory=dict)  # per build system

    def to_json(self) -> dict[str, Any]:
        """The contents of build.json."""
        return {
            "board": self.board.name,
            "kind": "project",
            "model": {"name": self.model_name, "hash": self.model_hash},
            "kernels": self.kernels,
            "weights": self.weights,
            "power_sensor": self.sensor,
            "built": self.built,
            "estimate": vars(self.estimate),
            "estimates": {name: vars(e) for name, e in self.estimates.items()},
            "capacity": {"flash_bytes": self.capacity_flash, "ram_bytes": self.capacity_ram},
            "projects": [
                {
                    "system": p.system,
                    "folder": str(p.folder),
                    "build": p.build,
                    "upload": p.upload,
                    "pio_sizes": p.pio_sizes,
                    "requirements": p.requirements,
                }
                for p in self.projects
            ],
            "qmoe_version": __version__,
        }

    def table(self) -> str:
        """Sizes against capacity, where the weights live, and the commands to build and flash."""
        e = self.estimate
        lines = [
            f"board {self.board.name} ({self.board.core}, runs_here = false), kernels "
            f"{self.kernels}, model {self.model_name or '(none)'} {self.model_hash[:16]}",
            f"weights: {self.weights}",
            f"power sensor: {self.sensor}",
            "",
            f"estimate (an upper bound): flash {e.flash} of {self.capacity_flash} B "
            f"({100 * e.flash / self.capacity_flash:.1f} %), RAM {e.ram} of "
            f"{self.capacity_ram} B ({100 * e.ram / self.capacity_ram:.1f} %)",
            f"  our code and data: flash {e.code_flash} B, RAM {e.code_ram} B ({e.how})",
            f"projects {self.built}",
        ]
        for p in self.projects:
            lines += ["", f"{p.system}: {p.folder}"]
            if p.system in self.estimates:
                s = self.estimates[p.system]
                lines.append(
                    f"  estimate with its framework: flash {s.flash} B, RAM {s.ram} B "
                    f"(framework {s.flash - s.code_flash} B of flash)"
                )
            if p.pio_sizes:
                lines.append(
                    f"  built with pio: flash {p.pio_sizes['flash']} B, RAM {p.pio_sizes['ram']} B"
                )
            if p.requirements:
                lines.append(f"  needs: {p.requirements}")
            lines += [f"  build: {p.build}", f"  flash: {p.upload}"]
        return "\n".join(lines)


# ---- sources ------------------------------------------------------------------------------------


def arch_specific(board: Board, sources: list[Path]) -> list[Path]:
    """The sources only the board's own compiler can build: its port folder's files (counter)
    and kernel files of a core-specific variant (not in the portable `reference` variant)."""
    _, reference = kernel_variant(board, "reference")
    portable_kernels = {p.resolve() for p in reference}
    return [
        p
        for p in sources
        if p.resolve().parent == board.folder.resolve()
        or (p.resolve().is_relative_to(KERNELS_DIR) and p.resolve() not in portable_kernels)
    ]


def project_sources(
    board: Board, app_sources: list[Path], system: BuildSystem | None
) -> list[Path]:
    """Every C/C++ source of the board's firmware: app sources, port parts, framework glue."""
    glue = list(system.sources) if system is not None else []
    return [Path(p) for p in app_sources] + list(board.toolchain.sources) + glue


def _dest(path: Path, gen_dir: Path) -> Path:
    """Where a source or header goes inside a project's `qmoe/` folder."""
    path = path.resolve()
    if path.is_relative_to(gen_dir.resolve()):
        return Path("gen") / path.relative_to(gen_dir.resolve())
    return path.relative_to(source_root())


def local_headers(sources: list[Path], search: list[Path]) -> list[Path]:
    """Every header the sources reach through quoted #includes, followed through headers: found
    beside the including file (qmoe's internal headers, by relative path) or in a folder of
    `search` (the public headers and the generated model's). Names found in neither are the
    framework's own (Arduino.h, driver/gpio.h, ...) and are left to it."""
    found: dict[Path, None] = {}
    todo = [Path(p).resolve() for p in sources]
    while todo:
        path = todo.pop()
        for name in _QUOTED_INCLUDE.findall(path.read_text(encoding="utf-8", errors="replace")):
            where = [path.parent, *search]
            hit = next(((d / name).resolve() for d in where if (d / name).is_file()), None)
            if hit is not None and hit not in found:
                found[hit] = None
                todo.append(hit)
    return sorted(found)


def include_dirs(gen_dir: Path) -> list[Path]:
    """The include path of a board's firmware: the public headers and the generated model."""
    return [*(d.resolve() for d in INCLUDE_DIRS), gen_dir.resolve()]


def copy_sources(
    sources: list[Path], gen_dir: Path, dest_root: Path
) -> tuple[list[str], list[str]]:
    """Copy `sources` and every header they include (`local_headers`) into `dest_root`, keeping
    their folders relative to the source tree (so relative #includes still resolve); return the
    copied sources and the include folders, relative to `dest_root`."""
    dirs = include_dirs(gen_dir)
    copied = []
    for path in list(sources) + local_headers(sources, dirs):
        target = dest_root / _dest(path, gen_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copied.append(target.relative_to(dest_root).as_posix())
    includes = [_dest(d, gen_dir).as_posix() for d in dirs]
    return copied[: len(sources)], [i for i in includes if (dest_root / i).is_dir()]


# ---- configuration ------------------------------------------------------------------------------


def sensor_defines(board: Board, opts: ProjectOptions) -> tuple[dict[str, Any], str]:
    """The power-sensor #defines and a one-line description; ConfigError for impossible values."""
    base = board.power_sensor
    chip = opts.power_sensor or (base.chip if base is not None and base.enabled else "none")
    if chip == "none":
        return {"QMOE_POWER_SENSOR": 0}, "none (RUN_WINDOW reports 0 uJ over 0 samples)"
    if base is None:
        raise ConfigError(
            f"{board.path}: board {board.name} has no [power_sensor] table "
            f"(I2C pins), so --power-sensor {chip} cannot be built"
        )
    if chip not in SENSOR_RANGE_UV:
        raise ConfigError(f"--power-sensor {chip!r}: expected ina219, ina226 or none")
    address = base.address if opts.sensor_address is None else opts.sensor_address
    shunt = base.shunt_ohms if opts.shunt_ohms is None else opts.shunt_ohms
    amps = base.max_current_a if opts.max_current_a is None else opts.max_current_a
    if not 0x40 <= address <= 0x4F:
        raise ConfigError(f"sensor address {address:#x}: an INA219/INA226 answers at 0x40..0x4F")
    if not (shunt > 0 and amps > 0):
        raise ConfigError(f"shunt {shunt} ohm and max current {amps} A must both be > 0")
    full_scale_uv = amps * shunt * 1e6
    if full_scale_uv > SENSOR_RANGE_UV[chip]:
        raise ConfigError(
            f"shunt {shunt} ohm x {amps} A = {full_scale_uv / 1000:g} mV exceeds "
            f"the {chip.upper()}'s {SENSOR_RANGE_UV[chip] / 1000:g} mV shunt range; "
            "use a smaller shunt or a lower --max-current"
        )
    defines = {
        "QMOE_POWER_SENSOR": 1,
        "QMOE_INA_CHIP": int(chip[3:]),
        "QMOE_INA_ADDRESS": f"{address:#04x}u",
        "QMOE_INA_SHUNT_UOHM": f"{round(shunt * 1e6)}u",
        "QMOE_INA_MAX_CURRENT_MA": f"{math.ceil(amps * 1000)}u",
        "QMOE_I2C_SDA": base.sda,
        "QMOE_I2C_SCL": base.scl,
    }
    return defines, f"{chip.upper()} at {address:#04x}, shunt {shunt:g} ohm, up to {amps:g} A"


def config_header(board: Board, defines: dict[str, Any], model_hash: str) -> str:
    """The generated header every source of a project includes first (`-include`)."""
    lines = [
        f"/* GENERATED by qmoe.device.projects {__version__} for board {board.name}, model "
        f"{model_hash or '(none)'}. DO NOT EDIT: run qmoe-host build again. */",
        "#ifndef QMOE_BUILD_CONFIG_H",
        "#define QMOE_BUILD_CONFIG_H",
    ]
    lines += [f"#define {k}" if v is None else f"#define {k} {v}" for k, v in defines.items()]
    return "\n".join(lines + ["#endif", ""])


def board_defines(board: Board, app_defines: dict[str, Any]) -> dict[str, Any]:
    """The app's defines (qmoe.device.sources.firmware_defines) plus the board name, serial and
    marker."""
    marker = board.marker_number if board.marker_number is not None else -1
    return {
        "QMOE_BOARD_NAME": f'"{board.name}"',
        **app_defines,
        "QMOE_SERIAL_BAUD": board.serial.baud,
        "QMOE_MARKER_PIN": marker,
    }


# ---- the project --------------------------------------------------------------------------------


def make_project(
    board: Board,
    ir: IR | None,
    out_dir: Path,
    app_sources: list[Path],
    app_defines: dict[str, Any],
    kernels: str,
    gen_dir: Path,
    scratch: int,
    options: ProjectOptions | None = None,
) -> ProjectResult:
    """Write the board's projects into `out_dir/<system>/` and `out_dir/build.json`.

    `app_sources` and `app_defines` are qmoe.device.sources' (firmware_sources,
    firmware_defines), with the generated model in `gen_dir`. Raises DoesNotFit before writing
    a project when the estimate exceeds the board, ConfigError for an impossible option,
    BoardError when the board's compiler or `pio` fails.
    """
    opts = options or ProjectOptions()
    if board.project is None:
        raise ConfigError(f"{board.path}: board {board.name} has no [project] table")
    sensor, sensor_text = sensor_defines(board, opts)
    defines = {**board_defines(board, app_defines), **sensor}
    model_hash = ir.hash if ir is not None else ""
    what = f"model {ir.model.name}" if ir is not None else "the app without a model"
    systems = list(board.project.systems)
    flash_cap, where = board.project.app_flash_bytes, "the app partition / flash"
    weights = "const data (.rodata) in flash, read in place; RAM holds the arena and buffers"
    if opts.psram:
        systems = [s for s in systems if "sdkconfig_psram" in s.settings]
        if not board.psram_bytes or not systems:
            raise ConfigError(
                f"{board.path}: board {board.name} has no PSRAM project "
                "(psram_bytes and a [project.espidf] sdkconfig_psram list)"
            )
        flash_cap, where = min(flash_cap, board.psram_bytes), "PSRAM, where rodata is copied"
        weights = (
            f"PSRAM ({board.psram_bytes} B): the image's code and rodata are copied "
            "from flash to PSRAM at boot (sdkconfig SPIRAM XIP/RODATA), read through the "
            "cache"
        )
    out_dir = Path(out_dir).expanduser().resolve()  # build.json and the commands: absolute
    work = make_folder(out_dir / "objects", "build")
    header = work / CONFIG_HEADER
    header.write_text(config_header(board, defines, model_hash))
    sources = project_sources(board, app_sources, None)
    code = object_sizes(board, sources, include_dirs(gen_dir), header, ir, scratch, work)
    estimates = {s.name: for_system(s, *code) for s in systems}
    est = estimates[systems[0].name]  # the default project must fit
    check_fits(board, what, est, flash_cap, board.project.app_ram_bytes, where)
    result = ProjectResult(
        board,
        out_dir,
        ir.model.name if ir is not None else "",
        model_hash,
        kernels,
        est,
        flash_cap,
        board.project.app_ram_bytes,
        weights,
        sensor_text,
        estimates=estimates,
    )
    for system in systems:
        folder = out_dir / SYSTEMS[system.name].folder
        if folder.exists():
            shutil.rmtree(folder)
        gen = SYSTEMS[system.name]
        root = folder / gen.source_root
        copied, inc = copy_sources(
            project_sources(board, app_sources, system), gen_dir, root / "qmoe"
        )
        (root / "qmoe" / CONFIG_HEADER).write_text(header.read_text())
        gen.write(
            board,
            system,
            folder,
            [f"qmoe/{c}" for c in copied],
            ["qmoe"] + [f"qmoe/{i}" for i in inc],
            opts.psram,
        )
        upload = f"qmoe-host flash --board {board.name} --port PORT --out {out_dir}"
        result.projects.append(
            SystemProject(
                system.name,
                folder,
                gen.build_command(folder, board),
                upload,
                requirements=gen.requirements(system),
            )
        )
    _maybe_pio(result, board, what, opts)
    write_json_atomic(out_dir / "build.json", result.to_json(), indent=2)
    return result


def parse_pio_sizes(output: str) -> dict[str, int] | None:
    """`{"ram", "ram_max", "flash", "flash_max"}` from `pio run`'s size lines, or None."""
    found = {
        m.group(1).lower(): (int(m.group(2)), int(m.group(3))) for m in _PIO_SIZE.finditer(output)
    }
    if set(found) != {"ram", "flash"}:
        return None
    return {
        "ram": found["ram"][0],
        "ram_max": found["ram"][1],
        "flash": found["flash"][0],
        "flash_max": found["flash"][1],
    }


def not_built(result: ProjectResult) -> str:
    """Why the projects were not built, and how to install what builds them."""
    text = (
        "not built: `pio` (PlatformIO) is not on PATH. Install PlatformIO with "
        "`pip install platformio` (it fetches the board's platform and framework itself)"
    )
    if any(p.system == "espidf" for p in result.projects):
        text += (
            ", or ESP-IDF >= 5.2 for the esp-idf project (Espressif's installer, or an esp-idf "
            "checkout: `./install.sh`, then `. ./export.sh` puts idf.py on PATH)"
        )
    return text + "; then build with a project's command below"


def _maybe_pio(result: ProjectResult, board: Board, what: str, opts: ProjectOptions) -> None:
    """Build the first PlatformIO-buildable project with `pio` when it is on PATH."""
    pio = shutil.which("pio") or shutil.which("platformio")
    project = next((p for p in result.projects if (p.folder / "platformio.ini").is_file()), None)
    if project is None:
        return
    if not opts.run_pio or pio is None:
        result.built = "not built (--no-pio)" if pio is not None else not_built(result)
        return
    proc = subprocess.run(
        [pio, "run", "-d", str(project.folder)],
        capture_output=True,
        text=True,
        timeout=PIO_TIMEOUT_S,
        check=False,
    )
    text = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise BoardError(
            f"`pio run -d {project.folder}` failed (exit {proc.returncode}):\n"
            + "\n".join(text.strip().splitlines()[-40:])
        )
    sizes = parse_pio_sizes(text)
    result.built = f"built with {pio} ({project.system})"
    if sizes is None:
        return
    project.pio_sizes = sizes
    for kind, cap in (("flash", result.capacity_flash), ("ram", result.capacity_ram)):
        if sizes[kind] > cap:
            raise DoesNotFit(
                f"{what} does not fit board {board.name}: pio reports {sizes[kind]} "
                f"bytes of {kind}, the board has {cap} ({sizes[kind] - cap} too many)"
            )

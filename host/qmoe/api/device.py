"""Device commands of the API: `qmoe-host export`, `boards`, `build`, `flash`, `measure`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qmoe.boards import Board, list_boards
from qmoe.boards.table import boards_table
from qmoe.device.flash import FlashResult, flash_board
from qmoe.device.micropython.build import Recipe
from qmoe.device.projects import ProjectOptions, ProjectResult
from qmoe.device.result import BuildResult
from qmoe.device.run import RunningBoard, serve, start_build
from qmoe.errors import ConfigError
from qmoe.measure import MeasureConfig, MeasureResult
from qmoe_codegen.ir import IR

__all__ = [
    "BoardsReport",
    "ExportReport",
    "boards",
    "build",
    "export",
    "flash",
    "format_size_report",
    "measure",
    "serve",
]


@dataclass
class ExportReport:
    """What `qmoe-host export` wrote: the IR, the C sources, the optional blob, the size table."""

    ir_path: Path
    sources: list[Path]
    ir: IR
    text: str
    blob_path: Path | None = None  # <out>/<name>.qbin with qbin=True (docs/blob.md)


def format_size_report(ir: IR) -> str:
    """The size and memory table `qmoe-host export` prints."""
    lines = [
        f"model {ir.model.name}  hash {ir.hash[:16]}…  label set {ir.model.label_set}",
        "",
        f"{'layer':34s} {'shape':>10s} {'fmt':>4s} {'weights B':>10s} {'params B':>9s} "
        f"{'bits/w':>7s} {'nominal':>7s} {'overhead':>8s}",
    ]
    for r in ir.sizes.layers:
        shape = f"{r.shape[0]}x{r.shape[1]}"
        lines.append(
            f"{r.layer:34s} {shape:>10s} {r.format:>4s} {r.weight_bytes:>10d} "
            f"{r.param_bytes:>9d} {r.bits_per_weight:>7.3f} {r.nominal_bits:>7.2f} "
            f"{r.packing_overhead_pct:>7.2f}%"
        )
    mem = ir.memory
    lines += [
        "",
        f"flash: {ir.sizes.total_flash_bytes} bytes (weights, parameters, "
        f"{ir.sizes.table_bytes} bytes of router/input tables)",
        f"RAM:   {mem.arena_bytes} bytes of activation arena (input {mem.input_bytes} B, "
        f"router {mem.router_bytes} B incl. input, experts' largest in+out pair "
        f"{max(e.peak_bytes for e in mem.experts)} B)",
    ]
    return "\n".join(lines)


def export(
    model_path: Path,
    out: Path,
    *,
    dense_ternary: bool = False,
    flash_bytes: int | None = None,
    ram_bytes: int | None = None,
    qbin: bool = False,
) -> ExportReport:
    """`qmoe-host export`: lower a model file to the integer IR (`<out>/<name>.qir`) and C sources
    (`<out>/gen/`); with `qbin` also the model blob `<out>/<name>.qbin` that the runtime loads
    (docs/blob.md)."""
    from qmoe_codegen.emit import write_model_sources
    from qmoe_codegen.ir import check_capacity, save_ir
    from qmoe_codegen.lower import lower_file

    ir = lower_file(Path(model_path), dense_ternary=dense_ternary)
    check_capacity(ir, flash_bytes, ram_bytes, where=str(model_path))
    out = Path(out)
    ir_path = save_ir(ir, out / (Path(model_path).stem + ".qir"))
    sources = write_model_sources(ir, out / "gen")
    blob = None
    if qbin:
        from qmoe_codegen.blob import write_blob

        blob = write_blob(ir, out / (Path(model_path).stem + ".qbin"))
    return ExportReport(ir_path, sources, ir, format_size_report(ir), blob)


@dataclass
class BoardsReport:
    """`qmoe-host boards`: every board profile and the table of them."""

    boards: list[Board]
    table: str


def boards() -> BoardsReport:
    """`qmoe-host boards`: the board profiles with core, clock, flash, RAM, counter and whether
    they run here."""
    found = list_boards()
    return BoardsReport(found, boards_table(found))


def build(
    board: str,
    model: Path,
    out: Path,
    *,
    psram: bool = False,
    power_sensor: str | None = None,
    sensor_address: int | None = None,
    shunt_ohms: float | None = None,
    max_current_a: float | None = None,
    run_pio: bool = True,
) -> BuildResult | ProjectResult | Recipe:
    """`qmoe-host build`: the benchmark firmware with `model` for `board` in `out`
    (qmoe.device.build.build); the other options apply to boards that do not run here (their
    projects, qmoe.device.projects.ProjectOptions)."""
    from qmoe.device.build import build as build_firmware

    options = ProjectOptions(
        psram=psram,
        power_sensor=power_sensor,
        sensor_address=sensor_address,
        shunt_ohms=shunt_ohms,
        max_current_a=max_current_a,
        run_pio=run_pio,
    )
    return build_firmware(board, model, out, project=options)


def flash(board: str, out: Path, port: str | None = None) -> FlashResult | RunningBoard:
    """`qmoe-host flash`: program a real board with the images built in `out`
    (qmoe.device.flash.flash_board, through `port`), or start the firmware of the build folder
    (or ELF) `out` on a board that runs here and return it running (qmoe.device.run.start_build;
    `serve()` keeps it running until Ctrl-C)."""
    from qmoe.boards import load_board

    if not load_board(board).runs_here:
        return flash_board(board, Path(out), port)
    return start_build(board, Path(out))


def measure(
    model: Path,
    out: Path,
    *,
    port: str | None = None,
    board: str | None = None,
    build_dir: Path | None = None,
    dataset: str | None = None,
    root: Path | None = None,
    label_set: str | None = None,
    folds: list[int] | None = None,
    n: int | None = None,
    input_kind: str = "auto",
    window_n: int = 50,
    window_repeats: int = 1,
    power: str = "model",
    resume: bool = False,
    trace: bool = False,
    micropython: str | None = None,
) -> MeasureResult:
    """`qmoe-host measure`: measure `model` on the device at the pyserial URL `port`, or on
    `board` (one that runs here) started from `build_dir` (default build/<board>) and stopped
    afterwards; the run folder is `out` (qmoe.measure)."""
    from qmoe.measure import measure as measure_port
    from qmoe.measure import measure_started

    if (port is None) == (board is None):
        raise ConfigError("give either a port URL or a board that runs here")
    if build_dir is not None and board is None:
        raise ConfigError("a build folder goes with a board")
    cfg = MeasureConfig(
        port=port or "",
        model=model,
        out=out,
        dataset=dataset,
        root=root,
        label_set=label_set,
        folds=folds,
        n=n,
        input=input_kind,
        window_n=window_n,
        window_repeats=window_repeats,
        power=power,
        resume=resume,
        trace=trace,
        micropython=micropython,
    )
    if board is None:
        return measure_port(cfg)
    return measure_started(board, Path(build_dir or Path("build") / board), cfg)

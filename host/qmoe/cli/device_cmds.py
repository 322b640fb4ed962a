"""Commands that take a model to a device: export, boards, build, flash, measure."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qmoe.cli.common import DATASETS, _folds, cli


@cli.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder (default: next to the model, <name>-export/).",
)
@click.option("--dense-ternary", is_flag=True, help="Pack ternary weights 5 per byte (1.6 bits).")
@click.option("--flash-bytes", type=int, default=None, help="Refuse a model needing more flash.")
@click.option("--ram-bytes", type=int, default=None, help="Refuse a model needing more RAM.")
@click.option("--qbin", is_flag=True, help="Also write the model blob <name>.qbin (docs/blob.md).")
def export(
    model: Path, out: Path | None, dense_ternary: bool, flash_bytes, ram_bytes, qbin: bool
) -> None:
    """Lower a model file to the integer IR and generate its C sources; print sizes and memory."""
    from qmoe.api import export as run_export

    out = out or model.with_name(model.stem + "-export")
    rep = run_export(
        model,
        out,
        dense_ternary=dense_ternary,
        flash_bytes=flash_bytes,
        ram_bytes=ram_bytes,
        qbin=qbin,
    )
    click.echo(rep.text)
    click.echo(f"\nIR: {rep.ir_path}\nC sources: {', '.join(str(p) for p in rep.sources)}")
    if rep.blob_path is not None:
        click.echo(f"model blob: {rep.blob_path}")


@cli.command()
@click.option(
    "--port", required=True, help="pyserial URL: /dev/ttyACM0, socket://HOST:PORT, loop://"
)
@click.option(
    "--model", type=click.Path(path_type=Path), required=True, help="The model file flashed."
)
@click.option("--dataset", type=click.Choice(DATASETS[:-1]), default="builtin", show_default=True)
@click.option(
    "--root", type=click.Path(path_type=Path), default=Path("data/builtin"), show_default=True
)
@click.option("--label-set", default=None)
@click.option(
    "--folds", default=None, help="Folds to stream (default: the one the model held out)."
)
@click.option("--n", type=int, default=None, help="At most this many samples.")
@click.option(
    "--input", "input_kind", type=click.Choice(["auto", "pcm", "features"]), default="auto"
)
@click.option("--window-n", default=50, show_default=True, help="Inferences per timing window.")
@click.option(
    "--window-repeats",
    default=1,
    show_default=True,
    help="Windows per expert (5 on real boards, MLPerf Tiny style).",
)
@click.option("--power", type=click.Choice(["model", "ina219", "ppk2"]), default="model")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Run folder.")
@click.option("--resume", is_flag=True, help="Continue a run that was cut off.")
@click.option("--trace", is_flag=True, help="Hex-dump serial traffic to stderr.")
@click.option(
    "--micropython",
    "micropython_board",
    default=None,
    metavar="BOARD",
    help="The port is a MicroPython REPL of this board profile (e.g. mpy-esp32s3): start the "
    "qmoe_serve protocol server over the raw REPL first.",
)
def measure(
    port,
    model,
    dataset,
    root,
    label_set,
    folds,
    n,
    input_kind,
    window_n,
    window_repeats,
    power,
    out,
    resume,
    trace,
    micropython_board,
) -> None:
    """Measure a flashed model on a device: every answer checked against the golden model."""
    from qmoe.measure import GoldenMismatch, MeasureConfig, format_summary
    from qmoe.measure import measure as run_measure

    res = run_measure(
        MeasureConfig(
            port=port,
            model=model,
            out=out,
            dataset=dataset,
            root=root,
            label_set=label_set,
            folds=_folds(folds),
            n=n,
            input=input_kind,
            window_n=window_n,
            window_repeats=window_repeats,
            power=power,
            resume=resume,
            trace=trace,
            micropython=micropython_board,
        )
    )
    click.echo(format_summary(res))
    if res.mismatches:
        raise GoldenMismatch(
            f"{len(res.mismatches)} device answers differ from the golden model "
            f"(listed in {out / 'summary.json'})"
        )


@cli.command("boards")
def boards_cmd() -> None:
    """List the board profiles: core, clock, flash, RAM, counter, and whether they run here."""
    from qmoe.build import boards_table

    click.echo(boards_table())


@cli.command("build")
@click.option("--board", required=True, help="Board profile name (see `qmoe-host boards`).")
@click.option("--model", type=click.Path(path_type=Path), required=True, help="Model file.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Build folder (default: build/<board>).",
)
@click.option(
    "--psram",
    is_flag=True,
    help="Real boards with PSRAM (esp32s3): weights in PSRAM (ESP-IDF project).",
)
@click.option(
    "--power-sensor",
    type=click.Choice(["ina219", "ina226", "none"]),
    default=None,
    help="Real boards: compile the INA219/INA226 driver in (default: board.toml).",
)
@click.option(
    "--sensor-address",
    type=lambda s: int(s, 0),
    default=None,
    help="The sensor's I2C address, e.g. 0x40 (default: board.toml).",
)
@click.option("--shunt-ohms", type=float, default=None, help="Shunt resistance (default 0.1).")
@click.option(
    "--max-current",
    "max_current_a",
    type=float,
    default=None,
    help="Largest expected current in A (default 0.4).",
)
@click.option("--no-pio", is_flag=True, help="Real boards: only write the projects.")
def build_cmd(
    board: str,
    model: Path,
    out: Path | None,
    psram: bool,
    power_sensor: str | None,
    sensor_address: int | None,
    shunt_ohms: float | None,
    max_current_a: float | None,
    no_pio: bool,
) -> None:
    """Build the benchmark firmware with a model for a board; print flash and RAM use.

    Boards that do not run here get complete projects (PlatformIO, ESP-IDF, Pico SDK), built
    with `pio` where it is installed, and the commands to build and flash them."""
    from qmoe.build import build as run_build
    from qmoe.projects import ProjectOptions

    opts = ProjectOptions(
        psram=psram,
        power_sensor=power_sensor,
        sensor_address=sensor_address,
        shunt_ohms=shunt_ohms,
        max_current_a=max_current_a,
        run_pio=not no_pio,
    )
    click.echo(run_build(board, model, out or Path("build") / board, project=opts).table())


@cli.command("flash")
@click.option("--board", required=True, help="Board profile name (see `qmoe-host boards`).")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Build folder of `qmoe-host build`, or an ELF (default: build/<board>).",
)
@click.option(
    "--port",
    default=None,
    help="Real boards: serial port (/dev/ttyACM0, COM5); Pico: or its RPI-RP2 drive.",
)
def flash_cmd(board: str, out: Path | None, port: str | None) -> None:
    """Program a real board (esptool, UF2, PlatformIO upload), or start a built firmware on a
    board that runs here, print its serial URL and stop on Ctrl-C."""
    from qmoe.boards import load_board
    from qmoe.build import flash, serve

    if not load_board(board).runs_here:
        from qmoe.flashers import flash_board

        click.echo(flash_board(board, out or Path("build") / board, port).text)
        return
    running = flash(board, out or Path("build") / board)
    click.echo(f"serial: {running.url}\n(Ctrl-C or SIGTERM stops the board)")
    sys.exit(serve(running, say=lambda text: click.echo(text, err=True)))

"""Commands that take a model to a device: export, boards, build, flash, measure."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qmoe.cli.common import (
    DATASETS,
    POSITIVE,
    POSITIVE_FLOAT,
    OutPath,
    _folds,
    board_here_option,
    check_out,
    cli,
    port_option,
)


class I2cAddress(click.ParamType):
    """A 7-bit I2C address written as 0x40, 64 or 0o100; an INA219/INA226 answers at 0x40..0x4F."""

    name = "ADDRESS"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        try:
            address = int(str(value), 0)
        except ValueError:
            address = -1
        if not 0x40 <= address <= 0x4F:
            self.fail(
                f"{value!r}: expected an INA219/INA226 I2C address 0x40..0x4F, e.g. 0x40",
                param,
                ctx,
            )
        return address


I2C_ADDRESS = I2cAddress()


@cli.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=OutPath(),
    default=None,
    help="Output folder (default: next to the model, <name>-export/).",
)
@click.option("--dense-ternary", is_flag=True, help="Pack ternary weights 5 per byte (1.6 bits).")
@click.option(
    "--flash-bytes", type=POSITIVE, default=None, help="Refuse a model needing more flash."
)
@click.option("--ram-bytes", type=POSITIVE, default=None, help="Refuse a model needing more RAM.")
@click.option("--qbin", is_flag=True, help="Also write the model blob <name>.qbin (docs/blob.md).")
def export(
    model: Path, out: Path | None, dense_ternary: bool, flash_bytes, ram_bytes, qbin: bool
) -> None:
    """Lower a model file to the integer IR and generate its C sources; print sizes and memory."""
    from qmoe.api import export as run_export

    out = out or check_out(model.with_name(model.stem + "-export"), "--out")
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
    "--port",
    default=None,
    callback=port_option,
    help="pyserial URL: /dev/ttyACM0, socket://HOST:PORT, loop://",
)
@click.option(
    "--board",
    default=None,
    callback=board_here_option,
    help="Instead of --port, on a board that runs here: start the firmware in --build, "
    "measure it, stop it.",
)
@click.option(
    "--build",
    "build_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="With --board: the build folder (default: build/<board>).",
)
@click.option(
    "--model", type=click.Path(path_type=Path), required=True, help="The model file flashed."
)
@click.option(
    "--dataset",
    type=click.Choice(DATASETS),
    default=None,
    help="Dataset layout of --root (default: the model's, from its file).",
)
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    default=None,
    help="Dataset folder or embedding CSV (default: the data the model was trained on).",
)
@click.option("--label-set", default=None)
@click.option(
    "--folds", default=None, help="Folds to stream (default: the one the model held out)."
)
@click.option("--n", type=POSITIVE, default=None, help="At most this many samples (>= 1).")
@click.option(
    "--input", "input_kind", type=click.Choice(["auto", "pcm", "features"]), default="auto"
)
@click.option(
    "--window-n", type=POSITIVE, default=50, show_default=True, help="Inferences per timing window."
)
@click.option(
    "--window-repeats",
    type=POSITIVE,
    default=1,
    show_default=True,
    help="Windows per expert (5 on real boards, MLPerf Tiny style).",
)
@click.option("--power", type=click.Choice(["model", "ina219", "ppk2"]), default="model")
@click.option("--out", type=OutPath(), required=True, help="Run folder.")
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
    board,
    build_dir,
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
    from qmoe.api import measure as run_measure
    from qmoe.measure import GoldenMismatch, format_summary

    if (port is None) == (board is None):
        raise click.UsageError("give either --port URL or --board NAME (a board that runs here)")
    if build_dir is not None and board is None:
        raise click.UsageError("--build goes with --board")
    res = run_measure(
        model,
        out,
        port=port,
        board=board,
        build_dir=build_dir,
        dataset=dataset,
        root=root,
        label_set=label_set,
        folds=_folds(folds),
        n=n,
        input_kind=input_kind,
        window_n=window_n,
        window_repeats=window_repeats,
        power=power,
        resume=resume,
        trace=trace,
        micropython=micropython_board,
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
    from qmoe.api import boards

    click.echo(boards().table)


@cli.command("build")
@click.option("--board", required=True, help="Board profile name (see `qmoe-host boards`).")
@click.option("--model", type=click.Path(path_type=Path), required=True, help="Model file.")
@click.option(
    "--out",
    type=OutPath(),
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
    type=I2C_ADDRESS,
    default=None,
    help="The sensor's 7-bit I2C address, 0x40..0x4F (default: board.toml, usually 0x40).",
)
@click.option(
    "--shunt-ohms",
    type=POSITIVE_FLOAT,
    default=None,
    metavar="OHMS",
    help="Shunt resistance (default 0.1).",
)
@click.option(
    "--max-current",
    "max_current_a",
    type=POSITIVE_FLOAT,
    metavar="AMPS",
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
    from qmoe.api import build as run_build

    out = out or check_out(Path("build") / board, "--out")
    res = run_build(
        board,
        model,
        out,
        psram=psram,
        power_sensor=power_sensor,
        sensor_address=sensor_address,
        shunt_ohms=shunt_ohms,
        max_current_a=max_current_a,
        run_pio=not no_pio,
    )
    click.echo(res.table())


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
    from qmoe.api import flash, serve
    from qmoe.device.run import RunningBoard

    running = flash(board, out or Path("build") / board, port)
    if not isinstance(running, RunningBoard):  # a real board, programmed
        click.echo(running.text)
        return
    click.echo(f"serial: {running.url}\n(Ctrl-C or SIGTERM stops the board)")
    sys.exit(serve(running, say=lambda text: click.echo(text, err=True)))

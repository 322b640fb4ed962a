"""`qmoe-host`: the command line. Each command parses options and calls one function of qmoe.api."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from qmoe.codegen.errors import CodegenError
from qmoe.errors import QmoeError

DATASETS = ("builtin", "esc50", "urbansound8k", "quinn", "csv")


def _folds(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise click.BadParameter(
            f"{text!r}: expected comma-separated fold numbers, e.g. 1,2"
        ) from exc


def _frontend(sample_rate: int, n_fft: int, hop: int, n_mels: int):
    from qmoe.codegen.frontend import FrontendConfig

    try:
        return FrontendConfig(sample_rate=sample_rate, n_fft=n_fft, hop=hop, n_mels=n_mels)
    except ValueError as exc:
        raise QmoeError(f"front end: {exc}") from exc


dataset_options = [
    click.option(
        "--dataset",
        type=click.Choice(DATASETS),
        default="builtin",
        show_default=True,
        help="Dataset layout of --root (csv: a precomputed embedding CSV file).",
    ),
    click.option(
        "--root",
        type=click.Path(path_type=Path),
        default=Path("data/builtin"),
        show_default=True,
        help="Dataset folder (or CSV file).",
    ),
    click.option(
        "--label-set",
        default=None,
        help="esc50-50class | esc10 | esc50-5category for ESC-50; default: the dataset's own.",
    ),
    click.option(
        "--skip-bad", is_flag=True, help="Skip unreadable audio files; each is listed in the run."
    ),
    click.option("--sample-rate", default=16000, show_default=True),
    click.option("--n-fft", default=512, show_default=True),
    click.option("--hop", default=256, show_default=True),
    click.option("--n-mels", default=32, show_default=True),
]


def with_dataset(f):
    for opt in reversed(dataset_options):
        f = opt(f)
    return f


def _features(dataset, root, label_set, skip_bad, sample_rate, n_fft, hop, n_mels, seed=0):
    from qmoe.api import load_features

    fe = None if dataset == "csv" else _frontend(sample_rate, n_fft, hop, n_mels)
    fd, fe = load_features(
        dataset, root, label_set=label_set, frontend=fe, skip_bad=skip_bad, seed=seed
    )
    click.echo(
        f"dataset: {fd.source}  label set: {fd.label_set} ({len(fd.class_names)} classes, "
        f"{len(fd.y)} rows, folds {sorted(set(fd.folds.tolist()))})",
        err=True,
    )
    for name, why in fd.skipped:
        click.echo(f"skipped: {name}: {why}", err=True)
    return fd, fe


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qmoe")
def cli() -> None:
    """Quantized curiosity-routed Mixture-of-Experts audio classifiers, host to microcontroller."""


@cli.group()
def data() -> None:
    """Datasets: generate the built-in one, describe any."""


@data.command("builtin")
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("data/builtin"), show_default=True
)
@click.option("--seed", default=0, show_default=True)
@click.option("--clips-per-class", default=40, show_default=True)
def data_builtin(out: Path, seed: int, clips_per_class: int) -> None:
    """Write the seeded built-in dataset in ESC-50's layout."""
    from qmoe.data import generate_builtin

    ds = generate_builtin(out, seed=seed, clips_per_class=clips_per_class)
    click.echo(ds.describe())


@data.command("info")
@click.option("--dataset", type=click.Choice(DATASETS[:-1]), required=True)
@click.option("--root", type=click.Path(path_type=Path), required=True)
@click.option("--label-set", default=None)
def data_info(dataset: str, root: Path, label_set: str | None) -> None:
    """Check a dataset's layout and print what the loader sees."""
    from qmoe.data import load_dataset

    click.echo(load_dataset(dataset, root, label_set=label_set).describe())


@cli.command()
@with_dataset
@click.option(
    "--experts",
    default="fp32",
    show_default=True,
    help="Comma-separated weight formats: fp32, ptq8, 1..16, ternary.",
)
@click.option(
    "--router",
    type=click.Choice(["none", "softmax", "curiosity"]),
    default=None,
    help="Router for a mixture (default: none for one expert, softmax for several).",
)
@click.option(
    "--variant",
    "variants",
    multiple=True,
    help="EXPERTS[@ROUTER], repeatable: train several variants in one run (overrides --experts).",
)
@click.option(
    "--policy",
    type=click.Choice(["curiosity", "budget"]),
    default="curiosity",
    show_default=True,
    help="How a curiosity router's uncertainty picks the expert.",
)
@click.option(
    "--budget", type=float, default=None, help="Mean weight bytes per inference (--policy budget)."
)
@click.option("--escalate-share", type=float, default=0.3, show_default=True)
@click.option("--hidden", default="128,64", show_default=True, help="Expert hidden layer sizes.")
@click.option(
    "--norm",
    type=click.Choice(["batchnorm", "none", "layernorm"]),
    default="batchnorm",
    show_default=True,
    help="batchnorm folds into the weights at export; layernorm (the paper's) is host-only.",
)
@click.option("--epochs", type=int, default=None, help="fp32 epochs (QAT epochs scale with it).")
@click.option(
    "--folds", default=None, help="Test folds to run, e.g. 1,2 (default: all official folds)."
)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("runs/train"), show_default=True
)
def train(
    dataset,
    root,
    label_set,
    skip_bad,
    sample_rate,
    n_fft,
    hop,
    n_mels,
    experts,
    router,
    variants,
    policy,
    budget,
    escalate_share,
    hidden,
    norm,
    epochs,
    folds,
    seed,
    out,
) -> None:
    """Cross-validated training of one model or a mixture; writes a run folder, prints a table."""
    from qmoe.api import parse_variant
    from qmoe.api import train as run_train
    from qmoe.train.config import TrainConfig

    base = TrainConfig(
        seed=seed,
        budget=budget,
        escalate_share=escalate_share,
        norm=norm,
        hidden=tuple(int(h) for h in hidden.split(",")),
    )
    if epochs is not None:
        base = replace(
            base,
            epochs=epochs,
            qat_epochs=max(1, epochs // 2),
            router_epochs=max(1, 3 * epochs // 4),
        )
    texts = list(variants) or [experts + (f"@{router}" if router else "")]
    configs = [parse_variant(t, base, policy) for t in texts]
    fd, fe = _features(dataset, root, label_set, skip_bad, sample_rate, n_fft, hop, n_mels, seed)
    rep = run_train(
        fd, fe, configs, out, folds=_folds(folds), extra={"dataset": dataset, "root": str(root)}
    )
    click.echo(rep.table)
    click.echo(f"\nrun folder: {rep.out}")


@cli.command("eval")
@click.argument("model", type=click.Path(path_type=Path))
@with_dataset
@click.option(
    "--folds", default=None, help="Folds to evaluate (default: the fold the model held out)."
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Write the report as JSON."
)
def eval_cmd(
    model, dataset, root, label_set, skip_bad, sample_rate, n_fft, hop, n_mels, folds, out
):
    """Evaluate a saved model file on a dataset."""
    from qmoe.api import evaluate_model
    from qmoe.modelfile import read_model_file

    meta, _ = read_model_file(model)
    fe = meta.get("frontend") or {}
    fd, _ = _features(
        dataset,
        root,
        label_set or None,
        skip_bad,
        fe.get("sample_rate", sample_rate),
        fe.get("n_fft", n_fft),
        fe.get("hop", hop),
        fe.get("n_mels", n_mels),
    )
    rep = evaluate_model(model, fd, folds=_folds(folds), out=out)
    click.echo(
        f"{rep['variant']} on {rep['label_set']} folds {rep['folds']} ({rep['rows']} rows): "
        f"accuracy {100 * rep['accuracy']:.1f} %, macro-F1 {100 * rep['macro_f1']:.1f} %, "
        f"expert share {[f'{s:.2f}' for s in rep['expert_share']]}"
    )


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
def export(model: Path, out: Path | None, dense_ternary: bool, flash_bytes, ram_bytes) -> None:
    """Lower a model file to the integer IR and generate its C sources; print sizes and memory."""
    from qmoe.api import export as run_export

    out = out or model.with_name(model.stem + "-export")
    rep = run_export(
        model, out, dense_ternary=dense_ternary, flash_bytes=flash_bytes, ram_bytes=ram_bytes
    )
    click.echo(rep.text)
    click.echo(f"\nIR: {rep.ir_path}\nC sources: {', '.join(str(p) for p in rep.sources)}")


@cli.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--alpha", default=0.05, show_default=True, help="Significance level.")
@click.option(
    "--f1-margin",
    default=0.02,
    show_default=True,
    help="TOST equivalence margin of macro-F1 (0.02 = 2 points).",
)
@click.option(
    "--baseline",
    default="0",
    show_default=True,
    help="The run the others are compared with: its index or its name.",
)
@click.option("--allow-mixed", is_flag=True, help="Compare device runs from different boards.")
@click.option("--n-boot", default=2000, show_default=True, help="Bootstrap resamples for CIs.")
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the comparison to FILE.json or FILE.md.",
)
def compare(runs, alpha, f1_margin, baseline, allow_mixed, n_boot, seed, out) -> None:
    """Statistics between device or cross-validation runs: tables and one sentence per verdict."""
    from qmoe.stats import compare_runs

    res = compare_runs(
        list(runs),
        alpha=alpha,
        f1_margin=f1_margin,
        n_boot=n_boot,
        seed=seed,
        baseline=baseline,
        allow_mixed=allow_mixed,
    )
    click.echo(res.to_markdown())
    if out is not None:
        click.echo(f"written: {res.write(out)}")


@cli.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder for report.md, report.html and plots/.",
)
@click.option("--title", default=None, help="Report title (default: the models' names).")
@click.option("--alpha", default=0.05, show_default=True, help="Significance level of compare.")
@click.option(
    "--f1-margin",
    default=0.02,
    show_default=True,
    help="TOST equivalence margin for F1 (0.02 = 2 points).",
)
def report(runs: tuple[Path, ...], out: Path, title, alpha: float, f1_margin: float) -> None:
    """Markdown and self-contained HTML report with PNG plots of device and training run folders."""
    from qmoe.report import write_report

    rep = write_report(list(runs), out, title=title, alpha=alpha, f1_margin=f1_margin)
    click.echo("\n".join(rep.summary))
    click.echo(f"\nreport: {rep.html}\n        {rep.markdown} ({len(rep.plots)} plots)")


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


@cli.command()
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("runs/demo"), show_default=True
)
@click.option(
    "--data-dir", type=click.Path(path_type=Path), default=Path("data/builtin"), show_default=True
)
@click.option("--seed", default=0, show_default=True)
@click.option("--quick", is_flag=True, help="Fewer clips and epochs: a smoke test.")
@click.option(
    "--board",
    default=None,
    help="Board to measure on (default: qemu-m4, native where its toolchain is missing).",
)
@click.option("--train-only", is_flag=True, help="Stop after cross-validated training.")
def demo(
    out: Path, data_dir: Path, seed: int, quick: bool, board: str | None, train_only: bool
) -> None:
    """The main job on the built-in data: train, export, build, flash, measure, compare, report."""
    from qmoe.train.config import TrainConfig

    if train_only:
        from qmoe.api import demo as run_demo

        base = TrainConfig(seed=seed)
        if quick:
            base = replace(base, epochs=10, qat_epochs=5, router_epochs=5)
        rep = run_demo(out, data_dir, seed=seed, clips_per_class=12 if quick else 40, base=base)
        click.echo(rep.table + f"\n\nrun folder: {rep.out}")
        return
    from qmoe.mainjob import run_main_job

    res = run_main_job(out, data_dir, seed=seed, quick=quick, board=board, say=click.echo)
    click.echo("\n".join(res.summary))
    click.echo(
        f"\nreport: {res.report_dir / 'report.html'} (and report.md)\n"
        f"runs: {out}   board: {res.board}   total time: {res.seconds:.0f} s"
    )


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (QmoeError, CodegenError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()

"""Shared pieces of the command line: the `qmoe-host` group, dataset options, parsing helpers."""

from __future__ import annotations

from pathlib import Path

import click

from qmoe.errors import ConfigError, QmoeError

DATASETS = ("builtin", "esc50", "urbansound8k", "quinn", "folder", "csv")


def _int_list(text: str, option: str, what: str, example: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        values = []
    if not values:
        raise ConfigError(f"{option} {text!r}: expected comma-separated {what}, e.g. {example}")
    return values


def _folds(text: str | None) -> list[int] | None:
    """`--folds 1,2` -> [1, 2] (None when not given); ConfigError for a fold below 1 or one
    given twice."""
    if not text:
        return None
    folds = _int_list(text, "--folds", "fold numbers", "1,2")
    low = [f for f in folds if f < 1]
    if low:
        raise ConfigError(f"--folds {text!r}: fold {low[0]} is below 1 (folds are numbered from 1)")
    twice = sorted({f for f in folds if folds.count(f) > 1})
    if twice:
        raise ConfigError(f"--folds {text!r}: fold {twice[0]} is given twice; name each fold once")
    return folds


def _hidden(text: str) -> tuple[int, ...]:
    """`--hidden 128,64` -> (128, 64); ConfigError unless every size is an integer >= 1."""
    sizes = _int_list(text, "--hidden", "layer sizes >= 1", "128,64")
    if any(h < 1 for h in sizes):
        raise ConfigError(f"--hidden {text!r}: every hidden layer size must be >= 1, e.g. 128,64")
    return tuple(sizes)


def port_option(ctx, param, value: str | None) -> str | None:
    """Click callback of a `--port` pyserial URL: socket:// and rfc2217:// need HOST:PORT."""
    from qmoe.protocol.link import check_url

    if value is not None:
        try:
            check_url(value)
        except QmoeError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def board_here_option(ctx, param, value: str | None) -> str | None:
    """Click callback of a `--board` that must run here (QEMU or native): checked before any
    training starts, not after it."""
    if value is None:
        return None
    from qmoe.boards import list_boards, load_board

    try:
        board = load_board(value)
    except QmoeError as exc:
        raise click.BadParameter(str(exc)) from None
    if not board.runs_here:
        here = ", ".join(b.name for b in list_boards() if b.runs_here)
        raise click.BadParameter(
            f"board {value!r} does not run here (runs_here = false in {board.path}); pick one "
            f"that does ({here}), or build it with `qmoe-host build` and measure it there"
        )
    return value


class OutPath(click.ParamType):
    """A path a command writes: a folder (`kind="folder"`) or a file (`kind="file"`), checked
    when the command line is parsed (qmoe.runio.out_path_problem): an existing file given for
    a folder, a folder for a file, or a place this process cannot create files in is refused
    before any work starts."""

    name = "path"

    def __init__(self, kind: str = "folder") -> None:
        self.kind = kind
        self.name = "FOLDER" if kind == "folder" else "FILE"

    def convert(self, value, param, ctx) -> Path:
        from qmoe.runio import out_path_problem

        path = Path(value).expanduser()
        problem = out_path_problem(path, self.kind)
        if problem:
            self.fail(problem, param, ctx)
        return path


def check_out(path: Path, option: str, kind: str = "folder") -> Path:
    """The check OutPath makes, for a default path computed after parsing (ConfigError)."""
    from qmoe.runio import out_path_problem

    problem = out_path_problem(path, kind)
    if problem:
        raise ConfigError(f"{option} {path}: {problem}")
    return path


def named(kind: click.ParamType, name: str) -> click.ParamType:
    """`kind` with the value's name: click shows a range type as "INTEGER RANGE" in --help (the
    type's name, not the value's); the range itself is shown beside the option."""
    kind.name = name
    return kind


POSITIVE = named(click.IntRange(min=1), "integer")
SEED = named(click.IntRange(0, 2**32 - 1), "integer")
ALPHA = named(click.FloatRange(0.0, 0.5, min_open=True, max_open=True), "level")
FRACTION = named(click.FloatRange(0.0, 1.0), "fraction")
POSITIVE_FLOAT = named(click.FloatRange(min=0.0, min_open=True), "number")


def _frontend(sample_rate: int, n_fft: int, hop: int, n_mels: int, stats: str | None = None):
    from qmoe_codegen.frontend import FrontendConfig

    extra = {"stats": stats} if stats else {}
    try:
        return FrontendConfig(sample_rate=sample_rate, n_fft=n_fft, hop=hop, n_mels=n_mels, **extra)
    except ValueError as exc:
        raise QmoeError(f"front end: {exc}") from exc


dataset_options = [
    click.option(
        "--dataset",
        type=click.Choice(DATASETS),
        default="builtin",
        show_default=True,
        help="Dataset layout of --root (folder: class sub-folders or a CSV manifest; "
        "csv: a precomputed embedding CSV file).",
    ),
    click.option(
        "--root",
        type=click.Path(path_type=Path),
        default=Path("data/builtin"),
        show_default=True,
        help="Dataset folder (or CSV file: a manifest for folder, embeddings for csv).",
    ),
    click.option(
        "--label-set",
        default=None,
        help="esc50-50class | esc10 | esc50-5category | from-csv for ESC-50; "
        "default: the dataset's own.",
    ),
    click.option(
        "--skip-bad", is_flag=True, help="Skip unreadable audio files; each is listed in the run."
    ),
    click.option("--sample-rate", default=16000, show_default=True, help="Front end: Hz."),
    click.option("--n-fft", default=512, show_default=True, help="Front end: FFT size."),
    click.option("--hop", default=256, show_default=True, help="Front end: hop in samples."),
    click.option("--n-mels", default=32, show_default=True, help="Front end: mel bands."),
    click.option(
        "--stats",
        default=None,
        help="Front end: pooled statistics per band, comma-separated from mean, std, min, max, "
        "delta, drms (default: mean,std,delta; docs/accuracy.md).",
    ),
]


def with_dataset(f):
    for opt in reversed(dataset_options):
        f = opt(f)
    return f


def _features(
    dataset, root, label_set, skip_bad, sample_rate, n_fft, hop, n_mels, seed=0, stats=None
):
    from qmoe.api import load_features

    fe = None if dataset == "csv" else _frontend(sample_rate, n_fft, hop, n_mels, stats)
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

"""Shared pieces of the command line: the `qmoe-host` group, dataset options, parsing helpers."""

from __future__ import annotations

from pathlib import Path

import click

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
    from qmoe_codegen.frontend import FrontendConfig

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

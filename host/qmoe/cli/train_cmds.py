"""Commands on data and training: data, train, eval, demo (the main job)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from qmoe.cli.common import (
    DATASETS,
    FRACTION,
    POSITIVE,
    POSITIVE_FLOAT,
    SEED,
    OutPath,
    _features,
    _folds,
    _hidden,
    board_here_option,
    cli,
    named,
    with_dataset,
)

THREADS = click.option(
    "--threads",
    type=POSITIVE,
    default=1,
    show_default=True,
    help="PyTorch intra-op threads. Part of the recipe: the same seed and thread count give the "
    "same model on any machine (docs/reproducibility.md); 1 is also the fastest for these sizes.",
)

DATA_DIR = click.option(
    "--data-dir", type=click.Path(path_type=Path), default=Path("data/builtin"), show_default=True
)
BOARD_HERE = click.option(
    "--board",
    default=None,
    callback=board_here_option,
    help="Board to measure on (default: qemu-m4, native where its toolchain is missing).",
)


@cli.group()
def data() -> None:
    """Datasets: generate the built-in one, describe any."""


@data.command("builtin")
@click.option("--out", type=OutPath(), default=Path("data/builtin"), show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option(
    "--clips-per-class", type=POSITIVE, default=None, help="Default: 40 (default), 32 (hard)."
)
@click.option(
    "--variant",
    type=click.Choice(["default", "hard"]),
    default="default",
    show_default=True,
    help="hard: 16 subtly different classes where weight precision shows.",
)
def data_builtin(out: Path, seed: int, clips_per_class: int | None, variant: str) -> None:
    """Write the seeded built-in dataset in ESC-50's layout."""
    from qmoe.api import data_builtin

    click.echo(
        data_builtin(out, seed=seed, clips_per_class=clips_per_class, variant=variant).describe()
    )


@data.command("speech")
@click.option("--out", type=OutPath(), default=Path("data/speech"), show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option(
    "--voices",
    type=named(click.IntRange(2, 10), "integer"),
    default=10,
    show_default=True,
    help="Voices to use.",
)
@click.option(
    "--folds", "n_folds", type=named(click.IntRange(2, 10), "integer"), default=5, show_default=True
)
def data_speech(out: Path, seed: int, voices: int, n_folds: int) -> None:
    """Write a 10-word espeak-ng keyword set (voice-disjoint folds; needs espeak-ng)."""
    from qmoe.api import data_speech

    manifest, dataset = data_speech(out, seed=seed, voices=voices, n_folds=n_folds)
    click.echo(dataset.describe())
    click.echo(f"train on it with: --dataset folder --root {manifest}")


@data.command("embeddings")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="CSV file to write.")
@click.option("--seed", default=0, show_default=True)
@click.option("--rows-per-class", default=40, show_default=True)
@click.option("--dim", default=1536, show_default=True, help="Feature columns per row.")
def data_embeddings(out: Path, seed: int, rows_per_class: int, dim: int) -> None:
    """Write a seeded embedding CSV in the paper's format (5 classes; stand-ins, not audio)."""
    from qmoe.api import data_embeddings

    click.echo(data_embeddings(out, seed=seed, rows_per_class=rows_per_class, dim=dim).line())


@data.command("info")
@click.option("--dataset", type=click.Choice(DATASETS[:-1]), required=True)
@click.option("--root", type=click.Path(path_type=Path), required=True)
@click.option("--label-set", default=None)
def data_info(dataset: str, root: Path, label_set: str | None) -> None:
    """Check a dataset's layout and print what the loader sees."""
    from qmoe.api import data_info

    click.echo(data_info(dataset, root, label_set=label_set).describe())


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
    "--budget",
    type=POSITIVE_FLOAT,
    default=None,
    help="Mean weight bytes per inference (--policy budget).",
)
@click.option("--escalate-share", type=FRACTION, default=0.3, show_default=True)
@click.option("--hidden", default="128,64", show_default=True, help="Expert hidden layer sizes.")
@click.option(
    "--norm",
    type=click.Choice(["batchnorm", "none", "layernorm"]),
    default="batchnorm",
    show_default=True,
    help="batchnorm folds into the weights at export; layernorm (the paper's) is host-only.",
)
@click.option(
    "--epochs", type=POSITIVE, default=None, help="fp32 epochs (QAT epochs scale with it)."
)
@click.option(
    "--folds", default=None, help="Test folds to run, e.g. 1,2 (default: all official folds)."
)
@click.option(
    "--patience",
    type=named(click.IntRange(min=0), "epochs"),
    default=0,
    show_default=True,
    help="Early stopping: epochs without a better validation loss (0: off; docs/accuracy.md).",
)
@click.option("--class-weight", is_flag=True, help="Weight the loss by inverse class frequency.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@THREADS
@click.option("--out", type=OutPath(), default=Path("runs/train"), show_default=True)
def train(
    dataset,
    root,
    label_set,
    skip_bad,
    sample_rate,
    n_fft,
    hop,
    n_mels,
    stats,
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
    patience,
    class_weight,
    seed,
    threads,
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
        hidden=_hidden(hidden),
        patience=patience,
        class_weight=class_weight,
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
    folds = _folds(folds)
    fd, fe = _features(
        dataset, root, label_set, skip_bad, sample_rate, n_fft, hop, n_mels, seed, stats
    )
    rep = run_train(
        fd,
        fe,
        configs,
        out,
        folds=folds,
        extra={"dataset": dataset, "root": str(root)},
        threads=threads,
    )
    click.echo(rep.table)
    click.echo(f"\nrun folder: {rep.out}")


@cli.command("eval")
@click.argument("model", type=click.Path(path_type=Path))
@with_dataset
@click.option(
    "--folds", default=None, help="Folds to evaluate (default: the fold the model held out)."
)
@click.option("--out", type=OutPath("file"), default=None, help="Write the report as JSON.")
@THREADS
def eval_cmd(
    model,
    dataset,
    root,
    label_set,
    skip_bad,
    sample_rate,
    n_fft,
    hop,
    n_mels,
    stats,
    folds,
    out,
    threads,
):
    """Evaluate a saved model file on a dataset."""
    from qmoe.api import evaluate_model
    from qmoe.modelfile import read_model_file

    folds = _folds(folds)
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
        stats=",".join(fe.get("stats") or []) or stats,
    )
    click.echo(evaluate_model(model, fd, folds=folds, out=out, threads=threads).line())


@cli.command()
@click.option("--out", type=OutPath(), default=Path("runs/demo"), show_default=True)
@DATA_DIR
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--quick", is_flag=True, help="Fewer clips and epochs: a smoke test.")
@BOARD_HERE
@click.option("--train-only", is_flag=True, help="Stop after cross-validated training.")
@THREADS
def demo(
    out: Path,
    data_dir: Path,
    seed: int,
    quick: bool,
    board: str | None,
    train_only: bool,
    threads: int,
) -> None:
    """The main job on the built-in data: train, export, build, flash, measure, compare, report."""
    from qmoe.api import TrainReport
    from qmoe.api import demo as run_demo

    res = run_demo(
        out,
        data_dir,
        seed=seed,
        quick=quick,
        board=board,
        train_only=train_only,
        threads=threads,
        say=click.echo,
        progress=click.get_text_stream("stderr"),
    )
    if isinstance(res, TrainReport):
        click.echo(res.table + f"\n\nrun folder: {res.out}")
        return
    click.echo("\n".join(res.summary))
    click.echo(
        f"\nreport: {res.report_dir / 'report.html'} (and report.md)\n"
        f"runs: {out}   board: {res.board}   total time: {res.seconds:.0f} s"
    )

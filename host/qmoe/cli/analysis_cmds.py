"""Commands on run folders: compare, report; the router study over seeds × folds."""

from __future__ import annotations

from pathlib import Path

import click

from qmoe.cli.common import (
    ALPHA,
    POSITIVE,
    SEED,
    OutPath,
    _folds,
    cli,
    named,
)
from qmoe.cli.train_cmds import BOARD_HERE, DATA_DIR, THREADS


@cli.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--alpha", type=ALPHA, default=0.05, show_default=True, help="Significance level.")
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
    type=OutPath("file"),
    default=None,
    help="Also write the comparison to FILE.json or FILE.md.",
)
def compare(runs, alpha, f1_margin, baseline, allow_mixed, n_boot, seed, out) -> None:
    """Statistics between device or cross-validation runs: tables and one sentence per verdict."""
    from qmoe.api import compare as run_compare

    res = run_compare(
        list(runs),
        alpha=alpha,
        f1_margin=f1_margin,
        n_boot=n_boot,
        seed=seed,
        baseline=baseline,
        allow_mixed=allow_mixed,
        out=out,
    )
    click.echo(res.to_markdown())
    if out is not None:
        click.echo(f"written: {out}")


@cli.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=OutPath(),
    required=True,
    help="Folder for report.md, report.html and plots/.",
)
@click.option("--title", default=None, help="Report title (default: the models' names).")
@click.option(
    "--alpha", type=ALPHA, default=0.05, show_default=True, help="Significance level of compare."
)
@click.option(
    "--f1-margin",
    default=0.02,
    show_default=True,
    help="TOST equivalence margin for F1 (0.02 = 2 points).",
)
def report(runs: tuple[Path, ...], out: Path, title, alpha: float, f1_margin: float) -> None:
    """Markdown and self-contained HTML report with PNG plots of device and training run folders."""
    from qmoe.api import report as run_report

    rep = run_report(list(runs), out, title=title, alpha=alpha, f1_margin=f1_margin)
    click.echo("\n".join(rep.summary))
    click.echo(f"\nreport: {rep.html}\n        {rep.markdown} ({len(rep.plots)} plots)")


@cli.command("router-study")
@click.option("--out", type=OutPath(), default=Path("runs/router-study"), show_default=True)
@DATA_DIR
@click.option(
    "--seeds",
    type=named(click.IntRange(min=2), "integer"),
    default=5,
    show_default=True,
    help="Training seeds.",
)
@click.option("--first-seed", type=SEED, default=0, show_default=True)
@click.option("--folds", default=None, help="Held-out folds, e.g. 1,2 (default: every fold).")
@BOARD_HERE
@click.option("--n", type=POSITIVE, default=None, help="At most N clips per fold (default: all).")
@click.option(
    "--alpha",
    type=ALPHA,
    default=0.05,
    show_default=True,
    help="Significance level (Holm-adjusted across the comparisons).",
)
@THREADS
@click.option("--quick", is_flag=True, help="Fewer clips and epochs: a smoke test.")
def router_study(out, data_dir, seeds, first_seed, folds, board, n, alpha, threads, quick) -> None:
    """Curiosity vs softmax routing over seeds x folds on the device: latency spread, F1, energy."""
    from qmoe.router_study import router_study as run_study

    res = run_study(
        out,
        data_dir,
        seeds=seeds,
        first_seed=first_seed,
        folds=_folds(folds),
        board=board,
        n=n,
        quick=quick,
        threads=threads,
        alpha=alpha,
        say=click.echo,
    )
    click.echo(res.table() + "\n\n" + "\n".join(res.lines()))
    click.echo(f"\nwritten: {out / 'router_study.md'} and router_study.json ({res.seconds:.0f} s)")

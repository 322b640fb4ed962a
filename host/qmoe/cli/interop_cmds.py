"""Exchange with other tools: Edge Impulse datasets, TensorFlow Lite experts; `data manifest`."""

from __future__ import annotations

from pathlib import Path

import click

from qmoe.cli.common import DATASETS, POSITIVE, SEED, OutPath, cli, named
from qmoe.cli.train_cmds import data


@data.command("manifest")
@click.option("--root", type=click.Path(path_type=Path), required=True, help="Class folders.")
@click.option("--out", type=OutPath("file"), required=True, help="Manifest CSV.")
@click.option(
    "--group-pattern",
    default=None,
    help="Regex on file names; its first group is the file's group, e.g. '^([^_]+)_'.",
)
@click.option(
    "--folds",
    "n_folds",
    type=named(click.IntRange(min=2), "integer"),
    default=None,
    help="Also write K folds.",
)
@click.option("--seed", type=SEED, default=0, show_default=True)
def data_manifest(root: Path, out: Path, group_pattern, n_folds, seed) -> None:
    """Write a CSV manifest (file, label, group[, fold]) for a folder of class sub-folders."""
    from qmoe.api import data_manifest

    ds = data_manifest(root, out, group_pattern=group_pattern, n_folds=n_folds, seed=seed)
    click.echo(f"{out}: {ds.describe()}")


@cli.group()
def interop() -> None:
    """Edge Impulse datasets and TensorFlow Lite experts, both ways."""


@interop.command("ei-export")
@click.option("--dataset", type=click.Choice(DATASETS[:-1]), default="builtin", show_default=True)
@click.option(
    "--root", type=click.Path(path_type=Path), default=Path("data/builtin"), show_default=True
)
@click.option("--label-set", default=None)
@click.option("--out", type=OutPath(), required=True)
@click.option("--format", "fmt", type=click.Choice(["wav", "json", "cbor"]), default="wav")
@click.option("--test-folds", default="1", show_default=True, help="Folds that become 'testing'.")
@click.option("--sample-rate", type=POSITIVE, default=16000, show_default=True)
@click.option("--hmac-key", default=None, help="Sign JSON/CBOR files (HS256) with this key.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable audio files; each is listed.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Fold seed (folder, quinn).")
def ei_export(
    dataset, root, label_set, out, fmt, test_folds, sample_rate, hmac_key, skip_bad, seed
):
    """Write a dataset as an Edge Impulse upload folder (training/, testing/, info.labels)."""
    from qmoe.api import ei_export as run_ei_export

    folds = tuple(int(f) for f in test_folds.split(",") if f.strip())
    rep = run_ei_export(
        dataset,
        root,
        out,
        label_set=label_set,
        fmt=fmt,
        test_folds=folds,
        sample_rate=sample_rate,
        hmac_key=hmac_key,
        skip_bad=skip_bad,
        seed=seed,
    )
    for name, why in rep.skipped:
        click.echo(f"skipped: {name}: {why}", err=True)
    click.echo(
        f"{out}: {rep.counts['training']} training and {rep.counts['testing']} testing files "
        f"({fmt}), labels in {out / 'info.labels'}\n"
        f"upload with: edge-impulse-uploader --directory {out}"
    )


@interop.command("ei-import")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--out", type=OutPath(), required=True)
@click.option("--hmac-key", default=None, help="Verify HS256-signed JSON/CBOR files.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable files; each is listed.")
def ei_import(src, out, hmac_key, skip_bad):
    """Read an Edge Impulse export into a folder dataset (audio/ + manifest.csv)."""
    from qmoe.api import ei_import as run_ei_import

    imp = run_ei_import(src, out, hmac_key=hmac_key, skip_bad=skip_bad)
    for name, why in imp.skipped:
        click.echo(f"skipped: {name}: {why}", err=True)
    click.echo(
        f"{imp.dataset.describe()}\n"
        f"train with: qmoe-host train --dataset folder --root {out / 'manifest.csv'}"
    )


@interop.command("tflite-export")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--out", type=OutPath("file"), required=True, help="The .tflite file.")
@click.option(
    "--expert",
    type=named(click.IntRange(min=0), "integer"),
    default=None,
    help="Expert of a mixture.",
)
@click.option("--float-io", is_flag=True, help="float32 input/output (QUANTIZE/DEQUANTIZE).")
@click.option(
    "--exact-ir",
    type=OutPath("file"),
    default=None,
    help="Also write the expert with TFLite's multipliers as a .qir.",
)
def tflite_export(model, out, expert, float_io, exact_ir):
    """Write one integer expert as a TensorFlow Lite flatbuffer (int8 FULLY_CONNECTED layers)."""
    from qmoe.api import tflite_export as run_tflite_export

    exp = run_tflite_export(model, out, expert=expert, float_io=float_io, exact_ir=exact_ir)
    click.echo(
        f"{out}: expert {exp.expert} ({exp.label}), {exp.n_features} inputs, {exp.n_classes} "
        f"classes, {len(exp.data)} bytes; multipliers within {exp.multiplier_error:.1e} "
        "(relative) of qmoe's" + (f"\nexact IR: {exact_ir}" if exact_ir else "")
    )


@interop.command("tflite-import")
@click.argument("tflite", type=click.Path(path_type=Path))
@click.option("--out", type=OutPath("file"), required=True, help="The .qir file.")
@click.option("--classes", default=None, help="Comma-separated class names.")
@click.option("--name", default=None, help="Model name (default: the file's stem).")
def tflite_import(tflite, out, classes, name):
    """Read an int8 fully-connected .tflite model as a qmoe expert (an IR file)."""
    from qmoe.api import format_size_report
    from qmoe.api import tflite_import as run_tflite_import

    names = [c.strip() for c in classes.split(",")] if classes else None
    imp = run_tflite_import(tflite, out, classes=names, name=name)
    click.echo(format_size_report(imp.ir))
    for note in imp.notes:
        click.echo(f"note: {note}")
    click.echo(f"\nIR: {out}")


@interop.command("tflite-check")
@click.argument("tflite", type=click.Path(path_type=Path))
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "--expert", type=named(click.IntRange(min=0), "integer"), default=0, show_default=True
)
@click.option(
    "--dataset", type=click.Choice(DATASETS[:-1]), default=None, help="Default: random rows."
)
@click.option("--root", type=click.Path(path_type=Path), default=None)
@click.option("--n", type=POSITIVE, default=1000, show_default=True, help="Random rows.")
@click.option("--kernels", default="reference,builtin,default", show_default=True)
def tflite_check(tflite, model, expert, dataset, root, n, kernels):
    """Compare a .tflite file written by tflite-export with the golden model of MODEL."""
    from qmoe.api import tflite_check as run_tflite_check

    names = tuple(k.strip() for k in kernels.split(","))
    rep = run_tflite_check(
        tflite, model, expert=expert, dataset=dataset, root=root, n=n, kernels=names
    )
    click.echo(f"{tflite} vs the golden model of {model}, expert {expert}, on {rep.source}:")
    for agreement in rep.agreements:
        click.echo("  " + agreement.line())

"""Exchange with other tools: Edge Impulse datasets, TensorFlow Lite experts; `data manifest`."""

from __future__ import annotations

from pathlib import Path

import click

from qmoe.cli.common import DATASETS, POSITIVE, SEED, OutPath, cli
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
    "--folds", "n_folds", type=click.IntRange(min=2), default=None, help="Also write K folds."
)
@click.option("--seed", type=SEED, default=0, show_default=True)
def data_manifest(root: Path, out: Path, group_pattern, n_folds, seed) -> None:
    """Write a CSV manifest (file, label, group[, fold]) for a folder of class sub-folders."""
    from qmoe.data.folder import write_manifest

    ds = write_manifest(root, out, group_pattern=group_pattern, n_folds=n_folds, seed=seed)
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
    from qmoe.data import load_dataset
    from qmoe.interop.edge_impulse import export_edge_impulse

    folds = tuple(int(f) for f in test_folds.split(",") if f.strip())
    ds = load_dataset(dataset, root, label_set=label_set, seed=seed)
    rep = export_edge_impulse(ds, out, fmt, folds, sample_rate, hmac_key, skip_bad)
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
    from qmoe.interop.edge_impulse import import_edge_impulse

    imp = import_edge_impulse(src, out, hmac_key=hmac_key, skip_bad=skip_bad)
    for name, why in imp.skipped:
        click.echo(f"skipped: {name}: {why}", err=True)
    click.echo(
        f"{imp.dataset.describe()}\n"
        f"train with: qmoe-host train --dataset folder --root {out / 'manifest.csv'}"
    )


@interop.command("tflite-export")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--out", type=OutPath("file"), required=True, help="The .tflite file.")
@click.option("--expert", type=click.IntRange(min=0), default=None, help="Expert of a mixture.")
@click.option("--float-io", is_flag=True, help="float32 input/output (QUANTIZE/DEQUANTIZE).")
@click.option(
    "--exact-ir",
    type=OutPath("file"),
    default=None,
    help="Also write the expert with TFLite's multipliers as a .qir.",
)
def tflite_export(model, out, expert, float_io, exact_ir):
    """Write one integer expert as a TensorFlow Lite flatbuffer (int8 FULLY_CONNECTED layers)."""
    from qmoe.interop.tflite import export_tflite

    exp = export_tflite(model, out, expert=expert, float_io=float_io, exact_ir_out=exact_ir)
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
    from qmoe.interop.tflite_import import import_tflite

    names = [c.strip() for c in classes.split(",")] if classes else None
    imp = import_tflite(tflite, out, class_names=names, name=name)
    click.echo(format_size_report(imp.ir))
    for note in imp.notes:
        click.echo(f"note: {note}")
    click.echo(f"\nIR: {out}")


@interop.command("tflite-check")
@click.argument("tflite", type=click.Path(path_type=Path))
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--expert", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--dataset", type=click.Choice(DATASETS[:-1]), default=None, help="Default: random rows."
)
@click.option("--root", type=click.Path(path_type=Path), default=None)
@click.option("--n", type=POSITIVE, default=1000, show_default=True, help="Random rows.")
@click.option("--kernels", default="reference,builtin,default", show_default=True)
def tflite_check(tflite, model, expert, dataset, root, n, kernels):
    """Compare a .tflite file written by tflite-export with the golden model of MODEL."""
    import numpy as np

    from qmoe.errors import ConfigError
    from qmoe.interop.tflite import load_ir_any
    from qmoe.interop.tflite_check import compare

    ir = load_ir_any(model)
    n_feat = int(ir["input"]["n_features"])
    if dataset is None:
        x8 = np.random.default_rng(0).integers(-128, 128, (n, n_feat))
        src = f"{n} random int8 rows"
    else:
        from qmoe.api import load_features
        from qmoe_codegen.golden import quantize_input

        if ir["input"]["kind"] != "frontend":
            raise ConfigError(f"{model}: takes int8 vectors, not audio; leave out --dataset")
        fd, _ = load_features(dataset, root or Path("data/builtin"))
        x8 = quantize_input(ir, fd.X)
        src = f"{len(x8)} rows of {fd.source}"
    data = Path(tflite).read_bytes()
    click.echo(f"{tflite} vs the golden model of {model}, expert {expert}, on {src}:")
    for k in kernels.split(","):
        click.echo("  " + compare(ir, expert, data, x8, k.strip()).line())

"""Interop commands of the API: `qmoe-host interop ei-export`, `ei-import`, `tflite-export`,
`tflite-import`, `tflite-check` (Edge Impulse datasets, TensorFlow Lite experts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qmoe.errors import ConfigError
from qmoe.interop.edge_impulse import EIExport, EIImport
from qmoe.interop.tflite import TfliteExport
from qmoe.interop.tflite_import import TfliteImport


def ei_export(
    dataset: str,
    root: Path,
    out: Path,
    *,
    label_set: str | None = None,
    fmt: str = "wav",
    test_folds: tuple[int, ...] = (1,),
    sample_rate: int = 16000,
    hmac_key: str | None = None,
    skip_bad: bool = False,
    seed: int = 0,
) -> EIExport:
    """`qmoe-host interop ei-export`: write a dataset as an Edge Impulse upload folder
    (training/ = every fold but `test_folds`, testing/, info.labels)."""
    from qmoe.data import load_dataset
    from qmoe.interop.edge_impulse import export_edge_impulse

    ds = load_dataset(dataset, root, label_set=label_set, seed=seed)
    return export_edge_impulse(ds, out, fmt, test_folds, sample_rate, hmac_key, skip_bad)


def ei_import(
    src: Path, out: Path, *, hmac_key: str | None = None, skip_bad: bool = False
) -> EIImport:
    """`qmoe-host interop ei-import`: read an Edge Impulse export into a folder dataset
    (audio/ + manifest.csv)."""
    from qmoe.interop.edge_impulse import import_edge_impulse

    return import_edge_impulse(src, out, hmac_key=hmac_key, skip_bad=skip_bad)


def tflite_export(
    model: Path,
    out: Path,
    *,
    expert: int | None = None,
    float_io: bool = False,
    exact_ir: Path | None = None,
) -> TfliteExport:
    """`qmoe-host interop tflite-export`: one integer expert as a TensorFlow Lite flatbuffer."""
    from qmoe.interop.tflite import export_tflite

    return export_tflite(model, out, expert=expert, float_io=float_io, exact_ir_out=exact_ir)


def tflite_import(
    tflite: Path, out: Path, *, classes: list[str] | None = None, name: str | None = None
) -> TfliteImport:
    """`qmoe-host interop tflite-import`: an int8 fully-connected .tflite model as a qmoe expert
    (an IR file `out`)."""
    from qmoe.interop.tflite_import import import_tflite

    return import_tflite(tflite, out, class_names=classes, name=name)


@dataclass
class TfliteCheckReport:
    """`qmoe-host interop tflite-check`: the rows compared and one agreement per kernel set."""

    source: str
    agreements: list  # qmoe.interop.tflite_check.Agreement, one per kernel set


def tflite_check(
    tflite: Path,
    model: Path,
    *,
    expert: int = 0,
    dataset: str | None = None,
    root: Path | None = None,
    n: int = 1000,
    kernels: tuple[str, ...] = ("reference", "builtin", "default"),
) -> TfliteCheckReport:
    """`qmoe-host interop tflite-check`: compare a .tflite file written by tflite-export with the
    golden model of `model` on `n` random int8 rows, or on a dataset's rows."""
    from qmoe.interop.tflite import load_ir_any
    from qmoe.interop.tflite_check import compare

    ir = load_ir_any(model)
    n_feat = ir.input.n_features
    if dataset is None:
        x8 = np.random.default_rng(0).integers(-128, 128, (n, n_feat))
        source = f"{n} random int8 rows"
    else:
        from qmoe.api.training import load_features
        from qmoe_codegen.golden import quantize_input

        if ir.input.kind != "frontend":
            raise ConfigError(f"{model}: takes int8 vectors, not audio; leave out --dataset")
        fd, _ = load_features(dataset, root or Path("data/builtin"))
        x8 = quantize_input(ir, fd.X)
        source = f"{len(x8)} rows of {fd.source}"
    data = Path(tflite).read_bytes()
    return TfliteCheckReport(source, [compare(ir, expert, data, x8, k) for k in kernels])

"""The Python API behind every `qmoe-host` command. The CLI only parses options and calls these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qmoe.data import FeatureDataset, generate_builtin, load_dataset, load_embedding_csv
from qmoe.environment import environment
from qmoe.errors import ConfigError
from qmoe.features.extract import extract_features
from qmoe.modelfile import load_model
from qmoe.runfolder import SUMMARY_TXT
from qmoe.runs import (
    format_table,
    start_run,
    summary_rows,
    write_json,
    write_summary,
    write_variant,
)
from qmoe.train.config import TrainConfig
from qmoe.train.cv import CVResult, FoldDone, cross_validate, evaluate
from qmoe.train.determinism import DEFAULT_THREADS, check_threads, configure
from qmoe_codegen.frontend import FrontendConfig

# The variants of the main job: the fp32 baseline, the quantized experts, and mixtures of
# heterogeneous
# experts under the two routers.
DEMO_VARIANTS = (
    "fp32",
    "ptq8",
    "8",
    "4",
    "ternary",
    "1",
    "ternary,4,8@softmax",
    "ternary,4,8@curiosity",
)


def parse_variant(text: str, base: TrainConfig, policy: str = "curiosity") -> TrainConfig:
    """`EXPERTS[@ROUTER]`, e.g. `4`, `ternary,4,8@curiosity` -> a TrainConfig derived from `base`.

    `policy` (curiosity or budget) applies to curiosity-routed variants; the others route by argmax.
    """
    experts, _, router = text.partition("@")
    specs = [s.strip() for s in experts.split(",") if s.strip()]
    if not specs:
        raise ConfigError(
            f"variant {text!r}: expected EXPERTS[@ROUTER], e.g. 4 or ternary,4,8@curiosity"
        )
    router = router.strip() or ("none" if len(specs) == 1 else "softmax")
    return replace(
        base, experts=specs, router=router, policy=policy if router == "curiosity" else "argmax"
    )


def load_features(
    dataset: str,
    root: Path,
    label_set: str | None = None,
    frontend: FrontendConfig | None = None,
    skip_bad: bool = False,
    n_folds: int = 5,
    seed: int = 0,
    cache_dir: Path | None = None,
) -> tuple[FeatureDataset, FrontendConfig | None]:
    """Features of a dataset: front-end output for audio datasets, the rows of an embedding CSV."""
    if dataset == "csv":
        if label_set is not None:
            raise ConfigError(
                "--label-set does not apply to an embedding CSV (its class_id column is the label)"
            )
        return load_embedding_csv(Path(root), n_folds=n_folds, seed=seed), None
    frontend = frontend or FrontendConfig()
    ds = load_dataset(dataset, Path(root), label_set=label_set, n_folds=n_folds, seed=seed)
    home = Path(root) if Path(root).is_dir() else Path(root).parent  # a folder's manifest file
    cache = Path(cache_dir) if cache_dir else home / ".qmoe-cache"
    return extract_features(ds, frontend, cache_dir=cache, skip_bad=skip_bad), frontend


@dataclass
class TrainReport:
    out: Path
    results: list[CVResult]
    rows: list[dict]
    table: str


def train(
    fd: FeatureDataset,
    frontend: FrontendConfig | None,
    configs: list[TrainConfig],
    out: Path,
    folds: list[int] | None = None,
    keep_fold: int = 1,
    progress: bool = True,
    extra: dict | None = None,
    threads: int | None = None,
    on_fold: Callable[[FoldDone], None] | None = None,
) -> TrainReport:
    """Cross-validate each configuration, write the run folder, return the summary table;
    `on_fold` hears of every finished fold.

    Training runs on `threads` intra-op threads (default 1; qmoe.train.determinism): the same
    seed and thread count give the same model files, byte for byte. run.json records both and the
    environment (qmoe.environment)."""
    names = [c.name for c in configs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"variant(s) given twice: {', '.join(dupes)}")
    threads = DEFAULT_THREADS if threads is None else check_threads(threads)
    seeds = sorted({c.seed for c in configs})
    out = start_run(
        Path(out),
        fd,
        {
            "frontend": frontend.to_dict() if frontend else None,
            "variants": names,
            "environment": environment(seeds[0] if len(seeds) == 1 else seeds, threads),
            **(extra or {}),
        },
    )
    results = []
    for cfg in configs:
        res = cross_validate(
            fd, cfg, frontend, folds=folds, progress=progress, threads=threads, on_fold=on_fold
        )
        write_variant(out, res, fd, keep_fold)
        results.append(res)
    rows = summary_rows(results)
    write_summary(out, rows)
    table = format_table(rows)
    (out / SUMMARY_TXT).write_text(
        f"dataset: {fd.source}\nlabel set: {fd.label_set} ({len(fd.class_names)} classes)\n"
        f"skipped inputs: {len(fd.skipped)}\n\n{table}\n"
    )
    return TrainReport(out, results, rows, table)


def evaluate_model(
    model_path: Path,
    fd: FeatureDataset,
    folds: list[int] | None = None,
    out: Path | None = None,
    threads: int | None = None,
) -> dict:
    """Evaluate a saved model on the given folds (default: the fold it held out), on `threads`
    intra-op threads (default 1)."""
    configure(threads)
    model = load_model(model_path)
    if list(model.class_names) != list(fd.class_names):
        raise ConfigError(
            f"{model_path}: model classes {model.class_names} differ from the dataset's "
            f"{fd.class_names} (label set {model.label_set!r} vs {fd.label_set!r})"
        )
    if folds is None:
        held = model.provenance.get("test_fold")
        folds = [held] if held is not None else sorted(set(fd.folds.tolist()))

    rows = np.flatnonzero(np.isin(fd.folds, folds))
    if len(rows) == 0:
        raise ConfigError(
            f"no rows in fold(s) {folds}; the dataset has {sorted(set(fd.folds.tolist()))}"
        )
    ev = evaluate(model, fd, rows)
    report = {
        "model": str(model_path),
        "variant": model.name,
        "label_set": fd.label_set,
        "folds": folds,
        "rows": int(len(rows)),
        **ev["metrics"],
    }
    if out is not None:
        write_json(Path(out), report)
    return report


def demo(
    out: Path,
    data_dir: Path,
    seed: int = 0,
    clips_per_class: int = 40,
    variants: tuple[str, ...] = DEMO_VARIANTS,
    base: TrainConfig | None = None,
    progress: bool = True,
    threads: int | None = None,
    on_fold: Callable[[FoldDone], None] | None = None,
) -> TrainReport:
    """The main job on the built-in dataset: generate data, cross-validate every variant, report.
    `threads`: intra-op threads of training (default 1; qmoe.train.determinism)."""
    data_dir = Path(data_dir)
    if not (data_dir / "meta" / "esc50.csv").exists():
        generate_builtin(data_dir, seed=seed, clips_per_class=clips_per_class)
    fd, frontend = load_features("builtin", data_dir)
    base = base or TrainConfig(seed=seed)
    configs = [parse_variant(v, base) for v in variants]
    return train(
        fd,
        frontend,
        configs,
        out,
        progress=progress,
        extra={"dataset": "builtin", "data_dir": str(data_dir)},
        threads=threads,
        on_fold=on_fold,
    )


@dataclass
class ExportReport:
    ir_path: Path
    sources: list[Path]
    ir: dict
    text: str
    blob_path: Path | None = None  # <out>/<name>.qbin with qbin=True (docs/blob.md)


def format_size_report(ir: dict) -> str:
    """The size and memory table `qmoe-host export` prints."""
    lines = [
        f"model {ir['model']['name']}  hash {ir['hash'][:16]}…  "
        f"label set {ir['model']['label_set']}",
        "",
        f"{'layer':34s} {'shape':>10s} {'fmt':>4s} {'weights B':>10s} {'params B':>9s} "
        f"{'bits/w':>7s} {'nominal':>7s} {'overhead':>8s}",
    ]
    for r in ir["sizes"]["layers"]:
        shape = f"{r['shape'][0]}x{r['shape'][1]}"
        lines.append(
            f"{r['layer']:34s} {shape:>10s} {r['format']:>4s} {r['weight_bytes']:>10d} "
            f"{r['param_bytes']:>9d} {r['bits_per_weight']:>7.3f} {r['nominal_bits']:>7.2f} "
            f"{r['packing_overhead_pct']:>7.2f}%"
        )
    mem = ir["memory"]
    lines += [
        "",
        f"flash: {ir['sizes']['total_flash_bytes']} bytes (weights, parameters, "
        f"{ir['sizes']['table_bytes']} bytes of router/input tables)",
        f"RAM:   {mem['arena_bytes']} bytes of activation arena (input {mem['input_bytes']} B, "
        f"router {mem['router_bytes']} B incl. input, experts' largest in+out pair "
        f"{max(e['peak_bytes'] for e in mem['experts'])} B)",
    ]
    return "\n".join(lines)


def export(
    model_path: Path,
    out: Path,
    *,
    dense_ternary: bool = False,
    flash_bytes: int | None = None,
    ram_bytes: int | None = None,
    qbin: bool = False,
) -> ExportReport:
    """Lower a model file to the integer IR (`<out>/<name>.qir`) and C sources (`<out>/gen/`);
    with `qbin` also the model blob `<out>/<name>.qbin` that the runtime loads (docs/blob.md)."""
    from qmoe_codegen.emit import write_model_sources
    from qmoe_codegen.ir import check_capacity, save_ir
    from qmoe_codegen.lower import lower_file

    ir = lower_file(Path(model_path), dense_ternary=dense_ternary)
    check_capacity(ir, flash_bytes, ram_bytes, where=str(model_path))
    out = Path(out)
    ir_path = save_ir(ir, out / (Path(model_path).stem + ".qir"))
    sources = write_model_sources(ir, out / "gen")
    blob = None
    if qbin:
        from qmoe_codegen.blob import write_blob

        blob = write_blob(ir, out / (Path(model_path).stem + ".qbin"))
    return ExportReport(ir_path, sources, ir, format_size_report(ir), blob)

"""Training commands of the API: `qmoe-host train` (`train`) and `qmoe-host eval`
(`evaluate_model`), with the dataset features they take (`load_features`) and the variant
syntax (`parse_variant`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from qmoe.data import FeatureDataset, load_dataset, load_embedding_csv
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
from qmoe.train.determinism import DEFAULT_THREADS, SharedExperts, check_threads, configure
from qmoe_codegen.frontend import FrontendConfig


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
    """What `qmoe-host train` wrote: the run folder, each variant's cross-validation, the table."""

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
    """`qmoe-host train`: cross-validate each configuration, write the run folder, return the
    summary table; `on_fold` hears of every finished fold.

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
    shared = SharedExperts()  # variants differing only in their router train their experts once
    for cfg in configs:
        res = cross_validate(
            fd,
            cfg,
            frontend,
            folds=folds,
            progress=progress,
            threads=threads,
            on_fold=on_fold,
            shared=shared,
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


@dataclass
class EvalReport:
    """What `qmoe-host eval` found: the model, the rows it was evaluated on and their metrics
    (accuracy, macro_f1, expert_share, ... as qmoe.train.metrics computes them)."""

    model: Path
    variant: str
    label_set: str
    folds: list[int]
    rows: int
    metrics: dict
    experts: list[str] = field(default_factory=list)  # each expert's spec: "ternary", "4", ...

    def to_json(self) -> dict:
        """The report as `--out FILE` writes it."""
        return {
            "model": str(self.model),
            "variant": self.variant,
            "label_set": self.label_set,
            "folds": self.folds,
            "rows": self.rows,
            **self.metrics,
        }

    def line(self) -> str:
        """The one line `qmoe-host eval` prints."""
        m = self.metrics
        return (
            f"{self.variant} on {self.label_set} folds {self.folds} ({self.rows} rows): "
            f"accuracy {100 * m['accuracy']:.1f} %, macro-F1 {100 * m['macro_f1']:.1f} %, "
            f"{expert_shares(self.experts, m['expert_share'])}"
        )


def expert_shares(specs: list[str], shares: list[float]) -> str:
    """Expert shares as text: "inputs per expert: ternary 12 %, 4-bit 33 %, 8-bit 55 %", or
    "one expert: 8-bit" (`specs`: each expert's spec, as in a model file)."""
    names = [f"{s}-bit" if str(s).isdigit() else str(s) for s in specs]
    names += [f"expert {k}" for k in range(len(names), len(shares))]
    if len(shares) == 1:
        return f"one expert: {names[0]}"
    return "inputs per expert: " + ", ".join(f"{n} {100 * s:.0f} %" for n, s in zip(names, shares))


def evaluate_model(
    model_path: Path,
    fd: FeatureDataset,
    folds: list[int] | None = None,
    out: Path | None = None,
    threads: int | None = None,
) -> EvalReport:
    """`qmoe-host eval`: evaluate a saved model on the given folds (default: the fold it held
    out), on `threads` intra-op threads (default 1); with `out`, also write the report as JSON."""
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
    report = EvalReport(
        Path(model_path),
        model.name,
        fd.label_set,
        folds,
        int(len(rows)),
        ev["metrics"],
        [str(e.cfg.spec) for e in model.experts],
    )
    if out is not None:
        write_json(Path(out), report.to_json())
    return report

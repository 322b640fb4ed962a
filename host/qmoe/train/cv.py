"""Cross-validation over a dataset's official folds: fit, evaluate, collect per-fold results."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from tqdm.auto import tqdm

from qmoe.data import FeatureDataset
from qmoe.errors import ConfigError
from qmoe.model import QmoeModel
from qmoe.train.config import TrainConfig
from qmoe.train.determinism import SharedExperts, configure, seeded
from qmoe.train.metrics import fold_metrics, mean_std
from qmoe.train.trainer import (
    calibrate_policy,
    train_expert,
    train_fp32,
    train_router,
)
from qmoe_codegen.frontend import FrontendConfig
from qmoe_codegen.inputq import fit_input_quant

SUMMARY_METRICS = ("accuracy", "macro_f1", "weighted_f1", "train_seconds")


@dataclass(frozen=True)
class FoldDone:
    """One finished fold of a cross-validation: the k-th of n, and its training time."""

    variant: str
    fold: int
    k: int
    n: int
    seconds: float


def split_fold(fd: FeatureDataset, test_fold: int, val_share: float, seed: int):
    """Row indices (train, val, test): the test fold whole, a stratified validation share of the
    rest.
    """
    test = np.flatnonzero(fd.folds == test_fold)
    rest = np.flatnonzero(fd.folds != test_fold)
    if len(test) == 0:
        raise ConfigError(
            f"fold {test_fold} has no rows; folds present: {sorted(set(fd.folds.tolist()))}"
        )
    counts = np.bincount(fd.y[rest], minlength=len(fd.class_names))
    n_val = int(np.ceil(val_share * len(rest)))
    present = int((counts > 0).sum())
    # Stratify when each side can hold every class (sklearn refuses otherwise: small datasets).
    fits = min(n_val, len(rest) - n_val) >= present
    stratify = fd.y[rest] if counts[counts > 0].min() >= 2 and fits else None
    train, val = train_test_split(
        rest, test_size=val_share, random_state=seed + test_fold, stratify=stratify
    )
    return np.sort(train), np.sort(val), test


def fit_fold(
    fd: FeatureDataset,
    cfg: TrainConfig,
    test_fold: int,
    frontend: FrontendConfig | None,
    augmented: np.ndarray | None = None,
    shared: SharedExperts | None = None,
) -> tuple[QmoeModel, dict]:
    """Train one model with `test_fold` held out. Returns the model and the row split used.

    `augmented` (copies, rows, features), aligned with fd's rows (qmoe.train.recipe): the
    augmented copies of the training rows join the training set (cfg.augment of them at most).
    `shared`: experts already trained for a variant differing only in its router are reused.
    """
    train, val, test = split_fold(fd, test_fold, cfg.val_share, cfg.seed)
    iq = fit_input_quant(fd.X[train], clip_sigmas=cfg.clip_sigmas)
    x8 = torch.as_tensor(iq.apply(fd.X).astype(np.float32))
    y = torch.as_tensor(fd.y)
    gen = seeded(cfg.seed * 1000 + test_fold)
    n_classes = len(fd.class_names)
    xt, yt = x8[train], y[train]
    if augmented is not None and cfg.augment > 0:
        extra = augmented[: cfg.augment, train].reshape(-1, fd.X.shape[1])
        xt = torch.cat([xt, torch.as_tensor(iq.apply(extra).astype(np.float32))])
        yt = y[train].repeat(1 + min(cfg.augment, len(augmented)))
    val_xy = (x8[val], y[val])
    experts = shared.get(cfg, test_fold, gen) if shared is not None else None
    if experts is None:
        base = train_fp32(cfg, xt, yt, n_classes, iq.input_scale, gen, val=val_xy)
        experts = [
            train_expert(s, cfg, xt, yt, iq.input_scale, gen, base, val=val_xy) for s in cfg.experts
        ]
        if shared is not None:
            shared.put(cfg, test_fold, experts, gen)
    router = policy = None
    if cfg.is_mixture:
        router = train_router(cfg, experts, xt, yt, iq.input_scale, gen)
        policy = calibrate_policy(cfg, experts, router, x8[val])
    model = QmoeModel(
        train_config=cfg,
        input_quant=iq,
        experts=experts,
        router=router,
        policy=policy,
        class_names=list(fd.class_names),
        label_set=fd.label_set,
        frontend=frontend,
        provenance={
            "source": fd.source,
            "test_fold": int(test_fold),
            "train_rows": int(len(train)),
            "val_rows": int(len(val)),
            "seed": cfg.seed,
        },
    ).eval()
    return model, {"train": train, "val": val, "test": test}


def evaluate(model: QmoeModel, fd: FeatureDataset, rows: np.ndarray) -> dict:
    """Metrics, expert usage and curiosity outputs of `model` on the given rows."""
    out = model.predict_features(fd.X[rows])
    n_experts = len(model.experts)
    y = fd.y[rows]
    m = fold_metrics(y, out["pred"], len(fd.class_names))
    usage = np.bincount(out["expert"], minlength=n_experts)
    u = out["uncertainty"].astype(np.float64)
    per_class = [
        float(u[y == c].mean()) if np.any(y == c) else None for c in range(len(fd.class_names))
    ]
    m.update(
        expert_usage=usage.tolist(),
        expert_share=(usage / max(1, len(rows))).tolist(),
        uncertainty_mean=float(u.mean()) if len(u) else 0.0,
        uncertainty_per_class=per_class,
    )
    return {"metrics": m, "pred": out["pred"], "expert": out["expert"], "uncertainty": u}


@dataclass
class FoldResult:
    fold: int
    metrics: dict
    rows: np.ndarray
    pred: np.ndarray
    expert: np.ndarray
    uncertainty: np.ndarray
    model: QmoeModel


@dataclass
class CVResult:
    config: TrainConfig
    label_set: str
    class_names: list[str]
    folds: list[FoldResult] = field(default_factory=list)

    def summary(self) -> dict:
        """Mean and std over folds of each headline metric, plus model size per expert."""
        s = {}
        for k in SUMMARY_METRICS:
            mu, sd = mean_std([f.metrics[k] for f in self.folds])
            s[k] = {"mean": mu, "std": sd}
        if self.folds:
            s["expert_share"] = np.mean(
                [f.metrics["expert_share"] for f in self.folds], axis=0
            ).tolist()
            s["experts"] = self.folds[0].model.expert_costs()
        return s


def cross_validate(
    fd: FeatureDataset,
    cfg: TrainConfig,
    frontend: FrontendConfig | None,
    folds: list[int] | None = None,
    progress: bool = True,
    threads: int | None = None,
    on_fold: Callable[[FoldDone], None] | None = None,
    augmented: np.ndarray | None = None,
    shared: SharedExperts | None = None,
) -> CVResult:
    """Train and evaluate once per test fold (the official folds unless `folds` is given), with
    `threads` intra-op threads (default 1) and deterministic algorithms (qmoe.train.determinism);
    `on_fold` hears of each fold as it finishes (the main job's progress line); `augmented`:
    features of augmented clips for the recipe (see fit_fold); `shared`: experts shared with other
    calls on the same data and `augmented` whose variants differ only in the router.
    """
    configure(threads)
    all_folds = sorted(set(fd.folds.tolist()))
    folds = all_folds if folds is None else list(folds)
    bad = [f for f in folds if f not in all_folds]
    if bad:
        raise ConfigError(f"fold(s) {bad} not in the dataset; it has folds {all_folds}")
    result = CVResult(cfg, fd.label_set, list(fd.class_names))
    for k, fold in enumerate(
        tqdm(folds, desc=cfg.name, unit="fold", disable=not progress, leave=False), start=1
    ):
        t0 = time.perf_counter()
        model, split = fit_fold(fd, cfg, fold, frontend, augmented, shared)
        seconds = time.perf_counter() - t0
        ev = evaluate(model, fd, split["test"])
        ev["metrics"]["train_seconds"] = seconds
        result.folds.append(
            FoldResult(
                fold,
                ev["metrics"],
                split["test"],
                ev["pred"],
                ev["expert"],
                ev["uncertainty"],
                model,
            )
        )
        if on_fold is not None:
            on_fold(FoldDone(cfg.name, fold, k, len(folds), seconds))
    return result

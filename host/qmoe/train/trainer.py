"""Training of one fold: experts (fp32, QAT, PTQ), then the router, then the routing policy."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from qmoe.experts import Expert, ExpertConfig
from qmoe.moe import Mixture
from qmoe.quant import parse_weight_spec, ptq_int8
from qmoe.routers import CuriosityRouter, SoftmaxRouter
from qmoe.routers.policy import (
    RoutingPolicy,
    argmax_policy,
    budget_policy,
    curiosity_policy,
)
from qmoe.train import recipe
from qmoe.train.config import TrainConfig


def _batches(n: int, batch_size: int, gen: torch.Generator):
    perm = torch.randperm(n, generator=gen)
    for i in range(0, n, batch_size):
        yield perm[i : i + batch_size]


def _fit(
    module: nn.Module,
    loss_fn,
    n: int,
    epochs: int,
    cfg: TrainConfig,
    gen: torch.Generator,
    params=None,
    stop: recipe.EarlyStop | None = None,
) -> list[float]:
    """Adam with cosine decay over `epochs`; returns the mean loss per epoch. With `stop`, ends
    early when the validation loss stops improving and keeps the best epoch's weights."""
    params = [p for p in (params if params is not None else module.parameters()) if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
    history = []
    module.train()
    for _ in range(epochs):
        total, count = 0.0, 0
        for idx in _batches(n, cfg.batch_size, gen):
            opt.zero_grad()
            loss = loss_fn(idx)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            count += len(idx)
        sched.step()
        history.append(total / max(1, count))
        if stop is not None and stop.update(module):
            break
    if stop is not None:
        stop.restore(module)
    module.eval()
    return history


def expert_config(spec: str, cfg: TrainConfig, in_dim: int, n_classes: int) -> ExpertConfig:
    return ExpertConfig(
        in_dim=in_dim,
        n_classes=n_classes,
        hidden=cfg.hidden,
        spec=spec,
        norm=cfg.norm,
        dropout=cfg.dropout,
    )


def train_fp32(
    cfg: TrainConfig,
    x: torch.Tensor,
    y: torch.Tensor,
    n_classes: int,
    input_scale: float,
    gen: torch.Generator,
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Expert:
    """Train the fp32 expert from scratch: the baseline, the PTQ source and the QAT warm start.
    `val` (x, y) rows drive early stopping when cfg.patience > 0."""
    ce = recipe.loss_fn(cfg, y, n_classes)
    base = Expert(expert_config("fp32", cfg, x.shape[1], n_classes), input_scale)
    stop = recipe.early_stop(cfg, *(val or (None, None)))
    _fit(base, lambda i: ce(base(x[i]), y[i]), len(x), cfg.epochs, cfg, gen, stop=stop)
    return base


def train_expert(
    spec: str,
    cfg: TrainConfig,
    x: torch.Tensor,
    y: torch.Tensor,
    input_scale: float,
    gen: torch.Generator,
    fp32_base: Expert,
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Expert:
    """Train one expert of weight format `spec` on int8-valued inputs `x`.

    fp32 is the base itself; int8 PTQ quantizes the base (calibrated on `x`, the training rows
    only);
    k-bit and ternary experts start from the base's weights and are fine-tuned with quantization in
    the loop (QAT) for `cfg.qat_epochs`.
    """
    ws = parse_weight_spec(spec)
    if ws.kind == "fp32":
        return fp32_base
    if ws.kind == "ptq8":
        return ptq_int8(fp32_base, x)
    n_classes = fp32_base.cfg.n_classes
    ce = recipe.loss_fn(cfg, y, n_classes)
    expert = Expert(expert_config(spec, cfg, x.shape[1], n_classes), input_scale)
    _, unexpected = expert.load_state_dict(fp32_base.state_dict(), strict=False)
    if unexpected:
        raise RuntimeError(
            f"warm start: fp32 parameters {unexpected} have no place in the {spec} expert"
        )
    # Calibrate activation ranges on the warm-started weights before the first step.
    expert.train()
    with torch.no_grad():
        expert(x)
    stop = recipe.early_stop(cfg, *(val or (None, None)))
    _fit(expert, lambda i: ce(expert(x[i]), y[i]), len(x), cfg.qat_epochs, cfg, gen, stop=stop)
    return expert


def train_router(
    cfg: TrainConfig,
    experts: list[Expert],
    x: torch.Tensor,
    y: torch.Tensor,
    input_scale: float,
    gen: torch.Generator,
) -> nn.Module:
    """Train the router with the experts frozen: CE of the gated mixture + load-balancing loss."""
    kwargs = dict(
        in_dim=x.shape[1],
        n_experts=len(experts),
        input_scale=input_scale,
        hidden=cfg.router_hidden,
        top_k=cfg.top_k,
    )
    if cfg.router == "curiosity":
        router = CuriosityRouter(
            **kwargs, dropout=cfg.router_dropout, n_passes=cfg.mc_passes, mask_seed=cfg.seed
        )
    else:
        router = SoftmaxRouter(**kwargs)
    mix = Mixture(experts, router).freeze_experts()
    with torch.no_grad():
        expert_logits = mix.expert_logits(x)  # (N, E, C): the experts are frozen

    def loss_fn(idx: torch.Tensor) -> torch.Tensor:
        return mix.loss(x[idx], y[idx], cfg.balance_weight, expert_logits[idx])

    router.train()
    with torch.no_grad():
        router.logits(x)  # calibrate activation ranges before the first step
    _fit(router, loss_fn, len(x), cfg.router_epochs, cfg, gen)
    return router


def precision_order(experts: list[Expert]) -> list[int]:
    """Expert indices from least to most precise (stored bits per weight, then size)."""
    return sorted(
        range(len(experts)),
        key=lambda i: (experts[i].cost()["bits_per_weight"], experts[i].cost()["weight_bytes"]),
    )


def calibrate_policy(
    cfg: TrainConfig, experts: list[Expert], router: nn.Module, x_val: torch.Tensor
) -> RoutingPolicy:
    """Fit the routing table on validation rows (never on the test fold)."""
    if cfg.policy == "argmax":
        return argmax_policy(len(experts))
    with torch.no_grad():
        router.eval()
        choice = router.logits(x_val).argmax(dim=1).numpy()
        u = router.uncertainty(x_val).numpy().astype(np.float64)
    order = precision_order(experts)
    if cfg.policy == "curiosity":
        return curiosity_policy(u, choice, order, escalate_share=cfg.escalate_share)
    costs = [float(e.cost()["weight_bytes"]) for e in experts]
    return budget_policy(u, choice, order, costs, float(cfg.budget))

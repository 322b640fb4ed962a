"""The mixture: experts + router (+ routing policy), for training and device-semantics prediction.

Training recipe: train each expert alone (CE); `freeze_experts()`; train the router with
`loss()` = CE of the gated mixture of logits + balance_weight * load_balance_loss; then calibrate a
routing policy on a validation split (qmoe.routers.policy) and set `policy`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from qmoe.errors import ConfigError
from qmoe.experts import Expert
from qmoe.routers.policy import RoutingPolicy
from qmoe.routers.softmax import SoftmaxRouter, load_balance_loss

COST_METRICS = ("weight_bytes", "weight_bits", "macs", "bitops")


def expert_costs(experts: Sequence[Expert], metric: str = "weight_bytes") -> list[float]:
    """Cost per expert for budgets: a key of Expert.cost(), or "bitops" (macs * bits/weight)."""
    if metric not in COST_METRICS:
        raise ConfigError(f"cost metric {metric!r} is not one of {', '.join(COST_METRICS)}")
    out = []
    for e in experts:
        c = e.cost()
        out.append(float(c["macs"] * c["bits_per_weight"] if metric == "bitops" else c[metric]))
    return out


class Mixture(nn.Module):
    """Experts, a router and an optional routing policy (identity when None)."""

    def __init__(
        self, experts: list[Expert], router: SoftmaxRouter, policy: RoutingPolicy | None = None
    ) -> None:
        super().__init__()
        if len(experts) != router.n_experts:
            raise ConfigError(
                f"mixture: router scores {router.n_experts} experts, {len(experts)} given"
            )
        first = experts[0].cfg
        for i, e in enumerate(experts):
            if (e.cfg.in_dim, e.cfg.n_classes) != (first.in_dim, first.n_classes):
                raise ConfigError(
                    f"mixture: expert {i} maps {e.cfg.in_dim} -> {e.cfg.n_classes}, "
                    f"expert 0 maps {first.in_dim} -> {first.n_classes}"
                )
            if not math.isclose(e.input_scale, router.input_scale, rel_tol=1e-9):
                raise ConfigError(
                    f"mixture: expert {i} input_scale {e.input_scale} differs from "
                    f"the router's {router.input_scale}"
                )
        if router.in_dim != first.in_dim:
            raise ConfigError(
                f"mixture: router in_dim {router.in_dim} differs from the experts' {first.in_dim}"
            )
        if policy is not None and policy.n_experts != len(experts):
            raise ConfigError(
                f"mixture: routing table has {policy.n_experts} columns for {len(experts)} experts"
            )
        self.experts = nn.ModuleList(experts)
        self.router = router
        self.policy = policy
        self.experts_frozen = False

    @property
    def n_experts(self) -> int:
        """Number of experts."""
        return len(self.experts)

    def freeze_experts(self) -> Mixture:
        """Stop the experts' gradients; keep them in eval mode (dropout off, ActQuant frozen)."""
        for p in self.experts.parameters():
            p.requires_grad_(False)
        self.experts_frozen = True
        self.experts.eval()
        return self

    def train(self, mode: bool = True) -> Mixture:
        """nn.Module.train, except that frozen experts stay in eval mode."""
        super().train(mode)
        if self.experts_frozen:
            self.experts.eval()
        return self

    def expert_logits(self, x: Tensor) -> Tensor:
        """Logits of every expert on every input: (B, E, C)."""
        return torch.stack([e(x) for e in self.experts], dim=1)

    def forward(self, x: Tensor, expert_logits: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(mixture logits sum_e gate_e * logits_e over the top-k (B, C), load-balance loss).

        `expert_logits` (B, E, C) may be given precomputed when the experts are frozen.
        """
        probs, gates = self.router.gates(x)
        if expert_logits is None:
            mix = sum(
                gates[:, e, None] * self.experts[e](x)
                for e in range(self.n_experts)
                if bool((gates[:, e] > 0).any())
            )
        else:
            mix = (gates[:, :, None] * expert_logits).sum(dim=1)
        return mix, load_balance_loss(probs, gates)

    def loss(
        self,
        x: Tensor,
        y: Tensor,
        balance_weight: float = 0.01,
        expert_logits: Tensor | None = None,
    ) -> Tensor:
        """Router training loss: CE of the mixture logits + balance_weight * load-balance loss."""
        mix, aux = self(x, expert_logits)
        return F.cross_entropy(mix, y) + balance_weight * aux

    @torch.no_grad()
    def predict(self, x: Tensor) -> dict[str, Tensor]:
        """Device semantics, hard top-1, in eval mode (the modules' modes are restored after).

        choice = argmax of the router logits (ties -> lowest index), uncertainty = the router's
        (zeros for a softmax router), expert = policy.route(choice, uncertainty) (identity without a
        policy). Returns logits (B, C) of the chosen expert, pred, choice, expert (int64) and
        uncertainty (B,).
        """
        modes = {m: m.training for m in self.modules()}
        self.eval()
        try:
            choice = self.router.logits(x).argmax(dim=1)
            u = self.router.uncertainty(x)
            if self.policy is None:
                expert = choice.clone()
            else:
                expert = torch.as_tensor(self.policy.route(choice.numpy(), u.numpy()))
            logits = torch.empty(len(x), self.experts[0].cfg.n_classes)
            for e in torch.unique(expert).tolist():
                rows = expert == e
                logits[rows] = self.experts[e](x[rows]).to(logits.dtype)
        finally:
            for m, mode in modes.items():
                m.training = mode
        return {
            "logits": logits,
            "pred": logits.argmax(dim=1),
            "choice": choice,
            "expert": expert.to(torch.int64),
            "uncertainty": u,
        }

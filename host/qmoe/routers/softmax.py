"""Softmax router: a small int8 MLP that scores the experts, and the load-balancing loss."""

from __future__ import annotations

import torch
from torch import Tensor

from qmoe.errors import ConfigError
from qmoe.quant.layers import QuantMLP

ROUTER_SPEC = "8"  # int8 QAT weights: the router runs on the device too


def topk_gates(probs: Tensor, k: int) -> Tensor:
    """Top-k renormalized gates (B, E): the k largest probabilities over their sum, 0 elsewhere.

    The denominator is detached: the values are exactly the renormalized probabilities, but the
    gradient w.r.t. a kept probability is 1 / sum instead of 0 for k = 1 (as Switch Transformer's
    un-normalized top-1 gate), so a top-1 router still learns from a mixture of logits.
    """
    vals, idx = probs.topk(k, dim=-1)
    g = vals / vals.sum(dim=-1, keepdim=True).detach()
    return torch.zeros_like(probs).scatter(-1, idx, g)


def load_balance_loss(probs: Tensor, gates: Tensor) -> Tensor:
    """Switch-Transformer load balance: E * sum_e f_e * P_e (1 when perfectly balanced).

    f_e is the share of routing slots dispatched to expert e (gates > 0, summing to 1 over e; not
    differentiable) and P_e the mean router probability of e over the batch (differentiable).
    """
    if probs.shape != gates.shape or probs.dim() != 2:
        raise ConfigError(
            f"load_balance_loss: probs {tuple(probs.shape)} and gates "
            f"{tuple(gates.shape)} must both be (batch, n_experts)"
        )
    dispatched = (gates > 0).to(probs.dtype)
    f = dispatched.sum(dim=0) / dispatched.sum().clamp_min(1.0)
    return probs.shape[1] * (f * probs.mean(dim=0)).sum()


class SoftmaxRouter(QuantMLP):
    """int8 MLP router: in_dim -> hidden (ReLU, int8 ActQuant) -> n_experts logits, int8 weights.

    Calling it (or `logits`) gives the router logits (B, E); the device's choice is their argmax.
    """

    kind = "softmax"

    def __init__(
        self, in_dim: int, n_experts: int, input_scale: float, hidden: int = 32, top_k: int = 1
    ) -> None:
        if int(n_experts) < 2:
            raise ConfigError(f"router n_experts {n_experts} must be >= 2")
        if not 1 <= int(top_k) <= int(n_experts):
            raise ConfigError(f"router top_k {top_k} must lie in 1..{n_experts}")
        if int(hidden) < 1:
            raise ConfigError(f"router hidden {hidden} must be >= 1")
        super().__init__(in_dim, (int(hidden),), n_experts, ROUTER_SPEC, input_scale)
        self.n_experts = int(n_experts)
        self.hidden = int(hidden)
        self.top_k = int(top_k)
        self.init_kwargs: dict = {
            "in_dim": self.in_dim,
            "n_experts": self.n_experts,
            "input_scale": self.input_scale,
            "hidden": self.hidden,
            "top_k": self.top_k,
        }

    def logits(self, x: Tensor) -> Tensor:
        """Router logits (B, E) of int8-valued inputs (B, in_dim)."""
        return self(x)

    def gates(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(dense softmax probabilities (B, E), top-k renormalized gates (B, E))."""
        probs = torch.softmax(self.logits(x), dim=-1)
        return probs, topk_gates(probs, self.top_k)

    def uncertainty(self, x: Tensor) -> Tensor:
        """A softmax router has no epistemic uncertainty: zeros (B,)."""
        return torch.zeros(len(x), dtype=self.head.weight.dtype)

    def export(self) -> dict:
        """Router kind, shapes, input scale and `layers` (QuantMLP.export_layers)."""
        return {"kind": self.kind, **self.init_kwargs, "layers": self.export_layers()}

"""Routers (softmax, curiosity MC-dropout) and routing policies (lookup tables)."""

from qmoe.routers.curiosity import CuriosityRouter
from qmoe.routers.policy import (
    RoutingPolicy,
    argmax_policy,
    budget_policy,
    curiosity_policy,
)
from qmoe.routers.softmax import SoftmaxRouter, load_balance_loss, topk_gates

__all__ = [
    "CuriosityRouter",
    "RoutingPolicy",
    "SoftmaxRouter",
    "argmax_policy",
    "budget_policy",
    "curiosity_policy",
    "load_balance_loss",
    "topk_gates",
]

"""Routing policies: (router choice, uncertainty) -> expert, as a lookup table the device indexes.

bin(u) = number of thresholds <= u; expert = table[bin(u), choice]. docs/routing.md has the rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qmoe.errors import ConfigError, ModelFileError

KINDS = ("argmax", "curiosity", "budget")


@dataclass
class RoutingPolicy:
    """Strictly ascending uncertainty thresholds and a table (len(thresholds) + 1, E) of experts.

    `achieved_cost` is the mean cost on the validation inputs for budget policies (else None).
    """

    thresholds: list[float]
    table: np.ndarray
    kind: str
    achieved_cost: float | None = None

    def __post_init__(self) -> None:
        self.thresholds = [float(t) for t in self.thresholds]
        table = np.asarray(self.table)
        if table.ndim != 2 or table.shape[0] != len(self.thresholds) + 1 or table.shape[1] < 1:
            raise ConfigError(
                f"routing table has shape {table.shape}, expected "
                f"({len(self.thresholds) + 1}, n_experts) for "
                f"{len(self.thresholds)} thresholds"
            )
        if table.dtype.kind not in "iu" and not np.array_equal(table, np.round(table)):
            raise ConfigError("routing table entries must be integer expert indices")
        self.table = table.astype(np.int64)
        e = self.table.shape[1]
        if self.table.min() < 0 or self.table.max() >= e:
            raise ConfigError(
                f"routing table entries must lie in 0..{e - 1}, got "
                f"{self.table.min()}..{self.table.max()}"
            )
        t = np.asarray(self.thresholds, dtype=np.float64)
        if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
            raise ConfigError(
                f"routing thresholds {self.thresholds} must be finite and strictly ascending"
            )
        if self.kind not in KINDS:
            raise ConfigError(f"routing policy kind {self.kind!r} is not one of {', '.join(KINDS)}")

    @property
    def n_experts(self) -> int:
        """Number of experts (columns of the table)."""
        return int(self.table.shape[1])

    def bins(self, u: np.ndarray) -> np.ndarray:
        """Uncertainty bin of each input: number of thresholds <= u (NaN counts as above all)."""
        u = np.asarray(u, dtype=np.float64)
        return np.searchsorted(np.asarray(self.thresholds, dtype=np.float64), u, side="right")

    def route(self, choice: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Expert index per input: table[bin(u), choice]."""
        choice = np.asarray(choice, dtype=np.int64)
        u = np.asarray(u, dtype=np.float64)
        if choice.shape != u.shape:
            raise ConfigError(
                f"route: choice shape {choice.shape} differs from uncertainty shape {u.shape}"
            )
        if choice.size and (choice.min() < 0 or choice.max() >= self.n_experts):
            raise ConfigError(f"route: router choices must lie in 0..{self.n_experts - 1}")
        return self.table[self.bins(u), choice]

    def to_dict(self) -> dict:
        """JSON-able form."""
        return {
            "kind": self.kind,
            "thresholds": list(self.thresholds),
            "table": self.table.tolist(),
            "achieved_cost": self.achieved_cost,
        }

    @classmethod
    def from_dict(cls, d: dict) -> RoutingPolicy:
        """Inverse of to_dict; ModelFileError names the bad field."""
        try:
            cost = d.get("achieved_cost")
            return cls(
                thresholds=list(d["thresholds"]),
                table=np.asarray(d["table"]),
                kind=str(d["kind"]),
                achieved_cost=None if cost is None else float(cost),
            )
        except (KeyError, TypeError, ValueError, AttributeError, ConfigError) as exc:
            raise ModelFileError(
                f"routing policy: bad or missing field ({exc!s}); expected keys "
                "kind, thresholds, table, achieved_cost"
            ) from exc


def argmax_policy(n_experts: int) -> RoutingPolicy:
    """One bin, identity table: the router's choice is the expert."""
    return RoutingPolicy([], np.arange(int(n_experts))[None, :], "argmax")


def _check_inputs(
    u_val: np.ndarray, choice_val: np.ndarray, precision_order: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    u = np.asarray(u_val, dtype=np.float64).ravel()
    c = np.asarray(choice_val, dtype=np.int64).ravel()
    order = [int(i) for i in precision_order]
    e = len(order)
    if sorted(order) != list(range(e)) or e < 1:
        raise ConfigError(
            f"precision_order {list(precision_order)} must list every expert index 0..{e - 1} once"
        )
    if u.size == 0 or u.shape != c.shape:
        raise ConfigError(
            f"policy calibration needs as many uncertainties ({u.size}) as router "
            f"choices ({c.size}), at least one"
        )
    if not np.all(np.isfinite(u)):
        raise ConfigError("policy calibration: validation uncertainties contain NaN or inf")
    if c.min() < 0 or c.max() >= e:
        raise ConfigError(f"policy calibration: router choices must lie in 0..{e - 1}")
    return u, c, order


def _cut(u_sorted: np.ndarray, n_below: int) -> float | None:
    """Threshold with the n_below lowest values below it (u < t), None if no value is left above.

    A tied group is never split: it goes below. The threshold lies midway between the last value
    below and the first above; with n_below <= 0 it is min(0, smallest value) (everything above).
    """
    n = len(u_sorted)
    if n_below <= 0:
        return min(0.0, float(u_sorted[0]))
    if n_below >= n:
        return None
    lo = u_sorted[n_below - 1]
    j = int(np.searchsorted(u_sorted, lo, side="right"))
    if j >= n:
        return None
    hi = u_sorted[j]
    mid = lo + (hi - lo) / 2
    return float(mid if mid > lo else hi)


def _precision_table(order: list[int]) -> np.ndarray:
    """table[b, c] = the more precise of c and order[b] (bin 0 keeps the choice)."""
    e = len(order)
    rank = {ex: r for r, ex in enumerate(order)}
    return np.array([[c if rank[c] >= b else order[b] for c in range(e)] for b in range(e)])


def _escalation(u_sorted: np.ndarray, order: list[int], n_top: int, kind: str) -> RoutingPolicy:
    """Bins of n_top inputs each from the most uncertain down: bin E-1 (top) -> most precise,
    bin j raises the choice to at least order[j]; the rest (bin 0) keeps the choice. Levels that
    no validation input reaches are left out, and an empty bin gives way to the one above it, so
    the thresholds are strictly ascending."""
    n, e = len(u_sorted), len(order)
    table = _precision_table(order)
    thresholds: list[float] = []
    rows = [table[0]]
    for j in range(1, e):
        t = _cut(u_sorted, n - min(n, (e - j) * n_top))
        if t is None:
            break
        if thresholds and t == thresholds[-1]:
            rows[-1] = table[j]
            continue
        thresholds.append(t)
        rows.append(table[j])
    return RoutingPolicy(thresholds, np.array(rows), kind)


def curiosity_policy(
    u_val: np.ndarray,
    choice_val: np.ndarray,
    precision_order: list[int],
    escalate_share: float = 0.3,
) -> RoutingPolicy:
    """Escalate uncertain inputs to more precise experts, with thresholds from validation quantiles.

    With E experts ordered least -> most precise (o_0 .. o_{E-1}) and m = round(share * n): the
    m most uncertain validation inputs form the top bin (-> o_{E-1}), the next m bin E-2 (choice
    raised to at least o_{E-2}), and so on down to bin 1 (at least o_1); the remaining, least
    uncertain inputs keep the router's choice. table[b, c] = the more precise of c and o_b. Tied
    uncertainties are never split: a tied group falls in the lower bin, so at most m are escalated.
    """
    u, _, order = _check_inputs(u_val, choice_val, precision_order)
    if not 0.0 <= float(escalate_share) <= 1.0:
        raise ConfigError(f"escalate_share {escalate_share} must lie in [0, 1]")
    return _escalation(np.sort(u), order, int(round(escalate_share * u.size)), "curiosity")


def budget_policy(
    u_val: np.ndarray,
    choice_val: np.ndarray,
    precision_order: list[int],
    costs: list[float],
    budget: float,
) -> RoutingPolicy:
    """Most precision whose mean cost on the validation inputs is <= budget (`achieved_cost`).

    Candidates, from least to most precise: demote the d least uncertain inputs to the cheapest
    expert (two bins: table row 0 all cheapest, row 1 identity; d = n .. 1), the router's own
    choices, then the curiosity escalation of `curiosity_policy` with m = 1 .. n inputs per bin.
    The last candidate that fits the budget wins. ConfigError if the budget is below the cheapest
    expert's cost.
    """
    u, c, order = _check_inputs(u_val, choice_val, precision_order)
    cost = np.asarray(costs, dtype=np.float64)
    if cost.shape != (len(order),) or not np.all(np.isfinite(cost)) or np.any(cost < 0):
        raise ConfigError(f"costs {list(costs)} must be {len(order)} finite non-negative numbers")
    cheapest = int(np.argmin(cost))
    if not math.isfinite(budget) or budget < cost[cheapest]:
        raise ConfigError(
            f"budget {budget} is below the cheapest expert's cost {cost[cheapest]} "
            f"(expert {cheapest})"
        )
    u_sorted = np.sort(u)
    n, e = u.size, len(order)
    demote_table = np.array([[cheapest] * e, list(range(e))])
    candidates = []
    for d in range(n, 0, -1):
        t = _cut(u_sorted, d)
        candidates.append(
            RoutingPolicy([], demote_table[:1], "budget")
            if t is None
            else RoutingPolicy([t], demote_table, "budget")
        )
    candidates += [_escalation(u_sorted, order, m, "budget") for m in range(n + 1)]
    best, best_cost, seen = None, math.inf, set()
    for pol in candidates:
        key = (tuple(pol.thresholds), pol.table.tobytes())
        if key in seen:
            continue
        seen.add(key)
        mean_cost = float(cost[pol.route(c, u)].mean())
        if mean_cost <= budget * (1 + 1e-12):
            best, best_cost = pol, mean_cost
    best.achieved_cost = best_cost
    return best

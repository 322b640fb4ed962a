"""Statistics over several seeds × folds: the router study (docs/statistics.md, "Router study").

A *unit* is one (seed, fold): the two models trained with that seed and that fold held out, each
measured on the device over the fold's clips. Latency spread is compared with Levene / Brown–
Forsythe on deviations from each (unit, router) cell's centre, so that fold-to-fold and seed-to-
seed shifts of the mean do not count as spread, and with a sign-flip permutation test that treats
the unit, not the inference, as the replicate. F1 and modelled energy are paired over units.
Holm's step-down correction runs across the pooled comparisons; each pooled verdict also says how
many seeds agree on their own.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as st

from qmoe.stats.verdicts import bootstrap_ci


def holm(pvalues: list[float | None]) -> list[float | None]:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1); None stays None."""
    idx = [i for i, p in enumerate(pvalues) if p is not None]
    order = sorted(idx, key=lambda i: pvalues[i])
    m = len(order)
    out: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        out[i] = running
    return out


def cell_deviations(x: np.ndarray, cells: np.ndarray, center: str) -> np.ndarray:
    """|x − centre of x's cell| for every value; centre "mean" (Levene) or "median" (B–F)."""
    f = np.median if center == "median" else np.mean
    dev = np.empty(len(x), dtype=np.float64)
    for c in np.unique(cells):
        m = cells == c
        dev[m] = np.abs(x[m] - f(x[m]))
    return dev


def stratified_levene(
    x: np.ndarray, is_b: np.ndarray, strata: np.ndarray, center: str
) -> tuple[float, float]:
    """Levene's W (F of a one-way ANOVA of the absolute deviations) between groups a and b, with
    each deviation taken from the centre of its own (stratum, group) cell.

    With one stratum this is scipy.stats.levene(a, b, center=center) (tests check it). NaN when
    the deviations are constant in both groups.
    """
    x, is_b = np.asarray(x, np.float64), np.asarray(is_b, bool)
    cells = np.asarray(strata).astype(np.int64) * 2 + is_b
    dev = cell_deviations(x, cells, center)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = st.f_oneway(dev[~is_b], dev[is_b])
    return float(res.statistic), float(res.pvalue)


def sign_flip_test(d: np.ndarray, n_perm: int, rng: np.random.Generator) -> float:
    """Two-sided p of mean(d) = 0 against the distribution under random signs of the units' d
    (exact for up to 16 units, else `n_perm` random flips, p = (hits + 1) / (n_perm + 1))."""
    d = np.asarray(d, np.float64)
    t = abs(d.mean())
    tol = 1e-12 * max(1.0, np.abs(d).max(initial=0))
    if len(d) <= 16:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=len(d))))
        return float(np.mean(np.abs(signs @ d / len(d)) >= t - tol))
    signs = rng.choice((1.0, -1.0), size=(n_perm, len(d)))
    hits = int(np.sum(np.abs(signs @ d / len(d)) >= t - tol))
    return (hits + 1) / (n_perm + 1)


def _spread(x: np.ndarray, center: str) -> float:
    """Per-cell spread: the sample std (Levene) or mean |x − median| (Brown–Forsythe)."""
    if center == "median":
        return float(np.mean(np.abs(x - np.median(x))))
    return float(np.std(x, ddof=1)) if len(x) > 1 else 0.0


@dataclass
class Unit:
    """One seed × fold: latencies, device macro-F1 and modelled energy of router a and router b."""

    seed: int
    fold: int
    lat_a: np.ndarray
    lat_b: np.ndarray
    f1_a: float
    f1_b: float
    uj_a: float | None = None
    uj_b: float | None = None


@dataclass
class StudyVerdict:
    """One pooled comparison: effect and CI, p and Holm p, and how each seed answered alone."""

    key: str
    question: str
    test: str
    effect: float | None  # in `effect_unit`
    effect_unit: str  # "%" or "points"
    ci: tuple[float, float] | None
    p: float | None
    p_holm: float | None = None
    significant: bool = False
    seeds_significant: int = 0  # seeds whose own test is significant, in the pooled direction
    seeds_same_direction: int = 0
    seeds: int = 0
    per_seed: list[dict] | None = None
    note: str = ""

    @property
    def agreement(self) -> str:
        """How many seeds agree, e.g. "2 of 5 seeds significant alone, 4 of 5 same direction"."""
        return (
            f"{self.seeds_significant} of {self.seeds} seeds significant alone, "
            f"{self.seeds_same_direction} of {self.seeds} in the same direction"
        )

    def effect_text(self) -> str:
        if self.effect is None:
            return "no effect figure"
        u = " %" if self.effect_unit == "%" else " points"
        ci = f" [{self.ci[0]:+.1f}, {self.ci[1]:+.1f}]" if self.ci else ""
        return f"{self.effect:+.1f}{u}{ci}"

    def sentence(self, a: str, b: str) -> str:
        """The verdict in words, with its stability over seeds."""
        if self.p is None:
            return f"{self.question}: no test ({self.note})"
        how = f"{self.test}, Holm p {eq_p(self.p_holm)}; {self.agreement}"
        if self.significant:
            out = f"{self.question}: {b} vs {a} {self.effect_text()} ({how})"
        else:
            out = (
                f"{self.question}: no evidence of a difference between {b} and {a} "
                f"({self.effect_text()}; {how})"
            )
        return out + (f"; {self.note}" if self.note else "")


def eq_p(p: float | None) -> str:
    """ "= 0.03" or "< 0.001", to follow "p"."""
    return "< 0.001" if p is not None and p < 0.001 else f"= {fmt_p(p)}"


def fmt_p(p: float | None) -> str:
    return "–" if p is None else ("< 0.001" if p < 0.001 else f"{p:.2g}")


# ---------------------------------------------------------------------------- the comparisons


def _per_seed(units: list[Unit]) -> dict[int, list[Unit]]:
    out: dict[int, list[Unit]] = {}
    for u in units:
        out.setdefault(u.seed, []).append(u)
    return dict(sorted(out.items()))


def _stack(units: list[Unit]):
    x = np.concatenate([np.concatenate([u.lat_a, u.lat_b]) for u in units])
    is_b = np.concatenate(
        [np.r_[np.zeros(len(u.lat_a), bool), np.ones(len(u.lat_b), bool)] for u in units]
    )
    strata = np.concatenate([np.full(len(u.lat_a) + len(u.lat_b), i) for i, u in enumerate(units)])
    return x, is_b, strata


def _spread_sums(units: list[Unit], center: str) -> np.ndarray:
    """Per unit: (sum of squared deviations or of |deviations| for a, count term, same for b),
    so a pooled spread ratio can be recomputed on bootstrap resamples of units."""
    rows = []
    for u in units:
        row = []
        for lat in (u.lat_a, u.lat_b):
            if center == "median":
                row += [float(np.sum(np.abs(lat - np.median(lat)))), float(len(lat))]
            else:
                row += [float(np.sum((lat - lat.mean()) ** 2)), float(max(0, len(lat) - 1))]
        rows.append(row)
    return np.array(rows)


def _pooled_change(s: np.ndarray, center: str) -> np.ndarray:
    """Pooled spread of b relative to a, in % (rows of resamples: shape (B, units, 4))."""
    a, b = s[..., 0].sum(-1) / s[..., 1].sum(-1), s[..., 2].sum(-1) / s[..., 3].sum(-1)
    if center == "mean":
        a, b = np.sqrt(a), np.sqrt(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100 * (b / a - 1)


def spread_verdict(
    units: list[Unit], center: str, alpha: float, n_boot: int, rng: np.random.Generator
) -> StudyVerdict:
    """Levene (center "mean") or Brown–Forsythe ("median") pooled over every seed × fold cell,
    with each seed's own test (its folds as strata)."""
    name = "Brown–Forsythe" if center == "median" else "Levene"
    what = "mean absolute deviation from the median" if center == "median" else "std"
    x, is_b, strata = _stack(units)
    w, p = stratified_levene(x, is_b, strata, center)
    s = _spread_sums(units, center)
    eff = float(_pooled_change(s, center))
    idx = np.arange(len(units))
    ci = bootstrap_ci(
        lambda i: _pooled_change(s[i.astype(int)], center), [idx], n_boot=n_boot, rng=rng
    )
    per = []
    for seed, us in _per_seed(units).items():
        xs, bs, ss = _stack(us)
        ws, ps = stratified_levene(xs, bs, ss, center)
        per.append(
            {
                "seed": seed,
                "effect": float(_pooled_change(_spread_sums(us, center), center)),
                "statistic": ws,
                "p": ps if math.isfinite(ps) else None,
            }
        )
    v = StudyVerdict(
        f"spread_{center}",
        f"latency spread ({what} per seed × fold cell)",
        name,
        eff if math.isfinite(eff) else None,
        "%",
        ci,
        p if math.isfinite(p) else None,
        per_seed=per,
    )
    if v.p is None:
        v.note = "latency does not vary within any cell: no spread to compare"
    return v


def permutation_verdict(
    units: list[Unit], alpha: float, n_perm: int, rng: np.random.Generator
) -> StudyVerdict:
    """Sign-flip permutation test of the mean per-unit difference in latency std (b − a): under
    no router effect the two models of a seed × fold are exchangeable. Units are the replicates."""
    d = np.array([_spread(u.lat_b, "mean") - _spread(u.lat_a, "mean") for u in units])
    sa = np.array([_spread(u.lat_a, "mean") for u in units])
    eff = 100 * d.sum() / sa.sum() if sa.sum() > 0 else None
    ci = None
    if sa.sum() > 0:
        ci = bootstrap_ci(
            lambda dd, aa: 100 * dd.sum(1) / aa.sum(1), [d, sa], n_boot=2000, rng=rng, paired=True
        )
    p = sign_flip_test(d, n_perm, rng) if np.any(d != 0) else None
    per = []
    for seed, us in _per_seed(units).items():
        ds = np.array([_spread(u.lat_b, "mean") - _spread(u.lat_a, "mean") for u in us])
        a_s = sum(_spread(u.lat_a, "mean") for u in us)
        per.append(
            {
                "seed": seed,
                "effect": 100 * ds.sum() / a_s if a_s > 0 else None,
                "p": sign_flip_test(ds, n_perm, rng) if np.any(ds != 0) else None,
            }
        )
    folds = min(len(us) for us in _per_seed(units).values())
    floor = 2.0 / 2**folds
    note = (
        f"with {folds} folds per seed a seed's own permutation p cannot go below {floor:.3g}"
        if floor >= alpha
        else ""
    )
    return StudyVerdict(
        "spread_permutation",
        "latency std per seed × fold (units permuted)",
        "sign-flip permutation",
        eff,
        "%",
        ci,
        p,
        per_seed=per,
        note=note if p is not None else "latency std equal in every unit",
    )


def _paired(
    key: str, question: str, d: np.ndarray, units: list[Unit], effect, unit: str, rng, alpha
) -> StudyVerdict:
    """Paired t over units of the differences d; each seed's paired t over its folds."""
    p = None
    if len(d) >= 2 and np.std(d) > 0:
        p = float(st.ttest_1samp(d, 0.0).pvalue)
    per = []
    seeds = _per_seed(units)
    pos = 0
    for seed, us in seeds.items():
        ds = d[pos : pos + len(us)]
        pos += len(us)
        ps = float(st.ttest_1samp(ds, 0.0).pvalue) if len(ds) >= 2 and np.std(ds) > 0 else None
        per.append({"seed": seed, "effect": float(effect(ds)), "p": ps})
    ci = bootstrap_ci(lambda x: effect(x, axis=1), [d], n_boot=2000, rng=rng)
    v = StudyVerdict(key, question, "paired t", float(effect(d)), unit, ci, p, per_seed=per)
    if p is None:
        v.note = "the difference is the same in every seed × fold: nothing to test"
    return v


def f1_verdict(units: list[Unit], alpha: float, rng) -> StudyVerdict:
    units = _sorted(units)
    d = 100 * np.array([u.f1_b - u.f1_a for u in units])
    return _paired(
        "f1",
        "device macro-F1 per seed × fold",
        d,
        units,
        lambda x, axis=None: np.mean(x, axis=axis),
        "points",
        rng,
        alpha,
    )


def energy_verdict(units: list[Unit], alpha: float, rng) -> StudyVerdict | None:
    """Modelled energy per inference: paired t on the log ratio b/a; effect = geometric mean
    change in %. None when a unit has no energy figure."""
    if any(not (u.uj_a and u.uj_b and u.uj_a > 0 and u.uj_b > 0) for u in units):
        return None
    units = _sorted(units)
    d = np.log(np.array([u.uj_b / u.uj_a for u in units]))
    return _paired(
        "energy",
        "modelled energy per inference",
        d,
        units,
        lambda x, axis=None: 100 * (np.exp(np.mean(x, axis=axis)) - 1),
        "%",
        rng,
        alpha,
    )


def _sorted(units: list[Unit]) -> list[Unit]:
    return sorted(units, key=lambda u: (u.seed, u.fold))


def study_verdicts(
    units: list[Unit],
    *,
    alpha: float = 0.05,
    n_boot: int = 2000,
    n_perm: int = 20000,
    seed: int = 0,
) -> list[StudyVerdict]:
    """Every pooled comparison of router b against router a, Holm-adjusted together, each with
    the count of seeds that agree."""
    units = _sorted(units)
    rng = np.random.default_rng(seed)
    vs = [
        spread_verdict(units, "median", alpha, n_boot, rng),
        spread_verdict(units, "mean", alpha, n_boot, rng),
        permutation_verdict(units, alpha, n_perm, rng),
        f1_verdict(units, alpha, rng),
    ]
    e = energy_verdict(units, alpha, rng)
    vs += [e] if e else []
    for v, ph in zip(vs, holm([v.p for v in vs])):
        v.p_holm = ph
        v.significant = ph is not None and ph < alpha
        v.seeds = len(v.per_seed or [])
        sign = np.sign(v.effect or 0)
        same = [
            s
            for s in v.per_seed or []
            if s["effect"] is not None and np.sign(s["effect"]) == sign and sign != 0
        ]
        v.seeds_same_direction = len(same)
        v.seeds_significant = sum(1 for s in same if s["p"] is not None and s["p"] < alpha)
    return vs

"""The tests behind `qmoe-host compare`, each returning a Verdict with a plain sentence.

Device runs: latency variance (Levene, Brown–Forsythe), mean latency (Welch), accuracy (McNemar's
exact test on paired samples, Fisher's otherwise), energy. Cross-validation runs: per-fold
macro-F1 (paired t, Wilcoxon signed-rank, TOST equivalence). Degenerate data (zero variance,
identical results, too few folds) give a verdict without a test whose sentence says why.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from scipy import stats as st

from qmoe.stats.load import Run

UNIT_WORDS = {"emulated-instructions": "emulated instructions", "cycles": "cycles", "ns": "ns"}


@dataclass
class Verdict:
    """One question, its test, and the answer in numbers and in a sentence.

    `statistic` and `p` are None when no test was run (the sentence says why); `significant` is
    true only when a test was run and rejected its null hypothesis at alpha (for TOST: equivalence
    was shown). `ci` is a bootstrap interval at `ci_level` except for TOST (the 1 − 2α t interval).
    """

    question: str
    test: str
    statistic: float | None
    p: float | None
    effect: dict
    ci: tuple[float, float] | None
    significant: bool
    sentence: str
    ci_level: float = 0.95


def fmt_num(x, digits: int = 4) -> str:
    """A number for tables and sentences: 4 significant digits, "–" for None or non-finite."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, (bool, str, int, np.integer)):
        return str(x)
    if 10**digits <= abs(x) < 1e15:
        return f"{x:.0f}"  # counter values: whole units, not 2.042e+04
    return f"{x:.{digits}g}"


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


# ------------------------------------------------------------------------ statistical pieces


def bootstrap_ci(
    stat: Callable[..., np.ndarray],
    data: Sequence[np.ndarray],
    *,
    n_boot: int,
    rng: np.random.Generator,
    level: float = 0.95,
    paired: bool = False,
    chunk: int = 2_000_000,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of `stat` over resamples of `data`.

    `stat` maps arrays of shape (B, n_i) — B resamples of each input — to B values. Inputs are
    resampled independently, or with the same indices when `paired` (equal lengths). Non-finite
    resample values are dropped; None if fewer than half remain or n_boot is 0.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in data]
    if n_boot <= 0 or any(a.size == 0 for a in arrays):
        return None
    step = max(1, chunk // max(a.size for a in arrays))
    values = []
    with np.errstate(divide="ignore", invalid="ignore"):  # e.g. a resample with zero spread
        for lo in range(0, n_boot, step):
            b = min(step, n_boot - lo)
            if paired:
                idx = rng.integers(0, arrays[0].size, (b, arrays[0].size))
                values.append(stat(*(a[idx] for a in arrays)))
            else:
                values.append(stat(*(a[rng.integers(0, a.size, (b, a.size))] for a in arrays)))
    v = np.concatenate(values)
    v = v[np.isfinite(v)]
    if v.size < n_boot / 2:
        return None
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(v, [tail, 100 - tail])
    return float(lo), float(hi)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p from the discordant counts (binomial, p = 1/2)."""
    n = a_only + b_only
    if n == 0:
        return 1.0
    return float(st.binomtest(min(a_only, b_only), n, 0.5).pvalue)


def tost_paired(d: np.ndarray, margin: float) -> dict:
    """Two one-sided paired t-tests of the differences d against ±margin (H0: |mean| >= margin).

    Returns t and p of the lower test (H0: mean <= −margin) and the upper test (H0: mean >=
    +margin); the TOST p is the larger p. Needs at least 2 differences with non-zero spread.
    """
    d = np.asarray(d, dtype=np.float64)
    lower = st.ttest_1samp(d, -margin, alternative="greater")
    upper = st.ttest_1samp(d, margin, alternative="less")
    return {
        "t_lower": float(lower.statistic),
        "p_lower": float(lower.pvalue),
        "t_upper": float(upper.statistic),
        "p_upper": float(upper.pvalue),
        "p": float(max(lower.pvalue, upper.pvalue)),
    }


def _std(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if len(x) > 1 else 0.0


def _no_test(question: str, test: str, why: str, effect: dict | None = None) -> Verdict:
    return Verdict(question, test, None, None, effect or {}, None, False, why)


@contextmanager
def _quiet():
    """Silence numpy/scipy warnings on degenerate data: the caller checks the result instead."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _finite(*xs) -> bool:
    return all(x is not None and math.isfinite(x) for x in xs)


# ------------------------------------------------------------------------ device runs


def subjects(a: Run, b: Run) -> tuple[str, str]:
    """How sentences name the baseline and the other run: by router when only the router differs."""
    if a.router and b.router and a.router != b.router and a.experts == b.experts:
        return f"{a.router} routing", f"{b.router} routing"
    return a.display, b.display


def variance_verdicts(
    a: Run, b: Run, sa: str, sb: str, alpha: float, n_boot: int, rng: np.random.Generator
) -> list[Verdict]:
    """Levene (center mean) and Brown–Forsythe (center median) on per-inference latency.

    Effect: both stds, their ratio b/a and the reduction in %; CI: bootstrap of the std ratio.
    """
    xa, xb, unit = a.latency, b.latency, UNIT_WORDS.get(a.unit, a.unit)
    q = f"latency variance: {sb} vs {sa}"
    tests = (
        ("mean", "Levene (mean)", "Levene"),
        ("median", "Brown–Forsythe (median)", "Brown–Forsythe"),
    )
    if min(len(xa), len(xb)) < 2:
        why = (
            f"no variance test: {sa} has {len(xa)} and {sb} {len(xb)} inferences; each run "
            "needs at least 2"
        )
        return [_no_test(q, t, why) for _, t, _ in tests]
    sda, sdb = _std(xa), _std(xb)
    effect = {
        "std_a": sda,
        "std_b": sdb,
        "std_ratio": sdb / sda if sda > 0 else None,
        "std_reduction_pct": 100 * (1 - sdb / sda) if sda > 0 else None,
    }
    if sda == 0 and sdb == 0:
        why = (
            f"latency did not vary in either run ({sa}: {xa[0]:g}, {sb}: {xb[0]:g} {unit} for "
            "every inference), so there is no variance to test"
        )
        return [_no_test(q, t, why, effect) for _, t, _ in tests]
    ci = None
    if sda > 0:
        ci = bootstrap_ci(
            lambda u, v: np.std(v, 1, ddof=1) / np.std(u, 1, ddof=1),
            [xa, xb],
            n_boot=n_boot,
            rng=rng,
        )
    if sda > 0:
        pct = effect["std_reduction_pct"]
        change = (
            f"{sb} {'reduced' if pct >= 0 else 'increased'} latency std by {abs(pct):.0f} % "
            f"vs {sa} ({fmt_num(sda)} → {fmt_num(sdb)} {unit}"
        )
    else:
        change = (
            f"{sb} has latency std {fmt_num(sdb)} {unit} where {sa} has none "
            f"({fmt_num(xa[0])} {unit}"
        )
    out = []
    for center, test, short in tests:
        with _quiet():
            stat, p = st.levene(xa, xb, center=center)
        if not _finite(stat, p):
            out.append(
                _no_test(
                    q,
                    test,
                    f"no {short} test: the deviations from the {center} are "
                    "constant within both runs, so the test is undefined",
                    effect,
                )
            )
            continue
        sig = bool(p < alpha)
        sentence = (
            f"{change}; {short} {_fmt_p(p)})"
            if sig
            else f"no evidence of a difference in latency variance between {sb} and {sa} "
            f"({short} {_fmt_p(p)}; std {fmt_num(sdb)} vs {fmt_num(sda)} {unit})"
        )
        out.append(Verdict(q, test, float(stat), float(p), effect, ci, sig, sentence))
    return out


def mean_verdict(
    a: Run, b: Run, sa: str, sb: str, alpha: float, n_boot: int, rng: np.random.Generator
) -> Verdict:
    """Welch's t on mean latency, Cohen's d (pooled SD), bootstrap CI of the mean difference."""
    xa, xb, unit = a.latency, b.latency, UNIT_WORDS.get(a.unit, a.unit)
    q, test = f"mean latency: {sb} vs {sa}", "Welch t"
    ma, mb = float(np.mean(xa)), float(np.mean(xb))
    na, nb = len(xa), len(xb)
    pooled = math.sqrt(((na - 1) * _std(xa) ** 2 + (nb - 1) * _std(xb) ** 2) / max(1, na + nb - 2))
    effect = {
        "mean_a": ma,
        "mean_b": mb,
        "diff": mb - ma,
        "diff_pct": 100 * (mb - ma) / ma if ma else None,
        "cohens_d": (mb - ma) / pooled if pooled > 0 else None,
    }
    if min(na, nb) < 2:
        return _no_test(
            q,
            test,
            f"no Welch test: each run needs at least 2 inferences ({sa}: {na}, {sb}: {nb})",
            effect,
        )
    if pooled == 0:
        same = "the same" if ma == mb else f"{mb:g} vs {ma:g} {unit}, an exact difference"
        return _no_test(
            q,
            test,
            f"no Welch test: latency is constant in both runs ({same}), so "
            "there is no sampling error to test",
            effect,
        )
    with _quiet():
        stat, p = st.ttest_ind(xb, xa, equal_var=False)
    if not _finite(stat, p):
        return _no_test(
            q, test, "no Welch test: the t statistic is undefined for these data", effect
        )
    ci = bootstrap_ci(lambda u, v: v.mean(1) - u.mean(1), [xa, xb], n_boot=n_boot, rng=rng)
    sig = bool(p < alpha)
    d = effect["cohens_d"]
    if sig:
        rel = f", {abs(effect['diff_pct']):.1f} %" if effect["diff_pct"] is not None else ""
        less = mb < ma
        sentence = (
            f"{sb} has {'lower' if less else 'higher'} mean latency than {sa}: "
            f"{fmt_num(mb)} vs {fmt_num(ma)} {unit} ({fmt_num(abs(mb - ma))} "
            f"{'less' if less else 'more'}{rel}; Welch {_fmt_p(p)}, Cohen's d = {d:.2f})"
        )
    else:
        sentence = (
            f"no evidence of a difference in mean latency between {sb} and {sa} "
            f"({fmt_num(mb)} vs {fmt_num(ma)} {unit}; Welch {_fmt_p(p)})"
        )
    return Verdict(q, test, float(stat), float(p), effect, ci, sig, sentence)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def accuracy_verdict(
    a: Run, b: Run, sa: str, sb: str, alpha: float, n_boot: int, rng: np.random.Generator
) -> Verdict:
    """McNemar's exact test on the samples both runs measured, else Fisher's exact test.

    Effect and CI (bootstrap, paired when the samples are) in percentage points.
    """
    q = f"accuracy: {sb} vs {sa}"
    if a.label_set != b.label_set:
        return _no_test(
            q,
            "McNemar exact",
            f"accuracy not compared: {sa} uses label set {a.label_set!r} and {sb} {b.label_set!r}",
        )
    common = a.paired_with(b)
    if common is not None:
        ra, rb = common
        a_only, b_only = int(np.sum(ra & ~rb)), int(np.sum(~ra & rb))
        acc_a, acc_b = float(ra.mean()), float(rb.mean())
        effect = {
            "accuracy_a_pct": 100 * acc_a,
            "accuracy_b_pct": 100 * acc_b,
            "diff_pts": 100 * (acc_b - acc_a),
            "a_only_right": a_only,
            "b_only_right": b_only,
            "n_paired": len(ra),
        }
        test = "McNemar exact"
        if a_only + b_only == 0:
            return _no_test(
                q,
                test,
                f"{sb} and {sa} were right and wrong on exactly the same "
                f"{len(ra)} samples: no discordant pairs, nothing to test",
                effect,
            )
        p, stat = mcnemar_exact(a_only, b_only), float(min(a_only, b_only))
        ci = bootstrap_ci(
            lambda u, v: 100 * (v.mean(1) - u.mean(1)),
            [ra, rb],
            n_boot=n_boot,
            rng=rng,
            paired=True,
        )
        how = f"on the same {len(ra)} samples"
    else:
        ra, rb = a.correct, b.correct
        acc_a, acc_b = float(ra.mean()), float(rb.mean())
        effect = {
            "accuracy_a_pct": 100 * acc_a,
            "accuracy_b_pct": 100 * acc_b,
            "diff_pts": 100 * (acc_b - acc_a),
        }
        test = "Fisher exact (unpaired)"
        table = [[int(ra.sum()), int((~ra).sum())], [int(rb.sum()), int((~rb).sum())]]
        stat, p = st.fisher_exact(table)
        stat, p = (float(stat) if math.isfinite(stat) else None), float(p)
        ci = bootstrap_ci(
            lambda u, v: 100 * (v.mean(1) - u.mean(1)), [ra, rb], n_boot=n_boot, rng=rng
        )
        how = f"on different samples ({len(ra)} and {len(rb)})"
    sig = bool(p < alpha)
    short = test.split(" (")[0]
    if sig:
        sentence = (
            f"{sb} is {'more' if acc_b > acc_a else 'less'} accurate than {sa} {how}: "
            f"{_pct(acc_b)} vs {_pct(acc_a)} ({short} {_fmt_p(p)})"
        )
    else:
        sentence = (
            f"no evidence of a difference in accuracy between {sb} ({_pct(acc_b)}) and "
            f"{sa} ({_pct(acc_a)}) {how} ({short} {_fmt_p(p)})"
        )
    return Verdict(q, test, stat, p, effect, ci, sig, sentence)


def energy_verdict(a: Run, b: Run, sa: str, sb: str) -> Verdict | None:
    """The ratio of energy per inference (one figure per run: no test); None without energy."""
    if not (a.energy and b.energy):
        return None
    q, test = f"energy per inference: {sb} vs {sa}", "ratio (no test)"
    ea, eb = a.energy.get("uj_per_inference"), b.energy.get("uj_per_inference")
    la, lb = a.energy.get("label", ""), b.energy.get("label", "")
    if not _finite(ea, eb) or ea <= 0:
        return _no_test(q, test, f"energy not compared: {sa} reports {ea} and {sb} {eb} µJ")
    if la != lb:
        return _no_test(
            q, test, f"energy not compared: the sources differ ({sa}: {la!r}; {sb}: {lb!r})"
        )
    pct = 100 * (1 - eb / ea)
    effect = {"uj_a": ea, "uj_b": eb, "ratio": eb / ea, "reduction_pct": pct}
    sentence = (
        f"{sb} uses {abs(pct):.0f} % {'less' if pct >= 0 else 'more'} energy per "
        f"inference than {sa} ({eb:.4g} vs {ea:.4g} µJ; {la}; one figure per run, no test)"
    )
    return Verdict(q, test, None, None, effect, None, False, sentence)


# ------------------------------------------------------------------------ cross-validation runs


def _pts(x: float) -> str:
    """Signed F1 points: one decimal, more digits for differences under a tenth of a point."""
    return f"{x:+.1f}" if abs(x) >= 0.1 or x == 0 else f"{x:+.2g}"


def _paired_t(q: str, d: np.ndarray, base: dict, ci, sa: str, sb: str, alpha: float) -> Verdict:
    k, md, sd = len(d), base["mean_diff_pts"], base["sd_diff_pts"]
    t = st.ttest_1samp(d, 0.0)  # the paired t-test is the one-sample t-test of the differences
    p, sig = float(t.pvalue), bool(t.pvalue < alpha)
    sentence = (
        f"{sb} scored {_pts(md)} F1 points vs {sa} on average over {k} folds (paired t "
        f"{_fmt_p(p)}, dz = {md / sd:.2f})"
        if sig
        else f"no evidence of a difference in macro-F1 between {sb} and {sa} over {k} folds "
        f"(paired t {_fmt_p(p)}; mean difference {_pts(md)} points)"
    )
    return Verdict(
        q, "paired t", float(t.statistic), p, {**base, "cohens_dz": md / sd}, ci, sig, sentence
    )


def _wilcoxon(q: str, d: np.ndarray, base: dict, ci, sa: str, sb: str, alpha: float) -> Verdict:
    k, nz = len(d), d[d != 0]
    ranks = st.rankdata(np.abs(nz))
    w_plus, w_minus = float(ranks[nz > 0].sum()), float(ranks[nz < 0].sum())
    effect = {
        **base,
        "median_diff_pts": float(np.median(d)),
        "rank_biserial": (w_plus - w_minus) / (w_plus + w_minus),
    }
    w = st.wilcoxon(d)
    p, sig = float(w.pvalue), bool(w.pvalue < alpha)
    floor = 2.0 / 2**nz.size
    s = "" if nz.size == 1 else "s"
    note = (
        f"; with {nz.size} non-zero difference{s} the smallest possible exact p is {floor:.3g}"
        if floor >= alpha
        else ""
    )
    sentence = (
        f"{sb} scored {'higher' if w_plus > w_minus else 'lower'} macro-F1 than {sa} "
        f"across {k} folds (Wilcoxon {_fmt_p(p)})"
        if sig
        else f"no evidence of a difference in macro-F1 between {sb} and {sa} across {k} folds "
        f"(Wilcoxon {_fmt_p(p)}{note})"
    )
    return Verdict(q, "Wilcoxon signed-rank", float(w.statistic), p, effect, ci, sig, sentence)


def _tost(
    q: str, d: np.ndarray, base: dict, margin: float, sa: str, sb: str, alpha: float
) -> Verdict:
    k, md, sd, m_pts = len(d), base["mean_diff_pts"], base["sd_diff_pts"], 100 * margin
    r = tost_paired(d, m_pts)
    half = st.t.ppf(1 - alpha, k - 1) * sd / math.sqrt(k)
    ci = (md - half, md + half)
    effect = {
        **base,
        "margin_pts": m_pts,
        **{key: r[key] for key in ("t_lower", "p_lower", "t_upper", "p_upper")},
    }
    binding = "t_lower" if r["p_lower"] >= r["p_upper"] else "t_upper"
    sig = bool(r["p"] < alpha)
    sentence = (
        f"{sb} is equivalent to {sa} within ±{m_pts:g} F1 points (TOST {_fmt_p(r['p'])})"
        if sig
        else f"equivalence of {sb} and {sa} not shown within ±{m_pts:g} F1 points (TOST "
        f"{_fmt_p(r['p'])}; mean difference {_pts(md)} points, "
        f"{100 * (1 - 2 * alpha):g} % CI [{ci[0]:.1f}, {ci[1]:.1f}])"
    )
    return Verdict(
        q,
        f"TOST (margin ±{margin:g})",
        r[binding],
        r["p"],
        effect,
        ci,
        sig,
        sentence,
        ci_level=1 - 2 * alpha,
    )


def fold_verdicts(
    a: Run,
    b: Run,
    sa: str,
    sb: str,
    alpha: float,
    margin: float,
    n_boot: int,
    rng: np.random.Generator,
) -> list[Verdict]:
    """Per-fold macro-F1 of two CV runs, folds matched by number: paired t, Wilcoxon, TOST.

    Differences are in F1 points (b − a); `margin` is a fraction of F1 (0.02 = 2 points).
    """
    folds = sorted(set(a.fold_f1) & set(b.fold_f1))
    q = f"macro-F1 across folds: {sb} vs {sa}"
    m_pts = 100 * margin
    tests = ["paired t", "Wilcoxon signed-rank", f"TOST (margin ±{margin:g})"]
    if len(folds) < 3:
        why = (
            f"no fold test: {sb} and {sa} share {len(folds)} fold(s) ({folds}); paired tests "
            "across folds need at least 3"
        )
        return [_no_test(q, t, why) for t in tests]
    d = 100 * np.array([b.fold_f1[k] - a.fold_f1[k] for k in folds])
    k, md, sd = len(d), float(d.mean()), _std(d)
    base = {"folds": k, "mean_diff_pts": md, "sd_diff_pts": sd}
    if sd == 0:
        if md == 0:
            why = f"identical macro-F1 in all {k} folds: nothing to test"
        else:
            inside = "inside" if abs(md) < m_pts else "outside"
            why = (
                f"{sb} differs from {sa} by exactly {_pts(md)} F1 points in every one of {k} "
                f"folds ({inside} the ±{m_pts:g}-point margin): zero spread, no test needed"
            )
        return [_no_test(q, t, why, dict(base)) for t in tests]
    ci = bootstrap_ci(lambda u: u.mean(1), [d], n_boot=n_boot, rng=rng)
    return [
        _paired_t(q, d, base, ci, sa, sb, alpha),
        _wilcoxon(q, d, base, ci, sa, sb, alpha),
        _tost(q, d, base, margin, sa, sb, alpha),
    ]

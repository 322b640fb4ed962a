"""`qmoe-host router-study`: curiosity vs softmax routing over several seeds × every fold, on the
device.

For each seed: train both routed mixtures (same experts, same seed: they differ in the router
only) with each fold held out in turn; build every fold's model for the board, run it (qemu-m4,
native where QEMU or the cross compiler is missing) and measure it on the clips of the fold it held
out through the measure path, every answer checked against the golden model. Then compare latency
spread, device macro-F1 and modelled energy over the seed × fold units (qmoe.stats.study) and write
router_study.json and router_study.md. Method: docs/statistics.md, "Router study".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from qmoe.environment import environment
from qmoe.errors import ConfigError
from qmoe.runio import safe_name, write_json_atomic
from qmoe.stats.compare import clean_json
from qmoe.stats.study import StudyVerdict, Unit, fmt_p, study_verdicts
from qmoe.train.config import TrainConfig

ROUTERS = ("softmax", "curiosity")  # a (the baseline) and b
LABELS = {
    "spread_median": "latency spread, Brown–Forsythe",
    "spread_mean": "latency spread, Levene",
    "spread_permutation": "latency std, permutation",
    "f1": "device macro-F1, paired t",
    "energy": "modelled energy, paired t",
}
QUICK = {"epochs": 10, "qat_epochs": 5, "router_epochs": 5, "hidden": (32, 16)}


@dataclass
class RouterStudyResult:
    out: Path
    board: str
    board_note: str
    unit: str
    seeds: list[int]
    folds: list[int]
    units: list[Unit]
    verdicts: list[StudyVerdict]
    seconds: float

    @property
    def names(self) -> tuple[str, str]:
        return f"{ROUTERS[0]} routing", f"{ROUTERS[1]} routing"

    def table(self) -> str:
        """One row per comparison: effect of curiosity [95 % CI], p, Holm p, seeds that agree."""
        head = ["comparison", "effect [95 % CI]", "p", "Holm p", "seeds signif.", "same dir."]
        rows = [
            [
                LABELS.get(v.key, v.key),
                v.effect_text(),
                fmt_p(v.p),
                fmt_p(v.p_holm),
                f"{v.seeds_significant}/{v.seeds}",
                f"{v.seeds_same_direction}/{v.seeds}",
            ]
            for v in self.verdicts
        ]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
        return "\n".join([fmt(head), *map(fmt, rows)])

    def lines(self) -> list[str]:
        """The verdicts in words, one line each."""
        a, b = self.names
        return [f"- {v.sentence(a, b)}" for v in self.verdicts]


def _check(seeds: int, folds: list[int] | None, n: int | None) -> None:
    if not isinstance(seeds, int) or seeds < 2:
        raise ConfigError(f"seeds = {seeds!r}: a study over seeds needs at least 2")
    if folds is not None and len(folds) < 1:
        raise ConfigError("folds: give at least one fold")
    if n is not None and n < 2:
        raise ConfigError(f"n = {n}: each fold needs at least 2 clips for a latency spread")


def router_study(
    out: Path,
    data_dir: Path,
    *,
    seeds: int = 5,
    first_seed: int = 0,
    folds: list[int] | None = None,
    experts: str = "ternary,4,8",
    board: str | None = None,
    n: int | None = None,
    window_n: int = 20,
    quick: bool = False,
    threads: int | None = None,
    alpha: float = 0.05,
    n_boot: int = 2000,
    say: Callable[[str], object] = print,
) -> RouterStudyResult:
    """`qmoe-host router-study`: train, measure and compare curiosity against softmax routing
    for `seeds` seeds (from `first_seed`) × `folds` (default: every official fold) on the
    built-in data at `data_dir` (written with seed 0 when missing). `quick`: fewer clips and
    epochs, a smoke test."""
    from qmoe.api import load_features, parse_variant
    from qmoe.api import train as run_train
    from qmoe.data import generate_builtin
    from qmoe.mainjob import pick_board
    from qmoe.measure import measure_on_board
    from qmoe.stats.load import load_run, macro_f1

    _check(seeds, folds, n)
    t0 = time.perf_counter()
    out, data_dir = Path(out), Path(data_dir)
    if not (data_dir / "meta" / "esc50.csv").exists():
        generate_builtin(data_dir, seed=0, clips_per_class=12 if quick else 40)
    fd, fe = load_features("builtin", data_dir)
    all_folds = sorted(set(fd.folds.tolist()))
    folds = all_folds if folds is None else list(folds)
    if any(f not in all_folds for f in folds):
        raise ConfigError(f"folds {folds}: the dataset has folds {all_folds}")
    note = ""
    if board is None:
        board, note = pick_board()
    say(
        f"router study: {seeds} seeds × {len(folds)} folds × {len(ROUTERS)} routers on {board}"
        + (f" ({note})" if note else "")
    )
    units: list[Unit] = []
    unit_name = ""
    seed_list = list(range(first_seed, first_seed + seeds))
    for seed in seed_list:
        ts = time.perf_counter()
        base = TrainConfig(seed=seed)
        base = replace(base, **QUICK) if quick else base
        configs = [parse_variant(f"{experts}@{r}", base) for r in ROUTERS]
        sdir = out / f"seed{seed}"
        tr = run_train(
            fd, fe, configs, sdir / "train", folds=folds, progress=False, threads=threads
        )
        runs = {}
        for cfg, router in zip(configs, ROUTERS):
            for fold in folds:
                model = tr.out / safe_name(cfg.name) / "models" / f"fold{fold}.qmoe"
                dev = measure_on_board(
                    board,
                    model,
                    sdir / "device" / router / f"fold{fold}",
                    data_dir,
                    n=n,
                    window_n=window_n,
                )
                runs[router, fold] = load_run(dev.run_dir)
        for fold in folds:
            a, b = runs[ROUTERS[0], fold], runs[ROUTERS[1], fold]
            unit_name = a.unit
            k = len(a.class_names)
            units.append(
                Unit(
                    seed,
                    fold,
                    a.latency,
                    b.latency,
                    float(macro_f1(a.labels, a.preds, k)[0]),
                    float(macro_f1(b.labels, b.preds, k)[0]),
                    (a.energy or {}).get("uj_per_inference"),
                    (b.energy or {}).get("uj_per_inference"),
                )
            )
        say(
            f"  seed {seed}: trained and measured {2 * len(folds)} models in "
            f"{time.perf_counter() - ts:.0f} s"
        )
    verdicts = study_verdicts(units, alpha=alpha, n_boot=n_boot, seed=first_seed)
    res = RouterStudyResult(
        out, board, note, unit_name, seed_list, folds, units, verdicts, time.perf_counter() - t0
    )
    write_study(res, alpha, threads)
    return res


def _unit_row(u: Unit) -> dict:
    sd = lambda x: float(np.std(x, ddof=1)) if len(x) > 1 else 0.0  # noqa: E731
    return {
        "seed": u.seed,
        "fold": u.fold,
        "n": int(len(u.lat_a)),
        "latency_mean": [float(u.lat_a.mean()), float(u.lat_b.mean())],
        "latency_std": [sd(u.lat_a), sd(u.lat_b)],
        "macro_f1": [u.f1_a, u.f1_b],
        "uj_per_inference": [u.uj_a, u.uj_b],
    }


def write_study(res: RouterStudyResult, alpha: float, threads: int | None) -> None:
    """router_study.json (everything) and router_study.md (tables and sentences) in res.out."""
    a, b = res.names
    settings = {
        "routers": list(ROUTERS),
        "baseline": a,
        "board": res.board,
        "board_note": res.board_note,
        "counter_unit": res.unit,
        "seeds": res.seeds,
        "folds": res.folds,
        "alpha": alpha,
        "seconds": res.seconds,
    }
    doc = {
        "settings": settings,
        "environment": environment(res.seeds, threads),
        "verdicts": [asdict(v) for v in res.verdicts],
        "sentences": [v.sentence(a, b) for v in res.verdicts],
        "units": [_unit_row(u) for u in res.units],
    }
    write_json_atomic(res.out / "router_study.json", clean_json(doc))
    (res.out / "router_study.md").write_text(markdown(res, alpha))


def markdown(res: RouterStudyResult, alpha: float) -> str:
    a, b = res.names
    unit = res.unit.replace("-", " ")
    lines = [
        f"# Router study: {b} vs {a}",
        "",
        f"{len(res.seeds)} seeds ({', '.join(map(str, res.seeds))}) × folds "
        f"{', '.join(map(str, res.folds))} on {res.board}"
        + (f" ({res.board_note})" if res.board_note else "")
        + f"; latency in {unit}; alpha {alpha}, Holm-adjusted across the {len(res.verdicts)} "
        f"comparisons; {res.seconds:.0f} s.",
        "",
        "| question | test | effect of curiosity [95 % CI] | p | Holm p | significant | seeds |",
        "|---|---|---|---:|---:|---|---|",
    ]
    for v in res.verdicts:
        lines.append(
            f"| {v.question} | {v.test} | {v.effect_text()} | {fmt_p(v.p)} | {fmt_p(v.p_holm)} "
            f"| {'yes' if v.significant else 'no'} | {v.agreement} |"
        )
    lines += ["", "## In words", "", *res.lines(), "", "## Per seed", ""]
    head = [v for v in res.verdicts if v.per_seed]
    lines.append("| seed | " + " | ".join(f"{LABELS[v.key]}: effect, p" for v in head) + " |")
    lines.append("|---|" + "---|" * len(head))
    for i, seed in enumerate(res.seeds):
        cells = []
        for v in head:
            s = v.per_seed[i]
            e = "–" if s["effect"] is None else f"{s['effect']:+.1f}"
            cells.append(f"{e}, {fmt_p(s['p'])}")
        lines.append(f"| {seed} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Per seed × fold",
        "",
        f"| seed | fold | n | latency std {a} | {b} | macro-F1 % {a} | {b} "
        f"| µJ/inference {a} | {b} |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for u in res.units:
        r = _unit_row(u)
        uj = ["–" if x is None else f"{x:.3g}" for x in r["uj_per_inference"]]
        lines.append(
            f"| {u.seed} | {u.fold} | {r['n']} | {r['latency_std'][0]:.0f} | "
            f"{r['latency_std'][1]:.0f} | {100 * u.f1_a:.1f} | {100 * u.f1_b:.1f} | "
            f"{uj[0]} | {uj[1]} |"
        )
    return "\n".join(lines) + "\n"

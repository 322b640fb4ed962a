"""Summaries of a measurement run folder (docs/measure.md): accuracy, golden mismatches, latency
statistics per expert and router choice, energy per inference, F1 per mJ."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qmoe.energy import f1_per_mj
from qmoe.runfolder import Inference, Window, load_device_run
from qmoe.train.metrics import fold_metrics


def latency_stats(values) -> dict:
    """mean, std (ddof=1), p50, p95, p99, min, max and n of counter values."""
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        return {"n": 0}
    return {
        "n": int(a.size),
        "mean": float(a.mean()),
        "std": float(a.std(ddof=1)) if a.size > 1 else 0.0,
        "p50": float(np.percentile(a, 50)),
        "p95": float(np.percentile(a, 95)),
        "p99": float(np.percentile(a, 99)),
        "min": float(a.min()),
        "max": float(a.max()),
    }


def summarize(run_dir: Path) -> dict:
    """The summary.json of a device run folder (loaded and checked by qmoe.runfolder)."""
    run = load_device_run(run_dir, require_inferences=False)
    inf = run.inferences
    classes = run.class_names
    experts = run.model.experts
    n_exp = len(experts)
    y, pred, expert = run.column("label"), run.column("pred"), run.column("expert")
    total = run.column("counters.total", np.float64)
    mism = [
        {
            "i": r.i,
            "sample": r.sample,
            "device": {"pred": r.pred, "expert": r.expert},
            "golden": {"pred": r.golden.pred, "expert": r.golden.expert},
        }
        for r in inf
        if r.golden is not None and not r.golden.match
    ]
    out = {
        "samples": len(inf),
        "counter_unit": run.unit,
        "mismatches": mism,
        "latency": latency_stats(total),
        "frontend": latency_stats(
            [r.counters.frontend for r in inf if r.counters.frontend is not None]
        ),
        "latency_per_expert": {
            experts[e]: latency_stats(total[expert == e])
            for e in range(n_exp)
            if np.any(expert == e)
        },
        "expert_share": (np.bincount(expert, minlength=n_exp) / max(1, len(inf))).tolist(),
        "link": link_summary(inf),
    }
    if len(inf):
        out.update(fold_metrics(y, pred, len(classes)))
    if run.windows:
        out["windows"] = window_summary(
            run.windows, np.asarray(out["expert_share"]), out.get("macro_f1")
        )
        if "energy" in out["windows"]:
            out["energy"] = out["windows"].pop("energy")
    return out


def link_summary(inf: tuple[Inference, ...]) -> dict:
    """How the serial link fared: requests sent again after a damaged exchange, and faults the
    host recovered from by finding the device again (a reset, lost bytes, a dropped connection),
    with the samples they happened at. Runs from before this record have no `link` field (0)."""
    return {
        "retried_requests": int(sum(r.retried for r in inf)),
        "resyncs": int(sum(r.resyncs for r in inf)),
        "resynced_samples": [r.i for r in inf if r.resyncs],
    }


def window_summary(win: tuple[Window, ...], share: np.ndarray, macro_f1: float | None) -> dict:
    """Per expert the median over its windows (MLPerf Tiny) of the per-inference counter and energy,
    and the routing-weighted energy per inference (each expert's energy times its sample share).
    """
    per_expert: dict[int, dict] = {}
    for e in sorted({w.expert for w in win}):
        ws = [w for w in win if w.expert == e]
        uj = [
            w.energy["uj_per_inference"]
            for w in ws
            if w.energy and w.energy.get("uj_per_inference") is not None
        ]
        per_expert[e] = {
            "windows": len(ws),
            "n": ws[0].n,
            "per_inference_median": float(np.median([w.per_inference for w in ws])),
            "uj_median": float(np.median(uj)) if uj else None,
        }
    out = {"count": len(win), "per_expert": {str(k): v for k, v in per_expert.items()}}
    with_uj = {e: v["uj_median"] for e, v in per_expert.items() if v["uj_median"] is not None}
    if with_uj:
        weight = sum(share[e] for e in with_uj)
        mix = sum(share[e] * v for e, v in with_uj.items()) / max(1e-12, weight)
        out["energy"] = {
            "uj_per_inference": float(mix),
            "source": (win[0].energy or {}).get("source", ""),
            "label": (win[0].energy or {}).get("label", ""),
            "per_expert_uj": {str(k): v for k, v in with_uj.items()},
        }
        if macro_f1 is not None and mix > 0:
            out["energy"]["f1_per_mj"] = f1_per_mj(macro_f1, mix)
    return out

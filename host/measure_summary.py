"""Summaries of a measurement run folder (docs/measure.md): accuracy, golden mismatches, latency
statistics per expert and router choice, energy per inference, F1 per mJ."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qmoe.train.metrics import fold_metrics


def read_jsonl(path: Path) -> list[dict]:
    """Every complete line of a JSONL file (a torn last line is ignored)."""
    if not Path(path).exists():
        return []
    out = []
    for line in Path(path).read_text().splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        out.append(json.loads(line))
    return out


def latency_stats(values) -> dict:
    """mean, std (ddof=1), p50, p95, p99, min, max and n of counter values."""
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        return {"n": 0}
    return {"n": int(a.size), "mean": float(a.mean()), "std": float(a.std(ddof=1)) if a.size > 1 else 0.0,
            "p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)),
            "p99": float(np.percentile(a, 99)), "min": float(a.min()), "max": float(a.max())}


def summarize(run_dir: Path) -> dict:
    """The summary.json of a device run folder."""
    run_dir = Path(run_dir)
    run = json.loads((run_dir / "run.json").read_text())
    inf = read_jsonl(run_dir / "inferences.jsonl")
    win = read_jsonl(run_dir / "windows.jsonl")
    classes = run["model"]["class_names"]
    n_exp = len(run["model"]["experts"])
    y = np.array([r["label"] for r in inf], dtype=np.int64)
    pred = np.array([r["pred"] for r in inf], dtype=np.int64)
    total = np.array([r["counters"]["total"] for r in inf], dtype=np.float64)
    expert = np.array([r["expert"] for r in inf], dtype=np.int64)
    mism = [{"i": r["i"], "sample": r["sample"], "device": {k: r[k] for k in ("pred", "expert")},
             "golden": {k: r["golden"][k] for k in ("pred", "expert")}}
            for r in inf if not r["golden"]["match"]]
    out = {
        "samples": len(inf),
        "counter_unit": run["board"]["counter"]["unit"],
        "mismatches": mism,
        "latency": latency_stats(total),
        "frontend": latency_stats([r["counters"]["frontend"] for r in inf]),
        "latency_per_expert": {run["model"]["experts"][e]: latency_stats(total[expert == e])
                               for e in range(n_exp) if np.any(expert == e)},
        "expert_share": (np.bincount(expert, minlength=n_exp) / max(1, len(inf))).tolist(),
    }
    if len(inf):
        out.update(fold_metrics(y, pred, len(classes)))
    if win:
        per = [w["per_inference"] for w in win]
        out["windows"] = {"n": len(win), "per_inference": latency_stats(per)}
        uj = [w["energy"]["uj_per_inference"] for w in win
              if w.get("energy") and w["energy"].get("uj_per_inference") is not None]
        if uj:
            share = np.asarray(out["expert_share"])
            by_expert = {w["expert"]: w["energy"]["uj_per_inference"] for w in win
                         if w.get("energy") and w["energy"].get("uj_per_inference") is not None}
            # routing-weighted energy: each expert's window energy times its share of the samples
            mix = sum(share[e] * v for e, v in by_expert.items()) / max(1e-12, sum(
                share[e] for e in by_expert))
            label = win[0]["energy"].get("label", "")
            out["energy"] = {"uj_per_inference": float(mix), "source": win[0]["energy"]["source"],
                             "label": label, "per_expert_uj": {str(k): v for k, v in by_expert.items()}}
            if "macro_f1" in out and mix > 0:
                out["energy"]["f1_per_mj"] = out["macro_f1"] / (mix / 1000.0)
    return out

"""report.md: the header of every run, the plots and tables, the comparison, and the warnings."""

from __future__ import annotations

import time
from dataclasses import dataclass

from qmoe import __version__
from qmoe.measure_summary import latency_stats
from qmoe.report.compare import CompareSection
from qmoe.report.load import COUNTER_MEANING, RunView
from qmoe.report.markdown import demote
from qmoe.report.summary import (
    f1_per_mj,
    f1_text,
    mismatch_warning,
    num,
    size_text,
)


@dataclass
class Plot:
    """A plot written to `plots/<file>`, with the caption shown under it."""

    file: str
    caption: str

    def markdown(self) -> str:
        """The Markdown image line (the caption is also the alt text)."""
        return f"![{self.caption}](plots/{self.file})"


def table(head: list[str], rows: list[list[str]]) -> str:
    """A Markdown pipe table (cells must not contain '|')."""
    esc = lambda c: str(c).replace("|", "/")  # noqa: E731
    lines = ["| " + " | ".join(map(esc, head)) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(map(esc, r)) + " |" for r in rows])


def _classes(v: RunView) -> str:
    names = ", ".join(v.class_names[:12]) + (", …" if len(v.class_names) > 12 else "")
    return f"{v.label_set or '?'} ({len(v.class_names)} classes: {names})"


def _golden(v: RunView) -> str:
    if not v.golden_checked:
        return "not recorded (the run has no golden-model check)"
    if v.mismatches:
        return f"**{len(v.mismatches)} of {v.golden_checked}: MUST BE 0, see the warning above**"
    return f"0 of {v.golden_checked} (every answer bit-exact with the golden model)"


def _device_info(v: RunView) -> str:
    """Versions from the device's INFO reply, and whether the hash it reported is the model's."""
    parts = [f"{k.replace('_', ' ')} {val}" for k, val in v.device.items() if "version" in k]
    reported = v.device.get("model_hash")
    if reported:
        parts.append(
            "reports the model hash above"
            if reported == v.model_hash
            else f"**reports another model hash: {reported}**"
        )
    return ", ".join(parts) or "-"


def _device_header(v: RunView) -> list[list[str]]:
    b, meta = v.board, v.meta
    c = b.get("counter") or {}
    clock = b.get("clock_hz")
    emulated = b.get("emulated")
    if v.unit == "ns":
        kind = "a host process (native build)"
    elif emulated or (emulated is None and v.unit == "emulated-instructions"):
        kind = "emulated (QEMU)"
    else:
        kind = "real hardware"
    data = meta.get("data") or {}
    energy = (
        f"`{v.energy_source}`: {v.energy_label}"
        if v.energy_source or v.energy_label
        else "none recorded"
    )
    datasheet = (meta.get("power") or {}).get("datasheet") or (b.get("power") or {}).get("source")
    if datasheet and v.energy_source == "model" and v.energy_uj is not None:
        energy += f" (datasheet: {datasheet})"
    experts = " / ".join(v.expert_names)
    model = meta.get("model") or {}
    at = f" at {clock / 1e6:g} MHz" if clock else ""
    rows = [
        ["board", f"{b.get('name', '?')}: core {b.get('core', '?')}{at}, {kind}"],
        [
            "counter",
            f"{c.get('kind', '?')}: {COUNTER_MEANING.get(v.unit, v.unit)}; "
            f"{c.get('per_tick', 1)} {v.unit_label} per tick",
        ],
        ["energy source", energy],
        [
            "dataset",
            f"{v.dataset or '?'}, folds {data.get('folds', '?')}, input {data.get('input', '?')}",
        ],
        ["label set", _classes(v)],
        [
            "model",
            f"{v.model_name}: router {v.router or 'none'}, experts {experts}, "
            f"{size_text(v)}, RAM arena {model.get('arena_bytes', '?')} B",
        ],
        ["model hash", f"`{v.model_hash or '?'}`"],
    ]
    if v.device:
        rows.append(["device", _device_info(v)])
    rows += [
        ["samples", str(v.samples)],
        ["golden-model mismatches", _golden(v)],
        ["date", v.started or "?"],
        ["qmoe version", v.qmoe_version or "?"],
    ]
    return rows


def _cv_header(views: list[RunView]) -> str:
    v, meta = views[0], views[0].meta
    rows = [
        ["board", "none: host cross-validation in PyTorch (no device, no latency, no energy)"],
        ["dataset", f"{v.dataset or '?'}, folds {meta.get('folds', '?')}"],
        ["label set", _classes(v)],
        ["samples", f"{meta.get('rows', v.samples)} (every sample held out once)"],
        ["golden-model mismatches", "not applicable (no device)"],
        ["date", v.started or "?"],
        ["qmoe version", v.qmoe_version or "?"],
    ]
    if meta.get("command"):
        rows.append(["command", "`" + " ".join(map(str, meta["command"])) + "`"])
    variants = table(
        ["variant", "router", "experts", "macro-F1 %", "accuracy %", "size", "model hash"],
        [
            [
                x.name,
                x.router or "none",
                " / ".join(x.expert_names),
                f1_text(x, label=False),
                f"{100 * x.accuracy:.1f}",
                size_text(x),
                f"`{x.model_hash[:16]}…`" if x.model_hash else "not lowerable (float)",
            ]
            for x in views
        ],
    )
    return table(["field", "value"], rows) + "\n\n" + variants


def runs_section(views: list[RunView]) -> str:
    """One header per folder given: device runs get every field, training runs a variant table."""
    out = ["## Runs", ""]
    by_source: dict[str, list[RunView]] = {}
    for v in views:
        by_source.setdefault(str(v.source), []).append(v)
    for src, members in by_source.items():
        first = members[0]
        if first.kind == "device":
            out += [
                f"### {first.name}",
                "",
                f"Folder: `{src}`",
                "",
                table(["field", "value"], _device_header(first)),
                "",
            ]
        else:
            out += [f"### host cross-validation: `{src}`", "", _cv_header(members), ""]
    return "\n".join(out)


def latency_section(views: list[RunView], plots: dict[str, Plot]) -> str:
    """Latency histograms and percentile tables of the device runs."""
    devs = [v for v in views if v.latency is not None]
    out = ["## Latency per inference", ""]
    if not devs:
        return "\n".join(out + ["No device runs: latency is measured on a device only.", ""])
    out += [
        "Router + expert per inference, from the board's counter, in the unit each run's "
        "counter counts (front end excluded).",
        "",
    ]
    out += [plots[k].markdown() for k in ("latency_router", "latency_expert") if k in plots]
    rows = []
    for v in devs:
        rows.append(_lat_row(v, "all", v.latency))
        for e, name in enumerate(v.expert_names):
            sel = v.latency[v.expert == e]
            if sel.size:
                share = 100 * sel.size / v.latency.size
                rows.append(_lat_row(v, f"expert {e} ({name}), {share:.0f} %", sel))
    head = ["run", "inputs", "n", "mean", "std", "p50", "p95", "p99", "min", "max", "unit"]
    return "\n".join(out + ["", table(head, rows), ""])


def _lat_row(v: RunView, which: str, values) -> list[str]:
    s = latency_stats(values)
    return (
        [v.name, which, str(s["n"])]
        + [num(s[k]) for k in ("mean", "std", "p50", "p95", "p99", "min", "max")]
        + [v.unit_label]
    )


def uncertainty_section(views: list[RunView], plots: dict[str, Plot]) -> str:
    """The curiosity router's uncertainty: distribution and mean per class."""
    out = ["## Uncertainty (curiosity routing)", ""]
    if "uncertainty_hist" not in plots and "uncertainty_per_class" not in plots:
        return "\n".join(out + ["No curiosity-routed run: nothing to show.", ""])
    out += [
        "The summed variance of the router's class probabilities over its T dropout passes: "
        "higher means the router is less sure, and the policy sends the input to a larger "
        "expert. Device values are reported in units of 2^-30 and converted here.",
        "",
    ]
    out += [
        plots[k].markdown() for k in ("uncertainty_hist", "uncertainty_per_class") if k in plots
    ]
    return "\n".join(out + [""])


def accuracy_section(views: list[RunView], plots: dict[str, Plot]) -> str:
    """Macro-F1 against size, a table, and the confusion matrices."""
    out = ["## Accuracy and model size", ""]
    if "f1_vs_size" in plots:
        out += [plots["f1_vs_size"].markdown(), ""]
    rows = [
        [
            v.name,
            "device" if v.kind == "device" else "host CV",
            f1_text(v, label=False),
            f"{100 * v.accuracy:.1f}",
            size_text(v),
            str(v.samples),
        ]
        for v in views
    ]
    out += [
        table(["run", "kind", "macro-F1 %", "accuracy %", "size", "samples"], rows),
        "",
        "### Confusion matrices",
        "",
        "Rows are the true class, columns the predicted one; the diagonal is correct. "
        "Cross-validation matrices add up every held-out fold.",
        "",
    ]
    out += [p.markdown() for k, p in plots.items() if k.startswith("confusion")]
    return "\n".join(out + [""])


def energy_section(views: list[RunView], plots: dict[str, Plot]) -> str:
    """Energy per inference and F1 per mJ, with the source of every figure."""
    out = ["## Energy per inference", ""]
    runs = [v for v in views if v.energy_uj is not None]
    if not runs:
        return "\n".join(
            out + ["No run has an energy figure (host cross-validation runs measure none).", ""]
        )
    out += [
        "Energy of a window of N back-to-back inferences divided by N (median over "
        "windows). `model` figures are datasheet currents times measured time, not "
        "measurements.",
        "",
        plots["energy"].markdown(),
        "",
    ]
    rows = [
        [v.name, f"{v.energy_uj:.4g}", f"{f1_per_mj(v):.4g}", v.energy_source, v.energy_label]
        for v in runs
    ]
    return "\n".join(
        out + [table(["run", "µJ / inference", "macro-F1 per mJ", "source", "label"], rows), ""]
    )


def compare_section(sections: list[CompareSection], notes: list[str]) -> str:
    """The tables and sentences of `qmoe-host compare` for every group of comparable runs."""
    if not sections and not notes:
        return ""
    out = ["## Comparison (`qmoe-host compare`)", ""]
    for sec in sections:
        out += [f"### {sec.title}", "", "Runs: " + ", ".join(sec.runs), ""]
        if sec.error:
            out += [f"> **Not compared:** {sec.error}", ""]
            continue
        out += [demote(sec.markdown, 1), ""]
    out += [f"- {n}" for n in notes]
    return "\n".join(out + [""])


def build_markdown(
    views: list[RunView],
    plots: dict[str, Plot],
    sections: list[CompareSection],
    notes: list[str],
    summary: list[str],
    title: str,
) -> str:
    """The whole report.md."""
    warnings = [w for w in map(mismatch_warning, views) if w]
    head = [
        f"# {title}",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M:%S %z')} by qmoe {__version__} from "
        f"{len(views)} run(s). How to read it: docs/report.md in qmoe.",
        "",
    ]
    for w in warnings:
        head += [
            f"> **WARNING: golden-model mismatch.** {w}. The device does not compute what "
            "the model file says; its figures do not describe the trained model.",
            "",
        ]
    head += ["## Summary", "", "```", *summary, "```", ""]
    parts = [
        runs_section(views),
        latency_section(views, plots),
        uncertainty_section(views, plots),
        accuracy_section(views, plots),
        energy_section(views, plots),
        compare_section(sections, notes),
    ]
    return "\n".join(head) + "\n" + "\n".join(p for p in parts if p)

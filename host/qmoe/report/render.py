"""report.md, written to be read top-down: warnings, headline verdicts, one table of every
variant, the plots, then the details folded in <details> blocks (docs/report.md)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from qmoe import __version__
from qmoe.measure_summary import latency_stats
from qmoe.report.compare import CompareSection
from qmoe.report.headers import cv_header, device_headers, table
from qmoe.report.load import COUNTER_MEANING, RunView
from qmoe.report.routers import RouterPair
from qmoe.report.routers import to_markdown as routers_markdown
from qmoe.report.summary import f1_per_mj, f1_text, mismatch_warning, num, size_text


@dataclass
class Plot:
    """A plot written to `plots/<file>`, with the caption shown under it."""

    file: str
    caption: str

    def markdown(self) -> str:
        """The Markdown image line (the caption is also the alt text)."""
        return f"![{self.caption}](plots/{self.file})"


def folded(summary: str, body: str) -> str:
    """A <details> block: closed on the page, `summary` on its one visible line."""
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>\n"


def title_for(views: list[RunView]) -> str:
    """ "qmoe report: 7 device runs on qemu-m4, 8 host cross-validated variants" (no run names)."""
    devs = [v for v in views if v.kind == "device"]
    cv = len(views) - len(devs)
    parts = []
    if devs:
        boards = ", ".join(dict.fromkeys(str(v.board.get("name", "?")) for v in devs))
        parts.append(f"{len(devs)} device run{'s' * (len(devs) != 1)} on {boards}")
    if cv:
        parts.append(f"{cv} host cross-validated variant{'s' * (cv != 1)}")
    return "qmoe report: " + ", ".join(parts)


# ---- the one table of every variant -------------------------------------------------------------


def energy_note(devs: list[RunView]) -> tuple[str, bool]:
    """Where the energy figures come from, said once; True when runs differ (then each row
    names its source)."""
    labels = list(dict.fromkeys(v.energy_label or v.energy_source or "none recorded" for v in devs))
    if not labels:
        return "", False
    if len(labels) == 1:
        text = labels[0].rstrip(".")
        return (
            text[0].upper() + text[1:] if text.startswith("energy") else f"Energy: {text}"
        ) + ".", False
    return "Energy sources: " + "; ".join(f"({i + 1}) {x}" for i, x in enumerate(labels)), True


def variant_rows(views: list[RunView]) -> tuple[list[str], list[list[str]], list[str]]:
    """Head, rows and notes of the one table: a row per model (and board), with its host CV
    macro-F1 beside its device figures."""
    devs = [v for v in views if v.kind == "device"]
    cvs = {v.model_name: v for v in views if v.kind == "cv"}
    units = list(dict.fromkeys(v.unit_label for v in devs))
    boards = list(dict.fromkeys(str(v.board.get("name", "?")) for v in devs))
    note, per_row_energy = energy_note(devs)
    labels = list(dict.fromkeys(v.energy_label or v.energy_source or "none recorded" for v in devs))
    unit = f" ({units[0]})" if len(units) == 1 else ""
    head = ["variant", "host CV macro-F1 %"]
    if devs:
        head += [
            "device macro-F1 %",
            "model B",
            f"latency mean{unit}",
            "std",
            "p95",
            "µJ / inference",
            "golden mismatches",
        ]
        if len(boards) > 1:
            head.insert(1, "board")
        if len(units) > 1:
            head.append("unit")
        if per_row_energy:
            head.append("energy source")
    else:
        head += ["accuracy %", "size"]
    rows: list[list[str]] = []
    done: set[str] = set()
    order = list(
        dict.fromkeys(
            [v.model_name for v in views if v.kind == "cv"] + [v.model_name for v in devs]
        )
    )
    for name in order:
        cv = cvs.get(name)
        cv_f1 = f1_text(cv, label=False) if cv else "-"
        mine = [d for d in devs if d.model_name == name]
        first = cv or mine[0]
        base = [name, cv_f1]
        if not devs:
            rows.append(base + [f"{100 * first.accuracy:.1f}", size_text(first)])
            continue
        if not mine:
            why = "float: not deployable" if cv and cv.size_kind == "weights" else "not measured"
            row = base + [f"({why})", size_text(cv).replace("flash ", "") if cv else "-"]
            row += ["-"] * (len(head) - len(row))
            if len(boards) > 1:
                row.insert(1, "-")
            rows.append(row)
            continue
        for d in mine:
            s = latency_stats(d.latency) if d.latency is not None and d.latency.size else None
            row = base + [
                f1_text(d, label=False),
                f"{d.size_bytes:,}" if d.size_bytes else "?",
                num(s["mean"]) if s else "-",
                num(s["std"]) if s else "-",
                num(s["p95"]) if s else "-",
                f"{d.energy_uj:.3g}" if d.energy_uj is not None else "-",
                f"**{len(d.mismatches)}**" if d.mismatches else f"0 of {d.golden_checked}",
            ]
            if len(boards) > 1:
                row.insert(1, str(d.board.get("name", "?")))
            if len(units) > 1:
                row.append(d.unit_label)
            if per_row_energy:
                row.append(
                    f"({labels.index(d.energy_label or d.energy_source or 'none recorded') + 1})"
                )
            rows.append(row)
        done.add(name)
    notes = []
    if devs:
        counters = list(dict.fromkeys(v.unit or "" for v in devs))
        notes.append(
            "Latency: router + expert per inference (front end excluded), counted in "
            + "; ".join(COUNTER_MEANING.get(u, u) for u in counters)
            + "."
        )
        notes.append(
            "Model B: the bytes of flash the model's constants take (weights, biases, "
            "requantization and routing tables), not the whole firmware image; the image size "
            "is printed by `qmoe-host build` (and by the main job's step [2/4])."
        )
        notes.append(note)
    if cvs:
        notes.append(
            "Host CV: macro-F1 over the held-out folds of the training run (mean ± std over "
            "folds); device: macro-F1 on the samples streamed to the board."
        )
    return head, rows, notes


def variants_section(views: list[RunView]) -> str:
    """## All variants: the one table, and what its columns count, said once."""
    head, rows, notes = variant_rows(views)
    out = ["## All variants", "", table(head, rows), ""]
    return "\n".join(out + [f"- {n}" for n in notes if n]) + "\n"


# ---- the verdicts at the top --------------------------------------------------------------------


def headline_section(
    views: list[RunView], pairs: list[RouterPair], sections: list[CompareSection]
) -> str:
    """## Verdicts: routers, golden model, accuracy and size, latency; one line each."""
    out = ["## Verdicts", ""]
    for p in pairs:
        out.append(f"- **Routers:** {p.headline()}")
        out += [f"  - {v.sentence}" for v in p.variance()]
    if not pairs and any(v.router == "curiosity" for v in views):
        out.append(
            "- **Routers:** no softmax run with the same experts on the same board to compare "
            "the curiosity router with."
        )
    devs = [v for v in views if v.kind == "device"]
    if devs:
        bad = [v for v in devs if v.mismatches]
        checked = sum(v.golden_checked for v in devs)
        out.append(
            f"- **Golden model:** {sum(len(v.mismatches) for v in devs)} mismatches in {checked} "
            f"checked inferences over {len(devs)} device runs"
            + (" — see the warnings above." if bad else " (every answer bit-exact).")
        )
    ranked = sorted(views, key=lambda v: -v.macro_f1)
    cv = [v for v in ranked if v.kind == "cv"]
    if cv:
        best = cv[0]
        out.append(
            f"- **Most accurate (host CV):** {best.name}, macro-F1 {f1_text(best, False)} %."
        )
    if devs:
        best = max(devs, key=lambda v: v.macro_f1)
        out.append(
            f"- **Most accurate on the device:** {best.name}, macro-F1 "
            f"{100 * best.macro_f1:.1f} % on {best.samples} samples."
        )
        small = min((v for v in devs if v.size_bytes), key=lambda v: v.size_bytes, default=None)
        if small:
            out.append(
                f"- **Smallest model:** {small.name}, {small.size_bytes:,} B of model constants, "
                f"device macro-F1 {100 * small.macro_f1:.1f} %."
            )
        timed = [v for v in devs if v.latency is not None and v.latency.size]
        if timed:
            fast = min(timed, key=lambda v: float(v.latency.mean()))
            out.append(
                f"- **Lowest mean latency:** {fast.name}, {num(float(fast.latency.mean()))} "
                f"{fast.unit_label} per inference."
            )
    for sec in sections:
        if sec.error:
            out.append(f"- **Not compared** ({sec.title}): {sec.error}")
    return "\n".join(out) + "\n"


# ---- plots and folded details -------------------------------------------------------------------


PLOT_ORDER = (
    ("latency_router", "Latency per inference, one panel per device run"),
    ("latency_expert", "Latency by the expert that ran"),
    ("uncertainty_hist", "Uncertainty of the curiosity router, with the policy thresholds"),
    ("uncertainty_per_class", "Mean uncertainty per true class"),
    ("f1_vs_size", "Accuracy against model size"),
    ("energy", "Energy per inference"),
)


def plots_section(plots: dict[str, Plot]) -> str:
    """## Plots: every summary plot in reading order (the confusion matrices are folded)."""
    out = ["## Plots", ""]
    shown = [(k, h) for k, h in PLOT_ORDER if k in plots]
    if not shown:
        return ""
    for key, heading in shown:
        out += [f"### {heading}", "", plots[key].markdown(), ""]
    return "\n".join(out)


def latency_table(views: list[RunView]) -> str:
    """Latency percentiles per device run and per expert."""
    rows = []
    for v in (v for v in views if v.latency is not None and v.latency.size):
        rows.append(_lat_row(v, "all", v.latency))
        for e, name in enumerate(v.expert_names):
            sel = v.latency[v.expert == e]
            if sel.size and len(v.expert_names) > 1:
                share = 100 * sel.size / v.latency.size
                rows.append(_lat_row(v, f"expert {e} ({name}), {share:.0f} %", sel))
    head = ["run", "inputs", "n", "mean", "std", "p50", "p95", "p99", "min", "max", "unit"]
    return table(head, rows) if rows else ""


def _lat_row(v: RunView, which: str, values) -> list[str]:
    s = latency_stats(values)
    return (
        [v.name, which, str(s["n"])]
        + [num(s[k]) for k in ("mean", "std", "p50", "p95", "p99", "min", "max")]
        + [v.unit_label]
    )


def accuracy_table(views: list[RunView]) -> str:
    """Macro-F1, accuracy, size and sample count of every run."""
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
    return table(["run", "kind", "macro-F1 %", "accuracy %", "size", "samples"], rows)


def energy_table(views: list[RunView]) -> str:
    """Energy per inference and F1 per mJ of the runs that have a figure (source said once)."""
    runs = [v for v in views if v.energy_uj is not None]
    if not runs:
        return ""
    rows = [[v.name, f"{v.energy_uj:.4g}", f"{f1_per_mj(v):.4g}", v.energy_source] for v in runs]
    note, _ = energy_note(runs)
    return (
        "Energy of a window of N back-to-back inferences divided by N (median over windows); "
        "`model` figures are datasheet currents times measured time, not measurements. "
        + note
        + "\n\n"
        + table(["run", "µJ / inference", "macro-F1 per mJ", "source"], rows)
    )


def compare_details(sections: list[CompareSection], notes: list[str]) -> str:
    """Every verdict of `qmoe-host compare` per group (its runs table is the table above)."""
    out = []
    for sec in sections:
        out += [f"**{sec.title}** (baseline: {sec.runs[0]}; runs: {', '.join(sec.runs)})", ""]
        if sec.error:
            out += [f"> **Not compared:** {sec.error}", ""]
            continue
        rows = [
            [
                v.question,
                v.test,
                "–" if v.p is None else f"{v.p:.3g}",
                "yes" if v.significant else "no",
            ]
            for v in sec.verdicts
        ]
        out += [table(["question", "test", "p", "significant"], rows), ""]
        out += [f"- {v.sentence}" for v in sec.verdicts] + [""]
    out += [f"- {n}" for n in notes]
    return "\n".join(out)


def confusion_grid(plots: dict[str, Plot]) -> str:
    """The confusion matrices as consecutive images (a grid on the page)."""
    return (
        "Rows are the true class, columns the predicted one; the diagonal is correct. "
        "Cross-validation matrices add up every held-out fold.\n\n"
        + "\n".join(p.markdown() for k, p in plots.items() if k.startswith("confusion"))
    )


def details_section(
    views: list[RunView],
    plots: dict[str, Plot],
    sections: list[CompareSection],
    notes: list[str],
    pairs: list[RouterPair],
    summary: list[str],
) -> str:
    """## Details: each part folded, closed by default."""
    devs = [v for v in views if v.kind == "device"]
    cvs = [v for v in views if v.kind == "cv"]
    n_conf = sum(k.startswith("confusion") for k in plots)
    parts = ["## Details", ""]
    if devs:
        parts.append(
            folded("Device runs: board, counter, dataset, model hashes", device_headers(devs))
        )
    if cvs:
        by_source: dict[str, list[RunView]] = {}
        for v in cvs:
            by_source.setdefault(str(v.source), []).append(v)
        for src, members in by_source.items():
            parts.append(folded(f"Host cross-validation: `{src}`", cv_header(members)))
    if pairs:
        parts.append(folded("Router comparison in full", routers_markdown(pairs, level=3)))
    lat = latency_table(views)
    if lat:
        parts.append(folded("Latency percentiles per run and per expert", lat))
    parts.append(folded("Accuracy and size of every run", accuracy_table(views)))
    energy = energy_table(views)
    if energy:
        parts.append(folded("Energy per inference", energy))
    if sections or notes:
        parts.append(
            folded("Every comparison (`qmoe-host compare`)", compare_details(sections, notes))
        )
    if n_conf:
        parts.append(folded(f"Confusion matrices ({n_conf})", confusion_grid(plots)))
    parts.append(folded("One-screen summary (as printed)", "```\n" + "\n".join(summary) + "\n```"))
    return "\n".join(parts)


def build_markdown(
    views: list[RunView],
    plots: dict[str, Plot],
    sections: list[CompareSection],
    notes: list[str],
    summary: list[str],
    title: str,
    pairs: list[RouterPair] | None = None,
) -> str:
    """The whole report.md."""
    pairs = pairs or []
    head = [
        f"# {title}",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M:%S %z')} by qmoe {__version__} from "
        f"{len(views)} run(s). How to read it: docs/report.md in qmoe.",
        "",
    ]
    for w in filter(None, map(mismatch_warning, views)):
        head += [
            f"> **WARNING: golden-model mismatch.** {w}. The device does not compute what "
            "the model file says; its figures do not describe the trained model.",
            "",
        ]
    parts = [
        headline_section(views, pairs, sections),
        variants_section(views),
        plots_section(plots),
        details_section(views, plots, sections, notes, pairs, summary),
    ]
    return "\n".join(head) + "\n" + "\n".join(p for p in parts if p)

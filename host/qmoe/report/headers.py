"""The folded headers of the report: every device run's board, counter, dataset, model and hash
(fields shared by all runs said once), and each training run's settings and variants."""

from __future__ import annotations

from qmoe.report.load import COUNTER_MEANING, RunView
from qmoe.report.summary import f1_text, size_text


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


def device_header(v: RunView) -> list[list[str]]:
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


def cv_header(views: list[RunView]) -> str:
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


def device_headers(devs: list[RunView]) -> str:
    """Every device run's header: the fields all runs share in one table, then one row per run
    with the fields that differ (model, hash, samples, date, …), each run's folder included."""
    headers = [dict(device_header(v)) for v in devs]
    fields = list(dict.fromkeys(k for h in headers for k in h))
    shared = [f for f in fields if len({h.get(f, "-") for h in headers}) == 1]
    differ = [f for f in fields if f not in shared]
    out = []
    if shared:
        out += [table(["field (every device run)", "value"], [[f, headers[0][f]] for f in shared])]
    rows = [
        [v.name, f"`{v.path}`"] + [h.get(f, "-") for f in differ] for v, h in zip(devs, headers)
    ]
    out += ["", table(["run", "folder", *differ], rows)]
    return "\n".join(out)

"""`qmoe-host measure`: drive a device over serial, check every answer against the golden model,
and record each inference and timing window as it arrives (docs/measure.md).

The run folder is appended one line per result, so a run cut off keeps what it had; `resume=True`
continues after the last complete line without repeating or losing a sample.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import serial
from tqdm.auto import tqdm

from qmoe import __version__
from qmoe.environment import environment
from qmoe.errors import ConfigError, QmoeError
from qmoe.measure_samples import Sample, load_samples
from qmoe.protocol import InputKind, Link, Timeouts
from qmoe.protocol.frame import ProtocolError
from qmoe.protocol.messages import InferRequest, RunWindow
from qmoe.runfolder import (
    INFERENCES,
    RUN_JSON,
    WINDOWS,
    append_record,
    read_inferences,
    read_run_json,
    write_device_meta,
    write_device_summary,
)
from qmoe.runio import truncate_torn
from qmoe_codegen.ir import IR
from qmoe_codegen.lower import lower_file
from qmoe_codegen.modelfile import read_model_file

if TYPE_CHECKING:
    from qmoe.device.result import BuildResult


class MeasureError(QmoeError):
    """The device, the model or the run folder does not allow the measurement to go on."""


class GoldenMismatch(QmoeError):
    """The device computed something other than the golden model (listed in summary.json)."""


@dataclass
class MeasureConfig:
    port: str
    model: Path
    out: Path
    dataset: str | None = None  # default: the dataset the model was trained on (provenance)
    root: Path | None = None  # default: the model's training data, where it still is
    label_set: str | None = None
    folds: list[int] | None = None  # default: the fold the model held out
    n: int | None = None  # at most this many samples
    input: str = "auto"  # "pcm", "features" or "auto" (pcm when the model has a front end)
    window_n: int = 50
    window_repeats: int = 1
    min_window_s: float = 10.0  # real boards: each window lasts at least this long, 5 repeats
    power: str = "model"
    ppk2_seconds: float = 15.0  # PPK2 recording around each window
    resume: bool = False
    attempts: int = 3  # per sample: the first try and up to 2 after a resync
    resync_s: float = 5.0  # how long a resync waits for the device to answer again
    timeouts: Timeouts | None = None  # per-request waits (qmoe.protocol.Timeouts defaults)
    trace: bool = False
    progress: bool = True
    micropython: str | None = None  # board profile whose REPL is at `port`: start qmoe_serve first


@dataclass
class MeasureResult:
    out: Path
    summary: dict
    mismatches: list[dict] = field(default_factory=list)


def _board(info):
    """The device's board profile (None when qmoe has no profile of that name) and its facts."""
    from qmoe.boards import load_board

    try:
        board = load_board(info.board)
    except QmoeError:
        board = None
    facts = {
        "name": info.board,
        "core": info.core,
        "clock_hz": info.clock_hz,
        "counter": {
            "kind": info.counter,
            "unit": info.counter_unit,
            "per_tick": info.counter_per_tick,
        },
        "emulated": board.emulated if board else None,
        "power": vars(board.power) if board else None,
    }
    if board is not None:
        facts["counter"]["unit"] = board.counter.unit  # the profile's spelling of the unit
    return board, facts


def window_energy(power: str, board, rec: dict, reply, ppk2=None) -> dict:
    """The `energy` object of one window (docs/measure.md, docs/energy.md)."""
    from qmoe.energy import board_model_energy, ina219_energy

    if power == "model":
        if board is None:
            raise MeasureError(
                f"no board profile named {rec.get('board')!r}: energy cannot be "
                "modelled; use --power ina219 or ppk2"
            )
        try:
            return board_model_energy(board, rec["total"], rec["n"]).to_dict()
        except ConfigError as exc:  # e.g. the native build: no datasheet, no modelled energy
            return {
                "source": "model",
                "uj_per_inference": None,
                "label": f"energy: not available ({exc})",
            }
    if power == "ina219":
        return ina219_energy(
            reply.energy_uj,
            reply.energy_samples,
            reply.n,
            board=board.name if board else "the device",
        ).to_dict()
    if power == "ppk2":
        return ppk2 or {"source": "ppk2", "uj_per_inference": None, "label": "no PPK2 trace"}
    raise ConfigError(f"--power {power!r}: expected model, ina219 or ppk2")


def _time_us(count: float, board: dict) -> float | None:
    unit = board["counter"]["unit"]
    if unit == "cycles" and board["clock_hz"]:
        return count / board["clock_hz"] * 1e6
    if unit == "ns":
        return count / 1000.0
    return None


def _check_identity(info, ir: IR, cfg: MeasureConfig) -> None:
    want = bytes.fromhex(ir.hash)
    if bytes(info.model_hash) != want:
        raise MeasureError(
            f"{cfg.port} runs model {bytes(info.model_hash).hex()} but {cfg.model} is "
            f"{ir.hash}: "
            "flash the model you want to measure (qmoe-host build/flash) or pass the model it runs"
        )


def _start_folder(cfg: MeasureConfig, run: dict) -> list[dict]:
    out = cfg.out
    if (out / RUN_JSON).exists():  # measure() refused an existing run without --resume already
        old = read_run_json(out, ("model", "data"))
        for key in ("hash",):
            if old["model"].get(key) != run["model"][key]:
                raise MeasureError(
                    f"{out}: resuming a run of model {str(old['model'].get(key))[:16]}… with "
                    f"model {run['model'][key][:16]}…"
                )
        if old["data"].get("samples_list") != run["data"]["samples_list"]:
            raise MeasureError(
                f"{out}: the samples differ from the interrupted run's; use the same "
                "--dataset/--root/--folds/--n"
            )
        return truncate_torn(out / INFERENCES)
    write_device_meta(out, run)
    return []


def _load_and_infer(link: Link, s: Sample):
    link.load_input(int(s.kind), s.payload)
    return link.request(InferRequest())


def _load_and_window(cfg: MeasureConfig, link: Link, s: Sample, n: int):
    link.load_input(int(s.kind), s.payload)
    return _run_window(cfg, link, n)


def _recovering(cfg: MeasureConfig, link: Link, ir: IR, exchange):
    """Run `exchange` (a whole sample: its input, then INFER or RUN_WINDOW); after a fault (no
    reply, a dropped connection, a device that reset and forgot the input), find the device again
    with Link.resync, check that it still runs the model, and run the whole exchange again, at
    most cfg.attempts times in all. The last fault is raised when every attempt failed."""
    for attempt in range(1, cfg.attempts + 1):
        try:
            return exchange()
        except (ProtocolError, serial.SerialException, OSError):
            if attempt == cfg.attempts:
                raise
            _check_identity(link.resync(cfg.resync_s), ir, cfg)


def measure(cfg: MeasureConfig) -> MeasureResult:
    """Measure `cfg.model` on the device at `cfg.port`; see docs/measure.md for what is written."""
    from qmoe.measure_summary import summarize

    for name, value in (
        ("n", cfg.n),
        ("window_n", cfg.window_n),
        ("window_repeats", cfg.window_repeats),
        ("attempts", cfg.attempts),
    ):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ConfigError(f"{name} = {value!r}: expected an integer >= 1")
    if (cfg.out / RUN_JSON).exists():
        if not cfg.resume:
            raise MeasureError(
                f"{cfg.out} already holds a run: use --resume to continue it or another --out"
            )
        read_run_json(cfg.out, ("model", "data"))  # before any work
    meta, _ = read_model_file(cfg.model)
    ir = lower_file(cfg.model)
    data = load_samples(
        meta,
        ir,
        dataset=cfg.dataset,
        root=cfg.root,
        folds=cfg.folds,
        n=cfg.n,
        label_set=cfg.label_set,
        input_mode=cfg.input,
    )
    samples, g = data.samples, data.golden
    if cfg.micropython is not None:  # docs/micropython.md
        from qmoe.boards import load_board
        from qmoe.device.micropython.repl import start_server

        start_server(load_board(cfg.micropython), cfg.port)
    try:
        link = Link.open(cfg.port, trace=cfg.trace, timeouts=cfg.timeouts)
    except QmoeError as exc:
        raise MeasureError(str(exc)) from exc
    try:
        info = link.info()
        _check_identity(info, ir, cfg)
        board_obj, board = _board(info)
        run = {
            "qmoe_version": __version__,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "board": board,
            "device": {k: (v.hex() if isinstance(v, bytes) else v) for k, v in vars(info).items()},
            "model": {
                "path": str(cfg.model),
                "hash": ir.hash,
                "name": meta.get("name"),
                "router": ir.router.kind if ir.router else "none",
                "experts": [e.label for e in ir.experts],
                "expert_flash_bytes": [
                    ir.sizes.per_owner_bytes.get(f"expert{i}", 0) for i in range(len(ir.experts))
                ],
                "flash_bytes": ir.sizes.total_flash_bytes,
                "arena_bytes": ir.memory.arena_bytes,
                "label_set": meta.get("label_set"),
                "class_names": meta["class_names"],
            },
            "data": {
                "source": f"{data.dataset}:{data.root}",
                "folds": sorted({s.fold for s in samples}),
                "input": "pcm" if samples[0].kind == InputKind.PCM_I16 else "features",
                "samples": len(samples),
                "samples_list": [s.name for s in samples],
            },
            "power": {"source": cfg.power},
            "windows": {"n": cfg.window_n, "repeats": cfg.window_repeats},
            "environment": environment(seed=meta.get("provenance", {}).get("seed")),
        }
        done = _start_folder(cfg, run)
        # The profile's per_tick is exact (qemu-m0: 62.5); INFO carries an integer.
        per_tick = board_obj.counter.per_tick if board_obj else (info.counter_per_tick or 1)
        with open(cfg.out / INFERENCES, "a") as fh:
            todo = range(len(done), len(samples))
            for i in tqdm(todo, desc="measure", unit="clip", disable=not cfg.progress, leave=False):
                s = samples[i]
                retried, resyncs = link.retried, link.resyncs
                try:
                    r = _recovering(
                        cfg,
                        link,
                        ir,
                        lambda s=s: _load_and_infer(link, s),  # noqa: B023
                    )
                except (ProtocolError, serial.SerialException, OSError) as exc:
                    raise MeasureError(
                        f"the device at {cfg.port} stopped answering at sample {i} ({s.name}): "
                        f"{exc}. "
                        f"{i} of {len(samples)} inferences are in {cfg.out / INFERENCES}; fix the "
                        f"connection and rerun with --resume"
                    ) from exc
                want = {
                    "pred": int(g.cls[i]),
                    "expert": int(g.expert[i]),
                    "choice": int(g.choice[i]),
                    "uncertainty": int(g.u_q30[i]),
                    "logits": [int(v) for v in g.logits[i]],
                }
                got = {
                    "pred": r.class_index,
                    "expert": r.expert,
                    "choice": r.router_choice,
                    "uncertainty": r.uncertainty,
                    "logits": list(r.logits),
                }
                counters = {
                    k: getattr(r, f"counter_{k}") * per_tick
                    for k in ("frontend", "router", "expert", "total")
                }
                append_record(
                    fh,
                    {
                        "i": i,
                        "sample": s.name,
                        "fold": s.fold,
                        "label": s.label,
                        **got,
                        "counters": counters,
                        "time_us": _time_us(counters["total"], board),
                        "link": {
                            "retried": link.retried - retried,
                            "resyncs": link.resyncs - resyncs,
                        },
                        "golden": {
                            **{k: want[k] for k in ("pred", "expert", "uncertainty")},
                            "match": got == want,
                        },
                    },
                )
        plan = window_plan(cfg, board_obj, cfg.out / INFERENCES)
        _windows(cfg, link, ir, samples, g, board_obj, per_tick, plan)
    finally:
        link.close()
    summary = summarize(cfg.out)
    write_device_summary(cfg.out, summary)
    return MeasureResult(cfg.out, summary, summary.get("mismatches", []))


@dataclass
class BoardMeasurement:
    """One model built, started and measured on a board that runs here (`measure_on_board`).
    The run folder it wrote loads as a qmoe.runfolder.DeviceRun (`run_dir`)."""

    built: BuildResult
    result: MeasureResult

    @property
    def run_dir(self) -> Path:
        return self.result.out


def measure_started(board: str, build_dir: Path, cfg: MeasureConfig) -> MeasureResult:
    """Start the firmware built in `build_dir` (`qmoe-host build --out`) on `board`, a board that
    runs here, measure it with `cfg` (its `port` becomes the board's) and stop the board."""
    from dataclasses import replace

    from qmoe.device.run import start_build

    with start_build(board, build_dir) as running:
        return measure(replace(cfg, port=running.url))


def measure_on_board(
    board: str,
    model: Path,
    out: Path,
    root: Path | None = None,
    *,
    dataset: str | None = None,
    input: str = "features",
    n: int | None = None,
    window_n: int = 50,
    progress: bool = False,
) -> BoardMeasurement:
    """Build `model` for `board` into `out/build`, start it, measure it into a fresh `out/run`.

    The main job's device step, for any model: audio models and embedding-CSV models alike
    (`dataset`/`root` default to the model's own data). DoesNotFit, with the numbers, when the
    model is too big for the board; the measurement's errors as `measure()`.
    """
    import shutil

    from qmoe.device.build import build

    built = build(board, model, Path(out) / "build")
    run_dir = Path(out) / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    cfg = MeasureConfig(
        port="",
        model=model,
        out=run_dir,
        dataset=dataset,
        root=root,
        input=input,
        n=n,
        window_n=window_n,
        progress=progress,
    )
    return BoardMeasurement(built, measure_started(board, built.out_dir, cfg))


def format_summary(res: MeasureResult) -> str:
    """The lines `qmoe-host measure` prints at the end."""
    s = res.summary
    unit = s["counter_unit"]
    lat = s["latency"]
    lines = [
        f"{s['samples']} inferences, accuracy {100 * s.get('accuracy', 0):.1f} %, macro-F1 "
        f"{100 * s.get('macro_f1', 0):.1f} %, golden mismatches: {len(s['mismatches'])}",
        f"latency ({unit}): mean {lat.get('mean', 0):.0f}, std {lat.get('std', 0):.0f}, "
        f"p95 {lat.get('p95', 0):.0f}",
    ]
    for name, st in s["latency_per_expert"].items():
        lines.append(f"  expert {name}: n {st['n']}, mean {st['mean']:.0f}, std {st['std']:.0f}")
    if "energy" in s:
        e = s["energy"]
        lines.append(f"energy: {e['uj_per_inference']:.3f} uJ per inference ({e['label']})")
    link = s.get("link") or {}
    if link.get("retried_requests") or link.get("resyncs"):
        at = link.get("resynced_samples", [])
        lines.append(
            f"serial link: {link['retried_requests']} request(s) sent again after damage, "
            f"{link['resyncs']} fault(s) recovered by finding the device again"
            + (f" (at sample {', '.join(map(str, at[:10]))})" if at else "")
        )
    for m in s["mismatches"][:10]:
        lines.append(
            f"MISMATCH sample {m['i']} {m['sample']}: device {m['device']} golden {m['golden']}"
        )
    lines.append(f"run folder: {res.out}")
    return "\n".join(lines)


def window_plan(cfg: MeasureConfig, board, inferences: Path) -> dict[int, tuple[int, int]]:
    """expert -> (inferences per window, repeats).

    Emulated and host boards: cfg.window_n and cfg.window_repeats. Real boards (MLPerf Tiny): each
    window lasts at least cfg.min_window_s at the expert's measured latency, and 5 windows (their
    median is reported).
    """
    rows = read_inferences(inferences)
    experts = sorted({r.expert for r in rows})
    real = board is None or not board.runs_here
    plan = {}
    for e in experts:
        n, repeats = cfg.window_n, cfg.window_repeats
        times = [r.time_us for r in rows if r.expert == e and r.time_us]
        if real and times:
            n = max(n, math.ceil(cfg.min_window_s * 1e6 / max(1e-3, float(np.mean(times)))))
            repeats = max(repeats, 5)
        plan[e] = (n, repeats)
    return plan


def _windows(cfg: MeasureConfig, link, ir, samples, g, board, per_tick, plan) -> None:
    """Timing windows per expert the samples reached (on the first sample routed to it)."""
    path = cfg.out / WINDOWS
    done = len(truncate_torn(path))
    picks = []
    for e, (n, repeats) in plan.items():
        picks.extend([(int(np.flatnonzero(g.expert == e)[0]), n)] * repeats)
    with open(path, "a") as fh:
        for w, (i, n) in enumerate(picks):
            if w < done:
                continue
            s = samples[i]
            try:
                r, ppk2 = _recovering(
                    cfg,
                    link,
                    ir,
                    lambda s=s, n=n: _load_and_window(cfg, link, s, n),  # noqa: B023
                )
            except (ProtocolError, serial.SerialException, OSError) as exc:
                raise MeasureError(
                    f"the device at {cfg.port} stopped answering in timing window {w}: "
                    f"{exc}; rerun with --resume"
                ) from exc
            total = r.counter_total * per_tick
            rec = {
                "window": w,
                "sample": s.name,
                "expert": int(g.expert[i]),
                "n": r.n,
                "total": total,
                "min": r.counter_min * per_tick,
                "max": r.counter_max * per_tick,
                "per_inference": total / max(1, r.n),
            }
            rec["energy"] = window_energy(cfg.power, board, rec, r, ppk2)
            append_record(fh, rec)


def _run_window(cfg: MeasureConfig, link, n: int):
    """RUN_WINDOW; with --power ppk2 the PPK2 records around it and the marker cuts the window."""
    timeout = max(10.0, 3 * cfg.min_window_s, n * 0.5)
    if cfg.power != "ppk2":
        return link.request(RunWindow(n), timeout=timeout), None
    import threading

    from qmoe.energy import PPK2Reader, ppk2_energy

    reader = PPK2Reader()
    trace: dict = {}
    seconds = cfg.ppk2_seconds
    thread = threading.Thread(target=lambda: trace.update(data=reader.record(seconds)))
    thread.start()
    time.sleep(0.2)
    reply = link.request(RunWindow(n), timeout=timeout)
    thread.join()
    current, marker = trace["data"]
    e = ppk2_energy(
        current,
        marker,
        voltage_v=reader.voltage_v,
        n_per_window=n,
        source_meter=reader.source_meter,
    )
    return reply, {**e.energy.to_dict(), "windows_found": len(e.windows), "dropped": e.dropped}

"""The main job (`qmoe-host demo`, `make demo`): the whole path on the built-in data.

train (fp32 baseline, int8 PTQ, 8-bit, 4-bit, ternary, 1-bit, and ternary/4/8 mixtures under the
softmax
and the curiosity router) → export → build for qemu-m4 (native where the cross toolchain or QEMU is
missing) → flash → measure each integer variant → compare → report, ending with a one-screen
summary.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from qmoe.api.demo import DemoSettings, train_demo
from qmoe.api.training import TrainReport
from qmoe.errors import DataError
from qmoe.runio import safe_name
from qmoe.train.cv import FoldDone
from qmoe.train.metrics import pct_text

# What runs on the device: every integer variant. fp32 has no integer form; its device form is ptq8.
DEVICE_VARIANTS = DemoSettings().device_variants()


def duration(seconds: float) -> str:
    """A time span for a progress line: "45 s", "3 min 05 s", "1 h 02 min"."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


@dataclass
class FoldProgress:
    """Progress of the main job's cross-validation, one report per finished fold: which variant
    and fold, folds done of all, time so far and an estimate of the time left.

    On a terminal it rewrites one line; otherwise (a log file, a pipe) it writes one plain line
    per fold. A fold's time is the wall time since the previous fold finished (training,
    evaluation and writing the variant's results; the first fold: its training time, as data
    preparation precedes it). The estimate charges each remaining fold of the current variant at
    that variant's mean so far, and each fold of a variant not started yet at the mean of all
    folds so far (the mixtures cost more than single experts, so early estimates run low).
    """

    variants: list[str]
    n_folds: int
    stream: TextIO | None = None
    clock: Callable[[], float] = time.perf_counter
    done: list[FoldDone] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)  # wall seconds of each finished fold
    started: float = 0.0
    last: float | None = None  # clock when the previous fold finished

    def __post_init__(self) -> None:
        self.started = self.clock()

    @property
    def total(self) -> int:
        return len(self.variants) * self.n_folds

    def seconds_left(self) -> float:
        """The estimate of the time the remaining folds take (0 when all are done)."""
        if not self.done:
            return float("nan")
        last = self.done[-1]
        mine = [w for d, w in zip(self.done, self.walls) if d.variant == last.variant]
        overall = sum(self.walls) / len(self.walls)
        left_here = (last.n - last.k) * sum(mine) / len(mine)
        return left_here + (self.total - len(self.done) - (last.n - last.k)) * overall

    def line(self) -> str:
        """The progress text after the latest fold."""
        d = self.done[-1]
        v = self.variants.index(d.variant) + 1 if d.variant in self.variants else len(self.variants)
        left = self.seconds_left()
        return (
            f"  variant {v}/{len(self.variants)} {d.variant}: fold {d.k}/{d.n} "
            f"({self.walls[-1]:.1f} s) · {len(self.done)}/{self.total} folds, "
            f"{duration(self.clock() - self.started)} so far, ~{duration(left)} left"
        )

    def __call__(self, fold: FoldDone) -> None:
        now = self.clock()
        self.walls.append(fold.seconds if self.last is None else now - self.last)
        self.last = now
        self.done.append(fold)
        if self.stream is None:
            return
        tty = getattr(self.stream, "isatty", lambda: False)()
        if tty:
            self.stream.write("\r" + self.line() + "\x1b[K")
            if len(self.done) == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()


#: The built-in data's official folds (ESC-50's layout).
N_FOLDS = 5


def pick_board() -> tuple[str, str]:
    """qemu-m4 when its compiler and emulator are installed, else native (with the reason)."""
    from qmoe.boards import load_board

    board = load_board("qemu-m4")
    missing = [t for t in (board.toolchain.cc, board.run_command[0]) if shutil.which(t) is None]
    if not missing:
        return "qemu-m4", ""
    return "native", f"qemu-m4 needs {', '.join(missing)} (tools/setup-toolchains.sh installs them)"


@dataclass
class MainJobResult:
    train: TrainReport
    board: str
    device_runs: list[Path]
    report_dir: Path
    summary: list[str]
    seconds: float


def run_main_job(
    out: Path,
    data_dir: Path,
    *,
    seed: int = 0,
    quick: bool = False,
    board: str | None = None,
    n: int | None = None,
    window_n: int = 20,
    threads: int | None = None,
    say=print,
    progress: TextIO | None = None,
) -> MainJobResult:
    """Run the whole path; `say` prints the step lines, `progress` (a stream, e.g. sys.stderr)
    gets a line per cross-validation fold with the time left (FoldProgress); `threads`:
    training's intra-op threads (default 1, qmoe.train.determinism)."""
    from qmoe.measure import measure_on_board
    from qmoe.report import write_report

    t0 = time.perf_counter()
    out = Path(out)
    settings = DemoSettings(seed=seed, quick=quick)
    say(
        f"[1/4] cross-validated training of {len(settings.variants)} variants × {N_FOLDS} folds "
        "on the built-in data"
    )
    tr = train_demo(
        out / "train",
        data_dir,
        settings,
        progress=False,
        threads=threads,
        on_fold=FoldProgress([c.name for c in settings.configs()], N_FOLDS, progress),
    )
    say(tr.table)
    reason = ""
    if board is None:
        board, reason = pick_board()
    say(f"[2/4] build and measure on {board}" + (f" ({reason})" if reason else ""))
    say(
        f"  {'variant':28s} {'flash: image B':>14s} {'model B':>8s} {'latency mean':>12s} "
        f"{'std':>8s}  unit  mismatches"
    )
    runs, images = [], {}
    for v in settings.device_variants():
        model = tr.out / v / "model.qmoe"
        dev = measure_on_board(board, model, out / "device" / v, data_dir, n=n, window_n=window_n)
        built, res, run_dir = dev.built, dev.result, dev.run_dir
        lat = res.summary["latency"]
        images[v] = built.sizes["flash"]
        say(
            f"  {v:28s} {built.sizes['flash']:14d} {built.model_flash_bytes:8d} "
            f"{lat['mean']:12.0f} {lat['std']:8.0f}  {res.summary['counter_unit']}  "
            f"{len(res.mismatches)}"
        )
        runs.append(run_dir)
    say(f"  ({FLASH_WORDS})")
    say("[3/4] compare and report")
    rep = write_report([*runs, tr.out], out / "report")
    say("[4/4] summary")
    summary = one_screen(tr, board, runs, images, rep.routers)
    summary.append(f"router comparison: {rep.router_files[1]} (and .json)")
    return MainJobResult(tr, board, runs, out / "report", summary, time.perf_counter() - t0)


#: What the two flash figures are, printed under step [2/4] and in the summary.
FLASH_WORDS = (
    "flash: image B = the whole firmware image (runtime, kernels, protocol, model); "
    "model B = the model's own constants in it (weights, biases, tables)"
)


def one_screen(
    tr: TrainReport,
    board: str,
    runs: list[Path],
    images: dict[str, int] | None = None,
    routers: list | None = None,
) -> list[str]:
    """CV and device F1, both flash figures (firmware image, model constants), latency mean/std,
    modelled energy per variant; the golden-model check; the router verdict (RouterPair)."""
    from qmoe.runfolder import load_device_run

    images = images or {}
    dev = {}
    for r in runs:
        d = load_device_run(r)
        if d.summary is None:
            raise DataError(f"{r}: the run has no summary.json (it did not finish)")
        dev[r.parent.name] = (d.summary, d)
    any_run = next(iter(dev.values()))
    unit = any_run[1].unit.replace("-", " ")
    energy_label = next(
        (s["energy"]["label"] for s, _ in dev.values() if s.get("energy")), "energy: not available"
    )
    n = len(any_run[1].inferences)
    lines = [
        f"board {board}: latency in {unit}; {energy_label}",
        f"{'variant':28s} {'CV macro-F1 %':>14s} {'device F1 %':>11s} {'image B':>8s} "
        f"{'model B':>8s} {'latency mean':>12s} {'std':>7s} {'uJ/inf':>7s}",
    ]
    for row in tr.rows:
        key = safe_name(row["variant"])
        cv = pct_text(row["macro_f1_mean"], row["macro_f1_std"], row.get("folds", N_FOLDS))
        if key not in dev:
            why = "float: its device form is ptq8" if row["variant"] == "fp32" else "not measured"
            lines.append(f"{row['variant']:28s} {cv:>14s}   ({why})")
            continue
        s, run = dev[key]
        e = s.get("energy") or {}
        uj = f"{e['uj_per_inference']:.1f}" if e.get("uj_per_inference") else "-"
        image = f"{images[key]:8d}" if key in images else f"{'?':>8s}"
        lines.append(
            f"{row['variant']:28s} {cv:>14s} {100 * s['macro_f1']:11.1f} {image} "
            f"{run.model.flash_bytes or 0:8d} {s['latency']['mean']:12.0f} "
            f"{s['latency']['std']:7.0f} {uj:>7s}"
        )
    lines.append(f"({FLASH_WORDS})")
    lines.append(
        f"(CV: {N_FOLDS} official folds on the host; device: the {n} clips of fold 1, every "
        "answer checked against the golden model)"
    )
    mism = sum(len(s["mismatches"]) for s, _ in dev.values())
    lines.append(f"golden-model mismatches on the device: {mism}")
    for pair in routers or []:
        lines.append(f"routers: {pair.headline()}")
        lines += [f"  {v.test}: {v.sentence}" for v in pair.variance()]
    return lines

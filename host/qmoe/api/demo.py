"""`qmoe-host demo`, the main job on the built-in data, and its settings, held here once: the
variants it trains, the ones that run on the device, and what `--quick` changes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from qmoe.api.training import TrainReport, load_features, parse_variant, train
from qmoe.data import generate_builtin
from qmoe.runio import safe_name
from qmoe.train.config import TrainConfig

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

    from qmoe.mainjob import MainJobResult
    from qmoe.train.cv import FoldDone

# The variants of the main job: the fp32 baseline, the quantized experts, and mixtures of
# heterogeneous experts under the two routers.
DEMO_VARIANTS = (
    "fp32",
    "ptq8",
    "8",
    "4",
    "ternary",
    "1",
    "ternary,4,8@softmax",
    "ternary,4,8@curiosity",
)
CLIPS_PER_CLASS = 40  # of the built-in data the demo generates
QUICK_CLIPS_PER_CLASS = 12
QUICK_EPOCHS = {"epochs": 10, "qat_epochs": 5, "router_epochs": 5}


@dataclass(frozen=True)
class DemoSettings:
    """What the main job trains: `variants` (EXPERTS[@ROUTER]) from `base` (default
    TrainConfig(seed=seed), with fewer epochs when `quick`), on built-in data of
    `clips_per_class` clips per class."""

    seed: int = 0
    quick: bool = False
    variants: tuple[str, ...] = DEMO_VARIANTS
    base: TrainConfig | None = field(default=None, compare=False)

    @property
    def clips_per_class(self) -> int:
        return QUICK_CLIPS_PER_CLASS if self.quick else CLIPS_PER_CLASS

    def train_config(self) -> TrainConfig:
        """The configuration every variant derives from."""
        base = self.base or TrainConfig(seed=self.seed)
        return replace(base, **QUICK_EPOCHS) if self.quick else base

    def configs(self) -> list[TrainConfig]:
        """One configuration per variant."""
        base = self.train_config()
        return [parse_variant(v, base) for v in self.variants]

    def device_variants(self) -> tuple[str, ...]:
        """The run-folder names of the variants measured on the device: every integer one (fp32
        has no integer form; its device form is ptq8)."""
        return tuple(safe_name(c.name) for c in self.configs() if "fp32" not in c.experts)


def train_demo(
    out: Path,
    data_dir: Path,
    settings: DemoSettings | None = None,
    *,
    progress: bool = True,
    threads: int | None = None,
    on_fold: Callable[[FoldDone], None] | None = None,
) -> TrainReport:
    """The main job's training half: generate the built-in data in `data_dir` unless it is there,
    cross-validate every variant of `settings` into the run folder `out`. `threads`: intra-op
    threads of training (default 1; qmoe.train.determinism); `on_fold` hears of every finished
    fold."""
    settings = settings or DemoSettings()
    data_dir = Path(data_dir)
    if not (data_dir / "meta" / "esc50.csv").exists():
        generate_builtin(data_dir, seed=settings.seed, clips_per_class=settings.clips_per_class)
    fd, frontend = load_features("builtin", data_dir)
    return train(
        fd,
        frontend,
        settings.configs(),
        out,
        progress=progress,
        extra={"dataset": "builtin", "data_dir": str(data_dir)},
        threads=threads,
        on_fold=on_fold,
    )


def demo(
    out: Path,
    data_dir: Path,
    *,
    seed: int = 0,
    quick: bool = False,
    board: str | None = None,
    train_only: bool = False,
    threads: int | None = None,
    say: Callable[[str], None] = print,
    progress: TextIO | None = None,
) -> TrainReport | MainJobResult:
    """`qmoe-host demo`: the main job (qmoe.mainjob.run_main_job: train, build, measure on
    `board`, compare, report; `say` prints its steps, `progress` (a stream) gets a line per
    cross-validation fold), or with `train_only` its training half (a TrainReport)."""
    settings = DemoSettings(seed=seed, quick=quick)
    if train_only:
        return train_demo(out, data_dir, settings, threads=threads)
    from qmoe.mainjob import run_main_job  # qmoe.mainjob takes its settings from this module

    return run_main_job(
        out,
        data_dir,
        seed=seed,
        quick=quick,
        board=board,
        threads=threads,
        say=say,
        progress=progress,
    )

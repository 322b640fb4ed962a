"""What the tests that build and run firmware share: skipping when a board's tools are absent, the
small models they train, and the marks of a sanitizer report in a device's output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qmoe import boards
from qmoe.train.config import TrainConfig

FAST = dict(epochs=8, qat_epochs=4, router_epochs=4)
MODELS = {
    # a curiosity mixture small enough for the 16 KB-RAM micro:bit, and a single expert
    "moe": TrainConfig(experts=["ternary", "4", "1"], router="curiosity", hidden=(32,), **FAST),
    "single": TrainConfig(experts=["8"], hidden=(32,), **FAST),
}
SANITIZER_MARKS = ("AddressSanitizer", "runtime error:", "LeakSanitizer")


def need_tools(board: boards.Board | str, *extra: str) -> None:
    """Skip (with the reason) when the board's compiler or emulator, or an `extra` program, is not
    installed."""
    if isinstance(board, str):
        board = boards.load_board(board)
    for tool in (board.toolchain.cc, *board.run_command[:1], *extra):
        if "{elf}" not in tool and shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (tools/setup-toolchains.sh installs it)")


def train_model(builtin_features, cfg: TrainConfig, path: Path, held_out: int = 1) -> Path:
    """Train `cfg` with fold `held_out` held out and save it as a model file."""
    from qmoe.modelfile import save_model
    from qmoe.train.cv import fit_fold

    fd, fe = builtin_features
    model, _ = fit_fold(fd, cfg, held_out, fe)
    return save_model(model, path)

"""Shared fixtures: one small built-in dataset and its features per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qmoe.train.determinism import prepare_process

os.environ.setdefault("OMP_NUM_THREADS", "1")
prepare_process()  # torch's and MKL's portable kernels, as qmoe-host asks for them


@pytest.fixture(scope="session", autouse=True)
def _torch_threads():
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency
        return
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def builtin_root(tmp_path_factory) -> Path:
    """A built-in dataset (20 clips per class) written once per session."""
    from qmoe.data import generate_builtin

    root = tmp_path_factory.mktemp("builtin")
    generate_builtin(root, seed=0, clips_per_class=20)
    return root


@pytest.fixture(scope="session")
def builtin_features(builtin_root):
    """(FeatureDataset, FrontendConfig) of the session's built-in dataset."""
    from qmoe.api import load_features

    return load_features("builtin", builtin_root)


# ---- real boards (tests/test_real_boards.py): run only with a board attached ---------------


def pytest_addoption(parser):
    parser.addoption(
        "--board",
        default=None,
        help="run the real-board tests on this board: esp32s3, esp32c3, nano33ble, pico",
    )
    parser.addoption(
        "--port",
        default=None,
        help="the board's serial port (/dev/ttyACM0, /dev/ttyUSB0, COM5); for the "
        "Pico also its RPI-RP2 drive folder",
    )


@pytest.fixture(scope="session")
def real_board(request) -> tuple[str, str]:
    """(board, port) from --board and --port; skips with the reason when they are not given."""
    board = request.config.getoption("--board")
    port = request.config.getoption("--port")
    if not board or not port:
        pytest.skip(
            "needs a board attached: pytest tests/test_real_boards.py --board NAME "
            "--port PORT (e.g. --board esp32s3 --port /dev/ttyACM0)"
        )
    return board, port

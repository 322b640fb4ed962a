"""Fault injection on the native board (docs/reliability.md): a measurement survives being
killed, the firmware being killed, and a device reset in the middle of a frame, and in every case
ends with each of its >= 100 samples recorded exactly once and every result equal to a run that
was never interrupted.

- `measure` itself killed (SIGKILL, as a power cut of the host would) at 10 random points, then
  `--resume`d each time;
- the firmware killed at 10 random points: measure reports it after trying to find the device
  again; the firmware is restarted and the run `--resume`d;
- the device reset mid-frame behind a serial line that stays open (a TCP relay standing for a
  USB-UART bridge): measure finds the device again by itself (resync, model hash checked, sample
  sent again) and reports the fault in summary.json.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from qmoe import boards
from qmoe.device.build import build
from qmoe.device.run import start
from qmoe.measure import MeasureConfig, MeasureError, measure
from qmoe.modelfile import save_model
from qmoe.protocol import Timeouts
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold

FOLDS = [1, 2, 3]  # 120 samples of the session's built-in set
KILLS = 10
SEED = 11
FAST = Timeouts(reply=0.5, infer=1.0, per_inference=0.2, quiet=0.05)
# What must not change when a run is interrupted: everything the device computed.
SAME = ("i", "sample", "pred", "expert", "choice", "uncertainty", "logits", "golden")

pytestmark = pytest.mark.slow


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "inferences.jsonl").read_text().splitlines()]


def _outcome(out: Path) -> list[tuple]:
    return [tuple(json.dumps(r[k], sort_keys=True) for k in SAME) for r in _rows(out)]


@pytest.fixture(scope="module")
def model(builtin_features, tmp_path_factory) -> Path:
    fd, fe = builtin_features
    cfg = TrainConfig(experts=["1", "8"], router="curiosity", hidden=(32,), epochs=4,
                      qat_epochs=2, router_epochs=2)  # fmt: skip
    m, _ = fit_fold(fd, cfg, 1, fe)
    return save_model(m, tmp_path_factory.mktemp("m") / "moe.qmoe")


@pytest.fixture(scope="module")
def elf(model, tmp_path_factory) -> Path:
    return build("native", model, tmp_path_factory.mktemp("fw")).elf


def _cfg(port: str, model: Path, root: Path, out: Path, **kw) -> MeasureConfig:
    base = dict(port=port, model=model, out=out, root=root, folds=FOLDS, input="features",
                window_n=5, progress=False, timeouts=FAST, resync_s=2.0)  # fmt: skip
    return MeasureConfig(**{**base, **kw})


@pytest.fixture(scope="module")
def reference(model, elf, builtin_root, tmp_path_factory) -> list[tuple]:
    """The uninterrupted run."""
    out = tmp_path_factory.mktemp("ref") / "run"
    with start(boards.load_board("native"), elf) as running:
        res = measure(_cfg(running.url, model, builtin_root, out))
    assert res.summary["samples"] == 40 * len(FOLDS) >= 100 and not res.mismatches
    assert res.summary["link"] == {"retried_requests": 0, "resyncs": 0, "resynced_samples": []}
    return _outcome(out)


def _kill_points(n_samples: int) -> list[int]:
    return sorted(random.Random(SEED).sample(range(1, n_samples), KILLS))


def test_measure_killed_at_random_points_then_resumed(model, elf, builtin_root, reference,
                                                      tmp_path):  # fmt: skip
    out = tmp_path / "run"
    cmd = [
        sys.executable, "-m", "qmoe.cli", "measure", "--model", str(model), "--root",
        str(builtin_root), "--folds", ",".join(map(str, FOLDS)), "--input", "features",
        "--window-n", "5", "--out", str(out),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    kills = 0
    with start(boards.load_board("native"), elf) as running:
        for point in _kill_points(len(reference)):
            args = cmd + ["--port", running.url] + (["--resume"] if out.exists() else [])
            proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            jsonl = out / "inferences.jsonl"
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline:
                if jsonl.exists() and jsonl.read_bytes().count(b"\n") >= point:
                    break
                time.sleep(0.002)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait(30)
        final = subprocess.run(cmd + ["--port", running.url, "--resume"], env=env,
                               capture_output=True, text=True, timeout=300)  # fmt: skip
    assert final.returncode == 0, final.stdout + final.stderr
    assert kills >= KILLS // 2, f"only {kills} kills landed before the run ended"
    got = _outcome(out)
    assert [r[0] for r in got] == [str(i) for i in range(len(reference))], "each sample once"
    assert got == reference
    assert json.loads((out / "summary.json").read_text())["samples"] == len(reference)


def test_firmware_killed_at_random_points_then_resumed(model, elf, builtin_root, reference,
                                                       tmp_path):  # fmt: skip
    out = tmp_path / "run"
    board = boards.load_board("native")
    reported = 0
    for point in _kill_points(len(reference)):
        with start(board, elf) as running:
            errors: list[Exception] = []

            def run(url=running.url, errors=errors):
                try:
                    measure(_cfg(url, model, builtin_root, out, resume=out.exists()))
                except MeasureError as exc:
                    errors.append(exc)

            jsonl = out / "inferences.jsonl"
            # at the point, or one sample later than where the last kill left the run
            target = max(point, (jsonl.read_bytes().count(b"\n") if jsonl.exists() else 0) + 1)
            t = threading.Thread(target=run)
            t.start()
            deadline = time.monotonic() + 60
            while t.is_alive() and time.monotonic() < deadline:
                if jsonl.exists() and jsonl.read_bytes().count(b"\n") >= target:
                    break
                time.sleep(0.002)
            running.process.send_signal(signal.SIGKILL)
            t.join(60)
            assert not t.is_alive()
            if errors:
                reported += 1
                assert "stopped answering" in str(errors[0]) and "--resume" in str(errors[0])
    with start(board, elf) as running:
        res = measure(_cfg(running.url, model, builtin_root, out, resume=True))
    assert reported >= KILLS // 2
    assert _outcome(out) == reference and res.summary["samples"] == len(reference)


class ResettingRelay:
    """A TCP relay between the host and the native firmware that stays up while the device
    behind it is reset: after `cut_after` bytes from the host it forwards only the first half of
    the chunk in hand, kills the firmware mid-frame, starts it again and carries on, as a
    USB-UART bridge does when the microcontroller behind it resets."""

    def __init__(self, board, elf: Path, cut_after: int) -> None:
        self.board, self.elf, self.cut_after = board, elf, cut_after
        self.device = start(board, elf)
        self.listen = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self.listen.getsockname()[1]}"
        self.sent = 0
        self.resets = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _upstream(self) -> socket.socket:
        port = int(self.device.url.rsplit(":", 1)[1])
        return socket.create_connection(("127.0.0.1", port))

    def _serve(self) -> None:
        host, _ = self.listen.accept()
        dev = self._upstream()
        while not self.stop.is_set():
            ready, _, _ = select.select([host, dev], [], [], 0.05)
            if host in ready:
                data = host.recv(4096)
                if not data:
                    break
                if self.resets == 0 and self.sent + len(data) > self.cut_after:
                    dev.sendall(data[: max(1, len(data) // 2)])  # half a frame, then the reset
                    dev.close()
                    self.device.stop()
                    self.device = start(self.board, self.elf)
                    dev = self._upstream()
                    self.resets += 1
                else:
                    dev.sendall(data)
                self.sent += len(data)
            elif dev in ready:
                data = dev.recv(4096)
                if data:
                    host.sendall(data)
        host.close()
        dev.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.device.stop()
        self.listen.close()


def test_device_reset_mid_frame_is_recovered(model, elf, builtin_root, reference, tmp_path):
    relay = ResettingRelay(boards.load_board("native"), elf, cut_after=6000)
    try:
        res = measure(_cfg(relay.url, model, builtin_root, tmp_path / "run"))
    finally:
        relay.close()
    assert relay.resets == 1
    link = res.summary["link"]
    assert link["resyncs"] >= 1 and len(link["resynced_samples"]) >= 1, link
    assert _outcome(tmp_path / "run") == reference and not res.mismatches

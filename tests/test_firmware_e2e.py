"""Whole models on every board that runs here, bit-exact with the golden model.

The benchmark firmware (firmware/app) is built by qmoe.device.build for native, the sanitized native
build (ASan + UBSan) and each QEMU board, started, and driven over the serial protocol: for the
built-in
test clips of fold 1 the device's class, expert, router choice, uncertainty and every logit must
equal qmoe_codegen.golden's. Front end included: PCM clips are streamed in chunks (all of fold 1 on
native; a few on QEMU, where loading costs ~40 us per byte) and int8 feature vectors cover the rest.
Also: the reported model hash, RUN_WINDOW's counters, the refusal of models too large for qemu-m0,
and the `boards`, `build` and `flash` commands. Tests skip, with the reason, only when a compiler
or QEMU is absent (tools/setup-toolchains.sh installs them).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from qmoe import boards
from qmoe.device.build import build
from qmoe.device.errors import DoesNotFit
from qmoe.device.run import serve, start, start_build
from qmoe.device.sources import INFO_UNIT
from qmoe.errors import ConfigError
from qmoe.protocol import InferReply, InferRequest, InfoReply, InputKind, Link, RunWindow
from qmoe.train.config import TrainConfig
from qmoe_codegen import golden
from qmoe_codegen.ir import IR
from qmoe_codegen.lower import lower_file

import support
from support.firmware import MODELS, SANITIZER_MARKS, need_tools, train_model

torch.set_num_threads(1)

# The benchmark app's boards; MicroPython boards: tests/test_micropython_boards.py.
RUNNABLE = [b.name for b in boards.list_boards() if b.runs_here and b.micropython is None]
TARGETS = [(name, False) for name in RUNNABLE] + [("native", True)]  # (board, sanitize)
PCM_CLIPS_EMULATED = {"moe": 2, "single": 1}
WINDOW_N = 5


@dataclass
class Fold:
    names: list[str]
    pcm: list[np.ndarray]  # int16 clips


@pytest.fixture(scope="module")
def fold1(builtin_root) -> Fold:
    from qmoe.data import load_clip_pcm, load_dataset

    clips = [c for c in load_dataset("builtin", builtin_root).clips if c.fold == 1]
    pcm, kept, _ = load_clip_pcm(clips, 16000)
    return Fold([c.name for c in kept], pcm)


@pytest.fixture(scope="module")
def models(builtin_features, fold1, tmp_path_factory):
    """name -> (model file, IR, golden result on fold 1's PCM clips)."""
    out = tmp_path_factory.mktemp("models")
    made = {}
    for name, cfg in MODELS.items():
        path = train_model(builtin_features, cfg, out / f"{name}.qmoe")
        ir = lower_file(path)
        made[name] = (path, ir, golden.run(ir, pcm=fold1.pcm))
    return made


@pytest.fixture(scope="module")
def firmware(models, tmp_path_factory):
    """(board, sanitize, model) -> BuildResult, built once per module."""
    built = {}

    def get(board_name: str, sanitize: bool, model: str):
        key = (board_name, sanitize, model)
        if key not in built:
            path, ir, _ = models[model]
            out = tmp_path_factory.mktemp(f"fw-{board_name}-{model}")
            built[key] = build(board_name, path, out, ir=ir, sanitize=sanitize)
        return built[key]

    return get


def infer_replies(link: Link, kind: InputKind, inputs: list[bytes]) -> list[InferReply]:
    """Load each input and run one inference on it."""
    replies = []
    for data in inputs:
        link.load_input(kind, data)
        replies.append(link.request(InferRequest()))
    return replies


def first_mismatch(
    replies: list[InferReply], g: golden.GoldenResult, names: list[str], how: str
) -> str | None:
    """The first field where the device differs from the golden model, named with its clip."""
    for i, r in enumerate(replies):
        fields = [
            ("status", r.status, 0),
            ("class", r.class_index, g.cls[i]),
            ("expert", r.expert, g.expert[i]),
            ("choice", r.router_choice, g.choice[i]),
            ("uncertainty", r.uncertainty, g.u_q30[i]),
            ("n_logits", len(r.logits), g.logits.shape[1]),
        ]
        fields += [(f"logit[{k}]", v, g.logits[i, k]) for k, v in enumerate(r.logits)]
        for field, got, want in fields:
            if int(got) != int(want):
                return (
                    f"clip {names[i]} ({how} input): {field} is {got} on the device, {want} golden"
                )
    return None


def check_info(info: InfoReply, board: boards.Board, ir: IR) -> None:
    assert info.model_hash.hex() == ir.hash, "the device runs another model than the IR's"
    assert (info.board, info.core, info.counter) == (board.name, board.core, board.counter.kind)
    assert info.clock_hz == board.clock_hz
    assert info.counter_per_tick == round(board.counter.per_tick)
    assert info.counter_unit == INFO_UNIT.get(board.counter.unit, board.counter.unit)
    assert info.model_flash_bytes == ir.sizes.total_flash_bytes
    assert info.model_ram_bytes == ir.memory.arena_bytes
    assert info.supports(InputKind.FEATURES_I8) and info.supports(InputKind.PCM_I16)


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize(
    ("board_name", "sanitize"), TARGETS, ids=[f"{b}{'-asan' if s else ''}" for b, s in TARGETS]
)
def test_whole_model_bit_exact(firmware, models, fold1, board_name, sanitize, model):
    board = boards.load_board(board_name)
    need_tools(board)
    built = firmware(board_name, sanitize, model)
    _, ir, g = models[model]
    n_pcm = PCM_CLIPS_EMULATED[model] if board.emulated else len(fold1.pcm)
    pcm = [p.astype("<i2").tobytes() for p in fold1.pcm[:n_pcm]]
    x8 = [row.astype(np.int8).tobytes() for row in g.x8]
    with start(board, built.elf) as running:
        with Link.open(running.url) as link:
            check_info(link.info(), board, ir)
            from_pcm = infer_replies(link, InputKind.PCM_I16, pcm)
            from_x8 = infer_replies(link, InputKind.FEATURES_I8, x8)
            window = link.request(RunWindow(WINDOW_N))
        alive, log = running.process.poll() is None, running.output()
    assert alive and not any(mark in log for mark in SANITIZER_MARKS), log
    assert first_mismatch(from_pcm, g, fold1.names, "PCM") is None
    assert first_mismatch(from_x8, g, fold1.names, "int8 feature") is None
    assert all(r.counter_frontend > 0 for r in from_pcm)
    assert all(r.counter_frontend == 0 and r.counter_total > 0 for r in from_x8)
    last = from_x8[-1]
    assert last.counter_total >= last.counter_router + last.counter_expert
    assert window.n == WINDOW_N and 0 < window.counter_min <= window.counter_max
    assert WINDOW_N * window.counter_min <= window.counter_total <= WINDOW_N * window.counter_max
    if board.emulated:  # instruction counts: a window's inference costs what INFER measured
        assert window.counter_max <= window.counter_min * 1.01 + 2
        assert abs(window.counter_min - last.counter_total) <= 0.02 * last.counter_total + 2


# ---- models that do not fit ------------------------------------------------------------------

BIG = {  # qemu-m0: 256 KB flash, 16 KB RAM
    "flash": (TrainConfig(experts=["8"], hidden=(4096,), epochs=1, qat_epochs=1), "flash"),
    "ram": (TrainConfig(experts=["1"], hidden=(9000,), epochs=1, qat_epochs=1), "RAM"),
    "link": (TrainConfig(experts=["1"], hidden=(3220,), epochs=1, qat_epochs=1), "overflowed"),
}


@pytest.mark.parametrize("case", list(BIG))
def test_build_refuses_a_model_too_large_for_qemu_m0(builtin_features, tmp_path, case):
    board = boards.load_board("qemu-m0")
    if shutil.which(board.toolchain.cc) is None:
        pytest.skip(f"{board.toolchain.cc} is not installed")
    cfg, word = BIG[case]
    path = train_model(builtin_features, cfg, tmp_path / f"{case}.qmoe")
    with pytest.raises(DoesNotFit, match=word) as err:
        build("qemu-m0", path, tmp_path / "out")
    text = str(err.value)
    assert "qemu-m0" in text and "bytes" in text
    assert str(board.flash_bytes if case == "flash" else board.ram_bytes) in text
    assert not (tmp_path / "out" / "firmware.elf").exists()
    assert not (tmp_path / "out" / "build.json").exists()
    if case == "flash":  # the command line says the same, as an error with exit status 2
        r = run_cli(
            "build", "--board", "qemu-m0", "--model", str(path), "--out", str(tmp_path / "cli")
        )
        assert r.returncode == 2 and r.stderr.startswith("error: "), r.stderr
        need = lower_file(path).sizes.total_flash_bytes
        assert f"need {need} bytes of flash" in r.stderr and "262144" in r.stderr


# ---- the command line ------------------------------------------------------------------------


def run_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return support.run_cli(*args, timeout=120, **kw)


def test_boards_command_lists_every_profile():
    r = run_cli("boards")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for b in boards.list_boards():
        row = next(line for line in lines if line.split()[0] == b.name)
        assert b.core in row and b.counter.unit in row
        assert ("yes" in row.split()) == b.runs_here and ("no" in row.split()) != b.runs_here


def test_build_and_flash_commands(models, tmp_path):
    board = boards.load_board("native")
    need_tools(board)
    path, ir, g = models["single"]
    out = tmp_path / "fw"
    r = run_cli("build", "--board", "native", "--model", str(path), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "flash" in r.stdout and ir.hash[:16] in r.stdout
    proc = subprocess.Popen(
        [sys.executable, "-m", "qmoe.cli", "flash", "--board", "native", "--out", str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("serial: socket://127.0.0.1:"), line
        with Link.open(line.split()[1]) as link:
            assert link.info().model_hash.hex() == ir.hash
            link.load_input(InputKind.FEATURES_I8, g.x8[0].astype(np.int8).tobytes())
            assert link.request(InferRequest()).class_index == g.cls[0]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait()


def test_flash_refuses_what_is_not_a_build(tmp_path, firmware):
    with pytest.raises(ConfigError, match="qmoe-host build"):
        start_build("native", tmp_path)
    built = firmware("native", False, "single")
    with pytest.raises(ConfigError, match="built for board 'native'"):
        start_build("qemu-m4", built.out_dir)


def test_serve_stops_the_board_when_it_exits(firmware):
    """`flash` keeps the board running until its process ends, and reports that end."""
    board = boards.load_board("native")
    need_tools(board)
    running = start_build("native", firmware("native", False, "single").out_dir)
    said: list[str] = []
    running.process.terminate()
    assert serve(running, poll=0.01, say=said.append) == 1
    assert said and "exited" in said[0] and running.process.poll() is not None


def test_sanitizers_need_a_hosted_board(models, tmp_path):
    path, ir, _ = models["single"]
    with pytest.raises(ConfigError, match="hosted build"):
        build("qemu-m4", path, tmp_path, ir=ir, sanitize=True)

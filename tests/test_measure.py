"""`qmoe-host measure` end to end against the native firmware and a QEMU board.

A curiosity mixture whose experts differ in cost (8-bit vs 1-bit, different widths) so routing shows
in
the latency distribution; a device killed mid-run (clear error, JSONL intact, --resume completes
with
every sample exactly once); a device running another model is refused with both hashes.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from qmoe import boards, runfolder
from qmoe.device.build import build
from qmoe.device.run import start
from qmoe.measure import MeasureConfig, MeasureError, measure
from qmoe.modelfile import save_model
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen.lower import lower_file

from support.firmware import need_tools

CFG = TrainConfig(
    experts=["1", "8"],
    router="curiosity",
    escalate_share=0.4,
    hidden=(96, 48),
    epochs=8,
    qat_epochs=4,
    router_epochs=4,
)
OTHER = TrainConfig(experts=["4"], hidden=(16,), epochs=4, qat_epochs=2)


@pytest.fixture(scope="module")
def model_path(builtin_features, tmp_path_factory) -> Path:
    fd, fe = builtin_features
    model, _ = fit_fold(fd, CFG, 1, fe)
    return save_model(model, tmp_path_factory.mktemp("m") / "moe.qmoe")


@pytest.fixture(scope="module")
def native_elf(model_path, tmp_path_factory) -> Path:
    board = boards.load_board("native")
    need_tools(board)
    return build("native", model_path, tmp_path_factory.mktemp("fw"), ir=lower_file(model_path)).elf


def _cfg(url, model_path, builtin_root, out, **kw) -> MeasureConfig:
    return MeasureConfig(
        port=url, model=model_path, out=out, root=builtin_root, window_n=10, progress=False, **kw
    )


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_measure_native(model_path, native_elf, builtin_root, tmp_path):
    out = tmp_path / "run"
    with start(boards.load_board("native"), native_elf) as running:
        res = measure(_cfg(running.url, model_path, builtin_root, out, input="pcm"))
    assert res.mismatches == []
    inf = _lines(out / "inferences.jsonl")
    assert len(inf) == 40 and [r["i"] for r in inf] == list(range(40))
    assert all(r["golden"]["match"] for r in inf)
    assert all(r["counters"]["frontend"] > 0 and r["time_us"] > 0 for r in inf)
    run = json.loads((out / "run.json").read_text())
    assert (
        run["board"]["counter"]["unit"] == "ns"
        and run["model"]["hash"] == lower_file(model_path).hash
    )
    win = _lines(out / "windows.jsonl")
    assert {w["expert"] for w in win} == {r["expert"] for r in inf}
    # a host process has no datasheet: energy is reported as unavailable, never invented
    assert all(
        w["energy"]["uj_per_inference"] is None and "no power figures" in w["energy"]["label"]
        for w in win
    )
    s = res.summary
    assert s["samples"] == 40 and 0 <= s["macro_f1"] <= 1 and "energy" not in s
    # the writer stamps the format; the typed loader reads back what was written
    assert run[runfolder.FORMAT_FIELD] == runfolder.RUN_FORMAT and run["kind"] == "device"
    loaded = runfolder.load_device_run(out)
    assert [r.pred for r in loaded.inferences] == [r["pred"] for r in inf]
    assert loaded.summary == json.loads((out / runfolder.SUMMARY_JSON).read_text())


@pytest.mark.parametrize("board_name", ["qemu-m4", "qemu-m4-4mb"])
def test_routing_shows_in_latency_on_qemu(board_name, model_path, builtin_root, tmp_path):
    """Emulated instruction counts: the 8-bit expert (wider) costs more than the 1-bit one."""
    board = boards.load_board(board_name)
    need_tools(board)
    elf = build(board_name, model_path, tmp_path / "fw", ir=lower_file(model_path)).elf
    out = tmp_path / "run"
    with start(board, elf) as running:
        res = measure(_cfg(running.url, model_path, builtin_root, out, input="features"))
    assert res.mismatches == []
    run = json.loads((out / "run.json").read_text())
    assert run["board"]["counter"]["unit"] == "emulated-instructions"
    inf = _lines(out / "inferences.jsonl")
    assert all(r["time_us"] is None for r in inf), "emulated counts are never turned into time"
    e = res.summary["energy"]
    assert e["uj_per_inference"] > 0 and "modelled" in e["label"] and "emulated" in e["label"]
    per = res.summary["latency_per_expert"]
    if len(per) == 2:
        assert per["8-bit"]["mean"] != per["1-bit"]["mean"]
    lat = np.array([r["counters"]["expert"] for r in inf])
    exp = np.array([r["expert"] for r in inf])
    for e in set(exp.tolist()):
        assert np.ptp(lat[exp == e]) <= 0.02 * lat[exp == e].mean() + 80, "same expert, same work"


def test_killed_device_then_resume(model_path, native_elf, builtin_root, tmp_path):
    out = tmp_path / "run"
    board = boards.load_board("native")
    errors: list[Exception] = []
    with start(board, native_elf) as running:
        t = threading.Thread(
            target=lambda: _run_catching(
                _cfg(running.url, model_path, builtin_root, out, input="pcm"), errors
            )
        )
        t.start()
        jsonl = out / "inferences.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            not jsonl.exists() or len(jsonl.read_text().splitlines()) < 8
        ):
            time.sleep(0.01)
        running.stop()
        t.join(60)
    assert errors and isinstance(errors[0], MeasureError), errors
    msg = str(errors[0])
    assert "stopped answering" in msg and "--resume" in msg
    partial = _lines(out / "inferences.jsonl")  # every line parses: nothing torn
    assert 8 <= len(partial) < 40
    with pytest.raises(MeasureError, match="--resume"):
        measure(_cfg("socket://127.0.0.1:9", model_path, builtin_root, out, input="pcm"))
    with start(board, native_elf) as running:
        res = measure(_cfg(running.url, model_path, builtin_root, out, input="pcm", resume=True))
    inf = _lines(out / "inferences.jsonl")
    assert [r["i"] for r in inf] == list(range(40)), "every sample exactly once, in order"
    assert res.summary["samples"] == 40 and res.mismatches == []


def _run_catching(cfg, errors):
    try:
        measure(cfg)
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        errors.append(exc)


def test_device_running_another_model_is_refused(
    model_path, native_elf, builtin_features, builtin_root, tmp_path
):
    fd, fe = builtin_features
    other, _ = fit_fold(fd, OTHER, 1, fe)
    other_path = save_model(other, tmp_path / "other.qmoe")
    with start(boards.load_board("native"), native_elf) as running:
        with pytest.raises(MeasureError) as exc:
            measure(_cfg(running.url, other_path, builtin_root, tmp_path / "run"))
    msg = str(exc.value)
    assert lower_file(model_path).hash in msg and lower_file(other_path).hash in msg


def test_window_plan_real_boards_last_ten_seconds(tmp_path):
    """MLPerf Tiny: on a real board each window lasts >= 10 s and there are 5 of them per expert."""
    from types import SimpleNamespace

    from qmoe.measure import window_plan
    from qmoe.measure_summary import window_summary

    rows = [
        {"label": 0, "pred": 0, "expert": e, "counters": {"total": 1}, "time_us": t}
        for e, t in [(0, 200.0), (0, 220.0), (1, 2000.0)]
    ]
    path = runfolder.write_records(tmp_path / runfolder.INFERENCES, rows)
    cfg = MeasureConfig(port="loop://", model=tmp_path / "m", out=tmp_path, window_n=50)
    real = window_plan(cfg, SimpleNamespace(runs_here=False), path)
    assert real == {0: (47620, 5), 1: (5000, 5)}  # ceil(10 s / 210 us), ceil(10 s / 2 ms)
    assert window_plan(cfg, SimpleNamespace(runs_here=True), path) == {0: (50, 1), 1: (50, 1)}
    energy = lambda v: {"source": "model", "label": "m", "uj_per_inference": v / 10}  # noqa: E731
    win = tuple(
        runfolder.Window(w, "s", 0, 10, 10 * v, v, v, v, energy(v))
        for w, v in enumerate((100.0, 300.0, 200.0))
    )
    s = window_summary(win, np.array([1.0]), 0.5)
    assert s["per_expert"]["0"]["per_inference_median"] == 200.0
    assert s["energy"]["uj_per_inference"] == 20.0 and s["energy"]["f1_per_mj"] == 25.0

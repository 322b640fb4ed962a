"""Damaged files: every reader of a file qmoe writes or is given, fed random truncations and bit
flips (hypothesis, derandomized so CI sees the same cases each run).

`QMOE_READER_EXAMPLES=N` explores N random cases per reader instead (bench/reader_fuzz.py).

The rule (docs/reliability.md): a damaged file gives the project's own error (a QmoeError, the
root of every error of qmoe and of the numpy-only qmoe_codegen) naming the file — never a traceback
of another exception type — and never a silent wrong load. Model files and IR files carry a digest
of their arrays and an IR content hash, and zip's CRC-32 covers every member, so anything they load
must equal what was written. Text formats (CSV, JSON lines) cannot tell a flipped digit from a real
value; for them a load must still be well-formed (consistent shapes, finite values, known labels).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qmoe.errors import QmoeError

OWN_ERRORS = (QmoeError,)
# CI: 60 fixed cases per reader. A longer, random exploration: QMOE_READER_EXAMPLES=2000.
EXAMPLES = int(os.environ.get("QMOE_READER_EXAMPLES", "0"))
SETTINGS = settings(
    max_examples=EXAMPLES or 60,
    deadline=None,
    derandomize=not EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def damage(data: bytes, draw) -> bytes:
    """Truncate, flip 1..8 bits, or both."""
    kind = draw(st.sampled_from(["truncate", "flip", "both"]))
    out = bytearray(data)
    if kind in ("flip", "both"):
        for _ in range(draw(st.integers(1, 8))):
            pos = draw(st.integers(0, len(out) - 1))
            out[pos] ^= 1 << draw(st.integers(0, 7))
    if kind in ("truncate", "both"):
        out = out[: draw(st.integers(0, len(out) - 1))]
    return bytes(out)


def outcome(read, path: Path):
    """(True, value) when `read(path)` loads, (False, error) when it raises the project's own
    error naming the file; any other exception fails the test with the damaged file's bytes."""
    try:
        return True, read(path)
    except OWN_ERRORS as exc:
        assert str(path) in str(exc) or path.name in str(exc), f"error does not name {path}: {exc}"
        return False, exc
    except Exception as exc:  # noqa: BLE001 - this is what the test is about
        pytest.fail(f"{type(exc).__name__} escaped while reading a damaged {path.name}: {exc}")


# ---- fixtures: real files, written by qmoe itself ---------------------------------------------


@pytest.fixture(scope="module")
def model_file(builtin_features, tmp_path_factory) -> Path:
    from qmoe.modelfile import save_model
    from qmoe.train.config import TrainConfig
    from qmoe.train.cv import fit_fold

    fd, fe = builtin_features
    cfg = TrainConfig(experts=["ternary", "4"], router="curiosity", hidden=(16,), epochs=2,
                      qat_epochs=1, router_epochs=1)  # fmt: skip
    model, _ = fit_fold(fd, cfg, 1, fe)
    return save_model(model, tmp_path_factory.mktemp("model") / "moe.qmoe")


@pytest.fixture(scope="module")
def ir_file(model_file, tmp_path_factory) -> Path:
    from qmoe_codegen.ir import save_ir
    from qmoe_codegen.lower import lower_file

    return save_ir(lower_file(model_file), tmp_path_factory.mktemp("ir") / "moe.qir")


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    return a == b


# ---- model files and IR: digests mean "loaded" is "unchanged" --------------------------------


@SETTINGS
@given(data=st.data())
def test_damaged_model_file(model_file, tmp_path, data):
    from qmoe_codegen.modelfile import read_model_file

    original = read_model_file(model_file)
    bad = tmp_path / "damaged.qmoe"
    bad.write_bytes(damage(model_file.read_bytes(), data.draw))
    loaded, value = outcome(read_model_file, bad)
    if loaded:
        assert _same(value, original), "a damaged model file loaded with different content"


@SETTINGS
@given(data=st.data())
def test_damaged_model_file_through_the_host_loader(model_file, tmp_path, data):
    from qmoe.modelfile import load_model

    bad = tmp_path / "damaged.qmoe"
    bad.write_bytes(damage(model_file.read_bytes(), data.draw))
    outcome(load_model, bad)


@SETTINGS
@given(data=st.data())
def test_damaged_ir_file(ir_file, tmp_path, data):
    from qmoe_codegen.ir import load_ir, to_dict

    original = load_ir(ir_file)
    bad = tmp_path / "damaged.qir"
    bad.write_bytes(damage(ir_file.read_bytes(), data.draw))
    loaded, value = outcome(load_ir, bad)
    if loaded:
        assert value.hash == original.hash and _same(to_dict(value), to_dict(original))


# ---- WAV headers -------------------------------------------------------------------------------


def _wav(rate=16000, n=1600, bits=16, channels=1) -> bytes:
    samples = (np.sin(np.arange(n * channels) / 7.0) * 12000).astype("<i2").tobytes()
    if bits == 8:
        samples = bytes((s // 256 + 128) & 0xFF for s in np.frombuffer(samples, "<i2").tolist())
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


@SETTINGS
@given(data=st.data(), which=st.sampled_from([(16000, 16), (44100, 16), (8000, 8)]))
def test_damaged_wav_header(tmp_path, data, which):
    """Damage confined to the 44-byte header (where a flip changes what the loader allocates)
    and truncations anywhere."""
    from qmoe.data.audio import read_audio

    wav = _wav(rate=which[0], bits=which[1])
    head = bytearray(wav[:44])
    for _ in range(data.draw(st.integers(1, 4))):
        head[data.draw(st.integers(0, 43))] ^= 1 << data.draw(st.integers(0, 7))
    bad_bytes = bytes(head) + wav[44:]
    if data.draw(st.booleans()):
        bad_bytes = bad_bytes[: data.draw(st.integers(0, len(bad_bytes) - 1))]
    bad = tmp_path / "damaged.wav"
    bad.write_bytes(bad_bytes)
    loaded, pcm = outcome(lambda p: read_audio(p, 16000), bad)
    if loaded:
        assert pcm.dtype == np.int16 and pcm.ndim == 1 and 0 < len(pcm) <= 1 << 27


# ---- embedding CSVs ----------------------------------------------------------------------------


def _embedding_csv(path: Path, rows=40, dim=6, classes=4) -> Path:
    rng = np.random.default_rng(0)
    lines = ["class_id,fold," + ",".join(f"f{i}" for i in range(dim))]
    for r in range(rows):
        feats = ",".join(f"{v:.5f}" for v in rng.normal(size=dim))
        lines.append(f"{r % classes},{1 + r % 5},{feats}")
    path.write_text("\n".join(lines) + "\n")
    return path


@SETTINGS
@given(data=st.data())
def test_damaged_embedding_csv(tmp_path, data):
    from qmoe.data import load_embedding_csv

    good = _embedding_csv(tmp_path / "good.csv")
    bad = tmp_path / "damaged.csv"
    bad.write_bytes(damage(good.read_bytes(), data.draw))
    loaded, fd = outcome(load_embedding_csv, bad)
    if loaded:
        assert fd.X.shape[0] == len(fd.y) == len(fd.folds) and fd.X.shape[0] > 0
        assert np.isfinite(fd.X).all(), "non-finite features loaded from a damaged CSV"
        assert fd.y.min() >= 0 and fd.y.max() < len(fd.class_names)


# ---- run folders --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cv_run(builtin_features, tmp_path_factory) -> Path:
    from qmoe.api import train
    from qmoe.train.config import TrainConfig

    fd, fe = builtin_features
    cfg = TrainConfig(experts=["4"], hidden=(16,), epochs=2, qat_epochs=1)
    out = tmp_path_factory.mktemp("cv") / "run"
    return train(fd, fe, [cfg], out, folds=[1, 2], progress=False).out


@pytest.fixture(scope="module")
def device_run(model_file, builtin_root, tmp_path_factory) -> Path:
    from qmoe import boards
    from qmoe.device.build import build
    from qmoe.device.run import start
    from qmoe.measure import MeasureConfig, measure

    if shutil.which(boards.load_board("native").toolchain.cc) is None:
        pytest.skip("no host C compiler")
    work = tmp_path_factory.mktemp("dev")
    elf = build("native", model_file, work / "fw").elf
    out = work / "run"
    with start(boards.load_board("native"), elf) as running:
        measure(MeasureConfig(port=running.url, model=model_file, out=out, root=builtin_root,
                              input="features", n=12, window_n=3, progress=False))  # fmt: skip
    return out


def _run_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".json", ".jsonl", ".csv"))


def _readers():
    from qmoe.report import load_runs as report_runs
    from qmoe.stats.load import load_runs as stats_runs

    return {"stats": stats_runs, "report": lambda p: report_runs([p])}


@SETTINGS
@given(data=st.data())
def test_damaged_run_folder(cv_run, device_run, tmp_path, data):
    """One file of a device or training run folder damaged: compare's and report's readers
    give a named error or load; they never crash."""
    source = data.draw(st.sampled_from([cv_run, device_run]))
    copy = tmp_path / "run"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(source, copy)
    files = _run_files(copy)
    victim = data.draw(st.sampled_from(files))
    victim.write_bytes(damage(victim.read_bytes(), data.draw) if victim.stat().st_size else b"x")
    for name, read in _readers().items():
        try:
            read(copy)
        except OWN_ERRORS as exc:
            assert copy.name in str(exc) or victim.name in str(exc), (name, str(exc))
        except Exception as exc:  # noqa: BLE001
            pytest.fail(
                f"{name} reader: {type(exc).__name__} escaped with damaged "
                f"{victim.relative_to(copy)}: {exc}"
            )


def test_fixture_run_folders_load(cv_run, device_run):
    for name, read in _readers().items():
        assert read(cv_run), name
        assert read(device_run), name
    assert json.loads((device_run / "run.json").read_text())["kind"] == "device"

"""MicroPython with the qmoe module on the unix port and the bare-metal QEMU port (Cortex-M4 on
mps2-an386, RV32 on virt), built from third_party/micropython by `qmoe.device.build`
(docs/micropython.md).

On every MicroPython board that runs here: the frozen qmoe_serve answers the benchmark protocol
bit-exact with the golden model (class, expert, router choice, uncertainty, every logit) for the
built-in fold-1 clips, as PCM streamed chunk by chunk and as int8 features; a model blob loaded with
qmoe.Model(bytes) is bit-exact too; damaged blobs and bad buffers raise the documented errors; an
inference allocates nothing (micropython.heap_lock); `qmoe-host measure` works against it, also by
starting the server over the raw REPL. The ESP32-S3 recipe is checked as far as this machine allows
(CMake configuration of the module; no Xtensa compiler or ESP-IDF here). MicroPython builds are
cached in build/micropython/, so only the first run builds (about 1-2 minutes per board).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from qmoe import boards
from qmoe.device.build import build
from qmoe.device.micropython.repl import RawRepl
from qmoe.device.run import start, start_build
from qmoe.measure import MeasureConfig, measure
from qmoe.modelfile import save_model
from qmoe.protocol import InferRequest, InputKind, Link, RunWindow
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen import golden
from qmoe_codegen.blob import blob_bytes
from qmoe_codegen.lower import lower_file

from support.firmware import need_tools

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]
RUNNABLE = [b.name for b in boards.list_boards() if b.micropython is not None and b.runs_here]
FAST = dict(epochs=8, qat_epochs=4, router_epochs=4)
MODELS = {
    "moe": TrainConfig(experts=["ternary", "4", "1"], router="curiosity", hidden=(32,), **FAST),
    "single": TrainConfig(experts=["8"], hidden=(32,), **FAST),
}
PCM_CLIPS = {"mpy-unix": None}  # all of fold 1 on unix; 2 clips under QEMU (UART speed)
CLIP_SAMPLES = 4000  # the short clip the on-device checks stream in odd-sized chunks


@pytest.fixture(scope="module")
def fold1(builtin_root):
    from qmoe.data import load_clip_pcm, load_dataset

    clips = [c for c in load_dataset("builtin", builtin_root).clips if c.fold == 1]
    pcm, kept, _ = load_clip_pcm(clips, 16000)
    return [c.name for c in kept], pcm


@pytest.fixture(scope="module")
def models(builtin_features, fold1, tmp_path_factory):
    """name -> (model file, IR, golden result on fold 1's PCM clips)."""
    fd, fe = builtin_features
    out = tmp_path_factory.mktemp("mpy-models")
    made = {}
    for name, cfg in MODELS.items():
        trained, _ = fit_fold(fd, cfg, 1, fe)
        path = save_model(trained, out / f"{name}.qmoe")
        ir = lower_file(path)
        made[name] = (path, ir, golden.run(ir, pcm=fold1[1]))
    return made


@pytest.fixture(scope="module")
def firmware(models, tmp_path_factory):
    """board -> BuildResult of MicroPython with the `moe` model compiled in (built once)."""
    built = {}

    def get(name: str):
        board = boards.load_board(name)
        need_tools(board, "make")
        if name not in built:
            path, ir, _ = models["moe"]
            built[name] = build(name, path, tmp_path_factory.mktemp(f"mpy-{name}"), ir=ir)
        return built[name]

    return get


def golden_row(g: golden.GoldenResult, i: int) -> tuple:
    logits = tuple(int(v) for v in g.logits[i])
    return int(g.cls[i]), int(g.expert[i]), int(g.choice[i]), int(g.u_q30[i]), logits


@pytest.mark.slow
@pytest.mark.parametrize("name", RUNNABLE)
def test_qmoe_serve_is_bit_exact_with_the_golden_model(name, firmware, models, fold1):
    fw = firmware(name)
    _, ir, g = models["moe"]
    names, pcm = fold1
    n_pcm = PCM_CLIPS.get(name, 2) or len(pcm)
    with start_build(name, fw.out_dir) as running, Link.open(running.url) as link:
        info = link.info()
        assert info.board == name and bytes(info.model_hash).hex() == ir.hash
        for kind, inputs in (
            (InputKind.PCM_I16, [np.asarray(p, dtype="<i2").tobytes() for p in pcm[:n_pcm]]),
            (InputKind.FEATURES_I8, [np.asarray(x, dtype=np.int8).tobytes() for x in g.x8]),
        ):
            for i, data in enumerate(inputs):
                link.load_input(kind, data)
                r = link.request(InferRequest())
                got = (r.class_index, r.expert, r.router_choice, r.uncertainty, tuple(r.logits))
                assert got == golden_row(g, i), f"{name} {kind.name} clip {names[i]}"
                assert (r.counter_frontend > 0) == (kind == InputKind.PCM_I16)
                assert r.counter_total >= r.counter_router + r.counter_expert > 0
        w = link.request(RunWindow(3))
        assert (
            w.n == 3 and 0 < w.counter_min <= w.counter_max and w.counter_total >= 3 * w.counter_min
        )


# What runs on the device: `blob` (a model blob, bytes), `rows` (int8 feature rows) and `clip`
# (int16 PCM bytes) are defined first. Every line it prints is checked by the test.
CHECK = """
import qmoe, array, micropython, binascii
def err(f):
    try:
        f()
        return 'no error'
    except Exception as e:
        return type(e).__name__ + ': ' + str(e)
m = qmoe.Model(blob)
n = m.n_features
print('hash', binascii.hexlify(m.hash).decode())
for i in range(len(rows) // n):
    r = m.infer(memoryview(rows)[i * n:(i + 1) * n], kind=qmoe.FEATURES)
    print('row', r.cls, r.expert, r.choice, r.uncertainty, ' '.join(str(v) for v in r.logits))
x = array.array('b', rows[:n])
micropython.heap_lock()
try:
    r = m.infer(x)
    r2 = m.infer(clip)
finally:
    micropython.heap_unlock()
print('heap_lock', r.cls)
whole = bytes(m.infer(clip).logits)
s = m.stream()
for i in range(0, len(clip), 333):
    s.push(clip[i:i + 333])
print('stream', whole == bytes(s.finish().logits), s.samples)
i = m.info()
print('info', i['source'], i['arena_bytes'], i['input'], [l[2] for e in i['experts'] for l in e[1]])
print('copy', bytes(qmoe.Model(bytearray(blob)).infer(clip).logits) == whole)
print('bytearray', bytes(m.infer(memoryview(bytearray(clip))).logits) == whole)
print('E truncated', err(lambda: qmoe.Model(blob[:100])))
print('E foreign', err(lambda: qmoe.Model(b'PK' + blob[2:])))
print('E version', err(lambda: qmoe.Model(blob[:8] + b'\\x09' + blob[9:])))
print('E corrupt', err(lambda: qmoe.Model(blob[:-1] + bytes([blob[-1] ^ 1]))))
print('E hash', err(lambda: qmoe.Model(blob, hash='00' * 32)))
print('E features', err(lambda: m.infer(bytes(n - 1), kind=qmoe.FEATURES)))
print('E odd', err(lambda: m.infer(bytes(7))))
print('E typecode', err(lambda: m.infer(array.array('f', [0.0]))))
print('E nobuffer', err(lambda: m.infer(12)))
print('E kind', err(lambda: m.infer(x, kind=7)))
"""
EXPECTED_ERRORS = {
    "truncated": "ValueError: model blob (bytes): truncated: fewer bytes than the header announces",
    "foreign": "ValueError: model blob (bytes): not a qmoe model blob",
    "version": "ValueError: model blob (bytes): unsupported blob format version (at byte 8: 9",
    "corrupt": "ValueError: model blob (bytes): checksum mismatch",
    "hash": "ValueError: model is ",
    "features": "ValueError: feature vector of 95 bytes: the model takes 96 int8 values",
    "odd": "ValueError: PCM buffer of 7 bytes: int16 samples need an even number",
    "typecode": "ValueError: buffer of typecode 'f'",
    "nobuffer": "TypeError: object with buffer protocol required",
    "kind": "ValueError: kind must be qmoe.PCM or qmoe.FEATURES",
}


def check_output(text: str, ir, g: golden.GoldenResult, n_rows: int) -> None:
    lines = text.strip().splitlines()
    assert lines[0] == f"hash {ir.hash}"
    for i, line in enumerate(lines[1 : 1 + n_rows]):
        cls, expert, choice, unc, *logits = map(int, line.split()[1:])
        assert (cls, expert, choice, unc, tuple(logits)) == golden_row(g, i), f"row {i}"
    rest = dict(line.split(" ", 1) for line in lines[1 + n_rows :])
    assert rest["heap_lock"].isdigit()  # inference under heap_lock: no allocation
    assert rest["stream"] == f"True {CLIP_SAMPLES}"
    assert rest["info"].startswith(f"blob {ir.memory.arena_bytes} pcm ")
    assert rest["copy"] == "True" and rest["bytearray"] == "True"
    for key, want in EXPECTED_ERRORS.items():
        got = next(line for line in lines if line.startswith(f"E {key} "))
        assert got[len(f"E {key} ") :].startswith(want), (key, got)


@pytest.mark.slow
@pytest.mark.parametrize("name", RUNNABLE)
def test_blobs_and_bad_input_on_the_device(name, firmware, models, fold1, tmp_path):
    fw = firmware(name)
    _, ir, g = models["single"]
    blob = blob_bytes(ir)
    n_rows = 8
    rows = np.asarray(g.x8[:n_rows], dtype=np.int8).tobytes()
    clip = np.asarray(fold1[1][0][:CLIP_SAMPLES], dtype="<i2").tobytes()
    if fw.board.micropython.launch == "command":  # the unix port: a script file
        (tmp_path / "m.qbin").write_bytes(blob)
        script = tmp_path / "check.py"
        script.write_text(
            f"blob = open({str(tmp_path / 'm.qbin')!r}, 'rb').read()\n"
            f"rows = {rows!r}\nclip = {clip!r}\n" + CHECK
        )
        proc = subprocess.run(
            [str(fw.elf), "-X", "heapsize=16M", str(script)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout
    else:  # bare metal: the data go over the raw REPL in base64 chunks
        with start(fw.board, fw.elf) as running, RawRepl(running.url) as repl:
            repl.run("import binascii\nb = bytearray()")
            for what, data in (("blob", blob), ("rows", rows), ("clip", clip)):
                for i in range(0, len(data), 3000):
                    chunk = base64.b64encode(data[i : i + 3000]).decode()
                    repl.run(f"b.extend(binascii.a2b_base64({chunk!r}))")
                repl.run(f"{what} = bytes(b)\nb = bytearray()")
            out = repl.run(CHECK, timeout=300)
    check_output(out, ir, g, n_rows)


def measure_fold1(url: str, model: Path, out: Path, root: Path, n: int, **options):
    """`qmoe-host measure` of n fold-1 clips with 2-inference windows."""
    cfg = MeasureConfig(url, model, out, root=root, folds=[1], n=n, window_n=2, progress=False)
    for key, value in options.items():
        setattr(cfg, key, value)
    return measure(cfg)


@pytest.mark.slow
def test_measure_against_micropython(firmware, models, builtin_root, tmp_path):
    path, ir, _ = models["moe"]
    fw = firmware("mpy-unix")
    with start_build("mpy-unix", fw.out_dir) as running:
        res = measure_fold1(running.url, path, tmp_path / "unix", builtin_root, 6)
    assert not res.mismatches and res.summary["samples"] == 6
    run = json.loads((tmp_path / "unix" / "run.json").read_text())
    assert run["board"]["name"] == "mpy-unix" and run["board"]["counter"]["unit"] == "ns"
    # a board whose firmware boots to the REPL: measure starts qmoe_serve over the raw REPL
    fw = firmware("mpy-qemu-m4")
    with start(fw.board, fw.elf) as running:
        res = measure_fold1(
            running.url, path, tmp_path / "m4", builtin_root, 4, input="features",
            micropython="mpy-qemu-m4",
        )  # fmt: skip
    assert not res.mismatches and res.summary["samples"] == 4
    assert res.summary["counter_unit"] == "emulated-instructions"


def test_esp32s3_recipe(models, tmp_path):
    path, ir, _ = models["single"]
    recipe = build("mpy-esp32s3", path, tmp_path / "esp", ir=ir)
    text = recipe.table()
    idf = next(c for c in recipe.commands if c.startswith("idf.py -D"))
    defines = dict(re.findall(r"-D '?([A-Z_]+)=([^' ]+)'?", idf))
    assert defines["MICROPY_BOARD"] == "ESP32_GENERIC_S3"
    assert Path(defines["USER_C_MODULES"]).is_file()
    assert (Path(defines["QMOE_MODEL_DIR"]) / "qmoe_model_data.c").is_file()
    assert "qmoe_serve" in (ROOT / "micropython" / "frozen" / "manifest.py").read_text()
    assert "$(PORT_DIR)/boards/manifest.py" in Path(defines["MICROPY_FROZEN_MANIFEST"]).read_text()
    assert "v1.28.0" in text and "ESP-IDF v5.5.1" in text
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed: the module's CMake recipe was not configured")
    project = tmp_path / "cmake"
    project.mkdir()
    (project / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.12)\nproject(check C)\n"
        "add_library(usermod INTERFACE)\ninclude(${USER_C_MODULES})\n"
        "get_target_property(s usermod_qmoe INTERFACE_SOURCES)\n"
        "get_target_property(i usermod_qmoe INTERFACE_INCLUDE_DIRECTORIES)\n"
        'file(WRITE ${CMAKE_BINARY_DIR}/out.txt "${s}\\n${i}\\n")\n'
    )
    args = [f"-D{k}={v}" for k, v in defines.items() if k.startswith(("QMOE", "USER"))]
    proc = subprocess.run(
        ["cmake", "-S", str(project), "-B", str(project / "b"), *args],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    sources, includes = (project / "b" / "out.txt").read_text().splitlines()[:2]
    files = [Path(p) for p in sources.split(";")]
    assert all(p.is_file() for p in files)
    assert {p.name for p in files} >= {"modqmoe.c", "qmoe_blob.c", "qmoe_model_data.c"}
    assert all(Path(p).is_dir() for p in includes.split(";"))


@pytest.mark.slow
def test_example_classifies_a_clip_from_a_file(firmware, models, fold1, tmp_path):
    fw = firmware("mpy-unix")
    _, ir, g = models["single"]
    (tmp_path / "m.qbin").write_bytes(blob_bytes(ir))
    np.asarray(fold1[1][3], dtype="<i2").tofile(tmp_path / "clip.pcm")
    example = ROOT / "micropython" / "examples" / "classify.py"
    proc = subprocess.run(
        [str(fw.elf), str(example), str(tmp_path / "clip.pcm"), str(tmp_path / "m.qbin")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    assert lines["class"] == f"{g.cls[3]} {ir.class_names[g.cls[3]]}"
    assert lines["logits"] == " ".join(str(int(v)) for v in g.logits[3])


# Reads qmoe.counter() back to back for a while; every step is taken modulo the counter's 2^30 wrap.
COUNTER_SCAN = """
import qmoe
def scan(n):
    c = qmoe.counter
    back = 0
    first = p = c()
    for _ in range(n):
        v = c()
        if (v - p) & 0x3FFFFFFF > 0x1FFFFFFF:
            back += 1
        p = v
    return back, (p - first) & 0x3FFFFFFF
print('scan', *scan(%d))
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in RUNNABLE if n != "mpy-unix"])
def test_counter_never_steps_back(name, firmware):
    """Each read lands in a different phase of the millisecond tick, so over many ticks the reads
    meet the moment SysTick wraps (its count at 0, its interrupt pending or just taken)."""
    fw = firmware(name)
    with start(fw.board, fw.elf) as running, RawRepl(running.url) as repl:
        out = repl.run(COUNTER_SCAN % 100_000, timeout=300)
    back, span = map(int, out.split()[1:])
    assert back == 0, f"{name}: the counter stepped back {back} times in 100,000 reads"
    tick = {"mpy-qemu-m4": 25_000}.get(name)  # SysTick counts per millisecond interrupt
    assert tick is None or span >= 20 * tick, f"the reads crossed only {span / tick:.1f} ticks"

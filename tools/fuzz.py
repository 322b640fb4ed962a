#!/usr/bin/env python3
"""Build and run the libFuzzer harnesses of tests/fuzz/ (docs/reliability.md).

    python tools/fuzz.py [--seconds S | --runs N] [--target NAME ...] [--out build/fuzz] [--jobs J]

Targets (clang, -fsanitize=fuzzer,address,undefined, -fno-sanitize-recover=all):
  frame      the frame parser: bytes cut three ways must give the same events
  msg        the message codec: request unpacking, reply packing
  app        the benchmark app's whole receive path with a model (front end, router, experts)
  app-empty  the same app built without a model (every model request must get NO_MODEL)
  blob       the model-blob loader (firmware/blob/) and, for a blob it accepts, an inference with
             the arena sized from the loaded model

Each target starts from seeds written here with the host's own protocol code (qmoe.protocol):
valid request streams, every request type, damaged and truncated frames. Regression inputs (files
under tests/fuzz/regressions/<target>/) are replayed first; a crash found later belongs there.
Prints one line per target with executions, seconds and findings, and exits 1 on any finding
(the crashing input is kept in <out>/<target>/findings/).
"""

from __future__ import annotations

import argparse
import re
import shutil
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qmoe.ctoolchain import STRICT
from qmoe_codegen.ir import IR

ROOT = Path(__file__).resolve().parents[1]
FUZZ_DIR = ROOT / "tests" / "fuzz"
REGRESSIONS = FUZZ_DIR / "regressions"
CLANG_CANDIDATES = ("clang-14", "clang")
FLAGS = (
    *STRICT, "-g", "-O1",
    "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
)  # fmt: skip
# The app's build-time facts (bench_app.h): the fuzz port's counter counts 1 per ms.
APP_DEFINES = {
    "QMOE_APP_COUNTS_PER_MS": "1",
    "QMOE_APP_CORE": '"fuzz"',
    "QMOE_APP_COUNTER_KIND": '"fuzz"',
    "QMOE_APP_COUNTER_UNIT": '"counts"',
}
TARGETS = ("frame", "msg", "app", "app-empty", "blob")


class FuzzSetupError(RuntimeError):
    """The harness cannot be built (no clang with libFuzzer, or a compile error)."""


def find_clang() -> str:
    """The clang with libFuzzer and the sanitizers: clang-14 from Debian (tools/setup-fuzz.sh)."""
    for name in CLANG_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise FuzzSetupError(
        "no clang on PATH: run tools/setup-fuzz.sh (installs Debian's clang-14 and "
        "libclang-rt-14-dev, which holds libFuzzer)"
    )


def _compile(clang: str, sources: list[Path], includes: list[Path], defines: dict, out: Path):
    args = [clang, *FLAGS, *(f"-I{d}" for d in includes)]
    args += [f"-D{k}={v}" for k, v in defines.items()]
    args += [str(s) for s in sources] + ["-o", str(out)]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise FuzzSetupError(f"building {out.name} failed:\n{' '.join(args)}\n{proc.stderr}")
    return out


def _fuzz_model(work: Path) -> tuple[dict, Path]:
    """A small curiosity mixture with a front end, trained in seconds on built-in clips, its IR
    and generated sources. Seeded: the same bytes every time."""
    import torch

    from qmoe.api import load_features
    from qmoe.data import generate_builtin
    from qmoe.modelfile import save_model
    from qmoe.train.config import TrainConfig
    from qmoe.train.cv import fit_fold
    from qmoe_codegen.emit import write_model_sources
    from qmoe_codegen.lower import lower_file

    torch.set_num_threads(1)
    data = work / "data"
    if not (data / "meta").is_dir():
        generate_builtin(data, seed=0, clips_per_class=10)
    fd, fe = load_features("builtin", data, cache_dir=work / "cache")
    cfg = TrainConfig(
        experts=["ternary", "4", "1"], router="curiosity", hidden=(16,), epochs=2,
        qat_epochs=1, router_epochs=1,
    )  # fmt: skip
    model, _ = fit_fold(fd, cfg, 1, fe)
    path = save_model(model, work / "model.qmoe")
    ir = lower_file(path)
    gen = work / "gen"
    write_model_sources(ir, gen)
    return ir, gen


def build(out: Path, targets: list[str]) -> dict[str, Path]:
    """Compile the requested harnesses into out/bin/; returns target -> executable."""
    from qmoe.boards import load_board
    from qmoe.device.sources import INCLUDE_DIRS, firmware_sources, kernel_variant

    clang = find_clang()
    fw = ROOT / "firmware"
    bins = out / "bin"
    bins.mkdir(parents=True, exist_ok=True)
    protocol = sorted((fw / "protocol").glob("*.c"))
    includes = list(INCLUDE_DIRS)
    made: dict[str, Path] = {}
    if "frame" in targets:
        made["frame"] = _compile(
            clang, [FUZZ_DIR / "fuzz_frame.c", *protocol], includes, {}, bins / "fuzz_frame"
        )
    if "msg" in targets:
        made["msg"] = _compile(
            clang, [FUZZ_DIR / "fuzz_msg.c", *protocol], includes, {}, bins / "fuzz_msg"
        )
    _, kernels = kernel_variant(load_board("native"))
    harness = [FUZZ_DIR / "fuzz_app.c", FUZZ_DIR / "fuzz_port.c"]
    if "app-empty" in targets:
        srcs = firmware_sources(None, out / "none", kernels) + harness
        made["app-empty"] = _compile(
            clang, srcs, includes, {**APP_DEFINES, "QMOE_APP_NO_MODEL": "1"},
            bins / "fuzz_app_empty",
        )  # fmt: skip
    if "app" in targets or "blob" in targets:
        ir, gen = _fuzz_model(out / "model")
    if "app" in targets:
        srcs = firmware_sources(ir, gen, kernels) + harness
        made["app"] = _compile(clang, srcs, [*includes, gen], APP_DEFINES, bins / "fuzz_app")
    if "blob" in targets:
        runtime = [*sorted((fw / "runtime").glob("*.c")), *sorted((fw / "frontend").glob("*.c"))]
        srcs = [FUZZ_DIR / "fuzz_blob.c", *sorted((fw / "blob").glob("*.c")), *runtime, *kernels]
        made["blob"] = _compile(clang, srcs + protocol, includes, {}, bins / "fuzz_blob")
    return made


def _single_expert_ir(work: Path) -> IR:
    """The IR of a small 8-bit expert on 24 features (no front end, no router), seeded."""
    import torch

    from qmoe.data.types import FeatureDataset
    from qmoe.modelfile import save_model
    from qmoe.train.config import TrainConfig
    from qmoe.train.cv import fit_fold
    from qmoe_codegen.lower import lower_file

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    n = 100
    fd = FeatureDataset(
        X=rng.normal(size=(n, 24)).astype(np.float32), y=np.arange(n) % 4,
        folds=np.arange(n) % 5 + 1, names=[f"r{i}" for i in range(n)],
        class_names=["a", "b", "c", "d"], label_set="fuzz-4class", source="fuzz",
    )  # fmt: skip
    model, _ = fit_fold(fd, TrainConfig(experts=["8"], hidden=(8,), epochs=2), 1, None)
    return lower_file(save_model(model, work / "single.qmoe"))


# ---- seeds: valid traffic written by the host's protocol code --------------------------------


def _requests(n_features: int, pcm_bytes: int) -> list[bytes]:
    from qmoe.protocol import InferRequest, InfoRequest, InputKind, LoadInput, Ping, RunWindow
    from qmoe.protocol import encode_frame as frame

    feats = bytes((i * 37) & 0xFF for i in range(n_features))
    pcm = bytes((i * 11) & 0xFF for i in range(pcm_bytes))

    def req(msg, seq):
        return frame(msg.TYPE, msg.pack(), seq)

    def load(kind, blob, seq0, chunk=200):
        return b"".join(
            req(LoadInput(kind, len(blob), off, blob[off : off + chunk]), (seq0 + i) & 0xFF)
            for i, off in enumerate(range(0, len(blob), chunk))
        )

    ping, info = req(Ping(b"hello"), 1), req(InfoRequest(), 2)
    infer, window = req(InferRequest(), 4), req(RunWindow(3), 5)
    streams = [
        ping,
        info,
        load(InputKind.FEATURES_I8, feats, 3) + infer + window,
        infer,  # before any input: NO_INPUT
        window,
        frame(0x33, b"", 9),  # unknown request type
        frame(0x04, b"x", 10),  # INFER with a payload: BAD_LENGTH
        ping[:-3],  # truncated: the idle reset answers TRUNCATED
        b"\x00\xa5garbage" + ping,
        bytes([ping[0], ping[1] ^ 0x40]) + ping[2:] + info,  # damaged header, then a good frame
    ]
    if pcm_bytes:
        streams.append(load(InputKind.PCM_I16, pcm, 20) + infer)
        streams.append(load(InputKind.PCM_I16, pcm[: pcm_bytes // 2], 40) + infer)  # half input
    return streams


def write_seeds(corpus: Path, target: str, ir: IR | None) -> int:
    """Seed files for one target in corpus/; returns how many."""
    corpus.mkdir(parents=True, exist_ok=True)
    n_features = ir.input.n_features if ir else 96
    pcm_bytes = 0
    if ir is not None and ir.frontend is not None:
        pcm_bytes = 2 * ir.frontend.sample_rate // 10  # 100 ms of audio
    streams = _requests(n_features, pcm_bytes)
    seeds: list[bytes] = []
    if target in ("app", "app-empty"):
        seeds = [bytes([mode]) + s for s in streams for mode in (0, 1, 2)]
    elif target == "frame":
        seeds = [bytes([0xFF, 7]) + s for s in streams] + [bytes([16, 3]) + streams[2]]
    elif target == "blob":
        from qmoe_codegen.blob import blob_bytes

        blobs = [blob_bytes(ir)] if ir is not None else []
        blobs += [blob_bytes(_single_expert_ir(corpus))]
        seeds = [bytes([opt]) + b for b in blobs for opt in (0, 1)]
    elif target == "msg":
        from qmoe.protocol import InputKind, LoadInput

        seeds = [
            b"\x00" + LoadInput(InputKind.FEATURES_I8, 96, 0, bytes(96)).pack(),
            b"\x00" + LoadInput(InputKind.PCM_I16, 400, 200, bytes(200)).pack(),
            b"\x01" + struct.pack("<I", 50),
            b"\x02\x41\x06\x04length wrong for this type",
            b"\x03\x20\x0a\x03" + bytes(20),
        ]
    for i, s in enumerate(seeds):
        (corpus / f"seed-{i:03d}").write_bytes(s)
    return len(seeds)


# ---- running ----------------------------------------------------------------------------------


@dataclass
class FuzzRun:
    target: str
    executions: int
    seconds: float
    findings: int
    corpus: int
    log: Path


_STAT = re.compile(r"#(\d+)\s")  # "#N\tNEW ..." (one worker)
_FORK = re.compile(r"#(\d+): cov:")  # "#N: cov: ..." (a -fork parent's running total)


def executions(stderr: str) -> int:
    """The executions a libFuzzer run reports. -fork: the parent's closing count, else its last
    running total (a worker interrupted with it prints its own, smaller, final stats into the same
    output); one worker: its final stats, else its last status line."""
    m = re.search(r"INFO: fuzzed for (\d+) iterations", stderr)
    if m is not None:
        return int(m.group(1))
    fork = [int(x) for x in _FORK.findall(stderr)]
    if fork:
        return max(fork)
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", stderr)
    if m is not None:
        return int(m.group(1))
    return max((int(x) for x in _STAT.findall(stderr)), default=0)


def run(binary: Path, target: str, work: Path, seconds: float | None, runs: int | None,
        jobs: int = 1) -> FuzzRun:  # fmt: skip
    """Replay the regression inputs, then fuzz for `seconds` or `runs` executions."""
    corpus, findings = work / "corpus", work / "findings"
    findings.mkdir(parents=True, exist_ok=True)
    log = work / "fuzz.log"
    regress = REGRESSIONS / target
    if regress.is_dir() and any(regress.iterdir()):
        inputs = sorted(str(p) for p in regress.iterdir())
        proc = subprocess.run([str(binary), *inputs], capture_output=True, text=True)
        if proc.returncode != 0:
            log.write_text(proc.stdout + proc.stderr)
            return FuzzRun(target, 0, 0.0, 1, 0, log)
    args = [
        str(binary), str(corpus), f"-artifact_prefix={findings}/", "-print_final_stats=1",
        "-max_len=4096", "-timeout=10", "-rss_limit_mb=2048",
    ]  # fmt: skip
    if seconds is not None:
        args.append(f"-max_total_time={int(max(1, seconds))}")
    if runs is not None:
        args.append(f"-runs={runs}")
    if jobs > 1:
        args += [f"-fork={jobs}", "-ignore_crashes=0"]
    t0 = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True)
    took = time.monotonic() - t0
    log.write_text(proc.stdout + proc.stderr)
    text = proc.stderr
    execs = executions(text)
    found = len([p for p in findings.iterdir() if p.is_file()])
    if proc.returncode != 0 and found == 0 and "libFuzzer: run interrupted" not in text:
        found = 1  # a crash without an artifact still counts; an interrupt (Ctrl-C) is not one
    return FuzzRun(target, execs, took, found, len(list(corpus.iterdir())), log)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=None, help="fuzzing time per target")
    ap.add_argument("--runs", type=int, default=None, help="executions per target")
    ap.add_argument("--target", action="append", choices=TARGETS, help="default: all")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz")
    ap.add_argument("--jobs", type=int, default=1, help="libFuzzer -fork workers")
    args = ap.parse_args(argv)
    if args.seconds is None and args.runs is None:
        args.seconds = 60.0
    targets = args.target or list(TARGETS)
    try:
        bins = build(args.out, targets)
    except FuzzSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ir = None
    if "app" in targets or "blob" in targets:
        from qmoe_codegen.lower import lower_file

        ir = lower_file(args.out / "model" / "model.qmoe")
    print(f"{'target':10s} {'executions':>12s} {'seconds':>8s} {'exec/s':>8s} "
          f"{'corpus':>7s} {'findings':>8s}")  # fmt: skip
    bad = 0
    for t in targets:
        work = args.out / t
        if not (work / "corpus").is_dir():
            write_seeds(work / "corpus", t, ir if t in ("app", "blob") else None)
        r = run(bins[t], t, work, args.seconds, args.runs, args.jobs)
        rate = r.executions / r.seconds if r.seconds else 0.0
        print(f"{t:10s} {r.executions:12d} {r.seconds:8.1f} {rate:8.0f} {r.corpus:7d} "
              f"{r.findings:8d}", flush=True)  # fmt: skip
        if r.findings:
            bad += 1
            print(f"  finding(s) in {work / 'findings'}; log: {r.log}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

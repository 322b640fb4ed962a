"""The C model runner (router + experts) vs the golden model, bit for bit, on built-in clips."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qmoe.modelfile import save_model
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen import golden
from qmoe_codegen.emit import write_model_sources
from qmoe_codegen.lower import lower_file

from support import cc

ROOT = Path(__file__).resolve().parents[1]
FW = ROOT / "firmware"
BASE = TrainConfig(epochs=20, qat_epochs=10, router_epochs=10)
MODELS = {
    "curiosity": dict(experts=["ternary", "4", "1"], router="curiosity", policy="curiosity"),
    "softmax": dict(experts=["2", "8"], router="softmax"),
    "w16": dict(experts=["16"], hidden=(64,)),
    "dense-ternary": dict(experts=["ternary", "8"], router="curiosity", policy="curiosity"),
}


def runtime_sources() -> list[Path]:
    return (
        sorted((FW / "runtime").glob("*.c"))
        + sorted((FW / "kernels" / "reference").glob("*.c"))
        + [FW / "kernels" / "qmoe_fc.c"]
    )


def build_harness(ir, out: Path) -> Path:
    gen = write_model_sources(ir, out / "gen")
    srcs = [str(p) for p in runtime_sources() + [g for g in gen if g.suffix == ".c"]]
    srcs += [str(ROOT / "tests/c/model_main.c")]
    if ir.frontend is not None:
        srcs += [str(p) for p in sorted((FW / "frontend").glob("*.c"))]
    includes = [FW / "include", out / "gen"]
    return cc.build(srcs, out / "model", includes=includes, flags=["-O1"], sanitize=True)


def run_harness(exe: Path, kind: str, rows: np.ndarray) -> np.ndarray:
    text = f"{kind} {len(rows)}\n" + "\n".join(" ".join(str(int(v)) for v in r) for r in rows)
    r = subprocess.run([str(exe)], input=text, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-500:] + r.stderr[-2000:]
    lines = r.stdout.strip().splitlines()
    assert not any(line.startswith("error") for line in lines), lines[:3]
    return np.array([[int(v) for v in line.split()] for line in lines], dtype=np.int64)


@pytest.fixture(scope="module", params=list(MODELS))
def built(request, builtin_features, tmp_path_factory):
    fd, fe = builtin_features
    model, split = fit_fold(fd, replace(BASE, **MODELS[request.param]), 3, fe)
    d = tmp_path_factory.mktemp(request.param)
    ir = lower_file(save_model(model, d / "m.qmoe"), dense_ternary=request.param == "dense-ternary")
    return request.param, ir, build_harness(ir, d), split


def _first_mismatch(got: np.ndarray, want: np.ndarray, names: list[str]) -> str:
    r, c = np.argwhere(got != want)[0]
    return (
        f"row {r}, {names[c] if c < len(names) else f'logit {c - len(names)}'}: "
        f"C {got[r, c]} vs golden {want[r, c]}"
    )


def test_c_runtime_is_bit_exact(built, builtin_features):
    name, ir, exe, split = built
    fd, _ = builtin_features
    rows = np.arange(len(fd.y))  # every clip, all folds
    g = golden.run(ir, features=fd.X[rows])
    want = np.column_stack([g.cls, g.expert, g.choice, g.u_q30, g.logits])
    for kind, data in (("features", fd.X[rows]), ("x8", g.x8)):
        got = run_harness(exe, kind, data)
        assert got.shape == want.shape
        fields = ["class", "expert", "choice", "uncertainty"]
        assert np.array_equal(got, want), f"{name}/{kind}: " + _first_mismatch(got, want, fields)
    if ir.router is not None:
        assert len(np.unique(g.expert)) >= 1


def test_random_inputs_stress_the_clamps(built):
    name, ir, exe, _ = built
    rng = np.random.default_rng(1)
    x8 = rng.integers(-128, 128, size=(200, ir.n_features))
    x8[:4] = [[-128], [127], [0], [1]]
    g = golden.run(ir, x8=x8)
    want = np.column_stack([g.cls, g.expert, g.choice, g.u_q30, g.logits])
    for kind in ("x8", "x8u"):  # set_input: word copy (aligned) and byte copy (misaligned)
        got = run_harness(exe, kind, x8)
        assert np.array_equal(got, want), f"{name}/{kind}: " + _first_mismatch(
            got, want, ["class", "expert", "choice", "u"]
        )

"""Reproducible training (docs/reproducibility.md): one seed, one model file, byte for byte, in
processes whose thread settings and vector units differ; another seed, another model."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

# Small enough for seconds per run, big enough to go through every random source: the fp32 base
# and its QAT fine-tuning, dropout, the router's training and its MC-dropout masks, the split.
ARGS = [
    "--variant",
    "ternary,4,8@curiosity",
    "--hidden",
    "32,16",
    "--epochs",
    "6",
    "--folds",
    "1,2",
]
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "ATEN_CPU_CAPABILITY", "MKL_CBWR")


def _train(root: Path, out: Path, env: dict[str, str], *extra: str) -> dict[str, str]:
    """`qmoe-host train` in a fresh process; SHA-256 of every model file it wrote, by name."""
    base = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    proc = subprocess.run(
        [sys.executable, "-m", "qmoe.cli", "train", "--dataset", "builtin", "--root", str(root)]
        + ARGS
        + ["--out", str(out), *extra],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = sorted(out.rglob("*.qmoe"))
    assert len(files) == 3, files  # models/fold1, models/fold2, model.qmoe
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def reference(builtin_root, tmp_path_factory):
    """One training run with one thread everywhere: (hashes, run folder)."""
    out = tmp_path_factory.mktemp("repro") / "ref"
    env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return _train(builtin_root, out, env), out


def test_same_seed_same_model_files_whatever_the_threads_and_vector_units(
    builtin_root, reference, tmp_path
):
    """Two threads asked for by the environment, and another machine's vector units (AVX2
    kernels in torch and MKL instead of this machine's): --threads fixes the one, the portable
    kernels the other; the model files are the same bytes."""
    hashes, _ = reference
    env = {
        "OMP_NUM_THREADS": "2",
        "MKL_NUM_THREADS": "2",
        "ATEN_CPU_CAPABILITY": "avx2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    }
    again = _train(builtin_root, tmp_path / "again", env, "--threads", "1")
    assert again == hashes


def test_another_seed_gives_another_model(builtin_root, reference, tmp_path):
    hashes, _ = reference
    other = _train(builtin_root, tmp_path / "seed1", {"OMP_NUM_THREADS": "1"}, "--seed", "1")
    assert set(other) == set(hashes)
    assert all(other[k] != hashes[k] for k in hashes), (other, hashes)


def test_run_json_records_seed_threads_and_environment(reference):
    _, out = reference
    env = json.loads((out / "run.json").read_text())["environment"]
    assert env["seed"] == 0 and env["threads"] == 1
    assert env["torch"].startswith("2.") and env["numpy"] and env["python"].count(".") == 2
    assert env["cpu_count"] == os.cpu_count() and env["platform"]
    assert "git_commit" in env


def test_threads_option_is_checked(builtin_root, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "qmoe.cli", "train", "--root", str(builtin_root), "--threads", "0"]
        + ["--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and "--threads" in proc.stderr, proc.stderr


def test_model_file_bytes_depend_on_content_only(tmp_path):
    """No timestamp in a model file: the same model written twice, a second apart, is the same
    bytes (zip members and the arrays' npz carry a fixed date)."""
    import time

    import numpy as np

    from qmoe_codegen.modelfile import read_zip, write_zip

    arrays = {"a.w": np.arange(12, dtype=np.int8).reshape(3, 4), "b": np.ones(3, np.float32)}
    meta = {"format": "x", "version": 1}
    write_zip(tmp_path / "1.qmoe", meta, arrays, "model.json", "arrays_sha256")
    time.sleep(2.1)  # zip times have a 2 s resolution
    write_zip(tmp_path / "2.qmoe", meta, arrays, "model.json", "arrays_sha256")
    assert (tmp_path / "1.qmoe").read_bytes() == (tmp_path / "2.qmoe").read_bytes()
    _, back = read_zip(tmp_path / "1.qmoe", "model.json", "x", 1, "arrays_sha256", "model")
    assert set(back) == set(arrays) and np.array_equal(back["a.w"], arrays["a.w"])


def test_variants_differing_in_the_router_share_experts_without_changing_a_bit(
    builtin_features, tmp_path
):
    """Trained in one run, the softmax and curiosity mixtures train their experts once; the
    curiosity model is still the same bytes as when it is trained alone."""
    from dataclasses import replace

    from qmoe.api import parse_variant, train
    from qmoe.train.config import TrainConfig

    fd, fe = builtin_features
    base = replace(TrainConfig(seed=3), hidden=(32, 16), epochs=4, qat_epochs=2, router_epochs=3)
    both = [parse_variant(v, base) for v in ("ternary,4,8@softmax", "ternary,4,8@curiosity")]
    together = train(fd, fe, both, tmp_path / "both", folds=[1, 3], progress=False)
    alone = train(fd, fe, both[1:], tmp_path / "alone", folds=[1, 3], progress=False)
    for fold in (1, 3):
        rel = f"moe-curiosity_ternary_4_8/models/fold{fold}.qmoe"
        assert (together.out / rel).read_bytes() == (alone.out / rel).read_bytes()
    # and the experts are the softmax mixture's
    a = together.results[0].folds[0].model.experts[0].state_dict()
    b = together.results[1].folds[0].model.experts[0].state_dict()
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)

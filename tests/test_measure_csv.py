"""`measure` on embedding-CSV models (the paper's setting): each row quantized with the model's own
input quantizer, every answer checked against the golden model, on the native build, on qemu-m4
through `qmoe-host measure --board`, and (slow) the paper-size mixture on qemu-m4-4mb.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qmoe import boards
from qmoe.cli import cli
from qmoe.data import load_embedding_csv
from qmoe.data.synth_embeddings import generate_embeddings
from qmoe.device.build import build
from qmoe.device.errors import DoesNotFit
from qmoe.errors import ConfigError
from qmoe.measure import measure_on_board
from qmoe.measure_samples import load_samples
from qmoe.modelfile import save_model
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen.inputq import InputQuant
from qmoe_codegen.lower import lower_file
from qmoe_codegen.modelfile import read_model_file

from support.firmware import need_tools

SEED = 3  # not the default: the CSV has no fold column, so measure must draw training's folds
DIM = 13  # not a multiple of 4: the input copy's word loop and its byte tail both run
CFG = TrainConfig(
    experts=["4", "8"],
    router="curiosity",
    hidden=(16,),
    epochs=6,
    qat_epochs=3,
    router_epochs=3,
    seed=SEED,
)


def _drop_fold_column(path: Path) -> None:
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, [c for c in rows[0] if c != "fold"])
        w.writeheader()
        w.writerows({k: v for k, v in r.items() if k != "fold"} for r in rows)


@pytest.fixture(scope="module")
def csv_model(tmp_path_factory) -> tuple[Path, Path]:
    """(model file, CSV): a curiosity mixture trained on a 13-d embedding CSV without folds."""
    d = tmp_path_factory.mktemp("csv")
    path = generate_embeddings(d / "emb.csv", rows_per_class=10, dim=DIM)
    _drop_fold_column(path)
    fd = load_embedding_csv(path, seed=SEED)
    model, _ = fit_fold(fd, CFG, 1, None)
    return save_model(model, d / "emb.qmoe"), path


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_samples_are_the_held_out_rows_quantized_by_the_model(csv_model):
    model, path = csv_model
    meta, _ = read_model_file(model)
    data = load_samples(meta, lower_file(model))  # dataset and root from the model's file
    fd = load_embedding_csv(path, seed=SEED)
    rows = np.flatnonzero(fd.folds == 1)
    assert data.dataset == "csv" and data.root == path.resolve()
    assert [s.name for s in data.samples] == [fd.names[i] for i in rows]
    x8 = InputQuant.from_dict(meta["input_quant"]).apply(fd.X[rows])
    assert [s.payload for s in data.samples] == [r.tobytes() for r in x8]
    np.testing.assert_array_equal(data.golden.x8, x8)
    other = load_embedding_csv(path, seed=0)  # another seed draws other folds
    assert not np.array_equal(np.flatnonzero(other.folds == 1), rows)


def test_measure_csv_model_on_native_is_bit_exact(csv_model, tmp_path):
    """The main job's device step (measure_on_board) on an embedding-CSV model."""
    model, path = csv_model
    need_tools(boards.load_board("native"))
    dev = measure_on_board("native", model, tmp_path, path, window_n=5)
    assert dev.result.mismatches == []
    inf = _lines(dev.run_dir / "inferences.jsonl")
    assert len(inf) == 10 and all(r["golden"]["match"] for r in inf)
    assert all(r["counters"]["frontend"] == 0 for r in inf), "feature vectors: no front end"
    run = json.loads((dev.run_dir / "run.json").read_text())
    assert run["data"]["input"] == "features" and run["data"]["source"] == f"csv:{path}"
    assert run["model"]["label_set"] == "csv-5class"


def test_cli_measure_csv_on_qemu_m4_with_board(csv_model, tmp_path):
    """`qmoe-host measure --board qemu-m4` starts the built firmware, measures, stops it."""
    model, path = csv_model
    need_tools(boards.load_board("qemu-m4"))
    build("qemu-m4", model, tmp_path / "fw")
    args = ["measure", "--board", "qemu-m4", "--build", str(tmp_path / "fw")]
    args += ["--model", str(model), "--dataset", "csv", "--root", str(path)]
    res = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "run"), "--window-n", "5"])
    assert res.exit_code == 0, res.output
    assert "10 inferences" in res.output and "golden mismatches: 0" in res.output
    assert "emulated-instructions" in res.output
    both = CliRunner().invoke(cli, [*args, "--port", "loop://", "--out", str(tmp_path / "r2")])
    assert both.exit_code == 2 and "either --port URL or --board NAME" in both.output


def test_csv_errors_name_what_does_not_match(csv_model, builtin_features, tmp_path):
    model, path = csv_model
    meta, _ = read_model_file(model)
    ir = lower_file(model)
    wide = generate_embeddings(tmp_path / "wide.csv", rows_per_class=5, dim=DIM + 2)
    with pytest.raises(ConfigError, match=f"rows have {DIM + 2} feature columns.*takes {DIM}"):
        load_samples(meta, ir, dataset="csv", root=wide)
    with pytest.raises(ConfigError, match="not audio: measure it with --dataset csv"):
        load_samples(meta, ir, dataset="builtin", root=tmp_path)
    with pytest.raises(ConfigError, match="--label-set does not apply"):
        load_samples(meta, ir, root=path, label_set="esc10")
    with pytest.raises(ConfigError, match="no front end: measure it with --input features"):
        load_samples(meta, ir, root=path, input_mode="pcm")
    moved = {**meta, "provenance": {**meta["provenance"], "source": f"csv:{tmp_path}/gone.csv"}}
    with pytest.raises(ConfigError, match="gone.csv.*pass --root"):
        load_samples(moved, ir)
    fd, fe = builtin_features
    audio, _ = fit_fold(fd, TrainConfig(experts=["4"], hidden=(8,), epochs=2, qat_epochs=1), 1, fe)
    audio_path = save_model(audio, tmp_path / "audio.qmoe")
    audio_meta, _ = read_model_file(audio_path)
    with pytest.raises(ConfigError, match="takes audio through its front end"):
        load_samples(audio_meta, lower_file(audio_path), dataset="csv", root=path)


@pytest.mark.slow
def test_paper_size_mixture_runs_bit_exact_on_qemu_m4_4mb(tmp_path):
    """The paper's setting: 1536-d embeddings, ternary/4/8 experts 1536→640→320→5 and the curiosity
    router. qemu-m4 (the nRF52840's 1 MB) refuses it and names qemu-m4-4mb, where it runs
    bit-exact against the golden model."""
    need_tools(boards.load_board("qemu-m4-4mb"))
    path = generate_embeddings(tmp_path / "paper.csv", rows_per_class=10)
    cfg = TrainConfig(
        experts=["ternary", "4", "8"],
        router="curiosity",
        hidden=(640, 320),
        epochs=2,
        qat_epochs=1,
        router_epochs=2,
    )
    model, _ = fit_fold(load_embedding_csv(path), cfg, 1, None)
    model_path = save_model(model, tmp_path / "paper.qmoe")
    ir = lower_file(model_path)
    with pytest.raises(DoesNotFit, match=r"does not fit board qemu-m4:.*it fits qemu-m4-4mb"):
        build("qemu-m4", model_path, tmp_path / "m4", ir=ir)
    dev = measure_on_board("qemu-m4-4mb", model_path, tmp_path / "m4-4mb", path, window_n=2)
    m4 = boards.load_board("qemu-m4")
    assert m4.flash_bytes < dev.built.sizes["flash"] <= dev.built.board.flash_bytes
    assert dev.result.mismatches == [] and dev.result.summary["samples"] == 10
    assert [e.label for e in ir.experts] == ["ternary", "4-bit", "8-bit"]
    shapes = [(la.n_in, la.n_out) for la in ir.experts[2].layers]
    assert shapes == [(1536, 640), (640, 320), (320, 5)]

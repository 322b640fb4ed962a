"""The command line: thin commands over the API, clear errors with exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from qmoe.cli import cli

from support import run_cli


def test_missing_dataset_is_a_clear_error(tmp_path):
    r = run_cli(
        "train",
        "--dataset",
        "esc50",
        "--root",
        str(tmp_path / "nowhere"),
        "--out",
        str(tmp_path / "run"),
    )
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and "nowhere" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_bad_variant_is_a_clear_error(builtin_root, tmp_path):
    r = run_cli(
        "train",
        "--root",
        str(builtin_root),
        "--variant",
        "4,8@nonsense",
        "--out",
        str(tmp_path / "run"),
    )
    assert r.returncode == 2 and "router" in r.stderr and "nonsense" in r.stderr, r.stderr
    r = run_cli(
        "train", "--root", str(builtin_root), "--experts", "17", "--out", str(tmp_path / "r")
    )
    assert r.returncode == 2 and "17" in r.stderr and "dataset:" not in r.stderr, r.stderr


def test_train_then_eval(builtin_root, tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    r = runner.invoke(
        cli,
        [
            "train",
            "--root",
            str(builtin_root),
            "--experts",
            "ternary,8",
            "--router",
            "curiosity",
            "--epochs",
            "8",
            "--folds",
            "1,2",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "moe-curiosity[ternary,8]" in r.output and "run folder" in r.output
    model = out / "moe-curiosity_ternary_8" / "model.qmoe"
    r = runner.invoke(
        cli, ["eval", str(model), "--root", str(builtin_root), "--out", str(tmp_path / "eval.json")]
    )
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp_path / "eval.json").read_text())
    assert rep["folds"] == [1] and rep["label_set"] == "builtin-10class"
    assert 0.0 <= rep["macro_f1"] <= 1.0 and sum(rep["expert_usage"]) == rep["rows"]


def test_budget_policy_from_the_cli(builtin_root, tmp_path):
    r = CliRunner().invoke(
        cli,
        [
            "train",
            "--root",
            str(builtin_root),
            "--experts",
            "ternary,8",
            "--router",
            "curiosity",
            "--policy",
            "budget",
            "--budget",
            "10000",
            "--epochs",
            "8",
            "--folds",
            "1",
            "--out",
            str(tmp_path / "b"),
        ],
    )
    assert r.exit_code == 0, r.output
    res = json.loads((tmp_path / "b" / "moe-curiosity_ternary_8" / "results.json").read_text())
    assert res["train_config"]["policy"] == "budget"


def test_embedding_csv_training(tmp_path):
    rng = np.random.default_rng(0)
    n, d, k = 120, 24, 3
    y = np.repeat(np.arange(k), n // k)
    X = rng.normal(size=(n, d)) + y[:, None] * 1.5
    lines = ["class_id,category," + ",".join(f"f{i}" for i in range(d))]
    lines += [f"{c},cls{c}," + ",".join(f"{v:.5f}" for v in row) for c, row in zip(y, X)]
    csv = tmp_path / "emb.csv"
    csv.write_text("\n".join(lines) + "\n")
    r = CliRunner().invoke(
        cli,
        [
            "train",
            "--dataset",
            "csv",
            "--root",
            str(csv),
            "--experts",
            "4",
            "--epochs",
            "20",
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert r.exit_code == 0, r.output
    res = json.loads((tmp_path / "run" / "4" / "results.json").read_text())
    assert res["label_set"].startswith("csv-") and len(res["folds"]) == 5
    assert res["summary"]["accuracy"]["mean"] > 0.8


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"], ["demo", "--help"]])
def test_help(args):
    assert CliRunner().invoke(cli, args).exit_code == 0

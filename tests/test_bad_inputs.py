"""The catalogue of bad inputs: each case is a command line a user could type, the exit status 2
and message fragments that name the input and what was wrong; no case may end in a traceback,
hang, or be accepted silently (issue 20; issue 11 grows this to every command).

A case is data: `argv` and `expect` may hold `{placeholders}` filled from the workspace (`data`,
`model`, `file`, `ro` below) and from its `setup`, a function in SETUPS that writes the bad file
into the case's own folder `{tmp}` and returns more placeholders. Cases run in-process through
`qmoe.cli.run`, the function behind the `qmoe-host` entry point; one test runs a case through the
real entry point in a subprocess as well.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from fixtures_audio import write_esc50

from qmoe.cli import run
from qmoe.modelfile import save_model
from qmoe.runio import out_path_problem
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen.modelfile import write_zip

torch.set_num_threads(1)


@dataclass(frozen=True)
class Case:
    """One bad input: the command line, the fragments its error must contain, and its setup."""

    name: str
    argv: tuple[str, ...]
    expect: tuple[str, ...]
    setup: str | None = None


# ---- setups: each writes its bad input into `tmp` and returns the placeholders it adds ---------


def _esc50(tmp: Path) -> Path:
    root = tmp / "esc50"
    write_esc50(root, clip_s=0.02, sr=16000)
    return root


def _wav_rate(path: Path, rate: int) -> None:
    """Overwrite a PCM WAV header's sample rate (and byte rate) in place."""
    data = bytearray(path.read_bytes())
    assert data[:4] == b"RIFF" and data[12:16] == b"fmt "
    block_align = struct.unpack("<H", data[32:34])[0]
    data[24:28] = struct.pack("<I", rate)
    data[28:32] = struct.pack("<I", (rate * block_align) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))


def _first_clip(root: Path) -> Path:
    first = root.joinpath("meta", "esc50.csv").read_text().splitlines()[1].split(",")[0]
    return root / "audio" / first


def wav_1hz(ws: dict, tmp: Path) -> dict:
    root = _esc50(tmp)
    _wav_rate(_first_clip(root), 1)
    return {"esc": str(root), "bad_wav": _first_clip(root).name}


def wav_huge_rate(ws: dict, tmp: Path) -> dict:
    root = _esc50(tmp)
    _wav_rate(_first_clip(root), 0x7FFFFFFF)
    return {"esc": str(root), "bad_wav": _first_clip(root).name}


def target_99(ws: dict, tmp: Path) -> dict:
    root = _esc50(tmp)
    csv = root / "meta" / "esc50.csv"
    lines = csv.read_text().splitlines()
    cells = lines[6].split(",")
    cells[2] = "99"  # target of file line 7
    lines[6] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")
    return {"esc": str(root)}


def one_class_csv(ws: dict, tmp: Path) -> dict:
    path = tmp / "emb.csv"
    rows = ["class_id,f0,f1"] + [f"0,{i * 0.1:.2f},{i * 0.2:.2f}" for i in range(20)]
    path.write_text("\n".join(rows) + "\n")
    return {"csv": str(path)}


def torn_run_json(ws: dict, tmp: Path) -> dict:
    out = tmp / "m"
    out.mkdir()
    (out / "run.json").write_text('{"kind": "device", "model": {"ha')
    return {"out": str(out)}


def _build_dir(tmp: Path, text: str) -> dict:
    out = tmp / "b"
    out.mkdir()
    (out / "build.json").write_text(text)
    return {"out": str(out)}


def corrupt_build_json(ws: dict, tmp: Path) -> dict:
    return _build_dir(tmp, '{"board": "pico", "kind": "proj')


def build_json_without_projects(ws: dict, tmp: Path) -> dict:
    return _build_dir(tmp, json.dumps({"board": "pico", "kind": "project"}))


def build_json_bad_project(ws: dict, tmp: Path) -> dict:
    return _build_dir(
        tmp, json.dumps({"board": "pico", "kind": "project", "projects": [{"system": "make"}]})
    )


def _rewrite_model(ws: dict, tmp: Path, edit: Callable[[dict, dict], None]) -> dict:
    """A copy of the workspace model with its arrays (and metadata) edited, digest renewed."""
    with zipfile.ZipFile(ws["model"]) as z:
        meta = json.loads(z.read("model.json"))
        blob = z.read("arrays.npz")
    import io

    with np.load(io.BytesIO(blob)) as npz:
        arrays = {k: npz[k].copy() for k in npz.files}
    edit(meta, arrays)
    meta.pop("arrays_sha256", None)
    path = write_zip(tmp / "bad.qmoe", meta, arrays, "model.json", "arrays_sha256")
    return {"bad_model": str(path)}


def nan_weight(ws: dict, tmp: Path) -> dict:
    def edit(meta: dict, arrays: dict) -> None:
        arrays["expert0.state.blocks.0.linear.weight"][0, 3] = np.nan

    return _rewrite_model(ws, tmp, edit)


def weight_out_of_format(ws: dict, tmp: Path) -> dict:
    def edit(meta: dict, arrays: dict) -> None:
        q = arrays["expert0.export.layers.0.q"].astype(np.int32)  # an 8-bit layer
        q[0, 0] = 300
        arrays["expert0.export.layers.0.q"] = q

    return _rewrite_model(ws, tmp, edit)


def nan_in_model_json(ws: dict, tmp: Path) -> dict:
    def edit(meta: dict, arrays: dict) -> None:
        meta["input_quant"]["input_scale"] = float("nan")

    return _rewrite_model(ws, tmp, edit)


def not_a_model(ws: dict, tmp: Path) -> dict:
    path = tmp / "notes.qmoe"
    path.write_text("not a model\n")
    return {"bad_model": str(path)}


def file_in_run(ws: dict, tmp: Path) -> dict:
    path = tmp / "stray.txt"
    path.write_text("x\n")
    return {"stray": str(path)}


SETUPS: dict[str, Callable[[dict, Path], dict]] = {
    f.__name__: f
    for f in (
        wav_1hz,
        wav_huge_rate,
        target_99,
        one_class_csv,
        torn_run_json,
        corrupt_build_json,
        build_json_without_projects,
        build_json_bad_project,
        nan_weight,
        weight_out_of_format,
        nan_in_model_json,
        not_a_model,
        file_in_run,
    )
}

# ---- the catalogue ------------------------------------------------------------------------------

TRAIN = ("train", "--root", "{data}", "--epochs", "1", "--folds", "1")
MEASURE = ("measure", "--port", "loop://", "--model", "{model}", "--root", "{data}")
BUILD = ("build", "--board", "pico", "--model", "{model}", "--no-pio")
FLASH_PICO = ("flash", "--board", "pico", "--port", "/dev/null", "--out", "{out}")

CASES = [
    # -- files the commands write: an existing file or an unwritable folder as --out
    Case("train-out-file", (*TRAIN, "--out", "{file}"), ("--out", "{file}", "existing file")),
    Case("train-out-ro", (*TRAIN, "--out", "{ro}/run"), ("--out", "{ro}", "cannot be written")),
    Case(
        "train-out-under-file",
        (*TRAIN, "--out", "{file}/run"),
        ("--out", "{file} is a file, not a folder"),
    ),
    Case("export-out-file", ("export", "{model}", "--out", "{file}"), ("--out", "existing file")),
    Case("export-out-ro", ("export", "{model}", "--out", "{ro}/e"), ("--out", "cannot be written")),
    Case("build-out-file", (*BUILD, "--out", "{file}"), ("--out", "{file}", "existing file")),
    Case("build-out-ro", (*BUILD, "--out", "{ro}/b"), ("--out", "{ro}", "cannot be written")),
    Case("measure-out-file", (*MEASURE, "--out", "{file}"), ("--out", "{file}", "existing file")),
    Case("measure-out-ro", (*MEASURE, "--out", "{ro}/m"), ("--out", "cannot be written")),
    Case(
        "report-out-file",
        ("report", "{tmp}", "--out", "{file}"),
        ("--out", "{file}", "existing file"),
    ),
    Case("report-out-ro", ("report", "{tmp}", "--out", "{ro}/r"), ("--out", "cannot be written")),
    Case(
        "eval-out-folder",
        ("eval", "{model}", "--root", "{data}", "--out", "{tmp}"),
        ("--out", "{tmp} is an existing folder, expected a file"),
    ),
    Case(
        "compare-out-under-file",
        ("compare", "{tmp}", "--out", "{file}/c.json"),
        ("--out", "is a file, not a folder"),
    ),
    Case(
        "data-builtin-out-file",
        ("data", "builtin", "--out", "{file}"),
        ("--out", "{file}", "existing file"),
    ),
    Case("demo-out-file", ("demo", "--out", "{file}"), ("--out", "{file}", "existing file")),
    # -- files the commands re-read
    Case(
        "measure-resume-torn-run-json",
        (*MEASURE, "--out", "{out}", "--resume"),
        ("{out}/run.json", "not valid JSON"),
        "torn_run_json",
    ),
    Case(
        "flash-corrupt-build-json",
        FLASH_PICO,
        ("{out}/build.json", "not valid JSON", "qmoe-host build --board pico"),
        "corrupt_build_json",
    ),
    Case(
        "flash-native-corrupt-build-json",
        ("flash", "--board", "native", "--out", "{out}"),
        ("{out}/build.json", "not valid JSON"),
        "corrupt_build_json",
    ),
    Case(
        "flash-build-json-without-projects",
        FLASH_PICO,
        ("{out}/build.json", "lacks field(s) projects"),
        "build_json_without_projects",
    ),
    Case(
        "flash-build-json-bad-project",
        FLASH_PICO,
        ("{out}/build.json", "'projects' entry 0", "expected system one of"),
        "build_json_bad_project",
    ),
    Case(
        "flash-not-built",
        ("flash", "--board", "esp32s3", "--out", "{tmp}/nothing", "--port", "/dev/null"),
        ("{tmp}/nothing", "no build.json here", "qmoe-host build --board esp32s3"),
    ),
    Case(
        "eval-nan-weight",
        ("eval", "{bad_model}", "--root", "{data}"),
        ("{bad_model}", "expert0.state.blocks.0.linear.weight", "nan", "finite"),
        "nan_weight",
    ),
    Case(
        "export-nan-weight",
        ("export", "{bad_model}", "--out", "{tmp}/e"),
        ("{bad_model}", "expert0.state.blocks.0.linear.weight", "nan"),
        "nan_weight",
    ),
    Case(
        "export-nan-in-model-json",
        ("export", "{bad_model}", "--out", "{tmp}/e"),
        ("{bad_model}", "model.json holds NaN", "finite"),
        "nan_in_model_json",
    ),
    Case(
        "export-weight-outside-format",
        ("export", "{bad_model}", "--out", "{tmp}/e"),
        ("{bad_model}", "expert 0", "layer 0", "300", "s8", "-128..127"),
        "weight_out_of_format",
    ),
    Case(
        "build-weight-outside-format",
        ("build", "--board", "native", "--model", "{bad_model}", "--out", "{tmp}/b"),
        ("{bad_model}", "layer 0", "300"),
        "weight_out_of_format",
    ),
    Case(
        "eval-not-a-model",
        ("eval", "{bad_model}", "--root", "{data}"),
        ("{bad_model}", "not a readable qmoe model file"),
        "not_a_model",
    ),
    Case(
        "export-missing-model",
        ("export", "{tmp}/none.qmoe", "--out", "{tmp}/e"),
        ("{tmp}/none.qmoe", "not found"),
    ),
    # -- datasets
    Case(
        "wav-header-1-hz",
        ("train", "--dataset", "esc50", "--root", "{esc}", "--epochs", "1", "--out", "{tmp}/r"),
        ("{bad_wav}", "'sample rate' is 1 Hz", "1000..768000"),
        "wav_1hz",
    ),
    Case(
        "wav-header-2147483647-hz",
        ("train", "--dataset", "esc50", "--root", "{esc}", "--epochs", "1", "--out", "{tmp}/r"),
        ("{bad_wav}", "'sample rate' is 2147483647 Hz"),
        "wav_huge_rate",
    ),
    Case(
        "esc50-layout-target-99",
        ("data", "info", "--dataset", "builtin", "--root", "{esc}"),
        ("esc50.csv line 7", "target 99", "no rows for target 5, 50..98"),
        "target_99",
    ),
    Case(
        "esc50-target-99",
        ("data", "info", "--dataset", "esc50", "--root", "{esc}"),
        ("esc50.csv line 7", "'target' value 99 out of range", "0..49"),
        "target_99",
    ),
    Case(
        "embedding-csv-one-class",
        ("train", "--dataset", "csv", "--root", "{csv}", "--out", "{tmp}/r"),
        ("{csv}", "'class_id' holds only class 0", "at least 2 classes"),
        "one_class_csv",
    ),
    Case(
        "csv-with-label-set",
        ("train", "--dataset", "csv", "--root", "{csv}", "--label-set", "esc10"),
        ("--label-set", "embedding CSV"),
        "one_class_csv",
    ),
    Case(
        "dataset-missing",
        ("data", "info", "--dataset", "esc50", "--root", "{tmp}/nowhere"),
        ("{tmp}/nowhere", "not found"),
    ),
    Case(
        "unknown-label-set",
        ("train", "--root", "{data}", "--label-set", "esc20", "--out", "{tmp}/r"),
        ("'esc20'", "valid: builtin-10class"),
    ),
    Case(
        "builtin-too-few-clips",
        ("data", "builtin", "--out", "{tmp}/d", "--clips-per-class", "1"),
        ("clips_per_class=1", ">= 5"),
    ),
    # -- option ranges: train
    Case("train-folds-twice", (*TRAIN[:-2], "--folds", "1,1"), ("--folds", "'1,1'", "twice")),
    Case("train-fold-zero", (*TRAIN[:-2], "--folds", "0"), ("--folds", "fold 0 is below 1")),
    Case("train-folds-text", (*TRAIN[:-2], "--folds", "one"), ("--folds", "'one'", "1,2")),
    Case("train-fold-absent", (*TRAIN[:-2], "--folds", "9"), ("fold(s) [9]", "folds [1, 2, 3")),
    Case("train-epochs-zero", (*TRAIN[:-4], "--epochs", "0"), ("--epochs", "0", "x>=1")),
    Case("train-hidden-text", (*TRAIN, "--hidden", "128,x"), ("--hidden", "'128,x'", "128,64")),
    Case("train-hidden-zero", (*TRAIN, "--hidden", "0"), ("--hidden", "'0'", ">= 1")),
    Case("train-seed-negative", (*TRAIN, "--seed", "-1"), ("--seed", "-1")),
    Case(
        "train-escalate-share",
        (*TRAIN, "--experts", "4,8", "--router", "curiosity", "--escalate-share", "2"),
        ("--escalate-share", "2.0", "0.0<=x<=1.0"),
    ),
    Case(
        "train-budget-negative",
        (*TRAIN, "--experts", "4,8", "--router", "curiosity", "--budget", "-3"),
        ("--budget", "-3.0"),
    ),
    Case("train-sample-rate", (*TRAIN, "--sample-rate", "0"), ("sample_rate=0", "1000..384000")),
    Case("train-n-fft", (*TRAIN, "--n-fft", "3"), ("n_fft=3", "64..2048")),
    Case(
        "train-bad-router",
        (*TRAIN, "--variant", "4,8@nonsense"),
        ("router", "'nonsense'", "curiosity"),
    ),
    Case("train-bad-expert", (*TRAIN, "--experts", "17"), ("17",)),
    # -- option ranges: eval, export, build, flash, demo
    Case(
        "eval-folds-twice",
        ("eval", "{model}", "--root", "{data}", "--folds", "2,2"),
        ("--folds", "fold 2 is given twice"),
    ),
    Case(
        "export-flash-bytes-negative",
        ("export", "{model}", "--flash-bytes", "-1"),
        ("--flash-bytes", "-1", "x>=1"),
    ),
    Case("export-ram-bytes-zero", ("export", "{model}", "--ram-bytes", "0"), ("--ram-bytes", "0")),
    Case(
        "build-unknown-board",
        ("build", "--board", "esp64", "--model", "{model}", "--out", "{tmp}/b"),
        ("no board 'esp64'", "esp32s3", "qemu-m4"),
    ),
    Case(
        "build-sensor-address-text",
        (*BUILD, "--out", "{tmp}/b", "--sensor-address", "zz"),
        ("--sensor-address", "'zz'", "0x40..0x4F"),
    ),
    Case(
        "build-sensor-address-range",
        (*BUILD, "--out", "{tmp}/b", "--sensor-address", "0x99"),
        ("--sensor-address", "'0x99'", "0x40..0x4F"),
    ),
    Case(
        "build-shunt-zero",
        (*BUILD, "--out", "{tmp}/b", "--shunt-ohms", "0"),
        ("--shunt-ohms", "0.0", "x>0.0"),
    ),
    Case(
        "build-max-current-negative",
        (*BUILD, "--out", "{tmp}/b", "--max-current", "-1"),
        ("--max-current", "-1.0"),
    ),
    Case(
        "build-psram-without-psram",
        (*BUILD, "--out", "{tmp}/b", "--psram"),
        ("board pico has no PSRAM project",),
    ),
    Case(
        "flash-native-no-build",
        ("flash", "--board", "native", "--out", "{tmp}/none"),
        ("{tmp}/none", "does not exist"),
    ),
    Case(
        "demo-board-not-here",
        ("demo", "--board", "esp32s3", "--out", "{tmp}/d"),
        ("--board", "'esp32s3' does not run here", "qemu-m4"),
    ),
    Case(
        "demo-board-unknown",
        ("demo", "--board", "esp64", "--out", "{tmp}/d"),
        ("--board", "no board 'esp64'"),
    ),
    # -- option ranges: measure
    Case("measure-n-negative", (*MEASURE, "--out", "{tmp}/m", "--n", "-5"), ("--n", "-5", "x>=1")),
    Case("measure-n-zero", (*MEASURE, "--out", "{tmp}/m", "--n", "0"), ("--n", "0", "x>=1")),
    Case(
        "measure-window-n-zero",
        (*MEASURE, "--out", "{tmp}/m", "--window-n", "0"),
        ("--window-n", "0", "x>=1"),
    ),
    Case(
        "measure-window-repeats-zero",
        (*MEASURE, "--out", "{tmp}/m", "--window-repeats", "0"),
        ("--window-repeats", "0"),
    ),
    Case(
        "measure-socket-without-port",
        ("measure", "--port", "socket://127.0.0.1", "--model", "{model}", "--out", "{tmp}/m"),
        ("--port", "socket://127.0.0.1", "HOST:PORT", "1..65535"),
    ),
    Case(
        "measure-socket-port-range",
        ("measure", "--port", "socket://localhost:70000", "--model", "{model}", "--out", "{tmp}/m"),
        ("--port", "socket://localhost:70000", "1..65535"),
    ),
    Case(
        "measure-rfc2217-port-text",
        ("measure", "--port", "rfc2217://host:port", "--model", "{model}", "--out", "{tmp}/m"),
        ("rfc2217://HOST:PORT",),
    ),
    Case(
        "measure-folds-zero",
        (*MEASURE, "--out", "{tmp}/m", "--folds", "0"),
        ("--folds", "fold 0 is below 1"),
    ),
    # -- compare and report
    Case("compare-missing-run", ("compare", "{tmp}/none"), ("{tmp}/none", "no such run folder")),
    Case(
        "compare-file-not-a-run",
        ("compare", "{stray}"),
        ("{stray}: not a run folder", "nor is {tmp}"),
        "file_in_run",
    ),
    Case(
        "compare-alpha",
        ("compare", "{tmp}", "{tmp}", "--alpha", "5"),
        ("'--alpha'", "5.0 is not in the range 0.0<x<0.5"),
    ),
    Case(
        "report-alpha",
        ("report", "{tmp}", "--alpha", "0", "--out", "{tmp}/r"),
        ("'--alpha'", "0.0 is not in the range 0.0<x<0.5"),
    ),
    Case(
        "report-missing-run",
        ("report", "{tmp}/none", "--out", "{tmp}/r"),
        ("{tmp}/none", "not a folder"),
    ),
]


# ---- the workspace ------------------------------------------------------------------------------


def _unwritable(tmp: Path) -> Path:
    """A folder this process cannot create files in: a read-only folder, or for root (which
    ignores permission bits) a kernel file system that refuses new files."""
    ro = tmp / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    for candidate in (ro, Path("/sys"), Path("/proc")):
        if candidate.is_dir() and out_path_problem(candidate / "x"):
            return candidate
    raise AssertionError("no unwritable folder found for the --out cases")


@pytest.fixture(scope="module")
def workspace(builtin_features, builtin_root, tmp_path_factory) -> dict:
    """Placeholders shared by every case: the data, a small model, a file, an unwritable folder."""
    fd, fe = builtin_features
    cfg = TrainConfig(experts=["8"], hidden=(16,), epochs=2, qat_epochs=1)
    model, _ = fit_fold(fd, cfg, 1, fe)
    tmp = tmp_path_factory.mktemp("bad-inputs")
    path = save_model(model, tmp / "model.qmoe")
    file = tmp / "a-file"
    file.write_text("I am a file\n")
    yield {
        "data": str(builtin_root),
        "model": str(path),
        "file": str(file),
        "ro": str(_unwritable(tmp)),
    }
    (tmp / "ro").chmod(0o755)


def _fill(texts: tuple[str, ...], values: dict) -> list[str]:
    return [t.format(**values) for t in texts]


def run_case(case: Case, workspace: dict, tmp: Path, capsys) -> tuple[int, str, str, list[str]]:
    """Run one case in-process; return (exit status, stdout, stderr, expected fragments)."""
    values = {**workspace, "tmp": str(tmp)}
    if case.setup:
        values |= SETUPS[case.setup](workspace, tmp)
    capsys.readouterr()
    code = run(_fill(case.argv, values))
    out, err = capsys.readouterr()
    return code, out, err, _fill(case.expect, values)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case, workspace, tmp_path, capsys):
    code, out, err, expect = run_case(case, workspace, tmp_path, capsys)
    text = out + err
    assert "Traceback" not in text, text
    assert code == 2, f"exit {code}: {text}"
    for fragment in expect:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


def test_the_catalogue_is_broad():
    """Distinct cases over every command family (issue 11 asks for >= 40)."""
    assert len({c.name for c in CASES}) == len(CASES) >= 60
    commands = {" ".join(c.argv[:2]) if c.argv[0] == "data" else c.argv[0] for c in CASES}
    wanted = {"train", "eval", "data info", "data builtin", "export", "build", "flash"}
    assert wanted | {"measure", "compare", "report", "demo"} <= commands
    assert set(SETUPS) == {c.setup for c in CASES if c.setup}


def test_a_case_through_the_installed_entry_point(workspace, tmp_path):
    """The same message and status from `python -m qmoe.cli` as from qmoe.cli.run."""
    r = subprocess.run(
        [sys.executable, "-m", "qmoe.cli", *_fill(TRAIN, workspace), "--folds", "1,1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: --folds '1,1': fold 1 is given twice"), r.stderr


def test_run_json_and_build_json_are_written_atomically(tmp_path, monkeypatch):
    """A write cut off midway leaves the old file whole (issue 20): the temporary file is
    renamed over the target only once it is complete and synced."""
    from qmoe import runio

    path = tmp_path / "run.json"
    runio.write_json_atomic(path, {"kind": "device", "n": 1})
    synced = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))

    def cut(src, dst):
        raise KeyboardInterrupt  # the process is stopped between write and rename

    monkeypatch.setattr(os, "replace", cut)
    with pytest.raises(KeyboardInterrupt):
        runio.write_json_atomic(path, {"kind": "device", "n": 2, "pad": "x" * 100_000})
    assert json.loads(path.read_text()) == {"kind": "device", "n": 1} and synced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]  # no temporary left


def test_feature_cache_in_a_read_only_dataset_is_skipped(tmp_path):
    """A dataset folder the tool cannot write its feature cache into is still read."""
    from qmoe.api import load_features
    from qmoe.data import generate_builtin

    root = tmp_path / "data"
    generate_builtin(root, seed=0, clips_per_class=5)
    (root / ".qmoe-cache").write_text("a file where the cache folder would go\n")
    fd, _ = load_features("builtin", root)
    assert len(fd.y) == 50 and (root / ".qmoe-cache").is_file()


def test_help_names_every_value(capsys):
    """Issue 18: no option shows a Python callable's or a type's name (`--sensor-address
    <LAMBDA>`, `INTEGER RANGE`) as its value, in any command or sub-command."""
    import click

    from qmoe.cli import cli

    def commands(group, path):
        for name, cmd in group.commands.items():
            if isinstance(cmd, click.Group):
                yield [*path, name]
                yield from commands(cmd, [*path, name])
            else:
                yield [*path, name]

    typeish = re.compile(r"<[A-Z_]+>|\b(LAMBDA|FUNCTION|(INTEGER|FLOAT) RANGE|CHOICE|PARAMTYPE)\b")
    seen = 0
    for argv in commands(cli, []):
        assert run([*argv, "--help"]) == 0
        text = capsys.readouterr().out
        options = [line for line in text.splitlines() if line.lstrip().startswith("-")]
        bad = [line for line in options if typeish.search(line)]
        assert not bad, (argv, bad)
        seen += 1
    assert seen >= 20  # every command and sub-command was looked at
    run(["build", "--help"])
    assert "--sensor-address ADDRESS" in capsys.readouterr().out
    run(["measure", "--help"])
    assert re.search(r"--window-n INTEGER\b", capsys.readouterr().out)


def test_measure_api_checks_its_counts_first(tmp_path):
    """The API refuses what the CLI refuses, before opening a port or reading the model."""
    from qmoe.errors import ConfigError
    from qmoe.measure import MeasureConfig, measure

    for field in ("n", "window_n", "window_repeats"):
        cfg = MeasureConfig(port="loop://", model=tmp_path / "none.qmoe", out=tmp_path / "m")
        setattr(cfg, field, 0)
        with pytest.raises(ConfigError, match=f"{field} = 0: expected an integer >= 1"):
            measure(cfg)

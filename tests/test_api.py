"""qmoe.api: one typed function per `qmoe-host` command, the demo's settings held once, and the
example of docs/api.md run as written."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from qmoe import api
from qmoe.cli import cli

ROOT = Path(__file__).resolve().parents[1]
# Command paths whose function is named otherwise than the command ("data builtin" -> data_builtin,
# "interop tflite-check" -> tflite_check).
NAMED = {"eval": "evaluate_model"}


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out += commands(cmd, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


def api_name(path: tuple[str, ...]) -> str:
    words = path[1:] if path[0] == "interop" else path
    return NAMED.get(" ".join(path), "_".join(w.replace("-", "_") for w in words))


def test_every_command_has_a_typed_api_function():
    paths = commands(cli)
    assert ("train",) in paths and ("interop", "tflite-check") in paths
    for path in paths:
        name = api_name(path)
        fn = getattr(api, name, None)
        assert callable(fn), f"`qmoe-host {' '.join(path)}` has no qmoe.api.{name}()"
        hints = fn.__annotations__  # strings (from __future__ import annotations)
        assert hints.get("return") not in (None, "None"), f"{name}: no result type"
        params = inspect.signature(fn).parameters
        assert all(p in hints for p in params), f"{name}: untyped arguments"
        assert "qmoe-host" in (fn.__doc__ or ""), f"{name}: its docstring names no command"


def test_the_demo_settings_live_once():
    from qmoe import mainjob
    from qmoe.api.demo import QUICK_EPOCHS, DemoSettings

    assert mainjob.DEVICE_VARIANTS == DemoSettings().device_variants()
    # the device runs every integer variant, named as the run folder names them
    assert "fp32" not in mainjob.DEVICE_VARIANTS
    assert len(mainjob.DEVICE_VARIANTS) == len(api.DEMO_VARIANTS) - 1
    assert "moe-curiosity_ternary_4_8" in mainjob.DEVICE_VARIANTS
    quick, full = DemoSettings(quick=True), DemoSettings()
    assert quick.clips_per_class < full.clips_per_class
    assert quick.train_config().epochs == QUICK_EPOCHS["epochs"] < full.train_config().epochs
    assert all(c.epochs == QUICK_EPOCHS["epochs"] for c in quick.configs())
    assert DemoSettings(seed=3).train_config().seed == 3
    # the CLI and the main job hold no copy of the quick settings
    for path in (ROOT / "host/qmoe/mainjob.py", ROOT / "host/qmoe/cli/train_cmds.py"):
        text = path.read_text()
        assert "qat_epochs=5" not in text and "12 if quick" not in text, path


def test_measure_needs_a_port_or_a_board(tmp_path):
    from qmoe.errors import ConfigError

    with pytest.raises(ConfigError, match="either"):
        api.measure(tmp_path / "m.qmoe", tmp_path / "run")
    with pytest.raises(ConfigError, match="either"):
        api.measure(tmp_path / "m.qmoe", tmp_path / "run", port="loop://", board="native")


def test_boards_lists_every_profile():
    rep = api.boards()
    names = [b.name for b in rep.boards]
    assert "native" in names and "qemu-m4" in names
    assert all(name in rep.table for name in names)


def example() -> str:
    text = (ROOT / "docs" / "api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/api.md: expected one python example"
    return blocks[0]


def test_docs_api_example_runs(tmp_path):
    if shutil.which("cc") is None:
        pytest.skip("the native board needs a C compiler (cc)")
    code = example()
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "0 answers differ from the golden model" in out.stdout, out.stdout[-2000:]
    assert (tmp_path / "api-example" / "build" / "build.json").is_file()

"""Packaging: the import names are the folder names, codegen imports numpy only, and a wheel
(not an editable install) carries the firmware sources and board profiles it needs."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_names_are_folder_names():
    import qmoe
    import qmoe_codegen

    assert Path(qmoe.__file__).parent == ROOT / "host" / "qmoe"
    assert Path(qmoe_codegen.__file__).parent == ROOT / "codegen" / "qmoe_codegen"


def test_codegen_imports_numpy_only():
    """Importing every qmoe_codegen module pulls in no torch and nothing of the host package."""
    modules = sorted(p.stem for p in (ROOT / "codegen" / "qmoe_codegen").glob("*.py"))
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module('qmoe_codegen.' + m if m != '__init__' else 'qmoe_codegen')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'qmoe', 'scipy', 'sklearn', 'matplotlib'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"qmoe_codegen imported {out}"


def test_source_root_names_every_place_it_looked(tmp_path, monkeypatch):
    from qmoe import paths

    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path))
    monkeypatch.setattr(paths, "_PACKAGE", tmp_path / "site" / "qmoe")
    paths.source_root.cache_clear()
    try:
        with pytest.raises(paths.SourceTreeError) as err:
            paths.source_root()
        msg = str(err.value)
        assert str(tmp_path) in msg and "_tree" in msg and paths.ENV_VAR in msg
        (tmp_path / "firmware").mkdir()
        (tmp_path / "boards").mkdir()
        paths.source_root.cache_clear()
        assert paths.source_root() == tmp_path.resolve()
    finally:
        paths.source_root.cache_clear()


@pytest.mark.slow
def test_wheel_install_carries_firmware_and_boards(tmp_path):
    """Build a wheel, install it into a folder of its own, and list the boards from there."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(wheels)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("qmoe-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "qmoe/_tree/boards/qemu-m4/board.toml" in names
    assert "qmoe/_tree/firmware/include/qmoe_model.h" in names
    assert any(n.startswith("qmoe_codegen/") for n in names)
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    code = (
        "import qmoe, qmoe.paths\n"
        "from qmoe.boards import list_boards, load_board\n"
        "print(qmoe.__file__)\n"
        "print(qmoe.paths.source_root())\n"
        "print(len(list_boards()), load_board('qemu-m4').name)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "QMOE_SOURCE_ROOT"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    module, root, boards = out.stdout.splitlines()
    assert module.startswith(str(site)), module
    assert root == str(site / "qmoe" / "_tree")
    n, name = boards.split()
    assert int(n) == len(list((ROOT / "boards").glob("*/board.toml"))) and name == "qemu-m4"


def test_one_error_root_and_one_version():
    """Every exception class qmoe and qmoe_codegen define derives from QmoeError (the CLI's
    `error: ...`, exit 2), and the version is defined once."""
    import importlib
    import inspect
    import pkgutil

    import qmoe
    import qmoe_codegen
    from qmoe.errors import QmoeError

    strays = []
    for pkg in (qmoe, qmoe_codegen):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if info.name.startswith("qmoe.cli"):
                continue  # importing the CLI registers commands; its errors are click's
            mod = importlib.import_module(info.name)
            for name, obj in vars(mod).items():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, Exception)
                    and obj.__module__ == mod.__name__
                    and not issubclass(obj, QmoeError)
                    and not name.startswith("_")
                ):
                    strays.append(f"{mod.__name__}.{name}")
    assert strays == [], f"exceptions outside the QmoeError root: {strays}"
    assert qmoe.__version__ == qmoe_codegen.__version__
    assert "version =" not in (ROOT / "pyproject.toml").read_text().split("[project.")[0]

"""Helpers shared by the tests: compiling C through board.toml (`support.cc`) and the repository's
folders. pytest puts tests/ on sys.path, so a test says `from support import cc`.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
TESTS_C = ROOT / "tests" / "c"
BENCH = ROOT / "bench"


def bench_module(name: str):
    """bench/<name>.py imported as the module `name`, as `python bench/<name>.py` sees its siblings
    (bench/ is a folder of scripts: the folder goes on sys.path once, then a normal import)."""
    import importlib
    import sys

    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))
    return importlib.import_module(name)


def run_cli(*args: str, timeout: float = 300, **kw):
    """`qmoe-host ARGS...` in a fresh Python process (what a user's shell runs), output captured."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "qmoe.cli", *args], capture_output=True, text=True, timeout=timeout,
        **kw,
    )  # fmt: skip

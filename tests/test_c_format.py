"""tools/check-c-format.sh: our C sources follow .clang-format (clang-format-14), and the check
names every file that differs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "tools" / "check-c-format.sh"

pytestmark = pytest.mark.skipif(
    shutil.which("clang-format-14") is None,
    reason="clang-format-14 is not installed (tools/setup-toolchains.sh installs it)",
)

GOOD = """static int add(int a, int b)
{
    if (a > b) {
        return a - b;
    }
    return a + b;  // comment
}
"""


def run(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(CHECK), *map(str, files)], capture_output=True, text=True, check=False
    )


def test_check_lists_the_files_that_differ(tmp_path):
    good, bad = tmp_path / "good.c", tmp_path / "bad.c"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace("    return a + b;", "  return a+b;"))
    assert run(good).returncode == 0
    proc = run(good, bad)
    assert proc.returncode == 1
    assert str(bad) in proc.stderr and str(good) not in proc.stderr
    assert "1 of 2 C files differ" in proc.stderr


def test_our_c_sources_are_formatted():
    proc = run()
    assert proc.returncode == 0, proc.stderr
    assert "C files match .clang-format" in proc.stdout

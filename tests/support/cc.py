"""Compile C from pytest: the strict flags are qmoe.ctoolchain's (defined once), cross targets are
boards/<name>/board.toml's compiler and machine flags, and a failed compile fails the test with
the compiler's message.

    exe = cc.build([src, *others], tmp / "harness", includes=[FIRMWARE / "include"], sanitize=True)
    obj = cc.build([src], tmp / "k.o", target=cc.need("qemu-m0"), link=False, flags=["-Os"])
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest

from qmoe.ctoolchain import (
    FREESTANDING,
    HOST_BOARD,
    PEDANTIC,
    SANITIZE,
    STRICT,
    Target,
    board_target,
)

__all__ = [
    "FREESTANDING",
    "PEDANTIC",
    "SANITIZE",
    "STRICT",
    "Target",
    "build",
    "host",
    "need",
    "run",
]


def need(board: str = HOST_BOARD) -> Target:
    """The board's Target; the test skips, naming the compiler, when it is not installed."""
    t = board_target(board)
    if not t.installed:
        pytest.skip(f"{t.cc} is not installed (tools/setup-toolchains.sh installs it)")
    return t


def host() -> Target:
    """The host compiler (the native board's), skipping when there is none."""
    return need(HOST_BOARD)


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    """Run a compiler command; a failure fails the test with the command's stderr."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd[:3])} ... failed:\n{proc.stderr[-4000:]}", pytrace=False)
    return proc


def build(
    sources: Iterable[Path | str],
    out: Path,
    *,
    target: Target | None = None,
    includes: Iterable[Path | str] = (),
    flags: Iterable[str] = (),
    warnings: tuple[str, ...] = PEDANTIC,
    sanitize: bool = False,
    link: bool = True,
) -> Path:
    """Compile `sources` with `target` (default: the host) and the strict `warnings` into `out`:
    an executable, or with link=False one object file (one source). `flags` come after the
    warnings (optimisation, -g, defines); `sanitize` adds ASan + UBSan with -g."""
    t = target or host()
    srcs = [str(s) for s in sources]
    extra = [*flags, *((*SANITIZE, "-g") if sanitize else ())]
    args = [*extra, *(f"-I{i}" for i in includes), *(() if link else ("-c",)), *srcs]
    run(t.command(*args, "-o", str(out), warnings=warnings))
    return Path(out)

"""What a run folder records about where it ran (run.json's "environment"): seed, threads,
versions, platform, core count, git commit. See docs/reproducibility.md."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit() -> str | None:
    """The commit of the qmoe checkout this code runs from; None outside a git checkout."""
    return _git("rev-parse", "HEAD") or None


def git_dirty() -> bool | None:
    """True when the checkout's tracked files differ from its commit; None outside git."""
    out = _git("status", "--porcelain", "--untracked-files=no")
    return None if out is None else bool(out)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def environment(seed: int | None = None, threads: int | None = None) -> dict:
    """The record of one run's environment. `threads` defaults to what
    qmoe.train.determinism.configure set in this process (None when nothing trained here)."""
    if threads is None and "qmoe.train.determinism" in sys.modules:
        threads = sys.modules["qmoe.train.determinism"].applied().get("threads")
    return {
        "seed": seed,
        "threads": threads,
        "python": platform.python_version(),
        "torch": _version("torch"),
        "numpy": _version("numpy"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
    }

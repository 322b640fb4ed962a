"""Where qmoe's C sources and board profiles are: the one resolver every module asks.

qmoe needs two folders beside its Python code: `firmware/` (the portable C runtime) and `boards/`
(one profile and port per board). They are found, in this order, in:

1. `$QMOE_SOURCE_ROOT`, if set (a folder holding both);
2. the installed package's own copy, `qmoe/_tree/` (a wheel: setup.py copies both into it);
3. the source checkout the package was imported from (an editable install, or `host/` on the path).

If none holds both folders, `source_root()` raises SourceTreeError naming every place it looked,
rather than letting `qmoe-host boards` print an empty table.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from qmoe.errors import QmoeError

ENV_VAR = "QMOE_SOURCE_ROOT"
REQUIRED = ("firmware", "boards")
_PACKAGE = Path(__file__).resolve().parent


class SourceTreeError(QmoeError):
    """qmoe's firmware/ and boards/ folders cannot be found."""


def _holds_tree(root: Path) -> bool:
    return all((root / name).is_dir() for name in REQUIRED)


def candidates() -> list[tuple[str, Path]]:
    """The places looked in, in order, each with what it is."""
    found = []
    if os.environ.get(ENV_VAR):
        found.append((f"${ENV_VAR}", Path(os.environ[ENV_VAR]).expanduser()))
    found.append(("installed package data", _PACKAGE / "_tree"))
    found.append(("source checkout", _PACKAGE.parents[1]))
    return found


@functools.cache
def source_root() -> Path:
    """The folder holding `firmware/` and `boards/`; SourceTreeError if there is none."""
    places = candidates()
    for _, root in places:
        if _holds_tree(root):
            return root.resolve()
    looked = "; ".join(f"{what}: {root}" for what, root in places)
    raise SourceTreeError(
        f"cannot find qmoe's firmware/ and boards/ folders (looked in {looked}); reinstall qmoe "
        f"from its source tree, or set {ENV_VAR} to a checkout of it"
    )


def firmware_dir() -> Path:
    """`firmware/`: the portable C runtime."""
    return source_root() / "firmware"


def boards_dir() -> Path:
    """`boards/`: one folder per board profile."""
    return source_root() / "boards"

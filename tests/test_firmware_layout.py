"""The firmware's header layout (docs/boards.md, "The port interface"; README, layout): public
headers only in firmware/include, internal ones beside their sources and included by relative
path, and each function declared by one header only (one port contract, qmoe_port.h)."""

from __future__ import annotations

import re
from pathlib import Path

from qmoe.device.sources import INCLUDE_DIRS
from qmoe.paths import source_root

ROOT = source_root()
PUBLIC = ROOT / "firmware" / "include"
TREES = ["firmware", "boards", "micropython/usermod", "tests/c", "tests/fuzz"]
# Headers of a framework, of MicroPython, or generated into a build's own folder.
EXTERNAL = ("py/", "variants/", "driver/", "freertos/", "pico/", "hardware/", "Arduino.h", "Wire.h")
GENERATED = {"qmoe_model_data.h"}
INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.M)
PROTOTYPE = re.compile(r"^[A-Za-z_][\w \t\*]*?\b(qmoe_\w+)\s*\([^;{)]*\)\s*;", re.M)


def c_files() -> list[Path]:
    return sorted(
        p
        for tree in TREES
        for p in (ROOT / tree).rglob("*")
        if p.suffix in (".c", ".h", ".cpp") and "regressions" not in p.parts
    )


def test_include_path_is_the_public_headers_only():
    assert tuple(d.resolve() for d in INCLUDE_DIRS) == (PUBLIC.resolve(),)
    headers = [p for p in (ROOT / "firmware").rglob("*.h") if p.parent != PUBLIC]
    clash = {p.name for p in headers} & {p.name for p in PUBLIC.glob("*.h")}
    assert not clash, f"internal headers named like public ones: {sorted(clash)}"


def test_every_quoted_include_resolves_beside_the_file_or_in_firmware_include():
    """With only firmware/include (and the generated model) on the include path, every quoted
    include of ours must be found: internal headers by a path relative to the including file."""
    unresolved = []
    for f in c_files():
        for name in INCLUDE.findall(f.read_text(encoding="utf-8")):
            if name.startswith(EXTERNAL) or name in GENERATED:
                continue
            if not ((f.parent / name).is_file() or (PUBLIC / name).is_file()):
                unresolved.append(f"{f.relative_to(ROOT)}: {name}")
    assert not unresolved, "\n".join(unresolved)


def test_public_headers_include_only_public_headers():
    for h in PUBLIC.glob("*.h"):
        for name in INCLUDE.findall(h.read_text(encoding="utf-8")):
            assert (PUBLIC / name).is_file() or name in GENERATED, (h.name, name)


def test_each_function_is_declared_by_one_header():
    """Two port layers declaring the same function drift apart: each qmoe_* prototype lives in
    exactly one header of ours."""
    where: dict[str, list[str]] = {}
    for h in (p for p in c_files() if p.suffix == ".h"):
        for fn in set(PROTOTYPE.findall(h.read_text(encoding="utf-8"))):
            where.setdefault(fn, []).append(str(h.relative_to(ROOT)))
    assert "qmoe_port_window_energy" in where and "qmoe_port_init" in where
    twice = {fn: files for fn, files in where.items() if len(files) > 1}
    assert not twice, twice


def test_port_contract_is_in_firmware_include():
    text = (PUBLIC / "qmoe_port.h").read_text(encoding="utf-8")
    for fn in (
        "qmoe_port_init",
        "qmoe_port_read",
        "qmoe_port_write",
        "qmoe_port_wait_for_input",
        "qmoe_port_counter",
        "qmoe_port_marker",
        "qmoe_port_board",
        "qmoe_port_window_energy",
    ):
        assert re.search(rf"\b{fn}\s*\(", text), fn
    assert not (ROOT / "firmware" / "port").exists()

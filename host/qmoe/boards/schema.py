"""Validation helpers shared by the board-profile readers: every error names the file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qmoe.errors import ConfigError

_TYPE_NAMES = {
    int: "an integer",
    float: "a number",
    str: "a string",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


def _check_table(path: Path, table: dict[str, Any], fields: dict, where: str) -> None:
    """Reject unknown and missing fields and fields of the wrong type."""
    prefix = f"{where}." if where else ""
    for key in table:
        if key not in fields:
            raise ConfigError(f"{path}: unknown field '{prefix}{key}' (known: {', '.join(fields)})")
    for key, (types, required) in fields.items():
        if key not in table:
            if required:
                raise ConfigError(f"{path}: missing field '{prefix}{key}'")
            continue
        value = table[key]
        allowed = types if isinstance(types, tuple) else (types,)
        # bool is an int in Python: accept it only where a bool is asked for.
        if isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
            want = " or ".join(_TYPE_NAMES[t] for t in allowed)
            raise ConfigError(f"{path}: field '{prefix}{key}' must be {want}, got {value!r}")
        if list in allowed and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{path}: field '{prefix}{key}' must be a list of strings")


def _fail(path: Path, field: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: field '{field}' {message}")


def _one_of(path: Path, field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise _fail(path, field, f"must be one of {', '.join(allowed)}; got {value!r}")


def _existing(path: Path, folder: Path, field: str, names: list[str]) -> tuple[Path, ...]:
    out = []
    for name in names:
        target = (folder / name).resolve()
        if not target.exists():
            raise _fail(path, field, f"names {name!r}, which does not exist ({target})")
        out.append(target)
    return tuple(out)

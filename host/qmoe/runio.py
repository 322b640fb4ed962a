"""Reading and writing run and build folders' JSON and JSONL files, with errors that name the file.

One reader for measure, compare, report and flash. run.json and build.json are written atomically
(`write_json_atomic`: a temporary file, fsync, rename), so a run killed while writing leaves the
old file or the new one, never half of one. A JSONL file is appended one line per result as results
arrive (docs/measure.md), so its last line may be torn when a run was cut off: that line is skipped
(and, with `notes`, said); a bad line anywhere else is an error.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from qmoe.errors import ConfigError, DataError


def safe_name(name: str) -> str:
    """A variant or run name as a file or folder name: `moe-curiosity[ternary,4,8]` ->
    `moe-curiosity_ternary_4_8` (runs of other characters become one `_`)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "run"


def read_json(path: Path) -> dict | list:
    """A whole JSON file; DataError naming the file when it is missing or not JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON: {exc}") from exc


def read_json_object(path: Path, fields: tuple[str, ...] = ()) -> dict:
    """read_json of a file that must hold a JSON object with `fields`; DataError naming the file
    and the first missing field otherwise (e.g. a build.json or run.json edited by hand)."""
    obj = read_json(path)
    if not isinstance(obj, dict):
        raise DataError(f"{path}: expected a JSON object, found {type(obj).__name__}")
    missing = [f for f in fields if f not in obj]
    if missing:
        raise DataError(f"{path}: lacks field(s) {', '.join(missing)}; expected a file qmoe wrote")
    return obj


def write_json_atomic(path: Path, obj, indent: int | None = 1) -> Path:
    """Write `obj` as JSON to `path` through a temporary file in the same folder, fsync'ed and
    renamed over `path`: readers see the old file or the new one, never a torn one. Numpy
    arrays and scalars are written as lists and numbers, other objects as their str()."""
    path = Path(path)
    text = json.dumps(
        obj, indent=indent, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)
    )
    make_folder(path.parent, "output")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    return path


def out_path_problem(path: Path, kind: str = "folder") -> str | None:
    """Why `path` cannot be written as an output `kind` ("folder" or "file"), or None.

    A folder may exist (as a folder) or not yet; a file may exist (as a file) or not yet; the
    nearest existing folder above must let this process create files (probed with a temporary
    file, so the answer is right for root and on read-only file systems too)."""
    path = Path(path)
    if kind == "folder" and path.exists() and not path.is_dir():
        return f"{path} is an existing file, expected a folder (or a path that does not exist yet)"
    if kind == "file" and path.is_dir():
        return f"{path} is an existing folder, expected a file name"
    base = path if kind == "folder" and path.is_dir() else path.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        return f"{path} cannot be created: {base} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as exc:
        return f"{path} cannot be written: no permission to create files in {base} ({exc.strerror})"
    return None


def make_folder(path: Path, what: str = "output") -> Path:
    """mkdir -p `path`; ConfigError naming the path and why when it cannot be made."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = out_path_problem(path) or f"{path}: {exc.strerror or exc}"
        raise ConfigError(f"{what} folder: {problem}") from exc
    return path


def read_jsonl(path: Path, notes: list[str] | None = None, numbered: bool = False) -> list:
    """Every complete line of a JSONL file ([] when it does not exist); with `numbered`, each as
    (line number, value) so that a reader's errors can name the line."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}:{line}: not UTF-8 text (byte {exc.start} of the file)") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    rows = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        torn = no == len(lines) and not line.endswith("\n")
        try:
            if not torn:
                value = json.loads(line)
                rows.append((no, value) if numbered else value)
                continue
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{no}: not valid JSON: {exc}") from exc
        if notes is not None:
            notes.append(f"{path.name}: torn last line {no} ignored (run cut off)")
    return rows


def truncate_torn(path: Path) -> list[dict]:
    """read_jsonl, and rewrite the file without a torn last line so appending can resume."""
    rows = read_jsonl(path)
    if path.exists():
        kept = "".join(json.dumps(r) + "\n" for r in rows)
        if kept != path.read_text(encoding="utf-8"):
            path.write_text(kept, encoding="utf-8")
    return rows

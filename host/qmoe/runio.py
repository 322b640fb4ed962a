"""Reading run folders' JSON and JSONL files, with errors that name the file and line.

One reader for measure, compare and report. A JSONL file is appended one line per result as results
arrive (docs/measure.md), so its last line may be torn when a run was cut off: that line is skipped
(and, with `notes`, said); a bad line anywhere else is an error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from qmoe.errors import DataError


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
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON: {exc}") from exc


def read_jsonl(path: Path, notes: list[str] | None = None) -> list[dict]:
    """Every complete line of a JSONL file ([] when it does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        torn = no == len(lines) and not line.endswith("\n")
        try:
            if not torn:
                rows.append(json.loads(line))
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

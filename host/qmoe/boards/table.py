"""The board profiles as a table (`qmoe-host boards`)."""

from __future__ import annotations

import shutil

from qmoe.boards.profile import Board, list_boards


def _runs_here(board: Board) -> str:
    if not board.runs_here:
        return "no"
    missing = [
        t
        for t in (board.toolchain.cc, board.run_command[0])
        if "{elf}" not in t and shutil.which(t) is None
    ]
    return "yes" if not missing else f"yes ({', '.join(missing)} missing)"


def boards_table(boards: list[Board] | None = None) -> str:
    """The board profiles as a table: name, core, clock, flash, RAM, counter, runs here."""
    rows = [("board", "core", "clock MHz", "flash KB", "RAM KB", "counter", "runs here")]
    for b in boards if boards is not None else list_boards():
        rows.append(
            (
                b.name,
                b.core,
                f"{b.clock_hz / 1e6:g}" if b.clock_hz else "-",
                f"{b.flash_bytes / 1024:g}" if b.flash_bytes else "-",
                f"{b.ram_bytes / 1024:g}" if b.ram_bytes else "-",
                f"{b.counter.kind} ({b.counter.per_tick:g} {b.counter.unit})",
                _runs_here(b),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)

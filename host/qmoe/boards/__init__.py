"""Board profiles (`boards/<name>/board.toml`): every fact about a board as data.

Every difference between boards lives in the profile and the board's port folder, and nothing
branches on a board's name. The profile fields are described in docs/boards.md. Building and
running firmware for a board is qmoe.device's.
"""

from qmoe.boards.profile import (
    Board,
    Counter,
    Power,
    Serial,
    Toolchain,
    list_boards,
    load_board,
    parse_board,
)

__all__ = [
    "Board",
    "Counter",
    "Power",
    "Serial",
    "Toolchain",
    "list_boards",
    "load_board",
    "parse_board",
]

"""Board profiles (`boards/<name>/board.toml`), building firmware for a board and running the boards
that run here (native, QEMU) behind a TCP serial URL.

Boards are data: every difference between boards lives in the profile and the board's port
folder, and nothing here branches on a board's name. The profile fields are described in
docs/boards.md.
"""

from qmoe.boards.firmware import BoardError, build, section_sizes
from qmoe.boards.process import RunningBoard, start
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
    "BoardError",
    "Counter",
    "Power",
    "RunningBoard",
    "Serial",
    "Toolchain",
    "build",
    "list_boards",
    "load_board",
    "parse_board",
    "section_sizes",
    "start",
]

"""Fit checks: a model's constants and working memory, or a linked image, against a board's flash
and RAM, refused with the numbers and the boards of the same core that have room."""

from __future__ import annotations

from qmoe.boards import Board, list_boards
from qmoe.device.errors import DoesNotFit
from qmoe.protocol import DEFAULT_MAX_PAYLOAD, OVERHEAD
from qmoe_codegen.ir import IR

# What the app holds besides the model's arena and front-end scratch: a receive and a transmit
# frame buffer (firmware/app/bench_main.c), plus per input feature X (int8) and, with a front
# end, the int32 features. The stack is the linker script's and is checked after linking.
FRAME_BUFFERS_BYTES = 2 * (DEFAULT_MAX_PAYLOAD + OVERHEAD)


def app_ram_bytes(ir: IR | None, scratch: int) -> int:
    """RAM the app needs besides the stack: arena, front-end scratch, X, features, frame buffers."""
    if ir is None:
        return FRAME_BUFFERS_BYTES
    n = ir.input.n_features
    return ir.memory.arena_bytes + scratch + n + (4 * n if scratch else 0) + FRAME_BUFFERS_BYTES


def roomier_boards(board: Board, flash: int, ram: int) -> str:
    """The hint added to a refusal: the profiles with the board's core that run where it runs,
    build the same kind of firmware (the benchmark app, or MicroPython) and have room for `flash`
    and `ram` bytes ("; it fits NAME ..."), or "" when there are none."""
    names = [
        b.name
        for b in list_boards()
        if b.name != board.name
        and b.core == board.core
        and b.runs_here == board.runs_here
        and (b.micropython is None) == (board.micropython is None)
        and (not b.flash_bytes or flash <= b.flash_bytes)
        and (not b.ram_bytes or ram <= b.ram_bytes)
    ]
    if not names:
        return ""
    return f"; it fits {', '.join(names)} (same core, more memory: `--board {names[0]}`)"


def check_model_fits(board: Board, ir: IR, scratch: int) -> None:
    """Refuse, before compiling, a model whose constants or working memory exceed the board's,
    naming the boards of the same core that have room for it."""
    name = ir.model.name
    flash = ir.sizes.total_flash_bytes
    ram = app_ram_bytes(ir, scratch)
    if board.flash_bytes and flash > board.flash_bytes:
        raise DoesNotFit(
            f"model {name} does not fit board {board.name}: its weights and tables "
            f"need {flash} bytes of flash, the board has {board.flash_bytes} "
            f"({flash - board.flash_bytes} bytes too many)" + roomier_boards(board, flash, ram)
        )
    if board.ram_bytes and ram > board.ram_bytes:
        raise DoesNotFit(
            f"model {name} does not fit board {board.name}: it needs {ram} bytes of RAM (arena "
            f"{ir.memory.arena_bytes}, front-end scratch {scratch}, input and frame buffers "
            f"{ram - ir.memory.arena_bytes - scratch}) before the stack, the board has "
            f"{board.ram_bytes} ({ram - board.ram_bytes} bytes too many)"
            + roomier_boards(board, flash, ram)
        )


def check_image_fits(board: Board, sizes: dict[str, int], what: str) -> None:
    """Refuse a linked image larger than the board's flash or RAM (a capacity of 0: no limit)."""
    for key, cap in (("flash", board.flash_bytes), ("ram", board.ram_bytes)):
        if cap and sizes[key] > cap:
            raise DoesNotFit(
                f"{what} does not fit board {board.name}: the linked image needs "
                f"{sizes[key]} bytes of {key}, the board has {cap} "
                f"({sizes[key] - cap} bytes too many)"
            )

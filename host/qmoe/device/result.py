"""What a firmware build made (`BuildResult`, written as build.json) and how build.json's paths
are read back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qmoe import __version__
from qmoe.boards import Board
from qmoe_codegen.ir import IR


@dataclass
class BuildResult:
    """What `build()` made: the image, its sizes against the board's capacity, the model's hash."""

    board: Board
    out_dir: Path
    elf: Path
    ir_path: Path | None
    model_name: str
    model_hash: str  # 64 hex digits; "" for a build without a model
    kernels: str
    sizes: dict[str, int]  # text, data, bss, flash, ram of the linked image
    model_flash_bytes: int
    arena_bytes: int
    frontend_scratch_bytes: int
    sanitize: bool = False

    def to_json(self) -> dict[str, Any]:
        """The contents of build.json."""
        return {
            "board": self.board.name,
            "elf": str(self.elf),
            "ir": str(self.ir_path) if self.ir_path else None,
            "model": {
                "name": self.model_name,
                "hash": self.model_hash,
                "flash_bytes": self.model_flash_bytes,
                "arena_bytes": self.arena_bytes,
                "frontend_scratch_bytes": self.frontend_scratch_bytes,
            },
            "kernels": self.kernels,
            "sanitize": self.sanitize,
            "sizes": self.sizes,
            "capacity": {"flash_bytes": self.board.flash_bytes, "ram_bytes": self.board.ram_bytes},
            "qmoe_version": __version__,
        }

    def table(self) -> str:
        """Flash and RAM of the image against the board's capacity, as `qmoe-host build` prints."""

        def row(what: str, used: int, cap: int, note: str) -> str:
            share = f"{100 * used / cap:5.1f} %" if cap else "    -  "
            limit = f"{cap:>10d}" if cap else f"{'no limit':>10s}"
            return f"{what:6s} {used:>10d} {limit} {share}  {note}"

        s = self.sizes
        head = (
            f"board {self.board.name} ({self.board.core}), kernels {self.kernels}, model "
            f"{self.model_name or '(none)'} {self.model_hash[:16]}"
        )
        return "\n".join(
            [
                head,
                "",
                f"{'':6s} {'used B':>10s} {'capacity B':>10s} {'share':>7s}",
                row(
                    "flash",
                    s["flash"],
                    self.board.flash_bytes,
                    f"text {s['text']} + data {s['data']}; "
                    f"model constants {self.model_flash_bytes}",
                ),
                row(
                    "RAM",
                    s["ram"],
                    self.board.ram_bytes,
                    f"data {s['data']} + bss {s['bss']} "
                    "(with any stack the linker script reserves); "
                    f"arena {self.arena_bytes}, "
                    f"front-end scratch {self.frontend_scratch_bytes}",
                ),
                "",
                f"image: {self.elf}",
            ]
        )


def stored_path(info: Path, text: str) -> Path:
    """A path recorded in build.json (`info`): qmoe writes them absolute; a relative one (edited
    by hand, or an older build) is taken relative to build.json's folder, never to the current
    folder."""
    path = Path(text)
    return path if path.is_absolute() else Path(info).parent / path


def model_fields(ir: IR | None) -> dict[str, Any]:
    """BuildResult's fields about the model: name, hash, flash and arena bytes (none: empty)."""
    return {
        "model_name": ir.model.name if ir is not None else "",
        "model_hash": ir.hash if ir is not None else "",
        "model_flash_bytes": ir.sizes.total_flash_bytes if ir is not None else 0,
        "arena_bytes": ir.memory.arena_bytes if ir is not None else 0,
    }

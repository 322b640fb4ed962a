"""The benchmark firmware for a board: build it (`qmoe-host build`), start it (`qmoe-host flash`),
and list the board profiles (`qmoe-host boards`). docs/firmware.md describes the app and the build.

`build()` lowers the model to the integer IR, writes the generated C into `<out>/gen/`, checks the
model against the board's capacity, compiles the app (firmware/app), the runtime, one kernel
variant, the front end and the protocol with the board's toolchain (`qmoe.boards.build`), checks the
linked image against the capacity again and writes `<out>/build.json` (atomically, with absolute
paths, so `flash` works from any folder). Nothing branches on a board's name: every board fact
comes from its board.toml.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qmoe import __version__
from qmoe.boards import Board, BoardError, RunningBoard, list_boards, load_board, section_sizes
from qmoe.boards import build as compile_board
from qmoe.boards import start as start_board
from qmoe.errors import ConfigError
from qmoe.paths import firmware_dir
from qmoe.protocol import DEFAULT_MAX_PAYLOAD, OVERHEAD
from qmoe.runio import make_folder, read_json_object, write_json_atomic

if TYPE_CHECKING:  # qmoe.projects imports this module
    from qmoe.projects import ProjectOptions, ProjectResult

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FIRMWARE = firmware_dir()
APP_DIR = FIRMWARE / "app"
KERNELS_DIR = FIRMWARE / "kernels"
# Folders of the firmware's headers: public API, protocol, kernel/runtime/front-end internals.
INCLUDE_DIRS = tuple(
    FIRMWARE / d for d in ("include", "protocol", "kernels", "frontend", "runtime", "app")
)
# What the app holds besides the model's arena and front-end scratch: a receive and a transmit
# frame buffer (firmware/app/bench_main.c), plus per input feature X (int8) and, with a front
# end, the int32 features. The stack is the linker script's and is checked after linking.
FRAME_BUFFERS_BYTES = 2 * (DEFAULT_MAX_PAYLOAD + OVERHEAD)
# INFO's text fields hold 16 characters (docs/protocol.md): the short forms of longer unit names.
INFO_UNIT = {"emulated-instructions": "emu-instructions"}
INFO_TEXT_MAX = 16
NS_PER_MS = 1_000_000  # ns and, under QEMU's -icount shift=0, emulated instructions (1 ns each)
SANITIZE_FLAGS = (
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
)
SERVE_POLL_S = 0.2  # how often `flash` checks the board process and its own parent
_OVERFLOW = re.compile(r"region [`']?(\w+)'? overflowed by (\d+) bytes")


class DoesNotFit(ConfigError):
    """The model, or the linked firmware image, needs more flash or RAM than the board has."""


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


def kernel_variant(board: Board, name: str | None = None) -> tuple[str, list[Path]]:
    """The kernel variant for the board's core from firmware/kernels/variants.toml and its sources.

    `name` picks one explicitly; otherwise the first variant naming the board's core, else the
    portable one (cores = ["any"]). ConfigError if the variant is unknown or not for this core.
    """
    path = KERNELS_DIR / "variants.toml"
    variants = tomllib.loads(path.read_text(encoding="utf-8"))
    if name is None:
        exact = [v for v, spec in variants.items() if board.core in spec.get("cores", [])]
        portable = [v for v, spec in variants.items() if "any" in spec.get("cores", [])]
        if not exact + portable:
            raise ConfigError(f"{path}: no kernel variant for core {board.core!r} and none 'any'")
        name = (exact + portable)[0]
    if name not in variants:
        raise ConfigError(f"{path}: no kernel variant {name!r} (have: {', '.join(variants)})")
    cores = variants[name].get("cores", [])
    if board.core not in cores and "any" not in cores:
        raise ConfigError(
            f"{path}: kernel variant {name!r} runs on {cores}, not on board "
            f"{board.name}'s core {board.core!r}"
        )
    return name, [KERNELS_DIR / s for s in variants[name]["sources"]]


def _text_define(board: Board, field: str, value: str) -> str:
    if (
        len(value) > INFO_TEXT_MAX
        or not all(0x20 <= ord(c) < 0x7F for c in value)
        or any(c in value for c in '"\\')
    ):
        raise ConfigError(
            f"{board.path}: field '{field}' = {value!r} must be at most "
            f"{INFO_TEXT_MAX} printable ASCII characters without quotes or "
            "backslashes (it is sent in the INFO reply)"
        )
    return f'"{value}"'


def counts_per_ms(board: Board) -> int:
    """Counter counts per millisecond: the clock of the app's idle reset of its frame parser."""
    c = board.counter
    if c.unit == "cycles":
        if board.clock_hz <= 0:
            raise ConfigError(f"{board.path}: field 'clock_hz' must be > 0 for a cycle counter")
        per_ms = board.clock_hz / 1000 / c.per_tick
    else:  # ns, and emulated instructions (1 ns of virtual time each under -icount shift=0)
        per_ms = NS_PER_MS / c.per_tick
    return max(1, round(per_ms))


def firmware_defines(board: Board) -> dict[str, str | int | None]:
    """The -D defines the app takes from the board profile (firmware/app/bench_app.h)."""
    c = board.counter
    return {
        "QMOE_APP_CORE": _text_define(board, "core", board.core),
        "QMOE_APP_COUNTER_KIND": _text_define(board, "counter.kind", c.kind),
        "QMOE_APP_COUNTER_UNIT": _text_define(board, "counter.unit", INFO_UNIT.get(c.unit, c.unit)),
        "QMOE_APP_RUNTIME_VERSION": _text_define(board, "runtime version", __version__),
        "QMOE_APP_CLOCK_HZ": f"{board.clock_hz}u",
        # INFO carries an integer: a fractional per_tick (62.5 on qemu-m0) is rounded there.
        "QMOE_APP_COUNTER_PER_TICK": f"{max(1, round(c.per_tick))}u",
        "QMOE_APP_COUNTS_PER_MS": f"{counts_per_ms(board)}u",
    }


def app_ram_bytes(ir: dict | None, scratch: int) -> int:
    """RAM the app needs besides the stack: arena, front-end scratch, X, features, frame buffers."""
    if ir is None:
        return FRAME_BUFFERS_BYTES
    n = int(ir["input"]["n_features"])
    return (
        int(ir["memory"]["arena_bytes"])
        + scratch
        + n
        + (4 * n if scratch else 0)
        + FRAME_BUFFERS_BYTES
    )


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


def check_model_fits(board: Board, ir: dict, scratch: int) -> None:
    """Refuse, before compiling, a model whose constants or working memory exceed the board's,
    naming the boards of the same core that have room for it."""
    name = ir["model"]["name"]
    flash = int(ir["sizes"]["total_flash_bytes"])
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
            f"{ir['memory']['arena_bytes']}, front-end scratch {scratch}, input and frame buffers "
            f"{ram - int(ir['memory']['arena_bytes']) - scratch}) before the stack, the board has "
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


def _lower(
    model_path: Path | None, ir: dict | None, out_dir: Path
) -> tuple[dict | None, Path | None]:
    """The IR (lowered from the model file unless given), saved as <out>/<stem>.qir."""
    from qmoe_codegen.ir import save_ir
    from qmoe_codegen.lower import lower_file

    if ir is None and model_path is None:
        return None, None
    if ir is None:
        ir = lower_file(Path(model_path))
    stem = Path(model_path).stem if model_path is not None else "model"
    return ir, save_ir(ir, out_dir / f"{stem}.qir")


def _frontend_scratch(ir: dict | None) -> int:
    if ir is None or ir.get("frontend") is None:
        return 0
    from qmoe_codegen.frontend import FrontendConfig
    from qmoe_codegen.frontend_c import frontend_scratch_size

    return int(frontend_scratch_size(FrontendConfig.from_dict(ir["frontend"])))


def firmware_sources(ir: dict | None, gen_dir: Path, kernels: list[Path]) -> list[Path]:
    """Every C source of the app build: app, runtime, kernels, front end (if used), protocol."""
    parts = [APP_DIR, FIRMWARE / "runtime", FIRMWARE / "protocol"]
    if ir is not None and ir.get("frontend") is not None:
        parts.append(FIRMWARE / "frontend")
    sources = [p for d in parts for p in sorted(d.glob("*.c"))] + list(kernels)
    return sources + ([gen_dir / "qmoe_model_data.c"] if ir is not None else [])


def _sanitized(board: Board) -> Board:
    if board.toolchain.linker_script is not None:
        raise ConfigError(
            f"board {board.name}: sanitizers need a hosted build (the native "
            "board); this board links bare-metal with a linker script"
        )
    tool = board.toolchain
    return replace(
        board,
        toolchain=replace(
            tool, cflags=tool.cflags + SANITIZE_FLAGS, ldflags=tool.ldflags + SANITIZE_FLAGS[:1]
        ),
    )


def build(
    board_name: str,
    model_path: Path | None,
    out_dir: Path,
    *,
    ir: dict | None = None,
    sanitize: bool = False,
    kernels: str | None = None,
    project: ProjectOptions | None = None,
) -> BuildResult | ProjectResult:
    """Build the benchmark firmware for `board_name` with the model at `model_path` into `out_dir`.

    A board that does not run here (runs_here = false) gets its projects instead
    (qmoe.projects.make_project, with `project`'s options) and a ProjectResult. A MicroPython
    board (`[micropython]`) gets MicroPython with the qmoe module (qmoe.micropython.build).

    `ir` skips lowering (the IR of that model, already made); without a model and IR the app is
    built with none (it answers NO_MODEL). `sanitize` adds AddressSanitizer and
    UndefinedBehaviorSanitizer (hosted boards only). Raises DoesNotFit, with the numbers, for a
    model or image larger than the board; BoardError when the compiler fails.
    """
    board = load_board(board_name)
    out_dir = make_folder(Path(out_dir).expanduser().resolve(), "build")
    ir, ir_path = _lower(model_path, ir, out_dir)
    scratch = _frontend_scratch(ir)
    if ir is not None:
        check_model_fits(board, ir, scratch)
    variant, kernel_files = kernel_variant(board, kernels)
    gen = out_dir / "gen"
    defines = firmware_defines(board)
    if ir is None:
        defines["QMOE_APP_NO_MODEL"] = None
    else:
        from qmoe_codegen.emit import write_model_sources

        write_model_sources(ir, gen)
    if board.micropython is not None:  # MicroPython with the qmoe module (docs/micropython.md)
        from qmoe.micropython.build import build as build_micropython

        return build_micropython(board, ir, ir_path, out_dir, gen, variant, kernel_files, scratch)
    # ---- real boards (issue 6): a project per build system instead of compiling here --------
    if not board.runs_here:
        from qmoe.projects import make_project

        return make_project(
            board,
            ir,
            out_dir,
            firmware_sources(ir, gen, kernel_files),
            defines,
            variant,
            gen,
            scratch,
            project,
        )
    # ---- end of real boards ---------------------------------------------------------------
    target = _sanitized(board) if sanitize else board
    target = replace(
        target,
        toolchain=replace(
            target.toolchain, include=target.toolchain.include + INCLUDE_DIRS + (gen.resolve(),)
        ),
    )
    what = f"model {ir['model']['name']}" if ir is not None else "the app without a model"
    try:
        elf = compile_board(
            target, firmware_sources(ir, gen, kernel_files), out_dir, defines, name="firmware"
        )
    except BoardError as exc:
        over = _OVERFLOW.findall(str(exc))
        if not over:
            raise
        need = "; ".join(f"region {r} overflowed by {n} bytes" for r, n in over)
        raise DoesNotFit(
            f"{what} does not fit board {board.name}: linking failed, {need} "
            f"(flash {board.flash_bytes} B, RAM {board.ram_bytes} B; the app needs "
            f"{app_ram_bytes(ir, scratch)} B of RAM before the stack)"
        ) from None
    sizes = section_sizes(elf)
    check_image_fits(board, sizes, what)
    result = BuildResult(
        board,
        out_dir,
        elf,
        ir_path,
        **model_fields(ir),
        kernels=variant,
        sizes=sizes,
        frontend_scratch_bytes=scratch,
        sanitize=sanitize,
    )
    write_json_atomic(out_dir / "build.json", result.to_json(), indent=2)
    return result


def stored_path(info: Path, text: str) -> Path:
    """A path recorded in build.json (`info`): qmoe writes them absolute; a relative one (edited
    by hand, or an older build) is taken relative to build.json's folder, never to the current
    folder."""
    path = Path(text)
    return path if path.is_absolute() else Path(info).parent / path


def model_fields(ir: dict | None) -> dict[str, Any]:
    """BuildResult's fields about the model: name, hash, flash and arena bytes (none: empty)."""
    return {
        "model_name": ir["model"]["name"] if ir is not None else "",
        "model_hash": ir["hash"] if ir is not None else "",
        "model_flash_bytes": int(ir["sizes"]["total_flash_bytes"]) if ir is not None else 0,
        "arena_bytes": int(ir["memory"]["arena_bytes"]) if ir is not None else 0,
    }


def _image(board: Board, target: Path) -> Path:
    """The ELF a `flash` target names: a build folder (its build.json) or the ELF itself."""
    target = Path(target)
    if target.is_dir():
        info = target / "build.json"
        if not info.is_file():
            raise ConfigError(
                f"{target}: no build.json here; run `qmoe-host build --board "
                f"{board.name} --model FILE --out {target}` first"
            )
        meta = read_json_object(info, ("board", "elf"))
        if meta.get("board") != board.name:
            raise ConfigError(f"{info}: built for board {meta.get('board')!r}, not {board.name!r}")
        return stored_path(info, meta["elf"])
    return target


def flash(board_name: str, target: Path) -> RunningBoard:
    """Start the firmware of a build folder (or an ELF) on a board that runs here.

    Returns the running board (`.url` is its serial URL); stop it with `.stop()` or a `with`
    block. Boards that do not run here are refused with how to program them instead.
    """
    board = load_board(board_name)
    if not board.runs_here:
        raise ConfigError(
            f"board {board.name} cannot be started here (runs_here = false in {board.path}): "
            f"program it with `qmoe-host flash --board {board.name} --port PORT` "
            "(qmoe.flashers.flash_board) and measure it over its serial port"
        )
    running = start_board(board, _image(board, target))
    if board.micropython is not None and board.micropython.launch == "raw-repl":
        from qmoe.micropython.repl import start_server

        try:
            start_server(board, running.url)
        except BaseException:
            running.stop()
            raise
    return running


def serve(
    running: RunningBoard, *, poll: float = SERVE_POLL_S, say: Callable[[str], None] = print
) -> int:
    """Keep a started board running until Ctrl-C, SIGTERM, this process's parent exits or the
    board process ends; then stop it. Returns 0, or 1 if the board process died by itself."""
    parent = os.getppid()

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    code = 0
    try:
        while running.process.poll() is None and os.getppid() == parent:
            time.sleep(poll)
        if running.process.poll() is not None:
            say(f"board process exited with {running.process.returncode}:\n{running.output()}")
            code = 1
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        running.stop()
    return code


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

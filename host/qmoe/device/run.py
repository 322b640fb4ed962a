"""Running firmware on the boards that run here (native, QEMU) behind a TCP serial URL:
`start()` an image, `start_build()` the image of a build folder (what `qmoe-host flash` does for
these boards) and `serve()` it until Ctrl-C. Real chips are programmed by qmoe.device.flash."""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qmoe.boards import Board, load_board
from qmoe.device.errors import BoardError
from qmoe.device.result import stored_path
from qmoe.errors import ConfigError
from qmoe.runio import read_json_object

# Named timeouts (seconds) for starting and stopping a board process.
START_TIMEOUT_S = 10.0
EARLY_EXIT_GRACE_S = 0.05
STOP_TIMEOUT_S = 3.0
PORT_ATTEMPTS = 3
SERVE_POLL_S = 0.2  # how often `serve` checks the board process and its own parent

_LIVE: set[RunningBoard] = set()  # started and not yet stopped: stopped at interpreter exit


def _stop_live() -> None:
    for running in list(_LIVE):
        running.stop()


atexit.register(_stop_live)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: have the kernel send SIGTERM to the child when the parent dies, even if killed."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningBoard:
    """A board process serving its serial line on 127.0.0.1:`port`; use as a context manager.

    `url` is the pyserial URL ("socket://127.0.0.1:PORT"). The process is stopped on exit from
    the `with` block, by `stop()`, when the Python process exits, and (Linux, PR_SET_PDEATHSIG)
    when it is killed; note the latter also fires when the *thread* that called start() ends.
    """

    def __init__(self, board: Board, process: subprocess.Popen, port: int, log: Any) -> None:
        self.board = board
        self.process = process
        self.port = port
        self.url = f"socket://127.0.0.1:{port}"
        self._log = log
        _LIVE.add(self)

    def output(self) -> str:
        """What the process wrote to stdout and stderr so far."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> int | None:
        """Terminate the process (SIGTERM, then SIGKILL after STOP_TIMEOUT_S); return its code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        _LIVE.discard(self)
        return self.process.returncode

    def __enter__(self) -> RunningBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._log.close()


def _launch(board: Board, elf: Path, port: int, timeout: float) -> RunningBoard | None:
    """One start attempt; None if the port was taken meanwhile (the caller retries)."""
    command = [
        arg.replace("{elf}", str(elf)).replace("{port}", str(port)) for arg in board.run_command
    ]
    if shutil.which(command[0]) is None:
        hint = "" if "{elf}" in board.run_command[0] else " (run tools/setup-toolchains.sh)"
        raise BoardError(f"board {board.name}: {command[0]!r} not found or not executable{hint}")
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        preexec_fn=_die_with_parent if os.name == "posix" else None,
    )
    running = RunningBoard(board, process, port, log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            break
        try:
            # Connecting starts a `wait=on` QEMU; the next client is accepted after this one.
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            if time.monotonic() > deadline:
                running.stop()
                raise BoardError(
                    f"board {board.name}: 127.0.0.1:{port} not accepting after "
                    f"{timeout:.0f} s: {' '.join(command)}\n{running.output()}"
                ) from None
            time.sleep(0.02)
            continue
        # QEMU sets the machine up only once a client connects: give its errors a moment.
        time.sleep(EARLY_EXIT_GRACE_S)
        if process.poll() is None:
            return running
        break
    text = running.output()
    running.stop()
    log.close()
    if "in use" in text:
        return None
    raise BoardError(
        f"board {board.name}: {command[0]} exited with {process.returncode}: "
        f"{' '.join(command)}\n{text.strip()}"
    )


def start(board: Board, elf: Path, *, timeout: float = START_TIMEOUT_S) -> RunningBoard:
    """Start `elf` on `board` (QEMU or a native process) serving its serial on a free TCP port.

    Returns once the port accepts connections. Raises BoardError if the board does not run here,
    its emulator is missing, or the process exits early (with its output).
    """
    if not board.runs_here:
        raise BoardError(f"board {board.name} does not run here (runs_here = false)")
    if board.serial.how != "tcp":
        raise BoardError(
            f"board {board.name}: start() serves TCP serial; serial.how is {board.serial.how!r}"
        )
    elf = Path(elf).resolve()
    if not elf.is_file():
        raise BoardError(f"board {board.name}: firmware image {elf} does not exist")
    with elf.open("rb") as f:
        if f.read(4) != b"\x7fELF":
            # QEMU would load a non-ELF file as a raw image and run garbage without a word.
            raise BoardError(f"board {board.name}: firmware image {elf} is not an ELF file")
    for _ in range(PORT_ATTEMPTS):
        running = _launch(board, elf, _free_port(), timeout)
        if running is not None:
            return running
    raise BoardError(f"board {board.name}: no free TCP port after {PORT_ATTEMPTS} attempts")


def _image(board: Board, target: Path) -> Path:
    """The ELF a `start_build` target names: a build folder (its build.json) or the ELF itself."""
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


def start_build(board_name: str, target: Path) -> RunningBoard:
    """Start the firmware of a build folder (or an ELF) on a board that runs here.

    Returns the running board (`.url` is its serial URL); stop it with `.stop()` or a `with`
    block. Boards that do not run here are refused with how to program them instead.
    """
    board = load_board(board_name)
    if not board.runs_here:
        raise ConfigError(
            f"board {board.name} cannot be started here (runs_here = false in {board.path}): "
            f"program it with `qmoe-host flash --board {board.name} --port PORT` "
            "(qmoe.device.flash.flash_board) and measure it over its serial port"
        )
    running = start(board, _image(board, target))
    if board.micropython is not None and board.micropython.launch == "raw-repl":
        from qmoe.device.micropython.repl import start_server

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

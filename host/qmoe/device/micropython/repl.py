"""MicroPython's raw REPL over any pyserial URL (the protocol mpremote speaks): run code on the
board and read what it prints, and start the frozen protocol server `qmoe_serve` on a board whose
firmware boots to the REPL (docs/micropython.md).

Raw REPL: Ctrl-C twice stops a running program, Ctrl-A enters raw mode (the board answers
"raw REPL; CTRL-B to exit" and ">"); the code is sent and ended with Ctrl-D; the board answers "OK",
runs it, then sends its output, Ctrl-D, its exception text, Ctrl-D and ">".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import serial

from qmoe.boards import Board
from qmoe.device.errors import BoardError
from qmoe.errors import ConfigError

PROMPT = b"raw REPL; CTRL-B to exit\r\n>"
WRITE_CHUNK = 256  # bytes per write while sending code; a real UART has no flow control
CHUNK_PAUSE_S = 0.01
ENTER_TIMEOUT_S = 10.0
RUN_TIMEOUT_S = 60.0
INFO_UNIT = {"emulated-instructions": "emu-instructions"}  # INFO text fields hold 16 characters


class ReplError(BoardError):
    """The board's REPL did not answer as expected, or the code raised (its traceback)."""


@dataclass
class RawRepl:
    """An open raw REPL on a pyserial URL; use as a context manager."""

    url: str
    baudrate: int = 115200

    def __post_init__(self) -> None:
        try:
            self.port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.05)
        except (serial.SerialException, ValueError) as exc:
            raise ConfigError(f"cannot open serial port {self.url!r}: {exc}") from exc

    def __enter__(self) -> RawRepl:
        self.enter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.port.close()

    def _read_until(self, marker: bytes, timeout: float, what: str) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(marker):
            if time.monotonic() > deadline:
                tail = data[-200:].decode(errors="replace")
                raise ReplError(f"{self.url}: no {what} within {timeout:g} s; got {tail!r}")
            data += self.port.read(max(1, self.port.in_waiting))
        return data[: -len(marker)]

    def enter(self, timeout: float = ENTER_TIMEOUT_S) -> None:
        """Stop what runs and enter the raw REPL."""
        self.port.write(b"\r\x03\x03")
        time.sleep(0.1)
        self.port.reset_input_buffer()
        self.port.write(b"\x01")
        self._read_until(PROMPT, timeout, "raw REPL prompt")

    def send(self, code: str) -> None:
        """Send `code` and wait for the board's OK: it runs from then on."""
        raw = code.encode()
        for i in range(0, len(raw), WRITE_CHUNK):
            self.port.write(raw[i : i + WRITE_CHUNK])
            time.sleep(CHUNK_PAUSE_S)
        self.port.write(b"\x04")
        got = self.port.read(2)
        deadline = time.monotonic() + ENTER_TIMEOUT_S
        while len(got) < 2 and time.monotonic() < deadline:
            got += self.port.read(2 - len(got))
        if got != b"OK":
            raise ReplError(f"{self.url}: the raw REPL answered {got!r} to the code, not OK")

    def run(self, code: str, timeout: float = RUN_TIMEOUT_S) -> str:
        """Run `code` and return what it printed; ReplError with the board's traceback if it
        raised."""
        self.send(code)
        out = self._read_until(b"\x04", timeout, "end of output")
        err = self._read_until(b"\x04>", timeout, "end of error output")
        if err:
            raise ReplError(err.decode(errors="replace").strip())
        return out.decode(errors="replace")


def serve_code(board: Board, model: str | None = None) -> str:
    """The line that starts qmoe_serve with the board's facts (INFO's text fields)."""
    c = board.counter
    facts = {
        "board": board.name,
        "core": board.core,
        "counter": c.kind,
        "unit": INFO_UNIT.get(c.unit, c.unit),
        "per_tick": max(1, round(c.per_tick)),
        "clock_hz": board.clock_hz,
    }
    args = ", ".join([repr(model)] + [f"{k}={v!r}" for k, v in facts.items()])
    return f"import qmoe_serve\nqmoe_serve.main({args})\n"


def start_server(board: Board, url: str, model: str | None = None) -> None:
    """Start qmoe_serve on the board at `url` (its REPL) and leave it serving the protocol."""
    with RawRepl(url, board.serial.baud or 115200) as repl:
        repl.send(serve_code(board, model))

"""Request/reply over a pyserial port: sequence numbers, timeouts, retries and a trace mode."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from types import TracebackType
from typing import cast
from urllib.parse import urlsplit

import serial

from qmoe.errors import ConfigError
from qmoe.protocol.frame import (
    DEFAULT_MAX_PAYLOAD,
    LENGTH_LIMIT,
    ErrorCode,
    Frame,
    FrameDecoder,
    FrameError,
    ProtocolError,
    encode_frame,
)
from qmoe.protocol.messages import (
    LOAD_INPUT_HEADER_SIZE,
    NO_TYPE,
    ErrorReply,
    InferRequest,
    InfoReply,
    InfoRequest,
    LoadAck,
    LoadInput,
    Message,
    MsgType,
    Ping,
    RunWindow,
)

# Device errors that mean "the request was damaged on the way": sending it again may succeed.
RETRYABLE = frozenset({ErrorCode.BAD_CRC, ErrorCode.TRUNCATED})
POLL_INTERVAL = 0.01  # s: the port read timeout while waiting for a reply
NETWORK_SCHEMES = ("socket", "rfc2217")  # pyserial URLs that name HOST:PORT


def check_url(url: str) -> str:
    """Return `url` when pyserial can make sense of it; ConfigError naming the URL and the
    expected form otherwise (pyserial's own message for `socket://HOST` without a port is
    "'<=' not supported between instances of 'int' and 'NoneType'")."""
    if not url or not url.strip():
        raise ConfigError(
            "serial port: empty; expected a device (/dev/ttyACM0, COM5) or a pyserial URL "
            "(socket://HOST:PORT, rfc2217://HOST:PORT, loop://)"
        )
    scheme, sep, _ = url.partition("://")
    if sep and scheme.lower() in NETWORK_SCHEMES:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or port is None or not 1 <= port <= 65535:
            raise ConfigError(
                f"serial port {url!r}: expected {scheme}://HOST:PORT with a port number in "
                f"1..65535, e.g. {scheme}://127.0.0.1:5555 (what `qmoe-host flash` prints)"
            )
    return url


@dataclass(frozen=True)
class Timeouts:
    """Every wait of the host side, in seconds, in one place (docs/protocol.md, Timeouts)."""

    reply: float = 1.0  # PING, INFO: no computation involved
    infer: float = 10.0  # INFER, LOAD_INPUT (a PCM chunk runs the front end); QEMU is slow
    per_inference: float = 1.0  # RUN_WINDOW waits infer + n * per_inference
    quiet: float = 0.05  # line silence that ends the drain before a retry

    def for_request(self, msg: Message) -> float:
        """The default time to wait for the reply to `msg`."""
        if isinstance(msg, (InferRequest, LoadInput)):
            return self.infer
        if isinstance(msg, RunWindow):
            return self.infer + msg.n * self.per_inference
        return self.reply


class DeviceError(ProtocolError):
    """The device answered a request with ERROR."""

    def __init__(self, port: str, request: Message, reply: ErrorReply) -> None:
        code = ErrorCode(reply.code) if reply.code in set(ErrorCode) else ErrorCode.INTERNAL
        super().__init__(f"device on {port} refused {request.TYPE.name}: {reply.describe()}", code)
        self.reply = reply


class LinkTimeout(ProtocolError):
    """No reply arrived in time."""


class _Retry(Exception):
    """Internal: the exchange was damaged in transit; send the request again."""


def hexdump(data: bytes, indent: str = "    ") -> str:
    """16 bytes a line, hex then printable ASCII, as esptool's --trace."""
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i : i + 16]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{indent}{chunk.hex(' '):<47}  | {text}")
    return "\n".join(lines)


class Link:
    """Requests to one device over an open pyserial port (any URL: loop://, socket://, COM3).

    Each request gets a sequence number (1..255, then 1 again); replies with another number are
    stale and skipped. A reply that fails its CRC, or a device ERROR saying our request was
    damaged, makes the link drain the line and send again, up to `retries` times. `trace`
    hex-dumps every byte to stderr. The port's timeout is restored after each request.
    """

    def __init__(
        self,
        port: serial.SerialBase,
        *,
        timeouts: Timeouts | None = None,
        retries: int = 2,
        trace: bool = False,
        max_payload: int = DEFAULT_MAX_PAYLOAD,
    ) -> None:
        self.port = port
        self.timeouts = timeouts or Timeouts()
        self.retries = retries
        self.trace = trace
        self.max_payload = max_payload  # the device's, as its INFO reply says
        self.retried = 0  # requests sent again so far, for reports
        self.resyncs = 0  # faults recovered from by resync(), for reports
        self._seq = 0
        self._decoder = FrameDecoder(LENGTH_LIMIT)
        self._owned = False
        self._t0 = time.monotonic()

    @classmethod
    def open(
        cls,
        url: str,
        *,
        baudrate: int = 115200,
        timeouts: Timeouts | None = None,
        retries: int = 2,
        trace: bool = False,
    ) -> Link:
        """Open `url` with pyserial and return a Link that closes the port on close()."""
        check_url(url)
        try:
            port = serial.serial_for_url(url, baudrate=baudrate, timeout=POLL_INTERVAL)
        except (serial.SerialException, ValueError) as exc:
            raise ConfigError(f"cannot open serial port {url!r}: {exc}") from exc
        link = cls(port, timeouts=timeouts, retries=retries, trace=trace)
        link._owned = True
        return link

    def close(self) -> None:
        """Close the port if this link opened it."""
        if self._owned and self.port.is_open:
            self.port.close()

    def __enter__(self) -> Link:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def request(self, msg: Message, timeout: float | None = None) -> Message:
        """Send a request and return its reply message.

        Raises DeviceError when the device answers ERROR, LinkTimeout when nothing arrives within
        `timeout` (default: Timeouts.for_request), ProtocolError when retries run out.
        """
        if msg.REPLY is None:
            raise ConfigError(f"{msg.TYPE.name} is not a request (it has no reply type)")
        payload = msg.pack()
        if len(payload) > self.max_payload:
            raise ConfigError(
                f"{msg.TYPE.name} payload is {len(payload)} bytes, the device accepts at most "
                f"{self.max_payload}"
            )
        wait = self.timeouts.for_request(msg) if timeout is None else timeout
        self._seq = self._seq % 255 + 1
        frame = encode_frame(msg.TYPE, payload, self._seq)
        saved = self.port.timeout
        try:
            self.port.timeout = POLL_INTERVAL
            self.port.reset_input_buffer()
            return self._exchange(msg, frame, wait)
        except serial.SerialException as exc:
            raise ProtocolError(
                f"serial port {self.port.name} failed during {msg.TYPE.name}: {exc}"
            ) from exc
        finally:
            self.port.timeout = saved

    def _exchange(self, msg: Message, frame: bytes, wait: float) -> Message:
        """Send `frame` and await its reply, again after each damaged exchange."""
        self._decoder = FrameDecoder(LENGTH_LIMIT)
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.retried += 1
                self._drain()
            self._log(f"send {msg.TYPE.name} seq={self._seq} attempt {attempt + 1}", frame)
            self.port.write(frame)
            try:
                return self._await(msg, wait)
            except _Retry as exc:
                reason = str(exc)
        raise ProtocolError(
            f"{msg.TYPE.name} to {self.port.name} failed {self.retries + 1} times: {reason}",
            ErrorCode.BAD_CRC,
        )

    def info(self) -> InfoReply:
        """Ask the device what it is; later requests respect its max payload."""
        reply = cast(InfoReply, self.request(InfoRequest()))
        self.max_payload = reply.max_payload
        return reply

    def resync(self, within: float) -> InfoReply:
        """Find the device again after a fault: a reset (it forgot the input and any half frame),
        lost or damaged bytes, or a dropped connection. Drains the line, reopens the port if it
        failed, sends PING until the device answers, then INFO, whose reply is returned so that
        the caller can check the model hash (a device that came back with another model must not
        be measured on). LinkTimeout naming the last fault when it does not answer in `within` s.
        """
        deadline = time.monotonic() + within
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                if not self.port.is_open:
                    self.port.open()
                    self.port.timeout = POLL_INTERVAL
                self._drain()
                left = max(0.05, deadline - time.monotonic())
                self.request(Ping(b"resync"), timeout=min(self.timeouts.reply, left))
                self.resyncs += 1
                return self.info()
            except (ProtocolError, serial.SerialException, OSError) as exc:
                last = exc
                self._log(f"resync: {exc}")
                port_failed = (serial.SerialException, OSError)
                if isinstance(exc, port_failed) or isinstance(exc.__cause__, port_failed):
                    self._close_quietly()
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        raise LinkTimeout(
            f"the device at {self.port.name} did not answer within {within:g} s after a fault "
            f"(last: {last})"
        )

    def _close_quietly(self) -> None:
        try:
            self.port.close()
        except (serial.SerialException, OSError):
            pass

    def load_input(self, kind: int, data: bytes) -> LoadAck:
        """Send a whole input in the largest chunks the device takes; return the last ack."""
        if not data:
            raise ConfigError("load_input needs at least one byte of input")
        step = self.max_payload - LOAD_INPUT_HEADER_SIZE
        ack = None
        for offset in range(0, len(data), step):
            chunk = data[offset : offset + step]
            ack = cast(LoadAck, self.request(LoadInput(kind, len(data), offset, chunk)))
            if ack.received != offset + len(chunk) or ack.total_bytes != len(data):
                raise ProtocolError(
                    f"LOAD_ACK says {ack.received}/{ack.total_bytes} bytes held, expected "
                    f"{offset + len(chunk)}/{len(data)}"
                )
        assert ack is not None
        return ack

    def _await(self, msg: Message, wait: float) -> Message:
        """Read until the reply to the current seq arrives; _Retry on transit damage."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            data = self.port.read(max(1, self.port.in_waiting))
            if data:
                self._log(f"recv {len(data)} bytes", data)
            for event in self._decoder.feed(data):
                reply = self._match(msg, event)
                if reply is not None:
                    return reply
        raise LinkTimeout(
            f"no reply to {msg.TYPE.name} (seq {self._seq}) from {self.port.name} within "
            f"{wait:g} s; is the device running and at this port's baud rate?"
        )

    def _match(self, msg: Message, event: Frame | FrameError) -> Message | None:
        """The reply if `event` is it, None to keep waiting; raises on errors."""
        if isinstance(event, FrameError):
            self._log(f"damaged frame: {event.code.name}")
            raise _Retry(f"a reply failed its check ({event.code.name})")
        if event.type == MsgType.ERROR:
            err = ErrorReply.unpack(event.payload)
            if event.seq != self._seq and err.request_type != NO_TYPE:
                self._log(f"stale ERROR seq={event.seq}: {err.describe()}")
                return None
            if err.code in RETRYABLE:
                raise _Retry(f"the device got a damaged request: {err.describe()}")
            raise DeviceError(self.port.name, msg, err)
        if event.seq != self._seq:
            self._log(f"stale frame type=0x{event.type:02x} seq={event.seq}")
            return None
        assert msg.REPLY is not None
        if event.type != msg.REPLY.TYPE:
            raise ProtocolError(
                f"{msg.TYPE.name} got a frame of type 0x{event.type:02x}, expected "
                f"{msg.REPLY.TYPE.name}",
                ErrorCode.UNKNOWN_COMMAND,
            )
        return msg.REPLY.unpack(event.payload)

    def _drain(self) -> None:
        """Before a retry: read until the line has been quiet for Timeouts.quiet, then forget it."""
        end = time.monotonic() + self.timeouts.reply
        quiet_since = time.monotonic()
        while time.monotonic() < end and time.monotonic() - quiet_since < self.timeouts.quiet:
            data = self.port.read(max(1, self.port.in_waiting))
            if data:
                self._log(f"drain {len(data)} bytes", data)
                quiet_since = time.monotonic()
        self._decoder = FrameDecoder(LENGTH_LIMIT)

    def _log(self, what: str, data: bytes = b"") -> None:
        if not self.trace:
            return
        lines = [f"TRACE +{time.monotonic() - self._t0:.3f} {what}"]
        if data:
            lines.append(hexdump(data))
        print("\n".join(lines), file=sys.stderr, flush=True)

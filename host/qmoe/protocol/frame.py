"""Frames of the qmoe serial protocol: encoder, incremental decoder, CRCs, error codes.

The layout and the resynchronization rule are specified in docs/protocol.md; the device side is
firmware/protocol/qmoe_frame.c, and tests/test_protocol.py holds the two decoders to the same
events on every stream.
"""

from __future__ import annotations

import binascii
import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum

from qmoe.errors import QmoeError

SOF = 0xA5
VERSION = 1
HEADER_SIZE = 8  # SOF, version, type, seq, length (u16), header CRC (u16)
CRC_SIZE = 4
OVERHEAD = HEADER_SIZE + CRC_SIZE
DEFAULT_MAX_PAYLOAD = 1024  # QMOE_FRAME_MAX_PAYLOAD of the firmware's default build
LENGTH_LIMIT = 0xFFFF  # the length field's range; the host decoder's default limit
CRC16_INIT = 0xFFFF

_HEADER = struct.Struct("<BBBHH")  # version, type, seq, length, header CRC (after the SOF)
_CRC32 = struct.Struct("<I")


class ErrorCode(IntEnum):
    """Error codes carried by ERROR replies (stable wire values, as qmoe_proto_error_t)."""

    OK = 0
    BAD_CRC = 1
    TRUNCATED = 2
    TOO_LONG = 3
    BAD_VERSION = 4
    UNKNOWN_COMMAND = 5
    BAD_LENGTH = 6
    NO_INPUT = 7
    NO_MODEL = 8
    OUT_OF_RANGE = 9
    BUSY = 10
    INTERNAL = 11


class ProtocolError(QmoeError):
    """A frame or message is malformed, or the link broke the protocol.

    `code` is the ErrorCode a device would reply with for the same fault, None for faults that
    only the host sees (a timeout, a closed port).
    """

    def __init__(self, message: str, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.code = code


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, not reflected): the header check."""
    return binascii.crc_hqx(data, CRC16_INIT)


def crc32(data: bytes) -> int:
    """CRC-32/IEEE as zlib.crc32 (reflected poly 0xEDB88320, init and xorout 0xFFFFFFFF)."""
    return zlib.crc32(data)


def encode_frame(msg_type: int, payload: bytes, seq: int, *, version: int = VERSION) -> bytes:
    """Return the frame carrying `payload` as message `msg_type` with sequence number `seq`.

    `version` is for tests of the BAD_VERSION path; a host always sends VERSION.
    """
    for name, value in (("msg_type", msg_type), ("seq", seq), ("version", version)):
        if not 0 <= value <= 0xFF:
            raise ProtocolError(
                f"frame {name} must fit a byte (0..255), got {value}", ErrorCode.OUT_OF_RANGE
            )
    if len(payload) > LENGTH_LIMIT:
        raise ProtocolError(
            f"frame payload is {len(payload)} bytes, the length field holds at most {LENGTH_LIMIT}",
            ErrorCode.TOO_LONG,
        )
    head = struct.pack("<BBBH", version, msg_type, seq, len(payload))
    body = head + struct.pack("<H", crc16(head)) + bytes(payload)
    return bytes([SOF]) + body + _CRC32.pack(crc32(body))


@dataclass(frozen=True)
class Frame:
    """A frame that passed every check."""

    type: int
    seq: int
    payload: bytes
    version: int = VERSION


@dataclass(frozen=True)
class FrameError:
    """A rejected candidate frame. type, seq and length are 0 unless header_ok."""

    code: ErrorCode
    header_ok: bool
    type: int = 0
    seq: int = 0
    length: int = 0


class FrameDecoder:
    """Incremental decoder with the device parser's resynchronization rule.

    Every SOF byte starts a candidate. A candidate that fails a check is reported as a FrameError
    and only its SOF is dropped: the bytes after it are searched again, so a frame that follows
    garbage or a truncated frame is found. An accepted frame is consumed whole. Feeding a stream
    in any chunks gives the same events.
    """

    def __init__(self, max_payload: int = DEFAULT_MAX_PAYLOAD) -> None:
        if not 0 <= max_payload <= LENGTH_LIMIT:
            raise ProtocolError(
                f"max_payload must be in 0..{LENGTH_LIMIT}, got {max_payload}",
                ErrorCode.OUT_OF_RANGE,
            )
        self.max_payload = max_payload
        self._buf = bytearray()

    @property
    def pending(self) -> bool:
        """True while bytes of an incomplete candidate are buffered."""
        return bool(self._buf)

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        """Add received bytes; return the frames and rejections they complete, in stream order."""
        self._buf += data
        return self._scan(final=False)

    def reset(self) -> list[Frame | FrameError]:
        """End of input (idle timeout): reject incomplete candidates, rescan, empty the buffer.

        A candidate whose header passed is reported as TRUNCATED; one with an incomplete header
        is dropped silently (it cannot be told from a stray SOF). Frames found by the rescan are
        returned like any other.
        """
        return self._scan(final=True)

    def _scan(self, final: bool) -> list[Frame | FrameError]:
        buf, out = self._buf, []
        while True:
            start = buf.find(SOF)
            if start < 0:
                buf.clear()
                return out
            del buf[:start]
            if len(buf) < HEADER_SIZE:
                if not final:
                    return out
                del buf[:1]
                continue
            event = self._check(buf, final)
            if event is None:
                return out
            out.append(event)
            if isinstance(event, Frame):
                del buf[: OVERHEAD + len(event.payload)]
            else:
                del buf[:1]

    def _check(self, buf: bytearray, final: bool) -> Frame | FrameError | None:
        """The event of the candidate at buf[0], or None while it may still complete."""
        version, msg_type, seq, length, check = _HEADER.unpack_from(buf, 1)
        if crc16(bytes(buf[1:6])) != check:
            return FrameError(ErrorCode.BAD_CRC, header_ok=False)
        head = {"header_ok": True, "type": msg_type, "seq": seq, "length": length}
        if version != VERSION:
            return FrameError(ErrorCode.BAD_VERSION, **head)
        if length > self.max_payload:
            return FrameError(ErrorCode.TOO_LONG, **head)
        end = HEADER_SIZE + length
        if len(buf) < end + CRC_SIZE:
            return FrameError(ErrorCode.TRUNCATED, **head) if final else None
        if crc32(bytes(buf[1:end])) != _CRC32.unpack_from(buf, end)[0]:
            return FrameError(ErrorCode.BAD_CRC, **head)
        return Frame(msg_type, seq, bytes(buf[HEADER_SIZE:end]), version)

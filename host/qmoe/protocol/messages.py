"""The message catalogue of the qmoe serial protocol: one dataclass per payload layout.

Layouts are in docs/protocol.md and firmware/include/qmoe_msg.h. Every message has `.pack()` ->
payload bytes and `Class.unpack(payload)`; both check field ranges and raise ProtocolError with the
ErrorCode a device would answer (BAD_LENGTH for a wrong size, OUT_OF_RANGE for a bad value).
"""

from __future__ import annotations

import struct
from dataclasses import astuple, dataclass, field
from enum import IntEnum
from typing import ClassVar, TypeVar

from qmoe.protocol.frame import ErrorCode, Frame, ProtocolError

NAME_SIZE = 16
HASH_SIZE = 32
ERROR_DETAIL_MAX = 64
NO_TYPE = 0xFF  # ERROR.request_type when the request's header could not be read
LOAD_INPUT_HEADER_SIZE = 12  # LOAD_INPUT's fields before the chunk's data


class MsgType(IntEnum):
    """Frame type bytes. A reply is its request's type with bit 7 set."""

    PING = 0x01
    INFO = 0x02
    LOAD_INPUT = 0x03
    INFER = 0x04
    RUN_WINDOW = 0x05
    PONG = 0x81
    INFO_REPLY = 0x82
    LOAD_ACK = 0x83
    INFER_REPLY = 0x84
    RUN_WINDOW_REPLY = 0x85
    ERROR = 0xFE


class InputKind(IntEnum):
    """LOAD_INPUT kinds; INFO's input_kinds has bit (kind - 1) set for each one supported."""

    FEATURES_I8 = 1
    PCM_I16 = 2


M = TypeVar("M", bound="Message")


class Message:
    """Base of every message. Subclasses set TYPE and, for requests, REPLY."""

    TYPE: ClassVar[MsgType]
    REPLY: ClassVar[type[Message] | None] = None
    _FIXED: ClassVar[struct.Struct] = struct.Struct("<")  # fixed part, then a subclass's tail

    def pack(self) -> bytes:
        """The payload bytes of this message (fixed-layout messages: all fields in order)."""
        return self._pack_fixed(*astuple(self))

    @classmethod
    def unpack(cls: type[M], payload: bytes) -> M:
        """Parse and validate a payload (fixed-layout messages: exact size)."""
        cls._check_size(payload, cls._FIXED.size, exact=True)
        return cls(*cls._FIXED.unpack(payload))

    def _pack_fixed(self, *values: object) -> bytes:
        try:
            return self._FIXED.pack(*values)
        except struct.error as exc:
            raise ProtocolError(
                f"{type(self).__name__} field out of range ({exc}): {self}", ErrorCode.OUT_OF_RANGE
            ) from exc

    @classmethod
    def _check_size(cls, payload: bytes, size: int, exact: bool) -> None:
        if len(payload) < size or (exact and len(payload) != size):
            want = f"{size}" if exact else f"at least {size}"
            raise ProtocolError(
                f"{cls.TYPE.name} payload is {len(payload)} bytes, expected {want}",
                ErrorCode.BAD_LENGTH,
            )

    @classmethod
    def _out_of_range(cls, what: str) -> ProtocolError:
        return ProtocolError(f"{cls.TYPE.name}: {what}", ErrorCode.OUT_OF_RANGE)


def _printable(data: bytes) -> bool:
    """Printable ASCII (0x20..0x7e): what text fields may hold."""
    return all(0x20 <= b <= 0x7E for b in data)


def _pack_name(owner: str, field_name: str, value: str) -> bytes:
    data = value.encode("ascii", errors="replace")
    if len(data) > NAME_SIZE or not value.isascii() or not _printable(data):
        raise ProtocolError(
            f"{owner}.{field_name} must be at most {NAME_SIZE} printable ASCII characters, "
            f"got {value!r}",
            ErrorCode.OUT_OF_RANGE,
        )
    return data.ljust(NAME_SIZE, b"\0")


def _unpack_name(owner: str, field_name: str, raw: bytes) -> str:
    text = raw.rstrip(b"\0")
    if not _printable(text):
        raise ProtocolError(
            f"{owner}.{field_name} must be printable ASCII padded with NUL, got {raw!r}",
            ErrorCode.OUT_OF_RANGE,
        )
    return text.decode("ascii")


@dataclass(frozen=True)
class _Echo(Message):
    """A payload of any bytes (PING and PONG)."""

    data: bytes = b""

    def pack(self) -> bytes:
        return bytes(self.data)

    @classmethod
    def unpack(cls: type[M], payload: bytes) -> M:
        return cls(bytes(payload))


@dataclass(frozen=True)
class Pong(_Echo):
    """PONG: the PING's payload, byte for byte."""

    TYPE: ClassVar[MsgType] = MsgType.PONG


@dataclass(frozen=True)
class Ping(_Echo):
    """PING: any payload up to the device's max payload; PONG echoes it."""

    TYPE: ClassVar[MsgType] = MsgType.PING
    REPLY: ClassVar[type[Message]] = Pong


@dataclass(frozen=True)
class InfoReply(Message):
    """INFO_REPLY: what the device is and which model it runs (132 bytes)."""

    TYPE: ClassVar[MsgType] = MsgType.INFO_REPLY
    _FIXED: ClassVar[struct.Struct] = struct.Struct("<BBHIIII32s16s16s16s16s16s")
    _NAMES: ClassVar[tuple[str, ...]] = (
        "board",
        "core",
        "counter",
        "counter_unit",
        "runtime_version",
    )
    protocol_version: int
    input_kinds: int
    max_payload: int
    clock_hz: int
    counter_per_tick: int
    model_flash_bytes: int
    model_ram_bytes: int
    model_hash: bytes
    board: str
    core: str
    counter: str
    counter_unit: str
    runtime_version: str

    def supports(self, kind: InputKind) -> bool:
        """Whether the device accepts LOAD_INPUT of this kind."""
        return bool(self.input_kinds >> (int(kind) - 1) & 1)

    def pack(self) -> bytes:
        if len(self.model_hash) != HASH_SIZE:
            raise self._out_of_range(f"model_hash must be {HASH_SIZE} bytes")
        values = list(astuple(self))
        for i, name in enumerate(self._NAMES, start=8):
            values[i] = _pack_name(self.TYPE.name, name, values[i])
        return self._pack_fixed(*values)

    @classmethod
    def unpack(cls, payload: bytes) -> InfoReply:
        cls._check_size(payload, cls._FIXED.size, exact=True)
        values = list(cls._FIXED.unpack(payload))
        for i, name in enumerate(cls._NAMES, start=8):
            values[i] = _unpack_name(cls.TYPE.name, name, values[i])
        return cls(*values)


@dataclass(frozen=True)
class InfoRequest(Message):
    """INFO: empty payload."""

    TYPE: ClassVar[MsgType] = MsgType.INFO
    REPLY: ClassVar[type[Message]] = InfoReply


@dataclass(frozen=True)
class LoadAck(Message):
    """LOAD_ACK: bytes held contiguously from offset 0, and the input's total size."""

    TYPE: ClassVar[MsgType] = MsgType.LOAD_ACK
    _FIXED: ClassVar[struct.Struct] = struct.Struct("<II")
    received: int
    total_bytes: int


@dataclass(frozen=True)
class LoadInput(Message):
    """LOAD_INPUT: one chunk of an input; offset 0 starts a new one, re-sent chunks are harmless."""

    TYPE: ClassVar[MsgType] = MsgType.LOAD_INPUT
    REPLY: ClassVar[type[Message]] = LoadAck
    _FIXED: ClassVar[struct.Struct] = struct.Struct("<B3xII")  # LOAD_INPUT_HEADER_SIZE bytes
    kind: int
    total_bytes: int
    offset: int
    data: bytes

    def __post_init__(self) -> None:
        if self.kind not in set(InputKind):
            raise self._out_of_range(f"kind must be one of {[int(k) for k in InputKind]}")
        if self.kind == InputKind.PCM_I16 and self.total_bytes % 2:
            raise self._out_of_range(f"an int16 PCM input has an even size, not {self.total_bytes}")
        if not self.data or self.offset + len(self.data) > self.total_bytes:
            raise self._out_of_range(
                f"chunk of {len(self.data)} bytes at offset {self.offset} must be non-empty and "
                f"end within total_bytes {self.total_bytes}"
            )

    def pack(self) -> bytes:
        return self._pack_fixed(self.kind, self.total_bytes, self.offset) + bytes(self.data)

    @classmethod
    def unpack(cls, payload: bytes) -> LoadInput:
        cls._check_size(payload, cls._FIXED.size + 1, exact=False)
        kind, total, offset = cls._FIXED.unpack_from(payload)
        return cls(kind, total, offset, bytes(payload[cls._FIXED.size :]))


@dataclass(frozen=True)
class InferReply(Message):
    """INFER_REPLY: the decision, its uncertainty, per-stage counters and the logits."""

    TYPE: ClassVar[MsgType] = MsgType.INFER_REPLY
    _FIXED: ClassVar[struct.Struct] = struct.Struct("<BBBxHHIIIII")
    status: int
    expert: int
    router_choice: int
    class_index: int
    uncertainty: int
    counter_frontend: int
    counter_router: int
    counter_expert: int
    counter_total: int
    logits: tuple[int, ...] = field(default=())

    def pack(self) -> bytes:
        n = len(self.logits)
        if not all(-0x8000 <= v <= 0x7FFF for v in self.logits):
            raise self._out_of_range(f"logits must be int16, got {self.logits}")
        head = list(astuple(self)[:9])
        head[4:4] = [n]  # n_logits sits between class_index and uncertainty
        return self._pack_fixed(*head) + struct.pack(f"<{n}h", *self.logits)

    @classmethod
    def unpack(cls, payload: bytes) -> InferReply:
        cls._check_size(payload, cls._FIXED.size, exact=False)
        head = list(cls._FIXED.unpack_from(payload))
        n = head.pop(4)
        cls._check_size(payload, cls._FIXED.size + 2 * n, exact=True)
        return cls(*head, logits=struct.unpack_from(f"<{n}h", payload, cls._FIXED.size))


@dataclass(frozen=True)
class InferRequest(Message):
    """INFER: empty payload; runs one inference on the loaded input."""

    TYPE: ClassVar[MsgType] = MsgType.INFER
    REPLY: ClassVar[type[Message]] = InferReply


@dataclass(frozen=True)
class RunWindowReply(Message):
    """RUN_WINDOW_REPLY: the window's counters and, with an INA219, its energy (else 0)."""

    TYPE: ClassVar[MsgType] = MsgType.RUN_WINDOW_REPLY
    _FIXED: ClassVar[struct.Struct] = struct.Struct("<IIIIIQ")
    n: int
    counter_min: int
    counter_max: int
    energy_uj: int
    energy_samples: int
    counter_total: int


@dataclass(frozen=True)
class RunWindow(Message):
    """RUN_WINDOW: n >= 1 back-to-back inferences on the loaded input."""

    TYPE: ClassVar[MsgType] = MsgType.RUN_WINDOW
    REPLY: ClassVar[type[Message]] = RunWindowReply
    _FIXED: ClassVar[struct.Struct] = struct.Struct("<I")
    n: int

    def __post_init__(self) -> None:
        if self.n < 1:
            raise self._out_of_range(f"n must be at least 1, got {self.n}")


@dataclass(frozen=True)
class ErrorReply(Message):
    """ERROR: the answer to a request that failed; detail is short ASCII."""

    TYPE: ClassVar[MsgType] = MsgType.ERROR
    _FIXED: ClassVar[struct.Struct] = struct.Struct("<BB")
    code: int
    request_type: int
    detail: str = ""

    def pack(self) -> bytes:
        detail = self.detail.encode("ascii", errors="replace")
        if len(detail) > ERROR_DETAIL_MAX or not self.detail.isascii() or not _printable(detail):
            raise self._out_of_range(f"detail must be at most {ERROR_DETAIL_MAX} printable ASCII")
        return self._pack_fixed(self.code, self.request_type) + detail

    @classmethod
    def unpack(cls, payload: bytes) -> ErrorReply:
        cls._check_size(payload, cls._FIXED.size, exact=False)
        code, request_type = cls._FIXED.unpack_from(payload)
        detail = bytes(payload[cls._FIXED.size :])
        if len(detail) > ERROR_DETAIL_MAX or not _printable(detail):
            raise cls._out_of_range(f"detail must be at most {ERROR_DETAIL_MAX} printable ASCII")
        return cls(code, request_type, detail.decode("ascii"))

    def describe(self) -> str:
        """The error as a phrase: code name, request type and detail."""
        name = ErrorCode(self.code).name if self.code in set(ErrorCode) else f"code {self.code}"
        if self.request_type == NO_TYPE:
            request = "an unreadable request"
        elif self.request_type in set(MsgType):
            request = MsgType(self.request_type).name
        else:
            request = f"type 0x{self.request_type:02x}"
        return f"{name} for {request}" + (f": {self.detail}" if self.detail else "")


MESSAGES: dict[int, type[Message]] = {
    cls.TYPE: cls
    for cls in (
        Ping,
        Pong,
        InfoRequest,
        InfoReply,
        LoadInput,
        LoadAck,
        InferRequest,
        InferReply,
        RunWindow,
        RunWindowReply,
        ErrorReply,
    )
}


def decode_message(frame: Frame) -> Message:
    """The message a frame carries; ProtocolError(UNKNOWN_COMMAND) for an unknown type."""
    cls = MESSAGES.get(frame.type)
    if cls is None:
        raise ProtocolError(f"unknown message type 0x{frame.type:02x}", ErrorCode.UNKNOWN_COMMAND)
    return cls.unpack(frame.payload)

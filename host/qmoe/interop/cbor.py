"""A small CBOR (RFC 8949) encoder and decoder: what Edge Impulse acquisition files use.

Encodes None, bool, int (−2^64 .. 2^64−1), float (as float64, or float32 when that is exact),
str, bytes, list/tuple and dict, always in definite-length form, so the same value gives the same
bytes. Decodes those plus half-precision floats and indefinite-length strings, arrays and maps
(as device firmware streams them). Tags and other simple values are refused with a CBORError
naming the byte offset.
"""

from __future__ import annotations

import math
import struct

from qmoe.errors import DataError


class CBORError(DataError):
    """Malformed or unsupported CBOR; the message names the byte offset."""


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
    raise ValueError(f"integer {n} does not fit CBOR's 64-bit argument")


def encode(value) -> bytes:
    """CBOR bytes of `value` (see the module doc for the types)."""
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _encode(v, out: bytearray) -> None:
    if v is None:
        out.append(0xF6)
    elif v is True or v is False:
        out.append(0xF5 if v else 0xF4)
    elif isinstance(v, int):
        out += _head(0, v) if v >= 0 else _head(1, -1 - v)
    elif isinstance(v, float):
        f32 = struct.pack(">f", v) if math.isfinite(v) and abs(v) < 3e38 else None
        if f32 is not None and struct.unpack(">f", f32)[0] == v:
            out += b"\xfa" + f32
        else:
            out += b"\xfb" + struct.pack(">d", v)
    elif isinstance(v, str):
        raw = v.encode("utf-8")
        out += _head(3, len(raw)) + raw
    elif isinstance(v, (bytes, bytearray)):
        out += _head(2, len(v)) + bytes(v)
    elif isinstance(v, (list, tuple)):
        out += _head(4, len(v))
        for item in v:
            _encode(item, out)
    elif isinstance(v, dict):
        out += _head(5, len(v))
        for key, item in v.items():
            _encode(key, out)
            _encode(item, out)
    else:
        raise TypeError(f"cannot encode {type(v).__name__} as CBOR")


def decode(data: bytes, where: str = "CBOR data"):
    """The value of one CBOR item filling `data`; CBORError naming `where` and the offset."""
    dec = _Decoder(bytes(data), where)
    value = dec.item()
    if dec.pos != len(dec.data):
        extra = len(dec.data) - dec.pos
        raise CBORError(f"{where}: {extra} bytes left after the item, from byte {dec.pos}")
    return value


_BREAK = object()


class _Decoder:
    def __init__(self, data: bytes, where: str) -> None:
        self.data, self.where, self.pos = data, where, 0

    def _fail(self, msg: str, at: int):
        raise CBORError(f"{self.where}: byte {at}: {msg}")

    def _take(self, n: int, at: int) -> bytes:
        if self.pos + n > len(self.data):
            self._fail(f"truncated (needs {n} more bytes, {len(self.data) - self.pos} left)", at)
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def _arg(self, info: int, at: int) -> int | None:
        if info < 24:
            return info
        if info in (24, 25, 26, 27):
            size = 1 << (info - 24)
            return int.from_bytes(self._take(size, at), "big")
        if info == 31:
            return None  # indefinite length
        return self._fail(f"reserved additional information {info}", at)

    def item(self, allow_break: bool = False):
        at = self.pos
        b = self._take(1, at)[0]
        major, info = b >> 5, b & 0x1F
        if major == 7:
            return self._simple(info, at, allow_break)
        n = self._arg(info, at)
        if major == 0:
            return n if n is not None else self._fail("indefinite integer", at)
        if major == 1:
            return -1 - n if n is not None else self._fail("indefinite integer", at)
        if major in (2, 3):
            raw = self._string(major, n, at)
            if major == 2:
                return raw
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                return self._fail("text string is not UTF-8", at)
        if major == 4:
            out, i = [], 0
            while n is None or i < n:
                v = self.item(allow_break=n is None)
                if v is _BREAK:
                    break
                out.append(v)
                i += 1
            return out
        if major == 5:
            pairs, i = {}, 0
            while n is None or i < n:
                key_at = self.pos
                key = self.item(allow_break=n is None)
                if key is _BREAK:
                    break
                if not isinstance(key, (str, int)):
                    self._fail(f"map key of type {type(key).__name__}", key_at)
                pairs[key] = self.item()
                i += 1
            return pairs
        return self._fail("tags (major type 6) are not supported", at)

    def _string(self, major: int, n: int | None, at: int) -> bytes:
        if n is not None:
            return self._take(n, at)
        parts = []
        while True:
            chunk_at = self.pos
            b = self._take(1, chunk_at)[0]
            if b == 0xFF:
                return b"".join(parts)
            if b >> 5 != major or (b & 0x1F) == 31:
                self._fail("bad chunk in an indefinite-length string", chunk_at)
            parts.append(self._take(self._arg(b & 0x1F, chunk_at), chunk_at))

    def _simple(self, info: int, at: int, allow_break: bool):
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return struct.unpack(">e", self._take(2, at))[0]
        if info == 26:
            return struct.unpack(">f", self._take(4, at))[0]
        if info == 27:
            return struct.unpack(">d", self._take(8, at))[0]
        if info == 31 and allow_break:
            return _BREAK
        return self._fail(f"unsupported simple value {info}", at)

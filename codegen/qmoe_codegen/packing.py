"""Weight bit-packing formats: the bytes the firmware unpacks.

The contract is docs/packing.md; this module is its golden implementation and the C kernels in
firmware/ implement the same bit order. In short, for a weight matrix of shape (out, in):

* every output row is packed on its own, starting at a byte offset, and padded to a whole byte
  with the format's zero code (`t5`: trit 0, digit 1, in the last byte's unused high digits);
* each row is then padded with 0x00 bytes to a multiple of `row_align` (1, 2 or 4) bytes;
* the array is rows back to back, `out * row_bytes(fmt, in, row_align)` bytes, no header.

Sub-byte formats put the first weight of a byte in its lowest bits (LSB-first). `s16` is
little-endian. `unpack` checks that every padding bit, trit and byte holds the value `pack` writes,
so a wrong shape, format or row alignment is reported rather than decoded into garbage.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import PackingError

__all__ = [
    "FORMATS",
    "ROW_ALIGNS",
    "FormatInfo",
    "PackingError",
    "format_for",
    "pack",
    "packed_bytes",
    "row_bytes",
    "storage_report",
    "unpack",
]

ROW_ALIGNS = (1, 2, 4)


class FormatInfo(NamedTuple):
    """What a packing format stores: nominal bits per weight and the inclusive value range."""

    nominal_bits: float
    min_value: int
    max_value: int
    description: str


FORMATS: dict[str, FormatInfo] = {
    "s1": FormatInfo(1, -1, 1, "1-bit sign: +1 -> bit 1, -1 -> bit 0; 8 per byte, LSB-first"),
    "s2": FormatInfo(2, -2, 1, "2-bit two's complement; 4 per byte, first weight in bits 1:0"),
    "t2": FormatInfo(
        2, -1, 1, "ternary, 2 bits: 0b00=0, 0b01=+1, 0b11=-1 (0b10 invalid); 4 per byte, LSB-first"
    ),
    "t5": FormatInfo(1.6, -1, 1, "ternary, 5 trits per byte: byte = sum((t_i + 1) * 3**i)"),
    "s4": FormatInfo(4, -8, 7, "4-bit two's complement; 2 per byte, first weight in low nibble"),
    "s8": FormatInfo(8, -128, 127, "int8, one byte per weight"),
    "s16": FormatInfo(16, -32768, 32767, "int16 little-endian, two bytes per weight"),
}

# Formats whose codes are 1, 2 or 4 bits wide, several to a byte (code width in bits).
_SUB_BYTE_BITS = {"s1": 1, "s2": 2, "t2": 2, "s4": 4}
_TRITS_PER_BYTE = 5
_T5_MAX_BYTE = 3**_TRITS_PER_BYTE - 1  # 242
_POW3 = 3 ** np.arange(_TRITS_PER_BYTE, dtype=np.int64)
_T2_INVALID_CODE = 0b10


def _check_format(fmt: str) -> FormatInfo:
    if fmt not in FORMATS:
        raise PackingError(f"unknown packing format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    return FORMATS[fmt]


def _check_row_align(row_align: int) -> None:
    if row_align not in ROW_ALIGNS:
        raise PackingError(f"row_align must be one of {ROW_ALIGNS} bytes, got {row_align!r}")


def _check_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) != 2 or any(int(d) < 1 for d in shape):
        raise PackingError(
            f"weight matrix shape must be (out, in) with both >= 1, got {tuple(shape)}"
        )
    return int(shape[0]), int(shape[1])


def format_for(kind: str, bits: int | None = None, dense_ternary: bool = False) -> str:
    """Name the packing format for a quantized layer.

    `kind` is "bits" (signed `bits`-bit integers, 1..16) or "ternary" (values -1, 0, +1; `bits`
    None or 2). Widths without a format of their own round up: 3 -> s4, 5..8 -> s8, 9..16 -> s16.
    `dense_ternary=True` picks the 1.6-bit `t5` format instead of `t2`.
    """
    if kind == "ternary":
        if bits not in (None, 2):
            raise PackingError(f"ternary weights take bits=None (or 2), got bits={bits!r}")
        return "t5" if dense_ternary else "t2"
    if kind != "bits":
        raise PackingError(f"unknown weight kind {kind!r}; expected 'bits' or 'ternary'")
    if dense_ternary:
        raise PackingError("dense_ternary=True needs kind='ternary', got kind='bits'")
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 1 <= bits <= 16:
        raise PackingError(f"kind='bits' needs an integer bits in 1..16, got bits={bits!r}")
    for fmt, width in (("s1", 1), ("s2", 2), ("s4", 4), ("s8", 8), ("s16", 16)):
        if bits <= width:
            return fmt
    raise AssertionError("unreachable: bits is checked to be <= 16")


def _data_bytes(fmt: str, n_in: int) -> int:
    """Bytes holding one row's codes, before row_align padding."""
    if fmt == "t5":
        return -(-n_in // _TRITS_PER_BYTE)
    if fmt in _SUB_BYTE_BITS:
        per_byte = 8 // _SUB_BYTE_BITS[fmt]
        return -(-n_in // per_byte)
    return n_in * (int(FORMATS[fmt].nominal_bits) // 8)


def row_bytes(fmt: str, n_in: int, row_align: int = 1) -> int:
    """Bytes one packed output row of `n_in` weights occupies, padding included: the stride
    between rows."""
    _check_format(fmt)
    _check_row_align(row_align)
    if isinstance(n_in, bool) or not isinstance(n_in, (int, np.integer)) or n_in < 1:
        raise PackingError(f"row length n_in must be an integer >= 1, got {n_in!r}")
    n = _data_bytes(fmt, int(n_in))
    return -(-n // row_align) * row_align


def packed_bytes(fmt: str, shape: tuple[int, int], row_align: int = 1) -> int:
    """Length of the packed (out, in) matrix: `out * row_bytes(fmt, in, row_align)`."""
    _check_format(fmt)
    n_out, n_in = _check_shape(tuple(shape))
    return n_out * row_bytes(fmt, n_in, row_align)


def _check_values(q: np.ndarray, fmt: str) -> None:
    info = FORMATS[fmt]
    bad = (q < info.min_value) | (q > info.max_value)
    if fmt == "s1":
        bad |= q == 0
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        allowed = "{-1, +1}" if fmt == "s1" else f"{info.min_value}..{info.max_value}"
        raise PackingError(
            f"weight [{row}, {col}] = {int(q[row, col])} is out of range for format {fmt!r} "
            f"(allowed {allowed}); {int(bad.sum())} value(s) out of range"
        )


def _pad_columns(a: np.ndarray, multiple: int, fill: int) -> np.ndarray:
    extra = -a.shape[1] % multiple
    if extra == 0:
        return a
    return np.pad(a, ((0, 0), (0, extra)), constant_values=fill)


def _encode_rows(q: np.ndarray, fmt: str) -> np.ndarray:
    """Row-wise payload bytes (out, data_bytes) as uint8, without row_align padding."""
    if fmt in _SUB_BYTE_BITS:
        width = _SUB_BYTE_BITS[fmt]
        per_byte = 8 // width
        if fmt == "s1":
            codes = (q > 0).astype(np.uint8)
        else:
            codes = (q & ((1 << width) - 1)).astype(np.uint8)
        codes = _pad_columns(codes, per_byte, 0)
        groups = codes.reshape(q.shape[0], -1, per_byte)
        shifts = (np.arange(per_byte) * width).astype(np.uint8)
        return np.bitwise_or.reduce(groups << shifts, axis=2).astype(np.uint8)
    dtype = "<i2" if fmt == "s16" else "i1"
    return np.ascontiguousarray(q.astype(dtype)).view(np.uint8)


def _encode_t5_rows(q: np.ndarray) -> np.ndarray:
    """Each row's trits, 5 per byte as base-3 digits; the last byte's unused digits hold trit 0."""
    digits = _pad_columns(q + 1, _TRITS_PER_BYTE, 1)  # trit 0 is digit 1
    return (digits.reshape(q.shape[0], -1, _TRITS_PER_BYTE) @ _POW3).astype(np.uint8)


def pack(q: np.ndarray, fmt: str, row_align: int = 1) -> bytes:
    """Pack an integer weight matrix q of shape (out, in) into the bytes of format `fmt`.

    Rows are packed independently and padded as described in docs/packing.md; the result is
    `packed_bytes(fmt, q.shape, row_align)` bytes.
    Raises PackingError for an unknown format or row_align, a non-integer or non-2-D array, or
    the first value outside the format's range.
    """
    _check_format(fmt)
    _check_row_align(row_align)
    q = np.asarray(q)
    if q.dtype == np.bool_ or not np.issubdtype(q.dtype, np.integer):
        raise PackingError(f"weights must be an integer array, got dtype {q.dtype}")
    n_out, n_in = _check_shape(q.shape)
    _check_values(q, fmt)  # before the cast, so huge uint64 values cannot wrap into range
    q = q.astype(np.int64)
    payload = _encode_t5_rows(q) if fmt == "t5" else _encode_rows(q, fmt)
    out = np.zeros((n_out, row_bytes(fmt, n_in, row_align)), dtype=np.uint8)
    out[:, : payload.shape[1]] = payload
    return out.tobytes()


def _raise_first(
    bad: np.ndarray, values: np.ndarray, what: str, expected: str, offset: int = 0
) -> None:
    """Raise PackingError naming the first True position of `bad` (row, offset + index)."""
    if bad.any():
        row, idx = (int(i) for i in np.argwhere(bad)[0])
        raise PackingError(
            f"row {row}, {what} {offset + idx}: found {int(values[row, idx])}, expected {expected}"
        )


def _decode_sub_byte(rows: np.ndarray, fmt: str, n_in: int) -> np.ndarray:
    width = _SUB_BYTE_BITS[fmt]
    per_byte = 8 // width
    shifts = (np.arange(per_byte) * width).astype(np.uint8)
    codes = ((rows[:, :, None] >> shifts) & ((1 << width) - 1)).reshape(rows.shape[0], -1)
    codes = codes.astype(np.int32)
    pad = codes[:, n_in:]
    _raise_first(pad != 0, pad, "padding code at column", "code 0", offset=n_in)
    codes = codes[:, :n_in]
    if fmt == "t2":
        _raise_first(codes == _T2_INVALID_CODE, codes, "column", "t2 code 0b00, 0b01 or 0b11")
    if fmt == "s1":
        return codes * 2 - 1
    sign = 1 << (width - 1)
    return codes - ((codes & sign) << 1)


def _decode_t5(rows: np.ndarray, n_in: int) -> np.ndarray:
    _raise_first(rows > _T5_MAX_BYTE, rows, "byte", f"a t5 byte <= {_T5_MAX_BYTE}")
    digits = (rows.astype(np.int32)[:, :, None] // _POW3.astype(np.int32)) % 3
    trits = digits.reshape(rows.shape[0], -1) - 1
    pad = trits[:, n_in:]
    _raise_first(pad != 0, pad, "padding trit at column", "trit 0", offset=n_in)
    return trits[:, :n_in]


def unpack(
    data: bytes | bytearray | memoryview, fmt: str, shape: tuple[int, int], row_align: int = 1
) -> np.ndarray:
    """Inverse of `pack`: decode `data` into an int32 array of `shape` (out, in).

    Raises PackingError if the byte length is not `packed_bytes(fmt, shape, row_align)`, if a
    padding bit, trit or byte differs from what `pack` writes, or if a code is invalid for the
    format (t2 code 0b10, t5 byte above 242). Messages name the row and column or byte.
    """
    _check_format(fmt)
    _check_row_align(row_align)
    n_out, n_in = _check_shape(tuple(shape))
    stride = row_bytes(fmt, n_in, row_align)
    raw = np.frombuffer(bytes(data), dtype=np.uint8)
    if raw.size != n_out * stride:
        raise PackingError(
            f"packed {fmt!r} data for shape ({n_out}, {n_in}) with row_align={row_align} must be "
            f"{n_out} x {stride} = {n_out * stride} bytes, got {raw.size}"
        )
    rows = raw.reshape(n_out, stride)
    n_data = _data_bytes(fmt, n_in)
    pad = rows[:, n_data:]
    _raise_first(pad != 0, pad, "row_align padding byte", "0", offset=n_data)
    rows = rows[:, :n_data]
    if fmt == "t5":
        return _decode_t5(rows, n_in)
    if fmt in _SUB_BYTE_BITS:
        return _decode_sub_byte(rows, fmt, n_in)
    dtype = "<i2" if fmt == "s16" else "i1"
    return np.ascontiguousarray(rows).view(dtype).astype(np.int32)


def storage_report(fmt: str, shape: tuple[int, int], row_align: int = 1) -> dict:
    """Storage cost of a (out, in) matrix in format `fmt`.

    Returns a dict with `format`, `shape`, `row_align`, `weights`, `bytes` (total stored,
    `packed_bytes`),
    `padding_bytes` (stored minus the nominal `weights * nominal_bits / 8`, may be fractional for
    t5), `bits_per_weight` (stored bits / weights), `nominal_bits_per_weight` and `overhead_pct`
    (100 * (stored / nominal - 1)).
    """
    info = _check_format(fmt)
    n_out, n_in = _check_shape(tuple(shape))
    total = packed_bytes(fmt, (n_out, n_in), row_align)
    weights = n_out * n_in
    nominal_bytes = weights * info.nominal_bits / 8
    stored_bits = total * 8 / weights
    return {
        "format": fmt,
        "shape": (n_out, n_in),
        "row_align": row_align,
        "weights": weights,
        "bytes": total,
        "padding_bytes": total - nominal_bytes,
        "bits_per_weight": stored_bits,
        "nominal_bits_per_weight": float(info.nominal_bits),
        "overhead_pct": 100.0 * (stored_bits / info.nominal_bits - 1.0),
    }

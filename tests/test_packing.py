"""Tests for qmoe_codegen.packing against docs/packing.md and a scalar reference packer."""

from __future__ import annotations

import ast
import itertools
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qmoe_codegen.packing import (
    FORMATS,
    ROW_ALIGNS,
    PackingError,
    format_for,
    pack,
    packed_bytes,
    row_bytes,
    storage_report,
    unpack,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "packing.md"
ODD_LENGTHS = [1, 3, 5, 7, 9, 13, 31, 33]
SUB_BYTE_WIDTH = {"s1": 1, "s2": 2, "t2": 2, "s4": 4}


def reference_pack(q: list[list[int]], fmt: str, row_align: int) -> bytes:
    """Scalar packer written from docs/packing.md, one weight at a time."""
    out = bytearray()
    for row in q:
        buf = bytearray()
        if fmt == "t5":  # 5 trits a byte, the last byte filled up with trit 0 (digit 1)
            trits = list(row) + [0] * (-len(row) % 5)
            for k in range(0, len(trits), 5):
                buf.append(sum((t + 1) * 3**i for i, t in enumerate(trits[k : k + 5])))
        elif fmt in SUB_BYTE_WIDTH:
            width = SUB_BYTE_WIDTH[fmt]
            per_byte = 8 // width
            buf.extend(bytes(-(-len(row) // per_byte)))
            for j, v in enumerate(row):
                code = (1 if v > 0 else 0) if fmt == "s1" else v & ((1 << width) - 1)
                buf[j // per_byte] |= code << (width * (j % per_byte))
        else:
            for v in row:
                buf.append(v & 0xFF)
                if fmt == "s16":
                    buf.append((v >> 8) & 0xFF)
        buf.extend(bytes(-len(buf) % row_align))
        out.extend(buf)
    return bytes(out)


def value_strategy(fmt: str) -> st.SearchStrategy[int]:
    if fmt == "s1":
        return st.sampled_from([-1, 1])
    return st.integers(FORMATS[fmt].min_value, FORMATS[fmt].max_value)


@st.composite
def packing_cases(draw: st.DrawFn) -> tuple[np.ndarray, str, int]:
    fmt = draw(st.sampled_from(sorted(FORMATS)))
    row_align = draw(st.sampled_from(ROW_ALIGNS))
    n_out = draw(st.integers(1, 4))
    n_in = draw(st.sampled_from(ODD_LENGTHS) | st.integers(1, 70))
    dtype = draw(st.sampled_from([np.int64, np.int32] if fmt == "s16" else [np.int8, np.int64]))
    q = draw(hnp.arrays(dtype, (n_out, n_in), elements=value_strategy(fmt)))
    return q, fmt, row_align


@settings(max_examples=300, deadline=None)
@given(packing_cases())
def test_round_trip_matches_reference_and_layout(case: tuple[np.ndarray, str, int]) -> None:
    q, fmt, row_align = case
    n_out, n_in = q.shape
    data = pack(q, fmt, row_align)
    stride = row_bytes(fmt, n_in, row_align)
    assert len(data) == packed_bytes(fmt, q.shape, row_align)
    assert len(data) == storage_report(fmt, q.shape, row_align)["bytes"]
    assert data == reference_pack(q.tolist(), fmt, row_align)
    back = unpack(data, fmt, q.shape, row_align)
    assert back.dtype == np.int32 and back.shape == q.shape
    np.testing.assert_array_equal(back, q)
    assert stride % row_align == 0 and len(data) == n_out * stride
    for r in range(n_out):  # each row is packed on its own, at a fixed stride
        assert data[r * stride : (r + 1) * stride] == pack(q[r : r + 1], fmt, row_align)


def t5_weight(base: bytes, n_in: int, o: int, j: int) -> int:
    """docs/packing.md's C expression for t5 weight j of row o, transcribed."""
    return (base[o * row_bytes("t5", n_in) + j // 5] // (1, 3, 9, 27, 81)[j % 5]) % 3 - 1


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.int8,
        st.tuples(st.integers(1, 9), st.sampled_from(ODD_LENGTHS) | st.integers(1, 40)),
        elements=st.integers(-1, 1),
    )
)
def test_t5_rows_start_on_bytes(q: np.ndarray) -> None:
    """Row o starts at byte o * ceil(in / 5); weight j is digit j % 5 of its byte j // 5; the
    unused high digits of a row's last byte hold trit 0 (digit 1), so any byte is <= 242."""
    n_out, n_in = q.shape
    data = pack(q, "t5")
    got = [[t5_weight(data, n_in, o, j) for j in range(n_in)] for o in range(n_out)]
    assert got == q.tolist()
    assert len(data) == n_out * -(-n_in // 5) and max(data) <= 242
    if n_in % 5:
        last = data[row_bytes("t5", n_in) - 1]
        assert [last // 3**k % 3 for k in range(n_in % 5, 5)] == [1] * (5 - n_in % 5)


@pytest.mark.parametrize("row_align", [2, 4])
def test_t5_row_align_pads_with_zero_bytes(row_align: int) -> None:
    q = np.zeros((2, 6), dtype=np.int8)  # 2 bytes a row, both 121: five digits 1
    stride = row_bytes("t5", 6, row_align)
    assert stride == -(-2 // row_align) * row_align
    data = pack(q, "t5", row_align)
    assert data == (bytes([121, 121]) + bytes(stride - 2)) * 2
    np.testing.assert_array_equal(unpack(data, "t5", q.shape, row_align), q)


def doc_examples() -> list[tuple[list[list[int]], str, int, bytes]]:
    pattern = re.compile(
        r'^pack\((\[\[.*\]\]), "(\w+)"(?:, row_align=(\d))?\) -> ((?:[0-9a-f]{2} ?)+)$'
    )
    examples = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = pattern.match(line.strip())
        if m:
            q = ast.literal_eval(m.group(1))
            examples.append((q, m.group(2), int(m.group(3) or 1), bytes.fromhex(m.group(4))))
    return examples


def test_doc_has_an_example_for_every_format() -> None:
    examples = doc_examples()
    assert {fmt for _, fmt, _, _ in examples} == set(FORMATS)
    assert {align for _, _, align, _ in examples} >= {1, 2, 4}


@pytest.mark.parametrize("q, fmt, row_align, expected", doc_examples())
def test_doc_examples(q: list[list[int]], fmt: str, row_align: int, expected: bytes) -> None:
    assert pack(np.array(q), fmt, row_align) == expected
    arr = np.array(q)
    np.testing.assert_array_equal(unpack(expected, fmt, arr.shape, row_align), arr)


def test_literal_byte_examples() -> None:
    assert pack(np.array([[1, 2, 3, 4]]), "s4") == b"\x21\x43"  # CMSIS-NN's example
    assert pack(np.array([[-1, 1]]), "s4") == b"\x1f"
    assert pack(np.array([[1, -1, 1, 1, -1, -1, -1, 1, 1]]), "s1") == b"\x8d\x01"
    assert pack(np.array([[1, -1, 0, 1, 1, -1]]), "t5") == bytes([227, 120])
    assert pack(np.array([[1, -1, 0], [-1, 1, 1]]), "t5") == bytes([2 + 9 + 108, 0 + 6 + 18 + 108])
    assert pack(np.array([[0, 0, 0, 0, 0]]), "t5") == bytes([1 + 3 + 9 + 27 + 81])
    assert pack(np.array([[-2, -1, 0, 1]]), "s2") == bytes([0b01_00_11_10])
    assert pack(np.array([[1, -1, 0, 1]]), "t2") == bytes([0b01_00_11_01])
    assert pack(np.array([[300, -2]]), "s16", row_align=4) == b"\x2c\x01\xfe\xff"


def test_t2_bytes_equal_s2_bytes() -> None:
    q = np.random.default_rng(1).integers(-1, 2, size=(7, 29))
    assert pack(q, "t2") == pack(q, "s2")


def parse_doc_table(tag: str) -> list[list[str]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"<!-- table: {tag} -->")
    rows = []
    for line in lines[start + 1 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@pytest.mark.parametrize("row_align", [1, 4])
def test_doc_bits_per_weight_tables(row_align: int) -> None:
    header, _, nominal, *layers = parse_doc_table(f"bits_per_weight row_align={row_align}")
    fmts = header[2:]
    assert fmts == list(FORMATS)
    assert [float(v) for v in nominal[2:]] == [FORMATS[f].nominal_bits for f in fmts]
    assert len(layers) == 6
    for row in layers:
        n_in, n_out = (int(v) for v in row[0].split("→"))
        assert row[1] == f"{n_out} × {n_in}"
        for fmt, cell in zip(fmts, row[2:]):
            stored = storage_report(fmt, (n_out, n_in), row_align)["bits_per_weight"]
            assert cell == f"{stored:.3f}", (row[0], fmt)


def test_doc_total_bytes_table() -> None:
    header, _, *rows = parse_doc_table("total_bytes")
    fmts = header[2:]
    assert len(rows) == 4
    for row in rows:
        widths = [int(v) for v in row[0].split("→")]
        row_align = int(row[1])
        for fmt, cell in zip(fmts, row[2:]):
            total = sum(
                len(pack(np.zeros((o, i), dtype=np.int8) + (fmt == "s1"), fmt, row_align))
                for i, o in itertools.pairwise(widths)
            )
            assert int(cell) == total, (row[0], row_align, fmt)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_out_of_range_names_position_and_range(data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from(sorted(FORMATS)))
    info = FORMATS[fmt]
    shape = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 40)))
    q = data.draw(hnp.arrays(np.int64, shape, elements=value_strategy(fmt)))
    r, c = data.draw(st.integers(0, shape[0] - 1)), data.draw(st.integers(0, shape[1] - 1))
    bad = st.integers(max_value=info.min_value - 1) | st.integers(min_value=info.max_value + 1)
    if fmt == "s1":
        bad = bad | st.just(0)
    value = data.draw(bad.filter(lambda v: abs(v) < 2**62))
    q[r, c] = value
    with pytest.raises(PackingError) as err:
        pack(q, fmt)
    msg = str(err.value)
    assert f"[{r}, {c}] = {value}" in msg and repr(fmt) in msg
    assert ("{-1, +1}" if fmt == "s1" else f"{info.min_value}..{info.max_value}") in msg


@pytest.mark.parametrize(
    "call",
    [
        lambda: pack(np.ones((2, 2), dtype=np.int8), "s3"),
        lambda: unpack(b"\x00", "int4", (1, 1)),
        lambda: row_bytes("u8", 4),
        lambda: storage_report("S4", (2, 2)),
    ],
)
def test_unknown_format_lists_valid_ones(call: Callable[[], object]) -> None:
    with pytest.raises(PackingError, match="unknown packing format") as err:
        call()
    assert all(name in str(err.value) for name in FORMATS)


@settings(max_examples=100, deadline=None)
@given(packing_cases(), st.integers(-9, 9).filter(lambda d: d != 0))
def test_wrong_length_is_rejected(case: tuple[np.ndarray, str, int], delta: int) -> None:
    q, fmt, row_align = case
    data = pack(q, fmt, row_align)
    wrong = data + bytes(delta) if delta > 0 else data[:delta]
    with pytest.raises(PackingError) as err:
        unpack(wrong, fmt, q.shape, row_align)
    assert f"{len(data)} bytes, got {len(wrong)}" in str(err.value)


@pytest.mark.parametrize(
    "data, fmt, shape, row_align, expected",
    [
        (b"\x10", "s4", (1, 1), 1, "row 0, padding code at column 1"),
        (b"\x01\x01\x80", "s1", (3, 1), 1, "row 2, padding code at column 7"),
        (b"\x01\x00\x01\x02", "s2", (2, 1), 2, "row 1, row_align padding byte 1"),
        (b"\x79\x70", "t5", (2, 1), 1, "row 1, padding trit at column 2: found -1"),
        (b"\x79\x79\x7c", "t5", (1, 11), 1, "row 0, padding trit at column 11: found 1"),
        (b"\x79\xf3", "t5", (2, 5), 1, "row 1, byte 0: found 243, expected a t5 byte <= 242"),
        (b"\x79\x79\x79\xff", "t5", (2, 7), 1, "row 1, byte 1: found 255"),
        (b"\x79\x79\x79", "t5", (2, 6), 1, "must be 2 x 2 = 4 bytes, got 3"),
        (b"\x79\x00\x79\x01", "t5", (2, 1), 2, "row 1, row_align padding byte 1: found 1"),
        (b"\x01\x20", "t2", (2, 3), 1, "row 1, column 2: found 2"),
        (b"\x01\x00\x00", "s16", (1, 1), 1, "must be 1 x 2 = 2 bytes, got 3"),
    ],
)
def test_malformed_data_names_position(
    data: bytes, fmt: str, shape: tuple[int, int], row_align: int, expected: str
) -> None:
    with pytest.raises(PackingError, match=re.escape(expected)):
        unpack(data, fmt, shape, row_align)


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: pack(np.ones((2, 2)), "s8"), "integer array, got dtype float64"),
        (lambda: pack(np.ones((2, 2), dtype=bool), "s8"), "integer array, got dtype bool"),
        (lambda: pack(np.ones(4, dtype=np.int8), "s8"), "shape must be (out, in)"),
        (lambda: pack(np.ones((3, 0), dtype=np.int8), "s8"), "got (3, 0)"),
        (lambda: pack(np.ones((1, 1), dtype=np.int8), "s8", row_align=3), "row_align"),
        (lambda: row_bytes("s4", 0), "n_in must be an integer >= 1"),
        (
            lambda: pack(np.array([[2**64 - 1]], dtype=np.uint64), "s8"),
            "[0, 0] = 18446744073709551615",
        ),
    ],
)
def test_bad_arguments(call: Callable[[], object], expected: str) -> None:
    with pytest.raises(PackingError, match=re.escape(expected)):
        call()


def test_format_for() -> None:
    assert format_for("bits", 1) == "s1"
    assert format_for("bits", 2) == "s2"
    assert [format_for("bits", b) for b in (3, 4)] == ["s4", "s4"]
    assert {format_for("bits", b) for b in range(5, 9)} == {"s8"}
    assert {format_for("bits", b) for b in range(9, 17)} == {"s16"}
    assert format_for("ternary", None) == "t2"
    assert format_for("ternary", None, dense_ternary=True) == "t5"
    for bits in range(2, 17):  # the chosen format holds every signed `bits`-bit value
        info = FORMATS[format_for("bits", bits)]
        assert info.min_value <= -(2 ** (bits - 1)) and 2 ** (bits - 1) - 1 <= info.max_value
    for kind, bits in [("bits", 0), ("bits", 17), ("bits", None), ("float", 8), ("ternary", 1)]:
        with pytest.raises(PackingError):
            format_for(kind, bits)
    with pytest.raises(PackingError, match="dense_ternary"):
        format_for("bits", 4, dense_ternary=True)


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("shape", [(640, 1536), (128, 96)])
def test_storage_overhead(fmt: str, shape: tuple[int, int]) -> None:
    report = storage_report(fmt, shape)
    n_out, n_in = shape
    nominal = FORMATS[fmt].nominal_bits
    if fmt == "t5":  # ceil(in / 5) bytes a row
        total = n_out * -(-n_in // 5)
    else:
        total = n_out * -(-n_in * int(nominal) // 8)
    assert report["bytes"] == total
    assert report["nominal_bits_per_weight"] == nominal
    assert report["bits_per_weight"] == pytest.approx(total * 8 / (n_out * n_in))
    assert report["overhead_pct"] == pytest.approx(100 * (total * 8 / (n_out * n_in * nominal) - 1))
    if (fmt, shape) == ("t5", (128, 96)):
        # 96 = 5 * 19 + 1: a row stores 20 bytes for 19.2 nominal (4.2 %)
        assert report["bytes"] == 128 * 20
        assert report["overhead_pct"] == pytest.approx(100 * (20 / 19.2 - 1))
    else:
        assert 0 <= report["overhead_pct"] < 2.0


def test_t5_nominal_and_stored_bits() -> None:
    assert FORMATS["t5"].nominal_bits == 1.6
    report = storage_report("t5", (320, 640))
    assert report["bits_per_weight"] == pytest.approx(1.6) and report["overhead_pct"] == 0


def test_large_matrix_packs_fast() -> None:
    rng = np.random.default_rng(0)
    for fmt, info in FORMATS.items():
        q = rng.integers(info.min_value, info.max_value + 1, size=(640, 1536))
        if fmt == "s1":
            q = np.where(q > 0, 1, -1)
        start = time.perf_counter()
        data = pack(q, fmt)
        back = unpack(data, fmt, q.shape)
        elapsed = time.perf_counter() - start
        assert np.array_equal(back, q)
        assert elapsed < 1.0, f"{fmt}: pack + unpack of 640x1536 took {elapsed:.2f} s"

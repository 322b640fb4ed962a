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
    STREAM_FORMATS,
    PackingError,
    format_for,
    pack,
    packed_bytes,
    row_aligns,
    row_bytes,
    storage_report,
    unpack,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "packing.md"
ODD_LENGTHS = [1, 3, 5, 7, 9, 13, 31, 33]
SUB_BYTE_WIDTH = {"s1": 1, "s2": 2, "t2": 2, "s4": 4}


def reference_pack(q: list[list[int]], fmt: str, row_align: int) -> bytes:
    """Scalar packer written from docs/packing.md, one weight at a time."""
    if fmt == "t5":  # one stream of all trits, row-major, 5 per byte
        trits = [t for row in q for t in row]
        trits += [0] * (-len(trits) % 5)
        groups = [trits[k : k + 5] for k in range(0, len(trits), 5)]
        return bytes(sum((t + 1) * 3**i for i, t in enumerate(g)) for g in groups)
    out = bytearray()
    for row in q:
        buf = bytearray()
        if fmt in SUB_BYTE_WIDTH:
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
    row_align = draw(st.sampled_from(row_aligns(fmt)))
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
    if fmt in STREAM_FORMATS:  # no stride: the stream is ceil(out * in / 5) bytes
        assert stride == 0 and len(data) == -(-n_out * n_in // 5)
        return
    assert stride % row_align == 0 and len(data) == n_out * stride
    for r in range(n_out):  # each row is packed on its own, at a fixed stride
        assert data[r * stride : (r + 1) * stride] == pack(q[r : r + 1], fmt, row_align)


def t5_weight(base: bytes, n_in: int, o: int, j: int) -> int:
    """docs/packing.md's C expression for t5 weight j of row o, transcribed."""
    k = o * n_in + j
    return (base[k // 5] // (1, 3, 9, 27, 81)[k % 5]) % 3 - 1


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.int8,
        st.tuples(st.integers(1, 9), st.sampled_from(ODD_LENGTHS) | st.integers(1, 40)),
        elements=st.integers(-1, 1),
    )
)
def test_t5_row_starts_at_its_trit_offset(q: np.ndarray) -> None:
    """Row o starts at trit o * in (byte (o * in) // 5, digit (o * in) % 5); only the stream's
    last byte holds padding, so the array is as short as 5 trits a byte allows."""
    n_out, n_in = q.shape
    data = pack(q, "t5")
    got = [[t5_weight(data, n_in, o, j) for j in range(n_in)] for o in range(n_out)]
    assert got == q.tolist()
    assert len(data) * 5 - n_out * n_in in range(5)


@pytest.mark.parametrize("row_align", [2, 4])
def test_t5_takes_only_row_align_1(row_align: int) -> None:
    assert row_aligns("t5") == (1,) and row_aligns("s4") == ROW_ALIGNS
    q = np.zeros((2, 5), dtype=np.int8)
    calls = [
        lambda: pack(q, "t5", row_align),
        lambda: unpack(bytes(2), "t5", q.shape, row_align),
        lambda: row_bytes("t5", 5, row_align),
        lambda: storage_report("t5", q.shape, row_align),
    ]
    for call in calls:
        with pytest.raises(
            PackingError, match="'t5' is a row-unpadded stream: row_align must be 1"
        ):
            call()


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
            if row_align not in row_aligns(fmt):
                assert cell == "—", (row[0], fmt)
                with pytest.raises(PackingError):
                    storage_report(fmt, (n_out, n_in), row_align)
                continue
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
            if row_align not in row_aligns(fmt):
                assert cell == "—", (row[0], row_align, fmt)
                continue
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
        (b"\x70", "t5", (2, 1), 1, "t5 padding trit 2 (after the 2 weights): found -1"),
        (b"\x79\x79\x7c", "t5", (1, 11), 1, "padding trit 11 (after the 11 weights): found 1"),
        (b"\x79\xf3", "t5", (2, 5), 1, "t5 byte 1 (from row 1, column 0): found 243"),
        (b"\x79\x79\xff", "t5", (2, 7), 1, "t5 byte 2 (from row 1, column 3): found 255"),
        (b"\x79\x79", "t5", (2, 6), 1, "stream of ceil(12 / 5) = 3 bytes, got 2"),
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
    if fmt == "t5":  # one stream: ceil(out * in / 5) bytes
        total = -(-n_out * n_in // 5)
    else:
        total = n_out * -(-n_in * int(nominal) // 8)
    assert report["bytes"] == total
    assert report["nominal_bits_per_weight"] == nominal
    assert report["bits_per_weight"] == pytest.approx(total * 8 / (n_out * n_in))
    assert report["overhead_pct"] == pytest.approx(100 * (total * 8 / (n_out * n_in * nominal) - 1))
    assert 0 <= report["overhead_pct"] < 2.0
    if (fmt, shape) == ("t5", (128, 96)):
        # 96 = 5 * 19 + 1: per-row padding would store 20 bytes a row for 19.2 (4.2 %); the
        # stream stores 12288 trits in 2458 bytes for 2457.6 nominal.
        assert report["bytes"] == 2458
        assert report["overhead_pct"] == pytest.approx(100 * (2458 / 2457.6 - 1))


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

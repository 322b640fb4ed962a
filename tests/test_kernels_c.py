"""The C fully-connected kernels (firmware/kernels/) held bit-exact to qmoe_codegen.kernels.fc.

tests/c/fc_main.c and the kernels of every host-runnable build variant are compiled once per
session with AddressSanitizer and UndefinedBehaviorSanitizer; one long-lived harness process
answers case after case (format: tests/c/fc_main.c). The case encoder, the build and the random
layer generator are shared with the benchmark, bench/kernels_callgrind.py.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qmoe_codegen.packing import FORMATS, row_bytes, unpack

from support import bench_module, cc

ROOT = Path(__file__).resolve().parents[1]


kb = bench_module("kernels_callgrind")
FcCase = kb.FcCase

SANITIZE = ["-g", "-O1", *cc.SANITIZE]
QMOE_OK, QMOE_ERR_ARG = 0, 1
FORMAT_NAMES = list(kb.FORMAT_IDS)
N_INS = (1, 3, 5, 7, 9, 13, 31, 33, 95, 96, 97, 160)
OUT_KINDS = {
    "relu8": (8, 0, 127),
    "plain8": (8, -128, 127),
    "int16": (16, -32768, 32767),
    "narrow8": (8, -5, 17),
    "narrow16": (16, -1000, 999),
}
IDENTITY = (2**30, 30)  # M / 2^n = 1: the output is the accumulator, clamped


class Harness:
    """A running fc_main; run() sends one case and returns its (status, outputs) replies.

    A crash (sanitizer report) fails the current test with the report and restarts the process;
    teardown fails if any crash happened.
    """

    def __init__(self, exe: Path) -> None:
        self.exe, self.crashes, self.starts = exe, [], 0
        self._start()

    def _start(self) -> None:
        self.starts += 1
        self.log = self.exe.with_suffix(f".{self.starts}.log")
        env = dict(os.environ, ASAN_OPTIONS="abort_on_error=1", UBSAN_OPTIONS="print_stacktrace=1")
        self.proc = subprocess.Popen(
            [str(self.exe)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("wb"),
            env=env,
        )

    def run(self, case: FcCase) -> list[tuple[int, np.ndarray]]:
        out_bits = (case.fields or {}).get("out_bits", case.out_bits)
        try:
            self.proc.stdin.write(case.encode())
            self.proc.stdin.flush()
            return kb.read_replies(self.proc.stdout, len(case.x), out_bits)
        except (BrokenPipeError, EOFError):
            self.proc.kill()
            self.proc.wait()
            report = self.log.read_text(errors="replace")[-3000:]
            self.crashes.append(report)
            self._start()
            raise AssertionError(f"fc_main crashed on {describe(case)}:\n{report}") from None

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _host_variants() -> list[str]:
    table = kb.tomllib.loads((kb.KERNELS_DIR / "variants.toml").read_text())
    return [name for name, v in table.items() if "any" in v["cores"]]


@pytest.fixture(scope="session", params=_host_variants())
def harness(request, tmp_path_factory):
    """fc_main built with ASan/UBSan and the kernels of one host-runnable variant."""
    exe = kb.build_harness(tmp_path_factory.mktemp("fc") / "fc_main", SANITIZE, request.param)
    h = Harness(exe)
    yield h
    h.close()
    assert not h.crashes, f"{len(h.crashes)} crash(es); first:\n{h.crashes[0]}"
    assert h.proc.returncode == 0, h.log.read_text()


def describe(case: FcCase) -> str:
    """A short name for a case in failure messages."""
    n_out, n_in = case.q.shape
    kernel = "qmoe_fc" if case.kernel is None else kb.KERNEL_NAMES[case.kernel]
    return (
        f"{kernel} {case.fmt} {n_out}x{n_in} row_align={case.row_align} "
        f"out_bits={case.out_bits} clamp=[{case.out_min}, {case.out_max}]"
    )


def assert_exact(harness: Harness, cases: list[FcCase]) -> None:
    """Run every case; fail at the first output that differs from the golden operator, naming
    (case, input, output index, expected, got) as CMSIS-NN's validate.h does."""
    for ci, case in enumerate(cases):
        expected = case.expected()
        for b, (status, got) in enumerate(harness.run(case)):
            assert status == QMOE_OK, f"case {ci} ({describe(case)}), input {b}: status {status}"
            bad = np.flatnonzero(got != expected[b])
            if bad.size:
                o = int(bad[0])
                pytest.fail(
                    f"case {ci} ({describe(case)}), input {b}: first mismatch at output "
                    f"{o}: expected {expected[b, o]}, got {got[o]} "
                    f"({bad.size} of {got.size} outputs differ)"
                )


# ---------------------------------------------------------------- layers with edge cases


def _edge_rows(rng: np.random.Generator, fmt: str, n_out: int, n_in: int) -> np.ndarray:
    """Per row one of: uniform, all minimum, all maximum, alternating extremes, mostly zero."""
    info = FORMATS[fmt]
    lo, hi = (-1, 1) if fmt == "s1" else (info.min_value, info.max_value)
    q = kb.random_weights(rng, fmt, n_out, n_in)
    for r, mode in enumerate(rng.integers(0, 5, n_out)):
        if mode == 1:
            q[r] = lo
        elif mode == 2:
            q[r] = hi
        elif mode == 3:
            q[r] = np.where(np.arange(n_in) % 2 == 0, lo, hi)
        elif mode == 4 and fmt != "s1":
            q[r] = np.where(rng.random(n_in) < 0.7, 0, q[r])
    assert (kb.bias_limit(q) >= 0).all(), "test layer breaks the no-overflow bound"
    return q


def _edge_inputs(rng: np.random.Generator, n_in: int) -> np.ndarray:
    alternating = np.where(np.arange(n_in) % 2 == 0, -128, 127)
    return np.stack(
        [
            np.full(n_in, -128),
            np.full(n_in, 127),
            alternating,
            rng.integers(-128, 128, n_in),
            rng.integers(-3, 4, n_in),
        ]
    )


def edge_layer(
    rng: np.random.Generator, fmt: str, n_in: int, n_out: int, out_kind: str, row_align: int
) -> FcCase:
    """A layer whose rows mix extreme weights, biases at +-the bound and extreme requantization
    (multipliers near 2^31 with small shifts, shift 62, zero multipliers) with fitted ones."""
    out_bits, out_min, out_max = OUT_KINDS[out_kind]
    q = _edge_rows(rng, fmt, n_out, n_in)
    x = _edge_inputs(rng, n_in)
    limit = kb.bias_limit(q)
    bias = np.select(
        [rng.random(n_out) < p for p in (0.2, 0.4, 0.5)],
        [limit, -limit, 0],
        rng.integers(-(2**12), 2**12, n_out),
    ).astype(np.int64)
    mult, shift = kb.fitted_requant(x @ q.T.astype(np.int64) + bias, out_max, rng)
    for r, mode in enumerate(rng.integers(0, 9, n_out)):
        if mode == 4:
            mult[r], shift[r] = 2**31 - 1, rng.integers(1, 4)
        elif mode == 5:
            mult[r], shift[r] = 2**31 - rng.integers(1, 17), rng.integers(1, 63)
        elif mode == 6:
            mult[r], shift[r] = 2**30, 62
        elif mode == 7:
            mult[r] = 0
        elif mode == 8:
            mult[r], shift[r] = rng.integers(0, 2**31), rng.integers(1, 63)
    return FcCase(fmt, q, bias, mult, shift, x, out_min, out_max, out_bits, row_align)


def grid_cases() -> list[FcCase]:
    """Every format x every odd/even row length of N_INS, two cases each (n_out 1..70)."""
    rng = np.random.default_rng(20251111)
    kinds, cases = list(OUT_KINDS), []
    for f, fmt in enumerate(FORMAT_NAMES):
        for k, n_in in enumerate(N_INS):
            for j, n_out in enumerate((1 + (5 * k + f) % 70, 70 - (3 * k + f) % 40)):
                kind = kinds[(2 * k + j + f) % len(kinds)]
                row_align = (1, 2, 4)[(k + j) % 3]
                cases.append(edge_layer(rng, fmt, n_in, n_out, kind, row_align))
    return cases


# ---------------------------------------------------------------- tests


# Worked by hand from docs/integer-semantics.md: (format, weights, inputs, bias, (M, n),
# clamp, out_bits, expected outputs per input).
HAND_CASES = [
    ("s1", [[1, -1, 1]], [[10, 20, 30]], [5], IDENTITY, (-32768, 32767), 16, [[25]]),
    (
        "s1",
        [[1] * 9, [-1] * 9],
        [[-128] * 9],
        [0, 0],
        IDENTITY,
        (-32768, 32767),
        16,
        [[-1152, 1152]],
    ),
    (
        "s8",
        [[1]],
        [[-3], [3], [-1], [1]],
        [0],
        (2**30, 31),
        (-128, 127),
        8,
        [[-1], [2], [0], [1]],
    ),  # x / 2 rounds half toward +infinity
    ("t5", [[1, -1, 0, 1, 1, -1]], [[1, 2, 3, 4, 5, 6]], [0], IDENTITY, (-128, 127), 8, [[2]]),
    ("t2", [[0, 0, -1, 1, 1]], [[9, 9, 3, 4, 5]], [-1], IDENTITY, (-128, 127), 8, [[5]]),
    ("s4", [[-8, 7, -3]], [[127, -128, 1]], [0], IDENTITY, (-32768, 32767), 16, [[-1915]]),
    ("s2", [[-2, -2]], [[127, 127]], [0], IDENTITY, (0, 127), 8, [[0]]),  # ReLU
    (
        "s16",
        [[-32768, 32767]],
        [[-128, 127]],
        [0],
        (2**30, 38),
        (-32768, 32767),
        16,
        [[32640]],
    ),  # 8355713 / 256 = 32639.504
]


@pytest.mark.parametrize("hand", HAND_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(HAND_CASES)])
def test_hand_worked_cases(harness, hand):
    fmt, q, x, bias, (m, n), (lo, hi), out_bits, want = hand
    n_out = len(q)
    case = FcCase(
        fmt,
        np.array(q),
        np.array(bias),
        np.full(n_out, m),
        np.full(n_out, n),
        np.array(x),
        lo,
        hi,
        out_bits,
    )
    assert case.expected().tolist() == want  # the golden operator agrees with the hand result
    assert [out.tolist() for _, out in harness.run(case)] == want


def test_grid_every_format_and_row_length(harness):
    cases = grid_cases()
    assert {c.fmt for c in cases} == set(FORMAT_NAMES)
    assert {c.q.shape[0] for c in cases} >= {1, 70}
    assert_exact(harness, cases)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
@pytest.mark.parametrize("row_align", [1, 2, 4])
def test_unpacking_matches_packer(harness, fmt, row_align):
    """One-hot inputs read every weight back: C decoding of the packed bytes == the values."""
    rng = np.random.default_rng(row_align)
    for n_in in (1, 7, 33, 97):
        q = _edge_rows(rng, fmt, int(rng.integers(1, 71)), n_in)
        n_out = q.shape[0]
        case = FcCase(
            fmt,
            q,
            np.zeros(n_out),
            np.full(n_out, IDENTITY[0]),
            np.full(n_out, IDENTITY[1]),
            np.eye(n_in, dtype=np.int64),
            -32768,
            32767,
            16,
            row_align,
            kernel=fmt,
        )
        got = np.stack([out for _, out in harness.run(case)])
        np.testing.assert_array_equal(got.T, q, err_msg=f"{fmt} {q.shape} row_align={row_align}")
        np.testing.assert_array_equal(unpack(case.packed(), fmt, q.shape, case.row_align), q)


@st.composite
def layers(draw) -> FcCase:
    """Any format and shape, weights anywhere in the format's range, biases within the bound."""
    fmt = draw(st.sampled_from(FORMAT_NAMES))
    n_out, n_in = draw(st.integers(1, 8)), draw(st.integers(1, 200))
    info = FORMATS[fmt]
    values = (
        st.sampled_from([-1, 1]) if fmt == "s1" else st.integers(info.min_value, info.max_value)
    )
    q = draw(hnp.arrays(np.int64, (n_out, n_in), elements=values))
    x = draw(hnp.arrays(np.int64, (draw(st.integers(1, 3)), n_in), elements=st.integers(-128, 127)))
    bias = np.array([draw(st.integers(-int(b), int(b))) for b in kb.bias_limit(q)])
    mult = np.array(draw(st.lists(st.integers(0, 2**31 - 1), min_size=n_out, max_size=n_out)))
    shift = np.array(draw(st.lists(st.integers(1, 62), min_size=n_out, max_size=n_out)))
    out_bits, out_min, out_max = OUT_KINDS[draw(st.sampled_from(list(OUT_KINDS)))]
    return FcCase(
        fmt,
        q,
        bias,
        mult,
        shift,
        x,
        out_min,
        out_max,
        out_bits,
        draw(st.sampled_from([1, 2, 4])),
        kernel=draw(st.sampled_from([None, fmt])),
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=layers())
def test_random_layers_property(harness, case):
    assert_exact(harness, [case])


# ---------------------------------------------------------------- argument errors


def _small(fmt: str, **kw) -> FcCase:
    case = kb.random_layer(np.random.default_rng(1), fmt, 13, 4, batch=1)
    for key, value in kw.items():
        setattr(case, key, value)
    return case


def assert_refused(harness: Harness, case: FcCase) -> None:
    """The call returns QMOE_ERR_ARG and leaves the output buffer (0xa5 bytes) untouched."""
    for status, out in harness.run(case):
        assert status == QMOE_ERR_ARG, f"{describe(case)} fields={case.fields} nulls={case.nulls}"
        assert (out.view(np.uint8) == 0xA5).all(), f"refused call wrote output: {describe(case)}"


@pytest.mark.parametrize("kernel", FORMAT_NAMES)
def test_format_mismatch_refused(harness, kernel):
    for fmt in FORMAT_NAMES:
        case = _small(fmt, kernel=kernel)
        if fmt == kernel:
            assert harness.run(case)[0][0] == QMOE_OK
        else:
            assert_refused(harness, case)


@pytest.mark.parametrize("kernel", [None, *FORMAT_NAMES])
def test_null_pointers_refused(harness, kernel):
    fmt = kernel or "s4"
    for bit in range(7):  # layer, in, out, weights, bias, mult, shift
        assert_refused(harness, _small(fmt, kernel=kernel, nulls=1 << bit))


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_inconsistent_layers_refused(harness, fmt):
    n_in = 13
    short_row = row_bytes(fmt, n_in) - 1
    bad_fields = (
        [{"out_bits": b} for b in (0, 7, 12, 32)]
        + [
            {"out_min": 5, "out_max": 4},
            {"out_bits": 8, "out_min": -129, "out_max": 127},
            {"out_bits": 8, "out_min": 0, "out_max": 128},
            {"n_in": 0},
        ]
        + ([{"row_bytes": short_row}] if short_row > 0 else [])
        + [{"row_bytes": 0}]  # t5 included: its rows are padded like every format's
    )
    for kernel in (None, fmt):
        for fields in bad_fields:
            assert_refused(harness, _small(fmt, kernel=kernel, fields=fields))
        for name, value in (("shift", 0), ("shift", 63), ("shift", -1), ("mult", -1)):
            case = _small(fmt, kernel=kernel)
            getattr(case, name)[-1] = value  # only the last channel is bad: nothing is written
            assert_refused(harness, case)


@pytest.mark.parametrize("kernel", [None, "s1", "t5"])
def test_no_outputs_is_not_an_error(harness, kernel):
    fmt = kernel or "s16"
    for status, out in harness.run(_small(fmt, kernel=kernel, fields={"n_out": 0})):
        assert (status, out.size) == (QMOE_OK, 0)


@pytest.mark.parametrize("format_id", [0, 8, 255])
def test_unknown_format_refused_by_dispatcher(harness, format_id):
    assert_refused(harness, _small("s8", fields={"format": format_id}))


# ---------------------------------------------------------------- cross compilers


@pytest.mark.parametrize("target", list(kb.CROSS_BOARDS))
def test_cross_compiles_within_budget(tmp_path, target):
    """Each kernel source compiles with -Werror for the target; the set stays within 4 KB of
    .text, a third of the 12 KB runtime budget (issue 4)."""
    cc.need(kb.CROSS_BOARDS[target])  # skips, naming the compiler, when it is absent
    sizes = kb.cross_text_sizes(target, tmp_path)
    assert set(sizes) == {p.name for p in kb.kernel_sources()}
    assert all(n > 0 for n in sizes.values()), sizes
    assert sum(sizes.values()) <= 4096, sizes


# ---------------------------------------------------------------- scratch


@pytest.mark.parametrize("kernel", [None, *FORMAT_NAMES])
def test_missing_or_short_scratch_refused(harness, kernel):
    """A layer whose format needs scratch (qmoe_fc_scratch_size() > 0) is refused without a
    context or with one byte less; the exact size (its own allocation: ASan sees any overrun) is
    what every other case of this file runs with. s16 needs none: no context is fine."""
    fmt = kernel or "t2"
    if fmt == "s16":
        assert harness.run(_small(fmt, kernel=kernel, nulls=1 << 7))[0][0] == QMOE_OK
        return
    assert_refused(harness, _small(fmt, kernel=kernel, nulls=1 << 7))
    assert_refused(harness, _small(fmt, kernel=kernel, nulls=1 << 8))


def test_scratch_size_matches_the_memory_plan(tmp_path):
    """qmoe_fc_scratch_size() (C) and qmoe_codegen.memory.fc_scratch_bytes (the arena plan) give
    the same bytes for every format over shapes around the formula's steps."""
    from qmoe_codegen.memory import fc_scratch_bytes

    shapes = [
        (i, o)
        for i in (1, 3, 4, 5, 7, 8, 9, 160, 1536, 65535)
        for o in (0, 1, 319, 320, 321, 639, 640, 641)
    ]
    src = tmp_path / "scratch_main.c"
    src.write_text(
        '#include <stdio.h>\n#include "qmoe_fc.h"\nint main(void) {\n'
        "    static const unsigned shapes[][2] = {"
        + ", ".join(f"{{{i}u, {o}u}}" for i, o in shapes)
        + "};\n    for (unsigned f = 0; f <= 8; ++f) {\n"
        "        for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {\n"
        "            qmoe_fc_t l = {0};\n"
        "            l.format = (uint8_t)f; l.n_in = (uint16_t)shapes[s][0];\n"
        "            l.n_out = (uint16_t)shapes[s][1];\n"
        '            printf("%u\\n", (unsigned)qmoe_fc_scratch_size(&l));\n'
        "        }\n    }\n"
        '    printf("%u\\n", (unsigned)qmoe_fc_scratch_size(NULL));\n    return 0;\n}\n'
    )
    kernels = kb.KERNELS_DIR
    sources = [kernels / "qmoe_fc.c", *sorted((kernels / "reference").glob("*.c"))]
    includes = [ROOT / "firmware" / "include"]
    exe = cc.build(
        [src, *sources], tmp_path / "scratch_main", includes=includes, warnings=cc.STRICT
    )
    got = [
        int(v)
        for v in subprocess.run(
            [str(exe)], capture_output=True, text=True, check=True
        ).stdout.split()
    ]
    ids = {v: k for k, v in kb.FORMAT_IDS.items()}
    want = [
        fc_scratch_bytes({"format": ids.get(f, "?"), "n_in": i, "n_out": o})
        for f in range(9)
        for i, o in shapes
    ] + [0]
    assert got == want
    assert fc_scratch_bytes({"format": "t2", "n_in": 1536, "n_out": 640}) == 2048 + 4 * 640
    assert fc_scratch_bytes({"format": "t5", "n_in": 1536, "n_out": 640}) == 2048 + 4 * 640
    assert fc_scratch_bytes({"format": "s8", "n_in": 1536, "n_out": 640}) == 3072


# ---------------------------------------------------------------- requantization


def test_requantize_clamp_matches_golden(tmp_path):
    """fc_requantize_clamp() (the cortex-m4 kernels' requantization: a 32-bit path for shifts
    above 32, the 64-bit one below) equals qmoe_codegen's requantize + saturate, sanitized, for
    every shift 1..62 with accumulators and multipliers at their extremes, exact rounding ties
    (acc * mult = (2k + 1) * 2^(shift - 1) and one either side), random values and several clamp
    ranges."""
    from qmoe_codegen.intops import requantize, saturate

    rng = np.random.default_rng(10)
    i32 = 2**31
    accs = [-i32, -i32 + 1, -65537, -32769, -129, -2, -1, 0, 1, 2, 127, 32768, i32 - 2, i32 - 1]
    mults = [0, 1, 2, 3, 2**30 - 1, 2**30, 2**30 + 1, 0x55555555, i32 - 2, i32 - 1]
    ranges = [(-128, 127), (0, 127), (-32768, 32767), (-5, 17)]
    rows = []
    for shift in range(1, 63):
        for lo, hi in ranges:
            rows += [(a, m, shift, lo, hi) for a in accs for m in mults]
            a = rng.integers(-i32, i32, 200) >> rng.integers(0, 31, 200)
            m = rng.integers(0, i32, 200) >> rng.integers(0, 31, 200)
            rows += [(int(x), int(y), shift, lo, hi) for x, y in zip(a, m)]
            for k in (0, 1, 7, 15, 30):  # mult = 2^k: acc * mult lands on a tie exactly
                if k <= shift - 1:
                    for y in (-40000, -129, -1, 0, 1, 126, 40000):
                        base = (2 * y + 1) * 2 ** (shift - 1 - k)
                        rows += [
                            (base + d, 2**k, shift, lo, hi)
                            for d in (-1, 0, 1)
                            if -i32 <= base + d < i32
                        ]
    exe = cc.build(
        [ROOT / "tests" / "c" / "requant_main.c"],
        tmp_path / "requant_main",
        includes=[ROOT / "firmware" / "include"],
        warnings=cc.STRICT,
        flags=SANITIZE,
    )
    text = "".join(f"{a} {m} {s} {lo} {hi}\n" for a, m, s, lo, hi in rows)
    got = np.array(
        subprocess.run(
            [str(exe)], input=text, capture_output=True, text=True, check=True
        ).stdout.split(),
        dtype=np.int64,
    )
    a, m, s, lo, hi = (np.array(c, dtype=np.int64) for c in zip(*rows))
    want = np.array([saturate(v, x, y) for v, x, y in zip(requantize(a, m, s), lo, hi)])
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, [(rows[i], int(got[i]), int(want[i])) for i in bad[:5]]
    assert len(rows) > 50000

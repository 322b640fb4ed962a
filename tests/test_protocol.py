"""The serial protocol: C parser/encoder vs qmoe.protocol, messages, docs/protocol.md, Link.

The C side (firmware/protocol/) is compiled with ASan and UBSan into tests/c/test_frame_main.c,
which runs as one long-lived process answering command lines (see its header comment).
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path

import pytest
import serial
import serial.urlhandler.protocol_loop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qmoe import protocol as proto
from qmoe.errors import ConfigError, QmoeError
from qmoe.protocol import (
    ErrorCode,
    Frame,
    FrameDecoder,
    FrameError,
    MsgType,
    ProtocolError,
    crc16,
    crc32,
    encode_frame,
)

from support import cc

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "protocol.md"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class CHarness:
    """tests/c/test_frame_main in command mode: one line in, its answer lines out.

    A crash (sanitizer report) fails the current test and restarts the process, so hypothesis
    can still shrink the failing input; teardown fails if any crash happened.
    """

    def __init__(self, exe: Path) -> None:
        self.exe, self.crashes, self.runs = exe, [], 0
        self._start()

    def _start(self) -> None:
        self.runs += 1
        self.log = self.exe.with_suffix(f".{self.runs}.log")
        env = dict(os.environ, ASAN_OPTIONS="abort_on_error=1", UBSAN_OPTIONS="print_stacktrace=1")
        self.proc = subprocess.Popen(
            [str(self.exe)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            text=True,
            env=env,
        )

    def run(self, line: str) -> list[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        out, answer = [], ""
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            while (answer := self.proc.stdout.readline()) not in (".\n", ""):
                out.append(answer.rstrip("\n"))
        except BrokenPipeError:
            pass
        if answer != ".\n":
            self.proc.wait(timeout=30)
            self.crashes.append(f"{line[:300]!r}:\n{self.log.read_text()}")
            self._start()
            pytest.fail(f"C harness died on {self.crashes[-1]}")
        return out

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0, self.log.read_text()
        assert not self.crashes, "\n".join(self.crashes)
        assert self.log.read_text() == "", self.log.read_text()  # no sanitizer report


@pytest.fixture(scope="module")
def harness_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cproto") / "test_frame_main"
    sources = sorted((ROOT / "firmware" / "protocol").glob("*.c"))
    sources.append(ROOT / "tests" / "c" / "test_frame_main.c")
    includes = [ROOT / "firmware" / "include"]
    return cc.build(
        sources, out, includes=includes, flags=["-O1"], warnings=cc.STRICT, sanitize=True
    )


@pytest.fixture(scope="module")
def c(harness_exe: Path) -> Iterator[CHarness]:
    h = CHarness(harness_exe)
    yield h
    h.close()


# ----- decoding: C and Python see the same events -----


def event_line(event: Frame | FrameError) -> str:
    """The C harness's line for an event."""
    if isinstance(event, Frame):
        return f"F {event.type} {event.seq} {event.payload.hex() or '-'}"
    return f"E {int(event.code)} {int(event.header_ok)} {event.type} {event.seq} {event.length}"


def py_decode(tokens: list[bytes | None], max_payload: int) -> list[str]:
    """Feed each chunk (None = reset) to a FrameDecoder, as the C harness's `d` command."""
    dec, out = FrameDecoder(max_payload), []
    for tok in tokens:
        out += dec.feed(tok) if tok is not None else dec.reset()
        assert tok is not None or not dec.pending
    return [event_line(e) for e in out]


def c_decode(c: CHarness, tokens: list[bytes | None], max_payload: int) -> list[str]:
    words = ["R" if t is None else (t.hex() or "-") for t in tokens]
    return c.run(f"d {max_payload} " + " ".join(words))


def both_decode(c: CHarness, tokens: list[bytes | None], max_payload: int) -> list[str]:
    py = py_decode(tokens, max_payload)
    assert c_decode(c, tokens, max_payload) == py
    return py


def header(msg_type: int, seq: int, length: int, version: int = 1) -> bytes:
    """A header whose check passes, for lengths and versions encode_frame would not send."""
    head = struct.pack("<BBBH", version, msg_type, seq, length)
    return bytes([proto.SOF]) + head + struct.pack("<H", crc16(head))


byte = st.integers(0, 255)
sof_rich = st.binary(max_size=40) | st.lists(
    st.sampled_from([0xA5, 0x00, 0x01, 0xFF]) | byte, max_size=40
).map(bytes)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[bytes | None], list[str], int]:
    """Chunks of frames, garbage, fake headers, truncated and damaged frames, resets (None).

    Returns the chunks, the intact frames' event lines in order, and the max payload.
    """
    max_payload = draw(st.sampled_from([0, 16, 64, 1024]))
    pieces: list[bytes | None] = []
    intact = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["frame", "garbage", "fake", "truncated", "damaged", "reset"]))
        payload = draw(st.binary(max_size=max_payload))
        frame = encode_frame(draw(byte), payload, draw(byte))
        if kind == "frame":
            pieces.append(frame)
            intact.append(event_line(Frame(frame[2], frame[3], payload)))
        elif kind == "garbage":
            pieces.append(draw(sof_rich))
        elif kind == "fake":
            length = draw(st.integers(max_payload + 1, 0xFFFF))
            fake = draw(st.sampled_from([header(1, 2, length), header(1, 2, 0, version=2)]))
            pieces.append(fake + draw(sof_rich))
        elif kind == "truncated":
            pieces.append(frame[: draw(st.integers(1, len(frame) - 1))])
        elif kind == "damaged":
            pos = draw(st.integers(1, len(frame) - 1))
            pieces.append(
                frame[:pos]
                + bytes([frame[pos] ^ (1 << draw(st.integers(0, 7)))])
                + frame[pos + 1 :]
            )
        else:
            pieces.append(None)
    pieces.append(None)  # the line goes idle at the end
    tokens: list[bytes | None] = []
    for piece in pieces:  # cut each piece into random chunks
        if piece is None:
            tokens.append(None)
            continue
        cuts = sorted(draw(st.lists(st.integers(0, len(piece)), max_size=3)))
        tokens += [piece[a:b] for a, b in zip([0, *cuts], [*cuts, len(piece)])]
    return tokens, intact, max_payload


@FAST
@given(streams())
def test_c_and_python_agree_and_recover_every_intact_frame(
    c: CHarness, case: tuple[list[bytes | None], list[str], int]
) -> None:
    tokens, intact, max_payload = case
    events = both_decode(c, tokens, max_payload)
    assert [e for e in events if e.startswith("F")] == intact
    whole = b"".join(t for t in tokens if t is not None)
    if None not in tokens[:-1]:  # without inner resets, the chunking does not matter
        assert py_decode([whole, None], max_payload) == events
        assert py_decode([bytes([b]) for b in whole] + [None], max_payload) == events


def test_split_at_every_position_parses_the_same(c: CHarness) -> None:
    a = encode_frame(MsgType.INFER, b"", 7)
    b = encode_frame(MsgType.PING, bytes([0xA5, 1, 0xA5]) * 5, 8)
    stream = b"\x13\xa5\x01" + a + b"\xa5" + b
    expected = both_decode(c, [stream, None], 64)
    assert [e[0] for e in expected].count("F") == 2
    for cut in range(len(stream) + 1):
        assert both_decode(c, [stream[:cut], stream[cut:], None], 64) == expected, cut
    assert both_decode(c, [bytes([x]) for x in stream] + [None], 64) == expected


@FAST
@given(st.binary(max_size=300), byte, byte, st.data())
def test_bit_flips_are_always_rejected(c: CHarness, payload: bytes, t: int, s: int, data) -> None:
    frame = bytearray(encode_frame(t, payload, s))
    bits = data.draw(st.sets(st.integers(8, 8 * len(frame) - 1), min_size=1, max_size=3))
    for bit in bits:  # never the SOF byte: the candidate must start
        frame[bit // 8] ^= 1 << (bit % 8)
    events = both_decode(c, [bytes(frame), None], 1024)
    assert not [e for e in events if e.startswith("F")]
    assert events and events[0].split()[1] in {"1", "2", "3", "4"}  # BAD_CRC, TRUNCATED, ...


@FAST
@given(st.binary(min_size=1, max_size=200), st.binary(min_size=1, max_size=8), st.data())
def test_burst_corruption_never_yields_a_frame(c: CHarness, payload: bytes, junk: bytes, data):
    frame = encode_frame(MsgType.LOAD_INPUT, payload, 3)
    pos = data.draw(st.integers(1, len(frame) - 1))
    damaged = (
        frame[:pos] + bytes(x ^ y for x, y in zip(frame[pos:], junk)) + frame[pos + len(junk) :]
    )
    if damaged != frame:
        events = both_decode(c, [damaged, None], 1024)
        assert not [e for e in events if e.startswith("F")]


@pytest.mark.parametrize("max_payload", [0, 1, 64, 1024])
def test_length_limit_is_exact(c: CHarness, max_payload: int) -> None:
    ok = encode_frame(MsgType.PING, bytes(max_payload), 1)
    too_long = encode_frame(MsgType.PING, bytes(max_payload + 1), 2)
    events = both_decode(c, [too_long + ok, None], max_payload)
    assert events[0] == f"E {int(ErrorCode.TOO_LONG)} 1 1 2 {max_payload + 1}"
    assert events[-1] == f"F 1 1 {bytes(max_payload).hex() or '-'}"


def test_oversized_length_and_unknown_version_are_reported_at_the_header(c: CHarness) -> None:
    good = encode_frame(MsgType.INFO, b"", 9)
    for fake, code, length in [
        (header(4, 5, 5000), ErrorCode.TOO_LONG, 5000),
        (header(4, 5, 3, version=7), ErrorCode.BAD_VERSION, 3),
    ]:
        # No reset: the good frame right behind must be found without waiting for more bytes.
        events = both_decode(c, [fake + good], 1024)
        assert events == [f"E {int(code)} 1 4 5 {length}", "F 2 9 -"]


def test_truncated_frame_then_new_frame(c: CHarness) -> None:
    cut = encode_frame(MsgType.PING, bytes(100), 3)[:30]
    new = encode_frame(MsgType.INFO, b"", 4)
    truncated = f"E {int(ErrorCode.TRUNCATED)} 1 1 3 100"
    # Idle reset between them: the truncated frame is reported, the new one parses normally.
    assert both_decode(c, [cut, None, new], 1024) == [truncated, "F 2 4 -"]
    # No silence in between: the new frame is inside the truncated one's claimed span, so the
    # parser waits; the idle reset after it rejects the truncated frame and finds the new one.
    assert both_decode(c, [cut + new], 1024) == []
    assert both_decode(c, [cut + new, None], 1024) == [truncated, "F 2 4 -"]
    # A longer stream fills the span: the frame check fails and the rescan finds the new frame.
    filler = encode_frame(MsgType.PING, bytes(200), 5)
    events = both_decode(c, [cut + new + filler], 1024)
    assert events == [f"E {int(ErrorCode.BAD_CRC)} 1 1 3 100", "F 2 4 -", f"F 1 5 {'00' * 200}"]


def test_raw_mode_reads_stdin(harness_exe: Path) -> None:
    stream = (
        b"junk\xa5" + encode_frame(MsgType.PING, b"hi", 1) + encode_frame(MsgType.INFER, b"", 2)
    )
    out = subprocess.run([harness_exe, "raw"], input=stream, capture_output=True, check=True)
    assert out.stdout.decode().splitlines() == py_decode([stream, None], 1024)


# ----- encoding and CRCs -----


@FAST
@given(byte, byte, st.binary(max_size=1024))
def test_c_encoder_matches_python(c: CHarness, t: int, s: int, payload: bytes) -> None:
    frame = encode_frame(t, payload, s)
    assert c.run(f"e {t} {s} {payload.hex() or '-'}") == [f"X {frame.hex()}"]
    assert FrameDecoder().feed(frame) == [Frame(t, s, payload)]
    assert c.run(f"c {payload.hex() or '-'}") == [f"C {crc16(payload)} {crc32(payload)}"]


def test_encoder_refuses_what_does_not_fit(c: CHarness) -> None:
    with pytest.raises(ProtocolError, match="seq must fit a byte"):
        encode_frame(1, b"", 256)
    with pytest.raises(ProtocolError, match="65536 bytes"):
        encode_frame(1, bytes(0x10000), 1)
    assert c.run(f"e 1 1 {'00' * 0x10000}") == ["X ERR"]


# ----- messages -----

u8, u16, u32 = st.integers(0, 255), st.integers(0, 0xFFFF), st.integers(0, 2**32 - 1)
printable = st.characters(min_codepoint=32, max_codepoint=126)
name = st.text(printable, max_size=16)
hash32 = st.binary(min_size=32, max_size=32)
infos = st.builds(proto.InfoReply, u8, u8, u16, *[u32] * 4, hash32, *[name] * 5)
int16s = st.lists(st.integers(-(2**15), 2**15 - 1), max_size=50).map(tuple)
infers = st.builds(proto.InferReply, u8, u8, u8, u16, *[u32] * 5, int16s)
windows = st.builds(proto.RunWindowReply, u32, u32, u32, u32, u32, st.integers(0, 2**64 - 1))
errors = st.builds(proto.ErrorReply, u8, u8, st.text(printable, max_size=64))
acks = st.builds(proto.LoadAck, u32, u32)


@st.composite
def loads(draw: st.DrawFn) -> proto.LoadInput:
    kind = draw(st.sampled_from(list(proto.InputKind)))
    data = draw(st.binary(min_size=1, max_size=100))
    offset = draw(st.integers(0, 10**6))
    total = offset + len(data) + draw(st.integers(0, 1000))
    total += total % 2 if kind == proto.InputKind.PCM_I16 else 0
    return proto.LoadInput(kind, total, offset, data)


def c_pack_line(m: proto.Message) -> str:
    """The harness's `p` command that packs the same reply in C (strings as hex)."""
    values = astuple(m)
    if isinstance(m, proto.InfoReply):
        texts = [v.encode().hex() or "-" for v in values[8:]]
        return "p info " + " ".join([*map(str, values[:7]), m.model_hash.hex(), *texts])
    if isinstance(m, proto.InferReply):
        return f"p infer {' '.join(map(str, values[:9]))} {','.join(map(str, m.logits)) or '-'}"
    if isinstance(m, proto.ErrorReply):
        return f"p error {m.code} {m.request_type} {m.detail.encode().hex() or '-'}"
    what = "window" if isinstance(m, proto.RunWindowReply) else "ack"
    return f"p {what} {' '.join(map(str, values))}"


@FAST
@given(st.one_of(infos, infers, windows, errors, acks))
def test_replies_round_trip_and_c_packs_the_same_bytes(c: CHarness, msg: proto.Message) -> None:
    payload = msg.pack()
    assert type(msg).unpack(payload) == msg
    assert proto.decode_message(Frame(msg.TYPE, 1, payload)) == msg
    assert c.run(c_pack_line(msg)) == [f"X {payload.hex() or '-'}"]


@FAST
@given(
    st.one_of(
        loads(),
        st.builds(proto.RunWindow, st.integers(1, 2**32 - 1)),
        st.builds(proto.Ping, st.binary(max_size=64)),
        st.just(proto.InfoRequest()),
        st.just(proto.InferRequest()),
    )
)
def test_requests_round_trip_and_c_unpacks_them(c: CHarness, msg: proto.Message) -> None:
    payload = msg.pack()
    assert type(msg).unpack(payload) == msg
    if isinstance(msg, proto.LoadInput):
        assert c.run(f"u load {payload.hex()}") == [
            f"U 0 {msg.kind} {msg.total_bytes} {msg.offset} {msg.data.hex()}"
        ]
    elif isinstance(msg, proto.RunWindow):
        assert c.run(f"u window {payload.hex()}") == [f"U 0 {msg.n}"]


@FAST
@given(st.sampled_from(["load", "window"]), st.binary(max_size=24))
def test_malformed_requests_get_the_same_error_code(c: CHarness, what: str, payload: bytes):
    cls = proto.LoadInput if what == "load" else proto.RunWindow
    try:
        cls.unpack(payload)
        code = ErrorCode.OK
    except ProtocolError as exc:
        code = exc.code
    assert c.run(f"u {what} {payload.hex() or '-'}")[0].split()[1] == str(int(code))


def test_message_errors_name_the_field() -> None:
    with pytest.raises(ProtocolError, match="INFO_REPLY payload is 3 bytes, expected 132"):
        proto.InfoReply.unpack(b"abc")
    with pytest.raises(ProtocolError, match="board must be at most 16 printable ASCII") as exc:
        proto.InfoReply(1, 1, 1024, 1, 1, 0, 0, bytes(32), "x" * 17, "", "", "", "").pack()
    assert exc.value.code == ErrorCode.OUT_OF_RANGE
    with pytest.raises(ProtocolError, match="n must be at least 1"):
        proto.RunWindow(0)
    with pytest.raises(ProtocolError, match="INFER_REPLY payload is 30 bytes, expected 32"):
        proto.InferReply.unpack(proto.InferReply(0, 0, 0, 0, 0, 0, 0, 0, 0, (1, 2)).pack()[:-2])
    with pytest.raises(ProtocolError, match="unknown message type 0x42") as exc:
        proto.decode_message(Frame(0x42, 1, b""))
    assert exc.value.code == ErrorCode.UNKNOWN_COMMAND


# ----- docs/protocol.md -----

EXAMPLE = re.compile(r"^(?P<expr>.+?) -> (?P<hex>[0-9a-f]{2}(?: [0-9a-f]{2})*)$")
EQUALITY = re.compile(r"^(?P<lhs>.+?) == (?P<rhs>.+)$")


def doc_examples() -> list[str]:
    lines, inside = [], False
    for line in DOC.read_text().splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and (EXAMPLE.match(line) or EQUALITY.match(line)):
            lines.append(line)
    return lines


def test_docs_examples_hold_literally(c: CHarness) -> None:
    examples = doc_examples()
    assert len(examples) >= 15
    names = {k: getattr(proto, k) for k in proto.__all__}
    for line in examples:
        if m := EXAMPLE.match(line):
            want = bytes.fromhex(m["hex"])
            assert eval(m["expr"], names) == want, line  # noqa: S307 - our own doc
            if m["expr"].startswith("encode_frame("):  # the C parser reads the same frame
                (event,) = FrameDecoder().feed(want)
                assert c_decode(c, [want], 1024) == [event_line(event)]
        else:
            m = EQUALITY.match(line)
            assert m is not None
            assert eval(m["lhs"], names) == eval(m["rhs"], names), line  # noqa: S307


def test_docs_tables_match_the_code() -> None:
    text = DOC.read_text()
    for code in ErrorCode:
        if code is not ErrorCode.OK:
            assert f"| {int(code)} | {code.name} |" in text, code
    for t in MsgType:
        assert f"`0x{int(t):02X}`" in text, t
    c_header = (ROOT / "firmware" / "include" / "qmoe_frame.h").read_text()
    for code in ErrorCode:
        assert re.search(rf"QMOE_PROTO_{code.name} = {int(code)}\b", c_header), code


# ----- Link against a fake device over loop:// -----


class FakeDevice(serial.urlhandler.protocol_loop.Serial):
    """The far end of loop://: decodes what the host writes and queues the replies to read.

    `faults` are applied to successive replies: "corrupt" flips a bit, "drop" sends nothing,
    "stale" sends an old-seq reply first; "garble" flips a bit of the next incoming request.
    """

    INFO = proto.InfoReply(1, 3, 256, 64_000_000, 1, 20480, 4096, bytes(range(32)), "fake",
                           "python", "monotonic", "ns", "0.1.0")  # fmt: skip

    def __init__(self, faults: list[str] | None = None) -> None:
        super().__init__("loop://", timeout=0)
        self.faults = list(faults or [])
        self.decoder = FrameDecoder(self.INFO.max_payload)
        self.seqs: list[int] = []
        self.input, self.total = bytearray(), 0

    def write(self, data: bytes) -> int:
        if self.faults and self.faults[0] == "garble":
            self.faults.pop(0)
            data = data[:-5] + bytes([data[-5] ^ 4]) + data[-4:]
        for event in self.decoder.feed(bytes(data)):
            if isinstance(event, FrameError):
                code, t = event.code, (event.type if event.header_ok else proto.NO_TYPE)
                self.reply(MsgType.ERROR, proto.ErrorReply(code, t).pack(), event.seq)
            else:
                self.seqs.append(event.seq)
                try:
                    reply = self.handle(proto.decode_message(event))
                except ProtocolError as exc:
                    reply = proto.ErrorReply(exc.code or ErrorCode.INTERNAL, event.type, "bad")
                self.reply(reply.TYPE, reply.pack(), event.seq)
        return len(data)

    def handle(self, msg: proto.Message) -> proto.Message:
        if isinstance(msg, proto.Ping):
            return proto.Pong(msg.data)
        if isinstance(msg, proto.InfoRequest):
            return self.INFO
        if isinstance(msg, proto.LoadInput):
            if msg.offset == 0:
                self.input, self.total = bytearray(), msg.total_bytes
            if msg.offset > len(self.input) or msg.total_bytes != self.total:
                raise ProtocolError("chunk out of order", ErrorCode.OUT_OF_RANGE)
            self.input[msg.offset : msg.offset + len(msg.data)] = msg.data
            return proto.LoadAck(len(self.input), self.total)
        if not self.total or len(self.input) != self.total:
            return proto.ErrorReply(ErrorCode.NO_INPUT, msg.TYPE, "no input loaded")
        if isinstance(msg, proto.RunWindow):
            return proto.RunWindowReply(msg.n, 10, 12, 0, 0, 11 * msg.n)
        return proto.InferReply(0, 1, 1, sum(self.input) % 5, 7, 1, 2, 3, 6, (1, -1))

    def reply(self, msg_type: int, payload: bytes, seq: int) -> None:
        frame = encode_frame(msg_type, payload, seq)
        fault = self.faults.pop(0) if self.faults else ""
        if fault == "drop":
            return
        if fault == "stale":
            super().write(encode_frame(MsgType.PONG, b"old", (seq - 2) % 255 + 1))
        if fault == "corrupt":
            frame = frame[:-1] + bytes([frame[-1] ^ 0x80])
        super().write(frame)


def test_link_requests_and_chunked_input() -> None:
    device = FakeDevice()
    link = proto.Link(device)
    assert link.request(proto.Ping(b"abc")) == proto.Pong(b"abc")
    assert link.info() == FakeDevice.INFO and link.max_payload == 256
    with pytest.raises(proto.DeviceError, match="refused INFER: NO_INPUT for INFER: no input") as e:
        link.request(proto.InferRequest())
    assert e.value.code == ErrorCode.NO_INPUT
    clip = bytes(range(256)) * 10  # 2560 bytes in chunks of 256 - 12
    ack = link.load_input(proto.InputKind.PCM_I16, clip)
    assert ack == proto.LoadAck(2560, 2560) and bytes(device.input) == clip
    assert device.seqs == list(range(1, 3 + 11 + 1))  # ping, info, infer, 11 chunks
    reply = link.request(proto.InferRequest())
    assert isinstance(reply, proto.InferReply) and reply.class_index == sum(clip) % 5
    assert link.request(proto.RunWindow(50)) == proto.RunWindowReply(50, 10, 12, 0, 0, 550)
    assert link.retried == 0
    link._seq = 254  # sequence numbers wrap from 255 to 1, never 0
    link.request(proto.Ping())
    link.request(proto.Ping())
    assert device.seqs[-2:] == [255, 1]


@pytest.mark.parametrize("fault", ["corrupt", "garble"])
def test_link_retries_damaged_exchanges(fault: str) -> None:
    device = FakeDevice([fault])
    link = proto.Link(device)
    assert link.request(proto.Ping(b"x" * 40)) == proto.Pong(b"x" * 40)
    assert link.retried == 1
    # The repeat carries the same seq; a garbled request never reached the handler.
    assert device.seqs == ([1, 1] if fault == "corrupt" else [1])


def test_link_gives_up_after_retries_and_skips_stale_replies() -> None:
    link = proto.Link(FakeDevice(["corrupt"] * 3), retries=2)
    with pytest.raises(ProtocolError, match="PING to loop:// failed 3 times: a reply failed"):
        link.request(proto.Ping())
    link = proto.Link(FakeDevice(["stale"]))
    assert link.request(proto.Ping(b"new")) == proto.Pong(b"new")


def test_link_timeout_trace_and_port_settings(capsys: pytest.CaptureFixture[str]) -> None:
    device = FakeDevice(["drop"])
    device.timeout = 0.5
    link = proto.Link(device, trace=True)
    with pytest.raises(proto.LinkTimeout, match=r"no reply to PING \(seq 1\) from loop:// within"):
        link.request(proto.Ping(b"hi"), timeout=0.05)
    assert device.timeout == 0.5
    assert link.request(proto.Ping(b"hi")) == proto.Pong(b"hi")
    assert device.timeout == 0.5
    err = capsys.readouterr().err
    assert "send PING seq=2 attempt 1\n    a5 01 01 02 02 00" in err
    assert "recv 14 bytes\n    a5 01 81 02 02 00" in err and "| ........hi" in err
    with pytest.raises(ConfigError, match="PONG is not a request"):
        link.request(proto.Pong())


def test_link_open_owns_the_port() -> None:
    with proto.Link.open("loop://") as link:
        assert link.port.is_open
    assert not link.port.is_open
    with pytest.raises(QmoeError, match="cannot open serial port 'nosuch://x'"):
        proto.Link.open("nosuch://x")

"""The benchmark app's protocol handling (docs/protocol.md) against the running firmware.

Targets: the native build under AddressSanitizer + UndefinedBehaviorSanitizer (any overrun or
undefined behaviour aborts it, and the test sees the device die) and qemu-m0 (16 KB of RAM). Each
test abuses the line — garbage, truncated, oversized and damaged frames, unknown types, bytes split
at every position, malformed requests — checks the ERROR replies the spec prescribes (the host's
FrameDecoder, which follows the same resynchronization rule, predicts them), and then checks that
the device still answers PING and INFER bit-exactly.
"""

from __future__ import annotations

import struct
import time
from pathlib import Path

import numpy as np
import pytest
import serial

from qmoe import boards
from qmoe.device.build import build
from qmoe.device.run import RunningBoard, start
from qmoe.protocol import (
    DEFAULT_MAX_PAYLOAD,
    LENGTH_LIMIT,
    NO_TYPE,
    ErrorCode,
    ErrorReply,
    Frame,
    FrameDecoder,
    FrameError,
    InferRequest,
    InfoReply,
    InfoRequest,
    InputKind,
    Link,
    LoadAck,
    MsgType,
    Ping,
    encode_frame,
)
from qmoe_codegen import golden
from qmoe_codegen.lower import lower_file

from support.firmware import MODELS, SANITIZER_MARKS, need_tools, train_model

TARGETS = [("native", True), ("qemu-m0", False)]  # (board, sanitize)
IDLE_S = 0.1  # QMOE_FRAME_IDLE_MS on the device
SETTLE_S = 0.6  # wait for the device's idle reset and its replies
N_FEATURES = 96  # the built-in front end's 3 x 32 features


@pytest.fixture(scope="module")
def model(builtin_features, tmp_path_factory):
    """(model file, IR, golden result on four fold-1 feature rows)."""
    fd, _ = builtin_features
    path = train_model(builtin_features, MODELS["moe"], tmp_path_factory.mktemp("m") / "moe.qmoe")
    ir = lower_file(path)
    return path, ir, golden.run(ir, features=fd.X[np.flatnonzero(fd.folds == 1)[:4]])


@pytest.fixture(scope="module")
def images(model, tmp_path_factory):
    made: dict[tuple[str, bool, bool], Path] = {}

    def get(board: str, sanitize: bool, with_model: bool = True) -> Path:
        key = (board, sanitize, with_model)
        if key not in made:
            out = tmp_path_factory.mktemp(f"app-{board}")
            path, ir, _ = model
            made[key] = build(
                board,
                path if with_model else None,
                out,
                ir=ir if with_model else None,
                sanitize=sanitize,
            ).elf
        return made[key]

    return get


class Device:
    """Raw bytes to a running firmware and the frames it sends back; `link` for normal requests."""

    def __init__(self, running: RunningBoard) -> None:
        self.running = running
        self.port = serial.serial_for_url(running.url, timeout=0.01)
        self.link = Link(self.port)
        self.decoder = FrameDecoder(LENGTH_LIMIT)

    def send(self, data: bytes) -> None:
        self.port.write(data)

    def frames(self, seconds: float = SETTLE_S, until: int | None = None) -> list[Frame]:
        """Every frame received within `seconds` (or until `until` frames arrived)."""
        out: list[Frame] = []
        end = time.monotonic() + seconds
        while time.monotonic() < end and (until is None or len(out) < until):
            for event in self.decoder.feed(self.port.read(max(1, self.port.in_waiting))):
                assert isinstance(event, Frame), f"the device sent a damaged frame: {event}"
                out.append(event)
        return out

    def errors(self, seconds: float = SETTLE_S, until: int | None = None) -> list[tuple]:
        """The (code, request_type, seq) of every frame received, each of which must be ERROR."""
        got = []
        for f in self.frames(seconds, until):
            assert f.type == MsgType.ERROR, f"expected ERROR, got type 0x{f.type:02x}"
            err = ErrorReply.unpack(f.payload)
            got.append((err.code, err.request_type, f.seq))
        return got

    def assert_healthy(self, g: golden.GoldenResult) -> None:
        """PING echoes and INFER on every golden input is bit-exact."""
        assert self.running.process.poll() is None, self.running.output()
        assert self.link.request(Ping(b"still here")).data == b"still here"
        for i in range(len(g.x8)):
            self.link.load_input(InputKind.FEATURES_I8, g.x8[i].astype(np.int8).tobytes())
            r = self.link.request(InferRequest())
            assert (r.class_index, r.expert, r.router_choice, r.uncertainty) == (
                g.cls[i],
                g.expert[i],
                g.choice[i],
                g.u_q30[i],
            ), f"input {i}"
            assert list(r.logits) == g.logits[i].tolist(), f"input {i}"


@pytest.fixture(params=TARGETS, ids=[f"{b}{'-asan' if s else ''}" for b, s in TARGETS])
def device(request, images):
    board_name, sanitize = request.param
    board = boards.load_board(board_name)
    need_tools(board)
    with start(board, images(board_name, sanitize)) as running:
        dev = Device(running)
        yield dev
        dev.port.close()
        log = running.output()
    assert not any(mark in log for mark in SANITIZER_MARKS), log


def predicted_errors(events: list) -> list[tuple]:
    """The ERROR replies docs/protocol.md prescribes for the receiver events of a stream."""
    out, header_error_sent = [], False
    for e in events:
        assert isinstance(e, FrameError), "the test stream should hold no valid frame"
        if e.header_ok:
            out.append((int(e.code), e.type, e.seq))
        elif not header_error_sent:
            header_error_sent = True
            out.append((int(ErrorCode.BAD_CRC), NO_TYPE, 0))
    return out


def load_frame(kind: int, total: int, offset: int, data: bytes, seq: int) -> bytes:
    """A LOAD_INPUT frame with any field values (qmoe.protocol.LoadInput refuses bad ones)."""
    return encode_frame(MsgType.LOAD_INPUT, struct.pack("<B3xII", kind, total, offset) + data, seq)


def test_random_garbage(device, model):
    rng = np.random.default_rng(7)
    garbage = bytearray(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes())
    garbage[::97] = b"\xa5" * len(garbage[::97])  # many candidate frames
    # headers that pass their check, inside the garbage: too long, another version, a bad body
    garbage[500:500] = encode_frame(MsgType.PING, bytes(2000), 11)[:8]
    garbage[1200:1200] = encode_frame(MsgType.INFO, b"", 12, version=3)
    garbage[2000:2000] = encode_frame(MsgType.PING, b"abc", 13)[:-1] + b"\x00"
    host = FrameDecoder(DEFAULT_MAX_PAYLOAD)
    want = predicted_errors(host.feed(bytes(garbage)) + host.reset())
    assert (int(ErrorCode.TOO_LONG), MsgType.PING, 11) in want and len(want) >= 4
    device.send(bytes(garbage))
    assert device.errors(seconds=3.0, until=len(want)) + device.errors(0.3) == want
    device.assert_healthy(model[2])


@pytest.mark.parametrize("cut", [3, 8, 20])
def test_truncated_frame(device, model, cut):
    """Cut inside the header: silence. Cut after it: TRUNCATED at the idle reset."""
    device.send(encode_frame(MsgType.PING, bytes(range(40)), 21)[:cut])
    want = [] if cut < 8 else [(int(ErrorCode.TRUNCATED), MsgType.PING, 21)]
    assert device.errors(seconds=2.0, until=len(want)) + device.errors(0.3) == want
    device.assert_healthy(model[2])


def test_frame_behind_a_truncated_one_is_found(device, model):
    """Rule 5: the candidate is cut at the idle reset and the PING behind it is still answered."""
    device.send(
        encode_frame(MsgType.PING, bytes(300), 31)[:40] + encode_frame(MsgType.PING, b"hi", 32)
    )
    frames = device.frames(seconds=3.0, until=2)
    assert [(f.type, f.seq) for f in frames] == [(MsgType.ERROR, 31), (MsgType.PONG, 32)]
    assert ErrorReply.unpack(frames[0].payload).code == ErrorCode.TRUNCATED
    assert frames[1].payload == b"hi"
    device.assert_healthy(model[2])


def test_oversized_frames(device, model):
    big = encode_frame(MsgType.PING, bytes(DEFAULT_MAX_PAYLOAD + 1), 41)
    device.send(big[:-4])  # the payload is zeros: nothing in it starts a candidate
    assert device.errors(until=1) + device.errors(0.3) == [
        (int(ErrorCode.TOO_LONG), MsgType.PING, 41)
    ]
    largest = bytes(i % 251 for i in range(DEFAULT_MAX_PAYLOAD))
    assert device.link.request(Ping(largest)).data == largest
    device.assert_healthy(model[2])


def test_bad_crcs(device, model):
    frame = encode_frame(MsgType.PING, b"payload", 51)
    body = bytearray(frame)
    body[10] ^= 0x40  # payload damaged: the header still tells type and seq
    device.send(bytes(body))
    assert device.errors(until=1) == [(int(ErrorCode.BAD_CRC), MsgType.PING, 51)]
    head = bytearray(frame)
    head[4] ^= 0x01  # length damaged: an unreadable header, answered once per run of them
    assert 0xA5 not in head[1:]
    device.send(bytes(head) * 3)
    assert device.errors() == [(int(ErrorCode.BAD_CRC), NO_TYPE, 0)]
    assert device.link.request(Ping(b"ok")).data == b"ok"  # an accepted frame re-arms it
    device.send(bytes(head))
    assert device.errors(until=1) == [(int(ErrorCode.BAD_CRC), NO_TYPE, 0)]
    device.assert_healthy(model[2])


@pytest.mark.parametrize("msg_type", [0x00, 0x06, 0x7F, 0x81, 0x84, 0xFE, 0xFF])
def test_unknown_commands_and_versions(device, model, msg_type):
    device.send(encode_frame(msg_type, b"\x01\x02", 61))
    assert device.errors(until=1) == [(int(ErrorCode.UNKNOWN_COMMAND), msg_type, 61)]
    device.send(encode_frame(MsgType.PING, b"v2", 62, version=2))
    assert device.errors(until=1) == [(int(ErrorCode.BAD_VERSION), MsgType.PING, 62)]
    device.assert_healthy(model[2])


def test_bytes_split_at_every_position(device, model):
    g = model[2]
    for cut in range(1, N_FEATURES + 24):
        i = cut % len(g.x8)
        frame = load_frame(
            InputKind.FEATURES_I8, N_FEATURES, 0, g.x8[i].astype(np.int8).tobytes(), cut % 255 + 1
        )
        for _attempt in range(5):
            device.send(frame[:cut])
            sent_first = time.monotonic()
            time.sleep(0.002)  # well under the 100 ms idle time
            device.send(frame[cut:])
            gap = time.monotonic() - sent_first  # at least the device's silence between halves
            if gap < IDLE_S:
                break
            # This process was descheduled past the idle time (a loaded machine): the device was
            # right to drop the half frame. Only then is the cut tried again.
            device.frames()
        else:
            pytest.fail(f"cut {cut}: 5 attempts in a row kept the halves {IDLE_S} s apart")
        f = device.frames(seconds=10.0, until=1)
        assert [(x.type, x.seq) for x in f] == [(MsgType.LOAD_ACK, cut % 255 + 1)], f"cut {cut}"
        assert LoadAck.unpack(f[0].payload) == LoadAck(N_FEATURES, N_FEATURES)
        r = device.link.request(InferRequest())
        assert (r.class_index, list(r.logits)) == (g.cls[i], g.logits[i].tolist()), f"cut {cut}"
    device.assert_healthy(g)


X = bytes(range(N_FEATURES))
BAD_REQUESTS = [  # (what, frames sent first, the request, expected error)
    ("INFO with a payload", [], encode_frame(MsgType.INFO, b"x", 71), ErrorCode.BAD_LENGTH),
    ("INFER with a payload", [], encode_frame(MsgType.INFER, b"x", 71), ErrorCode.BAD_LENGTH),
    (
        "RUN_WINDOW of 3 bytes",
        [],
        encode_frame(MsgType.RUN_WINDOW, b"abc", 71),
        ErrorCode.BAD_LENGTH,
    ),
    (
        "RUN_WINDOW N = 0",
        [load_frame(1, 96, 0, X, 70)],
        encode_frame(MsgType.RUN_WINDOW, bytes(4), 71),
        ErrorCode.OUT_OF_RANGE,
    ),
    ("LOAD_INPUT without data", [], load_frame(1, 96, 0, b"", 71), ErrorCode.BAD_LENGTH),
    ("LOAD_INPUT kind 3", [], load_frame(3, 96, 0, X, 71), ErrorCode.OUT_OF_RANGE),
    ("odd PCM size", [], load_frame(2, 101, 0, b"ab", 71), ErrorCode.OUT_OF_RANGE),
    ("chunk past total", [], load_frame(1, 10, 5, X[:6], 71), ErrorCode.OUT_OF_RANGE),
    ("vector larger than X", [], load_frame(1, 97, 0, X, 71), ErrorCode.OUT_OF_RANGE),
    ("PCM clip too long", [], load_frame(2, 0xFFFFFFFE, 0, b"ab", 71), ErrorCode.OUT_OF_RANGE),
    ("continuation of nothing", [], load_frame(1, 96, 5, X[:5], 71), ErrorCode.OUT_OF_RANGE),
    (
        "chunk leaving a gap",
        [load_frame(1, 96, 0, X[:10], 70)],
        load_frame(1, 96, 20, X[:5], 71),
        ErrorCode.OUT_OF_RANGE,
    ),
    (
        "kind changed mid-input",
        [load_frame(1, 96, 0, X[:10], 70)],
        load_frame(2, 96, 10, X[:10], 71),
        ErrorCode.OUT_OF_RANGE,
    ),
    ("INFER before any input", [], encode_frame(MsgType.INFER, b"", 71), ErrorCode.NO_INPUT),
    (
        "RUN_WINDOW before any input",
        [],
        encode_frame(MsgType.RUN_WINDOW, b"\x01\0\0\0", 71),
        ErrorCode.NO_INPUT,
    ),
    (
        "INFER on half an input",
        [load_frame(1, 96, 0, X[:50], 70)],
        encode_frame(MsgType.INFER, b"", 71),
        ErrorCode.NO_INPUT,
    ),
    (
        "INFER after a refused new input",
        [load_frame(1, 96, 0, X, 69), load_frame(1, 97, 0, X, 70)],
        encode_frame(MsgType.INFER, b"", 71),
        ErrorCode.NO_INPUT,
    ),
    (
        "INFER on a short vector",
        [load_frame(1, 50, 0, X[:50], 70)],
        encode_frame(MsgType.INFER, b"", 71),
        ErrorCode.BAD_LENGTH,
    ),
]


@pytest.mark.parametrize(
    ("what", "before", "request_frame", "code"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS]
)
def test_bad_requests(device, model, what, before, request_frame, code):
    for frame in before:
        device.send(frame)
        device.frames(seconds=2.0, until=1)
    device.send(request_frame)
    assert device.errors(seconds=2.0, until=1) == [(int(code), request_frame[2], 71)], what
    device.assert_healthy(model[2])


def test_pcm_in_odd_chunks_with_retransmissions(device, model, builtin_root):
    from qmoe.data import load_clip_pcm, load_dataset

    clip = next(c for c in load_dataset("builtin", builtin_root).clips if c.fold == 1)
    pcm = load_clip_pcm([clip], 16000)[0][0]
    g = golden.run(model[1], pcm=[pcm])
    data, step = pcm.astype("<i2").tobytes(), 333  # odd: samples split across chunks
    offsets = list(range(0, len(data), step))
    plan = [o for o in offsets for _ in range(2 if o // step % 3 == 1 else 1)]  # some sent twice
    plan.insert(5, offsets[4] - 100)  # and one overlapping what is already held
    held = 0
    for seq, off in enumerate(plan):
        device.send(
            load_frame(InputKind.PCM_I16, len(data), off, data[off : off + step], seq % 255 + 1)
        )
        held = max(held, min(off + step, len(data)))
        f = device.frames(seconds=2.0, until=1)
        assert f and LoadAck.unpack(f[0].payload) == LoadAck(held, len(data)), off
    r = device.link.request(InferRequest())
    assert (r.class_index, r.expert, r.uncertainty, list(r.logits)) == (
        g.cls[0],
        g.expert[0],
        g.u_q30[0],
        g.logits[0].tolist(),
    )
    assert r.counter_frontend > 0


def test_without_a_model(images):
    """A build without a model: INFO says so, and every model request gets NO_MODEL."""
    board = boards.load_board("native")
    need_tools(board)
    with start(board, images("native", True, with_model=False)) as running:
        dev = Device(running)
        info = dev.link.request(InfoRequest())
        assert isinstance(info, InfoReply) and info.board == "native"
        assert info.model_hash == bytes(32) and info.input_kinds == 0
        assert (info.model_flash_bytes, info.model_ram_bytes) == (0, 0)
        for frame in (
            load_frame(1, 96, 0, X, 5),
            encode_frame(MsgType.INFER, b"", 6),
            encode_frame(MsgType.RUN_WINDOW, b"\x01\0\0\0", 7),
        ):
            dev.send(frame)
            assert dev.errors(seconds=2.0, until=1) == [
                (int(ErrorCode.NO_MODEL), frame[2], frame[3])
            ]
        assert dev.link.request(Ping(b"p")).data == b"p"
        dev.port.close()
        assert not any(mark in running.output() for mark in SANITIZER_MARKS)

# qmoe_serve: the benchmark protocol of docs/protocol.md served by MicroPython with the qmoe module,
# so that `qmoe-host measure` drives a MicroPython board as it drives the bare benchmark firmware.
# Frozen into the firmware by micropython/frozen/manifest.py (docs/micropython.md).
#
#   import qmoe_serve; qmoe_serve.main(board="mpy-qemu-m4", ...)   # on the REPL's stdin/stdout
#   micropython -c "import qmoe_serve; qmoe_serve.tcp(PORT, board='mpy-unix')"   # unix port
#
# Requests: PING, INFO, LOAD_INPUT (int8 features copied in; int16 PCM streamed through
# Model.stream() chunk by chunk), INFER (Model.infer on the loaded input; counter_total is the
# whole MicroPython call, measured around it) and RUN_WINDOW (N such calls back to back).
# Receiving follows rules 1-4 of the protocol; the idle reset (rule 5) is not implemented: a
# truncated frame is rejected once the bytes that follow complete it and fail its check.
import binascii
import struct

import qmoe

SOF = 0xA5
VERSION = 1
MAX_PAYLOAD = 1024
PING, INFO, LOAD_INPUT, INFER, RUN_WINDOW, ERROR = 1, 2, 3, 4, 5, 0xFE
BAD_CRC, TOO_LONG, BAD_VERSION, UNKNOWN_COMMAND, BAD_LENGTH = 1, 3, 4, 5, 6
NO_INPUT, NO_MODEL, OUT_OF_RANGE, INTERNAL = 7, 8, 9, 11
MASK = 0x3FFFFFFF  # qmoe.counter() wraps at 2^30


def crc16(data):
    c = 0xFFFF
    for b in data:
        c ^= b << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c


def frame(typ, seq, payload):
    head = bytes([VERSION, typ, seq, len(payload) & 0xFF, len(payload) >> 8])
    body = head + struct.pack("<H", crc16(head)) + payload
    return bytes([SOF]) + body + struct.pack("<I", binascii.crc32(body) & 0xFFFFFFFF)


class Server:
    def __init__(self, read, write, model=None, **facts):
        self.read = read  # read(n) -> up to n bytes (b"" at the end of the stream)
        self.write = write
        self.facts = facts
        try:
            self.m = qmoe.Model(model) if model is not None else qmoe.Model()
        except ValueError as e:
            self.m, self.why = None, str(e)
        self.buf = b""
        self.header_error_sent = False
        if self.m is not None:
            n = self.m.n_features
            self.xin = bytearray(n)
        self.kind = self.total = self.received = 0
        self.ready = False
        self.fe_counts = 0

    def fill(self, n):
        while len(self.buf) < n:
            got = self.read(n - len(self.buf))
            if not got:
                raise EOFError
            self.buf += got

    def next_request(self):
        while True:
            self.fill(1)
            i = self.buf.find(b"\xa5")
            if i < 0:
                self.buf = b""
                continue
            self.buf = self.buf[i:]
            self.fill(8)
            h = self.buf
            if crc16(h[1:6]) != h[6] | h[7] << 8:
                if not self.header_error_sent:
                    self.header_error_sent = True
                    self.error(0xFF, 0, BAD_CRC, "header check failed")
                self.buf = self.buf[1:]
                continue
            typ, seq, n = h[2], h[3], h[4] | h[5] << 8
            code = BAD_VERSION if h[1] != VERSION else TOO_LONG if n > MAX_PAYLOAD else 0
            if not code:
                self.fill(12 + n)
                want = struct.unpack("<I", self.buf[8 + n : 12 + n])[0]
                code = 0 if binascii.crc32(self.buf[1 : 8 + n]) & 0xFFFFFFFF == want else BAD_CRC
            if code:
                self.error(typ, seq, code, None)
                self.buf = self.buf[1:]
                continue
            payload, self.buf = self.buf[8 : 8 + n], self.buf[12 + n :]
            self.header_error_sent = False
            return typ, seq, payload

    def error(self, typ, seq, code, detail):
        self.write(frame(ERROR, seq, bytes([code, typ]) + (detail or "").encode()[:64]))

    def reply(self, typ, seq, payload):
        self.write(frame(typ | 0x80, seq, payload))

    def serve(self):
        while True:
            typ, seq, p = self.next_request()
            handler = {
                PING: self.ping,
                INFO: self.info,
                LOAD_INPUT: self.load,
                INFER: self.infer,
                RUN_WINDOW: self.window,
            }.get(typ)
            if handler is None:
                self.error(typ, seq, UNKNOWN_COMMAND, "not a request type this device knows")
                continue
            err = handler(typ, seq, p)
            if err:
                self.error(typ, seq, err[0], err[1])

    def ping(self, typ, seq, p):
        self.reply(typ, seq, p)

    def info(self, typ, seq, p):
        if p:
            return BAD_LENGTH, "INFO takes an empty payload"
        f = self.facts
        kinds, flash, ram, digest = 0, 0, 0, bytes(32)
        if self.m is not None:
            i = self.m.info()
            kinds = 1 | (2 if i["input"] == "pcm" else 0)
            flash, ram, digest = i["flash_bytes"], i["arena_bytes"], i["hash"]
        text = [
            f.get(k, d).encode()[:16]
            for k, d in (
                ("board", "micropython"),
                ("core", "unknown"),
                ("counter", "unknown"),
                ("unit", "unknown"),
                ("version", "0.1.0"),
            )
        ]
        fixed = (VERSION, kinds, MAX_PAYLOAD, f.get("clock_hz", 0), f.get("per_tick", 1))
        body = struct.pack("<BBHIIII", *fixed, flash, ram) + digest
        self.reply(typ, seq, body + b"".join(t + bytes(16 - len(t)) for t in text))

    def load(self, typ, seq, p):
        if len(p) < 13:
            return BAD_LENGTH, "LOAD_INPUT needs 12 header bytes and 1+ data bytes"
        kind = p[0]
        total, offset = struct.unpack("<II", p[4:12])
        data = p[12:]
        if kind not in (1, 2) or offset + len(data) > total or (kind == 2 and total % 2):
            return OUT_OF_RANGE, "bad kind, odd PCM size or chunk beyond total_bytes"
        if self.m is None:
            return NO_MODEL, self.why[:64]
        if offset == 0:
            self.kind = self.received = 0
            self.ready = False
            if kind == 1 and total > len(self.xin):
                return OUT_OF_RANGE, "feature vector longer than the model input"
            if kind == 2:
                if self.m.info()["input"] != "pcm":
                    return OUT_OF_RANGE, "this model takes feature vectors, not PCM"
                self.stream = self.m.stream()
            self.kind, self.total = kind, total
        elif kind != self.kind or total != self.total or offset > self.received:
            return OUT_OF_RANGE, "chunk does not continue the input"
        skip = self.received - offset
        if skip < len(data):
            new = data[skip:]
            try:
                if kind == 1:
                    self.xin[self.received : self.received + len(new)] = new
                else:
                    self.stream.push(new)
            except ValueError as e:
                self.kind = 0
                return INTERNAL, str(e)[:64]
            self.received += len(new)
            if self.received == self.total:
                if kind == 2:
                    self.fe_counts = self.stream.finish().counters[0]
                self.ready = True
        self.reply(typ, seq, struct.pack("<II", self.received, self.total))

    def runnable(self, p, size):
        if len(p) != size:
            return BAD_LENGTH, "wrong payload size"
        if self.m is None:
            return NO_MODEL, self.why[:64]
        if not self.ready:
            return NO_INPUT, "no complete input loaded"
        if self.kind == 1 and self.total != len(self.xin):
            return BAD_LENGTH, "feature vector size is not the model's"
        return None

    def infer(self, typ, seq, p):
        err = self.runnable(p, 0)
        if err:
            return err
        x = self.xin if self.kind == 1 else self.m.x
        m, counter = self.m, qmoe.counter
        t0 = counter()
        r = m.infer(x, kind=qmoe.FEATURES)
        t1 = counter()
        c = r.counters
        fe = self.fe_counts if self.kind == 2 else 0
        logits = bytes(r.logits)
        head = (0, r.expert, r.choice, 0, r.cls, len(logits) // 2, r.uncertainty)
        body = struct.pack("<BBBBHHIIIII", *head, fe, c[1], c[2], (t1 - t0) & MASK)
        self.reply(typ, seq, body + logits)

    def window(self, typ, seq, p):
        err = self.runnable(p, 4)
        if err:
            return err
        n = struct.unpack("<I", p)[0]
        if n < 1:
            return OUT_OF_RANGE, "N must be at least 1"
        x = self.xin if self.kind == 1 else self.m.x
        infer, counter, features = self.m.infer, qmoe.counter, qmoe.FEATURES
        lo, hi, total = MASK, 0, 0
        prev = counter()
        for _ in range(n):
            infer(x, kind=features)
            now = counter()
            d = (now - prev) & MASK
            prev = now
            total += d
            lo = d if d < lo else lo
            hi = d if d > hi else hi
        self.reply(typ, seq, struct.pack("<IIIIIQ", n, lo, hi, 0, 0, total))


def main(model=None, **facts):
    """Serve on the REPL's stdin/stdout (raw bytes) until reset."""
    import sys

    import micropython

    micropython.kbd_intr(-1)  # 0x03 in a frame is data, not Ctrl-C
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    Server(stdin.read, stdout.write, model, **facts).serve()


def tcp(port, model=None, host="127.0.0.1", **facts):
    """Serve on TCP host:port, one client at a time (the unix port)."""
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(socket.getaddrinfo(host, port)[0][-1])
    s.listen(1)
    server = None
    while True:
        conn, _ = s.accept()
        conn.setsockopt(6, 1, 1)  # IPPROTO_TCP, TCP_NODELAY
        if server is None:
            server = Server(conn.recv, conn.write, model, **facts)
        server.read, server.write, server.buf = conn.recv, conn.write, b""
        try:
            server.serve()
        except (EOFError, OSError):
            pass
        conn.close()

"""Model blobs (`*.qbin`, docs/blob.md): the numpy writer and reader round-trip the IR exactly, and
the C loader (firmware/blob/qmoe_blob.c, compiled with ASan + UBSan) runs the blob bit-exact with
the golden model and refuses every damaged, foreign or inconsistent blob naming what is wrong.
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from qmoe.modelfile import save_model
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen import golden
from qmoe_codegen.blob import FORMAT_VERSION, HEADER, BlobError, blob_bytes, read_blob, write_blob
from qmoe_codegen.frontend import FrontendConfig, build_tables
from qmoe_codegen.ir import IR
from qmoe_codegen.lower import lower_file

from support import cc

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]
FW = ROOT / "firmware"
HARNESS = ROOT / "tests" / "c" / "blob" / "blob_main.c"
CFG = TrainConfig(
    experts=["ternary", "4", "1"], router="curiosity", hidden=(32,), epochs=8, qat_epochs=4,
    router_epochs=4,
)  # fmt: skip


@pytest.fixture(scope="module")
def model(builtin_features, builtin_root, tmp_path_factory):
    """(IR, blob path, fold-1 PCM clips, golden result on them) of a small curiosity mixture."""
    from qmoe.data import load_clip_pcm, load_dataset

    fd, fe = builtin_features
    trained, _ = fit_fold(fd, CFG, 1, fe)
    out = tmp_path_factory.mktemp("blob")
    ir = lower_file(save_model(trained, out / "moe.qmoe"))
    clips = [c for c in load_dataset("builtin", builtin_root).clips if c.fold == 1]
    pcm, _, _ = load_clip_pcm(clips, 16000)
    return ir, write_blob(ir, out / "moe.qbin"), pcm, golden.run(ir, pcm=pcm)


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    cc.host()
    exe = tmp_path_factory.mktemp("blob-c") / "blob_main"
    sources = [HARNESS, FW / "blob" / "qmoe_blob.c", FW / "protocol" / "qmoe_crc.c"]
    sources += sorted((FW / "frontend").glob("*.c")) + sorted((FW / "runtime").glob("*.c"))
    sources += [FW / "kernels" / "qmoe_fc.c", *sorted((FW / "kernels" / "reference").glob("*.c"))]
    incs = [FW / "include"]
    flags = ["-O1", "-fno-omit-frame-pointer"]
    return cc.build(sources, exe, includes=incs, flags=flags, warnings=cc.STRICT, sanitize=True)


def run_c(exe: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=60)


def rows(ir: IR, g: golden.GoldenResult) -> list[str]:
    """The golden model's answers in the harness's line format."""
    return [
        " ".join(map(str, [g.cls[i], g.expert[i], g.choice[i], g.u_q30[i], *g.logits[i]]))
        for i in range(len(g.cls))
    ]


def test_writer_and_reader_round_trip_the_ir(model):
    ir, path, pcm, g = model
    back = read_blob(path)
    assert back.hash == ir.hash
    assert blob_bytes(back) == path.read_bytes()  # the same IR writes the same bytes
    g2 = golden.run(back, pcm=pcm[:5])
    assert np.array_equal(g2.logits, g.logits[:5]) and np.array_equal(g2.expert, g.expert[:5])
    data = path.read_bytes()
    magic, fmt, irv, head, total = HEADER.unpack_from(data)[:5]
    assert (magic, fmt, irv, head, total) == (b"QMOEBLOB", FORMAT_VERSION, 1, 72, len(data))
    assert HEADER.unpack_from(data)[-1] == bytes.fromhex(ir.hash)


def test_c_loader_runs_the_blob_bit_exact(model, harness, tmp_path):
    ir, path, pcm, g = model
    x8 = tmp_path / "x8.bin"
    x8.write_bytes(np.asarray(g.x8, dtype=np.int8).tobytes())
    res = run_c(harness, "x8", path, x8)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == rows(ir, g)
    clips = []
    for i in range(3):  # the front end through the blob's tables
        clips.append(tmp_path / f"clip{i}.pcm")
        clips[-1].write_bytes(np.asarray(pcm[i], dtype="<i2").tobytes())
    res = run_c(harness, "pcm", path, *clips)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == rows(ir, g)[:3]


def _words(data: bytes, at: int, n: int) -> list[int]:
    return list(struct.unpack_from(f"<{n}I", data, at))


def _with_crc(data: bytearray) -> bytes:
    struct.pack_into("<I", data, 20, zlib.crc32(data[72:]))
    return bytes(data)


def _poke(data: bytes, at: int, fmt: str, value) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, at, value)
    return _with_crc(out)


def _fields(data: bytes) -> dict[str, int]:
    """Byte offsets of the fields the structural cases damage."""
    model = _words(data, 72, 21)
    fe_at, router_at, experts_at = model[16:19]
    expert = _words(data, experts_at, 6)
    layer = _words(data, expert[3], 15)
    router = _words(data, router_at, 52)
    frontend = _words(data, fe_at, 27)
    return {
        "n_layers": experts_at,
        "out_offset0": expert[4],
        "weights_ref": expert[3] + 4 * 7,
        "bias0": layer[9],
        "shift0": layer[13],
        "lut0": router[50],
        "router_h": router_at + 4 * 5,
        "router_hm": router_at + 4 * 6,
        "router_s1": router_at + 4 * 8,
        "h_at": router[5],
        "bitrev1": frontend[14] + 2,
        "fe_stats": fe_at + 4 * 26,
        "arena": model[4],
        "n_experts": model[3],
        "scratch_offset": 72 + 4 * 19,
        "scratch_bytes": 72 + 4 * 20,
        "scratch": model[20],
    }


def _header_cases(data: bytes) -> list[tuple[str, bytes, str, str]]:
    """(case, blob, what the C loader says, what the Python reader says)."""
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    return [
        ("short", data[:40], "shorter than the header", "a blob header alone has 72"),
        ("truncated", data[:500], "fewer bytes than the header announces", "truncated: 500 of"),
        ("extra", data + b"\0", "differs from the header's total_bytes", "but the header"),
        ("foreign", b"PK\x03\x04" + data[4:], "not a qmoe model blob", "not a qmoe model blob"),
        (
            "format",
            _poke(data, 8, "<H", FORMAT_VERSION + 1),
            "unsupported blob format version",
            f"format version {FORMAT_VERSION + 1}",
        ),
        # older versions (1: no kernel scratch, 2: one router offset, 3: no front-end stats mask,
        # 4: t5 as one row-unpadded stream) are refused with a hint to write the blob again
        ("older", _poke(data, 8, "<H", 1), "unsupported blob format version", "older qmoe"),
        ("older 3", _poke(data, 8, "<H", 3), "unsupported blob format version", "older qmoe"),
        ("older 4", _poke(data, 8, "<H", 4), "unsupported blob format version", "older qmoe"),
        ("newer IR", _poke(data, 10, "<H", 9), "IR schema version newer", "IR schema version 9"),
        ("corrupt", bytes(flipped), "checksum mismatch", "checksum mismatch"),
    ]


def test_damaged_or_foreign_blobs_are_refused_by_both_readers(model, harness, tmp_path):
    _, path, _, _ = model
    for case, blob, c_says, py_says in _header_cases(path.read_bytes()):
        bad = tmp_path / f"{case}.qbin"
        bad.write_bytes(blob)
        res = run_c(harness, "load", bad)
        assert res.returncode == 1 and c_says in res.stdout, (case, res.stdout, res.stderr)
        with pytest.raises(BlobError, match=py_says):
            read_blob(bad)


def test_inconsistent_records_are_refused_by_the_c_loader(model, harness, tmp_path):
    _, path, _, _ = model
    data = path.read_bytes()
    f = _fields(data)
    cases = [
        ("weights outside", _poke(data, f["weights_ref"], "<I", len(data)), "layer weights"),
        ("shift 0", _poke(data, f["shift0"], "<b", 0), "requantization shift outside 1..62"),
        ("bias overflow", _poke(data, f["bias0"], "<i", 2**31 - 1), "int32 accumulator"),
        ("output past arena", _poke(data, f["out_offset0"], "<I", f["arena"]), "outside the arena"),
        (
            "scratch past arena",
            _poke(data, f["scratch_offset"], "<I", f["arena"]),
            "kernel scratch",
        ),
        ("scratch odd", _poke(data, f["scratch_offset"], "<I", 4), "kernel scratch"),
        (
            "scratch short",
            _poke(data, f["scratch_bytes"], "<I", f["scratch"] - 1),
            "needs more kernel scratch",
        ),
        ("lut", _poke(data, f["lut0"], "<B", f["n_experts"]), "names an expert"),
        ("bitrev", _poke(data, f["bitrev1"], "<H", 3), "bit-reversal table is wrong"),
        # the pooled-statistics mask: none, an unknown bit, or one feature block too many
        ("no stats", _poke(data, f["fe_stats"], "<I", 0), "front-end configuration"),
        ("stats bit 6", _poke(data, f["fe_stats"], "<I", 0x47), "front-end configuration"),
        ("stats count", _poke(data, f["fe_stats"], "<I", 0x17), "front-end configuration"),
        ("no layers", _poke(data, f["n_layers"], "<I", 0), "expert layer count"),
        ("router h past arena", _poke(data, f["router_h"], "<I", f["arena"]), "outside the arena"),
        ("router hm on h", _poke(data, f["router_hm"], "<I", f["h_at"]), "buffers overlap"),
        ("router s1 misaligned", _poke(data, f["router_s1"], "<I", f["h_at"] + 4), "misaligned"),
    ]
    for case, blob, c_says in cases:
        bad = tmp_path / "bad.qbin"
        bad.write_bytes(blob)
        res = run_c(harness, "load", bad)
        assert res.returncode == 1 and c_says in res.stdout, (case, res.stdout, res.stderr)
    res = run_c(harness, "misaligned", path)
    assert res.returncode == 1 and "not 8-byte aligned" in res.stdout, res.stdout


def test_frontend_tables_fit_the_loaders_twiddle_bound():
    t = build_tables(FrontendConfig())
    mag = t.twiddle_cos.astype(np.int64) ** 2 + t.twiddle_sin.astype(np.int64) ** 2
    assert int(mag.max()) <= 2**30


def test_export_writes_the_blob(model, tmp_path):
    from click.testing import CliRunner

    from qmoe.cli import cli

    ir, path, _, _ = model
    src = path.with_suffix(".qmoe")
    res = CliRunner().invoke(cli, ["export", str(src), "--out", str(tmp_path), "--qbin"])
    assert res.exit_code == 0, res.output
    assert f"model blob: {tmp_path / 'moe.qbin'}" in res.output
    assert read_blob(tmp_path / "moe.qbin").hash == ir.hash

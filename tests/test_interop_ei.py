"""Edge Impulse exchange: CBOR codec, acquisition files and signatures, export/import round trips
on small files written here (no network, no Edge Impulse account)."""

from __future__ import annotations

import hashlib
import hmac
import json
import math

import numpy as np
import pytest
import soundfile as sf

from qmoe.data import generate_builtin, load_clip_pcm
from qmoe.errors import DataError
from qmoe.interop import cbor
from qmoe.interop.edge_impulse import (
    acquisition_bytes,
    export_edge_impulse,
    import_edge_impulse,
    read_acquisition,
)

from support import run_cli


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("small")
    return generate_builtin(root, seed=3, clips_per_class=5, duration_s=0.5)


def test_cbor_round_trip_and_known_bytes():
    value = {
        "a": [0, 23, 24, 255, 256, 65536, 2**32, 2**64 - 1, -1, -24, -25, -(2**64)],
        "s": "héllo",
        "b": b"\x00\xff",
        "f": [0.5, 0.1, -1e300, math.inf],
        "x": [None, True, False, [], {}],
    }
    assert cbor.decode(cbor.encode(value)) == value
    assert cbor.encode(500) == bytes.fromhex("1901f4")  # RFC 8949 appendix A
    assert cbor.encode(-500) == bytes.fromhex("3901f3")
    assert cbor.encode([1, [2, 3]]) == bytes.fromhex("8201820203")
    assert cbor.encode({"a": 1}) == bytes.fromhex("a1616101")
    assert cbor.encode(1.5) == bytes.fromhex("fa3fc00000")
    # decoder extras: half floats, indefinite-length strings, arrays and maps
    assert cbor.decode(bytes.fromhex("f93c00")) == 1.0
    assert cbor.decode(bytes.fromhex("7f657374726561646d696e67ff")) == "streaming"
    assert cbor.decode(bytes.fromhex("bf61610161629f0203ffff")) == {"a": 1, "b": [2, 3]}


@pytest.mark.parametrize(
    "data, match",
    [
        ("1a0000", r"byte 0: truncated"),
        ("8301", r"byte 2: truncated"),
        ("c074", r"byte 0: tags"),
        ("0101", r"1 bytes left after the item, from byte 1"),
        ("a1f601", r"byte 1: map key of type NoneType"),
        ("62ff41", r"byte 0: text string is not UTF-8"),
        ("ff", r"byte 0: unsupported simple value 31"),
    ],
)
def test_cbor_errors_name_the_byte(data, match):
    with pytest.raises(cbor.CBORError, match=match):
        cbor.decode(bytes.fromhex(data), "x.cbor")


@pytest.mark.parametrize("fmt", ["json", "cbor"])
def test_acquisition_file_fields_and_signature(tmp_path, fmt):
    pcm = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)
    raw = acquisition_bytes(pcm, 16000, fmt, "k3y")
    doc = cbor.decode(raw) if fmt == "cbor" else json.loads(raw)
    assert doc["protected"] == {"ver": "v1", "alg": "HS256"}
    assert doc["payload"]["interval_ms"] == 0.0625
    assert doc["payload"]["sensors"] == [{"name": "audio", "units": "wav"}]
    assert doc["payload"]["values"] == pcm.tolist()
    # the signature is HMAC-SHA256 over the file with 64 zeros in its place (the format's rule)
    doc["signature"] = "0" * 64
    zeroed = cbor.encode(doc) if fmt == "cbor" else json.dumps(doc, separators=(",", ":")).encode()
    sig = hmac.new(b"k3y", zeroed, hashlib.sha256).hexdigest()
    assert sig.encode() in raw
    path = tmp_path / f"x.{fmt}"
    path.write_bytes(raw)
    got, rate = read_acquisition(path, "k3y")
    assert rate == 16000 and np.array_equal(got, pcm)
    with pytest.raises(DataError, match=r"x\.\w+: HS256 signature does not verify"):
        read_acquisition(path, "other")
    unsigned = acquisition_bytes(pcm, 8000, fmt, None)
    assert b"none" in unsigned
    path.write_bytes(unsigned)
    assert read_acquisition(path, "any")[1] == 8000  # alg none: nothing to verify


@pytest.mark.parametrize("fmt", ["wav", "json", "cbor"])
def test_export_import_round_trip(small, tmp_path, fmt):
    ds = small
    rep = export_edge_impulse(ds, tmp_path / "ei", fmt, test_folds=(2,), hmac_key="k")
    assert rep.counts == {"training": 40, "testing": 10}
    info = json.loads((tmp_path / "ei" / "info.labels").read_text())
    assert info["version"] == 1 and len(info["files"]) == 50
    entry = info["files"][0]
    assert set(entry) == {"path", "name", "category", "label", "metadata"}
    assert entry["path"].startswith(entry["category"] + "/")
    assert entry["path"].split("/")[1].split(".")[0] == entry["label"]["label"]  # uploader's rule
    back = import_edge_impulse(tmp_path / "ei", tmp_path / "back", hmac_key="k").dataset
    assert back.class_names == sorted(ds.class_names)
    orig = {c.name: c for c in ds.clips}
    pcm_orig = dict(zip(orig, load_clip_pcm(ds.clips, 16000)[0]))
    pcm_back = load_clip_pcm(back.clips, 16000)[0]
    by_name = {e["path"]: e["metadata"]["qmoe_name"] for e in info["files"]}
    assert len(back.clips) == 50
    for clip, pcm in zip(back.clips, pcm_back):
        src = orig[by_name[f"{clip.name.split('/')[1]}/{clip.path.name[:-4]}.{fmt}"]]
        assert back.class_names[clip.label] == ds.class_names[src.label]
        assert clip.fold == src.fold  # folds come back from the metadata
        assert np.array_equal(pcm, pcm_orig[src.name])  # the same samples, bit for bit


def test_import_an_edge_impulse_export_without_qmoe_metadata(tmp_path):
    """Studio's layout: training/ and testing/, labels from file names, no qmoe folds."""
    src = tmp_path / "export"
    pcm = (np.arange(800) % 50 - 25).astype(np.int16)
    for cat, names in (
        ("training", ["yes.a1", "yes.a2", "no.b1", "no.b2"]),
        ("testing", ["yes.c1", "no.c2"]),
    ):
        (src / cat).mkdir(parents=True)
        for n in names:
            if n.endswith("1"):
                sf.write(str(src / cat / f"{n}.wav"), pcm, 8000, subtype="PCM_16")
            else:
                (src / cat / f"{n}.json").write_bytes(acquisition_bytes(pcm, 8000, "json", None))
    ds = import_edge_impulse(src, tmp_path / "out").dataset
    assert ds.class_names == ["no", "yes"]
    assert {c.name: c.fold for c in ds.clips} == {
        "audio/training/yes.a1.wav": 2,
        "audio/training/yes.a2.wav": 2,
        "audio/training/no.b1.wav": 2,
        "audio/training/no.b2.wav": 2,
        "audio/testing/yes.c1.wav": 1,
        "audio/testing/no.c2.wav": 1,
    }
    assert all(sf.info(str(c.path)).samplerate == 8000 for c in ds.clips)


def _doc(**payload):
    base = {
        "device_type": "x",
        "interval_ms": 1.0,
        "sensors": [{"name": "audio", "units": "wav"}],
        "values": [1, 2, 3],
    }
    base.update(payload)
    return {"protected": {"ver": "v1", "alg": "none"}, "signature": "0" * 64, "payload": base}


@pytest.mark.parametrize(
    "doc, match",
    [
        (
            _doc(sensors=[{"name": "accX"}, {"name": "accY"}, {"name": "accZ"}]),
            r"payload\.sensors \['accX', 'accY', 'accZ'\]; qmoe imports one audio channel",
        ),
        (_doc(values=[1, 2.5]), r"payload\.values\[1\] is 2\.5, expected an int16"),
        (_doc(values=[40000]), r"payload\.values\[0\] is 40000"),
        (_doc(interval_ms=0), r"payload\.interval_ms is 0"),
        ({"payload": {}}, r"expected fields protected, signature and payload"),
        ({**_doc(), "protected": {"ver": "v2", "alg": "none"}}, r"field 'protected'"),
    ],
)
def test_acquisition_errors_name_the_field(tmp_path, doc, match):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=r"bad\.json: " + match):
        read_acquisition(path)


def test_import_refusals_and_skip_bad(tmp_path):
    src = tmp_path / "e"
    (src / "training").mkdir(parents=True)
    good = acquisition_bytes(np.ones(100, np.int16), 8000, "json", None)
    (src / "training" / "a.1.json").write_bytes(good)
    (src / "training" / "b.1.json").write_bytes(good)
    (src / "training" / "b.2.json").write_text("{not json")
    with pytest.raises(DataError, match=r"b\.2\.json: not a JSON acquisition file"):
        import_edge_impulse(src, tmp_path / "o")
    imp = import_edge_impulse(src, tmp_path / "o", skip_bad=True)
    assert [p.split("/")[-1] for p, _ in imp.skipped] == ["b.2.json"]
    (src / "training" / "b.2.json").unlink()
    (src / "info.labels").write_text(
        json.dumps(
            {
                "version": 1,
                "files": [
                    {
                        "path": "training/a.1.json",
                        "category": "training",
                        "label": {"type": "multi-label", "labels": []},
                    }
                ],
            }
        )
    )
    with pytest.raises(DataError, match=r"info\.labels files\[0\]: label .*single-label"):
        import_edge_impulse(src, tmp_path / "o2")


def test_cli_round_trip(small, tmp_path):
    root = small.root
    r = run_cli(
        "interop",
        "ei-export",
        "--root",
        str(root),
        "--out",
        str(tmp_path / "ei"),
        "--format",
        "cbor",
    )
    assert r.returncode == 0, r.stderr
    assert "edge-impulse-uploader --directory" in r.stdout
    r = run_cli("interop", "ei-import", str(tmp_path / "ei"), "--out", str(tmp_path / "b"))
    assert r.returncode == 0, r.stderr
    assert "folder [folder-10class]: 10 classes, 50 clips, 5 folds" in r.stdout
    r = run_cli("interop", "ei-import", str(tmp_path / "nothing"), "--out", str(tmp_path / "c"))
    assert r.returncode == 2 and "Edge Impulse export folder not found" in r.stderr


def test_labels_file_in_a_category_folder(tmp_path):
    """info.labels beside the files (paths relative to it) carries labels names cannot, e.g. 0.5."""
    src = tmp_path / "e"
    pcm = np.arange(-50, 50, dtype=np.int16)
    files = []
    for cat in ("training", "testing"):
        (src / cat).mkdir(parents=True)
        for k, label in enumerate(("0.5", "0.7")):
            sf.write(str(src / cat / f"s{k}.wav"), pcm, 8000, subtype="PCM_16")
            files.append(
                {"path": f"s{k}.wav", "category": cat, "label": {"type": "label", "label": label}}
            )
        (src / cat / "info.labels").write_text(
            json.dumps({"version": 1, "files": [f for f in files if f["category"] == cat]})
        )
    ds = import_edge_impulse(src, tmp_path / "o").dataset
    assert ds.class_names == ["0.5", "0.7"]
    assert sorted((c.name, ds.class_names[c.label], c.fold) for c in ds.clips) == [
        ("audio/testing/s0.wav", "0.5", 1),
        ("audio/testing/s1.wav", "0.7", 1),
        ("audio/training/s0.wav", "0.5", 2),
        ("audio/training/s1.wav", "0.7", 2),
    ]

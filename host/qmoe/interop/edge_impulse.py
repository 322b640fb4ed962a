"""Edge Impulse exchange: a qmoe audio dataset as an Edge Impulse upload folder, and back.

Export (`export_edge_impulse`) writes

    out/info.labels                     {"version": 1, "files": [{path, name, category, label,
                                         metadata}, …]} — the uploader's labels file
    out/training/<label>.<clip>.<ext>   clips of every fold but the test folds
    out/testing/<label>.<clip>.<ext>    clips of the test folds

with `<ext>` wav (16-bit PCM), json or cbor (Edge Impulse data acquisition format: `protected`
{ver "v1", alg "HS256" or "none"}, `signature`, `payload` {device_type, interval_ms, sensors
[{name "audio", units "wav"}], values}). With an HMAC key, the signature is HMAC-SHA256 over the
encoded file with the signature field set to 64 zeros, as the format specifies. The metadata
keeps each clip's qmoe fold and name, so an import gives the same folds back.

Import (`import_edge_impulse`) reads such a folder (or Edge Impulse's own export: training/ and
testing/ with info.labels, or labels taken from the file names) into a qmoe folder dataset:
`out/audio/<category>/<file>.wav` and `out/manifest.csv` (file, label, fold, group, category).
Folds: the exported qmoe folds when every file carries them, else testing = fold 1 and
training = fold 2 (train with `--folds 1` for Edge Impulse's own split).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from qmoe.data.audio import load_clip_pcm
from qmoe.data.types import AudioDataset
from qmoe.errors import ConfigError, DataError
from qmoe.interop import cbor

FORMATS = ("wav", "json", "cbor")
EMPTY_SIGNATURE = "0" * 64
LABEL_FROM_NAME = re.compile(r"^[a-zA-Z0-9\s_-]+")  # what Edge Impulse infers from a file name
CATEGORIES = ("training", "testing")


@dataclass
class EIExport:
    out: Path
    counts: dict[str, int]  # category -> files written
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def acquisition_bytes(
    pcm: np.ndarray, sample_rate: int, fmt: str, hmac_key: str | None, device_type: str = "qmoe"
) -> bytes:
    """One clip as an Edge Impulse data acquisition file (JSON or CBOR), signed with a key."""
    doc = {
        "protected": {"ver": "v1", "alg": "HS256" if hmac_key else "none"},
        "signature": EMPTY_SIGNATURE,
        "payload": {
            "device_type": device_type,
            "interval_ms": 1000.0 / sample_rate,
            "sensors": [{"name": "audio", "units": "wav"}],
            "values": [int(v) for v in np.asarray(pcm, dtype=np.int16)],
        },
    }
    enc = cbor.encode if fmt == "cbor" else lambda d: json.dumps(d, separators=(",", ":")).encode()
    raw = enc(doc)
    if hmac_key:
        doc["signature"] = hmac.new(hmac_key.encode(), raw, hashlib.sha256).hexdigest()
        raw = enc(doc)
    return raw


def export_edge_impulse(
    ds: AudioDataset,
    out: Path,
    fmt: str = "wav",
    test_folds: tuple[int, ...] = (1,),
    sample_rate: int = 16000,
    hmac_key: str | None = None,
    skip_bad: bool = False,
) -> EIExport:
    """Write `ds` as an Edge Impulse upload folder (see the module doc)."""
    if fmt not in FORMATS:
        raise ConfigError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    missing = [f for f in test_folds if f not in ds.folds]
    if missing:
        raise ConfigError(f"test fold(s) {missing} not in the dataset's folds {ds.folds}")
    pcms, kept, skipped = load_clip_pcm(ds.clips, sample_rate, skip_bad=skip_bad)
    out = Path(out)
    entries, counts, used = [], dict.fromkeys(CATEGORIES, 0), set()
    for pcm, clip in zip(pcms, kept):
        category = "testing" if clip.fold in test_folds else "training"
        label = ds.class_names[clip.label]
        stem = f"{_safe(label)}.{_safe(Path(clip.name).with_suffix('').as_posix())}"
        while stem in used:  # two clips whose names differ only in unsafe characters
            stem += "_"
        used.add(stem)
        rel = f"{category}/{stem}.{fmt}"
        (out / category).mkdir(parents=True, exist_ok=True)
        if fmt == "wav":
            sf.write(str(out / rel), pcm, sample_rate, subtype="PCM_16", format="WAV")
        else:
            (out / rel).write_bytes(acquisition_bytes(pcm, sample_rate, fmt, hmac_key))
        entries.append(
            {
                "path": rel,
                "name": stem,
                "category": category,
                "label": {"type": "label", "label": label},
                "metadata": {"qmoe_fold": str(clip.fold), "qmoe_name": clip.name},
            }
        )
        counts[category] += 1
    info = {"version": 1, "files": entries}
    (out / "info.labels").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return EIExport(out, counts, skipped)


# ---- import -------------------------------------------------------------------------------


def _labels_files(src: Path) -> dict[Path, dict]:
    """Every info.labels entry by absolute file path (at the root or in a category folder)."""
    found: dict[Path, dict] = {}
    for info_path in [src / "info.labels", *(src / c / "info.labels" for c in CATEGORIES)]:
        if not info_path.is_file():
            continue
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise DataError(f"{info_path}: not a JSON labels file ({e})") from e
        files = info.get("files") if isinstance(info, dict) else None
        if not isinstance(files, list):
            raise DataError(f"{info_path}: field 'files' missing or not a list")
        for i, entry in enumerate(files):
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                raise DataError(f"{info_path}: files[{i}] has no 'path'")
            path = (info_path.parent / entry["path"]).resolve()
            if not path.is_file() and (src / entry["path"]).is_file():
                path = (src / entry["path"]).resolve()  # a category's labels, paths from the root
            found.setdefault(path, {**entry, "_where": f"{info_path} files[{i}]"})
    return found


def _entry_label(entry: dict | None, path: Path) -> str:
    if entry is None:
        m = LABEL_FROM_NAME.match(path.name)
        if m is None or "." not in path.name:
            raise DataError(f"{path}: no info.labels entry and no label before the first '.'")
        return m.group(0).strip()
    lab = entry.get("label") or {}
    if lab.get("type") != "label" or not isinstance(lab.get("label"), str) or not lab["label"]:
        raise DataError(
            f"{entry['_where']}: label {lab!r}: qmoe imports single-label clips "
            '({"type": "label", "label": NAME}); unlabeled and multi-label samples are not'
        )
    return lab["label"]


def read_acquisition(path: Path, hmac_key: str | None = None) -> tuple[np.ndarray, int]:
    """(int16 PCM, sample rate) of a JSON or CBOR acquisition file holding one audio sensor.

    DataError naming the file and field when the structure is wrong, the sensor is not a single
    audio channel, a value is not an int16, or (with `hmac_key`) an HS256 signature does not
    verify."""
    raw = path.read_bytes()
    if path.suffix.lower() == ".cbor":
        doc = cbor.decode(raw, str(path))
    else:
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise DataError(f"{path}: not a JSON acquisition file ({e})") from e
    if not isinstance(doc, dict) or not all(
        k in doc for k in ("protected", "signature", "payload")
    ):
        raise DataError(f"{path}: expected fields protected, signature and payload")
    prot, sig, payload = doc["protected"], doc["signature"], doc["payload"]
    alg = prot.get("alg") if isinstance(prot, dict) else None
    if not isinstance(prot, dict) or prot.get("ver") != "v1" or alg not in ("HS256", "none"):
        raise DataError(
            f"{path}: field 'protected' is {prot!r}; expected ver v1, alg HS256 or none"
        )
    if alg == "HS256" and hmac_key is not None:
        if not isinstance(sig, str) or len(sig) != 64:
            raise DataError(f"{path}: field 'signature' is not 64 hex digits")
        pos = raw.find(sig.encode())
        unsigned = raw[:pos] + EMPTY_SIGNATURE.encode() + raw[pos + 64 :]
        want = hmac.new(hmac_key.encode(), unsigned, hashlib.sha256).hexdigest()
        if pos < 0 or not hmac.compare_digest(want, sig.lower()):  # signed over the zero form
            raise DataError(f"{path}: HS256 signature does not verify with the given HMAC key")
    sensors = payload.get("sensors") if isinstance(payload, dict) else None
    if not isinstance(sensors, list) or len(sensors) != 1:
        names = [s.get("name") for s in sensors or [] if isinstance(s, dict)]
        raise DataError(f"{path}: payload.sensors {names}; qmoe imports one audio channel")
    interval = payload.get("interval_ms")
    if not isinstance(interval, (int, float)) or interval <= 0:
        raise DataError(f"{path}: payload.interval_ms is {interval!r}, expected a positive number")
    rate = round(1000.0 / interval)
    values = payload.get("values")
    if not isinstance(values, list) or not values:
        raise DataError(f"{path}: payload.values is empty or not a list")
    flat = [v[0] if isinstance(v, list) and len(v) == 1 else v for v in values]
    bad = next(
        (
            i
            for i, v in enumerate(flat)
            if not isinstance(v, int) or isinstance(v, bool) or not -32768 <= v <= 32767
        ),
        None,
    )
    if bad is not None:
        raise DataError(f"{path}: payload.values[{bad}] is {values[bad]!r}, expected an int16")
    return np.array(flat, dtype=np.int16), rate


@dataclass
class EIImport:
    dataset: AudioDataset
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def _import_file(p: Path, entry: dict | None, hmac_key: str | None, out: Path) -> tuple:
    """Convert one file to `out/audio/<category>/<stem>.wav`; (name, label, qmoe fold, category)."""
    from qmoe.data.audio import read_audio

    category = (entry or {}).get("category") or p.parent.name
    if category not in CATEGORIES:
        where = entry["_where"] if entry else str(p)
        raise DataError(f"{where}: category {category!r}; expected training or testing")
    label = _entry_label(entry, p)
    if p.suffix.lower() == ".wav":
        try:
            rate = sf.info(str(p)).samplerate
        except (RuntimeError, sf.SoundFileError):
            rate = 16000  # read_audio below names what is wrong with the file
        pcm = read_audio(p, rate)
    else:
        pcm, rate = read_acquisition(p, hmac_key)
    name = f"audio/{category}/{p.stem}.wav"
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(out / name), pcm, rate, subtype="PCM_16", format="WAV")
    return name, label, ((entry or {}).get("metadata") or {}).get("qmoe_fold"), category


def import_edge_impulse(
    src: Path, out: Path, hmac_key: str | None = None, skip_bad: bool = False
) -> EIImport:
    """Read an Edge Impulse folder into a qmoe folder dataset at `out` (see the module doc).

    With skip_bad, a file that cannot be read is left out and listed in `skipped`."""
    from qmoe.data.folder import load_folder

    src = Path(src).expanduser().resolve()
    if not src.is_dir():
        raise DataError(f"{src}: Edge Impulse export folder not found")
    entries = _labels_files(src)
    for p, e in entries.items():
        if not p.is_file():
            raise DataError(f"{e['_where']}: file {p} not found")
    found = {
        p.resolve()
        for c in CATEGORIES
        if (src / c).is_dir()
        for p in (src / c).iterdir()
        if p.is_file() and p.suffix.lower() in (".wav", ".json", ".cbor")
    }
    files = sorted(found | set(entries))
    if not files:
        raise DataError(f"{src}: no .wav, .json or .cbor files in {' or '.join(CATEGORIES)}/")
    out = Path(out)
    rows, skipped = [], []
    for p in files:
        try:
            rows.append(_import_file(p, entries.get(p), hmac_key, out))
        except DataError as e:
            if not skip_bad:
                raise
            skipped.append((str(p), str(e)))
    given = all(str(f).isdigit() and int(f) >= 1 for _, _, f, _ in rows)
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(("file", "label", "fold", "group", "category"))
    for name, label, fold, category in rows:
        fold = int(fold) if given else (1 if category == "testing" else 2)
        w.writerow((name, label, fold, name, category))
    (out / "manifest.csv").write_text(text.getvalue(), encoding="utf-8")
    return EIImport(load_folder(out / "manifest.csv"), skipped)

"""Sealing and files: the content hash, `build` (content sections -> sealed IR), and `.qir`
files (zips of ir.json + arrays.npz, docs/ir.md "File")."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import IRError
from ..modelfile import flatten, read_zip, write_zip
from .check import SCHEMA, SCHEMA_VERSION, validate, validate_content
from .convert import content_from_dict, from_dict, to_dict
from .types import IR, ModelInfo

GENERATOR = f"qmoe_codegen {__version__}"
_NOT_HASHED = ("hash", "generator")


def _canonical(obj, h) -> None:
    """Feed a canonical serialization of obj (dicts sorted, arrays by dtype/shape/bytes) to h."""
    if isinstance(obj, np.ndarray):
        a = np.ascontiguousarray(obj)
        h.update(f"<array {a.dtype.str} {a.shape}>".encode())
        h.update(a.tobytes())
    elif isinstance(obj, dict):
        h.update(b"{")
        for k in sorted(obj):
            h.update(json.dumps(str(k)).encode() + b":")
            _canonical(obj[k], h)
            h.update(b",")
        h.update(b"}")
    elif isinstance(obj, (list, tuple)):
        h.update(b"[")
        for v in obj:
            _canonical(v, h)
            h.update(b",")
        h.update(b"]")
    elif isinstance(obj, np.generic):
        _canonical(obj.item(), h)
    else:
        h.update(json.dumps(obj).encode())


def content_hash(ir: IR | dict) -> str:
    """SHA-256 (hex) of the IR's content (its dict form), excluding `hash` and `generator`."""
    d = to_dict(ir) if isinstance(ir, IR) else ir
    h = hashlib.sha256()
    _canonical({k: v for k, v in d.items() if k not in _NOT_HASHED}, h)
    return h.hexdigest()


def seal(ir: IR) -> IR:
    """The IR with schema, version, generator and its content hash set."""
    ir = dataclasses.replace(ir, schema=SCHEMA, version=SCHEMA_VERSION, generator=GENERATOR)
    return dataclasses.replace(ir, hash=content_hash(ir))


def build(content: dict, where: str = "IR") -> IR:
    """A sealed, validated IR from its content sections (`model`, `frontend`, `input`, `experts`,
    `router`), given as dicts (docs/ir.md) or typed nodes: plans the memory, reports the sizes."""
    from ..memory import plan  # these import the types; the types package imports this module
    from ..sizes import size_report

    if isinstance(content.get("model"), ModelInfo):
        c = {k: content.get(k) for k in CONTENT}
        c["experts"] = tuple(c["experts"])
    else:
        c = content_from_dict(content, where)
    has_fe = c["frontend"] is not None
    validate_content(c["model"], c["input"], c["experts"], c["router"], has_fe, where)
    ir = IR(
        schema=SCHEMA,
        version=SCHEMA_VERSION,
        generator=GENERATOR,
        hash="",
        memory=plan(c["input"], c["experts"], c["router"]),
        sizes=size_report(c["input"], c["experts"], c["router"]),
        **c,
    )
    validate(ir, where)
    return seal(ir)


CONTENT = ("model", "frontend", "input", "experts", "router")


def rebuild(ir: IR, **changes) -> IR:
    """A new sealed IR: `ir`'s content sections with `changes` (typed nodes) in their place,
    planned, sized and validated again, e.g. `rebuild(ir, router=replace(ir.router, ...))`."""
    unknown = sorted(set(changes) - set(CONTENT))
    if unknown:
        raise TypeError(f"rebuild: {unknown} are not content sections {CONTENT}")
    return build({**{k: getattr(ir, k) for k in CONTENT}, **changes})


def check_sealed(ir: IR, where: str) -> None:
    """IRError unless the IR's content still hashes to its `hash`: before writing it anywhere that
    checks the hash on reading. It does not for an IR made with `dataclasses.replace` but not
    `rebuild`, or loaded from a file written before a field with a default existed (a front-end
    option, say): its recorded hash is kept on loading, its content now serializes differently."""
    actual = content_hash(ir)
    if actual != ir.hash:
        raise IRError(
            f"{where}: the IR records hash {ir.hash[:16]}… but its content hashes to "
            f"{actual[:16]}… (changed without `rebuild`, or read from a file an older qmoe "
            "wrote): export the model again"
        )


def save_ir(ir: IR, path: Path) -> Path:
    """Write a sealed IR to `path` (`*.qir`)."""
    validate(ir)
    check_sealed(ir, str(path))
    arrays: dict[str, np.ndarray] = {}
    meta = flatten(to_dict(ir), "ir", arrays)
    meta["format"] = SCHEMA
    return write_zip(Path(path), meta, arrays, "ir.json", "arrays_sha256")


def from_sealed_dict(d: dict, where: str) -> IR:
    """The typed IR of a sealed dict read from a file or blob: hash, structure and semantics
    checked (IRError naming the field)."""
    recorded = d.get("hash")
    actual = content_hash(d)
    if recorded != actual:
        raise IRError(
            f"{where}: field 'hash' is {str(recorded)[:16]}… but the content hashes to "
            f"{actual[:16]}…: the file was edited or corrupted; export it again"
        )
    version = d.get("version")
    if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
        raise IRError(
            f"{where}: schema version {version!r} is newer than this qmoe supports "
            f"({SCHEMA_VERSION}); upgrade qmoe or export the model again"
        )
    ir = from_dict(d, where)
    validate(ir, where)
    return ir


def load_ir(path: Path) -> IR:
    """Read, check the schema version and content hash, and validate an IR file."""
    meta, _ = read_zip(
        path, "ir.json", SCHEMA, SCHEMA_VERSION, "arrays_sha256", "qmoe IR file", error=IRError
    )
    meta.pop("format", None)
    meta.pop("arrays_sha256", None)
    return from_sealed_dict(meta, str(path))

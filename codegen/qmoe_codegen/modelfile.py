"""Reading model files (`*.qmoe`) with json and numpy alone, for codegen and other tools.

The format (written by qmoe.modelfile on the host):

    model.json   format "qmoe-model", version, class names and label set, front-end configuration,
                 input quantizer, training configuration, experts and router (configurations, state
                 dicts and integer exports, arrays by reference {"$array": key}), routing policy,
                 provenance, and the SHA-256 of arrays.npz
    arrays.npz   every array (no pickle)
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .errors import ModelFormatError

FORMAT = "qmoe-model"
VERSION = 1


def flatten(obj, prefix: str, arrays: dict[str, np.ndarray]):
    """JSON-able copy of `obj`: every numpy array moved to `arrays`, replaced by a reference."""
    if hasattr(obj, "detach") and hasattr(obj, "numpy"):  # a torch tensor, without importing torch
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        arrays[prefix] = obj
        return {"$array": prefix}
    if isinstance(obj, dict):
        return {str(k): flatten(v, f"{prefix}.{k}", arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [flatten(v, f"{prefix}.{i}", arrays) for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def unflatten(obj, arrays: dict[str, np.ndarray]):
    """Inverse of `flatten`: resolve every {"$array": key} reference."""
    if isinstance(obj, dict):
        if set(obj) == {"$array"}:
            return arrays[obj["$array"]]
        return {k: unflatten(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [unflatten(v, arrays) for v in obj]
    return obj


# Every zip member gets this timestamp (zip's earliest), so that the same content gives the same
# bytes: a model file's SHA-256 names the model (docs/reproducibility.md).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _member(z: zipfile.ZipFile, name: str, data: bytes, compress: int) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """`arrays` as an .npz (what np.savez writes, np.load reads) with no timestamp in it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for key, arr in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asanyarray(arr), allow_pickle=False)
            _member(z, f"{key}.npy", member.getvalue(), zipfile.ZIP_STORED)
    return buf.getvalue()


def write_zip(
    path: Path, meta: dict, arrays: dict[str, np.ndarray], json_name: str, digest_field: str
) -> Path:
    """Write meta (with the SHA-256 of the arrays blob in `digest_field`) and arrays atomically.
    Same content, same bytes: no member carries the time of writing."""
    blob = npz_bytes(arrays)
    meta = {**meta, digest_field: hashlib.sha256(blob).hexdigest()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        _member(z, json_name, json.dumps(meta, indent=1).encode(), zipfile.ZIP_DEFLATED)
        _member(z, "arrays.npz", blob, zipfile.ZIP_DEFLATED)
    tmp.replace(path)
    return path


def _no_constant(name: str):
    raise ValueError(f"holds {name}")


def _check_finite(path: Path, arrays: dict[str, np.ndarray], error) -> None:
    """error naming the first float array holding NaN or infinity, and the index of the value."""
    for key, arr in arrays.items():
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            at = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
            raise error(
                f"{path}: array {key!r} holds {arr[at]} at index {list(at)}; every stored "
                "parameter must be a finite number (a diverged training run or a damaged file)"
            )


def read_zip(
    path: Path,
    json_name: str,
    fmt: str,
    max_version: int,
    digest_field: str,
    what: str,
    error=ModelFormatError,
) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and check a json+npz zip: format name, version range, arrays digest, references."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} not found")
    try:
        with zipfile.ZipFile(path) as z:
            raw = z.read(json_name)
            blob = z.read("arrays.npz")
    # A damaged zip fails in many ways: its directory (BadZipFile, KeyError for a lost member),
    # a member's deflate stream (zlib.error, EOFError), a flipped compression method
    # (NotImplementedError), or a length field (OSError, ValueError).
    except (zipfile.BadZipFile, KeyError, zlib.error, EOFError, NotImplementedError, OSError,
            ValueError) as exc:  # fmt: skip
        raise error(
            f"{path}: not a readable {what} (expected a zip with {json_name} and arrays.npz): {exc}"
        ) from exc
    try:
        meta = json.loads(raw, parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: {json_name} is not valid JSON: {exc}") from exc
    except ValueError as exc:  # _no_constant
        raise error(f"{path}: {json_name} {exc}; expected finite numbers") from exc
    if not isinstance(meta, dict):
        raise error(f"{path}: {json_name} is not a JSON object")
    if meta.get("format") != fmt:
        raise error(
            f"{path}: {json_name} field 'format' is {meta.get('format')!r}, expected {fmt!r}"
        )
    version = meta.get("version")
    if not isinstance(version, int) or not 1 <= version <= max_version:
        raise error(
            f"{path}: {what} version {version!r} is not supported (this qmoe reads versions "
            f"1..{max_version}); upgrade qmoe or regenerate the file"
        )
    digest = hashlib.sha256(blob).hexdigest()
    if digest != meta.get(digest_field):
        raise error(
            f"{path}: arrays.npz is corrupt: SHA-256 {digest[:16]}… does not match the "
            f"recorded {str(meta.get(digest_field))[:16]}…"
        )
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        resolved = unflatten(meta, arrays)
    except (KeyError, ValueError, OSError) as exc:
        raise error(
            f"{path}: {json_name} refers to an array missing from arrays.npz: {exc}"
        ) from exc
    _check_finite(path, arrays, error)
    return resolved, arrays


def read_model_file(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and check a model file: (metadata with arrays resolved, the arrays by key)."""
    return read_zip(path, "model.json", FORMAT, VERSION, "arrays_sha256", "qmoe model file")

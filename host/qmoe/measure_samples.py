"""What `qmoe-host measure` sends: the held-out samples of a model's dataset, each as the bytes of
one LOAD_INPUT, and the golden model's answer for each (docs/measure.md, "Samples").

Audio datasets send int16 PCM (the device runs the front end) or the golden model's int8 input
vector; an embedding CSV (the paper's format) sends each row quantized with the model's own input
quantizer, exactly as training and the golden model see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qmoe.data import load_clip_pcm, load_dataset, load_embedding_csv
from qmoe.errors import ConfigError
from qmoe.protocol import InputKind
from qmoe_codegen import golden
from qmoe_codegen.inputq import InputQuant
from qmoe_codegen.ir import IR

DEFAULT_KIND = "builtin"  # models saved before provenance named their data


@dataclass
class Sample:
    name: str
    fold: int
    label: int
    kind: InputKind
    payload: bytes


@dataclass
class SampleSet:
    """The samples to send, the golden model's answers, and where they came from."""

    samples: list[Sample]
    golden: golden.GoldenResult
    dataset: str
    root: Path


def model_data(meta: dict) -> tuple[str, Path | None]:
    """(dataset kind, root) the model was trained on, from its provenance `source`
    ("builtin:data/builtin", "csv:/abs/file.csv"); (DEFAULT_KIND, None) when it has none."""
    source = meta.get("provenance", {}).get("source") or ""
    kind, sep, root = source.partition(":")
    if not sep or not kind:
        return DEFAULT_KIND, None
    return kind, Path(root)


def _check_classes(root: Path, found: list[str], meta: dict) -> None:
    if list(found) != list(meta["class_names"]):
        raise ConfigError(
            f"{root}: dataset classes {list(found)} differ from the model's {meta['class_names']}"
        )


def audio_samples(
    dataset: str,
    root: Path,
    meta: dict,
    ir: IR,
    folds: list[int],
    n: int | None,
    label_set: str | None,
    input_mode: str,
) -> tuple[list[Sample], golden.GoldenResult]:
    """Clips of an audio dataset in `folds` (at most n): PCM or the golden int8 input vector."""
    if ir.frontend is None:
        raise ConfigError(
            f"model {meta.get('name')} takes feature vectors (it was trained on "
            f"{meta.get('provenance', {}).get('source', 'embeddings')}), not audio: measure it "
            "with --dataset csv --root FILE"
        )
    seed = int(meta.get("provenance", {}).get("seed", 0))
    ds = load_dataset(dataset, root, label_set=label_set or meta.get("label_set"), seed=seed)
    _check_classes(root, ds.class_names, meta)
    clips = [c for c in ds.clips if c.fold in folds][:n]
    if not clips:
        raise ConfigError(f"no clips in fold(s) {folds} of {root}")
    pcms, kept, _ = load_clip_pcm(clips, ir.frontend.sample_rate)
    g = golden.run(ir, pcm=pcms)
    out = []
    for k, (clip, pcm) in enumerate(zip(kept, pcms)):
        if input_mode == "pcm":
            kind, payload = InputKind.PCM_I16, np.asarray(pcm, dtype="<i2").tobytes()
        else:
            kind, payload = InputKind.FEATURES_I8, np.asarray(g.x8[k], np.int8).tobytes()
        out.append(Sample(clip.name, clip.fold, clip.label, kind, payload))
    return out, g


def csv_samples(
    path: Path, meta: dict, ir: IR, folds: list[int], n: int | None
) -> tuple[list[Sample], golden.GoldenResult]:
    """Rows of an embedding CSV in `folds` (at most n), quantized with the model's own input
    quantizer; folds drawn as in training (the model's seed) when the CSV has no `fold` column."""
    if ir.input.kind != "features" or "input_quant" not in meta:
        raise ConfigError(
            f"model {meta.get('name')} takes audio through its front end, not embeddings: "
            "measure it on its audio dataset (--dataset builtin|esc50|urbansound8k|quinn)"
        )
    fd = load_embedding_csv(path, seed=int(meta.get("provenance", {}).get("seed", 0)))
    _check_classes(path, fd.class_names, meta)
    want = ir.input.n_features
    if fd.X.shape[1] != want:
        raise ConfigError(
            f"{path}: rows have {fd.X.shape[1]} feature columns, model {meta.get('name')} "
            f"takes {want}"
        )
    rows = np.flatnonzero(np.isin(fd.folds, folds))[:n]
    if rows.size == 0:
        raise ConfigError(f"no rows in fold(s) {folds} of {path}")
    x8 = InputQuant.from_dict(meta["input_quant"]).apply(fd.X[rows])
    g = golden.run(ir, x8=x8)
    out = [
        Sample(fd.names[i], int(fd.folds[i]), int(fd.y[i]), InputKind.FEATURES_I8, x8[k].tobytes())
        for k, i in enumerate(rows)
    ]
    return out, g


def load_samples(
    meta: dict,
    ir: IR,
    *,
    dataset: str | None = None,
    root: Path | None = None,
    folds: list[int] | None = None,
    n: int | None = None,
    label_set: str | None = None,
    input_mode: str = "auto",
) -> SampleSet:
    """The samples of `dataset` at `root` (default: the model's own, from its provenance) in
    `folds` (default: the fold the model held out). `input_mode` "pcm", "features" or "auto"
    (pcm when the model has a front end). ConfigError naming what does not match the model."""
    kind, trained_root = model_data(meta)
    dataset = dataset or kind
    if root is None:
        if trained_root is None or not trained_root.exists():
            raise ConfigError(
                f"no --root given and the data model {meta.get('name')} was trained on "
                f"({trained_root or 'not recorded'}) is not there: pass --root"
            )
        root = trained_root
    folds = folds or [meta.get("provenance", {}).get("test_fold", 1)]
    mode = input_mode if input_mode != "auto" else ("pcm" if ir.frontend else "features")
    if mode == "pcm" and ir.frontend is None:
        raise ConfigError("this model has no front end: measure it with --input features")
    if dataset == "csv":
        if label_set is not None:
            raise ConfigError(
                "--label-set does not apply to an embedding CSV (its class_id column is the label)"
            )
        samples, g = csv_samples(Path(root), meta, ir, folds, n)
    else:
        samples, g = audio_samples(dataset, Path(root), meta, ir, folds, n, label_set, mode)
    return SampleSet(samples, g, dataset, Path(root))

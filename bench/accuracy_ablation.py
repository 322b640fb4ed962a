"""Accuracy ablation: a plain float baseline against qmoe, per front-end and recipe choice.

Run: .venv/bin/python bench/accuracy_ablation.py [--data-dir data/builtin] [--speech-dir
     data/speech] [--seed 0] [--no-device] [--out FILE.json] [--quick]

Two datasets, each cross-validated over its folds (macro-F1 and accuracy, mean ± std over folds):
- built-in: the seeded ESC-50-layout scenes (`qmoe-host data builtin`), 5 official folds;
- speech: the espeak-ng keyword set (`qmoe-host data speech`, 10 words, 10 voices, noise and
  reverb), folds that never share a voice; skipped, saying why, when espeak-ng is missing.

Rows:
- baseline: scikit-learn MLPClassifier(128, 64) on float pooled log-mel statistics (40 mels of the
  float reference front end qmoe.features.floatref: per band mean, std, max and the std of the
  frame-to-frame delta), standardized on the training rows;
- qmoe fp32 with each front-end choice (FEATURES) and the plain recipe;
- qmoe fp32 on the chosen front end with each recipe choice (RECIPES: early stopping, class
  weights, audio augmentation, all of them);
- quantized experts (int8 PTQ, 4-bit and ternary QAT) on the chosen front end and recipe.

Device cost of each front-end choice on qemu-m4 (unless --no-device or the toolchain/QEMU is
missing): a small model with that front end is built into the benchmark firmware, one 1-s clip is
streamed as PCM, and the front end's counter (qemu -icount shift=0: emulated instructions, one
count = the board's counter.per_tick) is read from the reply; RAM is the front end's scratch
(qmoe_frontend_scratch_size), flash its tables plus the 52-byte struct. The front end's code (the
same for every choice) is printed once, compiled -Os for Cortex-M4F.

--quick: a small built-in set (bench/_quick.py), a 4-voice speech set with 2 takes per voice,
2 folds, the quick epochs, and the device cost of two front ends; its figures are not the
README's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import _quick
import numpy as np
import torch

from qmoe.data import load_clip_pcm, load_dataset
from qmoe.errors import ConfigError
from qmoe.features.extract import extract_features
from qmoe.features.floatref import float_logmel
from qmoe.train.config import TrainConfig
from qmoe.train.cv import cross_validate, split_fold
from qmoe.train.metrics import fold_metrics, mean_std
from qmoe.train.recipe import augmented_features
from qmoe_codegen.frontend import STATS, FrontendConfig, build_tables
from qmoe_codegen.frontend_c import frontend_scratch_size

ROOT = Path(__file__).resolve().parents[1]
RICH = ("mean", "std", "max", "delta", "drms")
FEATURES = {  # name -> front-end choice
    "basic32": FrontendConfig(n_mels=32, stats=("mean", "std", "delta")),  # the former default
    "basic40": FrontendConfig(n_mels=40, stats=("mean", "std", "delta")),
    "rich32": FrontendConfig(n_mels=32, stats=RICH),
    "msmd40": FrontendConfig(n_mels=40, stats=("mean", "std", "max", "drms")),  # baseline's set
    "rich40": FrontendConfig(n_mels=40, stats=RICH),
    "all40": FrontendConfig(n_mels=40, stats=STATS),
    "rich64": FrontendConfig(n_mels=64, stats=RICH),
}
CHOSEN = "msmd40"
RECIPES = {
    "plain": {},
    "early-stop": {"patience": 20},
    "class-weight": {"class_weight": True},
    "augment": {"augment": 2},
    "full": {"patience": 20, "class_weight": True, "augment": 2},
}
CHOSEN_RECIPE = "plain"
QUANTIZED = ("ptq8", "4", "ternary")
BASELINE_MELS = 40
PROGRESS = True  # each row on stderr as soon as it is measured (a full run takes a while)


def baseline_features(pcms: list[np.ndarray]) -> np.ndarray:
    """Float pooled statistics per clip: 40-mel log-mel mean, std, max, delta std."""
    cfg = FrontendConfig(n_mels=BASELINE_MELS)
    rows = []
    for p in pcms:
        lm = float_logmel(p, cfg) / 256.0  # log2 units
        d = np.diff(lm, axis=0) if lm.shape[0] > 1 else np.zeros((1, lm.shape[1]))
        rows.append(np.concatenate([lm.mean(0), lm.std(0), lm.max(0), d.std(0)]))
    return np.array(rows)


def run_baseline(X: np.ndarray, fd, seed: int, val_share: float, quick: bool) -> dict:
    """sklearn MLP(128, 64) per fold, trained on the same rows as qmoe (train + val split)."""
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    scores = []
    for fold in sorted(set(fd.folds.tolist())):
        train, val, test = split_fold(fd, fold, val_share, seed)
        rows = np.concatenate([train, val])  # sklearn keeps its own 10 % for early stopping
        sc = StandardScaler().fit(X[rows])
        mlp = MLPClassifier(
            hidden_layer_sizes=(32, 16) if quick else (128, 64),
            max_iter=60 if quick else 500,
            early_stopping=True,
            random_state=seed,
        )
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mlp.fit(sc.transform(X[rows]), fd.y[rows])
        pred = mlp.predict(sc.transform(X[test]))
        scores.append(fold_metrics(fd.y[test], pred, len(fd.class_names)))
    return _summary(scores)


def _summary(scores: list[dict]) -> dict:
    out = {}
    for k in ("macro_f1", "accuracy"):
        mu, sd = mean_std([s[k] for s in scores])
        out[k] = {"mean": 100 * mu, "std": 100 * sd}
    return out


def run_qmoe(fd, fe, cfg: TrainConfig, augmented) -> dict:
    res = cross_validate(fd, cfg, fe, progress=False, augmented=augmented)
    return _summary([f.metrics for f in res.folds])


QUICK = {"features": ("basic32", CHOSEN), "recipes": ("plain", "full"), "quantized": ("4",)}


def dataset_rows(name: str, ds, base: TrainConfig, choice: dict, seed: int) -> list[dict]:
    """The rows of the table for one audio dataset: `choice` names the features, recipes and
    quantized formats to run (all of them by default, QUICK with --quick)."""
    quick = choice is QUICK
    features = {k: FEATURES[k] for k in choice["features"]}
    recipes = {k: RECIPES[k] for k in choice["recipes"]}
    quantized = choice["quantized"]
    cache = ds.root / ".qmoe-cache" if not quick else None
    pcms, kept, _ = load_clip_pcm(ds.clips, 16000)
    rows = []
    t0 = time.perf_counter()
    fd0 = extract_features(ds, FEATURES["basic32"], cache_dir=cache)
    if choice.get("baseline", True):
        base_scores = run_baseline(baseline_features(pcms), fd0, seed, base.val_share, quick)
        rows.append(_row(name, "sklearn MLP baseline", "float 40 mels", "-", base_scores, t0))
    feats = {k: extract_features(ds, fe, cache_dir=cache) for k, fe in features.items()}
    plain = RECIPES["plain"]
    for key, fe in features.items():
        t0 = time.perf_counter()
        s = run_qmoe(feats[key], fe, replace(base, **plain), None)
        rows.append(_row(name, "qmoe fp32", key, "plain", s, t0))
    chosen, chosen_recipe = choice.get("chosen", CHOSEN), choice.get("chosen_recipe", CHOSEN_RECIPE)
    fe = FEATURES[chosen]
    if chosen not in feats:
        feats[chosen] = extract_features(ds, fe, cache_dir=cache)
    copies = max([r.get("augment", 0) for r in recipes.values()] + [0])
    if quantized:
        copies = max(copies, RECIPES[chosen_recipe].get("augment", 0))
    aug = augmented_features(pcms, fe, copies, seed=seed)
    for rname, opts in recipes.items():
        if rname == "plain":
            continue
        t0 = time.perf_counter()
        s = run_qmoe(feats[chosen], fe, replace(base, **opts), aug)
        rows.append(_row(name, "qmoe fp32", chosen, rname, s, t0))
    for spec in quantized:
        t0 = time.perf_counter()
        cfg = replace(base, experts=[spec], **RECIPES[chosen_recipe])
        s = run_qmoe(feats[chosen], fe, cfg, aug)
        rows.append(_row(name, f"qmoe {spec}", chosen, chosen_recipe, s, t0))
    return rows


def _row(data: str, model: str, features: str, recipe: str, s: dict, t0: float) -> dict:
    row = {
        "dataset": data,
        "model": model,
        "features": features,
        "recipe": recipe,
        **s,
        "seconds": time.perf_counter() - t0,
    }
    if PROGRESS:
        print(format_rows([row]).splitlines()[-1], file=sys.stderr, flush=True)
    return row


def format_rows(rows: list[dict]) -> str:
    head = (
        f"{'dataset':<9} {'model':<22} {'features':<14} {'recipe':<13} "
        f"{'macro-F1 %':>13} {'accuracy %':>13} {'wall s':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        f1, acc = r["macro_f1"], r["accuracy"]
        lines.append(
            f"{r['dataset']:<9} {r['model']:<22} {r['features']:<14} {r['recipe']:<13} "
            f"{f1['mean']:6.1f} ± {f1['std']:4.1f} {acc['mean']:6.1f} ± {acc['std']:4.1f} "
            f"{r['seconds']:7.1f}"
        )
    return "\n".join(lines)


def frontend_code_bytes() -> int | None:
    """.text + .rodata of firmware/frontend/*.c, -Os, Cortex-M4F (None without the compiler)."""
    if shutil.which("arm-none-eabi-gcc") is None:
        return None
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted((ROOT / "firmware" / "frontend").glob("*.c")):
            obj = Path(tmp) / (src.stem + ".o")
            cmd = ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard"]
            cmd += ["-mfpu=fpv4-sp-d16", "-std=c99", "-Os", "-ffreestanding"]
            cmd += [f"-I{ROOT / 'firmware' / d}" for d in ("include", "port", "frontend")]
            subprocess.run([*cmd, "-c", str(src), "-o", str(obj)], check=True)
            out = subprocess.run(
                ["arm-none-eabi-size", str(obj)], capture_output=True, text=True, check=True
            )
            text, data, _ = map(int, out.stdout.splitlines()[1].split()[:3])
            total += text + data
    return total


def device_costs(names: list[str], work: Path, data_root: Path, quick: bool) -> list[dict]:
    """Front-end instructions per 1-s clip on qemu-m4, scratch RAM and table flash per choice."""
    from qmoe import boards
    from qmoe.device.build import build
    from qmoe.device.run import start
    from qmoe.modelfile import save_model
    from qmoe.protocol import InferRequest, InputKind, Link
    from qmoe.train.cv import fit_fold
    from qmoe_codegen.lower import lower_file

    board = boards.load_board("qemu-m4")
    tools = (board.toolchain.cc, *board.run_command[:1])
    missing = [t for t in tools if "{elf}" not in t and shutil.which(t) is None]
    ds = load_dataset("builtin", data_root)
    clip = load_clip_pcm(ds.clips[:1], 16000)[0][0][:16000]
    out = []
    for key in names:
        fe = FEATURES[key]
        t = build_tables(fe)
        row = {
            "features": key,
            "n_features": fe.n_features,
            "ram_bytes": frontend_scratch_size(fe),
            "table_bytes": sum(a.nbytes for a in t.arrays().values()) + 52,
            "instructions_per_clip": None,
        }
        if not missing:
            fd = extract_features(ds, fe)
            cfg = TrainConfig(experts=["8"], hidden=(16,), epochs=2, qat_epochs=1)
            model, _ = fit_fold(fd, cfg, 1, fe)
            path = save_model(model, work / f"{key}.qmoe")
            built = build("qemu-m4", path, work / f"fw-{key}", ir=lower_file(path))
            with start(board, built.elf) as running, Link.open(running.url) as link:
                link.load_input(InputKind.PCM_I16, clip.astype("<i2").tobytes())
                reply = link.request(InferRequest())
            row["instructions_per_clip"] = int(reply.counter_frontend * board.counter.per_tick)
        out.append(row)
    if missing:
        print(f"device cost: {', '.join(missing)} not installed: instructions not measured")
    return out


def format_costs(costs: list[dict], code: int | None) -> str:
    head = f"{'features':<9} {'n_features':>10} {'emulated instr / 1-s clip':>26} "
    head += f"{'RAM B':>7} {'tables B':>9}"
    lines = [head, "-" * len(head)]
    for c in costs:
        n = c["instructions_per_clip"]
        lines.append(
            f"{c['features']:<9} {c['n_features']:>10} {n if n is not None else 'n/a':>26} "
            f"{c['ram_bytes']:>7} {c['table_bytes']:>9}"
        )
    code_text = f"{code} B" if code is not None else "n/a (arm-none-eabi-gcc missing)"
    lines.append(f"front-end code (every choice), Cortex-M4F -Os: {code_text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path("data/builtin"))
    ap.add_argument("--speech-dir", type=Path, default=Path("data/speech"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-device", action="store_true", help="Skip the qemu-m4 cost.")
    ap.add_argument("--datasets", default="builtin,speech")
    ap.add_argument("--features", default=",".join(FEATURES), help="Front-end choices to run.")
    ap.add_argument("--recipes", default=",".join(RECIPES), help="Recipe choices to run.")
    ap.add_argument("--quantized", default=",".join(QUANTIZED), help="Quantized formats to run.")
    ap.add_argument("--no-baseline", action="store_true", help="Leave the sklearn row out.")
    ap.add_argument(
        "--chosen",
        default=CHOSEN,
        choices=list(FEATURES),
        help="Front end of the recipe and quantized rows.",
    )
    ap.add_argument(
        "--chosen-recipe",
        default=CHOSEN_RECIPE,
        choices=list(RECIPES),
        help="Recipe of the quantized rows.",
    )
    ap.add_argument("--out", type=Path, default=None, help="Write the rows as JSON.")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    from qmoe.data import generate_builtin
    from qmoe.data.speech import VOICES, generate_speech

    choice = QUICK
    if not args.quick:
        choice = {k: _names(getattr(args, k), pool) for k, pool in POOLS.items()}
        choice.update(
            baseline=not args.no_baseline, chosen=args.chosen, chosen_recipe=args.chosen_recipe
        )
    torch.set_num_threads(1)  # tiny MLPs: one thread is fastest, and the run is reproducible
    work = Path(tempfile.mkdtemp(prefix="qmoe-ablation-"))
    base = TrainConfig(seed=args.seed)
    if args.quick:
        base = _quick.quick_config(base)
        builtin_root = _quick.quick_data(work, args.seed)
    else:
        builtin_root = args.data_dir
        if not (builtin_root / "meta" / "esc50.csv").exists():
            generate_builtin(builtin_root, seed=args.seed)
    rows: list[dict] = []
    wanted = args.datasets.split(",")
    if "builtin" in wanted:
        ds = load_dataset("builtin", builtin_root)
        if args.quick:
            ds = _two_folds(ds)
        rows += dataset_rows("built-in", ds, base, choice, args.seed)
    if "speech" in wanted:
        try:
            if args.quick:
                manifest = generate_speech(
                    work / "speech", args.seed, voices=VOICES[:4], pitches=(40,), n_folds=2
                )
            else:
                manifest = args.speech_dir / "manifest.csv"
                if not manifest.exists():
                    manifest = generate_speech(args.speech_dir, args.seed)
            rows += dataset_rows(
                "speech", load_dataset("folder", manifest), base, choice, args.seed
            )
        except ConfigError as exc:
            print(f"speech dataset skipped: {exc}")
    print(format_rows(rows))
    costs = []
    if not args.no_device:
        names = list(dict.fromkeys([*choice["features"], choice.get("chosen", CHOSEN)]))
        costs = device_costs(names, work, builtin_root, args.quick)
        print()
        print(format_costs(costs, frontend_code_bytes()))
    if args.out:
        args.out.write_text(json.dumps({"rows": rows, "device": costs}, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    return 0


POOLS = {"features": FEATURES, "recipes": RECIPES, "quantized": QUANTIZED}


def _names(text: str, pool) -> tuple[str, ...]:
    names = tuple(n for n in text.split(",") if n)
    bad = [n for n in names if n not in pool]
    if bad:
        raise SystemExit(f"error: unknown choice(s) {bad}; expected some of {', '.join(pool)}")
    return names


def _two_folds(ds):
    """The quick run's dataset: folds 1-2 only (a CV over two folds)."""
    from dataclasses import replace as dc_replace

    return dc_replace(ds, clips=[c for c in ds.clips if c.fold <= 2])


if __name__ == "__main__":
    sys.exit(main())

"""The training recipe (qmoe.train.recipe): class weights, early stopping, audio augmentation, and
their hooks in the trainer and the cross-validation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from qmoe.data import load_clip_pcm, load_dataset
from qmoe.errors import ConfigError
from qmoe.train import recipe
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold, split_fold
from qmoe_codegen.frontend import FrontendConfig, batch_features

FAST = TrainConfig(hidden=(16,), epochs=6, qat_epochs=3)


def test_class_weights_balance_the_classes():
    y = torch.tensor([0, 0, 0, 1, 2, 2])
    w = recipe.class_weights(y, 4)
    assert torch.allclose(w, torch.tensor([6 / 9, 6 / 3, 6 / 6, 1.0]))
    # weighted counts are equal for the classes present
    counts = torch.bincount(y, minlength=4).float()
    assert torch.allclose((w * counts)[:3], torch.full((3,), 2.0))
    plain = recipe.loss_fn(FAST, y, 4)
    weighted = recipe.loss_fn(replace(FAST, class_weight=True), y, 4)
    assert plain.weight is None and torch.equal(weighted.weight, w)


def test_early_stop_keeps_the_best_epoch_and_stops_after_patience():
    torch.manual_seed(0)
    net = nn.Linear(2, 2)
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    y = torch.tensor([0, 1])
    stop = recipe.EarlyStop(x, y, patience=2)
    weights = [1.0, 3.0, -1.0, -2.0]  # diagonal scale per epoch: 3.0 is best, then worse
    stopped = []
    for w in weights:
        with torch.no_grad():
            net.weight.copy_(torch.eye(2) * w)
            net.bias.zero_()
        stopped.append(stop.update(net))
    assert stopped == [False, False, False, True] and stop.best_epoch == 1
    stop.restore(net)
    assert torch.equal(net.weight, torch.eye(2) * 3.0)
    assert recipe.early_stop(FAST, x, y) is None  # patience 0: off
    assert recipe.early_stop(replace(FAST, patience=3), x, y).patience == 3


def test_augment_is_seeded_and_changes_the_clip():
    rng_pcm = np.random.default_rng(1)
    pcm = (3000 * rng_pcm.standard_normal(8000)).astype(np.int16)
    a = recipe.augment_clip(pcm, np.random.default_rng([0, 0, 0]))
    b = recipe.augment_clip(pcm, np.random.default_rng([0, 0, 0]))
    c = recipe.augment_clip(pcm, np.random.default_rng([0, 1, 0]))
    assert a.dtype == np.int16 and a.shape == pcm.shape
    assert np.array_equal(a, b) and not np.array_equal(a, c) and not np.array_equal(a, pcm)
    loud = np.full(4000, 32000, dtype=np.int16)
    assert np.abs(recipe.augment_clip(loud, np.random.default_rng(3)).astype(int)).max() <= 32768


def test_augmented_features_do_not_depend_on_the_batch():
    cfg = FrontendConfig(n_fft=256, hop=128, n_mels=16)
    rng = np.random.default_rng(2)
    pcms = [(2000 * rng.standard_normal(n)).astype(np.int16) for n in (3000, 5000, 4000)]
    aug = recipe.augmented_features(pcms, cfg, copies=2, seed=7)
    assert aug.shape == (2, 3, cfg.n_features) and aug.dtype == np.int32
    alone = recipe.augmented_features(pcms[1:2], cfg, copies=2, seed=7)
    assert not np.array_equal(alone[:, 0], aug[:, 1])  # clip index is part of the seed ...
    again = recipe.augmented_features(pcms, cfg, copies=2, seed=7)
    assert np.array_equal(again, aug)  # ... and the same seed gives the same features
    one = recipe.augment_clip(pcms[2], np.random.default_rng([7, 1, 2]))
    assert np.array_equal(aug[1, 2], batch_features([one], cfg)[0])
    with pytest.raises(ValueError, match="copies"):
        recipe.augmented_features(pcms, cfg, copies=-1)


def test_recipe_options_are_checked():
    for bad in ({"patience": -1}, {"augment": 1.5}, {"patience": True}):
        with pytest.raises(ConfigError, match=next(iter(bad))):
            TrainConfig(**bad)
    d = replace(FAST, patience=5, class_weight=True, augment=2).to_dict()
    assert TrainConfig.from_dict(d).augment == 2


def test_fit_fold_trains_on_augmented_training_rows_only(builtin_root, builtin_features):
    fd, fe = builtin_features
    pcms, _, _ = load_clip_pcm(load_dataset("builtin", builtin_root).clips, fe.sample_rate)
    aug = recipe.augmented_features(pcms, fe, copies=1, seed=0)
    # Poison the augmented copies of every row outside the training split: if fit_fold used any
    # of them, the input quantizer's saturation would show in the trained model's training data.
    train, _, _ = split_fold(fd, 1, FAST.val_share, FAST.seed)
    cfg = replace(FAST, augment=1, patience=2, class_weight=True)
    model, split = fit_fold(fd, cfg, 1, fe, augmented=aug)
    assert np.array_equal(split["train"], train)
    plain, _ = fit_fold(fd, FAST, 1, fe)
    x = fd.X[split["test"][:5]]
    assert not np.array_equal(
        model.predict_features(x)["logits"], plain.predict_features(x)["logits"]
    )
    poisoned = aug.copy()
    outside = np.setdiff1d(np.arange(len(fd.y)), train)
    poisoned[:, outside] = np.iinfo(np.int32).max
    again, _ = fit_fold(fd, cfg, 1, fe, augmented=poisoned)
    assert np.array_equal(again.predict_features(x)["logits"], model.predict_features(x)["logits"])


def test_cli_stats_and_recipe_options(tmp_path):
    """`--stats` is checked before any data is read; the recipe flags reach TrainConfig."""
    import subprocess
    import sys

    def cli(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "qmoe.cli", "train", "--out", str(tmp_path / "run"), *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300)

    bad = cli("--stats", "mean,p90", "--root", str(tmp_path / "nowhere"))
    assert bad.returncode == 2 and "stats" in bad.stderr and "p90" in bad.stderr, bad.stderr
    neg = cli("--patience", "-1")
    assert neg.returncode == 2 and "--patience" in neg.stderr

"""Training recipe: validation-based early stopping, class weighting and audio augmentation.

The trainer (qmoe.train.trainer) calls three small hooks from here; each is off by default, so a
TrainConfig without recipe options trains exactly as before:

- `loss_fn(cfg, y)`: cross-entropy, weighted per class by n / (k * count) of the training labels
  when `cfg.class_weight` (rare classes weigh more; a class absent from training gets weight 1).
- `EarlyStop`: after each epoch, the cross-entropy on the validation rows (never the test fold);
  the weights of the best epoch are kept and restored, and training stops after `cfg.patience`
  epochs without improvement (0: off, every epoch runs and the last weights are kept).
- `augmented_features(pcms, frontend, copies, seed)`: `copies` augmented versions of every clip
  (random gain, time shift and coloured-noise mixing) through the integer front end. A fold trains
  on the augmented copies of its training clips only (qmoe.train.cv.fit_fold), so no augmented
  test or validation clip is ever seen.

Every random draw comes from a numpy Generator seeded by (seed, copy, clip index): the same seed
gives the same augmented features on every machine, whatever the clip order of a batch.
docs/accuracy.md measures what each choice buys.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from qmoe_codegen.frontend import FrontendConfig, batch_features

GAIN_DB = 6.0  # uniform gain in [-GAIN_DB, +GAIN_DB] dB
SHIFT_SHARE = 0.1  # time shift up to this share of the clip, either way, zero-filled
NOISE_PROB = 0.8  # share of copies that get noise mixed in
SNR_DB = (5.0, 30.0)  # uniform signal-to-noise ratio of the mixed noise
NOISE_COLOURS = (0.0, 1.0, 2.0)  # power spectrum ~ 1/f**c: white, pink, brown


def class_weights(y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """n / (k * count_c) per class c of the training labels y (1 for an absent class)."""
    counts = torch.bincount(y.long(), minlength=n_classes).double()
    present = counts > 0
    w = torch.ones(n_classes, dtype=torch.float64)
    w[present] = counts.sum() / (present.sum() * counts[present])
    return w.float()


def loss_fn(cfg, y: torch.Tensor, n_classes: int) -> nn.Module:
    """The training criterion: cross-entropy, class-weighted when cfg.class_weight."""
    if getattr(cfg, "class_weight", False):
        return nn.CrossEntropyLoss(weight=class_weights(y, n_classes))
    return nn.CrossEntropyLoss()


@dataclass
class EarlyStop:
    """Keeps the weights of the epoch with the lowest validation cross-entropy."""

    x_val: torch.Tensor
    y_val: torch.Tensor
    patience: int
    best: float = float("inf")
    best_epoch: int = -1
    epoch: int = 0
    state: dict | None = None

    def update(self, module: nn.Module) -> bool:
        """Score the epoch just trained; True when training should stop."""
        was_training = module.training
        module.eval()
        with torch.no_grad():
            loss = float(nn.functional.cross_entropy(module(self.x_val), self.y_val))
        module.train(was_training)
        if loss < self.best - 1e-6:
            self.best, self.best_epoch = loss, self.epoch
            self.state = copy.deepcopy(module.state_dict())
        self.epoch += 1
        return self.epoch - 1 - self.best_epoch >= self.patience

    def restore(self, module: nn.Module) -> None:
        """Load the best epoch's weights back."""
        if self.state is not None:
            module.load_state_dict(self.state)


def early_stop(cfg, x_val: torch.Tensor | None, y_val: torch.Tensor | None) -> EarlyStop | None:
    """An EarlyStop when cfg.patience > 0 and there are validation rows, else None."""
    patience = int(getattr(cfg, "patience", 0) or 0)
    if patience <= 0 or x_val is None or y_val is None or len(x_val) == 0:
        return None
    return EarlyStop(x_val, y_val, patience)


def _coloured_noise(n: int, colour: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise of n samples whose power spectrum falls as 1/f**colour (unlike
    qmoe.data.synth.colored_noise, the mean is kept and n < 2 works: docs/accuracy.md figures)."""
    spec = np.fft.rfft(rng.standard_normal(max(n, 2)))
    f = np.arange(spec.shape[0], dtype=np.float64)
    f[0] = 1.0
    noise = np.fft.irfft(spec / f ** (colour / 2.0), n=max(n, 2))[:n]
    rms = np.sqrt(np.mean(noise**2)) if n else 1.0
    return noise / (rms if rms > 0 else 1.0)


def augment_clip(pcm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One augmented int16 copy: time shift (zero-filled), gain, then coloured noise at a random
    SNR relative to the clip's own RMS (saturated to int16)."""
    x = np.asarray(pcm, dtype=np.float64)
    n = x.shape[0]
    limit = int(SHIFT_SHARE * n)
    shift = int(rng.integers(-limit, limit + 1)) if limit else 0
    out = np.zeros_like(x)
    if shift >= 0:
        out[shift:] = x[: n - shift]
    else:
        out[:shift] = x[-shift:]
    out *= 10.0 ** (rng.uniform(-GAIN_DB, GAIN_DB) / 20.0)
    if rng.random() < NOISE_PROB and n:
        rms = np.sqrt(np.mean(out**2))
        snr = rng.uniform(*SNR_DB)
        colour = NOISE_COLOURS[int(rng.integers(len(NOISE_COLOURS)))]
        out += _coloured_noise(n, colour, rng) * rms * 10.0 ** (-snr / 20.0)
    return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


def augmented_features(
    pcms: list[np.ndarray], frontend: FrontendConfig, copies: int, seed: int = 0
) -> np.ndarray:
    """(copies, len(pcms), n_features) int32 front-end features of augmented clips.

    Copy c of clip i is drawn from default_rng([seed, c, i]), so it does not depend on the other
    clips or on the order they are processed in.
    """
    if copies < 0:
        raise ValueError(f"copies={copies}: expected an integer >= 0")
    out = np.zeros((copies, len(pcms), frontend.n_features), dtype=np.int32)
    for c in range(copies):
        clips = [augment_clip(p, np.random.default_rng([seed, c, i])) for i, p in enumerate(pcms)]
        if clips:
            out[c] = batch_features(clips, frontend)
    return out

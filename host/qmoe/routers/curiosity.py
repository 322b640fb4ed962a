"""Curiosity router: Bayesian Monte-Carlo-dropout router with fixed, device-reproducible masks."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from qmoe.errors import ConfigError
from qmoe.routers.softmax import SoftmaxRouter


class CuriosityRouter(SoftmaxRouter):
    """Softmax router with dropout p on its hidden layer and T fixed dropout masks for inference.

    Training: random dropout on the hidden layer. `logits`/`gates` in eval mode: the deterministic
    pass (no mask); the router's choice is its argmax. `mc_probs`: the shared first layer once, then
    T second-layer passes, pass t on hidden * masks[t] / (1 - p). The masks (T, hidden) of 0/1 are
    drawn once from torch.Generator seeded with `mask_seed` (keep probability 1 - p) and stored as
    a buffer, so host and device run the same T passes for every input.
    """

    kind = "curiosity"

    def __init__(
        self,
        in_dim: int,
        n_experts: int,
        input_scale: float,
        hidden: int = 32,
        top_k: int = 1,
        dropout: float = 0.25,
        n_passes: int = 8,
        mask_seed: int = 0,
    ) -> None:
        super().__init__(in_dim, n_experts, input_scale, hidden, top_k)
        if not 0.0 <= float(dropout) < 1.0:
            raise ConfigError(f"curiosity router dropout {dropout} must lie in [0, 1)")
        if int(n_passes) < 1:
            raise ConfigError(f"curiosity router n_passes {n_passes} must be >= 1")
        self.dropout = float(dropout)
        self.n_passes = int(n_passes)
        self.mask_seed = int(mask_seed)
        self.drop = nn.Dropout(self.dropout)
        gen = torch.Generator().manual_seed(self.mask_seed)
        keep = torch.rand((self.n_passes, self.hidden), generator=gen) < 1.0 - self.dropout
        self.register_buffer("masks", keep.to(self.head.weight.dtype))
        self.init_kwargs.update(
            dropout=self.dropout, n_passes=self.n_passes, mask_seed=self.mask_seed
        )

    @property
    def mask_scale(self) -> float:
        """Inverted-dropout factor 1 / (1 - p) applied to the masked hidden layer."""
        return 1.0 / (1.0 - self.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.drop(self.hidden_features(x)))

    def mc_probs(self, x: Tensor) -> Tensor:
        """Softmax of each fixed-mask pass: (T, B, E)."""
        h = self.hidden_features(x)
        return torch.stack(
            [torch.softmax(self.head(h * (m * self.mask_scale)), dim=-1) for m in self.masks]
        )

    def uncertainty(self, x: Tensor) -> Tensor:
        """Epistemic uncertainty (B,): sum over experts of the population variance over T of p_t,e.

        Computed on values shifted by the first pass: identical passes (dropout 0) give exactly 0.
        """
        d = self.mc_probs(x)
        d = d - d[0]
        return ((d - d.mean(dim=0)) ** 2).mean(dim=0).sum(dim=-1)

    def export(self) -> dict:
        """SoftmaxRouter export plus the fixed masks (T, hidden) as uint8, p and 1 / (1 - p)."""
        out = super().export()
        out.update(
            masks=self.masks.detach().cpu().numpy().astype("uint8"), mask_scale=self.mask_scale
        )
        return out

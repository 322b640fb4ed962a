"""A trained qmoe model: input quantizer, experts, router and policy, with device-semantics
prediction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from qmoe.experts import Expert
from qmoe.moe import Mixture
from qmoe.routers.policy import RoutingPolicy
from qmoe.train.config import TrainConfig
from qmoe_codegen.frontend import FrontendConfig
from qmoe_codegen.inputq import InputQuant


@dataclass
class QmoeModel:
    """Everything needed to classify a feature vector the way the device will."""

    train_config: TrainConfig
    input_quant: InputQuant
    experts: list[Expert]
    router: torch.nn.Module | None
    policy: RoutingPolicy | None
    class_names: list[str]
    label_set: str
    frontend: FrontendConfig | None  # None for precomputed embeddings
    provenance: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.train_config.name

    def eval(self) -> QmoeModel:
        for e in self.experts:
            e.eval()
        if self.router is not None:
            self.router.eval()
        return self

    @torch.no_grad()
    def predict_int8(self, x8: np.ndarray) -> dict[str, np.ndarray]:
        """Classify int8 input rows: pred, expert, choice, uncertainty and logits as numpy."""
        self.eval()
        x = torch.as_tensor(np.asarray(x8, dtype=np.float32))
        if self.router is None:
            logits = self.experts[0](x)
            zeros = np.zeros(len(x), dtype=np.int64)
            return {
                "logits": logits.numpy(),
                "pred": logits.argmax(dim=1).numpy(),
                "expert": zeros,
                "choice": zeros,
                "uncertainty": np.zeros(len(x), dtype=np.float64),
            }
        out = Mixture(self.experts, self.router, self.policy).predict(x)
        return {
            k: (v.numpy() if isinstance(v, torch.Tensor) else np.asarray(v)) for k, v in out.items()
        }

    def predict_features(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Quantize raw features with the model's input quantizer, then classify."""
        return self.predict_int8(self.input_quant.apply(X))

    def expert_costs(self) -> list[dict]:
        return [e.cost() for e in self.experts]

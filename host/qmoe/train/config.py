"""What to train: one expert or a mixture, and how."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from qmoe.errors import ConfigError
from qmoe.quant import parse_weight_spec

ROUTERS = ("none", "softmax", "curiosity")
POLICIES = ("argmax", "curiosity", "budget")
NORMS = ("none", "batchnorm", "layernorm")


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run. Defaults suit the built-in dataset on 2 CPU cores."""

    experts: list[str] = field(default_factory=lambda: ["fp32"])
    router: str = "none"  # "none" (single expert), "softmax" or "curiosity"
    hidden: tuple[int, ...] = (128, 64)
    norm: str = "batchnorm"  # the paper's LayerNorm, replaced; folded into the weights at export
    dropout: float = 0.1
    epochs: int = 80  # fp32 training epochs; QAT experts warm-start from the fp32 weights
    qat_epochs: int = 40
    lr: float = 3e-3
    weight_decay: float = 1e-4
    batch_size: int = 64
    router_hidden: int = 32
    router_epochs: int = 60
    router_dropout: float = 0.25
    mc_passes: int = 8
    top_k: int = 1
    balance_weight: float = 0.01
    policy: str = "argmax"  # with the curiosity router the default becomes "curiosity"
    escalate_share: float = 0.3
    budget: float | None = None  # mean weight bytes per inference, for policy "budget"
    val_share: float = 0.2
    clip_sigmas: float = 4.0
    seed: int = 0
    # Recipe (qmoe.train.recipe, docs/accuracy.md): early stopping on the validation rows after
    # `patience` epochs without improvement (0: off), class-weighted loss, and `augment`
    # augmented copies of each training clip (used when the caller supplies their features).
    patience: int = 0
    class_weight: bool = False
    augment: int = 0

    def __post_init__(self) -> None:
        self.hidden = tuple(int(h) for h in self.hidden)
        if not self.experts:
            raise ConfigError("experts: give at least one expert spec, e.g. --experts fp32")
        for spec in self.experts:
            parse_weight_spec(spec)  # ConfigError naming the spec and the valid forms
        if self.router not in ROUTERS:
            raise ConfigError(f"router: {self.router!r} is not one of {', '.join(ROUTERS)}")
        if self.router == "none" and len(self.experts) > 1:
            raise ConfigError(
                f"experts: {len(self.experts)} experts ({','.join(self.experts)}) need a router: "
                "--router softmax or --router curiosity"
            )
        if self.router != "none" and len(self.experts) < 2:
            raise ConfigError(
                f"router {self.router!r} needs at least two experts, got {self.experts}"
            )
        if self.policy not in POLICIES:
            raise ConfigError(f"policy: {self.policy!r} is not one of {', '.join(POLICIES)}")
        if self.router == "curiosity" and self.policy == "argmax":
            self.policy = "curiosity"
        if self.policy != "argmax" and self.router != "curiosity":
            raise ConfigError(
                f"policy {self.policy!r} routes on uncertainty: it needs --router curiosity"
            )
        if self.policy == "budget" and self.budget is None:
            raise ConfigError("policy 'budget' needs --budget (mean weight bytes per inference)")
        if self.norm not in NORMS:
            raise ConfigError(f"norm: {self.norm!r} is not one of {', '.join(NORMS)}")
        if not 0.0 < self.val_share < 0.5:
            raise ConfigError(f"val_share: {self.val_share} must lie in (0, 0.5)")
        if not 1 <= self.top_k <= max(1, len(self.experts)):
            raise ConfigError(f"top_k: {self.top_k} must lie in 1..{len(self.experts)}")
        for name in ("patience", "augment"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ConfigError(f"{name}: {v!r} must be an integer >= 0")
        if not 0.0 <= self.escalate_share <= 1.0:
            raise ConfigError(f"escalate_share: {self.escalate_share} must lie in [0, 1]")

    @property
    def is_mixture(self) -> bool:
        return self.router != "none"

    @property
    def name(self) -> str:
        """Short variant name used in tables and file names, e.g. `moe-curiosity[ternary,4,8]`."""
        if not self.is_mixture:
            return self.experts[0]
        return f"moe-{self.router}[{','.join(self.experts)}]"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown training option(s): {', '.join(unknown)}")
        return cls(**d)

"""The model file (`*.qmoe`): a versioned, self-describing zip that needs no pickle to read.

    model.json   format, version, class names and label set, front-end configuration, input
    quantizer,
                 training configuration, expert and router configurations, routing policy, integer
                 exports of every quantized layer (arrays by reference), provenance, and the SHA-256
                 of arrays.npz
    arrays.npz   float parameters and buffers (state dicts, fixed dropout masks) and integer exports

Readers other than qmoe (codegen, other tools) can use json + numpy alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from qmoe import __version__
from qmoe.environment import git_commit
from qmoe.errors import ModelFileError
from qmoe.experts import Expert, ExpertConfig
from qmoe.model import QmoeModel
from qmoe.routers import CuriosityRouter, SoftmaxRouter
from qmoe.routers.policy import RoutingPolicy
from qmoe.train.config import TrainConfig
from qmoe_codegen import modelfile as codegen_modelfile
from qmoe_codegen.frontend import FrontendConfig
from qmoe_codegen.inputq import InputQuant
from qmoe_codegen.modelfile import FORMAT, VERSION, flatten, write_zip

ROUTER_TYPES = {"softmax": SoftmaxRouter, "curiosity": CuriosityRouter}


def _state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def save_model(model: QmoeModel, path: Path) -> Path:
    """Write `model` to `path` (a `.qmoe` zip). Returns the path."""
    arrays: dict[str, np.ndarray] = {}
    experts = []
    for i, e in enumerate(model.experts):
        experts.append(
            {
                "config": flatten(dict(vars(e.cfg)), f"e{i}.cfg", arrays),
                "input_scale": e.input_scale,
                "cost": e.cost(),
                "lowerable": bool(e.lowerable),
                "state": flatten(_state(e), f"expert{i}.state", arrays),
                "export": flatten(e.export(), f"expert{i}.export", arrays),
            }
        )
    router = None
    if model.router is not None:
        kind = "curiosity" if isinstance(model.router, CuriosityRouter) else "softmax"
        router = {
            "type": kind,
            "kwargs": model.router.init_kwargs,
            "state": flatten(_state(model.router), "router.state", arrays),
            "export": flatten(model.router.export(), "router.export", arrays),
        }
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "qmoe_version": __version__,
        "name": model.name,
        "class_names": list(model.class_names),
        "label_set": model.label_set,
        "frontend": model.frontend.to_dict() if model.frontend else None,
        "input_quant": model.input_quant.to_dict(),
        "train_config": model.train_config.to_dict(),
        "experts": experts,
        "router": router,
        "policy": model.policy.to_dict() if model.policy is not None else None,
        "provenance": {**model.provenance, "commit": git_commit()},
    }
    return write_zip(Path(path), meta, arrays, "model.json", "arrays_sha256")


def read_model_file(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and check a model file (no torch objects): (metadata with arrays resolved, arrays);
    ModelFileError naming the file and field otherwise."""
    return codegen_modelfile.read_model_file(path)


def _load_state(module: torch.nn.Module, state: dict, what: str, path: Path) -> None:
    tensors = {k: torch.as_tensor(np.asarray(v)) for k, v in state.items()}
    try:
        module.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise ModelFileError(
            f"{path}: {what} parameters do not match its configuration: {exc}"
        ) from exc


def load_model(path: Path) -> QmoeModel:
    """Load a model file into a ready-to-predict QmoeModel."""
    path = Path(path)
    meta, _ = read_model_file(path)
    try:
        experts = []
        for i, ed in enumerate(meta["experts"]):
            cfg = ExpertConfig(**{**ed["config"], "hidden": tuple(ed["config"]["hidden"])})
            e = Expert(cfg, float(ed["input_scale"]))
            _load_state(e, ed["state"], f"expert {i}", path)
            experts.append(e.eval())
        router = None
        if meta["router"] is not None:
            rd = meta["router"]
            if rd["type"] not in ROUTER_TYPES:
                raise ModelFileError(
                    f"{path}: router type {rd['type']!r} unknown "
                    f"(expected one of {sorted(ROUTER_TYPES)})"
                )
            router = ROUTER_TYPES[rd["type"]](**rd["kwargs"])
            _load_state(router, rd["state"], "router", path)
            router.eval()
        return QmoeModel(
            train_config=TrainConfig.from_dict(meta["train_config"]),
            input_quant=InputQuant.from_dict(meta["input_quant"]),
            experts=experts,
            router=router,
            policy=RoutingPolicy.from_dict(meta["policy"]) if meta["policy"] else None,
            class_names=list(meta["class_names"]),
            label_set=meta["label_set"],
            frontend=FrontendConfig.from_dict(meta["frontend"]) if meta["frontend"] else None,
            provenance=meta.get("provenance", {}),
        ).eval()
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{path}: model.json is missing or has a bad field: {exc!r}") from exc

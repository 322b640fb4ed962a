"""Run a `.tflite` file in a TFLite interpreter and compare it with qmoe's golden model.

Needs the optional `tflite` extra (`pip install 'qmoe[tflite]'`: the `ai-edge-litert` wheel, or
`tflite-runtime` where that is what installs). Three kernel sets can be asked for:

- "reference": TFLite's reference kernels (OpResolverType.BUILTIN_REF), the readable C++;
- "builtin": the optimized built-in kernels without delegates (what most CPUs run);
- "default": the interpreter's default, which applies the XNNPACK delegate where it can.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from qmoe.errors import ConfigError
from qmoe_codegen.ir import IR

KERNELS = ("reference", "builtin", "default")


def _interpreter(data: bytes, kernels: str):
    if kernels not in KERNELS:
        raise ConfigError(f"kernels {kernels!r}: expected one of {', '.join(KERNELS)}")
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter, OpResolverType
        except ImportError as exc:
            raise ConfigError(
                "no TFLite interpreter installed: pip install 'qmoe[tflite]' (ai-edge-litert)"
            ) from exc
    kind = {
        "reference": OpResolverType.BUILTIN_REF,
        "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        "default": OpResolverType.AUTO,
    }[kernels]
    with warnings.catch_warnings():  # keeping intermediates is what the comparison is for
        warnings.simplefilter("ignore", UserWarning)
        return Interpreter(
            model_content=data,
            experimental_op_resolver_type=kind,
            experimental_preserve_all_tensors=True,
        )


def run_tflite(
    data: bytes, x: np.ndarray, kernels: str = "reference", tensors: tuple[str, ...] = ()
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run the model on a batch x (B, D) of its input type; returns (output as int64 or float64,
    {name: value} of the named intermediate tensors)."""
    it = _interpreter(data, kernels)
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    x = np.asarray(x)
    it.resize_tensor_input(inp["index"], [len(x), x.shape[1]])
    it.allocate_tensors()
    it.set_tensor(inp["index"], x.astype(inp["dtype"]))
    it.invoke()
    y = it.get_tensor(out["index"])
    index = {d["name"]: d["index"] for d in it.get_tensor_details()}
    named = {n: it.get_tensor(index[n]).astype(np.int64) for n in tensors}
    y = y.astype(np.float64 if np.issubdtype(y.dtype, np.floating) else np.int64)
    return y, named


@dataclass
class Agreement:
    """TFLite vs the golden model on the same int8 inputs."""

    kernels: str
    rows: int
    class_agreement: float  # share of rows with the same class (ties: lowest index, as qmoe)
    logits_differ: float  # share of logits that differ
    max_logit_diff: int
    hidden_differ: list[float]  # per hidden layer, share of activations that differ
    max_hidden_diff: int
    # every logit difference is at most what the last hidden layer's differences carry through
    # the output layer's weights and multiplier, plus one rounding step: the differences start
    # in TFLite's own multiplier rounding, not in the output layer
    logits_explained: bool = True

    def line(self) -> str:
        hidden = ", ".join(f"{100 * h:.3f}" for h in self.hidden_differ) or "-"
        return (
            f"{self.kernels:9s} rows {self.rows}: class {100 * self.class_agreement:.2f} % same, "
            f"logits differ {100 * self.logits_differ:.3f} % (max {self.max_logit_diff}), "
            f"hidden activations differ {hidden} % (max {self.max_hidden_diff})"
        )


def _explained(last, logit_diff: np.ndarray, hidden_diff: np.ndarray) -> bool:
    """Whether |Δlogit| <= Σ_j |W[o, j]| |Δh_j| · M_o + 1 for every row and output o."""
    w = np.abs(last.unpacked().astype(np.float64))
    m = np.asarray(last.mult, np.float64) / np.exp2(np.asarray(last.shift, np.float64))
    bound = (np.abs(hidden_diff).astype(np.float64) @ w.T) * m + 1.0
    return bool(np.all(logit_diff <= np.ceil(bound)))


def compare(ir: IR, expert: int, data: bytes, x8: np.ndarray, kernels: str) -> Agreement:
    """Run expert `expert` of `ir` in the golden model and the exported `data` (int8 I/O, as
    `qmoe.interop.tflite.tflite_from_ir` writes it) on int8 rows x8."""
    from qmoe_codegen import golden

    layers = ir.experts[expert].layers
    names = tuple(f"layer{k}_output" for k in range(len(layers) - 1))
    y, hidden = run_tflite(data, x8, kernels, names)
    g = golden.run_expert(ir, expert, np.asarray(x8, np.int64))
    diff = np.abs(y - g[-1])
    return Agreement(
        logits_explained=_explained(layers[-1], diff, hidden[names[-1]] - g[-2]) if names else True,
        kernels=kernels,
        rows=len(x8),
        class_agreement=float(np.mean(np.argmax(y, axis=1) == np.argmax(g[-1], axis=1))),
        logits_differ=float(np.mean(diff > 0)),
        max_logit_diff=int(diff.max()) if diff.size else 0,
        hidden_differ=[float(np.mean(hidden[n] != g[k])) for k, n in enumerate(names)],
        max_hidden_diff=max(
            [int(np.abs(hidden[n] - g[k]).max()) for k, n in enumerate(names)] or [0]
        ),
    )

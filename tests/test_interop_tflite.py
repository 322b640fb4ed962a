"""TensorFlow Lite exchange: flatbuffer writer/reader, export of trained integer experts checked in
the ai-edge-litert interpreter against the golden model, import of int8 fully-connected models,
and refusals naming the operator and the file."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qmoe.errors import ConfigError, DataError
from qmoe.interop import tflite_fb as fb
from qmoe.interop.tflite import (
    exact_ir,
    tflite_effective_scale,
    tflite_from_ir,
    tflite_quantize_multiplier,
    tie_free,
)
from qmoe.interop.tflite_import import ir_from_tflite
from qmoe.modelfile import save_model
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen import golden
from qmoe_codegen.lower import lower_file

from support import run_cli

BASE = TrainConfig(epochs=20, qat_epochs=10, router_epochs=10)
SPECS = ("ptq8", "4", "ternary", "1")


@pytest.fixture(scope="module")
def irs(builtin_features, tmp_path_factory):
    fd, fe = builtin_features
    d = tmp_path_factory.mktemp("tfl")
    out = {}
    for spec in (*SPECS, "16"):
        model, _ = fit_fold(fd, replace(BASE, experts=[spec]), 1, fe)
        out[spec] = (save_model(model, d / f"{spec}.qmoe"), None)
        out[spec] = (out[spec][0], lower_file(out[spec][0]))
    mix, _ = fit_fold(fd, replace(BASE, experts=["1", "8"], router="softmax"), 1, fe)
    out["mix"] = (save_model(mix, d / "mix.qmoe"), None)
    return out


def _interp():
    return pytest.importorskip("ai_edge_litert.interpreter", reason="pip install 'qmoe[tflite]'")


def fc_model(w, b, s_in, s_w, s_out, zp_in=0, zp_out=0, act=fb.ACT_NONE, extra_ops=()):
    """A one-layer int8 FULLY_CONNECTED model (per-channel scales when s_w has several)."""
    q = lambda s, zp=0: {
        "scale": np.atleast_1d(np.float32(s)),  # noqa: E731
        "zero_point": np.full(np.size(s), zp, np.int64),
    }
    tensors = [
        fb.Tensor("x", (1, w.shape[1]), fb.INT8, **q(s_in, zp_in)),
        fb.Tensor("w", w.shape, fb.INT8, w.astype(np.int8), **q(s_w)),
        fb.Tensor(
            "b",
            (w.shape[0],),
            fb.INT32,
            b.astype(np.int32),
            **q(np.float32(s_in) * np.float32(s_w)),
        ),
        fb.Tensor("y", (1, w.shape[0]), fb.INT8, **q(s_out, zp_out)),
    ]
    ops = [fb.Operator(fb.FULLY_CONNECTED, [0, 1, 2], [3], 4, act), *extra_ops]
    return fb.write_model(fb.Model(tensors, ops, [0], [3]))


def test_flatbuffer_round_trip_and_identifier():
    w = np.arange(-6, 6).reshape(3, 4)
    data = fc_model(w, np.array([1, -2, 3]), 0.5, [0.1, 0.2, 0.3], 0.25, act=fb.ACT_RELU)
    assert data[4:8] == b"TFL3"
    m = fb.read_model(data, "m.tflite")
    assert [t.name for t in m.tensors] == ["x", "w", "b", "y"]
    assert np.array_equal(m.tensors[1].data, w) and m.tensors[1].type == fb.INT8
    assert np.allclose(m.tensors[1].scale, [0.1, 0.2, 0.3])
    assert m.operators[0].code == fb.FULLY_CONNECTED and m.operators[0].activation == fb.ACT_RELU
    assert m.inputs == [0] and m.outputs == [3]
    with pytest.raises(DataError, match=r"m\.tflite: not a TensorFlow Lite flatbuffer"):
        fb.read_model(b"PK\x03\x04 not a model", "m.tflite")
    with pytest.raises(DataError, match=r"m\.tflite: corrupt or truncated"):
        fb.read_model(data[:40], "m.tflite")


def test_generated_schema_reads_our_file():
    """The schema code that ships with ai-edge-litert parses what our builder wrote."""
    schema = pytest.importorskip("ai_edge_litert.schema_py_generated")
    data = fc_model(np.eye(2, dtype=np.int64), np.zeros(2), 1.0, [0.5, 0.25], 1.0)
    model = schema.Model.GetRootAs(data, 0)
    sg = model.Subgraphs(0)
    op = sg.Operators(0)
    assert model.OperatorCodes(op.OpcodeIndex()).BuiltinCode() == fb.FULLY_CONNECTED
    assert op.BuiltinOptionsType() == schema.BuiltinOptions.FullyConnectedOptions
    assert sg.Tensors(1).Quantization().ScaleAsNumpy().tolist() == [0.5, 0.25]


def test_multiplier_arithmetic():
    assert tflite_quantize_multiplier(0.5) == (2**30, 0)
    assert tflite_quantize_multiplier(0.25) == (2**30, -1)
    assert tflite_quantize_multiplier(1.0 - 2**-40) == (2**30, 1)  # rounds up to 1.0
    assert tflite_effective_scale(0.5, 0.25, 2.0, True) == 0.0625


@pytest.mark.parametrize("spec", SPECS)
def test_export_agrees_with_the_golden_model(irs, builtin_features, spec):
    """The reference kernels give the golden model's logits and classes, as measured."""
    _interp()
    from qmoe.interop.tflite_check import compare

    fd, _ = builtin_features
    _, ir = irs[spec]
    x8 = golden.quantize_input(ir, fd.X)
    exp = tflite_from_ir(ir, 0)
    assert exp.multiplier_error < 1e-6
    agree = compare(ir, 0, exp.data, x8, "reference")
    assert agree.class_agreement == 1.0
    # TFLite rounds its multipliers to 31 bits: a hidden activation may move by one step, and a
    # logit by what that step carries through the output layer, never more
    assert all(h <= 0.01 for h in agree.hidden_differ) and agree.max_hidden_diff <= 1
    assert agree.logits_differ <= 0.01 and agree.logits_explained, agree.line()
    # the exact IR: TFLite's own multipliers, proven tie-free, is bit-exact on any int8 input
    ex = exact_ir(ir, exp)
    assert all(tie_free(layer) for layer in ex.experts[0].layers)
    rows = np.random.default_rng(0).integers(-128, 128, (500, x8.shape[1]))
    for x in (x8, rows):
        exact = compare(ex, 0, exp.data, x, "reference")
        assert exact.logits_differ == 0 and exact.hidden_differ == [0.0, 0.0], exact.line()
    # the same file read back: the imported IR computes what TFLite computes
    imp = ir_from_tflite(exp.data, "x.tflite", list(ir.model.class_names))
    back = compare(imp.ir, 0, exp.data, rows, "reference")
    assert back.logits_differ == 0 and back.class_agreement == 1.0


def test_float_io_and_export_refusals(irs, builtin_features):
    from qmoe.interop.tflite_check import run_tflite

    _interp()
    fd, _ = builtin_features
    _, ir = irs["4"]
    exp = tflite_from_ir(ir, 0, float_io=True)
    x8 = golden.quantize_input(ir, fd.X[:20])
    y, _ = run_tflite(exp.data, (x8 * np.float32(ir.input.scale)).astype(np.float32))
    logits = golden.run(ir, x8=x8).logits
    step = ir.experts[0].layers[-1].out_scale
    assert np.max(np.abs(y / np.float32(step) - logits)) < 1e-2
    with pytest.raises(ConfigError, match=r"weight format 's16' has no int8 TFLite form"):
        tflite_from_ir(irs["16"][1], 0)
    from qmoe.interop.tflite import export_tflite

    with pytest.raises(ConfigError, match=r"a mixture; choose one expert with --expert \(0: "):
        export_tflite(irs["mix"][0], irs["mix"][0].with_suffix(".tflite"))


def test_import_folds_zero_points_as_tflite_computes(tmp_path):
    """Input and output zero points fold exactly; TFLite's integer path is reproduced."""
    _interp()
    from qmoe.interop.tflite_check import run_tflite

    rng = np.random.default_rng(1)
    w = rng.integers(-127, 128, (6, 16))
    data = fc_model(
        w,
        rng.integers(-3000, 3000, 6),
        0.043,
        rng.uniform(0.002, 0.01, 6),
        0.37,
        zp_in=-7,
        zp_out=12,
    )
    imp = ir_from_tflite(data, "q.tflite")
    assert any("input zero point -7" in n for n in imp.notes)
    x = rng.integers(-128, 128, (3000, 16))
    y, _ = run_tflite(data, x)
    g = golden.run(imp.ir, x8=x)
    assert np.array_equal(g.logits, y - 12)  # logits are the TFLite output minus its zero point
    assert np.array_equal(g.cls, np.argmax(y, axis=1))


def test_import_refuses_unsupported_models(tmp_path):
    w = np.ones((2, 3), np.int64)
    reshape = fb.Operator(22, [3], [3])
    with pytest.raises(
        DataError,
        match=r"m\.tflite: operator 1 is RESHAPE \(22\): not supported.*"
        r"qmoe imports only: FULLY_CONNECTED",
    ):
        ir_from_tflite(
            fc_model(w, np.zeros(2), 1.0, [0.5, 0.5], 1.0, extra_ops=[reshape]), "m.tflite"
        )
    with pytest.raises(DataError, match=r"fused activation TANH is not supported"):
        ir_from_tflite(fc_model(w, np.zeros(2), 1.0, [0.5, 0.5], 1.0, act=4), "m.tflite")
    float_model = fb.write_model(
        fb.Model(
            [fb.Tensor("x", (1, 3), fb.FLOAT32), fb.Tensor("y", (1, 3), fb.FLOAT32)],
            [fb.Operator(19, [0], [1])],
            [0],
            [1],
        )
    )
    with pytest.raises(DataError, match=r"operator 0 is RELU \(19\)"):
        ir_from_tflite(float_model, "f.tflite")
    (tmp_path / "x.tflite").write_bytes(b"\x00" * 64)
    r = run_cli(
        "interop", "tflite-import", str(tmp_path / "x.tflite"), "--out", str(tmp_path / "x.qir")
    )
    assert r.returncode == 2 and "x.tflite: not a TensorFlow Lite flatbuffer" in r.stderr


def test_cli_export_check_import(irs, tmp_path):
    _interp()
    path, _ = irs["ternary"]
    out = tmp_path / "t.tflite"
    r = run_cli(
        "interop",
        "tflite-export",
        str(path),
        "--out",
        str(out),
        "--exact-ir",
        str(tmp_path / "t.qir"),
    )
    assert r.returncode == 0, r.stderr
    r = run_cli(
        "interop",
        "tflite-check",
        str(out),
        str(tmp_path / "t.qir"),
        "--n",
        "300",
        "--kernels",
        "reference",
    )
    assert r.returncode == 0, r.stderr
    assert "class 100.00 % same, logits differ 0.000 % (max 0)" in r.stdout
    r = run_cli(
        "interop",
        "tflite-import",
        str(out),
        "--out",
        str(tmp_path / "i.qir"),
        "--classes",
        ",".join(f"c{i}" for i in range(10)),
    )
    assert r.returncode == 0, r.stderr
    from qmoe_codegen.ir import load_ir

    assert load_ir(tmp_path / "i.qir").class_names[9] == "c9"


def test_logit_differences_are_explained_only_by_hidden_ones(irs):
    """A logit two steps off with no hidden difference is not explained; one step is."""
    from qmoe.interop.tflite_check import _explained

    _, ir = irs[SPECS[0]]
    last = ir.experts[0].layers[-1]
    dh = np.zeros((1, last.n_in), np.int64)
    assert _explained(last, np.ones((1, last.n_out)), dh)
    assert not _explained(last, np.full((1, last.n_out), 2), dh)
    dh[0, int(np.argmax(np.abs(last.unpacked()).sum(axis=0)))] = 1  # the heaviest hidden unit
    assert _explained(last, np.ones((1, last.n_out)), dh)

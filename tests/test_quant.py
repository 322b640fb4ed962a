"""Weight formats, quantizers, ActQuant, QLinear, experts and int8 PTQ."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from qmoe.errors import ConfigError, DataError
from qmoe.experts import Expert, ExpertConfig
from qmoe.quant import (
    ActQuant,
    QLinear,
    fake_quant_weight,
    levels,
    parse_weight_spec,
    ptq_int8,
    quantize_weight,
)

torch.set_num_threads(1)

SPECS = ["ternary", "1", "2", "3", "4", "8", "16", "int8ptq"]


def _w(out: int = 16, inp: int = 40, seed: int = 0) -> torch.Tensor:
    return torch.randn(out, inp, generator=torch.Generator().manual_seed(seed))


def _x(n: int = 300, d: int = 12, seed: int = 1) -> torch.Tensor:
    return torch.randint(-128, 128, (n, d), generator=torch.Generator().manual_seed(seed)).float()


# ---------------------------------------------------------------- weight formats


@pytest.mark.parametrize(
    "text,kind,bits,label,storage",
    [
        ("fp32", "fp32", None, "fp32", 32),
        ("int8ptq", "ptq8", 8, "int8-ptq", 8),
        ("ptq8", "ptq8", 8, "int8-ptq", 8),
        ("ternary", "ternary", None, "ternary", 2),
        ("b1.58", "ternary", None, "ternary", 2),
        ("1", "bits", 1, "1-bit", 1),
        ("w4", "bits", 4, "4-bit", 4),
        ("16", "bits", 16, "16-bit", 16),
        ("4-bit", "bits", 4, "4-bit", 4),
    ],
)
def test_parse_weight_spec(text, kind, bits, label, storage):
    s = parse_weight_spec(text)
    assert (s.kind, s.bits, s.label, s.storage_bits) == (kind, bits, label, storage)
    assert parse_weight_spec(s.label) == s
    assert parse_weight_spec(s.code) == s


@pytest.mark.parametrize("bad", ["0", "17", "w", "int4ptq", "fp16", ""])
def test_parse_weight_spec_rejects(bad):
    with pytest.raises(ConfigError) as exc:
        parse_weight_spec(bad)
    assert repr(bad) in str(exc.value) and "ternary" in str(exc.value)


@pytest.mark.parametrize("k", [2, 3, 4, 5, 8, 12, 16])
def test_kbit_levels_and_scale(k):
    w = _w()
    q, s = quantize_weight(w, str(k))
    qmax = 2 ** (k - 1) - 1
    assert torch.equal(q, torch.round(q)) and q.abs().max() <= qmax
    torch.testing.assert_close(s, w.abs().amax(dim=1) / qmax)
    for row in q:
        assert len(torch.unique(row)) <= 2**k - 1 == levels(str(k))
    # the largest weight of every row maps to +-Q exactly
    assert torch.all(q.abs().amax(dim=1) == qmax)


def test_two_bit_is_three_levels():
    q, s = quantize_weight(_w(), "2")
    assert set(q.unique().tolist()) <= {-1.0, 0.0, 1.0}
    torch.testing.assert_close(s, _w().abs().amax(dim=1))


def test_one_bit_sign_and_mean_scale():
    w = _w()
    w[0, 0] = 0.0
    q, s = quantize_weight(w, "1")
    for row in q:
        assert len(torch.unique(row)) == 2
    assert torch.equal(q, torch.where(w >= 0, 1.0, -1.0)) and q[0, 0] == 1.0
    torch.testing.assert_close(s, w.abs().mean(dim=1))


def test_ternary_levels_and_mean_scale():
    w = _w()
    q, s = quantize_weight(w, "ternary")
    assert set(q.unique().tolist()) == {-1.0, 0.0, 1.0}
    torch.testing.assert_close(s, w.abs().mean(dim=1))
    torch.testing.assert_close(q, torch.clamp(torch.round(w / s[:, None]), -1, 1))


@pytest.mark.parametrize("spec", SPECS)
def test_zero_row_is_guarded(spec):
    w = _w()
    w[3] = 0.0
    q, s = quantize_weight(w, spec)
    assert torch.all(torch.isfinite(q)) and s[3] > 0
    assert torch.all((q[3] * s[3]).abs() <= 1e-7)


def test_sixteen_bit_is_nearly_identity():
    w = _w()
    fq = fake_quant_weight(w, "16")
    err = (fq - w).abs().max()
    assert err <= w.abs().max() / 32767 / 2 + 1e-7
    assert err > 0  # it is quantized, not a pass-through


@pytest.mark.parametrize("spec", SPECS)
def test_ste_gradient_is_identity(spec):
    w = _w().requires_grad_(True)
    fake_quant_weight(w, spec).sum().backward()
    assert torch.equal(w.grad, torch.ones_like(w))


def test_quantize_weight_errors():
    with pytest.raises(ConfigError, match="fp32"):
        quantize_weight(_w(), "fp32")
    with pytest.raises(ConfigError, match="2-D"):
        quantize_weight(torch.ones(3), "4")


# ---------------------------------------------------------------- activations


def test_actquant_levels_ema_and_frozen_eval():
    aq = ActQuant()
    a = torch.rand(64, 10) * 3.0
    b = torch.rand(64, 10) * 5.0
    aq.train()
    aq(a)
    assert math.isclose(aq.scale, float(a.max()) / 127, rel_tol=1e-6)
    out = aq(b)
    expect = 0.9 * float(a.max()) + 0.1 * float(b.max())
    assert math.isclose(aq.scale, expect / 127, rel_tol=1e-6)
    k = out / aq.scale
    assert torch.allclose(k, torch.round(k), atol=1e-4) and k.min() >= -128 and k.max() <= 127
    aq.eval()
    before = aq.scale
    aq(b * 100)
    assert aq.scale == before


def test_actquant_round_half_even_clamp_and_clipped_ste():
    aq = ActQuant().eval()
    aq.calibrate(torch.tensor([127.0]))  # scale 1
    x = torch.tensor([0.5, 1.5, 2.5, -0.5, 126.4, 300.0, -300.0], requires_grad=True)
    y = aq(x)
    assert y.tolist() == [0.0, 2.0, 2.0, -0.0, 126.0, 127.0, -128.0]
    y.sum().backward()
    assert x.grad.tolist() == [1, 1, 1, 1, 1, 0, 0]


def test_actquant_passthrough_until_calibrated_and_static_mode():
    aq = ActQuant(track=False)
    x = torch.rand(8, 4)
    aq.train()
    assert torch.equal(aq(x), x) and not aq.calibrated
    aq.calibrate(torch.arange(1000.0), method="percentile", percentile=50.0)
    assert math.isclose(aq.scale, float(np.percentile(np.arange(1000.0), 50.0)) / 127)
    with pytest.raises(ConfigError):
        aq.calibrate(x, method="mean")


# ---------------------------------------------------------------- QLinear and experts


def test_qlinear_export_matches_forward():
    lin = QLinear(40, 16, "4")
    ex = lin.export()
    assert ex["q"].dtype == np.int32 and ex["q"].shape == (16, 40)
    assert ex["scale"].dtype == np.float64 and ex["bias"].dtype == np.float64
    x = torch.randn(5, 40)
    ref = x.double().numpy() @ (ex["q"] * ex["scale"][:, None]).T + ex["bias"]
    np.testing.assert_allclose(lin(x).detach().numpy(), ref, rtol=1e-4, atol=1e-5)
    fp = QLinear(40, 16, "fp32").export()
    assert fp["q"] is None and fp["weight"].shape == (16, 40)


def _export_forward(ex: dict, x8: torch.Tensor) -> np.ndarray:
    """Reference forward from an expert's export alone (float arithmetic, int8 activations)."""
    h = x8.double().numpy() * ex["input_scale"]
    for layer in ex["layers"]:
        w = layer["weight"] if layer["q"] is None else layer["q"] * layer["scale"][:, None]
        h = h @ w.T + layer["bias"]
        if layer["relu"]:
            h = np.maximum(h, 0.0)
        if layer["act_scale"] is not None:
            h = np.clip(np.round(h / layer["act_scale"]), -128, 127) * layer["act_scale"]
    return h


@pytest.mark.parametrize("spec", ["ternary", "1", "4", "8"])
@pytest.mark.parametrize("norm", ["none", "batchnorm"])
def test_expert_export_reproduces_eval_forward(spec, norm):
    torch.manual_seed(0)
    e = Expert(ExpertConfig(12, 5, (24, 16), spec, norm), input_scale=0.02)
    x = _x()
    e.train()
    for _ in range(3):  # moves batch-norm statistics away from the identity
        e(x)
    e.eval()
    ex = e.export()
    assert e.lowerable and ex["spec"] == parse_weight_spec(spec).code
    assert all(lay["norm"] is None for lay in ex["layers"])
    ref = _export_forward(ex, x)
    out = e(x).detach().double().numpy()
    np.testing.assert_allclose(out, ref, atol=1e-3)
    # hidden activations are int8 levels in [0, 127] after ReLU
    h = e.hidden_features(x).detach()
    k = h / e.blocks[-1].act.scale
    assert torch.allclose(k, torch.round(k), atol=1e-3) and k.min() >= 0 and k.max() <= 127


def test_expert_lowerable_and_layernorm_export():
    assert not Expert(ExpertConfig(12, 3, spec="fp32"), 0.1).lowerable
    ln = Expert(ExpertConfig(12, 3, (8,), spec="4", norm="layernorm"), 0.1)
    assert not ln.lowerable
    ln.train()
    ln(_x())
    assert ln.export()["layers"][0]["norm"]["kind"] == "layernorm"
    untrained = Expert(ExpertConfig(12, 3, (8,), spec="4"), 0.1)
    with pytest.raises(ConfigError, match="never observed"):
        untrained.export()


def test_expert_cost_by_hand():
    # in 10 -> 8 -> 3: 80 + 24 weights
    c4 = Expert(ExpertConfig(10, 3, (8,), spec="4"), 0.1).cost()
    assert c4 == {
        "weight_bits": 416,
        "weight_bytes": (40 + 64) + (12 + 24),
        "macs": 104,
        "bits_per_weight": 4.0,
    }
    ct = Expert(ExpertConfig(10, 3, (8,), spec="ternary"), 0.1).cost()
    assert ct["weight_bits"] == 208 and ct["weight_bytes"] == (20 + 64) + (6 + 24)
    c1 = Expert(ExpertConfig(10, 3, (8,), spec="1"), 0.1).cost()
    assert c1["weight_bytes"] == (10 + 64) + (3 + 24)
    cf = Expert(ExpertConfig(10, 3, (8,), spec="fp32"), 0.1).cost()
    assert cf["weight_bytes"] == 4 * 104 + 4 * 11 and cf["bits_per_weight"] == 32.0


def test_expert_config_and_input_errors():
    with pytest.raises(ConfigError, match="norm"):
        ExpertConfig(10, 3, norm="groupnorm")
    with pytest.raises(ConfigError, match="dropout"):
        ExpertConfig(10, 3, dropout=1.0)
    with pytest.raises(ConfigError, match="'w0'"):
        ExpertConfig(10, 3, spec="w0")
    with pytest.raises(ConfigError, match="input_scale"):
        Expert(ExpertConfig(10, 3), 0.0)
    with pytest.raises(DataError, match=r"expected \(batch, 10\)"):
        Expert(ExpertConfig(10, 3), 0.1)(torch.zeros(2, 9))


def test_fp32_state_warm_starts_a_qat_expert():
    base = Expert(ExpertConfig(12, 4, (16,), "fp32", "batchnorm"), 0.05)
    qat = Expert(ExpertConfig(12, 4, (16,), "ternary", "batchnorm"), 0.05)
    missing, unexpected = qat.load_state_dict(base.state_dict(), strict=False)
    assert not unexpected and all(".act." in k for k in missing)
    assert torch.equal(qat.head.weight, base.head.weight)


# ---------------------------------------------------------------- int8 PTQ


def _trained_fp32(seed: int = 0) -> tuple[Expert, torch.Tensor]:
    torch.manual_seed(seed)
    x = _x(400, 12, seed)
    y = (x[:, 0] + x[:, 1] > 0).long() + (x[:, 2] > 40).long()
    e = Expert(ExpertConfig(12, 3, (32, 16), "fp32", "batchnorm", dropout=0.0), 0.01)
    opt = torch.optim.Adam(e.parameters(), lr=1e-2)
    e.train()
    for _ in range(40):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(e(x), y).backward()
        opt.step()
    return e.eval(), x


def test_ptq_int8_calibrates_on_given_data_only():
    base, x = _trained_fp32()
    before = {k: v.clone() for k, v in base.state_dict().items()}
    calib = x[:200]
    p = ptq_int8(base, calib)
    assert all(torch.equal(before[k], v) for k, v in base.state_dict().items())  # untouched
    assert p.cfg.spec == "ptq8" and p.spec.kind == "ptq8" and p.calibrated and p.lowerable
    with torch.no_grad():
        z0 = p.blocks[0].pre_act(calib * p.input_scale)
    assert math.isclose(p.blocks[0].act.scale, float(z0.max()) / 127, rel_tol=1e-6)
    # other data -> other scale; same data -> same expert
    assert p.blocks[0].act.scale != ptq_int8(base, x[200:]).blocks[0].act.scale
    assert torch.equal(ptq_int8(base, calib)(x), p(x))
    # PTQ weights are per-channel int8
    q = p.export()["layers"][0]["q"]
    assert np.abs(q).max() == 127


def test_ptq_int8_matches_fp32_and_survives_state_dict():
    base, x = _trained_fp32()
    p = ptq_int8(base, x)
    test = _x(1000, 12, seed=7)
    agree = (p(test).argmax(1) == base(test).argmax(1)).float().mean()
    assert agree > 0.95
    fresh = Expert(p.cfg, p.input_scale)
    fresh.load_state_dict(p.state_dict(), strict=True)
    fresh.eval()
    assert torch.equal(fresh(test), p(test))


def test_ptq_errors():
    base, x = _trained_fp32()
    with pytest.raises(ConfigError, match="not been calibrated"):
        Expert(dataclasses.replace(base.cfg, spec="int8ptq"), 0.01).export()
    with pytest.raises(ConfigError, match="fp32"):
        ptq_int8(Expert(dataclasses.replace(base.cfg, spec="4"), 0.01), x)
    with pytest.raises(DataError, match="calibration"):
        ptq_int8(base, x[:0])

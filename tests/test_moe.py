"""The mixture: training forward, device-semantics predict, router learning (qmoe.moe)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qmoe.errors import ConfigError
from qmoe.experts import Expert, ExpertConfig
from qmoe.moe import Mixture, expert_costs
from qmoe.routers import CuriosityRouter, RoutingPolicy, SoftmaxRouter

torch.set_num_threads(1)
SCALE = 0.01


def _data(n: int, seed: int):
    """Two regions (sign of x0); the label is the sign of x1 in one and of x2 in the other."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(-100, 101, (n, 8), generator=g).float()
    region = (x[:, 0] < 0).long()
    y = torch.where(region == 0, (x[:, 1] > 0).long(), (x[:, 2] > 0).long())
    return x, y, region


def _sign_expert(feature: int) -> Expert:
    """Linear fp32 expert that predicts the sign of one input feature."""
    e = Expert(ExpertConfig(8, 2, (), "fp32", dropout=0.0), SCALE)
    with torch.no_grad():
        e.head.weight.zero_()
        e.head.bias.zero_()
        e.head.weight[1, feature] = 5.0
        e.head.weight[0, feature] = -5.0
    return e.eval()


def _mixture(router_cls=CuriosityRouter, **kw) -> Mixture:
    torch.manual_seed(0)
    q = Expert(ExpertConfig(8, 2, (16,), "4"), SCALE)
    q.train()
    q(_data(64, 5)[0])
    router = router_cls(8, 3, SCALE, hidden=16, **kw)
    return Mixture([_sign_expert(1), _sign_expert(2), q.eval()], router)


def test_forward_shapes_aux_and_frozen_experts():
    m = _mixture(top_k=2).freeze_experts()
    m.train()
    assert not any(e.training for e in m.experts) and m.router.training
    x, y, _ = _data(32, 0)
    mix, aux = m(x)
    assert mix.shape == (32, 2) and aux.ndim == 0 and torch.isfinite(aux)
    m.loss(x, y).backward()
    assert all(p.grad is None for p in m.experts.parameters())
    assert m.router.head.weight.grad.abs().sum() > 0
    # precomputed expert logits give the same mixture
    m.eval()
    torch.testing.assert_close(m(x)[0], m(x, m.expert_logits(x))[0])


def test_predict_follows_the_table():
    m = _mixture(dropout=0.3)
    m.router.train()
    m.router(_data(64, 1)[0])
    x = _data(300, 2)[0]
    free = m.predict(x)
    assert torch.equal(free["expert"], free["choice"])
    u = free["uncertainty"].numpy()
    t = float(np.median(u))
    table = np.array([[0, 1, 2], [2, 2, 2]])  # uncertain half -> expert 2
    m.policy = RoutingPolicy([t], table, "curiosity")
    m.train()
    out = m.predict(x)
    assert m.training and m.router.training  # modes restored
    choice = out["choice"].numpy()
    expect = table[(u >= t).astype(int), choice]
    assert np.array_equal(out["expert"].numpy(), expect)
    assert torch.equal(out["choice"], m.router.eval().logits(x).argmax(1))
    for e in range(3):
        rows = out["expert"] == e
        if rows.any():
            torch.testing.assert_close(out["logits"][rows], m.experts[e].eval()(x[rows]))
    assert torch.equal(out["pred"], out["logits"].argmax(1))


def test_predict_softmax_router_ties_go_to_lowest_index():
    m = _mixture(SoftmaxRouter)
    with torch.no_grad():
        m.router.head.weight.zero_()
        m.router.head.bias.zero_()
    out = m.predict(_data(20, 3)[0])
    assert torch.all(out["choice"] == 0) and torch.all(out["uncertainty"] == 0)


def test_router_learns_which_expert_to_trust():
    x, y, region = _data(1024, 0)
    xt, yt, rt = _data(512, 1)
    torch.manual_seed(0)
    router = CuriosityRouter(8, 2, SCALE, hidden=16, dropout=0.25)
    m = Mixture([_sign_expert(1), _sign_expert(2)], router).freeze_experts()
    logits = m.expert_logits(x)
    opt = torch.optim.Adam(router.parameters(), lr=3e-3)
    m.train()
    losses = []
    gen = torch.Generator().manual_seed(0)
    for _ in range(250):
        idx = torch.randint(0, len(x), (64,), generator=gen)
        loss = m.loss(x[idx], y[idx], balance_weight=0.01, expert_logits=logits[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-25:]) < 0.5 * np.mean(losses[:25])
    out = m.predict(xt)
    assert (out["choice"] == rt).float().mean() > 0.9
    assert (out["pred"] == yt).float().mean() > 0.9


def test_mixture_validation_and_costs():
    m = _mixture()
    with pytest.raises(ConfigError, match="3 experts"):
        Mixture(list(m.experts)[:2], m.router)
    with pytest.raises(ConfigError, match="input_scale"):
        Mixture(list(m.experts), CuriosityRouter(8, 3, 0.5))
    with pytest.raises(ConfigError, match="columns"):
        Mixture(list(m.experts), m.router, RoutingPolicy([], np.zeros((1, 2), int), "argmax"))
    bytes_ = expert_costs(m.experts)
    assert bytes_ == [float(e.cost()["weight_bytes"]) for e in m.experts]
    bitops = expert_costs(m.experts, "bitops")
    assert bitops[0] == 16 * 32 and bitops[2] == (8 * 16 + 16 * 2) * 4
    with pytest.raises(ConfigError, match="metric"):
        expert_costs(m.experts, "joules")

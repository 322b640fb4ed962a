"""Routers (softmax, curiosity MC dropout) and routing policies (qmoe.routers)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from qmoe.errors import ConfigError, ModelFileError
from qmoe.routers import (
    CuriosityRouter,
    RoutingPolicy,
    SoftmaxRouter,
    argmax_policy,
    budget_policy,
    curiosity_policy,
    load_balance_loss,
)

torch.set_num_threads(1)


def _x(n: int = 200, d: int = 10, seed: int = 0) -> torch.Tensor:
    return torch.randint(-128, 128, (n, d), generator=torch.Generator().manual_seed(seed)).float()


def _warm(router):
    """Observe activation ranges once (as training would), then switch to eval."""
    router.train()
    with torch.no_grad():
        router(_x())
    return router.eval()


# ---------------------------------------------------------------- softmax router


@pytest.mark.parametrize("k", [1, 2, 3])
def test_softmax_router_gates(k):
    torch.manual_seed(0)
    r = _warm(SoftmaxRouter(10, 4, 0.01, hidden=16, top_k=k))
    probs, gates = r.gates(_x())
    torch.testing.assert_close(probs.sum(1), torch.ones(200))
    torch.testing.assert_close(gates.sum(1), torch.ones(200))
    assert torch.all((gates > 0).sum(1) == k)
    top = probs.topk(k, dim=1)
    torch.testing.assert_close(gates.gather(1, top.indices), top.values / top.values.sum(1, True))
    assert torch.equal(r.uncertainty(_x()), torch.zeros(200))
    assert r.logits(_x()).shape == (200, 4)


def test_top1_gate_passes_gradient():
    r = SoftmaxRouter(10, 3, 0.01, hidden=8, top_k=1)
    _, gates = r.gates(_x(16))
    (gates * torch.arange(1.0, 4.0)).sum().backward()
    assert r.head.weight.grad.abs().sum() > 0


def test_router_validation():
    with pytest.raises(ConfigError, match="top_k"):
        SoftmaxRouter(10, 3, 0.01, top_k=4)
    with pytest.raises(ConfigError, match="n_experts"):
        SoftmaxRouter(10, 1, 0.01)
    with pytest.raises(ConfigError, match="dropout"):
        CuriosityRouter(10, 3, 0.01, dropout=1.0)


def test_load_balance_loss():
    e = 4
    probs = torch.full((8, e), 0.25, requires_grad=True)
    gates = torch.eye(e).repeat(2, 1)  # each expert gets 2 of 8 inputs
    loss = load_balance_loss(probs, gates)
    assert loss.item() == pytest.approx(1.0)
    loss.backward()
    assert torch.all(probs.grad > 0)
    # everything on expert 0 with probability 0.7 -> E * 1 * 0.7
    p = torch.tensor([[0.7, 0.1, 0.1, 0.1]]).repeat(8, 1)
    g = torch.zeros(8, e)
    g[:, 0] = 1
    assert load_balance_loss(p, g).item() == pytest.approx(4 * 0.7)
    with pytest.raises(ConfigError):
        load_balance_loss(p, g[:, :3])


# ---------------------------------------------------------------- curiosity router


def test_masks_fixed_and_seeded():
    a = CuriosityRouter(10, 3, 0.01, hidden=64, dropout=0.25, n_passes=8, mask_seed=3)
    b = CuriosityRouter(10, 3, 0.01, hidden=64, dropout=0.25, n_passes=8, mask_seed=3)
    c = CuriosityRouter(10, 3, 0.01, hidden=64, dropout=0.25, n_passes=8, mask_seed=4)
    assert a.masks.shape == (8, 64)
    assert torch.equal(a.masks, b.masks) and not torch.equal(a.masks, c.masks)
    assert set(a.masks.unique().tolist()) == {0.0, 1.0}
    assert 0.6 < a.masks.mean().item() < 0.9  # keep probability 0.75
    _warm(a)
    x = _x()
    assert torch.equal(a.mc_probs(x), a.mc_probs(x))
    assert torch.equal(a.uncertainty(x), a.uncertainty(x))
    ex = a.export()
    assert ex["masks"].dtype == np.uint8 and np.array_equal(ex["masks"], a.masks.numpy())
    assert ex["mask_scale"] == pytest.approx(1 / 0.75)


def test_mc_probs_are_masked_second_layer_passes():
    r = _warm(CuriosityRouter(10, 3, 0.01, hidden=16, dropout=0.5, n_passes=4, mask_seed=1))
    x = _x(20)
    ex = r.head.export()
    w = torch.as_tensor(ex["q"] * ex["scale"][:, None], dtype=torch.float32)
    with torch.no_grad():
        h = r.hidden_features(x)
        probs = r.mc_probs(x)
    for t in range(4):
        logits = (h * r.masks[t] * 2.0) @ w.T + r.head.bias.detach()
        torch.testing.assert_close(probs[t], torch.softmax(logits, 1), rtol=1e-4, atol=1e-5)


def test_dropout_zero_gives_zero_uncertainty():
    r = _warm(CuriosityRouter(10, 3, 0.01, hidden=16, dropout=0.0, n_passes=8))
    u = r.uncertainty(_x())
    assert torch.equal(u, torch.zeros_like(u))


def test_uncertainty_is_summed_population_variance():
    torch.manual_seed(2)
    r = _warm(CuriosityRouter(10, 4, 0.01, hidden=32, dropout=0.4, n_passes=6))
    x = _x()
    p = r.mc_probs(x).detach().double().numpy()
    expect = np.var(p, axis=0).sum(axis=1)  # numpy's var is the population variance (ddof=0)
    u = r.uncertainty(x).detach().double().numpy()
    assert np.all(u >= 0) and u.max() > 0
    np.testing.assert_allclose(u, expect, rtol=1e-5, atol=1e-9)


def test_deterministic_pass_in_eval_random_in_training():
    r = _warm(CuriosityRouter(10, 3, 0.01, hidden=32, dropout=0.5))
    x = _x()
    assert torch.equal(r.logits(x), r.logits(x))
    assert torch.equal(r.logits(x), r.head(r.hidden_features(x)))
    r.train()
    assert not torch.equal(r.logits(x), r.logits(x))


def test_state_dict_round_trip_keeps_masks():
    r = _warm(CuriosityRouter(10, 3, 0.01, hidden=16, dropout=0.3, mask_seed=9))
    fresh = CuriosityRouter(**{**r.init_kwargs, "mask_seed": 0})
    fresh.load_state_dict(r.state_dict())
    fresh.eval()
    x = _x()
    assert torch.equal(fresh.masks, r.masks) and torch.equal(fresh.uncertainty(x), r.uncertainty(x))


# ---------------------------------------------------------------- policies


def _val(n: int = 500, e: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.gamma(2.0, 0.01, n), rng.integers(0, e, n)


def test_argmax_policy_is_identity():
    pol = argmax_policy(4)
    c = np.array([0, 1, 2, 3, 2])
    assert np.array_equal(pol.route(c, np.linspace(0, 5, 5)), c)


@pytest.mark.parametrize("e", [2, 3, 4])
def test_curiosity_policy_escalates_most_uncertain(e):
    u, c = _val(e=e)
    order = list(np.random.default_rng(e).permutation(e))
    pol = curiosity_policy(u, c, order, escalate_share=0.2)
    assert pol.kind == "curiosity" and pol.table.shape == (e, e)
    routed = pol.route(c, u)
    top = np.argsort(u)[-100:]
    assert np.all(routed[top] == order[-1])
    assert np.sum(routed == order[-1]) >= 100
    # the least uncertain keep the router's choice
    low = np.argsort(u)[: 500 - 100 * (e - 1)]
    assert np.array_equal(routed[low], c[low])
    # exact rule: table[b, c] = the more precise of c and order[b]
    rank = {x: i for i, x in enumerate(order)}
    for b in range(e):
        for ch in range(e):
            assert pol.table[b, ch] == max(ch, order[b], key=rank.get)


def test_table_form_reproduces_route():
    u, c = _val(e=4)
    pol = curiosity_policy(u, c, [3, 0, 2, 1], escalate_share=0.15)
    probe_u = np.concatenate([u, pol.thresholds, [0.0, 1.0]])
    probe_c = np.resize(c, probe_u.shape)
    manual = [pol.table[sum(t <= x for t in pol.thresholds), ch] for x, ch in zip(probe_u, probe_c)]
    assert np.array_equal(pol.route(probe_c, probe_u), manual)


def test_ties_are_not_split():
    u = np.zeros(100)
    c = np.zeros(100, dtype=int)
    pol = curiosity_policy(u, c, [0, 1], escalate_share=0.3)
    assert np.all(pol.route(c, u) == 0)  # one tied group: nobody can be singled out
    pol_all = curiosity_policy(u, c, [0, 1], escalate_share=1.0)
    assert np.all(pol_all.route(c, u) == 1)


def test_curiosity_policy_bins_collapse_cleanly():
    u, c = _val(e=4)
    assert np.array_equal(curiosity_policy(u, c, [0, 1, 2, 3], 0.0).table, [[0, 1, 2, 3]])
    pol = curiosity_policy(u, c, [0, 1, 2, 3], escalate_share=0.5)  # 3 * 250 > 500
    assert np.all(np.diff(pol.thresholds) > 0) and len(pol.thresholds) == 2
    routed = pol.route(c, u)
    top = np.argsort(u)[250:]
    rest = np.argsort(u)[:250]
    assert np.all(routed[top] == 3) and np.array_equal(routed[rest], np.maximum(c[rest], 2))


@pytest.mark.parametrize("budget", [10.0, 12.0, 30.0, 55.0, 80.0, 100.0])
def test_budget_policy_respects_budget(budget):
    u, c = _val(e=3)
    costs = [10.0, 40.0, 100.0]
    pol = budget_policy(u, c, [0, 1, 2], costs, budget)
    spent = np.asarray(costs)[pol.route(c, u)].mean()
    assert spent <= budget + 1e-9 and pol.achieved_cost == pytest.approx(spent)
    # another m per bin would go over the budget unless everything is already most precise
    if budget >= 100.0:
        assert np.all(pol.route(c, u) == 2)


def test_budget_policy_escalates_the_uncertain_and_demotes_the_certain():
    u, c = _val(e=2)
    costs = [1.0, 9.0]
    own = np.asarray(costs)[c].mean()  # ~5
    up = budget_policy(u, c, [0, 1], costs, own + 1.0)
    routed = up.route(c, u)
    moved = routed != c
    assert moved.any() and np.all(routed[moved] == 1)
    assert u[moved].min() >= np.median(u)  # only uncertain inputs were escalated
    down = budget_policy(u, c, [0, 1], costs, own - 1.0)
    routed = down.route(c, u)
    moved = routed != c
    assert moved.any() and np.all(routed[moved] == 0)
    assert u[moved].max() <= u[routed == 1].min()  # the least uncertain were demoted
    assert down.achieved_cost <= own - 1.0


def test_budget_policy_below_cheapest():
    u, c = _val(e=2)
    with pytest.raises(ConfigError, match=r"budget 3\.0 .* cheapest expert's cost 5\.0"):
        budget_policy(u, c, [0, 1], [5.0, 9.0], 3.0)


def test_policy_round_trip_and_validation():
    u, c = _val(e=3)
    for pol in (
        argmax_policy(3),
        curiosity_policy(u, c, [1, 0, 2]),
        budget_policy(u, c, [1, 0, 2], [2.0, 1.0, 5.0], 3.0),
    ):
        back = RoutingPolicy.from_dict(json.loads(json.dumps(pol.to_dict())))
        assert back.kind == pol.kind and back.thresholds == pol.thresholds
        assert np.array_equal(back.table, pol.table) and back.achieved_cost == pol.achieved_cost
        assert np.array_equal(back.route(c, u), pol.route(c, u))
    with pytest.raises(ModelFileError, match="table"):
        RoutingPolicy.from_dict({"kind": "argmax", "thresholds": [0.1], "table": [[0, 1]]})
    with pytest.raises(ModelFileError):
        RoutingPolicy.from_dict({"kind": "argmax"})
    with pytest.raises(ConfigError, match="ascending"):
        RoutingPolicy([0.2, 0.1], np.zeros((3, 2), dtype=int), "curiosity")
    with pytest.raises(ConfigError, match="precision_order"):
        curiosity_policy(u, c, [0, 0, 1])
    with pytest.raises(ConfigError, match="0..2"):
        argmax_policy(3).route(np.array([3]), np.array([0.0]))

"""The static buffer plan: where every activation lives in one arena, and how big the arena is.

One inference reads the int8 input X, runs the router, then one expert. Buffers (bytes):

    X              n_features int8, at offset 0, alive until the chosen expert's first layer has run
    router         h (H int8), then per pass the masked copy hm (H int8), the scores z (E int16) and
    the
                   running sums s1, s2 (E int64 each) — all alive together, after X
    expert layer k output out_k (n_out int8, or int16 for the logits)

Expert outputs alternate between the two ends of the arena: X is "output -1" at the bottom, layer 0
writes at the top, layer 1 at the bottom (X is dead by then), and so on. Two consecutive buffers
never
overlap as long as the arena holds the largest consecutive pair, so the arena is exactly the
liveness
bound max_k(size(out_{k-1}) + size(out_k)), or the router's need if that is larger.
"""

from __future__ import annotations


def _out_bytes(layer: dict) -> int:
    return int(layer["n_out"]) * (int(layer["out_bits"]) // 8)


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def router_bytes(router: dict | None) -> int:
    """Router working memory after X: h, hm, z (int16) and the int64 sums (8-byte aligned)."""
    if router is None:
        return 0
    h = int(router["hidden"]["n_out"])
    e = int(router["out"]["n_out"])
    need = _align(h, 2) + _align(h, 2) + 2 * e
    if router["kind"] == "curiosity":
        need = _align(need, 8) + 16 * e
    return need


def plan(ir: dict) -> dict:
    """Offsets of every expert layer output and the arena size; stored as ir["memory"]."""
    n_x = int(ir["input"]["n_features"])
    experts = []
    arena = 0
    for ex in ir["experts"]:
        sizes = [n_x] + [_out_bytes(layer) for layer in ex["layers"]]
        pair = max(_align(a, 4) + _align(b, 4) for a, b in zip(sizes[:-1], sizes[1:]))
        experts.append({"sizes": sizes[1:], "pair_bound": pair})
        arena = max(arena, pair)
    r_need = _align(n_x, 8) + router_bytes(ir.get("router"))
    arena = _align(max(arena, r_need), 4)
    for ex_plan in experts:
        offsets = []
        for k, size in enumerate(ex_plan["sizes"]):
            # even k: top of the arena; odd k: bottom (X, "output -1", is at the bottom)
            offsets.append(arena - _align(size, 4) if k % 2 == 0 else 0)
        ex_plan["offsets"] = offsets
        ex_plan["peak_bytes"] = ex_plan.pop("pair_bound")
    return {
        "arena_bytes": arena,
        "input_bytes": n_x,
        "router_bytes": r_need,
        "router_offset": _align(n_x, 8),
        "experts": experts,
    }

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

Kernel scratch: a fully-connected kernel may use working memory that the caller lends it
(qmoe_fc_scratch_size() in firmware/include/qmoe_fc.h; fc_scratch_bytes here, the same formula).
It depends on the layer's format and shape only, not on the board's kernel variant, so one plan
serves every board. The arena ends with one scratch region, 8-byte aligned, as large as the
largest need of any layer (router and experts), after every activation buffer:

    [ activations (the bound above) | scratch (scratch_bytes, at scratch_offset) ]
"""

from __future__ import annotations


def _out_bytes(layer: dict) -> int:
    return int(layer["n_out"]) * (int(layer["out_bits"]) // 8)


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


# firmware/kernels/qmoe_fc_internal.h: QMOE_FC_LUT_TABLE_BYTES, QMOE_FC_LUT_CHUNK_ROWS
LUT_TABLE_BYTES = 2048
LUT_CHUNK_ROWS = 320


def fc_scratch_bytes(layer: dict) -> int:
    """qmoe_fc_scratch_size() of an IR layer: the scratch its kernel may use, in bytes."""
    fmt, n_in, n_out = str(layer["format"]), int(layer["n_in"]), int(layer["n_out"])
    if fmt in ("s1", "s2", "t2", "t5"):
        return 0 if n_out == 0 else LUT_TABLE_BYTES + 4 * min(n_out, LUT_CHUNK_ROWS)
    if fmt == "s4":
        return 16 * ((n_in + 7) // 8)
    if fmt == "s8":
        return 8 * ((n_in + 3) // 4)
    return 0


def _layers(ir: dict) -> list[dict]:
    layers = [layer for ex in ir["experts"] for layer in ex["layers"]]
    router = ir.get("router")
    if router is not None:
        layers += [router["hidden"], router["out"]]
    return layers


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
    scratch = _align(max(fc_scratch_bytes(layer) for layer in _layers(ir)), 8)
    activations = _align(max(arena, r_need), 4)
    arena = activations
    for ex_plan in experts:
        offsets = []
        for k, size in enumerate(ex_plan["sizes"]):
            # even k: top of the arena; odd k: bottom (X, "output -1", is at the bottom)
            offsets.append(arena - _align(size, 4) if k % 2 == 0 else 0)
        ex_plan["offsets"] = offsets
        ex_plan["peak_bytes"] = ex_plan.pop("pair_bound")
    scratch_offset = _align(activations, 8) if scratch else activations
    return {
        "arena_bytes": scratch_offset + scratch,
        "scratch_offset": scratch_offset,
        "scratch_bytes": scratch,
        "input_bytes": n_x,
        "router_bytes": r_need,
        "router_offset": _align(n_x, 8),
        "experts": experts,
    }


def scratch_of(ir: dict) -> tuple[int, int]:
    """(offset, bytes) of the kernels' scratch in the arena; IRError for a plan without it."""
    from .errors import IRError

    mem = ir["memory"]
    if "scratch_offset" not in mem or "scratch_bytes" not in mem:
        raise IRError(
            "IR memory plan: no kernel scratch (scratch_offset, scratch_bytes); the IR was "
            "made by an older qmoe: lower the model again"
        )
    return int(mem["scratch_offset"]), int(mem["scratch_bytes"])

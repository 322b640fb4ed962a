"""The static buffer plan: where every activation lives in one arena, and how big the arena is.

One inference reads the int8 input X, runs the router, then one expert. Buffers (bytes):

    X              n_features int8, at offset 0, alive until the chosen expert's first layer has run
    router         h (H int8), then per pass the masked copy hm (H int8), the scores z (E int16) and
                   the running sums s1, s2 (E int64 each) — all alive together, after X
    expert layer k output out_k (n_out int8, or int16 for the logits)

Expert outputs alternate between the two ends of the activations: X is "output -1" at the bottom,
layer 0 writes at the top, layer 1 at the bottom (X is dead by then), and so on. Two consecutive
buffers never overlap as long as the activations hold the largest consecutive pair, so they are
exactly the liveness bound max_k(size(out_{k-1}) + size(out_k)), or the router's need if that is
larger.

Kernel scratch: a fully-connected kernel may use working memory that the caller lends it
(qmoe_fc_scratch_size() in firmware/include/qmoe_fc.h; fc_scratch_bytes here, the same formula).
It depends on the layer's format and shape only, not on the board's kernel variant, so one plan
serves every board. The arena ends with one scratch region, 8-byte aligned, as large as the
largest need of any layer (router and experts), after every activation buffer:

    [ activations (the bound above) | scratch (scratch_bytes, at scratch_offset) ]

This module is the one place the layout is computed: codegen emits every offset (the experts'
output offsets, the router's h/hm/z/s1/s2, the scratch) into the C descriptors and the model blob,
and the firmware uses them as given.
"""

from __future__ import annotations

from .errors import IRError
from .ir.types import IR, Expert, ExpertPlan, InputQuantizer, Layer, MemoryPlan, Router, RouterPlan


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


# firmware/kernels/qmoe_fc_internal.h: QMOE_FC_LUT_TABLE_BYTES, QMOE_FC_LUT_ROWS
LUT_TABLE_BYTES = 2048
LUT_ROWS = 640


def fc_scratch_bytes(layer: Layer | dict) -> int:
    """qmoe_fc_scratch_size() of a layer (an IR Layer, or a dict with format, n_in, n_out): the
    scratch its kernel may use, in bytes."""
    if isinstance(layer, Layer):
        fmt, n_in, n_out = layer.format, layer.n_in, layer.n_out
    else:
        fmt, n_in, n_out = str(layer["format"]), int(layer["n_in"]), int(layer["n_out"])
    if fmt in ("s1", "s2", "t2", "t5"):
        return 0 if n_out == 0 else LUT_TABLE_BYTES + 4 * min(n_out, LUT_ROWS)
    if fmt == "s4":
        return 16 * ((n_in + 7) // 8)
    if fmt == "s8":
        return 8 * ((n_in + 3) // 4)
    return 0


def router_plan(router: Router | None, offset: int) -> RouterPlan | None:
    """The router's buffers from arena offset `offset` (8-byte aligned): h and hm (H int8 each,
    2-byte aligned), z (E int16), then for the curiosity router s1 and s2 (E int64 each, 8-byte
    aligned)."""
    if router is None:
        return None
    h, e = router.hidden.n_out, router.out.n_out
    hm = offset + _align(h, 2)
    z = hm + _align(h, 2)
    end = z + 2 * e
    s1 = s2 = None
    if router.curiosity:
        s1 = offset + _align(end - offset, 8)
        s2 = s1 + 8 * e
        end = s2 + 8 * e
    return RouterPlan(h=offset, hm=hm, z=z, s1=s1, s2=s2, end=end)


def router_bytes(router: Router | None) -> int:
    """Router working memory after X: h, hm, z (int16) and the int64 sums (8-byte aligned)."""
    p = router_plan(router, 0)
    return 0 if p is None else p.end


def plan(inp: InputQuantizer, experts: tuple[Expert, ...], router: Router | None) -> MemoryPlan:
    """Offsets of every expert layer output, of the router's buffers and of the kernel scratch,
    and the arena size."""
    n_x = inp.n_features
    sizes, pairs = [], []
    bound = 0
    for ex in experts:
        s = [n_x] + [layer.out_bytes for layer in ex.layers]
        pair = max(_align(a, 4) + _align(b, 4) for a, b in zip(s[:-1], s[1:]))
        sizes.append(tuple(s[1:]))
        pairs.append(pair)
        bound = max(bound, pair)
    r_offset = _align(n_x, 8)
    r_need = r_offset + router_bytes(router)
    layers = [layer for ex in experts for layer in ex.layers]
    layers += [] if router is None else [router.hidden, router.out]
    scratch = _align(max(fc_scratch_bytes(layer) for layer in layers), 8)
    activations = _align(max(bound, r_need), 4)
    plans = []
    for s, pair in zip(sizes, pairs):
        # even k: top of the activations; odd k: bottom (X, "output -1", is at the bottom)
        offsets = tuple(activations - _align(n, 4) if k % 2 == 0 else 0 for k, n in enumerate(s))
        plans.append(ExpertPlan(sizes=s, offsets=offsets, peak_bytes=pair))
    scratch_offset = _align(activations, 8) if scratch else activations
    return MemoryPlan(
        arena_bytes=scratch_offset + scratch,
        input_bytes=n_x,
        router_bytes=r_need,
        router_offset=r_offset,
        experts=tuple(plans),
        scratch_offset=scratch_offset,
        scratch_bytes=scratch,
        router=router_plan(router, r_offset),
    )


def scratch_of(ir: IR) -> tuple[int, int]:
    """(offset, bytes) of the kernels' scratch in the arena; IRError for a plan without it."""
    mem = ir.memory
    if mem.scratch_offset is None or mem.scratch_bytes is None:
        raise IRError(
            "IR memory plan: no kernel scratch (scratch_offset, scratch_bytes); the IR was "
            "made by an older qmoe: lower the model again"
        )
    return mem.scratch_offset, mem.scratch_bytes

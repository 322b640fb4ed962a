"""IR -> C99 sources: const arrays (flash on every target), layer descriptors, router tables,
front-end tables and the model hash. Same IR, byte-identical files.

Files written to the output folder (never into the repository):
    qmoe_model_data.c   every array and the `const qmoe_model_t qmoe_model` descriptor
    qmoe_model_data.h   `extern const qmoe_model_t qmoe_model;` and the sizes as macros
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .cgen import assert_valid_identifier, c_array, c_string, c_struct_init, generated_banner
from .ir import GENERATOR, IR, Layer, RouterPlan
from .memory import scratch_of

_ROUTER_KIND = {"softmax": "QMOE_ROUTER_SOFTMAX", "curiosity": "QMOE_ROUTER_CURIOSITY"}
_FMT = {
    "s1": "QMOE_FMT_S1",
    "s2": "QMOE_FMT_S2",
    "t2": "QMOE_FMT_T2",
    "t5": "QMOE_FMT_T5",
    "s4": "QMOE_FMT_S4",
    "s8": "QMOE_FMT_S8",
    "s16": "QMOE_FMT_S16",
}


class _Emitter:
    """Collects array definitions and descriptor initializers under one symbol prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = assert_valid_identifier(prefix)
        self.parts: list[str] = []

    def sym(self, *names: str) -> str:
        return assert_valid_identifier("_".join([self.prefix, *names]))

    def array(self, name: str, ctype: str, values, align: int | None = None, **kw) -> str:
        self.parts.append(c_array(name, ctype, values, align=align, **kw))
        return name

    def layer(self, name: str, layer: Layer, mult=None, shift=None) -> dict[str, str]:
        """Arrays of one FC layer; returns the qmoe_fc_t field initializers."""
        w = self.array(self.sym(name, "w"), "uint8_t", layer.weights, align=4, hex_bytes=True)
        b = self.array(self.sym(name, "b"), "int32_t", layer.bias, per_line=8)
        m = self.array(
            self.sym(name, "m"), "int32_t", layer.mult if mult is None else mult, per_line=6
        )
        s = self.array(self.sym(name, "s"), "int8_t", layer.shift if shift is None else shift)
        return {
            "n_in": str(layer.n_in),
            "n_out": str(layer.n_out),
            "row_bytes": str(layer.row_bytes),
            "format": _FMT[layer.format],
            "out_bits": str(layer.out_bits),
            "out_min": str(layer.out_min),
            "out_max": str(layer.out_max),
            "weights": w,
            "bias": b,
            "mult": m,
            "shift": s,
        }


def _experts(em: _Emitter, ir: IR) -> str:
    inits = []
    for e, ex in enumerate(ir.experts):
        layers = [
            c_struct_init(em.layer(f"e{e}_l{k}", layer), 8) for k, layer in enumerate(ex.layers)
        ]
        lname = em.sym(f"e{e}", "layers")
        em.parts.append(
            f"static const qmoe_fc_t {lname}[{len(layers)}] = {{\n    "
            + ",\n    ".join(layers)
            + "\n};\n"
        )
        offs = em.array(em.sym(f"e{e}", "offsets"), "uint32_t", ir.memory.experts[e].offsets)
        inits.append(
            c_struct_init(
                {
                    "label": c_string(ex.label),
                    "n_layers": str(len(layers)),
                    "layers": lname,
                    "out_offset": offs,
                },
                8,
            )
        )
    name = em.sym("experts")
    em.parts.append(
        f"static const qmoe_expert_t {name}[{len(inits)}] = {{\n    "
        + ",\n    ".join(inits)
        + "\n};\n"
    )
    return name


def router_work_init(plan: RouterPlan) -> dict[str, str]:
    """The qmoe_router_work_t initializers: the planned arena offsets (0 for absent sums)."""
    return {
        "h": f"{plan.h}u",
        "hm": f"{plan.hm}u",
        "z": f"{plan.z}u",
        "s1": f"{plan.s1 or 0}u",
        "s2": f"{plan.s2 or 0}u",
    }


def _router(em: _Emitter, ir: IR) -> str:
    r = ir.router
    if r is None:
        return "NULL"
    fields = {
        "kind": _ROUTER_KIND[r.kind],
        "n_experts": str(r.n_experts),
        "n_passes": str(r.n_passes),
        "n_bins": str(r.n_bins),
        "hidden": c_struct_init(em.layer("router_hidden", r.hidden), 8),
        "out": c_struct_init(em.layer("router_out", r.out), 8),
    }
    if r.curiosity:
        fields["masked_mult"] = em.array(em.sym("router_mm"), "int32_t", r.masked_mult)
        fields["masked_shift"] = em.array(em.sym("router_ms"), "int8_t", r.masked_shift)
        fields["masks"] = em.array(em.sym("router_masks"), "uint8_t", r.masks)
    else:
        fields.update(masked_mult="NULL", masked_shift="NULL", masks="NULL")
    fields["exp_table"] = em.array(em.sym("router_exp"), "uint16_t", r.exp_table)
    fields["exp_len"] = str(len(r.exp_table))
    fields["logit_frac_bits"] = str(r.logit_frac_bits)
    fields["thresholds"] = (
        em.array(em.sym("router_thr"), "int64_t", r.thresholds, per_line=4)
        if len(r.thresholds)
        else "NULL"
    )
    fields["lut"] = em.array(em.sym("router_lut"), "uint8_t", r.lut)
    fields["work"] = c_struct_init(router_work_init(ir.memory.router), 8)
    name = em.sym("router")
    em.parts.append(f"static const qmoe_router_t {name} = {c_struct_init(fields)};\n")
    return "&" + name


def _frontend(em: _Emitter, ir: IR) -> tuple[str, str]:
    """(#include lines, pointer expression) for the front-end tables, or none."""
    if ir.frontend is None:
        return "", "NULL"
    from .frontend_c import frontend_c_definitions

    symbol = em.sym("frontend")
    em.parts.append(frontend_c_definitions(ir.frontend, symbol))
    return '#include "qmoe_frontend.h"\n', "&" + symbol


def emit_model(ir: IR, prefix: str = "qmoe_model") -> dict[str, str]:
    """Return {file name: contents} of the generated sources for `ir`."""
    em = _Emitter(prefix)
    digest = bytes.fromhex(ir.hash)
    fe_include, fe_ptr = _frontend(em, ir)
    hash_arr = em.array(em.sym("hash"), "uint8_t", np.frombuffer(digest, np.uint8), hex_bytes=True)
    names = [c_string(n) for n in ir.model.class_names]
    cls = em.sym("class_names")
    em.parts.append(
        f"static const char *const {cls}[{len(names)}] = {{\n    "
        + ",\n    ".join(names)
        + "\n};\n"
    )
    inp = ir.input
    if inp.kind == "frontend":
        input_init = c_struct_init(
            {
                "n_features": str(inp.n_features),
                "mu": em.array(em.sym("in_mu"), "int32_t", inp.mu, per_line=8),
                "mult": em.array(em.sym("in_mult"), "int32_t", inp.mult, per_line=6),
                "shift": em.array(em.sym("in_shift"), "int8_t", inp.shift),
            },
            8,
        )
    else:
        input_init = c_struct_init(
            {"n_features": str(inp.n_features), "mu": "NULL", "mult": "NULL", "shift": "NULL"}, 8
        )
    experts = _experts(em, ir)
    router = _router(em, ir)
    model = c_struct_init(
        {
            "hash": hash_arr,
            "name": c_string(ir.model.name),
            "n_classes": str(len(names)),
            "class_names": cls,
            "input_kind": "QMOE_INPUT_FRONTEND"
            if inp.kind == "frontend"
            else "QMOE_INPUT_FEATURES",
            "frontend": fe_ptr,
            "input": input_init,
            "n_experts": str(len(ir.experts)),
            "experts": experts,
            "router": router,
            "arena_bytes": f"{ir.memory.arena_bytes}u",
            "scratch_offset": f"{scratch_of(ir)[0]}u",
            "scratch_bytes": f"{scratch_of(ir)[1]}u",
            "flash_bytes": f"{ir.sizes.total_flash_bytes}u",
        }
    )
    banner = generated_banner(GENERATOR, ir.hash, ir.model.source.file)
    guard = prefix.upper() + "_DATA_H"
    fe_scratch = 0
    if ir.frontend is not None:
        from .frontend_c import frontend_scratch_size

        fe_scratch = frontend_scratch_size(ir.frontend)
    header = (
        f'{banner}#ifndef {guard}\n#define {guard}\n\n#include "qmoe_model.h"\n\n'
        f"#define {prefix.upper()}_ARENA_BYTES {ir.memory.arena_bytes}u\n"
        f"#define {prefix.upper()}_N_FEATURES {inp.n_features}u\n"
        f"#define {prefix.upper()}_N_CLASSES {len(names)}u\n"
        f"#define {prefix.upper()}_FRONTEND_SCRATCH_BYTES {fe_scratch}u\n\n"
        f"extern const qmoe_model_t {prefix};\n\n#endif /* {guard} */\n"
    )
    source = (
        f'{banner}#include <stddef.h>\n#include <stdint.h>\n\n#include "qmoe_compiler.h"\n'
        f'{fe_include}#include "qmoe_model.h"\n#include "{prefix}_data.h"\n\n'
        + "\n".join(em.parts)
        + f"\nconst qmoe_model_t {prefix} = {model};\n"
    )
    return {f"{prefix}_data.c": source, f"{prefix}_data.h": header}


def write_model_sources(ir: IR, out_dir: Path, prefix: str = "qmoe_model") -> list[Path]:
    """Write the generated files to `out_dir`; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in emit_model(ir, prefix).items():
        p = out_dir / name
        p.write_text(text)
        paths.append(p)
    return paths

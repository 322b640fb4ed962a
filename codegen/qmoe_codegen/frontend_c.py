"""C emitter for the front end: the integer tables of `build_tables(cfg)` and the `qmoe_frontend_t`
initializer that firmware/include/qmoe_frontend.h declares.

The firmware never recomputes a table: everything it needs comes from here, so the C front end
computes exactly what `qmoe_codegen.frontend` does (docs/frontend.md, "C implementation").
"""

from __future__ import annotations

from .cgen import assert_valid_identifier, c_array, c_struct_init, generated_banner
from .frontend import FrontendConfig, build_tables

__all__ = [
    "frontend_c_declaration",
    "frontend_c_definitions",
    "frontend_c_source",
    "frontend_scratch_size",
]

GENERATOR = "qmoe_codegen.frontend_c"

# (field of FrontendTables, C element type) in the order of qmoe_frontend_t's pointers.
_TABLES = (
    ("window", "int16_t"),
    ("twiddle_cos", "int16_t"),
    ("twiddle_sin", "int16_t"),
    ("bitrev", "uint16_t"),
    ("mel_start", "uint16_t"),
    ("mel_len", "uint16_t"),
    ("mel_offset", "uint16_t"),
    ("mel_weights", "uint16_t"),
    ("log2_table", "uint16_t"),
)


def frontend_scratch_size(cfg: FrontendConfig) -> int:
    """Bytes of scratch `qmoe_frontend_scratch_size()` returns for `cfg`:
    10 n_fft + (20 + 8 [drms] + 2 [min] + 2 [max]) n_mels.

    S2 (uint64), S1, D, the latest L (32-bit) per band, and only for the statistics that need
    them D2 (uint64, drms), the min and the max of L (uint16); re, im (int32) and the ring
    (int16) per FFT point. The memory plan reserves this much, aligned to 8 bytes.
    """
    extra = {"drms": 8, "min": 2, "max": 2}
    per_band = 20 + sum(extra.get(s, 0) for s in cfg.stats)
    return per_band * cfg.n_mels + 10 * cfg.n_fft


def frontend_c_definitions(cfg: FrontendConfig, symbol: str = "qmoe_frontend") -> str:
    """C definitions for `cfg`: `static const` tables `<symbol>_<table>` and the non-static
    `const qmoe_frontend_t <symbol>`. Needs qmoe_frontend.h included before it.

    Raises CodegenError if `symbol` is not a C identifier (FrontendError comes from `cfg`).
    """
    assert_valid_identifier(symbol)
    t = build_tables(cfg)
    arrays = [c_array(f"{symbol}_{name}", ctype, getattr(t, name)) for name, ctype in _TABLES]
    fields = {
        "sample_rate": f"{cfg.sample_rate}u",
        "n_fft": str(cfg.n_fft),
        "hop": str(cfg.hop),
        "n_mels": str(cfg.n_mels),
        "n_mel_weights": str(t.mel_weights.shape[0]),
        "log2_n_fft": str(cfg.n_fft.bit_length() - 1),
        "input_shift": str(t.input_shift),
        "power_shift": str(t.power_shift),
        "stats": f"0x{cfg.stats_mask:02X}u",
    }
    fields.update({name: f"{symbol}_{name}" for name, _ in _TABLES})
    settings = ", ".join(f"{k}={v}" for k, v in cfg.to_dict().items())
    return (
        f"/* Front end: {settings}. */\n"
        + "\n".join(arrays)
        + "\n"
        + f"const qmoe_frontend_t {symbol} = {c_struct_init(fields)};\n"
    )


def frontend_c_declaration(symbol: str = "qmoe_frontend") -> str:
    """The `extern` declaration matching `frontend_c_definitions(cfg, symbol)`."""
    return f"extern const qmoe_frontend_t {assert_valid_identifier(symbol)};\n"


def frontend_c_source(cfgs: dict[str, FrontendConfig], model_hash: str) -> str:
    """A complete generated .c file: banner, includes and the definitions of each config, keyed
    by its symbol (a model has one front end; tests compile several into one harness)."""
    parts = [
        generated_banner(GENERATOR, model_hash),
        "#include <stdint.h>\n\n",
        '#include "qmoe_frontend.h"\n\n',
    ]
    parts += [frontend_c_definitions(cfg, symbol) + "\n" for symbol, cfg in cfgs.items()]
    return "".join(parts)

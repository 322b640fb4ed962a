"""The integer IR: what codegen, the golden model and the firmware need, and nothing from PyTorch.

Typed and frozen (`types`): an `IR` holds the model's identity (`ModelInfo`), the front-end
configuration (`FrontendConfig` or None), the input quantizer, the experts and their layers, the
router, the memory plan and the size report. docs/ir.md has every field.

    build(content)    content sections (dicts or typed) -> planned, sized, validated, sealed IR
    rebuild(ir, router=...)  the same with some sections replaced (the IR is immutable)
    load_ir(path)     a `.qir` file -> IR (version, arrays digest, content hash, structure, values)
    save_ir(ir, path) IR -> `.qir` file
    to_dict / from_dict  IR <-> the JSON-able dict the file and the content hash are made of
    validate(ir)      the semantic checks; IRError naming the layer or field

`hash` is the SHA-256 of the dict form's content (everything but `hash` and `generator`), so the
device can report which model it runs; the same model always gives the same hash, whichever form
it passed through.
"""

from .check import (
    SCHEMA,
    SCHEMA_VERSION,
    SUPPORTED_FORMATS,
    check_capacity,
    validate,
    validate_content,
    validate_layer,
)
from .convert import from_dict, to_dict
from .files import (
    GENERATOR,
    build,
    check_sealed,
    content_hash,
    from_sealed_dict,
    load_ir,
    rebuild,
    save_ir,
    seal,
)
from .types import (
    IR,
    Expert,
    ExpertPlan,
    InputQuantizer,
    Layer,
    LayerSize,
    MemoryPlan,
    ModelInfo,
    ModelSource,
    Router,
    RouterPlan,
    SizeReport,
)


def layer_weights(layer: Layer):
    """The layer's integer weights (n_out, n_in), unpacked."""
    return layer.unpacked()


__all__ = [
    "GENERATOR",
    "IR",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SUPPORTED_FORMATS",
    "Expert",
    "ExpertPlan",
    "InputQuantizer",
    "Layer",
    "LayerSize",
    "MemoryPlan",
    "ModelInfo",
    "ModelSource",
    "Router",
    "RouterPlan",
    "SizeReport",
    "build",
    "check_capacity",
    "check_sealed",
    "content_hash",
    "from_dict",
    "from_sealed_dict",
    "layer_weights",
    "load_ir",
    "rebuild",
    "save_ir",
    "seal",
    "to_dict",
    "validate",
    "validate_content",
    "validate_layer",
]

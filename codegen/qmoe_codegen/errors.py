"""Errors raised by qmoe_codegen. Each names the file, layer or field at fault and what was
expected.
"""

from __future__ import annotations


class CodegenError(ValueError):
    """Base class of every error qmoe_codegen raises on bad input."""


class ModelFormatError(CodegenError):
    """A model file is missing, corrupt, from an incompatible version, or inconsistent."""


class IRError(CodegenError):
    """An IR file or an IR being built violates the schema (names the layer or field)."""

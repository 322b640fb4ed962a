"""Every error qmoe raises on bad input, rooted in one class (QmoeError) that the CLI turns into
`error: <message>` and exit status 2. Each message names the file, layer, field or byte at fault
and what was expected.

The root lives here, in the numpy-only codegen package, so that both packages share it: qmoe
(the host) re-exports these from qmoe.errors and adds its own subclasses.
"""

from __future__ import annotations


class QmoeError(Exception):
    """Base class of every error a user can cause; the CLI prints it and exits with status 2."""


class CodegenError(QmoeError, ValueError):
    """An error of the codegen layer: lowering, packing, the IR, blobs, the front-end contract."""


class ModelFileError(CodegenError):
    """A model file is missing, corrupt, from an incompatible version, or inconsistent."""


ModelFormatError = ModelFileError  # the name codegen used before the two were one class


class IRError(CodegenError):
    """An IR file or an IR being built violates the schema (names the layer or field)."""


class PackingError(CodegenError):
    """A value does not fit its weight format, a format or option is unknown, or packed data is
    bad (docs/packing.md)."""


class FrontendError(CodegenError):
    """A front-end configuration field or an input signal is out of range or malformed."""

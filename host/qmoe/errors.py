"""Errors a user sees. Each names the file, field or byte at fault and what was expected.

One root, QmoeError (defined in qmoe_codegen.errors so that the numpy-only codegen package shares
it): the CLI prints any QmoeError as `error: <message>` and exits with status 2.
"""

from __future__ import annotations

from qmoe_codegen.errors import (
    CodegenError,
    FrontendError,
    IRError,
    ModelFileError,
    PackingError,
    QmoeError,
)

__all__ = [
    "CodegenError",
    "ConfigError",
    "DataError",
    "FrontendError",
    "IRError",
    "ModelFileError",
    "PackingError",
    "QmoeError",
]


class DataError(QmoeError):
    """A dataset, audio file or CSV is missing, malformed or inconsistent."""


class ConfigError(QmoeError):
    """An option or configuration value is out of range or inconsistent."""

"""Errors a user sees. Each names the file, field or byte at fault and what was expected."""

from __future__ import annotations


class QmoeError(Exception):
    """Base class: the CLI prints these as `error: <message>` and exits with status 2."""


class DataError(QmoeError):
    """A dataset, audio file or CSV is missing, malformed or inconsistent."""


class ConfigError(QmoeError):
    """An option or configuration value is out of range or inconsistent."""


class ModelFileError(QmoeError):
    """A model file is corrupt, from an incompatible version, or inconsistent."""

"""The errors of building and running firmware."""

from __future__ import annotations

from qmoe.errors import ConfigError, QmoeError


class BoardError(QmoeError):
    """A board's firmware failed to build, or its process failed to start or died."""


class DoesNotFit(ConfigError):
    """The model, or the linked firmware image, needs more flash or RAM than the board has."""

"""qmoe: curiosity-driven quantized Mixture-of-Experts, from PyTorch to microcontrollers."""

from qmoe_codegen import __version__

__all__ = ["__version__"]

"""qmoe_codegen: the firmware's mirror in Python, numpy only (docs/ir.md).

`__version__` is qmoe's one version string: pyproject.toml reads it, `qmoe.__version__` is it, and
the IR's generator field and the firmware's runtime version come from it.
"""

__version__ = "0.1.0"

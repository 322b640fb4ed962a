"""Packaging hook: a wheel carries the C runtime (firmware/), the board profiles (boards/) and the
MicroPython module they refer to (micropython/) as package data under qmoe/_tree/, where
qmoe.paths finds them. Everything else is in pyproject.toml.
An editable install finds them in the checkout instead.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
TREE = ("firmware", "boards", "micropython")
SKIP = shutil.ignore_patterns("__pycache__", "*.o", "*.elf", "*.map")


class build_py_with_tree(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return
        for name in TREE:
            target = Path(self.build_lib) / "qmoe" / "_tree" / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(ROOT / name, target, ignore=SKIP)


setup(cmdclass={"build_py": build_py_with_tree})

#!/usr/bin/env python3
"""Damaged-file exploration of every host reader: N random truncations and bit flips each.

    python bench/reader_fuzz.py [--examples 2000] [--quick]

Runs tests/test_reader_fuzz.py with QMOE_READER_EXAMPLES=N (random, not the fixed CI cases) and
prints one row per reader: cases tried, outcome, seconds. The rule each case checks: the project's
own error naming the file, or a load equal to what was written (model, IR) or well-formed (text
formats); never another exception. --quick: 20 cases per reader.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = ROOT / "tests" / "test_reader_fuzz.py"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 20 if args.quick else args.examples
    env = {**os.environ, "QMOE_READER_EXAMPLES": str(n)}
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(TEST), "-q", "-rA", "-p", "no:cacheprovider",
         "--durations=0"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    took = time.monotonic() - t0
    durations = {
        m.group(2): float(m.group(1))
        for m in re.finditer(r"^([\d.]+)s call\s+\S+::(\w+)", proc.stdout, re.M)
    }
    outcome = {
        m.group(2): m.group(1)
        for m in re.finditer(r"^(PASSED|FAILED|ERROR) \S+::(\w+)", proc.stdout, re.M)
    }
    print(f"{'reader test':48s} {'cases':>6s} {'result':>7s} {'seconds':>8s}")
    for name in sorted(outcome):
        cases = n if name.startswith("test_damaged") else 1
        print(f"{name:48s} {cases:6d} {outcome[name]:>7s} {durations.get(name, 0.0):8.1f}")
    print(f"total {took:.0f} s; random cases per reader: {n}")
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())

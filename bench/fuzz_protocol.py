#!/usr/bin/env python3
"""The long fuzzing run: every libFuzzer target of tests/fuzz/ for >= 10^7 executions.

    python bench/fuzz_protocol.py [--runs 10000000] [--jobs 2] [--quick]

Builds the harnesses (tools/fuzz.py: clang, AddressSanitizer, UndefinedBehaviorSanitizer) and
runs each target for --runs executions with --jobs libFuzzer workers, printing executions, time,
corpus size and findings per target. Target: zero findings at 10^7 executions. --quick: the
parser and codec targets for 5 seconds each (a smoke test of this command, not a result).
Expect about 15 minutes for the frame target and 45 CPU-minutes for the app target at 10^7.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz-bench")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cmd = [sys.executable, str(ROOT / "tools" / "fuzz.py"), "--out", str(args.out)]
    if args.quick:
        cmd += ["--seconds", "5", "--target", "frame", "--target", "msg"]
        print("quick mode: 5 s per target, parser and codec only (not the 10^7 result)")
    else:
        cmd += ["--runs", str(args.runs), "--jobs", str(args.jobs)]
        print(f"fuzzing every target for {args.runs:,} executions ({args.jobs} workers)")
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())

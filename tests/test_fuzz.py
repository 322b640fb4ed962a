"""libFuzzer harnesses (tests/fuzz/, tools/fuzz.py): a short bounded run of every target on each
change, the regression inputs replayed, and proof that the harness catches a real defect.

The long run (>= 10^7 executions per target) is `bench/fuzz_protocol.py`; `make fuzz` runs 60 s per
target. Each target is built with clang, AddressSanitizer and UndefinedBehaviorSanitizer.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "tools" / "fuzz.py"
SECONDS_PER_TARGET = 10


def _clang() -> str:
    for name in ("clang-14", "clang"):
        if shutil.which(name):
            return name
    pytest.skip("clang is not installed (tools/setup-toolchains.sh installs clang-14)")


@pytest.mark.slow
def test_every_target_runs_clean(tmp_path):
    _clang()
    proc = subprocess.run(
        [sys.executable, str(FUZZ), "--seconds", str(SECONDS_PER_TARGET), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines()[1:] if line.strip()]
    got = {r[0]: r for r in rows}
    assert set(got) == {"frame", "msg", "app", "app-empty", "blob"}, proc.stdout
    for target, (_, execs, _secs, _rate, corpus, findings) in got.items():
        assert int(findings) == 0, f"{target}: {proc.stdout}"
        assert int(execs) > 1000, f"{target} barely ran: {proc.stdout}"
        assert int(corpus) > 10, f"{target} found no new coverage: {proc.stdout}"


def test_harness_catches_a_broken_error_packer(tmp_path):
    """Revert the ERROR packer's printable-ASCII rule in a copy of the firmware: the regression
    input that found it must crash the harness again, and pass against the real source."""
    clang = _clang()
    protocol = tmp_path / "protocol"
    shutil.copytree(ROOT / "firmware" / "protocol", protocol)
    src = protocol / "qmoe_msg.c"
    text = src.read_text()
    fixed = "(c >= 0x20u && c <= 0x7Eu) ? c : (uint8_t)'?'"
    assert fixed in text
    src.write_text(text.replace(fixed, "c"))
    regression = ROOT / "tests" / "fuzz" / "regressions" / "msg" / "error-detail-nonprintable"
    flags = [
        "-std=c99", "-g", "-O1", "-fsanitize=fuzzer,address,undefined",
        f"-I{ROOT / 'firmware' / 'include'}",
    ]  # fmt: skip
    for name, folder in (("broken", protocol), ("real", ROOT / "firmware" / "protocol")):
        exe = tmp_path / f"fuzz_msg_{name}"
        subprocess.run(
            [clang, *flags, str(ROOT / "tests" / "fuzz" / "fuzz_msg.c"),
             *map(str, sorted(folder.glob("*.c"))), "-o", str(exe)],
            check=True, capture_output=True,
        )  # fmt: skip
        proc = subprocess.run([str(exe), str(regression)], capture_output=True, text=True)
        if name == "broken":
            assert proc.returncode != 0 and "non-printable" in proc.stderr
        else:
            assert proc.returncode == 0, proc.stderr


def test_executions_are_read_from_every_libfuzzer_mode():
    """One worker ends with final stats; -fork's parent prints "#N: cov:" lines and its closing
    count, while the workers' stats stay in their own logs (a 10^7 run once read as 0)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("qmoe_tools_fuzz", FUZZ)
    fuzz = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fuzz  # its dataclasses look their module up
    spec.loader.exec_module(fuzz)
    single = (
        "#1024\tpulse  cov: 80 ft: 400\n#2048\tNEW cov: 81\nstat::number_of_executed_units: 2311\n"
    )
    fork = (
        "#9790285: cov: 204 ft: 453 corp: 129 exec/s 1817 oom/timeout/crash: 0/0/0 time: 1376s\n"
        "#10049165: cov: 204 ft: 453 corp: 129 exec/s 3498 oom/timeout/crash: 0/0/0 time: 1414s\n"
        "INFO: fuzzed for 10049165 iterations, wrapping up soon\nINFO: exiting: 0 time: 1414s\n"
    )
    cut_short = "#512\tINITED cov: 70\n#4096\tpulse  cov: 80\n"
    assert fuzz.executions(single) == 2311
    assert fuzz.executions(fork) == 10_049_165
    assert fuzz.executions(fork.rsplit("INFO: fuzzed", 1)[0]) == 10_049_165
    assert fuzz.executions(cut_short) == 4096
    # -fork stopped with Ctrl-C: a worker's own final stats land in the parent's output
    stopped = fork.rsplit("INFO: fuzzed", 1)[0] + "#1150\tREDUCE cov: 359\n" + single
    assert fuzz.executions(stopped) == 10_049_165
    assert fuzz.executions("") == 0

"""Every script under bench/ runs in its quick mode and prints its table, so that a command the
README cites cannot rot unnoticed. Each is run as a user runs it, `python bench/<name>.py --quick`,
in a scratch folder; the full runs (minutes) stay out of the suite.

A script added to bench/ is picked up here: it must accept --quick, exit 0 and print a table
(a line with at least two numbers). The scripts listed in EXPECT must also print their header and
rows of the form given.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if not p.name.startswith("_"))
TIMEOUT_S = 600
NUMBER = r"-?\d+(?:\.\d+)?"

# script -> (extra arguments (OUT is the scratch folder), tools it needs, patterns its output must
# match, each at the start of some line)
EXPECT: dict[str, tuple[list[str], list[str], list[str]]] = {
    "accuracy_ablation.py": (
        ["--out", "OUT"],
        ["espeak-ng"],
        [
            r"dataset\s+model\s+features\s+recipe\s+macro-F1 %\s+accuracy %\s+wall s$",
            rf"built-in\s+sklearn MLP baseline\s+float 40 mels\s+-\s+{NUMBER} ±",
            rf"speech\s+qmoe fp32\s+msmd40\s+full\s+{NUMBER} ±",
            rf"speech\s+qmoe 4\s+msmd40\s+plain\s+{NUMBER} ±",
            r"features\s+n_features\s+emulated instr / 1-s clip\s+RAM B\s+tables B$",
            r"basic32\s+96\s+(\d+|n/a)\s+5760\s+4806$",
        ],
    ),
    "board_sizes.py": (
        ["--out", "OUT"],
        ["gcc"],
        [
            r"board\s+core\s+flash B\s+of\s+RAM B\s+of\s+model flash\s+arena\s+fe scratch$",
            r"native\s+host\s+\d+\s+-\s+\d+\s+-\s+\d+\s+\d+\s+\d+$",
            r"board\s+flags\s+variant\s+kernels\s+model\+router\s+front end\s+protocol",
            r"\w[\w-]*\s+-O\w?\s+[\w-]+(\s+\d+){6}",
        ],
    ),
    "cv_variants.py": (
        ["--out", "OUT"],
        [],
        [
            r"variant\s+macro-F1 %\s+accuracy %\s+wall s$",
            rf"fp32\s+{NUMBER} ±\s+{NUMBER}\s+{NUMBER} ±\s+{NUMBER}\s+{NUMBER}$",
            rf"moe-curiosity\[ternary,4,8\]\s+{NUMBER} ±",
            rf"  layernorm\s+macro-F1\s+{NUMBER} %",
        ],
    ),
    "frontend_closeness.py": (
        [],
        [],
        [
            r"signal\s+log-mel, all\s+log-mel, <60dB\s+features$",
            rf"sine 1000 Hz \+0 dBFS\s+{NUMBER}/\s*{NUMBER}",
            r"batch_features: 10 clips x 2 s",
        ],
    ),
    "golden_agreement.py": (
        [],
        [],
        [
            r"variant\s+clips\s+class agree\s+expert agree\s+acc host\s+acc golden",
            rf"ptq8\s+\d+\s+{NUMBER}%\s+{NUMBER}%",
            rf"moe-curiosity_ternary_4_8\s+\d+\s+{NUMBER}%",
        ],
    ),
    "inference_qemu.py": (
        [],
        ["arm-none-eabi-gcc", "qemu-system-arm"],
        [
            r"board\s+network\s+format\s+MAC\s+input\s+router\s+expert\s+total\s+/MAC",
            rf"qemu-m4\s+160→128→64→10\s+s8\s+29312(\s+{NUMBER}){{8}}\s+ok$",
            rf"qemu-m4\s+160→128→64→10\s+curiosity\[t,4,8\](\s+{NUMBER}){{9}}\s+ok$",
            r"curiosity router on qemu-m4 .* masked passes",
            rf"160→128→64→10\s+188870\s+6.44\s+67911\s+2.32\s+2584\s+{NUMBER}",
            r"answers differing from the golden model: 0$",
        ],
    ),
    "kernels_callgrind.py": (
        [],
        ["valgrind", "gcc"],
        [
            r"\| 160→128→64→10 \| 160→128 \| 128→64 \| 64→10 \| network \|$",
            rf"\| qmoe_fc_w8a8 \(s8\)( \| {NUMBER}){{4}} \|$",
        ],
    ),
    "kernels_qemu.py": (
        [],
        ["arm-none-eabi-gcc", "qemu-system-arm"],
        [
            r"Emulated instructions per multiply-accumulate on qemu-m4",
            r"\| 160→128→64→10 \|",
            rf"\| qmoe_fc_w8a8 \(s8\)( \| {NUMBER}){{8}}",
        ],
    ),
    "report_screenshot.py": (
        ["--out", "OUT"],
        ["chromium"],
        [
            r"window px\s+details\s+content px\s+height px\s+past edge\s+scrolls\s+fits$",
            r"\s+1280\s+closed\s+1280\s+\d+\s+0\s+0\s+yes$",
            r"\s+800\s+open\s+800\s+\d+\s+0\s+0\s+yes$",
        ],
    ),
    "router_study.py": (
        ["--out", "OUT"],
        ["gcc"],
        [
            r"router study: 2 seeds × 2 folds × 2 routers on (qemu-m4|native \(qemu-m4 needs )",
            r"comparison\s+effect \[95 % CI\]\s+p\s+Holm p\s+seeds signif\.\s+same dir\.$",
            r"latency spread, Brown–Forsythe\s+[+-]\d+\.\d % \[[+-]\d+\.\d, [+-]\d+\.\d\]",
            r"device macro-F1, paired t\s+[+-]\d+\.\d points",
            r"- latency spread .*\d of 2 seeds significant alone, \d of 2 in the same direction",
            r"total wall time: \d+ s",
        ],
    ),
    "set_input_qemu.py": (
        [],
        ["arm-none-eabi-gcc", "qemu-system-arm"],
        [
            r"model\s+bytes\s+before\s+after\s+/byte before\s+/byte after\s+speed-up",
            rf"small 96→128→64→10 1-bit\s+96(\s+{NUMBER}){{4}}\s+{NUMBER}×\s+{NUMBER}%"
            rf"\s+{NUMBER}%\s+0$",
        ],
    ),
}
FAST = {"frontend_closeness.py", "kernels_callgrind.py"}  # under ~10 s; the others are slow


PARAMS = [
    pytest.param(name, marks=[] if name in FAST else [pytest.mark.slow], id=name)
    for name in SCRIPTS
]


@pytest.mark.parametrize("name", PARAMS)
def test_bench_script_quick_mode_prints_its_table(name, tmp_path):
    extra, tools, patterns = EXPECT.get(name, ([], [], []))
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{name} needs {', '.join(missing)} (tools/setup-toolchains.sh installs it)")
    args = [str(tmp_path / "out") if a == "OUT" else a for a in extra]
    proc = subprocess.run(
        [sys.executable, str(BENCH / name), "--quick", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, f"{name} --quick exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    table = [line for line in out.splitlines() if len(re.findall(NUMBER, line)) >= 2]
    assert table, f"{name} --quick printed no table:\n{out}"
    if name == "board_sizes.py" and shutil.which("arm-none-eabi-gcc"):
        # a real board: our objects cross-compiled (marked *), and what only its build shows
        patterns = [*patterns, r"nano33ble\s+cortex-m4f\s+\d+\*", r".*only the board's own build"]
    for pattern in patterns:
        assert re.search("^" + pattern, out, re.M), f"{name}: no line matches {pattern!r}:\n{out}"


def test_every_bench_script_is_documented_with_quick():
    """Each script's docstring names its --quick mode, as README's bench list points there."""
    for name in SCRIPTS:
        text = (BENCH / name).read_text(encoding="utf-8")
        assert "--quick" in text.split('"""')[1], f"bench/{name}: docstring does not name --quick"

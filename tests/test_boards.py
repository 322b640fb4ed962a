"""Board profiles, builds and the boards that run here, proven with the echo app.

The echo app (boards/common/echo_main.c) echoes bytes, answers '?' with
"board=<name> counter=<n>" and '!' with the counter delta of a spin loop of known length.
Tests that need a cross compiler or QEMU skip, with the reason, only when that binary is absent
(tools/setup-toolchains.sh installs them; CI runs it).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import pytest
import serial

from qmoe import boards
from qmoe.device.errors import BoardError
from qmoe.device.run import start
from qmoe.device.toolchain import compile_firmware, section_sizes
from qmoe.errors import ConfigError
from qmoe.paths import boards_dir

from support.firmware import need_tools

REPO = Path(__file__).resolve().parents[1]
ECHO = REPO / "boards" / "common" / "echo_main.c"
SETUP = REPO / "tools" / "setup-toolchains.sh"
SPIN_INSTRUCTIONS = 2 * 100_000  # echo_main.c: 100000 iterations of (subtract, branch)
# Boards with a qmoe port (the echo app); MicroPython boards: tests/test_micropython_boards.py.
RUNNABLE = [b.name for b in boards.list_boards() if b.runs_here and b.micropython is None]


@pytest.fixture(scope="module")
def echo_elf(tmp_path_factory):
    """board name -> the echo app built for it (once per module)."""
    built: dict[str, Path] = {}

    def get(name: str) -> tuple[boards.Board, Path]:
        board = boards.load_board(name)
        need_tools(board)
        if name not in built:
            out = tmp_path_factory.mktemp(f"echo-{name}")
            built[name] = compile_firmware(board, [ECHO], out, name="echo")
        return board, built[name]

    return get


def _ask(port: serial.SerialBase, command: bytes) -> str:
    port.write(command)
    line = port.readline().decode()
    assert line.endswith("\n"), f"no complete reply to {command!r}: {line!r}"
    return line.strip()


def _cpu_seconds_while_idle(pid: int, seconds: float) -> float | None:
    """CPU time process `pid` uses over `seconds` of wall time (None without Linux /proc)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None

    def used() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    before = used()
    time.sleep(seconds)
    return used() - before


def _work(board: boards.Board, elf: Path) -> int:
    """The '!' spin-loop counter delta from a freshly started board."""
    with start(board, elf) as running:
        with serial.serial_for_url(running.url, timeout=10) as port:
            reply = _ask(port, b"!")
    match = re.fullmatch(r"work=(\d+) iterations=100000", reply)
    assert match, reply
    return int(match.group(1))


# ---- profiles ----------------------------------------------------------------------------------


def test_every_profile_loads_and_is_consistent():
    found = boards.list_boards()
    folders = sorted(p.parent.name for p in boards_dir().glob("*/board.toml"))
    assert [b.name for b in found] == folders
    assert {"native", "qemu-m4", "qemu-m0", "qemu-rv32"} <= set(folders)
    for board in found:
        assert boards.load_board(board.name) == board
        assert board.toolchain.sources and all(p.is_file() for p in board.toolchain.sources)
        if board.emulated:
            assert board.counter.unit == "emulated-instructions"
            assert "-icount" in board.run_command and "shift=0" in board.run_command
            assert any("nodelay=on" in arg for arg in board.run_command)
            # Power figures are those of the board it stands in for, and say so.
            assert board.power.active_ma > 0
            assert board.stands_in_for.split()[0] in board.power.source


def test_linker_regions_match_the_profile_capacity():
    for board in boards.list_boards():
        if board.toolchain.linker_script is None:
            continue
        script = board.toolchain.linker_script.read_text()
        for region, capacity in (("FLASH", board.flash_bytes), ("RAM", board.ram_bytes)):
            match = re.search(rf"^\s*{region} \(\w+\)\s*:.*LENGTH = (\d+)K", script, re.M)
            assert match, f"{board.name}: no {region} region in {board.toolchain.linker_script}"
            assert int(match.group(1)) * 1024 == capacity, (board.name, region)


def test_unknown_board_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"no board 'qemu-z80'.*qemu-m4"):
        boards.load_board("qemu-z80")


BAD_FIELDS = [
    # (replace this text of qemu-m4's board.toml, by this, expected field named in the error)
    ("clock_hz = 25_000_000", 'clock_hz = "fast"', "clock_hz"),
    ("clock_hz = 25_000_000", "clock_hz = -1", "clock_hz"),
    ('kind = "systick"', 'kind = "rdtsc"', "counter.kind"),
    ('unit = "emulated-instructions"', 'unit = "cycles"', "counter.unit"),
    ("per_tick = 40", "per_tick = 0", "counter.per_tick"),
    ('how = "tcp"', 'how = "usb"', "serial.how"),
    ('cc = "arm-none-eabi-gcc"', "", "toolchain.cc"),
    ('"port.c",', '"nope.c",', "toolchain.sources"),
    ('linker_script = "link.ld"', 'linker_script = "missing.ld"', "toolchain.linker_script"),
    ('"-kernel", "{elf}",', '"-kernel",', "run.command"),
    ("runs_here = true", "runs_here = 1", "runs_here"),
    ("emulated = true", "emulated = true\nclock = 3", "clock"),
    ('name = "qemu-m4"', 'name = "qemu-m5"', "name"),
    ("schema = 1", "schema = 2", "schema"),
]


@pytest.mark.parametrize(("old", "new", "field"), BAD_FIELDS)
def test_bad_field_names_file_and_field(tmp_path, old, new, field):
    root = tmp_path / "boards"
    shutil.copytree(boards_dir() / "common", root / "common")
    shutil.copytree(boards_dir() / "qemu-m4", root / "qemu-m4")
    path = root / "qemu-m4" / "board.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        boards.load_board("qemu-m4", root)
    message = str(info.value)
    assert str(path) in message and f"'{field}'" in message, message


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "broken" / "board.toml"
    path.parent.mkdir()
    path.write_text("name = \n")
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ".*not valid TOML"):
        boards.parse_board(path)


# ---- build and sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["native", "qemu-m4"])
def test_section_sizes_agree_with_binutils_size(echo_elf, name):
    board, elf = echo_elf(name)
    size = shutil.which(board.toolchain.size)
    if size is None:
        pytest.skip(f"{board.toolchain.size} is not installed")
    text, data, bss = map(
        int,
        subprocess.run([size, elf], capture_output=True, text=True, check=True)
        .stdout.splitlines()[1]
        .split()[:3],
    )
    sizes = section_sizes(elf)
    assert (sizes["text"], sizes["data"], sizes["bss"]) == (text, data, bss)
    assert sizes["flash"] == text + data and sizes["ram"] == data + bss
    if board.ram_bytes:
        assert 0 < sizes["ram"] <= board.ram_bytes and 0 < sizes["flash"] <= board.flash_bytes


def test_build_failure_reports_the_compiler_output(tmp_path):
    board = boards.load_board("native")
    need_tools(board)
    bad = tmp_path / "bad.c"
    bad.write_text("int qmoe_app_main(void) { return undefined_thing; }\n")
    with pytest.raises(BoardError, match="undefined_thing"):
        compile_firmware(board, [bad], tmp_path / "out")
    with pytest.raises(ConfigError, match="not a C identifier"):
        compile_firmware(board, [bad], tmp_path / "out", {"1BAD": 1})


def test_start_refuses_a_file_that_is_not_elf(tmp_path):
    junk = tmp_path / "junk.elf"
    junk.write_bytes(b"garbage")
    with pytest.raises(BoardError, match="not an ELF file"):
        start(boards.load_board("qemu-m4"), junk)


def test_start_reports_a_process_that_dies_early(tmp_path, echo_elf):
    _, elf = echo_elf("native")
    root = tmp_path / "boards"
    shutil.copytree(boards_dir() / "common", root / "common")
    shutil.copytree(boards_dir() / "native", root / "native")
    path = root / "native" / "board.toml"
    path.write_text(
        path.read_text().replace(
            'command = ["{elf}", "--tcp", "{port}"]',
            'command = ["sh", "-c", "echo boom >&2; exit 3", "{elf}", "{port}"]',
        )
    )
    with pytest.raises(BoardError, match=r"(?s)exited with 3.*boom"):
        start(boards.load_board("native", root), elf)


# ---- the boards that run here ------------------------------------------------------------------


@pytest.mark.parametrize("name", RUNNABLE)
def test_echo_counter_and_round_trip(echo_elf, name, record_property):
    board, elf = echo_elf(name)
    with start(board, elf) as running:
        assert running.url == f"socket://127.0.0.1:{running.port}"
        with serial.serial_for_url(running.url, timeout=10) as port:
            message = bytes(b for b in range(256) if b not in b"?!") + b"qmoe" * 100
            port.write(message)  # 654 bytes: more than the bare-metal receive ring holds
            assert port.read(len(message)) == message
            first = _ask(port, b"?")
            match = re.fullmatch(rf"board={re.escape(name)} counter=(\d+)", first)
            assert match, first
            times = []
            for _ in range(20):
                t0 = time.perf_counter()
                reply = _ask(port, b"?")
                times.append(time.perf_counter() - t0)
            later = int(reply.rsplit("=", 1)[1])
            assert (later - int(match.group(1))) % 2**32 > 0  # the counter advances
            work = int(re.fullmatch(r"work=(\d+) iterations=\d+", _ask(port, b"!")).group(1))
            idle_cpu_s = _cpu_seconds_while_idle(running.process.pid, 0.3)
        assert running.process.poll() is None
    assert running.process.poll() is not None  # stopped on leaving the with block
    round_trip_ms = statistics.median(times) * 1e3
    record_property("round_trip_ms", round_trip_ms)
    print(f"{name}: '?' round trip median {round_trip_ms:.3f} ms, spin work={work}")
    # A 27-byte reply goes out byte by byte: without TCP_NODELAY each costs ~44 ms.
    assert round_trip_ms < 10.0
    # Waiting for input sleeps (WFI / poll()): a busy-polling loop would burn ~0.3 s here.
    if idle_cpu_s is not None:
        assert idle_cpu_s < 0.1
    if board.emulated:
        # The spin loop is SPIN_INSTRUCTIONS instructions plus a few dozen of call overhead;
        # the counter quantises to per_tick instructions.
        instructions = work * board.counter.per_tick
        assert SPIN_INSTRUCTIONS <= instructions + board.counter.per_tick
        assert instructions <= SPIN_INSTRUCTIONS + 200 + board.counter.per_tick


@pytest.mark.parametrize("name", [n for n in RUNNABLE if boards.load_board(n).emulated])
def test_counter_is_deterministic_under_icount(echo_elf, name):
    board, elf = echo_elf(name)
    first, second = _work(board, elf), _work(board, elf)
    if board.counter.per_tick == 1:
        assert first == second  # instruction-exact counter: identical across runs
    else:
        # SysTick counts per_tick instructions per count, and the loop starts at a phase within
        # a tick that depends on when the host's byte arrived: identical up to one count.
        assert abs(first - second) <= 1


@pytest.mark.parametrize(
    "name", [n for n in RUNNABLE if boards.load_board(n).counter.kind == "systick"]
)
def test_systick_extension_is_monotonic_across_wraps(echo_elf, name):
    board, elf = echo_elf(name)
    wrap_s = 2**24 / board.clock_hz  # SysTick is 24 bits; idle time passes at about real time
    values = []
    with start(board, elf) as running:
        with serial.serial_for_url(running.url, timeout=10) as port:
            # Ask until the upper bits moved: on a loaded machine QEMU's virtual clock runs slower
            # than the wall clock, so a fixed wall-clock wait may not span a wrap.
            deadline = time.monotonic() + max(10.0, 20 * wrap_s)
            while time.monotonic() < deadline and (
                len(values) < 3 or values[-1] >> 24 == values[0] >> 24
            ):
                values.append(int(_ask(port, b"?").rsplit("=", 1)[1]))
                time.sleep(0.01)
    steps = [(b - a) % 2**32 for a, b in zip(values, values[1:])]
    assert all(0 < step < 2**31 for step in steps), steps  # never backwards
    assert values[-1] >> 24 != values[0] >> 24  # the software-counted upper bits moved


def test_native_serves_a_pty(echo_elf):
    _, elf = echo_elf("native")
    proc = subprocess.Popen([str(elf), "--pty"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"qmoe-native serial (/dev/\S+)\n", line)
        assert match, line
        with serial.Serial(match.group(1), timeout=5) as port:
            port.write(b"pty ok")
            assert port.read(6) == b"pty ok"
            assert _ask(port, b"?").startswith("board=native counter=")
    finally:
        proc.terminate()
        proc.wait(5)


# ---- tools/setup-toolchains.sh -----------------------------------------------------------------


def _fake_path(tmp_path: Path, uid: int) -> Path:
    """A PATH holding only `id` (reporting `uid`), `head` and an apt-get stub that 'installs'."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "head").symlink_to(shutil.which("head"))
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    commands = {
        "gcc-arm-none-eabi": "arm-none-eabi-gcc",
        "gcc-riscv64-unknown-elf": "riscv64-unknown-elf-gcc",
        "qemu-system-arm": "qemu-system-arm",
        "qemu-system-misc": "qemu-system-riscv32",
        "clang-14": "clang-14",
        "valgrind": "valgrind",
        "chromium": "chromium",
        "espeak-ng": "espeak-ng",
        "clang-format-14": "clang-format-14",
    }
    cases = "".join(
        f'    {pkg}) printf "#!/bin/sh\\n" > "{bin_dir}/{cmd}"; /bin/chmod +x "{bin_dir}/{cmd}";;\n'
        for pkg, cmd in commands.items()
    )
    lib = tmp_path / "root" / "usr/lib/llvm-14/lib/clang/14.0.6/lib/linux"
    cases += (
        f'    libclang-rt-14-dev) /bin/mkdir -p "{lib}"; '
        f'printf x > "{lib}/libclang_rt.fuzzer-x86_64.a";;\n'
    )
    (bin_dir / "apt-get").write_text(
        f'#!/bin/sh\necho "$*" >> "{tmp_path}/apt.log"\n'
        f'for a in "$@"; do\n  case $a in\n{cases}  esac\ndone\n'
    )
    for name in ("id", "apt-get"):
        (bin_dir / name).chmod(0o755)
    return bin_dir


def _setup(bin_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["/bin/bash", str(SETUP)],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_dir), "QMOE_SETUP_ROOT": str(bin_dir.parent / "root")},
        check=False,
    )


def test_setup_script_installs_only_what_is_missing_once(tmp_path):
    bin_dir = _fake_path(tmp_path, uid=0)
    first = _setup(bin_dir)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("missing ") == 10
    log = (tmp_path / "apt.log").read_text().splitlines()
    assert log[0].startswith("update")
    assert log[1].split() == [
        "install",
        "-y",
        "-q",
        "--no-install-recommends",
        "gcc-arm-none-eabi",
        "gcc-riscv64-unknown-elf",
        "qemu-system-arm",
        "qemu-system-misc",
        "clang-14",
        "libclang-rt-14-dev",
        "valgrind",
        "chromium",
        "espeak-ng",
        "clang-format-14",
    ]
    second = _setup(bin_dir)
    assert second.returncode == 0 and second.stdout.count("found ") == 10
    assert len((tmp_path / "apt.log").read_text().splitlines()) == 2  # nothing run again


def test_setup_script_refuses_without_root_or_sudo(tmp_path):
    result = _setup(_fake_path(tmp_path, uid=1000))
    assert result.returncode == 1
    assert "needs root" in result.stderr and not (tmp_path / "apt.log").exists()


def test_setup_script_all_present_here():
    commands = (
        "arm-none-eabi-gcc",
        "riscv64-unknown-elf-gcc",
        "qemu-system-arm",
        "qemu-system-riscv32",
        "valgrind",
        "chromium",
        "clang-format-14",
    )
    absent = [c for c in commands if shutil.which(c) is None]
    if absent:
        pytest.skip(f"not installed here: {', '.join(absent)}")
    result = subprocess.run(
        ["/bin/bash", str(SETUP), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "all toolchains present" in result.stdout, result.stdout

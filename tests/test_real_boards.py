"""Real boards (esp32s3, esp32c3, nano33ble, pico): what can be verified without them, and the
tests that need them.

Without a board: the profiles; the INA219/INA226 driver and its window integration against a
fake I2C bus (register values from the datasheets' equations, built with ASan + UBSan); the exact
sources of each board's generated project compiled with the host gcc (-std=c99 -Wall -Wextra
-Werror) and linked against stand-ins for the framework glue (so no source is missing or twice),
and with the board's cross compiler where Debian has one (sizes printed).
With a board (`pytest tests/test_real_boards.py --board esp32s3 --port /dev/ttyACM0`): build the
project with PlatformIO, flash it, and measure it against the golden model.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import torch

from qmoe import boards
from qmoe.device.build import build
from qmoe.device.projects import ProjectOptions, arch_specific, compile_objects
from qmoe.device.projects.systems import CONFIG_HEADER, SYSTEMS
from qmoe.modelfile import save_model
from qmoe.paths import source_root
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen.lower import lower_file

from support import cc

torch.set_num_threads(1)

REAL = ["esp32s3", "esp32c3", "nano33ble", "pico"]
REPO_ROOT = source_root()
DRIVERS = REPO_ROOT / "firmware" / "drivers"
HARNESS = REPO_ROOT / "tests" / "c" / "drivers"  # fake I2C bus, framework-glue stub
EXPECTED_COUNTER = {"esp32s3": "ccount", "esp32c3": "mcycle", "nano33ble": "dwt", "pico": "timer"}


# ---- profiles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL)
def test_real_board_profile(name):
    b = boards.load_board(name)
    assert not b.runs_here and not b.emulated and not b.run_command
    assert b.counter.kind == EXPECTED_COUNTER[name]
    assert b.clock_hz > 0 and b.flash_bytes > 0 and b.ram_bytes > 0
    assert {"clock", "memory", "counter", "serial", "marker"} <= set(b.datasheet)
    assert b.power.voltage > 0 and b.power.active_ma > 0
    assert any(doc in b.power.source for doc in ("Datasheet", "Product Specification"))
    assert b.marker_number is not None and b.gpio_marker
    assert b.serial.how in ("usb-cdc", "uart", "usb-serial-jtag")
    assert b.project is not None and b.flash is not None and b.power_sensor is not None
    assert b.project.app_flash_bytes <= b.flash_bytes and b.project.app_ram_bytes <= b.ram_bytes
    if b.flash.method == "esptool":  # the app partition runs from the app offset to the end
        assert b.flash.chip == name and b.flash.bootloader_offset == 0
        assert b.project.app_flash_bytes == b.flash_bytes - b.flash.app_offset
        assert b.flash.baud > b.flash.fallback_baud == 115200


# ---- the power-sensor driver on a fake bus ------------------------------------------------------


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """The driver harness (tests/c/drivers), built with ASan + UBSan; a send() function."""
    exe = tmp_path_factory.mktemp("drivers") / "drivers"
    sources = [
        *sorted(HARNESS.glob("*.c")),
        DRIVERS / "qmoe_ina2xx.c",
        DRIVERS / "qmoe_energy.c",
    ]
    sources.remove(HARNESS / "glue_stub.c")
    includes = [REPO_ROOT / "firmware/include"]
    cc.build(sources, exe, includes=includes, warnings=cc.STRICT, sanitize=True)

    def send(*commands: str) -> list[list[int]]:
        out = subprocess.run(
            [str(exe)], input="\n".join(commands) + "\n", capture_output=True, text=True, timeout=30
        )
        assert out.returncode == 0 and "runtime error" not in out.stderr, out.stderr
        return [[int(t) for t in line.split()[1:]] for line in out.stdout.splitlines()]

    return send


def datasheet_setup(chip: int, shunt_uohm: int, max_ma: int) -> tuple[int, int]:
    """(current LSB in nA, calibration) by the datasheets' procedure, computed independently."""
    lsb = math.ceil(max_ma * 1e6 / (32767 if chip == 219 else 32768))
    scale, cap = (0.04096, 0xFFFE) if chip == 219 else (0.00512, 0x7FFF)
    if scale / (lsb * 1e-9 * shunt_uohm * 1e-6) > cap:
        lsb = math.ceil(scale / (cap * shunt_uohm * 1e-6) / 1e-9)
    cal = int(scale / (lsb * 1e-9 * shunt_uohm * 1e-6) + 1e-9)
    return lsb, cal & 0xFFFE if chip == 219 else cal


def datasheet_registers(chip: int, cal: int, shunt_nv: int, bus_uv: int) -> tuple[int, ...]:
    """The registers a sensor holds for these voltages (SBOS448 / SBOS547 equations)."""
    shunt = int(shunt_nv / (10_000 if chip == 219 else 2_500))
    bus = bus_uv // (4_000 if chip == 219 else 1_250)
    current = int(shunt * cal / (4096 if chip == 219 else 2048))
    power = int(current * bus / (5000 if chip == 219 else 20000))
    return shunt, (bus << 3 | 2) if chip == 219 else bus, current, power


def test_calibration_datasheet_examples(driver):
    # INA219 (SBOS448): R = 0.1 ohm, current LSB 100 uA -> CAL 4096 (power LSB 2 mW).
    # INA226 (SBOS547): R = 2 mohm, current LSB 1 mA -> CAL 2560.
    assert driver("cal 219 100000 100000", "cal 226 2000 1000000") == [[4096], [2560]]
    # An LSB too small for the register, a zero shunt: 0 (refused).
    assert driver("cal 219 100000 1", "cal 226 0 1000") == [[0], [0]]


@pytest.mark.parametrize(
    ("chip", "shunt_uohm", "max_ma", "shunt_nv", "bus_uv"),
    [
        (219, 100_000, 2000, 19_850_000, 5_000_000),  # 0.1 ohm breakout, 2 A, 198.5 mA at 5 V
        (219, 100_000, 400, 3_300_000, 3_300_000),  # 33 mA at 3.3 V: the boards' default range
        (219, 1_000_000, 100, 25_000_000, 3_300_000),  # 1 ohm for small currents, 25 mA
        (226, 2_000, 15_000, 20_000_000, 12_000_000),  # the INA226 datasheet's 2 mohm, 10 A at 12 V
        (226, 100_000, 400, 3_300_000, 3_300_000),
    ],
)
def test_driver_setup_and_reads_match_the_datasheets(
    driver, chip, shunt_uohm, max_ma, shunt_nv, bus_uv
):
    _, setup, init, _, read = driver(
        f"attach {chip} 0x40",
        f"setup {chip} 0x40 {shunt_uohm} {max_ma}",
        "init",
        f"truth {shunt_nv} {bus_uv}",
        "read",
    )
    lsb, cal = datasheet_setup(chip, shunt_uohm, max_ma)
    assert setup[:3] == [0, lsb, cal]
    assert init == [0]
    regs = datasheet_registers(chip, cal, shunt_nv, bus_uv)
    assert read[5:] == list(regs)
    shunt, bus, current, power = regs
    assert read[0] == 0
    assert read[1] == shunt * (10_000 if chip == 219 else 2_500)
    assert read[2] == ((bus >> 3) * 4_000 if chip == 219 else bus * 1_250)
    assert read[3] == int(current * lsb / 1000)
    assert read[4] == power * (20 if chip == 219 else 25) * lsb // 1000
    # The readings agree with the truth to within the registers' resolution.
    step_ua = (10_000 if chip == 219 else 2_500) / shunt_uohm * 1000  # one shunt LSB, in uA
    true_ua = shunt_nv / shunt_uohm * 1000
    assert abs(read[3] - true_ua) <= step_ua + 2 * lsb / 1000
    true_uw = true_ua * bus_uv / 1e6
    assert abs(read[4] - true_uw) <= 0.01 * true_uw + (20 if chip == 219 else 25) * lsb / 1000


def test_driver_refuses_bad_setups_and_the_wrong_chip(driver):
    replies = driver(
        "setup 219 0x40 100000 4000",  # 0.4 V across the shunt: beyond the INA219's 320 mV
        "setup 226 0x40 100000 1000",  # 100 mV: beyond the INA226's 81.92 mV
        "setup 219 0x30 100000 400",  # not an INA2xx address
        "setup 220 0x40 100000 400",  # no such chip
        "setup 219 0x40 0 400",
        "attach 219 0x40",
        "setup 226 0x40 100000 400",
        "init",  # an INA219 answers: refused
        "attach 226 0x41",
        "setup 226 0x40 100000 400",
        "init",  # nothing at 0x40
        "attach 226 0x40",
        "init",
    )  # the right one
    assert [r[0] for r in replies[:5]] == [1, 1, 1, 1, 1]  # QMOE_ERR_ARG
    assert replies[7] == [2] and replies[10] == [2]  # QMOE_ERR_NO_DEVICE
    assert replies[12] == [0]


def test_window_energy_is_power_times_time_and_sampling_is_cut_out(driver):
    cps, n, work, xfer = 1_000_000, 100, 1000, 50  # 1 us counts, 1 ms inferences, 50 us transfers
    _, setup, init, _, read, window, none = driver(
        "attach 219 0x40",
        "setup 219 0x40 100000 400",
        "init",
        "truth 3300000 3300000",
        "read",
        f"window 1 {cps} {n} {work} {xfer}",
        f"window 0 {cps} {n} {work} {xfer}",
    )
    assert init == [0]
    power_uw = read[4]
    uj, samples, failures, dmin, dmax, total, raw = window
    # One sample when the window opens, one per conversion time (8.52 ms), one when it closes.
    conversion = setup[4]
    assert samples == 2 + (n * work) // (conversion * cps // 1_000_000) and failures == 0
    # Each inference measured exactly its work: the I2C transfers are cut out of the counter ...
    assert dmin == dmax == work and total == n * work
    assert raw == n * work + samples * 2 * xfer  # ... though they took real time (2 per sample)
    # Constant power: E = P x T over the window's counted time.
    assert uj == power_uw * (n * work) // cps
    assert none[:3] == [0, 0, 0] and none[3:6] == [work, work, n * work] and none[6] == n * work


def test_window_with_failed_reads_counts_only_the_good_ones(driver):
    """Failed readings are not samples, and the window's energy still spans all of it."""
    replies = driver(
        "attach 226 0x40",
        "setup 226 0x40 100000 400",
        "init",
        "truth 3300000 5000000",
        "read",
        "fail 3",
        "window 1 1000000 100 1000 10",
    )
    power_uw = replies[4][4]
    uj, samples, failures = replies[6][:3]
    assert failures == 3 and samples >= 2
    # The first good reading covers the window's start: still P x 100 ms.
    assert uj == power_uw * 100_000 // 1_000_000


# ---- the projects' sources, compiled here -------------------------------------------------------


@pytest.fixture(scope="module")
def model(builtin_features, tmp_path_factory):
    """(model file, IR): a small curiosity mixture with a front end, fold 1 held out."""
    fd, fe = builtin_features
    cfg = TrainConfig(
        experts=["ternary", "4", "1"],
        router="curiosity",
        hidden=(32,),
        epochs=4,
        qat_epochs=2,
        router_epochs=2,
    )
    m, _ = fit_fold(fd, cfg, 1, fe)
    path = save_model(m, tmp_path_factory.mktemp("model") / "moe.qmoe")
    return path, lower_file(path)


@pytest.fixture(scope="module")
def parts(model, tmp_path_factory):
    """(board, sensor) -> project_parts(), generated once per module."""
    made: dict[tuple[str, str], dict] = {}

    def get(name: str, sensor: str) -> dict:
        if (name, sensor) not in made:
            out = tmp_path_factory.mktemp(f"{name}-{sensor}")
            made[name, sensor] = project_parts(name, model, out, sensor)
        return made[name, sensor]

    return get


def project_parts(name: str, model, out: Path, sensor: str) -> dict:
    """Generate the board's projects; return its default project's sources split into portable,
    arch-specific (counter, core-specific kernels) and framework glue, with the include dirs."""
    path, ir = model
    build(name, path, out, ir=ir, project=ProjectOptions(power_sensor=sensor, run_pio=False))
    board = boards.load_board(name)
    system = board.project.systems[0]
    root = out / SYSTEMS[system.name].folder / SYSTEMS[system.name].source_root / "qmoe"
    copied = sorted(p for p in root.rglob("*") if p.suffix in (".c", ".cpp"))
    rel = {p: p.relative_to(root) for p in copied}
    glue = {p.relative_to(REPO_ROOT) for p in system.sources}
    repo_sources = [REPO_ROOT / r for r in rel.values() if r.parts[0] != "gen"]
    arch = {p.relative_to(REPO_ROOT) for p in arch_specific(board, repo_sources)}
    assert glue <= set(rel.values()), "the framework glue is missing from the project"
    reference = REPO_ROOT / "firmware" / "kernels" / "reference"
    return {
        "board": board,
        "root": root,
        "portable": [p for p in copied if rel[p] not in glue | arch],
        "arch": [p for p in copied if rel[p] in arch],
        # reference kernels of the same names stand in for core-specific ones on the host
        "standins": [reference / a.name for a in arch if (reference / a.name).is_file()],
        # the project's include path: the public headers and the model; the rest is relative
        "includes": [root / "firmware" / "include", root / "gen"],
    }


@pytest.mark.parametrize("sensor", ["none", "ina219"])
@pytest.mark.parametrize("name", REAL)
def test_portable_sources_compile_and_link_with_host_gcc(parts, tmp_path, name, sensor):
    parts = parts(name, sensor)
    assert parts["portable"] and all(p.suffix == ".c" for p in parts["portable"])
    header = parts["root"] / CONFIG_HEADER
    sizes = compile_objects(
        cc.host().cc,
        [*cc.STRICT, "-O2"],
        parts["portable"] + parts["standins"],
        parts["includes"],
        header,
        tmp_path / "host",
    )
    assert sizes["text"] > 0
    # Link the objects with stand-ins for the framework glue: every symbol the app needs is
    # defined exactly once, so the project's source list is complete.
    objects = sorted((tmp_path / "host").glob("*.o"))
    stub = HARNESS / "glue_stub.c"
    cc.build(
        [stub, *objects],
        tmp_path / "linked",
        includes=[REPO_ROOT / "firmware/include"],
        flags=["-include", str(header)],
        warnings=cc.STRICT,
    )


@pytest.mark.parametrize("name", REAL)
def test_sources_compile_with_the_board_cross_compiler(parts, model, tmp_path, name):
    board = boards.load_board(name)
    if shutil.which(board.toolchain.cc) is None:
        pytest.skip(
            f"{board.toolchain.cc} is not installed here (Debian has no Xtensa "
            "compiler): this board's sources are checked with host gcc only"
        )
    parts = parts(name, "ina219")
    sources = parts["portable"] + parts["arch"]
    assert any(p.name == "counter.c" for p in parts["arch"]), "the board's counter is compiled"
    sizes = compile_objects(
        board.toolchain.cc,
        list(board.toolchain.cflags),
        sources,
        parts["includes"],
        parts["root"] / CONFIG_HEADER,
        tmp_path / "objs",
    )
    print(
        f"\n{name} ({board.toolchain.cc}, {' '.join(board.toolchain.cflags[:4])}): "
        f"{len(sources)} sources, text {sizes['text']} B, data {sizes['data']} B, "
        f"bss {sizes['bss']} B (model constants {model[1].sizes.total_flash_bytes} B)"
    )
    assert sizes["text"] > model[1].sizes.total_flash_bytes


# ---- with a board attached ----------------------------------------------------------------------


def test_board_builds_flashes_and_matches_the_golden_model(real_board, request, tmp_path):
    from qmoe.device.flash import flash_board
    from qmoe.measure import MeasureConfig, measure

    name, port = real_board
    board = boards.load_board(name)
    if board.runs_here:
        pytest.skip(f"{name} runs here: tests/test_firmware_e2e.py covers it")
    if shutil.which("pio") is None:
        pytest.skip(
            "PlatformIO builds the project: `pip install platformio` (it downloads the "
            "board's toolchain on first use)"
        )
    path, ir = request.getfixturevalue("model")  # trained only once the board can be used
    out = tmp_path / "build"
    result = build(name, path, out, ir=ir)
    assert result.projects[0].pio_sizes, "pio built the project and reported its sizes"
    print(f"\n{result.table()}")
    flashed = flash_board(name, out, port)
    print(flashed.text)
    time.sleep(3.0)  # the board reboots; USB CDC enumerates again
    root = request.getfixturevalue("builtin_root")
    res = measure(
        MeasureConfig(
            port=port,
            model=path,
            out=tmp_path / "run",
            root=root,
            folds=[1],
            n=20,
            input="features",
            window_n=20,
            window_repeats=1,
            min_window_s=0.5,
            progress=False,
        )
    )
    assert not res.mismatches, res.mismatches[:3]
    assert res.summary["board"] == name

"""Flashing real boards, without them: esptool's API, the UF2 drive and PlatformIO's upload are
replaced by fakes, and every path a user can meet is checked: success, baud fallback, wrong
chip, no device, permission, busy port, no bootloader answer, nothing built yet, image too big,
missing tools. The real esptool's functions are checked to have the signatures used."""

from __future__ import annotations

import errno
import inspect
import json
import subprocess
from pathlib import Path

import pytest

from qmoe.boards import load_board
from qmoe.device.flash import (
    FlashError,
    FlashTools,
    explain_port_error,
    find_uf2_drive,
    flash_board,
)


class FatalError(RuntimeError):
    """Stands in for esptool.util.FatalError."""


class FakePort:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class FakeEsp:
    def __init__(self, chip: str, api: FakeEsptool) -> None:
        self.CHIP_NAME = chip
        self._port = FakePort()
        self.api = api

    def change_baud(self, baud: int) -> None:
        self.api.calls.append(("change_baud", baud))
        if baud in self.api.bad_bauds:
            raise FatalError(f"Timed out waiting for packet header at {baud}")


class FakeEsptool:
    """The parts of esptool.cmds the flasher uses, recording every call."""

    FatalError = FatalError

    def __init__(
        self,
        chip: str = "ESP32-S3",
        bad_bauds: tuple[int, ...] = (),
        connect_error: Exception | None = None,
    ) -> None:
        self.chip = chip
        self.bad_bauds = bad_bauds
        self.connect_error = connect_error
        self.calls: list[tuple] = []
        self.loaders: list[FakeEsp] = []

    def detect_chip(self, port: str, baud: int) -> FakeEsp:
        self.calls.append(("detect_chip", port, baud))
        if self.connect_error is not None:
            raise self.connect_error
        esp = FakeEsp(self.chip, self)
        self.loaders.append(esp)
        return esp

    def run_stub(self, esp: FakeEsp) -> FakeEsp:
        self.calls.append(("run_stub",))
        return esp

    def attach_flash(self, esp: FakeEsp) -> None:
        self.calls.append(("attach_flash",))

    def write_flash(self, esp: FakeEsp, addr_data: list) -> None:
        self.calls.append(("write_flash", [(a, Path(f).name) for a, f in addr_data]))

    def reset_chip(self, esp: FakeEsp, mode: str) -> None:
        self.calls.append(("reset_chip", mode))


def opener(error: Exception | None = None, log: list | None = None):
    """A pyserial-like open that fails with `error`, or records (port, baud) in `log`."""

    def open_port(port: str, baudrate: int):
        if error is not None:
            raise error
        if log is not None:
            log.append((port, baudrate))
        return FakePort()

    return open_port


def project(tmp_path: Path, board: str, system: str, files: dict[str, str]) -> Path:
    """A build folder as `qmoe-host build` leaves it, with the given built files."""
    out = tmp_path / "build"
    folder = out / ("pico-sdk" if system == "picosdk" else "platformio")
    folder.mkdir(parents=True)
    (folder / "platformio.ini").write_text("[platformio]\n")
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    meta = {
        "board": board,
        "kind": "project",
        "projects": [
            {
                "system": system,
                "folder": str(folder),
                "build": f"pio run -d {folder}",
                "upload": "",
                "pio_sizes": None,
            }
        ],
    }
    (out / "build.json").write_text(json.dumps(meta))
    return out


def esp_build(tmp_path: Path, board: str = "esp32s3", app: str = "APP") -> Path:
    d = f".pio/build/{board}"
    return project(
        tmp_path,
        board,
        "platformio",
        {f"{d}/firmware.bin": app, f"{d}/bootloader.bin": "BOOT", f"{d}/partitions.bin": "PART"},
    )


def tools(api=None, **kw) -> FlashTools:
    said: list[str] = []
    return FlashTools(
        esptool=api,
        open_port=kw.pop("open_port", opener()),
        say=said.append,
        sleep=lambda s: None,
        **kw,
    )


# ---- esptool ------------------------------------------------------------------------------------


def test_esptool_writes_bootloader_partitions_and_app_at_the_profile_offsets(tmp_path):
    api = FakeEsptool()
    result = flash_board("esp32s3", esp_build(tmp_path), "/dev/ttyACM0", tools(api))
    assert api.calls == [
        ("detect_chip", "/dev/ttyACM0", 115200),
        ("run_stub",),
        ("change_baud", 921600),
        ("attach_flash",),
        (
            "write_flash",
            [(0x0, "bootloader.bin"), (0x8000, "partitions.bin"), (0x10000, "firmware.bin")],
        ),
        ("reset_chip", "hard-reset"),
    ]
    assert all(esp._port.closed for esp in api.loaders)
    assert "ESP32-S3 at /dev/ttyACM0, 921600 baud" in result.text


def test_esptool_falls_back_to_115200_baud(tmp_path):
    api = FakeEsptool(chip="ESP32-C3", bad_bauds=(921600,))
    t = tools(api)
    result = flash_board("esp32c3", esp_build(tmp_path, "esp32c3"), "/dev/ttyUSB0", t)
    assert [c for c in api.calls if c[0] == "detect_chip"] == [
        ("detect_chip", "/dev/ttyUSB0", 115200)
    ] * 2
    assert (
        "write_flash",
        [(0x0, "bootloader.bin"), (0x8000, "partitions.bin"), (0x10000, "firmware.bin")],
    ) in api.calls
    assert "115200 baud" in result.detail
    assert all(esp._port.closed for esp in api.loaders)


def test_esptool_fails_when_both_baud_rates_fail(tmp_path):
    api = FakeEsptool(bad_bauds=(921600,))
    api.write_flash = lambda esp, data: (_ for _ in ()).throw(FatalError("Packet content wrong"))
    with pytest.raises(FlashError, match="failed at 921600 and 115200 baud.*BOOT"):
        flash_board("esp32s3", esp_build(tmp_path), "/dev/ttyACM0", tools(api))


def test_wrong_chip_is_refused_and_nothing_is_written(tmp_path):
    api = FakeEsptool(chip="ESP32-C3")
    with pytest.raises(FlashError) as err:
        flash_board("esp32s3", esp_build(tmp_path), "/dev/ttyACM0", tools(api))
    text = str(err.value)
    assert "ESP32-C3" in text and "esp32s3" in text and "nothing was written" in text
    assert "--board esp32c3" in text
    assert not any(c[0] in ("write_flash", "run_stub") for c in api.calls)
    assert api.loaders[0]._port.closed


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            FileNotFoundError(errno.ENOENT, "No such file or directory: '/dev/ttyACM0'"),
            "no device at /dev/ttyACM0",
        ),
        (PermissionError(errno.EACCES, "Permission denied: '/dev/ttyACM0'"), "dialout"),
        (OSError(errno.EBUSY, "Device or resource busy"), "is busy"),
        (
            OSError(
                "Could not exclusively lock port /dev/ttyACM0: [Errno 11] Resource temporarily "
                "unavailable"
            ),
            "is busy",
        ),
    ],
)
def test_port_problems_are_explained_before_any_flashing(tmp_path, error, words):
    api = FakeEsptool()
    with pytest.raises(FlashError, match=words):
        flash_board(
            "esp32s3", esp_build(tmp_path), "/dev/ttyACM0", tools(api, open_port=opener(error))
        )
    assert api.calls == []


def test_no_bootloader_answer_says_how_to_enter_download_mode(tmp_path):
    api = FakeEsptool(
        connect_error=FatalError("Failed to connect to ESP32-S3: No serial data received.")
    )
    with pytest.raises(FlashError, match="hold the BOOT button, press and release RESET"):
        flash_board("esp32s3", esp_build(tmp_path), "/dev/ttyACM0", tools(api))


def test_esptool_needs_a_port_and_a_built_project(tmp_path):
    with pytest.raises(FlashError, match="give --port"):
        flash_board("esp32s3", esp_build(tmp_path), None, tools(FakeEsptool()))
    with pytest.raises(FlashError, match="no build.json here.*qmoe-host build --board esp32s3"):
        flash_board("esp32s3", tmp_path / "nothing", "/dev/ttyACM0", tools(FakeEsptool()))
    built = project(tmp_path / "p", "esp32s3", "platformio", {})
    with pytest.raises(FlashError, match="not built yet.*pio run -d"):
        flash_board("esp32s3", built, "/dev/ttyACM0", tools(FakeEsptool()))
    with pytest.raises(FlashError, match="not a project for 'esp32c3'"):
        flash_board("esp32c3", esp_build(tmp_path / "q"), "/dev/ttyUSB0", tools(FakeEsptool()))


def test_an_app_larger_than_its_partition_is_refused(tmp_path):
    board = load_board("esp32c3")
    out = esp_build(tmp_path, "esp32c3", app="x" * (board.project.app_flash_bytes + 1))
    with pytest.raises(FlashError, match="larger than the app partition"):
        flash_board("esp32c3", out, "/dev/ttyUSB0", tools(FakeEsptool(chip="ESP32-C3")))


def test_missing_esptool_says_how_to_install_it(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_esptool(name, *args, **kw):
        if name.startswith("esptool"):
            raise ImportError(name)
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_esptool)
    with pytest.raises(FlashError, match="pip install esptool"):
        flash_board("esp32s3", esp_build(tmp_path), "/dev/ttyACM0", tools(None))


def test_the_real_esptool_has_the_functions_and_signatures_used():
    cmds = pytest.importorskip("esptool.cmds")
    from esptool.util import FatalError as RealFatal

    assert list(inspect.signature(cmds.detect_chip).parameters)[:2] == ["port", "baud"]
    assert list(inspect.signature(cmds.write_flash).parameters)[:2] == ["esp", "addr_data"]
    assert list(inspect.signature(cmds.reset_chip).parameters)[:2] == ["esp", "reset_mode"]
    for name in ("run_stub", "attach_flash"):
        assert list(inspect.signature(getattr(cmds, name)).parameters)[0] == "esp"
    assert issubclass(RealFatal, Exception)
    from esptool.targets import CHIP_DEFS

    assert CHIP_DEFS["esp32s3"].CHIP_NAME == "ESP32-S3"
    assert CHIP_DEFS["esp32c3"].CHIP_NAME == "ESP32-C3"


def test_port_error_messages_name_the_port():
    for exc in (
        FileNotFoundError(errno.ENOENT, "x"),
        PermissionError(errno.EACCES, "x"),
        OSError(errno.EBUSY, "x"),
        OSError("something else"),
    ):
        assert "/dev/ttyX" in explain_port_error("/dev/ttyX", exc)


# ---- UF2 (Pico) ---------------------------------------------------------------------------------

UF2_INFO = "UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n"


def pico_build(tmp_path: Path) -> Path:
    return project(tmp_path, "pico", "picosdk", {"build/qmoe_bench.uf2": "UF2DATA"})


def drive(root: Path) -> Path:
    d = root / "RPI-RP2"
    d.mkdir(parents=True)
    (d / "INFO_UF2.TXT").write_text(UF2_INFO)
    return d


def test_uf2_is_copied_to_the_mounted_drive(tmp_path):
    mounted = drive(tmp_path / "media" / "me")
    assert find_uf2_drive("RPI-RP2", [tmp_path / "media" / "me"]) == mounted
    result = flash_board(
        "pico", pico_build(tmp_path), None, tools(drive_roots=[tmp_path / "media" / "me"])
    )
    assert (mounted / "qmoe_bench.uf2").read_text() == "UF2DATA"
    assert "copied to" in result.detail


def test_uf2_drive_given_as_port_must_be_the_bootloader(tmp_path):
    with pytest.raises(FlashError, match="not a RPI-RP2 drive"):
        flash_board("pico", pico_build(tmp_path), str(tmp_path), tools(drive_roots=[]))


def test_a_serial_port_is_touched_at_1200_baud_and_the_drive_awaited(tmp_path):
    roots = [tmp_path / "media"]
    (tmp_path / "media").mkdir()
    touched: list = []
    waits = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:  # the board reboots into BOOTSEL after a moment
            drive(tmp_path / "media")

    t = FlashTools(
        open_port=opener(log=touched), drive_roots=roots, sleep=sleep, say=lambda s: None
    )
    result = flash_board("pico", pico_build(tmp_path), "/dev/ttyACM0", t)
    assert touched == [("/dev/ttyACM0", 1200)] and len(waits) == 3
    assert (tmp_path / "media" / "RPI-RP2" / "qmoe_bench.uf2").is_file()
    assert "copied" in result.detail


def test_no_drive_uses_picotool_or_says_to_hold_bootsel(tmp_path):
    out = pico_build(tmp_path)
    ran: list = []

    def run(args, **kw):
        ran.append(args)
        return subprocess.CompletedProcess(args, 0, "Loading into Flash: [====] 100%", "")

    t = tools(
        drive_roots=[],
        which=lambda name: "/usr/bin/picotool" if name == "picotool" else None,
        run=run,
    )
    assert "picotool" in flash_board("pico", out, None, t).detail
    assert ran[0][:3] == ["/usr/bin/picotool", "load", "-x"] and ran[0][-1] == "-f"

    def failing(args, **kw):
        return subprocess.CompletedProcess(
            args, 1, "", "No accessible RP2040 devices in BOOTSEL mode were found."
        )

    with pytest.raises(FlashError, match="No accessible RP2040.*BOOTSEL"):
        flash_board(
            "pico", out, None, tools(drive_roots=[], which=lambda n: "/bin/picotool", run=failing)
        )
    with pytest.raises(FlashError, match="hold BOOTSEL while plugging"):
        flash_board("pico", out, None, tools(drive_roots=[], which=lambda n: None))


# ---- PlatformIO upload (Nano 33 BLE) ------------------------------------------------------------


def nano_build(tmp_path: Path) -> Path:
    return project(tmp_path, "nano33ble", "platformio", {})


def test_platformio_upload_runs_pio_with_the_port(tmp_path):
    ran: list = []

    def run(args, **kw):
        ran.append(args)
        return subprocess.CompletedProcess(args, 0, "Verify successful\n", "")

    out = nano_build(tmp_path)
    t = tools(which=lambda name: "/usr/local/bin/pio" if name == "pio" else None, run=run)
    result = flash_board("nano33ble", out, "/dev/ttyACM0", t)
    folder = out / "platformio"
    assert ran == [
        [
            "/usr/local/bin/pio",
            "run",
            "-d",
            str(folder),
            "-t",
            "upload",
            "--upload-port",
            "/dev/ttyACM0",
        ]
    ]
    assert "uploaded" in result.detail


@pytest.mark.parametrize(
    ("output", "words"),
    [
        ("No device found on /dev/ttyACM0", "double-press the board's reset button"),
        ("could not open port '/dev/ttyACM0': [Errno 13] Permission denied", "dialout"),
        ("some other failure", "see the output above"),
    ],
)
def test_platformio_upload_failures_are_explained(tmp_path, output, words):
    def run(args, **kw):
        return subprocess.CompletedProcess(args, 1, output, "")

    t = tools(which=lambda name: "/usr/local/bin/pio", run=run)
    with pytest.raises(FlashError, match=words):
        flash_board("nano33ble", nano_build(tmp_path), "/dev/ttyACM0", t)


def test_platformio_missing_says_how_to_install_it(tmp_path):
    with pytest.raises(FlashError, match="pip install platformio"):
        flash_board(
            "nano33ble", nano_build(tmp_path), "/dev/ttyACM0", tools(which=lambda name: None)
        )


def test_boards_that_run_here_have_no_flasher(tmp_path):
    with pytest.raises(FlashError, match="no \\[flash\\] table"):
        flash_board("qemu-m4", tmp_path, None, tools())

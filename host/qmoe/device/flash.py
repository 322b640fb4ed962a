"""Programming the real boards: `qmoe-host flash --board esp32s3 --port /dev/ttyACM0`.

The board's `[flash]` table names the method; nothing here branches on a board's name:

- `esptool` (ESP32-S3, ESP32-C3): esptool's Python API. Connect at the ROM's 115200 baud, detect
  the chip and refuse any other than the board's, load the stub, switch to the fast baud rate,
  write bootloader, partition table and app at the profile's offsets, hard-reset. A failed
  transfer is retried once at the fallback baud rate.
- `uf2` (Pico): copy the UF2 to the mass-storage bootloader's drive (RPI-RP2): the drive given
  as --port, a mounted one found by its INFO_UF2.TXT, or one that appears after a 1200-baud
  "touch" of the serial port given as --port; else `picotool load -x -f`.
- `platformio` (Nano 33 BLE): `pio run -t upload` (bossac through the Arduino bootloader).

Every failure a user can fix (no device, permission, busy port, wrong chip, no bootloader
answer, nothing built yet) is a FlashError whose message says what to do.
"""

from __future__ import annotations

import errno
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qmoe.boards import Board, list_boards, load_board
from qmoe.device.errors import BoardError
from qmoe.device.projects.systems import SYSTEMS, ImageSet
from qmoe.device.result import stored_path
from qmoe.errors import DataError
from qmoe.runio import read_json_object

ROM_BAUD = 115200  # what every ESP ROM bootloader syncs at
TOUCH_BAUD = 1200  # opening the CDC port at 1200 baud reboots into the UF2 bootloader
DRIVE_WAIT_S = 10.0  # how long to wait for the UF2 drive after a touch
DRIVE_POLL_S = 0.25
UPLOAD_TIMEOUT_S = 600
ESPTOOL_ROLES = ("bootloader", "partition_table", "app")
PORT_NAMES = (
    "Linux /dev/ttyACM0 or /dev/ttyUSB0, macOS /dev/cu.usbmodem* or "
    "/dev/cu.usbserial-*, Windows COM3...; `python -m serial.tools.list_ports` "
    "lists them"
)


class FlashError(BoardError):
    """A board could not be programmed; the message says why and what to do."""


@dataclass
class FlashTools:
    """What the flashers call, replaceable by fakes in tests."""

    esptool: Any = None  # an object with esptool.cmds' functions and FatalError
    open_port: Callable[..., Any] | None = None  # pyserial-like: open_port(port, baudrate=...)
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run
    which: Callable[[str], str | None] = shutil.which
    drive_roots: list[Path] | None = None  # folders that may hold mounted drives
    say: Callable[[str], None] = print
    sleep: Callable[[float], None] = time.sleep


@dataclass
class FlashResult:
    """What `flash_board()` did."""

    board: str
    method: str
    port: str | None
    images: dict[str, Path] = field(default_factory=dict)
    detail: str = ""

    @property
    def text(self) -> str:
        """One line for the CLI."""
        files = ", ".join(f"{k} {v}" for k, v in self.images.items())
        return f"flashed {self.board} by {self.method}: {self.detail}" + (
            f" ({files})" if files else ""
        )


# ---- serial ports -------------------------------------------------------------------------------


def explain_port_error(port: str, exc: BaseException) -> str:
    """What a failed open of `port` means and what to do, from its errno or message."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    low = text.lower()
    if (
        code == errno.ENOENT
        or "no such file" in low
        or "filenotfound" in low
        or "could not find" in low
    ):
        return (
            f"no device at {port} ({text}): check that the board is plugged in with a data "
            f"cable (not a charge-only one) and the port name ({PORT_NAMES})"
        )
    if code == errno.EACCES or "permission denied" in low:
        return (
            f"permission denied on {port}: add your user to the serial-port group "
            "(`sudo usermod -aG dialout $USER` on Debian/Ubuntu, `uucp` on Arch), log out "
            "and in again, and retry"
        )
    if (
        code in (errno.EBUSY, errno.EAGAIN)
        or "busy" in low
        or "exclusively lock" in low
        or "access is denied" in low
    ):
        return (
            f"{port} is busy: another program holds it (a serial monitor, `pio device "
            f"monitor`, `qmoe-host measure`, ModemManager); close it and retry (`fuser "
            f"{port}` names it on Linux)"
        )
    return f"cannot open {port}: {text}"


def _default_open(port: str, baudrate: int = ROM_BAUD) -> Any:
    import serial

    return serial.Serial(port, baudrate=baudrate, exclusive=True)


def probe_port(port: str, tools: FlashTools, baudrate: int = ROM_BAUD) -> None:
    """Open and close `port` once, so that a missing device, a permission problem or a port held
    by another program is reported plainly before any flashing starts."""
    opener = tools.open_port or _default_open
    try:
        handle = opener(port, baudrate=baudrate)
    except (OSError, ValueError) as exc:  # serial.SerialException is an OSError
        raise FlashError(explain_port_error(port, exc)) from None
    handle.close()


# ---- images -------------------------------------------------------------------------------------


def read_build(board: Board, build_dir: Path) -> dict[str, Any]:
    """build.json of a `qmoe-host build` folder, checked to be a project for `board`."""
    build_dir = Path(build_dir)
    info = build_dir / "build.json"
    make = f"qmoe-host build --board {board.name} --model MODEL --out {build_dir}"
    if not info.is_file():
        raise FlashError(f"{build_dir}: no build.json here; make the project first: {make}")
    try:
        meta = read_json_object(info, ("board", "kind", "projects"))
    except DataError as exc:
        raise FlashError(f"{exc}; make the project again: {make}") from None
    if meta.get("board") != board.name or meta.get("kind") != "project":
        raise FlashError(
            f"{info}: a build for board {meta.get('board')!r}, not a project for "
            f"{board.name!r}; make one with: {make}"
        )
    projects = meta["projects"]
    for i, p in enumerate(projects if isinstance(projects, list) else [None]):
        if not (
            isinstance(p, dict) and p.get("system") in SYSTEMS and isinstance(p.get("folder"), str)
        ):
            raise FlashError(
                f"{info}: field 'projects' entry {i} is not a project qmoe wrote (expected "
                f"system one of {', '.join(SYSTEMS)} and a folder); make it again: {make}"
            )
    return meta


def built_images(board: Board, build_dir: Path, roles: tuple[str, ...]) -> ImageSet:
    """The newest complete set of images of a `qmoe-host build` folder for the given roles."""
    meta = read_build(board, build_dir)
    found: list[ImageSet] = []
    for project in meta["projects"]:
        folder = stored_path(build_dir / "build.json", project["folder"])
        for images in SYSTEMS[project["system"]].images(folder, board):
            if images.complete(roles):
                found.append(images)
    if not found:
        steps = "; ".join(str(p.get("build")) for p in meta["projects"])
        raise FlashError(
            f"{build_dir}: the project is not built yet (no {', '.join(roles)} "
            f"image); build it first: {steps}"
        )
    return max(found, key=lambda s: s.files[roles[-1]].stat().st_mtime)


# ---- esptool ------------------------------------------------------------------------------------


def _esptool_api() -> Any:
    try:
        import esptool.cmds as cmds  # its FatalError is esptool.util.FatalError
    except ImportError:
        raise FlashError(
            "esptool is not installed: `pip install esptool` (it is in qmoe's "
            "`test` extra), then retry"
        ) from None
    return cmds


def _chip_name(name: str) -> str:
    """esptool's CHIP_NAME ("ESP32-S3") as a profile's chip ("esp32s3")."""
    return name.lower().replace("-", "").replace(" ", "")


def _board_for_chip(chip: str) -> str | None:
    return next((b.name for b in list_boards() if b.flash and b.flash.chip == chip), None)


def _close(esp: Any) -> None:
    port = getattr(esp, "_port", None)
    if port is not None:
        port.close()


def flash_esptool(board: Board, images: ImageSet, port: str | None, tools: FlashTools) -> str:
    """Write bootloader, partition table and app with esptool; returns what was done."""
    f = board.flash
    if port is None:
        raise FlashError(
            f"board {board.name} is flashed over its serial port: give --port ({PORT_NAMES})"
        )
    app = images.files["app"]
    capacity = board.project.app_flash_bytes if board.project else board.flash_bytes
    if app.stat().st_size > capacity:
        raise FlashError(
            f"{app}: {app.stat().st_size} bytes, larger than the app partition "
            f"({capacity} bytes); rebuild with a smaller model"
        )
    api = tools.esptool or _esptool_api()
    probe_port(port, tools)
    writes = [
        (f.bootloader_offset, str(images.files["bootloader"])),
        (f.partition_table_offset, str(images.files["partition_table"])),
        (f.app_offset, str(app)),
    ]
    bauds = list(dict.fromkeys((f.baud, f.fallback_baud)))
    last: BaseException | None = None
    for i, baud in enumerate(bauds):
        try:
            esp = api.detect_chip(port, ROM_BAUD)
        except (api.FatalError, OSError) as exc:
            raise FlashError(_explain_connect(board, port, exc)) from None
        try:
            chip = _chip_name(esp.CHIP_NAME)
            if chip != f.chip:
                other = _board_for_chip(chip)
                hint = f"use --board {other}" if other else "no qmoe board profile has that chip"
                raise FlashError(
                    f"{port} has an {esp.CHIP_NAME}, but board {board.name} carries "
                    f"an {f.chip}: nothing was written. If that is your board, "
                    f"{hint}; otherwise pick the right port"
                )
            esp = api.run_stub(esp)
            if baud != ROM_BAUD:
                esp.change_baud(baud)
            api.attach_flash(esp)
            api.write_flash(esp, writes)
            api.reset_chip(esp, "hard-reset")
            return f"{esp.CHIP_NAME} at {port}, {baud} baud ({images.how})"
        except (api.FatalError, OSError) as exc:
            last = exc
            if i + 1 < len(bauds):
                tools.say(f"flashing at {baud} baud failed ({exc}); retrying at {bauds[i + 1]}")
        finally:
            _close(esp)
    raise FlashError(
        f"flashing {board.name} at {port} failed at {' and '.join(map(str, bauds))} "
        f"baud: {last}. Try another USB cable or port, or hold BOOT while pressing "
        "RESET to enter the download mode, and retry"
    )


def _explain_connect(board: Board, port: str, exc: BaseException) -> str:
    text = str(exc)
    if "could not open" in text.lower() or isinstance(exc, OSError):
        return explain_port_error(port, exc)
    return (
        f"no {board.flash.chip} bootloader answered at {port} ({text.strip()}): hold the "
        "BOOT button, press and release RESET, release BOOT, and retry (the USB-Serial-JTAG "
        "and the DevKits' auto-reset circuits normally do this by themselves)"
    )


# ---- UF2 ----------------------------------------------------------------------------------------


def _mount_points() -> list[Path]:
    """Mounted file systems (Linux /proc/mounts), plus the usual automount folders."""
    points: list[Path] = []
    mounts = Path("/proc/mounts")
    if mounts.is_file():
        points += [
            Path(line.split()[1].replace("\\040", " "))
            for line in mounts.read_text().splitlines()
            if len(line.split()) > 1
        ]
    for base in (Path("/media"), Path("/run/media"), Path("/Volumes")):
        if base.is_dir():
            points += [p for p in base.glob("*") if p.is_dir()]
            points += [p for p in base.glob("*/*") if p.is_dir()]
    points += [
        Path(f"{letter}:/") for letter in "DEFGHIJKLMNOPQRSTUVWXYZ" if Path(f"{letter}:/").exists()
    ]
    return points


def is_uf2_drive(path: Path, label: str) -> bool:
    """True for the mass-storage bootloader's drive: its INFO_UF2.TXT names the board id."""
    info = Path(path) / "INFO_UF2.TXT"
    try:
        return info.is_file() and f"Board-ID: {label}" in info.read_text(errors="replace")
    except OSError:
        return False


def find_uf2_drive(label: str, roots: list[Path] | None = None) -> Path | None:
    """The mounted drive of a UF2 bootloader with this board id, or None."""
    for root in roots if roots is not None else _mount_points():
        if is_uf2_drive(root, label):
            return root
        if root.is_dir() and is_uf2_drive(root / label, label):
            return root / label
    return None


def flash_uf2(board: Board, images: ImageSet, port: str | None, tools: FlashTools) -> str:
    """Copy the UF2 to the bootloader's drive (or use picotool); returns what was done."""
    label = board.flash.drive
    uf2 = images.files["uf2"]
    if port is not None and Path(port).is_dir():
        if not is_uf2_drive(Path(port), label):
            raise FlashError(f"{port} is not a {label} drive (no INFO_UF2.TXT naming {label})")
        drive: Path | None = Path(port)
    else:
        drive = find_uf2_drive(label, tools.drive_roots)
        if drive is None and port is not None:
            probe_port(port, tools, TOUCH_BAUD)  # the 1200-baud touch reboots into BOOTSEL
            deadline = DRIVE_WAIT_S
            while drive is None and deadline > 0:
                tools.sleep(DRIVE_POLL_S)
                deadline -= DRIVE_POLL_S
                drive = find_uf2_drive(label, tools.drive_roots)
    if drive is not None:
        try:
            shutil.copyfile(uf2, drive / uf2.name)
        except OSError as exc:
            raise FlashError(
                f"cannot copy {uf2} to {drive}: {exc}; check that the drive is mounted writable"
            ) from None
        return f"{uf2.name} copied to {drive} (the board reboots into the new firmware)"
    picotool = tools.which("picotool")
    if picotool is None:
        raise FlashError(
            f"no {label} drive is mounted and picotool is not installed: hold "
            f"BOOTSEL while plugging the board in (it mounts as {label}) and retry, "
            "or give the drive's folder as --port"
        )
    proc = tools.run(
        [picotool, "load", "-x", str(uf2), "-f"],
        capture_output=True,
        text=True,
        timeout=UPLOAD_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise FlashError(
            f"picotool failed (exit {proc.returncode}): "
            f"{(proc.stdout + proc.stderr).strip()}; hold BOOTSEL while plugging the "
            "board in and retry"
        )
    return f"{uf2.name} loaded with picotool"


# ---- PlatformIO upload --------------------------------------------------------------------------


def flash_platformio(board: Board, folder: Path, port: str | None, tools: FlashTools) -> str:
    """`pio run -t upload` in the board's PlatformIO project; returns what was done."""
    pio = tools.which("pio") or tools.which("platformio")
    command = f"pio run -d {folder} -t upload" + (f" --upload-port {port}" if port else "")
    if pio is None:
        raise FlashError(
            f"board {board.name} is uploaded by PlatformIO, which is not installed: "
            f"`pip install platformio`, then retry (or run `{command}`)"
        )
    if port is not None:
        probe_port(port, tools)
    args = [pio, "run", "-d", str(folder), "-t", "upload"] + (
        ["--upload-port", port] if port else []
    )
    proc = tools.run(args, capture_output=True, text=True, timeout=UPLOAD_TIMEOUT_S, check=False)
    if proc.returncode == 0:
        return f"uploaded with `{command}`"
    output = (proc.stdout + proc.stderr).strip()
    low = output.lower()
    if "no device found" in low or "no such file" in low:
        hint = (
            "the bootloader did not answer: double-press the board's reset button (the LED "
            "pulses) and retry"
        )
    elif "permission denied" in low or "busy" in low:
        hint = explain_port_error(port or "the port", OSError(output))
    else:
        hint = "see the output above"
    tail = "\n".join(output.splitlines()[-15:])
    raise FlashError(f"`{command}` failed (exit {proc.returncode}): {hint}\n{tail}")


# ---- entry point --------------------------------------------------------------------------------


def flash_board(
    board_name: str, build_dir: Path, port: str | None = None, tools: FlashTools | None = None
) -> FlashResult:
    """Program the board with the project built in `build_dir` (by `qmoe-host build` and the
    project's build command), through the method its `[flash]` table names."""
    board = load_board(board_name)
    tools = tools or FlashTools()
    if board.flash is None:
        raise FlashError(
            f"{board.path}: board {board.name} has no [flash] table "
            "(boards that run here are started with `qmoe-host flash` without --port)"
        )
    method = board.flash.method
    if method == "esptool":
        images = built_images(board, build_dir, ESPTOOL_ROLES)
        detail = flash_esptool(board, images, port, tools)
    elif method == "uf2":
        images = built_images(board, build_dir, ("uf2",))
        detail = flash_uf2(board, images, port, tools)
    else:  # platformio: it builds what is missing and uploads
        info = Path(build_dir) / "build.json"
        stored = [stored_path(info, p["folder"]) for p in read_build(board, build_dir)["projects"]]
        folders = [f for f in stored if (f / "platformio.ini").is_file()]
        if not folders:
            raise FlashError(f"{build_dir}: no PlatformIO project for board {board.name}")
        images = ImageSet("pio run -t upload", {})
        detail = flash_platformio(board, folders[0], port, tools)
    return FlashResult(board.name, method, port, dict(images.files), detail)

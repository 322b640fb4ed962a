"""Energy per inference from three sources, always labelled (docs/energy.md).

- `model`: the board profile's datasheet figures times the measured time, E = V x I_active x t.
- `ina219`: the firmware's INA219/INA226 window energy from the RUN_WINDOW reply (docs/protocol.md).
- `ppk2`: a Nordic Power Profiler Kit II current trace, cut into windows by the firmware's GPIO
  marker on one of the PPK2's digital inputs.

As in MLPerf Tiny, energy per inference is the energy of a window of N back-to-back inferences
divided by N. Units: current in uA, voltage in V, time in s, energy in uJ (uA x V x s = uJ).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qmoe.boards.profile import Board, Power
from qmoe.errors import ConfigError, DataError

MODEL_LABEL = "energy: modelled from datasheet"
MODEL_LABEL_EMULATED = (
    "energy: modelled from datasheet, time from emulated instruction counts at 1 IPC"
)
PPK2_SAMPLE_RATE_HZ = 100_000
PPK2_INSTALL = "pip install ppk2-api"


@dataclass(frozen=True)
class Energy:
    """Energy per inference from one source, with the label every report must show."""

    source: str  # "model" | "ina219" | "ppk2"
    uj_per_inference: float
    label: str
    n: int  # inferences per window the figure is based on
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The `energy` object of windows.jsonl (docs/measure.md), plus the detail."""
        return {
            "source": self.source,
            "uj_per_inference": self.uj_per_inference,
            "label": self.label,
            "n": self.n,
            **self.detail,
        }


def f1_per_mj(f1: float, uj_per_inference: float) -> float:
    """F1 per millijoule of energy per inference (higher is better); ConfigError if energy <= 0."""
    if not uj_per_inference > 0:
        raise ConfigError(f"F1 per mJ needs an energy per inference > 0, got {uj_per_inference}")
    return f1 / (uj_per_inference / 1000.0)


def counter_seconds(count: float, unit: str, clock_hz: float) -> float:
    """Seconds that `count` counter units take: cycles / clock, ns x 1e-9, instructions at 1 IPC."""
    if unit == "ns":
        return count * 1e-9
    if unit in ("cycles", "emulated-instructions"):
        if not clock_hz > 0:
            raise ConfigError(f"cannot turn {unit} into time: clock_hz is {clock_hz}, expected > 0")
        return count / clock_hz
    raise ConfigError(
        f"unknown counter unit {unit!r}: expected cycles, emulated-instructions or ns"
    )


def model_energy(
    power: Power, total: float, n: int, *, unit: str, clock_hz: float, board: str = "the board"
) -> Energy:
    """Modelled energy per inference of a window of `n` inferences lasting `total` counter units.

    E = V x I_active x t with t from the counter (emulated instruction counts are taken at one
    instruction per cycle, and the label says so). Raises ConfigError when the board profile has
    no power figures (voltage or active current 0).
    """
    if not (power.voltage > 0 and power.active_ma > 0):
        raise ConfigError(
            f"{board} has no power figures for the model energy source (power.voltage = "
            f"{power.voltage}, power.active_ma = {power.active_ma}; source: {power.source}); "
            "use --power ina219 or ppk2, or add datasheet figures to its board.toml"
        )
    if n < 1:
        raise ConfigError(f"a window needs n >= 1 inferences, got {n}")
    seconds = counter_seconds(total, unit, clock_hz)
    window_uj = power.voltage * power.active_ma * 1000.0 * seconds
    label = MODEL_LABEL_EMULATED if unit == "emulated-instructions" else MODEL_LABEL
    return Energy(
        "model",
        window_uj / n,
        label,
        n,
        {
            "window_uj": window_uj,
            "seconds": seconds,
            "voltage_v": power.voltage,
            "active_ma": power.active_ma,
            "datasheet": power.source,
        },
    )


def board_model_energy(board: Board, total: float, n: int) -> Energy:
    """model_energy with the board profile's power figures, counter unit and clock."""
    return model_energy(
        board.power,
        total,
        n,
        unit=board.counter.unit,
        clock_hz=board.clock_hz,
        board=f"board {board.name!r}",
    )


def ina219_energy(energy_uj: int, samples: int, n: int, *, board: str = "this board") -> Energy:
    """Energy per inference from a RUN_WINDOW reply's `energy_uj` and `energy_samples` fields.

    The firmware integrates the sensor's power readings over the window; 0 samples means the
    board has no INA219/INA226 (ConfigError), 0 uJ over a positive sample count means the sensor
    saw no current (DataError: check the wiring).
    """
    if n < 1:
        raise DataError(f"RUN_WINDOW reply from {board}: n = {n}, expected >= 1")
    if samples == 0:
        raise ConfigError(
            f"{board} has no INA219: the RUN_WINDOW reply reports 0 sensor samples. Wire an "
            "INA219/INA226 high-side in the board's supply and build the firmware with its driver, "
            "or use --power model or --power ppk2"
        )
    if energy_uj <= 0:
        raise DataError(
            f"{board}: the INA219 took {samples} samples but reports {energy_uj} uJ over a window "
            f"of {n} inferences; expected > 0 (is the shunt in the supply path?)"
        )
    return Energy(
        "ina219",
        energy_uj / n,
        f"energy: measured by on-board INA219 over windows of {n} inferences",
        n,
        {
            "window_uj": float(energy_uj),
            "sensor_samples": int(samples),
            "resolution_uj_per_inference": 1.0 / n,
        },
    )


# ---------------------------------------------------------------------------- PPK2 traces


@dataclass(frozen=True)
class MarkerWindow:
    """A complete marker-high window: samples [start, stop) were high; stop is the falling edge."""

    start: int
    stop: int
    seconds: float
    energy_uj: float
    mean_ua: float


@dataclass(frozen=True)
class TraceEnergy:
    """A PPK2 trace's energy per inference (median over windows), its windows, what was dropped."""

    energy: Energy
    windows: list[MarkerWindow]
    dropped: list[str]
    glitches: int


def marker_from_digital(raw: np.ndarray | Sequence[int], channel: int) -> np.ndarray:
    """The bool marker of digital input `channel` (0..7) from PPK2 raw logic bytes (bit k = Dk)."""
    if not 0 <= channel <= 7:
        raise ConfigError(f"PPK2 digital channel must be 0..7, got {channel}")
    return ((np.asarray(raw, dtype=np.int64) >> channel) & 1).astype(bool)


def _runs(marker: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run-length encoding: (start index, length, level) of each run of equal values."""
    starts = np.concatenate(([0], np.flatnonzero(np.diff(marker.astype(np.int8))) + 1))
    lengths = np.diff(np.concatenate((starts, [marker.size])))
    return starts, lengths, marker[starts]


def marker_windows(
    marker: np.ndarray | Sequence[bool], *, min_width: int = 1
) -> tuple[list[tuple[int, int]], list[str], int]:
    """Complete marker-high windows [rising, falling) of a debounced marker.

    A level change counts only if the new level lasts at least `min_width` samples; shorter
    pulses and dropouts are glitches, ignored and counted. A window open at the start or the end
    of the trace is dropped and reported. Returns (windows, dropped notes, glitch count); raises
    DataError when the marker never changes or no complete window remains.
    """
    m = np.asarray(marker).astype(bool)
    if m.ndim != 1 or m.size == 0:
        raise DataError(f"marker: expected a non-empty 1-D array, got shape {m.shape}")
    if min_width < 1:
        raise ConfigError(f"min_width must be >= 1 sample, got {min_width}")
    starts, lengths, levels = _runs(m)
    solid = np.flatnonzero(lengths >= min_width)
    if solid.size == 0:
        raise DataError(f"marker: no level lasts {min_width} samples; the marker is only glitches")
    state, glitches, edges = bool(levels[solid[0]]), int(solid[0]), []
    for k in range(int(solid[0]) + 1, len(starts)):
        if bool(levels[k]) == state:
            continue
        if lengths[k] < min_width:
            glitches += 1
            continue
        state = bool(levels[k])
        edges.append((int(starts[k]), state))
    first_high = bool(levels[solid[0]])
    if not edges:
        what = "high" if first_high else "low"
        raise DataError(
            f"marker: no marker edge in {m.size} samples (the marker is {what} throughout): is the "
            "board's marker pin wired to the PPK2 digital input given, and did a window run?"
        )
    dropped, windows, rise = [], [], None
    if first_high:
        dropped.append(f"the trace starts inside a window (samples 0-{edges[0][0]}): dropped")
    for index, level in edges:
        if level:
            rise = index
        elif rise is not None:
            windows.append((rise, index))
            rise = None
    if rise is not None:
        dropped.append(
            f"the trace ends inside a window (rising edge at sample {rise}, no falling "
            "edge): dropped"
        )
    if not windows:
        raise DataError(
            "marker: no complete window (rising then falling edge) in the trace; "
            + "; ".join(dropped)
            + ". Record for longer, around whole windows"
        )
    return windows, dropped, glitches


def integrate_uj(
    current_ua: np.ndarray, start: int, stop: int, sample_rate_hz: float, voltage_v: float
) -> float:
    """Energy (uJ) of a window whose marker was high for samples [start, stop): V x integral(I dt).

    The trapezoid rule over the high samples covers (stop - start - 1) sample periods; half a
    period at each end, held at the edge sample's current, makes the integral span exactly the
    window's duration (stop - start) / rate, from rising to falling edge. A constant current I
    inside the window gives exactly V x I x (stop - start) / rate, whatever flows outside it.
    """
    i = np.asarray(current_ua[start:stop], dtype=np.float64)
    if i.size == 0:
        return 0.0
    dt = 1.0 / sample_rate_hz
    trapezoid = dt * (i.sum() - 0.5 * (i[0] + i[-1]))
    ends = 0.5 * dt * (i[0] + i[-1])
    return float(voltage_v * (trapezoid + ends))


def ppk2_energy(
    current_ua: np.ndarray | Sequence[float],
    marker: np.ndarray | Sequence[bool],
    *,
    voltage_v: float,
    n_per_window: int | Sequence[int],
    sample_rate_hz: float = PPK2_SAMPLE_RATE_HZ,
    min_width_s: float = 50e-6,
    source_meter: bool = True,
) -> TraceEnergy:
    """Energy per inference from a PPK2 trace: current (uA) and the marker, one sample each.

    Each complete marker-high window is integrated (trapezoid) and divided by its number of
    inferences (`n_per_window`: one N for all windows or one per complete window); the figure is
    the median over windows (MLPerf Tiny). `voltage_v` is the PPK2's source voltage (source-meter
    mode) or the board's supply voltage (ampere-meter mode).
    """
    i = np.asarray(current_ua, dtype=np.float64)
    m = np.asarray(marker)
    if i.shape != m.shape or i.ndim != 1:
        raise DataError(
            f"PPK2 trace: current has shape {i.shape} but the marker {m.shape}; "
            "expected two 1-D arrays of the same length"
        )
    if not (voltage_v > 0 and sample_rate_hz > 0):
        raise ConfigError(
            f"PPK2 trace: voltage_v ({voltage_v}) and sample_rate_hz ({sample_rate_hz}) must be > 0"
        )
    min_width = max(1, math.ceil(min_width_s * sample_rate_hz - 1e-9))
    spans, dropped, glitches = marker_windows(m, min_width=min_width)
    ns = [int(n_per_window)] * len(spans) if np.ndim(n_per_window) == 0 else list(n_per_window)
    if len(ns) != len(spans) or min(ns) < 1:
        raise DataError(
            f"PPK2 trace: {len(spans)} complete windows but n_per_window = "
            f"{n_per_window}; expected one N >= 1, or one per complete window"
        )
    windows = []
    for start, stop in spans:
        uj = integrate_uj(i, start, stop, sample_rate_hz, voltage_v)
        seconds = (stop - start) / sample_rate_hz
        windows.append(MarkerWindow(start, stop, seconds, uj, uj / (voltage_v * seconds)))
    per = [w.energy_uj / n for w, n in zip(windows, ns)]
    mode = "source-meter" if source_meter else "ampere-meter"
    label = (
        f"energy: measured by PPK2 ({mode}, {voltage_v:g} V) over {len(windows)} marker window(s)"
    )
    energy = Energy(
        "ppk2",
        float(np.median(per)),
        label,
        int(np.median(ns)),
        {
            "per_window_uj_per_inference": per,
            "voltage_v": voltage_v,
            "sample_rate_hz": sample_rate_hz,
            "dropped": dropped,
            "glitches": glitches,
        },
    )
    return TraceEnergy(energy, windows, dropped, glitches)


class PPK2Reader:
    """A live Nordic PPK2 through the `ppk2-api` package (imported only here, not a dependency).

    `record(seconds)` returns (current in uA, marker as bools) at 100 kHz, ready for ppk2_energy.
    In source-meter mode the PPK2 powers the board at `voltage_mv`; in ampere-meter mode it sits in
    series with the board's own supply, whose voltage you then give to ppk2_energy.
    """

    def __init__(
        self,
        port: str | None = None,
        *,
        voltage_mv: int = 3000,
        source_meter: bool = True,
        marker_channel: int = 0,
    ) -> None:
        try:
            from ppk2_api.ppk2_api import PPK2_API
        except ImportError as exc:
            raise ConfigError(
                f"the ppk2 energy source needs the ppk2-api package: {PPK2_INSTALL}"
            ) from exc
        if port is None:
            found = [d[0] if isinstance(d, (tuple, list)) else d for d in PPK2_API.list_devices()]
            if len(found) != 1:
                raise ConfigError(
                    "no PPK2 found: connect a Nordic Power Profiler Kit II by USB (its data port)"
                    if not found
                    else f"several PPK2s found ({', '.join(found)}): pass the port"
                )
            port = found[0]
        if not 0 <= marker_channel <= 7:
            raise ConfigError(f"PPK2 digital channel must be 0..7, got {marker_channel}")
        try:
            self._api = PPK2_API(port)
        except Exception as exc:  # the package raises serial and OS errors of its own
            raise ConfigError(f"cannot open the PPK2 at {port}: {exc}") from exc
        self.port, self.voltage_v, self.marker_channel = port, voltage_mv / 1000.0, marker_channel
        self.source_meter = source_meter
        self._api.get_modifiers()
        self._api.set_source_voltage(voltage_mv)
        (self._api.use_source_meter if source_meter else self._api.use_ampere_meter)()
        if source_meter:
            self._api.toggle_DUT_power("ON")

    def record(self, seconds: float, *, poll_s: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
        """Record `seconds` of current (uA) and marker samples."""
        current: list[float] = []
        logic: list[int] = []
        self._api.start_measuring()
        try:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                buf = self._api.get_data()
                if buf:
                    got = self._api.get_samples(buf)
                    if not isinstance(got, tuple):
                        raise ConfigError(
                            "the installed ppk2-api returns no digital channels; "
                            f"upgrade it: {PPK2_INSTALL} --upgrade"
                        )
                    current.extend(got[0])
                    logic.extend(got[1])
                time.sleep(poll_s)
        finally:
            self._api.stop_measuring()
        k = min(len(current), len(logic))
        return (
            np.asarray(current[:k], dtype=np.float64),
            marker_from_digital(logic[:k], self.marker_channel),
        )

    def energy(self, seconds: float, n_per_window: int | Sequence[int], **kw) -> TraceEnergy:
        """Record and turn the trace into energy per inference (keyword args: ppk2_energy's)."""
        current, marker = self.record(seconds)
        return ppk2_energy(
            current,
            marker,
            voltage_v=self.voltage_v,
            n_per_window=n_per_window,
            source_meter=self.source_meter,
            **kw,
        )

"""qmoe.energy: modelled energy, INA219 window energy, and PPK2 traces with GPIO markers."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from qmoe.boards.profile import Power, load_board
from qmoe.energy import (
    MODEL_LABEL,
    MODEL_LABEL_EMULATED,
    PPK2Reader,
    board_model_energy,
    counter_seconds,
    f1_per_mj,
    ina219_energy,
    integrate_uj,
    marker_from_digital,
    marker_windows,
    model_energy,
    ppk2_energy,
)
from qmoe.errors import ConfigError, DataError
from qmoe.protocol.messages import RunWindowReply

RATE = 100_000  # PPK2 samples per second
POWER = Power(voltage=3.0, active_ma=3.3, idle_ma=0.003, source="nRF52840 PS v1.7")


def trace(windows: list[tuple[int, int]], length: int, *, active_ua=1000.0, idle_ua=5.0):
    """Current (uA) and marker for marker-high windows [start, stop) over `length` samples."""
    marker = np.zeros(length, dtype=bool)
    for start, stop in windows:
        marker[start:stop] = True
    return np.where(marker, active_ua, idle_ua), marker


# ----------------------------------------------------------------------------- model, ina219


def test_model_energy_from_cycles_and_emulated_instructions():
    # 25e6 cycles at 25 MHz = 1 s; 3.0 V x 3.3 mA x 1 s = 9.9 mJ = 9900 uJ per window of 100.
    e = model_energy(POWER, 25_000_000, 100, unit="cycles", clock_hz=25_000_000)
    assert e.uj_per_inference == pytest.approx(99.0) and e.label == MODEL_LABEL
    assert e.detail["window_uj"] == pytest.approx(9900.0) and e.source == "model"
    emu = model_energy(POWER, 25_000_000, 100, unit="emulated-instructions", clock_hz=25e6)
    assert emu.uj_per_inference == pytest.approx(99.0)
    assert emu.label == MODEL_LABEL_EMULATED and "1 IPC" in emu.label
    ns = model_energy(POWER, 2_000_000, 4, unit="ns", clock_hz=0)  # 2 ms
    assert ns.uj_per_inference == pytest.approx(3.0 * 3300.0 * 2e-3 / 4)
    d = e.to_dict()
    assert d["label"] == MODEL_LABEL and d["uj_per_inference"] == pytest.approx(99.0)


def test_model_energy_uses_the_board_profile_and_refuses_boards_without_figures():
    m4 = load_board("qemu-m4")
    e = board_model_energy(m4, 1_000_000, 10)
    t = 1_000_000 / m4.clock_hz
    assert e.uj_per_inference == pytest.approx(m4.power.voltage * m4.power.active_ma * 1e3 * t / 10)
    assert e.label == MODEL_LABEL_EMULATED and e.detail["datasheet"] == m4.power.source
    with pytest.raises(ConfigError, match=r"'native' has no power figures.*power.voltage = 0"):
        board_model_energy(load_board("native"), 1000, 1)


def test_counter_units():
    assert counter_seconds(48_000_000, "cycles", 48e6) == pytest.approx(1.0)
    assert counter_seconds(1500, "ns", 0) == pytest.approx(1.5e-6)
    with pytest.raises(ConfigError, match="clock_hz is 0"):
        counter_seconds(10, "cycles", 0)
    with pytest.raises(ConfigError, match="unknown counter unit 'ticks'"):
        counter_seconds(10, "ticks", 1e6)
    assert f1_per_mj(0.9, 90.0) == pytest.approx(10.0)  # 90 uJ = 0.09 mJ
    with pytest.raises(ConfigError):
        f1_per_mj(0.9, 0.0)


def test_ina219_window_energy_per_inference():
    reply = RunWindowReply(
        n=100,
        counter_min=3300,
        counter_max=3600,
        energy_uj=5000,
        energy_samples=50,
        counter_total=340_000,
    )
    e = ina219_energy(reply.energy_uj, reply.energy_samples, reply.n, board="nano33ble")
    assert e.uj_per_inference == pytest.approx(50.0) and e.source == "ina219"
    assert "INA219" in e.label and e.detail["resolution_uj_per_inference"] == pytest.approx(0.01)
    with pytest.raises(ConfigError, match="qemu-m4 has no INA219.*0 sensor samples"):
        ina219_energy(0, 0, 100, board="qemu-m4")
    with pytest.raises(DataError, match="reports 0 uJ"):
        ina219_energy(0, 12, 100, board="nano33ble")


# ----------------------------------------------------------------------------- PPK2 traces


def test_constant_current_gives_the_exact_energy():
    # 1000 uA at 3.0 V for 1000 samples (10 ms) = 30 uJ per window; N = 10 -> 3 uJ per inference.
    wins = [(500, 1500), (3000, 4000), (5500, 6500)]
    current, marker = trace(wins, 8000)
    res = ppk2_energy(current, marker, voltage_v=3.0, n_per_window=10)
    assert [(w.start, w.stop) for w in res.windows] == wins
    for w in res.windows:
        assert w.energy_uj == pytest.approx(30.0, rel=1e-12)
        assert w.seconds == pytest.approx(0.01) and w.mean_ua == pytest.approx(1000.0)
    assert res.energy.uj_per_inference == pytest.approx(3.0, rel=1e-12)
    assert res.energy.source == "ppk2" and "PPK2" in res.energy.label
    assert res.dropped == [] and res.glitches == 0


def test_trapezoid_on_a_ramp_and_uneven_windows():
    i = np.linspace(0.0, 999.0, 1000)  # a linear ramp: the trapezoid rule is exact on it
    dt = 1 / RATE
    inner = (
        float(np.trapezoid(i[100:200], dx=dt))
        if hasattr(np, "trapezoid")
        else dt * (i[100:200].sum() - (i[100] + i[199]) / 2)
    )
    expect = 2.0 * (inner + dt / 2 * (i[100] + i[199]))
    assert integrate_uj(i, 100, 200, RATE, 2.0) == pytest.approx(expect, rel=1e-12)
    current, marker = trace([(100, 1100), (2000, 2500)], 3000)
    res = ppk2_energy(current, marker, voltage_v=3.3, n_per_window=[20, 10])
    per = [3.3 * 1000 * 0.01 / 20, 3.3 * 1000 * 0.005 / 10]
    assert res.energy.detail["per_window_uj_per_inference"] == pytest.approx(per)
    with pytest.raises(DataError, match="2 complete windows but n_per_window"):
        ppk2_energy(current, marker, voltage_v=3.3, n_per_window=[20])


def test_noise_averages_out():
    rng = np.random.default_rng(0)
    current, marker = trace(
        [(1000 + 5000 * k, 4000 + 5000 * k) for k in range(5)], 26_000, active_ua=2000.0
    )
    noisy = current + rng.normal(0.0, 100.0, current.size)
    res = ppk2_energy(noisy, marker, voltage_v=1.8, n_per_window=50)
    exact = 1.8 * 2000.0 * 0.03 / 50
    assert res.energy.uj_per_inference == pytest.approx(exact, rel=0.005)
    assert res.energy.uj_per_inference != exact


def test_marker_glitches_are_ignored_and_counted():
    current, marker = trace([(1000, 3000), (5000, 7000)], 9000)
    marker[400] = True  # a one-sample spike while idle
    marker[2000:2002] = False  # a two-sample dropout inside the first window
    marker[8000:8003] = True  # a three-sample spike
    current = np.where(marker, 1000.0, 5.0)  # the board draws idle current during the dropout
    res = ppk2_energy(current, marker, voltage_v=3.0, n_per_window=100, min_width_s=50e-6)
    assert [(w.start, w.stop) for w in res.windows] == [(1000, 3000), (5000, 7000)]
    assert res.glitches == 3
    # The dropout's two idle samples are integrated as measured (5 uA, not 1000 uA).
    assert res.windows[0].energy_uj == pytest.approx(3.0 * (1998 * 1000 + 2 * 5) / RATE)
    assert res.windows[1].energy_uj == pytest.approx(3.0 * 2000 * 1000 / RATE)
    # Without debouncing the spikes become windows of their own and the first window splits.
    raw, _, _ = marker_windows(marker, min_width=1)
    assert len(raw) == 5


def test_partial_windows_are_dropped_and_reported():
    current, marker = trace([(0, 700), (2000, 3000), (4000, 5000), (6000, 6500)], 6500)
    res = ppk2_energy(current, marker, voltage_v=3.0, n_per_window=10)
    assert [(w.start, w.stop) for w in res.windows] == [(2000, 3000), (4000, 5000)]
    assert len(res.dropped) == 2
    assert "starts inside a window" in res.dropped[0]
    assert "ends inside a window (rising edge at sample 6000" in res.dropped[1]
    assert res.energy.detail["dropped"] == res.dropped


def test_rising_edge_only_and_no_marker_are_clear_errors():
    current, marker = trace([(3000, 5000)], 5000)  # rises, never falls
    with pytest.raises(DataError, match="no complete window.*ends inside a window"):
        ppk2_energy(current, marker, voltage_v=3.0, n_per_window=10)
    with pytest.raises(DataError, match="no marker edge.*low throughout"):
        ppk2_energy(np.ones(100), np.zeros(100, bool), voltage_v=3.0, n_per_window=1)
    with pytest.raises(DataError, match="high throughout"):
        marker_windows(np.ones(100, bool))
    with pytest.raises(DataError, match="same length"):
        ppk2_energy(np.ones(100), np.zeros(99, bool), voltage_v=3.0, n_per_window=1)


def test_marker_from_the_ppk2_logic_byte():
    raw = np.array([0b0000_1000, 0b0000_0000, 0b1111_1111, 0b1111_0111])
    assert marker_from_digital(raw, 3).tolist() == [True, False, True, False]
    with pytest.raises(ConfigError, match="0..7"):
        marker_from_digital(raw, 8)


# ----------------------------------------------------------------------------- live reader


def test_reader_without_the_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ppk2_api", None)
    monkeypatch.setitem(sys.modules, "ppk2_api.ppk2_api", None)
    with pytest.raises(ConfigError, match="pip install ppk2-api"):
        PPK2Reader()


def fake_ppk2(monkeypatch, devices, current=None, logic=None):
    """Install a stand-in `ppk2_api` package (the real one talks to USB hardware)."""

    class FakeAPI:
        sent = {"current": current, "logic": logic}

        def __init__(self, port):
            self.port, self.calls = port, []

        @staticmethod
        def list_devices():
            return devices

        def __getattr__(self, name):  # get_modifiers, set_source_voltage, use_source_meter, ...
            return lambda *a: self.calls.append((name, a))

        def get_data(self):
            return b"x" if self.sent["current"] is not None else b""

        def get_samples(self, buf):
            cur, log = self.sent["current"], self.sent["logic"]
            self.sent["current"] = None
            return list(cur), list(log)

    pkg, mod = types.ModuleType("ppk2_api"), types.ModuleType("ppk2_api.ppk2_api")
    mod.PPK2_API = FakeAPI
    monkeypatch.setitem(sys.modules, "ppk2_api", pkg)
    monkeypatch.setitem(sys.modules, "ppk2_api.ppk2_api", mod)


def test_reader_without_a_device_says_to_connect_one(monkeypatch):
    fake_ppk2(monkeypatch, [])
    with pytest.raises(ConfigError, match="no PPK2 found: connect"):
        PPK2Reader()
    fake_ppk2(monkeypatch, [("/dev/ttyACM0", "C1"), ("/dev/ttyACM1", "C2")])
    with pytest.raises(ConfigError, match="several PPK2s"):
        PPK2Reader()


def test_reader_records_and_measures_a_trace(monkeypatch):
    current, marker = trace([(100, 600), (900, 1400)], 1600, active_ua=1500.0)
    logic = np.where(marker, 0b0000_0100, 0)  # the marker on D2
    fake_ppk2(monkeypatch, ["/dev/ttyACM0"], current, logic)
    reader = PPK2Reader(voltage_mv=3300, marker_channel=2)
    assert reader.port == "/dev/ttyACM0"
    got_i, got_m = reader.record(0.02, poll_s=0.001)
    assert got_i.tolist() == current.tolist() and got_m.tolist() == marker.tolist()
    fake_ppk2(monkeypatch, ["/dev/ttyACM0"], current, logic)
    res = PPK2Reader(voltage_mv=3300, marker_channel=2).energy(0.02, 25)
    assert res.energy.uj_per_inference == pytest.approx(3.3 * 1500.0 * 500 / RATE / 25)
    assert "source-meter, 3.3 V" in res.energy.label

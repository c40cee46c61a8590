"""Input encoders: current, delta modulation, Poisson and recorded spikes."""

from __future__ import annotations

import numpy as np
import pytest

from s2decode.net import S2NetConfig, encode
from s2decode.net.encoders import standardize
from s2decode.spiketrains import SpikeTrains


def _rng(seed=0):
    return np.random.default_rng(seed)


def test_standardize_per_series_and_constant_series():
    x = np.stack([np.arange(10.0), np.full(10, 3.0)])[None]
    z = standardize(x)
    np.testing.assert_allclose(z[0, 0].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(z[0, 0].std(), 1)
    np.testing.assert_array_equal(z[0, 1], 0)


def test_current_drive_layout_and_duration():
    x = _rng().normal(size=(2, 3, 50))
    drive = encode(x, 100.0, S2NetConfig(), _rng())
    assert drive.current.shape == (2, 50, 3)  # (trial, row, neuron)
    np.testing.assert_allclose(drive.current[1, :, 2], standardize(x)[1, 2])
    assert drive.duration == pytest.approx(0.5)
    assert drive.row_rate == 100.0
    assert not drive.has_events


def test_time_scale_maps_slow_signals_to_network_time():
    # fMRI-like: 20 volumes at TR 2.5 s, one TR mapped to 25 ms of network time
    x = _rng().normal(size=(1, 4, 20))
    cfg = S2NetConfig(time_scale=0.01)
    drive = encode(x, 0.4, cfg, _rng(), t_start=-5.0)
    assert drive.duration == pytest.approx(0.5)
    assert drive.row_rate == pytest.approx(40.0)
    assert drive.t_start == pytest.approx(-0.05)


def test_duration_override_and_too_short():
    x = _rng().normal(size=(1, 2, 1))  # a rates table: one sample
    drive = encode(x, 1.0, S2NetConfig(standardize=False), _rng(), duration=0.2)
    assert drive.duration == 0.2
    with pytest.raises(ValueError, match="under 10 integration steps"):
        encode(x, 1e5, S2NetConfig(), _rng())


def test_delta_modulation_events_by_hand():
    # one series rising by 1.0, then falling by 2.2, step delta = 0.5
    x = np.array([0.0, 1.0, 1.0, -1.2])[None, None]
    cfg = S2NetConfig(encoder="delta", delta=0.5, standardize=False)
    drive = encode(x, 100.0, cfg, _rng())
    # +2 events at sample 1 (steps 100, 101), -4 at sample 3 (steps 300..303): the level
    # goes 0 -> 1.0 -> -1.0 (the remaining -0.2 is below delta)
    np.testing.assert_array_equal(drive.ev_step, [100, 101, 300, 301, 302, 303])
    np.testing.assert_array_equal(drive.ev_sign, [1, 1, -1, -1, -1, -1])
    np.testing.assert_array_equal(drive.ev_neuron, 0)
    assert drive.current.shape == (1, 1, 1) and not drive.current.any()


def test_delta_modulation_tracks_the_signal():
    t = np.linspace(0, 1, 500)
    x = np.sin(2 * np.pi * 3 * t)[None, None]
    cfg = S2NetConfig(encoder="delta", delta=0.1, standardize=False)
    drive = encode(x, 500.0, cfg, _rng())
    # the running sum of events reconstructs the signal to within one delta
    recon = np.zeros(500)
    sample = np.floor(drive.ev_step * cfg.dt * 500.0 + 1e-9).astype(int)
    np.add.at(recon, sample, drive.ev_sign * 0.1)
    recon = np.cumsum(recon)
    assert drive.ev_step.size > 50
    assert np.max(np.abs(recon - (x[0, 0] - x[0, 0, 0]))) < 0.1 + 1e-9


def test_poisson_rates_and_seed():
    x = np.zeros((4, 5, 10))
    x[:, 0] = 1.0  # neuron 0 at rate_offset + rate_gain
    cfg = S2NetConfig(encoder="poisson", standardize=False, rate_offset=20.0, rate_gain=80.0)
    drive = encode(x, 10.0, cfg, _rng(3))
    counts = np.bincount(drive.ev_neuron, minlength=5) / 4  # per trial, over 1 s
    assert counts[0] == pytest.approx(100.0, rel=0.25)
    assert counts[1:].mean() == pytest.approx(20.0, rel=0.25)
    again = encode(x, 10.0, cfg, _rng(3))
    np.testing.assert_array_equal(drive.ev_step, again.ev_step)
    # at most one event per neuron and step, sorted by (trial, step)
    key = drive.ev_trial * 10**9 + drive.ev_step * 10 + drive.ev_neuron
    assert np.all(np.diff(key) > 0)


def test_poisson_negative_rates_clip_to_zero():
    x = np.full((1, 2, 10), -1.0)
    cfg = S2NetConfig(encoder="poisson", standardize=False, rate_offset=10.0, rate_gain=50.0)
    assert not encode(x, 10.0, cfg, _rng()).has_events


def test_recorded_spikes_drive_their_neurons():
    st = SpikeTrains.from_lists(
        [[np.array([0.1, 0.10004, 0.5]), np.array([])], [np.array([]), np.array([0.25])]],
        0.0,
        1.0,
    )
    drive = encode(st, None, S2NetConfig(encoder="spikes"), _rng())
    # 0.1 and 0.10004 fall into the same 0.1 ms step: one event
    np.testing.assert_array_equal(drive.ev_trial, [0, 0, 1])
    np.testing.assert_array_equal(drive.ev_neuron, [0, 0, 1])
    np.testing.assert_array_equal(drive.ev_step, [1000, 5000, 2500])
    assert drive.duration == 1.0


def test_encoder_input_mismatch_errors():
    st = SpikeTrains.from_lists([[np.array([0.1])]], 0.0, 1.0)
    with pytest.raises(ValueError, match="encoder='spikes'"):
        encode(st, None, S2NetConfig(), _rng())
    with pytest.raises(ValueError, match="needs recorded spike trains"):
        encode(np.zeros((1, 1, 10)), 10.0, S2NetConfig(encoder="spikes"), _rng())
    with pytest.raises(ValueError, match="sfreq"):
        encode(np.zeros((1, 1, 10)), None, S2NetConfig(), _rng())


def test_standardize_constant_signals_become_zero_whatever_the_rounding():
    """A constant of 0.1 over 7 samples has a rounded mean and a std of ~1e-17, not 0."""
    x = np.stack([np.full(7, 0.1), np.zeros(7), np.arange(7.0)])
    z = standardize(x)
    assert np.array_equal(z[:2], np.zeros((2, 7)))
    np.testing.assert_allclose(z[2].mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(z[2].std(), 1.0, rtol=1e-12)

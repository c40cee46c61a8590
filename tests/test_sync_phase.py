"""Spike phases, Kuramoto order parameter and phase locking against plain-numpy references."""

from __future__ import annotations

import numpy as np
import pytest

import s2decode.sync as sync
from s2decode import SpikeTrains

from . import sync_reference as ref

TOL = 1e-10


@pytest.fixture
def trains():
    rng = np.random.default_rng(40)
    out = ref.random_trains(rng, 5, 0.0, 2.0, 30, min_spikes=1)
    out.append(np.array([]))  # a silent neuron has no phase
    out.append(np.array([0.5, 1.0, 1.5]))  # samples fall exactly on its spikes
    return out


@pytest.fixture
def times():
    return np.linspace(0.0, 2.0, 401)


def _wrapped_diff(a, b):
    """Angular difference in (-pi, pi], NaN kept."""
    return np.angle(np.exp(1j * (a - b)))


def test_linear_phases_equal_reference(trains, times):
    ours = sync.spike_phases(trains, times, 0.0, 2.0)
    expected = ref.linear_phases(trains, times)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_allclose(ours, expected, rtol=0, atol=TOL)
    finite = ours[np.isfinite(ours)]
    assert finite.min() >= 0 and finite.max() < 2 * np.pi
    # On a spike the phase is 0; before the first spike it is undefined.
    assert ours[-1, 100] == 0.0 and np.isnan(ours[-1, 99])


@pytest.mark.parametrize("omega", [2 * np.pi * 10.0, np.arange(7) * 20.0])
def test_history_phases_equal_the_summed_trace(trains, times, omega):
    ours = sync.spike_phases(trains, times, 0.0, 2.0, method="history", omega=omega, memory=0.05)
    omegas = np.broadcast_to(omega, (len(trains),))
    for i, train in enumerate(trains):
        expected = ref.history_phases([train], times, omegas[i], 0.05)[0]
        np.testing.assert_array_equal(np.isnan(ours[i]), np.isnan(expected))
        ok = np.isfinite(expected)
        np.testing.assert_allclose(_wrapped_diff(ours[i, ok], expected[ok]), 0, atol=1e-9)


@pytest.mark.parametrize("omega", [2 * np.pi * 10.0, np.arange(7) * 20.0])
def test_phasors_are_the_history_phases_on_the_unit_circle(trains, times, omega):
    kwargs = dict(omega=omega, memory=0.05)
    phasors = sync.spike_phasors(trains, times, 0.0, 2.0, **kwargs)
    phases = sync.spike_phases(trains, times, 0.0, 2.0, method="history", **kwargs)
    assert phasors.dtype == np.complex128 and phasors.shape == phases.shape
    np.testing.assert_array_equal(np.isnan(phasors), np.isnan(phases) + 0j)
    ok = np.isfinite(phases)
    np.testing.assert_allclose(np.abs(phasors[ok]), 1.0, rtol=0, atol=1e-14)
    np.testing.assert_allclose(_wrapped_diff(np.angle(phasors[ok]), phases[ok]), 0, atol=1e-9)
    # batched like every other function of the module
    st = SpikeTrains.from_lists([trains, trains[::-1]], 0.0, 2.0)
    both = sync.spike_phasors(st, times, **kwargs)
    np.testing.assert_array_equal(both[0], phasors)


def test_phasors_of_a_trace_too_small_to_square():
    # 30 s after its only spike the trace is ~1e-261: its square underflows, its phase does not
    t = np.array([30.0])
    u = sync.spike_phasors([np.array([0.0])], t, 0.0, 31.0, omega=2 * np.pi * 3.0, memory=0.05)
    expected = ref.history_phases([np.array([0.0])], t, 2 * np.pi * 3.0, 0.05)
    assert np.isfinite(u).all() and abs(abs(u[0, 0]) - 1) < 1e-14
    assert abs(_wrapped_diff(np.angle(u[0, 0]), expected[0, 0])) < 1e-9
    with pytest.raises(ValueError, match="needs omega"):
        sync.spike_phasors([np.array([0.0])], t, 0.0, 31.0, omega=None)


def test_order_and_plv_take_phasors(trains, times):
    phases = sync.spike_phases(trains, times, 0.0, 2.0, method="history", omega=40.0)
    phasors = sync.spike_phasors(trains, times, 0.0, 2.0, omega=40.0)
    groups = np.array(["b", "a", "b", "a", "c", "c", "a"])
    windows = [[0.0, 1.0], [1.0, 2.0]]
    of_phases = sync.kuramoto_order(phases, groups, times=times, windows=windows)
    of_phasors = sync.kuramoto_order(phasors, groups, times=times, windows=windows)
    for a, b in zip(of_phases[:-1], of_phasors[:-1], strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    np.testing.assert_allclose(of_phasors.order, ref.kuramoto(phases), rtol=0, atol=TOL)
    plv = sync.phase_locking_matrix(phasors, times=times, windows=windows)
    np.testing.assert_allclose(
        plv, sync.phase_locking_matrix(phases, times=times, windows=windows), rtol=0, atol=TOL
    )
    np.testing.assert_allclose(plv[0], ref.plv(phases[:, times <= 1.0]), rtol=0, atol=TOL)


def test_phase_ranges_hold_where_rounding_would_leave_them():
    # One ulp before a spike, 2 pi (t - t_k) / (t_{k+1} - t_k) rounds to 2 pi itself.
    a, b = 0.06717115061092871, 1.7148085531751387
    t = np.nextafter(b, 0.0)
    assert 2 * np.pi * (t - a) / (b - a) == 2 * np.pi
    phase = sync.spike_phases([np.array([a, b])], np.array([t]), 0.0, 2.0)[0, 0]
    assert 0 <= phase < 2 * np.pi
    # Half a turn clockwise: atan2 of a tiny negative imaginary part is -pi, i.e. pi.
    phase = sync.spike_phases(
        [np.array([0.0])], np.array([0.5]), 0.0, 1.0, method="history", omega=-2 * np.pi
    )
    assert phase[0, 0] == np.pi


def test_phases_batch(trains, times):
    st = SpikeTrains.from_lists([trains, trains[::-1]], 0.0, 2.0)
    out = sync.spike_phases(st, times)
    assert out.shape == (2, len(trains), times.size)
    np.testing.assert_array_equal(out[1], sync.spike_phases(trains[::-1], times, 0.0, 2.0))


def test_phase_errors(trains, times):
    with pytest.raises(ValueError, match="needs omega"):
        sync.spike_phases(trains, times, 0.0, 2.0, method="history")
    with pytest.raises(ValueError, match="method must be"):
        sync.spike_phases(trains, times, 0.0, 2.0, method="hilbert")
    with pytest.raises(ValueError, match="times must be sorted"):
        sync.spike_phases(trains, times[::-1], 0.0, 2.0)


def test_kuramoto_equals_reference(trains, times):
    phases = sync.spike_phases(trains, times, 0.0, 2.0)
    groups = np.array(["b", "a", "b", "a", "c", "c", "a"])
    result = sync.kuramoto_order(phases, groups)
    expected = ref.kuramoto(phases)
    np.testing.assert_array_equal(np.isnan(result.order), np.isnan(expected))
    np.testing.assert_allclose(result.order, expected, rtol=0, atol=TOL)
    assert result.mean == pytest.approx(np.nanmean(expected), abs=TOL)
    assert result.metastability == pytest.approx(np.nanstd(expected), abs=TOL)
    assert list(result.groups) == ["a", "b", "c"]
    for g, name in enumerate(result.groups):
        sub = ref.kuramoto(phases[groups == name])
        np.testing.assert_allclose(result.group_order[g], sub, rtol=0, atol=TOL)
        assert result.group_mean[g] == pytest.approx(np.nanmean(sub), abs=TOL)
        assert result.group_metastability[g] == pytest.approx(np.nanstd(sub), abs=TOL)


def test_kuramoto_known_values_and_windows():
    t = np.linspace(0, 1, 11)
    locked = np.tile(2 * np.pi * 5 * t, (4, 1))
    split = locked.copy()
    split[2:] += np.pi  # two anti-phase clusters
    res = sync.kuramoto_order(np.stack([locked, split]), groups=[0, 0, 1, 1])
    np.testing.assert_allclose(res.order, [np.ones(11), np.zeros(11)], atol=1e-12)
    np.testing.assert_allclose(res.group_order, 1.0, atol=1e-12)
    assert res.metastability.shape == (2,) and np.allclose(res.metastability, 0)
    # Windows: one mean per window; a window without samples is NaN.
    res = sync.kuramoto_order(split, times=t, windows=[[0.0, 0.5], [0.5, 1.0]])
    assert res.mean.shape == (2,)
    with pytest.raises(ValueError, match="pass times"):
        sync.kuramoto_order(split, windows=[[0.0, 0.5]])
    with pytest.raises(ValueError, match="one label per neuron"):
        sync.kuramoto_order(split, groups=[0, 1])


def test_plv_equals_reference(trains, times):
    phases = sync.spike_phases(trains, times, 0.0, 2.0)
    ours = sync.phase_locking_matrix(phases)
    expected = ref.plv(phases)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_allclose(ours, expected, rtol=0, atol=TOL)
    # Exact by construction (one triangle mirrored), whatever order BLAS sums in on this CPU.
    np.testing.assert_array_equal(ours, ours.T)
    defined = np.isfinite(phases).any(axis=1)
    np.testing.assert_array_equal(np.diag(ours), np.where(defined, 1.0, np.nan))
    windows = [[0.0, 1.0], [1.0, 2.0]]
    per_window = sync.phase_locking_matrix(phases, times=times, windows=windows)
    assert per_window.shape == (2, len(trains), len(trains))
    for w, (a, b) in enumerate(windows):
        keep = (times >= a) & (times <= b)
        np.testing.assert_allclose(per_window[w], ref.plv(phases[:, keep]), rtol=0, atol=TOL)


def test_plv_known_values():
    t = np.linspace(0, 1, 200)
    a = 2 * np.pi * 7 * t
    rng = np.random.default_rng(41)
    phases = np.stack([a, a + 1.0, rng.uniform(0, 2 * np.pi, t.size)])
    plv = sync.phase_locking_matrix(phases)
    assert plv[0, 1] == pytest.approx(1.0)  # constant lag: locked
    assert plv[0, 2] < 0.3  # random phases: not


def test_plv_of_a_window_without_samples_is_nan(capfd):
    times = np.linspace(0.0, 1.0, 11)
    phases = np.tile(2 * np.pi * times, (3, 1))
    plv = sync.phase_locking_matrix(phases, times=times, windows=[[0.0, 0.5], [2.0, 3.0]])
    np.testing.assert_allclose(plv[0], 1.0, rtol=0, atol=TOL)
    assert np.isnan(plv[1]).all()
    assert capfd.readouterr().err == ""  # no complaint from BLAS about an empty product

"""STTC and spike-contrast against Elephant and the plain-numpy references."""

from __future__ import annotations

import functools
import types
import warnings

import numpy as np
import pytest

import s2decode.sync as sync

from . import sync_reference as ref

TOL = 1e-10
CASES = ref.edge_cases()


def _elephant() -> types.SimpleNamespace:
    """Elephant (the peer) and its neo and quantities; the test is skipped where absent.

    Only the comparisons with the peer need it: those with the plain references
    (``tests/sync_reference.py``) run either way.
    """
    neo = pytest.importorskip("neo")
    pq = pytest.importorskip("quantities")
    pytest.importorskip("elephant")
    from elephant.spike_train_correlation import spike_time_tiling_coefficient
    from elephant.spike_train_synchrony import spike_contrast

    return types.SimpleNamespace(
        neo=neo, pq=pq, sttc=spike_time_tiling_coefficient, contrast=spike_contrast
    )


def _neo(trains, t_start=0.0, t_stop=1.0):
    neo = _elephant().neo
    return [neo.SpikeTrain(t, t_start=t_start, t_stop=t_stop, units="s") for t in trains]


def _elephant_sttc(trains, dt, t_start=0.0, t_stop=1.0):
    peer = _elephant()
    spike_time_tiling_coefficient, pq = peer.sttc, peer.pq
    st = _neo(trains, t_start, t_stop)
    n = len(st)
    out = np.empty((n, n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(n):
            for j in range(n):
                out[i, j] = spike_time_tiling_coefficient(st[i], st[j], dt * pq.s)
    return out


def _widened_pairs(trains, dt):
    """Whether a spike pair falls where np.isclose's rtol widens Elephant's window."""
    for a in trains:
        for b in trains:
            gap = np.abs(a[:, None] - b[None, :])
            if np.any((gap > dt) & (gap <= dt + 1e-5 * np.abs(b)[None, :])):
                return True
    return False


# --------------------------------------------------------------------------- STTC


@pytest.mark.parametrize("dt", [0.005, 0.05])
def test_sttc_equals_elephant_on_short_recordings(dt):
    rng = np.random.default_rng(30)
    for _ in range(10):
        trains = ref.random_trains(rng, int(rng.integers(2, 5)), 0.0, 1.0, 20)
        # On 1 s the widened strip is at most 10 us wide: checked, not assumed.
        assert not _widened_pairs(trains, dt)
        np.testing.assert_allclose(
            sync.sttc_matrix(trains, dt, 0.0, 1.0),
            _elephant_sttc(trains, dt),
            rtol=0,
            atol=TOL,
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_sttc_edge_cases(name, monkeypatch):
    trains = CASES[name]
    ours = sync.sttc_matrix(trains, 0.02, 0.0, 1.0)
    np.testing.assert_allclose(ours, ref.sttc_matrix(trains, 0.02, 0.0, 1.0), rtol=0, atol=TOL)
    if not _widened_pairs(trains, 0.02):
        np.testing.assert_allclose(ours, _elephant_sttc(trains, 0.02), rtol=0, atol=TOL)
    # Some cases put spikes exactly dt apart (0.5 and 0.52 are 0.020000000000000018 apart):
    # outside the window, but inside Elephant's widened one. Without its rtol they agree.
    monkeypatch.setattr(np, "isclose", functools.partial(np.isclose, rtol=0.0))
    np.testing.assert_allclose(ours, _elephant_sttc(trains, 0.02), rtol=0, atol=TOL)


def test_sttc_is_the_textbook_formula_on_long_recordings(monkeypatch):
    # 60 s at 20 Hz: Elephant's np.isclose widens dt by up to 0.6 ms and differs; with its
    # relative tolerance switched off it is the textbook formula, and so are we.
    rng = np.random.default_rng(31)
    trains = ref.random_trains(rng, 3, 0.0, 60.0, 1200, min_spikes=1000)
    ours = sync.sttc_matrix(trains, 0.005, 0.0, 60.0)
    assert _widened_pairs(trains, 0.005)
    np.testing.assert_allclose(ours, ref.sttc_matrix(trains, 0.005, 0.0, 60.0), rtol=0, atol=TOL)
    assert not np.allclose(ours, _elephant_sttc(trains, 0.005, 0.0, 60.0), rtol=0, atol=TOL)
    monkeypatch.setattr(np, "isclose", functools.partial(np.isclose, rtol=0.0))
    np.testing.assert_allclose(ours, _elephant_sttc(trains, 0.005, 0.0, 60.0), rtol=0, atol=TOL)


def test_sttc_known_values():
    a = np.array([0.1, 0.4, 0.7])
    m = sync.sttc_matrix([a, a, np.array([]), np.array([0.25, 0.55, 0.85])], 0.01, 0.0, 1.0)
    assert m[0, 1] == 1.0 and m[0, 0] == 1.0
    assert np.isnan(m[0, 2]) and np.isnan(m[2, 2])
    assert m[0, 3] < 0  # spikes never within dt of each other: anti-correlated
    with pytest.raises(ValueError, match="dt must be finite and > 0"):
        sync.sttc_matrix([a, a], 0.0, 0.0, 1.0)


# --------------------------------------------------------------------------- spike-contrast


def _elephant_contrast(trains, t_start=0.0, t_stop=1.0, **kw):
    peer = _elephant()
    elephant_contrast, pq = peer.contrast, peer.pq
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return elephant_contrast(
                _neo(trains, t_start, t_stop), t_start=t_start * pq.s, t_stop=t_stop * pq.s, **kw
            )
        except ValueError:  # Elephant raises where no train has two spikes; we give NaN
            return np.nan


def test_spike_contrast_equals_elephant_and_reference():
    rng = np.random.default_rng(32)
    cases = []
    for _ in range(12):
        t_stop = float(rng.uniform(0.5, 3.0))
        trains = ref.random_trains(rng, int(rng.integers(2, 6)), 0.0, t_stop, 30)
        ours = sync.spike_contrast(trains, 0.0, t_stop)
        assert ours == pytest.approx(ref.spike_contrast(trains, 0.0, t_stop), abs=TOL, nan_ok=True)
        cases.append((trains, t_stop, ours))
    for trains, t_stop, ours in cases:  # then the peer, where it is installed
        assert ours == pytest.approx(_elephant_contrast(trains, 0.0, t_stop), abs=TOL, nan_ok=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_spike_contrast_edge_cases(name):
    trains = CASES[name]
    ours = sync.spike_contrast(trains, 0.0, 1.0)
    assert ours == pytest.approx(ref.spike_contrast(trains, 0.0, 1.0), abs=TOL, nan_ok=True)
    assert ours == pytest.approx(_elephant_contrast(trains), abs=TOL, nan_ok=True)


def test_spike_contrast_trace_and_options():
    rng = np.random.default_rng(33)
    trains = ref.random_trains(rng, 4, 0.0, 2.0, 40, min_spikes=5)
    value, trace = sync.spike_contrast(
        trains, 0.0, 2.0, min_bin=0.005, bin_shrink_factor=0.8, return_trace=True
    )
    peer = _elephant()
    pq = peer.pq
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, their_trace = peer.contrast(
            _neo(trains, 0.0, 2.0),
            t_start=0.0 * pq.s,
            t_stop=2.0 * pq.s,
            min_bin=5 * pq.ms,
            bin_shrink_factor=0.8,
            return_trace=True,
        )
    assert value == pytest.approx(theirs, abs=TOL)
    np.testing.assert_allclose(trace.synchrony, their_trace.synchrony, rtol=0, atol=TOL)
    np.testing.assert_allclose(trace.contrast, their_trace.contrast, rtol=0, atol=TOL)
    np.testing.assert_allclose(
        trace.active_spiketrains, their_trace.active_spiketrains, rtol=0, atol=TOL
    )
    np.testing.assert_allclose(trace.bin_size, their_trace.bin_size.rescale("s").magnitude)
    assert value == trace.synchrony.max()
    with pytest.raises(ValueError, match="bin_shrink_factor"):
        sync.spike_contrast(trains, 0.0, 2.0, bin_shrink_factor=1.0)


def test_spike_contrast_known_values():
    a = np.array([0.1, 0.4, 0.7])
    # Identical trains are fully synchronous; no train with two spikes is undefined.
    assert sync.spike_contrast([a, a, a], 0.0, 1.0) == pytest.approx(1.0)
    assert np.isnan(sync.spike_contrast([np.array([0.2]), np.array([])], 0.0, 1.0))

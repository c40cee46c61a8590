"""Input handling shared by every s2decode.sync metric: checks, batching, windows."""

from __future__ import annotations

import numpy as np
import pytest

import s2decode.sync as sync
from s2decode import SpikeTrains

from .sync_reference import random_trains

# Every spike-train metric, called the same way: f(trains, t_start, t_stop, **kw).
MATRIX_METRICS = {
    "spike_sync": sync.spike_sync_matrix,
    "isi": sync.isi_distance_matrix,
    "spike": sync.spike_distance_matrix,
    "van_rossum": lambda st, t0=None, t1=None, **kw: sync.van_rossum_distance_matrix(
        st, t0, t1, tau=0.05, **kw
    ),
    "sttc": lambda st, t0=None, t1=None, **kw: sync.sttc_matrix(st, 0.01, t0, t1, **kw),
}
ALL_METRICS = {**MATRIX_METRICS, "spike_contrast": sync.spike_contrast}


@pytest.fixture
def batch():
    """Three trials of four neurons, as nested lists and as a SpikeTrains."""
    rng = np.random.default_rng(42)
    trials = [random_trains(rng, 4, 0.0, 2.0, 25, min_spikes=2) for _ in range(3)]
    return trials, SpikeTrains.from_lists(trials, 0.0, 2.0)


@pytest.mark.parametrize("name", sorted(ALL_METRICS))
def test_unsorted_train_is_rejected_with_its_index(name):
    trains = [np.array([0.1, 0.2]), np.array([0.5, 0.3])]
    with pytest.raises(ValueError, match=r"spike_trains\[1\] is not sorted"):
        ALL_METRICS[name](trains, 0.0, 1.0)


@pytest.mark.parametrize("name", sorted(ALL_METRICS))
def test_spikes_outside_the_window_are_rejected(name):
    trains = [np.array([0.1, 0.2]), np.array([0.3, 1.5])]
    with pytest.raises(ValueError, match=r"spike_trains\[1\] has spikes outside"):
        ALL_METRICS[name](trains, 0.0, 1.0)


def test_list_needs_a_window():
    with pytest.raises(ValueError, match="t_start and t_stop are required"):
        sync.spike_sync_matrix([np.array([0.1]), np.array([0.2])])
    with pytest.raises(ValueError, match="must be greater than t_start"):
        sync.spike_sync_matrix([np.array([0.1]), np.array([0.2])], 1.0, 1.0)


def test_bad_trains_are_rejected():
    with pytest.raises(ValueError, match="non-finite"):
        sync.isi_distance_matrix([np.array([0.1, np.nan]), np.array([0.2])], 0.0, 1.0)
    with pytest.raises(ValueError, match=r"spike_trains\[0\] must be 1-D"):
        sync.isi_distance_matrix([np.zeros((2, 2)), np.array([0.2])], 0.0, 1.0)
    with pytest.raises(TypeError, match="not a numeric array"):
        sync.isi_distance_matrix(np.array([0.1, 0.2]), 0.0, 1.0)
    with pytest.raises(ValueError, match="at least 2 spike trains"):
        sync.spike_contrast([np.array([0.1, 0.2])], 0.0, 1.0)


def test_spiketrains_window_must_match(batch):
    _, st = batch
    with pytest.raises(ValueError, match="differs from the SpikeTrains' own t_stop"):
        sync.spike_sync_matrix(st, 0.0, 1.0)
    # Its own window, given explicitly, is accepted.
    np.testing.assert_array_equal(sync.spike_sync_matrix(st, 0.0, 2.0), sync.spike_sync_matrix(st))


@pytest.mark.parametrize("name", sorted(ALL_METRICS))
def test_batched_equals_per_trial(batch, name):
    trials, st = batch
    func = ALL_METRICS[name]
    batched = func(st)
    assert np.shape(batched)[0] == len(trials)
    for k, trains in enumerate(trials):
        np.testing.assert_allclose(batched[k], func(trains, 0.0, 2.0), rtol=0, atol=0)


@pytest.mark.parametrize("name", sorted(ALL_METRICS))
def test_windows_are_recordings_of_their_own(batch, name):
    trials, st = batch
    func = ALL_METRICS[name]
    windows = sync.sliding_windows(0.0, 2.0, 0.8, 0.6)
    out = func(st, windows=windows)
    assert np.shape(out)[:2] == (len(trials), len(windows))
    for k, trains in enumerate(trials):
        for w, (a, b) in enumerate(windows):
            cut = [t[(t >= a) & (t <= b)] for t in trains]
            np.testing.assert_array_equal(out[k][w], func(cut, a, b))
    # One window covering everything is the plain call.
    whole = func(trials[0], 0.0, 2.0, windows=[[0.0, 2.0]])
    np.testing.assert_array_equal(whole[0], func(trials[0], 0.0, 2.0))


def test_bad_windows_are_rejected(batch):
    trials, _ = batch
    with pytest.raises(ValueError, match="inside the observation window"):
        sync.isi_distance_matrix(trials[0], 0.0, 2.0, windows=[[1.0, 3.0]])
    with pytest.raises(ValueError, match=r"shape \(n_windows, 2\)"):
        sync.isi_distance_matrix(trials[0], 0.0, 2.0, windows=[[0.0, 1.0, 2.0]])
    with pytest.raises(ValueError, match="start < stop"):
        sync.isi_distance_matrix(trials[0], 0.0, 2.0, windows=[[1.0, 0.5]])


def test_sliding_windows():
    win = sync.sliding_windows(0.0, 1.0, 0.1)
    assert win.shape == (10, 2)
    np.testing.assert_allclose(win[:, 1] - win[:, 0], 0.1)
    assert win[-1, 1] == 1.0
    win = sync.sliding_windows(2.0, 3.0, 0.5, 0.2)
    np.testing.assert_allclose(win[:, 0], [2.0, 2.2, 2.4])
    with pytest.raises(ValueError, match="longer than"):
        sync.sliding_windows(0.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="step must be finite and > 0"):
        sync.sliding_windows(0.0, 1.0, 0.5, 0.0)


def test_quantities_are_converted_to_seconds():
    pq = pytest.importorskip("quantities")
    neo = pytest.importorskip("neo")
    a = neo.SpikeTrain([100.0, 300.0, 700.0], units="ms", t_stop=1000.0)
    b = neo.SpikeTrain([0.12, 0.5], units="s", t_stop=1.0)
    plain = sync.isi_distance_matrix([np.array([0.1, 0.3, 0.7]), np.array([0.12, 0.5])], 0, 1)
    np.testing.assert_array_equal(sync.isi_distance_matrix([a, b], 0 * pq.s, 1000 * pq.ms), plain)


def test_repeated_spikes_count_once_for_pyspike_measures():
    a = np.array([0.1, 0.3, 0.3, 0.6])
    b = np.array([0.12, 0.5])
    a1 = np.unique(a)
    for func in (sync.spike_sync_matrix, sync.isi_distance_matrix, sync.spike_distance_matrix):
        np.testing.assert_array_equal(func([a, b], 0, 1), func([a1, b], 0, 1))

"""SPIKE-synchronization: equal to PySpike and to the plain-numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

import s2decode.sync as sync
from s2decode import SpikeTrains

from . import sync_reference as ref

TOL = 1e-10
CASES = ref.edge_cases()


def _random_cases(seed, n_cases=12):
    rng = np.random.default_rng(seed)
    return [ref.random_trains(rng, int(rng.integers(2, 6)), 0.0, 1.0, 20) for _ in range(n_cases)]


def _py(trains, t_start=0.0, t_stop=1.0):
    pyspike = pytest.importorskip("pyspike")
    return [pyspike.SpikeTrain(t, [t_start, t_stop]) for t in trains]


def _mrts_kw(mrts):
    return {} if mrts is None else {"MRTS": mrts}


@pytest.mark.parametrize("max_tau", [None, 0.03])
@pytest.mark.parametrize("mrts", [None, 0.05, "auto"])
def test_matrix_equals_pyspike_on_random_trains(max_tau, mrts, pyspike):
    for trains in _random_cases(1):
        ours = sync.spike_sync_matrix(trains, 0.0, 1.0, max_tau=max_tau, mrts=mrts)
        theirs = pyspike.spike_sync_matrix(_py(trains), max_tau=max_tau, **_mrts_kw(mrts))
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("max_tau", [None, 0.03])
def test_matrix_edge_cases(name, max_tau):
    trains = CASES[name]
    ours = sync.spike_sync_matrix(trains, 0.0, 1.0, max_tau=max_tau)
    np.testing.assert_allclose(
        ours, ref.spike_sync_matrix(trains, 0.0, 1.0, max_tau), rtol=0, atol=TOL
    )
    pyspike = pytest.importorskip("pyspike")  # the peer, where it is installed
    np.testing.assert_allclose(
        ours, pyspike.spike_sync_matrix(_py(trains), max_tau=max_tau), rtol=0, atol=TOL
    )


def test_matrix_equals_reference_on_random_trains():
    for trains in _random_cases(2):
        np.testing.assert_allclose(
            sync.spike_sync_matrix(trains, 0.0, 1.0),
            ref.spike_sync_matrix(trains, 0.0, 1.0),
            rtol=0,
            atol=TOL,
        )


def test_known_values():
    # Both trains empty: 1 (PySpike's convention); one empty: 0; identical: 1.
    empty = np.array([])
    a = np.array([0.2, 0.5])
    m = sync.spike_sync_matrix([empty, empty, a, a], 0.0, 1.0)
    assert m[0, 1] == 1.0
    assert m[0, 2] == 0.0
    assert m[2, 3] == 1.0
    # Two of three spikes pairs coincide.
    m = sync.spike_sync_matrix([np.array([0.1, 0.5, 0.9]), np.array([0.1, 0.52, 0.7])], 0, 1)
    assert m[0, 1] == pytest.approx(4 / 6)


@pytest.mark.parametrize("mrts", [None, "auto"])
def test_profile_equals_pyspike(mrts, pyspike):
    for trains in [*_random_cases(3, 6), *(CASES[k] for k in sorted(CASES))]:
        ours = sync.spike_sync_profile(trains, 0.0, 1.0, mrts=mrts)
        theirs = pyspike.spike_sync_profile(_py(trains), **_mrts_kw(mrts))
        np.testing.assert_array_equal(ours.times, theirs.x)
        np.testing.assert_allclose(ours.coincidences, theirs.y, rtol=0, atol=TOL)
        np.testing.assert_allclose(ours.multiplicity, theirs.mp, rtol=0, atol=TOL)
        assert ours.average() == pytest.approx(theirs.avrg(), abs=TOL)
        assert ours.average() == pytest.approx(
            pyspike.spike_sync(_py(trains), **_mrts_kw(mrts)), abs=TOL
        )


def test_profile_equals_reference_and_batches():
    trials = _random_cases(4, 3)
    trials = [[*t[:2], t[0]] for t in trials]  # same number of trains in every trial
    st = SpikeTrains.from_lists(trials, 0.0, 1.0)
    profiles = sync.spike_sync_profile(st)
    assert isinstance(profiles, list) and len(profiles) == 3
    for profile, trains in zip(profiles, trials, strict=True):
        times, y, mp = ref.spike_sync_profile(trains, 0.0, 1.0)
        np.testing.assert_array_equal(profile.times, times)
        np.testing.assert_allclose(profile.coincidences, y, rtol=0, atol=TOL)
        np.testing.assert_allclose(profile.multiplicity, mp, rtol=0, atol=TOL)
        assert np.all((profile.values >= 0) & (profile.values <= 1))


def test_profile_needs_two_trains():
    with pytest.raises(ValueError, match="at least 2 spike trains"):
        sync.spike_sync_profile([np.array([0.1])], 0.0, 1.0)


def test_bad_options():
    trains = [np.array([0.1]), np.array([0.2])]
    with pytest.raises(ValueError, match="max_tau"):
        sync.spike_sync_matrix(trains, 0.0, 1.0, max_tau=-1)
    with pytest.raises(ValueError, match="mrts"):
        sync.spike_sync_matrix(trains, 0.0, 1.0, mrts="adaptive")


@pytest.mark.parametrize("threads", [1, 2])
def test_sweep_matrix_equals_reference_on_many_trains_threads_and_windows(threads):
    """The sweep kernel on 40 trains (one batch: two threads share it where there are two)
    and on the windows of batched spike trains (several batches in flight), with ties
    between trains: exactly the reference's counts."""
    import numba

    from s2decode.spiketrains import SpikeTrains

    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"Numba has {numba.config.NUMBA_NUM_THREADS} thread(s)")
    rng = np.random.default_rng(3)
    trains = ref.random_trains(rng, 40, 0.0, 1.0, 25)
    trains[4] = trains[5][: len(trains[5]) // 2].copy()  # ties with another train
    trains[6] = np.array([])
    trains[7] = np.array([0.0, 1.0])
    windows = np.array([[0.0, 0.5], [0.25, 1.0]])
    batched = SpikeTrains.from_lists([trains[:20], trains[20:]], 0.0, 1.0)
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        whole = sync.spike_sync_matrix(trains, 0.0, 1.0)
        windowed = sync.spike_sync_matrix(batched, windows=windows)
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(whole, ref.spike_sync_matrix(trains, 0.0, 1.0))
    for k in range(2):
        for w, (a, b) in enumerate(windows):
            cut = [t[(t >= a) & (t <= b)] for t in batched.trial(k)]
            np.testing.assert_array_equal(windowed[k, w], ref.spike_sync_matrix(cut, a, b))

"""ISI-, SPIKE- (PySpike) and van Rossum (Elephant) distances against peers and references."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import s2decode.sync as sync

from . import sync_reference as ref

TOL = 1e-10
CASES = ref.edge_cases()


def _random_cases(seed, n_cases=12, t_stop=1.0):
    rng = np.random.default_rng(seed)
    return [
        ref.random_trains(rng, int(rng.integers(2, 6)), 0.0, t_stop, 20) for _ in range(n_cases)
    ]


def _py(trains, t_start=0.0, t_stop=1.0):
    pyspike = pytest.importorskip("pyspike")
    return [pyspike.SpikeTrain(t, [t_start, t_stop]) for t in trains]


@pytest.mark.parametrize("mrts", [None, 0.05, "auto"])
def test_isi_equals_pyspike(mrts, pyspike):
    kw = {} if mrts is None else {"MRTS": mrts}
    for trains in [*_random_cases(10), *(CASES[k] for k in sorted(CASES))]:
        np.testing.assert_allclose(
            sync.isi_distance_matrix(trains, 0.0, 1.0, mrts=mrts),
            pyspike.isi_distance_matrix(_py(trains), **kw),
            rtol=0,
            atol=TOL,
        )


@pytest.mark.parametrize(("mrts", "ri"), [(None, False), (0.05, False), ("auto", True)])
def test_spike_equals_pyspike(mrts, ri, pyspike):
    kw = {} if mrts is None else {"MRTS": mrts}
    for trains in [*_random_cases(11), *(CASES[k] for k in sorted(CASES))]:
        np.testing.assert_allclose(
            sync.spike_distance_matrix(trains, 0.0, 1.0, mrts=mrts, rate_independent=ri),
            pyspike.spike_distance_matrix(_py(trains), RI=ri, **kw),
            rtol=0,
            atol=TOL,
        )


def test_pyspike_measures_equal_references():
    for trains in [*_random_cases(12), *(CASES[k] for k in sorted(CASES))]:
        np.testing.assert_allclose(
            sync.isi_distance_matrix(trains, 0.0, 1.0),
            ref.pairwise(ref.isi_distance, trains, 0.0, 1.0),
            rtol=0,
            atol=TOL,
        )
        np.testing.assert_allclose(
            sync.spike_distance_matrix(trains, 0.0, 1.0),
            ref.pairwise(ref.spike_distance, trains, 0.0, 1.0),
            rtol=0,
            atol=TOL,
        )
        np.testing.assert_allclose(
            sync.spike_distance_matrix(trains, 0.0, 1.0, mrts=0.1, rate_independent=True),
            ref.pairwise(ref.spike_distance, trains, 0.0, 1.0, mrts=0.1, rate_independent=True),
            rtol=0,
            atol=TOL,
        )


def test_shifted_window_and_long_recording(pyspike):
    rng = np.random.default_rng(13)
    trains = ref.random_trains(rng, 4, 50.0, 60.0, 80)
    for ours, theirs in [
        (sync.isi_distance_matrix, pyspike.isi_distance_matrix),
        (sync.spike_distance_matrix, pyspike.spike_distance_matrix),
    ]:
        np.testing.assert_allclose(
            ours(trains, 50.0, 60.0), theirs(_py(trains, 50.0, 60.0)), rtol=0, atol=TOL
        )


def test_known_values():
    a = np.array([0.2, 0.4, 0.6, 0.8])
    # Identical trains are 0 apart; a train and its copy shifted by a constant ISI pattern
    # keeps the ISI-distance 0 away from the edges.
    assert sync.isi_distance_matrix([a, a], 0.0, 1.0)[0, 1] == 0.0
    assert sync.spike_distance_matrix([a, a], 0.0, 1.0)[0, 1] == 0.0
    d = sync.isi_distance_matrix([a, np.array([0.1, 0.9])], 0.0, 1.0)[0, 1]
    assert 0 < d < 1


# --------------------------------------------------------------------------- van Rossum


def _elephant_vr(trains, tau, t_stop=1.0):
    neo = pytest.importorskip("neo")
    pq = pytest.importorskip("quantities")
    pytest.importorskip("elephant")
    from elephant.spike_train_dissimilarity import van_rossum_distance

    st = [neo.SpikeTrain(t, t_stop=t_stop, units="s") for t in trains]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # its negative-value clipping note
        return van_rossum_distance(st, tau * pq.s)


@pytest.mark.parametrize("tau", [0.01, 0.1, 1.0, np.inf])
def test_van_rossum_equals_elephant(tau):
    for trains in _random_cases(20):
        np.testing.assert_allclose(
            sync.van_rossum_distance_matrix(trains, 0.0, 1.0, tau=tau),
            _elephant_vr(trains, tau),
            rtol=0,
            atol=TOL,
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_van_rossum_edge_cases(name):
    trains = CASES[name]
    ours = sync.van_rossum_distance_matrix(trains, 0.0, 1.0, tau=0.1)
    np.testing.assert_allclose(
        ours, ref.pairwise(ref.van_rossum_distance, trains, 0.1), rtol=0, atol=TOL
    )
    np.testing.assert_allclose(ours, _elephant_vr(trains, 0.1), rtol=0, atol=TOL)
    if name == "identical":
        assert np.all(ours == 0.0)


def test_van_rossum_is_accurate_for_nearly_identical_trains():
    # Pairs of spikes 1 ns apart, the pairs 1000 tau from each other (no cross terms): the
    # squared distance is exactly sum 2 (1 - exp(-eps / tau)). K_ii + K_jj - 2 K_ij would
    # lose about 7 of its 16 digits here.
    a = np.array([10.0, 20.0, 30.0])
    b = a + 1e-9
    expected = np.sqrt(np.sum(-2 * np.expm1(-(b - a) / 0.01)))
    ours = sync.van_rossum_distance_matrix([a, b], 0.0, 31.0, tau=0.01)[0, 1]
    assert ours == pytest.approx(expected, rel=1e-12)


def test_van_rossum_limits():
    a = np.array([0.1, 0.4])
    b = np.array([0.1, 0.6, 0.7])
    # tau = 0: coincident spikes cancel, the others count one each.
    d0 = sync.van_rossum_distance_matrix([a, b, np.array([])], 0.0, 1.0, tau=0.0)
    assert d0[0, 1] == pytest.approx(np.sqrt(3))
    assert d0[0, 2] == pytest.approx(np.sqrt(2))
    assert np.all(np.diag(d0) == 0)
    # tau = inf: spike-count difference; one spike vs none is 1 (Elephant's normalisation).
    dinf = sync.van_rossum_distance_matrix([a, b, np.array([0.5])], 0.0, 1.0, tau=np.inf)
    assert dinf[0, 1] == 1.0
    assert sync.van_rossum_distance_matrix([np.array([0.5]), np.array([])], 0, 1)[0, 1] == 1.0
    with pytest.raises(ValueError, match="tau must be >= 0"):
        sync.van_rossum_distance_matrix([a, b], 0.0, 1.0, tau=-1.0)


def test_van_rossum_equals_reference():
    for trains in _random_cases(21):
        np.testing.assert_allclose(
            sync.van_rossum_distance_matrix(trains, 0.0, 1.0, tau=0.05),
            ref.pairwise(ref.van_rossum_distance, trains, 0.05),
            rtol=0,
            atol=TOL,
        )


def test_lone_spikes_on_t_stop_are_zero_apart():
    # PySpike returns NaN here (0/0 on the zero-length last interval); identical trains are
    # 0 apart, so we return 0 (documented in docs/sync.md).
    trains = [np.array([1.0]), np.array([1.0])]
    assert sync.isi_distance_matrix(trains, 0.0, 1.0)[0, 1] == 0.0
    assert sync.spike_distance_matrix(trains, 0.0, 1.0)[0, 1] == 0.0
    pyspike = pytest.importorskip("pyspike")  # the peer's NaN, where it is installed
    assert np.isnan(pyspike.isi_distance(*_py(trains)))


@pytest.mark.parametrize("threads", [1, 2])
def test_sweeps_equal_references_on_many_trains_threads_and_batches(threads):
    """The sweep kernels on 40 trains (one batch: two threads share it where there are two)
    and on the windows of batched spike trains (several batches in flight): the plain
    pair-by-pair references, with ties between trains, spikes on t_start and t_stop and
    empty trains in the mix."""
    import numba

    from s2decode.spiketrains import SpikeTrains

    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"Numba has {numba.config.NUMBA_NUM_THREADS} thread(s)")
    rng = np.random.default_rng(7)
    trains = ref.random_trains(rng, 40, 0.0, 1.0, 25)
    trains[3] = np.array([0.0, 0.5, 1.0])  # on both edges
    trains[4] = trains[5][: len(trains[5]) // 2].copy()  # ties with another train
    trains[6] = np.array([])
    trains[7] = np.array([0.0])  # a lone spike on t_start
    windows = np.array([[0.0, 0.5], [0.25, 1.0]])
    batched = SpikeTrains.from_lists([trains[:20], trains[20:]], 0.0, 1.0)
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        isi = sync.isi_distance_matrix(trains, 0.0, 1.0, mrts=0.05)
        spike = sync.spike_distance_matrix(trains, 0.0, 1.0)
        ria = sync.spike_distance_matrix(batched, mrts=0.1, rate_independent=True, windows=windows)
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_allclose(
        isi, ref.pairwise(ref.isi_distance, trains, 0.0, 1.0, mrts=0.05), rtol=0, atol=TOL
    )
    np.testing.assert_allclose(
        spike, ref.pairwise(ref.spike_distance, trains, 0.0, 1.0), rtol=0, atol=TOL
    )
    assert ria.shape == (2, 2, 20, 20)
    for k in range(2):
        for w, (a, b) in enumerate(windows):
            cut = [t[(t >= a) & (t <= b)] for t in batched.trial(k)]
            expected = ref.pairwise(ref.spike_distance, cut, a, b, mrts=0.1, rate_independent=True)
            np.testing.assert_allclose(ria[k, w], expected, rtol=0, atol=TOL)

"""Property tests (hypothesis): symmetry, bounds and identity of every synchrony metric."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import s2decode.sync as sync

T0, T1 = 0.0, 1.0

# Spike times on a 0.1 ms grid: coincident spikes and spikes on the edges come up often.
spike_time = st.integers(0, 10_000).map(lambda k: k / 10_000)
train = st.lists(spike_time, max_size=12).map(lambda x: np.array(sorted(x), dtype=float))
trains = st.lists(train, min_size=2, max_size=5)
FAST = settings(max_examples=60, deadline=None)


def _check_symmetric(m):
    np.testing.assert_array_equal(m, m.T)


@FAST
@given(trains)
def test_spike_sync(trs):
    m = sync.spike_sync_matrix(trs, T0, T1)
    _check_symmetric(m)
    assert np.all((m >= 0) & (m <= 1))
    assert np.all(np.diag(m) == 1)
    assert sync.spike_sync_matrix([trs[0], trs[0]], T0, T1)[0, 1] == 1.0
    profile = sync.spike_sync_profile(trs, T0, T1)
    assert np.all(np.diff(profile.times) >= 0)
    assert np.all((profile.values >= 0) & (profile.values <= 1))


@FAST
@given(trains)
def test_isi_and_spike_distances(trs):
    for func in (sync.isi_distance_matrix, sync.spike_distance_matrix):
        m = func(trs, T0, T1)
        _check_symmetric(m)
        assert np.all(np.diag(m) == 0)
        assert np.all(m >= 0)
        assert func([trs[0], trs[0]], T0, T1)[0, 1] == 0.0
    assert np.all(sync.isi_distance_matrix(trs, T0, T1) <= 1)


@FAST
@given(trains, st.sampled_from([0.0, 0.003, 0.1, np.inf]))
def test_van_rossum_is_a_metric(trs, tau):
    m = sync.van_rossum_distance_matrix(trs, T0, T1, tau=tau)
    _check_symmetric(m)
    assert np.all(m >= 0)
    assert np.all(np.diag(m) == 0)
    # Triangle inequality (an L2 distance), to rounding.
    n = len(trs)
    for i in range(n):
        for j in range(n):
            assert np.all(m[i, j] <= m[i, :] + m[:, j] + 1e-9)


@FAST
@given(trains, st.sampled_from([0.001, 0.01, 0.2]))
def test_sttc(trs, dt):
    m = sync.sttc_matrix(trs, dt, T0, T1)
    np.testing.assert_array_equal(np.isnan(m), np.isnan(m.T))
    _check_symmetric(np.nan_to_num(m))
    finite = m[np.isfinite(m)]
    assert np.all((finite >= -1) & (finite <= 1))  # clipped: the formula's range, exactly
    empty = np.array([t.size == 0 for t in trs])
    assert np.all(np.isnan(m[empty]))
    assert np.all(np.diag(m)[~empty] == 1)


@FAST
@given(trains)
def test_spike_contrast(trs):
    value = sync.spike_contrast(trs, T0, T1)
    if any(t.size > 1 for t in trs):
        assert 0 <= value <= 1 + 1e-12
    else:
        assert np.isnan(value)


@FAST
@given(st.lists(st.lists(st.floats(-10, 10), min_size=6, max_size=6), min_size=2, max_size=4))
def test_phase_measures(rows):
    phases = np.array(rows)
    res = sync.kuramoto_order(phases)
    assert np.all((res.order >= 0) & (res.order <= 1))
    plv = sync.phase_locking_matrix(phases)
    _check_symmetric(plv)  # by construction, not to rounding
    assert np.all((plv >= 0) & (plv <= 1))
    assert np.all(np.diag(plv) == 1)
    # Shifting every phase by the same angle changes neither.
    np.testing.assert_allclose(sync.kuramoto_order(phases + 1.3).order, res.order, atol=1e-9)
    np.testing.assert_allclose(sync.phase_locking_matrix(phases + 1.3), plv, atol=1e-9)

"""s2decode.robustness: the perturbations keep what they must, and the table is honest."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from s2decode import SpikeTrains
from s2decode.robustness import event_noise, jitter, robustness_table
from s2decode.trials import make_trials


def _spikes(n_trials=6, n_neurons=3, rate=40.0, seed=0) -> SpikeTrains:
    rng = np.random.default_rng(seed)
    trains = [
        [np.sort(rng.uniform(0.0, 1.0, rng.poisson(rate))) for _ in range(n_neurons)]
        for _ in range(n_trials)
    ]
    return SpikeTrains.from_lists(trains, 0.0, 1.0, neuron_names=["a", "b", "c"][:n_neurons])


def test_jitter_moves_each_spike_within_the_amount_and_keeps_counts():
    st = _spikes()
    out = jitter(st, 0.005, seed=1)
    np.testing.assert_array_equal(out.spike_counts(), st.spike_counts())
    assert out.neuron_names == st.neuron_names and (out.t_start, out.t_stop) == (0.0, 1.0)
    assert np.all((out.times >= 0.0) & (out.times <= 1.0))
    for k in range(st.n_trials):
        for i in range(st.n_neurons):
            a, b = st.train(k, i), out.train(k, i)
            assert np.all(np.diff(b) >= 0)  # sorted again
            # sorted trains of shifts <= 5 ms: matched in order, each within 5 ms (reflection
            # at the edges moves a spike by at most the amount too)
            assert np.max(np.abs(a - b), initial=0.0) <= 0.005 + 1e-12
    assert not np.array_equal(out.times, st.times)
    assert jitter(st, 0.005, seed=1) == out  # same seed, same spikes
    assert jitter(st, 0.0, seed=3) == st
    with pytest.raises(ValueError, match="non-negative number of seconds"):
        jitter(st, -0.001)


def test_event_noise_deletes_and_inserts_the_fraction_asked():
    st = _spikes(n_trials=20, rate=100.0)
    out = event_noise(st, 0.2, seed=0)
    kept = sum(
        np.isin(out.train(k, i), st.train(k, i)).sum()
        for k in range(st.n_trials)
        for i in range(st.n_neurons)
    )
    deleted, inserted = st.times.size - kept, out.times.size - kept
    # about 10 % deleted and 10 % inserted (6000 spikes: sd about 0.4 %)
    assert deleted / st.times.size == pytest.approx(0.1, abs=0.02)
    assert inserted / st.times.size == pytest.approx(0.1, abs=0.02)
    assert not np.array_equal(out.spike_counts(), st.spike_counts())
    assert np.all((out.times >= 0.0) & (out.times <= 1.0))
    assert event_noise(st, 0.0, seed=0) == st
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        event_noise(st, 1.5)


def test_counts_come_back_on_their_own_grid():
    rng = np.random.default_rng(0)
    counts = make_trials(
        (rng.uniform(size=(4, 2, 200)) < 0.05).astype(float),
        sfreq=1000.0,
        y=np.array([0, 0, 1, 1]),
        node_dim="unit",
        modality="spikes",
        measure="spike_counts",
        units="count",
    )
    np.testing.assert_array_equal(jitter(counts, 0.0, seed=0).values, counts.values)
    # a shift under half a bin leaves every count where it was, both ways
    np.testing.assert_array_equal(jitter(counts, 0.00049, seed=0).values, counts.values)
    out = jitter(counts, 0.002, seed=0)
    assert out.dims == counts.dims and out.attrs == counts.attrs
    np.testing.assert_array_equal(out["time"], counts["time"])
    np.testing.assert_array_equal(out.sum("time"), counts.sum("time"))
    assert not np.array_equal(out.values, counts.values)
    noisy = event_noise(counts, 0.5, seed=0)
    assert noisy.dims == counts.dims and not np.array_equal(noisy.values, counts.values)
    assert np.all(noisy.values >= 0) and noisy.dtype == counts.dtype
    with pytest.raises(TypeError, match="spike-count trials DataArray"):
        jitter(counts.assign_attrs(measure="rates"), 0.001)


class _FirstSpike(ClassifierMixin, BaseEstimator):
    """Class 1 if neuron 0's first spike comes before 50 ms: timing-sensitive by design."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        first = np.array([t[0] if t.size else np.inf for t in (X.train(k, 0) for k in
                          range(X.n_trials))])  # fmt: skip
        return (first < 0.05).astype(int)


def test_robustness_table_scores_clean_and_perturbed_test_trials():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    trains = [[np.array([0.045 if c else 0.055]), rng.uniform(0, 1, 5)] for c in y]
    st = SpikeTrains.from_lists([[np.sort(t) for t in trial] for trial in trains], 0.0, 1.0)
    table = robustness_table({"first spike": _FirstSpike()}, st, y, cv=5, jitters=(0.001, 0.02),
                             noise=(0.5,))  # fmt: skip
    assert set(table["perturbation"]) == {"none", "jitter", "event_noise"}
    assert len(table) == 5 * 4
    mean = table.groupby(["perturbation", "level"])["score"].mean()
    assert mean[("none", 0.0)] == 1.0
    assert mean[("jitter", 0.001)] == 1.0  # 5 ms margin: a 1 ms jitter cannot flip it
    assert mean[("jitter", 0.02)] < 0.9  # 20 ms can
    again = robustness_table({"first spike": _FirstSpike()}, st, y, cv=5, jitters=(0.001, 0.02),
                             noise=(0.5,))  # fmt: skip
    assert again.equals(table)  # the same seed, the same perturbations
    with pytest.raises(ValueError, match="`estimators` is empty"):
        robustness_table({}, st, y)


def test_transform_splits_into_simulate_and_transform_spikes():
    from s2decode.estimators import S2Featurizer, default_config

    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 4))
    fz = S2Featurizer(
        config=default_config("static").replace(dt=5e-4), static_duration=0.1, backend="numpy",
        random_state=0,
    ).fit(X)  # fmt: skip
    spikes = fz.simulate(X)
    np.testing.assert_array_equal(fz.transform_spikes(spikes), fz.transform(X))
    # the network's own spikes, jittered, give other features of the same layout
    moved = fz.transform_spikes(jitter(spikes, 0.005, seed=0))
    assert moved.shape == (6, len(fz.get_feature_names_out()))
    with pytest.raises(ValueError, match="neurons but the network has 4 nodes"):
        fz.transform_spikes(_spikes(n_neurons=3))

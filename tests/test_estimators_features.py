"""The feature functions of s2decode.estimators.features on hand-made spike trains."""

from __future__ import annotations

import numpy as np
import pytest

from s2decode.estimators import features as F
from s2decode.spiketrains import SpikeTrains


@pytest.fixture(scope="module")
def spikes() -> SpikeTrains:
    """2 trials x 3 neurons on [0, 1] s."""
    return SpikeTrains.from_lists(
        [
            [np.array([0.1, 0.2, 0.5]), np.array([0.5, 0.9]), np.array([])],
            [np.array([0.0, 1.0]), np.array([0.3]), np.array([0.25, 0.75])],
        ],
        0.0,
        1.0,
        neuron_names=["a", "b", "c"],
    )


WINDOWS = np.array([[0.0, 0.5], [0.5, 1.0]])


def test_window_counts_use_closed_windows(spikes):
    counts = F.window_counts(spikes, WINDOWS)
    # a spike on a shared edge (0.5) counts in both windows, as the sync metrics' windows
    expected = [[[3, 1, 0], [1, 2, 0]], [[1, 1, 1], [1, 0, 1]]]
    np.testing.assert_array_equal(counts, expected)
    block = F.rates(spikes, WINDOWS, ["a", "b", "c"])
    np.testing.assert_allclose(block.values, np.asarray(expected) / 0.5)
    assert block.metric == "rate" and block.elements == ("a", "b", "c")


def test_latencies_are_censored_at_the_window_length(spikes):
    block = F.latencies(spikes, WINDOWS, ["a", "b", "c"])
    expected = [[[0.1, 0.5, 0.5], [0.0, 0.0, 0.5]], [[0.0, 0.3, 0.25], [0.5, 0.5, 0.25]]]
    np.testing.assert_allclose(block.values, expected)


def test_plan_pairs_modes():
    names = ["a", "b", "c", "d"]
    nets = ["X", "X", "Y", ""]
    plan = F.plan_pairs(names, nets, "auto")
    assert plan.mode == "networks"
    assert plan.groups == ("X", "Y", "none")
    assert plan.elements == ("X~X", "X~Y", "X~none", "Y~Y", "Y~none", "none~none")
    assert F.plan_pairs(names, None, "auto").elements == (
        "a~b",
        "a~c",
        "a~d",
        "b~c",
        "b~d",
        "c~d",
    )
    many = [f"n{i}" for i in range(F.MAX_NODE_PAIRS_AUTO + 1)]
    assert F.plan_pairs(many, None, "auto").elements == ("global",)
    with pytest.raises(ValueError, match="pairs='networks' needs the network"):
        F.plan_pairs(names, None, "networks")
    with pytest.raises(ValueError, match="`pairs` must be one of"):
        F.plan_pairs(names, None, "triplets")


def test_reduce_pairs_matches_explicit_means():
    rng = np.random.default_rng(0)
    n = 6
    mats = rng.uniform(size=(3, n, n))
    mats = (mats + mats.transpose(0, 2, 1)) / 2
    mats[1, 0, 4] = mats[1, 4, 0] = np.nan  # an undefined pair is left out
    nets = ["A", "A", "B", "B", "B", "C"]
    plan = F.plan_pairs([f"p{i}" for i in range(n)], nets, "networks")
    out = F.reduce_pairs(mats, plan)
    labels = np.asarray(nets)
    for t in range(3):
        for col, element in enumerate(plan.elements):
            a, b = element.split("~")
            vals = [
                mats[t, i, j]
                for i in range(n)
                for j in range(n)
                if i != j and labels[i] == a and labels[j] == b and np.isfinite(mats[t, i, j])
            ]
            expected = np.mean(vals) if vals else np.nan
            np.testing.assert_allclose(out[t, col], expected, equal_nan=True)
    assert np.isnan(out[0, plan.elements.index("C~C")])  # one node: no within pair
    glob = F.reduce_pairs(mats, F.plan_pairs([f"p{i}" for i in range(n)], None, "global"))
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(glob[0, 0], mats[0][off].mean())
    nodes = F.reduce_pairs(mats, F.plan_pairs([f"p{i}" for i in range(n)], None, "nodes"))
    rows, cols = np.triu_indices(n, k=1)
    np.testing.assert_allclose(nodes, mats[:, rows, cols], equal_nan=True)


def test_energy_counts_synaptic_events(spikes):
    degree = np.array([2, 1, 0])
    energy, ratio = F.energy(spikes, WINDOWS, degree, np.array([10.0, 10.0]))
    counts = F.window_counts(spikes, WINDOWS)
    events = counts @ degree
    np.testing.assert_allclose(energy.values[..., 0], events * F.ENERGY_PER_AC_PJ)
    dense = 10 * 3 * 3 * F.ENERGY_PER_MAC_PJ
    np.testing.assert_allclose(ratio.values[..., 0], events * F.ENERGY_PER_AC_PJ / dense)


def test_compute_features_follows_the_layout_and_is_finite(spikes):
    nets = ["X", "X", "Y"]
    blocks = F.compute_features(
        spikes, WINDOWS, features=F.FEATURE_SETS, networks=nets, f_omega=5.0, memory=0.2
    )
    layout = F.feature_layout(F.FEATURE_SETS, ["a", "b", "c"], nets, "auto")
    assert [(b.metric, b.elements) for b in blocks] == [(b.metric, b.elements) for b in layout]
    matrix = F.stack_blocks(blocks)
    index = F.column_index(blocks, len(WINDOWS))
    assert matrix.shape == (2, index["metric"].size)
    assert np.all(np.isfinite(matrix))  # empty trains and lone neurons give 0, not NaN
    assert set(index["window"].tolist()) == {0, 1}


def test_kuramoto_sees_phase_locking():
    """Two neurons firing together lock; two in antiphase do not."""
    t = np.arange(0.0, 1.0, 0.05)
    locked = SpikeTrains.from_lists([[t + 0.01, t + 0.011]], 0.0, 1.1)
    anti = SpikeTrains.from_lists([[t + 0.01, t + 0.035]], 0.0, 1.1)
    window = np.array([[0.2, 1.0]])
    kwargs = dict(features=("kuramoto", "plv"), f_omega=20.0, memory=0.05)
    lock = F.stack_blocks(F.compute_features(locked, window, **kwargs))
    loose = F.stack_blocks(F.compute_features(anti, window, **kwargs))
    # columns: kuramoto_mean, kuramoto_metastability, plv (two nodes: one pair)
    assert lock[0, 0] > 0.95 and loose[0, 0] < 0.2
    assert lock[0, 2] > 0.95 and loose[0, 2] > 0.95  # a constant lag is still locked


def test_check_features():
    assert F.check_features(["plv", "rates", "plv"]) == ("rates", "plv")
    assert F.check_features("rates") == ("rates",)
    with pytest.raises(ValueError, match="Unknown feature set"):
        F.check_features(["rates", "gamma_power"])
    with pytest.raises(ValueError, match="is empty"):
        F.check_features([])

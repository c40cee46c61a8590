"""s2decode.energy: synaptic events and dense multiply-accumulates counted by hand."""

from __future__ import annotations

import numpy as np
import pytest

from s2decode import SpikeTrains
from s2decode.atlas import Scaffold
from s2decode.energy import (
    EnergyModel,
    dense_operations,
    energy_table,
    out_degree,
    synaptic_operations,
)


@pytest.fixture
def spikes() -> SpikeTrains:
    # 2 trials x 3 neurons on [0, 1] s; a spike on each window edge
    return SpikeTrains.from_lists(
        [
            [np.array([0.1, 0.5, 0.9]), np.array([0.5]), np.array([])],
            [np.array([]), np.array([0.2, 0.3]), np.array([0.0, 1.0])],
        ],
        0.0,
        1.0,
    )


def test_out_degree_counts_each_neurons_targets():
    # weights[i, j]: j -> i. Neuron 0 drives 1 and 2; neuron 1 drives 0; neuron 2 none.
    w = np.array([[0.0, 0.3, 0.0], [0.5, 0.0, 0.0], [0.1, 0.0, 0.0]])
    np.testing.assert_array_equal(out_degree(w), [2, 1, 0])
    w_self = w + np.eye(3)  # the diagonal is no connection
    np.testing.assert_array_equal(out_degree(w_self), [2, 1, 0])
    sc = Scaffold.from_weights(w)
    np.testing.assert_array_equal(out_degree(sc.weights), [2, 1, 0])
    with pytest.raises(ValueError, match="square"):
        out_degree(np.zeros((2, 3)))


def test_synaptic_operations_by_hand(spikes):
    degree = [2, 1, 0]
    # trial 0: 3 spikes x 2 + 1 x 1 + 0; trial 1: 0 + 2 x 1 + 2 x 0
    np.testing.assert_array_equal(synaptic_operations(spikes, degree), [[7], [2]])
    # all-to-all: every spike reaches the 2 others
    np.testing.assert_array_equal(synaptic_operations(spikes), [[8], [8]])
    # closed windows: the spikes at 0.5 fall in both halves, the one at 1.0 in the second
    windows = np.array([[0.0, 0.5], [0.5, 1.0]])
    np.testing.assert_array_equal(
        synaptic_operations(spikes, degree, windows), [[2 * 2 + 1, 2 * 2 + 1], [2, 0]]
    )
    with pytest.raises(ValueError, match="one non-negative number per neuron"):
        synaptic_operations(spikes, [1, 2])
    with pytest.raises(TypeError, match="SpikeTrains"):
        synaptic_operations(np.zeros((2, 3)))


def test_dense_operations_count_every_weight_per_update():
    np.testing.assert_array_equal(dense_operations(3, [0.0, 1.0, 160.0]), [9.0, 9.0, 1440.0])
    with pytest.raises(ValueError, match="non-negative integer"):
        dense_operations(-1)
    with pytest.raises(ValueError, match="non-negative numbers"):
        dense_operations(3, -2.0)


def test_energy_table_prices_the_counts(spikes):
    model = EnergyModel(pj_per_ac=1.0, pj_per_mac=10.0)
    table = energy_table(spikes, out_degree=[2, 1, 0], dense_updates=100, model=model)
    assert list(table.columns) == [
        "trial", "window", "n_spikes", "synaptic_ops", "snn_pj", "dense_macs", "dense_pj",
        "ratio",
    ]  # fmt: skip
    np.testing.assert_array_equal(table["n_spikes"], [4, 4])
    np.testing.assert_allclose(table["snn_pj"], [7.0, 2.0])
    np.testing.assert_allclose(table["dense_pj"], [900 * 10.0] * 2)
    np.testing.assert_allclose(table["ratio"], [7 / 9000, 2 / 9000])
    default = energy_table(spikes)  # 45 nm: 0.9 pJ per AC, 4.6 per MAC
    np.testing.assert_allclose(default["snn_pj"], [8 * 0.9, 8 * 0.9])
    np.testing.assert_allclose(default["dense_pj"], [9 * 4.6] * 2)
    per_window = energy_table(spikes, windows=[[0.0, 0.5], [0.5, 1.0]], dense_updates=[1, 2])
    assert per_window[["trial", "window"]].to_numpy().tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    np.testing.assert_allclose(per_window["dense_macs"], [9, 18, 9, 18])
    with pytest.raises(ValueError, match="pj_per_mac"):
        EnergyModel(pj_per_mac=-1.0)
    with pytest.raises(ValueError, match="start < stop"):
        energy_table(spikes, windows=[[0.5, 0.5]])

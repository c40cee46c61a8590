"""s2decode.sync.semantization: dispersion falls and separability rises where a volley is."""

from __future__ import annotations

import numpy as np
import pytest

from s2decode import SpikeTrains, viz
from s2decode.sync import fisher_ratio, semantization


def _trials(seed=0):
    """Network "A" (neurons 0-3) fires one volley at 0.75 s in class 1 only; "B" (4-7) fires
    at random in every trial."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], 10)
    trials = []
    for label in y:
        trains = []
        for i in range(8):
            t = rng.uniform(0, 1, 3)
            if i < 4 and label == 1:
                t = np.append(t[t < 0.6], 0.75 + rng.normal(0, 0.001))
            trains.append(np.sort(np.clip(t, 0, 1)))
        trials.append(trains)
    return SpikeTrains.from_lists(trials, 0.0, 1.0), y, ["A"] * 4 + ["B"] * 4


def test_fisher_ratio_by_hand_and_errors():
    x = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0], [7.0, 5.0]])
    # feature 0: means 2 and 6 around 4 -> between 2*4 + 2*4 = 16, within 2 + 2 = 4
    assert fisher_ratio(x, [0, 0, 1, 1]) == pytest.approx(4.0)  # the constant one is left out
    assert fisher_ratio(np.ones((4, 2)), [0, 0, 1, 1]) == 0.0
    with pytest.raises(ValueError, match="two classes"):
        fisher_ratio(x, [0, 0, 0, 0])


def test_semantization_finds_the_volley_window():
    spikes, y, nets = _trials()
    table = semantization(spikes, y, networks=nets, window=0.1, step=0.05)
    assert set(table["network"]) == {"global", "A", "B"}
    assert set(table.columns) >= {"network", "window", "t_start", "t_stop", "dispersion",
                                  "fisher_ratio", "rate"}  # fmt: skip
    a = table[table["network"] == "A"].assign(t=lambda d: d["t_start"].round(6)).set_index("t")
    volley = a.loc[0.7]  # [0.7, 0.8]
    others = a.drop(index=[0.65, 0.7, 0.75])  # the windows that hold the volley
    assert volley["fisher_ratio"] > 3 * others["fisher_ratio"].max()
    b = table[table["network"] == "B"]
    assert b["fisher_ratio"].max() < volley["fisher_ratio"]
    # class-1 trials fire the volley within a few ms: the window's dispersion is the lowest
    assert volley["dispersion"] == pytest.approx(a["dispersion"].min())
    fig = viz.plot_semantization(table)
    assert [ax.get_ylabel() for ax in fig.axes] == ["dispersion (ms)", "Fisher ratio"]
    with pytest.raises(ValueError, match="labels for 20 trials"):
        semantization(spikes, y[:5])
    with pytest.raises(ValueError, match="plot_semantization"):
        viz.plot_semantization(table.drop(columns="dispersion"))

"""s2decode.viz: each figure function draws what its docstring says from the project's
objects, and refuses other input with a message that says what to pass."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from s2decode import viz
from s2decode.atlas import Scaffold
from s2decode.spiketrains import SpikeTrains


def _spikes(seed=0) -> SpikeTrains:
    rng = np.random.default_rng(seed)
    trials = [[np.sort(rng.uniform(0, 1, k)) for k in (3, 0, 5, 2)] for _ in range(2)]
    return SpikeTrains.from_lists(trials, 0.0, 1.0, neuron_names=["a", "b", "c", "d"])


def _example(networks=("V", "V", "DMN", "")) -> xr.Dataset:
    ex = viz.spikes_dataset(_spikes(), trial=1, networks=networks)
    n = ex.sizes["node"]
    rng = np.random.default_rng(1)
    plv = rng.uniform(0, 1, (n, n))
    plv = (plv + plv.T) / 2
    np.fill_diagonal(plv, 1.0)
    plv[1, :] = plv[:, 1] = np.nan  # node b never fired
    groups = ["global", *sorted({s for s in networks if s}), "none"]
    time = np.linspace(0, 1, 50)
    return ex.assign(
        plv=(("node", "node_to"), plv),
        order=(("group", "time"), rng.uniform(0, 1, (len(groups), time.size))),
    ).assign_coords(
        node_to=ex["node"].values,
        group=groups,
        time=time,
        mni_x=("node", [-40.0, 40.0, 0.0, 10.0]),
        mni_y=("node", [-20.0, -20.0, 50.0, 0.0]),
        mni_z=("node", [50.0, 50.0, 20.0, 10.0]),
    )


def test_spikes_dataset_keeps_the_trial_and_refuses_bad_arguments():
    st = _spikes()
    ex = viz.spikes_dataset(st, trial=-1)
    assert ex.attrs["trial"] == 1 and ex.attrs["n_spikes"] == 10
    for k in range(4):
        np.testing.assert_array_equal(
            ex["spike_time"].values[ex["spike_node"].values == k], st.train(1, k)
        )
    np.testing.assert_allclose(ex["rate"].values, [3, 0, 5, 2])  # 1 s window
    with pytest.raises(IndexError, match="out of range for 2 trials"):
        viz.spikes_dataset(st, trial=2)
    with pytest.raises(ValueError, match="3 entries for 4 neurons"):
        viz.spikes_dataset(st, networks=["a", "b", "c"])
    with pytest.raises(TypeError, match="must be SpikeTrains"):
        viz.spikes_dataset(np.zeros((2, 4)))


def test_raster_draws_every_spike_in_network_rows():
    ex = _example()
    fig = viz.plot_raster(ex)
    ax, ax_rate = fig.axes
    rows = ax.collections[0].get_offsets()
    assert len(rows) == ex.attrs["n_spikes"] == 10
    # rows grouped by network, sorted, the node without a network last: DMN (c), V (a, b), -
    row_of_node = {0: 1, 1: 2, 2: 0, 3: 3}
    expected = [row_of_node[k] for k in ex["spike_node"].values]
    np.testing.assert_array_equal(rows[:, 1], expected)
    np.testing.assert_allclose(rows[:, 0], ex["spike_time"].values)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["DMN", "V", "(no network)"]
    widths = [p.get_width() for p in ax_rate.patches]
    np.testing.assert_allclose(widths, [5, 3, 0, 2])  # rates in row order
    assert "trial 1" in ax.get_title(loc="left") and "10 spikes" in ax.get_title(loc="left")
    # SpikeTrains directly: the same rows
    direct = viz.plot_raster(_spikes(), trial=1, networks=["V", "V", "DMN", ""])
    np.testing.assert_array_equal(direct.axes[0].collections[0].get_offsets(), rows)


def test_order_parameter_lines_or_heat_map():
    ex = _example()
    ax = viz.plot_order_parameter(ex).axes[0]
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["DMN", "V", "(no network)", "global"]
    np.testing.assert_allclose(ax.get_lines()[3].get_ydata(), ex["order"].sel(group="global"))
    # more than five networks: the networks go to a heat map below
    groups = ["global", *[f"n{i}" for i in range(7)]]
    many = xr.Dataset(
        {"order": (("group", "time"), np.full((8, 20), 0.5))},
        coords={"group": groups, "time": np.linspace(0, 1, 20)},
    )
    fig = viz.plot_order_parameter(many)
    assert len(fig.axes[1].images) == 1 and fig.axes[1].images[0].get_array().shape == (7, 20)
    with pytest.raises(ValueError, match="has no order; pass the Dataset of"):
        viz.plot_order_parameter(many.drop_vars("order"))
    with pytest.raises(TypeError, match=r"must be an xarray\.Dataset"):
        viz.plot_order_parameter(np.zeros((2, 3)))


def test_plv_matrix_in_network_order_with_silent_nodes_masked():
    ex = _example()
    fig = viz.plot_plv(ex)
    image = fig.axes[0].images[0].get_array()
    order = [2, 0, 1, 3]  # DMN, V, V, no network
    np.testing.assert_allclose(image.filled(np.nan), ex["plv"].values[np.ix_(order, order)])
    assert image.mask[2].all()  # node b (third row): undefined


def test_connectome_edges_and_glass_brain_of_plv_and_scaffold():
    ex = _example()
    n_edges, threshold = viz.connectome_edges(ex, n_edges=2)
    plv = np.nan_to_num(ex["plv"].values)
    upper = np.sort(plv[np.triu_indices(4, 1)])
    assert n_edges == 2 and threshold == pytest.approx(upper[-2])
    assert viz.connectome_edges(ex) == (6, pytest.approx(upper[0]))  # all 6 pairs of 4 nodes
    with pytest.raises(ValueError, match="positive integer"):
        viz.connectome_edges(ex, n_edges=0)
    fig = viz.plot_connectome(ex)
    (bar,) = [ax for ax in fig.axes if ax.get_ylabel()]
    assert bar.get_ylabel() == viz.PLV_LABEL
    w = np.array([[0, 1.0, 0.2], [0.5, 0, 0], [0, 0, 0]])
    sc = Scaffold(w, 1e-3 * (w > 0), coords=np.array([[-40, 0, 0], [40, 0, 0], [0, 50, 0.0]]))
    assert viz.connectome_edges(sc, n_edges=1) == (1, 1.0)  # max(w, w.T) of the pair 0-1
    assert viz.has_positions(sc)
    fig = viz.plot_connectome(sc, n_edges=2)
    assert [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()] == ["weight (either direction)"]
    with pytest.raises(ValueError, match="no MNI positions; plot_plv"):
        viz.plot_connectome(Scaffold(w, 1e-3 * (w > 0)))
    assert not viz.has_positions(ex.drop_vars("mni_x"))


def test_scaffold_figure_shows_weights_and_delays_where_connected():
    w = np.array([[0, 1.0, 0.2], [0.5, 0, 0], [0, 0, 0]])
    delays = np.array([[0, 2e-3, 4e-3], [3e-3, 0, 9.0], [0, 0, 0]])  # 9 s: no connection
    sc = Scaffold(w, delays, labels=["x", "y", "z"], networks=["B", "A", "B"])
    fig = viz.plot_scaffold(sc)
    weights, lag = (ax.images[0].get_array() for ax in fig.axes[:2])
    order = [1, 0, 2]  # network A first
    np.testing.assert_allclose(weights.filled(0), w[np.ix_(order, order)])
    assert weights.mask[0, 0] and not weights.mask[0, 1]
    np.testing.assert_allclose(lag[0, 1], 3.0)  # rows and columns (y, x, z): y <- x, in ms
    assert lag.mask[0, 2]  # y <- z: no weight, no delay shown (the 9 s is not drawn)
    assert [ax.get_title(loc="left") for ax in fig.axes[:2]] == [
        "weights (j -> i)",
        "conduction delays (j -> i)",
    ]
    assert fig.axes[2].get_ylabel() == "weight" and fig.axes[3].get_ylabel() == "delay (ms)"
    with pytest.raises(TypeError, match=r"s2decode\.atlas\.Scaffold"):
        viz.plot_scaffold(w)
    # Scaffold.plot draws the same into pyplot axes
    import matplotlib.pyplot as plt

    fig2 = sc.plot(show=False)
    np.testing.assert_allclose(fig2.axes[0].images[0].get_array().filled(0), weights.filled(0))
    plt.close(fig2)


def _scores() -> pd.DataFrame:
    rows = []
    for subject, s2, peer in (("1", [0.9, 0.7], [0.6, 0.6]), ("2", [0.5, 0.5], [0.8, 1.0])):
        for fold in (0, 1):
            rows += [
                {
                    "subject": subject,
                    "fold": fold,
                    "method": "S2Decoder",
                    "family": "s2",
                    "accuracy": s2[fold],
                    "seconds": 2.0,
                },
                {
                    "subject": subject,
                    "fold": fold,
                    "method": "CSP",
                    "family": "peer",
                    "accuracy": peer[fold],
                    "seconds": 1.0,
                },
            ]
    return pd.DataFrame(rows)


def test_method_table_means_over_subjects_and_takes_the_summary():
    table = viz.method_table(_scores(), "accuracy")
    assert list(table.index) == ["S2Decoder", "CSP"]  # S2 first whatever the means
    # subject means: S2 (0.8, 0.5), CSP (0.6, 0.9)
    assert table.loc["S2Decoder", "mean"] == pytest.approx(0.65)
    assert table.loc["S2Decoder", "sd"] == pytest.approx(np.std([0.8, 0.5], ddof=1))
    assert table.loc["CSP", "seconds"] == 1.0 and table.loc["CSP", "n_folds"] == 4
    official = {"methods": {"CSP": {"mean": 0.1, "sd": 0.0, "family": "stacked"}}}
    table = viz.method_table(_scores(), "accuracy", official)
    assert table.loc["CSP", "mean"] == 0.1 and table.loc["CSP", "family"] == "stacked"
    assert viz.best_methods(table) == ("S2Decoder", None)
    with pytest.raises(ValueError, match="no column 'balanced_accuracy'"):
        viz.method_table(_scores(), "balanced_accuracy")


def test_an_ablation_variant_is_an_s2_variant_never_the_best_peer():
    # a pipeline's S2 variants are written with family "ablation" (pipeline.run.s2_rows); a
    # variant that beats the peers must not become "the best peer" S2 is compared with
    scores = _scores()
    variant = scores[scores["method"] == "S2Decoder"].assign(
        method="S2 (no delays)", family="ablation", accuracy=1.0
    )
    table = viz.method_table(pd.concat([scores, variant], ignore_index=True), "accuracy")
    assert list(table.index) == ["S2Decoder", "S2 (no delays)", "CSP"]
    assert table.loc["S2 (no delays)", "family"] == "ablation"
    assert viz.best_methods(table) == ("S2Decoder", "CSP")
    fig = viz.plot_scores(pd.concat([scores, variant], ignore_index=True), chance=0.5)
    labels = {t.get_text(): t.get_color() for t in fig.axes[0].get_yticklabels()}
    import matplotlib.pyplot as plt

    plt.close(fig)
    assert labels["S2 (no delays)"] == viz.FAMILY_COLORS["ablation"] != labels["CSP"]


def test_score_figure_panels_match_scores_panels():
    scores = _scores()
    panels = viz.scores_panels(scores, chance=0.5)
    assert panels == viz.ScoresPanels(subject_marks=True, chance=True, paired=True)
    fig = viz.plot_scores(scores, chance=0.5)
    assert len(fig.axes) == 2
    pair = fig.axes[1]
    np.testing.assert_allclose(
        np.concatenate([c.get_offsets() for c in pair.collections]), [[0.6, 0.8], [0.9, 0.5]]
    )
    one = scores[scores["subject"] == "1"]
    assert viz.scores_panels(one) == viz.ScoresPanels(False, False, False)
    assert len(viz.plot_scores(one).axes) == 1
    assert "Right" not in viz.scores_panels(one).caption()
    with pytest.raises(TypeError, match="pandas DataFrame"):
        viz.plot_scores(scores.to_dict())


def test_confusion_rows_are_recall():
    pred = pd.DataFrame(
        {
            "method": ["S2Decoder"] * 4 + ["CSP"] * 4,
            "y_true": ["a", "a", "b", "b"] * 2,
            "y_pred": ["a", "b", "b", "b", "a", "a", "a", "b"],
        }
    )
    fig = viz.plot_confusion(pred, ["S2Decoder", "CSP"])
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), [[0.5, 0.5], [0, 1]])
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), [[1, 0], [0.5, 0.5]])
    assert "pooled accuracy 75.0% (n = 4)" in fig.axes[0].get_title()
    assert len(viz.plot_confusion(pred).axes) == 2  # default: the S2 method, and a colour bar
    with pytest.raises(ValueError, match=r"choose from \['S2Decoder', 'CSP'\]"):
        viz.plot_confusion(pred, ["LDA"])


def test_docstring_examples_run():
    from s2decode.viz import binding, connectivity, scores, spikes, style

    for module in (style, spikes, connectivity, scores, binding):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__

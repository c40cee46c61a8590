"""s2decode.binding: scenes and their masks, the grid scaffold, phase clustering and FG-ARI."""

from __future__ import annotations

import numpy as np
import pytest

from s2decode import viz
from s2decode.binding import (
    CLUSTER_METHODS,
    Scenes,
    bind,
    binding_config,
    cluster_phases,
    fg_ari,
    grid_scaffold,
    group_phases,
    make_scenes,
    phase_locking,
    phase_synchrony,
    value_baseline,
)
from s2decode.energy import out_degree


def test_scenes_masks_say_which_object_each_pixel_shows():
    scenes = make_scenes(20, 3, size=24, seed=0)
    assert scenes.images.shape == scenes.masks.shape == (20, 24, 24)
    assert np.all(scenes.n_objects == 3)
    for image, mask in zip(scenes.images, scenes.masks, strict=True):
        assert np.all(image[mask == 0] == 0)  # background is 0
        assert set(np.unique(mask)) == {0, 1, 2, 3}
        levels = [np.unique(image[mask == k]) for k in (1, 2, 3)]
        assert all(level.size == 1 for level in levels)  # one grey level per object
        grey = np.sort([float(level[0]) for level in levels])
        assert np.all(np.diff(grey) >= 0.15 - 1e-12)  # min_contrast
        assert np.bincount(mask.ravel())[1:].min() >= 12  # min_visible
    again = make_scenes(20, 3, size=24, seed=0)
    np.testing.assert_array_equal(again.images, scenes.images)
    assert not np.array_equal(make_scenes(20, 3, size=24, seed=1).masks, scenes.masks)
    with pytest.raises(ValueError, match="leave room for 6 grey levels"):
        make_scenes(1, 6, min_contrast=0.2)
    with pytest.raises(ValueError, match="subset of"):
        make_scenes(1, 2, shapes=("star",))


def test_scenes_from_your_own_arrays():
    masks = np.zeros((8, 8), dtype=int)
    masks[1:4, 1:4], masks[5:7, 4:8] = 1, 2
    scenes = Scenes.from_arrays(masks * 0.4, masks)
    assert scenes.images.shape == (1, 8, 8) and scenes.n_objects.tolist() == [2]
    with pytest.raises(ValueError, match="must both have shape"):
        Scenes(np.zeros((1, 4, 4)), np.zeros((1, 4, 5), dtype=int), np.array([0]))
    with pytest.raises(ValueError, match="integer object labels"):
        Scenes.from_arrays(np.zeros((4, 4)), np.full((4, 4), 0.5))


def test_grid_scaffold_couples_neighbours_with_distance_delays():
    sc = grid_scaffold(4, 5, neighbours=4, pixel_mm=2.0)
    assert sc.n_nodes == 20 and sc.labels[7] == "r1c2"
    w = sc.weights
    np.testing.assert_array_equal(w, w.T)
    degree = (w > 0).sum(axis=0).reshape(4, 5)
    assert degree[0, 0] == 2 and degree[0, 2] == 3 and degree[1, 2] == 4
    eight = grid_scaffold(4, 5, neighbours=8)
    assert (eight.weights > 0).sum(axis=0).reshape(4, 5)[1, 2] == 8
    # 2 mm at 5 m/s = 0.4 ms, plus tau_0 = 1 ms
    assert sc.delays[7, 8] == pytest.approx(1.4e-3)
    with pytest.raises(ValueError, match=r"one of \(4, 8\)"):
        grid_scaffold(3, 3, neighbours=6)


def test_known_phase_pattern_is_recovered_with_ari_one():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 0.5, 250)
    groups = np.repeat([0, 1, 2], [30, 20, 25])  # 3 groups, 3 frequencies
    freq = np.array([20.0, 33.0, 47.0])[groups]
    phases = 2 * np.pi * freq[:, None] * t + rng.uniform(0, 0.3, (groups.size, 1))
    phases += rng.normal(0, 0.2, phases.shape)  # jitter inside each group
    for method in CLUSTER_METHODS:
        labels = cluster_phases(phases, 3, method=method)
        assert fg_ari(groups + 1, labels)[0] == pytest.approx(1.0)
    plv = phase_locking(phases)
    assert plv[0, 1] > 0.9 and plv[0, 40] < 0.2
    np.testing.assert_allclose(np.diag(plv), 1.0)
    # random groups score about 0
    assert abs(fg_ari(groups + 1, rng.integers(0, 3, groups.size))[0]) < 0.1
    with pytest.raises(ValueError, match="method"):
        cluster_phases(phases, 3, method="dbscan")


def test_readouts_differ_on_groups_locked_at_a_lag():
    """Two groups at one frequency, a third of a cycle apart: phase-locked (PLV 1) but not
    synchronous. k-means of cos/sin and the in-phase synchrony separate them; the PLV cannot."""
    rng = np.random.default_rng(1)
    t = np.arange(0.0, 0.25, 1e-3)
    groups = np.repeat([0, 1], [40, 30])
    lag = np.where(groups == 0, 0.0, 2 * np.pi / 3)
    phases = 2 * np.pi * 50 * t + lag[:, None] + rng.normal(0, 0.15, (groups.size, t.size))
    sync = phase_synchrony(phases)
    assert sync[0, 1] > 0.95 and sync[0, 50] == pytest.approx((1 + np.cos(2 * np.pi / 3)) / 2,
                                                              abs=0.03)  # fmt: skip
    assert phase_locking(phases)[0, 50] > 0.95  # locked at a constant lag
    for method in ("kmeans", "synchrony"):
        assert fg_ari(groups + 1, cluster_phases(phases, 2, method=method))[0] == 1.0
    assert fg_ari(groups + 1, cluster_phases(phases, 2, method="spectral"))[0] < 0.5
    np.testing.assert_allclose(phase_synchrony(np.array([[0.0], [np.pi]])), [[1, 0], [0, 1]],
                               atol=1e-12)  # fmt: skip


def test_group_phases_leaves_silent_nodes_in_a_group_of_their_own():
    t = np.arange(0.0, 0.1, 1e-3)
    phases = np.zeros((6, t.size))
    phases[:2] = 2 * np.pi * 40 * t
    phases[2:4] = 2 * np.pi * 40 * t + np.pi
    fired = np.array([True, True, True, True, False, False])
    labels = group_phases(phases, fired, 2)
    assert labels[0] == labels[1] != labels[2] == labels[3]
    assert set(labels[:4]) == {0, 1} and labels[4] == labels[5] == 2
    only_one = group_phases(phases, np.eye(6, dtype=bool)[0], 2)
    assert only_one.tolist() == [0, 2, 2, 2, 2, 2]
    with pytest.raises(ValueError, match="one boolean per node"):
        group_phases(phases, fired[:3], 2)


def test_fg_ari_leaves_the_background_out():
    masks = np.array([[0, 0, 1, 1, 2, 2]])
    assert fg_ari(masks, np.array([[7, 8, 0, 0, 1, 1]]))[0] == 1.0
    assert fg_ari(masks, np.array([[0, 0, 0, 0, 0, 0]]))[0] == 0.0  # objects merged
    assert np.isnan(fg_ari(np.zeros((1, 4), int), np.zeros((1, 4), int))[0])


def test_intensity_baseline_groups_by_grey_level():
    scenes = make_scenes(5, 2, seed=3)
    np.testing.assert_allclose(value_baseline(scenes), 1.0)  # distinct grey levels


def test_bind_runs_the_network_and_is_deterministic():
    scenes = make_scenes(3, 2, size=10, extent=(3, 5), min_visible=4, seed=0)
    config = binding_config(dt=2e-4)
    result = bind(scenes, config=config, duration=0.2, backend="numpy", keep_phases=True,
                  batch_size=2)  # fmt: skip
    assert result.labels.shape == (3, 10, 10) and result.fg_ari.shape == (3,)
    assert np.all(np.isfinite(result.fg_ari)) and np.all(result.fg_ari <= 1)
    assert result.phases.shape[:2] == (3, 100)
    # the background stays silent and is a group of its own; the objects fire
    for k, (rates, mask) in enumerate(zip(result.rates, scenes.masks, strict=True)):
        assert rates[mask == 0].max() == 0 and rates[mask > 0].mean() > 10
        assert np.all(result.labels[k][mask == 0] == 2) and not result.fired[k][mask == 0].any()
    # energy: every spike reaches the neuron's gated grid neighbours (8, 5 or 3 of them)
    degree = out_degree(grid_scaffold(10, 10).weights)
    spikes = np.rint(result.rates.reshape(3, -1) * 0.2)
    np.testing.assert_allclose(result.synaptic_ops, spikes @ degree)
    np.testing.assert_allclose(result.energy_pj, 0.9 * result.synaptic_ops)
    again = bind(scenes, config=config, duration=0.2, backend="numpy", batch_size=2)
    np.testing.assert_array_equal(again.labels, result.labels)
    # with global inhibition every spike also reaches the inhibitory unit, and rates drop
    inhibited = bind(scenes, config=config.replace(g_inh=2.0), duration=0.2, backend="numpy",
                     batch_size=3)  # fmt: skip
    inhibited_spikes = np.rint(inhibited.rates.reshape(3, -1) * 0.2)
    np.testing.assert_allclose(inhibited.synaptic_ops, inhibited_spikes @ (degree + 1))
    assert inhibited_spikes.sum() < spikes.sum()
    fig = viz.plot_binding(scenes, result, index=1)
    assert fig.axes[2].get_title().startswith("phase groups, FG-ARI")
    with pytest.raises(TypeError, match="Scenes"):
        bind(scenes.images)


def test_binding_docstring_examples_run():
    import doctest

    from s2decode.binding import grid, scenes, segment

    for module in (scenes, grid, segment):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__

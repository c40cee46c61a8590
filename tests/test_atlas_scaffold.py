"""The connectivity scaffold: builders, maths, ablations, validation, I/O."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from s2decode.atlas import Atlas, Scaffold
from s2decode.atlas.scaffold import (
    conduction_delays,
    correlation_weights,
    distance_matrix,
    distance_weights,
    normalize_weights,
    sparsify_knn,
    sparsify_threshold,
)
from s2decode.trials import make_trials


@pytest.fixture
def small_atlas():
    rng = np.random.default_rng(0)
    coords = rng.uniform(-60, 60, size=(6, 3))
    return Atlas(
        "small", [f"p{i}" for i in range(6)], coords, networks=["a", "a", "a", "b", "b", "b"]
    )


def _trials(atlas, data, **kwargs):
    return make_trials(
        data,
        sfreq=100.0,
        names=atlas.labels,
        coords=atlas.coords,
        networks=atlas.networks,
        **kwargs,
    )


# --------------------------------------------------------------------------------------
# Distance scaffold


def test_distance_scaffold(seitzman):
    sc = Scaffold.from_atlas(seitzman)
    n = seitzman.n_parcels
    assert sc.weights.shape == sc.delays.shape == (n, n)
    assert np.all(sc.weights >= 0) and np.all(np.diag(sc.weights) == 0)
    assert sc.weights.max() == pytest.approx(1.0)  # normalize="max"
    np.testing.assert_allclose(sc.weights, sc.weights.T)  # distance is symmetric
    assert sc.labels == seitzman.labels and sc.networks == seitzman.networks
    np.testing.assert_array_equal(sc.coords, seitzman.coords)
    # Weights fall with distance.
    d = distance_matrix(seitzman.coords)
    off = ~np.eye(n, dtype=bool)
    assert np.all(np.diff(sc.weights[off][np.argsort(d[off])]) <= 1e-12)
    assert sc.meta["method"] == "distance" and sc.meta["atlas"] == "seitzman300"


@pytest.mark.parametrize("velocity", [1.0, 5.0, 10.0])
def test_delays_plausible(seitzman, velocity):
    tau_0 = 1e-3
    sc = Scaffold.from_atlas(seitzman, velocity=velocity, tau_0=tau_0)
    off = ~np.eye(sc.n_nodes, dtype=bool)
    d_mm = distance_matrix(seitzman.coords)
    # An adult brain is < ~180 mm across: delays between tau_0 and tau_0 + 180 mm / v.
    assert np.all(sc.delays[off] > tau_0)
    assert np.all(sc.delays[off] < tau_0 + 0.180 / velocity)
    np.testing.assert_allclose(sc.delays, tau_0 + d_mm * 1e-3 / velocity)
    np.testing.assert_allclose(sc.delays, sc.delays.T)
    if velocity == 5.0:  # the default: delays of a few to a few tens of ms
        assert 0.02 < sc.delays.max() < 0.04


def test_knn(seitzman):
    k = 8
    sc = Scaffold.from_atlas(seitzman, k=k, normalize=None)
    assert np.all(np.count_nonzero(sc.weights, axis=1) == k)
    # The kept inputs of each parcel are its k nearest parcels.
    d = distance_matrix(seitzman.coords)
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1)[:, :k]
    for i in range(sc.n_nodes):
        assert set(np.flatnonzero(sc.weights[i])) == set(nearest[i])


def test_threshold_and_normalizations(small_atlas):
    raw = Scaffold.from_atlas(small_atlas, normalize=None).weights
    thr = np.median(raw[raw > 0])
    sc = Scaffold.from_atlas(small_atlas, threshold=thr, normalize=None)
    assert np.all(sc.weights[sc.weights > 0] >= thr)
    assert 0 < sc.n_edges < raw.size - 6
    row = Scaffold.from_atlas(small_atlas, normalize="row").weights
    np.testing.assert_allclose(row.sum(axis=1), 1.0)
    spec = Scaffold.from_atlas(small_atlas, normalize="spectral").weights
    assert np.max(np.abs(np.linalg.eigvals(spec))) == pytest.approx(1.0)
    np.testing.assert_allclose(spec / spec.max(), raw / raw.max())  # shape kept


def test_length_constant(small_atlas):
    short = Scaffold.from_atlas(small_atlas, length_constant=10.0, normalize=None)
    long = Scaffold.from_atlas(small_atlas, length_constant=80.0, normalize=None)
    off = ~np.eye(6, dtype=bool)
    assert np.all(short.weights[off] < long.weights[off])


# --------------------------------------------------------------------------------------
# Connectome and data scaffolds


def test_connectome(small_atlas):
    rng = np.random.default_rng(1)
    c = rng.uniform(0, 2, size=(6, 6))
    sc = Scaffold.from_atlas(small_atlas, method="connectome", connectome=c, normalize=None)
    expected = c.copy()
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(sc.weights, expected)  # j -> i kept as given, not symmetrised
    np.testing.assert_allclose(sc.delays, conduction_delays(distance_matrix(small_atlas.coords)))


@pytest.mark.parametrize(
    ("connectome", "match"),
    [
        (np.ones((5, 5)), r"atlas 'small' has 6 parcels"),
        (np.ones((6, 5)), "square"),
        (np.full((6, 6), np.nan), "NaN"),
        (-np.ones((6, 6)), "negative"),
    ],
)
def test_connectome_errors(small_atlas, connectome, match):
    with pytest.raises(ValueError, match=match):
        Scaffold.from_atlas(small_atlas, method="connectome", connectome=connectome)


def test_builder_argument_errors(small_atlas):
    with pytest.raises(ValueError, match="needs `connectome`"):
        Scaffold.from_atlas(small_atlas, method="connectome")
    with pytest.raises(ValueError, match="needs `trials`"):
        Scaffold.from_atlas(small_atlas, method="data")
    with pytest.raises(ValueError, match="method='connectome'"):
        Scaffold.from_atlas(small_atlas, connectome=np.ones((6, 6)))
    with pytest.raises(ValueError, match="`method` must be one of"):
        Scaffold.from_atlas(small_atlas, method="magic")
    for kwargs, match in [
        ({"normalize": "l2"}, "`normalize`"),
        ({"k": 0}, "`k`"),
        ({"k": 6}, "`k`"),
        ({"threshold": -1}, "`threshold`"),
        ({"velocity": 0}, "`velocity`"),
        ({"tau_0": -1e-3}, "`tau_0`"),
        ({"length_constant": 0}, "`length_constant`"),
    ]:
        with pytest.raises(ValueError, match=match):
            Scaffold.from_atlas(small_atlas, **kwargs)


def _chain_data(n_trials=20, n_times=200, seed=0):
    """p0 -> p1 -> p2 (a chain), p3 shares p0's drive with noise, p4, p5 independent."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((n_trials, 6, n_times))
    data[:, 1] += data[:, 0]
    data[:, 2] += data[:, 1]
    return data


def test_data_scaffold_correlation_vs_partial(small_atlas):
    trials = _trials(small_atlas, _chain_data())
    corr = Scaffold.from_atlas(small_atlas, method="data", trials=trials, normalize=None)
    part = Scaffold.from_atlas(
        small_atlas, method="data", trials=trials, estimator="partial", normalize=None
    )
    for sc in (corr, part):
        assert np.all(sc.weights >= 0) and np.all(np.diag(sc.weights) == 0)
        np.testing.assert_allclose(sc.weights, sc.weights.T, atol=1e-12)
        assert sc.weights[0, 1] > 0.4 and sc.weights[1, 2] > 0.4
        assert sc.weights[4, 5] < 0.1  # independent nodes
    # p0 and p2 correlate through p1, but are conditionally independent given it.
    assert corr.weights[0, 2] > 0.4
    assert part.weights[0, 2] < 0.1
    assert part.meta["estimator"] == "partial"


def test_data_scaffold_sign(small_atlas):
    data = _chain_data()
    data[:, 3] = -data[:, 0] + 0.3 * data[:, 3]  # anti-correlated with p0
    trials = _trials(small_atlas, data)
    absolute = Scaffold.from_atlas(small_atlas, method="data", trials=trials, normalize=None)
    positive = Scaffold.from_atlas(
        small_atlas, method="data", trials=trials, sign="positive", normalize=None
    )
    assert absolute.weights[0, 3] > 0.8
    assert positive.weights[0, 3] == 0


def test_data_scaffold_reorders_and_checks_nodes(small_atlas):
    data = _chain_data()
    trials = _trials(small_atlas, data)
    reordered = trials.isel(parcel=[5, 4, 3, 2, 1, 0])
    a = Scaffold.from_atlas(small_atlas, method="data", trials=trials)
    b = Scaffold.from_atlas(small_atlas, method="data", trials=reordered)
    # reordered nodes: the same correlations summed in another order, to rounding
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-10, atol=1e-12 * a.weights.max())
    with pytest.raises(ValueError, match="6 parcels"):
        Scaffold.from_atlas(small_atlas, method="data", trials=trials.isel(parcel=slice(0, 5)))
    renamed = trials.assign_coords(parcel=[f"q{i}" for i in range(6)])
    with pytest.raises(ValueError, match="not the parcel labels"):
        Scaffold.from_atlas(small_atlas, method="data", trials=renamed)


def test_from_trials(small_atlas):
    trials = _trials(small_atlas, _chain_data())
    sc = Scaffold.from_trials(trials, k=2)
    assert sc.labels == small_atlas.labels and sc.networks == small_atlas.networks
    np.testing.assert_allclose(sc.coords, small_atlas.coords)
    assert np.all(np.count_nonzero(sc.weights, axis=1) <= 2)
    no_coords = make_trials(_chain_data(), sfreq=100.0)
    with pytest.raises(ValueError, match="no MNI coordinates"):
        Scaffold.from_trials(no_coords)


def test_correlation_weights_edge_cases(small_atlas):
    data = _chain_data(n_trials=30, n_times=1)
    data[:, 5] = 1.0  # a constant node
    w = correlation_weights(_trials(small_atlas, data, measure="rates"))
    assert np.all(w[5] == 0) and np.all(w[:, 5] == 0)
    assert w[0, 1] > 0.4  # across-trial correlation with one sample per trial
    with pytest.raises(ValueError, match="at least 3"):
        correlation_weights(_trials(small_atlas, data[:2], measure="rates"))
    with pytest.raises(ValueError, match="`estimator`"):
        correlation_weights(_trials(small_atlas, data, measure="rates"), estimator="mi")


# --------------------------------------------------------------------------------------
# Ablations


def test_shuffled(seitzman):
    sc = Scaffold.from_atlas(seitzman, k=10)
    sh = sc.shuffled(seed=0)
    off = ~np.eye(sc.n_nodes, dtype=bool)
    np.testing.assert_array_equal(np.sort(sh.weights[off]), np.sort(sc.weights[off]))
    assert sh.n_edges == sc.n_edges
    assert np.all(np.diag(sh.weights) == 0)
    overlap = np.count_nonzero((sh.weights > 0) & (sc.weights > 0)) / sc.n_edges
    assert overlap < 0.2  # random topology: ~ n_edges / n_pairs = 3% expected
    np.testing.assert_array_equal(sh.delays, sc.delays)
    np.testing.assert_array_equal(sh.weights, sc.shuffled(seed=0).weights)
    assert not np.array_equal(sh.weights, sc.shuffled(seed=1).weights)
    assert sh.labels == sc.labels


def test_without_delays(small_atlas):
    sc = Scaffold.from_atlas(small_atlas, tau_0=2e-3)
    flat = sc.without_delays()
    assert np.all(flat.delays == 2e-3)
    np.testing.assert_array_equal(flat.weights, sc.weights)
    assert np.all(sc.without_delays(0.0).delays == 0)
    bare = Scaffold(np.ones((2, 2)) - np.eye(2), np.full((2, 2), 5e-3))
    assert np.all(bare.without_delays().delays == 5e-3)  # no tau_0: smallest delay
    with pytest.raises(ValueError, match="`tau_0`"):
        sc.without_delays(-1.0)


# --------------------------------------------------------------------------------------
# Validation on construction


@pytest.mark.parametrize(
    ("weights", "delays", "match"),
    [
        (np.zeros((3, 2)), np.zeros((3, 2)), "`weights` must be a square"),
        (np.zeros(3), np.zeros(3), "`weights` must be a square"),
        (np.full((2, 2), np.nan), np.zeros((2, 2)), "`weights` contains NaN"),
        (np.array([[0, -1], [1, 0]]), np.zeros((2, 2)), "non-negative"),
        (np.ones((2, 2)), np.zeros((2, 2)), "zero diagonal"),
        (np.zeros((2, 2)), np.zeros((3, 3)), r"`delays` has shape \(3, 3\)"),
        (np.zeros((2, 2)), -np.ones((2, 2)), "`delays` must be non-negative"),
        (np.zeros((2, 2)), np.full((2, 2), np.inf), "`delays` contains NaN"),
    ],
)
def test_validation(weights, delays, match):
    with pytest.raises(ValueError, match=match):
        Scaffold(weights, delays)


def test_validation_node_info():
    w, d = np.zeros((2, 2)), np.zeros((2, 2))
    with pytest.raises(ValueError, match="`labels` has 3 entries"):
        Scaffold(w, d, labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="`coords` must have shape"):
        Scaffold(w, d, coords=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="`networks` has 1 entries"):
        Scaffold(w, d, networks=["x"])


# --------------------------------------------------------------------------------------
# I/O


def test_save_load_roundtrip(tmp_path, seitzman):
    sc = Scaffold.from_atlas(seitzman, k=5)
    path = sc.save(tmp_path / "scaffold.nc")
    back = Scaffold.load(path)
    np.testing.assert_array_equal(back.weights, sc.weights)
    np.testing.assert_array_equal(back.delays, sc.delays)
    np.testing.assert_array_equal(back.coords, sc.coords)
    assert back.labels == sc.labels and back.networks == sc.networks
    assert back.meta == sc.meta
    ds = sc.to_dataset()
    # j -> i is [target i, source j].
    i, j = np.argwhere(sc.weights > 0)[0]
    assert ds["weights"].sel(target=sc.labels[i], source=sc.labels[j]) == sc.weights[i, j]
    with pytest.raises(FileExistsError):
        sc.save(path)  # as SpikeTrains.save: an existing file is kept unless asked
    other = Scaffold.from_atlas(seitzman, k=3)
    assert Scaffold.load(other.save(path, overwrite=True)).weights.sum() == other.weights.sum()
    with pytest.raises(FileNotFoundError, match=r"^Scaffold file .*missing\.nc does not exist"):
        Scaffold.load(tmp_path / "missing.nc")


def test_roundtrip_without_node_info(tmp_path):
    sc = Scaffold(np.array([[0, 1.0], [0.5, 0]]), np.full((2, 2), 1e-3))
    back = Scaffold.load(sc.save(tmp_path / "bare.nc"))
    np.testing.assert_array_equal(back.weights, sc.weights)
    assert back.coords is None and back.networks is None


# --------------------------------------------------------------------------------------
# Properties of the plain functions

_weights = arrays(
    np.float64,
    st.integers(2, 8).map(lambda n: (n, n)),
    elements=st.one_of(st.just(0.0), st.floats(1e-3, 10.0)),  # no subnormals
)


@settings(max_examples=50, deadline=None)
@given(_weights, st.integers(1, 7))
def test_sparsify_knn_property(w, k):
    n = w.shape[0]
    np.fill_diagonal(w, 0)
    k = min(k, n - 1)
    out = sparsify_knn(w, k)
    assert np.all(np.count_nonzero(out, axis=1) <= k)
    assert np.all((out == 0) | (out == w))  # kept weights are unchanged
    # Every dropped off-diagonal weight is no larger than the smallest kept one in its row.
    for i in range(n):
        kept = out[i][out[i] > 0]
        dropped = np.delete(w[i], i)[np.delete(out[i], i) == 0]
        if kept.size and dropped.size:
            assert dropped.max() <= kept.min()


@settings(max_examples=50, deadline=None)
@given(_weights, st.sampled_from(["max", "row", "spectral", None]))
def test_normalize_property(w, method):
    np.fill_diagonal(w, 0)
    out = normalize_weights(w, method)
    assert np.all(out >= 0) and np.all(np.isfinite(out))
    assert np.array_equal(out > 0, w > 0)  # a rescaling never changes the topology
    if method == "max" and w.max() > 0:
        assert out.max() == pytest.approx(1.0)


def test_plain_function_errors():
    with pytest.raises(ValueError, match=r"`coords` must have shape \(n, 3\)"):
        distance_matrix(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="`coords` contains NaN"):
        distance_matrix(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="`distances` must be non-negative"):
        distance_weights(-np.ones((2, 2)))
    with pytest.raises(ValueError, match="`weights` must be non-negative"):
        sparsify_threshold(-np.ones((2, 2)), 0.1)
    with pytest.raises(ValueError, match="`k` must be an integer"):
        sparsify_knn(np.ones((3, 3)), 1.5)


def test_plot(small_atlas):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    fig = Scaffold.from_atlas(small_atlas, k=2).plot(show=False)
    assert len(fig.axes) == 4  # two matrices and their colour bars
    plt.close(fig)


def test_from_weights_delays_from_positions_or_one_free_delay():
    from s2decode.atlas.scaffold import FREE_DELAY, conduction_delays, distance_matrix

    rng = np.random.default_rng(0)
    w = rng.uniform(0, 1, (5, 5))
    free = Scaffold.from_weights(w, labels=list("abcde"), meta={"method": "given"})
    assert np.all(np.diag(free.weights) == 0) and np.all(np.diag(free.delays) == 0)
    off = ~np.eye(5, dtype=bool)
    np.testing.assert_array_equal(free.weights[off], w[off])  # as given, diagonal dropped
    assert np.all(free.delays[off] == FREE_DELAY)
    assert free.labels == list("abcde") and free.meta == {"method": "given"}
    assert np.all(Scaffold.from_weights(w, free_delay=5e-3).delays[off] == 5e-3)
    coords = rng.uniform(-60, 60, (5, 3))
    placed = Scaffold.from_weights(w, coords=coords, velocity=2.0)
    expected = conduction_delays(distance_matrix(coords), velocity=2.0)
    np.testing.assert_allclose(placed.delays[off], expected[off], rtol=1e-12)
    # sparsified and normalised as from_atlas: the k strongest inputs, max 1
    sparse = Scaffold.from_weights(w, k=2, normalize="max")
    assert np.all((sparse.weights > 0).sum(axis=1) == 2)
    assert sparse.weights.max() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="free_delay"):
        Scaffold.from_weights(w, free_delay=-1.0)
    with pytest.raises(ValueError, match="non-negative"):
        Scaffold.from_weights(-w)

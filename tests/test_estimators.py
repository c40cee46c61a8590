"""Behaviour of S2Featurizer / S2Decoder / S2Regressor on the inputs users give them.

Small networks (8-16 parcels of the Seitzman atlas, a few hundred ms per trial) keep every
simulation well under a second; the real-data test uses one subject of eegbci. Every
estimator here drives each node with its signal itself (``bands=None``): these tests pin the
network and its inputs; the filter bank and the learned front ends are tested in
test_estimators_front_end.py.
"""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from s2decode.atlas import Scaffold
from s2decode.datasets import load
from s2decode.estimators import S2Decoder, S2Featurizer, S2Regressor, default_config
from s2decode.net import S2NetConfig
from s2decode.spiketrains import SpikeTrains
from s2decode.trials import make_trials

from .conftest import seitzman_subset

SFREQ = 250.0


@pytest.fixture(scope="module")
def trials8(atlas8):
    """12 trials, 8 parcels, 0.3 s at 250 Hz; classes differ in network coupling only."""
    return load(
        "synthetic",
        atlas=atlas8,
        networks=("Visual", "DefaultMode"),
        n_trials=12,
        duration=0.3,
        sfreq=SFREQ,
        seed=0,
    )


@pytest.fixture(scope="module")
def static_xy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def fast_static() -> dict:
    return dict(config=default_config("static").replace(dt=5e-4), static_duration=0.1)


# ---------------------------------------------------------------------------- decoding
def test_synchrony_features_decode_what_rates_cannot(tmp_path):
    """Classes differ only in which network's parcels oscillate in phase (equal power):
    S2's synchrony features separate them, its rates stay near chance."""
    atlas = seitzman_subset({"Visual": 6, "DefaultMode": 6, "FrontoParietal": 4})
    trials = load(
        "synthetic",
        atlas=atlas,
        networks=("Visual", "DefaultMode"),
        n_trials=40,
        duration=0.5,
        sfreq=SFREQ,
        seed=0,
    )
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    y = trials.y.values
    # same network and seed: the two decoders share the simulations through the cache
    sync = S2Decoder(
        bands=None, features=("kuramoto", "spike_sync"), random_state=0, memory=tmp_path
    )
    rates = S2Decoder(bands=None, features=("rates",), random_state=0, memory=tmp_path)
    sync_score = cross_val_score(sync, trials, y, cv=cv).mean()
    rate_score = cross_val_score(rates, trials, y, cv=cv).mean()
    assert sync_score >= 0.8
    assert sync_score - rate_score >= 0.2


@pytest.mark.realdata
def test_eegbci_hands_feet_runs_and_is_not_below_chance(data_dir, eegbci_dir):
    trials = load("eegbci", data_dir=data_dir, task="imagery", classes="hands_feet", tmax=0.5)
    y = trials.y.values
    clf = S2Decoder(bands=None, features=("rates", "kuramoto"), random_state=0)
    scores = cross_val_score(clf, trials, y, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    chance = np.unique(y, return_counts=True)[1].max() / y.size
    assert np.all(np.isfinite(scores))
    # 45 trials of 0.5 s: benchmarks/decoding.py reports the real figure; here "it runs"
    assert scores.mean() >= chance - 0.1


# ---------------------------------------------------------------------------- inputs
def test_dataarray_brings_parcels_networks_and_labels(trials8, atlas8):
    dec = S2Decoder(bands=None, random_state=0).fit(trials8)  # y from the trials' coordinate
    assert list(dec.classes_) == sorted(set(trials8.y.values.tolist()))
    feat = dec.featurizer_
    assert feat.node_names_ == atlas8.labels
    assert feat.input_kind_ == "signals"
    # distance scaffold from the parcels' MNI positions, delays tau_0 + d / v
    assert feat.scaffold_.meta["method"] == "distance"
    assert np.all(feat.scaffold_.delays[feat.scaffold_.weights > 0] > 1e-3)
    names = feat.get_feature_names_out()
    assert "plv_DefaultMode~Visual_w0" in names
    assert "kuramoto_mean_Visual_w0" in names
    assert dec.n_features_in_ == 8
    assert dec.predict(trials8).shape == (12,)
    proba = dec.predict_proba(trials8)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_3d_array_on_the_atlas_equals_the_dataarray(trials8, atlas8):
    from_da = S2Featurizer(bands=None, random_state=0).fit_transform(trials8)
    arr = S2Featurizer(bands=None, atlas=atlas8, sfreq=SFREQ, random_state=0)
    np.testing.assert_allclose(arr.fit_transform(trials8.values), from_da)
    assert arr.node_names_ == atlas8.labels


def test_3d_array_errors_name_what_to_do(trials8):
    with pytest.raises(ValueError, match=r"8 parcels but the atlas 'seitzman300' has 300"):
        S2Featurizer(bands=None, sfreq=SFREQ).fit(trials8.values)
    with pytest.raises(ValueError, match="needs `sfreq`"):
        S2Featurizer(bands=None, atlas=None).fit(trials8.values)
    with pytest.raises(ValueError, match=r"disagrees with X\.attrs"):
        S2Featurizer(bands=None, sfreq=100.0).fit(trials8)
    # atlas=None: nodes without positions, data-driven scaffold with uniform 2 ms delays
    feat = S2Featurizer(bands=None, atlas=None, sfreq=SFREQ, random_state=0).fit(trials8.values)
    assert feat.node_names_[:2] == ["x0", "x1"]
    assert feat.scaffold_.meta["method"] == "data"
    np.testing.assert_allclose(feat.scaffold_.delays[feat.scaffold_.weights > 0], 2e-3)


def test_transform_checks_kind_and_length(trials8, static_xy):
    feat = S2Featurizer(bands=None, random_state=0).fit(trials8)
    with pytest.raises(ValueError, match="fitted on signals input but got static"):
        feat.transform(np.zeros((3, 8)))
    with pytest.raises(ValueError, match="fitted on 75 samples"):
        feat.transform(trials8.isel(time=slice(0, 50)))
    with pytest.raises(ValueError, match="X has 4 features, but S2Featurizer is expecting 8"):
        feat.transform(trials8.isel(parcel=slice(0, 4)))


def test_static_dataframe_names_nodes(static_xy, fast_static):
    X, _ = static_xy
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    feat = S2Featurizer(bands=None, random_state=0, **fast_static).fit(df)
    assert feat.node_names_ == ["a", "b", "c", "d"]
    assert list(feat.feature_names_in_) == ["a", "b", "c", "d"]
    assert "rate_a_w0" in feat.get_feature_names_out()
    assert "plv_a~b_w0" in feat.get_feature_names_out()  # <= 16 nodes: every node pair
    with pytest.raises(ValueError, match="input_features"):
        feat.get_feature_names_out(["w", "x", "y", "z"])
    out = feat.set_output(transform="pandas").transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(feat.get_feature_names_out())
    # the default static regime fires every node, and rates grow with the input
    rates = out.filter(like="rate_").to_numpy()
    assert np.all(rates > 0)
    assert np.corrcoef(X[:, 0], rates[:, 0])[0, 1] > 0.8


def test_spike_inputs_drive_their_neurons(trials8):
    rng = np.random.default_rng(1)
    counts = make_trials(
        rng.poisson(0.03, size=(6, 5, 200)),
        sfreq=1000.0,
        measure="spike_counts",
        modality="spikes",
        node_dim="unit",
        y=np.arange(6) % 2,
    )
    feat = S2Featurizer(bands=None, atlas=None, random_state=0)
    from_counts = feat.fit_transform(counts)
    assert feat.config_.encoder == "spikes"
    assert feat.input_kind_ == "spikes"
    np.testing.assert_allclose(feat.transform(SpikeTrains.from_counts(counts)), from_counts)
    assert np.all(np.isfinite(from_counts))
    with pytest.raises(ValueError, match="encoder='spikes'"):
        S2Featurizer(bands=None, atlas=None, encoder="poisson").fit(counts)
    with pytest.raises(ValueError, match="needs spike inputs"):
        S2Featurizer(bands=None, encoder="spikes").fit(trials8)


def test_epochs_are_projected_with_a_projector_learned_in_fit(atlas8):
    mne = pytest.importorskip("mne")
    from s2decode.atlas.projection import default_montage

    montage = mne.channels.make_standard_montage(default_montage())
    chs = ["C3", "C4", "Cz", "O1", "O2", "Pz", "F3", "F4"]
    info = mne.create_info(chs, 160.0, "eeg")
    info.set_montage(montage)
    rng = np.random.default_rng(0)
    events = np.c_[np.arange(10) * 100, np.zeros(10, int), np.arange(10) % 2 + 1]
    epochs = mne.EpochsArray(
        rng.standard_normal((10, 8, 64)) * 1e-5, info, events, tmin=-0.1, verbose=False
    )
    feat = S2Featurizer(
        bands=None, atlas=atlas8, projection="sensor", windows=[[0.0, 0.3]], random_state=0
    )
    out = feat.fit_transform(epochs)
    assert out.shape[0] == 10
    assert feat.n_features_in_ == 8
    assert feat.node_names_ == atlas8.labels
    np.testing.assert_allclose(feat.windows_, [[0.1, 0.4]])  # data time -> from trial start
    dec = S2Decoder(bands=None, atlas=atlas8, projection="sensor", random_state=0).fit(
        epochs, events[:, 2]
    )
    assert set(dec.predict(epochs)) <= {1, 2}
    other = mne.EpochsArray(
        rng.standard_normal((2, 3, 64)) * 1e-5,
        mne.create_info(["C3", "C4", "Cz"], 160.0, "eeg").set_montage(montage),
        tmin=-0.1,
        verbose=False,
    )
    with pytest.raises(ValueError, match="X has 3 features, but S2Featurizer is expecting 8"):
        feat.transform(other)


# ---------------------------------------------------------------------------- outputs
def test_transform_xarray_is_labelled(trials8):
    feat = S2Featurizer(
        bands=None, windows=0.1, features=("rates", "kuramoto", "energy"), random_state=0
    )
    feat.fit(trials8)
    out = feat.transform_xarray(trials8)
    assert out.dims == ("trial", "feature")
    np.testing.assert_allclose(out.values, feat.transform(trials8))
    assert list(out.feature.values) == list(feat.get_feature_names_out())
    assert set(out.window.values.tolist()) == {0, 1, 2}
    np.testing.assert_allclose(np.unique(out.window_start), [0.0, 0.1, 0.2], atol=1e-12)
    assert set(out.metric.values) == {
        "rate",
        "kuramoto_mean",
        "kuramoto_metastability",
        "energy_pj",
        "energy_ratio",
    }
    rate = out.sel(feature=(out.metric == "rate") & (out.window == 0))
    assert list(rate.element.values) == feat.node_names_
    assert list(out.y.values) == list(trials8.y.values)
    # a spiking network is far cheaper than a dense layer updated at 250 Hz
    assert np.all(out.sel(feature=out.metric == "energy_ratio") < 1)


def test_transform_xarray_prices_each_trial(trials8):
    feat = S2Featurizer(bands=None, features=("rates",), random_state=0).fit(trials8)
    out = feat.transform_xarray(trials8[:3])
    spikes = feat.simulate(trials8[:3])
    # by hand: each spike costs one accumulate per outgoing connection, 0.9 pJ each
    fan_out = (feat.scaffold_.weights > 0).sum(axis=0)
    counts = np.array([[len(t) for t in spikes.trial(i)] for i in range(3)])
    np.testing.assert_allclose(out.energy_pj.values, 0.9 * counts @ fan_out, rtol=1e-12)
    assert out.energy_pj.values.sum() > 0
    # the dense network: n^2 multiply-accumulates (4.6 pJ) per input sample of the trial
    n, samples = len(feat.node_names_), trials8.sizes["time"]
    np.testing.assert_allclose(out.dense_pj.values, 4.6 * n**2 * samples, rtol=1e-6)
    table = feat.energy_table(spikes, windows=[[0.0, feat.duration_ / 2]])
    assert table.shape[0] == 3 and np.all(table["snn_pj"] <= out.energy_pj.values)


def test_simulate_returns_the_spikes_behind_the_features(trials8):
    feat = S2Featurizer(bands=None, features=("rates",), random_state=0).fit(trials8)
    spikes = feat.simulate(trials8[:3])
    assert spikes.n_trials == 3 and spikes.n_neurons == len(feat.node_names_)
    counts = np.array([[len(t) for t in spikes.trial(i)] for i in range(3)])
    np.testing.assert_allclose(feat.transform(trials8[:3]), counts / feat.duration_)
    with pytest.raises(ValueError, match="samples"):
        feat.simulate(trials8[:, :, :50])


def test_windows_in_data_time(trials8):
    shifted = trials8.assign_coords(time=trials8.time.values - 0.1)  # -0.1 .. 0.2 s
    feat = S2Featurizer(bands=None, windows=[[0.0, 0.2]], features=("rates",), random_state=0).fit(
        shifted
    )
    np.testing.assert_allclose(feat.windows_, [[0.1, 0.3]])
    with pytest.raises(ValueError, match="must have start < stop and lie in the trial"):
        S2Featurizer(bands=None, windows=[[0.0, 0.5]]).fit(shifted)
    with pytest.raises(ValueError, match="no longer than a trial"):
        S2Featurizer(bands=None, windows=1.0).fit(shifted)


# ---------------------------------------------------------------------------- semantics
def test_features_of_a_trial_do_not_depend_on_the_others(trials8):
    feat = S2Featurizer(bands=None, random_state=0).fit(trials8)
    full = feat.transform(trials8)
    np.testing.assert_array_equal(feat.transform(trials8), full)
    # other batches sum in another order: equal up to rounding, on the features' own scale
    atol = 1e-9 * np.abs(full).max()
    np.testing.assert_allclose(feat.transform(trials8[::-1])[::-1], full, rtol=1e-7, atol=atol)
    np.testing.assert_allclose(feat.transform(trials8[3:5]), full[3:5], rtol=1e-7, atol=atol)


def test_fit_transform_is_fit_then_transform(trials8, static_xy, fast_static):
    # the training trials go through the front end once: the same values, bit for bit
    y = trials8["y"].values
    for params, X, labels in [
        (dict(bands=[(8.0, 13.0), (13.0, 30.0)], windows=[[0.0, 0.15], [0.15, 0.3]]), trials8, y),
        (dict(bands=None, spatial="none"), trials8, None),
        (dict(**fast_static), *static_xy),
    ]:
        once = S2Featurizer(random_state=0, **params)
        twice = S2Featurizer(random_state=0, **params)
        np.testing.assert_array_equal(
            once.fit_transform(X, labels), twice.fit(X, labels).transform(X)
        )
        np.testing.assert_array_equal(once.transform(X), twice.transform(X))
        assert once.f_omega_.tolist() == twice.f_omega_.tolist()


def test_random_state_drives_the_random_parts(trials8):
    kwargs = dict(initial_state="random", features=("rates", "spike_sync"))
    a = S2Featurizer(bands=None, random_state=0, **kwargs).fit_transform(trials8)
    b = S2Featurizer(bands=None, random_state=0, **kwargs).fit_transform(trials8)
    c = S2Featurizer(bands=None, random_state=1, **kwargs).fit_transform(trials8)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    rest = S2Featurizer(bands=None, random_state=0).fit(trials8)
    assert rest.config_.v_init == 0.0
    assert S2Featurizer(bands=None, random_state=0, **kwargs).fit(trials8).config_.v_init == 1.0


def test_omega_modes(trials8, static_xy, fast_static):
    by_config = S2Featurizer(bands=None, omega="config", random_state=0).fit(trials8)
    np.testing.assert_allclose(by_config.f_omega_, S2NetConfig().f_omega)
    by_rates = S2Featurizer(bands=None, omega="rates", random_state=0).fit(trials8)
    assert np.all((by_rates.f_omega_ >= 2) & (by_rates.f_omega_ <= 100))
    assert by_rates.config_.f_omega == tuple(by_rates.f_omega_)
    # the synthetic parcels oscillate at 10 +- 1 Hz: the spectral peak finds it
    spectral = S2Featurizer(bands=None, omega="spectral", random_state=0).fit(trials8)
    assert np.all(np.abs(spectral.f_omega_ - 10.0) <= 4.0)
    with pytest.raises(ValueError, match="omega='spectral' needs time series"):
        S2Featurizer(bands=None, omega="spectral", **fast_static).fit(static_xy[0])


def test_scaffold_options(trials8, atlas8):
    n = 8
    complete = S2Featurizer(bands=None, scaffold="complete", random_state=0).fit(trials8).scaffold_
    assert complete.n_edges == n * (n - 1)
    knn = S2Featurizer(bands=None, scaffold="data", k=2, random_state=0).fit(trials8).scaffold_
    assert np.all((knn.weights > 0).sum(axis=1) <= 2)
    given = Scaffold.from_atlas(atlas8, k=3)
    assert S2Featurizer(bands=None, scaffold=given).fit(trials8).scaffold_ is given
    matrix = np.eye(n)[::-1] + 0.0
    np.fill_diagonal(matrix, 0.0)
    from_matrix = S2Featurizer(bands=None, scaffold=matrix, random_state=0).fit(trials8).scaffold_
    np.testing.assert_array_equal(from_matrix.weights, matrix)
    with pytest.raises(ValueError, match="has 3 nodes but X has 8"):
        S2Featurizer(bands=None, scaffold=Scaffold(np.zeros((3, 3)), np.zeros((3, 3)))).fit(trials8)
    with pytest.raises(ValueError, match="needs the nodes' MNI positions"):
        S2Featurizer(bands=None, scaffold="distance", atlas=None, sfreq=SFREQ).fit(trials8.values)


def test_ablations_are_one_parameter_away(trials8):
    base = S2Featurizer(bands=None, features=("kuramoto", "spike_sync"), random_state=0)
    full = base.fit_transform(trials8)
    for name in ("kappa", "delays", "scaffold"):
        ablated = clone(base).set_params(config=S2NetConfig().ablation(name))
        out = ablated.fit_transform(trials8)
        assert out.shape == full.shape
        assert not np.allclose(out, full), name


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"features": ("rates", "coherence")}, "Unknown feature set"),
        ({"omega": "peak"}, "`omega` must be one of"),
        ({"pairs": "all"}, "`pairs` must be one of"),
        ({"config": {"kappa": 0.1}}, "`config` must be an s2decode.net.S2NetConfig"),
        ({"scaffold": "nearest"}, "`scaffold` must be one of"),
        ({"initial_state": "noisy"}, "`initial_state` must be one of"),
        ({"k": 0}, "`k` must be a positive integer"),
    ],
)
def test_invalid_parameters_raise_in_fit(trials8, params, match):
    est = S2Featurizer(**{"bands": None, **params})  # __init__ only stores
    with pytest.raises((ValueError, TypeError), match=match):
        est.fit(trials8)


def test_regressor_on_a_dataarray_target(trials8):
    target = trials8.assign_coords(y=("trial", np.linspace(0.0, 1.0, 12)))
    reg = S2Regressor(bands=None, features=("rates", "spike_sync"), random_state=0).fit(target)
    pred = reg.predict(target)
    assert pred.shape == (12,) and np.all(np.isfinite(pred))
    with pytest.raises(ValueError, match="must be numeric"):
        S2Regressor(bands=None).fit(trials8)  # class names are not a regression target


# ---------------------------------------------------------------------------- sklearn tools
def test_pipeline_cross_val_score_and_clone(trials8):
    y = trials8.y.values
    pipe = make_pipeline(
        S2Featurizer(bands=None, features=("kuramoto", "spike_sync"), random_state=0),
        StandardScaler(),
        LogisticRegression(),
    )
    scores = cross_val_score(pipe, trials8, y, cv=StratifiedKFold(3))
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    dec = S2Decoder(bands=None, features=("rates",), k=5, random_state=3)
    twin = clone(dec)
    assert twin.get_params() == dec.get_params()
    assert not hasattr(twin, "featurizer_")


def test_grid_search_with_two_processes(trials8, tmp_path):
    y = trials8.y.values
    grid = GridSearchCV(
        # the two candidates share their simulations through the cache, across processes
        S2Decoder(bands=None, features=("kuramoto", "spike_sync"), random_state=0, memory=tmp_path),
        {"pairs": ["networks", "global"]},
        cv=StratifiedKFold(3),
        n_jobs=2,  # loky processes share the compiled Brian2 kernels (file-locked cache)
    )
    grid.fit(trials8, y)
    assert grid.best_params_["pairs"] in ("networks", "global")
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    # the refitted decoder is the same as one fitted here
    here = S2Decoder(
        bands=None, features=("kuramoto", "spike_sync"), random_state=0, **grid.best_params_
    )
    np.testing.assert_allclose(
        grid.predict_proba(trials8), here.fit(trials8, y).predict_proba(trials8)
    )


def test_memory_caches_simulations(trials8, tmp_path):
    plain = S2Featurizer(bands=None, random_state=0).fit_transform(trials8)
    cached = S2Featurizer(bands=None, random_state=0, memory=str(tmp_path))
    first = cached.fit_transform(trials8)
    assert any(tmp_path.rglob("output.pkl"))
    np.testing.assert_array_equal(first, plain)
    np.testing.assert_array_equal(cached.transform(trials8), plain)


def test_pickle_and_joblib_round_trips(trials8, tmp_path):
    dec = S2Decoder(bands=None, features=("rates", "plv"), random_state=0).fit(trials8)
    expected = dec.predict_proba(trials8)
    again = pickle.loads(pickle.dumps(dec))
    np.testing.assert_allclose(again.predict_proba(trials8), expected)
    joblib.dump(dec, tmp_path / "dec.joblib")
    np.testing.assert_allclose(
        joblib.load(tmp_path / "dec.joblib").predict_proba(trials8), expected
    )


def test_skops_round_trip(trials8, tmp_path):
    sio = pytest.importorskip("skops.io")
    dec = S2Decoder(bands=None, features=("rates", "spike_sync"), random_state=0).fit(trials8)
    fname = tmp_path / "dec.skops"
    sio.dump(dec, fname)
    untrusted = sio.get_untrusted_types(file=fname)
    # only s2decode's own classes need trusting: nothing else unusual is stored
    assert set(untrusted) == {
        "s2decode.atlas.scaffold.Scaffold",
        "s2decode.estimators.decoder.S2Decoder",
        "s2decode.estimators.featurizer.S2Featurizer",
        "s2decode.net.config.S2NetConfig",
    }
    loaded = sio.load(fname, trusted=untrusted)
    np.testing.assert_allclose(loaded.predict_proba(trials8), dec.predict_proba(trials8))


def test_tags_tell_the_truth():
    from sklearn.utils import get_tags

    for est in (
        S2Featurizer(bands=None),
        S2Decoder(bands=None),
        S2Regressor(bands=None),
    ):
        tags = get_tags(est)
        assert tags.input_tags.two_d_array and tags.input_tags.three_d_array
        assert not tags.input_tags.allow_nan and not tags.input_tags.sparse
        assert tags.requires_fit and not tags.non_deterministic
    assert get_tags(S2Decoder(bands=None)).estimator_type == "classifier"
    assert get_tags(S2Regressor(bands=None)).estimator_type == "regressor"
    # several targets (y of shape (n, k)) for the regressor only
    assert get_tags(S2Regressor(bands=None)).target_tags.multi_output
    assert not get_tags(S2Decoder(bands=None)).target_tags.multi_output
    assert get_tags(S2Featurizer(bands=None)).transformer_tags is not None

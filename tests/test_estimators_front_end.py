"""Front ends (filter bank, CSP / xDAWN / ANOVA), feature-set choice and late fusion.

The maths are compared with the libraries users know (MNE's filter, scikit-learn's F-test)
and with plain reference computations; the estimator tests use networks of at most a few
dozen neurons and trials of a fraction of a second.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from s2decode.atlas import Atlas, load_atlas
from s2decode.estimators import S2Decoder, S2Featurizer, S2StackingClassifier, default_config
from s2decode.estimators import front_end as fe
from s2decode.estimators.decoder import feature_set_candidates
from s2decode.estimators.stacking import blend_weight, choose_blend, trial_log_loss
from s2decode.trials import make_trials, measure_of

SFREQ = 100.0


def _power_trials(n_trials=24, n_nodes=20, n_times=60, seed=0):
    """Two classes that differ in the 10 Hz power of nodes 0-2 (and nothing else)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_trials) % 2
    t = np.arange(n_times) / SFREQ
    X = rng.standard_normal((n_trials, n_nodes, n_times))
    phase = rng.uniform(0, 2 * np.pi, (n_trials, 1, 1))
    burst = np.sin(2 * np.pi * 10 * t + phase)
    X[:, :3] += 3.0 * y[:, None, None] * burst
    return X, y


def _coords(n):
    full = load_atlas("seitzman300")
    return np.asarray(full.coords[:n], float), [str(s) for s in full.labels[:n]]


# ---------------------------------------------------------------------------- maths
@pytest.mark.parametrize("band", [(1.0, 4.0), (8.0, 13.0), (30.0, 40.0)])
@pytest.mark.parametrize("n_times", [60, 641])
def test_band_pass_is_mnes_filter(band, n_times):
    from mne.filter import filter_data

    x = np.random.default_rng(1).standard_normal((3, 4, n_times))
    ours = fe.band_pass(x, 160.0, band)
    with pytest.warns(RuntimeWarning) if n_times < 300 and band[0] < 2 else _nothing():
        theirs = filter_data(x, 160.0, *band, verbose=False)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10 * np.abs(theirs).max())


@pytest.mark.parametrize("n_times", [60, 200, 641])
def test_filter_bank_is_band_pass_of_each_band(n_times):
    # one FFT of the data for all bands (the longest filter's padding); filters longer than
    # the series (1-4 Hz at 60 or 200 samples) go alone, with MNE's shorter padding
    from mne.filter import filter_data

    x = np.random.default_rng(2).standard_normal((2, 3, n_times))
    bank = fe.filter_bank(x, 160.0, fe.STANDARD_BANDS)
    assert len(bank) == len(fe.STANDARD_BANDS)
    for band, ours in zip(fe.STANDARD_BANDS, bank, strict=True):
        with pytest.warns(RuntimeWarning) if n_times < 300 and band[0] < 2 else _nothing():
            theirs = filter_data(x, 160.0, *band, verbose=False)
        assert ours.shape == x.shape and ours.flags.c_contiguous
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10 * np.abs(theirs).max())


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_analytic_amplitude_of_a_sinusoid_is_its_amplitude():
    t = np.arange(1000) / 1000.0
    x = 2.5 * np.sin(2 * np.pi * 20 * t)
    amp = fe.analytic_amplitude(x[np.newaxis])[0]
    np.testing.assert_allclose(amp[100:-100], 2.5, rtol=1e-3)


def test_resolve_bands():
    assert fe.resolve_bands(None, 160.0) is None
    assert fe.resolve_bands("auto", 160.0) == fe.STANDARD_BANDS
    # 50 Hz data: bands must end below 90 % of the 25 Hz Nyquist frequency
    assert fe.resolve_bands("auto", 50.0) == fe.STANDARD_BANDS[:4]
    assert fe.resolve_bands("auto", 0.4) is None  # fMRI
    assert fe.resolve_bands((7, 30), 160.0) == ((7.0, 30.0),)
    with pytest.raises(ValueError, match=r"Band \(7, 90\) Hz .* Nyquist frequency \(80 Hz"):
        fe.resolve_bands([(7, 30), (7, 90)], 160.0)
    with pytest.raises(ValueError, match="'auto'"):
        fe.resolve_bands("alpha", 160.0)
    with pytest.raises(ValueError, match="filters time series; these inputs are not"):
        fe.resolve_bands((7, 30), None)


def test_csp_finds_the_nodes_whose_power_differs():
    X, y = _power_trials()
    filtered = fe.band_pass(X, SFREQ, (8.0, 13.0))
    filters, patterns = fe.csp_filters(filtered, y, 2)
    assert filters.shape == patterns.shape == (2, 20)
    # the first component's pattern lives on nodes 0-2
    top = np.argsort(-np.abs(patterns[0]))[:3]
    assert set(top) == {0, 1, 2}
    logvar = np.log(np.einsum("cn,tns->tcs", filters, filtered).var(axis=-1))[:, 0]
    assert abs(logvar[y == 1].mean() - logvar[y == 0].mean()) > 2 * logvar.std() / 2


def test_anova_screen_is_sklearns_f_test():
    from sklearn.feature_selection import SelectKBest, f_classif

    X, y = _power_trials()
    X[:, 5] += 2.0 * y[:, None]  # a mean difference on node 5
    kept = fe.anova_screen(X, y, 4)
    ref = SelectKBest(f_classif, k=4).fit(X.mean(axis=-1), y).get_support(indices=True)
    np.testing.assert_array_equal(kept, np.sort(ref))
    assert 5 in kept


def test_pattern_centroids_weight_positions_by_the_pattern():
    coords = np.array([[0.0, 0, 0], [10, 0, 0], [0, 10, 0]])
    patterns = np.array([[1.0, -1.0, 0.0], [0.0, 0.0, -2.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(
        fe.pattern_centroids(patterns, coords), [[5, 0, 0], [0, 10, 0], [10 / 3, 10 / 3, 0]]
    )


def test_fit_front_end_names_and_places_the_neurons():
    X, y = _power_trials()
    coords, names = _coords(20)
    bands = ((8.0, 13.0), (13.0, 20.0))
    kwargs = dict(sfreq=SFREQ, names=names, coords=coords, networks=None, bands=bands)
    csp = fe.fit_front_end(X, y, spatial="auto", n_components=3, **kwargs)
    assert csp.spatial == "csp"  # 20 > 16 nodes, labels, a filter bank
    assert csp.names == [f"csp{k}@{b}" for b in ("8-13Hz", "13-20Hz") for k in range(3)]
    assert csp.networks == ["8-13Hz"] * 3 + ["13-20Hz"] * 3
    np.testing.assert_allclose(csp.coords[0], fe.pattern_centroids(csp.patterns[0], coords)[0])
    out = csp.transform(X)
    assert out.shape == (len(X), 6, X.shape[2]) and np.all(out >= 0)  # amplitudes
    # without labels: the nodes as given, one neuron per node and band
    plain = fe.fit_front_end(X, None, spatial="auto", **kwargs)
    assert plain.spatial == "none" and len(plain.names) == 40
    np.testing.assert_allclose(plain.coords, np.vstack([coords, coords]))
    with pytest.raises(ValueError, match="learns its components from the labels"):
        fe.fit_front_end(X, None, spatial="csp", **kwargs)
    # slow signals: the ANOVA screen, no bands
    slow = fe.fit_front_end(
        X, y, spatial="auto", sfreq=0.4, names=names, coords=coords, networks=None, bands="auto"
    )
    assert slow.spatial == "anova" and slow.bands is None
    assert len(slow.names) == fe.MAX_NODES_AS_GIVEN


# ---------------------------------------------------------------------------- estimators
@pytest.fixture(scope="module")
def power_trials():
    X, y = _power_trials(n_trials=20)
    coords, names = _coords(20)
    return make_trials(X, sfreq=SFREQ, y=y, names=names, coords=coords)


def test_featurizer_learns_components_with_labels_and_not_without(power_trials):
    y = power_trials.y.values
    kwargs = dict(bands=((8.0, 13.0),), features=("rates",), random_state=0)
    sup = S2Featurizer(n_components=2, **kwargs).fit(power_trials, y)
    assert sup.front_end_.spatial == "csp"
    assert sup.node_names_ == ["csp0@8-13Hz", "csp1@8-13Hz"]
    assert sup.scaffold_.n_nodes == 2 and sup.node_coords_.shape == (2, 3)
    assert sup.transform(power_trials).shape == (20, 2)
    # a DataArray brings its labels; continuous targets are not labels
    assert S2Featurizer(n_components=2, **kwargs).fit(power_trials).front_end_.spatial == "csp"
    unsup = S2Featurizer(atlas=None, sfreq=SFREQ, **kwargs).fit(power_trials.values)
    assert unsup.front_end_.spatial == "none" and len(unsup.node_names_) == 20
    with pytest.raises(ValueError, match="X has 19 features, but S2Featurizer is expecting 20"):
        sup.transform(power_trials.isel(parcel=slice(1, None)))


def test_decoder_reads_band_power_through_the_front_end(power_trials):
    y = power_trials.y.values
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    dec = S2Decoder(bands=((8.0, 13.0),), n_components=2, random_state=0)
    scores = cross_validate(dec, power_trials, y, cv=cv)["test_score"]
    assert scores.mean() >= 0.85


def test_feature_sets_are_chosen_inside_fit(power_trials):
    y = power_trials.y.values
    dec = S2Decoder(bands=((8.0, 13.0),), n_components=2, random_state=0).fit(power_trials, y)
    candidates = feature_set_candidates(dec.features)
    assert dec.feature_sets_ in candidates
    assert list(dec.selection_scores_) == ["+".join(c) for c in candidates]
    names = dec.get_feature_names_out()
    assert len(names) == len(dec.columns_) == dec.estimator_[-1].coef_.shape[-1]
    every = S2Decoder(
        bands=((8.0, 13.0),), n_components=2, select_features=False, random_state=0
    ).fit(power_trials, y)
    assert len(every.get_feature_names_out()) == len(every.featurizer_.get_feature_names_out())
    assert every.selection_scores_ is None
    assert feature_set_candidates(("rates", "plv")) == [("rates", "plv"), ("rates",), ("plv",)]


# ---------------------------------------------------------------------------- leakage
def _fold_attributes(est) -> dict:
    """Every learned array of a fitted S2 decoder's featurizer, by name."""
    feat = est.featurizer_
    out = {
        "mean_": feat.mean_,
        "scale_": feat.scale_,
        "f_omega_": feat.f_omega_,
        "weights": feat.scaffold_.weights,
        "delays": feat.scaffold_.delays,
        "seed_": np.array(feat.seed_),
        "columns_": est.columns_,
        "coef": est.estimator_[-1].coef_,
    }
    front = feat.front_end_
    if front is not None:
        for b, f in enumerate(front.filters or []):
            out[f"filters{b}"] = f
        if front.selected is not None:
            out["selected"] = front.selected
        out["coords"] = front.coords
    projector = getattr(feat, "projector_", None)
    if projector is not None:
        out["projector"] = projector.transform(np.eye(len(projector.ch_names_))[:, :, None])
    return {k: v for k, v in out.items() if v is not None}


def _epochs_input():
    mne = pytest.importorskip("mne")
    from s2decode.atlas.projection import default_montage

    chs = [
        "C3",
        "C4",
        "Cz",
        "O1",
        "O2",
        "Pz",
        "F3",
        "F4",
        "FC1",
        "FC2",
        "CP1",
        "CP2",
        "P3",
        "P4",
        "T7",
        "T8",
        "Fz",
        "Oz",
    ]
    info = mne.create_info(chs, SFREQ, "eeg").set_montage(default_montage())
    X, y = _power_trials(n_trials=15, n_nodes=len(chs))
    return X * 1e-5, y, {"info": info, "atlas": _sub_atlas(12), "bands": ((8.0, 13.0),)}


def _sub_atlas(n):
    full = load_atlas("seitzman300")
    return Atlas("sub", full.labels[:n], full.coords[:n], full.networks[:n])


def _inputs(kind):
    X, y = _power_trials(n_trials=15)
    if kind == "signals":
        coords, names = _coords(20)
        return (
            make_trials(X, sfreq=SFREQ, y=y, names=names, coords=coords),
            y,
            {"bands": ((8.0, 13.0),), "n_components": 2},
        )
    if kind == "fmri":
        coords, names = _coords(20)
        slow = make_trials(X[:, :, :6], sfreq=0.4, y=y, names=names, coords=coords)
        return slow, y, {"config": default_config("signals").replace(time_scale=0.02)}
    if kind == "epochs":
        return _epochs_input()
    if kind == "static":
        return (
            X.mean(axis=-1) * 3,
            y,
            {"config": default_config("static").replace(dt=5e-4), "static_duration": 0.1},
        )
    rng = np.random.default_rng(0)
    rates = 0.02 + 0.04 * (y[:, None, None] * (np.arange(5) < 2)[None, :, None])
    counts = rng.poisson(rates, size=(15, 5, 300))
    spikes = make_trials(
        counts, sfreq=1000.0, measure="spike_counts", modality="spikes", node_dim="unit", y=y
    )
    return spikes, y, {"atlas": None}


@pytest.mark.parametrize("kind", ["signals", "fmri", "epochs", "static", "spikes"])
def test_test_trials_never_shape_a_fold(kind, tmp_path):
    """Changing the test trials' values leaves every fitted attribute of each fold unchanged
    (projector, scaling, omega, filters or screen, scaffold, feature choice, classifier)."""
    X, y, params = _inputs(kind)
    cv = list(StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
    dec = S2Decoder(random_state=0, memory=tmp_path, **params)
    first = cross_validate(dec, X, y, cv=cv[:1], return_estimator=True)["estimator"][0]
    test = cv[0][1]
    changed = _with_test_trials_changed(X, test)
    second = cross_validate(dec, changed, y, cv=cv[:1], return_estimator=True)["estimator"][0]
    a, b = _fold_attributes(first), _fold_attributes(second)
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=f"{kind}: {name}")


def _with_test_trials_changed(X, test):
    """A copy of X whose test trials hold other values (spike counts: other counts)."""
    changed = X.copy()
    values = changed if isinstance(changed, np.ndarray) else changed.values
    if hasattr(X, "attrs") and measure_of(X) == "spike_counts":
        values[test] = values[test][:, :, ::-1]
    else:
        values[test] = values[test][::-1] * 5.0 + 1.0
    return changed


# ---------------------------------------------------------------------------- late fusion
def test_trial_log_loss_is_sklearns_per_trial():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(3), size=25)
    y = rng.integers(0, 3, 25)
    proba[:3] = np.eye(3)[y[:3]]  # certain and right
    proba[3:6] = np.eye(3)[(y[3:6] + 1) % 3]  # certain and wrong: where the clipping decides
    per_trial = trial_log_loss(proba, y)
    assert per_trial.shape == (25,)
    assert per_trial.mean() == log_loss(y, proba, labels=[0, 1, 2])


def test_blend_weight_prefers_the_peer_unless_s2_helps():
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    sure = np.eye(2)[y] * 0.8 + 0.1
    coin = np.full((40, 2), 0.5)
    w, losses = blend_weight(coin, sure, y, (0.0, 0.5, 1.0))
    assert w == 0.0 and np.argmin(losses) == 0
    noisy = np.clip(sure + rng.normal(0, 0.35, sure.shape), 0.01, 0.99)
    noisy /= noisy.sum(axis=1, keepdims=True)
    assert blend_weight(sure, noisy, y, (0.0, 0.5, 1.0))[0] > 0
    # equal losses: the peer
    assert blend_weight(coin, coin, y, (1.0, 0.5, 0.0))[0] == 0.0


def test_min_gain_se_asks_s2_to_beat_the_peer_beyond_the_noise():
    y = np.arange(40) % 2
    peer = np.eye(2)[y] * 0.6 + 0.2  # right on every trial, at 0.8
    better = peer.copy()
    better[0, y[0]], better[0, 1 - y[0]] = 0.99, 0.01  # surer on one trial only
    assert trial_log_loss(better, y).mean() < trial_log_loss(peer, y).mean()
    weights = (0.0, 0.5, 1.0)
    assert blend_weight(better, peer, y, weights)[0] > 0  # lowest loss
    assert blend_weight(better, peer, y, weights, min_gain_se=1.0)[0] == 0.0  # one trial
    surer = np.eye(2)[y] * 0.9 + 0.05  # surer on every trial: beyond the noise
    assert blend_weight(surer, peer, y, weights, min_gain_se=1.0)[0] > 0


def test_choose_blend_takes_the_peer_of_lowest_blended_loss():
    y = np.arange(30) % 2
    good = np.eye(2)[y] * 0.8 + 0.1
    bad = np.eye(2)[1 - y] * 0.6 + 0.2
    coin = np.full((30, 2), 0.5)
    peer, weight, losses = choose_blend(coin, [bad, good], y, (0.0, 0.5, 1.0))
    assert (peer, weight) == (1, 0.0) and losses.shape == (2, 3)
    assert choose_blend(coin, [good, good.copy()], y, (0.0, 1.0))[0] == 0  # ties: earlier


def _columns(start, stop):
    return FunctionTransformer(lambda X: np.asarray(X)[:, start:stop])


def test_stacking_chooses_peer_and_weight_inside_each_fit():
    rng = np.random.default_rng(0)
    y = np.arange(60) % 2
    X = rng.standard_normal((60, 4))
    X[:, 0] += 3.0 * y  # what the "S2" stand-in reads
    X[:, 2] += 0.3 * y  # a weak peer
    s2 = make_pipeline(_columns(0, 1), LogisticRegression())
    weak = make_pipeline(_columns(2, 3), LogisticRegression())
    blind = make_pipeline(_columns(3, 4), LogisticRegression())
    clf = S2StackingClassifier(s2, [("weak", weak), ("blind", blind)], cv=3, random_state=0)
    fitted = clone(clf).fit(X, y)
    assert fitted.weight_ > 0.5  # S2 carries the information
    assert fitted.peer_name_ in ("weak", "blind") and fitted.losses_.shape == (2, 5)
    proba = fitted.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (fitted.predict(X) == y).mean() > 0.85
    # an S2 that knows nothing gets weight 0: the fused decoder is the peer
    X_peer = X.copy()
    X_peer[:, 0] = rng.standard_normal(60)
    X_peer[:, 2] += 2.0 * y
    alone = clone(clf).fit(X_peer, y)
    assert alone.weight_ == 0.0 and alone.s2_ is None and alone.peer_name_ == "weak"
    # peers that err alike: the earlier one in the list
    twins = clone(clf).set_params(peer=[("first", weak), ("second", clone(weak))])
    assert twins.fit(X_peer, y).peer_name_ == "first"
    np.testing.assert_allclose(
        alone.predict_proba(X_peer), clone(weak).fit(X_peer, y).predict_proba(X_peer)
    )


def test_stacking_errors_say_what_to_do():
    X, y = np.zeros((6, 2)), np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="needs `peer`"):
        S2StackingClassifier().fit(X, y)
    with pytest.raises(ValueError, match=r"`weights` must be numbers in \[0, 1\]"):
        S2StackingClassifier(peer=LogisticRegression(), weights=(2.0,)).fit(X, y)
    with pytest.raises(ValueError, match="`min_gain_se` must be a number >= 0"):
        S2StackingClassifier(peer=LogisticRegression(), min_gain_se=-1).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 training trials"):
        S2StackingClassifier(LogisticRegression(), LogisticRegression()).fit(X[2:], y[2:])


class _LabelsOnly(ClassifierMixin, BaseEstimator):
    """A classifier with ``predict`` only (as nilearn's Decoder): the sign of column 0."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return self.classes_[(np.asarray(X)[:, 0] > 0).astype(int)]


def test_a_peer_that_only_predicts_labels_gets_hard_probabilities():
    from s2decode.estimators.stacking import HardProba, _with_proba

    peer = _LabelsOnly()
    assert not hasattr(peer, "predict_proba") and not hasattr(peer, "decision_function")
    wrapped = _with_proba(peer)
    assert isinstance(wrapped, HardProba)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 2))
    y = np.where(X[:, 0] > 0, "b", "a")
    proba = wrapped.fit(X, y).predict_proba(X)
    np.testing.assert_allclose(proba[np.arange(30), (y == "b").astype(int)], 0.9)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    fused = S2StackingClassifier(LogisticRegression(), peer, cv=3, random_state=0).fit(X, y)
    assert (fused.predict(X) == y).mean() > 0.9


def test_stacking_with_groups_chooses_for_new_groups():
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(12), 8)
    y = groups % 2  # each group (subject) holds one class
    X = np.column_stack([
        rng.normal(size=12)[groups] + 1e-3 * rng.normal(size=96),  # who the subject is
        1.5 * y + rng.normal(size=96),  # the signal, the same in every subject
    ])  # fmt: skip
    s2 = make_pipeline(_columns(0, 1), KNeighborsClassifier(1))  # recognises the subject
    peer = make_pipeline(_columns(1, 2), LogisticRegression())
    clf = S2StackingClassifier(s2, peer, cv=3, random_state=0)
    # inner folds of trials: every test trial's subject is in training, and S2 looks perfect
    assert clone(clf).fit(X, y).weight_ == 1.0
    # inner folds of subjects: S2 is at chance on a new subject, and the peer is kept
    grouped = clone(clf).fit(X, y, groups=groups)
    assert grouped.weight_ == 0.0 and grouped.s2_ is None
    with pytest.raises(ValueError, match="one value per trial"):
        clone(clf).fit(X, y, groups=groups[:-1])
    with pytest.raises(ValueError, match="2 groups"):
        clone(clf).fit(X, y, groups=np.zeros(96))

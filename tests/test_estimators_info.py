"""EEG epochs as arrays with ``info=`` (MNE's decoding convention) in scikit-learn's helpers.

``epochs.get_data()`` with ``info=epochs.info`` must be the same input as the Epochs object
(exactly the same features and scores on the same split and seed), and work in every
scikit-learn cross-validation helper, which cannot split an Epochs object. Small networks
(8 parcels, 0.3 s trials, few trials, sensor-distance projection) keep each fit to seconds;
the real-data test uses one eegbci run.
"""

from __future__ import annotations

import pickle

import mne
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline

from s2decode.estimators import S2Decoder, S2Featurizer, S2Regressor
from s2decode.estimators._validation import check_input

SFREQ = 160.0
CHANNELS = ["C3", "C4", "Cz", "O1", "O2", "Pz", "F3", "F4"]
FIX = r"epochs\.get_data\(\) with info=epochs\.info"


@pytest.fixture(scope="module")
def cheap(atlas8) -> dict:
    """Few parcels, sensor-distance projection, two feature sets, whole-trial window."""
    return dict(atlas=atlas8, projection="sensor", features=("rates", "kuramoto"), random_state=0)


@pytest.fixture(scope="module")
def info():
    from s2decode.atlas.projection import default_montage

    info = mne.create_info(CHANNELS, SFREQ, "eeg")
    info.set_montage(mne.channels.make_standard_montage(default_montage()))
    return info


@pytest.fixture(scope="module")
def xy():
    """12 epochs of 8 channels, 0.3 s at 160 Hz; class 1 has a stronger 10 Hz rhythm."""
    rng = np.random.default_rng(0)
    y = np.arange(12) % 2
    t = np.arange(48) / SFREQ
    X = rng.standard_normal((12, len(CHANNELS), t.size))
    X += (1 + 2 * y)[:, None, None] * np.sin(2 * np.pi * 10 * t)
    return X * 1e-5, y


@pytest.fixture(scope="module")
def epochs(xy, info):
    X, y = xy
    events = np.c_[np.arange(len(y)) * 100, np.zeros(len(y), int), y + 1]
    return mne.EpochsArray(X, info, events, tmin=0.0, verbose=False)


def _scores_on_epochs(make, epochs, y, cv) -> np.ndarray:
    """What cross_val_score does, by hand, fitting on the Epochs object of each fold."""
    out = []
    for train, test in cv.split(np.zeros(len(y)), y):
        clf = make().fit(epochs[train], y[train])
        out.append(clf.score(epochs[test], y[test]))
    return np.asarray(out)


# ---------------------------------------------------------------------------- same input
def test_arrays_with_info_are_the_epochs(xy, info, epochs, cheap):
    X, _ = xy
    from_epochs = S2Featurizer(bands=None, **cheap).fit(epochs)
    from_arrays = S2Featurizer(bands=None, info=info, **cheap).fit(X)
    assert from_arrays.input_kind_ == from_epochs.input_kind_ == "epochs"
    assert from_arrays.n_features_in_ == 8
    assert from_arrays.node_names_ == from_epochs.node_names_
    assert from_arrays.sfreq_ == SFREQ  # from info, no sfreq= needed
    np.testing.assert_array_equal(from_arrays.projector_.filters_, from_epochs.projector_.filters_)
    features = from_arrays.transform(X)
    np.testing.assert_array_equal(features, from_epochs.transform(epochs))
    # fitted on arrays, the featurizer takes the Epochs too (same channels), and back
    np.testing.assert_array_equal(from_arrays.transform(epochs), features)
    np.testing.assert_array_equal(
        S2Featurizer(bands=None, info=info, **cheap).fit(epochs).transform(X), features
    )


def test_inverse_projection_orients_parcels_the_same_way(xy, info, epochs, atlas8):
    """A SourceProjector's parcel orientation comes from the training data: same for both."""
    X, _ = xy
    params = dict(atlas=atlas8, projection="dspm", features=("rates",), random_state=0)
    a = S2Featurizer(bands=None, info=info, **params)
    b = S2Featurizer(**{"bands": None, **params})
    np.testing.assert_array_equal(a.fit_transform(X), b.fit_transform(epochs))
    np.testing.assert_array_equal(a.projector_.filters_, b.projector_.filters_)


def test_cross_val_score_on_arrays_equals_fitting_on_epochs(xy, info, epochs, cheap):
    X, y = xy
    scores = cross_val_score(S2Decoder(bands=None, info=info, **cheap), X, y, cv=2)
    expected = _scores_on_epochs(
        lambda: S2Decoder(bands=None, **cheap), epochs, y, StratifiedKFold(2)
    )
    np.testing.assert_array_equal(scores, expected)


def test_every_cv_helper_and_pipeline(xy, info, cheap, tmp_path):
    X, y = xy
    cached = dict(cheap, memory=tmp_path)
    res = cross_validate(
        S2Decoder(bands=None, info=info, **cached), X, y, cv=2, error_score="raise"
    )
    assert np.all(np.isfinite(res["test_score"]))
    pipe = make_pipeline(S2Featurizer(bands=None, info=info, **cached), LogisticRegression())
    assert np.all(np.isfinite(cross_val_score(pipe, X, y, cv=2, error_score="raise")))
    grid = GridSearchCV(
        S2Decoder(bands=None, info=info, **cached),
        {"estimator": [None, LogisticRegression()]},
        cv=2,
        error_score="raise",
    ).fit(X, y)
    assert grid.best_estimator_.featurizer_.input_kind_ == "epochs"
    assert grid.predict(X).shape == (12,)
    reg = S2Regressor(bands=None, info=info, **cached)
    r2 = cross_val_score(reg, X, y.astype(float), cv=2, error_score="raise")
    assert np.all(np.isfinite(r2))


def test_info_is_a_plain_parameter(info, cheap):
    dec = S2Decoder(bands=None, info=info, **cheap)
    assert dec.get_params()["info"] is info  # stored as given
    copy = clone(dec)
    assert copy.info["ch_names"] == CHANNELS
    assert copy.set_params(info=None).info is None
    assert pickle.loads(pickle.dumps(dec)).info["sfreq"] == SFREQ
    assert S2Featurizer(bands=None).info is None


# ---------------------------------------------------------------------------- errors
def test_mismatched_info_names_info(xy, info, epochs):
    X, _ = xy
    with pytest.raises(ValueError, match=r"`info` has 8 channels but X has 7 along axis 1"):
        S2Decoder(bands=None, info=info).fit(X[:, :7], np.arange(12) % 2)
    with pytest.raises(TypeError, match=r"`info` must be an mne\.Info"):
        S2Featurizer(bands=None, info=dict(info)).fit(X)
    with pytest.raises(ValueError, match=r"`sfreq`=100.0 disagrees with info\['sfreq'\]=160"):
        S2Featurizer(bands=None, info=info, sfreq=100.0).fit(X)
    # an agreeing sfreq is fine
    assert (
        check_input(S2Featurizer(bands=None), X, reset=True, sfreq=SFREQ, info=info).kind
        == "epochs"
    )
    # Epochs bring their own info: another one is refused, the same one accepted
    other = mne.create_info(CHANNELS[::-1], SFREQ, "eeg")
    with pytest.raises(ValueError, match=r"`info` .* disagrees with the epochs' own info"):
        check_input(S2Featurizer(bands=None), epochs, reset=True, info=other)
    assert check_input(S2Featurizer(bands=None), epochs, reset=True, info=info).kind == "epochs"


def test_info_refused_where_the_input_carries_its_own_nodes(xy, info):
    X, _ = xy
    from s2decode.trials import make_trials

    trials = make_trials(X, sfreq=SFREQ)
    with pytest.raises(ValueError, match=r"`info` describes .*trials DataArray.*info=None"):
        S2Featurizer(bands=None, info=info).fit(trials)
    with pytest.raises(ValueError, match=r"`info` describes .*2-D array.*info=None"):
        S2Featurizer(bands=None, info=info).fit(X[:, :, 0])


def test_4d_input_points_at_get_data_with_info(xy):
    X, y = xy
    with pytest.raises(ValueError, match=r"got 4 dimensions\. .*" + FIX):
        S2Decoder(bands=None).fit(X[:, :, :, None], y)
    # a 3-D array without sfreq or info (e.g. epochs.get_data() alone)
    with pytest.raises(ValueError, match=r"needs `sfreq`.*" + FIX):
        S2Decoder(bands=None, atlas=None).fit(X, y)
    # with sfreq but channels, not parcels, on axis 1
    with pytest.raises(ValueError, match=r"8 parcels but the atlas 'seitzman300' has 300.*" + FIX):
        S2Decoder(bands=None, sfreq=SFREQ).fit(X, y)


def test_epochs_handed_to_a_cv_helper_point_at_the_fix(epochs, cheap):
    y = epochs.events[:, 2]
    with pytest.raises(TypeError, match=r"list of 6 mne\.Epochs.*" + FIX):
        cross_val_score(S2Decoder(bands=None, **cheap), epochs, y, cv=2, error_score="raise")


# ---------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_eegbci_cross_val_score_on_arrays_equals_fitting_on_epochs(eegbci_dir, cheap):
    folder = eegbci_dir
    from s2decode.io.eeg import epochs_from_raw, read_raw, set_montage

    raw = read_raw(folder / "S001R04.edf", montage=None)  # imagery, left vs right fist
    mne.datasets.eegbci.standardize(raw)
    set_montage(raw, "auto")
    epochs = epochs_from_raw(raw, {"T1": "left", "T2": "right"}, 0.0, 0.3, picks="eeg")
    # 6 epochs of each class
    codes = epochs.events[:, 2]
    keep = np.sort(np.concatenate([np.flatnonzero(codes == c)[:6] for c in np.unique(codes)]))
    epochs = epochs[keep]
    y = epochs.events[:, 2]
    assert epochs.get_data().shape[1:] == (64, 49)

    scores = cross_val_score(
        S2Decoder(bands=None, info=epochs.info, **cheap),
        epochs.get_data(),
        y,
        cv=2,
        error_score="raise",
    )
    expected = _scores_on_epochs(
        lambda: S2Decoder(bands=None, **cheap), epochs, y, StratifiedKFold(2)
    )
    np.testing.assert_array_equal(scores, expected)
    assert np.all((scores >= 0) & (scores <= 1))


def test_input_kind_names_how_the_estimators_read_an_input(xy, info):
    import pandas as pd
    import xarray as xr

    from s2decode.estimators import input_kind
    from s2decode.spiketrains import SpikeTrains
    from s2decode.trials import make_trials

    X, _ = xy
    assert input_kind(X, info=info) == "epochs"
    assert input_kind(X, sfreq=100.0) == "signals"
    assert input_kind(np.ones((5, 3))) == "static"
    assert input_kind(pd.DataFrame(np.ones((5, 3)), columns=list("abc"))) == "static"
    counts = make_trials(np.zeros((4, 2, 50)), sfreq=1000.0, y=[0, 1, 0, 1], measure="spike_counts")
    assert input_kind(counts) == "spikes"
    rates = make_trials(np.ones((4, 3, 1)), sfreq=1.0, y=[0, 1, 0, 1], measure="rates")
    assert input_kind(rates) == "static"
    spikes = SpikeTrains.from_lists([[np.array([0.1])], [np.array([0.2])]], 0.0, 1.0)
    assert input_kind(spikes) == "spikes"
    assert isinstance(counts, xr.DataArray)
    with pytest.raises(ValueError, match="sfreq"):
        input_kind(X)  # a 3-D array needs its sampling rate, as fit does

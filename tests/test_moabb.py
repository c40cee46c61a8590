"""S2Decoder inside MOABB's evaluations, as an ordinary scikit-learn pipeline.

MOABB's offline ``FakeDataset`` (random EEG with cue events, made in memory) goes through
``WithinSessionEvaluation``, ``CrossSessionEvaluation`` and ``CrossSubjectEvaluation``, with
S2Decoder given arrays plus channel info (``info=``) or MNE epochs (``return_epochs=True``).
The results table must have MOABB's columns, one row per subject and session, ROC-AUC scores
in [0, 1], and the score MOABB reports must be the ROC-AUC of the same fit done by hand.
Small networks (8 parcels, 0.5 s trials at 64 Hz, sensor-distance projection, two feature
sets, no pilot run for the frequencies) and a shared simulation cache keep the module to
about 20 s of CPU (12 fits).
"""

from __future__ import annotations

import mne
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from s2decode.atlas.projection import default_montage
from s2decode.estimators import S2Decoder
from s2decode.net import S2NetConfig

moabb = pytest.importorskip("moabb")

pytestmark = [
    # MOABB's own code, not s2decode's: FakeDataset's montage name, its results file
    pytest.mark.filterwarnings("ignore:Montage name 'standard_1005':FutureWarning"),
    pytest.mark.filterwarnings("ignore:Creating a dataset without passing data"),
]

from moabb.datasets.fake import FakeDataset  # noqa: E402
from moabb.evaluations import (  # noqa: E402
    CrossSessionEvaluation,
    CrossSubjectEvaluation,
    WithinSessionEvaluation,
)
from moabb.paradigms import LeftRightImagery  # noqa: E402

SFREQ = 64.0
CHANNELS = ("C3", "Cz", "C4")
N_EVENTS = 16  # per session (one run), half of each class
#: The columns of MOABB's results table that a user reads.
COLUMNS = {
    "score",
    "time",
    "samples",
    "subject",
    "session",
    "channels",
    "n_sessions",
    "dataset",
    "pipeline",
}


@pytest.fixture(scope="module", autouse=True)
def offline_moabb(tmp_path_factory):
    """MOABB's folders in a temporary folder, NEMAR's mirror off: nothing is written to the
    home folder (MOABB would record ``MNE_DATA`` in MNE's config there) or fetched."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MNE_DATA", str(tmp_path_factory.mktemp("mne_data")))
        mp.setenv("MOABB_DOWNLOAD_PROVIDER", "upstream")
        yield


#: 2 subjects x 2 sessions of one run: 16 left/right-hand cues, 3 channels at 128 Hz.
FAKE = dict(
    event_list=("left_hand", "right_hand"),
    n_subjects=2,
    n_sessions=2,
    n_runs=1,
    n_events=N_EVENTS,
    duration=40,
    channels=CHANNELS,
    sfreq=128,
    seed=0,
)


@pytest.fixture(scope="module")
def dataset():
    """Both subjects of :data:`FAKE`."""
    moabb.set_log_level("ERROR")
    return FakeDataset(**FAKE)


@pytest.fixture(scope="module")
def subject1():
    """Subject 1 of :data:`FAKE` only (the cross-session evaluation)."""
    moabb.set_log_level("ERROR")
    return FakeDataset(**FAKE, subjects=[1])


@pytest.fixture(scope="module")
def session0():
    """Subject 1's first session only (the within-session evaluations: 2 folds)."""
    moabb.set_log_level("ERROR")
    return FakeDataset(**FAKE, subjects=[1], sessions=["0"])


@pytest.fixture(scope="module")
def paradigm():
    """Left vs right hand (ROC-AUC), 8-30 Hz, 0.5 s after the cue, resampled to 64 Hz."""
    return LeftRightImagery(fmin=8, fmax=30, tmin=0.0, tmax=0.5, resample=SFREQ)


@pytest.fixture(scope="module")
def small(atlas8, tmp_path_factory) -> dict:
    """A small S2Decoder: 8 parcels, two feature sets, dt 0.5 ms, cached simulations."""
    return dict(
        atlas=atlas8,
        projection="sensor",
        bands=None,
        spatial="none",
        features=("rates", "kuramoto"),
        omega="config",
        config=S2NetConfig(dt=5e-4),
        memory=tmp_path_factory.mktemp("s2-moabb-cache"),
        random_state=0,
    )


@pytest.fixture(scope="module")
def info():
    """The channels the paradigm returns, at its rate, on the standard 10-05 positions."""
    info = mne.create_info(list(CHANNELS), SFREQ, "eeg")
    info.set_montage(default_montage())
    return info


def _evaluate(kind, paradigm, dataset, pipelines, tmp_path, **kwargs):
    evaluation = kind(
        paradigm=paradigm,
        datasets=[dataset],
        overwrite=True,
        hdf5_path=str(tmp_path),
        random_state=0,
        **kwargs,
    )
    return evaluation.process(pipelines)


def _check_table(results, n_rows, subjects, sessions, pipelines=("S2Decoder",)):
    assert COLUMNS <= set(results.columns)
    assert len(results) == n_rows
    assert set(results["pipeline"]) == set(pipelines)
    assert set(results["subject"].astype(int)) == set(subjects)
    assert set(results["session"].astype(str)) == set(sessions)
    scores = results["score"].to_numpy(float)
    assert np.all((scores >= 0) & (scores <= 1)), scores
    assert np.all(results["time"].to_numpy(float) > 0)
    assert set(results["channels"].astype(int)) == {len(CHANNELS)}


def test_within_session_arrays_with_info(paradigm, session0, small, info, tmp_path):
    results = _evaluate(
        WithinSessionEvaluation,
        paradigm,
        session0,
        {"S2Decoder": S2Decoder(info=info, **small)},
        tmp_path,
        n_splits=2,
    )
    _check_table(results, n_rows=1, subjects={1}, sessions={"0"})
    assert set(results["samples"].astype(int)) == {N_EVENTS}


def test_within_session_epochs(paradigm, session0, small, tmp_path):
    """``return_epochs=True``: MOABB indexes the Epochs per fold; S2Decoder needs no info."""
    results = _evaluate(
        WithinSessionEvaluation,
        paradigm,
        session0,
        {"S2Decoder": S2Decoder(**small)},
        tmp_path,
        n_splits=2,
        return_epochs=True,
    )
    _check_table(results, n_rows=1, subjects={1}, sessions={"0"})


def test_cross_session_score_is_the_fit_by_hand(paradigm, subject1, small, info, tmp_path):
    results = _evaluate(
        CrossSessionEvaluation,
        paradigm,
        subject1,
        {"S2Decoder": S2Decoder(info=info, **small)},
        tmp_path,
    )
    _check_table(results, n_rows=2, subjects={1}, sessions={"0", "1"})
    assert set(results["samples"].astype(int)) == {N_EVENTS}  # trained on the other session
    # the score MOABB reports for session "1" is the ROC-AUC of a fit on session "0"
    X, y, meta = paradigm.get_data(subject1, subjects=[1])
    y = (y == "right_hand").astype(int)  # MOABB's LabelEncoder: left_hand 0, right_hand 1
    train = (meta["session"] == "0").to_numpy()
    clf = S2Decoder(info=info, **small).fit(X[train], y[train])
    expected = roc_auc_score(y[~train], clf.decision_function(X[~train]))
    reported = results.loc[results["session"].astype(str) == "1", "score"].item()
    np.testing.assert_allclose(reported, expected, rtol=1e-12)


def test_cross_subject(paradigm, dataset, small, info, tmp_path):
    results = _evaluate(
        CrossSubjectEvaluation,
        paradigm,
        dataset,
        {"S2Decoder": S2Decoder(info=info, **small)},
        tmp_path,
    )
    # leave one subject out; MOABB scores each held-out subject's sessions apart
    _check_table(results, n_rows=4, subjects={1, 2}, sessions={"0", "1"})
    assert set(results["samples"].astype(int)) == {2 * N_EVENTS}  # the other subject's trials

"""``dataset: {bids: ROOT, ...}`` in pipeline files: a BIDS dataset the test writes itself
(MNE-BIDS, BrainVision, no recording needed) read through :func:`s2decode.datasets.load_bids`,
cross-validated across runs, and a model of one subject applied to another."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from s2decode.datasets import DatasetNotFoundError, load_bids
from s2decode.pipeline import PipelineError, fit_model, run_pipeline
from s2decode.pipeline.data import bids_root, check_against_data, dataset_subjects, load_subject
from s2decode.pipeline.spec import BIDS, PipelineSpec

from .conftest import write_bids_recording

mne_bids = pytest.importorskip("mne_bids")

SFREQ = 100.0
CHANNELS = ["C3", "Cz", "C4", "Pz"]
ONSETS = 2.0 + 2.0 * np.arange(12)
CLASSES = np.where(np.arange(12) % 2 == 0, "left", "right")


def _signals(subject: int, run: int) -> np.ndarray:
    """30 s of 4 channels: a 10 Hz rhythm whose C3/C4 balance follows the cue's class."""
    rng = np.random.default_rng(10 * subject + run)
    n = int(30 * SFREQ)
    t = np.arange(n) / SFREQ
    data = 0.5 * rng.standard_normal((len(CHANNELS), n))
    for onset, label in zip(ONSETS, CLASSES, strict=True):
        span = (t >= onset) & (t < onset + 1.0)
        side = 0 if label == "left" else 2
        data[side, span] += 2.0 * np.sin(2 * np.pi * 10 * t[span])
    return data * 1e-5


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """sub-01 and sub-02, task 'motor', runs 1 and 2 of 12 cues each."""
    root = tmp_path_factory.mktemp("bids") / "motor_bids"
    for subject in (1, 2):
        for run in (1, 2):
            write_bids_recording(root, _signals(subject, run), SFREQ, CHANNELS,
                                 subject=f"0{subject}", task="motor", run=run, onsets=ONSETS,
                                 descriptions=CLASSES)  # fmt: skip
    return root


def _pipeline(root, **changes) -> PipelineSpec:
    data = {
        "name": "bids_motor",
        "dataset": {"bids": str(root), "task": "motor", "subjects": ["01"]},
        "preprocessing": {"tmin": 0.0, "tmax": 1.0},
        "atlas": None,
        "features": {"sets": ["rates"], "bands": [[8, 12]], "spatial": "none"},
        "cv": {"scheme": "cross_session", "train_groups": [1], "test_groups": [2]},
    }
    data.update(changes)
    return PipelineSpec.from_dict(data, source="bids.yaml")


def test_the_bids_key_validates_to_the_bids_dataset(root):
    spec = _pipeline(root)
    assert spec.dataset.name == BIDS
    assert spec.dataset.options == {"root": str(root), "task": "motor"}
    assert spec.dataset.subjects == ["01"]
    # the resolved file reads back as the same pipeline
    again = PipelineSpec.from_dict(yaml.safe_load(spec.to_yaml()))
    assert again == spec and again.fingerprint() == spec.fingerprint()
    # `subject` is load_bids's word for dataset.subjects; the preprocessing goes to load_bids
    alt = _pipeline(root, dataset={"bids": str(root), "task": "motor", "subject": "01"})
    assert alt.dataset.subjects == "01"
    assert spec.loader_options("01") == {
        "root": str(root), "task": "motor", "tmin": 0.0, "tmax": 1.0, "subject": "01"
    }  # fmt: skip


def test_bids_schema_errors_name_the_key(root):
    with pytest.raises(PipelineError) as info:
        _pipeline(root, dataset={"bids": str(root), "taks": "motor"})
    assert "did you mean 'task'" in dict(info.value.errors)["dataset.options.taks"]
    with pytest.raises(PipelineError) as info:
        _pipeline(root, dataset={"bids": str(root), "task": "motor", "subjects": [True]})
    assert "subject label" in dict(info.value.errors)["dataset.subjects"]
    with pytest.raises(PipelineError, match=r"dataset\.options\.root: required"):
        _pipeline(root, dataset={"name": "bids", "options": {"task": "motor"}})
    with pytest.raises(PipelineError, match="at least 2 subjects"):
        _pipeline(root, cv={"scheme": "leave_one_subject_out"})
    # several subjects, or all of them: leave-one-subject-out is allowed
    assert _pipeline(root, dataset={"bids": str(root), "task": "motor"},
                     cv={"scheme": "leave_one_subject_out"})  # fmt: skip


def test_subjects_and_trials_are_load_bids(root, tmp_path):
    spec = _pipeline(root)
    assert dataset_subjects(spec) == ["01"]
    everyone = _pipeline(root, dataset={"bids": str(root), "task": "motor", "subjects": "all"})
    assert dataset_subjects(everyone) == ["01", "02"]
    numbered = _pipeline(root, dataset={"bids": str(root), "task": "motor", "subjects": [2]})
    assert dataset_subjects(numbered) == ["02"]
    trials = load_subject(spec, "01")
    expected = load_bids(root, subject="01", task="motor", tmin=0.0, tmax=1.0)
    np.testing.assert_array_equal(trials.values, expected.values)
    np.testing.assert_array_equal(trials["group"].values, ["1"] * 12 + ["2"] * 12)
    assert trials.attrs["subject"] == "01" and trials.attrs["dataset"] == "bids"
    assert check_against_data(spec) == {}  # nothing to read cheaply: the run checks the trials
    # a relative root lies in the data directory
    relative = _pipeline(root, dataset={"bids": root.name, "task": "motor"})
    assert bids_root(relative, root.parent) == root
    assert dataset_subjects(relative, root.parent) == ["01", "02"]
    # what is not there is named
    missing = _pipeline(root, dataset={"bids": str(root), "task": "motor", "subjects": ["07"]})
    with pytest.raises(DatasetNotFoundError, match=r"no subject \['07'\].*01, 02"):
        dataset_subjects(missing)
    with pytest.raises(DatasetNotFoundError, match="not a folder"):
        dataset_subjects(relative, tmp_path)


def test_a_pipeline_runs_on_a_bids_dataset_across_runs(root, tmp_path):
    spec = _pipeline(root)
    result = run_pipeline(spec, tmp_path / "out", workers=0, cache=False, report=False,
                          progress=False, log=lambda _: None)  # fmt: skip
    scores = result.scores
    assert scores["subject"].tolist() == ["01"] and scores["method"].tolist() == ["S2Decoder"]
    assert (scores["n_train"].tolist(), scores["n_test"].tolist()) == ([12], [12])
    # trained on run 1, scored on run 2: the predictions are the second run's trials
    preds = pd.read_parquet(tmp_path / "out" / "predictions.parquet")
    assert preds["trial"].tolist() == list(range(12, 24))
    np.testing.assert_array_equal(preds["y_true"], CLASSES)
    assert "cross session" in result.summary["cv"]


def test_a_model_of_one_subject_predicts_another(root, tmp_path):
    spec = _pipeline(root, cv={"scheme": "kfold", "n_splits": 2})
    model = fit_model(spec, log=None)
    assert model.metadata["subjects"] == ["01"] and model.metadata["dataset"] == "bids"
    path = model.save(tmp_path / "bids.skops")
    from s2decode.pipeline import load_model

    table = load_model(path).predictions(subjects=["02"])
    assert table["subject"].unique().tolist() == ["02"]
    assert table["trial"].tolist() == list(range(24))
    np.testing.assert_array_equal(table["y_true"], np.tile(CLASSES, 2))
    assert set(table["y_pred"]) <= {"left", "right"}

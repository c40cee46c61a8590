"""The dataset registry and the generated synthetic dataset (no files needed)."""

from __future__ import annotations

import numpy as np
import pytest

from s2decode import datasets
from s2decode.datasets import DatasetNotFoundError


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown dataset .eegbcii.*eegbci"):
        datasets.load("eegbcii")


@pytest.mark.parametrize("name", ["eegbci", "eegmat", "haxby", "kramer_stn", "hatsopoulos2004"])
def test_missing_dataset_says_how_to_fetch(tmp_path, name):
    with pytest.raises(DatasetNotFoundError, match=rf"s2decode fetch {name}"):
        datasets.load(name, data_dir=tmp_path)


def test_available_reports_presence(tmp_path):
    (tmp_path / "eeg" / "eegmat").mkdir(parents=True)
    table = datasets.available(tmp_path).set_index("name")
    assert bool(table.loc["eegmat", "present"]) is False  # a folder is not the recordings
    for condition in (1, 2):
        (tmp_path / "eeg" / "eegmat" / f"Subject00_{condition}.edf").write_bytes(b"")
    table = datasets.available(tmp_path).set_index("name")
    assert bool(table.loc["eegmat", "present"]) is True
    assert bool(table.loc["eegbci", "present"]) is False
    assert bool(table.loc["synthetic", "present"]) is True
    assert set(table.index) == set(datasets.list_datasets())


def test_synthetic_is_seeded_and_balanced():
    a = datasets.load("synthetic", n_trials=12, duration=0.2, seed=3)
    b = datasets.load("synthetic", n_trials=12, duration=0.2, seed=3)
    c = datasets.load("synthetic", n_trials=12, duration=0.2, seed=4)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    assert a.shape == (12, 300, 50)
    _, counts = np.unique(a.y.values, return_counts=True)
    assert counts.tolist() == [6, 6]


def test_synthetic_classes_differ_in_coupling_not_power():
    trials = datasets.load("synthetic", n_trials=40, duration=1.0, noise=0.3, seed=0)
    y = trials.y.values
    net = trials.network.values
    for cls in np.unique(y):
        sel = trials.values[y == cls]
        inside = sel[:, net == cls]
        other = sel[:, net != cls]
        # the parcels of the coupled network are strongly correlated with each other ...
        corr_in = np.mean([np.corrcoef(t)[np.triu_indices(t.shape[0], 1)].mean() for t in inside])
        corr_out = np.mean([np.corrcoef(t[:20])[np.triu_indices(20, 1)].mean() for t in other])
        assert corr_in > 0.5 > abs(corr_out) + 0.3
        # ... while their power is the same as everyone else's
        np.testing.assert_allclose(inside.var(), other.var(), rtol=0.1)


def test_synthetic_bad_arguments():
    with pytest.raises(ValueError, match="coupling"):
        datasets.load("synthetic", coupling=1.5)
    with pytest.raises(ValueError, match="networks"):
        datasets.load("synthetic", networks=("Nope", "DefaultMode"))


def test_each_dataset_says_its_measure_and_modality_without_loading():
    from s2decode.datasets import dataset_measure, dataset_modality, list_datasets, load
    from s2decode.trials import MEASURES, measure_of

    for name in list_datasets():
        assert dataset_measure(name) in MEASURES
        assert dataset_modality(name) in ("eeg", "fmri", "spikes", "synthetic")
    assert (dataset_measure("kramer_stn"), dataset_measure("hatsopoulos2004")) == (
        "spike_counts",
        "rates",
    )
    trials = load("synthetic", n_trials=4, duration=0.2)
    assert measure_of(trials) == dataset_measure("synthetic")
    assert trials.attrs["modality"] == dataset_modality("synthetic")
    with pytest.raises(ValueError, match="Unknown dataset"):
        dataset_measure("nope")

"""A pipeline's data per subject (s2decode.pipeline.data): subjects, loading, preprocessing."""

from __future__ import annotations

import numpy as np
import pytest

from s2decode import make_trials
from s2decode.datasets import DatasetNotFoundError
from s2decode.pipeline.data import NO_SUBJECT, dataset_subjects, load_subject, preprocess_trials
from s2decode.pipeline.spec import PipelineSpec

from .conftest import require


def _spec(dataset, **sections) -> PipelineSpec:
    sections.setdefault("cv", {"n_splits": 4})  # SYNTHETIC's 4 trials a class
    return PipelineSpec.from_dict({"name": "t", "dataset": dataset, **sections}, source="test")


SYNTHETIC = {
    "name": "synthetic",
    "options": {"atlas": "dosenbach160", "n_trials": 8, "duration": 1.0, "sfreq": 200.0},
}


# --------------------------------------------------------------------------- offline
def test_synthetic_subject_loads_offline_with_generic_preprocessing():
    raw_spec = _spec(SYNTHETIC)
    assert dataset_subjects(raw_spec) == [NO_SUBJECT]
    raw = load_subject(raw_spec, NO_SUBJECT)
    assert raw.attrs["subject"] == NO_SUBJECT and raw.attrs["dataset"] == "synthetic"
    assert raw.attrs["preprocessing"] == "none"
    # the synthetic loader takes none of the preprocessing keys: all applied to the trials
    spec = _spec(
        SYNTHETIC,
        preprocessing={"l_freq": 20.0, "h_freq": 40.0, "resample": 100.0, "tmin": 0.2, "tmax": 0.8},
    )
    trials = load_subject(spec, NO_SUBJECT)
    assert trials.attrs["sfreq"] == 100.0
    times = trials["time"].values
    assert times[0] == pytest.approx(0.2) and times[-1] == pytest.approx(0.8)
    np.testing.assert_allclose(np.diff(times), 0.01)
    assert trials.shape == (8, raw.sizes["parcel"], 61)
    assert trials.dtype == raw.dtype
    np.testing.assert_array_equal(trials["y"].values, raw["y"].values)
    np.testing.assert_array_equal(trials["parcel"].values, raw["parcel"].values)
    # the 10 Hz oscillations lie outside 20-40 Hz: the band-pass removes most of the power
    assert trials.var().item() < 0.2 * raw.var().item()
    assert "l_freq=20" in trials.attrs["preprocessing"]
    with pytest.raises(ValueError, match="no subjects"):
        load_subject(raw_spec, "1")


def _sine_trials(sfreq=200.0, n_times=400, measure="continuous"):
    t = np.arange(n_times) / sfreq
    data = np.stack([np.sin(2 * np.pi * 5 * t), np.sin(2 * np.pi * 60 * t)])[None]
    data = np.repeat(data, 3, axis=0)
    return make_trials(data, sfreq=sfreq, t_start=-0.5, measure=measure, modality="synthetic")


def test_preprocess_trials_filters_resamples_and_crops():
    trials = _sine_trials()
    low = preprocess_trials(trials, h_freq=20.0)
    inner = slice(100, -100)  # away from the filter's edge transients
    assert low[:, 1, inner].std().item() < 0.02  # 60 Hz out
    assert low[:, 0, inner].std().item() == pytest.approx(np.sqrt(0.5), rel=0.02)  # 5 Hz kept
    down = preprocess_trials(trials, resample=100.0)
    assert down.sizes["time"] == 200 and down.attrs["sfreq"] == 100.0
    np.testing.assert_allclose(down["time"].values[:2], [-0.5, -0.49])
    # resampling keeps the 5 Hz sine where it was
    t = down["time"].values
    inner = slice(20, -20)  # away from the edges of the FFT resampling
    np.testing.assert_allclose(
        down[0, 0].values[inner], np.sin(2 * np.pi * 5 * (t[inner] + 0.5)), atol=0.02
    )
    crop = preprocess_trials(trials, tmin=0.0, tmax=0.5)
    assert crop["time"].values[0] == pytest.approx(0.0)
    assert crop["time"].values[-1] == pytest.approx(0.5) and crop.sizes["time"] == 101
    # to the nearest sample (1/200 s): 0.0012 s rounds to 0.0
    late = preprocess_trials(trials, tmin=0.0012)
    assert late["time"].values[0] == pytest.approx(0.0) and late.sizes["time"] == 300
    assert trials.sizes["time"] == 400  # the input is left alone


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"tmin": -1.0}, r"preprocessing\.tmin=-1.0 s is before"),
        ({"tmax": 5.0}, r"preprocessing\.tmax=5.0 s is after"),
        ({"tmin": 0.0, "tmax": 0.001}, r"keep at least 2"),
        ({"h_freq": 100.0}, r"preprocessing\.h_freq=100.0 Hz is at or above the Nyquist"),
    ],
)
def test_preprocess_trials_errors_name_the_key(kwargs, match):
    with pytest.raises(ValueError, match=match):
        preprocess_trials(_sine_trials(), **kwargs)


def test_spike_counts_are_cropped_not_filtered():
    counts = _sine_trials(measure="spike_counts").clip(0)
    counts = counts.copy(data=np.round(counts.values))
    with pytest.raises(ValueError, match=r"preprocessing\.l_freq.*'spike_counts'.*bin_size"):
        preprocess_trials(counts, l_freq=1.0)
    assert preprocess_trials(counts, tmin=0.0).sizes["time"] == 300


def test_subjects_from_a_data_directory_without_recordings(tmp_path):
    """Which subjects are present comes from the folder layout alone (empty files here)."""
    for n in (1, 3):
        (tmp_path / "eeg" / f"eegbci_S{n:03d}").mkdir(parents=True)
    (tmp_path / "eeg" / "eegbci_S0x2").mkdir()  # not a subject folder
    eegmat = tmp_path / "eeg" / "eegmat"
    eegmat.mkdir()
    for n, parts in ((0, (1, 2)), (2, (1, 2)), (5, (1,))):  # subject 5 lacks its task file
        for part in parts:
            (eegmat / f"Subject{n:02d}_{part}.edf").touch()

    assert dataset_subjects(_spec({"name": "eegbci", "subjects": "all"}), tmp_path) == ["1", "3"]
    assert dataset_subjects(_spec({"name": "eegbci"}), tmp_path) == ["1"]  # loader's default
    assert dataset_subjects(_spec({"name": "eegbci", "subjects": [3]}), tmp_path) == ["3"]
    assert dataset_subjects(_spec({"name": "eegmat"}), tmp_path) == ["00", "02"]
    assert dataset_subjects(_spec({"name": "eegmat", "subjects": "all"}), tmp_path) == [
        "00",
        "02",
    ]
    assert dataset_subjects(_spec({"name": "eegmat", "subjects": 2}), tmp_path) == ["02"]
    with pytest.raises(DatasetNotFoundError, match=r"\[5\].*fetch\('eegmat', subjects=\[5\]\)"):
        dataset_subjects(_spec({"name": "eegmat", "subjects": [2, 5]}), tmp_path)
    with pytest.raises(DatasetNotFoundError, match=r"fetch\('eegbci', subject=2\)"):
        dataset_subjects(_spec({"name": "eegbci", "subjects": 2}), tmp_path)
    with pytest.raises(DatasetNotFoundError, match="haxby"):
        dataset_subjects(_spec("haxby"), tmp_path)
    with pytest.raises(ValueError, match="subject number"):
        load_subject(_spec({"name": "eegmat"}), NO_SUBJECT, tmp_path)


# --------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_eegmat_subjects_and_one_subject(data_dir):
    folder = require(data_dir, "eeg", "eegmat")
    from s2decode.datasets.eegmat import subjects_in

    present = subjects_in(folder)
    spec = _spec(
        {"name": "eegmat", "subjects": "all", "options": {"method": None}},
        preprocessing={"l_freq": 4.0, "h_freq": 30.0, "resample": 100.0, "tmin": 0.5, "tmax": 3.5},
    )
    subjects = dataset_subjects(spec, data_dir)
    assert subjects == [f"{n:02d}" for n in present]
    subject = subjects[1]
    trials = load_subject(spec, subject, data_dir)
    assert trials.attrs["subject"] == subject and trials.attrs["dataset"] == "eegmat"
    assert set(trials["group"].values) == {int(subject)}
    assert set(trials["y"].values) == {"rest", "arithmetic"}
    assert trials.dims[1] == "channel" and trials.attrs["sfreq"] == 100.0  # by the loader
    times = trials["time"].values  # cropped after loading: eegmat's loader has no tmin/tmax
    assert times[0] == pytest.approx(0.5) and times[-1] == pytest.approx(3.5)
    assert trials.sizes["time"] == 301


@pytest.mark.realdata
def test_eegbci_preprocessing_goes_to_the_loader(data_dir):
    require(data_dir, "eeg", "eegbci_S001", "S001R06.edf")
    spec = _spec(
        {"name": "eegbci", "subjects": 1, "options": {"method": None, "task": "imagery"}},
        preprocessing={"l_freq": 8.0, "h_freq": 30.0, "resample": 80.0, "tmin": -0.5, "tmax": 2.0},
    )
    assert dataset_subjects(spec, data_dir) == ["1"]
    trials = load_subject(spec, "1", data_dir)
    # tmin=-0.5 is before the loader's default window: only the loader can give it
    assert trials["time"].values[0] == pytest.approx(-0.5)
    # MNE resamples the 401 samples of -0.5..2 s at 160 Hz to 200 at 80 Hz
    assert trials["time"].values[-1] == pytest.approx(2.0, abs=1.5 / 80)
    assert trials.attrs["sfreq"] == 80.0 and trials.sizes["time"] in (200, 201)
    assert trials.shape[:2] == (45, 64) and trials.attrs["subject"] == "1"
    assert set(trials["y"].values) == {"hands", "feet"}


@pytest.mark.realdata
def test_haxby_voxels_carry_their_mask(data_dir):
    require(data_dir, "fmri", "haxby2001_sub001", "sub001", "BOLD")
    from nilearn.image import get_data, load_img

    spec = _spec({"name": "haxby", "options": {"atlas": None, "categories": ["face", "house"]}})
    assert dataset_subjects(spec, data_dir) == [NO_SUBJECT]
    voxels = load_subject(spec, NO_SUBJECT, data_dir)
    assert voxels.dims[1] == "voxel"
    mask = load_img(voxels.attrs["mask_img"])
    assert int(np.count_nonzero(get_data(mask))) == voxels.sizes["voxel"]
    assert sorted(set(voxels["y"].values)) == ["face", "house"]
    parcels = load_subject(_spec({"name": "haxby", "options": {"n_parcels": 20}}), "-", data_dir)
    assert parcels.dims[1] == "parcel" and "mask_img" not in parcels.attrs

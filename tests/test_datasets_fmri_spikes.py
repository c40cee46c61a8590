"""The haxby, kramer_stn and hatsopoulos2004 datasets: real recordings where present."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
import scipy.io

from s2decode import SpikeTrains, datasets
from s2decode.datasets import DatasetNotFoundError
from s2decode.datasets import haxby as haxby_mod
from s2decode.io.fmri import events_from_volume_labels
from s2decode.trials import check_trials, measure_of

from .conftest import require

HAXBY = ("fmri", "haxby2001_sub001")
pytestmark = pytest.mark.filterwarnings(
    # PyMVPA's 1-slice mask leaves ward a few disconnected voxel groups
    "ignore:the number of connected components:UserWarning"
)


# --------------------------------------------------------------------------- haxby


@pytest.mark.realdata
def test_haxby_block_trials_runs_as_groups(data_dir):
    require(data_dir, *HAXBY)
    trials = check_trials(datasets.load("haxby", data_dir=data_dir))
    assert trials.dims == ("trial", "parcel", "time")
    assert trials.shape == (96, 100, 9)  # 12 runs x 8 blocks; 22.5 s blocks at TR 2.5 s
    assert sorted(set(trials["y"].values)) == sorted(haxby_mod.CATEGORIES)
    assert "rest" not in set(trials["y"].values)
    groups = trials["group"].values
    assert sorted(set(groups)) == list(range(1, 13))
    for run in range(1, 13):  # every run shows each category once
        assert sorted(trials["y"].values[groups == run]) == sorted(haxby_mod.CATEGORIES)
    # blocks start on a volume: first kept volume 5 s after onset with the 4 s lag
    np.testing.assert_allclose(trials["time"], 5.0 + 2.5 * np.arange(9))
    assert trials.attrs["sfreq"] == pytest.approx(0.4)
    assert trials.attrs["modality"] == "fmri"
    assert trials.attrs["units"] == "z"
    assert trials.attrs["coord_space"].startswith("native")
    assert np.isfinite(trials["mni_x"]).all()
    # one axial slice: every parcel centroid at the slice's z
    assert np.ptp(trials["mni_z"].values) == pytest.approx(0.0)


@pytest.mark.realdata
def test_haxby_voxel_values_are_the_raw_lagged_volumes(data_dir):
    root = require(data_dir, *HAXBY)
    trials = datasets.load(
        "haxby", data_dir=data_dir, atlas=None, runs=[3], standardize=None, detrend=False
    )
    assert trials.dims == ("trial", "voxel", "time")
    assert trials.sizes["voxel"] == 530  # PyMVPA's mask of the slice
    # the voxel trials say which mask they are (a peer on images needs it)
    mask = np.asarray(nib.load(trials.attrs["mask_img"]).dataobj) != 0
    assert mask.sum() == 530
    run_dir = root / "sub001" / "BOLD" / "task001_run003"
    bold = nib.load(run_dir / "bold_1slice.nii.gz").get_fdata()
    events = pd.read_csv(run_dir / "bold_events.tsv", sep="\t")
    first = events.iloc[0]
    assert trials["y"].values[0] == first["trial_type"]
    start = int(np.ceil((first["onset"] + 4.0) / 2.5))
    i, j, k = (int(v) for v in trials["voxel"].values[0].split("_")[1:])
    np.testing.assert_allclose(trials.values[0, 0], bold[i, j, k, start : start + 9])


@pytest.mark.realdata
def test_haxby_labels_decode_above_chance(data_dir):
    # a wrong lag or a label/run mix-up would put face vs house at chance (0.5)
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_score

    require(data_dir, *HAXBY)
    trials = datasets.load("haxby", data_dir=data_dir, atlas=None, categories=["face", "house"])
    assert trials.shape == (24, 530, 9)
    scores = cross_val_score(
        LogisticRegression(max_iter=1000),
        trials.mean("time").values,
        trials["y"].values,
        groups=trials["group"].values,
        cv=LeaveOneGroupOut(),
    )
    assert scores.mean() > 0.7


@pytest.mark.realdata
def test_haxby_25mm_and_mask_checks(data_dir):
    require(data_dir, *HAXBY)
    trials = datasets.load("haxby", data_dir=data_dir, resolution="25mm", runs=[1, 2], n_parcels=20)
    assert trials.shape == (16, 20, 9)
    assert trials["group"].values.tolist() == [1] * 8 + [2] * 8
    with pytest.raises(ValueError, match=r"n_parcels=50 exceeds the 1 voxels.*vt\.nii\.gz"):
        datasets.load("haxby", data_dir=data_dir, resolution="25mm", mask="vt")
    with pytest.raises(ValueError, match="Unknown mask 'vt' for resolution '1slice'"):
        datasets.load("haxby", data_dir=data_dir, mask="vt")
    with pytest.raises(ValueError, match="unknown"):
        datasets.load("haxby", data_dir=data_dir, categories=["face", "dog"])


@pytest.mark.realdata
def test_volume_labels_give_the_published_events(data_dir):
    # PyMVPA's per-volume labels of the concatenated runs and the per-run events tables
    # are two records of the same design: they must agree block by block
    root = require(data_dir, *HAXBY)
    attrs = pd.read_csv(
        root / "example_1slice_full" / "attributes_literal.txt",
        sep=" ",
        header=None,
        names=["label", "chunk"],
    )
    for chunk in (0, 11):
        derived = events_from_volume_labels(attrs["label"][attrs["chunk"] == chunk], 2.5)
        tsv = f"task001_run{chunk + 1:03d}/bold_events.tsv"
        published = pd.read_csv(root / "sub001" / "BOLD" / tsv, sep="\t")
        assert derived["trial_type"].tolist() == published["trial_type"].tolist()
        np.testing.assert_allclose(derived["onset"], published["onset"])
        np.testing.assert_allclose(derived["duration"], published["duration"])


def test_haxby_full_resolution_layout(tmp_path):
    # nilearn's fetch_haxby layout, in miniature: one 4D file of all runs + labels.txt
    subj = tmp_path / "fmri" / "haxby2001_sub001" / "haxby2001" / "subj1"
    subj.mkdir(parents=True)
    labels = (["rest"] * 2 + ["face"] * 4 + ["rest"] * 2 + ["house"] * 4 + ["rest"] * 4) * 2
    chunks = [0] * 16 + [1] * 16
    pd.DataFrame({"labels": labels, "chunks": chunks}).to_csv(
        subj / "labels.txt", sep=" ", index=False
    )
    rng = np.random.default_rng(0)
    nib.save(
        nib.Nifti1Image(rng.standard_normal((4, 4, 2, 32)).astype(np.float32), np.eye(4)),
        subj / "bold.nii.gz",
    )
    nib.save(nib.Nifti1Image(np.ones((4, 4, 2), np.int8), np.eye(4)), subj / "mask4_vt.nii.gz")
    trials = datasets.load(
        "haxby", data_dir=tmp_path, resolution="full", runs=[1, 2], n_parcels=3, hrf_lag=2.5
    )
    assert trials["y"].values.tolist() == ["face", "house", "face", "house"]
    assert trials["group"].values.tolist() == [1, 1, 2, 2]
    np.testing.assert_allclose(trials["onset"], [5.0, 20.0, 5.0, 20.0])
    assert trials.shape == (4, 3, 4)


# --------------------------------------------------------------------------- spikes


@pytest.mark.realdata
def test_kramer_stn_left_right(data_dir):
    path = require(data_dir, "spikes", "kramer", "10_spikes-1.mat")
    counts, st = datasets.load("kramer_stn", data_dir=data_dir, return_spike_times=True)
    counts = check_trials(counts)
    assert counts.dims == ("trial", "unit", "time")
    assert counts.shape == (50, 1, 2000)
    assert measure_of(counts) == "spike_counts"
    assert counts.attrs["units"] == "count"
    assert counts.attrs["sfreq"] == pytest.approx(1000.0)
    np.testing.assert_allclose(counts["time"].values[[0, 1, -1]], [-1.0, -0.999, 0.999])
    assert sorted(set(counts["y"].values)) == ["left", "right"]
    assert (counts["y"].values == "left").sum() == 25
    assert set(counts["group"].values) == {0}
    # cross-check against scipy's reader of the same file
    mat = scipy.io.loadmat(path)
    np.testing.assert_array_equal(counts.values[:, 0, :], mat["train"])
    labels = np.where(mat["direction"].ravel() == 0, "left", "right")
    np.testing.assert_array_equal(counts["y"].values, labels)
    assert isinstance(st, SpikeTrains)
    assert (st.n_trials, st.n_neurons, st.t_start, st.t_stop) == (50, 1, -1.0, 1.0)
    np.testing.assert_array_equal(st.spike_counts()[:, 0], mat["train"].sum(axis=1))
    coarse = datasets.load("kramer_stn", data_dir=data_dir, tmin=0.0, bin_size=0.1)
    assert coarse.shape == (50, 1, 10)
    np.testing.assert_array_equal(coarse.values.sum(axis=-1)[:, 0], mat["train"][:, 1000:].sum(1))


@pytest.mark.realdata
def test_hatsopoulos_rates_eight_directions(data_dir):
    path = require(data_dir, "spikes", "hatsopoulos2004", "Dataset1.mat")
    rates = check_trials(datasets.load("hatsopoulos2004", data_dir=data_dir))
    assert rates.dims == ("trial", "unit", "time")
    assert rates.shape == (158, 143, 1)
    assert measure_of(rates) == "rates"
    assert rates.attrs["units"] == "Hz"
    assert sorted(set(rates["y"].values.tolist())) == [0, 45, 90, 135, 180, 225, 270, 315]
    mat = scipy.io.loadmat(path)
    np.testing.assert_allclose(rates.values[:, :, 0], mat["R"].T)
    np.testing.assert_array_equal(rates["direction"].values, mat["direction"].ravel())
    np.testing.assert_array_equal(
        rates["angle"].values, 45 * (mat["direction"].ravel().astype(int) - 1)
    )
    index = datasets.load("hatsopoulos2004", data_dir=data_dir, label="index")
    assert sorted(set(index["y"].values.tolist())) == list(range(1, 9))


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("name", ["haxby", "kramer_stn", "hatsopoulos2004"])
def test_missing_dataset_says_how_to_fetch(tmp_path, name):
    with pytest.raises(DatasetNotFoundError, match=rf"{name}.*fetch"):
        datasets.load(name, data_dir=tmp_path)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match=r"Unknown dataset 'haxbi'.*haxby"):
        datasets.load("haxbi")


def test_full_resolution_missing_says_resolution_full(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="resolution='full'"):
        datasets.load("haxby", data_dir=tmp_path, resolution="full")


@pytest.mark.parametrize(
    ("name", "folder", "fname"),
    [
        ("kramer_stn", "spikes/kramer", "10_spikes-1.mat"),
        ("hatsopoulos2004", "spikes/hatsopoulos2004", "Dataset1.mat"),
    ],
)
def test_unreadable_mat_file_is_named(tmp_path, name, folder, fname):
    target = tmp_path / folder / fname
    target.parent.mkdir(parents=True)
    target.write_bytes(b"this is not a MATLAB file")
    with pytest.raises(ValueError, match=fname.replace(".", r"\.")):
        datasets.load(name, data_dir=tmp_path)


def test_every_module_defines_the_registry_interface():
    for name in ("haxby", "kramer_stn", "hatsopoulos2004"):
        mod = datasets.dataset_module(name)
        for attr in ("NAME", "FOLDER", "MODALITY", "DESCRIPTION", "load", "fetch"):
            assert hasattr(mod, attr), (name, attr)
        assert mod.NAME == name

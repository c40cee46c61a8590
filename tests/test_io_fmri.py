"""fMRI runs + events -> trials (s2decode.io.fmri), on small synthetic images.

The synthetic voxels hold ``base + frame index`` so that a trial's values say exactly which
volumes it kept (cleaning is switched off where the values are checked).
"""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pandas as pd
import pytest

from s2decode.atlas import Atlas
from s2decode.io.fmri import events_from_volume_labels, fmri_to_trials, read_events
from s2decode.trials import check_trials

T_R = 2.0
N_VOLS = 30
SHAPE = (6, 4, 3)
AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])
AFFINE[:3, 3] = [-5.0, -3.0, -2.0]
RAW = {"standardize": None, "detrend": False}


def _run_img(base_left: float = 100.0, base_right: float = 200.0, n_vols: int = N_VOLS):
    data = np.empty((*SHAPE, n_vols), dtype=np.float32)
    frames = np.arange(n_vols, dtype=np.float32)
    data[:3] = base_left + frames
    data[3:] = base_right + frames
    img = nib.Nifti1Image(data, AFFINE)
    img.header.set_xyzt_units("mm", "sec")
    img.header["pixdim"][4] = T_R
    return img


def _labels_img():
    labels = np.zeros(SHAPE, dtype=np.int16)
    labels[:3] = 3  # non-consecutive values: mapping by label_values is exercised
    labels[3:] = 7
    return nib.Nifti1Image(labels, AFFINE)


def _world(ijk):
    return np.asarray(ijk, float) @ AFFINE[:3, :3].T + AFFINE[:3, 3]


def _label_atlas():
    return Atlas(
        name="toy",
        labels=["left", "right"],
        coords=[[-2.0, 0.0, 0.0], [4.0, 0.0, 0.0]],
        networks=["netA", "netB"],
        image=_labels_img(),
        label_values=np.array([3, 7]),
    )


def _events(*rows):
    return pd.DataFrame(rows, columns=["onset", "duration", "trial_type"])


EVENTS = _events((4.0, 6.0, "a"), (20.0, 6.0, "b"), (36.0, 6.0, "a"))


# --------------------------------------------------------------------------- events


def test_read_events_file_sorted(tmp_path):
    fname = tmp_path / "run1_events.tsv"
    _events((10.0, 2.0, "b"), (0.0, 2.0, "a")).assign(extra=[1, 2]).to_csv(
        fname, sep="\t", index=False
    )
    ev = read_events(fname)
    assert ev["onset"].tolist() == [0.0, 10.0]
    assert ev["trial_type"].tolist() == ["a", "b"]
    assert "extra" in ev.columns


def test_read_events_errors_name_file_and_column(tmp_path):
    fname = tmp_path / "bad_events.tsv"
    pd.DataFrame({"onset": [1.0], "trial_type": ["a"]}).to_csv(fname, sep="\t", index=False)
    with pytest.raises(ValueError, match=r"bad_events\.tsv.*'duration'"):
        read_events(fname)
    with pytest.raises(FileNotFoundError, match=r"nope_events\.tsv"):
        read_events(tmp_path / "nope_events.tsv")
    empty = tmp_path / "empty_events.tsv"
    empty.write_text("onset\tduration\ttrial_type\n")
    with pytest.raises(ValueError, match=r"empty_events\.tsv holds no events"):
        read_events(empty)
    blank = tmp_path / "blank_events.tsv"
    blank.write_text("")
    with pytest.raises(ValueError, match=r"blank_events\.tsv is empty"):
        read_events(blank)
    with pytest.raises(ValueError, match=r"'onset'.*finite numbers"):
        read_events(_events(("x", 1.0, "a")))
    with pytest.raises(TypeError, match="DataFrame or the path"):
        read_events(42)


def test_events_from_volume_labels():
    labels = ["rest", "rest", "a", "a", "a", "rest", "b", "b", "rest"]
    ev = events_from_volume_labels(labels, 2.5)
    assert ev["trial_type"].tolist() == ["a", "b"]
    np.testing.assert_allclose(ev["onset"], [5.0, 15.0])
    np.testing.assert_allclose(ev["duration"], [7.5, 5.0])
    every = events_from_volume_labels(labels, 2.5, baseline=None)
    assert every["trial_type"].tolist() == ["rest", "a", "rest", "b", "rest"]
    with pytest.raises(ValueError, match="t_r"):
        events_from_volume_labels(labels, 0)


# --------------------------------------------------------------------------- trials


def test_label_atlas_picks_the_lagged_volumes():
    imgs = [_run_img(), _run_img(1000.0, 2000.0)]
    trials = fmri_to_trials(
        imgs, [EVENTS, EVENTS], atlas=_label_atlas(), hrf_lag=4.0, runs=["r1", "r2"], **RAW
    )
    trials = check_trials(trials)
    assert trials.dims == ("trial", "parcel", "time")
    assert trials.shape == (6, 2, 3)  # 6 s blocks at TR 2 s: 3 volumes
    assert trials["parcel"].values.tolist() == ["left", "right"]
    assert trials["network"].values.tolist() == ["netA", "netB"]
    np.testing.assert_allclose(trials["mni_x"], [-2.0, 4.0])
    assert trials["y"].values.tolist() == ["a", "b", "a"] * 2
    assert trials["group"].values.tolist() == ["r1"] * 3 + ["r2"] * 3
    np.testing.assert_allclose(trials["onset"], [4.0, 20.0, 36.0] * 2)
    # onset 4 s + lag 4 s = 8 s -> volumes 4, 5, 6 (acquired at 8, 10, 12 s)
    np.testing.assert_allclose(trials.values[0, 0], 100.0 + np.array([4, 5, 6]))
    np.testing.assert_allclose(trials.values[1, 1], 200.0 + np.array([12, 13, 14]))
    np.testing.assert_allclose(trials.values[5, 1], 2000.0 + np.array([20, 21, 22]))
    np.testing.assert_allclose(trials["time"], [4.0, 6.0, 8.0])
    assert trials.attrs["sfreq"] == pytest.approx(1 / T_R)
    assert trials.attrs["t_r"] == T_R  # read from the header
    assert trials.attrs["modality"] == "fmri"
    assert trials.attrs["units"] == "a.u."
    assert trials.attrs["atlas"] == "toy"


def test_label_image_path_goes_through_load_atlas(tmp_path):
    fname = tmp_path / "toy_labels.nii.gz"
    nib.save(_labels_img(), fname)
    trials = fmri_to_trials(_run_img(), EVENTS, atlas=fname, **RAW)
    assert trials.sizes["parcel"] == 2
    # parcels in label order (3, then 7), at the centroids of the two halves
    np.testing.assert_allclose(trials["mni_x"], [_world([1, 0, 0])[0], _world([4, 0, 0])[0]])
    np.testing.assert_allclose(trials.values[1, 0], 100.0 + np.array([12, 13, 14]))
    np.testing.assert_allclose(trials.values[1, 1], 200.0 + np.array([12, 13, 14]))


def test_unlocked_onsets_and_slice_time_ref():
    ev = _events((3.0, 6.0, "a"))  # window [7, 13): volumes at 8, 10, 12 s
    trials = fmri_to_trials(_run_img(), ev, atlas=_label_atlas(), **RAW)
    np.testing.assert_allclose(trials.values[0, 0], 100.0 + np.array([4, 5, 6]))
    np.testing.assert_allclose(trials["time"], [5.0, 7.0, 9.0])
    # volumes counted at mid-TR (k + 0.5) * 2 s: 7, 9, 11 s lie in [7, 13)
    mid = fmri_to_trials(_run_img(), ev, atlas=_label_atlas(), slice_time_ref=0.5, **RAW)
    np.testing.assert_allclose(mid.values[0, 0], 100.0 + np.array([3, 4, 5]))


def test_trials_cropped_to_shortest_and_late_ones_dropped():
    ev = _events((0.0, 8.0, "long"), (14.0, 4.0, "short"), (50.0, 10.0, "late"))
    with pytest.warns(UserWarning, match="Dropped the event 'late'"):
        trials = fmri_to_trials(_run_img(), ev, atlas=_label_atlas(), **RAW)
    assert trials["y"].values.tolist() == ["long", "short"]
    assert trials.sizes["time"] == 2  # 4 s block = 2 volumes; the 8 s one is cropped
    np.testing.assert_allclose(trials.values[0, 0], 100.0 + np.array([2, 3]))


def test_event_related_needs_window():
    ev = _events((4.0, 0.0, "a"), (20.0, 0.0, "b"))
    with pytest.raises(ValueError, match="window="):
        fmri_to_trials(_run_img(), ev, atlas=_label_atlas(), **RAW)
    trials = fmri_to_trials(_run_img(), ev, atlas=_label_atlas(), window=8.0, **RAW)
    assert trials.shape == (2, 2, 4)


def test_trial_types_filter_and_no_events_left():
    trials = fmri_to_trials(_run_img(), EVENTS, atlas=_label_atlas(), trial_types=["b"], **RAW)
    assert trials["y"].values.tolist() == ["b"]
    with pytest.raises(ValueError, match="No events of trial_types"):
        fmri_to_trials(_run_img(), EVENTS, atlas=_label_atlas(), trial_types=["zzz"], **RAW)


def test_standardize_gives_z_units():
    trials = fmri_to_trials(_run_img(), EVENTS, atlas=_label_atlas())
    assert trials.attrs["units"] == "z"
    assert np.all(np.isfinite(trials.values))


def test_confounds_are_regressed_out(tmp_path):
    # the only variation of every voxel is the frame index: regressing it out flattens all
    conf = pd.DataFrame({"drift": np.arange(N_VOLS, dtype=float)})
    fname = tmp_path / "conf.tsv"
    conf.to_csv(fname, sep="\t", index=False)
    raw = fmri_to_trials(_run_img(), EVENTS, atlas=_label_atlas(), **RAW)
    clean = fmri_to_trials(_run_img(), EVENTS, atlas=_label_atlas(), confounds=fname, **RAW)
    assert np.ptp(raw.values, axis=-1).min() > 1
    assert np.ptp(clean.values, axis=-1).max() < 1e-3
    with pytest.raises(ValueError, match=r"confounds\[0\] has 5 rows for 30 volumes"):
        fmri_to_trials(_run_img(), EVENTS, atlas=_label_atlas(), confounds=[np.ones((5, 1))])
    with pytest.raises(ValueError, match="NaN"):
        bad = conf.astype(float)
        bad.iloc[0, 0] = np.nan
        fmri_to_trials(_run_img(), EVENTS, atlas=_label_atlas(), confounds=bad)


def test_coordinate_atlas_spheres_and_out_of_image_seeds():
    centre_left, centre_right = _world([1, 1, 1]), _world([4, 2, 1])
    atlas = Atlas(
        name="coords",
        labels=["L", "R", "far"],
        coords=[centre_left, centre_right, [500.0, 500.0, 500.0]],
        radius=1.0,  # one voxel each
    )
    with pytest.warns(UserWarning, match="1 of the 3 spheres"):
        trials = fmri_to_trials(_run_img(), EVENTS, atlas=atlas, **RAW)
    assert trials["parcel"].values.tolist() == ["L", "R"]
    np.testing.assert_allclose(trials.values[0, 0], 100.0 + np.array([4, 5, 6]))
    np.testing.assert_allclose(trials.values[0, 1], 200.0 + np.array([4, 5, 6]))
    nowhere = Atlas(name="nowhere", labels=["x"], coords=[[500.0, 0.0, 0.0]], radius=5.0)
    with pytest.raises(ValueError, match="not in MNI space"):
        fmri_to_trials(_run_img(), EVENTS, atlas=nowhere, **RAW)


def _voxel_img(n_vols: int = N_VOLS):
    """Every voxel its own base (1000 * flat index) plus the frame index."""
    base = 1000.0 * np.arange(np.prod(SHAPE)).reshape(SHAPE)
    data = base[..., None] + np.arange(n_vols)
    img = nib.Nifti1Image(data.astype(np.float32), AFFINE)
    img.header["pixdim"][4] = T_R
    return img, base


@pytest.mark.filterwarnings("ignore:the number of connected components:UserWarning")
def test_data_driven_parcels_map_back_to_their_voxels():
    # as many parcels as mask voxels: each parcel is one voxel, and its name, centroid and
    # signal must all point at that same voxel
    img, base = _voxel_img()
    voxels = [(0, 0, 0), (1, 0, 0), (5, 3, 2), (2, 3, 1)]
    mask_data = np.zeros(SHAPE, np.int8)
    for v in voxels:
        mask_data[v] = 1
    mask = nib.Nifti1Image(mask_data, AFFINE)
    kw = {"atlas": "data-driven", "mask_img": mask, "n_parcels": 4, **RAW}
    trials = fmri_to_trials(img, EVENTS, **kw)
    assert trials.dims == ("trial", "parcel", "time")
    assert trials.shape == (3, 4, 3)
    assert trials["parcel"].values.tolist() == [f"parcel{i:03d}" for i in range(1, 5)]
    inv = np.linalg.inv(AFFINE)
    centroids = np.stack([trials[c].values for c in ("mni_x", "mni_y", "mni_z")], axis=1)
    ijk = np.rint(centroids @ inv[:3, :3].T + inv[:3, 3]).astype(int)
    assert sorted(map(tuple, ijk.tolist())) == sorted(voxels)
    for p, v in enumerate(map(tuple, ijk)):
        np.testing.assert_allclose(trials.values[0, p], base[v] + np.array([4, 5, 6]))
    assert set(trials["network"].values) == {""}
    assert trials.attrs["coord_space"] == "native"
    assert trials.attrs["atlas"] == "data-driven (ward, 4 parcels)"


def test_data_driven_is_deterministic():
    img, _ = _voxel_img()
    img = nib.Nifti1Image(
        img.get_fdata() + np.random.default_rng(0).standard_normal(img.shape), AFFINE
    )
    img.header["pixdim"][4] = T_R
    mask = nib.Nifti1Image(np.ones(SHAPE, np.int8), AFFINE)
    kw = {"atlas": "data-driven", "mask_img": mask, "n_parcels": 5, "parcellation": "kmeans"}
    first = fmri_to_trials(img, EVENTS, random_state=1, **kw)
    again = fmri_to_trials(img, EVENTS, random_state=1, **kw)
    np.testing.assert_array_equal(first.values, again.values)
    np.testing.assert_array_equal(first["mni_x"].values, again["mni_x"].values)
    assert first.sizes["parcel"] <= 5


def test_voxels_as_nodes():
    mask_data = np.zeros(SHAPE, np.int8)
    mask_data[0, 0, 0] = mask_data[5, 3, 2] = 1
    mask = nib.Nifti1Image(mask_data, AFFINE)
    trials = fmri_to_trials(_run_img(), EVENTS, atlas=None, mask_img=mask, **RAW)
    assert trials.dims == ("trial", "voxel", "time")
    assert trials["voxel"].values.tolist() == ["voxel_0_0_0", "voxel_5_3_2"]
    np.testing.assert_allclose(trials["mni_x"], [_world([0, 0, 0])[0], _world([5, 3, 2])[0]])
    np.testing.assert_allclose(trials.values[0, 1], 200.0 + np.array([4, 5, 6]))


def test_image_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing_bold\.nii\.gz"):
        fmri_to_trials(tmp_path / "missing_bold.nii.gz", EVENTS, atlas=_label_atlas())
    junk = tmp_path / "junk_bold.nii.gz"
    junk.write_text("not an image")
    with pytest.raises(ValueError, match=r"junk_bold\.nii\.gz.*NIfTI"):
        fmri_to_trials(junk, EVENTS, atlas=_label_atlas())
    img3d = nib.Nifti1Image(np.zeros(SHAPE, np.float32), AFFINE)
    with pytest.raises(ValueError, match="4D"):
        fmri_to_trials(img3d, EVENTS, atlas=_label_atlas())
    with pytest.raises(ValueError, match="`events` has 1 entries for 2 runs"):
        fmri_to_trials([_run_img(), _run_img()], [EVENTS], atlas=_label_atlas())


def test_t_r_from_header_or_argument():
    img = _run_img()
    img.header["pixdim"][4] = 0.0
    with pytest.raises(ValueError, match="t_r="):
        fmri_to_trials(img, EVENTS, atlas=_label_atlas(), **RAW)
    trials = fmri_to_trials(img, EVENTS, atlas=_label_atlas(), t_r=T_R, **RAW)
    assert trials.attrs["t_r"] == T_R
    ms = _run_img()
    ms.header.set_xyzt_units("mm", "msec")
    ms.header["pixdim"][4] = T_R * 1000
    assert fmri_to_trials(ms, EVENTS, atlas=_label_atlas(), **RAW).attrs["t_r"] == T_R

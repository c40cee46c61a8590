"""EEG/MEG ingest through MNE on synthetic recordings written to FIF (no data needed)."""

from __future__ import annotations

import warnings

import mne
import numpy as np
import pytest

from s2decode.atlas.atlases import load_atlas
from s2decode.atlas.projection import SensorDistanceProjector, SourceProjector, default_montage
from s2decode.io.eeg import (
    clean_channel_name,
    epochs_from_raw,
    epochs_to_trials,
    find_events,
    read_raw,
    set_montage,
    windows_from_raw,
)
from s2decode.trials import check_trials

from .conftest import assert_close_to_scale

SFREQ = 100.0
EEG = ["Fp1", "Fp2", "F3", "Fz", "F4", "C3", "Cz", "C4", "P3", "Pz", "P4", "O1", "Oz", "O2"]


def _raw(names=None, n_seconds=30.0, annotations=True, stim=False, seed=0):
    """White-noise EEG (tens of µV) with 'EEG X' names, an ECG channel, events."""
    names = [f"EEG {n}" for n in EEG] + ["ECG ECG"] if names is None else names
    ch_types = ["eeg"] * len(names)
    if stim:
        names = [*names, "STI 014"]
        ch_types = [*ch_types, "stim"]
    rng = np.random.default_rng(seed)
    n = int(n_seconds * SFREQ)
    data = rng.standard_normal((len(names), n)) * 20e-6
    info = mne.create_info(names, SFREQ, ch_types)
    if stim:
        data[-1] = 0
        for k, t in enumerate(np.arange(2.0, n_seconds - 3, 3.0)):
            data[-1, int(t * SFREQ) : int(t * SFREQ) + 5] = 1 + k % 2
    raw = mne.io.RawArray(data, info, verbose=False)
    if annotations:
        onsets = np.arange(2.0, n_seconds - 3, 3.0)
        desc = ["left" if k % 2 == 0 else "right" for k in range(len(onsets))]
        desc[-1] = "BAD_segment"
        raw.set_annotations(mne.Annotations(onsets, 0.5, desc))
    return raw


@pytest.fixture
def fif(tmp_path):
    fname = tmp_path / "rec_raw.fif"
    _raw().save(fname, verbose=False)
    return fname


# --- reading ---------------------------------------------------------------------------


def test_clean_channel_name():
    assert clean_channel_name("EEG F3") == "F3"
    assert clean_channel_name("Fc5.") == "Fc5"
    assert clean_channel_name("EEG Fp1-REF") == "Fp1"
    assert clean_channel_name("C3-LE") == "C3"
    assert clean_channel_name("Cz") == "Cz"
    assert clean_channel_name("EEG A2-A1") == "A2-A1"  # a derivation, not electrode A2


def test_old_1020_names_get_their_1010_positions():
    raw = _raw(names=["EEG T3", "EEG T5", "EEG P7", "EEG T6", "EEG P8"], annotations=False)
    set_montage(raw, default_montage())
    assert raw.ch_names == ["T3", "T5", "P7", "T6", "P8"]
    pos = np.array([raw.info["chs"][i]["loc"][:3] for i in range(5)])
    np.testing.assert_allclose(pos[1], pos[2])  # T5 is P7 (not T9)
    np.testing.assert_allclose(pos[3], pos[4])  # T6 is P8
    assert pos[1][1] < pos[0][1] - 0.04  # T5 (P7) lies well behind T3 (T7)


def test_read_raw_matches_names_types_and_sets_positions(fif):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every EEG channel gets a position: no warning
        raw = read_raw(fif)
    assert raw.ch_names[: len(EEG)] == EEG
    assert raw.get_channel_types()[-1] == "ecg"
    eeg = mne.pick_types(raw.info, eeg=True)
    pos = np.array([raw.info["chs"][i]["loc"][:3] for i in eeg])
    assert np.all(np.isfinite(pos)) and np.all(np.linalg.norm(pos, axis=1) > 0.05)
    assert raw.preload


def test_read_raw_keeps_existing_positions_and_montage_none(tmp_path):
    raw = _raw(names=EEG)
    raw.set_montage(default_montage(), verbose=False)
    moved = raw.info["chs"][0]["loc"][:3].copy()
    fname = tmp_path / "placed_raw.fif"
    raw.save(fname, verbose=False)
    np.testing.assert_allclose(read_raw(fname).info["chs"][0]["loc"][:3], moved)
    fname2 = tmp_path / "plain_raw.fif"
    _raw(names=EEG).save(fname2, verbose=False)
    assert np.all(np.isnan(read_raw(fname2, montage=None).info["chs"][0]["loc"][:3]))


def test_unplaced_eeg_channels_warn():
    raw = _raw(names=["EEG Cz", "EEG A2-A1", "EEG Pz"])
    with pytest.warns(RuntimeWarning, match="A2-A1"):
        set_montage(raw, default_montage())


def test_read_raw_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothere\.edf"):
        read_raw(tmp_path / "nothere.edf")


def test_read_raw_unsupported_format(tmp_path):
    fname = tmp_path / "recording.xyz"
    fname.write_bytes(b"not a recording")
    with pytest.raises(ValueError, match=r"recording\.xyz.*\.edf"):
        read_raw(fname)


@pytest.mark.filterwarnings("ignore:Invalid measurement date")
def test_read_raw_corrupt_file(tmp_path):
    fname = tmp_path / "broken.edf"
    fname.write_bytes(b"0       garbage that is not an EDF header" * 3)
    with pytest.raises(ValueError, match=r"broken\.edf"):
        read_raw(fname)


# --- events ----------------------------------------------------------------------------


def test_find_events_from_annotations():
    raw = _raw()
    events, event_id = find_events(raw)
    assert set(event_id) == {"left", "right"}  # the BAD segment is not an event
    assert len(events) == 8
    np.testing.assert_allclose(events[:, 0] / SFREQ, np.arange(2.0, 26.0, 3.0))
    # rename and merge: both into one class
    events, event_id = find_events(raw, {"left": "move", "right": "move"})
    assert event_id == {"move": 1} and len(events) == 8
    events, event_id = find_events(raw, ["right"])
    assert event_id == {"right": 1} and len(events) == 4


def test_find_events_from_stim_channel():
    raw = _raw(names=EEG, annotations=False, stim=True)
    events, event_id = find_events(raw)
    assert event_id == {"1": 1, "2": 2}
    events, event_id = find_events(raw, {"left": 1, "right": 2})
    assert event_id == {"left": 1, "right": 2}
    assert len(events) == len(np.arange(2.0, 27.0, 3.0))


def test_find_events_none_says_what_was_found():
    raw = _raw(names=EEG, annotations=False)
    with pytest.raises(ValueError, match=r"No events.*annotations: none; stim channels: none"):
        find_events(raw)


def test_find_events_missing_class_lists_found():
    with pytest.raises(ValueError, match=r"\['up'\].*'left', 'right'"):
        find_events(_raw(), ["left", "up"])


# --- epochs ----------------------------------------------------------------------------


def test_epochs_from_raw_shapes_onsets_and_filtering(fif):
    raw = read_raw(fif)
    before = raw.get_data().copy()
    epochs = epochs_from_raw(raw, None, tmin=-0.2, tmax=1.0, l_freq=1.0, h_freq=20.0)
    np.testing.assert_array_equal(raw.get_data(), before)  # the caller's raw is untouched
    assert len(epochs) == 8
    assert epochs.times[0] == pytest.approx(-0.2) and epochs.times[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(epochs.metadata["onset"], np.arange(2.0, 26.0, 3.0))
    assert list(epochs.metadata["label"][:2]) == ["left", "right"]
    assert "ecg" not in epochs.get_channel_types()  # picks="data" keeps EEG only here
    # the band-pass removed the slow and the fast parts of white noise
    spectrum = epochs.compute_psd(fmin=0, fmax=50, verbose=False)
    psd = spectrum.get_data().mean(axis=(0, 1))
    freqs = spectrum.freqs
    assert psd[(freqs > 5) & (freqs < 15)].mean() > 10 * psd[freqs > 35].mean()


def test_epochs_from_raw_resample(fif):
    epochs = epochs_from_raw(read_raw(fif), ["left"], 0.0, 1.0, resample=50.0)
    assert epochs.info["sfreq"] == 50.0 and len(epochs) == 4


def test_epochs_from_raw_bad_window(fif):
    with pytest.raises(ValueError, match="tmax"):
        epochs_from_raw(read_raw(fif), None, tmin=1.0, tmax=0.5)


def test_windows_from_raw(fif):
    raw = read_raw(fif)
    windows = windows_from_raw(raw, 4.0, label="rest", code=3, reject_by_annotation=False)
    assert len(windows) == 7  # 30 s in 4 s windows
    assert windows.event_id == {"rest": 3}
    assert len(windows.times) == 400
    np.testing.assert_allclose(windows.metadata["onset"], np.arange(7) * 4.0)
    overlapping = windows_from_raw(raw, 4.0, overlap=2.0, reject_by_annotation=False)
    assert len(overlapping) == 14
    # the BAD segment at 26 s removes the window that covers it
    assert len(windows_from_raw(raw, 4.0)) == 6
    resampled = windows_from_raw(raw, 2.0, resample=50.0, reject_by_annotation=False)
    assert len(resampled.times) == 100
    with pytest.raises(ValueError, match="overlap"):
        windows_from_raw(raw, 4.0, overlap=4.0)
    with pytest.raises(ValueError, match="longer"):
        windows_from_raw(raw, 60.0)


# --- to the data model -----------------------------------------------------------------


@pytest.fixture(scope="module")
def epochs():
    raw = _raw()
    set_montage(raw, default_montage())
    return epochs_from_raw(raw, None, 0.0, 1.0)


def test_trials_on_channels(epochs):
    trials = check_trials(epochs_to_trials(epochs, group=7))
    assert trials.dims == ("trial", "channel", "time")
    assert trials.shape == (8, len(EEG), 101)
    assert list(trials["channel"].values) == EEG
    assert list(trials.y.values[:2]) == ["left", "right"]
    assert np.all(trials.group.values == 7)
    np.testing.assert_allclose(trials.onset.values, np.arange(2.0, 26.0, 3.0))
    np.testing.assert_allclose(trials.time.values[[0, -1]], [0.0, 1.0])
    assert trials.attrs["units"] == "V" and trials.attrs["sfreq"] == SFREQ
    assert trials.attrs["modality"] == "eeg"
    np.testing.assert_allclose(trials.values, epochs.get_data(picks="eeg"))
    cz = trials.sel(channel="Cz")
    assert abs(float(cz.mni_x)) < 5 and float(cz.mni_z) > 70


def test_trials_group_forms(epochs):
    per_epoch = np.arange(len(epochs))
    assert list(epochs_to_trials(epochs, group=per_epoch).group.values) == list(per_epoch)
    assert list(epochs_to_trials(epochs, group="label").group.values[:2]) == ["left", "right"]
    with pytest.raises(ValueError, match="one per epoch"):
        epochs_to_trials(epochs, group=[1, 2])


def test_trials_on_parcels_by_sensor_distance(epochs):
    trials = check_trials(epochs_to_trials(epochs, method="sensor", dtype="float32"))
    atlas = load_atlas("seitzman300")
    assert trials.dims == ("trial", "parcel", "time")
    assert trials.shape == (8, atlas.n_parcels, 101)
    assert trials.dtype == np.float32
    assert list(trials.parcel.values) == atlas.labels
    np.testing.assert_allclose(trials.mni_x.values, atlas.coords[:, 0])
    assert list(trials.network.values) == atlas.networks
    assert trials.attrs["projection"] == "sensor" and trials.attrs["units"] == "V"


def test_trials_on_parcels_by_source_model(epochs):
    atlas = load_atlas("seitzman300")
    projector = SourceProjector(atlas, spacing=15.0).fit(epochs.info)
    trials = epochs_to_trials(epochs, projector=projector)
    assert trials.shape == (8, atlas.n_parcels, 101)
    assert trials.attrs["projection"] == "eloreta" and trials.attrs["units"] == "Am"
    # the "data" orientation is a linear filter fitted on these epochs: reproduce it
    from s2decode.atlas.projection import sensor_covariance

    sensors = epochs.get_data(picks=projector.ch_names_)
    refit = SourceProjector(atlas, spacing=15.0).fit(epochs.info, sensor_covariance(sensors))
    assert_close_to_scale(trials.values, refit.transform(sensors))
    # the given projector was not modified
    before = projector.filters_.copy()
    epochs_to_trials(epochs, projector=projector, orientation="data")
    np.testing.assert_array_equal(projector.filters_, before)
    kernel = epochs_to_trials(epochs, projector=projector, orientation="kernel")
    assert_close_to_scale(kernel.values, projector.transform(sensors))


def test_orientation_per_group(epochs):
    atlas = load_atlas("seitzman300")
    projector = SourceProjector(atlas, spacing=15.0).fit(epochs.info)
    trials = epochs_to_trials(epochs, projector=projector, orient_by="label")
    sensors = epochs.get_data(picks=projector.ch_names_)
    from s2decode.atlas.projection import sensor_covariance

    left = np.flatnonzero(epochs.metadata["label"] == "left")
    own = projector.reorient(sensor_covariance(sensors[left])).transform(sensors[left])
    assert_close_to_scale(trials.values[left], own)


def test_projector_for_other_channels_is_refitted(epochs):
    atlas = load_atlas("seitzman300")
    info = mne.create_info(EEG[:5], SFREQ, "eeg")
    info.set_montage(default_montage(), verbose=False)
    other = SensorDistanceProjector(atlas).fit(info)
    trials = epochs_to_trials(epochs, projector=other)
    assert trials.shape[1] == atlas.n_parcels
    assert other.ch_names_ == EEG[:5]  # the caller's projector is left as it was


def test_trials_errors(epochs):
    with pytest.raises(ValueError, match="method"):
        epochs_to_trials(epochs, method="beamformer")
    with pytest.raises(ValueError, match="orientation"):
        epochs_to_trials(epochs, method="eloreta", orientation="radial")
    with pytest.raises(TypeError, match=r"mne\.Epochs"):
        epochs_to_trials(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="metadata column 'run'"):
        epochs_to_trials(epochs, trial_coords=["run"])

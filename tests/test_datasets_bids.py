"""s2decode.datasets.load_bids: BIDS datasets the tests write themselves with MNE-BIDS.

A synthetic dataset (in-memory recordings written as BrainVision, no recording needed): two
subjects, two runs of a motor task and one run of a rest task, and one iEEG and one MEG recording
in datasets of their own. The trials must be the recordings' own samples around each event, with
the labels, onsets, subjects, runs and groups of the data model; wrong selections must be
refused naming what the dataset has. With the recordings, eegbci S001's imagery runs written
as BIDS must load as :func:`s2decode.datasets.load` loads them from their EDF files.
"""

from __future__ import annotations

import mne
import numpy as np
import pytest

from s2decode.datasets import DatasetNotFoundError, load_bids
from s2decode.trials import MEASURES, NODE_DIMS

from .conftest import write_bids_recording

mne_bids = pytest.importorskip("mne_bids")

SFREQ = 100.0
CHANNELS = ["C3", "Cz", "C4", "Pz"]
#: Cue times (s) of every motor run: 12 cues 3 s apart, alternating left and right.
ONSETS = 2.0 + 3.0 * np.arange(12)
CLASSES = np.where(np.arange(12) % 2 == 0, "left", "right")


def _signals(subject: int, run: int) -> np.ndarray:
    """40 s of 4 channels whose every sample is distinct (a ramp plus seeded noise), in V."""
    rng = np.random.default_rng(100 * subject + run)
    n = int(40 * SFREQ)
    ramp = np.arange(n) / n + np.arange(len(CHANNELS))[:, None]
    return (ramp + 0.1 * rng.standard_normal((len(CHANNELS), n))) * 1e-5


def _write(root, data, **options):
    write_bids_recording(root, data, SFREQ, CHANNELS, **options)


@pytest.fixture(scope="module")
def bids_root(tmp_path_factory):
    """sub-01 and sub-02: task 'motor' runs 1 and 2 (12 cues each), sub-01 also task 'rest'."""
    root = tmp_path_factory.mktemp("bids") / "synthetic"
    for subject in (1, 2):
        for run in (1, 2):
            _write(root, _signals(subject, run), subject=f"0{subject}", task="motor", run=run,
                   onsets=ONSETS, descriptions=CLASSES)  # fmt: skip
    _write(root, _signals(9, 9), subject="01", task="rest", run=1, onsets=[5.0],
           descriptions=["eyes_closed"])  # fmt: skip
    return root


@pytest.fixture(scope="module")
def motor(bids_root):
    """Every motor trial, 0-0.5 s after each cue, on the sensors."""
    return load_bids(bids_root, task="motor", tmax=0.5)


def test_trials_are_the_recordings_samples(motor):
    assert motor.dims == ("trial", "channel", "time")
    assert motor.sizes["trial"] == 2 * 2 * len(ONSETS)
    assert list(motor["channel"].values) == CHANNELS
    np.testing.assert_allclose(motor["time"].values, np.arange(51) / SFREQ, atol=1e-12)
    subjects = motor["subject"].values
    runs = motor["run"].values
    for i in (0, 5, 13, 30, 47):
        subject, run = int(subjects[i]), int(runs[i])
        onset = float(motor["onset"].values[i])
        start = round(onset * SFREQ)
        expected = _signals(subject, run)[:, start : start + 51]
        # BrainVision keeps float32: equal to its precision, on the values' scale
        scale = np.abs(expected).max()
        np.testing.assert_allclose(motor.values[i], expected, rtol=0, atol=1e-6 * scale)


def test_data_model(motor):
    assert motor.attrs["sfreq"] == SFREQ
    assert motor.attrs["modality"] == "eeg"
    assert motor.attrs["measure"] == "continuous" and motor.attrs["measure"] in MEASURES
    assert motor.attrs["units"] == "V"
    assert "bids: " in motor.attrs["source"] and "task motor" in motor.attrs["source"]
    assert set(motor.dims) - {"trial", "time"} <= set(NODE_DIMS)
    # labels, onsets and the BIDS entities of each trial, in subject then run order
    np.testing.assert_array_equal(motor["y"].values, np.tile(CLASSES, 4))
    np.testing.assert_allclose(motor["onset"].values, np.tile(ONSETS, 4), atol=0.5 / SFREQ)
    np.testing.assert_array_equal(motor["subject"].values, np.repeat(["01", "02"], 24))
    np.testing.assert_array_equal(motor["run"].values, np.tile(np.repeat(["1", "2"], 12), 2))
    assert set(motor["session"].values) == {""}  # a dataset without sessions
    # several subjects: they are the cross-validation groups
    np.testing.assert_array_equal(motor["group"].values, motor["subject"].values)
    # positions: the standard ones of the channel names (the files have none)
    assert np.all(np.isfinite(motor["mni_x"].values))


def test_selection_and_events(bids_root):
    one = load_bids(bids_root, subject=2, task="motor", run=2, events={"left": "L"}, tmax=0.2)
    assert set(one["subject"].values) == {"02"} and set(one["run"].values) == {"2"}
    assert list(one["y"].values) == ["L"] * 6
    np.testing.assert_allclose(one["onset"].values, ONSETS[::2], atol=0.5 / SFREQ)
    # one subject: the runs are the groups; asked for, the subject
    np.testing.assert_array_equal(one["group"].values, one["run"].values)
    by_subject = load_bids(bids_root, "sub-01", "motor", events=["right"], tmax=0.2,
                           group="subject")  # fmt: skip
    assert set(by_subject["group"].values) == {"01"}
    assert by_subject.sizes["trial"] == 12 and set(by_subject["y"].values) == {"right"}
    # a mapping names the classes; several event types may share one
    merged = load_bids(bids_root, ["01"], "motor", run=[1], events={"left": "cue", "right": "cue"},
                       tmax=0.2)  # fmt: skip
    assert set(merged["y"].values) == {"cue"} and merged.sizes["trial"] == 12


def test_resample_filter_and_window(bids_root):
    trials = load_bids(bids_root, subject="01", task="motor", run="1", tmin=-0.2, tmax=0.6,
                       l_freq=1.0, h_freq=20.0, resample=50.0)  # fmt: skip
    assert trials.attrs["sfreq"] == 50.0
    # 81 samples from -0.2 to 0.6 s at 100 Hz are 40 at 50 Hz (MNE rounds 40.5 to even)
    np.testing.assert_allclose(trials["time"].values, -0.2 + np.arange(40) / 50.0, atol=1e-9)


def test_wrong_selections_say_what_the_dataset_has(bids_root):
    with pytest.raises(ValueError, match=r"several tasks: motor, rest\. Choose one with task="):
        load_bids(bids_root)
    with pytest.raises(ValueError, match=r"no subject '03'; its subjects: 01, 02"):
        load_bids(bids_root, subject="03", task="motor")
    with pytest.raises(ValueError, match=r"no subject 7; its subjects: 01, 02"):
        load_bids(bids_root, subject=7, task="motor")
    with pytest.raises(ValueError, match=r"no task 'imagery'; its tasks: motor, rest"):
        load_bids(bids_root, task="imagery")
    with pytest.raises(ValueError, match=r"no session label at all .*leave session=None"):
        load_bids(bids_root, task="motor", session="1")
    with pytest.raises(ValueError, match=r"no run '3'; its runs: 1, 2"):
        load_bids(bids_root, task="motor", run="3")
    with pytest.raises(ValueError, match=r"no meg recording .* datatypes: eeg"):
        load_bids(bids_root, task="motor", datatype="meg")
    with pytest.raises(ValueError, match=r"`datatype` must be one of"):
        load_bids(bids_root, task="motor", datatype="fmri")
    with pytest.raises(ValueError, match=r"`group` must be one of"):
        load_bids(bids_root, task="motor", group="trial")


def test_missing_events_name_the_recording(bids_root):
    with pytest.raises(ValueError, match=r"sub-02_task-motor_run-1_eeg\.vhdr.*'feet'.*left"):
        load_bids(bids_root, subject="02", task="motor", run=1, events=["feet"])


def test_not_a_bids_root(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="not a folder"):
        load_bids(tmp_path / "absent")
    with pytest.raises(DatasetNotFoundError, match=r"no sub-\* folder"):
        load_bids(tmp_path)


def test_channels_bad_in_one_recording_are_dropped(tmp_path, bids_root):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(bids_root, root)
    path = mne_bids.BIDSPath(subject="02", task="motor", run=2, datatype="eeg", root=root,
                             suffix="eeg", extension=".vhdr")  # fmt: skip
    mne_bids.mark_channels(path, ch_names=["Pz"], status="bad", verbose=False)
    with pytest.warns(RuntimeWarning, match=r"the 3 they share are kept and \['Pz'\] dropped"):
        trials = load_bids(root, task="motor", tmax=0.1)
    assert list(trials["channel"].values) == ["C3", "Cz", "C4"]
    assert trials.sizes["trial"] == 48


def test_ieeg(tmp_path):
    root = tmp_path / "ieeg"
    _write(root, _signals(1, 1), subject="01", task="motor", run=1, onsets=ONSETS,
           descriptions=CLASSES, ch_types="seeg", datatype="ieeg")  # fmt: skip
    trials = load_bids(root, tmax=0.5)
    assert trials.sizes["trial"] == 12 and trials.dims[1] == "channel"
    assert set(trials["y"].values) == {"left", "right"}
    np.testing.assert_allclose(
        trials.values[0], _signals(1, 1)[:, 200:251], rtol=0, atol=1e-6 * 4e-5
    )
    with pytest.raises(ValueError, match=r"no eeg recording .* datatypes: ieeg"):
        load_bids(root, datatype="eeg")


def test_meg(tmp_path):
    """MEG (FIF, magnetometers): the sensors, modality 'meg'."""
    root = tmp_path / "meg"
    info = mne.create_info([f"MEG{i:03d}" for i in range(4)], SFREQ, "mag")
    data = _signals(1, 1) * 1e-7  # teslas
    raw = mne.io.RawArray(data, info, verbose=False)
    raw.set_annotations(mne.Annotations(ONSETS[:4], 0.5, CLASSES[:4]))
    path = mne_bids.BIDSPath(subject="01", task="motor", datatype="meg", root=root)
    mne_bids.write_raw_bids(raw, path, allow_preload=True, format="FIF", overwrite=True,
                            verbose=False)  # fmt: skip
    trials = load_bids(root, tmax=0.5)
    assert trials.attrs["modality"] == "meg" and trials.sizes["trial"] == 4
    np.testing.assert_array_equal(trials["y"].values, CLASSES[:4])
    np.testing.assert_allclose(trials.values[1], data[:, 500:551], rtol=1e-6, atol=0)


# ----------------------------------------------------------------------- real recordings
@pytest.mark.realdata
def test_eegbci_as_bids_loads_as_the_eegbci_loader(eegbci_dir, tmp_path):
    """S001's imagined left/right runs, written as BIDS by MNE-BIDS (the EDF files copied),
    give the trials s2decode.datasets.load gives from the EDF files: same labels, onsets
    and samples (the same filter on the same recordings)."""
    from s2decode.datasets import load

    root = tmp_path / "eegbci-bids"
    for run in (4, 8, 12):
        raw = mne.io.read_raw_edf(eegbci_dir / f"S001R{run:02d}.edf", verbose=False)
        path = mne_bids.BIDSPath(subject="001", task="imagery", run=run, datatype="eeg",
                                 root=root)  # fmt: skip
        mne_bids.write_raw_bids(raw, path, overwrite=True, verbose=False)
    options = dict(tmin=0.0, tmax=4.0, l_freq=1.0, h_freq=40.0)
    bids = load_bids(root, subject=1, task="imagery", events={"T1": "left", "T2": "right"},
                     **options)  # fmt: skip
    edf = load("eegbci", data_dir=eegbci_dir.parents[1], subject=1, task="imagery",
               classes="left_right", method=None, **options)  # fmt: skip
    assert bids.sizes == edf.sizes
    np.testing.assert_array_equal(bids["y"].values, edf["y"].values)
    np.testing.assert_allclose(bids["onset"].values, edf["onset"].values, atol=1e-9)
    np.testing.assert_array_equal(bids["run"].values.astype(int), edf["run"].values)
    np.testing.assert_array_equal(bids["channel"].values, edf["channel"].values)
    scale = np.abs(edf.values).max()
    np.testing.assert_allclose(bids.values, edf.values, rtol=0, atol=1e-9 * scale)

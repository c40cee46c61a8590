"""The eegbci and eegmat datasets: real recordings (skipped where absent) and the errors."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import mne
import numpy as np
import pytest

import s2decode.datasets as datasets
from s2decode.datasets import DatasetNotFoundError, eegbci, eegmat
from s2decode.trials import check_trials

from .conftest import require

# --- eegbci: real data -----------------------------------------------------------------


@pytest.fixture(scope="module")
def hands_feet(eegbci_dir):
    """S001 imagined fists vs feet on Seitzman parcels (eLORETA): loaded once."""
    return datasets.load("eegbci", eegbci_dir.parent.parent, subject=1)


def _cue_counts(folder: Path, runs) -> Counter:
    counts = Counter()
    for run in runs:
        ann = mne.read_annotations(folder / eegbci.run_file(1, run))
        counts.update(d for d in ann.description if d in ("T1", "T2"))
    return counts


@pytest.mark.realdata
def test_eegbci_imagined_hands_feet(hands_feet, eegbci_dir):
    trials = check_trials(hands_feet)
    cues = _cue_counts(eegbci_dir, (6, 10, 14))
    n = cues["T1"] + cues["T2"]
    assert 40 <= n <= 50  # 15 cues per run, 3 runs
    assert trials.dims == ("trial", "parcel", "time")
    assert trials.shape == (n, 300, 641)  # 0..4 s at 160 Hz, both ends included
    counts = Counter(trials.y.values.tolist())
    assert counts == {"hands": cues["T1"], "feet": cues["T2"]}
    assert min(counts.values()) >= 0.4 * n  # two balanced classes
    assert Counter(trials.group.values.tolist()) == {6: 15, 10: 15, 14: 15}
    np.testing.assert_array_equal(trials.run.values, trials.group.values)
    np.testing.assert_allclose(trials.time.values, np.arange(641) / 160.0)
    assert trials.attrs["sfreq"] == 160.0 and trials.attrs["units"] == "Am"
    assert trials.attrs["projection"] == "eloreta" and trials.attrs["modality"] == "eeg"
    # parcels with MNI coordinates and networks
    assert np.all(np.isfinite(trials.mni_x.values + trials.mni_y.values + trials.mni_z.values))
    assert "SomatomotorDorsal" in set(trials.network.values)
    assert np.all(trials.network.values != "")
    # cue onsets: about 4.2 s apart within a run, increasing
    onsets = trials.onset.values[trials.group.values == 6]
    assert np.all(np.diff(onsets) > 3.5)
    # real signals: currents of nA*m order, no flat parcel
    std = trials.values.std(axis=(0, 2))
    assert np.all(std > 0)
    assert 1e-12 < np.median(std) < 1e-7


@pytest.mark.realdata
def test_eegbci_parcels_carry_the_motor_signal(hands_feet):
    """Imagined hands vs feet differ in 8-30 Hz power over the sensorimotor parcels more
    than over the visual ones (event-related desynchronisation), a check that the source
    route keeps the physiology."""
    from scipy.signal import butter, sosfiltfilt

    sos = butter(4, [8.0, 30.0], btype="band", fs=160.0, output="sos")
    power = np.log(np.mean(sosfiltfilt(sos, hands_feet.values, axis=-1) ** 2, axis=-1))
    hands = hands_feet.y.values == "hands"
    diff = power[hands].mean(0) - power[~hands].mean(0)
    t = diff / np.sqrt(power[hands].var(0) / hands.sum() + power[~hands].var(0) / (~hands).sum())
    network = hands_feet.network.values
    motor = np.abs(t[network == "SomatomotorDorsal"]).mean()
    visual = np.abs(t[network == "Visual"]).mean()
    assert motor > visual


@pytest.mark.realdata
def test_eegbci_channels_left_right(eegbci_dir):
    trials = datasets.load(
        "eegbci", eegbci_dir.parent.parent, classes="left_right", method=None, tmax=2.0
    )
    assert trials.dims == ("trial", "channel", "time")
    assert trials.shape[1:] == (64, 321)
    assert set(trials.y.values) == {"left", "right"}
    assert set(trials.group.values) == {4, 8, 12}
    assert {"C3", "Cz", "C4", "FCz", "Iz"} <= set(trials.channel.values)
    assert np.all(np.isfinite(trials.mni_z.values))
    assert trials.attrs["units"] == "V"
    # EEG in volts: tens of microvolts after the 1-40 Hz band-pass
    assert 1e-6 < float(trials.std()) < 1e-3


@pytest.mark.realdata
def test_eegbci_mixed_designs(eegbci_dir):
    # runs of both designs reuse T1/T2 for different classes: all four classes come out
    trials = datasets.load("eegbci", eegbci_dir.parent.parent, runs=[4, 6], method=None, tmax=1.0)
    labels = dict(zip(trials.group.values.tolist(), trials.y.values.tolist(), strict=True))
    assert set(trials.y.values) == {"left", "right", "hands", "feet"}
    assert labels[4] in {"left", "right"} and labels[6] in {"hands", "feet"}
    assert trials.sizes["trial"] == 30


@pytest.mark.realdata
def test_eegbci_runs_rest_and_sensor_projection(eegbci_dir):
    trials = datasets.load("eegbci", eegbci_dir.parent.parent, runs=[4], rest=True, method="sensor")
    assert set(trials.y.values) == {"left", "right", "rest"}
    assert set(trials.group.values) == {4}
    assert trials.attrs["projection"] == "sensor"


def test_eegbci_select_runs():
    assert eegbci.select_runs() == [6, 10, 14]
    assert eegbci.select_runs(task="execution", classes="left_right") == [3, 7, 11]
    assert eegbci.select_runs([4, 3]) == [3, 4]
    with pytest.raises(ValueError, match="contradicts"):
        eegbci.select_runs([4], task="execution")
    with pytest.raises(ValueError, match=r"3\.\.14"):
        eegbci.select_runs([1])
    with pytest.raises(ValueError, match="task"):
        eegbci.select_runs(task="dreaming")
    with pytest.raises(ValueError, match="subject"):
        eegbci.folder(0)


def test_eegbci_missing_data_says_how_to_fetch(tmp_path):
    with pytest.raises(DatasetNotFoundError, match=r"fetch"):
        datasets.load("eegbci", tmp_path)
    (tmp_path / "eeg" / "eegbci_S002").mkdir(parents=True)
    with pytest.raises(DatasetNotFoundError, match=r"S002R06\.edf.*subject=2"):
        datasets.load("eegbci", tmp_path, subject=2)


def test_eegbci_fetch_moves_mne_downloads(tmp_path, monkeypatch):
    calls = []

    def fake_load_data(subject, runs, *, path, update_path):
        calls.append((subject, list(runs), update_path))
        out = []
        for run in runs:
            f = Path(path) / "MNE-eegbci-data" / eegbci.run_file(subject, run)
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(b"edf")
            out.append(f)
        return out

    monkeypatch.setattr(mne.datasets.eegbci, "load_data", fake_load_data)
    folder = eegbci.fetch(tmp_path, subject=3, runs=[4, 8])
    assert folder == tmp_path / "eeg" / "eegbci_S003"
    assert sorted(p.name for p in folder.iterdir()) == ["S003R04.edf", "S003R08.edf"]
    assert calls == [(3, [4, 8], False)]
    eegbci.fetch(tmp_path, subject=3, runs=[4, 8])  # present: nothing downloaded
    assert len(calls) == 1


def test_eegbci_link_mne_layout_links_the_runs_present(tmp_path):
    data = tmp_path / "data"
    folder = data / "eeg" / "eegbci_S007"
    folder.mkdir(parents=True)
    for run in (4, 8):
        (folder / eegbci.run_file(7, run)).write_bytes(b"edf %d" % run)
    target = eegbci.link_mne_layout(tmp_path / "mne", data)
    linked = sorted(target.rglob("*.edf"))
    assert [p.relative_to(target).as_posix() for p in linked] == [
        eegbci.MNE_LAYOUT.format(subject=7, run=run) for run in (4, 8)
    ]
    assert [p.read_bytes() for p in linked] == [b"edf 4", b"edf 8"]  # the data's files
    # a second call keeps what is there; a subject without a folder says how to fetch it
    before = {p: p.lstat().st_ino for p in linked}  # the links themselves
    (folder / eegbci.run_file(7, 12)).write_bytes(b"edf 12")
    assert eegbci.link_mne_layout(target, data) == target
    assert {p: p.lstat().st_ino for p in linked} == before
    assert len(list(target.rglob("*.edf"))) == 3
    with pytest.raises(DatasetNotFoundError, match="eegbci_S002"):
        eegbci.link_mne_layout(target, data, subjects=[2])
    with pytest.raises(DatasetNotFoundError, match=r"fetch\('eegbci', subject=1\)"):
        eegbci.link_mne_layout(target, tmp_path / "empty")


@pytest.mark.realdata
def test_eegbci_link_mne_layout_is_where_mne_reads_offline(eegbci_dir, tmp_path, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("MNE tried to download a run the data directory has")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    target = eegbci.link_mne_layout(tmp_path, eegbci_dir.parent.parent, subjects=[1])
    paths = mne.datasets.eegbci.load_data(1, [4, 6], path=target, update_path=False)
    assert [Path(p) for p in paths] == [
        target / eegbci.MNE_LAYOUT.format(subject=1, run=run) for run in (4, 6)
    ]
    assert Path(paths[0]).resolve() == (eegbci_dir / eegbci.run_file(1, 4)).resolve()


# --- eegmat: real data -----------------------------------------------------------------


@pytest.fixture(scope="module")
def eegmat_dir(data_dir) -> Path:
    return require(data_dir, "eeg", "eegmat", "Subject00_2.edf").parent


def _n_windows(fname: Path, window: float) -> int:
    raw = mne.io.read_raw_edf(fname, preload=False, verbose=False)
    return math.floor(raw.n_times / raw.info["sfreq"] / window + 1e-9)


@pytest.mark.realdata
def test_eegmat_subject00_rest_and_arithmetic(eegmat_dir):
    data_dir = eegmat_dir.parent.parent
    trials = check_trials(datasets.load("eegmat", data_dir, subjects=0))
    n_rest = _n_windows(eegmat_dir / "Subject00_1.edf", 4.0)
    n_task = _n_windows(eegmat_dir / "Subject00_2.edf", 4.0)
    assert n_rest > 2 * n_task > 0  # ~180 s of rest, ~60 s of arithmetic
    assert trials.shape == (n_rest + n_task, 300, 512)  # 4 s at 128 Hz
    assert Counter(trials.y.values.tolist()) == {"rest": n_rest, "arithmetic": n_task}
    assert set(trials.group.values) == {0} and set(trials.subject.values) == {0}
    np.testing.assert_allclose(trials.time.values, np.arange(512) / 128.0)
    assert trials.dtype == np.float32 and trials.attrs["sfreq"] == 128.0
    assert trials.attrs["units"] == "Am"
    rest_onsets = trials.onset.values[trials.y.values == "rest"]
    np.testing.assert_allclose(rest_onsets, 4.0 * np.arange(n_rest))
    info = eegmat.read_subject_info(eegmat_dir)
    assert set(trials.count_quality.values) == {int(info.loc[0, "Count quality"])}
    assert np.all(trials.values.std(axis=(0, 2)) > 0)


@pytest.mark.realdata
def test_eegmat_channels_two_subjects(eegmat_dir):
    if not (eegmat_dir / "Subject01_2.edf").is_file():
        pytest.skip("eegmat Subject01 absent")
    trials = datasets.load(
        "eegmat", eegmat_dir.parent.parent, subjects=[0, 1], method=None, window=2.0
    )
    assert trials.dims == ("trial", "channel", "time")
    raw = mne.io.read_raw_edf(eegmat_dir / "Subject00_1.edf", preload=False, verbose=False)
    n_eeg = len([c for c in raw.ch_names if c.startswith("EEG") and "-" not in c])
    assert trials.shape[1:] == (n_eeg, 256)
    assert {"F3", "Pz", "O2"} <= set(trials.channel.values)
    assert set(trials.group.values) == {0, 1}
    assert np.all(np.isfinite(trials.mni_x.values))
    assert 1e-7 < float(trials.std()) < 1e-3  # volts


def _write_edf(fname: Path, names, data, sfreq: int) -> None:
    """A minimal EDF (European Data Format) file: 1-s records, int16 samples in µV."""
    n_sig, n_times = data.shape
    n_rec = n_times // sfreq

    def field(values, width):
        return b"".join(str(v).ljust(width)[:width].encode("ascii") for v in values)

    phys_min, phys_max, dig_min, dig_max = -3276.8, 3276.7, -32768, 32767
    header = (
        field(["0"], 8)
        + field(["X X X X"], 80)
        + field(["Startdate 01-JAN-2011 X X X"], 80)
        + field(["01.01.11", "00.00.00"], 8)
        + field([256 * (n_sig + 1)], 8)
        + field([""], 44)
        + field([n_rec, 1], 8)
        + field([n_sig], 4)
        + field(names, 16)
        + field([""] * n_sig, 80)
        + field(["uV"] * n_sig, 8)
        + field([phys_min] * n_sig, 8)
        + field([phys_max] * n_sig, 8)
        + field([dig_min] * n_sig, 8)
        + field([dig_max] * n_sig, 8)
        + field(["HP:0.5Hz LP:45Hz"] * n_sig, 80)
        + field([sfreq] * n_sig, 8)
        + field([""] * n_sig, 32)
    )
    digital = np.clip(np.round(data * 1e6 * 10), dig_min, dig_max).astype("<i2")
    records = digital[:, : n_rec * sfreq].reshape(n_sig, n_rec, sfreq).transpose(1, 0, 2)
    fname.write_bytes(header + records.tobytes())


# the 21 signals of the PhysioNet eegmat files
PHYSIONET_EEGMAT = [
    f"EEG {c}" for c in "Fp1 Fp2 F3 F4 F7 F8 T3 T4 C3 C4 T5 T6 P3 P4 O1 O2 Fz Cz Pz A2-A1".split()
] + ["ECG ECG"]


def test_eegmat_physionet_layout(tmp_path):
    """Files laid out as PhysioNet publishes them (21 signals, old 10-20 names, an ear
    derivation and an ECG): the 19 EEG channels are placed and used."""
    folder = tmp_path / "eeg" / "eegmat"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for subject in (4, 7):
        for suffix, seconds in ((1, 20), (2, 8)):
            data = rng.standard_normal((21, seconds * 100)) * 20e-6
            _write_edf(folder / f"Subject{subject:02d}_{suffix}.edf", PHYSIONET_EEGMAT, data, 100)
    (folder / "subject-info.csv").write_text(
        "Subject,Age,Gender,Recording year,Number of subtractions,Count quality\n"
        "Subject04,17,F,2010,8.6,0\nSubject07,18,F,2012,13.38,1\n"
    )
    channels = datasets.load("eegmat", tmp_path, method=None, resample=None, dtype=None)
    assert channels.sizes["channel"] == 19
    assert {"T3", "T5", "Fp1", "Pz"} <= set(channels.channel.values)
    assert "EEG A2-A1" not in set(channels.channel.values)
    assert channels.shape[2] == 400  # 4 s at 100 Hz
    group, y = channels.group.values.tolist(), channels.y.values.tolist()
    counts = Counter(zip(group, y, strict=True))
    assert counts == {(4, "rest"): 5, (4, "arithmetic"): 2, (7, "rest"): 5, (7, "arithmetic"): 2}
    subject, quality = channels.subject.values.tolist(), channels.count_quality.values.tolist()
    quality = dict(zip(subject, quality, strict=True))
    assert quality == {4: 0, 7: 1}
    assert channels.values.dtype == np.float64
    parcels = datasets.load("eegmat", tmp_path, subjects=[7], method="sensor")
    assert parcels.shape == (7, 300, 512) and parcels.dtype == np.float32


def test_eegmat_missing_data_says_how_to_fetch(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="fetch"):
        datasets.load("eegmat", tmp_path)
    folder = tmp_path / "eeg" / "eegmat"
    folder.mkdir(parents=True)
    with pytest.raises(DatasetNotFoundError, match="fetch"):
        datasets.load("eegmat", tmp_path)
    (folder / "Subject03_1.edf").write_bytes(b"")
    with pytest.raises(DatasetNotFoundError, match=r"Subject03_2\.edf"):
        datasets.load("eegmat", tmp_path, subjects=[3])
    with pytest.raises(ValueError, match=r"0\.\.35"):
        datasets.load("eegmat", tmp_path, subjects=[40])


def test_eegmat_fetch_checks_physionet_sums(tmp_path, monkeypatch):
    sums = (
        "aa11 Subject00_1.edf\nbb22 Subject00_2.edf\ncc33 Subject01_1.edf\n"
        "dd44 Subject01_2.edf\nee55 subject-info.csv\nff66 RECORDS\n"
    )
    calls = []

    def fake_download(url, known_hash, dest_dir, fname=None, present_in=None):
        calls.append((url, known_hash, fname))
        assert dest_dir != tmp_path / "eeg" / "eegmat"  # into a staging folder, moved at the end
        dest_dir.mkdir(parents=True, exist_ok=True)
        path = dest_dir / (fname or url.rsplit("/", 1)[-1])
        path.write_text(sums if path.name == "SHA256SUMS.txt" else "x")
        return path

    monkeypatch.setattr(eegmat, "download", fake_download)
    folder = eegmat.fetch(tmp_path, subjects=[1])
    assert folder == tmp_path / "eeg" / "eegmat"
    assert calls[0] == (eegmat.BASE_URL + "SHA256SUMS.txt", None, None)
    assert sorted(calls[1:]) == [
        (eegmat.BASE_URL + "Subject01_1.edf", "sha256:cc33", "Subject01_1.edf"),
        (eegmat.BASE_URL + "Subject01_2.edf", "sha256:dd44", "Subject01_2.edf"),
        (eegmat.BASE_URL + "subject-info.csv", "sha256:ee55", "subject-info.csv"),
    ]
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["SHA256SUMS.txt", "Subject01_1.edf", "Subject01_2.edf", "subject-info.csv"]
    assert [p.name for p in folder.parent.iterdir()] == ["eegmat"]  # no staging folder left


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match=r"Unknown dataset 'eegbic'.*eegbci"):
        datasets.load("eegbic")


def test_datasets_describe_their_subjects(tmp_path):
    mat, bci = datasets.subjects("eegmat"), datasets.subjects("eegbci")
    assert (mat.option, mat.numbers, mat.default) == ("subjects", range(0, 36), None)
    assert (bci.option, bci.numbers, bci.default) == ("subject", range(1, 110), 1)
    assert datasets.subjects("haxby") is None and datasets.subjects("synthetic") is None
    assert (mat.id(3), bci.id(3)) == ("03", "3")
    assert mat.load_option([4]) == {"subjects": [4]} and bci.load_option([4]) == {"subject": 4}
    assert bci.fetch_hint([7]) == "s2decode.datasets.fetch('eegbci', subject=7)"
    # what the data directory holds
    (tmp_path / "eeg" / "eegbci_S002").mkdir(parents=True)
    (tmp_path / "eeg" / "eegbci_S200").mkdir()  # no such subject
    (tmp_path / "eeg" / "eegbci_S005").touch()  # not a folder
    assert bci.present(tmp_path) == [2]
    folder = tmp_path / "eeg" / "eegmat"
    folder.mkdir()
    for name in ("Subject01_1.edf", "Subject01_2.edf", "Subject04_1.edf"):  # 04: rest only
        (folder / name).touch()
    assert mat.present(tmp_path) == [1]
    assert datasets.dataset_folder("eegmat", tmp_path) == folder
    with pytest.raises(DatasetNotFoundError, match="fetch"):
        datasets.dataset_folder("haxby", tmp_path)
    with pytest.raises(ValueError, match="generated offline"):
        datasets.dataset_folder("synthetic", tmp_path)
    assert datasets.loader_options("eegmat")[0] == "subjects"
    assert "data_dir" not in datasets.loader_options("eegbci")
    assert datasets.dataset_module("kramer_stn").__name__ == "s2decode.datasets.kramer"

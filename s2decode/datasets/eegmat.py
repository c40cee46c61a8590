"""PhysioNet "EEG During Mental Arithmetic Tasks" (eegmat 1.0.0; Zyma et al. 2019).

Monopolar 10-20 EEG at 500 Hz (ear reference, 0.5-45 Hz, ICA-cleaned) of 36 subjects:
``SubjectXX_1.edf`` is the resting EEG before the task (about 180 s), ``SubjectXX_2.edf``
the first 60 s of serial subtraction. ``subject-info.csv`` gives age, gender, the number
of subtractions and the count quality (0 bad, 1 good). The PhysioNet files hold 19 EEG
channels (``EEG Fp1`` ... ``EEG O2``) plus ``EEG A2-A1`` and ``ECG ECG``; some copies keep
only 8 (F3 Fz F4 P3 Pz P4 O1 O2). Every EEG channel the 10-05 montage places is used.

Trials are fixed-length windows: ``y`` is ``"rest"`` or ``"arithmetic"`` and ``group``
the subject number. Rest is three times longer than the task, so there are about three
rest windows for every arithmetic one (use balanced scores or class weights).

Memory: 300 parcels x 4 s windows at 128 Hz is 0.6 MB a window in float32; 24 subjects
(~1440 windows) take about 0.9 GB, which is why ``resample=128`` and ``dtype="float32"``
are the defaults (500 Hz float64 would be 7.7 GB). With 8 channels the 300 parcel signals
span at most 7 dimensions; ``method="sensor"`` or ``None`` (channels) are honest
alternatives.

Files live in ``<data_dir>/eeg/eegmat``. Licence: ODC-By 1.0 (cite Zyma et al. 2019,
Data 4(1):14, and Goldberger et al. 2000).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from ..atlas.atlases import Atlas
from ..paths import get_data_dir
from ._base import (
    DatasetNotFoundError,
    concatenate_epochs,
    dataset_path,
    download,
    fill_doc,
    staged_download,
)
from ._describe import describe_doc, options_check

NAME = "eegmat"
FOLDER = "eeg/eegmat"
MODALITY = "eeg"
DESCRIPTION = (
    "PhysioNet EEG during mental arithmetic (Zyma et al. 2019): resting vs serial-"
    "subtraction EEG at 500 Hz, fixed-length windows, one group per subject."
)
BASE_URL = "https://physionet.org/files/eegmat/1.0.0/"
INFO_FILE = "subject-info.csv"
CONDITIONS = {"rest": 1, "arithmetic": 2}  # label -> file suffix
#: The keyword of :func:`load` that selects subjects, and the subject numbers (00-35).
SUBJECT_OPTION = "subjects"
SUBJECTS = range(0, 36)
_FILE = re.compile(r"^Subject(\d{2})_([12])\.edf$")


def subject_file(subject: int, condition: str) -> str:
    """File name of one recording, e.g. ``Subject00_1.edf`` for rest."""
    return f"Subject{subject:02d}_{CONDITIONS[condition]}.edf"


def subject_id(subject: int) -> str:
    """The id of a subject in file and output names: ``"03"``."""
    return f"{int(subject):02d}"


def present_subjects(data_dir: str | os.PathLike | None = None) -> list[int]:
    """Subjects whose two recordings the data directory holds (raises where it has no
    eegmat folder, saying how to fetch it)."""
    return subjects_in(dataset_path(NAME, FOLDER, data_dir))


def subjects_in(path: Path) -> list[int]:
    """Subjects with both recordings in the folder ``path``."""
    found: dict[int, set[str]] = {}
    for f in path.glob("Subject*_*.edf"):
        m = _FILE.match(f.name)
        if m:
            found.setdefault(int(m.group(1)), set()).add(m.group(2))
    return sorted(s for s, parts in found.items() if parts == {"1", "2"})


def read_subject_info(path: Path):
    """``subject-info.csv`` as a DataFrame indexed by subject number (None if absent)."""
    import pandas as pd

    fname = path / INFO_FILE
    if not fname.is_file():
        return None
    table = pd.read_csv(fname)
    table.columns = [c.strip() for c in table.columns]
    if "Subject" not in table:
        raise ValueError(f"{fname} has no 'Subject' column (columns: {list(table.columns)}).")
    table.index = [int(re.sub(r"\D", "", str(s))) for s in table["Subject"]]
    return table


def _check_subjects(subjects, available: list[int], path: Path) -> list[int]:
    if subjects is None:
        if not available:
            raise DatasetNotFoundError(
                f"Dataset {NAME!r}: {path} holds no SubjectXX_1.edf / SubjectXX_2.edf pair. "
                f"Download it with s2decode.datasets.fetch({NAME!r}) (or `s2decode fetch {NAME}`)."
            )
        return available
    subjects = [subjects] if isinstance(subjects, int | np.integer) else list(subjects)
    if not subjects:
        raise ValueError("`subjects` is empty; give subject numbers or None for all.")
    bad = [s for s in subjects if isinstance(s, bool) or int(s) != s or s not in SUBJECTS]
    if bad:
        raise ValueError(f"`subjects` must be numbers in 0..35, got {bad}.")
    missing = [
        subject_file(int(s), c)
        for s in subjects
        for c in CONDITIONS
        if not (path / subject_file(int(s), c)).is_file()
    ]
    if missing:
        raise DatasetNotFoundError(
            f"Dataset {NAME!r}: {path} lacks {missing}. Download them with "
            f"s2decode.datasets.fetch({NAME!r}, subjects={[int(s) for s in subjects]})."
        )
    return [int(s) for s in dict.fromkeys(subjects)]


@fill_doc
def load(
    data_dir: str | os.PathLike | None = None,
    subjects: int | Sequence[int] | None = None,
    *,
    window: float = 4.0,
    overlap: float = 0.0,
    l_freq: float | None = None,
    h_freq: float | None = None,
    resample: float | None = 128.0,
    atlas: str | Atlas = "seitzman300",
    method: str | None = "eloreta",
    projector=None,
    orientation: str = "data",
    dtype="float32",
    verbose: bool | str | None = False,
) -> xr.DataArray:
    """Load rest and mental-arithmetic EEG as fixed-length windows.

    Parameters
    ----------
    %(data_dir)s.
    subjects : int | sequence of int | None
        Subject numbers (0..35); ``None`` takes every subject in the folder.
    window : float
        Window length in seconds.
    overlap : float
        Overlap of consecutive windows in seconds.
    l_freq, h_freq : float | None
        Band-pass in Hz (the files are already 0.5-45 Hz).
    resample : float | None
        New sampling rate in Hz before windowing (default 128 Hz; ``None`` keeps 500 Hz).
    atlas : str | Atlas
        Atlas of the parcels.
    method : {"eloreta", "dspm", "sloreta", "mne", "sensor"} | None
        Projection onto parcels (:func:`s2decode.io.eeg.epochs_to_trials`); ``None``
        keeps the channels.
    %(projector)s
    orientation : {"data", "kernel"}
        Parcel orientation of a source projection, fitted per subject on all its windows
        (without labels).
    dtype : numpy dtype | None
        Data type of the values (default float32, see the module notes on memory).
    %(verbose)s

    Returns
    -------
    trials : xarray.DataArray
        ``(trial, parcel, time)`` (or ``channel``), ``y`` ``"rest"``/``"arithmetic"``,
        ``group`` and ``subject`` the subject number, ``onset`` the window start (s) in its
        recording, and ``count_quality`` (1 good, 0 bad counter; -1 unknown).

    Raises
    ------
    DatasetNotFoundError
        If the folder or a subject's files are missing (the message says how to fetch).
    """
    from ..io.eeg import epochs_to_trials, read_raw, set_montage, windows_from_raw

    path = dataset_path(NAME, FOLDER, data_dir)
    subjects = _check_subjects(subjects, subjects_in(path), path)
    info = read_subject_info(path)

    parts, channels = [], None
    for subject in subjects:
        quality = -1
        if info is not None and subject in info.index and "Count quality" in info:
            quality = int(info.loc[subject, "Count quality"])
        for condition in CONDITIONS:
            raw = read_raw(path / subject_file(subject, condition), montage=None, verbose=verbose)
            with warnings.catch_warnings():
                # the PhysioNet files' "EEG A2-A1" derivation has no position: not used
                warnings.filterwarnings("ignore", "The montage has no position", RuntimeWarning)
                set_montage(raw, "auto", verbose=verbose)
            picks = _placed_eeg(raw)
            if channels is None:
                channels = picks
            elif picks != channels:
                raise ValueError(
                    f"{path / subject_file(subject, condition)} has the EEG channels {picks}, "
                    f"not {channels} like the other files; load the subjects separately."
                )
            epochs = windows_from_raw(
                raw,
                window,
                label=condition,
                code=CONDITIONS[condition],
                overlap=overlap,
                l_freq=l_freq,
                h_freq=h_freq,
                resample=resample,
                picks=channels,
                verbose=verbose,
            )
            epochs.metadata["subject"] = subject
            epochs.metadata["count_quality"] = quality
            parts.append(epochs)
    return epochs_to_trials(
        concatenate_epochs(parts, verbose=verbose),
        method=method,
        atlas=atlas,
        projector=projector,
        orientation=orientation,
        orient_by="subject",
        group="subject",
        trial_coords=("subject", "count_quality"),
        dtype=dtype,
        source=f"{NAME}: {path} subjects {subjects}",
    )


def _placed_eeg(raw) -> list[str]:
    """EEG channels of ``raw`` with a montage position, in file order."""
    import mne

    from ..atlas.projection import sensor_positions

    picks = mne.pick_types(raw.info, meg=False, eeg=True, exclude="bads")
    pos = sensor_positions(raw.info, picks)
    return [raw.ch_names[i] for i, p in zip(picks, pos, strict=True) if np.all(np.isfinite(p))]


def present(data_dir: str | os.PathLike | None = None) -> bool:
    """Whether the data directory holds both recordings of at least one subject."""
    path = get_data_dir(data_dir) / FOLDER
    if not path.is_dir():
        return False
    found = {m.groups() for m in map(_FILE.match, (p.name for p in path.iterdir())) if m}
    return any((s, "1") in found and (s, "2") in found for s, _ in found)


@fill_doc
def fetch(
    data_dir: str | os.PathLike | None = None,
    subjects: int | Sequence[int] | None = None,
) -> Path:
    """Download eegmat from PhysioNet into ``<data_dir>/eeg/eegmat``, checking SHA256 sums.

    Reads PhysioNet's ``SHA256SUMS.txt`` for the release and downloads each wanted file
    with its published sum (pooch; files already present and intact are kept).

    Parameters
    ----------
    %(data_dir)s.
    subjects : int | sequence of int | None
        Subjects to fetch (``None``: all 36, about 190 MB).

    Returns
    -------
    path : pathlib.Path
        The dataset folder.
    """
    target = get_data_dir(data_dir) / FOLDER
    wanted = None
    if subjects is not None:
        subjects = [subjects] if isinstance(subjects, int) else list(subjects)
        wanted = {subject_file(int(s), c) for s in subjects for c in CONDITIONS}
    with staged_download(NAME, target, BASE_URL) as stage:
        # the release's own checksum list is the trust anchor (PhysioNet publishes no other)
        sums_file = download(BASE_URL + "SHA256SUMS.txt", None, stage)
        sums = {}
        for line in sums_file.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                sums[parts[1].lstrip("*")] = parts[0]
        for name, sha in sorted(sums.items()):
            keep = name == INFO_FILE or (_FILE.match(name) and (wanted is None or name in wanted))
            if keep:
                download(BASE_URL + name, f"sha256:{sha}", stage, fname=name, present_in=target)
    return target


@options_check
def check_options(**options) -> list[tuple[str, str]]:
    from ._describe import collect, number_problem, order_problem, projection_problems

    problems: list[tuple[str, str]] = []
    if "window" in options:
        collect(problems, "window", number_problem(options["window"], low=0, low_open=True))
    if "overlap" in options:
        collect(problems, "overlap", number_problem(options["overlap"], low=0))
    order_problem(problems, options, "overlap", "window", (0.0, 4.0))
    for key in ("l_freq", "h_freq", "resample"):
        if key in options:
            collect(problems, key, number_problem(options[key], low=0, low_open=True, none=True))
    order_problem(problems, options, "l_freq", "h_freq", (None, None))
    projection_problems(problems, options)
    return problems


@describe_doc
def describe(data_dir: str | os.PathLike | None = None, **options) -> dict:
    """What :func:`load` would return with these options, from the EDF headers (no signal
    is read; about 10 ms a file).

    %(parameters)s

    Returns
    -------
    description : dict
        See :func:`s2decode.datasets.describe`. ``n_trials`` counts the windows that fit in
        the recordings, an upper bound (windows overlapping a ``BAD`` annotation are
        dropped); ``recording_sfreq`` is the rate the band-pass sees (before
        ``resample``); ``n_nodes`` is the EEG channels the montage places with
        ``method=None``, else ``None`` (the atlas is not read).

    Raises
    ------
    DatasetNotFoundError
        If the folder or a subject's files are missing.
    ValueError
        If the recordings have different sampling rates.
    """
    from ..io.eeg import read_raw, set_montage
    from ._describe import description, load_arguments, resampled_length

    o = load_arguments(load, data_dir, options)
    path = dataset_path(NAME, FOLDER, o.data_dir)
    subjects = _check_subjects(o.subjects, subjects_in(path), path)
    rates, counts, n_nodes = set(), dict.fromkeys(CONDITIONS, 0), None
    out_sfreq = n_samples = None
    for subject in subjects:
        for condition in CONDITIONS:
            fname = path / subject_file(subject, condition)
            raw = read_raw(fname, preload=False, montage=None, verbose=False)
            if n_nodes is None and o.method is None and o.projector is None:
                with warnings.catch_warnings():  # as in load
                    warnings.filterwarnings("ignore", "The montage has no position", RuntimeWarning)
                    set_montage(raw, "auto", verbose=False)
                n_nodes = len(_placed_eeg(raw))
            sfreq = float(raw.info["sfreq"])
            rates.add(sfreq)
            n_times = raw.n_times
            out_sfreq = sfreq
            if o.resample is not None:
                n_times, out_sfreq = resampled_length(n_times, sfreq, o.resample), float(o.resample)
            n_samples = round(o.window * out_sfreq)
            step = out_sfreq * (o.window - o.overlap)  # as mne.make_fixed_length_events
            counts[condition] += len(np.arange(0, n_times - n_samples + 1, step))
    if len(rates) > 1:
        raise ValueError(
            f"Dataset {NAME!r}: the recordings of subjects {subjects} in {path} have different "
            f"sampling rates {sorted(rates)}; describe (and load) them separately."
        )
    return description(
        NAME,
        measure="continuous",
        sfreq=out_sfreq,
        recording_sfreq=rates.pop(),
        n_times=n_samples,
        classes=counts,
        tmin=0.0,
        n_trials_exact=False,
        n_groups=len(subjects),
        l_freq=o.l_freq,
        h_freq=o.h_freq,
        n_nodes=n_nodes,
        source=f"{path} subjects {subjects}",
    )

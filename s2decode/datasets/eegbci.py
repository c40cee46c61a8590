"""PhysioNet EEG Motor Movement/Imagery (eegmmidb, "EEGBCI"; Schalk et al. 2004).

109 subjects, 64-channel EEG at 160 Hz (BCI2000, EDF+), 14 runs each. Runs 3-14 are
2-minute blocks of 15 cued trials of about 4 s; the annotations ``T0`` (rest), ``T1`` and
``T2`` mark the cues:

=========  ==========  ==========================  ==============================
run        task        T1                          T2
=========  ==========  ==========================  ==============================
3, 7, 11   execution   left fist (``"left"``)      right fist (``"right"``)
4, 8, 12   imagery     left fist (``"left"``)      right fist (``"right"``)
5, 9, 13   execution   both fists (``"hands"``)    both feet (``"feet"``)
6, 10, 14  imagery     both fists (``"hands"``)    both feet (``"feet"``)
=========  ==========  ==========================  ==============================

Files live in ``<data_dir>/eeg/eegbci_S001/S001R04.edf`` (subject ``N`` in
``eeg/eegbci_S{N:03d}``), as :func:`fetch` puts them. Channel names are standardised with
:func:`mne.datasets.eegbci.standardize` and placed on the standard 10-05 montage on the
fsaverage head. Licence: ODC-By 1.0 (cite Schalk et al. 2004 and Goldberger et al. 2000).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import xarray as xr

from ..atlas.atlases import Atlas
from ..paths import get_data_dir
from ._base import (
    DatasetNotFoundError,
    concatenate_epochs,
    dataset_path,
    fill_doc,
    recode_events,
    staged_download,
)
from ._describe import describe_doc, options_check

NAME = "eegbci"
FOLDER = "eeg/eegbci_S001"
MODALITY = "eeg"
DESCRIPTION = (
    "PhysioNet EEG Motor Movement/Imagery (Schalk et al. 2004): 64-ch EEG at 160 Hz, "
    "executed or imagined left/right fist or fists/feet movements, 45 trials per task."
)
#: The keyword of :func:`load` that selects subjects, and the subject numbers (S001-S109).
SUBJECT_OPTION = "subject"
SUBJECTS = range(1, 110)
#: run -> (task, classes): the task runs 3..14 repeat this cycle of four three times.
RUNS = {
    run: (
        ("execution", "left_right"),
        ("imagery", "left_right"),
        ("execution", "hands_feet"),
        ("imagery", "hands_feet"),
    )[(run - 3) % 4]
    for run in range(3, 15)
}
TASKS = ("imagery", "execution")
CLASSES = {"left_right": ("left", "right"), "hands_feet": ("hands", "feet")}
# One event code per class across all runs, so runs of different designs concatenate.
EVENT_CODES = {"rest": 1, "left": 2, "right": 3, "hands": 4, "feet": 5}


def folder(subject: int = 1) -> str:
    """Folder of a subject's files relative to the data directory."""
    return f"eeg/eegbci_S{_check_subject(subject):03d}"


def subject_id(subject: int) -> str:
    """The id of a subject in output names: ``"1"`` for S001."""
    return str(_check_subject(subject))


def present_subjects(data_dir: str | os.PathLike | None = None) -> list[int]:
    """Subjects whose folder (``eeg/eegbci_S###``) the data directory holds."""
    parent = get_data_dir(data_dir) / Path(folder(1)).parent
    found = []
    for path in parent.glob("eegbci_S[0-9][0-9][0-9]"):
        number = int(path.name[-3:])
        if path.is_dir() and number in SUBJECTS and path.name == Path(folder(number)).name:
            found.append(number)
    return sorted(found)


def run_file(subject: int, run: int) -> str:
    """File name of one run, e.g. ``S001R04.edf``."""
    return f"S{subject:03d}R{run:02d}.edf"


def _check_subject(subject: int) -> int:
    if isinstance(subject, bool) or int(subject) != subject or subject not in SUBJECTS:
        raise ValueError(f"`subject` must be an integer in 1..109, got {subject!r}.")
    return int(subject)


def select_runs(
    runs: Sequence[int] | int | None = None, task: str | None = None, classes: str | None = None
) -> list[int]:
    """The runs to load: given ones (checked against ``task``/``classes``), or those of a
    task and class pair (default: imagery, hands vs feet)."""
    if task is not None and task not in TASKS:
        raise ValueError(f"`task` must be one of {TASKS}, got {task!r}.")
    if classes is not None and classes not in CLASSES:
        raise ValueError(f"`classes` must be one of {tuple(CLASSES)}, got {classes!r}.")
    if runs is None:
        task = task or "imagery"
        classes = classes or "hands_feet"
        return [r for r, design in RUNS.items() if design == (task, classes)]
    runs = [runs] if isinstance(runs, int) else list(runs)
    bad = [r for r in runs if r not in RUNS]
    if bad or not runs:
        raise ValueError(
            f"`runs` must be task runs in 3..14 (1 and 2 are baselines without cues), got {runs!r}."
        )
    for r in runs:
        r_task, r_classes = RUNS[r]
        if (task is not None and r_task != task) or (classes is not None and r_classes != classes):
            raise ValueError(
                f"Run {r} is {r_task} of {r_classes}, which contradicts task={task!r}, "
                f"classes={classes!r}; leave task/classes as None when giving runs."
            )
    return sorted(set(runs))


def _subject_runs(data_dir, subject, runs, task, classes) -> tuple[int, list[int], Path]:
    """``(subject, runs, folder)`` of a load, checked: every run's file is in the folder."""
    subject = _check_subject(subject)
    runs = select_runs(runs, task, classes)
    path = dataset_path(NAME, folder(subject), data_dir)
    missing = [run_file(subject, r) for r in runs if not (path / run_file(subject, r)).is_file()]
    if missing:
        raise DatasetNotFoundError(
            f"Dataset {NAME!r}: {path} lacks {missing}. Download them with "
            f"s2decode.datasets.fetch({NAME!r}, subject={subject}, runs={runs}) "
            f"(or `s2decode fetch {NAME}`)."
        )
    return subject, runs, path


def _event_names(run: int, rest: bool) -> dict[str, str]:
    """The run's annotation -> class name (``T0`` -> ``"rest"`` only with ``rest``)."""
    first, second = CLASSES[RUNS[run][1]]
    return {"T1": first, "T2": second, **({"T0": "rest"} if rest else {})}


@fill_doc
def load(
    data_dir: str | os.PathLike | None = None,
    subject: int = 1,
    runs: Sequence[int] | int | None = None,
    task: str | None = None,
    classes: str | None = None,
    *,
    tmin: float = 0.0,
    tmax: float = 4.0,
    l_freq: float | None = 1.0,
    h_freq: float | None = 40.0,
    resample: float | None = None,
    baseline: tuple[float | None, float | None] | None = None,
    rest: bool = False,
    atlas: str | Atlas = "seitzman300",
    method: str | None = "eloreta",
    projector=None,
    orientation: str = "data",
    dtype=None,
    verbose: bool | str | None = False,
) -> xr.DataArray:
    """Load one subject's motor execution/imagery trials, on atlas parcels by default.

    Parameters
    ----------
    %(data_dir)s.
    subject : int
        Subject 1..109; files in ``<data_dir>/eeg/eegbci_S{subject:03d}``.
    runs : int | sequence of int | None
        Runs 3..14; ``None`` takes the three runs of ``task`` and ``classes``. Runs of
        different designs may be mixed (their classes are then all present).
    task : {"imagery", "execution"} | None
        Imagined or executed movements (default ``"imagery"`` when ``runs`` is None).
    classes : {"hands_feet", "left_right"} | None
        Both fists vs both feet, or left vs right fist (default ``"hands_feet"``).
    tmin, tmax : float
        Trial window in seconds around the cue (both included: 4 s at 160 Hz is 641
        samples).
    l_freq, h_freq : float | None
        Band-pass in Hz applied to each continuous run (default 1-40 Hz: drifts and the
        60 Hz mains out).
    resample : float | None
        New sampling rate in Hz.
    baseline : tuple | None
        MNE baseline interval; ``None``: no baseline correction.
    rest : bool
        Also keep the ``T0`` rest periods as class ``"rest"``.
    atlas : str | Atlas
        Atlas of the parcels.
    method : {"eloreta", "dspm", "sloreta", "mne", "sensor"} | None
        Projection onto the parcels (see :func:`s2decode.io.eeg.epochs_to_trials`);
        ``None`` keeps the 64 channels.
    %(projector)s
    orientation : {"data", "kernel"}
        Parcel orientation of a source projection (fitted on all the subject's trials,
        without labels).
    dtype : numpy dtype | None
        Data type of the values (``None``: float64).
    %(verbose)s

    Returns
    -------
    trials : xarray.DataArray
        ``(trial, parcel, time)`` (or ``channel``), ``y`` the class names, ``group`` and
        ``run`` the run number, ``onset`` the cue time in its run (s).

    Raises
    ------
    DatasetNotFoundError
        If a run file is missing (the message says how to fetch it).
    """
    import mne

    from ..io.eeg import epochs_from_raw, epochs_to_trials, read_raw, set_montage

    subject, runs, path = _subject_runs(data_dir, subject, runs, task, classes)
    parts = []
    for run in runs:
        fname = path / run_file(subject, run)
        raw = read_raw(fname, montage=None, verbose=verbose)
        mne.datasets.eegbci.standardize(raw)
        set_montage(raw, "auto", verbose=verbose)
        epochs = epochs_from_raw(
            raw,
            _event_names(run, rest),
            tmin,
            tmax,
            l_freq=l_freq,
            h_freq=h_freq,
            resample=resample,
            baseline=baseline,
            picks="eeg",
            verbose=verbose,
        )
        epochs.metadata["run"] = run
        recode_events(epochs, EVENT_CODES)
        parts.append(epochs)
    return epochs_to_trials(
        concatenate_epochs(parts, verbose=verbose),
        method=method,
        atlas=atlas,
        projector=projector,
        orientation=orientation,
        group="run",
        trial_coords=("run",),
        dtype=dtype,
        source=f"{NAME}: {path} runs {runs}",
    )


def present(data_dir: str | os.PathLike | None = None) -> bool:
    """Whether the data directory holds all task runs (3-14) of at least one subject."""
    root = get_data_dir(data_dir) / "eeg"
    if not root.is_dir():
        return False
    for sub in root.glob("eegbci_S[0-9][0-9][0-9]"):
        subject = int(sub.name[-3:])
        if 1 <= subject <= 109 and all((sub / run_file(subject, r)).is_file() for r in RUNS):
            return True
    return False


@fill_doc
def fetch(
    data_dir: str | os.PathLike | None = None,
    subject: int = 1,
    runs: Sequence[int] | None = None,
) -> Path:
    """Download a subject's runs from PhysioNet into ``<data_dir>/eeg/eegbci_S{N:03d}``.

    Uses :func:`mne.datasets.eegbci.load_data`, which checks every file against the SHA256
    sums MNE ships (``mne/data/eegbci_checksums.txt``). Files already present are kept.

    Parameters
    ----------
    %(data_dir)s.
    subject : int
        Subject 1..109.
    runs : sequence of int | None
        Runs to fetch (``None``: the task runs 3..14).

    Returns
    -------
    path : pathlib.Path
        The subject's folder.
    """
    from mne.datasets import eegbci as mne_eegbci

    subject = _check_subject(subject)
    runs = sorted(RUNS) if runs is None else select_runs(runs)
    root = get_data_dir(data_dir)
    target = root / folder(subject)
    todo = [r for r in runs if not (target / run_file(subject, r)).is_file()]
    if not todo:
        return target
    page = "https://physionet.org/content/eegmmidb/1.0.0/"
    with staged_download(NAME, target, page) as stage:
        # MNE's own layout (MNE-eegbci-data/files/...) in the stage; the EDF files alone move
        paths = mne_eegbci.load_data(subject, todo, path=stage / ".mne", update_path=False)
        for src in map(Path, paths):
            os.replace(src, stage / src.name)
        shutil.rmtree(stage / ".mne")
    return target


#: Where :func:`mne.datasets.eegbci.load_data` (and MOABB's ``PhysionetMI``) keep a run,
#: below the folder ``MNE_DATASETS_EEGBCI_PATH`` names.
MNE_LAYOUT = "MNE-eegbci-data/files/eegmmidb/1.0.0/S{subject:03d}/S{subject:03d}R{run:02d}.edf"


def link_mne_layout(
    target: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    subjects: Sequence[int] | None = None,
) -> Path:
    """Show the runs of the data directory to MNE and MOABB where they look for them.

    :func:`mne.datasets.eegbci.load_data` and MOABB's ``PhysionetMI`` read the files from
    ``<path>/MNE-eegbci-data/files/eegmmidb/1.0.0/S001/S001R04.edf`` (:data:`MNE_LAYOUT`),
    ``path`` being the ``MNE_DATASETS_EEGBCI_PATH`` setting, and download what is missing
    there. This links every run the data directory holds into that layout under
    ``target`` (symbolic links; copies where links cannot be made), so that with
    ``MNE_DATASETS_EEGBCI_PATH=target`` both read them offline. Runs absent here (the
    baselines 1 and 2 of the shared recordings) are not linked: reading them would
    download them.

    Parameters
    ----------
    target : path-like
        Folder to link into (created), e.g. a temporary folder.
    data_dir : path-like | None
        Data directory (``None``: ``S2DECODE_DATA``).
    subjects : sequence of int | None
        Subjects to link (``None``: every subject whose folder the data directory has).

    Returns
    -------
    target : pathlib.Path
        The folder to set as ``MNE_DATASETS_EEGBCI_PATH`` (an environment variable or
        :func:`mne.set_config`).

    Raises
    ------
    DatasetNotFoundError
        Where a subject's folder is absent, or the data directory has no eegbci subject.

    Examples
    --------
    With the eegbci recordings in the data directory (not there in a fresh install, hence
    skipped by the docstring tests; ``benchmarks/moabb_physionet.py`` uses it):

    >>> import os, tempfile
    >>> from s2decode.datasets.eegbci import link_mne_layout
    >>> path = link_mne_layout(tempfile.mkdtemp())                      # doctest: +SKIP
    >>> os.environ["MNE_DATASETS_EEGBCI_PATH"] = str(path)              # doctest: +SKIP
    """
    subjects = present_subjects(data_dir) if subjects is None else list(subjects)
    if not subjects:
        raise DatasetNotFoundError(
            f"Dataset {NAME!r}: the data directory {get_data_dir(data_dir)} has no subject "
            f"folder eeg/eegbci_S###. Download one with s2decode.datasets.fetch({NAME!r}, "
            "subject=1)."
        )
    target = Path(target)
    for subject in subjects:
        source = dataset_path(NAME, folder(subject), data_dir)
        for run in range(1, 15):
            fname = source / run_file(subject, run)
            if not fname.is_file():
                continue
            dest = target / MNE_LAYOUT.format(subject=subject, run=run)
            if dest.exists():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.symlink(fname.resolve(), dest)
            except OSError:  # no symbolic links on this file system
                shutil.copyfile(fname, dest)
    return target


@options_check
def check_options(**options) -> list[tuple[str, str]]:
    from ._describe import (
        choice_problem,
        collect,
        number_problem,
        order_problem,
        projection_problems,
    )

    problems: list[tuple[str, str]] = []
    if "subject" in options:
        collect(
            problems, "subject", number_problem(options["subject"], integer=True, low=1, high=109)
        )
    task, classes = options.get("task"), options.get("classes")
    collect(problems, "task", choice_problem(task, TASKS, none=True))
    collect(problems, "classes", choice_problem(classes, tuple(CLASSES), none=True))
    runs = options.get("runs")
    if runs is not None:
        listed = [runs] if isinstance(runs, int) else runs
        if (
            not isinstance(listed, list | tuple)
            or not listed
            or not all(isinstance(r, int) and not isinstance(r, bool) and r in RUNS for r in listed)
        ):
            problems.append(
                (
                    "runs",
                    f"{runs!r} is not allowed; give task runs in 3..14 (1 and 2 are baselines "
                    "without cues), or null for the three runs of task and classes",
                )
            )
        elif not problems:
            try:
                select_runs(runs, task, classes)
            except (TypeError, ValueError) as err:  # runs that contradict task/classes
                problems.append(("runs", str(err).rstrip(".")))
    for key in ("tmin", "tmax"):
        if key in options:
            collect(problems, key, number_problem(options[key]))
    for key in ("l_freq", "h_freq", "resample"):
        if key in options:
            collect(problems, key, number_problem(options[key], low=0, low_open=True, none=True))
    order_problem(problems, options, "tmin", "tmax", (0.0, 4.0), after="after")
    order_problem(problems, options, "l_freq", "h_freq", (1.0, 40.0))
    if "rest" in options and not isinstance(options["rest"], bool):
        problems.append(("rest", f"{options['rest']!r} is not allowed; give true or false"))
    projection_problems(problems, options)
    baseline = options.get("baseline")
    if baseline is not None and not (
        isinstance(baseline, list | tuple)
        and len(baseline) == 2
        and all(b is None or number_problem(b) is None for b in baseline)
    ):
        problems.append(
            ("baseline", f"{baseline!r} is not allowed; give [start, stop] in s (null: an end)")
        )
    return problems


@describe_doc
def describe(data_dir: str | os.PathLike | None = None, **options) -> dict:
    """What :func:`load` would return with these options, from the EDF headers and
    annotations of the runs (no signal is read; well under a second).

    %(parameters)s

    Returns
    -------
    description : dict
        See :func:`s2decode.datasets.describe`. ``n_trials`` counts the cues whose window
        lies inside its run, an upper bound (MNE may still drop an epoch);
        ``recording_sfreq`` is the rate the band-pass sees (before ``resample``);
        ``n_nodes`` is the EEG channels with ``method=None``, else ``None`` (the atlas is
        not read).

    Raises
    ------
    DatasetNotFoundError
        If a run file is missing.
    ValueError
        If the runs have different sampling rates.
    """
    import mne

    from ._describe import description, load_arguments, mne_epoch_times, resampled_length

    o = load_arguments(load, data_dir, options)
    subject, runs, path = _subject_runs(o.data_dir, o.subject, o.runs, o.task, o.classes)
    rates, counts, n_eeg = set(), {}, None
    for run in runs:
        raw = mne.io.read_raw_edf(path / run_file(subject, run), preload=False, verbose=False)
        sfreq = float(raw.info["sfreq"])
        rates.add(sfreq)
        n_eeg = len(mne.pick_types(raw.info, eeg=True, exclude="bads"))
        names = _event_names(run, o.rest)
        last = (raw.n_times - 1) / sfreq
        tol = 1.0 / sfreq
        for onset, desc in zip(raw.annotations.onset, raw.annotations.description, strict=True):
            inside = onset + o.tmin >= -tol and onset + o.tmax <= last + tol
            if desc in names and inside:
                counts[names[desc]] = counts.get(names[desc], 0) + 1
    if len(rates) > 1:
        raise ValueError(
            f"Dataset {NAME!r}: the runs {runs} of {path} have sampling rates {rates}."
        )
    sfreq = rates.pop()
    start, n_times = mne_epoch_times(o.tmin, o.tmax, sfreq)
    out_sfreq = sfreq
    if o.resample is not None:
        n_times, out_sfreq = resampled_length(n_times, sfreq, o.resample), float(o.resample)
    return description(
        NAME,
        measure="continuous",
        sfreq=out_sfreq,
        recording_sfreq=sfreq,
        n_times=n_times,
        classes=counts,
        tmin=start,
        n_trials_exact=False,
        n_groups=len(runs),
        l_freq=o.l_freq,
        h_freq=o.h_freq,
        n_nodes=n_eeg if o.method is None and o.projector is None else None,
        source=f"{path} runs {runs}",
    )

"""Any BIDS EEG, MEG or iEEG dataset as trials, through MNE-BIDS.

`BIDS <https://bids.neuroimaging.io>`_ datasets (OpenNeuro's, or a folder written with
:func:`mne_bids.write_raw_bids`) are read with :func:`mne_bids.read_raw_bids`: channel
types, bad channels, electrode positions and the events of each recording's
``*_events.tsv`` come from the dataset's sidecar files. Each recording is then cut into
epochs around its events (:func:`s2decode.io.eeg.epochs_from_raw`) and the epochs of all
the recordings asked for become one trials DataArray (:mod:`s2decode.trials`), on the
sensors or, for EEG, projected onto the parcels of an atlas
(:func:`s2decode.io.eeg.epochs_to_trials`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..atlas.atlases import Atlas
from ._base import DatasetNotFoundError, concatenate_epochs, recode_events

#: The BIDS datatypes read (the folder and the file suffix of a recording).
DATATYPES = ("eeg", "meg", "ieeg")
#: The recording files a BIDS dataset may hold, by extension (one file per recording:
#: BrainVision's ``.vhdr`` stands for its ``.eeg`` and ``.vmrk``, EEGLAB's ``.set`` for
#: its ``.fdt``).
EXTENSIONS = (".edf", ".bdf", ".vhdr", ".set", ".fif", ".ds", ".con", ".sqd", ".pdf", ".mefd")
#: How trials are grouped for cross-validation (the ``group`` coordinate).
GROUPS = ("auto", "subject", "session", "run")


def load_bids(
    root: str | os.PathLike,
    subject: str | int | Sequence[str | int] | None = None,
    task: str | None = None,
    session: str | int | Sequence[str | int] | None = None,
    *,
    run: str | int | Sequence[str | int] | None = None,
    datatype: str | None = None,
    events: Mapping[str, str | int] | Sequence[str] | None = None,
    tmin: float = 0.0,
    tmax: float = 1.0,
    l_freq: float | None = None,
    h_freq: float | None = None,
    resample: float | None = None,
    baseline: tuple[float | None, float | None] | None = None,
    picks: str | Sequence[str] = "data",
    method: str | None = None,
    atlas: str | Atlas = "seitzman300",
    projector=None,
    orientation: str = "data",
    group: str = "auto",
    dtype=None,
    progress: bool | None = None,
    verbose: bool | str | None = False,
) -> xr.DataArray:
    """Load the trials of a BIDS EEG, MEG or iEEG dataset.

    Parameters
    ----------
    root : path-like
        The dataset's root folder (the one with ``dataset_description.json`` and the
        ``sub-*`` folders).
    subject : str | int | sequence | None
        Subject label(s) as in the folder names (``"01"`` for ``sub-01``); an integer
        matches the label of that number (``1`` matches ``"01"`` and ``"001"``).
        ``None``: every subject.
    task : str | None
        The task label (``task-<label>`` in the file names). ``None`` where the dataset
        has one task; with several, they are listed in the error.
    session : str | int | sequence | None
        Session label(s); ``None``: every session (or a dataset without sessions).
    run : str | int | sequence | None
        Run label(s); ``None``: every run.
    datatype : {"eeg", "meg", "ieeg"} | None
        Which recordings; ``None`` where the selection holds one datatype.
    events : mapping | sequence | None
        Which events (the ``trial_type`` of the ``*_events.tsv`` files, which MNE-BIDS
        reads as annotations) become trials, and their class names (``y``):

        - ``None``: every event type (``BAD``/``EDGE`` annotations excepted);
        - a sequence of event types: those, named as they are;
        - a mapping event type -> class name (``{"T1": "left", "T2": "right"}``; several
          types may share a class).

        See :func:`s2decode.io.eeg.find_events` for stim channels.
    tmin, tmax : float
        Trial window in seconds around each event (both included, as in MNE).
    l_freq, h_freq : float | None
        Band-pass in Hz applied to each continuous recording (``None``: that side open).
    resample : float | None
        New sampling rate in Hz.
    baseline : tuple | None
        MNE baseline interval; ``None``: no baseline correction.
    picks : str | sequence of str
        Channels to keep (MNE picks; ``"data"``: the EEG/MEG/iEEG channels). Bad channels
        (``channels.tsv``) are dropped; where recordings keep different channels, the
        channels they all have are kept, with a warning. The trials carry the first
        recording's sensor positions.
    method : {"eloreta", "dspm", "sloreta", "mne", "sensor"} | None
        ``None`` (default) keeps the sensors (node ``"channel"``); a projection onto the
        parcels of ``atlas`` models EEG only (see
        :func:`s2decode.io.eeg.epochs_to_trials`). EEG channels without positions in the
        dataset get the standard 10-05 positions of their names.
    atlas : str | Atlas
        Atlas of the parcels (with ``method``).
    projector : SourceProjector | SensorDistanceProjector | None
        A projector fitted before, reused; overrides ``method`` and ``atlas``.
    orientation : {"data", "kernel"}
        Parcel orientation of a source projection (with several subjects, learned for
        each subject apart, without labels).
    group : {"auto", "subject", "session", "run"}
        The ``group`` coordinate (cross-validation groups): ``"auto"`` is the subject with
        several subjects, else the session with several sessions, else the run.
    dtype : numpy dtype | None
        Data type of the values (``None``: float64).
    progress : bool | None
        A progress bar over the recordings (tqdm, on stderr); ``None``: where there are
        more than 5.
    verbose : bool | str | None
        MNE's and MNE-BIDS's verbosity.

    Returns
    -------
    trials : xarray.DataArray
        ``(trial, channel | parcel, time)``; on ``trial``: ``y`` (class names), ``group``,
        ``onset`` (s from the start of the recording), ``subject``, ``session``, ``run``
        (BIDS labels, ``""`` where the dataset has no such entity); attrs as
        :func:`s2decode.io.eeg.epochs_to_trials` (``modality`` ``"eeg"`` for EEG and
        iEEG, ``"meg"`` for MEG), ``source`` naming the root and the selection.

    Raises
    ------
    DatasetNotFoundError
        Where ``root`` does not exist or holds no subject folder.
    ValueError
        Where a subject, task, session, run or datatype is not in the dataset (the message
        lists those it has), the selection holds no recording, or a recording lacks the
        events asked for (the message lists its events).

    Examples
    --------
    A BIDS folder of your own, here OpenNeuro's ds003061 (not on this machine, hence skipped
    by the docstring tests; ``tests/test_datasets_bids.py`` writes and reads BIDS folders):

    >>> from s2decode.datasets import load_bids
    >>> trials = load_bids("ds003061", subject="001", task="P300",              # doctest: +SKIP
    ...                    events={"standard": "standard", "oddball": "oddball"},
    ...                    tmin=-0.1, tmax=0.6, l_freq=0.5, h_freq=30)
    """
    import mne_bids

    from ..io.eeg import epochs_from_raw, epochs_to_trials, set_montage

    root = _check_root(root)
    if group not in GROUPS:
        raise ValueError(f"`group` must be one of {GROUPS}, got {group!r}.")
    # one selection, the keywords of the query and the words of the messages
    query = {
        "subjects": _select(root, "subject", subject),
        "sessions": _select(root, "session", session, optional=True),
        "tasks": _select(root, "task", None if task is None else [task], one=True),
        "runs": _select(root, "run", run, optional=True),
        "datatypes": _datatypes(datatype),
    }
    datatypes = query["datatypes"]
    paths = mne_bids.find_matching_paths(
        root, **query, suffixes=datatypes, extensions=list(EXTENSIONS)
    )
    paths = sorted(
        (p for p in paths if p.split in (None, "01")),  # MNE reads a split FIF's parts itself
        key=lambda p: (p.subject, p.session or "", _run_key(p.run), str(p.fpath)),
    )
    selection = _selection_text(query)
    if not paths:
        raise ValueError(
            f"The BIDS dataset {root} has no {'/'.join(datatypes)} recording of {selection} "
            f"(looked for {', '.join(EXTENSIONS)} files). "
            f"{_entities_text(root)}"
        )
    found = {p.datatype for p in paths}
    if len(found) > 1:
        raise ValueError(
            f"The BIDS dataset {root} has recordings of several datatypes for {selection}: "
            f"{sorted(found)}. Choose one with datatype=..."
        )

    from tqdm.auto import tqdm

    show = len(paths) > 5 if progress is None else bool(progress)
    parts, labels = [], []
    for path in tqdm(paths, desc="BIDS recordings", unit="recording", disable=not show):
        with warnings.catch_warnings():
            # MNE-BIDS's notes on optional sidecar fields are not the user's concern here
            warnings.filterwarnings("ignore", module="mne_bids")
            raw = mne_bids.read_raw_bids(path, verbose=verbose)
        set_montage(raw, "auto", verbose=verbose)  # EEG without positions: standard ones
        try:
            epochs = epochs_from_raw(
                raw,
                events,
                tmin,
                tmax,
                l_freq=l_freq,
                h_freq=h_freq,
                resample=resample,
                baseline=baseline,
                picks=picks,
                verbose=verbose,
            )
        except ValueError as err:
            raise ValueError(f"BIDS recording {path.fpath}: {err}") from err
        for key, value in (
            ("subject", path.subject),
            ("session", path.session),
            ("run", path.run),
            ("task", path.task),
        ):
            epochs.metadata[key] = value or ""
        parts.append(epochs)
        labels.extend(epochs.event_id)
    classes = _class_order(events, labels)
    epochs = _concatenate(parts, classes, verbose)

    n_subjects = len(set(epochs.metadata["subject"]))
    if group == "auto":
        if n_subjects > 1:
            group = "subject"
        elif len(set(epochs.metadata["session"])) > 1:
            group = "session"
        else:
            group = "run"
    trials = epochs_to_trials(
        epochs,
        method=method,
        atlas=atlas,
        projector=projector,
        orientation=orientation,
        orient_by="subject" if n_subjects > 1 else None,
        group=group,
        trial_coords=("subject", "session", "run"),
        dtype=dtype,
        source=f"bids: {root} {selection}, {len(paths)} recording(s)",
    )
    # BIDS labels as plain strings (the metadata's columns may be pandas' string type)
    return trials.assign_coords(
        {key: ("trial", np.asarray(trials[key].values).astype(str))
         for key in ("group", "subject", "session", "run")}
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# selection


def _check_root(root: str | os.PathLike) -> Path:
    path = Path(root).expanduser()
    if not path.is_dir():
        raise DatasetNotFoundError(
            f"BIDS root not found: {path} is not a folder. Give the folder that holds the "
            "dataset's dataset_description.json and its sub-* folders."
        )
    if not any(p.is_dir() for p in path.glob("sub-*")):
        raise DatasetNotFoundError(
            f"{path} holds no sub-* folder, so it is no BIDS root. Give the folder that holds "
            "the dataset's dataset_description.json and its sub-* folders."
        )
    return path


def _entity_values(root: Path, entity: str) -> list[str]:
    import mne_bids

    return list(mne_bids.get_entity_vals(root, entity))  # without the empty-room "subject"


def _select(
    root: Path,
    entity: str,
    wanted: Any,
    *,
    optional: bool = False,
    one: bool = False,
) -> list[str] | None:
    """The labels of ``entity`` to read: those asked for, checked against the dataset's.

    ``None`` asked: every label (``None`` for an optional entity the dataset lacks, and for
    any optional entity: MNE-BIDS then matches all). ``one``: the dataset must have exactly
    one label when none is asked for (the task).
    """
    have = _entity_values(root, entity)
    if wanted is None:
        if one and len(have) > 1:
            raise ValueError(
                f"The BIDS dataset {root} has several {entity}s: {', '.join(have)}. Choose "
                f"one with {entity}=..."
            )
        if optional:
            return None
        if not have:
            raise DatasetNotFoundError(f"The BIDS dataset {root} has no {entity} label.")
        return have
    asked = [wanted] if isinstance(wanted, str | int | np.integer) else list(wanted)
    labels = []
    for item in asked:
        label = _match_label(item, have)
        if label is None and not have:
            raise ValueError(
                f"The BIDS dataset {root} has no {entity} label at all (asked for {item!r}); "
                f"leave {entity}=None."
            )
        if label is None:
            listed = ", ".join(have)
            raise ValueError(
                f"The BIDS dataset {root} has no {entity} {item!r}; its {entity}s: {listed}. "
                f"Give {entity}= one of them"
                f"{' (or None for all)' if entity != 'task' else ''}."
            )
        labels.append(label)
    return list(dict.fromkeys(labels))


def _match_label(item: Any, have: Sequence[str]) -> str | None:
    """The dataset's label for ``item``: the same string, or the label of that number."""
    if isinstance(item, bool):
        return None
    if isinstance(item, int | np.integer):
        numbered = [h for h in have if h.isdigit() and int(h) == int(item)]
        return numbered[0] if len(numbered) == 1 else None
    text = str(item)
    for prefix in ("sub-", "ses-", "task-", "run-"):
        if text.startswith(prefix) and text not in have:
            text = text[len(prefix) :]
    return text if text in have else None


def _datatypes(datatype: str | None) -> list[str]:
    if datatype is None:
        return list(DATATYPES)
    if datatype not in DATATYPES:
        raise ValueError(f"`datatype` must be one of {DATATYPES} or None, got {datatype!r}.")
    return [datatype]


def _run_key(run: str | None) -> tuple[int, str]:
    """Runs in numeric order (run 2 before run 10)."""
    if run is None:
        return (-1, "")
    return (int(run), run) if run.isdigit() else (10**9, run)


def _selection_text(query: Mapping[str, list[str] | None]) -> str:
    """The subjects, tasks, sessions and runs a query selects (``None``: every one)."""
    parts = []
    for entity in ("subject", "task", "session", "run"):
        values = query[f"{entity}s"]
        parts.append(f"{entity} {', '.join(values)}" if values else f"every {entity}")
    return "; ".join(parts)


def _entities_text(root: Path) -> str:
    """What the dataset has, for messages."""
    out = []
    for entity in ("subject", "session", "task", "run"):
        values = _entity_values(root, entity)
        if values:
            out.append(f"{entity}s: {', '.join(values)}")
    dts = sorted({p.name for p in root.glob("sub-*/**/*") if p.is_dir() and p.name in DATATYPES})
    out.append(f"datatypes: {', '.join(dts) or 'none'}")
    return f"It has {'; '.join(out)}."


# ---------------------------------------------------------------------------------------
# one set of epochs


def _class_order(events: Any, labels: Sequence[str]) -> list[str]:
    """Class names in the order ``events`` names them, else sorted."""
    if isinstance(events, Mapping):
        named = [v for v in events.values() if isinstance(v, str)]
        named += [k for k, v in events.items() if not isinstance(v, str)]
        order = list(dict.fromkeys(named))
    elif events is not None and not isinstance(events, str | bytes):
        order = [str(e) for e in events]
    else:
        order = sorted(set(labels))
    return [c for c in order if c in set(labels)] + sorted(set(labels) - set(order))


def _concatenate(parts: list, classes: list[str], verbose) -> Any:
    """The recordings' epochs as one, each class one event code, on the channels all share."""
    codes = {name: i + 1 for i, name in enumerate(classes)}
    common = [ch for ch in parts[0].ch_names if all(ch in p.ch_names for p in parts[1:])]
    if not common:
        raise ValueError("The recordings share no channel; read them one at a time.")
    dropped = sorted({ch for p in parts for ch in p.ch_names} - set(common))
    if dropped:
        warnings.warn(
            f"The recordings keep different channels (bad channels differ, say); the "
            f"{len(common)} they share are kept and {dropped} dropped. Give picks=... to "
            "choose.",
            RuntimeWarning,
            stacklevel=3,
        )
    rates = {float(p.info["sfreq"]) for p in parts}
    if len(rates) > 1:
        raise ValueError(
            f"The recordings have different sampling rates {sorted(rates)} Hz; give "
            "resample=... to bring them to one."
        )
    out = []
    for epochs in parts:
        epochs = epochs.copy().pick(common) if epochs.ch_names != common else epochs
        recode_events(epochs, codes)
        out.append(epochs)
    # the first recording's info (its sensor positions) stands for all
    return concatenate_epochs(out, on_mismatch="ignore", verbose=verbose)

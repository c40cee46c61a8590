"""EEG / MEG recordings through MNE: read, find events, epoch, and turn into trials.

The way through::

    read_raw(fname)                      anything MNE reads (EDF/BDF/GDF/FIF/BrainVision/
                                         EEGLAB/...), channel names matched to a standard
                                         montage, positions set where the file has none
      -> epochs_from_raw(raw, event_id)  events from annotations, else a stim channel;
         or windows_from_raw(raw, ...)   fixed-length windows (resting-state recordings)
                                         filtering / resampling as options
      -> epochs_to_trials(epochs, ...)   the s2decode data model (s2decode.trials): sensors
                                         (node "channel") or parcels of an atlas through a
                                         source model (eLORETA, dSPM, ...) or a sensor-
                                         distance projection (s2decode.atlas.projection)

Every function works on MNE objects, so any MNE step (ICA, re-referencing, annotations of
bad segments) fits between them.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..atlas.atlases import Atlas
from ..atlas.projection import (
    INVERSE_METHODS,
    PROJECTION_METHODS,
    SensorDistanceProjector,
    SourceProjector,
    default_montage,
    head_to_mni,
    make_projector,
    sensor_covariance,
    sensor_positions,
)
from ..errors import DataFileError, InvalidInputError
from ..trials import make_trials

#: File types named in error messages (MNE reads more: see :func:`mne.io.read_raw`).
COMMON_EXTENSIONS = (
    ".edf",
    ".bdf",
    ".gdf",
    ".fif",
    ".fif.gz",
    ".vhdr",
    ".set",
    ".cnt",
    ".mff",
    ".ds",
    ".sqd",
    ".con",
)

# channel-name decorations of EDF/EEG exports: "EEG F3", "Fc5.", "F3-REF", "EEG Fp1-LE"
_PREFIX = re.compile(r"^(EEG|EOG|ECG|EMG)[\s_:-]+", re.IGNORECASE)
_SUFFIX = re.compile(r"([-_ ](REF|LE|AR|A1|A2|M1|M2|AVG|CAR))$|\.+$", re.IGNORECASE)
_TYPE_PREFIXES = {"ECG": "ecg", "EKG": "ecg", "EOG": "eog", "EMG": "emg", "RESP": "resp"}
_REFERENCES = {"A1", "A2", "M1", "M2"}
#: Old 10-20 names -> their 10-10 positions (American Clinical Neurophysiology Society
#: guideline 2, 2016). MNE's own alias table sends T5/T6 to T9/T10, which are lower.
LEGACY_1020 = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8", "M1": "TP9", "M2": "TP10"}


# ---------------------------------------------------------------------------------------
# reading


def read_raw(
    fname: str | os.PathLike,
    *,
    preload: bool = True,
    montage: Any = "auto",
    match_names: bool = True,
    verbose: bool | str | None = False,
    **kwargs: Any,
):
    """Read an EEG/MEG recording with MNE and give its EEG channels positions.

    Parameters
    ----------
    fname : path-like
        The recording: any format :func:`mne.io.read_raw` reads (EDF, BDF, GDF, FIF,
        BrainVision ``.vhdr``, EEGLAB ``.set``, CNT, EGI ``.mff``, CTF ``.ds``, ...).
    preload : bool
        Load the data into memory (needed for filtering).
    montage : "auto" | str | mne.channels.DigMontage | None
        ``"auto"`` sets the standard 10-05 montage on the fsaverage head
        (:func:`s2decode.atlas.projection.default_montage`) when no EEG channel has a
        position, and keeps the file's positions otherwise; a montage name or a
        :class:`~mne.channels.DigMontage` is always set; ``None`` leaves the positions as
        they are.
    match_names : bool
        Rename channels to the montage's names where they match after removing
        export decorations (``"EEG F3"``, ``"Fc5."``, ``"F3-REF"`` -> ``"F3"``, ``"FC5"``),
        and type channels named ``ECG ...``/``EOG ...``/``EMG ...`` accordingly.
    verbose : bool | str | None
        MNE's verbosity.
    **kwargs
        Passed to the MNE reader.

    Returns
    -------
    raw : mne.io.Raw
        The recording. EEG channels the montage does not know keep no position (they are
        left out of parcel projections).

    Raises
    ------
    FileNotFoundError
        If ``fname`` does not exist.
    ValueError
        If the format is not one MNE reads, or MNE fails on the file (the message names
        the file and MNE's reason).
    """
    import mne

    path = Path(fname).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"EEG/MEG recording not found: {path}")
    try:
        raw = mne.io.read_raw(path, preload=preload, verbose=verbose, **kwargs)
    except ValueError as err:
        if "Unsupported file type" in str(err):
            raise DataFileError(
                f"Cannot read {path}: {''.join(path.suffixes) or 'no extension'} is not a "
                f"format MNE reads. Supported are, among others: {', '.join(COMMON_EXTENSIONS)}"
                " (see mne.io.read_raw)."
            ) from None
        raise DataFileError(
            f"MNE could not read {path}: {str(err).rstrip('.')}. Is it a complete, valid "
            "recording of its format? Download or export it again."
        ) from err
    except Exception as err:
        raise DataFileError(
            f"MNE could not read {path} ({type(err).__name__}: {err}). Is it a complete, "
            "valid recording of its format? Download or export it again."
        ) from err
    if montage is not None:
        set_montage(raw, montage, match_names=match_names, verbose=verbose)
    return raw


def clean_channel_name(name: str) -> str:
    """Strip export decorations from a channel name (``"EEG Fp1-REF"`` -> ``"Fp1"``).

    A derivation between reference electrodes (``"EEG A2-A1"``) keeps its suffix: it is
    not the electrode ``A2``.
    """
    base = _PREFIX.sub("", name.strip()).strip()
    stripped = _SUFFIX.sub("", base).strip()
    if stripped.upper() in _REFERENCES and stripped != base.rstrip("."):
        return base
    return stripped or name


def set_montage(
    inst: Any,
    montage: Any = "auto",
    *,
    match_names: bool = True,
    verbose: bool | str | None = False,
):
    """Set EEG channel positions from a montage, matching decorated channel names.

    Parameters
    ----------
    inst : mne.io.Raw | mne.Epochs | mne.Evoked
        Modified in place.
    montage : "auto" | str | mne.channels.DigMontage
        See :func:`read_raw`.
    match_names : bool
        See :func:`read_raw`.
    verbose : bool | str | None
        MNE's verbosity.

    Returns
    -------
    inst : same type
        The same object.
    """
    import mne

    eeg = mne.pick_types(inst.info, meg=False, eeg=True, exclude=())
    if isinstance(montage, str) and montage == "auto":
        if len(eeg) == 0 or np.any(np.isfinite(sensor_positions(inst.info, eeg)[:, 0])):
            return inst  # nothing to place, or the file has its own positions
        montage = default_montage()
    if isinstance(montage, str):
        montage = mne.channels.make_standard_montage(montage)
    if match_names:
        _match_channel_names(inst, montage.ch_names)
    inst.set_montage(
        montage,
        match_case=False,
        match_alias=_legacy_aliases(montage.ch_names),
        on_missing="ignore",
        verbose=verbose,
    )
    eeg = mne.pick_types(inst.info, meg=False, eeg=True, exclude=())  # types may have changed
    unplaced = [
        inst.ch_names[i] for i in eeg if not np.all(np.isfinite(sensor_positions(inst.info, [i])))
    ]
    if unplaced:
        warnings.warn(
            f"The montage has no position for the EEG channels {unplaced}; they are left out "
            "of projections onto parcels (rename them, or set their type with "
            "raw.set_channel_types, to silence this).",
            RuntimeWarning,
            stacklevel=2,
        )
    return inst


def _legacy_aliases(montage_names: Sequence[str]) -> dict[str, str]:
    """The old 10-20 names a montage lacks, mapped to the 10-10 names it has."""
    have = {n.lower() for n in montage_names}
    return {
        old: new
        for old, new in LEGACY_1020.items()
        if old.lower() not in have and new.lower() in have
    }


def _match_channel_names(inst: Any, montage_names: Sequence[str]) -> None:
    """Rename channels to montage names and type ECG/EOG/EMG channels by their prefix."""
    lookup = {n.lower(): n for n in montage_names}
    # old 10-20 names keep their name and get the 10-10 position (see LEGACY_1020)
    lookup.update({old.lower(): old for old in _legacy_aliases(montage_names)})
    existing = set(inst.ch_names)
    rename, types = {}, {}
    for name, ch_type in zip(inst.ch_names, inst.get_channel_types(), strict=True):
        prefix = re.split(r"[\s_:-]", name.strip(), maxsplit=1)[0].upper()
        if ch_type == "eeg" and prefix in _TYPE_PREFIXES:
            types[name] = _TYPE_PREFIXES[prefix]
            continue
        if name.lower() in lookup:
            target = lookup[name.lower()]
        else:
            target = lookup.get(clean_channel_name(name).lower())
        if target is not None and target != name and target not in existing:
            rename[name] = target
            existing.add(target)
    if types:
        inst.set_channel_types(types, on_unit_change="ignore", verbose=False)
    if rename:
        inst.rename_channels(rename, verbose=False)


# ---------------------------------------------------------------------------------------
# events and epochs


def _annotation_descriptions(raw: Any) -> list[str]:
    """Annotation descriptions that can be events (not BAD_... / EDGE ... segments)."""
    descs = {str(d) for d in raw.annotations.description}
    return sorted(d for d in descs if not re.match(r"^(bad|edge)", d, re.IGNORECASE))


def _describe(raw: Any) -> str:
    """Where a raw came from, for messages."""
    names = [str(f) for f in (getattr(raw, "filenames", None) or []) if f]
    return names[0] if names else "the recording"


def find_events(
    raw: Any,
    event_id: Mapping[str, str | int] | Sequence[str | int] | None = None,
    *,
    stim_channel: str | Sequence[str] | None = None,
) -> tuple[np.ndarray, dict[str, int]]:
    """Events of a recording, from its annotations, else from its stim channel(s).

    Parameters
    ----------
    raw : mne.io.Raw
        The recording.
    event_id : mapping | sequence | None
        Which events, and their class names:

        - ``None``: all annotation descriptions (except ``BAD``/``EDGE`` segments), or all
          codes of the stim channel (named ``"1"``, ``"2"``, ...);
        - a sequence of descriptions (or stim codes): those, named as they are;
        - a mapping description -> class name (``{"T1": "left", "T2": "right"}``; several
          descriptions may share a class);
        - a mapping class name -> stim code (MNE's ``event_id``), or class name -> code
          where the name is an annotation description.
    stim_channel : str | sequence of str | None
        Stim channel(s) to read when the recording has no annotations; ``None`` lets MNE
        pick (:func:`mne.find_events`).

    Returns
    -------
    events : ndarray of int, shape (n_events, 3)
        MNE events (sample, previous value, class code), sorted by time.
    event_id : dict of str -> int
        Class name -> code, in the order classes were named.

    Raises
    ------
    ValueError
        If the recording has no events, or none of those asked for; the message lists the
        annotations and stim channels found.
    """
    import mne

    descs = _annotation_descriptions(raw)
    stim_names = [raw.ch_names[i] for i in mne.pick_types(raw.info, stim=True, exclude=())]
    found = (
        f"annotations: {descs or 'none'}; stim channels: {stim_names or 'none'}"
        f"{'' if stim_channel is None else f' (asked for {stim_channel!r})'}"
    )
    if descs:
        events, keys = mne.events_from_annotations(raw, verbose=False)
    elif stim_names or stim_channel is not None:
        try:
            events = mne.find_events(
                raw, stim_channel=stim_channel, shortest_event=1, initial_event=True, verbose=False
            )
        except ValueError as err:
            raise InvalidInputError(
                f"No events found in {_describe(raw)} ({found}): {err}"
            ) from err
        keys = {str(code): int(code) for code in np.unique(events[:, 2])}
    else:
        events, keys = np.zeros((0, 3), int), {}
    if len(events) == 0:
        raise InvalidInputError(
            f"No events found in {_describe(raw)} ({found}). Use a recording with event "
            "annotations or a stim channel, or cut fixed-length windows with "
            "s2decode.io.eeg.windows_from_raw."
        )

    # key (annotation description or str(stim code)) -> class name
    if event_id is None:
        wanted = {k: k for k in keys}
    elif isinstance(event_id, Mapping):
        wanted = {}
        for name, value in event_id.items():
            if isinstance(value, str):
                wanted[str(name)] = value
            elif isinstance(value, int | np.integer):
                key = str(name) if str(name) in keys else str(int(value))
                wanted[key] = str(name)
            else:
                raise TypeError(
                    f"`event_id` values must be class names (str) or event codes (int), got "
                    f"{value!r} for {name!r}."
                )
    elif isinstance(event_id, str | bytes):
        raise TypeError("`event_id` must be a sequence or mapping, not a single string.")
    else:
        wanted = {str(k): str(k) for k in event_id}
    missing = [k for k in wanted if k not in keys]
    if missing:
        raise InvalidInputError(
            f"The events {missing} asked for in `event_id` are not in {_describe(raw)} "
            f"({found}); choose among those found."
        )
    classes = list(dict.fromkeys(wanted.values()))
    class_code = {name: i + 1 for i, name in enumerate(classes)}
    remap = {keys[k]: class_code[name] for k, name in wanted.items()}
    keep = np.isin(events[:, 2], list(remap))
    events = events[keep].copy()
    events[:, 2] = [remap[c] for c in events[:, 2]]
    order = np.argsort(events[:, 0], kind="stable")
    return events[order], class_code


def _check_window(tmin: float, tmax: float) -> None:
    if not (np.isfinite(tmin) and np.isfinite(tmax)) or tmax <= tmin:
        raise ValueError(f"`tmax` ({tmax}) must be greater than `tmin` ({tmin}).")


def _prepare_raw(raw: Any, picks: Any, l_freq, h_freq, verbose) -> Any:
    """A filtered copy of the picked channels (the caller's raw stays untouched)."""
    raw = raw.copy().pick(picks, exclude="bads")
    if not raw.preload:
        raw.load_data(verbose=verbose)
    if l_freq is not None or h_freq is not None:
        raw.filter(l_freq, h_freq, verbose=verbose)
    return raw


def epochs_from_raw(
    raw: Any,
    event_id: Mapping[str, str | int] | Sequence[str | int] | None = None,
    tmin: float = 0.0,
    tmax: float = 1.0,
    *,
    l_freq: float | None = None,
    h_freq: float | None = None,
    resample: float | None = None,
    baseline: tuple[float | None, float | None] | None = None,
    picks: str | Sequence[str] = "data",
    reject_by_annotation: bool = True,
    stim_channel: str | Sequence[str] | None = None,
    verbose: bool | str | None = False,
):
    """Cut a recording into epochs around its events.

    Parameters
    ----------
    raw : mne.io.Raw
        The recording (not modified: filtering works on a copy).
    event_id : mapping | sequence | None
        Which events and their class names (see :func:`find_events`).
    tmin, tmax : float
        Epoch start and end in seconds relative to each event (both included, as in MNE).
    l_freq, h_freq : float | None
        Band-pass edges in Hz for :meth:`mne.io.Raw.filter`, applied to the continuous
        recording before epoching; ``None`` leaves that side open.
    resample : float | None
        New sampling rate in Hz, applied to the epochs (no event jitter).
    baseline : tuple | None
        MNE's baseline correction interval; ``None``: none.
    picks : str | sequence of str
        Channels to keep (MNE picks; ``"data"``: EEG/MEG/... data channels). Bad channels
        are dropped.
    reject_by_annotation : bool
        Drop epochs that overlap ``BAD_...`` annotations.
    stim_channel : str | sequence of str | None
        See :func:`find_events`.
    verbose : bool | str | None
        MNE's verbosity.

    Returns
    -------
    epochs : mne.Epochs
        Preloaded epochs; ``epochs.metadata`` has ``onset`` (seconds from the start of the
        recording) and ``label`` (the class name).
    """
    import mne
    import pandas as pd

    _check_window(tmin, tmax)
    events, class_code = find_events(raw, event_id, stim_channel=stim_channel)
    sfreq = raw.info["sfreq"]
    names = {code: name for name, code in class_code.items()}
    metadata = pd.DataFrame(
        {
            "onset": (events[:, 0] - raw.first_samp) / sfreq,
            "label": [names[c] for c in events[:, 2]],
        }
    )
    prepared = _prepare_raw(raw, picks, l_freq, h_freq, verbose)
    epochs = mne.Epochs(
        prepared,
        events,
        class_code,
        tmin=tmin,
        tmax=tmax,
        baseline=baseline,
        metadata=metadata,
        preload=True,
        reject_by_annotation=reject_by_annotation,
        on_missing="ignore",
        event_repeated="drop",
        verbose=verbose,
    )
    if len(epochs) == 0:
        raise ValueError(
            f"No epoch of [{tmin}, {tmax}] s fits in {_describe(raw)} around its "
            f"{len(events)} events (all dropped: {epochs.drop_log_stats():.0f}% ; see "
            "epochs.drop_log)."
        )
    if resample is not None:
        epochs.resample(resample, verbose=verbose)
    return epochs


def windows_from_raw(
    raw: Any,
    window: float,
    *,
    label: str = "window",
    code: int = 1,
    overlap: float = 0.0,
    l_freq: float | None = None,
    h_freq: float | None = None,
    resample: float | None = None,
    picks: str | Sequence[str] = "data",
    reject_by_annotation: bool = True,
    verbose: bool | str | None = False,
):
    """Cut a recording into fixed-length windows (for recordings without events).

    Parameters
    ----------
    raw : mne.io.Raw
        The recording (not modified).
    window : float
        Window length in seconds; each window has ``round(window * sfreq)`` samples.
    label : str
        Class name of every window (e.g. ``"rest"``).
    code : int
        Event code of the windows (give each condition its own code to concatenate
        windows of several conditions with :func:`mne.concatenate_epochs`).
    overlap : float
        Overlap of consecutive windows in seconds, ``0 <= overlap < window``.
    l_freq, h_freq : float | None
        Band-pass edges in Hz, applied to the continuous recording.
    resample : float | None
        New sampling rate in Hz, applied to the continuous recording before windowing.
    picks : str | sequence of str
        Channels to keep (bad channels are dropped).
    reject_by_annotation : bool
        Drop windows that overlap ``BAD_...`` annotations.
    verbose : bool | str | None
        MNE's verbosity.

    Returns
    -------
    epochs : mne.Epochs
        One epoch per window, event name ``label``; ``metadata`` has ``onset`` and
        ``label``.
    """
    import mne
    import pandas as pd

    window = float(window)
    overlap = float(overlap)
    if not np.isfinite(window) or window <= 0:
        raise ValueError(f"`window` must be a positive number of seconds, got {window!r}.")
    if not 0 <= overlap < window:
        raise ValueError(f"`overlap` must be in [0, window={window}), got {overlap!r}.")
    prepared = _prepare_raw(raw, picks, l_freq, h_freq, verbose)
    if resample is not None:
        prepared.resample(resample, verbose=verbose)
    sfreq = prepared.info["sfreq"]
    n_samples = round(window * sfreq)
    if n_samples > prepared.n_times:
        raise ValueError(
            f"`window` ({window} s) is longer than {_describe(raw)} "
            f"({prepared.n_times / sfreq:.1f} s)."
        )
    events = mne.make_fixed_length_events(
        prepared, id=int(code), duration=n_samples / sfreq, overlap=overlap
    )
    metadata = pd.DataFrame({"onset": (events[:, 0] - prepared.first_samp) / sfreq, "label": label})
    epochs = mne.Epochs(
        prepared,
        events,
        {label: int(code)},
        tmin=0.0,
        tmax=(n_samples - 1) / sfreq,
        baseline=None,
        metadata=metadata,
        preload=True,
        reject_by_annotation=reject_by_annotation,
        verbose=verbose,
    )
    if len(epochs) == 0:
        raise ValueError(f"No {window} s window of {_describe(raw)} survived rejection.")
    return epochs


# ---------------------------------------------------------------------------------------
# to the data model


def _trial_values(epochs: Any, value: Any, what: str) -> np.ndarray | None:
    """A per-trial array from a scalar, an array, or a metadata column name."""
    n = len(epochs)
    if value is None:
        return None
    if isinstance(value, str) and epochs.metadata is not None and value in epochs.metadata:
        return np.asarray(epochs.metadata[value])
    arr = np.asarray(value)
    if arr.ndim == 0:
        return np.full(n, arr.item())
    if arr.shape != (n,):
        raise ValueError(
            f"`{what}` must be a scalar, a metadata column name or an array of {n} values "
            f"(one per epoch), got shape {arr.shape}."
        )
    return arr


def _refuse_flat(data: np.ndarray, ch_names: Sequence[str], bads: Sequence[str]) -> None:
    """Refuse channels (not marked bad) whose value never changes: flat in every epoch."""
    flat = [
        name
        for name, ch in zip(ch_names, np.moveaxis(data, 1, 0), strict=True)
        if name not in bads and ch.size and np.all(ch == ch.flat[0])
    ]
    if flat:
        raise InvalidInputError(
            f"The channels {flat} of `epochs` are flat (constant in every epoch): a "
            "disconnected electrode carries no signal. Mark them bad "
            f"(epochs.info['bads'] += {flat}) or drop them (epochs.drop_channels({flat}))."
        )


def epochs_to_trials(
    epochs: Any,
    *,
    method: str | None = None,
    atlas: str | Atlas = "seitzman300",
    projector: SourceProjector | SensorDistanceProjector | None = None,
    orientation: str = "data",
    orient_by: str | None = None,
    group: Any = None,
    trial_coords: Sequence[str] = (),
    dtype: Any = None,
    source: str = "",
) -> xr.DataArray:
    """Turn epochs into trials of the s2decode data model, on sensors or on parcels.

    Parameters
    ----------
    epochs : mne.Epochs
        Preloaded epochs (e.g. from :func:`epochs_from_raw`). The class of each trial is its
        event name.
    method : {"eloreta", "dspm", "sloreta", "mne", "sensor"} | None
        ``None`` keeps the sensors (node ``"channel"``, positions converted to MNI mm
        where known); an inverse method projects the EEG onto the atlas parcels through
        :class:`~s2decode.atlas.projection.SourceProjector`; ``"sensor"`` through
        :class:`~s2decode.atlas.projection.SensorDistanceProjector`.
    atlas : str | Atlas
        Atlas for the projection.
    projector : SourceProjector | SensorDistanceProjector | None
        A projector fitted before (e.g. on another run with the same montage) to reuse;
        refitted if it does not match the channels of ``epochs``. Overrides ``method``
        and ``atlas``. Not modified.
    orientation : {"data", "kernel"}
        How a :class:`SourceProjector` orients each parcel: ``"data"`` takes the first
        principal direction of the parcel's currents in these epochs (MNE's
        ``"pca_flip"``, unsupervised: labels are not used); ``"kernel"`` the data-free
        dominant direction of the inverse kernel.
    orient_by : str | None
        A metadata column (e.g. ``"subject"``): fit the ``"data"`` orientation separately
        for each of its values. ``None``: once for all epochs.
    group : scalar | array-like | str | None
        Per-trial group (subject, run) for grouped cross-validation: a scalar for all
        trials, one value per epoch, or the name of a metadata column.
    trial_coords : sequence of str
        Further metadata columns to keep as coordinates on ``trial``.
    dtype : numpy dtype | None
        Data type of the values (``None``: float64). ``"float32"`` halves the memory.
    source : str
        Where the data came from (stored in ``attrs["source"]``).

    Returns
    -------
    trials : xarray.DataArray
        Dims ``("trial", "parcel" | "channel", "time")``; ``y`` the class names, ``group``,
        ``onset`` (s) where known; attrs ``sfreq``, ``modality``, ``units`` (``"V"`` on
        EEG sensors, ``"Am"`` for eLORETA/MNE, the method name for the unitless dSPM/
        sLORETA) and, for parcels, ``projection`` and ``atlas``.
    """
    import mne

    if not isinstance(epochs, mne.BaseEpochs):
        raise TypeError(f"`epochs` must be mne.Epochs, got {type(epochs).__name__}.")
    if len(epochs) == 0:
        raise ValueError("`epochs` is empty: no trial to convert.")
    if orientation not in ("data", "kernel"):
        raise ValueError(f"`orientation` must be 'data' or 'kernel', got {orientation!r}.")
    if projector is None and method is not None and method not in PROJECTION_METHODS:
        raise ValueError(f"`method` must be one of {PROJECTION_METHODS} or None, got {method!r}.")
    dtype = np.dtype(np.float64 if dtype is None else dtype)

    names = {code: name for name, code in epochs.event_id.items()}
    y = np.array([names.get(c, str(c)) for c in epochs.events[:, 2]])
    group_values = _trial_values(epochs, group, "group")
    meta = epochs.metadata
    onset = np.asarray(meta["onset"], float) if meta is not None and "onset" in meta else None
    extra = {}
    for col in trial_coords:
        if meta is None or col not in meta:
            raise ValueError(f"`trial_coords`: the epochs have no metadata column {col!r}.")
        extra[col] = ("trial", np.asarray(meta[col]))

    has_eeg = "eeg" in epochs.get_channel_types(unique=True)
    meg_types = {"mag", "grad"} & set(epochs.get_channel_types(unique=True))
    modality = "eeg" if has_eeg or not meg_types else "meg"
    common = dict(
        sfreq=epochs.info["sfreq"],
        y=y,
        group=group_values,
        t_start=float(epochs.times[0]),
        onset=onset,
        modality=modality,
        source=source,
    )

    if projector is None and method is None:
        picks = mne.pick_types(epochs.info, meg=True, eeg=True, seeg=True, ecog=True, exclude=())
        if len(picks) == 0:
            raise ValueError("The epochs have no EEG/MEG channels.")
        data = epochs.get_data(picks=picks).astype(dtype, copy=False)
        _refuse_flat(data, [epochs.ch_names[i] for i in picks], epochs.info["bads"])
        ch_types = set(epochs.get_channel_types(picks=picks, unique=True))
        units = "V" if ch_types <= {"eeg", "seeg", "ecog"} else "SI (V, T, T/m)"
        trials = make_trials(
            data,
            names=[epochs.ch_names[i] for i in picks],
            coords=head_to_mni(sensor_positions(epochs.info, picks)),
            node_dim="channel",
            units=units,
            **common,
        )
        return trials.assign_coords(extra)

    if not has_eeg:
        raise ValueError(
            "Projection onto parcels models EEG only and these epochs have no EEG channel; "
            "keep the sensors with method=None."
        )
    if projector is None:
        projector = make_projector(method, atlas).fit(epochs.info)
    elif not (hasattr(projector, "filters_") and projector.compatible_with(epochs.info)):
        # unfitted, or fitted on other channels: a fresh one with the same parameters
        projector = dataclasses.replace(projector).fit(epochs.info)
    ch_names = projector.ch_names_
    sensors = epochs.get_data(picks=ch_names)
    _refuse_flat(sensors, list(ch_names), epochs.info["bads"])

    if orient_by is None:
        blocks = [np.arange(len(epochs))]
    else:
        if meta is None or orient_by not in meta:
            raise ValueError(f"`orient_by`: the epochs have no metadata column {orient_by!r}.")
        keys = np.asarray(meta[orient_by])
        blocks = [np.flatnonzero(keys == k) for k in dict.fromkeys(keys.tolist())]
    out = np.empty((len(epochs), projector.filters_.shape[0], len(epochs.times)), dtype=dtype)
    for idx in blocks:
        fitted = projector
        if isinstance(projector, SourceProjector):
            # a shallow copy shares the kernel and gets its own filters
            cov = sensor_covariance(sensors[idx]) if orientation == "data" else None
            fitted = copy.copy(projector).reorient(cov)
        for start in range(0, len(idx), 64):  # bounded temporary memory
            chunk = idx[start : start + 64]
            out[chunk] = fitted.transform(sensors[chunk])

    atlas_obj = projector.atlas_
    trials = make_trials(
        out,
        names=atlas_obj.labels,
        coords=atlas_obj.coords,
        networks=atlas_obj.networks,
        node_dim="parcel",
        units=projector.units_,
        **common,
    )
    trials.attrs["projection"] = (
        projector.method if isinstance(projector, SourceProjector) else "sensor"
    )
    trials.attrs["atlas"] = atlas_obj.name
    return trials.assign_coords(extra)


__all__ = [
    "COMMON_EXTENSIONS",
    "INVERSE_METHODS",
    "clean_channel_name",
    "epochs_from_raw",
    "epochs_to_trials",
    "find_events",
    "read_raw",
    "set_montage",
    "windows_from_raw",
]

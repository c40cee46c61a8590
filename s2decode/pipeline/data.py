"""The data of a pipeline, one subject at a time: which subjects, and their trials.

:func:`dataset_subjects` lists the subjects a pipeline analyses (as strings: the ids the
output folder uses); :func:`load_subject` loads one subject's trials with the pipeline's
preprocessing. Preprocessing keys the dataset's loader accepts go to the loader, which
filters the continuous recording before cutting trials (no edge effects) and crops the
trials around their events; the others are applied to the trials by
:func:`preprocess_trials` (MNE's filters, in this order: band-pass, resample, crop).
:func:`check_against_data` checks a pipeline against the recordings of a data directory
from a cheap read of their headers (:func:`s2decode.datasets.describe`), before any load.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..datasets import DatasetNotFoundError, dataset_folder, dataset_module
from ..datasets import subjects as subjects_of
from ..paths import get_data_dir
from .errors import PipelineError
from .spec import BIDS

if TYPE_CHECKING:
    from .spec import PipelineSpec

__all__ = [
    "NO_SUBJECT",
    "bids_root",
    "check_against_data",
    "dataset_subjects",
    "load_subject",
    "preprocess_trials",
]

#: The subject id of a dataset without subjects (one recording).
NO_SUBJECT = "-"


def dataset_subjects(spec: PipelineSpec, data_dir: str | os.PathLike | None = None) -> list[str]:
    """The subjects a pipeline analyses, checked to be in the data directory.

    Parameters
    ----------
    spec : PipelineSpec
        The pipeline.
    data_dir : path-like | None
        Data directory (``None``: ``S2DECODE_DATA``).

    Returns
    -------
    subjects : list of str
        Subject ids in order: ``"00"``, ``"01"``... for eegmat, ``"1"`` for eegbci's S001;
        ``dataset.subjects: "all"`` gives every subject the data directory holds, ``None``
        the loader's default (eegmat: all of them; eegbci: subject 1). Datasets without
        subjects give ``[NO_SUBJECT]`` (``["-"]``), a single pseudo-subject.

    Raises
    ------
    DatasetNotFoundError
        Where the dataset, or a subject asked for, is not in the data directory (the message
        says how to fetch it).
    """
    name = spec.dataset.name
    if name == BIDS:
        return _bids_subjects(spec, data_dir)
    info = subjects_of(name)
    if info is None:
        if dataset_module(name).FOLDER is not None:
            dataset_folder(name, data_dir)  # raises with the fetch command
        return [NO_SUBJECT]
    wanted = spec.dataset.subjects
    if wanted is None:
        # the loader's default: eegmat loads every subject, eegbci its `subject` default
        wanted = "all" if info.default is None else info.default
    present = info.present(data_dir)
    if wanted == "all":
        if not present:
            raise DatasetNotFoundError(
                f"Dataset {name!r}: the data directory {get_data_dir(data_dir)} holds no "
                f"subject. Download some with {info.fetch_hint([1])} (or `s2decode fetch "
                f"{name}`)."
            )
        numbers = present
    else:
        numbers = [wanted] if isinstance(wanted, int) else list(wanted)
        missing = [n for n in numbers if n not in present]
        if missing:
            raise DatasetNotFoundError(
                f"Dataset {name!r}: subject(s) {missing} of dataset.subjects are not in the "
                f"data directory {get_data_dir(data_dir)} (it holds {present or 'none'}). "
                f"Download them with {info.fetch_hint(missing)}."
            )
    return [info.id(n) for n in numbers]


def bids_root(spec: PipelineSpec, data_dir: str | os.PathLike | None = None) -> Path:
    """The root folder of a pipeline's BIDS dataset (``dataset: {bids: ROOT}``).

    ``~`` is expanded; a relative ``ROOT`` lies in the data directory (``data_dir``, else
    ``S2DECODE_DATA``), as the other datasets do, so that a pipeline names the same dataset
    on every machine; an absolute one is used as it is.
    """
    root = Path(str(spec.dataset.options["root"])).expanduser()
    return root if root.is_absolute() else get_data_dir(data_dir) / root


def _bids_subjects(spec: PipelineSpec, data_dir: str | os.PathLike | None) -> list[str]:
    """The subject labels of a BIDS pipeline, checked against its root folder."""
    import mne_bids

    root = bids_root(spec, data_dir)
    if not root.is_dir():
        raise DatasetNotFoundError(
            f"BIDS dataset not found: {root} (dataset.bids) is not a folder. Give the folder "
            "that holds its dataset_description.json and sub-* folders (a relative path is "
            "taken inside the data directory, --data-dir or S2DECODE_DATA)."
        )
    have = list(mne_bids.get_entity_vals(root, "subject"))
    if not have:
        raise DatasetNotFoundError(f"The BIDS dataset {root} (dataset.bids) has no sub-* folder.")
    wanted = spec.dataset.subjects
    if wanted is None or wanted == "all":
        return have
    out, missing = [], []
    for item in [wanted] if isinstance(wanted, int | str) else wanted:
        text = str(item).removeprefix("sub-")
        if isinstance(item, int):
            found = [h for h in have if h.isdigit() and int(h) == item]
        else:
            found = [h for h in have if h == text]
        (out if len(found) == 1 else missing).append(found[0] if len(found) == 1 else item)
    if missing:
        raise DatasetNotFoundError(
            f"The BIDS dataset {root} has no subject {missing} of dataset.subjects; its "
            f"subjects: {', '.join(have)}."
        )
    return list(dict.fromkeys(out))


def check_against_data(
    spec: PipelineSpec, data_dir: str | os.PathLike | None = None, *, source: str = "<pipeline>"
) -> dict[str, dict[str, Any]]:
    """Check a pipeline against the recordings of a data directory, before loading them.

    Each subject's files are described cheaply (:func:`s2decode.datasets.describe`: EDF
    headers and annotations, events tables and NIfTI headers, or the small MATLAB files;
    seconds for all the subjects of a pipeline) and :meth:`PipelineSpec.data_problems`
    finds what a run would fail on minutes later: band edges at or above the Nyquist
    frequency, ``features.windows`` or a crop outside the trials, ``report.example_trial``
    beyond the example subject's trials, ``cv.n_splits`` above the trials of a class,
    ``leave_one_group_out`` with a single group.

    Parameters
    ----------
    spec : PipelineSpec
        The pipeline (already valid on its own).
    data_dir : path-like | None
        Data directory (``None``: ``S2DECODE_DATA``).
    source : str
        Where the pipeline came from (its file), for the error messages.

    Returns
    -------
    descriptions : dict
        Subject id (:func:`dataset_subjects`) -> its description. Empty for a BIDS dataset,
        whose trials are only known once read (its root and subjects are checked).

    Raises
    ------
    PipelineError
        Where the pipeline does not fit the data: one line per problem, naming the key
        (a problem shared by several subjects is given once, with how many share it).
    DatasetNotFoundError
        Where the data directory lacks the dataset or a subject of the pipeline (the
        message says how to fetch it).
    """
    from ..datasets import describe

    subjects = dataset_subjects(spec, data_dir)
    if spec.dataset.name == BIDS:
        return {}  # no header-only description: the run checks the trials it loads
    example = example_subject(spec, subjects)
    descriptions: dict[str, dict[str, Any]] = {}
    found: dict[str, list] = {}  # key -> [the first subject's message, subjects with it]
    for subject in subjects:
        number = int(subject) if subjects_of(spec.dataset.name) is not None else None
        desc = describe(spec.dataset.name, data_dir=data_dir, **spec.loader_options(number))
        descriptions[subject] = desc
        for key, message in spec.data_problems(desc, subject=subject, example=subject == example):
            found.setdefault(key, [message, 0])[1] += 1
    if found:
        errors = []
        for key, (message, n) in found.items():
            more = f" (and {n - 1} more subject{'s' if n > 2 else ''})" if n > 1 else ""
            errors.append((key, message + more))
        raise PipelineError(source, errors)
    return descriptions


def example_subject(spec: PipelineSpec, subjects: list[str]) -> str | None:
    """The subject of the report's example trial: ``report.example_subject`` among
    ``subjects`` (``3`` matches ``"03"``), the first subject where it is not set, ``None``
    where it is not among them."""
    wanted = spec.report.example_subject
    if wanted is None:
        return subjects[0] if subjects else None
    for s in subjects:
        if s == str(wanted) or (s.isdigit() and str(wanted).isdigit() and int(s) == int(wanted)):
            return s
    return None


def load_subject(
    spec: PipelineSpec, subject: str, data_dir: str | os.PathLike | None = None
) -> xr.DataArray:
    """Load one subject's trials, preprocessed as the pipeline says.

    Parameters
    ----------
    spec : PipelineSpec
        The pipeline.
    subject : str
        A subject id of :func:`dataset_subjects` (``"-"`` for datasets without subjects).
    data_dir : path-like | None
        Data directory (``None``: ``S2DECODE_DATA``).

    Returns
    -------
    trials : xarray.DataArray
        The trials (:mod:`s2decode.trials`), with ``attrs["subject"]`` the subject id,
        ``attrs["dataset"]`` the dataset name and ``attrs["preprocessing"]`` what was
        applied. Voxel trials of haxby also carry ``attrs["mask_img"]`` (from its loader), the
        mask whose voxels they are (for the ``nilearn_decoder`` peer).

    Raises
    ------
    ValueError
        A subject id the dataset does not have, or preprocessing that does not apply to the
        trials (filtering spike counts, a crop outside the trials).
    DatasetNotFoundError
        Where the data are not in the data directory.
    """
    from ..datasets import load, loader_options

    name = spec.dataset.name
    if name == BIDS:
        return _load_bids_subject(spec, str(subject), data_dir)
    info = subjects_of(name)
    options: dict[str, Any] = dict(spec.dataset.options)
    subject = str(subject)
    if info is not None:
        if not subject.isdigit():
            raise ValueError(
                f"Subject {subject!r} of dataset {name!r} must be a subject number such as "
                f"{info.id(1)!r} (see dataset_subjects)."
            )
        number = int(subject)
        options.update(info.load_option([number]))
        subject = info.id(number)
    elif subject != NO_SUBJECT:
        raise ValueError(
            f"Dataset {name!r} has no subjects: its only subject id is {NO_SUBJECT!r}, got "
            f"{subject!r}."
        )
    accepted = loader_options(name)
    given = spec.preprocessing.given()
    to_loader = {k: v for k, v in given.items() if k in accepted}
    generic = {k: v for k, v in given.items() if k not in accepted}
    trials = load(name, data_dir=data_dir, **options, **to_loader)
    if generic:
        trials = preprocess_trials(trials, **generic)
    return _tagged(trials, subject, name, given)


def _load_bids_subject(
    spec: PipelineSpec, subject: str, data_dir: str | os.PathLike | None
) -> xr.DataArray:
    """One subject of a BIDS pipeline through :func:`s2decode.datasets.load_bids`."""
    from ..datasets import load_bids

    options = spec.loader_options(subject)  # every preprocessing key is load_bids's
    options["root"] = bids_root(spec, data_dir)
    trials = load_bids(**options)
    return _tagged(trials, subject, BIDS, spec.preprocessing.given())


def _tagged(trials: xr.DataArray, subject, dataset: str, given: dict) -> xr.DataArray:
    """``trials`` with the subject, the dataset and the preprocessing applied on ``attrs``."""
    trials.attrs["subject"] = subject
    trials.attrs["dataset"] = dataset
    trials.attrs["preprocessing"] = (
        ", ".join(f"{k}={v:g}" for k, v in given.items()) if given else "none"
    )
    return trials


def preprocess_trials(
    trials: xr.DataArray,
    *,
    l_freq: float | None = None,
    h_freq: float | None = None,
    resample: float | None = None,
    tmin: float | None = None,
    tmax: float | None = None,
) -> xr.DataArray:
    """Band-pass, resample and crop trials, in that order (for what a loader does not do).

    Filtering and resampling run on each trial separately
    (:func:`mne.filter.filter_data`, :func:`mne.filter.resample`), so a trial's edges see
    the filter's transient: prefer a loader that filters the continuous recording, and crop
    afterwards (``tmin``/``tmax``) to drop the edges.

    Parameters
    ----------
    trials : xarray.DataArray
        Continuous trials (:mod:`s2decode.trials`); spike counts and rates can only be
        cropped.
    l_freq, h_freq : float | None
        Band-pass edges in Hz (MNE's zero-phase FIR; ``None``: no high-pass / low-pass).
    resample : float | None
        New sampling frequency in Hz.
    tmin, tmax : float | None
        Crop, in seconds on the trials' time axis, both ends included (to the nearest
        sample).

    Returns
    -------
    trials : xarray.DataArray
        A new DataArray with the same coordinates and attributes (``sfreq`` updated), in the
        input's dtype.

    Raises
    ------
    ValueError
        Filtering or resampling trials that are not continuous signals, a band edge at or
        above the Nyquist frequency, or a crop outside the trials or shorter than 2 samples.
    """
    from ..trials import check_trials, measure_of

    check_trials(trials)
    sfreq = float(trials.attrs["sfreq"])
    measure = measure_of(trials)
    if (
        l_freq is not None or h_freq is not None or resample is not None
    ) and measure != "continuous":
        asked = [
            f"preprocessing.{k}"
            for k, v in (("l_freq", l_freq), ("h_freq", h_freq), ("resample", resample))
            if v is not None
        ]
        raise ValueError(
            f"{', '.join(asked)} filter or resample continuous signals, but these trials are "
            f"{measure!r}; remove them (spike datasets take a bin_size option instead)."
        )
    for key, freq in (("l_freq", l_freq), ("h_freq", h_freq)):
        if freq is not None and freq >= sfreq / 2:
            raise ValueError(
                f"preprocessing.{key}={freq} Hz is at or above the Nyquist frequency "
                f"({sfreq / 2:g} Hz) of trials sampled at {sfreq:g} Hz."
            )
    out = trials
    if l_freq is not None or h_freq is not None:
        import mne

        data = mne.filter.filter_data(
            np.asarray(trials.values, dtype=np.float64), sfreq, l_freq, h_freq, verbose=False
        )
        out = out.copy(data=data.astype(trials.dtype, copy=False))
    if resample is not None and resample != sfreq:
        import mne

        data = mne.filter.resample(
            np.asarray(out.values, dtype=np.float64),
            up=float(resample),
            down=sfreq,
            axis=-1,
            verbose=False,
        )
        t0 = float(out["time"].values[0])
        time = t0 + np.arange(data.shape[-1]) / float(resample)
        coords = {k: v for k, v in out.coords.items() if "time" not in v.dims}
        out = xr.DataArray(
            data.astype(trials.dtype, copy=False),
            dims=out.dims,
            coords={**coords, "time": time},
            attrs={**out.attrs, "sfreq": float(resample)},
            name=out.name,
        )
        sfreq = float(resample)
    if tmin is not None or tmax is not None:
        out = _crop(out, sfreq, tmin, tmax)
    return out


def _crop(trials: xr.DataArray, sfreq: float, tmin: float | None, tmax: float | None):
    times = np.asarray(trials["time"].values, dtype=float)
    first, last = times[0], times[-1]
    half = 0.5 / sfreq
    if tmin is not None and tmin < first - half:
        raise ValueError(
            f"preprocessing.tmin={tmin} s is before the trials' first sample ({first:g} s); "
            "a crop cannot extend the trials (this dataset's loader does not take tmin)."
        )
    if tmax is not None and tmax > last + half:
        raise ValueError(
            f"preprocessing.tmax={tmax} s is after the trials' last sample ({last:g} s); "
            "a crop cannot extend the trials (this dataset's loader does not take tmax)."
        )
    keep = np.ones(times.size, dtype=bool)
    # nearest sample: a time within half a sample of the bound is inside it
    if tmin is not None:
        keep &= np.round((times - tmin) * sfreq) >= 0
    if tmax is not None:
        keep &= np.round((tmax - times) * sfreq) >= 0
    if keep.sum() < 2:
        raise ValueError(
            f"preprocessing.tmin/tmax ({tmin}, {tmax}) keep {int(keep.sum())} sample(s) of "
            f"the trials ({first:g} to {last:g} s at {sfreq:g} Hz); keep at least 2."
        )
    return trials.isel(time=np.flatnonzero(keep))

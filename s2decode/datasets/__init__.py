"""Public datasets: load them from the data directory (offline) or fetch them (online).

Each dataset lives in its own module (``eegbci``, ``eegmat``, ``haxby``, ``kramer``,
``hatsopoulos``) that defines ``NAME``, ``FOLDER`` (its place in the data directory),
``MODALITY``, ``DESCRIPTION``, ``load(data_dir=None, **options)`` returning a trials
DataArray, and ``fetch(data_dir=None, **options)`` downloading it from its original public
source with checksums. ``synthetic`` generates its trials (``FOLDER = None``).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import pandas as pd
import xarray as xr

from ..config import get_data_dir
from ._base import DatasetNotFoundError, DownloadError

# public name -> module (a static table, not mutable state)
_MODULES = {
    "eegbci": "eegbci",
    "eegmat": "eegmat",
    "haxby": "haxby",
    "kramer_stn": "kramer",
    "hatsopoulos2004": "hatsopoulos",
    "synthetic": "synthetic",
}

__all__ = [
    "DatasetNotFoundError",
    "DownloadError",
    "available",
    "check_options",
    "describe",
    "fetch",
    "list_datasets",
    "load",
]


def list_datasets() -> list[str]:
    """Names accepted by :func:`load` and :func:`fetch`."""
    return list(_MODULES)


def _module(name: str) -> ModuleType:
    if name not in _MODULES:
        raise ValueError(f"Unknown dataset {name!r}. Available datasets: {', '.join(_MODULES)}.")
    return importlib.import_module(f".{_MODULES[name]}", __name__)


def load(name: str, data_dir: str | os.PathLike | None = None, **options) -> xr.DataArray:
    """Load a public dataset as trials (see :mod:`s2decode.trials` for the data model).

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`: ``"eegbci"``, ``"eegmat"``, ``"haxby"``,
        ``"kramer_stn"``, ``"hatsopoulos2004"``, ``"synthetic"`` (generated offline).
    data_dir : path-like | None
        Data directory; ``None`` reads ``S2DECODE_DATA``.
    **options
        Dataset options, documented on each module's ``load`` (e.g. ``subject``, ``task``
        and ``atlas`` for ``"eegbci"``).

    Returns
    -------
    trials : xarray.DataArray
        Dims ``("trial", node, "time")`` with labels ``y`` and groups ``group``.
    """
    mod = _module(name)
    check_option_names(name, mod.load, options)
    return mod.load(data_dir=data_dir, **options)


def check_option_names(name: str, loader, options: dict) -> None:
    """Refuse options ``loader`` (dataset ``name``'s ``load``) does not take, naming the
    close match and every option.

    Raises
    ------
    TypeError
        For the first unknown option, as Python would, with a "did you mean".
    """
    import difflib
    import inspect

    params = inspect.signature(loader).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    known = [k for k, p in params.items() if k != "data_dir" and p.kind is not p.VAR_POSITIONAL]
    for key in options:
        if key not in params or key == "data_dir":
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TypeError(
                f"Dataset {name!r} has no option {key!r}{hint}; its options are "
                f"{', '.join(known)} (see help(s2decode.datasets.{_MODULES[name]}.load))."
            )


def describe(name: str, data_dir: str | os.PathLike | None = None, **options) -> dict:
    """What :func:`load` would return, from a cheap read of the files (seconds at most).

    Headers, annotations and event tables are read, not the signals: EDF headers for
    ``eegbci`` and ``eegmat``, the events tables and NIfTI headers for ``haxby``; the small
    MATLAB files of ``kramer_stn`` (10 kB) and ``hatsopoulos2004`` (60 kB) are loaded;
    ``synthetic`` reads nothing.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`.
    data_dir : path-like | None
        Data directory; ``None`` reads ``S2DECODE_DATA``.
    **options
        Options of the dataset's ``load`` (those that do not change the trials' shape,
        such as ``atlas`` or ``l_freq``, are accepted and ignored).

    Returns
    -------
    description : dict
        ``dataset`` (the name); ``kind`` (``"continuous"``, ``"spike_counts"`` or
        ``"rates"``); ``sfreq`` (Hz, of the trials ``load`` returns) and
        ``recording_sfreq`` (Hz, before the loader's own ``resample``: what its band-pass
        sees); ``n_trials``, exact where ``n_trials_exact`` is true, else an upper bound;
        ``classes`` (trials per label; for ``synthetic`` without ``networks``, placeholder
        labels); ``n_groups`` (distinct values of ``group``); ``tmin`` (s, time of the
        first sample) and ``n_times`` (samples per trial); ``n_nodes`` (``None`` where the
        nodes are parcels of an atlas the description does not read); ``l_freq`` and
        ``h_freq`` (Hz, the band-pass the loader applies to the recording; ``None``: none);
        ``source`` (what was read).

    Raises
    ------
    DatasetNotFoundError
        Where the data directory does not hold the dataset.
    """
    return _module(name).describe(data_dir=data_dir, **options)


def check_options(name: str, **options) -> list[tuple[str, str]]:
    """Check a dataset's options against the ranges its module documents, reading nothing.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`.
    **options
        Options of the dataset's ``load``; names it does not take are not checked here.

    Returns
    -------
    problems : list of (str, str)
        ``(option, message)`` pairs, e.g. ``("n_trials", "-4 is not allowed; give an
        integer >= 4 ...")``; empty where the options are fine.
    """
    return _module(name).check_options(**options)


def fetch(name: str, data_dir: str | os.PathLike | None = None, **options) -> Path:
    """Download a public dataset into the data directory, verifying checksums.

    Returns the dataset folder. Needs the internet; nothing in the tests calls it.
    """
    return _module(name).fetch(data_dir=data_dir, **options)


def available(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Which datasets the data directory holds, where, and how to fetch the rest.

    Returns
    -------
    table : pandas.DataFrame
        One row per dataset: ``name``, ``modality``, ``present`` (the files its loader reads
        by default are there, as each module's ``present`` checks: an empty or half-filled
        folder does not count), ``path``, ``description``.
    """
    root = get_data_dir(data_dir)
    rows = []
    for name in _MODULES:
        mod = _module(name)
        path = None if mod.FOLDER is None else root / mod.FOLDER
        rows.append(
            {
                "name": name,
                "modality": mod.MODALITY,
                "present": mod.present(root),
                "path": "(generated)" if path is None else str(path),
                "description": mod.DESCRIPTION,
            }
        )
    return pd.DataFrame(rows)

"""Public datasets: load them from the data directory (offline) or fetch them (online).

Each dataset lives in its own module (``eegbci``, ``eegmat``, ``haxby``, ``kramer``,
``hatsopoulos``) that defines ``NAME``, ``FOLDER`` (its place in the data directory),
``MODALITY``, ``DESCRIPTION``, ``MEASURE`` where its trials are not continuous signals,
``load(data_dir=None, **options)`` returning a trials DataArray, and
``fetch(data_dir=None, **options)`` downloading it from its original public source with
checksums. ``synthetic`` generates its trials (``FOLDER = None``). :func:`load_bids` reads
any BIDS EEG/MEG/iEEG dataset (``bids``) into the same trials.
"""

from __future__ import annotations

import importlib
import inspect
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import xarray as xr

from ..errors import InvalidInputError
from ..paths import get_data_dir
from ._base import DatasetNotFoundError, DownloadError, dataset_path
from .bids import load_bids

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
    "Subjects",
    "available",
    "check_options",
    "dataset_folder",
    "dataset_measure",
    "dataset_modality",
    "dataset_module",
    "describe",
    "fetch",
    "list_datasets",
    "load",
    "load_bids",
    "loader_options",
    "subjects",
]


def list_datasets() -> list[str]:
    """Names accepted by :func:`load` and :func:`fetch`."""
    return list(_MODULES)


def dataset_module(name: str) -> ModuleType:
    """The module of a dataset (``"kramer_stn"`` -> :mod:`s2decode.datasets.kramer`).

    Raises
    ------
    ValueError
        For a name not in :func:`list_datasets`.
    """
    if name not in _MODULES:
        raise InvalidInputError(
            f"Unknown dataset {name!r}. Available datasets: {', '.join(_MODULES)}; "
            "`s2decode datasets` lists them."
        )
    return importlib.import_module(f".{_MODULES[name]}", __name__)


def dataset_measure(name: str) -> str:
    """What the values of a dataset's trials are: ``"continuous"``, ``"spike_counts"`` or
    ``"rates"`` (:data:`s2decode.trials.MEASURES`), known without loading them.

    Examples
    --------
    >>> from s2decode.datasets import dataset_measure
    >>> dataset_measure("kramer_stn"), dataset_measure("eegbci")
    ('spike_counts', 'continuous')
    """
    return getattr(dataset_module(name), "MEASURE", "continuous")


def dataset_modality(name: str) -> str:
    """The recording modality of a dataset: ``"eeg"``, ``"fmri"``, ``"spikes"`` or
    ``"synthetic"`` (its trials' ``attrs["modality"]``)."""
    return dataset_module(name).MODALITY


def loader_options(name: str) -> list[str]:
    """Keyword arguments of a dataset's ``load``, in signature order, without ``data_dir``."""
    params = inspect.signature(dataset_module(name).load).parameters.values()
    return [
        p.name
        for p in params
        if p.name != "data_dir" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def dataset_folder(name: str, data_dir: str | os.PathLike | None = None) -> Path:
    """The folder of a dataset in the data directory.

    Raises
    ------
    DatasetNotFoundError
        Where it is absent (the message says how to fetch it); ``ValueError`` for a dataset
        generated offline (``synthetic``), which has no folder.
    """
    mod = dataset_module(name)
    if mod.FOLDER is None:
        raise ValueError(f"Dataset {name!r} is generated offline; it has no folder.")
    return dataset_path(mod.NAME, mod.FOLDER, data_dir)


@dataclass(frozen=True)
class Subjects:
    """How a dataset of several subjects numbers, names and selects them.

    Attributes
    ----------
    dataset : str
        The dataset's name.
    option : str
        The keyword of its ``load`` that selects subjects (``"subjects"`` takes a list,
        ``"subject"`` one number).
    numbers : range
        The subject numbers the dataset has.
    default : Any
        ``load``'s default for ``option`` (``None``: every subject present).
    """

    dataset: str
    option: str
    numbers: range
    default: Any

    def id(self, number: int) -> str:
        """The subject's id in output names (``"03"`` for eegmat, ``"3"`` for eegbci)."""
        return dataset_module(self.dataset).subject_id(number)

    def present(self, data_dir: str | os.PathLike | None = None) -> list[int]:
        """Subject numbers whose recordings the data directory holds."""
        return dataset_module(self.dataset).present_subjects(data_dir)

    def load_option(self, numbers: list[int]) -> dict[str, Any]:
        """The ``load`` keyword that selects these subjects (one, for ``"subject"``)."""
        return {self.option: list(numbers) if self.option == "subjects" else int(numbers[0])}

    def fetch_hint(self, numbers: list[int]) -> str:
        """The call that downloads these subjects."""
        ((key, value),) = self.load_option(numbers).items()
        return f"s2decode.datasets.fetch({self.dataset!r}, {key}={value!r})"


def subjects(name: str) -> Subjects | None:
    """The subjects of a dataset; ``None`` for a dataset of one recording."""
    mod = dataset_module(name)
    option = getattr(mod, "SUBJECT_OPTION", None)
    if option is None:
        return None
    default = inspect.signature(mod.load).parameters[option].default
    return Subjects(name, option, mod.SUBJECTS, default)


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
    mod = dataset_module(name)
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
        ``dataset`` (the name); ``measure`` (``"continuous"``, ``"spike_counts"`` or
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
    return dataset_module(name).describe(data_dir=data_dir, **options)


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
    return dataset_module(name).check_options(**options)


def fetch(name: str, data_dir: str | os.PathLike | None = None, **options) -> Path:
    """Download a public dataset into the data directory, verifying checksums.

    Returns the dataset folder. Needs the internet; nothing in the tests calls it.
    """
    return dataset_module(name).fetch(data_dir=data_dir, **options)


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
        mod = dataset_module(name)
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

"""What the dataset modules share for ``describe`` and ``check_options``.

``describe(data_dir=None, **options)`` of a dataset module tells, from a cheap read of the
files (headers, annotations, event tables), what its ``load`` would return with those
options: a plain dict made by :func:`description`. ``check_options(**options)`` checks the
options against the ranges the module documents, without reading anything, and returns
``(option, message)`` pairs made with :func:`number_problem` and :func:`choice_problem`.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np

from .._checks import bounds_text
from .._docs import doc_filler

#: The keys of a description (see :func:`s2decode.datasets.describe`).
DESCRIPTION_KEYS = (
    "dataset",
    "measure",
    "sfreq",
    "recording_sfreq",
    "n_trials",
    "n_trials_exact",
    "classes",
    "n_groups",
    "tmin",
    "n_times",
    "n_nodes",
    "l_freq",
    "h_freq",
    "source",
)


def description(
    dataset: str,
    *,
    measure: str,
    sfreq: float,
    n_times: int,
    classes: Mapping[str, int],
    tmin: float = 0.0,
    n_trials_exact: bool = True,
    recording_sfreq: float | None = None,
    n_groups: int | None = None,
    n_nodes: int | None = None,
    l_freq: float | None = None,
    h_freq: float | None = None,
    source: str = "",
) -> dict[str, Any]:
    """A description of the trials a loader returns (the dict of ``describe``)."""
    classes = {str(k): int(v) for k, v in classes.items() if v > 0}
    return {
        "dataset": dataset,
        "measure": measure,
        "sfreq": float(sfreq),
        "recording_sfreq": float(sfreq if recording_sfreq is None else recording_sfreq),
        "n_trials": int(sum(classes.values())),
        "n_trials_exact": bool(n_trials_exact),
        "classes": classes,
        "n_groups": None if n_groups is None else int(n_groups),
        "tmin": float(tmin),
        "n_times": int(n_times),
        "n_nodes": None if n_nodes is None else int(n_nodes),
        "l_freq": None if l_freq is None else float(l_freq),
        "h_freq": None if h_freq is None else float(h_freq),
        "source": str(source),
    }


def load_arguments(load: Callable, data_dir: Any, options: Mapping[str, Any]) -> SimpleNamespace:
    """The arguments ``load`` would run with: ``options`` it takes, its defaults for the rest.

    ``describe`` takes the options of its module's ``load`` and reads their defaults from
    ``load``'s signature, so the two never disagree on them. Options ``load`` does not take
    are left out (``describe`` ignores them).

    Returns
    -------
    arguments : types.SimpleNamespace
        One attribute per parameter of ``load``, ``data_dir`` included.
    """
    params = inspect.signature(load).parameters
    bound = inspect.signature(load).bind(
        data_dir, **{k: v for k, v in options.items() if k in params and k != "data_dir"}
    )
    bound.apply_defaults()
    return SimpleNamespace(**bound.arguments)


def describe_trials(dataset: str, trials: Any, *, source: str = "") -> dict[str, Any]:
    """The description of loaded trials (for datasets whose files are small enough to load)."""
    from ..trials import measure_of

    y = np.asarray(trials.coords["y"].values).astype(str)
    labels, counts = np.unique(y, return_counts=True)
    groups = trials.coords["group"].values if "group" in trials.coords else None
    return description(
        dataset,
        measure=measure_of(trials),
        sfreq=float(trials.attrs["sfreq"]),
        n_times=int(trials.sizes["time"]),
        classes=dict(zip(labels.tolist(), counts.tolist(), strict=True)),
        tmin=float(trials["time"].values[0]),
        n_groups=None if groups is None else len(np.unique(np.asarray(groups).astype(str))),
        n_nodes=int(trials.shape[1]),
        source=source or str(trials.attrs.get("source", "")),
    )


_LOADED_DESCRIBE_DOC = """What :func:`load` returns with these options: the file ({size}) is loaded.

    Parameters
    ----------
    data_dir : path-like | None
        As in :func:`load`.
    **options
        Options of :func:`load`{ignored}.

    Returns
    -------
    description : dict
        See :func:`s2decode.datasets.describe`{note}.

    Raises
    ------
    DatasetNotFoundError
        Where the data directory does not hold the file.
    """


#: Decorator of a dataset module's ``describe`` that reads the files' headers: the
#: ``%(parameters)s`` of its docstring becomes their Parameters section, written once.
describe_doc = doc_filler(
    {
        "parameters": """
            Parameters
            ----------
            data_dir : path-like | None
                As in :func:`load`.
            **options
                Options of :func:`load`, with its defaults (those that do not change the trials'
                shape, and names it does not take, are ignored).
            """
    }
)


def describe_by_loading(
    dataset: str, load: Callable, size: str, *, ignored: tuple[str, ...] = (), note: str = ""
) -> Callable[..., dict[str, Any]]:
    """The ``describe`` of a dataset small enough to load: it describes what ``load`` returns.

    Parameters
    ----------
    dataset : str
        The dataset's name.
    load : callable
        The module's ``load``.
    size : str
        The file's size, for the docstring (``"10 kB"``).
    ignored : tuple of str
        Options of ``load`` that do not change the trials, dropped before loading.
    note : str
        Said after the reference to :func:`s2decode.datasets.describe` in the docstring.

    Returns
    -------
    describe : callable
        ``describe(data_dir=None, **options) -> dict``, for the module to publish.
    """

    def describe(data_dir: str | os.PathLike | None = None, **options) -> dict[str, Any]:
        for key in ignored:
            options.pop(key, None)
        return describe_trials(dataset, load(data_dir, **options))

    listed = ", ".join(f"``{key}``" for key in ignored)
    describe.__doc__ = _LOADED_DESCRIBE_DOC.format(
        size=size,
        ignored=f" ({listed} {'is' if len(ignored) == 1 else 'are'} ignored)" if ignored else "",
        note=f" {note}" if note else "",
    )
    describe.__module__ = load.__module__  # it is the module's own describe
    describe.__qualname__ = "describe"
    return describe


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def number_problem(
    value: Any,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    none: bool = False,
) -> str | None:
    """What is wrong with a numeric option, or ``None`` where it is fine.

    Parameters
    ----------
    value : object
        The option's value.
    integer : bool
        It must be a whole number.
    low, high : float | None
        Bounds (``None``: unbounded), closed unless ``low_open`` / ``high_open``.
    none : bool
        ``None`` is allowed (the loader's "not set").

    Returns
    -------
    message : str | None
        E.g. ``"-4 is not allowed; give an integer >= 4"``.
    """
    if value is None and none:
        return None
    ok = _is_number(value) and math.isfinite(float(value))
    if ok and integer:
        ok = float(value) == int(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if ok:
        return None
    what = "an integer" if integer else "a number"
    bounds = bounds_text(low, high, low_open=low_open, high_open=high_open)
    if bounds:
        allowed = f"{what} {bounds}"
    else:
        allowed = what if integer else "a finite number"
    return f"{value!r} is not allowed; give {allowed}{' or null' if none else ''}"


def choice_problem(value: Any, choices: Iterable[Any], *, none: bool = False) -> str | None:
    """What is wrong with an option that takes one of ``choices``, or ``None``."""
    choices = list(choices)
    if (value is None and none) or (value is not None and _hashable_in(value, choices)):
        return None
    allowed = ", ".join(repr(c) for c in choices) + (", null" if none else "")
    return f"{value!r} is not allowed; choose one of {allowed}"


def _hashable_in(value: Any, choices: list[Any]) -> bool:
    try:
        return value in choices
    except TypeError:
        return False


def collect(problems: list[tuple[str, str]], key: str, message: str | None) -> None:
    """Append ``(key, message)`` where there is a message."""
    if message is not None:
        problems.append((key, message))


def mne_epoch_times(tmin: float, tmax: float, sfreq: float) -> tuple[float, int]:
    """First sample time and sample count of MNE epochs from ``tmin`` to ``tmax`` (both
    included, each rounded to the nearest sample as :class:`mne.Epochs` does)."""
    first, last = round(tmin * sfreq), round(tmax * sfreq)
    return first / sfreq, int(last - first + 1)


def resampled_length(n_times: int, old: float, new: float) -> int:
    """Samples after resampling ``n_times`` samples from ``old`` to ``new`` Hz (MNE)."""
    return round(n_times * float(new) / float(old))


def projection_problems(problems: list[tuple[str, str]], options: Mapping[str, Any]) -> None:
    """Append the problems of an EEG loader's projection options, ``method`` and
    ``orientation`` (as :func:`s2decode.io.eeg.epochs_to_trials` takes them)."""
    from ..atlas.projection import PROJECTION_METHODS

    if "method" in options:
        collect(
            problems, "method", choice_problem(options["method"], PROJECTION_METHODS, none=True)
        )
    if "orientation" in options:
        collect(problems, "orientation", choice_problem(options["orientation"], ("data", "kernel")))


def order_problem(
    problems: list[tuple[str, str]],
    options: Mapping[str, Any],
    low_key: str,
    high_key: str,
    defaults: tuple[Any, Any],
    after: str = "above",
) -> None:
    """Append a problem where ``options[low_key] >= options[high_key]`` (the loader's
    ``defaults`` standing in for a key not given), at the key that was given."""
    if not {low_key, high_key} & set(options) or {low_key, high_key} & {k for k, _ in problems}:
        return
    low = options.get(low_key, defaults[0])
    high = options.get(high_key, defaults[1])
    if low is None or high is None or low < high:
        return
    before = {"above": "below", "after": "before"}[after]
    if high_key in options:
        default = "" if low_key in options else ", the loader's default"
        problems.append((high_key, f"{high} must be {after} {low_key} ({low}{default})"))
    else:
        problems.append(
            (low_key, f"{low} must be {before} {high_key} ({high}, the loader's default)")
        )


_CHECK_OPTIONS_DOC = """Check options of :func:`load` against their documented ranges, before
    any file is read or trial generated.

    Parameters
    ----------
    **options
        Keyword arguments of :func:`load` (others are ignored).

    Returns
    -------
    problems : list of (str, str)
        ``(option, message)`` pairs; empty where the options are fine.
    """


def options_check(func: Callable) -> Callable:
    """Decorator of each dataset module's ``check_options``: its docstring, written once."""
    func.__doc__ = _CHECK_OPTIONS_DOC
    return func

"""Checks of arguments shared by every room, with messages that name the argument.

As nilearn's ``_utils``: one place for "must be one of", "must be a positive number" and
seeds, so that every public function says the same thing the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import InvalidInputError


def check_option(value: Any, options: Iterable[Any], name: str) -> Any:
    """``value`` if it is one of ``options``, else a ValueError listing them.

    >>> check_option("spectral", ("spectral", "kmeans"), "method")
    'spectral'
    """
    options = tuple(options)
    try:
        ok = value in options
    except TypeError:  # unhashable or incomparable values
        ok = False
    if not ok:
        raise InvalidInputError(f"`{name}` must be one of {options}, got {value!r}.")
    return value


def bounds_text(
    low: float | None,
    high: float | None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> str:
    """How bounds read in a message: an interval, or one comparison.

    Parameters
    ----------
    low, high : float | None
        The bounds (``None``: unbounded on that side).
    low_open, high_open : bool
        The bound itself is not allowed.

    Returns
    -------
    text : str
        ``""`` without bounds.

    Examples
    --------
    >>> bounds_text(0, 1, high_open=True), bounds_text(4, None), bounds_text(None, 5)
    ('in [0, 1)', '>= 4', '<= 5')
    """
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return ""


def _describe(low, high, strict_low: bool, integer: bool, unit: str) -> str:
    kind = "integer" if integer else "number"
    bounds = bounds_text(low, high, low_open=strict_low)
    if high is None and low == 0:
        text = f"{'positive' if strict_low else 'non-negative'} {kind}"
    else:
        text = f"{kind} {bounds}" if bounds else f"finite {kind}"
    article = "an" if text[0] in "aeiou" else "a"
    return f"{article} {text}" + (f" of {unit}" if unit else "")


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    strict_low: bool = False,
    integer: bool = False,
    unit: str = "",
) -> float | int:
    """A finite number (or integer) within bounds, else a ValueError naming ``name``.

    Parameters
    ----------
    value : object
        The argument.
    name : str
        Its name, as the caller's signature spells it.
    low, high : float | None
        Bounds; ``high`` is inclusive, ``low`` too unless ``strict_low``.
    integer : bool
        Require an integer (bools are refused); returns an ``int``.
    unit : str
        Said in the message (``"seconds"``, ``"pJ"``).

    Returns
    -------
    value : float | int

    Examples
    --------
    >>> check_number(0.5, "fraction", low=0, high=1)
    0.5
    >>> check_number(-1, "amount", low=0, unit="seconds")
    Traceback (most recent call last):
    ...
    s2decode.errors.InvalidInputError: `amount` must be a non-negative number of seconds, got -1.
    """
    wanted = _describe(low, high, strict_low, integer, unit)
    numeric = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )
    if not numeric or (integer and not isinstance(value, int | np.integer)):
        raise InvalidInputError(f"`{name}` must be {wanted}, got {value!r}.")
    number = int(value) if integer else float(value)
    ok = np.isfinite(number)
    if ok and low is not None:
        ok = number > low if strict_low else number >= low
    if ok and high is not None:
        ok = number <= high
    if not ok:
        raise InvalidInputError(f"`{name}` must be {wanted}, got {value!r}.")
    return number


def check_columns(table: Any, columns: Iterable[str], what: str, hint: str = "") -> None:
    """A ValueError naming the columns of ``columns`` that ``table`` lacks, if any.

    Parameters
    ----------
    table : pandas.DataFrame
        The table (its type is the caller's to check).
    columns : iterable of str
        The columns it needs.
    what : str
        The table as the message names it (``"The events file x.tsv"``).
    hint : str
        Said after the list of needed columns (``" as a run's scores.csv has"``).

    Examples
    --------
    >>> import pandas as pd
    >>> check_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "`table`")
    Traceback (most recent call last):
    ...
    s2decode.errors.InvalidInputError: `table` has no column 'b'; it needs 'a', 'b' (found 'a').
    """
    columns = tuple(columns)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InvalidInputError(
            f"{what} has no column {', '.join(map(repr, missing))}; it needs "
            f"{', '.join(map(repr, columns))}{hint} (found "
            f"{', '.join(map(repr, table.columns)) or 'none'})."
        )


def check_seed(seed: Any, name: str = "seed") -> np.random.Generator:
    """A numpy Generator from an int, a Generator or None, else a TypeError.

    >>> int(check_seed(0).integers(10)) == int(check_seed(0).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"`{name}` must be an int, a numpy Generator or None, got {seed!r}.")
    return np.random.default_rng(seed)


def check_array(
    values: Any,
    name: str,
    *,
    ndim: int | None = None,
    axes: Iterable[str] = (),
    finite: bool = True,
) -> np.ndarray:
    """A real numeric array, else an :class:`~s2decode.errors.InvalidInputError` naming ``name``.

    Refuses object, string and complex dtypes, another number of dimensions than ``ndim``,
    an axis of length 0 and (with ``finite``) NaN or infinite values, each with the fix.

    Parameters
    ----------
    values : array-like
        The argument.
    name : str
        Its name, as the caller's signature spells it.
    ndim : int | None
        The number of dimensions it must have.
    axes : iterable of str
        The names of its axes, for the messages (``("n_trials", "n_nodes", "n_times")``).
    finite : bool
        Refuse NaN and infinite values.

    Returns
    -------
    array : numpy.ndarray
        ``values`` as an array (booleans and integers kept, not copied where possible).

    Examples
    --------
    >>> check_array([[1.0, 2.0]], "X", ndim=2).shape
    (1, 2)
    >>> check_array([1 + 2j], "X")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    s2decode.errors.InvalidInputError: `X` holds complex values; pass real ones (np.abs(X) ...
    """
    axes = tuple(axes)
    shape_text = f" ({', '.join(axes)})" if axes else ""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as err:  # ragged nested sequences
        raise InvalidInputError(
            f"`{name}` is not a regular array{shape_text}: {err}; give a numpy array of numbers."
        ) from None
    if array.dtype.kind == "c":
        raise InvalidInputError(
            f"`{name}` holds complex values; pass real ones (np.abs({name}) for amplitudes, "
            f"{name}.real for the real part)."
        )
    if array.dtype.kind not in "biuf":
        raise InvalidInputError(
            f"`{name}` must hold numbers, got dtype {array.dtype}; convert it with "
            f"{name}.astype(float) after removing the values that are not numbers."
        )
    if ndim is not None and array.ndim != ndim:
        raise InvalidInputError(
            f"`{name}` must be {ndim}-D{shape_text}, got shape {array.shape}; reshape it."
        )
    empty = [i for i, n in enumerate(array.shape) if n == 0]
    if empty:
        axis = axes[empty[0]] if empty[0] < len(axes) else f"axis {empty[0]}"
        raise InvalidInputError(
            f"`{name}` has shape {array.shape}: its {axis} axis is empty; give at least one "
            "value along every axis."
        )
    if finite and array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise InvalidInputError(
            f"`{name}` contains {bad} NaN or infinite value(s); clean or drop them first "
            "(e.g. interpolate bad samples, or drop the trials that hold them)."
        )
    return array

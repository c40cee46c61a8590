"""Where s2decode finds recordings and keeps its caches.

Three settings, each an environment variable with a function that resolves it:

``S2DECODE_DATA``
    The data directory holding the public recordings (the layout of ``shared/data``:
    ``eeg/eegbci_S001``, ``eeg/eegmat``, ``fmri/haxby2001_sub001``, ``spikes/...``,
    ``atlases/...``). Defaults to ``~/s2decode_data``. Every loader also takes an explicit
    ``data_dir=`` argument that wins over the environment.
``S2DECODE_CACHE``
    Where compiled kernels (Brian2) and cached features go. Defaults to ``~/.cache/s2decode``.
``S2DECODE_MEMORY_BUDGET``
    How much memory one call may allocate for its large arrays (a simulation batch, the
    pair-metric matrices, a projection): bytes (``"8GB"``, ``"512MiB"``, ``2e9``) or a
    percentage of the memory available when it is read (``"25%"``). Defaults to half of the
    available memory. Work over the budget is done in smaller pieces where it can be, and
    refused before allocating (:class:`~s2decode.errors.MemoryBudgetError`) where it
    cannot. Functions with a ``max_memory=`` argument take it over the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "S2DECODE_DATA"
CACHE_ENV = "S2DECODE_CACHE"
MEMORY_ENV = "S2DECODE_MEMORY_BUDGET"

_UNITS = {
    "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40,
}  # fmt: skip


def get_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Resolve the data directory.

    Parameters
    ----------
    data_dir : path-like | None
        Explicit directory. ``None`` reads the ``S2DECODE_DATA`` environment variable and
        falls back to ``~/s2decode_data``.

    Returns
    -------
    path : pathlib.Path
        The directory (not created, and not checked for existence: loaders say what is
        missing and how to fetch it).
    """
    if data_dir is None:
        data_dir = os.environ.get(DATA_ENV) or Path.home() / "s2decode_data"
    return Path(data_dir).expanduser().resolve()


def get_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Resolve (and create) the cache directory for compiled kernels and features.

    Parameters
    ----------
    cache_dir : path-like | None
        Explicit directory. ``None`` reads ``S2DECODE_CACHE`` and falls back to
        ``~/.cache/s2decode``.

    Returns
    -------
    path : pathlib.Path
        The existing directory.
    """
    if cache_dir is None:
        cache_dir = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "s2decode"
    path = Path(cache_dir).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def available_memory() -> int:
    """Bytes of memory available to new allocations now (psutil, else ``os.sysconf``).

    Returns
    -------
    nbytes : int
        ``psutil.virtual_memory().available`` where psutil is installed (it is with Dask),
        else the free physical pages times the page size, else 4 GB.
    """
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil comes with distributed
        pass
    try:  # pragma: no cover
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 4 * 10**9


def _parse_budget(value: str | float, source: str) -> int:
    """Bytes of a budget given as bytes, a size with units or a percentage."""
    from .errors import InvalidInputError

    text = str(value).strip().upper().replace(" ", "").replace("_", "")
    try:
        if text.endswith("%"):
            nbytes = float(text[:-1]) / 100 * available_memory()
        else:
            unit = next((u for u in sorted(_UNITS, key=len, reverse=True) if text.endswith(u)), "")
            nbytes = float(text[: len(text) - len(unit)]) * _UNITS.get(unit, 1)
    except ValueError:
        nbytes = float("nan")
    if not nbytes >= 1 or nbytes == float("inf"):
        raise InvalidInputError(
            f"{source}={value!r} is not a memory budget: give bytes (2e9), a size such as "
            "'8GB' or '512MiB', or a percentage of the available memory such as '25%'."
        )
    return int(nbytes)


def get_memory_budget(memory_budget: str | float | None = None) -> int:
    """Resolve the memory budget: how many bytes one call may allocate for its large arrays.

    Parameters
    ----------
    memory_budget : str | float | None
        Explicit budget: bytes (``2e9``), a size (``"8GB"``, ``"512MiB"``) or a percentage
        of the memory available now (``"25%"``). ``None`` reads the
        ``S2DECODE_MEMORY_BUDGET`` environment variable (same forms) and falls back to half
        of the available memory (:func:`available_memory`).

    Returns
    -------
    nbytes : int
        The budget in bytes (at least 1).

    Raises
    ------
    s2decode.errors.InvalidInputError
        Where the budget is not a positive size.

    Examples
    --------
    >>> from s2decode import get_memory_budget
    >>> get_memory_budget("1.5GB")
    1500000000
    >>> get_memory_budget("512MiB")
    536870912
    """
    if memory_budget is not None:
        return _parse_budget(memory_budget, "memory_budget")
    value = os.environ.get(MEMORY_ENV, "").strip()
    if value:
        return _parse_budget(value, MEMORY_ENV)
    return max(1, available_memory() // 2)

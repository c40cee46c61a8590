"""Where s2decode finds recordings and keeps its caches.

Two settings, each an environment variable with a function that resolves it:

``S2DECODE_DATA``
    The data directory holding the public recordings (the layout of ``shared/data``:
    ``eeg/eegbci_S001``, ``eeg/eegmat``, ``fmri/haxby2001_sub001``, ``spikes/...``,
    ``atlases/...``). Defaults to ``~/s2decode_data``. Every loader also takes an explicit
    ``data_dir=`` argument that wins over the environment.
``S2DECODE_CACHE``
    Where compiled kernels (Brian2) and cached features go. Defaults to ``~/.cache/s2decode``.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "S2DECODE_DATA"
CACHE_ENV = "S2DECODE_CACHE"


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

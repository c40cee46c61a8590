"""What every dataset module shares: finding its folder, and downloading with checksums."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import DATA_ENV, get_data_dir


class DatasetNotFoundError(FileNotFoundError):
    """The data directory does not hold the dataset (the message says how to fetch it)."""


def dataset_path(
    name: str, folder: str, data_dir: str | os.PathLike | None = None, must_have: str = ""
) -> Path:
    """The folder of dataset ``name`` inside the data directory, checked to exist.

    Parameters
    ----------
    name : str
        Public name of the dataset (as given to :func:`s2decode.datasets.load`).
    folder : str
        Its folder relative to the data directory, e.g. ``"eeg/eegbci_S001"``.
    data_dir : path-like | None
        Data directory; ``None`` uses :func:`s2decode.get_data_dir`.
    must_have : str
        A file (relative to the folder) that must exist too.

    Returns
    -------
    path : pathlib.Path
        The dataset folder.

    Raises
    ------
    DatasetNotFoundError
        Where the folder (or ``must_have``) is missing, with the commands that fetch it.
    """
    root = get_data_dir(data_dir)
    path = root / folder
    target = path / must_have if must_have else path
    if not target.exists():
        raise DatasetNotFoundError(
            f"Dataset {name!r} not found: {target} does not exist. Point the data directory at "
            f"a folder that has it (data_dir=... or the {DATA_ENV} environment variable; now "
            f"{root}), or download it with `s2decode fetch {name}` "
            f"(s2decode.datasets.fetch({name!r}))."
        )
    return path


def download(url: str, known_hash: str | None, dest_dir: Path, fname: str | None = None) -> Path:
    """Download one file with pooch, verifying its checksum.

    Parameters
    ----------
    url : str
        Public address of the file.
    known_hash : str | None
        ``"sha256:..."`` or ``"md5:..."``; ``None`` only where the source publishes none.
    dest_dir : pathlib.Path
        Folder to put the file in (created).
    fname : str | None
        File name; defaults to the last part of the URL.

    Returns
    -------
    path : pathlib.Path
        The downloaded (or already present and verified) file.
    """
    import pooch

    dest_dir.mkdir(parents=True, exist_ok=True)
    return Path(
        pooch.retrieve(url, known_hash=known_hash, fname=fname, path=dest_dir, progressbar=True)
    )

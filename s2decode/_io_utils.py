"""Atomic writes: nothing is ever written half; and the reader of the netCDF files written.

Every file s2decode writes goes to a temporary file in the target directory first and is
renamed into place (``os.replace`` is atomic on POSIX and Windows), so an interrupted run
leaves the earlier result intact. :func:`read_netcdf` reads back what
:func:`atomic_write_netcdf` wrote.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

_TEMPORARY_SUFFIX = ".part"  # of atomic_write's temporary files (see temporary_pattern)


def temporary_pattern(name: str = "*") -> str:
    """Glob pattern of the temporary files :func:`atomic_write` makes for the final file name
    ``name`` (itself a pattern): a run killed before its rename leaves one behind."""
    return f".{name}.*{_TEMPORARY_SUFFIX}"


def atomic_write(
    fname: str | os.PathLike, write: Callable[[Path], None], overwrite: bool = True
) -> Path:
    """Call ``write(tmp_path)`` and move the finished file to ``fname``.

    Parameters
    ----------
    fname : path-like
        Final path; its parent directory is created.
    write : callable
        Writes the complete file to the path it is given.
    overwrite : bool
        If False and ``fname`` exists, raise :class:`FileExistsError`.

    Returns
    -------
    path : pathlib.Path
        The final path.
    """
    path = Path(fname)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMPORARY_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        # mkstemp creates the file 0600; give it the permissions a plain open() would
        os.chmod(tmp_path, 0o666 & ~current_umask())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def check_creatable(target: Path, failure: str, fix: str) -> None:
    """Raise where ``target`` could not be created: its nearest existing folder is a file or
    not writable.

    Parameters
    ----------
    target : pathlib.Path
        A file or folder that is to be written (it and its parents may not exist yet).
    failure : str
        The start of the message, what cannot be done (``"cannot write model.skops"``).
    fix : str
        The end of the message, what to do instead.

    Raises
    ------
    s2decode.errors.OutputError
        Where the nearest existing ancestor of ``target`` is a file, or a folder the process
        cannot write.
    """
    from .errors import OutputError

    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{failure}: {parent} is a file, not a folder; {fix}")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{failure}: the folder {parent} is not writable; {fix}")


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(fname: str | os.PathLike, text: str, overwrite: bool = True) -> Path:
    """Write a text file atomically."""
    return atomic_write(fname, lambda p: p.write_text(text), overwrite=overwrite)


def atomic_write_netcdf(obj, fname: str | os.PathLike, overwrite: bool = True) -> Path:
    """Write an xarray Dataset or DataArray to netCDF (h5netcdf engine) atomically."""
    return atomic_write(
        fname,
        lambda p: obj.to_netcdf(p, engine="h5netcdf", invalid_netcdf=True),
        overwrite=overwrite,
    )


def read_netcdf(fname: str | os.PathLike, missing: str):
    """Read a netCDF file as :func:`atomic_write_netcdf` writes it (h5netcdf engine), wholly.

    Parameters
    ----------
    fname : path-like
        The file.
    missing : str
        Message of the error where ``fname`` is not a file; ``{path}`` stands for its path.

    Returns
    -------
    ds : xarray.Dataset
        Loaded into memory; the file is closed again.

    Raises
    ------
    FileNotFoundError
        Where ``fname`` is not a file.
    s2decode.errors.DataFileError
        Where it is not a complete netCDF file (truncated, corrupt).
    """
    import xarray as xr

    from .errors import DataFileError

    path = Path(fname)
    if not path.is_file():
        raise FileNotFoundError(missing.format(path=path))
    try:
        return xr.load_dataset(path, engine="h5netcdf")
    except (OSError, ValueError) as err:
        raise DataFileError(
            f"{path} is not a complete netCDF file ({err}); write it again with the function "
            "that made it (e.g. SpikeTrains.save, Scaffold.save)."
        ) from err

"""On-disk cache of the S2 features of each cross-validation unit.

A unit (one subject's fold, or one left-out subject) is the expensive part of a pipeline: S2-Net
simulated on every trial. Its features are stored as netCDF under a key that hashes everything
they depend on -- the data (a fingerprint of the trials' values and labels), the parts of the
pipeline that change the features (:meth:`PipelineSpec.fingerprint`), the contents of an
atlas file, the fold's train/test indices, and the code (:func:`code_fingerprint`: the package's
source and the versions of the libraries that compute the features) -- so that a re-run, or a
run restarted after an interruption, reads what was finished instead of simulating it again,
and a change of any of these recomputes.
Entries are written atomically: a killed run leaves complete entries or none. Each entry
carries the SHA-256 of what it holds (:func:`entry_checksum`, in its ``attrs["sha256"]``):
an entry that is truncated, altered, or written without one is detected when read, counted as
a miss (with a warning) and recomputed, never used. A write that fails (a full disk) leaves
the other entries as they were.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from .._io_utils import atomic_write_netcdf, temporary_pattern
from ..errors import OutputError

#: Folder of the feature entries inside the s2decode cache directory.
CACHE_SUBDIR = "pipeline-features"
#: What each feature column is: S2Featurizer.transform_xarray's coordinates and the feature
#: set it belongs to (which S2Decoder's choice of feature sets reads).
COLUMNS = ("metric", "element", "window", "feature_set")


def data_fingerprint(trials: xr.DataArray) -> str:
    """SHA-256 of a trials DataArray: its values, dims, labels, groups and sampling rate.

    Parameters
    ----------
    trials : xarray.DataArray
        Trials (:mod:`s2decode.trials`).

    Returns
    -------
    fingerprint : str
        Hex digest; equal for equal data, different when a value, label or shape differs.
    """
    h = hashlib.sha256()
    values = np.ascontiguousarray(trials.values)
    h.update(repr((trials.dims, values.shape, str(values.dtype))).encode())
    h.update(values.tobytes())
    for name in sorted(trials.coords):
        coord = trials.coords[name]
        h.update(name.encode())
        h.update(repr(coord.dims).encode())
        h.update(np.asarray(coord.values).astype(str).tobytes())
    h.update(repr(trials.attrs.get("sfreq")).encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the package's source and of the libraries that compute the features.

    Part of every cache key, so that features cached by other code -- an edited checkout, a
    new release of Brian2 or Numba -- are recomputed rather than reused.
    """
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    for name in ("numpy", "scipy", "scikit-learn", "brian2", "numba", "mne", "nilearn"):
        try:
            h.update(f"{name}={version(name)}".encode())
        except PackageNotFoundError:
            h.update(f"{name}=absent".encode())
    return h.hexdigest()


def file_fingerprint(path: str | os.PathLike) -> str:
    """SHA-256 of a file's contents (e.g. an atlas image given by path)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def entry_checksum(key: str, unit: dict) -> str:
    """SHA-256 of what a cache entry holds: its key, features, feature names and columns.

    Parameters
    ----------
    key : str
        The entry's key (:func:`unit_key`).
    unit : dict
        ``X_train``, ``X_test``, ``names`` and ``columns``, as :meth:`FeatureCache.get`
        returns them.

    Returns
    -------
    checksum : str
        Hex digest, the same for the values written and the values read back; any changed
        value, name, shape or key changes it.
    """
    h = hashlib.sha256(key.encode())
    for part in ("X_train", "X_test"):
        values = np.ascontiguousarray(unit[part], dtype=np.float64)
        h.update(f"\0{part}{values.shape}".encode())
        h.update(values.tobytes())
    h.update(b"\0names")
    h.update("\0".join(str(n) for n in unit["names"]).encode())
    for column in COLUMNS:
        h.update(f"\0{column}\0".encode())
        h.update("\0".join(map(str, np.asarray(unit["columns"][column]).tolist())).encode())
    if unit.get("energy_pj") is not None:  # entries written before energy was kept have none
        h.update(b"\0energy_pj")
        h.update(np.ascontiguousarray(unit["energy_pj"], dtype=np.float64).tobytes())
    return h.hexdigest()


def unit_key(
    spec_fingerprint: str,
    data_fingerprints: list[str],
    train: np.ndarray,
    test: np.ndarray,
    version: str,
) -> str:
    """Cache key of one unit: hex SHA-256 of everything its features depend on."""
    h = hashlib.sha256()
    for part in (spec_fingerprint, *data_fingerprints, version):
        h.update(part.encode())
        h.update(b"\0")
    for index in (train, test):
        h.update(np.asarray(index, dtype=np.int64).tobytes())
        h.update(b"\0")
    return h.hexdigest()


class FeatureCache:
    """Features of finished units, one netCDF file per key.

    Parameters
    ----------
    directory : path-like | None
        Where the entries live; ``None`` disables the cache (``get`` misses, ``put`` does
        nothing).
    """

    def __init__(self, directory: str | os.PathLike | None):
        self.directory = None if directory is None else Path(directory)

    @property
    def enabled(self) -> bool:
        """Whether entries are read and written."""
        return self.directory is not None

    def path(self, key: str) -> Path:
        """File of the entry ``key``."""
        if self.directory is None:
            raise RuntimeError("The cache is disabled.")
        return self.directory / key[:2] / f"{key}.nc"

    def get(self, key: str) -> dict | None:
        """The features of a finished unit, or ``None``.

        Returns
        -------
        unit : dict | None
            ``X_train``, ``X_test`` (arrays ``(n_trials, n_features)``), ``names`` (list of
            str), ``columns`` (``metric``, ``element``, ``window`` of each feature) and
            ``energy_pj`` (S2-Net's energy per test trial; ``None`` in older entries).
            A damaged entry -- unreadable (truncated, or written by an incompatible library
            version), or holding other values than its checksum says (altered, or written
            before entries had checksums) -- counts as a miss, with a ``RuntimeWarning``
            naming its file, and is recomputed.
        """
        if self.directory is None:
            return None
        fname = self.path(key)
        if not fname.is_file():
            return None
        try:
            with xr.open_dataset(fname, engine="h5netcdf") as ds:
                ds = ds.load()
            unit = {
                "X_train": ds["X_train"].values,
                "X_test": ds["X_test"].values,
                "names": [str(n) for n in ds["feature"].values],
                "columns": {c: ds[c].values for c in COLUMNS},
                "energy_pj": ds["energy_pj"].values if "energy_pj" in ds else None,
                "seconds": float(ds.attrs.get("seconds", 0.0)),  # of the run that computed it
            }
            stored = ds.attrs.get("sha256")
        except (OSError, ValueError, KeyError, TypeError) as err:
            self._damaged(fname, f"it cannot be read ({type(err).__name__}: {err})")
            return None
        if stored != entry_checksum(key, unit):
            self._damaged(
                fname,
                "its checksum does not match its contents (altered or damaged)"
                if stored
                else "it has no checksum (written by an older s2decode)",
            )
            return None
        return unit

    def remove_stale_parts(self, older_than: float = 3600.0) -> list[Path]:
        """Delete the half-written entries of runs that were killed while writing one.

        :meth:`put` writes each entry to a hidden ``.<key>.nc.*.part`` file beside it and
        renames it into place; a run killed in between (SIGKILL, a power cut) leaves that
        file behind. It is never read, but takes space: those last modified more than
        ``older_than`` seconds ago are deleted (a live run's write takes milliseconds).

        Returns
        -------
        removed : list of pathlib.Path
            The files deleted.
        """
        if self.directory is None or not self.directory.is_dir():
            return []
        cutoff, removed = time.time() - older_than, []
        for part in self.directory.glob(f"*/{temporary_pattern('*.nc')}"):
            try:
                if part.stat().st_mtime < cutoff:
                    part.unlink()
                    removed.append(part)
            except FileNotFoundError:  # another run removed it first
                continue
        return removed

    @staticmethod
    def _damaged(fname: Path, why: str) -> None:
        warnings.warn(
            f"The feature cache entry {fname} is not used: {why}. Its unit is recomputed "
            "and the entry written again.",
            RuntimeWarning,
            stacklevel=3,
        )

    def put(self, key: str, unit: dict) -> None:
        """Store a unit's features (atomically, with their checksum); ``unit`` as
        :meth:`get` returns it.

        Raises
        ------
        s2decode.errors.OutputError
            Where the entry cannot be written (a full disk, a read-only folder); the other
            entries are left as they were, and no part of this one is.
        """
        if self.directory is None:
            return
        ds = xr.Dataset(
            {
                "X_train": (("train_trial", "feature"), np.asarray(unit["X_train"], float)),
                "X_test": (("test_trial", "feature"), np.asarray(unit["X_test"], float)),
                **(
                    {"energy_pj": ("test_trial", np.asarray(unit["energy_pj"], float))}
                    if unit.get("energy_pj") is not None
                    else {}
                ),
            },
            coords={
                "feature": np.asarray(unit["names"], dtype=str),
                **{c: ("feature", np.asarray(unit["columns"][c])) for c in COLUMNS},
            },
            attrs={"key": key, "seconds": float(unit.get("seconds", 0.0))},
        )
        # the checksum of the values as written (as get() will read them back)
        ds.attrs["sha256"] = entry_checksum(
            key,
            {
                "X_train": ds["X_train"].values,
                "X_test": ds["X_test"].values,
                "names": ds["feature"].values,
                "columns": {c: ds[c].values for c in COLUMNS},
                "energy_pj": ds["energy_pj"].values if "energy_pj" in ds else None,
            },
        )
        fname = self.path(key)
        try:
            fname.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_netcdf(ds, fname)
        except OSError as err:
            error = OutputError(
                f"Could not write the feature cache entry {fname} ({err.strerror or err}); "
                f"the cache's other entries in {self.directory} are intact, and no part of "
                "this one was kept. Free space there (or pass another cache folder) so that "
                "later runs can reuse this unit."
            )
            error.errno = err.errno
            raise error from err

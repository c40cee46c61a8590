"""The tables of a run's output folder, as CSV and as Parquet, and the features' effect sizes.

``scores``, ``predictions`` and ``effect_sizes`` are written twice, with the same rows and
columns: ``<name>.csv`` (any spreadsheet, ``pandas.read_csv``) and ``<name>.parquet``
(typed columns, read by pandas, polars, R's arrow, DuckDB, Spark without parsing:
``pandas.read_parquet``). Both are written atomically (:func:`s2decode._io_utils.atomic_write`);
the feature matrices stay netCDF (``features/<subject>.nc``), with their coordinates.

:func:`feature_effect_sizes` is the per-feature table: how strongly each out-of-fold S2
feature of a subject separates the classes (eta squared of a one-way ANOVA, its F statistic
and p-value).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .._io_utils import atomic_write, atomic_write_text

__all__ = ["TABLES", "feature_effect_sizes", "read_table", "write_parquet", "write_table"]

#: The tables a run writes as both ``<name>.csv`` and ``<name>.parquet``.
TABLES = ("scores", "predictions", "effect_sizes")


def write_parquet(frame: pd.DataFrame, fname: str | os.PathLike) -> Path:
    """Write a table to Parquet (pyarrow, no index) atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    fname : path-like
        The file (``.parquet``); its folder is created.

    Returns
    -------
    path : pathlib.Path
    """
    return atomic_write(fname, lambda p: frame.to_parquet(p, engine="pyarrow", index=False))


def write_table(frame: pd.DataFrame, folder: str | os.PathLike, name: str) -> list[Path]:
    """Write ``<folder>/<name>.csv`` and ``<folder>/<name>.parquet``, each atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (its index is not written).
    folder : path-like
        Where.
    name : str
        File name without its extension (``"scores"``).

    Returns
    -------
    paths : list of pathlib.Path
        The CSV and the Parquet file.
    """
    folder = Path(folder)
    return [
        atomic_write_text(folder / f"{name}.csv", frame.to_csv(index=False)),
        write_parquet(frame, folder / f"{name}.parquet"),
    ]


def read_table(fname: str | os.PathLike) -> pd.DataFrame:
    """Read a table written by :func:`write_table` or :func:`write_parquet` (by extension).

    ``.parquet`` with :func:`pandas.read_parquet`; ``.csv`` with :func:`pandas.read_csv`,
    the ``subject`` column read as text (``"03"`` stays ``"03"``).
    """
    path = Path(fname)
    if path.suffix == ".parquet":
        return pd.read_parquet(path, engine="pyarrow")
    return pd.read_csv(path, dtype={"subject": str})


def feature_effect_sizes(features: Mapping[str, xr.DataArray]) -> pd.DataFrame:
    """How strongly each S2 feature separates the classes, per subject.

    A one-way ANOVA of each feature column over the classes of the subject's trials (the
    out-of-fold features of ``features/<subject>.nc``: every value comes from a featurizer
    fitted without that trial).

    Parameters
    ----------
    features : mapping of str to xarray.DataArray
        Subject -> ``(trial, feature)`` features with a ``y`` coordinate on ``trial`` and
        the feature columns' coordinates (``metric``, ``element``, ``window``,
        ``feature_set``) on ``feature``.

    Returns
    -------
    table : pandas.DataFrame
        One row per subject and feature: ``subject``, ``feature``, the columns'
        coordinates, ``n_trials``, ``n_classes``, ``eta_squared`` (between-class sum of
        squares over the total: the share of the feature's variance the classes explain,
        0 to 1), ``f_statistic`` and ``p_value`` (the ANOVA's F test, not corrected for
        the number of features). A feature constant over the trials gets NaN, and so does
        every feature of a subject with one class (or one trial per class). Rows are in
        the features' order, subjects in the given order.
    """
    from scipy import stats

    frames = []
    for subject, feats in features.items():
        X = np.asarray(feats.values, dtype=float)
        y = np.asarray(feats["y"].values).astype(str)
        classes = np.unique(y)
        n, k = X.shape[0], classes.size
        grand = X.mean(axis=0)
        total = ((X - grand) ** 2).sum(axis=0)
        between = sum((y == c).sum() * (X[y == c].mean(axis=0) - grand) ** 2 for c in classes)
        with np.errstate(divide="ignore", invalid="ignore"):
            if k > 1 and n > k:
                eta = np.where(total > 0, between / total, np.nan)
                f = np.where(total > 0, (between / (k - 1)) / ((total - between) / (n - k)), np.nan)
                p = stats.f.sf(f, k - 1, n - k)
            else:
                eta = f = p = np.full(X.shape[1], np.nan)
        frame = pd.DataFrame(
            {
                "subject": str(subject),
                "feature": np.asarray(feats["feature"].values).astype(str),
                **{
                    name: np.asarray(coord.values)
                    for name, coord in feats.coords.items()
                    if coord.dims == ("feature",) and name != "feature"
                },
                "n_trials": n,
                "n_classes": k,
                "eta_squared": eta,
                "f_statistic": f,
                "p_value": p,
            }
        )
        frames.append(frame)
    if not frames:
        return pd.DataFrame(
            columns=["subject", "feature", "n_trials", "n_classes", "eta_squared",
                     "f_statistic", "p_value"]
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)

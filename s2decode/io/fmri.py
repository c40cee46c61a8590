"""fMRI to trials: 4D NIfTI runs plus BIDS-style events -> (trial, parcel, time).

The way through, one run at a time, all with nilearn:

1. node time series: a label-image atlas through :class:`~nilearn.maskers.NiftiLabelsMasker`,
   a coordinate atlas through :class:`~nilearn.maskers.NiftiSpheresMasker` (spheres of the
   atlas' ``radius``), a data-driven parcellation fitted inside a mask with
   :class:`~nilearn.regions.Parcellations` (for images not in MNI space), or the voxels of
   the mask themselves (:class:`~nilearn.maskers.NiftiMasker`); cleaning (detrending,
   filtering, confound regression, standardisation) is the maskers' own, per run;
2. trials: each event (or block) keeps the volumes acquired in
   ``[onset + hrf_lag, onset + duration + hrf_lag)``, so the slow haemodynamic response is
   followed rather than the stimulus itself.

Runs become the ``group`` of their trials (the natural cross-validation folds of fMRI).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .._checks import check_columns
from ..errors import DataFileError, InvalidInputError
from ..trials import make_trials

__all__ = ["events_from_volume_labels", "fmri_to_trials", "read_events"]

EVENT_COLUMNS = ("onset", "duration", "trial_type")
_TIME_UNITS = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6}
_ZSCORE = ("zscore_sample", "zscore")


# --------------------------------------------------------------------------------------
# Events


def read_events(events: pd.DataFrame | str | os.PathLike, *, name: str = "events") -> pd.DataFrame:
    """Read and check one run's events (BIDS ``*_events.tsv`` columns).

    Parameters
    ----------
    events : pandas.DataFrame | path-like
        A table, or the path of a tab-separated file (``.csv`` files are read
        comma-separated), with at least the columns ``onset`` and ``duration`` (seconds from
        the first volume) and ``trial_type`` (the condition name).
    name : str
        How to call the events in error messages (e.g. ``"events[3]"``).

    Returns
    -------
    events : pandas.DataFrame
        Columns ``onset`` (float), ``duration`` (float), ``trial_type`` (str) and any other
        column of the input, sorted by onset, with a fresh index.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If a column is missing, a value is not a number / is missing, or there are no events.
    """
    where = name
    if isinstance(events, str | os.PathLike):
        path = Path(events).expanduser()
        where = f"{name} file {path}"
        if not path.is_file():
            raise FileNotFoundError(f"The {where} does not exist.")
        sep = "," if path.suffix.lower() == ".csv" else "\t"
        try:
            events = pd.read_csv(path, sep=sep)
        except pd.errors.EmptyDataError:
            raise ValueError(
                f"The {where} is empty: it needs a header with the columns "
                f"{', '.join(EVENT_COLUMNS)} and one row per event."
            ) from None
        except (UnicodeDecodeError, pd.errors.ParserError) as err:
            raise ValueError(f"Could not read the {where} as a table: {err}") from None
    elif not isinstance(events, pd.DataFrame):
        raise TypeError(
            f"`{name}` must be a pandas.DataFrame or the path of a BIDS events TSV file, got "
            f"{type(events).__name__}."
        )
    check_columns(events, EVENT_COLUMNS, f"The {where}", " as BIDS events have")
    if len(events) == 0:
        raise ValueError(f"The {where} holds no events.")
    out = events.copy()
    for col in ("onset", "duration"):
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(float, na_value=np.nan))
        if bad.any():
            raise ValueError(
                f"Column {col!r} of the {where} must hold finite numbers (seconds); rows "
                f"{np.flatnonzero(bad.to_numpy())[:5].tolist()} do not."
            )
        out[col] = values.astype(float)
    if (out["duration"] < 0).any():
        raise ValueError(f"Column 'duration' of the {where} has negative values.")
    if out["trial_type"].isna().any():
        raise ValueError(
            f"Column 'trial_type' of the {where} has missing values (n/a); drop those rows or "
            "name their condition."
        )
    out["trial_type"] = out["trial_type"].astype(str)
    return out.sort_values("onset", kind="stable").reset_index(drop=True)


def events_from_volume_labels(
    labels: Sequence[str] | np.ndarray, t_r: float, *, baseline: str | None = "rest"
) -> pd.DataFrame:
    """Block events from one run's per-volume condition labels.

    PyMVPA-style datasets (``attributes.txt``, nilearn's ``fetch_haxby`` ``labels.txt``) give
    the condition shown at each volume instead of an events table. Each maximal stretch of
    identical labels becomes one block.

    Parameters
    ----------
    labels : sequence of str, shape (n_volumes,)
        Condition at each volume of the run, in acquisition order.
    t_r : float
        Repetition time in seconds.
    baseline : str | None
        Label of the baseline (no event); ``None`` keeps every stretch as an event.

    Returns
    -------
    events : pandas.DataFrame
        ``onset`` (first volume of the block x ``t_r``), ``duration`` (its number of volumes
        x ``t_r``) and ``trial_type``.
    """
    labels = np.asarray(labels).astype(str)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError("`labels` must be a non-empty 1-D sequence (one label per volume).")
    t_r = float(t_r)
    if not t_r > 0:
        raise ValueError(f"`t_r` must be a positive number of seconds, got {t_r!r}.")
    starts = np.concatenate([[0], np.flatnonzero(labels[1:] != labels[:-1]) + 1])
    stops = np.concatenate([starts[1:], [labels.size]])
    events = pd.DataFrame(
        {
            "onset": starts * t_r,
            "duration": (stops - starts) * t_r,
            "trial_type": labels[starts],
        }
    )
    if baseline is not None:
        events = events[events["trial_type"] != baseline].reset_index(drop=True)
    return events


# --------------------------------------------------------------------------------------
# Images


def _load_run(img: Any, name: str):
    """Load one 4D run, with errors that name the file."""
    import nibabel as nib
    from nilearn.image import load_img

    if isinstance(img, str | os.PathLike):
        path = Path(img).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"fMRI image {path} ({name}) does not exist.")
        try:
            img = nib.load(path)
        except Exception as err:
            raise DataFileError(
                f"Could not read {path} ({name}) as a NIfTI image: {err}. fMRI runs must be "
                "4D NIfTI files (.nii or .nii.gz)."
            ) from None
        _refuse_truncated(img, path, name)
    try:
        img = load_img(img)
    except Exception as err:
        raise TypeError(f"`{name}` is not an image nilearn can read: {err}") from None
    if img.ndim != 4:
        raise ValueError(f"`{name}` must be a 4D image (x, y, z, volumes), got shape {img.shape}.")
    return img


def _refuse_truncated(img: Any, path: Path, name: str) -> None:
    """Refuse an uncompressed NIfTI file shorter than its header says (nibabel reads the
    data lazily, so a truncated file would fail later, far from its name)."""
    header = getattr(img, "header", None)
    if header is None or "vox_offset" not in header or path.suffix.lower() != ".nii":
        return
    need = int(header["vox_offset"]) + int(np.prod(img.shape)) * header.get_data_dtype().itemsize
    size = path.stat().st_size
    if size < need:
        raise DataFileError(
            f"{path} ({name}) is truncated: {size} bytes where its header needs {need}; "
            "fMRI runs must be 4D NIfTI files (.nii or .nii.gz) -- copy or download it again."
        )


def _t_r_from_header(img, name: str) -> float:
    zooms = img.header.get_zooms()
    t_r = float(zooms[3]) if len(zooms) > 3 else 0.0
    try:
        unit = img.header.get_xyzt_units()[1]
    except Exception:  # not a NIfTI header: no time unit
        unit = "unknown"
    if not np.isfinite(t_r) or t_r <= 0:
        raise ValueError(
            f"The header of `{name}` gives no repetition time (pixdim[4] = {t_r}); pass t_r=... "
            "in seconds."
        )
    return t_r * _TIME_UNITS.get(unit, 1.0)


def _world_centroids(labels_img, values: np.ndarray) -> np.ndarray:
    """Centroids (n, 3) in the image's world millimetres of the given label values."""
    from nilearn.image import get_data

    data = np.asarray(get_data(labels_img))
    out = np.full((len(values), 3), np.nan)
    for i, value in enumerate(values):
        ijk = np.argwhere(data == value)
        if ijk.size:
            xyz = ijk @ labels_img.affine[:3, :3].T + labels_img.affine[:3, 3]
            out[i] = xyz.mean(axis=0)
    return out


def _load_confounds(confounds: Any, name: str) -> Any:
    if confounds is None:
        return None
    if isinstance(confounds, str | os.PathLike):
        path = Path(confounds).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"Confounds file {path} ({name}) does not exist.")
        if path.suffix.lower() in (".tsv", ".csv"):
            confounds = pd.read_csv(path, sep="," if path.suffix.lower() == ".csv" else "\t")
        else:
            confounds = np.loadtxt(path, ndmin=2)
        where = f"confounds file {path} ({name})"
    else:
        where = f"`{name}`"
    values = np.asarray(confounds, dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"The {where} holds NaN or infinite values (fMRIPrep derivatives start with n/a): "
            "select or fill the columns first, e.g. with "
            "nilearn.interfaces.fmriprep.load_confounds."
        )
    return confounds


def _as_list(value: Any, n: int | None, name: str) -> list:
    """One entry per run: a list/tuple is taken as per-run, anything else as a single run."""
    items = list(value) if isinstance(value, list | tuple) else [value]
    if n is not None and len(items) != n:
        raise ValueError(f"`{name}` has {len(items)} entries for {n} runs: give one per run.")
    return items


# --------------------------------------------------------------------------------------
# Node extraction


def _resolve_atlas(atlas: Any):
    """``"data-driven"`` / ``None`` stay; names and paths go through ``load_atlas``."""
    if atlas is None or (isinstance(atlas, str) and atlas == "data-driven"):
        return atlas
    from ..atlas.atlases import Atlas

    if isinstance(atlas, Atlas):
        return atlas
    if isinstance(atlas, str | os.PathLike):
        from ..atlas import atlases

        return atlases.load_atlas(atlas)
    raise TypeError(
        "`atlas` must be 'data-driven', None (voxels), an atlas name / label-image path or an "
        f"s2decode Atlas, got {type(atlas).__name__}."
    )


def _label_nodes(labels_img, region_atlas, atlas=None):
    """Names, coords, networks of the columns a NiftiLabelsMasker returned."""
    from nilearn.image import get_data

    ids = np.unique(np.asarray(get_data(region_atlas)))
    ids = ids[ids != 0]
    if atlas is None:  # data-driven parcels: named by their label value
        names = [f"parcel{int(v):03d}" for v in ids]
        return ids, names, _world_centroids(labels_img, ids), None
    values = (
        np.arange(1, atlas.n_parcels + 1)
        if atlas.label_values is None
        else np.asarray(atlas.label_values)
    )
    lookup = {int(v): i for i, v in enumerate(values)}
    unknown = [int(v) for v in ids if int(v) not in lookup]
    if unknown:
        raise ValueError(
            f"The label image of atlas {atlas.name!r} has values {unknown[:5]} that its "
            "label_values do not list."
        )
    index = [lookup[int(v)] for v in ids]
    networks = None if atlas.networks is None else [atlas.networks[i] for i in index]
    return ids, [atlas.labels[i] for i in index], atlas.coords[index], networks


def _sphere_seeds_kept(atlas, radius: float, img, mask_img) -> np.ndarray:
    """Indices of the atlas spheres that hold at least one (in-mask) voxel of the image."""
    from nilearn.image import get_data, resample_to_img

    if mask_img is None:
        mask = np.ones(img.shape[:3], bool)
    else:
        mask = np.asarray(
            get_data(
                resample_to_img(
                    mask_img,
                    img,
                    interpolation="nearest",
                    force_resample=True,
                    copy_header=True,
                )
            )
        ).astype(bool)
    ijk = np.argwhere(mask)
    xyz = ijk @ img.affine[:3, :3].T + img.affine[:3, 3]
    inv = np.linalg.inv(img.affine)
    seed_vox = np.rint(atlas.coords @ inv[:3, :3].T + inv[:3, 3]).astype(int)
    keep = []
    for i, seed in enumerate(atlas.coords):
        inside = bool(
            np.all(seed_vox[i] >= 0)
            and np.all(seed_vox[i] < mask.shape)
            and mask[tuple(seed_vox[i])]
        )
        if inside or (xyz.size and np.min(np.sum((xyz - seed) ** 2, axis=1)) <= radius**2):
            keep.append(i)
    return np.asarray(keep, dtype=int)


def fmri_to_trials(
    imgs: Any,
    events: Any,
    *,
    atlas: Any = "data-driven",
    mask_img: Any = None,
    t_r: float | None = None,
    hrf_lag: float = 4.0,
    window: float | None = None,
    trial_types: Sequence[str] | None = None,
    runs: Sequence | None = None,
    confounds: Any = None,
    n_parcels: int = 50,
    parcellation: str = "ward",
    radius: float | None = None,
    standardize: str | bool | None = "zscore_sample",
    detrend: bool = True,
    high_pass: float | None = None,
    low_pass: float | None = None,
    smoothing_fwhm: float | None = None,
    slice_time_ref: float = 0.0,
    image_space: str | None = None,
    random_state: int | None = 0,
    memory: Any = None,
    source: str = "",
) -> xr.DataArray:
    """Turn fMRI runs and their events into trials on parcels.

    Parameters
    ----------
    imgs : path-like | Niimg | list of those
        One 4D image per run (a single image is one run).
    events : pandas.DataFrame | path-like | list of those
        One BIDS events table per run, with columns ``onset``, ``duration`` (seconds from
        the first volume of the run) and ``trial_type``; see :func:`read_events`.
    atlas : "data-driven" | Atlas | str | path-like | None
        What the nodes are:

        * ``"data-driven"`` (default): ``n_parcels`` parcels fitted inside ``mask_img`` on
          all runs with :class:`nilearn.regions.Parcellations` (``parcellation`` method,
          deterministic given ``random_state``); for images that are not in MNI space. The
          fit sees every run without labels (unsupervised), so it is not refitted per
          cross-validation fold.
        * an :class:`~s2decode.atlas.Atlas` or a name / path for
          :func:`s2decode.atlas.load_atlas`: a label image is averaged per label with
          :class:`~nilearn.maskers.NiftiLabelsMasker` (resampled to the data), a coordinate
          atlas per sphere of ``radius`` with :class:`~nilearn.maskers.NiftiSpheresMasker`.
          The images must then be in the atlas' (MNI) space; parcels whose label or sphere
          holds no voxel of the images (inside ``mask_img``) are dropped with a warning.
        * ``None``: every voxel of ``mask_img`` is a node (node dim ``"voxel"``).
    mask_img : path-like | Niimg | None
        Brain mask. Needed for ``"data-driven"`` and voxels (``None`` computes an EPI mask
        from the runs, nilearn's default); optional with an atlas.
    t_r : float | None
        Repetition time in seconds; ``None`` reads it from the image header (pixdim[4]).
    hrf_lag : float
        Seconds added to every onset to follow the haemodynamic response (its peak is
        about 4-6 s after the stimulus).
    window : float | None
        Length of every trial window in seconds; ``None`` uses each event's ``duration``
        (block designs). Needed where durations are zero (event-related designs).
    trial_types : sequence of str | None
        Conditions to keep (``None``: all of them).
    runs : sequence | None
        Name (or number) of each run, stored as the trials' ``group``; ``None`` gives
        ``0, 1, ...``.
    confounds : array-like | pandas.DataFrame | path-like | list of those | None
        Confounds per run (n_volumes, n_confounds) regressed out by the masker.
    n_parcels : int
        Number of data-driven parcels.
    parcellation : {"ward", "kmeans", "rena", "hierarchical_kmeans"}
        Method of :class:`nilearn.regions.Parcellations`.
    radius : float | None
        Sphere radius in mm for a coordinate atlas; ``None`` uses ``atlas.radius`` (and
        5 mm where the atlas has none).
    standardize : {"zscore_sample", "psc"} | bool | None
        Standardisation of each node's time series per run (nilearn's ``standardize``);
        ``None`` or ``False``: none, ``True``: ``"zscore_sample"``.
    detrend : bool
        Remove a linear trend per run.
    high_pass, low_pass : float | None
        Butterworth filter cut-offs in Hz (nilearn's ``signal.clean``).
    smoothing_fwhm : float | None
        Spatial smoothing in mm before extraction (and before the parcellation fit).
    slice_time_ref : float
        When within a TR a volume counts as acquired, as a fraction of ``t_r`` (0: at the
        start, nilearn's convention; 0.5 after slice-timing correction to the middle slice).
    image_space : str | None
        Name of the space the images are in, recorded in ``attrs["coord_space"]`` for
        data-driven parcels and voxels (whose coordinates are the world millimetres of the
        images, MNI only where the images are); ``None`` records ``"native"``.
    random_state : int | None
        Seed of the parcellation.
    memory : str | joblib.Memory | None
        Cache of the nilearn maskers and parcellation.
    source : str
        Recorded in ``attrs["source"]``.

    Returns
    -------
    trials : xarray.DataArray
        Dims ``("trial", node, "time")``: node ``"parcel"`` (or ``"voxel"``), ``y`` = the
        ``trial_type``, ``group`` = the run, ``onset`` = the event onset in its run (s).
        The time axis counts seconds from the event onset at ``sfreq = 1 / t_r``.

    Notes
    -----
    A trial keeps the volumes whose acquisition time ``(k + slice_time_ref) * t_r`` lies in
    ``[onset + hrf_lag, onset + hrf_lag + (window or duration))``. Volumes are not
    resampled: trials whose windows hold different numbers of volumes are cropped to the
    shortest (the common minimum length), and trials whose window runs past either end of
    the run are dropped with a warning. Where events are not locked to the TR, the first
    volume of each trial lies up to one TR later than ``onset + hrf_lag``; the time axis
    gives the median of these offsets.

    Coordinates of data-driven parcels (centroids) and of voxels are the world millimetres
    of the images, which are MNI coordinates only if the images are in MNI space: see
    ``attrs["coord_space"]``; their ``network`` is empty.
    """
    img_list = [_load_run(img, f"imgs[{i}]") for i, img in enumerate(_as_list(imgs, None, "imgs"))]
    n_runs = len(img_list)
    if n_runs == 0:
        raise ValueError("`imgs` is empty: give at least one 4D run.")
    event_list = [
        read_events(ev, name=f"events[{i}]" if n_runs > 1 else "events")
        for i, ev in enumerate(_as_list(events, n_runs, "events"))
    ]
    run_names = list(range(n_runs)) if runs is None else _as_list(runs, n_runs, "runs")
    conf_list = (
        [None] * n_runs
        if confounds is None
        else [
            _load_confounds(c, f"confounds[{i}]")
            for i, c in enumerate(_as_list(confounds, n_runs, "confounds"))
        ]
    )
    if t_r is None:
        trs = {round(_t_r_from_header(img, f"imgs[{i}]"), 6) for i, img in enumerate(img_list)}
        if len(trs) > 1:
            raise ValueError(f"The runs have different repetition times {sorted(trs)}.")
        t_r = trs.pop()
    t_r = float(t_r)
    if not t_r > 0:
        raise ValueError(f"`t_r` must be a positive number of seconds, got {t_r!r}.")
    if window is not None and not window > 0:
        raise ValueError(f"`window` must be a positive number of seconds, got {window!r}.")

    # nilearn 0.15 drops booleans for `standardize`
    standardize = {True: "zscore_sample", False: None}.get(standardize, standardize)
    clean = {
        "standardize": standardize,
        "detrend": detrend,
        "high_pass": high_pass,
        "low_pass": low_pass,
        "t_r": t_r,
        "smoothing_fwhm": smoothing_fwhm,
        "memory": memory,
    }
    masker, nodes = _make_masker(
        _resolve_atlas(atlas),
        img_list,
        mask_img,
        clean,
        n_parcels=n_parcels,
        parcellation=parcellation,
        radius=radius,
        random_state=random_state,
        image_space=image_space,
    )

    data, y, group, onset, offsets = [], [], [], [], []
    for r, (img, ev, conf) in enumerate(zip(img_list, event_list, conf_list, strict=True)):
        if conf is not None and np.asarray(conf).shape[0] != img.shape[3]:
            raise ValueError(
                f"confounds[{r}] has {np.asarray(conf).shape[0]} rows for {img.shape[3]} "
                f"volumes of imgs[{r}]."
            )
        try:
            signals = np.asarray(masker.transform(img, confounds=conf), dtype=float)
        except ValueError as err:
            raise _no_overlap(err, nodes.atlas_name, f"imgs[{r}]") from None
        nodes.check_columns(masker, signals, r)
        if trial_types is not None:
            ev = ev[ev["trial_type"].isin([str(t) for t in trial_types])]
        for row, idx, offset in _event_volumes(
            ev, img.shape[3], t_r, hrf_lag, window, slice_time_ref, run_names[r]
        ):
            data.append(signals[idx].T)
            y.append(row.trial_type)
            group.append(run_names[r])
            onset.append(row.onset)
            offsets.append(offset)
    if not data:
        kept = "" if trial_types is None else f" of trial_types {list(trial_types)}"
        raise ValueError(f"No events{kept} with a complete window in any run: no trials.")
    n_times = min(d.shape[1] for d in data)
    units = {"psc": "% signal change"}.get(standardize, "z" if standardize in _ZSCORE else "a.u.")
    trials = make_trials(
        np.stack([d[:, :n_times] for d in data]),
        sfreq=1.0 / t_r,
        y=np.asarray(y),
        group=np.asarray(group),
        names=nodes.names,
        coords=np.asarray(nodes.coords, dtype=float),
        networks=nodes.networks,
        node_dim=nodes.node_dim,
        t_start=float(np.median(offsets)),
        onset=np.asarray(onset, dtype=float),
        modality="fmri",
        measure="continuous",
        units=units,
        source=source,
    )
    trials.attrs.update(
        {
            "t_r": t_r,
            "hrf_lag": float(hrf_lag),
            "atlas": nodes.atlas_name,
            "coord_space": nodes.coord_space,
        }
    )
    return trials


def _event_volumes(
    events: pd.DataFrame,
    n_volumes: int,
    t_r: float,
    hrf_lag: float,
    window: float | None,
    slice_time_ref: float,
    run: Any,
):
    """Yield ``(event row, volume indices, offset of the first volume from onset)``.

    Windows are ``[onset + hrf_lag, onset + hrf_lag + (window or duration))``; events
    whose window runs past the run are skipped with a warning.
    """
    frame_times = (np.arange(n_volumes) + slice_time_ref) * t_r
    tol = 1e-6 * t_r  # onsets written as decimals (52.5) must not miss their volume
    for row in events.itertuples(index=False):
        start = row.onset + hrf_lag
        stop = start + (window if window is not None else row.duration)
        # volumes the window holds on the infinite acquisition grid, run or no run
        first = np.ceil((start - tol) / t_r - slice_time_ref)
        last = np.ceil((stop - tol) / t_r - slice_time_ref)
        if last - first <= 0:
            raise ValueError(
                f"The event {row.trial_type!r} at {row.onset} s in run {run!r} lasts "
                f"{stop - start:g} s and holds no volume (t_r = {t_r} s); pass window=... "
                "(seconds) for event-related designs."
            )
        idx = np.flatnonzero((frame_times >= start - tol) & (frame_times < stop - tol))
        if idx.size < last - first:
            warnings.warn(
                f"Dropped the event {row.trial_type!r} at {row.onset} s of run {run!r}: its "
                f"window [{start:g}, {stop:g}) s runs past the run "
                f"(0 to {frame_times[-1] + t_r:g} s).",
                stacklevel=3,
            )
            continue
        yield row, idx, float(frame_times[idx[0]] - row.onset)


@dataclass
class _Nodes:
    """What the columns of a masker's output are (names, coordinates, networks).

    For label maskers the columns are known after the first transform only (nilearn drops
    labels outside the data or the mask): ``check_columns`` fills them in, from
    ``label_atlas`` (``None`` for a data-driven parcellation).
    """

    node_dim: str
    atlas_name: str
    coord_space: str
    names: list[str] | None = None
    coords: np.ndarray | None = None
    networks: list[str] | None = None
    label_atlas: Any = None
    label_ids: np.ndarray | None = None

    def check_columns(self, masker, signals: np.ndarray, run: int) -> None:
        from nilearn.maskers import NiftiLabelsMasker

        if isinstance(masker, NiftiLabelsMasker):
            ids, names, coords, networks = _label_nodes(
                masker.labels_img_, masker.region_atlas_, self.label_atlas
            )
            if self.label_ids is None:
                self.label_ids = ids
                self.names, self.coords, self.networks = names, coords, networks
                atlas = self.label_atlas
                if atlas is None:
                    self.atlas_name = self.atlas_name.format(n=len(ids))
                elif len(ids) < atlas.n_parcels:
                    warnings.warn(
                        f"{atlas.n_parcels - len(ids)} of the {atlas.n_parcels} parcels of "
                        f"atlas {atlas.name!r} hold no voxel of the images (inside the mask); "
                        "they are dropped.",
                        stacklevel=3,
                    )
            elif not np.array_equal(ids, self.label_ids):
                raise ValueError(
                    f"Run {run} covers other parcels than run 0: give runs of one geometry."
                )
        if signals.shape[1] != len(self.names):
            raise RuntimeError(
                f"nilearn returned {signals.shape[1]} signals for {len(self.names)} nodes; give "
                "a mask_img on the grid of the images."
            )


def _no_overlap(err: ValueError, atlas_name: str, what: str) -> Exception:
    """nilearn's "No label left" as an InvalidInputError with the fix; other errors as they are."""
    if "No label left" not in str(err):
        return err
    return InvalidInputError(
        f"The labels of `atlas` ({atlas_name}) cover no voxel of {what} ({err}): the atlas and "
        "the runs are in different spaces or fields of view. Give an atlas in the runs' space "
        "(e.g. MNI152 for fMRIPrep's space-MNI152NLin2009cAsym runs), or atlas='data-driven'."
    )


def _make_masker(
    atlas,
    img_list,
    mask_img,
    clean,
    *,
    n_parcels,
    parcellation,
    radius,
    random_state,
    image_space,
):
    """The fitted nilearn masker of the node type, and what its columns are."""
    from nilearn.maskers import NiftiLabelsMasker, NiftiMasker, NiftiSpheresMasker

    native = image_space or "native"
    if atlas is None:
        masker = NiftiMasker(mask_img=mask_img, **clean)
        masker.fit() if mask_img is not None else masker.fit(img_list)
        mask = masker.mask_img_
        ijk = np.argwhere(np.asarray(mask.get_fdata()) > 0)  # C order, as NiftiMasker's
        return masker, _Nodes(
            "voxel",
            "voxels",
            native,
            names=[f"voxel_{i}_{j}_{k}" for i, j, k in ijk],
            coords=ijk @ mask.affine[:3, :3].T + mask.affine[:3, 3],
        )
    if isinstance(atlas, str):  # "data-driven"
        from nilearn.regions import Parcellations

        parc = Parcellations(
            method=parcellation,
            n_parcels=n_parcels,
            random_state=random_state,
            mask=mask_img,
            **clean,
        )
        with warnings.catch_warnings():
            # kmeans may return fewer parcels than asked; attrs["atlas"] gives the real number
            warnings.filterwarnings("ignore", message=".*does not match the requested number")
            parc.fit(img_list)
        masker = NiftiLabelsMasker(labels_img=parc.labels_img_, **clean).fit(img_list[0])
        return masker, _Nodes("parcel", f"data-driven ({parcellation}, {{n}} parcels)", native)
    space = str(atlas.meta.get("space", "MNI152"))
    if atlas.image is not None:
        masker = NiftiLabelsMasker(labels_img=atlas.image, mask_img=mask_img, **clean)
        try:
            masker.fit(img_list[0])
        except ValueError as err:
            raise _no_overlap(err, atlas.name, "imgs[0]") from None
        return masker, _Nodes("parcel", atlas.name, space, label_atlas=atlas)
    rad = float(radius if radius is not None else atlas.radius or 5.0)
    keep = _sphere_seeds_kept(atlas, rad, img_list[0], mask_img)
    if keep.size == 0:
        raise ValueError(
            f"None of the {atlas.n_parcels} spheres of atlas {atlas.name!r} holds a voxel of "
            "the images: they are probably not in MNI space (use atlas='data-driven')."
        )
    if keep.size < atlas.n_parcels:
        warnings.warn(
            f"{atlas.n_parcels - keep.size} of the {atlas.n_parcels} spheres of atlas "
            f"{atlas.name!r} hold no voxel of the images (inside the mask); they are dropped.",
            stacklevel=3,
        )
    masker = NiftiSpheresMasker(
        seeds=atlas.coords[keep], radius=rad, mask_img=mask_img, allow_overlap=True, **clean
    ).fit(img_list[0])
    return masker, _Nodes(
        "parcel",
        atlas.name,
        space,
        names=[atlas.labels[i] for i in keep],
        coords=atlas.coords[keep],
        networks=None if atlas.networks is None else [atlas.networks[i] for i in keep],
    )

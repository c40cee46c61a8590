"""Spikes to trials: spike times or binned spikes per unit and trial -> spike counts.

Recorded units come in as spike counts per bin (``measure="spike_counts"``, units
``"count"``) in the trials data model (:mod:`s2decode.trials`), at the recording's own
resolution where it has one (binary 1 ms trains stay 1 ms bins). Their exact spike times
are kept as a :class:`~s2decode.spiketrains.SpikeTrains` (``return_spike_times=True``):
the simulator drives its input synapses with them and the spike-time metrics read them.

Nodes:

* no atlas: each unit is its own node (node dim ``"unit"``), with its MNI coordinates
  and recorded location where known;
* an atlas: units go onto parcels, by their recorded location name matched to the
  atlas' labels or by their MNI coordinates (the label-image voxel holding them, else
  the nearest parcel centre); the counts (and spike trains) of the units of one parcel
  are summed (merged), and the number of units behind each parcel is kept in the
  ``n_units`` coordinate.

Sources: :func:`read_nwb` (pynwb ``Units`` and ``trials`` tables) and
:func:`spikes_to_trials` (arrays: MATLAB / NumPy).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataFileError, InvalidInputError
from ..spiketrains import SpikeTrains, trains_per_trial
from ..trials import make_trials

__all__ = ["read_nwb", "spikes_to_trials", "units_to_parcels"]

# Relative tolerance for spike times that fall on a bin edge through rounding (1 ms as
# 0.0009999999 s): they count in the bin they start.
_EDGE_TOL = 1e-9
# Counts per bin: int32 halves the memory of long 1 ms recordings (no bin nears 2**31).
_COUNT_DTYPE = np.int32


# --------------------------------------------------------------------------------------
# Units onto parcels


def _norm_name(name: Any) -> str:
    return " ".join(str(name).lower().replace("_", " ").replace("-", " ").split())


def units_to_parcels(
    atlas: Any,
    *,
    coords: np.ndarray | None = None,
    locations: Sequence[str] | None = None,
    match_by: str | None = None,
    location_map: Mapping[str, str] | None = None,
    max_distance: float | None = None,
    unit_names: Sequence[str] | None = None,
) -> np.ndarray:
    """Which atlas parcel each unit belongs to.

    Parameters
    ----------
    atlas : Atlas | str | path-like
        The atlas (anything :func:`s2decode.atlas.load_atlas` takes).
    coords : ndarray, shape (n_units, 3) | None
        MNI coordinates of the units in mm.
    locations : sequence of str, shape (n_units,) | None
        Recorded location (brain area) of each unit.
    match_by : {"coords", "location"} | None
        How to match; ``None``: by coordinates where they are given and finite, else by
        location.
    location_map : mapping | None
        Recorded location name -> atlas label, for names that differ from the atlas' own
        (applied before matching; matching ignores case, ``_`` and ``-``).
    max_distance : float | None
        With coordinates: largest distance in mm from a unit to the centre of its nearest
        parcel (units outside every label of a label image, or with a coordinate atlas);
        ``None`` accepts any.
    unit_names : sequence of str | None
        Names used in error messages.

    Returns
    -------
    parcel : ndarray of int, shape (n_units,)
        Index into ``atlas.labels`` of each unit's parcel.

    Raises
    ------
    ValueError
        If a unit cannot be matched (unknown location, missing coordinates, farther than
        ``max_distance``).
    """
    from ..atlas import atlases

    atlas = atlases.load_atlas(atlas)
    if match_by is None:
        if coords is not None and np.all(np.isfinite(np.asarray(coords, float))):
            match_by = "coords"
        elif locations is not None:
            match_by = "location"
        else:
            raise ValueError(
                "Putting units onto the parcels of an atlas needs their MNI `coords` or their "
                "recorded `locations`; give one, or atlas=None to keep each unit a node."
            )
    if match_by == "location":
        if locations is None:
            raise ValueError("match_by='location' needs the units' `locations`.")
        lookup = {_norm_name(label): i for i, label in enumerate(atlas.labels)}
        mapped = [(location_map or {}).get(str(loc), str(loc)) for loc in locations]
        parcel = np.array([lookup.get(_norm_name(m), -1) for m in mapped], dtype=int)
        if np.any(parcel < 0):
            missing = sorted({str(loc) for loc, p in zip(locations, parcel, strict=True) if p < 0})
            raise ValueError(
                f"Locations {missing[:10]} match no label of atlas {atlas.name!r} (labels such "
                f"as {atlas.labels[:3]}); map them with location_map={{recorded: atlas label}}."
            )
        return parcel
    if match_by != "coords":
        raise ValueError(f"`match_by` must be 'coords', 'location' or None, got {match_by!r}.")
    if coords is None:
        raise ValueError("match_by='coords' needs the units' MNI `coords`.")
    coords = np.asarray(coords, dtype=float)
    if coords.ndim != 2 or coords.shape[1] != 3:
        raise ValueError(f"`coords` must have shape (n_units, 3), got {coords.shape}.")
    n_units = coords.shape[0]
    names = list(unit_names) if unit_names is not None else [f"unit {i}" for i in range(n_units)]
    bad = ~np.all(np.isfinite(coords), axis=1)
    if bad.any():
        raise ValueError(
            f"Units {[names[i] for i in np.flatnonzero(bad)][:10]} have no coordinates; match "
            "by location instead, or keep units as nodes (atlas=None)."
        )
    parcel = np.full(n_units, -1, dtype=int)
    if atlas.image is not None:
        img = atlas.image
        data = np.asarray(img.dataobj)
        inv = np.linalg.inv(img.affine)
        vox = np.rint(coords @ inv[:3, :3].T + inv[:3, 3]).astype(int)
        inside = np.all((vox >= 0) & (vox < data.shape[:3]), axis=1)
        values = np.zeros(n_units)
        values[inside] = data[tuple(vox[inside].T)]
        label_values = (
            np.arange(1, atlas.n_parcels + 1)
            if atlas.label_values is None
            else np.asarray(atlas.label_values)
        )
        lookup = {float(v): i for i, v in enumerate(label_values)}
        parcel = np.array([lookup.get(float(v), -1) for v in values], dtype=int)
    rest = np.flatnonzero(parcel < 0)
    if rest.size:
        d2 = ((coords[rest, None, :] - atlas.coords[None, :, :]) ** 2).sum(axis=-1)
        nearest = np.argmin(d2, axis=1)
        dist = np.sqrt(d2[np.arange(rest.size), nearest])
        if max_distance is not None and np.any(dist > max_distance):
            far = rest[dist > max_distance]
            raise ValueError(
                f"Units {[names[i] for i in far][:10]} lie more than max_distance="
                f"{max_distance} mm from every parcel of atlas {atlas.name!r} (closest "
                f"{dist.max():.1f} mm); check that their coordinates are MNI millimetres."
            )
        parcel[rest] = nearest
    return parcel


# --------------------------------------------------------------------------------------
# Arrays to counts


def _as_spike_trains(spikes: Any, tmin: float, tmax: float) -> list[list[np.ndarray]]:
    """Nested ``[trial][unit]`` spike-time arrays, cropped to ``[tmin, tmax)``."""
    if isinstance(spikes, SpikeTrains):
        trains = [spikes.trial(k) for k in range(spikes.n_trials)]
    else:
        trains = [[np.asarray(t, dtype=float).ravel() for t in trial] for trial in spikes]
    if not trains:
        raise InvalidInputError(
            "`spikes` holds no trials; give at least one trial (a list of units' spike times)."
        )
    if trains_per_trial(trains, "spikes", "units") == 0:
        raise InvalidInputError(
            "`spikes` holds no units (trial 0 is empty); give at least one unit per trial "
            "(an empty array for a silent one)."
        )
    own = not isinstance(spikes, SpikeTrains)  # a SpikeTrains (e.g. from counts) is as meant
    out, twice = [], []
    for k, trial in enumerate(trains):
        cropped = []
        for u, t in enumerate(trial):
            if not np.all(np.isfinite(t)):
                raise InvalidInputError(
                    f"Trial {k} of `spikes` has non-finite spike times; drop them first "
                    "(times[np.isfinite(times)])."
                )
            t = np.sort(t[(t >= tmin) & (t < tmax)])
            if own and t.size > 1 and np.any(t[1:] == t[:-1]):
                twice.append((k, u, int(np.count_nonzero(t[1:] == t[:-1]))))
            cropped.append(t)
        out.append(cropped)
    if twice:
        _warn_duplicates(twice)
    return out


def _warn_duplicates(twice: list[tuple[int, int, int]]) -> None:
    """Warn of spike times found twice in one unit's train (they are kept and counted).

    Recorded trains can hold them legitimately (multi-unit activity pooled over channels,
    times stored at a coarse resolution), so they are not refused; for sorted single units
    they usually mean units merged twice.
    """
    k, u, n = twice[0]
    more = f" (and {len(twice) - 1} more train(s))" if len(twice) > 1 else ""
    warnings.warn(
        f"`spikes`: the train of trial {k}, unit {u} holds {n} spike time(s) twice{more}. "
        "They are kept, and each counts as a spike (as for multi-unit activity); for sorted "
        "single units, keep each time once (np.unique) or check the spike sorting.",
        RuntimeWarning,
        stacklevel=5,  # spikes_to_trials' caller
    )


def _bin(trains: list[list[np.ndarray]], tmin: float, bin_size: float, n_bins: int) -> np.ndarray:
    """Counts (n_trials, n_units, n_bins) of spike trains already cropped to the window."""
    n_trials, n_units = len(trains), len(trains[0])
    flat = [t for trial in trains for t in trial]
    sizes = np.array([t.size for t in flat], dtype=np.int64)
    times = np.concatenate(flat) if sizes.sum() else np.empty(0)
    train = np.repeat(np.arange(n_trials * n_units), sizes)
    idx = np.floor((times - tmin) / bin_size + _EDGE_TOL).astype(np.int64)
    np.clip(idx, 0, n_bins - 1, out=idx)
    counts = np.bincount(train * n_bins + idx, minlength=n_trials * n_units * n_bins)
    return counts.reshape(n_trials, n_units, n_bins).astype(_COUNT_DTYPE)


def _check_window(tmin: float, tmax: float) -> tuple[float, float]:
    tmin, tmax = float(tmin), float(tmax)
    if not (np.isfinite(tmin) and np.isfinite(tmax) and tmax > tmin):
        raise ValueError(f"Need tmin < tmax (seconds), got tmin={tmin}, tmax={tmax}.")
    return tmin, tmax


def _binned_counts(
    spikes: np.ndarray,
    sfreq: float | None,
    t_start: float,
    tmin: float | None,
    tmax: float | None,
    bin_size: float | None,
) -> tuple[np.ndarray, float, float]:
    """Binned spikes cropped to ``[tmin, tmax)`` and rebinned: counts, first bin, bin size."""
    counts = np.asarray(spikes)
    if counts.ndim != 3:
        raise ValueError(
            f"Binned `spikes` must be 3-D (n_trials, n_units, n_bins), got shape "
            f"{counts.shape}; add a unit axis for a single unit (spikes[:, None, :])."
        )
    if counts.size and (np.any(counts < 0) or np.any(counts != np.round(counts))):
        raise ValueError(
            "Binned `spikes` must hold non-negative whole spike counts (spike times go in "
            "as a list of trials of lists of per-unit arrays)."
        )
    if sfreq is None:
        raise ValueError("Binned `spikes` need their sampling rate: pass sfreq=... (Hz).")
    sfreq = float(sfreq)
    native = 1.0 / sfreq
    time = float(t_start) + np.arange(counts.shape[2]) * native
    keep = np.ones(time.size, bool)
    if tmin is not None:
        keep &= time >= tmin - _EDGE_TOL * native
    if tmax is not None:
        keep &= time < tmax - _EDGE_TOL * native
    if not keep.any():
        raise ValueError(
            f"No bin of `spikes` ({time[0]:g} to {time[-1] + native:g} s) lies in "
            f"[tmin, tmax) = [{tmin}, {tmax})."
        )
    counts = counts[:, :, keep].astype(_COUNT_DTYPE)
    first = float(time[keep][0])
    if bin_size is None:
        return counts, first, native
    factor = float(bin_size) * sfreq
    if factor < 1 - 1e-9 or abs(factor - round(factor)) > 1e-6:
        raise ValueError(
            f"bin_size={bin_size} s must be a whole multiple of the native bin {native:g} s."
        )
    factor = round(factor)
    n_new = counts.shape[2] // factor
    if n_new == 0:
        raise ValueError(f"bin_size={bin_size} s is longer than the window.")
    counts = counts[:, :, : n_new * factor].reshape(*counts.shape[:2], n_new, factor)
    return counts.sum(axis=-1, dtype=_COUNT_DTYPE), first, factor * native


def _time_counts(
    spikes: Any, tmin: float | None, tmax: float | None, bin_size: float | None
) -> tuple[np.ndarray, list[list[np.ndarray]], float, float]:
    """Spike times binned in ``[tmin, tmax)``: counts, cropped trains, first bin, bin size."""
    if isinstance(spikes, SpikeTrains):
        tmin = spikes.t_start if tmin is None else tmin
        tmax = spikes.t_stop if tmax is None else tmax
    if tmin is None or tmax is None:
        raise ValueError(
            "Spike times need a window: pass tmin=... and tmax=... (seconds relative to "
            "each trial's event)."
        )
    tmin, tmax = _check_window(tmin, tmax)
    size = 0.001 if bin_size is None else float(bin_size)
    if not size > 0:
        raise ValueError(f"`bin_size` must be a positive number of seconds, got {bin_size}.")
    n_bins = int(np.floor((tmax - tmin) / size + 1e-6))
    if n_bins == 0:
        raise ValueError(f"bin_size={size} s is longer than the window [{tmin}, {tmax}).")
    trains = _as_spike_trains(spikes, tmin, tmin + n_bins * size)
    return _bin(trains, tmin, size, n_bins), trains, tmin, size


def spikes_to_trials(
    spikes: Any,
    *,
    tmin: float | None = None,
    tmax: float | None = None,
    bin_size: float | None = None,
    sfreq: float | None = None,
    t_start: float = 0.0,
    y: Sequence | np.ndarray | None = None,
    group: Sequence | np.ndarray | None = None,
    onset: Sequence[float] | np.ndarray | None = None,
    unit_names: Sequence[str] | None = None,
    coords: np.ndarray | None = None,
    locations: Sequence[str] | None = None,
    atlas: Any = None,
    match_by: str | None = None,
    location_map: Mapping[str, str] | None = None,
    max_distance: float | None = None,
    include_empty: bool = False,
    return_spike_times: bool = False,
    source: str = "",
) -> xr.DataArray | tuple[xr.DataArray, SpikeTrains]:
    """Spike counts per trial, node and bin from spike times or binned spikes.

    Parameters
    ----------
    spikes : list of list of array | SpikeTrains | ndarray
        Either spike times in seconds relative to each trial's event,
        ``spikes[trial][unit]`` (1-D arrays; an empty one for a silent unit; a time found
        twice in one train is kept and counted twice, with a warning) or a
        :class:`~s2decode.spiketrains.SpikeTrains`; or binned spikes, an integer array
        ``(n_trials, n_units, n_bins)`` of 0/1 or counts sampled at ``sfreq``.
    tmin, tmax : float | None
        Window in seconds relative to the event, ``[tmin, tmax)``. Spike times: required
        (a SpikeTrains gives its own window by default). Binned spikes: a crop of the
        bins, by default all of them.
    bin_size : float | None
        Bin width in seconds. Spike times: ``None`` bins at 1 ms. Binned spikes: ``None``
        keeps the native bins; otherwise a whole multiple of ``1 / sfreq`` (bins summed;
        an incomplete last bin is dropped).
    sfreq : float | None
        Sampling rate in Hz of binned spikes (required for them, unused for times).
    t_start : float
        Binned spikes: time in seconds of the first bin relative to the event.
    y, group, onset : array-like, shape (n_trials,) | None
        Labels, cross-validation groups and onsets (s from recording start) of the trials.
    unit_names : sequence of str | None
        Unit names (``None``: ``"unit000"``, ...).
    coords : ndarray, shape (n_units, 3) | None
        MNI coordinates of the units in mm (NaN where unknown).
    locations : sequence of str | None
        Recorded location (brain area) of each unit; kept as the ``location`` coordinate
        of unit nodes.
    atlas : Atlas | str | path-like | None
        Put the units onto this atlas' parcels (see :func:`units_to_parcels`); ``None``
        keeps each unit its own node.
    match_by, location_map, max_distance
        How units are matched to parcels (see :func:`units_to_parcels`).
    include_empty : bool
        With an atlas, keep the parcels that received no unit (all-zero counts): the
        full atlas, as the S2-Net scaffold has it. Default: only parcels with units.
    return_spike_times : bool
        Also return the spike times (merged per parcel with an atlas): exact times for
        spike-time input, bin starts for binned input.
    source : str
        Recorded in ``attrs["source"]``.

    Returns
    -------
    counts : xarray.DataArray
        ``(trial, unit | parcel, time)`` integer counts, ``measure="spike_counts"``,
        ``modality="spikes"``, ``units="count"``, ``attrs["bin_size"]`` in seconds; the
        time coordinate is the start of each bin.
    spike_times : SpikeTrains
        Only with ``return_spike_times=True``; window ``[tmin, tmin + n_bins * bin_size]``.
    """
    if isinstance(spikes, np.ndarray) and spikes.dtype != object:
        counts, first, size = _binned_counts(spikes, sfreq, t_start, tmin, tmax, bin_size)
        trains = None
    else:
        counts, trains, first, size = _time_counts(spikes, tmin, tmax, bin_size)

    n_units = counts.shape[1]
    if unit_names is None:
        unit_names = [f"unit{i:03d}" for i in range(n_units)]
    unit_names = [str(u) for u in unit_names]
    if len(unit_names) != n_units:
        raise ValueError(f"`unit_names` has {len(unit_names)} names for {n_units} units.")
    if coords is not None:
        coords = np.asarray(coords, dtype=float)
        if coords.shape != (n_units, 3):
            raise ValueError(f"`coords` must have shape ({n_units}, 3), got {coords.shape}.")
    if locations is not None:
        locations = [str(loc) for loc in locations]
        if len(locations) != n_units:
            raise ValueError(f"`locations` has {len(locations)} entries for {n_units} units.")

    common = {
        "sfreq": 1.0 / size,
        "y": y,
        "group": group,
        "t_start": first,
        "onset": onset,
        "modality": "spikes",
        "measure": "spike_counts",
        "units": "count",
        "source": source,
    }
    if atlas is None:
        out = make_trials(counts, names=unit_names, coords=coords, node_dim="unit", **common)
        if locations is not None:
            out = out.assign_coords(location=("unit", np.array(locations, dtype=str)))
        node_names = unit_names
        members = [[i] for i in range(n_units)]
    else:
        from ..atlas import atlases

        atlas = atlases.load_atlas(atlas)
        parcel = units_to_parcels(
            atlas,
            coords=coords,
            locations=locations,
            match_by=match_by,
            location_map=location_map,
            max_distance=max_distance,
            unit_names=unit_names,
        )
        used = np.arange(atlas.n_parcels) if include_empty else np.unique(parcel)
        members = [np.flatnonzero(parcel == p).tolist() for p in used]
        summed = np.stack([counts[:, m, :].sum(axis=1, dtype=_COUNT_DTYPE) for m in members], 1)
        out = make_trials(
            summed,
            names=[atlas.labels[p] for p in used],
            coords=atlas.coords[used],
            networks=None if atlas.networks is None else [atlas.networks[p] for p in used],
            node_dim="parcel",
            **common,
        )
        out = out.assign_coords(n_units=("parcel", np.array([len(m) for m in members])))
        out.attrs["atlas"] = atlas.name
        node_names = [atlas.labels[p] for p in used]
    out.attrs["bin_size"] = float(size)
    if not return_spike_times:
        return out
    if trains is None:
        return out, SpikeTrains.from_counts(out)
    merged = [
        [np.sort(np.concatenate([trial[i] for i in m])) if m else np.empty(0) for m in members]
        for trial in trains
    ]
    n_bins = out.sizes["time"]
    return out, SpikeTrains.from_lists(
        merged, first, first + n_bins * size, node_names, unique=False
    )


# --------------------------------------------------------------------------------------
# NWB


def _column(table, name: str, what: str, fname: Path) -> np.ndarray:
    """One column of an NWB dynamic table, with an error listing the columns it has."""
    builtin = ("start_time", "stop_time") if what == "trials" else ()
    if name not in table.colnames and name not in builtin:
        raise ValueError(
            f"The {what} table of {fname} has no column {name!r}; it has "
            f"{[*builtin, *table.colnames]}."
        )
    return np.asarray(table[name][:])


def _decoded(values: np.ndarray) -> np.ndarray:
    """Text read from HDF5 may come as bytes: decode it (numbers pass unchanged)."""
    values = np.asarray(values)
    if values.dtype.kind not in "OS":
        return values
    return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in values])


def read_nwb(
    fname: str | os.PathLike,
    *,
    tmin: float = 0.0,
    tmax: float | None = None,
    bin_size: float = 0.001,
    event_column: str = "start_time",
    label_column: str | None = None,
    group_column: str | None = None,
    units: Sequence[int] | None = None,
    location_column: str | None = None,
    coords_are_mni: bool = False,
    atlas: Any = None,
    match_by: str | None = None,
    location_map: Mapping[str, str] | None = None,
    max_distance: float | None = None,
    include_empty: bool = False,
    return_spike_times: bool = False,
) -> xr.DataArray | tuple[xr.DataArray, SpikeTrains]:
    """Read sorted units and trials from an NWB file into spike counts per trial.

    Parameters
    ----------
    fname : path-like
        The ``.nwb`` file (HDF5).
    tmin, tmax : float | None
        Window in seconds relative to each trial's event, ``[tmin, tmax)``; ``tmax=None``
        takes the shortest trial (``stop_time`` minus the event time).
    bin_size : float
        Bin width in seconds.
    event_column : str
        Column of the trials table that time-locks the trials (``"start_time"`` or an
        event such as ``"go_cue_time"``).
    label_column : str | None
        Column of the trials table giving ``y`` (``None``: no labels, ``-1``).
    group_column : str | None
        Column of the trials table giving ``group`` (``None``: ``0``).
    units : sequence of int | None
        Ids of the units to read (``None``: all of them).
    location_column : str | None
        Column of the Units table with each unit's brain area; ``None`` uses ``location``
        of the Units table if there is one, else the ``location`` of each unit's first
        electrode (``electrodes`` column).
    coords_are_mni : bool
        Take the electrodes' ``x, y, z`` as MNI millimetres (NWB does not fix their space;
        by default they are not used).
    atlas, match_by, location_map, max_distance, include_empty
        Put units onto parcels, as in :func:`spikes_to_trials`.
    return_spike_times : bool
        Also return the exact spike times (relative to each event) as a SpikeTrains.

    Returns
    -------
    counts : xarray.DataArray
        As :func:`spikes_to_trials`, with ``onset`` = the event time of each trial.
    spike_times : SpikeTrains
        Only with ``return_spike_times=True``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not a readable NWB file, has no Units or trials table, or lacks a column.
    """
    try:
        from pynwb import NWBHDF5IO
    except ImportError:  # an optional dependency (the "nwb" extra)
        raise ImportError(
            "read_nwb needs pynwb: pip install 'pynwb>=2.8' (or s2decode[nwb])."
        ) from None

    path = Path(fname).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"NWB file {path} does not exist.")
    try:
        io = NWBHDF5IO(str(path), mode="r")
    except Exception as err:
        raise DataFileError(
            f"Could not open {path} as an NWB (HDF5) file: {err}. Is it a complete NWB file? "
            "Download or export it again."
        ) from None
    with io:
        try:
            nwb = io.read()
        except Exception as err:
            raise DataFileError(
                f"Could not read {path} as an NWB file: {err}. Is it a complete NWB file? "
                "Download or export it again."
            ) from None
        if nwb.units is None or len(nwb.units) == 0:
            raise ValueError(f"{path} has no Units table (sorted units with spike_times).")
        if nwb.trials is None or len(nwb.trials) == 0:
            raise ValueError(
                f"{path} has no trials table; read the units yourself and pass spike times "
                "and events to s2decode.io.spikes.spikes_to_trials."
            )
        table = nwb.units
        ids = np.asarray(table.id[:])
        if units is None:
            rows = np.arange(len(ids))
        else:
            where = {int(u): i for i, u in enumerate(ids)}
            unknown = [int(u) for u in units if int(u) not in where]
            if unknown:
                raise ValueError(f"Unit ids {unknown[:10]} are not in the Units table of {path}.")
            rows = np.array([where[int(u)] for u in units], dtype=int)
        # NWB does not require sorted spike times; searchsorted below does.
        unit_times = [np.sort(np.asarray(table["spike_times"][int(i)], float)) for i in rows]

        locations = None
        coords = None
        if location_column is not None:
            locations = _column(table, location_column, "Units", path)[rows].astype(str)
        elif "location" in table.colnames:
            locations = np.asarray(table["location"][:])[rows].astype(str)
        if "electrodes" in table.colnames:
            elec = [table["electrodes"][int(i)] for i in rows]  # DataFrame per unit
            if locations is None and all("location" in e.columns and len(e) for e in elec):
                locations = np.array([str(e["location"].iloc[0]) for e in elec])
            if coords_are_mni and all({"x", "y", "z"} <= set(e.columns) and len(e) for e in elec):
                coords = np.array([e[["x", "y", "z"]].iloc[0].to_numpy(float) for e in elec])

        trials = nwb.trials
        events = _column(trials, event_column, "trials", path).astype(float)
        stops = np.asarray(trials["stop_time"][:], dtype=float)
        y = None if label_column is None else _column(trials, label_column, "trials", path)
        group = None if group_column is None else _column(trials, group_column, "trials", path)

    if tmax is None:
        tmax = float(np.min(stops - events))
    tmin, tmax = _check_window(tmin, tmax)
    spikes = []
    for ev in events:
        per_unit = []
        for t in unit_times:
            lo, hi = np.searchsorted(t, [ev + tmin, ev + tmax])
            per_unit.append(t[lo:hi] - ev)
        spikes.append(per_unit)
    if y is not None:
        y = _decoded(y)
    return spikes_to_trials(
        spikes,
        tmin=tmin,
        tmax=tmax,
        bin_size=bin_size,
        y=y,
        group=group,
        onset=events,
        unit_names=[f"unit{int(i)}" for i in ids[rows]],
        coords=coords,
        locations=None if locations is None else _decoded(locations).tolist(),
        atlas=atlas,
        match_by=match_by,
        location_map=location_map,
        max_distance=max_distance,
        include_empty=include_empty,
        return_spike_times=return_spike_times,
        source=str(path),
    )

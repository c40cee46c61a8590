"""The one data model of s2decode: trials as a labelled :class:`xarray.DataArray`.

Every reader, dataset loader, simulator and estimator speaks this model; it is documented
here and nowhere else (``docs/data_model.md`` shows it with examples).

Layout
------
dims
    ``("trial", NODE, "time")`` where ``NODE`` is ``"parcel"`` once the data are on an atlas,
    or ``"channel"`` (EEG/MEG sensors), ``"unit"`` (recorded neurons) or ``"voxel"`` before
    projection.
coords on ``NODE``
    the node names (the dimension coordinate itself); ``mni_x``, ``mni_y``, ``mni_z``
    (MNI millimetres, NaN where unknown) and ``network`` (a string, ``""`` where unknown).
coords on ``time``
    time in seconds relative to the trial's event (the dimension coordinate).
coords on ``trial``
    ``y`` (the label: a string class name or a number for regression) and ``group``
    (subject / run / session, used as cross-validation groups), plus optional ``onset``
    (seconds from the start of the recording).
attrs
    ``sfreq`` (Hz), ``modality`` (``"eeg"``, ``"meg"``, ``"fmri"``, ``"spikes"``,
    ``"synthetic"``), ``measure`` (what the values are: ``"continuous"``, ``"spike_counts"``
    or ``"rates"``; :func:`measure_of` reads it, and the ``kind`` of files written before it
    was renamed), ``units`` and ``source`` (where the data came from).

Spike recordings come in as spike counts per bin at their native resolution
(``measure="spike_counts"``); their spike times are a
:class:`~s2decode.spiketrains.SpikeTrains` away (:meth:`SpikeTrains.from_counts`).
Firing-rate tables without a time axis (hatsopoulos2004) have a single time sample and
``measure="rates"``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import xarray as xr

from ._checks import check_array
from .errors import InvalidInputError

NODE_DIMS = ("parcel", "channel", "unit", "voxel")
MODALITIES = ("eeg", "meg", "fmri", "spikes", "synthetic")
#: Values of the ``measure`` attribute: what a trials DataArray's values are.
#: The axes of the data of :func:`make_trials`, as its messages name them.
_AXES = ("n_trials", "n_nodes", "n_times")
MEASURES = ("continuous", "spike_counts", "rates")


def make_trials(
    data: np.ndarray,
    *,
    sfreq: float,
    y: Sequence | np.ndarray | None = None,
    group: Sequence | np.ndarray | None = None,
    names: Sequence[str] | None = None,
    coords: np.ndarray | None = None,
    networks: Sequence[str] | None = None,
    node_dim: str = "parcel",
    t_start: float = 0.0,
    onset: Sequence[float] | np.ndarray | None = None,
    modality: str = "synthetic",
    measure: str = "continuous",
    units: str = "a.u.",
    source: str = "",
    kind: str | None = None,
) -> xr.DataArray:
    """Build a trials DataArray in the s2decode data model.

    Parameters
    ----------
    data : ndarray, shape (n_trials, n_nodes, n_times)
        The signals.
    sfreq : float
        Sampling frequency in Hz of the time axis.
    y : array-like, shape (n_trials,) | None
        Per-trial labels (class names or numbers). ``None`` fills ``-1``.
    group : array-like, shape (n_trials,) | None
        Per-trial group (subject, run, session) for grouped cross-validation. ``None`` fills
        ``0``.
    names : sequence of str | None
        Node names; ``None`` gives ``"{node_dim}000"``, ...
    coords : ndarray, shape (n_nodes, 3) | None
        MNI coordinates in mm; ``None`` fills NaN.
    networks : sequence of str | None
        Network of each node; ``None`` fills ``""``.
    node_dim : {"parcel", "channel", "unit", "voxel"}
        Name of the node dimension.
    t_start : float
        Time in seconds of the first sample relative to the trial's event.
    onset : array-like, shape (n_trials,) | None
        Onset of each trial in seconds from the start of its recording.
    modality : str
        One of ``"eeg"``, ``"meg"``, ``"fmri"``, ``"spikes"``, ``"synthetic"``.
    measure : {"continuous", "spike_counts", "rates"}
        What the values are (:data:`MEASURES`).
    units : str
        Physical units of the values.
    source : str
        Where the data came from (file or dataset name).
    kind : str | None
        Deprecated name of ``measure``.

    Returns
    -------
    trials : xarray.DataArray
        Dims ``("trial", node_dim, "time")`` with the coords and attrs of the data model.
    """
    data = check_array(data, "data", ndim=3, axes=_AXES, finite=False)
    if node_dim not in NODE_DIMS:
        raise ValueError(f"`node_dim` must be one of {NODE_DIMS}, got {node_dim!r}.")
    if modality not in MODALITIES:
        raise ValueError(f"`modality` must be one of {MODALITIES}, got {modality!r}.")
    if kind is not None:
        warnings.warn(
            "make_trials(kind=...) is now make_trials(measure=...).",
            DeprecationWarning,
            stacklevel=2,
        )
        if measure not in ("continuous", kind):
            raise ValueError(f"Give `measure` only (not also `kind`), got {measure!r}, {kind!r}.")
        measure = kind
    if measure not in MEASURES:
        raise ValueError(f"`measure` must be one of {MEASURES}, got {measure!r}.")
    sfreq = float(sfreq)
    if not np.isfinite(sfreq) or sfreq <= 0:
        raise InvalidInputError(f"`sfreq` must be a positive number of Hz, got {sfreq!r}.")
    n_trials, n_nodes, n_times = data.shape

    def _per(values, n, what, fill):
        if values is None:
            return np.full(n, fill)
        values = np.asarray(values)
        if values.shape != (n,):
            raise ValueError(f"`{what}` must have shape ({n},), got {values.shape}.")
        return values

    y = _per(y, n_trials, "y", -1)
    group = _per(group, n_trials, "group", 0)
    if names is None:
        names = [f"{node_dim}{i:03d}" for i in range(n_nodes)]
    names = _per(names, n_nodes, "names", "").astype(str)
    if len(set(names.tolist())) != n_nodes:
        twice = sorted({n for n in names.tolist() if names.tolist().count(n) > 1})
        raise InvalidInputError(
            f"`names` of the {node_dim}s must be unique; the names "
            f"{', '.join(map(repr, twice))} are duplicated: rename them (e.g. "
            "raw.rename_channels) so that each has a unique name."
        )
    xyz = np.full((n_nodes, 3), np.nan) if coords is None else np.asarray(coords, float)
    if xyz.shape != (n_nodes, 3):
        raise ValueError(f"`coords` must have shape ({n_nodes}, 3), got {xyz.shape}.")
    networks = _per(networks, n_nodes, "networks", "")
    networks = np.array(["" if n is None else str(n) for n in networks], dtype=str)
    time = t_start + np.arange(n_times) / sfreq

    trial_coords = {"y": ("trial", y), "group": ("trial", group)}
    if onset is not None:
        trial_coords["onset"] = ("trial", _per(onset, n_trials, "onset", np.nan).astype(float))
    return xr.DataArray(
        data,
        dims=("trial", node_dim, "time"),
        coords={
            "trial": np.arange(n_trials),
            **trial_coords,
            node_dim: names,
            "mni_x": (node_dim, xyz[:, 0]),
            "mni_y": (node_dim, xyz[:, 1]),
            "mni_z": (node_dim, xyz[:, 2]),
            "network": (node_dim, networks),
            "time": time,
        },
        attrs={
            "sfreq": sfreq,
            "modality": modality,
            "measure": measure,
            "units": units,
            "source": str(source),
        },
        name="trials",
    )


def measure_of(trials: xr.DataArray) -> str:
    """What the values of a trials DataArray are: its ``measure`` attribute (:data:`MEASURES`).

    Trials written before the attribute was renamed carry it as ``kind``, which is read where
    ``measure`` is absent; trials with neither are ``"continuous"``.
    """
    attrs = trials.attrs
    return str(attrs.get("measure", attrs.get("kind", "continuous")))


def node_dim_of(trials: xr.DataArray) -> str:
    """Return the name of the node dimension of a trials DataArray."""
    for dim in trials.dims:
        if dim in NODE_DIMS:
            return dim
    raise ValueError(
        f"The trials have dims {trials.dims}; expected ('trial', one of {NODE_DIMS}, 'time')."
    )


def check_trials(trials: xr.DataArray, name: str = "trials") -> xr.DataArray:
    """Check that a DataArray follows the data model; return it in canonical dim order.

    Parameters
    ----------
    trials : xarray.DataArray
        Candidate trials.
    name : str
        Argument name used in error messages.

    Returns
    -------
    trials : xarray.DataArray
        The same data, transposed to ``("trial", node, "time")``.
    """
    if not isinstance(trials, xr.DataArray):
        raise TypeError(
            f"`{name}` must be an xarray.DataArray built by s2decode (see "
            f"s2decode.trials.make_trials), got {type(trials).__name__}."
        )
    node = node_dim_of(trials)
    missing = {"trial", "time"} - set(trials.dims)
    if missing or trials.ndim != 3:
        raise InvalidInputError(
            f"`{name}` must have dims ('trial', {node!r}, 'time'), got {trials.dims}; build it "
            "with s2decode.make_trials."
        )
    if "sfreq" not in trials.attrs:
        raise InvalidInputError(
            f"`{name}` has no 'sfreq' attribute; set trials.attrs['sfreq'] to the sampling "
            "rate in Hz."
        )
    if not np.all(np.isfinite(trials.values)):
        raise InvalidInputError(
            f"`{name}` contains NaN or infinite values; clean or drop them first."
        )
    return trials.transpose("trial", node, "time")


def node_coords(trials: xr.DataArray) -> np.ndarray:
    """MNI coordinates (n_nodes, 3) in mm of the nodes of a trials DataArray (NaN unknown)."""
    node = node_dim_of(trials)
    cols = []
    for axis in ("mni_x", "mni_y", "mni_z"):
        if axis in trials.coords:
            cols.append(np.asarray(trials.coords[axis].values, float))
        else:
            cols.append(np.full(trials.sizes[node], np.nan))
    return np.stack(cols, axis=1)

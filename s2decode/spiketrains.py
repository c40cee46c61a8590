"""Spike times per trial and neuron, in flat arrays with offsets.

:class:`SpikeTrains` is what the simulator returns, what the spike readers produce next to
their spike-count DataArray, and what the synchrony kernels in :mod:`s2decode.sync` consume.
The layout is numba-friendly: one float64 array of all spike times and one int64 array of
offsets, the spikes of trial ``k`` and neuron ``i`` being
``times[offsets[k * n_neurons + i]:offsets[k * n_neurons + i + 1]]`` (sorted, seconds).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from .errors import InvalidInputError


def trains_per_trial(trains: Sequence[Sequence], name: str = "trains", what: str = "trains") -> int:
    """The number of trains in each trial of nested ``trains[trial][train]``, the same in all.

    Parameters
    ----------
    trains : sequence of sequences
        ``trains[trial][train]``, each train a 1-D array of spike times.
    name : str
        The argument's name, for the message.
    what : str
        What one train is (``"neurons"``, ``"units"``), for the message.

    Returns
    -------
    n : int
        Trains per trial (0 without trials).

    Raises
    ------
    s2decode.errors.InvalidInputError
        Where a trial has another number of trains than trial 0 (a ValueError).

    Examples
    --------
    >>> trains_per_trial([[[0.1], []], [[], [0.2, 0.3]]])
    2
    """
    n = len(trains[0]) if len(trains) else 0
    for k, trial in enumerate(trains):
        if len(trial) != n:
            raise InvalidInputError(
                f"Trial {k} of `{name}` has {len(trial)} {what}, trial 0 has {n}: every trial "
                f"needs the same {what} (an empty array for a silent one)."
            )
    return n


class SpikeTrains:
    """Spike times of ``n_trials`` x ``n_neurons`` spike trains.

    Parameters
    ----------
    times : ndarray of float, shape (n_spikes,)
        All spike times in seconds, grouped by (trial, neuron) in C order and sorted within
        each train.
    offsets : ndarray of int, shape (n_trials * n_neurons + 1,)
        Start of each train in ``times``; ``offsets[0] == 0`` and
        ``offsets[-1] == n_spikes``.
    n_trials, n_neurons : int
        Numbers of trials and neurons.
    t_start, t_stop : float
        Observation window of every train, in seconds.
    neuron_names : sequence of str | None
        Optional names of the neurons (parcels).

    Examples
    --------
    >>> st = SpikeTrains.from_lists([[np.array([0.1, 0.5]), np.array([0.2])]], 0.0, 1.0)
    >>> st.n_trials, st.n_neurons
    (1, 2)
    >>> st.trial(0)[0]
    array([0.1, 0.5])
    """

    def __init__(
        self,
        times: np.ndarray,
        offsets: np.ndarray,
        n_trials: int,
        n_neurons: int,
        t_start: float,
        t_stop: float,
        neuron_names: Sequence[str] | None = None,
    ) -> None:
        self.times = np.ascontiguousarray(times, dtype=np.float64)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        self.n_trials = int(n_trials)
        self.n_neurons = int(n_neurons)
        self.t_start = float(t_start)
        self.t_stop = float(t_stop)
        self.neuron_names = None if neuron_names is None else [str(n) for n in neuron_names]
        self._validate()

    def _validate(self) -> None:
        n_trains = self.n_trials * self.n_neurons
        if self.offsets.shape != (n_trains + 1,):
            raise InvalidInputError(
                f"`offsets` must have n_trials * n_neurons + 1 = {n_trains + 1} entries, got "
                f"{self.offsets.shape[0]}."
            )
        if self.offsets[0] != 0 or self.offsets[-1] != self.times.size:
            raise InvalidInputError("`offsets` must start at 0 and end at the number of spikes.")
        if np.any(np.diff(self.offsets) < 0):
            raise InvalidInputError("`offsets` must be non-decreasing.")
        if not self.t_stop > self.t_start:
            raise InvalidInputError(
                f"t_stop ({self.t_stop}) must be greater than t_start ({self.t_start})."
            )
        if not np.all(np.isfinite(self.times)):
            raise InvalidInputError(
                "Spike times must be finite; drop NaN/inf times first (t[np.isfinite(t)])."
            )
        if self.times.size:
            # Sorted within each train: a decrease is allowed only at a train boundary.
            drops = np.flatnonzero(np.diff(self.times) < 0) + 1
            inside = drops[~np.isin(drops, self.offsets)]
            if inside.size:
                k = int(np.searchsorted(self.offsets, inside[0], side="right")) - 1
                trial, neuron = divmod(k, self.n_neurons)
                raise InvalidInputError(
                    f"Spike times must be sorted within each train; the train of trial {trial}, "
                    f"neuron {neuron} is not (sort it, e.g. with np.sort)."
                )
            if self.times.min() < self.t_start or self.times.max() > self.t_stop:
                outside = self.times[(self.times < self.t_start) | (self.times > self.t_stop)]
                raise InvalidInputError(
                    f"Spike times must lie in [t_start, t_stop] = [{self.t_start}, "
                    f"{self.t_stop}], got {outside[0]:g}: crop the trains to the window, or "
                    "give the t_start/t_stop of the trial they were recorded in."
                )
        if self.neuron_names is not None and len(self.neuron_names) != self.n_neurons:
            raise InvalidInputError(
                f"`neuron_names` has {len(self.neuron_names)} names for {self.n_neurons} neurons."
            )

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_lists(
        cls,
        trains: Sequence[Sequence[np.ndarray]],
        t_start: float,
        t_stop: float,
        neuron_names: Sequence[str] | None = None,
        *,
        unique: bool = True,
    ) -> SpikeTrains:
        """Build from nested lists ``trains[trial][neuron]`` of 1-D spike-time arrays.

        Each train is sorted; times outside ``[t_start, t_stop]`` raise an error, and so
        does a time found twice in one train where ``unique`` (pass ``False`` for trains
        that pool several neurons, or come from spike counts).
        """
        n_trials = len(trains)
        n_neurons = trains_per_trial(trains, "trains", "neurons")
        flat = []
        for trial in trains:
            flat.extend(np.sort(np.asarray(t, dtype=np.float64).ravel()) for t in trial)
        for k, train in enumerate(flat):
            if unique and train.size > 1 and np.any(train[1:] == train[:-1]):
                trial, neuron = divmod(k, max(n_neurons, 1))
                raise InvalidInputError(
                    f"The train of trial {trial}, neuron {neuron} of `trains` holds the same "
                    "spike time twice; a neuron fires once at a time: keep each time once "
                    "(np.unique), or check how the trains were merged (for trains that pool "
                    "several neurons, pass unique=False)."
                )
        counts = np.array([t.size for t in flat], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        times = np.concatenate(flat) if flat else np.empty(0)
        return cls(times, offsets, n_trials, n_neurons, t_start, t_stop, neuron_names)

    @classmethod
    def from_counts(cls, counts: xr.DataArray) -> SpikeTrains:
        """Spike times from a spike-count trials DataArray (``measure="spike_counts"``).

        A count of ``c`` in the bin starting at ``t`` gives ``c`` spikes at ``t`` (the bin
        start, the resolution of the recording). The window is ``[time[0], time[-1] + 1/sfreq]``.
        """
        from .trials import check_trials, measure_of, node_dim_of

        counts = check_trials(counts, "counts")
        if measure_of(counts) != "spike_counts":
            raise ValueError(
                "SpikeTrains.from_counts needs spike counts (attrs['measure'] == "
                f"'spike_counts'), got measure={measure_of(counts)!r}."
            )
        values = np.asarray(counts.values)
        if np.any(values < 0) or np.any(values != np.round(values)):
            raise ValueError("Spike counts must be non-negative integers.")
        time = counts["time"].values.astype(float)
        n_trials, n_neurons, _ = values.shape
        reps = values.astype(np.int64).reshape(n_trials * n_neurons, -1)
        times = np.repeat(np.broadcast_to(time, reps.shape).ravel(), reps.ravel())
        offsets = np.concatenate([[0], np.cumsum(reps.sum(axis=1))])
        names = counts[node_dim_of(counts)].values
        return cls(
            times,
            offsets,
            n_trials,
            n_neurons,
            time[0],
            time[-1] + 1.0 / counts.attrs["sfreq"],
            names,
        )

    # ------------------------------------------------------------------ access
    @property
    def duration(self) -> float:
        """Length of the observation window in seconds."""
        return self.t_stop - self.t_start

    def train(self, trial: int, neuron: int) -> np.ndarray:
        """Spike times (a view) of one neuron in one trial."""
        k = trial * self.n_neurons + neuron
        return self.times[self.offsets[k] : self.offsets[k + 1]]

    def trial(self, i: int) -> list[np.ndarray]:
        """Spike trains of trial ``i`` as a list of 1-D arrays (PySpike/Elephant style)."""
        if not -self.n_trials <= i < self.n_trials:
            raise IndexError(f"trial {i} out of range for {self.n_trials} trials.")
        i %= self.n_trials
        return [self.train(i, j).copy() for j in range(self.n_neurons)]

    def spike_counts(self) -> np.ndarray:
        """Number of spikes per (trial, neuron), shape (n_trials, n_neurons)."""
        return np.diff(self.offsets).reshape(self.n_trials, self.n_neurons)

    def rates(self) -> np.ndarray:
        """Mean firing rate in Hz per (trial, neuron)."""
        return self.spike_counts() / self.duration

    def window_counts(self, windows: np.ndarray) -> np.ndarray:
        """Spikes of every train in each closed window ``[start, stop]``.

        Parameters
        ----------
        windows : ndarray, shape (n_windows, 2)
            Rows ``[start, stop]`` in seconds.

        Returns
        -------
        counts : ndarray of int, shape (n_trials, n_windows, n_neurons)
        """
        windows = np.asarray(windows, dtype=float).reshape(-1, 2)
        out = np.empty((len(windows), self.n_trials * self.n_neurons), dtype=np.int64)
        for w, (start, stop) in enumerate(windows):
            out[w] = self.counts_before(stop, inclusive=True) - self.counts_before(start)
        out = out.reshape(len(windows), self.n_trials, self.n_neurons)
        return np.ascontiguousarray(out.transpose(1, 0, 2))

    def counts_before(self, t: float, *, inclusive: bool = False) -> np.ndarray:
        """Spikes of each train before ``t`` (``<= t`` when inclusive), shape
        (n_trials * n_neurons,), trains in trial-major order as :attr:`offsets`."""
        mask = self.times <= t if inclusive else self.times < t
        cum = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
        return cum[self.offsets[1:]] - cum[self.offsets[:-1]]

    def select_trials(self, index: Sequence[int] | np.ndarray) -> SpikeTrains:
        """A new SpikeTrains with the given trials, in the given order."""
        index = np.asarray(index, dtype=np.int64)
        trains = [self.trial(int(i)) for i in index]
        return SpikeTrains.from_lists(
            trains, self.t_start, self.t_stop, self.neuron_names, unique=False
        )

    def __len__(self) -> int:
        return self.n_trials

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpikeTrains):
            return NotImplemented
        return (
            self.n_trials == other.n_trials
            and self.n_neurons == other.n_neurons
            and self.t_start == other.t_start
            and self.t_stop == other.t_stop
            and np.array_equal(self.offsets, other.offsets)
            and np.array_equal(self.times, other.times)
        )

    __hash__ = None  # mutable arrays inside: not hashable

    def __repr__(self) -> str:
        return (
            f"<SpikeTrains | {self.n_trials} trials x {self.n_neurons} neurons, "
            f"{self.times.size} spikes, {self.t_start:g}-{self.t_stop:g} s>"
        )

    # ------------------------------------------------------------------ persistence
    def to_dataset(self) -> xr.Dataset:
        """The spike trains as an :class:`xarray.Dataset` (what :meth:`save` writes)."""
        ds = xr.Dataset(
            {"times": ("spike", self.times), "offsets": ("train_edge", self.offsets)},
            attrs={
                "n_trials": self.n_trials,
                "n_neurons": self.n_neurons,
                "t_start": self.t_start,
                "t_stop": self.t_stop,
                "format": "s2decode.SpikeTrains/1",
            },
        )
        if self.neuron_names is not None:
            ds["neuron_names"] = ("neuron", np.array(self.neuron_names, dtype=str))
        return ds

    def save(self, fname: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write to netCDF atomically (a temporary file renamed into place).

        Parameters
        ----------
        fname : path-like
            Target file, conventionally ``*.nc``.
        overwrite : bool
            Replace an existing file (``False``, as :meth:`Scaffold.save
            <s2decode.atlas.Scaffold.save>` and MNE's writers, refuses to).

        Returns
        -------
        path : pathlib.Path
            The written file.

        Raises
        ------
        FileExistsError
            Where ``fname`` exists and ``overwrite`` is false.
        """
        from ._io_utils import atomic_write_netcdf

        return atomic_write_netcdf(self.to_dataset(), fname, overwrite=overwrite)

    @classmethod
    def load(cls, fname: str | os.PathLike) -> SpikeTrains:
        """Read spike trains written by :meth:`save`."""
        from ._io_utils import read_netcdf

        path = Path(fname)
        ds = read_netcdf(path, "No spike-train file at {path}.")
        if ds.attrs.get("format") != "s2decode.SpikeTrains/1":
            raise ValueError(f"{path} is not a file written by SpikeTrains.save.")
        names = ds["neuron_names"].values.tolist() if "neuron_names" in ds else None
        return cls(
            ds["times"].values,
            ds["offsets"].values,
            ds.attrs["n_trials"],
            ds.attrs["n_neurons"],
            ds.attrs["t_start"],
            ds.attrs["t_stop"],
            names,
        )

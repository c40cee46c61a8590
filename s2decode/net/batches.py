"""The batches of a simulation: what each backend runs and how the results are joined.

:class:`_Run` holds a simulation prepared once (encoded drive, scaffold edges, parameters,
initial potentials) and cuts it into batch networks of ``batch_size`` trials: the Brian2
network of a batch, its input buffer, initial state and input events. Each backend
(:mod:`.runtime`, :mod:`.standalone`) returns one :class:`_BatchResult` per batch; this module
joins them back into :class:`~s2decode.spiketrains.SpikeTrains` (through
:func:`spiketrains_from_indices`) and the recorded states, and shows the progress bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from ..spiketrains import SpikeTrains
from . import model
from .config import S2NetConfig
from .encoders import Drive


@dataclass
class _Run:
    """Everything a backend needs, prepared once."""

    drive: Drive
    edges: model.Edges
    config: S2NetConfig
    v0: np.ndarray  # (n_trials, n_parcels)
    n_parcels: int
    batch_size: int
    record: bool
    progress: bool
    cache: Path

    def build(self, n_batch: int, **target) -> model.BatchNetwork:
        """The Brian2 network of a batch of ``n_batch`` trials (not run).

        ``target``: the code-generation options of the backend (``codeobj_class`` for the
        runtime targets; ``standalone`` and ``event_capacity`` for C++ standalone).
        """
        return model.build_network(
            n_batch=n_batch,
            n_parcels=self.n_parcels,
            edges=self.edges,
            config=self.config,
            n_rows=self.drive.n_rows,
            drive_rate=self.drive.row_rate,
            duration=self.drive.duration,
            with_events=self.drive.has_events,
            record=self.record,
            **target,
        )

    def batches(self) -> list[np.ndarray]:
        n = self.drive.n_trials
        return [np.arange(s, min(s + self.batch_size, n)) for s in range(0, n, self.batch_size)]

    def current_rows(self, trials: np.ndarray, n_batch: int) -> np.ndarray:
        """Held input of some trials as a flat (n_rows, n_batch * n) buffer (zero padded)."""
        cur = self.drive.current[trials]  # (k, rows, n)
        out = np.zeros((self.drive.n_rows, n_batch, self.n_parcels))
        out[:, : len(trials)] = np.transpose(cur, (1, 0, 2))
        return out.reshape(-1)

    def initial_v(self, trials: np.ndarray, n_batch: int) -> np.ndarray:
        out = np.zeros((n_batch, self.n_parcels))
        out[: len(trials)] = self.v0[trials]
        return out.ravel()

    def events(self, trials: np.ndarray):
        """Generator indices and steps of the events of some trials (batch-local, sorted)."""
        d = self.drive
        sel = np.isin(d.ev_trial, trials)
        local = np.searchsorted(trials, d.ev_trial[sel])
        neuron = local * self.n_parcels + d.ev_neuron[sel]
        gen = 2 * neuron + (d.ev_sign[sel] < 0)
        step = d.ev_step[sel]
        order = np.lexsort((gen, step))
        return gen[order].astype(np.int32), step[order].astype(np.int64)


@dataclass
class _BatchResult:
    trials: np.ndarray
    i: np.ndarray  # neuron index in the batch network
    t: np.ndarray  # network time (s) from the start of the run
    states: dict | None  # name -> (n_times, n_batch * n)


class _Progress:
    def __init__(self, total: float, enabled: bool):
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=round(total, 3), unit="trial-s", desc="S2-Net")
        self.done = 0.0

    def set(self, value: float) -> None:
        if self.bar is not None:
            self.bar.n = round(value, 3)
            self.bar.refresh()
        self.done = value

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------------- joining
def _assemble_spikes(batches, n_trials, n, drive: Drive, names) -> SpikeTrains:
    trial_parts, neuron_parts, time_parts = [], [], []
    for res in batches:
        local, neuron = np.divmod(res.i, n)
        keep = local < len(res.trials)  # drop padding trials
        trial_parts.append(res.trials[local[keep]])
        neuron_parts.append(neuron[keep])
        time_parts.append(res.t[keep])
    trial = np.concatenate(trial_parts) if trial_parts else np.empty(0, np.int64)
    neuron = np.concatenate(neuron_parts) if neuron_parts else np.empty(0, np.int64)
    t = np.concatenate(time_parts) if time_parts else np.empty(0)
    return spiketrains_from_indices(
        trial,
        neuron,
        t + drive.t_start,
        n_trials,
        n,
        drive.t_start,
        drive.t_start + drive.duration,
        names,
        time_sorted=True,
    )


def spiketrains_from_indices(
    trial: np.ndarray,
    neuron: np.ndarray,
    times: np.ndarray,
    n_trials: int,
    n_neurons: int,
    t_start: float,
    t_stop: float,
    neuron_names: Sequence[str] | None = None,
    time_sorted: bool = False,
) -> SpikeTrains:
    """Build :class:`~s2decode.spiketrains.SpikeTrains` from flat (trial, neuron, time) spikes.

    The fast path from a Brian2 ``SpikeMonitor`` (``i``, ``t``) to the flat layout, with no
    Python loop over trains.

    Parameters
    ----------
    trial, neuron : ndarray of int
        Trial and neuron of each spike.
    times : ndarray of float
        Spike times in seconds.
    n_trials, n_neurons : int
        Shape of the result.
    t_start, t_stop : float
        Observation window.
    neuron_names : sequence of str | None
        Names of the neurons.
    time_sorted : bool
        The spikes of each train already come in time order (as from a ``SpikeMonitor``):
        a linear-time counting sort then groups them by train. Otherwise they are sorted.

    Returns
    -------
    spikes : SpikeTrains
        Sorted within each train.
    """
    trial = np.asarray(trial, dtype=np.int64)
    neuron = np.asarray(neuron, dtype=np.int64)
    times = np.asarray(times, dtype=float)
    if not (trial.shape == neuron.shape == times.shape) or trial.ndim != 1:
        raise ValueError("`trial`, `neuron` and `times` must be 1-D arrays of the same length.")
    if trial.size and (
        trial.min() < 0 or trial.max() >= n_trials or neuron.min() < 0 or neuron.max() >= n_neurons
    ):
        raise ValueError("Trial or neuron indices out of range for the requested shape.")
    train = trial * n_neurons + neuron
    if time_sorted:
        from ._kernels import counting_order

        order, offsets = counting_order(train, n_trials * n_neurons)
    else:
        order = np.lexsort((times, train))
        counts = np.bincount(train, minlength=n_trials * n_neurons)
        offsets = np.concatenate([[0], np.cumsum(counts)])
    return SpikeTrains(times[order], offsets, n_trials, n_neurons, t_start, t_stop, neuron_names)


def _assemble_states(batches, n_trials, n, drive: Drive, config: S2NetConfig, names):
    n_t = batches[0].states["zr"].shape[0]
    out = {k: np.empty((n_trials, n, n_t)) for k in ("zr", "zi", "m")}
    for res in batches:
        k = len(res.trials)
        for name in out:
            values = res.states[name].reshape(n_t, -1, n)[:, :k]  # (time, trial, parcel)
            out[name][res.trials] = np.transpose(values, (1, 2, 0))
    time = drive.t_start + np.arange(n_t) * config.record_dt
    names = list(names) if names is not None else [f"parcel{i:03d}" for i in range(n)]
    coords = {"trial": np.arange(n_trials), "parcel": names, "time": time}
    dims = ("trial", "parcel", "time")
    return xr.Dataset(
        {
            "phi": (dims, np.arctan2(out["zi"], out["zr"]), {"units": "rad"}),
            "rho": (dims, np.hypot(out["zr"], out["zi"]), {"units": "1"}),
            "m": (dims, out["m"], {"units": "threshold"}),
        },
        coords=coords,
        attrs={"record_dt": config.record_dt, "description": "S2-Net states"},
    )

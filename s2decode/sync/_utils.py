"""Input normalisation for the synchrony metrics: spike trains checked once, in one place.

Every public function of :mod:`s2decode.sync` calls :func:`check_spike_trains` first. It
turns what users hand in (a list of 1-D arrays plus ``t_start``/``t_stop``, or a batched
:class:`~s2decode.spiketrains.SpikeTrains`) into one flat, numba-friendly layout,
:class:`SpikeBatch`, and :meth:`SpikeBatch.finish` shapes the kernels' output back
(a leading trial axis for batched input, a window axis where ``windows`` was given).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from ..spiketrains import SpikeTrains

# Numba's OpenMP thread pool (its default threading layer here) makes idle threads spin at
# every barrier. On a machine whose cores other processes share -- the usual case for a
# workstation running a pipeline, and this project's 2-core development machine -- a
# spinning thread keeps the core from the thread it waits for: two threads then ran the
# ISI-distance 5x slower than one (54 vs 10 ms, load 2.5 on 2 cores), and no slower with
# passive waiting (8 ms). Passive unless the user chose; read when the pool first starts.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# The Numba options of every kernel of the package, in one place: compiled once and cached
# on disk (NUMBA_CACHE_DIR), with NumPy's floating-point rules (a division by zero gives inf
# or NaN, as in the NumPy code of PySpike and Elephant, rather than raising).
kernel = njit(cache=True, error_model="numpy")
parallel_kernel = njit(cache=True, parallel=True, error_model="numpy")

#: ``SpikeBatch.layout`` and ``SpikeBatch.pairs``, as kernels take them.
Layout = tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray]
Pairs = tuple[np.ndarray, np.ndarray, int]


@dataclass(frozen=True)
class SpikeBatch:
    """Spike trains of ``n_batches`` x ``n_neurons`` in flat arrays (internal).

    ``times[offsets[b * n_neurons + i]:offsets[b * n_neurons + i + 1]]`` are the sorted spike
    times (seconds) of neuron ``i`` in batch ``b``; batch ``b`` is observed on
    ``[t_start[b], t_stop[b]]``. A batch is a trial, or a (trial, window) pair once windows
    are cut (trial-major).
    """

    times: np.ndarray
    offsets: np.ndarray
    n_neurons: int
    t_start: np.ndarray
    t_stop: np.ndarray
    n_trials: int
    n_windows: int | None
    batched: bool

    @property
    def n_batches(self) -> int:
        """Number of independent (trial, window) blocks the kernels loop over."""
        return self.t_start.shape[0]

    def finish(self, out: np.ndarray) -> np.ndarray:
        """Reshape a kernel result of shape ``(n_batches, ...)`` to the public shape.

        ``(n_trials, [n_windows,] ...)`` for batched input, ``([n_windows,] ...)`` for a list.
        """
        lead: tuple[int, ...] = (self.n_trials,) if self.batched else ()
        if self.n_windows is not None:
            lead += (self.n_windows,)
        return out.reshape(lead + out.shape[1:])

    @property
    def layout(self) -> Layout:
        """``(times, offsets, n_neurons, t_start, t_stop)``: the trains as one kernel argument."""
        return self.times, self.offsets, self.n_neurons, self.t_start, self.t_stop

    @property
    def pairs(self) -> Pairs:
        """``(rows, cols, n_neurons)``: the pairs (:func:`pair_indices`) of every batch, the
        argument of the pair kernels (:func:`pair_trains`)."""
        return (*pair_indices(self.n_neurons), self.n_neurons)

    def pair_matrices(self, values: np.ndarray, diagonal: float | np.ndarray = 0.0) -> np.ndarray:
        """Symmetric matrices in the public shape from one value per pair of each batch.

        ``values[b * n_pairs + p]`` belongs to pair ``p`` (in :func:`pair_indices` order) of
        batch ``b``, as :func:`pair_trains` numbers them; ``diagonal`` is one value, or one
        per (batch, neuron).
        """
        n = self.n_neurons
        rows, cols = pair_indices(n)
        per_batch = values.reshape(self.n_batches, rows.size)
        out = np.empty((self.n_batches, n, n))
        out[:, rows, cols] = per_batch
        out[:, cols, rows] = per_batch
        nodes = np.arange(n)
        out[:, nodes, nodes] = diagonal
        return self.finish(out)

    def with_unique_spikes(self) -> SpikeBatch:
        """The same trains with repeated spike times inside a train dropped (PySpike rule)."""
        if self.times.size < 2:
            return self
        keep = np.ones(self.times.size, dtype=bool)
        keep[1:] = self.times[1:] != self.times[:-1]
        # A repeat across a train boundary is two trains, not a duplicate.
        starts = self.offsets[:-1][np.diff(self.offsets) > 0]
        keep[starts] = True
        if keep.all():
            return self
        kept_before = np.concatenate([[0], np.cumsum(keep)])
        return SpikeBatch(
            self.times[keep],
            kept_before[self.offsets].astype(np.int64),
            self.n_neurons,
            self.t_start,
            self.t_stop,
            self.n_trials,
            self.n_windows,
            self.batched,
        )


def _as_seconds(train: Any) -> np.ndarray:
    """A 1-D float64 array of spike times in seconds from an array-like or a neo.SpikeTrain."""
    if hasattr(train, "rescale") and hasattr(train, "units"):
        # quantities/neo objects: their magnitude may be in ms; convert before dropping units.
        train = train.rescale("s").magnitude
    return np.asarray(train, dtype=np.float64)


def _check_window_bounds(t_start: Any, t_stop: Any) -> tuple[float, float]:
    if t_start is None or t_stop is None:
        raise ValueError(
            "t_start and t_stop are required with a list of spike trains: pass the observation "
            "window in seconds, e.g. t_start=0.0, t_stop=10.0."
        )
    t_start = float(_as_seconds(t_start))
    t_stop = float(_as_seconds(t_stop))
    if not (np.isfinite(t_start) and np.isfinite(t_stop)) or not t_stop > t_start:
        raise ValueError(
            f"t_stop ({t_stop}) must be greater than t_start ({t_start}), both finite."
        )
    return t_start, t_stop


def check_spike_trains(
    spike_trains: SpikeTrains | Sequence[Any],
    t_start: float | None = None,
    t_stop: float | None = None,
    windows: np.ndarray | Sequence[Sequence[float]] | None = None,
    *,
    min_trains: int = 1,
) -> SpikeBatch:
    """Check spike trains once and put them in the flat layout of the kernels.

    Parameters
    ----------
    spike_trains : SpikeTrains | sequence of array-like
        A batched :class:`~s2decode.spiketrains.SpikeTrains` (trials x neurons), or a list of
        1-D arrays of spike times in seconds (one per neuron).
    t_start, t_stop : float | None
        Observation window in seconds. Required with a list; with a ``SpikeTrains`` they
        default to its own window and, if given, must equal it.
    windows : array-like, shape (n_windows, 2) | None
        Time windows ``[start, stop]`` (seconds) inside the observation window; each window
        is then treated as a recording of its own (spikes in the closed window, as
        :meth:`neo.core.SpikeTrain.time_slice` keeps them).
    min_trains : int
        Smallest number of trains the metric is defined for.

    Returns
    -------
    batch : SpikeBatch
        The normalised trains.
    """
    if isinstance(spike_trains, SpikeTrains):
        for name, value, own in (
            ("t_start", t_start, spike_trains.t_start),
            ("t_stop", t_stop, spike_trains.t_stop),
        ):
            if value is not None and float(value) != own:
                raise ValueError(
                    f"{name}={value} differs from the SpikeTrains' own {name}={own}: a "
                    "SpikeTrains carries its window; pass windows=[[start, stop]] to look at a "
                    "part of it."
                )
        n_trials = spike_trains.n_trials
        batch = SpikeBatch(
            spike_trains.times,
            spike_trains.offsets,
            spike_trains.n_neurons,
            np.full(n_trials, spike_trains.t_start),
            np.full(n_trials, spike_trains.t_stop),
            n_trials,
            None,
            True,
        )
    else:
        batch = _batch_from_list(spike_trains, t_start, t_stop)
    if batch.n_neurons < min_trains:
        raise ValueError(
            f"This metric needs at least {min_trains} spike trains, got {batch.n_neurons}."
        )
    if windows is not None:
        batch = _cut_windows(batch, windows)
    return batch


def _batch_from_list(spike_trains: Any, t_start: Any, t_stop: Any) -> SpikeBatch:
    if isinstance(spike_trains, np.ndarray) and spike_trains.dtype != object:
        raise TypeError(
            "spike_trains must be a list of 1-D arrays of spike times (one per neuron) or an "
            "s2decode.SpikeTrains, not a numeric array: wrap a single train as [train]."
        )
    if not isinstance(spike_trains, Sequence | np.ndarray):
        raise TypeError(
            "spike_trains must be a list of 1-D arrays of spike times or an "
            f"s2decode.SpikeTrains, got {type(spike_trains).__name__}."
        )
    t_start, t_stop = _check_window_bounds(t_start, t_stop)
    trains = []
    for i, train in enumerate(spike_trains):
        arr = _as_seconds(train)
        if arr.ndim != 1:
            raise ValueError(
                f"spike_trains[{i}] must be 1-D (spike times in seconds), got shape {arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"spike_trains[{i}] contains non-finite spike times.")
        if arr.size > 1:
            bad = np.flatnonzero(np.diff(arr) < 0)
            if bad.size:
                k = int(bad[0])
                raise ValueError(
                    f"spike_trains[{i}] is not sorted: spike {k + 1} at {arr[k + 1]!r} s comes "
                    f"after {arr[k]!r} s. Sort each train (np.sort) before computing synchrony."
                )
        if arr.size and (arr[0] < t_start or arr[-1] > t_stop):
            raise ValueError(
                f"spike_trains[{i}] has spikes outside [t_start, t_stop] = [{t_start}, {t_stop}] "
                f"(first {arr[0]!r} s, last {arr[-1]!r} s): widen the window or drop them."
            )
        trains.append(arr)
    counts = np.fromiter((t.size for t in trains), dtype=np.int64, count=len(trains))
    offsets = np.zeros(len(trains) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    times = np.concatenate(trains) if trains else np.empty(0)
    return SpikeBatch(
        np.ascontiguousarray(times, dtype=np.float64),
        offsets,
        len(trains),
        np.array([t_start]),
        np.array([t_stop]),
        1,
        None,
        False,
    )


def check_windows(
    windows: np.ndarray | Sequence[Sequence[float]], t_start: float, t_stop: float
) -> np.ndarray:
    """Windows as a float array of shape (n_windows, 2) inside ``[t_start, t_stop]``."""
    win = np.asarray(windows, dtype=np.float64)
    if win.ndim == 1 and win.shape == (2,):
        win = win[np.newaxis]
    if win.ndim != 2 or win.shape[1] != 2 or win.shape[0] == 0:
        raise ValueError(
            "windows must have shape (n_windows, 2), rows [start, stop] in seconds "
            f"(see s2decode.sync.sliding_windows); got shape {win.shape}."
        )
    if not np.all(np.isfinite(win)) or np.any(win[:, 1] <= win[:, 0]):
        raise ValueError("Every window needs a finite start < stop.")
    if win.min() < t_start or win.max() > t_stop:
        raise ValueError(
            f"windows must lie inside the observation window [{t_start}, {t_stop}] s; got "
            f"[{win.min()}, {win.max()}]."
        )
    return np.ascontiguousarray(win)


def _cut_windows(batch: SpikeBatch, windows: Any) -> SpikeBatch:
    if batch.n_windows is not None:
        raise ValueError("windows were already cut from these spike trains.")
    win = check_windows(windows, float(batch.t_start.max()), float(batch.t_stop.min()))
    times, offsets = _slice_windows(batch.times, batch.offsets, batch.n_neurons, win)
    n_windows = win.shape[0]
    return SpikeBatch(
        times,
        offsets,
        batch.n_neurons,
        np.tile(win[:, 0], batch.n_batches),
        np.tile(win[:, 1], batch.n_batches),
        batch.n_trials,
        n_windows,
        batch.batched,
    )


@kernel
def _slice_windows(
    times: np.ndarray, offsets: np.ndarray, n_neurons: int, windows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Spikes of every train inside every closed window, batch-major then window-major."""
    n_trains = offsets.shape[0] - 1
    n_batches = n_trains // n_neurons
    n_windows = windows.shape[0]
    n_out = n_batches * n_windows * n_neurons
    lo = np.empty(n_out, dtype=np.int64)
    hi = np.empty(n_out, dtype=np.int64)
    out_offsets = np.zeros(n_out + 1, dtype=np.int64)
    for b in range(n_batches):
        for w in range(n_windows):
            for i in range(n_neurons):
                k = b * n_neurons + i
                train = times[offsets[k] : offsets[k + 1]]
                o = (b * n_windows + w) * n_neurons + i
                lo[o] = offsets[k] + np.searchsorted(train, windows[w, 0], side="left")
                hi[o] = offsets[k] + np.searchsorted(train, windows[w, 1], side="right")
                out_offsets[o + 1] = out_offsets[o] + hi[o] - lo[o]
    out = np.empty(out_offsets[n_out], dtype=np.float64)
    for o in range(n_out):
        out[out_offsets[o] : out_offsets[o + 1]] = times[lo[o] : hi[o]]
    return out, out_offsets


def pair_indices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the upper triangle (i < j), as int64 arrays."""
    rows, cols = np.triu_indices(n, k=1)
    return rows.astype(np.int64), cols.astype(np.int64)


@kernel
def pair_trains(idx: int, pairs: Pairs) -> tuple[int, int, int]:
    """Batch and the two trains of entry ``idx`` of a pair kernel's loop over (batch, pair).

    ``pairs`` is :attr:`SpikeBatch.pairs`. Entry ``idx`` is pair ``idx % n_pairs`` of batch
    ``idx // n_pairs``, the order :meth:`SpikeBatch.pair_matrices` reads.
    """
    rows, cols, n_neurons = pairs
    n_pairs = rows.shape[0]
    b = idx // n_pairs
    return b, b * n_neurons + rows[idx % n_pairs], b * n_neurons + cols[idx % n_pairs]


@kernel
def pair_slices(idx: int, pairs: Pairs, starts: np.ndarray) -> tuple[int, slice, slice]:
    """As :func:`pair_trains`, with each train as its slice ``[starts[k], starts[k + 1])``
    of the kernel's flat arrays (``offsets`` of the spike times, or a padded layout)."""
    b, k1, k2 = pair_trains(idx, pairs)
    return b, slice(starts[k1], starts[k1 + 1]), slice(starts[k2], starts[k2 + 1])


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """A finite positive float (or non-negative with ``allow_zero``), else a ValueError."""
    try:
        value = float(_as_seconds(value))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number (seconds), got {value!r}.") from None
    ok = value >= 0 if allow_zero else value > 0
    if not (ok and np.isfinite(value)):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value}.")
    return value


def check_pair_memory(batch: SpikeBatch, what: str, per_matrix: int = 1) -> None:
    """Refuse a pair metric whose matrices would not fit the memory budget, before the
    kernel allocates them (:func:`s2decode.get_memory_budget`).

    The result holds one ``n x n`` matrix per batch (and the kernel one value per pair per
    batch before it); each thread's batch in flight needs ``per_matrix`` more ``n x n``
    matrices while it is swept.
    """
    import numba

    from .._memory import require_memory
    from ..paths import get_memory_budget

    n, nb = batch.n_neurons, batch.n_batches
    nbytes = 8 * (nb * n * n + nb * n * (n - 1) // 2 + numba.get_num_threads() * per_matrix * n * n)
    shape = f"{batch.n_trials} trial(s) x " if batch.batched else ""
    windows = f" x {batch.n_windows} window(s)" if batch.n_windows is not None else ""
    require_memory(
        nbytes,
        get_memory_budget(),
        f"{what} of {shape}{n} trains{windows}",
        "Give fewer trials (or windows) per call and concatenate the results, or fewer trains",
    )

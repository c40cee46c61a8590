"""Spike-contrast (Ciba et al. 2018), numerically identical to Elephant's ``spike_contrast``.

For bin sizes shrinking geometrically from half the recording down to ``max(ISI_min / 2,
min_bin)``, the trains are binned with half-overlapping bins; the synchrony curve is
``contrast * active_trains`` (see the references) and spike-contrast is its maximum.

The kernel reproduces Elephant's binning exactly (the edges of ``np.arange`` and the
half-open bins of ``np.histogram``) and runs every (trial, bin size) in parallel, in
``O(n_spikes + n_bins)`` per bin size.

References
----------
Ciba M, Isomura T, Jimbo Y, Bahmer A, Thielemann C (2018). Spike-contrast: a novel
time scale independent and multivariate measure of spike train synchrony. J Neurosci
Methods 293:136-143.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numba import prange

from ..spiketrains import SpikeTrains
from ._utils import check_positive, check_spike_trains, kernel, parallel_kernel


class SpikeContrastTrace(NamedTuple):
    """The synchrony curve of spike-contrast, one value per bin size (Elephant's trace)."""

    contrast: np.ndarray
    active_spiketrains: np.ndarray
    synchrony: np.ndarray
    bin_size: np.ndarray


@kernel
def _arange_len(start: float, stop: float, step: float) -> int:
    """Length of ``np.arange(start, stop, step)`` (numpy: ceil((stop - start) / step))."""
    n = math.ceil((stop - start) / step)
    return max(n, 0)


@kernel
def _edge(start: float, delta: float, step: float, k: int) -> float:
    """``np.arange(start, ..., step)[k]``: numpy fills ``start + k * ((start + step) - start)``."""
    if k == 0:
        return start
    if k == 1:
        return start + step
    return start + k * delta


@kernel
def _synchrony_at(
    merged: np.ndarray,
    train_of: np.ndarray,
    n_neurons: int,
    t_lo: float,
    t_hi: float,
    bin_size: float,
) -> tuple[float, float, float]:
    """Contrast, active trains and synchrony of one batch at one bin size.

    ``merged`` holds all spikes of the batch sorted in time and ``train_of`` their train, so
    one pass moves a single bin pointer forward (no division per spike). Bin ``h`` of
    ``np.histogram`` is ``[e_h, e_{h+1})``, the last one closed; it feeds the half-overlapping
    bins ``h - 1`` and ``h``.
    """
    step = bin_size / 2
    n_edges = _arange_len(t_lo, t_hi + step, step)
    delta = (t_lo + step) - t_lo
    n_overlap = n_edges - 2  # histogram[:-1] + histogram[1:]
    if n_overlap <= 0:
        return np.nan, np.nan, np.nan
    theta = np.zeros(n_overlap, dtype=np.int64)
    active = np.zeros(n_overlap, dtype=np.int64)
    last_marked = np.full(n_neurons, -1, dtype=np.int64)
    last_edge = _edge(t_lo, delta, step, n_edges - 1)
    h = 0
    upper = _edge(t_lo, delta, step, 1)
    for p in range(merged.shape[0]):
        x = merged[p]
        if x < t_lo or x > last_edge:
            continue
        while upper <= x and h < n_edges - 2:
            h += 1
            upper = _edge(t_lo, delta, step, h + 1)
        k = train_of[p]
        for m in (h - 1, h):
            if 0 <= m < n_overlap:
                theta[m] += 1
                if m > last_marked[k]:
                    active[m] += 1
                    last_marked[k] = m
    weighted = 0
    total = 0
    variation = 0
    for m in range(n_overlap):
        weighted += active[m] * theta[m]
        total += theta[m]
        if m > 0:
            variation += abs(theta[m] - theta[m - 1])
    active_st = (weighted / total - 1) / (n_neurons - 1)
    contrast = variation / (2 * merged.shape[0])
    return contrast, active_st, contrast * active_st


@parallel_kernel
def _merge_trains(
    times: np.ndarray, offsets: np.ndarray, n_neurons: int
) -> tuple[np.ndarray, np.ndarray]:
    """All spikes of each batch sorted in time (batches stay where they were), with trains."""
    n_batches = (offsets.shape[0] - 1) // n_neurons
    merged = np.empty_like(times)
    train_of = np.empty(times.shape[0], dtype=np.int64)
    for b in prange(n_batches):
        lo = offsets[b * n_neurons]
        hi = offsets[(b + 1) * n_neurons]
        ids = np.empty(hi - lo, dtype=np.int64)
        for i in range(n_neurons):
            k = b * n_neurons + i
            ids[offsets[k] - lo : offsets[k + 1] - lo] = i
        order = np.argsort(times[lo:hi], kind="mergesort")
        merged[lo:hi] = times[lo:hi][order]
        train_of[lo:hi] = ids[order]
    return merged, train_of


@kernel
def _bin_plan(
    times: np.ndarray,
    offsets: np.ndarray,
    n_neurons: int,
    t_start: np.ndarray,
    t_stop: np.ndarray,
    min_bin: float,
    shrink: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per batch: the smallest ISI and the flat list of bin sizes (Elephant's loop)."""
    n_batches = t_start.shape[0]
    isi_min = np.full(n_batches, np.inf)
    size_offsets = np.zeros(n_batches + 1, dtype=np.int64)
    for b in range(n_batches):
        for i in range(n_neurons):
            k = b * n_neurons + i
            for p in range(offsets[k] + 1, offsets[k + 1]):
                isi_min[b] = min(isi_min[b], times[p] - times[p - 1])
        count = 0
        if np.isfinite(isi_min[b]):
            bin_min = max(isi_min[b] / 2, min_bin)
            size = (t_stop[b] - t_start[b]) / 2
            while size >= bin_min:
                count += 1
                size *= shrink
        size_offsets[b + 1] = size_offsets[b] + count
    sizes = np.empty(size_offsets[n_batches])
    for b in range(n_batches):
        size = (t_stop[b] - t_start[b]) / 2
        for s in range(size_offsets[b], size_offsets[b + 1]):
            sizes[s] = size
            size *= shrink
    return isi_min, sizes, size_offsets


@parallel_kernel
def _spike_contrast_kernel(
    merged: np.ndarray,
    train_of: np.ndarray,
    offsets: np.ndarray,
    n_neurons: int,
    t_start: np.ndarray,
    t_stop: np.ndarray,
    isi_min: np.ndarray,
    sizes: np.ndarray,
    size_offsets: np.ndarray,
) -> np.ndarray:
    """Contrast, active trains and synchrony (rows) for every (batch, bin size) (columns)."""
    n_batches = t_start.shape[0]
    out = np.empty((3, sizes.shape[0]))
    for s in prange(sizes.shape[0]):
        # Batch of this bin size: the last b with size_offsets[b] <= s.
        b = min(np.searchsorted(size_offsets, s, side="right") - 1, n_batches - 1)
        lo = offsets[b * n_neurons]
        hi = offsets[(b + 1) * n_neurons]
        c, a, y = _synchrony_at(
            merged[lo:hi],
            train_of[lo:hi],
            n_neurons,
            t_start[b] - isi_min[b],
            t_stop[b] + isi_min[b],
            sizes[s],
        )
        out[0, s] = c
        out[1, s] = a
        out[2, s] = y
    return out


def spike_contrast(
    spike_trains: SpikeTrains | Sequence[np.ndarray],
    t_start: float | None = None,
    t_stop: float | None = None,
    *,
    min_bin: float = 0.01,
    bin_shrink_factor: float = 0.9,
    return_trace: bool = False,
    windows: np.ndarray | None = None,
) -> float | np.ndarray | tuple:
    """Spike-contrast synchrony of a set of spike trains (Ciba et al. 2018).

    Same value as :func:`elephant.spike_train_synchrony.spike_contrast` with
    ``min_bin=min_bin`` seconds.

    Parameters
    ----------
    spike_trains : list of array-like | SpikeTrains
        At least two trains of sorted spike times in seconds, or a batched ``SpikeTrains``.
    t_start, t_stop : float | None
        Recording window in seconds (required with a list).
    min_bin : float
        Smallest bin size in seconds (Elephant's default, 10 ms).
    bin_shrink_factor : float
        Factor in ``(0, 1)`` by which the bin size shrinks at each step.
    return_trace : bool
        Also return the synchrony curve over bin sizes.
    windows : array-like, shape (n_windows, 2) | None
        Compute the value in each window as if it were the recording.

    Returns
    -------
    synchrony : float | ndarray, shape ([n_trials,] [n_windows])
        In ``[0, 1]``. NaN where no train has two spikes (Elephant raises there; a NaN lets
        one silent trial through a batch).
    trace : SpikeContrastTrace | list of SpikeContrastTrace
        With ``return_trace``: one trace (a list, trial-major then window-major, for several).
    """
    if not 0.0 < float(bin_shrink_factor) < 1.0:
        raise ValueError(f"bin_shrink_factor must be in (0, 1), got {bin_shrink_factor}.")
    min_bin = check_positive(min_bin, "min_bin", allow_zero=True)
    batch = check_spike_trains(spike_trains, t_start, t_stop, windows, min_trains=2)
    isi_min, sizes, size_offsets = _bin_plan(
        batch.times,
        batch.offsets,
        batch.n_neurons,
        batch.t_start,
        batch.t_stop,
        min_bin,
        float(bin_shrink_factor),
    )
    merged, train_of = _merge_trains(batch.times, batch.offsets, batch.n_neurons)
    curves = _spike_contrast_kernel(
        merged,
        train_of,
        batch.offsets,
        batch.n_neurons,
        batch.t_start,
        batch.t_stop,
        isi_min,
        sizes,
        size_offsets,
    )
    values = np.full(batch.n_batches, np.nan)
    traces = []
    for b in range(batch.n_batches):
        sl = slice(size_offsets[b], size_offsets[b + 1])
        if sl.stop > sl.start:
            values[b] = curves[2, sl].max()
        traces.append(
            SpikeContrastTrace(
                curves[0, sl].copy(), curves[1, sl].copy(), curves[2, sl].copy(), sizes[sl].copy()
            )
        )
    result = batch.finish(values)
    if result.ndim == 0:
        result = float(result)
    if return_trace:
        return result, (traces if len(traces) > 1 or batch.batched else traces[0])
    return result

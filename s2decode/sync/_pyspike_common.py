"""Pieces shared by the PySpike-family kernels: the adaptive threshold and the option checks.

The ISI-distance, SPIKE-distance and SPIKE-synchronization follow PySpike 0.8/0.9 exactly,
including its adaptive variants (``MRTS``, the minimum relevant time scale, Kreuz et al.
2017, "Measures of spike train synchrony for data with multiple time scales").
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._utils import Layout, SpikeBatch, kernel, parallel_kernel


@kernel
def _sum_sq_isi_lengths(s: np.ndarray, t_start: float, t_end: float) -> tuple[float, int]:
    """Sum of squared ISI lengths of one train with PySpike's edge rules, and their number."""
    n = s.shape[0]
    if n == 0:
        d = t_end - t_start
        return d * d, 1
    if s[0] > t_start:
        del_start = max(s[0] - t_start, s[1] - s[0]) if n > 1 else s[0] - t_start
        i_start = 0
    else:
        del_start = s[1] - s[0] if n > 1 else t_start - s[0]
        i_start = 1
    if s[n - 1] < t_end:
        del_end = max(t_end - s[n - 1], s[n - 1] - s[n - 2]) if n > 1 else t_end - s[0]
        i_end = n
    else:
        del_end = s[n - 1] - s[n - 2] if n > 1 else s[0] - t_end
        i_end = n - 1
    total = del_start * del_start + del_end * del_end
    count = 2
    for i in range(i_start, i_end - 1):
        d = s[i + 1] - s[i]
        total += d * d
        count += 1
    return total, count


@parallel_kernel
def _default_thresholds(layout: Layout) -> np.ndarray:
    """PySpike's ``default_thresh``: RMS of all ISI lengths of a batch, one per batch."""
    times, offsets, n_neurons, t_start, t_stop = layout
    n_batches = t_start.shape[0]
    out = np.empty(n_batches)
    for b in prange(n_batches):
        total = 0.0
        count = 0
        for i in range(n_neurons):
            k = b * n_neurons + i
            sq, c = _sum_sq_isi_lengths(times[offsets[k] : offsets[k + 1]], t_start[b], t_stop[b])
            total += sq
            count += c
        out[b] = np.sqrt(total / count)
    return out


def resolve_mrts(batch: SpikeBatch, mrts: float | str | None) -> np.ndarray:
    """The minimum relevant time scale per batch: 0 (classic measures), a value, or "auto".

    ``"auto"`` is PySpike's ``MRTS='auto'``: the root mean square of all inter-spike
    intervals of the batch's trains (edges included as PySpike counts them).
    """
    if mrts is None:
        return np.zeros(batch.n_batches)
    if isinstance(mrts, str):
        if mrts != "auto":
            raise ValueError(
                f"mrts must be a number of seconds >= 0, None or 'auto'; got {mrts!r}."
            )
        return _default_thresholds(batch.layout)
    value = float(mrts)
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"mrts must be finite and >= 0 seconds, got {mrts!r}.")
    return np.full(batch.n_batches, value)

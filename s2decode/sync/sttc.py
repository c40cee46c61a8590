"""Spike time tiling coefficient (STTC; Cutts & Eglen 2014) of every pair of trains.

``STTC = 1/2 [(P_A - T_B) / (1 - P_A T_B) + (P_B - T_A) / (1 - P_B T_A)]``, where ``P_A`` is
the fraction of spikes of A within ``+-dt`` of a spike of B (closed window) and ``T_A`` the
fraction of the recording within ``+-dt`` of a spike of A. The proportions ``T`` are computed
once per train and ``P`` by a two-pointer walk per pair, so all pairs cost
``O(n_pairs * n_spikes)`` instead of Elephant's ``O(n_pairs * n_spikes**2)``.

Elephant 1.2's ``spike_time_tiling_coefficient`` tests ``np.isclose(t_a, t_b, atol=dt)``,
whose default relative tolerance widens the window to ``dt + 1e-5 |t_b|`` (in the trains'
units): 1 ms at 100 s in seconds. Here the window is exactly ``dt`` (the formula of Cutts &
Eglen and of their C code), so both agree wherever no spike pair falls in the widened strip,
which is the case for short recordings.

References
----------
Cutts CS, Eglen SJ (2014). Detecting pairwise correlations in spike trains: an objective
comparison of methods and application to the study of retinal waves. J Neurosci
34:14288-14303.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import prange

from ..spiketrains import SpikeTrains
from ._utils import (
    Pairs,
    check_pair_memory,
    check_positive,
    check_spike_trains,
    kernel,
    pair_trains,
    parallel_kernel,
)


@kernel
def _tiled_time(s: np.ndarray, dt: float, t_start: float, t_stop: float) -> float:
    """Fraction of ``[t_start, t_stop]`` within ``+-dt`` of a spike of ``s`` (non-empty)."""
    n = s.shape[0]
    covered = 0.0
    for k in range(n - 1):
        covered += min(s[k + 1] - s[k], 2 * dt)
    covered += s[0] - t_start if s[0] - t_start < dt else dt
    covered += t_stop - s[n - 1] if t_stop - s[n - 1] < dt else dt
    # The pieces tile at most the recording; their rounded sum may exceed it by an ulp.
    return min(covered / (t_stop - t_start), 1.0)


@kernel
def _tiled_spikes(a: np.ndarray, b: np.ndarray, dt: float) -> float:
    """Fraction of the spikes of ``a`` within ``+-dt`` (closed) of a spike of ``b``."""
    nb = b.shape[0]
    j = 0
    hits = 0
    for i in range(a.shape[0]):
        x = a[i]
        # Skip the spikes of b that are before x and too far from it; a prefix, as both sorted.
        while j < nb and b[j] < x and abs(x - b[j]) > dt:
            j += 1
        if j < nb and abs(x - b[j]) <= dt:
            hits += 1
    return hits / a.shape[0]


@kernel
def _sttc_from_parts(pa: float, pb: float, ta: float, tb: float) -> float:
    # Cutts & Eglen's 0/0 cases (T = P = 1): every spike is tiled, the term counts as 1.
    if pa * tb == 1 and pb * ta == 1:
        return 1.0
    if pa * tb == 1:
        value = 0.5 + 0.5 * (pb - ta) / (1 - pb * ta)
    elif pb * ta == 1:
        value = 0.5 + 0.5 * (pa - tb) / (1 - pa * tb)
    else:
        value = 0.5 * (pa - tb) / (1 - pa * tb) + 0.5 * (pb - ta) / (1 - pb * ta)
    # Each term is in [-1, 1] for P, T in [0, 1]; rounding near P T = 1 could step outside.
    return max(-1.0, min(value, 1.0))


@parallel_kernel
def _sttc_pairs_kernel(
    pairs: Pairs,
    times: np.ndarray,
    offsets: np.ndarray,
    t_start: np.ndarray,
    t_stop: np.ndarray,
    dt: float,
) -> np.ndarray:
    """STTC of every (batch, pair), in the order of ``pair_trains``; NaN with an empty train."""
    n_neurons = pairs[2]
    n_trains = offsets.shape[0] - 1
    tiled = np.empty(n_trains)  # T of every train, computed once
    for k in prange(n_trains):
        b = k // n_neurons
        if offsets[k + 1] > offsets[k]:
            tiled[k] = _tiled_time(times[offsets[k] : offsets[k + 1]], dt, t_start[b], t_stop[b])
        else:
            tiled[k] = np.nan
    values = np.empty(t_start.shape[0] * pairs[0].shape[0])
    for idx in prange(values.shape[0]):
        _, ki, kj = pair_trains(idx, pairs)
        si = times[offsets[ki] : offsets[ki + 1]]
        sj = times[offsets[kj] : offsets[kj + 1]]
        if si.shape[0] == 0 or sj.shape[0] == 0:
            values[idx] = np.nan
        else:
            # Elephant's naming: A is the second train, B the first.
            values[idx] = _sttc_from_parts(
                _tiled_spikes(sj, si, dt), _tiled_spikes(si, sj, dt), tiled[kj], tiled[ki]
            )
    return values


def sttc_matrix(
    spike_trains: SpikeTrains | Sequence[np.ndarray],
    dt: float = 0.005,
    t_start: float | None = None,
    t_stop: float | None = None,
    *,
    windows: np.ndarray | None = None,
) -> np.ndarray:
    """Spike time tiling coefficient of every pair of spike trains.

    Parameters
    ----------
    spike_trains : list of array-like | SpikeTrains
        A list of 1-D arrays of sorted spike times in seconds, or a batched ``SpikeTrains``.
    dt : float
        Synchrony window in seconds (``+-dt`` around each spike), ``> 0``.
    t_start, t_stop : float | None
        Recording window in seconds (required with a list).
    windows : array-like, shape (n_windows, 2) | None
        Compute the matrix in each window as if it were the recording.

    Returns
    -------
    sttc : ndarray, shape ([n_trials,] [n_windows,] n_neurons, n_neurons)
        Symmetric, in ``[-1, 1]``; 1 on the diagonal; NaN for any pair with an empty train
        (as Elephant).

    Notes
    -----
    Equal to Elephant's ``spike_time_tiling_coefficient`` (applied to every pair) wherever
    its ``np.isclose`` relative tolerance does not matter; see the module docstring.
    """
    dt = check_positive(dt, "dt")
    batch = check_spike_trains(spike_trains, t_start, t_stop, windows)
    check_pair_memory(batch, "The STTC matrices")
    values = _sttc_pairs_kernel(
        batch.pairs, batch.times, batch.offsets, batch.t_start, batch.t_stop, dt
    )
    # 1 on the diagonal, NaN for an empty train (as Elephant).
    diagonal = np.where(np.diff(batch.offsets) > 0, 1.0, np.nan)
    return batch.pair_matrices(values, diagonal.reshape(batch.n_batches, batch.n_neurons))

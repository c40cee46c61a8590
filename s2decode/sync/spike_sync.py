"""SPIKE-synchronization (Kreuz et al. 2015), numerically identical to PySpike.

Two spikes of two trains are coincident when they are closer than the adaptive window
``tau = min(ISIs around either spike) / 2`` (capped at ``max_tau``). SPIKE-synchronization
of a pair is the number of coincident spikes over the number of spikes; the profile gives,
for every spike, the fraction of the other trains it is coincident with.

The kernels compute exactly what PySpike's Cython computes (``coincidence_value_cython``,
``coincidence_profile_cython``, ``get_tau``), including the adaptive variant with a minimum
relevant time scale (``mrts``), so the values agree to the last bit; the coincidence
windows are prepared once per train rather than once per pair. The matrix sweeps the spikes
of all trains of a batch once, in time order, comparing each spike with the last spike of
every other train in one vectorised loop (:mod:`._sweep`); the profile's counts merge each
pair without data-dependent branches.

References
----------
Kreuz T, Mulansky M, Bozanic N (2015). SPIKY: a graphical user interface for monitoring
spike train synchrony. J Neurophysiol 113:3432-3445.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
from numba import prange

from ..spiketrains import SpikeTrains
from ._pyspike_common import resolve_mrts
from ._sweep import group_events, inner_threads
from ._utils import Layout, check_pair_memory, check_spike_trains, kernel, parallel_kernel


# --------------------------------------------------------------------------- kernels
@kernel
def _interpolate(a: float, b: float, t: float) -> float:
    """PySpike's thresholded interpolation (``Interpolate`` in cython_get_tau.pyx)."""
    if t < a and a < b:
        return a
    if t < b and b <= a:
        return b
    if t > b:
        return b
    return t


@kernel
def _true_max(t_start: float, t_stop: float, max_tau: float) -> float:
    true_max = t_stop - t_start
    if max_tau > 0:
        true_max = min(true_max, 2 * max_tau)
    return true_max


@parallel_kernel
def _prepare(
    layout: Layout,
    max_tau: float,
    mrts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Padded trains and, per spike, the two one-sided halves of the coincidence window.

    PySpike's ``get_tau(i, j)`` equals ``min(back[later], fwd[earlier])`` of the two spikes,
    with ``fwd = Interpolate(mP, mF, MRTS / 4)`` and ``back = Interpolate(mF, mP, MRTS / 4)``
    of each spike's half inter-spike intervals before (``mP``) and after (``mF``;
    ``max_tau`` at the ends). They depend on one train only, so they are computed once per
    train instead of once per pair. Train ``k`` is stored as ``[-inf, spikes..., +inf]``
    from ``starts[k] = offsets[k] + 2 * k``.
    """
    times, offsets, n_neurons, t_start, t_stop = layout
    n_trains = offsets.shape[0] - 1
    size = times.shape[0] + 2 * n_trains
    padded = np.empty(size)
    fwd = np.empty(size)
    back = np.empty(size)
    starts = offsets + 2 * np.arange(n_trains + 1)
    for k in prange(n_trains):
        b = k // n_neurons
        half_max = _true_max(t_start[b], t_stop[b], max_tau) / 2.0
        quarter_mrts = mrts[b] / 4.0
        lo = offsets[k]
        n = offsets[k + 1] - lo
        p = starts[k]
        padded[p] = -np.inf
        padded[p + n + 1] = np.inf
        for q in (p, p + n + 1):
            fwd[q] = half_max
            back[q] = half_max
        for q in range(n):
            x = times[lo + q]
            prev_half = (x - times[lo + q - 1]) / 2.0 if q > 0 else half_max
            next_half = (times[lo + q + 1] - x) / 2.0 if q < n - 1 else half_max
            padded[p + 1 + q] = x
            fwd[p + 1 + q] = _interpolate(prev_half, next_half, quarter_mrts)
            back[p + 1 + q] = _interpolate(next_half, prev_half, quarter_mrts)
    return padded, fwd, back, starts


@kernel
def _walk(
    s1: np.ndarray,
    f1: np.ndarray,
    b1: np.ndarray,
    s2: np.ndarray,
    f2: np.ndarray,
    b2: np.ndarray,
    marks: np.ndarray,
    mark: bool,
) -> float:
    """Summed coincidences of two padded trains (PySpike ``coincidence_value_cython``).

    The merge avoids data-dependent branches: at each event the next spike of either train
    is compared with the last spike of the other (only neighbours in the merged order can
    be coincident, the window being at most half of either train's ISIs), and equal times
    advance both trains and count as coincident. With ``mark``, ``marks[i]`` counts the
    coincidences of spike ``i`` of the first train.
    """
    i = 0
    j = 0
    coinc = 0.0
    n_events = s1.shape[0] + s2.shape[0] - 4  # equal times advance both trains
    while i + j < n_events:
        a = s1[i + 1]
        b = s2[j + 1]
        first = a < b
        second = b < a
        equal = a == b
        ii = i + (first | equal)  # train-1 spike of the comparison
        jj = j + (second | equal)  # train-2 spike of the comparison
        # The later spike of the two uses its backward half-window, the earlier its forward.
        gap = (a - s2[jj]) if first else (b - s1[ii])
        tau = min(b1[ii], f2[jj]) if first else min(f1[ii], b2[jj])
        hit = (gap < tau) | equal
        coinc += 2.0 * hit
        if mark:
            marks[ii] += hit
        i = ii
        j = jj
    return coinc


@kernel
def _sync_event(
    row: np.ndarray,
    n: int,
    t: float,
    back_i: float,
    last_t: np.ndarray,
    last_fwd: np.ndarray,
    next_t: np.ndarray,
) -> None:
    """A spike of train ``i`` at ``t`` (backward half-window ``back_i``) against every train.

    As in :func:`_walk`, it is compared with the last spike of the other train before it
    (``gap < min(back_i, fwd of that spike)``: coincident, 2 for the pair); a spike of the
    other train at the same time counts 2 once, at the first of the two.
    """
    for j in range(np.uint64(n)):  # unsigned: no wraparound, vectorised
        lt = last_t[j]
        tie_first = next_t[j] == t
        tie_done = lt == t
        hit = (t - lt) < min(back_i, last_fwd[j])
        row[j] += 2.0 if tie_first else (0.0 if tie_done else 2.0 * hit)


@parallel_kernel
def _spike_sync_sweep_kernel(
    padded: np.ndarray,
    fwd: np.ndarray,
    back: np.ndarray,
    starts: np.ndarray,
    n: int,
    t_start: np.ndarray,
    t_stop: np.ndarray,
    n_inner: int,
    group: int,
) -> np.ndarray:
    """SPIKE-synchronization of every pair, one sweep per batch (:mod:`._sweep`).

    The spikes of all trains of a batch in time order; at each, :func:`_sync_event` counts
    its coincidences with every other train in row ``i`` of ``C``; pair ``(i, j)`` is
    ``(C[i, j] + C[j, i]) / (n_i + n_j)`` (1 where both are empty), the same comparisons as
    :func:`_walk`, so the same counts. ``n_inner`` threads share a batch by rows.
    """
    n_batches = t_start.shape[0]
    n_pairs = n * (n - 1) // 2
    values = np.empty(n_batches * n_pairs)
    for g0 in range(0, n_batches, group):
        nb = min(group, n_batches - g0)
        C = np.zeros((nb, n, n))
        ev_t, ev_k, ev_off = group_events(padded, starts, n, g0, nb, t_start, t_stop, 1, 1, False)
        for task in prange(nb * n_inner):
            b = g0 + task // n_inner
            th = task % n_inner
            q = starts[b * n : b * n + n] + 1  # the next spike of each train
            last_t = np.full(n, -np.inf)
            last_fwd = np.empty(n)
            next_t = np.empty(n)
            for k in range(n):
                last_fwd[k] = fwd[q[k] - 1]
                next_t[k] = padded[q[k]]
            c_b = C[task // n_inner]
            for e in range(ev_off[task // n_inner], ev_off[task // n_inner + 1]):
                t = ev_t[e]
                i = ev_k[e]
                if i % n_inner == th:
                    _sync_event(c_b[i], n, t, back[q[i]], last_t, last_fwd, next_t)
                last_t[i] = t
                last_fwd[i] = fwd[q[i]]
                q[i] += 1
                next_t[i] = padded[q[i]]
        for task in prange(nb * n):
            b = g0 + task // n
            i = task % n
            c_b = C[task // n]
            n_i = starts[b * n + i + 1] - starts[b * n + i] - 2
            for j in range(i + 1, n):
                mp = n_i + starts[b * n + j + 1] - starts[b * n + j] - 2
                idx = b * n_pairs + i * n - i * (i + 1) // 2 + j - i - 1
                values[idx] = 1.0 if mp == 0 else (c_b[i, j] + c_b[j, i]) / mp
    return values


@parallel_kernel
def _spike_sync_counts_kernel(
    padded: np.ndarray,
    fwd: np.ndarray,
    back: np.ndarray,
    starts: np.ndarray,
    n_neurons: int,
) -> np.ndarray:
    """For every spike (padded layout), the number of other trains it is coincident with."""
    n_trains = starts.shape[0] - 1
    marks = np.zeros(padded.shape[0])
    for k in prange(n_trains):
        b = k // n_neurons
        s1 = slice(starts[k], starts[k + 1])
        for j in range(n_neurons):
            kj = b * n_neurons + j
            if kj != k:
                s2 = slice(starts[kj], starts[kj + 1])
                _walk(padded[s1], fwd[s1], back[s1], padded[s2], fwd[s2], back[s2], marks[s1], True)
    return marks


# --------------------------------------------------------------------------- public API
def _check_max_tau(max_tau: float | None) -> float:
    if max_tau is None:
        return 0.0
    value = float(max_tau)
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"max_tau must be None or a finite number of seconds >= 0, got {max_tau}.")
    return value


def spike_sync_matrix(
    spike_trains: SpikeTrains | Sequence[np.ndarray],
    t_start: float | None = None,
    t_stop: float | None = None,
    *,
    max_tau: float | None = None,
    mrts: float | str | None = None,
    windows: np.ndarray | None = None,
) -> np.ndarray:
    """SPIKE-synchronization of every pair of spike trains.

    Same values as :func:`pyspike.spike_sync_matrix`: for trains ``i`` and ``j``, the number
    of spikes of either train that are coincident with a spike of the other, divided by the
    number of spikes of both (1 where both trains are empty); the diagonal is 1.

    Parameters
    ----------
    spike_trains : list of array-like | SpikeTrains
        A list of 1-D arrays of sorted spike times in seconds, one per neuron, or a batched
        :class:`~s2decode.spiketrains.SpikeTrains` (trials x neurons).
    t_start, t_stop : float | None
        Observation window in seconds (required with a list).
    max_tau : float | None
        PySpike's ``max_tau`` in seconds (``None`` or 0: none). As in PySpike 0.8/0.9 it
        stands in for the missing ISI before the first and after the last spike of a train
        (``min(T, 2 max_tau)``); windows of inner spikes stay half their ISIs, even above
        ``max_tau`` (PySpike documents a maximal window; see ``docs/sync.md``).
    mrts : float | "auto" | None
        Minimum relevant time scale of the adaptive SPIKE-synchronization (PySpike's
        ``MRTS``); ``None``: the classic measure; ``"auto"``: PySpike's default threshold
        computed per trial.
    windows : array-like, shape (n_windows, 2) | None
        Compute the matrix in each window ``[start, stop]`` as if it were the recording
        (see :func:`~s2decode.sync.sliding_windows`).

    Returns
    -------
    sync : ndarray, shape ([n_trials,] [n_windows,] n_neurons, n_neurons)
        Symmetric, in ``[0, 1]``. The trial axis is present for a ``SpikeTrains``, the
        window axis where ``windows`` is given.

    Notes
    -----
    Repeated spike times inside one train count once, as in PySpike (it applies
    ``np.unique`` to every train).

    Examples
    --------
    >>> import numpy as np
    >>> trains = [np.array([0.1, 0.5, 0.9]), np.array([0.1, 0.52, 0.7])]
    >>> spike_sync_matrix(trains, 0.0, 1.0)
    array([[1.        , 0.66666667],
           [0.66666667, 1.        ]])
    """
    batch = check_spike_trains(spike_trains, t_start, t_stop, windows).with_unique_spikes()
    check_pair_memory(batch, "The SPIKE-synchronization matrices")
    max_tau = _check_max_tau(max_tau)
    padded, fwd, back, starts = _prepare(batch.layout, max_tau, resolve_mrts(batch, mrts))
    n_inner = inner_threads(batch.n_batches, batch.n_neurons)
    values = _spike_sync_sweep_kernel(
        padded,
        fwd,
        back,
        starts,
        batch.n_neurons,
        batch.t_start,
        batch.t_stop,
        n_inner,
        max(1, numba.get_num_threads() // n_inner),
    )
    return batch.pair_matrices(values, diagonal=1.0)


@dataclass(frozen=True)
class SpikeSyncProfile:
    """Multivariate SPIKE-synchronization profile, laid out as PySpike's ``DiscreteFunc``.

    Attributes
    ----------
    times : ndarray, shape (n_events + 2,)
        ``t_start``, every distinct spike time of the trains (sorted), ``t_stop``
        (PySpike's ``x``).
    coincidences : ndarray, shape (n_events + 2,)
        Summed coincidence marks at each time over all pairs of trains (PySpike's ``y``).
    multiplicity : ndarray, shape (n_events + 2,)
        Number of (spike, other train) pairs at each time (PySpike's ``mp``).

    The two edge points carry the values of their neighbours, as in PySpike; they are not
    events and no average counts them.
    """

    times: np.ndarray
    coincidences: np.ndarray
    multiplicity: np.ndarray

    @property
    def values(self) -> np.ndarray:
        """The profile ``coincidences / multiplicity`` at each time, in ``[0, 1]``."""
        return self.coincidences / self.multiplicity

    def average(self) -> float:
        """Average over all spikes: the multivariate SPIKE-synchronization (PySpike avrg)."""
        mp = self.multiplicity[1:-1].sum()
        return 1.0 if mp == 0 else float(self.coincidences[1:-1].sum() / mp)


def spike_sync_profile(
    spike_trains: SpikeTrains | Sequence[np.ndarray],
    t_start: float | None = None,
    t_stop: float | None = None,
    *,
    max_tau: float | None = None,
    mrts: float | str | None = None,
) -> SpikeSyncProfile | list[SpikeSyncProfile]:
    """Multivariate SPIKE-synchronization profile of a set of spike trains.

    Same values as :func:`pyspike.spike_sync_profile` applied to the list of trains: at
    each distinct spike time, the number of coincidences summed over all pairs and the
    multiplicity (``n_spikes_at_t * (n_trains - 1)``).

    Parameters
    ----------
    spike_trains : list of array-like | SpikeTrains
        At least two spike trains (seconds), or a batched ``SpikeTrains``.
    t_start, t_stop : float | None
        Observation window in seconds (required with a list).
    max_tau : float | None
        PySpike's ``max_tau`` in seconds (see :func:`spike_sync_matrix`).
    mrts : float | "auto" | None
        Minimum relevant time scale of the adaptive variant (see :func:`spike_sync_matrix`).

    Returns
    -------
    profile : SpikeSyncProfile | list of SpikeSyncProfile
        One profile, or one per trial for a ``SpikeTrains`` (all trials are computed in one
        parallel kernel call; the profiles differ in length).
    """
    batch = check_spike_trains(spike_trains, t_start, t_stop, min_trains=2).with_unique_spikes()
    max_tau = _check_max_tau(max_tau)
    padded, fwd, back, starts = _prepare(batch.layout, max_tau, resolve_mrts(batch, mrts))
    # Per spike of the batch (the padding sentinels dropped).
    marks = _spike_sync_counts_kernel(padded, fwd, back, starts, batch.n_neurons)
    marks = marks[np.isfinite(padded)]
    n = batch.n_neurons
    n_pairs = n * (n - 1) // 2
    profiles = []
    for b in range(batch.n_batches):
        lo, hi = batch.offsets[b * n], batch.offsets[(b + 1) * n]
        times, inverse = np.unique(batch.times[lo:hi], return_inverse=True)
        coinc = np.bincount(inverse, weights=marks[lo:hi], minlength=times.size)
        mult = np.bincount(inverse, minlength=times.size) * float(n - 1)
        if times.size == 0:
            # PySpike: every pair of empty trains contributes a flat profile of ones.
            coinc = mult = np.full(2, float(n_pairs))
        else:
            coinc = np.concatenate([coinc[:1], coinc, coinc[-1:]])
            mult = np.concatenate([mult[:1], mult, mult[-1:]])
        edges = np.concatenate([[batch.t_start[b]], times, [batch.t_stop[b]]])
        profiles.append(SpikeSyncProfile(edges, coinc, mult))
    return profiles if batch.batched else profiles[0]

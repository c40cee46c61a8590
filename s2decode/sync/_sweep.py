"""All pairs of spike trains in one sweep over time: the shared machinery of the pair kernels.

A pair metric that walks the merged spikes of two trains (ISI- and SPIKE-distance) costs
``n_1 + n_2`` steps per pair, each waiting on the comparison before it: a chain of loads and
compares the CPU cannot overlap, ``n - 1`` times over for each train. A sweep instead visits
the spikes of *all* trains of a batch once, in time order (:func:`sorted_events`), keeping
the state of every train (its current interval, its last spike) in arrays; at a spike of
train ``i`` it updates the pairs ``(i, j)`` for every ``j`` in one loop over contiguous
arrays, which the compiler vectorises and whose iterations do not depend on each other. The
segment of pair ``(i, j)`` that ends at this spike starts at ``max(last_i, last_j)``; ties
between trains make a segment of length zero, which adds nothing, exactly as in the walk.

The kernels keep what a spike of train ``i`` updates in row ``i`` of ``n x n`` matrices, so
two or more threads share a batch by rows (:func:`inner_threads`): each sweeps all events of
the batch with its own copy of the per-train state and does the row work of its own trains
(``i % n_threads``); no two threads write the same entry, and the pairs are put together
from both rows afterwards.
"""

from __future__ import annotations

import numpy as np

from ._utils import kernel

# Events per bucket, on average, of the bucket sort; and the bucket size from which a bucket
# is sorted by merge sort rather than by insertion.
_PER_BUCKET = 2
_INSERTION_MAX = 32


@kernel
def sorted_events(
    times: np.ndarray, lo: np.ndarray, hi: np.ndarray, t0: float, t1: float
) -> tuple[np.ndarray, np.ndarray]:
    """The events ``times[lo[k]:hi[k]]`` of every train ``k``, merged in time order.

    Each train's events are sorted; times lie in ``[t0, t1]``. A bucket sort over
    ``[t0, t1]`` (about two events per bucket), then each bucket sorted in place (insertion
    sort, or merge sort where a burst crowds a bucket): linear time for spike trains, where
    a comparison sort of all events would cost ``log n`` per event. Ties keep train order.

    Returns
    -------
    ev_t : ndarray of float64
        Event times, sorted.
    ev_k : ndarray of int64
        Train of each event.
    """
    n_trains = lo.shape[0]
    total = 0
    for k in range(n_trains):
        total += hi[k] - lo[k]
    ev_t = np.empty(total)
    ev_k = np.empty(total, dtype=np.int64)
    if total == 0:
        return ev_t, ev_k
    n_buckets = max(1, total // _PER_BUCKET)
    scale = n_buckets / (t1 - t0) if t1 > t0 else 0.0
    bounds = np.zeros(n_buckets + 1, dtype=np.int64)
    for k in range(n_trains):
        for s in range(lo[k], hi[k]):
            b = min(max(int((times[s] - t0) * scale), 0), n_buckets - 1)
            bounds[b + 1] += 1
    for b in range(n_buckets):
        bounds[b + 1] += bounds[b]
    fill = bounds[:-1].copy()
    for k in range(n_trains):
        for s in range(lo[k], hi[k]):
            b = min(max(int((times[s] - t0) * scale), 0), n_buckets - 1)
            ev_t[fill[b]] = times[s]
            ev_k[fill[b]] = k
            fill[b] += 1
    for b in range(n_buckets):
        a = bounds[b]
        z = bounds[b + 1]
        if z - a > _INSERTION_MAX:
            order = np.argsort(ev_t[a:z], kind="mergesort")
            ev_t[a:z] = ev_t[a:z][order]
            ev_k[a:z] = ev_k[a:z][order]
            continue
        for x in range(a + 1, z):
            t = ev_t[x]
            k = ev_k[x]
            y = x - 1
            while y >= a and ev_t[y] > t:
                ev_t[y + 1] = ev_t[y]
                ev_k[y + 1] = ev_k[y]
                y -= 1
            ev_t[y + 1] = t
            ev_k[y + 1] = k
    return ev_t, ev_k


def inner_threads(n_batches: int, n_trains: int) -> int:
    """Threads that share one batch: the threads left over when batches are fewer."""
    import numba

    threads = numba.get_num_threads()
    if n_batches >= threads or n_trains < 32:
        return 1
    return max(1, min(threads // n_batches, n_trains // 16))

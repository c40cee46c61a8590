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
from numba import prange

from ._utils import kernel, parallel_kernel

# Events per bucket, on average, of the bucket sort; and the bucket size from which a bucket
# is sorted by merge sort rather than by insertion.
_PER_BUCKET = 2
_INSERTION_MAX = 32


@kernel
def _merge_sort(t: np.ndarray, k: np.ndarray, a: int, z: int) -> None:
    """Sort ``t[a:z]`` (and ``k`` along) by a stable bottom-up merge sort, in place.

    For the buckets a burst crowds (many spikes within one bucket's width); plain loops,
    which Numba compiles in a fraction of the time of ``np.argsort``.
    """
    n = z - a
    src_t = t[a:z].copy()
    src_k = k[a:z].copy()
    dst_t = np.empty(n)
    dst_k = np.empty(n, dtype=np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            x = lo
            y = mid
            for o in range(lo, hi):
                if y >= hi or (x < mid and src_t[x] <= src_t[y]):
                    dst_t[o] = src_t[x]
                    dst_k[o] = src_k[x]
                    x += 1
                else:
                    dst_t[o] = src_t[y]
                    dst_k[o] = src_k[y]
                    y += 1
        src_t, dst_t = dst_t, src_t
        src_k, dst_k = dst_k, src_k
        width *= 2
    t[a:z] = src_t
    k[a:z] = src_k


@kernel
def sorted_events(
    times: np.ndarray, lo: np.ndarray, hi: np.ndarray, t0: float, t1: float
) -> tuple[np.ndarray, np.ndarray]:
    """The events ``times[lo[k]:hi[k]]`` of every train ``k``, merged in time order.

    Each train's events are sorted; times lie in ``[t0, t1]``. A bucket sort over
    ``[t0, t1]`` (about two events per bucket), then each bucket sorted in place (insertion
    sort, or :func:`_merge_sort` where a burst crowds a bucket): linear time for spike
    trains, where a comparison sort of all events would cost ``log n`` per event. Ties keep
    train order.

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
            _merge_sort(ev_t, ev_k, a, z)
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


@parallel_kernel
def group_events(
    times: np.ndarray,
    starts: np.ndarray,
    n: int,
    g0: int,
    nb: int,
    t_start: np.ndarray,
    t_stop: np.ndarray,
    lead: int,
    trail: int,
    skip_start: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The events of batches ``g0 .. g0 + nb - 1``, each batch's in time order.

    Train ``k``'s events are its slots ``[starts[k] + lead, starts[k + 1] - trail)`` of
    ``times``, less a first event on the batch's ``t_start`` where ``skip_start`` (the
    SPIKE-distance's walk starts after such a spike). Batch ``g0 + c``'s events are
    ``[off[c], off[c + 1])``; the trains are numbered within their batch.
    """
    lo = np.empty(nb * n, dtype=np.int64)
    hi = np.empty(nb * n, dtype=np.int64)
    off = np.zeros(nb + 1, dtype=np.int64)
    for c in range(nb):
        b = g0 + c
        for k in range(n):
            a = starts[b * n + k] + lead
            if skip_start and a < starts[b * n + k + 1] - trail and times[a] == t_start[b]:
                a += 1
            lo[c * n + k] = a
            hi[c * n + k] = starts[b * n + k + 1] - trail
            off[c + 1] += hi[c * n + k] - a
        off[c + 1] += off[c]
    ev_t = np.empty(off[nb])
    ev_k = np.empty(off[nb], dtype=np.int64)
    for c in prange(nb):
        b = g0 + c
        t, k = sorted_events(
            times, lo[c * n : c * n + n], hi[c * n : c * n + n], t_start[b], t_stop[b]
        )
        ev_t[off[c] : off[c + 1]] = t
        ev_k[off[c] : off[c + 1]] = k
    return ev_t, ev_k, off


def inner_threads(n_batches: int, n_trains: int) -> int:
    """Threads that share one batch: the threads left over when batches are fewer."""
    import numba

    threads = numba.get_num_threads()
    if n_batches >= threads or n_trains < 32:
        return 1
    return max(1, min(threads // n_batches, n_trains // 16))

"""Spike-train distances: ISI-distance, SPIKE-distance (PySpike) and van Rossum (Elephant).

The ISI- and SPIKE-distance kernels compute what PySpike's Cython computes
(``isi_distance_cython``, ``spike_distance_cython``), with its edge corrections (auxiliary
spikes at the edges, an empty train counted as spikes at ``t_start`` and ``t_stop``) and its
adaptive variants (``mrts``, and the rate-independent SPIKE-distance). What each train
contributes (its ISIs, auxiliary spikes) is computed once per train, not once per pair.
PySpike walks the merged spikes of each pair; here one sweep over the spikes of all trains
of a batch, in time order, updates at each spike of train ``i`` every pair ``(i, j)`` in one
vectorised loop (:mod:`._sweep`): the same segments with the same values on them, summed in
another order, so the distances equal PySpike's to rounding (1e-15 on 100 trains of 1000
spikes).

Both walks of PySpike, per pair: the ISI-distance is the time average of
``|nu_1(t) - nu_2(t)| / max(nu_1(t), nu_2(t))`` (or ``max(mrts, ...)``), integrated over the
segments between the merged spikes, with ``nu`` the interval in force; a segment of zero
length adds an exact 0 (PySpike multiplies there too, and gets ``0/0 * 0 = NaN`` when two
trains end with a lone spike on ``t_stop``; identical trains should be 0 apart). The
SPIKE-distance integrates, by trapezoids between merged spikes, the profile
``(S_1 isi_2 + S_2 isi_1) / (2 <isi>^2)`` (or its MRTS / rate-independent forms) with, in
interval ``[t_p, t_f]`` of a train, ``S(t) = (d_p (t_f - t) + d_f (t - t_p)) / isi`` and
``d`` the distance of a knot to the nearest knot of the other train: the profile is linear in
``d_p`` and ``d_f``, so each trapezoid adds weights to the ``d_p`` and ``d_f`` of the current
interval of each train, and an interval is settled when both its distances are known.
Before a train's first spike ``d_p = d_f``; in the last intervals, which end on the
auxiliary spikes, ``d_f = d_p`` (after a lone spike on ``t_start``: the distance of
``t_stop``).

The van Rossum distance uses Elephant's normalisation (1 between an empty train and a
train of one spike) but integrates the squared difference of the two filtered trains
segment by segment over their merged spikes (each term non-negative), instead of forming
``K_ii + K_jj - 2 K_ij`` (Houghton & Kreuz 2012), whose cancellation costs Elephant digits
on nearly identical trains: here identical trains are exactly 0 apart.

References
----------
Kreuz T, Chicharro D, Houghton C, Andrzejak RG, Mormann F (2013). Monitoring spike train
synchrony. J Neurophysiol 109:1457-1472.
Satuvuori E, Mulansky M, Bozanic N, et al. (2017). Measures of spike train synchrony for data
with multiple time scales. J Neurosci Methods 287:25-38.
van Rossum MCW (2001). A novel spike distance. Neural Comput 13:751-763.
Houghton C, Kreuz T (2012). On the efficient calculation of van Rossum distances. Network
23:48-58.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import prange

from ..spiketrains import SpikeTrains
from ._pyspike_common import resolve_mrts
from ._sweep import group_events, inner_threads
from ._utils import (
    Layout,
    Pairs,
    _as_seconds,
    check_pair_memory,
    check_spike_trains,
    kernel,
    pair_slices,
    parallel_kernel,
)


# --------------------------------------------------------------------------- shared layout
@kernel
def _padded_starts(offsets: np.ndarray, extra: int) -> np.ndarray:
    """Start of each train when every train (an empty one as two spikes) gets ``extra`` slots."""
    n_trains = offsets.shape[0] - 1
    starts = np.zeros(n_trains + 1, dtype=np.int64)
    for k in range(n_trains):
        count = offsets[k + 1] - offsets[k]
        starts[k + 1] = starts[k] + (count if count > 0 else 2) + extra
    return starts


@kernel
def _place_train(
    out: np.ndarray, layout: Layout, starts: np.ndarray, k: int, lead: int, trail: int
) -> tuple[float, float, int, int]:
    """Write the spikes of train ``k`` into its slots of ``out``, after ``lead`` of them.

    Train ``k`` has the slots ``[starts[k], starts[k + 1])``, ``lead`` and ``trail`` of them
    for the caller's extra values; an empty train is written as spikes at ``t_start`` and
    ``t_stop`` (PySpike's rule in both distances). Returns the train's ``t_start``,
    ``t_stop``, first slot ``p`` and number of spikes ``n`` (in ``out[p + lead:][:n]``).
    """
    times, offsets, n_neurons, t_start, t_stop = layout
    t0 = t_start[k // n_neurons]
    t1 = t_stop[k // n_neurons]
    p = starts[k]
    n = starts[k + 1] - p - lead - trail
    if offsets[k + 1] > offsets[k]:
        out[p + lead : p + lead + n] = times[offsets[k] : offsets[k + 1]]
    else:
        out[p + lead] = t0
        out[p + lead + 1] = t1
    return t0, t1, p, n


# --------------------------------------------------------------------------- ISI-distance
@parallel_kernel
def _prepare_isi(layout: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every train as its spikes plus a ``+inf`` sentinel, and its ISI on each segment.

    ``nu[q]`` is the inter-spike interval in force after ``q`` spikes, with PySpike's edge
    rules (``isi_distance_cython``): before the first spike ``max(first - t_start, first
    ISI)``, after the last ``max(t_stop - last, last ISI)``; an empty train counts as spikes
    at ``t_start`` and ``t_stop``. Train ``k`` lives in ``[starts[k], starts[k + 1])``
    (``starts`` is returned third).
    """
    offsets = layout[1]
    starts = _padded_starts(offsets, 1)
    n_trains = offsets.shape[0] - 1
    padded = np.empty(starts[n_trains])
    nu = np.empty(starts[n_trains])
    for k in prange(n_trains):
        t0, t1, p, n = _place_train(padded, layout, starts, k, 0, 1)
        padded[p + n] = np.inf
        s = padded[p : p + n]
        for q in range(1, n):
            nu[p + q] = s[q] - s[q - 1]
        nu[p + n] = max(t1 - s[n - 1], s[n - 1] - s[n - 2]) if n > 1 else t1 - s[n - 1]
        if s[0] > t0:
            nu[p] = max(s[0] - t0, s[1] - s[0]) if n > 1 else s[0] - t0
        else:
            # A spike on t_start: the segment before it is empty; PySpike starts after it.
            nu[p] = nu[p + 1]
    return padded, nu, starts


@kernel
def _isi_event(
    row: np.ndarray,
    a: int,
    z: int,
    t: float,
    li: float,
    ni: float,
    ii: float,
    last: np.ndarray,
    cur_nu: np.ndarray,
    cur_inv: np.ndarray,
) -> None:
    """A spike of train ``i`` at ``t``: the segments of pairs ``(i, j)``, ``a <= j < z``."""
    for j in range(np.uint64(a), np.uint64(z)):  # unsigned: no wraparound, vectorised
        span = t - max(li, last[j])
        c = abs(ni - cur_nu[j]) * min(ii, cur_inv[j]) * span
        row[j] += c if span > 0.0 else 0.0


@parallel_kernel
def _isi_sweep_kernel(
    padded: np.ndarray,
    nu: np.ndarray,
    starts: np.ndarray,
    n: int,
    t_start: np.ndarray,
    t_stop: np.ndarray,
    mrts: np.ndarray,
    n_inner: int,
    group: int,
) -> np.ndarray:
    """The ISI-distance of every pair, one sweep per batch (:mod:`._sweep`).

    At a spike of train ``i`` at ``t``, the segment of pair ``(i, j)`` that ends there
    (``[max(last_i, last_j), t]``, with the ISIs ``nu_i``, ``nu_j`` in force on it) adds
    ``|nu_i - nu_j| min(1 / mrts, 1 / nu_i, 1 / nu_j) (t - start)`` to ``acc[i, j]``;
    the pair's value is ``acc[i, j] + acc[j, i]`` plus its last segment, up to ``t_stop``.
    Segments of zero length add an exact 0 (module docstring). ``n_inner`` threads
    share each batch (row ``i`` belongs to thread ``i % n_inner``); ``group`` batches are in
    flight at a time.
    """
    n_batches = t_start.shape[0]
    n_pairs = n * (n - 1) // 2
    values = np.empty(n_batches * n_pairs)
    inv = 1.0 / nu  # inf for a zero ISI (error_model="numpy")
    for g0 in range(0, n_batches, group):
        nb = min(group, n_batches - g0)
        acc = np.zeros((nb, n, n))
        ev_t, ev_k, ev_off = group_events(padded, starts, n, g0, nb, t_start, t_stop, 0, 1, False)
        for task in prange(nb * n_inner):
            b = g0 + task // n_inner
            th = task % n_inner
            q = starts[b * n : b * n + n].copy()
            last = np.full(n, t_start[b])
            cur_nu = np.empty(n)
            cur_inv = np.empty(n)
            for k in range(n):
                cur_nu[k] = nu[q[k]]
                cur_inv[k] = inv[q[k]]
            inv_mrts = 1.0 / mrts[b] if mrts[b] > 0 else np.inf
            a_b = acc[task // n_inner]
            for e in range(ev_off[task // n_inner], ev_off[task // n_inner + 1]):
                t = ev_t[e]
                i = ev_k[e]
                if i % n_inner == th:
                    _isi_event(
                        a_b[i],
                        0,
                        n,
                        t,
                        last[i],
                        cur_nu[i],
                        min(cur_inv[i], inv_mrts),
                        last,
                        cur_nu,
                        cur_inv,
                    )
                last[i] = t
                q[i] += 1
                cur_nu[i] = nu[q[i]]
                cur_inv[i] = inv[q[i]]
        for task in prange(nb * n):
            b = g0 + task // n
            i = task % n
            a_b = acc[task // n]
            t1 = t_stop[b]
            length = t1 - t_start[b]
            inv_mrts = 1.0 / mrts[b] if mrts[b] > 0 else np.inf
            # the last segment: every train in its last interval since its last spike
            p_i = starts[b * n + i + 1] - 1
            for j in range(i + 1, n):
                p_j = starts[b * n + j + 1] - 1
                span = t1 - max(padded[p_i - 1], padded[p_j - 1])
                c = abs(nu[p_i] - nu[p_j]) * min(inv_mrts, inv[p_i], inv[p_j])
                tail = c * span if span > 0.0 else 0.0
                idx = b * n_pairs + i * n - i * (i + 1) // 2 + j - i - 1
                values[idx] = (a_b[i, j] + a_b[j, i] + tail) / length
    return values


# --------------------------------------------------------------------------- SPIKE-distance
@parallel_kernel
def _prepare_spike(layout: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per train, the knots, next-event times and ISIs of PySpike's SPIKE-distance.

    A train of ``m`` spikes ``e`` (an empty one counts as spikes at ``t_start`` and
    ``t_stop``) becomes the knots ``K = [aux0, e_0, ..., e_{m-1}, aux1]`` with PySpike's
    auxiliary spikes ``aux0 = min(t_start, 2 e_0 - e_1)`` and ``aux1 = max(t_stop,
    2 e_{m-1} - e_{m-2})``; interval ``q`` is ``[K[q], K[q + 1]]`` with the ISI PySpike uses
    there (``isi``), and ``nxt[q] = K[q + 1]`` the spike that ends it (``inf`` for the last
    interval). The walk starts in interval 1 when ``e_0 == t_start``.
    Train ``k`` lives in ``[starts[k], starts[k + 1])`` (``m + 2`` slots; ``starts`` is
    returned last).
    """
    offsets = layout[1]
    starts = _padded_starts(offsets, 2)
    n_trains = offsets.shape[0] - 1
    knots = np.empty(starts[n_trains])
    nxt = np.empty(starts[n_trains])
    isi = np.empty(starts[n_trains])
    for k in prange(n_trains):
        t0, t1, p, m = _place_train(knots, layout, starts, k, 1, 1)
        e = knots[p + 1 : p + 1 + m]
        knots[p] = min(t0, 2 * e[0] - e[1]) if m > 1 else t0
        knots[p + m + 1] = max(t1, 2 * e[m - 1] - e[m - 2]) if m > 1 else t1
        isi[p] = max(e[0] - t0, e[1] - e[0]) if m > 1 else e[0] - t0
        for q in range(1, m):
            isi[p + q] = e[q] - e[q - 1]
        isi[p + m] = max(t1 - e[m - 1], e[m - 1] - e[m - 2]) if m > 1 else t1 - e[m - 1]
        isi[p + m + 1] = isi[p + m]  # unused slot, kept finite
        for q in range(m):
            nxt[p + q] = e[q]
        nxt[p + m] = np.inf
        nxt[p + m + 1] = np.inf
    return knots, nxt, isi, starts


@kernel
def _spike_weights(
    span: float, isi_i: float, isi_j: float, r_i: float, r_j: float, mrts: float, ri: bool
) -> tuple[float, float]:
    """Trapezoid weights of trains ``i`` and ``j`` on a segment of length ``span``.

    As in PySpike's trapezoids: ``c_i`` multiplies train ``i``'s ``S`` at both ends of the
    segment; 0 on a segment of zero length.
    """
    if not span > 0.0:
        return 0.0, 0.0
    mean_isi = 0.5 * (isi_i + isi_j)
    limited = max(mrts, mean_isi)
    if ri:
        base = span * 0.25 / limited
        return base * r_i, base * r_j
    w = span * 0.25 / (mean_isi * limited)
    return w * isi_j * r_i, w * isi_i * r_j


@kernel
def _spike_event(
    n: int,
    t: float,
    li: float,
    kpi: float,
    kfi_next: float,
    isi_i: float,
    r_i: float,
    opening: bool,
    last: np.ndarray,
    kp: np.ndarray,
    kf: np.ndarray,
    cur_isi: np.ndarray,
    cur_r: np.ndarray,
    q: np.ndarray,
    m: np.ndarray,
    mrts: float,
    ri: bool,
    V: np.ndarray,
    DP: np.ndarray,
    PT: np.ndarray,
    FT: np.ndarray,
    ET: np.ndarray,
) -> None:
    """A spike of train ``i`` at ``t``, for the pairs ``(i, j)`` of every ``j``.

    ``V``, ``DP``, ``PT``, ``FT`` and ``ET`` are row ``i`` of the batch's matrices (the
    kernel's docstring): every update is in this row, one loop over contiguous arrays.
    The segment ``[max(last_i, last_j), t]`` gives its trapezoid to both trains' current
    intervals. ``i``'s interval ends here: its share is settled at once (``d_f`` the
    distance of ``t`` to ``j``'s current knots). ``j``'s share waits in ``PT``/``FT`` until
    ``i``'s last spike inside ``j``'s interval (``i``'s next knot at or after ``j``'s), which
    knows both of ``j``'s distances to train ``i``: ``d_p`` (``ET``: from ``i``'s knots
    around ``j``'s interval start, kept from ``i``'s first spike after it) and ``d_f`` (from
    ``i``'s knots around ``j``'s interval end). ``j``'s last interval waits for the end.
    """
    for j in range(np.uint64(n)):  # unsigned: no wraparound, vectorised
        tl = max(li, last[j])
        ci, cj = _spike_weights(t - tl, isi_i, cur_isi[j], r_i, cur_r[j], mrts, ri)
        # i's interval ends at t
        d = min(t - kp[j], kf[j] - t)
        own = (d if opening else DP[j]) * ci * (2 * t - tl - t) + d * ci * (tl + t - 2 * kpi)
        DP[j] = d
        # j's interval: this segment's share waits with the earlier ones
        kpj = kp[j]
        kfj = kf[j]
        e = min(kpj - kpi, t - kpj) if li <= kpj else ET[j]
        ET[j] = e
        pending_p = PT[j] + cj * (2 * kfj - tl - t)
        pending_f = FT[j] + cj * (tl + t - 2 * kpj)
        settle = (kfi_next >= kfj or t == kfj) and q[j] != m[j]
        d_j = min(kfj - t, kfi_next - kfj)
        shared = (d_j if q[j] == 0 else e) * pending_p + d_j * pending_f
        V[j] += own + (shared if settle else 0.0)
        PT[j] = 0.0 if settle else pending_p
        FT[j] = 0.0 if settle else pending_f


@parallel_kernel
def _spike_sweep_kernel(
    knots: np.ndarray,
    isi: np.ndarray,
    inv_isi: np.ndarray,
    starts: np.ndarray,
    n: int,
    t_start: np.ndarray,
    t_stop: np.ndarray,
    mrts: np.ndarray,
    rate_independent: bool,
    n_inner: int,
    group: int,
) -> np.ndarray:
    """The SPIKE-distance of every pair, one sweep per batch (:mod:`._sweep`).

    PySpike's per-pair bookkeeping (module docstring) for all pairs at once, in rows of ``n x n``
    matrices that only the spikes of the row's train touch (:func:`_spike_event`): ``V[i,
    j]`` what train ``i``'s spikes settled for pair ``(i, j)``, ``DP[i, j]`` the ``d_p`` of
    ``i``'s current interval against ``j``, and ``PT[i, j]``, ``FT[i, j]``, ``ET[i, j]`` the
    weights of ``d_p`` and ``d_f`` that segments ending at ``i``'s spikes gathered for
    ``j``'s current interval, and that interval's ``d_p``. A first spike on ``t_start`` is no
    event (the walk starts after it). The pair's value adds both rows and the last
    intervals, with PySpike's ``d_f = d_p`` at the auxiliary spikes. ``n_inner`` threads
    share each batch (row ``i`` belongs to thread ``i % n_inner``).
    """
    n_batches = t_start.shape[0]
    n_pairs = n * (n - 1) // 2
    values = np.empty(n_batches * n_pairs)
    for g0 in range(0, n_batches, group):
        nb = min(group, n_batches - g0)
        V = np.zeros((nb, n, n))
        DP = np.empty((nb, n, n))
        PT = np.zeros((nb, n, n))
        FT = np.zeros((nb, n, n))
        ET = np.zeros((nb, n, n))
        # real spikes, but a first spike on t_start (slot 1, after aux0)
        ev_t, ev_k, ev_off = group_events(knots, starts, n, g0, nb, t_start, t_stop, 1, 1, True)
        for task in prange(nb * n_inner):
            b = g0 + task // n_inner
            th = task % n_inner
            t0 = t_start[b]
            mr = mrts[b]
            p = starts[b * n : b * n + n + 1]
            m = p[1:] - p[:n] - 2  # real spikes per train
            q = np.zeros(n, dtype=np.int64)
            for k in range(n):
                q[k] = 1 if knots[p[k] + 1] == t0 else 0
            last = np.full(n, t0)
            kp = np.empty(n)
            kf = np.empty(n)
            cur_isi = np.empty(n)
            cur_r = np.empty(n)
            for k in range(n):
                kp[k] = knots[p[k] + q[k]]
                kf[k] = knots[p[k] + q[k] + 1]
                cur_isi[k] = isi[p[k] + q[k]]
                cur_r[k] = inv_isi[p[k] + q[k]]
            bV = V[task // n_inner]
            bD = DP[task // n_inner]
            bP = PT[task // n_inner]
            bF = FT[task // n_inner]
            bE = ET[task // n_inner]
            for i in range(th, n, n_inner):
                for j in range(n):
                    bD[i, j] = min(t0 - kp[j], kf[j] - t0)
            for e in range(ev_off[task // n_inner], ev_off[task // n_inner + 1]):
                t = ev_t[e]
                i = ev_k[e]
                kfi_next = knots[p[i] + q[i] + 2]
                if i % n_inner == th:
                    _spike_event(
                        n,
                        t,
                        last[i],
                        kp[i],
                        kfi_next,
                        cur_isi[i],
                        cur_r[i],
                        q[i] == 0,  # before the first spike, d_p = d_f
                        last,
                        kp,
                        kf,
                        cur_isi,
                        cur_r,
                        q,
                        m,
                        mr,
                        rate_independent,
                        bV[i],
                        bD[i],
                        bP[i],
                        bF[i],
                        bE[i],
                    )
                q[i] += 1
                last[i] = t
                kp[i] = t
                kf[i] = kfi_next
                cur_isi[i] = isi[p[i] + q[i]]
                cur_r[i] = inv_isi[p[i] + q[i]]
        for task in prange(nb * n):
            b = g0 + task // n
            i = task % n
            t0 = t_start[b]
            t1 = t_stop[b]
            mr = mrts[b]
            bV = V[task // n]
            bD = DP[task // n]
            bP = PT[task // n]
            bF = FT[task // n]
            length = t1 - t0
            p = starts[b * n : b * n + n + 1]
            # every train in its last interval [its last spike, aux1]
            pi_ = p[i + 1] - 2
            m_i = p[i + 1] - p[i] - 2
            alone_i = m_i == 1 and knots[p[i] + 1] == t0
            for j in range(i + 1, n):
                pj_ = p[j + 1] - 2
                m_j = p[j + 1] - p[j] - 2
                alone_j = m_j == 1 and knots[p[j] + 1] == t0
                tl = max(knots[pi_], knots[pj_])  # the last spikes
                ci, cj = _spike_weights(
                    t1 - tl,
                    isi[pi_],
                    isi[pj_],
                    inv_isi[pi_],
                    inv_isi[pj_],
                    mr,
                    rate_independent,
                )
                # the last intervals, with what the other train's spikes kept for them
                pi = bP[j, i] + ci * (2 * knots[pi_ + 1] - tl - t1)
                fi = bF[j, i] + ci * (tl + t1 - 2 * knots[pi_])
                pj = bP[i, j] + cj * (2 * knots[pj_ + 1] - tl - t1)
                fj = bF[i, j] + cj * (tl + t1 - 2 * knots[pj_])
                # d_f = d_p, except after a lone spike on t_start: that of t_stop
                df_i = bD[i, j]
                if alone_i:
                    df_i = min(t1 - knots[pj_], knots[pj_ + 1] - t1)
                df_j = bD[j, i]
                if alone_j:
                    df_j = min(t1 - knots[pi_], knots[pi_ + 1] - t1)
                total = bV[i, j] + bV[j, i]
                total += bD[i, j] * pi + df_i * fi + bD[j, i] * pj + df_j * fj
                idx = b * n_pairs + i * n - i * (i + 1) // 2 + j - i - 1
                values[idx] = total / length
    return values


def _sweep_plan(batch) -> tuple[int, int]:
    """Threads per batch and batches in flight of a sweep kernel (:mod:`._sweep`)."""
    import numba

    n_inner = inner_threads(batch.n_batches, batch.n_neurons)
    return n_inner, max(1, numba.get_num_threads() // n_inner)


def isi_distance_matrix(
    spike_trains: SpikeTrains | Sequence[np.ndarray],
    t_start: float | None = None,
    t_stop: float | None = None,
    *,
    mrts: float | str | None = None,
    windows: np.ndarray | None = None,
) -> np.ndarray:
    """Time-averaged ISI-distance of every pair of spike trains.

    Same values as :func:`pyspike.isi_distance_matrix`: the mean over time of
    ``|nu_i(t) - nu_j(t)| / max(nu_i(t), nu_j(t))``, ``nu`` being the current inter-spike
    interval with PySpike's edge corrections.

    Parameters
    ----------
    spike_trains : list of array-like | SpikeTrains
        A list of 1-D arrays of sorted spike times in seconds, or a batched ``SpikeTrains``.
    t_start, t_stop : float | None
        Observation window in seconds (required with a list).
    mrts : float | "auto" | None
        Minimum relevant time scale of the adaptive ISI-distance (A-ISI; PySpike's
        ``MRTS``). ``None``: the classic measure.
    windows : array-like, shape (n_windows, 2) | None
        Compute the matrix in each window as if it were the recording.

    Returns
    -------
    dist : ndarray, shape ([n_trials,] [n_windows,] n_neurons, n_neurons)
        Symmetric, in ``[0, 1]``, zero diagonal.

    Notes
    -----
    As in PySpike, repeated spike times inside a train count once, and an empty train is
    treated as spikes at ``t_start`` and ``t_stop``.
    """
    batch = check_spike_trains(spike_trains, t_start, t_stop, windows).with_unique_spikes()
    check_pair_memory(batch, "The ISI-distance matrices")
    padded, nu, starts = _prepare_isi(batch.layout)
    n_inner, group = _sweep_plan(batch)
    values = _isi_sweep_kernel(
        padded,
        nu,
        starts,
        batch.n_neurons,
        batch.t_start,
        batch.t_stop,
        resolve_mrts(batch, mrts),
        n_inner,
        group,
    )
    return batch.pair_matrices(values)


def spike_distance_matrix(
    spike_trains: SpikeTrains | Sequence[np.ndarray],
    t_start: float | None = None,
    t_stop: float | None = None,
    *,
    mrts: float | str | None = None,
    rate_independent: bool = False,
    windows: np.ndarray | None = None,
) -> np.ndarray:
    """Time-averaged SPIKE-distance of every pair of spike trains.

    Same values as :func:`pyspike.spike_distance_matrix` (Kreuz et al. 2013, with the edge
    correction of Kreuz et al. 2015 and PySpike's auxiliary spikes).

    Parameters
    ----------
    spike_trains, t_start, t_stop
        As in :func:`isi_distance_matrix`.
    mrts : float | "auto" | None
        Minimum relevant time scale of the adaptive SPIKE-distance (A-SPIKE).
    rate_independent : bool
        The rate-independent adaptive SPIKE-distance (RIA-SPIKE; PySpike's ``RI=True``).
    windows : array-like, shape (n_windows, 2) | None
        Compute the matrix in each window as if it were the recording.

    Returns
    -------
    dist : ndarray, shape ([n_trials,] [n_windows,] n_neurons, n_neurons)
        Symmetric, non-negative, zero diagonal.
    """
    batch = check_spike_trains(spike_trains, t_start, t_stop, windows).with_unique_spikes()
    check_pair_memory(batch, "The SPIKE-distance matrices", per_matrix=5)
    knots, _, isi, starts = _prepare_spike(batch.layout)
    with np.errstate(divide="ignore"):
        inv_isi = 1.0 / isi
    n_inner, group = _sweep_plan(batch)
    values = _spike_sweep_kernel(
        knots,
        isi,
        inv_isi,
        starts,
        batch.n_neurons,
        batch.t_start,
        batch.t_stop,
        resolve_mrts(batch, mrts),
        bool(rate_independent),
        n_inner,
        group,
    )
    return batch.pair_matrices(values)


# --------------------------------------------------------------------------- van Rossum
@kernel
def _van_rossum_sq(s1: np.ndarray, s2: np.ndarray, tau: float) -> float:
    """Squared van Rossum distance (Elephant's normalisation) of two sorted trains.

    The difference of the two filtered trains is ``u(t) = sum_x s_x exp(-(t - x) / tau)``
    over the merged spikes with signs ``+1`` (first train) and ``-1`` (second). Between
    events ``u`` decays exponentially, so ``(2 / tau) int u^2 dt`` is a sum of non-negative
    terms ``u^2 (1 - exp(-2 dt / tau))`` plus ``u^2`` for the tail after the last spike: no
    cancellation, identical trains are exactly 0, and ``expm1`` keeps short gaps accurate.
    Ties decay by ``exp(0) = 1`` also in the limits ``tau = 0`` and ``tau = inf``.
    """
    n1 = s1.shape[0]
    n2 = s2.shape[0]
    i = 0
    j = 0
    u = 0.0
    acc = 0.0
    prev_t = 0.0
    for step in range(n1 + n2):
        if j == n2 or (i < n1 and s1[i] <= s2[j]):
            t = s1[i]
            sign = 1.0
            i += 1
        else:
            t = s2[j]
            sign = -1.0
            j += 1
        if step > 0:
            dt = t - prev_t
            if dt == 0.0:
                em = 0.0
            elif tau == 0.0:
                em = -1.0
            else:
                em = np.expm1(-dt / tau)  # exp(-dt / tau) - 1
            acc += u * u * (-em * (2.0 + em))  # u^2 (1 - exp(-2 dt / tau))
            u *= 1.0 + em
        u += sign
        prev_t = t
    return acc + u * u


@parallel_kernel
def _van_rossum_pairs_kernel(
    pairs: Pairs,
    times: np.ndarray,
    offsets: np.ndarray,
    n_batches: int,
    tau: float,
) -> np.ndarray:
    values = np.empty(n_batches * pairs[0].shape[0])
    for idx in prange(values.shape[0]):
        _, s1, s2 = pair_slices(idx, pairs, offsets)
        values[idx] = np.sqrt(_van_rossum_sq(times[s1], times[s2], tau))
    return values


def van_rossum_distance_matrix(
    spike_trains: SpikeTrains | Sequence[np.ndarray],
    t_start: float | None = None,
    t_stop: float | None = None,
    *,
    tau: float = 1.0,
    windows: np.ndarray | None = None,
) -> np.ndarray:
    """Van Rossum distance of every pair of spike trains.

    Same values as :func:`elephant.spike_train_dissimilarity.van_rossum_distance` with
    ``time_constant=tau`` seconds: the L2 distance of the trains convolved with a causal
    exponential of time constant ``tau``, normalised to 1 between an empty train and a train
    of one spike (divide by ``sqrt(2)`` for the normalisation of van Rossum 2001).

    Parameters
    ----------
    spike_trains : list of array-like | SpikeTrains
        A list of 1-D arrays of sorted spike times in seconds, or a batched ``SpikeTrains``.
    t_start, t_stop : float | None
        Observation window in seconds (required with a list; the distance itself does not
        depend on it, the windows do).
    tau : float
        Time constant in seconds, ``>= 0``; ``np.inf`` compares spike counts only.
    windows : array-like, shape (n_windows, 2) | None
        Compute the matrix on the spikes of each window.

    Returns
    -------
    dist : ndarray, shape ([n_trials,] [n_windows,] n_neurons, n_neurons)
        Symmetric, non-negative, zero diagonal.

    Notes
    -----
    The squared distance is integrated over the merged trains as a sum of non-negative
    terms rather than formed as ``K_ii + K_jj - 2 K_ij``: the same value to rounding where
    Elephant is accurate, and accurate where Elephant's cancellation is not (nearly identical
    trains: 1000 spikes over 100 s shifted by 1 ns, ``tau`` 1 s: 40-digit value
    ``1.41421375100e-3``, this function the same to 16 digits, Elephant ``1.41421380175e-3``).
    With ``tau == 0`` the limit is taken (exactly coincident spikes cancel, the diagonal is
    0); Elephant returns ``sqrt(n_i + n_j)`` there, diagonal included.
    """
    tau = float(_as_seconds(tau))
    if not tau >= 0:
        raise ValueError(f"tau must be >= 0 seconds (np.inf allowed), got {tau}.")
    batch = check_spike_trains(spike_trains, t_start, t_stop, windows)
    check_pair_memory(batch, "The van Rossum distance matrices")
    values = _van_rossum_pairs_kernel(batch.pairs, batch.times, batch.offsets, batch.n_batches, tau)
    return batch.pair_matrices(values)

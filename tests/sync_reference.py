"""Plain-numpy reference implementations of the synchrony metrics of s2decode.sync.

Written from the definitions (with the edge conventions of PySpike and Elephant spelled out
explicitly), vectorised where it keeps them readable, O(n^2) where that is the plain way.
They are slow and only meant for small test inputs; the tests check the Numba kernels
against them and against PySpike / Elephant.
"""

from __future__ import annotations

import itertools

import numpy as np

# --------------------------------------------------------------------------- SPIKE-sync


def half_isis(s: np.ndarray, edge: float) -> tuple[np.ndarray, np.ndarray]:
    """Half ISI before and after every spike; ``edge`` where there is no neighbour."""
    before = np.full(s.size, edge)
    after = np.full(s.size, edge)
    if s.size > 1:
        before[1:] = np.diff(s) / 2
        after[:-1] = np.diff(s) / 2
    return before, after


def coincident(s1, s2, t_start, t_stop, max_tau=None) -> tuple[np.ndarray, np.ndarray]:
    """Which spikes of each train are coincident with a spike of the other.

    Kreuz et al. 2015 with PySpike's window: ``tau_ij`` is half the smallest ISI around
    either spike, a missing ISI (first/last spike) counting as ``min(T, 2 max_tau)``;
    spikes at equal times are always coincident.
    """
    true_max = t_stop - t_start
    if max_tau:
        true_max = min(true_max, 2 * max_tau)
    b1, a1 = half_isis(s1, true_max / 2)
    b2, a2 = half_isis(s2, true_max / 2)
    tau = np.minimum(np.minimum(b1, a1)[:, None], np.minimum(b2, a2)[None, :])
    gap = np.abs(s1[:, None] - s2[None, :])
    hit = (gap < tau) | (gap == 0)
    return hit.any(axis=1), hit.any(axis=0)


def spike_sync_matrix(trains, t_start, t_stop, max_tau=None) -> np.ndarray:
    trains = [np.unique(t) for t in trains]
    n = len(trains)
    out = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            c1, c2 = coincident(trains[i], trains[j], t_start, t_stop, max_tau)
            mp = c1.size + c2.size
            out[i, j] = out[j, i] = 1.0 if mp == 0 else (c1.sum() + c2.sum()) / mp
    return out


def spike_sync_profile(trains, t_start, t_stop, max_tau=None):
    """(times, coincidences, multiplicity) with PySpike's layout (edges copy neighbours)."""
    trains = [np.unique(t) for t in trains]
    n = len(trains)
    counts = [np.zeros(t.size) for t in trains]
    for i in range(n):
        for j in range(n):
            if i != j:
                counts[i] += coincident(trains[i], trains[j], t_start, t_stop, max_tau)[0]
    times = np.concatenate(trains)
    if times.size == 0:
        n_pairs = n * (n - 1) / 2
        return np.array([t_start, t_stop]), np.full(2, n_pairs), np.full(2, n_pairs)
    x = np.unique(times)
    idx = np.searchsorted(x, times)
    y = np.bincount(idx, weights=np.concatenate(counts), minlength=x.size)
    mp = np.bincount(idx, minlength=x.size) * (n - 1.0)
    pad = np.concatenate
    return pad([[t_start], x, [t_stop]]), pad([y[:1], y, y[-1:]]), pad([mp[:1], mp, mp[-1:]])


# --------------------------------------------------------------------------- ISI / SPIKE


def _non_empty(s, t_start, t_stop):
    """PySpike's convention: an empty train is a train of spikes at both edges."""
    s = np.unique(s)
    return s if s.size else np.array([t_start, t_stop])


def isi_function(s, t_start, t_stop):
    """Breakpoints and ISI values of a train's piecewise-constant ISI function.

    ``nu(t) = values[k]`` for ``breaks[k] <= t < breaks[k + 1]``: between spikes the ISI;
    before the first spike ``max(first - t_start, first ISI)``; after the last
    ``max(t_stop - last, last ISI)`` (a single spike: the distance to the edge).
    """
    isis = np.diff(s)
    first = max(s[0] - t_start, isis[0]) if s.size > 1 else s[0] - t_start
    last = max(t_stop - s[-1], isis[-1]) if s.size > 1 else t_stop - s[-1]
    if s[0] == t_start:  # no interval before a spike on t_start
        first = isis[0] if s.size > 1 else last
    return s, np.concatenate([[first], isis, [last]])


def isi_distance(s1, s2, t_start, t_stop, mrts=0.0) -> float:
    s1 = _non_empty(s1, t_start, t_stop)
    s2 = _non_empty(s2, t_start, t_stop)
    knots = np.unique(np.concatenate([[t_start, t_stop], s1, s2]))
    mids = (knots[:-1] + knots[1:]) / 2
    b1, v1 = isi_function(s1, t_start, t_stop)
    b2, v2 = isi_function(s2, t_start, t_stop)
    nu1 = v1[np.searchsorted(b1, mids, side="right")]
    nu2 = v2[np.searchsorted(b2, mids, side="right")]
    profile = np.abs(nu1 - nu2) / np.maximum(mrts, np.maximum(nu1, nu2))
    return float(np.sum(profile * np.diff(knots)) / (t_stop - t_start))


def _spike_intervals(s, other, t_start, t_stop):
    """Per interval of a train: start, end, ISI, and distances of both ends to ``other``.

    Kreuz et al. 2013 with PySpike's edge correction: auxiliary spikes
    ``min(t_start, 2 s_0 - s_1)`` and ``max(t_stop, 2 s_-1 - s_-2)`` close the first and
    last intervals, whose ISIs are ``max(edge gap, neighbouring ISI)`` and whose far end
    takes the distance of the spike (distances are to the other train's spikes and
    auxiliary spikes).
    """
    m = s.size
    aux = np.array(
        [
            min(t_start, 2 * s[0] - s[1]) if m > 1 else t_start,
            max(t_stop, 2 * s[-1] - s[-2]) if m > 1 else t_stop,
        ]
    )
    m_o = other.size
    aux_o = np.array(
        [
            min(t_start, 2 * other[0] - other[1]) if m_o > 1 else t_start,
            max(t_stop, 2 * other[-1] - other[-2]) if m_o > 1 else t_stop,
        ]
    )
    candidates = np.concatenate([aux_o[:1], other, aux_o[1:]])

    def dist(x):
        return np.min(np.abs(np.asarray(x)[:, None] - candidates[None, :]), axis=1)

    d = dist(s)
    isi = np.diff(s)
    first_isi = max(s[0] - t_start, isi[0]) if m > 1 else s[0] - t_start
    last_isi = max(t_stop - s[-1], isi[-1]) if m > 1 else t_stop - s[-1]
    starts = np.concatenate([[aux[0]], s])
    ends = np.concatenate([s, [aux[1]]])
    isis = np.concatenate([[first_isi], isi, [last_isi]])
    d_start = np.concatenate([[d[0]], d])
    d_end = np.concatenate([d, [d[-1]]])
    if s[0] == t_start:
        starts, ends, isis, d_start, d_end = starts[1:], ends[1:], isis[1:], d_start[1:], d_end[1:]
        if m == 1:  # a lone spike on t_start: the far end is t_stop itself
            d_end[-1] = dist([t_stop])[0]
    return starts, ends, isis, d_start, d_end


def spike_distance(s1, s2, t_start, t_stop, mrts=0.0, rate_independent=False) -> float:
    s1 = _non_empty(s1, t_start, t_stop)
    s2 = _non_empty(s2, t_start, t_stop)
    iv1 = _spike_intervals(s1, s2, t_start, t_stop)
    iv2 = _spike_intervals(s2, s1, t_start, t_stop)
    knots = np.unique(np.concatenate([[t_start, t_stop], s1, s2]))
    total = 0.0
    for a, b in itertools.pairwise(knots):
        mid = (a + b) / 2
        ends_values = []
        for t in (a, b):
            s_vals = []
            isi_vals = []
            for starts, ends, isis, d_start, d_end in (iv1, iv2):
                k = np.searchsorted(ends, mid)  # the interval holding the segment
                x_p, x_f = t - starts[k], ends[k] - t
                s_vals.append((d_start[k] * x_f + d_end[k] * x_p) / isis[k])
                isi_vals.append(isis[k])
            mean_isi = (isi_vals[0] + isi_vals[1]) / 2
            limited = max(mrts, mean_isi)
            if rate_independent:
                ends_values.append((s_vals[0] + s_vals[1]) / 2 / limited)
            else:
                ends_values.append(
                    (s_vals[0] * isi_vals[1] + s_vals[1] * isi_vals[0]) / 2 / (mean_isi * limited)
                )
        total += (ends_values[0] + ends_values[1]) / 2 * (b - a)
    return total / (t_stop - t_start)


def pairwise(func, trains, *args, diagonal=0.0, **kwargs) -> np.ndarray:
    n = len(trains)
    out = np.full((n, n), diagonal)
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = func(trains[i], trains[j], *args, **kwargs)
    return out


# --------------------------------------------------------------------------- van Rossum


def van_rossum_distance(s1, s2, tau) -> float:
    """``sqrt(K(a, a) + K(b, b) - 2 K(a, b))``, ``K(x, y) = sum_ij exp(-|x_i - y_j| / tau)``."""

    def k(a, b):
        gap = np.abs(a[:, None] - b[None, :])
        if tau == 0:
            return np.sum(gap == 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(np.exp(-gap / tau))

    return float(np.sqrt(max(k(s1, s1) + k(s2, s2) - 2 * k(s1, s2), 0.0)))


# --------------------------------------------------------------------------- STTC


def sttc(a, b, dt, t_start, t_stop) -> float:
    """Cutts & Eglen 2014: exact +-dt window, the 0/0 cases counted as 1."""
    if a.size == 0 or b.size == 0:
        return np.nan

    def tiled_time(s):
        lo = np.maximum(s - dt, t_start)
        hi = np.minimum(s + dt, t_stop)
        # union of the intervals [lo, hi] (sorted since s is)
        covered = 0.0
        cur_lo, cur_hi = lo[0], hi[0]
        for x, y in zip(lo[1:], hi[1:], strict=True):
            if x > cur_hi:
                covered += cur_hi - cur_lo
                cur_lo, cur_hi = x, y
            else:
                cur_hi = max(cur_hi, y)
        covered += cur_hi - cur_lo
        return covered / (t_stop - t_start)

    def tiled_spikes(x, y):
        return np.mean(np.any(np.abs(x[:, None] - y[None, :]) <= dt, axis=1))

    pa, pb = tiled_spikes(a, b), tiled_spikes(b, a)
    ta, tb = tiled_time(a), tiled_time(b)
    left = 1.0 if pa * tb == 1 else (pa - tb) / (1 - pa * tb)
    right = 1.0 if pb * ta == 1 else (pb - ta) / (1 - pb * ta)
    return 0.5 * left + 0.5 * right


def sttc_matrix(trains, dt, t_start, t_stop) -> np.ndarray:
    n = len(trains)
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            out[i, j] = sttc(trains[i], trains[j], dt, t_start, t_stop)
    return out


# --------------------------------------------------------------------------- spike-contrast


def spike_contrast(trains, t_start, t_stop, min_bin=0.01, shrink=0.9) -> float:
    """Ciba et al. 2018 with Elephant's binning (np.arange edges, half-overlapping bins)."""
    isis = [np.diff(t) for t in trains if t.size > 1]
    if not isis:
        return np.nan
    isi_min = min(d.min() for d in isis)
    n_total = sum(t.size for t in trains)
    lo, hi = t_start - isi_min, t_stop + isi_min
    bin_size = (t_stop - t_start) / 2
    best = -np.inf
    while bin_size >= max(isi_min / 2, min_bin):
        edges = np.arange(lo, hi + bin_size / 2, bin_size / 2)
        hist = np.array([np.histogram(t, bins=edges)[0] for t in trains])
        hist = hist[:, :-1] + hist[:, 1:]
        theta = hist.sum(axis=0)
        active = (hist > 0).sum(axis=0)
        active_st = (np.sum(active * theta) / np.sum(theta) - 1) / (len(trains) - 1)
        contrast = np.sum(np.abs(np.diff(theta))) / (2 * n_total)
        best = max(best, contrast * active_st)
        bin_size *= shrink
    return best if np.isfinite(best) else np.nan


# --------------------------------------------------------------------------- phases


def linear_phases(trains, times) -> np.ndarray:
    """2 pi (t - t_k) / (t_{k+1} - t_k) between spikes; NaN outside [first, last]."""
    out = np.full((len(trains), times.size), np.nan)
    for i, s in enumerate(trains):
        if s.size == 0:
            continue
        k = np.searchsorted(s, times, side="right") - 1
        inside = (k >= 0) & (k < s.size - 1)
        kk = k[inside]
        out[i, inside] = 2 * np.pi * (times[inside] - s[kk]) / (s[kk + 1] - s[kk])
        out[i, times == s[-1]] = 0.0
    return out


def history_phases(trains, times, omega, memory) -> np.ndarray:
    """arg of sum_{t_k <= t} exp((-1/T_w + i omega)(t - t_k)), summed directly."""
    out = np.full((len(trains), times.size), np.nan)
    for i, s in enumerate(trains):
        lag = times[:, None] - s[None, :]
        z = np.where(lag >= 0, np.exp((-1 / memory + 1j * omega) * np.maximum(lag, 0)), 0)
        z = z.sum(axis=1)
        out[i] = np.where(z != 0, np.angle(z), np.nan)
    return out


def kuramoto(phases) -> np.ndarray:
    """R(t) = |mean over neurons with a phase of exp(i phi)|; NaN where none has one."""
    valid = ~np.isnan(phases)
    u = np.where(valid, np.exp(1j * np.where(valid, phases, 0.0)), 0.0)
    count = valid.sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.abs(u.sum(axis=-2)) / count, np.nan)


def plv(phases) -> np.ndarray:
    n = phases.shape[0]
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            d = phases[i] - phases[j]
            d = d[~np.isnan(d)]
            out[i, j] = np.abs(np.mean(np.exp(1j * d))) if d.size else np.nan
    return out


# --------------------------------------------------------------------------- test inputs


def random_trains(rng, n_trains, t_start, t_stop, max_spikes, *, min_spikes=0):
    """Independent uniform trains with random spike counts (sorted, within the window)."""
    return [
        np.sort(rng.uniform(t_start, t_stop, rng.integers(min_spikes, max_spikes + 1)))
        for _ in range(n_trains)
    ]


def edge_cases(t_start=0.0, t_stop=1.0):
    """Named lists of trains covering the special cases every metric must get right."""
    a = np.array([0.1, 0.25, 0.4, 0.7, 0.9])
    return {
        "all_empty": [np.array([]), np.array([]), np.array([])],
        "one_empty": [a, np.array([]), np.array([0.3, 0.6])],
        "one_spike": [np.array([0.5]), np.array([0.52]), a],
        "identical": [a, a.copy(), a.copy()],
        "coincident": [a, np.array([0.1, 0.3, 0.7, 0.95]), np.array([0.25, 0.7])],
        "on_edges": [
            np.array([t_start, 0.3, t_stop]),
            np.array([t_start, 0.5]),
            np.array([0.2, t_stop]),
        ],
        "lone_on_start": [np.array([t_start]), np.array([0.4, 0.8]), np.array([t_stop])],
        "dense_sparse": [np.linspace(0.01, 0.99, 40), np.array([0.5]), np.array([0.2, 0.21])],
    }

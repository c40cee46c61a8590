"""Phases of spiking neurons, the Kuramoto order parameter and phase locking.

Two ways to give a spiking neuron a phase:

``method="linear"``
    the phase grows linearly by ``2 pi`` from one spike to the next (Pikovsky, Rosenblum &
    Kurths 2001): ``phi(t) = 2 pi (t - t_k) / (t_{k+1} - t_k)``; undefined (NaN) before the
    first and after the last spike.
``method="history"``
    the argument of the spike-history trace of S2-Net (design note S2NET.md),
    ``z(t) = sum_{t_k <= t} exp((-1 / T_w + i omega) (t - t_k))``, the same trace the
    simulator integrates (``dz/dt = (-1/T_w + i omega) z``, ``z += 1`` at each spike);
    undefined (NaN) before the first spike. A recorded trace gives its phases directly as
    ``np.angle(zr + 1j * zi)``.

:func:`spike_phasors` gives the history phases as unit phasors ``exp(i phi)``, which
the two measures below take as they are (the cheaper way to them).

From phases, :func:`kuramoto_order` gives ``R(t) = |mean_i exp(i phi_i(t))|`` over all
neurons and per group (e.g. per network), its mean and its standard deviation over time
(metastability, Shanahan 2010), and :func:`phase_locking_matrix` the phase-locking value
``|mean_t exp(i (phi_i - phi_j))|`` of every pair (Lachaux et al. 1999). Undefined phases
are left out of every mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numba import prange

from .._docs import doc_filler
from .._memory import require_memory
from ..paths import get_memory_budget
from ..spiketrains import SpikeTrains
from ._utils import check_positive, check_spike_trains, check_windows, kernel, parallel_kernel

# --------------------------------------------------------------------------- spike phases
# The parameters the two phase functions share, written once (see s2decode._docs).
fill_doc = doc_filler(
    {
        "trains_at_times": """
            spike_trains : list of array-like | SpikeTrains
                A list of 1-D arrays of sorted spike times in seconds, or a batched
                ``SpikeTrains``.
            times : array-like, shape (n_times,)
                Sorted sample times in seconds (the same for every trial).
            t_start, t_stop : float | None
                Recording window in seconds (required with a list).
            """
    }
)
# The largest double below 2 pi: a sample an ulp before a spike can round 2 pi (t - t_k) /
# (t_{k+1} - t_k) up to 2 pi itself, outside the documented [0, 2 pi).
_BELOW_TWO_PI = float(np.nextafter(2 * np.pi, 0.0))
# |z|^2 above this is a normal double: 1 / sqrt(|z|^2) is then as exact as 1 / |z|.
_TINY_POWER = 1e-290


@kernel
def _linear_phase(train: np.ndarray, samples: np.ndarray, out: np.ndarray) -> None:
    n = train.shape[0]
    k = 0  # number of spikes <= current sample
    for s in range(samples.shape[0]):
        t = samples[s]
        while k < n and train[k] <= t:
            k += 1
        if k == 0 or (k == n and t > train[n - 1]):
            out[s] = np.nan
        elif k == n:
            out[s] = 0.0  # on the last spike: a cycle ends, the phase wraps to 0
        else:
            prev = train[k - 1]
            out[s] = min(2 * np.pi * (t - prev) / (train[k] - prev), _BELOW_TWO_PI)


@kernel
def _history_trace(
    train: np.ndarray, samples: np.ndarray, rate: complex, steps: np.ndarray, out: np.ndarray
) -> None:
    """The trace ``z`` at every sample; ``steps[s]`` is ``exp(rate (samples[s] -
    samples[s - 1]))``, so that a sample with no spike since the last one costs one complex
    product, not a complex exponential."""
    n = train.shape[0]
    z = 0j
    t_z = 0.0  # time at which z is known
    k = 0
    for s in range(samples.shape[0]):
        t = samples[s]
        if k < n and train[k] <= t:
            while k < n and train[k] <= t:
                z = z * np.exp(rate * (train[k] - t_z)) + 1.0
                t_z = train[k]
                k += 1
            z *= np.exp(rate * (t - t_z))
        else:
            z *= steps[s]  # from the previous sample (z is still 0 before the first spike)
        t_z = t
        out[s] = z


@kernel
def _trace_steps(samples: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """``exp(rate (samples[s] - samples[s - 1]))`` for each neuron's rate (1 at ``s = 0``)."""
    steps = np.ones((rates.shape[0], samples.shape[0]), dtype=np.complex128)
    for i in range(rates.shape[0]):
        for s in range(1, samples.shape[0]):
            steps[i, s] = np.exp(rates[i] * (samples[s] - samples[s - 1]))
    return steps


@kernel
def _history_phase(
    train: np.ndarray, samples: np.ndarray, rate: complex, steps: np.ndarray, out: np.ndarray
) -> None:
    z = np.empty(samples.shape[0], dtype=np.complex128)
    _history_trace(train, samples, rate, steps, z)
    for s in range(samples.shape[0]):
        # NaN before the first spike (and where the trace has decayed to exactly 0). atan2
        # gives -pi for a tiny negative imaginary part; -pi is pi in the documented (-pi, pi].
        phi = np.angle(z[s]) if z[s] != 0 else np.nan
        out[s] = np.pi if phi == -np.pi else phi


@parallel_kernel
def _phasors_kernel(
    times: np.ndarray,
    offsets: np.ndarray,
    n_neurons: int,
    samples: np.ndarray,
    rates: np.ndarray,
) -> np.ndarray:
    """``z / |z|`` of the history trace of every train at every sample (NaN where 0)."""
    n_trains = offsets.shape[0] - 1
    n_times = samples.shape[0]
    steps = _trace_steps(samples, rates)
    out = np.empty((n_trains, n_times), dtype=np.complex128)
    for k in prange(n_trains):
        i = k % n_neurons
        row = out[k]
        _history_trace(times[offsets[k] : offsets[k + 1]], samples, rates[i], steps[i], row)
        for s in range(n_times):
            re, im = row[s].real, row[s].imag
            power = re * re + im * im
            if power > _TINY_POWER:  # a reciprocal square root, not hypot and two divisions
                scale = 1.0 / np.sqrt(power)
                row[s] = complex(re * scale, im * scale)
            else:  # 0 (no spike yet) or so small that its square underflows
                size = np.abs(row[s])
                row[s] = row[s] / size if size > 0 else complex(np.nan, np.nan)
    return out


@parallel_kernel
def _phases_kernel(
    times: np.ndarray,
    offsets: np.ndarray,
    n_neurons: int,
    samples: np.ndarray,
    history: bool,
    rates: np.ndarray,
) -> np.ndarray:
    n_trains = offsets.shape[0] - 1
    out = np.empty((n_trains, samples.shape[0]))
    steps = _trace_steps(samples, rates)  # no rates (linear phases): an empty table
    for k in prange(n_trains):
        train = times[offsets[k] : offsets[k + 1]]
        if history:
            i = k % n_neurons
            _history_phase(train, samples, rates[i], steps[i], out[k])
        else:
            _linear_phase(train, samples, out[k])
    return out


@fill_doc
def spike_phases(
    spike_trains: SpikeTrains | Sequence[np.ndarray],
    times: np.ndarray,
    t_start: float | None = None,
    t_stop: float | None = None,
    *,
    method: str = "linear",
    omega: float | np.ndarray | None = None,
    memory: float = 0.05,
) -> np.ndarray:
    """Phase of every neuron at the sample ``times``, from its spikes.

    Parameters
    ----------
    %(trains_at_times)s
    method : {"linear", "history"}
        Linear phase between consecutive spikes, or the argument of the spike-history trace
        of S2-Net (see the module docstring).
    omega : float | array-like, shape (n_neurons,) | None
        Angular frequency (rad/s) of the history trace, one value or one per neuron;
        required with ``method="history"``.
    memory : float
        Memory window ``T_w`` of the history trace in seconds (S2-Net default 50 ms).

    Returns
    -------
    phases : ndarray, shape ([n_trials,] n_neurons, n_times)
        Radians, in ``[0, 2 pi)`` for ``"linear"`` and ``(-pi, pi]`` for ``"history"``;
        NaN where undefined.
    """
    batch = check_spike_trains(spike_trains, t_start, t_stop)
    samples = _check_samples(times)
    if method == "linear":
        history = False
        rates = np.empty(0, dtype=np.complex128)
    elif method == "history":
        history = True
        rates = _trace_rates(omega, memory, batch.n_neurons, "method='history'")
    else:
        raise ValueError(f"method must be 'linear' or 'history', got {method!r}.")
    out = _phases_kernel(batch.times, batch.offsets, batch.n_neurons, samples, history, rates)
    return batch.finish(out.reshape(batch.n_batches, batch.n_neurons, samples.size))


@fill_doc
def spike_phasors(
    spike_trains: SpikeTrains | Sequence[np.ndarray],
    times: np.ndarray,
    t_start: float | None = None,
    t_stop: float | None = None,
    *,
    omega: float | np.ndarray,
    memory: float = 0.05,
) -> np.ndarray:
    """Unit phasors ``exp(i phi)`` of the spike-history phase of every neuron.

    The phases of :func:`spike_phases` with ``method="history"`` as complex numbers of
    modulus 1, ``z(t) / |z(t)|``, without going through the angle: :func:`kuramoto_order`
    and :func:`phase_locking_matrix` take them as they are, and need no cosine or sine
    (which costs more than the rest of their work).

    Parameters
    ----------
    %(trains_at_times)s
    omega : float | array-like, shape (n_neurons,)
        Angular frequency (rad/s) of the history trace, one value or one per neuron.
    memory : float
        Memory window ``T_w`` of the history trace in seconds (S2-Net default 50 ms).

    Returns
    -------
    phasors : ndarray of complex, shape ([n_trials,] n_neurons, n_times)
        ``exp(i phi)``; ``nan + nan j`` where the phase is undefined (before the first spike).

    Examples
    --------
    >>> u = spike_phasors([np.array([0.1])], np.array([0.05, 0.1, 0.1125]), 0.0, 1.0,
    ...                   omega=2 * np.pi * 20)
    >>> u[0, 0]  # no spike yet
    np.complex128(nan+nanj)
    >>> np.round(np.angle(u[0, 1:]) / np.pi, 12)  # on the spike, a quarter turn of 20 Hz later
    array([0. , 0.5])
    >>> np.abs(u[0, 1:])
    array([1., 1.])
    """
    batch = check_spike_trains(spike_trains, t_start, t_stop)
    samples = _check_samples(times)
    rates = _trace_rates(omega, memory, batch.n_neurons, "spike_phasors")
    out = _phasors_kernel(batch.times, batch.offsets, batch.n_neurons, samples, rates)
    return batch.finish(out.reshape(batch.n_batches, batch.n_neurons, samples.size))


def _check_samples(times) -> np.ndarray:
    samples = np.ascontiguousarray(times, dtype=np.float64)
    if samples.ndim != 1 or not np.all(np.isfinite(samples)):
        raise ValueError("times must be a 1-D array of finite sample times in seconds.")
    if samples.size > 1 and np.any(np.diff(samples) < 0):
        raise ValueError("times must be sorted (increasing sample times).")
    return samples


def _trace_rates(omega, memory, n_neurons: int, what: str) -> np.ndarray:
    """The history trace's ``-1 / T_w + i omega`` of each neuron, from checked inputs."""
    if omega is None:
        raise ValueError(
            f"{what} needs omega, the angular frequency in rad/s of the trace "
            "(e.g. 2 * np.pi * 40 for a 40 Hz rhythm), one value or one per neuron."
        )
    omegas = np.broadcast_to(np.asarray(omega, dtype=np.float64), (n_neurons,))
    if not np.all(np.isfinite(omegas)):
        raise ValueError("omega must be finite.")
    rates = np.empty(n_neurons, dtype=np.complex128)
    rates.real = -1.0 / float(check_positive(memory, "memory"))
    rates.imag = omegas
    return rates


# --------------------------------------------------------------------------- Kuramoto
class KuramotoOrder(NamedTuple):
    """Kuramoto order parameter over time, globally and per group.

    Attributes
    ----------
    order : ndarray, shape (..., n_times)
        ``R(t)`` in ``[0, 1]`` over all neurons with a defined phase (NaN where none).
    mean : ndarray, shape (...[, n_windows])
        Mean of ``R(t)`` over time (per window if windows were given).
    metastability : ndarray, shape (...[, n_windows])
        Standard deviation of ``R(t)`` over time (population, ``ddof=0``).
    group_order : ndarray, shape (..., n_groups, n_times) | None
        ``R(t)`` within each group.
    group_mean, group_metastability : ndarray, shape (..., n_groups[, n_windows]) | None
        Their mean and standard deviation over time.
    groups : ndarray, shape (n_groups,) | None
        The group labels, sorted (``np.unique`` order).
    """

    order: np.ndarray
    mean: np.ndarray
    metastability: np.ndarray
    group_order: np.ndarray | None
    group_mean: np.ndarray | None
    group_metastability: np.ndarray | None
    groups: np.ndarray | None


@parallel_kernel
def _kuramoto_kernel(phasors: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray:
    """|sum u| / count per (batch, group, time) of unit phasors ``u`` (NaN: undefined);
    group ``n_groups`` is everyone."""
    n_batches, n_neurons, n_times = phasors.shape
    out = np.empty((n_batches, n_groups + 1, n_times))
    for b in prange(n_batches):
        re = np.zeros((n_groups + 1, n_times))
        im = np.zeros((n_groups + 1, n_times))
        count = np.zeros((n_groups + 1, n_times))
        for i in range(n_neurons):
            g = labels[i]
            for t in range(n_times):
                u = phasors[b, i, t]
                if np.isfinite(u.real):
                    re[n_groups, t] += u.real
                    im[n_groups, t] += u.imag
                    count[n_groups, t] += 1.0
                    if g >= 0:
                        re[g, t] += u.real
                        im[g, t] += u.imag
                        count[g, t] += 1.0
        for g in range(n_groups + 1):
            for t in range(n_times):
                if count[g, t] > 0:
                    # At most 1 as |mean exp(i phi)| is; rounding alone could overshoot.
                    r = np.sqrt(re[g, t] ** 2 + im[g, t] ** 2) / count[g, t]
                    out[b, g, t] = min(r, 1.0)
                else:
                    out[b, g, t] = np.nan
    return out


def _nan_mean_std(x: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std over the last axis ignoring NaN (NaN where nothing is left), no warnings."""
    valid = np.isfinite(x)
    if mask is not None:
        valid &= mask
    n = valid.sum(axis=-1)
    filled = np.where(valid, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=-1) / n
        dev = np.where(valid, x - mean[..., np.newaxis], 0.0)
        std = np.sqrt((dev**2).sum(axis=-1) / n)
    return mean, std


def _window_masks(times: np.ndarray | None, windows, n_times: int) -> np.ndarray | None:
    if windows is None:
        return None
    if times is None:
        raise ValueError("windows need the sample times: pass times=... (seconds).")
    times = np.asarray(times, dtype=np.float64)
    if times.shape != (n_times,):
        raise ValueError(f"times must have one entry per sample ({n_times}), got {times.shape}.")
    win = check_windows(windows, -np.inf, np.inf)
    return (times >= win[:, :1]) & (times <= win[:, 1:])


def _check_phases(phases: np.ndarray) -> np.ndarray:
    """Phases in radians (real) or unit phasors (complex), as float64 or complex128."""
    phases = np.asarray(phases)
    phases = phases.astype(np.complex128 if np.iscomplexobj(phases) else np.float64, copy=False)
    if phases.ndim < 2:
        raise ValueError(
            f"phases must have shape (..., n_neurons, n_times), got shape {phases.shape}."
        )
    return phases


def _as_phasors(phases: np.ndarray) -> np.ndarray:
    """``exp(i phi)`` of real phases (NaN stays NaN); complex phasors as they are."""
    return phases if np.iscomplexobj(phases) else np.exp(1j * phases)


def _mean_std(r: np.ndarray, masks: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if masks is None:
        return _nan_mean_std(r)
    pairs = [_nan_mean_std(r, m) for m in masks]
    return np.stack([p[0] for p in pairs], axis=-1), np.stack([p[1] for p in pairs], axis=-1)


def kuramoto_order(
    phases: np.ndarray,
    groups: Sequence | np.ndarray | None = None,
    *,
    times: np.ndarray | None = None,
    windows: np.ndarray | None = None,
) -> KuramotoOrder:
    """Kuramoto order parameter R(t), its mean and its variability (metastability).

    Parameters
    ----------
    phases : array-like, shape (..., n_neurons, n_times)
        Phases in radians (e.g. from :func:`spike_phases`), or complex unit phasors
        ``exp(i phi)`` (from :func:`spike_phasors`: no cosine and sine to compute); NaN
        where undefined.
    groups : array-like, shape (n_neurons,) | None
        A label per neuron (e.g. its network); ``R(t)`` is also computed within each group.
    times : array-like, shape (n_times,) | None
        Sample times in seconds; needed with ``windows``.
    windows : array-like, shape (n_windows, 2) | None
        Summarise ``R(t)`` (mean, metastability) in each window ``[start, stop]``.

    Returns
    -------
    result : KuramotoOrder
        See :class:`KuramotoOrder`.

    Examples
    --------
    >>> phases = np.array([[0.0, 1.0], [0.0, 1.0 + np.pi]])
    >>> kuramoto_order(phases).order.round(12)
    array([1., 0.])
    """
    phases = _check_phases(phases)
    lead = phases.shape[:-2]
    n_neurons, n_times = phases.shape[-2:]
    masks = _window_masks(times, windows, n_times)
    if groups is None:
        names = None
        labels = np.full(n_neurons, -1, dtype=np.int64)
    else:
        groups = np.asarray(groups)
        if groups.shape != (n_neurons,):
            raise ValueError(
                f"groups must give one label per neuron ({n_neurons}), got shape {groups.shape}."
            )
        names, labels = np.unique(groups, return_inverse=True)
        labels = labels.astype(np.int64)
    n_groups = 0 if names is None else names.size
    flat = np.ascontiguousarray(_as_phasors(phases).reshape((-1, n_neurons, n_times)))
    r = _kuramoto_kernel(flat, labels, n_groups).reshape((*lead, n_groups + 1, n_times))
    order = r[..., n_groups, :]
    mean, std = _mean_std(order, masks)
    if names is None:
        return KuramotoOrder(order, mean, std, None, None, None, None)
    group_order = r[..., :n_groups, :]
    g_mean, g_std = _mean_std(group_order, masks)
    return KuramotoOrder(order, mean, std, group_order, g_mean, g_std, names)


# --------------------------------------------------------------------------- PLV
def _plv_one(phasors: np.ndarray) -> np.ndarray:
    """PLV matrix of one (n_neurons, n_times) block of unit phasors by one matrix product.

    Symmetric, 1 on the diagonal and at most 1 by construction: BLAS computes one triangle,
    which is mirrored.
    """
    from scipy.linalg.blas import zherk

    valid = np.isfinite(phasors.real)
    filled = np.where(valid, phasors, 0.0)
    m = valid.astype(np.float64)
    # |sum_t exp(i (phi_i - phi_j))| = |sum_t conj(u_i) u_j|: the Hermitian product of the
    # (n_times, n_neurons) view, upper triangle only (half the work of a full product)
    n_neurons, n_times = phasors.shape
    total = zherk(1.0, filled.T, trans=2) if n_times else np.zeros((n_neurons, n_neurons))
    count = m @ m.T
    with np.errstate(invalid="ignore", divide="ignore"):
        plv = np.minimum(np.abs(total) / count, 1.0)
    lower = np.tril_indices(plv.shape[0], -1)
    plv[lower] = plv.T[lower]
    plv[count == 0] = np.nan
    # |mean_t exp(0)| = 1 for a neuron with a defined phase (its count is its own diagonal).
    np.fill_diagonal(plv, np.where(np.diag(count) > 0, 1.0, np.nan))
    return plv


def _window_slices(masks: np.ndarray) -> list:
    """Each window's samples as a slice where they are contiguous (sorted times: a view,
    not a copy of the phasors), else the mask itself."""
    out = []
    for mask in masks:
        index = np.flatnonzero(mask)
        contiguous = index.size and index[-1] - index[0] + 1 == index.size
        out.append(slice(index[0], index[-1] + 1) if contiguous else mask)
    return out


def phase_locking_matrix(
    phases: np.ndarray,
    *,
    times: np.ndarray | None = None,
    windows: np.ndarray | None = None,
) -> np.ndarray:
    """Phase-locking value of every pair of neurons, ``|mean_t exp(i (phi_i - phi_j))|``.

    Parameters
    ----------
    phases : array-like, shape (..., n_neurons, n_times)
        Phases in radians, or complex unit phasors ``exp(i phi)`` (from
        :func:`spike_phasors`); NaN where undefined (each pair uses the samples where both
        are defined).
    times : array-like, shape (n_times,) | None
        Sample times in seconds; needed with ``windows``.
    windows : array-like, shape (n_windows, 2) | None
        One matrix per window ``[start, stop]``.

    Returns
    -------
    plv : ndarray, shape (...[, n_windows], n_neurons, n_neurons)
        Symmetric, in ``[0, 1]``, 1 on the diagonal; NaN for pairs with no common sample
        (and on the diagonal for a neuron whose phase is never defined).
    """
    from threadpoolctl import threadpool_limits

    phases = _check_phases(phases)
    lead = phases.shape[:-2]
    n_neurons, n_times = phases.shape[-2:]
    masks = _window_masks(times, windows, n_times)
    flat = phases.reshape((-1, n_neurons, n_times))
    n_mats = flat.shape[0] * (1 if masks is None else masks.shape[0])
    # the matrices, and one trial's complex phasors and their product (in flight)
    require_memory(
        8 * n_mats * n_neurons**2 + 16 * (n_neurons * n_times + n_neurons**2),
        get_memory_budget(),
        f"The phase-locking matrices of {n_mats} x {n_neurons} neurons",
        "Give fewer trials (or windows) per call and concatenate the results, or fewer neurons",
    )
    # One BLAS thread: the products are small (neurons x samples), and a threaded BLAS on
    # cores other processes use spins at its barriers (100 parcels x 500 samples: 3 ms a
    # trial on one thread, 97 ms on two with the 2 shared cores busy).
    with threadpool_limits(limits=1, user_api="blas"):
        if masks is None:
            out = np.empty((flat.shape[0], n_neurons, n_neurons))
            for b, block in enumerate(flat):
                out[b] = _plv_one(_as_phasors(block))
            return out.reshape((*lead, n_neurons, n_neurons))
        out = np.empty((flat.shape[0], masks.shape[0], n_neurons, n_neurons))
        samples = _window_slices(masks)
        for b, block in enumerate(flat):
            phasors = _as_phasors(block)
            for w, window in enumerate(samples):
                out[b, w] = _plv_one(phasors[:, window])
    return out.reshape((*lead, masks.shape[0], n_neurons, n_neurons))

"""Is a decoder robust to spike-time jitter and to spikes that appear or vanish?

SSDP (seed 001) claims that synchrony-dependent plasticity makes spiking networks robust to
spike-time jitter and event noise. :func:`robustness_table` tests such a claim on any
decoder of spike data in one call: each decoder is trained on the clean training trials of
every fold and scored on the fold's test trials, clean and perturbed by

- :func:`jitter`: every spike moved by a uniform random shift in ``[-amount, amount]`` s
  (reflected at the window's edges, so no spike leaves the trial);
- :func:`event_noise`: a ``fraction`` of the spikes perturbed, half deleted (each spike
  with probability ``fraction / 2``) and about as many inserted (a Poisson number, of mean
  ``fraction / 2`` times the trial's spikes) at uniform random times and neurons of the
  same trial: the expected count is unchanged, each trial's count varies.

Both take :class:`~s2decode.SpikeTrains` or a spike-count trials DataArray
(``measure="spike_counts"``: its spikes at their bins' starts, perturbed, then counted again
in bins centred on the same time points) and return the same type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ._checks import check_number, check_seed
from .spiketrains import SpikeTrains
from .trials import measure_of

__all__ = ["EVENT_NOISE", "JITTERS", "event_noise", "jitter", "robustness_table"]

#: Jitter amplitudes (s) of the robustness table: +-1, 2 and 5 ms.
JITTERS = (0.001, 0.002, 0.005)
#: Fractions of spikes inserted or deleted: 5, 10 and 20 %.
EVENT_NOISE = (0.05, 0.1, 0.2)


def _check_spikes(spikes) -> None:
    """A TypeError unless ``spikes`` is SpikeTrains or spike counts."""
    if isinstance(spikes, SpikeTrains):
        return
    if isinstance(spikes, xr.DataArray) and measure_of(spikes) == "spike_counts":
        return
    raise TypeError(
        "`spikes` must be SpikeTrains or a spike-count trials DataArray "
        f"(attrs['measure'] == 'spike_counts'), got {type(spikes).__name__}"
        + (f" of measure {measure_of(spikes)!r}" if isinstance(spikes, xr.DataArray) else "")
        + "."
    )


def _as_spikes(spikes) -> tuple[SpikeTrains, xr.DataArray | None]:
    """The spike trains of ``spikes`` and, for counts, the counts (to re-bin like them)."""
    _check_spikes(spikes)
    if isinstance(spikes, SpikeTrains):
        return spikes, None
    return SpikeTrains.from_counts(spikes), spikes


def _like(trains: list[np.ndarray], spikes: SpikeTrains, counts: xr.DataArray | None):
    """Perturbed trains (trial-major) as SpikeTrains, or re-binned like ``counts``."""
    sorted_trains = [np.sort(t) for t in trains]
    sizes = np.array([t.size for t in sorted_trains], dtype=np.int64)
    out = SpikeTrains(
        np.concatenate([np.empty(0), *sorted_trains]),
        np.concatenate([[0], np.cumsum(sizes)]),
        spikes.n_trials,
        spikes.n_neurons,
        spikes.t_start,
        spikes.t_stop,
        spikes.neuron_names,
    )
    if counts is None:
        return out
    # A count's spikes sit at its bin's start (SpikeTrains.from_counts): bins centred there
    # keep an unmoved spike in its bin and send a shift of half a bin either way to the
    # neighbour, so the jitter is symmetric (the last bin also takes the window's end).
    time = counts["time"].values.astype(float)
    half = 0.5 / float(counts.attrs["sfreq"])
    edges = np.append(time - half, spikes.t_stop)
    binned = np.stack([np.histogram(t, edges)[0] for t in sorted_trains])
    return counts.copy(data=binned.reshape(counts.shape).astype(counts.dtype))


def _trains(spikes: SpikeTrains) -> list[np.ndarray]:
    return [spikes.times[a:b] for a, b in pairwise(spikes.offsets)]


def jitter(spikes, amount: float, *, seed: int | np.random.Generator | None = None):
    """Move every spike by a uniform random shift in ``[-amount, amount]`` seconds.

    Parameters
    ----------
    spikes : SpikeTrains | xarray.DataArray
        Spike trains, or spike counts (``measure="spike_counts"``; the spikes sit at their
        bin's start and are binned again on the same grid).
    amount : float
        Largest shift (s), ``>= 0``.
    seed : int | Generator | None
        Randomness (the same seed gives the same spikes).

    Returns
    -------
    jittered : same type as ``spikes``
        The same number of spikes per train; a shift across the window's edge is reflected
        back into it.
    """
    amount = check_number(amount, "amount", low=0, unit="seconds")
    trains, counts = _as_spikes(spikes)
    rng = check_seed(seed)
    lo, hi = trains.t_start, trains.t_stop
    if amount > hi - lo:
        raise ValueError(f"`amount`={amount} s is longer than the trials' window ({hi - lo} s).")
    shifted = trains.times + rng.uniform(-amount, amount, trains.times.size)
    shifted = np.where(shifted < lo, 2 * lo - shifted, shifted)
    shifted = np.where(shifted > hi, 2 * hi - shifted, shifted)
    offsets = trains.offsets  # each train keeps its spikes; _like sorts them again
    return _like([shifted[a:b] for a, b in pairwise(offsets)], trains, counts)


def event_noise(spikes, fraction: float, *, seed: int | np.random.Generator | None = None):
    """Delete about ``fraction / 2`` of the spikes and insert about as many at random.

    Parameters
    ----------
    spikes : SpikeTrains | xarray.DataArray
        Spike trains, or spike counts (``measure="spike_counts"``).
    fraction : float
        Share of the spikes perturbed, in ``[0, 1]``: each spike is deleted with
        probability ``fraction / 2``; each trial gets a Poisson number of new spikes, of
        mean ``fraction / 2`` times its spikes, at uniform times, each in a uniformly
        chosen neuron.
    seed : int | Generator | None
        Randomness.

    Returns
    -------
    noisy : same type as ``spikes``
        The same expected number of spikes per trial.
    """
    fraction = check_number(fraction, "fraction", low=0, high=1)
    trains, counts = _as_spikes(spikes)
    rng = check_seed(seed)
    out = []
    n = trains.n_neurons
    every = _trains(trains)
    total = trains.spike_counts().sum(axis=1)
    for trial in range(trains.n_trials):
        kept = []
        for train in every[trial * n : (trial + 1) * n]:
            kept.append(train[rng.uniform(size=train.size) >= fraction / 2])
        inserted = int(rng.poisson(fraction / 2 * total[trial])) if n else 0
        if inserted:
            where = rng.integers(0, n, inserted)
            when = rng.uniform(trains.t_start, trains.t_stop, inserted)
            kept = [np.concatenate([k, when[where == i]]) for i, k in enumerate(kept)]
        out.extend(kept)
    return _like(out, trains, counts)


def _subset(X, index: np.ndarray):
    if isinstance(X, SpikeTrains):
        return X.select_trials(index)
    if isinstance(X, xr.DataArray):
        return X.isel(trial=index)
    return np.asarray(X)[index]


def robustness_table(
    estimators: Mapping[str, Any],
    X,
    y,
    *,
    cv: Any = 5,
    jitters: Sequence[float] = JITTERS,
    noise: Sequence[float] = EVENT_NOISE,
    scoring: str = "accuracy",
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Score decoders trained on clean trials on clean and perturbed test trials.

    Parameters
    ----------
    estimators : mapping of str to estimator
        The decoders, each taking ``X`` as it is (a scikit-learn estimator or pipeline).
    X : SpikeTrains | xarray.DataArray
        Spike trains or spike counts of every trial.
    y : array-like, shape (n_trials,)
        Labels.
    cv : int | cross-validation splitter
        Folds (an int: stratified, shuffled with ``random_state``); every decoder and every
        perturbation sees the same splits.
    jitters, noise : sequence of float
        Jitter amplitudes (s) and event-noise fractions.
    scoring : str
        A scikit-learn scorer name.
    random_state : int | None
        Seed of the splits and of the perturbations (each fold's test trials get their own
        draw, the same for every decoder).

    Returns
    -------
    table : DataFrame
        One row per decoder, perturbation and fold: ``method``, ``perturbation``
        (``"none"``, ``"jitter"``, ``"event_noise"``), ``level`` (0, seconds or fraction),
        ``fold`` and ``score``.
    """
    from sklearn.base import clone
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import StratifiedKFold, check_cv

    if not estimators:
        raise ValueError("`estimators` is empty: give at least one {name: estimator}.")
    _check_spikes(X)  # a clear error before any fit
    y = np.asarray(y)
    if isinstance(cv, int | np.integer) and not isinstance(cv, bool):
        cv = StratifiedKFold(int(cv), shuffle=True, random_state=random_state)
    splitter = check_cv(cv, y, classifier=True)
    scorer = get_scorer(scoring)
    rng = np.random.default_rng(random_state)
    levels = [("none", 0.0)] + [("jitter", float(j)) for j in jitters]
    levels += [("event_noise", float(f)) for f in noise]
    rows = []
    for fold, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        X_test = _subset(X, test)
        seeds = rng.integers(0, 2**31 - 1, len(levels))
        perturbed = []
        for (kind, level), seed in zip(levels, seeds, strict=True):
            if kind == "jitter":
                perturbed.append(jitter(X_test, level, seed=int(seed)))
            elif kind == "event_noise":
                perturbed.append(event_noise(X_test, level, seed=int(seed)))
            else:
                perturbed.append(X_test)
        for name, estimator in estimators.items():
            fitted = clone(estimator).fit(_subset(X, train), y[train])
            for (kind, level), X_p in zip(levels, perturbed, strict=True):
                rows.append(
                    {
                        "method": name,
                        "perturbation": kind,
                        "level": level,
                        "fold": fold,
                        "score": float(scorer(fitted, X_p, y[test])),
                    }
                )
    return pd.DataFrame(rows)

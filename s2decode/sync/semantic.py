"""Synchronization and semantization: does activity re-converge into synchronous volleys as
the classes separate?

Seed 002 (arXiv 2508.12975) describes activity that first spreads, then re-converges into
sharp synchronous pulses as classes are extracted. :func:`semantization` measures both sides
per network and time window of a set of labelled trials: how dispersed the network's spike
times are (the spread of its neurons' first spikes in the window: small when they fire as
one volley) and how separable the classes are from the network's spike counts in that
window (the Fisher ratio). Read the two columns side by side: the claim predicts windows
where dispersion falls while separability rises.

Both are descriptive, computed over all trials given: for a claim about decoding, score a
decoder with cross-validation instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..spiketrains import SpikeTrains
from .windows import sliding_windows

__all__ = ["fisher_ratio", "semantization"]


def fisher_ratio(features: np.ndarray, y) -> float:
    """Mean over features of the between-class over within-class variance.

    Parameters
    ----------
    features : ndarray, shape (n_trials, n_features)
        One row per trial.
    y : array-like, shape (n_trials,)
        Class labels (two or more).

    Returns
    -------
    ratio : float
        ``sum_c n_c (mu_c - mu)^2 / sum_c sum_(i in c) (x_i - mu_c)^2`` per feature,
        averaged over features whose within-class variance is positive; 0 where none is.

    Examples
    --------
    >>> round(fisher_ratio(np.array([[0.0], [0.2], [1.0], [1.2]]), [0, 0, 1, 1]), 6)
    25.0
    """
    x = np.asarray(features, dtype=float)
    y = np.asarray(y)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(
            f"`features` must have shape (n_trials, n_features) with one row per label; got "
            f"{x.shape} for {len(y)} labels."
        )
    classes = np.unique(y)
    if classes.size < 2:
        raise ValueError("`y` needs at least two classes to measure their separability.")
    mu = x.mean(axis=0)
    between = np.zeros(x.shape[1])
    within = np.zeros(x.shape[1])
    for c in classes:
        part = x[y == c]
        between += len(part) * (part.mean(axis=0) - mu) ** 2
        within += ((part - part.mean(axis=0)) ** 2).sum(axis=0)
    ok = within > 0
    return float(np.mean(between[ok] / within[ok])) if ok.any() else 0.0


def _first_spike_spread(spikes: SpikeTrains, nodes: np.ndarray, start: float, stop: float):
    """Per trial: SD of the first-spike times in [start, stop] of the nodes that fire."""
    out = np.full(spikes.n_trials, np.nan)
    for k in range(spikes.n_trials):
        firsts = []
        for i in nodes:
            train = spikes.train(k, int(i))
            inside = train[(train >= start) & (train <= stop)]
            if inside.size:
                firsts.append(inside[0])
        if len(firsts) >= 2:
            out[k] = float(np.std(firsts))
    return out


def semantization(
    spikes: SpikeTrains,
    y,
    *,
    networks: Sequence[str] | None = None,
    window: float | None = None,
    step: float | None = None,
) -> pd.DataFrame:
    """Spike-time dispersion and class separability per network and time window.

    Parameters
    ----------
    spikes : SpikeTrains
        Trials x neurons (e.g. :meth:`S2Featurizer.simulate
        <s2decode.estimators.S2Featurizer.simulate>` of labelled trials).
    y : array-like, shape (n_trials,)
        The trials' classes.
    networks : sequence of str | None
        Network of each neuron (``""``: none); every neuron with a network joins its
        group, and all neurons form the group ``"global"``. ``None``: ``"global"`` only.
    window : float | None
        Window length (s); ``None``: a tenth of the trial.
    step : float | None
        Hop between windows (s); ``None``: half a window.

    Returns
    -------
    table : DataFrame
        One row per group and window: ``network``, ``window`` (its index), ``t_start``,
        ``t_stop`` (s from the trials' start), ``dispersion`` (s: the SD of the group's
        first-spike times in the window, averaged over the trials where at least two of
        its neurons fire; NaN where none does), ``fisher_ratio`` (of the group's spike
        counts in the window, :func:`fisher_ratio`) and ``rate`` (Hz, the group's mean).
    """
    if not isinstance(spikes, SpikeTrains):
        raise TypeError(f"`spikes` must be SpikeTrains, got {type(spikes).__name__}.")
    y = np.asarray(y)
    if len(y) != spikes.n_trials:
        raise ValueError(f"`y` has {len(y)} labels for {spikes.n_trials} trials.")
    n = spikes.n_neurons
    groups = {"global": np.arange(n)}
    if networks is not None:
        nets = np.asarray([str(s) for s in networks])
        if nets.size != n:
            raise ValueError(f"`networks` has {nets.size} entries for {n} neurons.")
        for name in sorted(set(nets) - {""}):
            groups[name] = np.flatnonzero(nets == name)
    length = spikes.duration / 10 if window is None else float(window)
    windows = sliding_windows(
        spikes.t_start, spikes.t_stop, length, length / 2 if step is None else step
    )
    counts = spikes.window_counts(windows).transpose(1, 0, 2).astype(float)  # (w, trial, n)
    rows = []
    for name, nodes in groups.items():
        for w, (a, b) in enumerate(windows):
            spread = _first_spike_spread(spikes, nodes, a, b)
            rows.append(
                {
                    "network": name,
                    "window": w,
                    "t_start": a - spikes.t_start,
                    "t_stop": b - spikes.t_start,
                    "dispersion": float(np.nanmean(spread)) if np.isfinite(spread).any()
                    else np.nan,
                    "fisher_ratio": fisher_ratio(counts[w][:, nodes], y),
                    "rate": float(counts[w][:, nodes].mean() / (b - a)),
                }
            )  # fmt: skip
    return pd.DataFrame(rows)

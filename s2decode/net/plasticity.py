"""Synchrony-dependent plasticity (SSDP) of the scaffold's weights.

SSDP (seed 001, arXiv 2505.14841) changes a connection with how synchronously its two
neurons fire, not with which fires first: on each trial,

    dW_ij = A+ s_i s_j G_ij - A_base (1 - s_i s_j) G_ij,   G_ij = exp(-dt_ij^2 / (2 sigma^2)),

where ``s_i`` is 1 if neuron ``i`` fired in the trial, ``dt_ij`` the difference of the two
neurons' first-spike times, and the weights are clamped to ``[w_min, w_max]``. A neuron that
does not fire has its first spike censored at the trial's end (as the ``latency``
features), so two silent neurons count as coincident and their connection weakens by
``A_base``: connections between neurons that do not fire together fade.

Only existing connections change (the scaffold's topology and delays are kept). The rule
is applied trial after trial, in the order given. :class:`s2decode.estimators.S2Featurizer`
(``plasticity="ssdp"``) applies it to the training trials of ``fit`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_number
from ..spiketrains import SpikeTrains

__all__ = ["SSDP", "first_spike_times", "ssdp_update"]


@dataclass(frozen=True)
class SSDP:
    """Parameters of the synchrony-dependent plasticity rule.

    Parameters
    ----------
    a_plus : float
        Potentiation of a connection whose two neurons both fire, at zero time difference
        (1.5e-4, the design note's).
    a_base : float
        Depression where at most one of them fires (5e-5, the design note's).
    sigma : float
        Width (s, network time) of the synchrony window ``G``. The design note gives none;
        10 ms, a gamma cycle's scale, was set before any decoding result was seen.
    w_min, w_max : float
        Bounds of the weights (the scaffolds' weights are normalised to at most 1).
    n_epochs : int
        Passes over the training trials; each pass simulates them with the weights the
        previous one left.
    """

    a_plus: float = 1.5e-4
    a_base: float = 5e-5
    sigma: float = 0.01
    w_min: float = 0.0
    w_max: float = 1.0
    n_epochs: int = 1

    def __post_init__(self) -> None:
        for name in ("a_plus", "a_base", "w_min"):
            check_number(getattr(self, name), name, low=0)
        check_number(self.sigma, "sigma", low=0, strict_low=True, unit="seconds")
        check_number(self.w_max, "w_max", low=self.w_min, strict_low=True)
        check_number(self.n_epochs, "n_epochs", low=0, strict_low=True, integer=True)


def first_spike_times(spikes: SpikeTrains) -> np.ndarray:
    """First-spike time of every neuron in every trial, from the trial's start.

    Parameters
    ----------
    spikes : SpikeTrains
        Spike trains.

    Returns
    -------
    times : ndarray, shape (n_trials, n_neurons)
        Seconds after ``t_start``; NaN for a neuron that did not fire.
    """
    if not isinstance(spikes, SpikeTrains):
        raise TypeError(f"`spikes` must be SpikeTrains, got {type(spikes).__name__}.")
    starts, stops = spikes.offsets[:-1], spikes.offsets[1:]
    fired = stops > starts
    first = np.full(starts.shape, np.nan)
    first[fired] = spikes.times[starts[fired]] - spikes.t_start
    return first.reshape(spikes.n_trials, spikes.n_neurons)


def ssdp_update(
    weights: np.ndarray, first_spikes: np.ndarray, duration: float, rule: SSDP | None = None
) -> np.ndarray:
    """Weights after SSDP on each trial in turn.

    Parameters
    ----------
    weights : ndarray, shape (n, n)
        ``weights[i, j]`` of j -> i; only its non-zero entries change.
    first_spikes : ndarray, shape (n_trials, n)
        First-spike times from each trial's start (:func:`first_spike_times`), NaN where a
        neuron did not fire.
    duration : float
        Trial length (s): where a silent neuron's first spike is censored.
    rule : SSDP | None
        The parameters; ``None``: the defaults.

    Returns
    -------
    weights : ndarray, shape (n, n)
        A new array; the zero entries (no connection, the diagonal) stay zero.
    """
    rule = SSDP() if rule is None else rule
    w = np.array(weights, dtype=float)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"`weights` must be a square matrix, got shape {w.shape}.")
    first = np.asarray(first_spikes, dtype=float)
    if first.ndim != 2 or first.shape[1] != w.shape[0]:
        raise ValueError(
            f"`first_spikes` must have shape (n_trials, {w.shape[0]}), got {first.shape}."
        )
    duration = float(duration)
    if not np.isfinite(duration) or duration <= 0:
        raise ValueError(f"`duration` must be a positive number of seconds, got {duration}.")
    connected = w != 0
    np.fill_diagonal(connected, False)
    for trial in first:
        fired = np.isfinite(trial)
        t = np.where(fired, trial, duration)
        both = np.outer(fired, fired)
        g = np.exp(-((t[:, None] - t[None, :]) ** 2) / (2 * rule.sigma**2))
        dw = np.where(both, rule.a_plus, -rule.a_base) * g
        w[connected] = np.clip(w[connected] + dw[connected], rule.w_min, rule.w_max)
    return w

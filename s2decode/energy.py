"""How much energy S2-Net's spikes would cost on neuromorphic hardware, against a dense network.

The estimate counts arithmetic only, as the spiking-network literature's usual comparison
does (Horowitz 2014, 45 nm CMOS): a spiking network spends one accumulate (AC) per synaptic
event (a spike times the neuron's outgoing connections), a dense network with the same
``n x n`` weights spends ``n**2`` multiply-accumulates (MAC) per update, and it updates once
per input sample. At 0.9 pJ per AC and 4.6 pJ per MAC, a spiking network is cheaper
whenever its neurons fire rarely enough.

**Memory access is not counted.** Reading weights and state from memory costs more than
the arithmetic on every platform, and analyses that count it (e.g. Dampfhoffer et al.
2023, Lemaire et al. 2022) find that spiking networks win only at low spike rates and with
sparse connectivity. Treat the ratio as an upper bound on the saving, not as a measured
figure; change the constants (:class:`EnergyModel`) for another technology.

>>> import numpy as np
>>> from s2decode import SpikeTrains
>>> st = SpikeTrains.from_lists([[np.array([0.1, 0.5]), np.array([0.2])]], 0.0, 1.0)
>>> table = energy_table(st, out_degree=[1, 1], dense_updates=10)
>>> table[["synaptic_ops", "snn_pj", "dense_macs", "dense_pj"]].to_numpy().tolist()
[[3.0, 2.7, 40.0, 184.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._checks import check_number
from .spiketrains import SpikeTrains

__all__ = [
    "EnergyModel",
    "dense_operations",
    "energy_table",
    "out_degree",
    "synaptic_operations",
]


@dataclass(frozen=True)
class EnergyModel:
    """Energy per operation, in picojoules.

    Parameters
    ----------
    pj_per_ac : float
        One accumulate: a synaptic event adds a weight to a membrane (0.9 pJ: 32-bit
        floating-point add, 45 nm, Horowitz 2014).
    pj_per_mac : float
        One multiply-accumulate of a dense layer (4.6 pJ: 32-bit floating-point multiply
        3.7 pJ plus add 0.9 pJ, 45 nm).
    """

    pj_per_ac: float = 0.9
    pj_per_mac: float = 4.6

    def __post_init__(self) -> None:
        for name in ("pj_per_ac", "pj_per_mac"):
            check_number(getattr(self, name), name, low=0, unit="pJ")


def out_degree(weights: np.ndarray) -> np.ndarray:
    """Outgoing connections of each neuron of a weight matrix (``weights[i, j]``: j -> i).

    Parameters
    ----------
    weights : ndarray, shape (n, n)
        A scaffold's weights (``weights`` of :class:`s2decode.atlas.Scaffold`).

    Returns
    -------
    degree : ndarray of int, shape (n,)
        Non-zero entries of each column, the diagonal excluded.
    """
    w = np.asarray(weights)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"`weights` must be a square matrix, got shape {w.shape}.")
    nonzero = w != 0
    np.fill_diagonal(nonzero, False)
    return nonzero.sum(axis=0)


def _check_degree(degree, n_neurons: int) -> np.ndarray:
    if degree is None:
        return np.full(n_neurons, max(n_neurons - 1, 0), dtype=float)
    degree = np.asarray(degree, dtype=float)
    if degree.shape != (n_neurons,) or not np.all(np.isfinite(degree)) or np.any(degree < 0):
        raise ValueError(
            f"`out_degree` must hold one non-negative number per neuron ({n_neurons}), got "
            f"shape {degree.shape}; energy.out_degree(scaffold.weights) gives it."
        )
    return degree


def _check_windows(spikes: SpikeTrains, windows) -> np.ndarray:
    if windows is None:
        return np.array([[spikes.t_start, spikes.t_stop]])
    win = np.asarray(windows, dtype=float)
    if win.ndim != 2 or win.shape[1] != 2 or len(win) == 0 or np.any(win[:, 1] <= win[:, 0]):
        raise ValueError(
            "`windows` must be rows [start, stop] with start < stop (shape (n_windows, 2)), "
            f"got {win.tolist()}."
        )
    return win


def synaptic_operations(
    spikes: SpikeTrains,
    out_degree: Sequence[float] | np.ndarray | None = None,
    windows: np.ndarray | None = None,
) -> np.ndarray:
    """Synaptic events per trial (and window): each spike times its neuron's fan-out.

    Parameters
    ----------
    spikes : SpikeTrains
        Simulated (or recorded) spike trains.
    out_degree : array-like, shape (n_neurons,) | None
        Outgoing connections per neuron (:func:`out_degree` of the scaffold's weights);
        ``None``: all-to-all, ``n_neurons - 1``.
    windows : ndarray, shape (n_windows, 2) | None
        Windows (s, closed); ``None``: the whole observation window.

    Returns
    -------
    ops : ndarray, shape (n_trials, n_windows)
        Accumulates.
    """
    if not isinstance(spikes, SpikeTrains):
        raise TypeError(f"`spikes` must be SpikeTrains, got {type(spikes).__name__}.")
    degree = _check_degree(out_degree, spikes.n_neurons)
    counts = spikes.window_counts(_check_windows(spikes, windows))
    return counts @ degree


def dense_operations(n_neurons: int, updates: float | np.ndarray = 1.0) -> np.ndarray:
    """Multiply-accumulates of a dense ``n x n`` layer updated ``updates`` times.

    Parameters
    ----------
    n_neurons : int
        Units of the dense layer (as many as the spiking network's neurons).
    updates : float | ndarray
        Updates (e.g. input samples) per window; at least one is counted.

    Returns
    -------
    macs : ndarray
        ``max(updates, 1) * n_neurons**2``, the shape of ``updates``.
    """
    check_number(n_neurons, "n_neurons", low=0, integer=True)
    updates = np.asarray(updates, dtype=float)
    if not np.all(np.isfinite(updates)) or np.any(updates < 0):
        raise ValueError(f"`updates` must be non-negative numbers, got {updates!r}.")
    return np.maximum(updates, 1.0) * float(n_neurons) ** 2


def energy_table(
    spikes: SpikeTrains,
    *,
    out_degree: Sequence[float] | np.ndarray | None = None,
    dense_updates: float | np.ndarray = 1.0,
    windows: np.ndarray | None = None,
    model: EnergyModel | None = None,
) -> pd.DataFrame:
    """Energy of each trial (and window) of a spiking network against a dense network.

    Parameters
    ----------
    spikes : SpikeTrains
        The network's spikes.
    out_degree : array-like, shape (n_neurons,) | None
        Fan-out per neuron (:func:`out_degree` of the scaffold's weights); ``None``:
        all-to-all.
    dense_updates : float | ndarray, shape (n_windows,)
        Updates of the dense network per window (its input samples: ``sfreq`` times the
        window's length for a recording; 1 for a static pattern).
    windows : ndarray, shape (n_windows, 2) | None
        Windows (s); ``None``: the whole observation window.
    model : EnergyModel | None
        Energy per operation; ``None``: the 45 nm defaults.

    Returns
    -------
    table : DataFrame
        One row per trial and window: ``trial``, ``window``, ``n_spikes``,
        ``synaptic_ops``, ``snn_pj``, ``dense_macs``, ``dense_pj`` and ``ratio``
        (``snn_pj / dense_pj``: below 1, the spiking network is cheaper in arithmetic).
    """
    model = EnergyModel() if model is None else model
    if not isinstance(model, EnergyModel):
        raise TypeError(f"`model` must be an EnergyModel, got {type(model).__name__}.")
    win = _check_windows(spikes, windows)
    ops = synaptic_operations(spikes, out_degree, win)
    counts = spikes.window_counts(win).sum(axis=2)
    updates = np.broadcast_to(np.asarray(dense_updates, dtype=float), (len(win),))
    macs = np.broadcast_to(dense_operations(spikes.n_neurons, updates), ops.shape)
    snn = ops * model.pj_per_ac
    dense = macs * model.pj_per_mac
    trial, window = np.meshgrid(np.arange(spikes.n_trials), np.arange(len(win)), indexing="ij")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(dense > 0, snn / np.where(dense > 0, dense, 1.0), np.nan)
    return pd.DataFrame(
        {
            "trial": trial.ravel(),
            "window": window.ravel(),
            "n_spikes": counts.ravel(),
            "synaptic_ops": ops.ravel(),
            "snn_pj": snn.ravel(),
            "dense_macs": macs.ravel(),
            "dense_pj": dense.ravel(),
            "ratio": ratio.ravel(),
        }
    )

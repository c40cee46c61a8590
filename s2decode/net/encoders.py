"""Input encoders: how a trial's signals reach the S2-Net neurons.

Each encoder turns the trials into a :class:`Drive`: a held input current (rows of
``x_i`` values, one row per input sample, held until the next) and/or input events
(kicks of ``+-g_event`` on the membrane at given integration steps). Four codings:

``current``
    ``I_i(t) = I_bias + g_in * x_i(t)``, the signal held sample by sample (zero-order hold).
``delta``
    Delta modulation: an event ``+g_event`` (``-g_event``) each time ``x_i`` rose (fell) by
    ``delta`` since the last event. Several events in one input sample go out on
    consecutive integration steps.
``poisson``
    Poisson events at the rate ``max(0, rate_offset + rate_gain * x_i(t))`` Hz.
``spikes``
    Recorded spike trains, one event per spike, into their parcel's neuron.

Times are mapped to network time by ``time_scale`` (network seconds per data second).
Events are put on the integration grid (step ``floor(t / dt)``); a generator can fire once
per step, so Poisson and recorded events that land on the same step of the same neuron are
merged (rates far below ``1 / dt`` make this negligible).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_number
from ..spiketrains import SpikeTrains
from .config import S2NetConfig


@dataclass
class Drive:
    """Encoded input of ``n_trials`` trials on ``n_neurons`` neurons.

    Attributes
    ----------
    current : ndarray, shape (n_trials, n_rows, n_neurons)
        Held input ``x`` (multiplied by ``g_in`` in the network); ``n_rows == 1`` and zeros
        for event-only codings.
    row_rate : float
        Rows per network second.
    ev_trial, ev_neuron, ev_step : ndarray of int64
        One entry per input event: trial, target neuron and integration step.
    ev_sign : ndarray of int8
        +1 or -1 (kick ``+-g_event``).
    duration : float
        Network seconds to simulate.
    t_start : float
        Network time of the start of the trials (``time[0] * time_scale``).
    """

    current: np.ndarray
    row_rate: float
    ev_trial: np.ndarray
    ev_neuron: np.ndarray
    ev_step: np.ndarray
    ev_sign: np.ndarray
    duration: float
    t_start: float

    @property
    def n_trials(self) -> int:
        return self.current.shape[0]

    @property
    def n_rows(self) -> int:
        return self.current.shape[1]

    @property
    def n_neurons(self) -> int:
        return self.current.shape[2]

    @property
    def has_events(self) -> bool:
        return self.ev_step.size > 0

    def events_per_trial(self) -> np.ndarray:
        """Number of events of each trial."""
        return np.bincount(self.ev_trial, minlength=self.n_trials)


def standardize(x: np.ndarray) -> np.ndarray:
    """z-score along the last axis (time); constant signals become 0."""
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=-1, keepdims=True)
    std = x.std(axis=-1, keepdims=True)
    # constant means equal samples: a rounded mean leaves a std of ~1e-17 that must not count
    varies = (np.ptp(x, axis=-1, keepdims=True) > 0) & (std > 0)
    return np.divide(x - mean, std, out=np.zeros_like(x), where=varies)


def _empty_events():
    e = np.empty(0, dtype=np.int64)
    return e, e.copy(), e.copy(), np.empty(0, dtype=np.int8)


def _n_steps(duration: float, dt: float) -> int:
    return round(duration / dt)


def encode(
    x: np.ndarray | SpikeTrains,
    sfreq: float | None,
    config: S2NetConfig,
    rng: np.random.Generator,
    duration: float | None = None,
    t_start: float = 0.0,
) -> Drive:
    """Encode trials with the coding chosen by ``config.encoder``.

    Parameters
    ----------
    x : ndarray, shape (n_trials, n_neurons, n_times) | SpikeTrains
        Signals (``current``, ``delta``, ``poisson``) or recorded spike trains (``spikes``).
    sfreq : float | None
        Sampling frequency in Hz of ``x`` (data time); unused for spike trains.
    config : S2NetConfig
        Encoder, gains, ``time_scale`` and ``dt``.
    rng : numpy.random.Generator
        Source of the Poisson events.
    duration : float | None
        Network seconds to simulate; ``None`` gives the length of the trials times
        ``time_scale``. Longer durations hold the last sample.
    t_start : float
        Data time of the first sample (or ``SpikeTrains.t_start``); the output keeps it,
        scaled.

    Returns
    -------
    drive : Drive
        The encoded input.
    """
    scale = config.time_scale
    if isinstance(x, SpikeTrains):
        if config.encoder != "spikes":
            raise ValueError(
                "Recorded spike trains can only drive the network with encoder='spikes'; "
                f"got encoder={config.encoder!r}. Use S2NetConfig(encoder='spikes')."
            )
        natural = x.duration * scale
        duration = natural if duration is None else float(duration)
        return _spike_drive(x, config, duration)

    if config.encoder == "spikes":
        raise ValueError(
            "encoder='spikes' needs recorded spike trains (a SpikeTrains, or a trials "
            "DataArray with measure='spike_counts')."
        )
    x = np.asarray(x, dtype=float)
    if x.ndim != 3:
        raise ValueError(f"`trials` must be 3-D (n_trials, n_parcels, n_times), got {x.shape}.")
    sfreq = check_number(sfreq, "sfreq", low=0, strict_low=True, unit="Hz")
    n_trials, n_neurons, n_times = x.shape
    if n_times == 0:
        raise ValueError("`trials` has no time samples.")
    row_rate = float(sfreq) / scale
    natural = n_times / row_rate
    duration = natural if duration is None else float(duration)
    if not duration > 0:
        raise ValueError(f"`duration` must be positive, got {duration!r}.")
    if duration < config.dt * 10:
        raise ValueError(
            f"The network would run {duration:g} s, under 10 integration steps; lengthen "
            "the trials, raise time_scale, or pass duration=."
        )
    if config.standardize:
        x = standardize(x)
    t0 = t_start * scale
    if config.encoder == "current":
        current = np.ascontiguousarray(np.transpose(x, (0, 2, 1)))
        return Drive(current, row_rate, *_empty_events(), duration, t0)

    zero = np.zeros((n_trials, 1, n_neurons))
    if config.encoder == "delta":
        events = _delta_events(x, config.delta, row_rate, config.dt, duration)
    else:  # poisson
        events = _poisson_events(x, config, row_rate, duration, rng)
    return Drive(zero, row_rate, *events, duration, t0)


def _delta_events(x: np.ndarray, delta: float, row_rate: float, dt: float, duration: float):
    """Delta modulation of every (trial, neuron) series, vectorised over series."""
    n_times = x.shape[-1]
    level = x[..., 0].copy()
    counts = np.zeros(x.shape, dtype=np.int64)
    for k in range(1, n_times):
        # trunc((x - level) / delta) events, signed; the level follows by whole steps.
        c = np.trunc((x[..., k] - level) / delta).astype(np.int64)
        counts[..., k] = c
        level += c * delta
    trial, neuron, sample = np.nonzero(counts)
    c = counts[trial, neuron, sample]
    reps = np.abs(c)
    trial, neuron, sample = (np.repeat(a, reps) for a in (trial, neuron, sample))
    sign = np.repeat(np.sign(c), reps).astype(np.int8)
    # the j-th event of one sample goes out j steps after the sample's onset
    starts = np.cumsum(reps) - reps
    rank = np.arange(reps.sum()) - np.repeat(starts, reps)
    step = np.floor(sample / row_rate / dt + 1e-6).astype(np.int64) + rank
    keep = step < _n_steps(duration, dt)
    order = np.lexsort((neuron[keep], step[keep], trial[keep]))
    return (trial[keep][order], neuron[keep][order], step[keep][order], sign[keep][order])


def _poisson_events(x, config: S2NetConfig, row_rate: float, duration: float, rng):
    """Poisson events at the held rate of each sample (the last sample held to the end)."""
    n_times = x.shape[-1]
    dt = config.dt
    rates = np.maximum(0.0, config.rate_offset + config.rate_gain * x)
    edges = np.arange(n_times + 1) / row_rate
    edges = np.minimum(edges, duration)
    edges[-1] = duration  # the last sample lasts to the end
    lengths = np.diff(edges)
    counts = rng.poisson(rates * lengths)
    trial, neuron, sample = np.nonzero(counts)
    reps = counts[trial, neuron, sample]
    trial, neuron, sample = (np.repeat(a, reps) for a in (trial, neuron, sample))
    t = edges[sample] + rng.random(sample.size) * lengths[sample]
    step = np.floor(t / dt).astype(np.int64)
    return _unique_events(trial, neuron, step, np.ones(step.size, dtype=np.int8), duration, dt)


def _unique_events(trial, neuron, step, sign, duration, dt):
    keep = (step >= 0) & (step < _n_steps(duration, dt))
    trial, neuron, step, sign = trial[keep], neuron[keep], step[keep], sign[keep]
    order = np.lexsort((neuron, step, trial))
    trial, neuron, step, sign = trial[order], neuron[order], step[order], sign[order]
    if step.size:
        dup = np.zeros(step.size, dtype=bool)
        dup[1:] = (trial[1:] == trial[:-1]) & (neuron[1:] == neuron[:-1]) & (step[1:] == step[:-1])
        trial, neuron, step, sign = trial[~dup], neuron[~dup], step[~dup], sign[~dup]
    return trial.astype(np.int64), neuron.astype(np.int64), step.astype(np.int64), sign


def _spike_drive(st: SpikeTrains, config: S2NetConfig, duration: float) -> Drive:
    counts = np.diff(st.offsets)
    train = np.repeat(np.arange(st.n_trials * st.n_neurons), counts)
    trial, neuron = np.divmod(train, st.n_neurons)
    t = (st.times - st.t_start) * config.time_scale
    step = np.floor(t / config.dt + 1e-9).astype(np.int64)
    events = _unique_events(
        trial, neuron, step, np.ones(step.size, dtype=np.int8), duration, config.dt
    )
    zero = np.zeros((st.n_trials, 1, st.n_neurons))
    return Drive(zero, 1.0 / duration, *events, duration, st.t_start * config.time_scale)

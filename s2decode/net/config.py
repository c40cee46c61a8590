"""Every parameter of S2-Net in one validated, YAML-serialisable dataclass."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

#: How inputs reach the neurons (:attr:`S2NetConfig.encoder`).
ENCODERS = ("current", "delta", "poisson", "spikes")
WEIGHT_NORMS = ("mean_in_strength", "none")
#: The mechanisms :meth:`S2NetConfig.ablation` can take out, one at a time.
ABLATIONS = ("kappa", "delays", "memory", "scaffold")


@dataclass(frozen=True)
class S2NetConfig:
    """Parameters of S2-Net (see ``docs/s2net.md`` for the equations they enter).

    Membrane potentials are in units of the firing threshold (threshold 1, reset 0), so every
    current, kick and coupling below is dimensionless "threshold units". Times are in seconds,
    frequencies in Hz. Instances are immutable; derive variants with :meth:`replace` or
    :meth:`ablation`.

    Parameters
    ----------
    dt : float
        Integration step in s (default 0.1 ms). Must be much smaller than ``tau_m``
        (``dt <= tau_m / 10``) and than ``T_w``.
    tau_m : float
        Membrane time constant in s.
    t_ref : float
        Absolute refractory period in s (the potential is held at the reset value 0 and
        inputs arriving meanwhile are lost).
    I_bias : float
        Constant drive in threshold units (``I_bias > 1`` fires without input).
    g_in : float
        Gain of the current coding: the input current is ``I_bias + g_in * x_i(t)`` with
        ``x_i`` the (standardised) signal of parcel ``i``.
    J : float
        Recurrent coupling: a spike of ``j`` arriving at ``i`` adds ``J * w_ij`` to ``v_i``,
        with ``w`` the scaffold weights after ``weight_norm``.
    kappa : float
        Strength of the top-down modulation current ``kappa * m_i(t)`` (``0`` removes it).
    T_w : float
        Memory window in s of the complex spike-history traces ``z_i`` and ``y_i`` (their
        decay time constant).
    f_omega : float or sequence of float
        Intrinsic frequency in Hz of the traces (angular frequency ``omega = 2 pi f_omega``),
        one value for all parcels or one per parcel. It should match the rhythm the neurons
        fire at (see :func:`s2decode.net.f_omega_from_rates`).
    eps : float
        Regulariser of the normalisation ``g(r) = r / (r + eps)`` of the trace magnitudes.
    normalize : bool
        ``True`` (default): ``m = sin(arg y - arg z) g(|z|) g(|y|)``, bounded in [-1, 1].
        ``False``: ``m = Im(y conj(z)) / (|z| + eps)``, which grows with the neighbours'
        firing.
    delays : bool
        ``True`` uses the scaffold's conduction delays; ``False`` sets every delay to
        ``tau_0`` (the "delays off" ablation).
    tau_0 : float
        Delay in s of every connection when ``delays`` is ``False``.
    weight_norm : {"mean_in_strength", "none"}
        ``"mean_in_strength"`` divides the scaffold weights by the mean over neurons of their
        summed incoming weight, so that ``J`` is the kick an average neuron receives when all
        its neighbours fire once. ``"none"`` uses the weights as given.
    shuffle_scaffold : bool
        Randomly reassign the (weight, delay) pairs of the scaffold's connections to other
        ordered pairs of parcels (same weight distribution, random topology; drawn from the
        ``seed`` of the simulation).
    encoder : {"current", "delta", "poisson", "spikes"}
        Input coding: ``"current"`` drives the membrane with ``I_bias + g_in * x``;
        ``"delta"`` sends an input event of ``+-g_event`` whenever ``x`` moved by
        ``+-delta`` since the last event; ``"poisson"`` draws input events at rate
        ``max(0, rate_offset + rate_gain * x)`` Hz, each a kick ``g_event``; ``"spikes"``
        feeds recorded spike trains, one kick ``g_event`` per recorded spike.
    standardize : bool
        z-score each parcel's signal within each trial before encoding (constant signals
        become 0).
    delta : float
        Step of the delta modulator, in units of the (standardised) signal.
    g_event : float
        Kick of one input event, in threshold units.
    rate_offset, rate_gain : float
        Poisson coding: rate in Hz is ``max(0, rate_offset + rate_gain * x)``.
    time_scale : float
        Network seconds per data second. ``1`` for EEG/MEG/spikes; for slow signals map one
        sample to tens of milliseconds, e.g. ``0.01`` turns an fMRI TR of 2.5 s into 25 ms.
    v_init : float
        Initial potentials are drawn uniformly in ``[0, v_init)`` (from the seed), which
        avoids an artificial synchronous first volley.
    record_dt : float
        Sampling step in s of the optional recording of phase, rho and modulation.
    g_inh : float
        Strength of the global inhibition (threshold units; ``0``, the default, leaves it
        out). Each trial gets one inhibitory unit whose level ``s`` rises by ``1 / n`` at
        every spike of its ``n`` neurons and decays with ``tau_inh`` (``s`` is the recent
        fraction of the trial's neurons that fired); every neuron of the trial receives the
        current ``-g_inh * s``, the global inhibitor of LEGION (Terman & Wang 1995) in
        integrate-and-fire form (Campbell, Wang & Jayaprakash 1999).
    tau_inh : float
        Decay time constant in s of the inhibition level ``s``.

    Examples
    --------
    >>> cfg = S2NetConfig(kappa=0.2)
    >>> cfg.ablation("kappa").kappa
    0.0
    >>> S2NetConfig.from_yaml(cfg.to_yaml()) == cfg
    True
    """

    dt: float = 1e-4
    tau_m: float = 10e-3
    t_ref: float = 2e-3
    I_bias: float = 0.95
    g_in: float = 0.2
    J: float = 0.2
    kappa: float = 0.1
    T_w: float = 50e-3
    f_omega: float | tuple[float, ...] = 20.0
    eps: float = 0.1
    normalize: bool = True
    delays: bool = True
    tau_0: float = 1e-3
    weight_norm: str = "mean_in_strength"
    shuffle_scaffold: bool = False
    encoder: str = "current"
    standardize: bool = True
    delta: float = 0.5
    g_event: float = 0.3
    rate_offset: float = 20.0
    rate_gain: float = 10.0
    time_scale: float = 1.0
    v_init: float = 1.0
    record_dt: float = 1e-3
    g_inh: float = 0.0
    tau_inh: float = 5e-3

    def __post_init__(self) -> None:
        if isinstance(self.f_omega, (Sequence, np.ndarray)) and not isinstance(self.f_omega, str):
            object.__setattr__(self, "f_omega", tuple(float(f) for f in self.f_omega))
        self._validate()

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        def positive(name: str) -> float:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise TypeError(f"S2NetConfig.{name} must be a number, got {value!r}.")
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"S2NetConfig.{name} must be positive and finite, got {value!r}.")
            return float(value)

        def finite(name: str, minimum: float | None = None) -> float:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise TypeError(f"S2NetConfig.{name} must be a number, got {value!r}.")
            if not math.isfinite(value):
                raise ValueError(f"S2NetConfig.{name} must be finite, got {value!r}.")
            if minimum is not None and value < minimum:
                raise ValueError(f"S2NetConfig.{name} must be >= {minimum}, got {value!r}.")
            return float(value)

        for name in (
            "dt",
            "tau_m",
            "T_w",
            "eps",
            "tau_0",
            "delta",
            "time_scale",
            "record_dt",
            "tau_inh",
        ):
            positive(name)
        for name in ("I_bias", "g_in", "kappa", "rate_offset", "rate_gain"):
            finite(name)
        for name in ("t_ref", "J", "g_event", "g_inh"):
            finite(name, minimum=0.0)
        finite("v_init", minimum=0.0)
        if self.v_init > 1:
            raise ValueError(f"S2NetConfig.v_init must be in [0, 1], got {self.v_init!r}.")
        if self.dt > self.tau_m / 10:
            raise ValueError(
                f"S2NetConfig.dt ({self.dt:g} s) must be much smaller than tau_m "
                f"({self.tau_m:g} s): at most tau_m / 10. Lower dt or raise tau_m."
            )
        if self.dt > self.T_w / 2:
            raise ValueError(
                f"S2NetConfig.dt ({self.dt:g} s) must be at most T_w / 2 ({self.T_w:g} s); "
                "a memory window shorter than two steps is not resolved."
            )
        if self.record_dt < self.dt:
            raise ValueError(
                f"S2NetConfig.record_dt ({self.record_dt:g} s) must be >= dt ({self.dt:g} s)."
            )
        freqs = np.atleast_1d(np.asarray(self.f_omega, dtype=float))
        if freqs.ndim != 1 or freqs.size == 0 or not np.all(np.isfinite(freqs)):
            raise ValueError(
                f"S2NetConfig.f_omega must be a finite number or a sequence of them, got "
                f"{self.f_omega!r}."
            )
        if np.any(freqs < 0) or np.any(freqs >= 0.5 / self.dt):
            raise ValueError(
                "S2NetConfig.f_omega must lie in [0, 1 / (2 dt)) Hz (the Nyquist frequency "
                f"of the integration step), got {self.f_omega!r}."
            )
        for name in ("normalize", "delays", "shuffle_scaffold", "standardize"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"S2NetConfig.{name} must be True or False.")
        if self.encoder not in ENCODERS:
            raise ValueError(
                f"S2NetConfig.encoder must be one of {ENCODERS}, got {self.encoder!r}."
            )
        if self.weight_norm not in WEIGHT_NORMS:
            raise ValueError(
                f"S2NetConfig.weight_norm must be one of {WEIGHT_NORMS}, got {self.weight_norm!r}."
            )

    # ------------------------------------------------------------------ variants
    def replace(self, **changes: Any) -> S2NetConfig:
        """A copy with some parameters changed (validated)."""
        unknown = set(changes) - {f.name for f in fields(self) if not f.name.startswith("_")}
        if unknown:
            raise TypeError(f"Unknown S2NetConfig parameter(s): {', '.join(sorted(unknown))}.")
        return dataclasses.replace(self, **changes)

    def ablation(self, name: str, memory_window: float = 2e-3) -> S2NetConfig:
        """The configuration with one mechanism of S2-Net removed.

        Parameters
        ----------
        name : {"kappa", "delays", "memory", "scaffold"}
            ``"kappa"``: no top-down modulation (``kappa = 0``); ``"delays"``: every
            conduction delay set to ``tau_0``; ``"memory"``: a short memory window
            ``T_w = memory_window``; ``"scaffold"``: the scaffold shuffled (same weights,
            random topology).
        memory_window : float
            ``T_w`` in s for the ``"memory"`` ablation (default 2 ms, i.e. no memory of
            past cycles).

        Returns
        -------
        config : S2NetConfig
            The ablated configuration.
        """
        if name == "kappa":
            return self.replace(kappa=0.0)
        if name == "delays":
            return self.replace(delays=False)
        if name == "memory":
            return self.replace(T_w=float(memory_window))
        if name == "scaffold":
            return self.replace(shuffle_scaffold=True)
        raise ValueError(f"Unknown ablation {name!r}; choose one of {ABLATIONS}.")

    # ------------------------------------------------------------------ derived values
    def omega(self, n_parcels: int) -> np.ndarray:
        """Angular frequencies (rad/s), one per parcel."""
        freqs = np.atleast_1d(np.asarray(self.f_omega, dtype=float))
        if freqs.size == 1:
            return np.full(n_parcels, 2 * np.pi * freqs[0])
        if freqs.size != n_parcels:
            raise ValueError(
                f"S2NetConfig.f_omega has {freqs.size} values for {n_parcels} parcels; give one "
                "value or one per parcel."
            )
        return 2 * np.pi * freqs

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary of the parameters (YAML/JSON friendly)."""
        out = {}
        for f in fields(self):
            if f.name.startswith("_"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = [float(v) for v in value]
            elif isinstance(value, (np.bool_, bool)):
                value = bool(value)
            elif isinstance(value, (np.floating, float)):
                value = float(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, params: Mapping[str, Any]) -> S2NetConfig:
        """Build from a dictionary; unknown keys raise an error naming them."""
        known = {f.name for f in fields(cls) if not f.name.startswith("_")}
        unknown = set(params) - known
        if unknown:
            raise ValueError(
                f"Unknown S2NetConfig parameter(s): {', '.join(sorted(unknown))}. Known: "
                f"{', '.join(sorted(known))}."
            )
        return cls(**dict(params))

    def to_yaml(self, fname: str | os.PathLike | None = None) -> str:
        """The parameters as YAML text; also written (atomically) to ``fname`` if given."""
        import yaml

        text = yaml.safe_dump({"s2net": self.to_dict()}, sort_keys=False)
        if fname is not None:
            from .._io_utils import atomic_write_text

            atomic_write_text(fname, text)
        return text

    @classmethod
    def from_yaml(cls, source: str | os.PathLike) -> S2NetConfig:
        """Read parameters from a YAML file or YAML text (top-level key ``s2net`` optional)."""
        import yaml

        if isinstance(source, os.PathLike) or (
            isinstance(source, str)
            and "\n" not in source
            and Path(source).suffix in (".yaml", ".yml")
        ):
            path = Path(source)
            if not path.exists():
                raise FileNotFoundError(f"No S2NetConfig YAML file at {path}.")
            source = path.read_text()
        data = yaml.safe_load(source) or {}
        if not isinstance(data, dict):
            raise ValueError("An S2NetConfig YAML document must be a mapping of parameters.")
        if "s2net" in data and isinstance(data["s2net"], dict):
            data = data["s2net"]
        return cls.from_dict(data)


def f_omega_from_rates(
    spikes, min_rate: float = 1.0, max_rate: float | None = None, silent=None
) -> tuple[float, ...]:
    """Per-parcel intrinsic frequencies matched to the firing rates of a simulation.

    The modulation only synchronises when ``omega`` follows the rhythm the neurons fire at
    (``docs/s2net.md``); a first simulation with a guess, then this, gives per-parcel values
    for ``S2NetConfig.f_omega``. ``S2Featurizer(omega="rates")`` learns its ``f_omega_``
    with it, from a pilot simulation of training trials.

    Parameters
    ----------
    spikes : SpikeTrains
        Output of :func:`s2decode.net.simulate` (e.g. on training trials).
    min_rate : float
        Floor in Hz for slow or silent parcels.
    max_rate : float | None
        Ceiling in Hz (e.g. what the time step resolves); ``None``: none.
    silent : float | array-like | None
        Frequency (Hz; one per parcel, or one for all) of parcels firing below
        ``min_rate``, instead of ``min_rate`` (e.g. the configuration's own ``f_omega``).

    Returns
    -------
    f_omega : tuple of float
        Mean firing rate of each parcel over trials, in Hz, within the bounds.

    Examples
    --------
    >>> from s2decode.spiketrains import SpikeTrains
    >>> st = SpikeTrains.from_lists([[np.arange(0, 1, 0.05), np.array([])]], 0.0, 1.0)
    >>> f_omega_from_rates(st)
    (20.0, 1.0)
    >>> f_omega_from_rates(st, max_rate=10.0, silent=8.0)
    (10.0, 8.0)
    """
    rates = spikes.spike_counts().mean(axis=0) / spikes.duration
    low = float(min_rate)
    bounded = np.maximum(rates, low) if max_rate is None else np.clip(rates, low, float(max_rate))
    if silent is not None:
        bounded = np.where(rates >= low, bounded, silent)
    return tuple(float(r) for r in bounded)

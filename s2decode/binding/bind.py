"""One call: a scene's pixels through S2-Net, their phases grouped, the grouping scored.

Every pixel is a neuron on a grid scaffold (:func:`~s2decode.binding.grid_scaffold`),
driven by its grey level as a static input current; background pixels (0) stay below
threshold. Where ``gate`` is set, a connection between neighbours is weighted by how alike
their grey levels are (``exp(-(x_i - x_j)^2 / (2 gate^2))``: local excitation between
similar pixels, the principle of oscillatory-correlation segmentation, LEGION, Wang & Terman
1997), so every scene has its own weights; scenes still run many to a network
(:func:`s2decode.net.simulate` with one scaffold per trial). The phases ``phi = arg z`` of the
neurons' spike-history traces over the last part of the trial are grouped into
``n_objects`` clusters (the neurons that never fired in that window form a group of their
own) and scored by the foreground ARI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._checks import check_number, check_option
from .grid import grid_scaffold
from .scenes import Scenes
from .segment import CLUSTER_METHODS, fg_ari, group_phases, value_clusters

#: Grid delays of the binding task: ``tau_0`` (s) at zero distance and the velocity (m/s).
GRID_TAU_0 = 1e-4
GRID_VELOCITY = 5.0


def binding_config(**changes):
    """The S2-Net configuration of the binding task (grey levels as currents).

    ``I_bias = 0.91`` keeps background pixels silent and ``g_in = 0.4`` puts the objects'
    grey levels (0.35-1) just above threshold (rates about 35-60 Hz, so that a volley
    crossing an object takes a small part of a cycle); ``J = 0.7`` couples neighbours,
    ``kappa = 0.2`` with ``f_omega = 50`` Hz (the rhythm the objects fire at) is the top-down
    modulation; ``tau_0 = 0.1`` ms is the delay every connection gets in the "delays off"
    ablation (the grid's delay at zero distance); phases recorded every ms. Chosen on
    development scenes (``make_scenes(16, k, seed=1)`` for ``k`` = 2, 3, 4), never on the
    benchmark's (seeds 2, 3, 4); ``docs/mechanisms.md`` says what each choice gave.

    Parameters
    ----------
    **changes
        Parameters to change (:class:`s2decode.net.S2NetConfig`).

    Returns
    -------
    config : S2NetConfig
    """
    from ..net import S2NetConfig

    base = {"I_bias": 0.91, "g_in": 0.4, "J": 0.7, "kappa": 0.2, "f_omega": 50.0,
            "tau_0": GRID_TAU_0, "standardize": False, "record_dt": 1e-3}  # fmt: skip
    return S2NetConfig(**{**base, **changes})


@dataclass(frozen=True)
class BindingResult:
    """What :func:`bind` found in each scene.

    Attributes
    ----------
    labels : ndarray of int, shape (n_scenes, height, width)
        The group of every pixel (``n_objects`` groups of firing pixels, numbered from 0,
        and the group ``n_objects`` of the pixels that did not fire in the window).
    fg_ari : ndarray, shape (n_scenes,)
        Foreground ARI against the scenes' masks.
    rates : ndarray, shape (n_scenes, height, width)
        Firing rate of every pixel's neuron (Hz).
    seconds : ndarray, shape (n_scenes,)
        Wall time of each scene: its share of its batch's simulation, plus its clustering.
    cluster_seconds : ndarray, shape (n_scenes,)
        The clustering's part of ``seconds``.
    synaptic_ops : ndarray, shape (n_scenes,)
        Synaptic events of the scene (spikes times fan-out, plus one event into the
        inhibitory unit per spike where ``g_inh > 0``): :mod:`s2decode.energy`.
    energy_pj : ndarray, shape (n_scenes,)
        ``synaptic_ops`` at 0.9 pJ per accumulate (:class:`s2decode.energy.EnergyModel`).
    fired : ndarray of bool, shape (n_scenes, height, width)
        Which pixels' neurons fired in the window whose phases were grouped.
    phases : ndarray, shape (n_scenes, height * width, n_times) | None
        The phases clustered (``keep_phases=True``), in radians (float32; 0 before a
        neuron's first spike).
    """

    labels: np.ndarray
    fg_ari: np.ndarray
    rates: np.ndarray
    seconds: np.ndarray
    cluster_seconds: np.ndarray
    synaptic_ops: np.ndarray
    energy_pj: np.ndarray
    fired: np.ndarray
    phases: np.ndarray | None = None


def bind(
    scenes: Scenes,
    *,
    config=None,
    neighbours: int = 8,
    gate: float | None = 0.05,
    tau_0: float = GRID_TAU_0,
    velocity: float = GRID_VELOCITY,
    duration: float = 0.5,
    late: float = 0.5,
    method: str = "kmeans",
    backend: str = "auto",
    seed: int = 0,
    batch_size: int = 16,
    keep_phases: bool = False,
    progress: bool = False,
) -> BindingResult:
    """Run S2-Net on each scene and group its pixels by phase.

    Parameters
    ----------
    scenes : Scenes
        Images and masks (:func:`~s2decode.binding.make_scenes`, or
        :meth:`Scenes.from_arrays` for your own).
    config : S2NetConfig | None
        Network parameters; ``None``: :func:`binding_config`. Ablate with
        ``binding_config().ablation("kappa")`` and the like.
    neighbours : {4, 8}
        Grid connectivity.
    gate : float | None
        Width of the grey-level similarity gate of the weights; ``None``: every
        neighbour coupled alike (one scaffold for all scenes).
    tau_0, velocity : float
        Grid delays: ``tau_0 + distance / velocity`` (s, m/s; pixels 1 mm apart), see
        :func:`~s2decode.binding.grid_scaffold`.
    duration : float
        Network seconds each scene is shown.
    late : float
        Fraction of the trial, at its end, whose phases are grouped.
    method : {"kmeans", "spectral", "synchrony"}
        :func:`~s2decode.binding.cluster_phases`.
    backend : {"auto", "cython", "numpy", "cpp_standalone"}
        Brian2 backend (:func:`s2decode.net.simulate`; every backend gives the same spikes).
    seed : int
        Batch ``b`` (scenes ``b * batch_size`` onwards) is simulated with seed ``seed + b``:
        the same seed and ``batch_size`` give the same groups.
    batch_size : int
        Scenes simulated together in one network (each with its own weights; memory about
        ``batch_size`` x 20 MB for 32 x 32 scenes).
    keep_phases : bool
        Return the phases (memory: scenes x pixels x samples x 4 bytes).
    progress : bool
        Print a line after each batch.

    Returns
    -------
    result : BindingResult
    """
    from ..atlas import Scaffold
    from ..energy import EnergyModel, out_degree
    from ..net import simulate

    if not isinstance(scenes, Scenes):
        raise TypeError(
            f"`scenes` must be s2decode.binding.Scenes (make_scenes or Scenes.from_arrays), "
            f"got {type(scenes).__name__}."
        )
    check_option(method, CLUSTER_METHODS, "method")
    check_number(late, "late", low=0, high=1, strict_low=True)
    check_number(duration, "duration", low=0, strict_low=True, unit="seconds")
    check_number(batch_size, "batch_size", low=1, integer=True)
    if gate is not None:
        check_number(gate, "gate", low=0, strict_low=True)
    config = binding_config() if config is None else config
    height, width = scenes.shape
    base = grid_scaffold(height, width, neighbours=neighbours, velocity=velocity, tau_0=tau_0)
    n = height * width
    n_scenes = len(scenes)
    labels = np.zeros((n_scenes, height, width), dtype=np.int64)
    fired = np.zeros((n_scenes, height, width), dtype=bool)
    rates = np.zeros((n_scenes, height, width))
    seconds = np.zeros(n_scenes)
    cluster_seconds = np.zeros(n_scenes)
    ops = np.zeros(n_scenes)
    kept = []
    for b, start in enumerate(range(0, n_scenes, batch_size)):
        chunk = np.arange(start, min(start + batch_size, n_scenes))
        tic = time.perf_counter()
        x = np.asarray(scenes.images[chunk], dtype=float).reshape(len(chunk), n)
        if gate is None:
            scaffolds = base
            degree = np.tile(out_degree(base.weights), (len(chunk), 1))
        else:
            scaffolds, degree = [], np.zeros((len(chunk), n))
            for k, xk in enumerate(x):
                similar = np.exp(-((xk[:, None] - xk[None, :]) ** 2) / (2 * gate**2))
                weights = base.weights * similar
                # the grid's delays are shared, not copied: scaffolds differ in weights only
                scaffolds.append(Scaffold(weights, base.delays, labels=base.labels))
                degree[k] = out_degree(weights)
        spikes, record = simulate(
            x[:, :, np.newaxis], scaffolds, config, seed=seed + b, sfreq=1.0 / duration,
            duration=duration, backend=backend, record=True, batch_size=len(chunk),
        )  # fmt: skip
        del scaffolds
        counts = spikes.spike_counts()  # (scenes, neurons)
        rates[chunk] = (counts / spikes.duration).reshape(len(chunk), height, width)
        ops[chunk] = (counts * (degree + (1.0 if config.g_inh > 0 else 0.0))).sum(axis=1)
        phi_all = np.asarray(record["phi"].values, dtype=float)
        first = round((1 - late) * phi_all.shape[2])
        window_start = float(record["time"].values[first])
        share = (time.perf_counter() - tic) / len(chunk)
        for j, k in enumerate(chunk):
            tic = time.perf_counter()
            phi = np.nan_to_num(phi_all[j, :, first:])  # no spike yet: phase 0
            active = np.array([t.size > 0 and t[-1] >= window_start for t in spikes.trial(j)])
            fired[k] = active.reshape(height, width)
            groups = int(scenes.n_objects[k])
            labels[k] = group_phases(phi, active, groups, method=method).reshape(height, width)
            if keep_phases:
                kept.append(phi.astype(np.float32))
            cluster_seconds[k] = time.perf_counter() - tic
            seconds[k] = share + cluster_seconds[k]
        if progress:
            print(f"  bind: {chunk[-1] + 1}/{n_scenes} scenes", flush=True)
    return BindingResult(
        labels=labels,
        fg_ari=fg_ari(scenes.masks, labels),
        rates=rates,
        seconds=seconds,
        cluster_seconds=cluster_seconds,
        synaptic_ops=ops,
        energy_pj=ops * EnergyModel().pj_per_ac,
        fired=fired,
        phases=np.stack(kept) if keep_phases else None,
    )


def value_baseline(scenes: Scenes, values: np.ndarray | None = None) -> np.ndarray:
    """Foreground ARI of grouping pixels by one value each: the grey level (``values=None``,
    the intensity baseline) or, e.g., :attr:`BindingResult.rates` (the rate baseline)."""
    values = scenes.images if values is None else np.asarray(values)
    labels = np.stack(
        [value_clusters(v.ravel(), int(k) + 1).reshape(v.shape) for v, k in
         zip(values, scenes.n_objects, strict=True)]
    )  # fmt: skip
    return fg_ari(scenes.masks, labels)

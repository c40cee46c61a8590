"""One call: a scene's pixels through S2-Net, their phases grouped, the grouping scored.

Every pixel is a neuron on a grid scaffold (:func:`~s2decode.binding.grid_scaffold`),
driven by its grey level as a static input current; background pixels (0) stay below
threshold. Where ``gate`` is set, a connection between neighbours is weighted by how alike
their grey levels are (``exp(-(x_i - x_j)^2 / (2 gate^2))``: local excitation between
similar pixels, the principle of oscillatory-correlation segmentation, LEGION, Wang & Terman
1997), so the scaffold differs from scene to scene. The phases ``phi = arg z`` of the
neurons' spike-history traces over the last part of the trial are grouped into
``n_objects + 1`` clusters (objects and background) and scored by the foreground ARI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._checks import check_number, check_option
from .grid import grid_scaffold
from .scenes import Scenes
from .segment import CLUSTER_METHODS, cluster_phases, fg_ari, value_clusters


def binding_config(**changes):
    """The S2-Net configuration of the binding task (grey levels as currents).

    ``I_bias = 0.9`` keeps background pixels silent, ``g_in = 1`` puts the objects' grey
    levels (0.35-1) above threshold, ``J = 0.7`` and ``kappa = 1`` couple neighbours; phases
    recorded every ms. These were chosen on development scenes (``make_scenes(6, 2,
    seed=1)``), not on the benchmark's scenes (seed 0 and up).
    """
    from ..net import S2NetConfig

    base = {"I_bias": 0.9, "g_in": 1.0, "J": 0.7, "kappa": 1.0, "standardize": False,
            "record_dt": 1e-3}  # fmt: skip
    return S2NetConfig(**{**base, **changes})


@dataclass(frozen=True)
class BindingResult:
    """What :func:`bind` found in each scene.

    Attributes
    ----------
    labels : ndarray of int, shape (n_scenes, height, width)
        The group of every pixel.
    fg_ari : ndarray, shape (n_scenes,)
        Foreground ARI against the scenes' masks.
    rates : ndarray, shape (n_scenes, height, width)
        Firing rate of every pixel's neuron (Hz).
    seconds : ndarray, shape (n_scenes,)
        Wall time of each scene (simulation and clustering).
    phases : ndarray, shape (n_scenes, height * width, n_times) | None
        The phases clustered (``keep_phases=True``), in radians.
    """

    labels: np.ndarray
    fg_ari: np.ndarray
    rates: np.ndarray
    seconds: np.ndarray
    phases: np.ndarray | None = None


def bind(
    scenes: Scenes,
    *,
    config=None,
    neighbours: int = 8,
    gate: float | None = 0.05,
    duration: float = 0.5,
    late: float = 0.5,
    method: str = "spectral",
    backend: str = "cython",
    seed: int = 0,
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
        ``binding_config().ablation("kappa")``.
    neighbours : {4, 8}
        Grid connectivity.
    gate : float | None
        Width of the grey-level similarity gate of the weights; ``None``: every
        neighbour coupled alike (one scaffold for all scenes).
    duration : float
        Network seconds each scene is shown.
    late : float
        Fraction of the trial, at its end, whose phases are grouped.
    method : {"spectral", "kmeans"}
        :func:`~s2decode.binding.cluster_phases`.
    backend : str
        Brian2 backend (:func:`s2decode.net.simulate`).
    seed : int
        Scene ``k`` is simulated with seed ``seed + k`` (same seed, same groups).
    keep_phases : bool
        Return the phases (memory: scenes x pixels x samples).
    progress : bool
        Print a line every 10 scenes.

    Returns
    -------
    result : BindingResult
    """
    from ..net import simulate

    if not isinstance(scenes, Scenes):
        raise TypeError(
            f"`scenes` must be s2decode.binding.Scenes (make_scenes or Scenes.from_arrays), "
            f"got {type(scenes).__name__}."
        )
    check_option(method, CLUSTER_METHODS, "method")
    check_number(late, "late", low=0, high=1, strict_low=True)
    check_number(duration, "duration", low=0, strict_low=True, unit="seconds")
    if gate is not None:
        check_number(gate, "gate", low=0, strict_low=True)
    config = binding_config() if config is None else config
    height, width = scenes.shape
    base = grid_scaffold(height, width, neighbours=neighbours)
    n = height * width
    labels = np.zeros((len(scenes), height, width), dtype=np.int64)
    rates = np.zeros((len(scenes), height, width))
    seconds = np.zeros(len(scenes))
    kept = []
    for k in range(len(scenes)):
        start = time.perf_counter()
        x = np.asarray(scenes.images[k], dtype=float).ravel()
        scaffold = base
        if gate is not None:
            similar = np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * gate**2))
            scaffold = base.with_weights(base.weights * similar)
        spikes, record = simulate(
            x[np.newaxis, :, np.newaxis], scaffold, config, seed=seed + k,
            sfreq=1.0 / duration, duration=duration, backend=backend, record=True,
        )  # fmt: skip
        phi = np.asarray(record["phi"].values[0], dtype=float)
        phi = phi[:, round((1 - late) * phi.shape[1]) :]
        phi = np.nan_to_num(phi)  # a neuron that never fired keeps phase 0
        groups = int(scenes.n_objects[k]) + 1
        labels[k] = cluster_phases(phi, min(groups, n), method=method).reshape(height, width)
        rates[k] = (spikes.spike_counts()[0] / spikes.duration).reshape(height, width)
        if keep_phases:
            kept.append(phi)
        seconds[k] = time.perf_counter() - start
        if progress and (k + 1) % 10 == 0:
            print(f"  bind: {k + 1}/{len(scenes)} scenes", flush=True)
    return BindingResult(
        labels=labels,
        fg_ari=fg_ari(scenes.masks, labels),
        rates=rates,
        seconds=seconds,
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

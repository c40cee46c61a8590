"""Temporal binding: do S2-Net's phases group the pixels of each object of a scene?

Images become parcels on a grid scaffold (:func:`grid_scaffold`), a seeded generator makes
scenes of 2-4 overlapping shapes with their masks (:func:`make_scenes`; your own images with
:meth:`Scenes.from_arrays`), and :func:`bind` runs S2-Net on each scene, groups the pixels by
phase (:func:`group_phases`, :func:`cluster_phases`) and scores the grouping with the
foreground adjusted Rand index of the object-discovery literature (:func:`fg_ari`).
:func:`value_baseline` groups by grey level or firing rate instead, the baseline any phase
code has to beat.
"""

from .bind import BindingResult, bind, binding_config, value_baseline
from .grid import grid_coords, grid_scaffold, grid_weights
from .scenes import SHAPES, Scenes, make_scenes
from .segment import (
    CLUSTER_METHODS,
    cluster_phases,
    fg_ari,
    group_phases,
    phase_locking,
    phase_synchrony,
    value_clusters,
)

__all__ = [
    "CLUSTER_METHODS",
    "SHAPES",
    "BindingResult",
    "Scenes",
    "bind",
    "binding_config",
    "cluster_phases",
    "fg_ari",
    "grid_coords",
    "grid_scaffold",
    "grid_weights",
    "group_phases",
    "make_scenes",
    "phase_locking",
    "phase_synchrony",
    "value_baseline",
    "value_clusters",
]

"""Figures of s2decode's objects, each a function that returns a matplotlib Figure.

Nothing here calls ``pyplot``: a Figure shows itself in a notebook, and ``fig.savefig``
writes it. Use :data:`STYLE` (``with matplotlib.rc_context(STYLE): ...``) for the look of
the pipeline reports.

======================================  ==========================================
function                                draws
======================================  ==========================================
:func:`plot_raster`                     spikes of one trial, grouped by network
:func:`plot_order_parameter`            Kuramoto R(t), globally and per network
:func:`plot_plv`                        phase locking of every node pair
:func:`plot_connectome`                 strongest PLVs or weights on a glass brain
:func:`plot_scaffold`                   S2-Net's weights and conduction delays
:func:`plot_scores`                     scores per fold, chance, S2 vs best peer
:func:`plot_confusion`                  confusion matrices of pooled predictions
:func:`plot_binding`                    a scene, its objects, S2-Net's phase groups
:func:`plot_semantization`              dispersion and separability per network
======================================  ==========================================

The trial figures take the example-trial Dataset of
:func:`s2decode.estimators.example_dataset` (a run's ``example.nc``); the score figures
take a run's ``scores.csv`` and ``predictions.csv`` as DataFrames.
"""

from .binding import plot_binding
from .connectivity import (
    PLV_LABEL,
    connectome_edges,
    has_positions,
    plot_connectome,
    plot_plv,
    plot_scaffold,
)
from .scores import (
    ScoresPanels,
    best_methods,
    method_table,
    plot_confusion,
    plot_scores,
    scores_panels,
)
from .semantization import plot_semantization
from .spikes import example_title, plot_order_parameter, plot_raster, spikes_dataset
from .style import FAMILY_COLORS, FAMILY_NAMES, STYLE, family_of

__all__ = [
    "FAMILY_COLORS",
    "FAMILY_NAMES",
    "PLV_LABEL",
    "STYLE",
    "ScoresPanels",
    "best_methods",
    "connectome_edges",
    "example_title",
    "family_of",
    "has_positions",
    "method_table",
    "plot_binding",
    "plot_confusion",
    "plot_connectome",
    "plot_order_parameter",
    "plot_plv",
    "plot_raster",
    "plot_scaffold",
    "plot_scores",
    "plot_semantization",
    "scores_panels",
    "spikes_dataset",
]

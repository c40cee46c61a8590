"""Figures of connections between nodes: phase locking, connectomes on a glass brain and
S2-Net's scaffold (weights and conduction delays)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ._layout import NO_NETWORK, example_networks, label_nodes, node_layout
from .spikes import check_example, fill_doc

#: The quantity of the phase-locking colour bars (glass-brain edges and matrix).
PLV_LABEL = "PLV (phase-locking value)"
# Connectome: the strongest edges kept on the glass brain (one per node, within bounds).
_MIN_EDGES, _MAX_EDGES = 10, 80
_EDGE_CMAP = "YlOrRd"


def _edges_of(obj, func: str) -> tuple[np.ndarray, np.ndarray | None, list[str], str]:
    """(symmetric matrix with zero diagonal, MNI positions or None, networks, colour-bar
    label) of an example trial's PLV or a scaffold's weights."""
    from ..atlas import Scaffold

    if isinstance(obj, Scaffold):
        w = np.asarray(obj.weights, dtype=float)
        matrix = np.maximum(w, w.T)  # either direction: the glass brain draws no arrows
        coords = None if obj.coords is None else np.asarray(obj.coords, dtype=float)
        nets = [""] * obj.n_nodes if obj.networks is None else list(obj.networks)
        return matrix, coords, nets, "weight (either direction)"
    ex = check_example(obj, ("plv",), func)
    matrix = np.nan_to_num(ex["plv"].values.astype(float), nan=0.0)
    np.fill_diagonal(matrix, 0.0)
    coords = None
    if all(c in ex.coords for c in ("mni_x", "mni_y", "mni_z")):
        coords = np.column_stack([ex[c].values for c in ("mni_x", "mni_y", "mni_z")]).astype(float)
    nets = example_networks(ex)
    return matrix, coords, nets, PLV_LABEL


def has_positions(obj) -> bool:
    """Whether an example trial (or a scaffold) has finite MNI positions for 2+ nodes, so
    that :func:`plot_connectome` can place it on a glass brain."""
    from ..atlas import Scaffold

    if isinstance(obj, Scaffold):
        xyz = obj.coords
    elif isinstance(obj, xr.Dataset) and all(c in obj.coords for c in ("mni_x", "mni_y", "mni_z")):
        xyz = np.column_stack([obj[c].values for c in ("mni_x", "mni_y", "mni_z")])
    else:
        return False
    if xyz is None:
        return False
    xyz = np.asarray(xyz, dtype=float)
    return xyz.shape[0] >= 2 and bool(np.all(np.isfinite(xyz)))


def connectome_edges(obj, n_edges: int | None = None) -> tuple[int, float]:
    """How many edges :func:`plot_connectome` draws and the smallest value among them.

    Parameters
    ----------
    obj : xarray.Dataset | Scaffold
        An example trial (its PLV) or a scaffold (its weights).
    n_edges : int | None
        Edges to keep; ``None``: one per node, between 10 and 80.

    Returns
    -------
    n_edges : int
        Edges drawn (at most the number of node pairs).
    threshold : float
        The value of the weakest edge drawn.
    """
    matrix = _edges_of(obj, "connectome_edges")[0]
    n = matrix.shape[0]
    upper = matrix[np.triu_indices(n, 1)]
    if n_edges is None:
        n_edges = int(np.clip(n, _MIN_EDGES, _MAX_EDGES))
    elif isinstance(n_edges, bool) or not isinstance(n_edges, int | np.integer) or n_edges < 1:
        raise ValueError(f"`n_edges` must be a positive integer or None, got {n_edges!r}.")
    n_edges = int(min(upper.size, n_edges))
    threshold = float(np.sort(upper)[-n_edges]) if n_edges else 0.0
    return n_edges, threshold


def plot_connectome(obj, n_edges: int | None = None):
    """The strongest connections on a glass brain (left, top, right, front views).

    Parameters
    ----------
    obj : xarray.Dataset | Scaffold
        An example trial (:func:`s2decode.estimators.example_dataset`; edges: phase-locking
        values) or a :class:`~s2decode.atlas.Scaffold` (edges: weights); nodes need MNI
        positions (:func:`has_positions`).
    n_edges : int | None
        Edges to draw (:func:`connectome_edges`).

    Returns
    -------
    fig : matplotlib.figure.Figure
        nilearn's glass brain, nodes coloured by network, a labelled colour bar.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from nilearn.plotting import plot_connectome as nilearn_connectome

    matrix, xyz, raw_nets, label = _edges_of(obj, "plot_connectome")
    if not has_positions(obj):
        raise ValueError(
            "plot_connectome: the nodes have no MNI positions; plot_plv (an example trial) "
            "or plot_scaffold (a scaffold) draws the matrix instead."
        )
    _, nets, colors = node_layout(raw_nets)
    n = matrix.shape[0]
    n_edges, threshold = connectome_edges(obj, n_edges)
    top = float(matrix[np.triu_indices(n, 1)].max()) if n > 1 else 1.0
    kept = np.where(matrix >= threshold, matrix, 0.0) if top > 0 else matrix
    vmax = max(top, threshold + 1e-6)
    fig = Figure(figsize=(10.5, 3.6))
    nilearn_connectome(
        kept,
        xyz,
        node_color=[colors[s] for s in nets],
        node_size=float(np.clip(600 / max(n, 1), 6, 40)),
        edge_cmap=_EDGE_CMAP,
        edge_vmin=threshold,
        edge_vmax=vmax,
        edge_kwargs={"linewidth": 1.4},
        display_mode="lzry",
        colorbar=False,  # nilearn's is unlabelled, ticked at uneven fractions of the range
        figure=fig,
        axes=(0.0, 0.0, 0.9, 1.0),
    )
    _edge_colorbar(fig, threshold, vmax, label)
    shown = sorted(set(nets), key=lambda s: (s == NO_NETWORK, s))
    if len(shown) > 1:
        handles = [Patch(color=colors[s], label=s) for s in shown]
        fig.legend(
            handles=handles,
            loc="lower center",
            ncols=min(len(shown), 7),
            fontsize=7.5,
            bbox_to_anchor=(0.45, -0.03),
        )
    return fig


def _edge_colorbar(fig, vmin: float, vmax: float, label: str):
    """The glass brain's colour bar: labelled, with round, evenly spaced ticks."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.ticker import MaxNLocator

    cax = fig.add_axes((0.915, 0.12, 0.014, 0.76))
    mappable = ScalarMappable(norm=Normalize(vmin, vmax), cmap=_EDGE_CMAP)
    cbar = fig.colorbar(mappable, cax=cax, ticks=MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    cbar.set_label(label)
    cbar.ax.tick_params(labelsize=8)
    return cbar


def _matrix_axes(fig, ax, values, names, nets, order, colors, cmap, label, **imshow):
    """A node x node matrix in network order, labelled by network blocks or node names."""
    sorted_nets = [nets[i] for i in order]
    image = ax.imshow(values[np.ix_(order, order)], cmap=cmap, interpolation="nearest", **imshow)
    label_nodes(ax, [names[i] for i in order], sorted_nets, colors, "yx")
    ax.spines[:].set_visible(False)
    fig.colorbar(image, ax=ax, label=label, shrink=0.85)
    return image


@fill_doc
def plot_plv(example: xr.Dataset):
    """Phase-locking value of every node pair of an example trial, grouped by network.

    Parameters
    ----------
    %(example)s: ``plv`` over ``("node", "node_to")``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The matrix on [0, 1] (grey: undefined, a node that did not fire).
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    ex = check_example(example, ("plv",), "plot_plv")
    order, nets, colors = node_layout(example_networks(ex))
    plv = np.ma.masked_invalid(ex["plv"].values.astype(float))
    n = plv.shape[0]
    size = float(np.clip(3.5 + 0.01 * n, 4.5, 7.0))
    fig = Figure(figsize=(size + 1.6, size), layout="constrained")
    ax = fig.subplots()
    cmap = colormaps["viridis"].with_extremes(bad="0.8")  # grey: undefined (a silent node)
    names = [str(s) for s in ex["node"].values]
    _matrix_axes(fig, ax, plv, names, nets, order, colors, cmap, PLV_LABEL, vmin=0, vmax=1)
    ax.set_title("Phase locking of node pairs", loc="left")
    return fig


def plot_scaffold(scaffold, *, axes: Any = None):
    """S2-Net's scaffold: the weights and the conduction delays, nodes grouped by network.

    Parameters
    ----------
    scaffold : Scaffold
        The scaffold (:class:`s2decode.atlas.Scaffold`).
    axes : sequence of two matplotlib Axes | None
        Where to draw the weights and the delays; a new figure where ``None``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Left: ``weights[i, j]`` of j -> i; right: the delays in ms where a connection
        exists (grey: none). :func:`plot_connectome` places the strongest on a glass brain.

    Examples
    --------
    >>> import numpy as np
    >>> from s2decode.atlas import Scaffold
    >>> w = np.array([[0.0, 1.0], [0.5, 0.0]])
    >>> fig = plot_scaffold(Scaffold(w, 2e-3 * (w > 0)))
    >>> [ax.get_title(loc="left") for ax in fig.axes[:2]]
    ['weights (j -> i)', 'conduction delays (j -> i)']
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    from ..atlas import Scaffold

    if not isinstance(scaffold, Scaffold):
        raise TypeError(
            f"`scaffold` must be an s2decode.atlas.Scaffold, got {type(scaffold).__name__}."
        )
    nets_raw = [""] * scaffold.n_nodes if scaffold.networks is None else scaffold.networks
    order, nets, colors = node_layout(nets_raw)
    if axes is None:
        fig = Figure(figsize=(11.0, 4.8), layout="constrained")
        axes = fig.subplots(1, 2)
    else:
        if len(axes) != 2:
            raise ValueError(f"`axes` must be two matplotlib Axes, got {len(axes)}.")
        fig = axes[0].figure
    w = np.asarray(scaffold.weights, dtype=float)
    delays = np.where(w > 0, 1e3 * np.asarray(scaffold.delays, dtype=float), np.nan)
    cmap = colormaps["viridis"].with_extremes(bad="0.85")
    names = list(scaffold.labels)
    for ax, values, title, label in (
        (axes[0], np.ma.masked_equal(w, 0.0), "weights (j -> i)", "weight"),
        (axes[1], np.ma.masked_invalid(delays), "conduction delays (j -> i)", "delay (ms)"),
    ):
        _matrix_axes(fig, ax, values, names, nets, order, colors, cmap, label)
        ax.set_title(title, loc="left")
        if not any(s != NO_NETWORK for s in nets):
            ax.set_xlabel("source j")
            ax.set_ylabel("target i")
    return fig

"""A readable summary of a dataset on parcels and the scaffold built from its atlas."""

from __future__ import annotations

import os
import time

import numpy as np
import xarray as xr


def describe_trials(trials: xr.DataArray) -> str:
    """Text summary of a trials DataArray: shape, classes, groups, time axis, nodes."""
    from .trials import check_trials, measure_of, node_coords, node_dim_of

    trials = check_trials(trials)
    node = node_dim_of(trials)
    n_trials, n_nodes, n_times = trials.shape
    labels, counts = np.unique(trials["y"].values, return_counts=True)
    classes = ", ".join(f"{lab} ({c})" for lab, c in zip(labels, counts, strict=True))
    groups = np.unique(trials["group"].values)
    time = trials["time"].values
    known = np.isfinite(node_coords(trials)).all(axis=1).sum()
    nets = []
    if "network" in trials.coords:
        nets = [n for n in np.unique(trials["network"].values) if n]
    lines = [
        f"trials      {n_trials} x {n_nodes} {node}s x {n_times} samples "
        f"({trials.attrs.get('modality', '?')}, {measure_of(trials)}, "
        f"{trials.attrs.get('units', '?')})",
        f"classes     {classes}",
        f"groups      {len(groups)} ({', '.join(map(str, groups[:8]))}"
        f"{', ...' if len(groups) > 8 else ''})",
        f"time        {time[0]:.3f} .. {time[-1]:.3f} s at {trials.attrs['sfreq']:g} Hz",
        f"{node + 's':<11} {known}/{n_nodes} with MNI coordinates; "
        f"{len(nets)} networks{': ' + ', '.join(nets[:8]) if nets else ''}"
        f"{', ...' if len(nets) > 8 else ''}",
        f"source      {trials.attrs.get('source', '')}",
    ]
    return "\n".join(lines)


def describe_scaffold(scaffold) -> str:
    """Text summary of a Scaffold: size, density, weight and delay ranges."""
    w, d = scaffold.weights, scaffold.delays
    n = scaffold.n_nodes
    mask = w > 0
    density = mask.sum() / max(n * (n - 1), 1)
    in_degree = mask.sum(axis=1)
    lines = [
        f"scaffold    {n} nodes, {int(mask.sum())} edges (density {density:.3f}, "
        f"in-degree {in_degree.min()}-{in_degree.max()})",
    ]
    if mask.any():
        lines.append(
            f"weights     {w[mask].min():.3g} .. {w[mask].max():.3g} (mean {w[mask].mean():.3g})"
        )
        lines.append(
            f"delays      {1e3 * d[mask].min():.2f} .. {1e3 * d[mask].max():.2f} ms "
            f"(median {1e3 * np.median(d[mask]):.2f} ms)"
        )
    return "\n".join(lines)


def summarize(
    dataset: str = "synthetic",
    data_dir: str | os.PathLike | None = None,
    k: int | None = 10,
    **options,
) -> str:
    """Load a dataset onto parcels, build its distance scaffold, and describe both.

    Parameters
    ----------
    dataset : str
        Dataset name (see :func:`s2decode.datasets.list_datasets`).
    data_dir : path-like | None
        Data directory; ``None`` reads ``S2DECODE_DATA``.
    k : int | None
        Keep each parcel's ``k`` strongest inputs in the distance scaffold (``None``: all).
    **options
        Options of the dataset's loader.

    Returns
    -------
    text : str
        The summary.
    """
    from .atlas import Atlas, Scaffold
    from .datasets import load
    from .trials import node_coords, node_dim_of

    start = time.perf_counter()
    trials = load(dataset, data_dir=data_dir, **options)
    loaded = time.perf_counter() - start
    out = [f"dataset     {dataset} (loaded in {loaded:.1f} s)", describe_trials(trials)]
    coords = node_coords(trials)
    if node_dim_of(trials) == "parcel" and np.isfinite(coords).all():
        names = trials[node_dim_of(trials)].values.tolist()
        nets = trials["network"].values.tolist()
        atlas = Atlas(name=dataset, labels=names, coords=coords, networks=nets)
        scaffold = Scaffold.from_atlas(atlas, k=k)
        out.append(describe_scaffold(scaffold))
    else:
        out.append(
            "scaffold    (nodes without MNI coordinates: build one from data or a "
            "connectome with Scaffold.from_atlas)"
        )
    return "\n".join(out)

"""Images as parcels: every pixel one S2-Net neuron on a grid scaffold."""

from __future__ import annotations

import numpy as np

from .._checks import check_number, check_option


def grid_coords(height: int, width: int, pixel_mm: float = 1.0) -> np.ndarray:
    """Positions (mm) of the pixels of a ``height x width`` image, row-major, ``z = 0``."""
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    return np.column_stack([cols.ravel() * pixel_mm, -rows.ravel() * pixel_mm,
                            np.zeros(height * width)])  # fmt: skip


def grid_weights(height: int, width: int, neighbours: int = 8) -> np.ndarray:
    """Unit weights between each pixel and its 4 or 8 neighbours (row-major nodes)."""
    check_option(neighbours, (4, 8), "neighbours")
    steps = [(0, 1), (1, 0), (0, -1), (-1, 0)]
    if neighbours == 8:
        steps += [(1, 1), (1, -1), (-1, 1), (-1, -1)]
    n = height * width
    weights = np.zeros((n, n))
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    rows, cols = rows.ravel(), cols.ravel()
    for dr, dc in steps:
        r, c = rows + dr, cols + dc
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        weights[(r * width + c)[inside], np.flatnonzero(inside)] = 1.0
    return weights


def grid_scaffold(
    height: int,
    width: int,
    *,
    neighbours: int = 8,
    pixel_mm: float = 1.0,
    velocity: float = 5.0,
    tau_0: float = 1e-3,
):
    """The scaffold of an image: pixels coupled to their neighbours, delays by distance.

    Parameters
    ----------
    height, width : int
        Image size in pixels.
    neighbours : {4, 8}
        The 4 pixels sharing an edge, or also the 4 sharing a corner.
    pixel_mm : float
        Distance between neighbouring pixel centres, in mm (sets the delays).
    velocity, tau_0 : float
        Conduction velocity (m/s) and delay at zero distance (s):
        :func:`s2decode.atlas.scaffold.conduction_delays`.

    Returns
    -------
    scaffold : Scaffold
        ``height * width`` nodes named ``"r{row}c{col}"``, row-major, positions in mm.

    Examples
    --------
    >>> sc = grid_scaffold(3, 3, neighbours=4)
    >>> int(sc.weights[4].sum()), int(sc.weights[0].sum())  # centre and corner pixels
    (4, 2)
    """
    from ..atlas import Scaffold

    check_number(height, "height", low=0, strict_low=True, integer=True)
    check_number(width, "width", low=0, strict_low=True, integer=True)
    labels = [f"r{r}c{c}" for r in range(height) for c in range(width)]
    return Scaffold.from_weights(
        grid_weights(height, width, neighbours),
        labels=labels,
        coords=grid_coords(height, width, pixel_mm),
        velocity=velocity,
        tau_0=tau_0,
        meta={"method": "grid", "neighbours": neighbours, "pixel_mm": pixel_mm},
    )

"""The connectivity scaffold of S2-Net: weights and conduction delays between parcels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class Scaffold:
    """Directed weights and conduction delays between ``n`` nodes (parcels).

    Parameters
    ----------
    weights : ndarray, shape (n, n)
        ``weights[i, j]`` is the weight of the connection j -> i: finite, non-negative,
        zero diagonal.
    delays : ndarray, shape (n, n)
        ``delays[i, j]`` is the conduction delay of j -> i in seconds: finite, non-negative.
    labels : sequence of str | None
        Node names (parcel labels), ``n`` of them.
    coords : ndarray, shape (n, 3) | None
        Node positions in MNI mm.
    networks : sequence of str | None
        Network of each node.

    Notes
    -----
    The scaffold is validated on construction; every invalid input raises a
    :class:`ValueError` that names the argument.
    """

    def __init__(
        self,
        weights: np.ndarray,
        delays: np.ndarray,
        labels: Sequence[str] | None = None,
        coords: np.ndarray | None = None,
        networks: Sequence[str] | None = None,
    ) -> None:
        self.weights = _check_square(weights, "weights")
        n = self.weights.shape[0]
        if np.any(self.weights < 0):
            raise ValueError("`weights` must be non-negative (j -> i excitatory couplings).")
        if np.any(np.diag(self.weights) != 0):
            raise ValueError("`weights` must have a zero diagonal (no self-connections).")
        self.delays = _check_square(delays, "delays")
        if self.delays.shape != (n, n):
            raise ValueError(
                f"`delays` has shape {self.delays.shape} but `weights` has shape {(n, n)}."
            )
        if np.any(self.delays < 0):
            raise ValueError("`delays` must be non-negative (seconds).")
        self.labels = (
            [f"node{i:03d}" for i in range(n)] if labels is None else [str(s) for s in labels]
        )
        if len(self.labels) != n:
            raise ValueError(f"`labels` has {len(self.labels)} entries for {n} nodes.")
        self.coords = None if coords is None else np.asarray(coords, dtype=float)
        if self.coords is not None and self.coords.shape != (n, 3):
            raise ValueError(f"`coords` must have shape ({n}, 3), got {self.coords.shape}.")
        self.networks = None if networks is None else [str(s) for s in networks]
        if self.networks is not None and len(self.networks) != n:
            raise ValueError(f"`networks` has {len(self.networks)} entries for {n} nodes.")

    @property
    def n_nodes(self) -> int:
        """Number of nodes (parcels)."""
        return self.weights.shape[0]

    @property
    def n_edges(self) -> int:
        """Number of non-zero connections."""
        return int(np.count_nonzero(self.weights))

    def __repr__(self) -> str:
        nz = self.delays[self.weights > 0]
        delay = f", delays {nz.min() * 1e3:.1f}-{nz.max() * 1e3:.1f} ms" if nz.size else ""
        return f"<Scaffold | {self.n_nodes} nodes, {self.n_edges} edges{delay}>"


def _check_square(a, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"`{name}` must be a square (n, n) matrix, got shape {a.shape}.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    return a

"""The connectivity scaffold of S2-Net: weights and conduction delays between parcels.

The maths are plain functions on arrays (:func:`distance_matrix`, :func:`distance_weights`,
:func:`correlation_weights`, :func:`sparsify_knn`, :func:`sparsify_threshold`,
:func:`normalize_weights`, :func:`conduction_delays`); :class:`Scaffold` holds the result,
validates it on construction and builds it from an atlas with thin classmethods.

Convention: ``weights[i, j]`` and ``delays[i, j]`` describe the connection j -> i (row =
target, column = source), as in ``dv_i/dt = ... + sum_j w_ij s_j(t - tau_ij)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._checks import check_option

if TYPE_CHECKING:
    import xarray as xr

    from .atlases import Atlas

NORMALIZATIONS = ("max", "row", "spectral")
DATA_ESTIMATORS = ("correlation", "partial")
SIGNS = ("abs", "positive")
METHODS = ("distance", "data", "connectome")
#: Delay (s) of every connection between nodes without positions (Scaffold.from_weights).
FREE_DELAY = 2e-3


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
    meta : dict | None
        How the scaffold was built (method, length constant, velocity, ``tau_0``, atlas...).

    Notes
    -----
    The scaffold is validated on construction; every invalid input raises a
    :class:`ValueError` that names the argument. Build one from an atlas with
    :meth:`from_atlas` (distance, data or a given connectome) or from trials with
    :meth:`from_trials`.
    """

    def __init__(
        self,
        weights: np.ndarray,
        delays: np.ndarray,
        labels: Sequence[str] | None = None,
        coords: np.ndarray | None = None,
        networks: Sequence[str] | None = None,
        meta: dict | None = None,
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
        self.meta = {} if meta is None else dict(meta)

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

    # ----------------------------------------------------------------------------------
    # Builders

    @classmethod
    def from_atlas(
        cls,
        atlas: Atlas | str | os.PathLike = "seitzman300",
        *,
        method: str = "distance",
        length_constant: float = 40.0,
        connectome: np.ndarray | None = None,
        trials: xr.DataArray | None = None,
        estimator: str = "correlation",
        sign: str = "abs",
        k: int | None = None,
        threshold: float | None = None,
        normalize: str | None = "max",
        velocity: float = 5.0,
        tau_0: float = 1e-3,
    ) -> Scaffold:
        """Build the scaffold of an atlas.

        Parameters
        ----------
        atlas : Atlas | str | path-like
            The atlas, or anything :func:`~s2decode.atlas.load_atlas` takes.
        method : {"distance", "data", "connectome"}
            Where the weights come from: ``exp(-d_ij / length_constant)`` of the distance
            between parcel centres (:func:`distance_weights`); the correlation or partial
            correlation of ``trials`` (:func:`correlation_weights`); or ``connectome``.
        length_constant : float
            Decay length in mm of the distance rule (``method="distance"``).
        connectome : ndarray, shape (n_parcels, n_parcels) | None
            Non-negative weights j -> i in the order of the atlas' parcels
            (``method="connectome"``); its diagonal is ignored.
        trials : xarray.DataArray | None
            Training trials on the atlas' parcels, in the s2decode data model
            (``method="data"``).
        estimator : {"correlation", "partial"}
            Pearson correlation, or partial correlation from the Ledoit-Wolf shrunk
            precision matrix (``method="data"``).
        sign : {"abs", "positive"}
            Keep the magnitude of the correlations, or their positive part only
            (``method="data"``).
        k : int | None
            Keep the ``k`` strongest inputs of each parcel (:func:`sparsify_knn`); for the
            distance rule these are its ``k`` nearest parcels.
        threshold : float | None
            Drop weights below this value, before normalisation (:func:`sparsify_threshold`).
        normalize : {"max", "row", "spectral"} | None
            Scale of the weights (:func:`normalize_weights`), applied last.
        velocity : float
            Conduction velocity in m/s (:func:`conduction_delays`).
        tau_0 : float
            Delay in seconds at zero distance (synaptic and local delay).

        Returns
        -------
        scaffold : Scaffold
            Weights, delays ``tau_0 + d_ij / velocity``, and the atlas' labels, coordinates
            and networks.
        """
        from .atlases import load_atlas

        atlas = load_atlas(atlas)
        check_option(method, METHODS, "method")
        for name, value, used in (
            ("connectome", connectome, "connectome"),
            ("trials", trials, "data"),
        ):
            if value is not None and method != used:
                raise ValueError(
                    f"`{name}` is given but method={method!r}; pass method={used!r} to use it."
                )
        distances = distance_matrix(atlas.coords)
        meta: dict[str, Any] = {"atlas": atlas.name, "method": method}
        if method == "distance":
            weights = distance_weights(distances, length_constant)
            meta["length_constant"] = float(length_constant)
        elif method == "connectome":
            if connectome is None:
                raise ValueError("method='connectome' needs `connectome`, an (n, n) matrix.")
            weights = _check_connectome(connectome, atlas.n_parcels, atlas.name)
        else:
            if trials is None:
                raise ValueError("method='data' needs `trials`, the training trials.")
            weights = correlation_weights(
                _trials_on_atlas(trials, atlas), estimator=estimator, sign=sign
            )
            meta.update(estimator=estimator, sign=sign)
        return cls._finish(
            weights,
            distances,
            labels=atlas.labels,
            coords=atlas.coords,
            networks=atlas.networks,
            meta=meta,
            k=k,
            threshold=threshold,
            normalize=normalize,
            velocity=velocity,
            tau_0=tau_0,
        )

    @classmethod
    def from_trials(
        cls,
        trials: xr.DataArray,
        *,
        estimator: str = "correlation",
        sign: str = "abs",
        k: int | None = None,
        threshold: float | None = None,
        normalize: str | None = "max",
        velocity: float = 5.0,
        tau_0: float = 1e-3,
    ) -> Scaffold:
        """Build the scaffold from training trials whose nodes carry MNI coordinates.

        Weights as :meth:`from_atlas` with ``method="data"``; delays from the trials'
        ``mni_x``, ``mni_y``, ``mni_z`` coordinates. Parameters are those of
        :meth:`from_atlas`.

        Returns
        -------
        scaffold : Scaffold
            Nodes named and ordered as the trials' nodes.
        """
        from ..trials import check_trials, node_coords, node_dim_of

        trials = check_trials(trials)
        node = node_dim_of(trials)
        coords = node_coords(trials)
        if not np.all(np.isfinite(coords)):
            missing = np.flatnonzero(~np.all(np.isfinite(coords), axis=1))
            raise ValueError(
                f"`trials` have no MNI coordinates for {missing.size} {node}s (first: "
                f"{trials[node].values[missing[0]]!r}); project them onto an atlas first or "
                "use Scaffold.from_atlas(atlas, method='data', trials=...)."
            )
        networks = None
        if "network" in trials.coords and np.all(trials.coords["network"].values != ""):
            networks = trials.coords["network"].values.tolist()
        return cls._finish(
            correlation_weights(trials, estimator=estimator, sign=sign),
            distance_matrix(coords),
            labels=trials[node].values.tolist(),
            coords=coords,
            networks=networks,
            meta={"method": "data", "estimator": estimator, "sign": sign},
            k=k,
            threshold=threshold,
            normalize=normalize,
            velocity=velocity,
            tau_0=tau_0,
        )

    @classmethod
    def from_weights(
        cls,
        weights: np.ndarray,
        *,
        labels: Sequence[str] | None = None,
        coords: np.ndarray | None = None,
        networks: Sequence[str] | None = None,
        k: int | None = None,
        threshold: float | None = None,
        normalize: str | None = None,
        velocity: float = 5.0,
        tau_0: float = 1e-3,
        free_delay: float = FREE_DELAY,
        meta: dict | None = None,
    ) -> Scaffold:
        """Build the scaffold of nodes from their weights, with or without positions.

        Parameters
        ----------
        weights : ndarray, shape (n, n)
            Non-negative weights j -> i; the diagonal is ignored.
        labels, coords, networks
            As in :class:`Scaffold`; ``coords`` (MNI mm) give the delays.
        k, threshold, normalize
            Sparsification and scale, as in :meth:`from_atlas` (applied in that order:
            threshold, ``k`` strongest inputs, normalisation); ``None``: the weights as given.
        velocity, tau_0 : float
            Conduction velocity (m/s) and delay at zero distance (s), where ``coords`` are
            given (:func:`conduction_delays`).
        free_delay : float
            Delay in seconds of every connection where ``coords`` is ``None`` (the nodes of
            an array without positions: learned components, units, voxels of a screen).
        meta : dict | None
            How the weights were made, recorded in :attr:`meta`.

        Returns
        -------
        scaffold : Scaffold
            Zero self-delays and zero diagonal weights.

        Examples
        --------
        >>> sc = Scaffold.from_weights(np.ones((3, 3)))
        >>> sc.weights.diagonal().tolist(), float(sc.delays[0, 1])
        ([0.0, 0.0, 0.0], 0.002)
        """
        weights = np.array(_check_square(weights, "weights"), dtype=float)
        n = weights.shape[0]
        np.fill_diagonal(weights, 0.0)
        weights = _sparsify_and_normalize(weights, threshold, k, normalize)
        if coords is not None and n > 1:
            delays = conduction_delays(distance_matrix(coords), velocity=velocity, tau_0=tau_0)
        else:
            free_delay = float(free_delay)
            if not np.isfinite(free_delay) or free_delay < 0:
                raise ValueError(
                    f"`free_delay` must be a non-negative number of seconds, got {free_delay}."
                )
            delays = np.full((n, n), free_delay)
        np.fill_diagonal(delays, 0.0)
        return cls(weights, delays, labels=labels, coords=coords, networks=networks, meta=meta)

    @classmethod
    def _finish(
        cls,
        weights,
        distances,
        *,
        labels,
        coords,
        networks,
        meta,
        k,
        threshold,
        normalize,
        velocity,
        tau_0,
    ) -> Scaffold:
        weights = _sparsify_and_normalize(weights, threshold, k, normalize)
        meta = {
            **meta,
            "k": k,
            "threshold": threshold,
            "normalize": normalize,
            "velocity": float(velocity),
            "tau_0": float(tau_0),
        }
        return cls(
            weights,
            conduction_delays(distances, velocity=velocity, tau_0=tau_0),
            labels=labels,
            coords=coords,
            networks=networks,
            meta=meta,
        )

    # ----------------------------------------------------------------------------------
    # Ablations

    def shuffled(self, seed: int | np.random.Generator | None = None) -> Scaffold:
        """The same weights on a random topology (an ablation of S2-Net).

        The off-diagonal weights (zeros included) are permuted at random over the
        off-diagonal positions: the weight distribution and the number of edges are kept,
        who connects to whom is not. Delays stay those of each (target, source) pair.

        Parameters
        ----------
        seed : int | numpy.random.Generator | None
            Seed of the permutation.

        Returns
        -------
        scaffold : Scaffold
            A new scaffold.
        """
        rng = np.random.default_rng(seed)
        off = ~np.eye(self.n_nodes, dtype=bool)
        weights = np.zeros_like(self.weights)
        weights[off] = rng.permutation(self.weights[off])
        seed_info = seed if isinstance(seed, int | np.integer) or seed is None else "generator"
        return self._replace(weights=weights, meta={**self.meta, "shuffled": str(seed_info)})

    def without_delays(self, tau_0: float | None = None) -> Scaffold:
        """The same weights with every delay equal to ``tau_0`` (ablation: delays off).

        Parameters
        ----------
        tau_0 : float | None
            The delay in seconds; the scaffold's own ``tau_0`` (``meta["tau_0"]``) where
            ``None``, else the smallest delay of its connections.

        Returns
        -------
        scaffold : Scaffold
            A new scaffold.
        """
        if tau_0 is None:
            tau_0 = self.meta.get("tau_0")
        if tau_0 is None:
            nz = self.delays[self.weights > 0]
            tau_0 = float(nz.min()) if nz.size else 0.0
        tau_0 = float(tau_0)
        if not np.isfinite(tau_0) or tau_0 < 0:
            raise ValueError(f"`tau_0` must be a non-negative number of seconds, got {tau_0}.")
        delays = np.full_like(self.delays, tau_0)
        return self._replace(delays=delays, meta={**self.meta, "delays": "off", "tau_0": tau_0})

    def with_weights(self, weights: np.ndarray) -> Scaffold:
        """The same nodes and delays with other weights (e.g. adapted by plasticity).

        Parameters
        ----------
        weights : ndarray, shape (n, n)
            Non-negative, zero diagonal (validated as in :class:`Scaffold`).

        Returns
        -------
        scaffold : Scaffold
            A new scaffold; ``meta`` is kept.
        """
        return self._replace(weights=np.array(weights, dtype=float))

    def _replace(self, **changes) -> Scaffold:
        kwargs = {
            "weights": self.weights.copy(),
            "delays": self.delays.copy(),
            "labels": list(self.labels),
            "coords": None if self.coords is None else self.coords.copy(),
            "networks": None if self.networks is None else list(self.networks),
            "meta": dict(self.meta),
        }
        kwargs.update(changes)
        return type(self)(**kwargs)

    # ----------------------------------------------------------------------------------
    # I/O

    def to_dataset(self) -> xr.Dataset:
        """The scaffold as an :class:`xarray.Dataset`.

        Returns
        -------
        ds : xarray.Dataset
            ``weights`` and ``delays`` with dims ``("target", "source")`` (j -> i is
            ``[i, j]``), the labels as coordinates, ``mni_x/y/z`` and ``network`` per
            node where known, and ``meta`` as a JSON attribute.
        """
        import xarray as xr

        dims = ("target", "source")
        ds = xr.Dataset(
            {
                "weights": (dims, self.weights, {"description": "weight of source -> target"}),
                "delays": (dims, self.delays, {"units": "s"}),
            },
            coords={"target": list(self.labels), "source": list(self.labels)},
            attrs={"meta": json.dumps(self.meta, default=str), "convention": "[i, j] = j -> i"},
        )
        node_vars = {}
        if self.coords is not None:
            for axis, col in zip(("mni_x", "mni_y", "mni_z"), self.coords.T, strict=True):
                node_vars[axis] = col
        if self.networks is not None:
            node_vars["network"] = np.asarray(self.networks, dtype=str)
        for key, values in node_vars.items():
            ds[key] = ("node", values)
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> Scaffold:
        """Inverse of :meth:`to_dataset`."""
        for var in ("weights", "delays"):
            if var not in ds:
                raise ValueError(f"The dataset has no {var!r} variable: not a saved Scaffold.")
        coords = None
        if all(axis in ds for axis in ("mni_x", "mni_y", "mni_z")):
            coords = np.stack([ds[a].values for a in ("mni_x", "mni_y", "mni_z")], axis=1)
        networks = ds["network"].values.tolist() if "network" in ds else None
        weights = ds["weights"].transpose("target", "source").values
        delays = ds["delays"].transpose("target", "source").values
        return cls(
            weights,
            delays,
            labels=[str(s) for s in ds["target"].values],
            coords=coords,
            networks=networks,
            meta=json.loads(ds.attrs.get("meta", "{}")),
        )

    def save(self, fname: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write the scaffold to the netCDF file ``fname`` (``.nc``), atomically, and
        return its path; as :meth:`SpikeTrains.save <s2decode.SpikeTrains.save>` and MNE's
        writers, an existing file is replaced only with ``overwrite=True``
        (``FileExistsError`` otherwise). :meth:`load` reads it back."""
        from .._io_utils import atomic_write_netcdf

        return atomic_write_netcdf(self.to_dataset(), fname, overwrite=overwrite)

    @classmethod
    def load(cls, fname: str | os.PathLike) -> Scaffold:
        """Read a scaffold written by :meth:`save`."""
        from .._io_utils import read_netcdf

        return cls.from_dataset(read_netcdf(fname, "Scaffold file {path} does not exist."))

    def plot(self, *, axes: Any = None, show: bool = True) -> Any:
        """Show the weights and the delays as matrices: :func:`s2decode.viz.plot_scaffold`.

        Parameters
        ----------
        axes : sequence of two matplotlib Axes | None
            Where to draw; a new pyplot figure where ``None``.
        show : bool
            Call ``plt.show()``.

        Returns
        -------
        fig : matplotlib.figure.Figure
            The figure.
        """
        import matplotlib.pyplot as plt

        from ..viz import plot_scaffold

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(11.0, 4.8), layout="constrained")
        fig = plot_scaffold(self, axes=axes)
        if show:
            plt.show()
        return fig


# --------------------------------------------------------------------------------------
# The maths, as plain functions


def distance_matrix(coords: np.ndarray) -> np.ndarray:
    """Euclidean distances between node positions.

    Parameters
    ----------
    coords : ndarray, shape (n, 3)
        Positions in mm.

    Returns
    -------
    distances : ndarray, shape (n, n)
        Distances in mm (symmetric, zero diagonal).
    """
    from scipy.spatial.distance import cdist

    coords = np.asarray(coords, dtype=float)
    if coords.ndim != 2 or coords.shape[1] != 3:
        raise ValueError(f"`coords` must have shape (n, 3), got {coords.shape}.")
    if not np.all(np.isfinite(coords)):
        raise ValueError("`coords` contains NaN or infinite values.")
    return cdist(coords, coords)


def distance_weights(distances: np.ndarray, length_constant: float = 40.0) -> np.ndarray:
    """Weights that decay exponentially with distance: ``exp(-d_ij / length_constant)``.

    Parameters
    ----------
    distances : ndarray, shape (n, n)
        Distances in mm.
    length_constant : float
        Decay length in mm (the exponential distance rule of cortical connectivity).

    Returns
    -------
    weights : ndarray, shape (n, n)
        Weights in (0, 1], zero diagonal.
    """
    distances = _check_square(distances, "distances")
    if np.any(distances < 0):
        raise ValueError("`distances` must be non-negative.")
    length_constant = float(length_constant)
    if not np.isfinite(length_constant) or length_constant <= 0:
        raise ValueError(
            f"`length_constant` must be a positive number of mm, got {length_constant}."
        )
    weights = np.exp(-distances / length_constant)
    np.fill_diagonal(weights, 0.0)
    return weights


def conduction_delays(
    distances: np.ndarray, velocity: float = 5.0, tau_0: float = 1e-3
) -> np.ndarray:
    """Conduction delays ``tau_0 + d_ij / velocity``.

    Parameters
    ----------
    distances : ndarray, shape (n, n)
        Distances in mm.
    velocity : float
        Conduction velocity in m/s (= mm/ms).
    tau_0 : float
        Delay in seconds at zero distance.

    Returns
    -------
    delays : ndarray, shape (n, n)
        Delays in seconds.
    """
    distances = _check_square(distances, "distances")
    if np.any(distances < 0):
        raise ValueError("`distances` must be non-negative.")
    velocity, tau_0 = float(velocity), float(tau_0)
    if not np.isfinite(velocity) or velocity <= 0:
        raise ValueError(f"`velocity` must be a positive number of m/s, got {velocity}.")
    if not np.isfinite(tau_0) or tau_0 < 0:
        raise ValueError(f"`tau_0` must be a non-negative number of seconds, got {tau_0}.")
    # mm / (m/s) = 1e-3 s
    return tau_0 + distances * 1e-3 / velocity


def correlation_weights(
    trials: xr.DataArray, estimator: str = "correlation", sign: str = "abs"
) -> np.ndarray:
    """Functional-connectivity weights from trials.

    Each trial's signals are centred per node, the trials are concatenated in time, and the
    nodes' correlation (or Ledoit-Wolf partial correlation) is taken over all samples. With
    a single time sample per trial (``measure="rates"``) the correlation is across trials.

    Parameters
    ----------
    trials : xarray.DataArray
        Trials in the s2decode data model (:func:`s2decode.trials.check_trials`).
    estimator : {"correlation", "partial"}
        Pearson correlation, or partial correlation ``-P_ij / sqrt(P_ii P_jj)`` from the
        precision matrix ``P`` of :class:`sklearn.covariance.LedoitWolf`.
    sign : {"abs", "positive"}
        Weights are ``|r_ij|`` or ``max(r_ij, 0)``.

    Returns
    -------
    weights : ndarray, shape (n_nodes, n_nodes)
        Symmetric, non-negative, zero diagonal; constant nodes get zero weights.
    """
    from ..trials import check_trials

    check_option(estimator, DATA_ESTIMATORS, "estimator")
    check_option(sign, SIGNS, "sign")
    data = np.asarray(check_trials(trials).values, dtype=float)
    n_trials, n_nodes, n_times = data.shape
    if n_times == 1:
        samples = data[:, :, 0]
    else:
        samples = (data - data.mean(axis=2, keepdims=True)).transpose(0, 2, 1)
        samples = samples.reshape(n_trials * n_times, n_nodes)
    samples = samples - samples.mean(axis=0)
    if samples.shape[0] < 3:
        raise ValueError(
            f"`trials` give {samples.shape[0]} samples per node; at least 3 are needed to "
            "estimate correlations."
        )
    std = samples.std(axis=0)
    live = std > 0
    corr = np.zeros((n_nodes, n_nodes))
    if live.sum() >= 2:
        z = samples[:, live] / std[live]
        if estimator == "correlation":
            sub = z.T @ z / z.shape[0]
        else:
            from sklearn.covariance import LedoitWolf

            precision = LedoitWolf(assume_centered=True).fit(z).precision_
            d = np.sqrt(np.diag(precision))
            sub = -precision / np.outer(d, d)
        corr[np.ix_(live, live)] = sub
    weights = np.abs(corr) if sign == "abs" else np.clip(corr, 0.0, None)
    weights = np.clip(weights, 0.0, 1.0)  # rounding can put |r| a hair above 1
    np.fill_diagonal(weights, 0.0)
    return weights


def sparsify_knn(weights: np.ndarray, k: int) -> np.ndarray:
    """Keep the ``k`` strongest inputs of each node.

    Parameters
    ----------
    weights : ndarray, shape (n, n)
        Non-negative weights, ``[i, j]`` = j -> i.
    k : int
        Inputs kept per target node (row), ``1 <= k <= n - 1``. Ties are broken by the
        source's index.

    Returns
    -------
    weights : ndarray, shape (n, n)
        A copy with all but the ``k`` largest off-diagonal entries of each row set to zero
        (in-degree at most ``k``; zero weights stay zero).
    """
    weights = _check_weights(weights)
    n = weights.shape[0]
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n - 1:
        raise ValueError(f"`k` must be an integer in [1, {n - 1}] for {n} nodes, got {k!r}.")
    masked = weights.copy()
    np.fill_diagonal(masked, -np.inf)
    # Stable sort on the negated weights: the strongest first, ties by index.
    keep = np.argsort(-masked, axis=1, kind="stable")[:, :k]
    out = np.zeros_like(weights)
    rows = np.arange(n)[:, None]
    out[rows, keep] = weights[rows, keep]
    np.fill_diagonal(out, 0.0)
    return out


def sparsify_threshold(weights: np.ndarray, threshold: float) -> np.ndarray:
    """Set the weights below ``threshold`` to zero.

    Parameters
    ----------
    weights : ndarray, shape (n, n)
        Non-negative weights.
    threshold : float
        Non-negative cut-off; weights ``< threshold`` are dropped.

    Returns
    -------
    weights : ndarray, shape (n, n)
        A copy.
    """
    weights = _check_weights(weights)
    threshold = float(threshold)
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"`threshold` must be a non-negative number, got {threshold}.")
    return np.where(weights >= threshold, weights, 0.0)


def normalize_weights(weights: np.ndarray, method: str | None = "max") -> np.ndarray:
    """Rescale weights.

    Parameters
    ----------
    weights : ndarray, shape (n, n)
        Non-negative weights.
    method : {"max", "row", "spectral"} | None
        ``"max"``: the largest weight becomes 1. ``"row"``: the inputs of each node sum to 1
        (rows without input stay zero). ``"spectral"``: the spectral radius becomes 1 (the
        linear recurrent gain). ``None``: unchanged.

    Returns
    -------
    weights : ndarray, shape (n, n)
        A copy; an all-zero matrix is returned unchanged.
    """
    weights = _check_weights(weights)
    if method is None:
        return weights.copy()
    if method not in NORMALIZATIONS:
        raise ValueError(f"`normalize` must be one of {NORMALIZATIONS} or None, got {method!r}.")
    if method == "max":
        scale = weights.max(initial=0.0)
        return weights / scale if scale > 0 else weights.copy()
    if method == "row":
        sums = weights.sum(axis=1, keepdims=True)
        return np.divide(weights, sums, out=np.zeros_like(weights), where=sums > 0)
    radius = float(np.max(np.abs(np.linalg.eigvals(weights)), initial=0.0))
    return weights / radius if radius > 0 else weights.copy()


def _sparsify_and_normalize(weights, threshold, k, normalize) -> np.ndarray:
    """The builders' one order: drop weights under ``threshold``, keep the ``k`` strongest
    inputs, then normalise (``None`` skips a step)."""
    if threshold is not None:
        weights = sparsify_threshold(weights, threshold)
    if k is not None:
        weights = sparsify_knn(weights, k)
    return normalize_weights(weights, normalize)


# --------------------------------------------------------------------------------------
# Checks


def _check_square(a, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"`{name}` must be a square (n, n) matrix, got shape {a.shape}.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    return a


def _check_weights(weights, name: str = "weights") -> np.ndarray:
    weights = _check_square(weights, name)
    if np.any(weights < 0):
        raise ValueError(f"`{name}` must be non-negative.")
    return weights


def _check_connectome(connectome, n: int, atlas: str) -> np.ndarray:
    weights = _check_square(connectome, "connectome")
    if weights.shape != (n, n):
        raise ValueError(
            f"`connectome` has shape {weights.shape} but atlas {atlas!r} has {n} parcels; "
            f"give an ({n}, {n}) matrix in the order of atlas.labels."
        )
    if np.any(weights < 0):
        raise ValueError(
            "`connectome` has negative entries; pass its magnitude (np.abs) or its positive "
            "part (np.clip(c, 0, None)): scaffold weights are excitatory."
        )
    weights = weights.copy()
    np.fill_diagonal(weights, 0.0)
    return weights


def _trials_on_atlas(trials: xr.DataArray, atlas: Atlas) -> xr.DataArray:
    """The trials with their nodes in the order of the atlas' parcels."""
    from ..trials import check_trials, node_dim_of

    trials = check_trials(trials)
    node = node_dim_of(trials)
    names = [str(s) for s in trials[node].values]
    if len(names) != atlas.n_parcels:
        raise ValueError(
            f"`trials` have {len(names)} {node}s but atlas {atlas.name!r} has "
            f"{atlas.n_parcels} parcels; project the data onto the atlas first."
        )
    if names == atlas.labels:
        return trials
    if set(names) == set(atlas.labels):
        return trials.sel({node: atlas.labels})
    raise ValueError(
        f"The {node} names of `trials` are not the parcel labels of atlas {atlas.name!r} "
        f"(e.g. {names[0]!r} vs {atlas.labels[0]!r}); project the data onto this atlas first."
    )

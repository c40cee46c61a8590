"""From phases to objects: clusters of phase-locked pixels, and the score of the grouping."""

from __future__ import annotations

import numpy as np

from .._checks import check_number, check_option
from .._docs import doc_filler

#: How :func:`cluster_phases` groups pixels.
CLUSTER_METHODS = ("kmeans", "spectral", "synchrony")

#: Decorator of the pairwise phase measures (:mod:`s2decode._docs`): their one input, the
#: ``%(parameters)s`` of :func:`phase_locking` and :func:`phase_synchrony`, written once.
fill_doc = doc_filler(
    {
        "parameters": """
            Parameters
            ----------
            phases : ndarray, shape (n_nodes, n_times)
                Phases in radians.
            """
    }
)


@fill_doc
def phase_locking(phases: np.ndarray) -> np.ndarray:
    """Phase-locking value of every pair of nodes over time.

    %(parameters)s

    Returns
    -------
    plv : ndarray, shape (n_nodes, n_nodes)
        ``|mean_t exp(i (phi_a - phi_b))|`` in [0, 1], 1 on the diagonal.
    """
    return np.clip(np.abs(_phase_products(phases)), 0.0, 1.0)


@fill_doc
def phase_synchrony(phases: np.ndarray) -> np.ndarray:
    """In-phase synchrony of every pair of nodes: ``(1 + mean_t cos(phi_a - phi_b)) / 2``.

    Unlike the phase-locking value, a constant lag lowers it: 1 for nodes that keep the same
    phase, 0.5 for a quarter-cycle lag or for unrelated phases, 0 in anti-phase.

    %(parameters)s

    Returns
    -------
    synchrony : ndarray, shape (n_nodes, n_nodes)
        In [0, 1], 1 on the diagonal.
    """
    return np.clip((1.0 + _phase_products(phases).real) / 2.0, 0.0, 1.0)


def _phase_products(phases) -> np.ndarray:
    """``mean_t exp(i (phi_a - phi_b))`` of every pair."""
    phases = np.asarray(phases, dtype=float)
    if phases.ndim != 2 or phases.shape[1] == 0:
        raise ValueError(f"`phases` must have shape (n_nodes, n_times), got {phases.shape}.")
    if not np.all(np.isfinite(phases)):
        raise ValueError("`phases` contains NaN or infinite values.")
    e = np.exp(1j * phases)
    return (e @ e.conj().T) / phases.shape[1]


def cluster_phases(
    phases: np.ndarray, n_clusters: int, *, method: str = "kmeans", random_state: int = 0
) -> np.ndarray:
    """Group nodes whose phases move together.

    Parameters
    ----------
    phases : ndarray, shape (n_nodes, n_times)
        Phases in radians over a window.
    n_clusters : int
        Groups to find.
    method : {"kmeans", "spectral", "synchrony"}
        ``"kmeans"``: k-means on ``cos`` and ``sin`` of the phases at every time (nodes in
        one group share their phase: zero-lag synchrony, the readout of the complex
        autoencoder and AKOrN); ``"spectral"``: spectral clustering of the phase-locking
        matrix (:func:`phase_locking`; nodes in one group keep a constant phase relation,
        whatever the lag); ``"synchrony"``: spectral clustering of :func:`phase_synchrony`.
    random_state : int
        Seed of the clustering.

    Returns
    -------
    labels : ndarray of int, shape (n_nodes,)

    Examples
    --------
    >>> t = np.linspace(0, 0.2, 100)
    >>> phases = 2 * np.pi * 40 * t + np.array([[0.0], [0.1], [np.pi], [np.pi + 0.1]])
    >>> labels = cluster_phases(phases, 2)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    from sklearn.cluster import KMeans, SpectralClustering

    check_option(method, CLUSTER_METHODS, "method")
    phases = np.asarray(phases, dtype=float)
    check_number(n_clusters, "n_clusters", low=1, high=len(phases), integer=True)
    if n_clusters == 1:
        return np.zeros(len(phases), dtype=np.int64)
    if method in ("spectral", "synchrony"):
        affinity = phase_locking(phases) if method == "spectral" else phase_synchrony(phases)
        model = SpectralClustering(n_clusters, affinity="precomputed", random_state=random_state)
        return model.fit_predict(affinity).astype(np.int64)
    feats = np.concatenate([np.cos(phases), np.sin(phases)], axis=1)
    model = KMeans(n_clusters, n_init=10, random_state=random_state)
    return model.fit_predict(feats).astype(np.int64)


def group_phases(
    phases: np.ndarray,
    fired: np.ndarray,
    n_groups: int,
    *,
    method: str = "kmeans",
    random_state: int = 0,
) -> np.ndarray:
    """Group the neurons that fired by phase; those that did not form a group of their own.

    A neuron that never fired in the window has no phase to compare (its trace is 0 or a
    stale decaying remnant), so it is not clustered: the background of a scene, and any
    object a network leaves silent, go to group ``n_groups``.

    Parameters
    ----------
    phases : ndarray, shape (n_nodes, n_times)
        Phases in radians over a window.
    fired : ndarray of bool, shape (n_nodes,)
        Which nodes fired in the window.
    n_groups : int
        Groups to find among the nodes that fired (the number of objects).
    method : {"kmeans", "spectral", "synchrony"}
        :func:`cluster_phases`.
    random_state : int
        Seed of the clustering.

    Returns
    -------
    labels : ndarray of int, shape (n_nodes,)
        ``0 .. n_groups - 1`` for the nodes that fired, ``n_groups`` for the others.
    """
    phases = np.asarray(phases, dtype=float)
    fired = np.asarray(fired, dtype=bool)
    if fired.shape != (len(phases),):
        raise ValueError(
            f"`fired` must hold one boolean per node ({len(phases)}), got shape {fired.shape}."
        )
    check_number(n_groups, "n_groups", low=1, integer=True)
    labels = np.full(len(phases), n_groups, dtype=np.int64)
    if fired.sum() >= n_groups:
        labels[fired] = cluster_phases(
            phases[fired], n_groups, method=method, random_state=random_state
        )
    else:  # fewer firing neurons than groups: one group
        labels[fired] = 0
    return labels


def value_clusters(values: np.ndarray, n_clusters: int, *, random_state: int = 0) -> np.ndarray:
    """The intensity (or rate) baseline: k-means of one value per node."""
    from sklearn.cluster import KMeans

    values = np.asarray(values, dtype=float).reshape(-1, 1)
    if n_clusters == 1:
        return np.zeros(len(values), dtype=np.int64)
    model = KMeans(n_clusters, n_init=10, random_state=random_state)
    return model.fit_predict(values).astype(np.int64)


def fg_ari(masks: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Foreground adjusted Rand index of each scene: background pixels left out.

    The score of object discovery (Greff et al. 2019; AKOrN, ICLR 2025): the adjusted Rand
    index between the true objects and the predicted groups over the pixels that belong to
    an object; what the background is assigned to does not count.

    Parameters
    ----------
    masks : ndarray of int, shape (n_scenes, ...) or (...)
        True objects (0: background).
    labels : ndarray of int, same shape
        Predicted groups.

    Returns
    -------
    ari : ndarray, shape (n_scenes,)
        1 for a perfect grouping, about 0 for a random one; NaN for a scene without
        foreground.

    Examples
    --------
    >>> masks = np.array([[0, 1, 1, 2, 2]])
    >>> fg_ari(masks, np.array([[5, 3, 3, 4, 4]])).tolist()  # background ignored
    [1.0]
    """
    from sklearn.metrics import adjusted_rand_score

    masks, labels = np.asarray(masks), np.asarray(labels)
    if masks.shape != labels.shape:
        raise ValueError(f"`masks` {masks.shape} and `labels` {labels.shape} differ in shape.")
    if masks.ndim < 2:
        masks, labels = masks[np.newaxis], labels[np.newaxis]
    out = np.full(len(masks), np.nan)
    for k, (m, lab) in enumerate(zip(masks, labels, strict=True)):
        fg = m.ravel() > 0
        if fg.any():
            out[k] = adjusted_rand_score(m.ravel()[fg], lab.ravel()[fg])
    return out

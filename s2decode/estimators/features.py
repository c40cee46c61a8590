"""Decoding features from S2-Net spike trains: plain functions returning named blocks.

Each function takes the simulated :class:`~s2decode.spiketrains.SpikeTrains` (trials x
neurons) and time windows (``(n_windows, 2)`` rows ``[start, stop]`` in network seconds)
and returns a :class:`FeatureBlock`: one metric, the elements it describes (a parcel, a
network, a pair of them, or ``"global"``) and the values, shape
``(n_trials, n_windows, n_elements)``. :func:`compute_features` runs a list of them and
:func:`feature_layout` names their columns without simulating anything, which is how
:class:`~s2decode.estimators.S2Featurizer` knows its output before ``transform``.

Feature sets (the names accepted by ``S2Featurizer(features=...)``):

``"rates"``
    firing rate of every neuron in each window (Hz).
``"latency"``
    first-spike latency of every neuron after the window's start (s); a neuron that does
    not fire in the window gets the window's length (a censored latency).
``"kuramoto"``
    mean over time of the Kuramoto order parameter ``R(t)`` of the neurons' phases and its
    standard deviation over time (metastability), for all neurons and per network.
``"plv"``
    phase-locking value of neuron pairs, averaged per network pair (or per neuron pair, or
    over all pairs; see ``pairs``).
``"spike_sync"``
    SPIKE-synchronization (Kreuz et al. 2015), aggregated over pairs as ``"plv"``.
``"sttc"``
    spike time tiling coefficient (Cutts & Eglen 2014, +-5 ms), aggregated as ``"plv"``.
``"energy"``
    energy estimate of the network in the window (pJ): synaptic events times 0.9 pJ per
    accumulate, and its ratio to the multiply-accumulates of an equivalent dense layer at
    4.6 pJ each (45 nm figures, Horowitz 2014, as in the S2-Net design note).

Phases are those of S2-Net's own spike-history trace (``method="history"`` of
:func:`s2decode.sync.spike_phases`, with the network's ``omega`` and memory ``T_w``,
computed as unit phasors by :func:`s2decode.sync.spike_phasors`), sampled every
``phase_step`` seconds. Undefined values (no spike yet, an empty train) are
left out of every mean; an element with no defined value at all gets 0 ("no evidence of
synchrony"), so the features are always finite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._checks import check_option
from .._memory import require_memory
from ..energy import EnergyModel, dense_operations, synaptic_operations
from ..paths import get_memory_budget
from ..spiketrains import SpikeTrains

#: Feature sets, in the order their columns come out.
FEATURE_SETS = ("rates", "latency", "kuramoto", "plv", "spike_sync", "sttc", "energy")
#: The feature sets used when none are named.
DEFAULT_FEATURES = ("rates", "latency", "kuramoto", "plv", "spike_sync")
#: Sampling step (s) of the phases the phase features read (at most a tenth of a window).
PHASE_STEP = 2e-3
#: How pair metrics are aggregated.
PAIR_MODES = ("auto", "networks", "nodes", "global")
#: Largest number of nodes for which ``pairs="auto"`` keeps every node pair.
MAX_NODE_PAIRS_AUTO = 16
#: Energy per synaptic accumulate and per dense multiply-accumulate (pJ, 45 nm): the
#: defaults of :class:`s2decode.energy.EnergyModel`.
ENERGY_PER_AC_PJ = EnergyModel().pj_per_ac
ENERGY_PER_MAC_PJ = EnergyModel().pj_per_mac

_PAIR_METRICS = ("plv", "spike_sync", "sttc")
_TRIAL_CHUNK = 32  # trials per chunk of the phase and pair computations (bounded memory)


@dataclass(frozen=True)
class FeatureBlock:
    """One metric computed for some elements in every window.

    Attributes
    ----------
    metric : str
        Name of the metric (``"rate"``, ``"kuramoto_mean"``, ``"plv"``, ...).
    elements : tuple of str
        What each column describes: a node name, a network, a pair ``"A~B"``, or
        ``"global"``.
    values : ndarray, shape (n_trials, n_windows, n_elements) | None
        The values; ``None`` in a layout (:func:`feature_layout`).
    """

    metric: str
    elements: tuple[str, ...]
    values: np.ndarray | None = None


@dataclass(frozen=True)
class PairPlan:
    """How pair matrices are reduced to features (see :func:`plan_pairs`).

    Attributes
    ----------
    mode : {"networks", "nodes", "global"}
        Average per network pair, keep every node pair, or average over all pairs.
    labels : ndarray of int, shape (n_nodes,)
        Group of each node (``mode="networks"``), else zeros.
    groups : tuple of str
        Names of the groups, sorted.
    elements : tuple of str
        Name of each output column.
    """

    mode: str
    labels: np.ndarray
    groups: tuple[str, ...]
    elements: tuple[str, ...]


def plan_pairs(node_names: Sequence[str], networks: Sequence[str] | None, mode: str) -> PairPlan:
    """Decide how pair metrics are reported.

    Parameters
    ----------
    node_names : sequence of str
        Names of the nodes.
    networks : sequence of str | None
        Network of each node (``""`` where unknown); ``None`` when there are none.
    mode : {"auto", "networks", "nodes", "global"}
        ``"networks"``: mean over the node pairs of each pair of networks (within-network
        pairs included, ``"A~A"``); ``"nodes"``: every node pair; ``"global"``: the mean
        over all pairs. ``"auto"``: networks where at least two are known, else node pairs
        for at most 16 nodes, else global.

    Returns
    -------
    plan : PairPlan
    """
    check_option(mode, PAIR_MODES, "pairs")
    names = [str(s) for s in node_names]
    n = len(names)
    nets = None
    if networks is not None:
        nets = np.array(["none" if s in ("", "nan", "None") else str(s) for s in networks])
    n_nets = 0 if nets is None else np.unique(nets).size
    if mode == "auto":
        if nets is not None and n_nets >= 2:
            mode = "networks"
        elif n <= MAX_NODE_PAIRS_AUTO:
            mode = "nodes"
        else:
            mode = "global"
    if mode == "networks":
        if nets is None:
            raise ValueError(
                "pairs='networks' needs the network of each node: give trials whose parcels "
                "carry a 'network' coordinate or an atlas with networks, or use "
                "pairs='nodes' / 'global'."
            )
        groups, labels = np.unique(nets, return_inverse=True)
        rows, cols = np.triu_indices(groups.size)
        elements = tuple(f"{groups[a]}~{groups[b]}" for a, b in zip(rows, cols, strict=True))
        return PairPlan("networks", labels.astype(np.int64), tuple(groups.tolist()), elements)
    zeros = np.zeros(n, dtype=np.int64)
    if mode == "nodes":
        rows, cols = np.triu_indices(n, k=1)
        elements = tuple(f"{names[i]}~{names[j]}" for i, j in zip(rows, cols, strict=True))
        return PairPlan("nodes", zeros, (), elements)
    return PairPlan("global", zeros, (), ("global",))


def reduce_pairs(matrices: np.ndarray, plan: PairPlan) -> np.ndarray:
    """Reduce symmetric pair matrices to the columns of a :class:`PairPlan`.

    Parameters
    ----------
    matrices : ndarray, shape (..., n_nodes, n_nodes)
        Pair values (the diagonal is ignored; NaN entries are left out of every mean).
    plan : PairPlan
        From :func:`plan_pairs`.

    Returns
    -------
    values : ndarray, shape (..., n_elements)
        Means over the pairs of each element; NaN where an element has no defined pair.
    """
    matrices = np.asarray(matrices, dtype=float)
    n = matrices.shape[-1]
    off = ~np.eye(n, dtype=bool)
    valid = np.isfinite(matrices) & off
    filled = np.where(valid, matrices, 0.0)
    if plan.mode == "nodes":
        rows, cols = np.triu_indices(n, k=1)
        out = matrices[..., rows, cols]
        return np.where(np.isfinite(out), out, np.nan)
    if plan.mode == "global":
        total = filled.sum(axis=(-2, -1))
        count = valid.sum(axis=(-2, -1))
        with np.errstate(invalid="ignore", divide="ignore"):
            return (total / count)[..., np.newaxis]
    onehot = np.zeros((n, len(plan.groups)))
    onehot[np.arange(n), plan.labels] = 1.0
    # sums over (i in A, j in B): M^T X M, the same for the counts of defined pairs
    total = np.einsum("ia,...ij,jb->...ab", onehot, filled, onehot, optimize=True)
    count = np.einsum("ia,...ij,jb->...ab", onehot, valid.astype(float), onehot, optimize=True)
    rows, cols = np.triu_indices(len(plan.groups))
    with np.errstate(invalid="ignore", divide="ignore"):
        return total[..., rows, cols] / count[..., rows, cols]


def kuramoto_groups(networks: Sequence[str] | None) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """Group labels for the per-network Kuramoto order (``None`` without two networks)."""
    if networks is None:
        return None, ()
    nets = np.array(["none" if s in ("", "nan", "None") else str(s) for s in networks])
    groups = np.unique(nets)
    if groups.size < 2:
        return None, ()
    return nets, tuple(groups.tolist())


# ------------------------------------------------------------------------------ windows
def window_counts(spikes: SpikeTrains, windows: np.ndarray) -> np.ndarray:
    """Spike counts in each closed window, shape (n_trials, n_windows, n_neurons)
    (:meth:`SpikeTrains.window_counts <s2decode.SpikeTrains.window_counts>`)."""
    return spikes.window_counts(windows)


def rates(spikes: SpikeTrains, windows: np.ndarray, node_names: Sequence[str]) -> FeatureBlock:
    """Firing rate (Hz) of every neuron in each window."""
    lengths = windows[:, 1] - windows[:, 0]
    values = window_counts(spikes, windows) / lengths[np.newaxis, :, np.newaxis]
    return FeatureBlock("rate", tuple(node_names), values)


def latencies(spikes: SpikeTrains, windows: np.ndarray, node_names: Sequence[str]) -> FeatureBlock:
    """First-spike latency (s) of every neuron after each window's start.

    A neuron silent in the window gets the window's length (censored at the window's end).
    """
    n_trains = spikes.n_trials * spikes.n_neurons
    out = np.empty((len(windows), n_trains))
    ends = spikes.offsets[1:]
    for w, (start, stop) in enumerate(windows):
        first = spikes.offsets[:-1] + spikes.counts_before(start)
        has = first < ends
        t_first = np.full(n_trains, np.inf)
        t_first[has] = spikes.times[first[has]]
        lat = t_first - start
        out[w] = np.where(t_first <= stop, lat, stop - start)
    out = out.reshape(len(windows), spikes.n_trials, spikes.n_neurons)
    return FeatureBlock("latency", tuple(node_names), np.ascontiguousarray(out.transpose(1, 0, 2)))


def phase_times(windows: np.ndarray, step: float) -> np.ndarray:
    """Sample times (s) covering the windows every ``step`` seconds (centred in each step)."""
    start, stop = float(windows[:, 0].min()), float(windows[:, 1].max())
    n = max(1, int(np.floor((stop - start) / step + 1e-9)))
    step = (stop - start) / n
    return start + step * (np.arange(n) + 0.5)


def _pair_chunk_size(n: int, n_win: int, n_trials: int, times, features: set[str]) -> int:
    """Trials per chunk of the phase and pair computations: at most :data:`_TRIAL_CHUNK`,
    fewer where the memory budget (:func:`s2decode.get_memory_budget`) asks for it; a
    :class:`~s2decode.errors.MemoryBudgetError` where not even one trial fits.

    The values do not depend on the chunking (each trial is computed on its own).
    """
    import numba

    n_times = 0 if times is None else len(times)
    n_pair = len(set(_PAIR_METRICS) & features)
    # per trial: its n x n matrices in each window (and the kernels' values per pair) of
    # each pair metric, and its complex phasors; once: the sweeps' and PLV's per-thread
    # matrices, one trial's phasors with NaN set to 0 and their mask (PLV)
    per_trial = max(8 * (1.5 * n_win * n * n * n_pair + 2 * n * n_times), 1.0)
    fixed = 8 * n * n * (5 * numba.get_num_threads() + 2) + 25 * n * n_times
    budget = get_memory_budget()
    fits = int((budget - fixed) // per_trial) if budget > fixed else 0
    if fits < 1:
        require_memory(
            per_trial + fixed,
            budget,
            f"The pair features ({', '.join(sorted(set(_PAIR_METRICS) & features))}) of one "
            f"trial of {n} nodes x {n_win} window(s)",
            "Use fewer nodes (a coarser atlas, or spatial reduction), fewer windows, or "
            "leave these pair metrics out of `features`",
        )
    return max(1, min(_TRIAL_CHUNK, fits, n_trials))


def _trial_chunk(spikes: SpikeTrains, start: int, stop: int) -> SpikeTrains:
    """Trials ``start:stop`` as a SpikeTrains sharing nothing mutable (no Python loop)."""
    n = spikes.n_neurons
    lo, hi = spikes.offsets[start * n], spikes.offsets[stop * n]
    return SpikeTrains(
        spikes.times[lo:hi],
        spikes.offsets[start * n : stop * n + 1] - lo,
        stop - start,
        n,
        spikes.t_start,
        spikes.t_stop,
        spikes.neuron_names,
    )


def _fill(values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    return np.where(np.isfinite(values), values, fill)


# ------------------------------------------------------------------------------ engine
def feature_layout(
    features: Sequence[str],
    node_names: Sequence[str],
    networks: Sequence[str] | None,
    pairs: str,
) -> list[FeatureBlock]:
    """The blocks (metric and elements, no values) :func:`compute_features` returns.

    Parameters
    ----------
    features : sequence of str
        Feature sets (see the module docstring), in any order; output follows
        :data:`FEATURE_SETS`.
    node_names : sequence of str
        Names of the nodes (neurons).
    networks : sequence of str | None
        Network of each node.
    pairs : {"auto", "networks", "nodes", "global"}
        Aggregation of pair metrics (:func:`plan_pairs`).

    Returns
    -------
    blocks : list of FeatureBlock
    """
    features = check_features(features)
    names = tuple(str(s) for s in node_names)
    plan = plan_pairs(names, networks, pairs)
    _, k_groups = kuramoto_groups(networks)
    blocks = []
    for name in features:
        if name == "rates":
            blocks.append(FeatureBlock("rate", names))
        elif name == "latency":
            blocks.append(FeatureBlock("latency", names))
        elif name == "kuramoto":
            elements = ("global", *k_groups)
            blocks.append(FeatureBlock("kuramoto_mean", elements))
            blocks.append(FeatureBlock("kuramoto_metastability", elements))
        elif name in _PAIR_METRICS:
            blocks.append(FeatureBlock(name, plan.elements))
        elif name == "energy":
            blocks.append(FeatureBlock("energy_pj", ("global",)))
            blocks.append(FeatureBlock("energy_ratio", ("global",)))
    return blocks


def check_features(features: Sequence[str]) -> tuple[str, ...]:
    """Validate feature-set names; return them in canonical (output) order, unique."""
    if isinstance(features, str):
        features = (features,)
    try:
        wanted = [str(f) for f in features]
    except TypeError:
        raise TypeError(
            f"`features` must be a sequence of names from {FEATURE_SETS}, got {features!r}."
        ) from None
    unknown = sorted(set(wanted) - set(FEATURE_SETS))
    if unknown:
        raise ValueError(f"Unknown feature set(s) {unknown}; choose from {FEATURE_SETS}.")
    if not wanted:
        raise ValueError(f"`features` is empty; choose at least one of {FEATURE_SETS}.")
    return tuple(f for f in FEATURE_SETS if f in wanted)


def compute_features(
    spikes: SpikeTrains,
    windows: np.ndarray,
    *,
    features: Sequence[str] = DEFAULT_FEATURES,
    node_names: Sequence[str] | None = None,
    networks: Sequence[str] | None = None,
    pairs: str = "auto",
    f_omega: float | np.ndarray = 20.0,
    memory: float = 0.05,
    phase_step: float = 0.002,
    sttc_dt: float = 0.005,
    out_degree: np.ndarray | None = None,
    dense_updates: np.ndarray | None = None,
) -> list[FeatureBlock]:
    """Compute feature blocks from simulated spike trains.

    Parameters
    ----------
    spikes : SpikeTrains
        Spike trains, trials x neurons (network seconds).
    windows : ndarray, shape (n_windows, 2)
        Windows ``[start, stop]`` inside ``[spikes.t_start, spikes.t_stop]``.
    features : sequence of str
        Feature sets (module docstring).
    node_names : sequence of str | None
        Names of the neurons; ``spikes.neuron_names`` or ``"node000"``... where ``None``.
    networks : sequence of str | None
        Network of each neuron (per-network Kuramoto order, network-pair aggregation).
    pairs : {"auto", "networks", "nodes", "global"}
        Aggregation of pair metrics (:func:`plan_pairs`).
    f_omega : float | ndarray, shape (n_neurons,)
        Frequency (Hz) of the spike-history phase, one or per neuron (the network's).
    memory : float
        Memory window ``T_w`` (s) of the spike-history phase.
    phase_step : float
        Sampling step (s) of the phases.
    sttc_dt : float
        Synchrony window (s) of the STTC.
    out_degree : ndarray, shape (n_neurons,) | None
        Outgoing connections of each neuron (for ``"energy"``); ``None``: all-to-all.
    dense_updates : ndarray, shape (n_windows,) | None
        Updates of the equivalent dense layer in each window (for ``"energy"``; e.g. the
        input samples in the window); ``None``: one per window.

    Returns
    -------
    blocks : list of FeatureBlock
        In the order of :func:`feature_layout`, every value finite.
    """
    from .. import sync

    features = check_features(features)
    windows = np.asarray(windows, dtype=float).reshape(-1, 2)
    n = spikes.n_neurons
    if node_names is None:
        node_names = spikes.neuron_names or [f"node{i:03d}" for i in range(n)]
    names = tuple(str(s) for s in node_names)
    if len(names) != n:
        raise ValueError(f"`node_names` has {len(names)} names for {n} neurons.")
    plan = plan_pairs(names, networks, pairs)
    k_labels, k_groups = kuramoto_groups(networks)
    n_trials, n_win = spikes.n_trials, len(windows)

    blocks: dict[str, list[FeatureBlock]] = {}
    if "rates" in features:
        blocks["rates"] = [rates(spikes, windows, names)]
    if "latency" in features:
        blocks["latency"] = [latencies(spikes, windows, names)]

    needs_phase = {"kuramoto", "plv"} & set(features)
    chunked = needs_phase | ({"spike_sync", "sttc"} & set(features))
    if chunked:
        n_k = 1 + len(k_groups)
        k_mean = np.zeros((n_trials, n_win, n_k))
        k_meta = np.zeros((n_trials, n_win, n_k))
        pair_vals = {m: np.zeros((n_trials, n_win, len(plan.elements))) for m in _PAIR_METRICS}
        omega = 2 * np.pi * np.broadcast_to(np.asarray(f_omega, dtype=float), (n,))
        times = phase_times(windows, phase_step) if needs_phase else None
        chunk_size = _pair_chunk_size(n, n_win, n_trials, times, set(features))
        for start in range(0, n_trials, chunk_size):
            stop = min(start + chunk_size, n_trials)
            chunk = _trial_chunk(spikes, start, stop)
            if needs_phase:
                # unit phasors: the order and the PLV need no angles (nor cos and sin)
                phases = sync.spike_phasors(chunk, times, omega=omega, memory=memory)
            if "kuramoto" in features:
                order = sync.kuramoto_order(phases, k_labels, times=times, windows=windows)
                k_mean[start:stop, :, 0] = order.mean
                k_meta[start:stop, :, 0] = order.metastability
                if k_labels is not None:
                    k_mean[start:stop, :, 1:] = order.group_mean.transpose(0, 2, 1)
                    k_meta[start:stop, :, 1:] = order.group_metastability.transpose(0, 2, 1)
            if "plv" in features:
                plv = sync.phase_locking_matrix(phases, times=times, windows=windows)
                pair_vals["plv"][start:stop] = reduce_pairs(plv, plan)
            if "spike_sync" in features:
                mat = sync.spike_sync_matrix(chunk, windows=windows)
                pair_vals["spike_sync"][start:stop] = reduce_pairs(mat, plan)
            if "sttc" in features:
                mat = sync.sttc_matrix(chunk, dt=sttc_dt, windows=windows)
                pair_vals["sttc"][start:stop] = reduce_pairs(mat, plan)
        if "kuramoto" in features:
            elements = ("global", *k_groups)
            blocks["kuramoto"] = [
                FeatureBlock("kuramoto_mean", elements, _fill(k_mean)),
                FeatureBlock("kuramoto_metastability", elements, _fill(k_meta)),
            ]
        for metric in _PAIR_METRICS:
            if metric in features:
                blocks[metric] = [FeatureBlock(metric, plan.elements, _fill(pair_vals[metric]))]
    if "energy" in features:
        blocks["energy"] = list(energy(spikes, windows, out_degree, dense_updates))
    return [block for name in features for block in blocks[name]]


def energy(
    spikes: SpikeTrains,
    windows: np.ndarray,
    out_degree: np.ndarray | None = None,
    dense_updates: np.ndarray | None = None,
) -> tuple[FeatureBlock, FeatureBlock]:
    """Energy estimate of the spiking network against an equivalent dense layer.

    The spiking network spends one accumulate per synaptic event (a spike times the
    neuron's outgoing connections), at :data:`ENERGY_PER_AC_PJ`; a dense layer with the same
    ``n x n`` weights spends ``n**2`` multiply-accumulates per update, at
    :data:`ENERGY_PER_MAC_PJ`, and updates ``dense_updates`` times in the window (e.g. once
    per input sample). The counts are :mod:`s2decode.energy`'s (which says what they leave
    out: memory access).

    Parameters
    ----------
    spikes : SpikeTrains
        Simulated spike trains.
    windows : ndarray, shape (n_windows, 2)
        Windows (s).
    out_degree : ndarray, shape (n_neurons,) | None
        Outgoing connections per neuron; ``None``: ``n_neurons - 1`` (all-to-all).
    dense_updates : ndarray, shape (n_windows,) | None
        Dense-layer updates per window; ``None``: 1.

    Returns
    -------
    energy_pj, ratio : FeatureBlock
        Synaptic energy (pJ) and its ratio to the dense layer's, element ``"global"``.
    """
    model = EnergyModel(ENERGY_PER_AC_PJ, ENERGY_PER_MAC_PJ)
    updates = np.ones(len(windows)) if dense_updates is None else np.asarray(dense_updates, float)
    snn = synaptic_operations(spikes, out_degree, windows) * model.pj_per_ac
    dense = dense_operations(spikes.n_neurons, updates) * model.pj_per_mac
    return (
        FeatureBlock("energy_pj", ("global",), snn[..., np.newaxis]),
        FeatureBlock("energy_ratio", ("global",), (snn / dense)[..., np.newaxis]),
    )


def stack_blocks(blocks: Sequence[FeatureBlock]) -> np.ndarray:
    """Columns of the blocks as one (n_trials, n_features) matrix (block, window, element)."""
    if not blocks:
        raise ValueError("No feature block to stack.")
    cols = [b.values.reshape(b.values.shape[0], -1) for b in blocks]
    return np.ascontiguousarray(np.concatenate(cols, axis=1), dtype=np.float64)


def column_index(blocks: Sequence[FeatureBlock], n_windows: int) -> dict[str, np.ndarray]:
    """Metric, element and window of every column of :func:`stack_blocks`."""
    metric, element, window = [], [], []
    for b in blocks:
        for w in range(n_windows):
            for e in b.elements:
                metric.append(b.metric)
                element.append(e)
                window.append(w)
    return {
        "metric": np.array(metric, dtype=object).astype(str),
        "element": np.array(element, dtype=object).astype(str),
        "window": np.array(window, dtype=np.int64),
    }

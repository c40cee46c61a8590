"""Batched simulation of S2-Net with Brian2: all trials of a batch in one network, one run.

This module is the entry point, :func:`simulate`: it checks the inputs, encodes them, draws
the random state, plans the batch size against the memory budget and hands the batches to a
backend. The batches themselves (their inputs, the progress bar and the joining of the
results into spike trains) are in :mod:`.batches`; the backends in :mod:`.runtime` and
:mod:`.standalone`.

Backends
--------
``"auto"`` (default)
    The fastest of the three below that works here, per call (:mod:`.backends`): C++
    standalone where a compiler and ``make`` work and the call is large enough to pay for
    a build (or its build is cached), else Cython, else numpy. The spikes are the same
    whichever runs them.
``"cython"``
    Brian2 runtime mode with Cython code generation. Kernels are compiled once into
    ``<cache>/brian2/cython`` and reused for every configuration and batch size; falls back
    to ``"numpy"`` with a warning where no C++ compiler is available.
``"numpy"``
    Brian2 runtime mode with numpy code generation (no compiler; slow).
``"cpp_standalone"``
    Brian2's C++ standalone device. One build per network shape (trials per batch, parcels,
    connections, input rows, duration) in ``<cache>/brian2/standalone/<key>``; every batch
    is a run of that binary with its inputs, parameters and initial state passed through
    ``run_args`` files, so new inputs and parameter values need no recompilation. Batches run
    as ``n_jobs`` concurrent processes. Without ``batch_size``, batches are small enough for
    one core's L2 cache to hold their neurons' state, and rounded up to a canonical size (at
    most 1/8 padding) so that calls with nearby trial counts share a build.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from .._checks import check_option
from .._memory import require_memory
from ..errors import InvalidInputError
from ..paths import MEMORY_ENV, available_memory, get_cache_dir, get_memory_budget
from ..spiketrains import SpikeTrains
from ..trials import check_trials, measure_of, node_dim_of
from . import model
from .backends import (
    AUTO_STANDALONE_MIN_STEPS,
    BACKENDS,
    cache_batch_size,
    canonical_batch_size,
    neuron_steps,
    standalone_available,
)
from .batches import _assemble_spikes, _assemble_states, _Run, spiketrains_from_indices
from .brian import import_brian2
from .config import S2NetConfig
from .encoders import Drive, encode
from .runtime import _cython_available, _run_runtime_jobs
from .standalone import _build_exists, _run_standalone

__all__ = ["BACKENDS", "simulate", "spiketrains_from_indices"]

# Upper bound of the firing rate used to size spike buffers in the memory estimate (Hz).
_RATE_BOUND = 100.0


def simulate(
    trials,
    scaffold,
    config: S2NetConfig | None = None,
    seed: int = 0,
    *,
    sfreq: float | None = None,
    duration: float | None = None,
    backend: str = "auto",
    batch_size: int | None = None,
    n_jobs: int | None = None,
    max_memory: float | str | None = None,
    record: bool = False,
    progress: bool = False,
    cache_dir: str | os.PathLike | None = None,
) -> SpikeTrains | tuple[SpikeTrains, xr.Dataset]:
    """Simulate S2-Net on every trial and return the spike trains.

    Parameters
    ----------
    trials : xarray.DataArray | ndarray | SpikeTrains
        The trials DataArray of the data model (dims ``("trial", parcel, "time")``), an
        array of shape ``(n_trials, n_parcels, n_times)`` (then give ``sfreq``), or recorded
        spike trains (``encoder="spikes"``). A DataArray of ``measure="spike_counts"`` is
        turned into spike trains.
    scaffold : s2decode.atlas.Scaffold | sequence of Scaffold
        Weights and conduction delays between the ``n_parcels`` nodes, in the order of the
        trials' parcels. A list (or tuple) of one scaffold per trial gives every trial its own
        weights (e.g. weights gated by each image's content, ``s2decode.binding``) while the
        trials still share a batch network: the scaffolds must share their nodes and their
        delays on the connections they have (``scaffold.with_weights(...)``).
    config : S2NetConfig | None
        Parameters; ``None`` uses the defaults.
    seed : int
        Seed of every random choice (initial potentials, Poisson events, scaffold shuffle).
        Trial ``k`` gets the same draws whatever the batching or backend.
    sfreq : float | None
        Sampling frequency in Hz when ``trials`` is a plain array.
    duration : float | None
        Network seconds to simulate; default: the trials' length times ``time_scale``.
    backend : {"auto", "cython", "numpy", "cpp_standalone"}
        How Brian2 runs the network (see the module documentation); ``"auto"`` takes the
        fastest that works here, with the same spikes.
    batch_size : int | None
        Trials per network; ``None`` chooses the largest batch that fits ``max_memory``
        (and no more than needed to give every job one batch); with the standalone backend,
        about what one core's L2 cache holds (``s2decode.net.backends.cache_batch_size``;
        rounded up to a canonical size, at most 1/8 more).
    n_jobs : int | None
        Number of batches run concurrently, each in its own process. ``None`` means 1 (the
        runtime backends then run in this process), ``-1`` all CPU cores.
    max_memory : float | str | None
        Memory budget in bytes (or a string such as ``"2GB"``, or ``"25%"`` of the available
        memory) for all batches in flight; ``None`` uses the ``S2DECODE_MEMORY_BUDGET``
        environment variable where it is set (:func:`s2decode.get_memory_budget`), else half
        of the available memory, at most 4 GB.
    record : bool
        Also record the phase ``phi = arg z``, ``rho = |z|`` and the modulation ``m`` of
        every neuron every ``config.record_dt``.
    progress : bool
        Show a progress bar (simulated trial-seconds).
    cache_dir : path-like | None
        Where compiled code goes; default ``s2decode.paths.get_cache_dir() / "brian2"``
        (the ``S2DECODE_CACHE`` environment variable).

    Returns
    -------
    spikes : SpikeTrains
        Spike times in network seconds, ``t_start`` being the trials' first time point times
        ``time_scale``.
    states : xarray.Dataset
        Only with ``record=True``: ``phi``, ``rho`` and ``m`` with dims
        ``("trial", "parcel", "time")``.

    Raises
    ------
    s2decode.errors.MemoryBudgetError
        When one trial, or the requested ``batch_size``, does not fit the budget (before
        anything is allocated; the message gives the bytes needed and the budget). It is a
        ``MemoryError``.
    """
    config = S2NetConfig() if config is None else config
    if not isinstance(config, S2NetConfig):
        raise TypeError(f"`config` must be an S2NetConfig, got {type(config).__name__}.")
    check_option(backend, BACKENDS, "backend")
    seed = _check_seed(seed)
    data, data_sfreq, names, t0 = _parse_trials(trials, sfreq, config)
    n_trials = data.n_trials if isinstance(data, SpikeTrains) else data.shape[0]
    n_parcels = data.n_neurons if isinstance(data, SpikeTrains) else data.shape[1]
    if isinstance(scaffold, (list, tuple)):
        if len(scaffold) != n_trials:
            raise ValueError(
                f"`scaffold` is a sequence of {len(scaffold)} scaffolds for {n_trials} trials; "
                "give one scaffold, or one per trial."
            )
        for one in scaffold:
            _check_scaffold(one, n_parcels, names)
    else:
        _check_scaffold(scaffold, n_parcels, names)

    seq = np.random.SeedSequence(seed)
    rng_scaffold, rng_v, rng_input = (np.random.default_rng(s) for s in seq.spawn(3))
    drive = encode(data, data_sfreq, config, rng_input, duration=duration, t_start=t0)
    edges = model.prepare_edges(scaffold, config, rng_scaffold)
    v0 = rng_v.uniform(0.0, config.v_init, size=(n_trials, n_parcels))

    n_jobs = _check_n_jobs(n_jobs)
    budget = _memory_budget(max_memory)
    per_trial = _bytes_per_trial(drive, edges, config, record, n_parcels)
    planned = _plan_batch(n_trials, batch_size, n_jobs, budget, per_trial)

    import_brian2()
    cache = Path(cache_dir) if cache_dir is not None else get_cache_dir() / "brian2"
    run = _Run(drive, edges, config, v0, n_parcels, planned, record, progress, cache)
    standalone = run
    if batch_size is None:
        # batches whose state stays in a core's cache, rounded up to a canonical size so
        # that nearby trial counts share a standalone build
        small = min(planned, cache_batch_size(n_trials, n_parcels, n_jobs))
        fits = int(budget // (per_trial * max(1, min(n_jobs, n_trials))))
        size = max(small, min(canonical_batch_size(small), fits))
        standalone = dataclasses.replace(run, batch_size=size)
    if backend == "auto":
        backend = _auto_backend(standalone, cache)
    elif backend == "cython" and not _cython_available(cache):
        backend = None
    if backend is None:
        warnings.warn(
            "No working C++ compiler for Brian2's Cython target; falling back to the (much "
            "slower) numpy target. Install a compiler (gcc/clang, or MSVC on Windows) to "
            "speed this up.",
            RuntimeWarning,
            stacklevel=2,
        )
        backend = "numpy"
    if backend == "cpp_standalone":
        batches = _run_standalone(standalone, n_jobs)
    else:
        batches = _run_runtime_jobs(run, backend, n_jobs)

    spikes = _assemble_spikes(batches, n_trials, n_parcels, drive, names)
    if not record:
        return spikes
    return spikes, _assemble_states(batches, n_trials, n_parcels, drive, config, names)


def _auto_backend(run: _Run, cache: Path) -> str | None:
    """``backend="auto"``: the backend that runs ``run`` fastest here (:mod:`.backends`).

    ``None`` where no compiler works (the caller warns and takes numpy).
    """
    if not standalone_available(cache):
        return "cython" if _cython_available(cache) else None
    steps = neuron_steps(run.drive.n_trials, run.n_parcels, run.drive.duration, run.config.dt)
    if steps >= AUTO_STANDALONE_MIN_STEPS or _build_exists(run):
        return "cpp_standalone"
    return "cython"


# ---------------------------------------------------------------------------- input parsing
def _check_seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be a non-negative integer, got {seed!r}.")
    if seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer, got {seed!r}.")
    return int(seed)


def _parse_trials(trials, sfreq, config: S2NetConfig):
    """-> (array or SpikeTrains, sfreq, parcel names or None, data time of the first sample)."""
    if isinstance(trials, SpikeTrains):
        return trials, None, trials.neuron_names, trials.t_start
    if isinstance(trials, xr.DataArray):
        trials = check_trials(trials)
        names = [str(s) for s in trials[node_dim_of(trials)].values]
        t0 = float(trials["time"].values[0])
        if measure_of(trials) == "spike_counts" and config.encoder == "spikes":
            return SpikeTrains.from_counts(trials), None, names, t0
        if sfreq is not None and not np.isclose(sfreq, trials.attrs["sfreq"]):
            raise ValueError(
                f"`sfreq`={sfreq} disagrees with trials.attrs['sfreq']="
                f"{trials.attrs['sfreq']}; leave sfreq=None for DataArray trials."
            )
        return np.asarray(trials.values, dtype=float), float(trials.attrs["sfreq"]), names, t0
    if isinstance(trials, np.ndarray) or isinstance(trials, Sequence):
        data = np.asarray(trials, dtype=float)
        if data.ndim != 3:
            raise ValueError(
                f"`trials` must have shape (n_trials, n_parcels, n_times), got {data.shape}."
            )
        if sfreq is None:
            raise ValueError("`sfreq` (Hz) is required when `trials` is an array.")
        if not np.all(np.isfinite(data)):
            raise ValueError("`trials` contains NaN or infinite values; clean or drop them first.")
        return data, float(sfreq), None, 0.0
    raise TypeError(
        "`trials` must be a trials DataArray, an array (n_trials, n_parcels, n_times) or a "
        f"SpikeTrains, got {type(trials).__name__}."
    )


def _check_scaffold(scaffold, n_parcels: int, names) -> None:
    from ..atlas import Scaffold

    if not isinstance(scaffold, Scaffold):
        raise TypeError(
            f"`scaffold` must be an s2decode.atlas.Scaffold, got {type(scaffold).__name__}."
        )
    if scaffold.n_nodes != n_parcels:
        raise ValueError(
            f"The scaffold has {scaffold.n_nodes} nodes but the trials have {n_parcels} "
            "parcels; build the scaffold on the trials' atlas."
        )
    default = [f"node{i:03d}" for i in range(n_parcels)]
    if names is not None and scaffold.labels != default and list(names) != scaffold.labels:
        raise ValueError(
            "The scaffold's labels differ from the trials' parcel names (or their order); "
            "build the scaffold from the same atlas, in the same parcel order."
        )


def _check_n_jobs(n_jobs) -> int:
    if n_jobs is None:
        return 1
    n_jobs = int(n_jobs)
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"`n_jobs` must be a positive integer or -1, got {n_jobs}.")
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs


# ---------------------------------------------------------------------------- memory planning
def _memory_budget(max_memory) -> float:
    if max_memory is not None:
        try:
            return float(get_memory_budget(max_memory))
        except InvalidInputError as err:
            raise InvalidInputError(str(err).replace("memory_budget=", "max_memory=")) from None
    if os.environ.get(MEMORY_ENV, "").strip():
        return float(get_memory_budget())
    # no budget set: batches of at most 4 GB in all (larger ones simulate no faster)
    return min(0.5 * available_memory(), 4e9)


def _bytes_per_trial(drive: Drive, edges, config: S2NetConfig, record: bool, n: int) -> float:
    """Generous estimate of the memory one trial takes in a batch network (bytes)."""
    duration = drive.duration
    neurons = n * 24 * 8  # state, parameters, spike space, Brian2 bookkeeping
    # i, j, w, delay (+ the int copy in the queue), per-neuron synapse lists, queue slots
    synapses = edges.n_edges * (64 + (16 if edges.per_trial else 0))
    current = drive.n_rows * n * 8 * 3  # encoded array, batch buffer, file/TimedArray copy
    spikes = n * duration * _RATE_BOUND * 12 * 3  # monitor, readout, assembly
    events = drive.events_per_trial().max(initial=0) * 40 + 2 * n * 40
    states = 0.0
    if record:
        states = n * math.ceil(duration / config.record_dt) * 3 * 8 * 3
    return float(neurons + synapses + current + spikes + events + states)


def _plan_batch(n_trials, batch_size, n_jobs, budget, per_trial) -> int:
    in_flight = max(1, min(n_jobs, n_trials))
    fits = int(budget // (per_trial * in_flight))
    if batch_size is not None:
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive integer, got {batch_size}.")
        batch_size = min(batch_size, n_trials)
        if batch_size > fits:
            require_memory(
                batch_size * per_trial * in_flight,
                int(budget),
                f"A simulation batch of {batch_size} trials ({in_flight} in flight)",
                "Lower batch_size (or n_jobs), or leave batch_size=None to batch as the "
                "budget allows",
                argument="max_memory",
            )
        return batch_size
    if fits < 1:
        require_memory(
            per_trial * in_flight,
            int(budget),
            f"Simulating one trial ({in_flight} batches in flight)",
            "Shorten the trials (or `duration`), record less (record=False or a larger "
            "record_dt), use fewer parcels or n_jobs",
            argument="max_memory",
        )
    return max(1, min(fits, math.ceil(n_trials / in_flight)))

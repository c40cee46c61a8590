"""Batched simulation of S2-Net with Brian2: all trials of a batch in one network, one run.

Backends
--------
``"cython"`` (default)
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
    as ``n_jobs`` concurrent processes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import math
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .._checks import check_option
from ..paths import get_cache_dir
from ..spiketrains import SpikeTrains
from ..trials import check_trials, node_dim_of
from . import model
from .brian import import_brian2
from .config import S2NetConfig
from .encoders import Drive, encode

BACKENDS = ("cython", "numpy", "cpp_standalone")

# Extra compiler flag: lets GCC version the neuron update loop for aliasing (a dozen state
# arrays) and vectorise it.
_VECTORISE_FLAG = "--param=vect-max-version-for-alias-checks=128"

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
    backend: str = "cython",
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
        spike trains (``encoder="spikes"``). A DataArray of ``kind="spike_counts"`` is turned
        into spike trains.
    scaffold : s2decode.atlas.Scaffold
        Weights and conduction delays between the ``n_parcels`` nodes, in the order of the
        trials' parcels.
    config : S2NetConfig | None
        Parameters; ``None`` uses the defaults.
    seed : int
        Seed of every random choice (initial potentials, Poisson events, scaffold shuffle).
        Trial ``k`` gets the same draws whatever the batching or backend.
    sfreq : float | None
        Sampling frequency in Hz when ``trials`` is a plain array.
    duration : float | None
        Network seconds to simulate; default: the trials' length times ``time_scale``.
    backend : {"cython", "numpy", "cpp_standalone"}
        How Brian2 runs the network (see the module documentation).
    batch_size : int | None
        Trials per network; ``None`` chooses the largest batch that fits ``max_memory``
        (and no more than needed to give every job one batch).
    n_jobs : int | None
        Number of batches run concurrently, each in its own process. ``None`` means 1 (the
        runtime backends then run in this process), ``-1`` all CPU cores.
    max_memory : float | str | None
        Memory budget in bytes (or a string such as ``"2GB"``) for all batches in flight;
        ``None`` uses half of the available memory, at most 4 GB.
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
    MemoryError
        When one trial, or the requested ``batch_size``, does not fit ``max_memory``.
    """
    config = S2NetConfig() if config is None else config
    if not isinstance(config, S2NetConfig):
        raise TypeError(f"`config` must be an S2NetConfig, got {type(config).__name__}.")
    check_option(backend, BACKENDS, "backend")
    seed = _check_seed(seed)
    data, data_sfreq, names, t0 = _parse_trials(trials, sfreq, config)
    n_trials = data.n_trials if isinstance(data, SpikeTrains) else data.shape[0]
    n_parcels = data.n_neurons if isinstance(data, SpikeTrains) else data.shape[1]
    _check_scaffold(scaffold, n_parcels, names)

    seq = np.random.SeedSequence(seed)
    rng_scaffold, rng_v, rng_input = (np.random.default_rng(s) for s in seq.spawn(3))
    drive = encode(data, data_sfreq, config, rng_input, duration=duration, t_start=t0)
    edges = model.prepare_edges(scaffold, config, rng_scaffold)
    v0 = rng_v.uniform(0.0, config.v_init, size=(n_trials, n_parcels))

    n_jobs = _check_n_jobs(n_jobs)
    budget = _memory_budget(max_memory)
    per_trial = _bytes_per_trial(drive, edges, config, record, n_parcels)
    batch_size = _plan_batch(n_trials, batch_size, n_jobs, budget, per_trial)

    import_brian2()
    cache = Path(cache_dir) if cache_dir is not None else get_cache_dir() / "brian2"
    if backend == "cython" and not _cython_available(cache):
        warnings.warn(
            "No working C++ compiler for Brian2's Cython target; falling back to the (much "
            "slower) numpy target. Install a compiler (gcc/clang, or MSVC on Windows) to "
            "speed this up.",
            RuntimeWarning,
            stacklevel=2,
        )
        backend = "numpy"
    run = _Run(drive, edges, config, v0, n_parcels, batch_size, record, progress, cache)
    if backend == "cpp_standalone":
        batches = _run_standalone(run, n_jobs)
    else:
        batches = _run_runtime_jobs(run, backend, n_jobs)

    spikes = _assemble_spikes(batches, n_trials, n_parcels, drive, names)
    if not record:
        return spikes
    return spikes, _assemble_states(batches, n_trials, n_parcels, drive, config, names)


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
        if trials.attrs.get("kind") == "spike_counts" and config.encoder == "spikes":
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
def _parse_bytes(value) -> float:
    if isinstance(value, str):
        units = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "B": 1.0}
        text = value.strip().upper().replace("IB", "B")
        for unit, factor in units.items():
            if text.endswith(unit):
                return float(text[: -len(unit)]) * factor
        return float(text)
    return float(value)


def _memory_budget(max_memory) -> float:
    if max_memory is not None:
        budget = _parse_bytes(max_memory)
        if not budget > 0:
            raise ValueError(f"`max_memory` must be positive, got {max_memory!r}.")
        return budget
    try:
        import psutil

        available = psutil.virtual_memory().available
    except ImportError:  # pragma: no cover - psutil is a dependency of distributed
        available = 8e9
    return min(0.5 * available, 4e9)


def _bytes_per_trial(drive: Drive, edges, config: S2NetConfig, record: bool, n: int) -> float:
    """Generous estimate of the memory one trial takes in a batch network (bytes)."""
    duration = drive.duration
    neurons = n * 24 * 8  # state, parameters, spike space, Brian2 bookkeeping
    # i, j, w, delay (+ the int copy in the queue), per-neuron synapse lists, queue slots
    synapses = edges.n_edges * 64
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
            need = batch_size * per_trial * in_flight / 1e9
            raise MemoryError(
                f"A batch of {batch_size} trials ({in_flight} in flight) needs about "
                f"{need:.2f} GB, over the budget max_memory={budget / 1e9:.2f} GB. Lower "
                "batch_size (or n_jobs), or raise max_memory."
            )
        return batch_size
    if fits < 1:
        raise MemoryError(
            f"One trial needs about {per_trial / 1e9:.2f} GB, over the budget "
            f"max_memory={budget / 1e9:.2f} GB (for {in_flight} batches in flight). Shorten "
            "the trials (or `duration`), record less (record=False or a larger record_dt), "
            "use fewer parcels, or raise max_memory."
        )
    return max(1, min(fits, math.ceil(n_trials / in_flight)))


# ---------------------------------------------------------------------------- Brian2 settings
@contextlib.contextmanager
def _brian_prefs(cache: Path, **extra):
    """Set the Brian2 preferences S2-Net needs, and restore the previous ones afterwards."""
    from brian2 import prefs

    default_args = list(prefs["codegen.cpp.extra_compile_args_gcc"])
    args = default_args if _VECTORISE_FLAG in default_args else [*default_args, _VECTORISE_FLAG]
    wanted = {
        "codegen.runtime.cython.cache_dir": str(cache / "cython"),
        "codegen.cpp.extra_compile_args_gcc": args,
        **extra,
    }
    old = {key: prefs[key] for key in wanted}
    try:
        for key, value in wanted.items():
            prefs[key] = value
        yield
    finally:
        for key, value in old.items():
            prefs[key] = value


def _cython_available(cache: Path) -> bool:
    from brian2.codegen.runtime.cython_rt import CythonCodeObject

    with _brian_prefs(cache):
        try:
            return bool(CythonCodeObject.is_available())
        except Exception:  # any failure means "not usable"
            return False


@dataclass
class _Run:
    """Everything a backend needs, prepared once."""

    drive: Drive
    edges: model.Edges
    config: S2NetConfig
    v0: np.ndarray  # (n_trials, n_parcels)
    n_parcels: int
    batch_size: int
    record: bool
    progress: bool
    cache: Path

    def batches(self) -> list[np.ndarray]:
        n = self.drive.n_trials
        return [np.arange(s, min(s + self.batch_size, n)) for s in range(0, n, self.batch_size)]

    def current_rows(self, trials: np.ndarray, n_batch: int) -> np.ndarray:
        """Held input of some trials as a flat (n_rows, n_batch * n) buffer (zero padded)."""
        cur = self.drive.current[trials]  # (k, rows, n)
        out = np.zeros((self.drive.n_rows, n_batch, self.n_parcels))
        out[:, : len(trials)] = np.transpose(cur, (1, 0, 2))
        return out.reshape(-1)

    def initial_v(self, trials: np.ndarray, n_batch: int) -> np.ndarray:
        out = np.zeros((n_batch, self.n_parcels))
        out[: len(trials)] = self.v0[trials]
        return out.ravel()

    def events(self, trials: np.ndarray):
        """Generator indices and steps of the events of some trials (batch-local, sorted)."""
        d = self.drive
        sel = np.isin(d.ev_trial, trials)
        local = np.searchsorted(trials, d.ev_trial[sel])
        neuron = local * self.n_parcels + d.ev_neuron[sel]
        gen = 2 * neuron + (d.ev_sign[sel] < 0)
        step = d.ev_step[sel]
        order = np.lexsort((gen, step))
        return gen[order].astype(np.int32), step[order].astype(np.int64)


@dataclass
class _BatchResult:
    trials: np.ndarray
    i: np.ndarray  # neuron index in the batch network
    t: np.ndarray  # network time (s) from the start of the run
    states: dict | None  # name -> (n_times, n_batch * n)


class _Progress:
    def __init__(self, total: float, enabled: bool):
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=round(total, 3), unit="trial-s", desc="S2-Net")
        self.done = 0.0

    def set(self, value: float) -> None:
        if self.bar is not None:
            self.bar.n = round(value, 3)
            self.bar.refresh()
        self.done = value

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------------- runtime backends
def _run_runtime_jobs(run: _Run, backend: str, n_jobs: int) -> list[_BatchResult]:
    """Runtime batches in this process, or spread over ``n_jobs`` worker processes."""
    batches = run.batches()
    n_jobs = min(n_jobs, len(batches))
    if n_jobs <= 1:
        return _run_runtime(run, backend, batches)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Contiguous groups of batches, one group per worker; "spawn" starts clean interpreters
    # (Brian2's and the compilers' state is not fork-safe).
    groups = [list(g) for g in np.array_split(np.arange(len(batches)), n_jobs)]
    context = multiprocessing.get_context("spawn")
    quiet = dataclasses.replace(run, progress=False)
    bar = _Progress(run.drive.n_trials * run.drive.duration, run.progress)
    results: dict[int, list[_BatchResult]] = {}
    try:
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
            futures = {
                pool.submit(_run_runtime, quiet, backend, [batches[k] for k in group]): g
                for g, group in enumerate(groups)
            }
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                done = sum(len(r.trials) for r in results[futures[fut]])
                bar.set(bar.done + done * run.drive.duration)
    finally:
        bar.close()
    return [res for g in range(len(groups)) for res in results[g]]


def _run_runtime(run: _Run, backend: str, batches: list[np.ndarray]) -> list[_BatchResult]:
    import brian2 as b2

    if backend == "cython":
        from brian2.codegen.runtime.cython_rt import CythonCodeObject as codeobj_class
    else:
        from brian2.codegen.runtime.numpy_rt import NumpyCodeObject as codeobj_class
    duration = run.drive.duration
    results = []
    bar = _Progress(run.drive.n_trials * duration, run.progress)
    built = None
    with _brian_prefs(run.cache):
        for trials in batches:
            n_batch = len(trials)
            if built is None or built.neurons.N != n_batch * run.n_parcels:
                built = None  # free the previous network before building the next
                built = model.build_network(
                    n_batch=n_batch,
                    n_parcels=run.n_parcels,
                    edges=run.edges,
                    config=run.config,
                    n_rows=run.drive.n_rows,
                    drive_rate=run.drive.row_rate,
                    duration=duration,
                    with_events=run.drive.has_events,
                    record=run.record,
                    codeobj_class=codeobj_class,
                )
                built.net.store("s2net_initial")
            else:
                built.net.restore("s2net_initial")
            built.drive[:] = run.current_rows(trials, n_batch)
            built.neurons.v = run.initial_v(trials, n_batch)
            if built.events is not None:
                gen, step = run.events(trials)
                built.events.set_spikes(gen, step * run.config.dt * b2.second)
            start = bar.done

            def report(elapsed, completed, t_start, length, start=start, n_batch=n_batch):
                bar.set(start + float(completed) * n_batch * duration)

            built.net.run(
                duration * b2.second,
                namespace=built.namespace,
                report=report if run.progress else None,
                report_period=1 * b2.second,
            )
            bar.set(start + n_batch * duration)
            states = None
            if run.record:
                states = {
                    k: np.array(getattr(built.states, k), dtype=float).T.copy()
                    for k in ("zr", "zi", "m")
                }
            results.append(
                _BatchResult(
                    trials,
                    np.array(built.spikes.i[:], dtype=np.int64),
                    np.array(built.spikes.t_[:], dtype=float),
                    states,
                )
            )
    bar.close()
    return results


# ---------------------------------------------------------------------------- C++ standalone
_BUILD_META = "s2net_build.json"
_BINARY = "main.exe" if os.name == "nt" else "main"


def _standalone_key(run: _Run, n_batch: int, capacity: int) -> str:
    """Hash of everything compiled into a standalone build.

    Parameter values, initial state and inputs are ``run_args`` and not part of it; the
    scaffold is (its delays initialise the spike queue before ``run_args`` are applied).
    """
    import brian2

    digest = hashlib.sha1()
    for text in (
        brian2.__version__,
        model.NEURON_EQUATIONS,
        model.UPDATE_CODE,
        model.RESET,
        model.SYNAPSE_ON_PRE,
        model.INPUT_ON_PRE,
        _VECTORISE_FLAG,
        repr((n_batch, run.n_parcels, run.drive.n_rows, run.drive.row_rate, run.drive.duration)),
        repr((run.config.dt, run.config.record_dt, run.record, run.drive.has_events, capacity)),
    ):
        digest.update(text.encode())
    for arr in (run.edges.pre, run.edges.post, run.edges.weight, run.edges.delay):
        digest.update(np.ascontiguousarray(arr).tobytes())
    return digest.hexdigest()[:20]


def _build_standalone(run: _Run, n_batch: int, capacity: int, directory: Path) -> dict:
    """Generate and compile the standalone project; return the result file names."""
    import brian2 as b2
    from brian2.devices.cpp_standalone.device import cpp_standalone_device as dev
    from brian2.devices.device import reset_device

    b2.set_device("cpp_standalone", build_on_run=False, directory=str(directory))
    try:
        with _brian_prefs(run.cache, **{"devices.cpp_standalone.openmp_threads": 0}):
            built = model.build_network(
                n_batch=n_batch,
                n_parcels=run.n_parcels,
                edges=run.edges,
                config=run.config,
                n_rows=run.drive.n_rows,
                drive_rate=run.drive.row_rate,
                duration=run.drive.duration,
                with_events=run.drive.has_events,
                record=run.record,
                standalone=True,
                event_capacity=capacity,
            )
            built.net.run(run.drive.duration * b2.second, namespace=built.namespace)
            dev.build(directory=str(directory), compile=True, run=False, with_output=False)
            files = {
                "i": dev.get_array_filename(built.spikes.variables["i"]),
                "t": dev.get_array_filename(built.spikes.variables["t"]),
            }
            if run.record:
                for name in ("t", "zr", "zi", "m"):
                    files[f"state_{name}"] = dev.get_array_filename(built.states.variables[name])
    finally:
        dev.reinit()  # forget this project; the next build starts clean
        reset_device()  # back to the device active before (runtime, usually)
    return files


def _standalone_project(run: _Run, n_batch: int, capacity: int) -> tuple[Path, dict]:
    """The compiled project for this network shape: reused if built before, else built."""
    import json

    from brian2.utils.filelock import FileLock

    from .._io_utils import atomic_write_text

    root = run.cache / "standalone"
    root.mkdir(parents=True, exist_ok=True)
    key = _standalone_key(run, n_batch, capacity)
    directory = root / key
    meta_file = directory / _BUILD_META
    with FileLock(str(directory) + ".lock"):
        if meta_file.exists() and (directory / _BINARY).exists():
            meta = json.loads(meta_file.read_text())
            if meta.get("key") == key:
                return directory, meta["files"]
        files = _build_standalone(run, n_batch, capacity, directory)
        atomic_write_text(meta_file, json.dumps({"key": key, "files": files}))
    return directory, files


def _run_args(run: _Run, trials: np.ndarray, n_batch: int, capacity: int, folder: Path):
    """Command-line assignments (``name=value`` or ``name=file``) for one batch."""
    args = []
    N = n_batch * run.n_parcels

    def array(name: str, values: np.ndarray, dtype) -> None:
        fname = folder / f"{name}.dat"
        np.ascontiguousarray(values, dtype=dtype).tofile(fname)
        args.append(f"{name}={fname}")

    shared, per_parcel = model.neuron_parameters(run.config, run.n_parcels)
    lookup = model.drive_lookup(run.drive.row_rate, run.config.dt)
    for key, value in {**shared, **lookup, "drive_rows": run.drive.n_rows}.items():
        args.append(f"{model.NEURONS}.{key}={float(value)!r}")
    for key, value in per_parcel.items():
        array(f"{model.NEURONS}.{key}", np.tile(value, n_batch), np.float64)
    array(f"{model.NEURONS}.v", run.initial_v(trials, n_batch), np.float64)
    array(f"{model.DRIVE}.values", run.current_rows(trials, n_batch), np.float64)
    if run.drive.has_events:
        gen, step = run.events(trials)
        pad = capacity - gen.size
        last = round(run.drive.duration / run.config.dt) + 10
        gen = np.concatenate([gen, np.full(pad, 2 * N, dtype=np.int32)])
        step = np.concatenate([step, last + np.arange(pad)])
        array(f"{model.EVENTS}.neuron_index", gen, np.int32)
        array(f"{model.EVENTS}._timebins", step, np.int32)
        array(f"{model.EVENTS}.spike_time", step * run.config.dt, np.float64)
        w_in = np.where(np.arange(2 * N) % 2 == 0, 1.0, -1.0) * run.config.g_event
        array(f"{model.INPUT_SYNAPSES}.w_in", w_in, np.float64)
    return args


def _run_standalone(run: _Run, n_jobs: int) -> list[_BatchResult]:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    batches = run.batches()
    n_batch = run.batch_size
    capacity = 0
    if run.drive.has_events:
        per_trial = run.drive.events_per_trial()
        most = max(int(per_trial[b].sum()) for b in batches)
        capacity = 1 << max(10, math.ceil(math.log2(most + 1)))  # round up: reusable builds
    directory, files = _standalone_project(run, n_batch, capacity)
    env = {**os.environ, "LD_BIND_NOW": "1", "OMP_NUM_THREADS": "1"}
    work = Path(tempfile.mkdtemp(prefix="s2net_runs_", dir=directory.parent))

    def one(k: int, trials: np.ndarray) -> _BatchResult:
        folder = work / f"batch{k:05d}"
        (folder / "results").mkdir(parents=True)
        args = _run_args(run, trials, n_batch, capacity, folder)
        proc = subprocess.run(
            [str(directory / _BINARY), "--results_dir", str(folder / "results") + os.sep, *args],
            cwd=directory,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
            check=False,
        )
        # Brian2's binary only prints (and goes on) when a run_args file has the wrong size.
        if proc.returncode != 0 or "Error" in proc.stdout or "Cannot set" in proc.stdout:
            raise RuntimeError(
                f"The S2-Net standalone binary failed on batch {k} (exit code "
                f"{proc.returncode}) in {directory}:\n{proc.stdout[-2000:]}"
            )
        result = _read_results(folder / "results", files, trials, run)
        shutil.rmtree(folder, ignore_errors=True)
        return result

    bar = _Progress(run.drive.n_trials * run.drive.duration, run.progress)
    try:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            futures = [pool.submit(one, k, trials) for k, trials in enumerate(batches)]
            for fut in as_completed(futures):
                res = fut.result()
                bar.set(bar.done + len(res.trials) * run.drive.duration)
            results = [fut.result() for fut in futures]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        bar.close()
    return results


def _read_results(folder: Path, files: dict, trials, run: _Run) -> _BatchResult:
    i = np.fromfile(folder / files["i"], dtype=np.int32).astype(np.int64)
    t = np.fromfile(folder / files["t"], dtype=np.float64)
    states = None
    if run.record:
        n_t = np.fromfile(folder / files["state_t"], dtype=np.float64).size
        states = {
            k: np.fromfile(folder / files[f"state_{k}"], dtype=np.float64).reshape(n_t, -1)
            for k in ("zr", "zi", "m")
        }
    return _BatchResult(trials, i, t, states)


# ---------------------------------------------------------------------------- outputs
def _assemble_spikes(batches, n_trials, n, drive: Drive, names) -> SpikeTrains:
    trial_parts, neuron_parts, time_parts = [], [], []
    for res in batches:
        local, neuron = np.divmod(res.i, n)
        keep = local < len(res.trials)  # drop padding trials
        trial_parts.append(res.trials[local[keep]])
        neuron_parts.append(neuron[keep])
        time_parts.append(res.t[keep])
    trial = np.concatenate(trial_parts) if trial_parts else np.empty(0, np.int64)
    neuron = np.concatenate(neuron_parts) if neuron_parts else np.empty(0, np.int64)
    t = np.concatenate(time_parts) if time_parts else np.empty(0)
    return spiketrains_from_indices(
        trial,
        neuron,
        t + drive.t_start,
        n_trials,
        n,
        drive.t_start,
        drive.t_start + drive.duration,
        names,
        time_sorted=True,
    )


def spiketrains_from_indices(
    trial: np.ndarray,
    neuron: np.ndarray,
    times: np.ndarray,
    n_trials: int,
    n_neurons: int,
    t_start: float,
    t_stop: float,
    neuron_names: Sequence[str] | None = None,
    time_sorted: bool = False,
) -> SpikeTrains:
    """Build :class:`~s2decode.spiketrains.SpikeTrains` from flat (trial, neuron, time) spikes.

    The fast path from a Brian2 ``SpikeMonitor`` (``i``, ``t``) to the flat layout, with no
    Python loop over trains.

    Parameters
    ----------
    trial, neuron : ndarray of int
        Trial and neuron of each spike.
    times : ndarray of float
        Spike times in seconds.
    n_trials, n_neurons : int
        Shape of the result.
    t_start, t_stop : float
        Observation window.
    neuron_names : sequence of str | None
        Names of the neurons.
    time_sorted : bool
        The spikes of each train already come in time order (as from a ``SpikeMonitor``):
        a linear-time counting sort then groups them by train. Otherwise they are sorted.

    Returns
    -------
    spikes : SpikeTrains
        Sorted within each train.
    """
    trial = np.asarray(trial, dtype=np.int64)
    neuron = np.asarray(neuron, dtype=np.int64)
    times = np.asarray(times, dtype=float)
    if not (trial.shape == neuron.shape == times.shape) or trial.ndim != 1:
        raise ValueError("`trial`, `neuron` and `times` must be 1-D arrays of the same length.")
    if trial.size and (
        trial.min() < 0 or trial.max() >= n_trials or neuron.min() < 0 or neuron.max() >= n_neurons
    ):
        raise ValueError("Trial or neuron indices out of range for the requested shape.")
    train = trial * n_neurons + neuron
    if time_sorted:
        from ._kernels import counting_order

        order, offsets = counting_order(train, n_trials * n_neurons)
    else:
        order = np.lexsort((times, train))
        counts = np.bincount(train, minlength=n_trials * n_neurons)
        offsets = np.concatenate([[0], np.cumsum(counts)])
    return SpikeTrains(times[order], offsets, n_trials, n_neurons, t_start, t_stop, neuron_names)


def _assemble_states(batches, n_trials, n, drive: Drive, config: S2NetConfig, names):
    n_t = batches[0].states["zr"].shape[0]
    out = {k: np.empty((n_trials, n, n_t)) for k in ("zr", "zi", "m")}
    for res in batches:
        k = len(res.trials)
        for name in out:
            values = res.states[name].reshape(n_t, -1, n)[:, :k]  # (time, trial, parcel)
            out[name][res.trials] = np.transpose(values, (1, 2, 0))
    time = drive.t_start + np.arange(n_t) * config.record_dt
    names = list(names) if names is not None else [f"parcel{i:03d}" for i in range(n)]
    coords = {"trial": np.arange(n_trials), "parcel": names, "time": time}
    dims = ("trial", "parcel", "time")
    return xr.Dataset(
        {
            "phi": (dims, np.arctan2(out["zi"], out["zr"]), {"units": "rad"}),
            "rho": (dims, np.hypot(out["zr"], out["zi"]), {"units": "1"}),
            "m": (dims, out["m"], {"units": "threshold"}),
        },
        coords=coords,
        attrs={"record_dt": config.record_dt, "description": "S2-Net states"},
    )

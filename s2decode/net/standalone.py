"""The ``"cpp_standalone"`` backend: one compiled binary per network shape, run per batch.

This module owns the build cache (:func:`_standalone_key` hashes everything compiled into a
build; builds live in ``<cache>/brian2/standalone/<key>``, guarded by a file lock), the build
itself, the ``run_args`` files that pass each batch's inputs, parameters and initial state to
the binary (so new inputs and parameter values need no recompilation), the concurrent runs of
the binary (``n_jobs`` processes) and the reading of their result files.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from . import model
from .batches import _BatchResult, _Progress, _Run
from .brian import _VECTORISE_FLAG, _brian_prefs

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
        model.INHIBITOR_EQUATIONS,
        model.INHIBITOR_DECAY_CODE,
        model.INHIBITOR_ON_PRE,
        model.INHIBITOR_OUTPUT_MODEL,
        _VECTORISE_FLAG,
        repr((n_batch, run.n_parcels, run.drive.n_rows, run.drive.row_rate, run.drive.duration)),
        repr((run.config.dt, run.config.record_dt, run.record, run.drive.has_events, capacity)),
        repr(("inhibition", run.config.g_inh > 0)),
    ):
        digest.update(text.encode())
    # per-trial weights are run_args; shared ones are compiled in
    shared_weights = () if run.edges.per_trial else (run.edges.weight,)
    digest.update(repr(("per-trial weights", run.edges.per_trial)).encode())
    for arr in (run.edges.pre, run.edges.post, *shared_weights, run.edges.delay):
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
            built = run.build(n_batch, standalone=True, event_capacity=capacity)
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
    if run.config.g_inh > 0:
        for key, value in model.inhibitor_parameters(run.config, run.n_parcels).items():
            args.append(f"{model.INHIBITOR}.{key}={float(value)!r}")
    if run.edges.per_trial and run.edges.n_edges:
        array(f"{model.SYNAPSES}.w", run.edges.batch_weights(trials, n_batch), np.float64)
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


def _event_capacity(run: _Run) -> int:
    """Input-event slots of a batch (0 without events), rounded up so that builds are reused."""
    if not run.drive.has_events:
        return 0
    per_trial = run.drive.events_per_trial()
    most = max(int(per_trial[b].sum()) for b in run.batches())
    return 1 << max(10, math.ceil(math.log2(most + 1)))


def _build_exists(run: _Run) -> bool:
    """Whether the compiled project of ``run``'s network shape is in the cache already."""
    import json

    key = _standalone_key(run, run.batch_size, _event_capacity(run))
    directory = run.cache / "standalone" / key
    try:
        meta = json.loads((directory / _BUILD_META).read_text())
    except (OSError, ValueError):
        return False
    return meta.get("key") == key and (directory / _BINARY).exists()


def _run_standalone(run: _Run, n_jobs: int) -> list[_BatchResult]:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    batches = run.batches()
    n_batch = run.batch_size
    capacity = _event_capacity(run)
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

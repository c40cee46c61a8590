"""The Brian2 runtime backends, ``"cython"`` and ``"numpy"``: batches run in Python processes.

Every batch of one network shape reuses the network built for the first (restored to its
initial state, new inputs written into its buffers), so the Cython kernels compile once into
``<cache>/brian2/cython`` and serve every configuration and batch size. With ``n_jobs > 1``
contiguous groups of batches run in spawned worker processes. :func:`_cython_available`
says whether a C++ compiler can serve the Cython target.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from .batches import _BatchResult, _Progress, _Run
from .brian import _brian_prefs


def _cython_available(cache: Path) -> bool:
    """Whether Brian2's Cython target works here (a C++ compiler is found and builds)."""
    from brian2.codegen.runtime.cython_rt import CythonCodeObject

    with _brian_prefs(cache):
        try:
            return bool(CythonCodeObject.is_available())
        except Exception:  # any failure means "not usable"
            return False


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
                built = run.build(n_batch, codeobj_class=codeobj_class)
                built.net.store("s2net_initial")
            else:
                built.net.restore("s2net_initial")
            if run.edges.per_trial and built.synapses is not None:
                built.synapses.w = run.edges.batch_weights(trials, n_batch)
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

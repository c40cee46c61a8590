"""Benchmark: batched S2-Net simulation of real EEG trials with Brian2.

Simulates ``--trials`` (default 100) trials of the PhysioNet EEG motor imagery/execution
recordings of subject S001 (``s2decode.datasets.load("eegbci")``, eLORETA onto the 300
parcels of the Seitzman 2018 atlas, the first 1 s after each cue at 160 Hz) on the seitzman300
scaffold (``Scaffold.from_atlas("seitzman300", k=30)``: distance rule, the 30 nearest parcels
of each parcel, delays ``tau_0 + d / v``), with the default ``S2NetConfig`` (dt = 0.1 ms).

Reported:

* the regime: mean firing rate (goal 5-40 Hz) and its spread over neurons;
* ``cold``: first call in this process with an empty cache directory (code generation and
  compilation included); ``warm``: later calls (median and best of ``--repeat``, default 9);
* trial-seconds simulated per wall-second (warm median);
* batches sized to one core's L2 cache (the default) against one batch per job, in turn;
* the same trials with one ``run()`` per trial (``batch_size=1``): with the same backend and
  jobs (its build made beforehand), and with Brian2's runtime mode (Cython, one process; the
  usual way to run Brian2, on ``--baseline-trials`` trials, extrapolated), and the ratios;
* peak memory: the resident memory of this process and its simulation processes, sampled
  every 20 ms during the warm calls (process tree, summed), and the process maxima.

The last line is ``trial_seconds_per_second: <value>``.

Usage::

    python benchmarks/bench_simulate.py [--backend cpp_standalone] [--n-jobs 2]
        [--trials 100] [--repeat 9] [--data-dir /path/to/data] [--k 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import threading
import time


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="cpp_standalone", choices=["cpp_standalone", "cython"])
    parser.add_argument("--n-jobs", type=int, default=2, help="concurrent batches (standalone)")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument(
        "--repeat", type=int, default=9, help="warm repetitions (0.4 s each here; median)"
    )
    parser.add_argument("--k", type=int, default=30, help="inputs per parcel in the scaffold")
    parser.add_argument(
        "--baseline-trials",
        type=int,
        default=10,
        help="trials of the runtime (Cython) one-run-per-trial baseline (extrapolated)",
    )
    parser.add_argument(
        "--data-dir", default=None, help="data directory (default: S2DECODE_DATA, as s2decode)"
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, not {args.repeat}")
    return args


def _compare_batches(trials, scaffold, config, cache, kw: dict, repeat: int) -> str | None:
    """Standalone batches sized to one core's L2 cache (the default, ``batch_size=None``)
    against one batch per job, timed in turn; ``None`` where the two are the same size."""
    from s2decode.machine import cpu_cache_size
    from s2decode.net import simulate
    from s2decode.net.backends import cache_batch_size, canonical_batch_size

    n_trials, n_parcels = trials.sizes["trial"], trials.shape[1]
    n_jobs = kw["n_jobs"]
    if kw["backend"] != "cpp_standalone" or n_jobs < 2:
        return None
    default = canonical_batch_size(cache_batch_size(n_trials, n_parcels, n_jobs))
    per_job = canonical_batch_size(-(-n_trials // n_jobs))
    if default == per_job:
        return None
    # the default as simulate() chooses it (None), not as computed here
    times: dict[int | None, list[float]] = {None: [], per_job: []}
    spikes = {size: simulate(trials, scaffold, config, cache_dir=cache, batch_size=size, **kw)
              for size in times}  # fmt: skip
    assert spikes[None] == spikes[per_job], "the batching must not change the spikes"
    for _ in range(repeat):
        for size, runs in times.items():
            t0 = time.perf_counter()
            simulate(trials, scaffold, config, cache_dir=cache, batch_size=size, **kw)
            runs.append(time.perf_counter() - t0)
    fast, slow = (statistics.median(times[size]) for size in (None, per_job))
    return (
        f"batches of {default} trials (sized to one core's L2 cache, "
        f"{cpu_cache_size(2) >> 10} KiB: the default) against {per_job} (one per job), "
        f"{repeat} runs each in turn: median {fast:.3f} s against {slow:.3f} s, "
        f"{100 * (slow / fast - 1):.0f} % faster; same spikes"
    )


class _PeakMemory:
    """Sample the summed RSS of this process and its children every ``period`` seconds."""

    def __init__(self, period: float = 0.02):
        import psutil

        self._proc = psutil.Process()
        self._period = period
        self.peak = 0
        self.peak_self = 0
        self.peak_children = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            own = children = 0
            try:
                own = self._proc.memory_info().rss
                for child in self._proc.children(recursive=True):
                    try:
                        children += child.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, own + children)
            self.peak_self = max(self.peak_self, own)
            self.peak_children = max(self.peak_children, children)
            self._stop.wait(self._period)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _load_trials(data_dir: str, n_trials: int):
    """First 1 s after each cue of S001 runs 3-14 (both designs), on seitzman300."""
    import numpy as np
    import xarray as xr

    from s2decode.datasets import load

    parts = []
    sfreq = 160.0
    for runs in ([3, 4, 7, 8, 11, 12], [5, 6, 9, 10, 13, 14]):
        # one call per design: the loader does not mix left/right and hands/feet runs
        parts.append(load("eegbci", data_dir=data_dir, runs=runs, tmin=0.0, tmax=1.0 - 1 / sfreq))
    trials = xr.concat(parts, dim="trial")
    trials = trials.assign_coords(trial=np.arange(trials.sizes["trial"]))
    if trials.sizes["trial"] < n_trials:
        raise SystemExit(f"only {trials.sizes['trial']} trials available, asked for {n_trials}")
    return trials.isel(trial=slice(0, n_trials))


def main() -> None:
    args = _parse()
    import numpy as np

    from s2decode.atlas import Scaffold
    from s2decode.machine import cpu_flags, cpu_name
    from s2decode.net import S2NetConfig, simulate

    t0 = time.perf_counter()
    trials = _load_trials(args.data_dir, args.trials)
    load_time = time.perf_counter() - t0
    scaffold = Scaffold.from_atlas("seitzman300", k=args.k)
    config = S2NetConfig()
    n_trials, n_parcels, n_times = trials.shape
    duration = n_times / trials.attrs["sfreq"]
    trial_seconds = n_trials * duration
    print(
        f"machine: {cpu_name()} ({platform.machine()}, flags {' '.join(cpu_flags())}), "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    print(
        f"data: eegbci S001, {n_trials} trials x {n_parcels} parcels x {duration:.3f} s at "
        f"{trials.attrs['sfreq']:g} Hz ({trials.attrs.get('projection', '?')} onto "
        f"{trials.attrs.get('atlas', '?')}), loaded in {load_time:.1f} s"
    )
    print(f"scaffold: {scaffold!r} (distance rule, k={args.k})")
    print(f"config: defaults {config.to_dict()}")
    print(f"backend: {args.backend}, n_jobs={args.n_jobs}")

    kw = {"backend": args.backend, "n_jobs": args.n_jobs, "seed": 0}
    with tempfile.TemporaryDirectory(prefix="s2decode-bench-cache-") as cache:
        t0 = time.perf_counter()
        spikes = simulate(trials, scaffold, config, cache_dir=cache, **kw)
        cold = time.perf_counter() - t0

        warm = []
        with _PeakMemory() as memory:
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                again = simulate(trials, scaffold, config, cache_dir=cache, **kw)
                warm.append(time.perf_counter() - t0)
        assert again == spikes, "same inputs, config and seed must give the same spikes"
        batches = _compare_batches(trials, scaffold, config, cache, kw, args.repeat)

        # one run() per trial, same backend and jobs; its own build made before timing
        simulate(
            trials.isel(trial=slice(0, 2)), scaffold, config, cache_dir=cache, batch_size=1, **kw
        )
        t0 = time.perf_counter()
        per_trial = simulate(trials, scaffold, config, cache_dir=cache, batch_size=1, **kw)
        per_trial_time = time.perf_counter() - t0
        np.testing.assert_allclose(
            per_trial.spike_counts(), spikes.spike_counts(), atol=2
        )  # floating-point order may move a spike by a step

        # one run() per trial in Brian2's runtime mode (Cython), compiled beforehand
        n_base = min(args.baseline_trials, n_trials)
        subset = trials.isel(trial=slice(0, n_base))
        # (backend named: "auto" would take the standalone build made just above)
        runtime = {"backend": "cython", "cache_dir": cache, "seed": 0}
        simulate(subset.isel(trial=slice(0, 1)), scaffold, config, **runtime)
        t0 = time.perf_counter()
        simulate(subset, scaffold, config, batch_size=1, **runtime)
        runtime_per_trial = (time.perf_counter() - t0) * n_trials / n_base

    rates = spikes.rates()
    median = statistics.median(warm)
    tsps = trial_seconds / median
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB -> GB
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
    print(
        f"mean firing rate: {rates.mean():.1f} Hz (10-90 % of neurons: "
        f"{np.quantile(rates, 0.1):.1f}-{np.quantile(rates, 0.9):.1f} Hz; goal 5-40 Hz), "
        f"{spikes.times.size} spikes"
    )
    print(f"cold wall time (empty cache: code generation + compilation + run): {cold:.2f} s")
    print(
        f"warm wall time: median {median:.3f} s, best {min(warm):.3f} s "
        f"over {len(warm)} runs ({', '.join(f'{w:.3f}' for w in warm)})"
    )
    print(
        f"trial-seconds per wall-second (warm median): {tsps:.1f} "
        f"(best {trial_seconds / min(warm):.1f}; issue 14's goal >= 250: "
        f"{'met' if tsps >= 250 else 'not met'})"
    )
    if batches is not None:
        print(batches)
    print(
        f"one run() per trial, {args.backend} (n_jobs={args.n_jobs}): {per_trial_time:.2f} s; "
        f"batched is {per_trial_time / median:.1f}x faster"
    )
    print(
        f"one run() per trial, Brian2 runtime mode (Cython): {runtime_per_trial:.1f} s "
        f"(extrapolated from {n_base} trials); batched is {runtime_per_trial / median:.1f}x "
        "faster (goal >= 10x)"
    )
    print(
        f"peak memory during the warm runs: {memory.peak / 1e9:.2f} GB summed over the process "
        f"tree (this process {memory.peak_self / 1e9:.2f} GB with the data, simulation "
        f"processes {memory.peak_children / 1e9:.2f} GB together; issue 14's goal <= 2 GB: "
        f"{'met' if memory.peak <= 2e9 else 'not met'}); maxima over "
        f"the whole benchmark: this process {self_peak:.2f} GB (data loading included), "
        f"largest child {child_peak:.2f} GB (compiler included)"
    )
    print(f"trial_seconds_per_second: {tsps:.1f}")


if __name__ == "__main__":
    main()

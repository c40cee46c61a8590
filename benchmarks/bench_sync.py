"""Benchmark: s2decode.sync against PySpike and Elephant, in the same run.

Times every synchrony metric of :mod:`s2decode.sync` and its peer on the same spike trains
(default: 100 trains x 1000 spikes, 10 Hz over 100 s), checks that the values agree, and
prints a markdown table with the speed-up of each metric and its goal. "cold" is the first
call in a fresh process with an empty Numba cache (compilation included); "warm" the best
of ``--repeat`` later calls (taken round-robin over the metrics). Peers are timed the same
way (best of ``--repeat``) as long as that fits in ``--peer-budget`` seconds; a peer that
would need more than the budget for one run is timed on a subset of pairs and extrapolated
linearly in the number of pairs (marked ``~``).

"1 thread" repeats the warm timing with Numba limited to one thread (the peers run on one):
the figure that holds when other processes keep the other cores busy.

The last line is ``min_speedup_vs_peers: <value>`` (the smallest warm speed-up, all
threads).

Usage::

    python benchmarks/bench_sync.py [--n-trains 100] [--n-spikes 1000] [--duration 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings
from collections.abc import Callable


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trains", type=int, default=100)
    parser.add_argument("--n-spikes", type=int, default=1000, help="spikes per train")
    parser.add_argument("--duration", type=float, default=100.0, help="seconds")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (best kept)")
    parser.add_argument("--peer-budget", type=float, default=60.0, help="seconds per peer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep-cache",
        action="store_true",
        help="use NUMBA_CACHE_DIR as set (cold = cache load) instead of an empty cache",
    )
    return parser.parse_args()


ARGS = _parse()
if not ARGS.keep_cache:
    # Before numba is imported: an empty cache makes "cold" the real compile time.
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="s2decode-bench-numba-")

import neo  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
import pyspike  # noqa: E402
import quantities as pq  # noqa: E402
from elephant.spike_train_correlation import spike_time_tiling_coefficient  # noqa: E402
from elephant.spike_train_dissimilarity import van_rossum_distance  # noqa: E402
from elephant.spike_train_synchrony import spike_contrast as elephant_spike_contrast  # noqa: E402

import s2decode.sync as sync  # noqa: E402

STTC_DT = 0.005
VR_TAU = 1.0


def _best(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    best = np.inf
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _pairwise_peer(pair_func, n_trains: int, budget: float):
    """Time a pairwise peer on all pairs, or on a prefix of them and extrapolate."""
    pairs = [(i, j) for i in range(n_trains) for j in range(i + 1, n_trains)]
    values = {}
    t0 = time.perf_counter()
    done = 0
    for i, j in pairs:
        values[i, j] = pair_func(i, j)
        done += 1
        elapsed = time.perf_counter() - t0
        # After a short probe, stop if the whole set would overrun the budget.
        if done >= 20 and elapsed / done * len(pairs) > budget:
            break
    elapsed = time.perf_counter() - t0
    return elapsed / done * len(pairs), done < len(pairs), done, values


def _matrix_peer(matrix_func, trains, budget: float, repeat: int):
    """Time a peer's matrix function, on a subset of trains if it would overrun the budget.

    Best of ``repeat`` runs (as for ours) while the runs fit in the budget together.
    """
    n = len(trains)
    n_pairs = n * (n - 1) // 2
    k = min(n, 20)
    t0 = time.perf_counter()
    sub = matrix_func(trains[:k])
    probe = time.perf_counter() - t0
    if k == n:
        return probe, False, n_pairs, sub
    estimate = probe / (k * (k - 1) / 2) * n_pairs
    if estimate > budget:
        return estimate, True, k * (k - 1) // 2, sub
    n_runs = max(1, min(repeat, int(budget // max(estimate, 1e-9))))
    best, full = _best(lambda: matrix_func(trains), n_runs)
    return best, False, n_pairs, full


def _max_diff(ours: np.ndarray, peer: np.ndarray) -> float:
    """Largest |difference| over the entries both define (NaN where one is NaN)."""
    ours = np.asarray(ours, dtype=float)
    peer = np.asarray(peer, dtype=float)
    if not np.array_equal(np.isnan(ours), np.isnan(peer)):
        return float("nan")
    both = ~np.isnan(ours)
    return float(np.max(np.abs(ours[both] - peer[both]), initial=0.0))


def main() -> None:
    load_before = os.getloadavg()[0]
    rng = np.random.default_rng(ARGS.seed)
    t_stop = ARGS.duration
    trains = [np.sort(rng.uniform(0.0, t_stop, ARGS.n_spikes)) for _ in range(ARGS.n_trains)]
    n = len(trains)
    budget = ARGS.peer_budget
    py_trains = [pyspike.SpikeTrain(t, [0.0, t_stop]) for t in trains]
    neo_trains = [neo.SpikeTrain(t, t_start=0.0, t_stop=t_stop, units="s") for t in trains]

    ours = {
        "spike_sync_matrix": lambda: sync.spike_sync_matrix(trains, 0.0, t_stop),
        "isi_distance_matrix": lambda: sync.isi_distance_matrix(trains, 0.0, t_stop),
        "spike_distance_matrix": lambda: sync.spike_distance_matrix(trains, 0.0, t_stop),
        "sttc_matrix": lambda: sync.sttc_matrix(trains, STTC_DT, 0.0, t_stop),
        "spike_contrast": lambda: sync.spike_contrast(trains, 0.0, t_stop),
        "van_rossum_distance_matrix": lambda: sync.van_rossum_distance_matrix(
            trains, 0.0, t_stop, tau=VR_TAU
        ),
    }
    cold = {}
    warm = dict.fromkeys(ours, np.inf)
    values = {}
    for name, func in ours.items():
        t0 = time.perf_counter()
        values[name] = func()
        cold[name] = time.perf_counter() - t0
    # Round-robin, so that a burst of load from other processes does not hit one metric.
    one_thread = dict.fromkeys(ours, np.inf)
    n_threads = numba.get_num_threads()
    for _ in range(ARGS.repeat):
        for name, func in ours.items():
            warm[name] = min(warm[name], _best(func, 1)[0])
            numba.set_num_threads(1)
            one_thread[name] = min(one_thread[name], _best(func, 1)[0])
            numba.set_num_threads(n_threads)

    rows = []

    def add(name, peer_name, goal, peer_time, partial, n_done, diff):
        rows.append((name, peer_name, goal, peer_time, partial, n_done, diff))

    for name, peer_func, goal in [
        ("spike_sync_matrix", pyspike.spike_sync_matrix, 10),
        ("isi_distance_matrix", pyspike.isi_distance_matrix, 3),
        ("spike_distance_matrix", pyspike.spike_distance_matrix, 3),
    ]:
        peer_time, partial, n_done, mat = _matrix_peer(peer_func, py_trains, budget, ARGS.repeat)
        k = mat.shape[0]
        diff = _max_diff(values[name][:k, :k], mat)
        add(name, f"pyspike.{peer_func.__name__}", goal, peer_time, partial, n_done, diff)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # neo/quantities deprecation chatter
        peer_time, partial, n_done, pair_values = _pairwise_peer(
            lambda i, j: spike_time_tiling_coefficient(
                neo_trains[i], neo_trains[j], STTC_DT * pq.s
            ),
            n,
            budget,
        )
        ours_sttc = values["sttc_matrix"]
        diff = max(abs(v - ours_sttc[i, j]) for (i, j), v in pair_values.items())
        add(
            "sttc_matrix",
            "elephant spike_time_tiling_coefficient (per pair)",
            100,
            peer_time,
            partial,
            n_done,
            diff,
        )
        peer_time, contrast = _best(
            lambda: elephant_spike_contrast(neo_trains, t_start=0.0 * pq.s, t_stop=t_stop * pq.s),
            ARGS.repeat,
        )
        add(
            "spike_contrast",
            "elephant.spike_train_synchrony.spike_contrast",
            10,
            peer_time,
            False,
            1,
            abs(contrast - values["spike_contrast"]),
        )
        peer_time, vr = _best(lambda: van_rossum_distance(neo_trains, VR_TAU * pq.s), ARGS.repeat)
        add(
            "van_rossum_distance_matrix",
            "elephant van_rossum_distance",
            None,
            peer_time,
            False,
            n * (n - 1) // 2,
            _max_diff(values["van_rossum_distance_matrix"], vr),
        )

    print(
        f"# s2decode.sync vs peers: {n} trains x {ARGS.n_spikes} spikes "
        f"({ARGS.n_spikes / t_stop:g} Hz over {t_stop:g} s)"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, numba {numba.__version__} "
        f"({numba.config.NUMBA_NUM_THREADS} threads, {numba.threading_layer()} layer), "
        f"numpy {np.__version__}, python {platform.python_version()}, "
        f"pyspike {getattr(pyspike, '__version__', '?')}"
    )
    print(
        f"timings: best of {ARGS.repeat} (peers too, within --peer-budget); 1-min load "
        f"average {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end (other "
        "processes share these CPUs)"
    )
    print()
    print(
        "| metric | peer | peer (s) | ours cold (s) | ours warm (s) | ours 1 thread (s) | "
        "speed-up | speed-up 1 thread | goal | max abs diff |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|")
    speedups = []
    for name, peer_name, goal, peer_time, partial, _, diff in rows:
        ratio = peer_time / warm[name]
        speedups.append(ratio)
        mark = "~" if partial else ""
        goal_txt = "-" if goal is None else f">= {goal}x" + (" ok" if ratio >= goal else " MISSED")
        print(
            f"| {name} | {peer_name} | {mark}{peer_time:.3f} | {cold[name]:.2f} | "
            f"{warm[name]:.4f} | {one_thread[name]:.4f} | {mark}{ratio:.1f}x | "
            f"{mark}{peer_time / one_thread[name]:.1f}x | {goal_txt} | {diff:.1e} |"
        )
    print()
    for _, peer_name, _, _, partial, n_done, _ in rows:
        if partial:
            print(
                f"~ {peer_name}: timed on {n_done} of {n * (n - 1) // 2} pairs, extrapolated "
                "linearly to all pairs; its values compared on those pairs."
            )
    print(
        "sttc diff: Elephant widens its window to dt + 1e-5 |t| (np.isclose rtol); "
        "ours is the exact +-dt window (see docs/sync.md)."
    )
    print(f"min_speedup_vs_peers: {min(speedups):.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
